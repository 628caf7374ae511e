/*
 * store/file_cache.h — internals of the file-backed cached_info store (eap_iot/stores.h) that
 * the unit test and the fuzzer reach: the file image codec.
 *
 * Image (all integers big-endian):
 *   "EICI" | version (1) = 1 | count (2) |
 *   count x { key_len (1) 1..253 | key (no NUL) | value_len (2) 1..16384 | value } |
 *   SHA-256 of everything before it (32)
 * Entries are in the order they were stored, least recently stored first; keys are unique.
 */
#ifndef EIOT_STORE_FILE_CACHE_H
#define EIOT_STORE_FILE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "eap_iot/stores.h"

#define FC_MAGIC "EICI"
#define FC_VERSION 1
#define FC_HDR_LEN 7
#define FC_SUM_LEN 32
#define FC_KEY_MAX 253 /* a DNS name (RFC 1035 §2.3.4) */
#define FC_MAX_ENTRIES 1024
#define FC_MAX_BYTES ((size_t)FC_MAX_ENTRIES * EIOT_CERT_CACHE_MAX_VALUE)

/* Replace fc's (empty) contents with the entries of img. When the image holds more than fc's
 * bounds allow, the least recently stored entries are dropped. EIOT_ERR_FILE when anything in
 * it does not verify (fc stays empty), EIOT_ERR_NO_MEMORY. */
int fc_parse_image(struct eiot_file_cache *fc, const uint8_t *img, size_t n);

/* The image of fc's entries, in a buffer the caller frees. */
int fc_image(const struct eiot_file_cache *fc, uint8_t **img, size_t *n);

#endif
