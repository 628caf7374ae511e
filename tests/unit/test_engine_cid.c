/*
 * tests/unit/test_engine_cid.c — DTLS Connection ID (RFC 9146) in the engine: the hellos agree
 * on a CID each way, the records protected after ChangeCipherSpec carry the receiver's CID
 * (tls12_cid, the real type inside), a record with another peer's CID or without ours is
 * dropped, and only an authentic record newer than all before may move a peer
 * (eiot_conn_peer_may_move). CIDs survive eiot_conn_save.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "pump.h"
#include "util/bytes.h"

static const uint8_t psk_id[] = "cid-dev";
static const uint8_t psk_key[16] = { 0xc1, 0xd0, 0x42 };

#include "psk_rig.h"

/* msg written on from into d[0..return). */
static size_t record_of(struct eiot_conn *from, const char *msg, uint8_t *d, size_t cap)
{
	size_t w;
	assert_int_equal(eiot_conn_write(from, (const uint8_t *)msg, strlen(msg), &w), EIOT_OK);
	return next_dgram(from, d, cap);
}

static void expect_nothing(struct eiot_conn *c)
{
	uint8_t buf[256];
	size_t len;
	assert_int_equal(eiot_conn_read(c, buf, sizeof(buf), &len), EIOT_ERR_WANT_MORE);
	assert_int_equal(eiot_conn_state(c), EIOT_STATE_ESTABLISHED);
}

/* The record in d[0..len) carries cid[0..n) in a tls12_cid header, its length field right. */
static void expect_cid_record(const uint8_t *d, size_t len, const uint8_t *cid, size_t n)
{
	assert_int_equal(d[0], 25);
	assert_memory_equal(d + 11, cid, n);
	assert_int_equal(ld_be16(d + 11 + n), len - 13 - n);
}

static void test_cid_both_ways(void **state)
{
	(void)state;
	struct rig r;
	uint8_t d[256];
	size_t cn, sn;
	rig_up_cid(&r, 4, 8, 1);
	struct eiot_conn *cli = r.p->conn[PUMP_CLIENT], *srv = r.p->conn[PUMP_SERVER];
	const uint8_t *ccid = eiot_conn_own_cid(cli, &cn), *scid = eiot_conn_own_cid(srv, &sn);
	assert_non_null(ccid);
	assert_non_null(scid);
	assert_int_equal(cn, 4);
	assert_int_equal(sn, 8);

	size_t len = record_of(cli, "to the server", d, sizeof(d));
	expect_cid_record(d, len, scid, sn);
	/* 13-byte header + CID + nonce 8 + content + its type + CCM_8 tag */
	assert_int_equal(len, 13 + 8 + 8 + strlen("to the server") + 1 + 8);
	assert_int_equal(eiot_conn_feed(srv, d, len, 10), EIOT_OK);
	assert_true(eiot_conn_peer_may_move(srv));
	expect_read(srv, "to the server");

	len = record_of(srv, "to the client", d, sizeof(d));
	expect_cid_record(d, len, ccid, cn);
	assert_int_equal(eiot_conn_feed(cli, d, len, 11), EIOT_OK);
	expect_read(cli, "to the client");
	rig_down(&r);
}

/* RFC 9146 §3: a zero-length CID asks for plain records while the other way carries the CID. */
static void test_cid_zero_length_side_gets_plain_records(void **state)
{
	(void)state;
	struct rig r;
	uint8_t d[256];
	size_t sn, cn;
	rig_up_cid(&r, 0, 6, 2);
	struct eiot_conn *cli = r.p->conn[PUMP_CLIENT], *srv = r.p->conn[PUMP_SERVER];
	assert_null(eiot_conn_own_cid(cli, &cn));
	assert_int_equal(cn, 0);
	const uint8_t *scid = eiot_conn_own_cid(srv, &sn);
	size_t len = record_of(cli, "up", d, sizeof(d));
	expect_cid_record(d, len, scid, sn);
	assert_int_equal(eiot_conn_feed(srv, d, len, 10), EIOT_OK);
	expect_read(srv, "up");
	len = record_of(srv, "down", d, sizeof(d));
	assert_int_equal(d[0], 23);
	assert_int_equal(eiot_conn_feed(cli, d, len, 11), EIOT_OK);
	expect_read(cli, "down");
	rig_down(&r);
}

