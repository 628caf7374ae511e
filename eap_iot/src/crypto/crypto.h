/*
 * crypto/crypto.h — the seam between the engine and a crypto library.
 *
 * The engine calls only these functions. A backend folder implements them and defines the
 * context structs (crypto_backend.h picks one per build): crypto/mbedtls/ over mbedTLS 2.28's
 * libmbedcrypto and libmbedx509, crypto/openssl/ over OpenSSL 3's libcrypto. All functions
 * return 0 or an enum eiot_err. The engine's random source lives in the configuration.
 */
#ifndef EIOT_CRYPTO_H
#define EIOT_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto_backend.h" /* struct eiot_sha256, eiot_aead, eiot_drbg, eiot_ecdh, eiot_pkey, eiot_x509_chain */

/* ---- random ---- */
/* Seed a CTR_DRBG from the OS entropy source (personalised by pers). */
int eiot_drbg_init(struct eiot_drbg *d, const char *pers);
int eiot_drbg_random(void *drbg, uint8_t *out, size_t n); /* matches eiot_random_fn */
void eiot_drbg_free(struct eiot_drbg *d);

/* ---- hashes ---- */
void eiot_sha256_init(struct eiot_sha256 *h);
void eiot_sha256_update(struct eiot_sha256 *h, const uint8_t *p, size_t n);
/* Final hash of a copy: h stays usable (transcript hashes are read mid-handshake). */
void eiot_sha256_peek(const struct eiot_sha256 *h, uint8_t out[32]);
void eiot_sha256_free(struct eiot_sha256 *h);
void eiot_sha256(const uint8_t *p, size_t n, uint8_t out[32]);
/* SHA-1, only as the certificate fingerprint of RFC 6066 §5 (client certificate URLs), where
 * second-preimage resistance is what counts (§11.3); never for signatures or MACs. */
void eiot_sha1(const uint8_t *p, size_t n, uint8_t out[20]);
/* HMAC-SHA256 over the concatenation of up to 4 parts (NULL/0 parts are skipped). */
void eiot_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *p1, size_t n1,
		      const uint8_t *p2, size_t n2, const uint8_t *p3, size_t n3,
		      const uint8_t *p4, size_t n4, uint8_t out[32]);

/* ---- AEAD (AES-128-CCM with 8 or 16 byte tag, AES-128-GCM) ---- */
enum eiot_aead_alg { EIOT_AEAD_AES128_CCM_8, EIOT_AEAD_AES128_CCM, EIOT_AEAD_AES128_GCM };
int eiot_aead_init(struct eiot_aead *a, enum eiot_aead_alg alg, const uint8_t key[16]);
size_t eiot_aead_tag_len(const struct eiot_aead *a);
/* Encrypt in place p[0..n) and write the tag after it (p needs n + tag_len bytes). Nonce 12 bytes. */
int eiot_aead_seal(struct eiot_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		   uint8_t *p, size_t n);
/* Decrypt in place p[0..n) whose tag follows at p[n..n+tag_len); EIOT_ERR_BAD_RECORD_MAC on a bad tag. */
int eiot_aead_open(struct eiot_aead *a, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		   uint8_t *p, size_t n);
void eiot_aead_free(struct eiot_aead *a);
/* a was copied byte for byte from old, which goes away (a connection moved to smaller memory):
 * fix what pointed into old (mbedTLS's AES key schedule points into its own context). */
void eiot_aead_moved(struct eiot_aead *a, const struct eiot_aead *old);

/* ---- ECDH / ECDSA on secp256r1 ---- */
/* Generate an ephemeral key pair; pub is the 65-byte uncompressed point (0x04 || X || Y). */
int eiot_ecdh_keygen(struct eiot_ecdh *e, eiot_random_fn rng, void *rng_user, uint8_t pub[65]);
/* Shared secret X coordinate with the peer's uncompressed point; EIOT_ERR_BAD_POINT when the
 * point is not 65 bytes starting 0x04 or not on the curve. */
int eiot_ecdh_shared(struct eiot_ecdh *e, const uint8_t *peer, size_t peer_len, uint8_t out[32]);
void eiot_ecdh_free(struct eiot_ecdh *e);

/* A parsed P-256 key (own private key, or a peer public key from its certificate). */
int eiot_pkey_parse_private(struct eiot_pkey *k, const uint8_t *buf, size_t len, const char *password);
int eiot_pkey_load_private_file(struct eiot_pkey *k, const char *path, const char *password);
/* ECDSA-SHA256 signature over hash (32 bytes), DER encoded into sig (<= 72 bytes). */
int eiot_pkey_sign(struct eiot_pkey *k, const uint8_t hash[32], eiot_random_fn rng, void *rng_user,
		   uint8_t *sig, size_t cap, size_t *sig_len);
/* EIOT_ERR_BAD_SIGNATURE on a wrong signature. */
int eiot_pkey_verify(struct eiot_pkey *k, const uint8_t hash[32], const uint8_t *sig, size_t sig_len);
void eiot_pkey_free(struct eiot_pkey *k);
/* A public key from a DER SubjectPublicKeyInfo filling der[0..len) exactly (RFC 7250 raw
 * public keys): EIOT_ERR_DECODE when malformed, EIOT_ERR_CERT_BAD_KEY when not P-256. */
int eiot_pkey_parse_spki(struct eiot_pkey *k, const uint8_t *der, size_t len);
/* A public key from a file: PEM "PUBLIC KEY" or DER SubjectPublicKeyInfo (EIOT_ERR_FILE). */
int eiot_pkey_load_public_file(struct eiot_pkey *k, const char *path);
/* k's public key as a DER SubjectPublicKeyInfo into out (91 bytes for P-256). */
int eiot_pkey_write_spki(const struct eiot_pkey *k, uint8_t *out, size_t cap, size_t *len);

#endif
