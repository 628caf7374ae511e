/* tests/unit/test_reasm.c — DTLS handshake reassembly (tls/reasm.c, RFC 6347 §4.2.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "eap_iot/err.h"
#include "tls/msgs.h"
#include "tls/reasm.h"

#define CAP 300

struct fixture {
	struct reasm r;
	uint8_t buf[HS_DTLS_HEADER + CAP];
	uint8_t bitmap[(CAP + 7) / 8];
	uint8_t msg[CAP]; /* the message body being sent */
};

static struct fixture fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	reasm_init(&fx.r, fx.buf, fx.bitmap, CAP);
	for (size_t i = 0; i < CAP; i++)
		fx.msg[i] = (uint8_t)(i * 7 + 3);
	return 0;
}

/* Add fragment [off, off+n) of a type-11 message of length len, seq 2 (expected 2). */
static int add(uint32_t len, uint32_t off, uint32_t n, bool *complete)
{
	return reasm_add(&fx.r, 2, HT_CERTIFICATE, len, 2, off, fx.msg + off, n, complete);
}

static void assert_whole(uint32_t len)
{
	static const uint8_t hdr_tail[] = { 0x00, 0x02, 0x00, 0x00, 0x00 };
	assert_int_equal(fx.buf[0], HT_CERTIFICATE);
	assert_int_equal((fx.buf[1] << 16) | (fx.buf[2] << 8) | fx.buf[3], len);
	assert_memory_equal(fx.buf + 4, hdr_tail, sizeof(hdr_tail)); /* msg_seq 2, offset 0 */
	assert_int_equal((fx.buf[9] << 16) | (fx.buf[10] << 8) | fx.buf[11], len);
	if (len)
		assert_memory_equal(fx.buf + HS_DTLS_HEADER, fx.msg, len);
}

static void test_unfragmented(void **state)
{
	(void)state;
	bool done;
	assert_int_equal(add(200, 0, 200, &done), EIOT_OK);
	assert_true(done);
	assert_whole(200);
}

static const struct {
	const char *name;
	uint32_t len;
	struct { uint32_t off, n; } frags[6];
	size_t n_frags;
	size_t complete_after; /* index of the fragment that completes it */
} order_vectors[] = {
	{ "in order", 100, { { 0, 40 }, { 40, 40 }, { 80, 20 } }, 3, 2 },
	{ "reversed", 100, { { 80, 20 }, { 40, 40 }, { 0, 40 } }, 3, 2 },
	{ "overlapping", 100, { { 0, 60 }, { 30, 50 }, { 50, 50 } }, 3, 2 },
	{ "duplicated", 100, { { 0, 50 }, { 0, 50 }, { 50, 50 }, { 50, 50 } }, 4, 2 },
	{ "contained", 100, { { 10, 10 }, { 0, 100 }, { 20, 30 } }, 3, 1 },
	{ "gap filled last", 100, { { 0, 10 }, { 90, 10 }, { 10, 79 }, { 89, 1 } }, 4, 3 },
	{ "empty fragment", 10, { { 0, 0 }, { 0, 10 } }, 2, 1 },
};

static void test_fragment_orders(void **state)
{
	(void)state;
	for (size_t v = 0; v < sizeof(order_vectors) / sizeof(order_vectors[0]); v++) {
		setup(NULL);
		for (size_t i = 0; i < order_vectors[v].n_frags; i++) {
			bool done;
			assert_int_equal(add(order_vectors[v].len, order_vectors[v].frags[i].off,
					     order_vectors[v].frags[i].n, &done), EIOT_OK);
			if (done != (i >= order_vectors[v].complete_after))
				fail_msg("%s: fragment %zu: complete=%d", order_vectors[v].name, i, done);
		}
		assert_whole(order_vectors[v].len);
	}
}

static void test_one_byte_fragments(void **state)
{
	(void)state;
	bool done = false;
	/* odd positions backwards, then even positions forwards */
	for (int32_t i = 255; i >= 0; i -= 2) {
		assert_int_equal(add(256, (uint32_t)i, 1, &done), EIOT_OK);
		assert_false(done);
	}
	for (uint32_t i = 0; i < 256; i += 2)
		assert_int_equal(add(256, i, 1, &done), EIOT_OK);
	assert_true(done);
	assert_int_equal(fx.r.have, 256);
	assert_whole(256);
}

static void test_first_copy_of_a_byte_wins(void **state)
{
	(void)state;
	bool done;
	uint8_t evil[10];
	memset(evil, 0xEE, sizeof(evil));
	assert_int_equal(add(20, 0, 10, &done), EIOT_OK);
	assert_int_equal(reasm_add(&fx.r, 2, HT_CERTIFICATE, 20, 2, 2, evil, 8, &done), EIOT_OK);
	assert_int_equal(add(20, 10, 10, &done), EIOT_OK);
	assert_true(done);
	assert_whole(20);
}

static void test_zero_length_message_completes_at_once(void **state)
{
	(void)state;
	bool done = false;
	assert_int_equal(reasm_add(&fx.r, 5, HT_SERVER_HELLO_DONE, 0, 5, 0, NULL, 0, &done), EIOT_OK);
	assert_true(done);
	static const uint8_t want[12] = { HT_SERVER_HELLO_DONE, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0 };
	assert_memory_equal(fx.buf, want, sizeof(want));
}

