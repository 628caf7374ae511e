/*
 * util/keylog.h — the NSS key log (for Wireshark): the only place secrets leave the library,
 * and only when the configuration names a file (eiot_config_set_keylog_file).
 */
#ifndef EIOT_UTIL_KEYLOG_H
#define EIOT_UTIL_KEYLOG_H

#include <stdint.h>

#include "eap_iot/config.h"

/* Append "CLIENT_RANDOM <64 hex> <96 hex>\n" to path in one write (O_APPEND). A failure is
 * logged as a warning; the handshake goes on. */
void keylog_write(const struct eiot_config *cfg, const char *path, const uint8_t client_random[32],
		  const uint8_t master_secret[48]);

#endif
