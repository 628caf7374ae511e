/*
 * tests/unit/pump_script.c — a scripted TLS 1.2 PSK peer (see pump.h) built from the
 * engine's own message writers, key schedule and record layer. It runs exactly one suite
 * (TLS_PSK_WITH_AES_128_CCM_8, RFC 7925 §4.2) with extended master secret, in either role,
 * and can say what an honest peer never would: a wrong Finished, a HelloRequest or a second
 * ClientHello on an established connection.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "pump.h"
#include "tls/keys.h"
#include "tls/msgs.h"
#include "tls/record.h"
#include "util/rw.h"

#define SP_BUF 40000
#define SP_MAX_PLAIN 16384

enum sp_state { SP_START, SP_WAIT_HELLO, SP_WAIT_CKE, SP_WAIT_CCS, SP_WAIT_FIN, SP_DONE, SP_ERR };

struct script_peer {
	bool is_client;
	uint8_t id[EIOT_MAX_PSK_IDENTITY], psk[EIOT_MAX_PSK];
	size_t id_len, psk_len;
	struct rec_dir in, out;
	struct rec_keys in_keys, out_keys;
	struct eiot_sha256 th;
	uint8_t cr[32], sr[32], ms[48];
	struct tls_key_block kb;
	uint8_t rx[SP_BUF], hs[SP_BUF];
	size_t rx_len, hs_len;
	enum sp_state st;
	bool bad_finished;
	int alert_level, alert_desc;
	size_t app_len;
	uint64_t now;
};

struct script_peer *script_new(bool is_client, const uint8_t *id, size_t id_len, const uint8_t *psk,
			       size_t psk_len)
{
	struct script_peer *sp = calloc(1, sizeof(*sp));

	if (!sp || id_len > sizeof(sp->id) || psk_len > sizeof(sp->psk)) {
		free(sp);
		return NULL;
	}
	sp->is_client = is_client;
	memcpy(sp->id, id, id_len);
	sp->id_len = id_len;
	memcpy(sp->psk, psk, psk_len);
	sp->psk_len = psk_len;
	rec_dir_init(&sp->in, false, &sp->in_keys);
	rec_dir_init(&sp->out, false, &sp->out_keys);
	eiot_sha256_init(&sp->th);
	memset(sp->cr, 0xC1, sizeof(sp->cr));
	memset(sp->sr, 0x5E, sizeof(sp->sr));
	sp->alert_level = sp->alert_desc = -1;
	return sp;
}

void script_free(struct script_peer *sp)
{
	if (!sp)
		return;
	rec_dir_free(&sp->in);
	rec_dir_free(&sp->out);
	eiot_sha256_free(&sp->th);
	free(sp);
}

static int sp_record(struct script_peer *sp, struct eiot_conn *conn, uint8_t type,
		     const uint8_t *pt, size_t n)
{
	uint8_t rec[SP_MAX_PLAIN + 64];
	size_t len = 0;

	if (rec_seal(&sp->out, type, TLS_VERSION_1_2, pt, n, rec, sizeof(rec), &len))
		return -1;
	eiot_conn_feed(conn, rec, len, sp->now);
	return 0;
}

static int sp_hs(struct script_peer *sp, struct eiot_conn *conn, uint8_t type, const uint8_t *body,
		 size_t n, bool transcript)
{
	uint8_t msg[SP_MAX_PLAIN];
	struct wr w = wr_init(msg, sizeof(msg));
	struct hs_header h = { type, (uint32_t)n, 0, 0, (uint32_t)n };

	hs_write_header(&w, false, &h);
	wr_bytes(&w, body, n);
	if (w.err)
		return -1;
	if (transcript)
		eiot_sha256_update(&sp->th, msg, w.len);
	return sp_record(sp, conn, 22, msg, w.len);
}

size_t script_client_hello(struct script_peer *sp, uint8_t *out, size_t cap)
{
	static const uint16_t suites[] = { EIOT_PSK_WITH_AES_128_CCM_8 };
	struct hs_client_hello_params cp = { .random = sp->cr, .suites = suites, .n_suites = 1 };
	struct wr w = wr_init(out, cap);

	hs_write_client_hello(&w, false, &cp);
	return w.err ? 0 : w.len;
}

static void sp_derive(struct script_peer *sp)
{
	uint8_t pms[4 + 2 * EIOT_MAX_PSK], hash[32];
	size_t pms_len = tls_psk_premaster(sp->psk, sp->psk_len, pms);

	eiot_sha256_peek(&sp->th, hash);
	tls_extended_master_secret(pms, pms_len, hash, sp->ms);
	tls_key_block(sp->ms, sp->cr, sp->sr, &sp->kb);
}

static int sp_send_finished(struct script_peer *sp, struct eiot_conn *conn)
{
	static const uint8_t ccs = 1;
	uint8_t hash[32], vd[12];
	const uint8_t *key = sp->is_client ? sp->kb.client_key : sp->kb.server_key;
	const uint8_t *iv = sp->is_client ? sp->kb.client_iv : sp->kb.server_iv;

	if (sp_record(sp, conn, 20, &ccs, 1) ||
	    rec_dir_set_keys(&sp->out, EIOT_AEAD_AES128_CCM_8, key, iv))
		return -1;
	eiot_sha256_peek(&sp->th, hash);
	tls_finished(sp->ms, sp->is_client, hash, vd);
	if (sp->bad_finished)
		vd[0] ^= 0x80;
	return sp_hs(sp, conn, HT_FINISHED, vd, sizeof(vd), true);
}

/* The engine is the client: answer its ClientHello with ServerHello, ServerHelloDone. */
static int sp_on_client_hello(struct script_peer *sp, struct eiot_conn *conn, const uint8_t *body,
			      size_t n)
{
	struct hs_client_hello ch;
	struct hs_server_hello_params sh = { .random = sp->sr, .suite = EIOT_PSK_WITH_AES_128_CCM_8,
					     .ems = true, .reneg_info = true };
	uint8_t out[512];
	struct wr w = wr_init(out, sizeof(out));

	if (hs_parse_client_hello(false, body, n, &ch))
		return -1;
	memcpy(sp->cr, ch.random, 32);
	hs_write_server_hello(&w, false, &sh);
	if (w.err || sp_hs(sp, conn, HT_SERVER_HELLO, out, w.len, true))
		return -1;
	if (sp_hs(sp, conn, HT_SERVER_HELLO_DONE, NULL, 0, true))
		return -1;
	sp->st = SP_WAIT_CKE;
	return 0;
}

