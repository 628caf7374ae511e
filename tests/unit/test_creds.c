/*
 * tests/unit/test_creds.c — certificate credentials (tls/creds.c over crypto/x509_mbedtls.c):
 * loading own credentials and trust anchors, the peer chain check against every broken
 * certificate of configs/pki/make_pki.sh (in $EIOT_PKI_DIR), and the pure name-matching and
 * EUI-64 rules as tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/x509_fault.h"
#include "eap_iot/config.h"
#include "eap_iot/err.h"
#include "tls/config_int.h"
#include "tls/creds.h"

/* 2030-01-01T00:00:00Z: inside the good certificates' 2020..2049 validity. */
#define NOW_2030 1893456000
/* server-expired / device-expired: notBefore 2023-01-01, notAfter 2024-01-01 (00:00:00Z). */
#define EXPIRED_NOT_BEFORE 1672531200
#define EXPIRED_NOT_AFTER 1704067200

static const char *pki_dir(void)
{
	const char *d = getenv("EIOT_PKI_DIR");
	return d ? d : "build/pki";
}

static const char *pki(const char *name)
{
	static char path[2][512];
	static int which;
	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/%s", pki_dir(), name);
	return path[which];
}

static char last_log[512];
static void capture_log(void *user, enum eiot_log_level level, const char *line)
{
	(void)user;
	(void)level;
	snprintf(last_log, sizeof(last_log), "%s", line);
}

static int64_t fixed_now;
static int64_t fixed_time(void *user)
{
	(void)user;
	return fixed_now;
}

/* A client configuration trusting ca.pem, expecting aaa.example.com, clock at 2030. */
static struct eiot_config *client_cfg(void)
{
	struct eiot_config *cfg = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	assert_non_null(cfg);
	eiot_config_set_log(cfg, capture_log, NULL, EIOT_LOG_DEBUG);
	assert_int_equal(eiot_config_add_trust_file(cfg, pki("ca.pem")), 0);
	assert_int_equal(eiot_config_set_server_name(cfg, "aaa.example.com"), 0);
	fixed_now = NOW_2030;
	assert_int_equal(eiot_config_set_time(cfg, EIOT_TIME_CALLBACK, fixed_time, NULL), 0);
	last_log[0] = '\0';
	return cfg;
}

static struct eiot_config *server_cfg(void)
{
	struct eiot_config *cfg = eiot_config_new(EIOT_SERVER, EIOT_TLS);
	assert_non_null(cfg);
	eiot_config_set_log(cfg, capture_log, NULL, EIOT_LOG_DEBUG);
	assert_int_equal(eiot_config_add_trust_file(cfg, pki("ca.pem")), 0);
	fixed_now = NOW_2030;
	assert_int_equal(eiot_config_set_time(cfg, EIOT_TIME_CALLBACK, fixed_time, NULL), 0);
	last_log[0] = '\0';
	return cfg;
}

/* Present the certificates of a PEM file (leaf first) as a peer would; returns the result. */
static int present(const struct eiot_config *cfg, const char *file, bool peer_is_server,
		   uint8_t eui64[8], bool *has_eui64)
{
	struct eiot_x509_chain chain;
	const uint8_t *certs[8];
	size_t lens[8];
	struct eiot_pkey key;
	uint8_t eui_tmp[8];
	bool has_tmp;

	eiot_x509_chain_init(&chain);
	assert_int_equal(eiot_x509_chain_add_file(&chain, pki(file)), 0);
	size_t n = eiot_x509_chain_count(&chain);
	assert_true(n >= 1 && n <= 8);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(eiot_x509_chain_der(&chain, i, &certs[i], &lens[i]), 0);
	int err = creds_verify_peer(cfg, certs, lens, n, peer_is_server, &key,
				    eui64 ? eui64 : eui_tmp, has_eui64 ? has_eui64 : &has_tmp, NULL);
	if (err == 0) {
		assert_true(key.ready);
		eiot_pkey_free(&key);
	} else {
		assert_false(key.ready);
	}
	eiot_x509_chain_free(&chain);
	return err;
}

