/*
 * tests/unit/test_msgs.c — handshake message and extension codecs (tls/msgs.c, tls/exts.c):
 * hand-written wire vectors, writer→parser round trips, every truncation and a trailing byte
 * for every message, and one negative vector per malformation a peer could send.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eap_iot/err.h"
#include "tls/exts.h"
#include "tls/msgs.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

static uint8_t rnd[32], point[65], cookie[20];
static const uint16_t suites2[] = { 0xC0AE, 0xC0A8 };

static void fill_inputs(void)
{
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (uint8_t)i;
	point[0] = 4;
	for (size_t i = 1; i < sizeof(point); i++)
		point[i] = (uint8_t)(0x40 + i);
	for (size_t i = 0; i < sizeof(cookie); i++)
		cookie[i] = (uint8_t)(0xC0 + i);
}

/* ---- hand-written wire vectors ---------------------------------------------------------- */

/* TLS ClientHello as hs_write_client_hello must produce it: suites {C0AE, C0A8}, SNI, ECC. */
static const uint8_t ch_tls_vector[] = {
	0x03, 0x03,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x00,                               /* session_id */
	0x00, 0x04, 0xc0, 0xae, 0xc0, 0xa8, /* cipher_suites */
	0x01, 0x00,                         /* compression_methods */
	0x00, 0x37,                         /* extensions */
	0x00, 0x00, 0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f, /* server_name aaa.example.com */
	'a', 'a', 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
	0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, /* supported_groups {secp256r1} */
	0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,             /* ec_point_formats {uncompressed} */
	0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03, /* signature_algorithms {0x0403} */
	0x00, 0x17, 0x00, 0x00,                         /* extended_master_secret */
	0xff, 0x01, 0x00, 0x01, 0x00,                   /* renegotiation_info, empty */
};

/* DTLS ServerHello: session_id aabbccdd, suite C0AE, reneg_info + EMS + ec_point_formats. */
static const uint8_t sh_dtls_vector[] = {
	0xfe, 0xfd,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x04, 0xaa, 0xbb, 0xcc, 0xdd,
	0xc0, 0xae,
	0x00,
	0x00, 0x0f,
	0xff, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x17, 0x00, 0x00,
	0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
};

static void test_client_hello_wire_vector(void **state)
{
	(void)state;
	struct hs_client_hello ch;
	assert_int_equal(hs_parse_client_hello(false, ch_tls_vector, sizeof(ch_tls_vector), &ch), 0);
	assert_int_equal(ch.version, 0x0303);
	assert_memory_equal(ch.random, rnd, 32);
	assert_int_equal(ch.session_id_len, 0);
	assert_null(ch.cookie);
	assert_int_equal(ch.n_suites, 2);
	assert_int_equal(ch.suites[0], 0xC0AE);
	assert_int_equal(ch.suites[1], 0xC0A8);
	assert_false(ch.has_reneg_scsv);
	assert_int_equal(ch.suites_raw_len, 4);
	assert_ptr_equal(ch.suites_raw, ch_tls_vector + 37);
	assert_int_equal(ch.comp_raw_len, 1);
	assert_true(ch.null_compression);
	assert_true(ch.ext.has_sni);
	assert_int_equal(ch.ext.sni_len, 15);
	assert_memory_equal(ch.ext.sni, "aaa.example.com", 15);
	assert_true(ch.ext.has_groups && ch.ext.group_p256);
	assert_true(ch.ext.has_point_formats && ch.ext.point_uncompressed);
	assert_true(ch.ext.has_sigalgs && ch.ext.sigalg_ecdsa_p256_sha256);
	assert_true(ch.ext.has_ems);
	assert_true(ch.ext.has_reneg_info);
	assert_int_equal(ch.ext.reneg_info_len, 0);
	assert_false(ch.ext.has_etm || ch.ext.has_truncated_hmac || ch.ext.has_mfl || ch.ext.has_rsl ||
		     ch.ext.has_session_ticket);
	assert_int_equal(ch.ext.n_unknown, 0);

	uint8_t buf[512];
	struct wr w = wr_init(buf, sizeof(buf));
	struct hs_client_hello_params p = { .random = rnd, .suites = suites2, .n_suites = 2,
					    .sni = "aaa.example.com", .ecc = true };
	hs_write_client_hello(&w, false, &p);
	assert_false(w.err);
	assert_int_equal(w.len, sizeof(ch_tls_vector));
	assert_memory_equal(buf, ch_tls_vector, sizeof(ch_tls_vector));
}

static void test_server_hello_wire_vector(void **state)
{
	(void)state;
	struct hs_server_hello sh;
	assert_int_equal(hs_parse_server_hello(sh_dtls_vector, sizeof(sh_dtls_vector), &sh), 0);
	assert_int_equal(sh.version, 0xFEFD);
	assert_memory_equal(sh.random, rnd, 32);
	assert_int_equal(sh.session_id_len, 4);
	assert_memory_equal(sh.session_id, "\xaa\xbb\xcc\xdd", 4);
	assert_int_equal(sh.suite, 0xC0AE);
	assert_int_equal(sh.compression, 0);
	assert_true(sh.ext.has_reneg_info);
	assert_true(sh.ext.has_ems);
	assert_true(sh.ext.has_point_formats && sh.ext.point_uncompressed);
	assert_false(sh.ext.has_sni || sh.ext.has_groups || sh.ext.has_sigalgs);

	uint8_t buf[256];
	struct wr w = wr_init(buf, sizeof(buf));
	struct hs_server_hello_params p = { .random = rnd, .session_id = (const uint8_t *)"\xaa\xbb\xcc\xdd",
					    .session_id_len = 4, .suite = 0xC0AE, .ems = true,
					    .reneg_info = true, .point_formats = true };
	hs_write_server_hello(&w, true, &p);
	assert_false(w.err);
	assert_int_equal(w.len, sizeof(sh_dtls_vector));
	assert_memory_equal(buf, sh_dtls_vector, sizeof(sh_dtls_vector));
}

/* ---- every message: one valid encoding from its writer, and its parser ------------------- */

/* Each encoder writes a valid body and says which shorter prefix is also valid (a hello
 * without its extensions block), or SIZE_MAX when none is. */
typedef size_t (*enc_fn)(struct wr *w);
typedef int (*parse_fn)(const uint8_t *b, size_t n);

static size_t enc_ch_tls(struct wr *w)
{
	struct hs_client_hello_params p = { .random = rnd, .suites = suites2, .n_suites = 2,
					    .sni = "coap.example", .ecc = true };
	hs_write_client_hello(w, false, &p);
	return 2 + 32 + 1 + 6 + 2;
}

