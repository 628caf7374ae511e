/*
 * tests/unit/test_crypto.c — known answers for the crypto seam (crypto/crypto.h, mbedTLS backend).
 *
 * Vector sources:
 *   SHA-256 "abc": FIPS 180-2 App. B.1.  HMAC-SHA256: RFC 4231 §4.3 (case 2), §4.7 (case 6).
 *   AES-128-GCM: McGrew & Viega, "The Galois/Counter Mode of Operation", test case 4 (the
 *     NIST GCM validation vector with a 12-byte IV and 20-byte AAD).
 *   AES-128-CCM(_8) with a 12-byte nonce: no published vector has this shape (RFC 3610 and
 *     SP 800-38C use other nonce/tag sizes), so these were computed independently with
 *     python3 `cryptography` 48 (OpenSSL's AESCCM, tag_length=8 and 16).
 *   ECDH P-256: RFC 5903 §8.1.
 *   ECDSA verify: a signature made by python3 `cryptography` over SHA-256("abc") with
 *     the embedded P-256 test key (made by `openssl ecparam -name prime256v1 -genkey`).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "eap_iot/err.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;
	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

#define UNHEX(s, buf) unhex((s), (buf), sizeof(buf))

/* ---- hashes ---- */

static void test_sha256_abc_and_peek(void **state)
{
	(void)state;
	uint8_t want[32], got[32], peek[32];
	UNHEX("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want);

	eiot_sha256((const uint8_t *)"abc", 3, got);
	assert_memory_equal(got, want, 32);

	struct eiot_sha256 h;
	eiot_sha256_init(&h);
	eiot_sha256_update(&h, (const uint8_t *)"ab", 2);
	eiot_sha256_update(&h, (const uint8_t *)"c", 1);
	eiot_sha256_peek(&h, peek);
	assert_memory_equal(peek, want, 32);
	/* peek leaves the context usable: more input gives the hash of the longer string */
	eiot_sha256_update(&h, (const uint8_t *)"d", 1);
	eiot_sha256_peek(&h, peek);
	eiot_sha256((const uint8_t *)"abcd", 4, got);
	assert_memory_equal(peek, got, 32);
	eiot_sha256_free(&h);
}

static void test_hmac_sha256_rfc4231(void **state)
{
	(void)state;
	uint8_t want[32], got[32], key[131];

	/* Case 2, with the data split over all four parts and a NULL part skipped. */
	UNHEX("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want);
	eiot_hmac_sha256((const uint8_t *)"Jefe", 4, (const uint8_t *)"what do ya ", 11, NULL, 0,
			 (const uint8_t *)"want for noth", 13, (const uint8_t *)"ing?", 4, got);
	assert_memory_equal(got, want, 32);

	/* Case 6: a key longer than the block size is hashed first. */
	memset(key, 0xaa, sizeof(key));
	const char *data = "Test Using Larger Than Block-Size Key - Hash Key First";
	UNHEX("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", want);
	eiot_hmac_sha256(key, sizeof(key), (const uint8_t *)data, strlen(data), NULL, 0, NULL, 0,
			 NULL, 0, got);
	assert_memory_equal(got, want, 32);
}

/* ---- AEAD ---- */

struct aead_vec {
	const char *name;
	enum eiot_aead_alg alg;
	size_t tag_len;
	const char *key, *nonce, *aad, *pt, *ct_tag;
};

static const struct aead_vec aead_vecs[] = {
	{ "ccm8", EIOT_AEAD_AES128_CCM_8, 8, "404142434445464748494a4b4c4d4e4f",
	  "101112131415161718191a1b", "000102030405060708090a0b0c",
	  "202122232425262728292a2b2c2d2e2f30313233343536",
	  "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428a551ddc7f023e850d" },
	{ "ccm8-empty", EIOT_AEAD_AES128_CCM_8, 8, "404142434445464748494a4b4c4d4e4f",
	  "101112131415161718191a1b", "000102030405060708090a0b0c", "", "b9dbe9858f64bce7" },
	{ "ccm16", EIOT_AEAD_AES128_CCM, 16, "404142434445464748494a4b4c4d4e4f",
	  "101112131415161718191a1b", "000102030405060708090a0b0c",
	  "202122232425262728292a2b2c2d2e2f30313233343536",
	  "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428a36f6b56031d687562e6261d59cb4f8c0" },
#if EIOT_WITH_EXTRA_SUITES /* GCM is in the build with its suite */
	{ "gcm-tc4", EIOT_AEAD_AES128_GCM, 16, "feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
	  "49a6b525b16aedf5aa0de657ba637b39",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5a"
	  "ac84aa051ba30b396a0aac973d58e0915bc94fbc3221a5db94fae95ae7121a47" },
#endif
};

static void test_aead_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(aead_vecs) / sizeof(aead_vecs[0]); i++) {
		const struct aead_vec *v = &aead_vecs[i];
		uint8_t key[16], nonce[12], aad[32], pt[64], want[96], buf[96];
		UNHEX(v->key, key);
		UNHEX(v->nonce, nonce);
		size_t aad_len = UNHEX(v->aad, aad);
		size_t n = UNHEX(v->pt, pt);
		size_t want_len = UNHEX(v->ct_tag, want);

		struct eiot_aead a;
		assert_int_equal(eiot_aead_init(&a, v->alg, key), 0);
		assert_int_equal(eiot_aead_tag_len(&a), v->tag_len);
		assert_int_equal(n + v->tag_len, want_len);
		memcpy(buf, pt, n);
		assert_int_equal(eiot_aead_seal(&a, nonce, aad, aad_len, buf, n), 0);
		assert_memory_equal(buf, want, want_len);
		assert_int_equal(eiot_aead_open(&a, nonce, aad, aad_len, buf, n), 0);
		if (n > 0)
			assert_memory_equal(buf, pt, n);
		eiot_aead_free(&a);
	}
}