static int present_server(const struct eiot_config *cfg, const char *file)
{
	return present(cfg, file, true, NULL, NULL);
}

/* ---- the good chain ---- */

static void test_good_server_accepted(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server.pem"), 0);
	eiot_config_free(cfg);
}

static void test_anchor_included_in_chain_accepted(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	struct eiot_x509_chain chain;
	const uint8_t *certs[2];
	size_t lens[2];
	struct eiot_pkey key;
	uint8_t eui[8];
	bool has;

	eiot_x509_chain_init(&chain);
	assert_int_equal(eiot_x509_chain_add_file(&chain, pki("server.pem")), 0);
	assert_int_equal(eiot_x509_chain_add_file(&chain, pki("ca.pem")), 0);
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(eiot_x509_chain_der(&chain, i, &certs[i], &lens[i]), 0);
	assert_int_equal(creds_verify_peer(cfg, certs, lens, 2, true, &key, eui, &has, NULL), 0);
	eiot_pkey_free(&key);
	eiot_x509_chain_free(&chain);
	eiot_config_free(cfg);
}

static void test_system_clock_accepts_good_server(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(eiot_config_set_time(cfg, EIOT_TIME_SYSTEM, NULL, NULL), 0);
	assert_int_equal(present_server(cfg, "server.pem"), 0);
	eiot_config_free(cfg);
}

/* ---- one test per broken certificate ---- */

static void test_expired_server_refused(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server-expired.pem"), EIOT_ERR_CERT_EXPIRED);
	assert_non_null(strstr(last_log, "expired at 2024-01-01T00:00:00Z"));
	assert_non_null(strstr(last_log, "CN=aaa.example.com"));
	eiot_config_free(cfg);
}

static void test_not_yet_valid_server_refused(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server-notyet.pem"), EIOT_ERR_CERT_NOT_YET_VALID);
	assert_non_null(strstr(last_log, "2045-01-01T00:00:00Z"));
	eiot_config_free(cfg);
}

static void test_clockless_mode_accepts_expired(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(eiot_config_set_time(cfg, EIOT_TIME_NONE, NULL, NULL), 0);
	assert_int_equal(present_server(cfg, "server-expired.pem"), 0);
	assert_int_equal(present_server(cfg, "server-notyet.pem"), 0);
	/* Only the dates are skipped: the trust path still counts. */
	assert_int_equal(present_server(cfg, "server-untrusted.pem"), EIOT_ERR_CERT_UNTRUSTED);
	eiot_config_free(cfg);
}

/* A clock that fails (time() == -1 on a board without one, a callback saying so) does not skip
 * the dates as the clock-less mode does: the certificate is refused. */
static void test_failing_clock_refuses(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	fixed_now = -1;
	assert_int_equal(present_server(cfg, "server.pem"), EIOT_ERR_CERT_BAD);
	assert_non_null(strstr(last_log, "the clock gives no time"));
	eiot_config_free(cfg);
}

/* RFC 5280 §4.1.2.5: both ends of the validity period are inclusive. */
static void test_validity_boundaries(void **state)
{
	(void)state;
	static const struct {
		int64_t now;
		int err;
	} tab[] = {
		{ EXPIRED_NOT_BEFORE - 1, EIOT_ERR_CERT_NOT_YET_VALID },
		{ EXPIRED_NOT_BEFORE, 0 },
		{ EXPIRED_NOT_AFTER, 0 },
		{ EXPIRED_NOT_AFTER + 1, EIOT_ERR_CERT_EXPIRED },
	};
	struct eiot_config *cfg = client_cfg();
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		fixed_now = tab[i].now;
		assert_int_equal(present_server(cfg, "server-expired.pem"), tab[i].err);
	}
	eiot_config_free(cfg);
}

static void test_wrong_name_refused(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server-wrongname.pem"), EIOT_ERR_CERT_NAME_MISMATCH);
	assert_non_null(strstr(last_log, "'other.example.com'"));
	eiot_config_free(cfg);
}

