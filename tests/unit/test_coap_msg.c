/*
 * tests/unit/test_coap_msg.c — the CoAP message codec (RFC 7252 §3) and option helpers against
 * hand-made vectors: every delta/length form (4-bit, 8-bit extended from 13, 16-bit extended
 * from 269), repeated options, tokens of 0..8 bytes, the payload marker; every truncation and
 * each reserved or impossible form as a format error; unsigned options and Block values;
 * the 4.02 decision for unrecognized critical options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "eap_iot/coap.h"
#include "eap_iot/err.h"

static void roundtrip(const uint8_t *wire, size_t n, struct eiot_coap_msg *m)
{
	uint8_t out[2048];
	size_t len;
	assert_int_equal(eiot_coap_decode(m, wire, n), EIOT_OK);
	assert_int_equal(eiot_coap_encoded_len(m), n);
	assert_int_equal(eiot_coap_encode(m, out, sizeof(out), &len), EIOT_OK);
	assert_int_equal(len, n);
	assert_memory_equal(out, wire, n);
}

/* RFC 7252 §4.3: an Empty CON (a "CoAP ping") */
static void test_empty_con_ping(void **state)
{
	(void)state;
	static const uint8_t wire[] = { 0x40, 0x00, 0x12, 0x34 };
	struct eiot_coap_msg m;
	roundtrip(wire, sizeof(wire), &m);
	assert_int_equal(m.type, EIOT_COAP_CON);
	assert_int_equal(m.code, EIOT_COAP_EMPTY);
	assert_int_equal(m.mid, 0x1234);
	assert_int_equal(m.token_len, 0);
	assert_int_equal(m.n_opt, 0);
	assert_null(m.payload);
}

/* A GET with a 4-byte token, Uri-Path "temperature" (delta 11, length 11 in the nibbles) */
static void test_get_with_token_and_path(void **state)
{
	(void)state;
	static const uint8_t wire[] = { 0x44, 0x01, 0x7d, 0x34, 0xde, 0xad, 0xbe, 0xef, 0xbb, 't', 'e',
					'm', 'p', 'e', 'r', 'a', 't', 'u', 'r', 'e' };
	struct eiot_coap_msg m;
	roundtrip(wire, sizeof(wire), &m);
	assert_int_equal(m.type, EIOT_COAP_CON);
	assert_int_equal(m.code, EIOT_COAP_GET);
	assert_int_equal(m.token_len, 4);
	assert_memory_equal(m.token, "\xde\xad\xbe\xef", 4);
	assert_int_equal(m.n_opt, 1);
	assert_int_equal(m.opt[0].number, EIOT_COAP_OPT_URI_PATH);
	assert_int_equal(m.opt[0].len, 11);
	assert_memory_equal(m.opt[0].value, "temperature", 11);
}

/* An ACK 2.05 with Content-Format 0 (empty uint), repeated Location-Path... and a payload */
static void test_response_with_payload(void **state)
{
	(void)state;
	static const uint8_t wire[] = { 0x61, 0x45, 0x00, 0x07, 0x99, /* ACK, 2.05, token 1 */
					0x82, 'a', 'b', 0x01, 'c', /* Location-Path 8: "ab", "c" */
					0x40,                      /* Content-Format 12: empty = 0 */
					0xff, '2', '2', '.', '5' };
	struct eiot_coap_msg m;
	uint32_t v = 99;
	size_t pos = 0;
	roundtrip(wire, sizeof(wire), &m);
	assert_int_equal(m.type, EIOT_COAP_ACK);
	assert_int_equal(m.code, EIOT_COAP_CONTENT);
	assert_int_equal(m.n_opt, 3);
	const struct eiot_coap_option *o = eiot_coap_next_option(&m, EIOT_COAP_OPT_LOCATION_PATH, &pos);
	assert_non_null(o);
	assert_memory_equal(o->value, "ab", 2);
	o = eiot_coap_next_option(&m, EIOT_COAP_OPT_LOCATION_PATH, &pos);
	assert_non_null(o);
	assert_memory_equal(o->value, "c", 1);
	assert_null(eiot_coap_next_option(&m, EIOT_COAP_OPT_LOCATION_PATH, &pos));
	o = eiot_coap_next_option(&m, EIOT_COAP_OPT_CONTENT_FORMAT, NULL);
	assert_int_equal(eiot_coap_option_uint(o, &v), EIOT_OK);
	assert_int_equal(v, 0);
	assert_int_equal(m.payload_len, 4);
	assert_memory_equal(m.payload, "22.5", 4);
}

