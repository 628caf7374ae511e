/*
 * coap/coap_peer.c — CoAP's message layer with one peer (RFC 7252 §4): Message IDs, our CONs
 * retransmitted until acknowledged, duplicates of the peer's messages answered as the first
 * copy was, requests matched to responses by token (§5.3.2).
 *
 * Tables, all bounded by the parameters:
 *   pend  our CON messages not yet acknowledged (requests: at most NSTART; separate
 *         responses), with their bytes for retransmission;
 *   reqs  our requests still waiting for a response (by token; MID for an RST to a NON), and
 *         our observations (RFC 7641) while notifications come;
 *   seen  the peer's recent messages by MID with the answer we sent (§4.5), until
 *         EXCHANGE_LIFETIME (CON) or NON_LIFETIME (NON) after they arrived; the oldest is
 *         forgotten when full;
 *   out   datagrams waiting for eiot_coap_peer_output, each with a 2-byte length.
 * Message bytes are allocated when a message is kept and freed when it is done with (the
 * output queue as soon as it is drained), so that an idle peer holds only its tables.
 */
#include <stdlib.h>
#include <string.h>

#include "eap_iot/coap.h"
#include "eap_iot/err.h"

#define SEPARATE_SLOTS 2     /* separate CON responses in flight besides NSTART requests */
#define MAX_REQUESTS 8       /* requests waiting for a response (CON and NON) */
#define MAX_LATENCY_MS 100000u /* §4.8.2 */
#define OUT_MESSAGES 4       /* datagrams the output queue holds (drain after every call) */

struct pending {
	bool used, request;
	uint16_t mid;
	uint8_t retransmits;
	uint32_t timeout_ms;
	uint64_t due;
	size_t len;
	uint8_t *bytes; /* max_message */
};

struct request {
	bool used;
	bool observe;      /* registered with Observe 0 (RFC 7641 §3.1) */
	bool observing;    /* the server answered with Observe: notifications follow */
	uint16_t mid;
	uint8_t token_len;
	uint8_t token[EIOT_COAP_MAX_TOKEN];
	uint64_t until;
	uint32_t seq;      /* the freshest notification's Observe value, and when it came */
	uint64_t seq_at;
};

/* RFC 7641 §3.4: whether notification (v2 at t2) is newer than (v1 at t1): 24-bit serial
 * arithmetic, or more than 128 s later. */
static bool fresher(uint32_t v1, uint64_t t1, uint32_t v2, uint64_t t2)
{
	return (v1 < v2 && v2 - v1 < (1u << 23)) || (v1 > v2 && v1 - v2 > (1u << 23)) ||
	       t2 > t1 + 128000;
}

/* A response to request q: ends it, unless it starts or continues an observation. Returns
 * false for a notification older than one already delivered (§3.4: not given to the
 * application). */
static bool response_for(struct request *q, const struct eiot_coap_msg *m, uint64_t now)
{
	uint32_t v;
	const struct eiot_coap_option *o = eiot_coap_next_option(m, EIOT_COAP_OPT_OBSERVE, NULL);
	if (!q->observe || !o || eiot_coap_option_uint(o, &v) || EIOT_COAP_CODE_CLASS(m->code) != 2) {
		q->used = false; /* §3.2: a response without Observe (or an error) ends it */
		return true;
	}
	if (q->observing && !fresher(q->seq, q->seq_at, v, now))
		return false;
	q->observing = true;
	q->seq = v;
	q->seq_at = now;
	q->until = UINT64_MAX; /* until cancelled */
	return true;
}

struct seen {
	bool used, con;
	uint16_t mid;
	uint64_t until;
	size_t len;      /* of answer; 0: not answered yet */
	uint8_t *answer; /* heap, exactly len bytes */
};

