/*
 * tls/replay.h — the DTLS anti-replay window (RFC 6347 §4.1.2.6): 64 records wide.
 * A record is checked before decryption and marked only after it authenticated.
 */
#ifndef EIOT_TLS_REPLAY_H
#define EIOT_TLS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

struct replay_window {
	uint64_t top;    /* highest sequence number marked */
	uint64_t bits;   /* bit i set: top - i was seen */
	bool any;        /* false until the first record is marked */
};

/* DTLS record sequence numbers are 48 bits (RFC 6347 §4.1); larger values are never new. */
#define REPLAY_SEQ_MAX ((UINT64_C(1) << 48) - 1)
#define REPLAY_WINDOW 64

void replay_init(struct replay_window *w);
/* true when seq is new and inside (or above) the window. */
bool replay_check(const struct replay_window *w, uint64_t seq);
/* Mark seq as received (call after it authenticated). */
void replay_mark(struct replay_window *w, uint64_t seq);

#endif
