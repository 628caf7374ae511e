/*
 * tests/unit/test_keys.c — the TLS 1.2 key schedule (tls/keys.h).
 *
 * Vector sources:
 *   PRF: the "TLS 1.2 PRF test vector for SHA-256" posted to the IETF TLS list (secret
 *     9bbe436b..., seed a0ba9f93..., label "test label", 100 bytes); the full output was
 *     recomputed independently with a python3 hmac/hashlib one-off and agrees.
 *   Master secret, EMS, key block, Finished, exporter: computed with that same independent
 *     python3 P_SHA256 from the inputs below (pms = 01..30, client_random = c0..cf twice,
 *     server_random = 50..6f, session/transcript hash = SHA-256("handshake")).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "eap_iot/err.h"
#include "tls/keys.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;
	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

#define UNHEX(s, buf) unhex((s), (buf), sizeof(buf))

static const char prf_want[] =
	"e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14"
	"baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e"
	"5a5110fff70187347b66";

static void test_prf_ietf_vector(void **state)
{
	(void)state;
	uint8_t secret[16], seed[16], want[100], got[100];
	UNHEX("9bbe436ba940f017b17652849a71db35", secret);
	UNHEX("a0ba9f936cda311827a6f796ffd5198c", seed);
	UNHEX(prf_want, want);

	tls_prf(secret, sizeof(secret), "test label", seed, sizeof(seed), NULL, 0, got, sizeof(got));
	assert_memory_equal(got, want, 100);
	/* the seed split in two parts gives the same output */
	memset(got, 0, sizeof(got));
	tls_prf(secret, sizeof(secret), "test label", seed, 5, seed + 5, 11, got, sizeof(got));
	assert_memory_equal(got, want, 100);
	/* a shorter output is a prefix, also across a block boundary */
	memset(got, 0, sizeof(got));
	tls_prf(secret, sizeof(secret), "test label", seed, sizeof(seed), NULL, 0, got, 33);
	assert_memory_equal(got, want, 33);
	assert_int_equal(got[33], 0);
}

/* Common inputs for the schedule tests. */
struct sched {
	uint8_t pms[48], cr[32], sr[32], hash[32], ms[48];
};

static void sched_fill(struct sched *s)
{
	for (size_t i = 0; i < 48; i++)
		s->pms[i] = (uint8_t)(i + 1);
	for (size_t i = 0; i < 32; i++) {
		s->cr[i] = (uint8_t)(0xc0 + i % 16);
		s->sr[i] = (uint8_t)(0x50 + i);
	}
	/* SHA-256("handshake") */
	unhex("dfff30d188055f20aaa1610f29102805528465bbad91709ded764e8899f5ad2b", s->hash, 32);
	tls_master_secret(s->pms, sizeof(s->pms), s->cr, s->sr, s->ms);
}

static void test_master_secret(void **state)
{
	(void)state;
	struct sched s;
	uint8_t want[48];
	sched_fill(&s);
	UNHEX("28b1b6cf8f3867743ee2c16acc084e5d0c49de4143525b66b7e35d8be74cfbd78bd2292e7e898320e9d6db66992f5bef",
	      want);
	assert_memory_equal(s.ms, want, 48);
}

static void test_extended_master_secret(void **state)
{
	(void)state;
	struct sched s;
	uint8_t want[48], ems[48];
	sched_fill(&s);
	UNHEX("2d015c80badba6bdbec9da2078101c959f349cf826c54791b1551b86a2d95559eaa364724c1277b8d39d4b9f264e6212",
	      want);
	tls_extended_master_secret(s.pms, sizeof(s.pms), s.hash, ems);
	assert_memory_equal(ems, want, 48);
	/* RFC 7627: a different session hash gives a different master secret */
	s.hash[31] ^= 1;
	tls_extended_master_secret(s.pms, sizeof(s.pms), s.hash, ems);
	assert_memory_not_equal(ems, want, 48);
}

/* RFC 5246 §6.3: server_random first in the seed; keys then IVs, client before server. */
static void test_key_block_split(void **state)
{
	(void)state;
	struct sched s;
	struct tls_key_block kb;
	uint8_t want[40];
	sched_fill(&s);
	UNHEX("33317fa069fe0da8f3b1a73ba803da8ae4352df9fd69703941af525dec8fed1c826b7b8d11441f76", want);
	tls_key_block(s.ms, s.cr, s.sr, &kb);
	assert_memory_equal(kb.client_key, want, 16);
	assert_memory_equal(kb.server_key, want + 16, 16);
	assert_memory_equal(kb.client_iv, want + 32, 4);
	assert_memory_equal(kb.server_iv, want + 36, 4);
}

static void test_finished(void **state)
{
	(void)state;
	struct sched s;
	uint8_t want[12], vd[12];
	sched_fill(&s);
	UNHEX("126a5e1a9db26daa9c9b1af7", want);
	tls_finished(s.ms, 1, s.hash, vd);
	assert_memory_equal(vd, want, 12);
	UNHEX("18be551395199c90654281a3", want);
	tls_finished(s.ms, 0, s.hash, vd);
	assert_memory_equal(vd, want, 12);
}