static size_t enc_ch_dtls(struct wr *w)
{
	struct hs_client_hello_params p = { .random = rnd, .cookie = cookie, .cookie_len = sizeof(cookie),
					    .suites = suites2 + 1, .n_suites = 1 };
	hs_write_client_hello(w, true, &p);
	return 2 + 32 + 1 + 1 + sizeof(cookie) + 4 + 2;
}

static size_t enc_sh(struct wr *w)
{
	struct hs_server_hello_params p = { .random = rnd, .session_id = cookie, .session_id_len = 16,
					    .suite = 0xC0A8, .ems = true, .reneg_info = true };
	hs_write_server_hello(w, false, &p);
	return 2 + 32 + 1 + 16 + 2 + 1;
}

static size_t enc_sh_noext(struct wr *w)
{
	struct hs_server_hello_params p = { .random = rnd, .suite = 0xC0AE };
	hs_write_server_hello(w, true, &p);
	return SIZE_MAX;
}

static size_t enc_hvr(struct wr *w)
{
	hs_write_hello_verify_request(w, cookie, sizeof(cookie));
	return SIZE_MAX;
}

static const uint8_t cert_a[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
static const uint8_t cert_b[] = { 0x30, 0x00 };

static size_t enc_certificate(struct wr *w)
{
	const uint8_t *c[] = { cert_a, cert_b, cert_a };
	const size_t l[] = { sizeof(cert_a), sizeof(cert_b), sizeof(cert_a) };
	hs_write_certificate(w, c, l, 3);
	return SIZE_MAX;
}

static size_t enc_certificate_empty(struct wr *w)
{
	hs_write_certificate(w, NULL, NULL, 0);
	return SIZE_MAX;
}

static const uint8_t sig70[70] = { 0x30, 0x44 };

static size_t enc_ske_ecdhe(struct wr *w)
{
	hs_write_ske_ecdhe_params(w, point);
	hs_write_digitally_signed(w, sig70, sizeof(sig70));
	return SIZE_MAX;
}

static size_t enc_ske_psk(struct wr *w)
{
	hs_write_ske_psk(w, (const uint8_t *)"hint", 4);
	return SIZE_MAX;
}

static size_t enc_cert_request(struct wr *w)
{
	hs_write_cert_request(w);
	return SIZE_MAX;
}

static size_t enc_cke_ecdhe(struct wr *w)
{
	hs_write_cke_ecdhe(w, point);
	return SIZE_MAX;
}

static size_t enc_cke_psk(struct wr *w)
{
	hs_write_cke_psk(w, (const uint8_t *)"00-11-22-33", 11);
	return SIZE_MAX;
}

static size_t enc_signed(struct wr *w)
{
	hs_write_digitally_signed(w, sig70, sizeof(sig70));
	return SIZE_MAX;
}

static size_t enc_finished(struct wr *w)
{
	wr_bytes(w, rnd, 12);
	return SIZE_MAX;
}

static size_t enc_empty(struct wr *w)
{
	(void)w;
	return SIZE_MAX;
}

static int p_ch_tls(const uint8_t *b, size_t n)
{
	struct hs_client_hello ch;
	return hs_parse_client_hello(false, b, n, &ch);
}

static int p_ch_dtls(const uint8_t *b, size_t n)
{
	struct hs_client_hello ch;
	return hs_parse_client_hello(true, b, n, &ch);
}

static int p_sh(const uint8_t *b, size_t n)
{
	struct hs_server_hello sh;
	return hs_parse_server_hello(b, n, &sh);
}

static int p_hvr(const uint8_t *b, size_t n)
{
	uint16_t v;
	const uint8_t *c;
	size_t cl;
	return hs_parse_hello_verify_request(b, n, &v, &c, &cl);
}

static int p_certificate(const uint8_t *b, size_t n)
{
	struct hs_certificate c;
	return hs_parse_certificate(b, n, &c);
}

static int p_ske_ecdhe(const uint8_t *b, size_t n)
{
	struct hs_ske_ecdhe s;
	return hs_parse_ske_ecdhe(b, n, &s);
}

static int p_ske_psk(const uint8_t *b, size_t n)
{
	const uint8_t *h;
	size_t hl;
	return hs_parse_ske_psk(b, n, &h, &hl);
}

static int p_cert_request(const uint8_t *b, size_t n)
{
	struct hs_cert_request cr;
	return hs_parse_cert_request(b, n, &cr);
}

static int p_cke_ecdhe(const uint8_t *b, size_t n)
{
	const uint8_t *pt;
	size_t pl;
	return hs_parse_cke_ecdhe(b, n, &pt, &pl);
}

static int p_cke_psk(const uint8_t *b, size_t n)
{
	const uint8_t *id;
	size_t il;
	return hs_parse_cke_psk(b, n, &id, &il);
}

static int p_signed(const uint8_t *b, size_t n)
{
	uint16_t alg;
	const uint8_t *s;
	size_t sl;
	return hs_parse_digitally_signed(b, n, &alg, &s, &sl);
}

static int p_finished(const uint8_t *b, size_t n)
{
	const uint8_t *vd;
	return hs_parse_finished(b, n, &vd);
}

static const struct {
	const char *name;
	enc_fn enc;
	parse_fn parse;
} codecs[] = {
	{ "ClientHello/TLS", enc_ch_tls, p_ch_tls },
	{ "ClientHello/DTLS", enc_ch_dtls, p_ch_dtls },
	{ "ServerHello", enc_sh, p_sh },
	{ "ServerHello/no-ext", enc_sh_noext, p_sh },
	{ "HelloVerifyRequest", enc_hvr, p_hvr },
	{ "Certificate", enc_certificate, p_certificate },
	{ "Certificate/empty", enc_certificate_empty, p_certificate },
	{ "ServerKeyExchange/ECDHE", enc_ske_ecdhe, p_ske_ecdhe },
	{ "ServerKeyExchange/PSK", enc_ske_psk, p_ske_psk },
	{ "CertificateRequest", enc_cert_request, p_cert_request },
	{ "ClientKeyExchange/ECDHE", enc_cke_ecdhe, p_cke_ecdhe },
	{ "ClientKeyExchange/PSK", enc_cke_psk, p_cke_psk },
	{ "CertificateVerify", enc_signed, p_signed },
	{ "Finished", enc_finished, p_finished },
	{ "ServerHelloDone", enc_empty, hs_parse_empty },
};

#define N_CODECS (sizeof(codecs) / sizeof(codecs[0]))

static void test_every_writer_output_parses(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CODECS; i++) {
		uint8_t buf[512];
		struct wr w = wr_init(buf, sizeof(buf));
		codecs[i].enc(&w);
		assert_false(w.err);
		if (codecs[i].parse(buf, w.len) != 0)
			fail_msg("%s: writer output does not parse", codecs[i].name);
	}
}

