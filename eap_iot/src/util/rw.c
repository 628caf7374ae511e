/* util/rw.c — see util/rw.h */
#include "util/rw.h"

#include <string.h>

#include "util/bytes.h"

/* see util/rw.h */
const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	if (r->err || rd_left(r) < n) {
		r->err = true;
		r->p = r->end;
		return NULL;
	}
	const uint8_t *p = r->p;
	r->p += n;
	return p;
}

uint8_t rd_u8(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 1);
	return p ? p[0] : 0;
}

uint16_t rd_u16(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 2);
	return p ? ld_be16(p) : 0;
}

uint32_t rd_u24(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 3);
	return p ? ld_be24(p) : 0;
}

uint32_t rd_u32(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 4);
	return p ? ld_be32(p) : 0;
}

/* see util/rw.h */
struct rd rd_vec(struct rd *r, unsigned lenbytes)
{
	size_t n = lenbytes == 1 ? rd_u8(r) : lenbytes == 2 ? rd_u16(r) : rd_u24(r);
	const uint8_t *p = rd_bytes(r, n);
	struct rd sub = rd_init(p ? p : r->end, p ? n : 0);
	sub.err = r->err;
	return sub;
}

/* see util/rw.h */
uint8_t *wr_reserve(struct wr *w, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = true;
		return NULL;
	}
	if (!w->p) { /* wr_counter */
		w->len += n;
		return NULL;
	}
	uint8_t *p = w->p + w->len;
	w->len += n;
	return p;
}

void wr_bytes(struct wr *w, const void *src, size_t n)
{
	uint8_t *p = wr_reserve(w, n);
	if (p && n)
		memcpy(p, src, n);
}

void wr_u8(struct wr *w, uint8_t v)
{
	uint8_t *p = wr_reserve(w, 1);
	if (p)
		p[0] = v;
}

void wr_u16(struct wr *w, uint16_t v)
{
	uint8_t *p = wr_reserve(w, 2);
	if (p)
		st_be16(p, v);
}

void wr_u24(struct wr *w, uint32_t v)
{
	uint8_t *p = wr_reserve(w, 3);
	if (p)
		st_be24(p, v);
}

void wr_u32(struct wr *w, uint32_t v)
{
	uint8_t *p = wr_reserve(w, 4);
	if (p)
		st_be32(p, v);
}

void wr_u48(struct wr *w, uint64_t v)
{
	uint8_t *p = wr_reserve(w, 6);
	if (p)
		st_be48(p, v);
}

/* see util/rw.h */
size_t wr_open_vec(struct wr *w, unsigned lenbytes)
{
	size_t mark = w->len;
	wr_reserve(w, lenbytes);
	return mark;
}

/* see util/rw.h */
void wr_close_vec(struct wr *w, size_t mark, unsigned lenbytes)
{
	if (w->err)
		return;
	size_t n = w->len - mark - lenbytes;
	if (n >= ((size_t)1 << (8 * lenbytes))) {
		w->err = true;
		return;
	}
	if (!w->p)
		return;
	uint8_t *p = w->p + mark;
	if (lenbytes == 1)
		p[0] = (uint8_t)n;
	else if (lenbytes == 2)
		st_be16(p, (uint16_t)n);
	else
		st_be24(p, (uint32_t)n);
}
