/*
 * tls/creds.h — certificate credentials: the config setters' helpers and the check of a
 * peer's certificate chain (RFC 7925 §4.4), done on the crypto seam (crypto/x509.h).
 */
#ifndef EIOT_TLS_CREDS_H
#define EIOT_TLS_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/config_int.h"

/*
 * Verify the peer's chain certs[0..n) (DER, leaf first, as received in Certificate) against
 * cfg's trust anchors, time, max_chain and usage settings, then its identity:
 *  - peer_is_server: the RFC 7925 §4.4.1 / RFC 6125 name check of cfg->server_name under
 *    cfg->name_policy (creds_match_name);
 *  - otherwise: the device's EUI-64 (RFC 7925 §4.4.2) from a SAN dNSName or the leftmost
 *    subject CN into eui64, *has_eui64 = false when there is none (not an error).
 * On success peer_key holds the leaf's P-256 public key (the caller frees it with
 * eiot_pkey_free) and anchor, when not NULL, the SHA-256 of the trust anchor's DER; on failure
 * peer_key is left empty. Returns 0 or one EIOT_ERR_CERT_* (or EIOT_ERR_NO_MEMORY), after one
 * log line that says what was wrong.
 */
int creds_verify_peer(const struct eiot_config *cfg, const uint8_t *const *certs,
		      const size_t *lens, size_t n, bool peer_is_server,
		      struct eiot_pkey *peer_key, uint8_t eui64[8], bool *has_eui64,
		      uint8_t anchor[32]);

/*
 * Client: the same checks for a server chain this client verified in an earlier successful
 * handshake and kept (RFC 7924 cached_info), except that signatures are not verified again
 * (eiot_x509_recheck says what is: the anchor it was verified up to, anchor, still
 * configured, chain length, profile, dates, usage); the reference name is checked again as
 * above.
 */
int creds_recheck_cached_server(const struct eiot_config *cfg, const uint8_t *const *certs,
				const size_t *lens, size_t n, const uint8_t anchor[32],
				struct eiot_pkey *peer_key);

/*
 * The server name check, pure. ref: the reference DNS name (NUL-terminated, LDH).
 * names[0..n_names): the certificate's SAN dNSNames; cn/cn_len: its leftmost subject CN
 * (NULL when none). policy: EIOT_NAME_* flags. Rules (RFC 7925 §4.4.1, RFC 6125 §6.4):
 * ASCII case-insensitive exact match of a dNSName; no wildcard presented at all unless
 * EIOT_NAME_ALLOW_WILDCARD, and then only "*" as the whole leftmost label, standing for exactly
 * one label, with at least two labels after it; more than one dNSName refused unless
 * EIOT_NAME_ALLOW_MULTIPLE; the CN only with EIOT_NAME_ALLOW_CN and no dNSName.
 * Returns 0, EIOT_ERR_CERT_WILDCARD (a wildcard was presented and is not allowed) or
 * EIOT_ERR_CERT_NAME_MISMATCH.
 */
int creds_match_name(const char *ref, const uint8_t *const *names, const size_t *lens,
		     size_t n_names, const uint8_t *cn, size_t cn_len, unsigned policy);

/*
 * Parse an EUI-64 in text form: "00-11-22-33-44-55-66-77" (RFC 7252 §9.1.3.3 style) or
 * "0011223344556677", hex digits in either case, nothing else. Returns 0 or EIOT_ERR_DECODE.
 */
int creds_parse_eui64(const uint8_t *s, size_t len, uint8_t out[8]);

#endif
