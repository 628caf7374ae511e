/*
 * tests/fuzz/fuzz_restore.c — libFuzzer harness for eiot_conn_restore() (tls/conn_save.c): a
 * saved connection read from storage that may hold anything.
 *
 * Input: one flags byte (bit 0: give the state a right check value, so that the fields behind
 * it are reached; bit 1: a server configuration), a length byte, that many bytes of state,
 * then one datagram fed to the restored connection. A state that restores must save again
 * (unless its record numbers are all but used up), restore from that and save to the same
 * length, take the datagram without harm and write a record.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eap_iot/config.h"
#include "eap_iot/conn.h"
#include "eap_iot/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fixed_random(void *user, uint8_t *out, size_t n)
{
	(void)user;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(i * 31 + 7);
	return 0;
}

static struct eiot_config *config(bool server)
{
	static const uint8_t id[] = "fuzz", key[16] = { 1, 2, 3 };
	struct eiot_config *cfg = eiot_config_new(server ? EIOT_SERVER : EIOT_CLIENT, EIOT_DTLS);
	if (!cfg)
		abort();
	eiot_config_set_random(cfg, fixed_random, NULL);
	int err = server ? eiot_config_add_psk(cfg, id, 4, key, 16) : eiot_config_set_psk(cfg, id, 4, key, 16);
	if (err || eiot_config_set_connection_id(cfg, true, 4))
		abort();
	return cfg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct eiot_config *cfg[2];
	if (size < 2)
		return 0;
	bool fix = data[0] & 1, server = data[0] & 2;
	size_t n = data[1];
	if (size - 2 < n)
		return 0;
	if (!cfg[server])
		cfg[server] = config(server);
	uint8_t st[256], again[EIOT_SAVED_MAX], once[EIOT_SAVED_MAX], out[2048];
	memcpy(st, data + 2, n);
	if (fix && n >= 8) {
		uint8_t h[32];
		eiot_sha256(st, n - 8, h);
		memcpy(st + n - 8, h, 8);
	}
	struct eiot_conn *c;
	int err = eiot_conn_restore(cfg[server], st, n, 0, &c);
	if (err) {
		if (c)
			abort();
		return 0;
	}
	size_t l1, l2, w, len;
	err = eiot_conn_save(c, 4, once, sizeof(once), &l1);
	eiot_conn_free(c);
	if (err == EIOT_ERR_WRONG_STATE) /* record numbers too close to 2^48 for a reservation */
		return 0;
	if (err || eiot_conn_restore(cfg[server], once, l1, 0, &c))
		abort();
	err = eiot_conn_save(c, 4, again, sizeof(again), &l2);
	if ((err && err != EIOT_ERR_WRONG_STATE) || (!err && l1 != l2))
		abort();
	eiot_conn_feed(c, data + 2 + n, size - 2 - n, 1);
	uint8_t buf[64];
	while (eiot_conn_read(c, buf, sizeof(buf), &len) == EIOT_OK)
		;
	if (!err && eiot_conn_state(c) == EIOT_STATE_ESTABLISHED && eiot_conn_write(c, (const uint8_t *)"x", 1, &w))
		abort(); /* a reservation was made: a record goes */
	while (eiot_conn_output(c, out, sizeof(out), &len) == EIOT_OK && len)
		;
	eiot_conn_free(c);
	return 0;
}
