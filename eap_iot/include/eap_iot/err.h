/*
 * eap_iot/err.h — error codes and TLS alert numbers.
 *
 * Every failure in the engine is exactly one enum eiot_err. Each code that ends a
 * handshake maps to one alert (RFC 7925 §6): eiot_err_alert() tells which. Never a
 * RESERVED alert (21, 41, 60), never decompression_failure (30), and with PSK or raw
 * public keys never a certificate alert (42-46, 48, 49): the engine downgrades those
 * to handshake_failure itself.
 */
#ifndef EAP_IOT_ERR_H
#define EAP_IOT_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/* TLS alert descriptions (RFC 5246 §7.2, RFC 5746, RFC 7627). */
enum eiot_alert {
	EIOT_ALERT_CLOSE_NOTIFY = 0,
	EIOT_ALERT_UNEXPECTED_MESSAGE = 10,
	EIOT_ALERT_BAD_RECORD_MAC = 20,
	EIOT_ALERT_RECORD_OVERFLOW = 22,
	EIOT_ALERT_HANDSHAKE_FAILURE = 40,
	EIOT_ALERT_BAD_CERTIFICATE = 42,
	EIOT_ALERT_UNSUPPORTED_CERTIFICATE = 43,
	EIOT_ALERT_CERTIFICATE_REVOKED = 44,
	EIOT_ALERT_CERTIFICATE_EXPIRED = 45,
	EIOT_ALERT_CERTIFICATE_UNKNOWN = 46,
	EIOT_ALERT_ILLEGAL_PARAMETER = 47,
	EIOT_ALERT_UNKNOWN_CA = 48,
	EIOT_ALERT_ACCESS_DENIED = 49,
	EIOT_ALERT_DECODE_ERROR = 50,
	EIOT_ALERT_DECRYPT_ERROR = 51,
	EIOT_ALERT_PROTOCOL_VERSION = 70,
	EIOT_ALERT_INSUFFICIENT_SECURITY = 71,
	EIOT_ALERT_INTERNAL_ERROR = 80,
	EIOT_ALERT_USER_CANCELED = 90,
	EIOT_ALERT_NO_RENEGOTIATION = 100,
	EIOT_ALERT_UNSUPPORTED_EXTENSION = 110,
	EIOT_ALERT_CERTIFICATE_UNOBTAINABLE = 111, /* RFC 6066 §9 */
	EIOT_ALERT_BAD_CERTIFICATE_HASH_VALUE = 114, /* RFC 6066 §9 */
	EIOT_ALERT_NONE = 255 /* no alert sent or received */
};

