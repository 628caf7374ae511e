/*
 * tests/unit/test_record.c — record headers and AEAD protection (tls/record.h), and the
 * suite table (tls/suites.h).
 *
 * The two known-answer records (TLS and DTLS, AES-128-CCM_8, plaintext "hello") were built
 * independently with python3 `cryptography` (AESCCM, tag 8) from RFC 5246 §6.2.3.3's AAD,
 * RFC 6655 §3's nonce and RFC 7925 App. B's DTLS explicit nonce (epoch || seq48). The
 * connection ID record was built the same way from RFC 9146 §4 and §5.3 (no peer on Debian 12
 * has RFC 9146 to check it against).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "eap_iot/err.h"
#include "tls/record.h"
#include "tls/suites.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;
	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* every suite whose AEAD the build holds (GCM only with EIOT_WITH_EXTRA_SUITES) */
static const uint16_t all_suites[] = { 0xC0AE, 0xC0A8, 0xC0AC,
#if EIOT_WITH_EXTRA_SUITES
				       0xC02B
#endif
};
static const uint8_t key[16] = { 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
				 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f };
static const uint8_t iv[4] = { 0xa1, 0xa2, 0xa3, 0xa4 };

#define MAX_BODY (16384 + 2048)

/* AEAD states for the directions under test: [0] sender, [1] receiver, [2] a lone one */
static struct rec_keys keys[3];

/* A sender and a receiver direction with the same keys for suite id. */
static void pair_init(struct rec_dir *tx, struct rec_dir *rx, bool dtls, uint16_t id)
{
	const struct suite_info *s = suite_lookup(id);
	assert_non_null(s);
	rec_dir_init(tx, dtls, &keys[0]);
	rec_dir_init(rx, dtls, &keys[1]);
	assert_int_equal(rec_dir_set_keys(tx, s->aead, key, iv), 0);
	assert_int_equal(rec_dir_set_keys(rx, s->aead, key, iv), 0);
	assert_int_equal(tx->tag_len, s->tag_len);
}

static void pair_free(struct rec_dir *tx, struct rec_dir *rx)
{
	rec_dir_free(tx);
	rec_dir_free(rx);
}

static uint16_t version_of(bool dtls)
{
	return dtls ? DTLS_VERSION_1_2 : TLS_VERSION_1_2;
}

/* ---- suites ---- */

static void test_suite_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(all_suites) / sizeof(all_suites[0]); i++) {
		const struct suite_info *s = suite_lookup(all_suites[i]);
		assert_non_null(s);
		assert_int_equal(s->id, all_suites[i]);
		assert_int_equal(s->key_len, 16);
		assert_int_equal(s->fixed_iv_len, 4);
		assert_int_equal(s->tag_len, s->aead == EIOT_AEAD_AES128_CCM_8 ? 8 : 16);
		assert_non_null(s->name);
	}
	static const uint16_t every[] = { 0xC0AE, 0xC0A8, 0xC0AC, 0xC02B };
	size_t in_build = 0;
	for (size_t i = 0; i < sizeof(every) / sizeof(every[0]); i++)
		in_build += suite_find(every[i]) != NULL;
	assert_int_equal(in_build, SUITES_IN_BUILD);
	assert_int_equal(suite_lookup(0xC0A8)->kx, KX_PSK);
	assert_int_equal(suite_lookup(0xC0AE)->kx, KX_ECDHE_ECDSA);
	assert_int_equal(suite_lookup(0xC02B)->aead, EIOT_AEAD_AES128_GCM);
	assert_int_equal(suite_lookup(0xC0AC)->aead, EIOT_AEAD_AES128_CCM);
	assert_null(suite_lookup(0x002F));
	assert_null(suite_lookup(0xC0A9));
	assert_true(suite_is_profile(0xC0AE));
	assert_true(suite_is_profile(0xC0A8));
	assert_false(suite_is_profile(0xC0AC));
	assert_false(suite_is_profile(0xC02B));
}

/* ---- round trips ---- */

