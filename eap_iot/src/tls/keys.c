/*
 * tls/keys.c — the TLS 1.2 key schedule with SHA-256 as the PRF hash (RFC 5246 §5).
 *
 * Owns: P_SHA256, the PSK premaster secret (RFC 4279 §2), master and extended master secret
 * (RFC 5246 §8.1, RFC 7627 §4), the AEAD key block (RFC 5246 §6.3), Finished verify_data
 * (RFC 5246 §7.4.9) and the RFC 5705 exporter. Intermediate values are zeroized.
 */
#include "tls/keys.h"

#include <string.h>

#include "crypto/crypto.h"
#include "eap_iot/err.h"
#include "util/bytes.h"

#define HASH_LEN 32

/* see tls/keys.h */
void tls_prf(const uint8_t *secret, size_t secret_len, const char *label, const uint8_t *seed1,
	     size_t seed1_len, const uint8_t *seed2, size_t seed2_len, uint8_t *out, size_t n)
{
	/* RFC 5246 §5: A(0) = label || seed, A(i) = HMAC(secret, A(i-1)),
	 * P_hash = HMAC(secret, A(1) || label || seed) || HMAC(secret, A(2) || label || seed) ... */
	const uint8_t *lab = (const uint8_t *)label;
	size_t lab_len = strlen(label);
	uint8_t a[HASH_LEN], block[HASH_LEN];

	eiot_hmac_sha256(secret, secret_len, lab, lab_len, seed1, seed1_len, seed2, seed2_len, NULL,
			 0, a);
	while (n > 0) {
		size_t take = n < HASH_LEN ? n : HASH_LEN;
		eiot_hmac_sha256(secret, secret_len, a, HASH_LEN, lab, lab_len, seed1, seed1_len,
				 seed2, seed2_len, block);
		memcpy(out, block, take);
		out += take;
		n -= take;
		if (n > 0)
			eiot_hmac_sha256(secret, secret_len, a, HASH_LEN, NULL, 0, NULL, 0, NULL, 0,
					 a);
	}
	eiot_zeroize(a, sizeof(a));
	eiot_zeroize(block, sizeof(block));
}

/* see tls/keys.h */
size_t tls_psk_premaster(const uint8_t *psk, size_t psk_len, uint8_t *pms)
{
	/* RFC 4279 §2: other_secret is N zero bytes for plain PSK. Both lengths are uint16. */
	if (psk_len > 0xFFFF)
		return 0;
	st_be16(pms, (uint16_t)psk_len);
	memset(pms + 2, 0, psk_len);
	st_be16(pms + 2 + psk_len, (uint16_t)psk_len);
	memcpy(pms + 4 + psk_len, psk, psk_len);
	return 4 + 2 * psk_len;
}

/* see tls/keys.h */
void tls_master_secret(const uint8_t *pms, size_t pms_len, const uint8_t cr[32],
		       const uint8_t sr[32], uint8_t ms[48])
{
	tls_prf(pms, pms_len, "master secret", cr, 32, sr, 32, ms, 48);
}

/* see tls/keys.h */
void tls_extended_master_secret(const uint8_t *pms, size_t pms_len, const uint8_t session_hash[32],
				uint8_t ms[48])
{
	tls_prf(pms, pms_len, "extended master secret", session_hash, HASH_LEN, NULL, 0, ms, 48);
}

/* see tls/keys.h */
void tls_key_block(const uint8_t ms[48], const uint8_t cr[32], const uint8_t sr[32],
		   struct tls_key_block *kb)
{
	/* RFC 5246 §6.3: the seed is server_random || client_random (the reverse of §8.1). */
	uint8_t buf[2 * 16 + 2 * 4];

	tls_prf(ms, 48, "key expansion", sr, 32, cr, 32, buf, sizeof(buf));
	memcpy(kb->client_key, buf, 16);
	memcpy(kb->server_key, buf + 16, 16);
	memcpy(kb->client_iv, buf + 32, 4);
	memcpy(kb->server_iv, buf + 36, 4);
	eiot_zeroize(buf, sizeof(buf));
}

/* see tls/keys.h */
void tls_finished(const uint8_t ms[48], int is_client, const uint8_t transcript_hash[32],
		  uint8_t verify_data[12])
{
	tls_prf(ms, 48, is_client ? "client finished" : "server finished", transcript_hash, HASH_LEN,
		NULL, 0, verify_data, 12);
}

/* RFC 5705 §4: labels already used by TLS itself must not be exported under. */
static int is_reserved_label(const char *label)
{
	static const char *const reserved[] = {
		"client finished", "server finished", "master secret", "key expansion",
		"extended master secret",
	};
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(label, reserved[i]) == 0)
			return 1;
	return 0;
}

/* see tls/keys.h */
int tls_export(const uint8_t ms[48], const uint8_t cr[32], const uint8_t sr[32], const char *label,
	       const uint8_t *context, size_t context_len, uint8_t *out, size_t n)
{
	/* RFC 5705 §4: seed = client_random || server_random [|| uint16 length || context]. */
	uint8_t seed[32 + 32 + 2];
	size_t seed_len = 64;

	if (!label || label[0] == '\0' || is_reserved_label(label))
		return EIOT_ERR_BAD_PARAM;
	if ((!context && context_len != 0) || context_len > 0xFFFF)
		return EIOT_ERR_BAD_PARAM;
	memcpy(seed, cr, 32);
	memcpy(seed + 32, sr, 32);
	if (context) {
		st_be16(seed + 64, (uint16_t)context_len);
		seed_len += 2;
	}
	tls_prf(ms, 48, label, seed, seed_len, context, context_len, out, n);
	return 0;
}
