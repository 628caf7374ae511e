/*
 * eap_eiot_conf.c — a wpa_supplicant network block -> one eap_iot client configuration.
 *
 * Runs when the configuration file is read (struct eap_method::check_config), so that a missing
 * file, a key that does not match its certificate or an unknown phase1 knob stops the program at
 * startup with a message naming the option and the file. The parsed form is kept in the block
 * (config->method_conf) and used by every conversation on that network.
 *
 * Options: ca_cert, client_cert, private_key, private_key_passwd, domain_match (one name: the AAA
 * server's reference name, RFC 7925 §4.4.1), fragment_size (TLS bytes per EAP packet), and in
 * phase1: eiot_strict=0|1, eiot_suites=A:B:..., eiot_require_ems=0|1, eiot_no_time=0|1,
 * eiot_max_chain=N, eiot_max_message=N, eiot_keylog=FILE, eiot_resume=0|1 (offer the last session on a
 * re-authentication, default 1), eiot_tickets=0|1 (offer RFC 5077 tickets, default 0: the
 * AAA server's session cache by session ID), eiot_mfl=512|1024|2048|4096 (offer
 * max_fragment_length, RFC 6066 §4), eiot_rsl=N (offer record_size_limit N, RFC 8449),
 * eiot_rpk=0|1 with eiot_peer_rpk=FILE (repeatable: the AAA server's raw public keys, RFC 7250;
 * ca_cert and domain_match stay the fallback for a server that sends a certificate, and the
 * device keeps presenting client_cert), eiot_own_rpk=0|1 (no client_cert: the device presents
 * private_key as a raw public key, RFC 7250), eiot_cert_cache=FILE (cached_info, RFC 7924: the AAA
 * server's Certificate kept in FILE, which must be creatable; it lives as long as the block and
 * survives a restart), eiot_cert_url=URL (client certificate URL, RFC 6066 §5: file:///NAME
 * or http(s)://HOST/PATH, sent instead of client_cert when the server agrees) (README.md says
 * what each does).
 */
#include "includes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "eap_i.h"
#include "eap_config.h"
#include "eap_eiot.h"
#include "eap_iot/err.h"
#include "eap_iot/stores.h"

#define EIOT_MAX_SUITES 8
/* eiot_cert_cache bounds: a device talks to a handful of AAA servers; a Certificate message
 * of a 3-certificate ECDSA chain is about 1.5 KB */
#define CERT_CACHE_ENTRIES 16
#define CERT_CACHE_BYTES 65536

struct conf_ctx {
	int id; /* network id for messages; -1 when unknown */
	struct eap_eiot_conf *conf;
	int rpk;       /* phase1 eiot_rpk */
	unsigned pins; /* phase1 eiot_peer_rpk files added */
	int own_rpk;   /* phase1 eiot_own_rpk: private_key presented as a raw public key */
};

static void conf_vmsg(const struct conf_ctx *c, int level, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (c->id >= 0)
		wpa_printf(level, "eap_iot: network %d: %s", c->id, msg);
	else
		wpa_printf(level, "eap_iot: network block: %s", msg);
}

static void conf_err(const struct conf_ctx *c, const char *fmt, ...) PRINTF_FORMAT(2, 3);
static void conf_warn(const struct conf_ctx *c, const char *fmt, ...) PRINTF_FORMAT(2, 3);

static void conf_err(const struct conf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vmsg(c, MSG_ERROR, fmt, ap);
	va_end(ap);
}

static void conf_warn(const struct conf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vmsg(c, MSG_WARNING, fmt, ap);
	va_end(ap);
}

/* eap_iot's own log lines go to wpa_printf at the matching level. */
static void conf_log(void *user, enum eiot_log_level level, const char *line)
{
	int lvl = MSG_DEBUG;

	(void) user;
	if (level == EIOT_LOG_ERROR)
		lvl = MSG_ERROR;
	else if (level == EIOT_LOG_WARN)
		lvl = MSG_WARNING;
	else if (level == EIOT_LOG_INFO)
		lvl = MSG_INFO;
	wpa_printf(lvl, EAP_EIOT_PREFIX "%s", line);
}