/* Extended deltas and lengths: delta 13+x (one byte), 269+x (two bytes); lengths likewise */
static void test_extended_delta_and_length(void **state)
{
	(void)state;
	uint8_t wire[4 + 3 + 20 + 3 + 300 + 4];
	size_t n = 0;
	memcpy(wire, "\x50\x02\x00\x01", 4); /* NON POST, no token */
	n = 4;
	/* option 60 (Size1): delta 60 = 13 + 47, length 20 = 13 + 7 */
	wire[n++] = 0xdd;
	wire[n++] = 47;
	wire[n++] = 7;
	memset(wire + n, 'x', 20);
	n += 20;
	/* option 60 + 2000 = 2060 (elective, unknown): delta 2000 = 269 + 1731, length 300 = 269 + 31 */
	wire[n++] = 0xee;
	wire[n++] = 1731 >> 8;
	wire[n++] = 1731 & 0xff;
	wire[n++] = 0;
	wire[n++] = 31;
	memset(wire + n, 'y', 300);
	n += 300;
	struct eiot_coap_msg m;
	roundtrip(wire, n, &m);
	assert_int_equal(m.type, EIOT_COAP_NON);
	assert_int_equal(m.n_opt, 2);
	assert_int_equal(m.opt[0].number, 60);
	assert_int_equal(m.opt[0].len, 20);
	assert_int_equal(m.opt[1].number, 2060);
	assert_int_equal(m.opt[1].len, 300);
	/* the boundaries themselves: delta 12/13/268/269, lengths 12/13/268/269 */
	static const unsigned nums[] = { 12, 25, 268 + 25, 269 + 268 + 25 };
	static const unsigned lens[] = { 12, 13, 268, 269 };
	struct eiot_coap_msg b;
	static uint8_t buf[1400], val[300];
	eiot_coap_msg_init(&b, EIOT_COAP_CON, EIOT_COAP_PUT, 7);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(eiot_coap_add_option(&b, (uint16_t)nums[i], val, lens[i]), EIOT_OK);
	size_t len;
	assert_int_equal(eiot_coap_encode(&b, buf, sizeof(buf), &len), EIOT_OK);
	assert_int_equal(len, eiot_coap_encoded_len(&b));
	struct eiot_coap_msg d;
	roundtrip(buf, len, &d);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(d.opt[i].number, nums[i]);
		assert_int_equal(d.opt[i].len, lens[i]);
	}
}

static void test_tokens_0_to_8(void **state)
{
	(void)state;
	static const uint8_t tok[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	for (size_t tkl = 0; tkl <= 8; tkl++) {
		struct eiot_coap_msg m, d;
		uint8_t buf[32];
		size_t len;
		eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, (uint16_t)tkl);
		assert_int_equal(eiot_coap_set_token(&m, tok, tkl), EIOT_OK);
		assert_int_equal(eiot_coap_encode(&m, buf, sizeof(buf), &len), EIOT_OK);
		assert_int_equal(len, 4 + tkl);
		assert_int_equal(eiot_coap_decode(&d, buf, len), EIOT_OK);
		assert_int_equal(d.token_len, tkl);
		assert_memory_equal(d.token, tok, tkl);
	}
	struct eiot_coap_msg m;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 1);
	assert_int_equal(eiot_coap_set_token(&m, tok, 9), EIOT_ERR_BAD_PARAM);
}

