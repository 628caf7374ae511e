/*
 * tls/creds.c — certificate credentials: own chain and key, trust anchors, the server's
 * reference name and the verification options (the config.h setters), and the check of a
 * peer's chain and identity (RFC 7925 §4.4, RFC 6125).
 *
 * Only crypto/x509.h and crypto/crypto.h are used; no mbedTLS here. Every setter leaves the
 * configuration unchanged when it refuses, and logs one line naming what was wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eap_iot/err.h"
#include "tls/config_int.h"
#include "tls/creds.h"
#include "util/log.h"

/* Most dNSNames we look at in a peer certificate (more are counted, not read). */
#define MAX_PEER_NAMES 8

/* Certificate text for a log line: printable ASCII, anything else as '?', truncated. */
static const char *printable(char *dst, size_t cap, const uint8_t *s, size_t len)
{
	size_t i = 0;
	for (; i < len && i + 1 < cap; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	dst[i] = '\0';
	return dst;
}

/* ---- own certificate and key ---- */

static void own_free(struct eiot_config *cfg)
{
	for (size_t i = 0; i < cfg->n_own_chain; i++) {
		free(cfg->own_chain_der[i]);
		cfg->own_chain_der[i] = NULL;
		cfg->own_chain_len[i] = 0;
	}
	cfg->n_own_chain = 0;
	/* a certificate's key or a raw public key (tls/rpk.c); the backend wipes it */
	eiot_pkey_free(&cfg->own_key);
	cfg->has_own_cert = false;
	cfg->rpk_own = false;
}

/*
 * Check a parsed chain and key and move them into cfg (the key is consumed either way).
 * what names the source for the log lines.
 */
static int own_install(struct eiot_config *cfg, struct eiot_x509_chain *chain,
		       struct eiot_pkey *key, const char *what)
{
	size_t n = eiot_x509_chain_count(chain);
	uint8_t *der_copy[EIOT_MAX_OWN_CHAIN] = { 0 };
	size_t der_len[EIOT_MAX_OWN_CHAIN] = { 0 };
	struct eiot_pkey leaf_key;
	int err = 0;

	if (n == 0 || n > EIOT_MAX_OWN_CHAIN) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: %s has %zu certificates, 1..%d accepted", what,
			 n, EIOT_MAX_OWN_CHAIN);
		err = EIOT_ERR_BAD_PARAM;
		goto out;
	}
	/* RFC 7925 §4.4.4: the leaf carries an ECDSA P-256 key. */
	err = eiot_x509_leaf_pubkey(chain, &leaf_key);
	if (err) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: %s: leaf key is not ECDSA P-256", what);
		goto out;
	}
	eiot_pkey_free(&leaf_key);
	if (!eiot_x509_leaf_matches_key(chain, key)) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: %s: private key does not match the leaf certificate",
			 what);
		err = EIOT_ERR_KEY_MISMATCH;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *der;
		size_t len;
		err = eiot_x509_chain_der(chain, i, &der, &len);
		if (err)
			goto out;
		der_copy[i] = malloc(len);
		if (!der_copy[i]) {
			err = cfg_refuse(cfg, EIOT_ERR_NO_MEMORY, "out of memory for own certificate");
			goto out;
		}
		memcpy(der_copy[i], der, len);
		der_len[i] = len;
	}
	own_free(cfg);
	for (size_t i = 0; i < n; i++) {
		cfg->own_chain_der[i] = der_copy[i];
		cfg->own_chain_len[i] = der_len[i];
		der_copy[i] = NULL;
	}
	cfg->n_own_chain = n;
	cfg->own_key = *key; /* the pk context moves: key must not be freed by the caller */
	key->ready = false;
	cfg->has_own_cert = true;
	EIOT_LOG(cfg, EIOT_LOG_INFO, "config: own certificate from %s (%zu certificates)", what, n);
out:
	for (size_t i = 0; i < EIOT_MAX_OWN_CHAIN; i++)
		free(der_copy[i]);
	eiot_pkey_free(key);
	return err;
}

