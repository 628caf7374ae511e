/*
 * tests/unit/test_eap_tls.c — EAP-TLS (eap/eap_tls.c, eap_peer.c, eap_server.c, eap_keys.c)
 * peer against server in memory over the engine: every fragment size (byte by byte from 64,
 * then in steps to 1500), both credential kinds, keys equal on both sides and the IV checked
 * against an independent P_SHA256; lost, repeated and stale packets; and the attacks and faults
 * RFC 5216 / RFC 3748 name (early Success, oversize L, fragment overrun, wrong type, untrusted
 * server). Resumption (RFC 5216 §2.1.3) by session ID and by ticket, with the round trips
 * counted, and the fall back to a full handshake. Credentials from $EIOT_PKI_DIR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#ifdef EIOT_CRYPTO_OPENSSL
#include <openssl/evp.h>
#include <openssl/hmac.h>
#else
#include <mbedtls/md.h>
#endif

#include "eap/eap_packet.h"
#include "eap_iot/eap_iot.h"
#include "pump.h"

#define MAXPKT (0xFFFF + 16)
enum { PEER = 0, SERVER = 1 };
enum cred { CRED_CERT, CRED_PSK, CRED_UNTRUSTED };

/* Faults the run loop injects. */
struct faults {
	unsigned lose_response;  /* every n-th response is lost: the request is resent (0 off) */
	unsigned dup_response;   /* every n-th response reaches the server twice */
	unsigned stale_request;  /* every n-th request is followed by the one before it again */
};

struct conv {
	struct eiot_config *cfg[2];
	struct eiot_eap_tls *e[2];
	uint64_t seed[2];
	size_t frag[2];
	size_t max_pkt[2];        /* largest packet each side sent */
	unsigned sent[2];         /* packets each side sent (resends included) */
	size_t bytes[2];
	unsigned exchanges;       /* request/response pairs that advanced */
	int peer_rc, server_rc;
	uint8_t last_code[2];
	size_t last_resp_len;     /* the peer's last response is in resp */
	uint64_t now;             /* the clock both sides see (ms) */
	bool length_always[2];    /* every packet with TLS data must carry L (opts.length_always) */
	unsigned with_length[2];  /* packets sent with the L flag */
	char log[8192];
};

static uint8_t req[MAXPKT], resp[MAXPKT], tmp[MAXPKT], prev_req[MAXPKT];

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

static void log_sink(void *user, enum eiot_log_level level, const char *line)
{
	struct conv *c = user;
	size_t have = strlen(c->log);
	if (getenv("EIOT_TEST_LOG"))
		fprintf(stderr, "  %d %s\n", level, line);
	if (strncmp(line, "eap-tls: ", 9) == 0 && have + strlen(line) + 2 < sizeof(c->log))
		snprintf(c->log + have, sizeof(c->log) - have, "%s\n", line);
}

static const uint8_t psk_id[] = "device-17";
static const uint8_t psk_key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void conv_init(struct conv *c, enum cred cred, size_t frag_peer, size_t frag_server,
		      size_t max_message)
{
	memset(c, 0, sizeof(*c));
	if (cred == CRED_PSK) {
		c->cfg[PEER] = pump_cfg_psk(EIOT_CLIENT, EIOT_TLS, psk_id, sizeof(psk_id) - 1,
					    psk_key, sizeof(psk_key), NULL);
		c->cfg[SERVER] = pump_cfg_psk(EIOT_SERVER, EIOT_TLS, psk_id, sizeof(psk_id) - 1,
					      psk_key, sizeof(psk_key), NULL);
	} else {
		c->cfg[PEER] = pump_cfg_cert_client(EIOT_TLS, true);
		c->cfg[SERVER] = pump_cfg_cert_server(
			EIOT_TLS, cred == CRED_UNTRUSTED ? "server-untrusted" : "server", true);
	}
	assert_non_null(c->cfg[PEER]);
	assert_non_null(c->cfg[SERVER]);
	for (int s = 0; s < 2; s++) {
		c->seed[s] = 0x9e3779b97f4a7c15ULL + (uint64_t)s;
		eiot_config_set_random(c->cfg[s], det_random, &c->seed[s]);
		eiot_config_set_log(c->cfg[s], log_sink, c, EIOT_LOG_DEBUG);
	}
	c->frag[PEER] = frag_peer;
	c->frag[SERVER] = frag_server;
	for (int s = 0; s < 2; s++) {
		struct eiot_eap_tls_opts o = { .fragment_size = c->frag[s],
					       .max_message = max_message };
		c->e[s] = eiot_eap_tls_new(c->cfg[s], &o, 0);
		assert_non_null(c->e[s]);
	}
}

static void conv_free(struct conv *c)
{
	for (int s = 0; s < 2; s++) {
		eiot_eap_tls_free(c->e[s]);
		eiot_config_free(c->cfg[s]);
	}
}

static void note(struct conv *c, int side, const uint8_t *pkt, size_t n)
{
	size_t frag = c->frag[side] ? c->frag[side] : EIOT_EAP_DEFAULT_FRAGMENT;
	assert_true(n <= frag + 10); /* the fragment_size contract */
	if (n > c->max_pkt[side])
		c->max_pkt[side] = n;
	c->sent[side]++;
	c->bytes[side] += n;
	c->last_code[side] = pkt[0];
	bool has_data = (pkt[0] == EIOT_EAP_CODE_REQUEST || pkt[0] == EIOT_EAP_CODE_RESPONSE) && n > 6 &&
			(n > 10 || !(pkt[5] & 0x80));
	if (has_data && (pkt[5] & 0x80))
		c->with_length[side]++;
	if (has_data && c->length_always[side])
		assert_true(pkt[5] & 0x80);
}

static int peer_in(struct conv *c, const uint8_t *in, size_t n, uint8_t *out, size_t *out_len)
{
	int rc = eiot_eap_tls_process(c->e[PEER], in, n, c->now, out, MAXPKT, out_len);
	if (*out_len)
		note(c, PEER, out, *out_len);
	return rc;
}

