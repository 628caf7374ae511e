/*
 * eap_iot/profiles/psk-client.h — the smallest device: a DTLS 1.2 client with a pre-shared key
 * (TLS_PSK_WITH_AES_128_CCM_8, RFC 7925 §4.2). No server role, no TLS over streams, no ECC or
 * certificates, no resumption (a PSK handshake is already two round trips of small messages;
 * a sleeping device keeps its session by eiot_conn_save / eiot_conn_restore), no CTR_DRBG: the
 * device's TRNG goes in through eiot_config_set_random, no log text: errors are reported by
 * their codes and alerts alone (eiot_conn_error, eiot_conn_last_alert), and record keys kept as
 * 16 bytes, their AES schedule made for each record. See eap_iot/features.h.
 */
#define EIOT_WITH_SERVER 0
#define EIOT_WITH_TLS 0
#define EIOT_WITH_RPK 0
#define EIOT_WITH_X509 0
#define EIOT_WITH_EXTRA_SUITES 0
#define EIOT_WITH_RESUMPTION 0
#define EIOT_WITH_CACHED_INFO 0
#define EIOT_WITH_CERT_URL 0
#define EIOT_WITH_EAP 0
#define EIOT_WITH_KEYLOG 0
#define EIOT_WITH_DRBG 0
#define EIOT_WITH_AES_SCHEDULE 0
#define EIOT_WITH_LOG 0