static void test_wildcard_refused_by_default(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server-wildcard.pem"), EIOT_ERR_CERT_WILDCARD);
	assert_int_equal(eiot_config_set_name_policy(cfg, EIOT_NAME_ALLOW_WILDCARD), 0);
	assert_int_equal(present_server(cfg, "server-wildcard.pem"), 0);
	eiot_config_free(cfg);
}

static void test_two_names_refused_by_default(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server-twonames.pem"), EIOT_ERR_CERT_NAME_MISMATCH);
	assert_non_null(strstr(last_log, "2 dNSNames"));
	assert_int_equal(eiot_config_set_name_policy(cfg, EIOT_NAME_ALLOW_MULTIPLE), 0);
	assert_int_equal(present_server(cfg, "server-twonames.pem"), 0);
	eiot_config_free(cfg);
}

static void test_cn_only_refused_by_default(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server-cnonly.pem"), EIOT_ERR_CERT_NAME_MISMATCH);
	assert_int_equal(eiot_config_set_name_policy(cfg, EIOT_NAME_ALLOW_CN), 0);
	assert_int_equal(present_server(cfg, "server-cnonly.pem"), 0);
	eiot_config_free(cfg);
}

static void test_skip_check_accepts_any_name(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(eiot_config_set_name_policy(cfg, EIOT_NAME_SKIP_CHECK), 0);
	assert_int_equal(present_server(cfg, "server-wrongname.pem"), 0);
	assert_int_equal(present_server(cfg, "server-expired.pem"), EIOT_ERR_CERT_EXPIRED);
	eiot_config_free(cfg);
}

static void test_p384_key_refused(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server-p384.pem"), EIOT_ERR_CERT_BAD_KEY);
	eiot_config_free(cfg);
}

static void test_untrusted_issuer_refused(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server-untrusted.pem"), EIOT_ERR_CERT_UNTRUSTED);
	assert_non_null(strstr(last_log, "eap_iot other root"));
	eiot_config_free(cfg);
}

static void test_no_trust_anchor_untrusted(void **state)
{
	(void)state;
	struct eiot_config *cfg = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	assert_non_null(cfg);
	assert_int_equal(eiot_config_set_server_name(cfg, "aaa.example.com"), 0);
	assert_int_equal(present_server(cfg, "server.pem"), EIOT_ERR_CERT_UNTRUSTED);
	eiot_config_free(cfg);
}

static void test_forged_signature_untrusted(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	struct eiot_x509_chain chain;
	const uint8_t *der;
	size_t len;
	struct eiot_pkey key;
	uint8_t eui[8];
	bool has;

	eiot_x509_chain_init(&chain);
	assert_int_equal(eiot_x509_chain_add_file(&chain, pki("server.der")), 0);
	assert_int_equal(eiot_x509_chain_der(&chain, 0, &der, &len), 0);
	uint8_t *copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, der, len);
	/* The last bytes are the ECDSA s value; change one. */
	copy[len - 2] ^= 0x01;
	const uint8_t *certs[1] = { copy };
	assert_int_equal(creds_verify_peer(cfg, certs, &len, 1, true, &key, eui, &has, NULL),
			 EIOT_ERR_CERT_UNTRUSTED);
	free(copy);
	eiot_x509_chain_free(&chain);
	eiot_config_free(cfg);
}

static void test_garbage_certificate_bad(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	const uint8_t *certs[1] = { junk };
	size_t lens[1] = { sizeof(junk) };
	struct eiot_pkey key;
	uint8_t eui[8];
	bool has;
	assert_int_equal(creds_verify_peer(cfg, certs, lens, 1, true, &key, eui, &has, NULL),
			 EIOT_ERR_CERT_BAD);
	assert_int_equal(creds_verify_peer(cfg, certs, lens, 0, true, &key, eui, &has, NULL),
			 EIOT_ERR_CERT_BAD);
	assert_int_equal(creds_verify_peer(cfg, certs, lens, 0, false, &key, eui, &has, NULL),
			 EIOT_ERR_CERT_REQUIRED);
	eiot_config_free(cfg);
}

