/*
 * tls/exts.c — hello extensions: parse an extensions block into struct hs_exts, and write
 * the extensions our hellos send.
 *
 * Invariant: every extension body is read through its own sub-reader and must be consumed
 * exactly (no error, nothing left), whatever its type; unknown types are only counted.
 * Each type may appear once per hello (RFC 5246 §7.4.1.4).
 */
#include "tls/exts.h"

#include <string.h>

#include "eap_iot/err.h"
#include "eap_iot/features.h"

typedef int (*ext_parse_fn)(struct rd *b, bool server_hello, struct hs_exts *e);

/* RFC 6066 §3: ServerNameList<1..2^16-1> of {NameType, opaque<1..2^16-1>} from the client;
 * an empty body from the server. At most one name of each type. */
static int ext_server_name(struct rd *b, bool server_hello, struct hs_exts *e)
{
	e->has_sni = true;
	if (server_hello)
		return 0;
	struct rd list = rd_vec(b, 2);
	if (list.err || rd_left(&list) == 0)
		return EIOT_ERR_DECODE;
	while (rd_left(&list)) {
		uint8_t type = rd_u8(&list);
		struct rd name = rd_vec(&list, 2);
		if (name.err || rd_left(&name) == 0)
			return EIOT_ERR_DECODE;
		if (type != 0)
			continue;
		if (e->sni)
			return EIOT_ERR_DECODE;
		e->sni = name.p;
		e->sni_len = rd_left(&name);
	}
	return 0;
}

/* RFC 8422 §5.1.1: NamedCurveList<2..2^16-1> of uint16. */
static int ext_groups(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)server_hello;
	struct rd l = rd_vec(b, 2);
	if (l.err || rd_left(&l) < 2 || rd_left(&l) % 2)
		return EIOT_ERR_DECODE;
	e->has_groups = true;
	while (rd_left(&l))
		if (rd_u16(&l) == GROUP_SECP256R1)
			e->group_p256 = true;
	return 0;
}

/* RFC 8422 §5.1.2: ECPointFormatList<1..2^8-1> of uint8. */
static int ext_point_formats(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)server_hello;
	struct rd l = rd_vec(b, 1);
	if (l.err || rd_left(&l) == 0)
		return EIOT_ERR_DECODE;
	e->has_point_formats = true;
	while (rd_left(&l))
		if (rd_u8(&l) == POINT_FORMAT_UNCOMPRESSED)
			e->point_uncompressed = true;
	return 0;
}

/* RFC 5246 §7.4.1.4.1: supported_signature_algorithms<2..2^16-2> of uint16. */
static int ext_sigalgs(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)server_hello;
	struct rd l = rd_vec(b, 2);
	if (l.err || rd_left(&l) < 2 || rd_left(&l) % 2)
		return EIOT_ERR_DECODE;
	e->has_sigalgs = true;
	while (rd_left(&l))
		if (rd_u16(&l) == SIGALG_ECDSA_SECP256R1_SHA256)
			e->sigalg_ecdsa_p256_sha256 = true;
	return 0;
}

/* RFC 7627 §5.1: extension_data is empty (the caller checks the body is consumed). */
static int ext_ems(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)b;
	(void)server_hello;
	e->has_ems = true;
	return 0;
}

/* RFC 5746 §3.2: renegotiated_connection<0..255>. */
static int ext_reneg_info(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)server_hello;
	struct rd l = rd_vec(b, 1);
	if (l.err)
		return EIOT_ERR_DECODE;
	e->has_reneg_info = true;
	e->reneg_info_len = rd_left(&l);
	return 0;
}

/* RFC 7366 §2: empty. */
static int ext_etm(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)b;
	(void)server_hello;
	e->has_etm = true;
	return 0;
}

/* RFC 6066 §7: empty. */
static int ext_truncated_hmac(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)b;
	(void)server_hello;
	e->has_truncated_hmac = true;
	return 0;
}

/* RFC 6066 §4: one byte (its value is the state machine's to judge). */
static int ext_mfl(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)server_hello;
	e->has_mfl = true;
	e->mfl_code = rd_u8(b);
	return b->err ? EIOT_ERR_DECODE : 0;
}

/* RFC 8449 §4: uint16 RecordSizeLimit. */
static int ext_rsl(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)server_hello;
	e->has_rsl = true;
	e->rsl = rd_u16(b);
	return b->err ? EIOT_ERR_DECODE : 0;
}

/* RFC 9146 §3: opaque cid<0..2^8-1>, the CID its sender wants in the records it receives. */
static int ext_cid(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)server_hello;
	struct rd v = rd_vec(b, 1);
	e->has_cid = true;
	e->cid_len = rd_left(&v);
	e->cid = rd_bytes(&v, e->cid_len);
	return v.err || b->err ? EIOT_ERR_DECODE : 0;
}

/* RFC 5077 §3.2: any ticket from the client; empty from the server. */
static int ext_session_ticket(struct rd *b, bool server_hello, struct hs_exts *e)
{
	e->has_session_ticket = true;
	if (!server_hello) {
		e->ticket_len = rd_left(b);
		e->ticket = rd_bytes(b, e->ticket_len);
	}
	return 0;
}

