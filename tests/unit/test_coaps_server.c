/*
 * tests/unit/test_coaps_server.c — eiot_coaps_server with eiot_coaps_client peers, in memory on
 * a simulated clock, cookies on: resources and discovery, the errors a request can meet (4.04,
 * 4.05, 4.02), Block2 and Block1 at a 127-byte MTU (4.08, 4.13), a duplicate that must not
 * reach the handler twice, and the peer table: its bound with eviction of idle peers, the
 * per-address handshake rate, the idle timeout, one peer's close leaving the others alone, and
 * a rebooted client at the same address replacing its old session; a client whose port changed
 * (NAT rebinding) keeps its session by its connection ID (RFC 9146), and nothing but its own
 * authentic, newest record moves it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "eap_iot/coap.h"
#include "eap_iot/coap_server.h"
#include "det_random.h"
#include "pump.h"

#define MAX_CLIENTS 2000

static const uint8_t psk_id[] = "coap-device";
static const uint8_t psk_key[16] = "0123456789abcdef";

struct client {
	struct eiot_coaps_client *cl;
	struct sockaddr_in addr;
	unsigned responses;
	struct eiot_coap_event last;
	uint8_t payload[2048]; /* of the last response */
	size_t max_dgram_in;
};

/* A seeded impaired network between the clients and the server: each datagram, either way, is
 * dropped, duplicated or held back behind the next one (reordered) with these chances. */
struct impair {
	unsigned drop_pct, dup_pct, reorder_pct;
	uint64_t rng;
	bool held;          /* a datagram waiting to be delivered after the next one */
	bool held_c2s;
	struct client *held_c;
	uint8_t held_b[2048];
	size_t held_len;
	unsigned dropped, duplicated, reordered;
};

/* An exchange a handler saw: the same one seen twice would be a duplicate let through. */
struct seen_exchange {
	uint16_t port, mid;
	uint8_t token_len, token[8];
};

struct rig {
	struct eiot_config *ccfg, *scfg;
	struct eiot_coaps_server *srv;
	struct client c[MAX_CLIENTS];
	size_t n;
	uint64_t now;
	unsigned handled;           /* handler calls */
	unsigned drop_s2c_after_hs; /* responses to lose */
	size_t max_dgram_out;
	uint8_t body[4096];         /* /blob's representation, /upload's last body */
	size_t body_len, got_len;
	struct impair net;
	uint8_t last_hello[512];    /* the last ClientHello a client sent */
	size_t last_hello_len;
	struct seen_exchange seen[4096];
	size_t n_seen;
	unsigned handled_twice;
};

/* Count a handler call; a request (not a notification) seen before is a duplicate let through. */
static void saw(struct rig *r, const struct eiot_coap_request *req)
{
	r->handled++;
	if (req->notification)
		return;
	struct seen_exchange e = { ntohs(((const struct sockaddr_in *)req->addr)->sin_port), req->msg->mid,
				   req->msg->token_len, { 0 } };
	memcpy(e.token, req->msg->token, req->msg->token_len);
	for (size_t i = 0; i < r->n_seen; i++)
		if (!memcmp(&r->seen[i], &e, sizeof(e)))
			r->handled_twice++;
	if (r->n_seen < sizeof(r->seen) / sizeof(r->seen[0]))
		r->seen[r->n_seen++] = e;
}

static int sensor(void *user, const struct eiot_coap_request *req, struct eiot_coap_response *resp)
{
	struct rig *r = user;
	saw(r, req);
	memcpy(resp->buf, "21.5", 4);
	resp->payload_len = 4;
	resp->content_format = 0;
	return 0;
}

static int blob(void *user, const struct eiot_coap_request *req, struct eiot_coap_response *resp)
{
	struct rig *r = user;
	saw(r, req);
	if (req->msg->code == EIOT_COAP_PUT) {
		memcpy(r->body, req->body, req->body_len);
		r->got_len = req->body_len;
		return 0;
	}
	resp->payload = r->body;
	resp->payload_len = r->body_len;
	return 0;
}

/* /slow: answers later (the test keeps what names the request). */
static struct eiot_coap_pending slow_pending;
static unsigned slow_calls;

static int slow(void *user, const struct eiot_coap_request *req, struct eiot_coap_response *resp)
{
	(void)user;
	(void)resp;
	slow_pending = req->pending;
	slow_calls++;
	return EIOT_COAP_DEFERRED;
}

/* The rig, with DTLS connection IDs when cid >= 0 (the server gives cid bytes, the client 0). */
static void rig_init_cid(struct rig *r, const struct eiot_coaps_server_params *p, size_t mtu, int cid)
{
	memset(r, 0, sizeof(*r));
	det_random_seed(7);
	r->ccfg = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key, sizeof(psk_key), NULL);
	r->scfg = pump_cfg_psk(EIOT_SERVER, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key, sizeof(psk_key), NULL);
	assert_non_null(r->ccfg);
	assert_non_null(r->scfg);
	eiot_config_set_random(r->ccfg, det_random, NULL);
	eiot_config_set_random(r->scfg, det_random, NULL);
	if (mtu) {
		assert_int_equal(eiot_config_set_mtu(r->ccfg, mtu), EIOT_OK);
		assert_int_equal(eiot_config_set_mtu(r->scfg, mtu), EIOT_OK);
	}
	if (cid >= 0) {
		assert_int_equal(eiot_config_set_connection_id(r->ccfg, true, 0), EIOT_OK);
		assert_int_equal(eiot_config_set_connection_id(r->scfg, true, (size_t)cid), EIOT_OK);
	}
	r->srv = eiot_coaps_server_new(r->scfg, p, 0);
	assert_non_null(r->srv);
	const unsigned get = EIOT_COAP_METHOD(EIOT_COAP_GET);
	struct eiot_coap_resource s = { .path = "sensors/temp", .methods = get, .handler = sensor, .user = r,
					.rt = "temperature-c", .ct = "0", .observable = true };
	struct eiot_coap_resource b = { .path = "blob", .methods = get | EIOT_COAP_METHOD(EIOT_COAP_PUT),
					.handler = blob, .user = r, .sz = 1000 };
	assert_int_equal(eiot_coaps_server_add_resource(r->srv, &s), EIOT_OK);
	assert_int_equal(eiot_coaps_server_add_resource(r->srv, &b), EIOT_OK);
	struct eiot_coap_resource sl = { .path = "slow", .methods = get, .handler = slow, .user = r };
	assert_int_equal(eiot_coaps_server_add_resource(r->srv, &sl), EIOT_OK);
	assert_int_equal(eiot_coaps_server_add_resource(r->srv, &s), EIOT_ERR_BAD_PARAM); /* twice */
	for (size_t i = 0; i < sizeof(r->body); i++)
		r->body[i] = (uint8_t)(i % 251);
	r->body_len = 1000;
}

static void rig_init(struct rig *r, const struct eiot_coaps_server_params *p, size_t mtu)
{
	rig_init_cid(r, p, mtu, -1);
}

/* A client from 10.0.(host/256).(host%256), port. */
static struct client *add_client(struct rig *r, unsigned host, uint16_t port)
{
	assert_true(r->n < MAX_CLIENTS);
	struct client *c = &r->c[r->n++];
	memset(c, 0, sizeof(*c));
	c->cl = eiot_coaps_client_new(r->ccfg, NULL, r->now);
	assert_non_null(c->cl);
	c->addr.sin_family = AF_INET;
	c->addr.sin_port = htons(port);
	c->addr.sin_addr.s_addr = htonl(0x0a000000u | host);
	return c;
}

static void client_free(struct client *c)
{
	eiot_coaps_client_free(c->cl);
	c->cl = NULL;
}

static void rig_free(struct rig *r)
{
	for (size_t i = 0; i < r->n; i++)
		client_free(&r->c[i]);
	eiot_coaps_server_free(r->srv);
	eiot_config_free(r->ccfg);
	eiot_config_free(r->scfg);
}

