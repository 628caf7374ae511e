/*
 * tls/session.h — resumable session state on the server side (behind eap_iot/config.h): the
 * bounded session-ID cache and stateless tickets (RFC 5077 §4's recommended shape:
 * key_name || IV || AES-128-GCM(state) || tag, key_name as additional data).
 *
 * Invariants: at most max_entries sessions are cached; an entry or ticket older than lifetime
 * is never resumed; two ticket keys live at once (current, previous), each at most two
 * lifetimes; every master secret is wiped when evicted, expired or freed.
 */
#ifndef EIOT_TLS_SESSION_H
#define EIOT_TLS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eap_iot/config.h"

/* The session IDs a server gives. RFC 5246 §7.4.1.3 allows 0..32 bytes; 16 random bytes are
 * unique enough for a cache key (an ID is no secret: it travels in clear) and keep 16 bytes out
 * of every ServerHello — at EAP-TLS fragment 100 that is the difference between three fragments
 * of the server's first flight and four with cached_info and a certificate URL. */
#define SESS_ID_LEN 16
#define SESS_KEY_NAME 16
#define SESS_TICKET_IV 12
#define SESS_TICKET_TAG 16
/* key name, IV, state (fixed part + PSK identity), tag */
#define SESS_TICKET_MAX \
	(SESS_KEY_NAME + SESS_TICKET_IV + 80 + EIOT_MAX_PSK_IDENTITY + SESS_TICKET_TAG)

/* What resuming a session restores. */
struct sess_state {
	uint8_t transport;           /* enum eiot_transport */
	uint16_t suite;
	bool ems;
	uint8_t ms[48];
	uint64_t born_ms;            /* when the full handshake completed */
	bool client_cert;            /* the client authenticated with a certificate */
	bool has_eui64;
	uint8_t eui64[8];
	uint8_t psk_identity[EIOT_MAX_PSK_IDENTITY];
	size_t psk_identity_len;
};

/* Why a session could not be found (for the one log line). */
enum sess_miss { SESS_FOUND = 0, SESS_UNKNOWN, SESS_EXPIRED, SESS_BAD_TICKET, SESS_OLD_KEY };
const char *sess_miss_str(enum sess_miss m);

/* Cache: store a finished session under id (evicting an expired or the oldest entry when
 * full), and look one up (an expired entry is wiped and reported SESS_EXPIRED). */
void sess_cache_put(struct eiot_session_cache *sc, const uint8_t id[SESS_ID_LEN],
		    const struct sess_state *st);
enum sess_miss sess_cache_get(struct eiot_session_cache *sc, const uint8_t *id, size_t id_len,
			      uint64_t now_ms, struct sess_state *out);

/* Ticket: seal st into out (cap >= SESS_TICKET_MAX), rotating the key when its period is
 * over; open a ticket into *out. 0 / an error from the random source or AEAD. */
int sess_ticket_seal(struct eiot_session_cache *sc, const struct sess_state *st, uint64_t now_ms,
		     uint8_t *out, size_t cap, size_t *len);
enum sess_miss sess_ticket_open(struct eiot_session_cache *sc, const uint8_t *t, size_t n,
				uint64_t now_ms, struct sess_state *out);
/* Whether a ClientHello's ticket (when cfg issues tickets) or session ID names a session
 * that is still alive: the DTLS front door may let such a ClientHello skip the cookie exchange
 * (RFC 6347 §4.2.1; eiot_config_set_resume_without_cookie). The connection checks the rest. */
bool sess_is_resumable(const struct eiot_config *cfg, const uint8_t *ticket, size_t ticket_len,
		       const uint8_t *session_id, size_t session_id_len, uint64_t now_ms);
/* The ticket lifetime hint in seconds (RFC 5077 §3.3). */
uint32_t sess_lifetime_s(const struct eiot_session_cache *sc);

#endif
