/*
 * tls/reasm.h — DTLS handshake message reassembly (RFC 6347 §4.2.3).
 *
 * Holds one message at a time (the next expected message_seq) in a caller-provided buffer
 * with a bitmap of received bytes, so overlapping and duplicated fragments are harmless.
 * Fragments of a later message_seq are not kept here (the conn buffers at most the next
 * flight by dropping them; the peer retransmits).
 */
#ifndef EIOT_TLS_REASM_H
#define EIOT_TLS_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reasm {
	uint8_t *buf;      /* 12-byte DTLS handshake header + body, as if unfragmented */
	uint8_t *bitmap;   /* one bit per body byte */
	size_t cap;        /* largest body accepted */
	bool active;
	uint8_t type;
	uint16_t msg_seq;
	uint32_t length;   /* body length */
	uint32_t have;     /* body bytes received */
};

/* buf holds 12 + cap bytes, bitmap (cap + 7) / 8 bytes. */
void reasm_init(struct reasm *r, uint8_t *buf, uint8_t *bitmap, size_t cap);

/*
 * Add one fragment (the 12-byte DTLS handshake header parsed into its fields, and the
 * fragment bytes). Fragments whose msg_seq differs from expect_seq are ignored (0 returned).
 * Returns 0, EIOT_ERR_MESSAGE_TOO_LARGE when length > cap, EIOT_ERR_DECODE when a fragment
 * lies outside length or contradicts an earlier fragment's type/length.
 * *complete is set once every byte is present: then buf holds the whole message with a
 * header whose fragment_offset = 0, fragment_length = length (what the transcript hashes).
 * A zero-length message (ServerHelloDone) is complete with its first fragment. When a byte
 * arrives twice, the first copy is kept. If r holds a message with another msg_seq (the
 * caller did not reset), reassembly restarts for this one.
 */
int reasm_add(struct reasm *r, uint16_t expect_seq, uint8_t type, uint32_t length,
	      uint16_t msg_seq, uint32_t frag_off, const uint8_t *frag, uint32_t frag_len,
	      bool *complete);
/* Forget the current message (after it was consumed). */
void reasm_reset(struct reasm *r);

#endif
