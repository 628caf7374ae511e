/*
 * tls/server.c — the server handshake: one dispatcher over states named for what is
 * expected next, one handler per client message, and the two flights the server sends
 * (ServerHello Certificate? ServerKeyExchange? CertificateRequest? ServerHelloDone; and
 * CCS Finished).
 */
#include "tls/conn_int.h"

#if EIOT_WITH_SERVER /* else left out of this build */

#include <string.h>

#include "tls/cached_info.h"
#include "tls/cert_url.h"
#include "tls/cid.h"
#include "tls/keys.h"
#include "tls/rpk.h"
#include "tls/session.h"
#include "util/bytes.h"

/* RFC 8422 §5.1: an ECDHE_ECDSA suite needs secp256r1, uncompressed points and
 * ecdsa_secp256r1_sha256, each as far as the client said anything about it. */
static bool ecdhe_fits(const struct hs_exts *e)
{
	return (!e->has_groups || e->group_p256) && (!e->has_point_formats || e->point_uncompressed) &&
	       (!e->has_sigalgs || e->sigalg_ecdsa_p256_sha256);
}

static bool client_offers(const struct hs_client_hello *ch, uint16_t suite)
{
	for (size_t i = 0; i < ch->n_suites; i++)
		if (ch->suites[i] == suite)
			return true;
	return false;
}

/* The first of our usable suites (our order) that the client offered and can do. */
static const struct suite_info *choose_suite(const struct eiot_conn *c,
					     const struct hs_client_hello *ch)
{
	uint16_t usable[EIOT_MAX_SUITES];
	size_t n = hs_usable_suites(c->cfg, usable, EIOT_MAX_SUITES);
	for (size_t i = 0; i < n; i++) {
		const struct suite_info *s = suite_find(usable[i]);
		if (!client_offers(ch, s->id))
			continue;
		if (s->kx == KX_ECDHE_ECDSA && !ecdhe_fits(&ch->ext)) {
			EIOT_LOG(c->cfg, EIOT_LOG_DEBUG,
				 "hs: skipping %s: client lacks secp256r1, uncompressed points or 0x0403",
				 s->name);
			continue;
		}
		return s;
	}
	return NULL;
}

/* ServerKeyExchange for ECDHE: our ephemeral point, signed with the certificate's key. */
static int add_ske_ecdhe(struct eiot_conn *c)
{
	uint8_t pub[65], hash[32];
	int err = eiot_ecdh_keygen(&c->hs.ec->ecdh, hs_rng, (void *)c->cfg, pub);
	if (err)
		return conn_error(c, err, "hs: ECDHE key generation failed");
	struct wr w = hs_msg_open(c);
	size_t at = hs_write_ske_ecdhe_params(&w, pub);
	if (w.err)
		return hs_msg_close(c, &w, HT_SERVER_KEY_EXCHANGE);
	struct eiot_sha256 h;
	eiot_sha256_init(&h);
	eiot_sha256_update(&h, c->hs.client_random, 32);
	eiot_sha256_update(&h, c->hs.server_random, 32);
	eiot_sha256_update(&h, w.p + at, w.len - at);
	eiot_sha256_peek(&h, hash);
	eiot_sha256_free(&h);
	if ((err = hs_sign(c, hash, &w)))
		return err;
	return hs_msg_close(c, &w, HT_SERVER_KEY_EXCHANGE);
}

/* What resuming this connection's session restores. */
static void session_state(const struct eiot_conn *c, struct sess_state *st)
{
	memset(st, 0, sizeof(*st));
	st->transport = (uint8_t)c->cfg->transport;
	st->suite = c->hs.suite->id;
	st->ems = c->hs.ems;
	memcpy(st->ms, c->hs.ms, 48);
	st->born_ms = c->hs.born_ms;
	st->client_cert = c->hs.client_cert;
	st->has_eui64 = c->hs.has_peer_eui64;
	memcpy(st->eui64, c->hs.peer_eui64, 8);
	memcpy(st->psk_identity, c->psk_identity, c->psk_identity_len);
	st->psk_identity_len = c->psk_identity_len;
}

