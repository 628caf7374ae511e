/*
 * tests/unit/det_random.h — a deterministic random source for tests (eiot_random_fn and
 * eiot_coap_random_fn shape): the same bytes on every run from the same seed. Not random.
 */
#ifndef EIOT_TESTS_DET_RANDOM_H
#define EIOT_TESTS_DET_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* user: a uint64_t state (NULL: one shared state, reset by det_random_seed). */
int det_random(void *user, uint8_t *out, size_t n);
void det_random_seed(uint64_t seed);

#endif
