/*
 * tests/unit/test_engine_records.c — small records end to end in memory:
 * max_fragment_length (RFC 6066 §4) and record_size_limit (RFC 8449) over TLS and DTLS. Every
 * record on the wire is measured: none may carry more plaintext than was agreed, in the
 * handshake flights and with application data larger than one record. Bad values get
 * illegal_parameter (RFC 6066 §4, RFC 8449 §4, §5).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"
#include "tls/conn_int.h"
#include "tls/msgs.h"
#include "util/bytes.h"

/* AEAD expansion of one record: explicit nonce 8 + tag (16 at most). */
#define EXPANSION 24

struct sizes {
	size_t max_plain[2]; /* per direction: largest record plaintext seen (upper bound) */
	size_t max_protected[2];
	bool dtls;
};

/* Walk every record of a unit (a DTLS datagram may hold several). */
static enum pump_action measure(void *user, struct pump_unit *u)
{
	struct sizes *s = user;
	size_t hdr = s->dtls ? 13 : 5, off = 0;
	while (u->len - off >= hdr) {
		size_t len = (size_t)u->buf[off + hdr - 2] << 8 | u->buf[off + hdr - 1];
		bool prot = s->dtls ? (u->buf[off + 3] || u->buf[off + 4]) : !u->plain;
		size_t plain = prot && len >= EXPANSION ? len - EXPANSION : len;
		if (plain > s->max_plain[u->dir])
			s->max_plain[u->dir] = plain;
		if (prot && plain > s->max_protected[u->dir])
			s->max_protected[u->dir] = plain;
		off += hdr + len;
	}
	return PUMP_PASS;
}

static void log_sink(void *user, enum eiot_log_level level, const char *line)
{
	fprintf(stderr, "  [%s] %d %s\n", (const char *)user, level, line);
}

static struct pump *cert_pump(enum eiot_transport tr, size_t mfl, size_t c_rsl, size_t s_rsl)
{
	struct eiot_config *cc = pump_cfg_cert_client(tr, true);
	struct eiot_config *sc = pump_cfg_cert_server(tr, "server", true);
	assert_non_null(cc);
	assert_non_null(sc);
	assert_int_equal(eiot_config_set_max_fragment_length(cc, mfl), EIOT_OK);
	assert_int_equal(eiot_config_set_record_size_limit(cc, c_rsl), EIOT_OK);
	assert_int_equal(eiot_config_set_record_size_limit(sc, s_rsl), EIOT_OK);
	if (getenv("EIOT_TEST_LOG")) {
		eiot_config_set_log(cc, log_sink, "client", EIOT_LOG_DEBUG);
		eiot_config_set_log(sc, log_sink, "server", EIOT_LOG_DEBUG);
	}
	struct pump *p = pump_new(cc, sc, 31);
	assert_non_null(p);
	return p;
}

static void pump_done(struct pump *p)
{
	struct eiot_config *cc = p->cfg[PUMP_CLIENT], *sc = p->cfg[PUMP_SERVER];
	pump_free(p);
	eiot_config_free(cc);
	eiot_config_free(sc);
}

/* Handshake, then 3000 bytes each way; returns what the wire carried. */
static void run_measured(struct pump *p, struct sizes *s)
{
	static uint8_t data[3000];
	uint8_t buf[4096];
	size_t got, len;
	memset(s, 0, sizeof(*s));
	memset(data, 0x5a, sizeof(data));
	s->dtls = p->dtls;
	p->hook = measure;
	p->hook_user = s;
	assert_int_equal(pump_run(p), 0);
	assert_true(pump_established(p));
	/* in pieces the receiver's buffers (two records) can hold before it reads */
	for (int side = 0; side < 2; side++) {
		for (size_t off = 0; off < sizeof(data); off += 500) {
			assert_int_equal(pump_write(p, side, data + off, 500), 0);
			for (got = 0; got < 500; got += len) {
				assert_int_equal(pump_read(p, !side, buf, sizeof(buf), &len), 0);
				assert_true(len > 0);
			}
			assert_int_equal(got, 500);
		}
	}
}

