/*
 * radius_module/src/module_conf.c — the `tls7925 { }` subsection of `eap { }`: every option
 * parsed in FreeRADIUS's way, checked, and turned into one server configuration of eap_iot.
 * What is wrong stops the server (`radiusd -XC` too) with one line naming the option and the
 * configuration file it is in.
 */
#include <freeradius-devel/radiusd.h>
#include <freeradius-devel/modules.h>

#include <ctype.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "eap_iot/conn.h"
#include "eap_iot/err.h"
#include "tls7925.h"

static CONF_PARSER cache_config[] = {
	{ "enable", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, struct tls7925_opts, cache_enable), "yes" },
	{ "max_entries", FR_CONF_OFFSET(PW_TYPE_INTEGER, struct tls7925_opts, cache_entries), "4096" },
	{ "lifetime", FR_CONF_OFFSET(PW_TYPE_INTEGER, struct tls7925_opts, cache_lifetime), "86400" },
	{ "tickets", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, struct tls7925_opts, tickets), "yes" },
	{ "ticket_key_file", FR_CONF_OFFSET(PW_TYPE_STRING, struct tls7925_opts, ticket_key_file), NULL },
	CONF_PARSER_TERMINATOR
};

static CONF_PARSER module_config[] = {
	{ "certificate_file", FR_CONF_OFFSET(PW_TYPE_STRING, struct tls7925_opts, certificate_file), NULL },
	{ "private_key_file", FR_CONF_OFFSET(PW_TYPE_STRING, struct tls7925_opts, private_key_file), NULL },
	{ "private_key_password", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_SECRET, struct tls7925_opts,
						 private_key_password), NULL },
	{ "ca_file", FR_CONF_OFFSET(PW_TYPE_STRING, struct tls7925_opts, ca_file), NULL },
	{ "fragment_size", FR_CONF_OFFSET(PW_TYPE_INTEGER, struct tls7925_opts, fragment_size), "1024" },
	{ "include_length", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, struct tls7925_opts, include_length), "yes" },
	{ "cipher_list", FR_CONF_OFFSET(PW_TYPE_STRING, struct tls7925_opts, cipher_list),
	  "ECDHE-ECDSA-AES128-CCM8" },
	{ "strict_profile", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, struct tls7925_opts, strict_profile), "no" },
	{ "verify_client", FR_CONF_OFFSET(PW_TYPE_STRING, struct tls7925_opts, verify_client), "required" },
	{ "max_chain", FR_CONF_OFFSET(PW_TYPE_INTEGER, struct tls7925_opts, max_chain), "3" },
	{ "max_message", FR_CONF_OFFSET(PW_TYPE_INTEGER, struct tls7925_opts, max_message), "16384" },
	{ "max_record", FR_CONF_OFFSET(PW_TYPE_INTEGER, struct tls7925_opts, max_record), "16384" },
	{ "require_ems", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, struct tls7925_opts, require_ems), "no" },
	{ "cached_info", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, struct tls7925_opts, cached_info), "yes" },
	{ "eap_key_name", FR_CONF_OFFSET(PW_TYPE_BOOLEAN, struct tls7925_opts, eap_key_name), "no" },
	{ "keylog_file", FR_CONF_OFFSET(PW_TYPE_STRING, struct tls7925_opts, keylog_file), NULL },
	{ "pinned_keys_file", FR_CONF_OFFSET(PW_TYPE_STRING, struct tls7925_opts, pinned_keys_file), NULL },
	{ "cert_url_dir", FR_CONF_OFFSET(PW_TYPE_STRING, struct tls7925_opts, cert_url_dir), NULL },
	/* repeatable; FreeRADIUS checks each and keeps the first, load_cert_urls collects them */
	{ "cert_url_http_prefix", FR_CONF_OFFSET(PW_TYPE_STRING | PW_TYPE_MULTI, struct tls7925_opts,
						 cert_url_prefix), NULL },
	{ "cert_url_http_timeout_ms", FR_CONF_OFFSET(PW_TYPE_INTEGER, struct tls7925_opts,
						     cert_url_timeout_ms), "2000" },
	{ "cert_url_max_size", FR_CONF_OFFSET(PW_TYPE_INTEGER, struct tls7925_opts, cert_url_max_size),
	  "4096" },
	{ "cache", FR_CONF_POINTER(PW_TYPE_SUBSECTION, NULL), (void const *)cache_config },
	CONF_PARSER_TERMINATOR
};

/* The request this thread is processing: the engine's log lines belong to it. */
static __thread REQUEST *current_request;

