/*
 * tls/client.c — the client handshake: one dispatcher over states named for what is
 * expected next, one handler per server message, and the flights the client sends
 * (ClientHello; Certificate? ClientKeyExchange CertificateVerify? CCS Finished).
 */
#include "tls/conn_int.h"

#include <inttypes.h>
#include <string.h>

#include "tls/cached_info.h"
#include "tls/cert_url.h"
#include "tls/cid.h"
#include "tls/keys.h"
#include "tls/rpk.h"
#include "util/bytes.h"

/* RFC 6066 §3: literal IPv4 and IPv6 addresses are not permitted in server_name. */
static bool is_ip_literal(const char *name)
{
	if (strchr(name, ':'))
		return true;
	for (const char *p = name; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return false;
	return true;
}

static bool offers_ecdhe(const struct hs_ctx *hs)
{
	if (!EIOT_WITH_ECDHE)
		return false;
	for (size_t i = 0; i < hs->n_offered; i++) {
		const struct suite_info *s = suite_find(hs->offered[i]);
		if (s && s->kx == KX_ECDHE_ECDSA)
			return true;
	}
	return false;
}

/* RFC 5077 §3.2: the SessionTicket extension goes out when tickets are on or a ticket is offered. */
static bool offers_ticket(const struct eiot_conn *c)
{
	return c->cfg->tickets || (c->hs.offering && c->session->ticket_len);
}

/* Flight 1 (and 3 in DTLS after HelloVerifyRequest: same random, the cookie, next seq). The
 * cookie is read from the HelloVerifyRequest as it is written; the flight keeps the bytes. */
static int send_client_hello(struct eiot_conn *c, const uint8_t *cookie, size_t cookie_len)
{
	const char *name = c->cfg->server_name;
	struct hs_client_hello_params p = {
		.random = c->hs.client_random,
		.cookie = cookie,
		.cookie_len = cookie_len,
		.suites = c->hs.offered,
		.n_suites = c->hs.n_offered,
		.sni = name[0] && !is_ip_literal(name) ? name : NULL,
		.ecc = offers_ecdhe(&c->hs),
		.session_id = c->session ? c->session->id : NULL,
		.session_id_len = c->session ? c->session->id_len : 0,
		.session_ticket = offers_ticket(c),
		.ticket = c->hs.offering ? c->session->ticket : NULL,
		.ticket_len = c->hs.offering ? c->session->ticket_len : 0,
		.mfl_code = c->hs.mfl_code,
		.rsl = c->hs.rsl_sent,
		.cct = c->hs.cct_offer,
		.n_cct = c->hs.n_cct_offer,
		.sct = c->hs.sct_offer,
		.n_sct = c->hs.n_sct_offer,
		.ci_cert_hash = ci_offer_hash(c),
		.cert_url = c->hs.cu_offered,
		.send_cid = c->hs.cid_offered,
		.cid = cid_own(c),
		.cid_len = cid_own_len(c),
	};
	hs_flight_begin(c);
	/* the server answers with the message_seq of our ClientHello (RFC 6347 §4.2.2) */
	c->hs.rx_seq = c->hs.tx_seq;
	struct wr w = hs_msg_open(c);
	hs_write_client_hello(&w, conn_dtls(c), &p);
	int err = hs_msg_close(c, &w, HT_CLIENT_HELLO);
	if (err)
		return err;
	hs_flight_send(c);
	c->hs.st = ST_C_EXPECT_SERVER_HELLO;
	return 0;
}

static bool offered(const struct hs_ctx *hs, uint16_t suite)
{
	for (size_t i = 0; i < hs->n_offered; i++)
		if (hs->offered[i] == suite)
			return true;
	return false;
}

/* Offer s if this configuration can resume it: same transport, its suite still offered
 * (RFC 5246 §7.4.1.2), and a session ID or ticket to present. */
static int offer_session(struct eiot_conn *c, const struct eiot_session *s)
{
	const char *why = NULL;
	if (!s->valid)
		why = "it is not valid";
	else if (s->transport != (uint8_t)c->cfg->transport)
		why = "it is of the other transport";
	else if (!offered(&c->hs, s->suite))
		why = "its suite is not configured any more";
	else if ((!s->id_len && !s->ticket_len) || s->id_len > 32 ||
		 s->ticket_len > EIOT_SESSION_MAX_TICKET)
		why = "it holds no session ID or ticket";
	if (why) {
		EIOT_LOG(c->cfg, EIOT_LOG_INFO, "hs: session not offered (%s): full handshake", why);
		return 0;
	}
	*c->session = *s;
	c->hs.offering = true;
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "hs: offering a session by %s",
		 s->ticket_len ? "ticket" : "session ID");
	if (!s->ticket_len)
		return 0;
	/* RFC 5077 §3.4: a fresh session ID, echoed by a server that accepts the ticket */
	c->session->id_len = 32;
	return cfg_random(c->cfg, c->session->id, 32);
}

