/*
 * tests/unit/test_engine_basic.c — the engine end to end in memory: a client and a server
 * connection joined by a tiny pump (TLS byte stream / DTLS datagrams through the stateless
 * cookie exchange), deterministic random sources, credentials from $EIOT_PKI_DIR. One PSK
 * and one mutual ECDHE-ECDSA handshake per transport, application data both ways, the
 * exporter and the identities each side learns. (The full matrix is in test_engine_*.c.)
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

static const char *pki(const char *name)
{
	static char path[4][512];
	static int which;
	const char *dir = getenv("EIOT_PKI_DIR");
	which = (which + 1) % 4;
	snprintf(path[which], sizeof(path[which]), "%s/%s", dir ? dir : "build/pki", name);
	return path[which];
}

/* xorshift64*: a deterministic random source per configuration */
static int det_random(void *user, uint8_t *out, size_t n)
{
	uint64_t *s = user;
	for (size_t i = 0; i < n; i++) {
		*s ^= *s >> 12;
		*s ^= *s << 25;
		*s ^= *s >> 27;
		out[i] = (uint8_t)((*s * 0x2545F4914F6CDD1DULL) >> 56);
	}
	return 0;
}

static void log_sink(void *user, enum eiot_log_level level, const char *line)
{
	(void)user;
	fprintf(stderr, "  [%s] %d %s\n", (const char *)user, level, line);
}

struct pair {
	struct eiot_config *cfg[2]; /* client, server */
	struct eiot_conn *conn[2];
	struct eiot_cookie_secret *cookie;
	uint64_t seed[2];
	bool dtls;
	bool no_cookie; /* DTLS: server conn made at once, no HelloVerifyRequest */
	uint64_t now;
	unsigned datagrams, hvr;
	unsigned sent[2];  /* units output per side */
	int drop_side;     /* drop unit number drop_idx of this side (-1: none) */
	unsigned drop_idx;
	size_t max_datagram;
};

static const uint8_t psk_id[] = "device-17";
static const uint8_t psk_key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void set_common(struct pair *p, int side)
{
	static const char *names[2] = { "client", "server" };
	p->seed[side] = 0x1234567890abcdefULL + (uint64_t)side;
	eiot_config_set_random(p->cfg[side], det_random, &p->seed[side]);
	if (getenv("EIOT_TEST_LOG"))
		eiot_config_set_log(p->cfg[side], log_sink, (void *)names[side], EIOT_LOG_DEBUG);
}

static void setup_psk(struct pair *p, enum eiot_transport tr)
{
	memset(p, 0, sizeof(*p));
	p->drop_side = -1;
	p->dtls = tr == EIOT_DTLS;
	p->cfg[0] = eiot_config_new(EIOT_CLIENT, tr);
	p->cfg[1] = eiot_config_new(EIOT_SERVER, tr);
	assert_non_null(p->cfg[0]);
	assert_non_null(p->cfg[1]);
	assert_int_equal(eiot_config_set_psk(p->cfg[0], psk_id, sizeof(psk_id) - 1, psk_key,
					     sizeof(psk_key)), EIOT_OK);
	assert_int_equal(eiot_config_add_psk(p->cfg[1], psk_id, sizeof(psk_id) - 1, psk_key,
					     sizeof(psk_key)), EIOT_OK);
	set_common(p, 0);
	set_common(p, 1);
}

static void setup_cert_mutual(struct pair *p, enum eiot_transport tr)
{
	memset(p, 0, sizeof(*p));
	p->drop_side = -1;
	p->dtls = tr == EIOT_DTLS;
	p->cfg[0] = eiot_config_new(EIOT_CLIENT, tr);
	p->cfg[1] = eiot_config_new(EIOT_SERVER, tr);
	assert_int_equal(eiot_config_add_trust_file(p->cfg[0], pki("ca.pem")), EIOT_OK);
	assert_int_equal(eiot_config_set_server_name(p->cfg[0], "aaa.example.com"), EIOT_OK);
	assert_int_equal(eiot_config_set_own_cert_file(p->cfg[0], pki("device.pem"),
						       pki("device.key.pem"), NULL), EIOT_OK);
	assert_int_equal(eiot_config_add_trust_file(p->cfg[1], pki("ca.pem")), EIOT_OK);
	assert_int_equal(eiot_config_set_own_cert_file(p->cfg[1], pki("server.pem"),
						       pki("server.key.pem"), NULL), EIOT_OK);
	assert_int_equal(eiot_config_set_verify_client(p->cfg[1], EIOT_VERIFY_REQUIRED), EIOT_OK);
	set_common(p, 0);
	set_common(p, 1);
}

