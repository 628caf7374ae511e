/*
 * tests/unit/test_engine_resume.c — resumption end to end in memory (RFC 5246 session IDs,
 * RFC 5077 tickets, RFC 7627 §5.3): a full handshake, the client keeps its session, and a
 * second pair of connections resumes it, over TLS and DTLS (with the cookie exchange), PSK
 * and certificates. Every way a session must not resume (ticket expired, tampered, sealed
 * with a rotated-out key; cache entry evicted or expired; other transport) ends in a full
 * handshake that succeeds, and an extended master secret mismatch is refused as RFC 7627
 * §5.3 says (server: full handshake; client: handshake_failure). A side that requires EMS
 * refuses a full handshake without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"
#include "tls/conn_int.h"
#include "tls/msgs.h"

#define LIFETIME_S 60

static const uint8_t psk_id[] = "resume-device";
static const uint8_t psk_key[16] = "0123456789abcdef";

struct rig {
	struct eiot_config *cfg[2];
	struct eiot_session_cache *cache;
	struct eiot_session sess;
	uint64_t seed;
	uint64_t rng; /* the configurations' random source between pumps */
};

/* xorshift64*, for the session cache when no pump is running */
static int rig_random(void *user, uint8_t *out, size_t n)
{
	uint64_t *s = user;
	for (size_t i = 0; i < n; i++) {
		*s ^= *s >> 12;
		*s ^= *s << 25;
		*s ^= *s >> 27;
		out[i] = (uint8_t)((*s * 0x2545F4914F6CDD1DULL) >> 56);
	}
	return 0;
}

/* Free a pump; its random sources die with it, so the configurations get the rig's again. */
static void rig_done(struct rig *r, struct pump *p)
{
	pump_free(p);
	r->rng += 0x9E3779B97F4A7C15ULL;
	eiot_config_set_random(r->cfg[PUMP_CLIENT], rig_random, &r->rng);
	eiot_config_set_random(r->cfg[PUMP_SERVER], rig_random, &r->rng);
}

static void rig_init(struct rig *r, enum eiot_transport tr, bool psk, bool tickets,
		     size_t entries)
{
	memset(r, 0, sizeof(*r));
	if (psk) {
		r->cfg[PUMP_CLIENT] = pump_cfg_psk(EIOT_CLIENT, tr, psk_id, sizeof(psk_id) - 1, psk_key,
						   sizeof(psk_key), NULL);
		r->cfg[PUMP_SERVER] = pump_cfg_psk(EIOT_SERVER, tr, psk_id, sizeof(psk_id) - 1, psk_key,
						   sizeof(psk_key), NULL);
	} else {
		r->cfg[PUMP_CLIENT] = pump_cfg_cert_client(tr, true);
		r->cfg[PUMP_SERVER] = pump_cfg_cert_server(tr, "server", true);
	}
	assert_non_null(r->cfg[PUMP_CLIENT]);
	assert_non_null(r->cfg[PUMP_SERVER]);
	r->cache = eiot_session_cache_new(r->cfg[PUMP_SERVER], entries, LIFETIME_S);
	assert_non_null(r->cache);
	assert_int_equal(eiot_config_set_session_cache(r->cfg[PUMP_SERVER], r->cache), EIOT_OK);
	assert_int_equal(eiot_config_set_session_tickets(r->cfg[PUMP_CLIENT], tickets), EIOT_OK);
	r->seed = 100;
}

static void rig_free(struct rig *r)
{
	eiot_session_clear(&r->sess);
	eiot_config_free(r->cfg[0]);
	eiot_config_free(r->cfg[1]);
	eiot_session_cache_free(r->cache);
}

/* One handshake at start_ms offering s (NULL: none); returns the pump, run to the end. */
static struct pump *connect_at(struct rig *r, uint64_t start_ms, const struct eiot_session *s)
{
	struct pump *p = pump_new_resume(r->cfg[PUMP_CLIENT], r->cfg[PUMP_SERVER], r->seed++, start_ms, s);
	assert_non_null(p);
	assert_int_equal(pump_run(p), 0);
	return p;
}