/* Any flipped bit in ciphertext, tag, nonce or AAD is a bad_record_mac. */
static void test_aead_forgery_rejected(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(aead_vecs) / sizeof(aead_vecs[0]); i++) {
		const struct aead_vec *v = &aead_vecs[i];
		uint8_t key[16], nonce[12], aad[32], ct[96], buf[96];
		UNHEX(v->key, key);
		UNHEX(v->nonce, nonce);
		size_t aad_len = UNHEX(v->aad, aad);
		size_t total = UNHEX(v->ct_tag, ct);
		size_t n = total - v->tag_len;
		struct eiot_aead a;
		assert_int_equal(eiot_aead_init(&a, v->alg, key), 0);

		for (size_t bit = 0; bit < total * 8; bit += 7) {
			memcpy(buf, ct, total);
			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_equal(eiot_aead_open(&a, nonce, aad, aad_len, buf, n),
					 EIOT_ERR_BAD_RECORD_MAC);
		}
		memcpy(buf, ct, total);
		nonce[11] ^= 1;
		assert_int_equal(eiot_aead_open(&a, nonce, aad, aad_len, buf, n), EIOT_ERR_BAD_RECORD_MAC);
		nonce[11] ^= 1;
		memcpy(buf, ct, total);
		aad[0] ^= 0x80;
		assert_int_equal(eiot_aead_open(&a, nonce, aad, aad_len, buf, n), EIOT_ERR_BAD_RECORD_MAC);
		eiot_aead_free(&a);
	}
}

/* ---- random ---- */

