/*
 * tls/record.c — TLS 1.2 and DTLS 1.2 record headers and AEAD protection.
 *
 * Owns: header parsing (RFC 5246 §6.2.1, RFC 6347 §4.1) and AEAD seal/open
 * (RFC 5246 §6.2.3.3 with RFC 6655 / RFC 7251 CCM and RFC 5288 GCM). Invariants:
 *   - nonce = fixed_iv(4) || explicit(8); we send explicit = seq_num (TLS) or epoch||seq48
 *     (DTLS, RFC 7925 App. B) and read whatever explicit part the peer sent;
 *   - aad = seq_num(8) || type || version || plaintext length, where DTLS's seq_num is the
 *     header's epoch||seq48, so a record moved to another epoch or number fails;
 *   - a sequence number never wraps (RFC 5246 §6.1, RFC 6347 §4.1).
 * Replay and epoch checks belong to the caller (tls/replay.c, the connection).
 */
#include "tls/record.h"

#include <string.h>

#include "eap_iot/err.h"
#include "util/bytes.h"

/* RFC 5246 §6.2.1: plaintext fragments are at most 2^14 bytes; §6.2.3: ciphertext 2^14+2048. */
#define REC_MAX_PLAIN 16384u
#define REC_MAX_CIPHER (16384u + 2048u)
#define DTLS_MAX_SEQ ((UINT64_C(1) << 48) - 1)
#define AAD_LEN 13
#define AAD_CID_LEN 23 /* RFC 9146 §5: without the CID itself */
#define AAD_MAX (AAD_CID_LEN + EIOT_MAX_PEER_CID)

/* see tls/record.h */
void rec_dir_init(struct rec_dir *d, bool dtls, struct rec_keys *keys)
{
	memset(d, 0, sizeof(*d));
	d->dtls = dtls;
	d->keys = keys;
	if (keys)
		memset(keys, 0, sizeof(*keys));
}

/* see tls/record.h */
int rec_dir_set_keys(struct rec_dir *d, enum eiot_aead_alg alg, const uint8_t key[16],
		     const uint8_t iv[4])
{
	if (!d->keys)
		return EIOT_ERR_INTERNAL; /* a plaintext-only direction */
	if (d->dtls && d->epoch == UINT16_MAX)
		return EIOT_ERR_WRONG_STATE;
	if (d->protected_) {
		eiot_aead_free(&d->keys->aead);
		d->protected_ = false;
	}
	int err = eiot_aead_init(&d->keys->aead, alg, key);
	if (err)
		return err;
	memcpy(d->keys->fixed_iv, iv, 4);
	d->tag_len = (uint8_t)eiot_aead_tag_len(&d->keys->aead);
	d->protected_ = true;
	if (d->dtls)
		d->epoch++;
	d->seq = 0;
	return 0;
}

/* see tls/record.h */
void rec_dir_free(struct rec_dir *d)
{
	bool dtls = d->dtls;
	struct rec_keys *keys = d->keys;
	if (d->protected_)
		eiot_aead_free(&keys->aead);
	if (keys) /* the fixed IV and the CID go with the AEAD state */
		eiot_zeroize(keys, sizeof(*keys));
	eiot_zeroize(d, sizeof(*d));
	d->dtls = dtls;
	d->keys = keys;
}

/* see tls/record.h */
size_t rec_header_len(const struct rec_dir *d)
{
	return d->dtls ? REC_DTLS_HEADER + rec_cid_len(d) : REC_TLS_HEADER;
}

/* see tls/record.h */
size_t rec_plaintext_offset(const struct rec_dir *d)
{
	return rec_header_len(d) + (d->protected_ ? REC_EXPLICIT_NONCE : 0);
}

/* see tls/record.h */
size_t rec_overhead(const struct rec_dir *d)
{
	size_t inner_type = rec_cid_len(d) ? 1 : 0;
	return rec_header_len(d) + (d->protected_ ? REC_EXPLICIT_NONCE + d->tag_len + inner_type : 0);
}

static bool is_known_type(uint8_t type)
{
	return type >= REC_CT_CHANGE_CIPHER_SPEC && type <= REC_CT_APPLICATION_DATA;
}

/* A header, with the cid_len-byte CID of a DTLS tls12_cid record (0: none expected). */
static int parse_header(bool dtls, const uint8_t *in, size_t n, size_t max_body, size_t cid_len,
			struct rec_header *h, size_t *consumed)
{
	size_t hlen = dtls ? REC_DTLS_HEADER : REC_TLS_HEADER;

