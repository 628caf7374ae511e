/*
 * tests/unit/test_engine_dtls_net.c — DTLS over a bad network, in simulated time only:
 * loss of each handshake datagram in turn, duplication, reordering inside flights, a 64-byte
 * path MTU, the RFC 7925 §11 retransmission schedule (9 s doubling to 60 s, give up at
 * 120 s) and a custom one, and record-level faults after the handshake (a tampered record
 * is dropped silently, a replayed one delivered once: RFC 6347 §4.1.2.6, §4.1.2.7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"

struct fault {
	int drop_seq;       /* drop the unit with this global sequence number; -1: none */
	bool drop_s2c;      /* drop everything the server sends */
	bool dup_all;
	bool tamper_app;    /* flip a ciphertext byte of the next C2S application datagram */
	bool dup_app;       /* duplicate the next C2S application datagram */
	int drop_c2s_from;  /* drop every client datagram from this index on; -1: none */
	unsigned hits;
};

static enum pump_action fault_hook(void *user, struct pump_unit *u)
{
	struct fault *f = user;

	if (f->drop_seq >= 0 && u->seq == (unsigned)f->drop_seq) {
		f->hits++;
		return PUMP_DROP;
	}
	if (f->drop_s2c && u->dir == PUMP_S2C)
		return PUMP_DROP;
	if (f->drop_c2s_from >= 0 && u->dir == PUMP_C2S && u->idx >= (unsigned)f->drop_c2s_from)
		return PUMP_DROP;
	if (f->dup_all)
		return PUMP_DUP;
	if (u->dir == PUMP_C2S && u->type == 23 && u->len > 30) {
		if (f->tamper_app) {
			f->tamper_app = false;
			u->buf[u->len - 3] ^= 0x01;
			f->hits++;
		} else if (f->dup_app) {
			f->dup_app = false;
			f->hits++;
			return PUMP_DUP;
		}
	}
	return PUMP_PASS;
}

static const uint8_t psk_id[] = "dtls-dev";
static const uint8_t psk_key[32] = { 0x42, 0x17, 0x99 };

static void cfgs(bool psk, struct eiot_config **c, struct eiot_config **s)
{
	if (psk) {
		*c = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
				  sizeof(psk_key), NULL);
		*s = pump_cfg_psk(EIOT_SERVER, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
				  sizeof(psk_key), NULL);
	} else {
		*c = pump_cfg_cert_client(EIOT_DTLS, true);
		*s = pump_cfg_cert_server(EIOT_DTLS, "server", true);
	}
	assert_non_null(*c);
	assert_non_null(*s);
}

static void app_roundtrip(struct pump *p)
{
	static const char msg[] = "ping", rsp[] = "pong";
	uint8_t buf[64];
	size_t len;

	assert_int_equal(pump_write(p, PUMP_CLIENT, msg, sizeof(msg)), EIOT_OK);
	assert_int_equal(pump_read(p, PUMP_SERVER, buf, sizeof(buf), &len), EIOT_OK);
	assert_int_equal(len, sizeof(msg));
	assert_memory_equal(buf, msg, len);
	assert_int_equal(pump_write(p, PUMP_SERVER, rsp, sizeof(rsp)), EIOT_OK);
	assert_int_equal(pump_read(p, PUMP_CLIENT, buf, sizeof(buf), &len), EIOT_OK);
	assert_memory_equal(buf, rsp, sizeof(rsp));
}

/* Run one handshake under a fault; returns the pump (caller frees). */
static struct pump *run_with(bool psk, struct fault *f, bool reverse, size_t mtu,
			     struct eiot_config **c, struct eiot_config **s)
{
	struct pump *p;

	cfgs(psk, c, s);
	if (mtu) {
		assert_int_equal(eiot_config_set_mtu(*c, mtu), EIOT_OK);
		assert_int_equal(eiot_config_set_mtu(*s, mtu), EIOT_OK);
		assert_int_equal(eiot_config_set_cookie(*s, false), EIOT_OK);
	}
	p = pump_new(*c, *s, 1234);
	assert_non_null(p);
	p->direct = mtu != 0;
	p->hook = fault_hook;
	p->hook_user = f;
	p->reverse = reverse;
	assert_int_equal(pump_run(p), 0);
	return p;
}

