/*
 * tests/unit/test_keylog.c — the opt-in NSS key log (eiot_config_set_keylog_file): both ends of
 * one handshake write the same "CLIENT_RANDOM <64 hex> <96 hex>" line into a 0600 file, and
 * setting it logs a warning; each handshake appends one line; a path that cannot be opened is
 * a warning and the handshake goes on; a key log set and then cleared writes nothing.
 * (That the line holds the master secret a real peer derived is the interop test
 * test_*_openssl_*_keylog.sh: it compares with OpenSSL's own key log.)
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pump.h"
#include "tmpdir.h"

#define LINE_LEN (14 + 64 + 1 + 96 + 1)

static const uint8_t psk_id[] = "keylog-dev";
static const uint8_t psk_key[32] = { 0x6b, 0x65, 0x79 };

struct fixture {
	char dir[64];
	char path[2][128]; /* client's and server's key log */
	char warn[256];    /* last warning logged */
	unsigned warnings;
};

static void warn_sink(void *user, enum eiot_log_level level, const char *line)
{
	struct fixture *f = user;
	if (level != EIOT_LOG_WARN)
		return;
	f->warnings++;
	snprintf(f->warn, sizeof(f->warn), "%s", line);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/eiot_kl_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path[0], sizeof(f->path[0]), "%s/client.keys", f->dir);
	snprintf(f->path[1], sizeof(f->path[1]), "%s/server.keys", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static struct eiot_config *psk_cfg(struct fixture *f, enum eiot_role role)
{
	struct eiot_config *cfg = pump_cfg_psk(role, EIOT_TLS, psk_id, sizeof(psk_id) - 1, psk_key,
					       sizeof(psk_key), NULL);
	assert_non_null(cfg);
	eiot_config_set_log(cfg, warn_sink, f, EIOT_LOG_WARN);
	return cfg;
}

static void handshake(struct eiot_config *cc, struct eiot_config *sc, uint64_t seed)
{
	struct pump *p = pump_new(cc, sc, seed);
	assert_non_null(p);
	assert_int_equal(pump_run(p), 0);
	assert_true(pump_established(p));
	pump_free(p);
}

/* The lines of path into lines[] (each LINE_LEN bytes with its newline); their count. */
static size_t read_lines(const char *path, char lines[][LINE_LEN + 1], size_t max)
{
	FILE *in = fopen(path, "r");
	size_t n = 0;
	if (!in)
		return 0;
	while (n < max && fgets(lines[n], LINE_LEN + 1, in))
		n++;
	fclose(in);
	return n;
}

static void assert_line_format(const char *line)
{
	regex_t re;
	assert_int_equal(regcomp(&re, "^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n$",
				 REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, line, 0, NULL, 0), 0);
	regfree(&re);
}

static void test_both_ends_write_the_same_private_line(void **state)
{
	struct fixture *f = *state;
	struct eiot_config *cc = psk_cfg(f, EIOT_CLIENT), *sc = psk_cfg(f, EIOT_SERVER);
	char lines[2][2][LINE_LEN + 1];
	struct stat st;

	for (int side = 0; side < 2; side++) {
		struct eiot_config *cfg = side ? sc : cc;
		f->warnings = 0;
		assert_int_equal(eiot_config_set_keylog_file(cfg, f->path[side]), EIOT_OK);
		assert_int_equal(f->warnings, 1);
		assert_non_null(strstr(f->warn, "anyone with this file can decrypt the traffic"));
	}
	handshake(cc, sc, 1);
	for (int side = 0; side < 2; side++) {
		assert_int_equal(read_lines(f->path[side], lines[side], 2), 1);
		assert_line_format(lines[side][0]);
		assert_int_equal(stat(f->path[side], &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	assert_string_equal(lines[0][0], lines[1][0]);
	eiot_config_free(cc);
	eiot_config_free(sc);
}

static void test_one_line_appended_per_handshake(void **state)
{
	struct fixture *f = *state;
	struct eiot_config *cc = psk_cfg(f, EIOT_CLIENT), *sc = psk_cfg(f, EIOT_SERVER);
	char lines[3][LINE_LEN + 1];

	assert_int_equal(eiot_config_set_keylog_file(cc, f->path[0]), EIOT_OK);
	handshake(cc, sc, 2);
	handshake(cc, sc, 3);
	assert_int_equal(read_lines(f->path[0], lines, 3), 2);
	assert_line_format(lines[0]);
	assert_line_format(lines[1]);
	assert_memory_not_equal(lines[0], lines[1], 14 + 64); /* another client random */
	eiot_config_free(cc);
	eiot_config_free(sc);
}

static void test_unopenable_path_warns_and_handshake_goes_on(void **state)
{
	struct fixture *f = *state;
	struct eiot_config *cc = psk_cfg(f, EIOT_CLIENT), *sc = psk_cfg(f, EIOT_SERVER);
	char path[160];

	snprintf(path, sizeof(path), "%s/missing-dir/client.keys", f->dir);
	assert_int_equal(eiot_config_set_keylog_file(cc, path), EIOT_OK);
	f->warnings = 0;
	handshake(cc, sc, 4);
	assert_int_equal(f->warnings, 1);
	assert_non_null(strstr(f->warn, "keylog: cannot open"));
	assert_int_equal(access(path, F_OK), -1);
	eiot_config_free(cc);
	eiot_config_free(sc);
}

static void test_cleared_key_log_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct eiot_config *cc = psk_cfg(f, EIOT_CLIENT), *sc = psk_cfg(f, EIOT_SERVER);

	assert_int_equal(eiot_config_set_keylog_file(cc, f->path[0]), EIOT_OK);
	assert_int_equal(eiot_config_set_keylog_file(cc, NULL), EIOT_OK);
	handshake(cc, sc, 5);
	assert_int_equal(access(f->path[0], F_OK), -1);
	eiot_config_free(cc);
	eiot_config_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_both_ends_write_the_same_private_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_one_line_appended_per_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unopenable_path_warns_and_handshake_goes_on,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cleared_key_log_writes_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
