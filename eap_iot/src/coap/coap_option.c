/*
 * coap/coap_option.c — what CoAP options mean: the definitions this endpoint knows (RFC 7252
 * §5.10, RFC 7641 §2, RFC 7959 §2.1), unsigned values, Block1/Block2, and the check that
 * decides between going on and 4.02 Bad Option (§5.4.1).
 */
#include "eap_iot/coap.h"
#include "eap_iot/err.h"

struct option_def {
	uint16_t number;
	uint16_t min_len, max_len;
	bool repeatable;
};

static const struct option_def defs[] = {
	{ EIOT_COAP_OPT_IF_MATCH, 0, 8, true },
	{ EIOT_COAP_OPT_URI_HOST, 1, 255, false },
	{ EIOT_COAP_OPT_ETAG, 1, 8, true },
	{ EIOT_COAP_OPT_IF_NONE_MATCH, 0, 0, false },
	{ EIOT_COAP_OPT_OBSERVE, 0, 3, false },
	{ EIOT_COAP_OPT_URI_PORT, 0, 2, false },
	{ EIOT_COAP_OPT_LOCATION_PATH, 0, 255, true },
	{ EIOT_COAP_OPT_URI_PATH, 0, 255, true },
	{ EIOT_COAP_OPT_CONTENT_FORMAT, 0, 2, false },
	{ EIOT_COAP_OPT_MAX_AGE, 0, 4, false },
	{ EIOT_COAP_OPT_URI_QUERY, 0, 255, true },
	{ EIOT_COAP_OPT_ACCEPT, 0, 2, false },
	{ EIOT_COAP_OPT_LOCATION_QUERY, 0, 255, true },
	{ EIOT_COAP_OPT_BLOCK2, 0, 3, false },
	{ EIOT_COAP_OPT_BLOCK1, 0, 3, false },
	{ EIOT_COAP_OPT_SIZE2, 0, 4, false },
	{ EIOT_COAP_OPT_PROXY_URI, 1, 1034, false },
	{ EIOT_COAP_OPT_PROXY_SCHEME, 1, 255, false },
	{ EIOT_COAP_OPT_SIZE1, 0, 4, false },
};

static const struct option_def *find_def(uint16_t number)
{
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (defs[i].number == number)
			return &defs[i];
	return NULL;
}

/* see eap_iot/coap.h */
int eiot_coap_check_options(const struct eiot_coap_msg *m, uint16_t *bad)
{
	if (!m || !bad)
		return EIOT_ERR_BAD_PARAM;
	for (size_t i = 0; i < m->n_opt; i++) {
		const struct eiot_coap_option *o = &m->opt[i];
		const struct option_def *d = find_def(o->number);
		/* §5.4.3 a length outside the definition, §5.4.5 a supernumerary occurrence: the
		 * option is then unrecognized, which only matters when it is critical */
		bool known = d && o->len >= d->min_len && o->len <= d->max_len &&
			     (d->repeatable || i == 0 || m->opt[i - 1].number != o->number);
		if (!known && eiot_coap_option_critical(o->number)) {
			*bad = o->number;
			return EIOT_ERR_COAP_BAD_OPTION;
		}
	}
	return EIOT_OK;
}

/* see eap_iot/coap.h */
const struct eiot_coap_option *eiot_coap_next_option(const struct eiot_coap_msg *m, uint16_t number,
						      size_t *pos)
{
	for (size_t i = pos ? *pos : 0; m && i < m->n_opt; i++) {
		if (m->opt[i].number == number) {
			if (pos)
				*pos = i + 1;
			return &m->opt[i];
		}
	}
	return NULL;
}

/* see eap_iot/coap.h */
int eiot_coap_option_uint(const struct eiot_coap_option *o, uint32_t *value)
{
	if (!o || !value)
		return EIOT_ERR_BAD_PARAM;
	if (o->len > 4)
		return EIOT_ERR_COAP_FORMAT;
	uint32_t v = 0;
	for (size_t i = 0; i < o->len; i++) /* §3.2: network byte order, leading zeros allowed */
		v = v << 8 | o->value[i];
	*value = v;
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coap_add_uint_option(struct eiot_coap_msg *m, uint16_t number, uint32_t value)
{
	if (!m)
		return EIOT_ERR_BAD_PARAM;
	if (m->n_uint == EIOT_COAP_MAX_OPTIONS)
		return EIOT_ERR_COAP_TOO_MANY_OPTIONS;
	uint8_t *store = m->uint_store[m->n_uint];
	size_t len = 0;
	for (int shift = 24; shift >= 0; shift -= 8) /* the shortest form: no leading zero byte */
		if (len || (value >> shift & 0xff))
			store[len++] = (uint8_t)(value >> shift);
	int err = eiot_coap_add_option(m, number, store, len);
	if (!err)
		m->n_uint++;
	return err;
}

/* see eap_iot/coap.h */
int eiot_coap_block_get(const struct eiot_coap_option *o, struct eiot_coap_block *b)
{
	uint32_t v;
	if (!b)
		return EIOT_ERR_BAD_PARAM;
	int err = eiot_coap_option_uint(o, &v);
	if (err)
		return err;
	/* RFC 7959 §2.2: NUM (4, 12 or 20 bits) | M (1) | SZX (3); SZX 7 is reserved */
	if (o->len > 3 || (v & 7) == 7)
		return EIOT_ERR_COAP_FORMAT;
	*b = (struct eiot_coap_block){ v >> 4, (v >> 3) & 1, (uint8_t)(v & 7) };
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coap_add_block_option(struct eiot_coap_msg *m, uint16_t number, const struct eiot_coap_block *b)
{
	if (!b || b->szx > 6 || b->num >= 1u << 20)
		return EIOT_ERR_BAD_PARAM;
	return eiot_coap_add_uint_option(m, number, b->num << 4 | (uint32_t)b->more << 3 | b->szx);
}
