/*
 * coap/coap_serve.c — one request to its response: the resource by Uri-Path (4.04), the method
 * (4.05), Block1 reassembly (RFC 7959 §2.5: 2.31 Continue, 4.08, 4.13 with Size1), the handler,
 * Accept (4.06), and Block2 (§2.4): a representation larger than one message goes in blocks,
 * at the size the client asked or the largest that fits the peer's DTLS record, whichever is
 * smaller, with Size2 in the first block.
 */
#include <stdlib.h>
#include <string.h>

#include "coap/coap_serve.h"
#include "eap_iot/err.h"

#define CT_LINK_FORMAT 40 /* application/link-format (RFC 6690 §7.2) */
/* Bytes Observe, Block2 and Size2 options and the payload marker may add to a response. */
#define BLOCK2_OVERHEAD (4 + 5 + 5 + 1)

void coap_upload_free(struct coap_upload *u)
{
	if (u)
		free(u->buf);
	free(u);
}

/* FNV-1a over the Uri-Path segments, to tell one upload's target from another's. */
static uint32_t path_hash(const struct eiot_coap_msg *m)
{
	uint32_t h = 2166136261u;
	size_t pos = 0;
	const struct eiot_coap_option *o;
	while ((o = eiot_coap_next_option(m, EIOT_COAP_OPT_URI_PATH, &pos))) {
		for (size_t i = 0; i < o->len; i++)
			h = (h ^ o->value[i]) * 16777619u;
		h = (h ^ '/') * 16777619u;
	}
	return h;
}

static const struct eiot_coap_resource *find(const struct coap_resources *rs, const struct eiot_coap_msg *m)
{
	for (size_t i = 0; i < rs->n; i++)
		if (coap_path_is(m, rs->r[i].path))
			return &rs->r[i];
	return NULL;
}

/* An answer with no representation but a diagnostic payload (RFC 7252 §5.5.2). */
static void error_response(struct eiot_coap_msg *resp, uint8_t code, const char *diag)
{
	resp->code = code;
	resp->payload = (const uint8_t *)diag;
	resp->payload_len = strlen(diag);
}

static bool get_uint(const struct eiot_coap_msg *m, uint16_t number, uint32_t *v)
{
	const struct eiot_coap_option *o = eiot_coap_next_option(m, number, NULL);
	return o && !eiot_coap_option_uint(o, v);
}

/*
 * Block1 (RFC 7959 §2.5): keep this block of an upload. Returns true when the body is whole
 * (ctx->req.body set); false with resp filled (2.31 Continue, or an error) otherwise.
 */
static bool take_block1(struct coap_serve_ctx *ctx, const struct eiot_coap_msg *req,
			struct eiot_coap_msg *resp, const struct eiot_coap_block *b, uint64_t now)
{
	struct coap_upload *u = *ctx->upload;
	uint32_t size1, hash = path_hash(req);
	size_t bs = eiot_coap_block_size(b->szx);
	if (u && (u->until <= now || b->num == 0 || u->path_hash != hash)) {
		coap_upload_free(u); /* expired, restarted, or replaced by an upload elsewhere */
		*ctx->upload = u = NULL;
	}
	if (get_uint(req, EIOT_COAP_OPT_SIZE1, &size1) && size1 > ctx->max_body) {
		error_response(resp, EIOT_COAP_REQUEST_ENTITY_TOO_LARGE, "body too large");
		eiot_coap_add_uint_option(resp, EIOT_COAP_OPT_SIZE1, ctx->max_body);
		return false;
	}
	if (b->num == 0) {
		u = calloc(1, sizeof(*u));
		if (u && !(u->buf = malloc(ctx->max_body))) {
			free(u);
			u = NULL;
		}
		if (!u) {
			error_response(resp, EIOT_COAP_SERVICE_UNAVAILABLE, "no memory for the upload");
			return false;
		}
		u->path_hash = hash;
		*ctx->upload = u;
	}
	/* §2.5: blocks arrive in order, all but the last of exactly the block size */
	if (!u || b->num != u->next_num || (u->len && b->szx != u->szx) || (b->more && req->payload_len != bs)) {
		error_response(resp, EIOT_COAP_REQUEST_ENTITY_INCOMPLETE, "block out of sequence");
		return false;
	}
	if (u->len + req->payload_len > ctx->max_body) {
		coap_upload_free(u);
		*ctx->upload = NULL;
		error_response(resp, EIOT_COAP_REQUEST_ENTITY_TOO_LARGE, "body too large");
		eiot_coap_add_uint_option(resp, EIOT_COAP_OPT_SIZE1, ctx->max_body);
		return false;
	}
	if (req->payload_len)
		memcpy(u->buf + u->len, req->payload, req->payload_len);
	u->len += req->payload_len;
	u->next_num++;
	u->szx = b->szx;
	u->until = now + ctx->upload_lifetime_ms;
	if (b->more) {
		resp->code = EIOT_COAP_CONTINUE;
		eiot_coap_add_block_option(resp, EIOT_COAP_OPT_BLOCK1, b);
		return false;
	}
	ctx->req.body = u->buf;
	ctx->req.body_len = u->len;
	return true;
}

