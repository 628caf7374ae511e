/*
 * tests/unit/test_engine_rpk.c — raw public keys (RFC 7250) end to end in memory: both sides
 * with raw keys (TLS, DTLS), the two mixed configurations, X.509 fallback when the server has
 * no raw key, pins by key and by hash, and the failures: a key that is not pinned and no
 * certificate type in common, each with handshake_failure and never a certificate alert
 * (RFC 7925 §6).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "pump.h"
#include "tls/msgs.h"

/* The DER SubjectPublicKeyInfo of a PKI key file (<name>.key.pem). */
static size_t spki_of(const char *name, uint8_t out[128])
{
	char file[64];
	struct eiot_pkey k;
	size_t len;
	snprintf(file, sizeof(file), "%s.key.pem", name);
	assert_int_equal(eiot_pkey_load_private_file(&k, pump_pki(file), NULL), 0);
	assert_int_equal(eiot_pkey_write_spki(&k, out, 128, &len), 0);
	eiot_pkey_free(&k);
	return len;
}

static void pin(struct eiot_config *cfg, const char *name)
{
	uint8_t spki[128];
	size_t len = spki_of(name, spki);
	assert_int_equal(eiot_config_add_peer_rpk(cfg, spki, len), EIOT_OK);
}

static void own_key(struct eiot_config *cfg, const char *name)
{
	char file[64];
	snprintf(file, sizeof(file), "%s.key.pem", name);
	assert_int_equal(eiot_config_set_own_key_file(cfg, pump_pki(file), NULL), EIOT_OK);
}

/* Client and server with nothing but the profile suite; the caller adds credentials. */
static void bare(enum eiot_transport tr, struct eiot_config **cc, struct eiot_config **sc)
{
	*cc = eiot_config_new(EIOT_CLIENT, tr);
	*sc = eiot_config_new(EIOT_SERVER, tr);
	assert_non_null(*cc);
	assert_non_null(*sc);
	pump_cfg_suite(*cc, EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8);
	pump_cfg_suite(*sc, EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8);
	assert_int_equal(eiot_config_set_verify_client(*sc, EIOT_VERIFY_REQUIRED), EIOT_OK);
}

static void x509_server(struct eiot_config *sc)
{
	assert_int_equal(eiot_config_set_own_cert_file(sc, pump_pki("server.pem"),
						       pump_pki("server.key.pem"), NULL), EIOT_OK);
	assert_int_equal(eiot_config_add_trust_file(sc, pump_pki("ca.pem")), EIOT_OK);
}

static void x509_client(struct eiot_config *cc, bool own)
{
	assert_int_equal(eiot_config_add_trust_file(cc, pump_pki("ca.pem")), EIOT_OK);
	assert_int_equal(eiot_config_set_server_name(cc, "aaa.example.com"), EIOT_OK);
	if (own)
		assert_int_equal(eiot_config_set_own_cert_file(cc, pump_pki("device.pem"),
							       pump_pki("device.key.pem"), NULL),
				 EIOT_OK);
}

struct cert_sizes {
	size_t len[2]; /* body of the Certificate message per direction (0: none seen) */
	bool dtls;
};

static enum pump_action certificate_size(void *user, struct pump_unit *u)
{
	struct cert_sizes *s = user;
	size_t hdr, body;
	if (pump_find_hs(u, s->dtls, HT_CERTIFICATE, &hdr, &body))
		s->len[u->dir] = (size_t)u->buf[hdr + 1] << 16 | (size_t)u->buf[hdr + 2] << 8 |
				 u->buf[hdr + 3];
	return PUMP_PASS;
}

