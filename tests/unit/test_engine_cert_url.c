/*
 * tests/unit/test_engine_cert_url.c — client certificate URLs (RFC 6066 §5) end to end in
 * memory, over the directory resolver: the hit (the client sends CertificateURL, never its
 * Certificate, and fewer bytes; the server knows the device's EUI-64) in TLS and DTLS; a URL
 * naming another certificate (bad_certificate_hash_value), a URL naming nothing and one that
 * tries to leave the directory (certificate_unobtainable); a server without a resolver does
 * not agree and gets the Certificate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "eap_iot/stores.h"
#include "pump.h"
#include "tmpdir.h"
#include "tls/msgs.h"

struct fixture {
	char dir[64];
	struct eiot_dir_resolver *r;
};

static void copy_pki(const struct fixture *f, const char *from, const char *to)
{
	char path[128], buf[8192];
	FILE *in = fopen(pump_pki(from), "rb");
	assert_non_null(in);
	size_t n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	snprintf(path, sizeof(path), "%s/%s", f->dir, to);
	FILE *out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(out);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/eiot_cu_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	copy_pki(f, "device.pem", "device.pem");
	copy_pki(f, "device-expired.pem", "other.pem");
	f->r = eiot_dir_resolver_new(f->dir);
	assert_non_null(f->r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	eiot_dir_resolver_free(f->r);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

struct watch {
	bool dtls;
	bool cert_url, certificate; /* seen from the client */
	size_t c2s_bytes;
};

static enum pump_action watch_hook(void *user, struct pump_unit *u)
{
	struct watch *w = user;
	size_t hdr, body;
	if (u->dir != PUMP_C2S)
		return PUMP_PASS;
	w->c2s_bytes += u->len;
	w->cert_url |= pump_find_hs(u, w->dtls, HT_CERTIFICATE_URL, &hdr, &body);
	w->certificate |= pump_find_hs(u, w->dtls, HT_CERTIFICATE, &hdr, &body);
	return PUMP_PASS;
}

static struct eiot_config *client(enum eiot_transport tr, const char *url)
{
	struct eiot_config *cc = pump_cfg_cert_client(tr, true);
	assert_non_null(cc);
	pump_cfg_suite(cc, EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8);
	if (url)
		assert_int_equal(eiot_config_set_own_cert_url(cc, url), EIOT_OK);
	return cc;
}

static struct eiot_config *server(enum eiot_transport tr, struct fixture *f)
{
	struct eiot_config *sc = pump_cfg_cert_server(tr, "server", true);
	assert_non_null(sc);
	pump_cfg_suite(sc, EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8);
	assert_int_equal(eiot_config_set_verify_client(sc, EIOT_VERIFY_REQUIRED), EIOT_OK);
	if (f)
		assert_int_equal(eiot_config_set_cert_url_resolver(sc, &eiot_dir_resolver_ops, f->r),
				 EIOT_OK);
	return sc;
}

static struct pump *run(struct eiot_config *cc, struct eiot_config *sc, struct watch *w)
{
	struct pump *p = pump_new(cc, sc, 5);
	assert_non_null(p);
	memset(w, 0, sizeof(*w));
	w->dtls = p->dtls;
	p->hook = watch_hook;
	p->hook_user = w;
	assert_int_equal(pump_run(p), 0);
	return p;
}

static void check_hit(enum eiot_transport tr, struct fixture *f)
{
	struct eiot_config *cc = client(tr, "file:///device.pem"), *plain = client(tr, NULL),
			   *sc = server(tr, f);
	struct watch w, base;
	assert_int_equal(eiot_config_set_keep_peer_cert(sc, true), EIOT_OK);
	struct pump *p = run(cc, sc, &w);
	assert_true(pump_established(p));
	assert_true(w.cert_url);
	assert_false(w.certificate);
	/* the server keeps the resolved leaf and the URL it came from */
	struct eiot_peer_info pi;
	uint8_t der[2048];
	FILE *fd = fopen(pump_pki("device.der"), "rb");
	assert_non_null(fd);
	size_t der_len = fread(der, 1, sizeof(der), fd);
	fclose(fd);
	assert_int_equal(eiot_conn_peer_info(p->conn[PUMP_SERVER], &pi), EIOT_OK);
	assert_true(pi.cert_url);
	assert_false(pi.rpk || pi.resumed);
	assert_string_equal(pi.url, "file:///device.pem");
	assert_int_equal(pi.cert_len, der_len);
	assert_memory_equal(pi.cert, der, der_len);
	uint8_t eui[8];
	static const uint8_t want[8] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
	assert_int_equal(eiot_conn_peer_eui64(p->conn[PUMP_SERVER], eui), EIOT_OK);
	assert_memory_equal(eui, want, 8);
	pump_free(p);
	p = run(plain, sc, &base);
	assert_true(pump_established(p));
	assert_true(base.certificate);
	assert_false(base.cert_url);
	/* a received Certificate is kept the same way, without a URL */
	assert_int_equal(eiot_conn_peer_info(p->conn[PUMP_SERVER], &pi), EIOT_OK);
	assert_false(pi.cert_url);
	assert_null(pi.url);
	assert_int_equal(pi.cert_len, der_len);
	assert_memory_equal(pi.cert, der, der_len);
	assert_true(w.c2s_bytes + 200 < base.c2s_bytes);
	pump_free(p);
	eiot_config_free(cc);
	eiot_config_free(plain);
	eiot_config_free(sc);
}