struct eiot_coap_peer {
	struct eiot_coap_params p;
	eiot_coap_random_fn random;
	void *random_user;
	uint16_t next_mid;
	uint64_t exchange_lifetime, non_lifetime;
	struct pending *pend;
	size_t n_pend;
	struct request reqs[MAX_REQUESTS];
	struct seen *seen;
	uint8_t *out;
	size_t out_cap, out_head, out_len;
	const uint8_t *last; /* the message send_msg just queued, until the next queue call */
};

/* see eap_iot/coap.h */
void eiot_coap_params_default(struct eiot_coap_params *p)
{
	*p = (struct eiot_coap_params){ .ack_timeout_ms = 2000, .ack_random_factor = 1500,
					.max_retransmit = 4, .nstart = 1, .dedup_entries = 16,
					.max_message = 1152 };
}

static bool params_ok(const struct eiot_coap_params *p)
{
	return p->ack_timeout_ms >= 1000 && p->ack_timeout_ms <= 60000 && p->ack_random_factor >= 1000 &&
	       p->ack_random_factor <= 3000 && p->max_retransmit <= 8 && p->nstart >= 1 &&
	       p->nstart <= 8 && p->dedup_entries >= 1 && p->dedup_entries <= 1024 &&
	       p->max_message >= 64;
}

/* see eap_iot/coap.h */
void eiot_coap_peer_free(struct eiot_coap_peer *cp)
{
	if (!cp)
		return;
	for (size_t i = 0; cp->seen && i < cp->p.dedup_entries; i++)
		free(cp->seen[i].answer);
	for (size_t i = 0; cp->pend && i < cp->n_pend; i++)
		free(cp->pend[i].bytes);
	free(cp->seen);
	free(cp->pend);
	free(cp->out);
	free(cp);
}

/* see eap_iot/coap.h */
struct eiot_coap_peer *eiot_coap_peer_new(const struct eiot_coap_params *p, eiot_coap_random_fn random,
					  void *random_user)
{
	if (!p || !random || !params_ok(p))
		return NULL;
	struct eiot_coap_peer *cp = calloc(1, sizeof(*cp));
	if (!cp)
		return NULL;
	cp->p = *p;
	cp->random = random;
	cp->random_user = random_user;
	cp->n_pend = p->nstart + SEPARATE_SLOTS;
	cp->pend = calloc(cp->n_pend, sizeof(*cp->pend));
	cp->seen = calloc(p->dedup_entries, sizeof(*cp->seen));
	bool ok = cp->pend && cp->seen;
	uint8_t mid[2];
	if (!ok || random(random_user, mid, 2)) {
		eiot_coap_peer_free(cp);
		return NULL;
	}
	cp->next_mid = (uint16_t)(mid[0] << 8 | mid[1]); /* §4.4: a random start */
	/* §4.8.2: MAX_TRANSMIT_SPAN = ACK_TIMEOUT * (2^MAX_RETRANSMIT - 1) * ACK_RANDOM_FACTOR */
	uint64_t span = (uint64_t)p->ack_timeout_ms * ((1u << p->max_retransmit) - 1) *
			p->ack_random_factor / 1000;
	cp->exchange_lifetime = span + 2 * MAX_LATENCY_MS + p->ack_timeout_ms;
	cp->non_lifetime = span + MAX_LATENCY_MS;
	return cp;
}

/* Room for n more bytes at the end of the output queue, which grows as needed (up to
 * OUT_MESSAGES messages) and is freed whenever it is drained: an idle peer holds none. */
static uint8_t *out_reserve(struct eiot_coap_peer *cp, size_t n)
{
	if (cp->out_head + cp->out_len + n > cp->out_cap && cp->out_head) {
		memmove(cp->out, cp->out + cp->out_head, cp->out_len);
		cp->out_head = 0;
	}
	if (cp->out_len + n > cp->out_cap) {
		size_t cap = cp->out_len + n;
		uint8_t *b = cap <= OUT_MESSAGES * ((size_t)cp->p.max_message + 2) ? realloc(cp->out, cap) : NULL;
		if (!b)
			return NULL;
		cp->out = b;
		cp->out_cap = cap;
	}
	return cp->out + cp->out_head + cp->out_len;
}