static void test_chain4_too_long_chain3_ok(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server-chain3.pem"), 0);
	assert_int_equal(present_server(cfg, "server-chain4.pem"), EIOT_ERR_CERT_CHAIN_TOO_LONG);
	assert_int_equal(eiot_config_set_max_chain(cfg, 4), 0);
	assert_int_equal(present_server(cfg, "server-chain4.pem"), 0);
	assert_int_equal(eiot_config_set_max_chain(cfg, 2), 0);
	assert_int_equal(present_server(cfg, "server-chain3.pem"), EIOT_ERR_CERT_CHAIN_TOO_LONG);
	eiot_config_free(cfg);
}

static void test_client_auth_only_server_cert_usage(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(present_server(cfg, "server-clientauth.pem"), EIOT_ERR_CERT_USAGE);
	assert_non_null(strstr(last_log, "serverAuth"));
	assert_int_equal(eiot_config_set_check_usage(cfg, false), 0);
	assert_int_equal(present_server(cfg, "server-clientauth.pem"), 0);
	eiot_config_free(cfg);
}

/* ---- client certificates (server side) ---- */

static void test_device_eui64_extracted(void **state)
{
	(void)state;
	static const uint8_t want[8] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
	struct eiot_config *cfg = server_cfg();
	uint8_t eui[8] = { 0 };
	bool has = false;
	assert_int_equal(present(cfg, "device.pem", false, eui, &has), 0);
	assert_true(has);
	assert_memory_equal(eui, want, 8);
	eiot_config_free(cfg);
}

static void test_client_without_eui64_has_none(void **state)
{
	(void)state;
	struct eiot_config *cfg = server_cfg();
	uint8_t eui[8];
	bool has = true;
	/* Usage off: a server certificate as a client one, to get a leaf with no EUI-64. */
	assert_int_equal(eiot_config_set_check_usage(cfg, false), 0);
	assert_int_equal(present(cfg, "server.pem", false, eui, &has), 0);
	assert_false(has);
	eiot_config_free(cfg);
}

static void test_expired_device_refused(void **state)
{
	(void)state;
	struct eiot_config *cfg = server_cfg();
	assert_int_equal(present(cfg, "device-expired.pem", false, NULL, NULL), EIOT_ERR_CERT_EXPIRED);
	eiot_config_free(cfg);
}

static void test_server_cert_as_client_cert_usage(void **state)
{
	(void)state;
	struct eiot_config *cfg = server_cfg();
	assert_int_equal(present(cfg, "server.pem", false, NULL, NULL), EIOT_ERR_CERT_USAGE);
	assert_non_null(strstr(last_log, "clientAuth"));
	eiot_config_free(cfg);
}

/* ---- own credentials and trust anchors ---- */

static void test_own_cert_loads(void **state)
{
	(void)state;
	struct eiot_config *cfg = server_cfg();
	assert_int_equal(eiot_config_set_own_cert_file(cfg, pki("server.pem"), pki("server.key.pem"),
							NULL), 0);
	assert_true(cfg->has_own_cert);
	assert_int_equal(cfg->n_own_chain, 1);
	/* Replacing it with a 3-certificate chain frees the old one. */
	assert_int_equal(eiot_config_set_own_cert_file(cfg, pki("server-chain3.pem"),
							pki("server-chain3.key.pem"), NULL), 0);
	assert_int_equal(cfg->n_own_chain, 3);
	eiot_config_free(cfg);
}

static void test_own_cert_der_loads(void **state)
{
	(void)state;
	struct eiot_config *cfg = server_cfg();
	struct eiot_x509_chain chain;
	const uint8_t *der;
	size_t len;
	uint8_t key[512];

	FILE *f = fopen(pki("server.key.der"), "rb");
	assert_non_null(f);
	size_t key_len = fread(key, 1, sizeof(key), f);
	fclose(f);
	assert_true(key_len > 0);
	eiot_x509_chain_init(&chain);
	assert_int_equal(eiot_x509_chain_add_file(&chain, pki("server.der")), 0);
	assert_int_equal(eiot_x509_chain_der(&chain, 0, &der, &len), 0);
	assert_int_equal(eiot_config_set_own_cert_der(cfg, &der, &len, 1, key, key_len), 0);
	assert_int_equal(cfg->own_chain_len[0], len);
	assert_memory_equal(cfg->own_chain_der[0], der, len);
	eiot_x509_chain_free(&chain);
	eiot_config_free(cfg);
}

