/*
 * eap_iot/profiles/eap-peer.h — a device joining the network with EAP-TLS (eap_iot/eap_tls.h):
 * a TLS 1.2 client over EAP with X.509 certificates (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8),
 * cached_info, client certificate URLs and resumption — every extension that saves EAP round
 * trips. No server role, no DTLS, no PSK, no raw public keys, no CTR_DRBG (the device's TRNG
 * through eiot_config_set_random). No log text: errors are reported by their codes and alerts alone
 * (eiot_conn_error, eiot_conn_last_alert). Record keys are kept as 16 bytes, their AES schedule
 * made for each record. See eap_iot/features.h.
 */
#define EIOT_WITH_SERVER 0
#define EIOT_WITH_DTLS 0
#define EIOT_WITH_SAVE 0
#define EIOT_WITH_CID 0
#define EIOT_WITH_PSK 0
#define EIOT_WITH_RPK 0
#define EIOT_WITH_EXTRA_SUITES 0
#define EIOT_WITH_KEYLOG 0
#define EIOT_WITH_DRBG 0
#define EIOT_WITH_AES_SCHEDULE 0
#define EIOT_WITH_LOG 0
