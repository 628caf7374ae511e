/*
 * tests/unit/test_coaps_client.c — eiot_coaps_client against a server made of the engine's DTLS
 * server connection and a CoAP message layer, in memory on a simulated clock: a request made
 * before the handshake is held and answered once it completes; with the first datagram of each
 * direction after the handshake lost, CoAP's retransmission still gets one response through and
 * the server's application sees the request once; a server that never answers makes the
 * request fail after CoAP gives up; a DTLS failure (wrong PSK) is reported, not a CoAP event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "eap_iot/coap.h"
#include "det_random.h"
#include "pump.h"

static const uint8_t psk_id[] = "coap-device";
static const uint8_t psk_key[16] = "0123456789abcdef";

struct rig {
	struct eiot_config *ccfg, *scfg;
	struct eiot_coaps_client *cl;
	struct eiot_conn *srv;
	struct eiot_coap_peer *speer;
	uint64_t now;
	unsigned requests_seen, responses, drop_c2s, drop_s2c; /* drop: how many datagrams to lose */
	bool answer;
	struct eiot_coap_event last;
};

static void rig_init(struct rig *r, const uint8_t *server_key)
{
	memset(r, 0, sizeof(*r));
	det_random_seed(42);
	r->ccfg = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key, sizeof(psk_key), NULL);
	r->scfg = pump_cfg_psk(EIOT_SERVER, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, server_key, 16, NULL);
	assert_non_null(r->ccfg);
	assert_non_null(r->scfg);
	eiot_config_set_random(r->ccfg, det_random, NULL);
	eiot_config_set_random(r->scfg, det_random, NULL);
	assert_int_equal(eiot_config_set_cookie(r->scfg, false), EIOT_OK);
	r->cl = eiot_coaps_client_new(r->ccfg, NULL, 0);
	r->srv = eiot_conn_new(r->scfg, 0);
	struct eiot_coap_params p;
	eiot_coap_params_default(&p);
	r->speer = eiot_coap_peer_new(&p, det_random, NULL);
	assert_non_null(r->cl);
	assert_non_null(r->srv);
	assert_non_null(r->speer);
	r->answer = true;
}

static void rig_free(struct rig *r)
{
	eiot_coaps_client_free(r->cl);
	eiot_conn_free(r->srv);
	eiot_coap_peer_free(r->speer);
	eiot_config_free(r->ccfg);
	eiot_config_free(r->scfg);
}

/* The server application: answer every request with 2.05 "ok". */
static void server_side(struct rig *r)
{
	uint8_t rec[1500], msg[1500];
	size_t len, w;
	while (eiot_conn_read(r->srv, rec, sizeof(rec), &len) == EIOT_OK) {
		struct eiot_coap_event ev;
		eiot_coap_peer_receive(r->speer, rec, len, r->now, &ev);
		if (ev.kind == EIOT_COAP_EV_REQUEST) {
			r->requests_seen++;
			if (r->answer) {
				struct eiot_coap_msg resp;
				eiot_coap_msg_init(&resp, EIOT_COAP_ACK, EIOT_COAP_CONTENT, 0);
				eiot_coap_set_token(&resp, ev.msg.token, ev.msg.token_len);
				resp.payload = (const uint8_t *)"ok";
				resp.payload_len = 2;
				assert_int_equal(eiot_coap_peer_respond(r->speer, &ev.msg, &resp, r->now), EIOT_OK);
			}
		}
	}
	while (eiot_coap_peer_output(r->speer, msg, sizeof(msg), &len) == EIOT_OK && len)
		assert_int_equal(eiot_conn_write(r->srv, msg, len, &w), EIOT_OK);
}

/* Move datagrams both ways until both are idle, then advance the clock to the next timer;
 * stops when done() or after a bounded number of steps. */
