/*
 * util/rw.h — bounded reader and writer over a byte buffer.
 *
 * Reader: every read checks the remaining length; the first short read sets a sticky
 * error and later reads return zeros, so a parser reads its fields straight through and
 * checks r.err (and r.p == r.end) once at the end.
 * Writer: never grows, never aborts; running out of room sets a sticky error. Vectors
 * with a length prefix are opened and closed, and the length is patched in on close.
 */
#ifndef EIOT_UTIL_RW_H
#define EIOT_UTIL_RW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *p, *end;
	bool err;
};

static inline struct rd rd_init(const uint8_t *p, size_t n)
{
	struct rd r = { p, p + n, false };
	return r;
}
static inline size_t rd_left(const struct rd *r) { return (size_t)(r->end - r->p); }
static inline bool rd_done(const struct rd *r) { return !r->err && r->p == r->end; }

uint8_t rd_u8(struct rd *r);
uint16_t rd_u16(struct rd *r);
uint32_t rd_u24(struct rd *r);
uint32_t rd_u32(struct rd *r);
/* Points at the next n bytes and skips them (NULL and err on a short read). */
const uint8_t *rd_bytes(struct rd *r, size_t n);
/* Reads a length prefix of lenbytes (1, 2 or 3) and returns a sub-reader over the vector;
 * the vector must lie wholly inside r. */
struct rd rd_vec(struct rd *r, unsigned lenbytes);

struct wr {
	uint8_t *p;
	size_t len, cap;
	bool err;
};

static inline struct wr wr_init(uint8_t *buf, size_t cap)
{
	struct wr w = { buf, 0, cap, false };
	return w;
}

/* A writer that writes nothing and counts: len is the size the same calls would write (the
 * bytes given to it are not read, so they may be NULL). */
static inline struct wr wr_counter(void)
{
	return wr_init(NULL, SIZE_MAX);
}

void wr_u8(struct wr *w, uint8_t v);
void wr_u16(struct wr *w, uint16_t v);
void wr_u24(struct wr *w, uint32_t v);
void wr_u32(struct wr *w, uint32_t v);
void wr_u48(struct wr *w, uint64_t v);
void wr_bytes(struct wr *w, const void *p, size_t n);
/* Reserve n bytes and return where they start (NULL and err when they do not fit). */
uint8_t *wr_reserve(struct wr *w, size_t n);
/* Open a vector with a lenbytes length prefix; returns the mark to close it with. */
size_t wr_open_vec(struct wr *w, unsigned lenbytes);
/* Patch the length of the vector opened at mark (err if it overflows the prefix). */
void wr_close_vec(struct wr *w, size_t mark, unsigned lenbytes);

#endif