static void test_every_truncation_rejected(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CODECS; i++) {
		uint8_t buf[512];
		struct wr w = wr_init(buf, sizeof(buf));
		size_t ok_prefix = codecs[i].enc(&w);
		for (size_t n = 0; n < w.len; n++) {
			int want = n == ok_prefix ? 0 : EIOT_ERR_DECODE;
			/* a heap copy of exactly n bytes, so ASan sees any read past the prefix */
			uint8_t *cut = malloc(n ? n : 1);
			assert_non_null(cut);
			memcpy(cut, buf, n);
			int rc = codecs[i].parse(cut, n);
			free(cut);
			if (rc != want)
				fail_msg("%s: prefix %zu of %zu: want %d", codecs[i].name, n, w.len, want);
		}
	}
}

static void test_trailing_byte_rejected(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CODECS; i++) {
		uint8_t buf[512];
		struct wr w = wr_init(buf, sizeof(buf));
		codecs[i].enc(&w);
		wr_u8(&w, 0);
		assert_false(w.err);
		if (codecs[i].parse(buf, w.len) != EIOT_ERR_DECODE)
			fail_msg("%s: trailing byte accepted", codecs[i].name);
	}
}

/* ---- round trips with field checks -------------------------------------------------------- */

static void test_client_hello_dtls_round_trip(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct wr w = wr_init(buf, sizeof(buf));
	enc_ch_dtls(&w);
	struct hs_client_hello ch;
	assert_int_equal(hs_parse_client_hello(true, buf, w.len, &ch), 0);
	assert_int_equal(ch.version, 0xFEFD);
	assert_int_equal(ch.cookie_len, sizeof(cookie));
	assert_memory_equal(ch.cookie, cookie, sizeof(cookie));
	assert_int_equal(ch.n_suites, 1);
	assert_int_equal(ch.suites[0], 0xC0A8);
	assert_false(ch.ext.has_sni || ch.ext.has_groups || ch.ext.has_point_formats ||
		     ch.ext.has_sigalgs);
	assert_true(ch.ext.has_ems && ch.ext.has_reneg_info);
	/* parsed as TLS, the cookie is read as cipher_suites and the rest no longer adds up */
	assert_int_equal(hs_parse_client_hello(false, buf, w.len, &ch), EIOT_ERR_DECODE);
}

static void test_first_dtls_client_hello_has_empty_cookie(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct wr w = wr_init(buf, sizeof(buf));
	struct hs_client_hello_params p = { .random = rnd, .suites = suites2, .n_suites = 2, .ecc = true };
	hs_write_client_hello(&w, true, &p);
	assert_false(w.err);
	assert_int_equal(buf[35], 0); /* session_id */
	assert_int_equal(buf[36], 0); /* cookie */
	struct hs_client_hello ch;
	assert_int_equal(hs_parse_client_hello(true, buf, w.len, &ch), 0);
	assert_int_equal(ch.cookie_len, 0);
	assert_false(ch.ext.has_sni);
}

static void test_server_hello_round_trip(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w = wr_init(buf, sizeof(buf));
	enc_sh(&w);
	struct hs_server_hello sh;
	assert_int_equal(hs_parse_server_hello(buf, w.len, &sh), 0);
	assert_int_equal(sh.version, 0x0303);
	assert_int_equal(sh.session_id_len, 16);
	assert_memory_equal(sh.session_id, cookie, 16);
	assert_int_equal(sh.suite, 0xC0A8);
	assert_true(sh.ext.has_ems && sh.ext.has_reneg_info);
	assert_false(sh.ext.has_point_formats);

	w = wr_init(buf, sizeof(buf));
	enc_sh_noext(&w);
	assert_int_equal(w.len, 2 + 32 + 1 + 2 + 1); /* no extensions block at all */
	assert_int_equal(hs_parse_server_hello(buf, w.len, &sh), 0);
	assert_false(sh.ext.has_ems || sh.ext.has_reneg_info);
}

static void test_hello_verify_request_round_trip(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct wr w = wr_init(buf, sizeof(buf));
	enc_hvr(&w);
	uint16_t v;
	const uint8_t *c;
	size_t cl;
	assert_int_equal(hs_parse_hello_verify_request(buf, w.len, &v, &c, &cl), 0);
	assert_int_equal(v, 0xFEFF); /* RFC 6347 §4.2.1 */
	assert_int_equal(cl, sizeof(cookie));
	assert_memory_equal(c, cookie, cl);
	assert_int_equal(hs_parse_hello_verify_request(BYTES(0xfe, 0xff, 0x00), &v, &c, &cl), 0);
	assert_int_equal(cl, 0);
}

static void test_certificate_round_trip(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct wr w = wr_init(buf, sizeof(buf));
	enc_certificate(&w);
	struct hs_certificate c;
	assert_int_equal(hs_parse_certificate(buf, w.len, &c), 0);
	assert_int_equal(c.n, 3);
	assert_false(c.truncated);
	assert_int_equal(c.len[1], sizeof(cert_b));
	assert_memory_equal(c.cert[0], cert_a, sizeof(cert_a));
	assert_memory_equal(c.cert[1], cert_b, sizeof(cert_b));
	assert_int_equal(hs_parse_certificate(BYTES(0, 0, 0), &c), 0);
	assert_int_equal(c.n, 0);
}

/* A chain longer than HS_MAX_CERTS is flagged, and still validated to its end. */
/* RFC 6066 §5: CertificateURL {type, url_and_hash_list<1..2^16-1> of {url, 0x01, SHA1[20]}}. */
static void test_certificate_url_round_trip_and_shapes(void **state)
{
	(void)state;
	uint8_t buf[128], sha1[20];
	memset(sha1, 0xab, sizeof(sha1));
	struct wr w = wr_init(buf, sizeof(buf));
	hs_write_certificate_url(&w, "file:///d", sha1);
	assert_false(w.err);
	assert_int_equal(w.len, 1 + 2 + 2 + 9 + 1 + 20);
	struct hs_certificate_url cu;
	assert_int_equal(hs_parse_certificate_url(buf, w.len, &cu), 0);
	assert_int_equal(cu.type, CU_INDIVIDUAL_CERTS);
	assert_int_equal(cu.n, 1);
	assert_int_equal(cu.url_len[0], 9);
	assert_memory_equal(cu.url[0], "file:///d", 9);
	assert_memory_equal(cu.sha1[0], sha1, 20);
	for (size_t cut = 0; cut < w.len; cut++)
		assert_int_equal(hs_parse_certificate_url(buf, cut, &cu), EIOT_ERR_DECODE);
	buf[w.len] = 0;
	assert_int_equal(hs_parse_certificate_url(buf, w.len + 1, &cu), EIOT_ERR_DECODE);
	buf[14] = 0; /* padding must be 0x01 */
	assert_int_equal(hs_parse_certificate_url(buf, w.len, &cu), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_certificate_url(BYTES(0, 0, 0), &cu), EIOT_ERR_DECODE);
	/* url<1..2^16-1>: an empty URL */
	uint8_t empty[1 + 2 + 2 + 1 + 20] = { 0, 0, 23, 0, 0, 1 };
	assert_int_equal(hs_parse_certificate_url(empty, sizeof(empty), &cu), EIOT_ERR_DECODE);
	w = wr_init(buf, sizeof(buf));
	hs_write_certificate_url(&w, "", sha1);
	assert_true(w.err);
}