	/* A TLS stream may deliver a header in pieces; a DTLS datagram holds whole records. */
	if (n < hlen)
		return dtls ? EIOT_ERR_DECODE : EIOT_ERR_WANT_MORE;
	memset(h, 0, sizeof(*h));
	h->type = in[0];
	h->version = ld_be16(in + 1);
	bool cid = dtls && h->type == REC_CT_TLS12_CID && cid_len;
	if (cid) {
		hlen += cid_len;
		if (n < hlen)
			return EIOT_ERR_DECODE;
		h->cid = in + 11;
		h->cid_len = cid_len;
	}
	if (dtls) {
		h->epoch = ld_be16(in + 3);
		h->seq = ld_be48(in + 5);
		h->body_len = ld_be16(in + hlen - 2);
	} else {
		h->body_len = ld_be16(in + 3);
	}
	/* Major version 3 (TLS) or 0xFE (DTLS); the exact minor is the handshake's business,
	 * since a ClientHello record may carry an older one (RFC 5246 App. E.1). */
	if ((!is_known_type(h->type) && !cid) || (h->version >> 8) != (dtls ? 0xFEu : 0x03u))
		return EIOT_ERR_DECODE;
	/* Checked before waiting for the body, so a huge length cannot make us wait forever. */
	if (h->body_len > max_body || h->body_len > REC_MAX_CIPHER)
		return EIOT_ERR_RECORD_OVERFLOW;
	if (n - hlen < h->body_len)
		return dtls ? EIOT_ERR_DECODE : EIOT_ERR_WANT_MORE;
	h->body = in + hlen;
	*consumed = hlen + h->body_len;
	return 0;
}

/* see tls/record.h */
int rec_parse_header(bool dtls, const uint8_t *in, size_t n, size_t max_body, struct rec_header *h,
		     size_t *consumed)
{
	return parse_header(dtls, in, n, max_body, 0, h, consumed);
}

/* see tls/record.h */
int rec_parse_dtls_header(const uint8_t *in, size_t n, size_t max_body, size_t cid_len,
			  struct rec_header *h, size_t *consumed)
{
	return parse_header(true, in, n, max_body, cid_len, h, consumed);
}

/* seq_num as the record MAC sees it: 64 bits in TLS, epoch||seq48 in DTLS (RFC 6347 §4.1.2.1). */
static void put_seq(uint8_t out[8], bool dtls, uint16_t epoch, uint64_t seq)
{
	if (dtls) {
		st_be16(out, epoch);
		st_be48(out + 2, seq);
	} else {
		st_be64(out, seq);
	}
}

/* The additional data; its length. */
static size_t make_aad(uint8_t aad[AAD_MAX], const uint8_t seq8[8], uint8_t type, uint16_t version,
		       const uint8_t *cid, size_t cid_len, size_t len)
{
	if (!cid_len) {
		memcpy(aad, seq8, 8);
		aad[8] = type;
		st_be16(aad + 9, version);
		st_be16(aad + 11, (uint16_t)len);
		return AAD_LEN;
	}
	/* RFC 9146 §5: a placeholder where the sequence number was, so that no CID record's
	 * additional data equals a plain record's; len is the inner plaintext's */
	memset(aad, 0xff, 8);
	aad[8] = REC_CT_TLS12_CID;
	aad[9] = (uint8_t)cid_len;
	aad[10] = REC_CT_TLS12_CID;
	st_be16(aad + 11, version);
	memcpy(aad + 13, seq8, 8); /* epoch || seq48 */
	memcpy(aad + 21, cid, cid_len);
	st_be16(aad + 21 + cid_len, (uint16_t)len);
	return AAD_CID_LEN + cid_len;
}

/* The CID a direction's records carry (rec_cid_len bytes; only a keyed direction has one). */
static const uint8_t *dir_cid(const struct rec_dir *d)
{
#if EIOT_WITH_CID
	return d->keys ? d->keys->cid : NULL;
#else
	(void)d;
	return NULL;
#endif
}

