/*
 * eap/eap_packet.c — EAP / EAP-TLS packet parsing and writing (see eap/eap_packet.h).
 * Every field is read through the bounded reader; nothing is trusted before it is checked.
 */
#include "eap_iot/features.h"
#if EIOT_WITH_EAP /* else left out of this build */

#include "eap/eap_packet.h"

#include <string.h>

#include "eap_iot/eap_tls.h"
#include "eap_iot/err.h"
#include "util/rw.h"

/* RFC 5216 §3.1/§3.2: the rules one packet must satisfy on its own. */
static int parse_tls(struct rd *r, struct eap_pkt *p)
{
	p->flags = rd_u8(r) & EAPTLS_FLAGS_KNOWN;
	if (r->err)
		return EIOT_ERR_DECODE;
	if (p->flags & EAPTLS_FLAG_L) {
		p->tls_len = rd_u32(r);
		if (r->err)
			return EIOT_ERR_DECODE;
	}
	p->data_len = rd_left(r);
	p->data = p->data_len ? r->p : NULL;
	if ((p->flags & EAPTLS_FLAG_L) && p->tls_len < p->data_len)
		return EIOT_ERR_DECODE; /* a fragment longer than the whole message */
	if (p->flags & EAPTLS_FLAG_M) {
		if (p->data_len == 0)
			return EIOT_ERR_DECODE;
		if ((p->flags & EAPTLS_FLAG_L) && p->tls_len == p->data_len)
			return EIOT_ERR_DECODE; /* "more follows" yet this is all of it */
	}
	if (p->flags & EAPTLS_FLAG_S) {
		/* the Start carries no data and no other flag; only the server sends it */
		if (p->code != EIOT_EAP_CODE_REQUEST || p->data_len ||
		    (p->flags & (EAPTLS_FLAG_L | EAPTLS_FLAG_M)))
			return EIOT_ERR_DECODE;
	}
	return EIOT_OK;
}

/* see eap/eap_packet.h */
int eap_pkt_parse(const uint8_t *in, size_t n, struct eap_pkt *p)
{
	struct rd r = rd_init(in, n);

	memset(p, 0, sizeof(*p));
	p->code = rd_u8(&r);
	p->id = rd_u8(&r);
	p->len = rd_u16(&r);
	if (r.err || p->len < EAP_HEADER_LEN || p->len > n)
		return EIOT_ERR_DECODE;
	/* RFC 3748 §4.1: octets past Length are link padding and are ignored */
	r.end = in + p->len;
	switch (p->code) {
	case EIOT_EAP_CODE_SUCCESS:
	case EIOT_EAP_CODE_FAILURE:
		return p->len == EAP_HEADER_LEN ? EIOT_OK : EIOT_ERR_DECODE;
	case EIOT_EAP_CODE_REQUEST:
	case EIOT_EAP_CODE_RESPONSE:
		break;
	default:
		return EIOT_ERR_DECODE;
	}
	p->type = rd_u8(&r);
	if (r.err)
		return EIOT_ERR_DECODE;
	if (p->type == EIOT_EAP_TYPE_TLS)
		return parse_tls(&r, p);
	p->data_len = rd_left(&r);
	p->data = p->data_len ? r.p : NULL;
	return EIOT_OK;
}

/* see eap/eap_packet.h */
int eap_pkt_write_tls(uint8_t code, uint8_t id, uint8_t flags, uint32_t tls_len,
		      const uint8_t *data, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t total = EAPTLS_HEADER_LEN + ((flags & EAPTLS_FLAG_L) ? 4 : 0) + n;
	struct wr w = wr_init(out, cap);

	*out_len = 0;
	if (total > 0xFFFF)
		return EIOT_ERR_BAD_PARAM;
	wr_u8(&w, code);
	wr_u8(&w, id);
	wr_u16(&w, (uint16_t)total);
	wr_u8(&w, EIOT_EAP_TYPE_TLS);
	wr_u8(&w, flags);
	if (flags & EAPTLS_FLAG_L)
		wr_u32(&w, tls_len);
	if (n)
		wr_bytes(&w, data, n);
	if (w.err)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	*out_len = w.len;
	return EIOT_OK;
}

/* see eap/eap_packet.h */
int eap_pkt_write_result(uint8_t code, uint8_t id, uint8_t *out, size_t cap, size_t *out_len)
{
	struct wr w = wr_init(out, cap);

	*out_len = 0;
	wr_u8(&w, code);
	wr_u8(&w, id);
	wr_u16(&w, EAP_HEADER_LEN);
	if (w.err)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	*out_len = w.len;
	return EIOT_OK;
}

#endif /* EIOT_WITH_EAP */
