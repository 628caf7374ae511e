/*
 * radius_module/src/tls7925.h — the module's parts and how they meet.
 *
 *   rlm_eap_tls7925.c  FreeRADIUS's rlm_eap submodule interface: one conversation per EAP handler
 *   module_conf.c      the `tls7925 { }` subsection: options parsed, checked, turned into one
 *                      read-only eiot_config shared by every thread
 *   ticket_keys.c      the ticket key file a pool of servers shares, re-read when it changes
 *   reply_attrs.c      what a finished conversation adds to the request and the reply
 *   cert_url_fetch.c   client certificate URLs: fetched over http(s) (libcurl) or read from a
 *                      directory
 *
 * Threads: FreeRADIUS calls process() for different conversations from its pool at once. The
 * configuration is not written after instantiate; the session cache is locked (pthread mutex);
 * random numbers come from getrandom(2); a conversation belongs to one thread at a time
 * (rlm_eap hands a handler to one request).
 */
#ifndef RLM_EAP_TLS7925_H
#define RLM_EAP_TLS7925_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <freeradius-devel/radiusd.h>

#include "eap_iot/config.h"
#include "eap_iot/eap_tls.h"
#include "eap_iot/stores.h"

#define TLS7925 "rlm_eap_tls7925"

/* Options as written in the subsection (FreeRADIUS fills these). */
struct tls7925_opts {
	char const *certificate_file;
	char const *private_key_file;
	char const *private_key_password;
	char const *ca_file;
	uint32_t fragment_size; /* FreeRADIUS's meaning: the whole EAP packet */
	bool include_length;
	char const *cipher_list;
	bool strict_profile;
	char const *verify_client;
	uint32_t max_chain;
	uint32_t max_message;
	uint32_t max_record;
	bool require_ems;
	bool cached_info;
	bool eap_key_name;
	char const *keylog_file;
	char const *pinned_keys_file;
	char const *cert_url_dir;
	char const *cert_url_prefix;    /* the first cert_url_http_prefix */
	char const **cert_url_prefixes; /* all of them, NULL-terminated (NULL: none) */
	uint32_t cert_url_timeout_ms;
	uint32_t cert_url_max_size;
	bool cache_enable;
	uint32_t cache_entries;
	uint32_t cache_lifetime;
	bool tickets;
	char const *ticket_key_file;
};

struct tls7925_ticket_keys;

/* One instance: built once, then shared read-only by every thread. */
struct tls7925 {
	struct tls7925_opts opts;
	CONF_SECTION *cs;
	struct eiot_config *cfg;
	struct eiot_session_cache *cache;
	pthread_mutex_t cache_lock;
	bool cache_lock_ready;
	struct eiot_dir_resolver *resolver;
	struct tls7925_ticket_keys *ticket_keys;
	struct eiot_eap_tls_opts eap_opts; /* fragment_size in eap_iot's meaning: TLS bytes */
};

/* module_conf.c: parse cs into inst->opts and build inst->cfg (one error line naming the option
 * and the file on failure); free what it built. */
int tls7925_conf_load(struct tls7925 *inst, CONF_SECTION *cs);
void tls7925_conf_free(struct tls7925 *inst);
/* The engine's log lines go to the request being processed on this thread, if any. */
void tls7925_log_request(REQUEST *request);
/* One error line for that request (its Module-Failure-Message), or the server log. */
void tls7925_request_error(const char *fmt, ...) CC_HINT(format(printf, 1, 2));

/* cert_url_fetch.c: the resolver the configuration uses (user: the instance). */
extern const struct eiot_cert_url_ops tls7925_cert_url_ops;

/* ticket_keys.c: a file of two lines, each 64 hex digits (key_name 16 bytes, AES-128 key 16
 * bytes): the current key, then the previous one. Loaded at start (a bad file stops the
 * server), then checked for changes at most once a second; a changed file that does not parse
 * keeps the keys in use and logs why. */
struct tls7925_ticket_keys *tls7925_ticket_keys_open(const char *path, struct eiot_session_cache *sc,
						     char *why, size_t why_cap);
void tls7925_ticket_keys_refresh(struct tls7925_ticket_keys *tk);
void tls7925_ticket_keys_free(struct tls7925_ticket_keys *tk);

/* reply_attrs.c: a conversation that ended in success: keys into the reply (MS-MPPE-*,
 * EAP-MSK/EMSK, EAP-Session-Id, and EAP-Key-Name when key_name), what the policies see into the request
 * (TLS-Session-Cipher-Suite, TLS-Client-Cert-*, EAP-Session-Resumed, EAP-IoT-*). */
int tls7925_add_success_attrs(REQUEST *request, const struct eiot_eap_tls *e, bool key_name);

#endif
