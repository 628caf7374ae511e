/*
 * tests/interop/mbedtls_peer.c — a client and a server on Debian's mbedTLS 2.28 (libmbedtls:
 * its own TLS and DTLS, not ours), the peer that devices and some gateways run, for the interop
 * tests.
 *
 *   mbedtls-peer --connect HOST:PORT [--dtls] (--psk ID:HEX | --cert F --key F) [--ca F]
 *                [--server-name NAME] [--tickets] [--reconnect] [--message TEXT] [--timeout S]
 *   mbedtls-peer --listen HOST:PORT [--dtls] (--psk ID:HEX | --cert F --key F [--ca F])
 *                [--tickets] [--no-cache] [--connections N] [--timeout S]
 *
 * Client: connects, completes the handshake, sends TEXT (default "hello from mbedtls") and reads
 * one answer; with --reconnect it then closes, connects again offering the session it got (by
 * ticket with --tickets, else by session ID) and does it once more. Prints one line per
 * handshake — "mbedtls: handshake ok, suite NAME, session ID N bytes, ticket yes|no" — and one
 * per answer.
 *
 * Server: serves N connections (default 1) one after the other; DTLS goes through the cookie
 * exchange (RFC 6347 §4.2.1). Sessions are cached by ID (unless --no-cache) and, with --tickets,
 * also issued as RFC 5077 tickets. --ca requires a client certificate signed by F. For each
 * connection: "mbedtls: handshake ok, suite NAME, resumed no|yes, by session ID|ticket", then it
 * reads one message ("mbedtls: received: ..."), answers "reply from mbedtls" and sends
 * close_notify.
 *
 * Both: only TLS/DTLS 1.2, the RFC 7925 suites (PSK or ECDHE-ECDSA with AES-128-CCM-8), P-256
 * and SHA-256. Exit 0 only when everything succeeded, else 1 after one line naming mbedTLS's
 * error; everything ends after --timeout seconds (default 20).
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_cookie.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/timing.h>
#include <mbedtls/x509_crt.h>

#define REPLY "reply from mbedtls\n"

struct opts {
	char host[256], port[8];
	int listen, dtls, tickets, reconnect, no_cache;
	unsigned connections, timeout_s;
	const char *psk_id, *cert, *key, *ca, *server_name, *message;
	unsigned char psk[64];
	size_t psk_len;
};

/*
 * mbedTLS 2.28 has no public "was this handshake resumed" getter: ssl->handshake->resume is
 * internal and freed when the handshake ends, and mbedtls_ssl_get_session() is client-only.
 * So the server watches the two callbacks through which a session comes back: the cache's get
 * (resumption by session ID, RFC 5246 §7.4.1.2) and the ticket parser (RFC 5077 §3.4). mbedTLS
 * resumes exactly when one of them succeeds for the ClientHello it answers — a success has no
 * other effect — so a flag set there, cleared for each ClientHello, is the answer. The iot-tls
 * client, which reports "resumed yes|no" itself, is the second judge in the tests.
 */
struct resume_watch {
	mbedtls_ssl_cache_context cache;
	mbedtls_ssl_ticket_context ticket;
	int by_id, by_ticket;
};

static char timeout_line[64];

static int die(const char *what, int ret)
{
	char buf[160];
	mbedtls_strerror(ret, buf, sizeof(buf));
	printf("mbedtls: %s failed: -0x%04x %s\n", what, (unsigned)-ret, buf);
	return 1;
}

static void on_alarm(int sig)
{
	ssize_t n = write(STDOUT_FILENO, timeout_line, strlen(timeout_line));

	(void)sig;
	(void)n;
	_exit(1);
}

static int parse_hostport(struct opts *o, const char *v)
{
	const char *c = strrchr(v, ':');
	if (o->host[0] || !c || (size_t)(c - v) >= sizeof(o->host) || strlen(c + 1) >= sizeof(o->port))
		return -1;
	memcpy(o->host, v, (size_t)(c - v));
	strcpy(o->port, c + 1);
	return 0;
}

