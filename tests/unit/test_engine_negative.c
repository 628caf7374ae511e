/*
 * tests/unit/test_engine_negative.c — protocol attacks and faults against the engine, each
 * test named after what it covers. Each asserts the exact error on both sides and the alert
 * (eiot_conn_last_alert, and on the wire when it travels in plaintext), never a RESERVED
 * alert (21, 41, 60) and, with PSK, never a certificate alert (RFC 7925 §6).
 * Certificate failures are in test_engine_certs.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"
#include "tls/msgs.h"

static const uint8_t psk_id[] = "neg-device";
static const uint8_t psk_key[16] = "0123456789abcdef";
static const uint8_t other_key[16] = "0123456789abcdeX";

static void alerts_allowed(const struct pump_result *r, bool psk)
{
	for (int s = 0; s < 2; s++) {
		assert_false(pump_alert_reserved(r->alert_sent[s]));
		assert_false(pump_alert_reserved(r->alert_recv[s]));
		assert_int_not_equal(r->alert_sent[s], 30); /* decompression_failure */
		if (psk) {
			assert_false(pump_alert_cert(r->alert_sent[s]));
			assert_false(pump_alert_cert(r->alert_recv[s]));
		}
	}
}

/* who failed with err and sent alert; the peer failed on receiving it. plain: the alert
 * travelled unencrypted, so the pump saw it on the wire too. */
static void assert_fatal(const struct pump *p, enum pump_side who, int err, int alert, bool plain,
			 bool psk)
{
	struct pump_result r;
	int other = 1 - (int)who;

	pump_result(p, &r);
	print_message("side %d: err %d (%s) sent %d; peer err %d recv %d\n", who, r.err[who],
		      eiot_err_str(r.err[who]), r.alert_sent[who], r.err[other], r.alert_recv[other]);
	assert_int_equal(r.state[who], EIOT_STATE_FAILED);
	assert_int_equal(r.err[who], err);
	assert_int_equal(eiot_err_alert(err), alert);
	assert_int_equal(r.alert_sent[who], alert);
	if (plain)
		assert_int_equal(p->wire_alert[who == PUMP_CLIENT ? PUMP_C2S : PUMP_S2C], alert);
	assert_int_equal(r.state[other], EIOT_STATE_FAILED);
	assert_int_equal(r.err[other], EIOT_ERR_PEER_ALERT);
	assert_int_equal(r.alert_recv[other], alert);
	alerts_allowed(&r, psk);
}

static struct pump *psk_pump(enum eiot_transport tr, const uint8_t *cid, size_t cid_len,
			     const uint8_t *ckey, struct eiot_config **c, struct eiot_config **s)
{
	struct pump *p;

	*c = pump_cfg_psk(EIOT_CLIENT, tr, cid, cid_len, ckey, 16, NULL);
	*s = pump_cfg_psk(EIOT_SERVER, tr, psk_id, sizeof(psk_id) - 1, psk_key, 16, NULL);
	assert_non_null(*c);
	assert_non_null(*s);
	p = pump_new(*c, *s, 5);
	assert_non_null(p);
	return p;
}

static void done(struct pump *p, struct eiot_config *c, struct eiot_config *s)
{
	pump_free(p);
	eiot_config_free(c);
	eiot_config_free(s);
}

/* Wrong key: the server cannot open (or verify) the client's Finished; fatal on both. */
static void tls_wrong_psk_fatal_on_both_sides(void **state)
{
	struct eiot_config *c, *s;
	struct pump *p = psk_pump(EIOT_TLS, psk_id, sizeof(psk_id) - 1, other_key, &c, &s);
	int err;

	(void)state;
	assert_int_equal(pump_run(p), 0);
	err = eiot_conn_error(p->conn[PUMP_SERVER]);
	assert_true(err == EIOT_ERR_BAD_RECORD_MAC || err == EIOT_ERR_BAD_FINISHED);
	assert_fatal(p, PUMP_SERVER, err, eiot_err_alert(err), true, true);
	done(p, c, s);
}