static void done(struct pump *p, struct eiot_config *c, struct eiot_config *s)
{
	pump_free(p);
	eiot_config_free(c);
	eiot_config_free(s);
}

static void drop_each_datagram(bool psk, size_t mtu)
{
	struct fault f = { -1, false, false, false, false, -1, 0 };
	struct eiot_config *c, *s;
	struct pump *p = run_with(psk, &f, false, mtu, &c, &s);
	unsigned total = p->seq;

	assert_true(pump_established(p));
	done(p, c, s);
	assert_true(total >= 4);
	for (unsigned i = 0; i < total; i++) {
		struct pump_result r;

		f.drop_seq = (int)i;
		f.hits = 0;
		p = run_with(psk, &f, false, mtu, &c, &s);
		pump_result(p, &r);
		print_message("drop datagram %u/%u: client err %d server err %d at %llu ms\n", i,
			      total, r.err[0], r.err[1], (unsigned long long)p->now);
		assert_int_equal(f.hits, 1);
		assert_int_equal(r.err[PUMP_CLIENT], EIOT_OK);
		assert_int_equal(r.err[PUMP_SERVER], EIOT_OK);
		assert_true(pump_established(p));
		app_roundtrip(p);
		done(p, c, s);
	}
}

static void dtls_psk_survives_loss_of_each_handshake_datagram(void **state)
{
	(void)state;
	drop_each_datagram(true, 0);
}

static void dtls_ecdhe_mutual_survives_loss_of_each_handshake_datagram(void **state)
{
	(void)state;
	drop_each_datagram(false, 0);
}

/* The same with every flight in 64-byte fragments: any one fragment may be lost. */
static void dtls_ecdhe_mutual_mtu_64_survives_loss_of_each_fragment(void **state)
{
	(void)state;
	drop_each_datagram(false, 64);
}

static void dup_and_reverse(bool psk, bool dup, bool reverse)
{
	struct fault f = { -1, false, dup, false, false, -1, 0 };
	struct eiot_config *c, *s;
	struct pump *p = run_with(psk, &f, reverse, 0, &c, &s);
	struct pump_result r;

	pump_result(p, &r);
	assert_int_equal(r.err[PUMP_CLIENT], EIOT_OK);
	assert_int_equal(r.err[PUMP_SERVER], EIOT_OK);
	assert_true(pump_established(p));
	f.dup_all = false;
	app_roundtrip(p);
	done(p, c, s);
}

static void dtls_duplicated_datagrams_psk(void **state)
{
	(void)state;
	dup_and_reverse(true, true, false);
}

static void dtls_duplicated_datagrams_ecdhe_mutual(void **state)
{
	(void)state;
	dup_and_reverse(false, true, false);
}

static void dtls_reordered_flights_psk(void **state)
{
	(void)state;
	dup_and_reverse(true, false, true);
}

static void dtls_reordered_flights_ecdhe_mutual(void **state)
{
	(void)state;
	dup_and_reverse(false, false, true);
}

static void mtu64(bool psk, bool direct)
{
	struct fault f = { -1, false, false, false, false, -1, 0 };
	struct eiot_config *c, *s;
	struct pump *p;

	cfgs(psk, &c, &s);
	assert_int_equal(eiot_config_set_mtu(c, 64), EIOT_OK);
	assert_int_equal(eiot_config_set_mtu(s, 64), EIOT_OK);
	if (direct)
		assert_int_equal(eiot_config_set_cookie(s, false), EIOT_OK);
	p = pump_new(c, s, 64);
	assert_non_null(p);
	p->hook = fault_hook;
	p->hook_user = &f;
	p->direct = direct;
	assert_int_equal(pump_run(p), 0);

	assert_int_equal(eiot_conn_error(p->conn[0]), EIOT_OK);
	assert_true(pump_established(p));
	app_roundtrip(p);
	print_message("mtu 64: %u + %u datagrams, largest %zu / %zu bytes\n", p->count[0],
		      p->count[1], p->max_len[0], p->max_len[1]);
	assert_true(p->max_len[PUMP_C2S] <= 64);
	assert_true(p->max_len[PUMP_S2C] <= 64);
	done(p, c, s);
}

