/*
 * tests/unit/test_coap_peer.c — CoAP's message layer (RFC 7252 §4) between two peers in
 * memory, on a simulated clock: piggybacked and separate responses, the retransmission
 * schedule (random first timeout, doubling, give-up after MAX_RETRANSMIT), duplicates
 * answered with the first answer and never delivered twice, NON, RST for what cannot be
 * matched, CoAP ping, format errors, 4.02 for unrecognized critical options, NSTART, and an
 * exchange through lost datagrams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eap_iot/coap.h"
#include "eap_iot/err.h"
#include "det_random.h"

struct wire {
	uint8_t d[16][1200];
	size_t len[16];
	size_t n;
};

/* Everything a peer queued, in order. */
static void drain(struct eiot_coap_peer *p, struct wire *w)
{
	size_t len;
	w->n = 0;
	while (eiot_coap_peer_output(p, w->d[w->n], sizeof(w->d[0]), &len) == EIOT_OK && len) {
		w->len[w->n++] = len;
		assert_true(w->n < 16);
	}
}

static struct eiot_coap_peer *peer(void)
{
	struct eiot_coap_params p;
	eiot_coap_params_default(&p);
	struct eiot_coap_peer *cp = eiot_coap_peer_new(&p, det_random, NULL);
	assert_non_null(cp);
	return cp;
}

static void request(struct eiot_coap_msg *m, enum eiot_coap_type t, uint8_t tok)
{
	eiot_coap_msg_init(m, t, EIOT_COAP_GET, 0);
	assert_int_equal(eiot_coap_set_token(m, &tok, 1), EIOT_OK);
	assert_int_equal(eiot_coap_add_option(m, EIOT_COAP_OPT_URI_PATH, "temp", 4), EIOT_OK);
}

static void response(struct eiot_coap_msg *r, const struct eiot_coap_msg *req)
{
	eiot_coap_msg_init(r, EIOT_COAP_ACK, EIOT_COAP_CONTENT, 0);
	assert_int_equal(eiot_coap_set_token(r, req->token, req->token_len), EIOT_OK);
	r->payload = (const uint8_t *)"21.5";
	r->payload_len = 4;
}

/* Deliver w[i] to p; the event in *ev. */
static void deliver(struct eiot_coap_peer *p, struct wire *w, size_t i, uint64_t now,
		    struct eiot_coap_event *ev)
{
	assert_true(i < w->n);
	assert_int_equal(eiot_coap_peer_receive(p, w->d[i], w->len[i], now, ev), EIOT_OK);
}

static void test_piggybacked_response(void **state)
{
	(void)state;
	struct eiot_coap_peer *c = peer(), *s = peer();
	struct eiot_coap_msg req, resp;
	struct eiot_coap_event ev;
	static struct wire w;
	request(&req, EIOT_COAP_CON, 0x42);
	assert_int_equal(eiot_coap_peer_request(c, &req, 0), EIOT_OK);
	assert_int_equal(eiot_coap_peer_outstanding(c), 1);
	drain(c, &w);
	assert_int_equal(w.n, 1);
	deliver(s, &w, 0, 10, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_REQUEST);
	assert_int_equal(ev.msg.code, EIOT_COAP_GET);
	assert_int_equal(ev.msg.mid, req.mid);
	response(&resp, &ev.msg);
	assert_int_equal(eiot_coap_peer_respond(s, &ev.msg, &resp, 20), EIOT_OK);
	assert_int_equal(resp.type, EIOT_COAP_ACK);
	assert_int_equal(resp.mid, req.mid);
	drain(s, &w);
	assert_int_equal(w.n, 1);
	deliver(c, &w, 0, 30, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_RESPONSE);
	assert_int_equal(ev.msg.code, EIOT_COAP_CONTENT);
	assert_memory_equal(ev.msg.payload, "21.5", 4);
	assert_int_equal(eiot_coap_peer_outstanding(c), 0);
	assert_int_equal(eiot_coap_peer_next_timer(c), UINT64_MAX);
	/* the same ACK again is nothing new */
	deliver(c, &w, 0, 40, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_NONE);
	eiot_coap_peer_free(c);
	eiot_coap_peer_free(s);
}

