/*
 * tls/conn_compact.c — eiot_conn_compact(): an established DTLS connection gives back its
 * handshake memory, and from then on holds its record buffers (the record being opened, the
 * output queue, the received application data) only while data passes through them. A server
 * that drains each peer after each datagram so keeps, per idle peer, struct eiot_conn and its
 * two AEAD contexts, nothing more.
 */
#include "tls/conn_int.h"

#include <stdlib.h>
#include <string.h>

#include "tls/cached_info.h"
#include "util/bytes.h"

/* The block behind rx_buf: one record in, then the output queue, then the application data. */
static size_t io_size(const struct eiot_conn *c)
{
	return c->rx_cap + c->outq.cap + c->app.cap;
}

/* see tls/conn_int.h */
bool conn_io_acquire(struct eiot_conn *c)
{
	if (c->rx_buf)
		return true;
	uint8_t *p = malloc(io_size(c));
	if (!p)
		return false;
	c->rx_buf = p;
	c->outq.buf = p + c->rx_cap;
	c->app.buf = c->outq.buf + c->outq.cap;
	c->outq.head = c->app.head = 0;
	return true;
}

/* see tls/conn_int.h */
void conn_io_discard(struct eiot_conn *c)
{
	if (!c->compact || !c->rx_buf)
		return;
	eiot_zeroize(c->rx_buf, io_size(c)); /* the last record's plaintext was opened in place */
	free(c->rx_buf);
	c->rx_buf = c->outq.buf = c->app.buf = NULL;
	c->outq.len = c->app.len = 0;
}

/* see tls/conn_int.h */
void conn_io_release(struct eiot_conn *c)
{
	if (!c->outq.len && !c->app.len)
		conn_io_discard(c);
}

/* see eap_iot/conn.h */
struct eiot_conn *eiot_conn_compact(struct eiot_conn *c)
{
	/* RFC 6347 §4.2.4: our last flight is kept until the peer shows it arrived, which its
	 * application data does */
	if (!c || !conn_dtls(c) || c->compact || c->state != EIOT_STATE_ESTABLISHED || !c->peer_app_seen)
		return c;
	if (c->flight.pending)
		return c; /* a datagram of the flight still waits for eiot_conn_output: another time */
	size_t session = c->session ? align8(sizeof(*c->session)) : 0;
	size_t total = align8(sizeof(*c)) + session;
	struct eiot_conn *n = malloc(total);
	if (!n)
		return c; /* stays as it was, still correct */
	*n = *c;
	n->tx[1].keys = &n->tx_keys, n->rx[1].keys = &n->rx_keys;
	if (c->tx[1].protected_) /* an AEAD state may point into itself */
		eiot_aead_moved(&n->tx_keys.aead, &c->tx_keys.aead);
	if (c->rx[1].protected_)
		eiot_aead_moved(&n->rx_keys.aead, &c->rx_keys.aead);
	n->compact = true;
	n->rx_buf = NULL;
	if ((c->outq.len || c->app.len) && !conn_io_acquire(n)) {
		free(n);
		return c;
	}
	/* the handshake's hash, ECDH secret, peer key and cached_info entry go (c's pointers to
	 * them go with c); the master secret stays: the exporter (eiot_conn_export) needs it */
	eiot_sha256_free(&n->hs.transcript);
	conn_release_key_exchange(n);
	if (n->rx_buf) {
		memcpy(n->outq.buf, c->outq.buf + c->outq.head, c->outq.len);
		memcpy(n->app.buf, c->app.buf + c->app.head, c->app.len);
	} else {
		n->outq.buf = n->app.buf = NULL;
	}
	if (session) {
		n->session = (struct eiot_session *)((uint8_t *)n + align8(sizeof(*n)));
		memcpy(n->session, c->session, sizeof(*c->session));
	}
	n->hs_buf = NULL;
	n->hs_cap = n->hs_len = 0;
#if EIOT_WITH_TLS
	n->stage = NULL;
	n->stage_cap = n->stage_head = 0;
#endif
	memset(&n->reasm, 0, sizeof(n->reasm));
	memset(&n->flight, 0, sizeof(n->flight));
	flight_stop(&n->timer);
	n->alloc_size = total;
	eiot_zeroize(c, c->alloc_size);
	free(c);
	return n;
}

/* see eap_iot/conn.h */
size_t eiot_conn_footprint(const struct eiot_conn *c)
{
	if (!c)
		return 0;
	size_t io = c->compact && c->rx_buf ? io_size(c) : 0, peer = 0;
#if EIOT_WITH_ECDHE
	peer = c->peer.cert_len + (c->peer.url ? strlen(c->peer.url) + 1 : 0);
#endif
	return c->alloc_size + io + peer + ci_held(c);
}
