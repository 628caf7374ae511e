/*
 * radius_module/src/cert_url_fetch.c — the resolver behind client certificate URLs (RFC 6066
 * §5) on the AAA server: http(s):// URLs under a configured prefix are fetched with libcurl,
 * other URLs go to the directory resolver when there is one.
 *
 * A device chooses the URL, so the AAA server fetches only what the operator allowed
 * (RFC 6066 §11.3): URLs under one of cert_url_http_prefix, http and https only, no
 * redirects, a deadline for the whole fetch, and at most cert_url_max_size bytes kept. The
 * body must be one DER certificate (individual_certs); it is handed to eap_iot unparsed, and
 * eap_iot checks its SHA-1 against the one the device sent before parsing anything.
 * Every failure is certificate_unobtainable for the device (RFC 6066 §5), after one line that
 * says what went wrong.
 */
#include <curl/curl.h>
#include <string.h>

#include "eap_iot/err.h"
#include "tls7925.h"

struct body {
	uint8_t *buf;
	size_t cap, len;
	bool too_big;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *user)
{
	struct body *b = user;
	size_t n = size * nmemb;
	if (n > b->cap - b->len) {
		b->too_big = true;
		return 0; /* stops the transfer */
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return n;
}

static bool allowed(const struct tls7925 *inst, const char *url)
{
	for (size_t i = 0; inst->opts.cert_url_prefixes && inst->opts.cert_url_prefixes[i]; i++)
		if (!strncmp(url, inst->opts.cert_url_prefixes[i], strlen(inst->opts.cert_url_prefixes[i])))
			return true;
	return false;
}

/* GET url; the DER body as a certificate_list body (u24 length, then the certificate). */
static int fetch(struct tls7925 *inst, const char *url, uint8_t *buf, size_t cap, size_t *len)
{
	size_t max = inst->opts.cert_url_max_size;
	struct body b = { .buf = buf + 3, .cap = cap - 3 < max ? cap - 3 : max };
	char err[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURL *h = curl_easy_init();
	if (!h)
		return EIOT_ERR_NO_MEMORY;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)inst->opts.cert_url_timeout_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "eap_iot rlm_eap_tls7925");
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	if (b.too_big) {
		tls7925_request_error("cert_url: %s is larger than %zu bytes (cert_url_max_size)", url, max);
		return EIOT_ERR_CERT_UNOBTAINABLE;
	}
	if (rc != CURLE_OK) {
		tls7925_request_error("cert_url: GET %s failed: %s", url, err[0] ? err : curl_easy_strerror(rc));
		return EIOT_ERR_CERT_UNOBTAINABLE;
	}
	if (status != 200 || b.len == 0) {
		tls7925_request_error("cert_url: GET %s: HTTP status %ld, %zu bytes", url, status, b.len);
		return EIOT_ERR_WANT_MORE;
	}
	buf[0] = (uint8_t)(b.len >> 16);
	buf[1] = (uint8_t)(b.len >> 8);
	buf[2] = (uint8_t)b.len;
	*len = b.len + 3;
	return EIOT_OK;
}

static int resolve(void *user, const char *url, uint8_t *buf, size_t cap, size_t *len)
{
	struct tls7925 *inst = user;
	bool web = !strncmp(url, "http://", 7) || !strncmp(url, "https://", 8);
	if (web && inst->opts.cert_url_prefixes) {
		if (!allowed(inst, url)) {
			tls7925_request_error("cert_url: %s is not under any cert_url_http_prefix: not fetched",
					      url);
			return EIOT_ERR_WANT_MORE;
		}
		return cap > 3 ? fetch(inst, url, buf, cap, len) : EIOT_ERR_BUFFER_TOO_SMALL;
	}
	if (inst->resolver)
		return eiot_dir_resolver_ops.resolve(inst->resolver, url, buf, cap, len);
	tls7925_request_error("cert_url: %s: no cert_url_dir for URLs other than http(s)", url);
	return EIOT_ERR_WANT_MORE;
}

const struct eiot_cert_url_ops tls7925_cert_url_ops = { .resolve = resolve };
