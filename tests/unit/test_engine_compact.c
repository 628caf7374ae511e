/*
 * tests/unit/test_engine_compact.c — eiot_conn_compact(): a DTLS server connection gives back
 * its handshake memory only once the peer's application data showed it has our last flight;
 * then its record buffers exist only while data waits in them (an idle peer holds none), it
 * still carries data both ways at every size, and what a compact connection must refuse
 * (replays, tampered records, a handshake flight played again) it drops without a trace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"

static const uint8_t psk_id[] = "compact-dev";
static const uint8_t psk_key[16] = { 0x5a, 0x01, 0xc3 };

/* Client datagrams the hook keeps, to be played again later. */
struct capture {
	uint8_t flight[2048]; /* the client's last handshake datagram (its Finished) */
	size_t flight_len;
};

static enum pump_action keep_client_flight(void *user, struct pump_unit *u)
{
	struct capture *cap = user;
	if (u->dir == PUMP_C2S && u->len <= sizeof(cap->flight)) {
		memcpy(cap->flight, u->buf, u->len);
		cap->flight_len = u->len;
	}
	return PUMP_PASS;
}

struct rig {
	struct eiot_config *c, *s;
	struct pump *p;
	struct capture cap;
};

static void rig_up(struct rig *r, bool psk)
{
	if (psk) {
		r->c = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
				    sizeof(psk_key), NULL);
		r->s = pump_cfg_psk(EIOT_SERVER, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
				    sizeof(psk_key), NULL);
	} else {
		r->c = pump_cfg_cert_client(EIOT_DTLS, true);
		r->s = pump_cfg_cert_server(EIOT_DTLS, "server", true);
	}
	assert_non_null(r->c);
	assert_non_null(r->s);
	memset(&r->cap, 0, sizeof(r->cap));
	r->p = pump_new(r->c, r->s, 77);
	assert_non_null(r->p);
	r->p->hook = keep_client_flight;
	r->p->hook_user = &r->cap;
	assert_int_equal(pump_run(r->p), 0);
	assert_true(pump_established(r->p));
	r->p->hook = NULL;
	assert_true(r->cap.flight_len > 0);
}

static void rig_down(struct rig *r)
{
	pump_free(r->p);
	eiot_config_free(r->c);
	eiot_config_free(r->s);
}

/* Every datagram from one connection into the other. */
static unsigned deliver(struct eiot_conn *from, struct eiot_conn *to, uint64_t now)
{
	static uint8_t d[2048];
	size_t len;
	unsigned n = 0;
	while (n < 64 && eiot_conn_output(from, d, sizeof(d), &len) == EIOT_OK && len) {
		assert_int_equal(eiot_conn_feed(to, d, len, now), EIOT_OK);
		n++;
	}
	return n;
}

/* The server compacted after the client's first record; returns its idle footprint. */
static size_t compact_server(struct rig *r)
{
	struct eiot_conn *srv = r->p->conn[PUMP_SERVER], *cli = r->p->conn[PUMP_CLIENT];
	size_t full = eiot_conn_footprint(srv), w, len;
	uint8_t buf[16];

	/* RFC 6347 §4.2.4: until the peer's data shows it has our last flight, nothing happens */
	assert_ptr_equal(eiot_conn_compact(srv), srv);
	assert_int_equal(eiot_conn_write(cli, (const uint8_t *)"hi", 2, &w), EIOT_OK);
	assert_int_equal(deliver(cli, srv, r->p->now), 1);
	struct eiot_conn *small = eiot_conn_compact(srv);
	assert_ptr_not_equal(small, srv);
	r->p->conn[PUMP_SERVER] = small;
	assert_ptr_equal(eiot_conn_compact(small), small); /* once is enough */
	assert_int_equal(eiot_conn_read(small, buf, sizeof(buf), &len), EIOT_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "hi", 2);
	size_t idle = eiot_conn_footprint(small);
	print_message("server connection: %zu bytes in its handshake, %zu compact and idle\n", full, idle);
	assert_true(idle * 4 < full);
	return idle;
}

