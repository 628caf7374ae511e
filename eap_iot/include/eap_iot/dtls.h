/*
 * eap_iot/dtls.h — the stateless front door of a DTLS server (RFC 6347 §4.2.1).
 *
 * A datagram from an address with no connection goes through eiot_dtls_accept() first. The
 * server keeps no per-peer state until a ClientHello comes back with a cookie that verifies:
 * the cookie is HMAC-SHA256(secret, client address || ClientHello fields), and the secret
 * rotates (the previous one is still accepted, so a cookie lives one to two periods).
 */
#ifndef EAP_IOT_DTLS_H
#define EAP_IOT_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eap_iot/config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct eiot_cookie_secret;

/* Default rotation period of the cookie secret. */
#define EIOT_COOKIE_ROTATE_MS (300u * 1000u)

/* New secret, drawn from the configuration's random source. NULL on ENOMEM or RNG failure. */
struct eiot_cookie_secret *eiot_cookie_secret_new(const struct eiot_config *cfg, uint64_t now_ms);
void eiot_cookie_secret_free(struct eiot_cookie_secret *s);

/*
 * Decide about one datagram from a peer that has no connection yet.
 *   EIOT_OK             — it holds a ClientHello with a valid cookie (or cookies are off in cfg,
 *                         or it resumes a live session of cfg's session cache and cfg allows
 *                         that without a cookie, eiot_config_set_resume_without_cookie):
 *                         create a connection (eiot_conn_new) and feed it this same datagram.
 *                         A ClientHello fragmented over the records of this one datagram
 *                         (a client with small records) is put together first; one spread over
 *                         several datagrams cannot be without state, and is dropped.
 *                         With cookies off, the first fragment of a fragmented ClientHello is
 *                         accepted too (its connection reassembles the rest): the way to serve
 *                         frames too small for a whole ClientHello, at the price of state for
 *                         any datagram that looks like one (bound it: peers, rate, give-up).
 *   EIOT_ERR_COOKIE_SENT — reply[0..*reply_len) is a HelloVerifyRequest datagram to send back
 *                         (also when the cookie was wrong or from a rotated-out secret).
 *   any other error     — drop the datagram (not a ClientHello, malformed).
 * addr is the peer's transport address in any stable encoding (e.g. a sockaddr).
 */
int eiot_dtls_accept(struct eiot_cookie_secret *s, const struct eiot_config *cfg,
		     const void *addr, size_t addr_len, const uint8_t *dgram, size_t len,
		     uint64_t now_ms, uint8_t *reply, size_t cap, size_t *reply_len);

/*
 * The connection ID of a datagram's first record when it is a tls12_cid record (RFC 9146 §4)
 * and the server gives CIDs of cid_len bytes (all of its CIDs have that length: the header
 * does not say it). true and *cid pointing into dgram, or false (a record without a CID, too
 * short, cid_len 0). Routing by it is only a hint: the connection decides whether the record
 * is authentic.
 */
bool eiot_dtls_record_cid(const uint8_t *dgram, size_t len, size_t cid_len, const uint8_t **cid);

#ifdef __cplusplus
}
#endif
#endif
