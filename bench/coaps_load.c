/*
 * bench/coaps_load.c — a CoAPS load generator on eap_iot's sans-I/O client: N DTLS sessions
 * to one server from one process, each an eiot_coaps_client on its own connected UDP socket,
 * all driven by one epoll loop on the monotonic clock.
 *
 *   coaps_load [--host H] [--port P] [-n N] [-r R] [--path P] [--concurrency C]
 *              [--req-window W] (--psk ID:KEY | --cert F --key F --ca F) [--server-pid PID]
 *              [--timeout S]
 *
 * Phase 1: every client handshakes and sends a CON GET PATH, at most C of them in flight at
 * once; the phase ends when each has its answer or has failed: handshakes/s. Phase 2: the
 * sessions kept, R more CON GETs each (one outstanding per client, at most W clients asking at
 * once, round robin; W = N by default): requests/s. With --server-pid the server's CPU time
 * (utime + stime) is read around each phase and its VmRSS / VmHWM before and after. The
 * generator's own CPU time and the whole machine's (all_cpu, from /proc/stat) are reported
 * too: what neither the server nor the generator used was other work on the machine.
 *
 * One line of key=value on stdout; failures (the first few, with their reason) on stderr.
 * The DTLS retransmission timer starts at 1000 ms (not RFC 7925's 9000), so a datagram lost on
 * loopback costs a second; the server's name is not checked (the chain is).
 * Exit status: 0 everything answered 2.xx, 1 something failed or --timeout passed, 2 usage,
 * 5 local error.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "eap_iot/coap.h"
#include "tool_util.h"
#include "eap_iot/eap_iot.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_LOCAL = 5 };

struct opts {
	const char *host, *port, *path, *cert, *key, *ca;
	char psk_id[EIOT_MAX_PSK_IDENTITY + 1];
	char psk_key[EIOT_MAX_PSK + 1];
	unsigned n, r, conc, window, timeout_s;
	long server_pid;
};

/* A client's place in the run. */
enum cstate { CS_IDLE, CS_HS, CS_READY, CS_REQ, CS_FAILED };

struct client {
	struct eiot_coaps_client *cl;
	int fd;
	enum cstate st;
	unsigned left;  /* phase 2 requests still to send */
	uint64_t timer; /* eiot_coaps_client_next_timer, cached */
};

/* What one phase counted. */
struct tally {
	uint64_t dg_out, dg_in, send_drop;
	unsigned ok, err_resp, failed, lost; /* lost: clients out of the run */
};

static struct opts o;
static struct client *cls;
static struct eiot_config *cfg;
static struct eiot_coap_params cparams;
static struct eiot_coap_msg tmpl; /* the request; its options point into path_buf */
static char path_buf[512];
static struct addrinfo *dst;
static int ep = -1;
static struct tally tl;
static unsigned busy, fail_lines;
/* phase 2: clients waiting for their turn to ask (each at most once) */
static unsigned *ring, ring_head, ring_len;

static const char SYNOPSIS[] =
	"usage: coaps_load [--host H] [--port P] [-n N] [-r R] [--path P] "
	"[--concurrency C] [--req-window W] (--psk ID:KEY | --cert F --key F --ca F) "
	"[--server-pid PID] [--timeout S]\n";
#define usage(...) tool_usage("coaps_load", SYNOPSIS, __VA_ARGS__)