/* Both ends agree on the keys: data crosses both ways and the exporters match. */
static void assert_same_keys(struct pump *p)
{
	uint8_t a[32], b[32], buf[64];
	size_t len;
	assert_true(pump_established(p));
	assert_int_equal(pump_write(p, PUMP_CLIENT, "ping", 4), 0);
	assert_int_equal(pump_read(p, PUMP_SERVER, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 4);
	assert_int_equal(pump_write(p, PUMP_SERVER, "pong", 4), 0);
	assert_int_equal(pump_read(p, PUMP_CLIENT, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 4);
	assert_int_equal(eiot_conn_export(p->conn[0], "EXPORTER-test", NULL, 0, a, 32), EIOT_OK);
	assert_int_equal(eiot_conn_export(p->conn[1], "EXPORTER-test", NULL, 0, b, 32), EIOT_OK);
	assert_memory_equal(a, b, 32);
}

static void assert_resumed(struct pump *p, bool resumed)
{
	assert_true(pump_established(p));
	assert_int_equal(eiot_conn_resumed(p->conn[PUMP_CLIENT]), resumed);
	assert_int_equal(eiot_conn_resumed(p->conn[PUMP_SERVER]), resumed);
	for (int side = 0; side < 2; side++) {
		struct eiot_peer_info pi;
		assert_int_equal(eiot_conn_peer_info(p->conn[side], &pi), EIOT_OK);
		assert_int_equal(pi.resumed, resumed);
		assert_null(pi.cert); /* not kept: eiot_config_set_keep_peer_cert is off */
	}
	assert_same_keys(p);
}

/* A full handshake whose session the client keeps in r->sess. */
static void first_handshake(struct rig *r, uint64_t start_ms)
{
	struct pump *p = connect_at(r, start_ms, NULL);
	assert_resumed(p, false);
	assert_int_equal(eiot_conn_get_session(p->conn[PUMP_CLIENT], &r->sess), EIOT_OK);
	assert_true(r->sess.valid);
	assert_int_equal(eiot_conn_get_session(p->conn[PUMP_SERVER], &r->sess), EIOT_ERR_WRONG_STATE);
	rig_done(r, p);
}

/* Full handshake, then a resumed one; the second conn pair is returned. */
static struct pump *full_then_resume(struct rig *r, uint64_t second_ms)
{
	first_handshake(r, 0);
	struct pump *p = connect_at(r, second_ms, &r->sess);
	return p;
}

static void check_session_id(enum eiot_transport tr, bool psk)
{
	struct rig r;
	rig_init(&r, tr, psk, false, 8);
	first_handshake(&r, 0);
	assert_int_equal(r.sess.id_len, 16); /* tls/session.h: SESS_ID_LEN */
	assert_int_equal(r.sess.ticket_len, 0);
	assert_true(r.sess.ems);
	assert_int_equal(eiot_session_cache_count(r.cache), 1);

	struct pump *p = connect_at(&r, 1000, &r.sess);
	assert_resumed(p, true);
	/* a DTLS server asks for the cookie when resuming too, unless allowed to skip it */
	assert_int_equal(p->hvr, tr == EIOT_DTLS ? 1 : 0);
	if (!psk) {
		uint8_t eui[8];
		assert_int_equal(eiot_conn_peer_eui64(p->conn[PUMP_SERVER], eui), EIOT_OK);
	}
	struct eiot_session again;
	assert_int_equal(eiot_conn_get_session(p->conn[PUMP_CLIENT], &again), EIOT_OK);
	assert_memory_equal(again.id, r.sess.id, 32);
	assert_memory_equal(again.master, r.sess.master, 48);
	eiot_session_clear(&again);
	rig_done(&r, p);
	rig_free(&r);
}

static void test_tls_session_id_psk(void **state)
{
	(void)state;
	check_session_id(EIOT_TLS, true);
}

static void test_tls_session_id_cert(void **state)
{
	(void)state;
	check_session_id(EIOT_TLS, false);
}

static void test_dtls_session_id_psk_with_cookie(void **state)
{
	(void)state;
	check_session_id(EIOT_DTLS, true);
}

static void test_dtls_session_id_cert(void **state)
{
	(void)state;
	check_session_id(EIOT_DTLS, false);
}

/* DTLS, resumed: the client sends the last flight, so losing it makes the server repeat its
 * flight, and the client answers with its own again (RFC 6347 §4.2.4). */
static enum pump_action drop_client_final(void *user, struct pump_unit *u)
{
	unsigned *dropped = user;
	/* C2S: ClientHello (no cookie needed to resume), then CCS + Finished */
	if (u->dir == PUMP_C2S && u->idx == 1) {
		(*dropped)++;
		return PUMP_DROP;
	}
	return PUMP_PASS;
}

/* A client must answer a HelloVerifyRequest while resuming, and when the server does not know
 * the session any more it gets a full handshake. */
static void test_dtls_client_resuming_answers_hvr(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_DTLS, true, true, 4);
	first_handshake(&r, 0);
	eiot_config_set_session_cache(r.cfg[PUMP_SERVER], NULL); /* forgets every session */
	struct pump *p = connect_at(&r, 1000, &r.sess);
	assert_resumed(p, false);
	assert_int_equal(p->hvr, 1);
	rig_done(&r, p);
	rig_free(&r);
}

/* RFC 6347 §4.2.1, opt-in: a resuming ClientHello skips the cookie exchange (one round trip
 * less; the server sends its flight to an address it has not verified). */
static void test_dtls_resume_without_cookie_when_allowed(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_DTLS, true, true, 4);
	assert_int_equal(eiot_config_set_resume_without_cookie(r.cfg[PUMP_SERVER], true), EIOT_OK);
	first_handshake(&r, 0);
	struct pump *p = connect_at(&r, 1000, &r.sess);
	assert_resumed(p, true);
	assert_int_equal(p->hvr, 0);
	rig_done(&r, p);
	rig_free(&r);
}

