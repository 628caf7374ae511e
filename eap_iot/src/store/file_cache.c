/*
 * store/file_cache.c — the host cached_info store (RFC 7924): server Certificate messages by
 * reference identity, in memory and mirrored to one file (image format in store/file_cache.h).
 *
 * Every change builds the whole new image, writes it to a temporary file in the same
 * directory, fsyncs it, renames it over the cache file and fsyncs the directory. The memory
 * copy changes only once the rename has happened, so memory and file never disagree, and a
 * crash at any point leaves either the old file or the new one.
 */
#include "store/file_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "eap_iot/err.h"
#include "util/bytes.h"
#include "util/rw.h"

#define NO_ENTRY ((size_t)-1)
/* Per-entry framing: key length, value length. */
#define FC_ENTRY_OVERHEAD 3

struct fc_entry {
	char key[FC_KEY_MAX + 1];
	uint8_t *value;
	size_t len;
};

struct eiot_file_cache {
	char *path;
	size_t max_entries, max_bytes;
	struct fc_entry *ent; /* least recently stored first */
	size_t n, cap;
	size_t bytes;         /* sum of the values' lengths */
};

/* Length of a usable key (1..FC_KEY_MAX bytes), 0 for anything else. */
static size_t key_len(const char *key)
{
	if (!key)
		return 0;
	size_t n = strnlen(key, FC_KEY_MAX + 1);
	return n > FC_KEY_MAX ? 0 : n;
}

static size_t find(const struct eiot_file_cache *fc, const char *key, size_t klen)
{
	for (size_t i = 0; i < fc->n; i++)
		if (strlen(fc->ent[i].key) == klen && memcmp(fc->ent[i].key, key, klen) == 0)
			return i;
	return NO_ENTRY;
}

static int reserve(struct eiot_file_cache *fc, size_t want)
{
	if (want <= fc->cap)
		return 0;
	size_t cap = fc->cap ? fc->cap * 2 : 4;
	if (cap < want)
		cap = want;
	struct fc_entry *e = realloc(fc->ent, cap * sizeof(*e));
	if (!e)
		return EIOT_ERR_NO_MEMORY;
	fc->ent = e;
	fc->cap = cap;
	return 0;
}

static void clear(struct eiot_file_cache *fc)
{
	for (size_t i = 0; i < fc->n; i++)
		free(fc->ent[i].value);
	fc->n = 0;
	fc->bytes = 0;
}

static void put_entry(struct wr *w, const char *key, const uint8_t *value, size_t len)
{
	size_t klen = strlen(key);
	wr_u8(w, (uint8_t)klen);
	wr_bytes(w, key, klen);
	wr_u16(w, (uint16_t)len);
	wr_bytes(w, value, len);
}

/*
 * The image of the entries from index first on, without index skip, followed by
 * (key, value, len) when key is not NULL: what the file holds after a put or a remove.
 */
static int build_image(const struct eiot_file_cache *fc, size_t first, size_t skip, const char *key,
		       const uint8_t *value, size_t len, uint8_t **img, size_t *n)
{
	size_t count = 0, size = FC_HDR_LEN + FC_SUM_LEN;
	for (size_t i = first; i < fc->n; i++) {
		if (i == skip)
			continue;
		count++;
		size += FC_ENTRY_OVERHEAD + strlen(fc->ent[i].key) + fc->ent[i].len;
	}
	if (key) {
		count++;
		size += FC_ENTRY_OVERHEAD + strlen(key) + len;
	}
	uint8_t *buf = malloc(size);
	if (!buf)
		return EIOT_ERR_NO_MEMORY;

	struct wr w = wr_init(buf, size);
	wr_bytes(&w, FC_MAGIC, 4);
	wr_u8(&w, FC_VERSION);
	wr_u16(&w, (uint16_t)count);
	for (size_t i = first; i < fc->n; i++)
		if (i != skip)
			put_entry(&w, fc->ent[i].key, fc->ent[i].value, fc->ent[i].len);
	if (key)
		put_entry(&w, key, value, len);
	uint8_t *sum = wr_reserve(&w, FC_SUM_LEN);
	if (w.err || !sum || w.len != size) {
		free(buf);
		return EIOT_ERR_INTERNAL;
	}
	eiot_sha256(buf, size - FC_SUM_LEN, sum);
	*img = buf;
	*n = size;
	return 0;
}

/* see store/file_cache.h */
int fc_image(const struct eiot_file_cache *fc, uint8_t **img, size_t *n)
{
	return build_image(fc, 0, NO_ENTRY, NULL, NULL, 0, img, n);
}

/* Read one entry's fields; false when they break the format. */
static bool read_entry(struct rd *r, const uint8_t **key, size_t *klen, const uint8_t **value, size_t *len)
{
	*klen = rd_u8(r);
	*key = rd_bytes(r, *klen);
	*len = rd_u16(r);
	*value = rd_bytes(r, *len);
	return !r->err && *klen >= 1 && *klen <= FC_KEY_MAX && !memchr(*key, 0, *klen) && *len >= 1 &&
	       *len <= EIOT_CERT_CACHE_MAX_VALUE;
}