static void die(const char *what, const char *why)
{
	fprintf(stderr, "coaps_load: %s: %s\n", what, why);
	exit(EXIT_LOCAL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define number(opt, v, lo, hi) tool_number("coaps_load", SYNOPSIS, opt, v, lo, hi)

/* --psk ID:KEY, both as text. */
static void parse_psk(const char *v)
{
	const char *c = strchr(v, ':');
	size_t il = c ? (size_t)(c - v) : 0, kl = c ? strlen(c + 1) : 0;
	if (!il || il > EIOT_MAX_PSK_IDENTITY || !kl || kl > EIOT_MAX_PSK)
		usage("--psk %s: ID:KEY, identity 1..%d and key 1..%d bytes", v, EIOT_MAX_PSK_IDENTITY,
		      EIOT_MAX_PSK);
	memcpy(o.psk_id, v, il);
	memcpy(o.psk_key, c + 1, kl);
}

static void parse(int argc, char **argv)
{
	o.host = "127.0.0.1", o.port = "5684", o.path = "/.well-known/core";
	o.n = 100, o.r = 10, o.conc = 50, o.timeout_s = 600;
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];
		if (!v)
			usage("%s needs a value", a);
		if (!strcmp(a, "--host"))
			o.host = v;
		else if (!strcmp(a, "--port"))
			o.port = v;
		else if (!strcmp(a, "-n"))
			o.n = (unsigned)number(a, v, 1, 100000);
		else if (!strcmp(a, "-r"))
			o.r = (unsigned)number(a, v, 0, 1000000);
		else if (!strcmp(a, "--path"))
			o.path = v;
		else if (!strcmp(a, "--psk"))
			parse_psk(v);
		else if (!strcmp(a, "--cert"))
			o.cert = v;
		else if (!strcmp(a, "--key"))
			o.key = v;
		else if (!strcmp(a, "--ca"))
			o.ca = v;
		else if (!strcmp(a, "--concurrency"))
			o.conc = (unsigned)number(a, v, 1, 100000);
		else if (!strcmp(a, "--req-window"))
			o.window = (unsigned)number(a, v, 1, 100000);
		else if (!strcmp(a, "--server-pid"))
			o.server_pid = (long)number(a, v, 1, 1ul << 30);
		else if (!strcmp(a, "--timeout"))
			o.timeout_s = (unsigned)number(a, v, 1, 86400);
		else
			usage("unknown option %s", a);
	}
	if (!o.psk_id[0] == !(o.cert && o.key && o.ca))
		usage("give --psk ID:KEY or --cert F --key F --ca F (not both)");
	if (!o.window || o.window > o.n)
		o.window = o.n;
}

static void must(int err, const char *what)
{
	if (err)
		die(what, eiot_err_str(err));
}

static void make_config(void)
{
	cfg = eiot_config_new(EIOT_CLIENT, EIOT_DTLS);
	if (!cfg)
		die("configuration", "no memory");
	if (o.psk_id[0])
		must(eiot_config_set_psk(cfg, (const uint8_t *)o.psk_id, strlen(o.psk_id),
					 (const uint8_t *)o.psk_key, strlen(o.psk_key)), "--psk");
	if (o.cert) {
		must(eiot_config_set_own_cert_file(cfg, o.cert, o.key, NULL), "--cert/--key");
		must(eiot_config_add_trust_file(cfg, o.ca), "--ca");
		must(eiot_config_set_name_policy(cfg, EIOT_NAME_SKIP_CHECK), "name policy");
	}
	/* 1 s first timeout, the default cap, and a handshake given up after 60 s */
	must(eiot_config_set_retransmit(cfg, 1000, 60000, 60000), "retransmit");
	eiot_coap_params_default(&cparams);
}

/* The GET: one Uri-Path option per segment of --path. */
static void make_request(void)
{
	snprintf(path_buf, sizeof(path_buf), "%s", o.path);
	eiot_coap_msg_init(&tmpl, EIOT_COAP_CON, EIOT_COAP_GET, 0);
	for (char *s = NULL, *seg = strtok_r(path_buf, "/", &s); seg; seg = strtok_r(NULL, "/", &s))
		if (eiot_coap_add_option(&tmpl, EIOT_COAP_OPT_URI_PATH, seg, strlen(seg)))
			usage("--path %s: too many segments", o.path);
}

static void resolve(void)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
	int rc = getaddrinfo(o.host, o.port, &hints, &dst);
	if (rc)
		die(o.host, gai_strerror(rc));
}

/* Room for N sockets and the epoll descriptor. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		die("getrlimit", strerror(errno));
	if (rl.rlim_cur < o.n + 32ul) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur < o.n + 32ul || setrlimit(RLIMIT_NOFILE, &rl))
			die("file descriptors", "the limit is below N + 32 (ulimit -n)");
	}
}

static int open_socket(unsigned i)
{
	int fd = socket(dst->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, dst->ai_addr, dst->ai_addrlen))
		die("socket", strerror(errno));
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		die("epoll_ctl", strerror(errno));
	return fd;
}

/* Send every datagram the client has queued. A full socket buffer drops it (counted): the
 * timers resend, as on a lossy link. */
static void flush(struct client *c)
{
	static uint8_t dg[16384];
	size_t len;
	while (!eiot_coaps_client_output(c->cl, dg, sizeof(dg), &len) && len) {
		tl.dg_out++;
		if (send(c->fd, dg, len, 0) >= 0 || errno == ECONNREFUSED)
			continue;
		if (errno != EAGAIN && errno != ENOBUFS)
			die("send", strerror(errno));
		tl.send_drop++;
	}
	c->timer = c->st == CS_FAILED ? UINT64_MAX : eiot_coaps_client_next_timer(c->cl);
}

