/*
 * tls/err.c — error strings and the error -> alert map (RFC 7925 §6).
 * The map is the one place that decides which alert a failure sends.
 */
#include "eap_iot/err.h"
#include "eap_iot/features.h"

#include <stddef.h>
#include <stdint.h>

/* Every code has an entry (test_profile checks its sentence in a full build); a build without
 * log text (eap_iot/features.h) keeps each code's alert, not its sentence. */
#if EIOT_WITH_LOG
struct err_info {
	const char *text;
	uint8_t alert; /* enum eiot_alert */
};
#define E(text, alert) { text, alert }
#else
struct err_info {
	uint8_t alert;
};
#define E(text, alert) { alert }
#endif

static const struct err_info errs[EIOT_ERR__COUNT] = {
	[EIOT_OK] = E("success", EIOT_ALERT_NONE),
	[EIOT_ERR_BAD_PARAM] = E("bad parameter", EIOT_ALERT_INTERNAL_ERROR),
	[EIOT_ERR_NO_MEMORY] = E("out of memory", EIOT_ALERT_INTERNAL_ERROR),
	[EIOT_ERR_BUFFER_TOO_SMALL] = E("buffer too small", EIOT_ALERT_INTERNAL_ERROR),
	[EIOT_ERR_WANT_MORE] = E("more input needed", EIOT_ALERT_NONE),
	[EIOT_ERR_WRONG_STATE] = E("call does not fit the connection state", EIOT_ALERT_NONE),
	[EIOT_ERR_CLOSED] = E("connection closed", EIOT_ALERT_NONE),
	[EIOT_ERR_FILE] = E("credential file unreadable or unparsable", EIOT_ALERT_INTERNAL_ERROR),
	[EIOT_ERR_KEY_MISMATCH] = E("private key does not match certificate", EIOT_ALERT_INTERNAL_ERROR),
	[EIOT_ERR_CRYPTO] = E("crypto backend failure", EIOT_ALERT_INTERNAL_ERROR),
	[EIOT_ERR_INTERNAL] = E("internal error", EIOT_ALERT_INTERNAL_ERROR),
	[EIOT_ERR_DECODE] = E("malformed message", EIOT_ALERT_DECODE_ERROR),
	[EIOT_ERR_RECORD_OVERFLOW] = E("record too long", EIOT_ALERT_RECORD_OVERFLOW),
	[EIOT_ERR_BAD_RECORD_MAC] = E("record failed authentication", EIOT_ALERT_BAD_RECORD_MAC),
	[EIOT_ERR_UNEXPECTED_MESSAGE] = E("unexpected message", EIOT_ALERT_UNEXPECTED_MESSAGE),
	[EIOT_ERR_MESSAGE_TOO_LARGE] = E("handshake message over the configured limit", EIOT_ALERT_HANDSHAKE_FAILURE),
	[EIOT_ERR_PROTOCOL_VERSION] = E("peer does not speak (D)TLS 1.2", EIOT_ALERT_PROTOCOL_VERSION),
	[EIOT_ERR_NO_SHARED_SUITE] = E("no cipher suite in common", EIOT_ALERT_HANDSHAKE_FAILURE),
	[EIOT_ERR_NO_SHARED_GROUP] = E("no secp256r1/uncompressed/ecdsa_secp256r1_sha256 in common", EIOT_ALERT_HANDSHAKE_FAILURE),
	[EIOT_ERR_ILLEGAL_PARAMETER] = E("illegal parameter", EIOT_ALERT_ILLEGAL_PARAMETER),
	[EIOT_ERR_UNSUPPORTED_EXTENSION] = E("extension not offered", EIOT_ALERT_UNSUPPORTED_EXTENSION),
	[EIOT_ERR_BAD_POINT] = E("invalid or compressed ECDH point", EIOT_ALERT_ILLEGAL_PARAMETER),
	[EIOT_ERR_RENEGOTIATION] = E("renegotiation refused", EIOT_ALERT_NO_RENEGOTIATION),
	[EIOT_ERR_EMS_REQUIRED] = E("extended master secret required", EIOT_ALERT_HANDSHAKE_FAILURE),
	[EIOT_ERR_INSECURE_RENEGOTIATION] = E("bad renegotiation_info", EIOT_ALERT_HANDSHAKE_FAILURE),
	[EIOT_ERR_BAD_FINISHED] = E("Finished verify_data wrong", EIOT_ALERT_DECRYPT_ERROR),
	[EIOT_ERR_BAD_SIGNATURE] = E("signature verification failed", EIOT_ALERT_DECRYPT_ERROR),
	/* RFC 7925 §6: decrypt_error, not unknown_psk_identity */
	[EIOT_ERR_PSK_UNKNOWN_IDENTITY] = E("unknown PSK identity", EIOT_ALERT_DECRYPT_ERROR),
	[EIOT_ERR_NO_CREDENTIALS] = E("no credentials for the negotiated suite", EIOT_ALERT_HANDSHAKE_FAILURE),
	[EIOT_ERR_CERT_UNTRUSTED] = E("certificate chain not trusted", EIOT_ALERT_UNKNOWN_CA),
	[EIOT_ERR_CERT_EXPIRED] = E("certificate expired", EIOT_ALERT_CERTIFICATE_EXPIRED),
	/* RFC 5246 has no "not yet valid" alert; certificate_expired covers the validity period */
	[EIOT_ERR_CERT_NOT_YET_VALID] = E("certificate not yet valid", EIOT_ALERT_CERTIFICATE_EXPIRED),
	[EIOT_ERR_CERT_NAME_MISMATCH] = E("certificate name does not match the reference name", EIOT_ALERT_BAD_CERTIFICATE),
	[EIOT_ERR_CERT_WILDCARD] = E("wildcard certificate name refused", EIOT_ALERT_BAD_CERTIFICATE),
	[EIOT_ERR_CERT_CHAIN_TOO_LONG] = E("certificate chain too long", EIOT_ALERT_BAD_CERTIFICATE),
	[EIOT_ERR_CERT_BAD_KEY] = E("certificate key or signature algorithm not allowed", EIOT_ALERT_UNSUPPORTED_CERTIFICATE),
	[EIOT_ERR_CERT_USAGE] = E("certificate usage does not allow this role", EIOT_ALERT_UNSUPPORTED_CERTIFICATE),
	[EIOT_ERR_CERT_BAD] = E("bad certificate", EIOT_ALERT_BAD_CERTIFICATE),
	[EIOT_ERR_CERT_REQUIRED] = E("client certificate required", EIOT_ALERT_HANDSHAKE_FAILURE),
	[EIOT_ERR_TIMEOUT] = E("handshake timed out", EIOT_ALERT_NONE),
	[EIOT_ERR_COOKIE_SENT] = E("HelloVerifyRequest sent", EIOT_ALERT_NONE),
	[EIOT_ERR_COOKIE_BAD] = E("cookie did not verify", EIOT_ALERT_NONE),
	[EIOT_ERR_PEER_ALERT] = E("peer sent a fatal alert", EIOT_ALERT_NONE),
	[EIOT_ERR_RPK_NOT_PINNED] = E("peer raw public key not pinned", EIOT_ALERT_HANDSHAKE_FAILURE),
	/* RFC 7250 §4.2 says unsupported_certificate; RFC 7925 §6 keeps RPK free of certificate alerts */
	[EIOT_ERR_NO_CERT_TYPE] = E("no certificate type in common", EIOT_ALERT_HANDSHAKE_FAILURE),
	/* RFC 6066 §5: the two client certificate URL failures have alerts of their own */
	[EIOT_ERR_CERT_UNOBTAINABLE] = E("client certificate URL could not be resolved", EIOT_ALERT_CERTIFICATE_UNOBTAINABLE),
	[EIOT_ERR_CERT_HASH_MISMATCH] = E("certificate at the URL does not match its hash", EIOT_ALERT_BAD_CERTIFICATE_HASH_VALUE),
	[EIOT_ERR_COAP_FORMAT] = E("CoAP message format error", EIOT_ALERT_NONE),
	[EIOT_ERR_COAP_TOO_MANY_OPTIONS] = E("more CoAP options than this endpoint takes", EIOT_ALERT_NONE),
	[EIOT_ERR_COAP_BAD_OPTION] = E("unrecognized critical CoAP option", EIOT_ALERT_NONE),
	[EIOT_ERR_COAP_RESET] = E("the CoAP peer rejected the message (RST)", EIOT_ALERT_NONE),
	[EIOT_ERR_NOT_IN_BUILD] = E("left out of this build (eap_iot/features.h)", EIOT_ALERT_NONE),
	[EIOT_ERR_SAVE_NEEDED] = E("reserved record numbers used up: save the connection again", EIOT_ALERT_NONE),
	[EIOT_ERR_BAD_SAVED_STATE] = E("saved connection corrupted, truncated or for another configuration",
				       EIOT_ALERT_NONE),
};