static void round_trip(bool dtls, uint16_t id)
{
	struct rec_dir tx, rx;
	uint8_t pt[300], rec[400];
	pair_init(&tx, &rx, dtls, id);
	for (size_t i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i * 7);

	for (size_t r = 0; r < 4; r++) {
		size_t n = r * 97, len = 0, used = 0;
		struct rec_header h;
		const uint8_t *out;
		size_t out_len;

		assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, version_of(dtls), pt, n, rec,
					  sizeof(rec), &len), 0);
		assert_int_equal(len, n + rec_overhead(&tx));
		assert_int_equal(rec_parse_header(dtls, rec, len, MAX_BODY, &h, &used), 0);
		assert_int_equal(used, len);
		assert_int_equal(h.type, REC_CT_APPLICATION_DATA);
		assert_int_equal(h.version, version_of(dtls));
		if (dtls) {
			assert_int_equal(h.epoch, 1);
			assert_int_equal(h.seq, r);
		}
		assert_int_equal(rec_open(&rx, &h, rec + rec_header_len(&rx), 16384, &out, &out_len), 0);
		assert_int_equal(out_len, n);
		if (n > 0)
			assert_memory_equal(out, pt, n);
	}
	assert_int_equal(tx.seq, 4);
	pair_free(&tx, &rx);
}

static void test_round_trip_every_suite_tls(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(all_suites) / sizeof(all_suites[0]); i++)
		round_trip(false, all_suites[i]);
}

static void test_round_trip_every_suite_dtls(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(all_suites) / sizeof(all_suites[0]); i++)
		round_trip(true, all_suites[i]);
}

static void test_known_answer_records(void **state)
{
	(void)state;
	struct rec_dir d;
	uint8_t want[64], rec[64];
	size_t want_len, len = 0;

	rec_dir_init(&d, true, &keys[2]);
	assert_int_equal(rec_dir_set_keys(&d, EIOT_AEAD_AES128_CCM_8, key, iv), 0);
	d.seq = 5;
	want_len = unhex("17fefd00010000000000050015000100000000000568ce19ba30fca8cdc777c55500", want,
			 sizeof(want));
	assert_int_equal(rec_seal(&d, REC_CT_APPLICATION_DATA, DTLS_VERSION_1_2,
				  (const uint8_t *)"hello", 5, rec, sizeof(rec), &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(rec, want, want_len);
	rec_dir_free(&d);

	rec_dir_init(&d, false, &keys[2]);
	assert_int_equal(rec_dir_set_keys(&d, EIOT_AEAD_AES128_CCM_8, key, iv), 0);
	want_len = unhex("1703030015000000000000000066bc870bc573a95089e9d5316c", want, sizeof(want));
	assert_int_equal(rec_seal(&d, REC_CT_APPLICATION_DATA, TLS_VERSION_1_2,
				  (const uint8_t *)"hello", 5, rec, sizeof(rec), &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(rec, want, want_len);
	rec_dir_free(&d);
}

/* RFC 7925 App. B: the DTLS explicit nonce is the record's own epoch || seq48. */
static void test_dtls_nonce_is_epoch_and_seq(void **state)
{
	(void)state;
	struct rec_dir tx, rx;
	uint8_t rec[64];
	size_t len;
	pair_init(&tx, &rx, true, 0xC0A8);
	tx.seq = 0x0000123456789abcULL;
	assert_int_equal(rec_seal(&tx, REC_CT_HANDSHAKE, DTLS_VERSION_1_2, (const uint8_t *)"x", 1, rec,
				  sizeof(rec), &len), 0);
	assert_memory_equal(rec + REC_DTLS_HEADER, rec + 3, 8);
	assert_int_equal(rec[3], 0x00);
	assert_int_equal(rec[4], 0x01);
	assert_int_equal(rec[5], 0x12);
	assert_int_equal(rec[10], 0xbc);
	pair_free(&tx, &rx);
}

/* RFC 7925: 13 header + 8 explicit nonce + 1 + 8 tag. */
static void test_dtls_ccm8_one_byte_is_30_bytes(void **state)
{
	(void)state;
	struct rec_dir tx, rx;
	uint8_t rec[64];
	size_t len = 0;
	pair_init(&tx, &rx, true, 0xC0AE);
	assert_int_equal(rec_overhead(&tx), 29);
	assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, DTLS_VERSION_1_2,
				  (const uint8_t *)"A", 1, rec, sizeof(rec), &len), 0);
	assert_int_equal(len, 30);
	assert_int_equal(rec[11], 0);
	assert_int_equal(rec[12], 17);
	/* and it does not fit in 29 bytes */
	assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, DTLS_VERSION_1_2,
				  (const uint8_t *)"A", 1, rec, 29, &len), EIOT_ERR_BUFFER_TOO_SMALL);
	pair_free(&tx, &rx);
}

