/*
 * tls/dtls_accept.c — the stateless front door of a DTLS server (RFC 6347 §4.2.1), see
 * eap_iot/dtls.h.
 *
 * One datagram in, one decision out, and nothing remembered about the peer: the first record
 * must be an epoch-0 handshake record holding a whole ClientHello, or its first records the
 * fragments of one (a client with small records, eiot_config_set_max_record), reassembled on
 * the stack. Without a valid cookie the answer is a HelloVerifyRequest built from the
 * ClientHello alone, so a flood of spoofed ClientHellos costs a reply each and no memory.
 */
#include "eap_iot/features.h"
#if EIOT_WITH_SERVER && EIOT_WITH_DTLS /* else left out of this build */

#include "eap_iot/dtls.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "eap_iot/err.h"
#include "tls/config_int.h"
#include "tls/cookie.h"
#include "tls/msgs.h"
#include "tls/reasm.h"
#include "tls/record.h"
#include "tls/session.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/rw.h"

/* RFC 6347 §4.1: a record's length MUST NOT exceed 2^14. */
#define ACCEPT_MAX_RECORD_BODY 16384u
/* Largest ClientHello reassembled from fragments, on the stack (and never over max_handshake):
 * eap_iot's own, with a 253-byte server name and a session ticket, stays well under it. */
#define ACCEPT_MAX_HELLO 1024u

/* The ClientHello of one datagram. */
struct accept_hello {
	struct rec_header rh;  /* the first record (the HelloVerifyRequest takes its number) */
	struct hs_header hh;   /* the first fragment's header */
	const uint8_t *body;   /* the whole body (in the datagram, or buf); NULL: a first fragment */
	struct reasm r;        /* a hello fragmented over the datagram's records */
	uint8_t buf[HS_DTLS_HEADER + ACCEPT_MAX_HELLO];
	uint8_t bitmap[ACCEPT_MAX_HELLO / 8];
};

/* see eap_iot/dtls.h */
struct eiot_cookie_secret *eiot_cookie_secret_new(const struct eiot_config *cfg, uint64_t now_ms)
{
	if (!cfg)
		return NULL;
	struct eiot_cookie_secret *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	/* previous is random too: a known (zero) secret would let anyone make cookies */
	if (cfg_random(cfg, s->current, sizeof(s->current)) ||
	    cfg_random(cfg, s->previous, sizeof(s->previous))) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "dtls: cookie secret: random source failed");
		eiot_cookie_secret_free(s);
		return NULL;
	}
	s->rotated_at = now_ms;
	s->rotate_ms = EIOT_COOKIE_ROTATE_MS;
	s->cfg = cfg;
	return s;
}

/* see eap_iot/dtls.h */
void eiot_cookie_secret_free(struct eiot_cookie_secret *s)
{
	if (!s)
		return;
	eiot_zeroize(s, sizeof(*s));
	free(s);
}

/* One record of dgram[0..len) as an epoch-0 handshake record that starts with a ClientHello
 * fragment: *frag is the fragment (what follows it in the record is not read), *consumed the
 * record's length. */
static int accept_fragment(const struct eiot_config *cfg, const uint8_t *dgram, size_t len,
			   struct rec_header *rh, struct hs_header *hh, const uint8_t **frag,
			   size_t *consumed)
{
	size_t hdr_len;
	int err = rec_parse_header(true, dgram, len, ACCEPT_MAX_RECORD_BODY, rh, consumed);
	if (err) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG, "dtls accept: drop, bad record header (%d)", err);
		return EIOT_ERR_DECODE;
	}
	if (rh->type != REC_CT_HANDSHAKE || rh->epoch != 0 ||
	    (rh->version != DTLS_VERSION_1_2 && rh->version != DTLS_VERSION_1_0)) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG,
			 "dtls accept: drop, record type %u version 0x%04x epoch %u is no ClientHello",
			 rh->type, rh->version, rh->epoch);
		return EIOT_ERR_DECODE;
	}
	err = hs_parse_header(true, rh->body, rh->body_len, hh, &hdr_len);
	if (err || hh->type != HT_CLIENT_HELLO) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG, "dtls accept: drop, handshake message is no ClientHello");
		return EIOT_ERR_DECODE;
	}
	if (hh->frag_len > rh->body_len - hdr_len) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG,
			 "dtls accept: drop, ClientHello fragment truncated (%u..+%u of %u)",
			 (unsigned)hh->frag_off, (unsigned)hh->frag_len, (unsigned)hh->length);
		return EIOT_ERR_DECODE;
	}
	*frag = rh->body + hdr_len;
	return EIOT_OK;
}

/* One more fragment of the ClientHello that a->hh started. RFC 6347 §4.2.3 lets fragments
 * overlap; overlapping bytes that differ would give the cookie a hello other than the one
 * the connection reassembles, so they drop the datagram. */