/* Error codes. 0 is success; every other value names one failure. */
enum eiot_err {
	EIOT_OK = 0,
	/* API misuse and resources (no alert unless a handshake was running: internal_error) */
	EIOT_ERR_BAD_PARAM,          /* an argument or configuration value out of its documented range */
	EIOT_ERR_NO_MEMORY,          /* an allocation failed */
	EIOT_ERR_BUFFER_TOO_SMALL,   /* the caller's buffer cannot hold the result */
	EIOT_ERR_WANT_MORE,          /* not an error: nothing to do until more input arrives */
	EIOT_ERR_WRONG_STATE,        /* the call does not fit the connection's state */
	EIOT_ERR_CLOSED,             /* the connection is closed (close_notify sent or received) */
	EIOT_ERR_FILE,               /* a credential file could not be read or parsed */
	EIOT_ERR_KEY_MISMATCH,       /* own private key does not match own certificate */
	EIOT_ERR_CRYPTO,             /* the crypto backend failed (internal_error) */
	EIOT_ERR_INTERNAL,           /* an invariant broke (internal_error) */
	/* wire format */
	EIOT_ERR_DECODE,             /* malformed or truncated message (decode_error) */
	EIOT_ERR_RECORD_OVERFLOW,    /* record longer than allowed (record_overflow) */
	EIOT_ERR_BAD_RECORD_MAC,     /* TLS record failed authentication (bad_record_mac) */
	EIOT_ERR_UNEXPECTED_MESSAGE, /* message not allowed in this state (unexpected_message) */
	EIOT_ERR_MESSAGE_TOO_LARGE,  /* handshake message over the configured bound (handshake_failure) */
	/* negotiation */
	EIOT_ERR_PROTOCOL_VERSION,   /* peer does not do (D)TLS 1.2 (protocol_version) */
	EIOT_ERR_NO_SHARED_SUITE,    /* no cipher suite in common (handshake_failure) */
	EIOT_ERR_NO_SHARED_GROUP,    /* no secp256r1 / uncompressed point / 0x0403 (handshake_failure) */
	EIOT_ERR_ILLEGAL_PARAMETER,  /* a field value the profile forbids (illegal_parameter) */
	EIOT_ERR_UNSUPPORTED_EXTENSION, /* ServerHello extension the client did not offer (unsupported_extension) */
	EIOT_ERR_BAD_POINT,          /* ECDH point invalid or compressed (illegal_parameter) */
	EIOT_ERR_RENEGOTIATION,      /* renegotiation attempted (no_renegotiation) */
	EIOT_ERR_EMS_REQUIRED,       /* extended master secret missing where required (handshake_failure) */
	EIOT_ERR_INSECURE_RENEGOTIATION, /* renegotiation_info missing or wrong (handshake_failure) */
	/* authentication */
	EIOT_ERR_BAD_FINISHED,       /* Finished verify_data wrong (decrypt_error) */
	EIOT_ERR_BAD_SIGNATURE,      /* ServerKeyExchange or CertificateVerify signature wrong (decrypt_error) */
	EIOT_ERR_PSK_UNKNOWN_IDENTITY, /* server has no key for the identity (decrypt_error, RFC 7925 §6) */
	EIOT_ERR_NO_CREDENTIALS,     /* no credential for the negotiated suite (handshake_failure) */
	EIOT_ERR_CERT_UNTRUSTED,     /* chain does not lead to a trust anchor (unknown_ca) */
	EIOT_ERR_CERT_EXPIRED,       /* a certificate is past notAfter (certificate_expired) */
	EIOT_ERR_CERT_NOT_YET_VALID, /* a certificate is before notBefore (certificate_expired: TLS has no other) */
	EIOT_ERR_CERT_NAME_MISMATCH, /* SAN dNSName does not equal the reference name (bad_certificate) */
	EIOT_ERR_CERT_WILDCARD,      /* a wildcard name was presented (bad_certificate, RFC 7925 §4.4.1) */
	EIOT_ERR_CERT_CHAIN_TOO_LONG,/* chain longer than configured (bad_certificate) */
	EIOT_ERR_CERT_BAD_KEY,       /* not an ECDSA P-256 key, or a bad signature algorithm (unsupported_certificate) */
	EIOT_ERR_CERT_USAGE,         /* keyUsage / extKeyUsage / basicConstraints wrong (unsupported_certificate) */
	EIOT_ERR_CERT_BAD,           /* certificate unparsable or otherwise invalid (bad_certificate) */
	EIOT_ERR_CERT_REQUIRED,      /* server required a client certificate, got none (handshake_failure) */
	/* DTLS and timing */
	EIOT_ERR_TIMEOUT,            /* handshake give-up time passed (no alert) */
	EIOT_ERR_COOKIE_SENT,        /* DTLS server: a HelloVerifyRequest was produced, no state kept */
	EIOT_ERR_COOKIE_BAD,         /* DTLS server: ClientHello cookie did not verify, datagram dropped */
	/* peer's alerts */
	EIOT_ERR_PEER_ALERT,         /* peer sent a fatal alert (eiot_conn_last_alert tells which) */
	/* raw public keys (RFC 7250; never a certificate alert, RFC 7925 §6) */
	EIOT_ERR_RPK_NOT_PINNED,     /* the peer's raw public key is none of the pinned ones (handshake_failure) */
	EIOT_ERR_NO_CERT_TYPE,       /* no certificate type in common (handshake_failure) */
	EIOT_ERR_CERT_UNOBTAINABLE,  /* a client certificate URL resolved to nothing (certificate_unobtainable) */
	EIOT_ERR_CERT_HASH_MISMATCH, /* a certificate behind a URL is not the one hashed (bad_certificate_hash_value) */
	/* CoAP (eap_iot/coap.h; no alert) */
	EIOT_ERR_COAP_FORMAT,        /* a CoAP message format error (RFC 7252 §3) */
	EIOT_ERR_COAP_TOO_MANY_OPTIONS, /* more options than EIOT_COAP_MAX_OPTIONS */
	EIOT_ERR_COAP_BAD_OPTION,    /* an unrecognized critical option (RFC 7252 §5.4.1) */
	EIOT_ERR_COAP_RESET,         /* the peer rejected our message with RST (RFC 7252 §4.2) */
	/* build */
	EIOT_ERR_NOT_IN_BUILD,       /* the feature asked for is left out of this build (eap_iot/features.h) */
	/* saved connections (eiot_conn_save) */
	EIOT_ERR_SAVE_NEEDED,        /* the record numbers the last save reserved are used up: save, store, then send */
	EIOT_ERR_BAD_SAVED_STATE,    /* a saved connection is corrupted, truncated or not for this configuration */
	EIOT_ERR__COUNT
};

/* A short English sentence for the code; never NULL. */
const char *eiot_err_str(int err);

/* The alert a handshake failure with this code sends; EIOT_ALERT_NONE when none is sent. */
enum eiot_alert eiot_err_alert(int err);

/* The RFC name of an alert ("decrypt_error"); "unknown" for unassigned numbers. */
const char *eiot_alert_str(int alert);

#ifdef __cplusplus
}
#endif
#endif
