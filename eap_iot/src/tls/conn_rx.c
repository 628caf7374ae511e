/*
 * tls/conn_rx.c — eiot_conn_feed(): records in, by content type to the handshake, the
 * alert handler and the application data buffer.
 *
 * TLS: the stream is cut into records in rx_buf (a record may arrive in any number of
 * pieces); any invalid record is fatal (bad_record_mac, record_overflow, decode_error).
 * DTLS: one datagram holds whole records; an invalid one (malformed, wrong epoch, replayed,
 * not authentic, oversized) is dropped silently (RFC 6347 §4.1.2.7) and the rest of the
 * datagram still counts. Invalid handshake content is fatal in both.
 */
#include "tls/conn_int.h"

#include <string.h>

#include "tls/cid.h"
#include "util/bytes.h"

static bool running(const struct eiot_conn *c)
{
	return c->state == EIOT_STATE_HANDSHAKE || c->state == EIOT_STATE_ESTABLISHED;
}

/* A record-level fault: fatal in TLS, a silent drop in DTLS. */
static int bad_record(struct eiot_conn *c, int err, const char *what)
{
	if (conn_dtls(c)) {
		EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "dtls: record dropped: %s", what);
		return 0;
	}
	return conn_error(c, err, "rec: %s", what);
}

static int on_alert(struct eiot_conn *c, const uint8_t *p, size_t n)
{
	if (n != 2)
		return bad_record(c, EIOT_ERR_DECODE, "alert record is not 2 bytes");
	uint8_t level = p[0], desc = p[1];
	c->alert_recv = desc;
	if (desc == EIOT_ALERT_CLOSE_NOTIFY) {
		EIOT_LOG(c->cfg, EIOT_LOG_INFO, "alert: peer closed the connection (close_notify)");
		/* RFC 5246 §7.2.1: answer with our own close_notify */
		if (c->state == EIOT_STATE_ESTABLISHED)
			conn_send_alert(c, 1, EIOT_ALERT_CLOSE_NOTIFY);
		c->flight.pending = false;
		flight_stop(&c->timer);
		c->state = EIOT_STATE_CLOSED;
		return 0;
	}
	if (level != 1) {
		EIOT_LOG(c->cfg, EIOT_LOG_ERROR, "alert: peer sent fatal %s (%u)", eiot_alert_str(desc),
			 desc);
		c->flight.pending = false;
		flight_stop(&c->timer);
		c->err = EIOT_ERR_PEER_ALERT;
		c->state = EIOT_STATE_FAILED;
		return EIOT_ERR_PEER_ALERT;
	}
	EIOT_LOG(c->cfg, desc == EIOT_ALERT_USER_CANCELED ? EIOT_LOG_INFO : EIOT_LOG_WARN,
		 "alert: peer sent warning %s (%u), ignored", eiot_alert_str(desc), desc);
	return 0;
}

/* One record's plaintext, by content type. */
static int dispatch(struct eiot_conn *c, uint8_t type, const uint8_t *p, size_t n)
{
	if (c->compact && (type == REC_CT_HANDSHAKE || type == REC_CT_CHANGE_CIPHER_SPEC))
		return bad_record(c, 0, "handshake record after the handshake state was released");
	switch (type) {
	case REC_CT_HANDSHAKE:
		if (n == 0)
			return bad_record(c, EIOT_ERR_DECODE, "empty handshake record");
		return hs_rx_handshake(c, p, n);
	case REC_CT_CHANGE_CIPHER_SPEC:
		if (n != 1 || p[0] != 1)
			return bad_record(c, EIOT_ERR_DECODE, "malformed ChangeCipherSpec");
		/* RFC 5246 §7.1: a CCS may not split a handshake message */
		if (!conn_dtls(c) && c->hs_len)
			return conn_error(c, EIOT_ERR_DECODE,
					  "rec: ChangeCipherSpec inside a handshake message");
		return conn_client(c) ? client_handle(c, MSG_CHANGE_CIPHER_SPEC, NULL, 0)
				    : server_handle(c, MSG_CHANGE_CIPHER_SPEC, NULL, 0);
	case REC_CT_ALERT:
		return on_alert(c, p, n);
	case REC_CT_APPLICATION_DATA:
		if (c->state != EIOT_STATE_ESTABLISHED) {
			if (conn_dtls(c)) {
				EIOT_LOG(c->cfg, EIOT_LOG_DEBUG,
					 "dtls: application data before the handshake completed dropped");
				return 0;
			}
			return conn_error(c, EIOT_ERR_UNEXPECTED_MESSAGE,
					  "rec: application data before the handshake completed");
		}
		return conn_app_data(c, p, n);
	default:
		return bad_record(c, EIOT_ERR_DECODE, "unknown content type");
	}
}

