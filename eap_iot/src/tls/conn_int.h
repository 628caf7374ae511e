/*
 * tls/conn_int.h — the connection's fields and the engine's internal API.
 *
 * One struct eiot_conn per connection, followed in the same allocation by its buffers
 * (eiot_conn_size()). The engine is split by job:
 *   conn.c      public API, output queue, application data, alerts sent;
 *   conn_rx.c   feed: record parsing, epochs/replay (DTLS), record type dispatch;
 *   conn_compact.c  an established DTLS connection without its handshake memory, whose
 *               record buffers exist only while data passes;
 *   hs_io.c     handshake framing both ways: flights, TLS records / DTLS fragments,
 *               reassembly, duplicates, the transcript;
 *   hs_common.c what both roles share: suite lists, key schedule, Finished, peer chains;
 *   client.c, server.c  one dispatcher per role, one handler per message.
 */
#ifndef EIOT_TLS_CONN_INT_H
#define EIOT_TLS_CONN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "eap_iot/conn.h"
#include "eap_iot/features.h"
#include "tls/config_int.h"
#include "tls/flight.h"
#include "tls/msgs.h"
#include "tls/reasm.h"
#include "tls/record.h"
#include "tls/replay.h"
#include "tls/suites.h"
#include "util/log.h"

/* Pseudo handshake type handed to the dispatchers for a ChangeCipherSpec record. */
#define MSG_CHANGE_CIPHER_SPEC 0x100

/* Largest AEAD expansion of a record body: explicit nonce + 16-byte tag. */
#define REC_MAX_EXPANSION (REC_EXPLICIT_NONCE + 16)

/* Messages in one flight (a CCS counts): ServerHello, Certificate, ServerKeyExchange,
 * CertificateRequest, ServerHelloDone, or Certificate, ClientKeyExchange, CertificateVerify,
 * CCS, Finished; without certificates at most a resumed server's ServerHello,
 * NewSessionTicket, CCS, Finished. */
#define FLIGHT_MAX_MSGS (EIOT_WITH_ECDHE ? 5 : 4)

/* Handshake states, named for what is expected next. */
enum hs_state {
	ST_C_EXPECT_SERVER_HELLO, /* or HelloVerifyRequest (DTLS) */
	ST_C_EXPECT_CERTIFICATE,
	ST_C_EXPECT_SKE,          /* ECDHE: ServerKeyExchange is mandatory */
	ST_C_EXPECT_SKE_OR_SHD,   /* PSK: ServerKeyExchange only when the server has a hint */
	ST_C_EXPECT_CR_OR_SHD,
	ST_C_EXPECT_SHD,
	ST_C_EXPECT_NEW_TICKET,   /* the server echoed SessionTicket (RFC 5077 §3.3) */
	ST_S_EXPECT_CLIENT_HELLO,
	ST_S_EXPECT_CERTIFICATE,
	ST_S_EXPECT_CKE,
	ST_S_EXPECT_CERT_VERIFY,
	ST_EXPECT_CCS,
	ST_EXPECT_FINISHED,
	ST_DONE /* handshake over; eiot_conn.state tells the rest */
};

/* The last flight we built: messages with their headers, contiguous in buf (a TLS run of
 * handshake messages with one write state goes out as one byte string). */
struct flight_msg {
	size_t off, len; /* bytes in buf, header included (4 or 12 bytes) */
	bool ccs;
	uint8_t tx;      /* index into eiot_conn.tx: 0 plaintext, 1 protected */
};

struct out_flight {
	uint8_t *buf;
	size_t cap, used;
	struct flight_msg msg[FLIGHT_MAX_MSGS];
	size_t pos;     /* bytes of msg[idx] already emitted (DTLS: body bytes) */
	uint8_t n;
	uint8_t idx;    /* message being emitted */
	bool pending;   /* still (re)transmitting: output() takes records from here first */
};

/* A linear byte buffer consumed from head (output queue, application data). */
struct bytebuf {
	uint8_t *buf;
	size_t cap, head, len;
};

/* What an ECDHE handshake needs until its keys are derived and the peer is authenticated: on
 * the heap from the choice of an ECDHE suite (hs_ecdhe_begin) to the handshake's end
 * (conn_release_key_exchange), so that a connection holds none of it before or after. */
