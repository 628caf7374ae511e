/*
 * coaps-client — one CoAP request over DTLS 1.2 (RFC 7252 §9, RFC 7925 profile) with eap_iot's
 * engine, in libcoap coap-client's habits:
 *
 *   coaps-client [-m get|post|put|delete] [-e TEXT | -f FILE] [-N] [-B SECONDS] [-T HEXTOKEN] [-b SIZE]
 *                [-s SECONDS] [--dtls-timeout MS] [--ack-timeout MS] [--max-retransmit N]
 *                [-O NUM,TEXT]... (-u ID -k KEY | -c CERT -j KEY -C CA [-n] |
 *                -M KEYFILE --peer-rpk PUBFILE) [-v N] [--psk-hex HEX] [--strict] [--suites A,B]
 *                [--mtu N] [--session FILE] [--tickets] [--cert-cache FILE] [-A TYPE]
 *                [--saved FILE] [--cid] coaps://HOST[:PORT]/PATH[?QUERY]
 *
 * -k KEY is the PSK as text, as libcoap takes it (--psk-hex for binary keys). -b SIZE asks for
 * the representation in blocks of SIZE bytes (RFC 7959 Block2, 16..1024); a response the
 * server cuts into blocks on its own is followed block by block the same way. A payload over
 * SIZE (or over 1024 bytes without -b) goes up in Block1 blocks with Size1 (RFC 7959 §2.5),
 * at the smaller size a server asks for in its 2.31 Continue. -s SECONDS observes the resource
 * (RFC 7641): each notification's payload is a line on stdout; SECONDS after the registration was
 * answered the observation is cancelled with a GET carrying Observe 1 and the same token, whose
 * answer ends the run.
 * --dtls-timeout sets DTLS's first retransmission timer (RFC 7925 §11: 9000 ms by default,
 * 1000 is RFC 6347's), --ack-timeout and --max-retransmit CoAP's ACK_TIMEOUT and
 * MAX_RETRANSMIT (RFC 7252 §4.8: 2000 ms and 4); when CoAP gives up on an exchange before -B
 * passed, a GET, PUT or DELETE is asked again (not a POST: it may have been carried out). With
 * certificates the server's name is checked against HOST (RFC 7925 §4.4.1) unless -n. With -M (raw public
 * keys, RFC 7250: the file holds our P-256 private key, as libcoap's -M file does) the server's
 * key must be pinned with --peer-rpk (its PEM public key). The response payload
 * goes to stdout, one line about the response to stderr with -v 1 and more. --session FILE
 * keeps the DTLS session between runs, as a device keeps it across sleep: offered when FILE
 * holds one (an abbreviated handshake when the server still knows it), written back after the
 * handshake (mode 0600: it holds the master secret; this library version's layout only).
 * --tickets asks for a session ticket (RFC 5077), so the server keeps no state for it.
 * --saved FILE keeps the whole DTLS connection instead, as a sleepy device keeps it in its
 * flash (eiot_coaps_client_save): when FILE holds one, the request goes out on it at once, no
 * handshake at all; the state is written back (0600, fsync'd, renamed into place) before any
 * record that uses its reservation of record numbers is sent, and at the end, when the run
 * leaves the session open (no close_notify) for the next one. An unusable FILE means a full
 * handshake; so does a session the server no longer has (the request is asked again).
 * --cid offers DTLS connection IDs (RFC 9146): the server may then find the session after our
 * address or port changed (NAT rebinding between runs).
 * --cert-cache FILE keeps the server's certificate chain (RFC 7924 cached_info), keyed by the
 * server's name (so not with -n): later full handshakes get its hash instead of the chain. -A TYPE sets Accept (a content
 * format number, as libcoap's -A). Exit status:
 * 0 a 2.xx response, 1 a 4.xx/5.xx response, 2 usage, 3 DTLS handshake failed, 4 no answer
 * (CoAP gave up or -B passed), 5 local error — unlike libcoap's client, which exits 0 anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "eap_iot/coap.h"
#include "eap_iot/conn.h"
#include "eap_iot/eap_iot.h"
#include "eap_iot/stores.h"
#include "tool_util.h"

enum { EXIT_OK = 0, EXIT_ERROR_RESPONSE = 1, EXIT_USAGE = 2, EXIT_DTLS = 3, EXIT_NO_ANSWER = 4,
       EXIT_LOCAL = 5 };

struct opts {
	uint8_t method;
	enum eiot_coap_type type;
	const char *payload;
	size_t payload_len;
	unsigned give_up_s;
	uint8_t token[8];
	size_t token_len;
	struct { uint16_t num; const char *text; } extra[8];
	size_t n_extra;
	const char *psk_id, *suites, *peer_rpk;
	struct tool_creds creds;
	uint8_t psk[64];
	size_t psk_len;
	bool no_verify, strict, tickets, cid;
	const char *session_file, *cert_cache, *saved_file;
	int accept; /* -A, -1 none */
	unsigned mtu, verbose;
	int block_szx; /* -b: Block2 SZX asked for, -1 none */
	unsigned observe_s; /* -s */
	unsigned dtls_timeout_ms; /* 0: the engine's default */
	struct eiot_coap_params coap;
	char host[256], port[8];
	const char *uri;
};

