/*
 * tls/hs_io.c — handshake framing in both directions, for TLS and DTLS.
 *
 * Out: a flight is built message by message into the flight buffer (each message hashed into
 * the transcript as it is closed) and then emitted lazily, one TLS record or one DTLS
 * datagram at a time, when the caller drains output. TLS packs consecutive messages into
 * records of at most tx_limit bytes (max_record, or less as MFL / record_size_limit agreed);
 * DTLS cuts each message into fragments that fit cfg->mtu and tx_limit and packs several
 * records into one datagram where they fit, built in the caller's output buffer (whole, or
 * not at all when the buffer is smaller than the datagram). A DTLS flight stays
 * in the buffer for retransmission (new record numbers, same message_seq: RFC 6347 §4.2.4).
 *
 * In: TLS messages are assembled across records (several per record allowed); DTLS
 * fragments go through reasm for the next expected message_seq only; older ones are the
 * peer's retransmissions (answered by resending our flight), newer ones are dropped.
 * The transcript hashes each message as if unfragmented (RFC 6347 §4.2.6); HelloRequest and
 * HelloVerifyRequest are not hashed (RFC 5246 §7.4.1.1, RFC 6347 §4.2.1).
 */
#include "tls/conn_int.h"

#include <inttypes.h>
#include <string.h>

#include "util/bytes.h"

/* A fragment smaller than this is not squeezed into the end of a datagram. */
#define MIN_FRAGMENT 8

static size_t hs_hdr_len(const struct eiot_conn *c)
{
	return conn_dtls(c) ? HS_DTLS_HEADER : HS_TLS_HEADER;
}

/* see tls/conn_int.h */
void hs_transcript_reset(struct eiot_conn *c)
{
	eiot_sha256_free(&c->hs.transcript);
	eiot_sha256_init(&c->hs.transcript);
}

/* see tls/conn_int.h */
void hs_flight_begin(struct eiot_conn *c)
{
	struct out_flight *f = &c->flight;
	eiot_zeroize(f->buf, f->used);
	f->used = 0;
	f->n = 0;
	f->pending = false;
	f->idx = 0;
	f->pos = 0;
}

/* see tls/conn_int.h */
struct wr hs_msg_open(struct eiot_conn *c)
{
	struct out_flight *f = &c->flight;
	size_t room = flight_room(c);
	struct wr w = wr_init(f->buf + f->used, room > f->used ? room - f->used : 0);
	if (f->n == FLIGHT_MAX_MSGS)
		w.err = true;
	wr_reserve(&w, hs_hdr_len(c));
	return w;
}

/* RFC 5246 §7.4, RFC 6347 §4.3.2, RFC 5077 §3.3, RFC 6066 §5: for the debug log. */
static const char *hs_type_name(uint8_t type)
{
	switch (type) {
	case 1: return "ClientHello";
	case 2: return "ServerHello";
	case 3: return "HelloVerifyRequest";
	case 4: return "NewSessionTicket";
	case 11: return "Certificate";
	case 12: return "ServerKeyExchange";
	case 13: return "CertificateRequest";
	case 14: return "ServerHelloDone";
	case 15: return "CertificateVerify";
	case 16: return "ClientKeyExchange";
	case 20: return "Finished";
	case 21: return "CertificateURL";
	}
	return "handshake message";
}

/* see tls/conn_int.h */
int hs_msg_close(struct eiot_conn *c, struct wr *w, uint8_t type)
{
	struct out_flight *f = &c->flight;
	size_t hdr = hs_hdr_len(c);
	if (w->err || w->len < hdr)
		return conn_error(c, EIOT_ERR_INTERNAL,
				  "hs: handshake message type %u does not fit the flight buffer (%zu bytes)",
				  type, flight_room(c));
	uint32_t body = (uint32_t)(w->len - hdr);
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "hs: sending %s, body %" PRIu32 " bytes", hs_type_name(type), body);
	struct hs_header h = { type, body, c->hs.tx_seq, 0, body };
	struct wr hw = wr_init(w->p, hdr);
	hs_write_header(&hw, conn_dtls(c), &h);
	if (conn_dtls(c))
		c->hs.tx_seq++;
	eiot_sha256_update(&c->hs.transcript, w->p, w->len);
	f->msg[f->n].off = f->used;
	f->msg[f->n].len = w->len;
	f->msg[f->n].ccs = false;
	f->msg[f->n].tx = c->tx_cur;
	f->n++;
	f->used += w->len;
	return 0;
}