static int parse_psk(struct opts *o, const char *v)
{
	static char id[256];
	const char *c = strchr(v, ':');
	if (!c || (size_t)(c - v) >= sizeof(id))
		return -1;
	memset(id, 0, sizeof(id));
	memcpy(id, v, (size_t)(c - v));
	o->psk_id = id;
	o->psk_len = 0;
	for (c++; c[0] && c[1] && o->psk_len < sizeof(o->psk); c += 2) {
		unsigned b;
		if (sscanf(c, "%2x", &b) != 1)
			return -1;
		o->psk[o->psk_len++] = (unsigned char)b;
	}
	return o->psk_len ? 0 : -1;
}

static int parse_count(unsigned *to, const char *v, unsigned max)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (*end || !n || n > max)
		return -1;
	*to = (unsigned)n;
	return 0;
}

/* Options taking a value; the flags are handled by parse(). */
static int parse_valued(struct opts *o, const char *a, const char *v)
{
	if (!strcmp(a, "--connect")) return parse_hostport(o, v);
	if (!strcmp(a, "--listen")) {
		o->listen = 1;
		return parse_hostport(o, v);
	}
	if (!strcmp(a, "--psk")) return parse_psk(o, v);
	if (!strcmp(a, "--connections")) return parse_count(&o->connections, v, 100);
	if (!strcmp(a, "--timeout")) return parse_count(&o->timeout_s, v, 600);
	if (!strcmp(a, "--cert")) o->cert = v;
	else if (!strcmp(a, "--key")) o->key = v;
	else if (!strcmp(a, "--ca")) o->ca = v;
	else if (!strcmp(a, "--server-name")) o->server_name = v;
	else if (!strcmp(a, "--message")) o->message = v;
	else return -1;
	return 0;
}

static int parse(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->message = "hello from mbedtls";
	o->connections = 1;
	o->timeout_s = 20;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--dtls")) o->dtls = 1;
		else if (!strcmp(a, "--tickets")) o->tickets = 1;
		else if (!strcmp(a, "--reconnect")) o->reconnect = 1;
		else if (!strcmp(a, "--no-cache")) o->no_cache = 1;
		else if (i + 1 >= argc || parse_valued(o, a, argv[++i])) return -1;
	}
	if (!o->host[0] || (o->listen && o->reconnect))
		return -1;
	if (o->psk_id)
		return 0;
	return o->cert && o->key && (o->ca || o->listen) ? 0 : -1;
}

/* One connection: handshake (offering *saved when it holds a session), one exchange, close;
 * the session to offer next time into *saved. */
static int one_connection(const struct opts *o, mbedtls_ssl_config *conf, mbedtls_ssl_session *saved,
			  int offer)
{
	mbedtls_net_context fd;
	mbedtls_ssl_context ssl;
	mbedtls_timing_delay_context timer;
	unsigned char buf[1024];
	int ret, rc = 1;

	mbedtls_net_init(&fd);
	mbedtls_ssl_init(&ssl);
	if ((ret = mbedtls_net_connect(&fd, o->host, o->port,
				       o->dtls ? MBEDTLS_NET_PROTO_UDP : MBEDTLS_NET_PROTO_TCP))) {
		rc = die("connect", ret);
		goto out;
	}
	if ((ret = mbedtls_ssl_setup(&ssl, conf)) ||
	    (o->server_name && (ret = mbedtls_ssl_set_hostname(&ssl, o->server_name))) ||
	    (offer && (ret = mbedtls_ssl_set_session(&ssl, saved)))) {
		rc = die("setup", ret);
		goto out;
	}
	mbedtls_ssl_set_bio(&ssl, &fd, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
	if (o->dtls)
		mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
	while ((ret = mbedtls_ssl_handshake(&ssl)) != 0)
		if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
			rc = die("handshake", ret);
			goto out;
		}
	mbedtls_ssl_session_free(saved);
	mbedtls_ssl_session_init(saved);
	if ((ret = mbedtls_ssl_get_session(&ssl, saved))) {
		rc = die("get_session", ret);
		goto out;
	}
	printf("mbedtls: handshake ok, suite %s, session ID %zu bytes, ticket %s\n",
	       mbedtls_ssl_get_ciphersuite(&ssl), saved->id_len, saved->ticket_len ? "yes" : "no");
	while ((ret = mbedtls_ssl_write(&ssl, (const unsigned char *)o->message, strlen(o->message))) <= 0)
		if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
			rc = die("write", ret);
			goto out;
		}
	do
		ret = mbedtls_ssl_read(&ssl, buf, sizeof(buf) - 1);
	while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (ret <= 0) {
		rc = die("read", ret);
		goto out;
	}
	buf[ret] = 0;
	printf("mbedtls: answer: %s%s", buf, buf[ret - 1] == '\n' ? "" : "\n");
	mbedtls_ssl_close_notify(&ssl);
	rc = 0;