static int accept_add(const struct eiot_config *cfg, struct accept_hello *a,
		      const struct hs_header *hh, const uint8_t *frag, bool *complete)
{
	if (hh->msg_seq != a->hh.msg_seq) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG,
			 "dtls accept: drop, ClientHello fragments of message_seq %u and %u in one datagram",
			 a->hh.msg_seq, hh->msg_seq);
		return EIOT_ERR_DECODE;
	}
	int err = reasm_add(&a->r, hh->msg_seq, hh->type, hh->length, hh->msg_seq, hh->frag_off,
			    frag, hh->frag_len, complete);
	if (err == EIOT_ERR_MESSAGE_TOO_LARGE) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG,
			 "dtls accept: drop, fragmented ClientHello of %u bytes is over the %zu bytes "
			 "reassembled without state", (unsigned)hh->length, a->r.cap);
		return EIOT_ERR_DECODE;
	}
	if (err || memcmp(a->r.buf + HS_DTLS_HEADER + hh->frag_off, frag, hh->frag_len)) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG,
			 "dtls accept: drop, ClientHello fragment %u..+%u of %u contradicts the "
			 "datagram's earlier fragments", (unsigned)hh->frag_off, (unsigned)hh->frag_len,
			 (unsigned)hh->length);
		return EIOT_ERR_DECODE;
	}
	return EIOT_OK;
}

/* The ClientHello that a->hh starts with frag, from the records of one datagram that follow
 * (dgram[0..len)) until it is whole. Without state, fragments in later datagrams are out of
 * reach. Records after the whole hello are the connection's business, as for a hello that
 * came in one record. */
static int accept_reassemble(const struct eiot_config *cfg, const uint8_t *dgram, size_t len,
			     const uint8_t *frag, struct accept_hello *a)
{
	size_t cap = cfg->max_handshake < ACCEPT_MAX_HELLO ? cfg->max_handshake : ACCEPT_MAX_HELLO;
	reasm_init(&a->r, a->buf, a->bitmap, cap);
	struct rec_header rh;
	struct hs_header hh = a->hh;
	bool complete;
	size_t consumed;
	for (;;) {
		int err = accept_add(cfg, a, &hh, frag, &complete);
		if (err)
			return err;
		if (complete) {
			a->body = a->r.buf + HS_DTLS_HEADER;
			return EIOT_OK;
		}
		if (!len) {
			EIOT_LOG(cfg, EIOT_LOG_DEBUG,
				 "dtls accept: drop, the datagram holds %u of the fragmented ClientHello's "
				 "%u bytes: a stateless server cannot reassemble it across datagrams",
				 (unsigned)a->r.have, (unsigned)a->r.length);
			return EIOT_ERR_DECODE;
		}
		err = accept_fragment(cfg, dgram, len, &rh, &hh, &frag, &consumed);
		if (err)
			return err;
		dgram += consumed;
		len -= consumed;
	}
}

/* The ClientHello in dgram: whole in the first record, or reassembled from the datagram's
 * records (cookies on). Without cookies a first fragment is taken as it is (a->body NULL):
 * the connection reassembles the rest, also from later datagrams. */
static int accept_collect(const struct eiot_config *cfg, const uint8_t *dgram, size_t len,
			  struct accept_hello *a)
{
	const uint8_t *frag;
	size_t consumed;
	int err = accept_fragment(cfg, dgram, len, &a->rh, &a->hh, &frag, &consumed);
	if (err)
		return err;
	a->body = NULL;
	if (a->hh.frag_off == 0 && a->hh.frag_len == a->hh.length) {
		a->body = frag;
		return EIOT_OK;
	}
	if (cfg->cookie)
		return accept_reassemble(cfg, dgram + consumed, len - consumed, frag, a);
	if (a->hh.frag_off != 0) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG,
			 "dtls accept: drop, the datagram starts with ClientHello fragment %u..+%u of "
			 "%u, not the first (cookies off)", (unsigned)a->hh.frag_off,
			 (unsigned)a->hh.frag_len, (unsigned)a->hh.length);
		return EIOT_ERR_DECODE;
	}
	return EIOT_OK;
}

/* The HelloVerifyRequest datagram answering the ClientHello in rh/hh: a 31-byte record in a
 * 44-byte datagram, within the smallest max_record and MTU a configuration takes (64 bytes),
 * so it is never fragmented. */
static int accept_write_hvr(const struct rec_header *rh, const struct hs_header *hh,
			    const uint8_t cookie[COOKIE_LEN], uint8_t *reply, size_t cap,
			    size_t *reply_len)
{
	struct wr w = wr_init(reply, cap);
	/* RFC 6347 §4.2.1: version 1.0 in the HelloVerifyRequest, whatever is negotiated later,
	 * and the ClientHello's record sequence number (of its first record, when fragmented). */
	wr_u8(&w, REC_CT_HANDSHAKE);
	wr_u16(&w, DTLS_VERSION_1_0);
	wr_u16(&w, 0);
	wr_u48(&w, rh->seq);
	size_t rec = wr_open_vec(&w, 2);

	/* RFC 6347 erratum 5186: the ClientHello's message_seq as the HelloVerifyRequest's. */
	struct hs_header h = {
		.type = HT_HELLO_VERIFY_REQUEST,
		.length = 3 + COOKIE_LEN,
		.msg_seq = hh->msg_seq,
		.frag_off = 0,
		.frag_len = 3 + COOKIE_LEN,
	};
	hs_write_header(&w, true, &h);
	hs_write_hello_verify_request(&w, cookie, COOKIE_LEN); /* server_version 1.0 */
	wr_close_vec(&w, rec, 2);
	if (w.err)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	*reply_len = w.len;
	return EIOT_OK;
}

