/*
 * tests/unit/test_cookie.c — stateless DTLS cookies (tls/cookie.c) and the server's front door
 * eiot_dtls_accept() (tls/dtls_accept.c, RFC 6347 §4.2.1). ClientHello datagrams are built
 * byte by byte here, independent of the message writers under test elsewhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eap_iot/config.h"
#include "eap_iot/dtls.h"
#include "eap_iot/err.h"
#include "tls/config_int.h"
#include "tls/cookie.h"

#define ROT EIOT_COOKIE_ROTATE_MS

/* ---- deterministic random source and log capture ---- */

struct rng {
	uint32_t counter;
	bool fail;
};

static int test_random(void *user, uint8_t *out, size_t n)
{
	struct rng *r = user;
	if (r->fail)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(r->counter * 131u + i * 7u + 1u);
	r->counter++;
	return 0;
}

struct logcap {
	unsigned lines;
	enum eiot_log_level level;
	char last[256];
};

static void test_log(void *user, enum eiot_log_level level, const char *line)
{
	struct logcap *l = user;
	l->lines++;
	l->level = level;
	snprintf(l->last, sizeof(l->last), "%s", line);
}

struct fixture {
	struct eiot_config *cfg;
	struct eiot_cookie_secret *s;
	struct rng rng;
	struct logcap log;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->cfg = eiot_config_new(EIOT_SERVER, EIOT_DTLS);
	assert_non_null(f->cfg);
	eiot_config_set_random(f->cfg, test_random, &f->rng);
	eiot_config_set_log(f->cfg, test_log, &f->log, EIOT_LOG_DEBUG);
	f->s = eiot_cookie_secret_new(f->cfg, 0);
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	eiot_cookie_secret_free(f->s);
	eiot_config_free(f->cfg);
	free(f);
	return 0;
}

/* ---- cookie_compute / cookie_verify / rotation ---- */

