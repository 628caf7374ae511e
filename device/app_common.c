/*
 * device/app_common.c — the run both device programs make (app_common.h).
 *
 * The link is UART0: every datagram is framed as a 2-byte big-endian length and its bytes, both
 * ways; tests/device/uart_udp_relay.py turns the frames into UDP datagrams for `iot-tls --listen
 * --dtls --echo` (tests/device/qemu_psk.sh and qemu_cert.sh run it all). The clock is the FPGAIO
 * counter. At the end one line goes to QEMU's console through semihosting (the result and the
 * measurements) and the exit status is QEMU's: 0 on success, one code per failure (enum
 * outcome).
 *
 * Instructions are counted (QEMU -icount shift=0: 1 instruction = 1 ns) around the engine
 * calls only, so the UART polling while waiting for the server is not in them; the handshake's
 * virtual time with the waits is reported beside them.
 *
 * Heap: the peak is _sbrk's high-water mark (everything: eap_iot, mbedTLS, newlib); of it the
 * connection's one allocation (eiot_conn_size), and mbedTLS's own allocations (bignums and
 * points of P-256, parsed X.509 certificates), which device/build.sh routes to
 * dev_mbedtls_calloc/dev_mbedtls_free: what mbedTLS holds when the handshake starts (the
 * configuration's parsed trust anchor, own certificate and key) and its peak during it.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_common.h"
#include "board.h"
#include "eap_iot/conn.h"

#define MTU 127       /* bytes per datagram, both ways (the server is run with --mtu 127) */
#define MAX_RECORD 64 /* record plaintext (--max-record 64) */
/* Virtual time under -icount shift=0 runs at a fraction of real time while the device polls
 * (about 0.1-0.25x here), so the test's bounds are short: retransmissions after 1 s and 3 s,
 * give up after 6 s (RFC 7925 §11 suggests longer on a real radio). */
#define RTO_MS 1000
#define RTO_CAP_MS 60000
#define GIVE_UP_MS 6000
#define REPLY_MS 5000 /* the echo of our message */

/* A 40-byte CoAP message (RFC 7252): CON POST, message ID 0x1234, token 0xD1D2,
 * Uri-Path "temp", Content-Format text/plain, payload "qemu-m4 eap_iot t=21.5C ok!" (the tests
 * look for its text in what the server received). */
static const uint8_t message[40] = {
	0x42, 0x02, 0x12, 0x34, 0xD1, 0xD2, /* header, token */
	0xB4, 't',  'e',  'm',  'p',        /* Uri-Path (option 11), 4 bytes */
	0x10,                               /* Content-Format (option 12), empty: 0 = text/plain */
	0xFF,                               /* payload marker */
	'q', 'e', 'm', 'u', '-', 'm', '4', ' ', 'e', 'a', 'p', '_', 'i', 'o',
	't', ' ', 't', '=', '2', '1', '.', '5', 'C', ' ', 'o', 'k', '!',
};

enum outcome {
	OK = 0,
	FAIL_CONFIG = 2,    /* a setter refused the configuration */
	FAIL_NO_MEMORY = 3, /* eiot_config_new or eiot_conn_new gave NULL */
	FAIL_HANDSHAKE = 4, /* the handshake failed or timed out */
	FAIL_WRITE = 5,     /* the message was not taken whole */
	FAIL_NO_REPLY = 6,  /* no reply in REPLY_MS, or the connection failed meanwhile */
	FAIL_BAD_REPLY = 7, /* the reply is not the echo of the message */
	FAIL_CLOSE = 8,     /* close_notify could not be queued */
	FAIL_STACK = 9,     /* the stack ran through its whole painted region */
};

/* ---- mbedTLS's heap ---- */

/* device/build.sh renames calloc and free in libmbedtls.a to these (objcopy --redefine-sym):
 * the profiles' mbedTLS configurations have no MBEDTLS_PLATFORM_MEMORY, so mbedTLS calls
 * newlib's calloc and free directly. Block sizes are newlib's (malloc_usable_size), so counting
 * adds no header to a block and does not change the heap it measures. */
void *dev_mbedtls_calloc(size_t n, size_t size);
void dev_mbedtls_free(void *p);

static struct {
	size_t live, peak;
} mbed_heap;

void *dev_mbedtls_calloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p) {
		mbed_heap.live += malloc_usable_size(p);
		if (mbed_heap.live > mbed_heap.peak)
			mbed_heap.peak = mbed_heap.live;
	}
	return p;
}

void dev_mbedtls_free(void *p)
{
	if (p)
		mbed_heap.live -= malloc_usable_size(p);
	free(p);
}

/* ---- the link ---- */

/*
 * TEST ONLY — NOT A RANDOM SOURCE FOR A REAL DEVICE. QEMU's MPS2 has no TRNG, so this is
 * xorshift64* seeded once from the FPGAIO counter: deterministic per boot (under -icount the
 * counter at boot is the same every time, so every run draws the same client random). A real
 * device passes its TRNG here.
 */