/* DTLS drops records that fail authentication (RFC 6347 §4.1.2.7): both sides give up. */
static void dtls_wrong_psk_times_out(void **state)
{
	struct eiot_config *c, *s;
	struct pump *p = psk_pump(EIOT_DTLS, psk_id, sizeof(psk_id) - 1, other_key, &c, &s);
	struct pump_result r;

	(void)state;
	assert_int_equal(pump_run(p), 0);
	pump_result(p, &r);
	assert_false(pump_established(p));
	assert_int_equal(r.err[PUMP_CLIENT], EIOT_ERR_TIMEOUT);
	assert_int_equal(r.err[PUMP_SERVER], EIOT_ERR_TIMEOUT);
	assert_true(p->now >= 120000);
	alerts_allowed(&r, true);
	done(p, c, s);
}

/* RFC 7925 §6: an unknown PSK identity is answered with decrypt_error. */
static void psk_unknown_identity(enum eiot_transport tr)
{
	static const uint8_t stranger[] = "who-am-i";
	struct eiot_config *c, *s;
	struct pump *p = psk_pump(tr, stranger, sizeof(stranger) - 1, psk_key, &c, &s);

	assert_int_equal(pump_run(p), 0);
	assert_fatal(p, PUMP_SERVER, EIOT_ERR_PSK_UNKNOWN_IDENTITY, EIOT_ALERT_DECRYPT_ERROR, true,
		     true);
	done(p, c, s);
}

static void tls_psk_unknown_identity_decrypt_error(void **state)
{
	(void)state;
	psk_unknown_identity(EIOT_TLS);
}

static void dtls_psk_unknown_identity_decrypt_error(void **state)
{
	(void)state;
	psk_unknown_identity(EIOT_DTLS);
}

/* A client with the right key but a wrong verify_data. */
static void tls_bad_finished_decrypt_error(void **state)
{
	struct eiot_config *s = pump_cfg_psk(EIOT_SERVER, EIOT_TLS, psk_id, sizeof(psk_id) - 1,
					     psk_key, 16, NULL);
	struct script_peer *sp = script_new(true, psk_id, sizeof(psk_id) - 1, psk_key, 16);
	struct eiot_conn *conn;
	struct pump_result r = { { 0 }, { 0 }, { 0 }, { 0 } };
	int level, desc;
	size_t app;

	(void)state;
	assert_non_null(s);
	assert_non_null(sp);
	conn = eiot_conn_new(s, 0);
	assert_non_null(conn);
	assert_int_equal(script_handshake(sp, conn, true, 0), -1);
	assert_int_equal(eiot_conn_state(conn), EIOT_STATE_FAILED);
	assert_int_equal(eiot_conn_error(conn), EIOT_ERR_BAD_FINISHED);
	eiot_conn_last_alert(conn, &r.alert_sent[1], &r.alert_recv[1]);
	assert_int_equal(r.alert_sent[1], EIOT_ALERT_DECRYPT_ERROR);
	script_poll(sp, conn, &level, &desc, &app);
	assert_int_equal(level, 2);
	assert_int_equal(desc, EIOT_ALERT_DECRYPT_ERROR);
	r.alert_sent[0] = r.alert_recv[0] = EIOT_ALERT_NONE;
	alerts_allowed(&r, true);
	eiot_conn_free(conn);
	script_free(sp);
	eiot_config_free(s);
}

/* The scripted peer itself is honest when asked to be (control for the test above). */
static void tls_scripted_client_completes_handshake(void **state)
{
	struct eiot_config *s = pump_cfg_psk(EIOT_SERVER, EIOT_TLS, psk_id, sizeof(psk_id) - 1,
					     psk_key, 16, NULL);
	struct script_peer *sp = script_new(true, psk_id, sizeof(psk_id) - 1, psk_key, 16);
	struct eiot_conn *conn = eiot_conn_new(s, 0);
	uint8_t buf[32];
	size_t len;

	(void)state;
	assert_non_null(conn);
	assert_int_equal(script_handshake(sp, conn, false, 0), 0);
	assert_int_equal(eiot_conn_state(conn), EIOT_STATE_ESTABLISHED);
	assert_int_equal(script_send_app(sp, conn, (const uint8_t *)"hi", 2, 1), 0);
	assert_int_equal(eiot_conn_read(conn, buf, sizeof(buf), &len), EIOT_OK);
	assert_int_equal(len, 2);
	eiot_conn_free(conn);
	script_free(sp);
	eiot_config_free(s);
}

