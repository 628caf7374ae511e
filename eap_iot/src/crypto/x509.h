/*
 * crypto/x509.h — X.509 through the crypto seam (crypto/mbedtls/x509_mbedtls.c or
 * crypto/openssl/x509_openssl.c).
 *
 * The seam parses and checks signatures and dates; what the profile demands of names and
 * identities (RFC 7925 §4.4.1, §4.4.2) is decided in tls/creds.c on what this returns.
 */
#ifndef EIOT_CRYPTO_X509_H
#define EIOT_CRYPTO_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

void eiot_x509_chain_init(struct eiot_x509_chain *c);
/* Append one DER certificate (EIOT_ERR_CERT_BAD when it does not parse). */
int eiot_x509_chain_add_der(struct eiot_x509_chain *c, const uint8_t *der, size_t len);
/* Append every certificate of a PEM or DER file (EIOT_ERR_FILE). */
int eiot_x509_chain_add_file(struct eiot_x509_chain *c, const char *path);
size_t eiot_x509_chain_count(const struct eiot_x509_chain *c);
/* DER bytes of certificate i (0 = leaf). */
int eiot_x509_chain_der(const struct eiot_x509_chain *c, size_t i, const uint8_t **der, size_t *len);
void eiot_x509_chain_free(struct eiot_x509_chain *c);

enum eiot_x509_purpose { EIOT_X509_SERVER, EIOT_X509_CLIENT };

struct eiot_x509_verify_opts {
	int64_t now;          /* seconds since 1970; -1 = do not check validity dates */
	unsigned max_chain;   /* certificates accepted below the trust anchor */
	bool check_usage;     /* keyUsage/extKeyUsage for the purpose */
	enum eiot_x509_purpose purpose;
};

/*
 * Verify chain (leaf first) up to one of trust: signatures, basicConstraints of CAs,
 * ECDSA P-256 keys with ecdsa-with-SHA256 (or stronger) signatures on every certificate
 * (RFC 7925 §4.4.4 Table 1), dates when opts->now >= 0, usage when asked. Returns 0 or
 * EIOT_ERR_CERT_UNTRUSTED / _EXPIRED / _NOT_YET_VALID / _CHAIN_TOO_LONG / _BAD_KEY / _USAGE /
 * _BAD, and the one thing that was wrong in why (for the log line). On success, anchor (when
 * not NULL) receives the SHA-256 of the DER of the trust anchor the path ends at.
 */
int eiot_x509_verify(const struct eiot_x509_chain *chain, const struct eiot_x509_chain *trust,
		     const struct eiot_x509_verify_opts *opts, uint8_t anchor[32], char *why,
		     size_t why_cap);

/*
 * Check again a chain that eiot_x509_verify() accepted in an earlier handshake (RFC 7924
 * cached_info), without verifying its signatures again. What can have changed since is
 * checked: the anchor that verification ended at (anchor: the SHA-256 eiot_x509_verify gave)
 * is still configured, and the chain still leads to it (the top certificate is that anchor,
 * or its issuer name is the anchor's subject name), the number of certificates below it,
 * the key and signature algorithm of every certificate below it against the profile, their
 * validity periods (opts->now; skipped when -1), and the leaf's usage. Same errors as
 * eiot_x509_verify().
 */
int eiot_x509_recheck(const struct eiot_x509_chain *chain, const struct eiot_x509_chain *trust,
		      const uint8_t anchor[32], const struct eiot_x509_verify_opts *opts, char *why,
		      size_t why_cap);

/* subjectAltName dNSName entries of the leaf: up to max, pointers into the chain's memory. */
int eiot_x509_leaf_dns_names(const struct eiot_x509_chain *c, const uint8_t **names,
			     size_t *lens, size_t max, size_t *n);
/* The subject's leftmost commonName of the leaf; EIOT_ERR_WANT_MORE if none. */
int eiot_x509_leaf_cn(const struct eiot_x509_chain *c, const uint8_t **cn, size_t *len);
/* The leaf's public key (must be P-256), for ServerKeyExchange / CertificateVerify checks. */
int eiot_x509_leaf_pubkey(const struct eiot_x509_chain *c, struct eiot_pkey *k);
/* 1 when priv and the leaf's public key are the same key pair. */
int eiot_x509_leaf_matches_key(const struct eiot_x509_chain *c, const struct eiot_pkey *priv);

#endif
