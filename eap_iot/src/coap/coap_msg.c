/*
 * coap/coap_msg.c — the CoAP message format (RFC 7252 §3): header, token, options in delta
 * encoding, payload marker; decoding without copies, encoding in one pass.
 */
#include <string.h>

#include "eap_iot/coap.h"
#include "eap_iot/err.h"
#include "util/rw.h"

#define COAP_VERSION 1
#define PAYLOAD_MARKER 0xff
/* §3.1: a nibble of 13 adds one byte (value - 13), 14 adds two (value - 269), 15 is reserved */
#define EXT8 13
#define EXT16 14
#define EXT8_BASE 13u
#define EXT16_BASE 269u

/* One extended delta or length field after its nibble; -1 for 15 or a short read. */
static long read_ext(struct rd *r, unsigned nibble)
{
	switch (nibble) {
	case EXT8: return EXT8_BASE + rd_u8(r);
	case EXT16: return EXT16_BASE + rd_u16(r);
	case 15: return -1;
	default: return nibble;
	}
}

/* see eap_iot/coap.h */
int eiot_coap_decode(struct eiot_coap_msg *m, const uint8_t *buf, size_t len)
{
	if (!m || (!buf && len))
		return EIOT_ERR_BAD_PARAM;
	memset(m, 0, offsetof(struct eiot_coap_msg, uint_store));
	m->n_uint = 0;
	struct rd r = rd_init(buf, len);
	uint8_t b0 = rd_u8(&r);
	m->code = rd_u8(&r);
	m->mid = rd_u16(&r);
	m->type = (b0 >> 4) & 3;
	if (r.err || b0 >> 6 != COAP_VERSION)
		return EIOT_ERR_COAP_FORMAT;
	m->token_len = b0 & 0x0f;
	if (m->token_len > EIOT_COAP_MAX_TOKEN) /* §3: lengths 9-15 are reserved */
		return EIOT_ERR_COAP_FORMAT;
	const uint8_t *tok = rd_bytes(&r, m->token_len);
	if (!tok)
		return EIOT_ERR_COAP_FORMAT;
	memcpy(m->token, tok, m->token_len);
	/* §4.1: an Empty message has nothing after the header */
	if (m->code == EIOT_COAP_EMPTY && (m->token_len || rd_left(&r)))
		return EIOT_ERR_COAP_FORMAT;

	unsigned number = 0;
	while (rd_left(&r)) {
		uint8_t b = rd_u8(&r);
		if (b == PAYLOAD_MARKER) {
			if (!rd_left(&r)) /* §3: a marker followed by a zero-length payload */
				return EIOT_ERR_COAP_FORMAT;
			m->payload = r.p;
			m->payload_len = rd_left(&r);
			return EIOT_OK;
		}
		long delta = read_ext(&r, b >> 4), olen = read_ext(&r, b & 0x0f);
		if (delta < 0 || olen < 0 || r.err)
			return EIOT_ERR_COAP_FORMAT;
		number += (unsigned)delta;
		if (number > UINT16_MAX)
			return EIOT_ERR_COAP_FORMAT;
		const uint8_t *value = rd_bytes(&r, (size_t)olen);
		if (!value)
			return EIOT_ERR_COAP_FORMAT;
		if (m->n_opt == EIOT_COAP_MAX_OPTIONS)
			return EIOT_ERR_COAP_TOO_MANY_OPTIONS;
		m->opt[m->n_opt++] = (struct eiot_coap_option){ (uint16_t)number, (uint16_t)olen, value };
	}
	return EIOT_OK;
}

/* A delta or length as its nibble and extension bytes. */
static unsigned nibble_of(unsigned v)
{
	return v < EXT8_BASE ? v : v < EXT16_BASE ? EXT8 : EXT16;
}

static void write_ext(struct wr *w, unsigned v)
{
	if (v >= EXT16_BASE)
		wr_u16(w, (uint16_t)(v - EXT16_BASE));
	else if (v >= EXT8_BASE)
		wr_u8(w, (uint8_t)(v - EXT8_BASE));
}

