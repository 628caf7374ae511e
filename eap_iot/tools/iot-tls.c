/*
 * tools/iot-tls.c — a TLS / DTLS 1.2 test client and server on the public eap_iot API, in the
 * spirit of `openssl s_client` / `s_server`: stdin goes to the peer, the peer's data to stdout.
 *
 * Owns option parsing, the sockets, one poll() loop that honours eiot_conn_next_timer(), and
 * the outcome: after the handshake one line "iot-tls: handshake ok, ..." on stderr; on failure
 * exactly one line "iot-tls: <reason>: <error> (alert <name> sent|received)". Exit status 0 when
 * the handshake and the exchange succeeded, 1 on failure, 2 on a usage error.
 *
 * The client sends its stdin; at stdin EOF it keeps reading until the peer has been silent for
 * --idle ms, then sends close_notify. The server serves one connection (DTLS: through the
 * stateless cookie exchange of eiot_dtls_accept), prints what it receives, sends its stdin (or
 * echoes with --echo) and ends when the client sends close_notify (--connections N: serves N
 * connections one after the other, resuming sessions with --session-cache). The client with
 * --reconnect connects a second time offering the first connection's session and fails unless
 * the server resumed it.
 */
#include <errno.h>
#include <getopt.h>
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

#include "eap_iot/eap_iot.h"

#define MAX_LIST 16
#define IO_BUF 18432       /* one TLS read / one DTLS datagram: 16397 + slack */
#define STDIN_CHUNK 4096

struct opts {
	const char *connect, *listen;
	bool dtls, strict, no_time, no_cookie, resume_no_cookie, require_ems, echo, verbose, quiet;
	bool reconnect, tickets, no_tickets;
	unsigned long session_cache, connections, max_fragment, record_size_limit;
	const char *psk_identity, *psk_hint;
	const char *psk[MAX_LIST];
	size_t n_psk;
	const char *cert, *key, *key_pass, *keylog, *server_name, *cert_cache, *cert_url,
		*cert_url_dir;
	const char *ca[MAX_LIST];
	size_t n_ca;
	const char *peer_rpk[MAX_LIST];
	size_t n_peer_rpk;
	unsigned name_flags;
	int verify_client; /* -1: not given */
	uint16_t suites[MAX_LIST];
	size_t n_suites;
	unsigned long mtu, max_record, rto, give_up, timeout_s, idle_ms;
};

struct app {
	const struct opts *o;
	struct eiot_config *cfg;
	struct eiot_session_cache *cache;
	struct eiot_file_cache *cert_cache;
	struct eiot_dir_resolver *resolver;
	struct eiot_conn *conn;
	int fd;
	bool announced, stdin_eof, peer_closed, we_closed;
	uint64_t deadline, idle_until, linger_until;
	uint8_t rx[IO_BUF];  /* received bytes being fed */
	uint8_t buf[IO_BUF]; /* decrypted data, stdin */
	uint8_t out[IO_BUF]; /* engine output on its way to the socket */
};

/* How one step of the loop ended. */
enum step { GO_ON, DONE, FAILED };

static const char usage_text[] =
	"usage: iot-tls (--connect HOST:PORT | --listen ADDR:PORT) [options]\n"
	"TLS / DTLS 1.2 (RFC 7925 profile) test client and server: stdin -> peer, peer -> stdout.\n"
	"  --connect HOST:PORT      be the client (IPv4, [IPv6] or a host name)\n"
	"  --listen ADDR:PORT       be the server; serves one connection\n"
	"  --dtls                   DTLS over UDP (default: TLS over TCP)\n"
	"  --psk-identity ID        client: PSK identity\n"
	"  --psk HEX                client: PSK key in hex\n"
	"  --psk ID:HEX             server: one identity and key (repeatable)\n"
	"  --psk-hint HINT          server: identity hint sent in ServerKeyExchange\n"
	"  --cert FILE --key FILE   own certificate chain (leaf first) and P-256 private key\n"
	"  --key FILE               alone: own raw public key (RFC 7250)\n"
	"  --peer-rpk FILE          accept the peer's raw public key if it is this one (PEM or DER\n"
	"                           public key; repeatable)\n"
	"  --key-pass PASS          password of the private key\n"
	"  --ca FILE                trust anchors (repeatable)\n"
	"  --server-name NAME       client: reference name checked in the certificate, sent as SNI\n"
	"  --name-policy LIST       client: relax the name check: wildcard,cn,multiple,skip\n"
	"  --verify-client MODE     server: none, optional or required client certificate\n"
	"  --no-time                do not check certificate validity dates (clock-less device)\n"
	"  --suites LIST            comma list: ECDHE-ECDSA-AES128-CCM8, PSK-AES128-CCM8,\n"
	"                           ECDHE-ECDSA-AES128-CCM, ECDHE-ECDSA-AES128-GCM-SHA256 or hex 0xC0AE\n"
	"  --strict                 strict RFC 7925 profile (CCM_8 suites only)\n"
	"  --mtu N                  DTLS: bytes per datagram\n"
	"  --max-record N           largest record plaintext sent and accepted\n"
	"  --rto MS                 DTLS: initial retransmission timeout\n"
	"  --give-up MS             DTLS: handshake give-up time\n"
	"  --no-cookie              DTLS server: no HelloVerifyRequest\n"
	"  --resume-without-cookie  DTLS server: a resuming ClientHello skips the cookie exchange\n"
	"  --require-ems            refuse a full handshake without extended master secret\n"
	"  --max-fragment N         client: offer max_fragment_length 512/1024/2048/4096\n"
	"  --record-size-limit N    offer (client) / answer (server) record_size_limit N\n"
	"  --cert-cache FILE        client: cached_info (RFC 7924): keep the server's Certificate in\n"
	"                           FILE and offer its hash next time\n"
	"  --cert-url URL           client: send this URL (and the SHA-1 of --cert's leaf) instead of\n"
	"                           the certificate when the server agrees (RFC 6066 §5)\n"
	"  --cert-url-dir DIR       server: accept client certificate URLs, file:///NAME or\n"
	"                           http(s)://host/.../NAME read from DIR/NAME\n"
	"  --reconnect              client: connect again offering the session; fail unless resumed\n"
	"  --tickets                client: offer session tickets (RFC 5077)\n"
	"  --session-cache N        server: resume sessions, N cached session IDs (lifetime 300 s)\n"
	"  --no-tickets             server: do not issue session tickets (cache by session ID)\n"
	"  --connections N          server: serve N connections one after the other (default 1)\n"
	"  --keylog FILE            append NSS key log lines (decrypts the traffic: tests only)\n"
	"  --echo                   server: send received data back\n"
	"  --idle MS                client: after stdin EOF, close once the peer is silent this long\n"
	"                           (default 1000)\n"
	"  --timeout SEC            give up on everything after SEC seconds (default 30)\n"
	"  -v, --verbose            handshake trace (engine log at DEBUG) on stderr\n"
	"  -q, --quiet              no informational lines, only the failure line\n"
	"  -h, --help               this text\n"
	"Exit status: 0 handshake and exchange ok, 1 failure, 2 usage error.\n";

