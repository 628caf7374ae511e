/*
 * eap_iot/profiles/mbedtls/rpk-client.h — the mbedTLS 2.28 configuration for eap_iot's
 * rpk-client profile: P-256 and the public key layer (ecc.h), no X.509.
 */
#ifndef EIOT_MBEDTLS_RPK_CLIENT_H
#define EIOT_MBEDTLS_RPK_CLIENT_H
#include "ecc.h"
#include "mbedtls/check_config.h"
#endif
