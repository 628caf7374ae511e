/*
 * crypto/mbedtls/backend_mbedtls.h — the mbedTLS 2.28 backend's context types for
 * crypto/crypto.h. Only this folder names mbedTLS.
 */
#ifndef EIOT_BACKEND_MBEDTLS_H
#define EIOT_BACKEND_MBEDTLS_H

#include <mbedtls/aes.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/gcm.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "eap_iot/config.h" /* eiot_random_fn */

struct eiot_sha256 {
	mbedtls_sha256_context ctx;
};

struct eiot_aead {
	int alg; /* enum eiot_aead_alg */
	size_t tag_len;
	union {
#if EIOT_WITH_AES_SCHEDULE
		mbedtls_aes_context aes; /* CCM: crypto/mbedtls/ccm_mbedtls.c */
#else
		uint8_t key[16];         /* CCM: the schedule is made on the stack for each record */
#endif
#if EIOT_WITH_EXTRA_SUITES /* (eap_iot/features.h) */
		mbedtls_gcm_context gcm;
#endif
	} u;
};

/* A record key is kept as such only without schedules and without GCM (whose context holds
 * its own): then a saved connection takes its keys from here (tls/conn_save.c). */
#define EIOT_AEAD_KEEPS_KEY (!EIOT_WITH_AES_SCHEDULE && !EIOT_WITH_EXTRA_SUITES)
#if EIOT_AEAD_KEEPS_KEY
static inline const uint8_t *eiot_aead_key(const struct eiot_aead *a)
{
	return a->u.key;
}
#endif

/* Seeded from getrandom(2); with Debian's MBEDTLS_THREADING_C, mbedtls_ctr_drbg_random locks
 * the context's mutex, so one seeded DRBG serves every thread. */
struct eiot_drbg {
	mbedtls_ctr_drbg_context ctr;
};

#if EIOT_WITH_ECDHE
struct eiot_ecdh {
	mbedtls_ecp_group grp;
	mbedtls_mpi d;
	bool ready;
};
#else
struct eiot_ecdh { /* a build without ECDHE (eap_iot/features.h): never used */
	bool ready;
};
#endif

struct eiot_pkey {
	mbedtls_pk_context pk;
	bool ready;
};

#if defined(MBEDTLS_X509_CRT_PARSE_C)
struct eiot_x509_chain {
	mbedtls_x509_crt crt;
	size_t n;
};
#else
/* an mbedTLS configuration without X.509 (a device without certificates): never filled */
struct eiot_x509_chain {
	size_t n;
};
#endif

#endif