static void usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("iot-tls: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(2);
}

static void info(const struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void info(const struct app *a, const char *fmt, ...)
{
	va_list ap;

	if (a->o->quiet)
		return;
	fputs("iot-tls: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static unsigned long parse_num(const char *opt, const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		usage_error("%s: '%s' is not a number in %lu..%lu", opt, s, min, max);
	return v;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Hex string (even length, 1..cap bytes) into out. */
static size_t parse_hex(const char *opt, const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s), i;

	if (n == 0 || n % 2 || n / 2 > cap)
		usage_error("%s: expected 1..%zu bytes of hex", opt, cap);
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			usage_error("%s: '%s' is not hex", opt, s);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

static void parse_suites(struct opts *o, const char *list)
{
	char tmp[256], *tok, *save;

	if (strlen(list) >= sizeof(tmp))
		usage_error("--suites: list too long");
	strcpy(tmp, list);
	o->n_suites = 0;
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long id = eiot_suite_from_name(tok) ? eiot_suite_from_name(tok) : -1;

		if (id < 0 && (tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X'))) {
			char *end;

			id = strtol(tok + 2, &end, 16);
			if (*end || end == tok + 2 || id > 0xffff)
				id = -1;
		}
		if (id < 0)
			usage_error("--suites: unknown suite '%s'", tok);
		if (o->n_suites == MAX_LIST)
			usage_error("--suites: more than %d suites", MAX_LIST);
		o->suites[o->n_suites++] = (uint16_t)id;
	}
	if (!o->n_suites)
		usage_error("--suites: empty list");
}

static unsigned parse_name_policy(const char *list)
{
	char tmp[128], *tok, *save;
	unsigned flags = 0;

	if (strlen(list) >= sizeof(tmp))
		usage_error("--name-policy: list too long");
	strcpy(tmp, list);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "wildcard"))
			flags |= EIOT_NAME_ALLOW_WILDCARD;
		else if (!strcmp(tok, "cn"))
			flags |= EIOT_NAME_ALLOW_CN;
		else if (!strcmp(tok, "multiple"))
			flags |= EIOT_NAME_ALLOW_MULTIPLE;
		else if (!strcmp(tok, "skip"))
			flags |= EIOT_NAME_SKIP_CHECK;
		else
			usage_error("--name-policy: unknown flag '%s'", tok);
	}
	return flags;
}

enum { O_CONNECT = 256, O_LISTEN, O_DTLS, O_PSK_ID, O_PSK, O_HINT, O_CERT, O_KEY, O_KEY_PASS, O_CA,
       O_SNI, O_NAMES, O_VERIFY, O_NO_TIME, O_SUITES, O_STRICT, O_MTU, O_MAX_REC, O_RTO, O_GIVE_UP,
       O_NO_COOKIE, O_RESUME_NO_COOKIE, O_REQUIRE_EMS, O_KEYLOG, O_TIMEOUT, O_ECHO, O_IDLE, O_RECONNECT, O_TICKETS, O_CACHE,
       O_NO_TICKETS, O_CONNECTIONS, O_MFL, O_RSL, O_PEER_RPK, O_CERT_CACHE,
       O_CERT_URL, O_CERT_URL_DIR };

