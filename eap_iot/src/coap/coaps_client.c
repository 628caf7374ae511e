/*
 * coap/coaps_client.c — CoAPS to one server: the engine's DTLS client under CoAP's message
 * layer (RFC 7252 §9.1: one CoAP message per DTLS record).
 *
 * A request made during the handshake is held, encoded, in held[] and given to the message
 * layer once the handshake completed, so that CoAP's retransmission clock starts when the
 * message can actually leave.
 *
 * The DTLS session outlives its connection: after each handshake the client keeps what it needs
 * to resume (session ID or ticket). When the server ended the connection (close_notify: evicted,
 * idle) or seems to have forgotten it (a CON request got no answer at all), the next request
 * opens a new connection that offers the session, an abbreviated handshake when the server
 * still knows it.
 */
#include "eap_iot/features.h"
#if EIOT_WITH_CLIENT && EIOT_WITH_DTLS /* else left out of this build */

#include <stdlib.h>
#include <string.h>

#include "eap_iot/coap.h"
#include "eap_iot/conn.h"
#include "eap_iot/err.h"
#include "crypto/crypto.h"
#include "tls/config_int.h"
#include "util/bytes.h"
#include "util/log.h"

#define CALLBACKS 8 /* requests with a callback at once */

struct eiot_coaps_client {
	const struct eiot_config *cfg;
	struct eiot_conn *conn;
	struct eiot_coap_peer *peer;
	size_t max_message;
	uint8_t *held;     /* an encoded request waiting for the handshake */
	size_t held_len;
	uint8_t *msg;      /* the CoAP message being passed between the layers */
	struct eiot_session session; /* to resume (valid: there is one) */
	bool stale;        /* a CON went unanswered: the server may have lost the session */
	bool ever_established;
	bool kept;         /* the session of this connection is in session */
	unsigned connections;
	struct {           /* requests whose answers go to a callback (eiot_coaps_client_request_cb) */
		bool used;
		uint8_t token_len;
		uint8_t token[EIOT_COAP_MAX_TOKEN];
		eiot_coap_response_fn fn;
		void *user;
	} cb[CALLBACKS];
};

/* The callback waiting for ev's token, if any: it gets ev, which is then consumed. A response
 * that keeps an observation going (2.xx with Observe) keeps the callback; anything else ends it. */
static bool to_callback(struct eiot_coaps_client *cl, struct eiot_coap_event *ev)
{
	if (ev->kind != EIOT_COAP_EV_RESPONSE && ev->kind != EIOT_COAP_EV_FAILED)
		return false;
	for (size_t i = 0; i < CALLBACKS; i++) {
		if (!cl->cb[i].used || cl->cb[i].token_len != ev->msg.token_len ||
		    memcmp(cl->cb[i].token, ev->msg.token, ev->msg.token_len))
			continue;
		bool observing = ev->kind == EIOT_COAP_EV_RESPONSE && EIOT_COAP_CODE_CLASS(ev->msg.code) == 2 &&
				 eiot_coap_next_option(&ev->msg, EIOT_COAP_OPT_OBSERVE, NULL);
		cl->cb[i].used = observing;
		cl->cb[i].fn(cl->cb[i].user, ev);
		memset(ev, 0, sizeof(*ev));
		return true;
	}
	return false;
}

static int cfg_rand(void *cfg, uint8_t *out, size_t n)
{
	return cfg_random(cfg, out, n);
}

/* see eap_iot/coap.h */
void eiot_coaps_client_free(struct eiot_coaps_client *cl)
{
	if (!cl)
		return;
	eiot_conn_free(cl->conn);
	eiot_session_clear(&cl->session);
	eiot_coap_peer_free(cl->peer);
	free(cl->held);
	free(cl->msg);
	free(cl);
}

/* see eap_iot/coap.h */
struct eiot_coaps_client *eiot_coaps_client_new(const struct eiot_config *dtls,
						const struct eiot_coap_params *p, uint64_t now_ms)
{
	return eiot_coaps_client_new_resume(dtls, p, NULL, now_ms);
}

/* A client without its connection yet; NULL on a bad argument or ENOMEM. */
static struct eiot_coaps_client *client_alloc(const struct eiot_config *dtls, const struct eiot_coap_params *p)
{
	struct eiot_coap_params def;
	if (!p) {
		eiot_coap_params_default(&def);
		p = &def;
	}
	if (!dtls || eiot_config_transport(dtls) != EIOT_DTLS || eiot_config_role(dtls) != EIOT_CLIENT)
		return NULL;
	struct eiot_coaps_client *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return NULL;
	cl->cfg = dtls;
	cl->max_message = p->max_message;
	cl->held = malloc(p->max_message);
	cl->msg = malloc(p->max_message);
	cl->peer = eiot_coap_peer_new(p, cfg_rand, (void *)dtls);
	cl->connections = 1;
	if (!cl->held || !cl->msg || !cl->peer) {
		eiot_coaps_client_free(cl);
		return NULL;
	}
	return cl;
}

