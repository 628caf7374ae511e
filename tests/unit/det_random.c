/* tests/unit/det_random.c — see det_random.h (a 64-bit linear congruential generator). */
#include "det_random.h"

static uint64_t shared = 1;

void det_random_seed(uint64_t seed)
{
	shared = seed;
}

int det_random(void *user, uint8_t *out, size_t n)
{
	uint64_t *s = user ? user : &shared;
	for (size_t i = 0; i < n; i++) {
		*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
		out[i] = (uint8_t)(*s >> 56);
	}
	return 0;
}
