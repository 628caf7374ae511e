/*
 * tools/common/tool_util.c — see tool_util.h.
 */
#include "tool_util.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eap_iot/coap.h"
#include "eap_iot/eap_iot.h"

void tool_usage(const char *prog, const char *synopsis, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n%s", synopsis);
	va_end(ap);
	exit(2);
}

unsigned long tool_number(const char *prog, const char *synopsis, const char *opt, const char *v,
			  unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (!*v || *end || n < lo || n > hi)
		tool_usage(prog, synopsis, "%s %s: a number from %lu to %lu", opt, v, lo, hi);
	return n;
}

uint64_t tool_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

long tool_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; s[0]; s += 2) {
		unsigned b;
		if (!s[1] || n == cap || sscanf(s, "%2x", &b) != 1)
			return -1;
		out[n++] = (uint8_t)b;
	}
	return (long)n;
}

int tool_set_suites(struct eiot_config *cfg, const char *list, const char **bad)
{
	static char copy[256];
	uint16_t ids[16];
	size_t n = 0;
	snprintf(copy, sizeof(copy), "%s", list);
	for (char *s = NULL, *t = strtok_r(copy, ",:", &s); t; t = strtok_r(NULL, ",:", &s)) {
		if (n == sizeof(ids) / sizeof(ids[0]) || !(ids[n++] = eiot_suite_from_name(t))) {
			*bad = t;
			return EIOT_ERR_BAD_PARAM;
		}
	}
	return eiot_config_set_suites(cfg, ids, n);
}

int tool_timer_option(const char *opt, const char *value, unsigned *dtls_ms, struct eiot_coap_params *p,
		      const char **why)
{
	if (strcmp(opt, "--dtls-timeout") && strcmp(opt, "--ack-timeout") && strcmp(opt, "--max-retransmit"))
		return 0;
	char *end;
	unsigned long n = value ? strtoul(value, &end, 10) : 0;
	bool number = value && *value && !*end;
	if (!strcmp(opt, "--dtls-timeout")) {
		*why = "1000 to 60000 ms";
		if (!number || n < 1000 || n > 60000)
			return -1;
		*dtls_ms = (unsigned)n;
	} else if (!strcmp(opt, "--ack-timeout")) {
		*why = "1000 to 60000 ms";
		if (!number || n < 1000 || n > 60000)
			return -1;
		p->ack_timeout_ms = (uint32_t)n;
	} else {
		*why = "0 to 8";
		if (!number || n > 8)
			return -1;
		p->max_retransmit = (uint8_t)n;
	}
	return 1;
}

int tool_cred_option(const char *opt, const char *value, struct tool_creds *c)
{
	const char **slot = !strcmp(opt, "-c") ? &c->cert : !strcmp(opt, "-j") ? &c->key
			  : !strcmp(opt, "-C") ? &c->ca : !strcmp(opt, "-M") ? &c->rpk : NULL;
	if (!slot)
		return 0;
	*slot = value;
	return 1;
}

int tool_set_creds(struct eiot_config *cfg, const struct tool_creds *c, const char **what)
{
	int err = EIOT_OK;
	if (c->cert)
		err = eiot_config_set_own_cert_file(cfg, c->cert, c->key, NULL), *what = "-c/-j";
	if (!err && c->ca)
		err = eiot_config_add_trust_file(cfg, c->ca), *what = "-C";
	if (!err && c->rpk)
		err = eiot_config_set_own_key_file(cfg, c->rpk, NULL), *what = "-M";
	return err;
}
