/*
 * eap/eap_tls.c — the EAP-TLS conversation object (RFC 5216) shared by peer and server:
 * creation from a TLS configuration, reassembly of received fragments with the max_message
 * bound, feeding the engine and draining its output, fragmentation at fragment_size, the
 * public accessors and the fragment_size conversions. The role state machines are in
 * eap_peer.c and eap_server.c.
 */
#include "eap_iot/features.h"
#if EIOT_WITH_EAP /* else left out of this build */

#include "eap/eap_tls_int.h"

#include <stdlib.h>
#include <string.h>

#include "eap_iot/conn.h"
#include "eap_iot/err.h"
#include "util/bytes.h"
#include "util/log.h"

#define MAX_MESSAGE_LIMIT (1u << 24) /* largest max_message we allocate for */
#define MIN_MAX_MESSAGE 1024u        /* a smaller bound cannot hold a certificate flight */

/* see eap/eap_tls_int.h */
void eaptls_fail(struct eiot_eap_tls *e, int err)
{
	if (e->status == EIOT_EAP_FAILURE)
		return;
	e->status = EIOT_EAP_FAILURE;
	e->err = err ? err : EIOT_ERR_INTERNAL;
}

/* see eap/eap_tls_int.h */
bool eaptls_is_ack(const struct eap_pkt *p)
{
	return p->flags == 0 && p->data_len == 0;
}

/* see eap_iot/eap_tls.h */
struct eiot_eap_tls *eiot_eap_tls_new(const struct eiot_config *cfg,
				      const struct eiot_eap_tls_opts *opts, uint64_t now_ms)
{
	size_t frag = opts && opts->fragment_size ? opts->fragment_size : EIOT_EAP_DEFAULT_FRAGMENT;
	size_t max_msg = opts && opts->max_message ? opts->max_message : EIOT_EAP_DEFAULT_MAX_MESSAGE;

	if (!cfg)
		return NULL;
	if (eiot_config_transport(cfg) != EIOT_TLS) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "eap-tls: the configuration must be for TLS, not DTLS");
		return NULL;
	}
	/* the EAP Length field is 16 bits: a fragment and its 10-byte header must fit it */
	if (frag < EIOT_EAP_MIN_FRAGMENT || frag > 0xFFFF - EAPTLS_MAX_OVERHEAD) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "eap-tls: fragment_size %zu out of range %d..%d", frag,
			 EIOT_EAP_MIN_FRAGMENT, 0xFFFF - EAPTLS_MAX_OVERHEAD);
		return NULL;
	}
	if (max_msg < MIN_MAX_MESSAGE || max_msg > MAX_MESSAGE_LIMIT) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "eap-tls: max_message %zu out of range %u..%u", max_msg,
			 MIN_MAX_MESSAGE, MAX_MESSAGE_LIMIT);
		return NULL;
	}
	const struct eiot_session *resume = opts ? opts->resume : NULL;
	if (resume && eiot_config_role(cfg) == EIOT_SERVER) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR,
			 "eap-tls: a server resumes from its session cache, not from opts.resume");
		return NULL;
	}
	size_t last_cap = frag + EAPTLS_MAX_OVERHEAD;
	uint8_t *mem = calloc(1, sizeof(struct eiot_eap_tls) + 2 * max_msg + last_cap);
	if (!mem) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "eap-tls: out of memory");
		return NULL;
	}
	struct eiot_eap_tls *e = (struct eiot_eap_tls *)mem;
	e->cfg = cfg;
	e->is_server = eiot_config_role(cfg) == EIOT_SERVER;
	e->frag = frag;
	e->length_always = opts && opts->length_always;
	e->max_msg = max_msg;
	e->rx = mem + sizeof(*e);
	e->tx = e->rx + max_msg;
	e->last = e->tx + max_msg;
	e->conn = resume ? eiot_conn_new_resume(cfg, resume, now_ms) : eiot_conn_new(cfg, now_ms);
	if (!e->conn || eiot_conn_state(e->conn) == EIOT_STATE_FAILED) {
		/* fail closed: a conversation whose TLS side cannot start would answer a Start with
		 * an empty Response and never end */
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "eap-tls: cannot start the TLS connection: %s",
			 eiot_err_str(e->conn ? eiot_conn_error(e->conn) : EIOT_ERR_NO_MEMORY));
		eiot_conn_free(e->conn);
		free(mem);
		return NULL;
	}
	EIOT_LOG(cfg, EIOT_LOG_DEBUG,
		 "eap-tls: new %s conversation, fragment_size %zu, max_message %zu%s",
		 e->is_server ? "server" : "peer", frag, max_msg,
		 resume ? ", offering a session to resume" : "");
	return e;
}