/* see eap_iot/config.h */
int eiot_config_set_own_cert_file(struct eiot_config *cfg, const char *chain_path,
				  const char *key_path, const char *key_password)
{
	if (!EIOT_WITH_X509)
		return cfg_not_in_build(cfg, "X.509 certificates (EIOT_WITH_X509)");
	struct eiot_x509_chain chain;
	struct eiot_pkey key;
	char what[512];
	int err;

	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (!chain_path || !key_path)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, "own certificate: chain and key paths are required");
	eiot_x509_chain_init(&chain);
	err = eiot_x509_chain_add_file(&chain, chain_path);
	if (err) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: cannot read certificate chain '%s'", chain_path);
		eiot_x509_chain_free(&chain);
		return err == EIOT_ERR_NO_MEMORY ? err : EIOT_ERR_FILE;
	}
	err = eiot_pkey_load_private_file(&key, key_path, key_password);
	if (err) {
		if (err == EIOT_ERR_CERT_BAD_KEY)
			EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: key '%s' is not an ECDSA P-256 key",
				 key_path);
		else
			EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: cannot read private key '%s'", key_path);
		eiot_x509_chain_free(&chain);
		return err;
	}
	snprintf(what, sizeof(what), "'%s' with key '%s'", chain_path, key_path);
	err = own_install(cfg, &chain, &key, what);
	eiot_x509_chain_free(&chain);
	return err;
}

/* see eap_iot/config.h */
int eiot_config_set_own_cert_der(struct eiot_config *cfg, const uint8_t *const *certs,
				 const size_t *cert_lens, size_t n_certs, const uint8_t *key,
				 size_t key_len)
{
	if (!EIOT_WITH_X509)
		return cfg_not_in_build(cfg, "X.509 certificates (EIOT_WITH_X509)");
	struct eiot_x509_chain chain;
	struct eiot_pkey pkey;
	int err;

	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (!certs || !cert_lens || n_certs == 0 || n_certs > EIOT_MAX_OWN_CHAIN || !key ||
	    key_len == 0)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM,
			      "own certificate: 1..4 DER certificates and a key are required");
	eiot_x509_chain_init(&chain);
	for (size_t i = 0; i < n_certs; i++) {
		err = eiot_x509_chain_add_der(&chain, certs[i], cert_lens[i]);
		if (err) {
			EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: own certificate %zu does not parse", i);
			eiot_x509_chain_free(&chain);
			return err == EIOT_ERR_NO_MEMORY ? err : EIOT_ERR_FILE;
		}
	}
	err = eiot_pkey_parse_private(&pkey, key, key_len, NULL);
	if (err) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: own private key %s",
			 err == EIOT_ERR_CERT_BAD_KEY ? "is not ECDSA P-256" : "does not parse");
		eiot_x509_chain_free(&chain);
		return err;
	}
	err = own_install(cfg, &chain, &pkey, "DER");
	eiot_x509_chain_free(&chain);
	return err;
}

/* ---- trust anchors ---- */

/* see eap_iot/config.h */
int eiot_config_add_trust_file(struct eiot_config *cfg, const char *path)
{
	if (!EIOT_WITH_X509)
		return cfg_not_in_build(cfg, "X.509 certificates (EIOT_WITH_X509)");
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (!path)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, "trust anchors: path is required");
	size_t before = eiot_x509_chain_count(&cfg->trust);
	int err = eiot_x509_chain_add_file(&cfg->trust, path); /* all or nothing */
	if (err) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: cannot read trust anchors '%s'", path);
		return err == EIOT_ERR_NO_MEMORY ? err : EIOT_ERR_FILE;
	}
	cfg->has_trust = true;
	EIOT_LOG(cfg, EIOT_LOG_INFO, "config: %zu trust anchors from '%s'",
		 eiot_x509_chain_count(&cfg->trust) - before, path);
	return 0;
}

