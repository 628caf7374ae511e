/*
 * tls/cached_info.c — cached_info (RFC 7924), client and server (see tls/cached_info.h).
 *
 * Invariants: the client offers one 'cert' hash, only in a full handshake that can check a
 * certificate, under the configured reference name; it holds the cached entry on the heap
 * (hs.ci_entry, in the stored format) from the offer until the handshake ends (ci_release),
 * replaced by one around the server's body when the server sends its chain; the store is written only from ci_client_done, i.e. after the
 * server's Finished of a full handshake verified. An entry is the SHA-256 of the trust anchor
 * the chain was verified up to (hs.ci_anchor: the recheck on a hit wants that very anchor, not
 * one that only has its name), then the Certificate body. Only 'cert' is implemented
 * ('cert_req' is never offered and never answered).
 */
#include "tls/cached_info.h"

#include <stdlib.h>
#include <string.h>

#include "eap_iot/stores.h"
#include "util/bytes.h"

#if EIOT_WITH_CACHED_INFO /* else the calls are the plain handshake's (tls/cached_info.h) */

#define CI_ANCHOR_LEN 32 /* the entry's prefix */

static void hash_header(struct eiot_sha256 *h, size_t body_len)
{
	uint8_t hdr[4] = { HT_CERTIFICATE };
	st_be24(hdr + 1, (uint32_t)body_len);
	eiot_sha256_init(h);
	eiot_sha256_update(h, hdr, 4);
}

/* SHA-256 of the Certificate message whose body is body[0..n), header included (§4.1). */
static void ci_message_hash(const uint8_t *body, size_t n, uint8_t out[32])
{
	struct eiot_sha256 h;
	hash_header(&h, n);
	eiot_sha256_update(&h, body, n);
	eiot_sha256_peek(&h, out);
	eiot_sha256_free(&h);
}

/* see tls/cached_info.h */
void ci_release(struct eiot_conn *c)
{
	free(c->hs.ci_entry);
	c->hs.ci_entry = NULL;
	c->hs.ci_len = 0;
	c->hs.ci_store = false;
}

/* see tls/cached_info.h */
int ci_client_offer(struct eiot_conn *c)
{
	const struct eiot_config *cfg = c->cfg;
	const struct eiot_cert_cache_ops *ops = cfg->cert_cache;
	if (!ops || !cfg->server_name[0])
		return 0;
	uint8_t *buf = malloc(EIOT_CERT_CACHE_MAX_VALUE);
	if (!buf)
		return EIOT_ERR_NO_MEMORY;
	size_t len = 0;
	int err = ops->get(cfg->cert_cache_user, cfg->server_name, buf, EIOT_CERT_CACHE_MAX_VALUE,
			   &len);
	struct hs_certificate parsed;
	if (err || len > EIOT_CERT_CACHE_MAX_VALUE) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG, "cached_info: nothing cached for %s", cfg->server_name);
		free(buf);
		return 0;
	}
	if (len <= CI_ANCHOR_LEN ||
	    hs_parse_certificate(buf + CI_ANCHOR_LEN, len - CI_ANCHOR_LEN, &parsed) || parsed.n == 0 ||
	    parsed.truncated) {
		EIOT_LOG(cfg, EIOT_LOG_WARN,
			 "cached_info: the entry for %s is not a Certificate message: removed",
			 cfg->server_name);
		ops->remove(cfg->cert_cache_user, cfg->server_name);
		free(buf);
		return 0;
	}
	uint8_t *entry = realloc(buf, len);
	c->hs.ci_entry = entry ? entry : buf;
	c->hs.ci_len = len - CI_ANCHOR_LEN;
	memcpy(c->hs.ci_anchor, c->hs.ci_entry, CI_ANCHOR_LEN);
	ci_message_hash(c->hs.ci_entry + CI_ANCHOR_LEN, c->hs.ci_len, c->hs.ci_hash);
	c->hs.ci_offered = true;
	EIOT_LOG(cfg, EIOT_LOG_DEBUG, "cached_info: offering the %zu-byte Certificate cached for %s",
		 c->hs.ci_len, cfg->server_name);
	return 0;
}

/* see tls/cached_info.h */
int ci_client_on_hello(struct eiot_conn *c, const struct hs_exts *e)
{
	if (!e->has_cached_info)
		return 0;
	/* RFC 7924 §4: only types the client offered */
	if (e->ci_other || !c->hs.ci_offered)
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "cached_info: ServerHello answers a type we did not offer");
	c->hs.ci_hit = e->ci_cert;
	return 0;
}

/* Keep the server's chain for ci_client_done. */
static void keep_body(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	ci_release(c);
	if (n > EIOT_CERT_CACHE_MAX_VALUE - CI_ANCHOR_LEN) {
		EIOT_LOG(c->cfg, EIOT_LOG_INFO,
			 "cached_info: the server's %zu-byte Certificate is too long to cache", n);
		return;
	}
	c->hs.ci_entry = malloc(CI_ANCHOR_LEN + n);
	if (!c->hs.ci_entry) {
		EIOT_LOG(c->cfg, EIOT_LOG_WARN, "cached_info: no memory to cache the Certificate");
		return;
	}
	memcpy(c->hs.ci_entry + CI_ANCHOR_LEN, body, n);
	c->hs.ci_len = n;
	c->hs.ci_store = true;
}

