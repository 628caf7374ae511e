/*
 * tls/cert_url.c — client certificate URLs (RFC 6066 §5), see tls/cert_url.h.
 *
 * Invariants: the server agrees only with a resolver configured (RFC 6066 §11.3: enabled by
 * the administrator, never by default) and only when it asks for an X.509 client
 * certificate; resolved certificates go to one heap buffer of max_handshake bytes, freed
 * before returning; only individual_certs is accepted (pkipath: certificate_unobtainable).
 * SHA-1 is a fingerprint here, checked for second-preimage resistance only (§11.3).
 */
#include "tls/cert_url.h"

#include <stdlib.h>
#include <string.h>

#include "eap_iot/stores.h"
#include "tls/creds.h"
#include "util/bytes.h"

#if EIOT_WITH_CERT_URL /* else no offer, no agreement (tls/cert_url.h) */

#define CU_MAX_URL 2048

/* see tls/cert_url.h */
bool cu_client_offers(const struct eiot_config *cfg)
{
	return cfg->own_cert_url && cfg->has_own_cert;
}

/* see tls/cert_url.h */
void cu_client_write(const struct eiot_conn *c, struct wr *w)
{
	const struct eiot_config *cfg = c->cfg;
	uint8_t sha1[CU_SHA1_LEN];
	eiot_sha1(cfg->own_chain_der[0], cfg->own_chain_len[0], sha1);
	hs_write_certificate_url(w, cfg->own_cert_url, sha1);
	EIOT_LOG(cfg, EIOT_LOG_DEBUG, "cert_url: sending CertificateURL %s", cfg->own_cert_url);
}

#if EIOT_WITH_SERVER
/* see tls/cert_url.h */
void cu_server_on_hello(struct eiot_conn *c, const struct hs_exts *e)
{
	c->hs.cu_agreed = e->has_cert_url && c->cfg->cert_url_ops && c->hs.ask_cert &&
			  !c->hs.client_rpk;
	if (e->has_cert_url && !c->hs.cu_agreed)
		EIOT_LOG(c->cfg, EIOT_LOG_DEBUG,
			 "cert_url: client offers certificate URLs; not agreed (%s)",
			 c->cfg->cert_url_ops ? "no X.509 client certificate asked for" : "no resolver");
}

/* Resolve one URL into buf[0..cap): *len bytes of certificate_list body. */
static int resolve(struct eiot_conn *c, const uint8_t *url, size_t url_len, uint8_t *buf,
		   size_t cap, size_t *len)
{
	const struct eiot_config *cfg = c->cfg;
	char s[CU_MAX_URL + 1];
	if (url_len > CU_MAX_URL || memchr(url, '\0', url_len))
		return conn_error(c, EIOT_ERR_CERT_UNOBTAINABLE,
				  "cert_url: a %zu-byte URL (or one with a NUL) is not resolved", url_len);
	memcpy(s, url, url_len);
	s[url_len] = '\0';
	*len = 0;
	int err = cfg->cert_url_ops->resolve(cfg->cert_url_user, s, buf, cap, len);
	if (err || *len == 0 || *len > cap)
		return conn_error(c, EIOT_ERR_CERT_UNOBTAINABLE, "cert_url: %.*s: %s", (int)url_len, s,
				  err == EIOT_ERR_WANT_MORE ? "names no certificate" : eiot_err_str(err));
	return 0;
}

/* Append the certificates of a resolved certificate_list body to certs; the first must be the
 * one the client hashed. */
static int add_resolved(struct eiot_conn *c, const uint8_t *p, size_t n, const uint8_t *sha1,
			const uint8_t **certs, size_t *lens, size_t *n_certs)
{
	struct rd r = rd_init(p, n);
	bool first = true;
	while (rd_left(&r)) {
		struct rd cert = rd_vec(&r, 3);
		if (cert.err || rd_left(&cert) == 0)
			return conn_error(c, EIOT_ERR_CERT_UNOBTAINABLE,
					  "cert_url: the resolver's answer is not a certificate list");
		if (first) {
			uint8_t h[CU_SHA1_LEN];
			eiot_sha1(cert.p, rd_left(&cert), h);
			/* RFC 6066 §5: a mismatch aborts with bad_certificate_hash_value */
			if (!eiot_ct_eq(h, sha1, CU_SHA1_LEN))
				return conn_error(c, EIOT_ERR_CERT_HASH_MISMATCH,
						  "cert_url: the certificate at URL %zu is not the one the client hashed",
						  *n_certs);
			first = false;
		}
		if (*n_certs == HS_MAX_CERTS)
			return conn_error(c, EIOT_ERR_CERT_CHAIN_TOO_LONG,
					  "cert_url: the URLs resolve to more than %d certificates",
					  HS_MAX_CERTS);
		certs[*n_certs] = cert.p;
		lens[*n_certs] = rd_left(&cert);
		(*n_certs)++;
	}
	return 0;
}

/* see tls/cert_url.h */
int cu_server_certificate_url(struct eiot_conn *c, const uint8_t *body, size_t n)
{
	const struct eiot_config *cfg = c->cfg;
	struct hs_certificate_url cu;
	if (hs_parse_certificate_url(body, n, &cu))
		return conn_error(c, EIOT_ERR_DECODE, "cert_url: malformed CertificateURL");
	if (cu.type != CU_INDIVIDUAL_CERTS)
		return conn_error(c, EIOT_ERR_CERT_UNOBTAINABLE,
				  "cert_url: CertChainType %u (only individual_certs is resolved)", cu.type);
	if (cu.truncated)
		return conn_error(c, EIOT_ERR_CERT_CHAIN_TOO_LONG,
				  "cert_url: more than %d URLs", HS_MAX_CERTS);
	uint8_t *buf = malloc(cfg->max_handshake);
	if (!buf)
		return conn_error(c, EIOT_ERR_NO_MEMORY, "cert_url: no memory to resolve URLs");
	const uint8_t *certs[HS_MAX_CERTS];
	size_t lens[HS_MAX_CERTS], n_certs = 0, used = 0;
	int err = 0;
	for (size_t i = 0; i < cu.n && !err; i++) {
		size_t len;
		err = resolve(c, cu.url[i], cu.url_len[i], buf + used, cfg->max_handshake - used, &len);
		if (!err)
			err = add_resolved(c, buf + used, len, cu.sha1[i], certs, lens, &n_certs);
		used += err ? 0 : len;
	}
	if (!err) {
		err = creds_verify_peer(cfg, certs, lens, n_certs, false, &c->hs.ec->peer_key,
					c->hs.peer_eui64, &c->hs.has_peer_eui64, NULL);
		if (!err) {
			c->has_peer_key = c->peer.cert_url = true;
			err = conn_keep_peer_cert(c, certs[0], lens[0], cu.url[0], cu.url_len[0]);
		}
		if (!err) {
			EIOT_LOG(cfg, EIOT_LOG_DEBUG,
				 "cert_url: %zu URL(s) resolved to a verified %zu-certificate chain", cu.n,
				 n_certs);
		}
	}
	free(buf);
	return err;
}

#endif /* EIOT_WITH_SERVER */

#endif /* EIOT_WITH_CERT_URL */