/* NewSessionTicket (RFC 5077 §3.3): the session sealed under the current ticket key. */
static int add_new_session_ticket(struct eiot_conn *c)
{
	struct sess_state st;
	uint8_t t[SESS_TICKET_MAX];
	size_t len;
	session_state(c, &st);
	int err = sess_ticket_seal(c->cfg->cache, &st, c->now, t, sizeof(t), &len);
	eiot_zeroize(&st, sizeof(st));
	if (err)
		return conn_error(c, err, "hs: cannot seal a session ticket");
	struct wr w = hs_msg_open(c);
	hs_write_new_session_ticket(&w, sess_lifetime_s(c->cfg->cache), t, len);
	eiot_zeroize(t, len);
	return hs_msg_close(c, &w, HT_NEW_SESSION_TICKET);
}

/* ServerHello: the session ID given (or echoed), the extensions we answer. */
static int add_server_hello(struct eiot_conn *c, bool secure_reneg, bool point_formats)
{
	struct hs_server_hello_params p = {
		.random = c->hs.server_random,
		.session_id = c->hs.sid,
		.session_id_len = c->hs.sid_len,
		.suite = c->hs.suite->id,
		.ems = c->hs.ems,
		.reneg_info = secure_reneg,
		.point_formats = c->hs.suite->kx == KX_ECDHE_ECDSA && point_formats,
		.session_ticket = c->hs.ticket_follows,
		.mfl_code = c->hs.mfl_code,
		.rsl = c->hs.rsl_sent,
		.has_sct = c->hs.has_sct_answer,
		.sct = c->hs.server_rpk ? CERT_TYPE_RPK : CERT_TYPE_X509,
		.has_cct = c->hs.has_cct_answer,
		.cct = c->hs.client_rpk ? CERT_TYPE_RPK : CERT_TYPE_X509,
		.ci_cert = ci_hit(c),
		.cert_url = c->hs.cu_agreed,
		.send_cid = c->hs.cid_agreed,
		.cid = cid_own(c),
		.cid_len = cid_own_len(c),
	};
	struct wr w = hs_msg_open(c);
	hs_write_server_hello(&w, conn_dtls(c), &p);
	return hs_msg_close(c, &w, HT_SERVER_HELLO);
}

/* Flight 2 (4 in DTLS with a cookie exchange). */
static int send_server_flight(struct eiot_conn *c, bool secure_reneg, bool point_formats)
{
	const struct eiot_config *cfg = c->cfg;
	bool ecdhe = EIOT_WITH_ECDHE && c->hs.suite->kx == KX_ECDHE_ECDSA;
	int err;
	struct wr w;

	hs_flight_begin(c);
	if ((err = add_server_hello(c, secure_reneg, point_formats)))
		return err;
	if (ecdhe) {
		w = hs_msg_open(c);
		ci_server_write_certificate(c, &w);
		if ((err = hs_msg_close(c, &w, HT_CERTIFICATE)) || (err = add_ske_ecdhe(c)))
			return err;
		if (c->hs.ask_cert) {
			w = hs_msg_open(c);
			hs_write_cert_request(&w);
			if ((err = hs_msg_close(c, &w, HT_CERTIFICATE_REQUEST)))
				return err;
		}
	} else if (EIOT_WITH_PSK && cfg->psk_hint_len) {
		w = hs_msg_open(c);
		hs_write_ske_psk(&w, cfg->psk_hint, cfg->psk_hint_len);
		if ((err = hs_msg_close(c, &w, HT_SERVER_KEY_EXCHANGE)))
			return err;
	}
	w = hs_msg_open(c);
	if ((err = hs_msg_close(c, &w, HT_SERVER_HELLO_DONE)))
		return err;
	hs_flight_send(c);
	if (ecdhe && c->hs.ask_cert)
		c->hs.st = ST_S_EXPECT_CERTIFICATE;
	else
		c->hs.st = ST_S_EXPECT_CKE;
	return 0;
}

