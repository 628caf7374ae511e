/*
 * eap_iot/eap_tls.h — EAP-TLS (RFC 5216) over the engine, peer and server, sans-I/O.
 *
 * One struct eiot_eap_tls carries one EAP-TLS conversation. It takes whole EAP packets
 * (RFC 3748 §4: Code, Identifier, Length, Type, ...) and produces whole EAP packets; the caller
 * moves them (wpa_supplicant's EAPOL, a RADIUS EAP-Message, or memory in tests).
 *
 * fragment_size (one meaning everywhere in eap_iot): the largest number of TLS bytes carried
 * in one EAP-TLS packet. The EAP packet is then at most fragment_size + 10 bytes (EAP header 5,
 * Flags 1, TLS Message Length 4). This is wpa_supplicant's `fragment_size`. FreeRADIUS's
 * `fragment_size` counts the whole EAP packet, and a RADIUS Framed-MTU counts TLS bytes the way
 * FreeRADIUS uses it: convert with eiot_eap_fragment_from_eap_size() / _from_framed_mtu().
 */
#ifndef EAP_IOT_EAP_TLS_H
#define EAP_IOT_EAP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eap_iot/config.h"
#include "eap_iot/conn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EIOT_EAP_TYPE_TLS 13
#define EIOT_EAP_CODE_REQUEST 1
#define EIOT_EAP_CODE_RESPONSE 2
#define EIOT_EAP_CODE_SUCCESS 3
#define EIOT_EAP_CODE_FAILURE 4

#define EIOT_EAP_MIN_FRAGMENT 64     /* TLS bytes per packet, smallest accepted */
#define EIOT_EAP_DEFAULT_FRAGMENT 1398
#define EIOT_EAP_DEFAULT_MAX_MESSAGE 65536 /* largest reassembled TLS data accepted */

/* Outcome of the conversation, in RFC 4137's terms. */
enum eiot_eap_status {
	EIOT_EAP_CONTINUE = 0, /* more packets to exchange */
	EIOT_EAP_TLS_DONE,     /* TLS handshake complete; keys exported; waiting for EAP-Success */
	EIOT_EAP_SUCCESS,      /* peer: Success received after TLS_DONE; server: Success sent */
	EIOT_EAP_FAILURE       /* the conversation failed: eiot_eap_tls_error() tells why */
};

struct eiot_eap_tls;

struct eiot_eap_tls_opts {
	size_t fragment_size; /* TLS bytes per packet; 0 = EIOT_EAP_DEFAULT_FRAGMENT */
	size_t max_message;   /* bound on one reassembled TLS message (the L field); 0 = default */
	/* L flag and TLS Message Length in every packet that carries TLS data, as FreeRADIUS's
	 * include_length = yes does; default: only on the first fragment of a fragmented message
	 * (RFC 5216 §3.1 requires no more). */
	bool length_always;
	/* Peer only: a session from eiot_eap_tls_get_session() to offer (copied at
	 * eiot_eap_tls_new; NULL = full handshake). RFC 5216 §2.1.3: when the server resumes it,
	 * the conversation is Start -> ClientHello; ServerHello, ChangeCipherSpec, Finished ->
	 * ChangeCipherSpec, Finished; EAP-Success. A server that does not resume it answers with
	 * a full handshake. A server refuses the option (eiot_eap_tls_new returns NULL); its
	 * resumption is the session cache on its configuration (eiot_config_set_session_cache). */
	const struct eiot_session *resume;
};

/* New conversation. cfg must be transport EIOT_TLS; its role decides peer (client) or
 * server. NULL on ENOMEM, a bad option, or a configuration the TLS connection cannot start
 * with, such as a client with no credentials (logged through cfg). */
struct eiot_eap_tls *eiot_eap_tls_new(const struct eiot_config *cfg,
				      const struct eiot_eap_tls_opts *opts, uint64_t now_ms);
/* Free it, zeroizing keys. NULL is fine. */
void eiot_eap_tls_free(struct eiot_eap_tls *e);

/*
 * Server: build the first EAP-Request/TLS with the Start flag and the given Identifier.
 */
int eiot_eap_server_start(struct eiot_eap_tls *e, uint8_t identifier, uint8_t *out, size_t cap,
			  size_t *out_len);

