/*
 * tls/msgs.c — handshake message bodies and headers: pure parsers into the structs of
 * tls/msgs.h and writers from parameter structs. Extensions live in tls/exts.c.
 *
 * Every parser reads its fields straight through a bounded reader, checks each vector's
 * bounds as it opens it, and ends with the body consumed exactly; on error *out is
 * unspecified. Writers never check room: the caller checks w->err once.
 */
#include "tls/msgs.h"

#include <string.h>

#include "eap_iot/err.h"
#include "tls/exts.h"
#include "util/bytes.h"

#define VERSION_TLS12 0x0303
#define VERSION_DTLS12 0xFEFD
#define VERSION_DTLS10 0xFEFF
#define HS_RANDOM_LEN 32
#define HS_FINISHED_LEN 12

/* see tls/msgs.h */
int hs_parse_header(bool dtls, const uint8_t *in, size_t n, struct hs_header *h, size_t *hdr_len)
{
	*hdr_len = dtls ? HS_DTLS_HEADER : HS_TLS_HEADER;
	if (n < *hdr_len)
		return EIOT_ERR_WANT_MORE;
	h->type = in[0];
	h->length = ld_be24(in + 1);
	if (!dtls) {
		h->msg_seq = 0;
		h->frag_off = 0;
		h->frag_len = h->length;
		return 0;
	}
	h->msg_seq = ld_be16(in + 4);
	h->frag_off = ld_be24(in + 6);
	h->frag_len = ld_be24(in + 9);
	/* RFC 6347 §4.2.3: a fragment lies inside its message (24-bit fields: no overflow) */
	if (h->frag_off + h->frag_len > h->length)
		return EIOT_ERR_DECODE;
	return 0;
}

/* see tls/msgs.h */
void hs_write_header(struct wr *w, bool dtls, const struct hs_header *h)
{
	if (h->length >= (1u << 24) || h->frag_off >= (1u << 24) || h->frag_len >= (1u << 24)) {
		w->err = true;
		return;
	}
	wr_u8(w, h->type);
	wr_u24(w, h->length);
	if (!dtls)
		return;
	wr_u16(w, h->msg_seq);
	wr_u24(w, h->frag_off);
	wr_u24(w, h->frag_len);
}

/* session_id<0..32> (RFC 5246 §7.4.1.2). */
static int rd_session_id(struct rd *r, const uint8_t **sid, size_t *len)
{
	struct rd v = rd_vec(r, 1);
	if (v.err || rd_left(&v) > HS_MAX_SESSION_ID)
		return EIOT_ERR_DECODE;
	*sid = v.p;
	*len = rd_left(&v);
	return 0;
}

/* see tls/msgs.h */
int hs_parse_client_hello(bool dtls, const uint8_t *body, size_t n, struct hs_client_hello *out)
{
	memset(out, 0, sizeof(*out));
	struct rd r = rd_init(body, n);
	out->version = rd_u16(&r);
	out->random = rd_bytes(&r, HS_RANDOM_LEN);
	if (rd_session_id(&r, &out->session_id, &out->session_id_len))
		return EIOT_ERR_DECODE;
	if (dtls) { /* RFC 6347 §4.2.1: cookie<0..2^8-1> */
		struct rd ck = rd_vec(&r, 1);
		if (ck.err)
			return EIOT_ERR_DECODE;
		out->cookie = ck.p;
		out->cookie_len = rd_left(&ck);
	}

	/* cipher_suites<2..2^16-2> */
	struct rd cs = rd_vec(&r, 2);
	if (cs.err || rd_left(&cs) < 2 || rd_left(&cs) % 2)
		return EIOT_ERR_DECODE;
	out->suites_raw = cs.p;
	out->suites_raw_len = rd_left(&cs);
	while (rd_left(&cs)) {
		uint16_t s = rd_u16(&cs);
		if (s == SUITE_EMPTY_RENEGOTIATION_INFO_SCSV)
			out->has_reneg_scsv = true;
		if (out->n_suites < HS_MAX_SUITES)
			out->suites[out->n_suites++] = s;
	}

	/* compression_methods<1..2^8-1> */
	struct rd cm = rd_vec(&r, 1);
	if (cm.err || rd_left(&cm) == 0)
		return EIOT_ERR_DECODE;
	out->comp_raw = cm.p;
	out->comp_raw_len = rd_left(&cm);
	while (rd_left(&cm))
		if (rd_u8(&cm) == 0)
			out->null_compression = true;

	return hs_parse_exts(&r, false, &out->ext);
}

