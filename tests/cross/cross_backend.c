/*
 * tests/cross/cross_backend.c — an engine from one build of the library against an engine from
 * another, in memory, in one process: the two crypto backends (BUILD/mbedtls and BUILD/openssl),
 * or a device profile (BUILD/profiles/<name>, eap_iot/features.h) against a full build.
 *
 * Both builds export the same eiot_* names, so each is dlopen()ed with RTLD_LOCAL and called
 * through a table of its own functions (a profile lacks some: those stay NULL). For every case —
 * TLS and DTLS; PSK, ECDHE-ECDSA with mutual certificates (CCM_8 and GCM), raw public keys; a
 * resumption by ticket — the client runs on one build and the server on the other, both ways
 * round, wherever the builds hold what the case needs (eiot_build_features): the handshake must
 * complete, data must pass both ways, and both sides must export the same keying material
 * (RFC 5705), which they can only do when every secret, transcript hash and signature agrees.
 *
 * Usage: cross_backend LIB_A LIB_B PKI_DIR. Exit 0 when every case that fits passed and at least
 * one did.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <sys/random.h>
#include <stdio.h>
#include <string.h>

#include "eap_iot/config.h"
#include "eap_iot/conn.h"
#include "eap_iot/dtls.h"
#include "eap_iot/err.h"

/* Every library function the cases call. */
#define API(X)                                                                                  \
	X(eiot_config_new) X(eiot_config_free) X(eiot_config_set_suites) X(eiot_config_set_psk)  \
	X(eiot_config_add_psk) X(eiot_config_set_own_cert_file) X(eiot_config_add_trust_file)     \
	X(eiot_config_set_own_key_file) X(eiot_config_add_peer_rpk_file)                          \
	X(eiot_config_set_server_name) X(eiot_config_set_verify_client)                           \
	X(eiot_config_set_session_tickets) X(eiot_config_set_session_cache)                       \
	X(eiot_session_cache_new) X(eiot_session_cache_free) X(eiot_cookie_secret_new)            \
	X(eiot_cookie_secret_free) X(eiot_dtls_accept) X(eiot_conn_new) X(eiot_conn_new_resume)   \
	X(eiot_conn_free) X(eiot_conn_feed) X(eiot_conn_output) X(eiot_conn_write)                \
	X(eiot_conn_read) X(eiot_conn_state) X(eiot_conn_error) X(eiot_conn_export)               \
	X(eiot_conn_get_session) X(eiot_conn_resumed) X(eiot_session_clear)                      \
	X(eiot_build_features) X(eiot_config_set_random) X(eiot_conn_save) X(eiot_conn_restore)

struct lib {
	const char *name;
	void *handle;
#define FIELD(f) __typeof__(&f) f;
	API(FIELD)
#undef FIELD
};

static bool lib_open(struct lib *l, const char *path)
{
	l->name = path;
	l->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!l->handle) {
		fprintf(stderr, "cross: %s\n", dlerror());
		return false;
	}
	/* a function a profile left out stays NULL; the features say which cases can run */
#define RESOLVE(f) *(void **)&l->f = dlsym(l->handle, #f);
	API(RESOLVE)
#undef RESOLVE
	if (!l->eiot_build_features || !l->eiot_conn_new) {
		fprintf(stderr, "cross: %s is not an eap_iot library\n", path);
		return false;
	}
	return true;
}

enum cred { CRED_PSK, CRED_CERT, CRED_RPK };

struct scenario {
	const char *name;
	enum eiot_transport transport;
	enum cred cred;
	uint16_t suite;
};

/* Whether build l holds what the case needs in this role. */
static bool fits(const struct lib *l, enum eiot_role role, const struct scenario *sc)
{
	unsigned need = (role == EIOT_CLIENT ? EIOT_FEATURE_CLIENT : EIOT_FEATURE_SERVER) |
			(sc->transport == EIOT_TLS ? EIOT_FEATURE_TLS : EIOT_FEATURE_DTLS) |
			(sc->cred == CRED_PSK ? EIOT_FEATURE_PSK :
			 sc->cred == CRED_CERT ? EIOT_FEATURE_X509 : EIOT_FEATURE_RPK) |
			(sc->suite == EIOT_ECDHE_ECDSA_WITH_AES_128_CCM ||
					 sc->suite == EIOT_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
				 ? EIOT_FEATURE_EXTRA_SUITES
				 : 0);
	return (l->eiot_build_features() & need) == need;
}