/* RFC 6347 §4.2.1: the stateless front door needs the ClientHello in one datagram, which a
 * 64-byte MTU cannot carry; the server cookie is off here and the server conn reassembles
 * the fragmented ClientHello itself. */
static void dtls_mtu_64_psk(void **state)
{
	(void)state;
	mtu64(true, true);
}

static void dtls_mtu_64_ecdhe_mutual(void **state)
{
	(void)state;
	mtu64(false, true);
}

/* With cookies on, eiot_dtls_accept drops the fragments (no per-peer state before a cookie
 * verifies): the client keeps within the MTU and times out, nothing crashes. */
static void dtls_mtu_64_cookie_front_door_refuses_fragmented_hello(void **state)
{
	struct fault f = { -1, false, false, false, false, -1, 0 };
	struct eiot_config *c, *s;
	struct pump *p;
	struct pump_result r;

	(void)state;
	cfgs(true, &c, &s);
	assert_int_equal(eiot_config_set_mtu(c, 64), EIOT_OK);
	p = pump_new(c, s, 64);
	assert_non_null(p);
	p->hook = fault_hook;
	p->hook_user = &f;
	assert_int_equal(pump_run(p), 0);
	pump_result(p, &r);
	assert_true(p->rejected > 0);
	assert_int_equal(p->hvr, 0);
	assert_null(p->conn[PUMP_SERVER]);
	assert_int_equal(r.err[PUMP_CLIENT], EIOT_ERR_TIMEOUT);
	assert_true(p->max_len[PUMP_C2S] <= 64);
	done(p, c, s);
}

/* The records of the client's ClientHello datagrams: most in one, and the largest body. */
struct hello_shape {
	unsigned records;
	size_t largest;
};

static enum pump_action hello_shape_hook(void *user, struct pump_unit *u)
{
	struct hello_shape *h = user;
	unsigned n = 0;

	if (u->dir != PUMP_C2S || !u->plain || u->len < 14 || u->buf[13] != 1)
		return PUMP_PASS;
	for (size_t off = 0; off + 13 <= u->len; n++) {
		size_t body = (size_t)u->buf[off + 11] << 8 | u->buf[off + 12];

		if (body > h->largest)
			h->largest = body;
		off += 13 + body;
	}
	if (n > h->records)
		h->records = n;
	return PUMP_PASS;
}

/* Cookies on, MTU mtu, max_record client_rec / server_rec (0: the default, 16384). A client
 * with small records sends its ClientHello as several records of one datagram, which
 * eiot_dtls_accept reassembles; a client without sends records over the server's limit, which
 * binds protected records only (RFC 8449 §4, RFC 6066 §4): the server conn takes both. */
static struct hello_shape small_records(bool psk, size_t mtu, size_t client_rec,
					size_t server_rec)
{
	struct hello_shape shape = { 0, 0 };
	struct eiot_config *c, *s;
	struct pump *p;

	cfgs(psk, &c, &s);
	assert_int_equal(eiot_config_set_mtu(c, mtu), EIOT_OK);
	assert_int_equal(eiot_config_set_mtu(s, mtu), EIOT_OK);
	if (client_rec)
		assert_int_equal(eiot_config_set_max_record(c, client_rec), EIOT_OK);
	assert_int_equal(eiot_config_set_max_record(s, server_rec), EIOT_OK);
	p = pump_new(c, s, 127);
	assert_non_null(p);
	p->hook = hello_shape_hook;
	p->hook_user = &shape;
	assert_int_equal(pump_run(p), 0);
	print_message("mtu %zu, records %zu / %zu: hello in up to %u records (largest %zu bytes), "
		      "%u + %u datagrams\n", mtu, client_rec, server_rec, shape.records,
		      shape.largest, p->count[0], p->count[1]);
	assert_int_equal(eiot_conn_error(p->conn[PUMP_CLIENT]), EIOT_OK);
	assert_true(pump_established(p));
	assert_int_equal(p->hvr, 1);
	assert_int_equal(p->rejected, 0);
	assert_true(p->max_len[PUMP_C2S] <= mtu);
	assert_true(p->max_len[PUMP_S2C] <= mtu);
	app_roundtrip(p);
	done(p, c, s);
	return shape;
}