static bool can_check_x509(const struct eiot_config *cfg)
{
	return cfg->has_trust && (cfg->server_name[0] || (cfg->name_policy & EIOT_NAME_SKIP_CHECK));
}

/* RFC 7250 §4.1: raw public keys first; the extensions go out only when they offer one. */
static void offer_cert_types(struct eiot_conn *c)
{
	const struct eiot_config *cfg = c->cfg;
	struct hs_ctx *hs = &c->hs;
	if (!offers_ecdhe(hs))
		return;
	if (cfg->n_rpk_pins) {
		hs->sct_offer[hs->n_sct_offer++] = CERT_TYPE_RPK;
		if (can_check_x509(cfg))
			hs->sct_offer[hs->n_sct_offer++] = CERT_TYPE_X509;
	}
	if (cfg->rpk_own)
		hs->cct_offer[hs->n_cct_offer++] = CERT_TYPE_RPK;
}

static bool type_offered(const uint8_t *list, size_t n, uint8_t type)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == type)
			return true;
	return false;
}

/* The server's answer to our certificate type offers (RFC 7250 §4.2). */
static int on_cert_types(struct eiot_conn *c, const struct hs_exts *e)
{
	struct hs_ctx *hs = &c->hs;
	if (e->has_sct && !type_offered(hs->sct_offer, hs->n_sct_offer, e->sct))
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: ServerHello server_certificate_type %u, which we did not offer", e->sct);
	if (e->has_cct && !type_offered(hs->cct_offer, hs->n_cct_offer, e->cct))
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: ServerHello client_certificate_type %u, which we did not offer", e->cct);
	hs->server_rpk = e->has_sct && e->sct == CERT_TYPE_RPK;
	hs->client_rpk = e->has_cct && e->cct == CERT_TYPE_RPK;
	if (hs->suite->kx == KX_ECDHE_ECDSA && !hs->server_rpk && !can_check_x509(c->cfg))
		return conn_error(c, EIOT_ERR_NO_CERT_TYPE,
				  "hs: server will send an X.509 certificate, and we have only pinned raw public keys");
	return 0;
}

/* see tls/conn_int.h */
size_t client_hello_bound(const struct eiot_config *cfg, const struct eiot_session *s)
{
	static const uint8_t two_types[2], hash[32]; /* only their sizes count */
	bool dtls = cfg->transport == EIOT_DTLS;
	const char *name = cfg->server_name;
	bool ticket = EIOT_WITH_RESUMPTION && (cfg->tickets || (s && s->ticket_len));
	struct hs_client_hello_params p = {
		.cookie_len = dtls ? HS_MAX_COOKIE : 0,
		.suites = cfg->suites,
		.n_suites = cfg->n_suites ? cfg->n_suites : 1,
		.sni = name[0] && !is_ip_literal(name) ? name : NULL,
		.session_id_len = EIOT_WITH_RESUMPTION ? HS_MAX_SESSION_ID : 0,
		.session_ticket = ticket,
		.ticket_len = ticket && s ? s->ticket_len : 0,
		.mfl_code = cfg->mfl ? 1 : 0,
		.rsl = cfg->rsl ? 1 : 0,
		.send_cid = EIOT_WITH_CID && dtls && cfg->cid,
		.cid_len = cfg->cid_len,
		.ecc = EIOT_WITH_ECDHE,
		.cct = two_types,
		.n_cct = EIOT_WITH_RPK && cfg->rpk_own ? 1 : 0,
		.sct = two_types,
		.n_sct = EIOT_WITH_RPK && cfg->n_rpk_pins ? 2 : 0,
		.ci_cert_hash = EIOT_WITH_CACHED_INFO ? hash : NULL,
		.cert_url = cu_client_offers(cfg),
	};
	struct wr w = wr_counter();
	hs_write_client_hello(&w, dtls, &p);
	return (dtls ? HS_DTLS_HEADER : HS_TLS_HEADER) + w.len;
}

