/*
 * tests/unit/test_profile.c — what a build holds (eap_iot/features.h), checked from outside:
 * eiot_build_features() tells the truth; every setter of a feature the build left out fails
 * with EIOT_ERR_NOT_IN_BUILD and exactly one log line naming it (none in a build without log
 * text), and leaves the configuration
 * as it was; a left-out role, transport or suite is refused; without the DRBG a connection
 * needs the application's random source and says so. Built and run for the full library and
 * for every device profile (Makefile PROFILES), with that build's features file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eap_iot/eap_iot.h"

struct log_capture {
	unsigned lines, left_out, no_drbg;
	char last[256];
};

static void capture(void *user, enum eiot_log_level level, const char *line)
{
	struct log_capture *lc = user;
	(void)level;
	lc->lines++;
	if (strstr(line, "left out of this build"))
		lc->left_out++;
	if (strstr(line, "EIOT_WITH_DRBG"))
		lc->no_drbg++;
	snprintf(lc->last, sizeof(lc->last), "%s", line);
}

static struct eiot_config *client_config(struct log_capture *lc)
{
	enum eiot_transport t = EIOT_WITH_DTLS ? EIOT_DTLS : EIOT_TLS;
	struct eiot_config *cfg = eiot_config_new(EIOT_CLIENT, t);
	assert_non_null(cfg);
	memset(lc, 0, sizeof(*lc));
	eiot_config_set_log(cfg, capture, lc, EIOT_LOG_DEBUG);
	return cfg;
}

/* A setter's result in this build: EIOT_ERR_NOT_IN_BUILD and one line naming it, or anything
 * else when the feature is in. */
static void expect(bool in_build, int err, const struct log_capture *lc, unsigned before,
		   const char *name, const char *what)
{
	print_message("%-28s %s: %s%s%s\n", what, in_build ? "in" : "out", eiot_err_str(err),
		      lc->lines > before ? " — " : "", lc->lines > before ? lc->last : "");
	if (in_build) {
		assert_int_not_equal(err, EIOT_ERR_NOT_IN_BUILD);
		return;
	}
	assert_int_equal(err, EIOT_ERR_NOT_IN_BUILD);
	if (!EIOT_WITH_LOG) { /* the code alone says it */
		assert_int_equal(lc->lines, before);
		return;
	}
	assert_int_equal(lc->lines, before + 1);
	assert_non_null(strstr(lc->last, name));
}

static void test_build_features_tell_the_truth(void **state)
{
	(void)state;
	unsigned f = eiot_build_features();
	const struct {
		bool on;
		unsigned bit;
	} want[] = {
		{ EIOT_WITH_CLIENT, EIOT_FEATURE_CLIENT },   { EIOT_WITH_SERVER, EIOT_FEATURE_SERVER },
		{ EIOT_WITH_TLS, EIOT_FEATURE_TLS },         { EIOT_WITH_DTLS, EIOT_FEATURE_DTLS },
		{ EIOT_WITH_PSK, EIOT_FEATURE_PSK },         { EIOT_WITH_RPK, EIOT_FEATURE_RPK },
		{ EIOT_WITH_X509, EIOT_FEATURE_X509 },       { EIOT_WITH_RESUMPTION, EIOT_FEATURE_RESUMPTION },
		{ EIOT_WITH_CACHED_INFO, EIOT_FEATURE_CACHED_INFO },
		{ EIOT_WITH_CERT_URL, EIOT_FEATURE_CERT_URL }, { EIOT_WITH_EAP, EIOT_FEATURE_EAP },
		{ EIOT_WITH_KEYLOG, EIOT_FEATURE_KEYLOG },   { EIOT_WITH_DRBG, EIOT_FEATURE_DRBG },
		{ EIOT_WITH_EXTRA_SUITES, EIOT_FEATURE_EXTRA_SUITES }, { EIOT_WITH_LOG, EIOT_FEATURE_LOG },
		{ EIOT_WITH_SAVE, EIOT_FEATURE_SAVE },       { EIOT_WITH_CID, EIOT_FEATURE_CID },
	};
	print_message("features 0x%04x\n", f);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(!!(f & want[i].bit), want[i].on);
}

/* Every error code has its sentence (or, without log text, still its alert: the same table). */
static void test_every_error_has_text_and_alert(void **state)
{
	(void)state;
	for (int e = 0; e < EIOT_ERR__COUNT; e++) {
		const char *t = eiot_err_str(e);
		assert_non_null(t);
		if (EIOT_WITH_LOG)
			assert_string_not_equal(t, "unknown error");
	}
	assert_string_equal(eiot_err_str(EIOT_ERR__COUNT), EIOT_WITH_LOG ? "unknown error" : eiot_err_str(0));
	assert_int_equal(eiot_err_alert(EIOT_ERR_BAD_FINISHED), EIOT_ALERT_DECRYPT_ERROR);
	assert_int_equal(eiot_err_alert(EIOT_ERR_PSK_UNKNOWN_IDENTITY), EIOT_ALERT_DECRYPT_ERROR);
	assert_int_equal(eiot_err_alert(EIOT_ERR__COUNT), EIOT_ALERT_INTERNAL_ERROR);
}