/* ---- forgery and misplacement ---- */

/* Every single-byte change in the protected body or the header fields in the AAD is caught. */
static void tampered_byte(bool dtls, uint16_t id)
{
	struct rec_dir tx, rx;
	uint8_t rec[128], copy[128];
	size_t len = 0, used;
	const uint8_t *out;
	size_t out_len;
	struct rec_header h;
	pair_init(&tx, &rx, dtls, id);
	assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, version_of(dtls),
				  (const uint8_t *)"attack at dawn", 14, rec, sizeof(rec), &len), 0);
	size_t hl = rec_header_len(&tx);
	for (size_t i = 0; i < len; i++) {
		if (i >= hl - 2 && i < hl)
			continue; /* the length field: a different framing, tested below */
		memcpy(copy, rec, len);
		copy[i] ^= 0x01;
		int err = rec_parse_header(dtls, copy, len, MAX_BODY, &h, &used);
		if (err) {
			assert_true(i < 3); /* type or version byte made the header malformed */
			continue;
		}
		/* TLS: the receiver's own sequence number, always 0 here (it never advances) */
		assert_int_equal(rec_open(&rx, &h, copy + hl, 16384, &out, &out_len),
				 EIOT_ERR_BAD_RECORD_MAC);
	}
	assert_int_equal(rx.seq, 0);
	pair_free(&tx, &rx);
}

static void test_tampered_byte_is_bad_record_mac(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(all_suites) / sizeof(all_suites[0]); i++) {
		tampered_byte(false, all_suites[i]);
		tampered_byte(true, all_suites[i]);
	}
}

/* A DTLS record replayed under another epoch or sequence number does not authenticate. */
static void test_dtls_wrong_epoch_or_seq_in_aad_fails(void **state)
{
	(void)state;
	struct rec_dir tx, rx;
	uint8_t rec[64], copy[64];
	size_t len, used;
	struct rec_header h;
	const uint8_t *out;
	size_t out_len;
	pair_init(&tx, &rx, true, 0xC0AE);
	tx.seq = 7;
	assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, DTLS_VERSION_1_2,
				  (const uint8_t *)"data", 4, rec, sizeof(rec), &len), 0);

	memcpy(copy, rec, len);
	assert_int_equal(rec_parse_header(true, copy, len, MAX_BODY, &h, &used), 0);
	h.seq = 8;
	assert_int_equal(rec_open(&rx, &h, copy + REC_DTLS_HEADER, 16384, &out, &out_len),
			 EIOT_ERR_BAD_RECORD_MAC);
	memcpy(copy, rec, len);
	assert_int_equal(rec_parse_header(true, copy, len, MAX_BODY, &h, &used), 0);
	h.epoch = 2;
	assert_int_equal(rec_open(&rx, &h, copy + REC_DTLS_HEADER, 16384, &out, &out_len),
			 EIOT_ERR_BAD_RECORD_MAC);
	/* the untouched record still opens */
	memcpy(copy, rec, len);
	assert_int_equal(rec_parse_header(true, copy, len, MAX_BODY, &h, &used), 0);
	assert_int_equal(rec_open(&rx, &h, copy + REC_DTLS_HEADER, 16384, &out, &out_len), 0);
	pair_free(&tx, &rx);
}