static void say_failure(unsigned i, const char *what, int err)
{
	int sent, recv;
	if (fail_lines++ >= 5)
		return;
	eiot_conn_last_alert(eiot_coaps_client_conn(cls[i].cl), &sent, &recv);
	fprintf(stderr, "coaps_load: client %u: %s: %s (alert sent %s, received %s)\n", i, what,
		eiot_err_str(err), eiot_alert_str(sent), eiot_alert_str(recv));
}

/* The client is out of the run (its handshake or its session failed). */
static void drop(unsigned i, const char *what, int err)
{
	struct client *c = &cls[i];
	if (c->st == CS_HS || c->st == CS_REQ) {
		tl.failed++;
		busy--;
	}
	say_failure(i, what, err);
	tl.lost++;
	c->st = CS_FAILED;
	c->timer = UINT64_MAX;
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
}

static int send_request(struct client *c, uint64_t now)
{
	struct eiot_coap_msg m = tmpl;
	int err = eiot_coaps_client_request(c->cl, &m, now);
	if (!err)
		flush(c);
	return err;
}

static void start_client(unsigned i, uint64_t now)
{
	struct client *c = &cls[i];
	c->fd = open_socket(i);
	c->cl = eiot_coaps_client_new(cfg, &cparams, now);
	if (!c->cl)
		die("eiot_coaps_client_new", "cannot start a client");
	c->st = CS_HS;
	busy++;
	int err = send_request(c, now);
	if (err)
		die("request", eiot_err_str(err));
}

/* Phase 2: the next request of a client whose turn it is. */
static void ask(unsigned i, uint64_t now)
{
	struct client *c = &cls[i];
	c->left--;
	c->st = CS_REQ;
	busy++;
	int err = send_request(c, now);
	if (err)
		drop(i, "request refused", err);
}

/* The answer to a client's outstanding request, or CoAP giving up on it (ev FAILED). */
static void answered(unsigned i, const struct eiot_coap_event *ev)
{
	struct client *c = &cls[i];
	if (c->st != CS_HS && c->st != CS_REQ)
		return; /* nothing outstanding: a late duplicate or a notification */
	if (ev->kind == EIOT_COAP_EV_FAILED && c->st == CS_HS) {
		drop(i, "first request got no answer", ev->err); /* no session to keep */
		return;
	}
	if (ev->kind == EIOT_COAP_EV_FAILED) {
		tl.failed++;
		say_failure(i, "request got no answer", ev->err);
	} else if (EIOT_COAP_CODE_CLASS(ev->msg.code) == 2) {
		tl.ok++;
	} else {
		tl.err_resp++;
		if (fail_lines++ < 5)
			fprintf(stderr, "coaps_load: client %u: response %u.%02u\n", i,
				EIOT_COAP_CODE_CLASS(ev->msg.code), EIOT_COAP_CODE_DETAIL(ev->msg.code));
	}
	c->st = CS_READY;
	busy--;
	if (c->left && ring)
		ring[(ring_head + ring_len++) % o.n] = i;
}

static void on_event(unsigned i, const struct eiot_coap_event *ev)
{
	if (ev->kind == EIOT_COAP_EV_RESPONSE || ev->kind == EIOT_COAP_EV_FAILED)
		answered(i, ev);
}

static void on_readable(unsigned i, uint64_t now)
{
	static uint8_t dg[16384];
	struct client *c = &cls[i];
	struct eiot_coap_event ev;
	ssize_t n;
	int err;
	while (c->st != CS_FAILED && (n = recv(c->fd, dg, sizeof(dg), 0)) != 0) {
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ECONNREFUSED || errno == EINTR)
				continue; /* nothing listens (yet): the timers resend */
			die("recv", strerror(errno));
		}
		tl.dg_in++;
		if ((err = eiot_coaps_client_feed(c->cl, dg, (size_t)n, now))) {
			drop(i, "DTLS", err);
			break;
		}
		while (!(err = eiot_coaps_client_event(c->cl, now, &ev)) && ev.kind != EIOT_COAP_EV_NONE)
			on_event(i, &ev);
		if (err)
			drop(i, "CoAP", err);
	}
	flush(c); /* a failed one may still owe its fatal alert */
}

