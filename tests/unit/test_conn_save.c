/*
 * tests/unit/test_conn_save.c — eiot_conn_save / eiot_conn_restore: a DTLS session kept in a
 * few dozen bytes talks again with no handshake; the record numbers a save reserves are the
 * only ones a connection sends with, so a crash after a send never repeats a nonce; a state
 * that is truncated, corrupted, spliced or for another configuration is refused, and one for
 * another connection's keys gets nothing accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"
#include "util/bytes.h"

static const uint8_t psk_id[] = "sleepy-dev";
static const uint8_t psk_key[16] = { 0x51, 0xee, 0x9d };

#include "psk_rig.h"

static void rig_up(struct rig *r, uint64_t seed)
{
	rig_up_cid(r, -1, -1, seed);
}

/* msg written on from, its datagram fed to to; returns the record number it went with. */
static uint64_t send_one(struct eiot_conn *from, struct eiot_conn *to, const char *msg, uint64_t now)
{
	uint8_t d[256];
	size_t w, n = strlen(msg);
	assert_int_equal(eiot_conn_write(from, (const uint8_t *)msg, n, &w), EIOT_OK);
	assert_int_equal(w, n);
	size_t len = next_dgram(from, d, sizeof(d));
	assert_int_equal(d[0], 23); /* application data */
	assert_int_equal(eiot_conn_feed(to, d, len, now), EIOT_OK);
	return ld_be48(d + 5);
}

static struct eiot_conn *restore_ok(const struct eiot_config *cfg, const uint8_t *st, size_t n)
{
	struct eiot_conn *c;
	assert_int_equal(eiot_conn_restore(cfg, st, n, 1000, &c), EIOT_OK);
	assert_non_null(c);
	assert_int_equal(eiot_conn_state(c), EIOT_STATE_ESTABLISHED);
	return c;
}

static void save_ok(struct eiot_conn *c, uint32_t reserve, uint8_t *st, size_t *n)
{
	assert_int_equal(eiot_conn_save(c, reserve, st, EIOT_SAVED_MAX, n), EIOT_OK);
}

/* The device saves, powers down (its connection is gone), restores and talks: the server,
 * which never saw it leave, answers on the same session. */
static void test_restored_client_talks_without_handshake(void **state)
{
	(void)state;
	struct rig r;
	uint8_t st[EIOT_SAVED_MAX];
	size_t n;
	rig_up(&r, 5);
	struct eiot_conn *srv = r.p->conn[PUMP_SERVER];
	save_ok(r.p->conn[PUMP_CLIENT], 8, st, &n);
	print_message("saved PSK connection: %zu bytes\n", n);
	assert_int_equal(n, 80);
	assert_true(n <= 128);
	eiot_conn_free(r.p->conn[PUMP_CLIENT]);
	r.p->conn[PUMP_CLIENT] = NULL;

	struct eiot_conn *dev = restore_ok(r.c, st, n);
	struct eiot_peer_info info;
	uint8_t key[16];
	assert_int_equal(eiot_conn_peer_info(dev, &info), EIOT_OK);
	assert_true(info.restored);
	assert_int_equal(eiot_conn_export(dev, "EXPORTER-test", NULL, 0, key, sizeof(key)), EIOT_ERR_WRONG_STATE);
	struct eiot_session sess;
	assert_int_equal(eiot_conn_get_session(dev, &sess), EIOT_ERR_WRONG_STATE); /* it has none */
	assert_int_equal(eiot_conn_suite(dev), EIOT_PSK_WITH_AES_128_CCM_8);
	/* nothing reserved yet: the first write waits for a stored save */
	size_t w;
	assert_int_equal(eiot_conn_write(dev, (const uint8_t *)"x", 1, &w), EIOT_ERR_SAVE_NEEDED);
	assert_int_equal(w, 0);
	assert_int_equal(eiot_conn_state(dev), EIOT_STATE_ESTABLISHED);
	save_ok(dev, 8, st, &n);

	send_one(dev, srv, "GET /temp", 1000);
	expect_read(srv, "GET /temp");
	send_one(srv, dev, "2.05 21.5C", 1001);
	expect_read(dev, "2.05 21.5C");
	eiot_conn_free(dev);
	rig_down(&r);
}

/* A save reserves exactly `reserve` numbers; the next one needs a new save, and the connection
 * stays usable meanwhile (writes refused whole, nothing half-queued). */