struct hs_ecdhe {
	struct eiot_ecdh ecdh;
	struct eiot_pkey peer_key;
	uint8_t peer_point[65]; /* client: the server's ECDHE public value from ServerKeyExchange */
};

struct hs_ctx {
	enum hs_state st;
	uint8_t client_random[32], server_random[32];
	bool have_randoms;
	const struct suite_info *suite;
	bool ems;
	struct eiot_sha256 transcript;
	uint8_t th_before[32]; /* transcript hash before the message being handled */
	struct hs_ecdhe *ec;   /* an ECDHE handshake's (above) */
	uint8_t ms[48];
	bool have_ms;
	uint8_t peer_eui64[8];
	bool has_peer_eui64;
	/* client */
	bool cert_requested;
	bool send_cert;        /* CertificateRequest asked for what our credentials can do */
	uint16_t offered[SUITES_IN_BUILD];
	uint8_t n_offered;
	/* resumption (both roles) */
	bool resumed;          /* abbreviated handshake: the client sends the last flight */
	bool ticket_follows;   /* a NewSessionTicket comes before the server's CCS */
#if EIOT_WITH_SERVER
	uint8_t sid[32];       /* server: the session ID given (a client's is in its session) */
	size_t sid_len;
#endif
	bool offering;         /* client: a session is offered (conn.session holds it) */
	/* certificate types (RFC 7250): raw public keys instead of X.509, per direction */
	bool server_rpk, client_rpk;
	uint8_t cct_offer[2], sct_offer[2]; /* client: the lists offered */
	uint8_t n_cct_offer, n_sct_offer;
	/* record sizes (RFC 6066 §4, RFC 8449) */
	uint8_t mfl_code;      /* client: offered; server: to echo (0 none) */
	uint16_t rsl_sent;     /* our record_size_limit in the hello (0 none) */
#if EIOT_WITH_CACHED_INFO /* RFC 7924, tls/cached_info.c (read through its accessors) */
	bool ci_offered;       /* client: a 'cert' hash went out in the ClientHello */
	bool ci_hit;           /* the server echoed 'cert': its Certificate holds the hash */
	uint8_t ci_hash[32];   /* client: the hash offered; server: of our Certificate message */
	/* client (heap): a cache entry as stored, the anchor's SHA-256 then a Certificate body of
	 * ci_len bytes: the cached one, then the server's */
	uint8_t *ci_entry;
	size_t ci_len;
	bool ci_store;         /* client: ci_entry holds the server's full chain, to store on success */
	uint8_t ci_anchor[32]; /* client: SHA-256 of the anchor the chain was (just) verified up to */
#endif
	/* client certificate URLs (RFC 6066 §5, tls/cert_url.c) */
	bool cu_offered;       /* client: client_certificate_url in the ClientHello */
	bool cu_agreed;        /* both: the ServerHello carries it */
	/* connection IDs (RFC 9146, tls/cid.c): the values live in rx_keys (ours) and tx_keys */
	bool cid_offered;      /* client: connection_id in the ClientHello */
#if EIOT_WITH_SERVER /* a server's (server.c) */
	const struct eiot_psk_entry *psk;
	uint64_t born_ms;      /* when the session's full handshake began */
	bool ask_cert;         /* CertificateRequest goes out */
	bool has_sct_answer, has_cct_answer; /* the certificate types go in the ServerHello */
	bool client_cert;      /* a non-empty client Certificate was verified */
	bool cid_agreed;       /* connection_id in the ServerHello */
	bool cid_chosen;       /* rx_keys holds the CID the application chose */
#endif
	/* DTLS message sequence numbers (RFC 6347 §4.2.2) */
	uint16_t tx_seq, rx_seq;
	bool rx_seq_set;
	bool peer_flight_new;  /* the next complete message starts the peer's next flight */
	uint16_t peer_flight_cand; /* first message_seq of the peer flight being received */
	bool have_cand;
	uint16_t peer_flight_first; /* ... of the peer flight our last flight answered */
	bool have_peer_flight;
};

struct eiot_conn {
	const struct eiot_config *cfg;
	bool dtls, is_client;
	enum eiot_state state;
	int err;
	int alert_sent, alert_recv;
	uint64_t now;

