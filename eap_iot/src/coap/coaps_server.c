/*
 * coap/coaps_server.c — the CoAPS endpoint: many peers behind one socket (RFC 7252 §9.1).
 *
 * Peers live in one array of max_peers slots, found by address through a hash table (chains of
 * slot indices, the hash keyed with a random value so that addresses cannot be chosen to
 * collide), and ordered in a least-recently-used list: its tail is the first candidate for
 * eviction and for the idle timeout. A peer's CoAP message layer and upload state exist only
 * once its handshake completed. Datagrams to send wait in each peer's connection; the peers
 * that may have some are on the dirty stack. Datagrams for no peer (HelloVerifyRequests, the
 * close_notify of a peer just freed) wait in the orphan queue.
 */
#include "eap_iot/features.h"
#if EIOT_WITH_SERVER && EIOT_WITH_DTLS /* else left out of this build */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "coap/coaps_server_int.h"
#include "eap_iot/conn.h"
#include "eap_iot/dtls.h"
#include "eap_iot/err.h"
#include "tls/config_int.h"
#include "util/log.h"

/* see eap_iot/coap_server.h */
void eiot_coaps_server_params_default(struct eiot_coaps_server_params *p)
{
	*p = (struct eiot_coaps_server_params){ .max_peers = 1000, .idle_timeout_ms = 600000,
						.handshakes_per_s = 10, .handshake_burst = 20,
						.max_body = 16384, .observe_con_every = 20 };
	eiot_coap_params_default(&p->coap);
}

static bool params_ok(const struct eiot_coaps_server_params *p)
{
	return p->max_peers >= 1 && p->max_peers <= 1000000 && p->idle_timeout_ms >= 1000 &&
	       p->handshakes_per_s >= 1 && p->handshake_burst >= 1 && p->max_body >= 16 &&
	       p->max_body <= (1u << 20) && p->observe_con_every >= 1 && p->observe_con_every <= 1000;
}

static int cfg_rand(void *cfg, uint8_t *out, size_t n)
{
	return cfg_random(cfg, out, n);
}

/* ---- addresses ---- */

/* The bytes that identify the source host: the IP address of a sockaddr_in/_in6, else all. */
static const uint8_t *host_part(const uint8_t *addr, size_t len, size_t *n)
{
	sa_family_t fam;
	if (len >= sizeof(fam)) {
		memcpy(&fam, addr, sizeof(fam));
		if (fam == AF_INET && len >= sizeof(struct sockaddr_in)) {
			*n = 4;
			return addr + offsetof(struct sockaddr_in, sin_addr);
		}
		if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
			*n = 16;
			return addr + offsetof(struct sockaddr_in6, sin6_addr);
		}
	}
	*n = len;
	return addr;
}

/* "192.0.2.1:5684", "[2001:db8::1]:5684", or "(address)" for anything else: for log lines. */
static const char *addr_str(const uint8_t *addr, size_t len, char out[64])
{
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	char ip[INET6_ADDRSTRLEN];
	size_t n;
	host_part(addr, len, &n);
	if (n == 4) {
		memcpy(&in4, addr, sizeof(in4));
		inet_ntop(AF_INET, &in4.sin_addr, ip, sizeof(ip));
		snprintf(out, 64, "%s:%u", ip, ntohs(in4.sin_port));
	} else if (n == 16) {
		memcpy(&in6, addr, sizeof(in6));
		inet_ntop(AF_INET6, &in6.sin6_addr, ip, sizeof(ip));
		snprintf(out, 64, "[%s]:%u", ip, ntohs(in6.sin6_port));
	} else {
		snprintf(out, 64, "(address)");
	}
	return out;
}

/* A keyed mix of the bytes (not a MAC: it only spreads chains; the key is random). */
static uint32_t keyed_hash(uint64_t key, const uint8_t *b, size_t n)
{
	uint64_t h = key ^ (n * 0x9e3779b97f4a7c15u);
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3u;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	return (uint32_t)(h * 0xbf58476d1ce4e5b9u >> 32);
}

/* ---- the peer table ---- */

static uint32_t idx(const struct eiot_coaps_server *srv, const struct peer *p)
{
	return (uint32_t)(p - srv->peers);
}

/* see coap/coaps_server_int.h */
uint32_t coaps_hash(const struct eiot_coaps_server *srv, const uint8_t *b, size_t n)
{
	return keyed_hash(srv->hash_key, b, n);
}

