/*
 * tests/unit/test_engine_matrix.c — every valid suite x credential x transport combination
 * completes through the pump: the negotiated suite, extended master secret (RFC 7627), the
 * RFC 5705 exporter equal on both sides, application data both ways; plus the PSK limits
 * (128-byte identity, 64-byte key, RFC 7925 §4.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"

enum cred { CRED_PSK, CRED_PSK_HINT, CRED_ECDHE, CRED_ECDHE_MUTUAL };

struct mcase {
	uint16_t suite;
	enum cred cred;
	enum eiot_transport tr;
};

static const uint8_t psk_id[] = "device-0001";
static const uint8_t psk_key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void make_cfgs(const struct mcase *mc, struct eiot_config **c, struct eiot_config **s)
{
	if (mc->cred == CRED_PSK || mc->cred == CRED_PSK_HINT) {
		*c = pump_cfg_psk(EIOT_CLIENT, mc->tr, psk_id, sizeof(psk_id) - 1, psk_key,
				  sizeof(psk_key), NULL);
		*s = pump_cfg_psk(EIOT_SERVER, mc->tr, psk_id, sizeof(psk_id) - 1, psk_key,
				  sizeof(psk_key), mc->cred == CRED_PSK_HINT ? "hint-1" : NULL);
	} else {
		bool mutual = mc->cred == CRED_ECDHE_MUTUAL;

		*c = pump_cfg_cert_client(mc->tr, mutual);
		*s = pump_cfg_cert_server(mc->tr, "server", mutual);
	}
	assert_non_null(*c);
	assert_non_null(*s);
	pump_cfg_suite(*c, mc->suite);
	pump_cfg_suite(*s, mc->suite);
}

/* Application data both ways; DTLS keeps message boundaries. */
static void exchange(struct pump *p)
{
	static const char c2s[] = "GET /temperature", s2c[] = "2.05 Content 21.5C";
	uint8_t buf[256];
	size_t len;

	assert_int_equal(pump_write(p, PUMP_CLIENT, c2s, sizeof(c2s)), EIOT_OK);
	assert_int_equal(pump_read(p, PUMP_SERVER, buf, sizeof(buf), &len), EIOT_OK);
	assert_int_equal(len, sizeof(c2s));
	assert_memory_equal(buf, c2s, len);
	assert_int_equal(pump_read(p, PUMP_SERVER, buf, sizeof(buf), &len), EIOT_ERR_WANT_MORE);

	assert_int_equal(pump_write(p, PUMP_SERVER, s2c, sizeof(s2c)), EIOT_OK);
	assert_int_equal(pump_read(p, PUMP_CLIENT, buf, sizeof(buf), &len), EIOT_OK);
	assert_int_equal(len, sizeof(s2c));
	assert_memory_equal(buf, s2c, len);
}

static void check_exporter(struct pump *p)
{
	static const uint8_t ctx[] = { 0xde, 0xad };
	uint8_t a[64], b[64], n1[64], n2[64];

	assert_int_equal(eiot_conn_export(p->conn[0], "EXPORTER-eap-iot-test", ctx, sizeof(ctx),
					  a, sizeof(a)), EIOT_OK);
	assert_int_equal(eiot_conn_export(p->conn[1], "EXPORTER-eap-iot-test", ctx, sizeof(ctx),
					  b, sizeof(b)), EIOT_OK);
	assert_memory_equal(a, b, sizeof(a));
	/* no context differs from an empty context (RFC 5705 §4) */
	assert_int_equal(eiot_conn_export(p->conn[0], "EXPORTER-eap-iot-test", NULL, 0, n1, 32),
			 EIOT_OK);
	assert_int_equal(eiot_conn_export(p->conn[1], "EXPORTER-eap-iot-test", ctx, 0, n2, 32),
			 EIOT_OK);
	assert_memory_not_equal(n1, n2, 32);
	assert_int_equal(eiot_conn_export(p->conn[1], "EXPORTER-eap-iot-test", NULL, 0, n2, 32),
			 EIOT_OK);
	assert_memory_equal(n1, n2, 32);
	assert_memory_not_equal(a, n1, 32);
}

