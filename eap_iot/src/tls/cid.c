/*
 * tls/cid.c — DTLS Connection ID (RFC 9146 §3) in the hellos. Each side names in its hello
 * the CID it wants in the records it receives; the CIDs apply once both hellos carried the
 * extension, from the records protected by the new keys on. Ours live in rx[1], the peer's in
 * tx[1] (struct rec_dir), where the record layer reads them.
 */
#include "tls/cid.h"

#if EIOT_WITH_CID

#include <string.h>

#include "eap_iot/dtls.h"

/* Ours: cfg->cid_len random bytes (a server that routes by them wants them unguessable). */
static int pick_own(struct eiot_conn *c)
{
	c->rx_keys.cid_len = (uint8_t)c->cfg->cid_len;
	int err = cfg_random(c->cfg, c->rx_keys.cid, c->rx_keys.cid_len);
	if (err)
		return conn_error(c, err, "cid: random source failed");
	return 0;
}

/* see tls/cid.h */
int cid_client_offer(struct eiot_conn *c)
{
	if (!c->cfg->cid || !conn_dtls(c))
		return 0;
	c->hs.cid_offered = true;
	return pick_own(c);
}

static void keep_peers(struct eiot_conn *c, const struct hs_exts *e)
{
	c->tx_keys.cid_len = (uint8_t)e->cid_len;
	memcpy(c->tx_keys.cid, e->cid, e->cid_len);
}

/* see tls/cid.h */
int cid_client_agree(struct eiot_conn *c, const struct hs_exts *sh)
{
	if (!sh->has_cid) { /* the server does not do CIDs: records as ever */
		c->rx_keys.cid_len = 0;
		return 0;
	}
	if (sh->cid_len > EIOT_MAX_PEER_CID)
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "cid: the server's connection ID is %zu bytes, we keep at most %d", sh->cid_len,
				  EIOT_MAX_PEER_CID);
	keep_peers(c, sh);
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "cid: agreed, %u bytes ours, %zu the server's", c->rx_keys.cid_len,
		 sh->cid_len);
	return 0;
}

/* see eap_iot/dtls.h */
bool eiot_dtls_record_cid(const uint8_t *dgram, size_t len, size_t cid_len, const uint8_t **cid)
{
	if (!dgram || !cid || !cid_len || len < REC_DTLS_HEADER + cid_len || dgram[0] != REC_CT_TLS12_CID)
		return false;
	*cid = dgram + 11; /* after type, version, epoch and sequence number */
	return true;
}

#if EIOT_WITH_SERVER
/* see tls/cid.h */
int cid_server_answer(struct eiot_conn *c, const struct hs_exts *ch)
{
	bool too_long = ch->has_cid && ch->cid_len > EIOT_MAX_PEER_CID;
	if (too_long)
		EIOT_LOG(c->cfg, EIOT_LOG_INFO,
			 "cid: the client's connection ID is %zu bytes, we keep at most %d: declined",
			 ch->cid_len, EIOT_MAX_PEER_CID);
	if (!ch->has_cid || !c->cfg->cid || too_long) {
		c->rx_keys.cid_len = 0; /* a chosen CID applies only when agreed */
		return 0;
	}
	keep_peers(c, ch);
	c->hs.cid_agreed = true;
	return c->hs.cid_chosen ? 0 : pick_own(c); /* the application's, or one of ours */
}

/* see eap_iot/conn.h */
int eiot_conn_set_own_cid(struct eiot_conn *c, const uint8_t *cid, size_t len)
{
	if (!c || (len && !cid))
		return EIOT_ERR_BAD_PARAM;
	if (conn_client(c) || c->hello_seen)
		return EIOT_ERR_WRONG_STATE;
	if (!conn_dtls(c) || !c->cfg->cid || (len && len != c->cfg->cid_len))
		return EIOT_ERR_BAD_PARAM;
	if (len)
		memcpy(c->rx_keys.cid, cid, len);
	c->rx_keys.cid_len = (uint8_t)len;
	c->hs.cid_chosen = true;
	return EIOT_OK;
}
#endif

#endif