/* see store/file_cache.h */
int fc_parse_image(struct eiot_file_cache *fc, const uint8_t *img, size_t n)
{
	uint8_t sum[FC_SUM_LEN];
	const uint8_t *key, *value;
	size_t klen, len;

	if (n < FC_HDR_LEN + FC_SUM_LEN)
		return EIOT_ERR_FILE;
	eiot_sha256(img, n - FC_SUM_LEN, sum);
	if (!eiot_ct_eq(sum, img + n - FC_SUM_LEN, FC_SUM_LEN))
		return EIOT_ERR_FILE;

	/* Pass 1: the whole image is well-formed; note each entry's value length. */
	struct rd r = rd_init(img, n - FC_SUM_LEN);
	const uint8_t *magic = rd_bytes(&r, 4);
	if (!magic || memcmp(magic, FC_MAGIC, 4) != 0 || rd_u8(&r) != FC_VERSION)
		return EIOT_ERR_FILE;
	size_t count = rd_u16(&r);
	struct rd body = r;
	for (size_t i = 0; i < count; i++)
		if (!read_entry(&r, &key, &klen, &value, &len))
			return EIOT_ERR_FILE;
	if (!rd_done(&r))
		return EIOT_ERR_FILE;

	/* Pass 2: skip the oldest entries that do not fit the bounds, take the rest. */
	size_t drop = count > fc->max_entries ? count - fc->max_entries : 0, bytes = 0;
	r = body;
	for (size_t i = 0; i < count; i++) {
		read_entry(&r, &key, &klen, &value, &len);
		if (i >= drop)
			bytes += len;
	}
	r = body;
	for (size_t i = 0; i < count; i++) {
		read_entry(&r, &key, &klen, &value, &len);
		if (i < drop || bytes > fc->max_bytes) {
			if (i >= drop)
				bytes -= len;
			continue;
		}
		char k[FC_KEY_MAX + 1];
		memcpy(k, key, klen);
		k[klen] = '\0';
		int err = find(fc, k, klen) != NO_ENTRY ? EIOT_ERR_FILE : reserve(fc, fc->n + 1);
		uint8_t *v = err ? NULL : malloc(len);
		if (!v) {
			clear(fc);
			return err ? err : EIOT_ERR_NO_MEMORY;
		}
		memcpy(v, value, len);
		struct fc_entry *e = &fc->ent[fc->n++];
		memcpy(e->key, k, klen + 1);
		e->value = v;
		e->len = len;
		fc->bytes += len;
	}
	return 0;
}

/* The largest file this cache can have written: anything bigger is not ours. */
static size_t max_file(const struct eiot_file_cache *fc)
{
	return FC_HDR_LEN + FC_SUM_LEN + fc->max_entries * (FC_ENTRY_OVERHEAD + FC_KEY_MAX) + fc->max_bytes;
}

/* Load the existing file, if any: 0 when there is none or it verified, else EIOT_ERR_FILE. */
static int load(struct eiot_file_cache *fc)
{
	int fd = open(fc->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : EIOT_ERR_FILE;
	struct stat st;
	int err = EIOT_ERR_FILE;
	uint8_t *buf = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size > max_file(fc))
		goto out;
	size_t size = (size_t)st.st_size, got = 0;
	buf = malloc(size ? size : 1);
	if (!buf) {
		err = EIOT_ERR_NO_MEMORY;
		goto out;
	}
	while (got < size) {
		ssize_t k = read(fd, buf + got, size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto out;
		got += (size_t)k;
	}
	err = fc_parse_image(fc, buf, size);
out:
	free(buf);
	close(fd);
	return err;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* fsync the directory holding path, so that the rename itself is durable. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Replace the file with img: temporary file, fsync, rename, fsync of the directory. Before the
 * rename any failure leaves the old file and removes the temporary one. Returns 0, or
 * EIOT_ERR_FILE with *renamed telling whether the new image is in place (only the directory
 * sync failed).
 */
static int write_image(const char *path, const uint8_t *img, size_t n, bool *renamed)
{
	static const char suffix[] = ".XXXXXX";
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof(suffix));
	*renamed = false;
	if (!tmp)
		return EIOT_ERR_NO_MEMORY;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, suffix, sizeof(suffix));

	int fd = mkstemp(tmp);
	if (fd < 0) {
		free(tmp);
		return EIOT_ERR_FILE;
	}
	int bad = write_all(fd, img, n) != 0 || fsync(fd) != 0;
	bad |= close(fd) != 0;
	if (bad || rename(tmp, path) != 0) {
		unlink(tmp);
		free(tmp);
		return EIOT_ERR_FILE;
	}
	free(tmp);
	*renamed = true;
	return sync_dir(path) == 0 ? 0 : EIOT_ERR_FILE;
}