static void on_timer(unsigned i, uint64_t now)
{
	struct client *c = &cls[i];
	struct eiot_coap_event ev;
	int err;
	do {
		if ((err = eiot_coaps_client_tick(c->cl, now, &ev))) {
			drop(i, eiot_conn_state(eiot_coaps_client_conn(c->cl)) == EIOT_STATE_HANDSHAKE
					? "handshake" : "timer", err);
			break;
		}
		on_event(i, &ev);
	} while (ev.kind != EIOT_COAP_EV_NONE);
	flush(c);
}

/* Tick every client whose timer is due; the earliest timer left. */
static uint64_t run_timers(uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (unsigned i = 0; i < o.n; i++) {
		struct client *c = &cls[i];
		if (c->st == CS_IDLE || c->st == CS_FAILED)
			continue;
		if (c->timer <= now)
			on_timer(i, now);
		if (c->st != CS_FAILED && c->timer < next)
			next = c->timer;
	}
	return next;
}

/* Wait for datagrams until the earliest timer (or the deadline) and take them in. */
static void wait_and_read(uint64_t next, uint64_t deadline)
{
	struct epoll_event evs[256];
	uint64_t now = now_ms(), until = next < deadline ? next : deadline;
	int ms = until <= now ? 0 : until - now > 1000 ? 1000 : (int)(until - now);
	int k = epoll_wait(ep, evs, 256, ms);
	if (k < 0 && errno != EINTR)
		die("epoll_wait", strerror(errno));
	now = now_ms();
	for (int j = 0; j < k; j++)
		on_readable(evs[j].data.u32, now);
}

/* Phase 1: every client, at most C handshaking at once. False when the deadline passed. */
static bool phase_handshakes(uint64_t deadline)
{
	unsigned started = 0;
	for (;;) {
		uint64_t now = now_ms();
		while (started < o.n && busy < o.conc)
			start_client(started++, now);
		if (started == o.n && !busy)
			return true;
		if (now >= deadline)
			return false;
		wait_and_read(run_timers(now), deadline);
	}
}


/* Phase 2: R requests per established client, W clients asking at once, round robin. */
static bool phase_requests(uint64_t deadline)
{
	ring = calloc(o.n, sizeof(*ring));
	if (!ring)
		die("phase 2", "no memory");
	for (unsigned i = 0; i < o.n; i++)
		if (cls[i].st == CS_READY && (cls[i].left = o.r))
			ring[ring_len++] = i;
	for (;;) {
		uint64_t now = now_ms();
		while (ring_len && busy < o.window) {
			unsigned i = ring[ring_head];
			ring_head = (ring_head + 1) % o.n;
			ring_len--;
			if (cls[i].st == CS_READY) /* not dropped while it waited */
				ask(i, now);
		}
		if (!ring_len && !busy)
			return true;
		if (now >= deadline)
			return false;
		wait_and_read(run_timers(now), deadline);
	}
}

/* ---- the server's side, from /proc ---- */