static bool is_usable(const struct eiot_config *cfg, uint16_t suite)
{
	uint16_t usable[EIOT_MAX_SUITES];
	size_t n = hs_usable_suites(cfg, usable, EIOT_MAX_SUITES);
	for (size_t i = 0; i < n; i++)
		if (usable[i] == suite)
			return true;
	return false;
}

/* RFC 4279 §2, RFC 7925 §4.2: identities compare byte for byte. */
static const struct eiot_psk_entry *find_psk(const struct eiot_config *cfg, const uint8_t *id,
					     size_t id_len)
{
	for (size_t i = 0; i < cfg->n_psk; i++)
		if (cfg->psk[i].identity_len == id_len && !memcmp(cfg->psk[i].identity, id, id_len))
			return &cfg->psk[i];
	return NULL;
}

/* The session the ClientHello asks to resume, from its ticket or else its session ID, if it
 * may be resumed with this ClientHello (RFC 5246 §7.4.1.2, RFC 5077 §3.4, RFC 7627 §5.3). */
static bool find_session(struct eiot_conn *c, const struct hs_client_hello *ch,
			 struct sess_state *st)
{
	const struct eiot_config *cfg = c->cfg;
	enum sess_miss m;
	const char *how, *why = NULL;
	if (ch->ext.ticket_len && cfg->tickets) {
		how = "ticket";
		m = sess_ticket_open(cfg->cache, ch->ext.ticket, ch->ext.ticket_len, c->now, st);
	} else if (ch->session_id_len) {
		how = "session ID";
		m = sess_cache_get(cfg->cache, ch->session_id, ch->session_id_len, c->now, st);
	} else {
		return false;
	}
	if (m != SESS_FOUND)
		why = sess_miss_str(m);
	else if (st->transport != (uint8_t)cfg->transport)
		why = "the session is of the other transport";
	else if (!client_offers(ch, st->suite) || !is_usable(cfg, st->suite))
		why = "the session's suite is not offered or not configured";
	else if (st->ems != ch->ext.has_ems)
		why = st->ems ? "the session used extended master secret, the ClientHello lacks it"
			      : "the session did not use extended master secret, the ClientHello has it";
	else if (cfg->verify_client == EIOT_VERIFY_REQUIRED && !st->client_cert &&
		 suite_find(st->suite)->kx == KX_ECDHE_ECDSA)
		why = "the session has no client certificate and one is required";
	else if (suite_find(st->suite)->kx == KX_PSK &&
		 !find_psk(cfg, st->psk_identity, st->psk_identity_len))
		why = "the session's PSK identity is no longer configured"; /* revoked */
	if (!why) {
		EIOT_LOG(cfg, EIOT_LOG_DEBUG, "hs: the ClientHello's %s names a session to resume", how);
		return true;
	}
	EIOT_LOG(cfg, EIOT_LOG_INFO, "hs: not resuming by %s (%s): full handshake", how, why);
	eiot_zeroize(st, sizeof(*st));
	return false;
}

/* The abbreviated handshake: ServerHello NewSessionTicket? CCS Finished (RFC 5246 §7.3). */
static int send_resumed_flight(struct eiot_conn *c, const struct hs_client_hello *ch,
			       const struct sess_state *st, bool secure_reneg)
{
	c->hs.resumed = true;
	c->hs.suite = suite_find(st->suite);
	c->hs.ems = st->ems;
	memcpy(c->hs.ms, st->ms, 48);
	c->hs.have_ms = true;
	c->hs.born_ms = st->born_ms;
	c->hs.client_cert = st->client_cert;
	c->hs.has_peer_eui64 = st->has_eui64;
	memcpy(c->hs.peer_eui64, st->eui64, 8);
	memcpy(c->psk_identity, st->psk_identity, st->psk_identity_len);
	c->psk_identity_len = st->psk_identity_len;
	memcpy(c->hs.sid, ch->session_id, ch->session_id_len);
	c->hs.sid_len = ch->session_id_len;

	int err;
	hs_flight_begin(c);
	if ((err = add_server_hello(c, secure_reneg, ch->ext.has_point_formats)) ||
	    (err = hs_install_keys(c)))
		return err;
	if (EIOT_WITH_RESUMPTION && c->hs.ticket_follows && (err = add_new_session_ticket(c)))
		return err;
	if ((err = hs_flight_add_ccs(c)) || (err = hs_send_finished(c)))
		return err;
	hs_flight_send(c);
	c->hs.st = ST_EXPECT_CCS;
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "hs: resuming a session (%s)", c->hs.suite->name);
	return 0;
}

