/*
 * tls/conn.c — the public connection API (eap_iot/conn.h): one allocation carved into the
 * connection's buffers, the output side (flight records first, then the queue of alerts and
 * application data), application data in and out, timers, close, failure and the getters.
 * Receiving is in conn_rx.c, the handshake in hs_io.c, client.c and server.c, the compact
 * form of an established DTLS connection in conn_compact.c.
 */
#include "tls/conn_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/cached_info.h"
#include "tls/keys.h"
#include "tls/session.h"
#include "util/bytes.h"

/* A server's flight: the fixed-size messages (ServerHello, ServerKeyExchange, a
 * CertificateRequest naming our anchors, NewSessionTicket, Finished) on top of our chain. */
#define FLIGHT_FIXED_BYTES 2048
/* ... when no certificate messages exist (a PSK-only build) */
#define FLIGHT_PSK_BYTES 768
/* A client's flight after the hellos, beyond its chain: the headers of Certificate (or a raw
 * key's 91-byte SubjectPublicKeyInfo), ClientKeyExchange (a 65-byte point or a 128-byte PSK
 * identity), CertificateVerify (a 72-byte signature) and Finished, with room to spare; a
 * CertificateURL adds its URL. */
#define CLIENT_FLIGHT_FIXED_BYTES 512

/* The largest flight of ours (its handshake messages with their headers). */
static size_t flight_bytes(const struct eiot_config *cfg, const struct eiot_session *s, size_t chain)
{
	if (!EIOT_WITH_CLIENT || cfg->role == EIOT_SERVER)
		return (EIOT_WITH_ECDHE ? FLIGHT_FIXED_BYTES : FLIGHT_PSK_BYTES) + chain;
	/* a client: its ClientHello, or the flight that ends its full handshake (without ECDHE:
	 * ClientKeyExchange with the identity, CCS, Finished) */
	size_t url = EIOT_WITH_CERT_URL && cfg->own_cert_url ? strlen(cfg->own_cert_url) : 0;
	size_t id = cfg->n_psk ? cfg->psk[0].identity_len : EIOT_MAX_PSK_IDENTITY;
	size_t last = EIOT_WITH_ECDHE ? CLIENT_FLIGHT_FIXED_BYTES + chain + url : 2 * HS_DTLS_HEADER + 2 + id + 12;
	size_t hello = client_hello_bound(cfg, s);
	return hello > last ? hello : last;
}

/* The flight the sender of a handshake's last flight keeps once the handshake is over, to
 * answer a repeated peer flight (RFC 6347 §4.2.4): ChangeCipherSpec and Finished, after a
 * server's NewSessionTicket. A client sends the last flight only when it resumes. Every other
 * flight is gone by then (conn_established). */
static size_t kept_flight_bytes(const struct eiot_config *cfg)
{
	size_t finished = HS_DTLS_HEADER + 12;
	if (cfg->role == EIOT_CLIENT)
		return EIOT_WITH_RESUMPTION ? finished : 0;
	return finished + (EIOT_WITH_RESUMPTION ? HS_DTLS_HEADER + 6 + SESS_TICKET_MAX : 0);
}

struct conn_layout {
	size_t rx, hs, bitmap, stage, flight, outq, app, session, total;
	size_t shared; /* DTLS: reassembly (bitmap + hs) during the handshake, app after it, and
			* at its end the protected record being opened (rx) */
};