/* A ClientHello whose cookie did not verify gets a new HelloVerifyRequest. A client that keeps
 * failing (one that changes its hello between the two, or sits behind a NAT that moves its
 * port) would be answered with HelloVerifyRequests forever: the first failure of a cookie
 * period is a warning saying what can cause it, with the number of failures since the last
 * warning; the others, which a spoofed flood can make at any rate, are debug lines. */
static void bad_cookie(struct eiot_cookie_secret *s, const struct eiot_config *cfg, size_t len,
		       uint64_t now_ms)
{
	s->bad_cookies++;
	if (s->bad_warned && now_ms - s->bad_warned_at < s->rotate_ms) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG,
			 "dtls accept: ClientHello cookie (%zu bytes) did not verify, new HelloVerifyRequest",
			 len);
		return;
	}
	EIOT_LOG(cfg, EIOT_LOG_WARN,
		 "dtls accept: %" PRIu32 " ClientHello(s) carried a cookie that did not verify (the "
		 "hello's random, suites or compression differ from the hello the cookie was made for, "
		 "the client's address changed, the cookie is older than two periods, or it is "
		 "forged); each got a new HelloVerifyRequest",
		 s->bad_cookies);
	s->bad_cookies = 0;
	s->bad_warned = true;
	s->bad_warned_at = now_ms;
}

/* see eap_iot/dtls.h */
int eiot_dtls_accept(struct eiot_cookie_secret *s, const struct eiot_config *cfg,
		     const void *addr, size_t addr_len, const uint8_t *dgram, size_t len,
		     uint64_t now_ms, uint8_t *reply, size_t cap, size_t *reply_len)
{
	if (!s || !cfg || (!addr && addr_len) || (!dgram && len) || (!reply && cap) || !reply_len)
		return EIOT_ERR_BAD_PARAM;
	*reply_len = 0;

	struct accept_hello a;
	struct hs_client_hello ch;
	int err = accept_collect(cfg, dgram, len, &a);
	if (err)
		return err;
	if (!a.body) {
		EIOT_LOG(cfg, EIOT_LOG_INFO, "dtls accept: ClientHello first fragment accepted, the "
			 "connection reassembles it (cookies off)");
		return EIOT_OK;
	}
	if (hs_parse_client_hello(true, a.body, a.hh.length, &ch)) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG, "dtls accept: drop, malformed ClientHello");
		return EIOT_ERR_DECODE;
	}
	if (!cfg->cookie) {
		EIOT_LOG(cfg, EIOT_LOG_INFO, "dtls accept: ClientHello accepted (cookies off)");
		return EIOT_OK;
	}
	/* RFC 6347 §4.2.1: a server may skip the cookie when it resumes a session (opt-in) */
	if (cfg->resume_without_cookie && !ch.cookie_len && sess_is_resumable(cfg, ch.ext.ticket, ch.ext.ticket_len, ch.session_id,
						ch.session_id_len, now_ms)) {
		EIOT_LOG(cfg, EIOT_LOG_INFO, "dtls accept: ClientHello resumes a session: no cookie");
		return EIOT_OK;
	}
	err = cookie_maybe_rotate(s, now_ms);
	if (err) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "dtls accept: drop, cookie secret rotation failed (%d)", err);
		return err;
	}

	struct cookie_input in = {
		.addr = addr,
		.addr_len = addr_len,
		.client_version = ch.version,
		.random = ch.random,
		.suites = ch.suites_raw,
		.suites_len = ch.suites_raw_len,
		.compression = ch.comp_raw,
		.compression_len = ch.comp_raw_len,
	};
	if (ch.cookie_len) {
		if (cookie_verify(s, &in, ch.cookie, ch.cookie_len)) {
			EIOT_LOG(cfg, EIOT_LOG_INFO, "dtls accept: ClientHello cookie verified");
			return EIOT_OK;
		}
		/* stale (rotated out) or forged: a fresh cookie costs nothing and unblocks the former */
		bad_cookie(s, cfg, ch.cookie_len, now_ms);
	}

	uint8_t cookie[COOKIE_LEN];
	cookie_compute(s->current, &in, cookie);
	err = accept_write_hvr(&a.rh, &a.hh, cookie, reply, cap, reply_len);
	if (err) {
		EIOT_LOG(cfg, EIOT_LOG_WARN, "dtls accept: drop, HelloVerifyRequest does not fit (%d)", err);
		return err;
	}
	if (!ch.cookie_len)
		EIOT_LOG(cfg, EIOT_LOG_DEBUG, "dtls accept: HelloVerifyRequest sent");
	return EIOT_ERR_COOKIE_SENT;
}

#endif /* EIOT_WITH_SERVER && EIOT_WITH_DTLS */