static struct client *by_addr(struct rig *r, const struct sockaddr_in *a)
{
	for (size_t i = r->n; i-- > 0;) /* the newest first: a rebooted client replaces the old */
		if (r->c[i].cl && !memcmp(&r->c[i].addr, a, sizeof(*a)))
			return &r->c[i];
	return NULL;
}

static void client_events(struct rig *r, struct client *c)
{
	struct eiot_coap_event ev;
	while (!eiot_coaps_client_event(c->cl, r->now, &ev) && ev.kind != EIOT_COAP_EV_NONE) {
		c->last = ev;
		if (ev.kind == EIOT_COAP_EV_RESPONSE) {
			c->responses++;
			assert_true(ev.msg.payload_len <= sizeof(c->payload));
			if (ev.msg.payload_len)
				memcpy(c->payload, ev.msg.payload, ev.msg.payload_len);
			c->last.msg.payload = c->payload;
		}
	}
}

static void deliver(struct rig *r, bool c2s, struct client *c, const uint8_t *dg, size_t len)
{
	if (c2s) {
		eiot_coaps_server_feed(r->srv, &c->addr, sizeof(c->addr), dg, len, r->now);
		return;
	}
	if (!c->cl)
		return;
	eiot_coaps_client_feed(c->cl, dg, len, r->now);
	client_events(r, c);
}

static unsigned roll(struct impair *n)
{
	n->rng = n->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(n->rng >> 33) % 100;
}

/* One datagram onto the (impaired) network. */
static void net_send(struct rig *r, bool c2s, struct client *c, const uint8_t *dg, size_t len)
{
	struct impair *n = &r->net;
	if (c2s && len > 13 && len <= sizeof(r->last_hello) && dg[0] == 22 && !dg[3] && !dg[4] && dg[13] == 1) {
		memcpy(r->last_hello, dg, len);
		r->last_hello_len = len;
	}
	unsigned x = roll(n);
	if (x < n->drop_pct) {
		n->dropped++;
		return;
	}
	if (x < n->drop_pct + n->reorder_pct && !n->held && len <= sizeof(n->held_b)) {
		n->reordered++;
		n->held = true, n->held_c2s = c2s, n->held_c = c, n->held_len = len;
		memcpy(n->held_b, dg, len);
		return;
	}
	deliver(r, c2s, c, dg, len);
	if (x >= 100 - n->dup_pct) {
		n->duplicated++;
		deliver(r, c2s, c, dg, len);
	}
	if (n->held) { /* the one held back arrives after this one */
		n->held = false;
		deliver(r, n->held_c2s, n->held_c, n->held_b, n->held_len);
	}
}

/* Move datagrams until all is quiet, then jump to the next timer; until done() or bounded. */
static void run(struct rig *r, bool (*done)(struct rig *))
{
	uint8_t dg[2048];
	size_t len, alen;
	struct sockaddr_in to;
	for (int step = 0; step < 20000 && !(done && done(r)); step++) {
		bool moved = false;
		for (size_t i = 0; i < r->n; i++) {
			struct client *c = &r->c[i];
			while (c->cl && eiot_coaps_client_output(c->cl, dg, sizeof(dg), &len) == EIOT_OK && len) {
				moved = true;
				net_send(r, true, c, dg, len);
			}
		}
		while (eiot_coaps_server_output(r->srv, dg, sizeof(dg), &len, &to, &alen) == EIOT_OK && len) {
			moved = true;
			assert_int_equal(alen, sizeof(to));
			if (len > r->max_dgram_out)
				r->max_dgram_out = len;
			struct client *c = by_addr(r, &to);
			if (!c)
				continue;
			if (r->drop_s2c_after_hs && eiot_conn_state(eiot_coaps_client_conn(c->cl)) ==
							    EIOT_STATE_ESTABLISHED) {
				r->drop_s2c_after_hs--;
				continue;
			}
			net_send(r, false, c, dg, len);
		}
		if (!moved && r->net.held) { /* nothing overtook it: it arrives late all the same */
			r->net.held = false;
			deliver(r, r->net.held_c2s, r->net.held_c, r->net.held_b, r->net.held_len);
			moved = true;
		}
		if (moved)
			continue;
		uint64_t t = eiot_coaps_server_next_timer(r->srv);
		for (size_t i = 0; i < r->n; i++) {
			uint64_t ct = r->c[i].cl ? eiot_coaps_client_next_timer(r->c[i].cl) : UINT64_MAX;
			t = ct < t ? ct : t;
		}
		/* without a goal: until nothing is due within two minutes (CoAP's retransmissions
		 * are over by then; idle timeouts are not) */
		if (t == UINT64_MAX || t > r->now + (done ? 3600000 : 120000))
			break;
		r->now = t > r->now ? t : r->now;
		eiot_coaps_server_tick(r->srv, r->now);
		for (size_t i = 0; i < r->n; i++) {
			struct eiot_coap_event ev;
			if (r->c[i].cl && !eiot_coaps_client_tick(r->c[i].cl, r->now, &ev) && ev.kind != EIOT_COAP_EV_NONE)
				r->c[i].last = ev;
		}
	}
}

static bool all_answered(struct rig *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->c[i].cl && !r->c[i].responses && r->c[i].last.kind != EIOT_COAP_EV_FAILED)
			return false;
	return true;
}

/* A CON request: method, "a/b" path, optional query, payload. */
static void request(struct rig *r, struct client *c, uint8_t method, const char *path, const char *query,
		    const void *payload, size_t len, const struct eiot_coap_block *b1,
		    const struct eiot_coap_block *b2)
{
	static char copy[8][64];
	static unsigned k;
	struct eiot_coap_msg m;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, method, 0);
	char *p = copy[k++ % 8];
	snprintf(p, 64, "%s", path);
	for (char *s = NULL, *seg = strtok_r(p, "/", &s); seg; seg = strtok_r(NULL, "/", &s))
		assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, seg, strlen(seg)), EIOT_OK);
	if (query)
		assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_QUERY, query, strlen(query)), EIOT_OK);
	if (b2)
		assert_int_equal(eiot_coap_add_block_option(&m, EIOT_COAP_OPT_BLOCK2, b2), EIOT_OK);
	if (b1)
		assert_int_equal(eiot_coap_add_block_option(&m, EIOT_COAP_OPT_BLOCK1, b1), EIOT_OK);
	m.payload = payload;
	m.payload_len = len;
	c->responses = 0;
	memset(&c->last, 0, sizeof(c->last));
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r->now), EIOT_OK);
	run(r, all_answered);
	assert_int_equal(c->responses, 1);
}

static void assert_payload(const struct client *c, const char *text)
{
	assert_int_equal(c->last.msg.payload_len, strlen(text));
	assert_memory_equal(c->last.msg.payload, text, strlen(text));
}

static void test_resources_discovery_and_errors(void **state)
{
	(void)state;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, NULL, 0);
	struct client *c = add_client(&r, 1, 40000);
	request(&r, c, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_int_equal(c->last.msg.code, EIOT_COAP_CONTENT);
	assert_payload(c, "21.5");
	request(&r, c, EIOT_COAP_GET, ".well-known/core", NULL, NULL, 0, NULL, NULL);
	assert_payload(c, "</sensors/temp>;rt=\"temperature-c\";ct=0;obs,</blob>;sz=1000,</slow>");
	request(&r, c, EIOT_COAP_GET, ".well-known/core", "rt=temp*", NULL, 0, NULL, NULL);
	assert_payload(c, "</sensors/temp>;rt=\"temperature-c\";ct=0;obs");
	request(&r, c, EIOT_COAP_GET, ".well-known/core", "href=/blob", NULL, 0, NULL, NULL);
	assert_payload(c, "</blob>;sz=1000");
	request(&r, c, EIOT_COAP_GET, ".well-known/core", "rt=nothing", NULL, 0, NULL, NULL);
	assert_int_equal(c->last.msg.payload_len, 0);
	request(&r, c, EIOT_COAP_POST, "sensors/temp", NULL, "x", 1, NULL, NULL);
	assert_int_equal(c->last.msg.code, EIOT_COAP_METHOD_NOT_ALLOWED);
	request(&r, c, EIOT_COAP_GET, "sensors", NULL, NULL, 0, NULL, NULL);
	assert_int_equal(c->last.msg.code, EIOT_COAP_NOT_FOUND);
	request(&r, c, EIOT_COAP_GET, "sensors/temp/more", NULL, NULL, 0, NULL, NULL);
	assert_int_equal(c->last.msg.code, EIOT_COAP_NOT_FOUND);
	assert_int_equal(r.handled, 1);
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.peers, 1);
	assert_int_equal(st.handshakes, 1);
	assert_int_equal(st.cookies_sent, 1);
	assert_int_equal(st.requests, 1);
	rig_free(&r);
}

