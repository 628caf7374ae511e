/*
 * eap_iot/coap.h — CoAP (RFC 7252) messages, for CoAPS on the engine's DTLS. Sans-I/O: bytes
 * in, a parsed message out, and back.
 *
 * A decoded message points into the datagram it came from (options, payload): keep the
 * datagram while the message is used. Options are kept in the order of their numbers, as on the
 * wire; repeated options keep their relative order.
 */
#ifndef EAP_IOT_COAP_H
#define EAP_IOT_COAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EIOT_COAP_MAX_TOKEN 8    /* RFC 7252 §3: TKL 0..8 */
#define EIOT_COAP_MAX_OPTIONS 24 /* per message; a message with more is refused */
#define EIOT_COAP_HEADER 4

enum eiot_coap_type { EIOT_COAP_CON = 0, EIOT_COAP_NON = 1, EIOT_COAP_ACK = 2, EIOT_COAP_RST = 3 };

/* Code c.dd (RFC 7252 §3, §12.1) */
#define EIOT_COAP_CODE(c, dd) ((uint8_t)(((c) << 5) | (dd)))
#define EIOT_COAP_CODE_CLASS(code) ((code) >> 5)
#define EIOT_COAP_CODE_DETAIL(code) ((code) & 0x1f)
enum eiot_coap_code {
	EIOT_COAP_EMPTY = EIOT_COAP_CODE(0, 0),
	EIOT_COAP_GET = EIOT_COAP_CODE(0, 1),
	EIOT_COAP_POST = EIOT_COAP_CODE(0, 2),
	EIOT_COAP_PUT = EIOT_COAP_CODE(0, 3),
	EIOT_COAP_DELETE = EIOT_COAP_CODE(0, 4),
	EIOT_COAP_CREATED = EIOT_COAP_CODE(2, 1),
	EIOT_COAP_DELETED = EIOT_COAP_CODE(2, 2),
	EIOT_COAP_VALID = EIOT_COAP_CODE(2, 3),
	EIOT_COAP_CHANGED = EIOT_COAP_CODE(2, 4),
	EIOT_COAP_CONTENT = EIOT_COAP_CODE(2, 5),
	EIOT_COAP_CONTINUE = EIOT_COAP_CODE(2, 31),                  /* RFC 7959 */
	EIOT_COAP_BAD_REQUEST = EIOT_COAP_CODE(4, 0),
	EIOT_COAP_UNAUTHORIZED = EIOT_COAP_CODE(4, 1),
	EIOT_COAP_BAD_OPTION = EIOT_COAP_CODE(4, 2),
	EIOT_COAP_FORBIDDEN = EIOT_COAP_CODE(4, 3),
	EIOT_COAP_NOT_FOUND = EIOT_COAP_CODE(4, 4),
	EIOT_COAP_METHOD_NOT_ALLOWED = EIOT_COAP_CODE(4, 5),
	EIOT_COAP_NOT_ACCEPTABLE = EIOT_COAP_CODE(4, 6),
	EIOT_COAP_REQUEST_ENTITY_INCOMPLETE = EIOT_COAP_CODE(4, 8), /* RFC 7959 */
	EIOT_COAP_PRECONDITION_FAILED = EIOT_COAP_CODE(4, 12),
	EIOT_COAP_REQUEST_ENTITY_TOO_LARGE = EIOT_COAP_CODE(4, 13),
	EIOT_COAP_UNSUPPORTED_CONTENT_FORMAT = EIOT_COAP_CODE(4, 15),
	EIOT_COAP_INTERNAL_SERVER_ERROR = EIOT_COAP_CODE(5, 0),
	EIOT_COAP_NOT_IMPLEMENTED = EIOT_COAP_CODE(5, 1),
	EIOT_COAP_SERVICE_UNAVAILABLE = EIOT_COAP_CODE(5, 3),
};

