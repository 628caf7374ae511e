/*
 * coap/coap_serve.h — the server's resource layer: a request in, the response to send out.
 * Finds the resource (or /.well-known/core, coap_link.c), reassembles Block1 uploads, calls
 * the handler, and cuts its representation into Block2 blocks. Knows nothing of DTLS or
 * addresses: the endpoint (coaps_server.c) passes what the handler may want to see.
 */
#ifndef EIOT_COAP_SERVE_H
#define EIOT_COAP_SERVE_H

#include "eap_iot/coap_server.h"

struct coap_resources {
	struct eiot_coap_resource *r;
	uint32_t *obs_seq; /* per resource: the Observe value of its latest state (RFC 7641 §4.4) */
	size_t n;
};

/* A Block1 upload in progress with one peer (RFC 7959 §2.5): one at a time per peer. */
struct coap_upload {
	uint32_t path_hash;   /* of the Uri-Path it goes to */
	uint32_t next_num;    /* block expected next */
	uint8_t szx;
	uint64_t until;       /* forgotten after this */
	size_t len;
	uint8_t *buf;         /* max_body bytes */
};

/* What one request is served with; the buffers are the server's, shared by every peer. */
struct coap_serve_ctx {
	const struct coap_resources *rs;
	uint32_t max_body;
	uint64_t upload_lifetime_ms;
	size_t room;                /* largest CoAP message one DTLS record carries to this peer */
	uint8_t *body;              /* max_body bytes: handlers' representations, link format */
	struct coap_upload **upload;/* the peer's upload slot (allocated on the first block) */
	struct eiot_coap_request req; /* msg, body, conn, addr filled in here / by the endpoint */
	bool observe;               /* in: answer with the resource's Observe value when observable */
	const struct eiot_coap_resource *resource; /* out: the one the request named (or NULL) */
	bool observed;              /* out: the answer carries Observe */
	bool deferred;              /* out: the handler will answer later (resp is not filled in) */
};

/*
 * Serve req: fill resp (its token set, type and MID left to the message layer) and set
 * *handled when a handler ran. Its options and payload may point into ctx's buffers, the
 * request and the handler's memory: send it before the next call.
 */
int coap_serve(struct coap_serve_ctx *ctx, const struct eiot_coap_msg *req, struct eiot_coap_msg *resp,
	       bool *handled, uint64_t now);

/* The response from a handler's answer hr (NULL: it failed, 5.00): code, ETag, Content-Format,
 * Max-Age, Observe when observe_seq is given, and the representation, in Block2 blocks as req
 * asks or as the room needs. */
void coap_finish_response(struct coap_serve_ctx *ctx, const struct eiot_coap_msg *req,
			  const struct eiot_coap_response *hr, const uint32_t *observe_seq,
			  struct eiot_coap_msg *resp);

/* RFC 6690: the link format of every resource that passes the query filter of req (at most one
 * Uri-Query, "attr=value" or "attr=prefix*"), into out. EIOT_ERR_BUFFER_TOO_SMALL when it does
 * not fit cap. */
int coap_link_format(const struct coap_resources *rs, const struct eiot_coap_msg *req, uint8_t *out,
		     size_t cap, size_t *len);

/* Whether the Uri-Path options of m name path ("a/b"; "" is the root). */
bool coap_path_is(const struct eiot_coap_msg *m, const char *path);

void coap_upload_free(struct coap_upload *u);

#endif