/* Only one side has CIDs on: nothing changes on the wire. */
static void test_cid_needs_both_sides(void **state)
{
	(void)state;
	for (int side = 0; side < 2; side++) {
		struct rig r;
		uint8_t d[256];
		size_t n;
		rig_up_cid(&r, side ? -1 : 4, side ? 4 : -1, 3 + (uint64_t)side);
		struct eiot_conn *cli = r.p->conn[PUMP_CLIENT], *srv = r.p->conn[PUMP_SERVER];
		assert_null(eiot_conn_own_cid(cli, &n));
		assert_null(eiot_conn_own_cid(srv, &n));
		size_t len = record_of(cli, "plain", d, sizeof(d));
		assert_int_equal(d[0], 23);
		assert_int_equal(eiot_conn_feed(srv, d, len, 10), EIOT_OK);
		expect_read(srv, "plain");
		rig_down(&r);
	}
}

/* Records are bound to the CID: another session's CID in the header (a peer sending with a
 * CID it was not given) fails authentication, and a record without our CID is dropped. */
static void test_cid_from_another_peer_dropped(void **state)
{
	(void)state;
	struct rig a, b;
	uint8_t d[256];
	size_t an, bn;
	rig_up_cid(&a, 4, 8, 5);
	rig_up_cid(&b, 4, 8, 6);
	struct eiot_conn *srv_b = b.p->conn[PUMP_SERVER];
	const uint8_t *bcid = eiot_conn_own_cid(srv_b, &bn);
	eiot_conn_own_cid(a.p->conn[PUMP_SERVER], &an);
	assert_int_equal(an, bn);
	size_t len = record_of(a.p->conn[PUMP_CLIENT], "from A", d, sizeof(d));
	memcpy(d + 11, bcid, bn); /* A's record, B's CID */
	assert_int_equal(eiot_conn_feed(srv_b, d, len, 10), EIOT_OK);
	assert_false(eiot_conn_peer_may_move(srv_b));
	expect_nothing(srv_b);

	/* B's own record with its CID taken out of the header: no longer ours */
	len = record_of(b.p->conn[PUMP_CLIENT], "from B", d, sizeof(d));
	uint8_t plain[256];
	plain[0] = 23;
	memcpy(plain + 1, d + 1, 10);
	memcpy(plain + 11, d + 11 + bn, len - 11 - bn);
	assert_int_equal(eiot_conn_feed(srv_b, plain, len - bn, 11), EIOT_OK);
	expect_nothing(srv_b);
	assert_int_equal(eiot_conn_feed(srv_b, d, len, 12), EIOT_OK); /* the real one still counts */
	expect_read(srv_b, "from B");
	rig_down(&a);
	rig_down(&b);
}

/* RFC 9146 §6: a spoofed record with the peer's valid CID, a replay of an authentic one, or an
 * authentic one older than the newest never allow a move; the next new authentic one does. */
static void test_spoofed_cid_record_does_not_move_the_peer(void **state)
{
	(void)state;
	struct rig r;
	uint8_t d1[256], d2[256], forged[256];
	size_t sn;
	rig_up_cid(&r, 4, 8, 7);
	struct eiot_conn *cli = r.p->conn[PUMP_CLIENT], *srv = r.p->conn[PUMP_SERVER];
	eiot_conn_own_cid(srv, &sn);
	size_t l1 = record_of(cli, "first", d1, sizeof(d1));
	size_t l2 = record_of(cli, "second", d2, sizeof(d2));

	memcpy(forged, d2, l2);
	forged[l2 - 1] ^= 0x01; /* the attacker knows the CID, not the keys */
	assert_int_equal(eiot_conn_feed(srv, forged, l2, 10), EIOT_OK);
	assert_false(eiot_conn_peer_may_move(srv));
	expect_nothing(srv);

	assert_int_equal(eiot_conn_feed(srv, d2, l2, 11), EIOT_OK);
	assert_true(eiot_conn_peer_may_move(srv));
	expect_read(srv, "second");
	assert_int_equal(eiot_conn_feed(srv, d1, l1, 12), EIOT_OK); /* late but new: read, no move */
	assert_false(eiot_conn_peer_may_move(srv));
	expect_read(srv, "first");
	assert_int_equal(eiot_conn_feed(srv, d2, l2, 13), EIOT_OK); /* a replay */
	assert_false(eiot_conn_peer_may_move(srv));
	expect_nothing(srv);
	rig_down(&r);
}