/* Option numbers: RFC 7252 §5.10, RFC 7641 (Observe), RFC 7959 (Block, Size2). */
enum eiot_coap_option_number {
	EIOT_COAP_OPT_IF_MATCH = 1,
	EIOT_COAP_OPT_URI_HOST = 3,
	EIOT_COAP_OPT_ETAG = 4,
	EIOT_COAP_OPT_IF_NONE_MATCH = 5,
	EIOT_COAP_OPT_OBSERVE = 6,
	EIOT_COAP_OPT_URI_PORT = 7,
	EIOT_COAP_OPT_LOCATION_PATH = 8,
	EIOT_COAP_OPT_URI_PATH = 11,
	EIOT_COAP_OPT_CONTENT_FORMAT = 12,
	EIOT_COAP_OPT_MAX_AGE = 14,
	EIOT_COAP_OPT_URI_QUERY = 15,
	EIOT_COAP_OPT_ACCEPT = 17,
	EIOT_COAP_OPT_LOCATION_QUERY = 20,
	EIOT_COAP_OPT_BLOCK2 = 23,
	EIOT_COAP_OPT_BLOCK1 = 27,
	EIOT_COAP_OPT_SIZE2 = 28,
	EIOT_COAP_OPT_PROXY_URI = 35,
	EIOT_COAP_OPT_PROXY_SCHEME = 39,
	EIOT_COAP_OPT_SIZE1 = 60,
};

struct eiot_coap_option {
	uint16_t number;
	uint16_t len;
	const uint8_t *value; /* into the decoded datagram, or the caller's memory */
};

struct eiot_coap_msg {
	uint8_t type; /* enum eiot_coap_type */
	uint8_t code; /* enum eiot_coap_code */
	uint16_t mid;
	uint8_t token_len;
	uint8_t token[EIOT_COAP_MAX_TOKEN];
	size_t n_opt;
	struct eiot_coap_option opt[EIOT_COAP_MAX_OPTIONS];
	const uint8_t *payload;
	size_t payload_len;
	/* values of options added with eiot_coap_add_uint_option */
	uint8_t uint_store[EIOT_COAP_MAX_OPTIONS][4];
	size_t n_uint;
};

/*
 * Decode one datagram's CoAP message (RFC 7252 §3). EIOT_OK, or EIOT_ERR_COAP_FORMAT for a
 * message format error — version not 1, TKL over 8, an option delta or length nibble of 15
 * outside the payload marker, a marker with no payload, an empty message (0.00) with a token,
 * options or payload, anything running past the end — or EIOT_ERR_COAP_TOO_MANY_OPTIONS. On
 * an error, type, code and mid are filled whenever the 4-byte header could be read (a CON with
 * a format error is answered with RST, §4.2); *m is otherwise unspecified.
 */
int eiot_coap_decode(struct eiot_coap_msg *m, const uint8_t *buf, size_t len);

/* Encode m into out (the option list must be in ascending order of numbers, as
 * eiot_coap_add_option keeps it; else EIOT_ERR_BAD_PARAM). EIOT_ERR_BUFFER_TOO_SMALL when it
 * does not fit cap. */
int eiot_coap_encode(const struct eiot_coap_msg *m, uint8_t *out, size_t cap, size_t *len);
/* Bytes eiot_coap_encode would write. */
size_t eiot_coap_encoded_len(const struct eiot_coap_msg *m);

/* A fresh message (no options, no payload, no token). */
void eiot_coap_msg_init(struct eiot_coap_msg *m, enum eiot_coap_type type, uint8_t code, uint16_t mid);
int eiot_coap_set_token(struct eiot_coap_msg *m, const uint8_t *token, size_t len);
/* Add an option in number order, after any of the same number (value is not copied).
 * EIOT_ERR_COAP_TOO_MANY_OPTIONS when full; EIOT_ERR_BAD_PARAM for a value over 65535 bytes. */
int eiot_coap_add_option(struct eiot_coap_msg *m, uint16_t number, const void *value, size_t len);
/* An unsigned option in its shortest form (RFC 7252 §3.2: 0 is the empty value). */
int eiot_coap_add_uint_option(struct eiot_coap_msg *m, uint16_t number, uint32_t value);