static const uint8_t addr_a[] = { 0x02, 0x00, 0x16, 0x34, 192, 0, 2, 1 };
static const uint8_t addr_b[] = { 0x02, 0x00, 0x16, 0x34, 192, 0, 2, 2 };
static const uint8_t rand_a[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t rand_b[32] = { 1, 2, 3, 4, 5, 6, 7, 9 };
static const uint8_t suites_ab[] = { 0xC0, 0xAE, 0xC0, 0xA8 };
static const uint8_t comp_null[] = { 0x00 };

static struct cookie_input base_input(void)
{
	struct cookie_input in = {
		.addr = addr_a, .addr_len = sizeof(addr_a), .client_version = 0xFEFD,
		.random = rand_a,
		.suites = suites_ab, .suites_len = sizeof(suites_ab),
		.compression = comp_null, .compression_len = sizeof(comp_null),
	};
	return in;
}

static void test_cookie_deterministic_and_verifies(void **state)
{
	struct fixture *f = *state;
	struct cookie_input in = base_input();
	uint8_t c1[COOKIE_LEN], c2[COOKIE_LEN];
	cookie_compute(f->s->current, &in, c1);
	cookie_compute(f->s->current, &in, c2);
	assert_memory_equal(c1, c2, COOKIE_LEN);
	assert_int_equal(cookie_verify(f->s, &in, c1, COOKIE_LEN), 1);
}

static void test_cookie_from_other_address_fails(void **state)
{
	struct fixture *f = *state;
	struct cookie_input in = base_input();
	uint8_t c[COOKIE_LEN];
	cookie_compute(f->s->current, &in, c);
	in.addr = addr_b;
	assert_int_equal(cookie_verify(f->s, &in, c, COOKIE_LEN), 0);
	in.addr = addr_a;
	in.addr_len = sizeof(addr_a) - 1;
	assert_int_equal(cookie_verify(f->s, &in, c, COOKIE_LEN), 0);
}

static void test_cookie_with_other_hello_fields_fails(void **state)
{
	struct fixture *f = *state;
	static const uint8_t suites_a[] = { 0xC0, 0xAE };
	static const uint8_t comp_two[] = { 0x00, 0x01 };
	struct cookie_input in = base_input();
	uint8_t c[COOKIE_LEN];
	cookie_compute(f->s->current, &in, c);

	struct cookie_input v[5];
	for (size_t i = 0; i < 5; i++)
		v[i] = base_input();
	v[0].random = rand_b;
	v[1].client_version = 0xFEFF;
	v[2].client_version = 0xFEFE; /* (the session_id is not bound: see below) */
	v[3].suites = suites_a;
	v[3].suites_len = sizeof(suites_a);
	v[4].compression = comp_two;
	v[4].compression_len = sizeof(comp_two);
	for (size_t i = 0; i < 5; i++)
		if (cookie_verify(f->s, &v[i], c, COOKIE_LEN))
			fail_msg("variant %zu verified with the original cookie", i);
}

/* Moving bytes from one field to the next must change the cookie (length prefixes). */
static void test_cookie_field_boundary_shift_fails(void **state)
{
	struct fixture *f = *state;
	static const uint8_t blob[] = { 0x11, 0x22, 0xC0, 0xAE, 0xC0, 0xA8, 0x00 };
	struct cookie_input x = base_input(), y = base_input();
	x.suites = blob;
	x.suites_len = 2;
	x.compression = blob + 2;
	x.compression_len = 4;
	y.suites = blob;
	y.suites_len = 4;
	y.compression = blob + 4;
	y.compression_len = 2;
	uint8_t cx[COOKIE_LEN], cy[COOKIE_LEN];
	cookie_compute(f->s->current, &x, cx);
	cookie_compute(f->s->current, &y, cy);
	assert_memory_not_equal(cx, cy, COOKIE_LEN);
}

static void test_cookie_wrong_length_fails(void **state)
{
	struct fixture *f = *state;
	struct cookie_input in = base_input();
	uint8_t c[COOKIE_LEN + 1];
	cookie_compute(f->s->current, &in, c);
	c[COOKIE_LEN] = 0;
	assert_int_equal(cookie_verify(f->s, &in, c, COOKIE_LEN - 1), 0);
	assert_int_equal(cookie_verify(f->s, &in, c, COOKIE_LEN + 1), 0);
	assert_int_equal(cookie_verify(f->s, &in, c, 0), 0);
	c[3] ^= 1;
	assert_int_equal(cookie_verify(f->s, &in, c, COOKIE_LEN), 0);
}

static void test_secrets_are_random_and_distinct(void **state)
{
	struct fixture *f = *state;
	static const uint8_t zero[32];
	assert_memory_not_equal(f->s->current, zero, 32);
	assert_memory_not_equal(f->s->previous, zero, 32);
	assert_memory_not_equal(f->s->current, f->s->previous, 32);
	assert_int_equal(f->s->rotate_ms, ROT);
}

static void test_rotation_keeps_previous_for_one_period(void **state)
{
	struct fixture *f = *state;
	struct cookie_input in = base_input();
	uint8_t c[COOKIE_LEN];
	cookie_compute(f->s->current, &in, c);

	assert_int_equal(cookie_maybe_rotate(f->s, ROT - 1), 0);
	assert_int_equal(cookie_verify(f->s, &in, c, COOKIE_LEN), 1);
	assert_int_equal(cookie_maybe_rotate(f->s, ROT), 0); /* one rotation: previous */
	assert_int_equal(f->s->rotated_at, ROT);
	assert_int_equal(cookie_verify(f->s, &in, c, COOKIE_LEN), 1);
	assert_int_equal(cookie_maybe_rotate(f->s, 2 * ROT - 1), 0);
	assert_int_equal(cookie_verify(f->s, &in, c, COOKIE_LEN), 1);
	assert_int_equal(cookie_maybe_rotate(f->s, 2 * ROT), 0); /* two rotations: gone */
	assert_int_equal(cookie_verify(f->s, &in, c, COOKIE_LEN), 0);
}

static void test_rotation_after_long_idle_forgets_both(void **state)
{
	struct fixture *f = *state;
	struct cookie_input in = base_input();
	uint8_t c[COOKIE_LEN];
	cookie_compute(f->s->current, &in, c);
	/* one call, two periods later: the cookie is as old as two rotations */
	assert_int_equal(cookie_maybe_rotate(f->s, 2 * ROT + 5), 0);
	assert_int_equal(cookie_verify(f->s, &in, c, COOKIE_LEN), 0);
	assert_memory_not_equal(f->s->current, f->s->previous, 32);
}

static void test_rotation_random_failure_keeps_secrets(void **state)
{
	struct fixture *f = *state;
	uint8_t cur[32], prev[32];
	memcpy(cur, f->s->current, 32);
	memcpy(prev, f->s->previous, 32);
	f->rng.fail = true;
	assert_int_not_equal(cookie_maybe_rotate(f->s, ROT), 0);
	assert_memory_equal(f->s->current, cur, 32);
	assert_memory_equal(f->s->previous, prev, 32);
	assert_int_equal(f->s->rotated_at, 0);
}

static void test_clock_going_back_does_not_rotate(void **state)
{
	struct fixture *f = *state;
	eiot_cookie_secret_free(f->s);
	f->s = eiot_cookie_secret_new(f->cfg, 10 * ROT);
	assert_non_null(f->s);
	uint8_t cur[32];
	memcpy(cur, f->s->current, 32);
	assert_int_equal(cookie_maybe_rotate(f->s, 0), 0);
	assert_memory_equal(f->s->current, cur, 32);
}

static void test_secret_new_fails_without_random(void **state)
{
	struct fixture *f = *state;
	f->rng.fail = true;
	assert_null(eiot_cookie_secret_new(f->cfg, 0));
	assert_null(eiot_cookie_secret_new(NULL, 0));
	eiot_cookie_secret_free(NULL);
}

/* ---- eiot_dtls_accept ---- */

/* A DTLS 1.2 ClientHello offering C0AE and C0A8 with extended_master_secret and an empty
 * renegotiation_info; cookie, record sequence number and message_seq are filled in. */
struct ch_opts {
	uint16_t rec_version;
	uint16_t epoch;
	uint64_t rec_seq;
	uint16_t msg_seq;
	uint8_t random0;
	const uint8_t *cookie;
	size_t cookie_len;
	uint8_t sid_len, sid_byte; /* a session_id of sid_len bytes of sid_byte */
};

static size_t build_ch(uint8_t *out, const struct ch_opts *o)
{
	static const uint8_t after_cookie[] = {
		0x00, 0x04, 0xC0, 0xAE, 0xC0, 0xA8, /* cipher_suites */
		0x01, 0x00,                         /* compression_methods: null */
		0x00, 0x09,                         /* extensions */
		0x00, 0x17, 0x00, 0x00,             /* extended_master_secret */
		0xFF, 0x01, 0x00, 0x01, 0x00,       /* renegotiation_info, empty */
	};
	uint8_t *b = out + 13 + 12; /* body */
	size_t n = 0;
	b[n++] = 0xFE;
	b[n++] = 0xFD;
	for (int i = 0; i < 32; i++)
		b[n++] = (uint8_t)(i == 0 ? o->random0 : i);
	b[n++] = o->sid_len; /* session_id */
	memset(b + n, o->sid_byte, o->sid_len);
	n += o->sid_len;
	b[n++] = (uint8_t)o->cookie_len;
	if (o->cookie_len)
		memcpy(b + n, o->cookie, o->cookie_len);
	n += o->cookie_len;
	memcpy(b + n, after_cookie, sizeof(after_cookie));
	n += sizeof(after_cookie);

	uint8_t *h = out + 13;
	h[0] = 1;
	h[1] = 0; h[2] = (uint8_t)(n >> 8); h[3] = (uint8_t)n;
	h[4] = (uint8_t)(o->msg_seq >> 8); h[5] = (uint8_t)o->msg_seq;
	h[6] = h[7] = h[8] = 0;
	h[9] = 0; h[10] = (uint8_t)(n >> 8); h[11] = (uint8_t)n;

	size_t rec_len = 12 + n;
	out[0] = 22;
	out[1] = (uint8_t)(o->rec_version >> 8); out[2] = (uint8_t)o->rec_version;
	out[3] = (uint8_t)(o->epoch >> 8); out[4] = (uint8_t)o->epoch;
	for (int i = 0; i < 6; i++)
		out[5 + i] = (uint8_t)(o->rec_seq >> (40 - 8 * i));
	out[11] = (uint8_t)(rec_len >> 8); out[12] = (uint8_t)rec_len;
	return 13 + rec_len;
}

static struct ch_opts ch_default(void)
{
	struct ch_opts o = { .rec_version = 0xFEFD, .rec_seq = 0, .msg_seq = 0, .random0 = 0xA5 };
	return o;
}

static int accept_from(struct fixture *f, const uint8_t *addr, const uint8_t *dg, size_t n,
		       uint64_t now, uint8_t *reply, size_t *reply_len)
{
	return eiot_dtls_accept(f->s, f->cfg, addr, sizeof(addr_a), dg, n, now, reply, 256, reply_len);
}

/* Run the exchange ClientHello -> HVR and return the cookie the server handed out. */
static void get_cookie(struct fixture *f, const uint8_t *addr, uint64_t now, uint8_t cookie[COOKIE_LEN])
{
	uint8_t dg[512], reply[256];
	size_t rl;
	struct ch_opts o = ch_default();
	size_t n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr, dg, n, now, reply, &rl), EIOT_ERR_COOKIE_SENT);
	assert_int_equal(rl, 13 + 12 + 3 + COOKIE_LEN);
	memcpy(cookie, reply + 13 + 12 + 3, COOKIE_LEN);
}

