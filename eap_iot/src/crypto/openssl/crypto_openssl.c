/*
 * crypto/openssl/crypto_openssl.c — crypto/crypto.h over OpenSSL 3's libcrypto.
 *
 * Owns: the random source, SHA-256 and SHA-1, AES-128-CCM(_8)/GCM with a 12-byte nonce, ECDH
 * and ECDSA on secp256r1, and key loading. HMAC is crypto/hmac.c, X.509 x509_openssl.c.
 * OpenSSL error codes and its error queue never leave this file: each failure is cleared here
 * and becomes one enum eiot_err.
 *
 * Randomness: the default random source is OpenSSL's own DRBG (per process, thread-safe,
 * seeded from the OS). Ephemeral ECDH keys are drawn from the rng the engine passes (the
 * configuration's source); ECDSA nonces come from OpenSSL's DRBG.
 */
#include "crypto/crypto.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "eap_iot/err.h"
#include "util/bytes.h"

#define P256_POINT_LEN 65
#define P256_SCALAR_LEN 32
/* SEQUENCE { INTEGER r, INTEGER s }, each up to 33 bytes */
#define ECDSA_P256_MAX_DER 72
/* A key file larger than this is not a P-256 key. */
#define MAX_KEY_FILE (64 * 1024)

/* Clear OpenSSL's thread-local error queue and return err: a failure must not leave entries
 * for an unrelated later caller (FreeRADIUS reads the same queue). */
static int fail(int err)
{
	ERR_clear_error();
	return err;
}

/* ---- random ---- */

/* see crypto/crypto.h */
int eiot_drbg_init(struct eiot_drbg *d, const char *pers)
{
	(void)pers; /* OpenSSL's DRBG is per process and personalised by OpenSSL */
	d->ready = RAND_status() == 1;
	return d->ready ? 0 : fail(EIOT_ERR_CRYPTO);
}

/* see crypto/crypto.h */
int eiot_drbg_random(void *drbg, uint8_t *out, size_t n)
{
	(void)drbg;
	/* RAND_bytes takes an int count: draw in chunks. */
	while (n > 0) {
		size_t chunk = n < 4096 ? n : 4096;
		if (RAND_bytes(out, (int)chunk) != 1)
			return fail(EIOT_ERR_CRYPTO);
		out += chunk;
		n -= chunk;
	}
	return 0;
}

/* see crypto/crypto.h */
void eiot_drbg_free(struct eiot_drbg *d)
{
	d->ready = false;
}

/* ---- hashes (SHA256_CTX: see backend_openssl.h) ---- */

/* see crypto/crypto.h */
void eiot_sha256_init(struct eiot_sha256 *h)
{
	SHA256_Init(&h->ctx);
}

/* see crypto/crypto.h */
void eiot_sha256_update(struct eiot_sha256 *h, const uint8_t *p, size_t n)
{
	if (n > 0)
		SHA256_Update(&h->ctx, p, n);
}

/* see crypto/crypto.h */
void eiot_sha256_peek(const struct eiot_sha256 *h, uint8_t out[32])
{
	SHA256_CTX copy = h->ctx;
	SHA256_Final(out, &copy);
	eiot_zeroize(&copy, sizeof(copy));
}

/* see crypto/crypto.h */
void eiot_sha256_free(struct eiot_sha256 *h)
{
	eiot_zeroize(&h->ctx, sizeof(h->ctx));
}

/* The one-shot SHA256() and SHA1() of OpenSSL 3 fetch the digest anew on every call (some
 * 150 k instructions each); the contexts do not. */

/* see crypto/crypto.h */
void eiot_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	struct eiot_sha256 h;
	eiot_sha256_init(&h);
	eiot_sha256_update(&h, p, n);
	SHA256_Final(out, &h.ctx);
	eiot_sha256_free(&h);
}

/* see crypto/crypto.h */
void eiot_sha1(const uint8_t *p, size_t n, uint8_t out[20])
{
	SHA_CTX h;
	SHA1_Init(&h);
	SHA1_Update(&h, p, n);
	SHA1_Final(out, &h);
}

/* ---- AEAD ---- */