/* RFC 6066 §5: extension_data is empty both ways (the caller checks it is consumed). */
static int ext_cert_url(struct rd *b, bool server_hello, struct hs_exts *e)
{
	(void)b;
	(void)server_hello;
	e->has_cert_url = true;
	return 0;
}

/* RFC 7924 §3: CachedObject cached_info<1..2^16-1>; from the client each object is
 * {type, hash_value<1..255>}, from the server the type alone. */
static int ext_cached_info(struct rd *b, bool server_hello, struct hs_exts *e)
{
	struct rd l = rd_vec(b, 2);
	if (l.err || rd_left(&l) == 0)
		return EIOT_ERR_DECODE;
	e->has_cached_info = true;
	e->ci_list = l.p;
	e->ci_list_len = rd_left(&l);
	while (rd_left(&l)) {
		uint8_t type = rd_u8(&l);
		if (server_hello) {
			e->ci_cert |= type == CI_TYPE_CERT;
			e->ci_other |= type != CI_TYPE_CERT;
			continue;
		}
		struct rd h = rd_vec(&l, 1);
		if (h.err || rd_left(&h) == 0)
			return EIOT_ERR_DECODE;
	}
	return l.err ? EIOT_ERR_DECODE : 0;
}

/* RFC 7250 §4.1: CertificateType types<1..2^8-1> from the client; one type from the server. */
static int cert_types(struct rd *b, bool server_hello, bool *x509, bool *rpk, uint8_t *one)
{
	if (server_hello) {
		*one = rd_u8(b);
		return b->err ? EIOT_ERR_DECODE : 0;
	}
	struct rd l = rd_vec(b, 1);
	if (l.err || rd_left(&l) == 0)
		return EIOT_ERR_DECODE;
	while (rd_left(&l)) {
		uint8_t t = rd_u8(&l);
		*x509 |= t == 0;
		*rpk |= t == 2;
	}
	return 0;
}

static int ext_cct(struct rd *b, bool server_hello, struct hs_exts *e)
{
	e->has_cct = true;
	return cert_types(b, server_hello, &e->cct_x509, &e->cct_rpk, &e->cct);
}

static int ext_sct(struct rd *b, bool server_hello, struct hs_exts *e)
{
	e->has_sct = true;
	return cert_types(b, server_hello, &e->sct_x509, &e->sct_rpk, &e->sct);
}

/* What a build without a feature (eap_iot/features.h) does not parse counts as an unknown
 * extension: ignored in a ClientHello, refused in a ServerHello (it was never offered). */
#define IF_BUILT(on, fn) ((on) ? (fn) : NULL)

static const struct {
	uint16_t type;
	ext_parse_fn parse;
} ext_tab[] = {
	{ EXT_CLIENT_CERTIFICATE_TYPE, IF_BUILT(EIOT_WITH_RPK, ext_cct) },
	{ EXT_SERVER_CERTIFICATE_TYPE, IF_BUILT(EIOT_WITH_RPK, ext_sct) },
	{ EXT_SERVER_NAME, ext_server_name },
	{ EXT_MAX_FRAGMENT_LENGTH, ext_mfl },
	{ EXT_TRUNCATED_HMAC, ext_truncated_hmac },
	{ EXT_SUPPORTED_GROUPS, IF_BUILT(EIOT_WITH_ECDHE, ext_groups) },
	{ EXT_EC_POINT_FORMATS, IF_BUILT(EIOT_WITH_ECDHE, ext_point_formats) },
	{ EXT_SIGNATURE_ALGORITHMS, IF_BUILT(EIOT_WITH_ECDHE, ext_sigalgs) },
	{ EXT_ENCRYPT_THEN_MAC, ext_etm },
	{ EXT_EXTENDED_MASTER_SECRET, ext_ems },
	{ EXT_RECORD_SIZE_LIMIT, ext_rsl },
	{ EXT_SESSION_TICKET, IF_BUILT(EIOT_WITH_RESUMPTION, ext_session_ticket) },
	{ EXT_CACHED_INFO, IF_BUILT(EIOT_WITH_CACHED_INFO, ext_cached_info) },
	{ EXT_CLIENT_CERTIFICATE_URL, IF_BUILT(EIOT_WITH_CERT_URL, ext_cert_url) },
	{ EXT_RENEGOTIATION_INFO, ext_reneg_info },
	{ EXT_CONNECTION_ID, IF_BUILT(EIOT_WITH_CID, ext_cid) },
};

/* The parser of a known extension this build holds, else NULL. */
static ext_parse_fn ext_lookup(uint16_t type)
{
	for (size_t i = 0; i < sizeof(ext_tab) / sizeof(ext_tab[0]); i++)
		if (ext_tab[i].type == type)
			return ext_tab[i].parse;
	return NULL;
}