/* see tls/conn_int.h */
int client_start(struct eiot_conn *c, const struct eiot_session *s)
{
	c->hs.n_offered = (uint8_t)hs_usable_suites(c->cfg, c->hs.offered, SUITES_IN_BUILD);
	if (c->hs.n_offered == 0)
		return conn_error(c, EIOT_ERR_NO_CREDENTIALS,
				  "hs: no configured suite has credentials (PSK, or trust anchors and a server name)");
	int err = cfg_random(c->cfg, c->hs.client_random, 32);
	if (!err && s && EIOT_WITH_RESUMPTION)
		err = offer_session(c, s);
	if (err)
		return conn_error(c, err, "hs: random source failed");
	c->hs.rx_seq_set = true;
	/* RFC 6066 §4: 512 << (code - 1) */
	for (uint8_t code = 1; code <= 4; code++)
		if (c->cfg->mfl == (size_t)256 << code)
			c->hs.mfl_code = code;
	if (c->cfg->rsl)
		c->hs.rsl_sent = (uint16_t)(c->cfg->rsl < c->rx_max ? c->cfg->rsl : c->rx_max);
	offer_cert_types(c);
	if (offers_ecdhe(&c->hs) && (err = ci_client_offer(c)))
		return conn_error(c, err, "cached_info: no memory for the cached Certificate");
	c->hs.cu_offered = offers_ecdhe(&c->hs) && cu_client_offers(c->cfg);
	if ((err = cid_client_offer(c)))
		return err;
	return send_client_hello(c, NULL, 0);
}

/* RFC 5246 §7.4.1.4: a server must not send an extension the client did not offer. */
static const char *unoffered_extension(const struct eiot_conn *c, const struct hs_exts *e)
{
	if (e->has_sni && !(c->cfg->server_name[0] && !is_ip_literal(c->cfg->server_name)))
		return "server_name";
	if (e->has_point_formats && !offers_ecdhe(&c->hs))
		return "ec_point_formats";
	if (e->has_groups)
		return "supported_groups";
	if (e->has_sigalgs)
		return "signature_algorithms";
	if (e->has_etm)
		return "encrypt_then_mac";
	if (e->has_truncated_hmac)
		return "truncated_hmac";
	if (e->has_mfl && !c->hs.mfl_code)
		return "max_fragment_length";
	if (e->has_rsl && !c->hs.rsl_sent)
		return "record_size_limit";
	if (e->has_cct && !c->hs.n_cct_offer)
		return "client_certificate_type";
	if (e->has_sct && !c->hs.n_sct_offer)
		return "server_certificate_type";
	if (e->has_session_ticket && !offers_ticket(c))
		return "session_ticket";
	if (e->has_cached_info && !ci_offer_hash(c))
		return "cached_info";
	if (e->has_cert_url && !c->hs.cu_offered)
		return "client_certificate_url";
	if (e->has_cid && !c->hs.cid_offered)
		return "connection_id";
	if (e->n_unknown)
		return "an unknown extension";
	return NULL;
}

/* The abbreviated handshake: the session's suite and master secret, keys from the new
 * randoms, then NewSessionTicket? CCS Finished from the server (RFC 5246 §7.3, RFC 5077 §3.1). */
