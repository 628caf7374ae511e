/*
 * device/app_common.h — what the device programs (psk_client.c, cert_client.c) share on QEMU
 * mps2-an386: the framed UART link, the test random source, the run itself (full handshake, one
 * CoAP-sized message, its echo, close_notify) and the result line with the measurements. A
 * program gives its name, its largest handshake message and its suite and credentials.
 */
#ifndef DEVICE_APP_COMMON_H
#define DEVICE_APP_COMMON_H

#include <stddef.h>

#include "eap_iot/config.h"

struct app {
	const char *name;     /* the result line's first word */
	size_t max_handshake; /* eiot_config_set_max_handshake: what the program's peer sends */
	/* The program's suite and credentials on the shared configuration: EIOT_OK or the
	 * setter's error. */
	int (*configure)(struct eiot_config *cfg);
};

/*
 * Run the program: configure (link settings, test random source, then app->configure),
 * handshake, message, echo, close_notify; print one result line through semihosting. Returns
 * QEMU's exit status: 0 on success, else the failure's code (app_common.c, enum outcome).
 */
int app_main(const struct app *app);

#endif