static void test_dtls_resumed_lost_client_final_flight(void **state)
{
	(void)state;
	struct rig r;
	unsigned dropped = 0;
	rig_init(&r, EIOT_DTLS, true, true, 4);
	/* no cookie exchange, so the client's second datagram is its final flight */
	assert_int_equal(eiot_config_set_resume_without_cookie(r.cfg[PUMP_SERVER], true), EIOT_OK);
	first_handshake(&r, 0);
	struct pump *p = pump_new_resume(r.cfg[0], r.cfg[1], 9, 1000, &r.sess);
	p->hook = drop_client_final;
	p->hook_user = &dropped;
	assert_int_equal(pump_run(p), 0);
	assert_int_equal(dropped, 1);
	assert_resumed(p, true);
	assert_true(p->count[PUMP_C2S] >= 3);
	rig_done(&r, p);
	rig_free(&r);
}

static void check_ticket(enum eiot_transport tr, bool psk)
{
	struct rig r;
	rig_init(&r, tr, psk, true, 8);
	first_handshake(&r, 0);
	assert_int_equal(r.sess.id_len, 0); /* stateless: no session ID, nothing cached */
	assert_true(r.sess.ticket_len > 0);
	assert_int_equal(r.sess.ticket_lifetime_hint, LIFETIME_S);
	assert_int_equal(eiot_session_cache_count(r.cache), 0);

	struct pump *p = connect_at(&r, 2000, &r.sess);
	assert_resumed(p, true);
	assert_int_equal(p->hvr, tr == EIOT_DTLS ? 1 : 0);
	struct eiot_session renewed;
	assert_int_equal(eiot_conn_get_session(p->conn[PUMP_CLIENT], &renewed), EIOT_OK);
	assert_true(renewed.ticket_len > 0);
	assert_memory_not_equal(renewed.ticket, r.sess.ticket, renewed.ticket_len);
	rig_done(&r, p);

	/* the renewed ticket resumes too */
	p = connect_at(&r, 3000, &renewed);
	assert_resumed(p, true);
	eiot_session_clear(&renewed);
	rig_done(&r, p);
	rig_free(&r);
}

static void test_tls_ticket_cert(void **state)
{
	(void)state;
	check_ticket(EIOT_TLS, false);
}

static void test_tls_ticket_psk(void **state)
{
	(void)state;
	check_ticket(EIOT_TLS, true);
}

static void test_dtls_ticket_psk(void **state)
{
	(void)state;
	check_ticket(EIOT_DTLS, true);
}

static void test_dtls_ticket_cert(void **state)
{
	(void)state;
	check_ticket(EIOT_DTLS, false);
}