static void test_reservation_runs_out_then_save_again(void **state)
{
	(void)state;
	struct rig r;
	uint8_t st[EIOT_SAVED_MAX];
	size_t n, w;
	rig_up(&r, 6);
	struct eiot_conn *cli = r.p->conn[PUMP_CLIENT], *srv = r.p->conn[PUMP_SERVER];
	save_ok(cli, 2, st, &n);
	send_one(cli, srv, "one", 10);
	send_one(cli, srv, "two", 11);
	assert_int_equal(eiot_conn_write(cli, (const uint8_t *)"three", 5, &w), EIOT_ERR_SAVE_NEEDED);
	assert_int_equal(w, 0);
	uint8_t d[64];
	assert_int_equal(eiot_conn_output(cli, d, sizeof(d), &n), EIOT_OK);
	assert_int_equal(n, 0); /* nothing half-written went out */
	save_ok(cli, 1, st, &n);
	send_one(cli, srv, "three", 12);
	expect_read(srv, "one");
	expect_read(srv, "two");
	expect_read(srv, "three");
	/* close_notify needs a number too: without one the connection stays open, and after a
	 * save it closes with its close_notify */
	assert_int_equal(eiot_conn_close(cli), EIOT_ERR_SAVE_NEEDED);
	assert_int_equal(eiot_conn_state(cli), EIOT_STATE_ESTABLISHED);
	save_ok(cli, 1, st, &n);
	assert_int_equal(eiot_conn_close(cli), EIOT_OK);
	n = next_dgram(cli, d, sizeof(d));
	assert_int_equal(eiot_conn_feed(srv, d, n, 13), EIOT_OK);
	assert_int_equal(eiot_conn_state(srv), EIOT_STATE_CLOSED);
	rig_down(&r);
}

/* Crash right after a send: the stored state reserved that number, so the restored connection
 * starts above it and the server takes its record as new. */
static void test_crash_after_send_never_repeats_a_nonce(void **state)
{
	(void)state;
	struct rig r;
	uint8_t st[EIOT_SAVED_MAX];
	size_t n;
	rig_up(&r, 7);
	struct eiot_conn *srv = r.p->conn[PUMP_SERVER];
	save_ok(r.p->conn[PUMP_CLIENT], 3, st, &n);
	uint64_t a = send_one(r.p->conn[PUMP_CLIENT], srv, "before the crash", 20);
	uint64_t b = send_one(r.p->conn[PUMP_CLIENT], srv, "just before", 21);
	eiot_conn_free(r.p->conn[PUMP_CLIENT]); /* power lost: no save after the sends */
	r.p->conn[PUMP_CLIENT] = NULL;

	struct eiot_conn *dev = restore_ok(r.c, st, n);
	save_ok(dev, 3, st, &n);
	uint64_t c = send_one(dev, srv, "after the restore", 30);
	assert_true(b == a + 1);
	assert_true(c >= a + 3); /* above every number the lost connection could have used */
	expect_read(srv, "before the crash");
	expect_read(srv, "just before");
	expect_read(srv, "after the restore");
	eiot_conn_free(dev);
	rig_down(&r);
}

/* The server side saves too (once the client's data showed it has the last flight), and its
 * replay window comes back with it: a record seen before the save is dropped after it. */
static void test_restored_server_keeps_its_replay_window(void **state)
{
	(void)state;
	struct rig r;
	uint8_t st[EIOT_SAVED_MAX], d[256];
	size_t n, w, len;
	rig_up(&r, 8);
	struct eiot_conn *cli = r.p->conn[PUMP_CLIENT];
	assert_int_equal(eiot_conn_write(cli, (const uint8_t *)"hello", 5, &w), EIOT_OK);
	len = next_dgram(cli, d, sizeof(d));
	assert_int_equal(eiot_conn_feed(r.p->conn[PUMP_SERVER], d, len, 40), EIOT_OK);
	expect_read(r.p->conn[PUMP_SERVER], "hello");
	save_ok(r.p->conn[PUMP_SERVER], 16, st, &n);
	eiot_conn_free(r.p->conn[PUMP_SERVER]);
	r.p->conn[PUMP_SERVER] = NULL;

	struct eiot_conn *srv = restore_ok(r.s, st, n);
	save_ok(srv, 16, st, &n);
	uint8_t buf[16];
	assert_int_equal(eiot_conn_feed(srv, d, len, 50), EIOT_OK); /* the replay */
	assert_int_equal(eiot_conn_read(srv, buf, sizeof(buf), &len), EIOT_ERR_WANT_MORE);
	send_one(cli, srv, "again", 51);
	expect_read(srv, "again");
	send_one(srv, cli, "welcome back", 52);
	expect_read(cli, "welcome back");
	eiot_conn_free(srv);
	rig_down(&r);
}