/* RFC 7250 §4.2: our certificate type and the client's, raw public keys first. */
static int choose_cert_types(struct eiot_conn *c, const struct hs_exts *e)
{
	const struct eiot_config *cfg = c->cfg;
	struct hs_ctx *hs = &c->hs;
	if (e->has_sct) {
		hs->has_sct_answer = true;
		hs->server_rpk = e->sct_rpk && cfg->rpk_own;
		if (!hs->server_rpk && !(e->sct_x509 && cfg->has_own_cert))
			return conn_error(c, EIOT_ERR_NO_CERT_TYPE,
					  "hs: the client accepts no server certificate type we have");
	} else if (!cfg->has_own_cert) {
		return conn_error(c, EIOT_ERR_NO_CERT_TYPE,
				  "hs: the client does not accept raw public keys, and we have no certificate");
	}
	if (cfg->verify_client == EIOT_VERIFY_NONE)
		return 0;
	hs->ask_cert = true;
	if (!e->has_cct)
		return 0;
	hs->client_rpk = e->cct_rpk && cfg->n_rpk_pins;
	if (hs->client_rpk || (e->cct_x509 && cfg->has_trust)) {
		hs->has_cct_answer = true;
		return 0;
	}
	if (cfg->verify_client == EIOT_VERIFY_REQUIRED)
		return conn_error(c, EIOT_ERR_NO_CERT_TYPE,
				  "hs: the client offers no client certificate type we can check");
	hs->ask_cert = false; /* optional: do without */
	return 0;
}