/* see tls/conn_int.h */
int hs_flight_add_ccs(struct eiot_conn *c)
{
	struct out_flight *f = &c->flight;
	if (f->n == FLIGHT_MAX_MSGS || !c->tx[1].protected_)
		return conn_error(c, EIOT_ERR_INTERNAL, "hs: ChangeCipherSpec without keys");
	f->msg[f->n].off = f->used;
	f->msg[f->n].len = 0;
	f->msg[f->n].ccs = true;
	f->msg[f->n].tx = c->tx_cur;
	f->n++;
	c->tx_cur = 1;
	return 0;
}

/* see tls/conn_int.h */
void hs_flight_send(struct eiot_conn *c)
{
	c->flight.pending = true;
	c->flight.idx = 0;
	c->flight.pos = 0;
	if (conn_dtls(c)) {
		flight_sent(&c->timer, c->now);
		/* only a repetition of the flight this one answers makes us resend it: answering
		 * any older or newer peer message would let two peers echo each other forever */
		if (c->hs.have_cand) {
			c->hs.peer_flight_first = c->hs.peer_flight_cand;
			c->hs.have_peer_flight = true;
		}
		c->hs.peer_flight_new = true;
	}
}

/* see tls/conn_int.h */
void hs_flight_resend(struct eiot_conn *c)
{
	if (c->flight.n == 0)
		return;
	c->flight.pending = true;
	c->flight.idx = 0;
	c->flight.pos = 0;
}

static const uint8_t ccs_body[1] = { 1 };

#if EIOT_WITH_TLS
/* TLS: n bytes of the flight's run of messages went into a record. */
static void flight_advance(struct out_flight *f, size_t n)
{
	while (n && f->idx < f->n) {
		size_t left = f->msg[f->idx].len - f->pos;
		size_t take = n < left ? n : left;
		f->pos += take;
		n -= take;
		if (f->pos == f->msg[f->idx].len) {
			f->idx++;
			f->pos = 0;
		}
	}
}

/* see tls/conn_int.h */
int hs_flight_emit_record(struct eiot_conn *c)
{
	struct out_flight *f = &c->flight;
	const struct flight_msg *m = &f->msg[f->idx];
	struct rec_dir *d = &c->tx[m->tx];
	size_t out_len;
	int err;

	if (m->ccs) {
		err = rec_seal(d, REC_CT_CHANGE_CIPHER_SPEC, TLS_VERSION_1_2, ccs_body, 1, c->stage,
			       c->stage_cap, &out_len);
		f->idx++;
		f->pos = 0;
	} else {
		/* a run of handshake messages under the same write state is one byte string */
		size_t j = f->idx;
		while (j + 1 < f->n && !f->msg[j + 1].ccs && f->msg[j + 1].tx == m->tx)
			j++;
		size_t start = m->off + f->pos;
		size_t end = f->msg[j].off + f->msg[j].len;
		size_t chunk = end - start;
		if (chunk > c->tx_limit)
			chunk = c->tx_limit;
		err = rec_seal(d, REC_CT_HANDSHAKE, TLS_VERSION_1_2, f->buf + start, chunk, c->stage,
			       c->stage_cap, &out_len);
		flight_advance(f, chunk);
	}
	if (err)
		return conn_error(c, err, "rec: cannot protect a handshake record");
	c->stage_head = 0;
	c->stage_len = out_len;
	if (f->idx == f->n) {
		/* TLS never resends: the flight's bytes are no longer needed */
		hs_flight_begin(c);
	}
	return 0;
}
#endif