#if EIOT_WITH_CID
/* RFC 9146: a sender and receiver pair in epoch 1 whose records carry this CID. */
static void cid_pair_init(struct rec_dir *tx, struct rec_dir *rx, const uint8_t *cid, size_t n)
{
	pair_init(tx, rx, true, 0xC0A8);
	tx->keys->cid_len = rx->keys->cid_len = (uint8_t)n;
	memcpy(tx->keys->cid, cid, n);
	memcpy(rx->keys->cid, cid, n);
}

/* The known-answer tls12_cid record: header with the CID, the real type inside, the AAD of
 * RFC 9146 §5.3; it opens to "hello" of type application_data. */
static void test_cid_record_known_answer(void **state)
{
	(void)state;
	static const uint8_t cid[4] = { 0xc0, 0xff, 0xee, 0x01 };
	struct rec_dir tx, rx;
	uint8_t want[64], rec[64];
	size_t n = unhex("19fefd0001000000000005c0ffee010016000100000000000568ce19ba30971f83bda178ca420e",
			 want, sizeof(want)), len, used;
	cid_pair_init(&tx, &rx, cid, sizeof(cid));
	tx.seq = 5;
	assert_int_equal(rec_overhead(&tx), 13 + 4 + 8 + 8 + 1);
	assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, DTLS_VERSION_1_2, (const uint8_t *)"hello", 5,
				  rec, sizeof(rec), &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(rec, want, n);

	struct rec_header h;
	const uint8_t *out;
	size_t out_len;
	assert_int_equal(rec_parse_dtls_header(rec, len, MAX_BODY, sizeof(cid), &h, &used), 0);
	assert_int_equal(used, len);
	assert_int_equal(rec_open(&rx, &h, rec + 13 + sizeof(cid), 16384, &out, &out_len), 0);
	assert_int_equal(h.type, REC_CT_APPLICATION_DATA);
	assert_int_equal(out_len, 5);
	assert_memory_equal(out, "hello", 5);
	/* without a CID expected, the same bytes are no record */
	assert_int_equal(rec_parse_header(true, want, n, MAX_BODY, &h, &used), EIOT_ERR_DECODE);
	pair_free(&tx, &rx);
}

/* RFC 9146 §4: zeros after the real type are padding; an inner plaintext of zeros only has no
 * type; a CID that is not the receiver's is refused. (Known-answer records as above.) */
static void test_cid_record_padding_and_mismatch(void **state)
{
	(void)state;
	static const uint8_t cid[4] = { 0xc0, 0xff, 0xee, 0x01 };
	static const char *padded = "19fefd0001000000000006c0ffee01001700010000000000061f25316cc5d66f5cd96f4108755d3c",
			  *zeros = "19fefd0001000000000007c0ffee010013000100000000000782ec66ec4769f2470e4d8c";
	struct rec_dir tx, rx;
	uint8_t rec[64];
	size_t len, used;
	struct rec_header h;
	const uint8_t *out;
	size_t out_len;
	cid_pair_init(&tx, &rx, cid, sizeof(cid));
	len = unhex(padded, rec, sizeof(rec)); /* "pad", type 23, three zeros */
	assert_int_equal(rec_parse_dtls_header(rec, len, MAX_BODY, sizeof(cid), &h, &used), 0);
	assert_int_equal(rec_open(&rx, &h, rec + 17, 16384, &out, &out_len), 0);
	assert_int_equal(h.type, 23);
	assert_int_equal(out_len, 3);
	assert_memory_equal(out, "pad", 3);

	len = unhex(zeros, rec, sizeof(rec));
	assert_int_equal(rec_parse_dtls_header(rec, len, MAX_BODY, sizeof(cid), &h, &used), 0);
	assert_int_equal(rec_open(&rx, &h, rec + 17, 16384, &out, &out_len), EIOT_ERR_UNEXPECTED_MESSAGE);

	len = unhex(padded, rec, sizeof(rec));
	rec[14] ^= 1; /* another CID */
	assert_int_equal(rec_parse_dtls_header(rec, len, MAX_BODY, sizeof(cid), &h, &used), 0);
	assert_int_equal(rec_open(&rx, &h, rec + 17, 16384, &out, &out_len), EIOT_ERR_DECODE);
	pair_free(&tx, &rx);
}
#endif