static int server_in(struct conv *c, const uint8_t *in, size_t n, uint8_t *out, size_t *out_len)
{
	int rc = eiot_eap_tls_process(c->e[SERVER], in, n, c->now, out, MAXPKT, out_len);
	if (*out_len)
		note(c, SERVER, out, *out_len);
	return rc;
}

/* Lockstep until the server has sent Success or Failure and the peer took it. */
static void conv_run(struct conv *c, const struct faults *f)
{
	size_t req_len, resp_len, tmp_len, prev_len = 0;
	unsigned nreq = 0;

	assert_int_equal(eiot_eap_server_start(c->e[SERVER], 200, req, MAXPKT, &req_len), EIOT_OK);
	note(c, SERVER, req, req_len);
	for (int step = 0; step < 2000; step++) {
		nreq++;
		c->peer_rc = peer_in(c, req, req_len, resp, &resp_len);
		if (req[0] == EIOT_EAP_CODE_SUCCESS || req[0] == EIOT_EAP_CODE_FAILURE) {
			assert_int_equal(resp_len, 0);
			return;
		}
		assert_int_not_equal(c->peer_rc, EIOT_ERR_DECODE);
		assert_true(resp_len > 0);
		c->last_resp_len = resp_len;
		if (f && f->lose_response && nreq % f->lose_response == 0) {
			/* the response never arrived: the authenticator resends the request, the
			 * peer answers byte for byte the same, without a new round trip */
			struct eiot_eap_stats before, after;
			eiot_eap_tls_stats(c->e[PEER], &before);
			peer_in(c, req, req_len, tmp, &tmp_len);
			eiot_eap_tls_stats(c->e[PEER], &after);
			assert_int_equal(tmp_len, resp_len);
			assert_memory_equal(tmp, resp, resp_len);
			assert_int_equal(after.round_trips, before.round_trips);
		}
		if (f && f->stale_request && prev_len && nreq % f->stale_request == 0) {
			/* an older request arrives late: refused, nothing sent, nothing changed */
			assert_int_equal(peer_in(c, prev_req, prev_len, tmp, &tmp_len),
					 EIOT_ERR_DECODE);
			assert_int_equal(tmp_len, 0);
		}
		memcpy(prev_req, req, req_len);
		prev_len = req_len;
		c->server_rc = server_in(c, resp, resp_len, req, &req_len);
		assert_int_not_equal(c->server_rc, EIOT_ERR_DECODE);
		assert_true(req_len > 0);
		c->exchanges++;
		if (f && f->dup_response && nreq % f->dup_response == 0) {
			/* the same response again: its Identifier is no longer current */
			assert_int_equal(server_in(c, resp, resp_len, tmp, &tmp_len), c->server_rc);
			assert_int_equal(tmp_len, 0);
		}
	}
	fail_msg("no end after 2000 steps");
}

/* HMAC-SHA256 with an empty key, straight from the crypto library the build uses (not
 * through the engine's crypto/hmac.c). */
static void ref_hmac_empty_key(const uint8_t *msg, size_t len, uint8_t out[32])
{
#ifdef EIOT_CRYPTO_OPENSSL
	unsigned int n = 0;
	assert_non_null(HMAC(EVP_sha256(), "", 0, msg, len, out, &n));
	assert_int_equal(n, 32);
#else
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	assert_int_equal(mbedtls_md_hmac(md, (const uint8_t *)"", 0, msg, len, out), 0);
#endif
}

/* P_SHA256 with an empty secret (RFC 5246 §5), for the IV. */
static void ref_iv(const uint8_t cr[32], const uint8_t sr[32], uint8_t iv[64])
{
	static const char label[] = "client EAP encryption";
	uint8_t seed[sizeof(label) - 1 + 64], a[32], buf[32 + sizeof(seed)];
	memcpy(seed, label, sizeof(label) - 1);
	memcpy(seed + sizeof(label) - 1, cr, 32);
	memcpy(seed + sizeof(label) - 1 + 32, sr, 32);
	ref_hmac_empty_key(seed, sizeof(seed), a);
	for (int i = 0; i < 2; i++) {
		memcpy(buf, a, 32);
		memcpy(buf + 32, seed, sizeof(seed));
		ref_hmac_empty_key(buf, sizeof(buf), iv + 32 * i);
		ref_hmac_empty_key(a, 32, a);
	}
}

static void check_success(struct conv *c)
{
	struct eiot_eap_keys k[2];
	struct eiot_eap_stats st[2];
	uint8_t msk[128], cr[32], sr[32], iv[64];

	assert_int_equal(eiot_eap_tls_status(c->e[PEER]), EIOT_EAP_SUCCESS);
	assert_int_equal(eiot_eap_tls_status(c->e[SERVER]), EIOT_EAP_SUCCESS);
	assert_int_equal(c->last_code[SERVER], EIOT_EAP_CODE_SUCCESS);
	for (int s = 0; s < 2; s++) {
		assert_int_equal(eiot_eap_tls_error(c->e[s]), EIOT_OK);
		assert_int_equal(eiot_eap_tls_keys(c->e[s], &k[s]), EIOT_OK);
		eiot_eap_tls_stats(c->e[s], &st[s]);
	}
	assert_memory_equal(k[0].msk, k[1].msk, 64);
	assert_memory_equal(k[0].emsk, k[1].emsk, 64);
	assert_memory_equal(k[0].iv, k[1].iv, 64);
	assert_memory_equal(k[0].session_id, k[1].session_id, 65);
	assert_memory_equal(k[0].method_id, k[1].method_id, 64);
	/* RFC 5216 §2.3 */
	const struct eiot_conn *conn = eiot_eap_tls_conn(c->e[PEER]);
	assert_int_equal(eiot_conn_export(conn, "client EAP encryption", NULL, 0, msk, 128), EIOT_OK);
	assert_memory_equal(k[0].msk, msk, 64);
	assert_memory_equal(k[0].emsk, msk + 64, 64);
	assert_int_equal(eiot_conn_randoms(conn, cr, sr), EIOT_OK);
	assert_int_equal(k[0].session_id[0], 0x0D);
	assert_memory_equal(k[0].session_id + 1, cr, 32);
	assert_memory_equal(k[0].session_id + 33, sr, 32);
	assert_memory_equal(k[0].method_id, k[0].session_id + 1, 64);
	ref_iv(cr, sr, iv);
	assert_memory_equal(k[0].iv, iv, 64);
	/* counters: each side's view of the other's packets agrees */
	assert_int_equal(st[PEER].packets_out, c->sent[PEER]);
	assert_int_equal(st[SERVER].packets_out, c->sent[SERVER]);
	assert_int_equal(st[PEER].bytes_out, c->bytes[PEER]);
	assert_int_equal(st[SERVER].bytes_out, c->bytes[SERVER]);
	assert_int_equal(st[PEER].round_trips, c->exchanges);
	assert_int_equal(st[SERVER].round_trips, c->exchanges);
}

