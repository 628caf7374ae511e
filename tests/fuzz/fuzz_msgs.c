/*
 * tests/fuzz/fuzz_msgs.c — libFuzzer harness for every parser in tls/msgs.h.
 *
 * The first input byte picks the parser (modulo the table size), the rest is the body.
 * On success every pointer a parser returned must lie inside the input (checked, then
 * read through so ASan sees it), and parsers whose writer is general enough must
 * re-encode to exactly the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls/msgs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in_lo, *in_hi;
static volatile uint8_t sink;

/* p[0..n) must be inside the input; read it all. */
static void check_span(const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (!p || p < in_lo || p > in_hi || n > (size_t)(in_hi - p))
		abort();
	for (size_t i = 0; i < n; i++)
		sink ^= p[i];
}

static void check_reencodes(const struct wr *w, const uint8_t *b, size_t n)
{
	if (w->err || w->len != n || memcmp(w->p, b, n) != 0)
		abort();
}

static void check_exts(const struct hs_exts *e)
{
	check_span(e->sni, e->sni_len);
	check_span(e->ci_list, e->ci_list_len);
	if ((e->sni && e->sni_len == 0) || e->reneg_info_len > 255 ||
	    (e->has_cached_info && e->ci_list_len == 0))
		abort();
}

static void f_header(bool dtls, const uint8_t *b, size_t n)
{
	struct hs_header h;
	size_t hl;
	if (hs_parse_header(dtls, b, n, &h, &hl))
		return;
	uint8_t out[HS_DTLS_HEADER];
	struct wr w = wr_init(out, sizeof(out));
	hs_write_header(&w, dtls, &h);
	check_reencodes(&w, b, hl);
}

static void f_header_tls(const uint8_t *b, size_t n)
{
	f_header(false, b, n);
}

static void f_header_dtls(const uint8_t *b, size_t n)
{
	f_header(true, b, n);
}

static void f_client_hello(bool dtls, const uint8_t *b, size_t n)
{
	struct hs_client_hello ch;
	if (hs_parse_client_hello(dtls, b, n, &ch))
		return;
	check_span(ch.random, 32);
	check_span(ch.session_id, ch.session_id_len);
	check_span(ch.cookie, ch.cookie_len);
	check_span(ch.suites_raw, ch.suites_raw_len);
	check_span(ch.comp_raw, ch.comp_raw_len);
	if (ch.session_id_len > 32 || ch.n_suites > HS_MAX_SUITES || ch.n_suites == 0 ||
	    ch.comp_raw_len == 0)
		abort();
	check_exts(&ch.ext);
}

static void f_client_hello_tls(const uint8_t *b, size_t n)
{
	f_client_hello(false, b, n);
}

static void f_client_hello_dtls(const uint8_t *b, size_t n)
{
	f_client_hello(true, b, n);
}

static void f_server_hello(const uint8_t *b, size_t n)
{
	struct hs_server_hello sh;
	if (hs_parse_server_hello(b, n, &sh))
		return;
	check_span(sh.random, 32);
	check_span(sh.session_id, sh.session_id_len);
	check_exts(&sh.ext);
}

static void f_hello_verify_request(const uint8_t *b, size_t n)
{
	uint16_t v;
	const uint8_t *c;
	size_t cl;
	if (hs_parse_hello_verify_request(b, n, &v, &c, &cl))
		return;
	check_span(c, cl);
}

static void f_certificate(const uint8_t *b, size_t n)
{
	struct hs_certificate c;
	if (hs_parse_certificate(b, n, &c))
		return;
	if (c.n > HS_MAX_CERTS)
		abort();
	for (size_t i = 0; i < c.n; i++)
		check_span(c.cert[i], c.len[i]);
	if (c.truncated)
		return;
	uint8_t *out = malloc(n);
	if (!out)
		return;
	struct wr w = wr_init(out, n);
	hs_write_certificate(&w, c.cert, c.len, c.n);
	check_reencodes(&w, b, n);
	free(out);
}