static void test_overlong_chain_truncated_but_validated(void **state)
{
	(void)state;
	const uint8_t *certs[HS_MAX_CERTS + 1];
	size_t lens[HS_MAX_CERTS + 1];
	for (size_t i = 0; i <= HS_MAX_CERTS; i++) {
		certs[i] = cert_a;
		lens[i] = sizeof(cert_a);
	}
	uint8_t buf[256];
	struct wr w = wr_init(buf, sizeof(buf));
	hs_write_certificate(&w, certs, lens, HS_MAX_CERTS + 1);
	assert_false(w.err);
	struct hs_certificate c;
	assert_int_equal(hs_parse_certificate(buf, w.len, &c), 0);
	assert_int_equal(c.n, HS_MAX_CERTS);
	assert_true(c.truncated);
	/* the last (ignored) certificate claims one byte more than there is */
	buf[w.len - sizeof(cert_a) - 1]++;
	assert_int_equal(hs_parse_certificate(buf, w.len, &c), EIOT_ERR_DECODE);
}

static void test_ske_ecdhe_round_trip(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct wr w = wr_init(buf, sizeof(buf));
	wr_u8(&w, 0xEE); /* the params need not start the buffer */
	size_t start = hs_write_ske_ecdhe_params(&w, point);
	assert_int_equal(start, 1);
	size_t params_end = w.len;
	hs_write_digitally_signed(&w, sig70, sizeof(sig70));
	assert_false(w.err);
	struct hs_ske_ecdhe s;
	assert_int_equal(hs_parse_ske_ecdhe(buf + 1, w.len - 1, &s), 0);
	assert_int_equal(s.curve_type, CURVE_TYPE_NAMED_CURVE);
	assert_int_equal(s.group, GROUP_SECP256R1);
	assert_int_equal(s.point_len, 65);
	assert_memory_equal(s.point, point, 65);
	assert_ptr_equal(s.params, buf + 1);
	assert_int_equal(s.params_len, params_end - start);
	assert_int_equal(s.sigalg, SIGALG_ECDSA_SECP256R1_SHA256);
	assert_int_equal(s.sig_len, sizeof(sig70));
	assert_memory_equal(s.sig, sig70, sizeof(sig70));
}

static void test_psk_messages_round_trip(void **state)
{
	(void)state;
	uint8_t buf[64];
	const uint8_t *v;
	size_t vl;
	struct wr w = wr_init(buf, sizeof(buf));
	enc_ske_psk(&w);
	assert_int_equal(hs_parse_ske_psk(buf, w.len, &v, &vl), 0);
	assert_int_equal(vl, 4);
	assert_memory_equal(v, "hint", 4);
	w = wr_init(buf, sizeof(buf));
	enc_cke_psk(&w);
	assert_int_equal(hs_parse_cke_psk(buf, w.len, &v, &vl), 0);
	assert_int_equal(vl, 11);
	assert_memory_equal(v, "00-11-22-33", 11);
	/* an empty hint is the common case */
	assert_int_equal(hs_parse_ske_psk(BYTES(0, 0), &v, &vl), 0);
	assert_int_equal(vl, 0);
}

static void test_cert_request_round_trip(void **state)
{
	(void)state;
	uint8_t buf[32];
	struct wr w = wr_init(buf, sizeof(buf));
	hs_write_cert_request(&w);
	struct hs_cert_request cr;
	assert_int_equal(hs_parse_cert_request(buf, w.len, &cr), 0);
	assert_true(cr.type_ecdsa_sign);
	assert_true(cr.sigalg_ecdsa_p256_sha256);
	assert_int_equal(cr.n_ca_names, 0);
	/* rsa_sign only, {0x0401}, two DNs */
	assert_int_equal(hs_parse_cert_request(BYTES(1, 1, 0, 2, 4, 1, 0, 7, 0, 1, 0x30, 0, 2, 0x30, 0),
					       &cr), 0);
	assert_false(cr.type_ecdsa_sign || cr.sigalg_ecdsa_p256_sha256);
	assert_int_equal(cr.n_ca_names, 2);
}

static void test_cke_ecdhe_and_signed_round_trip(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct wr w = wr_init(buf, sizeof(buf));
	hs_write_cke_ecdhe(&w, point);
	const uint8_t *pt;
	size_t pl;
	assert_int_equal(hs_parse_cke_ecdhe(buf, w.len, &pt, &pl), 0);
	assert_int_equal(pl, 65);
	assert_memory_equal(pt, point, 65);

	w = wr_init(buf, sizeof(buf));
	hs_write_digitally_signed(&w, sig70, sizeof(sig70));
	uint16_t alg;
	const uint8_t *s;
	size_t sl;
	assert_int_equal(hs_parse_digitally_signed(buf, w.len, &alg, &s, &sl), 0);
	assert_int_equal(alg, 0x0403);
	assert_int_equal(sl, sizeof(sig70));
	assert_memory_equal(s, sig70, sl);
}

static void test_finished_and_empty(void **state)
{
	(void)state;
	uint8_t body[13] = { 0 };
	const uint8_t *vd = NULL;
	assert_int_equal(hs_parse_finished(body, 12, &vd), 0);
	assert_ptr_equal(vd, body);
	assert_int_equal(hs_parse_finished(body, 11, &vd), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_finished(body, 13, &vd), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_finished(body, 0, &vd), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_empty(body, 0), 0);
	assert_int_equal(hs_parse_empty(body, 1), EIOT_ERR_DECODE);
}

/* ---- handshake headers -------------------------------------------------------------------- */