/* A file option: set, a plain path (no blob:// or engine), readable. */
static int check_file(const struct conf_ctx *c, const char *opt, const char *path, int required)
{
	int fd;

	if (!path) {
		if (required)
			conf_err(c, "%s: required by EAP-TLS (eap_iot)", opt);
		return required ? -1 : 0;
	}
	if (os_strncmp(path, "blob://", 7) == 0 || os_strncmp(path, "hash://", 7) == 0 ||
	    os_strncmp(path, "keystore://", 11) == 0 || os_strncmp(path, "pkcs11:", 7) == 0) {
		conf_err(c, "%s '%s': only a file name is supported", opt, path);
		return -1;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		conf_err(c, "%s '%s': cannot read: %s", opt, path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Options eap_iot does not implement: refuse rather than ignore a security setting. */
static int check_unsupported(const struct conf_ctx *c, const struct eap_peer_config *config)
{
	const struct eap_peer_cert_config *cert = &config->cert;
	const char *bad = NULL;

	if (cert->ca_path)
		bad = "ca_path";
	else if (cert->subject_match)
		bad = "subject_match";
	else if (cert->altsubject_match)
		bad = "altsubject_match";
	else if (cert->domain_suffix_match)
		bad = "domain_suffix_match";
	else if (cert->check_cert_subject)
		bad = "check_cert_subject";
	else if (cert->engine)
		bad = "engine";
	if (!bad)
		return 0;
	conf_err(c, "%s: not supported by EAP-TLS (eap_iot); name the AAA server with domain_match",
		 bad);
	return -1;
}

/* Unsigned decimal option value in [lo, hi]. */
static int parse_uint(const struct conf_ctx *c, const char *key, const char *val, unsigned long lo,
		      unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || end == val || *end || val[0] == '-' || v < lo || v > hi) {
		conf_err(c, "phase1 %s=%s: expected a number from %lu to %lu", key, val, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* Offered unless phase1 says otherwise: the RFC 7925 suite first, then the ECDSA suites an AAA
 * server at OpenSSL's DEFAULT cipher list accepts (it has no CCM_8). eiot_strict=1 leaves CCM_8. */
static const uint16_t default_suites[] = {
	EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8,
	EIOT_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	EIOT_ECDHE_ECDSA_WITH_AES_128_CCM,
};

/* eiot_suites: colon-separated OpenSSL names or IANA numbers (C0AE or 0xC0AE). */
static int parse_suites(const struct conf_ctx *c, const char *val)
{
	uint16_t ids[EIOT_MAX_SUITES];
	size_t n = 0, len;
	const char *p = val, *end;
	char tok[48], *e;
	unsigned long v;

	while (*p) {
		end = os_strchr(p, ':');
		len = end ? (size_t) (end - p) : os_strlen(p);
		if (len == 0 || len >= sizeof(tok) || n == EIOT_MAX_SUITES)
			goto bad;
		os_memcpy(tok, p, len);
		tok[len] = '\0';
		if (eiot_suite_from_name(tok)) {
			ids[n++] = eiot_suite_from_name(tok);
		} else {
			v = strtoul(tok, &e, 16);
			if (*e || e == tok || v > 0xffff)
				goto bad;
			ids[n++] = (uint16_t) v;
		}
		p = end ? end + 1 : p + len;
	}
	if (n == 0)
		goto bad;
	if (eiot_config_set_suites(c->conf->cfg, ids, n) != EIOT_OK) {
		conf_err(c, "phase1 eiot_suites=%s: a suite eap_iot does not implement", val);
		return -1;
	}
	return 0;
bad:
	conf_err(c, "phase1 eiot_suites=%s: expected up to %d names (e.g. ECDHE-ECDSA-AES128-CCM8) "
		 "or hex numbers separated by ':'", val, EIOT_MAX_SUITES);
	return -1;
}

/* eiot_peer_rpk=FILE: pin one AAA server key (PEM "PUBLIC KEY" or DER SubjectPublicKeyInfo). */
static int add_peer_rpk(struct conf_ctx *c, const char *path)
{
	int rc;

	if (check_file(c, "phase1 eiot_peer_rpk", path, 1) < 0)
		return -1;
	if (c->pins == EIOT_MAX_RPK_PINS) {
		conf_err(c, "phase1 eiot_peer_rpk '%s': at most %d pinned keys", path,
			 EIOT_MAX_RPK_PINS);
		return -1;
	}
	rc = eiot_config_add_peer_rpk_file(c->conf->cfg, path);
	if (rc != EIOT_OK) {
		conf_err(c, "phase1 eiot_peer_rpk '%s': %s", path, eiot_err_str(rc));
		return -1;
	}
	c->pins++;
	return 0;
}

/* eiot_cert_cache=FILE: the directory must take a new file there (the cache replaces FILE
 * through a temporary FILE.XXXXXX and rename), so try exactly that now rather than fail
 * silently after the first authentication. */
static int probe_cache_dir(const struct conf_ctx *c, const char *path)
{
	static const char suffix[] = ".XXXXXX";
	size_t len = os_strlen(path);
	char *tmp;
	int fd, e;

	tmp = os_malloc(len + sizeof(suffix));
	if (!tmp)
		return -1;
	os_memcpy(tmp, path, len);
	os_memcpy(tmp + len, suffix, sizeof(suffix));
	fd = mkstemp(tmp);
	e = errno;
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	os_free(tmp);
	if (fd < 0) {
		conf_err(c, "phase1 eiot_cert_cache '%s': cannot create a file there: %s", path,
			 strerror(e));
		return -1;
	}
	return 0;
}

/* eiot_cert_cache=FILE: open the file cache now; a file that does not verify is only a warning
 * (the cache starts empty and replaces it after the next successful authentication). */
static int open_cert_cache(struct conf_ctx *c, const char *path)
{
	struct stat st;
	int err = 0, rc;

	if (c->conf->cert_cache) {
		conf_err(c, "phase1 eiot_cert_cache '%s': given twice", path);
		return -1;
	}
	if (!*path || os_strncmp(path, "blob://", 7) == 0) {
		conf_err(c, "phase1 eiot_cert_cache '%s': expected a file name", path);
		return -1;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		conf_err(c, "phase1 eiot_cert_cache '%s': not a regular file", path);
		return -1;
	}
	if (probe_cache_dir(c, path) < 0)
		return -1;
	c->conf->cert_cache = eiot_file_cache_open(path, CERT_CACHE_ENTRIES, CERT_CACHE_BYTES,
						   &err);
	if (!c->conf->cert_cache) {
		conf_err(c, "phase1 eiot_cert_cache '%s': %s", path, eiot_err_str(err));
		return -1;
	}
	if (err)
		conf_warn(c, "phase1 eiot_cert_cache '%s': WARNING: the file does not verify: "
			  "starting empty, it will be replaced", path);
	else
		wpa_printf(MSG_DEBUG, EAP_EIOT_PREFIX "eiot_cert_cache '%s': %zu cached server "
			   "certificate(s)", path, eiot_file_cache_count(c->conf->cert_cache));
	rc = eiot_config_set_cert_cache(c->conf->cfg, &eiot_file_cache_ops, c->conf->cert_cache);
	if (rc != EIOT_OK) {
		conf_err(c, "phase1 eiot_cert_cache '%s': %s", path, eiot_err_str(rc));
		return -1;
	}
	return 0;
}

/* eiot_cert_url=URL: where the AAA server can fetch client_cert (RFC 6066 §5). Only the forms a
 * server can resolve: file:///NAME or http(s)://HOST/PATH, printable ASCII. */
static int set_cert_url(const struct conf_ctx *c, const char *url)
{
	const char *rest, *slash, *p;
	int ok, rc;

	if (os_strncmp(url, "file:///", 8) == 0) {
		rest = url + 8;
		ok = rest[0] && rest[0] != '/'; /* a name */
	} else {
		rest = os_strncmp(url, "http://", 7) == 0 ? url + 7 :
		       os_strncmp(url, "https://", 8) == 0 ? url + 8 : NULL;
		slash = rest ? os_strchr(rest, '/') : NULL;
		ok = slash && slash != rest && slash[1]; /* a host, then a path */
	}
	for (p = url; ok && *p; p++)
		ok = *p > ' ' && *p <= '~';
	if (!ok) {
		conf_err(c, "phase1 eiot_cert_url=%s: expected file:///NAME or http(s)://HOST/PATH "
			 "(RFC 6066 §5)", url);
		return -1;
	}
	rc = eiot_config_set_own_cert_url(c->conf->cfg, url);
	if (rc != EIOT_OK) {
		conf_err(c, "phase1 eiot_cert_url=%s: %s", url, eiot_err_str(rc));
		return -1;
	}
	return 0;
}

/* eiot_rpk and eiot_peer_rpk only together: a pin without eiot_rpk=1 would quietly change how
 * the server is authenticated, eiot_rpk=1 without a pin could never accept a raw key. */
static int check_rpk(const struct conf_ctx *c)
{
	if (c->rpk && !c->pins) {
		conf_err(c, "phase1 eiot_rpk=1: needs eiot_peer_rpk=FILE (the AAA server's key)");
		return -1;
	}
	if (!c->rpk && c->pins) {
		conf_err(c, "phase1 eiot_peer_rpk: needs eiot_rpk=1");
		return -1;
	}
	return 0;
}

/* One phase1 knob "eiot_key=value"; other phase1 words belong to other methods. */
static int parse_knob(struct conf_ctx *c, const char *key, const char *val)
{
	struct eiot_config *cfg = c->conf->cfg;
	unsigned long v;
	int rc;

	if (os_strcmp(key, "eiot_suites") == 0)
		return parse_suites(c, val);
	if (os_strcmp(key, "eiot_peer_rpk") == 0)
		return add_peer_rpk(c, val);
	if (os_strcmp(key, "eiot_cert_cache") == 0)
		return open_cert_cache(c, val);
	if (os_strcmp(key, "eiot_cert_url") == 0)
		return set_cert_url(c, val);
	if (os_strcmp(key, "eiot_keylog") == 0) {
		if (eiot_config_set_keylog_file(cfg, val) != EIOT_OK) {
			conf_err(c, "phase1 eiot_keylog '%s': cannot open", val);
			return -1;
		}
		return 0;
	}
	if (os_strcmp(key, "eiot_strict") == 0) {
		if (parse_uint(c, key, val, 0, 1, &v) < 0)
			return -1;
		rc = eiot_config_set_strict_profile(cfg, v == 1);
	} else if (os_strcmp(key, "eiot_require_ems") == 0) {
		if (parse_uint(c, key, val, 0, 1, &v) < 0)
			return -1;
		rc = eiot_config_set_require_ems(cfg, v == 1);
	} else if (os_strcmp(key, "eiot_no_time") == 0) {
		if (parse_uint(c, key, val, 0, 1, &v) < 0)
			return -1;
		rc = eiot_config_set_time(cfg, v ? EIOT_TIME_NONE : EIOT_TIME_SYSTEM, NULL, NULL);
	} else if (os_strcmp(key, "eiot_max_chain") == 0) {
		if (parse_uint(c, key, val, 1, 8, &v) < 0)
			return -1;
		rc = eiot_config_set_max_chain(cfg, (unsigned) v);
	} else if (os_strcmp(key, "eiot_resume") == 0) {
		if (parse_uint(c, key, val, 0, 1, &v) < 0)
			return -1;
		c->conf->resume = v == 1;
		rc = EIOT_OK;
	} else if (os_strcmp(key, "eiot_tickets") == 0) {
		if (parse_uint(c, key, val, 0, 1, &v) < 0)
			return -1;
		rc = eiot_config_set_session_tickets(cfg, v == 1);
	} else if (os_strcmp(key, "eiot_mfl") == 0) {
		if (parse_uint(c, key, val, 512, 4096, &v) < 0)
			return -1;
		if (v != 512 && v != 1024 && v != 2048 && v != 4096) {
			conf_err(c, "phase1 eiot_mfl=%s: expected 512, 1024, 2048 or 4096 "
				 "(RFC 6066 §4)", val);
			return -1;
		}
		rc = eiot_config_set_max_fragment_length(cfg, v);
	} else if (os_strcmp(key, "eiot_rsl") == 0) {
		if (parse_uint(c, key, val, 64, 16384, &v) < 0)
			return -1;
		rc = eiot_config_set_record_size_limit(cfg, v);
	} else if (os_strcmp(key, "eiot_rpk") == 0) {
		if (parse_uint(c, key, val, 0, 1, &v) < 0)
			return -1;
		c->rpk = v == 1;
		rc = EIOT_OK;
	} else if (os_strcmp(key, "eiot_own_rpk") == 0) {
		if (parse_uint(c, key, val, 0, 1, &v) < 0)
			return -1;
		c->own_rpk = v == 1;
		rc = EIOT_OK;
	} else if (os_strcmp(key, "eiot_max_message") == 0) {
		if (parse_uint(c, key, val, 1024, 1048576, &v) < 0)
			return -1;
		c->conf->opts.max_message = v;
		rc = EIOT_OK;
	} else {
		conf_err(c, "phase1 %s: unknown eap_iot option (known: eiot_strict, eiot_suites, "
			 "eiot_require_ems, eiot_no_time, eiot_max_chain, eiot_max_message, eiot_keylog, eiot_resume, "
			 "eiot_tickets, eiot_mfl, eiot_rsl, eiot_rpk, eiot_peer_rpk, eiot_own_rpk, "
			 "eiot_cert_cache, eiot_cert_url)", key);
		return -1;
	}
	if (rc != EIOT_OK) {
		conf_err(c, "phase1 %s=%s: %s", key, val, eiot_err_str(rc));
		return -1;
	}
	return 0;
}

/* phase1 is a list of words separated by spaces; ours start with "eiot_". */
static int parse_phase1(struct conf_ctx *c, const char *phase1)
{
	char word[600], *eq;
	const char *p = phase1, *end;
	size_t len;

	while (p && *p) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p;
		while (*end && *end != ' ' && *end != '\t')
			end++;
		len = (size_t) (end - p);
		if (len >= 5 && os_strncmp(p, "eiot_", 5) == 0) {
			if (len >= sizeof(word)) {
				conf_err(c, "phase1: an eiot_ option longer than %zu bytes",
					 sizeof(word) - 1);
				return -1;
			}
			os_memcpy(word, p, len);
			word[len] = '\0';
			eq = os_strchr(word, '=');
			if (!eq) {
				conf_err(c, "phase1 %s: expected %s=VALUE", word, word);
				return -1;
			}
			*eq = '\0';
			if (parse_knob(c, word, eq + 1) < 0)
				return -1;
		}
		p = end;
	}
	return check_rpk(c);
}

static int set_credentials(const struct conf_ctx *c, const struct eap_peer_config *config)
{
	const struct eap_peer_cert_config *cert = &config->cert;
	int rc;

	if (check_file(c, "ca_cert", cert->ca_cert, 1) < 0 ||
	    check_file(c, "private_key", cert->private_key, 1) < 0)
		return -1;
	rc = eiot_config_add_trust_file(c->conf->cfg, cert->ca_cert);
	if (rc != EIOT_OK) {
		conf_err(c, "ca_cert '%s': %s", cert->ca_cert, eiot_err_str(rc));
		return -1;
	}
	if (!cert->client_cert) {
		rc = EIOT_OK; /* a raw public key (phase1 eiot_own_rpk=1), see set_own_rpk */
	} else if (check_file(c, "client_cert", cert->client_cert, 1) < 0) {
		return -1;
	} else {
		rc = eiot_config_set_own_cert_file(c->conf->cfg, cert->client_cert, cert->private_key,
						   cert->private_key_passwd);
	}
	if (rc != EIOT_OK) {
		conf_err(c, "client_cert '%s' with private_key '%s': %s", cert->client_cert,
			 cert->private_key, eiot_err_str(rc));
		return -1;
	}
	if (!cert->domain_match) {
		conf_err(c, "domain_match: required by EAP-TLS (eap_iot): the AAA server's name");
		return -1;
	}
	if (os_strchr(cert->domain_match, ';')) {
		conf_err(c, "domain_match '%s': eap_iot takes exactly one name", cert->domain_match);
		return -1;
	}
	rc = eiot_config_set_server_name(c->conf->cfg, cert->domain_match);
	if (rc != EIOT_OK) {
		conf_err(c, "domain_match '%s': %s", cert->domain_match, eiot_err_str(rc));
		return -1;
	}
	return 0;
}

/* phase1 eiot_own_rpk=1 (RFC 7250): no client_cert, the device presents private_key's public key
 * as a raw public key, which the AAA server must have pinned. Either a certificate or this. */
static int set_own_rpk(const struct conf_ctx *c, const struct eap_peer_config *config)
{
	const struct eap_peer_cert_config *cert = &config->cert;
	int rc;

	if (cert->client_cert && c->own_rpk) {
		conf_err(c, "phase1 eiot_own_rpk=1: leave client_cert out (one own credential)");
		return -1;
	}
	if (cert->client_cert)
		return 0;
	if (!c->own_rpk) {
		conf_err(c, "client_cert: required (or phase1 eiot_own_rpk=1 to present private_key "
			 "as a raw public key)");
		return -1;
	}
	rc = eiot_config_set_own_key_file(c->conf->cfg, cert->private_key, cert->private_key_passwd);
	if (rc != EIOT_OK) {
		conf_err(c, "private_key '%s' as a raw public key: %s", cert->private_key,
			 eiot_err_str(rc));
		return -1;
	}
	return 0;
}

/* A throw-away conversation proves that the options fit together (fragment_size, suites). */
static int try_conversation(const struct conf_ctx *c, int fragment_size, const char *phase1)
{
	struct eiot_eap_tls *e;

	if (fragment_size < EIOT_EAP_MIN_FRAGMENT) {
		conf_err(c, "fragment_size %d: eap_iot needs at least %d TLS bytes per packet",
			 fragment_size, EIOT_EAP_MIN_FRAGMENT);
		return -1;
	}
	c->conf->opts.fragment_size = (size_t) fragment_size;
	e = eiot_eap_tls_new(c->conf->cfg, &c->conf->opts, 0);
	if (!e) {
		conf_err(c, "fragment_size %d with phase1 '%s': eap_iot refused these options",
			 fragment_size, phase1 ? phase1 : "");
		return -1;
	}
	eiot_eap_tls_free(e);
	return 0;
}

static struct eap_eiot_conf *conf_build(struct eap_peer_config *config, int network_id)
{
	struct conf_ctx c = { network_id, NULL, 0, 0 };

	c.conf = os_zalloc(sizeof(*c.conf));
	if (!c.conf)
		return NULL;
	c.conf->refs = 1;
	c.conf->resume = 1;
	c.conf->cfg = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	if (!c.conf->cfg) {
		os_free(c.conf);
		return NULL;
	}
	eiot_config_set_log(c.conf->cfg, conf_log, NULL, EIOT_LOG_DEBUG);
	if (eiot_config_set_suites(c.conf->cfg, default_suites, ARRAY_SIZE(default_suites)) !=
	    EIOT_OK) {
		eap_eiot_conf_put(c.conf);
		return NULL;
	}
	if (check_unsupported(&c, config) < 0 || set_credentials(&c, config) < 0 ||
	    parse_phase1(&c, config->phase1) < 0 || set_own_rpk(&c, config) < 0 ||
	    try_conversation(&c, config->fragment_size, config->phase1) < 0) {
		eap_eiot_conf_put(c.conf);
		return NULL;
	}
	return c.conf;
}

static void conf_unref(void *p)
{
	eap_eiot_conf_put(p);
}

/* see eap_eiot.h */
void eap_eiot_conf_put(struct eap_eiot_conf *conf)
{
	if (!conf || --conf->refs > 0)
		return;
	eiot_config_free(conf->cfg);
	eiot_file_cache_close(conf->cert_cache); /* after the config that uses it */
	os_free(conf);
}

/* see eap_eiot.h */
int eap_eiot_check_config(struct eap_peer_config *config, int network_id)
{
	struct eap_eiot_conf *conf;

	eap_peer_drop_method_conf(config);
	conf = conf_build(config, network_id);
	if (!conf)
		return -1;
	config->method_conf = conf;
	config->method_conf_free = conf_unref;
	wpa_printf(MSG_DEBUG, EAP_EIOT_PREFIX "network %d: configuration checked", network_id);
	return 0;
}

/* see eap_eiot.h */
struct eap_eiot_conf *eap_eiot_conf_get(struct eap_peer_config *config)
{
	struct eap_eiot_conf *conf = config->method_conf;

	if (!conf || config->method_conf_free != conf_unref) {
		if (eap_eiot_check_config(config, -1) < 0)
			return NULL;
		conf = config->method_conf;
	}
	conf->refs++;
	return conf;
}