static void check_mfl(enum eiot_transport tr)
{
	struct sizes s;
	struct pump *p = cert_pump(tr, 512, 0, 0);
	run_measured(p, &s);
	/* the whole server flight (certificate chain included) and all data: 512 at most */
	assert_true(s.max_plain[PUMP_S2C] <= 512);
	assert_true(s.max_plain[PUMP_C2S] <= 512);
	assert_true(s.max_protected[PUMP_C2S] > 400); /* data did fill the records */
	pump_done(p);
}

static void test_tls_mfl_512_records_never_above(void **state)
{
	(void)state;
	check_mfl(EIOT_TLS);
}

static void test_dtls_mfl_512_records_never_above(void **state)
{
	(void)state;
	check_mfl(EIOT_DTLS);
}

static void check_rsl(enum eiot_transport tr)
{
	struct sizes s;
	struct pump *p = cert_pump(tr, 0, 256, 1000);
	run_measured(p, &s);
	/* each side sends at most what the other advertised, in protected records */
	assert_true(s.max_protected[PUMP_S2C] <= 256);
	assert_true(s.max_protected[PUMP_S2C] > 200);
	assert_true(s.max_protected[PUMP_C2S] <= 1000);
	assert_true(s.max_protected[PUMP_C2S] > 256);
	pump_done(p);
}

static void test_tls_rsl_both_ways(void **state)
{
	(void)state;
	check_rsl(EIOT_TLS);
}

static void test_dtls_rsl_both_ways(void **state)
{
	(void)state;
	check_rsl(EIOT_DTLS);
}

