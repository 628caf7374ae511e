/*
 * crypto/mbedtls/crypto_mbedtls.c — crypto/crypto.h over mbedTLS 2.28's libmbedcrypto.
 *
 * Owns: the CTR_DRBG, SHA-256 and SHA-1, AES-128-CCM(_8)/GCM with a 12-byte nonce, ECDH and
 * ECDSA on secp256r1. HMAC is crypto/hmac.c, X.509 x509_mbedtls.c. Nothing here keeps global
 * state. Every peer-supplied point is checked before use (RFC 8422 §5.11, §5.10: the
 * uncompressed form only, and on the curve). mbedTLS error codes never leave this file.
 */
#include "crypto/crypto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#include <mbedtls/ecdsa.h>
#include <mbedtls/sha1.h>

#include "eap_iot/err.h"
#include "crypto/mbedtls/ccm_mbedtls.h"
#include "util/bytes.h"
#include "util/file.h"

#define P256_POINT_LEN 65
#define P256_SCALAR_LEN 32

/* ---- random ---- */

#if defined(__linux__)
/* The CTR_DRBG's seed straight from the kernel (getrandom(2), which blocks only until the pool
 * is first initialised at boot). mbedTLS's entropy collector would do the same plus HAVEGE,
 * which Debian's build enables and which costs ~1.2 M instructions per seeding. */
static int os_entropy(void *unused, unsigned char *out, size_t n)
{
	(void)unused;
	while (n > 0) {
		ssize_t got = getrandom(out, n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
		out += got;
		n -= (size_t)got;
	}
	return 0;
}
#else
/* No OS entropy source known to this build (a bare-metal device): seeding fails, and the
 * application supplies its hardware RNG with eiot_config_set_random. */
static int os_entropy(void *unused, unsigned char *out, size_t n)
{
	(void)unused, (void)out, (void)n;
	return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}
#endif

/* see crypto/crypto.h */
int eiot_drbg_init(struct eiot_drbg *d, const char *pers)
{
	mbedtls_ctr_drbg_init(&d->ctr);
	size_t pers_len = pers ? strlen(pers) : 0;
	if (mbedtls_ctr_drbg_seed(&d->ctr, os_entropy, NULL, (const unsigned char *)pers, pers_len) != 0) {
		eiot_drbg_free(d);
		return EIOT_ERR_CRYPTO;
	}
	return 0;
}

/* see crypto/crypto.h */
int eiot_drbg_random(void *drbg, uint8_t *out, size_t n)
{
	struct eiot_drbg *d = drbg;
	/* CTR_DRBG hands out at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes per call. */
	while (n > 0) {
		size_t chunk = n < MBEDTLS_CTR_DRBG_MAX_REQUEST ? n : MBEDTLS_CTR_DRBG_MAX_REQUEST;
		if (mbedtls_ctr_drbg_random(&d->ctr, out, chunk) != 0)
			return EIOT_ERR_CRYPTO;
		out += chunk;
		n -= chunk;
	}
	return 0;
}

/* see crypto/crypto.h */
void eiot_drbg_free(struct eiot_drbg *d)
{
	mbedtls_ctr_drbg_free(&d->ctr);
}

/* ---- hashes ---- */

/* The software SHA-256 of mbedTLS cannot fail on valid contexts, hence the void API. */

/* see crypto/crypto.h */
void eiot_sha256_init(struct eiot_sha256 *h)
{
	mbedtls_sha256_init(&h->ctx);
	(void)mbedtls_sha256_starts_ret(&h->ctx, 0);
}

/* see crypto/crypto.h */
void eiot_sha256_update(struct eiot_sha256 *h, const uint8_t *p, size_t n)
{
	if (n > 0)
		(void)mbedtls_sha256_update_ret(&h->ctx, p, n);
}

/* see crypto/crypto.h */
void eiot_sha256_peek(const struct eiot_sha256 *h, uint8_t out[32])
{
	mbedtls_sha256_context copy;
	mbedtls_sha256_init(&copy);
	mbedtls_sha256_clone(&copy, &h->ctx);
	(void)mbedtls_sha256_finish_ret(&copy, out);
	mbedtls_sha256_free(&copy);
}

/* see crypto/crypto.h */
void eiot_sha256_free(struct eiot_sha256 *h)
{
	mbedtls_sha256_free(&h->ctx);
}

/* see crypto/crypto.h */
void eiot_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	(void)mbedtls_sha256_ret(p, n, out, 0);
}