/* mbedTLS 2.28's DTLS client, resuming by ticket, sends the hello that carries the cookie with
 * a session_id other than the first hello's: the cookie must still verify (issue #8). */
static void test_cookie_verifies_with_a_new_session_id(void **state)
{
	struct fixture *f = *state;
	uint8_t dg[512], reply[256], cookie[COOKIE_LEN];
	size_t rl;
	struct ch_opts o = ch_default();
	o.sid_len = 32;
	o.sid_byte = 0x11;
	size_t n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
	memcpy(cookie, reply + 13 + 12 + 3, COOKIE_LEN);
	o.sid_byte = 0x22; /* a fresh session_id */
	o.cookie = cookie;
	o.cookie_len = COOKIE_LEN;
	o.rec_seq = 1;
	o.msg_seq = 1;
	n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_OK);
	o.sid_len = 0; /* or none at all */
	n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_OK);
	/* the address still counts */
	assert_int_equal(accept_from(f, addr_b, dg, n, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
}

static void test_hvr_datagram_layout(void **state)
{
	struct fixture *f = *state;
	uint8_t dg[512], reply[256];
	size_t rl = 99;
	struct ch_opts o = ch_default();
	o.rec_seq = 0x0000123456789AULL;
	size_t n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);

	static const uint8_t want_head[] = {
		22, 0xFE, 0xFF,                     /* handshake record, DTLS 1.0 (RFC 6347 §4.2.1) */
		0x00, 0x00,                         /* epoch 0 */
		0x00, 0x12, 0x34, 0x56, 0x78, 0x9A, /* the ClientHello's record sequence number */
		0x00, 12 + 3 + COOKIE_LEN,
		3, 0x00, 0x00, 3 + COOKIE_LEN,      /* hello_verify_request */
		0x00, 0x00,                         /* message_seq = the ClientHello's */
		0x00, 0x00, 0x00, 0x00, 0x00, 3 + COOKIE_LEN,
		0xFE, 0xFF,                         /* server_version DTLS 1.0 */
		COOKIE_LEN,
	};
	assert_int_equal(rl, sizeof(want_head) + COOKIE_LEN);
	assert_memory_equal(reply, want_head, sizeof(want_head));

	/* the cookie is the one cookie.c computes over this hello and address */
	struct cookie_input in = base_input();
	uint8_t r[32];
	for (int i = 0; i < 32; i++)
		r[i] = (uint8_t)(i == 0 ? 0xA5 : i);
	in.random = r;
	uint8_t c[COOKIE_LEN];
	cookie_compute(f->s->current, &in, c);
	assert_memory_equal(reply + sizeof(want_head), c, COOKIE_LEN);
	assert_int_equal(f->log.level, EIOT_LOG_DEBUG);
}