/* §4.2: first timeout in [2, 3] s, doubled at each of 4 retransmissions, then given up */
static void test_retransmission_schedule_and_give_up(void **state)
{
	(void)state;
	for (int run = 0; run < 20; run++) {
		struct eiot_coap_peer *c = peer();
		struct eiot_coap_msg req;
		struct eiot_coap_event ev;
		static struct wire w, first;
		request(&req, EIOT_COAP_CON, 7);
		assert_int_equal(eiot_coap_peer_request(c, &req, 1000), EIOT_OK);
		drain(c, &first);
		uint64_t t0 = eiot_coap_peer_next_timer(c), now;
		uint64_t T = t0 - 1000;
		assert_true(T >= 2000 && T <= 3000);
		for (int k = 0; k < 4; k++) {
			now = eiot_coap_peer_next_timer(c);
			assert_int_equal(now, 1000 + T * ((2u << k) - 1)); /* T, 3T, 7T, 15T */
			assert_int_equal(eiot_coap_peer_tick(c, now - 1, &ev), EIOT_OK);
			drain(c, &w);
			assert_int_equal(w.n, 0); /* not yet */
			assert_int_equal(eiot_coap_peer_tick(c, now, &ev), EIOT_OK);
			assert_int_equal(ev.kind, EIOT_COAP_EV_NONE);
			drain(c, &w);
			assert_int_equal(w.n, 1); /* the same message again */
			assert_memory_equal(w.d[0], first.d[0], first.len[0]);
		}
		now = eiot_coap_peer_next_timer(c);
		assert_int_equal(now, 1000 + 31 * T); /* MAX_TRANSMIT_WAIT-like give-up: 62..93 s */
		assert_int_equal(eiot_coap_peer_tick(c, now, &ev), EIOT_OK);
		assert_int_equal(ev.kind, EIOT_COAP_EV_FAILED);
		assert_int_equal(ev.err, EIOT_ERR_TIMEOUT);
		assert_int_equal(ev.msg.mid, req.mid);
		assert_int_equal(ev.msg.token_len, 1);
		assert_int_equal(ev.msg.token[0], 7);
		assert_int_equal(eiot_coap_peer_outstanding(c), 0);
		eiot_coap_peer_free(c);
	}
}

/* §4.5: a duplicate CON gets the same response again; the application sees the request once */
static void test_duplicate_con_answered_once(void **state)
{
	(void)state;
	struct eiot_coap_peer *c = peer(), *s = peer();
	struct eiot_coap_msg req, resp;
	struct eiot_coap_event ev;
	static struct wire w, r1, r2;
	request(&req, EIOT_COAP_CON, 1);
	assert_int_equal(eiot_coap_peer_request(c, &req, 0), EIOT_OK);
	drain(c, &w);
	deliver(s, &w, 0, 0, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_REQUEST);
	/* a copy before we answered: nothing (no event, nothing sent) */
	struct eiot_coap_event ev2;
	deliver(s, &w, 0, 1, &ev2);
	assert_int_equal(ev2.kind, EIOT_COAP_EV_NONE);
	drain(s, &r1);
	assert_int_equal(r1.n, 0);
	response(&resp, &ev.msg);
	assert_int_equal(eiot_coap_peer_respond(s, &ev.msg, &resp, 2), EIOT_OK);
	drain(s, &r1);
	deliver(s, &w, 0, 100000, &ev2); /* a late copy, 100 s later */
	assert_int_equal(ev2.kind, EIOT_COAP_EV_NONE);
	drain(s, &r2);
	assert_int_equal(r2.n, 1);
	assert_int_equal(r2.len[0], r1.len[0]);
	assert_memory_equal(r2.d[0], r1.d[0], r1.len[0]);
	/* after EXCHANGE_LIFETIME (247 s) the MID is new again */
	deliver(s, &w, 0, 250000, &ev2);
	assert_int_equal(ev2.kind, EIOT_COAP_EV_REQUEST);
	eiot_coap_peer_free(c);
	eiot_coap_peer_free(s);
}

