/*
 * tests/fuzz/fuzz_x509.c — libFuzzer harness for the peer certificate check (tls/creds.c over
 * crypto/x509_mbedtls.c) with one arbitrary certificate.
 *
 * Input: one option byte, then the DER certificate. Option bits: 0 = the peer is a server
 * (name check) else a client (EUI-64 extraction); 1 = also trust the certificate itself, so
 * that a parsable one gets through the chain check to the name, EUI-64 and key code; 2..5 =
 * name policy flags; 6 = clock-less mode (else the clock reads 2030-01-01). Success must
 * leave a usable peer key; failure must leave none.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tls/config_int.h"
#include "tls/creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t time_2030(void *user)
{
	(void)user;
	return 1893456000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t opt = data[0];
	const uint8_t *der = data + 1;
	size_t len = size - 1;
	bool peer_is_server = opt & 0x01;

	struct eiot_config *cfg = eiot_config_new(peer_is_server ? EIOT_CLIENT : EIOT_SERVER, EIOT_TLS);
	if (!cfg)
		return 0;
	if (eiot_config_set_server_name(cfg, "aaa.example.com") != 0 ||
	    eiot_config_set_name_policy(cfg, (opt >> 2) & 0x0f) != 0)
		abort();
	if (opt & 0x40)
		eiot_config_set_time(cfg, EIOT_TIME_NONE, NULL, NULL);
	else
		eiot_config_set_time(cfg, EIOT_TIME_CALLBACK, time_2030, NULL);
	if (opt & 0x02)
		eiot_config_add_trust_der(cfg, der, len); /* refused when it does not parse */

	struct eiot_pkey key;
	uint8_t eui64[8];
	bool has_eui64;
	const uint8_t *certs[1] = { der };
	int err = creds_verify_peer(cfg, certs, &len, 1, peer_is_server, &key, eui64, &has_eui64,
				    NULL);
	if (err == 0) {
		if (!key.ready)
			abort();
		eiot_pkey_free(&key);
	} else if (key.ready || err >= EIOT_ERR__COUNT) {
		abort();
	}
	eiot_config_free(cfg);
	return 0;
}
