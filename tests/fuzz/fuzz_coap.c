/*
 * tests/fuzz/fuzz_coap.c — libFuzzer harness for the CoAP message codec (coap/coap_msg.c,
 * coap/coap_option.c).
 *
 * Input: one datagram. Whatever decodes must encode back to the very same bytes (the wire form
 * of a message is unique: options in order, shortest delta/length forms) and the encoded length
 * must be announced right; every option must lie inside the datagram; the option helpers must
 * take every decoded option without reading past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eap_iot/coap.h"
#include "eap_iot/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eiot_coap_msg m;
	static uint8_t out[70000];
	size_t len;
	uint16_t bad;
	if (eiot_coap_decode(&m, data, size) != EIOT_OK)
		return 0;
	for (size_t i = 0; i < m.n_opt; i++) {
		const struct eiot_coap_option *o = &m.opt[i];
		uint32_t v;
		struct eiot_coap_block b;
		if (o->len && (o->value < data || o->value + o->len > data + size))
			abort();
		(void)eiot_coap_option_uint(o, &v);
		(void)eiot_coap_block_get(o, &b);
	}
	(void)eiot_coap_check_options(&m, &bad);
	if (eiot_coap_encode(&m, out, sizeof(out), &len) != EIOT_OK || len != eiot_coap_encoded_len(&m))
		abort();
	/* the same bytes, unless the input used a longer form than needed (leading zeros of an
	 * extended delta/length are not possible: 13/269 bases make every form unique) */
	if (len != size || memcmp(out, data, size))
		abort();
	return 0;
}