static uint32_t bucket_of(const struct eiot_coaps_server *srv, const uint8_t *addr, size_t len)
{
	return keyed_hash(srv->hash_key, addr, len) & (srv->n_buckets - 1);
}

/* p leaves the address chains / joins them at its (new) address. */
static void addr_unlink(struct eiot_coaps_server *srv, struct peer *p)
{
	uint32_t i = idx(srv, p), *link = &srv->buckets[bucket_of(srv, p->addr, p->addr_len)];
	while (*link != i)
		link = &srv->peers[*link].chain;
	*link = p->chain;
}

static void addr_link(struct eiot_coaps_server *srv, struct peer *p)
{
	uint32_t *b = &srv->buckets[bucket_of(srv, p->addr, p->addr_len)];
	p->chain = *b;
	*b = idx(srv, p);
}

static struct peer *peer_find(struct eiot_coaps_server *srv, const uint8_t *addr, size_t len)
{
	for (uint32_t i = srv->buckets[bucket_of(srv, addr, len)]; i != NONE; i = srv->peers[i].chain) {
		struct peer *p = &srv->peers[i];
		if (p->addr_len == len && !memcmp(p->addr, addr, len))
			return p;
	}
	return NULL;
}

static void lru_unlink(struct eiot_coaps_server *srv, struct peer *p)
{
	if (p->prev != NONE)
		srv->peers[p->prev].next = p->next;
	else
		srv->lru_head = p->next;
	if (p->next != NONE)
		srv->peers[p->next].prev = p->prev;
	else
		srv->lru_tail = p->prev;
	p->prev = p->next = NONE;
}

/* p was just active: to the head of the LRU list. */
static void lru_touch(struct eiot_coaps_server *srv, struct peer *p, uint64_t now)
{
	uint32_t i = idx(srv, p);
	p->last_active = now;
	if (srv->lru_head == i)
		return;
	if (p->prev != NONE || p->next != NONE || srv->lru_tail == i)
		lru_unlink(srv, p);
	p->next = srv->lru_head;
	if (srv->lru_head != NONE)
		srv->peers[srv->lru_head].prev = i;
	srv->lru_head = i;
	if (srv->lru_tail == NONE)
		srv->lru_tail = i;
}

static void mark_dirty(struct eiot_coaps_server *srv, struct peer *p)
{
	if (!p->dirty) {
		p->dirty = true;
		srv->dirty[srv->n_dirty++] = idx(srv, p);
	}
}

/* Queue a datagram for addr that no peer holds (dropped, with a log line, when full). */
static void orphan_queue(struct eiot_coaps_server *srv, const uint8_t *addr, size_t alen,
			 const uint8_t *b, size_t n)
{
	size_t need = 1 + alen + 2 + n;
	if (srv->orphan_head + srv->orphan_len + need > ORPHAN_BYTES) {
		memmove(srv->orphan, srv->orphan + srv->orphan_head, srv->orphan_len);
		srv->orphan_head = 0;
	}
	if (srv->orphan_len + need > ORPHAN_BYTES) {
		EIOT_LOG(srv->cfg, EIOT_LOG_WARN, "coaps: output queue full, a datagram is dropped");
		return;
	}
	uint8_t *w = srv->orphan + srv->orphan_head + srv->orphan_len;
	w[0] = (uint8_t)alen;
	memcpy(w + 1, addr, alen);
	w[1 + alen] = (uint8_t)(n >> 8);
	w[2 + alen] = (uint8_t)n;
	memcpy(w + 3 + alen, b, n);
	srv->orphan_len += need;
}

/* Move what p's connection still holds to the orphan queue, then free p. */
static void peer_free(struct eiot_coaps_server *srv, struct peer *p)
{
	size_t n;
	while (!eiot_conn_output(p->conn, srv->msg, srv->p.coap.max_message, &n) && n)
		orphan_queue(srv, p->addr, p->addr_len, srv->msg, n);
	uint32_t i = idx(srv, p);
	addr_unlink(srv, p);
	cid_index_remove(srv, p);
	lru_unlink(srv, p);
	eiot_conn_free(p->conn);
	eiot_coap_peer_free(p->cp);
	coap_upload_free(p->upload);
	obs_drop_all(srv, p);
	srv->n_used--;
	srv->st.established -= p->established;
	bool dirty = p->dirty;
	uint32_t gen = p->gen;
	*p = (struct peer){ .dirty = dirty, .gen = gen, .prev = NONE, .next = NONE, .chain = srv->free_head };
	srv->free_head = i;
}

