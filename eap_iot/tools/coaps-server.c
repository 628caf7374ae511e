/*
 * coaps-server — a CoAPS server (RFC 7252 §9, RFC 7925 profile) on eap_iot's engine: one UDP
 * socket, many DTLS peers, example resources. In libcoap coap-server's habits:
 *
 *   coaps-server [-A ADDR] [-p PORT] (-u ID -k KEY [-u ID -k KEY]... [-h HINT] |
 *                -c CERT -j KEY -C CA | -M KEYFILE --peer-rpk PUBFILE...) [-v N] [--psk-hex HEX]
 *                [--strict] [--suites A,B] [--mtu N] [--max-record N] [--max-peers N]
 *                [--idle-timeout SECONDS] [--handshake-rate N] [--max-body BYTES]
 *                [--session-cache N] [--no-tickets] [--dtls-timeout MS] [--ack-timeout MS]
 *                [--max-retransmit N] [--no-cookie] [--cid N] [-B SECONDS]
 *
 * -p is the CoAPS port itself (5684 by default; libcoap's -p is its plain CoAP port and serves
 * DTLS one above). Each -k KEY (text; --psk-hex for binary) is the key of the -u ID before it:
 * the device must use that identity. With -c/-j/-C a client certificate is required; with -M
 * (our P-256 key as a raw public key, RFC 7250) the client's key must be one of the
 * --peer-rpk files. -B SECONDS stops the server after that long (close_notify to every peer).
 * Resumption is on: N session IDs cached (--session-cache, 1024 by default, 0 turns resumption
 * off; lifetime one hour) and session tickets (RFC 5077) for clients that ask, unless
 * --no-tickets. --max-record (1280 by default: a CoAP message of 1152 bytes and its options fit) bounds the
 * records taken and sent, and so what an established peer costs (see the README). The timers,
 * as coaps-client's: --dtls-timeout (DTLS's first retransmission, RFC 7925 §11's 9000 ms by
 * default), --ack-timeout and --max-retransmit (RFC 7252 §4.8: 2000 ms and 4). --no-cookie
 * drops the stateless cookie exchange (RFC 6347 §4.2.1): on links whose frames cannot carry a
 * whole ClientHello with a cookie (a 127-byte 802.15.4 budget), the connection then reassembles
 * a fragmented ClientHello; any datagram that looks like one costs a peer slot until the
 * handshake gives up, so keep --max-peers and --handshake-rate tight there. --cid N gives
 * each client that offers DTLS connection IDs (RFC 9146) an N-byte one (4..16): its session is
 * then found by it when its address or port changes (NAT rebinding), and it moves to the new
 * address once a record from there authenticated.
 *
 * Resources:
 *   /sensors/temp   GET: a temperature that changes every second (text, rt "temperature-c");
 *                   observable (RFC 7641): observers get each new value
 *   /config         GET, PUT (up to --max-body, Block1), DELETE (back to the default)
 *   /firmware       GET: 4096 bytes (Block2), PUT: replace them (Block1); ETag follows content
 *   /log            POST: append a line (2.01), GET: the lines
 *   /.well-known/core
 * One line per request on stdout with -v 1; DTLS events on stderr with -v 2 (-v 3 debug).
 * Exit status: 0 after -B or SIGTERM/SIGINT, 2 usage, 5 local error (socket, credentials).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "eap_iot/coap_server.h"
#include "eap_iot/conn.h"
#include "eap_iot/eap_iot.h"
#include "tool_util.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_LOCAL = 5 };

#define MAX_PSK 8
#define MAX_PINS 8
#define FIRMWARE_SIZE 4096

struct opts {
	const char *addr, *port, *suites, *hint;
	struct tool_creds creds;
	const char *pins[MAX_PINS];
	size_t n_pins;
	struct { const char *id; uint8_t key[64]; size_t key_len; } psk[MAX_PSK];
	size_t n_psk;
	bool strict;
	unsigned verbose, mtu, max_record, stop_s, session_cache, dtls_timeout_ms, cid;
	bool no_tickets, no_cookie;
	struct eiot_coaps_server_params sp;
};

static const char SYNOPSIS[] =
	"usage: coaps-server [-A ADDR] [-p PORT] (-u ID -k KEY... [-h HINT] | -c CERT -j KEY "
	"-C CA | -M KEYFILE --peer-rpk PUBFILE...) [-v N] [--psk-hex HEX] [--strict] "
	"[--suites A,B] [--mtu N] [--max-record N] [--max-peers N] [--idle-timeout S] [--handshake-rate N] "
	"[--max-body BYTES] [--session-cache N] [--no-tickets] [--dtls-timeout MS] "
	"[--ack-timeout MS] [--max-retransmit N] [--no-cookie] [--cid N] [-B SECONDS]\n";
#define usage(...) tool_usage("coaps-server", SYNOPSIS, __VA_ARGS__)

#define number(opt, v, lo, hi) tool_number("coaps-server", SYNOPSIS, opt, v, lo, hi)

static void parse(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->port = "5684";
	o->mtu = 1280;
	o->max_record = 1280;
	o->session_cache = 1024;
	eiot_coaps_server_params_default(&o->sp);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL, *why;
		int timer;
		if (!strcmp(a, "--strict")) {
			o->strict = true;
			continue;
		}
		if (!strcmp(a, "--no-tickets")) {
			o->no_tickets = true;
			continue;
		}
		if (!strcmp(a, "--no-cookie")) {
			o->no_cookie = true;
			continue;
		}
		if (!v)
			usage("%s needs a value", a);
		if (!strcmp(a, "-A")) {
			o->addr = v;
		} else if (!strcmp(a, "-p")) {
			o->port = v;
		} else if (!strcmp(a, "-u")) {
			if (o->n_psk == MAX_PSK)
				usage("at most %d PSK identities", MAX_PSK);
			o->psk[o->n_psk++].id = v;
		} else if (!strcmp(a, "-k") || !strcmp(a, "--psk-hex")) {
			if (!o->n_psk || o->psk[o->n_psk - 1].key_len)
				usage("%s: give -u ID before each key", a);
			uint8_t *k = o->psk[o->n_psk - 1].key;
			long n = strlen(v) <= 64 ? (long)strlen(v) : -1;
			if (a[1] == 'k' && n > 0)
				memcpy(k, v, (size_t)n);
			else if (a[1] != 'k')
				n = tool_hex(v, k, 64);
			if (n <= 0)
				usage("%s: 1 to 64 bytes", a);
			o->psk[o->n_psk - 1].key_len = (size_t)n;
		} else if (!strcmp(a, "-h")) {
			o->hint = v;
		} else if (tool_cred_option(a, v, &o->creds)) {
			/* -c, -j, -C, -M: taken */
		} else if (!strcmp(a, "--peer-rpk")) {
			if (o->n_pins == MAX_PINS)
				usage("at most %d --peer-rpk", MAX_PINS);
			o->pins[o->n_pins++] = v;
		} else if (!strcmp(a, "-v")) {
			o->verbose = (unsigned)number(a, v, 0, 9);
		} else if (!strcmp(a, "--suites")) {
			o->suites = v;
		} else if (!strcmp(a, "--mtu")) {
			o->mtu = (unsigned)number(a, v, 64, 16384);
		} else if (!strcmp(a, "--cid")) {
			o->cid = (unsigned)number(a, v, 4, 16);
		} else if (!strcmp(a, "--max-record")) {
			o->max_record = (unsigned)number(a, v, 64, 16384);
		} else if (!strcmp(a, "--session-cache")) {
			o->session_cache = (unsigned)number(a, v, 0, 65536);
		} else if (!strcmp(a, "--max-peers")) {
			o->sp.max_peers = (uint32_t)number(a, v, 1, 1000000);
		} else if (!strcmp(a, "--idle-timeout")) {
			o->sp.idle_timeout_ms = (uint32_t)number(a, v, 1, 86400) * 1000;
		} else if (!strcmp(a, "--handshake-rate")) {
			o->sp.handshakes_per_s = (uint16_t)number(a, v, 1, 65535);
			o->sp.handshake_burst = o->sp.handshakes_per_s * 2 > 65535 ? 65535 : o->sp.handshakes_per_s * 2;
		} else if (!strcmp(a, "--max-body")) {
			o->sp.max_body = (uint32_t)number(a, v, FIRMWARE_SIZE, 1u << 20);
		} else if (!strcmp(a, "-B")) {
			o->stop_s = (unsigned)number(a, v, 1, 86400);
		} else if ((timer = tool_timer_option(a, v, &o->dtls_timeout_ms, &o->sp.coap, &why))) {
			if (timer < 0)
				usage("%s %s: %s", a, v, why);
		} else {
			usage("unknown option %s", a);
		}
		i++;
	}
	for (size_t i = 0; i < o->n_psk; i++)
		if (!o->psk[i].key_len)
			usage("-u %s has no -k KEY", o->psk[i].id);
	if (!o->n_psk && !(o->creds.cert && o->creds.key && o->creds.ca) && !(o->creds.rpk && o->n_pins))
		usage("give -u ID -k KEY, -c CERT -j KEY -C CA, or -M KEYFILE --peer-rpk PUBFILE");
}

