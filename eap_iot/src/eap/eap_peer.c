/*
 * eap/eap_peer.c — the EAP-TLS peer (RFC 5216 §2.1, RFC 3748 §4): answers each Request of
 * type 13 with a Response carrying the same Identifier; takes Success and Failure.
 *
 * A Request with the Identifier of the one answered last is a retransmission (RFC 3748 §4.1):
 * the stored Response goes out again, byte for byte, and the engine is not touched. A Request
 * equal to one answered earlier than that is a stale duplicate and is refused.
 * Every refusal (EIOT_ERR_DECODE) leaves the state as it was.
 */
#include "eap_iot/features.h"
#if EIOT_WITH_EAP /* else left out of this build */

#include "eap/eap_tls_int.h"

#include <string.h>

#include "crypto/crypto.h"
#include "eap_iot/conn.h"
#include "eap_iot/err.h"
#include "util/log.h"

static int peer_result(struct eiot_eap_tls *e, const struct eap_pkt *p)
{
	if (p->code == EIOT_EAP_CODE_FAILURE) {
		/* RFC 3748 §4.2: a Failure ends the conversation whatever its state */
		int err = eiot_conn_error(e->conn);
		EIOT_LOG(e->cfg, EIOT_LOG_INFO, "eap-tls: EAP-Failure received (id %u)", p->id);
		eaptls_fail(e, err ? err : EIOT_ERR_CLOSED);
		return e->err;
	}
	/* RFC 3748 §4.2: a Success carries the Identifier of the Response it answers */
	if (e->have_id && p->id != e->id) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN,
			 "eap-tls: EAP-Success with id %u refused: our last Response had id %u",
			 p->id, e->id);
		return EIOT_ERR_DECODE;
	}
	if (e->status == EIOT_EAP_TLS_DONE || e->status == EIOT_EAP_SUCCESS) {
		if (e->status == EIOT_EAP_TLS_DONE)
			EIOT_LOG(e->cfg, EIOT_LOG_INFO, "eap-tls: EAP-Success: authenticated");
		e->status = EIOT_EAP_SUCCESS;
		return EIOT_OK;
	}
	/* RFC 5216 §2.1.1: Success only after the server's Finished was verified */
	EIOT_LOG(e->cfg, EIOT_LOG_ERROR,
		 "eap-tls: EAP-Success before the TLS handshake completed: refused, failing");
	eaptls_fail(e, EIOT_ERR_WRONG_STATE);
	return EIOT_ERR_WRONG_STATE;
}

static bool seen_before(const struct eiot_eap_tls *e, const uint8_t hash[32])
{
	unsigned n = e->n_req < EAPTLS_REQ_HISTORY ? e->n_req : EAPTLS_REQ_HISTORY;
	for (unsigned i = 0; i < n; i++)
		if (memcmp(e->req_hash[i], hash, 32) == 0)
			return true;
	return false;
}

/* Decide the answer to a new Request. Returns EIOT_ERR_DECODE (nothing changed) when it has
 * no place; a failure of the conversation is recorded in e and returns EIOT_OK. */
static int peer_request(struct eiot_eap_tls *e, const struct eap_pkt *p, uint64_t now_ms,
			uint8_t *out, size_t cap, size_t *out_len)
{
	bool complete;
	int err;

	if (p->type != EIOT_EAP_TYPE_TLS) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: Request of EAP type %u refused", p->type);
		return EIOT_ERR_DECODE;
	}
	if (p->flags & EAPTLS_FLAG_S) {
		if (e->started) {
			EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: second Start refused");
			return EIOT_ERR_DECODE;
		}
		e->started = true;
		eaptls_drain(e); /* the ClientHello queued when the conn was made */
		EIOT_LOG(e->cfg, EIOT_LOG_INFO, "eap-tls: Start (id %u): sending ClientHello", p->id);
		return eaptls_send_next(e, EIOT_EAP_CODE_RESPONSE, p->id, out, cap, out_len);
	}
	if (!e->started) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: Request before the Start refused");
		return EIOT_ERR_DECODE;
	}
	if (eaptls_tx_pending(e)) {
		if (!eaptls_is_ack(p)) {
			EIOT_LOG(e->cfg, EIOT_LOG_WARN,
				 "eap-tls: Request with data while our fragments are pending refused");
			return EIOT_ERR_DECODE;
		}
		return eaptls_send_next(e, EIOT_EAP_CODE_RESPONSE, p->id, out, cap, out_len);
	}
	if (eaptls_is_ack(p)) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: ACK Request with nothing of ours pending refused");
		return EIOT_ERR_DECODE;
	}
	err = eaptls_rx_fragment(e, p, &complete);
	if (err == EIOT_ERR_MESSAGE_TOO_LARGE) {
		eaptls_fail(e, err); /* no answer: the server gives up or times out */
		return EIOT_OK;
	}
	if (err)
		return err;
	if (complete)
		eaptls_feed(e, now_ms);
	/* our next flight, the alert of a failed handshake, or an ACK (RFC 5216 §2.1.1: the
	 * empty Response after the server's Finished) */
	return eaptls_send_next(e, EIOT_EAP_CODE_RESPONSE, p->id, out, cap, out_len);
}

/* see eap/eap_tls_int.h */
int eaptls_peer_process(struct eiot_eap_tls *e, const uint8_t *in, const struct eap_pkt *p,
			uint64_t now_ms, uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t hash[32];
	int err;

	if (p->code == EIOT_EAP_CODE_SUCCESS || p->code == EIOT_EAP_CODE_FAILURE)
		return peer_result(e, p);
	if (p->code != EIOT_EAP_CODE_REQUEST) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: peer got an EAP Response: refused");
		return EIOT_ERR_DECODE;
	}
	eiot_sha256(in, p->len, hash);
	if (e->have_id && p->id == e->id) {
		if (memcmp(hash, e->req_hash[(e->n_req - 1) % EAPTLS_REQ_HISTORY], 32) != 0) {
			EIOT_LOG(e->cfg, EIOT_LOG_WARN,
				 "eap-tls: Request id %u repeated with other content: refused", p->id);
			return EIOT_ERR_DECODE;
		}
		EIOT_LOG(e->cfg, EIOT_LOG_DEBUG,
			 "eap-tls: Request id %u retransmitted: resending our Response", p->id);
		memcpy(out, e->last, e->last_len);
		*out_len = e->last_len;
		return e->err;
	}
	if (seen_before(e, hash)) {
		EIOT_LOG(e->cfg, EIOT_LOG_WARN, "eap-tls: stale duplicate Request id %u ignored", p->id);
		return EIOT_ERR_DECODE;
	}
	err = peer_request(e, p, now_ms, out, cap, out_len);
	if (err)
		return err;
	if (*out_len) {
		e->id = p->id;
		e->have_id = true;
		memcpy(e->req_hash[e->n_req % EAPTLS_REQ_HISTORY], hash, 32);
		e->n_req++;
		e->stats.round_trips++;
	}
	return e->err;
}

#endif /* EIOT_WITH_EAP */