static void start(struct pair *p)
{
	p->conn[0] = eiot_conn_new(p->cfg[0], p->now);
	assert_non_null(p->conn[0]);
	assert_int_equal(eiot_conn_state(p->conn[0]), EIOT_STATE_HANDSHAKE);
	if (p->dtls && !p->no_cookie) {
		p->cookie = eiot_cookie_secret_new(p->cfg[1], p->now);
		assert_non_null(p->cookie);
	} else {
		p->conn[1] = eiot_conn_new(p->cfg[1], p->now);
		assert_non_null(p->conn[1]);
	}
}

static void teardown_pair(struct pair *p)
{
	eiot_conn_free(p->conn[0]);
	eiot_conn_free(p->conn[1]);
	eiot_cookie_secret_free(p->cookie);
	eiot_config_free(p->cfg[0]);
	eiot_config_free(p->cfg[1]);
}

/* Move everything side `from` has to send; returns how many units moved. */
static unsigned move(struct pair *p, int from)
{
	static uint8_t buf[20000];
	unsigned moved = 0;
	for (int i = 0; i < 1000; i++) {
		size_t len = 0;
		eiot_conn_output(p->conn[from], buf, p->dtls ? 1500 : 700, &len);
		if (len == 0)
			break;
		moved++;
		if (from == p->drop_side && p->sent[from]++ == p->drop_idx)
			continue;
		if (p->dtls) {
			p->datagrams++;
			if (len > p->max_datagram)
				p->max_datagram = len;
		}
		if (from == 0 && !p->conn[1]) {
			uint8_t reply[600];
			size_t rl = 0;
			int r = eiot_dtls_accept(p->cookie, p->cfg[1], "addr", 4, buf, len, p->now, reply,
						 sizeof(reply), &rl);
			if (r == EIOT_ERR_COOKIE_SENT) {
				p->hvr++;
				eiot_conn_feed(p->conn[0], reply, rl, p->now);
				continue;
			}
			if (r != EIOT_OK)
				continue;
			p->conn[1] = eiot_conn_new(p->cfg[1], p->now);
			assert_non_null(p->conn[1]);
		}
		eiot_conn_feed(p->conn[1 - from], buf, len, p->now);
	}
	return moved;
}

/* Move units until both sides are quiet; then jump the clock to the next timer while a
 * side is still handshaking. */
static void run(struct pair *p)
{
	for (int step = 0; step < 200; step++) {
		unsigned n = move(p, 0);
		if (p->conn[1])
			n += move(p, 1);
		if (n)
			continue;
		uint64_t next = UINT64_MAX;
		for (int i = 0; i < 2; i++)
			if (p->conn[i] && eiot_conn_next_timer(p->conn[i]) < next)
				next = eiot_conn_next_timer(p->conn[i]);
		if (next == UINT64_MAX)
			break;
		p->now = next;
		for (int i = 0; i < 2; i++)
			if (p->conn[i])
				eiot_conn_tick(p->conn[i], p->now);
	}
}

static void assert_established(struct pair *p)
{
	for (int i = 0; i < 2; i++) {
		assert_non_null(p->conn[i]);
		if (eiot_conn_state(p->conn[i]) != EIOT_STATE_ESTABLISHED)
			fail_msg("side %d: state %d, error %s", i, eiot_conn_state(p->conn[i]),
				 eiot_err_str(eiot_conn_error(p->conn[i])));
	}
	assert_true(eiot_conn_ems(p->conn[0]));
	assert_true(eiot_conn_ems(p->conn[1]));
	assert_int_equal(eiot_conn_suite(p->conn[0]), eiot_conn_suite(p->conn[1]));

	uint8_t a[32], b[32], cr[2][32], sr[2][32];
	assert_int_equal(eiot_conn_export(p->conn[0], "EXPORTER-test", NULL, 0, a, sizeof(a)), EIOT_OK);
	assert_int_equal(eiot_conn_export(p->conn[1], "EXPORTER-test", NULL, 0, b, sizeof(b)), EIOT_OK);
	assert_memory_equal(a, b, sizeof(a));
	for (int i = 0; i < 2; i++)
		assert_int_equal(eiot_conn_randoms(p->conn[i], cr[i], sr[i]), EIOT_OK);
	assert_memory_equal(cr[0], cr[1], 32);
	assert_memory_equal(sr[0], sr[1], 32);
}

/* Write len bytes from one side, pump, and read them all on the other. */
static void app_roundtrip(struct pair *p, int from, size_t len)
{
	static uint8_t out[40000], in[40000];
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(i * 7 + (size_t)from);
	size_t sent = 0, got = 0;
	for (int round = 0; round < 100 && got < len; round++) {
		size_t w = 0;
		if (sent < len)
			assert_int_equal(eiot_conn_write(p->conn[from], out + sent, len - sent, &w), EIOT_OK);
		sent += w;
		move(p, from);
		for (;;) {
			size_t r = 0;
			int err = eiot_conn_read(p->conn[1 - from], in + got, sizeof(in) - got, &r);
			if (err == EIOT_ERR_WANT_MORE)
				break;
			assert_int_equal(err, EIOT_OK);
			got += r;
		}
	}
	assert_int_equal(got, len);
	assert_memory_equal(in, out, len);
}