static void test_header_round_trip(void **state)
{
	(void)state;
	uint8_t buf[16];
	struct hs_header h = { HT_CERTIFICATE, 0x012345, 7, 0x100, 0x200 }, g;
	size_t hl;

	struct wr w = wr_init(buf, sizeof(buf));
	hs_write_header(&w, false, &h);
	assert_int_equal(w.len, HS_TLS_HEADER);
	assert_memory_equal(buf, "\x0b\x01\x23\x45", 4);
	assert_int_equal(hs_parse_header(false, buf, w.len, &g, &hl), 0);
	assert_int_equal(hl, HS_TLS_HEADER);
	assert_int_equal(g.type, HT_CERTIFICATE);
	assert_int_equal(g.length, 0x012345);
	assert_int_equal(g.msg_seq, 0);
	assert_int_equal(g.frag_off, 0);
	assert_int_equal(g.frag_len, 0x012345);

	w = wr_init(buf, sizeof(buf));
	hs_write_header(&w, true, &h);
	assert_int_equal(w.len, HS_DTLS_HEADER);
	assert_memory_equal(buf, "\x0b\x01\x23\x45\x00\x07\x00\x01\x00\x00\x02\x00", 12);
	assert_int_equal(hs_parse_header(true, buf, w.len, &g, &hl), 0);
	assert_int_equal(hl, HS_DTLS_HEADER);
	assert_int_equal(g.msg_seq, 7);
	assert_int_equal(g.frag_off, 0x100);
	assert_int_equal(g.frag_len, 0x200);
}

static void test_short_header_wants_more(void **state)
{
	(void)state;
	uint8_t buf[12] = { HT_FINISHED, 0, 0, 12 };
	struct hs_header h;
	size_t hl;
	for (size_t n = 0; n < HS_TLS_HEADER; n++)
		assert_int_equal(hs_parse_header(false, buf, n, &h, &hl), EIOT_ERR_WANT_MORE);
	for (size_t n = 0; n < HS_DTLS_HEADER; n++)
		assert_int_equal(hs_parse_header(true, buf, n, &h, &hl), EIOT_ERR_WANT_MORE);
}

/* A DTLS fragment that reaches past its message's length would write outside the
 * reassembly buffer. */
static void test_dtls_fragment_past_message_rejected(void **state)
{
	(void)state;
	struct hs_header h;
	size_t hl;
	/* length 16: off 8 + len 8 fits exactly, off 9 + len 8 does not */
	assert_int_equal(hs_parse_header(true, BYTES(20, 0, 0, 16, 0, 1, 0, 0, 8, 0, 0, 8), &h, &hl), 0);
	assert_int_equal(hs_parse_header(true, BYTES(20, 0, 0, 16, 0, 1, 0, 0, 9, 0, 0, 8), &h, &hl),
			 EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_header(true, BYTES(20, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff,
						     0xff), &h, &hl),
			 EIOT_ERR_DECODE);
}

/* ---- malformed messages ------------------------------------------------------------------- */

/* Copies a valid TLS ClientHello (no extensions) into buf and returns its length. */
static size_t ch_base(uint8_t *buf)
{
	memcpy(buf, ch_tls_vector, 2 + 32 + 1 + 6 + 2);
	return 2 + 32 + 1 + 6 + 2;
}

static void test_session_id_of_33_bytes_rejected(void **state)
{
	(void)state;
	uint8_t buf[256] = { 0x03, 0x03 };
	size_t n = 34;
	buf[n++] = 33;
	n += 33;
	memcpy(buf + n, "\x00\x02\xc0\xae\x01\x00", 6);
	n += 6;
	struct hs_client_hello ch;
	assert_int_equal(hs_parse_client_hello(false, buf, n, &ch), EIOT_ERR_DECODE);
	buf[34] = 32; /* the same with 32 and one byte less is fine */
	memmove(buf + 35 + 32, buf + 35 + 33, 6);
	assert_int_equal(hs_parse_client_hello(false, buf, n - 1, &ch), 0);

	struct hs_server_hello sh;
	uint8_t sb[80] = { 0x03, 0x03 };
	sb[34] = 33;
	assert_int_equal(hs_parse_server_hello(sb, 34 + 1 + 33 + 3, &sh), EIOT_ERR_DECODE);

	struct wr w = wr_init(sb, sizeof(sb));
	struct hs_server_hello_params p = { .random = rnd, .session_id = sb, .session_id_len = 33 };
	hs_write_server_hello(&w, false, &p);
	assert_true(w.err);
}

static void test_odd_suites_length_rejected(void **state)
{
	(void)state;
	uint8_t buf[128];
	size_t n = ch_base(buf);
	struct hs_client_hello ch;
	buf[36] = 3; /* 3 bytes of suites, taking one compression-length byte */
	assert_int_equal(hs_parse_client_hello(false, buf, n, &ch), EIOT_ERR_DECODE);
	buf[36] = 0; /* no suites at all */
	assert_int_equal(hs_parse_client_hello(false, buf, n, &ch), EIOT_ERR_DECODE);
}

static void test_empty_compression_list_rejected(void **state)
{
	(void)state;
	uint8_t buf[128];
	size_t n = ch_base(buf);
	struct hs_client_hello ch;
	buf[n - 2] = 0;
	assert_int_equal(hs_parse_client_hello(false, buf, n - 1, &ch), EIOT_ERR_DECODE);
	/* a list without null compression parses; the state machine refuses it */
	buf[n - 2] = 1;
	buf[n - 1] = 1;
	assert_int_equal(hs_parse_client_hello(false, buf, n, &ch), 0);
	assert_false(ch.null_compression);
}