static void one_run(enum cred cred, size_t frag_peer, size_t frag_server, const struct faults *f,
		    unsigned *round_trips)
{
	struct conv *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	conv_init(c, cred, frag_peer, frag_server, 0);
	conv_run(c, f);
	check_success(c);
	if (round_trips)
		*round_trips = c->exchanges;
	conv_free(c);
	free(c);
}

/* Byte by byte through the small sizes, where fragment boundaries fall everywhere. */
static void test_cert_every_fragment_size_small(void **state)
{
	unsigned rt64 = 0, rt = 0;
	(void)state;
	for (size_t frag = 64; frag <= 300; frag++) {
		one_run(CRED_CERT, frag, frag, NULL, &rt);
		if (frag == 64)
			rt64 = rt;
		assert_true(rt <= rt64);
	}
}

static void test_cert_fragment_sizes_steps(void **state)
{
	unsigned rt = 0;
	(void)state;
	for (size_t frag = 300; frag <= 1500; frag += 37)
		one_run(CRED_CERT, frag, frag, NULL, NULL);
	one_run(CRED_CERT, 1500, 1500, NULL, &rt);
	assert_int_equal(rt, 3); /* Start/ClientHello, flights, Finished/ACK */
	one_run(CRED_CERT, 0, 0, NULL, NULL); /* the default, 1398 */
	/* each side at its own size (wpa_supplicant 1398 against FreeRADIUS 113 and back) */
	one_run(CRED_CERT, 1398, 113, NULL, NULL);
	one_run(CRED_CERT, 113, 1398, NULL, NULL);
}

/* FreeRADIUS's include_length = yes: the server puts L and the TLS Message Length in every
 * packet that carries TLS data, fragmented or not; the peer takes them; without the option
 * only the first fragment of a fragmented message has it (RFC 5216 §3.1). */
static void test_length_in_every_packet(void **state)
{
	(void)state;
	for (int always = 0; always < 2; always++) {
		struct conv *c = calloc(1, sizeof(*c));
		assert_non_null(c);
		conv_init(c, CRED_CERT, 1398, 300, 0);
		eiot_eap_tls_free(c->e[SERVER]);
		struct eiot_eap_tls_opts o = { .fragment_size = 300, .length_always = always };
		c->e[SERVER] = eiot_eap_tls_new(c->cfg[SERVER], &o, 0);
		assert_non_null(c->e[SERVER]);
		c->length_always[SERVER] = always;
		conv_run(c, NULL);
		check_success(c);
		/* the server's flight (~800 bytes) takes 3 fragments, its Finished one packet */
		if (always)
			assert_true(c->with_length[SERVER] >= 4);
		else
			assert_int_equal(c->with_length[SERVER], 1);
		conv_free(c);
		free(c);
	}
}

static void test_psk(void **state)
{
	unsigned rt = 0;
	(void)state;
	one_run(CRED_PSK, 64, 64, NULL, NULL);
	one_run(CRED_PSK, 1398, 1398, NULL, &rt);
	assert_int_equal(rt, 3);
}

/* Lost responses (the authenticator resends the request), duplicated responses at the
 * server, and stale requests at the peer, at sizes with many fragments. */
static void test_lost_and_repeated_packets(void **state)
{
	static const struct faults f[] = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 2 }, { 3, 2, 5 } };
	(void)state;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		one_run(CRED_CERT, 64, 64, &f[i], NULL);
		one_run(CRED_CERT, 200, 100, &f[i], NULL);
	}
}

/* A duplicated request, delivered twice in a row: same response bytes, counted once. */
static void test_repeated_start_answered_idempotently(void **state)
{
	struct conv c;
	size_t req_len, a_len, b_len;
	static uint8_t a[MAXPKT], b[MAXPKT];
	struct eiot_eap_stats st;
	(void)state;
	conv_init(&c, CRED_CERT, 100, 100, 0);
	assert_int_equal(eiot_eap_server_start(c.e[SERVER], 7, req, MAXPKT, &req_len), EIOT_OK);
	assert_int_equal(eiot_eap_tls_process(c.e[PEER], req, req_len, 0, a, MAXPKT, &a_len), 0);
	assert_int_equal(eiot_eap_tls_process(c.e[PEER], req, req_len, 0, b, MAXPKT, &b_len), 0);
	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len);
	assert_int_equal(a[1], 7); /* the peer echoes the Identifier */
	eiot_eap_tls_stats(c.e[PEER], &st);
	assert_int_equal(st.round_trips, 1);
	assert_int_equal(st.packets_in, 2);
	assert_int_equal(st.packets_out, 2);
	/* the same Identifier with other content is not a retransmission */
	req[5] = 0x20 | 0x01; /* a reserved bit: other bytes, same meaning */
	assert_int_equal(eiot_eap_tls_process(c.e[PEER], req, req_len, 0, b, MAXPKT, &b_len),
			 EIOT_ERR_DECODE);
	assert_int_equal(b_len, 0);
	conv_free(&c);
}

