/*
 * crypto/x509_fault.c — the backend-independent half of certificate checking (see
 * crypto/x509_fault.h): date arithmetic, the fixed order in which faults are reported, and
 * the sentences of the log lines, so that both backends say the same about the same chain.
 */
#include <stdio.h>

#include "crypto/x509_fault.h"
#include "eap_iot/err.h"
#include "util/log.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (the usual civil-from-days inverse). In
 * 32 bits: a certificate's year has four digits (RFC 5280 §4.1.2.5), and 32-bit division is one
 * instruction on a Cortex-M3/M4 where 64-bit division is a library call. */
static int32_t days_from_civil(int32_t y, int32_t m, int32_t d)
{
	y -= m <= 2;
	int32_t era = (y >= 0 ? y : y - 399) / 400;
	int32_t yoe = y - era * 400;
	int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* see crypto/x509_fault.h */
int64_t x509_fault_seconds(const struct x509_fault_time *t)
{
	return (int64_t)days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 + t->min * 60 +
	       t->sec;
}

/* see crypto/x509_fault.h */
unsigned x509_fault_dates(int64_t now, const struct x509_fault_time *not_before,
			  const struct x509_fault_time *not_after)
{
	if (now < 0)
		return 0;
	if (now > x509_fault_seconds(not_after))
		return X509_FAULT_EXPIRED;
	if (now < x509_fault_seconds(not_before))
		return X509_FAULT_NOT_YET_VALID;
	return 0;
}

static void fmt_time(const struct x509_fault_time *t, char *buf, size_t cap)
{
	EIOT_WHY(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", t->year, t->mon, t->day, t->hour,
		 t->min, t->sec);
}

/* The sentence and error of one fault of one certificate. */
static int explain(unsigned fault, const struct x509_fault_cert *c, char *why, size_t cap)
{
	char when[32];

	switch (fault) {
	case X509_FAULT_UNTRUSTED:
		EIOT_WHY(why, cap, "certificate '%s' does not verify up to a trust anchor "
			 "(issuer '%s' unknown, or a signature is wrong)",
			 c->subject, c->issuer);
		return EIOT_ERR_CERT_UNTRUSTED;
	case X509_FAULT_PROFILE:
		EIOT_WHY(why, cap,
			 "certificate '%s' (or its issuer) uses a key or signature outside the profile "
			 "(RFC 7925 §4.4.4: ECDSA P-256, SHA-256)", c->subject);
		return EIOT_ERR_CERT_BAD_KEY;
	case X509_FAULT_EXPIRED:
		fmt_time(&c->not_after, when, sizeof(when));
		EIOT_WHY(why, cap, "certificate '%s' expired at %s", c->subject, when);
		return EIOT_ERR_CERT_EXPIRED;
	case X509_FAULT_NOT_YET_VALID:
		fmt_time(&c->not_before, when, sizeof(when));
		EIOT_WHY(why, cap, "certificate '%s' is not valid before %s", c->subject, when);
		return EIOT_ERR_CERT_NOT_YET_VALID;
	case X509_FAULT_USAGE:
		EIOT_WHY(why, cap, "certificate '%s' has a keyUsage/extKeyUsage that forbids this use",
			 c->subject);
		return EIOT_ERR_CERT_USAGE;
	default:
		EIOT_WHY(why, cap, "certificate '%s' is invalid (%s)", c->subject, c->detail);
		return EIOT_ERR_CERT_BAD;
	}
}

/* see crypto/x509_fault.h */
int x509_fault_report(const unsigned *faults, int n, x509_fault_describe_fn *describe,
		      const void *path, char *why, size_t why_cap)
{
	/* Nothing else about an unanchored chain means much; then the profile, the dates, the
	 * usage, anything else. */
	static const unsigned order[] = { X509_FAULT_UNTRUSTED, X509_FAULT_PROFILE,
					  X509_FAULT_EXPIRED, X509_FAULT_NOT_YET_VALID,
					  X509_FAULT_USAGE, X509_FAULT_OTHER };
	struct x509_fault_cert c;

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (int d = 0; d < n; d++) {
			if (!(faults[d] & order[k]))
				continue;
			describe(path, d, &c);
			return explain(order[k], &c, why, why_cap);
		}
	}
	EIOT_WHY(why, why_cap, "chain is invalid");
	return EIOT_ERR_CERT_BAD;
}

static int no_certificate(char *why, size_t cap)
{
	EIOT_WHY(why, cap, "no certificate");
	return EIOT_ERR_CERT_BAD;
}

/* see crypto/x509_fault.h */
int x509_fault_presented(size_t n, size_t anchors, unsigned max_chain, char *why, size_t why_cap)
{
	if (why_cap > 0)
		why[0] = '\0';
	if (n == 0)
		return no_certificate(why, why_cap);
	if (anchors == 0) {
		EIOT_WHY(why, why_cap, "no trust anchor configured");
		return EIOT_ERR_CERT_UNTRUSTED;
	}
	/* A peer may include the anchor itself, so one more than max_chain may be presented. */
	if (n > (size_t)max_chain + 1) {
		EIOT_WHY(why, why_cap, "%zu certificates presented, at most %u accepted below the anchor",
			 n, max_chain);
		return EIOT_ERR_CERT_CHAIN_TOO_LONG;
	}
	return 0;
}

/* see crypto/x509_fault.h */
int x509_fault_cached(size_t n, int anchor_depth, unsigned max_chain, char *why, size_t why_cap)
{
	if (why_cap > 0)
		why[0] = '\0';
	if (n == 0)
		return no_certificate(why, why_cap);
	if (anchor_depth < 0) {
		EIOT_WHY(why, why_cap, "the trust anchor of the cached chain is no longer configured");
		return EIOT_ERR_CERT_UNTRUSTED;
	}
	return x509_fault_depth(anchor_depth, max_chain, why, why_cap);
}

/* see crypto/x509_fault.h */
int x509_fault_depth(int anchor_depth, unsigned max_chain, char *why, size_t why_cap)
{
	/* The anchor's depth = certificates below it on the path. */
	if ((int64_t)anchor_depth <= (int64_t)max_chain)
		return 0;
	EIOT_WHY(why, why_cap, "path has %d certificates below the anchor, at most %u accepted",
		 anchor_depth, max_chain);
	return EIOT_ERR_CERT_CHAIN_TOO_LONG;
}

/* see crypto/x509_fault.h */
int x509_fault_usage(bool key_usage, enum eiot_x509_purpose purpose, const char *subject,
		     char *why, size_t why_cap)
{
	if (key_usage)
		EIOT_WHY(why, why_cap, "certificate '%s' keyUsage lacks digitalSignature", subject);
	else
		EIOT_WHY(why, why_cap, "certificate '%s' extKeyUsage lacks %s", subject,
			 purpose == EIOT_X509_SERVER ? "serverAuth" : "clientAuth");
	return EIOT_ERR_CERT_USAGE;
}
