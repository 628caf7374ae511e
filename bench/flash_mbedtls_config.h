/*
 * bench/flash_mbedtls_config.h — the mbedTLS 2.28 configuration bench/flash.sh builds for
 * Cortex-M (MBEDTLS_CONFIG_FILE): what crypto_mbedtls.c and x509_mbedtls.c call and nothing else. No
 * TLS module, no net, no threading, no RSA, no curve but P-256, no hash but SHA-256 and SHA-1.
 *
 * Why each module is here (callers in crypto_mbedtls.c / x509_mbedtls.c):
 *   AES, CCM, GCM, CIPHER   eiot_aead_* (AES-128-CCM/CCM_8/GCM; CCM and GCM sit on the cipher layer)
 *   SHA256, SHA1, MD        eiot_sha256*, eiot_sha1 (certificate URL hashes); MD for PK and X.509
 *   CTR_DRBG                eiot_drbg_* — linked even when the application sets its own random
 *                           callback (eiot_config_new seeds it); its seed comes from getrandom(2)
 *                           on Linux and from nowhere here (no ENTROPY: the device sets its RNG)
 *   BIGNUM, ECP, ECDH, ECDSA eiot_ecdh_*, eiot_pkey_sign/verify on secp256r1
 *   PK, PK_PARSE, PK_WRITE  eiot_pkey_parse_* (keys, SPKI), eiot_pkey_write_spki (raw public keys)
 *   ASN1_PARSE/WRITE, OID   DER parsing, ECDSA signature encoding, OID lookups
 *   PEM_PARSE, BASE64       eiot_x509_chain_add_file and PEM keys (mbedtls_pem_read_buffer)
 *   X509_USE, X509_CRT_PARSE certificate parse and verify; key usage and extended key usage
 *   FS_IO                   eiot_pkey_load_*_file call mbedtls_pk_parse_(public_)keyfile, so
 *                           crypto_mbedtls.c does not compile without it. x509_crt.c is built with
 *                           EIOT_FLASH_NO_FS_IO (its directory scan needs <dirent.h>, which newlib
 *                           lacks; eap_iot reads certificate files itself). No struct changes.
 * Size knobs: AES tables in flash (ROM_TABLES, FEWER_TABLES) instead of 8 KiB of .bss built at
 * run time — the usual choice on a microcontroller; the rest are mbedTLS's defaults.
 * No HAVE_TIME_DATE: eap_iot checks certificate dates itself (x509_mbedtls.c, verify_cb).
 */
#ifndef EIOT_FLASH_MBEDTLS_CONFIG_H
#define EIOT_FLASH_MBEDTLS_CONFIG_H

/* System */
#define MBEDTLS_HAVE_ASM
#if !defined(EIOT_FLASH_NO_FS_IO)
#define MBEDTLS_FS_IO
#endif

/* Features */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES

/* Modules */
#define MBEDTLS_AES_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_CCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_C
#define MBEDTLS_GCM_C
#define MBEDTLS_MD_C
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

#include "mbedtls/check_config.h"

#endif