/* Block2 (RFC 7959 §2.4) at a 127-byte MTU: the server picks blocks that fit a record; the
 * client follows them and asks for a smaller size too. */
static void test_block2_at_mtu_127(void **state)
{
	(void)state;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, NULL, 127);
	struct client *c = add_client(&r, 1, 40000);
	uint8_t got[1000];
	size_t got_len = 0;
	struct eiot_coap_block want = { 0, false, 6 }, b;
	for (int i = 0; i < 100; i++) {
		request(&r, c, EIOT_COAP_GET, "blob", NULL, NULL, 0, NULL, i ? &want : NULL);
		assert_int_equal(c->last.msg.code, EIOT_COAP_CONTENT);
		const struct eiot_coap_option *o = eiot_coap_next_option(&c->last.msg, EIOT_COAP_OPT_BLOCK2, NULL);
		assert_non_null(o);
		assert_int_equal(eiot_coap_block_get(o, &b), EIOT_OK);
		assert_true(eiot_coap_block_size(b.szx) <= 64);
		assert_int_equal(b.num * eiot_coap_block_size(b.szx), got_len);
		if (b.num == 0) {
			uint32_t size2 = 0;
			o = eiot_coap_next_option(&c->last.msg, EIOT_COAP_OPT_SIZE2, NULL);
			assert_non_null(o);
			assert_int_equal(eiot_coap_option_uint(o, &size2), EIOT_OK);
			assert_int_equal(size2, 1000);
		}
		memcpy(got + got_len, c->last.msg.payload, c->last.msg.payload_len);
		got_len += c->last.msg.payload_len;
		if (!b.more)
			break;
		want = (struct eiot_coap_block){ b.num + 1, false, b.szx };
	}
	assert_int_equal(got_len, 1000);
	assert_memory_equal(got, r.body, 1000);
	assert_true(r.max_dgram_out <= 127);
	/* a client asking for 16-byte blocks gets them; beyond the end is 4.02 */
	want = (struct eiot_coap_block){ 3, false, 0 };
	request(&r, c, EIOT_COAP_GET, "blob", NULL, NULL, 0, NULL, &want);
	assert_int_equal(c->last.msg.payload_len, 16);
	assert_memory_equal(c->last.msg.payload, r.body + 48, 16);
	want = (struct eiot_coap_block){ 63, false, 0 };
	request(&r, c, EIOT_COAP_GET, "blob", NULL, NULL, 0, NULL, &want);
	assert_int_equal(c->last.msg.code, EIOT_COAP_BAD_OPTION);
	rig_free(&r);
}

/* Block1 (RFC 7959 §2.5): 2.31 Continue per block, the handler once with the whole body; a
 * gap gets 4.08; a body over max_body 4.13 with Size1. */
static void test_block1_upload(void **state)
{
	(void)state;
	struct eiot_coaps_server_params p;
	eiot_coaps_server_params_default(&p);
	p.max_body = 512;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, &p, 127);
	struct client *c = add_client(&r, 1, 40000);
	uint8_t data[300];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	for (uint32_t n = 0; n * 32 < sizeof(data); n++) {
		size_t off = n * 32, len = sizeof(data) - off < 32 ? sizeof(data) - off : 32;
		struct eiot_coap_block b = { n, off + len < sizeof(data), 1 };
		request(&r, c, EIOT_COAP_PUT, "blob", NULL, data + off, len, &b, NULL);
		assert_int_equal(c->last.msg.code, b.more ? EIOT_COAP_CONTINUE : EIOT_COAP_CHANGED);
		assert_non_null(eiot_coap_next_option(&c->last.msg, EIOT_COAP_OPT_BLOCK1, NULL));
	}
	assert_int_equal(r.handled, 1);
	assert_int_equal(r.got_len, sizeof(data));
	assert_memory_equal(r.body, data, sizeof(data));

	struct eiot_coap_block first = { 0, true, 1 }, gap = { 2, true, 1 };
	request(&r, c, EIOT_COAP_PUT, "blob", NULL, data, 32, &first, NULL);
	assert_int_equal(c->last.msg.code, EIOT_COAP_CONTINUE);
	request(&r, c, EIOT_COAP_PUT, "blob", NULL, data, 32, &gap, NULL);
	assert_int_equal(c->last.msg.code, EIOT_COAP_REQUEST_ENTITY_INCOMPLETE);

	/* 17 blocks of 32 = 544 > 512: refused at the block that crosses the bound */
	for (uint32_t n = 0; n < 17; n++) {
		struct eiot_coap_block b = { n, true, 1 };
		request(&r, c, EIOT_COAP_PUT, "blob", NULL, data, 32, &b, NULL);
		if (c->last.msg.code != EIOT_COAP_CONTINUE)
			break;
	}
	assert_int_equal(c->last.msg.code, EIOT_COAP_REQUEST_ENTITY_TOO_LARGE);
	uint32_t size1 = 0;
	const struct eiot_coap_option *o = eiot_coap_next_option(&c->last.msg, EIOT_COAP_OPT_SIZE1, NULL);
	assert_non_null(o);
	assert_int_equal(eiot_coap_option_uint(o, &size1), EIOT_OK);
	assert_int_equal(size1, 512);
	assert_int_equal(r.handled, 1);
	rig_free(&r);
}

/* The response is lost: the client's retransmitted CON gets the same answer from the
 * server's deduplication, and the handler runs once (RFC 7252 §4.5). */
static void test_duplicate_request_reaches_handler_once(void **state)
{
	(void)state;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, NULL, 0);
	struct client *c = add_client(&r, 1, 40000);
	request(&r, c, EIOT_COAP_GET, ".well-known/core", NULL, NULL, 0, NULL, NULL); /* handshake */
	r.drop_s2c_after_hs = 1;
	request(&r, c, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_payload(c, "21.5");
	assert_int_equal(r.handled, 1);
	assert_true(r.now >= 2000);
	rig_free(&r);
}

/* 120 clients from 120 addresses against a table of 50: each later one evicts the least
 * recently used idle peer, and every client is served. */
static void test_table_bound_and_eviction(void **state)
{
	(void)state;
	struct eiot_coaps_server_params p;
	eiot_coaps_server_params_default(&p);
	p.max_peers = 50;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, &p, 0);
	for (unsigned i = 0; i < 120; i++) {
		struct client *c = add_client(&r, i + 1, 40000);
		request(&r, c, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
		assert_payload(c, "21.5");
		r.now += 10;
	}
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.peers, 50);
	assert_int_equal(st.established, 50);
	assert_int_equal(st.handshakes, 120);
	assert_int_equal(st.evicted, 70);
	assert_int_equal(st.table_full, 0);
	/* the evicted got close_notify: their connections are closed, the recent ones are not */
	assert_int_equal(eiot_conn_state(eiot_coaps_client_conn(r.c[0].cl)), EIOT_STATE_CLOSED);
	assert_int_equal(eiot_conn_state(eiot_coaps_client_conn(r.c[119].cl)), EIOT_STATE_ESTABLISHED);
	rig_free(&r);
}

/* 30 clients from one IP address at once, 10 handshakes/s with a burst of 20: 20 get in at
 * once, the rest are refused until the bucket refills, and their DTLS retransmissions then
 * get them in too. */