static bool options_ordered(const struct eiot_coap_msg *m)
{
	for (size_t i = 1; i < m->n_opt; i++)
		if (m->opt[i].number < m->opt[i - 1].number)
			return false;
	return true;
}

/* The whole message into w (w.err set when it did not fit). */
static void write_msg(const struct eiot_coap_msg *m, struct wr *w)
{
	wr_u8(w, (uint8_t)(COAP_VERSION << 6 | (m->type & 3) << 4 | m->token_len));
	wr_u8(w, m->code);
	wr_u16(w, m->mid);
	wr_bytes(w, m->token, m->token_len);
	unsigned prev = 0;
	for (size_t i = 0; i < m->n_opt; i++) {
		const struct eiot_coap_option *o = &m->opt[i];
		unsigned delta = o->number - prev;
		wr_u8(w, (uint8_t)(nibble_of(delta) << 4 | nibble_of(o->len)));
		write_ext(w, delta);
		write_ext(w, o->len);
		wr_bytes(w, o->value, o->len);
		prev = o->number;
	}
	if (m->payload_len) {
		wr_u8(w, PAYLOAD_MARKER);
		wr_bytes(w, m->payload, m->payload_len);
	}
}

static bool encodable(const struct eiot_coap_msg *m)
{
	return m->token_len <= EIOT_COAP_MAX_TOKEN && m->n_opt <= EIOT_COAP_MAX_OPTIONS &&
	       options_ordered(m) && (m->payload || !m->payload_len) &&
	       (m->code != EIOT_COAP_EMPTY || (!m->token_len && !m->n_opt && !m->payload_len));
}

/* Extension bytes after a delta or length nibble. */
static size_t ext_len(unsigned v)
{
	return v < EXT8_BASE ? 0 : v < EXT16_BASE ? 1 : 2;
}

/* see eap_iot/coap.h */
size_t eiot_coap_encoded_len(const struct eiot_coap_msg *m)
{
	if (!m || !encodable(m))
		return 0;
	size_t n = EIOT_COAP_HEADER + m->token_len;
	unsigned prev = 0;
	for (size_t i = 0; i < m->n_opt; i++) {
		n += 1 + ext_len(m->opt[i].number - prev) + ext_len(m->opt[i].len) + m->opt[i].len;
		prev = m->opt[i].number;
	}
	return n + (m->payload_len ? 1 + m->payload_len : 0);
}

/* see eap_iot/coap.h */
int eiot_coap_encode(const struct eiot_coap_msg *m, uint8_t *out, size_t cap, size_t *len)
{
	if (!m || !out || !len || !encodable(m))
		return EIOT_ERR_BAD_PARAM;
	struct wr w = wr_init(out, cap);
	write_msg(m, &w);
	if (w.err)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	*len = w.len;
	return EIOT_OK;
}

/* see eap_iot/coap.h */
void eiot_coap_msg_init(struct eiot_coap_msg *m, enum eiot_coap_type type, uint8_t code, uint16_t mid)
{
	memset(m, 0, sizeof(*m));
	m->type = (uint8_t)type;
	m->code = code;
	m->mid = mid;
}

/* see eap_iot/coap.h */
int eiot_coap_set_token(struct eiot_coap_msg *m, const uint8_t *token, size_t len)
{
	if (!m || len > EIOT_COAP_MAX_TOKEN || (len && !token))
		return EIOT_ERR_BAD_PARAM;
	memcpy(m->token, token, len);
	m->token_len = (uint8_t)len;
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coap_add_option(struct eiot_coap_msg *m, uint16_t number, const void *value, size_t len)
{
	if (!m || len > UINT16_MAX || (len && !value))
		return EIOT_ERR_BAD_PARAM;
	if (m->n_opt == EIOT_COAP_MAX_OPTIONS)
		return EIOT_ERR_COAP_TOO_MANY_OPTIONS;
	size_t at = m->n_opt;
	while (at > 0 && m->opt[at - 1].number > number)
		at--;
	memmove(&m->opt[at + 1], &m->opt[at], (m->n_opt - at) * sizeof(m->opt[0]));
	m->opt[at] = (struct eiot_coap_option){ number, (uint16_t)len, value };
	m->n_opt++;
	return EIOT_OK;
}
