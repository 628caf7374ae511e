/*
 * eap_iot/profiles/cert-client.h — a DTLS 1.2 client with X.509 certificates
 * (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, RFC 7925 §4.4) and RFC 7924 cached_info, so that after the
 * first handshake the server's chain no longer crosses the link; resumption stays. No server
 * role, no TLS over streams, no PSK, no raw public keys, no certificate URLs (an EAP-TLS
 * feature), no CTR_DRBG (the device's TRNG through eiot_config_set_random).
 * No log text: errors are reported by their codes and alerts alone
 * (eiot_conn_error, eiot_conn_last_alert). Record keys are kept as 16 bytes, their AES schedule
 * made for each record. See eap_iot/features.h.
 */
#define EIOT_WITH_SERVER 0
#define EIOT_WITH_TLS 0
#define EIOT_WITH_PSK 0
#define EIOT_WITH_RPK 0
#define EIOT_WITH_EXTRA_SUITES 0
#define EIOT_WITH_CERT_URL 0
#define EIOT_WITH_EAP 0
#define EIOT_WITH_KEYLOG 0
#define EIOT_WITH_DRBG 0
#define EIOT_WITH_AES_SCHEDULE 0
#define EIOT_WITH_LOG 0