static void test_handshake_rate_per_address(void **state)
{
	(void)state;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, NULL, 0);
	for (unsigned i = 0; i < 30; i++) {
		struct client *c = add_client(&r, 1, (uint16_t)(40000 + i));
		struct eiot_coap_msg m;
		eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
		eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "blob", 4);
		assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	}
	struct eiot_coaps_server_stats st;
	run(&r, all_answered);
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.handshakes, 30);
	assert_true(st.rate_limited >= 10); /* a retransmission may come before the refill too */
	for (unsigned i = 0; i < 30; i++)
		assert_int_equal(r.c[i].responses, 1);
	rig_free(&r);
}

static bool first_closed(struct rig *r)
{
	return eiot_conn_state(eiot_coaps_client_conn(r->c[0].cl)) == EIOT_STATE_CLOSED;
}

/* An established peer silent for the idle timeout is closed with close_notify; another that
 * keeps talking stays. */
static void test_idle_timeout(void **state)
{
	(void)state;
	struct eiot_coaps_server_params p;
	eiot_coaps_server_params_default(&p);
	p.idle_timeout_ms = 10000;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, &p, 0);
	struct client *quiet = add_client(&r, 1, 40000);
	request(&r, quiet, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	struct client *busy = add_client(&r, 2, 40000);
	for (int i = 0; i < 3; i++) {
		r.now += 4000;
		request(&r, busy, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	}
	run(&r, first_closed);
	assert_int_equal(eiot_conn_state(eiot_coaps_client_conn(quiet->cl)), EIOT_STATE_CLOSED);
	assert_int_equal(eiot_conn_state(eiot_coaps_client_conn(busy->cl)), EIOT_STATE_ESTABLISHED);
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.idle_closed, 1);
	assert_int_equal(st.peers, 1);
	rig_free(&r);
}

static bool one_peer(struct rig *r)
{
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r->srv, &st);
	return st.peers == 1;
}

/* close_notify from one peer ends that peer only; a rebooted client at the same address (a new
 * handshake from epoch 0, RFC 6347 §4.2.8) replaces its old session after the cookie exchange. */
static void test_close_and_reboot_end_one_peer(void **state)
{
	(void)state;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, NULL, 0);
	struct client *a = add_client(&r, 1, 40000);
	request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	struct client *b = add_client(&r, 2, 40000);
	request(&r, b, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_int_equal(eiot_coaps_client_close(a->cl), EIOT_OK);
	run(&r, one_peer);
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.peers, 1);
	request(&r, b, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_payload(b, "21.5");

	client_free(b); /* b loses its state (a reboot) and comes back from the same address */
	struct client *b2 = add_client(&r, 2, 40000);
	request(&r, b2, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_payload(b2, "21.5");
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.peers, 1);
	assert_int_equal(st.handshakes, 3);
	rig_free(&r);
}

/* NAT rebinding: the client's port changes mid-session. With connection IDs its next request
 * reaches its session (no handshake) and the peer moves to the new port; without them the
 * request from the new port is dropped at the front door and only a new handshake helps. */
static void test_nat_rebinding_with_and_without_cid(void **state)
{
	(void)state;
	static struct rig r;
	struct eiot_coaps_server_stats st;
	for (int with_cid = 1; with_cid >= 0; with_cid--) {
		rig_init_cid(&r, NULL, 0, with_cid ? 6 : -1);
		struct client *a = add_client(&r, 1, 40000);
		request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
		a->addr.sin_port = htons(41234); /* the NAT gave it a new mapping */
		struct eiot_coap_msg m;
		eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
		eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "blob", 4);
		a->responses = 0;
		assert_int_equal(eiot_coaps_client_request(a->cl, &m, r.now), EIOT_OK);
		run(&r, all_answered);
		eiot_coaps_server_stats(r.srv, &st);
		assert_int_equal(st.handshakes, 1);
		if (with_cid) {
			assert_int_equal(a->responses, 1);
			assert_int_equal(a->last.msg.payload_len, 1000);
			assert_int_equal(st.moved, 1);
			assert_int_equal(st.peers, 1);
			request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
			assert_payload(a, "21.5");
		} else {
			assert_int_equal(a->responses, 0);
			assert_int_equal(a->last.kind, EIOT_COAP_EV_FAILED); /* CoAP gave up (RFC 7252 §4.2) */
			assert_int_equal(st.moved, 0);
			client_free(a); /* the device starts over from its new port */
			struct client *a2 = add_client(&r, 1, 41234);
			request(&r, a2, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
			eiot_coaps_server_stats(r.srv, &st);
			assert_int_equal(st.handshakes, 2);
		}
		rig_free(&r);
	}
}

/* RFC 9146 §6: a record with a peer's valid connection ID sent from another address — forged,
 * or an authentic one replayed — does not move the peer; its own next request, from where it
 * is, is answered there. */
static void test_spoofed_cid_datagram_does_not_move_the_peer(void **state)
{
	(void)state;
	static struct rig r;
	rig_init_cid(&r, NULL, 0, 6);
	struct client *a = add_client(&r, 1, 40000);
	request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	struct sockaddr_in attacker = a->addr;
	attacker.sin_addr.s_addr = htonl(0x0a0000feu);
	attacker.sin_port = htons(666);

	struct eiot_coap_msg m;
	uint8_t dg[512], forged[512];
	size_t len;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "sensors", 7);
	eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "temp", 4);
	a->responses = 0;
	assert_int_equal(eiot_coaps_client_request(a->cl, &m, r.now), EIOT_OK);
	assert_int_equal(eiot_coaps_client_output(a->cl, dg, sizeof(dg), &len), EIOT_OK);
	assert_int_equal(dg[0], 25); /* it carries the server's CID */
	memcpy(forged, dg, len);
	forged[len - 1] ^= 0x80;
	eiot_coaps_server_feed(r.srv, &attacker, sizeof(attacker), forged, len, r.now);
	eiot_coaps_server_feed(r.srv, &a->addr, sizeof(a->addr), dg, len, r.now); /* the real one */
	eiot_coaps_server_feed(r.srv, &attacker, sizeof(attacker), dg, len, r.now); /* its replay */
	run(&r, all_answered);
	assert_int_equal(a->responses, 1);
	assert_payload(a, "21.5");
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.moved, 0);
	assert_int_equal(st.peers, 1);
	assert_int_equal(r.handled, 2);
	rig_free(&r);
}

/* The CID index stays right while peers close and their slots are reused: a table of 4 (4
 * chains, so CIDs share them), peers closing, new ones in their slots, then each survivor
 * moving by its CID. */
static void test_cid_index_survives_closed_peers(void **state)
{
	(void)state;
	static struct rig r;
	struct eiot_coaps_server_params p;
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_params_default(&p);
	p.max_peers = 4;
	rig_init_cid(&r, &p, 0, 6);
	struct client *c[8];
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < 4; i++) {
			c[round * 4 + i] = add_client(&r, 10 + round * 4 + i, 40000);
			request(&r, c[round * 4 + i], EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
		}
		if (round == 0) { /* three of the first four leave; the fourth is evicted later */
			for (unsigned i = 0; i < 3; i++)
				assert_int_equal(eiot_coaps_client_close(c[i]->cl), EIOT_OK);
			run(&r, NULL);
			for (unsigned i = 0; i < 3; i++)
				client_free(c[i]);
		}
	}
	for (unsigned i = 4; i < 8; i++) {
		c[i]->addr.sin_port = htons(50000 + i); /* every survivor's NAT rebinds */
		request(&r, c[i], EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
		assert_payload(c[i], "21.5");
	}
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.moved, 4);
	assert_int_equal(st.handshakes, 8);
	rig_free(&r);
}

/* CID collisions: with 1-byte CIDs, 100 peers would share some if they were merely random,
 * and a datagram would reach the wrong one. The server gives each a CID no other holds: every
 * peer's NAT rebinds and each is still found by its own CID. */