/* A slot for a new peer at addr, its connection not yet made. */
static struct peer *peer_add(struct eiot_coaps_server *srv, const uint8_t *addr, size_t alen, uint64_t now)
{
	uint32_t i = srv->free_head;
	struct peer *p = &srv->peers[i];
	srv->free_head = p->chain;
	bool dirty = p->dirty;
	*p = (struct peer){ .used = true, .dirty = dirty, .gen = p->gen + 1, .addr_len = (uint8_t)alen,
			    .prev = NONE, .next = NONE, .due = UINT64_MAX };
	memcpy(p->addr, addr, alen);
	addr_link(srv, p);
	srv->n_used++;
	lru_touch(srv, p, now);
	return p;
}

/* ---- life of a server ---- */

/* see eap_iot/coap_server.h */
void eiot_coaps_server_free(struct eiot_coaps_server *srv)
{
	if (!srv)
		return;
	for (uint32_t i = 0; srv->peers && i < srv->p.max_peers; i++)
		if (srv->peers[i].used)
			peer_free(srv, &srv->peers[i]);
	eiot_cookie_secret_free(srv->secret);
	free(srv->rs.r);
	free(srv->rs.obs_seq);
	free(srv->peers);
	free(srv->buckets);
	free(srv->cid_buckets);
	free(srv->dirty);
	free(srv->rate);
	free(srv->orphan);
	free(srv->msg);
	free(srv->body);
	free(srv);
}

/* see eap_iot/coap_server.h */
struct eiot_coaps_server *eiot_coaps_server_new(const struct eiot_config *dtls,
						const struct eiot_coaps_server_params *p, uint64_t now_ms)
{
	struct eiot_coaps_server_params def;
	if (!p) {
		eiot_coaps_server_params_default(&def);
		p = &def;
	}
	if (!dtls || eiot_config_transport(dtls) != EIOT_DTLS || eiot_config_role(dtls) != EIOT_SERVER ||
	    !params_ok(p))
		return NULL;
	struct eiot_coaps_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->cfg = dtls;
	srv->p = *p;
	srv->n_buckets = 1;
	while (srv->n_buckets < p->max_peers)
		srv->n_buckets <<= 1;
	srv->peers = calloc(p->max_peers, sizeof(*srv->peers));
	srv->buckets = malloc(srv->n_buckets * sizeof(*srv->buckets));
	srv->dirty = malloc(p->max_peers * sizeof(*srv->dirty));
	srv->rate = calloc(RATE_SLOTS, sizeof(*srv->rate));
	srv->orphan = malloc(ORPHAN_BYTES);
	srv->msg = malloc(p->coap.max_message);
	srv->body = malloc(p->max_body);
	srv->secret = eiot_cookie_secret_new(dtls, now_ms);
	if (EIOT_WITH_CID && dtls->cid && dtls->cid_len) {
		srv->cid_buckets = malloc(srv->n_buckets * sizeof(*srv->cid_buckets));
		if (srv->cid_buckets)
			memset(srv->cid_buckets, 0xff, srv->n_buckets * sizeof(*srv->cid_buckets));
	}
	if ((EIOT_WITH_CID && dtls->cid && dtls->cid_len && !srv->cid_buckets) || !srv->peers || !srv->buckets || !srv->dirty || !srv->rate || !srv->orphan || !srv->msg ||
	    !srv->body || !srv->secret || cfg_random(dtls, (uint8_t *)&srv->hash_key, sizeof(srv->hash_key))) {
		eiot_coaps_server_free(srv);
		return NULL;
	}
	/* records are buffered at their full size for every established peer */
	if (dtls->max_record > 2u * p->coap.max_message)
		EIOT_LOG(dtls, EIOT_LOG_WARN, "coaps: records of up to %zu bytes make every established peer "
			 "hold about %zu KB; CoAP messages of %u bytes need far less (eiot_config_set_max_record)",
			 dtls->max_record, (3 * dtls->max_record + 4096) / 1024, p->coap.max_message);
	memset(srv->buckets, 0xff, srv->n_buckets * sizeof(*srv->buckets));
	for (uint32_t i = 0; i < p->max_peers; i++)
		srv->peers[i] = (struct peer){ .prev = NONE, .next = NONE, .chain = i + 1 < p->max_peers ? i + 1 : NONE };
	srv->lru_head = srv->lru_tail = NONE;
	return srv;
}