static int test_random(void *user, uint8_t *out, size_t n)
{
	uint64_t *s = user;

	for (size_t i = 0; i < n; i++) {
		*s ^= *s >> 12;
		*s ^= *s << 25;
		*s ^= *s >> 27;
		out[i] = (uint8_t)((*s * 0x2545F4914F6CDD1Dull) >> 56);
	}
	return 0;
}

/* What crossed the link: datagrams and their bytes (without the framing) each way. */
struct counts {
	size_t dgrams_out, bytes_out, dgrams_in, bytes_in, dropped;
};

/* The framed UART link. */
struct link {
	uint8_t rx[MTU];
	size_t need, have; /* frame length, bytes of it so far */
	unsigned hdr;      /* header bytes read */
	struct counts n;
};

static void link_send(struct link *l, const uint8_t *d, size_t len)
{
	uart_putc((uint8_t)(len >> 8));
	uart_putc((uint8_t)len);
	for (size_t i = 0; i < len; i++)
		uart_putc(d[i]);
	l->n.dgrams_out++;
	l->n.bytes_out += len;
}

/* Take the waiting UART bytes; the length of a datagram completed in l->rx, else 0. A frame
 * longer than MTU is read and dropped, as a radio drops what it cannot hold. */
static size_t link_poll(struct link *l)
{
	int b;

	while ((b = uart_poll()) >= 0) {
		if (l->hdr < 2) {
			l->need = (l->need << 8) | (size_t)b;
			if (++l->hdr == 2 && l->need == 0)
				l->hdr = 0; /* an empty frame: nothing to deliver */
			continue;
		}
		if (l->have < MTU)
			l->rx[l->have] = (uint8_t)b;
		if (++l->have < l->need)
			continue;
		size_t len = l->have;
		l->need = l->have = 0;
		l->hdr = 0;
		if (len > MTU) {
			l->n.dropped++;
			continue;
		}
		l->n.dgrams_in++;
		l->n.bytes_in += len;
		return len;
	}
	return 0;
}

/* ---- the run ---- */

/* The device: its connection and its link, the time its timer wants, the instructions spent
 * inside eap_iot (counter ticks around the engine calls; the handshake's share kept) and the
 * run's result. */
struct device {
	struct eiot_conn *c;
	struct link link;
	uint64_t timer_ms;
	uint64_t start_ticks, hs_ticks; /* the handshake's start and its length, waits included */
	uint64_t engine_ticks, hs_engine_ticks;
	struct counts hs_counts;       /* the link's counts when the handshake ended */
	size_t conn_size;              /* eiot_conn_size */
	size_t mbed_held, mbed_hs_peak; /* mbedTLS's heap at the handshake's start, its peak in it */
	enum outcome res;
	int err, sent, rcvd; /* eiot_conn_error, eiot_conn_last_alert */
};

/* Send every datagram the connection has queued; note when its timer is due. */
static void drain(struct device *d)
{
	uint8_t out[MTU];

	for (;;) {
		size_t len = 0;
		uint64_t t0 = counter_ticks();
		int err = eiot_conn_output(d->c, out, sizeof(out), &len);
		if (err != EIOT_OK || len == 0)
			d->timer_ms = eiot_conn_next_timer(d->c);
		d->engine_ticks += counter_ticks() - t0;
		if (err != EIOT_OK || len == 0)
			return;
		link_send(&d->link, out, len);
	}
}

/* One turn of the loop: a datagram that arrived, or the timer when it is due. Whether the
 * engine ran. */
static bool pump(struct device *d)
{
	size_t len = link_poll(&d->link);
	uint64_t now = counter_ms();

	if (len == 0 && now < d->timer_ms)
		return false;
	uint64_t t0 = counter_ticks();
	if (len > 0)
		eiot_conn_feed(d->c, d->link.rx, len, now);
	else
		eiot_conn_tick(d->c, now);
	d->engine_ticks += counter_ticks() - t0;
	drain(d);
	return true;
}

/* The settings both programs share (the test's link and timers), then the program's own. */
static int configure(const struct app *app, struct eiot_config *cfg, uint64_t *seed)
{
	int err;

	eiot_config_set_random(cfg, test_random, seed);
	if ((err = eiot_config_set_mtu(cfg, MTU)) ||
	    (err = eiot_config_set_max_record(cfg, MAX_RECORD)) ||
	    (err = eiot_config_set_max_handshake(cfg, app->max_handshake)) ||
	    (err = eiot_config_set_retransmit(cfg, RTO_MS, RTO_CAP_MS, GIVE_UP_MS)))
		return err;
	return app->configure(cfg);
}

/* Run the handshake to its end; keep its length, instructions, link counts and mbedTLS's peak. */
static enum outcome handshake(struct device *d)
{
	while (eiot_conn_state(d->c) == EIOT_STATE_HANDSHAKE)
		pump(d);
	d->hs_ticks = counter_ticks() - d->start_ticks;
	d->hs_engine_ticks = d->engine_ticks;
	d->hs_counts = d->link.n;
	d->mbed_hs_peak = mbed_heap.peak;
	return eiot_conn_state(d->c) == EIOT_STATE_ESTABLISHED ? OK : FAIL_HANDSHAKE;
}

