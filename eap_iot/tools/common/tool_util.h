/*
 * tools/common/tool_util.h — what the command-line tools share: the monotonic clock, hex
 * arguments, and a suite list argument. Not part of the library.
 */
#ifndef EIOT_TOOL_UTIL_H
#define EIOT_TOOL_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct eiot_config;
struct eiot_coap_params;

/* The credential options both CoAPS tools take, in libcoap's letters: -c CERT, -j KEY (its
 * private key), -C CA (trust anchors), -M KEYFILE (our key as a raw public key, RFC 7250). */
struct tool_creds {
	const char *cert, *key, *ca, *rpk;
};
/* 1 when opt is one of them (value taken), 0 when it is not. */
int tool_cred_option(const char *opt, const char *value, struct tool_creds *c);
/* Load those given into cfg; on failure *what names the option. */
int tool_set_creds(struct eiot_config *cfg, const struct tool_creds *c, const char **what);

/* The timer options both CoAPS tools take: --dtls-timeout MS (the first DTLS retransmission,
 * *dtls_ms), --ack-timeout MS and --max-retransmit N (RFC 7252 §4.8, into p). Returns 1 when
 * opt is one of them (value taken), 0 when it is not, -1 with *why set for a value out of its
 * RFC bounds. */
int tool_timer_option(const char *opt, const char *value, unsigned *dtls_ms, struct eiot_coap_params *p,
		      const char **why);

/* "PROG: " and the reason, then the synopsis (ending in a newline) on stderr; exit 2, the
 * tools' usage status. */
void tool_usage(const char *prog, const char *synopsis, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
/* A decimal number argument of opt within [lo, hi]; otherwise tool_usage says so. */
unsigned long tool_number(const char *prog, const char *synopsis, const char *opt, const char *v,
			  unsigned long lo, unsigned long hi);
/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t tool_now_ms(void);
/* Parse hex digits into out (at most cap bytes); -1 for a bad digit, an odd count or overflow. */
long tool_hex(const char *s, uint8_t *out, size_t cap);
/* "A,B" or "A:B" suite names (OpenSSL's or IANA's) to the configuration: EIOT_OK, or the error
 * with *bad naming the unknown suite (a pointer into a static copy of list). */
int tool_set_suites(struct eiot_config *cfg, const char *list, const char **bad);

#endif