static int resume(struct eiot_conn *c, const struct hs_server_hello *sh)
{
	const struct eiot_session *s = c->session;
	if (sh->suite != s->suite)
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: server resumed our session with suite 0x%04x, the session's is 0x%04x",
				  sh->suite, s->suite);
	/* RFC 7627 §5.3: abort when the ServerHello's EMS differs from the session's */
	if (sh->ext.has_ems != s->ems)
		return conn_error(c, EIOT_ERR_EMS_REQUIRED,
				  "hs: server resumed a session %s extended master secret, its ServerHello %s it (RFC 7627 §5.3)",
				  s->ems ? "with" : "without", sh->ext.has_ems ? "has" : "lacks");
	c->hs.suite = suite_find(s->suite);
	c->hs.ems = s->ems;
	memcpy(c->hs.ms, s->master, 48);
	c->hs.have_ms = true;
	c->hs.resumed = true;
	int err = hs_install_keys(c);
	if (err)
		return err;
	c->hs.st = c->hs.ticket_follows ? ST_C_EXPECT_NEW_TICKET : ST_EXPECT_CCS;
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "hs: server resumed our session (%s)", c->hs.suite->name);
	return 0;
}

static int on_server_hello(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	struct hs_server_hello sh;
	if (hs_parse_server_hello(body, n, &sh))
		return conn_error(c, EIOT_ERR_DECODE, "hs: malformed ServerHello");
	uint16_t want = conn_dtls(c) ? DTLS_VERSION_1_2 : TLS_VERSION_1_2;
	if (sh.version != want)
		return conn_error(c, EIOT_ERR_PROTOCOL_VERSION,
				  "hs: ServerHello version 0x%04x, we only do 0x%04x", sh.version, want);
	if (!offered(&c->hs, sh.suite))
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: ServerHello picked suite 0x%04x we did not offer", sh.suite);
	if (sh.compression != 0)
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: ServerHello picked compression %u, we offered only null",
				  sh.compression);
	const char *ext = unoffered_extension(c, &sh.ext);
	if (ext)
		return conn_error(c, EIOT_ERR_UNSUPPORTED_EXTENSION,
				  "hs: ServerHello carries %s, which we did not offer", ext);
	if (sh.ext.has_reneg_info && sh.ext.reneg_info_len != 0)
		return conn_error(c, EIOT_ERR_INSECURE_RENEGOTIATION,
				  "hs: ServerHello renegotiation_info not empty on an initial handshake");
	if (!sh.ext.has_reneg_info)
		EIOT_LOG(c->cfg, EIOT_LOG_WARN,
			 "hs: server did not send renegotiation_info (RFC 5746 §3.4: continuing)");
	if (sh.ext.has_mfl && sh.ext.has_rsl)
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: ServerHello carries both max_fragment_length and record_size_limit (RFC 8449 §5)");
	if (sh.ext.has_mfl && sh.ext.mfl_code != c->hs.mfl_code)
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: ServerHello max_fragment_length code %u, we offered %u (RFC 6066 §4)",
				  sh.ext.mfl_code, c->hs.mfl_code);
	int err = hs_apply_record_limits(c, sh.ext.has_mfl ? sh.ext.mfl_code : 0, sh.ext.has_rsl,
					 sh.ext.rsl, sh.ext.has_rsl);
	if (!err && c->hs.cid_offered)
		err = cid_client_agree(c, &sh.ext);
	if (err)
		return err;
	memcpy(c->hs.server_random, sh.random, 32);
	c->hs.have_randoms = true;
	c->hello_seen = true;
	c->hs.ticket_follows = sh.ext.has_session_ticket;
	/* RFC 5246 §7.4.1.3: the server resumes by echoing the session ID we offered */
	struct eiot_session *s = c->session; /* the one offered, then the one to keep */
	if (EIOT_WITH_RESUMPTION && c->hs.offering && sh.session_id_len && sh.session_id_len == s->id_len &&
	    !memcmp(sh.session_id, s->id, s->id_len))
		return resume(c, &sh);
	if (c->hs.offering)
		EIOT_LOG(c->cfg, EIOT_LOG_INFO, "hs: server did not resume our session: full handshake");
	c->hs.offering = false;
	if (EIOT_WITH_RESUMPTION && s) {
		eiot_session_clear(s);
		memcpy(s->id, sh.session_id, sh.session_id_len);
		s->id_len = (uint8_t)sh.session_id_len;
	}
	c->hs.suite = suite_find(sh.suite);
	c->hs.ems = sh.ext.has_ems;
	if (c->cfg->require_ems && !c->hs.ems)
		return conn_error(c, EIOT_ERR_EMS_REQUIRED,
				  "hs: the ServerHello lacks extended master secret, which we require");
	if (EIOT_WITH_ECDHE && ((err = on_cert_types(c, &sh.ext)) || (err = ci_client_on_hello(c, &sh.ext))))
		return err;
	c->hs.cu_agreed = sh.ext.has_cert_url;
	if (c->hs.cu_offered && !c->hs.cu_agreed)
		EIOT_LOG(c->cfg, EIOT_LOG_DEBUG,
			 "cert_url: the server does not take certificate URLs: Certificate if asked");
	if (c->hs.suite->kx == KX_ECDHE_ECDSA) {
		if ((err = hs_ecdhe_begin(c)))
			return err;
		c->hs.st = ST_C_EXPECT_CERTIFICATE;
	} else {
		c->hs.st = ST_C_EXPECT_SKE_OR_SHD;
	}
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "hs: server chose %s%s", c->hs.suite->name,
		 c->hs.ems ? " with extended master secret" : "");
	return 0;
}