out:
	mbedtls_ssl_free(&ssl);
	mbedtls_net_free(&fd);
	return rc;
}

static int watch_cache_get(void *p, mbedtls_ssl_session *s)
{
	struct resume_watch *w = p;
	int ret = mbedtls_ssl_cache_get(&w->cache, s);
	w->by_id |= ret == 0;
	return ret;
}

static int watch_cache_set(void *p, const mbedtls_ssl_session *s)
{
	struct resume_watch *w = p;
	return mbedtls_ssl_cache_set(&w->cache, s);
}

static int watch_ticket_write(void *p, const mbedtls_ssl_session *s, unsigned char *start,
			      const unsigned char *end, size_t *tlen, uint32_t *lifetime)
{
	struct resume_watch *w = p;
	return mbedtls_ssl_ticket_write(&w->ticket, s, start, end, tlen, lifetime);
}

static int watch_ticket_parse(void *p, mbedtls_ssl_session *s, unsigned char *buf, size_t len)
{
	struct resume_watch *w = p;
	int ret = mbedtls_ssl_ticket_parse(&w->ticket, s, buf, len);
	w->by_ticket |= ret == 0;
	return ret;
}

/* The cookie binds the client's address and port (RFC 6347 §4.2.1). */
static int set_transport_id(mbedtls_ssl_context *ssl, const mbedtls_net_context *cli)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	if (getpeername(cli->fd, (struct sockaddr *)&peer, &len))
		return MBEDTLS_ERR_NET_ACCEPT_FAILED;
	return mbedtls_ssl_set_client_transport_id(ssl, (const unsigned char *)&peer, len);
}

/* Handshake. In DTLS the first ClientHello (no cookie) ends in
 * MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED once the HelloVerifyRequest is out (RFC 6347 §4.2.1).
 * The socket is connected to that client, so its second ClientHello comes here: reset the
 * context (mbedTLS requires it) and go on. */
static int server_handshake(mbedtls_ssl_context *ssl, const mbedtls_net_context *cli,
			    struct resume_watch *w)
{
	int ret;
	w->by_id = w->by_ticket = 0;
	while ((ret = mbedtls_ssl_handshake(ssl)) != 0) {
		if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (ret != MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED)
			return die("handshake", ret);
		printf("mbedtls: HelloVerifyRequest sent\n");
		w->by_id = w->by_ticket = 0;
		if ((ret = mbedtls_ssl_session_reset(ssl)) || (ret = set_transport_id(ssl, cli)))
			return die("reset after HelloVerifyRequest", ret);
	}
	return 0;
}

static void report(mbedtls_ssl_context *ssl, const struct resume_watch *w)
{
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(ssl);
	char dn[256];

	printf("mbedtls: handshake ok, suite %s, resumed %s\n", mbedtls_ssl_get_ciphersuite(ssl),
	       w->by_ticket ? "yes, by ticket" : w->by_id ? "yes, by session ID" : "no");
	if (peer && mbedtls_x509_dn_gets(dn, sizeof(dn), &peer->subject) > 0)
		printf("mbedtls: client certificate verified, subject %s\n", dn);
}

/* Read one message, answer, close_notify (RFC 5246 §7.2.1), then give the client a moment to
 * answer with its own so the socket is not closed under it. */
static int server_exchange(mbedtls_ssl_context *ssl, mbedtls_net_context *cli)
{
	unsigned char buf[1024];
	int ret;

	do
		ret = mbedtls_ssl_read(ssl, buf, sizeof(buf) - 1);
	while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (ret <= 0)
		return die("read", ret ? ret : MBEDTLS_ERR_SSL_CONN_EOF);
	buf[ret] = 0;
	printf("mbedtls: received: %.*s\n", buf[ret - 1] == '\n' ? ret - 1 : ret, (char *)buf);
	while ((ret = mbedtls_ssl_write(ssl, (const unsigned char *)REPLY, strlen(REPLY))) <= 0)
		if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE)
			return die("write", ret);
	while ((ret = mbedtls_ssl_close_notify(ssl)) != 0)
		if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE)
			return die("close_notify", ret);
	if (mbedtls_ssl_check_pending(ssl) || mbedtls_net_poll(cli, MBEDTLS_NET_POLL_READ, 2000) > 0)
		mbedtls_ssl_read(ssl, buf, sizeof(buf)); /* its close_notify, or nothing */
	return 0;
}

