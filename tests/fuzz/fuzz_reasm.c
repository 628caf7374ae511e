/*
 * tests/fuzz/fuzz_reasm.c — libFuzzer harness for DTLS handshake reassembly (tls/reasm.c).
 *
 * Input: expect_seq (1 byte), then a stream of fragments, each a 12-byte DTLS handshake
 * header (type, length, message_seq, fragment_offset, fragment_length) followed by up to
 * fragment_length bytes (fewer at the end of the input). The fields go to reasm_add raw, so
 * out-of-range and contradictory fragments reach it. A shadow copy (first byte wins) checks
 * every completed message against what was fed in.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eap_iot/err.h"
#include "tls/msgs.h"
#include "tls/reasm.h"
#include "util/bytes.h"

#define CAP 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[HS_DTLS_HEADER + CAP], bitmap[(CAP + 7) / 8];
static uint8_t shadow[CAP], shadow_seen[CAP];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct reasm r;
	reasm_init(&r, buf, bitmap, CAP);
	uint16_t expect = data[0];
	size_t pos = 1;
	bool shadow_live = false;

	while (size - pos >= HS_DTLS_HEADER) {
		const uint8_t *h = data + pos;
		uint8_t type = h[0];
		uint32_t length = ld_be24(h + 1);
		uint16_t seq = ld_be16(h + 4);
		uint32_t off = ld_be24(h + 6);
		uint32_t flen = ld_be24(h + 9);
		pos += HS_DTLS_HEADER;
		if (flen > size - pos)
			flen = (uint32_t)(size - pos);
		const uint8_t *frag = data + pos;
		pos += flen;

		bool was_active = r.active;
		uint8_t old_type = r.type;
		uint32_t old_len = r.length;
		bool complete;
		int err = reasm_add(&r, expect, type, length, seq, off, frag, flen, &complete);
		if (err) {
			if (err != EIOT_ERR_DECODE && err != EIOT_ERR_MESSAGE_TOO_LARGE)
				abort();
			if (complete || r.active != was_active || r.type != old_type || r.length != old_len)
				abort(); /* a refused fragment changes nothing */
			continue;
		}
		if (seq != expect) {
			if (complete)
				abort();
			continue;
		}
		if (!shadow_live) {
			memset(shadow_seen, 0, sizeof(shadow_seen));
			shadow_live = true;
		}
		for (uint32_t i = 0; i < flen; i++)
			if (!shadow_seen[off + i]) {
				shadow_seen[off + i] = 1;
				shadow[off + i] = frag[i];
			}
		if (r.have > r.length || complete != (r.have == r.length))
			abort();
		if (!complete)
			continue;
		/* the whole message, with an unfragmented header */
		if (buf[0] != type || ld_be24(buf + 1) != length || ld_be16(buf + 4) != seq ||
		    ld_be24(buf + 6) != 0 || ld_be24(buf + 9) != length)
			abort();
		for (uint32_t i = 0; i < length; i++)
			if (!shadow_seen[i] || buf[HS_DTLS_HEADER + i] != shadow[i])
				abort();
		reasm_reset(&r);
		shadow_live = false;
		expect++;
	}
	return 0;
}