/* Step the conversation by hand: returns the peer's response to the server's n-th request. */
static void start_pair(struct conv *c, size_t *req_len, size_t *resp_len)
{
	assert_int_equal(eiot_eap_server_start(c->e[SERVER], 1, req, MAXPKT, req_len), EIOT_OK);
	assert_int_equal(peer_in(c, req, *req_len, resp, resp_len), EIOT_OK);
	assert_int_equal(server_in(c, resp, *resp_len, req, req_len), EIOT_OK);
}

static void test_success_before_handshake_refused(void **state)
{
	struct conv c;
	size_t req_len, resp_len, out_len;
	uint8_t success[4] = { EIOT_EAP_CODE_SUCCESS, 1, 0, 4 };
	(void)state;
	conv_init(&c, CRED_CERT, 300, 300, 0);
	start_pair(&c, &req_len, &resp_len); /* the peer answered Start (id 1) */
	assert_int_equal(eiot_eap_tls_process(c.e[PEER], success, 4, 0, tmp, MAXPKT, &out_len),
			 EIOT_ERR_WRONG_STATE);
	assert_int_equal(out_len, 0);
	assert_int_equal(eiot_eap_tls_status(c.e[PEER]), EIOT_EAP_FAILURE);
	assert_int_equal(eiot_eap_tls_error(c.e[PEER]), EIOT_ERR_WRONG_STATE);
	struct eiot_eap_keys k;
	assert_int_equal(eiot_eap_tls_keys(c.e[PEER], &k), EIOT_ERR_WRONG_STATE);
	assert_non_null(strstr(c.log, "eap-tls: EAP-Success before the TLS handshake completed"));
	conv_free(&c);

	/* before anything at all */
	conv_init(&c, CRED_CERT, 300, 300, 0);
	assert_int_equal(eiot_eap_tls_process(c.e[PEER], success, 4, 0, tmp, MAXPKT, &out_len),
			 EIOT_ERR_WRONG_STATE);
	assert_int_equal(eiot_eap_tls_status(c.e[PEER]), EIOT_EAP_FAILURE);
	conv_free(&c);
}

static void test_failure_any_time_fails(void **state)
{
	struct conv c;
	size_t req_len, resp_len, out_len;
	uint8_t failure[4] = { EIOT_EAP_CODE_FAILURE, 99, 0, 4 };
	(void)state;
	conv_init(&c, CRED_CERT, 300, 300, 0);
	start_pair(&c, &req_len, &resp_len);
	assert_int_equal(eiot_eap_tls_process(c.e[PEER], failure, 4, 0, tmp, MAXPKT, &out_len),
			 EIOT_ERR_CLOSED);
	assert_int_equal(eiot_eap_tls_status(c.e[PEER]), EIOT_EAP_FAILURE);
	conv_free(&c);
}

/* A peer announcing (L) more than max_message: refused with MESSAGE_TOO_LARGE, EAP-Failure. */
static void test_oversize_length_refused(void **state)
{
	struct conv c;
	size_t req_len, out_len, n;
	uint8_t data[100] = { 0x16, 3, 3 };
	(void)state;

	/* at the server */
	conv_init(&c, CRED_CERT, 300, 300, 4096);
	assert_int_equal(eiot_eap_server_start(c.e[SERVER], 1, req, MAXPKT, &req_len), EIOT_OK);
	assert_int_equal(eap_pkt_write_tls(EIOT_EAP_CODE_RESPONSE, 1, 0xc0, 4097, data, 100, tmp,
					   MAXPKT, &n), EIOT_OK);
	assert_int_equal(eiot_eap_tls_process(c.e[SERVER], tmp, n, 0, resp, MAXPKT, &out_len),
			 EIOT_ERR_MESSAGE_TOO_LARGE);
	assert_int_equal(out_len, 4);
	assert_int_equal(resp[0], EIOT_EAP_CODE_FAILURE);
	assert_int_equal(resp[1], 1);
	assert_int_equal(eiot_eap_tls_status(c.e[SERVER]), EIOT_EAP_FAILURE);
	assert_int_equal(eiot_eap_tls_error(c.e[SERVER]), EIOT_ERR_MESSAGE_TOO_LARGE);
	assert_non_null(strstr(c.log, "eap-tls: TLS message of 4097 bytes announced, over max_message 4096"));
	/* exactly the bound is fine */
	conv_free(&c);
	conv_init(&c, CRED_CERT, 300, 300, 4096);
	assert_int_equal(eiot_eap_server_start(c.e[SERVER], 1, req, MAXPKT, &req_len), EIOT_OK);
	assert_int_equal(eap_pkt_write_tls(EIOT_EAP_CODE_RESPONSE, 1, 0xc0, 4096, data, 100, tmp,
					   MAXPKT, &n), EIOT_OK);
	assert_int_equal(eiot_eap_tls_process(c.e[SERVER], tmp, n, 0, resp, MAXPKT, &out_len),
			 EIOT_OK);
	assert_int_equal(resp[0], EIOT_EAP_CODE_REQUEST); /* the fragment ACK */
	assert_int_equal(resp[1], 2);
	assert_int_equal(out_len, 6);
	conv_free(&c);

	/* at the peer: no answer, FAILURE */
	conv_init(&c, CRED_CERT, 300, 300, 4096);
	start_pair(&c, &req_len, &n);
	assert_int_equal(eap_pkt_write_tls(EIOT_EAP_CODE_REQUEST, 50, 0xc0, 70000, data, 100, tmp,
					   MAXPKT, &n), EIOT_OK);
	assert_int_equal(eiot_eap_tls_process(c.e[PEER], tmp, n, 0, resp, MAXPKT, &out_len),
			 EIOT_ERR_MESSAGE_TOO_LARGE);
	assert_int_equal(out_len, 0);
	assert_int_equal(eiot_eap_tls_status(c.e[PEER]), EIOT_EAP_FAILURE);
	conv_free(&c);
}

