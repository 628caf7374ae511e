/*
 * eap_iot/features.h — what this build of eap_iot holds (a build configuration, as mbedTLS's
 * config.h). Each EIOT_WITH_* is 1 or 0. The default build holds everything; a device build
 * takes a profile (-DEIOT_FEATURES_FILE='"eap_iot/profiles/<name>.h"'; `make profiles` builds
 * each in build/profiles/<name>/) or a file of its own, which defines the switches it turns
 * off; anything it leaves undefined stays on. Parts are left out by constant conditions the
 * compiler folds away, so build with optimisation (-Os, -O1 or more) and --gc-sections. What a build leaves out is not in it at all (nothing of it is
 * linked), and the setters that would turn it on fail with EIOT_ERR_NOT_IN_BUILD and one log
 * line. eiot_build_features() tells a program what the library it runs with holds.
 * The library and every program using it must be compiled with the same file.
 */
#ifndef EAP_IOT_FEATURES_H
#define EAP_IOT_FEATURES_H

#ifdef EIOT_FEATURES_FILE
#include EIOT_FEATURES_FILE
#endif

/* Roles. */
#ifndef EIOT_WITH_CLIENT
#define EIOT_WITH_CLIENT 1
#endif
#ifndef EIOT_WITH_SERVER
#define EIOT_WITH_SERVER 1 /* also the DTLS cookie front door (eiot_dtls_accept) */
#endif
/* Transports. */
#ifndef EIOT_WITH_TLS
#define EIOT_WITH_TLS 1 /* over a stream (EAP-TLS, TCP) */
#endif
#ifndef EIOT_WITH_DTLS
#define EIOT_WITH_DTLS 1
#endif
/* Key exchanges and credentials. */
#ifndef EIOT_WITH_PSK
#define EIOT_WITH_PSK 1 /* TLS_PSK_WITH_AES_128_CCM_8 */
#endif
#ifndef EIOT_WITH_RPK
#define EIOT_WITH_RPK 1 /* ECDHE-ECDSA with raw public keys (RFC 7250) */
#endif
#ifndef EIOT_WITH_X509
#define EIOT_WITH_X509 1 /* ECDHE-ECDSA with X.509 certificates */
#endif
#ifndef EIOT_WITH_EXTRA_SUITES
#define EIOT_WITH_EXTRA_SUITES 1 /* ECDHE-ECDSA with AES-128-CCM and -GCM, beyond RFC 7925's CCM_8 */
#endif
/* Size-saving extensions. */
#ifndef EIOT_WITH_RESUMPTION
#define EIOT_WITH_RESUMPTION 1 /* session IDs and session tickets (RFC 5077) */
#endif
#ifndef EIOT_WITH_CACHED_INFO
#define EIOT_WITH_CACHED_INFO 1 /* RFC 7924; needs X509 */
#endif
#ifndef EIOT_WITH_CERT_URL
#define EIOT_WITH_CERT_URL 1 /* client certificate URLs, RFC 6066 §5; needs X509 */
#endif
/* Sleepy devices (DTLS). */
#ifndef EIOT_WITH_SAVE
#define EIOT_WITH_SAVE 1 /* eiot_conn_save / eiot_conn_restore: a session kept over power-down */
#endif
#ifndef EIOT_WITH_CID
#define EIOT_WITH_CID 1 /* DTLS Connection ID (RFC 9146): a session that survives a new address */
#endif
/* Around the engine. */
#ifndef EIOT_WITH_EAP
#define EIOT_WITH_EAP 1 /* the EAP-TLS method (eap_iot/eap_tls.h); needs TLS */
#endif
#ifndef EIOT_WITH_KEYLOG
#define EIOT_WITH_KEYLOG 1 /* the NSS key log for Wireshark (eiot_config_set_keylog_file) */
#endif
#ifndef EIOT_WITH_LOG
#define EIOT_WITH_LOG 1 /* 0: no log lines and no error texts; error codes and alerts as ever */
#endif
#ifndef EIOT_WITH_AES_SCHEDULE
#define EIOT_WITH_AES_SCHEDULE 1 /* 0: a record key is kept as its 16 bytes and expanded for every
				  * record (mbedTLS backend): about 270 bytes less per direction */
#endif
#ifndef EIOT_WITH_DRBG
#define EIOT_WITH_DRBG 1 /* 0: no CTR_DRBG; the platform's source via eiot_config_set_random */
#endif

/* ECDHE-ECDSA suites come with either kind of certificate. */
#define EIOT_WITH_ECDHE (EIOT_WITH_RPK || EIOT_WITH_X509)

#if !EIOT_WITH_CLIENT && !EIOT_WITH_SERVER
#error "eap_iot features: neither EIOT_WITH_CLIENT nor EIOT_WITH_SERVER"
#endif
#if !EIOT_WITH_TLS && !EIOT_WITH_DTLS
#error "eap_iot features: neither EIOT_WITH_TLS nor EIOT_WITH_DTLS"
#endif
#if !EIOT_WITH_PSK && !EIOT_WITH_ECDHE
#error "eap_iot features: no key exchange (EIOT_WITH_PSK, EIOT_WITH_RPK, EIOT_WITH_X509)"
#endif
#if (EIOT_WITH_CACHED_INFO || EIOT_WITH_CERT_URL) && !EIOT_WITH_X509
#error "eap_iot features: cached_info and certificate URLs need EIOT_WITH_X509"
#endif
#if (EIOT_WITH_SAVE || EIOT_WITH_CID) && !EIOT_WITH_DTLS
#error "eap_iot features: EIOT_WITH_SAVE and EIOT_WITH_CID need EIOT_WITH_DTLS"
#endif
#if EIOT_WITH_EAP && !EIOT_WITH_TLS
#error "eap_iot features: EIOT_WITH_EAP needs EIOT_WITH_TLS"
#endif

/* Bits of eiot_build_features(). */
enum eiot_feature {
	EIOT_FEATURE_CLIENT = 1u << 0,
	EIOT_FEATURE_SERVER = 1u << 1,
	EIOT_FEATURE_TLS = 1u << 2,
	EIOT_FEATURE_DTLS = 1u << 3,
	EIOT_FEATURE_PSK = 1u << 4,
	EIOT_FEATURE_RPK = 1u << 5,
	EIOT_FEATURE_X509 = 1u << 6,
	EIOT_FEATURE_RESUMPTION = 1u << 7,
	EIOT_FEATURE_CACHED_INFO = 1u << 8,
	EIOT_FEATURE_CERT_URL = 1u << 9,
	EIOT_FEATURE_EAP = 1u << 10,
	EIOT_FEATURE_KEYLOG = 1u << 11,
	EIOT_FEATURE_DRBG = 1u << 12,
	EIOT_FEATURE_EXTRA_SUITES = 1u << 13,
	EIOT_FEATURE_LOG = 1u << 14,
	EIOT_FEATURE_SAVE = 1u << 15,
	EIOT_FEATURE_CID = 1u << 16,
};

#ifdef __cplusplus
extern "C" {
#endif

/* What the library holds: EIOT_FEATURE_* bits. */
unsigned eiot_build_features(void);

#ifdef __cplusplus
}
#endif

#endif
