/*
 * eap_iot/conn.h — one TLS or DTLS 1.2 connection, sans-I/O.
 *
 * The engine never touches a socket or a clock. The caller:
 *   - feeds what it received: any slice of the TLS byte stream, or exactly one UDP datagram
 *     for DTLS, with the current time in milliseconds (any monotonic origin);
 *   - drains what to send with eiot_conn_output() until it returns 0 (for DTLS one call
 *     gives one datagram);
 *   - asks eiot_conn_next_timer() when to call eiot_conn_tick() (DTLS retransmission and the
 *     handshake give-up time);
 *   - reads and writes application data once eiot_conn_state() is EIOT_STATE_ESTABLISHED.
 *
 * Memory: eiot_conn_new() makes one allocation, sized from the configuration
 * (eiot_conn_size()); the record path allocates nothing. X.509 parsing of the peer's chain
 * allocates inside mbedTLS, bounded by the configured maximum handshake size.
 *
 * Errors are sticky: after the first failure every call returns the same code, and the
 * output holds the fatal alert to send (TLS; DTLS too when keys were in place or it is a
 * handshake failure).
 */
#ifndef EAP_IOT_CONN_H
#define EAP_IOT_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eap_iot/config.h"
#include "eap_iot/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct eiot_conn;

enum eiot_state {
	EIOT_STATE_HANDSHAKE = 0, /* handshake running */
	EIOT_STATE_ESTABLISHED,   /* application data may flow */
	EIOT_STATE_CLOSED,        /* close_notify sent or received */
	EIOT_STATE_FAILED         /* a fatal error: see eiot_conn_error() */
};

/* Bytes one connection of this configuration allocates. */
size_t eiot_conn_size(const struct eiot_config *cfg);

/* Bytes this connection holds now (its allocation, the peer's kept certificate...). */
size_t eiot_conn_footprint(const struct eiot_conn *c);
/*
 * DTLS, after the handshake: give back the handshake's memory (reassembly, flight and scratch
 * buffers, transcript, ECDH state), keeping only what records need — for a server holding
 * many established peers. It happens only once the peer's application data has shown that it
 * has our last flight (RFC 6347 §4.2.4); until then, and for TLS, c is returned unchanged.
 * Returns the connection to use from now on (c itself when nothing was done, or when memory
 * was short). Handshake records arriving later are dropped (a client that starts over does
 * so from epoch 0, as a new connection). From then on the record buffers exist only while
 * data waits in them: allocated by eiot_conn_feed or eiot_conn_write, wiped and freed when
 * eiot_conn_read and eiot_conn_output have taken everything; an idle compact connection
 * holds no buffers (eiot_conn_footprint shows it). When that allocation fails, a datagram
 * fed is dropped (one log line) and eiot_conn_write returns EIOT_ERR_NO_MEMORY, writing
 * nothing; the connection stays usable.
 */
struct eiot_conn *eiot_conn_compact(struct eiot_conn *c);

/* New connection. A client queues its ClientHello at once. NULL on ENOMEM. */
struct eiot_conn *eiot_conn_new(const struct eiot_config *cfg, uint64_t now_ms);
/* Free it, zeroizing every secret. NULL is fine. */
void eiot_conn_free(struct eiot_conn *c);

/* Feed received bytes. TLS: any amount of the stream (partial records are kept).
 * DTLS: exactly one datagram; invalid records inside it are dropped silently (RFC 6347 §4.1.2.7).
 * Returns EIOT_OK or the connection's sticky error. */
int eiot_conn_feed(struct eiot_conn *c, const uint8_t *in, size_t len, uint64_t now_ms);
/* The same for a TLS stream that may carry more application data than the connection buffers
 * (two records): it stops before a record that might not fit, sets *used to the bytes taken,
 * and the caller reads (eiot_conn_read) and feeds the rest. With eiot_conn_feed such a stream
 * fails with EIOT_ERR_BUFFER_TOO_SMALL. DTLS always takes the whole datagram. */
