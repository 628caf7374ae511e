/*
 * eap_iot/stores.h — stores the application provides to the engine, and host implementations.
 *
 * cached_info (RFC 7924): after a successful full handshake a client keeps the server's
 * Certificate message, keyed by the server's reference identity; later handshakes offer its
 * SHA-256 hash so that the server can send the hash instead of the chain. The engine only ever
 * calls the store synchronously from eiot_conn_feed(); nothing is stored from a failed handshake.
 *
 * Client certificate URLs (RFC 6066 §5): a server resolves a URL the client sent to the DER
 * certificate(s) it names through a resolver the application provides.
 */
#ifndef EAP_IOT_STORES_H
#define EAP_IOT_STORES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A key/value store for cached server Certificate messages. key is a NUL-terminated reference
 * identity (a DNS name); values (opaque to the store: the SHA-256 of the trust anchor the
 * chain was verified up to, then the Certificate message body) are at most
 * EIOT_CERT_CACHE_MAX_VALUE bytes. All return 0 or an enum eiot_err; get answers
 * EIOT_ERR_WANT_MORE when there is no entry. */
#define EIOT_CERT_CACHE_MAX_VALUE 16384
struct eiot_cert_cache_ops {
	int (*get)(void *user, const char *key, uint8_t *buf, size_t cap, size_t *len);
	int (*put)(void *user, const char *key, const uint8_t *value, size_t len);
	int (*remove)(void *user, const char *key);
};

/*
 * The host implementation: one file. Writes go to a temporary file in the same directory,
 * are flushed (fsync) and renamed over the old file, so a crash mid-write leaves the old
 * cache or the new one, never a mix; one SHA-256 covers the whole file, and a file that does
 * not verify is treated as empty (open() says so through *err).
 * Bounded: at most max_entries entries and max_bytes bytes of values; when full the least
 * recently stored entry is evicted.
 */
struct eiot_file_cache;
extern const struct eiot_cert_cache_ops eiot_file_cache_ops;
/* Open (or create on the first put) the cache at path. *err tells whether an existing file was
 * unusable (EIOT_ERR_FILE: it was ignored and will be replaced) — the cache still works. */
struct eiot_file_cache *eiot_file_cache_open(const char *path, size_t max_entries, size_t max_bytes,
					     int *err);
void eiot_file_cache_close(struct eiot_file_cache *fc);
size_t eiot_file_cache_count(const struct eiot_file_cache *fc);

/* A resolver for client certificate URLs: write the DER certificate(s) the URL names, as a
 * Certificate message's certificate_list body (each certificate with its 3-byte length), into
 * buf. EIOT_ERR_WANT_MORE when the URL names nothing. */
struct eiot_cert_url_ops {
	int (*resolve)(void *user, const char *url, uint8_t *buf, size_t cap, size_t *len);
};

/* The host implementation: a directory. URL "file:///NAME" (or "http(s)://host/.../NAME") maps
 * to DIR/NAME, a PEM or DER chain; NAME is restricted to [A-Za-z0-9._-] (no path traversal). */
struct eiot_dir_resolver;
extern const struct eiot_cert_url_ops eiot_dir_resolver_ops;
struct eiot_dir_resolver *eiot_dir_resolver_new(const char *dir);
void eiot_dir_resolver_free(struct eiot_dir_resolver *r);

#ifdef __cplusplus
}
#endif
#endif
