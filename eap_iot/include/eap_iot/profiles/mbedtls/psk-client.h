/*
 * eap_iot/profiles/mbedtls/psk-client.h — the mbedTLS 2.28 configuration (MBEDTLS_CONFIG_FILE)
 * for a device on eap_iot's psk-client profile: AES-128 encryption (tables in flash; eap_iot
 * runs CCM over it, crypto/mbedtls/ccm_mbedtls.c) and SHA-256 (the PRF and the transcript). No
 * cipher layer, no ECC, no X.509, no DRBG, no file system.
 */
#ifndef EIOT_MBEDTLS_PSK_CLIENT_H
#define EIOT_MBEDTLS_PSK_CLIENT_H

#define MBEDTLS_HAVE_ASM
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_SHA256_SMALLER

#define MBEDTLS_AES_C
#define MBEDTLS_SHA256_C

#include "mbedtls/check_config.h"
#endif