/* Queue one datagram for eiot_coap_peer_output. */
static int queue(struct eiot_coap_peer *cp, const uint8_t *b, size_t n)
{
	uint8_t *w = out_reserve(cp, 2 + n);
	if (!w)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	w[0] = (uint8_t)(n >> 8);
	w[1] = (uint8_t)n;
	memcpy(w + 2, b, n);
	cp->out_len += 2 + n;
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coap_peer_output(struct eiot_coap_peer *cp, uint8_t *buf, size_t cap, size_t *len)
{
	if (!cp || !buf || !len)
		return EIOT_ERR_BAD_PARAM;
	*len = 0;
	if (!cp->out_len)
		return EIOT_OK;
	const uint8_t *r = cp->out + cp->out_head;
	size_t n = (size_t)r[0] << 8 | r[1];
	if (n > cap)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	memcpy(buf, r + 2, n);
	cp->out_head += 2 + n;
	cp->out_len -= 2 + n;
	*len = n;
	if (!cp->out_len) {
		free(cp->out);
		cp->out = NULL;
		cp->out_cap = cp->out_head = 0;
	}
	return EIOT_OK;
}

/* Encode m into the output queue; cp->last points at its bytes until the next queue call. */
static int send_msg(struct eiot_coap_peer *cp, const struct eiot_coap_msg *m, size_t *len)
{
	size_t n = eiot_coap_encoded_len(m);
	uint8_t *w = n <= cp->p.max_message ? out_reserve(cp, 2 + n) : NULL;
	if (!w)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	int err = eiot_coap_encode(m, w + 2, n, len);
	if (err)
		return err;
	w[0] = (uint8_t)(n >> 8);
	w[1] = (uint8_t)n;
	cp->out_len += 2 + n;
	cp->last = w + 2;
	return EIOT_OK;
}

/* An Empty ACK or RST for the peer's message mid (§4.2, §4.3). */
static int send_empty(struct eiot_coap_peer *cp, enum eiot_coap_type type, uint16_t mid, size_t *len)
{
	struct eiot_coap_msg e;
	eiot_coap_msg_init(&e, type, EIOT_COAP_EMPTY, mid);
	return send_msg(cp, &e, len);
}

/* ---- what the peer sent before (§4.5) ---- */

static struct seen *seen_find(struct eiot_coap_peer *cp, uint16_t mid, uint64_t now)
{
	for (size_t i = 0; i < cp->p.dedup_entries; i++) {
		struct seen *s = &cp->seen[i];
		if (s->used && s->until <= now) {
			free(s->answer);
			memset(s, 0, sizeof(*s));
		}
		if (s->used && s->mid == mid)
			return s;
	}
	return NULL;
}

static struct seen *seen_add(struct eiot_coap_peer *cp, uint16_t mid, bool con, uint64_t now)
{
	struct seen *slot = NULL;
	for (size_t i = 0; i < cp->p.dedup_entries; i++) {
		struct seen *s = &cp->seen[i];
		if (!s->used) {
			slot = s;
			break;
		}
		if (!slot || s->until < slot->until)
			slot = s; /* the one that expires first */
	}
	free(slot->answer);
	*slot = (struct seen){ .used = true, .con = con, .mid = mid,
			       .until = now + (con ? cp->exchange_lifetime : cp->non_lifetime) };
	return slot;
}

/* Keep bytes as the answer to the peer's message mid (replacing an empty ACK). */
static void seen_answer(struct eiot_coap_peer *cp, uint16_t mid, const uint8_t *b, size_t n, uint64_t now)
{
	struct seen *s = seen_find(cp, mid, now);
	uint8_t *copy = s ? malloc(n) : NULL;
	if (!copy)
		return; /* forgotten or no memory: a duplicate then gets nothing, as if lost */
	memcpy(copy, b, n);
	free(s->answer);
	s->answer = copy;
	s->len = n;
}

/* ---- our messages ---- */

/* The CON was acknowledged, rejected or given up on: its copy goes. */
static void pend_clear(struct pending *pd)
{
	free(pd->bytes);
	pd->bytes = NULL;
	pd->used = false;
}

static struct pending *pend_find(struct eiot_coap_peer *cp, uint16_t mid)
{
	for (size_t i = 0; i < cp->n_pend; i++)
		if (cp->pend[i].used && cp->pend[i].mid == mid)
			return &cp->pend[i];
	return NULL;
}

static size_t pending_requests(const struct eiot_coap_peer *cp)
{
	size_t n = 0;
	for (size_t i = 0; i < cp->n_pend; i++)
		n += cp->pend[i].used && cp->pend[i].request;
	return n;
}

/* see eap_iot/coap.h */
bool eiot_coap_peer_waiting(const struct eiot_coap_peer *cp)
{
	return cp && cp->out_len;
}

/* see eap_iot/coap.h */
size_t eiot_coap_peer_outstanding(const struct eiot_coap_peer *cp)
{
	size_t n = 0;
	for (size_t i = 0; cp && i < cp->n_pend; i++)
		n += cp->pend[i].used;
	return n;
}

/* Track the CON send_msg just queued (§4.2: the first timeout is random in
 * [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR]). */
static int pend_add(struct eiot_coap_peer *cp, uint16_t mid, size_t len, bool request, uint64_t now)
{
	struct pending *pd = NULL;
	for (size_t i = 0; i < cp->n_pend && !pd; i++)
		if (!cp->pend[i].used)
			pd = &cp->pend[i];
	uint8_t r[2], *copy;
	if (!pd)
		return EIOT_ERR_WANT_MORE;
	if (cp->random(cp->random_user, r, 2))
		return EIOT_ERR_CRYPTO;
	if (!(copy = malloc(len)))
		return EIOT_ERR_NO_MEMORY;
	uint32_t spread = cp->p.ack_timeout_ms * (cp->p.ack_random_factor - 1000u) / 1000u;
	uint32_t jitter = spread ? (uint32_t)(((uint64_t)(r[0] << 8 | r[1]) * spread) >> 16) : 0;
	*pd = (struct pending){ .used = true, .request = request, .mid = mid,
				.timeout_ms = cp->p.ack_timeout_ms + jitter, .len = len, .bytes = copy };
	pd->due = now + pd->timeout_ms;
	memcpy(copy, cp->last, len);
	return EIOT_OK;
}

/* A request of ours still waiting for its response, by token. */
static struct request *req_find(struct eiot_coap_peer *cp, const uint8_t *token, size_t tkl,
				uint64_t now)
{
	for (size_t i = 0; i < MAX_REQUESTS; i++) {
		struct request *q = &cp->reqs[i];
		if (q->used && q->until > now && q->token_len == tkl && !memcmp(q->token, token, tkl))
			return q;
	}
	return NULL;
}

static void failed(struct eiot_coap_event *ev, uint8_t type, uint16_t mid, const struct request *q, int err)
{
	ev->kind = EIOT_COAP_EV_FAILED;
	eiot_coap_msg_init(&ev->msg, (enum eiot_coap_type)type, EIOT_COAP_EMPTY, mid);
	if (q)
		eiot_coap_set_token(&ev->msg, q->token, q->token_len);
	ev->err = err;
}

/* see eap_iot/coap.h */
int eiot_coap_peer_request(struct eiot_coap_peer *cp, struct eiot_coap_msg *req, uint64_t now_ms)
{
	if (!cp || !req || (req->type != EIOT_COAP_CON && req->type != EIOT_COAP_NON) ||
	    EIOT_COAP_CODE_CLASS(req->code) != 0 || req->code == EIOT_COAP_EMPTY)
		return EIOT_ERR_BAD_PARAM;
	if (req_find(cp, req->token, req->token_len, now_ms))
		return EIOT_ERR_BAD_PARAM; /* §5.3.1: tokens of requests in progress differ */
	if (req->type == EIOT_COAP_CON && pending_requests(cp) >= cp->p.nstart)
		return EIOT_ERR_WANT_MORE; /* §4.7 NSTART */
	struct request *q = NULL;
	for (size_t i = 0; i < MAX_REQUESTS && !q; i++)
		if (!cp->reqs[i].used || cp->reqs[i].until <= now_ms)
			q = &cp->reqs[i];
	if (!q)
		return EIOT_ERR_WANT_MORE;
	req->mid = cp->next_mid;
	size_t len;
	int err = send_msg(cp, req, &len);
	if (!err && req->type == EIOT_COAP_CON)
		err = pend_add(cp, req->mid, len, true, now_ms);
	if (err)
		return err;
	cp->next_mid++;
	uint32_t obs = 1;
	const struct eiot_coap_option *o = eiot_coap_next_option(req, EIOT_COAP_OPT_OBSERVE, NULL);
	*q = (struct request){ .used = true, .mid = req->mid, .token_len = req->token_len,
			       .until = now_ms + cp->exchange_lifetime,
			       .observe = o && !eiot_coap_option_uint(o, &obs) && obs == 0 };
	memcpy(q->token, req->token, req->token_len);
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coap_peer_ack(struct eiot_coap_peer *cp, const struct eiot_coap_msg *req, uint64_t now_ms)
{
	if (!cp || !req || req->type != EIOT_COAP_CON)
		return EIOT_ERR_BAD_PARAM;
	struct seen *s = seen_find(cp, req->mid, now_ms);
	if (!s || s->len)
		return EIOT_ERR_WRONG_STATE; /* forgotten, or answered already */
	size_t len;
	int err = send_empty(cp, EIOT_COAP_ACK, req->mid, &len);
	if (!err)
		seen_answer(cp, req->mid, cp->last, len, now_ms);
	return err;
}

/* see eap_iot/coap.h */
int eiot_coap_peer_send(struct eiot_coap_peer *cp, struct eiot_coap_msg *m, uint64_t now_ms)
{
	if (!cp || !m || (m->type != EIOT_COAP_CON && m->type != EIOT_COAP_NON) ||
	    EIOT_COAP_CODE_CLASS(m->code) < 2)
		return EIOT_ERR_BAD_PARAM;
	bool slot = false;
	for (size_t i = 0; i < cp->n_pend; i++)
		slot |= !cp->pend[i].used;
	if (m->type == EIOT_COAP_CON && !slot)
		return EIOT_ERR_WANT_MORE;
	m->mid = cp->next_mid;
	size_t len;
	int err = send_msg(cp, m, &len);
	if (!err && m->type == EIOT_COAP_CON)
		err = pend_add(cp, m->mid, len, false, now_ms);
	if (!err)
		cp->next_mid++;
	return err;
}

/* see eap_iot/coap.h */
int eiot_coap_peer_respond(struct eiot_coap_peer *cp, const struct eiot_coap_msg *req,
			   struct eiot_coap_msg *resp, uint64_t now_ms)
{
	if (!cp || !req || !resp || EIOT_COAP_CODE_CLASS(resp->code) < 2 ||
	    resp->token_len != req->token_len || memcmp(resp->token, req->token, req->token_len))
		return EIOT_ERR_BAD_PARAM;
	struct seen *s = seen_find(cp, req->mid, now_ms);
	if (req->type != EIOT_COAP_CON || !s || s->len) {
		/* a separate response to a CON goes as CON; a NON request gets a NON (§5.2.3) */
		resp->type = req->type == EIOT_COAP_CON ? EIOT_COAP_CON : EIOT_COAP_NON;
		return eiot_coap_peer_send(cp, resp, now_ms);
	}
	size_t len;
	resp->type = EIOT_COAP_ACK; /* piggybacked */
	resp->mid = req->mid;
	int err = send_msg(cp, resp, &len);
	if (!err)
		seen_answer(cp, req->mid, cp->last, len, now_ms);
	return err;
}

/* An ACK or RST for one of ours: retransmission ends; an RST ends the exchange. */
static void on_ack_or_rst(struct eiot_coap_peer *cp, const struct eiot_coap_msg *m, uint64_t now,
			  struct eiot_coap_event *ev)
{
	struct pending *pd = pend_find(cp, m->mid);
	if (pd)
		pend_clear(pd);
	if (m->type == EIOT_COAP_RST) {
		for (size_t i = 0; i < MAX_REQUESTS; i++) {
			struct request *q = &cp->reqs[i];
			if (q->used && q->mid == m->mid) {
				failed(ev, EIOT_COAP_CON, m->mid, q, EIOT_ERR_COAP_RESET);
				q->used = false;
				return;
			}
		}
		/* a separate response or a notification (CON, or NON: untracked) was rejected */
		failed(ev, pd ? EIOT_COAP_CON : EIOT_COAP_NON, m->mid, NULL, EIOT_ERR_COAP_RESET);
		return;
	}
	if (m->code != EIOT_COAP_EMPTY) { /* a piggybacked response (§5.2.1) */
		struct request *q = req_find(cp, m->token, m->token_len, now);
		if (q && q->mid == m->mid && response_for(q, m, now))
			ev->kind = EIOT_COAP_EV_RESPONSE;
	}
}

/* see eap_iot/coap.h */
int eiot_coap_peer_receive(struct eiot_coap_peer *cp, const uint8_t *dgram, size_t len,
			   uint64_t now_ms, struct eiot_coap_event *ev)
{
	if (!cp || !ev)
		return EIOT_ERR_BAD_PARAM;
	memset(ev, 0, sizeof(*ev));
	struct eiot_coap_msg *m = &ev->msg;
	size_t n;
	int err = eiot_coap_decode(m, dgram, len);
	if (err) {
		/* §4.2: a CON that cannot be processed is rejected; anything else is ignored */
		if (len >= EIOT_COAP_HEADER && m->type == EIOT_COAP_CON && (dgram[0] >> 6) == 1)
			send_empty(cp, EIOT_COAP_RST, m->mid, &n);
		return err;
	}
	if (m->type == EIOT_COAP_ACK || m->type == EIOT_COAP_RST) {
		on_ack_or_rst(cp, m, now_ms, ev);
		return EIOT_OK;
	}
	struct seen *s = seen_find(cp, m->mid, now_ms);
	if (s) { /* §4.5: a duplicate gets what the first copy got, never a second event */
		if (s->con && s->len)
			queue(cp, s->answer, s->len);
		return EIOT_OK;
	}
	bool con = m->type == EIOT_COAP_CON;
	if (m->code == EIOT_COAP_EMPTY) { /* §4.3: a CoAP ping gets RST */
		if (con && !send_empty(cp, EIOT_COAP_RST, m->mid, &n))
			seen_answer(cp, m->mid, cp->last, n, now_ms);
		return EIOT_OK;
	}
	seen_add(cp, m->mid, con, now_ms);
	if (EIOT_COAP_CODE_CLASS(m->code) == 0) {
		uint16_t bad;
		if (eiot_coap_check_options(m, &bad) == EIOT_ERR_COAP_BAD_OPTION) {
			/* §5.4.1: unrecognized critical option in a request -> 4.02 */
			struct eiot_coap_msg r;
			eiot_coap_msg_init(&r, EIOT_COAP_ACK, EIOT_COAP_BAD_OPTION, 0);
			eiot_coap_set_token(&r, m->token, m->token_len);
			return eiot_coap_peer_respond(cp, m, &r, now_ms);
		}
		ev->kind = EIOT_COAP_EV_REQUEST;
		return EIOT_OK;
	}
	/* a separate response (or a notification): ours by token? */
	struct request *q = req_find(cp, m->token, m->token_len, now_ms);
	if (!q) {
		if (con && !send_empty(cp, EIOT_COAP_RST, m->mid, &n)) /* §5.3.2 */
			seen_answer(cp, m->mid, cp->last, n, now_ms);
		return EIOT_OK;
	}
	if (con && !send_empty(cp, EIOT_COAP_ACK, m->mid, &n))
		seen_answer(cp, m->mid, cp->last, n, now_ms);
	if (response_for(q, m, now_ms))
		ev->kind = EIOT_COAP_EV_RESPONSE;
	return EIOT_OK;
}

/* see eap_iot/coap.h */
int eiot_coap_peer_cancel(struct eiot_coap_peer *cp, const uint8_t *token, size_t token_len)
{
	if (!cp || token_len > EIOT_COAP_MAX_TOKEN)
		return EIOT_ERR_BAD_PARAM;
	for (size_t i = 0; i < MAX_REQUESTS; i++) {
		struct request *q = &cp->reqs[i];
		if (q->used && q->token_len == token_len && !memcmp(q->token, token, token_len)) {
			q->used = false;
			return EIOT_OK;
		}
	}
	return EIOT_ERR_WANT_MORE;
}

/* see eap_iot/coap.h */
uint16_t eiot_coap_peer_next_mid(const struct eiot_coap_peer *cp)
{
	return cp ? cp->next_mid : 0;
}

/* see eap_iot/coap.h */
void eiot_coap_peer_set_next_mid(struct eiot_coap_peer *cp, uint16_t mid)
{
	if (cp)
		cp->next_mid = mid;
}

/* see eap_iot/coap.h */
size_t eiot_coap_peer_footprint(const struct eiot_coap_peer *cp)
{
	if (!cp)
		return 0;
	size_t n = sizeof(*cp) + cp->n_pend * sizeof(*cp->pend) + cp->p.dedup_entries * sizeof(*cp->seen) +
		   cp->out_cap;
	for (size_t i = 0; i < cp->n_pend; i++)
		n += cp->pend[i].used ? cp->pend[i].len : 0;
	for (size_t i = 0; i < cp->p.dedup_entries; i++)
		n += cp->seen[i].used ? cp->seen[i].len : 0;
	return n;
}

/* see eap_iot/coap.h */
uint64_t eiot_coap_peer_next_timer(const struct eiot_coap_peer *cp)
{
	uint64_t t = UINT64_MAX;
	for (size_t i = 0; cp && i < cp->n_pend; i++)
		if (cp->pend[i].used && cp->pend[i].due < t)
			t = cp->pend[i].due;
	return t;
}

/* see eap_iot/coap.h */
int eiot_coap_peer_tick(struct eiot_coap_peer *cp, uint64_t now_ms, struct eiot_coap_event *ev)
{
	if (!cp || !ev)
		return EIOT_ERR_BAD_PARAM;
	memset(ev, 0, sizeof(*ev));
	for (size_t i = 0; i < cp->n_pend; i++) {
		struct pending *pd = &cp->pend[i];
		if (!pd->used || pd->due > now_ms)
			continue;
		if (pd->retransmits == cp->p.max_retransmit) { /* §4.2: the attempt is cancelled */
			pend_clear(pd);
			struct request *q = NULL;
			for (size_t j = 0; j < MAX_REQUESTS && !q; j++)
				if (cp->reqs[j].used && cp->reqs[j].mid == pd->mid)
					q = &cp->reqs[j];
			failed(ev, EIOT_COAP_CON, pd->mid, q, EIOT_ERR_TIMEOUT);
			if (q)
				q->used = false;
			return EIOT_OK;
		}
		int err = queue(cp, pd->bytes, pd->len);
		if (err)
			return err;
		pd->retransmits++;
		pd->timeout_ms *= 2;
		pd->due = now_ms + pd->timeout_ms;
	}
	return EIOT_OK;
}