/* The largest SZX whose block fits one message beside the response's other options. */
static int fitting_szx(const struct coap_serve_ctx *ctx, const struct eiot_coap_msg *resp)
{
	size_t base = eiot_coap_encoded_len(resp) + BLOCK2_OVERHEAD;
	for (int szx = 6; szx >= 0; szx--)
		if (base + eiot_coap_block_size((uint8_t)szx) <= ctx->room)
			return szx;
	return -1;
}

/* Block2 (§2.4): put the part of the representation the client asked for (or the first block
 * when it does not fit and nothing was asked) into resp. */
static void cut_block2(const struct coap_serve_ctx *ctx, const struct eiot_coap_msg *req,
		       struct eiot_coap_msg *resp, const uint8_t *rep, size_t rep_len)
{
	struct eiot_coap_block asked = { 0 }, b;
	const struct eiot_coap_option *o = eiot_coap_next_option(req, EIOT_COAP_OPT_BLOCK2, NULL);
	bool has = o && !eiot_coap_block_get(o, &asked);
	int fit = fitting_szx(ctx, resp);
	if (!has && eiot_coap_encoded_len(resp) + 1 + rep_len <= ctx->room) {
		resp->payload = rep, resp->payload_len = rep_len;
		return;
	}
	if (fit < 0) {
		error_response(resp, EIOT_COAP_INTERNAL_SERVER_ERROR, "no block fits a record");
		return;
	}
	b.szx = has && asked.szx < fit ? asked.szx : (uint8_t)fit;
	/* a smaller block than asked: the offset the client meant, in our blocks (§2.4) */
	uint64_t off = has ? (uint64_t)asked.num * eiot_coap_block_size(asked.szx) : 0;
	size_t bs = eiot_coap_block_size(b.szx);
	if (off && off >= rep_len) {
		resp->n_opt = 0;
		error_response(resp, EIOT_COAP_BAD_OPTION, "block beyond the end");
		return;
	}
	b.num = (uint32_t)(off / bs);
	b.more = off + bs < rep_len;
	eiot_coap_add_block_option(resp, EIOT_COAP_OPT_BLOCK2, &b);
	if (b.num == 0)
		eiot_coap_add_uint_option(resp, EIOT_COAP_OPT_SIZE2, (uint32_t)rep_len);
	resp->payload = rep + off;
	resp->payload_len = b.more ? bs : rep_len - off;
}

static uint8_t success_code(uint8_t method)
{
	return method == EIOT_COAP_GET ? EIOT_COAP_CONTENT
	       : method == EIOT_COAP_DELETE ? EIOT_COAP_DELETED
					      : EIOT_COAP_CHANGED;
}

/* Options of the handler's answer, in number order (eiot_coap_add_option keeps it). */
static void add_representation_options(struct eiot_coap_msg *resp, const struct eiot_coap_response *r)
{
	if (r->etag_len)
		eiot_coap_add_option(resp, EIOT_COAP_OPT_ETAG, r->etag, r->etag_len > 8 ? 8 : r->etag_len);
	if (r->content_format >= 0)
		eiot_coap_add_uint_option(resp, EIOT_COAP_OPT_CONTENT_FORMAT, (uint32_t)r->content_format);
	if (r->max_age >= 0)
		eiot_coap_add_uint_option(resp, EIOT_COAP_OPT_MAX_AGE, (uint32_t)r->max_age);
}

