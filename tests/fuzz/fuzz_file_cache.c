/*
 * tests/fuzz/fuzz_file_cache.c — libFuzzer harness for the cached_info store's file parser
 * (store/file_cache.c, format in store/file_cache.h) with arbitrary file contents.
 *
 * Input: one option byte, then the file. Option bits: 0 = take the file as it is (the
 * checksum must match by chance); otherwise its SHA-256 is appended, so that the format
 * checks behind the checksum are reached. Bits 1..3 = max_entries - 1; bits 4..7 select
 * max_bytes (1 + n * 4096). A refused file must leave the cache empty; an accepted one must
 * come back out byte for byte when nothing was dropped for the bounds, and its image must
 * parse again to the same image. A put then fails (the cache path does not exist) and must
 * leave the cache as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eap_iot/err.h"
#include "store/file_cache.h"
#include "util/bytes.h"

#define NO_DIR "/nonexistent/eiot-fuzz/cache"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct eiot_file_cache *fresh(size_t max_entries, size_t max_bytes)
{
	int err = -1;
	struct eiot_file_cache *fc = eiot_file_cache_open(NO_DIR, max_entries, max_bytes, &err);
	if (!fc || err != 0)
		abort();
	return fc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	size_t max_entries = 1 + ((opt >> 1) & 7);
	size_t max_bytes = 1 + (size_t)(opt >> 4) * 4096;
	size_t n = size - 1;
	uint8_t *img = malloc(n + FC_SUM_LEN);
	if (!img)
		return 0;
	memcpy(img, data + 1, n);
	if (!(opt & 1)) {
		eiot_sha256(img, n, img + n);
		n += FC_SUM_LEN;
	}

	struct eiot_file_cache *fc = fresh(max_entries, max_bytes);
	int err = fc_parse_image(fc, img, n);
	if (err) {
		if (err != EIOT_ERR_FILE || eiot_file_cache_count(fc) != 0)
			abort();
		goto out;
	}

	uint8_t *out, *again;
	size_t out_len, again_len;
	if (fc_image(fc, &out, &out_len) != 0)
		abort();
	if (eiot_file_cache_count(fc) == ld_be16(img + 5) && (out_len != n || memcmp(out, img, n) != 0))
		abort();
	struct eiot_file_cache *fc2 = fresh(max_entries, max_bytes);
	if (fc_parse_image(fc2, out, out_len) != 0 || fc_image(fc2, &again, &again_len) != 0)
		abort();
	if (again_len != out_len || memcmp(again, out, out_len) != 0)
		abort();
	free(again);
	eiot_file_cache_close(fc2);

	static const uint8_t value[] = { 0x30 }; /* fits even max_bytes = 1 */
	size_t before = eiot_file_cache_count(fc);
	if (eiot_file_cache_ops.put(fc, "aaa.example.com", value, sizeof(value)) != EIOT_ERR_FILE ||
	    eiot_file_cache_count(fc) != before || fc_image(fc, &again, &again_len) != 0 ||
	    again_len != out_len || memcmp(again, out, out_len) != 0)
		abort();
	free(again);
	free(out);
out:
	eiot_file_cache_close(fc);
	free(img);
	return 0;
}
