/*
 * tls/flight.c — DTLS flight retransmission timer (RFC 6347 §4.2.4.1, RFC 7925 §11).
 *
 * Invariants: initial_ms <= current_ms <= max_ms; deadline is UINT64_MAX exactly when the
 * timer is stopped. With the defaults a lost flight is resent at 9 s, 27 s and 63 s after it
 * was first sent, and the handshake gives up 120 s after flight_init.
 */
#include "tls/flight.h"

/* a + b, saturating below UINT64_MAX (which means "stopped") */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a >= UINT64_MAX - 1 - b ? UINT64_MAX - 1 : a + b;
}

static uint64_t give_up_at(const struct flight_timer *t)
{
	return sat_add(t->started, t->give_up_ms);
}

/* see tls/flight.h */
void flight_init(struct flight_timer *t, uint32_t initial_ms, uint32_t max_ms, uint32_t give_up_ms,
		 uint64_t now)
{
	t->initial_ms = initial_ms ? initial_ms : FLIGHT_DEFAULT_INITIAL_MS;
	t->max_ms = max_ms ? max_ms : FLIGHT_DEFAULT_MAX_MS;
	if (t->max_ms < t->initial_ms)
		t->max_ms = t->initial_ms;
	t->give_up_ms = give_up_ms ? give_up_ms : FLIGHT_DEFAULT_GIVE_UP_MS;
	t->current_ms = t->initial_ms;
	t->deadline = UINT64_MAX;
	t->started = now;
	t->retransmissions = 0;
}

/* see tls/flight.h */
void flight_sent(struct flight_timer *t, uint64_t now)
{
	t->current_ms = t->initial_ms; /* RFC 6347 §4.2.4.1: reset after a successful exchange */
	t->deadline = sat_add(now, t->current_ms);
	t->retransmissions = 0;
}

/* see tls/flight.h */
void flight_stop(struct flight_timer *t)
{
	t->deadline = UINT64_MAX;
}

/* see tls/flight.h */
enum flight_action flight_tick(struct flight_timer *t, uint64_t now)
{
	if (t->deadline == UINT64_MAX)
		return FLIGHT_NOTHING;
	if (now >= give_up_at(t))
		return FLIGHT_GIVE_UP;
	if (now < t->deadline)
		return FLIGHT_NOTHING;
	/* RFC 6347 §4.2.4.1: double the timer on each retransmission, up to the cap */
	uint64_t next = (uint64_t)t->current_ms * 2;
	t->current_ms = next > t->max_ms ? t->max_ms : (uint32_t)next;
	t->deadline = sat_add(now, t->current_ms);
	t->retransmissions++;
	return FLIGHT_RETRANSMIT;
}

/* see tls/flight.h */
uint64_t flight_next(const struct flight_timer *t)
{
	if (t->deadline == UINT64_MAX)
		return UINT64_MAX;
	uint64_t g = give_up_at(t);
	return t->deadline < g ? t->deadline : g;
}