/* Rewrite packet p (Length n) to carry extra more TLS bytes. */
static size_t grow(uint8_t *p, size_t n, size_t extra)
{
	memset(p + n, 0x41, extra);
	p[2] = (uint8_t)((n + extra) >> 8);
	p[3] = (uint8_t)(n + extra);
	return n + extra;
}

/* A fragment longer than what the TLS Message Length leaves, or a last fragment short of it:
 * refused without a state change; the genuine fragment then completes the conversation. */
static void test_fragment_overrun_refused(void **state)
{
	struct conv c;
	size_t req_len, resp_len, out_len, n;
	struct eap_pkt p;
	unsigned tried = 0;
	size_t total = 0;
	bool in_msg = false;
	(void)state;
	conv_init(&c, CRED_CERT, 100, 100, 0);
	start_pair(&c, &req_len, &resp_len);
	/* walk the server's fragmented flight; tamper with each middle and last fragment */
	for (int i = 0; i < 40 && req[0] == EIOT_EAP_CODE_REQUEST; i++) {
		assert_int_equal(eap_pkt_parse(req, req_len, &p), EIOT_OK);
		if (p.flags & EAPTLS_FLAG_L)
			total = p.tls_len; /* more than any fragment of this message has room for */
		if (in_msg && p.data_len) {
			memcpy(tmp, req, req_len);
			n = grow(tmp, req_len, p.flags & EAPTLS_FLAG_M ? total : 1);
			assert_int_equal(eiot_eap_tls_process(c.e[PEER], tmp, n, 0, resp, MAXPKT,
							      &out_len), EIOT_ERR_DECODE);
			assert_int_equal(out_len, 0);
			if (!(p.flags & EAPTLS_FLAG_M) && p.data_len > 1) {
				/* a last fragment cut short */
				memcpy(tmp, req, req_len);
				tmp[3]--;
				assert_int_equal(eiot_eap_tls_process(c.e[PEER], tmp, req_len - 1,
								      0, resp, MAXPKT, &out_len),
						 EIOT_ERR_DECODE);
			}
			tried++;
		}
		if (p.data_len)
			in_msg = p.flags & EAPTLS_FLAG_M;
		assert_int_equal(peer_in(&c, req, req_len, resp, &resp_len), EIOT_OK);
		assert_int_equal(server_in(&c, resp, resp_len, req, &req_len), EIOT_OK);
	}
	assert_true(tried > 5);
	assert_int_equal(req[0], EIOT_EAP_CODE_SUCCESS);
	assert_int_equal(peer_in(&c, req, req_len, resp, &resp_len), EIOT_OK);
	assert_int_equal(eiot_eap_tls_status(c.e[PEER]), EIOT_EAP_SUCCESS);
	assert_non_null(strstr(c.log, "does not fit the"));
	conv_free(&c);
}

/* Another EAP type (Identity, Nak, PEAP) where EAP-TLS is expected: refused, nothing changes. */
static void test_wrong_eap_type_refused(void **state)
{
	struct conv c;
	size_t req_len, resp_len, out_len;
	uint8_t identity_req[5] = { 1, 2, 0, 5, 1 };
	uint8_t peap_req[6] = { 1, 2, 0, 6, 25, 0x20 };
	uint8_t nak[6] = { 2, 2, 0, 6, 3, 13 };
	(void)state;
	conv_init(&c, CRED_CERT, 1398, 1398, 0);
	start_pair(&c, &req_len, &resp_len); /* req: the server flight, id 2 */
	assert_int_equal(eiot_eap_tls_process(c.e[PEER], identity_req, 5, 0, tmp, MAXPKT, &out_len),
			 EIOT_ERR_DECODE);
	assert_int_equal(eiot_eap_tls_process(c.e[PEER], peap_req, 6, 0, tmp, MAXPKT, &out_len),
			 EIOT_ERR_DECODE);
	assert_int_equal(out_len, 0);
	assert_int_equal(peer_in(&c, req, req_len, resp, &resp_len), EIOT_OK);
	nak[1] = req[1];
	assert_int_equal(eiot_eap_tls_process(c.e[SERVER], nak, 6, 0, tmp, MAXPKT, &out_len),
			 EIOT_ERR_DECODE);
	assert_int_equal(out_len, 0);
	assert_non_null(strstr(c.log, "eap-tls: Response of EAP type 3 refused"));
	assert_int_equal(server_in(&c, resp, resp_len, req, &req_len), EIOT_OK);
	assert_int_equal(peer_in(&c, req, req_len, resp, &resp_len), EIOT_OK);
	assert_int_equal(server_in(&c, resp, resp_len, req, &req_len), EIOT_OK);
	assert_int_equal(req[0], EIOT_EAP_CODE_SUCCESS);
	conv_free(&c);
}

/* The peer does not trust the server: its Response carries the alert (RFC 5216 §2.1.3), it
 * ends FAILURE, and the server answers with EAP-Failure. */