static const char SYNOPSIS[] =
	"usage: coaps-client [-m get|post|put|delete] [-e TEXT|-f FILE] [-N] [-B SECONDS] [-T HEXTOKEN]\n"
	"         [-O NUM,TEXT] [-A TYPE] [-b SIZE] [-s SECONDS] (-u ID -k KEY | -c CERT -j KEY -C CA [-n] |\n"
	"         -M KEYFILE --peer-rpk PUBFILE) [-v N] [--psk-hex HEX] [--strict] [--suites A,B] [--mtu N]\n"
	"         [--dtls-timeout MS] [--ack-timeout MS] [--max-retransmit N] [--session FILE] [--tickets]\n"
	"         [--cert-cache FILE] [--saved FILE] [--cid] coaps://HOST[:PORT]/PATH[?QUERY]\n";
#define usage(...) tool_usage("coaps-client", SYNOPSIS, __VA_ARGS__)

static size_t hex(const char *s, uint8_t *out, size_t cap, const char *what)
{
	long n = tool_hex(s, out, cap);
	if (n < 0)
		usage("%s: expected at most %zu bytes in hex", what, cap);
	return (size_t)n;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	static char buf[65536];
	if (!f)
		usage("-f %s: %s", path, strerror(errno));
	*len = fread(buf, 1, sizeof(buf), f);
	if (f != stdin)
		fclose(f);
	return buf;
}

/* The URI's host and port for the socket and the server name (eiot_coap_set_uri). */
static void parse_uri(struct opts *o, const char *uri)
{
	struct eiot_coap_msg scratch;
	uint16_t port;
	eiot_coap_msg_init(&scratch, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	if (strncmp(uri, "coaps://", 8) || eiot_coap_set_uri(&scratch, uri, o->host, sizeof(o->host), &port))
		usage("%s: expected coaps://HOST[:PORT][/PATH][?QUERY] (no %% escapes, no #)", uri);
	snprintf(o->port, sizeof(o->port), "%u", port);
	o->uri = uri;
}

static void parse(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->method = EIOT_COAP_GET;
	o->type = EIOT_COAP_CON;
	o->give_up_s = 90;
	o->mtu = 1280;
	o->block_szx = -1;
	o->accept = -1;
	eiot_coap_params_default(&o->coap);
	const char *uri = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char *why;
		int timer;
		bool takes = strcmp(a, "-N") && strcmp(a, "-n") && strcmp(a, "--strict") &&
			     strcmp(a, "--tickets") && strcmp(a, "--cid") && a[0] == '-';
		if (takes && !v)
			usage("%s needs a value", a);
		if (!strcmp(a, "-m")) {
			static const char *const names[] = { "get", "post", "put", "delete" };
			o->method = 0;
			for (uint8_t k = 0; k < 4; k++)
				if (!strcmp(v, names[k]))
					o->method = k + 1;
			if (!o->method)
				usage("-m %s: get, post, put or delete", v);
		} else if (!strcmp(a, "-e")) {
			o->payload = v;
			o->payload_len = strlen(v);
		} else if (!strcmp(a, "-f")) {
			o->payload = read_file(v, &o->payload_len);
		} else if (!strcmp(a, "-N")) {
			o->type = EIOT_COAP_NON;
			continue;
		} else if (!strcmp(a, "-n")) {
			o->no_verify = true;
			continue;
		} else if (!strcmp(a, "--strict")) {
			o->strict = true;
			continue;
		} else if (!strcmp(a, "--tickets")) {
			o->tickets = true;
			continue;
		} else if (!strcmp(a, "--cid")) {
			o->cid = true;
			continue;
		} else if (!strcmp(a, "--session")) {
			o->session_file = v;
		} else if (!strcmp(a, "--saved")) {
			o->saved_file = v;
		} else if (!strcmp(a, "--cert-cache")) {
			o->cert_cache = v;
		} else if (!strcmp(a, "-A")) {
			char *end;
			long n = strtol(v, &end, 10);
			if (!*v || *end || n < 0 || n > 65535)
				usage("-A %s: a content format number, 0 to 65535", v);
			o->accept = (int)n;
		} else if (!strcmp(a, "-b")) {
			unsigned size = (unsigned)atoi(v);
			for (int szx = 0; szx <= 6; szx++)
				if (size == 16u << szx)
					o->block_szx = szx;
			if (o->block_szx < 0)
				usage("-b %s: 16, 32, 64, 128, 256, 512 or 1024", v);
		} else if (!strcmp(a, "-s")) {
			o->observe_s = (unsigned)atoi(v);
			if (!o->observe_s)
				usage("-s %s: seconds to observe, at least 1", v);
		} else if (!strcmp(a, "-B")) {
			o->give_up_s = (unsigned)atoi(v);
		} else if (!strcmp(a, "-T")) {
			o->token_len = hex(v, o->token, sizeof(o->token), "-T");
		} else if (!strcmp(a, "-O")) {
			const char *c = strchr(v, ',');
			if (!c || o->n_extra == 8)
				usage("-O %s: expected NUM,TEXT (at most 8)", v);
			o->extra[o->n_extra].num = (uint16_t)atoi(v);
			o->extra[o->n_extra++].text = c + 1;
		} else if (!strcmp(a, "-u")) {
			o->psk_id = v;
		} else if (!strcmp(a, "-k")) {
			o->psk_len = strlen(v) < sizeof(o->psk) ? strlen(v) : sizeof(o->psk);
			memcpy(o->psk, v, o->psk_len);
		} else if (!strcmp(a, "--psk-hex")) {
			o->psk_len = hex(v, o->psk, sizeof(o->psk), "--psk-hex");
		} else if (tool_cred_option(a, v, &o->creds)) {
			/* -c, -j, -C, -M: taken */
		} else if (!strcmp(a, "--peer-rpk")) {
			o->peer_rpk = v;
		} else if (!strcmp(a, "-v")) {
			o->verbose = (unsigned)atoi(v);
		} else if (!strcmp(a, "--suites")) {
			o->suites = v;
		} else if (!strcmp(a, "--mtu")) {
			o->mtu = (unsigned)atoi(v);
		} else if ((timer = tool_timer_option(a, v, &o->dtls_timeout_ms, &o->coap, &why))) {
			if (timer < 0)
				usage("%s %s: %s", a, v, why);
		} else if (a[0] == '-') {
			usage("unknown option %s", a);
		} else {
			uri = a;
			continue;
		}
		i++;
	}
	if (!uri)
		usage("no URI");
	parse_uri(o, uri);
	if (o->psk_len ? !o->psk_id : o->creds.rpk ? !o->peer_rpk : !(o->creds.cert && o->creds.key && o->creds.ca))
		usage("give -u ID -k KEY, -c CERT -j KEY -C CA, or -M KEYFILE --peer-rpk PUBFILE");
}