/* DTLS: one fragment of the current message (or the CCS) at out + *dlen, into a datagram of at
 * most the MTU in the caller's buffer of cap bytes. Returns 0 when added, 1 when the datagram
 * is full, 2 when the caller's buffer is, or an error. */
static int emit_dtls_record(struct eiot_conn *c, uint8_t *out, size_t cap, size_t *dlen)
{
	struct out_flight *f = &c->flight;
	const struct flight_msg *m = &f->msg[f->idx];
	struct rec_dir *d = &c->tx[m->tx];
	size_t room = c->cfg->mtu - *dlen, ovh = rec_overhead(d), out_len;
	int err;

	if (m->ccs) {
		if (room < ovh + 1)
			return 1;
		if (cap - *dlen < ovh + 1)
			return 2;
		err = rec_seal(d, REC_CT_CHANGE_CIPHER_SPEC, DTLS_VERSION_1_2, ccs_body, 1, out + *dlen,
			       cap - *dlen, &out_len);
		if (err)
			return conn_error(c, err, "rec: cannot protect ChangeCipherSpec");
		f->idx++;
		f->pos = 0;
		*dlen += out_len;
		return 0;
	}
	const uint8_t *msg = f->buf + m->off;
	size_t body_len = m->len - HS_DTLS_HEADER, left = body_len - f->pos;
	if (room < ovh + HS_DTLS_HEADER)
		return 1;
	size_t space = room - ovh - HS_DTLS_HEADER;
	if (space > c->tx_limit - HS_DTLS_HEADER)
		space = c->tx_limit - HS_DTLS_HEADER;
	if (left > 0 && space < (left < MIN_FRAGMENT ? left : MIN_FRAGMENT))
		return 1;
	size_t frag = left < space ? left : space;
	if (cap - *dlen < ovh + HS_DTLS_HEADER + frag)
		return 2;

	struct hs_header h = { msg[0], (uint32_t)body_len, ld_be16(msg + 4), (uint32_t)f->pos,
			       (uint32_t)frag };
	/* the fragment is written where rec_seal puts the plaintext, and sealed there */
	uint8_t *rec = out + *dlen, *pt = rec + rec_plaintext_offset(d);
	struct wr w = wr_init(pt, cap - *dlen - rec_plaintext_offset(d));
	hs_write_header(&w, true, &h);
	wr_bytes(&w, msg + HS_DTLS_HEADER + f->pos, frag);
	if (w.err)
		return conn_error(c, EIOT_ERR_INTERNAL, "hs: fragment does not fit the datagram");
	err = rec_seal(d, REC_CT_HANDSHAKE, DTLS_VERSION_1_2, pt, w.len, rec, cap - *dlen, &out_len);
	if (err)
		return conn_error(c, err, "rec: cannot protect a handshake fragment");
	*dlen += out_len;
	f->pos += frag;
	if (f->pos == body_len) {
		f->idx++;
		f->pos = 0;
	}
	return 0;
}

/* see tls/conn_int.h */
int hs_flight_emit_datagram(struct eiot_conn *c, uint8_t *out, size_t cap, size_t *len)
{
	struct out_flight *f = &c->flight;
	/* a datagram is cut for the MTU whatever the buffer, whole or not at all: the records of
	 * one the buffer cannot hold give back their numbers (sealed again, they are the same) */
	uint8_t idx = f->idx;
	size_t pos = f->pos, dlen = 0;
	uint64_t seq0 = c->tx[0].seq, seq1 = c->tx[1].seq;

	*len = 0;
	while (f->pending && f->idx < f->n) {
		int r = emit_dtls_record(c, out, cap, &dlen);
		if (r < 0 || r > 2)
			return r;
		if (r == 2) {
			f->idx = idx, f->pos = pos;
			c->tx[0].seq = seq0, c->tx[1].seq = seq1;
			return EIOT_ERR_BUFFER_TOO_SMALL;
		}
		if (r == 1) {
			if (dlen > 0)
				break;
			return conn_error(c, EIOT_ERR_INTERNAL, "hs: MTU %zu too small for one handshake record",
					  c->cfg->mtu);
		}
	}
	if (f->idx == f->n)
		f->pending = false;
	*len = dlen;
	return 0;
}

