/*
 * tls/record.h — record protection for TLS 1.2 and DTLS 1.2 (RFC 5246 §6.2, RFC 6347 §4.1).
 *
 * One struct rec_dir per direction holds the epoch, the sequence number and the AEAD state.
 * AEAD records (RFC 5246 §6.2.3.3, RFC 6655, RFC 5288):
 *   nonce   = fixed_iv(4) || explicit(8); explicit = 64-bit seq (TLS) or epoch(16)||seq(48)
 *             (DTLS, RFC 7925 App. B)
 *   aad     = seq_num(8; DTLS: epoch||seq) || type || version || plaintext length
 *   fragment= explicit(8) || ciphertext || tag(8 or 16)
 * Epoch 0 (and TLS before ChangeCipherSpec) is plaintext. Header sizes: TLS 5, DTLS 13.
 * DTLS with a connection ID (RFC 9146 §4, §5), when the direction has a non-empty CID and keys:
 *   header  = tls12_cid(25) || version || epoch || seq48 || cid || length
 *   aad     = 0xff x 8 || 25 || cid_len || 25 || version || epoch || seq48 || cid || inner length
 *   inner   = content || real content type (no padding sent; the zeros after it are skipped)
 */
#ifndef EIOT_TLS_RECORD_H
#define EIOT_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "eap_iot/config.h"
#include "eap_iot/features.h"

#define REC_CT_CHANGE_CIPHER_SPEC 20
#define REC_CT_ALERT 21
#define REC_CT_HANDSHAKE 22
#define REC_CT_APPLICATION_DATA 23
#define REC_CT_TLS12_CID 25 /* RFC 9146 §4 */

#define REC_TLS_HEADER 5
#define REC_DTLS_HEADER 13
#define REC_EXPLICIT_NONCE 8
#define TLS_VERSION_1_2 0x0303u
#define DTLS_VERSION_1_2 0xFEFDu
#define DTLS_VERSION_1_0 0xFEFFu

/* What a direction holds once it has keys (epoch 0 of a connection needs none of it). */
struct rec_keys {
	struct eiot_aead aead;
	uint8_t fixed_iv[4];
#if EIOT_WITH_CID
	uint8_t cid_len;       /* RFC 9146: the CID its protected records carry (sending: the peer's;
				* receiving: ours); 0: records without one */
	uint8_t cid[EIOT_MAX_PEER_CID];
#endif
};

struct rec_dir {
	bool dtls;
	bool protected_;       /* AEAD on */
	uint8_t tag_len;
	uint16_t epoch;        /* DTLS */
	uint64_t seq;          /* next sequence number (48 bits used in DTLS) */
	struct rec_keys *keys; /* where the keyed state lives; NULL: this direction stays plaintext */
};

/* The CID this direction's records carry now (0: none, or before its keys). */
static inline size_t rec_cid_len(const struct rec_dir *d)
{
#if EIOT_WITH_CID
	return d->protected_ ? d->keys->cid_len : 0;
#else
	(void)d;
	return 0;
#endif
}

/* A parsed record header; body points into the input. */
struct rec_header {
	uint8_t type;
	uint16_t version;
	uint16_t epoch; /* DTLS */
	uint64_t seq;   /* DTLS */
	const uint8_t *cid; /* DTLS tls12_cid records (type 25 until rec_open gives the real one) */
	size_t cid_len;
	const uint8_t *body;
	size_t body_len;
};

/* A direction without keys; keys (emptied) is where rec_dir_set_keys will keep them (NULL: the
 * direction never gets keys). */
void rec_dir_init(struct rec_dir *d, bool dtls, struct rec_keys *keys);
/* Switch the direction to AEAD with key/iv; DTLS epoch += 1, sequence number back to 0. */
int rec_dir_set_keys(struct rec_dir *d, enum eiot_aead_alg alg, const uint8_t key[16],
		     const uint8_t iv[4]);
void rec_dir_free(struct rec_dir *d);
size_t rec_header_len(const struct rec_dir *d);
/* Bytes a record adds around its plaintext in this direction's current state. */
size_t rec_overhead(const struct rec_dir *d);
/* Where in its output rec_seal puts the plaintext (after the header and explicit nonce): a
 * caller that writes the plaintext there has it sealed in place. */
size_t rec_plaintext_offset(const struct rec_dir *d);

/*
 * Parse one record header from in[0..n). Returns 0 and fills h (h->body_len bytes follow),
 * EIOT_ERR_WANT_MORE when n is shorter than the whole record (TLS), EIOT_ERR_DECODE for a
 * malformed header, EIOT_ERR_RECORD_OVERFLOW when the length exceeds max_body.
 * *consumed = header + body length.
 */
int rec_parse_header(bool dtls, const uint8_t *in, size_t n, size_t max_body, struct rec_header *h,
		     size_t *consumed);
/* The same for DTLS where tls12_cid records carry a cid_len-byte CID (the one we gave; 0:
 * such records are malformed). */
int rec_parse_dtls_header(const uint8_t *in, size_t n, size_t max_body, size_t cid_len,
			  struct rec_header *h, size_t *consumed);

/*
 * Write one record of type with plaintext pt[0..n) into out (cap bytes): header, and when
 * protected the explicit nonce, ciphertext and tag. Uses and increments the sequence number.
 * version is what goes in the header (TLS_VERSION_1_2 / DTLS_VERSION_1_2).
 */
int rec_seal(struct rec_dir *d, uint8_t type, uint16_t version, const uint8_t *pt, size_t n,
	     uint8_t *out, size_t cap, size_t *out_len);

/*
 * Remove protection from a record in place. For TLS, d's sequence number is used and
 * incremented; for DTLS, h->epoch/h->seq are used (the caller checked epoch and replay).
 * On success *pt points into body (inside the caller's buffer) and *pt_len is the plaintext
 * length. EIOT_ERR_BAD_RECORD_MAC on failed authentication, EIOT_ERR_RECORD_OVERFLOW when the
 * plaintext exceeds max_plain. Plaintext epochs pass the body through. A tls12_cid record must
 * carry d's CID (else EIOT_ERR_DECODE, as must a record without it where d has one); h->type
 * becomes its real type (EIOT_ERR_UNEXPECTED_MESSAGE when the inner plaintext holds none).
 */
int rec_open(struct rec_dir *d, struct rec_header *h, uint8_t *body, size_t max_plain,
	     const uint8_t **pt, size_t *pt_len);

#endif
