/*
 * tls/msgs.h — handshake messages and extensions: pure parsers into fixed-size structs and
 * writers from parameter structs (RFC 5246 §7.4, RFC 6347 §4.2, RFC 4279, RFC 4492, RFC 8422,
 * RFC 6066, RFC 7627, RFC 5746).
 *
 * Parsers take a message body (no handshake header), never allocate, keep pointers into
 * the input, cap every list, and return 0 or EIOT_ERR_DECODE (malformed, truncated, trailing
 * bytes, duplicate extension) — semantic checks (is the suite acceptable?) are the state
 * machine's. Writers append a body to a struct wr; the caller frames it.
 */
#ifndef EIOT_TLS_MSGS_H
#define EIOT_TLS_MSGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rw.h"

/* Handshake types (RFC 5246 §7.4, RFC 6347 §4.3.2) */
#define HT_HELLO_REQUEST 0
#define HT_CLIENT_HELLO 1
#define HT_SERVER_HELLO 2
#define HT_HELLO_VERIFY_REQUEST 3
#define HT_NEW_SESSION_TICKET 4 /* RFC 5077 §3.3 */
#define HT_CERTIFICATE 11
#define HT_SERVER_KEY_EXCHANGE 12
#define HT_CERTIFICATE_REQUEST 13
#define HT_SERVER_HELLO_DONE 14
#define HT_CERTIFICATE_VERIFY 15
#define HT_CLIENT_KEY_EXCHANGE 16
#define HT_FINISHED 20
#define HT_CERTIFICATE_URL 21 /* RFC 6066 §5 */

/* Extension types */
#define EXT_SERVER_NAME 0
#define EXT_MAX_FRAGMENT_LENGTH 1
#define EXT_CLIENT_CERTIFICATE_URL 2
#define EXT_TRUSTED_CA_KEYS 3
#define EXT_TRUNCATED_HMAC 4
#define EXT_STATUS_REQUEST 5
#define EXT_SUPPORTED_GROUPS 10
#define EXT_EC_POINT_FORMATS 11
#define EXT_SIGNATURE_ALGORITHMS 13
#define EXT_HEARTBEAT 15
#define EXT_CLIENT_CERTIFICATE_TYPE 19
#define EXT_SERVER_CERTIFICATE_TYPE 20
#define EXT_ENCRYPT_THEN_MAC 22
#define EXT_EXTENDED_MASTER_SECRET 23
#define EXT_CACHED_INFO 25
#define EXT_RECORD_SIZE_LIMIT 28
#define EXT_CONNECTION_ID 54 /* RFC 9146 §3 */
#define EXT_SESSION_TICKET 35
#define EXT_RENEGOTIATION_INFO 0xff01

#define GROUP_SECP256R1 23
#define POINT_FORMAT_UNCOMPRESSED 0
#define SIGALG_ECDSA_SECP256R1_SHA256 0x0403
#define CERT_TYPE_ECDSA_SIGN 64
#define SUITE_EMPTY_RENEGOTIATION_INFO_SCSV 0x00FF
#define CURVE_TYPE_NAMED_CURVE 3
#define RSL_MIN 64 /* RFC 8449 §4 */
#define CI_TYPE_CERT 1     /* RFC 7924 §3 CachedInformationType */
#define CI_HASH_LEN 32     /* SHA-256 fingerprint (RFC 7924 §3) */

#define HS_TLS_HEADER 4   /* type(1) length(3) */
#define HS_DTLS_HEADER 12 /* + message_seq(2) fragment_offset(3) fragment_length(3) */

#define HS_MAX_SUITES 64
#define HS_MAX_CERTS 8
#define HS_MAX_COOKIE 255
#define HS_MAX_SESSION_ID 32

/* One handshake header (TLS: msg_seq/frag fields are 0 / whole message). */
struct hs_header {
	uint8_t type;
	uint32_t length;
	uint16_t msg_seq;
	uint32_t frag_off, frag_len;
};
/* Parse a header at in[0..n); *hdr_len = 4 or 12. EIOT_ERR_WANT_MORE when n is too short. */
int hs_parse_header(bool dtls, const uint8_t *in, size_t n, struct hs_header *h, size_t *hdr_len);
/* Write a header (DTLS: fragment fields as given). */
void hs_write_header(struct wr *w, bool dtls, const struct hs_header *h);