static void check_psk(enum eiot_transport tr)
{
	struct pair p;
	setup_psk(&p, tr);
	start(&p);
	run(&p);
	assert_established(&p);
	assert_int_equal(eiot_conn_suite(p.conn[0]), EIOT_PSK_WITH_AES_128_CCM_8);
	size_t id_len;
	const uint8_t *id = eiot_conn_psk_identity(p.conn[1], &id_len);
	assert_non_null(id);
	assert_int_equal(id_len, sizeof(psk_id) - 1);
	assert_memory_equal(id, psk_id, id_len);
	app_roundtrip(&p, 0, 100);
	app_roundtrip(&p, 1, 20000);
	assert_int_equal(eiot_conn_close(p.conn[0]), EIOT_OK);
	move(&p, 0);
	assert_int_equal(eiot_conn_state(p.conn[1]), EIOT_STATE_CLOSED);
	teardown_pair(&p);
}

static void check_cert_mutual(enum eiot_transport tr, size_t mtu)
{
	struct pair p;
	setup_cert_mutual(&p, tr);
	if (mtu) {
		assert_int_equal(eiot_config_set_mtu(p.cfg[0], mtu), EIOT_OK);
		assert_int_equal(eiot_config_set_mtu(p.cfg[1], mtu), EIOT_OK);
		/* a ClientHello fragmented over several 64-byte datagrams cannot pass the stateless
		 * cookie check (eiot_dtls_accept reassembles one datagram's fragments only): run
		 * without cookies */
		assert_int_equal(eiot_config_set_cookie(p.cfg[1], false), EIOT_OK);
		p.no_cookie = true;
	}
	start(&p);
	run(&p);
	assert_established(&p);
	assert_int_equal(eiot_conn_suite(p.conn[0]), EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8);
	uint8_t eui[8];
	static const uint8_t want[8] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
	assert_int_equal(eiot_conn_peer_eui64(p.conn[1], eui), EIOT_OK);
	assert_memory_equal(eui, want, 8);
	if (mtu)
		assert_true(p.max_datagram <= mtu);
	app_roundtrip(&p, 0, 3000);
	app_roundtrip(&p, 1, 50);
	teardown_pair(&p);
}

static void test_tls_psk(void **state)
{
	(void)state;
	check_psk(EIOT_TLS);
}

static void test_dtls_psk_with_cookie(void **state)
{
	(void)state;
	check_psk(EIOT_DTLS);
}

static void test_tls_ecdhe_mutual(void **state)
{
	(void)state;
	check_cert_mutual(EIOT_TLS, 0);
}

static void test_dtls_ecdhe_mutual(void **state)
{
	(void)state;
	check_cert_mutual(EIOT_DTLS, 0);
}

static void test_dtls_ecdhe_mutual_mtu64(void **state)
{
	(void)state;
	check_cert_mutual(EIOT_DTLS, 64);
}

/* Each datagram of a DTLS handshake lost once in turn: the timer or the peer's repeated
 * flight brings it back (RFC 6347 §4.2.4). */
static void test_dtls_lost_datagram_is_retransmitted(void **state)
{
	(void)state;
	for (int side = 0; side < 2; side++) {
		for (unsigned idx = 0; idx < 6; idx++) {
			struct pair p;
			setup_cert_mutual(&p, EIOT_DTLS);
			assert_int_equal(eiot_config_set_mtu(p.cfg[0], 300), EIOT_OK);
			assert_int_equal(eiot_config_set_mtu(p.cfg[1], 300), EIOT_OK);
			p.drop_side = side;
			p.drop_idx = idx;
			start(&p);
			run(&p);
			assert_established(&p);
			p.drop_side = -1;
			app_roundtrip(&p, 0, 10);
			app_roundtrip(&p, 1, 10);
			teardown_pair(&p);
		}
	}
}

/* The client's last flight is lost: its timer resends it, and the server, already
 * established, answers the repeated flight with its own last flight again. */
static void test_dtls_lost_final_flight_psk(void **state)
{
	(void)state;
	for (unsigned idx = 1; idx < 4; idx++) {
		struct pair p;
		setup_psk(&p, EIOT_DTLS);
		p.drop_side = 1;
		p.drop_idx = idx;
		start(&p);
		run(&p);
		assert_established(&p);
		p.drop_side = -1;
		app_roundtrip(&p, 0, 10);
		teardown_pair(&p);
	}
}