static void test_drbg_draws_differ(void **state)
{
	(void)state;
	struct eiot_drbg d;
	uint8_t a[32], b[32], big[3000];
	assert_int_equal(eiot_drbg_init(&d, "test_crypto"), 0);
	assert_int_equal(eiot_drbg_random(&d, a, sizeof(a)), 0);
	assert_int_equal(eiot_drbg_random(&d, b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	/* more than one CTR_DRBG request's worth */
	assert_int_equal(eiot_drbg_random(&d, big, sizeof(big)), 0);
	eiot_drbg_free(&d);
}

/* One DRBG shared by threads (a configuration's default source in an AAA server's pool):
 * every draw succeeds and no two threads see the same bytes. */
enum { DRAW_THREADS = 4, DRAWS = 500 };
struct draw_job {
	struct eiot_drbg *d;
	uint8_t last[32];
	int failures;
};

static void *draw_many(void *arg)
{
	struct draw_job *j = arg;
	for (int i = 0; i < DRAWS; i++)
		if (eiot_drbg_random(j->d, j->last, sizeof(j->last)) != 0)
			j->failures++;
	return NULL;
}

static void test_drbg_shared_by_threads(void **state)
{
	(void)state;
	struct eiot_drbg d;
	struct draw_job jobs[DRAW_THREADS];
	pthread_t t[DRAW_THREADS];
	assert_int_equal(eiot_drbg_init(&d, "threads"), 0);
	for (int i = 0; i < DRAW_THREADS; i++) {
		jobs[i] = (struct draw_job){ .d = &d };
		assert_int_equal(pthread_create(&t[i], NULL, draw_many, &jobs[i]), 0);
	}
	for (int i = 0; i < DRAW_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < DRAW_THREADS; i++) {
		assert_int_equal(jobs[i].failures, 0);
		for (int k = i + 1; k < DRAW_THREADS; k++)
			assert_memory_not_equal(jobs[i].last, jobs[k].last, 32);
	}
	eiot_drbg_free(&d);
}

#if EIOT_WITH_ECDHE /* the backend has no ECDH in a build without ECDHE (eap_iot/features.h) */
/*
 * Deterministic "random" source: the first draw is a fixed byte string (the private scalar);
 * later draws (mbedTLS's point blinding) come from a xorshift generator. With no fixed
 * string and fail set, every draw fails.
 */
struct fixed_rng {
	const uint8_t *p;
	size_t n;
	uint32_t x;
	int fail;
};

static int fixed_rng(void *user, uint8_t *out, size_t n)
{
	struct fixed_rng *r = user;
	if (r->fail)
		return -1;
	if (r->n > 0) {
		assert_int_equal(n, r->n);
		memcpy(out, r->p, n);
		r->n = 0;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		r->x ^= r->x << 13;
		r->x ^= r->x >> 17;
		r->x ^= r->x << 5;
		out[i] = (uint8_t)r->x;
	}
	return 0;
}

/* ---- ECDH ---- */

static const char *const rfc5903_i = "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433";
static const char *const rfc5903_gi =
	"04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
	"5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3";
static const char *const rfc5903_r = "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53";
static const char *const rfc5903_gr =
	"04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
	"56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab";
static const char *const rfc5903_z = "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de";

/* The private scalar comes from the RNG as 32 big-endian bytes (already below n). */
static void keygen_from(struct eiot_ecdh *e, const char *priv_hex, uint8_t pub[65])
{
	uint8_t priv[32];
	UNHEX(priv_hex, priv);
	struct fixed_rng r = { priv, sizeof(priv), 0x12345678u, 0 };
	assert_int_equal(eiot_ecdh_keygen(e, fixed_rng, &r, pub), 0);
}

static void test_ecdh_rfc5903(void **state)
{
	(void)state;
	struct eiot_ecdh ei, er;
	uint8_t pub_i[65], pub_r[65], want[65], z[32], z2[32];

	keygen_from(&ei, rfc5903_i, pub_i);
	UNHEX(rfc5903_gi, want);
	assert_memory_equal(pub_i, want, 65);
	keygen_from(&er, rfc5903_r, pub_r);
	UNHEX(rfc5903_gr, want);
	assert_memory_equal(pub_r, want, 65);

	UNHEX(rfc5903_z, want);
	assert_int_equal(eiot_ecdh_shared(&ei, pub_r, 65, z), 0);
	assert_memory_equal(z, want, 32);
	assert_int_equal(eiot_ecdh_shared(&er, pub_i, 65, z2), 0);
	assert_memory_equal(z2, want, 32);
	eiot_ecdh_free(&ei);
	eiot_ecdh_free(&er);
}

static void test_ecdh_random_pair_agrees(void **state)
{
	(void)state;
	struct eiot_drbg d;
	struct eiot_ecdh a, b;
	uint8_t pa[65], pb[65], za[32], zb[32];
	assert_int_equal(eiot_drbg_init(&d, "ecdh"), 0);
	assert_int_equal(eiot_ecdh_keygen(&a, eiot_drbg_random, &d, pa), 0);
	assert_int_equal(eiot_ecdh_keygen(&b, eiot_drbg_random, &d, pb), 0);
	assert_int_equal(pa[0], 0x04);
	assert_int_equal(eiot_ecdh_shared(&a, pb, 65, za), 0);
	assert_int_equal(eiot_ecdh_shared(&b, pa, 65, zb), 0);
	assert_memory_equal(za, zb, 32);
	eiot_ecdh_free(&a);
	eiot_ecdh_free(&b);
	eiot_drbg_free(&d);
}

static void test_ecdh_keygen_rng_failure(void **state)
{
	(void)state;
	struct eiot_ecdh e;
	uint8_t pub[65];
	struct fixed_rng r = { NULL, 0, 1, 1 };
	assert_int_equal(eiot_ecdh_keygen(&e, fixed_rng, &r, pub), EIOT_ERR_CRYPTO);
	eiot_ecdh_free(&e); /* harmless on a failed keygen */
}

/* Invalid-curve and point-format attacks: every malformed peer point is EIOT_ERR_BAD_POINT. */
static void test_ecdh_bad_points_rejected(void **state)
{
	(void)state;
	struct eiot_ecdh e;
	uint8_t pub[65], good[65], bad[66], z[32];
	keygen_from(&e, rfc5903_i, pub);
	UNHEX(rfc5903_gr, good);

	/* compressed form of the same point (RFC 8422 §5.1.2: uncompressed only) */
	bad[0] = 0x02 | (good[64] & 1);
	memcpy(bad + 1, good + 1, 32);
	assert_int_equal(eiot_ecdh_shared(&e, bad, 33, z), EIOT_ERR_BAD_POINT);
	/* a 65-byte point with a compressed-style prefix */
	memcpy(bad, good, 65);
	bad[0] = 0x02;
	assert_int_equal(eiot_ecdh_shared(&e, bad, 65, z), EIOT_ERR_BAD_POINT);
	/* hybrid 0x06 prefix */
	bad[0] = 0x06;
	assert_int_equal(eiot_ecdh_shared(&e, bad, 65, z), EIOT_ERR_BAD_POINT);
	/* wrong lengths: one short, one long, the lone point at infinity, empty */
	assert_int_equal(eiot_ecdh_shared(&e, good, 64, z), EIOT_ERR_BAD_POINT);
	memcpy(bad, good, 65);
	bad[65] = 0;
	assert_int_equal(eiot_ecdh_shared(&e, bad, 66, z), EIOT_ERR_BAD_POINT);
	bad[0] = 0x00;
	assert_int_equal(eiot_ecdh_shared(&e, bad, 1, z), EIOT_ERR_BAD_POINT);
	assert_int_equal(eiot_ecdh_shared(&e, good, 0, z), EIOT_ERR_BAD_POINT);
	/* not on the curve: one bit of y flipped */
	memcpy(bad, good, 65);
	bad[64] ^= 0x01;
	assert_int_equal(eiot_ecdh_shared(&e, bad, 65, z), EIOT_ERR_BAD_POINT);
	/* coordinates out of range: x = y = 2^256 - 1 (> p) */
	memset(bad, 0xff, 65);
	bad[0] = 0x04;
	assert_int_equal(eiot_ecdh_shared(&e, bad, 65, z), EIOT_ERR_BAD_POINT);
	/* all-zero coordinates ((0,0) is not on P-256) */
	memset(bad, 0, 65);
	bad[0] = 0x04;
	assert_int_equal(eiot_ecdh_shared(&e, bad, 65, z), EIOT_ERR_BAD_POINT);
	/* the good point still works afterwards */
	assert_int_equal(eiot_ecdh_shared(&e, good, 65, z), 0);
	eiot_ecdh_free(&e);
}

#endif /* EIOT_WITH_ECDHE */

/* ---- ECDSA ---- */

static const char p256_pem[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIEJVjMWpUVOigLLRYotQVLiWrttvlJ2KA+WbLubQDE1soAoGCCqGSM49\n"
	"AwEHoUQDQgAEJ32jJmd5aIpQUb+1qVYBninE6QBVEtgU8pUw4iWxB23u1tKyh1xB\n"
	"/rQwlkxvEsa7WsSY1/pUcP9n0lp7nWeW+Q==\n"
	"-----END EC PRIVATE KEY-----\n";

/* The same key, traditional encrypted PEM (AES-128-CBC), password "secret". */
static const char p256_enc_pem[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"Proc-Type: 4,ENCRYPTED\n"
	"DEK-Info: AES-128-CBC,623542FDFC2A5680F4D44B9A9CB4B7F2\n"
	"\n"
	"R0jVeSurdjidbabkqfRbIU6+jdtN5TZ7fGw47b4KWuTzmd+kJ2Fj9IFvEJQIEcZN\n"
	"OpzKBoeDfP2CfQJbnjb8IhPfKBTno6jsq89/LRpI+PksOx0AylUEsN07X8DslrUd\n"
	"hXEqT+J9Ebx9Wo3E2Li20FwS+DHBjlj2xaLVoPBXCS4=\n"
	"-----END EC PRIVATE KEY-----\n";

/*
 * The same key as OpenSSL 3's default PKCS#8 (PBES2, AES-128-CBC, hmacWithSHA256). mbedTLS
 * 2.28's PKCS#5 code knows only DES/3DES and HMAC-SHA1 here, so that backend cannot load it;
 * the OpenSSL backend can (and must refuse a wrong password).
 */
static const char p256_pkcs8_aes_pem[] =
	"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
	"MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhj7VqCTMgV2wICCAAw\n"
	"DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEDolVDVhXXYPlAMBRF/YKDMEgZDA\n"
	"V2DP/Y0h5vP8JQiVjHIBnB8G698PoK1IRgLaxKaxdWn9KjuUCVYUEc6/SlqMx7GN\n"
	"H5AQJK0WcWaL6ufAcHouiaI4Rvu39CdLmGwm0ZR4H0wzzgnIy/AHkLLzx3dx+zIj\n"
	"nt++LIxKaj25KeYQv4Saorv3TibKz9FjowwdsJQYp7GDfOEOGTv7qWHyj2Qf1fA=\n"
	"-----END ENCRYPTED PRIVATE KEY-----\n";

/* The same key, SEC1 DER. */
static const char p256_der_hex[] =
	"3077020101042042558cc5a95153a280b2d1628b5054b896aedb6f949d8a03e59b2ee6d00c4d6ca00a06082a86"
	"48ce3d030107a14403420004277da3266779688a5051bfb5a956019e29c4e9005512d814f29530e225b1076dee"
	"d6d2b2875c41feb430964c6f12c6bb5ac498d7fa5470ff67d25a7b9d6796f9";

static const char p384_pem[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MIGkAgEBBDAVthF6VEr4v7N9+L7SgrN9el6L+DpMe9rsjjLoyLz3KNwGwxHiHvAO\n"
	"7NJGH461rd6gBwYFK4EEACKhZANiAAS1sTRm2Za4lVxd9S4J/0HIzo8R3KkSYu24\n"
	"wT01bs5CVcPmoibcT91W0R9cMyeTwX0E0TwgpffxMOTrKJrpkT7wBzwjBWxKKBuS\n"
	"imnazPcPy8wrepcFefzGwtibAWoDak4=\n"
	"-----END EC PRIVATE KEY-----\n";

/* SHA-256("abc") signed by p256_pem with python3 cryptography (ECDSA, DER). */
static const char abc_sig_hex[] =
	"304402203a1f9bef422a835ebff32cd53c8bf9c33252a81eaab3ca99449453f5baad237e02206ad097d3a0682b"
	"fb5d55c167875a45bce9c46a4c954d925b3cc68c23d2f58ca8";

static void test_pkey_parse_forms(void **state)
{
	(void)state;
	struct eiot_pkey k;
	uint8_t der[128];
	size_t der_len = UNHEX(p256_der_hex, der);

	/* PEM without the trailing NUL, PEM with it, DER, encrypted PEM with its password */
	assert_int_equal(eiot_pkey_parse_private(&k, (const uint8_t *)p256_pem, strlen(p256_pem), NULL), 0);
	eiot_pkey_free(&k);
	assert_int_equal(eiot_pkey_parse_private(&k, (const uint8_t *)p256_pem, sizeof(p256_pem), NULL), 0);
	eiot_pkey_free(&k);
	assert_int_equal(eiot_pkey_parse_private(&k, der, der_len, NULL), 0);
	eiot_pkey_free(&k);
	assert_int_equal(eiot_pkey_parse_private(&k, (const uint8_t *)p256_enc_pem,
						 strlen(p256_enc_pem), "secret"), 0);
	eiot_pkey_free(&k);
}

static void test_pkey_wrong_password_rejected(void **state)
{
	(void)state;
	struct eiot_pkey k;
	assert_int_equal(eiot_pkey_parse_private(&k, (const uint8_t *)p256_enc_pem,
						 strlen(p256_enc_pem), "wrong"), EIOT_ERR_FILE);
	assert_int_equal(eiot_pkey_parse_private(&k, (const uint8_t *)p256_enc_pem,
						 strlen(p256_enc_pem), NULL), EIOT_ERR_FILE);
	assert_int_equal(eiot_pkey_parse_private(&k, (const uint8_t *)p256_pkcs8_aes_pem,
						 strlen(p256_pkcs8_aes_pem), "wrong"), EIOT_ERR_FILE);
	eiot_pkey_free(&k); /* harmless after a failed parse */
}

static void test_pkey_pkcs8_aes(void **state)
{
	(void)state;
	struct eiot_pkey k;
	int rc = eiot_pkey_parse_private(&k, (const uint8_t *)p256_pkcs8_aes_pem,
					 strlen(p256_pkcs8_aes_pem), "secret");
#ifdef EIOT_CRYPTO_OPENSSL
	assert_int_equal(rc, 0);
	uint8_t spki[96];
	size_t len = 0;
	assert_int_equal(eiot_pkey_write_spki(&k, spki, sizeof(spki), &len), 0);
	assert_int_equal(len, 91);
#else
	assert_int_equal(rc, EIOT_ERR_FILE);
#endif
	eiot_pkey_free(&k);
}

static void test_pkey_garbage_rejected(void **state)
{
	(void)state;
	struct eiot_pkey k;
	uint8_t der[128];
	size_t der_len = UNHEX(p256_der_hex, der);
	assert_int_equal(eiot_pkey_parse_private(&k, der, der_len - 1, NULL), EIOT_ERR_FILE);
	assert_int_equal(eiot_pkey_parse_private(&k, (const uint8_t *)"-----BEGIN junk", 15, NULL),
			 EIOT_ERR_FILE);
	assert_int_equal(eiot_pkey_parse_private(&k, der, 0, NULL), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_pkey_load_private_file(&k, "/nonexistent/key.pem", NULL), EIOT_ERR_FILE);
}

/* RFC 7925 §4.4.4: only secp256r1 keys. */
static void test_pkey_p384_refused(void **state)
{
	(void)state;
	struct eiot_pkey k;
	assert_int_equal(eiot_pkey_parse_private(&k, (const uint8_t *)p384_pem, strlen(p384_pem), NULL),
			 EIOT_ERR_CERT_BAD_KEY);
	eiot_pkey_free(&k);
}

static void test_ecdsa_known_signature_verifies(void **state)
{
	(void)state;
	struct eiot_pkey k;
	uint8_t hash[32], sig[80];
	size_t sig_len = UNHEX(abc_sig_hex, sig);
	eiot_sha256((const uint8_t *)"abc", 3, hash);
	assert_int_equal(eiot_pkey_parse_private(&k, (const uint8_t *)p256_pem, strlen(p256_pem), NULL), 0);
	assert_int_equal(eiot_pkey_verify(&k, hash, sig, sig_len), 0);
	eiot_pkey_free(&k);
}

static void test_ecdsa_sign_verify_and_flipped_bit(void **state)
{
	(void)state;
	struct eiot_drbg d;
	struct eiot_pkey k;
	uint8_t hash[32], sig[72], bad[73], small[8];
	size_t sig_len = 0, n;
	assert_int_equal(eiot_drbg_init(&d, "ecdsa"), 0);
	assert_int_equal(eiot_pkey_parse_private(&k, (const uint8_t *)p256_pem, strlen(p256_pem), NULL), 0);
	eiot_sha256((const uint8_t *)"transcript", 10, hash);

	assert_int_equal(eiot_pkey_sign(&k, hash, eiot_drbg_random, &d, sig, sizeof(sig), &sig_len), 0);
	assert_true(sig_len >= 8 && sig_len <= 72);
	assert_int_equal(sig[0], 0x30);
	assert_int_equal(eiot_pkey_verify(&k, hash, sig, sig_len), 0);

	/* a flipped bit anywhere in r or s (past the DER header) fails */
	for (size_t i = 4; i < sig_len; i++) {
		memcpy(bad, sig, sig_len);
		bad[i] ^= 0x01;
		assert_int_equal(eiot_pkey_verify(&k, hash, bad, sig_len), EIOT_ERR_BAD_SIGNATURE);
	}
	/* a different hash fails */
	hash[0] ^= 1;
	assert_int_equal(eiot_pkey_verify(&k, hash, sig, sig_len), EIOT_ERR_BAD_SIGNATURE);
	hash[0] ^= 1;
	/* trailing garbage after a valid signature fails; so does a truncated one */
	memcpy(bad, sig, sig_len);
	bad[sig_len] = 0;
	assert_int_equal(eiot_pkey_verify(&k, hash, bad, sig_len + 1), EIOT_ERR_BAD_SIGNATURE);
	assert_int_equal(eiot_pkey_verify(&k, hash, sig, sig_len - 1), EIOT_ERR_BAD_SIGNATURE);
	assert_int_equal(eiot_pkey_verify(&k, hash, sig, 0), EIOT_ERR_BAD_SIGNATURE);
	/* the signature does not fit the caller's buffer */
	assert_int_equal(eiot_pkey_sign(&k, hash, eiot_drbg_random, &d, small, sizeof(small), &n),
			 EIOT_ERR_BUFFER_TOO_SMALL);
	eiot_pkey_free(&k);
	eiot_drbg_free(&d);
}

/* The test PKI's keys (EIOT_PKI_DIR, made by `make pki`; a missing PKI fails the test). */
static void test_pkey_pki_files(void **state)
{
	(void)state;
	const char *dir = getenv("EIOT_PKI_DIR");
	char path[512];
	struct eiot_pkey k;
	if (!dir)
		dir = "build/pki";
	snprintf(path, sizeof(path), "%s/server.key.pem", dir);
	assert_int_equal(eiot_pkey_load_private_file(&k, path, NULL), 0);
	eiot_pkey_free(&k);
	snprintf(path, sizeof(path), "%s/server-p384.key.pem", dir);
	assert_int_equal(eiot_pkey_load_private_file(&k, path, NULL), EIOT_ERR_CERT_BAD_KEY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_abc_and_peek),
		cmocka_unit_test(test_hmac_sha256_rfc4231),
		cmocka_unit_test(test_aead_known_answers),
		cmocka_unit_test(test_aead_forgery_rejected),
		cmocka_unit_test(test_drbg_draws_differ),
		cmocka_unit_test(test_drbg_shared_by_threads),
#if EIOT_WITH_ECDHE
		cmocka_unit_test(test_ecdh_rfc5903),
		cmocka_unit_test(test_ecdh_random_pair_agrees),
		cmocka_unit_test(test_ecdh_keygen_rng_failure),
		cmocka_unit_test(test_ecdh_bad_points_rejected),
#endif
		cmocka_unit_test(test_pkey_parse_forms),
		cmocka_unit_test(test_pkey_wrong_password_rejected),
		cmocka_unit_test(test_pkey_pkcs8_aes),
		cmocka_unit_test(test_pkey_garbage_rejected),
		cmocka_unit_test(test_pkey_p384_refused),
		cmocka_unit_test(test_ecdsa_known_signature_verifies),
		cmocka_unit_test(test_ecdsa_sign_verify_and_flipped_bit),
		cmocka_unit_test(test_pkey_pki_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