struct tamper {
	int mode;      /* 1 app byte flip, 2 compressed point, 3 version, 4 truncate hello */
	uint16_t version;
	unsigned hits;
};

static enum pump_action tamper_hook(void *user, struct pump_unit *u)
{
	struct tamper *t = user;
	bool dtls = u->len >= 13 && u->buf[1] == 0xFE;
	size_t hdr, body;

	if (u->dir != PUMP_C2S)
		return PUMP_PASS;
	if (t->mode == 1 && u->type == 23 && u->len > 20) {
		t->mode = 0;
		u->buf[u->len - 2] ^= 0x20;
		t->hits++;
	} else if (t->mode == 2 && u->plain &&
		   pump_find_hs(u, dtls, HT_CLIENT_KEY_EXCHANGE, &hdr, &body)) {
		assert_int_equal(u->buf[body + 1], 0x04);
		u->buf[body + 1] = 0x02;
		t->hits++;
	} else if (t->mode == 3 && u->plain &&
		   pump_find_hs(u, dtls, HT_CLIENT_HELLO, &hdr, &body)) {
		u->buf[body] = (uint8_t)(t->version >> 8);
		u->buf[body + 1] = (uint8_t)t->version;
		t->hits++;
	} else if (t->mode == 4 && u->plain && !dtls &&
		   pump_find_hs(u, false, HT_CLIENT_HELLO, &hdr, &body)) {
		/* version, random, session_id length 0, cipher_suites length, one byte:
		 * well-formed record and handshake header, the hello cut inside a vector */
		size_t cut = 2 + 32 + 1 + 2 + 1;

		assert_int_equal(hdr, 5);
		u->buf[6] = 0;
		u->buf[7] = 0;
		u->buf[8] = (uint8_t)cut;
		u->buf[3] = 0;
		u->buf[4] = (uint8_t)(4 + cut);
		u->len = 5 + 4 + cut;
		t->hits++;
	}
	return PUMP_PASS;
}

/* TLS: a flipped ciphertext byte is fatal with bad_record_mac (RFC 5246 §7.2.2). */
static void tls_tampered_record_bad_record_mac(void **state)
{
	struct eiot_config *c, *s;
	struct pump *p = psk_pump(EIOT_TLS, psk_id, sizeof(psk_id) - 1, psk_key, &c, &s);
	struct tamper t = { 0, 0, 0 };
	static const char msg[] = "precious payload";

	(void)state;
	p->hook = tamper_hook;
	p->hook_user = &t;
	assert_int_equal(pump_run(p), 0);
	assert_true(pump_established(p));
	t.mode = 1;
	pump_write(p, PUMP_CLIENT, msg, sizeof(msg));
	assert_int_equal(t.hits, 1);
	assert_fatal(p, PUMP_SERVER, EIOT_ERR_BAD_RECORD_MAC, EIOT_ALERT_BAD_RECORD_MAC, false, true);
	done(p, c, s);
}

static struct pump *ecdhe_pump(enum eiot_transport tr, struct tamper *t, struct eiot_config **c,
			       struct eiot_config **s)
{
	struct pump *p;

	*c = pump_cfg_cert_client(tr, false);
	*s = pump_cfg_cert_server(tr, "server", false);
	assert_non_null(*c);
	assert_non_null(*s);
	p = pump_new(*c, *s, 11);
	assert_non_null(p);
	p->hook = tamper_hook;
	p->hook_user = t;
	return p;
}

/* RFC 8422 §5.1.2, RFC 7925 §4.4.3: only uncompressed points. */
static void tls_compressed_point_illegal_parameter(void **state)
{
	struct tamper t = { 2, 0, 0 };
	struct eiot_config *c, *s;
	struct pump *p = ecdhe_pump(EIOT_TLS, &t, &c, &s);

	(void)state;
	assert_int_equal(pump_run(p), 0);
	assert_int_equal(t.hits, 1);
	assert_fatal(p, PUMP_SERVER, EIOT_ERR_BAD_POINT, EIOT_ALERT_ILLEGAL_PARAMETER, true, false);
	done(p, c, s);
}

