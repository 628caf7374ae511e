/*
 * device/psk_client.c — a DTLS 1.2 PSK device on QEMU mps2-an386 (Cortex-M4), eap_iot's
 * psk-client profile (TLS_PSK_WITH_AES_128_CCM_8, RFC 7925): a full handshake with a real
 * server, one CoAP-sized message sent and its echo read back, close_notify. The link, the run
 * and the measurements are device/app_common.c's; tests/device/qemu_psk.sh runs it.
 */
#include <stdint.h>

#include "app_common.h"

/* A PSK handshake's messages are short (no certificates). */
#define MAX_HANDSHAKE 256

/* The test credential; tests/device/qemu_psk.sh gives iot-tls the same. */
static const uint8_t psk_identity[] = "qemu-m4";
static const uint8_t psk_key[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

static int configure(struct eiot_config *cfg)
{
	static const uint16_t suites[] = { EIOT_PSK_WITH_AES_128_CCM_8 };
	int err = eiot_config_set_suites(cfg, suites, 1);

	if (err)
		return err;
	return eiot_config_set_psk(cfg, psk_identity, sizeof(psk_identity) - 1, psk_key,
				   sizeof(psk_key));
}

int main(void)
{
	static const struct app app = { "psk_client", MAX_HANDSHAKE, configure };

	return app_main(&app);
}