static void log_line(void *user, enum eiot_log_level level, const char *line)
{
	(void)user;
	(void)level;
	fprintf(stderr, "coaps-client: %s\n", line);
}

static struct eiot_file_cache *cert_cache; /* --cert-cache, until exit */

static struct eiot_config *dtls_config(const struct opts *o)
{
	struct eiot_config *cfg = eiot_config_new(EIOT_CLIENT, EIOT_DTLS);
	int err = cfg ? EIOT_OK : EIOT_ERR_NO_MEMORY;
	if (!err && o->verbose > 1)
		eiot_config_set_log(cfg, log_line, NULL, o->verbose > 2 ? EIOT_LOG_DEBUG : EIOT_LOG_INFO);
	if (!err && o->psk_len)
		err = eiot_config_set_psk(cfg, (const uint8_t *)o->psk_id, strlen(o->psk_id), o->psk, o->psk_len);
	const char *what;
	if (!err)
		err = tool_set_creds(cfg, &o->creds, &what);
	if (!err && o->peer_rpk)
		err = eiot_config_add_peer_rpk_file(cfg, o->peer_rpk);
	if (!err && o->creds.cert)
		err = o->no_verify ? eiot_config_set_name_policy(cfg, EIOT_NAME_SKIP_CHECK)
				   : eiot_config_set_server_name(cfg, o->host);
	if (!err && o->suites) {
		const char *bad = NULL;
		if ((err = tool_set_suites(cfg, o->suites, &bad)) && bad)
			usage("--suites: unknown suite %s", bad);
	}
	if (!err && o->tickets)
		err = eiot_config_set_session_tickets(cfg, true);
	if (!err && o->cid)
		err = eiot_config_set_connection_id(cfg, true, 0); /* we need no CID from the server */
	if (!err && o->cert_cache) {
		int ferr = 0;
		cert_cache = eiot_file_cache_open(o->cert_cache, 16, 65536, &ferr);
		if (!cert_cache)
			usage("--cert-cache %s: cannot use it", o->cert_cache);
		if (ferr)
			fprintf(stderr, "coaps-client: --cert-cache %s was unusable: starting empty\n", o->cert_cache);
		err = eiot_config_set_cert_cache(cfg, &eiot_file_cache_ops, cert_cache);
	}
	if (!err)
		err = eiot_config_set_strict_profile(cfg, o->strict);
	if (!err)
		err = eiot_config_set_mtu(cfg, o->mtu);
	/* a handshake gives up after a third of -B (10..120 s), so that a new one, its timers back
	 * at their start, still has time on a link that loses a lot */
	uint32_t initial = o->dtls_timeout_ms ? o->dtls_timeout_ms : 9000, give_up = o->give_up_s * 1000u / 3;
	give_up = give_up < 10000 ? 10000 : give_up > 120000 ? 120000 : give_up;
	if (!err)
		err = eiot_config_set_retransmit(cfg, initial, 60000, give_up < initial ? initial : give_up);
	if (err) {
		fprintf(stderr, "coaps-client: configuration refused: %s\n", eiot_err_str(err));
		exit(EXIT_LOCAL);
	}
	return cfg;
}