static void test_ticket_expired_full_handshake(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_TLS, true, true, 8);
	struct pump *p = full_then_resume(&r, LIFETIME_S * 1000 + 1);
	assert_resumed(p, false);
	rig_done(&r, p);
	rig_free(&r);
}

static void test_ticket_tampered_full_handshake(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_TLS, false, true, 8);
	first_handshake(&r, 0);
	/* one flipped bit in the sealed state, and one in the key name */
	struct eiot_session bad = r.sess;
	bad.ticket[40] ^= 0x01;
	struct pump *p = connect_at(&r, 1000, &bad);
	assert_resumed(p, false);
	rig_done(&r, p);
	bad = r.sess;
	bad.ticket[0] ^= 0x80;
	p = connect_at(&r, 1000, &bad);
	assert_resumed(p, false);
	rig_done(&r, p);
	/* truncated */
	bad = r.sess;
	bad.ticket_len = 20;
	p = connect_at(&r, 1000, &bad);
	assert_resumed(p, false);
	rig_done(&r, p);
	eiot_session_clear(&bad);
	rig_free(&r);
}

static void test_ticket_rotated_key(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_TLS, true, true, 8);
	first_handshake(&r, 0);
	/* one rotation: the previous key still opens it */
	assert_int_equal(eiot_session_cache_rotate(r.cache, 500), EIOT_OK);
	struct pump *p = connect_at(&r, 1000, &r.sess);
	assert_resumed(p, true);
	rig_done(&r, p);
	/* two: its key is gone */
	assert_int_equal(eiot_session_cache_rotate(r.cache, 1500), EIOT_OK);
	assert_int_equal(eiot_session_cache_rotate(r.cache, 1600), EIOT_OK);
	p = connect_at(&r, 2000, &r.sess);
	assert_resumed(p, false);
	rig_done(&r, p);
	rig_free(&r);
}

static void test_cache_full_evicts_oldest(void **state)
{
	(void)state;
	struct rig r;
	struct eiot_session first;
	rig_init(&r, EIOT_TLS, true, false, 1);
	first_handshake(&r, 0);
	first = r.sess;
	first_handshake(&r, 100); /* the second session evicts the first */
	assert_int_equal(eiot_session_cache_count(r.cache), 1);
	struct pump *p = connect_at(&r, 200, &first);
	assert_resumed(p, false); /* and this third one evicts the second */
	rig_done(&r, p);
	p = connect_at(&r, 300, &r.sess);
	assert_resumed(p, false);
	struct eiot_session newest;
	assert_int_equal(eiot_conn_get_session(p->conn[PUMP_CLIENT], &newest), EIOT_OK);
	rig_done(&r, p);
	p = connect_at(&r, 400, &newest);
	assert_resumed(p, true);
	rig_done(&r, p);
	eiot_session_clear(&first);
	eiot_session_clear(&newest);
	rig_free(&r);
}

static void test_cache_entry_expired(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_DTLS, true, false, 4);
	struct pump *p = full_then_resume(&r, LIFETIME_S * 1000);
	assert_resumed(p, false);
	assert_int_equal(p->hvr, 1); /* nothing to resume: the cookie exchange runs */
	rig_done(&r, p);
	rig_free(&r);
}

static void test_session_of_other_transport_not_offered(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_TLS, true, true, 4);
	first_handshake(&r, 0);
	struct eiot_config *dc = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, sizeof(psk_id) - 1,
					      psk_key, sizeof(psk_key), NULL);
	struct eiot_conn *c = eiot_conn_new_resume(dc, &r.sess, 0);
	assert_non_null(c);
	uint8_t buf[1500];
	size_t len;
	assert_int_equal(eiot_conn_output(c, buf, sizeof(buf), &len), EIOT_OK);
	size_t hdr, body;
	struct pump_unit hello = { .buf = buf, .len = len, .plain = true };
	assert_true(pump_find_hs(&hello, true, HT_CLIENT_HELLO, &hdr, &body));
	assert_int_equal(buf[body + 2 + 32], 0); /* empty session_id */
	eiot_conn_free(c);
	eiot_config_free(dc);
	rig_free(&r);
}