static int on_client_hello(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	struct hs_client_hello ch;
	if (hs_parse_client_hello(conn_dtls(c), body, n, &ch))
		return conn_error(c, EIOT_ERR_DECODE, "hs: malformed ClientHello");
	/* TLS: 0x0303 or higher (a newer client negotiates down); DTLS counts downwards */
	if (conn_dtls(c) ? ch.version > DTLS_VERSION_1_2 : ch.version < TLS_VERSION_1_2)
		return conn_error(c, EIOT_ERR_PROTOCOL_VERSION,
				  "hs: ClientHello version 0x%04x is older than (D)TLS 1.2", ch.version);
	if (!ch.null_compression)
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: ClientHello does not offer null compression");
	if (ch.ext.has_reneg_info && ch.ext.reneg_info_len != 0)
		return conn_error(c, EIOT_ERR_INSECURE_RENEGOTIATION,
				  "hs: ClientHello renegotiation_info not empty on an initial handshake");
	/* RFC 8449 §5: a server that answers record_size_limit ignores max_fragment_length; the
	 * client's limit caps our records even when we do not answer it */
	const struct eiot_config *cfg = c->cfg;
	if (ch.ext.has_rsl && cfg->rsl)
		c->hs.rsl_sent = (uint16_t)(cfg->rsl < c->rx_max ? cfg->rsl : c->rx_max);
	else if (ch.ext.has_mfl)
		c->hs.mfl_code = ch.ext.mfl_code;
	if (ch.ext.has_mfl && (ch.ext.mfl_code < 1 || ch.ext.mfl_code > 4))
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: ClientHello max_fragment_length code %u is not 1..4 (RFC 6066 §4)",
				  ch.ext.mfl_code);
	int err = hs_apply_record_limits(c, c->hs.mfl_code, ch.ext.has_rsl, ch.ext.rsl,
					 c->hs.rsl_sent != 0);
	if (!err && conn_dtls(c))
		err = cid_server_answer(c, &ch.ext);
	if (err)
		return err;
	memcpy(c->hs.client_random, ch.random, 32);
	err = cfg_random(c->cfg, c->hs.server_random, 32);
	if (err)
		return conn_error(c, err, "hs: random source failed");
	c->hs.have_randoms = true;
	c->hello_seen = true;
	if (conn_dtls(c))
		/* continue above the record number the stateless HelloVerifyRequest used */
		c->tx[0].seq = c->rec_seq;
	/* RFC 5746 §3.6: the SCSV counts like an empty renegotiation_info */
	bool secure_reneg = ch.ext.has_reneg_info || ch.has_reneg_scsv;
	c->hs.ticket_follows = EIOT_WITH_RESUMPTION && cfg->cache && cfg->tickets && ch.ext.has_session_ticket;
	if (EIOT_WITH_RESUMPTION && cfg->cache) {
		struct sess_state st;
		bool found = find_session(c, &ch, &st);
		if (found) {
			err = send_resumed_flight(c, &ch, &st, secure_reneg);
			eiot_zeroize(&st, sizeof(st));
			return err;
		}
	}
	c->hs.suite = choose_suite(c, &ch);
	if (!c->hs.suite)
		return conn_error(c, EIOT_ERR_NO_SHARED_SUITE,
				  "hs: none of the client's %zu suites is one we have credentials for",
				  ch.n_suites);
	c->hs.ems = ch.ext.has_ems;
	if (cfg->require_ems && !c->hs.ems)
		return conn_error(c, EIOT_ERR_EMS_REQUIRED,
				  "hs: the ClientHello lacks extended master secret, which we require");
	c->hs.born_ms = c->now;
	if (EIOT_WITH_ECDHE && c->hs.suite->kx == KX_ECDHE_ECDSA) {
		if ((err = hs_ecdhe_begin(c)) || (err = choose_cert_types(c, &ch.ext)))
			return err;
		ci_server_on_hello(c, &ch.ext);
		cu_server_on_hello(c, &ch.ext);
	}
	/* a ticket keeps the session; otherwise the cache does, under a fresh session ID */
	if (EIOT_WITH_RESUMPTION && cfg->cache && !c->hs.ticket_follows) {
		c->hs.sid_len = SESS_ID_LEN;
		if ((err = cfg_random(cfg, c->hs.sid, SESS_ID_LEN)))
			return conn_error(c, err, "hs: random source failed");
	}
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "hs: chose %s%s", c->hs.suite->name,
		 c->hs.ems ? " with extended master secret" : "");
	return send_server_flight(c, secure_reneg, ch.ext.has_point_formats);
}

static int on_certificate(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	bool empty;
	int err = hs_check_certificate(c, body, n, &empty);
	if (err)
		return err;
	if (empty && c->cfg->verify_client == EIOT_VERIFY_REQUIRED)
		return conn_error(c, EIOT_ERR_CERT_REQUIRED,
				  "hs: client sent no certificate, and one is required");
	c->hs.client_cert = !empty;
	c->hs.st = ST_S_EXPECT_CKE;
	return 0;
}

/* RFC 6066 §5: the client's certificate by URL, in place of its Certificate. */
static int on_certificate_url(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	int err = cu_server_certificate_url(c, body, n);
	if (err)
		return err;
	c->hs.client_cert = true;
	c->hs.st = ST_S_EXPECT_CKE;
	return 0;
}