/* see eap_iot/eap_tls.h */
void eiot_eap_tls_free(struct eiot_eap_tls *e)
{
	if (!e)
		return;
	eiot_conn_free(e->conn);
	eiot_zeroize(e, sizeof(*e) + 2 * e->max_msg + e->frag + EAPTLS_MAX_OVERHEAD);
	free(e);
}

/* see eap/eap_tls_int.h */
int eaptls_rx_fragment(struct eiot_eap_tls *e, const struct eap_pkt *p, bool *complete)
{
	bool more = p->flags & EAPTLS_FLAG_M;
	size_t total;

	*complete = false;
	if (p->data_len == 0) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: fragment with no TLS data refused");
		return EIOT_ERR_DECODE;
	}
	if (!e->rx_active) {
		if (p->flags & EAPTLS_FLAG_L) {
			total = p->tls_len;
		} else if (more) {
			/* RFC 5216 §3.1: L MUST be set on the first fragment */
			EIOT_LOG(e->cfg, EIOT_LOG_WARN,
				 "eap-tls: first fragment without a TLS Message Length refused");
			return EIOT_ERR_DECODE;
		} else {
			total = p->data_len;
		}
		if (total > e->max_msg) {
			EIOT_LOG(e->cfg, EIOT_LOG_ERROR,
				 "eap-tls: TLS message of %zu bytes announced, over max_message %zu",
				 total, e->max_msg);
			return EIOT_ERR_MESSAGE_TOO_LARGE;
		}
		if (!more && total != p->data_len) {
			EIOT_LOG(e->cfg, EIOT_LOG_WARN,
				 "eap-tls: unfragmented packet announces %zu bytes but carries %zu",
				 total, p->data_len);
			return EIOT_ERR_DECODE;
		}
		memcpy(e->rx, p->data, p->data_len);
		e->rx_active = true;
		e->rx_len = p->data_len;
		e->rx_total = total;
	} else {
		size_t room = e->rx_total - e->rx_len;
		/* FreeRADIUS repeats L on every fragment; it must keep announcing the same total */
		if ((p->flags & EAPTLS_FLAG_L) && p->tls_len != e->rx_total) {
			EIOT_LOG(e->cfg, EIOT_LOG_WARN,
				 "eap-tls: fragment announces %u bytes, the message in progress %zu",
				 (unsigned)p->tls_len, e->rx_total);
			return EIOT_ERR_DECODE;
		}
		if (p->data_len > room || (more && p->data_len == room) ||
		    (!more && p->data_len < room)) {
			EIOT_LOG(e->cfg, EIOT_LOG_WARN,
				 "eap-tls: fragment of %zu bytes (%s) does not fit the %zu bytes left",
				 p->data_len, more ? "more follow" : "last", room);
			return EIOT_ERR_DECODE;
		}
		memcpy(e->rx + e->rx_len, p->data, p->data_len);
		e->rx_len += p->data_len;
	}
	EIOT_LOG(e->cfg, EIOT_LOG_DEBUG, "eap-tls: fragment of %zu bytes, %zu of %zu received",
		 p->data_len, e->rx_len, e->rx_total);
	*complete = !more;
	return EIOT_OK;
}