static void conn_layout(const struct eiot_config *cfg, const struct eiot_session *s, struct conn_layout *l)
{
	bool dtls = cfg->transport == EIOT_DTLS;
	size_t rec_hdr = dtls ? REC_DTLS_HEADER : REC_TLS_HEADER;
	/* RFC 9146 §4: a CID in the header, the real content type inside */
	bool cid = EIOT_WITH_CID && cfg->cid;
	size_t record = rec_hdr + cfg_rx_record(cfg) + REC_MAX_EXPANSION + (cid ? cfg->cid_len + 1 : 0);
	size_t send = rec_hdr + cfg->max_record + REC_MAX_EXPANSION + (cid ? EIOT_MAX_PEER_CID + 1 : 0);
	size_t chain = 0;

	for (size_t i = 0; i < cfg->n_own_chain; i++)
		chain += 3 + cfg->own_chain_len[i];
	l->rx = align8(record);
	l->hs = align8(HS_DTLS_HEADER + cfg->max_handshake);
	l->bitmap = dtls ? align8((cfg->max_handshake + 7) / 8) : 0;
	/* stage: one record of a flight (TLS; DTLS builds a flight's datagrams in the caller's
	 * buffer); outq: two records of ours, each its own datagram in DTLS, and room for an alert */
	l->stage = dtls ? 0 : align8(send);
	l->outq = align8(2 * (2 + send) + 64);
	/* the output queue lies at the end of the flight's region: during the handshake it holds
	 * nothing (an alert goes out only when the flight is dropped: conn_fail, close), after it
	 * nothing but the kept flight lies before it */
	size_t flight = align8(flight_bytes(cfg, s, chain)), after = align8(kept_flight_bytes(cfg)) + l->outq;
	l->flight = flight > after ? flight : after;
	/* app: two records (DTLS: each with its length); TLS's stream takes more behind them */
	l->app = align8(2 * (2 + cfg_rx_record(cfg)) + (dtls ? 0 : 64));
	l->session = EIOT_WITH_RESUMPTION && cfg->role == EIOT_CLIENT ? align8(sizeof(struct eiot_session)) : 0;
	/* DTLS takes no handshake message once the handshake is over (hs_io.c), and no
	 * application data before: the two buffers are one (TLS keeps both, for HelloRequest).
	 * A protected record is opened at that region's end: after the handshake behind the
	 * application data, during it behind a message being reassembled, which a handshake
	 * protects only at its end (Finished); where the two would meet, hs_io.c and conn_rx.c
	 * drop the record, and its sender repeats it. */
	size_t reasm = l->hs + l->bitmap, app_rx = l->app + l->rx;
	l->shared = dtls ? (reasm > app_rx ? reasm : app_rx) : reasm + l->app;
	l->total = align8(sizeof(struct eiot_conn)) + (dtls ? 0 : l->rx) + l->shared + l->stage + l->flight +
		   l->session;
}

/* see tls/conn_int.h */
void conn_io_caps(const struct eiot_config *cfg, size_t *rx, size_t *outq, size_t *app)
{
	struct conn_layout l;
	conn_layout(cfg, NULL, &l);
	*rx = l.rx, *outq = l.outq, *app = l.app;
}

/* see eap_iot/conn.h */
size_t eiot_conn_size(const struct eiot_config *cfg)
{
	struct conn_layout l;
	if (!cfg)
		return 0;
	conn_layout(cfg, NULL, &l);
	return l.total;
}

/* A new connection; a client offers session s (NULL: none). */
static struct eiot_conn *conn_new(const struct eiot_config *cfg, const struct eiot_session *s,
				  uint64_t now_ms)
{
	struct conn_layout l;
	if (!cfg)
		return NULL;
	conn_layout(cfg, s, &l);
	uint8_t *mem = calloc(1, l.total);
	if (!mem)
		return NULL;
	struct eiot_conn *c = (struct eiot_conn *)mem;
	uint8_t *p = mem + align8(sizeof(*c));

	uint8_t *bitmap;
	c->rx_cap = l.rx, c->hs_cap = l.hs, c->app.cap = l.app;
	if (cfg->transport == EIOT_DTLS) {
		/* one region: bitmap and message, or the application data, then the record */
		bitmap = p, c->hs_buf = p + l.bitmap, c->app.buf = p;
		c->rx_buf = p + l.shared - l.rx;
	} else {
		c->rx_buf = p, p += l.rx;
		c->hs_buf = p, bitmap = NULL, c->app.buf = p + l.hs;
	}
	p += l.shared;
#if EIOT_WITH_TLS
	c->stage = p, c->stage_cap = l.stage;
#endif
	p += l.stage;
	c->flight.buf = p, c->flight.cap = l.flight, p += l.flight;
	c->outq.buf = p - l.outq, c->outq.cap = l.outq;
	c->session = l.session ? (struct eiot_session *)p : NULL;

	c->cfg = cfg;
	c->alloc_size = l.total;
	c->dtls = cfg->transport == EIOT_DTLS;
	c->is_client = cfg->role == EIOT_CLIENT;
	c->state = EIOT_STATE_HANDSHAKE;
	c->alert_sent = c->alert_recv = EIOT_ALERT_NONE;
	c->now = now_ms;
	c->rx_max = c->rx_limit = cfg_rx_record(cfg);
	c->tx_limit = cfg->max_record;
	for (int i = 0; i < 2; i++) {
		rec_dir_init(&c->tx[i], conn_dtls(c), i ? &c->tx_keys : NULL);
		rec_dir_init(&c->rx[i], conn_dtls(c), i ? &c->rx_keys : NULL);
	}
	replay_init(&c->replay);
	flight_init(&c->timer, cfg->rto_initial_ms, cfg->rto_max_ms, cfg->give_up_ms, now_ms);
	if (conn_dtls(c))
		reasm_init(&c->reasm, c->hs_buf, bitmap, cfg->max_handshake);
	eiot_sha256_init(&c->hs.transcript);
	c->hs.st = ST_S_EXPECT_CLIENT_HELLO;
	/* the first message a DTLS server takes starts the flight its first flight answers: a
	 * repeated ClientHello then gets that flight again at once (RFC 6347 §4.2.4) */
	c->hs.peer_flight_new = conn_dtls(c);
	if (conn_client(c)) {
		int err = client_start(c, s);
		if (err) {
			/* nothing was sent yet: fail without an alert */
			c->err = err;
			c->state = EIOT_STATE_FAILED;
		}
	}
	return c;
}