/* see crypto/crypto.h */
void eiot_sha1(const uint8_t *p, size_t n, uint8_t out[20])
{
	(void)mbedtls_sha1_ret(p, n, out);
}

/* ---- AEAD ---- */

/* see crypto/crypto.h */
int eiot_aead_init(struct eiot_aead *a, enum eiot_aead_alg alg, const uint8_t key[16])
{
	int ret;

	memset(a, 0, sizeof(*a));
	a->alg = (int)alg;
	switch (alg) {
	case EIOT_AEAD_AES128_CCM_8:
	case EIOT_AEAD_AES128_CCM:
		a->tag_len = alg == EIOT_AEAD_AES128_CCM_8 ? 8 : 16;
#if EIOT_WITH_AES_SCHEDULE
		mbedtls_aes_init(&a->u.aes);
		ret = mbedtls_aes_setkey_enc(&a->u.aes, key, 128);
#else
		memcpy(a->u.key, key, 16);
		ret = 0;
#endif
		break;
#if EIOT_WITH_EXTRA_SUITES /* else GCM is left out of this build (eap_iot/features.h) */
	case EIOT_AEAD_AES128_GCM:
		a->tag_len = 16;
		mbedtls_gcm_init(&a->u.gcm);
		ret = mbedtls_gcm_setkey(&a->u.gcm, MBEDTLS_CIPHER_ID_AES, key, 128);
		break;
#endif
	default:
		return EIOT_ERR_BAD_PARAM;
	}
	if (ret != 0) {
		eiot_aead_free(a);
		return EIOT_ERR_CRYPTO;
	}
	return 0;
}

/* see crypto/crypto.h */
size_t eiot_aead_tag_len(const struct eiot_aead *a)
{
	return a->tag_len;
}

/* CCM seal or open (ccm_mbedtls.h) under a's key schedule, kept or made for this record. */
static int ccm_run(struct eiot_aead *a, int (*op)(mbedtls_aes_context *, size_t, const uint8_t *,
						  const uint8_t *, size_t, uint8_t *, size_t),
		   const uint8_t nonce[12], const uint8_t *aad, size_t aad_len, uint8_t *p, size_t n)
{
#if EIOT_WITH_AES_SCHEDULE
	return op(&a->u.aes, a->tag_len, nonce, aad, aad_len, p, n);
#else
	mbedtls_aes_context aes;
	mbedtls_aes_init(&aes);
	int err = mbedtls_aes_setkey_enc(&aes, a->u.key, 128) ? EIOT_ERR_CRYPTO
							       : op(&aes, a->tag_len, nonce, aad, aad_len, p, n);
	mbedtls_aes_free(&aes); /* wipes the schedule */
	return err;
#endif
}

/* see crypto/crypto.h */
int eiot_aead_seal(struct eiot_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		   uint8_t *p, size_t n)
{
#if EIOT_WITH_EXTRA_SUITES
	if (a->alg == EIOT_AEAD_AES128_GCM) {
		int ret = mbedtls_gcm_crypt_and_tag(&a->u.gcm, MBEDTLS_GCM_ENCRYPT, n, nonce, 12, aad,
						    aad_len, p, p, a->tag_len, p + n);
		return ret == 0 ? 0 : EIOT_ERR_CRYPTO;
	}
#endif
	return ccm_run(a, ccm_seal, nonce, aad, aad_len, p, n);
}