/* One message each way at len bytes, checking what the compact side holds meanwhile. */
static void exchange(struct rig *r, size_t idle, size_t len)
{
	struct eiot_conn *srv = r->p->conn[PUMP_SERVER], *cli = r->p->conn[PUMP_CLIENT];
	static uint8_t msg[1400], got[1400];
	size_t w, n;
	for (size_t i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 7 + len);
	assert_int_equal(eiot_conn_write(cli, msg, len, &w), EIOT_OK);
	assert_int_equal(w, len);
	assert_int_equal(deliver(cli, srv, r->p->now), 1);
	assert_true(eiot_conn_footprint(srv) > idle); /* the record waits to be read */
	assert_int_equal(eiot_conn_read(srv, got, sizeof(got), &n), EIOT_OK);
	assert_int_equal(n, len);
	assert_memory_equal(got, msg, len);
	assert_int_equal(eiot_conn_footprint(srv), idle);

	assert_int_equal(eiot_conn_write(srv, msg, len, &w), EIOT_OK);
	assert_int_equal(w, len);
	assert_true(eiot_conn_footprint(srv) > idle); /* the datagram waits to be sent */
	assert_int_equal(deliver(srv, cli, r->p->now), 1);
	assert_int_equal(eiot_conn_footprint(srv), idle);
	assert_int_equal(eiot_conn_read(cli, got, sizeof(got), &n), EIOT_OK);
	assert_int_equal(n, len);
	assert_memory_equal(got, msg, len);
}

static void buffers_only_while_data_waits(bool psk)
{
	struct rig r;
	rig_up(&r, psk);
	size_t idle = compact_server(&r);
	size_t room = eiot_conn_record_room(r.p->conn[PUMP_SERVER]);
	assert_true(room > 0 && room <= 1400);
	const size_t sizes[] = { 1, 13, 100, room - 1, room };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		exchange(&r, idle, sizes[i]);
	/* the key exporter still works: the master secret stayed */
	uint8_t k1[16], k2[16];
	assert_int_equal(eiot_conn_export(r.p->conn[PUMP_SERVER], "EXPORTER-test", NULL, 0, k1, 16), EIOT_OK);
	assert_int_equal(eiot_conn_export(r.p->conn[PUMP_CLIENT], "EXPORTER-test", NULL, 0, k2, 16), EIOT_OK);
	assert_memory_equal(k1, k2, 16);
	rig_down(&r);
}

static void test_compact_psk_holds_buffers_only_while_data_waits(void **state)
{
	(void)state;
	buffers_only_while_data_waits(true);
}

static void test_compact_certs_holds_buffers_only_while_data_waits(void **state)
{
	(void)state;
	buffers_only_while_data_waits(false);
}

/* A replayed record, a tampered one and the client's handshake flight played again: each is
 * dropped, nothing is read or sent, the session goes on and no buffer stays behind. */
