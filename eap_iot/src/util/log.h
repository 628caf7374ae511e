/*
 * util/log.h — one log line per decision, through the configuration's sink.
 * Secrets never go through here; the key log (util/keylog.h) is the only exit for them.
 */
#ifndef EIOT_UTIL_LOG_H
#define EIOT_UTIL_LOG_H

#include <stdio.h>

#include "eap_iot/config.h"

#if defined(__GNUC__)
#define EIOT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define EIOT_PRINTF(f, a)
#endif

/* Format one line and hand it to cfg's sink when level is enabled. cfg may be NULL. */
void eiot_log(const struct eiot_config *cfg, enum eiot_log_level level, const char *fmt, ...)
	EIOT_PRINTF(3, 4);

#if EIOT_WITH_LOG
#define EIOT_LOG(cfg, level, ...) eiot_log((cfg), (level), __VA_ARGS__)
#else
/* A build without log text (eap_iot/features.h): the call is type-checked and its arguments
 * count as used, but it is never made, so no format string reaches the binary. */
#define EIOT_LOG(cfg, level, ...) (0 ? eiot_log((cfg), (level), __VA_ARGS__) : (void)0)
#endif

/* A sentence for the caller to log (why a certificate failed...); in a build without log text
 * the buffer is left empty and no format string reaches the binary. */
static inline int eiot_why_none(char *buf, size_t cap)
{
	if (cap)
		buf[0] = '\0';
	return 0;
}
#if EIOT_WITH_LOG
#define EIOT_WHY(buf, cap, ...) snprintf((buf), (cap), __VA_ARGS__)
#else
#define EIOT_WHY(buf, cap, ...) (0 ? snprintf((buf), (cap), __VA_ARGS__) : eiot_why_none((buf), (cap)))
#endif

/* The error code a quiet failure returns (so a macro's value may go unused without a warning). */
static inline int eiot_quiet_err(int err)
{
	return err;
}

#endif
