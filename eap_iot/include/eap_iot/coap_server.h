/*
 * eap_iot/coap_server.h — a CoAPS server: one UDP socket, many peers (RFC 7252 §9.1), over the
 * engine's DTLS. Sans-I/O: a datagram and its source address in, datagrams and their
 * destination addresses out, one timer.
 *
 * The server owns a table of peers keyed by transport address. A datagram from an unknown
 * address goes through the stateless cookie front door (eap_iot/dtls.h): nothing is kept until
 * a ClientHello returns a valid cookie, and then only when the source is within its handshake
 * rate and the table has room (the least recently used idle peer is evicted when it is full).
 * An established peer whose address is quiet for the idle timeout is closed with close_notify.
 * A fatal alert or close_notify ends that peer only.
 *
 * Requests go to resources: a path, the methods it takes, its link attributes for
 * /.well-known/core (RFC 6690, answered by the server), and a handler. A handler sees the whole
 * request body (Block1 uploads, RFC 7959 §2.5, are reassembled first) and answers the whole
 * representation; the server cuts it into Block2 blocks (§2.4) as large as the peer's DTLS
 * records allow, or as the client asked.
 */
#ifndef EAP_IOT_COAP_SERVER_H
#define EAP_IOT_COAP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eap_iot/coap.h"