/* The request: Uri-Path segments, Uri-Query parts, -O options, payload. */
static void build_request(struct opts *o, struct eiot_coap_msg *m)
{
	eiot_coap_msg_init(m, o->type, o->method, 0);
	if (eiot_coap_set_token(m, o->token, o->token_len))
		usage("-T: at most 8 bytes");
	char host[256];
	uint16_t port;
	if (eiot_coap_set_uri(m, o->uri, host, sizeof(host), &port))
		usage("%s: too many path segments and query parts", o->uri);
	for (size_t i = 0; i < o->n_extra; i++)
		if (eiot_coap_add_option(m, o->extra[i].num, o->extra[i].text, strlen(o->extra[i].text)))
			usage("too many options");
	if (o->accept >= 0 && eiot_coap_add_uint_option(m, EIOT_COAP_OPT_ACCEPT, (uint32_t)o->accept))
		usage("too many options");
	m->payload = (const uint8_t *)o->payload;
	m->payload_len = o->payload_len;
}

static int udp_connect(const struct opts *o)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;
	int rc = getaddrinfo(o->host, o->port, &hints, &res);
	if (rc) {
		fprintf(stderr, "coaps-client: %s: %s\n", o->host, gai_strerror(rc));
		exit(EXIT_LOCAL);
	}
	int fd = socket(res->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen)) {
		fprintf(stderr, "coaps-client: %s:%s: %s\n", o->host, o->port, strerror(errno));
		exit(EXIT_LOCAL);
	}
	freeaddrinfo(res);
	return fd;
}

static bool saved_store(const char *path, struct eiot_coaps_client *cl);
/* --saved: a save reserved record numbers that FILE does not hold. Nothing more may be sent on
 * this connection (not even close_notify): after a crash, the older FILE would send with the
 * same numbers again. */
static bool store_failed;

/* --saved: a reservation ran out (EIOT_ERR_SAVE_NEEDED): the state is stored again first. */
static bool store_if_needed(const char *saved, struct eiot_coaps_client *cl, int err)
{
	return err == EIOT_ERR_SAVE_NEEDED && saved && saved_store(saved, cl);
}

static void send_all(int fd, struct eiot_coaps_client *cl, const char *saved)
{
	static uint8_t dg[16384];
	size_t len;
	int err;
	while (!store_failed &&
	       (!(err = eiot_coaps_client_output(cl, dg, sizeof(dg), &len)) ? len != 0 : store_if_needed(saved, cl, err)))
		if (!err && send(fd, dg, len, 0) < 0 && errno != ECONNREFUSED)
			fprintf(stderr, "coaps-client: send: %s\n", strerror(errno));
}

/* eiot_coaps_client_request, storing the --saved state first when it must be. */
static int ask(struct eiot_coaps_client *cl, struct eiot_coap_msg *m, uint64_t now, const char *saved)
{
	int err = eiot_coaps_client_request(cl, m, now);
	if (store_if_needed(saved, cl, err))
		err = eiot_coaps_client_request(cl, m, now);
	return err;
}

/* The representation so far (Block2 responses are appended, RFC 7959 §2.4). */
static uint8_t body[1 << 20];
static size_t body_len;
static unsigned blocks;
/* A Block1 upload: bytes of the payload the server has taken. */
static size_t up_done;

/* base with the payload's block at offset up_done of 2^(szx+4) bytes, Block1 and Size1. */
static int upload_block(const struct opts *o, const struct eiot_coap_msg *base, uint8_t szx,
			struct eiot_coap_msg *m)
{
	size_t size = eiot_coap_block_size(szx), left = o->payload_len - up_done;
	struct eiot_coap_block b = { (uint32_t)(up_done / size), left > size, szx };
	*m = *base;
	m->n_uint = 0;
	m->payload = (const uint8_t *)o->payload + up_done;
	m->payload_len = left > size ? size : left;
	int err = eiot_coap_add_block_option(m, EIOT_COAP_OPT_BLOCK1, &b);
	return err ? err : eiot_coap_add_uint_option(m, EIOT_COAP_OPT_SIZE1, (uint32_t)o->payload_len);
}