/*
 * Process one received EAP packet and produce the answer, if any, in out (*out_len = 0 when
 * there is none, e.g. a duplicate response the server ignores).
 *   Peer:   takes a Request (type 13) and answers with a Response carrying the same Identifier;
 *           a repeated Request (same Identifier, same bytes) gets the same Response again
 *           without touching the TLS state. Takes Success/Failure too: Success is refused
 *           (EIOT_ERR_WRONG_STATE, status FAILURE) unless the TLS handshake completed.
 *   Server: takes a Response and answers with the next Request (Identifier + 1), or with
 *           EAP-Success after the handshake completed and the peer acknowledged the last
 *           fragment, or EAP-Failure when the conversation failed.
 * Returns EIOT_OK (look at eiot_eap_tls_status()) or the error that failed the conversation.
 * Malformed packets (wrong type, bad lengths, flags out of place) are refused with
 * EIOT_ERR_DECODE without changing state, so a spoofed packet cannot end the conversation;
 * a TLS Message Length above max_message is EIOT_ERR_MESSAGE_TOO_LARGE and fails it.
 * cap must be at least fragment_size + 10 (EIOT_ERR_BUFFER_TOO_SMALL otherwise). When the
 * conversation fails, out may still hold a packet to send — the response or request carrying
 * our alert, or EAP-Failure — even though the return value is the error (hostap's tls.h rule).
 */
int eiot_eap_tls_process(struct eiot_eap_tls *e, const uint8_t *in, size_t in_len, uint64_t now_ms,
			 uint8_t *out, size_t cap, size_t *out_len);

enum eiot_eap_status eiot_eap_tls_status(const struct eiot_eap_tls *e);
/* The error that failed the conversation (EIOT_OK otherwise). */
int eiot_eap_tls_error(const struct eiot_eap_tls *e);
/* The TLS connection underneath (suite, alerts, peer identity). Never NULL. */
const struct eiot_conn *eiot_eap_tls_conn(const struct eiot_eap_tls *e);

/* RFC 5216 §2.3 keys, available from EIOT_EAP_TLS_DONE on:
 *   MSK  = TLS-PRF(master_secret, "client EAP encryption", client_random || server_random)[0..64)
 *   EMSK = the same PRF output [64..128)
 *   IV   = TLS-PRF("", "client EAP encryption", client_random || server_random)[0..64)
 *   Session-Id = 0x0D || client_random || server_random (65 bytes)
 *   Method-Id  = client_random || server_random (64 bytes) */
struct eiot_eap_keys {
	uint8_t msk[64], emsk[64], iv[64];
	uint8_t session_id[65];
	uint8_t method_id[64];
};
int eiot_eap_tls_keys(const struct eiot_eap_tls *e, struct eiot_eap_keys *keys);

/* Peer, from EIOT_EAP_TLS_DONE on: the session to offer on the next authentication to the
 * same server (eiot_conn_get_session: the new ticket when the server sent one). Holds the
 * master secret: wipe it with eiot_session_clear(). EIOT_ERR_WANT_MORE when the server offered
 * no way to resume; EIOT_ERR_WRONG_STATE before TLS_DONE, after a failure or on a server. */
int eiot_eap_tls_get_session(const struct eiot_eap_tls *e, struct eiot_session *out);
/* Whether the TLS handshake was an abbreviated (resumed) one. False until it completed. */
bool eiot_eap_tls_resumed(const struct eiot_eap_tls *e);

/* Counters for reports: EAP packets and bytes each way, round trips (request/response pairs). */
struct eiot_eap_stats {
	unsigned packets_in, packets_out, round_trips;
	size_t bytes_in, bytes_out;
};
void eiot_eap_tls_stats(const struct eiot_eap_tls *e, struct eiot_eap_stats *st);

/* fragment_size conversions (see the file comment). */
size_t eiot_eap_fragment_from_eap_size(size_t eap_packet_bytes); /* FreeRADIUS fragment_size */
size_t eiot_eap_fragment_from_framed_mtu(size_t framed_mtu);     /* RADIUS Framed-MTU */

#ifdef __cplusplus
}
#endif
#endif