static int sp_client_flight(struct script_peer *sp, struct eiot_conn *conn)
{
	uint8_t out[EIOT_MAX_PSK_IDENTITY + 8];
	struct wr w = wr_init(out, sizeof(out));

	hs_write_cke_psk(&w, sp->id, sp->id_len);
	if (w.err || sp_hs(sp, conn, HT_CLIENT_KEY_EXCHANGE, out, w.len, true))
		return -1;
	sp_derive(sp);
	if (sp_send_finished(sp, conn))
		return -1;
	sp->st = SP_WAIT_CCS;
	return 0;
}

/* One handshake message (hdr + body) for the current state. */
static int sp_on_message(struct script_peer *sp, struct eiot_conn *conn, const uint8_t *msg,
			 size_t hl, size_t n)
{
	const uint8_t *body = msg + hl, *vd;
	uint8_t hash[32], want[12];
	struct hs_server_hello sh;

	switch (sp->st) {
	case SP_WAIT_HELLO:
		if (!sp->is_client) {
			eiot_sha256_update(&sp->th, msg, hl + n);
			return msg[0] == HT_CLIENT_HELLO ? sp_on_client_hello(sp, conn, body, n) : -1;
		}
		eiot_sha256_update(&sp->th, msg, hl + n);
		if (msg[0] == HT_SERVER_HELLO) {
			if (hs_parse_server_hello(body, n, &sh) || !sh.ext.has_ems)
				return -1;
			memcpy(sp->sr, sh.random, 32);
			return 0;
		}
		if (msg[0] == HT_SERVER_KEY_EXCHANGE)
			return 0;
		return msg[0] == HT_SERVER_HELLO_DONE ? sp_client_flight(sp, conn) : -1;
	case SP_WAIT_CKE: {
		const uint8_t *id;
		size_t id_len;

		if (msg[0] != HT_CLIENT_KEY_EXCHANGE || hs_parse_cke_psk(body, n, &id, &id_len))
			return -1;
		eiot_sha256_update(&sp->th, msg, hl + n);
		sp_derive(sp);
		sp->st = SP_WAIT_CCS;
		return 0;
	}
	case SP_WAIT_FIN:
		if (msg[0] != HT_FINISHED || hs_parse_finished(body, n, &vd))
			return -1;
		eiot_sha256_peek(&sp->th, hash);
		tls_finished(sp->ms, !sp->is_client, hash, want);
		if (memcmp(want, vd, 12) != 0)
			return -1;
		eiot_sha256_update(&sp->th, msg, hl + n);
		if (!sp->is_client && sp_send_finished(sp, conn))
			return -1;
		sp->st = SP_DONE;
		return 0;
	default:
		return -1;
	}
}