static int run(struct rig *r, bool (*done)(struct rig *))
{
	uint8_t dg[2048];
	size_t len;
	int err = EIOT_OK;
	for (int step = 0; step < 400 && !done(r); step++) {
		bool moved = false;
		while (!err && eiot_coaps_client_output(r->cl, dg, sizeof(dg), &len) == EIOT_OK && len) {
			moved = true;
			bool established = eiot_conn_state(r->srv) == EIOT_STATE_ESTABLISHED;
			if (established && r->drop_c2s) {
				r->drop_c2s--;
				continue;
			}
			eiot_conn_feed(r->srv, dg, len, r->now);
			server_side(r);
		}
		while (eiot_conn_output(r->srv, dg, sizeof(dg), &len) == EIOT_OK && len) {
			moved = true;
			if (r->requests_seen && r->drop_s2c) {
				r->drop_s2c--;
				continue;
			}
			if ((err = eiot_coaps_client_feed(r->cl, dg, len, r->now)))
				return err;
			struct eiot_coap_event ev;
			while (!eiot_coaps_client_event(r->cl, r->now, &ev) && ev.kind != EIOT_COAP_EV_NONE) {
				r->last = ev;
				r->responses += ev.kind == EIOT_COAP_EV_RESPONSE;
			}
		}
		if (moved)
			continue;
		uint64_t t = eiot_coaps_client_next_timer(r->cl), ts = eiot_conn_next_timer(r->srv);
		uint64_t ps = eiot_coap_peer_next_timer(r->speer);
		t = t < ts ? t : ts;
		t = t < ps ? t : ps;
		if (t == UINT64_MAX)
			break;
		r->now = t > r->now ? t : r->now;
		struct eiot_coap_event ev;
		if ((err = eiot_coaps_client_tick(r->cl, r->now, &ev)))
			return err;
		if (ev.kind != EIOT_COAP_EV_NONE)
			r->last = ev;
		eiot_conn_tick(r->srv, r->now);
		eiot_coap_peer_tick(r->speer, r->now, &ev);
		server_side(r);
	}
	return err;
}

static bool got_response(struct rig *r)
{
	return r->responses > 0 || r->last.kind == EIOT_COAP_EV_FAILED;
}

static void get(struct rig *r)
{
	struct eiot_coap_msg req;
	eiot_coap_msg_init(&req, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	assert_int_equal(eiot_coap_add_option(&req, EIOT_COAP_OPT_URI_PATH, "sensor", 6), EIOT_OK);
	assert_int_equal(eiot_coaps_client_request(r->cl, &req, r->now), EIOT_OK);
	assert_int_equal(req.token_len, 4); /* drawn for us */
}

static void test_request_held_until_handshake(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, psk_key);
	get(&r);
	struct eiot_coap_msg again;
	eiot_coap_msg_init(&again, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	assert_int_equal(eiot_coaps_client_request(r.cl, &again, 0), EIOT_ERR_WANT_MORE);
	assert_int_equal(run(&r, got_response), EIOT_OK);
	assert_int_equal(r.responses, 1);
	assert_int_equal(r.requests_seen, 1);
	assert_int_equal(r.last.msg.code, EIOT_COAP_CONTENT);
	assert_memory_equal(r.last.msg.payload, "ok", 2);
	assert_int_equal(eiot_conn_state(eiot_coaps_client_conn(r.cl)), EIOT_STATE_ESTABLISHED);
	/* the session carries a second request at once */
	r.responses = 0;
	get(&r);
	assert_int_equal(run(&r, got_response), EIOT_OK);
	assert_int_equal(r.responses, 1);
	assert_int_equal(r.requests_seen, 2);
	rig_free(&r);
}

static void test_loss_both_ways(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, psk_key);
	r.drop_c2s = 1; /* the request's first copy */
	r.drop_s2c = 1; /* the response's first copy */
	get(&r);
	assert_int_equal(run(&r, got_response), EIOT_OK);
	assert_int_equal(r.responses, 1);
	assert_int_equal(r.requests_seen, 1); /* the duplicate never reached the application */
	assert_true(r.now >= 4000);             /* two CoAP timeouts of at least 2 s */
	rig_free(&r);
}

static void test_no_answer_fails_after_coap_gives_up(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, psk_key);
	r.answer = false;
	r.drop_s2c = 1000; /* not even the ACK */
	get(&r);
	assert_int_equal(run(&r, got_response), EIOT_OK);
	assert_int_equal(r.last.kind, EIOT_COAP_EV_FAILED);
	assert_int_equal(r.last.err, EIOT_ERR_TIMEOUT);
	assert_true(r.now >= 62000 && r.now <= 93000 + 1000); /* 31 x [2, 3] s */
	rig_free(&r);
}

static void test_wrong_psk_is_a_dtls_failure(void **state)
{
	(void)state;
	static const uint8_t other[16] = "fedcba9876543210";
	struct rig r;
	rig_init(&r, other);
	get(&r);
	int err = run(&r, got_response);
	/* DTLS drops what does not authenticate: the handshake gives up, no CoAP event */
	assert_int_equal(r.responses, 0);
	assert_int_not_equal(eiot_conn_state(eiot_coaps_client_conn(r.cl)), EIOT_STATE_ESTABLISHED);
	assert_true(err == EIOT_ERR_TIMEOUT || eiot_conn_error(eiot_coaps_client_conn(r.cl)) != EIOT_OK);
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_held_until_handshake),
		cmocka_unit_test(test_loss_both_ways),
		cmocka_unit_test(test_no_answer_fails_after_coap_gives_up),
		cmocka_unit_test(test_wrong_psk_is_a_dtls_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