/* A CoAP URI, coaps://HOST[:PORT][/PATH][?QUERY] or coap://... (RFC 7252 §6): HOST into host (an
 * IPv6 literal without its brackets), the port into *port (5684 for coaps, 5683 for coap when
 * absent), each path segment a Uri-Path option and each &-separated query part a Uri-Query
 * option of m, pointing into uri (keep it while m is used). Percent-encoding is not decoded:
 * a URI with '%' or a fragment ('#') is refused, as are another scheme, no host, a host longer
 * than host_cap - 1 and a port outside 1..65535 (EIOT_ERR_BAD_PARAM). */
int eiot_coap_set_uri(struct eiot_coap_msg *m, const char *uri, char *host, size_t host_cap, uint16_t *port);

/* The first option of that number at or after index *pos (start at 0); NULL when none. *pos is
 * moved past it, so a loop walks repeated options. */
const struct eiot_coap_option *eiot_coap_next_option(const struct eiot_coap_msg *m, uint16_t number,
						      size_t *pos);
/* The value of an unsigned option (0..4 bytes); EIOT_ERR_COAP_FORMAT when longer. */
int eiot_coap_option_uint(const struct eiot_coap_option *o, uint32_t *value);

/* RFC 7252 §5.4.1, §5.4.6: the option's class from its number. */
static inline bool eiot_coap_option_critical(uint16_t number) { return number & 1; }
static inline bool eiot_coap_option_unsafe(uint16_t number) { return number & 2; }
static inline bool eiot_coap_option_no_cache_key(uint16_t number) { return (number & 0x1e) == 0x1c; }

/*
 * Check the options against what this endpoint knows (RFC 7252 §5.4): an option of a known
 * number whose length is outside its definition, or repeated where it may not be, counts as
 * unrecognized (§5.4.3, §5.4.5). Returns EIOT_OK when every unrecognized option is elective,
 * else EIOT_ERR_COAP_BAD_OPTION with the number of the first unrecognized critical one in
 * *bad (a request then gets 4.02 Bad Option, a CON response RST).
 */
int eiot_coap_check_options(const struct eiot_coap_msg *m, uint16_t *bad);

/* Block1 / Block2 (RFC 7959 §2.2): NUM, M and SZX; block size 2^(SZX+4), SZX 0..6. */
struct eiot_coap_block {
	uint32_t num; /* 0..2^20-1 */
	bool more;
	uint8_t szx;
};
static inline size_t eiot_coap_block_size(uint8_t szx) { return (size_t)16 << szx; }
/* EIOT_ERR_COAP_FORMAT for a value over 3 bytes or SZX 7 (reserved). */
int eiot_coap_block_get(const struct eiot_coap_option *o, struct eiot_coap_block *b);
int eiot_coap_add_block_option(struct eiot_coap_msg *m, uint16_t number, const struct eiot_coap_block *b);

/* ---- Messaging (RFC 7252 §4) with one peer: sans-I/O ----
 *
 * One struct eiot_coap_peer holds what CoAP's message layer keeps about one peer: the next
 * Message ID, our Confirmable messages until they are acknowledged (retransmitted on the
 * caller's clock: ACK_TIMEOUT times a random factor, doubling, MAX_RETRANSMIT times, §4.2),
 * and the messages recently received from the peer with what we answered, so that a
 * duplicate gets the same answer again and never reaches the application twice (§4.5). It
 * moves whole CoAP messages (one per datagram / DTLS record): feed what arrived to
 * eiot_coap_peer_receive, send what eiot_coap_peer_output gives, call eiot_coap_peer_tick at
 * eiot_coap_peer_next_timer. */
struct eiot_coap_params {
	uint32_t ack_timeout_ms;     /* ACK_TIMEOUT, 2000 (1000..60000) */
	uint16_t ack_random_factor;  /* ACK_RANDOM_FACTOR in thousandths, 1500 (1000..3000) */
	uint8_t max_retransmit;      /* MAX_RETRANSMIT, 4 (0..8) */
	uint8_t nstart;              /* NSTART: our CON requests outstanding at once, 1 (1..8) */
	uint16_t dedup_entries;      /* received messages remembered, 16 (1..1024) */
	uint16_t max_message;        /* largest message sent or remembered, 1152 (64..65535) */
};
void eiot_coap_params_default(struct eiot_coap_params *p);

