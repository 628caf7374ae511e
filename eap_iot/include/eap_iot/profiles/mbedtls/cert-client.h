/*
 * eap_iot/profiles/mbedtls/cert-client.h — the mbedTLS 2.28 configuration for eap_iot's
 * cert-client profile: P-256 (ecc.h) and X.509 (x509.h).
 */
#ifndef EIOT_MBEDTLS_CERT_CLIENT_H
#define EIOT_MBEDTLS_CERT_CLIENT_H
#include "ecc.h"
#include "x509.h"
#include "mbedtls/check_config.h"
#endif