/* TLS: a dropped or reordered record shifts the implicit sequence number and fails. */
static void test_tls_skipped_record_fails(void **state)
{
	(void)state;
	struct rec_dir tx, rx;
	uint8_t r0[64], r1[64];
	size_t l0, l1, used;
	struct rec_header h;
	const uint8_t *out;
	size_t out_len;
	pair_init(&tx, &rx, false, 0xC0A8);
	assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, TLS_VERSION_1_2,
				  (const uint8_t *)"one", 3, r0, sizeof(r0), &l0), 0);
	assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, TLS_VERSION_1_2,
				  (const uint8_t *)"two", 3, r1, sizeof(r1), &l1), 0);
	assert_int_equal(rec_parse_header(false, r1, l1, MAX_BODY, &h, &used), 0);
	assert_int_equal(rec_open(&rx, &h, r1 + 5, 16384, &out, &out_len), EIOT_ERR_BAD_RECORD_MAC);
	assert_int_equal(rec_parse_header(false, r0, l0, MAX_BODY, &h, &used), 0);
	assert_int_equal(rec_open(&rx, &h, r0 + 5, 16384, &out, &out_len), 0);
	assert_int_equal(rx.seq, 1);
	pair_free(&tx, &rx);
}

/* A protected body shorter than explicit nonce + tag cannot authenticate. */
static void test_short_protected_body_is_bad_record_mac(void **state)
{
	(void)state;
	struct rec_dir tx, rx;
	uint8_t rec[32] = { REC_CT_APPLICATION_DATA, 0x03, 0x03, 0x00, 15 };
	size_t used;
	struct rec_header h;
	const uint8_t *out;
	size_t out_len;
	pair_init(&tx, &rx, false, 0xC0A8);
	assert_int_equal(rec_parse_header(false, rec, 20, MAX_BODY, &h, &used), 0);
	assert_int_equal(rec_open(&rx, &h, rec + 5, 16384, &out, &out_len), EIOT_ERR_BAD_RECORD_MAC);
	pair_free(&tx, &rx);
}

/* ---- header parsing ---- */

static void test_truncated_header(void **state)
{
	(void)state;
	uint8_t rec[32] = { REC_CT_HANDSHAKE, 0x03, 0x03, 0x00, 0x04, 1, 2, 3, 4 };
	uint8_t drec[32] = { REC_CT_HANDSHAKE, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x04, 1, 2, 3, 4 };
	struct rec_header h;
	size_t used = 0;

	/* TLS: a byte stream, so a short header or body means wait */
	for (size_t n = 0; n < 9; n++)
		assert_int_equal(rec_parse_header(false, rec, n, MAX_BODY, &h, &used), EIOT_ERR_WANT_MORE);
	assert_int_equal(rec_parse_header(false, rec, 9, MAX_BODY, &h, &used), 0);
	assert_int_equal(used, 9);
	assert_int_equal(h.body_len, 4);
	assert_ptr_equal(h.body, rec + 5);
	/* DTLS: a datagram holds whole records, so short is malformed */
	for (size_t n = 0; n < 17; n++)
		assert_int_equal(rec_parse_header(true, drec, n, MAX_BODY, &h, &used), EIOT_ERR_DECODE);
	assert_int_equal(rec_parse_header(true, drec, sizeof(drec), MAX_BODY, &h, &used), 0);
	assert_int_equal(used, 17);
	assert_int_equal(h.seq, 1);
	assert_int_equal(h.epoch, 0);
}