	/* records: [0] epoch 0 / before CCS, [1] protected */
	struct rec_dir tx[2], rx[2];
	struct rec_keys tx_keys, rx_keys; /* of tx[1] and rx[1]: epoch 0 is plaintext */
	uint8_t tx_cur, rx_cur;
	struct replay_window replay; /* DTLS epoch 1 (epoch 0 is not authenticated) */
	uint16_t rec_epoch;    /* DTLS: the record being handled */
#if EIOT_WITH_SERVER
	uint64_t rec_seq;      /* ... its number (a server's first record goes on from it) */
#endif
	bool hello_seen;       /* first ClientHello / ServerHello handled (record versions) */
	unsigned epoch1_auth_failures;
	struct flight_timer timer;

	/* buffers carved from the allocation */
	uint8_t *rx_buf;       /* one record (TLS: accumulates from the stream) */
	size_t rx_cap, rx_len;
	uint8_t *hs_buf;       /* TLS: the handshake message being assembled */
	size_t hs_cap, hs_len;
	struct reasm reasm;    /* DTLS */
#if EIOT_WITH_TLS
	uint8_t *stage;        /* TLS: one flight record on its way out (DTLS builds datagrams in
				* the caller's buffer) */
	size_t stage_cap, stage_head, stage_len;
#endif
	struct out_flight flight;
	struct bytebuf outq;   /* alerts and application data; DTLS: u16-length-prefixed datagrams */
	struct bytebuf app;    /* received application data; DTLS: u16-length-prefixed records */

	struct hs_ctx hs;
	size_t alloc_size;     /* of the one allocation holding this struct and its buffers */
	bool fed_newest;       /* DTLS: the datagram being fed (or the last one) held an authentic
				* record newer than all before it (eiot_conn_peer_may_move) */
	bool peer_app_seen;    /* DTLS: an authenticated application record came: the peer has our
				* last flight */
	bool compact;          /* eiot_conn_compact: the handshake buffers are gone, and rx_buf,
				* outq and app live in one block that exists only while they hold
				* something (conn_io_acquire) */
#if EIOT_WITH_SERVER
	uint8_t psk_identity[EIOT_MAX_PSK_IDENTITY]; /* server: the client's (a client's is its configuration's) */
	size_t psk_identity_len;
#endif
	bool has_peer_key;
	size_t rx_max;         /* largest record plaintext the buffers hold (cfg_rx_record) */
	size_t rx_limit;       /* ... accepted in protected records (our record_size_limit) */
	size_t tx_limit;       /* largest record plaintext we send (max_record, MFL, peer's RSL) */
	struct eiot_session *session; /* client (in the allocation): offered, then the one to keep */
#if EIOT_WITH_SAVE
	struct {                /* eiot_conn_save (tls/conn_save.c) */
#if !EIOT_AEAD_KEEPS_KEY /* (crypto backend) */
		uint8_t tx_key[16], rx_key[16]; /* the record keys of epoch 1 as derived */
#endif
		bool reserving; /* saved or restored: tx[1] uses record numbers below tx_end only */
		uint64_t tx_end;
		bool restored;  /* from a saved state: no handshake secrets, no peer details */
	} save;
#endif
#if EIOT_WITH_ECDHE
	struct {                /* what the peer authenticated with (eiot_conn_peer_info) */
		bool rpk, cert_url;
		uint8_t rpk_sha256[32];
		uint8_t *cert;  /* heap, when cfg->keep_peer_cert */
		size_t cert_len;
		char *url;      /* heap, when cfg->keep_peer_cert */
	} peer;
#endif
};

/* The connection's transport and role. A build with one transport or one role (eap_iot/features.h)
 * makes these constants, so the compiler drops the other side's code and nothing of it is linked. */
static inline bool conn_dtls(const struct eiot_conn *c)
{
	return EIOT_WITH_DTLS && (!EIOT_WITH_TLS || c->dtls);
}

static inline bool conn_client(const struct eiot_conn *c)
{
	return EIOT_WITH_CLIENT && (!EIOT_WITH_SERVER || c->is_client);
}

static inline size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* The bytes of the flight's region a flight may fill: the output queue takes its end
 * (tls/conn.c), all of it once a record waits there. */
static inline size_t flight_room(const struct eiot_conn *c)
{
	return c->outq.len ? c->flight.cap - c->outq.cap : c->flight.cap;
}

/* DTLS: whether a message of length bytes being reassembled stays clear of rx_buf, where a
 * protected record is opened: both lie in one region (tls/conn.c). */