/* see tls/msgs.h */
void hs_write_client_hello(struct wr *w, bool dtls, const struct hs_client_hello_params *p)
{
	wr_u16(w, dtls ? VERSION_DTLS12 : VERSION_TLS12);
	wr_bytes(w, p->random, HS_RANDOM_LEN);
	if (p->session_id_len > HS_MAX_SESSION_ID) {
		w->err = true;
		return;
	}
	wr_u8(w, (uint8_t)p->session_id_len);
	wr_bytes(w, p->session_id, p->session_id_len);
	if (dtls) {
		size_t ck = wr_open_vec(w, 1);
		wr_bytes(w, p->cookie, p->cookie_len);
		wr_close_vec(w, ck, 1);
	}
	if (p->n_suites == 0) { /* cipher_suites<2..2^16-2> */
		w->err = true;
		return;
	}
	size_t cs = wr_open_vec(w, 2);
	for (size_t i = 0; i < p->n_suites; i++)
		wr_u16(w, p->suites[i]);
	wr_close_vec(w, cs, 2);
	wr_u8(w, 1);
	wr_u8(w, 0); /* compression_methods {null} */

	size_t ext = wr_open_vec(w, 2);
	if (p->sni)
		hs_write_ext_server_name(w, p->sni);
	if (p->ecc) {
		hs_write_ext_groups(w);
		hs_write_ext_point_formats(w);
		hs_write_ext_sigalgs(w);
	}
	hs_write_ext_empty(w, EXT_EXTENDED_MASTER_SECRET);
	hs_write_ext_reneg_info(w);
	if (p->mfl_code)
		hs_write_ext_mfl(w, p->mfl_code);
	if (p->rsl)
		hs_write_ext_rsl(w, p->rsl);
	if (p->n_cct)
		hs_write_ext_cert_types(w, EXT_CLIENT_CERTIFICATE_TYPE, p->cct, p->n_cct, false);
	if (p->n_sct)
		hs_write_ext_cert_types(w, EXT_SERVER_CERTIFICATE_TYPE, p->sct, p->n_sct, false);
	if (p->ci_cert_hash)
		hs_write_ext_cached_info(w, p->ci_cert_hash);
	if (p->cert_url)
		hs_write_ext_empty(w, EXT_CLIENT_CERTIFICATE_URL);
	if (p->send_cid)
		hs_write_ext_cid(w, p->cid, p->cid_len);
	if (p->session_ticket) {
		wr_u16(w, EXT_SESSION_TICKET);
		size_t t = wr_open_vec(w, 2);
		wr_bytes(w, p->ticket, p->ticket_len);
		wr_close_vec(w, t, 2);
	}
	wr_close_vec(w, ext, 2);
}

/* see tls/msgs.h */
int hs_parse_server_hello(const uint8_t *body, size_t n, struct hs_server_hello *out)
{
	memset(out, 0, sizeof(*out));
	struct rd r = rd_init(body, n);
	out->version = rd_u16(&r);
	out->random = rd_bytes(&r, HS_RANDOM_LEN);
	if (rd_session_id(&r, &out->session_id, &out->session_id_len))
		return EIOT_ERR_DECODE;
	out->suite = rd_u16(&r);
	out->compression = rd_u8(&r);
	return hs_parse_exts(&r, true, &out->ext);
}

/* see tls/msgs.h */
void hs_write_server_hello(struct wr *w, bool dtls, const struct hs_server_hello_params *p)
{
	if (p->session_id_len > HS_MAX_SESSION_ID) {
		w->err = true;
		return;
	}
	wr_u16(w, dtls ? VERSION_DTLS12 : VERSION_TLS12);
	wr_bytes(w, p->random, HS_RANDOM_LEN);
	wr_u8(w, (uint8_t)p->session_id_len);
	wr_bytes(w, p->session_id, p->session_id_len);
	wr_u16(w, p->suite);
	wr_u8(w, 0); /* null compression */
	if (!p->ems && !p->reneg_info && !p->point_formats && !p->session_ticket && !p->mfl_code &&
	    !p->rsl && !p->has_cct && !p->has_sct && !p->ci_cert && !p->cert_url && !p->send_cid)
		return; /* RFC 5246 §7.4.1.3: no extensions block at all */
	size_t ext = wr_open_vec(w, 2);
	if (p->reneg_info)
		hs_write_ext_reneg_info(w);
	if (p->ems)
		hs_write_ext_empty(w, EXT_EXTENDED_MASTER_SECRET);
	if (p->point_formats)
		hs_write_ext_point_formats(w);
	if (p->session_ticket)
		hs_write_ext_empty(w, EXT_SESSION_TICKET);
	if (p->mfl_code)
		hs_write_ext_mfl(w, p->mfl_code);
	if (p->rsl)
		hs_write_ext_rsl(w, p->rsl);
	if (p->has_cct)
		hs_write_ext_cert_types(w, EXT_CLIENT_CERTIFICATE_TYPE, &p->cct, 1, true);
	if (p->has_sct)
		hs_write_ext_cert_types(w, EXT_SERVER_CERTIFICATE_TYPE, &p->sct, 1, true);
	if (p->ci_cert)
		hs_write_ext_cached_info(w, NULL);
	if (p->cert_url)
		hs_write_ext_empty(w, EXT_CLIENT_CERTIFICATE_URL);
	if (p->send_cid)
		hs_write_ext_cid(w, p->cid, p->cid_len);
	wr_close_vec(w, ext, 2);
}

