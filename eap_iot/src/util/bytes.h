/*
 * util/bytes.h — explicit byte order, constant-time compare, zeroize.
 * Wire bytes are never overlaid by structs; every multi-byte field goes through these.
 */
#ifndef EIOT_UTIL_BYTES_H
#define EIOT_UTIL_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t ld_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t ld_be24(const uint8_t *p)
{
	return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}
static inline uint32_t ld_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t ld_be48(const uint8_t *p)
{
	return ((uint64_t)ld_be16(p) << 32) | ld_be32(p + 2);
}
static inline uint64_t ld_be64(const uint8_t *p)
{
	return ((uint64_t)ld_be32(p) << 32) | ld_be32(p + 4);
}
static inline void st_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void st_be24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}
static inline void st_be32(uint8_t *p, uint32_t v)
{
	st_be16(p, (uint16_t)(v >> 16));
	st_be16(p + 2, (uint16_t)v);
}
static inline void st_be48(uint8_t *p, uint64_t v)
{
	st_be16(p, (uint16_t)(v >> 32));
	st_be32(p + 2, (uint32_t)v);
}
static inline void st_be64(uint8_t *p, uint64_t v)
{
	st_be32(p, (uint32_t)(v >> 32));
	st_be32(p + 4, (uint32_t)v);
}

/* 1 when a[0..n) == b[0..n), in time that depends only on n (MACs, Finished, cookies). */
int eiot_ct_eq(const void *a, const void *b, size_t n);

/* Overwrite secrets in a way the compiler keeps. */
void eiot_zeroize(void *p, size_t n);

#endif
