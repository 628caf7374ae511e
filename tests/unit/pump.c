/*
 * tests/unit/pump.c — the in-memory client <-> server harness (see pump.h).
 *
 * One step moves everything each side has queued: the sender is drained completely (one
 * flight), the units pass the hook, and are fed to the receiver in order (or reversed).
 * TLS output is a byte stream; it is cut into whole records so hooks see records. For DTLS
 * the server conn does not exist until eiot_dtls_accept() says so; its HelloVerifyRequests
 * wait in pend[] and go out with the next S2C step, through the hook like any datagram.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pump.h"

#define ALERT_RECORD 21
#define CCS_RECORD 20

/* splitmix64: a deterministic stream, one per side. */
static int pump_random(void *user, uint8_t *out, size_t n)
{
	uint64_t *s = user;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		z ^= z >> 31;
		for (size_t j = 0; j < 8 && i + j < n; j++)
			out[i + j] = (uint8_t)(z >> (8 * j));
	}
	return 0;
}

static void note_state(struct pump *p, enum pump_side side)
{
	if (p->conn[side] && p->fail_time[side] == UINT64_MAX &&
	    eiot_conn_state(p->conn[side]) == EIOT_STATE_FAILED)
		p->fail_time[side] = p->now;
}

struct pump *pump_new(struct eiot_config *ccfg, struct eiot_config *scfg, uint64_t seed)
{
	return pump_new_resume(ccfg, scfg, seed, 0, NULL);
}

struct pump *pump_new_resume(struct eiot_config *ccfg, struct eiot_config *scfg, uint64_t seed,
			     uint64_t start_ms, const struct eiot_session *session)
{
	struct pump *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->now = p->start = start_ms;
	p->cfg[PUMP_CLIENT] = ccfg;
	p->cfg[PUMP_SERVER] = scfg;
	p->dtls = eiot_config_transport(ccfg) == EIOT_DTLS;
	p->rng[0] = seed * 2 + 1;
	p->rng[1] = seed * 2 + 2;
	eiot_config_set_random(ccfg, pump_random, &p->rng[0]);
	eiot_config_set_random(scfg, pump_random, &p->rng[1]);
	memcpy(p->addr, "\x0a\x00\x00\x01\x16\x34", 6);
	p->wire_alert[0] = p->wire_alert[1] = EIOT_ALERT_NONE;
	p->fail_time[0] = p->fail_time[1] = UINT64_MAX;
	if (p->dtls) {
		p->cookie = eiot_cookie_secret_new(scfg, start_ms);
		if (!p->cookie)
			goto fail;
	} else {
		p->conn[PUMP_SERVER] = eiot_conn_new(scfg, start_ms);
		if (!p->conn[PUMP_SERVER])
			goto fail;
	}
	p->conn[PUMP_CLIENT] = session ? eiot_conn_new_resume(ccfg, session, start_ms)
				       : eiot_conn_new(ccfg, start_ms);
	if (!p->conn[PUMP_CLIENT])
		goto fail;
	return p;
fail:
	pump_free(p);
	return NULL;
}

void pump_free(struct pump *p)
{
	if (!p)
		return;
	eiot_conn_free(p->conn[0]);
	eiot_conn_free(p->conn[1]);
	eiot_cookie_secret_free(p->cookie);
	free(p);
}

/* Cut the TLS stream of dir into whole records appended to the batch. */
static size_t cut_records(struct pump *p, enum pump_dir dir, struct pump_stored *u, size_t n,
			  size_t *used)
{
	size_t off = 0;
	uint8_t *s = p->stream[dir];

	while (n < PUMP_BATCH_MAX && p->stream_len[dir] - off >= 5) {
		size_t rl = 5 + (((size_t)s[off + 3] << 8) | s[off + 4]);

		if (p->stream_len[dir] - off < rl || *used + rl > sizeof(p->batch))
			break;
		memcpy(p->batch + *used, s + off, rl);
		u[n].off = *used;
		u[n].len = rl;
		u[n].dir = dir;
		*used += rl;
		off += rl;
		n++;
	}
	memmove(s, s + off, p->stream_len[dir] - off);
	p->stream_len[dir] -= off;
	return n;
}