/* What the extensions of a hello said. Absent extensions leave has_* false. */
struct hs_exts {
	bool has_sni;
	const uint8_t *sni;          /* host_name, first of type 0 */
	size_t sni_len;
	bool has_groups, group_p256; /* supported_groups lists secp256r1 */
	bool has_point_formats, point_uncompressed;
	bool has_sigalgs, sigalg_ecdsa_p256_sha256;
	bool has_ems;
	bool has_reneg_info;
	size_t reneg_info_len;       /* length of renegotiated_connection (0 on a first handshake) */
	bool has_etm, has_truncated_hmac;
	bool has_mfl;
	uint8_t mfl_code;            /* RFC 6066 §4: 1..4 */
	bool has_rsl;
	uint16_t rsl;                /* RFC 8449 */
	/* RFC 7250 client_/server_certificate_type: ClientHello lists (x509/rpk offered), a
	 * ServerHello's single choice (cct / sct) */
	bool has_cct, cct_x509, cct_rpk;
	bool has_sct, sct_x509, sct_rpk;
	uint8_t cct, sct;
	bool has_session_ticket;
	const uint8_t *ticket;       /* ClientHello: the ticket offered (ticket_len 0: none) */
	size_t ticket_len;
	/* RFC 7924 cached_info: a ClientHello's CachedObject list (validated, read again by
	 * tls/cached_info.c); a ServerHello's types (cert echoed, any other type echoed) */
	bool has_cached_info;
	const uint8_t *ci_list;
	size_t ci_list_len;
	bool ci_cert, ci_other;
	bool has_cert_url;           /* client_certificate_url (RFC 6066 §5), empty both ways */
	bool has_cid;                /* connection_id (RFC 9146 §3): the CID its sender wants to get */
	const uint8_t *cid;
	size_t cid_len;
	unsigned n_unknown;          /* extensions we ignore */
};

struct hs_client_hello {
	uint16_t version;
	const uint8_t *random;       /* 32 */
	const uint8_t *session_id;
	size_t session_id_len;
	const uint8_t *cookie;       /* DTLS only */
	size_t cookie_len;
	uint16_t suites[HS_MAX_SUITES]; /* the first HS_MAX_SUITES offered */
	size_t n_suites;
	bool has_reneg_scsv;         /* 0x00FF offered */
	const uint8_t *suites_raw;   /* cipher_suites vector body (for the cookie) */
	size_t suites_raw_len;
	const uint8_t *comp_raw;     /* compression_methods vector body */
	size_t comp_raw_len;
	bool null_compression;       /* method 0 offered */
	struct hs_exts ext;
};

struct hs_client_hello_params {
	const uint8_t *random;       /* 32 */
	const uint8_t *cookie;       /* DTLS: NULL/0 for the first ClientHello */
	size_t cookie_len;
	const uint16_t *suites;
	size_t n_suites;
	const char *sni;             /* NULL: no server_name */
	const uint8_t *session_id;   /* resumption (RFC 5246 §7.4.1.2): 0..32 bytes */
	size_t session_id_len;
	bool session_ticket;         /* send SessionTicket (RFC 5077 §3.2) holding ticket[0..len) */
	uint8_t mfl_code;            /* max_fragment_length code 1..4 (0: none) */
	uint16_t rsl;                /* record_size_limit (0: none) */
	const uint8_t *ticket;
	size_t ticket_len;
	const uint8_t *cct, *sct;    /* certificate type lists (RFC 7250 §4.1; NULL: none) */
	size_t n_cct, n_sct;
	bool ecc;                    /* send supported_groups, ec_point_formats, signature_algorithms */
	const uint8_t *ci_cert_hash; /* cached_info offering this 'cert' hash (RFC 7924; NULL: none) */
	bool cert_url;               /* client_certificate_url (RFC 6066 §5) */
	bool send_cid;               /* connection_id with cid[0..cid_len) (RFC 9146 §3) */
	const uint8_t *cid;
	size_t cid_len;
};

int hs_parse_client_hello(bool dtls, const uint8_t *body, size_t n, struct hs_client_hello *out);
/* Always sends extended_master_secret and an empty renegotiation_info (RFC 5746 §3.4). A
 * session_id longer than 32 bytes sets w->err. */
void hs_write_client_hello(struct wr *w, bool dtls, const struct hs_client_hello_params *p);

struct hs_server_hello {
	uint16_t version;
	const uint8_t *random;
	const uint8_t *session_id;
	size_t session_id_len;
	uint16_t suite;
	uint8_t compression;
	struct hs_exts ext;
};

struct hs_server_hello_params {
	const uint8_t *random;
	const uint8_t *session_id;
	size_t session_id_len;
	uint16_t suite;
	bool ems;                    /* echo extended_master_secret */
	bool reneg_info;             /* echo an empty renegotiation_info */
	bool point_formats;          /* send ec_point_formats {uncompressed} (ECC suites) */
	bool session_ticket;         /* echo an empty SessionTicket: a NewSessionTicket follows */
	uint8_t mfl_code;            /* echo max_fragment_length (0: none) */
	uint16_t rsl;                /* answer record_size_limit (0: none) */
	bool has_cct, has_sct;       /* answer the certificate types (RFC 7250 §4.2) */
	uint8_t cct, sct;
	bool ci_cert;                /* echo cached_info with type cert (RFC 7924 §4) */
	bool cert_url;               /* accept client_certificate_url (RFC 6066 §5) */
	bool send_cid;               /* connection_id with cid[0..cid_len) (RFC 9146 §3) */
	const uint8_t *cid;
	size_t cid_len;
};

int hs_parse_server_hello(const uint8_t *body, size_t n, struct hs_server_hello *out);
void hs_write_server_hello(struct wr *w, bool dtls, const struct hs_server_hello_params *p);

