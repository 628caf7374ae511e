/* util/log.c — see util/log.h */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "tls/config_int.h"

/* see util/log.h */
void eiot_log(const struct eiot_config *cfg, enum eiot_log_level level, const char *fmt, ...)
{
	if (!cfg || !cfg->log_fn || level > cfg->log_level)
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	cfg->log_fn(cfg->log_user, level, line);
}