static void test_malformed_header_type_or_version(void **state)
{
	(void)state;
	uint8_t rec[8] = { 0x18, 0x03, 0x03, 0x00, 0x00 };
	uint8_t drec[16] = { REC_CT_ALERT, 0x03, 0x03 };
	struct rec_header h;
	size_t used;
	assert_int_equal(rec_parse_header(false, rec, 5, MAX_BODY, &h, &used), EIOT_ERR_DECODE);
	rec[0] = 19;
	assert_int_equal(rec_parse_header(false, rec, 5, MAX_BODY, &h, &used), EIOT_ERR_DECODE);
	rec[0] = REC_CT_HANDSHAKE;
	rec[1] = 0xfe; /* DTLS version on a TLS stream */
	assert_int_equal(rec_parse_header(false, rec, 5, MAX_BODY, &h, &used), EIOT_ERR_DECODE);
	/* TLS 1.0 record version in a ClientHello is legal (RFC 5246 App. E.1) */
	rec[1] = 0x03;
	rec[2] = 0x01;
	assert_int_equal(rec_parse_header(false, rec, 5, MAX_BODY, &h, &used), 0);
	assert_int_equal(h.version, 0x0301);
	/* TLS version on DTLS */
	assert_int_equal(rec_parse_header(true, drec, 13, MAX_BODY, &h, &used), EIOT_ERR_DECODE);
}

/* RFC 5246 §6.2.3: a ciphertext longer than 2^14 + 2048 is record_overflow, and so is one
 * over the configured limit; both are decided from the header, before the body arrives. */
static void test_oversize_record_overflow(void **state)
{
	(void)state;
	uint8_t rec[5] = { REC_CT_APPLICATION_DATA, 0x03, 0x03, 0, 0 };
	uint8_t drec[13] = { REC_CT_APPLICATION_DATA, 0xfe, 0xfd };
	struct rec_header h;
	size_t used;

	rec[3] = (16384 + 2048 + 1) >> 8;
	rec[4] = (16384 + 2048 + 1) & 0xff;
	assert_int_equal(rec_parse_header(false, rec, 5, 65535, &h, &used), EIOT_ERR_RECORD_OVERFLOW);
	rec[3] = 0x01;
	rec[4] = 0x01; /* 257 */
	assert_int_equal(rec_parse_header(false, rec, 5, 256, &h, &used), EIOT_ERR_RECORD_OVERFLOW);
	assert_int_equal(rec_parse_header(false, rec, 5, 257, &h, &used), EIOT_ERR_WANT_MORE);
	drec[11] = 0x01;
	drec[12] = 0x01;
	assert_int_equal(rec_parse_header(true, drec, 13, 256, &h, &used), EIOT_ERR_RECORD_OVERFLOW);
}

/* The plaintext limit (e.g. record_size_limit / max_fragment_length) is enforced on open. */
static void test_plaintext_over_limit_record_overflow(void **state)
{
	(void)state;
	struct rec_dir tx, rx;
	uint8_t pt[200] = { 0 }, rec[300];
	size_t len, used;
	struct rec_header h;
	const uint8_t *out;
	size_t out_len;
	pair_init(&tx, &rx, true, 0xC0A8);
	assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, DTLS_VERSION_1_2, pt, sizeof(pt), rec,
				  sizeof(rec), &len), 0);
	assert_int_equal(rec_parse_header(true, rec, len, MAX_BODY, &h, &used), 0);
	assert_int_equal(rec_open(&rx, &h, rec + 13, 199, &out, &out_len), EIOT_ERR_RECORD_OVERFLOW);
	assert_int_equal(rec_open(&rx, &h, rec + 13, 200, &out, &out_len), 0);
	pair_free(&tx, &rx);

	/* plaintext epoch: the body is the plaintext */
	struct rec_dir p;
	rec_dir_init(&p, false, NULL);
	uint8_t prec[8] = { REC_CT_HANDSHAKE, 3, 3, 0, 3, 'a', 'b', 'c' };
	assert_int_equal(rec_parse_header(false, prec, 8, MAX_BODY, &h, &used), 0);
	assert_int_equal(rec_open(&p, &h, prec + 5, 2, &out, &out_len), EIOT_ERR_RECORD_OVERFLOW);
	assert_int_equal(rec_open(&p, &h, prec + 5, 3, &out, &out_len), 0);
	assert_int_equal(out_len, 3);
	assert_ptr_equal(out, prec + 5);
	rec_dir_free(&p);
}

/* ---- state ---- */

