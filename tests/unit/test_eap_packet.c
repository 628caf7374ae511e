/* tests/unit/test_eap_packet.c — the EAP / EAP-TLS codec (eap/eap_packet.c, RFC 3748 §4,
 * RFC 5216 §3.1-3.2): vector tables, every truncation, bad flag combinations, Length rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "eap/eap_packet.h"
#include "eap_iot/eap_tls.h"
#include "eap_iot/err.h"

struct good_vec {
	const char *name;
	uint8_t bytes[24];
	size_t n;      /* bytes given to the parser */
	size_t len;    /* expected Length */
	uint8_t code, id, type, flags;
	uint32_t tls_len;
	size_t data_len;
};

static const struct good_vec good[] = {
	{ "start", { 1, 5, 0, 6, 13, 0x20 }, 6, 6, 1, 5, 13, 0x20, 0, 0 },
	{ "ack response", { 2, 5, 0, 6, 13, 0x00 }, 6, 6, 2, 5, 13, 0, 0, 0 },
	{ "first fragment L+M", { 1, 6, 0, 14, 13, 0xc0, 0, 0, 0, 16, 1, 2, 3, 4 }, 14, 14, 1, 6, 13,
	  0xc0, 16, 4 },
	{ "middle fragment M", { 1, 7, 0, 9, 13, 0x40, 1, 2, 3 }, 9, 9, 1, 7, 13, 0x40, 0, 3 },
	{ "last fragment with L (FreeRADIUS)", { 2, 8, 0, 12, 13, 0x80, 0, 0, 0, 9, 1, 2 }, 12, 12, 2,
	  8, 13, 0x80, 9, 2 },
	{ "unfragmented with L", { 2, 8, 0, 12, 13, 0x80, 0, 0, 0, 2, 1, 2 }, 12, 12, 2, 8, 13, 0x80,
	  2, 2 },
	{ "unfragmented, no L", { 2, 9, 0, 8, 13, 0x00, 0x16, 0x03 }, 8, 8, 2, 9, 13, 0, 0, 2 },
	{ "reserved flag bits ignored", { 2, 9, 0, 7, 13, 0x1f, 0x15 }, 7, 7, 2, 9, 13, 0, 0, 1 },
	{ "link padding after Length", { 1, 5, 0, 6, 13, 0x20, 0, 0, 0 }, 9, 6, 1, 5, 13, 0x20, 0, 0 },
	{ "success", { 3, 7, 0, 4 }, 4, 4, 3, 7, 0, 0, 0, 0 },
	{ "failure", { 4, 7, 0, 4 }, 4, 4, 4, 7, 0, 0, 0, 0 },
	{ "identity request (other type)", { 1, 1, 0, 5, 1 }, 5, 5, 1, 1, 1, 0, 0, 0 },
	{ "nak response (other type)", { 2, 1, 0, 6, 3, 13 }, 6, 6, 2, 1, 3, 0, 0, 1 },
};

static void test_good_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct good_vec *v = &good[i];
		struct eap_pkt p;
		print_message("%s\n", v->name);
		assert_int_equal(eap_pkt_parse(v->bytes, v->n, &p), EIOT_OK);
		assert_int_equal(p.code, v->code);
		assert_int_equal(p.id, v->id);
		assert_int_equal(p.len, v->len);
		assert_int_equal(p.type, v->type);
		assert_int_equal(p.flags, v->flags);
		assert_int_equal(p.tls_len, v->tls_len);
		assert_int_equal(p.data_len, v->data_len);
		if (v->data_len)
			assert_ptr_equal(p.data, v->bytes + v->len - v->data_len);
	}
}

/* Every prefix shorter than the Length field is refused. */
static void test_truncation_every_length(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct eap_pkt p;
		for (size_t n = 0; n < good[i].len; n++)
			assert_int_equal(eap_pkt_parse(good[i].bytes, n, &p), EIOT_ERR_DECODE);
	}
}

struct bad_vec {
	const char *name;
	uint8_t bytes[16];
	size_t n;
};