/* see eap_iot/coap_server.h */
int eiot_coaps_server_add_resource(struct eiot_coaps_server *srv, const struct eiot_coap_resource *r)
{
	if (!srv || !r || !r->path || !r->path[0] || r->path[0] == '/' || !r->handler)
		return EIOT_ERR_BAD_PARAM;
	for (size_t i = 0; i < srv->rs.n; i++)
		if (!strcmp(srv->rs.r[i].path, r->path))
			return EIOT_ERR_BAD_PARAM;
	struct eiot_coap_resource *n = realloc(srv->rs.r, (srv->rs.n + 1) * sizeof(*n));
	if (!n)
		return EIOT_ERR_NO_MEMORY;
	srv->rs.r = n;
	uint32_t *seq = realloc(srv->rs.obs_seq, (srv->rs.n + 1) * sizeof(*seq));
	if (!seq)
		return EIOT_ERR_NO_MEMORY;
	srv->rs.obs_seq = seq;
	seq[srv->rs.n] = 2; /* RFC 7641 §4.4: any start; 0 and 1 read like registration values */
	n[srv->rs.n++] = *r;
	return EIOT_OK;
}

/* ---- one peer's traffic ---- */

static void refresh_due(struct peer *p)
{
	uint64_t a = eiot_conn_next_timer(p->conn), b = p->cp ? eiot_coap_peer_next_timer(p->cp) : UINT64_MAX;
	p->due = a < b ? a : b;
}

/* see coap/coaps_server_int.h */
void coaps_flush(struct eiot_coaps_server *srv, struct peer *p)
{
	size_t len, written;
	while (!eiot_coap_peer_output(p->cp, srv->msg, srv->p.coap.max_message, &len) && len)
		if (eiot_conn_write(p->conn, srv->msg, len, &written) || written != len)
			break; /* the connection failed (its state says so) or the message was too big */
}

static void handshake_done(struct eiot_coaps_server *srv, struct peer *p)
{
	char a[64];
	p->cp = eiot_coap_peer_new(&srv->p.coap, cfg_rand, (void *)srv->cfg);
	if (!p->cp) {
		EIOT_LOG(srv->cfg, EIOT_LOG_ERROR, "coaps: %s: no memory for CoAP state, closing",
			 addr_str(p->addr, p->addr_len, a));
		eiot_conn_close(p->conn);
		return;
	}
	p->established = true;
	if (!eiot_conn_own_cid(p->conn, NULL))
		cid_index_remove(srv, p); /* it gives none (its client asked for none): free for others */
	srv->st.established++;
	srv->st.handshakes++;
	struct eiot_peer_info pi = { 0 };
	eiot_conn_peer_info(p->conn, &pi);
	EIOT_LOG(srv->cfg, EIOT_LOG_INFO, "coaps: %s: DTLS session established (%s%s%s%s)",
		 addr_str(p->addr, p->addr_len, a), eiot_suite_name(eiot_conn_suite(p->conn), false),
		 pi.resumed ? ", resumed" : "", pi.cached_info ? ", cached_info" : "",
		 pi.rpk ? ", raw public key" : "");
}

/* see coap/coaps_server_int.h */
void coaps_serve_ctx(struct eiot_coaps_server *srv, struct peer *p, struct coap_serve_ctx *ctx)
{
	size_t room = eiot_conn_record_room(p->conn);
	*ctx = (struct coap_serve_ctx){
		.rs = &srv->rs, .max_body = srv->p.max_body, .body = srv->body, .upload = &p->upload,
		.room = room < srv->p.coap.max_message ? room : srv->p.coap.max_message,
		.upload_lifetime_ms = 247000, /* EXCHANGE_LIFETIME with the default parameters */
		.req = { .conn = p->conn, .addr = p->addr, .addr_len = p->addr_len },
	};
}

