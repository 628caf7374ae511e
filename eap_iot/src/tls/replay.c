/*
 * tls/replay.c — the DTLS anti-replay window (RFC 6347 §4.1.2.6).
 *
 * Invariant once any is true: top is the highest sequence number marked, and bit i of bits
 * says whether top - i was marked (bit 0 is top itself). Anything more than REPLAY_WINDOW - 1
 * below top is too old and treated as a replay. Only authenticated records are marked, so a
 * forged record can neither advance the window nor burn a sequence number.
 */
#include "tls/replay.h"

/* see tls/replay.h */
void replay_init(struct replay_window *w)
{
	w->top = 0;
	w->bits = 0;
	w->any = false;
}

/* see tls/replay.h */
bool replay_check(const struct replay_window *w, uint64_t seq)
{
	if (seq > REPLAY_SEQ_MAX)
		return false;
	if (!w->any || seq > w->top)
		return true;
	uint64_t behind = w->top - seq;
	if (behind >= REPLAY_WINDOW)
		return false; /* RFC 6347 §4.1.2.6: left of the window, discard */
	return !((w->bits >> behind) & 1u);
}

/* see tls/replay.h */
void replay_mark(struct replay_window *w, uint64_t seq)
{
	if (seq > REPLAY_SEQ_MAX)
		return;
	if (!w->any) {
		w->any = true;
		w->top = seq;
		w->bits = 1;
		return;
	}
	if (seq > w->top) {
		uint64_t shift = seq - w->top;
		w->bits = shift >= REPLAY_WINDOW ? 1 : (w->bits << shift) | 1;
		w->top = seq;
		return;
	}
	uint64_t behind = w->top - seq;
	if (behind < REPLAY_WINDOW)
		w->bits |= UINT64_C(1) << behind;
}