static void log_line(void *user, enum eiot_log_level level, const char *line)
{
	(void)user;
	(void)level;
	fprintf(stderr, "coaps-server: %s\n", line);
}

static struct eiot_session_cache *cache;

static struct eiot_config *dtls_config(const struct opts *o)
{
	struct eiot_config *cfg = eiot_config_new(EIOT_SERVER, EIOT_DTLS);
	const char *what = "configuration";
	int err = cfg ? EIOT_OK : EIOT_ERR_NO_MEMORY;
	if (!err)
		eiot_config_set_log(cfg, log_line, NULL, o->verbose > 2 ? EIOT_LOG_DEBUG
							: o->verbose > 1 ? EIOT_LOG_INFO : EIOT_LOG_WARN);
	for (size_t i = 0; !err && i < o->n_psk; i++)
		err = eiot_config_add_psk(cfg, (const uint8_t *)o->psk[i].id, strlen(o->psk[i].id),
					  o->psk[i].key, o->psk[i].key_len), what = "-u/-k";
	if (!err && o->hint)
		err = eiot_config_set_psk_hint(cfg, (const uint8_t *)o->hint, strlen(o->hint)), what = "-h";
	if (!err)
		err = tool_set_creds(cfg, &o->creds, &what);
	if (!err && (o->creds.ca || o->n_pins))
		err = eiot_config_set_verify_client(cfg, EIOT_VERIFY_REQUIRED), what = "client verification";
	for (size_t i = 0; !err && i < o->n_pins; i++)
		err = eiot_config_add_peer_rpk_file(cfg, o->pins[i]), what = "--peer-rpk";
	if (!err && o->suites) {
		const char *bad = NULL;
		if ((err = tool_set_suites(cfg, o->suites, &bad)) && bad)
			usage("--suites: unknown suite %s", bad);
		what = "--suites";
	}
	if (!err)
		err = eiot_config_set_strict_profile(cfg, o->strict), what = "--strict";
	if (!err)
		err = eiot_config_set_mtu(cfg, o->mtu), what = "--mtu";
	if (!err)
		err = eiot_config_set_max_record(cfg, o->max_record), what = "--max-record";
	if (!err && o->no_cookie)
		err = eiot_config_set_cookie(cfg, false), what = "--no-cookie";
	if (!err && o->cid)
		err = eiot_config_set_connection_id(cfg, true, o->cid), what = "--cid";
	if (!err && o->dtls_timeout_ms)
		err = eiot_config_set_retransmit(cfg, o->dtls_timeout_ms, 60000, 120000), what = "--dtls-timeout";
	if (!err && o->session_cache) {
		cache = eiot_session_cache_new(cfg, o->session_cache, 3600);
		err = cache ? eiot_config_set_session_cache(cfg, cache) : EIOT_ERR_NO_MEMORY;
		what = "--session-cache";
	}
	if (!err)
		err = eiot_config_set_session_tickets(cfg, !o->no_tickets), what = "--no-tickets";
	if (err) {
		fprintf(stderr, "coaps-server: %s refused: %s\n", what, eiot_err_str(err));
		exit(EXIT_LOCAL);
	}
	return cfg;
}