/* The requests that arrived: each to its resource, the answer back. */
static void serve(struct eiot_coaps_server *srv, struct peer *p, uint64_t now)
{
	struct eiot_coap_event ev;
	struct eiot_coap_msg resp;
	struct coap_serve_ctx ctx;
	uint32_t obs;
	size_t len;
	while (!eiot_conn_read(p->conn, srv->msg, srv->p.coap.max_message, &len)) {
		if (eiot_coap_peer_receive(p->cp, srv->msg, len, now, &ev) || ev.kind != EIOT_COAP_EV_REQUEST) {
			if (ev.kind == EIOT_COAP_EV_FAILED)
				obs_failed(srv, p, ev.msg.mid);
			coaps_flush(srv, p);
			continue;
		}
		const struct eiot_coap_option *o = eiot_coap_next_option(&ev.msg, EIOT_COAP_OPT_OBSERVE, NULL);
		bool handled;
		coaps_serve_ctx(srv, p, &ctx);
		ctx.observe = ev.msg.code == EIOT_COAP_GET && o && !eiot_coap_option_uint(o, &obs) && obs == 0 &&
			      obs_room(p, &ev.msg);
		ctx.req.pending = (struct eiot_coap_pending){ .peer = idx(srv, p), .gen = p->gen,
							      .type = ev.msg.type, .token_len = ev.msg.token_len };
		memcpy(ctx.req.pending.token, ev.msg.token, ev.msg.token_len);
		coap_serve(&ctx, &ev.msg, &resp, &handled, now);
		srv->st.requests += handled;
		if (ev.msg.code == EIOT_COAP_GET && !ctx.deferred)
			obs_after_get(srv, p, &ev.msg, &ctx);
		if (!ctx.deferred)
			eiot_coap_peer_respond(p->cp, &ev.msg, &resp, now);
		else if (ev.msg.type == EIOT_COAP_CON)
			eiot_coap_peer_ack(p->cp, &ev.msg, now); /* §5.2.2: the answer comes separately */
		coaps_flush(srv, p);
	}
}

/* see eap_iot/coap_server.h */
int eiot_coaps_server_respond_later(struct eiot_coaps_server *srv, const struct eiot_coap_pending *pd,
				    const struct eiot_coap_response *r, uint64_t now_ms)
{
	if (!srv || !pd || !r || pd->token_len > EIOT_COAP_MAX_TOKEN)
		return EIOT_ERR_BAD_PARAM;
	struct peer *p = pd->peer < srv->p.max_peers ? &srv->peers[pd->peer] : NULL;
	if (!p || !p->used || p->gen != pd->gen || p->closing || !p->cp)
		return EIOT_ERR_CLOSED;
	struct coap_serve_ctx ctx;
	struct eiot_coap_msg none, resp;
	coaps_serve_ctx(srv, p, &ctx);
	eiot_coap_msg_init(&none, EIOT_COAP_CON, EIOT_COAP_GET, 0); /* asks for no block */
	eiot_coap_msg_init(&resp, pd->type == EIOT_COAP_CON ? EIOT_COAP_CON : EIOT_COAP_NON, EIOT_COAP_CONTENT, 0);
	eiot_coap_set_token(&resp, pd->token, pd->token_len);
	coap_finish_response(&ctx, &none, r, NULL, &resp);
	int err = eiot_coap_peer_send(p->cp, &resp, now_ms);
	coaps_flush(srv, p);
	coaps_peer_changed(srv, p);
	return err;
}

/* see coap/coaps_server_int.h */
void coaps_peer_changed(struct eiot_coaps_server *srv, struct peer *p)
{
	refresh_due(p);
	mark_dirty(srv, p);
}

/* After the connection saw input or a timer: new state, requests, output, end. */
static void peer_update(struct eiot_coaps_server *srv, struct peer *p, uint64_t now)
{
	enum eiot_state st = eiot_conn_state(p->conn);
	char a[64];
	if (st == EIOT_STATE_ESTABLISHED && !p->cp)
		handshake_done(srv, p);
	if (p->cp)
		serve(srv, p, now);
	st = eiot_conn_state(p->conn);
	if ((st == EIOT_STATE_FAILED || st == EIOT_STATE_CLOSED) && !p->closing) {
		int sent, rcvd, err = eiot_conn_error(p->conn);
		eiot_conn_last_alert(p->conn, &sent, &rcvd);
		p->closing = true;
		if (!p->established)
			srv->st.handshakes_failed++;
		if (st == EIOT_STATE_CLOSED)
			EIOT_LOG(srv->cfg, EIOT_LOG_INFO, "coaps: %s: session closed", addr_str(p->addr, p->addr_len, a));
		else
			EIOT_LOG(srv->cfg, EIOT_LOG_WARN, "coaps: %s: %s failed: %s (alert sent %s, received %s)",
				 addr_str(p->addr, p->addr_len, a), p->established ? "session" : "handshake",
				 eiot_err_str(err), eiot_alert_str(sent), eiot_alert_str(rcvd));
	}
	if (p->established && !p->closing)
		p->conn = eiot_conn_compact(p->conn); /* once the peer's data showed it has our flight */
	coaps_peer_changed(srv, p);
}

/* ---- the front door ---- */