/* Datagrams c sends in answer to forged epoch-0 fragments that look like the peer repeating
 * its last flight (each message_seq it could have used). */
static unsigned answers_to_forged_repeats(struct eiot_conn *c, uint64_t now)
{
	unsigned answers = 0;
	for (uint8_t seq = 0; seq < 6; seq++) {
		const uint8_t forged[] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, (uint8_t)(90 + seq), 0, 13,
					   16, 0, 0, 1, 0, seq, 0, 0, 0, 0, 0, 1, 0x42 };
		uint8_t d[512];
		size_t len;
		assert_int_equal(eiot_conn_feed(c, forged, sizeof(forged), now + seq), EIOT_OK);
		while (eiot_conn_output(c, d, sizeof(d), &len) == EIOT_OK && len)
			answers++;
	}
	return answers;
}

/* Nonce reuse through the kept flight: the server sent the handshake's last flight and keeps
 * it to answer a repeated client flight (RFC 6347 §4.2.4). Once the client's data came, a
 * repeat can only be forged: nothing is resent, before a save or after it, so no record takes a
 * number outside the reservation (which a restore would then use again). */
static void test_forged_repeated_flight_resends_nothing_once_peer_data_came(void **state)
{
	(void)state;
	struct rig r;
	uint8_t st[EIOT_SAVED_MAX];
	size_t n;
	rig_up(&r, 15);
	struct eiot_conn *srv = r.p->conn[PUMP_SERVER];
	assert_true(answers_to_forged_repeats(srv, 80) > 0); /* still kept: answered */
	send_one(r.p->conn[PUMP_CLIENT], srv, "got your Finished", 90);
	expect_read(srv, "got your Finished");
	assert_int_equal(answers_to_forged_repeats(srv, 100), 0);
	save_ok(srv, 2, st, &n);
	assert_int_equal(answers_to_forged_repeats(srv, 110), 0);
	assert_int_equal(eiot_conn_save_left(srv), 2);
	assert_int_equal(eiot_conn_state(srv), EIOT_STATE_ESTABLISHED);
	rig_down(&r);
}

static void expect_refused(const struct eiot_config *cfg, const uint8_t *st, size_t n)
{
	struct eiot_conn *c = (struct eiot_conn *)1;
	assert_int_equal(eiot_conn_restore(cfg, st, n, 0, &c), EIOT_ERR_BAD_SAVED_STATE);
	assert_null(c);
}

/* Power lost in the middle of writing the state, or flash that flipped a bit: refused, and the
 * device does a new handshake. */
static void test_truncated_or_corrupted_state_refused(void **state)
{
	(void)state;
	struct rig r;
	uint8_t st[EIOT_SAVED_MAX], bad[EIOT_SAVED_MAX + 1];
	size_t n;
	rig_up(&r, 9);
	save_ok(r.p->conn[PUMP_CLIENT], 4, st, &n);
	for (size_t len = 0; len < n; len++)
		expect_refused(r.c, st, len);
	memcpy(bad, st, n);
	bad[n] = 0;
	expect_refused(r.c, bad, n + 1); /* trailing byte */
	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			memcpy(bad, st, n);
			bad[i] ^= (uint8_t)(1u << bit);
			expect_refused(r.c, bad, n);
		}
	}
	expect_refused(r.c, st + 1, n - 1);
	struct eiot_conn *c;
	assert_int_equal(eiot_conn_restore(r.c, NULL, n, 0, &c), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_conn_restore(NULL, st, n, 0, &c), EIOT_ERR_BAD_PARAM);
	rig_down(&r);
}

/* A state is for one transport, role and suite: a server, or a client configured without its
 * suite, refuses it. */
static void test_state_for_another_configuration_refused(void **state)
{
	(void)state;
	struct rig r;
	uint8_t st[EIOT_SAVED_MAX];
	size_t n;
	rig_up(&r, 10);
	save_ok(r.p->conn[PUMP_CLIENT], 4, st, &n);
	expect_refused(r.s, st, n);
	struct eiot_config *ecc = pump_cfg_cert_client(EIOT_DTLS, false);
	assert_non_null(ecc);
	const uint16_t ecdhe = EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8;
	assert_int_equal(eiot_config_set_suites(ecc, &ecdhe, 1), EIOT_OK);
	expect_refused(ecc, st, n);
	eiot_config_free(ecc);
	struct eiot_config *small = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
						 sizeof(psk_key), NULL);
	assert_int_equal(eiot_config_set_max_record(small, 64), EIOT_OK);
	expect_refused(small, st, n); /* its records would not fit the buffers */
	eiot_config_free(small);
	rig_down(&r);
}

