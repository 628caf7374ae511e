/*
 * eap_iot/profiles/mbedtls/ecc.h — what every ECDHE-ECDSA device profile takes from mbedTLS 2.28
 * (included by rpk-client.h, cert-client.h, eap-peer.h): the psk-client set plus P-256 only
 * (ECDH, ECDSA, small windows: no precomputed table in RAM; HMAC_DRBG for the blinding of
 * mbedTLS's internal RNG), the public key layer for keys and SubjectPublicKeyInfo, ASN.1, OIDs.
 */
#ifndef EIOT_MBEDTLS_ECC_H
#define EIOT_MBEDTLS_ECC_H

#define MBEDTLS_HAVE_ASM
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM

#define MBEDTLS_AES_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_C
#define MBEDTLS_HMAC_DRBG_C /* the blinding mbedTLS's ECDH does with its internal RNG */
#define MBEDTLS_MD_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_SHA256_C

#define MBEDTLS_MPI_MAX_SIZE 32
#define MBEDTLS_MPI_WINDOW_SIZE 2
#define MBEDTLS_ECP_MAX_BITS 256
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0

#endif
