/*
 * tests/fuzz/fuzz_dtls_accept.c — libFuzzer harness for the stateless DTLS front door
 * eiot_dtls_accept() (tls/dtls_accept.c) and, through it, the record header and ClientHello
 * parsers.
 *
 * Input: one flags byte (bit 0: cookies off, bit 1: second peer address), then the datagram.
 * Deterministic random source. Whenever a HelloVerifyRequest comes back, its layout is checked,
 * and when the ClientHello was whole in the first record, its cookie is spliced in and the
 * result must be accepted.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eap_iot/config.h"
#include "eap_iot/dtls.h"
#include "eap_iot/err.h"
#include "tls/cookie.h"
#include "util/bytes.h"

#define HVR_LEN (13 + 12 + 3 + COOKIE_LEN)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fixed_random(void *user, uint8_t *out, size_t n)
{
	(void)user;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(i * 29 + 17);
	return 0;
}

/* Put the HVR's cookie into the ClientHello at dg (already accepted by the parser). */
static size_t splice_cookie(const uint8_t *dg, size_t n, const uint8_t *cookie, uint8_t *out,
			    size_t cap)
{
	size_t sid_at = 13 + 12 + 2 + 32;
	if (n <= sid_at)
		abort();
	size_t ck_at = sid_at + 1 + dg[sid_at];
	if (n <= ck_at)
		abort();
	size_t old = dg[ck_at];
	size_t rest = n - ck_at - 1 - old;
	size_t rec_len = ld_be16(dg + 11) - old + COOKIE_LEN;
	if (ck_at + 1 + COOKIE_LEN + rest > cap || rec_len > 16384)
		return 0;
	memcpy(out, dg, ck_at);
	out[ck_at] = COOKIE_LEN;
	memcpy(out + ck_at + 1, cookie, COOKIE_LEN);
	memcpy(out + ck_at + 1 + COOKIE_LEN, dg + ck_at + 1 + old, rest);
	uint32_t len = ld_be24(out + 13 + 1) - (uint32_t)old + COOKIE_LEN;
	st_be16(out + 11, (uint16_t)rec_len);
	st_be24(out + 13 + 1, len);
	st_be24(out + 13 + 9, len);
	return ck_at + 1 + COOKIE_LEN + rest;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct eiot_config *cfg;
	static const uint8_t addrs[2][6] = { { 10, 0, 0, 1, 0x16, 0x34 }, { 10, 0, 0, 2, 0x16, 0x34 } };
	if (!cfg) {
		cfg = eiot_config_new(EIOT_SERVER, EIOT_DTLS);
		if (!cfg)
			abort();
		eiot_config_set_random(cfg, fixed_random, NULL);
	}
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	const uint8_t *dg = data + 1;
	size_t n = size - 1;
	const uint8_t *addr = addrs[(flags >> 1) & 1];
	eiot_config_set_cookie(cfg, !(flags & 1));

	struct eiot_cookie_secret *s = eiot_cookie_secret_new(cfg, 0);
	if (!s)
		abort();
	uint8_t reply[HVR_LEN + 8];
	size_t rl = 0;
	int err = eiot_dtls_accept(s, cfg, addr, sizeof(addrs[0]), dg, n, 1000, reply, sizeof(reply), &rl);
	if (err != EIOT_ERR_COOKIE_SENT && rl != 0)
		abort();
	if (err == EIOT_ERR_COOKIE_SENT) {
		if (rl != HVR_LEN || reply[0] != 22 || ld_be16(reply + 1) != 0xFEFF ||
		    ld_be16(reply + 3) != 0 || memcmp(reply + 5, dg + 5, 6) != 0 || reply[13] != 3 ||
		    memcmp(reply + 13 + 4, dg + 13 + 4, 2) != 0 || reply[13 + 14] != COOKIE_LEN)
			abort();
		/* a ClientHello fragmented over records was answered too; the splice below rewrites
		 * only a whole one in the first record */
		bool whole = n >= 13 + 12 && ld_be24(dg + 13 + 1) == ld_be24(dg + 13 + 9);
		uint8_t again[2048];
		size_t m = whole ? splice_cookie(dg, n, reply + HVR_LEN - COOKIE_LEN, again, sizeof(again)) : 0;
		if (m && eiot_dtls_accept(s, cfg, addr, sizeof(addrs[0]), again, m, 1000, reply,
					  sizeof(reply), &rl) != EIOT_OK)
			abort();
	} else if (err != EIOT_OK && err != EIOT_ERR_DECODE) {
		abort();
	}
	eiot_cookie_secret_free(s);
	return 0;
}