void tls7925_log_request(REQUEST *request)
{
	current_request = request;
}

void tls7925_request_error(const char *fmt, ...)
{
	REQUEST *request = current_request;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (request)
		REDEBUG("%s", line);
	else
		ERROR(TLS7925 ": %s", line);
}

/* Engine lines: errors become the request's Module-Failure-Message (the auth log's reason). */
static void engine_log(void *user, enum eiot_log_level level, const char *line)
{
	REQUEST *request = current_request;
	(void)user;
	if (!request) {
		switch (level) {
		case EIOT_LOG_ERROR: ERROR(TLS7925 ": %s", line); break;
		case EIOT_LOG_WARN: WARN(TLS7925 ": %s", line); break;
		case EIOT_LOG_INFO: DEBUG(TLS7925 ": %s", line); break;
		case EIOT_LOG_DEBUG: DEBUG2(TLS7925 ": %s", line); break;
		}
		return;
	}
	switch (level) {
	case EIOT_LOG_ERROR: REDEBUG("%s", line); break;
	case EIOT_LOG_WARN: RWARN("%s", line); break;
	case EIOT_LOG_INFO: RDEBUG("%s", line); break;
	case EIOT_LOG_DEBUG: RDEBUG2("%s", line); break;
	}
}

/* The kernel's generator: thread-safe, so the shared configuration needs no DRBG lock. */
static int kernel_random(void *user, uint8_t *out, size_t n)
{
	(void)user;
	while (n > 0) {
		ssize_t got = getrandom(out, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		out += got;
		n -= (size_t)got;
	}
	return 0;
}

static void lock_cache(void *m)
{
	pthread_mutex_lock(m);
}

static void unlock_cache(void *m)
{
	pthread_mutex_unlock(m);
}

/* One line naming the option, its value when it has one, and the file it was read from. */
static int bad(CONF_SECTION *cs, const char *sub, const char *option, const char *fmt, ...)
	CC_HINT(format(printf, 4, 5));
static int bad(CONF_SECTION *cs, const char *sub, const char *option, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CONF_SECTION *in = sub ? cf_section_sub_find(cs, sub) : cs;
	CONF_PAIR *cp = in ? cf_pair_find(in, option) : NULL;
	if (cp)
		cf_log_err_cp(cp, TLS7925 ": %s%s%s: %s", sub ? sub : "", sub ? "." : "", option, msg);
	else
		cf_log_err_cs(cs, TLS7925 ": %s%s%s: %s", sub ? sub : "", sub ? "." : "", option, msg);
	return -1;
}

/* A file option that names something unreadable is refused before eap_iot reads it, so the
 * line says which option and file. */
static int check_file(CONF_SECTION *cs, const char *sub, const char *option, const char *path)
{
	if (access(path, R_OK) == 0)
		return 0;
	return bad(cs, sub, option, "cannot read \"%s\": %s", path, strerror(errno));
}

static int load_suites(struct tls7925 *inst)
{
	uint16_t ids[8];
	size_t n = 0;
	char list[256];
	if (strlen(inst->opts.cipher_list) >= sizeof(list))
		return bad(inst->cs, NULL, "cipher_list", "too long");
	strcpy(list, inst->opts.cipher_list);
	for (char *save = NULL, *tok = strtok_r(list, ": ,", &save); tok;
	     tok = strtok_r(NULL, ": ,", &save)) {
		uint16_t id = eiot_suite_from_name(tok);
		if (!id)
			return bad(inst->cs, NULL, "cipher_list",
				   "\"%s\" is not a suite eap_iot implements (ECDHE-ECDSA-AES128-CCM8, "
				   "ECDHE-ECDSA-AES128-CCM, ECDHE-ECDSA-AES128-GCM-SHA256)", tok);
		if (n == sizeof(ids) / sizeof(ids[0]))
			return bad(inst->cs, NULL, "cipher_list", "more than %zu suites", n);
		ids[n++] = id;
	}
	if (n == 0)
		return bad(inst->cs, NULL, "cipher_list", "names no suite");
	int err = eiot_config_set_suites(inst->cfg, ids, n);
	return err ? bad(inst->cs, NULL, "cipher_list", "%s", eiot_err_str(err)) : 0;
}

/* pinned_keys_file: one device key per line, the SHA-256 of its DER SubjectPublicKeyInfo in
 * hex (openssl pkey -pubin -outform DER | sha256sum); blank lines and # comments allowed. */
static int load_pins(struct tls7925 *inst)
{
	const char *path = inst->opts.pinned_keys_file;
	if (check_file(inst->cs, NULL, "pinned_keys_file", path))
		return -1;
	FILE *f = fopen(path, "r");
	if (!f)
		return bad(inst->cs, NULL, "pinned_keys_file", "cannot open \"%s\"", path);
	char line[256];
	unsigned lineno = 0, pins = 0;
	int rc = 0;
	while (!rc && fgets(line, sizeof(line), f)) {
		lineno++;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		uint8_t hash[32];
		size_t i = 0;
		for (; i < 32 && isxdigit((unsigned char)p[2 * i]) && isxdigit((unsigned char)p[2 * i + 1]); i++) {
			unsigned v;
			sscanf(p + 2 * i, "%2x", &v);
			hash[i] = (uint8_t)v;
		}
		char *rest = p + 2 * i;
		while (isspace((unsigned char)*rest))
			rest++;
		if (i != 32 || (*rest && *rest != '#'))
			rc = bad(inst->cs, NULL, "pinned_keys_file",
				 "\"%s\" line %u: expected the 64 hex digits of a key's SHA-256", path, lineno);
		else if (eiot_config_add_peer_rpk_sha256(inst->cfg, hash))
			rc = bad(inst->cs, NULL, "pinned_keys_file", "\"%s\" line %u: more than %d keys",
				 path, lineno, EIOT_MAX_RPK_PINS);
		else
			pins++;
	}
	fclose(f);
	if (!rc && pins == 0)
		rc = bad(inst->cs, NULL, "pinned_keys_file", "\"%s\" holds no key", path);
	return rc;
}

/* Our credential: a certificate chain, or (no certificate_file) a raw public key (RFC 7250). */
static int load_credentials(struct tls7925 *inst)
{
	struct tls7925_opts *o = &inst->opts;
	int err;
	if (!o->private_key_file)
		return bad(inst->cs, NULL, "private_key_file", "is required");
	if (check_file(inst->cs, NULL, "private_key_file", o->private_key_file))
		return -1;
	if (o->certificate_file) {
		if (check_file(inst->cs, NULL, "certificate_file", o->certificate_file))
			return -1;
		err = eiot_config_set_own_cert_file(inst->cfg, o->certificate_file, o->private_key_file,
						    o->private_key_password);
		if (err)
			return bad(inst->cs, NULL, "certificate_file",
				   "\"%s\" with private_key_file \"%s\": %s", o->certificate_file,
				   o->private_key_file, eiot_err_str(err));
	} else {
		err = eiot_config_set_own_key_file(inst->cfg, o->private_key_file, o->private_key_password);
		if (err)
			return bad(inst->cs, NULL, "private_key_file", "\"%s\": %s", o->private_key_file,
				   eiot_err_str(err));
	}
	if (o->ca_file) {
		if (check_file(inst->cs, NULL, "ca_file", o->ca_file))
			return -1;
		err = eiot_config_add_trust_file(inst->cfg, o->ca_file);
		if (err)
			return bad(inst->cs, NULL, "ca_file", "\"%s\": %s", o->ca_file, eiot_err_str(err));
	}
	if (o->pinned_keys_file && load_pins(inst))
		return -1;
	return 0;
}

static int load_verify(struct tls7925 *inst)
{
	struct tls7925_opts *o = &inst->opts;
	enum eiot_verify_client mode;
	if (!strcmp(o->verify_client, "required"))
		mode = EIOT_VERIFY_REQUIRED;
	else if (!strcmp(o->verify_client, "optional"))
		mode = EIOT_VERIFY_OPTIONAL;
	else if (!strcmp(o->verify_client, "none"))
		mode = EIOT_VERIFY_NONE;
	else
		return bad(inst->cs, NULL, "verify_client", "\"%s\": expected required, optional or none",
			   o->verify_client);
	if (mode != EIOT_VERIFY_NONE && !o->ca_file && !o->pinned_keys_file)
		return bad(inst->cs, NULL, "verify_client",
			   "\"%s\" needs ca_file or pinned_keys_file to check devices against",
			   o->verify_client);
	if (eiot_config_set_verify_client(inst->cfg, mode))
		return bad(inst->cs, NULL, "verify_client", "refused");
	if (o->max_chain < 1 || o->max_chain > 8 || eiot_config_set_max_chain(inst->cfg, o->max_chain))
		return bad(inst->cs, NULL, "max_chain", "%u: expected 1 to 8", o->max_chain);
	return 0;
}

static int load_cache(struct tls7925 *inst)
{
	struct tls7925_opts *o = &inst->opts;
	if (!o->cache_enable) {
		if (o->ticket_key_file)
			return bad(inst->cs, "cache", "ticket_key_file", "needs cache { enable = yes }");
		return 0;
	}
	if (o->cache_entries < 1 || o->cache_entries > 65536)
		return bad(inst->cs, "cache", "max_entries", "%u: expected 1 to 65536", o->cache_entries);
	if (o->cache_lifetime < 1 || o->cache_lifetime > 604800)
		return bad(inst->cs, "cache", "lifetime", "%u: expected 1 to 604800 seconds",
			   o->cache_lifetime);
	inst->cache = eiot_session_cache_new(inst->cfg, o->cache_entries, o->cache_lifetime);
	if (!inst->cache)
		return bad(inst->cs, "cache", "enable", "no memory for the session cache");
	if (pthread_mutex_init(&inst->cache_lock, NULL))
		return bad(inst->cs, "cache", "enable", "cannot create the session cache's lock");
	inst->cache_lock_ready = true;
	if (eiot_session_cache_set_lock(inst->cache, lock_cache, unlock_cache, &inst->cache_lock) ||
	    eiot_config_set_session_cache(inst->cfg, inst->cache) ||
	    eiot_config_set_session_tickets(inst->cfg, o->tickets))
		return bad(inst->cs, "cache", "enable", "refused by eap_iot");
	if (o->ticket_key_file) {
		char why[256];
		if (!o->tickets)
			return bad(inst->cs, "cache", "ticket_key_file", "needs tickets = yes");
		inst->ticket_keys = tls7925_ticket_keys_open(o->ticket_key_file, inst->cache, why,
							     sizeof(why));
		if (!inst->ticket_keys)
			return bad(inst->cs, "cache", "ticket_key_file", "\"%s\": %s", o->ticket_key_file, why);
	}
	return 0;
}

static int load_extensions(struct tls7925 *inst)
{
	struct tls7925_opts *o = &inst->opts;
	int err;
	if (eiot_config_set_strict_profile(inst->cfg, o->strict_profile) ||
	    eiot_config_set_require_ems(inst->cfg, o->require_ems) ||
	    eiot_config_set_cached_info(inst->cfg, o->cached_info) ||
	    eiot_config_set_keep_peer_cert(inst->cfg, true))
		return bad(inst->cs, NULL, "strict_profile", "refused by eap_iot");
	if (o->cert_url_dir) {
		struct stat st;
		if (stat(o->cert_url_dir, &st) || !S_ISDIR(st.st_mode) ||
		    access(o->cert_url_dir, R_OK | X_OK))
			return bad(inst->cs, NULL, "cert_url_dir", "\"%s\" is not a readable directory",
				   o->cert_url_dir);
		inst->resolver = eiot_dir_resolver_new(o->cert_url_dir);
		if (!inst->resolver)
			return bad(inst->cs, NULL, "cert_url_dir", "\"%s\" is not a readable directory",
				   o->cert_url_dir);
	}
	size_t n = 0;
	for (CONF_PAIR *cp = cf_pair_find(inst->cs, "cert_url_http_prefix"); cp;
	     cp = cf_pair_find_next(inst->cs, cp, "cert_url_http_prefix"))
		n++;
	if (n) {
		o->cert_url_prefixes = talloc_zero_array(inst, char const *, n + 1);
		if (!o->cert_url_prefixes)
			return bad(inst->cs, NULL, "cert_url_http_prefix", "no memory");
		n = 0;
		for (CONF_PAIR *cp = cf_pair_find(inst->cs, "cert_url_http_prefix"); cp;
		     cp = cf_pair_find_next(inst->cs, cp, "cert_url_http_prefix"))
			o->cert_url_prefixes[n++] = cf_pair_value(cp);
	}
	for (size_t i = 0; o->cert_url_prefixes && o->cert_url_prefixes[i]; i++) {
		const char *p = o->cert_url_prefixes[i];
		const char *host = !strncmp(p, "http://", 7) ? p + 7 : !strncmp(p, "https://", 8) ? p + 8 : NULL;
		/* a host and the slash after it: the prefix cannot be widened to another host */
		if (!host || !strchr(host, '/') || strchr(host, '/') == host)
			return bad(inst->cs, NULL, "cert_url_http_prefix",
				   "\"%s\": expected http(s)://HOST/ followed by a path, if any", p);
	}
	if (o->cert_url_timeout_ms < 100 || o->cert_url_timeout_ms > 30000)
		return bad(inst->cs, NULL, "cert_url_http_timeout_ms", "%u: expected 100 to 30000",
			   o->cert_url_timeout_ms);
	if (o->cert_url_max_size < 256 || o->cert_url_max_size > 16384)
		return bad(inst->cs, NULL, "cert_url_max_size", "%u: expected 256 to 16384",
			   o->cert_url_max_size);
	if (o->cert_url_dir || o->cert_url_prefixes) {
		if (o->cert_url_prefixes && curl_global_init(CURL_GLOBAL_DEFAULT))
			return bad(inst->cs, NULL, "cert_url_http_prefix", "libcurl does not initialise");
		err = eiot_config_set_cert_url_resolver(inst->cfg, &tls7925_cert_url_ops, inst);
		if (err)
			return bad(inst->cs, NULL, o->cert_url_dir ? "cert_url_dir" : "cert_url_http_prefix",
				   "%s", eiot_err_str(err));
	}
	if (o->keylog_file) {
		err = eiot_config_set_keylog_file(inst->cfg, o->keylog_file);
		if (err)
			return bad(inst->cs, NULL, "keylog_file", "\"%s\": %s", o->keylog_file,
				   eiot_err_str(err));
	}
	return 0;
}

/* FreeRADIUS's fragment_size counts the whole EAP packet (header 5, flags 1, length 4). */
static int load_fragment(struct tls7925 *inst)
{
	struct tls7925_opts *o = &inst->opts;
	if (o->fragment_size < 100 || o->fragment_size > 4096)
		return bad(inst->cs, NULL, "fragment_size", "%u: expected 100 to 4096 (the whole EAP packet)",
			   o->fragment_size);
	if (o->max_message < 1024 || o->max_message > EIOT_EAP_DEFAULT_MAX_MESSAGE)
		return bad(inst->cs, NULL, "max_message", "%u: expected 1024 to %u", o->max_message,
			   EIOT_EAP_DEFAULT_MAX_MESSAGE);
	/* a conversation's memory follows these two (README: "Memory") */
	if (o->max_record < 512 || o->max_record > 16384 ||
	    eiot_config_set_max_record(inst->cfg, o->max_record))
		return bad(inst->cs, NULL, "max_record", "%u: expected 512 to 16384", o->max_record);
	if (eiot_config_set_max_handshake(inst->cfg, o->max_message))
		return bad(inst->cs, NULL, "max_message", "%u: refused by eap_iot", o->max_message);
	inst->eap_opts = (struct eiot_eap_tls_opts){
		.fragment_size = eiot_eap_fragment_from_eap_size(o->fragment_size),
		.max_message = o->max_message,
		.length_always = o->include_length,
	};
	return 0;
}

/* A throw-away conversation proves that the options fit together. */
static int check_start(struct tls7925 *inst)
{
	struct eiot_eap_tls *e = eiot_eap_tls_new(inst->cfg, &inst->eap_opts, 0);
	if (!e)
		return bad(inst->cs, NULL, "certificate_file",
			   "no EAP-TLS conversation can start with these options (see the line above)");
	eiot_eap_tls_free(e);
	return 0;
}

int tls7925_conf_load(struct tls7925 *inst, CONF_SECTION *cs)
{
	inst->cs = cs;
	if (cf_section_parse(cs, &inst->opts, module_config) < 0)
		return -1;
	inst->cfg = eiot_config_new(EIOT_SERVER, EIOT_TLS);
	if (!inst->cfg)
		return bad(cs, NULL, "certificate_file", "no memory");
	eiot_config_set_log(inst->cfg, engine_log, inst,
			    rad_debug_lvl >= L_DBG_LVL_2 ? EIOT_LOG_DEBUG : EIOT_LOG_INFO);
	eiot_config_set_random(inst->cfg, kernel_random, NULL);
	if (load_fragment(inst) || load_suites(inst) || load_credentials(inst) || load_verify(inst) ||
	    load_extensions(inst) || load_cache(inst) || check_start(inst))
		return -1;
	return 0;
}

void tls7925_conf_free(struct tls7925 *inst)
{
	tls7925_ticket_keys_free(inst->ticket_keys);
	inst->ticket_keys = NULL;
	eiot_session_cache_free(inst->cache);
	inst->cache = NULL;
	if (inst->cache_lock_ready)
		pthread_mutex_destroy(&inst->cache_lock);
	inst->cache_lock_ready = false;
	eiot_config_free(inst->cfg);
	inst->cfg = NULL;
	eiot_dir_resolver_free(inst->resolver);
	inst->resolver = NULL;
}
