/*
 * tests/unit/test_engine_dtls_spoof.c — an off-path attacker who can spoof the peer's address
 * sends unprotected (epoch 0) DTLS handshake records. RFC 6347 §4.1.2.7: invalid records are
 * dropped silently, so none of them may end or derail a connection:
 *   - on an established association, one datagram of epoch-0 handshake records covering
 *     every likely message_seq changes nothing (both roles), and data still flows;
 *   - during the handshake, a forged plaintext Finished slipped in just before the peer's
 *     ChangeCipherSpec is not taken for the real (protected) one, and its high record
 *     sequence number does not push the real CCS out of a replay window (epoch 0, being
 *     unauthenticated, has none): the handshake completes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"
#include "tls/msgs.h"

#define DTLS_HDR 13
#define HS_HDR 12
#define REC_HANDSHAKE 22
#define REC_CCS 20

static const uint8_t psk_id[] = "spoof-dev";
static const uint8_t psk_key[32] = { 0x53, 0x70, 0x6f };

static void psk_cfgs(struct eiot_config **c, struct eiot_config **s)
{
	*c = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
			  sizeof(psk_key), NULL);
	*s = pump_cfg_psk(EIOT_SERVER, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
			  sizeof(psk_key), NULL);
	assert_non_null(*c);
	assert_non_null(*s);
}

/* One epoch-0 handshake record at out: a message of type with body_len (< 256) bytes of 0x5a,
 * whole in one fragment, message_seq msg_seq. Its length. */
static size_t forge_record(uint8_t *out, uint8_t type, uint16_t msg_seq, uint16_t rec_seq,
			   size_t body_len)
{
	size_t frag = HS_HDR + body_len;

	memset(out, 0, DTLS_HDR + frag);
	out[0] = REC_HANDSHAKE;
	out[1] = 0xfe;
	out[2] = 0xfd;
	/* epoch 0 (bytes 3-4); sequence number 0x1000 + rec_seq, far above the real ones */
	out[9] = (uint8_t)(0x10 + (rec_seq >> 8));
	out[10] = (uint8_t)rec_seq;
	out[11] = (uint8_t)(frag >> 8);
	out[12] = (uint8_t)frag;
	/* handshake header: type, length (24 bit), message_seq, fragment_offset 0, fragment_length */
	out[DTLS_HDR] = type;
	out[DTLS_HDR + 3] = (uint8_t)body_len;
	out[DTLS_HDR + 4] = (uint8_t)(msg_seq >> 8);
	out[DTLS_HDR + 5] = (uint8_t)msg_seq;
	out[DTLS_HDR + 11] = (uint8_t)body_len;
	memset(out + DTLS_HDR + HS_HDR, 0x5a, body_len);
	return DTLS_HDR + frag;
}

static void spoof_established(enum pump_side victim)
{
	struct eiot_config *c, *s;
	uint8_t dg[1400];
	size_t n = 0;
	static const char msg[] = "still here";
	uint8_t buf[32];
	size_t len;

	psk_cfgs(&c, &s);
	struct pump *p = pump_new(c, s, 21);
	assert_non_null(p);
	assert_int_equal(pump_run(p), 0);
	assert_true(pump_established(p));
	/* empty ServerHelloDone-typed messages with message_seq 0..39 */
	for (uint16_t seq = 0; seq < 40; seq++)
		n += forge_record(dg + n, HT_SERVER_HELLO_DONE, seq, seq, 0);
	assert_int_equal(eiot_conn_feed(p->conn[victim], dg, n, p->now), EIOT_OK);
	assert_int_equal(eiot_conn_state(p->conn[victim]), EIOT_STATE_ESTABLISHED);
	assert_int_equal(pump_write(p, victim, msg, sizeof(msg)), EIOT_OK);
	assert_int_equal(pump_read(p, victim == PUMP_CLIENT ? PUMP_SERVER : PUMP_CLIENT, buf,
				   sizeof(buf), &len), EIOT_OK);
	assert_int_equal(len, sizeof(msg));
	assert_memory_equal(buf, msg, len);
	pump_free(p);
	eiot_config_free(c);
	eiot_config_free(s);
}

static void test_spoofed_epoch0_handshake_to_established_client_dropped(void **state)
{
	(void)state;
	spoof_established(PUMP_CLIENT);
}

static void test_spoofed_epoch0_handshake_to_established_server_dropped(void **state)
{
	(void)state;
	spoof_established(PUMP_SERVER);
}

/* C2S: remember the next message_seq after the client's plaintext handshake records; at the
 * datagram holding its ChangeCipherSpec, hand the server the records before the CCS, then a
 * forged plaintext Finished with that message_seq, then the CCS and the real Finished, as
 * three datagrams (records are independent in DTLS). */
struct inject {
	struct pump *p;
	uint16_t next_seq;
	bool done;
};

static enum pump_action inject_plain_finished(void *user, struct pump_unit *u)
{
	struct inject *in = user;
	size_t off = 0;

	if (in->done || u->dir != PUMP_C2S)
		return PUMP_PASS;
	while (u->len - off >= DTLS_HDR) {
		size_t bl = (size_t)u->buf[off + 11] << 8 | u->buf[off + 12];
		const uint8_t *r = u->buf + off;

		if (u->len - off - DTLS_HDR < bl)
			break;
		if (r[0] == REC_CCS) {
			struct eiot_conn *srv = in->p->conn[PUMP_SERVER];
			uint8_t forged[DTLS_HDR + HS_HDR + 12];
			size_t fl = forge_record(forged, HT_FINISHED, in->next_seq, 1, 12);

			assert_non_null(srv);
			if (off)
				eiot_conn_feed(srv, u->buf, off, in->p->now);
			eiot_conn_feed(srv, forged, fl, in->p->now);
			assert_int_equal(eiot_conn_state(srv), EIOT_STATE_HANDSHAKE);
			eiot_conn_feed(srv, u->buf + off, u->len - off, in->p->now);
			in->done = true;
			return PUMP_DROP;
		}
		if (r[0] == REC_HANDSHAKE && r[3] == 0 && r[4] == 0 && bl >= HS_HDR)
			in->next_seq = (uint16_t)((r[DTLS_HDR + 4] << 8 | r[DTLS_HDR + 5]) + 1);
		off += DTLS_HDR + bl;
	}
	return PUMP_PASS;
}

static void test_forged_plaintext_finished_before_ccs_dropped(void **state)
{
	(void)state;
	struct eiot_config *c, *s;
	struct inject in = { 0 };

	psk_cfgs(&c, &s);
	struct pump *p = pump_new(c, s, 22);
	assert_non_null(p);
	in.p = p;
	p->hook = inject_plain_finished;
	p->hook_user = &in;
	assert_int_equal(pump_run(p), 0);
	assert_true(in.done);
	assert_true(pump_established(p));
	pump_free(p);
	eiot_config_free(c);
	eiot_config_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spoofed_epoch0_handshake_to_established_client_dropped),
		cmocka_unit_test(test_spoofed_epoch0_handshake_to_established_server_dropped),
		cmocka_unit_test(test_forged_plaintext_finished_before_ccs_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