static void test_short_cids_never_collide(void **state)
{
	(void)state;
	static struct rig r;
	struct eiot_coaps_server_stats st;
	rig_init_cid(&r, NULL, 0, 1);
	for (unsigned i = 0; i < 100; i++)
		request(&r, add_client(&r, 10 + i, 40000), EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	for (unsigned i = 0; i < 100; i++) {
		r.c[i].addr.sin_port = htons(50000);
		request(&r, &r.c[i], EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
		assert_payload(&r.c[i], "21.5");
	}
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.cid_none, 0);
	assert_int_equal(st.moved, 100);
	assert_int_equal(st.handshakes, 100);
	rig_free(&r);
}

/* Peers whose clients ask for no CID give theirs back at the end of the handshake: 300 of
 * them with 1-byte CIDs leave the space free, and a device that does use CIDs gets one and
 * survives its NAT rebinding. */
static void test_cid_space_not_held_by_peers_without_cids(void **state)
{
	(void)state;
	static struct rig r;
	struct eiot_coaps_server_stats st;
	rig_init_cid(&r, NULL, 0, 1);
	struct eiot_config *plain = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
						 sizeof(psk_key), NULL);
	assert_non_null(plain);
	eiot_config_set_random(plain, det_random, NULL);
	for (unsigned i = 0; i < 300; i++) {
		struct client *c = add_client(&r, 10 + i, 40000);
		eiot_coaps_client_free(c->cl);
		c->cl = eiot_coaps_client_new(plain, NULL, r.now);
		assert_non_null(c->cl);
		request(&r, c, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	}
	struct client *dev = add_client(&r, 1000, 40000);
	request(&r, dev, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	dev->addr.sin_port = htons(50000);
	request(&r, dev, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_payload(dev, "21.5");
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.cid_none, 0);
	assert_int_equal(st.moved, 1);
	rig_free(&r);
	eiot_config_free(plain);
}

/* More peers than 1-byte CIDs: those that find no free one get a zero-length CID (RFC 9146
 * §3), are counted, and are served by their address. */
static void test_crowded_cid_space_gives_none(void **state)
{
	(void)state;
	static struct rig r;
	struct eiot_coaps_server_stats st;
	rig_init_cid(&r, NULL, 0, 1);
	for (unsigned i = 0; i < 300; i++) {
		request(&r, add_client(&r, 10 + i, 40000), EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
		assert_payload(&r.c[i], "21.5");
	}
	eiot_coaps_server_stats(r.srv, &st);
	assert_true(st.cid_none >= 300 - 256);
	assert_int_equal(st.handshakes, 300);
	assert_int_equal(st.peers, 300);
	rig_free(&r);
}

/* A rig with 6-byte server CIDs and one device (10.0.0.1:40000) that made its handshake and
 * an exchange, then saved its client (reserving 8 records) into st. */
static struct client *saved_device(struct rig *r, uint8_t *st, size_t *n)
{
	rig_init_cid(r, NULL, 0, 6);
	struct client *a = add_client(r, 1, 40000);
	request(r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_int_equal(eiot_coaps_client_save(a->cl, 8, st, EIOT_COAPS_SAVED_MAX, n), EIOT_OK);
	return a;
}

/* The device, after its power came back, on the client restored from st. */
static struct client *restored_device(struct rig *r, const uint8_t *st, size_t n)
{
	struct eiot_coaps_client *cl;
	assert_int_equal(eiot_coaps_client_restore(r->ccfg, NULL, st, n, r->now, &cl), EIOT_OK);
	struct client *a = add_client(r, 1, 40000);
	eiot_coaps_client_free(a->cl);
	a->cl = cl;
	return a;
}

/* A device saves its CoAPS client after an exchange, powers down (the client is gone), and a
 * restored client asks again: the server, which never saw it leave, answers on the same
 * session (no handshake). A state damaged in storage is refused. */
static void test_restored_client_needs_no_handshake(void **state)
{
	(void)state;
	static struct rig r;
	uint8_t st[EIOT_COAPS_SAVED_MAX];
	size_t n;
	struct client *a = saved_device(&r, st, &n);
	print_message("saved CoAPS client (PSK, server CID of 6 bytes): %zu bytes\n", n);
	assert_true(n <= 128);
	client_free(a);

	struct eiot_coaps_client *cl;
	st[3] ^= 1;
	assert_int_equal(eiot_coaps_client_restore(r.ccfg, NULL, st, n, r.now, &cl), EIOT_ERR_BAD_SAVED_STATE);
	assert_null(cl);
	st[3] ^= 1;
	assert_int_equal(eiot_coaps_client_restore(r.ccfg, NULL, st, n - 1, r.now, &cl), EIOT_ERR_BAD_SAVED_STATE);
	a = restored_device(&r, st, n);
	struct eiot_coap_msg m;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "blob", 4);
	assert_int_equal(eiot_coaps_client_request(a->cl, &m, r.now), EIOT_ERR_SAVE_NEEDED);
	assert_int_equal(eiot_coaps_client_save(a->cl, 8, st, sizeof(st), &n), EIOT_OK);
	request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_payload(a, "21.5");
	struct eiot_coaps_server_stats st_srv;
	eiot_coaps_server_stats(r.srv, &st_srv);
	assert_int_equal(st_srv.handshakes, 1);
	assert_int_equal(st_srv.peers, 1);
	rig_free(&r);
}

/* A crash after sending within a reservation: the state in the slot is the one from before
 * the sends. The restored client's Message IDs start after every MID the reservation could
 * have carried, so its request is new to the server's deduplication (RFC 7252 §4.5), not
 * taken for one of the lost client's. */
static void test_client_restored_after_crash_takes_new_message_ids(void **state)
{
	(void)state;
	static struct rig r;
	uint8_t st[EIOT_COAPS_SAVED_MAX];
	size_t n;
	struct client *a = saved_device(&r, st, &n);
	request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	unsigned handled = r.handled;
	client_free(a); /* power lost: no save after the two exchanges */

	a = restored_device(&r, st, n);
	assert_int_equal(eiot_coaps_client_save(a->cl, EIOT_COAPS_MAX_RESERVE + 1, st, sizeof(st), &n),
			 EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_coaps_client_save(a->cl, 8, st, sizeof(st), &n), EIOT_OK);
	request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_payload(a, "21.5");
	assert_int_equal(r.handled, handled + 1);
	rig_free(&r);
}

/* GET /sensors/temp with this token and Observe value (0 registers, 1 deregisters). */
static void observe_temp(struct eiot_coap_msg *m, const uint8_t token[4], uint32_t observe)
{
	eiot_coap_msg_init(m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	eiot_coap_set_token(m, token, 4);
	eiot_coap_add_uint_option(m, EIOT_COAP_OPT_OBSERVE, observe);
	eiot_coap_add_option(m, EIOT_COAP_OPT_URI_PATH, "sensors", 7);
	eiot_coap_add_option(m, EIOT_COAP_OPT_URI_PATH, "temp", 4);
}

static uint32_t observe_value(const struct client *c)
{
	uint32_t v = UINT32_MAX;
	const struct eiot_coap_option *o = eiot_coap_next_option(&c->last.msg, EIOT_COAP_OPT_OBSERVE, NULL);
	if (o)
		assert_int_equal(eiot_coap_option_uint(o, &v), EIOT_OK);
	return v;
}

/* Observe (RFC 7641): a registration, notifications with rising Observe values (every second
 * one CON, acknowledged), deregistration by GET with Observe 1; reactive cancellation (RST);
 * an observer that vanished is dropped when its CON notification is never acknowledged. */
static void test_observe(void **state)
{
	(void)state;
	static const uint8_t token[4] = { 1, 2, 3, 4 };
	struct eiot_coaps_server_params p;
	eiot_coaps_server_params_default(&p);
	p.observe_con_every = 2;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, &p, 0);
	struct client *c = add_client(&r, 1, 40000);
	struct eiot_coaps_server_stats st;
	struct eiot_coap_msg m;

	observe_temp(&m, token, 0);
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	run(&r, all_answered);
	assert_int_equal(c->responses, 1);
	uint32_t v = observe_value(c), prev;
	assert_true(v != UINT32_MAX);
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.observers, 1);
	for (int i = 0; i < 3; i++) {
		prev = v;
		r.now += 1000;
		assert_int_equal(eiot_coaps_server_notify(r.srv, "sensors/temp", r.now), 1);
		run(&r, NULL);
		assert_int_equal(c->responses, 2 + i);
		v = observe_value(c);
		assert_true(v > prev);
		assert_payload(c, "21.5");
	}
	assert_int_equal(r.handled, 4);
	assert_int_equal(eiot_coaps_server_notify(r.srv, "blob", r.now), EIOT_ERR_BAD_PARAM);
	/* deregistration: the same token, Observe 1 (§3.6) */
	eiot_coaps_client_cancel(c->cl, token, 4);
	observe_temp(&m, token, 1);
	c->responses = 0;
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	run(&r, all_answered);
	assert_int_equal(observe_value(c), UINT32_MAX);
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.observers, 0);
	assert_int_equal(eiot_coaps_server_notify(r.srv, "sensors/temp", r.now), 0);

	/* reactive cancellation: the client forgets the token, its stack answers RST (§3.6) */
	static const uint8_t token2[4] = { 5, 6, 7, 8 };
	observe_temp(&m, token2, 0);
	c->responses = 0;
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	run(&r, all_answered);
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.observers, 1);
	assert_int_equal(eiot_coaps_client_cancel(c->cl, token2, 4), EIOT_OK);
	for (int i = 0; i < 2 && st.observers; i++) { /* NON then CON: both get RST */
		eiot_coaps_server_notify(r.srv, "sensors/temp", r.now);
		run(&r, NULL);
		eiot_coaps_server_stats(r.srv, &st);
	}
	assert_int_equal(st.observers, 0);

	/* a vanished observer: its CON notification is never acknowledged */
	observe_temp(&m, token, 0);
	c->responses = 0;
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	run(&r, all_answered);
	client_free(c);
	for (int i = 0; i < 2; i++)
		eiot_coaps_server_notify(r.srv, "sensors/temp", r.now);
	run(&r, NULL);
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.observers, 0);
	assert_true(r.now >= 60000); /* after CoAP's retransmissions gave up */
	rig_free(&r);
}