/* ---- the example resources ---- */

static unsigned verbose;
static char config_value[16384] = "interval=60";
static size_t config_len = 11;
static uint8_t firmware[1 << 20];
static size_t firmware_len = FIRMWARE_SIZE;
static char log_lines[4096];
static size_t log_len;

/* With -v 1, one line per request a handler sees: "GET /config, 0 bytes in [ADDR:PORT mid
 * 0x1a2b token 0a0b0c0d]" (the MID and token name the exchange: a duplicate would repeat them);
 * notifications (RFC 7641) are not requests and are not listed. */
static void note(const struct eiot_coap_request *req, const char *path)
{
	static const char *const methods[] = { "?", "GET", "POST", "PUT", "DELETE" };
	char host[64] = "?", port[8] = "?", token[2 * EIOT_COAP_MAX_TOKEN + 1] = "";
	if (!verbose || req->notification)
		return;
	getnameinfo(req->addr, (socklen_t)req->addr_len, host, sizeof(host), port, sizeof(port),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	for (size_t i = 0; i < req->msg->token_len; i++)
		snprintf(token + 2 * i, 3, "%02x", req->msg->token[i]);
	printf("%s /%s, %zu bytes in [%s:%s mid 0x%04x token %s]\n",
	       methods[req->msg->code <= 4 ? req->msg->code : 0], path, req->body_len, host, port,
	       req->msg->mid, token);
	fflush(stdout);
}

/* A 4-byte ETag from the content (FNV-1a), so that a changed representation has a new one. */
static void etag_of(const uint8_t *b, size_t n, struct eiot_coap_response *resp)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	memcpy(resp->etag, &h, 4);
	resp->etag_len = 4;
}