/* §5.2.2: Empty ACK now, the response later as a CON, which the client acknowledges */
static void test_separate_response(void **state)
{
	(void)state;
	struct eiot_coap_peer *c = peer(), *s = peer();
	struct eiot_coap_msg req, resp;
	struct eiot_coap_event ev, cev;
	static struct wire w, a, r, back;
	request(&req, EIOT_COAP_CON, 9);
	assert_int_equal(eiot_coap_peer_request(c, &req, 0), EIOT_OK);
	drain(c, &w);
	deliver(s, &w, 0, 0, &ev);
	assert_int_equal(eiot_coap_peer_ack(s, &ev.msg, 5), EIOT_OK);
	drain(s, &a);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.len[0], 4); /* an Empty ACK */
	deliver(c, &a, 0, 10, &cev);
	assert_int_equal(cev.kind, EIOT_COAP_EV_NONE);
	assert_int_equal(eiot_coap_peer_outstanding(c), 0); /* no more retransmission */
	/* a duplicate of the request now gets the Empty ACK again */
	deliver(s, &w, 0, 11, &cev);
	drain(s, &back);
	assert_int_equal(back.n, 1);
	assert_int_equal(back.len[0], 4);
	response(&resp, &ev.msg);
	assert_int_equal(eiot_coap_peer_respond(s, &ev.msg, &resp, 3000), EIOT_OK);
	assert_int_equal(resp.type, EIOT_COAP_CON);
	assert_int_not_equal(resp.mid, req.mid);
	assert_int_equal(eiot_coap_peer_outstanding(s), 1);
	drain(s, &r);
	deliver(c, &r, 0, 3010, &cev);
	assert_int_equal(cev.kind, EIOT_COAP_EV_RESPONSE);
	assert_memory_equal(cev.msg.payload, "21.5", 4);
	drain(c, &back);
	assert_int_equal(back.n, 1); /* the client's Empty ACK */
	deliver(s, &back, 0, 3020, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_NONE);
	assert_int_equal(eiot_coap_peer_outstanding(s), 0);
	/* the response again (its ACK lost): ACKed again, not delivered twice */
	deliver(c, &r, 0, 3030, &cev);
	assert_int_equal(cev.kind, EIOT_COAP_EV_NONE);
	drain(c, &back);
	assert_int_equal(back.n, 1);
	eiot_coap_peer_free(c);
	eiot_coap_peer_free(s);
}

static void test_non_request_non_response(void **state)
{
	(void)state;
	struct eiot_coap_peer *c = peer(), *s = peer();
	struct eiot_coap_msg req, resp;
	struct eiot_coap_event ev;
	static struct wire w, r;
	request(&req, EIOT_COAP_NON, 3);
	assert_int_equal(eiot_coap_peer_request(c, &req, 0), EIOT_OK);
	assert_int_equal(eiot_coap_peer_outstanding(c), 0); /* nothing to retransmit */
	assert_int_equal(eiot_coap_peer_next_timer(c), UINT64_MAX);
	drain(c, &w);
	deliver(s, &w, 0, 0, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_REQUEST);
	assert_int_equal(ev.msg.type, EIOT_COAP_NON);
	struct eiot_coap_event dup;
	deliver(s, &w, 0, 1, &dup); /* §4.5: a NON duplicate is ignored */
	assert_int_equal(dup.kind, EIOT_COAP_EV_NONE);
	response(&resp, &ev.msg);
	assert_int_equal(eiot_coap_peer_respond(s, &ev.msg, &resp, 2), EIOT_OK);
	assert_int_equal(resp.type, EIOT_COAP_NON);
	drain(s, &r);
	deliver(c, &r, 0, 3, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_RESPONSE);
	drain(c, &w);
	assert_int_equal(w.n, 0); /* a NON is not acknowledged */
	eiot_coap_peer_free(c);
	eiot_coap_peer_free(s);
}