/* The device profile (tests/device/qemu_psk.sh): 64-byte records both ways at MTU 127. */
/* The device profile (tests/device/qemu_psk.sh), 64-byte records both ways at MTU 127, and an
 * ECDHE hello in three such records at MTU 200. */
static void dtls_max_record_64_with_cookie(void **state)
{
	struct hello_shape psk = small_records(true, 127, 64, 64);
	struct hello_shape ecdhe = small_records(false, 200, 64, 64);

	(void)state;
	assert_true(psk.records >= 2 && psk.largest <= 64);
	assert_true(ecdhe.records >= 3 && ecdhe.largest <= 64);
}

/* A server with 64-byte records, a client with the default: the ClientHello records are
 * larger than the server's limit (and than it plus the AEAD expansion it keeps room for). */
static void dtls_server_max_record_64_takes_larger_hello_records(void **state)
{
	(void)state;
	assert_true(small_records(false, 1280, 0, 64).largest > 64 + 24);
	assert_true(small_records(true, 127, 0, 64).largest > 64);
}

/* One epoch-0 record of body_len bytes holding the start of a ClientHello of zeros, to a
 * server with 64-byte records: taken up to RFC 6347 §4.1's 2^14 bytes (the hello then fails
 * the handshake), dropped silently above. */
static int feed_big_hello_record(size_t body_len)
{
	static uint8_t dg[13 + 16385];
	struct eiot_config *c, *s;
	struct eiot_conn *conn;
	uint32_t msg = (uint32_t)body_len - 12;
	int state;

	cfgs(true, &c, &s);
	assert_int_equal(eiot_config_set_max_record(s, 64), EIOT_OK);
	conn = eiot_conn_new(s, 0);
	assert_non_null(conn);
	memset(dg, 0, sizeof(dg));
	dg[0] = 22, dg[1] = 0xFE, dg[2] = 0xFD;
	dg[11] = (uint8_t)(body_len >> 8), dg[12] = (uint8_t)body_len;
	dg[13] = 1; /* ClientHello, whole: length = fragment_length */
	dg[14 + 1] = dg[22 + 1] = (uint8_t)(msg >> 8);
	dg[14 + 2] = dg[22 + 2] = (uint8_t)msg;
	eiot_conn_feed(conn, dg, 13 + body_len, 0);
	state = eiot_conn_state(conn);
	eiot_conn_free(conn);
	eiot_config_free(c);
	eiot_config_free(s);
	return state;
}

static void dtls_epoch0_record_over_2_14_dropped(void **state)
{
	(void)state;
	assert_int_equal(feed_big_hello_record(16384), EIOT_STATE_FAILED);
	assert_int_equal(feed_big_hello_record(16385), EIOT_STATE_HANDSHAKE);
}

/* All server datagrams lost: the client's ClientHello goes out at each retransmission time
 * and the handshake gives up exactly at give_up, with EIOT_ERR_TIMEOUT and no alert. */
static void check_schedule(uint32_t initial, uint32_t max, uint32_t give_up, const uint64_t *want,
			   size_t n_want, uint64_t fail_at)
{
	struct fault f = { -1, true, false, false, false, -1, 0 };
	struct eiot_config *c, *s;
	struct pump *p;
	struct pump_result r;
	size_t k = 0;

	cfgs(true, &c, &s);
	if (initial)
		assert_int_equal(eiot_config_set_retransmit(c, initial, max, give_up), EIOT_OK);
	p = pump_new(c, s, 9);
	assert_non_null(p);
	p->hook = fault_hook;
	p->hook_user = &f;
	assert_int_equal(pump_run(p), 0);
	for (size_t i = 0; i < p->n_log; i++) {
		if (p->log[i].dir != PUMP_C2S)
			continue;
		print_message("client datagram %zu at %llu ms (%zu bytes)\n", k,
			      (unsigned long long)p->log[i].t, p->log[i].len);
		assert_true(k < n_want);
		assert_int_equal(p->log[i].t, want[k]);
		k++;
	}
	assert_int_equal(k, n_want);
	pump_result(p, &r);
	assert_int_equal(r.state[PUMP_CLIENT], EIOT_STATE_FAILED);
	assert_int_equal(r.err[PUMP_CLIENT], EIOT_ERR_TIMEOUT);
	assert_int_equal(p->fail_time[PUMP_CLIENT], fail_at);
	assert_int_equal(r.alert_sent[PUMP_CLIENT], EIOT_ALERT_NONE);
	assert_int_equal(eiot_err_alert(EIOT_ERR_TIMEOUT), EIOT_ALERT_NONE);
	done(p, c, s);
}

