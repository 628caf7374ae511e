/*
 * tls/hs_common.c — what the client and server handshakes share: which suites our
 * credentials allow, the key schedule (RFC 5246 §8.1, RFC 7627), Finished (§7.4.9), the
 * peer's Certificate (checked by tls/creds.c) and our ECDSA signatures.
 */
#include "tls/conn_int.h"

#include <string.h>

#include "tls/cached_info.h"
#include "tls/creds.h"
#include "tls/keys.h"
#include "tls/rpk.h"
#include "util/bytes.h"

/* see tls/conn_int.h */
size_t hs_usable_suites(const struct eiot_config *cfg, uint16_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_suites && n < cap; i++) {
		const struct suite_info *s = suite_find(cfg->suites[i]);
		if (!s || (cfg->strict_profile && !suite_is_profile(s->id)))
			continue;
		bool ok;
		if (s->kx == KX_PSK)
			ok = cfg->n_psk > 0;
		else if (cfg->role == EIOT_CLIENT)
			ok = (cfg->has_trust &&
			      (cfg->server_name[0] || (cfg->name_policy & EIOT_NAME_SKIP_CHECK))) ||
			     cfg->n_rpk_pins;
		else
			ok = cfg->has_own_cert || cfg->rpk_own;
		for (size_t j = 0; ok && j < n; j++)
			ok = out[j] != s->id; /* listed twice: offered once */
		if (ok)
			out[n++] = s->id;
	}
	return n;
}

/* RFC 6066 §4: codes 1..4 are 2^9..2^12 bytes. */
static size_t mfl_bytes(uint8_t code)
{
	return code >= 1 && code <= 4 ? (size_t)256 << code : 0;
}

/* see tls/conn_int.h */
int hs_apply_record_limits(struct eiot_conn *c, uint8_t mfl_code, bool has_rsl, uint16_t peer_rsl,
			   bool rsl_agreed)
{
	if (mfl_code) {
		size_t n = mfl_bytes(mfl_code);
		if (!n)
			return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
					  "hs: max_fragment_length code %u is not 1..4 (RFC 6066 §4)",
					  mfl_code);
		if (n < c->tx_limit)
			c->tx_limit = n;
		if (n < c->rx_limit)
			c->rx_limit = n;
	}
	if (has_rsl) {
		if (peer_rsl < RSL_MIN)
			return conn_error(c, EIOT_ERR_ILLEGAL_PARAMETER,
					  "hs: record_size_limit %u is below 64 (RFC 8449 §4)", peer_rsl);
		/* RFC 8449 §4: a TLS 1.2 limit above 2^14 means 2^14 */
		if (peer_rsl < c->tx_limit)
			c->tx_limit = peer_rsl;
	}
	if (rsl_agreed && c->hs.rsl_sent < c->rx_limit)
		c->rx_limit = c->hs.rsl_sent;
	if (mfl_code || has_rsl)
		EIOT_LOG(c->cfg, EIOT_LOG_DEBUG,
			 "hs: records at most %zu bytes out, %zu in (max_fragment_length %zu, peer's record_size_limit %u)",
			 c->tx_limit, c->rx_limit, mfl_bytes(mfl_code), peer_rsl);
	return 0;
}

/* see tls/conn_int.h */
int hs_derive_keys(struct eiot_conn *c, uint8_t *pms, size_t pms_len)
{
	struct hs_ctx *hs = &c->hs;

	if (hs->ems) {
		/* RFC 7627 §3: session_hash covers the transcript through ClientKeyExchange */
		uint8_t session_hash[32];
		eiot_sha256_peek(&hs->transcript, session_hash);
		tls_extended_master_secret(pms, pms_len, session_hash, hs->ms);
	} else {
		tls_master_secret(pms, pms_len, hs->client_random, hs->server_random, hs->ms);
	}
	eiot_zeroize(pms, pms_len);
	hs->have_ms = true;
	return hs_install_keys(c);
}

