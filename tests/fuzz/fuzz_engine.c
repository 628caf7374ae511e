/*
 * tests/fuzz/fuzz_engine.c — libFuzzer harness for a whole engine (client or server, TLS or
 * DTLS) fed arbitrary bytes, with a deterministic random source so that a recorded handshake
 * replays all the way to application data.
 *
 * Input: one mode byte, then chunks of [u16 length][bytes], each fed at a later time (TLS:
 * stream bytes; DTLS: one datagram), output drained after each. Mode bits: 0 = DTLS,
 * 1 = client role, 2 = certificates (else PSK). Certificates come from $EIOT_PKI_DIR (default
 * build/pki); without them the certificate modes only exercise PSK-less failure paths.
 * Whatever the input, the engine must end in a defined state, with a defined error and
 * never an alert the profile forbids.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eap_iot/eap_iot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t psk_id[] = "device1";
static const uint8_t psk_key[16] = { 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
				     0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };

/* splitmix64: the same seed gives the same handshake randoms and ECDHE keys every run */
static int det_random(void *user, uint8_t *out, size_t n)
{
	uint64_t *s = user;
	for (size_t i = 0; i < n; i++) {
		uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		out[i] = (uint8_t)(z ^ (z >> 31));
	}
	return 0;
}

static const char *pki(const char *file, char *buf, size_t cap)
{
	const char *dir = getenv("EIOT_PKI_DIR");
	snprintf(buf, cap, "%s/%s", dir ? dir : "build/pki", file);
	return buf;
}

static struct eiot_config *make_config(uint8_t mode, uint64_t *rng)
{
	bool dtls = mode & 1, client = mode & 2, certs = mode & 4;
	struct eiot_config *cfg = eiot_config_new(client ? EIOT_CLIENT : EIOT_SERVER,
						  dtls ? EIOT_DTLS : EIOT_TLS);
	if (!cfg)
		return NULL;
	eiot_config_set_random(cfg, det_random, rng);
	eiot_config_set_mtu(cfg, 1280);
	eiot_config_set_cookie(cfg, false);
	char a[256], b[256];
	if (!certs) {
		if (client)
			eiot_config_set_psk(cfg, psk_id, sizeof(psk_id) - 1, psk_key, sizeof(psk_key));
		else
			eiot_config_add_psk(cfg, psk_id, sizeof(psk_id) - 1, psk_key, sizeof(psk_key));
		uint16_t suite = EIOT_PSK_WITH_AES_128_CCM_8;
		eiot_config_set_suites(cfg, &suite, 1);
	} else if (client) {
		eiot_config_add_trust_file(cfg, pki("ca.pem", a, sizeof(a)));
		eiot_config_set_own_cert_file(cfg, pki("device.pem", a, sizeof(a)),
					      pki("device.key.pem", b, sizeof(b)), NULL);
		eiot_config_set_server_name(cfg, "aaa.example.com");
		eiot_config_set_time(cfg, EIOT_TIME_NONE, NULL, NULL);
	} else {
		eiot_config_add_trust_file(cfg, pki("ca.pem", a, sizeof(a)));
		eiot_config_set_own_cert_file(cfg, pki("server.pem", a, sizeof(a)),
					      pki("server.key.pem", b, sizeof(b)), NULL);
		eiot_config_set_verify_client(cfg, EIOT_VERIFY_REQUIRED);
		eiot_config_set_time(cfg, EIOT_TIME_NONE, NULL, NULL);
	}
	return cfg;
}

static void drain(struct eiot_conn *c)
{
	static uint8_t out[20000];
	size_t n;
	for (int i = 0; i < 256; i++) {
		if (eiot_conn_output(c, out, sizeof(out), &n) || n == 0)
			return;
	}
}

static void check_invariants(const struct eiot_conn *c)
{
	int sent, rcvd;
	eiot_conn_last_alert(c, &sent, &rcvd);
	/* RFC 7925 §6: never a RESERVED alert, never decompression_failure */
	if (sent == 21 || sent == 41 || sent == 60 || sent == 30)
		abort();
	int err = eiot_conn_error(c);
	if (err < 0 || err >= EIOT_ERR__COUNT)
		abort();
	if (eiot_conn_state(c) == EIOT_STATE_FAILED && err == EIOT_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	uint64_t rng = 0x5eed;
	struct eiot_config *cfg = make_config(mode, &rng);
	if (!cfg)
		return 0;
	uint64_t now = 1000;
	struct eiot_conn *c = eiot_conn_new(cfg, now);
	if (!c) {
		eiot_config_free(cfg);
		return 0;
	}
	drain(c);
	size_t pos = 1;
	while (pos + 2 <= size) {
		size_t len = ((size_t)data[pos] << 8) | data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		now += 100;
		eiot_conn_feed(c, data + pos, len, now);
		pos += len;
		drain(c);
		uint8_t app[2048];
		size_t n;
		while (eiot_conn_read(c, app, sizeof(app), &n) == EIOT_OK && n)
			;
		check_invariants(c);
	}
	/* let every timer run out: retransmissions, then the give-up */
	for (int i = 0; i < 16 && eiot_conn_next_timer(c) != UINT64_MAX; i++) {
		now = eiot_conn_next_timer(c);
		eiot_conn_tick(c, now);
		drain(c);
	}
	check_invariants(c);
	eiot_conn_free(c);
	eiot_config_free(cfg);
	return 0;
}
