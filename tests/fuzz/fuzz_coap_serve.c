/*
 * tests/fuzz/fuzz_coap_serve.c — libFuzzer harness for the CoAP server's resource layer
 * (coap/coap_serve.c, coap/coap_link.c): arbitrary requests against two resources, one of them
 * with a 4 KB representation (Block2) that also takes PUT (Block1 uploads across messages).
 *
 * Input: [1 byte: the message room, 64..319][then a sequence of [1-byte clock step in seconds]
 * [2-byte length][CoAP message]]. Each message that decodes is served; the response must
 * encode within the room: a response that would not fit is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coap/coap_serve.h"
#include "eap_iot/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t blob[4096];

static int handler(void *user, const struct eiot_coap_request *req, struct eiot_coap_response *resp)
{
	(void)user;
	if (req->msg->code == EIOT_COAP_PUT) {
		if (req->body_len > sizeof(blob))
			abort(); /* the layer promised at most max_body */
		if (req->body_len)
			memcpy(blob, req->body, req->body_len);
		return 0;
	}
	resp->payload = blob;
	resp->payload_len = sizeof(blob);
	resp->content_format = 42;
	memcpy(resp->etag, "abcd", 4);
	resp->etag_len = 4;
	return 0;
}

static int small(void *user, const struct eiot_coap_request *req, struct eiot_coap_response *resp)
{
	(void)user;
	(void)req;
	memcpy(resp->buf, "21.5", 4);
	resp->payload_len = 4;
	return req->body_len == 13 ? -1 : 0; /* a failing handler too */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t body[4096], out[2048];
	struct eiot_coap_resource r[2] = {
		{ .path = "firmware", .methods = EIOT_COAP_METHOD(EIOT_COAP_GET) | EIOT_COAP_METHOD(EIOT_COAP_PUT),
		  .handler = handler, .rt = "fw", .ct = "42", .sz = 4096 },
		{ .path = "a/b", .methods = EIOT_COAP_METHOD(EIOT_COAP_GET) | EIOT_COAP_METHOD(EIOT_COAP_POST),
		  .handler = small, .rt = "t x", .if_ = "s", .ct = "0 50" },
	};
	uint32_t seq[2] = { 2, 2 };
	struct coap_resources rs = { .r = r, .obs_seq = seq, .n = 2 };
	struct coap_upload *upload = NULL;
	if (size < 1)
		return 0;
	struct coap_serve_ctx ctx = { .rs = &rs, .max_body = sizeof(body), .upload_lifetime_ms = 247000,
				      .room = 64u + data[0], .body = body, .upload = &upload };
	data++, size--;
	uint64_t now = 0;
	while (size >= 3) {
		now += (uint64_t)data[0] * 1000;
		size_t len = (size_t)data[1] << 8 | data[2], n;
		data += 3, size -= 3;
		if (len > size)
			len = size;
		struct eiot_coap_msg req, resp;
		bool handled;
		if (!eiot_coap_decode(&req, data, len) && EIOT_COAP_CODE_CLASS(req.code) == 0 &&
		    req.code != EIOT_COAP_EMPTY) {
			if (coap_serve(&ctx, &req, &resp, &handled, now))
				abort();
			if (eiot_coap_encode(&resp, out, ctx.room, &n))
				abort();
		}
		data += len, size -= len;
	}
	coap_upload_free(upload);
	return 0;
}