static void test_hvr_mirrors_message_seq(void **state)
{
	struct fixture *f = *state;
	uint8_t dg[512], reply[256];
	size_t rl;
	struct ch_opts o = ch_default();
	o.msg_seq = 1; /* a second ClientHello whose cookie went stale */
	o.rec_seq = 1;
	size_t n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
	assert_int_equal(reply[13 + 4], 0);
	assert_int_equal(reply[13 + 5], 1);
	assert_int_equal(reply[10], 1);
}

static void test_valid_cookie_accepted(void **state)
{
	struct fixture *f = *state;
	uint8_t cookie[COOKIE_LEN], dg[512], reply[256];
	size_t rl = 99;
	get_cookie(f, addr_a, 0, cookie);
	struct ch_opts o = ch_default();
	o.rec_seq = 1;
	o.msg_seq = 1;
	o.cookie = cookie;
	o.cookie_len = COOKIE_LEN;
	size_t n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, 1000, reply, &rl), EIOT_OK);
	assert_int_equal(rl, 0);
	/* also with a DTLS 1.0 record version (RFC 6347 §4.1: ClientHello records may carry it) */
	o.rec_version = 0xFEFF;
	n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, 1000, reply, &rl), EIOT_OK);
}

static void test_cookie_replayed_from_other_address_gets_new_hvr(void **state)
{
	struct fixture *f = *state;
	uint8_t cookie[COOKIE_LEN], dg[512], reply[256];
	size_t rl;
	get_cookie(f, addr_a, 0, cookie);
	struct ch_opts o = ch_default();
	o.msg_seq = 1;
	o.cookie = cookie;
	o.cookie_len = COOKIE_LEN;
	size_t n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_b, dg, n, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
	assert_memory_not_equal(reply + rl - COOKIE_LEN, cookie, COOKIE_LEN);
	assert_int_equal(f->log.level, EIOT_LOG_WARN);
	assert_non_null(strstr(f->log.last, "did not verify"));
	assert_non_null(strstr(f->log.last, "address changed"));
}

static void test_cookie_with_other_random_gets_new_hvr(void **state)
{
	struct fixture *f = *state;
	uint8_t cookie[COOKIE_LEN], dg[512], reply[256];
	size_t rl;
	get_cookie(f, addr_a, 0, cookie);
	struct ch_opts o = ch_default();
	o.random0 = 0x5A;
	o.cookie = cookie;
	o.cookie_len = COOKIE_LEN;
	size_t n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
}

/* A forged (or otherwise failing) cookie gets a new HelloVerifyRequest; the first failure of a
 * cookie period is a warning that says what can cause it, the rest of a flood debug lines, and
 * the next period's warning counts them. */
