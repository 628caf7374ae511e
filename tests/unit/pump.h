/*
 * tests/unit/pump.h — an in-memory, deterministic client <-> server harness for the engine
 * tests (picotls test_hrr style), plus a scripted TLS PSK peer for protocol attacks.
 *
 * The pump owns a client and a server connection made from two configurations, gives each
 * configuration a seeded deterministic random source, and keeps a simulated clock (ms). It
 * moves TLS records or DTLS datagrams both ways; each unit passes a hook that may drop,
 * duplicate or tamper with it, and every unit is logged (direction, time, size). A DTLS
 * server conn is only created once eiot_dtls_accept() accepts a ClientHello (cookies on by
 * default). When both sides are idle and one is still handshaking, the clock jumps to the
 * earliest eiot_conn_next_timer(). Every loop is bounded: nothing here can hang.
 */
#ifndef EIOT_TESTS_PUMP_H
#define EIOT_TESTS_PUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eap_iot/config.h"
#include "eap_iot/conn.h"
#include "eap_iot/dtls.h"
#include "eap_iot/err.h"

enum pump_side { PUMP_CLIENT = 0, PUMP_SERVER = 1 };
/* Direction named after the sender: C2S is what the client sends. */
enum pump_dir { PUMP_C2S = 0, PUMP_S2C = 1 };
enum pump_action { PUMP_PASS = 0, PUMP_DROP, PUMP_DUP };

#define PUMP_UNIT_MAX 17408   /* one DTLS datagram or one TLS record, with room */
#define PUMP_BATCH_MAX 64     /* units in one direction per step */
#define PUMP_LOG_MAX 1024
#define PUMP_MAX_STEPS 4000
#define PUMP_TIME_LIMIT_MS (30ull * 60 * 1000)

/* One DTLS datagram or one TLS record on its way. The hook may change buf[0..len) and
 * shrink len (cap = len on entry). */
struct pump_unit {
	enum pump_dir dir;
	unsigned idx;    /* per direction, from 0 */
	unsigned seq;    /* across both directions, from 0 */
	bool plain;      /* first record unprotected (DTLS epoch 0, TLS before the sender's CCS) */
	uint8_t type;    /* content type of the first record */
	uint64_t now;
	uint8_t *buf;
	size_t len, cap;
};
typedef enum pump_action (*pump_hook_fn)(void *user, struct pump_unit *u);

struct pump_log_entry {
	enum pump_dir dir;
	uint64_t t;
	size_t len;
	uint8_t type;
	enum pump_action act;
};

struct pump_stored {
	size_t off, len;
	enum pump_dir dir;
};

struct pump {
	struct eiot_config *cfg[2];
	bool dtls;
	struct eiot_conn *conn[2];      /* [PUMP_CLIENT], [PUMP_SERVER] */
	struct eiot_cookie_secret *cookie;
	uint8_t addr[6];                /* the client's "address" for cookies */
	uint64_t now;
	uint64_t start;                 /* the clock's value at pump_new */
	uint64_t rng[2];

	pump_hook_fn hook;
	void *hook_user;
	bool reverse;                   /* deliver each batch (one flight) in reverse order */
	bool direct;                    /* DTLS: make the server conn without eiot_dtls_accept
					 * (server cookies off; a fragmented ClientHello) */

	/* what happened */
	struct pump_log_entry log[PUMP_LOG_MAX];
	size_t n_log;
	unsigned count[2];              /* units per direction, dropped ones included */
	size_t max_len[2];              /* largest unit per direction */
	unsigned hvr;                   /* HelloVerifyRequests made by eiot_dtls_accept */
	unsigned rejected;              /* datagrams eiot_dtls_accept refused */
	int wire_alert[2];              /* last plaintext alert seen per direction, or NONE */
	uint64_t fail_time[2];          /* when each side entered FAILED; UINT64_MAX never */
	bool ccs_seen[2];               /* TLS: sender's ChangeCipherSpec passed */

	/* internal buffers */
	uint8_t stream[2][PUMP_UNIT_MAX * 2]; /* TLS bytes not yet cut into records */
	size_t stream_len[2];
	uint8_t pend[PUMP_BATCH_MAX * 512];   /* HelloVerifyRequests waiting to go S2C */
	size_t pend_len;
	struct pump_stored pend_unit[PUMP_BATCH_MAX];
	size_t n_pend;
	uint8_t batch[PUMP_BATCH_MAX * PUMP_UNIT_MAX];
	unsigned seq;
};

struct pump_result {
	int state[2];                   /* enum eiot_state, -1 when the conn was never made */
	int err[2];
	int alert_sent[2], alert_recv[2];
};