/* A wrong PSK: TLS fails at once on the server (bad_record_mac on the client's Finished);
 * DTLS drops the unauthentic records silently and both sides give up at the timeout. */
static void test_wrong_psk(void **state)
{
	(void)state;
	static const uint8_t other[16] = { 9 };
	for (int tr = 0; tr < 2; tr++) {
		struct pair p;
		setup_psk(&p, tr ? EIOT_DTLS : EIOT_TLS);
		eiot_config_free(p.cfg[1]);
		p.cfg[1] = eiot_config_new(EIOT_SERVER, tr ? EIOT_DTLS : EIOT_TLS);
		assert_int_equal(eiot_config_add_psk(p.cfg[1], psk_id, sizeof(psk_id) - 1, other,
						     sizeof(other)), EIOT_OK);
		set_common(&p, 1);
		start(&p);
		run(&p);
		int sent, recv;
		if (tr) {
			assert_int_equal(eiot_conn_error(p.conn[0]), EIOT_ERR_TIMEOUT);
			assert_int_equal(eiot_conn_error(p.conn[1]), EIOT_ERR_TIMEOUT);
		} else {
			assert_int_equal(eiot_conn_error(p.conn[1]), EIOT_ERR_BAD_RECORD_MAC);
			assert_int_equal(eiot_conn_error(p.conn[0]), EIOT_ERR_PEER_ALERT);
			eiot_conn_last_alert(p.conn[0], &sent, &recv);
			assert_int_equal(recv, EIOT_ALERT_BAD_RECORD_MAC);
		}
		teardown_pair(&p);
	}
}

/* A suite the client lists more than once is offered once: the ClientHello has room for every
 * suite of the build, so the one after the repeats still goes out and is chosen. */
static void test_suite_listed_twice_offered_once(void **state)
{
	(void)state;
	static const uint16_t repeated[] = { EIOT_PSK_WITH_AES_128_CCM_8, EIOT_PSK_WITH_AES_128_CCM_8,
					     EIOT_PSK_WITH_AES_128_CCM_8, EIOT_PSK_WITH_AES_128_CCM_8,
					     EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8 };
	static const uint16_t ecdhe = EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8;
	struct pair p;
	setup_cert_mutual(&p, EIOT_DTLS);
	assert_int_equal(eiot_config_set_psk(p.cfg[0], psk_id, sizeof(psk_id) - 1, psk_key, sizeof(psk_key)),
			 EIOT_OK);
	assert_int_equal(eiot_config_set_suites(p.cfg[0], repeated, 5), EIOT_OK);
	assert_int_equal(eiot_config_set_suites(p.cfg[1], &ecdhe, 1), EIOT_OK);
	start(&p);
	run(&p);
	assert_established(&p);
	assert_int_equal(eiot_conn_suite(p.conn[0]), EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8);
	teardown_pair(&p);
}

/* Suite names both ways, OpenSSL's and IANA's, any case; unknown ones are 0 / NULL. */
static void test_suite_names(void **state)
{
	(void)state;
	assert_int_equal(eiot_suite_from_name("ECDHE-ECDSA-AES128-CCM8"),
			 EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8);
	assert_int_equal(eiot_suite_from_name("tls_psk_with_aes_128_ccm_8"), EIOT_PSK_WITH_AES_128_CCM_8);
	assert_int_equal(eiot_suite_from_name("ECDHE-ECDSA-AES128-GCM-SHA256"),
			 EIOT_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
	assert_int_equal(eiot_suite_from_name("ECDHE-ECDSA-AES256-GCM-SHA384"), 0);
	assert_int_equal(eiot_suite_from_name(""), 0);
	assert_int_equal(eiot_suite_from_name(NULL), 0);
	assert_string_equal(eiot_suite_name(EIOT_ECDHE_ECDSA_WITH_AES_128_CCM, true),
			    "ECDHE-ECDSA-AES128-CCM");
	assert_string_equal(eiot_suite_name(EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8, false),
			    "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8");
	assert_null(eiot_suite_name(0xC02C, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_names),
		cmocka_unit_test(test_tls_psk),
		cmocka_unit_test(test_dtls_psk_with_cookie),
		cmocka_unit_test(test_tls_ecdhe_mutual),
		cmocka_unit_test(test_dtls_ecdhe_mutual),
		cmocka_unit_test(test_dtls_ecdhe_mutual_mtu64),
		cmocka_unit_test(test_dtls_lost_datagram_is_retransmitted),
		cmocka_unit_test(test_dtls_lost_final_flight_psk),
		cmocka_unit_test(test_wrong_psk),
		cmocka_unit_test(test_suite_listed_twice_offered_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
