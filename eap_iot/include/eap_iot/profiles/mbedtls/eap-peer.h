/*
 * eap_iot/profiles/mbedtls/eap-peer.h — the mbedTLS 2.28 configuration for eap_iot's eap-peer
 * profile: P-256 (ecc.h), X.509 (x509.h), and SHA-1 for certificate URL hashes (RFC 6066 §5).
 */
#ifndef EIOT_MBEDTLS_EAP_PEER_H
#define EIOT_MBEDTLS_EAP_PEER_H
#include "ecc.h"
#include "x509.h"
#define MBEDTLS_SHA1_C
#include "mbedtls/check_config.h"
#endif
