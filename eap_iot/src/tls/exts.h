/*
 * tls/exts.h — hello extensions (internal to msgs.c): the parser that fills struct hs_exts
 * from the extensions block of a ClientHello or ServerHello, and the writers the hellos use.
 */
#ifndef EIOT_TLS_EXTS_H
#define EIOT_TLS_EXTS_H

#include <stdbool.h>

#include "tls/msgs.h"
#include "util/rw.h"

/* At most this many extensions in one hello (duplicates are found by a linear scan over the
 * types seen so far); more is a decode error. Real hellos carry fewer than 30. */
#define HS_MAX_EXTS 64

/*
 * Parse the optional extensions block that ends a hello: r holds what is left of the body.
 * An empty r means no block (RFC 5246 §7.4.1.2); otherwise the block must fill r exactly.
 * server_hello selects the ServerHello forms (empty server_name and session_ticket).
 * Returns 0 or EIOT_ERR_DECODE (bad lengths, duplicate type, too many extensions).
 */
int hs_parse_exts(struct rd *r, bool server_hello, struct hs_exts *e);

/* An extension with an empty body (extended_master_secret, encrypt_then_mac, ...). */
void hs_write_ext_empty(struct wr *w, uint16_t type);
/* renegotiation_info with an empty renegotiated_connection (RFC 5746 §3.4, §3.6). */
void hs_write_ext_reneg_info(struct wr *w);
/* server_name with one host_name (RFC 6066 §3); an empty or over-long name sets w->err. */
void hs_write_ext_server_name(struct wr *w, const char *host);
/* max_fragment_length with one code (RFC 6066 §4). */
void hs_write_ext_mfl(struct wr *w, uint8_t code);
/* record_size_limit (RFC 8449 §4). */
void hs_write_ext_rsl(struct wr *w, uint16_t limit);
/* client_/server_certificate_type: a list (ClientHello) or one type (ServerHello, n = 1 and
 * single set). */
void hs_write_ext_cert_types(struct wr *w, uint16_t type, const uint8_t *types, size_t n,
			     bool single);
/* cached_info (RFC 7924 §3): from the client one CachedObject {cert, hash[32]}; from the
 * server (hash NULL) the type cert alone. */
void hs_write_ext_cached_info(struct wr *w, const uint8_t *hash);
/* connection_id: cid<0..2^8-1> (RFC 9146 §3). */
void hs_write_ext_cid(struct wr *w, const uint8_t *cid, size_t len);
/* supported_groups {secp256r1} (RFC 8422 §5.1.1). */
void hs_write_ext_groups(struct wr *w);
/* ec_point_formats {uncompressed} (RFC 8422 §5.1.2). */
void hs_write_ext_point_formats(struct wr *w);
/* signature_algorithms {ecdsa_secp256r1_sha256} (RFC 5246 §7.4.1.4.1). */
void hs_write_ext_sigalgs(struct wr *w);

#endif
