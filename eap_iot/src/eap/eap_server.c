/*
 * eap/eap_server.c — the EAP-TLS server (RFC 5216 §2.1, RFC 3748 §4): sends the Start, takes
 * each Response and answers with the next Request (Identifier + 1), or ends with Success or
 * Failure (Identifier of the Response they answer, RFC 3748 §4.2).
 *
 * The server has no timers: the authenticator retransmits Requests. A Response whose
 * Identifier is not the one of our last Request is a duplicate or stale and is ignored
 * (RFC 3748 §4.1), as is anything after Success or Failure was sent. Refusals
 * (EIOT_ERR_DECODE) leave the state as it was.
 */
#include "eap_iot/features.h"
#if EIOT_WITH_EAP /* else left out of this build */

#include "eap/eap_tls_int.h"

#include "eap_iot/conn.h"
#include "eap_iot/err.h"
#include "util/log.h"

/* see eap_iot/eap_tls.h */
int eiot_eap_server_start(struct eiot_eap_tls *e, uint8_t identifier, uint8_t *out, size_t cap,
			  size_t *out_len)
{
	int err;

	if (!e || !out || !out_len)
		return EIOT_ERR_BAD_PARAM;
	*out_len = 0;
	if (!e->is_server || e->started)
		return EIOT_ERR_WRONG_STATE;
	/* RFC 5216 §3.1: the Start has only the S flag and no data */
	err = eap_pkt_write_tls(EIOT_EAP_CODE_REQUEST, identifier, EAPTLS_FLAG_S, 0, NULL, 0, out,
				cap, out_len);
	if (err)
		return err;
	e->started = true;
	e->id = identifier;
	e->have_id = true;
	e->stats.packets_out++;
	e->stats.bytes_out += *out_len;
	EIOT_LOG(e->cfg, EIOT_LOG_INFO, "eap-tls: sending Start (id %u)", identifier);
	return eaptls_send_packet(e, out, *out_len, out, cap, out_len);
}

/* Success or Failure with the Response's Identifier; nothing is answered afterwards. */
static int server_end(struct eiot_eap_tls *e, uint8_t code, uint8_t *out, size_t cap,
		      size_t *out_len)
{
	int err = eap_pkt_write_result(code, e->id, out, cap, out_len);
	if (err)
		return err;
	e->finished = true;
	if (code == EIOT_EAP_CODE_SUCCESS) {
		e->status = EIOT_EAP_SUCCESS;
		EIOT_LOG(e->cfg, EIOT_LOG_INFO, "eap-tls: peer authenticated: sending EAP-Success (id %u)",
			 e->id);
	} else {
		EIOT_LOG(e->cfg, EIOT_LOG_INFO, "eap-tls: sending EAP-Failure (id %u): %s", e->id,
			 eiot_err_str(e->err));
	}
	return eaptls_send_packet(e, out, *out_len, out, cap, out_len);
}

/* The next Request: a fragment of our message, or an ACK. */
static int server_request(struct eiot_eap_tls *e, uint8_t *out, size_t cap, size_t *out_len)
{
	int err = eaptls_send_next(e, EIOT_EAP_CODE_REQUEST, (uint8_t)(e->id + 1), out, cap, out_len);
	if (err)
		return err;
	e->id++;
	return EIOT_OK;
}

/* The answer after the peer's message was fed to the engine. */
static int server_after_message(struct eiot_eap_tls *e, uint8_t *out, size_t cap, size_t *out_len)
{
	if (eaptls_tx_pending(e))
		return server_request(e, out, cap, out_len);
	if (e->status == EIOT_EAP_FAILURE)
		return server_end(e, EIOT_EAP_CODE_FAILURE, out, cap, out_len);
	if (e->status == EIOT_EAP_TLS_DONE)
		return server_end(e, EIOT_EAP_CODE_SUCCESS, out, cap, out_len);
	return server_request(e, out, cap, out_len); /* the engine wants more of the flight */
}

/* Returns a refusal (nothing changed) or EIOT_OK; failures are recorded in e. */
static int server_response(struct eiot_eap_tls *e, const struct eap_pkt *p, uint64_t now_ms,
			   uint8_t *out, size_t cap, size_t *out_len)
{
	bool complete;
	int err;

	if (p->type != EIOT_EAP_TYPE_TLS) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: Response of EAP type %u refused", p->type);
		return EIOT_ERR_DECODE;
	}
	if (eaptls_tx_pending(e)) {
		/* we are sending: the peer acknowledges each fragment (RFC 5216 §2.1.5) */
		if (!eaptls_is_ack(p)) {
			EIOT_LOG(e->cfg, EIOT_LOG_WARN,
				 "eap-tls: Response with data while our fragments are pending refused");
			return EIOT_ERR_DECODE;
		}
		return server_request(e, out, cap, out_len);
	}
	if (e->status == EIOT_EAP_FAILURE)
		return server_end(e, EIOT_EAP_CODE_FAILURE, out, cap, out_len);
	if (eaptls_is_ack(p)) {
		/* the ACK of our last flight: RFC 5216 §2.1.1 Success */
		if (e->status == EIOT_EAP_TLS_DONE && !e->rx_active)
			return server_end(e, EIOT_EAP_CODE_SUCCESS, out, cap, out_len);
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: ACK with nothing of ours pending refused");
		return EIOT_ERR_DECODE;
	}
	err = eaptls_rx_fragment(e, p, &complete);
	if (err == EIOT_ERR_MESSAGE_TOO_LARGE) {
		eaptls_fail(e, err);
		return server_end(e, EIOT_EAP_CODE_FAILURE, out, cap, out_len);
	}
	if (err)
		return err;
	if (!complete)
		return server_request(e, out, cap, out_len); /* ACK this fragment */
	eaptls_feed(e, now_ms);
	return server_after_message(e, out, cap, out_len);
}

/* see eap/eap_tls_int.h */
int eaptls_server_process(struct eiot_eap_tls *e, const struct eap_pkt *p, uint64_t now_ms,
			  uint8_t *out, size_t cap, size_t *out_len)
{
	int err;

	if (!e->started) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: Response before the Start was sent refused");
		return EIOT_ERR_WRONG_STATE;
	}
	if (p->code != EIOT_EAP_CODE_RESPONSE) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: server got EAP code %u: refused", p->code);
		return EIOT_ERR_DECODE;
	}
	if (p->id != e->id || e->finished) {
		EIOT_LOG(e->cfg, EIOT_LOG_DEBUG,
			 "eap-tls: Response id %u ignored (%s)", p->id,
			 e->finished ? "conversation over" : "not our last Request's id");
		return e->err;
	}
	err = server_response(e, p, now_ms, out, cap, out_len);
	if (err)
		return err;
	e->stats.round_trips++;
	return e->err;
}

#endif /* EIOT_WITH_EAP */