/* see coap/coap_serve.h */
int coap_serve(struct coap_serve_ctx *ctx, const struct eiot_coap_msg *req, struct eiot_coap_msg *resp,
	       bool *handled, uint64_t now)
{
	struct eiot_coap_block b1;
	const struct eiot_coap_option *o1 = eiot_coap_next_option(req, EIOT_COAP_OPT_BLOCK1, NULL);
	uint32_t accept;
	*handled = false;
	ctx->resource = NULL;
	ctx->observed = ctx->deferred = false;
	eiot_coap_msg_init(resp, EIOT_COAP_ACK, EIOT_COAP_CONTENT, 0);
	eiot_coap_set_token(resp, req->token, req->token_len);
	ctx->req.msg = req;
	ctx->req.body = req->payload;
	ctx->req.body_len = req->payload_len;

	if (coap_path_is(req, ".well-known/core")) {
		size_t n;
		if (req->code != EIOT_COAP_GET) {
			error_response(resp, EIOT_COAP_METHOD_NOT_ALLOWED, "GET only");
			return EIOT_OK;
		}
		if (coap_link_format(ctx->rs, req, ctx->body, ctx->max_body, &n)) {
			error_response(resp, EIOT_COAP_INTERNAL_SERVER_ERROR, "link format too large");
			return EIOT_OK;
		}
		eiot_coap_add_uint_option(resp, EIOT_COAP_OPT_CONTENT_FORMAT, CT_LINK_FORMAT);
		cut_block2(ctx, req, resp, ctx->body, n);
		return EIOT_OK;
	}
	const struct eiot_coap_resource *r = find(ctx->rs, req);
	ctx->resource = r;
	if (!r) {
		error_response(resp, EIOT_COAP_NOT_FOUND, "no such resource");
		return EIOT_OK;
	}
	if (!(r->methods & EIOT_COAP_METHOD(req->code))) {
		error_response(resp, EIOT_COAP_METHOD_NOT_ALLOWED, "method not allowed here");
		return EIOT_OK;
	}
	/* RFC 7252 §5.10.8: If-Match and If-None-Match are critical; where the handler does not
	 * evaluate them they are not understood, which §5.4.1 answers with 4.02 */
	if (!r->conditional && (eiot_coap_next_option(req, EIOT_COAP_OPT_IF_MATCH, NULL) ||
				eiot_coap_next_option(req, EIOT_COAP_OPT_IF_NONE_MATCH, NULL))) {
		error_response(resp, EIOT_COAP_BAD_OPTION, "no conditional requests here");
		return EIOT_OK;
	}
	if (o1) {
		if (eiot_coap_block_get(o1, &b1)) {
			error_response(resp, EIOT_COAP_BAD_OPTION, "bad Block1");
			return EIOT_OK;
		}
		if (!take_block1(ctx, req, resp, &b1, now))
			return EIOT_OK;
	}
	struct eiot_coap_response hr = { .code = success_code(req->code), .content_format = -1,
					 .max_age = -1, .buf = ctx->body, .cap = ctx->max_body };
	hr.payload = hr.buf;
	*handled = true;
	int err = r->handler(r->user, &ctx->req, &hr);
	if (o1) { /* the upload is over, whatever the handler said */
		coap_upload_free(*ctx->upload);
		*ctx->upload = NULL;
	}
	if (err == EIOT_COAP_DEFERRED) {
		ctx->deferred = true;
		return EIOT_OK;
	}
	if (!err && get_uint(req, EIOT_COAP_OPT_ACCEPT, &accept) && EIOT_COAP_CODE_CLASS(hr.code) == 2 &&
	    hr.payload_len && (int64_t)accept != hr.content_format) {
		error_response(resp, EIOT_COAP_NOT_ACCEPTABLE, "no representation in that format");
		return EIOT_OK;
	}
	bool observe = ctx->observe && r->observable;
	coap_finish_response(ctx, req, err ? NULL : &hr, observe ? &ctx->rs->obs_seq[r - ctx->rs->r] : NULL, resp);
	if (o1 && EIOT_COAP_CODE_CLASS(resp->code) == 2) /* §2.3: the last block's Block1 comes back */
		eiot_coap_add_block_option(resp, EIOT_COAP_OPT_BLOCK1, &b1);
	return EIOT_OK;
}

/* see coap/coap_serve.h */
void coap_finish_response(struct coap_serve_ctx *ctx, const struct eiot_coap_msg *req,
			  const struct eiot_coap_response *hr, const uint32_t *observe_seq,
			  struct eiot_coap_msg *resp)
{
	if (!hr || EIOT_COAP_CODE_CLASS(hr->code) < 2 || hr->code == EIOT_COAP_CONTINUE ||
	    (hr->payload_len && !hr->payload)) {
		error_response(resp, EIOT_COAP_INTERNAL_SERVER_ERROR, "handler failed");
		return;
	}
	resp->code = hr->code;
	add_representation_options(resp, hr);
	if (observe_seq && EIOT_COAP_CODE_CLASS(hr->code) == 2) {
		eiot_coap_add_uint_option(resp, EIOT_COAP_OPT_OBSERVE, *observe_seq);
		ctx->observed = true;
	}
	cut_block2(ctx, req, resp, hr->payload, hr->payload_len);
}
