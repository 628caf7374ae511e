/*
 * tests/unit/test_engine_shared_region.c — a DTLS connection reassembles handshake messages,
 * keeps received application data and opens protected records in one region (tls/conn.c):
 * the record at its end, behind the message being reassembled. During a handshake a
 * protected record that would land on a long message being reassembled is dropped and the
 * message kept, and a protected handshake message too long to reassemble beside its record
 * is dropped; in both cases the peer's repeated flight completes the handshake.
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

static const uint8_t psk_id[] = "region-dev";
static const uint8_t psk_key[16] = { 0x7e, 0x21 };

struct pair {
	struct eiot_config *c, *s;
	struct eiot_conn *cli, *srv;
};

/* A PSK handshake up to the server's last flight, which is returned in d (one datagram: CCS,
 * Finished) and not delivered. The client's region is small (1024-byte messages, 64-byte
 * records), so its record lies 924 bytes into it. */
static size_t up_to_last_flight(struct pair *p, uint8_t *d, size_t cap)
{
	p->c = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key, sizeof(psk_key), NULL);
	p->s = pump_cfg_psk(EIOT_SERVER, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key, sizeof(psk_key), NULL);
	assert_non_null(p->c);
	assert_non_null(p->s);
	assert_int_equal(eiot_config_set_max_handshake(p->c, 1024), EIOT_OK);
	assert_int_equal(eiot_config_set_max_record(p->c, 64), EIOT_OK);
	p->cli = eiot_conn_new(p->c, 0);
	p->srv = eiot_conn_new(p->s, 0);
	assert_non_null(p->cli);
	assert_non_null(p->srv);
	assert_int_equal(pump_move_all(p->cli, p->srv, 1), EIOT_OK); /* ClientHello */
	assert_int_equal(pump_move_all(p->srv, p->cli, 2), EIOT_OK); /* ServerHello, ServerHelloDone */
	assert_int_equal(pump_move_all(p->cli, p->srv, 3), EIOT_OK); /* ClientKeyExchange, CCS, Finished */
	assert_int_equal(eiot_conn_state(p->srv), EIOT_STATE_ESTABLISHED);
	size_t len;
	assert_int_equal(eiot_conn_output(p->srv, d, cap, &len), EIOT_OK);
	assert_true(len > 0);
	assert_int_equal(eiot_conn_state(p->cli), EIOT_STATE_HANDSHAKE);
	assert_false(reasm_clear_of_rx(p->cli, 1000));
	assert_true(reasm_clear_of_rx(p->cli, 900));
	return len;
}

static void pair_free(struct pair *p)
{
	eiot_conn_free(p->cli);
	eiot_conn_free(p->srv);
	eiot_config_free(p->c);
	eiot_config_free(p->s);
}

/* A 1000-byte message is being reassembled (its first fragment came) when the server's
 * Finished arrives: the record is not opened over it, and the message's bytes stay. Once the
 * message is gone, the same datagram again (the server repeating its flight) completes. */
static void test_protected_record_spares_a_long_message_being_reassembled(void **state)
{
	(void)state;
	struct pair p;
	uint8_t d[1280], frag[900];
	size_t len = up_to_last_flight(&p, d, sizeof(d));
	bool complete;
	memset(frag, 0xa5, sizeof(frag));
	assert_int_equal(reasm_add(&p.cli->reasm, p.cli->hs.rx_seq, HT_NEW_SESSION_TICKET, 1000,
				   p.cli->hs.rx_seq, 0, frag, sizeof(frag), &complete), EIOT_OK);
	assert_false(complete);

	assert_int_equal(eiot_conn_feed(p.cli, d, len, 4), EIOT_OK);
	assert_int_equal(eiot_conn_state(p.cli), EIOT_STATE_HANDSHAKE);
	assert_memory_equal(p.cli->reasm.buf + HS_DTLS_HEADER, frag, sizeof(frag));

	reasm_reset(&p.cli->reasm);
	assert_int_equal(eiot_conn_feed(p.cli, d, len, 5), EIOT_OK);
	assert_int_equal(eiot_conn_state(p.cli), EIOT_STATE_ESTABLISHED);
	pair_free(&p);
}

/* The server's keys seal a Finished that claims 1000 bytes: too long to reassemble beside its
 * record, it is dropped, and the real Finished completes the handshake. */
static void test_protected_message_too_long_to_reassemble_dropped(void **state)
{
	(void)state;
	struct pair p;
	uint8_t d[1280], forged[128], msg[HS_DTLS_HEADER + 16] = { HT_FINISHED };
	size_t len = up_to_last_flight(&p, d, sizeof(d)), flen;

	assert_int_equal(eiot_conn_feed(p.cli, d, 13 + 1, 4), EIOT_OK); /* the CCS alone */
	st_be24(msg + 1, 1000);
	st_be16(msg + 4, p.cli->hs.rx_seq);
	st_be24(msg + 9, 16);
	struct rec_dir forger = p.srv->tx[1]; /* the server's state: the record after its Finished */
	struct rec_keys keys = p.srv->tx_keys;
	forger.keys = &keys;
	assert_int_equal(rec_seal(&forger, REC_CT_HANDSHAKE, DTLS_VERSION_1_2, msg, sizeof(msg), forged,
				  sizeof(forged), &flen), 0);
	assert_int_equal(eiot_conn_feed(p.cli, forged, flen, 5), EIOT_OK);
	assert_int_equal(eiot_conn_state(p.cli), EIOT_STATE_HANDSHAKE);
	assert_false(p.cli->reasm.active);

	assert_int_equal(eiot_conn_feed(p.cli, d, len, 6), EIOT_OK);
	assert_int_equal(eiot_conn_state(p.cli), EIOT_STATE_ESTABLISHED);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protected_record_spares_a_long_message_being_reassembled),
		cmocka_unit_test(test_protected_message_too_long_to_reassemble_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