/* see eap_iot/coap.h */
struct eiot_coaps_client *eiot_coaps_client_new_resume(const struct eiot_config *dtls,
						       const struct eiot_coap_params *p,
						       const struct eiot_session *s, uint64_t now_ms)
{
	struct eiot_coaps_client *cl = client_alloc(dtls, p);
	if (!cl)
		return NULL;
	if (s && s->valid)
		cl->session = *s;
	cl->conn = cl->session.valid ? eiot_conn_new_resume(dtls, &cl->session, now_ms) : eiot_conn_new(dtls, now_ms);
	if (!cl->conn) {
		eiot_coaps_client_free(cl);
		return NULL;
	}
	return cl;
}

#if EIOT_WITH_SAVE
/* The check after the connection's state and the Message ID: SHA-256 over both, 4 bytes. */
static void saved_check(const uint8_t *p, size_t n, uint8_t out[4])
{
	uint8_t h[32];
	eiot_sha256(p, n, h);
	memcpy(out, h, 4);
}

/* see eap_iot/coap.h */
int eiot_coaps_client_save(struct eiot_coaps_client *cl, uint32_t reserve, uint8_t *out, size_t cap,
			   size_t *len)
{
	if (!cl || !out || !len)
		return EIOT_ERR_BAD_PARAM;
	*len = 0;
	if (cap < 6)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	/* each save moves the stored MID on by reserve: a small bound keeps many saves within one
	 * EXCHANGE_LIFETIME (RFC 7252 §4.8.2) from coming round to a MID the server still knows */
	if (reserve > EIOT_COAPS_MAX_RESERVE)
		return EIOT_ERR_BAD_PARAM;
	size_t n;
	int err = eiot_conn_save(cl->conn, reserve, out, cap - 6, &n);
	if (err)
		return err;
	/* each reserved record can carry one new MID; a client restored from this state (after a
	 * crash, say) starts after all of them, not on one the server saw (RFC 7252 §4.5) */
	st_be16(out + n, (uint16_t)(eiot_coap_peer_next_mid(cl->peer) + reserve));
	saved_check(out, n + 2, out + n + 2);
	*len = n + 6;
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coaps_client_restore(const struct eiot_config *dtls, const struct eiot_coap_params *p,
			      const uint8_t *saved, size_t len, uint64_t now_ms, struct eiot_coaps_client **out)
{
	uint8_t check[4];
	if (!out)
		return EIOT_ERR_BAD_PARAM;
	*out = NULL;
	if (!saved || !dtls || eiot_config_transport(dtls) != EIOT_DTLS || eiot_config_role(dtls) != EIOT_CLIENT)
		return EIOT_ERR_BAD_PARAM;
	if (len >= 6)
		saved_check(saved, len - 4, check);
	if (len < 6 || !eiot_ct_eq(check, saved + len - 4, 4)) {
		EIOT_LOG(dtls, EIOT_LOG_ERROR, "coaps: saved client corrupted or truncated (%zu bytes)", len);
		return EIOT_ERR_BAD_SAVED_STATE;
	}
	struct eiot_coaps_client *cl = client_alloc(dtls, p);
	if (!cl)
		return EIOT_ERR_NO_MEMORY;
	int err = eiot_conn_restore(dtls, saved, len - 6, now_ms, &cl->conn);
	if (err) {
		eiot_coaps_client_free(cl);
		return err;
	}
	eiot_coap_peer_set_next_mid(cl->peer, ld_be16(saved + len - 6));
	cl->ever_established = cl->kept = true; /* no session to resume: a lost one means a full handshake */
	*out = cl;
	return EIOT_OK;
}
#endif

/* Whether the connection may send a record now: a saved one only within its reservation. */
static bool may_send(const struct eiot_coaps_client *cl)
{
#if EIOT_WITH_SAVE
	return eiot_conn_save_left(cl->conn) > 0;
#else
	(void)cl;
	return true;
#endif
}

/* Move what the message layer wants to send into DTLS records. Past a saved reservation the
 * messages wait in the layer (eiot_coaps_client_output says EIOT_ERR_SAVE_NEEDED). */
static int flush(struct eiot_coaps_client *cl)
{
	size_t len, written;
	int err = EIOT_OK;
	if (eiot_conn_state(cl->conn) != EIOT_STATE_ESTABLISHED)
		return EIOT_OK;
	while (may_send(cl) && !(err = eiot_coap_peer_output(cl->peer, cl->msg, cl->max_message, &len)) && len) {
		err = eiot_conn_write(cl->conn, cl->msg, len, &written);
		if (!err && written != len)
			err = EIOT_ERR_BUFFER_TOO_SMALL; /* a CoAP message over the record size */
		if (err)
			return err;
	}
	return err;
}

/* The handshake completed: keep the session, and the held request goes to the message layer. */
static int release_held(struct eiot_coaps_client *cl, uint64_t now)
{
	if (eiot_conn_state(cl->conn) != EIOT_STATE_ESTABLISHED)
		return EIOT_OK;
	if (!cl->kept) { /* a resumption may have brought a new ticket */
		cl->ever_established = cl->kept = true;
		if (eiot_conn_get_session(cl->conn, &cl->session))
			eiot_session_clear(&cl->session); /* the server offers no way to resume */
	}
	if (!cl->held_len)
		return EIOT_OK;
	struct eiot_coap_msg m;
	int err = eiot_coap_decode(&m, cl->held, cl->held_len);
	cl->held_len = 0;
	if (!err)
		err = eiot_coap_peer_request(cl->peer, &m, now);
	return err ? err : flush(cl);
}

/* A session that the server ended (close_notify, a fatal alert after the handshake) or that
 * looks lost (stale) is replaced by a new connection offering it. A handshake that never
 * completed is not retried: its error stands. */
static int reconnect_if_needed(struct eiot_coaps_client *cl, uint64_t now)
{
	enum eiot_state st = eiot_conn_state(cl->conn);
	if (!cl->ever_established || st == EIOT_STATE_HANDSHAKE || (st == EIOT_STATE_ESTABLISHED && !cl->stale))
		return EIOT_OK;
	if (st == EIOT_STATE_FAILED)
		eiot_session_clear(&cl->session); /* RFC 5246 §7.2.2: not resumable after a fatal alert */
	struct eiot_conn *n = cl->session.valid ? eiot_conn_new_resume(cl->cfg, &cl->session, now)
						: eiot_conn_new(cl->cfg, now);
	if (!n)
		return EIOT_ERR_NO_MEMORY;
	eiot_conn_free(cl->conn);
	cl->conn = n;
	cl->connections++;
	cl->kept = cl->stale = false;
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coaps_client_request(struct eiot_coaps_client *cl, struct eiot_coap_msg *req, uint64_t now_ms)
{
	if (!cl || !req)
		return EIOT_ERR_BAD_PARAM;
	if (cl->held_len)
		return EIOT_ERR_WANT_MORE;
	if (!req->token_len) { /* §5.3.1: a random token, so that responses cannot be guessed */
		if (cfg_random(cl->cfg, req->token, 4))
			return EIOT_ERR_CRYPTO;
		req->token_len = 4;
	}
	int err = reconnect_if_needed(cl, now_ms);
	if (err)
		return err;
	if (eiot_conn_state(cl->conn) == EIOT_STATE_ESTABLISHED) {
		if (!may_send(cl))
			return EIOT_ERR_SAVE_NEEDED; /* a restored or saved client: save first */
		err = eiot_coap_peer_request(cl->peer, req, now_ms);
		return err ? err : flush(cl);
	}
	if (eiot_conn_state(cl->conn) != EIOT_STATE_HANDSHAKE)
		return eiot_conn_error(cl->conn) ? eiot_conn_error(cl->conn) : EIOT_ERR_CLOSED;
	return eiot_coap_encode(req, cl->held, cl->max_message, &cl->held_len);
}

/* see eap_iot/coap.h */
int eiot_coaps_client_feed(struct eiot_coaps_client *cl, const uint8_t *dgram, size_t len,
			   uint64_t now_ms)
{
	if (!cl)
		return EIOT_ERR_BAD_PARAM;
	if (eiot_conn_state(cl->conn) == EIOT_STATE_CLOSED)
		return EIOT_OK; /* that connection is over; the next request opens another */
	int err = eiot_conn_feed(cl->conn, dgram, len, now_ms);
	return err ? err : release_held(cl, now_ms);
}

/* see eap_iot/coap.h */
int eiot_coaps_client_event(struct eiot_coaps_client *cl, uint64_t now_ms, struct eiot_coap_event *ev)
{
	size_t len;
	if (!cl || !ev)
		return EIOT_ERR_BAD_PARAM;
	memset(ev, 0, sizeof(*ev));
	while (ev->kind == EIOT_COAP_EV_NONE) {
		int err = eiot_conn_read(cl->conn, cl->msg, cl->max_message, &len);
		if (err == EIOT_ERR_WANT_MORE || err == EIOT_ERR_WRONG_STATE)
			return EIOT_OK;
		if (err)
			return err;
		/* a message the layer refuses (format error) was answered or dropped there */
		eiot_coap_peer_receive(cl->peer, cl->msg, len, now_ms, ev);
		if ((err = flush(cl)))
			return err;
		to_callback(cl, ev);
	}
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coaps_client_output(struct eiot_coaps_client *cl, uint8_t *buf, size_t cap, size_t *len)
{
	if (!cl)
		return EIOT_ERR_BAD_PARAM;
	int err = flush(cl);
	if (!err)
		err = eiot_conn_output(cl->conn, buf, cap, len);
	if (!err && !*len && eiot_conn_state(cl->conn) == EIOT_STATE_ESTABLISHED && !may_send(cl) &&
	    eiot_coap_peer_waiting(cl->peer))
		err = EIOT_ERR_SAVE_NEEDED;
	return err;
}

/* see eap_iot/coap.h */
uint64_t eiot_coaps_client_next_timer(const struct eiot_coaps_client *cl)
{
	if (!cl)
		return UINT64_MAX;
	uint64_t a = eiot_conn_next_timer(cl->conn), b = eiot_coap_peer_next_timer(cl->peer);
	return a < b ? a : b;
}

/* see eap_iot/coap.h */
int eiot_coaps_client_tick(struct eiot_coaps_client *cl, uint64_t now_ms, struct eiot_coap_event *ev)
{
	if (!cl || !ev)
		return EIOT_ERR_BAD_PARAM;
	memset(ev, 0, sizeof(*ev));
	int err = eiot_conn_tick(cl->conn, now_ms);
	if (err)
		return err;
	do {
		if ((err = eiot_coap_peer_tick(cl->peer, now_ms, ev)))
			return err;
		if (ev->kind == EIOT_COAP_EV_FAILED && ev->err == EIOT_ERR_TIMEOUT)
			cl->stale = true; /* not even an ACK: the next request starts over, resuming */
	} while (to_callback(cl, ev));
	return flush(cl);
}

/* see eap_iot/coap.h */
const struct eiot_conn *eiot_coaps_client_conn(const struct eiot_coaps_client *cl)
{
	return cl ? cl->conn : NULL;
}

/* see eap_iot/coap.h */
int eiot_coaps_client_request_cb(struct eiot_coaps_client *cl, struct eiot_coap_msg *req,
				 eiot_coap_response_fn fn, void *user, uint64_t now_ms)
{
	size_t i = 0;
	if (!cl || !fn)
		return EIOT_ERR_BAD_PARAM;
	while (i < CALLBACKS && cl->cb[i].used)
		i++;
	if (i == CALLBACKS)
		return EIOT_ERR_WANT_MORE;
	int err = eiot_coaps_client_request(cl, req, now_ms);
	if (err)
		return err;
	cl->cb[i].used = true;
	cl->cb[i].token_len = req->token_len;
	memcpy(cl->cb[i].token, req->token, req->token_len);
	cl->cb[i].fn = fn;
	cl->cb[i].user = user;
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coaps_client_cancel(struct eiot_coaps_client *cl, const uint8_t *token, size_t token_len)
{
	if (!cl)
		return EIOT_ERR_BAD_PARAM;
	for (size_t i = 0; i < CALLBACKS; i++)
		if (cl->cb[i].used && cl->cb[i].token_len == token_len && !memcmp(cl->cb[i].token, token, token_len))
			cl->cb[i].used = false;
	return eiot_coap_peer_cancel(cl->peer, token, token_len);
}

/* see eap_iot/coap.h */
int eiot_coaps_client_session(const struct eiot_coaps_client *cl, struct eiot_session *out)
{
	if (!cl || !out)
		return EIOT_ERR_BAD_PARAM;
	if (!cl->session.valid)
		return EIOT_ERR_WANT_MORE;
	*out = cl->session;
	return EIOT_OK;
}

/* see eap_iot/coap.h */
unsigned eiot_coaps_client_connections(const struct eiot_coaps_client *cl)
{
	return cl ? cl->connections : 0;
}

/* see eap_iot/coap.h */
int eiot_coaps_client_close(struct eiot_coaps_client *cl)
{
	return cl ? eiot_conn_close(cl->conn) : EIOT_ERR_BAD_PARAM;
}

#endif /* EIOT_WITH_CLIENT && EIOT_WITH_DTLS */