static void test_forged_cookie_gets_new_hvr_warned_once_per_period(void **state)
{
	struct fixture *f = *state;
	uint8_t cookie[COOKIE_LEN], dg[512], reply[256];
	size_t rl;
	get_cookie(f, addr_a, 0, cookie);
	cookie[COOKIE_LEN - 1] ^= 0x80;
	struct ch_opts o = ch_default();
	o.cookie = cookie;
	o.cookie_len = COOKIE_LEN;
	size_t n = build_ch(dg, &o);
	unsigned before = f->log.lines;
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
	assert_int_equal(f->log.lines, before + 1);
	assert_int_equal(f->log.level, EIOT_LOG_WARN);
	assert_non_null(strstr(f->log.last, "1 ClientHello(s) carried a cookie that did not verify"));
	for (int i = 0; i < 5; i++) {
		assert_int_equal(accept_from(f, addr_a, dg, n, 10 + i, reply, &rl), EIOT_ERR_COOKIE_SENT);
		assert_int_equal(f->log.level, EIOT_LOG_DEBUG);
	}
	assert_int_equal(accept_from(f, addr_a, dg, n, ROT + 20, reply, &rl), EIOT_ERR_COOKIE_SENT);
	assert_int_equal(f->log.level, EIOT_LOG_WARN);
	assert_non_null(strstr(f->log.last, "6 ClientHello(s)"));
	get_cookie(f, addr_a, ROT + 20, cookie);
	cookie[COOKIE_LEN - 1] ^= 0x80;
	assert_int_equal(accept_from(f, addr_a, dg, n, ROT + 20, reply, &rl), EIOT_ERR_COOKIE_SENT);
	cookie[COOKIE_LEN - 1] ^= 0x80;
	assert_memory_equal(reply + rl - COOKIE_LEN, cookie, COOKIE_LEN);
}

static void test_cookie_survives_one_rotation_not_two(void **state)
{
	struct fixture *f = *state;
	uint8_t cookie[COOKIE_LEN], dg[512], reply[256];
	size_t rl;
	get_cookie(f, addr_a, ROT - 1, cookie);
	struct ch_opts o = ch_default();
	o.msg_seq = 1;
	o.cookie = cookie;
	o.cookie_len = COOKIE_LEN;
	size_t n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, ROT, reply, &rl), EIOT_OK);
	assert_int_equal(accept_from(f, addr_a, dg, n, 2 * ROT, reply, &rl), EIOT_ERR_COOKIE_SENT);
}

static void test_cookies_off_accepts_without_cookie(void **state)
{
	struct fixture *f = *state;
	uint8_t dg[512], reply[256];
	size_t rl = 99;
	assert_int_equal(eiot_config_set_cookie(f->cfg, false), EIOT_OK);
	struct ch_opts o = ch_default();
	size_t n = build_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_OK);
	assert_int_equal(rl, 0);
}

static void test_spoofed_flood_keeps_no_state(void **state)
{
	struct fixture *f = *state;
	struct eiot_cookie_secret before;
	memcpy(&before, f->s, sizeof(before));
	uint8_t dg[512], reply[256], addr[sizeof(addr_a)];
	size_t rl;
	struct ch_opts o = ch_default();
	for (unsigned i = 0; i < 1000; i++) {
		memcpy(addr, addr_a, sizeof(addr));
		addr[6] = (uint8_t)(i >> 8);
		addr[7] = (uint8_t)i;
		o.random0 = (uint8_t)i;
		size_t n = build_ch(dg, &o);
		assert_int_equal(accept_from(f, addr, dg, n, 5, reply, &rl), EIOT_ERR_COOKIE_SENT);
	}
	assert_memory_equal(&before, f->s, sizeof(before));
}