/* Act on every complete handshake message received so far, in order. */
static int sp_process_hs(struct script_peer *sp, struct eiot_conn *conn)
{
	for (;;) {
		struct hs_header hh;
		size_t hl;

		if (hs_parse_header(false, sp->hs, sp->hs_len, &hh, &hl) ||
		    sp->hs_len - hl < hh.length)
			return 0;
		if (sp_on_message(sp, conn, sp->hs, hl, hh.length))
			return -1;
		memmove(sp->hs, sp->hs + hl + hh.length, sp->hs_len - hl - hh.length);
		sp->hs_len -= hl + hh.length;
	}
}

/* Drain conn, open its records one by one and act on each before the next (a CCS only
 * makes sense after the messages before it). */
static int sp_pull(struct script_peer *sp, struct eiot_conn *conn)
{
	size_t len, off = 0;

	for (int guard = 0; guard < 64; guard++) {
		len = 0;
		eiot_conn_output(conn, sp->rx + sp->rx_len, sizeof(sp->rx) - sp->rx_len, &len);
		if (!len)
			break;
		sp->rx_len += len;
	}
	while (off < sp->rx_len) {
		struct rec_header h;
		const uint8_t *pt;
		size_t used, pt_len;

		if (rec_parse_header(false, sp->rx + off, sp->rx_len - off, SP_MAX_PLAIN + 256, &h,
				     &used))
			break;
		off += used;
		if (rec_open(&sp->in, &h, (uint8_t *)h.body, SP_MAX_PLAIN, &pt, &pt_len))
			return -1;
		if (h.type == 20) {
			const uint8_t *key = sp->is_client ? sp->kb.server_key : sp->kb.client_key;
			const uint8_t *iv = sp->is_client ? sp->kb.server_iv : sp->kb.client_iv;

			if (sp->st != SP_WAIT_CCS ||
			    rec_dir_set_keys(&sp->in, EIOT_AEAD_AES128_CCM_8, key, iv))
				return -1;
			sp->st = SP_WAIT_FIN;
		} else if (h.type == 21 && pt_len == 2) {
			sp->alert_level = pt[0];
			sp->alert_desc = pt[1];
		} else if (h.type == 23) {
			sp->app_len = pt_len;
		} else if (h.type == 22) {
			if (sp->hs_len + pt_len > sizeof(sp->hs))
				return -1;
			memcpy(sp->hs + sp->hs_len, pt, pt_len);
			sp->hs_len += pt_len;
			if (sp_process_hs(sp, conn))
				return -1;
		}
	}
	memmove(sp->rx, sp->rx + off, sp->rx_len - off);
	sp->rx_len -= off;
	return 0;
}

int script_handshake(struct script_peer *sp, struct eiot_conn *conn, bool bad_finished,
		     uint64_t now)
{
	sp->now = now;
	sp->bad_finished = bad_finished;
	sp->st = SP_WAIT_HELLO;
	if (sp->is_client) {
		uint8_t ch[512];
		size_t n = script_client_hello(sp, ch, sizeof(ch));

		if (!n || sp_hs(sp, conn, HT_CLIENT_HELLO, ch, n, true))
			return -1;
	}
	for (int round = 0; round < 16 && sp->st != SP_DONE; round++) {
		if (sp_pull(sp, conn))
			return -1;
	}
	return sp->st == SP_DONE ? 0 : -1;
}

int script_send_hs(struct script_peer *sp, struct eiot_conn *conn, uint8_t type,
		   const uint8_t *body, size_t len, uint64_t now)
{
	sp->now = now;
	return sp_hs(sp, conn, type, body, len, false);
}

int script_send_app(struct script_peer *sp, struct eiot_conn *conn, const uint8_t *data, size_t len,
		    uint64_t now)
{
	sp->now = now;
	return sp_record(sp, conn, 23, data, len);
}

int script_poll(struct script_peer *sp, struct eiot_conn *conn, int *alert_level, int *alert_desc,
		size_t *app_len)
{
	int rc;

	sp->app_len = 0;
	rc = sp_pull(sp, conn);
	*alert_level = sp->alert_level;
	*alert_desc = sp->alert_desc;
	*app_len = sp->app_len;
	return rc;
}
