/*
 * crypto/openssl/backend_openssl.h — the OpenSSL 3 libcrypto backend's context types for
 * crypto/crypto.h. Only this folder names OpenSSL.
 *
 * SHA-256 uses libcrypto's SHA256_CTX: a plain struct that needs no allocation and cannot
 * fail, as the seam's void hash functions require (the EVP digests allocate). OpenSSL 3 marks
 * it deprecated, so the openssl build compiles at API level 1.1.1 (OPENSSL_API_COMPAT, set by
 * the Makefile). Everything else is EVP.
 */
#ifndef EIOT_BACKEND_OPENSSL_H
#define EIOT_BACKEND_OPENSSL_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/sha.h>
#include <openssl/types.h>

#include "eap_iot/config.h" /* eiot_random_fn */

struct eiot_sha256 {
	SHA256_CTX ctx;
};

/* One keyed context per direction, made on first use (a record key mostly only seals or only
 * opens); each record then only sets its nonce. */
struct eiot_aead {
	int alg; /* enum eiot_aead_alg */
	size_t tag_len;
	unsigned char key[16];
	EVP_CIPHER_CTX *ctx[2]; /* [0] opens, [1] seals */
};

/* The key is kept as such: a saved connection takes its keys from here (tls/conn_save.c). */
#define EIOT_AEAD_KEEPS_KEY 1
static inline const uint8_t *eiot_aead_key(const struct eiot_aead *a)
{
	return a->key;
}

/* OpenSSL's own DRBG (per process, thread-safe, seeded and reseeded from the OS). */
struct eiot_drbg {
	bool ready;
};

struct eiot_ecdh {
	BIGNUM *d; /* the private scalar (secure heap, wiped on free) */
	bool ready;
};

struct eiot_pkey {
	EVP_PKEY *pk;
	bool ready;
};

struct eiot_x509_cert; /* x509_openssl.c */

struct eiot_x509_chain {
	struct eiot_x509_cert *certs; /* leaf first */
	size_t n, cap;
};

#endif