static void test_length_fields_past_end_rejected(void **state)
{
	(void)state;
	static const struct {
		size_t off; /* byte of ch_tls_vector to overwrite */
		uint8_t val;
	} cases[] = {
		{ 34, 0x20 },  /* session_id runs over the suites */
		{ 34, 0xff },  /* session_id past the end */
		{ 35, 0xff },  /* cipher_suites past the end */
		{ 41, 0xff },  /* compression_methods past the end */
		{ 44, 0x38 },  /* extensions block one byte longer than the body */
		{ 44, 0x36 },  /* extensions block one byte shorter than the body */
		{ 47, 0x01 },  /* server_name extension past the block */
		{ 48, 0x15 },  /* server_name extension longer than its list */
		{ 50, 0x13 },  /* server_name list longer than its extension */
		{ 53, 0x10 },  /* host_name longer than its list */
		{ 74, 0x05 },  /* supported_groups list longer than its extension */
		{ 81, 0x02 },  /* ec_point_formats list longer than its extension */
		{ 88, 0x04 },  /* signature_algorithms list longer than its extension */
		{ 93, 0x01 },  /* extended_master_secret claims a byte past the block */
		{ 99, 0x01 },  /* renegotiated_connection longer than its extension */
	};
	struct hs_client_hello ch;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[sizeof(ch_tls_vector)];
		memcpy(buf, ch_tls_vector, sizeof(buf));
		buf[cases[i].off] = cases[i].val;
		if (hs_parse_client_hello(false, buf, sizeof(buf), &ch) != EIOT_ERR_DECODE)
			fail_msg("case %zu (offset %zu) accepted", i, cases[i].off);
	}

	struct hs_certificate c;
	assert_int_equal(hs_parse_certificate(BYTES(0, 0, 6, 0, 0, 2, 0x30, 0), &c), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_certificate(BYTES(0, 0, 5, 0, 0, 3, 0x30, 0), &c), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_certificate(BYTES(0, 0, 3, 0, 0, 0), &c), EIOT_ERR_DECODE);
	struct hs_ske_ecdhe s;
	assert_int_equal(hs_parse_ske_ecdhe(BYTES(3, 0, 23, 2, 4, 0, 3), &s), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_ske_ecdhe(BYTES(3, 0, 23, 1, 4, 4, 3, 0, 1), &s), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_ske_ecdhe(BYTES(3, 0, 23, 1, 4, 4, 3, 0, 0), &s), 0);
	uint16_t alg;
	const uint8_t *p;
	size_t pl;
	assert_int_equal(hs_parse_digitally_signed(BYTES(4, 3, 0, 2, 0), &alg, &p, &pl), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_cke_ecdhe(BYTES(2, 4), &p, &pl), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_cke_psk(BYTES(0, 2, 'a'), &p, &pl), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_hello_verify_request(BYTES(0xfe, 0xff, 1), &alg, &p, &pl), EIOT_ERR_DECODE);
}

static void test_bad_ske_and_cke_shapes_rejected(void **state)
{
	(void)state;
	struct hs_ske_ecdhe s;
	const uint8_t *p;
	size_t pl;
	/* explicit curves (curve_type 1, 2) have no layout in RFC 8422 */
	assert_int_equal(hs_parse_ske_ecdhe(BYTES(1, 0, 23, 1, 4, 4, 3, 0, 0), &s), EIOT_ERR_DECODE);
	/* empty point */
	assert_int_equal(hs_parse_ske_ecdhe(BYTES(3, 0, 23, 0, 4, 3, 0, 0), &s), EIOT_ERR_DECODE);
	assert_int_equal(hs_parse_cke_ecdhe(BYTES(0), &p, &pl), EIOT_ERR_DECODE);
}

static void test_bad_cert_request_rejected(void **state)
{
	(void)state;
	struct hs_cert_request cr;
	/* no certificate types */
	assert_int_equal(hs_parse_cert_request(BYTES(0, 0, 2, 4, 3, 0, 0), &cr), EIOT_ERR_DECODE);
	/* no signature algorithms */
	assert_int_equal(hs_parse_cert_request(BYTES(1, 64, 0, 0, 0, 0), &cr), EIOT_ERR_DECODE);
	/* odd signature algorithms */
	assert_int_equal(hs_parse_cert_request(BYTES(1, 64, 0, 3, 4, 3, 1, 0, 0), &cr), EIOT_ERR_DECODE);
	/* an empty DistinguishedName */
	assert_int_equal(hs_parse_cert_request(BYTES(1, 64, 0, 2, 4, 3, 0, 2, 0, 0), &cr), EIOT_ERR_DECODE);
	/* a DN past its list */
	assert_int_equal(hs_parse_cert_request(BYTES(1, 64, 0, 2, 4, 3, 0, 3, 0, 2, 0x30), &cr),
			 EIOT_ERR_DECODE);
}

/* ---- extensions --------------------------------------------------------------------------- */

/* Builds a TLS ClientHello (server=false) or ServerHello whose extensions block holds
 * exts[0..len) and parses it. */
/* The parsed extensions point into the hello, so it outlives the call (static). */
static int parse_with_exts(bool server, const uint8_t *exts, size_t len, struct hs_exts *out)
{
	static uint8_t buf[1024];
	struct wr w = wr_init(buf, sizeof(buf));
	if (server) {
		struct hs_server_hello_params p = { .random = rnd, .suite = 0xC0AE };
		hs_write_server_hello(&w, false, &p);
	} else {
		uint8_t base[64];
		wr_bytes(&w, base, ch_base(base));
	}
	size_t m = wr_open_vec(&w, 2);
	wr_bytes(&w, exts, len);
	wr_close_vec(&w, m, 2);
	assert_false(w.err);
	if (server) {
		struct hs_server_hello sh;
		int rc = hs_parse_server_hello(buf, w.len, &sh);
		*out = sh.ext;
		return rc;
	}
	struct hs_client_hello ch;
	int rc = hs_parse_client_hello(false, buf, w.len, &ch);
	*out = ch.ext;
	return rc;
}

