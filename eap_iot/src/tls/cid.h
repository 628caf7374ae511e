/*
 * tls/cid.h — DTLS Connection ID (RFC 9146) in the hellos: which CIDs a handshake agrees on.
 * The record layer (tls/record.c) puts them in the records protected after ChangeCipherSpec.
 */
#ifndef EIOT_TLS_CID_H
#define EIOT_TLS_CID_H

#include "tls/conn_int.h"

/* The CID we gave (or offer), for the hellos. */
static inline const uint8_t *cid_own(const struct eiot_conn *c)
{
#if EIOT_WITH_CID
	return c->rx_keys.cid;
#else
	(void)c;
	return NULL;
#endif
}
static inline size_t cid_own_len(const struct eiot_conn *c)
{
#if EIOT_WITH_CID
	return c->rx_keys.cid_len;
#else
	(void)c;
	return 0;
#endif
}

#if EIOT_WITH_CID
/* Client, before its first ClientHello: the CID it wants, when the configuration offers one. */
int cid_client_offer(struct eiot_conn *c);
/* Client: what the ServerHello said (an answer without an offer is the caller's to refuse). */
int cid_client_agree(struct eiot_conn *c, const struct hs_exts *sh);
/* Server: answer a ClientHello's offer when the configuration has CIDs on. */
int cid_server_answer(struct eiot_conn *c, const struct hs_exts *ch);
#else
static inline int cid_client_offer(struct eiot_conn *c)
{
	(void)c;
	return 0;
}
static inline int cid_client_agree(struct eiot_conn *c, const struct hs_exts *sh)
{
	(void)c, (void)sh;
	return 0;
}
static inline int cid_server_answer(struct eiot_conn *c, const struct hs_exts *ch)
{
	(void)c, (void)ch;
	return 0;
}
#endif

#endif