/* New pump over cfg[CLIENT] / cfg[SERVER] (same transport); seeds both random sources,
 * creates the client conn at time 0 and, for DTLS, a cookie secret when the server config
 * keeps cookies on. NULL on failure. The configs stay the caller's. */
struct pump *pump_new(struct eiot_config *ccfg, struct eiot_config *scfg, uint64_t seed);
/* The same, with the clock starting at start_ms and the client offering session (NULL: none). */
struct pump *pump_new_resume(struct eiot_config *ccfg, struct eiot_config *scfg, uint64_t seed,
			     uint64_t start_ms, const struct eiot_session *session);
void pump_free(struct pump *p);
/* Move, tick, until both sides settle (no side handshaking and nothing moving), or until a
 * side is stuck with no timer. 0, or -1 when a bound (steps, time) was hit. */
int pump_run(struct pump *p);
void pump_result(const struct pump *p, struct pump_result *r);
/* Both conns ESTABLISHED. */
bool pump_established(const struct pump *p);
/* Write all of data from side (then pump_run) / read one chunk at side. */
int pump_write(struct pump *p, enum pump_side side, const void *data, size_t len);
int pump_read(struct pump *p, enum pump_side side, uint8_t *buf, size_t cap, size_t *len);
/* Outside any pump: everything one connection has to send fed to the other at now; EIOT_OK or
 * the first feed's error. */
int pump_move_all(struct eiot_conn *from, struct eiot_conn *to, uint64_t now);
/* Units logged in dir (dropped ones included). */
unsigned pump_log_count(const struct pump *p, enum pump_dir dir);

/* Find a plaintext handshake message of hs_type inside a unit (walks every epoch-0 record
 * of a DTLS datagram; a TLS unit is one record, searched only while u->plain: protected
 * bytes can look like any header). *body is where the message body starts (after the 4 or
 * 12 byte handshake header) as an offset into the unit. */
bool pump_find_hs(const struct pump_unit *u, bool dtls, uint8_t hs_type, size_t *hdr,
		  size_t *body);

/* ---- credentials (files from $EIOT_PKI_DIR, default build/pki) ---- */
const char *pump_pki(const char *file);
/* PSK client / server (server: one table entry, hint may be NULL). */
struct eiot_config *pump_cfg_psk(enum eiot_role role, enum eiot_transport tr, const uint8_t *id,
				 size_t id_len, const uint8_t *key, size_t key_len,
				 const char *hint);
/* Certificate server with <name>.pem / <name>.key.pem; mutual asks for a client cert. */
struct eiot_config *pump_cfg_cert_server(enum eiot_transport tr, const char *name, bool mutual);
/* Certificate client trusting ca.pem, reference name aaa.example.com; mutual loads device. */
struct eiot_config *pump_cfg_cert_client(enum eiot_transport tr, bool mutual);
/* Restrict a config to one suite. */
void pump_cfg_suite(struct eiot_config *cfg, uint16_t suite);

/* True for alerts that must never be sent (RESERVED 21, 41, 60). */
bool pump_alert_reserved(int alert);
/* True for certificate alerts (42-46, 48, 49), forbidden with PSK (RFC 7925 §6). */
bool pump_alert_cert(int alert);

/* ---- scripted TLS PSK peer (TLS_PSK_WITH_AES_128_CCM_8, EMS) ---- */
struct script_peer;
struct script_peer *script_new(bool is_client, const uint8_t *id, size_t id_len, const uint8_t *psk,
			       size_t psk_len);
void script_free(struct script_peer *sp);
/* Run the handshake against conn (the engine's opposite role). bad_finished sends a wrong
 * verify_data. Returns 0 when the scripted side finished its handshake, else -1. */
int script_handshake(struct script_peer *sp, struct eiot_conn *conn, bool bad_finished,
		     uint64_t now);
/* Send a handshake message (type, body) as an encrypted record to conn. */
int script_send_hs(struct script_peer *sp, struct eiot_conn *conn, uint8_t type,
		   const uint8_t *body, size_t len, uint64_t now);
/* A fresh ClientHello body (PSK suite) into out; returns its length. */
size_t script_client_hello(struct script_peer *sp, uint8_t *out, size_t cap);
/* Send app data to conn. */
int script_send_app(struct script_peer *sp, struct eiot_conn *conn, const uint8_t *data, size_t len,
		    uint64_t now);
/* Drain conn; the last alert received so far (level, desc; -1 none) and the length of the
 * last application record in this poll. */
int script_poll(struct script_peer *sp, struct eiot_conn *conn, int *alert_level, int *alert_desc,
		size_t *app_len);

#endif