/* see eap_iot/conn.h */
struct eiot_conn *eiot_conn_new(const struct eiot_config *cfg, uint64_t now_ms)
{
	return conn_new(cfg, NULL, now_ms);
}

/* see eap_iot/conn.h */
struct eiot_conn *eiot_conn_new_resume(const struct eiot_config *cfg, const struct eiot_session *s,
				       uint64_t now_ms)
{
	if (!s)
		return NULL;
	return conn_new(cfg, s, now_ms);
}

/* see eap_iot/conn.h */
int eiot_conn_get_session(const struct eiot_conn *c, struct eiot_session *out)
{
	if (!c || !out)
		return EIOT_ERR_BAD_PARAM;
	if (!EIOT_WITH_RESUMPTION)
		return EIOT_ERR_NOT_IN_BUILD;
	/* RFC 5246 §7.2.2: a fatal alert makes the session unresumable */
	/* a restored connection (eiot_conn_restore) has no session to give */
	if (!conn_client(c) || c->hs.st != ST_DONE || c->state == EIOT_STATE_FAILED || !c->session)
		return EIOT_ERR_WRONG_STATE;
	if (!c->session->valid)
		return EIOT_ERR_WANT_MORE;
	*out = *c->session;
	return EIOT_OK;
}

/* see eap_iot/conn.h */
void eiot_session_clear(struct eiot_session *s)
{
	if (s)
		eiot_zeroize(s, sizeof(*s));
}

/* see eap_iot/conn.h */
bool eiot_conn_resumed(const struct eiot_conn *c)
{
	return c && c->hs.resumed && c->hs.st == ST_DONE;
}

/* see eap_iot/conn.h */
void eiot_conn_free(struct eiot_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++) {
		rec_dir_free(&c->tx[i]);
		rec_dir_free(&c->rx[i]);
	}
	eiot_sha256_free(&c->hs.transcript);
	conn_release_key_exchange(c);
#if EIOT_WITH_ECDHE
	free(c->peer.cert);
	free(c->peer.url);
#endif
	conn_io_discard(c);
	eiot_zeroize(c, c->alloc_size);
	free(c);
}

/* see tls/conn_int.h */
int (conn_error)(struct eiot_conn *c, int err, const char *fmt, ...)
{
	char line[224];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	EIOT_LOG(c->cfg, EIOT_LOG_ERROR, "%s", line);
	return err;
}

static void buf_compact(struct bytebuf *b)
{
	if (b->head) {
		memmove(b->buf, b->buf + b->head, b->len);
		b->head = 0;
	}
}