/* A device whose PSK identity was taken out of the server's table (a new configuration on
 * the same session cache) must not come back by resuming: its ticket or session ID is
 * refused, and the full handshake fails on the unknown identity. */
static void check_revoked_psk_identity(bool tickets)
{
	static const uint8_t other_id[] = "another-device";
	struct rig r;
	struct pump_result res;
	rig_init(&r, EIOT_TLS, true, tickets, 4);
	first_handshake(&r, 0);
	struct eiot_config *revoked = pump_cfg_psk(EIOT_SERVER, EIOT_TLS, other_id,
						   sizeof(other_id) - 1, psk_key, sizeof(psk_key), NULL);
	assert_non_null(revoked);
	assert_int_equal(eiot_config_set_session_cache(revoked, r.cache), EIOT_OK);
	eiot_config_free(r.cfg[PUMP_SERVER]);
	r.cfg[PUMP_SERVER] = revoked;
	struct pump *p = connect_at(&r, 1000, &r.sess);
	pump_result(p, &res);
	assert_int_equal(res.state[PUMP_SERVER], EIOT_STATE_FAILED);
	assert_int_equal(res.err[PUMP_SERVER], EIOT_ERR_PSK_UNKNOWN_IDENTITY);
	assert_false(eiot_conn_resumed(p->conn[PUMP_SERVER]));
	rig_done(&r, p);
	rig_free(&r);
}

static void test_revoked_psk_identity_ticket_not_resumed(void **state)
{
	(void)state;
	check_revoked_psk_identity(true);
}

static void test_revoked_psk_identity_session_id_not_resumed(void **state)
{
	(void)state;
	check_revoked_psk_identity(false);
}

/* ---- RFC 7627 §5.3 ---- */

/* Rename the extended_master_secret extension (00 17 00 00: right before renegotiation_info
 * in our ClientHello, right after it in our ServerHello) in the first plaintext hello going
 * in dir: into an unknown type in the ClientHello, into an empty server_name (which a client
 * that sent SNI accepts) in the ServerHello. */
struct ems_strip {
	enum pump_dir dir;
	bool done;
	bool saw_full_flight; /* the server sent ServerHelloDone: a full handshake */
};

static enum pump_action strip_ems(void *user, struct pump_unit *u)
{
	static const uint8_t ch_pat[] = { 0x00, 0x17, 0x00, 0x00, 0xff, 0x01 };
	static const uint8_t sh_pat[] = { 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x17, 0x00, 0x00 };
	const uint8_t *pat = u->dir == PUMP_C2S ? ch_pat : sh_pat;
	size_t pat_len = u->dir == PUMP_C2S ? sizeof(ch_pat) : sizeof(sh_pat);
	size_t at = u->dir == PUMP_C2S ? 0 : 5;
	struct ems_strip *s = user;
	size_t hdr, body;
	if (u->dir == PUMP_S2C && pump_find_hs(u, false, HT_SERVER_HELLO_DONE, &hdr, &body))
		s->saw_full_flight = true;
	if (s->done || u->dir != s->dir || !u->plain)
		return PUMP_PASS;
	for (size_t i = 0; i + pat_len <= u->len; i++) {
		if (!memcmp(u->buf + i, pat, pat_len)) {
			u->buf[i + at] = u->dir == PUMP_C2S ? 0x7a : 0x00;
			u->buf[i + at + 1] = u->dir == PUMP_C2S ? 0x7a : 0x00;
			s->done = true;
			break;
		}
	}
	return PUMP_PASS;
}

static void test_ems_session_client_hello_without_ems_gets_full_handshake(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_TLS, true, true, 4);
	first_handshake(&r, 0);
	struct pump *p = pump_new_resume(r.cfg[0], r.cfg[1], 7, 1000, &r.sess);
	struct ems_strip s = { PUMP_C2S, false, false };
	p->hook = strip_ems;
	p->hook_user = &s;
	pump_run(p);
	assert_true(s.done);
	/* the server did not resume: it sent a full flight (the edited ClientHello then breaks
	 * the Finished exchange, which is the tamper detection doing its job) */
	assert_true(s.saw_full_flight);
	assert_false(eiot_conn_resumed(p->conn[PUMP_SERVER]));
	rig_done(&r, p);
	rig_free(&r);
}

