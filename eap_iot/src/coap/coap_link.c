/*
 * coap/coap_link.c — resource discovery (RFC 6690): /.well-known/core in the CoRE link format,
 * "</path>;rt=\"...\";if=\"...\";ct=N;sz=N" joined by commas, filtered by one query parameter
 * (§4.1: "attr=value", or "attr=prefix*" for a prefix; href names the path).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "coap/coap_serve.h"
#include "eap_iot/err.h"
#include "util/log.h"

/* see coap/coap_serve.h */
bool coap_path_is(const struct eiot_coap_msg *m, const char *path)
{
	size_t pos = 0;
	const struct eiot_coap_option *o;
	const char *p = path;
	while ((o = eiot_coap_next_option(m, EIOT_COAP_OPT_URI_PATH, &pos))) {
		size_t seg = strcspn(p, "/");
		if (!*p || seg != o->len || memcmp(p, o->value, seg))
			return false;
		p += seg;
		if (*p == '/')
			p++;
	}
	return !*p;
}

/* Whether value (len bytes) matches the filter f (flen bytes, a trailing '*' a prefix). */
static bool matches(const char *value, size_t len, const uint8_t *f, size_t flen)
{
	if (flen && f[flen - 1] == '*')
		return len >= flen - 1 && !memcmp(value, f, flen - 1);
	return len == flen && !memcmp(value, f, flen);
}

/* A space-separated attribute (rt, if: §3.3 allows several values) matches when one word does. */
static bool word_matches(const char *value, const uint8_t *f, size_t flen)
{
	while (value && *value) {
		size_t w = strcspn(value, " ");
		if (matches(value, w, f, flen))
			return true;
		value += w + (value[w] == ' ');
	}
	return false;
}

static bool passes(const struct eiot_coap_resource *r, const struct eiot_coap_option *q)
{
	if (!q)
		return true;
	const uint8_t *eq = memchr(q->value, '=', q->len);
	if (!eq)
		return false;
	size_t an = (size_t)(eq - q->value), fl = q->len - an - 1;
	const uint8_t *f = eq + 1;
	char num[16];
	if (an == 4 && !memcmp(q->value, "href", 4)) {
		char href[256];
		int n = snprintf(href, sizeof(href), "/%s", r->path);
		return n > 0 && (size_t)n < sizeof(href) && matches(href, (size_t)n, f, fl);
	}
	if (an == 2 && !memcmp(q->value, "rt", 2))
		return word_matches(r->rt, f, fl);
	if (an == 2 && !memcmp(q->value, "if", 2))
		return word_matches(r->if_, f, fl);
	if (an == 2 && !memcmp(q->value, "ct", 2))
		return word_matches(r->ct, f, fl);
	if (an == 2 && !memcmp(q->value, "sz", 2) && r->sz)
		return matches(num, (size_t)snprintf(num, sizeof(num), "%u", (unsigned)r->sz), f, fl);
	return false;
}

/* Append to out[0..cap) at *n; false when it does not fit. */
static bool append(uint8_t *out, size_t cap, size_t *n, const char *fmt, ...) EIOT_PRINTF(4, 5);
static bool append(uint8_t *out, size_t cap, size_t *n, const char *fmt, ...)
{
	char piece[300];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(piece) || *n + (size_t)k > cap)
		return false;
	memcpy(out + *n, piece, (size_t)k);
	*n += (size_t)k;
	return true;
}

/* see coap/coap_serve.h */
int coap_link_format(const struct coap_resources *rs, const struct eiot_coap_msg *req, uint8_t *out,
		     size_t cap, size_t *len)
{
	const struct eiot_coap_option *q = eiot_coap_next_option(req, EIOT_COAP_OPT_URI_QUERY, NULL);
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct eiot_coap_resource *r = &rs->r[i];
		if (!passes(r, q))
			continue;
		bool ok = append(out, cap, &n, "%s</%s>", n ? "," : "", r->path);
		if (ok && r->rt)
			ok = append(out, cap, &n, ";rt=\"%s\"", r->rt);
		if (ok && r->if_)
			ok = append(out, cap, &n, ";if=\"%s\"", r->if_);
		if (ok && r->ct) /* RFC 7252 §7.2.1: a list of content formats is quoted */
			ok = append(out, cap, &n, strchr(r->ct, ' ') ? ";ct=\"%s\"" : ";ct=%s", r->ct);
		if (ok && r->sz)
			ok = append(out, cap, &n, ";sz=%lu", (unsigned long)r->sz);
		if (ok && r->observable)
			ok = append(out, cap, &n, ";obs");
		if (!ok)
			return EIOT_ERR_BUFFER_TOO_SMALL;
	}
	*len = n;
	return EIOT_OK;
}