/* RFC 5246 App. E.1: a first ClientHello may come in a record of any TLS 1.x version. */
static int tls_record(struct eiot_conn *c, struct rec_header *h, uint8_t *body)
{
	bool early = !c->hello_seen;
	if (h->version != TLS_VERSION_1_2 &&
	    !(early && h->version >= 0x0301 && h->version < TLS_VERSION_1_2))
		return conn_error(c, EIOT_ERR_PROTOCOL_VERSION, "rec: record version 0x%04x",
				  h->version);
	const uint8_t *pt;
	size_t pt_len;
	/* RFC 8449 §4: the limit we advertised binds protected records only */
	size_t max = c->rx_cur ? c->rx_limit : c->rx_max;
	int err = rec_open(&c->rx[c->rx_cur], h, body, max, &pt, &pt_len);
	if (err == EIOT_ERR_BAD_RECORD_MAC)
		return conn_error(c, err, "rec: record (type %u) failed authentication", h->type);
	if (err == EIOT_ERR_RECORD_OVERFLOW)
		return conn_error(c, err, "rec: record plaintext over the %zu-byte limit", max);
	if (err)
		return conn_error(c, err, "rec: cannot open record");
	return dispatch(c, h->type, pt, pt_len);
}

/* Room for one more record's plaintext in the application buffer. */
static bool app_has_room(const struct eiot_conn *c)
{
	return c->app.cap - c->app.len >= c->rx_max;
}

/* Takes records from the stream until it ends or, with stop_when_full, until the
 * application buffer might not hold the next record; *used tells how far it got. */
static int feed_tls(struct eiot_conn *c, const uint8_t *in, size_t len, bool stop_when_full,
		    size_t *used)
{
	size_t max_body = c->rx_max + REC_MAX_EXPANSION;
	const uint8_t *start = in;
	int err = 0;
	while (len && running(c)) {
		if (stop_when_full && c->rx_len == 0 && !app_has_room(c))
			break;
		/* the header first; its length is checked before any of the body is taken */
		size_t want = c->rx_len < REC_TLS_HEADER
				      ? REC_TLS_HEADER - c->rx_len
				      : REC_TLS_HEADER + ld_be16(c->rx_buf + 3) - c->rx_len;
		size_t take = want < len ? want : len;
		memcpy(c->rx_buf + c->rx_len, in, take);
		c->rx_len += take;
		in += take;
		len -= take;
		if (c->rx_len < REC_TLS_HEADER)
			continue;
		struct rec_header h;
		size_t consumed;
		err = rec_parse_header(false, c->rx_buf, c->rx_len, max_body, &h, &consumed);
		if (err == EIOT_ERR_WANT_MORE) {
			err = 0;
			continue;
		}
		if (err == EIOT_ERR_RECORD_OVERFLOW) {
			err = conn_error(c, err, "rec: record of %u bytes over the limit %zu",
					 ld_be16(c->rx_buf + 3), max_body);
			break;
		}
		if (err) {
			err = conn_error(c, err, "rec: malformed record header");
			break;
		}
		c->rx_len = 0;
		if ((err = tls_record(c, &h, c->rx_buf + REC_TLS_HEADER)))
			break;
	}
	*used = (size_t)(in - start);
	return err;
}

/* RFC 8449 §4, RFC 6066 §4: our record limit binds protected records, which are decrypted in
 * place in rx_buf (sized for that limit). An epoch-0 record comes from a peer that may not
 * know the limit yet (a ClientHello in records up to 2^14 bytes, RFC 6347 §4.1): it is read
 * where it lies in the datagram (rec_open writes nothing of a plaintext record), and the
 * reassembler bounds the messages in it (max_handshake). */
static int dtls_open(struct eiot_conn *c, struct rec_header *h, const uint8_t **pt,
		     size_t *pt_len)
{
	if (!h->epoch)
		return rec_open(&c->rx[0], h, (uint8_t *)h->body, SIZE_MAX, pt, pt_len);
	if (h->body_len > c->rx_max + REC_MAX_EXPANSION + (h->cid_len ? 1 : 0))
		return EIOT_ERR_RECORD_OVERFLOW;
	memcpy(c->rx_buf + REC_DTLS_HEADER, h->body, h->body_len);
	return rec_open(&c->rx[h->epoch], h, c->rx_buf + REC_DTLS_HEADER, c->rx_limit, pt, pt_len);
}

/* What was wrong with a record rec_open refused. */
static const char *rx_fault(int err)
{
	switch (err) {
	case EIOT_ERR_BAD_RECORD_MAC:
		return "failed authentication";
	case EIOT_ERR_DECODE:
		return "without our connection ID, or with another (RFC 9146)";
	case EIOT_ERR_UNEXPECTED_MESSAGE:
		return "no content type inside (RFC 9146 §4)";
	default:
		return "plaintext over the record limit";
	}
}