/* see tls/exts.h */
int hs_parse_exts(struct rd *r, bool server_hello, struct hs_exts *e)
{
	memset(e, 0, sizeof(*e));
	if (r->err)
		return EIOT_ERR_DECODE;
	if (rd_left(r) == 0)
		return 0;
	struct rd all = rd_vec(r, 2);
	if (all.err || rd_left(r))
		return EIOT_ERR_DECODE;

	uint16_t seen[HS_MAX_EXTS];
	size_t n_seen = 0;
	while (rd_left(&all)) {
		uint16_t type = rd_u16(&all);
		struct rd body = rd_vec(&all, 2);
		if (body.err)
			return EIOT_ERR_DECODE;
		for (size_t i = 0; i < n_seen; i++)
			if (seen[i] == type)
				return EIOT_ERR_DECODE; /* RFC 5246 §7.4.1.4: one of each type */
		if (n_seen == HS_MAX_EXTS)
			return EIOT_ERR_DECODE;
		seen[n_seen++] = type;

		ext_parse_fn parse = ext_lookup(type);
		if (!parse) {
			e->n_unknown++;
			continue;
		}
		if (parse(&body, server_hello, e) || !rd_done(&body))
			return EIOT_ERR_DECODE;
	}
	return 0;
}

/* see tls/exts.h */
void hs_write_ext_empty(struct wr *w, uint16_t type)
{
	wr_u16(w, type);
	wr_u16(w, 0);
}

/* see tls/exts.h */
void hs_write_ext_reneg_info(struct wr *w)
{
	wr_u16(w, EXT_RENEGOTIATION_INFO);
	wr_u16(w, 1);
	wr_u8(w, 0);
}

/* see tls/exts.h */
void hs_write_ext_server_name(struct wr *w, const char *host)
{
	size_t len = strlen(host);
	if (len == 0) { /* RFC 6066 §3: HostName<1..2^16-1> */
		w->err = true;
		return;
	}
	wr_u16(w, EXT_SERVER_NAME);
	size_t ext = wr_open_vec(w, 2);
	size_t list = wr_open_vec(w, 2);
	wr_u8(w, 0); /* host_name */
	size_t name = wr_open_vec(w, 2);
	wr_bytes(w, host, len);
	wr_close_vec(w, name, 2);
	wr_close_vec(w, list, 2);
	wr_close_vec(w, ext, 2);
}

/* see tls/exts.h */
void hs_write_ext_mfl(struct wr *w, uint8_t code)
{
	wr_u16(w, EXT_MAX_FRAGMENT_LENGTH);
	wr_u16(w, 1);
	wr_u8(w, code);
}

/* see tls/exts.h */
void hs_write_ext_cid(struct wr *w, const uint8_t *cid, size_t len)
{
	wr_u16(w, EXT_CONNECTION_ID);
	wr_u16(w, (uint16_t)(1 + len));
	wr_u8(w, (uint8_t)len);
	wr_bytes(w, cid, len);
}

/* see tls/exts.h */
void hs_write_ext_rsl(struct wr *w, uint16_t limit)
{
	wr_u16(w, EXT_RECORD_SIZE_LIMIT);
	wr_u16(w, 2);
	wr_u16(w, limit);
}

/* see tls/exts.h */
void hs_write_ext_cert_types(struct wr *w, uint16_t type, const uint8_t *types, size_t n,
			     bool single)
{
	wr_u16(w, type);
	size_t ext = wr_open_vec(w, 2);
	if (single) {
		wr_u8(w, types[0]);
	} else {
		size_t l = wr_open_vec(w, 1);
		wr_bytes(w, types, n);
		wr_close_vec(w, l, 1);
	}
	wr_close_vec(w, ext, 2);
}

/* see tls/exts.h */
void hs_write_ext_cached_info(struct wr *w, const uint8_t *hash)
{
	wr_u16(w, EXT_CACHED_INFO);
	size_t ext = wr_open_vec(w, 2);
	size_t list = wr_open_vec(w, 2);
	wr_u8(w, CI_TYPE_CERT);
	if (hash) {
		wr_u8(w, CI_HASH_LEN);
		wr_bytes(w, hash, CI_HASH_LEN);
	}
	wr_close_vec(w, list, 2);
	wr_close_vec(w, ext, 2);
}

/* see tls/exts.h */
void hs_write_ext_groups(struct wr *w)
{
	wr_u16(w, EXT_SUPPORTED_GROUPS);
	wr_u16(w, 4);
	wr_u16(w, 2);
	wr_u16(w, GROUP_SECP256R1);
}

/* see tls/exts.h */
void hs_write_ext_point_formats(struct wr *w)
{
	wr_u16(w, EXT_EC_POINT_FORMATS);
	wr_u16(w, 2);
	wr_u8(w, 1);
	wr_u8(w, POINT_FORMAT_UNCOMPRESSED);
}

/* see tls/exts.h */
void hs_write_ext_sigalgs(struct wr *w)
{
	wr_u16(w, EXT_SIGNATURE_ALGORITHMS);
	wr_u16(w, 4);
	wr_u16(w, 2);
	wr_u16(w, SIGALG_ECDSA_SECP256R1_SHA256);
}
