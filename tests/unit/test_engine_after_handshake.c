/*
 * tests/unit/test_engine_after_handshake.c — DTLS handshake messages once the handshake is
 * over. A DTLS connection keeps its received application data where it reassembled handshake
 * messages (one buffer, tls/conn.c): a request to renegotiate that comes whole in its record
 * gets a warning no_renegotiation (RFC 7925 §4), a fragment of one is dropped, and neither
 * touches the data waiting to be read. A saved connection with no reserved record number left
 * sends no warning and stays up. A close while the last flight is being resent is protected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"
#include "tls/conn_int.h"
#include "util/bytes.h"

static const uint8_t psk_id[] = "after-hs-dev";
static const uint8_t psk_key[16] = { 0x3c, 0x71 };

#include "psk_rig.h"

/* A handshake record from the server's connection, sealed with its epoch-1 keys as the next
 * message it sends: a HelloRequest of length declared_len carrying its bytes [off, off+n). */
static size_t server_hello_request(struct eiot_conn *srv, uint32_t declared_len, uint32_t off,
				   uint32_t n, uint8_t *out, size_t cap)
{
	uint8_t msg[HS_DTLS_HEADER + 16] = { 0 };
	assert_true(n <= 16);
	msg[0] = HT_HELLO_REQUEST;
	st_be24(msg + 1, declared_len);
	st_be16(msg + 4, srv->hs.tx_seq++);
	st_be24(msg + 6, off);
	st_be24(msg + 9, n);
	memset(msg + HS_DTLS_HEADER, 0xee, n);
	size_t len;
	assert_int_equal(rec_seal(&srv->tx[1], REC_CT_HANDSHAKE, DTLS_VERSION_1_2, msg, HS_DTLS_HEADER + n,
				  out, cap, &len), 0);
	return len;
}

static void deliver(struct eiot_conn *from, struct eiot_conn *to, uint64_t now)
{
	uint8_t d[256];
	size_t len = next_dgram(from, d, sizeof(d));
	assert_int_equal(eiot_conn_feed(to, d, len, now), EIOT_OK);
}

/* Data waits unread at the client; a whole HelloRequest is refused with a warning and a
 * fragmented one dropped; the data comes out as it was, and the session goes on. */
static void test_renegotiation_request_leaves_waiting_data_alone(void **state)
{
	(void)state;
	struct rig r;
	uint8_t d[256];
	size_t w, len;
	int sent, recv;
	rig_up_cid(&r, -1, -1, 31);
	struct eiot_conn *cli = r.p->conn[PUMP_CLIENT], *srv = r.p->conn[PUMP_SERVER];
	assert_int_equal(eiot_conn_write(srv, (const uint8_t *)"waiting to be read", 18, &w), EIOT_OK);
	deliver(srv, cli, 10);

	len = server_hello_request(srv, 0, 0, 0, d, sizeof(d));
	assert_int_equal(eiot_conn_feed(cli, d, len, 11), EIOT_OK);
	eiot_conn_last_alert(cli, &sent, &recv);
	assert_int_equal(sent, EIOT_ALERT_NO_RENEGOTIATION);
	deliver(cli, srv, 12); /* the warning */
	assert_int_equal(eiot_conn_state(srv), EIOT_STATE_ESTABLISHED);

	len = server_hello_request(srv, 16, 0, 8, d, sizeof(d)); /* half a message */
	assert_int_equal(eiot_conn_feed(cli, d, len, 13), EIOT_OK);
	assert_int_equal(eiot_conn_output(cli, d, sizeof(d), &len), EIOT_OK);
	assert_int_equal(len, 0); /* dropped: no answer */

	assert_int_equal(eiot_conn_state(cli), EIOT_STATE_ESTABLISHED);
	expect_read(cli, "waiting to be read");
	assert_int_equal(eiot_conn_write(srv, (const uint8_t *)"and then", 8, &w), EIOT_OK);
	deliver(srv, cli, 14);
	expect_read(cli, "and then");
	rig_down(&r);
}

/* A saved client whose reserved record numbers are used up: the peer's HelloRequest gets no
 * warning (a warning is not worth a save), and the connection stays up. */
static void test_renegotiation_request_without_a_saved_number(void **state)
{
	(void)state;
	struct rig r;
	uint8_t st[EIOT_SAVED_MAX], d[256];
	size_t n, w, len;
	int sent, recv;
	rig_up_cid(&r, -1, -1, 32);
	struct eiot_conn *cli = r.p->conn[PUMP_CLIENT], *srv = r.p->conn[PUMP_SERVER];
	assert_int_equal(eiot_conn_save(cli, 1, st, sizeof(st), &n), EIOT_OK);
	assert_int_equal(eiot_conn_write(cli, (const uint8_t *)"last one", 8, &w), EIOT_OK);
	deliver(cli, srv, 10);
	expect_read(srv, "last one");
	assert_int_equal(eiot_conn_save_left(cli), 0);

	len = server_hello_request(srv, 0, 0, 0, d, sizeof(d));
	assert_int_equal(eiot_conn_feed(cli, d, len, 11), EIOT_OK);
	assert_int_equal(eiot_conn_state(cli), EIOT_STATE_ESTABLISHED);
	eiot_conn_last_alert(cli, &sent, &recv);
	assert_int_equal(sent, EIOT_ALERT_NONE);
	assert_int_equal(eiot_conn_output(cli, d, sizeof(d), &len), EIOT_OK);
	assert_int_equal(len, 0);
	assert_int_equal(eiot_conn_save(cli, 1, st, sizeof(st), &n), EIOT_OK);
	assert_int_equal(eiot_conn_write(cli, (const uint8_t *)"after", 5, &w), EIOT_OK);
	deliver(cli, srv, 12);
	expect_read(srv, "after");
	rig_down(&r);
}

/* A server established after a full handshake, resending its last flight (CCS, Finished)
 * because the client repeated its own, is closed: the close_notify goes in epoch 1, which the
 * client reads, and not in the plaintext epoch of the CCS that was about to go out again. */
static void test_close_while_resending_the_last_flight_is_protected(void **state)
{
	(void)state;
	struct rig r;
	uint8_t d[256];
	rig_up_cid(&r, -1, -1, 33);
	struct eiot_conn *cli = r.p->conn[PUMP_CLIENT], *srv = r.p->conn[PUMP_SERVER];
	assert_true(srv->flight.n > 0); /* kept: the client has sent no data yet */
	hs_flight_resend(srv);
	assert_int_equal(eiot_conn_close(srv), EIOT_OK);
	size_t len = next_dgram(srv, d, sizeof(d));
	assert_int_equal(ld_be16(d + 3), 1);
	assert_int_equal(eiot_conn_feed(cli, d, len, 10), EIOT_OK);
	assert_int_equal(eiot_conn_state(cli), EIOT_STATE_CLOSED);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renegotiation_request_leaves_waiting_data_alone),
		cmocka_unit_test(test_renegotiation_request_without_a_saved_number),
		cmocka_unit_test(test_close_while_resending_the_last_flight_is_protected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
