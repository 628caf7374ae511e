/*
 * tests/fuzz/fuzz_record.c — libFuzzer harness for the record layer (tls/record.h).
 *
 * Input: one mode byte, then records. Mode bit 0: DTLS; bits 1-2: suite index (C0AE, C0A8,
 * C0AC, C02B); bit 3: plaintext epoch (no keys). Every record is parsed with
 * rec_parse_header and opened with rec_open under fixed keys. A record that opens is sealed
 * again with the same keys and must open to the same plaintext (a seal/open round trip).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls/record.h"
#include "tls/suites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY (16384 + 2048)
#define MAX_PLAIN 16384

static const uint16_t suites[] = { 0xC0AE, 0xC0A8, 0xC0AC, 0xC02B };
static const uint8_t key[16] = { 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
				 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f };
static const uint8_t iv[4] = { 0xa1, 0xa2, 0xa3, 0xa4 };

static void dir_setup(struct rec_dir *d, struct rec_keys *keys, bool dtls, bool plain,
		      const struct suite_info *s)
{
	rec_dir_init(d, dtls, keys);
	if (!plain && rec_dir_set_keys(d, s->aead, key, iv) != 0)
		abort();
}

/* Seal pt again and check that it opens to the same bytes. */
static void reseal_check(bool dtls, bool plain, const struct suite_info *s,
			 const struct rec_header *h, const uint8_t *pt, size_t n)
{
	static uint8_t out[REC_DTLS_HEADER + REC_EXPLICIT_NONCE + MAX_PLAIN + 16];
	struct rec_dir tx, rx;
	struct rec_keys tx_keys, rx_keys;
	struct rec_header h2;
	size_t len = 0, used = 0, n2 = 0;
	const uint8_t *pt2 = NULL;

	dir_setup(&tx, &tx_keys, dtls, plain, s);
	dir_setup(&rx, &rx_keys, dtls, plain, s);
	tx.epoch = h->epoch;
	tx.seq = dtls ? h->seq : 0;
	if (rec_seal(&tx, h->type, h->version, pt, n, out, sizeof(out), &len) != 0)
		abort();
	if (rec_parse_header(dtls, out, len, MAX_BODY, &h2, &used) != 0 || used != len)
		abort();
	if (rec_open(&rx, &h2, out + rec_header_len(&rx), MAX_PLAIN, &pt2, &n2) != 0)
		abort();
	if (n2 != n || (n > 0 && memcmp(pt2, pt, n) != 0))
		abort();
	rec_dir_free(&tx);
	rec_dir_free(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	bool dtls = mode & 1, plain = (mode >> 3) & 1;
	const struct suite_info *s = suite_find(suites[(mode >> 1) & 3]);
	size_t n = size - 1;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, n);

	struct rec_dir rx;
	struct rec_keys rx_keys;
	dir_setup(&rx, &rx_keys, dtls, plain, s);
	size_t off = 0;
	while (off < n) {
		struct rec_header h;
		size_t used = 0, pt_len = 0;
		const uint8_t *pt = NULL;
		if (rec_parse_header(dtls, buf + off, n - off, MAX_BODY, &h, &used) != 0)
			break;
		if (used > n - off || h.body != buf + off + rec_header_len(&rx))
			abort();
		uint8_t *body = buf + off + rec_header_len(&rx);
		off += used;
		int err = rec_open(&rx, &h, body, MAX_PLAIN, &pt, &pt_len);
		if (err) {
			if (!dtls)
				break; /* TLS: fatal */
			continue;   /* DTLS: drop the record, keep going (RFC 6347 §4.1.2.7) */
		}
		if (pt < body || pt_len > h.body_len || pt + pt_len > body + h.body_len)
			abort();
		reseal_check(dtls, plain, s, &h, pt, pt_len);
	}
	rec_dir_free(&rx);
	free(buf);
	return 0;
}