static void test_key_mismatch_at_load(void **state)
{
	(void)state;
	struct eiot_config *cfg = server_cfg();
	assert_int_equal(eiot_config_set_own_cert_file(cfg, pki("server.pem"), pki("device.key.pem"),
							NULL), EIOT_ERR_KEY_MISMATCH);
	assert_false(cfg->has_own_cert);
	assert_non_null(strstr(last_log, "does not match"));
	eiot_config_free(cfg);
}

static void test_p384_own_credentials_refused(void **state)
{
	(void)state;
	struct eiot_config *cfg = server_cfg();
	assert_int_equal(eiot_config_set_own_cert_file(cfg, pki("server-p384.pem"),
							pki("server-p384.key.pem"), NULL),
			 EIOT_ERR_CERT_BAD_KEY);
	assert_int_equal(eiot_config_set_own_cert_file(cfg, pki("server.pem"),
							pki("server-p384.key.pem"), NULL),
			 EIOT_ERR_CERT_BAD_KEY);
	assert_false(cfg->has_own_cert);
	eiot_config_free(cfg);
}

static void test_missing_files_refused(void **state)
{
	(void)state;
	struct eiot_config *cfg = server_cfg();
	assert_int_equal(eiot_config_set_own_cert_file(cfg, pki("nope.pem"), pki("server.key.pem"),
							NULL), EIOT_ERR_FILE);
	assert_non_null(strstr(last_log, "nope.pem"));
	assert_int_equal(eiot_config_set_own_cert_file(cfg, pki("server.pem"), pki("nope.key.pem"),
							NULL), EIOT_ERR_FILE);
	assert_non_null(strstr(last_log, "nope.key.pem"));
	/* A key file is not a certificate file. */
	assert_int_equal(eiot_config_add_trust_file(cfg, pki("ca.key.pem")), EIOT_ERR_FILE);
	assert_int_equal(eiot_config_add_trust_file(cfg, pki("nope.pem")), EIOT_ERR_FILE);
	assert_false(cfg->has_own_cert);
	assert_int_equal(eiot_x509_chain_count(&cfg->trust), 1);
	eiot_config_free(cfg);
}

static void test_trust_der_and_many_anchors(void **state)
{
	(void)state;
	struct eiot_config *cfg = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	uint8_t der[2048];
	assert_non_null(cfg);
	FILE *f = fopen(pki("ca.der"), "rb");
	assert_non_null(f);
	size_t len = fread(der, 1, sizeof(der), f);
	fclose(f);
	assert_int_equal(eiot_config_add_trust_der(cfg, der, len), 0);
	assert_int_equal(eiot_config_add_trust_der(cfg, der, len - 1), EIOT_ERR_CERT_BAD);
	assert_int_equal(eiot_config_add_trust_file(cfg, pki("other-ca.pem")), 0);
	assert_int_equal(eiot_x509_chain_count(&cfg->trust), 2);
	assert_int_equal(eiot_config_set_server_name(cfg, "aaa.example.com"), 0);
	assert_int_equal(present_server(cfg, "server.pem"), 0);
	assert_int_equal(present_server(cfg, "server-untrusted.pem"), 0);
	eiot_config_free(cfg);
}

/* ---- setters ---- */