/* A saved connection keeps both CIDs: the restored device's records still reach the server
 * by its CID. */
static void test_cid_survives_save_and_restore(void **state)
{
	(void)state;
	struct rig r;
	uint8_t st[EIOT_SAVED_MAX], d[256];
	size_t n, sn;
	rig_up_cid(&r, 4, 8, 8);
	const uint8_t *scid = eiot_conn_own_cid(r.p->conn[PUMP_SERVER], &sn);
	assert_int_equal(eiot_conn_save(r.p->conn[PUMP_CLIENT], 4, st, sizeof(st), &n), EIOT_OK);
	print_message("saved PSK connection with CIDs of 4 and 8 bytes: %zu bytes\n", n);
	assert_int_equal(n, 80 + 4 + 8);
	struct eiot_conn *dev;
	assert_int_equal(eiot_conn_restore(r.c, st, n, 100, &dev), EIOT_OK);
	assert_int_equal(eiot_conn_save(dev, 4, st, sizeof(st), &n), EIOT_OK);
	size_t len = record_of(dev, "after sleep", d, sizeof(d));
	expect_cid_record(d, len, scid, sn);
	assert_int_equal(eiot_conn_feed(r.p->conn[PUMP_SERVER], d, len, 101), EIOT_OK);
	expect_read(r.p->conn[PUMP_SERVER], "after sleep");
	len = record_of(r.p->conn[PUMP_SERVER], "welcome back", d, sizeof(d));
	assert_int_equal(eiot_conn_feed(dev, d, len, 102), EIOT_OK);
	expect_read(dev, "welcome back");
	eiot_conn_free(dev);
	rig_down(&r);
}

/* Datagrams between two connections until neither has any left (bounded). */
static void shuttle(struct eiot_conn *a, struct eiot_conn *b)
{
	uint8_t d[1500];
	size_t len;
	for (int round = 0, moved = 1; moved && round < 20; round++) {
		moved = 0;
		while (eiot_conn_output(a, d, sizeof(d), &len) == EIOT_OK && len && ++moved)
			eiot_conn_feed(b, d, len, (uint64_t)round);
		while (eiot_conn_output(b, d, sizeof(d), &len) == EIOT_OK && len && ++moved)
			eiot_conn_feed(a, d, len, (uint64_t)round);
	}
}

/* A server that routes by CID chooses the CIDs it gives (unique in its index): the chosen
 * one is what the client's records carry; it is dropped when the client offers no CIDs; it can
 * only be chosen before the ClientHello, for a server, at the configured length. */
