/*
 * util/file.h — a whole credential file into memory (the only file reading the engine does;
 * a device without a file system never links it).
 */
#ifndef EIOT_UTIL_FILE_H
#define EIOT_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Read path into a new buffer with a NUL after its len bytes (PEM parsers need it). Files
 * that are empty, over max bytes or unreadable are EIOT_ERR_FILE; EIOT_ERR_NO_MEMORY. The
 * caller wipes (keys) and frees *out. */
int util_read_file(const char *path, size_t max, uint8_t **out, size_t *len);

#endif