static const struct option long_opts[] = {
	{ "connect", required_argument, NULL, O_CONNECT }, { "listen", required_argument, NULL, O_LISTEN },
	{ "dtls", no_argument, NULL, O_DTLS }, { "psk-identity", required_argument, NULL, O_PSK_ID },
	{ "psk", required_argument, NULL, O_PSK }, { "psk-hint", required_argument, NULL, O_HINT },
	{ "cert", required_argument, NULL, O_CERT }, { "key", required_argument, NULL, O_KEY },
	{ "key-pass", required_argument, NULL, O_KEY_PASS }, { "ca", required_argument, NULL, O_CA },
	{ "server-name", required_argument, NULL, O_SNI },
	{ "name-policy", required_argument, NULL, O_NAMES },
	{ "verify-client", required_argument, NULL, O_VERIFY },
	{ "no-time", no_argument, NULL, O_NO_TIME }, { "suites", required_argument, NULL, O_SUITES },
	{ "strict", no_argument, NULL, O_STRICT }, { "mtu", required_argument, NULL, O_MTU },
	{ "max-record", required_argument, NULL, O_MAX_REC }, { "rto", required_argument, NULL, O_RTO },
	{ "give-up", required_argument, NULL, O_GIVE_UP },
	{ "no-cookie", no_argument, NULL, O_NO_COOKIE },
	{ "resume-without-cookie", no_argument, NULL, O_RESUME_NO_COOKIE },
	{ "require-ems", no_argument, NULL, O_REQUIRE_EMS },
	{ "keylog", required_argument, NULL, O_KEYLOG },
	{ "reconnect", no_argument, NULL, O_RECONNECT }, { "tickets", no_argument, NULL, O_TICKETS },
	{ "session-cache", required_argument, NULL, O_CACHE },
	{ "no-tickets", no_argument, NULL, O_NO_TICKETS },
	{ "connections", required_argument, NULL, O_CONNECTIONS },
	{ "max-fragment", required_argument, NULL, O_MFL },
	{ "peer-rpk", required_argument, NULL, O_PEER_RPK },
	{ "cert-cache", required_argument, NULL, O_CERT_CACHE },
	{ "cert-url", required_argument, NULL, O_CERT_URL },
	{ "cert-url-dir", required_argument, NULL, O_CERT_URL_DIR },
	{ "record-size-limit", required_argument, NULL, O_RSL },
	{ "timeout", required_argument, NULL, O_TIMEOUT }, { "echo", no_argument, NULL, O_ECHO },
	{ "idle", required_argument, NULL, O_IDLE }, { "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static void parse_args(struct opts *o, int argc, char **argv)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->verify_client = -1;
	o->timeout_s = 30;
	o->idle_ms = 1000;
	o->connections = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":vqh", long_opts, NULL)) != -1) {
		switch (ch) {
		case O_CONNECT: o->connect = optarg; break;
		case O_LISTEN: o->listen = optarg; break;
		case O_DTLS: o->dtls = true; break;
		case O_PSK_ID: o->psk_identity = optarg; break;
		case O_PSK:
			if (o->n_psk == MAX_LIST)
				usage_error("--psk: more than %d", MAX_LIST);
			o->psk[o->n_psk++] = optarg;
			break;
		case O_HINT: o->psk_hint = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_KEY_PASS: o->key_pass = optarg; break;
		case O_CA:
			if (o->n_ca == MAX_LIST)
				usage_error("--ca: more than %d", MAX_LIST);
			o->ca[o->n_ca++] = optarg;
			break;
		case O_SNI: o->server_name = optarg; break;
		case O_NAMES: o->name_flags = parse_name_policy(optarg); break;
		case O_VERIFY:
			if (!strcmp(optarg, "none"))
				o->verify_client = EIOT_VERIFY_NONE;
			else if (!strcmp(optarg, "optional"))
				o->verify_client = EIOT_VERIFY_OPTIONAL;
			else if (!strcmp(optarg, "required"))
				o->verify_client = EIOT_VERIFY_REQUIRED;
			else
				usage_error("--verify-client: expected none, optional or required");
			break;
		case O_NO_TIME: o->no_time = true; break;
		case O_SUITES: parse_suites(o, optarg); break;
		case O_STRICT: o->strict = true; break;
		case O_MTU: o->mtu = parse_num("--mtu", optarg, 1, 65535); break;
		case O_MAX_REC: o->max_record = parse_num("--max-record", optarg, 1, 65535); break;
		case O_RTO: o->rto = parse_num("--rto", optarg, 1, 3600000); break;
		case O_GIVE_UP: o->give_up = parse_num("--give-up", optarg, 1, 3600000); break;
		case O_NO_COOKIE: o->no_cookie = true; break;
		case O_RESUME_NO_COOKIE: o->resume_no_cookie = true; break;
		case O_REQUIRE_EMS: o->require_ems = true; break;
		case O_KEYLOG: o->keylog = optarg; break;
		case O_TIMEOUT: o->timeout_s = parse_num("--timeout", optarg, 1, 86400); break;
		case O_ECHO: o->echo = true; break;
		case O_IDLE: o->idle_ms = parse_num("--idle", optarg, 0, 600000); break;
		case O_RECONNECT: o->reconnect = true; break;
		case O_TICKETS: o->tickets = true; break;
		case O_CACHE: o->session_cache = parse_num("--session-cache", optarg, 1, 65536); break;
		case O_NO_TICKETS: o->no_tickets = true; break;
		case O_CERT_CACHE: o->cert_cache = optarg; break;
		case O_CERT_URL: o->cert_url = optarg; break;
		case O_CERT_URL_DIR: o->cert_url_dir = optarg; break;
		case O_PEER_RPK:
			if (o->n_peer_rpk == MAX_LIST)
				usage_error("--peer-rpk: more than %d", MAX_LIST);
			o->peer_rpk[o->n_peer_rpk++] = optarg;
			break;
		case O_MFL: o->max_fragment = parse_num("--max-fragment", optarg, 512, 4096); break;
		case O_RSL:
			o->record_size_limit = parse_num("--record-size-limit", optarg, 64, 16384);
			break;
		case O_CONNECTIONS: o->connections = parse_num("--connections", optarg, 1, 1000); break;
		case 'v': o->verbose = true; break;
		case 'q': o->quiet = true; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case ':':
			if (optopt > 0 && optopt < 256)
				usage_error("-%c needs an argument", optopt);
			usage_error("%s needs an argument", argv[optind - 1]);
		default: /* optopt: a short option's letter, a long one's val, 0 if unknown */
			if (optopt > 0 && optopt < 256)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->connect == !o->listen)
		usage_error("give exactly one of --connect and --listen");
	if (o->connect && o->n_psk > 1)
		usage_error("a client takes one --psk");
	if (o->connect && !o->psk_identity != !o->n_psk)
		usage_error("a client needs both --psk-identity and --psk");
	if (o->listen && (o->reconnect || o->tickets))
		usage_error("--reconnect and --tickets are for the client");
	if (o->connect && (o->session_cache || o->no_tickets || o->connections > 1))
		usage_error("--session-cache, --no-tickets and --connections are for the server");
	if (o->listen && o->psk_identity)
		usage_error("--psk-identity is for the client; the server takes --psk ID:HEX");
	if (o->cert && !o->key)
		usage_error("--cert needs --key");
}