/* One complete handshake message raw[0..raw_len) with its header: hash, then dispatch. */
static int handle_message(struct eiot_conn *c, const uint8_t *raw, size_t raw_len)
{
	size_t hdr = hs_hdr_len(c);
	uint8_t type = raw[0];

	eiot_sha256_peek(&c->hs.transcript, c->hs.th_before);
	if (c->state == EIOT_STATE_HANDSHAKE && type != HT_HELLO_REQUEST &&
	    type != HT_HELLO_VERIFY_REQUEST)
		eiot_sha256_update(&c->hs.transcript, raw, raw_len);
	if (conn_client(c))
		return client_handle(c, type, raw + hdr, raw_len - hdr);
	return server_handle(c, type, raw + hdr, raw_len - hdr);
}

static int rx_tls(struct eiot_conn *c, const uint8_t *p, size_t n)
{
	while (n && c->state != EIOT_STATE_FAILED) {
		size_t need;
		if (c->hs_len < HS_TLS_HEADER) {
			need = HS_TLS_HEADER - c->hs_len;
		} else {
			uint32_t len = ld_be24(c->hs_buf + 1);
			if (len > c->cfg->max_handshake)
				return conn_error(c, EIOT_ERR_MESSAGE_TOO_LARGE,
						  "hs: handshake message type %u of %" PRIu32 " bytes exceeds max_handshake %zu",
						  c->hs_buf[0], len, c->cfg->max_handshake);
			need = HS_TLS_HEADER + len - c->hs_len;
		}
		size_t take = need < n ? need : n;
		memcpy(c->hs_buf + c->hs_len, p, take);
		c->hs_len += take;
		p += take;
		n -= take;
		if (c->hs_len >= HS_TLS_HEADER &&
		    c->hs_len == HS_TLS_HEADER + (size_t)ld_be24(c->hs_buf + 1)) {
			size_t len = c->hs_len;
			c->hs_len = 0;
			int err = handle_message(c, c->hs_buf, len);
			eiot_zeroize(c->hs_buf, len);
			if (err)
				return err;
		}
	}
	return 0;
}

/* A DTLS fragment of a message we already handled: the peer repeats its last flight because
 * ours got lost, so we resend ours once per repetition (RFC 6347 §4.2.4). */
static void dtls_old_fragment(struct eiot_conn *c, const struct hs_header *h)
{
	if (c->hs.have_peer_flight && h->msg_seq == c->hs.peer_flight_first && h->frag_off == 0 &&
	    c->flight.n > 0) {
		EIOT_LOG(c->cfg, EIOT_LOG_DEBUG,
			 "dtls: peer repeated its flight (message_seq %u): resending ours", h->msg_seq);
		hs_flight_resend(c);
	} else {
		EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "dtls: old handshake fragment (message_seq %u) dropped",
			 h->msg_seq);
	}
}