/* see tls/conn_int.h */
int hs_install_keys(struct eiot_conn *c)
{
	struct hs_ctx *hs = &c->hs;
	struct tls_key_block kb;

	tls_key_block(hs->ms, hs->client_random, hs->server_random, &kb);
	enum eiot_aead_alg alg = hs->suite->aead;
	int err;
	if (conn_client(c)) {
		err = rec_dir_set_keys(&c->tx[1], alg, kb.client_key, kb.client_iv);
		if (!err)
			err = rec_dir_set_keys(&c->rx[1], alg, kb.server_key, kb.server_iv);
		if (!err && conn_dtls(c))
			conn_save_keys(c, kb.client_key, kb.server_key);
	} else {
		err = rec_dir_set_keys(&c->tx[1], alg, kb.server_key, kb.server_iv);
		if (!err)
			err = rec_dir_set_keys(&c->rx[1], alg, kb.client_key, kb.client_iv);
		if (!err && conn_dtls(c))
			conn_save_keys(c, kb.server_key, kb.client_key);
	}
	eiot_zeroize(&kb, sizeof(kb));
	if (err)
		return conn_error(c, err, "keys: cannot set up record protection");
	if (EIOT_WITH_KEYLOG && c->cfg->keylog_path)
		c->cfg->keylog(c->cfg, c->cfg->keylog_path, hs->client_random, hs->ms);
	return 0;
}

/* see tls/conn_int.h */
int hs_send_finished(struct eiot_conn *c)
{
	uint8_t th[32], vd[12];
	eiot_sha256_peek(&c->hs.transcript, th);
	tls_finished(c->hs.ms, conn_client(c), th, vd);
	struct wr w = hs_msg_open(c);
	wr_bytes(&w, vd, sizeof(vd));
	eiot_zeroize(vd, sizeof(vd));
	return hs_msg_close(c, &w, HT_FINISHED);
}

/* see tls/conn_int.h */
int hs_check_finished(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	const uint8_t *vd;
	uint8_t want[12];

	if (hs_parse_finished(body, n, &vd))
		return conn_error(c, EIOT_ERR_DECODE, "hs: Finished of %zu bytes, not 12", n);
	tls_finished(c->hs.ms, !conn_client(c), c->hs.th_before, want);
	int ok = eiot_ct_eq(vd, want, sizeof(want));
	eiot_zeroize(want, sizeof(want));
	if (!ok)
		return conn_error(c, EIOT_ERR_BAD_FINISHED,
				  "hs: peer's Finished verify_data is wrong (different keys or transcript)");
	return 0;
}

#if EIOT_WITH_ECDHE
/* see tls/conn_int.h */
int hs_check_certificate(struct eiot_conn *c, const uint8_t *body, size_t n, bool *empty)
{
	struct hs_certificate cert;

	*empty = false;
	if (EIOT_WITH_RPK && (!EIOT_WITH_X509 || (conn_client(c) ? c->hs.server_rpk : c->hs.client_rpk))) {
		int err = rpk_verify_peer(c->cfg, body, n, c->peer.rpk_sha256, &c->hs.ec->peer_key, empty);
		if (!err && !*empty)
			c->has_peer_key = c->peer.rpk = true;
		return err;
	}
	if (hs_parse_certificate(body, n, &cert))
		return conn_error(c, EIOT_ERR_DECODE, "hs: malformed Certificate message");
	if (cert.truncated)
		return conn_error(c, EIOT_ERR_CERT_CHAIN_TOO_LONG,
				  "hs: peer sent more than %d certificates", HS_MAX_CERTS);
	if (cert.n == 0) {
		*empty = true;
		return 0;
	}
	/* RFC 7924: a chain we verified before and cached is not verified again, only rechecked */
	int err = conn_client(c) && ci_hit(c)
			  ? creds_recheck_cached_server(c->cfg, cert.cert, cert.len, cert.n,
							ci_anchor(c), &c->hs.ec->peer_key)
			  : creds_verify_peer(c->cfg, cert.cert, cert.len, cert.n, conn_client(c),
					      &c->hs.ec->peer_key, c->hs.peer_eui64,
					      &c->hs.has_peer_eui64, ci_anchor(c));
	if (err)
		return err; /* creds_verify_peer logged what was wrong */
	c->has_peer_key = true;
	return conn_keep_peer_cert(c, cert.cert[0], cert.len[0], NULL, 0);
}
#endif