/* see tls/record.h */
int rec_seal(struct rec_dir *d, uint8_t type, uint16_t version, const uint8_t *pt, size_t n,
	     uint8_t *out, size_t cap, size_t *out_len)
{
	size_t hlen = rec_header_len(d), cid = rec_cid_len(d);
	size_t inner = n + (cid ? 1 : 0); /* RFC 9146 §4: the real type goes inside */
	size_t body = d->protected_ ? REC_EXPLICIT_NONCE + inner + d->tag_len : n;
	uint8_t seq8[8], aad[AAD_MAX], nonce[12];

	if (n > REC_MAX_PLAIN)
		return EIOT_ERR_BAD_PARAM;
	if (cap < hlen || cap - hlen < body)
		return EIOT_ERR_BUFFER_TOO_SMALL;
	/* Never wrap: TLS would need renegotiation, which the profile does not do. */
	if ((d->dtls && d->seq > DTLS_MAX_SEQ) || (!d->dtls && d->seq == UINT64_MAX))
		return EIOT_ERR_WRONG_STATE;

	out[0] = cid ? REC_CT_TLS12_CID : type;
	st_be16(out + 1, version);
	if (d->dtls) {
		st_be16(out + 3, d->epoch);
		st_be48(out + 5, d->seq);
		if (cid)
			memcpy(out + 11, dir_cid(d), cid);
	}
	st_be16(out + hlen - 2, (uint16_t)body);
	if (!d->protected_) {
		memmove(out + hlen, pt, n);
	} else {
		uint8_t *explicit_nonce = out + hlen;
		uint8_t *ct = explicit_nonce + REC_EXPLICIT_NONCE;

		put_seq(seq8, d->dtls, d->epoch, d->seq);
		size_t aad_len = make_aad(aad, seq8, type, version, dir_cid(d), cid, inner);
		memcpy(nonce, d->keys->fixed_iv, 4);
		memcpy(nonce + 4, seq8, 8);
		memmove(ct, pt, n);
		if (cid)
			ct[n] = type;
		memcpy(explicit_nonce, seq8, 8);
		int err = eiot_aead_seal(&d->keys->aead, nonce, aad, aad_len, ct, inner);
		if (err)
			return err;
	}
	d->seq++;
	*out_len = hlen + body;
	return 0;
}

/* see tls/record.h */
/* A tls12_cid record must carry the CID d expects, and a record without one is for a direction
 * without one (RFC 9146 §4). */
static bool cid_matches(const struct rec_dir *d, const struct rec_header *h)
{
	size_t cid = rec_cid_len(d);
	if (h->type != REC_CT_TLS12_CID)
		return cid == 0;
	return cid && h->cid_len == cid && !memcmp(h->cid, dir_cid(d), cid);
}

/* RFC 9146 §4: the real content type is the last non-zero byte of the inner plaintext;
 * its length, or SIZE_MAX when all of it is zero. */
static size_t inner_content_len(const uint8_t *p, size_t n, uint8_t *type)
{
	while (n && p[n - 1] == 0)
		n--;
	if (!n)
		return SIZE_MAX;
	*type = p[n - 1];
	return n - 1;
}

/* see tls/record.h */
int rec_open(struct rec_dir *d, struct rec_header *h, uint8_t *body, size_t max_plain,
	     const uint8_t **pt, size_t *pt_len)
{
	uint8_t seq8[8], aad[AAD_MAX], nonce[12];

	if (!cid_matches(d, h))
		return EIOT_ERR_DECODE;
	if (!d->protected_) {
		if (h->body_len > max_plain || h->body_len > REC_MAX_PLAIN)
			return EIOT_ERR_RECORD_OVERFLOW;
		*pt = body;
		*pt_len = h->body_len;
		return 0;
	}
	size_t cid = rec_cid_len(d), inner_type = cid ? 1 : 0;
	/* Too short to hold the explicit nonce and the tag: it cannot authenticate. */
	if (h->body_len < REC_EXPLICIT_NONCE + d->tag_len + inner_type)
		return EIOT_ERR_BAD_RECORD_MAC;
	size_t ct_len = h->body_len - REC_EXPLICIT_NONCE - d->tag_len;
	/* RFC 5246 §6.2.1/§6.2.3, RFC 6066 §4 (max_fragment_length): an AEAD ciphertext is
	 * exactly as long as its plaintext, so an oversized one is refused before decryption
	 * (with a CID, the real type's byte aside: padding beyond it counts against the limit). */
	if (ct_len - inner_type > max_plain || ct_len > REC_MAX_PLAIN + inner_type)
		return EIOT_ERR_RECORD_OVERFLOW;
	if (!d->dtls && d->seq == UINT64_MAX)
		return EIOT_ERR_WRONG_STATE;

	put_seq(seq8, d->dtls, h->epoch, d->dtls ? h->seq : d->seq);
	size_t aad_len = make_aad(aad, seq8, h->type, h->version, h->cid, cid, ct_len);
	memcpy(nonce, d->keys->fixed_iv, 4);
	memcpy(nonce + 4, body, REC_EXPLICIT_NONCE);
	uint8_t *ct = body + REC_EXPLICIT_NONCE;
	int err = eiot_aead_open(&d->keys->aead, nonce, aad, aad_len, ct, ct_len);
	if (err)
		return err;
	if (!d->dtls)
		d->seq++;
	if (cid && (ct_len = inner_content_len(ct, ct_len, &h->type)) == SIZE_MAX)
		return EIOT_ERR_UNEXPECTED_MESSAGE;
	*pt = ct;
	*pt_len = ct_len;
	return 0;
}