/* What one received message or one timer means for the application. */
enum eiot_coap_event_kind {
	EIOT_COAP_EV_NONE = 0,   /* nothing for the application (an ACK, a duplicate, a ping...) */
	EIOT_COAP_EV_REQUEST,    /* a new request: answer it with eiot_coap_peer_respond */
	EIOT_COAP_EV_RESPONSE,   /* a response to one of our requests (matched by token) */
	EIOT_COAP_EV_FAILED,     /* one of our CONs was rejected (RST) or never acknowledged, or a
				  * NON of ours rejected (RST) */
};
struct eiot_coap_event {
	enum eiot_coap_event_kind kind;
	struct eiot_coap_msg msg; /* REQUEST, RESPONSE: the message (pointing into the datagram);
				   * FAILED: our message's type, MID and token */
	int err;                  /* FAILED: EIOT_ERR_COAP_RESET or EIOT_ERR_TIMEOUT */
};

struct eiot_coap_peer;
typedef int (*eiot_coap_random_fn)(void *user, uint8_t *out, size_t n);
/* NULL on a bad parameter or ENOMEM. random draws the first Message ID and the retransmission
 * jitter; it must outlive the peer. */
struct eiot_coap_peer *eiot_coap_peer_new(const struct eiot_coap_params *p, eiot_coap_random_fn random,
					  void *random_user);
void eiot_coap_peer_free(struct eiot_coap_peer *cp);

/* One message from the peer. A message format error is answered with RST when it is a CON
 * and otherwise ignored (§4.2, §4.3); an unmatched ACK is ignored, an unmatched response
 * rejected (RST for a CON); a duplicate gets what its first copy got. Returns EIOT_OK (look at
 * ev->kind) or the decoding error. */
int eiot_coap_peer_receive(struct eiot_coap_peer *cp, const uint8_t *dgram, size_t len,
			   uint64_t now_ms, struct eiot_coap_event *ev);
/* Send a request; req->type (CON or NON), code, token and options are the caller's, the MID
 * is set here. EIOT_ERR_WANT_MORE when NSTART CONs are still unacknowledged. */
int eiot_coap_peer_request(struct eiot_coap_peer *cp, struct eiot_coap_msg *req, uint64_t now_ms);
/* Answer the request eiot_coap_peer_receive reported (the same struct, still valid): in the
 * ACK for a CON not yet acknowledged (piggybacked), else as a CON (separate response, after
 * eiot_coap_peer_ack), or NON for a NON request; resp's type and MID are set here, its token
 * must be the request's. Remembered for duplicates of the request. */
int eiot_coap_peer_respond(struct eiot_coap_peer *cp, const struct eiot_coap_msg *req,
			   struct eiot_coap_msg *resp, uint64_t now_ms);
/* Send a response-class message that answers no request now (an RFC 7641 notification): as
 * m->type says, CON (retransmitted like a separate response; EIOT_ERR_WANT_MORE when no slot
 * is free) or NON, with a new MID set here. An RST to it is reported by eiot_coap_peer_receive as
 * EIOT_COAP_EV_FAILED with that MID and EIOT_ERR_COAP_RESET; a CON never acknowledged, by
 * eiot_coap_peer_tick with EIOT_ERR_TIMEOUT. */
int eiot_coap_peer_send(struct eiot_coap_peer *cp, struct eiot_coap_msg *m, uint64_t now_ms);
/* Acknowledge a CON request now with an Empty ACK, to answer it later (§5.2.2). */
int eiot_coap_peer_ack(struct eiot_coap_peer *cp, const struct eiot_coap_msg *req, uint64_t now_ms);
/* Next datagram to send (EIOT_OK with *len = 0 when none). */
int eiot_coap_peer_output(struct eiot_coap_peer *cp, uint8_t *buf, size_t cap, size_t *len);
/* When eiot_coap_peer_tick wants to run (UINT64_MAX: never). */
uint64_t eiot_coap_peer_next_timer(const struct eiot_coap_peer *cp);
/* Retransmit what is due; ev reports one CON given up on (more may follow at the same time:
 * call again while ev->kind is not NONE). */