/* see eap_iot/config.h */
int eiot_config_add_trust_der(struct eiot_config *cfg, const uint8_t *der, size_t len)
{
	if (!EIOT_WITH_X509)
		return cfg_not_in_build(cfg, "X.509 certificates (EIOT_WITH_X509)");
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (!der || len == 0)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, "trust anchor: DER bytes are required");
	int err = eiot_x509_chain_add_der(&cfg->trust, der, len);
	if (err)
		return cfg_refuse(cfg, err, "trust anchor does not parse");
	cfg->has_trust = true;
	return 0;
}

/* ---- server name and options ---- */

static bool is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/*
 * A reference DNS-ID (RFC 6125 §2.1): 1..253 characters of LDH labels of 1..63 characters,
 * no hyphen at either end of a label, no trailing dot. A name whose last label is all digits
 * is an IPv4 literal, and IP literals are not DNS-IDs (IPv6 ones fail the LDH test).
 */
static bool is_dns_name(const char *s)
{
	size_t len = strlen(s);
	size_t label = 0;
	bool all_digits = true;

	if (len == 0 || len > EIOT_MAX_SERVER_NAME)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			if (c == '\0')
				break;
			label = 0;
			all_digits = true;
			continue;
		}
		if (!is_ldh(c) || (label == 0 && c == '-'))
			return false;
		if (c < '0' || c > '9')
			all_digits = false;
		label++;
	}
	return !all_digits;
}

/* see eap_iot/config.h */
int eiot_config_set_server_name(struct eiot_config *cfg, const char *dns_name)
{
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (!dns_name || !is_dns_name(dns_name))
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM,
			      "server name must be a DNS name of LDH labels, 1..253 characters (no IP literal)");
	memcpy(cfg->server_name, dns_name, strlen(dns_name) + 1);
	return 0;
}

/* see eap_iot/config.h */
int eiot_config_set_name_policy(struct eiot_config *cfg, unsigned flags)
{
	const unsigned all = EIOT_NAME_ALLOW_WILDCARD | EIOT_NAME_ALLOW_CN |
			     EIOT_NAME_ALLOW_MULTIPLE | EIOT_NAME_SKIP_CHECK;
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (flags & ~all)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, "name policy has unknown flags");
	cfg->name_policy = flags;
	return 0;
}

/* see eap_iot/config.h */
int eiot_config_set_verify_client(struct eiot_config *cfg, enum eiot_verify_client mode)
{
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (mode != EIOT_VERIFY_NONE && mode != EIOT_VERIFY_OPTIONAL && mode != EIOT_VERIFY_REQUIRED)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, "verify_client mode out of range");
	if (cfg->role != EIOT_SERVER)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, "verify_client applies to servers only");
	cfg->verify_client = mode;
	return 0;
}

/* see eap_iot/config.h */
int eiot_config_set_time(struct eiot_config *cfg, enum eiot_time_mode mode, eiot_time_fn fn, void *user)
{
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (mode != EIOT_TIME_SYSTEM && mode != EIOT_TIME_NONE && mode != EIOT_TIME_CALLBACK)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, "time mode out of range");
	if (mode == EIOT_TIME_CALLBACK && !fn)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, "time mode CALLBACK needs a function");
	cfg->time_mode = mode;
	cfg->time_fn = mode == EIOT_TIME_CALLBACK ? fn : NULL;
	cfg->time_user = mode == EIOT_TIME_CALLBACK ? user : NULL;
	if (mode == EIOT_TIME_NONE)
		EIOT_LOG(cfg, EIOT_LOG_WARN,
			 "config: clock-less mode, certificate validity dates are not checked");
	return 0;
}

/* see eap_iot/config.h */
int eiot_config_set_max_chain(struct eiot_config *cfg, unsigned n)
{
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (n < 1 || n > 8)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, "max chain must be 1..8");
	cfg->max_chain = n;
	return 0;
}