/* Run; both established; Certificate sizes per direction into *s. */
static struct pump *run_ok(struct eiot_config *cc, struct eiot_config *sc, struct cert_sizes *s)
{
	struct pump *p = pump_new(cc, sc, 77);
	assert_non_null(p);
	memset(s, 0, sizeof(*s));
	s->dtls = p->dtls;
	p->hook = certificate_size;
	p->hook_user = s;
	assert_int_equal(pump_run(p), 0);
	assert_true(pump_established(p));
	uint8_t buf[8];
	size_t len;
	assert_int_equal(pump_write(p, PUMP_CLIENT, "rpk", 3), 0);
	assert_int_equal(pump_read(p, PUMP_SERVER, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 3);
	return p;
}

/* A raw public key Certificate: 3-byte length + 91-byte P-256 SPKI. */
#define RPK_CERT_BODY 94

static void done(struct pump *p, struct eiot_config *cc, struct eiot_config *sc)
{
	pump_free(p);
	eiot_config_free(cc);
	eiot_config_free(sc);
}

static void check_both_rpk(enum eiot_transport tr)
{
	struct eiot_config *cc, *sc;
	struct cert_sizes s;
	bare(tr, &cc, &sc);
	own_key(sc, "server");
	pin(sc, "device");
	own_key(cc, "device");
	pin(cc, "server");
	struct pump *p = run_ok(cc, sc, &s);
	assert_int_equal(s.len[PUMP_S2C], RPK_CERT_BODY);
	assert_int_equal(s.len[PUMP_C2S], RPK_CERT_BODY);
	/* each side reports the SHA-256 of the key the other presented */
	static const char *const names[2] = { "server", "device" };
	for (int side = 0; side < 2; side++) {
		struct eiot_peer_info pi;
		uint8_t spki[128], h[32];
		eiot_sha256(spki, spki_of(names[side], spki), h);
		assert_int_equal(eiot_conn_peer_info(p->conn[side], &pi), EIOT_OK);
		assert_true(pi.rpk);
		assert_false(pi.resumed || pi.cached_info || pi.cert_url);
		assert_null(pi.cert);
		assert_memory_equal(pi.rpk_sha256, h, 32);
	}
	done(p, cc, sc);
}

static void test_tls_rpk_both_ways(void **state)
{
	(void)state;
	check_both_rpk(EIOT_TLS);
}

static void test_dtls_rpk_both_ways(void **state)
{
	(void)state;
	check_both_rpk(EIOT_DTLS);
}

/* Server X.509, client raw key. */
static void test_mixed_server_x509_client_rpk(void **state)
{
	(void)state;
	struct eiot_config *cc, *sc;
	struct cert_sizes s;
	bare(EIOT_TLS, &cc, &sc);
	x509_server(sc);
	pin(sc, "device");
	x509_client(cc, false);
	own_key(cc, "device");
	struct pump *p = run_ok(cc, sc, &s);
	assert_true(s.len[PUMP_S2C] > 300);
	assert_int_equal(s.len[PUMP_C2S], RPK_CERT_BODY);
	done(p, cc, sc);
}

/* Server raw key, client X.509 (the server checks it against its trust anchors). */
static void test_mixed_server_rpk_client_x509(void **state)
{
	(void)state;
	struct eiot_config *cc, *sc;
	struct cert_sizes s;
	bare(EIOT_DTLS, &cc, &sc);
	own_key(sc, "server");
	assert_int_equal(eiot_config_add_trust_file(sc, pump_pki("ca.pem")), EIOT_OK);
	assert_int_equal(eiot_config_set_own_cert_file(cc, pump_pki("device.pem"),
						       pump_pki("device.key.pem"), NULL), EIOT_OK);
	pin(cc, "server");
	struct pump *p = run_ok(cc, sc, &s);
	assert_int_equal(s.len[PUMP_S2C], RPK_CERT_BODY);
	assert_true(s.len[PUMP_C2S] > 300);
	uint8_t eui[8];
	assert_int_equal(eiot_conn_peer_eui64(p->conn[PUMP_SERVER], eui), EIOT_OK);
	done(p, cc, sc);
}

/* The client accepts either; a server with only a certificate sends X.509. */
static void test_client_offers_both_server_x509_only(void **state)
{
	(void)state;
	struct eiot_config *cc, *sc;
	struct cert_sizes s;
	bare(EIOT_TLS, &cc, &sc);
	x509_server(sc);
	x509_client(cc, true);
	pin(cc, "server");
	struct pump *p = run_ok(cc, sc, &s);
	assert_true(s.len[PUMP_S2C] > 300);
	assert_true(s.len[PUMP_C2S] > 300);
	done(p, cc, sc);
}

static void test_pin_by_sha256(void **state)
{
	(void)state;
	struct eiot_config *cc, *sc;
	struct cert_sizes s;
	uint8_t spki[128], h[32];
	bare(EIOT_TLS, &cc, &sc);
	assert_int_equal(eiot_config_set_verify_client(sc, EIOT_VERIFY_NONE), EIOT_OK);
	own_key(sc, "server");
	size_t len = spki_of("server", spki);
	eiot_sha256(spki, len, h);
	assert_int_equal(eiot_config_add_peer_rpk_sha256(cc, h), EIOT_OK);
	struct pump *p = run_ok(cc, sc, &s);
	assert_int_equal(s.len[PUMP_S2C], RPK_CERT_BODY);
	assert_int_equal(s.len[PUMP_C2S], 0);
	done(p, cc, sc);
}

static void expect_fail(struct eiot_config *cc, struct eiot_config *sc, enum pump_side who, int err)
{
	struct pump *p = pump_new(cc, sc, 78);
	struct pump_result r;
	assert_non_null(p);
	pump_run(p);
	pump_result(p, &r);
	assert_int_equal(r.err[who], err);
	assert_int_equal(r.alert_sent[who], EIOT_ALERT_HANDSHAKE_FAILURE);
	assert_false(pump_alert_cert(r.alert_sent[!who]));
	done(p, cc, sc);
}

static void test_server_key_not_pinned_handshake_failure(void **state)
{
	(void)state;
	struct eiot_config *cc, *sc;
	bare(EIOT_TLS, &cc, &sc);
	own_key(sc, "server");
	pin(sc, "device");
	own_key(cc, "device");
	pin(cc, "device"); /* the wrong key */
	expect_fail(cc, sc, PUMP_CLIENT, EIOT_ERR_RPK_NOT_PINNED);
}

static void test_client_key_not_pinned_handshake_failure(void **state)
{
	(void)state;
	struct eiot_config *cc, *sc;
	bare(EIOT_DTLS, &cc, &sc);
	own_key(sc, "server");
	pin(sc, "server"); /* not the device's */
	own_key(cc, "device");
	pin(cc, "server");
	expect_fail(cc, sc, PUMP_SERVER, EIOT_ERR_RPK_NOT_PINNED);
}

/* A server with only a raw key and a client that accepts only X.509. */
static void test_no_certificate_type_in_common(void **state)
{
	(void)state;
	struct eiot_config *cc, *sc;
	bare(EIOT_TLS, &cc, &sc);
	assert_int_equal(eiot_config_set_verify_client(sc, EIOT_VERIFY_NONE), EIOT_OK);
	own_key(sc, "server");
	x509_client(cc, false);
	expect_fail(cc, sc, PUMP_SERVER, EIOT_ERR_NO_CERT_TYPE);
}

static void test_setters(void **state)
{
	(void)state;
	struct eiot_config *c = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	uint8_t junk[32] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	assert_int_equal(eiot_config_add_peer_rpk(c, junk, sizeof(junk)), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_add_peer_rpk_file(c, "/nonexistent"), EIOT_ERR_FILE);
	for (int i = 0; i < EIOT_MAX_RPK_PINS; i++)
		assert_int_equal(eiot_config_add_peer_rpk_sha256(c, junk), EIOT_OK);
	assert_int_equal(eiot_config_add_peer_rpk_sha256(c, junk), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_own_cert_file(c, pump_pki("device.pem"),
						       pump_pki("device.key.pem"), NULL), EIOT_OK);
	assert_int_equal(eiot_config_set_own_key_file(c, pump_pki("device.key.pem"), NULL),
			 EIOT_ERR_BAD_PARAM);
	eiot_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_rpk_both_ways),
		cmocka_unit_test(test_dtls_rpk_both_ways),
		cmocka_unit_test(test_mixed_server_x509_client_rpk),
		cmocka_unit_test(test_mixed_server_rpk_client_x509),
		cmocka_unit_test(test_client_offers_both_server_x509_only),
		cmocka_unit_test(test_pin_by_sha256),
		cmocka_unit_test(test_server_key_not_pinned_handshake_failure),
		cmocka_unit_test(test_client_key_not_pinned_handshake_failure),
		cmocka_unit_test(test_no_certificate_type_in_common),
		cmocka_unit_test(test_setters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