static void test_server_name_validation(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int err;
	} tab[] = {
		{ "aaa.example.com", 0 },
		{ "AAA.Example.COM", 0 },
		{ "localhost", 0 },
		{ "a-b.c1", 0 },
		{ "", EIOT_ERR_BAD_PARAM },
		{ "192.0.2.1", EIOT_ERR_BAD_PARAM },       /* IP literal, not a DNS-ID */
		{ "2001:db8::1", EIOT_ERR_BAD_PARAM },
		{ "*.example.com", EIOT_ERR_BAD_PARAM },
		{ "example.com.", EIOT_ERR_BAD_PARAM },
		{ ".example.com", EIOT_ERR_BAD_PARAM },
		{ "a..b", EIOT_ERR_BAD_PARAM },
		{ "-a.example.com", EIOT_ERR_BAD_PARAM },
		{ "a-.example.com", EIOT_ERR_BAD_PARAM },
		{ "a_b.example.com", EIOT_ERR_BAD_PARAM },
		{ "aaa.example.com\n", EIOT_ERR_BAD_PARAM },
	};
	struct eiot_config *cfg = client_cfg();
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		assert_int_equal(eiot_config_set_server_name(cfg, tab[i].name), tab[i].err);
	char label64[80], long_name[400];
	memset(label64, 'a', 64);
	label64[64] = '\0';
	assert_int_equal(eiot_config_set_server_name(cfg, label64), EIOT_ERR_BAD_PARAM);
	label64[63] = '\0';
	assert_int_equal(eiot_config_set_server_name(cfg, label64), 0);
	/* 4 x 63 + 3 dots = 255 > 253 */
	snprintf(long_name, sizeof(long_name), "%s.%s.%s.%s", label64, label64, label64, label64);
	assert_int_equal(eiot_config_set_server_name(cfg, long_name), EIOT_ERR_BAD_PARAM);
	long_name[253] = '\0';
	assert_int_equal(eiot_config_set_server_name(cfg, long_name), 0);
	assert_string_equal(cfg->server_name, long_name);
	eiot_config_free(cfg);
}

static void test_option_ranges(void **state)
{
	(void)state;
	struct eiot_config *cfg = client_cfg();
	assert_int_equal(eiot_config_set_max_chain(cfg, 0), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_max_chain(cfg, 9), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_max_chain(cfg, 8), 0);
	assert_int_equal(eiot_config_set_name_policy(cfg, 0x10), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_time(cfg, EIOT_TIME_CALLBACK, NULL, NULL), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_time(cfg, (enum eiot_time_mode)7, NULL, NULL),
			 EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_verify_client(cfg, EIOT_VERIFY_REQUIRED), EIOT_ERR_BAD_PARAM);
	eiot_config_free(cfg);
	cfg = server_cfg();
	assert_int_equal(eiot_config_set_verify_client(cfg, EIOT_VERIFY_REQUIRED), 0);
	assert_int_equal(eiot_config_set_verify_client(cfg, (enum eiot_verify_client)3),
			 EIOT_ERR_BAD_PARAM);
	assert_int_equal(cfg->verify_client, EIOT_VERIFY_REQUIRED);
	eiot_config_free(cfg);
}

/* ---- pure rules ---- */