static void dtls_retransmit_schedule_default(void **state)
{
	static const uint64_t want[] = { 0, 9000, 27000, 63000 };

	(void)state;
	check_schedule(0, 0, 0, want, 4, 120000);
}

static void dtls_retransmit_schedule_custom(void **state)
{
	static const uint64_t fast[] = { 0, 2000, 6000, 14000 };
	static const uint64_t capped[] = { 0, 40000, 100000 };

	(void)state;
	check_schedule(2000, 60000, 25000, fast, 4, 25000);
	check_schedule(40000, 60000, 150000, capped, 3, 150000);
}

/* The server's flight is retransmitted on its own timer too: everything the client sends
 * after its second ClientHello is lost. */
static void dtls_server_retransmit_schedule_default(void **state)
{
	static const uint64_t want[] = { 0, 9000, 27000, 63000 };
	struct fault f = { -1, false, false, false, false, 2, 0 };
	struct eiot_config *c, *s;
	struct pump *p;
	size_t k = 0;

	(void)state;
	cfgs(true, &c, &s);
	p = pump_new(c, s, 10);
	assert_non_null(p);
	p->hook = fault_hook;
	p->hook_user = &f;
	assert_int_equal(pump_run(p), 0);
	assert_int_equal(p->hvr, 1);
	/* the first S2C datagram is the HelloVerifyRequest of the stateless front door */
	for (size_t i = 0, n = 0; i < p->n_log; i++) {
		if (p->log[i].dir != PUMP_S2C || n++ == 0)
			continue;
		assert_true(k < 4);
		assert_int_equal(p->log[i].t, want[k]);
		k++;
	}
	assert_int_equal(k, 4);
	assert_int_equal(eiot_conn_error(p->conn[PUMP_SERVER]), EIOT_ERR_TIMEOUT);
	assert_int_equal(p->fail_time[PUMP_SERVER], 120000);
	done(p, c, s);
}

/* The server's first flight is lost: the client's repeated ClientHello (its timer, 1 s here)
 * gets it resent at once, not only when the server's own timer (9 s) fires (RFC 6347 §4.2.4). */
static void dtls_server_resends_first_flight_on_repeated_client_hello(void **state)
{
	struct fault f = { 3, false, false, false, false, -1, 0 }; /* CH, HVR, CH+cookie, [flight] */
	struct eiot_config *c, *s;
	struct pump *p;

	(void)state;
	cfgs(true, &c, &s);
	assert_int_equal(eiot_config_set_retransmit(c, 1000, 60000, 120000), EIOT_OK);
	p = pump_new(c, s, 11);
	assert_non_null(p);
	p->hook = fault_hook;
	p->hook_user = &f;
	assert_int_equal(pump_run(p), 0);
	assert_int_equal(f.hits, 1);
	assert_true(pump_established(p));
	assert_true(p->now - p->start < 9000);
	app_roundtrip(p);
	done(p, c, s);
}

static void dtls_retransmit_config_refuses_out_of_range(void **state)
{
	struct eiot_config *c = eiot_config_new(EIOT_CLIENT, EIOT_DTLS);

	(void)state;
	assert_non_null(c);
	assert_int_equal(eiot_config_set_retransmit(c, 999, 60000, 120000), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_retransmit(c, 9000, 59999, 120000), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_retransmit(c, 9000, 60000, 8999), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_mtu(c, 63), EIOT_ERR_BAD_PARAM);
	eiot_config_free(c);
}

/* RFC 6347 §4.1.2.7: a record that fails authentication is dropped silently; the
 * association survives and the next record gets through. */
