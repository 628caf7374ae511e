/*
 * tls/dtls_accept.c — the stateless front door of a DTLS server (RFC 6347 §4.2.1), see
 * eap_iot/dtls.h.
 *
 * One datagram in, one decision out, and nothing remembered about the peer: the first record
 * must be an epoch-0 handshake record holding one whole ClientHello. Without a valid cookie
 * the answer is a HelloVerifyRequest built from the ClientHello alone, so a flood of spoofed
 * ClientHellos costs a reply each and no memory.
 */
#include "eap_iot/features.h"
#if EIOT_WITH_SERVER && EIOT_WITH_DTLS /* else left out of this build */

#include "eap_iot/dtls.h"

#include <inttypes.h>
#include <stdlib.h>

#include "eap_iot/err.h"
#include "tls/config_int.h"
#include "tls/cookie.h"
#include "tls/msgs.h"
#include "tls/record.h"
#include "tls/session.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/rw.h"

/* RFC 6347 §4.1: a record's length MUST NOT exceed 2^14. */
#define ACCEPT_MAX_RECORD_BODY 16384u

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

/* Parse the first record of dgram as one unfragmented epoch-0 ClientHello. */
static int accept_parse(const struct eiot_config *cfg, const uint8_t *dgram, size_t len,
			struct rec_header *rh, struct hs_header *hh, struct hs_client_hello *ch, bool *first_fragment)
{
	size_t consumed, hdr_len;
	int err = rec_parse_header(true, dgram, len, ACCEPT_MAX_RECORD_BODY, rh, &consumed);
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
	/* A stateless server only handles a ClientHello that arrives whole. Without cookies the
	 * connection may reassemble it from its first fragment on: a ClientHello with a cookie
	 * does not fit one datagram on small frames (a 127-byte link leaves 99 bytes for DTLS). */
	bool fragment = hh->frag_off != 0 || hh->frag_len != hh->length;
	*first_fragment = fragment && !cfg->cookie && hh->frag_off == 0;
	if (hh->frag_len > rh->body_len - hdr_len || (fragment && !*first_fragment)) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG,
			 "dtls accept: drop, ClientHello fragmented or truncated (%u..+%u of %u)",
			 (unsigned)hh->frag_off, (unsigned)hh->frag_len, (unsigned)hh->length);
		return EIOT_ERR_DECODE;
	}
	if (*first_fragment)
		return EIOT_OK;
	if (hs_parse_client_hello(true, rh->body + hdr_len, hh->length, ch)) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG, "dtls accept: drop, malformed ClientHello");
		return EIOT_ERR_DECODE;
	}
	return EIOT_OK;
}

/* The HelloVerifyRequest datagram answering the ClientHello in rh/hh. */
static int accept_write_hvr(const struct rec_header *rh, const struct hs_header *hh,
			    const uint8_t cookie[COOKIE_LEN], uint8_t *reply, size_t cap,
			    size_t *reply_len)
{
	struct wr w = wr_init(reply, cap);
	/* RFC 6347 §4.2.1: version 1.0 in the HelloVerifyRequest, whatever is negotiated later,
	 * and the ClientHello's record sequence number. */
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

	struct rec_header rh;
	struct hs_header hh;
	struct hs_client_hello ch;
	bool first_fragment;
	int err = accept_parse(cfg, dgram, len, &rh, &hh, &ch, &first_fragment);
	if (err)
		return err;
	if (!cfg->cookie) {
		EIOT_LOG(cfg, EIOT_LOG_INFO, "dtls accept: ClientHello %s (cookies off)",
			 first_fragment ? "first fragment accepted, the connection reassembles it" : "accepted");
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
	err = accept_write_hvr(&rh, &hh, cookie, reply, cap, reply_len);
	if (err) {
		EIOT_LOG(cfg, EIOT_LOG_WARN, "dtls accept: drop, HelloVerifyRequest does not fit (%d)", err);
		return err;
	}
	if (!ch.cookie_len)
		EIOT_LOG(cfg, EIOT_LOG_DEBUG, "dtls accept: HelloVerifyRequest sent");
	return EIOT_ERR_COOKIE_SENT;
}

#endif /* EIOT_WITH_SERVER && EIOT_WITH_DTLS */