static void test_name_matching_table(void **state)
{
	(void)state;
	enum { W = EIOT_NAME_ALLOW_WILDCARD, C = EIOT_NAME_ALLOW_CN, M = EIOT_NAME_ALLOW_MULTIPLE,
	       S = EIOT_NAME_SKIP_CHECK };
	static const struct {
		const char *ref;
		const char *san[2]; /* NULL-terminated, up to 2 */
		const char *cn;
		unsigned policy;
		int err;
	} tab[] = {
		{ "aaa.example.com", { "aaa.example.com" }, NULL, 0, 0 },
		{ "aaa.example.com", { "AAA.EXAMPLE.com" }, NULL, 0, 0 },
		{ "aaa.example.com", { "aaa.example.co" }, NULL, 0, EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.example.com", { "aaa.example.com." }, NULL, 0, EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.example.com", { "other.example.com" }, NULL, 0, EIOT_ERR_CERT_NAME_MISMATCH },
		/* wildcards */
		{ "aaa.example.com", { "*.example.com" }, NULL, 0, EIOT_ERR_CERT_WILDCARD },
		{ "aaa.example.com", { "*.example.com" }, NULL, W, 0 },
		{ "aaa.example.com", { "*.EXAMPLE.COM" }, NULL, W, 0 },
		{ "a.b.example.com", { "*.example.com" }, NULL, W, EIOT_ERR_CERT_NAME_MISMATCH },
		{ "example.com", { "*.example.com" }, NULL, W, EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.com", { "*.com" }, NULL, W, EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.example.com", { "a*.example.com" }, NULL, W, EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.example.com", { "aaa.*.com" }, NULL, W, EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.example.com", { "*.*.com" }, NULL, W, EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.example.com", { "*" }, NULL, W, EIOT_ERR_CERT_NAME_MISMATCH },
		/* several names */
		{ "aaa.example.com", { "aaa.example.com", "bbb.example.com" }, NULL, 0,
		  EIOT_ERR_CERT_NAME_MISMATCH },
		{ "bbb.example.com", { "aaa.example.com", "bbb.example.com" }, NULL, M, 0 },
		{ "ccc.example.com", { "aaa.example.com", "bbb.example.com" }, NULL, M,
		  EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.example.com", { "aaa.example.com", "*.example.com" }, NULL, M,
		  EIOT_ERR_CERT_WILDCARD },
		/* CN */
		{ "aaa.example.com", { NULL }, "aaa.example.com", 0, EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.example.com", { NULL }, "aaa.example.com", C, 0 },
		{ "aaa.example.com", { NULL }, "bbb.example.com", C, EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.example.com", { "bbb.example.com" }, "aaa.example.com", C,
		  EIOT_ERR_CERT_NAME_MISMATCH },
		{ "aaa.example.com", { NULL }, "*.example.com", C, EIOT_ERR_CERT_WILDCARD },
		{ "aaa.example.com", { NULL }, NULL, C, EIOT_ERR_CERT_NAME_MISMATCH },
		/* skip */
		{ "aaa.example.com", { "zzz.example.org" }, NULL, S, 0 },
		{ "", { "aaa.example.com" }, NULL, 0, EIOT_ERR_CERT_NAME_MISMATCH },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		const uint8_t *names[2];
		size_t lens[2], n = 0;
		while (n < 2 && tab[i].san[n]) {
			names[n] = (const uint8_t *)tab[i].san[n];
			lens[n] = strlen(tab[i].san[n]);
			n++;
		}
		const uint8_t *cn = (const uint8_t *)tab[i].cn;
		int err = creds_match_name(tab[i].ref, names, lens, n, cn, cn ? strlen(tab[i].cn) : 0,
					   tab[i].policy);
		if (err != tab[i].err)
			fail_msg("row %zu: got %d want %d", i, err, tab[i].err);
	}
}

/* An embedded NUL must not let "aaa.example.com\0.evil" match. */
static void test_name_with_embedded_nul_mismatch(void **state)
{
	(void)state;
	static const uint8_t evil[] = "aaa.example.com\0.evil.org";
	const uint8_t *names[1] = { evil };
	size_t lens[1] = { sizeof(evil) - 1 };
	assert_int_equal(creds_match_name("aaa.example.com", names, lens, 1, NULL, 0, 0),
			 EIOT_ERR_CERT_NAME_MISMATCH);
}

static void test_eui64_parser_table(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int err;
		uint8_t want[8];
	} tab[] = {
		{ "00-11-22-33-44-55-66-77", 0, { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 } },
		{ "0011223344556677", 0, { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 } },
		{ "aa-BB-cc-DD-ee-FF-01-23", 0, { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23 } },
		{ "AABBCCDDEEFF0123", 0, { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23 } },
		{ "00:11:22:33:44:55:66:77", EIOT_ERR_DECODE, { 0 } },
		{ "00-11-22-33-44-55-66-7", EIOT_ERR_DECODE, { 0 } },
		{ "00-11-22-33-44-55-66-778", EIOT_ERR_DECODE, { 0 } },
		{ "001122334455667", EIOT_ERR_DECODE, { 0 } },
		{ "00112233445566778", EIOT_ERR_DECODE, { 0 } },
		{ "001122334455667g", EIOT_ERR_DECODE, { 0 } },
		{ "00-11-22-33-44-55-66-7g", EIOT_ERR_DECODE, { 0 } },
		{ "0-011-22-33-44-55-66-77", EIOT_ERR_DECODE, { 0 } },
		{ "00-11-22-33-44-55-66 77", EIOT_ERR_DECODE, { 0 } },
		{ "aaa.example.com", EIOT_ERR_DECODE, { 0 } },
		{ "", EIOT_ERR_DECODE, { 0 } },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		uint8_t out[8] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };
		int err = creds_parse_eui64((const uint8_t *)tab[i].text, strlen(tab[i].text), out);
		if (err != tab[i].err)
			fail_msg("row %zu (%s): got %d want %d", i, tab[i].text, err, tab[i].err);
		if (err == 0)
			assert_memory_equal(out, tab[i].want, 8);
	}
}