/* What cannot be matched or processed is rejected: RST for a CON, silence for the rest */
static void test_rejections(void **state)
{
	(void)state;
	struct eiot_coap_peer *p = peer();
	struct eiot_coap_event ev;
	static struct wire out;
	/* §4.3 CoAP ping */
	static const uint8_t ping[] = { 0x40, 0x00, 0xab, 0xcd };
	assert_int_equal(eiot_coap_peer_receive(p, ping, sizeof(ping), 0, &ev), EIOT_OK);
	assert_int_equal(ev.kind, EIOT_COAP_EV_NONE);
	drain(p, &out);
	assert_int_equal(out.n, 1);
	static const uint8_t rst[] = { 0x70, 0x00, 0xab, 0xcd };
	assert_int_equal(out.len[0], 4);
	assert_memory_equal(out.d[0], rst, 4);
	/* a CON response to nothing of ours: RST (§5.3.2); as NON: ignored */
	static const uint8_t stray_con[] = { 0x41, 0x45, 0x00, 0x10, 0x77, 0xff, 'x' };
	static const uint8_t stray_non[] = { 0x51, 0x45, 0x00, 0x11, 0x77, 0xff, 'x' };
	assert_int_equal(eiot_coap_peer_receive(p, stray_con, sizeof(stray_con), 0, &ev), EIOT_OK);
	assert_int_equal(ev.kind, EIOT_COAP_EV_NONE);
	drain(p, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.d[0][0], 0x70);
	assert_int_equal(out.d[0][3], 0x10);
	assert_int_equal(eiot_coap_peer_receive(p, stray_non, sizeof(stray_non), 0, &ev), EIOT_OK);
	drain(p, &out);
	assert_int_equal(out.n, 0);
	/* a format error: RST for a CON, silence for a NON */
	static const uint8_t bad_con[] = { 0x40, 0x01, 0x00, 0x20, 0xf1, 'a' };
	static const uint8_t bad_non[] = { 0x50, 0x01, 0x00, 0x21, 0xf1, 'a' };
	assert_int_equal(eiot_coap_peer_receive(p, bad_con, sizeof(bad_con), 0, &ev), EIOT_ERR_COAP_FORMAT);
	drain(p, &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.d[0][0], 0x70);
	assert_int_equal(out.d[0][3], 0x20);
	assert_int_equal(eiot_coap_peer_receive(p, bad_non, sizeof(bad_non), 0, &ev), EIOT_ERR_COAP_FORMAT);
	drain(p, &out);
	assert_int_equal(out.n, 0);
	/* §5.4.1: an unrecognized critical option in a request: 4.02, piggybacked */
	static const uint8_t crit[] = { 0x41, 0x01, 0x00, 0x30, 0x55, 0xd1, 0x00, 'z' }; /* option 13 */
	assert_int_equal(eiot_coap_peer_receive(p, crit, sizeof(crit), 0, &ev), EIOT_OK);
	assert_int_equal(ev.kind, EIOT_COAP_EV_NONE);
	drain(p, &out);
	assert_int_equal(out.n, 1);
	struct eiot_coap_msg m;
	assert_int_equal(eiot_coap_decode(&m, out.d[0], out.len[0]), EIOT_OK);
	assert_int_equal(m.type, EIOT_COAP_ACK);
	assert_int_equal(m.code, EIOT_COAP_BAD_OPTION);
	assert_int_equal(m.mid, 0x30);
	assert_int_equal(m.token[0], 0x55);
	eiot_coap_peer_free(p);
}

/* §4.7 NSTART = 1; an RST to our CON fails the request */
static void test_nstart_and_reset(void **state)
{
	(void)state;
	struct eiot_coap_peer *c = peer();
	struct eiot_coap_msg r1, r2;
	struct eiot_coap_event ev;
	static struct wire w;
	request(&r1, EIOT_COAP_CON, 1);
	request(&r2, EIOT_COAP_CON, 2);
	assert_int_equal(eiot_coap_peer_request(c, &r1, 0), EIOT_OK);
	assert_int_equal(eiot_coap_peer_request(c, &r2, 0), EIOT_ERR_WANT_MORE);
	r2.type = EIOT_COAP_NON; /* NON is not bound by NSTART here */
	assert_int_equal(eiot_coap_peer_request(c, &r2, 0), EIOT_OK);
	assert_int_equal(r2.mid, (uint16_t)(r1.mid + 1));
	r2.type = EIOT_COAP_CON; /* the same token while it is in progress */
	assert_int_equal(eiot_coap_peer_request(c, &r2, 0), EIOT_ERR_BAD_PARAM);
	drain(c, &w);
	uint8_t rst[4] = { 0x70, 0x00, (uint8_t)(r1.mid >> 8), (uint8_t)r1.mid };
	assert_int_equal(eiot_coap_peer_receive(c, rst, 4, 10, &ev), EIOT_OK);
	assert_int_equal(ev.kind, EIOT_COAP_EV_FAILED);
	assert_int_equal(ev.err, EIOT_ERR_COAP_RESET);
	assert_int_equal(ev.msg.token[0], 1);
	assert_int_equal(eiot_coap_peer_outstanding(c), 0);
	request(&r1, EIOT_COAP_CON, 4);
	assert_int_equal(eiot_coap_peer_request(c, &r1, 20), EIOT_OK);
	eiot_coap_peer_free(c);
}