static void log_sink(void *user, enum eiot_log_level level, const char *line)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	(void)user;
	fprintf(stderr, "iot-tls: [%s] %s\n", (unsigned)level < 4 ? names[level] : "?", line);
}

/* Report a failed setter; returns 1 for the caller to exit with. */
static int setter_failed(const char *what, int err)
{
	fprintf(stderr, "iot-tls: %s: %s\n", what, eiot_err_str(err));
	return 1;
}

static int configure(const struct opts *o, struct eiot_config **out)
{
	struct eiot_config *cfg;
	uint8_t key[EIOT_MAX_PSK];
	size_t i, key_len;
	int err;

	cfg = eiot_config_new(o->listen ? EIOT_SERVER : EIOT_CLIENT, o->dtls ? EIOT_DTLS : EIOT_TLS);
	if (!cfg)
		return setter_failed("configuration", EIOT_ERR_NO_MEMORY);
	*out = cfg;
	if (o->verbose)
		eiot_config_set_log(cfg, log_sink, NULL, EIOT_LOG_DEBUG);
	else if (o->keylog) /* the engine's warning that the file decrypts everything must show */
		eiot_config_set_log(cfg, log_sink, NULL, EIOT_LOG_WARN);
	if (o->n_suites && (err = eiot_config_set_suites(cfg, o->suites, o->n_suites)))
		return setter_failed("--suites", err);
	if (o->strict && (err = eiot_config_set_strict_profile(cfg, true)))
		return setter_failed("--strict", err);
	for (i = 0; i < o->n_psk; i++) {
		const char *hex = o->psk[i], *colon = strrchr(hex, ':');

		if (o->connect) {
			key_len = parse_hex("--psk", hex, key, sizeof(key));
			err = eiot_config_set_psk(cfg, (const uint8_t *)o->psk_identity,
						  strlen(o->psk_identity), key, key_len);
		} else {
			if (!colon || colon == hex)
				usage_error("--psk: the server takes ID:HEX");
			key_len = parse_hex("--psk", colon + 1, key, sizeof(key));
			err = eiot_config_add_psk(cfg, (const uint8_t *)hex, (size_t)(colon - hex), key,
						  key_len);
		}
		memset(key, 0, sizeof(key));
		if (err)
			return setter_failed("--psk", err);
	}
	if (o->psk_hint && (err = eiot_config_set_psk_hint(cfg, (const uint8_t *)o->psk_hint,
							     strlen(o->psk_hint))))
		return setter_failed("--psk-hint", err);
	if (!o->cert && o->key && (err = eiot_config_set_own_key_file(cfg, o->key, o->key_pass)))
		return setter_failed("--key", err);
	for (size_t j = 0; j < o->n_peer_rpk; j++)
		if ((err = eiot_config_add_peer_rpk_file(cfg, o->peer_rpk[j])))
			return setter_failed("--peer-rpk", err);
	if (o->cert && (err = eiot_config_set_own_cert_file(cfg, o->cert, o->key, o->key_pass)))
		return setter_failed("--cert/--key", err);
	for (i = 0; i < o->n_ca; i++)
		if ((err = eiot_config_add_trust_file(cfg, o->ca[i])))
			return setter_failed(o->ca[i], err);
	if (o->server_name && (err = eiot_config_set_server_name(cfg, o->server_name)))
		return setter_failed("--server-name", err);
	if (o->name_flags && (err = eiot_config_set_name_policy(cfg, o->name_flags)))
		return setter_failed("--name-policy", err);
	if (o->verify_client >= 0 &&
	    (err = eiot_config_set_verify_client(cfg, (enum eiot_verify_client)o->verify_client)))
		return setter_failed("--verify-client", err);
	if (o->no_time && (err = eiot_config_set_time(cfg, EIOT_TIME_NONE, NULL, NULL)))
		return setter_failed("--no-time", err);
	if (o->mtu && (err = eiot_config_set_mtu(cfg, o->mtu)))
		return setter_failed("--mtu", err);
	if (o->max_record && (err = eiot_config_set_max_record(cfg, o->max_record)))
		return setter_failed("--max-record", err);
	if (o->rto || o->give_up) {
		/* Unset values keep the documented defaults (config.h), raised to stay ordered. */
		uint32_t init = o->rto ? (uint32_t)o->rto : 9000;
		uint32_t max = init > 60000 ? init : 60000;
		uint32_t give_up = o->give_up ? (uint32_t)o->give_up : (max > 120000 ? max : 120000);

		if ((err = eiot_config_set_retransmit(cfg, init, max, give_up)))
			return setter_failed("--rto/--give-up", err);
	}
	if (o->no_cookie && (err = eiot_config_set_cookie(cfg, false)))
		return setter_failed("--no-cookie", err);
	if (o->resume_no_cookie && (err = eiot_config_set_resume_without_cookie(cfg, true)))
		return setter_failed("--resume-without-cookie", err);
	if (o->require_ems && (err = eiot_config_set_require_ems(cfg, true)))
		return setter_failed("--require-ems", err);
	if (o->keylog && (err = eiot_config_set_keylog_file(cfg, o->keylog)))
		return setter_failed("--keylog", err);
	if (o->max_fragment && (err = eiot_config_set_max_fragment_length(cfg, o->max_fragment)))
		return setter_failed("--max-fragment", err);
	if (o->record_size_limit &&
	    (err = eiot_config_set_record_size_limit(cfg, o->record_size_limit)))
		return setter_failed("--record-size-limit", err);
	if ((o->tickets || o->no_tickets) && (err = eiot_config_set_session_tickets(cfg, o->tickets)))
		return setter_failed(o->tickets ? "--tickets" : "--no-tickets", err);
	return 0;
}