static void test_reply_buffer_too_small(void **state)
{
	struct fixture *f = *state;
	uint8_t dg[512], reply[256];
	size_t rl = 99;
	struct ch_opts o = ch_default();
	size_t n = build_ch(dg, &o);
	assert_int_equal(eiot_dtls_accept(f->s, f->cfg, addr_a, sizeof(addr_a), dg, n, 0, reply,
					  13 + 12 + 3 + COOKIE_LEN - 1, &rl), EIOT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(eiot_dtls_accept(f->s, f->cfg, addr_a, sizeof(addr_a), dg, n, 0, reply,
					  13 + 12 + 3 + COOKIE_LEN, &rl), EIOT_ERR_COOKIE_SENT);
}

static void test_bad_params(void **state)
{
	struct fixture *f = *state;
	uint8_t dg[512], reply[256];
	size_t rl;
	struct ch_opts o = ch_default();
	size_t n = build_ch(dg, &o);
	assert_int_equal(eiot_dtls_accept(NULL, f->cfg, addr_a, 8, dg, n, 0, reply, 256, &rl),
			 EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_dtls_accept(f->s, NULL, addr_a, 8, dg, n, 0, reply, 256, &rl),
			 EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_dtls_accept(f->s, f->cfg, NULL, 8, dg, n, 0, reply, 256, &rl),
			 EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_dtls_accept(f->s, f->cfg, addr_a, 8, dg, n, 0, reply, 256, NULL),
			 EIOT_ERR_BAD_PARAM);
}

/* Malformed or not-a-ClientHello datagrams: each byte patch below, dropped without reply. */
static const struct {
	const char *name;
	size_t off;    /* byte to overwrite, or SIZE_MAX: truncate to len */
	uint8_t val;
	size_t len;
} drop_vectors[] = {
	{ "application data record", 0, 23, 0 },
	{ "alert record", 0, 21, 0 },
	{ "TLS record version", 1, 0x03, 0 },
	{ "DTLS 1.3-ish version", 2, 0xFC, 0 },
	{ "epoch 1 (needs keys: not a first ClientHello)", 4, 1, 0 },
	{ "ServerHello", 13, 2, 0 },
	{ "HelloVerifyRequest type", 13, 3, 0 },
	{ "fragmented: offset 1", 13 + 8, 1, 0 },
	{ "fragmented: shorter fragment", 13 + 11, 0x10, 0 },
	{ "handshake length beyond record", 13 + 3, 0xFF, 0 },
	{ "record length beyond datagram", 12, 0xFF, 0 },
	{ "cookie length beyond message", 13 + 12 + 2 + 32 + 1, 0xF0, 0 },
	{ "odd cipher_suites length", 13 + 12 + 2 + 32 + 2 + 1, 0x03, 0 },
	{ "truncated record header", SIZE_MAX, 0, 12 },
	{ "truncated handshake header", SIZE_MAX, 0, 13 + 11 },
	{ "empty datagram", SIZE_MAX, 0, 0 },
};

static void test_malformed_datagrams_dropped(void **state)
{
	struct fixture *f = *state;
	for (size_t i = 0; i < sizeof(drop_vectors) / sizeof(drop_vectors[0]); i++) {
		uint8_t dg[512], reply[256];
		size_t rl = 99;
		struct ch_opts o = ch_default();
		size_t n = build_ch(dg, &o);
		if (drop_vectors[i].off == SIZE_MAX)
			n = drop_vectors[i].len;
		else
			dg[drop_vectors[i].off] = drop_vectors[i].val;
		int err = accept_from(f, addr_a, dg, n, 0, reply, &rl);
		if (err != EIOT_ERR_DECODE || rl != 0)
			fail_msg("%s: got %d, reply %zu", drop_vectors[i].name, err, rl);
	}
}

static void test_trailing_records_ignored(void **state)
{
	struct fixture *f = *state;
	uint8_t dg[512], reply[256];
	size_t rl;
	struct ch_opts o = ch_default();
	size_t n = build_ch(dg, &o);
	memset(dg + n, 0xEE, 20); /* garbage after the first record */
	assert_int_equal(accept_from(f, addr_a, dg, n + 20, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
}

/* ---- a ClientHello fragmented over the records of one datagram ---- */

/* One fragment of a ClientHello; len REST: to the hello's end; msg_seq and length < 0: the
 * hello's own. */
#define REST 0xFFFFu
struct frag {
	uint32_t off, len;
	int msg_seq, length;
};

/* The hello that build_ch wrote to whole[], one record per fragment, into out. */
static size_t build_frags(uint8_t *out, const uint8_t *whole, const struct frag *f, size_t n)
{
	const uint8_t *hh = whole + 13, *body = hh + 12;
	uint32_t length = (uint32_t)hh[1] << 16 | (uint32_t)hh[2] << 8 | hh[3];
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t *r = out + at, *h = r + 13;
		uint32_t len = f[i].length < 0 ? length : (uint32_t)f[i].length;
		uint32_t frag = f[i].len == REST ? length - f[i].off : f[i].len;
		int seq = f[i].msg_seq < 0 ? (hh[4] << 8 | hh[5]) : f[i].msg_seq;
		memcpy(r, whole, 11);
		r[10] = (uint8_t)(whole[10] + i); /* record sequence numbers go up */
		r[11] = (uint8_t)((12 + frag) >> 8);
		r[12] = (uint8_t)(12 + frag);
		h[0] = 1;
		h[1] = (uint8_t)(len >> 16); h[2] = (uint8_t)(len >> 8); h[3] = (uint8_t)len;
		h[4] = (uint8_t)(seq >> 8); h[5] = (uint8_t)seq;
		h[6] = 0; h[7] = (uint8_t)(f[i].off >> 8); h[8] = (uint8_t)f[i].off;
		h[9] = 0; h[10] = (uint8_t)(frag >> 8); h[11] = (uint8_t)frag;
		memcpy(h + 12, body + f[i].off, frag);
		at += 13 + 12 + frag;
	}
	return at;
}

/* The hello of o in two records of one datagram, split after body byte 40. */
static size_t build_split_ch(uint8_t *dg, const struct ch_opts *o)
{
	static const struct frag halves[] = { { 0, 40, -1, -1 }, { 40, REST, -1, -1 } };
	uint8_t whole[512];
	build_ch(whole, o);
	return build_frags(dg, whole, halves, 2);
}

/* A datagram accept_from must drop without a reply, saying why in one debug line. */
static void assert_dropped(struct fixture *f, const uint8_t *dg, size_t n, const char *why)
{
	uint8_t reply[256];
	size_t rl = 99;
	unsigned before = f->log.lines;
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_ERR_DECODE);
	assert_int_equal(rl, 0);
	assert_int_equal(f->log.lines, before + 1);
	assert_int_equal(f->log.level, EIOT_LOG_DEBUG);
	if (!strstr(f->log.last, why))
		fail_msg("log line \"%s\" does not say \"%s\"", f->log.last, why);
}

/* A client with 64-byte records sends its ClientHello in several records of one datagram:
 * the cookie is the whole hello's, and the hello that returns it is accepted, its fragments
 * in any order and overlapping where they agree (RFC 6347 §4.2.3). */
static void test_fragmented_hello_in_one_datagram(void **state)
{
	struct fixture *f = *state;
	uint8_t whole[512], dg[1024], reply[256], cookie[COOKIE_LEN];
	size_t rl;
	get_cookie(f, addr_a, 0, cookie);
	struct ch_opts o = ch_default();
	build_ch(whole, &o);
	const struct frag three[] = { { 0, 20, -1, -1 }, { 20, 20, -1, -1 }, { 40, REST, -1, -1 } };
	size_t n = build_frags(dg, whole, three, 3);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
	assert_memory_equal(reply + rl - COOKIE_LEN, cookie, COOKIE_LEN);
	assert_int_equal(reply[10], 0); /* the first record's number */

	o.cookie = cookie;
	o.cookie_len = COOKIE_LEN;
	o.msg_seq = 1;
	build_ch(whole, &o);
	const struct frag mixed[] = { { 30, REST, -1, -1 }, { 10, 40, -1, -1 }, { 0, 12, -1, -1 },
				      { 5, 5, -1, -1 } };
	n = build_frags(dg, whole, mixed, 4);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_OK);
	assert_int_equal(rl, 0);
}

