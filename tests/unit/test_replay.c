/* tests/unit/test_replay.c — the DTLS anti-replay window (tls/replay.c, RFC 6347 §4.1.2.6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tls/replay.h"

static void test_fresh_window_accepts_seq_zero(void **state)
{
	(void)state;
	struct replay_window w;
	replay_init(&w);
	assert_true(replay_check(&w, 0));
	replay_mark(&w, 0);
	assert_false(replay_check(&w, 0));
	assert_true(replay_check(&w, 1));
}

static void test_replayed_record_rejected(void **state)
{
	(void)state;
	struct replay_window w;
	replay_init(&w);
	for (uint64_t s = 0; s < 10; s++) {
		assert_true(replay_check(&w, s));
		replay_mark(&w, s);
	}
	for (uint64_t s = 0; s < 10; s++)
		assert_false(replay_check(&w, s));
	assert_true(replay_check(&w, 10));
}

/* Edges of the window: 63 behind is still inside, 64 behind is old. */
static const struct {
	uint64_t top, seq;
	bool marked; /* seq itself was marked before */
	bool want;
} edge_vectors[] = {
	{ 100, 37, false, true },   /* 63 behind, unseen */
	{ 100, 37, true, false },   /* 63 behind, seen */
	{ 100, 36, false, false },  /* 64 behind: left of the window */
	{ 100, 0, false, false },
	{ 100, 101, false, true },  /* just above */
	{ 100, 100, true, false },  /* top itself */
	{ 63, 0, false, true },     /* seq 0, 63 behind */
	{ 64, 0, false, false },    /* seq 0, 64 behind */
};

static void test_window_edges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(edge_vectors) / sizeof(edge_vectors[0]); i++) {
		struct replay_window w;
		replay_init(&w);
		if (edge_vectors[i].marked)
			replay_mark(&w, edge_vectors[i].seq);
		replay_mark(&w, edge_vectors[i].top);
		assert_int_equal(replay_check(&w, edge_vectors[i].seq), edge_vectors[i].want);
	}
}

static void test_out_of_order_inside_window(void **state)
{
	(void)state;
	struct replay_window w;
	replay_init(&w);
	replay_mark(&w, 50);
	replay_mark(&w, 48);
	assert_true(replay_check(&w, 49));
	assert_false(replay_check(&w, 48));
	replay_mark(&w, 49);
	assert_false(replay_check(&w, 49));
	/* marking an old number does not move the top */
	assert_int_equal(w.top, 50);
}

static void test_huge_jump_forgets_window(void **state)
{
	(void)state;
	struct replay_window w;
	replay_init(&w);
	replay_mark(&w, 5);
	replay_mark(&w, 5 + 1000000);
	assert_false(replay_check(&w, 5));
	assert_false(replay_check(&w, 1000005));
	assert_true(replay_check(&w, 1000004));
	assert_true(replay_check(&w, 1000005 - 63));
	assert_int_equal(w.bits, 1);
}

static void test_shift_by_exactly_window(void **state)
{
	(void)state;
	struct replay_window w;
	replay_init(&w);
	replay_mark(&w, 10);
	replay_mark(&w, 10 + 63);
	assert_false(replay_check(&w, 10)); /* 63 behind, seen */
	replay_mark(&w, 10 + 64);
	assert_false(replay_check(&w, 10)); /* now 64 behind: old */
	assert_true(replay_check(&w, 11));
}

static void test_seq_48bit_max(void **state)
{
	(void)state;
	struct replay_window w;
	replay_init(&w);
	assert_true(replay_check(&w, REPLAY_SEQ_MAX));
	replay_mark(&w, REPLAY_SEQ_MAX - 1);
	assert_true(replay_check(&w, REPLAY_SEQ_MAX));
	replay_mark(&w, REPLAY_SEQ_MAX);
	assert_false(replay_check(&w, REPLAY_SEQ_MAX));
	assert_false(replay_check(&w, REPLAY_SEQ_MAX - 1));
	assert_true(replay_check(&w, REPLAY_SEQ_MAX - 2));
}

static void test_seq_above_48_bits_rejected(void **state)
{
	(void)state;
	struct replay_window w;
	replay_init(&w);
	assert_false(replay_check(&w, REPLAY_SEQ_MAX + 1));
	assert_false(replay_check(&w, UINT64_MAX));
	replay_mark(&w, UINT64_MAX); /* ignored */
	assert_false(w.any);
	replay_mark(&w, 7);
	replay_mark(&w, REPLAY_SEQ_MAX + 1);
	assert_int_equal(w.top, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_window_accepts_seq_zero),
		cmocka_unit_test(test_replayed_record_rejected),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_out_of_order_inside_window),
		cmocka_unit_test(test_huge_jump_forgets_window),
		cmocka_unit_test(test_shift_by_exactly_window),
		cmocka_unit_test(test_seq_48bit_max),
		cmocka_unit_test(test_seq_above_48_bits_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