static void run_case(void **state)
{
	const struct mcase *mc = *state;
	struct eiot_config *c, *s;
	struct pump *p;
	struct pump_result r;

	make_cfgs(mc, &c, &s);
	p = pump_new(c, s, mc->suite ^ (uint64_t)mc->cred << 16 ^ (uint64_t)mc->tr << 20);
	assert_non_null(p);
	assert_int_equal(pump_run(p), 0);
	pump_result(p, &r);
	assert_int_equal(r.err[PUMP_CLIENT], EIOT_OK);
	assert_int_equal(r.err[PUMP_SERVER], EIOT_OK);
	assert_true(pump_established(p));
	assert_int_equal(eiot_conn_suite(p->conn[0]), mc->suite);
	assert_int_equal(eiot_conn_suite(p->conn[1]), mc->suite);
	assert_true(eiot_conn_ems(p->conn[0]));
	assert_true(eiot_conn_ems(p->conn[1]));
	assert_int_equal(r.alert_sent[0], EIOT_ALERT_NONE);
	assert_int_equal(r.alert_sent[1], EIOT_ALERT_NONE);
	if (mc->cred == CRED_PSK || mc->cred == CRED_PSK_HINT) {
		size_t n = 0;
		const uint8_t *id = eiot_conn_psk_identity(p->conn[1], &n);

		assert_non_null(id);
		assert_int_equal(n, sizeof(psk_id) - 1);
		assert_memory_equal(id, psk_id, n);
	}
	if (mc->cred == CRED_ECDHE_MUTUAL) {
		static const uint8_t eui[8] = { 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
		uint8_t got[8];

		assert_int_equal(eiot_conn_peer_eui64(p->conn[1], got), EIOT_OK);
		assert_memory_equal(got, eui, 8);
	}
	check_exporter(p);
	exchange(p);
	if (p->dtls)
		assert_true(p->hvr >= 1); /* the cookie exchange ran (default on) */
	pump_free(p);
	eiot_config_free(c);
	eiot_config_free(s);
}

/* RFC 7925 §4.2: identities up to 128 bytes, keys up to 64 bytes. */
static void psk_max_sizes(void **state)
{
	const enum eiot_transport *tr = *state;
	uint8_t id[EIOT_MAX_PSK_IDENTITY], key[EIOT_MAX_PSK];
	struct eiot_config *c, *s;
	struct pump *p;

	for (size_t i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)(0xff - i);
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7);
	c = pump_cfg_psk(EIOT_CLIENT, *tr, id, sizeof(id), key, sizeof(key), NULL);
	s = pump_cfg_psk(EIOT_SERVER, *tr, id, sizeof(id), key, sizeof(key), NULL);
	assert_non_null(c);
	assert_non_null(s);
	p = pump_new(c, s, 77);
	assert_non_null(p);
	assert_int_equal(pump_run(p), 0);
	assert_true(pump_established(p));
	check_exporter(p);
	exchange(p);
	pump_free(p);
	eiot_config_free(c);
	eiot_config_free(s);
}

static void psk_over_limits_refused(void **state)
{
	uint8_t id[EIOT_MAX_PSK_IDENTITY + 1] = { 0 }, key[EIOT_MAX_PSK + 1] = { 0 };
	struct eiot_config *c = eiot_config_new(EIOT_CLIENT, EIOT_TLS);

	(void)state;
	assert_non_null(c);
	assert_int_equal(eiot_config_set_psk(c, id, sizeof(id), key, 16), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_psk(c, id, 16, key, sizeof(key)), EIOT_ERR_BAD_PARAM);
	eiot_config_free(c);
}