/* see eap_iot/config.h */
int eiot_config_set_check_usage(struct eiot_config *cfg, bool check)
{
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	cfg->check_usage = check;
	return 0;
}

/* see tls/config_int.h */
void creds_config_free(struct eiot_config *cfg)
{
	own_free(cfg);
	if (EIOT_WITH_X509)
		eiot_x509_chain_free(&cfg->trust);
	cfg->has_trust = false;
}

/* ---- identity checks (pure) ---- */

static char lower(uint8_t c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* ASCII case-insensitive equality of a[0..n) and b[0..n). */
static bool ieq(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower((uint8_t)b[i]))
			return false;
	return true;
}

static bool has_star(const uint8_t *s, size_t len)
{
	return memchr(s, '*', len) != NULL;
}

/*
 * RFC 6125 §6.4.3, narrowed: "*" is the whole leftmost label and stands for exactly one
 * non-empty label of ref; what follows must hold at least two labels ("*.com" never matches).
 */
static bool wildcard_matches(const char *ref, const uint8_t *p, size_t len)
{
	if (len < 4 || p[0] != '*' || p[1] != '.')
		return false;
	const uint8_t *rest = p + 2; /* "example.com" */
	size_t rest_len = len - 2;
	if (has_star(rest, rest_len) || !memchr(rest, '.', rest_len))
		return false;
	const char *dot = strchr(ref, '.');
	if (!dot || dot == ref)
		return false;
	return strlen(dot + 1) == rest_len && ieq(rest, dot + 1, rest_len);
}

/* One presented identifier against ref: 0, or the error it earns. */
static int match_one(const char *ref, const uint8_t *p, size_t len, unsigned policy)
{
	if (has_star(p, len)) {
		if (!(policy & EIOT_NAME_ALLOW_WILDCARD))
			return EIOT_ERR_CERT_WILDCARD; /* RFC 7925 §4.4.1 */
		return wildcard_matches(ref, p, len) ? 0 : EIOT_ERR_CERT_NAME_MISMATCH;
	}
	return strlen(ref) == len && ieq(p, ref, len) ? 0 : EIOT_ERR_CERT_NAME_MISMATCH;
}

/* see tls/creds.h */
int creds_match_name(const char *ref, const uint8_t *const *names, const size_t *lens,
		     size_t n_names, const uint8_t *cn, size_t cn_len, unsigned policy)
{
	if (policy & EIOT_NAME_SKIP_CHECK)
		return 0;
	if (!ref || ref[0] == '\0')
		return EIOT_ERR_CERT_NAME_MISMATCH;
	if (n_names == 0) {
		/* RFC 6125 §6.4.4: the CN only when there is no DNS-ID, and only if allowed. */
		if (!(policy & EIOT_NAME_ALLOW_CN) || !cn)
			return EIOT_ERR_CERT_NAME_MISMATCH;
		return match_one(ref, cn, cn_len, policy);
	}
	/* RFC 7925 §4.4.1: one dNSName, unless told otherwise. */
	if (n_names > 1 && !(policy & EIOT_NAME_ALLOW_MULTIPLE))
		return EIOT_ERR_CERT_NAME_MISMATCH;
	int err = EIOT_ERR_CERT_NAME_MISMATCH;
	for (size_t i = 0; i < n_names; i++) {
		int e = match_one(ref, names[i], lens[i], policy);
		if (e == EIOT_ERR_CERT_WILDCARD)
			return e; /* a forbidden wildcard fails the certificate, whatever else it holds */
		if (e == 0)
			err = 0;
	}
	return err;
}

