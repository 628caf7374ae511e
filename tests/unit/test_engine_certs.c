/*
 * tests/unit/test_engine_certs.c — certificate failures end to end with the broken PKI
 * files (RFC 7925 §4.4): the client fails with the matching EIOT_ERR_CERT_* and sends the
 * matching certificate alert, the server fails on receiving it; the relaxations (clock-less
 * mode, wildcard flag) and the limits (chain length, handshake message size, P-256 only).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"

struct ccase {
	const char *server;    /* <name>.pem / <name>.key.pem */
	enum eiot_transport tr;
	int err;               /* expected client error, EIOT_OK for success */
	int alert;             /* expected alert number (RFC 5246 §7.2) */
	unsigned name_flags;
	bool clockless;
	unsigned max_chain;    /* 0: default (3) */
	size_t max_handshake;  /* 0: default */
};

static void run_cert_case(void **state)
{
	const struct ccase *cc = *state;
	struct eiot_config *c = pump_cfg_cert_client(cc->tr, false);
	struct eiot_config *s = pump_cfg_cert_server(cc->tr, cc->server, false);
	struct pump *p;
	struct pump_result r;

	assert_non_null(c);
	assert_non_null(s);
	if (cc->name_flags)
		assert_int_equal(eiot_config_set_name_policy(c, cc->name_flags), EIOT_OK);
	if (cc->clockless)
		assert_int_equal(eiot_config_set_time(c, EIOT_TIME_NONE, NULL, NULL), EIOT_OK);
	if (cc->max_chain)
		assert_int_equal(eiot_config_set_max_chain(c, cc->max_chain), EIOT_OK);
	if (cc->max_handshake)
		assert_int_equal(eiot_config_set_max_handshake(c, cc->max_handshake), EIOT_OK);
	p = pump_new(c, s, 21);
	assert_non_null(p);
	assert_int_equal(pump_run(p), 0);
	pump_result(p, &r);
	print_message("%s: client err %d (%s) sent %d, server err %d recv %d\n", cc->server,
		      r.err[0], eiot_err_str(r.err[0]), r.alert_sent[0], r.err[1], r.alert_recv[1]);
	for (int i = 0; i < 2; i++) {
		assert_false(pump_alert_reserved(r.alert_sent[i]));
		assert_false(pump_alert_reserved(r.alert_recv[i]));
	}
	if (cc->err == EIOT_OK) {
		assert_true(pump_established(p));
		goto out;
	}
	assert_int_equal(r.state[PUMP_CLIENT], EIOT_STATE_FAILED);
	assert_int_equal(r.err[PUMP_CLIENT], cc->err);
	assert_int_equal(eiot_err_alert(cc->err), cc->alert);
	assert_int_equal(r.alert_sent[PUMP_CLIENT], cc->alert);
	/* the client has no keys yet: its alert goes in plaintext */
	assert_int_equal(p->wire_alert[PUMP_C2S], cc->alert);
	assert_int_equal(r.state[PUMP_SERVER], EIOT_STATE_FAILED);
	assert_int_equal(r.err[PUMP_SERVER], EIOT_ERR_PEER_ALERT);
	assert_int_equal(r.alert_recv[PUMP_SERVER], cc->alert);
out:
	pump_free(p);
	eiot_config_free(c);
	eiot_config_free(s);
}