/* A client offering only a non-profile suite to a strict RFC 7925 server. */
static void tls_unsupported_suite_handshake_failure(void **state)
{
	struct tamper t = { 0, 0, 0 };
	struct eiot_config *c, *s;
	struct pump *p;

	(void)state;
	c = pump_cfg_cert_client(EIOT_TLS, false);
	s = pump_cfg_cert_server(EIOT_TLS, "server", false);
	assert_non_null(c);
	assert_non_null(s);
	pump_cfg_suite(c, EIOT_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
	assert_int_equal(eiot_config_set_strict_profile(s, true), EIOT_OK);
	p = pump_new(c, s, 12);
	assert_non_null(p);
	p->hook = tamper_hook;
	p->hook_user = &t;
	assert_int_equal(pump_run(p), 0);
	assert_fatal(p, PUMP_SERVER, EIOT_ERR_NO_SHARED_SUITE, EIOT_ALERT_HANDSHAKE_FAILURE, true,
		     false);
	done(p, c, s);
}

/* A ClientHello claiming an older version: protocol_version (RFC 5246 App. E.1). */
static void version_downgrade(enum eiot_transport tr, uint16_t version)
{
	struct tamper t = { 3, version, 0 };
	struct eiot_config *c, *s;
	struct pump *p = psk_pump(tr, psk_id, sizeof(psk_id) - 1, psk_key, &c, &s);

	p->hook = tamper_hook;
	p->hook_user = &t;
	assert_int_equal(pump_run(p), 0);
	assert_true(t.hits >= 1);
	assert_fatal(p, PUMP_SERVER, EIOT_ERR_PROTOCOL_VERSION, EIOT_ALERT_PROTOCOL_VERSION, true,
		     true);
	done(p, c, s);
}

static void tls_version_downgrade_protocol_version(void **state)
{
	(void)state;
	version_downgrade(EIOT_TLS, 0x0302);
}

static void dtls_version_downgrade_protocol_version(void **state)
{
	(void)state;
	version_downgrade(EIOT_DTLS, 0xFEFF);
}

/* A ClientHello cut short inside a well-formed record: decode_error. */
static void tls_truncated_client_hello_decode_error(void **state)
{
	struct tamper t = { 4, 0, 0 };
	struct eiot_config *c, *s;
	struct pump *p = psk_pump(EIOT_TLS, psk_id, sizeof(psk_id) - 1, psk_key, &c, &s);

	(void)state;
	p->hook = tamper_hook;
	p->hook_user = &t;
	assert_int_equal(pump_run(p), 0);
	assert_int_equal(t.hits, 1);
	assert_fatal(p, PUMP_SERVER, EIOT_ERR_DECODE, EIOT_ALERT_DECODE_ERROR, true, true);
	done(p, c, s);
}

/* RFC 5746 / RFC 7925: no renegotiation. A HelloRequest to an established client gets a
 * warning no_renegotiation; the connection stays up. */
static void tls_hello_request_no_renegotiation(void **state)
{
	struct eiot_config *c = pump_cfg_psk(EIOT_CLIENT, EIOT_TLS, psk_id, sizeof(psk_id) - 1,
					     psk_key, 16, NULL);
	struct script_peer *sp = script_new(false, psk_id, sizeof(psk_id) - 1, psk_key, 16);
	struct eiot_conn *conn;
	int level, desc, sent, recv;
	size_t app;
	uint8_t buf[16];

	(void)state;
	assert_non_null(c);
	assert_non_null(sp);
	conn = eiot_conn_new(c, 0);
	assert_non_null(conn);
	assert_int_equal(script_handshake(sp, conn, false, 0), 0);
	/* the engine client takes the scripted server's Finished when it is fed */
	assert_int_equal(eiot_conn_state(conn), EIOT_STATE_ESTABLISHED);
	assert_int_equal(script_send_hs(sp, conn, HT_HELLO_REQUEST, NULL, 0, 1), 0);
	assert_int_equal(script_poll(sp, conn, &level, &desc, &app), 0);
	assert_int_equal(level, 1);
	assert_int_equal(desc, EIOT_ALERT_NO_RENEGOTIATION);
	assert_int_equal(eiot_conn_state(conn), EIOT_STATE_ESTABLISHED);
	eiot_conn_last_alert(conn, &sent, &recv);
	assert_int_equal(sent, EIOT_ALERT_NO_RENEGOTIATION);
	assert_int_equal(script_send_app(sp, conn, (const uint8_t *)"still", 5, 2), 0);
	assert_int_equal(eiot_conn_read(conn, buf, sizeof(buf), &app), EIOT_OK);
	assert_int_equal(app, 5);
	eiot_conn_free(conn);
	script_free(sp);
	eiot_config_free(c);
}

/* A second ClientHello on an established server: warning no_renegotiation, still up. */
static void tls_client_hello_renegotiation_refused(void **state)
{
	struct eiot_config *s = pump_cfg_psk(EIOT_SERVER, EIOT_TLS, psk_id, sizeof(psk_id) - 1,
					     psk_key, 16, NULL);
	struct script_peer *sp = script_new(true, psk_id, sizeof(psk_id) - 1, psk_key, 16);
	struct eiot_conn *conn = eiot_conn_new(s, 0);
	uint8_t ch[512], buf[16];
	size_t n, app;
	int level, desc, sent, recv;

	(void)state;
	assert_non_null(conn);
	assert_int_equal(script_handshake(sp, conn, false, 0), 0);
	n = script_client_hello(sp, ch, sizeof(ch));
	assert_true(n > 0);
	assert_int_equal(script_send_hs(sp, conn, HT_CLIENT_HELLO, ch, n, 1), 0);
	assert_int_equal(script_poll(sp, conn, &level, &desc, &app), 0);
	assert_int_equal(level, 1);
	assert_int_equal(desc, EIOT_ALERT_NO_RENEGOTIATION);
	assert_int_equal(eiot_conn_state(conn), EIOT_STATE_ESTABLISHED);
	eiot_conn_last_alert(conn, &sent, &recv);
	assert_int_equal(sent, EIOT_ALERT_NO_RENEGOTIATION);
	assert_int_equal(script_send_app(sp, conn, (const uint8_t *)"still", 5, 2), 0);
	assert_int_equal(eiot_conn_read(conn, buf, sizeof(buf), &app), EIOT_OK);
	assert_int_equal(app, 5);
	eiot_conn_free(conn);
	script_free(sp);
	eiot_config_free(s);
}

/* The alert table itself never names a RESERVED alert, and PSK-relevant errors never map
 * to certificate alerts. */
static void err_alert_table_has_no_reserved_alerts(void **state)
{
	(void)state;
	for (int e = 0; e < EIOT_ERR__COUNT; e++) {
		int a = eiot_err_alert(e);

		assert_false(pump_alert_reserved(a));
		assert_int_not_equal(a, 30);
	}
	assert_int_equal(eiot_err_alert(EIOT_ERR_PSK_UNKNOWN_IDENTITY), EIOT_ALERT_DECRYPT_ERROR);
	assert_int_equal(eiot_err_alert(EIOT_ERR_BAD_FINISHED), EIOT_ALERT_DECRYPT_ERROR);
	assert_int_equal(eiot_err_alert(EIOT_ERR_RENEGOTIATION), EIOT_ALERT_NO_RENEGOTIATION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tls_wrong_psk_fatal_on_both_sides),
		cmocka_unit_test(dtls_wrong_psk_times_out),
		cmocka_unit_test(tls_psk_unknown_identity_decrypt_error),
		cmocka_unit_test(dtls_psk_unknown_identity_decrypt_error),
		cmocka_unit_test(tls_scripted_client_completes_handshake),
		cmocka_unit_test(tls_bad_finished_decrypt_error),
		cmocka_unit_test(tls_tampered_record_bad_record_mac),
		cmocka_unit_test(tls_compressed_point_illegal_parameter),
		cmocka_unit_test(tls_unsupported_suite_handshake_failure),
		cmocka_unit_test(tls_version_downgrade_protocol_version),
		cmocka_unit_test(dtls_version_downgrade_protocol_version),
		cmocka_unit_test(tls_truncated_client_hello_decode_error),
		cmocka_unit_test(tls_hello_request_no_renegotiation),
		cmocka_unit_test(tls_client_hello_renegotiation_refused),
		cmocka_unit_test(err_alert_table_has_no_reserved_alerts),
	};

	return cmocka_run_group_tests_name("engine_negative", tests, NULL, NULL);
}
