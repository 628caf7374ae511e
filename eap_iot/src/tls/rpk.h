/*
 * tls/rpk.h — raw public keys (RFC 7250): the configuration setters' helpers and the check of
 * a peer's raw public key against the pinned ones.
 */
#ifndef EIOT_TLS_RPK_H
#define EIOT_TLS_RPK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/config_int.h"

/* RFC 7250 §3 / IANA TLS Certificate Types */
#define CERT_TYPE_X509 0
#define CERT_TYPE_RPK 2

/*
 * The peer's Certificate body in raw public key form: opaque spki<1..2^24-1>. A zero-length
 * body (no key) sets *empty. Otherwise the SubjectPublicKeyInfo must be P-256 and its SHA-256
 * one of cfg's pins; then peer_key holds it. Returns 0, EIOT_ERR_DECODE,
 * EIOT_ERR_CERT_BAD_KEY or EIOT_ERR_RPK_NOT_PINNED, after one log line.
 */
int rpk_verify_peer(const struct eiot_config *cfg, const uint8_t *body, size_t n,
		    uint8_t spki_sha256[32], struct eiot_pkey *peer_key, bool *empty);

#endif