static int dtls_record(struct eiot_conn *c, struct rec_header *h)
{
	bool early = !c->hello_seen && h->epoch == 0;
	if (h->version != DTLS_VERSION_1_2 && !(early && h->version == DTLS_VERSION_1_0))
		return bad_record(c, 0, "record version");
	if (h->epoch > c->rx_cur)
		return bad_record(c, 0, "record of an epoch we have no keys for yet");
	if (h->epoch < c->rx_cur && h->type != REC_CT_HANDSHAKE &&
	    h->type != REC_CT_CHANGE_CIPHER_SPEC)
		return bad_record(c, 0, "plaintext record after the peer's ChangeCipherSpec");
	/* Epoch 0 cannot be authenticated: a spoofed record with a high sequence number would push
	 * the real ones out of the window, so duplicates there are left to the handshake layer
	 * (message_seq and fragment reassembly; a repeated ChangeCipherSpec is dropped). */
	if (h->epoch && !replay_check(&c->replay, h->seq))
		return bad_record(c, 0, "replayed record");
	/* conn.c: a protected record is opened at the end of the region that holds a message
	 * being reassembled; one that reaches that far keeps it (the record's sender repeats it) */
	if (h->epoch && c->reasm.active && !reasm_clear_of_rx(c, c->reasm.length))
		return bad_record(c, 0, "protected record while a long message is being reassembled");
	const uint8_t *pt;
	size_t pt_len;
	int err = dtls_open(c, h, &pt, &pt_len);
	if (err) {
		/* DTLS has no alert for it: one line says what will end in a timeout */
		if (err == EIOT_ERR_BAD_RECORD_MAC && c->state == EIOT_STATE_HANDSHAKE &&
		    !c->epoch1_auth_failures++)
			EIOT_LOG(c->cfg, EIOT_LOG_WARN, "dtls: the peer's first protected record failed "
				 "authentication (a wrong PSK?); waiting for a good one until the give-up time");
		return bad_record(c, 0, rx_fault(err));
	}
	if (h->epoch) {
		/* RFC 9146 §6: what may move the peer to a new address */
		if (!c->replay.any || h->seq > c->replay.top)
			c->fed_newest = true;
		replay_mark(&c->replay, h->seq);
	}
	c->rec_epoch = h->epoch;
#if EIOT_WITH_SERVER
	c->rec_seq = h->seq;
#endif
	return dispatch(c, h->type, pt, pt_len);
}

static int feed_dtls(struct eiot_conn *c, const uint8_t *in, size_t len)
{
	if (!conn_io_acquire(c)) {
		EIOT_LOG(c->cfg, EIOT_LOG_WARN, "dtls: no memory to open a record: datagram dropped");
		return 0;
	}
	c->fed_newest = false;
	while (len && running(c)) {
		struct rec_header h;
		size_t consumed;
		if (rec_parse_dtls_header(in, len, SIZE_MAX, cid_own_len(c), &h, &consumed)) {
			EIOT_LOG(c->cfg, EIOT_LOG_DEBUG,
				 "dtls: malformed or oversized record: rest of the datagram dropped");
			return 0;
		}
		in += consumed;
		len -= consumed;
		int err = dtls_record(c, &h);
		if (err)
			return err;
	}
	return 0;
}

static int feed(struct eiot_conn *c, const uint8_t *in, size_t len, uint64_t now_ms,
		bool stop_when_full, size_t *used)
{
	*used = 0;
	if (!c || (!in && len))
		return EIOT_ERR_BAD_PARAM;
	c->now = now_ms;
	c->fed_newest = false; /* whatever happens below, an older datagram's answer no longer holds */
	if (c->state == EIOT_STATE_FAILED)
		return c->err;
	if (c->state == EIOT_STATE_CLOSED)
		return EIOT_ERR_CLOSED;
	int err;
	if (conn_dtls(c)) {
		err = feed_dtls(c, in, len);
		*used = len;
	} else {
		err = feed_tls(c, in, len, stop_when_full, used);
	}
	if (err && c->state != EIOT_STATE_FAILED)
		conn_fail(c, err);
	conn_io_release(c); /* when nothing came of it */
	return c->state == EIOT_STATE_FAILED ? c->err : EIOT_OK;
}

/* see eap_iot/conn.h */
int eiot_conn_feed(struct eiot_conn *c, const uint8_t *in, size_t len, uint64_t now_ms)
{
	size_t used;
	return feed(c, in, len, now_ms, false, &used);
}

/* see eap_iot/conn.h */
int eiot_conn_feed_some(struct eiot_conn *c, const uint8_t *in, size_t len, uint64_t now_ms,
			size_t *used)
{
	return feed(c, in, len, now_ms, true, used);
}