/* Write the image and, once it is in place, keep only the entries it holds: index first on
 * except skip, then (key, value, len) when key is not NULL (the array has room for it). */
static int commit(struct eiot_file_cache *fc, size_t first, size_t skip, const char *key,
		  const uint8_t *value, size_t len)
{
	uint8_t *img, *copy = NULL;
	size_t n;
	bool renamed = false;

	if (key && !(copy = malloc(len)))
		return EIOT_ERR_NO_MEMORY;
	int err = build_image(fc, first, skip, key, value, len, &img, &n);
	if (!err) {
		err = write_image(fc->path, img, n, &renamed);
		free(img);
	}
	if (err && !(err == EIOT_ERR_FILE && renamed)) {
		free(copy);
		return err;
	}

	size_t out = 0;
	for (size_t i = 0; i < fc->n; i++) {
		if (i < first || i == skip) {
			fc->bytes -= fc->ent[i].len;
			free(fc->ent[i].value);
		} else {
			fc->ent[out++] = fc->ent[i];
		}
	}
	fc->n = out;
	if (key) {
		struct fc_entry *e = &fc->ent[fc->n++];
		memcpy(e->key, key, strlen(key) + 1);
		memcpy(copy, value, len);
		e->value = copy;
		e->len = len;
		fc->bytes += len;
	}
	return err;
}

static int fc_get(void *user, const char *key, uint8_t *buf, size_t cap, size_t *len)
{
	struct eiot_file_cache *fc = user;
	size_t klen = key_len(key);
	if (!fc || !klen || !len || (cap && !buf))
		return EIOT_ERR_BAD_PARAM;
	size_t i = find(fc, key, klen);
	if (i == NO_ENTRY)
		return EIOT_ERR_WANT_MORE;
	*len = fc->ent[i].len;
	if (cap < fc->ent[i].len)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	memcpy(buf, fc->ent[i].value, fc->ent[i].len);
	return 0;
}

static int fc_put(void *user, const char *key, const uint8_t *value, size_t len)
{
	struct eiot_file_cache *fc = user;
	size_t klen = key_len(key);
	if (!fc || !klen || !value || len == 0 || len > EIOT_CERT_CACHE_MAX_VALUE || len > fc->max_bytes)
		return EIOT_ERR_BAD_PARAM;

	size_t skip = find(fc, key, klen);
	size_t count = fc->n, bytes = fc->bytes;
	if (skip != NO_ENTRY) {
		count--;
		bytes -= fc->ent[skip].len;
	}
	/* Evict the least recently stored until the new entry fits; it always fits an empty
	 * cache (len <= max_bytes, max_entries >= 1). */
	size_t first = 0;
	while (count + 1 > fc->max_entries || bytes + len > fc->max_bytes) {
		if (first != skip) {
			count--;
			bytes -= fc->ent[first].len;
		}
		first++;
	}
	int err = reserve(fc, fc->n + 1);
	return err ? err : commit(fc, first, skip, key, value, len);
}

static int fc_remove(void *user, const char *key)
{
	struct eiot_file_cache *fc = user;
	size_t klen = key_len(key);
	if (!fc || !klen)
		return EIOT_ERR_BAD_PARAM;
	size_t i = find(fc, key, klen);
	return i == NO_ENTRY ? 0 : commit(fc, 0, i, NULL, NULL, 0);
}

/* see eap_iot/stores.h */
const struct eiot_cert_cache_ops eiot_file_cache_ops = {
	.get = fc_get,
	.put = fc_put,
	.remove = fc_remove,
};

/* see eap_iot/stores.h */
struct eiot_file_cache *eiot_file_cache_open(const char *path, size_t max_entries, size_t max_bytes,
					     int *err)
{
	int dummy;
	if (!err)
		err = &dummy;
	*err = EIOT_ERR_BAD_PARAM;
	if (!path || !*path || max_entries < 1 || max_entries > FC_MAX_ENTRIES || max_bytes < 1 ||
	    max_bytes > FC_MAX_BYTES)
		return NULL;

	*err = EIOT_ERR_NO_MEMORY;
	struct eiot_file_cache *fc = calloc(1, sizeof(*fc));
	if (!fc)
		return NULL;
	fc->path = strdup(path);
	if (!fc->path) {
		free(fc);
		return NULL;
	}
	fc->max_entries = max_entries;
	fc->max_bytes = max_bytes;
	*err = load(fc);
	if (*err == EIOT_ERR_NO_MEMORY) {
		eiot_file_cache_close(fc);
		return NULL;
	}
	return fc;
}

/* see eap_iot/stores.h */
void eiot_file_cache_close(struct eiot_file_cache *fc)
{
	if (!fc)
		return;
	clear(fc);
	free(fc->ent);
	free(fc->path);
	free(fc);
}

/* see eap_iot/stores.h */
size_t eiot_file_cache_count(const struct eiot_file_cache *fc)
{
	return fc ? fc->n : 0;
}