static void test_untrusted_server_alert_then_failure(void **state)
{
	struct conv c;
	struct eap_pkt p;
	(void)state;
	conv_init(&c, CRED_UNTRUSTED, 300, 300, 0);
	conv_run(&c, NULL);
	assert_int_equal(eiot_eap_tls_status(c.e[PEER]), EIOT_EAP_FAILURE);
	assert_int_equal(eiot_eap_tls_error(c.e[PEER]), EIOT_ERR_CERT_UNTRUSTED);
	assert_int_equal(eiot_eap_tls_status(c.e[SERVER]), EIOT_EAP_FAILURE);
	assert_int_equal(eiot_eap_tls_error(c.e[SERVER]), EIOT_ERR_PEER_ALERT);
	assert_int_equal(c.last_code[SERVER], EIOT_EAP_CODE_FAILURE);
	/* the peer's last Response was the plaintext alert record: fatal unknown_ca */
	assert_int_equal(eap_pkt_parse(resp, c.last_resp_len, &p), EIOT_OK);
	assert_int_equal(p.code, EIOT_EAP_CODE_RESPONSE);
	assert_int_equal(p.data_len, 7);
	assert_int_equal(p.data[0], 21);
	assert_int_equal(p.data[5], 2);
	assert_int_equal(p.data[6], EIOT_ALERT_UNKNOWN_CA);
	int sent, recv;
	eiot_conn_last_alert(eiot_eap_tls_conn(c.e[PEER]), &sent, &recv);
	assert_int_equal(sent, EIOT_ALERT_UNKNOWN_CA);
	eiot_conn_last_alert(eiot_eap_tls_conn(c.e[SERVER]), &sent, &recv);
	assert_int_equal(recv, EIOT_ALERT_UNKNOWN_CA);
	assert_non_null(strstr(c.log, "eap-tls: sending EAP-Failure"));
	conv_free(&c);
}

/* The server rejects the device (expired certificate): its Request carries the alert, the
 * peer acknowledges it, and the server ends with EAP-Failure. */
static void test_expired_device_server_alert_then_failure(void **state)
{
	struct conv c;
	int sent, recv;
	(void)state;
	conv_init(&c, CRED_CERT, 200, 200, 0);
	/* swap the peer for one with the expired device certificate */
	eiot_eap_tls_free(c.e[PEER]);
	eiot_config_free(c.cfg[PEER]);
	c.cfg[PEER] = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	assert_int_equal(eiot_config_add_trust_file(c.cfg[PEER], pump_pki("ca.pem")), EIOT_OK);
	assert_int_equal(eiot_config_set_server_name(c.cfg[PEER], "aaa.example.com"), EIOT_OK);
	assert_int_equal(eiot_config_set_own_cert_file(c.cfg[PEER], pump_pki("device-expired.pem"),
						       pump_pki("device-expired.key.pem"), NULL),
			 EIOT_OK);
	eiot_config_set_random(c.cfg[PEER], det_random, &c.seed[PEER]);
	eiot_config_set_log(c.cfg[PEER], log_sink, &c, EIOT_LOG_DEBUG);
	struct eiot_eap_tls_opts o = { .fragment_size = 200 };
	c.e[PEER] = eiot_eap_tls_new(c.cfg[PEER], &o, 0);
	assert_non_null(c.e[PEER]);
	conv_run(&c, NULL);
	assert_int_equal(eiot_eap_tls_status(c.e[SERVER]), EIOT_EAP_FAILURE);
	assert_int_equal(eiot_eap_tls_error(c.e[SERVER]), EIOT_ERR_CERT_EXPIRED);
	assert_int_equal(c.last_code[SERVER], EIOT_EAP_CODE_FAILURE);
	assert_int_equal(eiot_eap_tls_status(c.e[PEER]), EIOT_EAP_FAILURE);
	assert_int_equal(eiot_eap_tls_error(c.e[PEER]), EIOT_ERR_PEER_ALERT);
	eiot_conn_last_alert(eiot_eap_tls_conn(c.e[PEER]), &sent, &recv);
	assert_int_equal(recv, EIOT_ALERT_CERTIFICATE_EXPIRED);
	conv_free(&c);
}

static void test_bad_options_refused(void **state)
{
	struct eiot_config *cfg = pump_cfg_psk(EIOT_CLIENT, EIOT_TLS, psk_id, 9, psk_key, 16, NULL);
	struct eiot_config *dcfg = pump_cfg_psk(EIOT_CLIENT, EIOT_DTLS, psk_id, 9, psk_key, 16, NULL);
	struct eiot_config *bare = eiot_config_new(EIOT_CLIENT, EIOT_TLS);
	struct eiot_eap_tls_opts small = { .fragment_size = 63 }, huge = { .fragment_size = 0xFFFF };
	struct eiot_eap_tls_opts tiny_msg = { .fragment_size = 64, .max_message = 100 };
	struct eiot_eap_tls_opts ok = { .fragment_size = 64, .max_message = 1024 };
	struct eiot_eap_tls *e;
	size_t n;
	(void)state;
	assert_null(eiot_eap_tls_new(cfg, &small, 0));
	assert_null(eiot_eap_tls_new(cfg, &huge, 0));
	assert_null(eiot_eap_tls_new(cfg, &tiny_msg, 0));
	assert_null(eiot_eap_tls_new(dcfg, NULL, 0));
	/* fail closed: a peer whose TLS client cannot start (no PSK, no trust anchor) */
	assert_null(eiot_eap_tls_new(bare, NULL, 0));
	e = eiot_eap_tls_new(cfg, &ok, 0);
	assert_non_null(e);
	/* a peer cannot send a Start; a caller buffer under fragment_size + 10 is refused */
	assert_int_equal(eiot_eap_server_start(e, 1, tmp, MAXPKT, &n), EIOT_ERR_WRONG_STATE);
	assert_int_equal(eiot_eap_tls_process(e, tmp, 4, 0, resp, 73, &n), EIOT_ERR_BUFFER_TOO_SMALL);
	eiot_eap_tls_free(e);
	eiot_eap_tls_free(NULL);
	eiot_config_free(cfg);
	eiot_config_free(dcfg);
	eiot_config_free(bare);
}

/* ---- Resumption (RFC 5216 §2.1.3) ---- */

/* A new conversation on the same configurations (and so the same server session cache), the
 * peer at fragment size frag offering resume (NULL: none). */
