/*
 * tests/fuzz/fuzz_eap.c — libFuzzer harness for EAP-TLS (eap/eap_packet.c, eap_tls.c,
 * eap_peer.c, eap_server.c) over a PSK engine with a deterministic random source.
 *
 * Input: a mode byte, then records of [u16 length][bytes].
 *   mode & 3 == 0: each record is an EAP packet fed to a peer conversation;
 *   mode & 3 == 1: the same to a server conversation (after its Start);
 *   otherwise:     a live peer <-> server conversation; each record is (u8 packet index,
 *                  u16 offset, u8 xor) tampering with one packet in flight.
 * Fragment size: 64 + 16 * (mode >> 2). Oracles: every output parses and is at most
 * fragment_size + 10 bytes; input the codec refuses is refused by the conversation without
 * output; a refusal (EIOT_ERR_DECODE while the conversation did not fail with it) changes
 * neither status nor error and sends nothing; FAILURE is final.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eap/eap_packet.h"
#include "eap_iot/eap_iot.h"
#include "util/bytes.h"
#include "det_random.h"

#define MAXPKT (0xFFFF + 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out_buf[MAXPKT], pkt_buf[MAXPKT];
static const uint8_t psk_id[] = "fuzz";
static const uint8_t psk[16] = { 7 };

static struct eiot_config *make_cfg(enum eiot_role role, uint64_t *seed)
{
	struct eiot_config *cfg = eiot_config_new(role, EIOT_TLS);
	uint16_t suite = EIOT_PSK_WITH_AES_128_CCM_8;
	if (!cfg)
		abort();
	if (role == EIOT_CLIENT)
		eiot_config_set_psk(cfg, psk_id, 4, psk, 16);
	else
		eiot_config_add_psk(cfg, psk_id, 4, psk, 16);
	eiot_config_set_suites(cfg, &suite, 1);
	eiot_config_set_random(cfg, det_random, seed);
	return cfg;
}

/* Feed one packet and check the oracles. */
static void feed(struct eiot_eap_tls *e, size_t frag, const uint8_t *in, size_t n, size_t *out_len)
{
	struct eap_pkt p;
	enum eiot_eap_status st = eiot_eap_tls_status(e);
	int err_before = eiot_eap_tls_error(e);
	bool parses = eap_pkt_parse(in, n, &p) == EIOT_OK;
	int rc = eiot_eap_tls_process(e, in, n, 0, out_buf, sizeof(out_buf), out_len);

	if (!parses && (rc != EIOT_ERR_DECODE || *out_len))
		abort();
	/* EIOT_ERR_DECODE is a refusal unless it is the error that failed the conversation
	 * (the engine's decode_error on tampered TLS bytes) */
	bool failed_decode = eiot_eap_tls_status(e) == EIOT_EAP_FAILURE &&
			     eiot_eap_tls_error(e) == EIOT_ERR_DECODE;
	if (rc == EIOT_ERR_DECODE && !failed_decode &&
	    (*out_len || eiot_eap_tls_status(e) != st || eiot_eap_tls_error(e) != err_before))
		abort();
	if (st == EIOT_EAP_FAILURE && eiot_eap_tls_status(e) != EIOT_EAP_FAILURE)
		abort();
	if (*out_len && (*out_len > frag + 10 || eap_pkt_parse(out_buf, *out_len, &p) != EIOT_OK))
		abort();
}

static void run_stream(bool server, size_t frag, const uint8_t *data, size_t size)
{
	uint64_t seed = 1;
	struct eiot_config *cfg = make_cfg(server ? EIOT_SERVER : EIOT_CLIENT, &seed);
	struct eiot_eap_tls_opts o = { .fragment_size = frag, .max_message = 4096 };
	struct eiot_eap_tls *e = eiot_eap_tls_new(cfg, &o, 0);
	size_t pos = 0, n;

	if (!e)
		abort();
	if (server && eiot_eap_server_start(e, data[0], out_buf, sizeof(out_buf), &n))
		abort();
	while (size - pos >= 2) {
		size_t len = ld_be16(data + pos);
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		feed(e, frag, data + pos, len, &n);
		pos += len;
	}
	eiot_eap_tls_free(e);
	eiot_config_free(cfg);
}

static void run_live(size_t frag, const uint8_t *data, size_t size)
{
	uint64_t seed[2] = { 1, 2 };
	struct eiot_config *cfg[2] = { make_cfg(EIOT_CLIENT, &seed[0]),
				       make_cfg(EIOT_SERVER, &seed[1]) };
	struct eiot_eap_tls_opts o = { .fragment_size = frag, .max_message = 4096 };
	struct eiot_eap_tls *e[2] = { eiot_eap_tls_new(cfg[0], &o, 0), eiot_eap_tls_new(cfg[1], &o, 0) };
	size_t n, len;
	unsigned idx = 0;

	if (!e[0] || !e[1])
		abort();
	if (eiot_eap_server_start(e[1], 1, pkt_buf, sizeof(pkt_buf), &len))
		abort();
	for (int step = 0; step < 400 && len; step++, idx++) {
		for (size_t pos = 0; pos + 4 <= size; pos += 4) {
			size_t off = ld_be16(data + pos + 1);
			if (data[pos] == (uint8_t)idx && off < len)
				pkt_buf[off] ^= data[pos + 3];
		}
		int side = step % 2 == 0 ? 0 : 1; /* requests go to the peer, responses to the server */
		feed(e[side], frag, pkt_buf, len, &n);
		memcpy(pkt_buf, out_buf, n);
		len = n;
	}
	for (int s = 0; s < 2; s++) {
		eiot_eap_tls_free(e[s]);
		eiot_config_free(cfg[s]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t frag = 64 + 16 * (size_t)(data[0] >> 2);
	switch (data[0] & 3) {
	case 0:
		run_stream(false, frag, data + 1, size - 1);
		break;
	case 1:
		run_stream(true, frag, data + 1, size - 1);
		break;
	default:
		run_live(frag, data + 1, size - 1);
		break;
	}
	return 0;
}
