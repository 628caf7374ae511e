/*
 * tests/unit/psk_rig.h — a DTLS PSK session between two engines in a pump, handshake done,
 * for the tests of what comes after it (saved connections, connection IDs). Include after
 * <cmocka.h> and "pump.h"; the test defines psk_id[] and psk_key[].
 */
#ifndef EIOT_TESTS_PSK_RIG_H
#define EIOT_TESTS_PSK_RIG_H

struct rig {
	struct eiot_config *c, *s;
	struct pump *p;
};

/* Each side's connection ID length, or -1 for CIDs off on that side. */
static void rig_up_cid(struct rig *r, int client_cid, int server_cid, uint64_t seed)
{
	r->c = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key, sizeof(psk_key), NULL);
	r->s = pump_cfg_psk(EIOT_SERVER, EIOT_DTLS, psk_id, sizeof(psk_id) - 1, psk_key, sizeof(psk_key), NULL);
	assert_non_null(r->c);
	assert_non_null(r->s);
	if (client_cid >= 0)
		assert_int_equal(eiot_config_set_connection_id(r->c, true, (size_t)client_cid), EIOT_OK);
	if (server_cid >= 0)
		assert_int_equal(eiot_config_set_connection_id(r->s, true, (size_t)server_cid), EIOT_OK);
	r->p = pump_new(r->c, r->s, seed);
	assert_non_null(r->p);
	assert_int_equal(pump_run(r->p), 0);
	assert_true(pump_established(r->p));
}

static void rig_down(struct rig *r)
{
	pump_free(r->p);
	eiot_config_free(r->c);
	eiot_config_free(r->s);
}

/* The next datagram from a connection (asserted present). */
static size_t next_dgram(struct eiot_conn *from, uint8_t *d, size_t cap)
{
	size_t len;
	assert_int_equal(eiot_conn_output(from, d, cap, &len), EIOT_OK);
	assert_true(len > 0);
	return len;
}

/* The next record c received holds exactly msg. */
static void expect_read(struct eiot_conn *c, const char *msg)
{
	uint8_t buf[256];
	size_t len;
	assert_int_equal(eiot_conn_read(c, buf, sizeof(buf), &len), EIOT_OK);
	assert_int_equal(len, strlen(msg));
	assert_memory_equal(buf, msg, len);
}

#endif