/* Accept one client and serve it. */
static int serve_one(const struct opts *o, mbedtls_ssl_config *conf, mbedtls_net_context *lsn,
		     struct resume_watch *w)
{
	mbedtls_net_context cli;
	mbedtls_ssl_context ssl;
	mbedtls_timing_delay_context timer;
	int ret, rc = 1;

	mbedtls_net_init(&cli);
	mbedtls_ssl_init(&ssl);
	if ((ret = mbedtls_net_accept(lsn, &cli, NULL, 0, NULL))) {
		rc = die("accept", ret);
		goto out;
	}
	if ((ret = mbedtls_ssl_setup(&ssl, conf)) || (o->dtls && (ret = set_transport_id(&ssl, &cli)))) {
		rc = die("setup", ret);
		goto out;
	}
	mbedtls_ssl_set_bio(&ssl, &cli, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
	if (o->dtls)
		mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);
	if (!(rc = server_handshake(&ssl, &cli, w))) {
		report(&ssl, w);
		rc = server_exchange(&ssl, &cli);
	}
out:
	mbedtls_ssl_free(&ssl);
	mbedtls_net_free(&cli);
	return rc;
}

/* Server-only state: DTLS cookies, the session cache, tickets. */
static int server_config(const struct opts *o, mbedtls_ssl_config *conf,
			 mbedtls_ssl_cookie_ctx *cookie, struct resume_watch *w,
			 mbedtls_ctr_drbg_context *drbg)
{
	int ret;

	if (o->dtls) {
		if ((ret = mbedtls_ssl_cookie_setup(cookie, mbedtls_ctr_drbg_random, drbg)))
			return ret;
		mbedtls_ssl_conf_dtls_cookies(conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check, cookie);
	}
	if (!o->no_cache)
		mbedtls_ssl_conf_session_cache(conf, w, watch_cache_get, watch_cache_set);
	if (o->tickets) {
		if ((ret = mbedtls_ssl_ticket_setup(&w->ticket, mbedtls_ctr_drbg_random, drbg,
						    MBEDTLS_CIPHER_AES_128_GCM, 300)))
			return ret;
		mbedtls_ssl_conf_session_tickets_cb(conf, watch_ticket_write, watch_ticket_parse, w);
	}
	return 0;
}

static int run_server(const struct opts *o, mbedtls_ssl_config *conf,
		      mbedtls_ctr_drbg_context *drbg)
{
	mbedtls_net_context lsn;
	mbedtls_ssl_cookie_ctx cookie;
	struct resume_watch w;
	int ret, rc = 1;

	mbedtls_net_init(&lsn);
	mbedtls_ssl_cookie_init(&cookie);
	mbedtls_ssl_cache_init(&w.cache);
	mbedtls_ssl_ticket_init(&w.ticket);
	if ((ret = server_config(o, conf, &cookie, &w, drbg))) {
		rc = die("server configuration", ret);
		goto out;
	}
	if ((ret = mbedtls_net_bind(&lsn, o->host, o->port,
				    o->dtls ? MBEDTLS_NET_PROTO_UDP : MBEDTLS_NET_PROTO_TCP))) {
		rc = die("bind", ret);
		goto out;
	}
	rc = 0;
	for (unsigned i = 0; i < o->connections && !rc; i++)
		rc = serve_one(o, conf, &lsn, &w);
out:
	mbedtls_ssl_ticket_free(&w.ticket);
	mbedtls_ssl_cache_free(&w.cache);
	mbedtls_ssl_cookie_free(&cookie);
	mbedtls_net_free(&lsn);
	return rc;
}

/* Credentials and suites of either role. A server with --ca requires the client's
 * certificate; a client with --ca requires the server's. */