#define MC(su, cr, t) { su, cr, t }
static const struct mcase cases[] = {
	MC(0xC0A8, CRED_PSK, EIOT_TLS), MC(0xC0A8, CRED_PSK_HINT, EIOT_TLS),
	MC(0xC0AE, CRED_ECDHE, EIOT_TLS), MC(0xC0AE, CRED_ECDHE_MUTUAL, EIOT_TLS),
	MC(0xC0AC, CRED_ECDHE, EIOT_TLS), MC(0xC0AC, CRED_ECDHE_MUTUAL, EIOT_TLS),
	MC(0xC02B, CRED_ECDHE, EIOT_TLS), MC(0xC02B, CRED_ECDHE_MUTUAL, EIOT_TLS),
	MC(0xC0A8, CRED_PSK, EIOT_DTLS), MC(0xC0A8, CRED_PSK_HINT, EIOT_DTLS),
	MC(0xC0AE, CRED_ECDHE, EIOT_DTLS), MC(0xC0AE, CRED_ECDHE_MUTUAL, EIOT_DTLS),
	MC(0xC0AC, CRED_ECDHE, EIOT_DTLS), MC(0xC0AC, CRED_ECDHE_MUTUAL, EIOT_DTLS),
	MC(0xC02B, CRED_ECDHE, EIOT_DTLS), MC(0xC02B, CRED_ECDHE_MUTUAL, EIOT_DTLS),
};
static const enum eiot_transport tr_tls = EIOT_TLS, tr_dtls = EIOT_DTLS;

static void tls_psk_max_identity_and_key(void **s) { psk_max_sizes(s); }
static void dtls_psk_max_identity_and_key(void **s) { psk_max_sizes(s); }

#define CASE(i, name) cmocka_unit_test_prestate(name, (void *)&cases[i])

static void tls_psk(void **s) { run_case(s); }
static void tls_psk_hint(void **s) { run_case(s); }
static void tls_ccm8_ecdhe(void **s) { run_case(s); }
static void tls_ccm8_ecdhe_mutual(void **s) { run_case(s); }
static void tls_ccm_ecdhe(void **s) { run_case(s); }
static void tls_ccm_ecdhe_mutual(void **s) { run_case(s); }
static void tls_gcm_ecdhe(void **s) { run_case(s); }
static void tls_gcm_ecdhe_mutual(void **s) { run_case(s); }
static void dtls_psk(void **s) { run_case(s); }
static void dtls_psk_hint(void **s) { run_case(s); }
static void dtls_ccm8_ecdhe(void **s) { run_case(s); }
static void dtls_ccm8_ecdhe_mutual(void **s) { run_case(s); }
static void dtls_ccm_ecdhe(void **s) { run_case(s); }
static void dtls_ccm_ecdhe_mutual(void **s) { run_case(s); }
static void dtls_gcm_ecdhe(void **s) { run_case(s); }
static void dtls_gcm_ecdhe_mutual(void **s) { run_case(s); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(0, tls_psk), CASE(1, tls_psk_hint),
		CASE(2, tls_ccm8_ecdhe), CASE(3, tls_ccm8_ecdhe_mutual),
		CASE(4, tls_ccm_ecdhe), CASE(5, tls_ccm_ecdhe_mutual),
		CASE(6, tls_gcm_ecdhe), CASE(7, tls_gcm_ecdhe_mutual),
		CASE(8, dtls_psk), CASE(9, dtls_psk_hint),
		CASE(10, dtls_ccm8_ecdhe), CASE(11, dtls_ccm8_ecdhe_mutual),
		CASE(12, dtls_ccm_ecdhe), CASE(13, dtls_ccm_ecdhe_mutual),
		CASE(14, dtls_gcm_ecdhe), CASE(15, dtls_gcm_ecdhe_mutual),
		cmocka_unit_test_prestate(tls_psk_max_identity_and_key, (void *)&tr_tls),
		cmocka_unit_test_prestate(dtls_psk_max_identity_and_key, (void *)&tr_dtls),
		cmocka_unit_test(psk_over_limits_refused),
	};

	return cmocka_run_group_tests_name("engine_matrix", tests, NULL, NULL);
}