/* Every way the format can be wrong (RFC 7252 §3, §4.1) */
static void expect_format_error(const uint8_t *wire, size_t n)
{
	struct eiot_coap_msg m;
	assert_int_equal(eiot_coap_decode(&m, wire, n), EIOT_ERR_COAP_FORMAT);
}

static void test_format_errors(void **state)
{
	(void)state;
	static const uint8_t version2[] = { 0x80, 0x01, 0, 1 };
	static const uint8_t tkl9[] = { 0x49, 0x01, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const uint8_t token_short[] = { 0x44, 0x01, 0, 1, 1, 2 };
	static const uint8_t delta15[] = { 0x40, 0x01, 0, 1, 0xf1, 'a' };
	static const uint8_t len15[] = { 0x40, 0x01, 0, 1, 0x1f, 'a' };
	static const uint8_t marker_no_payload[] = { 0x40, 0x01, 0, 1, 0xff };
	static const uint8_t ext8_missing[] = { 0x40, 0x01, 0, 1, 0xd0 };
	static const uint8_t ext16_short[] = { 0x40, 0x01, 0, 1, 0xe0, 0x01 };
	static const uint8_t value_past_end[] = { 0x40, 0x01, 0, 1, 0xb5, 'a', 'b' };
	static const uint8_t empty_with_token[] = { 0x41, 0x00, 0, 1, 0xaa };
	static const uint8_t empty_with_payload[] = { 0x40, 0x00, 0, 1, 0xff, 'x' };
	static const uint8_t number_over_65535[] = { 0x40, 0x01, 0, 1, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00 };
	static const uint8_t header_short[] = { 0x40, 0x01, 0 };
	expect_format_error(version2, sizeof(version2));
	expect_format_error(tkl9, sizeof(tkl9));
	expect_format_error(token_short, sizeof(token_short));
	expect_format_error(delta15, sizeof(delta15));
	expect_format_error(len15, sizeof(len15));
	expect_format_error(marker_no_payload, sizeof(marker_no_payload));
	expect_format_error(ext8_missing, sizeof(ext8_missing));
	expect_format_error(ext16_short, sizeof(ext16_short));
	expect_format_error(value_past_end, sizeof(value_past_end));
	expect_format_error(empty_with_token, sizeof(empty_with_token));
	expect_format_error(empty_with_payload, sizeof(empty_with_payload));
	expect_format_error(number_over_65535, sizeof(number_over_65535));
	expect_format_error(header_short, sizeof(header_short));
	expect_format_error(NULL, 0);
	/* every truncation of a good message that is not itself a good message is refused */
	static const uint8_t good[] = { 0x44, 0x01, 0x7d, 0x34, 1, 2, 3, 4, 0xb4, 't', 'e', 'm', 'p',
					0x11, 0x00, 0xff, 'x' };
	struct eiot_coap_msg m;
	for (size_t n = 0; n < sizeof(good); n++) {
		int err = eiot_coap_decode(&m, good, n);
		bool ok_prefix = n == 8 || n == 13 || n == 15; /* after the token, Uri-Path, Content-Format */
		assert_int_equal(err, ok_prefix ? EIOT_OK : EIOT_ERR_COAP_FORMAT);
	}
	/* the header of a broken CON is still known, so it can be answered with RST */
	assert_int_equal(eiot_coap_decode(&m, delta15, sizeof(delta15)), EIOT_ERR_COAP_FORMAT);
	assert_int_equal(m.type, EIOT_COAP_CON);
	assert_int_equal(m.mid, 1);
}

static void test_too_many_options(void **state)
{
	(void)state;
	uint8_t wire[4 + EIOT_COAP_MAX_OPTIONS + 1];
	memcpy(wire, "\x40\x01\x00\x01", 4);
	memset(wire + 4, 0xb0, 1); /* Uri-Path "" */
	memset(wire + 5, 0x00, sizeof(wire) - 5); /* then empty Uri-Path repeats (delta 0) */
	struct eiot_coap_msg m;
	assert_int_equal(eiot_coap_decode(&m, wire, sizeof(wire) - 1), EIOT_OK);
	assert_int_equal(m.n_opt, EIOT_COAP_MAX_OPTIONS);
	assert_int_equal(eiot_coap_decode(&m, wire, sizeof(wire)), EIOT_ERR_COAP_TOO_MANY_OPTIONS);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "x", 1),
			 EIOT_ERR_COAP_TOO_MANY_OPTIONS);
}