static inline bool reasm_clear_of_rx(const struct eiot_conn *c, size_t length)
{
	return (uintptr_t)c->hs_buf + HS_DTLS_HEADER + length <= (uintptr_t)c->rx_buf;
}

/* ---- conn.c: the sizes of a connection's record buffers (rx_buf, outq, app) for cfg ---- */
void conn_io_caps(const struct eiot_config *cfg, size_t *rx, size_t *outq, size_t *app);

/* ---- conn_compact.c ---- */
/* A compact connection's record buffers, allocated if they are not there; false when memory is
 * short (a full connection always has them). */
bool conn_io_acquire(struct eiot_conn *c);
/* ... given back (wiped) when all of them are empty; any connection may call it. */
void conn_io_release(struct eiot_conn *c);
/* ... given back (wiped) whatever they hold (the connection goes away). */
void conn_io_discard(struct eiot_conn *c);

/* ---- conn_save.c ---- */
#if EIOT_WITH_SAVE && !EIOT_AEAD_KEEPS_KEY
/* Keep epoch 1's keys as installed, for a later save (the AEAD states keep none). */
void conn_save_keys(struct eiot_conn *c, const uint8_t tx_key[16], const uint8_t rx_key[16]);
#else
static inline void conn_save_keys(struct eiot_conn *c, const uint8_t tx_key[16], const uint8_t rx_key[16])
{
	(void)c, (void)tx_key, (void)rx_key;
}
#endif
#if EIOT_WITH_SAVE
/* false when the next protected record would take a number the stored state has not reserved
 * (the caller fails that write with EIOT_ERR_SAVE_NEEDED). */
static inline bool conn_seq_reserved(const struct eiot_conn *c)
{
	return !c->save.reserving || c->tx[1].seq < c->save.tx_end;
}
#else
static inline bool conn_seq_reserved(const struct eiot_conn *c)
{
	(void)c;
	return true;
}
#endif

/* ---- conn.c ---- */
/* Log at ERROR what was wrong and return err (the caller's failure path takes it from there). */
int conn_error(struct eiot_conn *c, int err, const char *fmt, ...) EIOT_PRINTF(3, 4);
#if !EIOT_WITH_LOG /* no log text in this build: err, and no format string in the binary (the
			* definition is written (conn_error)(...) to stay out of this macro's way) */
#define conn_error(c, err, ...) (0 ? conn_error((c), (err), __VA_ARGS__) : eiot_quiet_err(err))
#endif
/* Enter FAILED with err (sticky) and queue its fatal alert; returns err. */
int conn_fail(struct eiot_conn *c, int err);
/* Queue an alert record (level 1 warning, 2 fatal). */
int conn_send_alert(struct eiot_conn *c, uint8_t level, uint8_t desc);
/* An ECDHE suite was chosen: hs.ec for its exchange. 0 or EIOT_ERR_NO_MEMORY (logged). */
int hs_ecdhe_begin(struct eiot_conn *c);
/* The key exchange's leftovers go: ECDH secret, the peer's public key, a cached_info entry. */
void conn_release_key_exchange(struct eiot_conn *c);
/* The handshake completed: ESTABLISHED, timers off, handshake secrets wiped. */
void conn_established(struct eiot_conn *c);
/* Append received application data. */
int conn_app_data(struct eiot_conn *c, const uint8_t *p, size_t n);
/* A verified peer chain: keep its leaf (and the URL it came from, or NULL) when the
 * configuration asks for it (eiot_config_set_keep_peer_cert). Only with ECDHE, as the peer's
 * certificate checks that call it (hs_check_certificate). */
int conn_keep_peer_cert(struct eiot_conn *c, const uint8_t *leaf, size_t len, const uint8_t *url,
			size_t url_len);

