/* tests/unit/test_flight.c — DTLS retransmission timer (tls/flight.c) on a simulated clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tls/flight.h"

#define T0 1000000u /* an arbitrary start on the caller's clock */

/* Run the clock 1 ms at a time until the timer asks for something; return when. */
static uint64_t run_until_action(struct flight_timer *t, uint64_t from, uint64_t limit,
				 enum flight_action *a)
{
	for (uint64_t now = from; now <= limit; now++) {
		*a = flight_tick(t, now);
		if (*a != FLIGHT_NOTHING)
			return now;
	}
	*a = FLIGHT_NOTHING;
	return limit;
}

static void test_default_schedule(void **state)
{
	(void)state;
	struct flight_timer t;
	flight_init(&t, 0, 0, 0, T0);
	assert_int_equal(t.initial_ms, 9000);
	assert_int_equal(t.max_ms, 60000);
	assert_int_equal(t.give_up_ms, 120000);
	flight_sent(&t, T0);
	assert_int_equal(flight_next(&t), T0 + 9000);

	/* RFC 7925 §11: 9 s, then doubling: resend at 9 s, 27 s, 63 s; give up at 120 s */
	static const uint64_t resend_at[] = { 9000, 27000, 63000 };
	uint64_t now = T0;
	enum flight_action a;
	for (size_t i = 0; i < 3; i++) {
		now = run_until_action(&t, now, T0 + 200000, &a);
		assert_int_equal(a, FLIGHT_RETRANSMIT);
		assert_int_equal(now - T0, resend_at[i]);
		assert_int_equal(t.retransmissions, i + 1);
		now++;
	}
	assert_int_equal(t.current_ms, 60000); /* 72 s capped at 60 s */
	assert_int_equal(flight_next(&t), T0 + 120000);
	now = run_until_action(&t, now, T0 + 200000, &a);
	assert_int_equal(a, FLIGHT_GIVE_UP);
	assert_int_equal(now - T0, 120000);
	assert_int_equal(flight_tick(&t, now + 1), FLIGHT_GIVE_UP);
}

static void test_cap_holds_after_many_doublings(void **state)
{
	(void)state;
	struct flight_timer t;
	flight_init(&t, 1000, 60000, 0xFFFFFFFFu, 0);
	flight_sent(&t, 0);
	static const uint32_t want[] = { 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000 };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(flight_tick(&t, t.deadline), FLIGHT_RETRANSMIT);
		assert_int_equal(t.current_ms, want[i]);
	}
}

static void test_max_above_2g_does_not_overflow(void **state)
{
	(void)state;
	struct flight_timer t;
	flight_init(&t, 0xC0000000u, 0xF0000000u, 0xFFFFFFFFu, 0);
	flight_sent(&t, 0);
	assert_int_equal(flight_tick(&t, t.deadline), FLIGHT_RETRANSMIT);
	assert_int_equal(t.current_ms, 0xF0000000u);
}

static void test_new_flight_resets_timer(void **state)
{
	(void)state;
	struct flight_timer t;
	flight_init(&t, 0, 0, 0, T0);
	flight_sent(&t, T0);
	assert_int_equal(flight_tick(&t, T0 + 9000), FLIGHT_RETRANSMIT);
	assert_int_equal(t.current_ms, 18000);
	/* the peer answered; our next flight starts at the initial value again */
	flight_sent(&t, T0 + 10000);
	assert_int_equal(t.current_ms, 9000);
	assert_int_equal(t.retransmissions, 0);
	assert_int_equal(flight_next(&t), T0 + 19000);
	assert_int_equal(flight_tick(&t, T0 + 18999), FLIGHT_NOTHING);
	assert_int_equal(flight_tick(&t, T0 + 19000), FLIGHT_RETRANSMIT);
}

static void test_give_up_counts_from_init_not_last_flight(void **state)
{
	(void)state;
	struct flight_timer t;
	flight_init(&t, 0, 0, 0, T0);
	flight_sent(&t, T0 + 115000);
	assert_int_equal(flight_next(&t), T0 + 120000);
	assert_int_equal(flight_tick(&t, T0 + 119999), FLIGHT_NOTHING);
	assert_int_equal(flight_tick(&t, T0 + 120000), FLIGHT_GIVE_UP);
}

static void test_stopped_timer_never_fires(void **state)
{
	(void)state;
	struct flight_timer t;
	flight_init(&t, 0, 0, 0, T0);
	assert_int_equal(flight_next(&t), UINT64_MAX); /* nothing sent yet */
	assert_int_equal(flight_tick(&t, T0 + 500000), FLIGHT_NOTHING);
	flight_sent(&t, T0);
	flight_stop(&t);
	assert_int_equal(flight_next(&t), UINT64_MAX);
	assert_int_equal(flight_tick(&t, UINT64_MAX - 1), FLIGHT_NOTHING);
}

static void test_late_tick_rearms_from_now(void **state)
{
	(void)state;
	struct flight_timer t;
	flight_init(&t, 0, 0, 0, T0);
	flight_sent(&t, T0);
	/* caller woke up late, at 20 s: one retransmission, next one 18 s from now */
	assert_int_equal(flight_tick(&t, T0 + 20000), FLIGHT_RETRANSMIT);
	assert_int_equal(flight_next(&t), T0 + 38000);
	assert_int_equal(flight_tick(&t, T0 + 20001), FLIGHT_NOTHING);
}

static void test_max_below_initial_raised(void **state)
{
	(void)state;
	struct flight_timer t;
	flight_init(&t, 9000, 5000, 0, 0);
	assert_int_equal(t.max_ms, 9000);
	flight_sent(&t, 0);
	assert_int_equal(flight_tick(&t, 9000), FLIGHT_RETRANSMIT);
	assert_int_equal(t.current_ms, 9000);
}

static void test_clock_near_end_saturates(void **state)
{
	(void)state;
	struct flight_timer t;
	flight_init(&t, 0, 0, 0, UINT64_MAX - 5000);
	flight_sent(&t, UINT64_MAX - 5000);
	/* the deadline saturates but must not read as "stopped" */
	assert_int_equal(flight_next(&t), UINT64_MAX - 1);
	assert_int_equal(flight_tick(&t, UINT64_MAX - 4000), FLIGHT_NOTHING);
	assert_int_equal(flight_tick(&t, UINT64_MAX - 1), FLIGHT_GIVE_UP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_schedule),
		cmocka_unit_test(test_cap_holds_after_many_doublings),
		cmocka_unit_test(test_max_above_2g_does_not_overflow),
		cmocka_unit_test(test_new_flight_resets_timer),
		cmocka_unit_test(test_give_up_counts_from_init_not_last_flight),
		cmocka_unit_test(test_stopped_timer_never_fires),
		cmocka_unit_test(test_late_tick_rearms_from_now),
		cmocka_unit_test(test_max_below_initial_raised),
		cmocka_unit_test(test_clock_near_end_saturates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