static int on_hello_verify_request(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	uint16_t version;
	const uint8_t *cookie;
	size_t cookie_len;
	if (hs_parse_hello_verify_request(body, n, &version, &cookie, &cookie_len))
		return conn_error(c, EIOT_ERR_DECODE, "hs: malformed HelloVerifyRequest");
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "hs: HelloVerifyRequest with a %zu-byte cookie", cookie_len);
	/* RFC 6347 §4.2.1: the first ClientHello and the HelloVerifyRequest are not hashed */
	hs_transcript_reset(c);
	return send_client_hello(c, cookie, cookie_len);
}

static int on_certificate(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	bool empty;
	int err = ci_client_certificate(c, body, n, &empty);
	if (err)
		return err;
	if (empty)
		return conn_error(c, EIOT_ERR_CERT_BAD, "hs: server sent an empty Certificate");
	c->hs.st = ST_C_EXPECT_SKE;
	return 0;
}

static int on_ske_ecdhe(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	struct hs_ske_ecdhe ske;
	if (hs_parse_ske_ecdhe(body, n, &ske))
		return conn_error(c, EIOT_ERR_DECODE, "hs: malformed ServerKeyExchange");
	if (ske.group != GROUP_SECP256R1)
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: ServerKeyExchange uses group %u, we offered only secp256r1",
				  ske.group);
	if (ske.point_len != 65 || ske.point[0] != 0x04)
		return conn_error(c, EIOT_ERR_BAD_POINT,
				  "hs: server's ECDHE point is not an uncompressed P-256 point (%zu bytes)",
				  ske.point_len);
	if (ske.sigalg != SIGALG_ECDSA_SECP256R1_SHA256)
		return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
				  "hs: ServerKeyExchange signed with 0x%04x, we offered only 0x0403",
				  ske.sigalg);
	/* RFC 8422 §5.4: the signature covers client_random || server_random || params */
	struct eiot_sha256 h;
	uint8_t hash[32];
	eiot_sha256_init(&h);
	eiot_sha256_update(&h, c->hs.client_random, 32);
	eiot_sha256_update(&h, c->hs.server_random, 32);
	eiot_sha256_update(&h, ske.params, ske.params_len);
	eiot_sha256_peek(&h, hash);
	eiot_sha256_free(&h);
	if (eiot_pkey_verify(&c->hs.ec->peer_key, hash, ske.sig, ske.sig_len))
		return conn_error(c, EIOT_ERR_BAD_SIGNATURE,
				  "hs: ServerKeyExchange signature does not verify with the server's key");
	memcpy(c->hs.ec->peer_point, ske.point, 65);
	c->hs.st = ST_C_EXPECT_CR_OR_SHD;
	return 0;
}

static int on_ske_psk(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	const uint8_t *hint;
	size_t hint_len;
	if (hs_parse_ske_psk(body, n, &hint, &hint_len))
		return conn_error(c, EIOT_ERR_DECODE, "hs: malformed PSK ServerKeyExchange");
	EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "hs: server sent a %zu-byte PSK identity hint (ignored)",
		 hint_len);
	c->hs.st = ST_C_EXPECT_SHD;
	return 0;
}