/* Options added out of order end up in number order; repeats keep their order */
static void test_add_option_order(void **state)
{
	(void)state;
	struct eiot_coap_msg m;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 9);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_QUERY, "a=1", 3), EIOT_OK);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "x", 1), EIOT_OK);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_HOST, "h", 1), EIOT_OK);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "y", 1), EIOT_OK);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_QUERY, "b=2", 3), EIOT_OK);
	static const uint16_t nums[] = { 3, 11, 11, 15, 15 };
	static const char *const vals[] = { "h", "x", "y", "a=1", "b=2" };
	assert_int_equal(m.n_opt, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(m.opt[i].number, nums[i]);
		assert_memory_equal(m.opt[i].value, vals[i], strlen(vals[i]));
	}
	/* an unordered list is not encoded */
	uint8_t buf[64];
	size_t len;
	struct eiot_coap_option t = m.opt[0];
	m.opt[0] = m.opt[1];
	m.opt[1] = t;
	assert_int_equal(eiot_coap_encode(&m, buf, sizeof(buf), &len), EIOT_ERR_BAD_PARAM);
}

static void test_uint_options(void **state)
{
	(void)state;
	static const uint32_t vals[] = { 0, 1, 255, 256, 65535, 65536, 0xffffff, 0x1000000, 0xffffffff };
	static const uint16_t lens[] = { 0, 1, 1, 2, 2, 3, 3, 4, 4 };
	struct eiot_coap_msg m;
	eiot_coap_msg_init(&m, EIOT_COAP_NON, EIOT_COAP_CONTENT, 1);
	for (size_t i = 0; i < 9; i++)
		assert_int_equal(eiot_coap_add_uint_option(&m, (uint16_t)(2000 + 2 * i), vals[i]), EIOT_OK);
	uint8_t buf[128];
	size_t len;
	assert_int_equal(eiot_coap_encode(&m, buf, sizeof(buf), &len), EIOT_OK);
	struct eiot_coap_msg d;
	assert_int_equal(eiot_coap_decode(&d, buf, len), EIOT_OK);
	for (size_t i = 0; i < 9; i++) {
		uint32_t v;
		assert_int_equal(d.opt[i].len, lens[i]);
		assert_int_equal(eiot_coap_option_uint(&d.opt[i], &v), EIOT_OK);
		assert_int_equal(v, vals[i]);
	}
	/* a leading zero byte is allowed on receipt; five bytes are not a uint */
	static const uint8_t five[] = { 0, 0, 0, 0, 1 };
	struct eiot_coap_option o = { 14, 2, five + 3 };
	uint32_t v;
	assert_int_equal(eiot_coap_option_uint(&o, &v), EIOT_OK);
	assert_int_equal(v, 1);
	o.len = 5;
	o.value = five;
	assert_int_equal(eiot_coap_option_uint(&o, &v), EIOT_ERR_COAP_FORMAT);
}