int eiot_conn_feed_some(struct eiot_conn *c, const uint8_t *in, size_t len, uint64_t now_ms,
			size_t *used);

/* Copy the next output into buf. TLS: as many queued bytes as fit. DTLS: one whole datagram
 * (EIOT_ERR_BUFFER_TOO_SMALL if it does not fit; nothing is lost). A datagram of a handshake
 * flight is cut for the MTU and built in buf itself. *len = 0 when there is none. */
int eiot_conn_output(struct eiot_conn *c, uint8_t *buf, size_t cap, size_t *len);

/* Absolute time (ms) at which eiot_conn_tick() wants to run; UINT64_MAX when never. */
uint64_t eiot_conn_next_timer(const struct eiot_conn *c);
/* Run timers: retransmit the last flight (DTLS) or fail with EIOT_ERR_TIMEOUT. */
int eiot_conn_tick(struct eiot_conn *c, uint64_t now_ms);

/* Application data. write() protects up to the record limit per record and queues it;
 * *written tells how much was taken. read() gives decrypted data: DTLS one record per call
 * (message boundaries kept); EIOT_ERR_WANT_MORE when none is buffered. */
int eiot_conn_write(struct eiot_conn *c, const uint8_t *data, size_t len, size_t *written);
int eiot_conn_read(struct eiot_conn *c, uint8_t *buf, size_t cap, size_t *len);
/* The most application data one record carries (the record limits, and for DTLS the MTU);
 * 0 unless ESTABLISHED. A DTLS message of an upper layer (a CoAP message) must fit it. */
size_t eiot_conn_record_room(const struct eiot_conn *c);

/* Queue a close_notify; the state becomes EIOT_STATE_CLOSED. */
int eiot_conn_close(struct eiot_conn *c);

enum eiot_state eiot_conn_state(const struct eiot_conn *c);
/* The sticky error (EIOT_OK while none). */
int eiot_conn_error(const struct eiot_conn *c);
/* Negotiated suite, 0 before ServerHello. */
uint16_t eiot_conn_suite(const struct eiot_conn *c);
/* Last alert sent and received (EIOT_ALERT_NONE if none). */
void eiot_conn_last_alert(const struct eiot_conn *c, int *sent, int *received);
/* Whether extended master secret (RFC 7627) was negotiated. */
bool eiot_conn_ems(const struct eiot_conn *c);

/* Keying material exporter (RFC 5705): PRF(master_secret, label, client_random ||
 * server_random [|| uint16 context_len || context]). context NULL means "no context", which
 * is not the same as an empty one. Only when ESTABLISHED. 1..1024 bytes. */
int eiot_conn_export(const struct eiot_conn *c, const char *label, const uint8_t *context,
		     size_t context_len, uint8_t *out, size_t out_len);
/* The two hello randoms (32 bytes each), as EAP-TLS needs for Session-Id and IV. */
int eiot_conn_randoms(const struct eiot_conn *c, uint8_t client_random[32], uint8_t server_random[32]);

/* DTLS Connection ID (RFC 9146, eiot_config_set_connection_id). Once ESTABLISHED: the CID we
 * gave, which the peer's records carry (NULL, *len 0 when none is in use). A server that
 * routes datagrams by it (eiot_dtls_record_cid) keeps an index of these. */
const uint8_t *eiot_conn_own_cid(const struct eiot_conn *c, size_t *len);
/* Server, before the ClientHello is fed: the CID this connection gives if the client asks for
 * CIDs, instead of random bytes. len is the configuration's CID length, or 0 for none (the
 * client then sends records without one). A server that routes by CID uses this to give CIDs
 * no other peer holds. EIOT_ERR_WRONG_STATE once the hello came or for a client,
 * EIOT_ERR_BAD_PARAM for another length or CIDs off in the configuration. */
int eiot_conn_set_own_cid(struct eiot_conn *c, const uint8_t *cid, size_t len);
/* Whether the datagram fed last held a record that authenticated and is newer than every
 * record before it. RFC 9146 §6: only such a datagram may move the peer to the address it
 * came from; a spoofed, replayed or reordered one never does. */