static int on_cert_request(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	struct hs_cert_request cr;
	if (hs_parse_cert_request(body, n, &cr))
		return conn_error(c, EIOT_ERR_DECODE, "hs: malformed CertificateRequest");
	c->hs.cert_requested = true;
	bool have = c->hs.client_rpk ? c->cfg->rpk_own : c->cfg->has_own_cert;
	c->hs.send_cert = have && cr.type_ecdsa_sign && cr.sigalg_ecdsa_p256_sha256;
	if (!c->hs.send_cert)
		EIOT_LOG(c->cfg, EIOT_LOG_WARN,
			 "hs: server asked for a certificate we cannot give (%s): sending none",
			 have ? "no ecdsa_sign / 0x0403" : "no own credential of the agreed type");
	c->hs.st = ST_C_EXPECT_SHD;
	return 0;
}

/* ClientKeyExchange and the premaster secret for the negotiated key exchange. */
static int add_client_key_exchange(struct eiot_conn *c)
{
	const struct eiot_config *cfg = c->cfg;
	uint8_t pms[4 + 2 * EIOT_MAX_PSK];
	size_t pms_len;
	struct wr w = hs_msg_open(c);
	int err;

	if (EIOT_WITH_PSK && (!EIOT_WITH_ECDHE || c->hs.suite->kx == KX_PSK)) {
		hs_write_cke_psk(&w, cfg->psk[0].identity, cfg->psk[0].identity_len);
		err = hs_msg_close(c, &w, HT_CLIENT_KEY_EXCHANGE);
		if (err)
			return err;
		pms_len = tls_psk_premaster(cfg->psk[0].key, cfg->psk[0].key_len, pms);
	} else {
		uint8_t pub[65];
		err = eiot_ecdh_keygen(&c->hs.ec->ecdh, hs_rng, (void *)cfg, pub);
		if (err)
			return conn_error(c, err, "hs: ECDHE key generation failed");
		hs_write_cke_ecdhe(&w, pub);
		err = hs_msg_close(c, &w, HT_CLIENT_KEY_EXCHANGE);
		if (err)
			return err;
		err = eiot_ecdh_shared(&c->hs.ec->ecdh, c->hs.ec->peer_point, 65, pms);
		eiot_ecdh_free(&c->hs.ec->ecdh);
		if (err)
			return conn_error(c, err, "hs: server's ECDHE point is not on P-256");
		pms_len = 32;
	}
	return hs_derive_keys(c, pms, pms_len);
}

static int on_server_hello_done(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	int err;

	if (hs_parse_empty(body, n))
		return conn_error(c, EIOT_ERR_DECODE, "hs: ServerHelloDone with a body");
	hs_flight_begin(c);
	if (EIOT_WITH_ECDHE && c->hs.cert_requested) {
		struct wr w = hs_msg_open(c);
		/* RFC 6066 §5: CertificateURL in place of Certificate once the server agreed */
		bool url = EIOT_WITH_CERT_URL && c->hs.send_cert && c->hs.cu_agreed && !c->hs.client_rpk;
		if (url)
			cu_client_write(c, &w);
		else if (c->hs.send_cert)
			hs_write_own_certificate(c, &w);
		else
			hs_write_certificate(&w, NULL, NULL, 0);
		if ((err = hs_msg_close(c, &w, url ? HT_CERTIFICATE_URL : HT_CERTIFICATE)))
			return err;
	}
	if ((err = add_client_key_exchange(c)))
		return err;
	if (EIOT_WITH_ECDHE && c->hs.send_cert) {
		/* CertificateVerify signs SHA-256 of the messages so far (RFC 5246 §7.4.8) */
		uint8_t th[32];
		eiot_sha256_peek(&c->hs.transcript, th);
		struct wr w = hs_msg_open(c);
		if ((err = hs_sign(c, th, &w)) || (err = hs_msg_close(c, &w, HT_CERTIFICATE_VERIFY)))
			return err;
	}
	if ((err = hs_flight_add_ccs(c)) || (err = hs_send_finished(c)))
		return err;
	hs_flight_send(c);
	c->hs.st = c->hs.ticket_follows ? ST_C_EXPECT_NEW_TICKET : ST_EXPECT_CCS;
	return 0;
}