/* see crypto/crypto.h */
int eiot_aead_init(struct eiot_aead *a, enum eiot_aead_alg alg, const uint8_t key[16])
{
	memset(a, 0, sizeof(*a));
	a->alg = (int)alg;
	switch (alg) {
	case EIOT_AEAD_AES128_CCM_8:
		a->tag_len = 8;
		break;
	case EIOT_AEAD_AES128_CCM:
	case EIOT_AEAD_AES128_GCM:
		a->tag_len = 16;
		break;
	default:
		return EIOT_ERR_BAD_PARAM;
	}
	memcpy(a->key, key, sizeof(a->key));
	return 0;
}

/* AES-128-CCM and -GCM, fetched once per process: an implicit fetch on every context would
 * cost more than the record it protects. Never freed (OpenSSL's own cleanup at exit does). */
static EVP_CIPHER *aes_ccm, *aes_gcm;
static pthread_once_t ciphers_once = PTHREAD_ONCE_INIT;

static void fetch_ciphers(void)
{
	aes_ccm = EVP_CIPHER_fetch(NULL, "AES-128-CCM", NULL);
	aes_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
}

/* The context for one direction, keyed on first use. OpenSSL's CCM does not let one context
 * switch between sealing and opening, hence two. The cipher and nonce length come first, then
 * (CCM) the tag length, then the key. */
static EVP_CIPHER_CTX *aead_ctx(struct eiot_aead *a, int enc)
{
	if (a->ctx[enc])
		return a->ctx[enc];
	bool ccm = a->alg != EIOT_AEAD_AES128_GCM;
	if (pthread_once(&ciphers_once, fetch_ciphers) != 0 || !(ccm ? aes_ccm : aes_gcm))
		return NULL;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ok = ctx && EVP_CipherInit_ex(ctx, ccm ? aes_ccm : aes_gcm, NULL, NULL, NULL, enc) == 1 &&
		 EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
		 (!ccm || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)a->tag_len, NULL) == 1) &&
		 EVP_CipherInit_ex(ctx, NULL, NULL, a->key, NULL, enc) == 1;
	if (!ok) {
		EVP_CIPHER_CTX_free(ctx);
		ERR_clear_error();
		return NULL;
	}
	a->ctx[enc] = ctx;
	return ctx;
}

/* see crypto/crypto.h */
size_t eiot_aead_tag_len(const struct eiot_aead *a)
{
	return a->tag_len;
}

/* Records are far below INT_MAX, but EVP counts in int: refuse rather than truncate. */
static bool fits_int(size_t aad_len, size_t n)
{
	return aad_len <= 0x7fffffff && n <= 0x7fffffff;
}

/* One record through a direction's context: nonce, (opening) the expected tag, (CCM) the
 * length up front, AAD, data, and (sealing) the tag after the data. */
static int aead_run(struct eiot_aead *a, int enc, const uint8_t nonce[12], const uint8_t *aad,
		    size_t aad_len, uint8_t *p, size_t n)
{
	bool ccm = a->alg != EIOT_AEAD_AES128_GCM;
	EVP_CIPHER_CTX *ctx = aead_ctx(a, enc);
	int outl = 0;

	if (!ctx || EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, enc) != 1)
		return 0;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)a->tag_len, p + n) != 1)
		return 0;
	if (ccm && EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int)n) != 1)
		return 0;
	if (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len) != 1)
		return 0;
	/* CCM runs even an empty payload through the update (that computes its tag) */
	if ((n > 0 || ccm) && EVP_CipherUpdate(ctx, p, &outl, p, (int)n) != 1)
		return 0;
	if (!ccm && EVP_CipherFinal_ex(ctx, p + n, &outl) != 1) /* GCM checks the tag here */
		return 0;
	return !enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)a->tag_len, p + n) == 1;
}

/* see crypto/crypto.h */
int eiot_aead_seal(struct eiot_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		   uint8_t *p, size_t n)
{
	if (!a->tag_len || !fits_int(aad_len, n))
		return EIOT_ERR_BAD_PARAM;
	return aead_run(a, 1, nonce, aad, aad_len, p, n) ? 0 : fail(EIOT_ERR_CRYPTO);
}