/* RFC 8449 §5: a server that answers record_size_limit ignores max_fragment_length. */
static void test_rsl_wins_over_mfl(void **state)
{
	(void)state;
	struct sizes s;
	static const uint8_t big[1500];
	uint8_t buf[2048];
	size_t len;
	struct pump *p = cert_pump(EIOT_TLS, 512, 2000, 2000);
	run_measured(p, &s);
	assert_int_equal(pump_write(p, PUMP_CLIENT, big, sizeof(big)), 0);
	assert_int_equal(pump_read(p, PUMP_SERVER, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, sizeof(big)); /* one record: the server's 2000 bytes, not MFL's 512 */
	assert_true(s.max_protected[PUMP_C2S] > 512);
	assert_true(s.max_protected[PUMP_C2S] <= 2000);
	assert_true(s.max_protected[PUMP_S2C] <= 512); /* the client's buffers are sized for MFL */
	pump_done(p);
}

/* A server without a limit of its own still keeps to the client's. */
static void test_server_without_rsl_honours_client_limit(void **state)
{
	(void)state;
	struct sizes s;
	static const uint8_t big[1500];
	uint8_t buf[2048];
	size_t len;
	struct pump *p = cert_pump(EIOT_TLS, 0, 300, 0);
	run_measured(p, &s);
	assert_int_equal(pump_write(p, PUMP_CLIENT, big, sizeof(big)), 0);
	assert_int_equal(pump_read(p, PUMP_SERVER, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, sizeof(big));
	assert_true(s.max_protected[PUMP_S2C] <= 300);
	assert_true(s.max_protected[PUMP_C2S] > 300);
	pump_done(p);
}

/* ---- negative: rewrite one extension in the first plaintext hello going one way ---- */

struct rewrite {
	enum pump_dir dir;
	const uint8_t *from, *to;
	size_t len;
	bool done;
};

static enum pump_action rewrite_hello(void *user, struct pump_unit *u)
{
	struct rewrite *r = user;
	if (r->done || u->dir != r->dir || !u->plain)
		return PUMP_PASS;
	for (size_t i = 0; i + r->len <= u->len; i++) {
		if (!memcmp(u->buf + i, r->from, r->len)) {
			memcpy(u->buf + i, r->to, r->len);
			r->done = true;
			break;
		}
	}
	return PUMP_PASS;
}

static void expect_failure(struct pump *p, struct rewrite *r, enum pump_side who, int err)
{
	struct pump_result res;
	p->hook = rewrite_hello;
	p->hook_user = r;
	pump_run(p);
	assert_true(r->done);
	pump_result(p, &res);
	assert_int_equal(res.err[who], err);
	assert_int_equal(res.alert_sent[who], EIOT_ALERT_ILLEGAL_PARAMETER);
	pump_done(p);
}

static void test_client_hello_mfl_code_5_illegal_parameter(void **state)
{
	(void)state;
	static const uint8_t from[] = { 0x00, 0x01, 0x00, 0x01, 0x01 },
			     to[] = { 0x00, 0x01, 0x00, 0x01, 0x05 };
	struct rewrite r = { PUMP_C2S, from, to, sizeof(from), false };
	expect_failure(cert_pump(EIOT_TLS, 512, 0, 0), &r, PUMP_SERVER, EIOT_ERR_ILLEGAL_PARAMETER);
}

static void test_client_hello_rsl_below_64_illegal_parameter(void **state)
{
	(void)state;
	static const uint8_t from[] = { 0x00, 0x1c, 0x00, 0x02, 0x01, 0x00 },
			     to[] = { 0x00, 0x1c, 0x00, 0x02, 0x00, 0x3f };
	struct rewrite r = { PUMP_C2S, from, to, sizeof(from), false };
	expect_failure(cert_pump(EIOT_TLS, 0, 256, 0), &r, PUMP_SERVER, EIOT_ERR_ILLEGAL_PARAMETER);
}

static void test_server_hello_other_mfl_code_illegal_parameter(void **state)
{
	(void)state;
	static const uint8_t from[] = { 0x00, 0x01, 0x00, 0x01, 0x01 },
			     to[] = { 0x00, 0x01, 0x00, 0x01, 0x02 };
	struct rewrite r = { PUMP_S2C, from, to, sizeof(from), false };
	expect_failure(cert_pump(EIOT_TLS, 512, 0, 0), &r, PUMP_CLIENT, EIOT_ERR_ILLEGAL_PARAMETER);
}

static void test_server_hello_rsl_below_64_illegal_parameter(void **state)
{
	(void)state;
	static const uint8_t from[] = { 0x00, 0x1c, 0x00, 0x02, 0x03, 0xe8 },
			     to[] = { 0x00, 0x1c, 0x00, 0x02, 0x00, 0x10 };
	struct rewrite r = { PUMP_S2C, from, to, sizeof(from), false };
	expect_failure(cert_pump(EIOT_TLS, 0, 256, 1000), &r, PUMP_CLIENT, EIOT_ERR_ILLEGAL_PARAMETER);
}

/* RFC 8449 §5: both in a ServerHello (renegotiation_info made into max_fragment_length). */
static void test_server_hello_mfl_and_rsl_illegal_parameter(void **state)
{
	(void)state;
	static const uint8_t from[] = { 0xff, 0x01, 0x00, 0x01, 0x00 },
			     to[] = { 0x00, 0x01, 0x00, 0x01, 0x01 };
	struct rewrite r = { PUMP_S2C, from, to, sizeof(from), false };
	expect_failure(cert_pump(EIOT_TLS, 512, 1000, 1000), &r, PUMP_CLIENT,
		       EIOT_ERR_ILLEGAL_PARAMETER);
}

static void test_setters_refuse_bad_values(void **state)
{
	(void)state;
	struct eiot_config *c = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	struct eiot_config *s = eiot_config_new(EIOT_SERVER, EIOT_TLS);
	assert_int_equal(eiot_config_set_max_fragment_length(c, 500), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_max_fragment_length(c, 8192), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_max_fragment_length(s, 512), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_record_size_limit(c, 63), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_record_size_limit(c, 16385), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_record_size_limit(c, 64), EIOT_OK);
	/* a client offering 512 allocates buffers for 512-byte records */
	size_t big = eiot_conn_size(c);
	assert_int_equal(eiot_config_set_max_fragment_length(c, 512), EIOT_OK);
	assert_true(eiot_conn_size(c) + 2 * 15000 < big);
	eiot_config_free(c);
	eiot_config_free(s);
}

/* A DTLS flight's datagram is built in the caller's buffer, cut for the MTU whatever the
 * buffer: one too small for it, even for its first record or only for its last, gets
 * EIOT_ERR_BUFFER_TOO_SMALL, and the datagram then comes whole with the record numbers it
 * would have had. */
static void test_dtls_flight_datagram_whole_or_refused(void **state)
{
	(void)state;
	static const uint8_t id[] = "small-buffer", key[16] = { 0x5a };
	struct eiot_config *cc = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, id, sizeof(id) - 1, key, sizeof(key), NULL);
	struct eiot_config *sc = pump_cfg_psk(EIOT_SERVER, EIOT_DTLS, id, sizeof(id) - 1, key, sizeof(key), NULL);
	assert_non_null(cc);
	assert_non_null(sc);
	struct eiot_conn *cli = eiot_conn_new(cc, 0), *srv = eiot_conn_new(sc, 0);
	assert_non_null(cli);
	assert_non_null(srv);
	uint8_t d[1280];
	size_t len = 1, first, whole;

	assert_int_equal(eiot_conn_output(cli, d, 20, &len), EIOT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(len, 0);
	assert_int_equal(eiot_conn_output(cli, d, 60, &len), EIOT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(eiot_conn_output(cli, d, sizeof(d), &len), EIOT_OK);
	assert_true(len > 60);
	assert_int_equal(ld_be48(d + 5), 0); /* the refused attempts took no record number */
	assert_int_equal(eiot_conn_feed(srv, d, len, 1), EIOT_OK);

	/* the server's flight: ServerHello and ServerHelloDone, two records in one datagram */
	assert_int_equal(eiot_conn_output(srv, d, sizeof(d), &whole), EIOT_OK);
	first = REC_DTLS_HEADER + ld_be16(d + 11);
	assert_true(first < whole);
	uint8_t again[1280];
	hs_flight_resend(srv);
	assert_int_equal(eiot_conn_output(srv, again, first, &len), EIOT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(eiot_conn_output(srv, again, whole, &len), EIOT_OK);
	assert_int_equal(len, whole);
	assert_int_equal(ld_be48(again + 5), ld_be48(d + 5) + 2); /* after the first sending's two */
	assert_int_equal(eiot_conn_feed(cli, again, len, 2), EIOT_OK);

	for (int turn = 0; turn < 3; turn++) {
		assert_int_equal(pump_move_all(cli, srv, 3), EIOT_OK);
		assert_int_equal(pump_move_all(srv, cli, 3), EIOT_OK);
	}
	assert_int_equal(eiot_conn_state(cli), EIOT_STATE_ESTABLISHED);
	assert_int_equal(eiot_conn_state(srv), EIOT_STATE_ESTABLISHED);
	eiot_conn_free(cli);
	eiot_conn_free(srv);
	eiot_config_free(cc);
	eiot_config_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_mfl_512_records_never_above),
		cmocka_unit_test(test_dtls_mfl_512_records_never_above),
		cmocka_unit_test(test_tls_rsl_both_ways),
		cmocka_unit_test(test_dtls_rsl_both_ways),
		cmocka_unit_test(test_rsl_wins_over_mfl),
		cmocka_unit_test(test_server_without_rsl_honours_client_limit),
		cmocka_unit_test(test_client_hello_mfl_code_5_illegal_parameter),
		cmocka_unit_test(test_client_hello_rsl_below_64_illegal_parameter),
		cmocka_unit_test(test_server_hello_other_mfl_code_illegal_parameter),
		cmocka_unit_test(test_server_hello_rsl_below_64_illegal_parameter),
		cmocka_unit_test(test_server_hello_mfl_and_rsl_illegal_parameter),
		cmocka_unit_test(test_setters_refuse_bad_values),
		cmocka_unit_test(test_dtls_flight_datagram_whole_or_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
