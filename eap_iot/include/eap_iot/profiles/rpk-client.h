/*
 * eap_iot/profiles/rpk-client.h — a DTLS 1.2 client authenticated by raw public keys
 * (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with RFC 7250 certificate types, RFC 7925 §4.3): no X.509
 * parsing at all, the server's key pinned by its SHA-256. Resumption stays (it spares the
 * ECDHE and ECDSA work of a full handshake). No server role, no TLS over streams, no PSK, no
 * CTR_DRBG (the device's TRNG through eiot_config_set_random), no log text (errors by their
 * codes and alerts), record keys kept as 16 bytes (their AES schedule made for each record).
 * See eap_iot/features.h.
 */
#define EIOT_WITH_SERVER 0
#define EIOT_WITH_TLS 0
#define EIOT_WITH_PSK 0
#define EIOT_WITH_X509 0
#define EIOT_WITH_EXTRA_SUITES 0
#define EIOT_WITH_CACHED_INFO 0
#define EIOT_WITH_CERT_URL 0
#define EIOT_WITH_EAP 0
#define EIOT_WITH_KEYLOG 0
#define EIOT_WITH_DRBG 0
#define EIOT_WITH_AES_SCHEDULE 0
#define EIOT_WITH_LOG 0