/* An exchange through loss: the request is lost once, then the response is lost once; the
 * retransmitted request is a duplicate at the server, answered from what it sent before */
static void test_exchange_through_loss(void **state)
{
	(void)state;
	struct eiot_coap_peer *c = peer(), *s = peer();
	struct eiot_coap_msg req, resp;
	struct eiot_coap_event ev;
	static struct wire w, r;
	unsigned requests_seen = 0;
	request(&req, EIOT_COAP_CON, 5);
	assert_int_equal(eiot_coap_peer_request(c, &req, 0), EIOT_OK);
	drain(c, &w); /* lost */
	uint64_t now = eiot_coap_peer_next_timer(c);
	assert_int_equal(eiot_coap_peer_tick(c, now, &ev), EIOT_OK);
	drain(c, &w);
	assert_int_equal(w.n, 1);
	deliver(s, &w, 0, now, &ev);
	requests_seen += ev.kind == EIOT_COAP_EV_REQUEST;
	response(&resp, &ev.msg);
	assert_int_equal(eiot_coap_peer_respond(s, &ev.msg, &resp, now), EIOT_OK);
	drain(s, &r); /* lost */
	now = eiot_coap_peer_next_timer(c);
	assert_int_equal(eiot_coap_peer_tick(c, now, &ev), EIOT_OK);
	drain(c, &w);
	deliver(s, &w, 0, now, &ev);
	requests_seen += ev.kind == EIOT_COAP_EV_REQUEST;
	drain(s, &r);
	assert_int_equal(r.n, 1);
	deliver(c, &r, 0, now + 5, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_RESPONSE);
	assert_int_equal(requests_seen, 1);
	assert_int_equal(eiot_coap_peer_outstanding(c), 0);
	eiot_coap_peer_free(c);
	eiot_coap_peer_free(s);
}

#define NO_OBSERVE UINT32_MAX /* a 2.05 answer that carries no Observe option */

/* RFC 7641: a GET with Observe 0 stays open while notifications come; fresher ones are
 * delivered, older ones not; CON notifications are acknowledged; after cancel, RST */
static void notify(struct eiot_coap_peer *c, enum eiot_coap_type t, uint16_t mid, uint8_t tok,
		   uint32_t seq, uint64_t now, struct eiot_coap_event *ev)
{
	struct eiot_coap_msg n;
	uint8_t buf[64];
	size_t len;
	eiot_coap_msg_init(&n, t, EIOT_COAP_CONTENT, mid);
	assert_int_equal(eiot_coap_set_token(&n, &tok, 1), EIOT_OK);
	if (seq != NO_OBSERVE)
		assert_int_equal(eiot_coap_add_uint_option(&n, EIOT_COAP_OPT_OBSERVE, seq), EIOT_OK);
	n.payload = (const uint8_t *)"v";
	n.payload_len = 1;
	assert_int_equal(eiot_coap_encode(&n, buf, sizeof(buf), &len), EIOT_OK);
	assert_int_equal(eiot_coap_peer_receive(c, buf, len, now, ev), EIOT_OK);
}