/* see crypto/crypto.h */
int eiot_aead_open(struct eiot_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		   uint8_t *p, size_t n)
{
	if (!a->tag_len || !fits_int(aad_len, n))
		return EIOT_ERR_BAD_PARAM;
	/* OpenSSL compares the tag in constant time. On a mismatch nothing decrypted is left
	 * behind: the plaintext is wiped here. */
	if (!aead_run(a, 0, nonce, aad, aad_len, p, n)) {
		eiot_zeroize(p, n);
		return fail(EIOT_ERR_BAD_RECORD_MAC);
	}
	return 0;
}

/* see crypto/crypto.h */
void eiot_aead_moved(struct eiot_aead *a, const struct eiot_aead *old)
{
	(void)a, (void)old; /* the EVP contexts live on the heap */
}

/* see crypto/crypto.h */
void eiot_aead_free(struct eiot_aead *a)
{
	EVP_CIPHER_CTX_free(a->ctx[0]); /* wipes the key schedule */
	EVP_CIPHER_CTX_free(a->ctx[1]);
	eiot_zeroize(a, sizeof(*a));
}

/* ---- P-256 keys ---- */

/* An EC key on secp256r1 (OpenSSL's name: prime256v1), nothing else (RFC 7925 §4.4.4). */
static int key_check_p256(const EVP_PKEY *pk)
{
	char group[32];
	size_t len = 0;

	if (!EVP_PKEY_is_a(pk, "EC") ||
	    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   &len) != 1 ||
	    strcmp(group, SN_X9_62_prime256v1) != 0)
		return fail(EIOT_ERR_CERT_BAD_KEY);
	return 0;
}

/* ---- ECDH ---- */

/* The curve, made once per process and only read after (EC_POINT_mul takes it const). ECDH
 * works on EC_POINTs directly: the EVP route would import and check a key object per step. */
static EC_GROUP *p256;
static pthread_once_t p256_once = PTHREAD_ONCE_INIT;

static void make_p256(void)
{
	p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
}

static const EC_GROUP *p256_group(void)
{
	return pthread_once(&p256_once, make_p256) == 0 ? p256 : NULL;
}

/* A private scalar d in [1, n-1] from rng: 32 bytes at a time, rejecting out-of-range draws
 * (the probability of one is about 2^-32 on P-256), as mbedTLS's ecp_gen_privkey does. */
static BIGNUM *draw_scalar(const EC_GROUP *group, eiot_random_fn rng, void *rng_user)
{
	uint8_t buf[P256_SCALAR_LEN];
	BIGNUM *d = BN_secure_new();

	for (int tries = 0; d && tries < 30; tries++) {
		if (rng(rng_user, buf, sizeof(buf)) != 0)
			break;
		if (!BN_bin2bn(buf, sizeof(buf), d))
			break;
		if (!BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(group)) < 0) {
			eiot_zeroize(buf, sizeof(buf));
			BN_set_flags(d, BN_FLG_CONSTTIME);
			return d;
		}
	}
	eiot_zeroize(buf, sizeof(buf));
	BN_clear_free(d);
	return NULL;
}

/* see crypto/crypto.h
 * The scalar comes from rng, as the seam says (tests pin it to known-answer vectors); the
 * public point d·G is computed by OpenSSL in constant time. */
int eiot_ecdh_keygen(struct eiot_ecdh *e, eiot_random_fn rng, void *rng_user, uint8_t pub[65])
{
	const EC_GROUP *group = p256_group();
	EC_POINT *q = group ? EC_POINT_new(group) : NULL;

	e->ready = false;
	e->d = q ? draw_scalar(group, rng, rng_user) : NULL;
	int ok = e->d && EC_POINT_mul(group, q, e->d, NULL, NULL, NULL) == 1 &&
		 EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, pub, P256_POINT_LEN,
				    NULL) == P256_POINT_LEN;
	EC_POINT_free(q);
	if (!ok) {
		BN_clear_free(e->d);
		e->d = NULL;
		return fail(EIOT_ERR_CRYPTO);
	}
	e->ready = true;
	return 0;
}