static int hex_val(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (uint8_t)lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* see tls/creds.h */
int creds_parse_eui64(const uint8_t *s, size_t len, uint8_t out[8])
{
	uint8_t tmp[8];
	size_t step;

	if (!s)
		return EIOT_ERR_DECODE;
	if (len == 23)
		step = 3; /* "00-11-22-33-44-55-66-77" */
	else if (len == 16)
		step = 2; /* "0011223344556677" */
	else
		return EIOT_ERR_DECODE;
	for (size_t i = 0; i < 8; i++) {
		const uint8_t *p = s + i * step;
		int hi = hex_val(p[0]), lo = hex_val(p[1]);
		if (hi < 0 || lo < 0)
			return EIOT_ERR_DECODE;
		if (step == 3 && i < 7 && p[2] != '-')
			return EIOT_ERR_DECODE;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, tmp, 8);
	return 0;
}

/* ---- peer verification ---- */

static int check_server_name(const struct eiot_config *cfg, const struct eiot_x509_chain *chain)
{
	const uint8_t *names[MAX_PEER_NAMES];
	size_t lens[MAX_PEER_NAMES];
	size_t n = 0;
	const uint8_t *cn = NULL;
	size_t cn_len = 0;
	char shown[128];

	if (cfg->name_policy & EIOT_NAME_SKIP_CHECK)
		return 0;
	if (cfg->server_name[0] == '\0') {
		EIOT_LOG(cfg, EIOT_LOG_ERROR,
			 "creds: no server name configured to check the certificate against");
		return EIOT_ERR_CERT_NAME_MISMATCH;
	}
	int err = eiot_x509_leaf_dns_names(chain, names, lens, MAX_PEER_NAMES, &n);
	if (err)
		return EIOT_ERR_CERT_BAD;
	if (n > MAX_PEER_NAMES) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "creds: server certificate has %zu dNSNames, at most %d read",
			 n, MAX_PEER_NAMES);
		return EIOT_ERR_CERT_NAME_MISMATCH;
	}
	if (eiot_x509_leaf_cn(chain, &cn, &cn_len) != 0)
		cn = NULL;
	err = creds_match_name(cfg->server_name, names, lens, n, cn, cn_len, cfg->name_policy);
	if (err == 0)
		return 0;
	if (err == EIOT_ERR_CERT_WILDCARD) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR,
			 "creds: server certificate presents a wildcard name (RFC 7925 §4.4.1), wanted '%s'",
			 cfg->server_name);
	} else if (n == 0) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR,
			 "creds: server certificate has no dNSName%s (CN '%s'), wanted '%s'",
			 cfg->name_policy & EIOT_NAME_ALLOW_CN ? "" : " and CN matching is off",
			 cn ? printable(shown, sizeof(shown), cn, cn_len) : "", cfg->server_name);
	} else if (n > 1 && !(cfg->name_policy & EIOT_NAME_ALLOW_MULTIPLE)) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR,
			 "creds: server certificate has %zu dNSNames, RFC 7925 §4.4.1 allows one", n);
	} else {
		EIOT_LOG(cfg, EIOT_LOG_ERROR,
			 "creds: server certificate name '%s'%s does not match '%s'",
			 printable(shown, sizeof(shown), names[0], lens[0]), n > 1 ? " (and others)" : "",
			 cfg->server_name);
	}
	return err;
}

/* RFC 7925 §4.4.2: the device identity is an EUI-64 in a dNSName or the leftmost CN. */
static void find_eui64(const struct eiot_x509_chain *chain, uint8_t eui64[8], bool *has)
{
	const uint8_t *names[MAX_PEER_NAMES];
	size_t lens[MAX_PEER_NAMES];
	size_t n = 0;
	const uint8_t *cn;
	size_t cn_len;

	*has = false;
	if (eiot_x509_leaf_dns_names(chain, names, lens, MAX_PEER_NAMES, &n) == 0) {
		for (size_t i = 0; i < n && i < MAX_PEER_NAMES; i++) {
			if (creds_parse_eui64(names[i], lens[i], eui64) == 0) {
				*has = true;
				return;
			}
		}
	}
	if (eiot_x509_leaf_cn(chain, &cn, &cn_len) == 0 && creds_parse_eui64(cn, cn_len, eui64) == 0)
		*has = true;
}

/* A received chain (cached NULL; its anchor's hash into anchor when not NULL) or one kept from
 * an earlier handshake with the hash of the anchor it was verified up to (cached). */
