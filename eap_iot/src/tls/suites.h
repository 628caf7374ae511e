/*
 * tls/suites.h — the cipher suite table (RFC 7925 §19: suites are data, not code).
 */
#ifndef EIOT_TLS_SUITES_H
#define EIOT_TLS_SUITES_H

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
};

/* NULL when id is not one we implement. */
const struct suite_info *suite_find(uint16_t id);
/* 1 for the two suites the RFC 7925 profile names. */
int suite_is_profile(uint16_t id);

#endif
