/*
 * device/cert_client.c — a DTLS 1.2 certificate device on QEMU mps2-an386 (Cortex-M4),
 * eap_iot's cert-client profile (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with X.509, RFC 7925 §4.4):
 * a full handshake with mutual authentication against a real server, one CoAP-sized message
 * sent and its echo read back, close_notify. The link, the run and the measurements are
 * device/app_common.c's; tests/device/qemu_cert.sh runs it.
 *
 * Credentials come from the test PKI (configs/pki/make_pki.sh) as DER in flash, the way a
 * device holds them: the device's certificate and P-256 key and the root that signs the
 * server's certificate. device/test_pki.S takes them from BUILD/pki at build time, so no key
 * is committed.
 */
#include <stdint.h>

#include "app_common.h"

/* device/test_pki.S: DER, each from NAME to NAME_end */
extern const uint8_t pki_device_cert[], pki_device_cert_end[];
extern const uint8_t pki_device_key[], pki_device_key_end[];
extern const uint8_t pki_ca_cert[], pki_ca_cert_end[];

/* The server's Certificate (one 492-byte leaf) fits in the smallest limit a certificate build
 * takes (eap_iot/config.h: 1024). */
#define MAX_HANDSHAKE 1024
/* The reference name of the test PKI's server certificate (its one SAN dNSName). */
#define SERVER_NAME "aaa.example.com"

/*
 * Time: the board has no wall clock (the FPGAIO counter counts from boot), so validity dates
 * are not checked (EIOT_TIME_NONE, the library's clock-less mode; everything else in the chain
 * is). A clock frozen at the build date would only pretend to check: it would accept a
 * certificate that expired after the build and refuse one that became valid after it.
 */
static int configure(struct eiot_config *cfg)
{
	static const uint16_t suites[] = { EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8 };
	const uint8_t *const certs[1] = { pki_device_cert };
	const size_t lens[1] = { (size_t)(pki_device_cert_end - pki_device_cert) };
	int err;

	if ((err = eiot_config_set_suites(cfg, suites, 1)) ||
	    (err = eiot_config_set_own_cert_der(cfg, certs, lens, 1, pki_device_key,
						(size_t)(pki_device_key_end - pki_device_key))) ||
	    (err = eiot_config_add_trust_der(cfg, pki_ca_cert,
					     (size_t)(pki_ca_cert_end - pki_ca_cert))) ||
	    (err = eiot_config_set_server_name(cfg, SERVER_NAME)))
		return err;
	return eiot_config_set_time(cfg, EIOT_TIME_NONE, NULL, NULL);
}

int main(void)
{
	static const struct app app = { "cert_client", MAX_HANDSHAKE, configure };

	return app_main(&app);
}
