/*
 * tls/err.c — error strings and the error -> alert map (RFC 7925 §6).
 * The map is the one place that decides which alert a failure sends.
 */
#include "eap_iot/err.h"
#include "eap_iot/features.h"

#include <stddef.h>

/* A build without log text (eap_iot/features.h) keeps each code's alert, not its sentence. */
#if EIOT_WITH_LOG
#define TEXT(s) s
#else
#define TEXT(s) NULL
#endif

struct err_info {
	const char *text;
	enum eiot_alert alert;
};

static const struct err_info errs[EIOT_ERR__COUNT] = {
	[EIOT_OK] = { TEXT("success"), EIOT_ALERT_NONE },
	[EIOT_ERR_BAD_PARAM] = { TEXT("bad parameter"), EIOT_ALERT_INTERNAL_ERROR },
	[EIOT_ERR_NO_MEMORY] = { TEXT("out of memory"), EIOT_ALERT_INTERNAL_ERROR },
	[EIOT_ERR_BUFFER_TOO_SMALL] = { TEXT("buffer too small"), EIOT_ALERT_INTERNAL_ERROR },
	[EIOT_ERR_WANT_MORE] = { TEXT("more input needed"), EIOT_ALERT_NONE },
	[EIOT_ERR_WRONG_STATE] = { TEXT("call does not fit the connection state"), EIOT_ALERT_NONE },
	[EIOT_ERR_CLOSED] = { TEXT("connection closed"), EIOT_ALERT_NONE },
	[EIOT_ERR_FILE] = { TEXT("credential file unreadable or unparsable"), EIOT_ALERT_INTERNAL_ERROR },
	[EIOT_ERR_KEY_MISMATCH] = { TEXT("private key does not match certificate"), EIOT_ALERT_INTERNAL_ERROR },
	[EIOT_ERR_CRYPTO] = { TEXT("crypto backend failure"), EIOT_ALERT_INTERNAL_ERROR },
	[EIOT_ERR_INTERNAL] = { TEXT("internal error"), EIOT_ALERT_INTERNAL_ERROR },
	[EIOT_ERR_DECODE] = { TEXT("malformed message"), EIOT_ALERT_DECODE_ERROR },
	[EIOT_ERR_RECORD_OVERFLOW] = { TEXT("record too long"), EIOT_ALERT_RECORD_OVERFLOW },
	[EIOT_ERR_BAD_RECORD_MAC] = { TEXT("record failed authentication"), EIOT_ALERT_BAD_RECORD_MAC },
	[EIOT_ERR_UNEXPECTED_MESSAGE] = { TEXT("unexpected message"), EIOT_ALERT_UNEXPECTED_MESSAGE },
	[EIOT_ERR_MESSAGE_TOO_LARGE] = { TEXT("handshake message over the configured limit"), EIOT_ALERT_HANDSHAKE_FAILURE },
	[EIOT_ERR_PROTOCOL_VERSION] = { TEXT("peer does not speak (D)TLS 1.2"), EIOT_ALERT_PROTOCOL_VERSION },
	[EIOT_ERR_NO_SHARED_SUITE] = { TEXT("no cipher suite in common"), EIOT_ALERT_HANDSHAKE_FAILURE },
	[EIOT_ERR_NO_SHARED_GROUP] = { TEXT("no secp256r1/uncompressed/ecdsa_secp256r1_sha256 in common"), EIOT_ALERT_HANDSHAKE_FAILURE },
	[EIOT_ERR_ILLEGAL_PARAMETER] = { TEXT("illegal parameter"), EIOT_ALERT_ILLEGAL_PARAMETER },
	[EIOT_ERR_UNSUPPORTED_EXTENSION] = { TEXT("extension not offered"), EIOT_ALERT_UNSUPPORTED_EXTENSION },
	[EIOT_ERR_BAD_POINT] = { TEXT("invalid or compressed ECDH point"), EIOT_ALERT_ILLEGAL_PARAMETER },
	[EIOT_ERR_RENEGOTIATION] = { TEXT("renegotiation refused"), EIOT_ALERT_NO_RENEGOTIATION },
	[EIOT_ERR_EMS_REQUIRED] = { TEXT("extended master secret required"), EIOT_ALERT_HANDSHAKE_FAILURE },
	[EIOT_ERR_INSECURE_RENEGOTIATION] = { TEXT("bad renegotiation_info"), EIOT_ALERT_HANDSHAKE_FAILURE },
	[EIOT_ERR_BAD_FINISHED] = { TEXT("Finished verify_data wrong"), EIOT_ALERT_DECRYPT_ERROR },
	[EIOT_ERR_BAD_SIGNATURE] = { TEXT("signature verification failed"), EIOT_ALERT_DECRYPT_ERROR },
	/* RFC 7925 §6: decrypt_error, not unknown_psk_identity */
	[EIOT_ERR_PSK_UNKNOWN_IDENTITY] = { TEXT("unknown PSK identity"), EIOT_ALERT_DECRYPT_ERROR },
	[EIOT_ERR_NO_CREDENTIALS] = { TEXT("no credentials for the negotiated suite"), EIOT_ALERT_HANDSHAKE_FAILURE },
	[EIOT_ERR_CERT_UNTRUSTED] = { TEXT("certificate chain not trusted"), EIOT_ALERT_UNKNOWN_CA },
	[EIOT_ERR_CERT_EXPIRED] = { TEXT("certificate expired"), EIOT_ALERT_CERTIFICATE_EXPIRED },
	/* RFC 5246 has no "not yet valid" alert; certificate_expired covers the validity period */
	[EIOT_ERR_CERT_NOT_YET_VALID] = { TEXT("certificate not yet valid"), EIOT_ALERT_CERTIFICATE_EXPIRED },
	[EIOT_ERR_CERT_NAME_MISMATCH] = { TEXT("certificate name does not match the reference name"), EIOT_ALERT_BAD_CERTIFICATE },
	[EIOT_ERR_CERT_WILDCARD] = { TEXT("wildcard certificate name refused"), EIOT_ALERT_BAD_CERTIFICATE },
	[EIOT_ERR_CERT_CHAIN_TOO_LONG] = { TEXT("certificate chain too long"), EIOT_ALERT_BAD_CERTIFICATE },
	[EIOT_ERR_CERT_BAD_KEY] = { TEXT("certificate key or signature algorithm not allowed"), EIOT_ALERT_UNSUPPORTED_CERTIFICATE },
	[EIOT_ERR_CERT_USAGE] = { TEXT("certificate usage does not allow this role"), EIOT_ALERT_UNSUPPORTED_CERTIFICATE },
	[EIOT_ERR_CERT_BAD] = { TEXT("bad certificate"), EIOT_ALERT_BAD_CERTIFICATE },
	[EIOT_ERR_CERT_REQUIRED] = { TEXT("client certificate required"), EIOT_ALERT_HANDSHAKE_FAILURE },
	[EIOT_ERR_TIMEOUT] = { TEXT("handshake timed out"), EIOT_ALERT_NONE },
	[EIOT_ERR_COOKIE_SENT] = { TEXT("HelloVerifyRequest sent"), EIOT_ALERT_NONE },
	[EIOT_ERR_COOKIE_BAD] = { TEXT("cookie did not verify"), EIOT_ALERT_NONE },
	[EIOT_ERR_PEER_ALERT] = { TEXT("peer sent a fatal alert"), EIOT_ALERT_NONE },
	[EIOT_ERR_RPK_NOT_PINNED] = { TEXT("peer raw public key not pinned"), EIOT_ALERT_HANDSHAKE_FAILURE },
	/* RFC 7250 §4.2 says unsupported_certificate; RFC 7925 §6 keeps RPK free of certificate alerts */
	[EIOT_ERR_NO_CERT_TYPE] = { TEXT("no certificate type in common"), EIOT_ALERT_HANDSHAKE_FAILURE },
	/* RFC 6066 §5: the two client certificate URL failures have alerts of their own */
	[EIOT_ERR_CERT_UNOBTAINABLE] = { TEXT("client certificate URL could not be resolved"), EIOT_ALERT_CERTIFICATE_UNOBTAINABLE },
	[EIOT_ERR_CERT_HASH_MISMATCH] = { TEXT("certificate at the URL does not match its hash"), EIOT_ALERT_BAD_CERTIFICATE_HASH_VALUE },
	[EIOT_ERR_COAP_FORMAT] = { TEXT("CoAP message format error"), EIOT_ALERT_NONE },
	[EIOT_ERR_COAP_TOO_MANY_OPTIONS] = { TEXT("more CoAP options than this endpoint takes"), EIOT_ALERT_NONE },
	[EIOT_ERR_COAP_BAD_OPTION] = { TEXT("unrecognized critical CoAP option"), EIOT_ALERT_NONE },
	[EIOT_ERR_COAP_RESET] = { TEXT("the CoAP peer rejected the message (RST)"), EIOT_ALERT_NONE },
	[EIOT_ERR_NOT_IN_BUILD] = { TEXT("left out of this build (eap_iot/features.h)"), EIOT_ALERT_NONE },
};

/* see eap_iot/err.h */
const char *eiot_err_str(int err)
{
	if (!EIOT_WITH_LOG)
		return "no error texts in this build (eap_iot/features.h)";
	if (err < 0 || err >= EIOT_ERR__COUNT || !errs[err].text)
		return "unknown error";
	return errs[err].text;
}

/* see eap_iot/err.h */
enum eiot_alert eiot_err_alert(int err)
{
	/* every code has an entry: test_profile checks that each has its text in a full build */
	if (err < 0 || err >= EIOT_ERR__COUNT || (EIOT_WITH_LOG && !errs[err].text))
		return EIOT_ALERT_INTERNAL_ERROR;
	return errs[err].alert;
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
