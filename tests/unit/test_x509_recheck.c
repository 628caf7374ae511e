/*
 * test_x509_recheck.c — eiot_x509_recheck(), the check a cached_info hit (RFC 7924) applies to a
 * chain the client verified before: everything that can change is checked again, signatures
 * are not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/x509.h"
#include "eap_iot/err.h"

static const char *pki(const char *file)
{
	static char buf[512];
	const char *dir = getenv("EIOT_PKI_DIR");
	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "build/pki", file);
	return buf;
}

struct fixture {
	struct eiot_x509_chain chain, trust;
	struct eiot_x509_verify_opts opts;
	char why[320];
};

static void load(struct fixture *f, const char *chain, const char *anchor)
{
	eiot_x509_chain_init(&f->chain);
	eiot_x509_chain_init(&f->trust);
	assert_int_equal(eiot_x509_chain_add_file(&f->chain, pki(chain)), 0);
	assert_int_equal(eiot_x509_chain_add_file(&f->trust, pki(anchor)), 0);
	f->opts = (struct eiot_x509_verify_opts){ .now = 1893456000 /* 2030-01-01 */, .max_chain = 3,
						  .check_usage = true, .purpose = EIOT_X509_SERVER };
}

static void unload(struct fixture *f)
{
	eiot_x509_chain_free(&f->chain);
	eiot_x509_chain_free(&f->trust);
}

static int recheck(const char *chain, const char *anchor, unsigned max_chain)
{
	struct fixture f;
	load(&f, chain, anchor);
	f.opts.max_chain = max_chain;
	int err = eiot_x509_recheck(&f.chain, &f.trust, &f.opts, f.why, sizeof(f.why));
	unload(&f);
	return err;
}

static void cached_chain_still_anchored_passes(void **state)
{
	(void)state;
	assert_int_equal(recheck("server.pem", "ca.pem", 3), 0);
	assert_int_equal(recheck("server-chain3.pem", "ca.pem", 3), 0);
}

static void removed_anchor_is_untrusted(void **state)
{
	(void)state;
	assert_int_equal(recheck("server.pem", "other-ca.pem", 3), EIOT_ERR_CERT_UNTRUSTED);
}

static void expired_since_cached(void **state)
{
	(void)state;
	assert_int_equal(recheck("server-expired.pem", "ca.pem", 3), EIOT_ERR_CERT_EXPIRED);
	assert_int_equal(recheck("server-notyet.pem", "ca.pem", 3), EIOT_ERR_CERT_NOT_YET_VALID);
}

static void profile_and_usage_and_length_still_apply(void **state)
{
	(void)state;
	assert_int_equal(recheck("server-p384.pem", "ca.pem", 3), EIOT_ERR_CERT_BAD_KEY);
	assert_int_equal(recheck("server-clientauth.pem", "ca.pem", 3), EIOT_ERR_CERT_USAGE);
	assert_int_equal(recheck("server-chain4.pem", "ca.pem", 3), EIOT_ERR_CERT_CHAIN_TOO_LONG);
	assert_int_equal(recheck("server-chain4.pem", "ca.pem", 4), 0);
}

/* The saving cached_info is for: a signature is not verified again (the full check fails). */
static void signatures_are_not_verified_again(void **state)
{
	(void)state;
	struct fixture f;
	const uint8_t *der;
	size_t len;
	load(&f, "server.pem", "ca.pem");
	assert_int_equal(eiot_x509_chain_der(&f.chain, 0, &der, &len), 0);
	uint8_t *bad = malloc(len);
	assert_non_null(bad);
	memcpy(bad, der, len);
	bad[len - 1] ^= 0x01; /* inside the signature's s INTEGER */
	struct eiot_x509_chain forged;
	eiot_x509_chain_init(&forged);
	assert_int_equal(eiot_x509_chain_add_der(&forged, bad, len), 0);
	assert_int_equal(eiot_x509_verify(&forged, &f.trust, &f.opts, f.why, sizeof(f.why)),
			 EIOT_ERR_CERT_UNTRUSTED);
	assert_int_equal(eiot_x509_recheck(&forged, &f.trust, &f.opts, f.why, sizeof(f.why)), 0);
	eiot_x509_chain_free(&forged);
	free(bad);
	unload(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cached_chain_still_anchored_passes),
		cmocka_unit_test(removed_anchor_is_untrusted),
		cmocka_unit_test(expired_since_cached),
		cmocka_unit_test(profile_and_usage_and_length_still_apply),
		cmocka_unit_test(signatures_are_not_verified_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