/* see eap/eap_tls_int.h */
void eaptls_drain(struct eiot_eap_tls *e)
{
	size_t n;

	if (!eaptls_tx_pending(e))
		e->tx_len = e->tx_pos = 0;
	for (;;) {
		if (e->tx_len == e->max_msg) {
			uint8_t probe;
			eiot_conn_output(e->conn, &probe, 1, &n);
			if (n) {
				EIOT_LOG(e->cfg, EIOT_LOG_ERROR,
					 "eap-tls: our TLS output exceeds max_message %zu", e->max_msg);
				eaptls_fail(e, EIOT_ERR_MESSAGE_TOO_LARGE);
			}
			return;
		}
		eiot_conn_output(e->conn, e->tx + e->tx_len, e->max_msg - e->tx_len, &n);
		if (n == 0)
			return;
		e->tx_len += n;
	}
}

/* see eap/eap_tls_int.h */
void eaptls_feed(struct eiot_eap_tls *e, uint64_t now_ms)
{
	int rc = eiot_conn_feed(e->conn, e->rx, e->rx_total, now_ms);

	e->rx_active = false;
	e->rx_len = e->rx_total = 0;
	eaptls_drain(e);
	if (rc != EIOT_OK) {
		if (e->status != EIOT_EAP_FAILURE)
			EIOT_LOG(e->cfg, EIOT_LOG_ERROR, "eap-tls: TLS handshake failed: %s%s",
				 eiot_err_str(rc), eaptls_tx_pending(e) ? " (alert to send)" : "");
		eaptls_fail(e, rc);
		return;
	}
	if (e->status != EIOT_EAP_CONTINUE || eiot_conn_state(e->conn) != EIOT_STATE_ESTABLISHED)
		return;
	int err = eaptls_derive_keys(e->conn, &e->keys);
	if (err) {
		EIOT_LOG(e->cfg, EIOT_LOG_ERROR, "eap-tls: key derivation failed: %s", eiot_err_str(err));
		eaptls_fail(e, err);
		return;
	}
	e->keys_ready = true;
	e->status = EIOT_EAP_TLS_DONE;
	EIOT_LOG(e->cfg, EIOT_LOG_INFO,
		 "eap-tls: TLS handshake complete (suite 0x%04x%s), keys exported",
		 eiot_conn_suite(e->conn), eiot_conn_resumed(e->conn) ? ", resumed" : "");
}

/* see eap/eap_tls_int.h */
int eaptls_send_packet(struct eiot_eap_tls *e, const uint8_t *pkt, size_t len, uint8_t *out,
		       size_t cap, size_t *out_len)
{
	if (len > cap || len > e->frag + EAPTLS_MAX_OVERHEAD)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	if (pkt != out)
		memcpy(out, pkt, len);
	memcpy(e->last, pkt, len);
	e->last_len = len;
	*out_len = len;
	return EIOT_OK;
}

/* see eap/eap_tls_int.h */
int eaptls_send_next(struct eiot_eap_tls *e, uint8_t code, uint8_t id, uint8_t *out, size_t cap,
		     size_t *out_len)
{
	size_t left = e->tx_len - e->tx_pos;
	size_t n = left < e->frag ? left : e->frag;
	uint8_t flags = 0;
	int err;

	/* RFC 5216 §3.1: L on the first fragment of a fragmented message, M while more follows */
	if (n < left) {
		flags |= EAPTLS_FLAG_M;
		if (e->tx_pos == 0)
			flags |= EAPTLS_FLAG_L;
	}
	if (n && e->length_always)
		flags |= EAPTLS_FLAG_L;
	err = eap_pkt_write_tls(code, id, flags, (uint32_t)e->tx_len, n ? e->tx + e->tx_pos : NULL, n,
				out, cap, out_len);
	if (err)
		return err;
	if (n)
		EIOT_LOG(e->cfg, EIOT_LOG_DEBUG, "eap-tls: sending %zu TLS bytes (%zu..%zu of %zu)%s",
			 n, e->tx_pos, e->tx_pos + n, e->tx_len,
			 (flags & EAPTLS_FLAG_M) ? ", more follow" : "");
	else
		EIOT_LOG(e->cfg, EIOT_LOG_DEBUG, "eap-tls: sending an ACK (id %u)", id);
	e->tx_pos += n;
	if (!eaptls_tx_pending(e))
		e->tx_pos = e->tx_len = 0;
	return eaptls_send_packet(e, out, *out_len, out, cap, out_len);
}

