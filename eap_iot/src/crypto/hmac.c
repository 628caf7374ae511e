/*
 * crypto/hmac.c — HMAC-SHA256 (RFC 2104) over the seam's SHA-256, for every backend.
 *
 * Composed from SHA-256 contexts, which cannot fail: no caller ever holds a MAC it must not
 * trust, and no backend needs an allocating MAC API.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "util/bytes.h"

enum { HMAC_BLOCK = 64 };

/* H(key ^ pad || parts...) */
static void hmac_pass(const uint8_t k[HMAC_BLOCK], uint8_t pad_byte, const uint8_t *const parts[4],
		      const size_t lens[4], uint8_t out[32])
{
	struct eiot_sha256 h;
	uint8_t pad[HMAC_BLOCK];

	for (size_t i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k[i] ^ pad_byte;
	eiot_sha256_init(&h);
	eiot_sha256_update(&h, pad, HMAC_BLOCK);
	for (size_t i = 0; i < 4; i++)
		if (parts[i] && lens[i] > 0)
			eiot_sha256_update(&h, parts[i], lens[i]);
	eiot_sha256_peek(&h, out);
	eiot_sha256_free(&h);
	eiot_zeroize(pad, sizeof(pad));
}

/* see crypto/crypto.h */
void eiot_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *p1, size_t n1,
		      const uint8_t *p2, size_t n2, const uint8_t *p3, size_t n3,
		      const uint8_t *p4, size_t n4, uint8_t out[32])
{
	const uint8_t *inner_parts[4] = { p1, p2, p3, p4 };
	const size_t inner_lens[4] = { n1, n2, n3, n4 };
	uint8_t k[HMAC_BLOCK] = { 0 }, inner[32];

	if (key_len > HMAC_BLOCK)
		eiot_sha256(key, key_len, k);
	else if (key_len)
		memcpy(k, key, key_len);
	hmac_pass(k, 0x36, inner_parts, inner_lens, inner);
	const uint8_t *outer_parts[4] = { inner, NULL, NULL, NULL };
	const size_t outer_lens[4] = { sizeof(inner), 0, 0, 0 };
	hmac_pass(k, 0x5c, outer_parts, outer_lens, out);
	eiot_zeroize(k, sizeof(k));
	eiot_zeroize(inner, sizeof(inner));
}
