/*
 * test_x509_recheck.c — eiot_x509_recheck(), the check a cached_info hit (RFC 7924) applies to a
 * chain the client verified before: everything that can change is checked again, including
 * that the very anchor the chain was verified up to is still configured (a CA re-keyed under
 * the same name is not it); signatures are not.
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
	uint8_t anchor[32]; /* SHA-256 of the first configured anchor's DER */
	struct eiot_x509_verify_opts opts;
	char why[320];
};

static void load(struct fixture *f, const char *chain, const char *anchor)
{
	const uint8_t *der;
	size_t len;
	eiot_x509_chain_init(&f->chain);
	eiot_x509_chain_init(&f->trust);
	assert_int_equal(eiot_x509_chain_add_file(&f->chain, pki(chain)), 0);
	assert_int_equal(eiot_x509_chain_add_file(&f->trust, pki(anchor)), 0);
	assert_int_equal(eiot_x509_chain_der(&f->trust, 0, &der, &len), 0);
	eiot_sha256(der, len, f->anchor);
	f->opts = (struct eiot_x509_verify_opts){ .now = 1893456000 /* 2030-01-01 */, .max_chain = 3,
						  .check_usage = true, .purpose = EIOT_X509_SERVER };
}

static void unload(struct fixture *f)
{
	eiot_x509_chain_free(&f->chain);
	eiot_x509_chain_free(&f->trust);
}

/* Recheck chain, verified up to the anchor in file verified_by, against the anchors in file
 * configured (NULL: the same). */
static int recheck_with(const char *chain, const char *verified_by, const char *configured,
			unsigned max_chain)
{
	struct fixture f;
	load(&f, chain, verified_by);
	if (configured) {
		eiot_x509_chain_free(&f.trust);
		eiot_x509_chain_init(&f.trust);
		assert_int_equal(eiot_x509_chain_add_file(&f.trust, pki(configured)), 0);
	}
	f.opts.max_chain = max_chain;
	int err = eiot_x509_recheck(&f.chain, &f.trust, f.anchor, &f.opts, f.why, sizeof(f.why));
	unload(&f);
	return err;
}

static int recheck(const char *chain, const char *anchor, unsigned max_chain)
{
	return recheck_with(chain, anchor, NULL, max_chain);
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
	assert_int_equal(recheck_with("server.pem", "ca.pem", "other-ca.pem", 3),
			 EIOT_ERR_CERT_UNTRUSTED);
}

/* The CA was re-keyed under the same name (to disown what the old key signed): the cached
 * chain names the new anchor as its issuer but was verified up to the old one. */
static void rekeyed_anchor_with_same_name_is_untrusted(void **state)
{
	(void)state;
	assert_int_equal(recheck_with("server.pem", "ca.pem", "ca-rekeyed.pem", 3),
			 EIOT_ERR_CERT_UNTRUSTED);
	/* during a rollover both are configured: the old one still vouches for the chain */
	assert_int_equal(recheck_with("server.pem", "ca.pem", "ca-both.pem", 3), 0);
}

/* A full verification names the anchor it ended at: the hash of its DER. */
static void verify_reports_the_anchor(void **state)
{
	(void)state;
	struct fixture f;
	uint8_t got[32];
	load(&f, "server-chain3.pem", "ca.pem");
	memset(got, 0, sizeof(got));
	assert_int_equal(eiot_x509_verify(&f.chain, &f.trust, &f.opts, got, f.why, sizeof(f.why)),
			 0);
	assert_memory_equal(got, f.anchor, 32);
	unload(&f);
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
	assert_int_equal(eiot_x509_verify(&forged, &f.trust, &f.opts, NULL, f.why, sizeof(f.why)),
			 EIOT_ERR_CERT_UNTRUSTED);
	assert_int_equal(eiot_x509_recheck(&forged, &f.trust, f.anchor, &f.opts, f.why,
					   sizeof(f.why)), 0);
	eiot_x509_chain_free(&forged);
	free(bad);
	unload(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cached_chain_still_anchored_passes),
		cmocka_unit_test(removed_anchor_is_untrusted),
		cmocka_unit_test(rekeyed_anchor_with_same_name_is_untrusted),
		cmocka_unit_test(verify_reports_the_anchor),
		cmocka_unit_test(expired_since_cached),
		cmocka_unit_test(profile_and_usage_and_length_still_apply),
		cmocka_unit_test(signatures_are_not_verified_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