static void conv_again(struct conv *c, size_t frag, const struct eiot_session *resume)
{
	for (int s = 0; s < 2; s++) {
		eiot_eap_tls_free(c->e[s]);
		c->frag[s] = frag;
		c->max_pkt[s] = c->sent[s] = c->bytes[s] = 0;
		c->last_code[s] = 0;
		struct eiot_eap_tls_opts o = { .fragment_size = frag,
					       .resume = s == PEER ? resume : NULL };
		c->e[s] = eiot_eap_tls_new(c->cfg[s], &o, c->now);
		assert_non_null(c->e[s]);
	}
	c->exchanges = 0;
	c->last_resp_len = 0;
	c->log[0] = '\0';
}

enum resume_kind { BY_SESSION_ID, BY_TICKET };

/* A cert conversation whose server resumes from cache (tickets per kind). */
static struct conv *resume_setup(enum resume_kind kind, struct eiot_session_cache **cache,
				 uint32_t lifetime_s)
{
	struct conv *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	conv_init(c, CRED_CERT, 1398, 1398, 0);
	*cache = eiot_session_cache_new(c->cfg[SERVER], 16, lifetime_s);
	assert_non_null(*cache);
	assert_int_equal(eiot_config_set_session_cache(c->cfg[SERVER], *cache), EIOT_OK);
	assert_int_equal(eiot_config_set_session_tickets(c->cfg[SERVER], kind == BY_TICKET),
			 EIOT_OK);
	assert_int_equal(eiot_config_set_session_tickets(c->cfg[PEER], kind == BY_TICKET),
			 EIOT_OK);
	return c;
}

static void resume_teardown(struct conv *c, struct eiot_session_cache *cache)
{
	conv_free(c);
	eiot_session_cache_free(cache);
	free(c);
}

/* A full authentication at frag: success, not resumed, the session to keep in *s. */
static void full_auth(struct conv *c, size_t frag, struct eiot_session *s)
{
	conv_again(c, frag, NULL);
	conv_run(c, NULL);
	check_success(c);
	assert_false(eiot_eap_tls_resumed(c->e[PEER]));
	assert_false(eiot_eap_tls_resumed(c->e[SERVER]));
	assert_int_equal(eiot_eap_tls_get_session(c->e[PEER], s), EIOT_OK);
	assert_true(s->valid);
}

/* Re-authentication offering s at frag: resumed on both sides, Start/ClientHello and
 * ServerHello+CCS+Finished/CCS+Finished (2 pairs at 1398), then EAP-Success; fresh keys. */
static void resumed_auth(struct conv *c, size_t frag, const struct eiot_session *s,
			 const uint8_t prev_msk[64])
{
	struct eiot_eap_keys k;
	struct eiot_session again;

	conv_again(c, frag, s);
	conv_run(c, NULL);
	check_success(c);
	assert_true(eiot_eap_tls_resumed(c->e[PEER]));
	assert_true(eiot_eap_tls_resumed(c->e[SERVER]));
	assert_non_null(strstr(c->log, "eap-tls: TLS handshake complete (suite 0xc0ae, resumed)"));
	if (frag >= 1398)
		assert_int_equal(c->exchanges, 2);
	else
		assert_true(c->exchanges > 2);
	assert_int_equal(eiot_eap_tls_keys(c->e[PEER], &k), EIOT_OK);
	/* RFC 5216 §2.3: the MSK comes from the new randoms, never the old one again */
	assert_memory_not_equal(k.msk, prev_msk, 64);
	/* the resumed session can be resumed again */
	assert_int_equal(eiot_eap_tls_get_session(c->e[PEER], &again), EIOT_OK);
	assert_true(again.valid);
	eiot_session_clear(&again);
}

static void check_resume(enum resume_kind kind)
{
	static const size_t frags[] = { 1398, 64 };
	struct eiot_session_cache *cache;
	struct eiot_session s;
	struct eiot_eap_keys k;

	for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		struct conv *c = resume_setup(kind, &cache, 3600);
		full_auth(c, frags[i], &s);
		if (kind == BY_TICKET) {
			/* RFC 5077 §3: the server keeps no state; the ticket is the session */
			assert_true(s.ticket_len > 0);
			assert_int_equal(eiot_session_cache_count(cache), 0);
		} else {
			assert_int_equal(s.ticket_len, 0);
			assert_true(s.id_len > 0);
			assert_int_equal(eiot_session_cache_count(cache), 1);
		}
		assert_int_equal(eiot_eap_tls_keys(c->e[PEER], &k), EIOT_OK);
		c->now = 60000;
		resumed_auth(c, frags[i], &s, k.msk);
		eiot_session_clear(&s);
		resume_teardown(c, cache);
	}
}

static void test_resume_by_session_id(void **state)
{
	(void)state;
	check_resume(BY_SESSION_ID);
}

static void test_resume_by_ticket(void **state)
{
	(void)state;
	check_resume(BY_TICKET);
}

/* Each side at its own fragment size, as with FreeRADIUS at 113 and a supplicant at 1398. */
static void test_resume_mixed_fragment_sizes(void **state)
{
	struct eiot_session_cache *cache;
	struct eiot_session s;
	struct eiot_eap_keys k;
	(void)state;
	struct conv *c = resume_setup(BY_SESSION_ID, &cache, 3600);
	full_auth(c, 1398, &s);
	assert_int_equal(eiot_eap_tls_keys(c->e[PEER], &k), EIOT_OK);
	conv_again(c, 64, &s);
	eiot_eap_tls_free(c->e[PEER]);
	struct eiot_eap_tls_opts o = { .fragment_size = 1398, .resume = &s };
	c->frag[PEER] = 1398;
	c->e[PEER] = eiot_eap_tls_new(c->cfg[PEER], &o, c->now);
	assert_non_null(c->e[PEER]);
	conv_run(c, NULL);
	check_success(c);
	assert_true(eiot_eap_tls_resumed(c->e[SERVER]));
	eiot_session_clear(&s);
	resume_teardown(c, cache);
}