static int temp_get(void *user, const struct eiot_coap_request *req, struct eiot_coap_response *resp)
{
	(void)user;
	note(req, "sensors/temp");
	/* a value that moves with the clock: 20.0 .. 25.9 */
	unsigned t = (unsigned)(tool_now_ms() / 1000 % 60);
	resp->payload_len = (size_t)snprintf((char *)resp->buf, resp->cap, "%u.%u", 20 + t / 10, t % 10);
	resp->content_format = 0;
	resp->max_age = 1;
	return 0;
}

static int config_handler(void *user, const struct eiot_coap_request *req, struct eiot_coap_response *resp)
{
	(void)user;
	note(req, "config");
	if (req->msg->code == EIOT_COAP_PUT) {
		if (req->body_len > sizeof(config_value)) {
			resp->code = EIOT_COAP_REQUEST_ENTITY_TOO_LARGE;
			return 0;
		}
		memcpy(config_value, req->body, req->body_len);
		config_len = req->body_len;
		return 0;
	}
	if (req->msg->code == EIOT_COAP_DELETE) {
		config_len = (size_t)snprintf(config_value, sizeof(config_value), "interval=60");
		return 0;
	}
	resp->payload = (const uint8_t *)config_value;
	resp->payload_len = config_len;
	resp->content_format = 0;
	etag_of(resp->payload, config_len, resp);
	return 0;
}

static int firmware_handler(void *user, const struct eiot_coap_request *req, struct eiot_coap_response *resp)
{
	(void)user;
	note(req, "firmware");
	if (req->msg->code == EIOT_COAP_PUT) {
		memcpy(firmware, req->body, req->body_len);
		firmware_len = req->body_len;
		if (verbose) {
			printf("firmware: %zu bytes stored\n", firmware_len);
			fflush(stdout);
		}
		return 0;
	}
	resp->payload = firmware;
	resp->payload_len = firmware_len;
	resp->content_format = 42; /* application/octet-stream */
	etag_of(firmware, firmware_len, resp);
	return 0;
}

static int log_handler(void *user, const struct eiot_coap_request *req, struct eiot_coap_response *resp)
{
	(void)user;
	note(req, "log");
	if (req->msg->code == EIOT_COAP_POST) {
		if (log_len + req->body_len + 1 > sizeof(log_lines)) {
			resp->code = EIOT_COAP_REQUEST_ENTITY_TOO_LARGE;
			return 0;
		}
		memcpy(log_lines + log_len, req->body, req->body_len);
		log_len += req->body_len;
		log_lines[log_len++] = '\n';
		resp->code = EIOT_COAP_CREATED;
		return 0;
	}
	resp->payload = (const uint8_t *)log_lines;
	resp->payload_len = log_len;
	resp->content_format = 0;
	return 0;
}

static void add_resources(struct eiot_coaps_server *srv)
{
	const unsigned get = EIOT_COAP_METHOD(EIOT_COAP_GET), put = EIOT_COAP_METHOD(EIOT_COAP_PUT);
	const struct eiot_coap_resource rs[] = {
		{ .path = "sensors/temp", .methods = get, .handler = temp_get, .rt = "temperature-c",
		  .if_ = "sensor", .ct = "0", .observable = true },
		{ .path = "config", .methods = get | put | EIOT_COAP_METHOD(EIOT_COAP_DELETE),
		  .handler = config_handler, .rt = "config", .if_ = "core.p", .ct = "0" },
		{ .path = "firmware", .methods = get | put, .handler = firmware_handler, .rt = "firmware",
		  .ct = "42", .sz = FIRMWARE_SIZE },
		{ .path = "log", .methods = get | EIOT_COAP_METHOD(EIOT_COAP_POST), .handler = log_handler,
		  .rt = "log", .ct = "0" },
	};
	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
		if (eiot_coaps_server_add_resource(srv, &rs[i])) {
			fprintf(stderr, "coaps-server: cannot add /%s\n", rs[i].path);
			exit(EXIT_LOCAL);
		}
	for (size_t i = 0; i < FIRMWARE_SIZE; i++) /* a recognisable blob: its offset, mod 251 */
		firmware[i] = (uint8_t)(i % 251);
}

