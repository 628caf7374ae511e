/*
 * eap/eap_tls_int.h — one EAP-TLS conversation (RFC 5216) and what the two roles share.
 *
 *   eap_tls.c     the object, the public API, reassembly, fragmentation, engine feed/drain;
 *   eap_peer.c    the peer's state machine (answers Requests, takes Success/Failure);
 *   eap_server.c  the server's state machine (Start, answers Responses, sends Success/Failure);
 *   eap_keys.c    MSK, EMSK, IV, Session-Id, Method-Id (RFC 5216 §2.3).
 *
 * Memory: one allocation holding the struct, the reassembly buffer rx (max_message bytes),
 * the outgoing message tx (max_message bytes) and the last packet sent (fragment_size + 10).
 * Invariants: rx_len <= rx_total <= max_message while rx_active; tx_pos <= tx_len <= max_message;
 * a fragment we send never carries more than frag TLS bytes.
 */
#ifndef EIOT_EAP_TLS_INT_H
#define EIOT_EAP_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eap/eap_packet.h"
#include "eap_iot/eap_tls.h"

#define EAPTLS_REQ_HISTORY 4 /* peer: hashes of the last requests, to spot stale duplicates */

struct eiot_eap_tls {
	const struct eiot_config *cfg;
	struct eiot_conn *conn;
	bool is_server;
	size_t frag;            /* TLS bytes per packet we send */
	bool length_always;     /* L on every packet with data (opts.length_always) */
	size_t max_msg;         /* bound on a reassembled message and on our own output */
	enum eiot_eap_status status;
	int err;                /* first error that failed the conversation */
	struct eiot_eap_stats stats;
	bool keys_ready;
	struct eiot_eap_keys keys;

	/* the TLS message being received */
	uint8_t *rx;
	size_t rx_len, rx_total;
	bool rx_active;

	/* the TLS message being sent: tx[tx_pos..tx_len) still to go */
	uint8_t *tx;
	size_t tx_len, tx_pos;

	/* the last packet we sent (the peer resends it for a repeated Request) */
	uint8_t *last;
	size_t last_len;

	/* peer: Identifier of the last Request answered; server: of the last Request sent */
	uint8_t id;
	bool have_id;
	bool started;           /* peer: Start received; server: Start sent */
	bool finished;          /* server: Success or Failure sent */

	/* peer: SHA-256 of the last Requests answered, newest at req_hash[(n_req - 1) % N] */
	uint8_t req_hash[EAPTLS_REQ_HISTORY][32];
	unsigned n_req;
};

/* The conversation fails with err (the first error is kept). */
void eaptls_fail(struct eiot_eap_tls *e, int err);

/* An EAP-TLS packet with no flags and no data: the fragment ACK (RFC 5216 §3.1). */
bool eaptls_is_ack(const struct eap_pkt *p);

/*
 * Add one received fragment p to the message in rx. *complete when the message is whole.
 * EIOT_ERR_DECODE (nothing changed) when p contradicts the message in progress;
 * EIOT_ERR_MESSAGE_TOO_LARGE when L announces more than max_message (the caller fails).
 */
int eaptls_rx_fragment(struct eiot_eap_tls *e, const struct eap_pkt *p, bool *complete);

/* Feed the complete message in rx to the engine, then drain its output into tx. Sets
 * TLS_DONE (keys exported) or FAILURE (the engine's error; tx may hold its alert). */
void eaptls_feed(struct eiot_eap_tls *e, uint64_t now_ms);

/* Drain the engine's output into tx (the message to send next). */
void eaptls_drain(struct eiot_eap_tls *e);

/* True while tx holds bytes not yet sent. */
static inline bool eaptls_tx_pending(const struct eiot_eap_tls *e) { return e->tx_pos < e->tx_len; }

/* Write the next packet with code/id: the next fragment of tx, or an ACK when tx is empty.
 * The packet is also kept in last. */
int eaptls_send_next(struct eiot_eap_tls *e, uint8_t code, uint8_t id, uint8_t *out, size_t cap,
		     size_t *out_len);
/* Write a Start (server) / Success / Failure and keep it in last. */
int eaptls_send_packet(struct eiot_eap_tls *e, const uint8_t *pkt, size_t len, uint8_t *out,
		       size_t cap, size_t *out_len);

/* Role state machines: p is in[0..n) parsed. */
int eaptls_peer_process(struct eiot_eap_tls *e, const uint8_t *in, const struct eap_pkt *p,
			uint64_t now_ms, uint8_t *out, size_t cap, size_t *out_len);
int eaptls_server_process(struct eiot_eap_tls *e, const struct eap_pkt *p, uint64_t now_ms,
			  uint8_t *out, size_t cap, size_t *out_len);

/* RFC 5216 §2.3 key derivation from an ESTABLISHED connection. */
int eaptls_derive_keys(const struct eiot_conn *c, struct eiot_eap_keys *k);

#endif