static void test_compact_drops_replay_tamper_and_replayed_flight(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, true);
	size_t idle = compact_server(&r);
	struct eiot_conn *srv = r.p->conn[PUMP_SERVER], *cli = r.p->conn[PUMP_CLIENT];
	uint8_t d[256], got[64];
	size_t len, w, n;

	assert_int_equal(eiot_conn_write(cli, (const uint8_t *)"once", 4, &w), EIOT_OK);
	assert_int_equal(eiot_conn_output(cli, d, sizeof(d), &len), EIOT_OK);
	assert_int_equal(eiot_conn_feed(srv, d, len, r.p->now), EIOT_OK);
	assert_int_equal(eiot_conn_read(srv, got, sizeof(got), &n), EIOT_OK);
	assert_int_equal(n, 4);
	/* the same datagram again: RFC 6347 §4.1.2.6 */
	assert_int_equal(eiot_conn_feed(srv, d, len, r.p->now), EIOT_OK);
	assert_int_equal(eiot_conn_read(srv, got, sizeof(got), &n), EIOT_ERR_WANT_MORE);
	assert_int_equal(eiot_conn_footprint(srv), idle);
	/* a fresh record with one ciphertext bit flipped: RFC 6347 §4.1.2.7 */
	assert_int_equal(eiot_conn_write(cli, (const uint8_t *)"bent", 4, &w), EIOT_OK);
	assert_int_equal(eiot_conn_output(cli, d, sizeof(d), &len), EIOT_OK);
	d[len - 2] ^= 0x80;
	assert_int_equal(eiot_conn_feed(srv, d, len, r.p->now), EIOT_OK);
	assert_int_equal(eiot_conn_read(srv, got, sizeof(got), &n), EIOT_ERR_WANT_MORE);
	assert_int_equal(eiot_conn_footprint(srv), idle);
	/* the client's last handshake flight again: its handshake state is gone, so is the answer */
	assert_int_equal(eiot_conn_feed(srv, r.cap.flight, r.cap.flight_len, r.p->now), EIOT_OK);
	assert_int_equal(eiot_conn_output(srv, d, sizeof(d), &len), EIOT_OK);
	assert_int_equal(len, 0);
	assert_int_equal(eiot_conn_footprint(srv), idle);
	assert_int_equal(eiot_conn_state(srv), EIOT_STATE_ESTABLISHED);
	exchange(&r, idle, 32);
	rig_down(&r);
}

/* close_notify from the compact side, and to it. */
static void test_compact_close_notify_both_ways(void **state)
{
	(void)state;
	for (int compact_closes = 0; compact_closes < 2; compact_closes++) {
		struct rig r;
		rig_up(&r, true);
		size_t idle = compact_server(&r);
		struct eiot_conn *srv = r.p->conn[PUMP_SERVER], *cli = r.p->conn[PUMP_CLIENT];
		struct eiot_conn *closer = compact_closes ? srv : cli, *other = compact_closes ? cli : srv;
		int sent, rcvd;
		assert_int_equal(eiot_conn_close(closer), EIOT_OK);
		assert_int_equal(deliver(closer, other, r.p->now), 1);
		assert_int_equal(eiot_conn_state(other), EIOT_STATE_CLOSED);
		eiot_conn_last_alert(other, &sent, &rcvd);
		assert_int_equal(rcvd, EIOT_ALERT_CLOSE_NOTIFY);
		assert_int_equal(sent, EIOT_ALERT_CLOSE_NOTIFY); /* RFC 5246 §7.2.1: its own back */
		uint8_t d[64];
		size_t len;
		assert_int_equal(eiot_conn_output(other, d, sizeof(d), &len), EIOT_OK);
		assert_true(len > 0);
		/* the closed side takes nothing more */
		assert_int_equal(eiot_conn_feed(closer, d, len, r.p->now), EIOT_ERR_CLOSED);
		eiot_conn_last_alert(closer, &sent, &rcvd);
		assert_int_equal(sent, EIOT_ALERT_CLOSE_NOTIFY);
		assert_int_equal(eiot_conn_footprint(srv), idle);
		rig_down(&r);
	}
}

/* Data left unread and unsent when the application frees a compact connection is wiped and
 * freed with it (valgrind and ASan see no leak). */
static void test_compact_freed_with_data_waiting(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, true);
	compact_server(&r);
	struct eiot_conn *srv = r.p->conn[PUMP_SERVER], *cli = r.p->conn[PUMP_CLIENT];
	size_t w;
	assert_int_equal(eiot_conn_write(cli, (const uint8_t *)"unread", 6, &w), EIOT_OK);
	assert_int_equal(deliver(cli, srv, r.p->now), 1);
	assert_int_equal(eiot_conn_write(srv, (const uint8_t *)"unsent", 6, &w), EIOT_OK);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_psk_holds_buffers_only_while_data_waits),
		cmocka_unit_test(test_compact_certs_holds_buffers_only_while_data_waits),
		cmocka_unit_test(test_compact_drops_replay_tamper_and_replayed_flight),
		cmocka_unit_test(test_compact_close_notify_both_ways),
		cmocka_unit_test(test_compact_freed_with_data_waiting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