/* Send the message and wait for its echo: OK or the failure. */
static enum outcome echo(struct device *d)
{
	uint8_t reply[MAX_RECORD];
	size_t len = 0;
	uint64_t t0 = counter_ticks(), deadline;
	int err = eiot_conn_write(d->c, message, sizeof(message), &len);

	d->engine_ticks += counter_ticks() - t0;
	if (err != EIOT_OK || len != sizeof(message))
		return FAIL_WRITE;
	drain(d);
	deadline = counter_ms() + REPLY_MS;
	for (err = EIOT_ERR_WANT_MORE; err != EIOT_OK;) {
		if (err != EIOT_ERR_WANT_MORE || counter_ms() >= deadline)
			return FAIL_NO_REPLY;
		if (!pump(d))
			continue;
		t0 = counter_ticks();
		err = eiot_conn_read(d->c, reply, sizeof(reply), &len);
		d->engine_ticks += counter_ticks() - t0;
	}
	if (len != sizeof(message) || memcmp(reply, message, len) != 0)
		return FAIL_BAD_REPLY;
	return OK;
}

/* Connect, handshake, echo, close_notify: d->res and the connection's error and alerts. The
 * handshake's clock and mbedTLS's peak start just before the connection does. */
static void connect_and_echo(struct device *d, const struct eiot_config *cfg)
{
	uint64_t t0;

	d->conn_size = eiot_conn_size(cfg);
	d->mbed_held = mbed_heap.peak = mbed_heap.live;
	d->start_ticks = counter_ticks();
	d->c = eiot_conn_new(cfg, counter_ms());
	d->engine_ticks = counter_ticks() - d->start_ticks;
	if (!d->c) {
		d->res = FAIL_NO_MEMORY;
		return;
	}
	drain(d);
	if ((d->res = handshake(d)) == OK && (d->res = echo(d)) == OK) {
		t0 = counter_ticks();
		if (eiot_conn_close(d->c) != EIOT_OK)
			d->res = FAIL_CLOSE;
		d->engine_ticks += counter_ticks() - t0;
		drain(d);
	}
	d->err = eiot_conn_error(d->c);
	eiot_conn_last_alert(d->c, &d->sent, &d->rcvd);
}

/* The result line: outcome, link counts, instructions, heap and stack. */
static void report(const char *name, const struct device *d)
{
	static char line[400];

	snprintf(line, sizeof(line),
		 "%s: %s (code %d, err %d, alert sent %d rcvd %d) | out %u dgrams %u bytes"
		 " (handshake %u/%u) | in %u dgrams %u bytes (handshake %u/%u), dropped %u"
		 " | handshake insns %lu (virtual %lu ms) | exchange insns %lu"
		 " | heap peak %u (conn %u; mbedtls %u before the handshake, peak %u in it)"
		 " | stack peak %u\n",
		 name, d->res == OK ? "handshake ok, echo ok" : "FAILED", (int)d->res, d->err,
		 d->sent, d->rcvd, (unsigned)d->link.n.dgrams_out, (unsigned)d->link.n.bytes_out,
		 (unsigned)d->hs_counts.dgrams_out, (unsigned)d->hs_counts.bytes_out,
		 (unsigned)d->link.n.dgrams_in, (unsigned)d->link.n.bytes_in,
		 (unsigned)d->hs_counts.dgrams_in, (unsigned)d->hs_counts.bytes_in,
		 (unsigned)d->link.n.dropped, (unsigned long)(d->hs_engine_ticks * INSNS_PER_TICK),
		 (unsigned long)(d->hs_ticks / (COUNTER_HZ / 1000u)),
		 (unsigned long)((d->engine_ticks - d->hs_engine_ticks) * INSNS_PER_TICK),
		 (unsigned)heap_peak(), (unsigned)d->conn_size, (unsigned)d->mbed_held,
		 (unsigned)d->mbed_hs_peak, (unsigned)stack_peak());
	semihost_write0(line);
}

/* see app_common.h */
int app_main(const struct app *app)
{
	static struct device d; /* in .bss: an initialiser would copy it into flash */
	static uint64_t seed;
	struct eiot_config *cfg;

	uart_init();
	d.sent = d.rcvd = EIOT_ALERT_NONE;
	seed = 0x9E3779B97F4A7C15ull ^ counter_ticks();
	cfg = eiot_config_new(EIOT_CLIENT, EIOT_DTLS);
	if (!cfg)
		d.res = FAIL_NO_MEMORY;
	else if ((d.err = configure(app, cfg, &seed)) != EIOT_OK)
		d.res = FAIL_CONFIG;
	else
		connect_and_echo(&d, cfg);
	eiot_conn_free(d.c);
	eiot_config_free(cfg);
	if (d.res == OK && stack_overflowed())
		d.res = FAIL_STACK;
	report(app->name, &d);
	return (int)d.res;
}