/* see tls/conn_int.h */
void hs_write_own_certificate(struct eiot_conn *c, struct wr *w)
{
	const struct eiot_config *cfg = c->cfg;
	if (EIOT_WITH_RPK && (!EIOT_WITH_X509 || (conn_client(c) ? c->hs.client_rpk : c->hs.server_rpk))) {
		/* RFC 7250 §3: opaque ASN.1_subjectPublicKeyInfo<1..2^24-1> */
		wr_u24(w, (uint32_t)cfg->own_spki_len);
		wr_bytes(w, cfg->own_spki, cfg->own_spki_len);
		return;
	}
	hs_write_certificate(w, (const uint8_t *const *)cfg->own_chain_der, cfg->own_chain_len,
			     cfg->n_own_chain);
}

static const char *state_name(enum hs_state st)
{
	switch (st) {
	case ST_C_EXPECT_SERVER_HELLO: return "expecting ServerHello";
	case ST_C_EXPECT_CERTIFICATE: return "expecting Certificate";
	case ST_C_EXPECT_SKE: return "expecting ServerKeyExchange";
	case ST_C_EXPECT_SKE_OR_SHD: return "expecting ServerKeyExchange or ServerHelloDone";
	case ST_C_EXPECT_CR_OR_SHD: return "expecting CertificateRequest or ServerHelloDone";
	case ST_C_EXPECT_SHD: return "expecting ServerHelloDone";
	case ST_C_EXPECT_NEW_TICKET: return "expecting NewSessionTicket";
	case ST_S_EXPECT_CLIENT_HELLO: return "expecting ClientHello";
	case ST_S_EXPECT_CERTIFICATE: return "expecting Certificate";
	case ST_S_EXPECT_CKE: return "expecting ClientKeyExchange";
	case ST_S_EXPECT_CERT_VERIFY: return "expecting CertificateVerify";
	case ST_EXPECT_CCS: return "expecting ChangeCipherSpec";
	case ST_EXPECT_FINISHED: return "expecting Finished";
	default: return "after the handshake";
	}
}

/* see tls/conn_int.h */
int hs_common_message(struct eiot_conn *c, int type)
{
	if (c->hs.st == ST_EXPECT_CCS && type == MSG_CHANGE_CIPHER_SPEC) {
		/* the peer's ChangeCipherSpec: read the protected state from now on */
		c->rx_cur = 1;
		c->hs.st = ST_EXPECT_FINISHED;
		return 0;
	}
	if (c->hs.st == ST_DONE && type == (conn_client(c) ? HT_HELLO_REQUEST : HT_CLIENT_HELLO)) {
		/* RFC 7925 §17: no renegotiation; the connection stays up */
		EIOT_LOG(c->cfg, EIOT_LOG_INFO, "hs: %s on an established connection: no_renegotiation%s",
			 conn_client(c) ? "HelloRequest" : "ClientHello",
			 conn_seq_reserved(c) ? "" : " not sent (no saved record number left: a warning is not worth a save)");
		return conn_seq_reserved(c) ? conn_send_alert(c, 1, EIOT_ALERT_NO_RENEGOTIATION) : 0;
	}
	if (type == HT_HELLO_REQUEST && conn_client(c)) {
		/* RFC 5246 §7.4.1.1: ignored while a handshake runs */
		EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "hs: HelloRequest during the handshake ignored");
		return 0;
	}
	if (type == MSG_CHANGE_CIPHER_SPEC && conn_dtls(c)) {
		EIOT_LOG(c->cfg, EIOT_LOG_DEBUG, "dtls: ChangeCipherSpec %s dropped",
			 state_name(c->hs.st));
		return 0;
	}
	return conn_error(c, EIOT_ERR_UNEXPECTED_MESSAGE, "hs: unexpected message type %d %s", type,
			  state_name(c->hs.st));
}

/* see tls/conn_int.h */
int hs_rng(void *cfg, uint8_t *out, size_t n)
{
	return cfg_random(cfg, out, n);
}

/* see tls/conn_int.h */
int hs_sign(struct eiot_conn *c, const uint8_t hash[32], struct wr *w)
{
	uint8_t sig[80];
	size_t sig_len;
	const struct eiot_config *cfg = c->cfg;

	/* the key is only read; the seam takes a mutable context as mbedTLS does */
	int err = eiot_pkey_sign((struct eiot_pkey *)&cfg->own_key, hash, hs_rng, (void *)cfg, sig,
				 sizeof(sig), &sig_len);
	if (err)
		return conn_error(c, err, "hs: ECDSA signing with our key failed");
	hs_write_digitally_signed(w, sig, sig_len);
	return 0;
}
