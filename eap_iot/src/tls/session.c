/*
 * tls/session.c — the server's session cache object (eap_iot/config.h): session IDs in a
 * bounded array with a lifetime, and stateless tickets sealed with a rotating AES-128-GCM key.
 * See tls/session.h for the invariants.
 */
#include "tls/session.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "eap_iot/err.h"
#include "tls/config_int.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/rw.h"

#define TICKET_FORMAT 1
#define STATE_FIXED 72 /* the sealed state without the PSK identity bytes */
#define MAX_ENTRIES 65536u
#define MAX_LIFETIME_S 604800u /* RFC 5077 §5.6 suggests short lifetimes; a week at most */

struct ticket_key {
	uint8_t name[SESS_KEY_NAME];
	uint8_t key[16];
	uint64_t born_ms;
};

struct cache_entry {
	bool used;
	uint8_t id[SESS_ID_LEN];
	struct sess_state st;
};

struct eiot_session_cache {
	const struct eiot_config *cfg; /* random source and log */
	uint64_t lifetime_ms;
	struct ticket_key cur, prev;
	bool clock_set;                /* cur.born_ms is known (set at the first ticket) */
	size_t max_entries, n_entries;
	struct cache_entry *e;
	bool keys_external;            /* keys come from eiot_session_cache_set_ticket_keys */
	void (*lock)(void *);          /* eiot_session_cache_set_lock (NULL: one thread) */
	void (*unlock)(void *);
	void *lock_user;
};

static void sc_lock(const struct eiot_session_cache *sc)
{
	if (sc->lock)
		sc->lock(sc->lock_user);
}

static void sc_unlock(const struct eiot_session_cache *sc)
{
	if (sc->unlock)
		sc->unlock(sc->lock_user);
}

static int new_key(const struct eiot_config *cfg, struct ticket_key *k, uint64_t now_ms)
{
	struct ticket_key t;
	if (cfg_random(cfg, t.name, sizeof(t.name)) || cfg_random(cfg, t.key, sizeof(t.key))) {
		eiot_zeroize(&t, sizeof(t));
		return EIOT_ERR_CRYPTO;
	}
	t.born_ms = now_ms;
	*k = t;
	eiot_zeroize(&t, sizeof(t));
	return 0;
}

/* see eap_iot/config.h */
struct eiot_session_cache *eiot_session_cache_new(const struct eiot_config *cfg,
						  size_t max_entries, uint32_t lifetime_s)
{
	if (!cfg || max_entries < 1 || max_entries > MAX_ENTRIES || lifetime_s < 1 ||
	    lifetime_s > MAX_LIFETIME_S)
		return NULL;
	struct eiot_session_cache *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return NULL;
	sc->e = calloc(max_entries, sizeof(*sc->e));
	/* the previous key is random too: a known one would let anyone make tickets */
	if (!sc->e || new_key(cfg, &sc->cur, 0) || new_key(cfg, &sc->prev, 0)) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "session cache: no memory or random source failed");
		free(sc->e);
		eiot_zeroize(sc, sizeof(*sc));
		free(sc);
		return NULL;
	}
	sc->cfg = cfg;
	sc->max_entries = max_entries;
	sc->lifetime_ms = (uint64_t)lifetime_s * 1000;
	return sc;
}

/* see eap_iot/config.h */
void eiot_session_cache_free(struct eiot_session_cache *sc)
{
	if (!sc)
		return;
	eiot_zeroize(sc->e, sc->max_entries * sizeof(*sc->e));
	free(sc->e);
	eiot_zeroize(sc, sizeof(*sc));
	free(sc);
}

static int rotate(struct eiot_session_cache *sc, uint64_t now_ms)
{
	struct ticket_key k;
	if (new_key(sc->cfg, &k, now_ms)) {
		EIOT_LOG(sc->cfg, EIOT_LOG_ERROR, "session cache: ticket key rotation: random source failed");
		return EIOT_ERR_CRYPTO;
	}
	sc->prev = sc->cur;
	sc->cur = k;
	sc->clock_set = true;
	eiot_zeroize(&k, sizeof(k));
	EIOT_LOG(sc->cfg, EIOT_LOG_DEBUG, "session cache: ticket key rotated");
	return 0;
}