/* Protect one record with write state tx[t] into the output queue (DTLS: as one datagram). */
static int queue_record(struct eiot_conn *c, uint8_t t, uint8_t type, const uint8_t *pt, size_t n)
{
	struct bytebuf *q = &c->outq;
	struct rec_dir *d = &c->tx[t];
	size_t prefix = conn_dtls(c) ? 2 : 0;
	size_t need = prefix + rec_overhead(d) + n, out_len;

	if (t == 1 && !conn_seq_reserved(c))
		return EIOT_ERR_SAVE_NEEDED;
	if (!conn_io_acquire(c))
		return EIOT_ERR_NO_MEMORY;
	if (!c->compact && c->flight.used > c->flight.cap - q->cap)
		return conn_error(c, EIOT_ERR_INTERNAL, "rec: the kept flight reaches into the output queue");
	if (q->cap - q->head - q->len < need)
		buf_compact(q);
	if (q->cap - q->len < need)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	uint8_t *dst = q->buf + q->head + q->len;
	int err = rec_seal(d, type, conn_dtls(c) ? DTLS_VERSION_1_2 : TLS_VERSION_1_2, pt, n, dst + prefix,
			   q->cap - q->head - q->len - prefix, &out_len);
	if (err)
		return err;
	if (conn_dtls(c))
		st_be16(dst, (uint16_t)out_len);
	q->len += prefix + out_len;
	return 0;
}

/* The write state the peer expects next: a flight cut short before its CCS went out still
 * leaves the peer reading plaintext. */
static uint8_t alert_tx(const struct eiot_conn *c)
{
	const struct out_flight *f = &c->flight;
	if (c->state == EIOT_STATE_HANDSHAKE && f->pending && f->idx < f->n)
		return f->msg[f->idx].tx;
	return c->tx_cur;
}

/* Queue an alert record under write state t. */
static int conn_send_alert_with(struct eiot_conn *c, uint8_t t, uint8_t level, uint8_t desc)
{
	uint8_t body[2] = { level, desc };
	int err = queue_record(c, t, REC_CT_ALERT, body, 2);
	if (err)
		return conn_error(c, err, "alert: cannot queue alert %s (%s)", eiot_alert_str(desc),
				  eiot_err_str(err));
	c->alert_sent = desc;
	return 0;
}

/* see tls/conn_int.h */
int conn_send_alert(struct eiot_conn *c, uint8_t level, uint8_t desc)
{
	return conn_send_alert_with(c, alert_tx(c), level, desc);
}

/* see tls/conn_int.h */
void conn_release_key_exchange(struct eiot_conn *c)
{
	if (EIOT_WITH_ECDHE && c->hs.ec) {
		eiot_ecdh_free(&c->hs.ec->ecdh);
		eiot_pkey_free(&c->hs.ec->peer_key);
		eiot_zeroize(c->hs.ec, sizeof(*c->hs.ec));
		free(c->hs.ec);
		c->hs.ec = NULL;
	}
	ci_release(c);
}

/* see tls/conn_int.h */
int hs_ecdhe_begin(struct eiot_conn *c)
{
	if (c->hs.ec)
		return 0;
	c->hs.ec = calloc(1, sizeof(*c->hs.ec));
	if (!c->hs.ec)
		return conn_error(c, EIOT_ERR_NO_MEMORY, "hs: no memory for the ECDHE exchange");
	return 0;
}

/* see tls/conn_int.h */
int conn_fail(struct eiot_conn *c, int err)
{
	if (c->state == EIOT_STATE_FAILED)
		return c->err;
	int alert = eiot_err_alert(err);
	/* RFC 7925 §6: no certificate alerts when the suite is not certificate-based */
	/* ... nor with raw public keys (RFC 7925 §6) */
	bool no_cert_alerts = (c->hs.suite && c->hs.suite->kx == KX_PSK) || c->hs.server_rpk ||
			      c->hs.client_rpk;
	if (no_cert_alerts && alert >= EIOT_ALERT_BAD_CERTIFICATE &&
	    alert <= EIOT_ALERT_ACCESS_DENIED && alert != EIOT_ALERT_ILLEGAL_PARAMETER)
		alert = EIOT_ALERT_HANDSHAKE_FAILURE;
	if (alert != EIOT_ALERT_NONE) {
		uint8_t t = alert_tx(c);
		hs_flight_begin(c); /* dropped: a failed connection resends nothing (and the queue
				     * may lie where its bytes did) */
#if EIOT_WITH_TLS
		if (c->stage_head == 0) /* a record partly out goes on; one not begun goes */
			c->stage_len = 0;
#endif
		uint8_t body[2] = { 2, (uint8_t)alert };
		if (!queue_record(c, t, REC_CT_ALERT, body, 2))
			c->alert_sent = alert;
		EIOT_LOG(c->cfg, EIOT_LOG_INFO, "alert: sending fatal %s (%s)", eiot_alert_str(alert),
			 eiot_err_str(err));
	}
	c->flight.pending = false;
	flight_stop(&c->timer);
	c->err = err;
	c->state = EIOT_STATE_FAILED;
	conn_release_key_exchange(c); /* RFC 7924 §6: nothing cached from a failed handshake */
	return err;
}