static int rx_dtls(struct eiot_conn *c, const uint8_t *p, size_t n)
{
	while (n && c->state != EIOT_STATE_FAILED) {
		struct hs_header h;
		size_t hdr;
		if (hs_parse_header(true, p, n, &h, &hdr) || n - hdr < h.frag_len) {
			EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "dtls: malformed handshake fragment dropped");
			return 0;
		}
		const uint8_t *frag = p + hdr;
		p += hdr + h.frag_len;
		n -= hdr + h.frag_len;

		if (h.type == HT_CLIENT_HELLO && c->state != EIOT_STATE_HANDSHAKE && c->rec_epoch == 0) {
			EIOT_LOG(c->cfg, EIOT_LOG_INFO,
				 "dtls: epoch-0 ClientHello on an established association dropped (a new association needs a new connection)");
			continue;
		}
		/* the server conn starts at the message_seq of the ClientHello it was made for */
		if (!conn_client(c) && !c->hs.rx_seq_set && h.type == HT_CLIENT_HELLO) {
			c->hs.rx_seq = h.msg_seq;
			c->hs.tx_seq = h.msg_seq;
			c->hs.rx_seq_set = true;
		}
		if (h.msg_seq < c->hs.rx_seq) {
			dtls_old_fragment(c, &h);
			continue;
		}
		if (h.msg_seq > c->hs.rx_seq || !c->hs.rx_seq_set)
			continue; /* a later message: the peer resends it */
		/* After the peer's ChangeCipherSpec every new handshake message comes protected, and
		 * Finished always follows a CCS (RFC 5246 §7.4.9): an unprotected one is forged or
		 * stale, and is dropped like any invalid record (RFC 6347 §4.1.2.7). */
		if (c->rec_epoch < c->rx_cur || (h.type == HT_FINISHED && c->rec_epoch == 0)) {
			EIOT_LOG(c->cfg, EIOT_LOG_DEBUG,
				 "dtls: handshake message type %u (message_seq %u) in epoch %u dropped",
				 h.type, h.msg_seq, c->rec_epoch);
			continue;
		}
		/* After the handshake the reassembly buffer holds application data (conn.c): a new
		 * message, a request to renegotiate (refused, RFC 7925 §4), is taken only whole from
		 * its record, where its fragment header reads as its message header. */
		if (c->state != EIOT_STATE_HANDSHAKE) {
			if (h.frag_off || h.frag_len != h.length) {
				EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "dtls: a fragment of handshake message type %u "
					 "after the handshake dropped", h.type);
				continue;
			}
			c->hs.rx_seq++;
			int err = handle_message(c, frag - hdr, hdr + h.length);
			if (err)
				return err;
			continue;
		}

		/* the record was opened at the end of the region this message would be reassembled
		 * in (conn.c): a protected one (Finished) that reaches it is dropped */
		if (c->rec_epoch && !reasm_clear_of_rx(c, h.length)) {
			EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "dtls: protected handshake message type %u of %" PRIu32
				 " bytes dropped: too long to reassemble beside its record", h.type, h.length);
			continue;
		}
		bool complete;
		int err = reasm_add(&c->reasm, c->hs.rx_seq, h.type, h.length, h.msg_seq, h.frag_off,
				    frag, h.frag_len, &complete);
		if (err == EIOT_ERR_MESSAGE_TOO_LARGE)
			return conn_error(c, err,
					  "hs: handshake message type %u of %" PRIu32 " bytes exceeds max_handshake %zu",
					  h.type, h.length, c->cfg->max_handshake);
		if (err)
			return conn_error(c, err,
					  "hs: fragment of message_seq %u contradicts earlier fragments",
					  h.msg_seq);
		if (!complete)
			continue;
		if (c->hs.peer_flight_new) {
			c->hs.peer_flight_new = false;
			c->hs.peer_flight_cand = h.msg_seq;
			c->hs.have_cand = true;
		}
		c->hs.rx_seq++;
		err = handle_message(c, c->reasm.buf, HS_DTLS_HEADER + c->reasm.length);
		eiot_zeroize(c->reasm.buf, HS_DTLS_HEADER + c->reasm.length);
		reasm_reset(&c->reasm);
		if (err)
			return err;
	}
	return 0;
}

/* see tls/conn_int.h */
int hs_rx_handshake(struct eiot_conn *c, const uint8_t *p, size_t n)
{
	return conn_dtls(c) ? rx_dtls(c, p, n) : rx_tls(c, p, n);
}

