/*
 * tls/suites.h — the cipher suite table (RFC 7925 §19: suites are data, not code).
 */
#ifndef EIOT_TLS_SUITES_H
#define EIOT_TLS_SUITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

enum kx_kind { KX_PSK, KX_ECDHE_ECDSA };

struct suite_info {
	uint16_t id;
	const char *name;          /* IANA name */
	const char *openssl_name;  /* the name OpenSSL and FreeRADIUS use */
	enum kx_kind kx;
	enum eiot_aead_alg aead;
	uint8_t key_len;           /* 16 */
	uint8_t fixed_iv_len;      /* 4: the implicit nonce salt (RFC 6655 §3, RFC 5288 §3) */
	uint8_t tag_len;           /* 8 or 16 */
	bool in_build;             /* its key exchange and AEAD are in this build (eap_iot/features.h) */
};

/* The suites this build holds (those suite_find knows): a ClientHello offers at most these. */
#define SUITES_IN_BUILD (EIOT_WITH_ECDHE + EIOT_WITH_PSK + 2 * (EIOT_WITH_ECDHE && EIOT_WITH_EXTRA_SUITES))

/* NULL when id is not one we implement, or one this build left out. */
const struct suite_info *suite_find(uint16_t id);
/* Any suite we implement, in this build or not (the record layer and its tests take them all). */
const struct suite_info *suite_lookup(uint16_t id);
/* A suite we implement that this build left out. */
bool suite_left_out(uint16_t id);
/* 1 for the two suites the RFC 7925 profile names. */
int suite_is_profile(uint16_t id);

#endif