/* Certificate dates to seconds, across the range a certificate can state: UTCTime's first
 * year, the epoch, a leap day, 2^31 seconds, and GeneralizedTime's last second. */
static void test_certificate_dates_to_seconds(void **state)
{
	(void)state;
	static const struct {
		struct x509_fault_time t;
		int64_t want;
	} v[] = {
		{ { 1950, 1, 1, 0, 0, 0 }, -631152000 },
		{ { 1970, 1, 1, 0, 0, 0 }, 0 },
		{ { 2000, 2, 29, 12, 0, 0 }, 951825600 },
		{ { 2038, 1, 19, 3, 14, 8 }, INT64_C(2147483648) },
		{ { 9999, 12, 31, 23, 59, 59 }, INT64_C(253402300799) },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_true(x509_fault_seconds(&v[i].t) == v[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certificate_dates_to_seconds),
		cmocka_unit_test(test_good_server_accepted),
		cmocka_unit_test(test_anchor_included_in_chain_accepted),
		cmocka_unit_test(test_system_clock_accepts_good_server),
		cmocka_unit_test(test_expired_server_refused),
		cmocka_unit_test(test_not_yet_valid_server_refused),
		cmocka_unit_test(test_clockless_mode_accepts_expired),
		cmocka_unit_test(test_failing_clock_refuses),
		cmocka_unit_test(test_validity_boundaries),
		cmocka_unit_test(test_wrong_name_refused),
		cmocka_unit_test(test_wildcard_refused_by_default),
		cmocka_unit_test(test_two_names_refused_by_default),
		cmocka_unit_test(test_cn_only_refused_by_default),
		cmocka_unit_test(test_skip_check_accepts_any_name),
		cmocka_unit_test(test_p384_key_refused),
		cmocka_unit_test(test_untrusted_issuer_refused),
		cmocka_unit_test(test_no_trust_anchor_untrusted),
		cmocka_unit_test(test_forged_signature_untrusted),
		cmocka_unit_test(test_garbage_certificate_bad),
		cmocka_unit_test(test_chain4_too_long_chain3_ok),
		cmocka_unit_test(test_client_auth_only_server_cert_usage),
		cmocka_unit_test(test_device_eui64_extracted),
		cmocka_unit_test(test_client_without_eui64_has_none),
		cmocka_unit_test(test_expired_device_refused),
		cmocka_unit_test(test_server_cert_as_client_cert_usage),
		cmocka_unit_test(test_own_cert_loads),
		cmocka_unit_test(test_own_cert_der_loads),
		cmocka_unit_test(test_key_mismatch_at_load),
		cmocka_unit_test(test_p384_own_credentials_refused),
		cmocka_unit_test(test_missing_files_refused),
		cmocka_unit_test(test_trust_der_and_many_anchors),
		cmocka_unit_test(test_server_name_validation),
		cmocka_unit_test(test_option_ranges),
		cmocka_unit_test(test_name_matching_table),
		cmocka_unit_test(test_name_with_embedded_nul_mismatch),
		cmocka_unit_test(test_eui64_parser_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