/* see tls/cached_info.h */
int ci_client_certificate(struct eiot_conn *c, const uint8_t *body, size_t n, bool *empty)
{
	if (!c->hs.ci_hit) {
		int err = hs_check_certificate(c, body, n, empty);
		if (!err && !*empty && c->cfg->cert_cache && c->cfg->server_name[0])
			keep_body(c, body, n);
		return err;
	}
	/* RFC 7924 §4.1: struct { opaque hash_value<1..255>; } Certificate */
	struct rd r = rd_init(body, n);
	struct rd h = rd_vec(&r, 1);
	if (h.err || !rd_done(&r) || rd_left(&h) == 0)
		return conn_error(c, EIOT_ERR_DECODE, "cached_info: malformed Certificate hash");
	/* The server echoed 'cert', so it claims our cached chain is its own (§4.1); any other
	 * value is inconsistent with our ClientHello (RFC 5246 §7.2.2 illegal_parameter). */
	if (rd_left(&h) != CI_HASH_LEN || !eiot_ct_eq(h.p, c->hs.ci_hash, CI_HASH_LEN))
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "cached_info: the server's Certificate hash is not the one we offered");
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "cached_info: server sent the hash: using the cached chain");
	int err = hs_check_certificate(c, c->hs.ci_entry + CI_ANCHOR_LEN, c->hs.ci_len, empty);
	if (err) {
		/* what changed since (a date, an anchor, the name) is ours to see again next time
		 * from a full chain: drop the entry */
		c->cfg->cert_cache->remove(c->cfg->cert_cache_user, c->cfg->server_name);
		return err;
	}
	return 0;
}

/* see tls/cached_info.h */
void ci_client_done(struct eiot_conn *c)
{
	const struct eiot_config *cfg = c->cfg;
	if (!c->hs.ci_store)
		return;
	/* the anchor the server's chain was verified up to, in keep_body's free prefix */
	memcpy(c->hs.ci_entry, c->hs.ci_anchor, CI_ANCHOR_LEN);
	int err = cfg->cert_cache->put(cfg->cert_cache_user, cfg->server_name, c->hs.ci_entry,
				       CI_ANCHOR_LEN + c->hs.ci_len);
	if (err)
		EIOT_LOG(cfg, EIOT_LOG_WARN, "cached_info: could not store the Certificate for %s (%d)",
			 cfg->server_name, err);
	else
		EIOT_LOG(cfg, EIOT_LOG_DEBUG, "cached_info: stored the %zu-byte Certificate for %s",
			 c->hs.ci_len, cfg->server_name);
	ci_release(c);
}

/* SHA-256 of the Certificate message hs_write_own_certificate writes, without building it. */
static void own_certificate_hash(const struct eiot_conn *c, uint8_t out[32])
{
	const struct eiot_config *cfg = c->cfg;
	struct eiot_sha256 h;
	uint8_t l[3];
	if (c->hs.server_rpk) {
		hash_header(&h, 3 + cfg->own_spki_len);
		st_be24(l, (uint32_t)cfg->own_spki_len);
		eiot_sha256_update(&h, l, 3);
		eiot_sha256_update(&h, cfg->own_spki, cfg->own_spki_len);
	} else {
		size_t list = 0;
		for (size_t i = 0; i < cfg->n_own_chain; i++)
			list += 3 + cfg->own_chain_len[i];
		hash_header(&h, 3 + list);
		st_be24(l, (uint32_t)list);
		eiot_sha256_update(&h, l, 3);
		for (size_t i = 0; i < cfg->n_own_chain; i++) {
			st_be24(l, (uint32_t)cfg->own_chain_len[i]);
			eiot_sha256_update(&h, l, 3);
			eiot_sha256_update(&h, cfg->own_chain_der[i], cfg->own_chain_len[i]);
		}
	}
	eiot_sha256_peek(&h, out);
	eiot_sha256_free(&h);
}

/* see tls/cached_info.h */
void ci_server_on_hello(struct eiot_conn *c, const struct hs_exts *e)
{
	if (!e->has_cached_info || !c->cfg->cached_info)
		return;
	own_certificate_hash(c, c->hs.ci_hash);
	/* RFC 7924 §4: a stale fingerprint gets the full message and no echo */
	struct rd l = rd_init(e->ci_list, e->ci_list_len);
	while (rd_left(&l) && !l.err) {
		uint8_t type = rd_u8(&l);
		struct rd h = rd_vec(&l, 1);
		if (type == CI_TYPE_CERT && rd_left(&h) == CI_HASH_LEN &&
		    eiot_ct_eq(h.p, c->hs.ci_hash, CI_HASH_LEN))
			c->hs.ci_hit = true;
	}
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "cached_info: client %s our Certificate",
		 c->hs.ci_hit ? "has cached" : "offers a hash, not of");
}

/* see tls/cached_info.h */
void ci_server_write_certificate(struct eiot_conn *c, struct wr *w)
{
	if (!c->hs.ci_hit) {
		hs_write_own_certificate(c, w);
		return;
	}
	wr_u8(w, CI_HASH_LEN);
	wr_bytes(w, c->hs.ci_hash, CI_HASH_LEN);
}

#endif /* EIOT_WITH_CACHED_INFO */