/* The szx a Block1 upload starts with: -b's, else 1024-byte blocks when the payload needs
 * them; -1 when it fits one message. */
static int upload_szx(const struct opts *o)
{
	int szx = o->block_szx >= 0 ? o->block_szx : 6;
	return o->payload_len > eiot_coap_block_size((uint8_t)szx) ? szx : -1;
}

/* A response: its payload appended; 1 and the next request in *next when a Block2 says more
 * follows, else 0 and the whole payload to stdout, the exit status from the class in *rc. */
static int take_response(const struct opts *o, const struct eiot_coap_msg *base,
			 const struct eiot_coap_msg *m, struct eiot_coap_msg *next, int *rc)
{
	struct eiot_coap_block b = { 0 };
	const struct eiot_coap_option *b1 = eiot_coap_next_option(m, EIOT_COAP_OPT_BLOCK1, NULL);
	if (b1 && m->code == EIOT_COAP_CONTINUE) { /* RFC 7959 §2.5: send the next block */
		if (eiot_coap_block_get(b1, &b) || eiot_coap_block_size(b.szx) * (b.num + 1) <= up_done) {
			fprintf(stderr, "coaps-client: 2.31 Continue for a block we did not send\n");
			*rc = EXIT_ERROR_RESPONSE;
			return 0;
		}
		up_done = eiot_coap_block_size(b.szx) * (b.num + 1);
		return upload_block(o, base, b.szx, next) ? 0 : 1;
	}
	if (m->code == EIOT_COAP_REQUEST_ENTITY_TOO_LARGE) {
		uint32_t max = 0;
		const struct eiot_coap_option *s1 = eiot_coap_next_option(m, EIOT_COAP_OPT_SIZE1, NULL);
		if (s1)
			eiot_coap_option_uint(s1, &max);
		fprintf(stderr, "coaps-client: the server refuses %zu bytes (4.13; it takes %" PRIu32 ")\n",
			o->payload_len, max);
	}
	const struct eiot_coap_option *bo = eiot_coap_next_option(m, EIOT_COAP_OPT_BLOCK2, NULL);
	bool blockwise = bo && EIOT_COAP_CODE_CLASS(m->code) == 2;
	if (blockwise && (eiot_coap_block_get(bo, &b) || b.num != blocks ||
			  b.num * eiot_coap_block_size(b.szx) != body_len)) {
		fprintf(stderr, "coaps-client: Block2 %u of the response is not the block asked for\n", b.num);
		*rc = EXIT_ERROR_RESPONSE;
		return 0;
	}
	if (m->payload_len > sizeof(body) - body_len) {
		fprintf(stderr, "coaps-client: the representation is over %zu bytes\n", sizeof(body));
		*rc = EXIT_LOCAL;
		return 0;
	}
	memcpy(body + body_len, m->payload, m->payload_len);
	body_len += m->payload_len;
	blocks++;
	if (blockwise && b.more) { /* the same request for the next block, at the server's size */
		*next = *base;
		next->n_uint = 0;
		struct eiot_coap_block want = { b.num + 1, false, b.szx };
		return eiot_coap_add_block_option(next, EIOT_COAP_OPT_BLOCK2, &want) ? 0 : 1;
	}
	fwrite(body, 1, body_len, stdout);
	if (body_len && body[body_len - 1] != '\n')
		fputc('\n', stdout);
	if (o->verbose) {
		char in_blocks[32] = "";
		if (blocks > 1)
			snprintf(in_blocks, sizeof(in_blocks), " in %u blocks", blocks);
		fprintf(stderr, "coaps-client: response %u.%02u, %zu payload bytes%s\n",
			EIOT_COAP_CODE_CLASS(m->code), EIOT_COAP_CODE_DETAIL(m->code), body_len, in_blocks);
	}
	*rc = EIOT_COAP_CODE_CLASS(m->code) == 2 ? EXIT_OK : EXIT_ERROR_RESPONSE;
	return 0;
}

/* --session FILE: "EIOTSES1", the struct's size (4 bytes), the struct. */
static const char session_magic[8] = "EIOTSES1";

static bool session_load(const char *path, struct eiot_session *s)
{
	uint8_t head[12];
	FILE *f = fopen(path, "rb");
	bool ok = f && fread(head, 1, sizeof(head), f) == sizeof(head) && !memcmp(head, session_magic, 8) &&
		  (uint32_t)(head[8] << 24 | head[9] << 16 | head[10] << 8 | head[11]) == sizeof(*s) &&
		  fread(s, 1, sizeof(*s), f) == sizeof(*s) && s->valid;
	if (f)
		fclose(f);
	if (!ok)
		eiot_session_clear(s);
	return ok;
}