static const struct ext_vector {
	const char *name;
	bool server;
	const uint8_t *ext;
	size_t len;
	int rc;
} ext_vectors[] = {
	{ "sni: two host_names", false,
	  BYTES(0, 0, 0, 10, 0, 8, 0, 0, 1, 'a', 0, 0, 1, 'b'), EIOT_ERR_DECODE },
	{ "sni: empty host_name", false, BYTES(0, 0, 0, 5, 0, 3, 0, 0, 0), EIOT_ERR_DECODE },
	{ "sni: empty list", false, BYTES(0, 0, 0, 2, 0, 0), EIOT_ERR_DECODE },
	{ "sni: empty body from a client", false, BYTES(0, 0, 0, 0), EIOT_ERR_DECODE },
	{ "sni: unknown name type skipped", false,
	  BYTES(0, 0, 0, 10, 0, 8, 7, 0, 1, 'x', 0, 0, 1, 'b'), 0 },
	{ "sni: list shorter than body", false, BYTES(0, 0, 0, 7, 0, 4, 0, 0, 1, 'a', 0), EIOT_ERR_DECODE },
	{ "sni: non-empty from a server", true, BYTES(0, 0, 0, 1, 0), EIOT_ERR_DECODE },
	{ "sni: empty from a server", true, BYTES(0, 0, 0, 0), 0 },
	{ "groups: empty list", false, BYTES(0, 10, 0, 2, 0, 0), EIOT_ERR_DECODE },
	{ "groups: odd list", false, BYTES(0, 10, 0, 5, 0, 3, 0, 23, 0), EIOT_ERR_DECODE },
	{ "groups: list shorter than body", false, BYTES(0, 10, 0, 6, 0, 2, 0, 23, 0, 24), EIOT_ERR_DECODE },
	{ "point formats: empty list", false, BYTES(0, 11, 0, 1, 0), EIOT_ERR_DECODE },
	{ "point formats: trailing byte", false, BYTES(0, 11, 0, 3, 1, 0, 0), EIOT_ERR_DECODE },
	{ "sigalgs: empty list", false, BYTES(0, 13, 0, 2, 0, 0), EIOT_ERR_DECODE },
	{ "sigalgs: odd list", false, BYTES(0, 13, 0, 3, 0, 1, 4), EIOT_ERR_DECODE },
	{ "ems: one byte", false, BYTES(0, 23, 0, 1, 0), EIOT_ERR_DECODE },
	{ "ems: one byte from a server", true, BYTES(0, 23, 0, 1, 0), EIOT_ERR_DECODE },
	{ "reneg: empty body", false, BYTES(0xff, 1, 0, 0), EIOT_ERR_DECODE },
	{ "reneg: inner length short", false, BYTES(0xff, 1, 0, 3, 1, 0, 0), EIOT_ERR_DECODE },
	{ "reneg: inner length long", false, BYTES(0xff, 1, 0, 2, 2, 0), EIOT_ERR_DECODE },
	{ "etm: one byte", false, BYTES(0, 22, 0, 1, 0), EIOT_ERR_DECODE },
	{ "truncated_hmac: one byte", false, BYTES(0, 4, 0, 1, 0), EIOT_ERR_DECODE },
	{ "mfl: empty", false, BYTES(0, 1, 0, 0), EIOT_ERR_DECODE },
	{ "mfl: two bytes", false, BYTES(0, 1, 0, 2, 1, 2), EIOT_ERR_DECODE },
	{ "rsl: one byte", false, BYTES(0, 28, 0, 1, 1), EIOT_ERR_DECODE },
	{ "rsl: three bytes", false, BYTES(0, 28, 0, 3, 1, 0, 0), EIOT_ERR_DECODE },
	{ "ticket: any bytes from a client", false, BYTES(0, 35, 0, 3, 1, 2, 3), 0 },
	{ "ticket: non-empty from a server", true, BYTES(0, 35, 0, 1, 0), EIOT_ERR_DECODE },
	{ "ticket: empty from a server", true, BYTES(0, 35, 0, 0), 0 },
	/* RFC 7924 §3: CachedObject cached_info<1..2^16-1> */
	{ "cached_info: client cert hash", false, BYTES(0, 25, 0, 5, 0, 3, 1, 1, 0xaa), 0 },
	{ "cached_info: client two objects", false, BYTES(0, 25, 0, 8, 0, 6, 1, 1, 0xaa, 2, 1, 0xbb), 0 },
	{ "cached_info: client empty list", false, BYTES(0, 25, 0, 2, 0, 0), EIOT_ERR_DECODE },
	{ "cached_info: client empty hash", false, BYTES(0, 25, 0, 4, 0, 2, 1, 0), EIOT_ERR_DECODE },
	{ "cached_info: client hash past list", false, BYTES(0, 25, 0, 5, 0, 3, 1, 2, 0xaa),
	  EIOT_ERR_DECODE },
	{ "cached_info: client type only", false, BYTES(0, 25, 0, 3, 0, 1, 1), EIOT_ERR_DECODE },
	{ "cached_info: server type cert", true, BYTES(0, 25, 0, 3, 0, 1, 1), 0 },
	{ "cached_info: server empty", true, BYTES(0, 25, 0, 0), EIOT_ERR_DECODE },
	{ "cached_info: server list cut", true, BYTES(0, 25, 0, 3, 0, 2, 1), EIOT_ERR_DECODE },
	{ "client_certificate_url: empty", false, BYTES(0, 2, 0, 0), 0 },
	{ "client_certificate_url: empty from a server", true, BYTES(0, 2, 0, 0), 0 },
	{ "client_certificate_url: a body", false, BYTES(0, 2, 0, 1, 0), EIOT_ERR_DECODE },
	{ "duplicate ems", false, BYTES(0, 23, 0, 0, 0, 23, 0, 0), EIOT_ERR_DECODE },
	{ "duplicate reneg", true, BYTES(0xff, 1, 0, 1, 0, 0xff, 1, 0, 1, 0), EIOT_ERR_DECODE },
	{ "duplicate unknown type", false, BYTES(0x12, 0x34, 0, 0, 0, 23, 0, 0, 0x12, 0x34, 0, 1, 9),
	  EIOT_ERR_DECODE },
	{ "extension header cut", false, BYTES(0, 23, 0), EIOT_ERR_DECODE },
	{ "extension body past block", false, BYTES(0, 23, 0, 1), EIOT_ERR_DECODE },
	{ "empty block", false, NULL, 0, 0 },
};

static void test_extension_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ext_vectors) / sizeof(ext_vectors[0]); i++) {
		const struct ext_vector *v = &ext_vectors[i];
		struct hs_exts e;
		int rc = parse_with_exts(v->server, v->ext, v->len, &e);
		if (rc != v->rc)
			fail_msg("%s: got %d, want %d", v->name, rc, v->rc);
	}
}

static void test_every_extension_parsed(void **state)
{
	(void)state;
	const uint8_t exts[] = {
		0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00, 0x00, 0x01, 'h',   /* server_name */
		0x00, 0x01, 0x00, 0x01, 0x02,                                 /* max_fragment_length */
		0x00, 0x04, 0x00, 0x00,                                       /* truncated_hmac */
		0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17,   /* groups {x25519, p256} */
		0x00, 0x0b, 0x00, 0x03, 0x02, 0x01, 0x00,                     /* point formats */
		0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x08, 0x04, 0x04, 0x03,   /* sigalgs */
		0x00, 0x16, 0x00, 0x00,                                       /* encrypt_then_mac */
		0x00, 0x17, 0x00, 0x00,                                       /* extended_master_secret */
		0x00, 0x1c, 0x00, 0x02, 0x01, 0x00,                           /* record_size_limit 256 */
		0x00, 0x23, 0x00, 0x00,                                       /* session_ticket */
		0xff, 0x01, 0x00, 0x03, 0x02, 0xab, 0xcd,                     /* renegotiation_info */
		0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,         /* status_request */
		0x00, 0x19, 0x00, 0x05, 0x00, 0x03, 0x01, 0x01, 0xaa,         /* cached_info {cert, 1 byte} */
	};
	struct hs_exts e;
	assert_int_equal(parse_with_exts(false, exts, sizeof(exts), &e), 0);
	assert_true(e.has_sni);
	assert_int_equal(e.sni_len, 1);
	assert_int_equal(e.sni[0], 'h');
	assert_true(e.has_mfl);
	assert_int_equal(e.mfl_code, 2);
	assert_true(e.has_truncated_hmac);
	assert_true(e.has_groups && e.group_p256);
	assert_true(e.has_point_formats && e.point_uncompressed);
	assert_true(e.has_sigalgs && e.sigalg_ecdsa_p256_sha256);
	assert_true(e.has_etm);
	assert_true(e.has_ems);
	assert_true(e.has_rsl);
	assert_int_equal(e.rsl, 256);
	assert_true(e.has_session_ticket);
	assert_true(e.has_reneg_info);
	assert_int_equal(e.reneg_info_len, 2);
	assert_true(e.has_cached_info);
	assert_int_equal(e.ci_list_len, 3);
	assert_int_equal(e.n_unknown, 1);
}