/* see tls/conn_int.h */
void conn_established(struct eiot_conn *c)
{
	c->state = EIOT_STATE_ESTABLISHED;
	c->hs.st = ST_DONE;
	if (conn_dtls(c))
		flight_stop(&c->timer);
	/* the side that did not send the last flight (the client in a full handshake, the server
	 * in a resumed one) needs it no more, even in the middle of resending it: the peer's
	 * Finished shows it arrived. The other keeps its own (CCS, Finished) to answer a repeated
	 * peer flight (RFC 6347 §4.2.4). */
	if (conn_client(c) != c->hs.resumed)
		hs_flight_begin(c);
	conn_release_key_exchange(c);
	EIOT_LOG(c->cfg, EIOT_LOG_INFO, "hs: established with %s%s%s", c->hs.suite->name,
		 c->hs.ems ? ", extended master secret" : "", c->hs.resumed ? ", resumed" : "");
}

/* see tls/conn_int.h */
int conn_app_data(struct eiot_conn *c, const uint8_t *p, size_t n)
{
	struct bytebuf *a = &c->app;
	size_t need = n + (conn_dtls(c) ? 2 : 0);

	/* RFC 6347 §4.2.4: the peer's data shows our last flight arrived. It is never resent after
	 * this: a repeated flight can only be forged, and a resent record would take a number no
	 * save has reserved. */
	if (conn_dtls(c) && !c->peer_app_seen)
		hs_flight_begin(c);
	c->peer_app_seen = true;
	if (conn_dtls(c) && n == 0)
		return 0;
	if (a->cap - a->head - a->len < need)
		buf_compact(a);
	if (a->cap - a->len < need) {
		if (conn_dtls(c)) {
			EIOT_LOG(c->cfg, EIOT_LOG_DEBUG,
				 "dtls: application data buffer full: %zu-byte record dropped", n);
			return 0;
		}
		return conn_error(c, EIOT_ERR_BUFFER_TOO_SMALL,
				  "app: received data does not fit (%zu bytes buffered): read before feeding more",
				  a->len);
	}
	uint8_t *dst = a->buf + a->head + a->len;
	if (conn_dtls(c)) {
		st_be16(dst, (uint16_t)n);
		dst += 2;
	}
	memcpy(dst, p, n);
	a->len += need;
	return 0;
}

/* DTLS: the next datagram of the flight, or of the queue. */
static int output_dtls(struct eiot_conn *c, uint8_t *buf, size_t cap, size_t *len)
{
	int err;
	/* a flight's datagram is built in buf itself; the queue's are copied */
	if (c->flight.pending) {
		err = hs_flight_emit_datagram(c, buf, cap, len);
		if (err == EIOT_ERR_BUFFER_TOO_SMALL || (!err && *len))
			return err;
		if (err)
			conn_fail(c, err);
	}
	if (!c->outq.len)
		return c->err;
	size_t dl = ld_be16(c->outq.buf + c->outq.head);
	if (cap < dl)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	memcpy(buf, c->outq.buf + c->outq.head + 2, dl);
	*len = dl;
	c->outq.head += 2 + dl;
	c->outq.len -= 2 + dl;
	conn_io_release(c);
	return EIOT_OK;
}