static void test_server_gives_the_cid_it_chose(void **state)
{
	(void)state;
	static const uint8_t chosen[8] = "chosen!";
	for (int client_cid = 4; client_cid >= -1; client_cid -= 5) {
		struct eiot_config *cc = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
						      sizeof(psk_key), NULL);
		struct eiot_config *sc = pump_cfg_psk(EIOT_SERVER, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
						      sizeof(psk_key), NULL);
		if (client_cid >= 0)
			assert_int_equal(eiot_config_set_connection_id(cc, true, (size_t)client_cid), EIOT_OK);
		assert_int_equal(eiot_config_set_connection_id(sc, true, sizeof(chosen)), EIOT_OK);
		struct eiot_conn *cli = eiot_conn_new(cc, 0), *srv = eiot_conn_new(sc, 0);
		assert_non_null(cli);
		assert_non_null(srv);
		assert_int_equal(eiot_conn_set_own_cid(srv, chosen, 7), EIOT_ERR_BAD_PARAM);
		assert_int_equal(eiot_conn_set_own_cid(cli, chosen, 8), EIOT_ERR_WRONG_STATE);
		assert_int_equal(eiot_conn_set_own_cid(srv, chosen, sizeof(chosen)), EIOT_OK);
		shuttle(cli, srv);
		assert_int_equal(eiot_conn_state(cli), EIOT_STATE_ESTABLISHED);
		assert_int_equal(eiot_conn_state(srv), EIOT_STATE_ESTABLISHED);
		size_t n;
		const uint8_t *own = eiot_conn_own_cid(srv, &n);
		if (client_cid >= 0) {
			assert_int_equal(n, sizeof(chosen));
			assert_memory_equal(own, chosen, n);
		} else {
			assert_null(own);
			assert_int_equal(n, 0);
		}
		assert_int_equal(eiot_conn_set_own_cid(srv, chosen, sizeof(chosen)), EIOT_ERR_WRONG_STATE);
		uint8_t d[256];
		size_t len = record_of(cli, "routed", d, sizeof(d));
		if (client_cid >= 0)
			expect_cid_record(d, len, chosen, sizeof(chosen));
		else
			assert_int_equal(d[0], 23);
		assert_int_equal(eiot_conn_feed(srv, d, len, 50), EIOT_OK);
		expect_read(srv, "routed");
		eiot_conn_free(cli);
		eiot_conn_free(srv);
		eiot_config_free(cc);
		eiot_config_free(sc);
	}
}

static void expect_restore_refused(const struct eiot_config *cfg, const uint8_t *st, size_t n)
{
	struct eiot_conn *c;
	assert_int_equal(eiot_conn_restore(cfg, st, n, 0, &c), EIOT_ERR_BAD_SAVED_STATE);
	assert_null(c);
}

/* A state with CIDs is for a configuration that has them, with our CID's length: a client
 * configured without CIDs (its buffers have no room for them) or with another length refuses
 * it, and so does a state claiming an epoch other than 1, even with a valid check value. */
static void test_saved_cids_need_the_same_configuration(void **state)
{
	(void)state;
	struct rig r;
	uint8_t st[EIOT_SAVED_MAX], h[32];
	size_t n;
	rig_up_cid(&r, 4, 8, 9);
	assert_int_equal(eiot_conn_save(r.p->conn[PUMP_CLIENT], 4, st, sizeof(st), &n), EIOT_OK);
	struct eiot_config *off = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
					       sizeof(psk_key), NULL);
	struct eiot_config *other = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key,
						 sizeof(psk_key), NULL);
	assert_int_equal(eiot_config_set_connection_id(other, true, 5), EIOT_OK);
	expect_restore_refused(off, st, n);
	expect_restore_refused(other, st, n);
	st[5] = 2; /* epoch 2, check value made again */
	eiot_sha256(st, n - 8, h);
	memcpy(st + n - 8, h, 8);
	expect_restore_refused(r.c, st, n);
	eiot_config_free(off);
	eiot_config_free(other);
	rig_down(&r);
}

/* A CID longer than 16 bytes, or CIDs over TLS, cannot be configured. */
static void test_cid_configuration_refused(void **state)
{
	(void)state;
	struct eiot_config *d = eiot_config_new(EIOT_CLIENT, EIOT_DTLS), *t = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	assert_int_equal(eiot_config_set_connection_id(d, true, EIOT_MAX_CID + 1), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_config_set_connection_id(d, true, EIOT_MAX_CID), EIOT_OK);
	assert_int_equal(eiot_config_set_connection_id(t, true, 4), EIOT_ERR_BAD_PARAM);
	eiot_config_free(d);
	eiot_config_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cid_both_ways),
		cmocka_unit_test(test_cid_zero_length_side_gets_plain_records),
		cmocka_unit_test(test_cid_needs_both_sides),
		cmocka_unit_test(test_cid_from_another_peer_dropped),
		cmocka_unit_test(test_spoofed_cid_record_does_not_move_the_peer),
		cmocka_unit_test(test_cid_survives_save_and_restore),
		cmocka_unit_test(test_server_gives_the_cid_it_chose),
		cmocka_unit_test(test_saved_cids_need_the_same_configuration),
		cmocka_unit_test(test_cid_configuration_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