/* utime + stime in seconds; -1 when the process is gone. */
static double server_cpu(void)
{
	char path[64], buf[1024];
	unsigned long ut, st;
	snprintf(path, sizeof(path), "/proc/%ld/stat", o.server_pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* the command name may hold spaces */
	/* after ")": state (3), then fields 4..13, utime (14), stime (15) */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* A "Name: N kB" line of /proc/PID/status; -1 when it cannot be read. */
static long server_kb(const char *name)
{
	char path[64], line[256];
	long kb = -1;
	size_t nl = strlen(name);
	snprintf(path, sizeof(path), "/proc/%ld/status", o.server_pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, nl) && line[nl] == ':')
			kb = strtol(line + nl + 1, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* CPU seconds the whole machine was busy (every process, the kernel's softirqs), so that a
 * run shared with other work shows. */
static double machine_cpu(void)
{
	unsigned long long u, ni, sy, idle, wa, irq, sirq, st;
	FILE *f = fopen("/proc/stat", "r");
	int k = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &u, &ni, &sy, &idle, &wa,
			   &irq, &sirq, &st) : 0;
	if (f)
		fclose(f);
	if (k != 8)
		return -1;
	return (double)(u + ni + sy + irq + sirq + st) / (double)sysconf(_SC_CLK_TCK);
}

static double own_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* Where a phase starts or ends: clocks and the server. */
struct mark {
	double t, cpu, srv_cpu, all_cpu;
	struct tally tl;
};

static void mark(struct mark *m)
{
	m->t = now_s();
	m->cpu = own_cpu();
	m->all_cpu = machine_cpu();
	m->srv_cpu = o.server_pid ? server_cpu() : -1;
	m->tl = tl;
}

static void put_rate(const char *key, unsigned count, double secs)
{
	printf(" %s=%.1f", key, secs > 0 ? count / secs : 0.0);
}

static void put_cpu(const char *key, const struct mark *a, const struct mark *b)
{
	if (a->srv_cpu < 0 || b->srv_cpu < 0)
		printf(" %s=NA", key);
	else
		printf(" %s=%.2f", key, b->srv_cpu - a->srv_cpu);
}

/* End every session politely (close_notify), then free it. */
static void close_all(void)
{
	for (unsigned i = 0; i < o.n; i++) {
		struct client *c = &cls[i];
		if (c->st == CS_READY && !eiot_coaps_client_close(c->cl))
			flush(c);
		eiot_coaps_client_free(c->cl);
		if (c->st != CS_IDLE)
			close(c->fd);
	}
}

int main(int argc, char **argv)
{
	struct mark m0, m1, m2;
	parse(argc, argv);
	make_config();
	make_request();
	resolve();
	raise_fd_limit();
	cls = calloc(o.n, sizeof(*cls));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!cls || ep < 0)
		die("start", strerror(errno));
	uint64_t deadline = now_ms() + o.timeout_s * 1000ull;
	long rss0 = o.server_pid ? server_kb("VmRSS") : -1;
	if (o.server_pid && rss0 < 0)
		die("--server-pid", "no such process");

	mark(&m0);
	bool done1 = phase_handshakes(deadline);
	mark(&m1);
	unsigned established = m1.tl.ok + m1.tl.err_resp, failed1 = m1.tl.failed;
	bool done2 = done1 && phase_requests(deadline);
	mark(&m2);
	unsigned reconnects = 0, answered2 = m2.tl.ok + m2.tl.err_resp + m2.tl.failed -
					      m1.tl.ok - m1.tl.err_resp - m1.tl.failed;
	for (unsigned i = 0; i < o.n; i++)
		if (cls[i].cl)
			reconnects += eiot_coaps_client_connections(cls[i].cl) - 1;

	double hs_s = m1.t - m0.t, req_s = m2.t - m1.t;
	unsigned req_ok = m2.tl.ok - m1.tl.ok;
	printf("n=%u established=%u failed=%u unfinished=%u c=%u hs_s=%.3f", o.n, established,
	       failed1, o.n - established - failed1, o.conc, hs_s);
	put_rate("hs_per_s", established, hs_s);
	printf(" hs_dg_out=%llu hs_dg_in=%llu r=%u w=%u req_ok=%u req_err=%u req_failed=%u "
	       "req_missing=%u req_s=%.3f", (unsigned long long)m1.tl.dg_out,
	       (unsigned long long)m1.tl.dg_in, o.r, o.window, req_ok, m2.tl.err_resp - m1.tl.err_resp,
	       m2.tl.failed - m1.tl.failed, done1 ? established * o.r - answered2 : 0, req_s);
	put_rate("req_per_s", req_ok, req_s);
	printf(" req_dg_out=%llu req_dg_in=%llu sessions_lost=%u send_drops=%llu reconnects=%u "
	       "cli_cpu_hs=%.2f cli_cpu_req=%.2f", (unsigned long long)(m2.tl.dg_out - m1.tl.dg_out),
	       (unsigned long long)(m2.tl.dg_in - m1.tl.dg_in), m2.tl.lost - m1.tl.lost,
	       (unsigned long long)m2.tl.send_drop, reconnects, m1.cpu - m0.cpu, m2.cpu - m1.cpu);
	printf(" all_cpu_hs=%.2f all_cpu_req=%.2f", m1.all_cpu - m0.all_cpu, m2.all_cpu - m1.all_cpu);
	put_cpu("srv_cpu_hs", &m0, &m1);
	put_cpu("srv_cpu_req", &m1, &m2);
	if (o.server_pid)
		printf(" srv_rss0_kb=%ld srv_hwm_kb=%ld srv_rss_kb=%ld", rss0, server_kb("VmHWM"),
		       server_kb("VmRSS"));
	printf(" timed_out=%d\n", !(done1 && done2));
	fflush(stdout);
	if (!done1 || !done2)
		fprintf(stderr, "coaps_load: --timeout %u s passed in phase %d\n", o.timeout_s, done1 ? 2 : 1);

	close_all();
	free(ring);
	free(cls);
	close(ep);
	freeaddrinfo(dst);
	eiot_config_free(cfg);
	bool clean = done1 && done2 && established == o.n && req_ok == established * o.r;
	return clean ? EXIT_OK : EXIT_FAILED;
}
