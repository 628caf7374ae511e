/* util/keylog.c — see util/keylog.h (NSS key log format: "CLIENT_RANDOM <cr> <ms>"). */
#include "util/keylog.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/bytes.h"
#include "util/log.h"

#define KEYLOG_LABEL "CLIENT_RANDOM "
#define KEYLOG_LINE (sizeof(KEYLOG_LABEL) - 1 + 64 + 1 + 96 + 1)

static size_t put_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	return 2 * n;
}

/* see util/keylog.h */
void keylog_write(const struct eiot_config *cfg, const char *path, const uint8_t client_random[32],
		  const uint8_t master_secret[48])
{
	char line[KEYLOG_LINE];
	size_t n = sizeof(KEYLOG_LABEL) - 1;

	memcpy(line, KEYLOG_LABEL, n);
	n += put_hex(line + n, client_random, 32);
	line[n++] = ' ';
	n += put_hex(line + n, master_secret, 48);
	line[n++] = '\n';

	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		EIOT_LOG(cfg, EIOT_LOG_WARN, "keylog: cannot open %s: %s", path, strerror(errno));
	} else {
		ssize_t w = write(fd, line, n);
		if (w < 0 || (size_t)w != n)
			EIOT_LOG(cfg, EIOT_LOG_WARN, "keylog: short write to %s", path);
		close(fd);
	}
	eiot_zeroize(line, sizeof(line));
}
