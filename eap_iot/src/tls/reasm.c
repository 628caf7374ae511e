/*
 * tls/reasm.c — DTLS handshake message reassembly (RFC 6347 §4.2.3).
 *
 * Invariants while active: buf[0..12) is the message's DTLS handshake header as if it had
 * come unfragmented (fragment_offset 0, fragment_length = length); bit i of bitmap says body
 * byte i is in buf[12 + i]; have counts the set bits. The first copy of a byte wins, so
 * duplicated and overlapping fragments change nothing.
 */
#include "tls/reasm.h"

#include <string.h>

#include "eap_iot/err.h"
#include "tls/msgs.h"
#include "util/bytes.h"

/* see tls/reasm.h */
void reasm_init(struct reasm *r, uint8_t *buf, uint8_t *bitmap, size_t cap)
{
	r->buf = buf;
	r->bitmap = bitmap;
	r->cap = cap;
	reasm_reset(r);
}

/* see tls/reasm.h */
void reasm_reset(struct reasm *r)
{
	r->active = false;
	r->type = 0;
	r->msg_seq = 0;
	r->length = 0;
	r->have = 0;
}

static void reasm_start(struct reasm *r, uint8_t type, uint32_t length, uint16_t msg_seq)
{
	r->active = true;
	r->type = type;
	r->msg_seq = msg_seq;
	r->length = length;
	r->have = 0;
	memset(r->bitmap, 0, ((size_t)length + 7) / 8);
	uint8_t *h = r->buf;
	h[0] = type;
	st_be24(h + 1, length);
	st_be16(h + 4, msg_seq);
	st_be24(h + 6, 0);
	st_be24(h + 9, length);
}

/* see tls/reasm.h */
int reasm_add(struct reasm *r, uint16_t expect_seq, uint8_t type, uint32_t length,
	      uint16_t msg_seq, uint32_t frag_off, const uint8_t *frag, uint32_t frag_len,
	      bool *complete)
{
	*complete = false;
	if (msg_seq != expect_seq)
		return EIOT_OK; /* RFC 6347 §4.2.2: not the next message; the peer resends */
	if (length > r->cap)
		return EIOT_ERR_MESSAGE_TOO_LARGE;
	if ((uint64_t)frag_off + frag_len > length)
		return EIOT_ERR_DECODE;
	if (!r->active || r->msg_seq != msg_seq)
		reasm_start(r, type, length, msg_seq);
	else if (r->type != type || r->length != length)
		return EIOT_ERR_DECODE; /* fragments of one message disagree about it */

	uint8_t *body = r->buf + HS_DTLS_HEADER;
	for (uint32_t i = 0; i < frag_len; i++) {
		uint32_t at = frag_off + i;
		uint8_t bit = (uint8_t)(1u << (at & 7));
		if (r->bitmap[at >> 3] & bit)
			continue;
		r->bitmap[at >> 3] |= bit;
		body[at] = frag[i];
		r->have++;
	}
	*complete = r->have == r->length;
	return EIOT_OK;
}