/* Lost, repeated and stale packets during the abbreviated handshake, by ID and by ticket. */
static void test_resume_lost_and_repeated_packets(void **state)
{
	static const struct faults f[] = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 2 }, { 3, 2, 5 } };
	struct eiot_session_cache *cache;
	struct eiot_session s;
	(void)state;
	for (int kind = BY_SESSION_ID; kind <= BY_TICKET; kind++) {
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			struct conv *c = resume_setup(kind, &cache, 3600);
			full_auth(c, 64, &s);
			conv_again(c, 64, &s);
			conv_run(c, &f[i]);
			check_success(c);
			assert_true(eiot_eap_tls_resumed(c->e[PEER]));
			assert_true(eiot_eap_tls_resumed(c->e[SERVER]));
			eiot_session_clear(&s);
			resume_teardown(c, cache);
		}
	}
}

/* The server does not know the session (another cache, expired entry, expired ticket, no
 * cache at all): a full handshake, 3 pairs at 1398, a new session to keep unless the server
 * has no cache (EIOT_ERR_WANT_MORE: it offered no way to resume). */
static void check_fallback(struct conv *c, const struct eiot_session *s, int want_session)
{
	struct eiot_session fresh;

	memset(&fresh, 0, sizeof(fresh));
	conv_again(c, 1398, s);
	conv_run(c, NULL);
	check_success(c);
	assert_false(eiot_eap_tls_resumed(c->e[PEER]));
	assert_false(eiot_eap_tls_resumed(c->e[SERVER]));
	assert_int_equal(c->exchanges, 3);
	assert_int_equal(eiot_eap_tls_get_session(c->e[PEER], &fresh), want_session);
	assert_true(fresh.valid == (want_session == EIOT_OK));
	eiot_session_clear(&fresh);
}

static void test_resume_unknown_session_full_handshake(void **state)
{
	struct eiot_session_cache *cache, *other;
	struct eiot_session s;
	(void)state;
	for (int kind = BY_SESSION_ID; kind <= BY_TICKET; kind++) {
		struct conv *c = resume_setup(kind, &cache, 3600);
		full_auth(c, 1398, &s);
		/* the server restarted: a new cache, new ticket keys */
		other = eiot_session_cache_new(c->cfg[SERVER], 16, 3600);
		assert_non_null(other);
		assert_int_equal(eiot_config_set_session_cache(c->cfg[SERVER], other), EIOT_OK);
		check_fallback(c, &s, EIOT_OK);
		/* a server without a cache */
		assert_int_equal(eiot_config_set_session_cache(c->cfg[SERVER], NULL), EIOT_OK);
		check_fallback(c, &s, EIOT_ERR_WANT_MORE);
		eiot_session_clear(&s);
		resume_teardown(c, cache);
		eiot_session_cache_free(other);
	}
}

static void test_resume_expired_session_full_handshake(void **state)
{
	struct eiot_session_cache *cache;
	struct eiot_session s;
	(void)state;
	for (int kind = BY_SESSION_ID; kind <= BY_TICKET; kind++) {
		struct conv *c = resume_setup(kind, &cache, 1);
		full_auth(c, 1398, &s);
		c->now = 5000; /* past the 1 s lifetime */
		check_fallback(c, &s, EIOT_OK);
		eiot_session_clear(&s);
		resume_teardown(c, cache);
	}
}

/* No session before the handshake completed, none on a server; a server refuses opts.resume. */
static void test_resume_api_misuse_refused(void **state)
{
	struct eiot_session_cache *cache;
	struct eiot_session s;
	(void)state;
	struct conv *c = resume_setup(BY_SESSION_ID, &cache, 3600);
	conv_again(c, 1398, NULL);
	assert_int_equal(eiot_eap_tls_get_session(c->e[PEER], &s), EIOT_ERR_WRONG_STATE);
	assert_false(eiot_eap_tls_resumed(c->e[PEER]));
	conv_run(c, NULL);
	assert_int_equal(eiot_eap_tls_get_session(c->e[SERVER], &s), EIOT_ERR_WRONG_STATE);
	assert_int_equal(eiot_eap_tls_get_session(c->e[PEER], &s), EIOT_OK);
	struct eiot_eap_tls_opts o = { .fragment_size = 1398, .resume = &s };
	assert_null(eiot_eap_tls_new(c->cfg[SERVER], &o, 0));
	assert_int_equal(eiot_eap_tls_get_session(NULL, &s), EIOT_ERR_BAD_PARAM);
	eiot_session_clear(&s);
	resume_teardown(c, cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_every_fragment_size_small),
		cmocka_unit_test(test_cert_fragment_sizes_steps),
		cmocka_unit_test(test_length_in_every_packet),
		cmocka_unit_test(test_psk),
		cmocka_unit_test(test_lost_and_repeated_packets),
		cmocka_unit_test(test_repeated_start_answered_idempotently),
		cmocka_unit_test(test_success_before_handshake_refused),
		cmocka_unit_test(test_failure_any_time_fails),
		cmocka_unit_test(test_oversize_length_refused),
		cmocka_unit_test(test_fragment_overrun_refused),
		cmocka_unit_test(test_wrong_eap_type_refused),
		cmocka_unit_test(test_untrusted_server_alert_then_failure),
		cmocka_unit_test(test_expired_device_server_alert_then_failure),
		cmocka_unit_test(test_bad_options_refused),
		cmocka_unit_test(test_resume_by_session_id),
		cmocka_unit_test(test_resume_by_ticket),
		cmocka_unit_test(test_resume_mixed_fragment_sizes),
		cmocka_unit_test(test_resume_lost_and_repeated_packets),
		cmocka_unit_test(test_resume_unknown_session_full_handshake),
		cmocka_unit_test(test_resume_expired_session_full_handshake),
		cmocka_unit_test(test_resume_api_misuse_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