static void test_ems_session_resumed_without_ems_client_aborts(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_TLS, false, false, 4);
	first_handshake(&r, 0);
	struct pump *p = pump_new_resume(r.cfg[0], r.cfg[1], 7, 1000, &r.sess);
	struct ems_strip s = { PUMP_S2C, false, false };
	p->hook = strip_ems;
	p->hook_user = &s;
	pump_run(p);
	assert_true(s.done);
	struct pump_result res;
	pump_result(p, &res);
	assert_int_equal(res.err[PUMP_CLIENT], EIOT_ERR_EMS_REQUIRED);
	assert_int_equal(res.alert_sent[PUMP_CLIENT], EIOT_ALERT_HANDSHAKE_FAILURE);
	rig_done(&r, p);
	rig_free(&r);
}

static void test_non_ems_session_resumed_with_ems_client_aborts(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_TLS, true, false, 4);
	first_handshake(&r, 0);
	/* the client's record says no EMS; the server's says EMS, and resumes with it */
	r.sess.ems = false;
	struct pump *p = connect_at(&r, 1000, &r.sess);
	struct pump_result res;
	pump_result(p, &res);
	assert_int_equal(res.err[PUMP_CLIENT], EIOT_ERR_EMS_REQUIRED);
	assert_int_equal(res.alert_sent[PUMP_CLIENT], EIOT_ALERT_HANDSHAKE_FAILURE);
	rig_done(&r, p);
	rig_free(&r);
}

/* eiot_config_set_require_ems: a full handshake without EMS is refused by the side that
 * requires it (handshake_failure); with EMS on both ends it goes through. */
static void check_required_ems_missing(enum pump_side requirer)
{
	struct rig r;
	struct pump_result res;
	/* certificates: the stripped ServerHello extension becomes a server_name the client sent */
	rig_init(&r, EIOT_TLS, false, false, 4);
	assert_int_equal(eiot_config_set_require_ems(r.cfg[requirer], true), EIOT_OK);
	first_handshake(&r, 0);
	struct pump *p = pump_new(r.cfg[0], r.cfg[1], 11);
	struct ems_strip s = { requirer == PUMP_SERVER ? PUMP_C2S : PUMP_S2C, false, false };
	p->hook = strip_ems;
	p->hook_user = &s;
	pump_run(p);
	assert_true(s.done);
	pump_result(p, &res);
	assert_int_equal(res.state[requirer], EIOT_STATE_FAILED);
	assert_int_equal(res.err[requirer], EIOT_ERR_EMS_REQUIRED);
	assert_int_equal(res.alert_sent[requirer], EIOT_ALERT_HANDSHAKE_FAILURE);
	rig_done(&r, p);
	rig_free(&r);
}

static void test_server_requiring_ems_refuses_client_hello_without_it(void **state)
{
	(void)state;
	check_required_ems_missing(PUMP_SERVER);
}

static void test_client_requiring_ems_refuses_server_hello_without_it(void **state)
{
	(void)state;
	check_required_ems_missing(PUMP_CLIENT);
}

/* A pool of servers sharing ticket keys (eiot_session_cache_set_ticket_keys, as AAA servers
 * behind one NAS do): a ticket sealed by one is resumed by the other, across one rotation done
 * by whoever shares the keys, not after a second one; shared keys never rotate by themselves. */
