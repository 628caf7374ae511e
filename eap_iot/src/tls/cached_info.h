/*
 * tls/cached_info.h — cached_info (RFC 7924) for both roles: the client's offer from the
 * application's store, its use of a cached chain, the refresh after a full handshake; the
 * server's recognition of its own Certificate message and the hash it sends instead.
 *
 * The fingerprint is SHA-256 over the Certificate message with its TLS handshake header
 * (type 11, uint24 length, body: RFC 7924 §4.1 and Appendix A, "starts with 0b 00 02"). DTLS
 * uses the same 4-byte form, so one cache entry serves both transports.
 * A build without it (EIOT_WITH_CACHED_INFO 0) keeps these calls as the plain handshake: no
 * offer, no answer, every Certificate checked as received.
 */
#ifndef EIOT_TLS_CACHED_INFO_H
#define EIOT_TLS_CACHED_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/conn_int.h"

#if EIOT_WITH_CACHED_INFO
/* Client, before the ClientHello: load the entry for the reference name and, when it parses
 * as a Certificate body, offer its hash (hs.ci_offered). A missing, unreadable or malformed
 * entry means no offer (a malformed one is removed). 0 or EIOT_ERR_NO_MEMORY. */
int ci_client_offer(struct eiot_conn *c);
/* Client, ServerHello of a full handshake: the server's cached_info answer, if any (only
 * 'cert', and only when offered; else illegal_parameter). Sets hs.ci_hit. */
int ci_client_on_hello(struct eiot_conn *c, const struct hs_exts *e);
/* Client, the server's Certificate: on a hit, the hash must be the one offered
 * (illegal_parameter otherwise) and the cached body is checked as if received; on a miss the
 * body is checked and kept for the refresh. *empty as hs_check_certificate. */
int ci_client_certificate(struct eiot_conn *c, const uint8_t *body, size_t n, bool *empty);
/* Client, the full handshake succeeded: store the server's chain when it came in full. */
void ci_client_done(struct eiot_conn *c);
/* Forget the client's buffers (handshake over, failed or conn freed). */
void ci_release(struct eiot_conn *c);

/* Server, ClientHello of a full handshake with an X.509 or raw key Certificate to send:
 * decide whether to answer (hs.ci_hit). */
void ci_server_on_hello(struct eiot_conn *c, const struct hs_exts *e);
/* Server: the Certificate body, the hash when hs.ci_hit (RFC 7924 §4.1 hash_value<1..255>),
 * else the chain. */
void ci_server_write_certificate(struct eiot_conn *c, struct wr *w);

/* The peer's Certificate message is replaced by its hash (both roles). */
static inline bool ci_hit(const struct eiot_conn *c)
{
	return c->hs.ci_hit;
}
/* Client: the hash offered in the ClientHello, NULL when none. */
static inline const uint8_t *ci_offer_hash(const struct eiot_conn *c)
{
	return c->hs.ci_offered ? c->hs.ci_hash : NULL;
}
/* Client: the SHA-256 of the trust anchor: the cached entry's on a hit, else where the chain
 * check writes its own (for the entry to store); NULL without cached_info. */
static inline uint8_t *ci_anchor(struct eiot_conn *c)
{
	return c->hs.ci_anchor;
}
/* Bytes of the cache entry held on the heap. */
static inline size_t ci_held(const struct eiot_conn *c)
{
	return c->hs.ci_len;
}
#else /* the plain handshake: no offer, no answer, every Certificate as received */
static inline int ci_client_offer(struct eiot_conn *c)
{
	(void)c;
	return 0;
}
static inline int ci_client_on_hello(struct eiot_conn *c, const struct hs_exts *e)
{
	(void)c, (void)e;
	return 0;
}
static inline int ci_client_certificate(struct eiot_conn *c, const uint8_t *body, size_t n, bool *empty)
{
	return hs_check_certificate(c, body, n, empty);
}
static inline void ci_client_done(struct eiot_conn *c)
{
	(void)c;
}
static inline void ci_release(struct eiot_conn *c)
{
	(void)c;
}
static inline void ci_server_on_hello(struct eiot_conn *c, const struct hs_exts *e)
{
	(void)c, (void)e;
}
static inline void ci_server_write_certificate(struct eiot_conn *c, struct wr *w)
{
	hs_write_own_certificate(c, w);
}
static inline bool ci_hit(const struct eiot_conn *c)
{
	(void)c;
	return false;
}
static inline const uint8_t *ci_offer_hash(const struct eiot_conn *c)
{
	(void)c;
	return NULL;
}
static inline uint8_t *ci_anchor(struct eiot_conn *c)
{
	(void)c;
	return NULL;
}
static inline size_t ci_held(const struct eiot_conn *c)
{
	(void)c;
	return 0;
}
#endif

#endif
