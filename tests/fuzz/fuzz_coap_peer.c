/*
 * tests/fuzz/fuzz_coap_peer.c — libFuzzer harness for CoAP's message layer (coap/coap_peer.c):
 * a server-side peer fed arbitrary datagrams.
 *
 * Input: a sequence of [1-byte clock step in seconds][2-byte length][datagram]. Every request
 * the peer reports is answered (piggybacked or, for every third one, with an Empty ACK first
 * and then a separate response); the timer is run when due; output is drained after each call.
 * Nothing may crash, read out of bounds or leak (ASan); that a duplicate is never delivered twice
 * is tests/unit/test_coap_peer.c's job (the dedup table is bounded, so the fuzzer can evict).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eap_iot/coap.h"
#include "eap_iot/err.h"
#include "det_random.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(struct eiot_coap_peer *p)
{
	static uint8_t buf[2048];
	size_t len;
	while (eiot_coap_peer_output(p, buf, sizeof(buf), &len) == EIOT_OK && len)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eiot_coap_params prm;
	eiot_coap_params_default(&prm);
	prm.dedup_entries = 4;
	det_random_seed(1);
	struct eiot_coap_peer *p = eiot_coap_peer_new(&prm, det_random, NULL);
	if (!p)
		abort();
	uint64_t now = 0;
	unsigned n_req = 0;
	while (size >= 3) {
		now += (uint64_t)data[0] * 1000;
		size_t len = (size_t)data[1] << 8 | data[2];
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		struct eiot_coap_event ev, tev;
		eiot_coap_peer_receive(p, data, len, now, &ev);
		drain(p);
		if (ev.kind == EIOT_COAP_EV_REQUEST) {
			struct eiot_coap_msg r;
			eiot_coap_msg_init(&r, EIOT_COAP_ACK, EIOT_COAP_CONTENT, 0);
			eiot_coap_set_token(&r, ev.msg.token, ev.msg.token_len);
			if (++n_req % 3 == 0 && ev.msg.type == EIOT_COAP_CON)
				eiot_coap_peer_ack(p, &ev.msg, now);
			drain(p);
			eiot_coap_peer_respond(p, &ev.msg, &r, now);
			drain(p);
		}
		for (int k = 0; k < 16 && eiot_coap_peer_next_timer(p) <= now; k++) {
			eiot_coap_peer_tick(p, now, &tev);
			drain(p);
		}
		data += len;
		size -= len;
	}
	eiot_coap_peer_free(p);
	return 0;
}
