/*
 * eap_iot/config.h — one configuration, shared read-only by many connections.
 *
 * Create it, set credentials and options (every setter validates and fails at once,
 * naming what is wrong), then create connections from it. Do not change a
 * configuration while connections made from it are alive. A configuration and its
 * connections are used from one thread at a time.
 */
#ifndef EAP_IOT_CONFIG_H
#define EAP_IOT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eap_iot/features.h"

#ifdef __cplusplus
extern "C" {
#endif

enum eiot_role { EIOT_CLIENT = 0, EIOT_SERVER = 1 };
enum eiot_transport { EIOT_TLS = 0, EIOT_DTLS = 1 };

/* Cipher suites (IANA numbers). The first two are the RFC 7925 profile. */
#define EIOT_PSK_WITH_AES_128_CCM_8 0xC0A8u
#define EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8 0xC0AEu
#define EIOT_ECDHE_ECDSA_WITH_AES_128_CCM 0xC0ACu
#define EIOT_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 0xC02Bu

/* A suite we implement by its IANA name (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8) or OpenSSL's
 * (ECDHE-ECDSA-AES128-CCM8), any case; 0 when none. */
uint16_t eiot_suite_from_name(const char *name);
/* Its name, IANA's or (openssl_style) OpenSSL's; NULL for a suite we do not implement. */
const char *eiot_suite_name(uint16_t id, bool openssl_style);

/* Limits (RFC 7925 §4.2, RFC 6066). */
#define EIOT_MAX_PSK_IDENTITY 128
#define EIOT_MAX_PSK 64
#define EIOT_MAX_SERVER_NAME 253

/* Log levels; the sink gets one line per decision, no trailing newline. */
enum eiot_log_level { EIOT_LOG_ERROR = 0, EIOT_LOG_WARN = 1, EIOT_LOG_INFO = 2, EIOT_LOG_DEBUG = 3 };
typedef void (*eiot_log_fn)(void *user, enum eiot_log_level level, const char *line);

/* Random source: fill out[0..n) or return non-zero. Default: mbedTLS CTR_DRBG seeded from the OS. */
typedef int (*eiot_random_fn)(void *user, uint8_t *out, size_t n);

/* Wall-clock source for certificate validity: seconds since 1970. */
typedef int64_t (*eiot_time_fn)(void *user);

struct eiot_config;

/* Create a configuration with the profile defaults (see README "Defaults"). NULL on ENOMEM.
 * Where the platform has no entropy source for the default random source (bare metal), set
 * one with eiot_config_set_random before any connection. */
struct eiot_config *eiot_config_new(enum eiot_role role, enum eiot_transport transport);
/* Free it, zeroizing keys. NULL is fine. */
void eiot_config_free(struct eiot_config *cfg);

enum eiot_role eiot_config_role(const struct eiot_config *cfg);
enum eiot_transport eiot_config_transport(const struct eiot_config *cfg);

/* Suites offered (client, in preference order) or accepted (server, server's order wins).
 * Unknown numbers are refused. Default: C0AE, C0A8 (only those with credentials are used). */
int eiot_config_set_suites(struct eiot_config *cfg, const uint16_t *suites, size_t n);
/* Strict RFC 7925 profile: only C0AE and C0A8, whatever set_suites said. */
int eiot_config_set_strict_profile(struct eiot_config *cfg, bool strict);

/* PSK, client: the identity (1..128 bytes, opaque) and key (1..64 bytes). */
int eiot_config_set_psk(struct eiot_config *cfg, const uint8_t *identity, size_t identity_len,
			const uint8_t *key, size_t key_len);
/* PSK, server: add one identity/key to the table (byte-for-byte match, RFC 7925 §4.2). */
int eiot_config_add_psk(struct eiot_config *cfg, const uint8_t *identity, size_t identity_len,
			const uint8_t *key, size_t key_len);
/* PSK, server: the identity hint sent in ServerKeyExchange (0..128 bytes; none by default). */
int eiot_config_set_psk_hint(struct eiot_config *cfg, const uint8_t *hint, size_t hint_len);

/* Own certificate chain (leaf first; PEM or DER file) and private key (PEM or DER; password may
 * be NULL). Refuses a key that is not ECDSA P-256 or does not match the leaf. */
int eiot_config_set_own_cert_file(struct eiot_config *cfg, const char *chain_path,
				  const char *key_path, const char *key_password);
int eiot_config_set_own_cert_der(struct eiot_config *cfg, const uint8_t *const *certs,
				 const size_t *cert_lens, size_t n_certs, const uint8_t *key,
				 size_t key_len);
/* Trust anchors (PEM file with one or more, or DER). May be called several times. */
int eiot_config_add_trust_file(struct eiot_config *cfg, const char *path);
int eiot_config_add_trust_der(struct eiot_config *cfg, const uint8_t *der, size_t len);

/* Raw public keys (RFC 7250). A side with a key and no certificate presents the key as a raw
 * public key (SubjectPublicKeyInfo); a side with pinned keys accepts the peer's raw public key
 * when it is one of them. Raw public keys are preferred over X.509 where both sides can; a
 * side that has both (say a certificate for some peers, pins for others) offers both, so
 * mixed configurations negotiate (client_certificate_type / server_certificate_type). */
/* Own P-256 key (PEM or DER; password may be NULL) without a certificate. */
int eiot_config_set_own_key_file(struct eiot_config *cfg, const char *key_path,
				 const char *key_password);
/* Pin a peer key: its DER SubjectPublicKeyInfo, or the SHA-256 of that, or a file holding a
 * PEM "PUBLIC KEY" or DER SubjectPublicKeyInfo. At most EIOT_MAX_RPK_PINS pins. */
#define EIOT_MAX_RPK_PINS 16
int eiot_config_add_peer_rpk(struct eiot_config *cfg, const uint8_t *spki, size_t len);
int eiot_config_add_peer_rpk_sha256(struct eiot_config *cfg, const uint8_t hash[32]);
int eiot_config_add_peer_rpk_file(struct eiot_config *cfg, const char *path);

/* Client: the server's reference name (RFC 6125 DNS-ID), also sent as SNI. Required for
 * certificate suites unless EIOT_NAME_SKIP_CHECK is set. */
int eiot_config_set_server_name(struct eiot_config *cfg, const char *dns_name);

/* Name check relaxations (RFC 7925 §4.4.1 default: exact SAN dNSName, one name, no wildcard,
 * no CN). Each flag loosens one rule; all are off by default. */
#define EIOT_NAME_ALLOW_WILDCARD 0x1u   /* accept "*.example.com" as RFC 6125 §6.4.3 says */
#define EIOT_NAME_ALLOW_CN 0x2u         /* fall back to the subject CN when there is no SAN */
#define EIOT_NAME_ALLOW_MULTIPLE 0x4u   /* accept a certificate with several dNSNames */
#define EIOT_NAME_SKIP_CHECK 0x8u       /* do not check the name at all (chain still verified) */
int eiot_config_set_name_policy(struct eiot_config *cfg, unsigned flags);

/* Server: ask for a client certificate (mutual authentication). */
enum eiot_verify_client { EIOT_VERIFY_NONE = 0, EIOT_VERIFY_OPTIONAL = 1, EIOT_VERIFY_REQUIRED = 2 };
int eiot_config_set_verify_client(struct eiot_config *cfg, enum eiot_verify_client mode);

/* Certificate validity time. Default: the system clock. EIOT_TIME_NONE is the clock-less mode
 * for devices without time: notBefore/notAfter are not checked at all (everything else is). */
enum eiot_time_mode { EIOT_TIME_SYSTEM = 0, EIOT_TIME_NONE = 1, EIOT_TIME_CALLBACK = 2 };
int eiot_config_set_time(struct eiot_config *cfg, enum eiot_time_mode mode, eiot_time_fn fn, void *user);

/* Longest peer chain accepted below the trust anchor (RFC 7925 §4.4.4: >= 3). Default 3, 1..8. */
int eiot_config_set_max_chain(struct eiot_config *cfg, unsigned n);
/* Check keyUsage / extKeyUsage of peer certificates (default on). */
int eiot_config_set_check_usage(struct eiot_config *cfg, bool check);

/* Largest plaintext in one record we send and accept: 64..16384, default 16384. */
int eiot_config_set_max_record(struct eiot_config *cfg, size_t bytes);
/* Small records (RFC 7925 §15).
 * max_fragment_length (RFC 6066 §4), client: offer 512, 1024, 2048 or 4096 bytes (0: do not
 * offer, the default). Records both ways are then at most that long once the server agrees,
 * and the receive buffers are sized for it (a server that ignores the offer and sends longer
 * records gets record_overflow). Servers always honour a valid offer. */
int eiot_config_set_max_fragment_length(struct eiot_config *cfg, size_t bytes);
/* record_size_limit (RFC 8449), both roles: the largest protected record plaintext we accept,
 * 64..16384 (0: do not offer or answer, the default). The client offers it; the server
 * answers when the client offered it (and then ignores max_fragment_length, RFC 8449 §5). The
 * peer's limit caps what we send. Unprotected handshake records are not limited (§4). */
int eiot_config_set_record_size_limit(struct eiot_config *cfg, size_t bytes);

/* Largest handshake message accepted (certificate chains): 1024..65536 (256..65536 in a build
 * without certificates, eap_iot/features.h), default 16384. */
int eiot_config_set_max_handshake(struct eiot_config *cfg, size_t bytes);

/* DTLS: path MTU, bytes per datagram we send: 64..16397, default 1280. */
int eiot_config_set_mtu(struct eiot_config *cfg, size_t bytes);
/* DTLS retransmission (RFC 7925 §11): initial timer (1000..60000 ms, default 9000), cap
 * (>= 60000 ms and >= initial, default 60000), give-up time for the whole handshake
 * (>= initial, default 120000). */
int eiot_config_set_retransmit(struct eiot_config *cfg, uint32_t initial_ms, uint32_t max_ms,
			       uint32_t give_up_ms);
/* DTLS server: send HelloVerifyRequest (default on). */
int eiot_config_set_cookie(struct eiot_config *cfg, bool on);
/* DTLS server with cookies on: let a ClientHello that resumes a live session (a valid ticket
 * or a cached session ID) skip the cookie exchange, one round trip less (RFC 6347 §4.2.1
 * allows it). Off by default: a captured resuming ClientHello could then be replayed from
 * spoofed addresses for the session's lifetime, each copy costing a connection and a flight. */
int eiot_config_set_resume_without_cookie(struct eiot_config *cfg, bool allow);

/* DTLS Connection ID (RFC 9146): the session stays with its records when the peer's address
 * or port changes (NAT rebinding, a device waking behind a new mapping). A client offers it, a
 * server answers a client that offers it; each side picks the CID it wants in the records it
 * receives: own_len random bytes (0..EIOT_MAX_CID; 0 = "send me plain records, I send yours").
 * Records protected after the handshake's ChangeCipherSpec then carry the peer's CID
 * (content type tls12_cid, the real type inside the encryption); a record without the CID
 * we gave, or with another, is dropped. A server that routes by CID reads it with
 * eiot_dtls_record_cid and moves a peer to a new address only as eiot_conn_peer_may_move
 * says (RFC 9146 §6). A peer's CID longer than EIOT_MAX_PEER_CID is declined (server) or
 * refused with illegal_parameter (client). Default off. */
#define EIOT_MAX_CID 16
#define EIOT_MAX_PEER_CID 32
int eiot_config_set_connection_id(struct eiot_config *cfg, bool on, size_t own_len);

/* Refuse a full handshake without extended master secret (RFC 7627): a client aborts when the
 * ServerHello lacks it, a server when the ClientHello lacks it, both with handshake_failure
 * (EIOT_ERR_EMS_REQUIRED). Default off (the session hash is always used when both ends have
 * it). Worth turning on where keys are exported from the handshake, as in EAP-TLS: without
 * it a man in the middle can give two connections the same master secret (RFC 7627 §1). */
int eiot_config_set_require_ems(struct eiot_config *cfg, bool on);

/* ---- Resumption (RFC 5246 §7.4.1.2 session IDs, RFC 5077 tickets, RFC 7627 §5.3) ----
 *
 * A server resumes only through a session cache the application owns: one object holding the
 * session-ID cache (bounded, entries expire after lifetime_s) and the ticket keys (AES-128-GCM,
 * a fresh key every lifetime_s, the previous one still accepted; tickets older than lifetime_s
 * are refused whatever key sealed them). It draws random bytes from cfg, which must outlive
 * it. Attach it to one or more server configurations of the same process; it is used from the
 * connections' thread. Times are the connections' now_ms (any monotonic origin).
 * A session is never resumed across an extended master secret mismatch: the server falls back
 * to a full handshake, the client aborts (handshake_failure). */
struct eiot_session_cache;

/* max_entries 1..65536 (session IDs cached at once; the oldest is evicted when full),
 * lifetime_s 1..604800 (RFC 5077 §5.6: short lifetimes). NULL on a bad argument or ENOMEM. */
struct eiot_session_cache *eiot_session_cache_new(const struct eiot_config *cfg,
						  size_t max_entries, uint32_t lifetime_s);
/* Free it, zeroizing every master secret and key. NULL is fine. */
void eiot_session_cache_free(struct eiot_session_cache *sc);
/* Rotate the ticket key now (the current key becomes the previous one; the one before is
 * forgotten, so its tickets get a full handshake). Also happens every lifetime_s by itself. */
int eiot_session_cache_rotate(struct eiot_session_cache *sc, uint64_t now_ms);
/* Session IDs cached now (expired ones included until they are found or evicted). */
size_t eiot_session_cache_count(const struct eiot_session_cache *sc);
/* Several threads (an AAA server's pool): lock and unlock are called around every use of the
 * cache — lookups, inserts, sealing and opening tickets, rotation. Set before the first
 * connection uses it; both or neither (EIOT_ERR_BAD_PARAM). Without them the cache belongs to
 * one thread. The configuration's random source must then be thread-safe too (the default
 * is; see eiot_config_set_random). */
int eiot_session_cache_set_lock(struct eiot_session_cache *sc, void (*lock)(void *),
				void (*unlock)(void *), void *user);
/* Ticket keys from outside, so that servers sharing them resume each other's tickets (RFC 5077
 * §4: key_name 16 bytes, then the AES-128 key). The cache then stops rotating by itself:
 * whoever shares the keys rotates them, calling this again with the new current key and the
 * one it replaces (tickets under either are accepted). Ticket lifetime is still enforced from
 * inside each ticket. */
#define EIOT_TICKET_KEY_LEN 32
int eiot_session_cache_set_ticket_keys(struct eiot_session_cache *sc,
				       const uint8_t current[EIOT_TICKET_KEY_LEN],
				       const uint8_t previous[EIOT_TICKET_KEY_LEN]);

/* Server: resume sessions from this cache (NULL: no resumption, the default). */
int eiot_config_set_session_cache(struct eiot_config *cfg, struct eiot_session_cache *sc);
/* Session tickets (RFC 5077). Client: offer the SessionTicket extension (default off; a
 * session holding a ticket is offered with it anyway). Server: issue tickets to clients that
 * offer the extension (default on; needs a session cache for the keys), instead of a cache
 * entry: a server that issues a ticket keeps no state for the session. */
int eiot_config_set_session_tickets(struct eiot_config *cfg, bool on);

/* ---- cached_info (RFC 7924) ----
 *
 * Client: keep the server's Certificate message in this store (eap_iot/stores.h), keyed by
 * the reference name (eiot_config_set_server_name; no name, no caching), after each
 * successful full handshake, and offer its SHA-256 in later full handshakes. When the server
 * echoes the offer and sends the hash instead of its chain, the cached chain — verified in
 * full when it was stored — is not verified again but rechecked for what can change: a trust
 * anchor for it is still configured (by name), validity dates (or the clock-less mode), the
 * reference name, key usage, chain length and the profile's key/signature algorithms (or the
 * pinned keys for a raw public key). Its signatures are not checked again, so the store is as
 * sensitive as the trust anchors: whoever can write it can make this client accept a chain
 * for that name (the file cache is created 0600). A hash other than the one offered is fatal
 * (illegal_parameter); a server that sends its chain (it did not recognise the hash) is
 * verified as usual and refreshes the entry. Nothing is stored from a failed or resumed
 * handshake. ops NULL turns it off (the default). ops and user must outlive the config. */
struct eiot_cert_cache_ops;
int eiot_config_set_cert_cache(struct eiot_config *cfg, const struct eiot_cert_cache_ops *ops,
			       void *user);
/* Server: answer a cached_info offer whose 'cert' hash is that of our own Certificate
 * message with the hash instead of the chain (default on). */
int eiot_config_set_cached_info(struct eiot_config *cfg, bool on);

/* ---- Client certificate URLs (RFC 6066 §5, RFC 7925 §4.4.5) ----
 *
 * Client: offer client_certificate_url; when the server agrees and asks for a certificate,
 * send a CertificateURL naming url (an absolute URI, 1..2048 bytes) with the SHA-1 of our leaf
 * certificate instead of the chain. Needs an own certificate (eiot_config_set_own_cert_*);
 * NULL turns it off (the default). */
int eiot_config_set_own_cert_url(struct eiot_config *cfg, const char *url);
/* Server: agree to client certificate URLs and resolve them through ops (eap_iot/stores.h;
 * NULL: refuse, the default, as RFC 6066 §11.3 recommends). Each URL must resolve to the
 * certificate whose SHA-1 the client sent (it may be followed by its issuers), else
 * bad_certificate_hash_value; a URL that resolves to nothing gets certificate_unobtainable.
 * The chain is then verified as a received one. ops and user must outlive the config. */
struct eiot_cert_url_ops;
int eiot_config_set_cert_url_resolver(struct eiot_config *cfg, const struct eiot_cert_url_ops *ops,
				      void *user);

/* Keep the peer's verified leaf certificate (and its CertificateURL) with each connection, for
 * eiot_conn_peer_info() — an AAA server reports it to its policies. Costs the certificate's
 * size per connection. Default off. */
int eiot_config_set_keep_peer_cert(struct eiot_config *cfg, bool on);

/* Log sink and level (default: none). */
void eiot_config_set_log(struct eiot_config *cfg, eiot_log_fn fn, void *user, enum eiot_log_level level);
/* Random source (tests and fuzzers use a deterministic one). The default: with mbedTLS a
 * CTR_DRBG seeded from getrandom(2) by eiot_config_new, with OpenSSL its process-wide DRBG;
 * either may be used by several threads at once. */
void eiot_config_set_random(struct eiot_config *cfg, eiot_random_fn fn, void *user);
/* NSS key log file for Wireshark (CLIENT_RANDOM lines appended). Off by default; turning it on
 * logs a warning, because anyone with the file can decrypt the traffic. NULL turns it off. */
int eiot_config_set_keylog_file(struct eiot_config *cfg, const char *path);

#ifdef __cplusplus
}
#endif
#endif