/* see eap_iot/eap_tls.h */
int eiot_eap_tls_process(struct eiot_eap_tls *e, const uint8_t *in, size_t in_len, uint64_t now_ms,
			 uint8_t *out, size_t cap, size_t *out_len)
{
	struct eap_pkt p;
	int err;

	if (!e || !in || !out || !out_len)
		return EIOT_ERR_BAD_PARAM;
	*out_len = 0;
	if (cap < e->frag + EAPTLS_MAX_OVERHEAD)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	e->stats.packets_in++;
	e->stats.bytes_in += in_len;
	err = eap_pkt_parse(in, in_len, &p);
	if (err) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: malformed EAP packet of %zu bytes refused",
			 in_len);
		return err;
	}
	/* a build with one role (eap_iot/features.h) links only its own state machine */
	if (EIOT_WITH_SERVER && (!EIOT_WITH_CLIENT || e->is_server))
		err = eaptls_server_process(e, &p, now_ms, out, cap, out_len);
	else
		err = eaptls_peer_process(e, in, &p, now_ms, out, cap, out_len);
	if (*out_len) {
		e->stats.packets_out++;
		e->stats.bytes_out += *out_len;
	}
	return err;
}

/* see eap_iot/eap_tls.h */
enum eiot_eap_status eiot_eap_tls_status(const struct eiot_eap_tls *e)
{
	return e ? e->status : EIOT_EAP_FAILURE;
}

/* see eap_iot/eap_tls.h */
int eiot_eap_tls_error(const struct eiot_eap_tls *e)
{
	return e ? e->err : EIOT_ERR_BAD_PARAM;
}

/* see eap_iot/eap_tls.h */
const struct eiot_conn *eiot_eap_tls_conn(const struct eiot_eap_tls *e)
{
	return e->conn;
}

/* see eap_iot/eap_tls.h */
int eiot_eap_tls_keys(const struct eiot_eap_tls *e, struct eiot_eap_keys *keys)
{
	if (!e || !keys)
		return EIOT_ERR_BAD_PARAM;
	if (!e->keys_ready || (e->status != EIOT_EAP_TLS_DONE && e->status != EIOT_EAP_SUCCESS))
		return EIOT_ERR_WRONG_STATE;
	*keys = e->keys;
	return EIOT_OK;
}

/* see eap_iot/eap_tls.h */
int eiot_eap_tls_get_session(const struct eiot_eap_tls *e, struct eiot_session *out)
{
	if (!e || !out)
		return EIOT_ERR_BAD_PARAM;
	if (e->is_server || !e->keys_ready ||
	    (e->status != EIOT_EAP_TLS_DONE && e->status != EIOT_EAP_SUCCESS))
		return EIOT_ERR_WRONG_STATE;
	return eiot_conn_get_session(e->conn, out);
}

/* see eap_iot/eap_tls.h */
bool eiot_eap_tls_resumed(const struct eiot_eap_tls *e)
{
	return e && e->keys_ready && eiot_conn_resumed(e->conn);
}

/* see eap_iot/eap_tls.h */
void eiot_eap_tls_stats(const struct eiot_eap_tls *e, struct eiot_eap_stats *st)
{
	if (e && st)
		*st = e->stats;
}

/* see eap_iot/eap_tls.h. Never 0 (which would mean "default"): a budget too small for
 * the 10-byte header gives 1, which eiot_eap_tls_new() refuses. */
size_t eiot_eap_fragment_from_eap_size(size_t eap_packet_bytes)
{
	return eap_packet_bytes > EAPTLS_MAX_OVERHEAD ? eap_packet_bytes - EAPTLS_MAX_OVERHEAD : 1;
}

/* see eap_iot/eap_tls.h. FreeRADIUS takes Framed-MTU as the TLS bytes per fragment and adds
 * its 10 header bytes (a Framed-MTU of 127 gives 137-byte EAP packets). */
size_t eiot_eap_fragment_from_framed_mtu(size_t framed_mtu)
{
	return framed_mtu ? framed_mtu : 1;
}

#endif /* EIOT_WITH_EAP */
