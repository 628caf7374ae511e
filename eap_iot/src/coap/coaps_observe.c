/*
 * coap/coaps_observe.c — Observe (RFC 7641), server side: registrations per peer and the
 * notifications a resource's change sends.
 *
 * A notification is the handler's answer to the registration's GET, built again for the new
 * state: same token, the resource's next Observe value (§4.4), its Max-Age and ETag. It goes
 * NON, and CON every observe_con_every-th time or when 24 hours passed since the last CON
 * (§4.5), so that an observer that vanished is found out: a CON never acknowledged or an RST to
 * any notification ends its registration (§3.6, §4.5). An error code ends it too (§3.2).
 */
#include "eap_iot/features.h"
#if EIOT_WITH_SERVER && EIOT_WITH_DTLS /* else left out of this build */

#include <stdlib.h>
#include <string.h>

#include "coap/coaps_server_int.h"
#include "eap_iot/err.h"

#define CON_AT_LEAST_MS (24ull * 3600 * 1000) /* §4.5 */

static struct observer *find(struct peer *p, const uint8_t *token, size_t len)
{
	for (uint8_t i = 0; i < p->n_obs; i++)
		if (p->obs[i].token_len == len && !memcmp(p->obs[i].token, token, len))
			return &p->obs[i];
	return NULL;
}

static void drop(struct eiot_coaps_server *srv, struct peer *p, struct observer *o)
{
	*o = p->obs[--p->n_obs];
	srv->n_observers--;
	if (!p->n_obs) {
		free(p->obs);
		p->obs = NULL;
	}
}

/* see coap/coaps_server_int.h */
void obs_drop_all(struct eiot_coaps_server *srv, struct peer *p)
{
	srv->n_observers -= p->n_obs;
	p->n_obs = 0;
	free(p->obs);
	p->obs = NULL;
}

/* see coap/coaps_server_int.h */
bool obs_room(struct peer *p, const struct eiot_coap_msg *req)
{
	return p->n_obs < MAX_OBSERVE || find(p, req->token, req->token_len);
}

/* see coap/coaps_server_int.h */
void obs_after_get(struct eiot_coaps_server *srv, struct peer *p, const struct eiot_coap_msg *req,
		   const struct coap_serve_ctx *ctx)
{
	struct observer *o = find(p, req->token, req->token_len);
	if (!ctx->observed) {
		/* §3.6: a GET with the token and Observe 1, or none, ends the registration */
		if (o)
			drop(srv, p, o);
		return;
	}
	if (!o) { /* §4.1: a registration with a token already known replaces it */
		struct observer *n = realloc(p->obs, (p->n_obs + 1u) * sizeof(*n));
		if (!n)
			return; /* not registered: the client sees no notification and may ask again */
		p->obs = n;
		o = &p->obs[p->n_obs++];
		srv->n_observers++;
	}
	uint32_t accept;
	const struct eiot_coap_option *a = eiot_coap_next_option(req, EIOT_COAP_OPT_ACCEPT, NULL);
	*o = (struct observer){ .res = (uint16_t)(ctx->resource - srv->rs.r), .token_len = req->token_len,
				.accept = a && !eiot_coap_option_uint(a, &accept) ? (int32_t)accept : -1,
				.last_con = p->last_active };
	memcpy(o->token, req->token, req->token_len);
}

/* see coap/coaps_server_int.h */
void obs_failed(struct eiot_coaps_server *srv, struct peer *p, uint16_t mid)
{
	for (uint8_t i = 0; i < p->n_obs; i++)
		if (p->obs[i].notified && p->obs[i].last_mid == mid) {
			drop(srv, p, &p->obs[i]);
			return;
		}
}

/* The registration's GET again, for the notification: Uri-Path from the resource, Accept. */
static void registration_request(const struct eiot_coap_resource *r, const struct observer *o,
				 struct eiot_coap_msg *m)
{
	eiot_coap_msg_init(m, EIOT_COAP_NON, EIOT_COAP_GET, 0);
	eiot_coap_set_token(m, o->token, o->token_len);
	for (const char *s = r->path; *s;) {
		size_t seg = strcspn(s, "/");
		eiot_coap_add_option(m, EIOT_COAP_OPT_URI_PATH, s, seg);
		s += seg + (s[seg] == '/');
	}
	if (o->accept >= 0)
		eiot_coap_add_uint_option(m, EIOT_COAP_OPT_ACCEPT, (uint32_t)o->accept);
}

/* One notification to observer o of peer p; false when the registration ended with it. */
static bool notify_one(struct eiot_coaps_server *srv, struct peer *p, struct observer *o, uint64_t now)
{
	struct eiot_coap_msg req, resp;
	struct coap_serve_ctx ctx;
	bool handled;
	registration_request(&srv->rs.r[o->res], o, &req);
	coaps_serve_ctx(srv, p, &ctx);
	ctx.observe = true;
	ctx.req.notification = true;
	coap_serve(&ctx, &req, &resp, &handled, now);
	bool con = o->since_con + 1u >= srv->p.observe_con_every || now - o->last_con >= CON_AT_LEAST_MS;
	resp.type = con ? EIOT_COAP_CON : EIOT_COAP_NON;
	int err = eiot_coap_peer_send(p->cp, &resp, now);
	if (err == EIOT_ERR_WANT_MORE) { /* a CON still in flight: this one goes NON (§4.5.2) */
		con = false;
		resp.type = EIOT_COAP_NON;
		err = eiot_coap_peer_send(p->cp, &resp, now);
	}
	if (!err) {
		srv->st.notifications++;
		o->notified = true;
		o->last_mid = resp.mid;
		o->since_con = con ? 0 : o->since_con + 1;
		if (con)
			o->last_con = now;
	}
	coaps_flush(srv, p);
	coaps_peer_changed(srv, p);
	return ctx.observed; /* an error code went without Observe: the end (§3.2) */
}

/* see eap_iot/coap_server.h */
int eiot_coaps_server_notify(struct eiot_coaps_server *srv, const char *path, uint64_t now_ms)
{
	size_t res = 0;
	if (!srv || !path)
		return EIOT_ERR_BAD_PARAM;
	while (res < srv->rs.n && strcmp(srv->rs.r[res].path, path))
		res++;
	if (res == srv->rs.n || !srv->rs.r[res].observable)
		return EIOT_ERR_BAD_PARAM;
	srv->rs.obs_seq[res] = (srv->rs.obs_seq[res] + 1) & 0xffffff; /* 24 bits, §4.4 */
	int n = 0;
	for (uint32_t i = 0; i < srv->p.max_peers && srv->n_observers; i++) {
		struct peer *p = &srv->peers[i];
		for (uint8_t k = 0; p->used && !p->closing && p->cp && k < p->n_obs; k++) {
			if (p->obs[k].res != res)
				continue;
			n++;
			if (!notify_one(srv, p, &p->obs[k], now_ms))
				drop(srv, p, &p->obs[k--]);
		}
	}
	return n;
}

#endif /* EIOT_WITH_SERVER && EIOT_WITH_DTLS */