#if EIOT_WITH_TLS
/* TLS: as many bytes of the flight's records and of the queue as fit. */
static int output_tls(struct eiot_conn *c, uint8_t *buf, size_t cap, size_t *len)
{
	int err;
	while (*len < cap) {
		const uint8_t *src;
		size_t avail;
		if (c->stage_len > c->stage_head) {
			src = c->stage + c->stage_head;
			avail = c->stage_len - c->stage_head;
		} else if (c->flight.pending) {
			if ((err = hs_flight_emit_record(c)))
				conn_fail(c, err);
			continue;
		} else if (c->outq.len) {
			src = c->outq.buf + c->outq.head;
			avail = c->outq.len;
		} else {
			break;
		}
		size_t take = avail < cap - *len ? avail : cap - *len;
		memcpy(buf + *len, src, take);
		*len += take;
		if (c->stage_len > c->stage_head) {
			c->stage_head += take;
			if (c->stage_head == c->stage_len)
				c->stage_head = c->stage_len = 0;
		} else {
			c->outq.head += take;
			c->outq.len -= take;
		}
	}
	return *len ? EIOT_OK : c->err;
}
#endif

/* see eap_iot/conn.h */
int eiot_conn_output(struct eiot_conn *c, uint8_t *buf, size_t cap, size_t *len)
{
	if (!c || !buf || !len)
		return EIOT_ERR_BAD_PARAM;
	*len = 0;
#if EIOT_WITH_TLS
	if (!conn_dtls(c))
		return output_tls(c, buf, cap, len);
#endif
	return output_dtls(c, buf, cap, len);
}

/* see eap_iot/conn.h */
uint64_t eiot_conn_next_timer(const struct eiot_conn *c)
{
	if (!c || c->state != EIOT_STATE_HANDSHAKE)
		return UINT64_MAX;
	if (conn_dtls(c))
		return flight_next(&c->timer);
	/* TLS: the handshake's start, kept by the timer DTLS retransmits by */
	uint64_t give_up = c->timer.started + c->cfg->give_up_ms;
	return give_up < c->timer.started ? UINT64_MAX - 1 : give_up;
}

/* see eap_iot/conn.h */
int eiot_conn_tick(struct eiot_conn *c, uint64_t now_ms)
{
	if (!c)
		return EIOT_ERR_BAD_PARAM;
	c->now = now_ms;
	if (c->state != EIOT_STATE_HANDSHAKE)
		return c->err;
	bool give_up;
	if (conn_dtls(c)) {
		enum flight_action a = flight_tick(&c->timer, now_ms);
		if (a == FLIGHT_RETRANSMIT) {
			EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "dtls: timer expired: retransmitting our flight (%u)",
				 c->timer.retransmissions);
			hs_flight_resend(c);
		}
		give_up = a == FLIGHT_GIVE_UP;
	} else {
		give_up = now_ms >= eiot_conn_next_timer(c);
	}
	if (!give_up)
		return EIOT_OK;
	if (c->epoch1_auth_failures)
		conn_error(c, EIOT_ERR_TIMEOUT,
			   "hs: gave up after %" PRIu32 " ms: peer's Finished never authenticated (wrong PSK?), %u protected records failed",
			   c->cfg->give_up_ms, c->epoch1_auth_failures);
	else
		conn_error(c, EIOT_ERR_TIMEOUT, "hs: gave up after %" PRIu32 " ms without completing the handshake",
			   c->cfg->give_up_ms);
	return conn_fail(c, EIOT_ERR_TIMEOUT);
}

/* see eap_iot/conn.h */
size_t eiot_conn_record_room(const struct eiot_conn *c)
{
	if (!c || c->state != EIOT_STATE_ESTABLISHED)
		return 0;
	size_t max = c->tx_limit;
	if (conn_dtls(c) && c->cfg->mtu - rec_overhead(&c->tx[c->tx_cur]) < max)
		max = c->cfg->mtu - rec_overhead(&c->tx[c->tx_cur]);
	return max;
}