/* see eap_iot/err.h */
const char *eiot_err_str(int err)
{
#if EIOT_WITH_LOG
	if (err < 0 || err >= EIOT_ERR__COUNT || !errs[err].text)
		return "unknown error";
	return errs[err].text;
#else
	(void)err;
	return "no error texts in this build (eap_iot/features.h)";
#endif
}

/* see eap_iot/err.h */
enum eiot_alert eiot_err_alert(int err)
{
	if (err < 0 || err >= EIOT_ERR__COUNT)
		return EIOT_ALERT_INTERNAL_ERROR;
	return (enum eiot_alert)errs[err].alert;
}

/* see eap_iot/err.h */
const char *eiot_alert_str(int alert)
{
	switch (alert) {
	case EIOT_ALERT_CLOSE_NOTIFY: return "close_notify";
	case EIOT_ALERT_UNEXPECTED_MESSAGE: return "unexpected_message";
	case EIOT_ALERT_BAD_RECORD_MAC: return "bad_record_mac";
	case 21: return "decryption_failed_RESERVED";
	case EIOT_ALERT_RECORD_OVERFLOW: return "record_overflow";
	case 30: return "decompression_failure";
	case EIOT_ALERT_HANDSHAKE_FAILURE: return "handshake_failure";
	case 41: return "no_certificate_RESERVED";
	case EIOT_ALERT_BAD_CERTIFICATE: return "bad_certificate";
	case EIOT_ALERT_UNSUPPORTED_CERTIFICATE: return "unsupported_certificate";
	case EIOT_ALERT_CERTIFICATE_REVOKED: return "certificate_revoked";
	case EIOT_ALERT_CERTIFICATE_EXPIRED: return "certificate_expired";
	case EIOT_ALERT_CERTIFICATE_UNKNOWN: return "certificate_unknown";
	case EIOT_ALERT_ILLEGAL_PARAMETER: return "illegal_parameter";
	case EIOT_ALERT_UNKNOWN_CA: return "unknown_ca";
	case EIOT_ALERT_ACCESS_DENIED: return "access_denied";
	case EIOT_ALERT_DECODE_ERROR: return "decode_error";
	case EIOT_ALERT_DECRYPT_ERROR: return "decrypt_error";
	case 60: return "export_restriction_RESERVED";
	case EIOT_ALERT_PROTOCOL_VERSION: return "protocol_version";
	case EIOT_ALERT_INSUFFICIENT_SECURITY: return "insufficient_security";
	case EIOT_ALERT_INTERNAL_ERROR: return "internal_error";
	case 86: return "inappropriate_fallback";
	case EIOT_ALERT_USER_CANCELED: return "user_canceled";
	case EIOT_ALERT_NO_RENEGOTIATION: return "no_renegotiation";
	case EIOT_ALERT_UNSUPPORTED_EXTENSION: return "unsupported_extension";
	case EIOT_ALERT_CERTIFICATE_UNOBTAINABLE: return "certificate_unobtainable";
	case 112: return "unrecognized_name";
	case 113: return "bad_certificate_status_response";
	case EIOT_ALERT_BAD_CERTIFICATE_HASH_VALUE: return "bad_certificate_hash_value";
	case 115: return "unknown_psk_identity";
	case EIOT_ALERT_NONE: return "none";
	default: return "unknown";
	}
}
