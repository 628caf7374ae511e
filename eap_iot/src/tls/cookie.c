/*
 * tls/cookie.c — stateless DTLS cookies (RFC 6347 §4.2.1): computing, verifying, rotating.
 *
 * The secrets are the only state, one pair per server, never per peer. current signs new
 * cookies; previous is kept for one more period so a client that got its cookie just before a
 * rotation still gets in.
 */
#include "tls/cookie.h"

#include "crypto/crypto.h"
#include "tls/config_int.h"
#include "util/bytes.h"

static void put_len(struct eiot_sha256 *h, size_t n)
{
	uint8_t b[8];
	st_be64(b, (uint64_t)n);
	eiot_sha256_update(h, b, sizeof(b));
}

/* see tls/cookie.h */
void cookie_compute(const uint8_t secret[32], const struct cookie_input *in, uint8_t out[COOKIE_LEN])
{
	struct eiot_sha256 h;
	uint8_t ver[2], digest[32], mac[32];

	eiot_sha256_init(&h);
	put_len(&h, in->addr_len);
	eiot_sha256_update(&h, in->addr, in->addr_len);
	st_be16(ver, in->client_version);
	eiot_sha256_update(&h, ver, sizeof(ver));
	eiot_sha256_update(&h, in->random, 32);
	put_len(&h, in->suites_len);
	eiot_sha256_update(&h, in->suites, in->suites_len);
	put_len(&h, in->compression_len);
	eiot_sha256_update(&h, in->compression, in->compression_len);
	eiot_sha256_peek(&h, digest);
	eiot_sha256_free(&h);

	eiot_hmac_sha256(secret, 32, digest, sizeof(digest), NULL, 0, NULL, 0, NULL, 0, mac);
	for (size_t i = 0; i < COOKIE_LEN; i++)
		out[i] = mac[i];
	eiot_zeroize(mac, sizeof(mac));
}

/* see tls/cookie.h */
int cookie_maybe_rotate(struct eiot_cookie_secret *s, uint64_t now_ms)
{
	if (now_ms < s->rotated_at || now_ms - s->rotated_at < s->rotate_ms)
		return 0;
	uint8_t fresh[32], spare[32];
	bool both = now_ms - s->rotated_at >= 2 * (uint64_t)s->rotate_ms;
	int err = cfg_random(s->cfg, fresh, sizeof(fresh));
	if (!err && both)
		err = cfg_random(s->cfg, spare, sizeof(spare));
	if (err) {
		eiot_zeroize(fresh, sizeof(fresh));
		return err;
	}
	for (size_t i = 0; i < 32; i++) {
		/* two periods or more: no cookie made under current is still young enough */
		s->previous[i] = both ? spare[i] : s->current[i];
		s->current[i] = fresh[i];
	}
	s->rotated_at = now_ms;
	eiot_zeroize(fresh, sizeof(fresh));
	eiot_zeroize(spare, sizeof(spare));
	return 0;
}

/* see tls/cookie.h */
int cookie_verify(const struct eiot_cookie_secret *s, const struct cookie_input *in,
		  const uint8_t *cookie, size_t cookie_len)
{
	if (cookie_len != COOKIE_LEN)
		return 0;
	uint8_t a[COOKIE_LEN], b[COOKIE_LEN];
	cookie_compute(s->current, in, a);
	cookie_compute(s->previous, in, b);
	int ok = eiot_ct_eq(a, cookie, COOKIE_LEN) | eiot_ct_eq(b, cookie, COOKIE_LEN);
	eiot_zeroize(a, sizeof(a));
	eiot_zeroize(b, sizeof(b));
	return ok;
}
