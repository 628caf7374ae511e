/*
 * eap_iot/profiles/mbedtls/x509.h — X.509 from mbedTLS 2.28 for the certificate profiles
 * (cert-client.h, eap-peer.h; with ecc.h): parsing and chain verification with key usage
 * checks, DER only (no PEM: a device holds its credentials as DER).
 */
#ifndef EIOT_MBEDTLS_X509_H
#define EIOT_MBEDTLS_X509_H
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#endif