/* The client random of a datagram that starts with an epoch-0 ClientHello's first fragment:
 * record header (13), handshake header (12, fragment offset 0), client_version (2). */
static const uint8_t *hello_random(const uint8_t *d, size_t len)
{
	if (len < 13 + 12 + 2 + 32 || d[0] != 22 || d[3] || d[4] || d[13] != 1 || d[19] || d[20] || d[21])
		return NULL;
	return d + 13 + 12 + 2;
}

/* RFC 6347 §4.2.8: a ClientHello from a peer's address with another client random is that
 * client starting over (after a reboot, or a new process behind the same port): it goes through
 * the front door like a new one. A copy of the ClientHello that began the peer's handshake (a
 * duplicate, delayed or replayed) is the peer's own business and must not end it. */
static bool starts_anew(const struct peer *p, const uint8_t *random)
{
	uint8_t cr[32], sr[32];
	return random && !eiot_conn_randoms(p->conn, cr, sr) && memcmp(cr, random, 32) != 0;
}

/* Whether the source may start one more handshake now (token bucket per IP address). */
static bool rate_ok(struct eiot_coaps_server *srv, const uint8_t *addr, size_t alen, uint64_t now)
{
	size_t n;
	const uint8_t *h = host_part(addr, alen, &n);
	struct rate *r = &srv->rate[keyed_hash(srv->hash_key, h, n) % RATE_SLOTS];
	uint64_t burst = (uint64_t)srv->p.handshake_burst * 1000;
	uint64_t tokens = r->at ? r->milli + (now - r->at) * srv->p.handshakes_per_s : burst;
	r->at = now ? now : 1;
	if (tokens > burst)
		tokens = burst;
	if (tokens < 1000) {
		r->milli = (uint32_t)tokens;
		return false;
	}
	r->milli = (uint32_t)(tokens - 1000);
	return true;
}

/* Room for one more peer: a free slot, or the least recently used idle peer evicted. */
static bool make_room(struct eiot_coaps_server *srv)
{
	if (srv->free_head != NONE)
		return true;
	uint32_t i = srv->lru_tail;
	for (int k = 0; k < EVICT_SCAN && i != NONE; k++, i = srv->peers[i].prev) {
		struct peer *p = &srv->peers[i];
		if (p->established && !p->closing && !eiot_coap_peer_outstanding(p->cp) && !p->upload &&
		    !p->n_obs) {
			char a[64];
			EIOT_LOG(srv->cfg, EIOT_LOG_INFO, "coaps: %s: evicted (idle %llu s) for a new peer",
				 addr_str(p->addr, p->addr_len, a),
				 (unsigned long long)((srv->peers[srv->lru_head].last_active - p->last_active) / 1000));
			eiot_conn_close(p->conn);
			peer_free(srv, p);
			srv->st.evicted++;
			return true;
		}
	}
	return false;
}

/* A datagram that may start a handshake: cookie first, then the rate and the table. */
static void front_door(struct eiot_coaps_server *srv, struct peer *old, const uint8_t *addr, size_t alen,
		       const uint8_t *d, size_t len, uint64_t now)
{
	uint8_t reply[256];
	size_t reply_len = 0;
	char a[64];
	int err = eiot_dtls_accept(srv->secret, srv->cfg, addr, alen, d, len, now, reply, sizeof(reply), &reply_len);
	if (err == EIOT_ERR_COOKIE_SENT) {
		orphan_queue(srv, addr, alen, reply, reply_len);
		srv->st.cookies_sent++;
		return;
	}
	if (err) {
		srv->st.dropped++;
		return;
	}
	if (!rate_ok(srv, addr, alen, now)) {
		if (!srv->st.rate_limited++ || !(srv->st.rate_limited & 1023))
			EIOT_LOG(srv->cfg, EIOT_LOG_WARN, "coaps: %s: handshake refused, over %u per second from "
				 "this address (%llu refused so far)", addr_str(addr, alen, a),
				 srv->p.handshakes_per_s, (unsigned long long)srv->st.rate_limited);
		return;
	}
	if (old) {
		if (!old->closing)
			EIOT_LOG(srv->cfg, EIOT_LOG_INFO, "coaps: %s: a new handshake replaces the session "
				 "(RFC 6347 §4.2.8)", addr_str(addr, alen, a));
		peer_free(srv, old);
	}
	if (!make_room(srv)) {
		if (!srv->st.table_full++ || !(srv->st.table_full & 1023))
			EIOT_LOG(srv->cfg, EIOT_LOG_WARN, "coaps: %s: handshake refused, all %u peers busy "
				 "(%llu refused so far)", addr_str(addr, alen, a), srv->p.max_peers,
				 (unsigned long long)srv->st.table_full);
		return;
	}
	struct peer *p = peer_add(srv, addr, alen, now);
	p->conn = eiot_conn_new(srv->cfg, now);
	if (!p->conn) {
		EIOT_LOG(srv->cfg, EIOT_LOG_ERROR, "coaps: %s: no memory for a connection", addr_str(addr, alen, a));
		peer_free(srv, p);
		return;
	}
	cid_index_give(srv, p);
	eiot_conn_feed(p->conn, d, len, now); /* errors stay sticky: peer_update looks */
	peer_update(srv, p, now);
}