static void test_shared_ticket_keys_pool(void **state)
{
	(void)state;
	struct rig r;
	uint8_t k1[EIOT_TICKET_KEY_LEN], k2[EIOT_TICKET_KEY_LEN], k3[EIOT_TICKET_KEY_LEN],
		k4[EIOT_TICKET_KEY_LEN];
	memset(k1, 0x11, sizeof(k1));
	memset(k2, 0x22, sizeof(k2));
	memset(k3, 0x33, sizeof(k3));
	memset(k4, 0x44, sizeof(k4));
	rig_init(&r, EIOT_TLS, false, true, 8);
	struct eiot_config *second = pump_cfg_cert_server(EIOT_TLS, "server", true);
	assert_non_null(second);
	eiot_config_set_random(second, rig_random, &r.rng);
	struct eiot_session_cache *second_cache = eiot_session_cache_new(second, 8, LIFETIME_S);
	assert_non_null(second_cache);
	assert_int_equal(eiot_config_set_session_cache(second, second_cache), EIOT_OK);
	assert_int_equal(eiot_session_cache_set_ticket_keys(r.cache, k1, k2), EIOT_OK);
	assert_int_equal(eiot_session_cache_set_ticket_keys(second_cache, k1, k2), EIOT_OK);
	first_handshake(&r, 0); /* sealed by the first server under k1 */
	assert_true(r.sess.ticket_len > 0);

	struct eiot_config *first = r.cfg[PUMP_SERVER];
	r.cfg[PUMP_SERVER] = second;
	struct pump *p = connect_at(&r, 1000, &r.sess);
	assert_resumed(p, true); /* the second server opens the first one's ticket */
	rig_done(&r, p);
	/* 59 s later: still the same keys (no rotation of their own), and within the lifetime */
	p = connect_at(&r, (LIFETIME_S - 1) * 1000, &r.sess);
	assert_resumed(p, true);
	rig_done(&r, p);
	/* rotation k3 (k1 previous): still resumed; one more, k4 (k3 previous): k1 is gone */
	assert_int_equal(eiot_session_cache_set_ticket_keys(second_cache, k3, k1), EIOT_OK);
	p = connect_at(&r, 2000, &r.sess);
	assert_resumed(p, true);
	rig_done(&r, p);
	assert_int_equal(eiot_session_cache_set_ticket_keys(second_cache, k4, k3), EIOT_OK);
	p = connect_at(&r, 3000, &r.sess);
	assert_resumed(p, false);
	rig_done(&r, p);
	assert_int_equal(eiot_session_cache_set_ticket_keys(NULL, k1, k2), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_session_cache_set_ticket_keys(second_cache, NULL, k2), EIOT_ERR_BAD_PARAM);

	r.cfg[PUMP_SERVER] = first;
	eiot_config_free(second);
	eiot_session_cache_free(second_cache);
	rig_free(&r);
}

struct lock_count {
	int locks, unlocks, depth;
	bool nested;
};

static void count_lock(void *user)
{
	struct lock_count *c = user;
	c->locks++;
	c->nested |= ++c->depth > 1;
}

static void count_unlock(void *user)
{
	struct lock_count *c = user;
	c->unlocks++;
	c->depth--;
}

/* Lock hooks (eiot_session_cache_set_lock, for a server's thread pool): every use of the cache
 * — storing a session ID, finding it, sealing and opening tickets — is bracketed, never
 * nested (a non-recursive mutex would deadlock). */
static void check_cache_lock_hooks(bool tickets)
{
	struct rig r;
	struct lock_count c = { 0 };
	rig_init(&r, EIOT_TLS, true, tickets, 8);
	assert_int_equal(eiot_session_cache_set_lock(r.cache, count_lock, count_unlock, &c), EIOT_OK);
	struct pump *p = full_then_resume(&r, 1000);
	assert_resumed(p, true);
	rig_done(&r, p);
	assert_true(c.locks >= 2); /* stored (or sealed), then found (or opened) */
	assert_int_equal(c.locks, c.unlocks);
	assert_int_equal(c.depth, 0);
	assert_false(c.nested);
	eiot_session_cache_count(r.cache);
	assert_int_equal(c.locks, c.unlocks);
	assert_int_equal(eiot_session_cache_set_lock(r.cache, count_lock, NULL, &c), EIOT_ERR_BAD_PARAM);
	assert_int_equal(eiot_session_cache_set_lock(NULL, count_lock, count_unlock, &c),
			 EIOT_ERR_BAD_PARAM);
	rig_free(&r);
}

static void test_cache_lock_hooks_session_id(void **state)
{
	(void)state;
	check_cache_lock_hooks(false);
}

static void test_cache_lock_hooks_ticket(void **state)
{
	(void)state;
	check_cache_lock_hooks(true);
}