/* ---- the socket loop ---- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int udp_bind(const struct opts *o)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE }, *res;
	int rc = getaddrinfo(o->addr, o->port, &hints, &res);
	if (rc) {
		fprintf(stderr, "coaps-server: %s:%s: %s\n", o->addr ? o->addr : "*", o->port, gai_strerror(rc));
		exit(EXIT_LOCAL);
	}
	int fd = socket(res->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen)) {
		fprintf(stderr, "coaps-server: cannot listen on %s:%s: %s\n", o->addr ? o->addr : "*", o->port,
			strerror(errno));
		exit(EXIT_LOCAL);
	}
	freeaddrinfo(res);
	return fd;
}

static void send_all(int fd, struct eiot_coaps_server *srv)
{
	static uint8_t dg[16384];
	struct sockaddr_storage to;
	size_t len, tl;
	while (eiot_coaps_server_output(srv, dg, sizeof(dg), &len, &to, &tl) == EIOT_OK && len)
		if (sendto(fd, dg, len, 0, (struct sockaddr *)&to, (socklen_t)tl) < 0 && verbose > 1)
			fprintf(stderr, "coaps-server: sendto: %s\n", strerror(errno));
}

int main(int argc, char **argv)
{
	struct opts o;
	static uint8_t dg[16384];
	parse(&o, argc, argv);
	verbose = o.verbose;
	struct eiot_config *cfg = dtls_config(&o);
	int fd = udp_bind(&o);
	uint64_t start = tool_now_ms(), end = o.stop_s ? start + o.stop_s * 1000ull : UINT64_MAX;
	struct eiot_coaps_server *srv = eiot_coaps_server_new(cfg, &o.sp, start);
	if (!srv) {
		fprintf(stderr, "coaps-server: cannot start the server (no memory?)\n");
		return EXIT_LOCAL;
	}
	add_resources(srv);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (o.verbose)
		fprintf(stderr, "coaps-server: serving coaps on %s:%s\n", o.addr ? o.addr : "*", o.port);
	uint64_t next_change = (start / 1000 + 1) * 1000; /* /sensors/temp moves each second */
	while (!stop) {
		uint64_t now = tool_now_ms(), t = eiot_coaps_server_next_timer(srv);
		if (now >= end)
			break;
		if (now >= next_change) {
			eiot_coaps_server_notify(srv, "sensors/temp", now);
			next_change = (now / 1000 + 1) * 1000;
			send_all(fd, srv);
		}
		if (t > end)
			t = end;
		if (t > next_change)
			t = next_change;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ready = poll(&p, 1, t > now ? (t - now > 60000 ? 60000 : (int)(t - now)) : 0);
		now = tool_now_ms();
		if (ready > 0) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(fd, dg, sizeof(dg), 0, (struct sockaddr *)&from, &fl);
			if (n >= 0)
				eiot_coaps_server_feed(srv, &from, fl, dg, (size_t)n, now);
		}
		if (now >= eiot_coaps_server_next_timer(srv))
			eiot_coaps_server_tick(srv, now);
		send_all(fd, srv);
	}
	struct eiot_coaps_server_stats st;
	eiot_coaps_server_stats(srv, &st);
	eiot_coaps_server_shutdown(srv);
	send_all(fd, srv);
	fprintf(stderr, "coaps-server: %llu handshakes (%llu failed), %llu requests, %llu notifications, "
			"%llu cookies sent, %llu rate-limited, %llu refused for a full table, %llu evicted, "
			"%llu closed idle, %u observing, %llu moved by connection ID\n",
		(unsigned long long)st.handshakes, (unsigned long long)st.handshakes_failed,
		(unsigned long long)st.requests, (unsigned long long)st.notifications,
		(unsigned long long)st.cookies_sent,
		(unsigned long long)st.rate_limited, (unsigned long long)st.table_full,
		(unsigned long long)st.evicted, (unsigned long long)st.idle_closed, st.observers,
		(unsigned long long)st.moved);
	eiot_coaps_server_free(srv);
	eiot_session_cache_free(cache);
	eiot_config_free(cfg);
	close(fd);
	return EXIT_OK;
}