static void test_left_out_roles_and_transports_refused(void **state)
{
	(void)state;
	for (int r = 0; r < 2; r++) {
		for (int t = 0; t < 2; t++) {
			bool in = (r == EIOT_CLIENT ? EIOT_WITH_CLIENT : EIOT_WITH_SERVER) &&
				  (t == EIOT_TLS ? EIOT_WITH_TLS : EIOT_WITH_DTLS);
			struct eiot_config *cfg = eiot_config_new((enum eiot_role)r, (enum eiot_transport)t);
			assert_int_equal(cfg != NULL, in);
			eiot_config_free(cfg);
		}
	}
}

static void test_left_out_setters_fail_with_one_line(void **state)
{
	(void)state;
	struct log_capture lc;
	struct eiot_config *cfg = client_config(&lc);
	static const uint8_t id[] = "dev", key[16] = { 1 }, hash[32] = { 2 }, der[8] = { 0x30, 3, 1, 2, 3 };
	static const struct eiot_cert_cache_ops ops = { 0 };
	unsigned before;

	before = lc.lines;
	expect(EIOT_WITH_PSK, eiot_config_set_psk(cfg, id, 3, key, 16), &lc, before, "EIOT_WITH_PSK", "PSK");
	before = lc.lines;
	expect(EIOT_WITH_RPK, eiot_config_add_peer_rpk_sha256(cfg, hash), &lc, before, "EIOT_WITH_RPK",
	       "pinned raw public key");
	before = lc.lines;
	expect(EIOT_WITH_X509, eiot_config_add_trust_der(cfg, der, 5), &lc, before, "EIOT_WITH_X509", "trust anchor");
	before = lc.lines;
	expect(EIOT_WITH_RESUMPTION, eiot_config_set_session_tickets(cfg, true), &lc, before,
	       "EIOT_WITH_RESUMPTION", "session tickets");
	before = lc.lines;
	expect(EIOT_WITH_CACHED_INFO, eiot_config_set_cert_cache(cfg, &ops, NULL), &lc, before,
	       "EIOT_WITH_CACHED_INFO", "certificate cache");
	before = lc.lines;
	expect(EIOT_WITH_CERT_URL, eiot_config_set_own_cert_url(cfg, "http://ca.example/dev.der"), &lc,
	       before, "EIOT_WITH_CERT_URL", "certificate URL");
	before = lc.lines;
	expect(EIOT_WITH_KEYLOG, eiot_config_set_keylog_file(cfg, "/nonexistent/keys.log"), &lc, before,
	       "EIOT_WITH_KEYLOG", "key log");
	/* turning a left-out feature off is no error */
	assert_int_equal(eiot_config_set_session_tickets(cfg, false), EIOT_OK);
	assert_int_equal(eiot_config_set_keylog_file(cfg, NULL), EIOT_OK);
	eiot_config_free(cfg);
}

static void test_left_out_suites_refused(void **state)
{
	(void)state;
	struct log_capture lc;
	struct eiot_config *cfg = client_config(&lc);
	const struct {
		uint16_t id;
		bool in;
	} suites[] = {
		{ EIOT_PSK_WITH_AES_128_CCM_8, EIOT_WITH_PSK },
		{ EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8, EIOT_WITH_ECDHE },
		{ EIOT_ECDHE_ECDSA_WITH_AES_128_CCM, EIOT_WITH_ECDHE && EIOT_WITH_EXTRA_SUITES },
		{ EIOT_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, EIOT_WITH_ECDHE && EIOT_WITH_EXTRA_SUITES },
	};
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		unsigned before = lc.lines;
		int err = eiot_config_set_suites(cfg, &suites[i].id, 1);
		expect(suites[i].in, err, &lc, before, "suite", eiot_suite_name(suites[i].id, false));
		if (suites[i].in)
			assert_int_equal(err, EIOT_OK);
	}
	uint16_t unknown = 0x1301; /* TLS 1.3: never implemented, whatever the build */
	assert_int_equal(eiot_config_set_suites(cfg, &unknown, 1), EIOT_ERR_BAD_PARAM);
	eiot_config_free(cfg);
}

static int no_randomness(void *user, uint8_t *out, size_t n)
{
	(void)user;
	memset(out, 0x5a, n);
	return 0;
}

/* Without the DRBG the first random byte a client needs (its ClientHello random) fails with one
 * line until the application gives a source; with one, the ClientHello goes out. */
