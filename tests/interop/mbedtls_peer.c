/*
 * tests/interop/mbedtls_peer.c — a client on Debian's mbedTLS 2.28 (libmbedtls: its own TLS and
 * DTLS, not ours), the peer that devices run, for the interop tests.
 *
 *   mbedtls-peer --connect HOST:PORT [--dtls] (--psk ID:HEX | --cert F --key F) [--ca F]
 *                [--server-name NAME] [--tickets] [--reconnect] [--message TEXT]
 *
 * Connects, completes the handshake, sends TEXT (default "hello from mbedtls") and reads one
 * answer; with --reconnect it then closes, connects again offering the session it got (by
 * ticket with --tickets, else by session ID) and does it once more. Prints one line per
 * handshake — "mbedtls: handshake ok, suite NAME, session ID N bytes, ticket yes|no" — and one
 * per answer; exits 0 only when every handshake and exchange succeeded, else 1 after a line
 * naming mbedTLS's error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/timing.h>
#include <mbedtls/x509_crt.h>

struct opts {
	char host[256], port[8];
	int dtls, tickets, reconnect;
	const char *psk_id, *cert, *key, *ca, *server_name, *message;
	unsigned char psk[64];
	size_t psk_len;
};

static int die(const char *what, int ret)
{
	char buf[160];
	mbedtls_strerror(ret, buf, sizeof(buf));
	printf("mbedtls: %s failed: -0x%04x %s\n", what, (unsigned)-ret, buf);
	return 1;
}

static int parse(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->message = "hello from mbedtls";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--dtls")) o->dtls = 1;
		else if (!strcmp(a, "--tickets")) o->tickets = 1;
		else if (!strcmp(a, "--reconnect")) o->reconnect = 1;
		else if (!v) return -1;
		else if (!strcmp(a, "--connect")) {
			const char *c = strrchr(v, ':');
			if (!c || (size_t)(c - v) >= sizeof(o->host) || strlen(c + 1) >= sizeof(o->port))
				return -1;
			memcpy(o->host, v, (size_t)(c - v));
			strcpy(o->port, c + 1);
			i++;
		} else if (!strcmp(a, "--psk")) {
			static char id[256];
			const char *c = strchr(v, ':');
			if (!c || (size_t)(c - v) >= sizeof(id))
				return -1;
			memcpy(id, v, (size_t)(c - v));
			o->psk_id = id;
			for (c++; c[0] && c[1] && o->psk_len < sizeof(o->psk); c += 2) {
				unsigned b;
				if (sscanf(c, "%2x", &b) != 1)
					return -1;
				o->psk[o->psk_len++] = (unsigned char)b;
			}
			i++;
		} else if (!strcmp(a, "--cert")) o->cert = v, i++;
		else if (!strcmp(a, "--key")) o->key = v, i++;
		else if (!strcmp(a, "--ca")) o->ca = v, i++;
		else if (!strcmp(a, "--server-name")) o->server_name = v, i++;
		else if (!strcmp(a, "--message")) o->message = v, i++;
		else return -1;
	}
	return o->host[0] && (o->psk_id || (o->cert && o->key && o->ca)) ? 0 : -1;
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

int main(int argc, char **argv)
{
	struct opts o;
	mbedtls_ssl_config conf;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt own, ca;
	mbedtls_pk_context key;
	mbedtls_ssl_session saved;
	static int psk_suites[] = { MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8, 0 };
	static int cert_suites[] = { MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, 0 };
	int ret, rc = 1;

	if (parse(&o, argc, argv)) {
		fprintf(stderr, "usage: mbedtls-peer --connect HOST:PORT [--dtls] (--psk ID:HEX | --cert F "
				"--key F) [--ca F] [--server-name N] [--tickets] [--reconnect] [--message T]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mbedtls_ssl_config_init(&conf);
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_x509_crt_init(&own);
	mbedtls_x509_crt_init(&ca);
	mbedtls_pk_init(&key);
	mbedtls_ssl_session_init(&saved);
	if ((ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0)) ||
	    (ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
					       o.dtls ? MBEDTLS_SSL_TRANSPORT_DATAGRAM : MBEDTLS_SSL_TRANSPORT_STREAM,
					       MBEDTLS_SSL_PRESET_DEFAULT))) {
		rc = die("configuration", ret);
		goto out;
	}
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_session_tickets(&conf, o.tickets ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
						    : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
	mbedtls_ssl_conf_read_timeout(&conf, 10000);
	if (o.psk_id) {
		mbedtls_ssl_conf_ciphersuites(&conf, psk_suites);
		ret = mbedtls_ssl_conf_psk(&conf, o.psk, o.psk_len, (const unsigned char *)o.psk_id,
					   strlen(o.psk_id));
	} else {
		mbedtls_ssl_conf_ciphersuites(&conf, cert_suites);
		if (!(ret = mbedtls_x509_crt_parse_file(&own, o.cert)) &&
		    !(ret = mbedtls_pk_parse_keyfile(&key, o.key, NULL)))
			ret = mbedtls_ssl_conf_own_cert(&conf, &own, &key);
	}
	if (!ret && o.ca && !(ret = mbedtls_x509_crt_parse_file(&ca, o.ca))) {
		mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
		mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	}
	if (ret) {
		rc = die("credentials", ret);
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