/* NewSessionTicket (RFC 5077 §3.3): ticket_lifetime_hint, ticket<0..2^16-1>. */
int hs_parse_new_session_ticket(const uint8_t *body, size_t n, uint32_t *lifetime_hint,
				const uint8_t **ticket, size_t *ticket_len);
void hs_write_new_session_ticket(struct wr *w, uint32_t lifetime_hint, const uint8_t *ticket,
				 size_t ticket_len);

/* HelloVerifyRequest (RFC 6347 §4.2.1): server_version, cookie<0..2^8-1>. */
int hs_parse_hello_verify_request(const uint8_t *body, size_t n, uint16_t *version,
				  const uint8_t **cookie, size_t *cookie_len);
void hs_write_hello_verify_request(struct wr *w, const uint8_t *cookie, size_t cookie_len);

/* Certificate: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>. */
struct hs_certificate {
	const uint8_t *cert[HS_MAX_CERTS];
	size_t len[HS_MAX_CERTS];
	size_t n;                    /* 0 = empty list */
	bool truncated;              /* more than HS_MAX_CERTS were sent */
};
int hs_parse_certificate(const uint8_t *body, size_t n, struct hs_certificate *out);
void hs_write_certificate(struct wr *w, const uint8_t *const *certs, const size_t *lens, size_t n);

/* CertificateURL (RFC 6066 §5): CertChainType type; URLAndHash url_and_hash_list<1..2^16-1>,
 * each {opaque url<1..2^16-1>; uint8 padding (0x01); opaque SHA1Hash[20]}. */
#define CU_INDIVIDUAL_CERTS 0
#define CU_SHA1_LEN 20
struct hs_certificate_url {
	uint8_t type;
	const uint8_t *url[HS_MAX_CERTS];
	size_t url_len[HS_MAX_CERTS];
	const uint8_t *sha1[HS_MAX_CERTS];
	size_t n;
	bool truncated;              /* more than HS_MAX_CERTS entries */
};
/* Decode error also for a padding byte other than 0x01. */
int hs_parse_certificate_url(const uint8_t *body, size_t n, struct hs_certificate_url *out);
/* One individual_certs entry. */
void hs_write_certificate_url(struct wr *w, const char *url, const uint8_t sha1[20]);

/* ServerKeyExchange for ECDHE_ECDSA (RFC 8422 §5.4). params = the signed ServerECDHParams. */
struct hs_ske_ecdhe {
	uint8_t curve_type;
	uint16_t group;
	const uint8_t *point;
	size_t point_len;
	const uint8_t *params;       /* curve_type .. end of point */
	size_t params_len;
	uint16_t sigalg;
	const uint8_t *sig;
	size_t sig_len;
};
int hs_parse_ske_ecdhe(const uint8_t *body, size_t n, struct hs_ske_ecdhe *out);
/* Writes params and returns where they start in w (for signing); then hs_write_ske_signature. */
size_t hs_write_ske_ecdhe_params(struct wr *w, const uint8_t point[65]);
void hs_write_digitally_signed(struct wr *w, const uint8_t *sig, size_t sig_len);

/* ServerKeyExchange for PSK: psk_identity_hint<0..2^16-1>. */
int hs_parse_ske_psk(const uint8_t *body, size_t n, const uint8_t **hint, size_t *hint_len);
void hs_write_ske_psk(struct wr *w, const uint8_t *hint, size_t hint_len);

/* CertificateRequest (RFC 5246 §7.4.4). */
struct hs_cert_request {
	bool type_ecdsa_sign;
	bool sigalg_ecdsa_p256_sha256;
	size_t n_ca_names;
};
int hs_parse_cert_request(const uint8_t *body, size_t n, struct hs_cert_request *out);
/* ecdsa_sign, {0x0403}, and no CA names (saves bytes; RFC 5246 allows an empty list). */
void hs_write_cert_request(struct wr *w);

/* ClientKeyExchange: ECDHE point<1..2^8-1>, or PSK identity<0..2^16-1>. */
int hs_parse_cke_ecdhe(const uint8_t *body, size_t n, const uint8_t **point, size_t *point_len);
void hs_write_cke_ecdhe(struct wr *w, const uint8_t point[65]);
int hs_parse_cke_psk(const uint8_t *body, size_t n, const uint8_t **identity, size_t *identity_len);
void hs_write_cke_psk(struct wr *w, const uint8_t *identity, size_t identity_len);

/* CertificateVerify: SignatureAndHashAlgorithm + signature<0..2^16-1>. */
int hs_parse_digitally_signed(const uint8_t *body, size_t n, uint16_t *sigalg, const uint8_t **sig,
			      size_t *sig_len);

/* Finished: verify_data[12]; ServerHelloDone and HelloRequest: empty (any body = decode error). */
int hs_parse_finished(const uint8_t *body, size_t n, const uint8_t **verify_data);
int hs_parse_empty(const uint8_t *body, size_t n);

#endif
