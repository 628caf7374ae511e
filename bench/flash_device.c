/*
 * bench/flash_device.c — the device programs bench/flash.sh links for Cortex-M to measure flash
 * and static RAM. One variant per build:
 *   -DFLASH_DTLS_PSK    DTLS 1.2 client, PSK, TLS_PSK_WITH_AES_128_CCM_8 only
 *   -DFLASH_DTLS_CERT   DTLS 1.2 client, ECDHE-ECDSA with certificates (own chain and trust
 *                       anchor as DER in memory, X.509 verification), AES_128_CCM_8 only
 *   -DFLASH_EAP_PEER    EAP-TLS peer (eap_tls.h) over TLS 1.2 with the same certificates
 * The certificate variants include flash_creds.h, which flash.sh makes from the test PKI
 * (flash_cert, flash_key, flash_anchor: DER). Each main configures, creates the connection and
 * drives it through feed, output, timer and application data, so the whole handshake path is
 * linked; it is never run.
 * The radio, the TRNG and the clock are stand-in volatile variables: no OS is needed.
 * With -DFLASH_HOST the same configuration is built on the host instead and the program prints
 * the heap it allocates per connection (eiot_conn_size), with the library's defaults and with
 * the small-record settings the device uses.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "eap_iot/config.h"
#include "eap_iot/conn.h"
#include "eap_iot/eap_tls.h"

#if defined(FLASH_DTLS_PSK)
#define FLASH_DTLS 1
#define FLASH_SUITE EIOT_PSK_WITH_AES_128_CCM_8
#elif defined(FLASH_DTLS_CERT)
#define FLASH_DTLS 1
#define FLASH_SUITE EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8
#elif defined(FLASH_EAP_PEER)
#define FLASH_DTLS 0
#define FLASH_SUITE EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8
#else
#error "define FLASH_DTLS_PSK, FLASH_DTLS_CERT or FLASH_EAP_PEER"
#endif

#if defined(FLASH_DTLS_PSK)
#define FLASH_TIME EIOT_TIME_NONE /* no certificate: no dates to check */
#else
#define FLASH_TIME EIOT_TIME_CALLBACK
#include "flash_creds.h"
#endif

/* Device settings: records of at most 1 KiB both ways (max_fragment_length offered), handshake
 * messages and EAP-TLS messages of at most 4 KiB, one 1280-byte datagram or EAP packet. */
#define DEV_RECORD 1024
#define DEV_HANDSHAKE 4096
#define DEV_EAP_MESSAGE 4096
#define DEV_PACKET 1280

/* Stand-ins for the MCU's peripherals. */
static volatile uint32_t trng_data;
static volatile uint32_t rtc_seconds;

static int dev_random(void *user, uint8_t *out, size_t n)
{
	(void)user;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)trng_data;
	return 0;
}

static int64_t dev_time(void *user)
{
	(void)user;
	return (int64_t)rtc_seconds;
}

static int configure(struct eiot_config *cfg, bool small)
{
	static const uint16_t suites[] = { FLASH_SUITE };
	int err = eiot_config_set_suites(cfg, suites, 1);

	eiot_config_set_random(cfg, dev_random, NULL);
#if defined(FLASH_DTLS_PSK)
	static const uint8_t identity[] = "device1";
	static const uint8_t psk[16] = { 0x01, 0x02, 0x03, 0x04 };
	if (!err)
		err = eiot_config_set_psk(cfg, identity, sizeof(identity) - 1, psk, sizeof(psk));
#else
	const uint8_t *certs[1] = { flash_cert };
	const size_t lens[1] = { sizeof(flash_cert) };
	if (!err)
		err = eiot_config_set_own_cert_der(cfg, certs, lens, 1, flash_key, sizeof(flash_key));
	if (!err)
		err = eiot_config_add_trust_der(cfg, flash_anchor, sizeof(flash_anchor));
	if (!err)
		err = eiot_config_set_server_name(cfg, "aaa.example.com");
#endif
	if (!err)
		err = eiot_config_set_time(cfg, FLASH_TIME, dev_time, NULL);
	if (small) {
		if (!err)
			err = eiot_config_set_max_record(cfg, DEV_RECORD);
		if (!err)
			err = eiot_config_set_max_fragment_length(cfg, DEV_RECORD);
		if (!err)
			err = eiot_config_set_max_handshake(cfg, DEV_HANDSHAKE);
#if FLASH_DTLS
		if (!err)
			err = eiot_config_set_mtu(cfg, DEV_PACKET);
#endif
	}
	return err;
}

static struct eiot_config *make_config(bool small)
{
	struct eiot_config *cfg = eiot_config_new(EIOT_CLIENT, FLASH_DTLS ? EIOT_DTLS : EIOT_TLS);
	if (cfg && configure(cfg, small) != EIOT_OK) {
		eiot_config_free(cfg);
		return NULL;
	}
	return cfg;
}

