/*
 * tests/fuzz/fuzz_coaps_server.c — libFuzzer harness for a whole CoAPS server endpoint
 * (coap/coaps_server.c over the engine): arbitrary datagrams from four source addresses (two
 * sharing an IP address) into a table of two peers, with the clock moving.
 *
 * Input: a sequence of [1 byte: source (low 2 bits) and clock step in 100 ms (high 6 bits)]
 * [2-byte length][datagram]. Cookies are off, so a ClientHello-shaped datagram makes a peer
 * at once (the table, the rate limit and handshake parsing are reached); after each datagram
 * the output is drained and the timer run when due. Nothing may crash, leak or hang.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eap_iot/coap_server.h"
#include "eap_iot/eap_iot.h"
#include "det_random.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int answer(void *user, const struct eiot_coap_request *req, struct eiot_coap_response *resp)
{
	(void)user;
	(void)req;
	resp->payload_len = 0;
	return 0;
}

static void drain(struct eiot_coaps_server *srv)
{
	static uint8_t buf[2048];
	struct sockaddr_in to;
	size_t len, tl;
	while (eiot_coaps_server_output(srv, buf, sizeof(buf), &len, &to, &tl) == EIOT_OK && len)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t id[] = "dev", key[16] = "0123456789abcdef";
	det_random_seed(1);
	struct eiot_config *cfg = eiot_config_new(EIOT_SERVER, EIOT_DTLS);
	if (!cfg)
		abort();
	eiot_config_set_random(cfg, det_random, NULL);
	if (eiot_config_add_psk(cfg, id, 3, key, sizeof(key)) || eiot_config_set_cookie(cfg, false))
		abort();
	struct eiot_coaps_server_params p;
	eiot_coaps_server_params_default(&p);
	p.max_peers = 2;
	p.idle_timeout_ms = 5000;
	p.handshakes_per_s = 2;
	p.handshake_burst = 3;
	struct eiot_coaps_server *srv = eiot_coaps_server_new(cfg, &p, 0);
	struct eiot_coap_resource r = { .path = "x", .methods = EIOT_COAP_METHOD(EIOT_COAP_GET), .handler = answer };
	if (!srv || eiot_coaps_server_add_resource(srv, &r))
		abort();
	uint64_t now = 0;
	while (size >= 3) {
		struct sockaddr_in from = { .sin_family = AF_INET };
		from.sin_addr.s_addr = htonl(0x0a000001u + ((data[0] & 3) >> 1));
		from.sin_port = htons((uint16_t)(5000 + (data[0] & 1)));
		now += (uint64_t)(data[0] >> 2) * 100;
		size_t len = (size_t)data[1] << 8 | data[2];
		data += 3, size -= 3;
		if (len > size)
			len = size;
		eiot_coaps_server_feed(srv, &from, sizeof(from), data, len, now);
		drain(srv);
		if (eiot_coaps_server_next_timer(srv) <= now)
			eiot_coaps_server_tick(srv, now);
		drain(srv);
		data += len, size -= len;
	}
	eiot_coaps_server_shutdown(srv);
	drain(srv);
	eiot_coaps_server_free(srv);
	eiot_config_free(cfg);
	return 0;
}