static int on_new_session_ticket(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	uint32_t hint;
	const uint8_t *t;
	size_t len;
	if (hs_parse_new_session_ticket(body, n, &hint, &t, &len))
		return conn_error(c, EIOT_ERR_DECODE, "hs: malformed NewSessionTicket");
	c->session->ticket_len = 0;
	if (len > EIOT_SESSION_MAX_TICKET) {
		EIOT_LOG(c->cfg, EIOT_LOG_WARN,
			 "hs: session ticket of %zu bytes is longer than we keep (%d): not kept", len,
			 EIOT_SESSION_MAX_TICKET);
	} else {
		memcpy(c->session->ticket, t, len);
		c->session->ticket_len = (uint16_t)len;
		c->session->ticket_lifetime_hint = hint;
		EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "hs: NewSessionTicket: %zu-byte ticket, lifetime hint %" PRIu32 " s",
			 len, hint);
	}
	c->hs.st = ST_EXPECT_CCS;
	return 0;
}

/* The session to keep: a way to resume it (session ID or ticket) and its secret. */
static void keep_session(struct eiot_conn *c)
{
	struct eiot_session *s = c->session;
	s->transport = (uint8_t)c->cfg->transport;
	s->suite = c->hs.suite->id;
	s->ems = c->hs.ems;
	memcpy(s->master, c->hs.ms, 48);
	s->valid = s->id_len || s->ticket_len;
	if (!s->valid)
		eiot_session_clear(s);
}

static int on_finished(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	int err = hs_check_finished(c, body, n);
	if (err)
		return err;
	if (EIOT_WITH_RESUMPTION && c->hs.resumed) {
		/* abbreviated handshake: the client's CCS and Finished end it */
		hs_flight_begin(c);
		if ((err = hs_flight_add_ccs(c)) || (err = hs_send_finished(c)))
			return err;
		hs_flight_send(c);
	} else {
		ci_client_done(c); /* RFC 7924 §6: cache only after a successful exchange */
	}
	if (EIOT_WITH_RESUMPTION)
		keep_session(c);
	conn_established(c);
	return 0;
}

/* see tls/conn_int.h */
int client_handle(struct eiot_conn *c, int type, const uint8_t *body, size_t n)
{
	switch (c->hs.st) {
	case ST_C_EXPECT_SERVER_HELLO:
		if (type == HT_SERVER_HELLO)
			return on_server_hello(c, body, n);
		if (type == HT_HELLO_VERIFY_REQUEST && conn_dtls(c))
			return on_hello_verify_request(c, body, n);
		break;
	case ST_C_EXPECT_CERTIFICATE:
		if (EIOT_WITH_ECDHE && type == HT_CERTIFICATE)
			return on_certificate(c, body, n);
		break;
	case ST_C_EXPECT_SKE:
		if (EIOT_WITH_ECDHE && type == HT_SERVER_KEY_EXCHANGE)
			return on_ske_ecdhe(c, body, n);
		break;
	case ST_C_EXPECT_SKE_OR_SHD:
		if (type == HT_SERVER_KEY_EXCHANGE)
			return on_ske_psk(c, body, n);
		if (type == HT_SERVER_HELLO_DONE)
			return on_server_hello_done(c, body, n);
		break;
	case ST_C_EXPECT_CR_OR_SHD:
		if (EIOT_WITH_ECDHE && type == HT_CERTIFICATE_REQUEST)
			return on_cert_request(c, body, n);
		if (type == HT_SERVER_HELLO_DONE)
			return on_server_hello_done(c, body, n);
		break;
	case ST_C_EXPECT_SHD:
		if (type == HT_SERVER_HELLO_DONE)
			return on_server_hello_done(c, body, n);
		break;
	case ST_C_EXPECT_NEW_TICKET:
		if (EIOT_WITH_RESUMPTION && type == HT_NEW_SESSION_TICKET)
			return on_new_session_ticket(c, body, n);
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