static void test_plaintext_epoch_and_rekey(void **state)
{
	(void)state;
	struct rec_dir d;
	uint8_t rec[32];
	size_t len;
	rec_dir_init(&d, true, &keys[2]);
	assert_int_equal(rec_overhead(&d), 13);
	assert_int_equal(rec_seal(&d, REC_CT_HANDSHAKE, DTLS_VERSION_1_0, (const uint8_t *)"hi", 2, rec,
				  sizeof(rec), &len), 0);
	assert_int_equal(len, 15);
	assert_memory_equal(rec + 13, "hi", 2);
	assert_int_equal(rec[1], 0xfe);
	assert_int_equal(rec[2], 0xff);
	assert_int_equal(d.seq, 1);
	/* each key change starts a new epoch at sequence number 0 (RFC 6347 §4.1) */
	assert_int_equal(rec_dir_set_keys(&d, EIOT_AEAD_AES128_CCM, key, iv), 0);
	assert_int_equal(d.epoch, 1);
	assert_int_equal(d.seq, 0);
	assert_int_equal(rec_overhead(&d), 13 + 8 + 16);
	assert_int_equal(rec_dir_set_keys(&d, EIOT_AEAD_AES128_CCM_8, key, iv), 0);
	assert_int_equal(d.epoch, 2);
	assert_int_equal(rec_overhead(&d), 13 + 8 + 8);
	rec_dir_free(&d);
}

/* RFC 6347 §4.1: the 48-bit sequence number must not wrap. */
static void test_dtls_sequence_exhausted(void **state)
{
	(void)state;
	struct rec_dir tx, rx;
	uint8_t rec[64];
	size_t len;
	pair_init(&tx, &rx, true, 0xC0AE);
	tx.seq = (UINT64_C(1) << 48) - 1;
	assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, DTLS_VERSION_1_2, (const uint8_t *)"z", 1,
				  rec, sizeof(rec), &len), 0);
	assert_int_equal(rec_seal(&tx, REC_CT_APPLICATION_DATA, DTLS_VERSION_1_2, (const uint8_t *)"z", 1,
				  rec, sizeof(rec), &len), EIOT_ERR_WRONG_STATE);
	pair_free(&tx, &rx);
}

static void test_seal_oversize_plaintext_refused(void **state)
{
	(void)state;
	static uint8_t big[16385], out[16385 + 64];
	struct rec_dir d;
	size_t len;
	rec_dir_init(&d, false, &keys[2]);
	assert_int_equal(rec_seal(&d, REC_CT_APPLICATION_DATA, TLS_VERSION_1_2, big, sizeof(big), out,
				  sizeof(out), &len), EIOT_ERR_BAD_PARAM);
	assert_int_equal(rec_seal(&d, REC_CT_APPLICATION_DATA, TLS_VERSION_1_2, big, 16384, out,
				  sizeof(out), &len), 0);
	rec_dir_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_table),
		cmocka_unit_test(test_round_trip_every_suite_tls),
		cmocka_unit_test(test_round_trip_every_suite_dtls),
		cmocka_unit_test(test_known_answer_records),
		cmocka_unit_test(test_dtls_nonce_is_epoch_and_seq),
		cmocka_unit_test(test_dtls_ccm8_one_byte_is_30_bytes),
		cmocka_unit_test(test_tampered_byte_is_bad_record_mac),
		cmocka_unit_test(test_dtls_wrong_epoch_or_seq_in_aad_fails),
		cmocka_unit_test(test_tls_skipped_record_fails),
		cmocka_unit_test(test_short_protected_body_is_bad_record_mac),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_malformed_header_type_or_version),
		cmocka_unit_test(test_oversize_record_overflow),
		cmocka_unit_test(test_plaintext_over_limit_record_overflow),
		cmocka_unit_test(test_plaintext_epoch_and_rekey),
		cmocka_unit_test(test_dtls_sequence_exhausted),
		cmocka_unit_test(test_seal_oversize_plaintext_refused),
#if EIOT_WITH_CID
		cmocka_unit_test(test_cid_record_known_answer),
		cmocka_unit_test(test_cid_record_padding_and_mismatch),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