/* Attacks made of fragments of the default hello (55 bytes; REST: to its end), each dropped
 * with the reason in its debug line. */
static const struct {
	const char *attack;
	struct frag v[2];
	size_t n;
	size_t flip;   /* flip the low bit of this datagram byte (0: none) */
	const char *why;
} frag_attacks[] = {
	/* the cookie and the connection would see different hellos */
	{ "fragments overlapping inconsistently (body byte 35 differs)",
	  { { 0, 40, -1, -1 }, { 30, REST, -1, -1 } }, 2, 65 + 25 + 5, "contradicts" },
	{ "a fragment claiming a length over the bound",
	  { { 0, 40, -1, 1025 }, { 40, 40, -1, 1025 } }, 2, 0, "over the 1024 bytes" },
	{ "fragments of different message_seq",
	  { { 0, 40, -1, -1 }, { 40, REST, 1, -1 } }, 2, 0, "message_seq 0 and 1" },
	{ "fragments of different lengths",
	  { { 0, 40, -1, -1 }, { 40, REST, -1, 56 } }, 2, 0, "contradicts" },
	{ "a missing middle fragment",
	  { { 0, 20, -1, -1 }, { 40, REST, -1, -1 } }, 2, 0, "cannot reassemble it across datagrams" },
	{ "the first of several datagrams",
	  { { 0, 40, -1, -1 } }, 1, 0, "cannot reassemble it across datagrams" },
};

static void test_attack_fragments_dropped(void **state)
{
	struct fixture *f = *state;
	uint8_t whole[512], dg[1024];
	struct ch_opts o = ch_default();
	build_ch(whole, &o);
	assert_int_equal(whole[13 + 3], 55);
	for (size_t i = 0; i < sizeof(frag_attacks) / sizeof(frag_attacks[0]); i++) {
		size_t n = build_frags(dg, whole, frag_attacks[i].v, frag_attacks[i].n);
		if (frag_attacks[i].flip)
			dg[frag_attacks[i].flip] ^= 0x01;
		print_message("attack: %s\n", frag_attacks[i].attack);
		assert_dropped(f, dg, n, frag_attacks[i].why);
	}
}

/* Attack: garbage in the datagram. Among the fragments it drops the datagram; after the
 * whole hello it is left to the connection, as after a hello in one record, and the cookie
 * stays the hello's. */