/* a[0..an) then b[0..bn) written to FILE.tmp (0600), on disk (fsync), then renamed over FILE
 * and the rename made durable (fsync of the directory): a crash leaves the old FILE or the new
 * one, never half of one, and once this returns true a power cut cannot bring the old one back
 * (which for --saved would repeat record numbers). */
static bool write_private(const char *what, const char *path, const void *a, size_t an, const void *b,
			  size_t bn)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	bool ok = fd >= 0 && write(fd, a, an) == (ssize_t)an && (!bn || write(fd, b, bn) == (ssize_t)bn) &&
		  !fsync(fd);
	if (fd >= 0)
		ok = !close(fd) && ok;
	if (!ok || rename(tmp, path)) {
		fprintf(stderr, "coaps-client: %s %s: cannot write: %s\n", what, path, strerror(errno));
		unlink(tmp);
		return false;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0'; /* "/f" -> "/", "d/f" -> "d" */
	int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
	ok = dfd >= 0 && !fsync(dfd);
	if (dfd >= 0)
		close(dfd);
	if (!ok)
		fprintf(stderr, "coaps-client: %s %s: cannot make the rename durable: %s\n", what, path,
			strerror(errno));
	return ok;
}

static void session_save(const char *path, const struct eiot_session *s)
{
	uint32_t n = sizeof(*s);
	uint8_t head[12];
	memcpy(head, session_magic, 8);
	head[8] = (uint8_t)(n >> 24), head[9] = (uint8_t)(n >> 16), head[10] = (uint8_t)(n >> 8), head[11] = (uint8_t)n;
	write_private("--session", path, head, sizeof(head), s, sizeof(*s));
}

/* --saved FILE: the state eiot_coaps_client_save writes, as it is. Each save reserves this many
 * record numbers: the records of a few exchanges, so that a run writes FILE about twice. */
#define SAVED_RESERVE 64

static bool saved_store(const char *path, struct eiot_coaps_client *cl)
{
	uint8_t st[EIOT_COAPS_SAVED_MAX];
	size_t n;
	int err = eiot_coaps_client_save(cl, SAVED_RESERVE, st, sizeof(st), &n);
	if (err)
		fprintf(stderr, "coaps-client: --saved %s: cannot save the connection: %s\n", path, eiot_err_str(err));
	bool ok = !err && write_private("--saved", path, st, n, NULL, 0);
	explicit_bzero(st, sizeof(st));
	if (!err && !ok) {
		store_failed = true;
		fprintf(stderr, "coaps-client: --saved %s: not stored: this connection sends nothing more\n", path);
	}
	return ok;
}

/* A client on the connection FILE holds; NULL (one line said why, unless FILE is absent). */
static struct eiot_coaps_client *saved_load(const struct opts *o, struct eiot_config *cfg, uint64_t now)
{
	uint8_t st[EIOT_COAPS_SAVED_MAX + 1];
	struct eiot_coaps_client *cl = NULL;
	FILE *f = fopen(o->saved_file, "rb");
	if (!f)
		return NULL;
	size_t n = fread(st, 1, sizeof(st), f);
	fclose(f);
	int err = eiot_coaps_client_restore(cfg, &o->coap, st, n, now, &cl);
	explicit_bzero(st, sizeof(st));
	if (err)
		fprintf(stderr, "coaps-client: --saved %s: not usable (%s): a full handshake\n", o->saved_file,
			eiot_err_str(err));
	return cl;
}

/* The DTLS handshake gave up before -B: a new connection, offering whatever session the old
 * one had, carries the request in flight again. NULL when it cannot start. */
static struct eiot_coaps_client *start_over(struct eiot_coaps_client *cl, struct eiot_config *cfg,
					    const struct opts *o, struct eiot_coap_msg *cur, uint64_t now)
{
	struct eiot_session s;
	bool have = !eiot_coaps_client_session(cl, &s);
	struct eiot_coaps_client *n = have ? eiot_coaps_client_new_resume(cfg, &o->coap, &s, now)
					   : eiot_coaps_client_new(cfg, &o->coap, now);
	eiot_session_clear(&s);
	if (!n)
		return NULL;
	eiot_coaps_client_free(cl);
	cur->token_len = (uint8_t)o->token_len;
	memcpy(cur->token, o->token, o->token_len);
	if (eiot_coaps_client_request(n, cur, now)) {
		eiot_coaps_client_free(n);
		return NULL;
	}
	return n;
}