static int on_client_key_exchange(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	uint8_t pms[4 + 2 * EIOT_MAX_PSK];
	size_t pms_len;
	int err;

	if (EIOT_WITH_PSK && (!EIOT_WITH_ECDHE || c->hs.suite->kx == KX_PSK)) {
		const uint8_t *id;
		size_t id_len;
		if (hs_parse_cke_psk(body, n, &id, &id_len) || id_len > EIOT_MAX_PSK_IDENTITY)
			return conn_error(c, EIOT_ERR_DECODE, "hs: malformed PSK ClientKeyExchange");
		c->hs.psk = find_psk(c->cfg, id, id_len);
		if (!c->hs.psk)
			return conn_error(c, EIOT_ERR_PSK_UNKNOWN_IDENTITY,
					  "hs: unknown PSK identity (%zu bytes)", id_len);
		memcpy(c->psk_identity, id, id_len);
		c->psk_identity_len = id_len;
		pms_len = tls_psk_premaster(c->hs.psk->key, c->hs.psk->key_len, pms);
	} else {
		const uint8_t *pt;
		size_t pt_len;
		if (hs_parse_cke_ecdhe(body, n, &pt, &pt_len))
			return conn_error(c, EIOT_ERR_DECODE, "hs: malformed ECDHE ClientKeyExchange");
		if (pt_len != 65 || pt[0] != 0x04)
			return conn_error(c, EIOT_ERR_BAD_POINT,
					  "hs: client's ECDHE point is not an uncompressed P-256 point (%zu bytes)",
					  pt_len);
		err = eiot_ecdh_shared(&c->hs.ec->ecdh, pt, pt_len, pms);
		eiot_ecdh_free(&c->hs.ec->ecdh);
		if (err)
			return conn_error(c, err, "hs: client's ECDHE point is not on P-256");
		pms_len = 32;
	}
	if ((err = hs_derive_keys(c, pms, pms_len)))
		return err;
	c->hs.st = c->hs.client_cert ? ST_S_EXPECT_CERT_VERIFY : ST_EXPECT_CCS;
	return 0;
}

static int on_cert_verify(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	uint16_t alg;
	const uint8_t *sig;
	size_t sig_len;
	if (hs_parse_digitally_signed(body, n, &alg, &sig, &sig_len))
		return conn_error(c, EIOT_ERR_DECODE, "hs: malformed CertificateVerify");
	if (alg != SIGALG_ECDSA_SECP256R1_SHA256)
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: CertificateVerify signed with 0x%04x, we asked for 0x0403", alg);
	/* RFC 5246 §7.4.8: over the handshake messages before this one */
	if (eiot_pkey_verify(&c->hs.ec->peer_key, c->hs.th_before, sig, sig_len))
		return conn_error(c, EIOT_ERR_BAD_SIGNATURE,
				  "hs: CertificateVerify does not verify with the client certificate's key");
	c->hs.st = ST_EXPECT_CCS;
	return 0;
}

static int on_finished(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	int err = hs_check_finished(c, body, n);
	if (err)
		return err;
	if (EIOT_WITH_RESUMPTION && c->hs.resumed) {
		conn_established(c);
		return 0;
	}
	hs_flight_begin(c);
	if (EIOT_WITH_RESUMPTION && c->hs.ticket_follows && (err = add_new_session_ticket(c)))
		return err;
	if ((err = hs_flight_add_ccs(c)) || (err = hs_send_finished(c)))
		return err;
	hs_flight_send(c);
	if (EIOT_WITH_RESUMPTION && c->cfg->cache && c->hs.sid_len) {
		struct sess_state st;
		session_state(c, &st);
		sess_cache_put(c->cfg->cache, c->hs.sid, &st);
		eiot_zeroize(&st, sizeof(st));
	}
	conn_established(c);
	return 0;
}

/* see tls/conn_int.h */
int server_handle(struct eiot_conn *c, int type, const uint8_t *body, size_t n)
{
	switch (c->hs.st) {
	case ST_S_EXPECT_CLIENT_HELLO:
		if (type == HT_CLIENT_HELLO)
			return on_client_hello(c, body, n);
		break;
	case ST_S_EXPECT_CERTIFICATE:
		if (EIOT_WITH_ECDHE && type == HT_CERTIFICATE)
			return on_certificate(c, body, n);
		if (EIOT_WITH_CERT_URL && type == HT_CERTIFICATE_URL && c->hs.cu_agreed)
			return on_certificate_url(c, body, n);
		break;
	case ST_S_EXPECT_CKE:
		if (type == HT_CLIENT_KEY_EXCHANGE)
			return on_client_key_exchange(c, body, n);
		break;
	case ST_S_EXPECT_CERT_VERIFY:
		if (EIOT_WITH_ECDHE && type == HT_CERTIFICATE_VERIFY)
			return on_cert_verify(c, body, n);
		break;
	case ST_EXPECT_FINISHED:
		if (type == HT_FINISHED)
			return on_finished(c, body, n);
		break;
	default:
		break;
	}
	return hs_common_message(c, type);
}

#endif /* EIOT_WITH_SERVER */
