/*
 * util/file.c — see util/file.h.
 */
#include "util/file.h"

#include <stdio.h>
#include <stdlib.h>

#include "eap_iot/err.h"

/* see util/file.h */
int util_read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return EIOT_ERR_FILE;
	long size = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		size = ftell(f);
	if (size <= 0 || (unsigned long)size > max || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return EIOT_ERR_FILE;
	}
	uint8_t *buf = malloc((size_t)size + 1);
	if (!buf) {
		fclose(f);
		return EIOT_ERR_NO_MEMORY;
	}
	size_t n = fread(buf, 1, (size_t)size, f);
	int bad = ferror(f) || n != (size_t)size;
	fclose(f);
	if (bad) {
		free(buf);
		return EIOT_ERR_FILE;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}
