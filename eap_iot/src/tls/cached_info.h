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

#endif