/* see tls/msgs.h */
int hs_parse_new_session_ticket(const uint8_t *body, size_t n, uint32_t *lifetime_hint,
				const uint8_t **ticket, size_t *ticket_len)
{
	struct rd r = rd_init(body, n);
	*lifetime_hint = rd_u32(&r);
	struct rd t = rd_vec(&r, 2);
	if (t.err || !rd_done(&r))
		return EIOT_ERR_DECODE;
	*ticket = t.p;
	*ticket_len = rd_left(&t);
	return 0;
}

/* see tls/msgs.h */
void hs_write_new_session_ticket(struct wr *w, uint32_t lifetime_hint, const uint8_t *ticket,
				 size_t ticket_len)
{
	wr_u32(w, lifetime_hint);
	size_t t = wr_open_vec(w, 2);
	wr_bytes(w, ticket, ticket_len);
	wr_close_vec(w, t, 2);
}

/* see tls/msgs.h */
int hs_parse_hello_verify_request(const uint8_t *body, size_t n, uint16_t *version,
				  const uint8_t **cookie, size_t *cookie_len)
{
	struct rd r = rd_init(body, n);
	*version = rd_u16(&r);
	struct rd ck = rd_vec(&r, 1);
	if (!rd_done(&r) || ck.err)
		return EIOT_ERR_DECODE;
	*cookie = ck.p;
	*cookie_len = rd_left(&ck);
	return 0;
}

/* see tls/msgs.h */
void hs_write_hello_verify_request(struct wr *w, const uint8_t *cookie, size_t cookie_len)
{
	/* RFC 6347 §4.2.1: server_version is DTLS 1.0 whatever version follows */
	wr_u16(w, VERSION_DTLS10);
	size_t ck = wr_open_vec(w, 1);
	wr_bytes(w, cookie, cookie_len);
	wr_close_vec(w, ck, 1);
}

/* see tls/msgs.h */
int hs_parse_certificate(const uint8_t *body, size_t n, struct hs_certificate *out)
{
	memset(out, 0, sizeof(*out));
	struct rd r = rd_init(body, n);
	struct rd list = rd_vec(&r, 3);
	if (!rd_done(&r) || list.err)
		return EIOT_ERR_DECODE;
	while (rd_left(&list)) {
		struct rd c = rd_vec(&list, 3); /* ASN.1Cert<1..2^24-1> */
		if (c.err || rd_left(&c) == 0)
			return EIOT_ERR_DECODE;
		if (out->n == HS_MAX_CERTS) {
			out->truncated = true;
			continue;
		}
		out->cert[out->n] = c.p;
		out->len[out->n] = rd_left(&c);
		out->n++;
	}
	return 0;
}

/* see tls/msgs.h */
void hs_write_certificate(struct wr *w, const uint8_t *const *certs, const size_t *lens, size_t n)
{
	size_t list = wr_open_vec(w, 3);
	for (size_t i = 0; i < n; i++) {
		if (lens[i] == 0) {
			w->err = true;
			return;
		}
		size_t c = wr_open_vec(w, 3);
		wr_bytes(w, certs[i], lens[i]);
		wr_close_vec(w, c, 3);
	}
	wr_close_vec(w, list, 3);
}

