/*
 * tls/config_int.h — the configuration's fields (private to the library).
 *
 * Filled by the setters in config.c (options, PSK) and creds.c (certificates, trust);
 * read-only once connections exist, except the DRBG, which advances on every draw.
 */
#ifndef EIOT_TLS_CONFIG_INT_H
#define EIOT_TLS_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "eap_iot/config.h"
#include "eap_iot/err.h"

#define EIOT_MAX_SUITES 8
#define EIOT_MAX_OWN_CHAIN 4

struct eiot_psk_entry {
	uint8_t identity[EIOT_MAX_PSK_IDENTITY];
	size_t identity_len;
	uint8_t key[EIOT_MAX_PSK];
	size_t key_len;
};

struct eiot_config {
	enum eiot_role role;
	enum eiot_transport transport;

	uint16_t suites[EIOT_MAX_SUITES]; /* in preference order */
	size_t n_suites;
	bool strict_profile;

	/* PSK: client uses psk[0]; server looks identities up in psk[0..n_psk) */
	struct eiot_psk_entry *psk;
	size_t n_psk, cap_psk;
	uint8_t psk_hint[EIOT_MAX_PSK_IDENTITY];
	size_t psk_hint_len;

	/* Certificates (creds.c) */
	bool has_own_cert;
	uint8_t *own_chain_der[EIOT_MAX_OWN_CHAIN]; /* leaf first, as sent in Certificate */
	size_t own_chain_len[EIOT_MAX_OWN_CHAIN];
	size_t n_own_chain;
	struct eiot_pkey own_key;
	struct eiot_x509_chain trust;
	bool has_trust;
	/* Raw public keys (tls/rpk.c) */
	bool rpk_own;                      /* own_key set without a certificate */
	uint8_t own_spki[128];             /* its SubjectPublicKeyInfo */
	size_t own_spki_len;
	uint8_t rpk_pins[EIOT_MAX_RPK_PINS][32]; /* SHA-256 of pinned peer SPKIs */
	size_t n_rpk_pins;
	char server_name[EIOT_MAX_SERVER_NAME + 1]; /* "" when unset */
	unsigned name_policy;                        /* EIOT_NAME_* */
	enum eiot_verify_client verify_client;
	enum eiot_time_mode time_mode;
	eiot_time_fn time_fn;
	void *time_user;
	unsigned max_chain;
	bool check_usage;

	/* Sizes and timers */
	size_t max_record;    /* plaintext bytes per record */
	size_t mfl;           /* client: max_fragment_length offered (bytes; 0 none) */
	size_t rsl;           /* record_size_limit advertised (0 none) */
	size_t max_handshake; /* bytes of one handshake message */
	size_t mtu;           /* DTLS datagram bytes */
	uint32_t rto_initial_ms, rto_max_ms, give_up_ms;
	bool cookie;
	bool resume_without_cookie;
	bool require_ems;
	bool cid;             /* RFC 9146 connection IDs (tls/cid.c) */
	size_t cid_len;       /* ... of the ones we give */

	/* Resumption (tls/session.c) */
	struct eiot_session_cache *cache; /* server; the application's, NULL: none */
	bool tickets;                     /* client: offer; server: issue */

	/* cached_info (tls/cached_info.c) */
	const struct eiot_cert_cache_ops *cert_cache; /* client: the application's store */
	void *cert_cache_user;
	bool cached_info;                 /* server: answer cached_info offers */
	bool keep_peer_cert;              /* eiot_conn_peer_info gets the leaf (and URL) */

	/* client certificate URLs (tls/cert_url.c) */
	char *own_cert_url;               /* client: NULL off */
	const struct eiot_cert_url_ops *cert_url_ops; /* server: the application's resolver */
	void *cert_url_user;

	/* Services */
	eiot_log_fn log_fn;
	void *log_user;
	enum eiot_log_level log_level;
	eiot_random_fn random_fn;
	void *random_user;
	struct eiot_drbg drbg; /* default random source, seeded by eiot_config_new */
	bool drbg_ready;       /* false: no OS entropy here (set_random is then required) */
	char *keylog_path; /* NULL: off */
	/* keylog_write, set only by eiot_config_set_keylog_file: reached through the
	 * configuration so a device that never names a key log does not link the file writer */
	void (*keylog)(const struct eiot_config *cfg, const char *path,
		       const uint8_t client_random[32], const uint8_t master_secret[48]);
};

/* Largest record plaintext a connection can receive: max_record, or less when the client
 * offers max_fragment_length (its buffers are sized from this). */
size_t cfg_rx_record(const struct eiot_config *cfg);

/* Draw random bytes from the configured source. */
int cfg_random(const struct eiot_config *cfg, uint8_t *out, size_t n);
/* A setter's refusal: one log line "config: <what>", then err. */
int cfg_refuse(const struct eiot_config *cfg, int err, const char *what);
/* A setter of a feature this build left out (eap_iot/features.h): one log line naming it,
 * EIOT_ERR_NOT_IN_BUILD. */
int cfg_not_in_build(const struct eiot_config *cfg, const char *what);
#if !EIOT_WITH_LOG /* no log text in this build (eap_iot/features.h) */
#define cfg_refuse(cfg, err, what) (0 ? cfg_refuse((cfg), (err), (what)) : eiot_quiet_err(err))
#define cfg_not_in_build(cfg, what) \
	(0 ? cfg_not_in_build((cfg), (what)) : eiot_quiet_err(EIOT_ERR_NOT_IN_BUILD))
#endif

/* Current time for certificate checks, or -1 in the clock-less mode. */
int64_t cfg_now_seconds(const struct eiot_config *cfg);

/* Release what creds.c put in the configuration (zeroizes the key). */
void creds_config_free(struct eiot_config *cfg);

#endif