static int credentials(const struct opts *o, mbedtls_ssl_config *conf, mbedtls_x509_crt *own,
		       mbedtls_pk_context *key, mbedtls_x509_crt *ca)
{
	static const int psk_suites[] = { MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8, 0 };
	static const int cert_suites[] = { MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, 0 };
	int ret;

	if (o->psk_id) {
		mbedtls_ssl_conf_ciphersuites(conf, psk_suites);
		ret = mbedtls_ssl_conf_psk(conf, o->psk, o->psk_len, (const unsigned char *)o->psk_id,
					   strlen(o->psk_id));
	} else {
		mbedtls_ssl_conf_ciphersuites(conf, cert_suites);
		if (!(ret = mbedtls_x509_crt_parse_file(own, o->cert)) &&
		    !(ret = mbedtls_pk_parse_keyfile(key, o->key, NULL)))
			ret = mbedtls_ssl_conf_own_cert(conf, own, key);
	}
	if (!ret && o->ca && !(ret = mbedtls_x509_crt_parse_file(ca, o->ca))) {
		mbedtls_ssl_conf_ca_chain(conf, ca, NULL);
		mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	}
	return ret;
}

/* The RFC 7925 profile both roles keep to: (D)TLS 1.2, P-256 (§4.4.3), SHA-256 signatures. */
static int base_config(const struct opts *o, mbedtls_ssl_config *conf,
		       mbedtls_ctr_drbg_context *drbg)
{
	static const mbedtls_ecp_group_id curves[] = { MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE };
	static const int hashes[] = { MBEDTLS_MD_SHA256, MBEDTLS_MD_NONE };
	int ret = mbedtls_ssl_config_defaults(conf,
					      o->listen ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
					      o->dtls ? MBEDTLS_SSL_TRANSPORT_DATAGRAM
						      : MBEDTLS_SSL_TRANSPORT_STREAM,
					      MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret)
		return ret;
	mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, drbg);
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_curves(conf, curves);
	mbedtls_ssl_conf_sig_hashes(conf, hashes);
	mbedtls_ssl_conf_read_timeout(conf, 10000);
	if (!o->listen) /* a server's tickets are set up by server_config() */
		mbedtls_ssl_conf_session_tickets(conf, o->tickets ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
								  : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
	return 0;
}

static void arm_timeout(unsigned seconds)
{
	snprintf(timeout_line, sizeof(timeout_line), "mbedtls: timed out after %u s\n", seconds);
	signal(SIGALRM, on_alarm);
	alarm(seconds);
}

int main(int argc, char **argv)
{
	struct opts o;
	mbedtls_ssl_config conf;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt own, ca;
	mbedtls_pk_context key;
	mbedtls_ssl_session saved;
	int ret, rc = 1;

	if (parse(&o, argc, argv)) {
		fprintf(stderr, "usage: mbedtls-peer --connect HOST:PORT [--dtls] (--psk ID:HEX | --cert F "
				"--key F) [--ca F] [--server-name N] [--tickets] [--reconnect] [--message T] "
				"[--timeout S]\n"
				"       mbedtls-peer --listen HOST:PORT [--dtls] (--psk ID:HEX | --cert F --key F "
				"[--ca F]) [--tickets] [--no-cache] [--connections N] [--timeout S]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	arm_timeout(o.timeout_s);
	mbedtls_ssl_config_init(&conf);
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_x509_crt_init(&own);
	mbedtls_x509_crt_init(&ca);
	mbedtls_pk_init(&key);
	mbedtls_ssl_session_init(&saved);
	if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0)) ||
	    (ret = base_config(&o, &conf, &drbg))) {
		rc = die("configuration", ret);
		goto out;
	}
	if ((ret = credentials(&o, &conf, &own, &key, &ca))) {
		rc = die("credentials", ret);
		goto out;
	}
	if (o.listen) {
		rc = run_server(&o, &conf, &drbg);
		goto out;
	}
	rc = one_connection(&o, &conf, &saved, 0);
	if (!rc && o.reconnect)
		rc = one_connection(&o, &conf, &saved, 1);
out:
	mbedtls_ssl_session_free(&saved);
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&ca);
	mbedtls_x509_crt_free(&own);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	mbedtls_ssl_config_free(&conf);
	return rc;
}