static void dtls_tampered_record_dropped_silently(void **state)
{
	struct fault f = { -1, false, false, false, false, -1, 0 };
	struct eiot_config *c, *s;
	struct pump *p = run_with(true, &f, false, 0, &c, &s);
	static const char big[] = "this record will be tampered with";
	uint8_t buf[128];
	size_t len;
	struct pump_result r;

	(void)state;
	assert_true(pump_established(p));
	f.tamper_app = true;
	assert_int_equal(pump_write(p, PUMP_CLIENT, big, sizeof(big)), EIOT_OK);
	assert_int_equal(f.hits, 1);
	assert_int_equal(pump_read(p, PUMP_SERVER, buf, sizeof(buf), &len), EIOT_ERR_WANT_MORE);
	pump_result(p, &r);
	assert_int_equal(r.err[PUMP_SERVER], EIOT_OK);
	assert_int_equal(r.state[PUMP_SERVER], EIOT_STATE_ESTABLISHED);
	assert_int_equal(r.alert_sent[PUMP_SERVER], EIOT_ALERT_NONE);
	assert_int_equal(r.alert_recv[PUMP_CLIENT], EIOT_ALERT_NONE);
	app_roundtrip(p);
	done(p, c, s);
}

/* RFC 6347 §4.1.2.6: a replayed record is delivered once. */
static void dtls_replayed_record_delivered_once(void **state)
{
	struct fault f = { -1, false, false, false, false, -1, 0 };
	struct eiot_config *c, *s;
	struct pump *p = run_with(true, &f, false, 0, &c, &s);
	static const char msg[] = "deliver me exactly once";
	uint8_t buf[128];
	size_t len;

	(void)state;
	assert_true(pump_established(p));
	f.dup_app = true;
	assert_int_equal(pump_write(p, PUMP_CLIENT, msg, sizeof(msg)), EIOT_OK);
	assert_int_equal(f.hits, 1);
	assert_int_equal(pump_read(p, PUMP_SERVER, buf, sizeof(buf), &len), EIOT_OK);
	assert_int_equal(len, sizeof(msg));
	assert_int_equal(pump_read(p, PUMP_SERVER, buf, sizeof(buf), &len), EIOT_ERR_WANT_MORE);
	assert_int_equal(eiot_conn_state(p->conn[PUMP_SERVER]), EIOT_STATE_ESTABLISHED);
	app_roundtrip(p);
	done(p, c, s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dtls_psk_survives_loss_of_each_handshake_datagram),
		cmocka_unit_test(dtls_ecdhe_mutual_survives_loss_of_each_handshake_datagram),
		cmocka_unit_test(dtls_ecdhe_mutual_mtu_64_survives_loss_of_each_fragment),
		cmocka_unit_test(dtls_duplicated_datagrams_psk),
		cmocka_unit_test(dtls_duplicated_datagrams_ecdhe_mutual),
		cmocka_unit_test(dtls_reordered_flights_psk),
		cmocka_unit_test(dtls_reordered_flights_ecdhe_mutual),
		cmocka_unit_test(dtls_mtu_64_psk),
		cmocka_unit_test(dtls_mtu_64_ecdhe_mutual),
		cmocka_unit_test(dtls_mtu_64_cookie_front_door_refuses_fragmented_hello),
		cmocka_unit_test(dtls_max_record_64_with_cookie),
		cmocka_unit_test(dtls_server_max_record_64_takes_larger_hello_records),
		cmocka_unit_test(dtls_epoch0_record_over_2_14_dropped),
		cmocka_unit_test(dtls_retransmit_schedule_default),
		cmocka_unit_test(dtls_retransmit_schedule_custom),
		cmocka_unit_test(dtls_server_retransmit_schedule_default),
		cmocka_unit_test(dtls_server_resends_first_flight_on_repeated_client_hello),
		cmocka_unit_test(dtls_retransmit_config_refuses_out_of_range),
		cmocka_unit_test(dtls_tampered_record_dropped_silently),
		cmocka_unit_test(dtls_replayed_record_delivered_once),
	};

	return cmocka_run_group_tests_name("engine_dtls_net", tests, NULL, NULL);
}
