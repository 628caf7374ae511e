/*
 * tls/config.c — the configuration object: defaults, option setters, PSK table, services
 * (random source, clock, log, key log). Certificate setters live in creds.c.
 *
 * Every setter checks its argument against the documented range and leaves the
 * configuration unchanged when it refuses (EIOT_ERR_BAD_PARAM and one log line).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls/config_int.h"
#include "tls/suites.h"
#include "util/bytes.h"
#include "util/keylog.h"
#include "util/log.h"

/* RFC 7925 §11: initial retransmission timer 9 s, cap at least 60 s. */
#define DEFAULT_RTO_INITIAL_MS 9000u
#define DEFAULT_RTO_MAX_MS 60000u
#define DEFAULT_GIVE_UP_MS 120000u
#define MIN_RTO_INITIAL_MS 1000u /* RFC 6347 §4.2.4.1 baseline; RFC 7925 §11 asks to stay safe */
#define MAX_RTO_INITIAL_MS 60000u
#define DEFAULT_MTU 1280u
#define MIN_MTU 64u
#define MAX_RECORD 16384u
#define MIN_RECORD 64u
/* the smallest bound a handshake message may have: a Certificate needs room; without
 * certificates (a PSK-only build) the largest message is a HelloVerifyRequest or ServerHello */
#define MIN_HANDSHAKE (EIOT_WITH_ECDHE ? 1024u : 256u)
#define MAX_HANDSHAKE 65536u

static const uint16_t default_suites[] = { EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8,
					   EIOT_PSK_WITH_AES_128_CCM_8 };

/* see eap_iot/config.h */
struct eiot_config *eiot_config_new(enum eiot_role role, enum eiot_transport transport)
{
	/* a role or transport left out of the build (eap_iot/features.h) is refused like a bad one */
	if (!((role == EIOT_CLIENT && EIOT_WITH_CLIENT) || (role == EIOT_SERVER && EIOT_WITH_SERVER)) ||
	    !((transport == EIOT_TLS && EIOT_WITH_TLS) || (transport == EIOT_DTLS && EIOT_WITH_DTLS)))
		return NULL;
	struct eiot_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return NULL;
	cfg->role = role;
	cfg->transport = transport;
	for (size_t i = 0; i < sizeof(default_suites) / sizeof(default_suites[0]); i++)
		if (suite_find(default_suites[i]))
			cfg->suites[cfg->n_suites++] = default_suites[i];
	if (EIOT_WITH_X509)
		eiot_x509_chain_init(&cfg->trust);
	cfg->verify_client = EIOT_VERIFY_NONE;
	cfg->time_mode = EIOT_TIME_SYSTEM;
	cfg->max_chain = 3; /* RFC 7925 §4.4.4 */
	cfg->check_usage = true;
	cfg->max_record = MAX_RECORD;
	cfg->max_handshake = 16384;
	cfg->mtu = DEFAULT_MTU;
	cfg->rto_initial_ms = DEFAULT_RTO_INITIAL_MS;
	cfg->rto_max_ms = DEFAULT_RTO_MAX_MS;
	cfg->give_up_ms = DEFAULT_GIVE_UP_MS;
	cfg->cookie = true;
	cfg->tickets = EIOT_WITH_RESUMPTION && role == EIOT_SERVER;
	cfg->cached_info = EIOT_WITH_CACHED_INFO && role == EIOT_SERVER;
	cfg->log_level = EIOT_LOG_WARN;
	/* Seeded here, once: connections on any thread then only draw from it. Where the
	 * platform has no entropy source the application must set one (eiot_config_set_random). */
	cfg->drbg_ready = EIOT_WITH_DRBG && eiot_drbg_init(&cfg->drbg, "eap_iot") == 0;
	return cfg;
}

/* see eap_iot/config.h */
void eiot_config_free(struct eiot_config *cfg)
{
	if (!cfg)
		return;
	if (cfg->psk) {
		eiot_zeroize(cfg->psk, cfg->cap_psk * sizeof(*cfg->psk));
		free(cfg->psk);
	}
	if (EIOT_WITH_ECDHE)
		creds_config_free(cfg);
	if (EIOT_WITH_DRBG && cfg->drbg_ready)
		eiot_drbg_free(&cfg->drbg);
	free(cfg->keylog_path);
	free(cfg->own_cert_url);
	eiot_zeroize(cfg, sizeof(*cfg));
	free(cfg);
}

