/*
 * tls/conn_save.c — eiot_conn_save() and eiot_conn_restore(): an established DTLS connection
 * as a few dozen bytes, so a device can power its RAM down and send its next record without a
 * handshake (eap_iot/conn.h).
 *
 * The saved state (all numbers big-endian):
 *   0  format (1)            1  flags (SAVED_CLIENT, SAVED_REPLAY_ANY)
 *   2  suite                 4  epoch (both directions)
 *   6  next record number to send: the end of the numbers this save reserved (48 bits)
 *  12  highest record number received (48 bits), 18 the replay window below it (64 bits)
 *  26  largest plaintext sent, 28 largest plaintext accepted
 *  30  write key (16), write IV (4), read key (16), read IV (4)
 *  70  own CID length and CID, then the peer's (RFC 9146; lengths 0 without one)
 *   .. check: the first 8 bytes of SHA-256 over all before it
 * The check finds a torn or corrupted write; it is no MAC: whoever can write the state can read
 * its keys.
 */
#include "tls/conn_int.h"

#if EIOT_WITH_SAVE

#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

#define SAVED_FORMAT 1
#define SAVED_CLIENT 0x01
#define SAVED_REPLAY_ANY 0x02
#define SAVED_FIXED 70 /* up to the CIDs */
#define SAVED_CHECK 8
#define SAVED_MIN (SAVED_FIXED + 2 + SAVED_CHECK)
#define MAX_RESERVE (UINT32_C(1) << 24)

#if EIOT_AEAD_KEEPS_KEY
/* Epoch 1's record key of a direction as installed. */
static const uint8_t *record_key(const struct eiot_conn *c, const struct rec_dir *d)
{
	(void)c;
	return eiot_aead_key(&d->keys->aead);
}
#else
/* see tls/conn_int.h */
void conn_save_keys(struct eiot_conn *c, const uint8_t tx_key[16], const uint8_t rx_key[16])
{
	memcpy(c->save.tx_key, tx_key, 16);
	memcpy(c->save.rx_key, rx_key, 16);
}

static const uint8_t *record_key(const struct eiot_conn *c, const struct rec_dir *d)
{
	return d == &c->tx[1] ? c->save.tx_key : c->save.rx_key;
}
#endif

static void saved_check(const uint8_t *p, size_t n, uint8_t out[SAVED_CHECK])
{
	uint8_t h[32];
	eiot_sha256(p, n, h);
	memcpy(out, h, SAVED_CHECK);
}

/* The CID a direction's records carry, copied to out unless NULL; its length. */
static size_t cid_bytes(const struct rec_dir *d, uint8_t *out)
{
	size_t n = rec_cid_len(d);
#if EIOT_WITH_CID
	if (out)
		memcpy(out, d->keys->cid, n);
#else
	(void)out;
#endif
	return n;
}

/* RFC 6347 §4.2.4: the side that sent the handshake's last flight keeps it until the peer's
 * application data shows it arrived; a state saved before that could not answer a lost one. */
static bool settled(const struct eiot_conn *c)
{
	return c->peer_app_seen || conn_client(c) != c->hs.resumed || c->save.restored;
}

