/*
 * tls/cookie.h — stateless DTLS cookies (RFC 6347 §4.2.1), behind eap_iot/dtls.h.
 *
 * cookie = HMAC-SHA256(secret, addr || client_version || random || session_id ||
 *          cipher_suites || compression_methods)[0..COOKIE_LEN). Verifying tries the current
 * and the previous secret in constant time.
 */
#ifndef EIOT_TLS_COOKIE_H
#define EIOT_TLS_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#define COOKIE_LEN 16

struct eiot_cookie_secret {
	uint8_t current[32], previous[32];
	uint64_t rotated_at;
	uint32_t rotate_ms;
	const struct eiot_config *cfg; /* random source for rotation */
};

/* The ClientHello fields the cookie binds (pointers into the datagram). */
struct cookie_input {
	const void *addr;
	size_t addr_len;
	uint16_t client_version;
	const uint8_t *random;      /* 32 bytes */
	const uint8_t *session_id;
	size_t session_id_len;
	const uint8_t *suites;      /* the cipher_suites vector body */
	size_t suites_len;
	const uint8_t *compression; /* the compression_methods vector body */
	size_t compression_len;
};

void cookie_compute(const uint8_t secret[32], const struct cookie_input *in, uint8_t out[COOKIE_LEN]);
/* Rotate the secret when its period is over. */
int cookie_maybe_rotate(struct eiot_cookie_secret *s, uint64_t now_ms);
/* 1 when cookie matches under the current or previous secret. */
int cookie_verify(const struct eiot_cookie_secret *s, const struct cookie_input *in,
		  const uint8_t *cookie, size_t cookie_len);

#endif