/* see eap_iot/config.h */
int eiot_session_cache_rotate(struct eiot_session_cache *sc, uint64_t now_ms)
{
	if (!sc)
		return EIOT_ERR_BAD_PARAM;
	sc_lock(sc);
	int err = rotate(sc, now_ms);
	sc_unlock(sc);
	return err;
}

/* see eap_iot/config.h */
int eiot_session_cache_set_ticket_keys(struct eiot_session_cache *sc,
				       const uint8_t current[EIOT_TICKET_KEY_LEN],
				       const uint8_t previous[EIOT_TICKET_KEY_LEN])
{
	if (!sc || !current || !previous)
		return EIOT_ERR_BAD_PARAM;
	sc_lock(sc);
	memcpy(sc->cur.name, current, SESS_KEY_NAME);
	memcpy(sc->cur.key, current + SESS_KEY_NAME, sizeof(sc->cur.key));
	memcpy(sc->prev.name, previous, SESS_KEY_NAME);
	memcpy(sc->prev.key, previous + SESS_KEY_NAME, sizeof(sc->prev.key));
	sc->keys_external = true;
	sc_unlock(sc);
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_session_cache_set_lock(struct eiot_session_cache *sc, void (*lock)(void *),
				void (*unlock)(void *), void *user)
{
	if (!sc || !lock != !unlock)
		return EIOT_ERR_BAD_PARAM;
	sc->lock = lock;
	sc->unlock = unlock;
	sc->lock_user = user;
	return EIOT_OK;
}

/* see eap_iot/config.h */
size_t eiot_session_cache_count(const struct eiot_session_cache *sc)
{
	if (!sc)
		return 0;
	sc_lock(sc);
	size_t n = sc->n_entries;
	sc_unlock(sc);
	return n;
}

/* see tls/session.h */
const char *sess_miss_str(enum sess_miss m)
{
	switch (m) {
	case SESS_FOUND: return "found";
	case SESS_UNKNOWN: return "unknown session ID";
	case SESS_EXPIRED: return "session lifetime over";
	case SESS_BAD_TICKET: return "ticket does not authenticate or is malformed";
	case SESS_OLD_KEY: return "ticket sealed with a key rotated out";
	}
	return "?";
}

/* see tls/session.h */
bool sess_is_resumable(const struct eiot_config *cfg, const uint8_t *ticket, size_t ticket_len,
		       const uint8_t *session_id, size_t session_id_len, uint64_t now_ms)
{
	struct sess_state st;
	enum sess_miss m = SESS_UNKNOWN;
	if (!cfg->cache)
		return false;
	if (ticket_len && cfg->tickets)
		m = sess_ticket_open(cfg->cache, ticket, ticket_len, now_ms, &st);
	else if (session_id_len)
		m = sess_cache_get(cfg->cache, session_id, session_id_len, now_ms, &st);
	eiot_zeroize(&st, sizeof(st));
	return m == SESS_FOUND;
}

/* see tls/session.h */
uint32_t sess_lifetime_s(const struct eiot_session_cache *sc)
{
	return (uint32_t)(sc->lifetime_ms / 1000);
}

static bool is_expired(const struct eiot_session_cache *sc, const struct sess_state *st,
		       uint64_t now_ms)
{
	return now_ms < st->born_ms || now_ms - st->born_ms >= sc->lifetime_ms;
}

static void drop_entry(struct eiot_session_cache *sc, struct cache_entry *e)
{
	eiot_zeroize(e, sizeof(*e));
	sc->n_entries--;
}

static void cache_put(struct eiot_session_cache *sc, const uint8_t id[SESS_ID_LEN],
		      const struct sess_state *st)
{
	struct cache_entry *slot = NULL, *oldest = NULL;
	for (size_t i = 0; i < sc->max_entries && !slot; i++) {
		struct cache_entry *e = &sc->e[i];
		if (!e->used)
			slot = e;
		else if (is_expired(sc, &e->st, st->born_ms)) {
			drop_entry(sc, e);
			slot = e;
		}
		else if (!oldest || e->st.born_ms < oldest->st.born_ms)
			oldest = e;
	}
	if (!slot) {
		EIOT_LOG(sc->cfg, EIOT_LOG_DEBUG, "session cache: full (%zu): oldest entry evicted",
			 sc->max_entries);
		drop_entry(sc, oldest);
		slot = oldest;
	}
	slot->used = true;
	memcpy(slot->id, id, SESS_ID_LEN);
	slot->st = *st;
	sc->n_entries++;
}

/* see tls/session.h */
void sess_cache_put(struct eiot_session_cache *sc, const uint8_t id[SESS_ID_LEN],
		    const struct sess_state *st)
{
	sc_lock(sc);
	cache_put(sc, id, st);
	sc_unlock(sc);
}

static enum sess_miss cache_get(struct eiot_session_cache *sc, const uint8_t *id, size_t id_len,
				uint64_t now_ms, struct sess_state *out)
{
	if (id_len != SESS_ID_LEN)
		return SESS_UNKNOWN;
	for (size_t i = 0; i < sc->max_entries; i++) {
		struct cache_entry *e = &sc->e[i];
		if (!e->used || memcmp(e->id, id, SESS_ID_LEN))
			continue;
		if (is_expired(sc, &e->st, now_ms)) {
			drop_entry(sc, e);
			return SESS_EXPIRED;
		}
		*out = e->st;
		return SESS_FOUND;
	}
	return SESS_UNKNOWN;
}

/* see tls/session.h */
enum sess_miss sess_cache_get(struct eiot_session_cache *sc, const uint8_t *id, size_t id_len,
			      uint64_t now_ms, struct sess_state *out)
{
	sc_lock(sc);
	enum sess_miss m = cache_get(sc, id, id_len, now_ms, out);
	sc_unlock(sc);
	return m;
}

/* The key period is the session lifetime: a ticket stays decryptable for its whole life.
 * Keys set from outside (a pool of servers sharing them) are rotated by whoever sets them. */
static int maybe_rotate(struct eiot_session_cache *sc, uint64_t now_ms)
{
	if (sc->keys_external)
		return 0;
	if (!sc->clock_set) {
		sc->cur.born_ms = now_ms;
		sc->clock_set = true;
		return 0;
	}
	if (now_ms < sc->cur.born_ms || now_ms - sc->cur.born_ms < sc->lifetime_ms)
		return 0;
	bool both = now_ms - sc->cur.born_ms >= 2 * sc->lifetime_ms;
	int err = rotate(sc, now_ms);
	if (!err && both)
		err = new_key(sc->cfg, &sc->prev, now_ms); /* the old current is too old as well */
	return err;
}

static int ticket_seal(struct eiot_session_cache *sc, const struct sess_state *st, uint64_t now_ms,
		       uint8_t *out, size_t cap, size_t *len)
{
	int err = maybe_rotate(sc, now_ms);
	if (err)
		return err;
	struct wr w = wr_init(out, cap);
	wr_bytes(&w, sc->cur.name, SESS_KEY_NAME);
	uint8_t *iv = wr_reserve(&w, SESS_TICKET_IV);
	size_t body = w.len;
	wr_u8(&w, TICKET_FORMAT);
	wr_u8(&w, st->transport);
	wr_u16(&w, st->suite);
	wr_u8(&w, st->ems);
	wr_bytes(&w, st->ms, 48);
	wr_u32(&w, (uint32_t)(st->born_ms >> 32));
	wr_u32(&w, (uint32_t)st->born_ms);
	wr_u8(&w, st->client_cert);
	wr_u8(&w, st->has_eui64);
	wr_bytes(&w, st->eui64, 8);
	wr_u8(&w, (uint8_t)st->psk_identity_len);
	wr_bytes(&w, st->psk_identity, st->psk_identity_len);
	size_t body_len = w.len - body;
	wr_reserve(&w, SESS_TICKET_TAG);
	if (w.err || st->psk_identity_len > EIOT_MAX_PSK_IDENTITY)
		return EIOT_ERR_INTERNAL;
	if (cfg_random(sc->cfg, iv, SESS_TICKET_IV))
		return EIOT_ERR_CRYPTO;

	struct eiot_aead a;
	err = eiot_aead_init(&a, EIOT_AEAD_AES128_GCM, sc->cur.key);
	if (!err)
		err = eiot_aead_seal(&a, iv, out, SESS_KEY_NAME, out + body, body_len);
	eiot_aead_free(&a);
	if (err) {
		eiot_zeroize(out, w.len);
		return err;
	}
	*len = w.len;
	return 0;
}

static int parse_state(const uint8_t *p, size_t n, struct sess_state *st)
{
	struct rd r = rd_init(p, n);
	if (rd_u8(&r) != TICKET_FORMAT)
		return EIOT_ERR_DECODE;
	st->transport = rd_u8(&r);
	st->suite = rd_u16(&r);
	st->ems = rd_u8(&r) != 0;
	const uint8_t *ms = rd_bytes(&r, 48);
	uint64_t hi = rd_u32(&r);
	st->born_ms = hi << 32 | rd_u32(&r);
	st->client_cert = rd_u8(&r) != 0;
	st->has_eui64 = rd_u8(&r) != 0;
	const uint8_t *eui = rd_bytes(&r, 8);
	st->psk_identity_len = rd_u8(&r);
	const uint8_t *id = rd_bytes(&r, st->psk_identity_len);
	if (!rd_done(&r) || st->psk_identity_len > EIOT_MAX_PSK_IDENTITY)
		return EIOT_ERR_DECODE;
	memcpy(st->ms, ms, 48);
	memcpy(st->eui64, eui, 8);
	memcpy(st->psk_identity, id, st->psk_identity_len);
	return 0;
}

/* see tls/session.h */
int sess_ticket_seal(struct eiot_session_cache *sc, const struct sess_state *st, uint64_t now_ms,
		     uint8_t *out, size_t cap, size_t *len)
{
	sc_lock(sc);
	int err = ticket_seal(sc, st, now_ms, out, cap, len);
	sc_unlock(sc);
	return err;
}

static enum sess_miss ticket_open(struct eiot_session_cache *sc, const uint8_t *t, size_t n,
				  uint64_t now_ms, struct sess_state *out)
{
	uint8_t buf[SESS_TICKET_MAX];
	const size_t head = SESS_KEY_NAME + SESS_TICKET_IV;
	if (n < head + STATE_FIXED + SESS_TICKET_TAG || n > sizeof(buf))
		return SESS_BAD_TICKET;
	if (maybe_rotate(sc, now_ms))
		return SESS_BAD_TICKET;
	const struct ticket_key *k = NULL;
	if (eiot_ct_eq(t, sc->cur.name, SESS_KEY_NAME))
		k = &sc->cur;
	else if (eiot_ct_eq(t, sc->prev.name, SESS_KEY_NAME))
		k = &sc->prev;
	if (!k)
		return SESS_OLD_KEY;

	memcpy(buf, t, n);
	size_t body_len = n - head - SESS_TICKET_TAG;
	struct eiot_aead a;
	int err = eiot_aead_init(&a, EIOT_AEAD_AES128_GCM, k->key);
	if (!err)
		err = eiot_aead_open(&a, buf + SESS_KEY_NAME, buf, SESS_KEY_NAME, buf + head, body_len);
	eiot_aead_free(&a);
	enum sess_miss m = SESS_FOUND;
	if (err || parse_state(buf + head, body_len, out))
		m = SESS_BAD_TICKET;
	else if (is_expired(sc, out, now_ms))
		m = SESS_EXPIRED;
	eiot_zeroize(buf, sizeof(buf));
	if (m != SESS_FOUND)
		eiot_zeroize(out, sizeof(*out));
	return m;
}

/* see tls/session.h */
enum sess_miss sess_ticket_open(struct eiot_session_cache *sc, const uint8_t *t, size_t n,
				uint64_t now_ms, struct sess_state *out)
{
	sc_lock(sc);
	enum sess_miss m = ticket_open(sc, t, n, now_ms, out);
	sc_unlock(sc);
	return m;
}