/* see eap_iot/conn.h */
int eiot_conn_save(struct eiot_conn *c, uint32_t reserve, uint8_t *out, size_t cap, size_t *len)
{
	if (!c || !out || !len || reserve == 0 || reserve > MAX_RESERVE)
		return EIOT_ERR_BAD_PARAM;
	*len = 0;
	if (!conn_dtls(c) || c->state != EIOT_STATE_ESTABLISHED)
		return conn_error(c, EIOT_ERR_WRONG_STATE, "save: only an established DTLS connection");
	if (!settled(c))
		return conn_error(c, EIOT_ERR_WRONG_STATE, "save: the peer has not yet shown it has our last "
				  "flight: save after its first application data");
	const struct rec_dir *tx = &c->tx[1], *rx = &c->rx[1];
	if (tx->seq > REPLAY_SEQ_MAX - reserve)
		return conn_error(c, EIOT_ERR_WRONG_STATE, "save: record numbers exhausted: a new handshake is needed");
	size_t own = cid_bytes(rx, NULL), peer = cid_bytes(tx, NULL);
	size_t n = SAVED_MIN + own + peer;
	if (cap < n)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	uint64_t end = tx->seq + reserve;
	/* settled: the peer has our last flight, so none is kept to answer a repeated one (whose
	 * records would take numbers outside the reservation) */
	hs_flight_begin(c);
	out[0] = SAVED_FORMAT;
	out[1] = (uint8_t)((conn_client(c) ? SAVED_CLIENT : 0) | (c->replay.any ? SAVED_REPLAY_ANY : 0));
	st_be16(out + 2, c->hs.suite->id);
	st_be16(out + 4, tx->epoch);
	st_be48(out + 6, end);
	st_be48(out + 12, c->replay.top);
	st_be64(out + 18, c->replay.bits);
	st_be16(out + 26, (uint16_t)c->tx_limit);
	st_be16(out + 28, (uint16_t)c->rx_limit);
	memcpy(out + 30, record_key(c, tx), 16);
	memcpy(out + 46, tx->keys->fixed_iv, 4);
	memcpy(out + 50, record_key(c, rx), 16);
	memcpy(out + 66, rx->keys->fixed_iv, 4);
	out[70] = (uint8_t)own;
	cid_bytes(rx, out + 71);
	out[71 + own] = (uint8_t)peer;
	cid_bytes(tx, out + 72 + own);
	saved_check(out, n - SAVED_CHECK, out + n - SAVED_CHECK);
	/* from now on the connection sends only what this state covers */
	c->save.reserving = true;
	c->save.tx_end = end;
	*len = n;
	return EIOT_OK;
}

static bool configured(const struct eiot_config *cfg, uint16_t suite)
{
	for (size_t i = 0; i < cfg->n_suites; i++)
		if (cfg->suites[i] == suite)
			return true;
	return false;
}

/* see eap_iot/conn.h */
uint64_t eiot_conn_save_left(const struct eiot_conn *c)
{
	if (!c || !c->save.reserving)
		return UINT64_MAX;
	return c->tx[1].seq < c->save.tx_end ? c->save.tx_end - c->tx[1].seq : 0;
}

/* The saved state's fields, checked against cfg; EIOT_ERR_BAD_SAVED_STATE (one log line) when
 * they are not for it. */
static int saved_parse(const struct eiot_config *cfg, const uint8_t *p, size_t n,
		       const struct suite_info **suite)
{
	uint8_t check[SAVED_CHECK];
	const char *why = NULL;
	size_t own = n > SAVED_FIXED ? p[SAVED_FIXED] : 0;
	size_t peer = n > SAVED_FIXED + 1 + own ? p[SAVED_FIXED + 1 + own] : 0;
	if (n < SAVED_MIN || p[0] != SAVED_FORMAT)
		why = n < SAVED_MIN ? "truncated" : "unknown format";
	else if (n != SAVED_MIN + own + peer)
		why = n < SAVED_MIN + own + peer ? "truncated" : "longer than it says";
	else if ((own || peer) && (!EIOT_WITH_CID || own > EIOT_MAX_CID || peer > EIOT_MAX_PEER_CID))
		why = "holds connection IDs this build does not take";
	if (!why) {
		saved_check(p, n - SAVED_CHECK, check);
		if (!eiot_ct_eq(check, p + n - SAVED_CHECK, SAVED_CHECK))
			why = "corrupted (check value)";
	}
	if (why) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "restore: saved connection %s (%zu bytes)", why, n);
		return EIOT_ERR_BAD_SAVED_STATE;
	}
	bool client = p[1] & SAVED_CLIENT;
	*suite = suite_find(ld_be16(p + 2));
	if (cfg->transport != EIOT_DTLS || client != (cfg->role == EIOT_CLIENT))
		why = "saved for another transport or role";
	else if (!*suite || !configured(cfg, (*suite)->id))
		why = "suite not configured";
	else if ((own || peer) && !cfg->cid)
		why = "holds connection IDs, and this configuration has them off";
	else if (own && own != cfg->cid_len)
		why = "our connection ID is not of this configuration's length";
	else if (ld_be16(p + 4) != 1 || ld_be48(p + 6) > REPLAY_SEQ_MAX)
		why = "epoch or record number out of range"; /* no renegotiation: epoch 1 only */
	else if (ld_be16(p + 26) < 1 || ld_be16(p + 26) > cfg->max_record || ld_be16(p + 28) < 1 ||
		 ld_be16(p + 28) > cfg_rx_record(cfg))
		why = "record limits beyond this configuration's";
	if (why) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "restore: %s", why);
		return EIOT_ERR_BAD_SAVED_STATE;
	}
	return 0;
}