/* see tls/msgs.h */
int hs_parse_certificate_url(const uint8_t *body, size_t n, struct hs_certificate_url *out)
{
	memset(out, 0, sizeof(*out));
	struct rd r = rd_init(body, n);
	out->type = rd_u8(&r);
	struct rd list = rd_vec(&r, 2);
	if (!rd_done(&r) || list.err || rd_left(&list) == 0)
		return EIOT_ERR_DECODE;
	while (rd_left(&list)) {
		struct rd url = rd_vec(&list, 2); /* url<1..2^16-1> */
		uint8_t padding = rd_u8(&list);
		const uint8_t *sha1 = rd_bytes(&list, CU_SHA1_LEN);
		/* RFC 6066 §5: padding MUST be 0x01 (the hash is no longer optional) */
		if (url.err || list.err || rd_left(&url) == 0 || padding != 1)
			return EIOT_ERR_DECODE;
		if (out->n == HS_MAX_CERTS) {
			out->truncated = true;
			continue;
		}
		out->url[out->n] = url.p;
		out->url_len[out->n] = rd_left(&url);
		out->sha1[out->n] = sha1;
		out->n++;
	}
	return 0;
}

/* see tls/msgs.h */
void hs_write_certificate_url(struct wr *w, const char *url, const uint8_t sha1[20])
{
	size_t len = strlen(url);
	if (len == 0) {
		w->err = true;
		return;
	}
	wr_u8(w, CU_INDIVIDUAL_CERTS);
	size_t list = wr_open_vec(w, 2);
	size_t u = wr_open_vec(w, 2);
	wr_bytes(w, url, len);
	wr_close_vec(w, u, 2);
	wr_u8(w, 1);
	wr_bytes(w, sha1, CU_SHA1_LEN);
	wr_close_vec(w, list, 2);
}

/* SignatureAndHashAlgorithm + signature<0..2^16-1> (RFC 5246 §4.7, §7.4.1.4.1). */
static void rd_signed(struct rd *r, uint16_t *sigalg, const uint8_t **sig, size_t *sig_len)
{
	*sigalg = rd_u16(r);
	struct rd s = rd_vec(r, 2);
	*sig = s.p;
	*sig_len = rd_left(&s);
}

/* see tls/msgs.h */
int hs_parse_ske_ecdhe(const uint8_t *body, size_t n, struct hs_ske_ecdhe *out)
{
	memset(out, 0, sizeof(*out));
	struct rd r = rd_init(body, n);
	out->params = r.p;
	out->curve_type = rd_u8(&r);
	/* RFC 8422 §5.4: only named_curve has a defined ServerECDHParams layout */
	if (r.err || out->curve_type != CURVE_TYPE_NAMED_CURVE)
		return EIOT_ERR_DECODE;
	out->group = rd_u16(&r);
	struct rd pt = rd_vec(&r, 1); /* ECPoint point<1..2^8-1> */
	if (pt.err || rd_left(&pt) == 0)
		return EIOT_ERR_DECODE;
	out->point = pt.p;
	out->point_len = rd_left(&pt);
	out->params_len = (size_t)(r.p - out->params);
	rd_signed(&r, &out->sigalg, &out->sig, &out->sig_len);
	return rd_done(&r) ? 0 : EIOT_ERR_DECODE;
}

/* see tls/msgs.h */
size_t hs_write_ske_ecdhe_params(struct wr *w, const uint8_t point[65])
{
	size_t start = w->len;
	wr_u8(w, CURVE_TYPE_NAMED_CURVE);
	wr_u16(w, GROUP_SECP256R1);
	wr_u8(w, 65);
	wr_bytes(w, point, 65);
	return start;
}

/* see tls/msgs.h (always ecdsa_secp256r1_sha256, the profile's one signature scheme) */
void hs_write_digitally_signed(struct wr *w, const uint8_t *sig, size_t sig_len)
{
	wr_u16(w, SIGALG_ECDSA_SECP256R1_SHA256);
	size_t s = wr_open_vec(w, 2);
	wr_bytes(w, sig, sig_len);
	wr_close_vec(w, s, 2);
}

/* see tls/msgs.h */
int hs_parse_digitally_signed(const uint8_t *body, size_t n, uint16_t *sigalg, const uint8_t **sig,
			      size_t *sig_len)
{
	struct rd r = rd_init(body, n);
	rd_signed(&r, sigalg, sig, sig_len);
	return rd_done(&r) ? 0 : EIOT_ERR_DECODE;
}