/* "host:port", "[v6]:port" or "v6::addr:port" into getaddrinfo results. */
static int resolve(const char *spec, bool passive, bool dtls, struct addrinfo **res)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints;
	size_t hl;
	int rc;

	if (!colon || !colon[1] || (size_t)(colon - spec) >= sizeof(host))
		usage_error("'%s' is not HOST:PORT", spec);
	hl = (size_t)(colon - spec);
	if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
		memcpy(host, spec + 1, hl - 2);
		host[hl - 2] = '\0';
	} else {
		memcpy(host, spec, hl);
		host[hl] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = dtls ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : 0;
	rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, res);
	if (rc) {
		fprintf(stderr, "iot-tls: cannot resolve %s: %s\n", spec, gai_strerror(rc));
		return 1;
	}
	return 0;
}

static int open_client(const struct opts *o, int *fd_out)
{
	struct addrinfo *res, *ai;
	int fd = -1, saved = 0;

	if (resolve(o->connect, false, o->dtls, &res))
		return 1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
			saved = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "iot-tls: connect to %s failed: %s\n", o->connect, strerror(saved));
		return 1;
	}
	*fd_out = fd;
	return 0;
}

static int open_server(const struct opts *o, int *fd_out)
{
	struct addrinfo *res, *ai;
	int fd = -1, one = 1, saved = 0;

	if (resolve(o->listen, true, o->dtls, &res))
		return 1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* DTLS, several connections: the next listening socket shares the port with the
		 * one connected to the current client (the connected one gets that client's
		 * datagrams) */
		if (o->dtls && o->connections > 1)
			setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) || (!o->dtls && listen(fd, 1))) {
			saved = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "iot-tls: cannot listen on %s: %s\n", o->listen, strerror(saved));
		return 1;
	}
	*fd_out = fd;
	return 0;
}

/* Wait for fd readable until the overall deadline; 0 when readable, 1 (reported) otherwise. */
static int wait_readable(struct app *a, int fd, const char *what)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t now;

	while ((now = now_ms()) < a->deadline) {
		int rc = poll(&p, 1, (int)(a->deadline - now));

		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			break;
	}
	fprintf(stderr, "iot-tls: timed out waiting for %s\n", what);
	return 1;
}

/* TLS: accept one TCP connection on the listening socket a->fd (a->fd becomes the
 * connection's). DTLS: answer ClientHellos statelessly until one carries a
 * valid cookie (RFC 6347 §4.2.1), then connect the socket to that peer and start the conn. */