static const struct bad_vec bad[] = {
	{ "Length below 4", { 1, 1, 0, 3 }, 4 },
	{ "Length above the packet", { 1, 1, 0, 7, 13, 0 }, 6 },
	{ "code 0", { 0, 1, 0, 4 }, 4 },
	{ "code 5", { 5, 1, 0, 4 }, 4 },
	{ "success with data", { 3, 1, 0, 5, 0 }, 5 },
	{ "request without type", { 1, 1, 0, 4 }, 4 },
	{ "EAP-TLS without flags", { 1, 1, 0, 5, 13 }, 5 },
	{ "L without its 4 bytes", { 1, 1, 0, 8, 13, 0x80, 0, 0 }, 8 },
	{ "fragment longer than L", { 1, 1, 0, 12, 13, 0x80, 0, 0, 0, 1, 0xaa, 0xbb }, 12 },
	{ "M without data", { 1, 1, 0, 6, 13, 0x40 }, 6 },
	{ "L+M announcing only this fragment", { 1, 1, 0, 12, 13, 0xc0, 0, 0, 0, 2, 1, 2 }, 12 },
	{ "S on a response", { 2, 1, 0, 6, 13, 0x20 }, 6 },
	{ "S with L", { 1, 1, 0, 10, 13, 0xa0, 0, 0, 0, 0 }, 10 },
	{ "S with M", { 1, 1, 0, 7, 13, 0x60, 1 }, 7 },
	{ "S with data", { 1, 1, 0, 7, 13, 0x20, 0x16 }, 7 },
};

static void test_bad_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct eap_pkt p;
		print_message("%s\n", bad[i].name);
		assert_int_equal(eap_pkt_parse(bad[i].bytes, bad[i].n, &p), EIOT_ERR_DECODE);
	}
}

static void test_write_roundtrip(void **state)
{
	static const uint8_t data[5] = { 0x16, 3, 3, 0, 1 };
	static const uint8_t want[] = { 1, 9, 0, 15, 13, 0xc0, 0, 0, 1, 0, 0x16, 3, 3, 0, 1 };
	uint8_t out[32];
	size_t n;
	struct eap_pkt p;
	(void)state;

	assert_int_equal(eap_pkt_write_tls(1, 9, 0xc0, 256, data, 5, out, sizeof(out), &n), EIOT_OK);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(out, want, n);
	assert_int_equal(eap_pkt_parse(out, n, &p), EIOT_OK);
	assert_int_equal(p.tls_len, 256);
	assert_memory_equal(p.data, data, 5);
	/* every buffer one byte too small fails cleanly */
	for (size_t cap = 0; cap < sizeof(want); cap++)
		assert_int_equal(eap_pkt_write_tls(1, 9, 0xc0, 256, data, 5, out, cap, &n),
				 EIOT_ERR_BUFFER_TOO_SMALL);
	/* ACK and Start */
	assert_int_equal(eap_pkt_write_tls(2, 3, 0, 0, NULL, 0, out, sizeof(out), &n), EIOT_OK);
	assert_int_equal(n, 6);
	assert_int_equal(eap_pkt_parse(out, n, &p), EIOT_OK);
	assert_true(p.flags == 0 && p.data_len == 0);
	assert_int_equal(eap_pkt_write_result(3, 3, out, sizeof(out), &n), EIOT_OK);
	assert_int_equal(n, 4);
	assert_int_equal(out[0], 3);
	assert_int_equal(eap_pkt_write_result(3, 3, out, 3, &n), EIOT_ERR_BUFFER_TOO_SMALL);
}

static void test_write_length_overflow(void **state)
{
	static uint8_t big[0x10000], out[0x10010];
	size_t n;
	(void)state;
	assert_int_equal(eap_pkt_write_tls(1, 1, 0, 0, big, 0xFFFF - 6, out, sizeof(out), &n), EIOT_OK);
	assert_int_equal(n, 0xFFFF);
	assert_int_equal(eap_pkt_write_tls(1, 1, 0, 0, big, 0xFFFF - 5, out, sizeof(out), &n),
			 EIOT_ERR_BAD_PARAM);
	assert_int_equal(eap_pkt_write_tls(1, 1, 0x80, 0, big, 0xFFFF - 9, out, sizeof(out), &n),
			 EIOT_ERR_BAD_PARAM);
}

static void test_fragment_size_conversions(void **state)
{
	(void)state;
	assert_int_equal(eiot_eap_fragment_from_eap_size(123), 113);   /* MTU 127 budget */
	assert_int_equal(eiot_eap_fragment_from_eap_size(1408), 1398);
	assert_int_equal(eiot_eap_fragment_from_eap_size(10), 1);      /* never 0 (= default) */
	assert_int_equal(eiot_eap_fragment_from_framed_mtu(1400), 1400);
	assert_int_equal(eiot_eap_fragment_from_framed_mtu(0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_vectors),
		cmocka_unit_test(test_truncation_every_length),
		cmocka_unit_test(test_bad_vectors),
		cmocka_unit_test(test_write_roundtrip),
		cmocka_unit_test(test_write_length_overflow),
		cmocka_unit_test(test_fragment_size_conversions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