/* RFC 7959 §2.2 */
static void test_block_values(void **state)
{
	(void)state;
	static const struct eiot_coap_block blocks[] = {
		{ 0, true, 2 }, { 15, false, 0 }, { 16, true, 6 }, { 4095, false, 3 }, { 4096, true, 4 },
		{ (1u << 20) - 1, false, 6 },
	};
	static const uint16_t lens[] = { 1, 1, 2, 2, 3, 3 };
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		struct eiot_coap_msg m;
		struct eiot_coap_block b;
		eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 1);
		assert_int_equal(eiot_coap_add_block_option(&m, EIOT_COAP_OPT_BLOCK2, &blocks[i]), EIOT_OK);
		assert_int_equal(m.opt[0].len, lens[i]);
		assert_int_equal(eiot_coap_block_get(&m.opt[0], &b), EIOT_OK);
		assert_int_equal(b.num, blocks[i].num);
		assert_int_equal(b.more, blocks[i].more);
		assert_int_equal(b.szx, blocks[i].szx);
	}
	assert_int_equal(eiot_coap_block_size(0), 16);
	assert_int_equal(eiot_coap_block_size(6), 1024);
	struct eiot_coap_msg m;
	struct eiot_coap_block bad = { 1u << 20, false, 0 }, szx7 = { 0, false, 7 }, b;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 1);
	assert_int_equal(eiot_coap_add_block_option(&m, EIOT_COAP_OPT_BLOCK1, &bad), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_coap_add_block_option(&m, EIOT_COAP_OPT_BLOCK1, &szx7), EIOT_ERR_BAD_PARAM);
	static const uint8_t reserved[] = { 0x07 }, four[] = { 1, 0, 0, 0 };
	struct eiot_coap_option o = { EIOT_COAP_OPT_BLOCK2, 1, reserved };
	assert_int_equal(eiot_coap_block_get(&o, &b), EIOT_ERR_COAP_FORMAT);
	o = (struct eiot_coap_option){ EIOT_COAP_OPT_BLOCK2, 4, four };
	assert_int_equal(eiot_coap_block_get(&o, &b), EIOT_ERR_COAP_FORMAT);
}

/* RFC 7252 §5.4: which unrecognized options make a request 4.02 Bad Option */
static void test_check_options(void **state)
{
	(void)state;
	struct eiot_coap_msg m;
	uint16_t bad = 0;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 1);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "a", 1), EIOT_OK);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "b", 1), EIOT_OK);
	assert_int_equal(eiot_coap_add_option(&m, 2000, "e", 1), EIOT_OK); /* unknown, elective */
	assert_int_equal(eiot_coap_check_options(&m, &bad), EIOT_OK);
	assert_int_equal(eiot_coap_add_option(&m, 2001, "c", 1), EIOT_OK); /* unknown, critical */
	assert_int_equal(eiot_coap_check_options(&m, &bad), EIOT_ERR_COAP_BAD_OPTION);
	assert_int_equal(bad, 2001);
	/* a known critical option of a bad length (Uri-Host 0 bytes), or repeated (Uri-Port) */
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 1);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_HOST, "", 0), EIOT_OK);
	assert_int_equal(eiot_coap_check_options(&m, &bad), EIOT_ERR_COAP_BAD_OPTION);
	assert_int_equal(bad, EIOT_COAP_OPT_URI_HOST);
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 1);
	assert_int_equal(eiot_coap_add_uint_option(&m, EIOT_COAP_OPT_URI_PORT, 5683), EIOT_OK);
	assert_int_equal(eiot_coap_add_uint_option(&m, EIOT_COAP_OPT_URI_PORT, 5684), EIOT_OK);
	assert_int_equal(eiot_coap_check_options(&m, &bad), EIOT_ERR_COAP_BAD_OPTION);
	/* an elective one of a bad length (Max-Age 5 bytes) is ignored */
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 1);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_MAX_AGE, "12345", 5), EIOT_OK);
	assert_int_equal(eiot_coap_check_options(&m, &bad), EIOT_OK);
	assert_true(eiot_coap_option_critical(EIOT_COAP_OPT_URI_PATH));
	assert_false(eiot_coap_option_critical(EIOT_COAP_OPT_ETAG));
	assert_true(eiot_coap_option_unsafe(EIOT_COAP_OPT_URI_HOST));
	assert_true(eiot_coap_option_no_cache_key(EIOT_COAP_OPT_SIZE1));
	assert_false(eiot_coap_option_no_cache_key(EIOT_COAP_OPT_URI_PATH));
}

