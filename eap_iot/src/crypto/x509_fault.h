/*
 * crypto/x509_fault.h — what both X.509 backends (crypto/<backend>/x509_*.c) share about a
 * failed check: validity-date arithmetic, the one error a faulty path yields (chosen in a
 * fixed order) and the sentence that names the fault for the log line. Nothing here names a
 * crypto library: a backend maps what its library found to enum x509_fault.
 */
#ifndef EIOT_CRYPTO_X509_FAULT_H
#define EIOT_CRYPTO_X509_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/x509.h"

/* A certificate time in UTC (UTCTime or GeneralizedTime, RFC 5280 §4.1.2.5), month 1..12. */
struct x509_fault_time {
	int year, mon, day, hour, min, sec;
};

/* Seconds since 1970-01-01T00:00:00Z (proleptic Gregorian calendar). */
int64_t x509_fault_seconds(const struct x509_fault_time *t);

/* What can be wrong with one certificate of a path. Reported in this order (see
 * x509_fault_report): a fault with the trust path hides the rest. */
enum x509_fault {
	X509_FAULT_UNTRUSTED = 1u << 0, /* no way up to an anchor: no issuer, or a wrong signature */
	X509_FAULT_PROFILE = 1u << 1,   /* key or signature outside RFC 7925 §4.4.4 */
	X509_FAULT_EXPIRED = 1u << 2,
	X509_FAULT_NOT_YET_VALID = 1u << 3,
	X509_FAULT_USAGE = 1u << 4,
	X509_FAULT_OTHER = 1u << 5,     /* anything else the library refused */
};

/* The date fault of a certificate valid from not_before through not_after, both inclusive
 * (RFC 5280 §4.1.2.5), at now: X509_FAULT_EXPIRED, X509_FAULT_NOT_YET_VALID or 0 (always 0
 * when now < 0, the clock-less mode). */
unsigned x509_fault_dates(int64_t now, const struct x509_fault_time *not_before,
			  const struct x509_fault_time *not_after);

/* What a sentence says about the certificate at fault. */
struct x509_fault_cert {
	char subject[160], issuer[160]; /* distinguished names as text */
	struct x509_fault_time not_before, not_after;
	char detail[96];                /* the library's words, for X509_FAULT_OTHER */
};

/* Describes into out the certificate at depth of path (the backend's record of a path). */
typedef void x509_fault_describe_fn(const void *path, int depth, struct x509_fault_cert *out);

/*
 * The one error of a failed path whose faults per depth (0 = leaf) are faults[0..n): the
 * first kind of fault in the order of enum x509_fault, at the lowest depth that has it, and
 * its sentence in why (describe is asked about that depth). With no fault at all: "chain is
 * invalid", EIOT_ERR_CERT_BAD.
 */
int x509_fault_report(const unsigned *faults, int n, x509_fault_describe_fn *describe,
		      const void *path, char *why, size_t why_cap);

/* Before a verification: why emptied, then 0 or the error of an empty chain, no anchor, or
 * more certificates than max_chain below an anchor (the anchor itself may come along). */
int x509_fault_presented(size_t n, size_t anchors, unsigned max_chain, char *why, size_t why_cap);

/* Before a recheck: why emptied, then 0 or the error of an empty chain, an anchor no longer
 * configured (anchor_depth < 0), or a path too long (see x509_fault_depth). */
int x509_fault_cached(size_t n, int anchor_depth, unsigned max_chain, char *why, size_t why_cap);

/* EIOT_ERR_CERT_CHAIN_TOO_LONG when the anchor sits deeper than max_chain, else 0. */
int x509_fault_depth(int anchor_depth, unsigned max_chain, char *why, size_t why_cap);

/* The leaf's usage fault (RFC 5280 §4.2.1.3, §4.2.1.12): its keyUsage lacks digitalSignature
 * (key_usage), or else its extKeyUsage lacks the purpose. EIOT_ERR_CERT_USAGE. */
int x509_fault_usage(bool key_usage, enum eiot_x509_purpose purpose, const char *subject,
		     char *why, size_t why_cap);

#endif