/* Two sessions with the same server configuration. Keys spliced from one state into the other
 * break its check value; a whole state of session A played against session B's connection
 * gets nothing accepted, and B goes on. */
static void test_state_with_another_connections_keys(void **state)
{
	(void)state;
	struct rig a, b;
	uint8_t sa[EIOT_SAVED_MAX], sb[EIOT_SAVED_MAX], mixed[EIOT_SAVED_MAX], buf[64];
	size_t na, nb, len;
	rig_up(&a, 11);
	rig_up(&b, 12);
	save_ok(a.p->conn[PUMP_CLIENT], 4, sa, &na);
	save_ok(b.p->conn[PUMP_CLIENT], 4, sb, &nb);
	assert_int_equal(na, nb);
	memcpy(mixed, sa, na);
	memcpy(mixed + 30, sb + 30, 40); /* B's keys and IVs in A's state */
	expect_refused(a.c, mixed, na);

	struct eiot_conn *dev = restore_ok(a.c, sa, na);
	save_ok(dev, 4, sa, &na);
	struct eiot_conn *srv_b = b.p->conn[PUMP_SERVER];
	send_one(dev, srv_b, "wrong session", 60);
	assert_int_equal(eiot_conn_read(srv_b, buf, sizeof(buf), &len), EIOT_ERR_WANT_MORE);
	assert_int_equal(eiot_conn_state(srv_b), EIOT_STATE_ESTABLISHED);
	send_one(b.p->conn[PUMP_CLIENT], srv_b, "right session", 61);
	expect_read(srv_b, "right session");
	eiot_conn_free(dev);
	rig_down(&a);
	rig_down(&b);
}

/* Save refuses what it cannot keep: a handshake still running, TLS, a buffer too small (which
 * changes nothing: writes need no reservation then), a reserve of 0. */
static void test_save_refuses_what_it_cannot_keep(void **state)
{
	(void)state;
	uint8_t st[EIOT_SAVED_MAX];
	size_t n;
	struct eiot_config *cc = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
					      sizeof(psk_key), NULL);
	struct eiot_conn *hs = eiot_conn_new(cc, 0);
	assert_non_null(hs);
	assert_int_equal(eiot_conn_save(hs, 4, st, sizeof(st), &n), EIOT_ERR_WRONG_STATE);
	eiot_conn_free(hs);
	eiot_config_free(cc);

	struct rig r;
	rig_up(&r, 13);
	struct eiot_conn *cli = r.p->conn[PUMP_CLIENT];
	assert_int_equal(eiot_conn_save(cli, 0, st, sizeof(st), &n), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_conn_save(cli, 4, st, 79, &n), EIOT_ERR_BUFFER_TOO_SMALL);
	send_one(cli, r.p->conn[PUMP_SERVER], "still free", 70);
	expect_read(r.p->conn[PUMP_SERVER], "still free");
	rig_down(&r);

	struct eiot_config *tc = pump_cfg_psk(EIOT_CLIENT, EIOT_TLS, psk_id, sizeof(psk_id) - 1, psk_key,
					      sizeof(psk_key), NULL);
	struct eiot_config *ts = pump_cfg_psk(EIOT_SERVER, EIOT_TLS, psk_id, sizeof(psk_id) - 1, psk_key,
					      sizeof(psk_key), NULL);
	struct pump *p = pump_new(tc, ts, 14);
	assert_int_equal(pump_run(p), 0);
	assert_true(pump_established(p));
	assert_int_equal(eiot_conn_save(p->conn[PUMP_CLIENT], 4, st, sizeof(st), &n), EIOT_ERR_WRONG_STATE);
	pump_free(p);
	eiot_config_free(tc);
	eiot_config_free(ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restored_client_talks_without_handshake),
		cmocka_unit_test(test_reservation_runs_out_then_save_again),
		cmocka_unit_test(test_crash_after_send_never_repeats_a_nonce),
		cmocka_unit_test(test_restored_server_keeps_its_replay_window),
		cmocka_unit_test(test_truncated_or_corrupted_state_refused),
		cmocka_unit_test(test_state_for_another_configuration_refused),
		cmocka_unit_test(test_state_with_another_connections_keys),
		cmocka_unit_test(test_save_refuses_what_it_cannot_keep),
		cmocka_unit_test(test_forged_repeated_flight_resends_nothing_once_peer_data_came),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
