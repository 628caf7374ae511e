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

static uint32_t *cid_bucket(struct eiot_coaps_server *srv, const uint8_t *cid, size_t len)
{
	return &srv->cid_buckets[coaps_hash(srv, cid, len) & (srv->n_buckets - 1)];
}

/* see coap/coaps_server_int.h */
void cid_index_add(struct eiot_coaps_server *srv, struct peer *p)
{
	size_t len;
	const uint8_t *cid = eiot_conn_own_cid(p->conn, &len);
	if (!srv->cid_buckets || !cid || len != srv->cfg->cid_len)
		return;
	memcpy(p->cid, cid, len);
	uint32_t *b = cid_bucket(srv, cid, len);
	p->cid_chain = *b;
	*b = (uint32_t)(p - srv->peers);
	p->cid_indexed = true;
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
	size_t n = srv->cfg->cid_len;
	if (!srv->cid_buckets || !eiot_dtls_record_cid(dgram, len, n, &cid))
		return NULL;
	for (uint32_t i = *cid_bucket(srv, cid, n); i != NONE; i = srv->peers[i].cid_chain)
		if (!memcmp(srv->peers[i].cid, cid, n))
			return &srv->peers[i];
	return NULL;
}

#endif