static void test_tls_hit(void **state)
{
	check_hit(EIOT_TLS, *state);
}

static void test_dtls_hit(void **state)
{
	check_hit(EIOT_DTLS, *state);
}

static void check_fails(struct fixture *f, enum eiot_transport tr, const char *url, int err,
			int alert)
{
	struct eiot_config *cc = client(tr, url), *sc = server(tr, f);
	struct watch w;
	struct pump *p = run(cc, sc, &w);
	struct pump_result r;
	pump_result(p, &r);
	assert_true(w.cert_url);
	assert_int_equal(r.state[PUMP_SERVER], EIOT_STATE_FAILED);
	assert_int_equal(r.err[PUMP_SERVER], err);
	assert_int_equal(r.alert_sent[PUMP_SERVER], alert);
	assert_int_not_equal(r.state[PUMP_CLIENT], EIOT_STATE_ESTABLISHED);
	pump_free(p);
	eiot_config_free(cc);
	eiot_config_free(sc);
}

/* The URL names a certificate other than the client's own (its SHA-1 differs). */
static void test_hash_mismatch_bad_certificate_hash_value(void **state)
{
	check_fails(*state, EIOT_TLS, "http://certs.example.com/other.pem",
		    EIOT_ERR_CERT_HASH_MISMATCH, EIOT_ALERT_BAD_CERTIFICATE_HASH_VALUE);
	check_fails(*state, EIOT_DTLS, "file:///other.pem", EIOT_ERR_CERT_HASH_MISMATCH,
		    EIOT_ALERT_BAD_CERTIFICATE_HASH_VALUE);
}

static void test_unresolvable_url_certificate_unobtainable(void **state)
{
	check_fails(*state, EIOT_TLS, "file:///missing.pem", EIOT_ERR_CERT_UNOBTAINABLE,
		    EIOT_ALERT_CERTIFICATE_UNOBTAINABLE);
	check_fails(*state, EIOT_DTLS, "ftp://certs.example.com/device.pem",
		    EIOT_ERR_CERT_UNOBTAINABLE, EIOT_ALERT_CERTIFICATE_UNOBTAINABLE);
}

static void test_traversal_url_certificate_unobtainable(void **state)
{
	check_fails(*state, EIOT_TLS, "http://h/../device.pem", EIOT_ERR_CERT_UNOBTAINABLE,
		    EIOT_ALERT_CERTIFICATE_UNOBTAINABLE);
}

/* No resolver: the server does not echo the extension; the client sends its Certificate. */
static void test_server_without_resolver_gets_certificate(void **state)
{
	(void)state;
	struct eiot_config *cc = client(EIOT_TLS, "file:///device.pem"), *sc = server(EIOT_TLS, NULL);
	struct watch w;
	struct pump *p = run(cc, sc, &w);
	assert_true(pump_established(p));
	assert_true(w.certificate);
	assert_false(w.cert_url);
	pump_free(p);
	eiot_config_free(cc);
	eiot_config_free(sc);
}

static void test_setters(void **state)
{
	struct fixture *f = *state;
	struct eiot_config *cc = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	struct eiot_config *sc = eiot_config_new(EIOT_SERVER, EIOT_TLS);
	assert_int_equal(eiot_config_set_own_cert_url(cc, ""), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_own_cert_url(cc, "device.pem"), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_own_cert_url(cc, ":/x"), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_own_cert_url(cc, "file:///d.pem"), EIOT_OK);
	assert_int_equal(eiot_config_set_own_cert_url(cc, NULL), EIOT_OK);
	assert_int_equal(eiot_config_set_own_cert_url(sc, "file:///d.pem"), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_cert_url_resolver(cc, &eiot_dir_resolver_ops, f->r),
			 EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_cert_url_resolver(NULL, NULL, NULL), EIOT_ERR_BAD_PARAM);
	eiot_config_free(cc);
	eiot_config_free(sc);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tls_hit),
		T(test_dtls_hit),
		T(test_hash_mismatch_bad_certificate_hash_value),
		T(test_unresolvable_url_certificate_unobtainable),
		T(test_traversal_url_certificate_unobtainable),
		T(test_server_without_resolver_gets_certificate),
		T(test_setters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