/* The client keeps its DTLS session: evicted by the server (close_notify), its next request
 * resumes it in an abbreviated handshake; after a server restart that lost every peer silently
 * (its session cache lives on), a request goes unanswered, and the one after resumes. */
static void test_client_resumes_after_eviction_and_loss(void **state)
{
	(void)state;
	struct eiot_coaps_server_params p;
	eiot_coaps_server_params_default(&p);
	p.max_peers = 1;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, &p, 0);
	struct eiot_session_cache *cache = eiot_session_cache_new(r.scfg, 16, 3600);
	assert_non_null(cache);
	assert_int_equal(eiot_config_set_session_cache(r.scfg, cache), EIOT_OK);
	struct client *a = add_client(&r, 1, 40000);
	request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_false(eiot_conn_resumed(eiot_coaps_client_conn(a->cl)));
	struct client *b = add_client(&r, 2, 40000); /* takes the only slot: a is evicted */
	request(&r, b, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_int_equal(eiot_conn_state(eiot_coaps_client_conn(a->cl)), EIOT_STATE_CLOSED);
	client_free(b);
	r.now += 1000;
	request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_payload(a, "21.5");
	assert_int_equal(eiot_coaps_client_connections(a->cl), 2);
	assert_true(eiot_conn_resumed(eiot_coaps_client_conn(a->cl)));

	/* the server restarts (its session cache, and so its ticket keys, live on) */
	eiot_coaps_server_free(r.srv);
	r.srv = eiot_coaps_server_new(r.scfg, &p, r.now);
	assert_non_null(r.srv);
	struct eiot_coap_resource s = { .path = "sensors/temp", .methods = EIOT_COAP_METHOD(EIOT_COAP_GET),
					.handler = sensor, .user = &r };
	assert_int_equal(eiot_coaps_server_add_resource(r.srv, &s), EIOT_OK);
	struct eiot_coap_msg m;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "sensors", 7);
	eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "temp", 4);
	a->responses = 0;
	memset(&a->last, 0, sizeof(a->last));
	assert_int_equal(eiot_coaps_client_request(a->cl, &m, r.now), EIOT_OK);
	run(&r, all_answered); /* the server drops records of a session it does not know */
	assert_int_equal(a->responses, 0);
	assert_int_equal(a->last.kind, EIOT_COAP_EV_FAILED);
	assert_int_equal(a->last.err, EIOT_ERR_TIMEOUT);
	request(&r, a, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_payload(a, "21.5");
	assert_int_equal(eiot_coaps_client_connections(a->cl), 3);
	assert_true(eiot_conn_resumed(eiot_coaps_client_conn(a->cl)));
	rig_free(&r);
	eiot_session_cache_free(cache);
}

/* Frames too small for a whole ClientHello (MTU 64): with the cookie exchange the front door
 * cannot take the fragments and the handshake never completes; without cookies the first
 * fragment starts the connection, which reassembles the rest. */
static void test_fragmented_client_hello_needs_no_cookie(void **state)
{
	(void)state;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, NULL, 64);
	struct client *c = add_client(&r, 1, 40000);
	struct eiot_coap_msg m;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "blob", 4);
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	run(&r, all_answered);
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(c->responses, 0);
	assert_int_equal(st.handshakes, 0);
	assert_int_equal(st.cookies_sent, 0);
	assert_true(st.dropped > 0);
	rig_free(&r);

	rig_init(&r, NULL, 64);
	assert_int_equal(eiot_config_set_cookie(r.scfg, false), EIOT_OK);
	c = add_client(&r, 1, 40000);
	request(&r, c, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_payload(c, "21.5");
	assert_true(r.max_dgram_out <= 64);
	rig_free(&r);
}

/* The whole exchange over an impaired network (20 % dropped, 10 % duplicated, 10 % reordered,
 * both ways, seeded) at MTU 1280 and 127: a Block2 download, a Block1 upload, an observation
 * with notifications and its deregistration all complete, and no request reaches a handler
 * twice (RFC 7252 §4.5). */