static void f_ske_ecdhe(const uint8_t *b, size_t n)
{
	struct hs_ske_ecdhe s;
	if (hs_parse_ske_ecdhe(b, n, &s))
		return;
	check_span(s.params, s.params_len);
	check_span(s.point, s.point_len);
	check_span(s.sig, s.sig_len);
	if (s.params != b || s.point_len == 0 || s.params_len != 4 + s.point_len)
		abort();
}

static void f_ske_psk(const uint8_t *b, size_t n)
{
	const uint8_t *h;
	size_t hl;
	if (hs_parse_ske_psk(b, n, &h, &hl))
		return;
	check_span(h, hl);
	static uint8_t out[2 + 65535];
	struct wr w = wr_init(out, sizeof(out));
	hs_write_ske_psk(&w, h, hl);
	check_reencodes(&w, b, n);
}

static void f_cert_request(const uint8_t *b, size_t n)
{
	struct hs_cert_request cr;
	if (hs_parse_cert_request(b, n, &cr))
		return;
	if (cr.n_ca_names > n)
		abort();
}

static void f_cke_ecdhe(const uint8_t *b, size_t n)
{
	const uint8_t *p;
	size_t pl;
	if (hs_parse_cke_ecdhe(b, n, &p, &pl))
		return;
	check_span(p, pl);
	if (pl == 0 || pl + 1 != n)
		abort();
}

static void f_cke_psk(const uint8_t *b, size_t n)
{
	const uint8_t *id;
	size_t il;
	if (hs_parse_cke_psk(b, n, &id, &il))
		return;
	check_span(id, il);
	static uint8_t out[2 + 65535];
	struct wr w = wr_init(out, sizeof(out));
	hs_write_cke_psk(&w, id, il);
	check_reencodes(&w, b, n);
}

static void f_digitally_signed(const uint8_t *b, size_t n)
{
	uint16_t alg;
	const uint8_t *s;
	size_t sl;
	if (hs_parse_digitally_signed(b, n, &alg, &s, &sl))
		return;
	check_span(s, sl);
	if (sl + 4 != n)
		abort();
}

static void f_finished(const uint8_t *b, size_t n)
{
	const uint8_t *vd;
	if (hs_parse_finished(b, n, &vd))
		return;
	check_span(vd, 12);
}

static void f_certificate_url(const uint8_t *b, size_t n)
{
	struct hs_certificate_url cu;
	if (hs_parse_certificate_url(b, n, &cu))
		return;
	if (cu.n == 0 || cu.n > HS_MAX_CERTS)
		abort();
	for (size_t i = 0; i < cu.n; i++) {
		if (cu.url_len[i] == 0)
			abort();
		check_span(cu.url[i], cu.url_len[i]);
		check_span(cu.sha1[i], CU_SHA1_LEN);
	}
}

static void f_empty(const uint8_t *b, size_t n)
{
	if (hs_parse_empty(b, n) == 0 && n != 0)
		abort();
}

/* Selector order is fixed: the seed corpus files start with these indices. */
static void (*const targets[])(const uint8_t *b, size_t n) = {
	f_header_tls,           /* 0 */
	f_header_dtls,          /* 1 */
	f_client_hello_tls,     /* 2 */
	f_client_hello_dtls,    /* 3 */
	f_server_hello,         /* 4 */
	f_hello_verify_request, /* 5 */
	f_certificate,          /* 6 */
	f_ske_ecdhe,            /* 7 */
	f_ske_psk,              /* 8 */
	f_cert_request,         /* 9 */
	f_cke_ecdhe,            /* 10 */
	f_cke_psk,              /* 11 */
	f_digitally_signed,     /* 12 */
	f_finished,             /* 13 */
	f_empty,                /* 14 */
	f_certificate_url,      /* 15 */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const uint8_t *b = data + 1;
	size_t n = size - 1;
	in_lo = b;
	in_hi = b + n;
	targets[data[0] % (sizeof(targets) / sizeof(targets[0]))](b, n);
	return 0;
}
