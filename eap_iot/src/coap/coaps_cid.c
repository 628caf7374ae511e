/*
 * coap/coaps_cid.c — the CoAPS endpoint's second index: peers by the DTLS connection ID they
 * were given (RFC 9146), so that a peer whose address or port changed (NAT rebinding, a device
 * waking behind a new mapping) is still found. A datagram found this way only reaches the
 * peer's connection; the peer moves to the new address only when that connection says the
 * datagram was authentic and the newest (eiot_conn_peer_may_move, RFC 9146 §6).
 */
#include "eap_iot/features.h"
#if EIOT_WITH_SERVER && EIOT_WITH_DTLS && EIOT_WITH_CID /* else left out of this build */

#include <string.h>

#include "coap/coaps_server_int.h"
#include "eap_iot/conn.h"
#include "eap_iot/dtls.h"
#include "tls/config_int.h"
#include "util/log.h"

static uint32_t *cid_bucket(struct eiot_coaps_server *srv, const uint8_t *cid, size_t len)
{
	return &srv->cid_buckets[coaps_hash(srv, cid, len) & (srv->n_buckets - 1)];
}

static struct peer *cid_lookup(struct eiot_coaps_server *srv, const uint8_t *cid)
{
	size_t n = srv->cfg->cid_len;
	for (uint32_t i = *cid_bucket(srv, cid, n); i != NONE; i = srv->peers[i].cid_chain)
		if (!memcmp(srv->peers[i].cid, cid, n))
			return &srv->peers[i];
	return NULL;
}

#define CID_DRAWS 8 /* random CIDs tried before giving none: a crowded space is a setup error */

/* see coap/coaps_server_int.h */
void cid_index_give(struct eiot_coaps_server *srv, struct peer *p)
{
	size_t n = srv->cfg->cid_len;
	if (!srv->cid_buckets)
		return;
	for (int i = 0; i < CID_DRAWS; i++) {
		if (cfg_random(srv->cfg, p->cid, n))
			break;
		if (!cid_lookup(srv, p->cid)) {
			uint32_t *b = cid_bucket(srv, p->cid, n);
			p->cid_chain = *b;
			*b = (uint32_t)(p - srv->peers);
			p->cid_indexed = true;
			eiot_conn_set_own_cid(p->conn, p->cid, n);
			return;
		}
	}
	/* a zero-length CID: this peer's records carry none, so it is found by address only */
	eiot_conn_set_own_cid(p->conn, NULL, 0);
	if (!srv->st.cid_none++ || !(srv->st.cid_none & 1023))
		EIOT_LOG(srv->cfg, EIOT_LOG_WARN, "coaps: no free connection ID of %zu bytes in %d draws: "
			 "a peer gets none (%llu so far); longer CIDs fix this", n, CID_DRAWS,
			 (unsigned long long)srv->st.cid_none);
}

/* see coap/coaps_server_int.h */
void cid_index_remove(struct eiot_coaps_server *srv, struct peer *p)
{
	if (!p->cid_indexed)
		return;
	uint32_t i = (uint32_t)(p - srv->peers), *link = cid_bucket(srv, p->cid, srv->cfg->cid_len);
	while (*link != i)
		link = &srv->peers[*link].cid_chain;
	*link = p->cid_chain;
	p->cid_indexed = false;
}

/* see coap/coaps_server_int.h */
struct peer *cid_index_find(struct eiot_coaps_server *srv, const uint8_t *dgram, size_t len)
{
	const uint8_t *cid;
	if (!srv->cid_buckets || !eiot_dtls_record_cid(dgram, len, srv->cfg->cid_len, &cid))
		return NULL;
	return cid_lookup(srv, cid);
}

#endif