/* see eap_iot/conn.h */
int eiot_conn_write(struct eiot_conn *c, const uint8_t *data, size_t len, size_t *written)
{
	if (!c || !written || (!data && len))
		return EIOT_ERR_BAD_PARAM;
	*written = 0;
	if (c->state == EIOT_STATE_FAILED)
		return c->err;
	if (c->state == EIOT_STATE_CLOSED)
		return EIOT_ERR_CLOSED;
	if (c->state != EIOT_STATE_ESTABLISHED)
		return EIOT_ERR_WRONG_STATE;
	size_t max = eiot_conn_record_room(c);
	if (len && !conn_io_acquire(c))
		return conn_error(c, EIOT_ERR_NO_MEMORY, "app: no memory for the output queue: nothing written");
	while (*written < len) {
		size_t chunk = len - *written < max ? len - *written : max;
		int err = queue_record(c, c->tx_cur, REC_CT_APPLICATION_DATA, data + *written, chunk);
		if (err == EIOT_ERR_BUFFER_TOO_SMALL)
			break;
		if (err == EIOT_ERR_SAVE_NEEDED) { /* eiot_conn_save: the connection stays usable */
			if (*written)
				break;
			return conn_error(c, err, "app: the record numbers the last save reserved are used up: "
					  "save and store the connection before writing");
		}
		if (err)
			return conn_fail(c, conn_error(c, err, "app: cannot protect a record"));
		*written += chunk;
	}
	return EIOT_OK;
}

/* see eap_iot/conn.h */
int eiot_conn_read(struct eiot_conn *c, uint8_t *buf, size_t cap, size_t *len)
{
	if (!c || !len || (!buf && cap))
		return EIOT_ERR_BAD_PARAM;
	*len = 0;
	struct bytebuf *a = &c->app;
	if (a->len == 0) {
		if (c->state == EIOT_STATE_FAILED)
			return c->err;
		return c->state == EIOT_STATE_CLOSED ? EIOT_ERR_CLOSED : EIOT_ERR_WANT_MORE;
	}
	size_t n, skip = 0;
	if (conn_dtls(c)) {
		n = ld_be16(a->buf + a->head);
		if (cap < n)
			return EIOT_ERR_BUFFER_TOO_SMALL;
		skip = 2;
	} else {
		n = a->len < cap ? a->len : cap;
	}
	memcpy(buf, a->buf + a->head + skip, n);
	eiot_zeroize(a->buf + a->head, skip + n);
	a->head += skip + n;
	a->len -= skip + n;
	*len = n;
	conn_io_release(c);
	return EIOT_OK;
}

/* see eap_iot/conn.h */
int eiot_conn_close(struct eiot_conn *c)
{
	if (!c)
		return EIOT_ERR_BAD_PARAM;
	if (c->state == EIOT_STATE_FAILED)
		return c->err;
	if (c->state == EIOT_STATE_CLOSED)
		return EIOT_OK;
	uint8_t t = alert_tx(c);
	if (t == 1 && !conn_seq_reserved(c))
		return EIOT_ERR_SAVE_NEEDED; /* still open: save, then close (and send close_notify) */
	hs_flight_begin(c); /* dropped: a closed connection resends nothing (and the queue may lie
			     * where its bytes did) */
	flight_stop(&c->timer);
	int err = conn_send_alert_with(c, t, 1, EIOT_ALERT_CLOSE_NOTIFY);
	c->state = EIOT_STATE_CLOSED;
	return err;
}

/* see eap_iot/conn.h */
enum eiot_state eiot_conn_state(const struct eiot_conn *c)
{
	return c ? c->state : EIOT_STATE_FAILED;
}

/* see eap_iot/conn.h */
int eiot_conn_error(const struct eiot_conn *c)
{
	return c ? c->err : EIOT_ERR_BAD_PARAM;
}

/* see eap_iot/conn.h */
uint16_t eiot_conn_suite(const struct eiot_conn *c)
{
	return c && c->hs.suite ? c->hs.suite->id : 0;
}

/* see eap_iot/conn.h */
void eiot_conn_last_alert(const struct eiot_conn *c, int *sent, int *received)
{
	if (sent)
		*sent = c ? c->alert_sent : EIOT_ALERT_NONE;
	if (received)
		*received = c ? c->alert_recv : EIOT_ALERT_NONE;
}

/* see eap_iot/conn.h */
bool eiot_conn_ems(const struct eiot_conn *c)
{
	return c && c->hs.suite && c->hs.ems;
}

/* see eap_iot/conn.h */
int eiot_conn_export(const struct eiot_conn *c, const char *label, const uint8_t *context,
		     size_t context_len, uint8_t *out, size_t out_len)
{
	if (!c || !label || !out || out_len < 1 || out_len > 1024 || (!context && context_len))
		return EIOT_ERR_BAD_PARAM;
	if (c->state != EIOT_STATE_ESTABLISHED || !c->hs.have_ms)
		return EIOT_ERR_WRONG_STATE;
	return tls_export(c->hs.ms, c->hs.client_random, c->hs.server_random, label, context,
			  context_len, out, out_len);
}

