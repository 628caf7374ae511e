/*
 * coap/coaps_server_int.h — the CoAPS endpoint's state, shared by its files:
 *   coaps_server.c   the peer table, the front door, datagrams in and out, timers;
 *   coaps_observe.c  RFC 7641 registrations and notifications;
 *   coaps_cid.c      peers by DTLS connection ID (RFC 9146).
 */
#ifndef EIOT_COAPS_SERVER_INT_H
#define EIOT_COAPS_SERVER_INT_H

#include "coap/coap_serve.h"
#include "eap_iot/coap_server.h"
#include "eap_iot/config.h"

#define NONE UINT32_MAX
#define RATE_SLOTS 4096            /* token buckets, by keyed hash of the source IP address */
#define EVICT_SCAN 64              /* peers looked at from the LRU tail for an idle one */
#define ORPHAN_BYTES (16u * 1024u)  /* datagrams not tied to a peer, waiting to be sent */
#define MAX_OBSERVE 8              /* registrations per peer */

/* One registration (RFC 7641 §4.1). */
struct observer {
	uint16_t res;          /* index of the resource */
	uint8_t token_len;
	uint8_t token[EIOT_COAP_MAX_TOKEN];
	int32_t accept;        /* the registration's Accept, -1 none */
	bool notified;         /* a notification went: last_mid means something */
	uint16_t last_mid;     /* of the latest notification: an RST or a give-up names it */
	uint16_t since_con;    /* notifications since the last CON */
	uint64_t last_con;     /* when the last CON one went */
};

struct peer {
	bool used, closing, dirty, established;
	bool cid_indexed;    /* on a cid_buckets chain under cid[], the CID its connection gives */
	uint8_t cid[EIOT_MAX_CID];
	uint8_t addr_len, n_obs;
	_Alignas(8) uint8_t addr[EIOT_COAPS_MAX_ADDR]; /* a handler may read it as a sockaddr */
	struct eiot_conn *conn;
	struct eiot_coap_peer *cp;
	struct coap_upload *upload;
	struct observer *obs;  /* n_obs of them, heap, only while there are some */
	uint64_t last_active, due;
	uint32_t prev, next; /* LRU list: prev towards the most recent */
	uint32_t chain;      /* hash chain; the free list when unused */
	uint32_t cid_chain;  /* chain of cid_buckets */
	uint32_t gen;        /* counts the peers this slot has held (eiot_coap_pending) */
};

struct rate {
	uint64_t at;      /* last refill */
	uint32_t milli;   /* tokens, in thousandths */
};

struct eiot_coaps_server {
	const struct eiot_config *cfg;
	struct eiot_coaps_server_params p;
	struct eiot_cookie_secret *secret;
	struct coap_resources rs;
	struct peer *peers;
	uint32_t free_head, lru_head, lru_tail, n_used, n_observers;
	uint32_t *buckets, n_buckets;
	uint32_t *cid_buckets; /* n_buckets chains of peers by connection ID; NULL: CIDs off */
	uint32_t *dirty, n_dirty;
	struct rate *rate;
	uint64_t hash_key;
	uint8_t *orphan;       /* [addr_len][addr][len 2][bytes]... */
	size_t orphan_head, orphan_len;
	uint8_t *msg;          /* one CoAP message between the layers */
	uint8_t *body;         /* handlers' representations */
	struct eiot_coaps_server_stats st;
};

/* coaps_server.c: what the message layer wants to send into p's DTLS records; p's output
 * waits for eiot_coaps_server_output; the context serving a request of p. */
void coaps_flush(struct eiot_coaps_server *srv, struct peer *p);
void coaps_peer_changed(struct eiot_coaps_server *srv, struct peer *p);
void coaps_serve_ctx(struct eiot_coaps_server *srv, struct peer *p, struct coap_serve_ctx *ctx);

/* coaps_server.c: the keyed hash of the tables. */
uint32_t coaps_hash(const struct eiot_coaps_server *srv, const uint8_t *b, size_t n);

/* coaps_cid.c (no-ops while cid_buckets is NULL) */
#if EIOT_WITH_CID
/* p's new connection, before its ClientHello: give it a CID no other peer holds (random, so
 * unguessable) and index p by it; a zero-length one when none is free. */
void cid_index_give(struct eiot_coaps_server *srv, struct peer *p);
/* p leaves the index (before it is freed, or when its connection gives no CID). */
void cid_index_remove(struct eiot_coaps_server *srv, struct peer *p);
/* The peer whose CID the datagram's first record carries; NULL when none. */
struct peer *cid_index_find(struct eiot_coaps_server *srv, const uint8_t *dgram, size_t len);
#else
static inline void cid_index_give(struct eiot_coaps_server *srv, struct peer *p)
{
	(void)srv, (void)p;
}
static inline void cid_index_remove(struct eiot_coaps_server *srv, struct peer *p)
{
	(void)srv, (void)p;
}
static inline struct peer *cid_index_find(struct eiot_coaps_server *srv, const uint8_t *dgram, size_t len)
{
	(void)srv, (void)dgram, (void)len;
	return NULL;
}
#endif

/* coaps_observe.c */
/* Whether req may register (§4.1: beyond MAX_OBSERVE per peer it is answered without Observe). */
bool obs_room(struct peer *p, const struct eiot_coap_msg *req);
/* After serving req (a GET) with ctx: register, or deregister the token. */
void obs_after_get(struct eiot_coaps_server *srv, struct peer *p, const struct eiot_coap_msg *req,
		   const struct coap_serve_ctx *ctx);
/* A notification of ours with this MID was rejected or never acknowledged: that observer goes. */
void obs_failed(struct eiot_coaps_server *srv, struct peer *p, uint16_t mid);
/* Every registration of p goes (the peer ends). */
void obs_drop_all(struct eiot_coaps_server *srv, struct peer *p);

#endif