static void test_observe(void **state)
{
	(void)state;
	struct eiot_coap_peer *c = peer();
	struct eiot_coap_msg req;
	struct eiot_coap_event ev;
	static struct wire w;
	request(&req, EIOT_COAP_CON, 0x0b);
	assert_int_equal(eiot_coap_add_uint_option(&req, EIOT_COAP_OPT_OBSERVE, 0), EIOT_OK);
	assert_int_equal(eiot_coap_peer_request(c, &req, 0), EIOT_OK);
	drain(c, &w);
	uint8_t tok = 0x0b;
	notify(c, EIOT_COAP_ACK, req.mid, tok, 5, 10, &ev); /* the registration's piggybacked answer */
	assert_int_equal(ev.kind, EIOT_COAP_EV_RESPONSE);
	assert_int_equal(eiot_coap_peer_outstanding(c), 0);
	notify(c, EIOT_COAP_NON, 100, tok, 6, 1000, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_RESPONSE);
	notify(c, EIOT_COAP_NON, 101, tok, 4, 1100, &ev); /* older: not delivered */
	assert_int_equal(ev.kind, EIOT_COAP_EV_NONE);
	notify(c, EIOT_COAP_CON, 102, tok, 7, 2000, &ev); /* CON: delivered and acknowledged */
	assert_int_equal(ev.kind, EIOT_COAP_EV_RESPONSE);
	drain(c, &w);
	assert_int_equal(w.n, 1);
	assert_memory_equal(w.d[0], "\x60\x00\x00\x66", 4);
	notify(c, EIOT_COAP_NON, 103, tok, (1u << 24) - 1, 3000, &ev); /* wrapped: 7 -> 2^24-1 is older */
	assert_int_equal(ev.kind, EIOT_COAP_EV_NONE);
	notify(c, EIOT_COAP_NON, 104, tok, 3, 3000 + 129000, &ev); /* 128 s later: fresh anyway */
	assert_int_equal(ev.kind, EIOT_COAP_EV_RESPONSE);
	/* reactive cancellation: the next CON notification gets RST */
	assert_int_equal(eiot_coap_peer_cancel(c, &tok, 1), EIOT_OK);
	assert_int_equal(eiot_coap_peer_cancel(c, &tok, 1), EIOT_ERR_WANT_MORE);
	notify(c, EIOT_COAP_CON, 105, tok, 9, 140000, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_NONE);
	drain(c, &w);
	assert_int_equal(w.n, 1);
	assert_memory_equal(w.d[0], "\x70\x00\x00\x69", 4);
	eiot_coap_peer_free(c);
}

/* A response without Observe ends the observation at once (the server did not take it) */
static void test_observe_refused(void **state)
{
	(void)state;
	struct eiot_coap_peer *c = peer();
	struct eiot_coap_msg req;
	struct eiot_coap_event ev;
	static struct wire w;
	uint8_t tok = 0x0c;
	request(&req, EIOT_COAP_CON, tok);
	assert_int_equal(eiot_coap_add_uint_option(&req, EIOT_COAP_OPT_OBSERVE, 0), EIOT_OK);
	assert_int_equal(eiot_coap_peer_request(c, &req, 0), EIOT_OK);
	drain(c, &w);
	notify(c, EIOT_COAP_ACK, req.mid, tok, NO_OBSERVE, 10, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_RESPONSE);
	notify(c, EIOT_COAP_NON, 200, tok, 6, 1000, &ev);
	assert_int_equal(ev.kind, EIOT_COAP_EV_NONE);
	assert_int_equal(eiot_coap_peer_cancel(c, &tok, 1), EIOT_ERR_WANT_MORE);
	eiot_coap_peer_free(c);
}

static void test_bad_parameters(void **state)
{
	(void)state;
	struct eiot_coap_params p;
	eiot_coap_params_default(&p);
	p.ack_timeout_ms = 999;
	assert_null(eiot_coap_peer_new(&p, det_random, NULL));
	eiot_coap_params_default(&p);
	p.nstart = 0;
	assert_null(eiot_coap_peer_new(&p, det_random, NULL));
	eiot_coap_params_default(&p);
	assert_null(eiot_coap_peer_new(&p, NULL, NULL));
	struct eiot_coap_peer *c = peer();
	struct eiot_coap_msg m;
	eiot_coap_msg_init(&m, EIOT_COAP_ACK, EIOT_COAP_GET, 0);
	assert_int_equal(eiot_coap_peer_request(c, &m, 0), EIOT_ERR_BAD_PARAM);
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_CONTENT, 0);
	assert_int_equal(eiot_coap_peer_request(c, &m, 0), EIOT_ERR_BAD_PARAM);
	eiot_coap_peer_free(c);
	eiot_coap_peer_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_piggybacked_response),
		cmocka_unit_test(test_retransmission_schedule_and_give_up),
		cmocka_unit_test(test_duplicate_con_answered_once),
		cmocka_unit_test(test_separate_response),
		cmocka_unit_test(test_non_request_non_response),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_nstart_and_reset),
		cmocka_unit_test(test_exchange_through_loss),
		cmocka_unit_test(test_observe),
		cmocka_unit_test(test_observe_refused),
		cmocka_unit_test(test_bad_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