/* see crypto/crypto.h */
int eiot_ecdh_shared(struct eiot_ecdh *e, const uint8_t *peer, size_t peer_len, uint8_t out[32])
{
	const EC_GROUP *group = p256_group();

	if (!e->ready)
		return EIOT_ERR_WRONG_STATE;
	/* RFC 8422 §5.1.2 / RFC 7925 §4.3: uncompressed points only, exactly 1 + 2 * 32 bytes. */
	if (peer_len != P256_POINT_LEN || peer[0] != 0x04)
		return EIOT_ERR_BAD_POINT;
	EC_POINT *q = EC_POINT_new(group), *z = EC_POINT_new(group);
	BIGNUM *x = BN_secure_new();
	int err = EIOT_ERR_CRYPTO;
	if (q && z && x) {
		/* oct2point refuses coordinates out of range and points off the curve; the point
		 * at infinity has no uncompressed form (RFC 8422 §5.11: no invalid-curve attack) */
		if (EC_POINT_oct2point(group, q, peer, peer_len, NULL) != 1 ||
		    EC_POINT_is_on_curve(group, q, NULL) != 1 || EC_POINT_is_at_infinity(group, q))
			err = EIOT_ERR_BAD_POINT;
		/* P-256 has cofactor 1: d·Q is never infinity for a valid Q; checked anyway */
		else if (EC_POINT_mul(group, z, NULL, q, e->d, NULL) == 1 &&
			 !EC_POINT_is_at_infinity(group, z) &&
			 EC_POINT_get_affine_coordinates(group, z, x, NULL, NULL) == 1 &&
			 BN_bn2binpad(x, out, P256_SCALAR_LEN) == P256_SCALAR_LEN)
			err = 0;
	}
	EC_POINT_clear_free(z);
	EC_POINT_free(q);
	BN_clear_free(x);
	if (err) {
		eiot_zeroize(out, P256_SCALAR_LEN);
		return fail(err);
	}
	return 0;
}

/* see crypto/crypto.h */
void eiot_ecdh_free(struct eiot_ecdh *e)
{
	if (!e->ready)
		return;
	BN_clear_free(e->d);
	e->d = NULL;
	e->ready = false;
}

/* ---- ECDSA keys ---- */

/* Keep pk in k when it is a P-256 key, else free it. */
static int pkey_take(struct eiot_pkey *k, EVP_PKEY *pk, int parse_err)
{
	if (!pk)
		return fail(parse_err);
	int err = key_check_p256(pk);
	if (err) {
		EVP_PKEY_free(pk);
		return err;
	}
	k->pk = pk;
	k->ready = true;
	return 0;
}

/* One EC key of the given selection from buf, the decoder picking the format (structure NULL:
 * any it knows). */
static EVP_PKEY *decode_key(const uint8_t *buf, size_t len, const char *structure,
			    int selection, const char *password)
{
	EVP_PKEY *pk = NULL;
	OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&pk, NULL, structure, "EC",
							       selection, NULL, NULL);
	if (!dctx)
		return NULL;
	if (password)
		OSSL_DECODER_CTX_set_passphrase(dctx, (const unsigned char *)password,
						strlen(password));
	const unsigned char *p = buf;
	size_t left = len;
	if (OSSL_DECODER_from_data(dctx, &p, &left) != 1) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	return pk;
}

/* A private key in any encoding OpenSSL reads — PEM or DER; PKCS#8 (encrypted with password
 * or not), SEC1 "EC PRIVATE KEY" (also encrypted PEM). */
static EVP_PKEY *decode_private(const uint8_t *buf, size_t len, const char *password)
{
	return decode_key(buf, len, NULL, OSSL_KEYMGMT_SELECT_PRIVATE_KEY, password);
}

/* see crypto/crypto.h */
int eiot_pkey_parse_private(struct eiot_pkey *k, const uint8_t *buf, size_t len, const char *password)
{
	k->ready = false;
	k->pk = NULL;
	if (!buf || len == 0)
		return EIOT_ERR_BAD_PARAM;
	return pkey_take(k, decode_private(buf, len, password), EIOT_ERR_FILE);
}