/* Drain everything the sender of dir has queued into the batch. */
static size_t collect(struct pump *p, enum pump_dir dir, struct pump_stored *u, size_t *used)
{
	struct eiot_conn *from = p->conn[dir == PUMP_C2S ? PUMP_CLIENT : PUMP_SERVER];
	size_t n = 0, len;

	if (dir == PUMP_S2C) {
		for (size_t i = 0; i < p->n_pend && n < PUMP_BATCH_MAX; i++) {
			memcpy(p->batch + *used, p->pend + p->pend_unit[i].off, p->pend_unit[i].len);
			u[n].off = *used;
			u[n].len = p->pend_unit[i].len;
			u[n].dir = dir;
			*used += u[n].len;
			n++;
		}
		p->n_pend = 0;
		p->pend_len = 0;
	}
	if (!from)
		return n;
	for (int guard = 0; guard < PUMP_BATCH_MAX && n < PUMP_BATCH_MAX; guard++) {
		if (p->dtls) {
			len = 0;
			if (*used + PUMP_UNIT_MAX > sizeof(p->batch))
				break;
			eiot_conn_output(from, p->batch + *used, PUMP_UNIT_MAX, &len);
			if (len == 0)
				break;
			u[n].off = *used;
			u[n].len = len;
			u[n].dir = dir;
			*used += len;
			n++;
		} else {
			size_t room = sizeof(p->stream[dir]) - p->stream_len[dir];

			len = 0;
			if (room)
				eiot_conn_output(from, p->stream[dir] + p->stream_len[dir], room, &len);
			p->stream_len[dir] += len;
			n = cut_records(p, dir, u, n, used);
			if (len == 0)
				break;
		}
	}
	return n;
}

static void log_unit(struct pump *p, const struct pump_unit *u, enum pump_action act)
{
	if (p->n_log < PUMP_LOG_MAX) {
		struct pump_log_entry *e = &p->log[p->n_log++];

		e->dir = u->dir;
		e->t = u->now;
		e->len = u->len;
		e->type = u->type;
		e->act = act;
	}
	if (u->len > p->max_len[u->dir])
		p->max_len[u->dir] = u->len;
	p->count[u->dir]++;
}

/* Watch plaintext alerts and CCS on the wire. */
static void observe(struct pump *p, struct pump_unit *u)
{
	size_t hl = p->dtls ? 13 : 5, off = 0;

	while (u->len - off >= hl) {
		size_t bl = ((size_t)u->buf[off + hl - 2] << 8) | u->buf[off + hl - 1];
		uint8_t type = u->buf[off];
		bool plain = p->dtls ? (u->buf[off + 3] == 0 && u->buf[off + 4] == 0)
				     : !p->ccs_seen[u->dir];

		if (u->len - off - hl < bl)
			break;
		if (type == ALERT_RECORD && plain && bl == 2)
			p->wire_alert[u->dir] = u->buf[off + hl + 1];
		if (type == CCS_RECORD && !p->dtls)
			p->ccs_seen[u->dir] = true;
		off += hl + bl;
		if (!p->dtls)
			break;
	}
}

static void deliver(struct pump *p, enum pump_dir dir, const uint8_t *buf, size_t len)
{
	enum pump_side to = dir == PUMP_C2S ? PUMP_SERVER : PUMP_CLIENT;

	if (to == PUMP_SERVER && p->dtls && !p->conn[PUMP_SERVER]) {
		size_t rl = 0;
		int rc;

		if (p->n_pend >= PUMP_BATCH_MAX || p->pend_len + 512 > sizeof(p->pend))
			return;
		rc = EIOT_OK;
		if (!p->direct)
			rc = eiot_dtls_accept(p->cookie, p->cfg[PUMP_SERVER], p->addr,
					      sizeof(p->addr), buf, len, p->now,
					      p->pend + p->pend_len, 512, &rl);
		if (rc == EIOT_ERR_COOKIE_SENT && rl) {
			p->pend_unit[p->n_pend].off = p->pend_len;
			p->pend_unit[p->n_pend].len = rl;
			p->pend_len += rl;
			p->n_pend++;
			p->hvr++;
			return;
		}
		if (rc != EIOT_OK) {
			p->rejected++;
			return;
		}
		p->conn[PUMP_SERVER] = eiot_conn_new(p->cfg[PUMP_SERVER], p->now);
		if (!p->conn[PUMP_SERVER])
			return;
	}
	if (p->conn[to]) {
		eiot_conn_feed(p->conn[to], buf, len, p->now);
		note_state(p, to);
	}
}

