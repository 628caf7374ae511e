/*
 * bench/eap_ext.c — what the size-saving extensions save in EAP-TLS: our EAP-TLS peer against
 * our EAP-TLS server, in memory, mutual authentication, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, for
 * each credential set-up and fragment size: EAP round trips (request/response pairs inside the
 * method) and EAP bytes each way. Stock FreeRADIUS implements none of the extensions, so this is
 * the only place the numbers can come from; bench/eap_rounds.sh has the stock rows.
 *
 *   eap_ext PKI_DIR                  the table
 *   eap_ext PKI_DIR MODE peer|server one full handshake, callgrind collecting only inside that
 *                                    role's calls (run it under --collect-atstart=no)
 * PKI_DIR is configs/pki/make_pki.sh's output (certificates, keys, and *.pub.pem raw keys).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

#include "eap_iot/eap_iot.h"
#include "mem_cache.h" /* tests/unit: the one-entry store the EAP tests use too */

#define MAXPKT 2048

enum mode { MODE_X509, MODE_CACHED, MODE_CACHED_URL, MODE_RPK, MODE__COUNT };
static const char *const mode_name[MODE__COUNT] = {
	"X.509 chains (no extension)", "cached_info (warm cache)",
	"cached_info + client certificate URL", "raw public keys",
};

/* the client's cached Certificate message */
static struct mem_cache cache;
static struct eiot_dir_resolver *resolver;

static const char *pki_dir;

static const char *path(const char *dir, const char *file)
{
	static char buf[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, file);
	return buf[i];
}

static void must(int err, const char *what)
{
	if (err) {
		fprintf(stderr, "eap_ext: %s: %s\n", what, eiot_err_str(err));
		exit(1);
	}
}

static struct eiot_config *make_cfg(enum eiot_role role, enum mode m)
{
	struct eiot_config *cfg = eiot_config_new(role, EIOT_TLS);
	const uint16_t suite = EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8;
	bool server = role == EIOT_SERVER;
	must(!cfg, "config");
	must(eiot_config_set_suites(cfg, &suite, 1), "suites");
	if (m == MODE_RPK) {
		must(eiot_config_set_own_key_file(cfg, path(pki_dir, server ? "server.key.pem" : "device.key.pem"),
						  NULL), "own key");
		must(eiot_config_add_peer_rpk_file(cfg, path(pki_dir, server ? "device.pub.pem" : "server.pub.pem")),
		     "peer key");
	} else {
		must(eiot_config_set_own_cert_file(cfg, path(pki_dir, server ? "server.pem" : "device.pem"),
						   path(pki_dir, server ? "server.key.pem" : "device.key.pem"), NULL),
		     "own certificate");
		must(eiot_config_add_trust_file(cfg, path(pki_dir, "ca.pem")), "trust");
		if (!server)
			must(eiot_config_set_server_name(cfg, "aaa.example.com"), "server name");
	}
	if (server)
		must(eiot_config_set_verify_client(cfg, EIOT_VERIFY_REQUIRED), "verify client");
	if ((m == MODE_CACHED || m == MODE_CACHED_URL) && !server)
		must(eiot_config_set_cert_cache(cfg, &mem_cache_ops, &cache), "certificate cache");
	if (m == MODE_CACHED_URL && !server)
		must(eiot_config_set_own_cert_url(cfg, "file:///device.pem"), "certificate URL");
	if (m == MODE_CACHED_URL && server)
		must(eiot_config_set_cert_url_resolver(cfg, &eiot_dir_resolver_ops, resolver), "resolver");
	return cfg;
}

struct result {
	struct eiot_eap_stats peer;
};

/* One EAP-TLS conversation; with measure = peer/server, callgrind counts only that role. */
static void converse(struct eiot_config *pc, struct eiot_config *sc, size_t frag, const char *measure,
		     struct result *r)
{
	struct eiot_eap_tls_opts o = { .fragment_size = frag };
	struct eiot_eap_tls *peer = eiot_eap_tls_new(pc, &o, 0), *srv = eiot_eap_tls_new(sc, &o, 0);
	uint8_t req[MAXPKT], resp[MAXPKT];
	size_t req_len = 0, resp_len = 0;
	bool in_peer = measure && !strcmp(measure, "peer"), in_srv = measure && !strcmp(measure, "server");

	must(!peer || !srv, "eap conversation");
	must(eiot_eap_server_start(srv, 1, req, sizeof(req), &req_len), "start");
	for (int i = 0; i < 400 && req_len; i++) {
		if (in_peer)
			CALLGRIND_TOGGLE_COLLECT;
		eiot_eap_tls_process(peer, req, req_len, 0, resp, sizeof(resp), &resp_len);
		if (in_peer)
			CALLGRIND_TOGGLE_COLLECT;
		if (!resp_len)
			break;
		if (in_srv)
			CALLGRIND_TOGGLE_COLLECT;
		eiot_eap_tls_process(srv, resp, resp_len, 0, req, sizeof(req), &req_len);
		if (in_srv)
			CALLGRIND_TOGGLE_COLLECT;
	}
	if (eiot_eap_tls_status(peer) != EIOT_EAP_SUCCESS || eiot_eap_tls_status(srv) != EIOT_EAP_SUCCESS) {
		fprintf(stderr, "eap_ext: conversation failed: peer %s, server %s\n",
			eiot_err_str(eiot_eap_tls_error(peer)), eiot_err_str(eiot_eap_tls_error(srv)));
		exit(1);
	}
	eiot_eap_tls_stats(peer, &r->peer);
	eiot_eap_tls_free(peer);
	eiot_eap_tls_free(srv);
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: eap_ext PKI_DIR [MODE peer|server]\n");
		return 2;
	}
	pki_dir = argv[1];
	resolver = eiot_dir_resolver_new(pki_dir);
	must(!resolver, "certificate URL resolver");
	if (argc == 4) {
		enum mode m = (enum mode)atoi(argv[2]);
		struct result r;
		if (m >= MODE__COUNT)
			return 2;
		struct eiot_config *pc = make_cfg(EIOT_CLIENT, m), *sc = make_cfg(EIOT_SERVER, m);
		converse(pc, sc, 1398, NULL, &r); /* warm-up: fills the cache, not measured */
		converse(pc, sc, 1398, argv[3], &r);
		eiot_config_free(pc);
		eiot_config_free(sc);
		eiot_dir_resolver_free(resolver);
		return 0;
	}
	static const size_t frags[] = { 1398, 300, 100 };
	printf("| ours, in memory, against our EAP-TLS server | fragment | EAP round trips | EAP bytes peer→server | server→peer |\n");
	printf("|---|---|---|---|---|\n");
	for (int m = 0; m < MODE__COUNT; m++) {
		struct eiot_config *pc = make_cfg(EIOT_CLIENT, (enum mode)m);
		struct eiot_config *sc = make_cfg(EIOT_SERVER, (enum mode)m);
		struct result warm;
		converse(pc, sc, 1398, NULL, &warm); /* fills the cache where there is one */
		for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
			struct result r;
			converse(pc, sc, frags[i], NULL, &r);
			printf("| %s | %zu | %u | %zu | %zu |\n", mode_name[m], frags[i], r.peer.round_trips,
			       r.peer.bytes_out, r.peer.bytes_in);
		}
		eiot_config_free(pc);
		eiot_config_free(sc);
	}
	eiot_dir_resolver_free(resolver);
	return 0;
}
