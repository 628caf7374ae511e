/*
 * crypto/crypto_backend.h — the mbedTLS 2.28 backend's context types for crypto/crypto.h.
 * Only this header and the *_mbedtls.c files name mbedTLS.
 */
#ifndef EIOT_CRYPTO_BACKEND_H
#define EIOT_CRYPTO_BACKEND_H

#include <mbedtls/ccm.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/entropy.h>
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
		mbedtls_ccm_context ccm;
		mbedtls_gcm_context gcm;
	} u;
};

struct eiot_drbg {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context ctr;
};

struct eiot_ecdh {
	mbedtls_ecp_group grp;
	mbedtls_mpi d;
	bool ready;
};

struct eiot_pkey {
	mbedtls_pk_context pk;
	bool ready;
};

struct eiot_x509_chain {
	mbedtls_x509_crt crt;
	size_t n;
};

#endif
