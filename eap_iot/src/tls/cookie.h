/*
 * tls/cookie.h — stateless DTLS cookies (RFC 6347 §4.2.1), behind eap_iot/dtls.h.
 *
 * cookie = HMAC-SHA256(secret, SHA-256(fields))[0..COOKIE_LEN), where fields is
 *   len64(addr) || addr || client_version || random ||
 *   len64(cipher_suites) || cipher_suites || len64(compression_methods) || compression_methods
 * (every variable field length-prefixed, so no two ClientHellos share an encoding). The
 * session_id is left out: mbedTLS 2.28's DTLS client draws a fresh one for the ClientHello
 * that answers a HelloVerifyRequest when it resumes by ticket (RFC 6347 §4.2.1 says it keeps
 * the first one); OpenSSL's, GnuTLS's and mbedTLS's servers do not bind it either. The address
 * and the random still tie the cookie to one client and one hello. Verifying
 * tries the current and the previous secret in constant time. The secret rotates every
 * rotate_ms; a cookie therefore stays valid for one to two periods (RFC 6347 §4.2.1).
 */
#ifndef EIOT_TLS_COOKIE_H
#define EIOT_TLS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COOKIE_LEN 16

struct eiot_cookie_secret {
	uint8_t current[32], previous[32];
	uint64_t rotated_at;
	uint32_t rotate_ms;
	const struct eiot_config *cfg; /* random source for rotation */
	/* cookies that did not verify: one warning per period, the others counted into it */
	uint32_t bad_cookies;
	uint64_t bad_warned_at;
	bool bad_warned;
};

/* The ClientHello fields the cookie binds (pointers into the datagram). */
struct cookie_input {
	const void *addr;
	size_t addr_len;
	uint16_t client_version;
	const uint8_t *random;      /* 32 bytes */
	const uint8_t *suites;      /* the cipher_suites vector body */
	size_t suites_len;
	const uint8_t *compression; /* the compression_methods vector body */
	size_t compression_len;
};

void cookie_compute(const uint8_t secret[32], const struct cookie_input *in, uint8_t out[COOKIE_LEN]);
/* Rotate the secret when its period is over: current becomes previous and a new current is
 * drawn from cfg_random(s->cfg). After two or more periods both are drawn fresh. Returns 0 or
 * the random source's error (the secrets are then unchanged). */
int cookie_maybe_rotate(struct eiot_cookie_secret *s, uint64_t now_ms);
/* 1 when cookie matches under the current or previous secret. */
int cookie_verify(const struct eiot_cookie_secret *s, const struct cookie_input *in,
		  const uint8_t *cookie, size_t cookie_len);

#endif
