/*
 * tests/unit/mem_cache.h — an application's certificate cache (eap_iot/stores.h) in memory,
 * one entry: for the EAP-TLS extension tests and bench/eap_ext.c, where a file would only add
 * I/O to what is measured.
 */
#ifndef EIOT_TESTS_MEM_CACHE_H
#define EIOT_TESTS_MEM_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "eap_iot/stores.h"

struct mem_cache {
	char key[256];
	uint8_t value[EIOT_CERT_CACHE_MAX_VALUE];
	size_t len; /* 0: empty */
};

/* get: EIOT_ERR_WANT_MORE without an entry for key, EIOT_ERR_BUFFER_TOO_SMALL when it does
 * not fit; put: EIOT_ERR_BAD_PARAM for a key or value too long. user is a struct mem_cache. */
extern const struct eiot_cert_cache_ops mem_cache_ops;

#endif