/* RFC 9146 §6: a datagram for p's connection ID from another address. p moves there only when
 * the datagram was authentic and newer than all before it (a spoofed or replayed one never
 * moves it), and only to an address no other peer holds. */
static void cid_feed(struct eiot_coaps_server *srv, struct peer *p, bool addr_free, const uint8_t *addr,
		     size_t alen, const uint8_t *d, size_t len, uint64_t now)
{
	char from[64], to[64];
	lru_touch(srv, p, now);
	eiot_conn_feed(p->conn, d, len, now);
	if (eiot_conn_peer_may_move(p->conn)) {
		if (addr_free) {
			EIOT_LOG(srv->cfg, EIOT_LOG_INFO, "coaps: %s: moved to %s by its connection ID (RFC 9146 §6)",
				 addr_str(p->addr, p->addr_len, from), addr_str(addr, alen, to));
			addr_unlink(srv, p);
			p->addr_len = (uint8_t)alen;
			memcpy(p->addr, addr, alen);
			addr_link(srv, p);
			srv->st.moved++;
		} else {
			EIOT_LOG(srv->cfg, EIOT_LOG_WARN, "coaps: %s: its connection ID came from %s, which "
				 "another peer holds: not moved", addr_str(p->addr, p->addr_len, from),
				 addr_str(addr, alen, to));
		}
	}
	peer_update(srv, p, now);
}

/* see eap_iot/coap_server.h */
int eiot_coaps_server_feed(struct eiot_coaps_server *srv, const void *addr, size_t addr_len,
			   const uint8_t *dgram, size_t len, uint64_t now_ms)
{
	if (!srv || !addr || !addr_len || addr_len > EIOT_COAPS_MAX_ADDR || (!dgram && len))
		return EIOT_ERR_BAD_PARAM;
	struct peer *p = peer_find(srv, addr, addr_len), *by_cid = cid_index_find(srv, dgram, len);
	if (by_cid && by_cid != p && !by_cid->closing) {
		cid_feed(srv, by_cid, !p, addr, addr_len, dgram, len, now_ms);
		return EIOT_OK;
	}
	if (!p || p->closing || starts_anew(p, hello_random(dgram, len))) {
		front_door(srv, p, addr, addr_len, dgram, len, now_ms);
		return EIOT_OK;
	}
	lru_touch(srv, p, now_ms);
	eiot_conn_feed(p->conn, dgram, len, now_ms);
	peer_update(srv, p, now_ms);
	return EIOT_OK;
}

/* see eap_iot/coap_server.h */
int eiot_coaps_server_output(struct eiot_coaps_server *srv, uint8_t *buf, size_t cap, size_t *len,
			     void *addr, size_t *addr_len)
{
	if (!srv || !buf || !len || !addr || !addr_len)
		return EIOT_ERR_BAD_PARAM;
	*len = 0;
	if (srv->orphan_len) {
		const uint8_t *r = srv->orphan + srv->orphan_head;
		size_t alen = r[0], n = (size_t)r[1 + alen] << 8 | r[2 + alen];
		if (n > cap)
			return EIOT_ERR_BUFFER_TOO_SMALL;
		memcpy(addr, r + 1, alen);
		*addr_len = alen;
		memcpy(buf, r + 3 + alen, n);
		*len = n;
		srv->orphan_head += 3 + alen + n;
		srv->orphan_len -= 3 + alen + n;
		return EIOT_OK;
	}
	while (srv->n_dirty) {
		struct peer *p = &srv->peers[srv->dirty[srv->n_dirty - 1]];
		if (p->used) {
			int err = eiot_conn_output(p->conn, buf, cap, len);
			if (err == EIOT_ERR_BUFFER_TOO_SMALL)
				return err;
			if (*len) {
				memcpy(addr, p->addr, p->addr_len);
				*addr_len = p->addr_len;
				return EIOT_OK;
			}
		}
		p->dirty = false;
		srv->n_dirty--;
		if (p->used && p->closing)
			peer_free(srv, p);
	}
	return EIOT_OK;
}