/* see crypto/crypto.h */
int eiot_aead_open(struct eiot_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		   uint8_t *p, size_t n)
{
	/* Both compare the tag in constant time and wipe the output on a mismatch. */
#if EIOT_WITH_EXTRA_SUITES
	if (a->alg == EIOT_AEAD_AES128_GCM) {
		int ret = mbedtls_gcm_auth_decrypt(&a->u.gcm, n, nonce, 12, aad, aad_len, p + n,
						   a->tag_len, p, p);
		if (ret == MBEDTLS_ERR_GCM_AUTH_FAILED)
			return EIOT_ERR_BAD_RECORD_MAC;
		return ret == 0 ? 0 : EIOT_ERR_CRYPTO;
	}
#endif
	return ccm_run(a, ccm_open, nonce, aad, aad_len, p, n);
}

/* see crypto/crypto.h */
void eiot_aead_moved(struct eiot_aead *a, const struct eiot_aead *old)
{
	/* a GCM context keeps its cipher state on the heap: nothing points into it */
	if (EIOT_WITH_EXTRA_SUITES && a->alg == EIOT_AEAD_AES128_GCM)
		return;
#if EIOT_WITH_AES_SCHEDULE
	a->u.aes.rk = a->u.aes.buf + (old->u.aes.rk - old->u.aes.buf);
#else
	(void)old; /* a key only: nothing points anywhere */
#endif
}

/* see crypto/crypto.h */
void eiot_aead_free(struct eiot_aead *a)
{
#if EIOT_WITH_EXTRA_SUITES
	if (a->alg == EIOT_AEAD_AES128_GCM)
		mbedtls_gcm_free(&a->u.gcm);
#endif
#if EIOT_WITH_AES_SCHEDULE
	if (a->alg != EIOT_AEAD_AES128_GCM)
		mbedtls_aes_free(&a->u.aes);
#endif
	eiot_zeroize(a, sizeof(*a));
}

/* ---- ECDH (not in a build without ECDHE, eap_iot/features.h) ---- */
#if EIOT_WITH_ECDHE

/* see crypto/crypto.h */
int eiot_ecdh_keygen(struct eiot_ecdh *e, eiot_random_fn rng, void *rng_user, uint8_t pub[65])
{
	mbedtls_ecp_point q;
	size_t olen = 0;
	int ret;

	mbedtls_ecp_group_init(&e->grp);
	mbedtls_mpi_init(&e->d);
	mbedtls_ecp_point_init(&q);
	e->ready = false;
	ret = mbedtls_ecp_group_load(&e->grp, MBEDTLS_ECP_DP_SECP256R1);
	if (ret == 0)
		ret = mbedtls_ecdh_gen_public(&e->grp, &e->d, &q, rng, rng_user);
	if (ret == 0)
		ret = mbedtls_ecp_point_write_binary(&e->grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
						     pub, P256_POINT_LEN);
	mbedtls_ecp_point_free(&q);
	if (ret != 0 || olen != P256_POINT_LEN) {
		mbedtls_mpi_free(&e->d);
		mbedtls_ecp_group_free(&e->grp);
		return EIOT_ERR_CRYPTO;
	}
	e->ready = true;
	return 0;
}

/* see crypto/crypto.h */
int eiot_ecdh_shared(struct eiot_ecdh *e, const uint8_t *peer, size_t peer_len, uint8_t out[32])
{
	mbedtls_ecp_point q;
	mbedtls_mpi z;
	int ret;

	if (!e->ready)
		return EIOT_ERR_WRONG_STATE;
	/* RFC 8422 §5.1.2 / RFC 7925 §4.3: uncompressed points only, exactly 1 + 2 * 32 bytes. */
	if (peer_len != P256_POINT_LEN || peer[0] != 0x04)
		return EIOT_ERR_BAD_POINT;
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&z);
	ret = mbedtls_ecp_point_read_binary(&e->grp, &q, peer, peer_len);
	/* Coordinates in range and y^2 = x^3 + ax + b: no invalid-curve attacks (RFC 8422 §5.11). */
	if (ret == 0 && mbedtls_ecp_check_pubkey(&e->grp, &q) != 0)
		ret = MBEDTLS_ERR_ECP_INVALID_KEY;
	if (ret != 0) {
		mbedtls_ecp_point_free(&q);
		return EIOT_ERR_BAD_POINT;
	}
	/* NULL RNG: mbedTLS 2.28 then blinds with an internal DRBG seeded from the secret. */
	ret = mbedtls_ecdh_compute_shared(&e->grp, &z, &q, &e->d, NULL, NULL);
	if (ret == 0)
		ret = mbedtls_mpi_write_binary(&z, out, P256_SCALAR_LEN);
	mbedtls_ecp_point_free(&q);
	mbedtls_mpi_free(&z); /* mbedtls_mpi_free zeroizes the limbs */
	return ret == 0 ? 0 : EIOT_ERR_CRYPTO;
}