static void lossy_exchange(size_t mtu, uint64_t seed)
{
	static struct rig r;
	struct eiot_coaps_server_params p;
	eiot_coaps_server_params_default(&p);
	p.coap.max_retransmit = 8;
	rig_init(&r, &p, mtu);
	r.net = (struct impair){ .drop_pct = 20, .dup_pct = 10, .reorder_pct = 10, .rng = seed };
	struct client *c = add_client(&r, 1, 40000);
	eiot_coaps_client_free(c->cl);
	struct eiot_coap_params cp;
	eiot_coap_params_default(&cp);
	cp.max_retransmit = 8;
	c->cl = eiot_coaps_client_new(r.ccfg, &cp, r.now);
	assert_non_null(c->cl);

	uint8_t got[1000];
	size_t got_len = 0;
	struct eiot_coap_block want = { 0, false, 6 }, b;
	for (int i = 0; i < 100; i++) {
		request(&r, c, EIOT_COAP_GET, "blob", NULL, NULL, 0, NULL, &want);
		const struct eiot_coap_option *o = eiot_coap_next_option(&c->last.msg, EIOT_COAP_OPT_BLOCK2, NULL);
		assert_non_null(o);
		assert_int_equal(eiot_coap_block_get(o, &b), EIOT_OK);
		assert_int_equal(b.num * eiot_coap_block_size(b.szx), got_len);
		memcpy(got + got_len, c->last.msg.payload, c->last.msg.payload_len);
		got_len += c->last.msg.payload_len;
		if (!b.more)
			break;
		want = (struct eiot_coap_block){ b.num + 1, false, b.szx };
	}
	assert_int_equal(got_len, 1000);
	assert_memory_equal(got, r.body, 1000);

	uint8_t data[300];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	for (uint32_t n = 0; n * 32 < sizeof(data); n++) {
		size_t off = n * 32, len = sizeof(data) - off < 32 ? sizeof(data) - off : 32;
		struct eiot_coap_block b1 = { n, off + len < sizeof(data), 1 };
		request(&r, c, EIOT_COAP_PUT, "blob", NULL, data + off, len, &b1, NULL);
		assert_int_equal(c->last.msg.code, b1.more ? EIOT_COAP_CONTINUE : EIOT_COAP_CHANGED);
	}
	assert_int_equal(r.got_len, sizeof(data));
	assert_memory_equal(r.body, data, sizeof(data));

	static const uint8_t token[4] = { 9, 9, 9, 9 };
	struct eiot_coap_msg m;
	observe_temp(&m, token, 0);
	c->responses = 0;
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	run(&r, all_answered);
	assert_int_equal(c->responses, 1);
	for (int i = 0; i < 10; i++) {
		r.now += 1000;
		eiot_coaps_server_notify(r.srv, "sensors/temp", r.now);
		run(&r, NULL);
	}
	assert_true(c->responses >= 5); /* NON notifications may be lost; most arrive */
	eiot_coaps_client_cancel(c->cl, token, 4);
	observe_temp(&m, token, 1);
	c->responses = 0;
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	run(&r, all_answered);
	assert_int_equal(c->responses, 1);
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.observers, 0);

	assert_int_equal(r.handled_twice, 0);
	assert_true(r.net.dropped > 0 && r.net.duplicated > 0 && r.net.reordered > 0);
	if (mtu)
		assert_true(r.max_dgram_out <= mtu);
	rig_free(&r);
}

static void test_loss_duplication_reordering(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		lossy_exchange(1280, seed);
		lossy_exchange(127, seed);
	}
}

/* A thousand devices fill a table of 1000; a thousand more come: each evicts the least
 * recently used idle peer, every one of them is served, and the table never holds more. */
static void test_thousands_of_peers(void **state)
{
	(void)state;
	static struct rig r;
	struct eiot_coaps_server_params p;
	eiot_coaps_server_params_default(&p);
	p.max_peers = 1000;
	rig_init(&r, &p, 0);
	eiot_coaps_server_free(r.srv); /* again, with records sized for CoAP (what a server sets) */
	assert_int_equal(eiot_config_set_max_record(r.scfg, 1280), EIOT_OK);
	r.srv = eiot_coaps_server_new(r.scfg, &p, 0);
	assert_non_null(r.srv);
	struct eiot_coap_resource temp = { .path = "sensors/temp", .methods = EIOT_COAP_METHOD(EIOT_COAP_GET),
					   .handler = sensor, .user = &r };
	assert_int_equal(eiot_coaps_server_add_resource(r.srv, &temp), EIOT_OK);
	for (unsigned batch = 0; batch < 20; batch++) {
		for (unsigned i = 0; i < 100; i++) {
			struct client *c = add_client(&r, batch * 100 + i + 1, 40000);
			struct eiot_coap_msg m;
			eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
			eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "sensors", 7);
			eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "temp", 4);
			assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
		}
		run(&r, all_answered);
		r.now += 1000;
		struct eiot_coaps_server_stats st;
		eiot_coaps_server_stats(r.srv, &st);
		assert_true(st.peers <= 1000);
	}
	for (size_t i = 0; i < r.n; i++)
		assert_int_equal(r.c[i].responses, 1);
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.peers, 1000);
	assert_int_equal(st.handshakes, 2000);
	assert_int_equal(st.evicted, 1000);
	printf("2000 devices, table of 1000: %llu bytes held, the largest peer %llu\n",
	       (unsigned long long)st.bytes, (unsigned long long)st.peer_bytes_max);
	assert_true(st.bytes < 1000u * 16 * 1024);
	rig_free(&r);
}

static bool slow_asked(struct rig *r)
{
	(void)r;
	return slow_calls > 0;
}

/* A handler that defers: the CON request is acknowledged at once (Empty ACK, RFC 7252 §5.2.2)
 * and answered later as a CON separate response; a duplicate of the request reaches nobody;
 * an answer for a peer that is gone is refused. If-Match where the handler does not evaluate
 * it gets 4.02. */
static void test_deferred_response_and_conditional_request(void **state)
{
	(void)state;
	static struct rig r;
	rig_init(&r, NULL, 0);
	slow_calls = 0;
	struct client *c = add_client(&r, 1, 40000);
	request(&r, c, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL); /* handshake */
	struct eiot_coap_msg m;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "slow", 4);
	c->responses = 0;
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	run(&r, slow_asked);
	run(&r, NULL); /* the Empty ACK stops the client's retransmissions; no answer yet */
	assert_int_equal(slow_calls, 1);
	assert_int_equal(c->responses, 0);
	uint64_t asked = r.now;
	r.now += 30000;
	struct eiot_coap_response later = { .code = EIOT_COAP_CONTENT, .content_format = 0, .max_age = -1,
					    .payload = (const uint8_t *)"done", .payload_len = 4 };
	assert_int_equal(eiot_coaps_server_respond_later(r.srv, &slow_pending, &later, r.now), EIOT_OK);
	run(&r, all_answered);
	assert_int_equal(c->responses, 1);
	assert_payload(c, "done");
	assert_int_equal(c->last.msg.type, EIOT_COAP_CON); /* separate, and acknowledged by the client */
	assert_true(r.now >= asked + 30000);
	assert_int_equal(slow_calls, 1);

	/* conditional request on a resource that does not evaluate it */
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_PUT, 0);
	eiot_coap_add_option(&m, EIOT_COAP_OPT_IF_MATCH, "abcd", 4);
	eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "blob", 4);
	m.payload = (const uint8_t *)"x", m.payload_len = 1;
	c->responses = 0;
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	run(&r, all_answered);
	assert_int_equal(c->last.msg.code, EIOT_COAP_BAD_OPTION);
	assert_int_equal(r.got_len, 0); /* the PUT did not happen */

	/* the peer goes: its deferred answer has nobody to go to */
	eiot_coap_msg_init(&m, EIOT_COAP_NON, EIOT_COAP_GET, 0);
	eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "slow", 4);
	assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK);
	run(&r, NULL);
	assert_int_equal(slow_calls, 2);
	assert_int_equal(slow_pending.type, EIOT_COAP_NON);
	assert_int_equal(eiot_coaps_client_close(c->cl), EIOT_OK);
	run(&r, NULL);
	assert_int_equal(eiot_coaps_server_respond_later(r.srv, &slow_pending, &later, r.now), EIOT_ERR_CLOSED);
	rig_free(&r);
}

/* The reservation runs out in the middle of an exchange: the ACK for a CON separate response
 * has no record number left. It waits (output says EIOT_ERR_SAVE_NEEDED, the response event
 * still arrives) and goes out after the next save, instead of being lost. A client closed
 * instead (its last number for close_notify) asks for no save: nothing more is sent. */