static int accept_peer(struct app *a)
{
	struct eiot_cookie_secret *secret;
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t hello_len;
	int fd;

	if (!a->o->dtls) {
		if (wait_readable(a, a->fd, "a client"))
			return 1;
		fd = accept(a->fd, NULL, NULL);
		if (fd < 0) {
			fprintf(stderr, "iot-tls: accept failed: %s\n", strerror(errno));
			return 1;
		}
		a->fd = fd; /* the caller keeps the listening socket */
		a->conn = eiot_conn_new(a->cfg, now_ms());
		return a->conn ? 0 : setter_failed("connection", EIOT_ERR_NO_MEMORY);
	}
	secret = eiot_cookie_secret_new(a->cfg, now_ms());
	if (!secret)
		return setter_failed("cookie secret", EIOT_ERR_NO_MEMORY);
	for (;;) {
		uint8_t reply[512];
		size_t reply_len = 0;
		ssize_t n;
		int err;

		if (wait_readable(a, a->fd, "a DTLS client")) {
			eiot_cookie_secret_free(secret);
			return 1;
		}
		memset(&ss, 0, sizeof(ss));
		sl = sizeof(ss);
		n = recvfrom(a->fd, a->buf, sizeof(a->buf), 0, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			continue;
		err = eiot_dtls_accept(secret, a->cfg, &ss, sl, a->buf, (size_t)n, now_ms(), reply,
				       sizeof(reply), &reply_len);
		if (err == EIOT_ERR_COOKIE_SENT) {
			sendto(a->fd, reply, reply_len, 0, (struct sockaddr *)&ss, sl);
			continue;
		}
		if (err) {
			if (a->o->verbose)
				info(a, "dropped a datagram: %s", eiot_err_str(err));
			continue;
		}
		hello_len = (size_t)n;
		break;
	}
	eiot_cookie_secret_free(secret);
	if (connect(a->fd, (struct sockaddr *)&ss, sl)) {
		fprintf(stderr, "iot-tls: connect to the DTLS client failed: %s\n", strerror(errno));
		return 1;
	}
	a->conn = eiot_conn_new(a->cfg, now_ms());
	if (!a->conn)
		return setter_failed("connection", EIOT_ERR_NO_MEMORY);
	eiot_conn_feed(a->conn, a->buf, hello_len, now_ms()); /* errors stay sticky: seen by the loop */
	return 0;
}

static enum step conn_failed(struct app *a, const char *why)
{
	const char *reason = a->announced ? "connection failed" : "handshake failed";
	int err = eiot_conn_error(a->conn), sent, rcvd;

	eiot_conn_last_alert(a->conn, &sent, &rcvd);
	if (!err)
		fprintf(stderr, "iot-tls: %s: %s\n", reason, why);
	else if (err == EIOT_ERR_PEER_ALERT && rcvd != EIOT_ALERT_NONE)
		fprintf(stderr, "iot-tls: %s: %s (alert %s received)\n", reason, eiot_err_str(err),
			eiot_alert_str(rcvd));
	else if (sent != EIOT_ALERT_NONE)
		fprintf(stderr, "iot-tls: %s: %s (alert %s sent)\n", reason, eiot_err_str(err),
			eiot_alert_str(sent));
	else
		fprintf(stderr, "iot-tls: %s: %s\n", reason, eiot_err_str(err));
	return FAILED;
}

static enum step sys_failed(struct app *a, const char *what)
{
	fprintf(stderr, "iot-tls: %s: %s: %s\n", a->announced ? "connection failed" : "handshake failed",
		what, strerror(errno));
	return FAILED;
}

/* Send everything the engine has queued (a DTLS datagram per call). */
static enum step flush(struct app *a)
{
	for (;;) {
		size_t len = 0, off = 0;
		int rc = eiot_conn_output(a->conn, a->out, sizeof(a->out), &len);

		if (rc || !len) /* a failure shows in the state, the alert in the output */
			return GO_ON;
		while (off < len) {
			ssize_t n = send(a->fd, a->out + off, len - off, MSG_NOSIGNAL);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && a->o->dtls && errno == ECONNREFUSED)
				break; /* ICMP from an earlier datagram; retransmission copes */
			if (n < 0)
				return sys_failed(a, "send");
			off += a->o->dtls ? len : (size_t)n;
		}
	}
}