static void test_encode_buffer_too_small(void **state)
{
	(void)state;
	struct eiot_coap_msg m;
	uint8_t buf[64];
	size_t len, need;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_POST, 1);
	assert_int_equal(eiot_coap_add_option(&m, EIOT_COAP_OPT_URI_PATH, "config", 6), EIOT_OK);
	m.payload = (const uint8_t *)"{\"rate\":5}";
	m.payload_len = 10;
	need = eiot_coap_encoded_len(&m);
	assert_int_equal(need, 4 + 7 + 1 + 10);
	for (size_t cap = 0; cap < need; cap++)
		assert_int_equal(eiot_coap_encode(&m, buf, cap, &len), EIOT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(eiot_coap_encode(&m, buf, need, &len), EIOT_OK);
	/* an Empty message carries nothing */
	m.code = EIOT_COAP_EMPTY;
	assert_int_equal(eiot_coap_encode(&m, buf, sizeof(buf), &len), EIOT_ERR_BAD_PARAM);
}

/* The options eiot_coap_set_uri made, as "number:value" joined by spaces. */
static void uri_options(const char *uri, int want_err, const char *host, uint16_t port, const char *opts)
{
	struct eiot_coap_msg m;
	char h[16] = "", got[256] = "";
	uint16_t p = 0;
	eiot_coap_msg_init(&m, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	assert_int_equal(eiot_coap_set_uri(&m, uri, h, sizeof(h), &p), want_err);
	if (want_err)
		return;
	assert_string_equal(h, host);
	assert_int_equal(p, port);
	for (size_t i = 0, n = 0; i < m.n_opt; i++)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%u:%.*s", i ? " " : "", m.opt[i].number,
				      (int)m.opt[i].len, (const char *)m.opt[i].value);
	assert_string_equal(got, opts);
}

/* RFC 7252 §6.4: URIs to Uri-Path / Uri-Query options, and what is refused. */
static void test_uri(void **state)
{
	(void)state;
	uri_options("coaps://h/a/b?x=1&y", EIOT_OK, "h", 5684, "11:a 11:b 15:x=1 15:y");
	uri_options("coaps://[::1]:6000/.well-known/core", EIOT_OK, "::1", 6000, "11:.well-known 11:core");
	uri_options("coap://10.0.0.1", EIOT_OK, "10.0.0.1", 5683, "");
	uri_options("coaps://h/", EIOT_OK, "h", 5684, "");
	uri_options("coaps://h/a//b/", EIOT_OK, "h", 5684, "11:a 11: 11:b 11:");
	uri_options("coaps://h?q", EIOT_OK, "h", 5684, "15:q");
	uri_options("http://h/", EIOT_ERR_BAD_PARAM, NULL, 0, NULL);
	uri_options("coaps:///a", EIOT_ERR_BAD_PARAM, NULL, 0, NULL);
	uri_options("coaps://h:0/", EIOT_ERR_BAD_PARAM, NULL, 0, NULL);
	uri_options("coaps://h:65536/", EIOT_ERR_BAD_PARAM, NULL, 0, NULL);
	uri_options("coaps://h:12x/", EIOT_ERR_BAD_PARAM, NULL, 0, NULL);
	uri_options("coaps://[::1/", EIOT_ERR_BAD_PARAM, NULL, 0, NULL);
	uri_options("coaps://h/a%20b", EIOT_ERR_BAD_PARAM, NULL, 0, NULL);
	uri_options("coaps://h/a#frag", EIOT_ERR_BAD_PARAM, NULL, 0, NULL);
	uri_options("coaps://a-host-name-too-long/", EIOT_ERR_BAD_PARAM, NULL, 0, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_con_ping),
		cmocka_unit_test(test_get_with_token_and_path),
		cmocka_unit_test(test_response_with_payload),
		cmocka_unit_test(test_extended_delta_and_length),
		cmocka_unit_test(test_tokens_0_to_8),
		cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_too_many_options),
		cmocka_unit_test(test_add_option_order),
		cmocka_unit_test(test_uint_options),
		cmocka_unit_test(test_block_values),
		cmocka_unit_test(test_check_options),
		cmocka_unit_test(test_encode_buffer_too_small),
		cmocka_unit_test(test_uri),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