/* see eap_iot/coap_server.h */
uint64_t eiot_coaps_server_next_timer(const struct eiot_coaps_server *srv)
{
	uint64_t t = UINT64_MAX;
	if (!srv)
		return t;
	for (uint32_t i = 0; i < srv->p.max_peers; i++)
		if (srv->peers[i].used && srv->peers[i].due < t)
			t = srv->peers[i].due;
	if (srv->lru_tail != NONE && srv->peers[srv->lru_tail].established) {
		uint64_t idle = srv->peers[srv->lru_tail].last_active + srv->p.idle_timeout_ms;
		if (idle < t)
			t = idle;
	}
	return t;
}

/* see eap_iot/coap_server.h */
int eiot_coaps_server_tick(struct eiot_coaps_server *srv, uint64_t now_ms)
{
	struct eiot_coap_event ev;
	if (!srv)
		return EIOT_ERR_BAD_PARAM;
	for (uint32_t i = 0; i < srv->p.max_peers; i++) {
		struct peer *p = &srv->peers[i];
		if (!p->used || p->due > now_ms)
			continue;
		eiot_conn_tick(p->conn, now_ms);
		/* a separate response never acknowledged is forgotten; a notification, its observer */
		while (p->cp && !eiot_coap_peer_tick(p->cp, now_ms, &ev) && ev.kind != EIOT_COAP_EV_NONE)
			obs_failed(srv, p, ev.msg.mid);
		if (p->cp)
			coaps_flush(srv, p);
		peer_update(srv, p, now_ms);
	}
	while (srv->lru_tail != NONE) {
		struct peer *p = &srv->peers[srv->lru_tail];
		char a[64];
		if (!p->established || p->closing || p->last_active + srv->p.idle_timeout_ms > now_ms)
			break;
		if (p->n_obs) { /* observing: quiet is normal (notifications find out if it is gone) */
			lru_touch(srv, p, now_ms);
			continue;
		}
		EIOT_LOG(srv->cfg, EIOT_LOG_INFO, "coaps: %s: idle for %u s, closed",
			 addr_str(p->addr, p->addr_len, a), srv->p.idle_timeout_ms / 1000);
		eiot_conn_close(p->conn);
		peer_free(srv, p);
		srv->st.idle_closed++;
	}
	return EIOT_OK;
}

/* see eap_iot/coap_server.h */
void eiot_coaps_server_shutdown(struct eiot_coaps_server *srv)
{
	for (uint32_t i = 0; srv && i < srv->p.max_peers; i++) {
		struct peer *p = &srv->peers[i];
		if (!p->used)
			continue;
		if (eiot_conn_state(p->conn) == EIOT_STATE_ESTABLISHED)
			eiot_conn_close(p->conn);
		peer_free(srv, p);
	}
}

/* see eap_iot/coap_server.h */
void eiot_coaps_server_stats(const struct eiot_coaps_server *srv, struct eiot_coaps_server_stats *st)
{
	if (!srv || !st)
		return;
	*st = srv->st;
	st->peers = srv->n_used;
	st->observers = srv->n_observers;
	st->bytes = sizeof(*srv) + srv->p.max_peers * (sizeof(*srv->peers) + sizeof(*srv->dirty)) +
		    srv->n_buckets * sizeof(*srv->buckets) * (srv->cid_buckets ? 2 : 1) + RATE_SLOTS * sizeof(*srv->rate) + ORPHAN_BYTES +
		    srv->p.coap.max_message + srv->p.max_body;
	st->peer_bytes_max = 0;
	for (uint32_t i = 0; i < srv->p.max_peers; i++) {
		const struct peer *p = &srv->peers[i];
		if (!p->used)
			continue;
		size_t n = eiot_conn_footprint(p->conn) + eiot_coap_peer_footprint(p->cp) +
			   (p->upload ? sizeof(*p->upload) + srv->p.max_body : 0) + p->n_obs * sizeof(*p->obs);
		st->bytes += n;
		if (n > st->peer_bytes_max)
			st->peer_bytes_max = n;
	}
}

#endif /* EIOT_WITH_SERVER && EIOT_WITH_DTLS */
