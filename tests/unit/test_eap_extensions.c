/*
 * tests/unit/test_eap_extensions.c — the size-saving extensions under EAP-TLS, in memory: our
 * peer against our EAP-TLS server with a full mutual-certificate handshake, then with
 * cached_info (RFC 7924), then with cached_info and a client certificate URL (RFC 6066 §5),
 * at fragment sizes 1398, 300 and 100. Each must succeed; the server's bytes shrink with
 * cached_info, the peer's with the URL, and the round trips never grow. The measured rows
 * are printed (EIOT_TEST_TABLE=1) for the README table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "eap_iot/eap_iot.h"
#include "mem_cache.h"
#include "pump.h"
#include "tmpdir.h"

#define MAXPKT (0xFFFF + 16)

static uint8_t req[MAXPKT], resp[MAXPKT];


struct row {
	unsigned round_trips;
	size_t peer_bytes, server_bytes;
};

static int det_random(void *user, uint8_t *out, size_t n)
{
	uint64_t *s = user;
	for (size_t i = 0; i < n; i++) {
		*s ^= *s >> 12;
		*s ^= *s << 25;
		*s ^= *s >> 27;
		out[i] = (uint8_t)((*s * 0x2545F4914F6CDD1DULL) >> 56);
	}
	return 0;
}

/* One EAP-TLS authentication in lockstep; both sides must end in SUCCESS. */
static void authenticate(struct eiot_config *pc, struct eiot_config *sc, size_t frag, struct row *r)
{
	uint64_t seed[2] = { 11, 12 };
	eiot_config_set_random(pc, det_random, &seed[0]);
	eiot_config_set_random(sc, det_random, &seed[1]);
	struct eiot_eap_tls_opts o = { .fragment_size = frag };
	struct eiot_eap_tls *peer = eiot_eap_tls_new(pc, &o, 0), *srv = eiot_eap_tls_new(sc, &o, 0);
	assert_non_null(peer);
	assert_non_null(srv);
	size_t req_len, resp_len;
	assert_int_equal(eiot_eap_server_start(srv, 1, req, MAXPKT, &req_len), EIOT_OK);
	for (int step = 0; step < 1000; step++) {
		assert_int_equal(eiot_eap_tls_process(peer, req, req_len, 0, resp, MAXPKT, &resp_len),
				 EIOT_OK);
		if (req[0] == EIOT_EAP_CODE_SUCCESS)
			break;
		assert_true(resp_len > 0);
		assert_int_equal(eiot_eap_tls_process(srv, resp, resp_len, 0, req, MAXPKT, &req_len),
				 EIOT_OK);
	}
	assert_int_equal(eiot_eap_tls_status(peer), EIOT_EAP_SUCCESS);
	assert_int_equal(eiot_eap_tls_status(srv), EIOT_EAP_SUCCESS);
	struct eiot_eap_stats st;
	eiot_eap_tls_stats(peer, &st);
	r->round_trips = st.round_trips;
	r->peer_bytes = st.bytes_out;
	r->server_bytes = st.bytes_in;
	eiot_eap_tls_free(peer);
	eiot_eap_tls_free(srv);
}

static void print_row(const char *what, size_t frag, const struct row *r)
{
	if (getenv("EIOT_TEST_TABLE"))
		printf("| %-28s | %4zu | %2u | %5zu | %5zu |\n", what, frag, r->round_trips,
		       r->peer_bytes, r->server_bytes);
}

static void check_fragment(size_t frag)
{
	char dir[] = "/tmp/eiot_eapx_XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/device.pem", dir);
	FILE *in = fopen(pump_pki("device.pem"), "rb"), *out = fopen(path, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf), in);
	assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
	struct eiot_dir_resolver *res = eiot_dir_resolver_new(dir);
	assert_non_null(res);
	struct mem_cache *mc = calloc(1, sizeof(*mc));
	assert_non_null(mc);

	struct eiot_config *pc = pump_cfg_cert_client(EIOT_TLS, true);
	struct eiot_config *sc = pump_cfg_cert_server(EIOT_TLS, "server", true);
	assert_int_equal(eiot_config_set_verify_client(sc, EIOT_VERIFY_REQUIRED), EIOT_OK);
	assert_int_equal(eiot_config_set_cached_info(sc, false), EIOT_OK);
	struct row plain, ci, ci_url;
	authenticate(pc, sc, frag, &plain);
	print_row("mutual certificates", frag, &plain);

	assert_int_equal(eiot_config_set_cached_info(sc, true), EIOT_OK);
	assert_int_equal(eiot_config_set_cert_cache(pc, &mem_cache_ops, mc), EIOT_OK);
	authenticate(pc, sc, frag, &ci); /* fills the cache */
	assert_true(mc->len > 300);
	authenticate(pc, sc, frag, &ci);
	print_row("+ cached_info", frag, &ci);
	assert_true(ci.server_bytes + 300 < plain.server_bytes);
	assert_true(ci.round_trips <= plain.round_trips);

	assert_int_equal(eiot_config_set_own_cert_url(pc, "http://aaa.example.com/d/device.pem"),
			 EIOT_OK);
	assert_int_equal(eiot_config_set_cert_url_resolver(sc, &eiot_dir_resolver_ops, res), EIOT_OK);
	authenticate(pc, sc, frag, &ci_url);
	print_row("+ cached_info + cert URL", frag, &ci_url);
	assert_true(ci_url.peer_bytes + 200 < ci.peer_bytes);
	assert_true(ci_url.round_trips <= ci.round_trips);
	assert_int_equal(eiot_config_set_cert_cache(pc, NULL, NULL), EIOT_OK);

	eiot_config_free(pc);
	eiot_config_free(sc);
	eiot_dir_resolver_free(res);
	free(mc);
	tmpdir_remove(dir);
}

static void test_fragment_1398(void **state)
{
	(void)state;
	check_fragment(1398);
}

static void test_fragment_300(void **state)
{
	(void)state;
	check_fragment(300);
}

static void test_fragment_100(void **state)
{
	(void)state;
	check_fragment(100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragment_1398),
		cmocka_unit_test(test_fragment_300),
		cmocka_unit_test(test_fragment_100),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