static void test_random_source_without_drbg(void **state)
{
	(void)state;
	struct log_capture lc;
	struct eiot_config *cfg = client_config(&lc);
	uint16_t suite = EIOT_WITH_PSK ? EIOT_PSK_WITH_AES_128_CCM_8 : EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8;
	static const uint8_t id[] = "dev", key[16] = { 1 }, pin[32] = { 3 };
	assert_int_equal(eiot_config_set_suites(cfg, &suite, 1), EIOT_OK);
	if (EIOT_WITH_PSK) {
		assert_int_equal(eiot_config_set_psk(cfg, id, 3, key, 16), EIOT_OK);
	} else if (EIOT_WITH_RPK) {
		assert_int_equal(eiot_config_add_peer_rpk_sha256(cfg, pin), EIOT_OK);
	} else {
		/* a certificate client offers its suite once it has a trust anchor and a name */
		const char *dir = getenv("EIOT_PKI_DIR");
		char ca[512];
		snprintf(ca, sizeof(ca), "%s/ca.pem", dir ? dir : "build/pki");
		assert_int_equal(eiot_config_add_trust_file(cfg, ca), EIOT_OK);
		assert_int_equal(eiot_config_set_server_name(cfg, "aaa.example.com"), EIOT_OK);
	}
	struct eiot_conn *c = eiot_conn_new(cfg, 0);
	assert_non_null(c);
	if (EIOT_WITH_DRBG) {
		assert_int_equal(eiot_conn_state(c), EIOT_STATE_HANDSHAKE);
	} else {
		assert_int_equal(eiot_conn_state(c), EIOT_STATE_FAILED);
		assert_int_equal(lc.no_drbg, EIOT_WITH_LOG ? 1 : 0);
	}
	eiot_conn_free(c);
	eiot_config_set_random(cfg, no_randomness, NULL);
	c = eiot_conn_new(cfg, 0);
	assert_non_null(c);
	assert_int_equal(eiot_conn_state(c), EIOT_STATE_HANDSHAKE);
	eiot_conn_free(c);
	eiot_config_free(cfg);
}

/* A DTLS PSK client's flight buffer is sized from its configuration (a build without ECDHE):
 * the ClientHello after a HelloVerifyRequest with the longest cookie (255 bytes), with a
 * 253-byte server name, a 128-byte identity and a 16-byte connection ID, still goes out. */
static void test_longest_client_hello_fits(void **state)
{
	(void)state;
	if (!(EIOT_WITH_DTLS && EIOT_WITH_PSK))
		return; /* the PSK DTLS client's sizing: nothing to check in this build */
	struct log_capture lc;
	struct eiot_config *cfg = client_config(&lc);
	uint16_t suite = EIOT_PSK_WITH_AES_128_CCM_8;
	uint8_t id[128], key[16] = { 1 };
	char name[254];
	memset(id, 'i', sizeof(id));
	memset(name, 'a', 253);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	assert_int_equal(eiot_config_set_suites(cfg, &suite, 1), EIOT_OK);
	assert_int_equal(eiot_config_set_psk(cfg, id, sizeof(id), key, sizeof(key)), EIOT_OK);
	assert_int_equal(eiot_config_set_server_name(cfg, name), EIOT_OK);
	if (EIOT_WITH_CID)
		assert_int_equal(eiot_config_set_connection_id(cfg, true, EIOT_MAX_CID), EIOT_OK);
	eiot_config_set_random(cfg, no_randomness, NULL);
	struct eiot_conn *c = eiot_conn_new(cfg, 0);
	assert_non_null(c);
	uint8_t d[2048];
	size_t len, first = 0;
	while (eiot_conn_output(c, d, sizeof(d), &len) == EIOT_OK && len)
		first += len;
	assert_true(first > 253);
	/* HelloVerifyRequest: record (epoch 0), handshake header, version, a 255-byte cookie */
	uint8_t hvr[13 + 12 + 3 + 255] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 1, 14, 3, 0, 1, 2, 0, 0,
					   0, 0, 0, 0, 1, 2, 0xfe, 0xfd, 255 };
	memset(hvr + 28, 0xc5, 255);
	assert_int_equal(eiot_conn_feed(c, hvr, sizeof(hvr), 10), EIOT_OK);
	size_t second = 0;
	while (eiot_conn_output(c, d, sizeof(d), &len) == EIOT_OK && len)
		second += len;
	assert_int_equal(eiot_conn_state(c), EIOT_STATE_HANDSHAKE);
	assert_int_equal(eiot_conn_error(c), EIOT_OK);
	assert_true(second >= first + 255);
	eiot_conn_free(c);
	eiot_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_features_tell_the_truth),
		cmocka_unit_test(test_every_error_has_text_and_alert),
		cmocka_unit_test(test_left_out_roles_and_transports_refused),
		cmocka_unit_test(test_left_out_setters_fail_with_one_line),
		cmocka_unit_test(test_left_out_suites_refused),
		cmocka_unit_test(test_random_source_without_drbg),
		cmocka_unit_test(test_longest_client_hello_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