static int dtls_failed(struct eiot_coaps_client *cl, int err)
{
	int sent, recv;
	eiot_conn_last_alert(eiot_coaps_client_conn(cl), &sent, &recv);
	fprintf(stderr, "coaps-client: DTLS handshake failed: %s (alert sent: %s, received: %s)\n",
		eiot_err_str(err), eiot_alert_str(sent), eiot_alert_str(recv));
	return EXIT_DTLS;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct eiot_coap_msg req;
	struct eiot_coap_event ev;
	static uint8_t dg[16384];
	parse(&o, argc, argv);
	struct eiot_config *cfg = dtls_config(&o);
	int fd = udp_connect(&o);
	uint64_t start = tool_now_ms(), deadline = start + (uint64_t)o.give_up_s * 1000;
	struct eiot_session sess;
	struct eiot_coaps_client *cl = o.saved_file ? saved_load(&o, cfg, start) : NULL;
	bool restored = cl != NULL;
	bool offered = !restored && o.session_file && session_load(o.session_file, &sess);
	if (!cl)
		cl = offered ? eiot_coaps_client_new_resume(cfg, &o.coap, &sess, start)
			     : eiot_coaps_client_new(cfg, &o.coap, start);
	eiot_session_clear(&sess);
	if (!cl) {
		fprintf(stderr, "coaps-client: cannot start DTLS (see above)\n");
		return EXIT_LOCAL;
	}
	if (restored && o.verbose)
		fprintf(stderr, "coaps-client: DTLS connection restored from %s: no handshake\n", o.saved_file);
	struct eiot_coap_msg base, next;
	build_request(&o, &base);
	req = base;
	if (upload_szx(&o) >= 0) {
		upload_block(&o, &base, (uint8_t)upload_szx(&o), &req);
	} else if (o.observe_s) {
		eiot_coap_add_uint_option(&req, EIOT_COAP_OPT_OBSERVE, 0); /* register (RFC 7641 §3.1) */
	} else if (o.block_szx >= 0) {
		struct eiot_coap_block first = { 0, false, (uint8_t)o.block_szx };
		eiot_coap_add_block_option(&req, EIOT_COAP_OPT_BLOCK2, &first);
	}
	struct eiot_coap_msg *cur = &req; /* the request in flight, asked again if it gets no answer */
	unsigned asked_again = 0;
	int err = ask(cl, &req, start, o.saved_file), rc = EXIT_NO_ANSWER;
	if (err) {
		fprintf(stderr, "coaps-client: request refused: %s\n", eiot_err_str(err));
		return EXIT_LOCAL;
	}
	/* observing: from the registration's answer on, notifications until observe_end, then the
	 * deregistration (until that answer, -B bounds the wait) */
	uint64_t observe_end = UINT64_MAX;
	unsigned notifications = 0;
	bool deregistering = false;
	for (;;) {
		send_all(fd, cl, o.saved_file);
		if (store_failed) {
			rc = EXIT_LOCAL;
			break;
		}
		uint64_t now = tool_now_ms(), t = eiot_coaps_client_next_timer(cl);
		if (now >= deadline) {
			if (eiot_conn_state(eiot_coaps_client_conn(cl)) == EIOT_STATE_HANDSHAKE)
				fprintf(stderr, "coaps-client: the DTLS handshake did not complete within %u s "
						"(-B): no answer from %s:%s, or it dropped our Finished (DTLS "
						"sends no alert for a wrong PSK or an unverifiable Finished)\n",
					o.give_up_s, o.host, o.port);
			else
				fprintf(stderr, "coaps-client: no response within %u s (-B)\n", o.give_up_s);
			break;
		}
		if (o.observe_s && !deregistering && now >= observe_end) {
			/* RFC 7641 §3.6: cancel with a GET that has the same token and Observe 1 */
			eiot_coaps_client_cancel(cl, req.token, req.token_len);
			next = base;
			next.n_uint = 0;
			eiot_coap_set_token(&next, req.token, req.token_len);
			eiot_coap_add_uint_option(&next, EIOT_COAP_OPT_OBSERVE, 1);
			err = ask(cl, &next, now, o.saved_file);
			if (err && err != EIOT_ERR_WANT_MORE) {
				fprintf(stderr, "coaps-client: deregistration: %s\n", eiot_err_str(err));
				rc = EXIT_LOCAL;
				goto out;
			}
			if (!err) {
				cur = &next;
				deregistering = true;
				continue;
			}
			/* the registration is still in flight (handshake, or its CON not yet
			 * acknowledged: NSTART 1): the deregistration goes as soon as it may */
		}
		uint64_t until = t < deadline ? t : deadline;
		if (o.observe_s && !deregistering && observe_end < until)
			until = observe_end > now ? observe_end : now + 100;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ready = poll(&p, 1, until > now ? (int)(until - now) : 0);
		now = tool_now_ms();
		if (ready > 0) {
			ssize_t n = recv(fd, dg, sizeof(dg), 0);
			if (n < 0) {
				if (errno == ECONNREFUSED)
					continue; /* nothing listens (yet): DTLS retransmits */
				fprintf(stderr, "coaps-client: recv: %s\n", strerror(errno));
				return EXIT_LOCAL;
			}
			if ((err = eiot_coaps_client_feed(cl, dg, (size_t)n, now)))
				return dtls_failed(cl, err);
			while (!(err = eiot_coaps_client_event(cl, now, &ev)) && ev.kind != EIOT_COAP_EV_NONE)
				if (ev.kind == EIOT_COAP_EV_RESPONSE && o.observe_s && !deregistering) {
					/* a notification (or the registration's answer): one line each */
					fwrite(ev.msg.payload, 1, ev.msg.payload_len, stdout);
					fputc('\n', stdout);
					if (!notifications++) {
						observe_end = now + (uint64_t)o.observe_s * 1000;
						if (deadline < observe_end + 10000)
							deadline = observe_end + 10000;
					}
					if (EIOT_COAP_CODE_CLASS(ev.msg.code) != 2) {
						rc = EXIT_ERROR_RESPONSE;
						goto out;
					}
				} else if (ev.kind == EIOT_COAP_EV_RESPONSE) {
					if (o.observe_s && o.verbose)
						fprintf(stderr, "coaps-client: %u notifications, then deregistered\n",
							notifications);
					if (!take_response(&o, &base, &ev.msg, &next, &rc))
						goto out;
					cur = &next;
					if ((err = ask(cl, &next, now, o.saved_file))) {
						fprintf(stderr, "coaps-client: next block: %s\n", eiot_err_str(err));
						rc = EXIT_LOCAL;
						goto out;
					}
				}
		} else if (now >= t) {
			if ((err = eiot_coaps_client_tick(cl, now, &ev))) {
				if (err == EIOT_ERR_TIMEOUT && now < deadline) {
					struct eiot_coaps_client *n = start_over(cl, cfg, &o, cur, now);
					if (!n)
						return dtls_failed(cl, err);
					cl = n;
					asked_again++;
					if (o.verbose)
						fputs("coaps-client: the DTLS handshake gave up: starting over\n", stderr);
					continue;
				}
				if (eiot_conn_state(eiot_coaps_client_conn(cl)) != EIOT_STATE_ESTABLISHED)
					return dtls_failed(cl, err);
				fprintf(stderr, "coaps-client: %s\n", eiot_err_str(err));
				return EXIT_LOCAL;
			}
			if (ev.kind == EIOT_COAP_EV_FAILED && ev.err == EIOT_ERR_TIMEOUT &&
			    cur->code != EIOT_COAP_POST && now < deadline) {
				/* CoAP gave up on this exchange but -B has not passed: an idempotent request
				 * is asked again, on a new connection resuming the session (the server may
				 * have lost it); a POST is not, it might have been carried out */
				asked_again++;
				if (o.verbose)
					fprintf(stderr, "coaps-client: no answer after %u transmissions: asking again\n",
						o.coap.max_retransmit + 1u);
				cur->token_len = (uint8_t)o.token_len;
				memcpy(cur->token, o.token, o.token_len);
				if ((err = ask(cl, cur, now, o.saved_file))) {
					fprintf(stderr, "coaps-client: asking again: %s\n", eiot_err_str(err));
					rc = EXIT_LOCAL;
					goto out;
				}
			} else if (ev.kind == EIOT_COAP_EV_FAILED) {
				fprintf(stderr, "coaps-client: the request failed: %s\n", eiot_err_str(ev.err));
				break;
			}
		}
	}
out:
	if (o.verbose && asked_again)
		fprintf(stderr, "coaps-client: asked again %u times, %u DTLS connections\n", asked_again,
			eiot_coaps_client_connections(cl));
	const struct eiot_conn *conn = eiot_coaps_client_conn(cl);
	bool handshakes = eiot_coaps_client_connections(cl) > 1 || !restored;
	if (o.verbose && eiot_conn_state(conn) != EIOT_STATE_HANDSHAKE)
		fprintf(stderr, "coaps-client: DTLS session %s\n",
			!handshakes ? "restored: no handshake"
			: eiot_conn_resumed(conn) ? "resumed (abbreviated handshake)"
			: offered ? "not resumed: full handshake" : "new: full handshake");
	if (o.session_file && !eiot_coaps_client_session(cl, &sess)) {
		session_save(o.session_file, &sess);
		eiot_session_clear(&sess);
	}
	/* --saved: the session stays open for the next run (its state stored last) */
	if (!store_failed &&
	    !(o.saved_file && eiot_conn_state(conn) == EIOT_STATE_ESTABLISHED && saved_store(o.saved_file, cl)))
		eiot_coaps_client_close(cl);
	if (store_failed)
		rc = EXIT_LOCAL;
	send_all(fd, cl, NULL);
	eiot_coaps_client_free(cl);
	eiot_config_free(cfg);
	eiot_file_cache_close(cert_cache);
	close(fd);
	return rc;
}
