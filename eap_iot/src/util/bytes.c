/* util/bytes.c — see util/bytes.h */
#include "util/bytes.h"

#include <string.h>

/* see util/bytes.h */
int eiot_ct_eq(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (uint8_t)(x[i] ^ y[i]);
	return diff == 0;
}

/* see util/bytes.h */
void eiot_zeroize(void *p, size_t n)
{
	if (n == 0)
		return;
	/* memset at memset's speed (a connection is tens of KB), then a barrier that tells the
	 * compiler the bytes are used, so the stores to memory about to be freed stay. */
	memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