struct export_vec {
	const char *label;
	const char *context; /* NULL = no context */
	size_t n;
	const char *want;
};

static const struct export_vec export_vecs[] = {
	{ "EXPORTER-test", NULL, 32, "d41b5100f3f2f90ff8e767a06dd8c5fbccd5b80b9ae2699b683e4bab94b6b520" },
	{ "EXPORTER-test", "ctx!", 32, "e7186ce625ece899158ed91d30e44a6bac8daf5f6b260564f1d964d27ad77c76" },
	/* RFC 5705 §4: an empty context is not the same as no context */
	{ "EXPORTER-test", "", 32, "3a8f91b3b44e8fab910eef968e1c8f96150450a65993fafb74ce3691acaf574c" },
	/* RFC 5216 §2.3: the EAP-TLS key material (MSK || EMSK), 128 bytes */
	{ "client EAP encryption", NULL, 128,
	  "d8603857c8c89fd6098c2640956c93782d1856f4ab06881b0ce71007f19158579626779555729106110c152c"
	  "7aeed9a72937753ac6e4f5c89e2ac22eb4cf8966512cf9d125fc17a8d737023d2c26f8ef9aed60000b9546ef"
	  "366bb9c31b131adb879e65058b413c3ec0b4ebca38ae942a8d3a4603a9fcf6ce684f1238d8ac64a8" },
};

static void test_exporter(void **state)
{
	(void)state;
	struct sched s;
	sched_fill(&s);
	for (size_t i = 0; i < sizeof(export_vecs) / sizeof(export_vecs[0]); i++) {
		const struct export_vec *v = &export_vecs[i];
		uint8_t want[128], got[128];
		size_t n = UNHEX(v->want, want);
		assert_int_equal(n, v->n);
		const uint8_t *ctx = (const uint8_t *)v->context;
		size_t ctx_len = v->context ? strlen(v->context) : 0;
		assert_int_equal(tls_export(s.ms, s.cr, s.sr, v->label, ctx, ctx_len, got, n), 0);
		assert_memory_equal(got, want, n);
	}
}

/* RFC 5705 §4: an exporter must not reproduce keys TLS itself derives (e.g. the key block). */
static void test_exporter_reserved_labels_refused(void **state)
{
	(void)state;
	static const char *const reserved[] = {
		"client finished", "server finished", "master secret", "key expansion",
		"extended master secret",
	};
	struct sched s;
	uint8_t out[40];
	sched_fill(&s);
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		assert_int_equal(tls_export(s.ms, s.cr, s.sr, reserved[i], NULL, 0, out, sizeof(out)),
				 EIOT_ERR_BAD_PARAM);
	assert_int_equal(tls_export(s.ms, s.cr, s.sr, "", NULL, 0, out, sizeof(out)), EIOT_ERR_BAD_PARAM);
	assert_int_equal(tls_export(s.ms, s.cr, s.sr, NULL, NULL, 0, out, sizeof(out)), EIOT_ERR_BAD_PARAM);
	/* a length with no context pointer is a caller bug */
	assert_int_equal(tls_export(s.ms, s.cr, s.sr, "EXPORTER-x", NULL, 3, out, sizeof(out)),
			 EIOT_ERR_BAD_PARAM);
}

/* RFC 4279 §2: uint16 N || N zeros || uint16 N || psk. */
static void test_psk_premaster_layout(void **state)
{
	(void)state;
	const uint8_t psk[4] = { 0xaa, 0xbb, 0xcc, 0xdd };
	const uint8_t want[12] = { 0x00, 0x04, 0, 0, 0, 0, 0x00, 0x04, 0xaa, 0xbb, 0xcc, 0xdd };
	uint8_t pms[4 + 2 * 64];
	memset(pms, 0x5a, sizeof(pms));
	assert_int_equal(tls_psk_premaster(psk, sizeof(psk), pms), 12);
	assert_memory_equal(pms, want, 12);
	assert_int_equal(pms[12], 0x5a); /* nothing written past the end */

	uint8_t big[64];
	memset(big, 0x11, sizeof(big));
	assert_int_equal(tls_psk_premaster(big, sizeof(big), pms), 132);
	assert_int_equal(pms[0], 0);
	assert_int_equal(pms[1], 64);
	assert_int_equal(pms[65], 0);
	assert_int_equal(pms[66], 0);
	assert_int_equal(pms[67], 64);
	assert_memory_equal(pms + 68, big, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prf_ietf_vector),
		cmocka_unit_test(test_master_secret),
		cmocka_unit_test(test_extended_master_secret),
		cmocka_unit_test(test_key_block_split),
		cmocka_unit_test(test_finished),
		cmocka_unit_test(test_exporter),
		cmocka_unit_test(test_exporter_reserved_labels_refused),
		cmocka_unit_test(test_psk_premaster_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