enum eiot_role eiot_config_role(const struct eiot_config *cfg) { return cfg->role; }
enum eiot_transport eiot_config_transport(const struct eiot_config *cfg) { return cfg->transport; }

/* see tls/config_int.h */
int (cfg_refuse)(const struct eiot_config *cfg, int err, const char *what)
{
	EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: %s", what);
	return err;
}

/* see tls/config_int.h */
int (cfg_not_in_build)(const struct eiot_config *cfg, const char *what)
{
	EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: %s: left out of this build (eap_iot/features.h)", what);
	return EIOT_ERR_NOT_IN_BUILD;
}

static int refuse(const struct eiot_config *cfg, const char *what)
{
	return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, what);
}

/* see eap_iot/features.h */
unsigned eiot_build_features(void)
{
	return (EIOT_WITH_CLIENT ? EIOT_FEATURE_CLIENT : 0) | (EIOT_WITH_SERVER ? EIOT_FEATURE_SERVER : 0) |
	       (EIOT_WITH_TLS ? EIOT_FEATURE_TLS : 0) | (EIOT_WITH_DTLS ? EIOT_FEATURE_DTLS : 0) |
	       (EIOT_WITH_PSK ? EIOT_FEATURE_PSK : 0) | (EIOT_WITH_RPK ? EIOT_FEATURE_RPK : 0) |
	       (EIOT_WITH_X509 ? EIOT_FEATURE_X509 : 0) |
	       (EIOT_WITH_RESUMPTION ? EIOT_FEATURE_RESUMPTION : 0) |
	       (EIOT_WITH_CACHED_INFO ? EIOT_FEATURE_CACHED_INFO : 0) |
	       (EIOT_WITH_CERT_URL ? EIOT_FEATURE_CERT_URL : 0) | (EIOT_WITH_EAP ? EIOT_FEATURE_EAP : 0) |
	       (EIOT_WITH_KEYLOG ? EIOT_FEATURE_KEYLOG : 0) | (EIOT_WITH_DRBG ? EIOT_FEATURE_DRBG : 0) |
	       (EIOT_WITH_EXTRA_SUITES ? EIOT_FEATURE_EXTRA_SUITES : 0) | (EIOT_WITH_LOG ? EIOT_FEATURE_LOG : 0) |
	       (EIOT_WITH_SAVE ? EIOT_FEATURE_SAVE : 0) | (EIOT_WITH_CID ? EIOT_FEATURE_CID : 0);
}

/* see eap_iot/config.h */
int eiot_config_set_suites(struct eiot_config *cfg, const uint16_t *suites, size_t n)
{
	if (!suites || n == 0 || n > EIOT_MAX_SUITES)
		return refuse(cfg, "suite list must hold 1..8 suites");
	for (size_t i = 0; i < n; i++) {
		if (suite_left_out(suites[i])) {
			EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: suite 0x%04x: left out of this build (eap_iot/features.h)",
				 suites[i]);
			return EIOT_ERR_NOT_IN_BUILD;
		}
		if (!suite_find(suites[i])) {
			EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: suite 0x%04x is not implemented", suites[i]);
			return EIOT_ERR_BAD_PARAM;
		}
	}
	memcpy(cfg->suites, suites, n * sizeof(*suites));
	cfg->n_suites = n;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_strict_profile(struct eiot_config *cfg, bool strict)
{
	cfg->strict_profile = strict;
	return EIOT_OK;
}

static int check_psk(const struct eiot_config *cfg, const uint8_t *identity, size_t identity_len,
		     const uint8_t *key, size_t key_len)
{
	/* RFC 7925 §4.2: identities up to 128 bytes, keys up to 64 */
	if (!identity || identity_len == 0 || identity_len > EIOT_MAX_PSK_IDENTITY)
		return refuse(cfg, "PSK identity must be 1..128 bytes");
	if (!key || key_len == 0 || key_len > EIOT_MAX_PSK)
		return refuse(cfg, "PSK must be 1..64 bytes");
	return EIOT_OK;
}