/* ---- hs_io.c ---- */
/* Start a new flight (forgets the previous one). */
void hs_flight_begin(struct eiot_conn *c);
/* Open a handshake message in the flight: returns a writer for its body (header reserved). */
struct wr hs_msg_open(struct eiot_conn *c);
/* Close it: frame as type, hash into the transcript, add to the flight. */
int hs_msg_close(struct eiot_conn *c, struct wr *w, uint8_t type);
/* Add a ChangeCipherSpec; later messages and records use the protected write state. */
int hs_flight_add_ccs(struct eiot_conn *c);
/* The flight is complete: transmit it (DTLS: arm the retransmission timer). */
void hs_flight_send(struct eiot_conn *c);
/* DTLS: send the whole last flight again (timer expiry or the peer's duplicate flight). */
void hs_flight_resend(struct eiot_conn *c);
/* TLS: the next record of a pending flight into stage. */
int hs_flight_emit_record(struct eiot_conn *c);
/* DTLS: the next datagram of a pending flight, cut for the MTU, built in out: *len bytes, 0
 * when the flight is out. EIOT_ERR_BUFFER_TOO_SMALL (nothing taken) when cap cannot hold it. */
int hs_flight_emit_datagram(struct eiot_conn *c, uint8_t *out, size_t cap, size_t *len);
/* A handshake record's plaintext: frame, reassemble, hash, dispatch. */
int hs_rx_handshake(struct eiot_conn *c, const uint8_t *p, size_t n);
/* Restart the transcript (DTLS client after HelloVerifyRequest). */
void hs_transcript_reset(struct eiot_conn *c);

/* ---- hs_common.c ---- */
/* The configured suites this side can use with its credentials, in preference order, each
 * once (at most SUITES_IN_BUILD). */
size_t hs_usable_suites(const struct eiot_config *cfg, uint16_t *out, size_t cap);
/* Derive master secret (EMS when agreed), keys for both directions, key log line. pms is wiped. */
int hs_derive_keys(struct eiot_conn *c, uint8_t *pms, size_t pms_len);
/* Keys for both directions (and the key log line) from hs.ms and this handshake's randoms:
 * the second half of hs_derive_keys, and all a resumed handshake needs. */
int hs_install_keys(struct eiot_conn *c);
/* Add our Finished to the flight (transcript so far). */
int hs_send_finished(struct eiot_conn *c);
/* Check the peer's Finished (against hs.th_before). */
int hs_check_finished(struct eiot_conn *c, const uint8_t *body, size_t n);
/* Verify the peer's Certificate message (X.509 chain or raw public key, as negotiated);
 * empty ones set *empty and return 0. Only with ECDHE: its callers test EIOT_WITH_ECDHE. */
int hs_check_certificate(struct eiot_conn *c, const uint8_t *body, size_t n, bool *empty);
/* What both dispatchers treat alike, after their own states: the peer's ChangeCipherSpec,
 * renegotiation refused on an established connection (warning no_renegotiation), a
 * HelloRequest during a handshake and a stray DTLS ChangeCipherSpec ignored; anything else is
 * the one UNEXPECTED_MESSAGE. */
int hs_common_message(struct eiot_conn *c, int type);
/* eiot_random_fn over the configuration's random source (user = the config). */
int hs_rng(void *cfg, uint8_t *out, size_t n);
/* Our Certificate body: the chain, or the raw public key when that was negotiated. */
void hs_write_own_certificate(struct eiot_conn *c, struct wr *w);
/* Add our CertificateVerify / the SKE signature: ECDSA-SHA256 over hash into the writer. */
int hs_sign(struct eiot_conn *c, const uint8_t hash[32], struct wr *w);

/* Record sizes agreed in the hellos: an MFL code (0 none) applies both ways, the peer's
 * record_size_limit (if has_rsl) caps what we send, and when the limit we advertised was
 * agreed it caps what we accept in protected records. 0, or EIOT_ERR_ILLEGAL_PARAMETER
 * (logged) for a code outside 1..4 or a limit below 64. */
int hs_apply_record_limits(struct eiot_conn *c, uint8_t mfl_code, bool has_rsl, uint16_t peer_rsl,
			   bool rsl_agreed);

/* ---- client.c / server.c ---- */
/* Queue the ClientHello, offering session s when it is usable (NULL: none). */
int client_start(struct eiot_conn *c, const struct eiot_session *s);
/* The largest ClientHello (with its handshake header) a client of cfg may send offering session
 * s (NULL: none): the longest cookie, every extension cfg and the build allow. */
size_t client_hello_bound(const struct eiot_config *cfg, const struct eiot_session *s);
int client_handle(struct eiot_conn *c, int type, const uint8_t *body, size_t n);
int server_handle(struct eiot_conn *c, int type, const uint8_t *body, size_t n);

#endif