static struct ccase cases[] = {
	{ "server-expired", EIOT_TLS, EIOT_ERR_CERT_EXPIRED, EIOT_ALERT_CERTIFICATE_EXPIRED, 0,
	  false, 0, 0 },
	{ "server-notyet", EIOT_TLS, EIOT_ERR_CERT_NOT_YET_VALID, -1, 0, false, 0, 0 },
	{ "server-wrongname", EIOT_TLS, EIOT_ERR_CERT_NAME_MISMATCH, EIOT_ALERT_BAD_CERTIFICATE, 0,
	  false, 0, 0 },
	{ "server-wildcard", EIOT_TLS, EIOT_ERR_CERT_WILDCARD, EIOT_ALERT_BAD_CERTIFICATE, 0, false,
	  0, 0 },
	{ "server-untrusted", EIOT_TLS, EIOT_ERR_CERT_UNTRUSTED, EIOT_ALERT_UNKNOWN_CA, 0, false, 0,
	  0 },
	{ "server-chain4", EIOT_TLS, EIOT_ERR_CERT_CHAIN_TOO_LONG, EIOT_ALERT_BAD_CERTIFICATE, 0,
	  false, 3, 0 },
	{ "server-chain4", EIOT_TLS, EIOT_ERR_MESSAGE_TOO_LARGE, EIOT_ALERT_HANDSHAKE_FAILURE, 0,
	  false, 0, 1024 },
	/* relaxations and controls */
	{ "server-expired", EIOT_TLS, EIOT_OK, -1, 0, true, 0, 0 },
	{ "server-wildcard", EIOT_TLS, EIOT_OK, -1, EIOT_NAME_ALLOW_WILDCARD, false, 0, 0 },
	{ "server-chain3", EIOT_TLS, EIOT_OK, -1, 0, false, 3, 0 },
	{ "server-chain4", EIOT_TLS, EIOT_OK, -1, 0, false, 4, 0 },
	/* DTLS sends handshake-failure alerts too */
	{ "server-untrusted", EIOT_DTLS, EIOT_ERR_CERT_UNTRUSTED, EIOT_ALERT_UNKNOWN_CA, 0, false,
	  0, 0 },
	{ "server-expired", EIOT_DTLS, EIOT_ERR_CERT_EXPIRED, EIOT_ALERT_CERTIFICATE_EXPIRED, 0,
	  false, 0, 0 },
};

static void tls_cert_expired(void **s) { run_cert_case(s); }
static void tls_cert_not_yet_valid(void **s) { run_cert_case(s); }
static void tls_cert_wrong_name(void **s) { run_cert_case(s); }
static void tls_cert_wildcard_refused(void **s) { run_cert_case(s); }
static void tls_cert_untrusted_issuer(void **s) { run_cert_case(s); }
static void tls_cert_chain_too_long(void **s) { run_cert_case(s); }
static void tls_cert_chain_message_too_large(void **s) { run_cert_case(s); }
static void tls_clockless_accepts_expired(void **s) { run_cert_case(s); }
static void tls_wildcard_allowed_by_flag(void **s) { run_cert_case(s); }
static void tls_chain3_within_limit(void **s) { run_cert_case(s); }
static void tls_chain4_with_max_chain_4(void **s) { run_cert_case(s); }
static void dtls_cert_untrusted_issuer(void **s) { run_cert_case(s); }
static void dtls_cert_expired(void **s) { run_cert_case(s); }

/* RFC 7925 §4.4: P-256 only; a P-384 key is refused when the configuration is loaded. */
static void cert_p384_refused_at_load(void **state)
{
	struct eiot_config *s = eiot_config_new(EIOT_SERVER, EIOT_TLS);

	(void)state;
	assert_non_null(s);
	assert_int_equal(eiot_config_set_own_cert_file(s, pump_pki("server-p384.pem"),
						       pump_pki("server-p384.key.pem"), NULL),
			 EIOT_ERR_CERT_BAD_KEY);
	eiot_config_free(s);
}

/* The not-yet-valid alert is whatever the table says, and a certificate alert. */
static void cert_not_yet_valid_alert_is_certificate_alert(void **state)
{
	(void)state;
	assert_true(pump_alert_cert(eiot_err_alert(EIOT_ERR_CERT_NOT_YET_VALID)));
}

#define CASE(i, fn) cmocka_unit_test_prestate(fn, &cases[i])

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(0, tls_cert_expired),
		CASE(1, tls_cert_not_yet_valid),
		CASE(2, tls_cert_wrong_name),
		CASE(3, tls_cert_wildcard_refused),
		CASE(4, tls_cert_untrusted_issuer),
		CASE(5, tls_cert_chain_too_long),
		CASE(6, tls_cert_chain_message_too_large),
		CASE(7, tls_clockless_accepts_expired),
		CASE(8, tls_wildcard_allowed_by_flag),
		CASE(9, tls_chain3_within_limit),
		CASE(10, tls_chain4_with_max_chain_4),
		CASE(11, dtls_cert_untrusted_issuer),
		CASE(12, dtls_cert_expired),
		cmocka_unit_test(cert_p384_refused_at_load),
		cmocka_unit_test(cert_not_yet_valid_alert_is_certificate_alert),
	};

	cases[1].alert = (int)eiot_err_alert(EIOT_ERR_CERT_NOT_YET_VALID);
	return cmocka_run_group_tests_name("engine_certs", tests, NULL, NULL);
}
