/*
 * store/dir_resolver.c — the host resolver for client certificate URLs (RFC 6066 §5): a URL
 * names a PEM or DER chain file in one directory, and the answer is a Certificate message's
 * certificate_list body.
 *
 * Nothing is fetched from the network: "file:///NAME" and "http(s)://host/.../NAME" both map
 * to DIR/NAME. Every path segment must be a plain name ([A-Za-z0-9._-], not "." or ".."), so
 * that no URL (encoded or not) reaches outside DIR. The chain is not verified here: the engine
 * checks it and the hash the client sent (RFC 6066 §5).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/x509.h"
#include "eap_iot/err.h"
#include "eap_iot/stores.h"
#include "util/bytes.h"

#define NAME_MAX_LEN 255 /* one file name */
#define URL_MAX_LEN 2048

struct eiot_dir_resolver {
	char *dir;
};

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-';
}

/* A plain file name: 1..NAME_MAX_LEN name characters, not "." or "..". */
static bool good_segment(const char *s, size_t n)
{
	if (n == 0 || n > NAME_MAX_LEN || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

/* The path part of a URL we map ("/..."), or NULL for any other scheme or an empty host;
 * *single tells that the path must be one segment (file:///NAME). */
static const char *url_path(const char *url, bool *single)
{
	static const char *const web[] = { "http://", "https://" };
	*single = strncmp(url, "file:///", 8) == 0;
	if (*single)
		return url + 7;
	for (size_t i = 0; i < sizeof(web) / sizeof(web[0]); i++) {
		size_t n = strlen(web[i]);
		if (strncmp(url, web[i], n) != 0)
			continue;
		const char *path = strchr(url + n, '/');
		return path && path > url + n ? path : NULL;
	}
	return NULL;
}

/*
 * NAME of a URL: the last segment of its path, every segment checked. file:/// URLs have
 * exactly one segment. Returns its length (0 when the URL is not one we accept).
 */
static size_t url_name(const char *url, const char **name)
{
	bool single;
	const char *path = url_path(url, &single);
	if (!path)
		return 0;
	const char *seg = path + 1;
	for (;;) {
		const char *slash = strchr(seg, '/');
		size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
		if (!good_segment(seg, n) || (single && slash))
			return 0;
		if (!slash) {
			*name = seg;
			return n;
		}
		seg = slash + 1;
	}
}

/* Every certificate of chain with its 3-byte length (RFC 5246 §7.4.2), into buf. */
static int emit_chain(const struct eiot_x509_chain *chain, uint8_t *buf, size_t cap, size_t *len)
{
	size_t off = 0, count = eiot_x509_chain_count(chain);
	if (count == 0)
		return EIOT_ERR_FILE;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *der;
		size_t n;
		int err = eiot_x509_chain_der(chain, i, &der, &n);
		if (err)
			return err;
		if (n > 0xffffff || cap - off < 3 || cap - off - 3 < n)
			return EIOT_ERR_BUFFER_TOO_SMALL;
		st_be24(buf + off, (uint32_t)n);
		memcpy(buf + off + 3, der, n);
		off += 3 + n;
	}
	*len = off;
	return 0;
}

static int dir_resolve(void *user, const char *url, uint8_t *buf, size_t cap, size_t *len)
{
	struct eiot_dir_resolver *r = user;
	const char *name = NULL;
	if (!r || !url || !len || (cap && !buf) || strnlen(url, URL_MAX_LEN + 1) > URL_MAX_LEN)
		return EIOT_ERR_BAD_PARAM;
	size_t nlen = url_name(url, &name);
	if (!nlen)
		return EIOT_ERR_BAD_PARAM;

	size_t dlen = strlen(r->dir);
	char *path = malloc(dlen + 1 + nlen + 1);
	if (!path)
		return EIOT_ERR_NO_MEMORY;
	memcpy(path, r->dir, dlen);
	path[dlen] = '/';
	memcpy(path + dlen + 1, name, nlen);
	path[dlen + 1 + nlen] = '\0';

	struct stat st;
	int err;
	if (stat(path, &st) != 0) {
		err = errno == ENOENT || errno == ENOTDIR ? EIOT_ERR_WANT_MORE : EIOT_ERR_FILE;
	} else if (!S_ISREG(st.st_mode)) {
		err = EIOT_ERR_WANT_MORE;
	} else {
		struct eiot_x509_chain chain;
		eiot_x509_chain_init(&chain);
		err = eiot_x509_chain_add_file(&chain, path);
		if (!err)
			err = emit_chain(&chain, buf, cap, len);
		eiot_x509_chain_free(&chain);
	}
	free(path);
	return err;
}

/* see eap_iot/stores.h */
const struct eiot_cert_url_ops eiot_dir_resolver_ops = {
	.resolve = dir_resolve,
};

/* see eap_iot/stores.h */
struct eiot_dir_resolver *eiot_dir_resolver_new(const char *dir)
{
	if (!dir || !*dir)
		return NULL;
	struct eiot_dir_resolver *r = malloc(sizeof(*r));
	if (!r)
		return NULL;
	r->dir = strdup(dir);
	if (!r->dir) {
		free(r);
		return NULL;
	}
	return r;
}

/* see eap_iot/stores.h */
void eiot_dir_resolver_free(struct eiot_dir_resolver *r)
{
	if (!r)
		return;
	free(r->dir);
	free(r);
}