/* One step in one direction; true when anything moved. */
static bool transfer(struct pump *p, enum pump_dir dir)
{
	struct pump_stored u[PUMP_BATCH_MAX], out[PUMP_BATCH_MAX * 2];
	size_t used = 0, n, n_out = 0;

	n = collect(p, dir, u, &used);
	for (size_t i = 0; i < n; i++) {
		struct pump_unit pu = { dir, p->count[dir], p->seq++, false, 0, p->now,
					p->batch + u[i].off, u[i].len, u[i].len };
		enum pump_action act = PUMP_PASS;

		pu.type = pu.len ? pu.buf[0] : 0;
		pu.plain = p->dtls ? (pu.len >= 5 && pu.buf[3] == 0 && pu.buf[4] == 0)
				   : !p->ccs_seen[dir];
		if (p->hook)
			act = p->hook(p->hook_user, &pu);
		log_unit(p, &pu, act);
		if (act == PUMP_DROP)
			continue;
		u[i].len = pu.len;
		observe(p, &pu);
		out[n_out++] = u[i];
		if (act == PUMP_DUP)
			out[n_out++] = u[i];
	}
	for (size_t i = 0; i < n_out; i++) {
		const struct pump_stored *s = &out[p->reverse ? n_out - 1 - i : i];

		deliver(p, dir, p->batch + s->off, s->len);
	}
	return n > 0;
}

static bool handshaking(const struct pump *p, enum pump_side side)
{
	return p->conn[side] && eiot_conn_state(p->conn[side]) == EIOT_STATE_HANDSHAKE;
}

int pump_run(struct pump *p)
{
	for (int step = 0; step < PUMP_MAX_STEPS; step++) {
		bool moved = transfer(p, PUMP_C2S);
		uint64_t next = UINT64_MAX;

		moved |= transfer(p, PUMP_S2C);
		if (moved)
			continue;
		if (!handshaking(p, PUMP_CLIENT) && !handshaking(p, PUMP_SERVER))
			return 0;
		for (int s = 0; s < 2; s++) {
			uint64_t t;

			if (!p->conn[s] || eiot_conn_state(p->conn[s]) == EIOT_STATE_FAILED)
				continue;
			t = eiot_conn_next_timer(p->conn[s]);
			if (t < next)
				next = t;
		}
		if (next == UINT64_MAX)
			return 0;
		if (next - p->start > PUMP_TIME_LIMIT_MS)
			return -1;
		if (next > p->now)
			p->now = next;
		for (int s = 0; s < 2; s++) {
			if (p->conn[s] && eiot_conn_next_timer(p->conn[s]) <= p->now) {
				eiot_conn_tick(p->conn[s], p->now);
				note_state(p, (enum pump_side)s);
			}
		}
	}
	return -1;
}

void pump_result(const struct pump *p, struct pump_result *r)
{
	for (int s = 0; s < 2; s++) {
		r->state[s] = -1;
		r->err[s] = EIOT_OK;
		r->alert_sent[s] = r->alert_recv[s] = EIOT_ALERT_NONE;
		if (!p->conn[s])
			continue;
		r->state[s] = (int)eiot_conn_state(p->conn[s]);
		r->err[s] = eiot_conn_error(p->conn[s]);
		eiot_conn_last_alert(p->conn[s], &r->alert_sent[s], &r->alert_recv[s]);
	}
}

bool pump_established(const struct pump *p)
{
	return p->conn[0] && p->conn[1] &&
	       eiot_conn_state(p->conn[0]) == EIOT_STATE_ESTABLISHED &&
	       eiot_conn_state(p->conn[1]) == EIOT_STATE_ESTABLISHED;
}

int pump_write(struct pump *p, enum pump_side side, const void *data, size_t len)
{
	const uint8_t *d = data;
	size_t done = 0;

	if (!p->conn[side])
		return EIOT_ERR_WRONG_STATE;
	for (int guard = 0; done < len && guard < 1024; guard++) {
		size_t w = 0;
		int rc = eiot_conn_write(p->conn[side], d + done, len - done, &w);

		if (rc != EIOT_OK)
			return rc;
		done += w;
		if (w == 0)
			transfer(p, side == PUMP_CLIENT ? PUMP_C2S : PUMP_S2C);
	}
	return pump_run(p) == 0 ? EIOT_OK : EIOT_ERR_INTERNAL;
}

int pump_move_all(struct eiot_conn *from, struct eiot_conn *to, uint64_t now)
{
	static uint8_t d[PUMP_UNIT_MAX];
	size_t len;
	int err;
	while (eiot_conn_output(from, d, sizeof(d), &len) == EIOT_OK && len)
		if ((err = eiot_conn_feed(to, d, len, now)))
			return err;
	return EIOT_OK;
}

int pump_read(struct pump *p, enum pump_side side, uint8_t *buf, size_t cap, size_t *len)
{
	*len = 0;
	if (!p->conn[side])
		return EIOT_ERR_WRONG_STATE;
	return eiot_conn_read(p->conn[side], buf, cap, len);
}

