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

void flight_init(struct flight_timer *t, uint32_t initial_ms, uint32_t max_ms, uint32_t give_up_ms,
		 uint64_t now);
/* A new flight was sent: timer back to initial (RFC 6347: the peer's flight answered ours). */
void flight_sent(struct flight_timer *t, uint64_t now);
/* The flight needs no answer (last flight received completely): stop the timer. */
void flight_stop(struct flight_timer *t);

enum flight_action { FLIGHT_NOTHING, FLIGHT_RETRANSMIT, FLIGHT_GIVE_UP };
/* What to do at now; on FLIGHT_RETRANSMIT the timer has doubled and re-armed. */
enum flight_action flight_tick(struct flight_timer *t, uint64_t now);
/* Next time tick() wants to run: min(deadline, give-up time); UINT64_MAX when stopped. */
uint64_t flight_next(const struct flight_timer *t);

#endif