static bool resumes(const struct lib *l)
{
	return l->eiot_build_features() & EIOT_FEATURE_RESUMPTION;
}

static bool saves(const struct lib *l)
{
	return l->eiot_build_features() & EIOT_FEATURE_SAVE;
}

/* For a build without the DRBG (a device profile): the platform's source. */
static int os_random(void *user, uint8_t *out, size_t n)
{
	(void)user;
	return getrandom(out, n, 0) == (ssize_t)n ? 0 : -1;
}

static const char *pki;
static const uint8_t psk_id[] = "device1";
static const uint8_t psk[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static const char *pki_path(char *buf, size_t cap, const char *file)
{
	snprintf(buf, cap, "%s/%s", pki, file);
	return buf;
}

static struct eiot_config *make_config(const struct lib *l, enum eiot_role role,
				       const struct scenario *sc)
{
	char a[512], b[512];
	struct eiot_config *cfg = l->eiot_config_new(role, sc->transport);
	bool server = role == EIOT_SERVER;
	int err = cfg ? l->eiot_config_set_suites(cfg, &sc->suite, 1) : EIOT_ERR_NO_MEMORY;

	if (!err && sc->cred == CRED_PSK)
		err = server ? l->eiot_config_add_psk(cfg, psk_id, sizeof(psk_id) - 1, psk, sizeof(psk)) :
			       l->eiot_config_set_psk(cfg, psk_id, sizeof(psk_id) - 1, psk, sizeof(psk));
	if (!err && sc->cred == CRED_CERT) {
		err = l->eiot_config_set_own_cert_file(cfg,
			pki_path(a, sizeof(a), server ? "server.pem" : "device.pem"),
			pki_path(b, sizeof(b), server ? "server.key.pem" : "device.key.pem"), NULL);
		if (!err)
			err = l->eiot_config_add_trust_file(cfg, pki_path(a, sizeof(a), "ca.pem"));
		if (!err)
			err = server ? l->eiot_config_set_verify_client(cfg, EIOT_VERIFY_REQUIRED) :
				       l->eiot_config_set_server_name(cfg, "aaa.example.com");
	}
	if (!err && sc->cred == CRED_RPK) {
		/* each side pins the other's key, taken from the PKI's leaf keys */
		err = l->eiot_config_set_own_key_file(cfg,
			pki_path(a, sizeof(a), server ? "server.key.pem" : "device.key.pem"), NULL);
		if (!err)
			err = l->eiot_config_add_peer_rpk_file(cfg,
				pki_path(a, sizeof(a), server ? "device.pub.pem" : "server.pub.pem"));
		if (!err && server)
			err = l->eiot_config_set_verify_client(cfg, EIOT_VERIFY_REQUIRED);
	}
	if (!err && !server && resumes(l))
		err = l->eiot_config_set_session_tickets(cfg, true);
	if (cfg && !(l->eiot_build_features() & EIOT_FEATURE_DRBG))
		l->eiot_config_set_random(cfg, os_random, NULL);
	if (err) {
		fprintf(stderr, "cross: %s %s configuration: error %d\n", l->name,
			server ? "server" : "client", err);
		l->eiot_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* One client/server pair and the units between them. */
struct pair {
	const struct lib *cl, *sl;
	struct eiot_config *ccfg, *scfg;
	struct eiot_cookie_secret *cookie;
	struct eiot_conn *c, *s;
	enum eiot_transport transport;
	uint64_t now;
};

enum { UNIT_MAX = 17408, MAX_ROUNDS = 200 };

/* Move everything the sender has queued to the receiver. The DTLS server is made only once
 * eiot_dtls_accept accepts a datagram (its HelloVerifyRequests go straight back). */
static bool pump_one_way(struct pair *p, bool from_client, bool *moved)
{
	static uint8_t buf[UNIT_MAX], reply[512];
	const struct lib *from_lib = from_client ? p->cl : p->sl;
	struct eiot_conn *from = from_client ? p->c : p->s;
	size_t len = 0;

	for (int n = 0; from && n < 64; n++) {
		if (from_lib->eiot_conn_output(from, buf, sizeof(buf), &len) != EIOT_OK || len == 0)
			return true;
		*moved = true;
		if (!from_client) {
			p->cl->eiot_conn_feed(p->c, buf, len, p->now);
			continue;
		}
		if (!p->s && p->transport == EIOT_DTLS) {
			size_t rlen = 0;
			int rc = p->sl->eiot_dtls_accept(p->cookie, p->scfg, "peer", 4, buf, len, p->now,
							 reply, sizeof(reply), &rlen);
			if (rc == EIOT_ERR_COOKIE_SENT) {
				p->cl->eiot_conn_feed(p->c, reply, rlen, p->now);
				continue;
			}
			if (rc != EIOT_OK) {
				fprintf(stderr, "cross: eiot_dtls_accept: %d\n", rc);
				return false;
			}
			p->s = p->sl->eiot_conn_new(p->scfg, p->now);
			if (!p->s)
				return false;
		}
		p->sl->eiot_conn_feed(p->s, buf, len, p->now);
	}
	return true;
}

static bool established(const struct lib *l, const struct eiot_conn *c)
{
	return c && l->eiot_conn_state(c) == EIOT_STATE_ESTABLISHED;
}

/* Run until both sides are established and quiet. */
static bool handshake(struct pair *p)
{
	for (int round = 0; round < MAX_ROUNDS; round++) {
		bool moved = false;
		p->now += 10;
		if (!pump_one_way(p, true, &moved) || !pump_one_way(p, false, &moved))
			return false;
		if (!moved)
			return established(p->cl, p->c) && established(p->sl, p->s);
	}
	return false;
}

/* "ping" one way, "pong" the other. */
static bool ping_pong(struct pair *p)
{
	uint8_t got[16];
	size_t n = 0, len = 0;
	bool moved = false;

	if (p->cl->eiot_conn_write(p->c, (const uint8_t *)"ping", 4, &n) || n != 4 ||
	    !pump_one_way(p, true, &moved) ||
	    p->sl->eiot_conn_read(p->s, got, sizeof(got), &len) || len != 4 || memcmp(got, "ping", 4))
		return false;
	if (p->sl->eiot_conn_write(p->s, (const uint8_t *)"pong", 4, &n) || n != 4 ||
	    !pump_one_way(p, false, &moved) ||
	    p->cl->eiot_conn_read(p->c, got, sizeof(got), &len) || len != 4 || memcmp(got, "pong", 4))
		return false;
	return true;
}

/* ping_pong, and the same exported keying material on both sides. */
static bool talk(struct pair *p)
{
	uint8_t ekm_c[32], ekm_s[32];
	return ping_pong(p) && !p->cl->eiot_conn_export(p->c, "EXPERIMENTAL cross backend", NULL, 0, ekm_c, 32) &&
	       !p->sl->eiot_conn_export(p->s, "EXPERIMENTAL cross backend", NULL, 0, ekm_s, 32) &&
	       memcmp(ekm_c, ekm_s, 32) == 0;
}

/* The client's connection saved, dropped and restored from its state (keys as its build's
 * backend keeps them) talks on with the server that never saw it go. */
static bool save_and_restore(struct pair *p)
{
	uint8_t st[EIOT_SAVED_MAX];
	size_t n;
	if (p->cl->eiot_conn_save(p->c, 16, st, sizeof(st), &n))
		return false;
	p->cl->eiot_conn_free(p->c);
	p->c = NULL;
	/* a restored connection sends nothing before its next state is saved (and stored) */
	return !p->cl->eiot_conn_restore(p->ccfg, st, n, p->now, &p->c) &&
	       !p->cl->eiot_conn_save(p->c, 16, st, sizeof(st), &n) && ping_pong(p);
}

static void pair_end(struct pair *p)
{
	p->cl->eiot_conn_free(p->c);
	p->sl->eiot_conn_free(p->s);
	p->c = p->s = NULL;
}

/* A full handshake (a DTLS client saved and restored after it when both builds save), then
 * (when both builds resume) a resumption with the ticket the server issued. */
static bool run(const struct lib *cl, const struct lib *sl, const struct scenario *sc)
{
	struct pair p = { .cl = cl, .sl = sl, .transport = sc->transport, .now = 1000 };
	struct eiot_session_cache *cache = NULL;
	struct eiot_session sess;
	bool ok = false;

	memset(&sess, 0, sizeof(sess));
	p.ccfg = make_config(cl, EIOT_CLIENT, sc);
	p.scfg = make_config(sl, EIOT_SERVER, sc);
	bool resume = resumes(cl) && resumes(sl);
	if (p.scfg && resume)
		cache = sl->eiot_session_cache_new(p.scfg, 16, 3600);
	if (!p.ccfg || !p.scfg || (resume && (!cache || sl->eiot_config_set_session_cache(p.scfg, cache))))
		goto out;
	if (sc->transport == EIOT_DTLS && !(p.cookie = sl->eiot_cookie_secret_new(p.scfg, p.now)))
		goto out;
	if (sc->transport == EIOT_TLS && !(p.s = sl->eiot_conn_new(p.scfg, p.now)))
		goto out;
	if (!(p.c = cl->eiot_conn_new(p.ccfg, p.now)) || !handshake(&p) || !talk(&p) ||
	    (resume && cl->eiot_conn_get_session(p.c, &sess)))
		goto fail;
	if (sc->transport == EIOT_DTLS && saves(cl) && saves(sl) && !save_and_restore(&p))
		goto fail;
	pair_end(&p);
	if (!resume) {
		ok = true;
		goto out;
	}

	if (sc->transport == EIOT_TLS && !(p.s = sl->eiot_conn_new(p.scfg, p.now)))
		goto out;
	if (!(p.c = cl->eiot_conn_new_resume(p.ccfg, &sess, p.now)) || !handshake(&p) ||
	    !cl->eiot_conn_resumed(p.c) || !sl->eiot_conn_resumed(p.s) || !talk(&p))
		goto fail;
	ok = true;
	goto out;
fail:
	if (p.c)
		fprintf(stderr, "cross: client state %d error %d", cl->eiot_conn_state(p.c),
			cl->eiot_conn_error(p.c));
	if (p.s)
		fprintf(stderr, ", server state %d error %d", sl->eiot_conn_state(p.s),
			sl->eiot_conn_error(p.s));
	fprintf(stderr, "\n");
out:
	pair_end(&p);
	cl->eiot_session_clear(&sess);
	if (p.cookie)
		sl->eiot_cookie_secret_free(p.cookie);
	if (cache)
		sl->eiot_session_cache_free(cache);
	cl->eiot_config_free(p.ccfg);
	sl->eiot_config_free(p.scfg);
	return ok;
}

static const struct scenario scenarios[] = {
	{ "TLS PSK CCM_8", EIOT_TLS, CRED_PSK, EIOT_PSK_WITH_AES_128_CCM_8 },
	{ "DTLS PSK CCM_8", EIOT_DTLS, CRED_PSK, EIOT_PSK_WITH_AES_128_CCM_8 },
	{ "TLS ECDHE-ECDSA mutual CCM_8", EIOT_TLS, CRED_CERT, EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8 },
	{ "DTLS ECDHE-ECDSA mutual CCM_8", EIOT_DTLS, CRED_CERT, EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8 },
	{ "TLS ECDHE-ECDSA mutual CCM", EIOT_TLS, CRED_CERT, EIOT_ECDHE_ECDSA_WITH_AES_128_CCM },
	{ "DTLS ECDHE-ECDSA mutual GCM", EIOT_DTLS, CRED_CERT, EIOT_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 },
	{ "DTLS raw public keys CCM_8", EIOT_DTLS, CRED_RPK, EIOT_ECDHE_ECDSA_WITH_AES_128_CCM_8 },
};

int main(int argc, char **argv)
{
	struct lib libs[2];
	int failed = 0, passed = 0, skipped = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s LIB_A LIB_B PKI_DIR\n", argv[0]);
		return 2;
	}
	pki = argv[3];
	if (!lib_open(&libs[0], argv[1]) || !lib_open(&libs[1], argv[2]))
		return 1;
	if ((void *)libs[0].eiot_conn_new == (void *)libs[1].eiot_conn_new) {
		fprintf(stderr, "cross: both names resolve to one library\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		for (int dir = 0; dir < 2; dir++) {
			const struct lib *cl = &libs[dir], *sl = &libs[1 - dir];
			if (!fits(cl, EIOT_CLIENT, &scenarios[i]) || !fits(sl, EIOT_SERVER, &scenarios[i])) {
				skipped++;
				continue;
			}
			bool ok = run(cl, sl, &scenarios[i]);
			printf("%s %s: client %s, server %s\n", ok ? "PASS" : "FAIL", scenarios[i].name,
			       cl->name, sl->name);
			ok ? passed++ : failed++;
		}
	}
	printf("cross: %d passed, %d failed, %d not in both builds\n", passed, failed, skipped);
	return failed || !passed ? 1 : 0;
}
