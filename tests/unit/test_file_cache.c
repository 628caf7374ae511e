/*
 * tests/unit/test_file_cache.c — the file-backed cached_info store (store/file_cache.c behind
 * eap_iot/stores.h): round trip, persistence, eviction by entries and by bytes, a crash at any
 * point of a write (truncated file, flipped byte, stale temporary file), a failing write and a
 * read-only directory (old data intact), images that checksum but break the format.
 * Each test works in its own mkdtemp directory under /tmp.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "eap_iot/err.h"
#include "eap_iot/stores.h"
#include "tmpdir.h"
#include "store/file_cache.h"

#define KEY_A "aaa.example.com"
#define KEY_B "bbb.example.com"
#define KEY_C "ccc.example.com"
#define KEY_D "ddd.example.com"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/eiot-fc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/cache", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* Names in the directory other than the cache file itself (temporary files left behind). */
static int other_files(const struct fixture *f)
{
	int n = 0;
	DIR *d = opendir(f->dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && strcmp(e->d_name, "cache") != 0)
			n++;
	closedir(d);
	return n;
}

static size_t read_all(const char *path, uint8_t *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	size_t n = fread(buf, 1, cap, fp);
	assert_true(n < cap);
	fclose(fp);
	return n;
}

static void write_all(const char *path, const uint8_t *buf, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void fill(uint8_t *v, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (uint8_t)(seed + i * 7);
}

static int put(struct eiot_file_cache *fc, const char *key, size_t len, uint8_t seed)
{
	static uint8_t v[EIOT_CERT_CACHE_MAX_VALUE + 1];
	fill(v, len, seed);
	return eiot_file_cache_ops.put(fc, key, v, len);
}

/* The entry is there with the value put(key, len, seed) stored. */
static void expect(struct eiot_file_cache *fc, const char *key, size_t len, uint8_t seed)
{
	static uint8_t want[EIOT_CERT_CACHE_MAX_VALUE], got[EIOT_CERT_CACHE_MAX_VALUE];
	size_t n = 0;
	fill(want, len, seed);
	assert_int_equal(eiot_file_cache_ops.get(fc, key, got, sizeof(got), &n), 0);
	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
}

static void expect_none(struct eiot_file_cache *fc, const char *key)
{
	uint8_t buf[16];
	size_t n = 0;
	assert_int_equal(eiot_file_cache_ops.get(fc, key, buf, sizeof(buf), &n), EIOT_ERR_WANT_MORE);
}

static struct eiot_file_cache *open_ok(const struct fixture *f, size_t max_entries, size_t max_bytes)
{
	int err = -1;
	struct eiot_file_cache *fc = eiot_file_cache_open(f->path, max_entries, max_bytes, &err);
	assert_non_null(fc);
	assert_int_equal(err, 0);
	return fc;
}

/* A cache file with three entries; returns its image in img. */
static size_t make_three(const struct fixture *f, uint8_t *img, size_t cap)
{
	struct eiot_file_cache *fc = open_ok(f, 8, 65536);
	assert_int_equal(put(fc, KEY_A, 300, 1), 0);
	assert_int_equal(put(fc, KEY_B, 20, 2), 0);
	assert_int_equal(put(fc, KEY_C, 1, 3), 0);
	eiot_file_cache_close(fc);
	return read_all(f->path, img, cap);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct eiot_file_cache *fc = open_ok(f, 4, 65536);
	assert_int_equal(eiot_file_cache_count(fc), 0);
	expect_none(fc, KEY_A);
	assert_int_equal(put(fc, KEY_A, 500, 9), 0);
	expect(fc, KEY_A, 500, 9);
	assert_int_equal(put(fc, KEY_A, 700, 10), 0); /* replaced, not added */
	assert_int_equal(eiot_file_cache_count(fc), 1);
	expect(fc, KEY_A, 700, 10);
	assert_int_equal(put(fc, KEY_B, EIOT_CERT_CACHE_MAX_VALUE, 11), 0);
	expect(fc, KEY_B, EIOT_CERT_CACHE_MAX_VALUE, 11);
	assert_int_equal(eiot_file_cache_ops.remove(fc, KEY_A), 0);
	expect_none(fc, KEY_A);
	assert_int_equal(eiot_file_cache_ops.remove(fc, KEY_A), 0); /* absent: nothing to do */
	assert_int_equal(eiot_file_cache_count(fc), 1);

	/* Too small a buffer tells the size needed. */
	uint8_t small[10];
	size_t n = 0;
	assert_int_equal(eiot_file_cache_ops.get(fc, KEY_B, small, sizeof(small), &n),
			 EIOT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(n, EIOT_CERT_CACHE_MAX_VALUE);
	eiot_file_cache_close(fc);
	assert_int_equal(other_files(f), 0);
}

static void test_persists_across_close_and_open(void **state)
{
	struct fixture *f = *state;
	uint8_t disk[4096];
	size_t n = make_three(f, disk, sizeof(disk));

	struct eiot_file_cache *fc = open_ok(f, 8, 65536);
	assert_int_equal(eiot_file_cache_count(fc), 3);
	expect(fc, KEY_A, 300, 1);
	expect(fc, KEY_B, 20, 2);
	expect(fc, KEY_C, 1, 3);
	/* The file is exactly the image of what is in memory. */
	uint8_t *img;
	size_t len;
	assert_int_equal(fc_image(fc, &img, &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(img, disk, n);
	free(img);

	/* A removal persists too. */
	assert_int_equal(eiot_file_cache_ops.remove(fc, KEY_B), 0);
	eiot_file_cache_close(fc);
	fc = open_ok(f, 8, 65536);
	assert_int_equal(eiot_file_cache_count(fc), 2);
	expect_none(fc, KEY_B);
	expect(fc, KEY_C, 1, 3);
	eiot_file_cache_close(fc);
}

static void test_evicts_least_recently_stored_when_entries_full(void **state)
{
	struct fixture *f = *state;
	struct eiot_file_cache *fc = open_ok(f, 3, 65536);
	assert_int_equal(put(fc, KEY_A, 10, 1), 0);
	assert_int_equal(put(fc, KEY_B, 10, 2), 0);
	assert_int_equal(put(fc, KEY_C, 10, 3), 0);
	assert_int_equal(put(fc, KEY_A, 10, 4), 0); /* stored again: now the most recent */
	assert_int_equal(eiot_file_cache_count(fc), 3);
	assert_int_equal(put(fc, KEY_D, 10, 5), 0);
	assert_int_equal(eiot_file_cache_count(fc), 3);
	expect_none(fc, KEY_B);
	expect(fc, KEY_A, 10, 4);
	eiot_file_cache_close(fc);

	/* The order survives a reopen: C is the oldest now. */
	fc = open_ok(f, 3, 65536);
	assert_int_equal(put(fc, "eee.example.com", 10, 6), 0);
	expect_none(fc, KEY_C);
	expect(fc, KEY_A, 10, 4);
	expect(fc, KEY_D, 10, 5);
	eiot_file_cache_close(fc);

	/* Reopened with a smaller bound, only the most recent entries are kept. */
	fc = open_ok(f, 1, 65536);
	assert_int_equal(eiot_file_cache_count(fc), 1);
	expect(fc, "eee.example.com", 10, 6);
	eiot_file_cache_close(fc);
}

static void test_evicts_least_recently_stored_when_bytes_full(void **state)
{
	struct fixture *f = *state;
	struct eiot_file_cache *fc = open_ok(f, 16, 100);
	assert_int_equal(put(fc, KEY_A, 40, 1), 0);
	assert_int_equal(put(fc, KEY_B, 40, 2), 0);
	assert_int_equal(put(fc, KEY_C, 40, 3), 0);
	assert_int_equal(eiot_file_cache_count(fc), 2);
	expect_none(fc, KEY_A);
	/* Replacing B with a bigger value counts B's new size only. */
	assert_int_equal(put(fc, KEY_B, 60, 4), 0);
	assert_int_equal(eiot_file_cache_count(fc), 2);
	expect(fc, KEY_C, 40, 3);
	/* A value of exactly max_bytes evicts everything else. */
	assert_int_equal(put(fc, KEY_D, 100, 5), 0);
	assert_int_equal(eiot_file_cache_count(fc), 1);
	expect(fc, KEY_D, 100, 5);
	eiot_file_cache_close(fc);

	/* A file bigger than the new bytes bound keeps the most recent entries that fit. */
	fc = open_ok(f, 16, 65536);
	assert_int_equal(put(fc, KEY_A, 50, 6), 0);
	assert_int_equal(put(fc, KEY_B, 50, 7), 0);
	eiot_file_cache_close(fc);
	fc = open_ok(f, 16, 120);
	assert_int_equal(eiot_file_cache_count(fc), 2);
	expect_none(fc, KEY_D);
	expect(fc, KEY_A, 50, 6);
	expect(fc, KEY_B, 50, 7);
	eiot_file_cache_close(fc);
}

static void test_oversize_and_bad_arguments_refused(void **state)
{
	struct fixture *f = *state;
	uint8_t before[4096], after[4096];
	size_t n = make_three(f, before, sizeof(before));
	struct eiot_file_cache *fc = open_ok(f, 8, 65536);
	char long_key[FC_KEY_MAX + 2];
	memset(long_key, 'a', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';

	assert_int_equal(put(fc, KEY_D, EIOT_CERT_CACHE_MAX_VALUE + 1, 1), EIOT_ERR_BAD_PARAM);
	assert_int_equal(put(fc, KEY_D, 0, 1), EIOT_ERR_BAD_PARAM);
	assert_int_equal(put(fc, "", 10, 1), EIOT_ERR_BAD_PARAM);
	assert_int_equal(put(fc, long_key, 10, 1), EIOT_ERR_BAD_PARAM);
	assert_int_equal(put(fc, NULL, 10, 1), EIOT_ERR_BAD_PARAM);
	long_key[FC_KEY_MAX] = '\0'; /* 253 bytes: the longest DNS name */
	assert_int_equal(put(fc, long_key, 10, 1), 0);
	expect(fc, long_key, 10, 1);
	assert_int_equal(eiot_file_cache_ops.remove(fc, long_key), 0);
	eiot_file_cache_close(fc);
	assert_int_equal(read_all(f->path, after, sizeof(after)), n);
	assert_memory_equal(after, before, n);

	/* A value over max_bytes can never fit. */
	fc = open_ok(f, 8, 50);
	assert_int_equal(put(fc, KEY_D, 51, 1), EIOT_ERR_BAD_PARAM);
	eiot_file_cache_close(fc);

	int err = 0;
	assert_null(eiot_file_cache_open(f->path, 0, 100, &err));
	assert_int_equal(err, EIOT_ERR_BAD_PARAM);
	assert_null(eiot_file_cache_open(f->path, FC_MAX_ENTRIES + 1, 100, &err));
	assert_null(eiot_file_cache_open(f->path, 4, 0, &err));
	assert_null(eiot_file_cache_open(f->path, 4, FC_MAX_BYTES + 1, &err));
	assert_null(eiot_file_cache_open(NULL, 4, 100, &err));
	assert_null(eiot_file_cache_open("", 4, 100, NULL));
}

/* A crash while the file was being written by something that does not rename atomically:
 * every prefix of a good file is refused as a whole, never half-read. */
static void test_crash_truncated_file_at_every_length_is_empty(void **state)
{
	struct fixture *f = *state;
	uint8_t img[4096];
	size_t n = make_three(f, img, sizeof(img));
	for (size_t len = 0; len < n; len++) {
		write_all(f->path, img, len);
		int err = 0;
		struct eiot_file_cache *fc = eiot_file_cache_open(f->path, 8, 65536, &err);
		assert_non_null(fc);
		assert_int_equal(err, EIOT_ERR_FILE);
		assert_int_equal(eiot_file_cache_count(fc), 0);
		expect_none(fc, KEY_A);
		eiot_file_cache_close(fc);
	}
	/* The cache still works, and its first put replaces the broken file. */
	int err = 0;
	struct eiot_file_cache *fc = eiot_file_cache_open(f->path, 8, 65536, &err);
	assert_int_equal(err, EIOT_ERR_FILE);
	assert_int_equal(put(fc, KEY_D, 30, 4), 0);
	eiot_file_cache_close(fc);
	fc = open_ok(f, 8, 65536);
	assert_int_equal(eiot_file_cache_count(fc), 1);
	expect(fc, KEY_D, 30, 4);
	eiot_file_cache_close(fc);
}

static void test_flipped_bit_anywhere_is_empty(void **state)
{
	struct fixture *f = *state;
	uint8_t img[4096], bad[4096];
	size_t n = make_three(f, img, sizeof(img));
	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit += 3) {
			memcpy(bad, img, n);
			bad[i] ^= (uint8_t)(1u << bit);
			write_all(f->path, bad, n);
			int err = 0;
			struct eiot_file_cache *fc = eiot_file_cache_open(f->path, 8, 65536, &err);
			assert_non_null(fc);
			assert_int_equal(err, EIOT_ERR_FILE);
			assert_int_equal(eiot_file_cache_count(fc), 0);
			eiot_file_cache_close(fc);
		}
	}
	/* Trailing garbage after a good image is refused too. */
	memcpy(bad, img, n);
	bad[n] = 0;
	write_all(f->path, bad, n + 1);
	int err = 0;
	struct eiot_file_cache *fc = eiot_file_cache_open(f->path, 8, 65536, &err);
	assert_int_equal(err, EIOT_ERR_FILE);
	eiot_file_cache_close(fc);
}

/* A crash between mkstemp and rename leaves a temporary file: it is ignored, the cache file
 * still holds the last complete image. */
static void test_crash_stale_temp_file_ignored(void **state)
{
	struct fixture *f = *state;
	uint8_t img[4096];
	size_t n = make_three(f, img, sizeof(img));
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.Ab12Cd", f->path);
	write_all(tmp, img, n / 2);

	struct eiot_file_cache *fc = open_ok(f, 8, 65536);
	assert_int_equal(eiot_file_cache_count(fc), 3);
	assert_int_equal(put(fc, KEY_D, 5, 4), 0);
	eiot_file_cache_close(fc);
	fc = open_ok(f, 8, 65536);
	assert_int_equal(eiot_file_cache_count(fc), 4);
	expect(fc, KEY_A, 300, 1);
	expect(fc, KEY_D, 5, 4);
	eiot_file_cache_close(fc);
	assert_int_equal(other_files(f), 1); /* only the stale one */
}

/* The disk fills up in the middle of writing the temporary file (RLIMIT_FSIZE): put fails,
 * the old file and the memory copy are unchanged, no temporary file is left. */
static void test_failed_write_keeps_old_file(void **state)
{
	struct fixture *f = *state;
	uint8_t before[4096], after[4096];
	size_t n = make_three(f, before, sizeof(before));
	struct eiot_file_cache *fc = open_ok(f, 8, 65536);

	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = n + 100;
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int err = put(fc, KEY_D, 4000, 4);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);

	assert_int_equal(err, EIOT_ERR_FILE);
	assert_int_equal(eiot_file_cache_count(fc), 3);
	expect_none(fc, KEY_D);
	expect(fc, KEY_A, 300, 1);
	assert_int_equal(read_all(f->path, after, sizeof(after)), n);
	assert_memory_equal(after, before, n);
	assert_int_equal(other_files(f), 0);
	eiot_file_cache_close(fc);
}

/*
 * The read-only directory scenario, run in a child without privileges (root writes anywhere):
 * returns 0 when it went as expected, else the number of the failed step.
 */
static int read_only_scenario(const struct fixture *f)
{
	int err = -1;
	struct eiot_file_cache *fc = eiot_file_cache_open(f->path, 8, 65536, &err);
	if (!fc || err != 0)
		return 1;
	if (put(fc, KEY_A, 100, 1) != 0)
		return 2;
	if (chmod(f->dir, 0555) != 0)
		return 3;
	if (put(fc, KEY_B, 100, 2) != EIOT_ERR_FILE || eiot_file_cache_ops.remove(fc, KEY_A) != EIOT_ERR_FILE)
		return 4;
	uint8_t buf[200];
	size_t n = 0;
	if (eiot_file_cache_ops.get(fc, KEY_A, buf, sizeof(buf), &n) != 0 || n != 100 ||
	    eiot_file_cache_ops.get(fc, KEY_B, buf, sizeof(buf), &n) != EIOT_ERR_WANT_MORE)
		return 5;
	eiot_file_cache_close(fc);
	fc = eiot_file_cache_open(f->path, 8, 65536, &err);
	if (!fc || err != 0 || eiot_file_cache_count(fc) != 1 ||
	    eiot_file_cache_ops.get(fc, KEY_A, buf, sizeof(buf), &n) != 0)
		return 6;
	eiot_file_cache_close(fc);
	return 0;
}

static void test_read_only_directory_put_fails_old_data_intact(void **state)
{
	struct fixture *f = *state;
	const uid_t nobody = 65534;
	if (geteuid() == 0)
		assert_int_equal(chown(f->dir, nobody, nobody), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(nobody) != 0 || setuid(nobody) != 0))
			_exit(100);
		_exit(read_only_scenario(f));
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(other_files(f), 0);
}

/* A path that cannot be a cache file: open reports it, put fails, nothing is left behind. */
static void test_directory_in_place_of_file(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(mkdir(f->path, 0700), 0);
	int err = 0;
	struct eiot_file_cache *fc = eiot_file_cache_open(f->path, 8, 65536, &err);
	assert_non_null(fc);
	assert_int_equal(err, EIOT_ERR_FILE);
	assert_int_equal(put(fc, KEY_A, 10, 1), EIOT_ERR_FILE);
	assert_int_equal(eiot_file_cache_count(fc), 0);
	eiot_file_cache_close(fc);
	assert_int_equal(other_files(f), 0);
}

/* Images whose checksum is right but whose contents break the format. */
struct bad_image {
	const char *name;
	const char *body; /* without the SHA-256 */
	size_t len;
};

#define BODY(s) s, sizeof(s) - 1
static const struct bad_image bad_images[] = {
	{ "wrong magic", BODY("EICX\x01\x00\x01\x01" "a\x00\x01" "v") },
	{ "future version", BODY("EICI\x02\x00\x01\x01" "a\x00\x01" "v") },
	{ "count above entries", BODY("EICI\x01\x00\x02\x01" "a\x00\x01" "v") },
	{ "count below entries (trailing bytes)", BODY("EICI\x01\x00\x00\x01" "a\x00\x01" "v") },
	{ "empty key", BODY("EICI\x01\x00\x01\x00\x00\x01" "v") },
	{ "key longer than a DNS name", BODY("EICI\x01\x00\x01\xfe"
		"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
		"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
		"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\x00\x01" "v") },
	{ "NUL inside the key", BODY("EICI\x01\x00\x01\x03" "a\x00" "b\x00\x01" "v") },
	{ "empty value", BODY("EICI\x01\x00\x01\x01" "a\x00\x00") },
	{ "value over the maximum", BODY("EICI\x01\x00\x01\x01" "a\x40\x01" "v") },
	{ "key length past the end", BODY("EICI\x01\x00\x01\xff" "a\x00\x01" "v") },
	{ "value length past the end", BODY("EICI\x01\x00\x01\x01" "a\x00\x05" "v") },
	{ "duplicate key", BODY("EICI\x01\x00\x02\x01" "a\x00\x01" "v\x01" "a\x00\x01" "w") },
	{ "header cut", BODY("EICI\x01\x00") },
};

static void test_checksummed_but_malformed_images_refused(void **state)
{
	(void)state;
	uint8_t img[512];
	for (size_t i = 0; i < sizeof(bad_images) / sizeof(bad_images[0]); i++) {
		const struct bad_image *b = &bad_images[i];
		assert_true(b->len + 32 <= sizeof(img));
		memcpy(img, b->body, b->len);
		eiot_sha256(img, b->len, img + b->len);
		int err = -1;
		struct eiot_file_cache *fc = eiot_file_cache_open("/nonexistent/eiot-cache", 8, 65536, &err);
		assert_non_null(fc);
		assert_int_equal(err, 0);
		if (fc_parse_image(fc, img, b->len + 32) != EIOT_ERR_FILE)
			fail_msg("accepted: %s", b->name);
		assert_int_equal(eiot_file_cache_count(fc), 0);
		eiot_file_cache_close(fc);
	}
	/* The same shape, well-formed, is accepted (so the table tests what it says). */
	static const char good[] = "EICI\x01\x00\x02\x01" "a\x00\x01" "v\x01" "b\x00\x01" "w";
	memcpy(img, good, sizeof(good) - 1);
	eiot_sha256(img, sizeof(good) - 1, img + sizeof(good) - 1);
	struct eiot_file_cache *fc = eiot_file_cache_open("/nonexistent/eiot-cache", 8, 65536, NULL);
	assert_int_equal(fc_parse_image(fc, img, sizeof(good) - 1 + 32), 0);
	assert_int_equal(eiot_file_cache_count(fc), 2);
	eiot_file_cache_close(fc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persists_across_close_and_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evicts_least_recently_stored_when_entries_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evicts_least_recently_stored_when_bytes_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_and_bad_arguments_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_truncated_file_at_every_length_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_bit_anywhere_is_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_stale_temp_file_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_keeps_old_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_directory_put_fails_old_data_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_in_place_of_file, setup, teardown),
		cmocka_unit_test(test_checksummed_but_malformed_images_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