bool eiot_conn_peer_may_move(const struct eiot_conn *c);

/* Server: the PSK identity the client used (NULL if none). */
const uint8_t *eiot_conn_psk_identity(const struct eiot_conn *c, size_t *len);
/* The peer's EUI-64 (RFC 7925 §4.4.2) from its certificate's SAN or leftmost CN, as written
 * in RFC 7252 §9.1.3.3 ("00-11-22-33-44-55-66-77" or 16 hex digits). EIOT_ERR_WANT_MORE when the
 * peer sent no certificate or its certificate carries no EUI-64. */
int eiot_conn_peer_eui64(const struct eiot_conn *c, uint8_t eui64[8]);

/* How the peer authenticated in the handshake just completed (either role; meaningful from
 * ESTABLISHED on). Pointers stay valid until eiot_conn_free(). A resumed handshake sends no
 * credential: only the EUI-64 and PSK identity carry over (eiot_conn_peer_eui64,
 * eiot_conn_psk_identity). */
struct eiot_peer_info {
	bool resumed;           /* abbreviated handshake */
	bool cached_info;       /* RFC 7924: the server sent the hash of its Certificate, not the chain */
	bool cert_url;          /* RFC 6066 §5: the client's chain came from a CertificateURL */
	bool rpk;               /* RFC 7250: the peer presented a raw public key */
	uint8_t rpk_sha256[32]; /* ... the SHA-256 of its SubjectPublicKeyInfo */
	const uint8_t *cert;    /* the peer's verified leaf certificate (DER), when the configuration */
	size_t cert_len;        /* keeps it (eiot_config_set_keep_peer_cert); else NULL, 0 */
	const char *url;        /* the first CertificateURL, when cert_url and kept; else NULL */
	bool restored;          /* from eiot_conn_restore: nothing of the handshake is known here */
};
int eiot_conn_peer_info(const struct eiot_conn *c, struct eiot_peer_info *out);

/* ---- Resumption (client) ----
 * After a handshake the client may keep its session and offer it on a later connection to the
 * same server (the application keys stored sessions by server). The struct holds the master
 * secret: keep it as secret as a key, and wipe it with eiot_session_clear(). Its layout is for
 * this library version only; treat it as opaque bytes. A resumed connection has no peer
 * certificate: eiot_conn_peer_eui64() answers EIOT_ERR_WANT_MORE there. */
#define EIOT_SESSION_MAX_TICKET 1024 /* a longer ticket is not kept (the session ID still is) */
struct eiot_session {
	bool valid;
	uint8_t transport;      /* enum eiot_transport */
	uint16_t suite;
	bool ems;               /* the session used extended master secret (RFC 7627) */
	uint8_t master[48];
	uint8_t id[32];
	uint8_t id_len;         /* 0: the server gave no session ID */
	uint16_t ticket_len;    /* 0: no ticket */
	uint32_t ticket_lifetime_hint; /* seconds, as the server said (0: unspecified) */
	uint8_t ticket[EIOT_SESSION_MAX_TICKET];
};

/* Client: a new connection that offers session s (copied; s may be wiped afterwards). A
 * session the configuration cannot use (other transport, suite no longer configured, nothing
 * to offer) is not offered: the handshake is a full one. NULL on ENOMEM or a NULL argument. */
struct eiot_conn *eiot_conn_new_resume(const struct eiot_config *cfg, const struct eiot_session *s,
				       uint64_t now_ms);
/* Client, once the handshake completed (ESTABLISHED or CLOSED): the session to keep (the new
 * ticket if the server sent one). EIOT_ERR_WANT_MORE when the server offered no way to resume
 * (no session ID, no ticket); EIOT_ERR_WRONG_STATE before the handshake completed, after a
 * fatal error (RFC 5246 §7.2.2) or on a server. */