/* The saved keys into epoch 1 of both directions; the rest of the record state after them. */
static int restore_records(struct eiot_conn *c, const struct suite_info *suite, const uint8_t *p)
{
	rec_dir_init(&c->tx[1], true, &c->tx_keys);
	rec_dir_init(&c->rx[1], true, &c->rx_keys);
	int err = rec_dir_set_keys(&c->tx[1], suite->aead, p + 30, p + 46);
	if (!err)
		err = rec_dir_set_keys(&c->rx[1], suite->aead, p + 50, p + 66);
	if (err)
		return err;
	c->tx[1].epoch = c->rx[1].epoch = ld_be16(p + 4);
	c->tx[1].seq = ld_be48(p + 6);
	c->replay.any = p[1] & SAVED_REPLAY_ANY;
	c->replay.top = ld_be48(p + 12);
	c->replay.bits = ld_be64(p + 18);
	conn_save_keys(c, p + 30, p + 50);
#if EIOT_WITH_CID
	struct rec_keys *own = &c->rx_keys, *peer = &c->tx_keys;
	own->cid_len = p[SAVED_FIXED];
	memcpy(own->cid, p + SAVED_FIXED + 1, own->cid_len);
	peer->cid_len = p[SAVED_FIXED + 1 + own->cid_len];
	memcpy(peer->cid, p + SAVED_FIXED + 2 + own->cid_len, peer->cid_len);
#endif
	return 0;
}

/* see eap_iot/conn.h */
int eiot_conn_restore(const struct eiot_config *cfg, const uint8_t *saved, size_t len, uint64_t now_ms,
		      struct eiot_conn **out)
{
	const struct suite_info *suite;
	if (!out)
		return EIOT_ERR_BAD_PARAM;
	*out = NULL;
	if (!cfg || !saved)
		return EIOT_ERR_BAD_PARAM;
	int err = saved_parse(cfg, saved, len, &suite);
	if (err)
		return err;
	struct eiot_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return EIOT_ERR_NO_MEMORY;
	c->cfg = cfg;
	c->alloc_size = sizeof(*c);
	c->dtls = true;
	c->is_client = cfg->role == EIOT_CLIENT;
	c->now = now_ms;
	c->alert_sent = c->alert_recv = EIOT_ALERT_NONE;
	rec_dir_init(&c->tx[0], true, NULL);
	rec_dir_init(&c->rx[0], true, NULL);
	if ((err = restore_records(c, suite, saved))) {
		eiot_conn_free(c);
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "restore: cannot set up record protection (%s)", eiot_err_str(err));
		return err;
	}
	c->tx_cur = c->rx_cur = 1;
	c->rx_max = cfg_rx_record(cfg);
	c->tx_limit = ld_be16(saved + 26);
	c->rx_limit = ld_be16(saved + 28);
	conn_io_caps(cfg, &c->rx_cap, &c->outq.cap, &c->app.cap);
	c->hs.suite = suite;
	c->hs.st = ST_DONE;
	c->hello_seen = c->peer_app_seen = true;
	c->compact = true; /* record buffers only while data passes (tls/conn_compact.c) */
	c->state = EIOT_STATE_ESTABLISHED;
	/* nothing is reserved yet: the first record waits for a save the caller has stored */
	c->save.restored = c->save.reserving = true;
	c->save.tx_end = c->tx[1].seq;
	flight_init(&c->timer, cfg->rto_initial_ms, cfg->rto_max_ms, cfg->give_up_ms, now_ms);
	flight_stop(&c->timer); /* no handshake to time */
	*out = c;
	return EIOT_OK;
}

#endif