static void test_attack_garbage_among_or_after_fragments(void **state)
{
	struct fixture *f = *state;
	uint8_t dg[1024], reply[256], cookie[COOKIE_LEN];
	size_t rl;
	get_cookie(f, addr_a, 0, cookie);
	struct ch_opts o = ch_default();
	size_t n = build_split_ch(dg, &o);
	memset(dg + n, 0xEE, 20);
	assert_int_equal(accept_from(f, addr_a, dg, n + 20, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
	assert_memory_equal(reply + rl - COOKIE_LEN, cookie, COOKIE_LEN);

	size_t first = 13 + 12 + 40;
	memmove(dg + first + 20, dg + first, n - first);
	memset(dg + first, 0xEE, 20);
	assert_dropped(f, dg, n + 20, "bad record header");
	dg[first] = 21; /* an alert record header over the garbage */
	dg[first + 1] = 0xFE, dg[first + 2] = 0xFD;
	dg[first + 11] = 0, dg[first + 12] = 7;
	assert_dropped(f, dg, n + 20, "record type 21");
}

/* Attack: a cookie made for one hello, spliced with fragments of another (other suites):
 * the reassembled hello is the one the cookie is checked against. */
static void test_attack_cookie_with_fragments_of_another_hello_gets_new_hvr(void **state)
{
	struct fixture *f = *state;
	uint8_t mine[512], other[512], dg[1024], reply[256], cookie[COOKIE_LEN];
	size_t rl;
	get_cookie(f, addr_a, 0, cookie);
	struct ch_opts o = ch_default();
	o.cookie = cookie;
	o.cookie_len = COOKIE_LEN;
	build_ch(mine, &o);
	build_ch(other, &o);
	size_t suites = 13 + 12 + 2 + 32 + 1 + 1 + COOKIE_LEN + 2;
	other[suites + 3] = 0xA9; /* C0A8 -> C0A9 */
	const struct frag head[] = { { 0, 40, -1, -1 } }, tail[] = { { 40, REST, -1, -1 } };
	size_t n = build_frags(dg, mine, head, 1);
	n += build_frags(dg + n, other, tail, 1);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
	n = build_frags(dg, mine, head, 1); /* the genuine hello passes */
	n += build_frags(dg + n, mine, tail, 1);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_OK);
}

/* Without cookies a first fragment is still taken as it is (the connection reassembles);
 * one that is not the first is not. */
static void test_cookies_off_takes_a_first_fragment(void **state)
{
	struct fixture *f = *state;
	uint8_t whole[512], dg[1024], reply[256];
	size_t rl;
	assert_int_equal(eiot_config_set_cookie(f->cfg, false), EIOT_OK);
	struct ch_opts o = ch_default();
	build_ch(whole, &o);
	const struct frag first[] = { { 0, 40, -1, -1 } }, later[] = { { 40, 10, -1, -1 } };
	size_t n = build_frags(dg, whole, first, 1);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_OK);
	n = build_frags(dg, whole, later, 1);
	assert_dropped(f, dg, n, "not the first");
}

/* The HelloVerifyRequest is one record within the smallest MTU and max_record (64 bytes). */
static void test_hvr_fits_smallest_mtu_and_record(void **state)
{
	struct fixture *f = *state;
	uint8_t dg[1024], reply[256];
	size_t rl;
	assert_int_equal(eiot_config_set_mtu(f->cfg, 64), EIOT_OK);
	assert_int_equal(eiot_config_set_max_record(f->cfg, 64), EIOT_OK);
	struct ch_opts o = ch_default();
	size_t n = build_split_ch(dg, &o);
	assert_int_equal(accept_from(f, addr_a, dg, n, 0, reply, &rl), EIOT_ERR_COOKIE_SENT);
	assert_true(rl <= 64);
	assert_int_equal(13 + (reply[11] << 8 | reply[12]), rl);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_cookie_deterministic_and_verifies),
		T(test_cookie_from_other_address_fails),
		T(test_cookie_with_other_hello_fields_fails),
		T(test_cookie_field_boundary_shift_fails),
		T(test_cookie_wrong_length_fails),
		T(test_secrets_are_random_and_distinct),
		T(test_rotation_keeps_previous_for_one_period),
		T(test_rotation_after_long_idle_forgets_both),
		T(test_rotation_random_failure_keeps_secrets),
		T(test_clock_going_back_does_not_rotate),
		T(test_secret_new_fails_without_random),
		T(test_cookie_verifies_with_a_new_session_id),
		T(test_hvr_datagram_layout),
		T(test_hvr_mirrors_message_seq),
		T(test_valid_cookie_accepted),
		T(test_cookie_replayed_from_other_address_gets_new_hvr),
		T(test_cookie_with_other_random_gets_new_hvr),
		T(test_forged_cookie_gets_new_hvr_warned_once_per_period),
		T(test_cookie_survives_one_rotation_not_two),
		T(test_cookies_off_accepts_without_cookie),
		T(test_spoofed_flood_keeps_no_state),
		T(test_reply_buffer_too_small),
		T(test_bad_params),
		T(test_malformed_datagrams_dropped),
		T(test_trailing_records_ignored),
		T(test_fragmented_hello_in_one_datagram),
		T(test_attack_fragments_dropped),
		T(test_attack_garbage_among_or_after_fragments),
		T(test_attack_cookie_with_fragments_of_another_hello_gets_new_hvr),
		T(test_cookies_off_takes_a_first_fragment),
		T(test_hvr_fits_smallest_mtu_and_record),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