unsigned pump_log_count(const struct pump *p, enum pump_dir dir)
{
	return p->count[dir];
}

bool pump_find_hs(const struct pump_unit *u, bool dtls, uint8_t hs_type, size_t *hdr,
		  size_t *body)
{
	const uint8_t *unit = u->buf;
	size_t rh = dtls ? 13 : 5, hh = dtls ? 12 : 4, off = 0, len = u->len;

	if (!dtls && !u->plain)
		return false;

	while (len - off >= rh) {
		size_t bl = ((size_t)unit[off + rh - 2] << 8) | unit[off + rh - 1];
		bool plain = !dtls || (unit[off + 3] == 0 && unit[off + 4] == 0);

		if (len - off - rh < bl)
			return false;
		if (unit[off] == 22 && plain) {
			size_t m = off + rh, end = off + rh + bl;

			while (end - m >= hh) {
				size_t ml = dtls ? (((size_t)unit[m + 9] << 16) |
						    ((size_t)unit[m + 10] << 8) | unit[m + 11])
						 : (((size_t)unit[m + 1] << 16) |
						    ((size_t)unit[m + 2] << 8) | unit[m + 3]);

				if (unit[m] == hs_type) {
					*hdr = m;
					*body = m + hh;
					return true;
				}
				if (end - m - hh < ml)
					break;
				m += hh + ml;
			}
		}
		off += rh + bl;
	}
	return false;
}

/* ---- credentials ---- */

const char *pump_pki(const char *file)
{
	static char path[4][512];
	static unsigned k;
	const char *dir = getenv("EIOT_PKI_DIR");
	char *out = path[k++ % 4];

	if (!dir || !*dir)
		dir = "build/pki";
	snprintf(out, sizeof(path[0]), "%s/%s", dir, file);
	return out;
}

struct eiot_config *pump_cfg_psk(enum eiot_role role, enum eiot_transport tr, const uint8_t *id,
				 size_t id_len, const uint8_t *key, size_t key_len,
				 const char *hint)
{
	struct eiot_config *cfg = eiot_config_new(role, tr);
	int rc;

	if (!cfg)
		return NULL;
	if (role == EIOT_CLIENT) {
		rc = eiot_config_set_psk(cfg, id, id_len, key, key_len);
	} else {
		rc = eiot_config_add_psk(cfg, id, id_len, key, key_len);
		if (!rc && hint)
			rc = eiot_config_set_psk_hint(cfg, (const uint8_t *)hint, strlen(hint));
	}
	if (!rc)
		pump_cfg_suite(cfg, EIOT_PSK_WITH_AES_128_CCM_8);
	if (rc) {
		eiot_config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct eiot_config *pump_cfg_cert_server(enum eiot_transport tr, const char *name, bool mutual)
{
	struct eiot_config *cfg = eiot_config_new(EIOT_SERVER, tr);
	char chain[64], key[64];
	int rc;

	if (!cfg)
		return NULL;
	snprintf(chain, sizeof(chain), "%s.pem", name);
	snprintf(key, sizeof(key), "%s.key.pem", name);
	rc = eiot_config_set_own_cert_file(cfg, pump_pki(chain), pump_pki(key), NULL);
	if (!rc && mutual) {
		rc = eiot_config_add_trust_file(cfg, pump_pki("ca.pem"));
		if (!rc)
			rc = eiot_config_set_verify_client(cfg, EIOT_VERIFY_REQUIRED);
	}
	if (rc) {
		eiot_config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct eiot_config *pump_cfg_cert_client(enum eiot_transport tr, bool mutual)
{
	struct eiot_config *cfg = eiot_config_new(EIOT_CLIENT, tr);
	int rc;

	if (!cfg)
		return NULL;
	rc = eiot_config_add_trust_file(cfg, pump_pki("ca.pem"));
	if (!rc)
		rc = eiot_config_set_server_name(cfg, "aaa.example.com");
	if (!rc && mutual)
		rc = eiot_config_set_own_cert_file(cfg, pump_pki("device.pem"),
						   pump_pki("device.key.pem"), NULL);
	if (rc) {
		eiot_config_free(cfg);
		return NULL;
	}
	return cfg;
}

void pump_cfg_suite(struct eiot_config *cfg, uint16_t suite)
{
	eiot_config_set_suites(cfg, &suite, 1);
}

bool pump_alert_reserved(int alert)
{
	return alert == 21 || alert == 41 || alert == 60;
}

bool pump_alert_cert(int alert)
{
	return (alert >= 42 && alert <= 46) || alert == 48 || alert == 49;
}
