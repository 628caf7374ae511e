/*
 * test_engine_stream.c — a TLS stream that brings more application data in one piece than a
 * connection buffers: eiot_conn_feed_some() takes it in steps, eiot_conn_feed() refuses it
 * with a precise error instead of losing data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"

#define BULK 20000

static const uint8_t id[] = "device1";
static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* An established TLS PSK pair with 512-byte records; the server has queued BULK bytes. */
static struct pump *bulk_pair(uint8_t *wire, size_t cap, size_t *wire_len, uint8_t *sent)
{
	struct eiot_config *c = pump_cfg_psk(EIOT_CLIENT, EIOT_TLS, id, sizeof(id) - 1, key, sizeof(key), NULL);
	struct eiot_config *s = pump_cfg_psk(EIOT_SERVER, EIOT_TLS, id, sizeof(id) - 1, key, sizeof(key), NULL);
	assert_int_equal(eiot_config_set_max_record(c, 512), EIOT_OK);
	assert_int_equal(eiot_config_set_max_record(s, 512), EIOT_OK);
	struct pump *p = pump_new(c, s, 7);
	assert_non_null(p);
	assert_int_equal(pump_run(p), 0);
	assert_true(pump_established(p));

	for (size_t i = 0; i < BULK; i++)
		sent[i] = (uint8_t)(i * 7 + 3);
	/* write as much as the output queue takes, drain it onto the "wire", repeat */
	*wire_len = 0;
	for (size_t off = 0, rounds = 0; off < BULK; rounds++) {
		assert_true(rounds < 1000);
		size_t w = 0, n;
		assert_int_equal(eiot_conn_write(p->conn[PUMP_SERVER], sent + off, BULK - off, &w), EIOT_OK);
		off += w;
		do {
			assert_int_equal(eiot_conn_output(p->conn[PUMP_SERVER], wire + *wire_len,
							  cap - *wire_len, &n), EIOT_OK);
			*wire_len += n;
		} while (n);
	}
	assert_true(*wire_len > BULK);
	return p;
}

static void free_pair(struct pump *p)
{
	struct eiot_config *c = p->cfg[PUMP_CLIENT], *s = p->cfg[PUMP_SERVER];
	pump_free(p);
	eiot_config_free(c);
	eiot_config_free(s);
}

static void bulk_stream_taken_in_steps_by_feed_some(void **state)
{
	(void)state;
	static uint8_t wire[BULK * 2], sent[BULK], got[BULK];
	size_t wire_len, got_len = 0;
	struct pump *p = bulk_pair(wire, sizeof(wire), &wire_len, sent);
	struct eiot_conn *c = p->conn[PUMP_CLIENT];

	for (size_t off = 0, rounds = 0; off < wire_len; rounds++) {
		assert_true(rounds < 1000);
		size_t used = 0;
		assert_int_equal(eiot_conn_feed_some(c, wire + off, wire_len - off, 1, &used), EIOT_OK);
		off += used;
		size_t n;
		while (eiot_conn_read(c, got + got_len, sizeof(got) - got_len, &n) == EIOT_OK && n)
			got_len += n;
	}
	assert_int_equal(got_len, BULK);
	assert_memory_equal(got, sent, BULK);
	assert_int_equal(eiot_conn_state(c), EIOT_STATE_ESTABLISHED);
	free_pair(p);
}

static void bulk_stream_in_one_feed_fails_precisely(void **state)
{
	(void)state;
	static uint8_t wire[BULK * 2], sent[BULK];
	size_t wire_len;
	struct pump *p = bulk_pair(wire, sizeof(wire), &wire_len, sent);
	struct eiot_conn *c = p->conn[PUMP_CLIENT];

	assert_int_equal(eiot_conn_feed(c, wire, wire_len, 1), EIOT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(eiot_conn_state(c), EIOT_STATE_FAILED);
	free_pair(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bulk_stream_taken_in_steps_by_feed_some),
		cmocka_unit_test(bulk_stream_in_one_feed_fails_precisely),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