/* see crypto/crypto.h */
void eiot_ecdh_free(struct eiot_ecdh *e)
{
	if (!e->ready)
		return;
	mbedtls_mpi_free(&e->d);
	mbedtls_ecp_group_free(&e->grp);
	e->ready = false;
}

#endif /* EIOT_WITH_ECDHE */

/* ---- ECDSA keys (with mbedTLS's public key layer: not in a PSK device's configuration) ---- */
#if defined(MBEDTLS_PK_PARSE_C)

/* An EC key on secp256r1, nothing else (RFC 7925 §4.4.4). */
static int pkey_check_p256(const mbedtls_pk_context *pk)
{
	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY)
		return EIOT_ERR_CERT_BAD_KEY;
	if (mbedtls_pk_ec(*pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1)
		return EIOT_ERR_CERT_BAD_KEY;
	return 0;
}

/* Finish a parse: check the key type and set ready, or leave k empty. */
static int pkey_finish_parse(struct eiot_pkey *k, int parse_ret)
{
	int err = parse_ret != 0 ? EIOT_ERR_FILE : pkey_check_p256(&k->pk);
	if (err) {
		mbedtls_pk_free(&k->pk);
		return err;
	}
	k->ready = true;
	return 0;
}

/* see crypto/crypto.h */
int eiot_pkey_parse_private(struct eiot_pkey *k, const uint8_t *buf, size_t len, const char *password)
{
	static const char pem_begin[] = "-----BEGIN ";
	const uint8_t *src = buf;
	uint8_t *copy = NULL;
	size_t src_len = len;
	int ret;

	k->ready = false;
	mbedtls_pk_init(&k->pk);
	if (!buf || len == 0)
		return EIOT_ERR_BAD_PARAM;
	/* mbedTLS reads PEM only from a NUL-terminated buffer whose length counts the NUL. */
	if (len >= sizeof(pem_begin) - 1 && memcmp(buf, pem_begin, sizeof(pem_begin) - 1) == 0 &&
	    buf[len - 1] != '\0') {
		copy = malloc(len + 1);
		if (!copy)
			return EIOT_ERR_NO_MEMORY;
		memcpy(copy, buf, len);
		copy[len] = '\0';
		src = copy;
		src_len = len + 1;
	}
	ret = mbedtls_pk_parse_key(&k->pk, src, src_len, (const unsigned char *)password,
				   password ? strlen(password) : 0);
	if (copy) {
		eiot_zeroize(copy, len + 1);
		free(copy);
	}
	return pkey_finish_parse(k, ret);
}

/* Key files are small; read ourselves (util/file.c), so mbedTLS needs no MBEDTLS_FS_IO. */
#define MAX_KEY_FILE (64 * 1024)

/* see crypto/crypto.h */
int eiot_pkey_load_private_file(struct eiot_pkey *k, const char *path, const char *password)
{
	uint8_t *buf;
	size_t len;
	k->ready = false;
	mbedtls_pk_init(&k->pk);
	if (!path)
		return EIOT_ERR_BAD_PARAM;
	int err = util_read_file(path, MAX_KEY_FILE, &buf, &len);
	if (err)
		return err;
	err = eiot_pkey_parse_private(k, buf, len, password);
	eiot_zeroize(buf, len);
	free(buf);
	return err;
}