/* One opaque<0..2^16-1> that fills the body (PSK hint, PSK identity; RFC 4279 §2). */
static int rd_whole_vec16(const uint8_t *body, size_t n, const uint8_t **v, size_t *v_len)
{
	struct rd r = rd_init(body, n);
	struct rd s = rd_vec(&r, 2);
	if (!rd_done(&r) || s.err)
		return EIOT_ERR_DECODE;
	*v = s.p;
	*v_len = rd_left(&s);
	return 0;
}

static void wr_vec16(struct wr *w, const uint8_t *v, size_t v_len)
{
	size_t m = wr_open_vec(w, 2);
	wr_bytes(w, v, v_len);
	wr_close_vec(w, m, 2);
}

/* see tls/msgs.h */
int hs_parse_ske_psk(const uint8_t *body, size_t n, const uint8_t **hint, size_t *hint_len)
{
	return rd_whole_vec16(body, n, hint, hint_len);
}

/* see tls/msgs.h */
void hs_write_ske_psk(struct wr *w, const uint8_t *hint, size_t hint_len)
{
	wr_vec16(w, hint, hint_len);
}

/* see tls/msgs.h */
int hs_parse_cert_request(const uint8_t *body, size_t n, struct hs_cert_request *out)
{
	memset(out, 0, sizeof(*out));
	struct rd r = rd_init(body, n);
	struct rd types = rd_vec(&r, 1); /* certificate_types<1..2^8-1> */
	if (types.err || rd_left(&types) == 0)
		return EIOT_ERR_DECODE;
	while (rd_left(&types))
		if (rd_u8(&types) == CERT_TYPE_ECDSA_SIGN)
			out->type_ecdsa_sign = true;
	struct rd algs = rd_vec(&r, 2); /* supported_signature_algorithms<2..2^16-2> */
	if (algs.err || rd_left(&algs) < 2 || rd_left(&algs) % 2)
		return EIOT_ERR_DECODE;
	while (rd_left(&algs))
		if (rd_u16(&algs) == SIGALG_ECDSA_SECP256R1_SHA256)
			out->sigalg_ecdsa_p256_sha256 = true;
	struct rd names = rd_vec(&r, 2); /* certificate_authorities<0..2^16-1> */
	if (!rd_done(&r) || names.err)
		return EIOT_ERR_DECODE;
	while (rd_left(&names)) {
		struct rd dn = rd_vec(&names, 2); /* DistinguishedName<1..2^16-1> */
		if (dn.err || rd_left(&dn) == 0)
			return EIOT_ERR_DECODE;
		out->n_ca_names++;
	}
	return 0;
}

/* see tls/msgs.h */
void hs_write_cert_request(struct wr *w)
{
	wr_u8(w, 1);
	wr_u8(w, CERT_TYPE_ECDSA_SIGN);
	wr_u16(w, 2);
	wr_u16(w, SIGALG_ECDSA_SECP256R1_SHA256);
	wr_u16(w, 0); /* no certificate_authorities */
}

/* see tls/msgs.h */
int hs_parse_cke_ecdhe(const uint8_t *body, size_t n, const uint8_t **point, size_t *point_len)
{
	struct rd r = rd_init(body, n);
	struct rd pt = rd_vec(&r, 1); /* RFC 8422 §5.7: ECPoint ecdh_Yc<1..2^8-1> */
	if (!rd_done(&r) || pt.err || rd_left(&pt) == 0)
		return EIOT_ERR_DECODE;
	*point = pt.p;
	*point_len = rd_left(&pt);
	return 0;
}

/* see tls/msgs.h */
void hs_write_cke_ecdhe(struct wr *w, const uint8_t point[65])
{
	wr_u8(w, 65);
	wr_bytes(w, point, 65);
}

/* see tls/msgs.h */
int hs_parse_cke_psk(const uint8_t *body, size_t n, const uint8_t **identity, size_t *identity_len)
{
	return rd_whole_vec16(body, n, identity, identity_len);
}

/* see tls/msgs.h */
void hs_write_cke_psk(struct wr *w, const uint8_t *identity, size_t identity_len)
{
	wr_vec16(w, identity, identity_len);
}

/* see tls/msgs.h */
int hs_parse_finished(const uint8_t *body, size_t n, const uint8_t **verify_data)
{
	if (n != HS_FINISHED_LEN) /* RFC 5246 §7.4.9: verify_data_length is 12 */
		return EIOT_ERR_DECODE;
	*verify_data = body;
	return 0;
}

/* see tls/msgs.h */
int hs_parse_empty(const uint8_t *body, size_t n)
{
	(void)body;
	return n == 0 ? 0 : EIOT_ERR_DECODE;
}