int eiot_conn_get_session(const struct eiot_conn *c, struct eiot_session *out);
/* Zeroize a session. NULL is fine. */
void eiot_session_clear(struct eiot_session *s);
/* Whether this connection was an abbreviated (resumed) handshake. */
bool eiot_conn_resumed(const struct eiot_conn *c);

/* ---- Saved connections: a DTLS session kept over power-down (EIOT_WITH_SAVE) ----
 *
 * eiot_conn_save writes an established DTLS connection's record state — suite, epoch, both
 * directions' keys and IVs, the next record number to send, the replay window, the record
 * limits and connection IDs — as at most EIOT_SAVED_MAX bytes (80 without connection IDs).
 * eiot_conn_restore makes a connection from them, in a new process or after a reset, that
 * sends and receives application data at once: no handshake, no round trip.
 *
 * Record numbers (the CCM nonce): a number must never be used twice with the same key. A save
 * reserves the next `reserve` numbers: the state holds the number after them, and from then on
 * the connection sends only with reserved numbers (eiot_conn_write and close_notify fail with
 * EIOT_ERR_SAVE_NEEDED when they are used up; save again). A restored connection has none
 * reserved: it sends nothing before it is saved again. So the caller keeps ONE slot:
 *   1. eiot_conn_save, then write the state to the slot, completely, before
 *   2. any eiot_conn_write (or close) that uses the reservation.
 * Whatever happens after step 1 (a crash right after a send, a reset in the middle of the
 * write, which the check value turns into EIOT_ERR_BAD_SAVED_STATE and a new handshake), the
 * state in the slot starts above every number sent. Restoring an OLDER state on purpose
 * breaks this: its numbers were used, the nonces repeat, and CCM's confidentiality and
 * integrity are gone for those records (and the peer drops them as replays when they fall
 * behind its window). Never keep copies, and never restore a state twice without saving.
 * A larger reserve means fewer writes (flash wear) and skips at most reserve numbers per
 * reset, out of 2^48.
 *
 * The receive side: the replay window is the one at the save. Records received after it and
 * replayed after a restore pass the window once; save after receiving when that matters.
 *
 * The state holds the keys: store it where the device keeps its PSK or private key (secure
 * storage, or encrypted under a device key), wipe it when the session ends, and never send it.
 * Its check value finds corruption and torn writes, not forgery. A restored connection has no
 * handshake secrets and no peer details: eiot_conn_export and eiot_conn_randoms answer
 * EIOT_ERR_WRONG_STATE, eiot_peer_info says restored. It holds only its record state; its
 * buffers exist while data passes (as eiot_conn_compact). Handshake records for it are
 * dropped: a peer that lost the session starts a new connection. */
#define EIOT_SAVED_MAX 128
/* An established DTLS connection, once the peer's application data showed it has our last
 * flight where we sent it (RFC 6347 §4.2.4), into out[0..*len); reserve (1..2^24) numbers for
 * what it sends next. EIOT_ERR_WRONG_STATE otherwise (TLS, not established, numbers exhausted);
 * EIOT_ERR_BUFFER_TOO_SMALL when cap cannot take it (nothing changes). */
int eiot_conn_save(struct eiot_conn *c, uint32_t reserve, uint8_t *out, size_t cap, size_t *len);
/* Records the connection may still send before it must be saved again: the rest of the last
 * save's reservation (0 right after a restore); UINT64_MAX when it was never saved or
 * restored. */
uint64_t eiot_conn_save_left(const struct eiot_conn *c);
/* A connection from a saved state for cfg (the same transport, role and suite, record limits
 * within its own; credentials are not needed). *out is NULL on failure: EIOT_ERR_BAD_SAVED_STATE
 * for a state that is truncated, corrupted or for another configuration (one log line says
 * which), EIOT_ERR_NO_MEMORY. Application data written before the next eiot_conn_save
 * returns EIOT_ERR_SAVE_NEEDED. */
int eiot_conn_restore(const struct eiot_config *cfg, const uint8_t *saved, size_t len, uint64_t now_ms,
		      struct eiot_conn **out);

#ifdef __cplusplus
}
#endif
#endif