static void test_other_message_seq_ignored(void **state)
{
	(void)state;
	bool done = true;
	assert_int_equal(reasm_add(&fx.r, 2, HT_CERTIFICATE, 10, 3, 0, fx.msg, 10, &done), EIOT_OK);
	assert_false(done);
	assert_false(fx.r.active);
	assert_int_equal(reasm_add(&fx.r, 2, HT_CERTIFICATE, 10, 1, 0, fx.msg, 10, &done), EIOT_OK);
	assert_false(done);
	assert_false(fx.r.active);
	/* a later message's fragment in the middle of ours does not disturb it */
	assert_int_equal(add(10, 0, 5, &done), EIOT_OK);
	assert_int_equal(reasm_add(&fx.r, 2, HT_FINISHED, 12, 3, 0, fx.msg, 12, &done), EIOT_OK);
	assert_false(done);
	assert_int_equal(add(10, 5, 5, &done), EIOT_OK);
	assert_true(done);
	assert_whole(10);
}

static void test_fragment_outside_message_is_decode_error(void **state)
{
	(void)state;
	bool done;
	assert_int_equal(add(100, 90, 11, &done), EIOT_ERR_DECODE);
	assert_false(done);
	assert_int_equal(reasm_add(&fx.r, 2, HT_CERTIFICATE, 100, 2, 0xFFFFFF, fx.msg, 2, &done),
			 EIOT_ERR_DECODE);
	/* offset + length wrapping 32 bits */
	assert_int_equal(reasm_add(&fx.r, 2, HT_CERTIFICATE, 100, 2, 0xFFFFFFF0u, fx.msg, 0x20, &done),
			 EIOT_ERR_DECODE);
	assert_int_equal(reasm_add(&fx.r, 2, HT_CERTIFICATE, 0, 2, 1, NULL, 0, &done), EIOT_ERR_DECODE);
}

static void test_contradictory_type_is_decode_error(void **state)
{
	(void)state;
	bool done;
	assert_int_equal(add(100, 0, 50, &done), EIOT_OK);
	assert_int_equal(reasm_add(&fx.r, 2, HT_SERVER_KEY_EXCHANGE, 100, 2, 50, fx.msg + 50, 50, &done),
			 EIOT_ERR_DECODE);
	assert_false(done);
}

static void test_contradictory_length_is_decode_error(void **state)
{
	(void)state;
	bool done;
	assert_int_equal(add(100, 0, 50, &done), EIOT_OK);
	assert_int_equal(add(101, 50, 51, &done), EIOT_ERR_DECODE);
	assert_int_equal(add(99, 50, 49, &done), EIOT_ERR_DECODE);
	assert_false(done);
	assert_int_equal(add(100, 50, 50, &done), EIOT_OK);
	assert_true(done);
}

static void test_oversized_message_refused(void **state)
{
	(void)state;
	bool done;
	assert_int_equal(add(CAP, 0, 10, &done), EIOT_OK);
	reasm_reset(&fx.r);
	assert_int_equal(reasm_add(&fx.r, 2, HT_CERTIFICATE, CAP + 1, 2, 0, fx.msg, 10, &done),
			 EIOT_ERR_MESSAGE_TOO_LARGE);
	assert_int_equal(reasm_add(&fx.r, 2, HT_CERTIFICATE, 0xFFFFFF, 2, 0, fx.msg, 10, &done),
			 EIOT_ERR_MESSAGE_TOO_LARGE);
	assert_false(done);
	assert_false(fx.r.active);
}

static void test_reset_then_next_message(void **state)
{
	(void)state;
	bool done;
	assert_int_equal(add(100, 0, 100, &done), EIOT_OK);
	assert_true(done);
	reasm_reset(&fx.r);
	/* next message, shorter, fragmented: old bitmap bits must not count */
	assert_int_equal(reasm_add(&fx.r, 3, HT_FINISHED, 12, 3, 0, fx.msg, 6, &done), EIOT_OK);
	assert_false(done);
	assert_int_equal(reasm_add(&fx.r, 3, HT_FINISHED, 12, 3, 6, fx.msg + 6, 6, &done), EIOT_OK);
	assert_true(done);
	assert_int_equal(fx.buf[0], HT_FINISHED);
	assert_memory_equal(fx.buf + HS_DTLS_HEADER, fx.msg, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_unfragmented, setup),
		cmocka_unit_test_setup(test_fragment_orders, setup),
		cmocka_unit_test_setup(test_one_byte_fragments, setup),
		cmocka_unit_test_setup(test_first_copy_of_a_byte_wins, setup),
		cmocka_unit_test_setup(test_zero_length_message_completes_at_once, setup),
		cmocka_unit_test_setup(test_other_message_seq_ignored, setup),
		cmocka_unit_test_setup(test_fragment_outside_message_is_decode_error, setup),
		cmocka_unit_test_setup(test_contradictory_type_is_decode_error, setup),
		cmocka_unit_test_setup(test_contradictory_length_is_decode_error, setup),
		cmocka_unit_test_setup(test_oversized_message_refused, setup),
		cmocka_unit_test_setup(test_reset_then_next_message, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
