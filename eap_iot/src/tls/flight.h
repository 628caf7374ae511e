/*
 * tls/flight.h — DTLS flight retransmission timer (RFC 6347 §4.2.4, RFC 7925 §11).
 *
 * The timer starts at initial_ms when a flight is sent, doubles on every retransmission up
 * to max_ms, and the whole handshake gives up give_up_ms after it started. Time is the
 * caller's milliseconds. The flight's bytes themselves live in the connection; this module
 * only decides when.
 */
#ifndef EIOT_TLS_FLIGHT_H
#define EIOT_TLS_FLIGHT_H

#include <stdbool.h>
#include <stdint.h>

struct flight_timer {
	uint32_t initial_ms, max_ms, give_up_ms;
	uint32_t current_ms;     /* current timeout */
	uint64_t deadline;       /* when to retransmit; UINT64_MAX when stopped */
	uint64_t started;        /* handshake start, for give-up */
	unsigned retransmissions;
};

/* RFC 7925 §11 defaults, used where flight_init is given 0. */
#define FLIGHT_DEFAULT_INITIAL_MS 9000u
#define FLIGHT_DEFAULT_MAX_MS 60000u
#define FLIGHT_DEFAULT_GIVE_UP_MS 120000u

/* Timer stopped, give-up clock started at now. A 0 argument takes its default; max_ms below
 * initial_ms is raised to initial_ms. */
void flight_init(struct flight_timer *t, uint32_t initial_ms, uint32_t max_ms, uint32_t give_up_ms,
		 uint64_t now);
/* A new flight was sent: timer back to initial (RFC 6347: the peer's flight answered ours). */
void flight_sent(struct flight_timer *t, uint64_t now);
/* The flight needs no answer (last flight received completely): stop the timer. */
void flight_stop(struct flight_timer *t);

enum flight_action { FLIGHT_NOTHING, FLIGHT_RETRANSMIT, FLIGHT_GIVE_UP };
/* What to do at now; on FLIGHT_RETRANSMIT the timer has doubled and re-armed (deadline =
 * now + new timeout). FLIGHT_GIVE_UP from give_up_ms after flight_init on, for as long as
 * the timer runs; a stopped timer never fires. */
enum flight_action flight_tick(struct flight_timer *t, uint64_t now);
/* Next time tick() wants to run: min(deadline, give-up time); UINT64_MAX when stopped. */
uint64_t flight_next(const struct flight_timer *t);

#endif