/* Read a whole small file into a buffer (the caller wipes and frees it). */
static int read_key_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return EIOT_ERR_FILE;
	uint8_t *buf = malloc(MAX_KEY_FILE);
	size_t n = buf ? fread(buf, 1, MAX_KEY_FILE, f) : 0;
	int bad = !buf || ferror(f) || n == 0 || n == MAX_KEY_FILE;
	fclose(f);
	if (bad) {
		if (buf)
			eiot_zeroize(buf, MAX_KEY_FILE);
		free(buf);
		return buf ? EIOT_ERR_FILE : EIOT_ERR_NO_MEMORY;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* see crypto/crypto.h */
int eiot_pkey_load_private_file(struct eiot_pkey *k, const char *path, const char *password)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	k->ready = false;
	k->pk = NULL;
	if (!path)
		return EIOT_ERR_BAD_PARAM;
	int err = read_key_file(path, &buf, &len);
	if (err)
		return err;
	err = pkey_take(k, decode_private(buf, len, password), EIOT_ERR_FILE);
	eiot_zeroize(buf, MAX_KEY_FILE);
	free(buf);
	return err;
}

/* see crypto/crypto.h */
int eiot_pkey_sign(struct eiot_pkey *k, const uint8_t hash[32], eiot_random_fn rng, void *rng_user,
		   uint8_t *sig, size_t cap, size_t *sig_len)
{
	size_t n = cap;

	(void)rng; /* the nonce comes from OpenSSL's DRBG (see the top of this file) */
	(void)rng_user;
	if (!k->ready)
		return EIOT_ERR_WRONG_STATE;
	/* OpenSSL wants room for the longest DER signature of the key (72 bytes on P-256) */
	if (cap < ECDSA_P256_MAX_DER)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL);
	int ok = ctx && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_sign(ctx, sig, &n, hash, 32) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		return fail(EIOT_ERR_CRYPTO);
	*sig_len = n;
	return 0;
}

/* see crypto/crypto.h */
int eiot_pkey_verify(struct eiot_pkey *k, const uint8_t hash[32], const uint8_t *sig, size_t sig_len)
{
	if (!k->ready)
		return EIOT_ERR_WRONG_STATE;
	if (key_check_p256(k->pk) != 0)
		return EIOT_ERR_CERT_BAD_KEY;
	/* OpenSSL re-encodes the decoded signature and compares: trailing bytes or a
	 * non-minimal DER encoding fail like a wrong signature. */
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL);
	int ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
		 EVP_PKEY_verify(ctx, sig, sig_len, hash, 32) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : fail(EIOT_ERR_BAD_SIGNATURE);
}

/* see crypto/crypto.h */
int eiot_pkey_parse_spki(struct eiot_pkey *k, const uint8_t *der, size_t len)
{
	k->ready = false;
	k->pk = NULL;
	if (!der || len == 0 || len > 0x7fffffff)
		return EIOT_ERR_DECODE;
	const unsigned char *p = der;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)len);
	if (pk && p != der + len) { /* the SPKI must fill the bytes exactly */
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pkey_take(k, pk, EIOT_ERR_DECODE);
}

/* see crypto/crypto.h */
int eiot_pkey_load_public_file(struct eiot_pkey *k, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	EVP_PKEY *pk;

	k->ready = false;
	k->pk = NULL;
	if (!path)
		return EIOT_ERR_FILE;
	int err = read_key_file(path, &buf, &len);
	if (err)
		return err;
	pk = decode_key(buf, len, "SubjectPublicKeyInfo", EVP_PKEY_PUBLIC_KEY, NULL);
	free(buf);
	return pkey_take(k, pk, EIOT_ERR_FILE);
}

/* see crypto/crypto.h */
int eiot_pkey_write_spki(const struct eiot_pkey *k, uint8_t *out, size_t cap, size_t *len)
{
	if (!k->ready)
		return EIOT_ERR_BAD_PARAM;
	int n = i2d_PUBKEY(k->pk, NULL);
	if (n <= 0)
		return fail(EIOT_ERR_CRYPTO);
	if ((size_t)n > cap)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	unsigned char *p = out;
	if (i2d_PUBKEY(k->pk, &p) != n)
		return fail(EIOT_ERR_CRYPTO);
	*len = (size_t)n;
	return 0;
}

/* see crypto/crypto.h */
void eiot_pkey_free(struct eiot_pkey *k)
{
	if (!k->ready)
		return;
	EVP_PKEY_free(k->pk);
	k->pk = NULL;
	k->ready = false;
}