/* see eap_iot/conn.h */
int eiot_conn_randoms(const struct eiot_conn *c, uint8_t client_random[32], uint8_t server_random[32])
{
	if (!c || !client_random || !server_random)
		return EIOT_ERR_BAD_PARAM;
	if (!c->hs.have_randoms)
		return EIOT_ERR_WRONG_STATE;
	memcpy(client_random, c->hs.client_random, 32);
	memcpy(server_random, c->hs.server_random, 32);
	return EIOT_OK;
}

/* see eap_iot/conn.h */
const uint8_t *eiot_conn_own_cid(const struct eiot_conn *c, size_t *len)
{
	size_t n = c && c->state == EIOT_STATE_ESTABLISHED ? rec_cid_len(&c->rx[1]) : 0;
	if (len)
		*len = n;
#if EIOT_WITH_CID
	return n ? c->rx_keys.cid : NULL;
#else
	return NULL;
#endif
}

/* see eap_iot/conn.h */
bool eiot_conn_peer_may_move(const struct eiot_conn *c)
{
	return c && c->fed_newest;
}

/* see eap_iot/conn.h */
const uint8_t *eiot_conn_psk_identity(const struct eiot_conn *c, size_t *len)
{
	const uint8_t *id = NULL;
	size_t n = 0;
	if (c && conn_client(c) && EIOT_WITH_PSK && c->hs.suite && c->hs.suite->kx == KX_PSK) {
		id = c->cfg->psk[0].identity;
		n = c->cfg->psk[0].identity_len;
	}
#if EIOT_WITH_SERVER
	if (c && !conn_client(c) && c->psk_identity_len) {
		id = c->psk_identity;
		n = c->psk_identity_len;
	}
#endif
	if (len)
		*len = n;
	return id;
}

/* see eap_iot/conn.h */
int eiot_conn_peer_info(const struct eiot_conn *c, struct eiot_peer_info *out)
{
	if (!c || !out)
		return EIOT_ERR_BAD_PARAM;
	*out = (struct eiot_peer_info){
		.resumed = c->hs.resumed,
		.cached_info = ci_hit(c),
#if EIOT_WITH_ECDHE
		.cert_url = c->peer.cert_url,
		.rpk = c->peer.rpk,
		.cert = c->peer.cert,
		.cert_len = c->peer.cert_len,
		.url = c->peer.url,
#endif
#if EIOT_WITH_SAVE
		.restored = c->save.restored,
#endif
	};
#if EIOT_WITH_ECDHE
	memcpy(out->rpk_sha256, c->peer.rpk_sha256, 32);
#endif
	return EIOT_OK;
}

#if EIOT_WITH_ECDHE
/* see tls/conn_int.h */
int conn_keep_peer_cert(struct eiot_conn *c, const uint8_t *leaf, size_t len, const uint8_t *url,
			size_t url_len)
{
	if (!c->cfg->keep_peer_cert)
		return 0;
	free(c->peer.cert);
	free(c->peer.url);
	c->peer.url = NULL;
	c->peer.cert_len = 0;
	c->peer.cert = malloc(len);
	if (c->peer.cert && url) {
		c->peer.url = malloc(url_len + 1);
		if (c->peer.url) {
			memcpy(c->peer.url, url, url_len);
			c->peer.url[url_len] = '\0';
		}
	}
	if (!c->peer.cert || (url && !c->peer.url))
		return conn_error(c, EIOT_ERR_NO_MEMORY, "hs: no memory to keep the peer's certificate");
	memcpy(c->peer.cert, leaf, len);
	c->peer.cert_len = len;
	return 0;
}
#endif

/* see eap_iot/conn.h */
int eiot_conn_peer_eui64(const struct eiot_conn *c, uint8_t eui64[8])
{
	if (!c || !eui64)
		return EIOT_ERR_BAD_PARAM;
	if (!c->hs.has_peer_eui64)
		return EIOT_ERR_WANT_MORE;
	memcpy(eui64, c->hs.peer_eui64, 8);
	return EIOT_OK;
}