static int write_out(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Protect data and send it; the engine takes at most one record limit per call. */
static enum step send_data(struct app *a, const uint8_t *p, size_t len)
{
	while (len) {
		size_t w = 0;
		enum step s;
		int rc = eiot_conn_write(a->conn, p, len, &w);

		if (rc || !w)
			return conn_failed(a, rc ? eiot_err_str(rc) : "the engine took no data");
		p += w;
		len -= w;
		if ((s = flush(a)) != GO_ON)
			return s;
	}
	return GO_ON;
}

static void announce(struct app *a)
{
	uint16_t suite = eiot_conn_suite(a->conn);
	const char *name = "unknown";
	const uint8_t *id;
	uint8_t eui[8];
	char extra[400] = "";
	size_t i, len, at;

	a->announced = true;
	if (eiot_suite_name(suite, false))
		name = eiot_suite_name(suite, false);
	if (eiot_conn_peer_eui64(a->conn, eui) == EIOT_OK)
		snprintf(extra, sizeof(extra), ", peer EUI-64 %02X-%02X-%02X-%02X-%02X-%02X-%02X-%02X",
			 eui[0], eui[1], eui[2], eui[3], eui[4], eui[5], eui[6], eui[7]);
	id = eiot_conn_psk_identity(a->conn, &len);
	if (id) {
		at = strlen(extra);
		at += (size_t)snprintf(extra + at, sizeof(extra) - at, ", PSK identity ");
		for (i = 0; i < len && at + 5 < sizeof(extra); i++)
			at += (size_t)snprintf(extra + at, sizeof(extra) - at,
					       id[i] >= 0x20 && id[i] < 0x7f && id[i] != '\\' ? "%c" : "\\x%02x",
					       id[i]);
	}
	info(a, "handshake ok, suite %s (0x%04X), EMS %s, resumed %s%s", name, suite,
	     eiot_conn_ems(a->conn) ? "yes" : "no", eiot_conn_resumed(a->conn) ? "yes" : "no", extra);
}

/* After input, a timer or a write: send, report the handshake, deliver data, see a close. */
static enum step after_event(struct app *a)
{
	enum step s = flush(a);
	int sent, rcvd;

	if (s != GO_ON)
		return s;
	if (eiot_conn_state(a->conn) == EIOT_STATE_FAILED)
		return conn_failed(a, "failed");
	if (eiot_conn_state(a->conn) == EIOT_STATE_HANDSHAKE)
		return GO_ON;
	if (!a->announced)
		announce(a);
	for (;;) {
		size_t n = 0;

		if (eiot_conn_read(a->conn, a->buf, sizeof(a->buf), &n))
			break;
		if (n && write_out(STDOUT_FILENO, a->buf, n))
			return sys_failed(a, "stdout");
		if (n && a->o->echo && eiot_conn_state(a->conn) == EIOT_STATE_ESTABLISHED &&
		    (s = send_data(a, a->buf, n)) != GO_ON)
			return s;
	}
	if (eiot_conn_state(a->conn) == EIOT_STATE_FAILED)
		return conn_failed(a, "failed");
	eiot_conn_last_alert(a->conn, &sent, &rcvd);
	if (rcvd == EIOT_ALERT_CLOSE_NOTIFY || eiot_conn_state(a->conn) == EIOT_STATE_CLOSED) {
		a->peer_closed = true;
		if (!a->we_closed) {
			a->we_closed = true;
			eiot_conn_close(a->conn); /* answer close_notify (RFC 5246 §7.2.1) */
			if ((s = flush(a)) != GO_ON)
				return s;
		}
		return DONE;
	}
	return GO_ON;
}

static enum step on_socket(struct app *a)
{
	ssize_t n = recv(a->fd, a->rx, sizeof(a->rx), 0);

	if (n < 0 && (errno == EINTR || errno == EAGAIN || (a->o->dtls && errno == ECONNREFUSED)))
		return GO_ON;
	if (n < 0)
		return sys_failed(a, "recv");
	if (a->we_closed) /* only waiting for the peer to go away */
		return n == 0 ? DONE : GO_ON;
	if (n == 0 && !a->o->dtls)
		return conn_failed(a, a->announced ? "the peer closed without close_notify"
						   : "the peer closed the connection");
	a->idle_until = now_ms() + a->o->idle_ms;
	/* a TLS stream may bring more records than the connection buffers: feed, read, repeat */
	for (size_t off = 0, stalls = 0;;) {
		size_t used;
		eiot_conn_feed_some(a->conn, a->rx + off, (size_t)n - off, now_ms(), &used);
		off += used;
		stalls = used ? 0 : stalls + 1;
		enum step s = after_event(a); /* reads what was decrypted, making room */
		if (s != GO_ON || off == (size_t)n)
			return s;
		if (stalls > 1)
			return conn_failed(a, "received data could not be taken");
	}
}

static enum step on_stdin(struct app *a)
{
	ssize_t n = read(STDIN_FILENO, a->buf, STDIN_CHUNK);

	if (n < 0 && errno == EINTR)
		return GO_ON;
	if (n <= 0) {
		a->stdin_eof = true;
		a->idle_until = now_ms() + a->o->idle_ms;
		return GO_ON;
	}
	return send_data(a, a->buf, (size_t)n);
}

/* Client, stdin done and the peer silent: close_notify, then give the peer a moment. */
static enum step client_close(struct app *a)
{
	enum step s;

	a->we_closed = true;
	eiot_conn_close(a->conn);
	if ((s = flush(a)) != GO_ON)
		return s;
	if (a->o->dtls)
		return DONE;
	shutdown(a->fd, SHUT_WR);
	a->linger_until = now_ms() + 1000;
	return GO_ON;
}

static enum step run(struct app *a)
{
	bool client = a->o->connect != NULL;
	enum step s = after_event(a);

	while (s == GO_ON) {
		struct pollfd p[2] = { { .fd = a->fd, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
		uint64_t now = now_ms(), wake = a->deadline, t = eiot_conn_next_timer(a->conn);

		if (t < wake)
			wake = t;
		if (a->announced && !a->stdin_eof && !a->we_closed)
			p[1].fd = STDIN_FILENO;
		if (client && a->stdin_eof && !a->we_closed && a->idle_until < wake)
			wake = a->idle_until;
		if (a->we_closed && a->linger_until < wake)
			wake = a->linger_until;
		if (poll(p, 2, wake > now ? (int)(wake - now) : 0) < 0 && errno != EINTR)
			return sys_failed(a, "poll");
		if (p[0].revents & (POLLIN | POLLERR | POLLHUP))
			s = on_socket(a);
		if (s == GO_ON && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			s = on_stdin(a);
		now = now_ms();
		if (s == GO_ON && now >= eiot_conn_next_timer(a->conn)) {
			eiot_conn_tick(a->conn, now);
			s = after_event(a);
		}
		if (s == GO_ON && a->we_closed && now >= a->linger_until)
			s = DONE;
		if (s == GO_ON && client && a->announced && a->stdin_eof && !a->we_closed &&
		    now >= a->idle_until)
			s = client_close(a);
		if (s == GO_ON && now >= a->deadline) {
			fprintf(stderr, "iot-tls: %s: timed out after %lu s\n",
				a->announced ? "connection failed" : "handshake failed", a->o->timeout_s);
			s = FAILED;
		}
	}
	return s;
}

/* One connection is over: free it and close its socket; the next starts afresh (stdin stays
 * where it is). */
static void end_connection(struct app *a)
{
	eiot_conn_free(a->conn);
	a->conn = NULL;
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	a->announced = a->peer_closed = a->we_closed = false;
	a->idle_until = now_ms() + a->o->idle_ms;
	a->linger_until = 0;
}

/* The client: one connection, or with --reconnect a second one that must resume the first's
 * session. */
static int client_main(struct app *a)
{
	struct eiot_session sess;
	int rc = 0, err;

	memset(&sess, 0, sizeof(sess));
	for (int i = 0; i < (a->o->reconnect ? 2 : 1) && !rc; i++) {
		rc = open_client(a->o, &a->fd);
		if (!rc) {
			a->conn = i ? eiot_conn_new_resume(a->cfg, &sess, now_ms())
				    : eiot_conn_new(a->cfg, now_ms());
			if (!a->conn)
				rc = setter_failed("connection", EIOT_ERR_NO_MEMORY);
		}
		if (!rc)
			rc = run(a) == DONE ? 0 : 1;
		if (!rc && a->o->reconnect && i == 0 && (err = eiot_conn_get_session(a->conn, &sess))) {
			fprintf(stderr, "iot-tls: reconnect: the server gave no session to resume: %s\n",
				eiot_err_str(err));
			rc = 1;
		}
		if (!rc && i == 1 && !eiot_conn_resumed(a->conn)) {
			fputs("iot-tls: reconnect: the server did not resume the session\n", stderr);
			rc = 1;
		}
		end_connection(a);
	}
	eiot_session_clear(&sess);
	return rc;
}

/* The server: --connections connections one after the other (DTLS: the socket is connected
 * to its client, so the next listening socket is opened at once, for clients that come early). */
static int server_main(struct app *a)
{
	int lfd = -1, rc = 0;

	if (a->o->session_cache) {
		a->cache = eiot_session_cache_new(a->cfg, a->o->session_cache, 300);
		if (!a->cache)
			return setter_failed("--session-cache", EIOT_ERR_NO_MEMORY);
		eiot_config_set_session_cache(a->cfg, a->cache);
	}
	for (unsigned long i = 0; i < a->o->connections && !rc; i++) {
		if (lfd < 0)
			rc = open_server(a->o, &lfd);
		if (rc)
			break;
		a->fd = lfd;
		rc = accept_peer(a);
		if (a->o->dtls) {
			lfd = -1; /* a->fd: closed with the connection */
			if (!rc && i + 1 < a->o->connections)
				rc = open_server(a->o, &lfd);
		} else if (a->fd == lfd)
			a->fd = -1; /* no client was accepted */
		if (!rc)
			rc = run(a) == DONE ? 0 : 1;
		end_connection(a);
	}
	if (lfd >= 0)
		close(lfd);
	return rc;
}

/* --cert-cache: the file-backed store (16 servers, 64 KB), attached to the client config. */
static int open_cert_cache(struct app *a)
{
	int err = 0;
	if (!a->o->connect) {
		fputs("iot-tls: --cert-cache is a client option (servers always answer cached_info)\n",
		      stderr);
		return 2;
	}
	a->cert_cache = eiot_file_cache_open(a->o->cert_cache, 16, 65536, &err);
	if (!a->cert_cache) {
		fprintf(stderr, "iot-tls: --cert-cache %s: cannot use it\n", a->o->cert_cache);
		return 1;
	}
	if (err)
		fprintf(stderr, "iot-tls: --cert-cache %s was unusable: starting empty\n",
			a->o->cert_cache);
	err = eiot_config_set_cert_cache(a->cfg, &eiot_file_cache_ops, a->cert_cache);
	return err ? setter_failed("--cert-cache", err) : 0;
}

/* --cert-url (client) / --cert-url-dir (server: the directory resolver). */
static int set_cert_url(struct app *a)
{
	const struct opts *o = a->o;
	int err;
	if (o->connect ? o->cert_url_dir != NULL : o->cert_url != NULL) {
		fputs("iot-tls: --cert-url is a client option, --cert-url-dir a server one\n", stderr);
		return 2;
	}
	if (o->cert_url) {
		err = eiot_config_set_own_cert_url(a->cfg, o->cert_url);
		return err ? setter_failed("--cert-url", err) : 0;
	}
	a->resolver = eiot_dir_resolver_new(o->cert_url_dir);
	if (!a->resolver) {
		fputs("iot-tls: --cert-url-dir: out of memory\n", stderr);
		return 1;
	}
	err = eiot_config_set_cert_url_resolver(a->cfg, &eiot_dir_resolver_ops, a->resolver);
	return err ? setter_failed("--cert-url-dir", err) : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct app *a;
	int rc;

	parse_args(&o, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	a = calloc(1, sizeof(*a));
	if (!a) {
		fputs("iot-tls: out of memory\n", stderr);
		return 1;
	}
	a->o = &o;
	a->fd = -1;
	a->deadline = now_ms() + o.timeout_s * 1000u;
	rc = configure(&o, &a->cfg);
	if (!rc && o.cert_cache)
		rc = open_cert_cache(a);
	if (!rc && (o.cert_url || o.cert_url_dir))
		rc = set_cert_url(a);
	if (!rc)
		rc = o.connect ? client_main(a) : server_main(a);
	eiot_config_free(a->cfg);
	eiot_file_cache_close(a->cert_cache);
	eiot_dir_resolver_free(a->resolver);
	eiot_session_cache_free(a->cache);
	free(a);
	return rc;
}