static void test_ack_waits_for_the_next_save(void **state)
{
	(void)state;
	static struct rig r;
	uint8_t st[EIOT_COAPS_SAVED_MAX], dg[512];
	size_t n, len;
	for (int closing = 0; closing < 2; closing++) {
		rig_init(&r, NULL, 0);
		slow_calls = 0;
		struct client *c = add_client(&r, 1, 40000);
		request(&r, c, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL); /* handshake */
		assert_int_equal(eiot_coaps_client_save(c->cl, 1, st, sizeof(st), &n), EIOT_OK);
		struct eiot_coap_msg m;
		eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
		eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "slow", 4);
		c->responses = 0;
		assert_int_equal(eiot_coaps_client_request(c->cl, &m, r.now), EIOT_OK); /* the last number */
		run(&r, slow_asked);
		run(&r, NULL);
		struct eiot_coap_response later = { .code = EIOT_COAP_CONTENT, .content_format = 0,
						    .max_age = -1, .payload = (const uint8_t *)"done",
						    .payload_len = 4 };
		assert_int_equal(eiot_coaps_server_respond_later(r.srv, &slow_pending, &later, r.now), EIOT_OK);
		run(&r, all_answered);
		assert_int_equal(c->responses, 1);
		assert_payload(c, "done");
		assert_int_equal(eiot_coaps_client_output(c->cl, dg, sizeof(dg), &len), EIOT_ERR_SAVE_NEEDED);
		assert_int_equal(len, 0);
		if (closing) {
			assert_int_equal(eiot_coaps_client_close(c->cl), EIOT_ERR_SAVE_NEEDED); /* still open */
			assert_int_equal(eiot_coaps_client_save(c->cl, 1, st, sizeof(st), &n), EIOT_OK);
			assert_int_equal(eiot_coaps_client_close(c->cl), EIOT_OK);
			assert_int_equal(eiot_coaps_client_output(c->cl, dg, sizeof(dg), &len), EIOT_OK);
			assert_true(len > 0); /* close_notify */
			assert_int_equal(eiot_coaps_client_output(c->cl, dg, sizeof(dg), &len), EIOT_OK);
			assert_int_equal(len, 0);
		} else {
			assert_int_equal(eiot_coaps_client_save(c->cl, 4, st, sizeof(st), &n), EIOT_OK);
			assert_int_equal(eiot_coaps_client_output(c->cl, dg, sizeof(dg), &len), EIOT_OK);
			assert_true(len > 0); /* the ACK */
		}
		rig_free(&r);
	}
}

/* A late copy of the ClientHello that began a session (duplicated or delayed by the network,
 * or replayed) must not end it: only a ClientHello with another client random starts over. */
static void test_late_client_hello_copy_keeps_the_session(void **state)
{
	(void)state;
	static struct rig r;
	rig_init(&r, NULL, 0);
	struct client *c = add_client(&r, 1, 40000);
	request(&r, c, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_true(r.last_hello_len > 0);
	eiot_coaps_server_feed(r.srv, &c->addr, sizeof(c->addr), r.last_hello, r.last_hello_len, r.now);
	run(&r, NULL);
	request(&r, c, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	assert_payload(c, "21.5");
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r.srv, &st);
	assert_int_equal(st.handshakes, 1);
	assert_int_equal(st.established, 1);
	assert_int_equal(eiot_coaps_client_connections(c->cl), 1);
	rig_free(&r);
}

struct answers {
	unsigned n, failed;
	char last[16];
};

static void on_answer(void *user, const struct eiot_coap_event *ev)
{
	struct answers *a = user;
	if (ev->kind == EIOT_COAP_EV_FAILED) {
		a->failed++;
		return;
	}
	a->n++;
	snprintf(a->last, sizeof(a->last), "%.*s", (int)ev->msg.payload_len, (const char *)ev->msg.payload);
}

/* The client request API with callbacks: a request built from a URI gets its answer in the
 * callback (not as an event); an observation's notifications keep coming to it until cancel. */
static void test_client_request_callbacks(void **state)
{
	(void)state;
	static struct rig r;
	rig_init(&r, NULL, 0);
	struct client *c = add_client(&r, 1, 40000);
	struct answers a = { 0 }, obs = { 0 };
	struct eiot_coap_msg m;
	char host[64];
	uint16_t port;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	assert_int_equal(eiot_coap_set_uri(&m, "coaps://10.0.0.1/sensors/temp", host, sizeof(host), &port), EIOT_OK);
	assert_int_equal(eiot_coaps_client_request_cb(c->cl, &m, on_answer, &a, r.now), EIOT_OK);
	run(&r, NULL);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.last, "21.5");
	assert_int_equal(c->responses, 0); /* it went to the callback, not to the events */

	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	eiot_coap_add_uint_option(&m, EIOT_COAP_OPT_OBSERVE, 0);
	assert_int_equal(eiot_coap_set_uri(&m, "coaps://10.0.0.1/sensors/temp", host, sizeof(host), &port), EIOT_OK);
	assert_int_equal(eiot_coaps_client_request_cb(c->cl, &m, on_answer, &obs, r.now), EIOT_OK);
	run(&r, NULL);
	for (int i = 0; i < 2; i++) {
		r.now += 1000;
		assert_int_equal(eiot_coaps_server_notify(r.srv, "sensors/temp", r.now), 1);
		run(&r, NULL);
	}
	assert_int_equal(obs.n, 3);
	assert_int_equal(eiot_coaps_client_cancel(c->cl, m.token, m.token_len), EIOT_OK);
	eiot_coaps_server_notify(r.srv, "sensors/temp", r.now);
	run(&r, NULL);
	assert_int_equal(obs.n, 3); /* cancelled: the notification got RST, not the callback */
	assert_int_equal(a.failed + obs.failed, 0);
	assert_int_equal(eiot_coaps_client_connections(c->cl), 1);
	rig_free(&r);
}

/* An established peer gives back its handshake memory once its first request came
 * (eiot_conn_compact), and neither its connection nor its CoAP layer holds message buffers
 * while idle. */
static void test_established_peer_is_small(void **state)
{
	(void)state;
	static struct rig r; /* large: not on the stack */
	rig_init(&r, NULL, 1280);
	assert_int_equal(eiot_config_set_max_record(r.scfg, 1280), EIOT_OK);
	struct client *c = add_client(&r, 1, 40000);
	request(&r, c, EIOT_COAP_GET, "sensors/temp", NULL, NULL, 0, NULL, NULL);
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(r.srv, &st);
	size_t handshaking = eiot_conn_size(r.scfg);
	printf("one established peer: %llu bytes (a connection in its handshake: %zu)\n",
	       (unsigned long long)st.peer_bytes_max, handshaking);
	/* the record state, the CoAP deduplication table: no buffers while nothing waits */
	assert_true(st.peer_bytes_max < 6 * 1024);
	assert_true(st.peer_bytes_max * 6 < handshaking);
	/* and it still works, both ways */
	request(&r, c, EIOT_COAP_GET, "blob", NULL, NULL, 0, NULL, NULL);
	assert_int_equal(c->last.msg.code, EIOT_COAP_CONTENT);
	assert_int_equal(c->last.msg.payload_len, 1000);
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resources_discovery_and_errors),
		cmocka_unit_test(test_block2_at_mtu_127),
		cmocka_unit_test(test_block1_upload),
		cmocka_unit_test(test_duplicate_request_reaches_handler_once),
		cmocka_unit_test(test_table_bound_and_eviction),
		cmocka_unit_test(test_handshake_rate_per_address),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_close_and_reboot_end_one_peer),
		cmocka_unit_test(test_established_peer_is_small),
		cmocka_unit_test(test_observe),
		cmocka_unit_test(test_client_resumes_after_eviction_and_loss),
		cmocka_unit_test(test_fragmented_client_hello_needs_no_cookie),
		cmocka_unit_test(test_loss_duplication_reordering),
		cmocka_unit_test(test_thousands_of_peers),
		cmocka_unit_test(test_deferred_response_and_conditional_request),
		cmocka_unit_test(test_ack_waits_for_the_next_save),
		cmocka_unit_test(test_client_restored_after_crash_takes_new_message_ids),
		cmocka_unit_test(test_late_client_hello_copy_keeps_the_session),
		cmocka_unit_test(test_client_request_callbacks),
		cmocka_unit_test(test_nat_rebinding_with_and_without_cid),
		cmocka_unit_test(test_spoofed_cid_datagram_does_not_move_the_peer),
		cmocka_unit_test(test_restored_client_needs_no_handshake),
		cmocka_unit_test(test_cid_index_survives_closed_peers),
		cmocka_unit_test(test_short_cids_never_collide),
		cmocka_unit_test(test_crowded_cid_space_gives_none),
		cmocka_unit_test(test_cid_space_not_held_by_peers_without_cids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