#if defined(FLASH_HOST)
#include <stdio.h>

#include "eap/eap_tls_int.h" /* sizeof(struct eiot_eap_tls): the EAP-TLS allocation */

static size_t heap_of(bool small)
{
	struct eiot_config *cfg = make_config(small);
	if (!cfg)
		return 0;
	size_t n = eiot_conn_size(cfg);
#if defined(FLASH_EAP_PEER)
	size_t msg = small ? DEV_EAP_MESSAGE : EIOT_EAP_DEFAULT_MAX_MESSAGE;
	n += sizeof(struct eiot_eap_tls) + 2 * msg + EIOT_EAP_DEFAULT_FRAGMENT + 10;
#endif
	eiot_config_free(cfg);
	return n;
}

int main(void)
{
	size_t def = heap_of(false), dev = heap_of(true);
	if (!def || !dev) {
		fprintf(stderr, "flash_device: the configuration was refused\n");
		return 1;
	}
	printf("%zu %zu\n", def, dev);
	return 0;
}

#else /* the device program */

static volatile uint32_t tick_ms;
static volatile uint8_t radio_fifo[DEV_PACKET];
static volatile size_t radio_len;

static uint64_t now_ms(void)
{
	return tick_ms;
}

static size_t radio_recv(uint8_t *buf, size_t cap)
{
	size_t n = radio_len;
	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++)
		buf[i] = radio_fifo[i];
	radio_len = 0;
	return n;
}

static void radio_send(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len && i < DEV_PACKET; i++)
		radio_fifo[i] = buf[i];
	radio_len = len;
}

#if FLASH_DTLS
/* Send everything the connection has queued, one datagram per call. */
static void drain(struct eiot_conn *c, uint8_t *buf)
{
	size_t len = 0;
	while (eiot_conn_output(c, buf, DEV_PACKET, &len) == EIOT_OK && len > 0)
		radio_send(buf, len);
}

int main(void)
{
	static const uint8_t hello[] = "hello";
	uint8_t buf[DEV_PACKET];
	size_t len = 0;

	struct eiot_config *cfg = make_config(true);
	if (!cfg)
		return 1;
	struct eiot_conn *c = eiot_conn_new(cfg, now_ms());
	if (!c) {
		eiot_config_free(cfg);
		return 1;
	}
	drain(c, buf);
	while (eiot_conn_state(c) == EIOT_STATE_HANDSHAKE) {
		len = radio_recv(buf, sizeof(buf));
		if (len > 0)
			eiot_conn_feed(c, buf, len, now_ms());
		if (now_ms() >= eiot_conn_next_timer(c))
			eiot_conn_tick(c, now_ms());
		drain(c, buf);
	}
	if (eiot_conn_state(c) == EIOT_STATE_ESTABLISHED) {
		eiot_conn_write(c, hello, sizeof(hello) - 1, &len);
		drain(c, buf);
		len = radio_recv(buf, sizeof(buf));
		if (len > 0 && eiot_conn_feed(c, buf, len, now_ms()) == EIOT_OK)
			eiot_conn_read(c, buf, sizeof(buf), &len);
		eiot_conn_close(c);
		drain(c, buf);
	}
	int err = eiot_conn_error(c);
	eiot_conn_free(c);
	eiot_config_free(cfg);
	return err != EIOT_OK;
}

#else /* EAP-TLS peer */

int main(void)
{
	static const struct eiot_eap_tls_opts opts = { .max_message = DEV_EAP_MESSAGE };
	uint8_t in[DEV_PACKET], out[DEV_PACKET];
	struct eiot_eap_keys keys;
	size_t len = 0;

	struct eiot_config *cfg = make_config(true);
	if (!cfg)
		return 1;
	struct eiot_eap_tls *e = eiot_eap_tls_new(cfg, &opts, now_ms());
	if (!e) {
		eiot_config_free(cfg);
		return 1;
	}
	while (eiot_eap_tls_status(e) == EIOT_EAP_CONTINUE ||
	       eiot_eap_tls_status(e) == EIOT_EAP_TLS_DONE) {
		size_t n = radio_recv(in, sizeof(in));
		if (n == 0)
			continue;
		eiot_eap_tls_process(e, in, n, now_ms(), out, sizeof(out), &len);
		if (len > 0)
			radio_send(out, len);
	}
	int ok = eiot_eap_tls_status(e) == EIOT_EAP_SUCCESS && eiot_eap_tls_keys(e, &keys) == EIOT_OK;
	if (ok)
		radio_send(keys.msk, sizeof(keys.msk)); /* to the link layer */
	memset(&keys, 0, sizeof(keys));
	eiot_eap_tls_free(e);
	eiot_config_free(cfg);
	return !ok;
}

#endif
#endif