#ifdef __cplusplus
extern "C" {
#endif

struct eiot_config;
struct eiot_conn;
struct eiot_coaps_server;

#define EIOT_COAPS_MAX_ADDR 32 /* bytes of a peer address (a sockaddr_in6 takes 28) */

struct eiot_coaps_server_params {
	struct eiot_coap_params coap; /* each peer's message layer */
	uint32_t max_peers;           /* peers held at once, handshaking or established: 1000 (1..10^6) */
	uint32_t idle_timeout_ms;     /* an established peer silent this long is closed: 600000 */
	uint16_t handshakes_per_s;    /* new handshakes one source IP address may start per second, */
	uint16_t handshake_burst;     /* ... and at once: 10 and 20 (1..65535) */
	uint32_t max_body;            /* largest request body reassembled from Block1: 16384 (16..1 MiB) */
	uint16_t observe_con_every;   /* every Nth notification to an observer is CON, to learn that it
				       * is still there (and one at least every 24 h, RFC 7641 §4.5): 20 */
};
void eiot_coaps_server_params_default(struct eiot_coaps_server_params *p);

/* Names a request whose answer a handler deferred (eiot_coaps_server_respond_later). */
struct eiot_coap_pending {
	uint32_t peer, gen;   /* the peer's slot and its generation: a later peer there is another */
	uint8_t type;         /* of the request: CON gets a CON answer, NON a NON (RFC 7252 §5.2.2) */
	uint8_t token_len;
	uint8_t token[EIOT_COAP_MAX_TOKEN];
};

/* What a handler is asked. */
struct eiot_coap_request {
	const struct eiot_coap_msg *msg;  /* the request (the last Block1 block for an upload) */
	const uint8_t *body;              /* the whole request payload */
	size_t body_len;
	const struct eiot_conn *conn;     /* who asks: PSK identity, EUI-64, raw key (eap_iot/conn.h) */
	const void *addr;                 /* from where (aligned for a struct sockaddr) */
	size_t addr_len;
	bool notification;                /* no request: the answer is an observer's notification */
	struct eiot_coap_pending pending; /* copy it to answer later (return EIOT_COAP_DEFERRED) */
};

/* What a handler answers. The server has set code to the method's success code (2.05 GET,
 * 2.04 PUT and POST, 2.02 DELETE) and payload to buf (cap bytes of room, payload_len 0); the
 * handler writes its representation there, or points payload at memory of its own that stays
 * valid until the handler is called again. */
struct eiot_coap_response {
	uint8_t code;
	int content_format;   /* -1: none */
	uint8_t etag[8];
	uint8_t etag_len;     /* 0: none */
	int64_t max_age;      /* -1: none (the default 60 s applies, RFC 7252 §5.10.5) */
	const uint8_t *payload;
	size_t payload_len;
	uint8_t *buf;
	size_t cap;
};

/* A handler returns EIOT_OK with resp filled in, or EIOT_COAP_DEFERRED to answer later with
 * eiot_coaps_server_respond_later (a CON request is acknowledged now with an Empty ACK, §5.2.2;
 * a Block1 upload's body is not kept for it). Any other value is answered with 5.00. */
#define EIOT_COAP_DEFERRED 1
typedef int (*eiot_coap_handler_fn)(void *user, const struct eiot_coap_request *req,
				    struct eiot_coap_response *resp);

#define EIOT_COAP_METHOD(code) (1u << (code)) /* bits of eiot_coap_resource.methods */

struct eiot_coap_resource {
	const char *path;         /* "sensors/temp": segments without the leading '/' */
	unsigned methods;         /* EIOT_COAP_METHOD(EIOT_COAP_GET) | ...; others get 4.05 */
	eiot_coap_handler_fn handler;
	void *user;
	/* RFC 6690 link attributes (NULL, 0: not listed) */
	const char *rt;           /* resource types, space-separated */
	const char *if_;          /* interface descriptions, space-separated */
	const char *ct;           /* content formats: "0", "0 50" */
	uint32_t sz;              /* size estimate */
	bool conditional;         /* the handler evaluates If-Match / If-None-Match (RFC 7252 §5.10.8);
				   * elsewhere a request with them gets 4.02 */
	bool observable;          /* RFC 7641: a GET with Observe 0 registers ("obs" in discovery) */
};

/*
 * A new server. dtls: a server configuration of transport EIOT_DTLS (it must outlive the
 * server; its cookie setting decides whether the front door asks for cookies). p: NULL for the
 * defaults. NULL on a bad argument or no memory.
 */
struct eiot_coaps_server *eiot_coaps_server_new(const struct eiot_config *dtls,
						const struct eiot_coaps_server_params *p, uint64_t now_ms);
/* Free every peer (no close_notify is sent: call eiot_coaps_server_shutdown first for that). */
void eiot_coaps_server_free(struct eiot_coaps_server *srv);
/* Add a resource (the struct is copied, its strings are not: they must outlive the server).
 * EIOT_ERR_BAD_PARAM for an empty or duplicate path or no handler, EIOT_ERR_NO_MEMORY. */
int eiot_coaps_server_add_resource(struct eiot_coaps_server *srv, const struct eiot_coap_resource *r);

/*
 * Observe (RFC 7641), server side. A GET with Observe 0 on an observable resource registers its
 * peer and token (up to 8 per peer; the answer then carries Observe); a GET with the same token
 * and Observe 1 or none deregisters, as do an RST to a notification, a CON notification never
 * acknowledged, and the end of the peer. A registered peer counts as active for the idle timeout
 * and is not evicted.
 *
 * The resource at path changed: each of its observers gets a notification (the handler is
 * called as for a GET; a large representation goes as Block2 block 0, §2.6 of RFC 7959; an
 * error code ends the observation). NON, except as observe_con_every says. Returns the number
 * of observers notified, or EIOT_ERR_BAD_PARAM for a path that is no observable resource.
 */
int eiot_coaps_server_notify(struct eiot_coaps_server *srv, const char *path, uint64_t now_ms);

/*
 * The deferred answer to the request p names: as a separate response (CON for a CON request,
 * retransmitted until acknowledged; NON for a NON), its representation in Block2 block 0 when
 * large. EIOT_ERR_CLOSED when that peer is gone (closed, evicted, replaced): nobody to answer.
 */
int eiot_coaps_server_respond_later(struct eiot_coaps_server *srv, const struct eiot_coap_pending *p,
				    const struct eiot_coap_response *r, uint64_t now_ms);

/* One datagram from addr (a sockaddr; the handshake rate is kept per IP address for AF_INET
 * and AF_INET6, per whole address otherwise). Returns EIOT_OK; what it caused is logged through
 * the DTLS configuration and counted in the stats. */
int eiot_coaps_server_feed(struct eiot_coaps_server *srv, const void *addr, size_t addr_len,
			   const uint8_t *dgram, size_t len, uint64_t now_ms);
/* The next datagram to send and where to (*len = 0 when none). EIOT_ERR_BUFFER_TOO_SMALL
 * when it does not fit cap (nothing is lost; cap of the configuration's MTU always fits). */
int eiot_coaps_server_output(struct eiot_coaps_server *srv, uint8_t *buf, size_t cap, size_t *len,
			     void *addr, size_t *addr_len);
/* When eiot_coaps_server_tick wants to run (UINT64_MAX: never). */
uint64_t eiot_coaps_server_next_timer(const struct eiot_coaps_server *srv);
/* DTLS and CoAP retransmissions, handshake give-ups, idle peers. */
int eiot_coaps_server_tick(struct eiot_coaps_server *srv, uint64_t now_ms);
/* Queue close_notify to every peer and forget them (send what eiot_coaps_server_output gives). */
void eiot_coaps_server_shutdown(struct eiot_coaps_server *srv);

struct eiot_coaps_server_stats {
	uint32_t peers;            /* held now */
	uint32_t established;      /* ... of which past the handshake */
	uint64_t cookies_sent;     /* HelloVerifyRequests */
	uint64_t handshakes;       /* completed */
	uint64_t handshakes_failed;
	uint64_t rate_limited;     /* ClientHellos with a valid cookie refused for their source's rate */
	uint64_t table_full;       /* ... refused because no peer could be evicted */
	uint64_t evicted;          /* idle peers evicted for a new one */
	uint64_t idle_closed;      /* peers closed for the idle timeout */
	uint64_t requests;         /* requests given to handlers */
	uint32_t observers;        /* registrations held now */
	uint64_t notifications;    /* sent */
	uint64_t dropped;          /* datagrams dropped at the front door (not a ClientHello...) */
	uint64_t moved;            /* peers moved to a new address by their connection ID (RFC 9146 §6) */
	uint64_t cid_none;         /* peers given no connection ID: no free one of the configured length */
	uint64_t bytes;            /* memory held: the server's tables, every peer's state */
	uint64_t peer_bytes_max;   /* ... the most one peer holds */
};
/* The counters, and (walking the table) the memory figures. */
void eiot_coaps_server_stats(const struct eiot_coaps_server *srv, struct eiot_coaps_server_stats *st);

#ifdef __cplusplus
}
#endif
#endif