static void test_api_misuse(void **state)
{
	(void)state;
	struct eiot_config *c = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	assert_null(eiot_session_cache_new(c, 0, 60));
	assert_null(eiot_session_cache_new(c, 4, 0));
	assert_null(eiot_session_cache_new(NULL, 4, 60));
	struct eiot_session_cache *sc = eiot_session_cache_new(c, 4, 60);
	assert_non_null(sc);
	assert_int_equal(eiot_config_set_session_cache(c, sc), EIOT_ERR_BAD_PARAM); /* a client */
	assert_null(eiot_conn_new_resume(c, NULL, 0));
	eiot_session_cache_free(sc);
	eiot_session_cache_free(NULL);
	eiot_session_clear(NULL);
	eiot_config_free(c);
}

/* A DTLS server keeps its last flight (NewSessionTicket, CCS, Finished) after the handshake,
 * in the region whose end is its output queue (tls/conn.c): records queued there leave the
 * flight as it was, and it goes out again whole when the client repeats its own. */
static void test_dtls_kept_ticket_flight_and_queued_records_apart(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, EIOT_DTLS, true, true, 4);
	assert_int_equal(eiot_config_set_max_record(r.cfg[PUMP_SERVER], 1024), EIOT_OK);
	struct pump *p = connect_at(&r, 0, NULL);
	assert_true(pump_established(p));
	struct eiot_conn *srv = p->conn[PUMP_SERVER];
	size_t kept = srv->flight.used, w;
	assert_true(kept > HS_DTLS_HEADER + 6 + 64); /* a ticket is in it */
	uint8_t *copy = malloc(kept), data[1024];
	assert_non_null(copy);
	memcpy(copy, srv->flight.buf, kept);
	memset(data, 0x77, sizeof(data));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(eiot_conn_write(srv, data, sizeof(data), &w), EIOT_OK);
		assert_int_equal(w, sizeof(data));
	}
	assert_memory_equal(srv->flight.buf, copy, kept);
	hs_flight_resend(srv);
	assert_true(srv->flight.pending);
	assert_int_equal(pump_run(p), 0);
	for (int i = 0; i < 2; i++) {
		uint8_t got[1024];
		size_t len;
		assert_int_equal(pump_read(p, PUMP_CLIENT, got, sizeof(got), &len), EIOT_OK);
		assert_int_equal(len, sizeof(got));
		assert_memory_equal(got, data, len);
	}
	assert_same_keys(p);
	free(copy);
	rig_done(&r, p);
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_session_id_psk),
		cmocka_unit_test(test_tls_session_id_cert),
		cmocka_unit_test(test_dtls_session_id_psk_with_cookie),
		cmocka_unit_test(test_dtls_session_id_cert),
		cmocka_unit_test(test_tls_ticket_cert),
		cmocka_unit_test(test_tls_ticket_psk),
		cmocka_unit_test(test_dtls_ticket_psk),
		cmocka_unit_test(test_dtls_kept_ticket_flight_and_queued_records_apart),
		cmocka_unit_test(test_dtls_ticket_cert),
		cmocka_unit_test(test_dtls_client_resuming_answers_hvr),
		cmocka_unit_test(test_dtls_resume_without_cookie_when_allowed),
		cmocka_unit_test(test_dtls_resumed_lost_client_final_flight),
		cmocka_unit_test(test_ticket_expired_full_handshake),
		cmocka_unit_test(test_ticket_tampered_full_handshake),
		cmocka_unit_test(test_ticket_rotated_key),
		cmocka_unit_test(test_cache_full_evicts_oldest),
		cmocka_unit_test(test_cache_entry_expired),
		cmocka_unit_test(test_session_of_other_transport_not_offered),
		cmocka_unit_test(test_revoked_psk_identity_ticket_not_resumed),
		cmocka_unit_test(test_revoked_psk_identity_session_id_not_resumed),
		cmocka_unit_test(test_ems_session_client_hello_without_ems_gets_full_handshake),
		cmocka_unit_test(test_ems_session_resumed_without_ems_client_aborts),
		cmocka_unit_test(test_non_ems_session_resumed_with_ems_client_aborts),
		cmocka_unit_test(test_server_requiring_ems_refuses_client_hello_without_it),
		cmocka_unit_test(test_client_requiring_ems_refuses_server_hello_without_it),
		cmocka_unit_test(test_shared_ticket_keys_pool),
		cmocka_unit_test(test_cache_lock_hooks_session_id),
		cmocka_unit_test(test_cache_lock_hooks_ticket),
		cmocka_unit_test(test_api_misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