int eiot_coap_peer_tick(struct eiot_coap_peer *cp, uint64_t now_ms, struct eiot_coap_event *ev);
/* Bytes the peer holds now (an idle one: its tables and the answers kept for duplicates). */
size_t eiot_coap_peer_footprint(const struct eiot_coap_peer *cp);
/* The Message ID the next message of ours takes, and setting it: a layer brought back after a
 * device's sleep goes on where it stopped instead of at a random start that could meet a
 * recent one in the server's deduplication (RFC 7252 §4.5). */
uint16_t eiot_coap_peer_next_mid(const struct eiot_coap_peer *cp);
void eiot_coap_peer_set_next_mid(struct eiot_coap_peer *cp, uint16_t mid);
/* Whether a datagram waits for eiot_coap_peer_output. */
bool eiot_coap_peer_waiting(const struct eiot_coap_peer *cp);
/* CONs of ours not yet acknowledged. */
size_t eiot_coap_peer_outstanding(const struct eiot_coap_peer *cp);
/* Observe (RFC 7641), client side: a request with Observe 0 whose response carries Observe
 * stays open, and each fresher notification (§3.4: 24-bit sequence, or 128 s later) is an
 * EIOT_COAP_EV_RESPONSE with the same token; older ones are acknowledged but not delivered. A
 * response without Observe, or an error, ends it. Forget the request (EIOT_ERR_WANT_MORE when
 * there is none): its later notifications then get RST (§3.6 reactive cancellation); to
 * deregister proactively send, after this, a GET with the same token and Observe 1. */
int eiot_coap_peer_cancel(struct eiot_coap_peer *cp, const uint8_t *token, size_t token_len);

/* ---- CoAPS client: CoAP over the engine's DTLS to one server (RFC 7252 §9), sans-I/O ----
 *
 * One DTLS connection (eap_iot/conn.h) under one CoAP message layer: requests made before the
 * handshake completed wait for it; every CoAP message is one DTLS record. The caller moves
 * datagrams (eiot_coaps_client_feed / _output) and runs the timer (DTLS retransmission and
 * give-up, CoAP retransmission). */
struct eiot_config;
struct eiot_coaps_client;
/* dtls: a client configuration of transport EIOT_DTLS (it must outlive the client). NULL on a
 * bad argument or when the connection cannot start (logged through dtls).
 *
 * The DTLS session outlives its connection: when the server ends it (close_notify: it evicted
 * or idled us) or a CON request goes unanswered (the server may have lost it), the next request
 * opens a new connection that offers the session (session ID or ticket), an abbreviated
 * handshake if the server still knows it, a full one otherwise. A fatal alert after the
 * handshake makes the session unresumable (a full handshake follows). A first handshake that
 * fails is not retried: its error stands (eiot_coaps_client_conn tells why). */
struct eiot_coaps_client *eiot_coaps_client_new(const struct eiot_config *dtls,
						const struct eiot_coap_params *p, uint64_t now_ms);
struct eiot_session;
/* The same, offering session s (from eiot_coaps_client_session of an earlier client, e.g. one
 * kept across a device's sleep; s may be wiped afterwards). */
struct eiot_coaps_client *eiot_coaps_client_new_resume(const struct eiot_config *dtls,
						       const struct eiot_coap_params *p,
						       const struct eiot_session *s, uint64_t now_ms);
/* The session to keep for later (it holds the master secret: store it like a key).
 * EIOT_ERR_WANT_MORE before a handshake completed or when the server offers no resumption. */
int eiot_coaps_client_session(const struct eiot_coaps_client *cl, struct eiot_session *out);
/* DTLS connections opened so far (1, and one more per reconnection). */
unsigned eiot_coaps_client_connections(const struct eiot_coaps_client *cl);
void eiot_coaps_client_free(struct eiot_coaps_client *cl);
/* Send a request (as eiot_coap_peer_request; a token is drawn when req has none). Queued until
 * the DTLS handshake completed. EIOT_ERR_WANT_MORE when one is queued already. */