/* see crypto/crypto.h */
int eiot_pkey_sign(struct eiot_pkey *k, const uint8_t hash[32], eiot_random_fn rng, void *rng_user,
		   uint8_t *sig, size_t cap, size_t *sig_len)
{
	/* mbedtls_pk_sign takes no output size: sign into a buffer big enough for any curve. */
	uint8_t tmp[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t n = 0;

	if (!k->ready)
		return EIOT_ERR_WRONG_STATE;
	if (mbedtls_pk_sign(&k->pk, MBEDTLS_MD_SHA256, hash, 32, tmp, &n, rng, rng_user) != 0)
		return EIOT_ERR_CRYPTO;
	if (n > cap)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	memcpy(sig, tmp, n);
	*sig_len = n;
	return 0;
}

/* see crypto/crypto.h */
int eiot_pkey_verify(struct eiot_pkey *k, const uint8_t hash[32], const uint8_t *sig, size_t sig_len)
{
	if (!k->ready)
		return EIOT_ERR_WRONG_STATE;
	if (pkey_check_p256(&k->pk) != 0)
		return EIOT_ERR_CERT_BAD_KEY;
	/* Any failure, including trailing bytes after the DER signature, is a bad signature. */
	if (mbedtls_pk_verify(&k->pk, MBEDTLS_MD_SHA256, hash, 32, sig, sig_len) != 0)
		return EIOT_ERR_BAD_SIGNATURE;
	return 0;
}

/* see crypto/crypto.h */
int eiot_pkey_parse_spki(struct eiot_pkey *k, const uint8_t *der, size_t len)
{
	unsigned char *p = (unsigned char *)der; /* only read; mbedTLS takes a mutable cursor */
	k->ready = false;
	mbedtls_pk_init(&k->pk);
	if (!der || len == 0)
		return EIOT_ERR_DECODE;
	if (mbedtls_pk_parse_subpubkey(&p, p + len, &k->pk) || p != der + len) {
		mbedtls_pk_free(&k->pk);
		return EIOT_ERR_DECODE;
	}
	int err = pkey_check_p256(&k->pk);
	if (err) {
		mbedtls_pk_free(&k->pk);
		return err;
	}
	k->ready = true;
	return 0;
}

/* see crypto/crypto.h */
int eiot_pkey_load_public_file(struct eiot_pkey *k, const char *path)
{
	uint8_t *buf;
	size_t len;
	k->ready = false;
	mbedtls_pk_init(&k->pk);
	if (!path)
		return EIOT_ERR_BAD_PARAM;
	int err = util_read_file(path, MAX_KEY_FILE, &buf, &len);
	if (err)
		return err;
	/* PEM is parsed from a NUL-terminated buffer whose length counts the NUL; DER exactly */
	bool pem = strstr((const char *)buf, "-----BEGIN ") != NULL;
	err = pkey_finish_parse(k, mbedtls_pk_parse_public_key(&k->pk, buf, pem ? len + 1 : len));
	free(buf);
	return err;
}

#if defined(MBEDTLS_PK_WRITE_C)
/* see crypto/crypto.h */
int eiot_pkey_write_spki(const struct eiot_pkey *k, uint8_t *out, size_t cap, size_t *len)
{
	if (!k->ready)
		return EIOT_ERR_BAD_PARAM;
	/* mbedTLS writes at the end of the buffer */
	int n = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&k->pk, out, cap);
	if (n <= 0)
		return n == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? EIOT_ERR_BUFFER_TOO_SMALL : EIOT_ERR_CRYPTO;
	memmove(out, out + cap - (size_t)n, (size_t)n);
	*len = (size_t)n;
	return 0;
}
#endif /* MBEDTLS_PK_WRITE_C */

/* see crypto/crypto.h */
void eiot_pkey_free(struct eiot_pkey *k)
{
	if (!k->ready)
		return;
	mbedtls_pk_free(&k->pk);
	k->ready = false;
}
#endif /* MBEDTLS_PK_PARSE_C */
