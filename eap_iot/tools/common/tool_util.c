/*
 * tools/common/tool_util.c — see tool_util.h.
 */
#include "tool_util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "eap_iot/eap_iot.h"

uint64_t tool_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

long tool_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; s[0]; s += 2) {
		unsigned b;
		if (!s[1] || n == cap || sscanf(s, "%2x", &b) != 1)
			return -1;
		out[n++] = (uint8_t)b;
	}
	return (long)n;
}

int tool_set_suites(struct eiot_config *cfg, const char *list, const char **bad)
{
	static char copy[256];
	uint16_t ids[16];
	size_t n = 0;
	snprintf(copy, sizeof(copy), "%s", list);
	for (char *s = NULL, *t = strtok_r(copy, ",:", &s); t; t = strtok_r(NULL, ",:", &s)) {
		if (n == sizeof(ids) / sizeof(ids[0]) || !(ids[n++] = eiot_suite_from_name(t))) {
			*bad = t;
			return EIOT_ERR_BAD_PARAM;
		}
	}
	return eiot_config_set_suites(cfg, ids, n);
}