static void test_extension_values_not_offered(void **state)
{
	(void)state;
	/* groups {x25519}, point formats {compressed}, sigalgs {rsa_pss}: parsed, flags false */
	struct hs_exts e;
	assert_int_equal(parse_with_exts(false, BYTES(0, 10, 0, 4, 0, 2, 0, 0x1d, 0, 11, 0, 2, 1, 1, 0, 13,
						      0, 4, 0, 2, 8, 4),
					 &e),
			 0);
	assert_true(e.has_groups && e.has_point_formats && e.has_sigalgs);
	assert_false(e.group_p256 || e.point_uncompressed || e.sigalg_ecdsa_p256_sha256);
}

/* A hello with thousands of distinct extensions costs no more than HS_MAX_EXTS checks. */
static void test_extension_flood_rejected(void **state)
{
	(void)state;
	uint8_t exts[4 * (HS_MAX_EXTS + 1)];
	for (size_t i = 0; i <= HS_MAX_EXTS; i++) {
		exts[4 * i] = 0x40;
		exts[4 * i + 1] = (uint8_t)i;
		exts[4 * i + 2] = 0;
		exts[4 * i + 3] = 0;
	}
	struct hs_exts e;
	assert_int_equal(parse_with_exts(false, exts, 4 * HS_MAX_EXTS, &e), 0);
	assert_int_equal(e.n_unknown, HS_MAX_EXTS);
	assert_int_equal(parse_with_exts(false, exts, sizeof(exts), &e), EIOT_ERR_DECODE);
}

static void test_reneg_scsv_and_suite_cap(void **state)
{
	(void)state;
	uint16_t many[HS_MAX_SUITES + 2];
	for (size_t i = 0; i < HS_MAX_SUITES + 2; i++)
		many[i] = (uint16_t)(0x1000 + i);
	many[HS_MAX_SUITES + 1] = SUITE_EMPTY_RENEGOTIATION_INFO_SCSV; /* past the cap */
	uint8_t buf[512];
	struct wr w = wr_init(buf, sizeof(buf));
	struct hs_client_hello_params p = { .random = rnd, .suites = many, .n_suites = HS_MAX_SUITES + 2 };
	hs_write_client_hello(&w, false, &p);
	assert_false(w.err);
	struct hs_client_hello ch;
	assert_int_equal(hs_parse_client_hello(false, buf, w.len, &ch), 0);
	assert_int_equal(ch.n_suites, HS_MAX_SUITES);
	assert_int_equal(ch.suites[HS_MAX_SUITES - 1], 0x1000 + HS_MAX_SUITES - 1);
	assert_true(ch.has_reneg_scsv);
	assert_int_equal(ch.suites_raw_len, 2 * (HS_MAX_SUITES + 2));
}

/* ---- writers fail closed ------------------------------------------------------------------ */

static void test_writers_fail_closed(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct wr w;

	w = wr_init(buf, 60); /* too small for the ClientHello */
	struct hs_client_hello_params p = { .random = rnd, .suites = suites2, .n_suites = 2, .ecc = true };
	hs_write_client_hello(&w, false, &p);
	assert_true(w.err);

	w = wr_init(buf, sizeof(buf));
	p.sni = "";
	hs_write_client_hello(&w, false, &p);
	assert_true(w.err);

	w = wr_init(buf, sizeof(buf));
	p.sni = NULL;
	p.n_suites = 0;
	hs_write_client_hello(&w, false, &p);
	assert_true(w.err);

	uint8_t big[300] = { 0 };
	w = wr_init(buf, sizeof(buf));
	hs_write_hello_verify_request(&w, big, 256);
	assert_true(w.err);

	w = wr_init(buf, sizeof(buf));
	const uint8_t *c[] = { cert_a };
	const size_t l[] = { 0 };
	hs_write_certificate(&w, c, l, 1);
	assert_true(w.err);

	w = wr_init(buf, sizeof(buf));
	struct hs_header h = { HT_CERTIFICATE, 1u << 24, 0, 0, 0 };
	hs_write_header(&w, false, &h);
	assert_true(w.err);
}

static int setup(void **state)
{
	(void)state;
	fill_inputs();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_hello_wire_vector),
		cmocka_unit_test(test_server_hello_wire_vector),
		cmocka_unit_test(test_every_writer_output_parses),
		cmocka_unit_test(test_every_truncation_rejected),
		cmocka_unit_test(test_trailing_byte_rejected),
		cmocka_unit_test(test_client_hello_dtls_round_trip),
		cmocka_unit_test(test_first_dtls_client_hello_has_empty_cookie),
		cmocka_unit_test(test_server_hello_round_trip),
		cmocka_unit_test(test_hello_verify_request_round_trip),
		cmocka_unit_test(test_certificate_round_trip),
		cmocka_unit_test(test_overlong_chain_truncated_but_validated),
		cmocka_unit_test(test_ske_ecdhe_round_trip),
		cmocka_unit_test(test_psk_messages_round_trip),
		cmocka_unit_test(test_cert_request_round_trip),
		cmocka_unit_test(test_cke_ecdhe_and_signed_round_trip),
		cmocka_unit_test(test_finished_and_empty),
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_short_header_wants_more),
		cmocka_unit_test(test_dtls_fragment_past_message_rejected),
		cmocka_unit_test(test_session_id_of_33_bytes_rejected),
		cmocka_unit_test(test_odd_suites_length_rejected),
		cmocka_unit_test(test_empty_compression_list_rejected),
		cmocka_unit_test(test_length_fields_past_end_rejected),
		cmocka_unit_test(test_bad_ske_and_cke_shapes_rejected),
		cmocka_unit_test(test_bad_cert_request_rejected),
		cmocka_unit_test(test_extension_vectors),
		cmocka_unit_test(test_every_extension_parsed),
		cmocka_unit_test(test_extension_values_not_offered),
		cmocka_unit_test(test_extension_flood_rejected),
		cmocka_unit_test(test_reneg_scsv_and_suite_cap),
		cmocka_unit_test(test_writers_fail_closed),
		cmocka_unit_test(test_certificate_url_round_trip_and_shapes),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