static int psk_append(struct eiot_config *cfg, const uint8_t *identity, size_t identity_len,
		      const uint8_t *key, size_t key_len)
{
	if (cfg->n_psk == cfg->cap_psk) {
		size_t cap = cfg->cap_psk ? cfg->cap_psk * 2 : 4;
		struct eiot_psk_entry *p = calloc(cap, sizeof(*p));
		if (!p)
			return EIOT_ERR_NO_MEMORY;
		if (cfg->psk) {
			memcpy(p, cfg->psk, cfg->n_psk * sizeof(*p));
			eiot_zeroize(cfg->psk, cfg->cap_psk * sizeof(*p));
			free(cfg->psk);
		}
		cfg->psk = p;
		cfg->cap_psk = cap;
	}
	struct eiot_psk_entry *e = &cfg->psk[cfg->n_psk++];
	memcpy(e->identity, identity, identity_len);
	e->identity_len = identity_len;
	memcpy(e->key, key, key_len);
	e->key_len = key_len;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_psk(struct eiot_config *cfg, const uint8_t *identity, size_t identity_len,
			const uint8_t *key, size_t key_len)
{
	if (!EIOT_WITH_PSK)
		return cfg_not_in_build(cfg, "PSK (EIOT_WITH_PSK)");
	int err = check_psk(cfg, identity, identity_len, key, key_len);
	if (err)
		return err;
	if (cfg->role != EIOT_CLIENT)
		return refuse(cfg, "set_psk is for clients; servers use add_psk");
	cfg->n_psk = 0;
	return psk_append(cfg, identity, identity_len, key, key_len);
}

/* see eap_iot/config.h */
int eiot_config_add_psk(struct eiot_config *cfg, const uint8_t *identity, size_t identity_len,
			const uint8_t *key, size_t key_len)
{
	if (!EIOT_WITH_PSK)
		return cfg_not_in_build(cfg, "PSK (EIOT_WITH_PSK)");
	int err = check_psk(cfg, identity, identity_len, key, key_len);
	if (err)
		return err;
	if (cfg->role != EIOT_SERVER)
		return refuse(cfg, "add_psk is for servers; clients use set_psk");
	for (size_t i = 0; i < cfg->n_psk; i++) {
		if (cfg->psk[i].identity_len == identity_len &&
		    memcmp(cfg->psk[i].identity, identity, identity_len) == 0)
			return refuse(cfg, "PSK identity added twice");
	}
	return psk_append(cfg, identity, identity_len, key, key_len);
}

/* see eap_iot/config.h */
int eiot_config_set_psk_hint(struct eiot_config *cfg, const uint8_t *hint, size_t hint_len)
{
	if (!EIOT_WITH_PSK)
		return cfg_not_in_build(cfg, "PSK identity hint (EIOT_WITH_PSK)");
	if (hint_len > EIOT_MAX_PSK_IDENTITY || (hint_len && !hint))
		return refuse(cfg, "PSK hint must be 0..128 bytes");
	if (hint_len)
		memcpy(cfg->psk_hint, hint, hint_len);
	cfg->psk_hint_len = hint_len;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_max_record(struct eiot_config *cfg, size_t bytes)
{
	if (bytes < MIN_RECORD || bytes > MAX_RECORD)
		return refuse(cfg, "max record must be 64..16384 bytes");
	cfg->max_record = bytes;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_max_fragment_length(struct eiot_config *cfg, size_t bytes)
{
	if (bytes != 0 && bytes != 512 && bytes != 1024 && bytes != 2048 && bytes != 4096)
		return refuse(cfg, "max_fragment_length must be 0, 512, 1024, 2048 or 4096 bytes");
	if (cfg->role != EIOT_CLIENT)
		return refuse(cfg, "max_fragment_length is offered by clients (servers always honour it)");
	cfg->mfl = bytes;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_record_size_limit(struct eiot_config *cfg, size_t bytes)
{
	/* RFC 8449 §4: at least 64; TLS 1.2 records carry at most 2^14 */
	if (bytes != 0 && (bytes < MIN_RECORD || bytes > MAX_RECORD))
		return refuse(cfg, "record_size_limit must be 0 or 64..16384 bytes");
	cfg->rsl = bytes;
	return EIOT_OK;
}

/* see tls/config_int.h */
size_t cfg_rx_record(const struct eiot_config *cfg)
{
	return cfg->mfl && cfg->mfl < cfg->max_record ? cfg->mfl : cfg->max_record;
}

/* see eap_iot/config.h */
int eiot_config_set_max_handshake(struct eiot_config *cfg, size_t bytes)
{
	if (bytes < MIN_HANDSHAKE || bytes > MAX_HANDSHAKE)
		return refuse(cfg, EIOT_WITH_ECDHE ? "max handshake message must be 1024..65536 bytes"
						   : "max handshake message must be 256..65536 bytes");
	cfg->max_handshake = bytes;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_mtu(struct eiot_config *cfg, size_t bytes)
{
	if (bytes < MIN_MTU || bytes > MAX_RECORD + 13)
		return refuse(cfg, "MTU must be 64..16397 bytes");
	cfg->mtu = bytes;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_retransmit(struct eiot_config *cfg, uint32_t initial_ms, uint32_t max_ms,
			       uint32_t give_up_ms)
{
	/* RFC 7925 §11: a smaller initial timer must still respect congestion concerns, so
	 * 1 s (RFC 6347's baseline) is the floor; the cap must be at least 60 s. */
	if (initial_ms < MIN_RTO_INITIAL_MS || initial_ms > MAX_RTO_INITIAL_MS)
		return refuse(cfg, "initial retransmission timer must be 1000..60000 ms");
	if (max_ms < DEFAULT_RTO_MAX_MS || max_ms < initial_ms)
		return refuse(cfg, "retransmission cap must be >= 60000 ms and >= the initial timer");
	if (give_up_ms < initial_ms)
		return refuse(cfg, "give-up time must be >= the initial timer");
	cfg->rto_initial_ms = initial_ms;
	cfg->rto_max_ms = max_ms;
	cfg->give_up_ms = give_up_ms;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_cookie(struct eiot_config *cfg, bool on)
{
	cfg->cookie = on;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_connection_id(struct eiot_config *cfg, bool on, size_t own_len)
{
	if (!EIOT_WITH_CID)
		return cfg_not_in_build(cfg, "connection IDs (EIOT_WITH_CID)");
	if (cfg->transport != EIOT_DTLS)
		return refuse(cfg, "connection IDs are for DTLS (RFC 9146)");
	if (own_len > EIOT_MAX_CID)
		return refuse(cfg, "connection ID length must be 0..16 bytes");
	cfg->cid = on;
	cfg->cid_len = own_len;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_resume_without_cookie(struct eiot_config *cfg, bool allow)
{
	cfg->resume_without_cookie = allow;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_require_ems(struct eiot_config *cfg, bool on)
{
	cfg->require_ems = on;
	return EIOT_OK;
}

/* see eap_iot/config.h */
void eiot_config_set_log(struct eiot_config *cfg, eiot_log_fn fn, void *user, enum eiot_log_level level)
{
	cfg->log_fn = fn;
	cfg->log_user = user;
	cfg->log_level = level;
}

/* see eap_iot/config.h */
void eiot_config_set_random(struct eiot_config *cfg, eiot_random_fn fn, void *user)
{
	cfg->random_fn = fn;
	cfg->random_user = user;
}

/* see eap_iot/config.h */
int eiot_config_set_keylog_file(struct eiot_config *cfg, const char *path)
{
	if (!EIOT_WITH_KEYLOG && path)
		return cfg_not_in_build(cfg, "key log (EIOT_WITH_KEYLOG)");
	free(cfg->keylog_path);
	cfg->keylog_path = NULL;
	if (!path)
		return EIOT_OK;
	cfg->keylog_path = strdup(path);
	if (!cfg->keylog_path)
		return EIOT_ERR_NO_MEMORY;
	cfg->keylog = keylog_write;
	EIOT_LOG(cfg, EIOT_LOG_WARN,
		 "keylog: writing session secrets to %s — anyone with this file can decrypt the traffic",
		 path);
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_keep_peer_cert(struct eiot_config *cfg, bool on)
{
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	cfg->keep_peer_cert = on;
	return EIOT_OK;
}

/* see tls/config_int.h */
int cfg_random(const struct eiot_config *cfg, uint8_t *out, size_t n)
{
	if (cfg->random_fn)
		return cfg->random_fn(cfg->random_user, out, n) ? EIOT_ERR_CRYPTO : EIOT_OK;
	if (!EIOT_WITH_DRBG || !cfg->drbg_ready) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, EIOT_WITH_DRBG ? "random: no entropy source on this platform; "
			 "set one with eiot_config_set_random" : "random: this build has no DRBG (EIOT_WITH_DRBG); "
			 "set a source with eiot_config_set_random");
		return EIOT_ERR_CRYPTO;
	}
	/* The DRBG is the one mutable part of a shared configuration; it locks itself. */
	return eiot_drbg_random((void *)&cfg->drbg, out, n) ? EIOT_ERR_CRYPTO : EIOT_OK;
}

/* see tls/config_int.h */
int64_t cfg_now_seconds(const struct eiot_config *cfg)
{
	switch (cfg->time_mode) {
	case EIOT_TIME_NONE:
		return -1;
	case EIOT_TIME_CALLBACK:
		return cfg->time_fn(cfg->time_user);
	default:
		return (int64_t)time(NULL);
	}
}

/* see eap_iot/config.h */
int eiot_config_set_session_cache(struct eiot_config *cfg, struct eiot_session_cache *sc)
{
	if (!EIOT_WITH_RESUMPTION && sc)
		return cfg_not_in_build(cfg, "session cache (EIOT_WITH_RESUMPTION)");
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (cfg->role != EIOT_SERVER) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "config: a session cache is for servers (clients keep eiot_session)");
		return EIOT_ERR_BAD_PARAM;
	}
	cfg->cache = sc;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_session_tickets(struct eiot_config *cfg, bool on)
{
	if (!EIOT_WITH_RESUMPTION && on)
		return cfg_not_in_build(cfg, "session tickets (EIOT_WITH_RESUMPTION)");
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	cfg->tickets = on;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_cert_cache(struct eiot_config *cfg, const struct eiot_cert_cache_ops *ops,
			       void *user)
{
	if (!EIOT_WITH_CACHED_INFO && ops)
		return cfg_not_in_build(cfg, "certificate cache (EIOT_WITH_CACHED_INFO)");
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (cfg->role != EIOT_CLIENT)
		return refuse(cfg, "a certificate cache is for clients (servers answer with eiot_config_set_cached_info)");
	cfg->cert_cache = ops;
	cfg->cert_cache_user = user;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_cached_info(struct eiot_config *cfg, bool on)
{
	if (!EIOT_WITH_CACHED_INFO && on)
		return cfg_not_in_build(cfg, "cached_info (EIOT_WITH_CACHED_INFO)");
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	cfg->cached_info = on;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_own_cert_url(struct eiot_config *cfg, const char *url)
{
	if (!EIOT_WITH_CERT_URL && url)
		return cfg_not_in_build(cfg, "certificate URL (EIOT_WITH_CERT_URL)");
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (cfg->role != EIOT_CLIENT)
		return refuse(cfg, "a certificate URL is sent by clients (servers set a resolver)");
	if (url) {
		size_t len = strlen(url);
		const char *colon = strchr(url, ':');
		/* RFC 6066 §5: an absolute URI (RFC 3986 §4.3: scheme ":" ...) */
		if (len == 0 || len > 2048 || !colon || colon == url || !strchr(url, '/'))
			return refuse(cfg, "certificate URL must be an absolute URI of 1..2048 bytes");
	}
	char *copy = url ? strdup(url) : NULL;
	if (url && !copy)
		return EIOT_ERR_NO_MEMORY;
	free(cfg->own_cert_url);
	cfg->own_cert_url = copy;
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_set_cert_url_resolver(struct eiot_config *cfg, const struct eiot_cert_url_ops *ops,
				      void *user)
{
	if (!EIOT_WITH_CERT_URL && ops)
		return cfg_not_in_build(cfg, "certificate URL resolver (EIOT_WITH_CERT_URL)");
	if (!cfg)
		return EIOT_ERR_BAD_PARAM;
	if (cfg->role != EIOT_SERVER)
		return refuse(cfg, "a certificate URL resolver is for servers");
	cfg->cert_url_ops = ops;
	cfg->cert_url_user = user;
	return EIOT_OK;
}