static int check_chain(const struct eiot_config *cfg, const uint8_t *const *certs,
		       const size_t *lens, size_t n, bool peer_is_server, const uint8_t *cached,
		       uint8_t *anchor, struct eiot_pkey *peer_key, uint8_t eui64[8],
		       bool *has_eui64)
{
	const char *role = peer_is_server ? "server" : "client";
	struct eiot_x509_chain chain;
	char why[320];
	int err = 0;

	peer_key->ready = false;
	*has_eui64 = false;
	if (n == 0 || !certs || !lens) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "creds: %s sent no certificate", role);
		return peer_is_server ? EIOT_ERR_CERT_BAD : EIOT_ERR_CERT_REQUIRED;
	}
	eiot_x509_chain_init(&chain);
	for (size_t i = 0; i < n; i++) {
		err = eiot_x509_chain_add_der(&chain, certs[i], lens[i]);
		if (err) {
			EIOT_LOG(cfg, EIOT_LOG_ERROR, "creds: %s certificate %zu of %zu does not parse",
				 role, i + 1, n);
			goto out;
		}
	}
	/* fail closed: a clock that gives no time (a board without one, a callback that fails) must
	 * not turn date checks off; only EIOT_TIME_NONE does that */
	int64_t now = cfg_now_seconds(cfg);
	if (now < 0 && cfg->time_mode != EIOT_TIME_NONE) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "creds: %s certificate not checked: the clock gives no time "
			 "(set EIOT_TIME_NONE on a device without one)", role);
		err = EIOT_ERR_CERT_BAD;
		goto out;
	}
	struct eiot_x509_verify_opts opts = {
		.now = now,
		.max_chain = cfg->max_chain,
		.check_usage = cfg->check_usage,
		.purpose = peer_is_server ? EIOT_X509_SERVER : EIOT_X509_CLIENT,
	};
	err = cached ? eiot_x509_recheck(&chain, &cfg->trust, cached, &opts, why, sizeof(why))
		     : eiot_x509_verify(&chain, &cfg->trust, &opts, anchor, why, sizeof(why));
	if (err) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "creds: %s%s certificate rejected: %s",
			 cached ? "cached " : "", role, why);
		goto out;
	}
	if (peer_is_server) {
		err = check_server_name(cfg, &chain);
		if (err)
			goto out;
	} else {
		find_eui64(&chain, eui64, has_eui64);
	}
	err = eiot_x509_leaf_pubkey(&chain, peer_key);
	if (err)
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "creds: %s certificate key is not ECDSA P-256", role);
	else if (*has_eui64)
		EIOT_LOG(cfg, EIOT_LOG_INFO,
			 "creds: client certificate accepted, EUI-64 %02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x",
			 eui64[0], eui64[1], eui64[2], eui64[3], eui64[4], eui64[5], eui64[6], eui64[7]);
	else
		EIOT_LOG(cfg, EIOT_LOG_INFO, "creds: %s certificate accepted", role);
out:
	eiot_x509_chain_free(&chain);
	return err;
}

/* see tls/creds.h */
int creds_verify_peer(const struct eiot_config *cfg, const uint8_t *const *certs,
		      const size_t *lens, size_t n, bool peer_is_server,
		      struct eiot_pkey *peer_key, uint8_t eui64[8], bool *has_eui64,
		      uint8_t anchor[32])
{
	return check_chain(cfg, certs, lens, n, peer_is_server, NULL, anchor, peer_key, eui64,
			   has_eui64);
}

/* see tls/creds.h */
int creds_recheck_cached_server(const struct eiot_config *cfg, const uint8_t *const *certs,
				const size_t *lens, size_t n, const uint8_t anchor[32],
				struct eiot_pkey *peer_key)
{
	uint8_t eui64[8];
	bool has_eui64;
	return check_chain(cfg, certs, lens, n, true, anchor, NULL, peer_key, eui64, &has_eui64);
}