int eiot_coaps_client_request(struct eiot_coaps_client *cl, struct eiot_coap_msg *req, uint64_t now_ms);
/* The same, with the answer going to fn instead of eiot_coaps_client_event / _tick's ev: its
 * response (and, for an observation, each notification until one without Observe, an error or
 * cancel) or its failure (EIOT_COAP_EV_FAILED), called from within those two functions. ev
 * points into the datagram: copy what is kept. At most 8 such requests at once
 * (EIOT_ERR_WANT_MORE). */
typedef void (*eiot_coap_response_fn)(void *user, const struct eiot_coap_event *ev);
int eiot_coaps_client_request_cb(struct eiot_coaps_client *cl, struct eiot_coap_msg *req,
				 eiot_coap_response_fn fn, void *user, uint64_t now_ms);
/* One datagram from the server. Returns EIOT_OK or the DTLS connection's sticky error (the
 * handshake failed, or a fatal alert: eiot_coaps_client_conn tells why). After close_notify,
 * datagrams are ignored until the next request reconnects. */
int eiot_coaps_client_feed(struct eiot_coaps_client *cl, const uint8_t *dgram, size_t len,
			   uint64_t now_ms);
/* The next CoAP event from what was received (as eiot_coap_peer_receive's; its pointers stay
 * valid until the next call); ev->kind NONE when there is none. Call after each feed until
 * then. */
int eiot_coaps_client_event(struct eiot_coaps_client *cl, uint64_t now_ms, struct eiot_coap_event *ev);
int eiot_coaps_client_output(struct eiot_coaps_client *cl, uint8_t *buf, size_t cap, size_t *len);
uint64_t eiot_coaps_client_next_timer(const struct eiot_coaps_client *cl);
int eiot_coaps_client_tick(struct eiot_coaps_client *cl, uint64_t now_ms, struct eiot_coap_event *ev);
/* The DTLS connection underneath (state, suite, alerts, error). */
const struct eiot_conn *eiot_coaps_client_conn(const struct eiot_coaps_client *cl);
/* End the DTLS session: queue its close_notify (send what eiot_coaps_client_output gives). */
int eiot_coaps_client_close(struct eiot_coaps_client *cl);
/* Forget a request or observation (eiot_coap_peer_cancel). */
int eiot_coaps_client_cancel(struct eiot_coaps_client *cl, const uint8_t *token, size_t token_len);

/* A device that powers its RAM down between exchanges (EIOT_WITH_SAVE; see eiot_conn_save for
 * the rules: one slot, written before the send). The state is the DTLS connection's, the next
 * CoAP Message ID and a check value: at most EIOT_COAPS_SAVED_MAX bytes. Save once the
 * exchange is over (nothing in flight is kept). A restored client sends nothing before it was
 * saved again (EIOT_ERR_SAVE_NEEDED from request, taking nothing, or from output when a
 * reservation ran out mid-exchange; the message waits and goes out after the next save): reserve
 * enough for an exchange's records (a request, its retransmissions, an ACK: 8 are plenty), at
 * most EIOT_COAPS_MAX_RESERVE. The saved Message ID is the next one plus reserve, so that a
 * client restored after a crash uses none that its lost records may have carried; so each save
 * skips reserve MIDs, and the MIDs skipped and used within EXCHANGE_LIFETIME (247 s) must stay
 * under 65536 (at most 64 saves of 1024 then, 8192 of 8). When its
 * session turns out to be gone at the server (a CON unanswered), the next request makes a full
 * handshake. */
#define EIOT_COAPS_SAVED_MAX (EIOT_SAVED_MAX + 6)
#define EIOT_COAPS_MAX_RESERVE 1024
int eiot_coaps_client_save(struct eiot_coaps_client *cl, uint32_t reserve, uint8_t *out, size_t cap,
			   size_t *len);
/* A client on a restored DTLS connection (eiot_conn_restore's errors; *out NULL then). */
int eiot_coaps_client_restore(const struct eiot_config *dtls, const struct eiot_coap_params *p,
			      const uint8_t *saved, size_t len, uint64_t now_ms, struct eiot_coaps_client **out);

#ifdef __cplusplus
}
#endif
#endif
