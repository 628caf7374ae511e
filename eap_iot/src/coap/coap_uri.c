/*
 * coap/coap_uri.c — a CoAP URI into a request's options (RFC 7252 §6.4, without its
 * percent-decoding): the host and port for the caller's socket, the path and query as Uri-Path
 * and Uri-Query options pointing into the URI string.
 */
#include <stdlib.h>
#include <string.h>

#include "eap_iot/coap.h"
#include "eap_iot/err.h"

/* Add each sep-separated part of s[0..n) as an option (empty parts too: §6.4 steps 8, 9). */
static int add_parts(struct eiot_coap_msg *m, uint16_t number, const char *s, size_t n, char sep)
{
	while (n) {
		const char *e = memchr(s, sep, n);
		size_t len = e ? (size_t)(e - s) : n;
		int err = eiot_coap_add_option(m, number, s, len);
		if (err)
			return err;
		if (!e)
			break;
		n -= len + 1;
		s = e + 1;
		if (!n) /* a trailing separator: one empty part more */
			return eiot_coap_add_option(m, number, s, 0);
	}
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coap_set_uri(struct eiot_coap_msg *m, const char *uri, char *host, size_t host_cap, uint16_t *port)
{
	const char *p, *end;
	if (!m || !uri || !host || !host_cap || !port || strpbrk(uri, "%#"))
		return EIOT_ERR_BAD_PARAM;
	if (!strncmp(uri, "coaps://", 8))
		*port = 5684, p = uri + 8;
	else if (!strncmp(uri, "coap://", 7))
		*port = 5683, p = uri + 7;
	else
		return EIOT_ERR_BAD_PARAM;
	if (*p == '[') { /* an IPv6 literal */
		end = strchr(p, ']');
		if (!end)
			return EIOT_ERR_BAD_PARAM;
		p++;
	} else {
		end = p + strcspn(p, ":/?");
	}
	size_t hl = (size_t)(end - p);
	if (!hl || hl >= host_cap)
		return EIOT_ERR_BAD_PARAM;
	memcpy(host, p, hl);
	host[hl] = 0;
	p = end + (*end == ']');
	if (*p == ':') {
		char *e;
		unsigned long n = strtoul(p + 1, &e, 10);
		if (e == p + 1 || n == 0 || n > 65535 || (*e && *e != '/' && *e != '?'))
			return EIOT_ERR_BAD_PARAM;
		*port = (uint16_t)n;
		p = e;
	}
	if (*p && *p != '/' && *p != '?')
		return EIOT_ERR_BAD_PARAM;
	end = p + strcspn(p, "?");
	int err = *p == '/' && end > p + 1 ? add_parts(m, EIOT_COAP_OPT_URI_PATH, p + 1, (size_t)(end - p - 1), '/')
					   : EIOT_OK;
	if (!err && *end == '?')
		err = add_parts(m, EIOT_COAP_OPT_URI_QUERY, end + 1, strlen(end + 1), '&');
	return err;
}
