/*
 * crypto/openssl/x509_openssl.c — crypto/x509.h over OpenSSL 3's libcrypto.
 *
 * Owns the certificate chain: each entry holds the X509, the DER it came from (what
 * eiot_x509_chain_der hands out and anchors are hashed over), its validity dates, and for
 * the leaf its decoded subjectAltName. Certificates that mbedTLS would refuse to parse
 * (extensions that do not decode, unknown critical ones, unreadable keys or dates) are
 * refused when added, so that both backends load the same files.
 *
 * Verification is shared with OpenSSL: it builds the path and checks signatures and the CAs'
 * basicConstraints, keyUsage and pathLen (X509_verify_cert, every configured certificate an
 * anchor as it stands: X509_V_FLAG_PARTIAL_CHAIN), reporting each fault to a callback that
 * records it per depth and lets it go on. Dates (against opts->now: OpenSSL's own, from the
 * system clock, are off), the RFC 7925 §4.4.4 profile and the leaf's usage are checked here.
 * OpenSSL's findings are mapped so that a chain fails with the error, and the sentence, that
 * the mbedTLS backend gives it (crypto/x509_fault.c chooses one). OpenSSL's error queue is
 * left empty, as in crypto_openssl.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "crypto/x509.h"
#include "crypto/x509_fault.h"
#include "eap_iot/err.h"

/* A credential file larger than this is not a certificate chain (as with mbedTLS). */
#define MAX_CERT_FILE (1024 * 1024)
#define READ_CHUNK 4096
/* Certificates on a verified path, leaf to anchor (mbedTLS's bound). */
#define MAX_PATH 10

/* One certificate of a chain (backend_openssl.h leaves the type to this file). */
struct eiot_x509_cert {
	X509 *x;
	uint8_t *der; /* as received */
	size_t der_len;
	struct x509_fault_time not_before, not_after;
	GENERAL_NAMES *san; /* the leaf's subjectAltName (NULL: none, or not the leaf) */
};

/* Empty OpenSSL's error queue and return err, or EIOT_ERR_NO_MEMORY when an allocation
 * failure is among the entries. */
static int drain(int err)
{
	unsigned long e;
	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
			err = EIOT_ERR_NO_MEMORY;
	return err;
}

/* see crypto/x509.h */
void eiot_x509_chain_init(struct eiot_x509_chain *c)
{
	c->certs = NULL;
	c->n = 0;
	c->cap = 0;
}

static void cert_free(struct eiot_x509_cert *e)
{
	X509_free(e->x);
	free(e->der);
	GENERAL_NAMES_free(e->san);
}

/* Drop every certificate after the first n (undo a partly added file). */
static void chain_truncate(struct eiot_x509_chain *c, size_t n)
{
	while (c->n > n)
		cert_free(&c->certs[--c->n]);
}

/* see crypto/x509.h */
size_t eiot_x509_chain_count(const struct eiot_x509_chain *c)
{
	return c->n;
}

/* see crypto/x509.h */
int eiot_x509_chain_der(const struct eiot_x509_chain *c, size_t i, const uint8_t **der, size_t *len)
{
	if (i >= c->n)
		return EIOT_ERR_BAD_PARAM;
	*der = c->certs[i].der;
	*len = c->certs[i].der_len;
	return 0;
}

/* see crypto/x509.h */
void eiot_x509_chain_free(struct eiot_x509_chain *c)
{
	chain_truncate(c, 0);
	free(c->certs);
	eiot_x509_chain_init(c);
}

/* Room for one more entry. */
static int chain_reserve(struct eiot_x509_chain *c)
{
	if (c->n < c->cap)
		return 0;
	size_t cap = c->cap ? 2 * c->cap : 4;
	if (cap > SIZE_MAX / sizeof(*c->certs))
		return EIOT_ERR_NO_MEMORY;
	struct eiot_x509_cert *certs = realloc(c->certs, cap * sizeof(*certs));
	if (!certs)
		return EIOT_ERR_NO_MEMORY;
	c->certs = certs;
	c->cap = cap;
	return 0;
}

/* An ASN1_TIME (RFC 5280 §4.1.2.5) as a UTC date; false when it does not decode. */
static bool read_time(const ASN1_TIME *t, struct x509_fault_time *out)
{
	struct tm tm;

	/* (ASN1_TIME_to_tm reads the system clock for NULL) */
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	*out = (struct x509_fault_time){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					 tm.tm_hour, tm.tm_min, tm.tm_sec };
	return true;
}

/* What RFC 5280 demands of the encoding that mbedTLS checks when parsing and OpenSSL does
 * not: a known version, extensions in v3 only (§4.1.2.1), and the same signature algorithm
 * inside and outside the signed part (§4.1.1.2). */
static bool well_formed(const X509 *x)
{
	const X509_ALGOR *outer;
	long v = X509_get_version(x);

	X509_get0_signature(NULL, &outer, x);
	return v >= X509_VERSION_1 && v <= X509_VERSION_3 &&
	       (v == X509_VERSION_3 || X509_get_ext_count(x) == 0) &&
	       X509_ALGOR_cmp(outer, X509_get0_tbs_sigalg(x)) == 0;
}

/* What the entry keeps besides the X509, read once; CERT_BAD for what mbedTLS refuses to
 * parse: a malformed certificate, extensions that do not decode or appear twice, a critical
 * one that is not understood (RFC 5280 §4.2), a key of a kind the library cannot read,
 * unreadable dates. */
static int cert_decode(struct eiot_x509_cert *e, bool leaf)
{
	/* (X509_check_purpose with no purpose: OpenSSL decodes the extensions it knows) */
	if (!well_formed(e->x) || X509_check_purpose(e->x, -1, 0) != 1 ||
	    (X509_get_extension_flags(e->x) & EXFLAG_CRITICAL) || !X509_get0_pubkey(e->x) ||
	    !read_time(X509_get0_notBefore(e->x), &e->not_before) ||
	    !read_time(X509_get0_notAfter(e->x), &e->not_after))
		return EIOT_ERR_CERT_BAD;
	if (!leaf)
		return 0;
	int crit = -1;
	e->san = X509_get_ext_d2i(e->x, NID_subject_alt_name, &crit, NULL);
	return e->san || crit == -1 ? 0 : EIOT_ERR_CERT_BAD; /* crit -1: there is none */
}

/* Append x, parsed from der[0..len), to c; x is taken over (freed on failure). */
static int chain_take(struct eiot_x509_chain *c, X509 *x, const uint8_t *der, size_t len)
{
	struct eiot_x509_cert e = { .x = x };

	int err = cert_decode(&e, c->n == 0);
	if (!err)
		err = chain_reserve(c);
	if (!err && !(e.der = malloc(len)))
		err = EIOT_ERR_NO_MEMORY;
	if (err) {
		cert_free(&e);
		return drain(err);
	}
	memcpy(e.der, der, len);
	e.der_len = len;
	c->certs[c->n++] = e;
	return 0;
}

/* see crypto/x509.h */
int eiot_x509_chain_add_der(struct eiot_x509_chain *c, const uint8_t *der, size_t len)
{
	if (!der || len == 0 || len > LONG_MAX)
		return EIOT_ERR_CERT_BAD;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x)
		return drain(EIOT_ERR_CERT_BAD);
	if (p != der + len) { /* the certificate must fill the bytes exactly */
		X509_free(x);
		return EIOT_ERR_CERT_BAD;
	}
	return chain_take(c, x, der, len);
}

/* The whole file (1..MAX_CERT_FILE bytes) into buf, NUL-terminated for the PEM test. */
static int read_file(const char *path, BUF_MEM *buf, size_t *len)
{
	BIO *in = BIO_new_file(path, "rb");
	int n = 0;

	*len = 0;
	if (!in)
		return drain(EIOT_ERR_FILE);
	while (*len <= MAX_CERT_FILE) {
		if (!BUF_MEM_grow(buf, *len + READ_CHUNK + 1)) {
			BIO_free(in);
			return drain(EIOT_ERR_NO_MEMORY);
		}
		n = BIO_read(in, buf->data + *len, READ_CHUNK);
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	BIO_free(in);
	if (n < 0 || *len == 0 || *len > MAX_CERT_FILE)
		return drain(EIOT_ERR_FILE);
	buf->data[*len] = '\0';
	return 0;
}

/* One "CERTIFICATE" block, decoded by OpenSSL: the base64 of one DER certificate, with no
 * headers (RFC 7468 §5.1; an encrypted or annotated block is refused, as by mbedTLS). */
static int add_pem_block(struct eiot_x509_chain *c, const char *block, size_t len)
{
	BIO *in = BIO_new_mem_buf(block, (int)len); /* len <= MAX_CERT_FILE */
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long der_len = 0;
	int err = EIOT_ERR_FILE;

	if (!in)
		return drain(EIOT_ERR_NO_MEMORY);
	if (PEM_read_bio_ex(in, &name, &header, &der, &der_len, PEM_FLAG_EAY_COMPATIBLE) == 1 &&
	    header[0] == '\0') {
		err = eiot_x509_chain_add_der(c, der, (size_t)der_len);
		if (err && err != EIOT_ERR_NO_MEMORY)
			err = EIOT_ERR_FILE;
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(in);
	return err ? drain(err) : 0;
}

/* Every CERTIFICATE block of a NUL-terminated PEM text, found as mbedTLS finds them: other
 * blocks (a private key, say) are not even decoded. None is an error. */
static int add_pem(struct eiot_x509_chain *c, const char *text)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	size_t added = 0;

	for (const char *p = strstr(text, begin); p; p = strstr(p, begin)) {
		const char *stop = strstr(p + sizeof(begin) - 1, end);
		if (!stop)
			break; /* a BEGIN line with no END after it ends the text, as for mbedTLS */
		stop += sizeof(end) - 1;
		int err = add_pem_block(c, p, (size_t)(stop - p));
		if (err)
			return err;
		added++;
		p = stop;
	}
	return added ? 0 : EIOT_ERR_FILE;
}

/* One or more DER certificates back to back, each as long as d2i_X509 reads. */
static int add_der_file(struct eiot_x509_chain *c, const uint8_t *buf, size_t len)
{
	const unsigned char *p = buf, *end = buf + len;
	while (p < end) {
		const unsigned char *start = p;
		X509 *x = d2i_X509(NULL, &p, end - p);
		if (!x)
			return drain(EIOT_ERR_FILE);
		int err = chain_take(c, x, start, (size_t)(p - start));
		if (err)
			return err == EIOT_ERR_NO_MEMORY ? err : EIOT_ERR_FILE;
	}
	return 0;
}

/* see crypto/x509.h */
int eiot_x509_chain_add_file(struct eiot_x509_chain *c, const char *path)
{
	size_t before = c->n, len = 0;

	if (!path)
		return EIOT_ERR_FILE;
	/* wiped when freed: a file holding a chain may hold its private key too */
	BUF_MEM *buf = BUF_MEM_new_ex(BUF_MEM_FLAG_SECURE);
	if (!buf)
		return drain(EIOT_ERR_NO_MEMORY);
	int err = read_file(path, buf, &len);
	if (!err && strstr(buf->data, "-----BEGIN ") != NULL)
		err = add_pem(c, buf->data);
	else if (!err)
		err = add_der_file(c, (const uint8_t *)buf->data, len);
	BUF_MEM_free(buf);
	if (err)
		chain_truncate(c, before); /* all or nothing */
	return err;
}

/* ---- verification ---- */

/* What verification found, per depth of the path (0 = leaf). */
struct vctx {
	unsigned faults[MAX_PATH];                   /* enum x509_fault bits */
	int error[MAX_PATH];                         /* OpenSSL's error behind an X509_FAULT_OTHER */
	const struct eiot_x509_cert *cert[MAX_PATH]; /* the path */
	int top;                                     /* depth of its last certificate */
	bool failed;                                 /* anything found, at any depth */
};

/* RFC 7925 §4.4.4 Table 1: ECDSA keys on secp256r1 (OpenSSL's prime256v1)... */
static bool key_is_p256(const EVP_PKEY *pk)
{
	char group[32];
	size_t len = 0;
	return pk && EVP_PKEY_is_a(pk, "EC") &&
	       EVP_PKEY_get_group_name(pk, group, sizeof(group), &len) == 1 &&
	       strcmp(group, SN_X9_62_prime256v1) == 0;
}

/* ...and ecdsa-with-SHA256 signatures, or stronger. */
static bool sig_alg_in_profile(const X509 *x)
{
	switch (X509_get_signature_nid(x)) {
	case NID_ecdsa_with_SHA256:
	case NID_ecdsa_with_SHA384:
	case NID_ecdsa_with_SHA512:
		return true;
	default:
		return false;
	}
}

static bool cert_key_in_profile(const struct eiot_x509_cert *e)
{
	return key_is_p256(X509_get0_pubkey(e->x));
}

static unsigned dates_of(const struct eiot_x509_cert *e, int64_t now)
{
	return x509_fault_dates(now, &e->not_before, &e->not_after);
}

/* OpenSSL's verification error as a fault, moved to the depth mbedTLS reports it at. */
static unsigned fault_of(int err, int *depth)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return X509_FAULT_UNTRUSTED;
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
		/* An issuer that may not issue (RFC 5280 §6.1.4 (k), (l), (n)) is no issuer: it is
		 * the certificate below it that does not verify up to an anchor. */
		if (*depth > 0)
			(*depth)--;
		return X509_FAULT_UNTRUSTED;
	case X509_V_ERR_EC_KEY_EXPLICIT_PARAMS:
		return X509_FAULT_PROFILE; /* RFC 5480 §2.1.1: named curves only */
	default:
		return X509_FAULT_OTHER;
	}
}

/* Record what OpenSSL found and let it go on: the one error is chosen when the path is done. */
static int verify_cb(int ok, X509_STORE_CTX *ctx)
{
	if (ok)
		return 1;
	struct vctx *v = X509_STORE_CTX_get_app_data(ctx);
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	unsigned fault = fault_of(err, &depth);

	v->failed = true;
	if (depth >= 0 && depth < MAX_PATH) {
		if (fault == X509_FAULT_OTHER && !(v->faults[depth] & X509_FAULT_OTHER))
			v->error[depth] = err;
		v->faults[depth] |= fault;
	}
	return 1;
}

static const struct eiot_x509_cert *find_cert(const struct eiot_x509_chain *c, const X509 *x)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->certs[i].x == x)
			return &c->certs[i];
	return NULL;
}

/* The path OpenSSL built, as our entries: it is made of the certificates it was lent. */
static void record_path(const STACK_OF(X509) *path, const struct eiot_x509_chain *chain,
			const struct eiot_x509_chain *trust, struct vctx *v)
{
	int num = sk_X509_num(path);

	v->top = num - 1;
	if (num < 1 || num > MAX_PATH)
		v->failed = true;
	for (int d = 0; d < num && d < MAX_PATH; d++) {
		const X509 *x = sk_X509_value(path, d);
		v->cert[d] = find_cert(chain, x);
		if (!v->cert[d])
			v->cert[d] = find_cert(trust, x);
		if (!v->cert[d])
			v->failed = true;
	}
}

/* A stack lending c's certificates from index first on (no reference taken or dropped). */
static STACK_OF(X509) *lend(const struct eiot_x509_chain *c, size_t first)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	for (size_t i = first; sk && i < c->n; i++) {
		if (!sk_X509_push(sk, c->certs[i].x)) {
			sk_X509_free(sk);
			sk = NULL;
		}
	}
	return sk;
}

/* OpenSSL's half: the path from chain[0] up to one of trust (untrusted helpers: the rest of
 * chain), its signatures and CA extensions; the path and what was found in v. */
static int build_path(const struct eiot_x509_chain *chain, const struct eiot_x509_chain *trust,
		      struct vctx *v, char *why, size_t cap)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = lend(chain, 1), *anchors = lend(trust, 0);
	int err = EIOT_ERR_NO_MEMORY;

	if (ctx && untrusted && anchors &&
	    X509_STORE_CTX_init(ctx, NULL, chain->certs[0].x, untrusted) == 1) {
		X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
		/* Any configured certificate ends a path, self-signed or not, as with mbedTLS.
		 * No purpose is set: the leaf's usage is checked here, the CAs' by OpenSSL. */
		X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
		/* paths of at most MAX_PATH certificates (OpenSSL counts intermediates) */
		X509_VERIFY_PARAM_set_depth(param, MAX_PATH - 2);
		X509_STORE_CTX_set0_trusted_stack(ctx, anchors);
		X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
		X509_STORE_CTX_set_app_data(ctx, v);
		/* The callback lets every fault go on: only an internal failure returns <= 0. */
		if (X509_verify_cert(ctx) > 0) {
			record_path(X509_STORE_CTX_get0_chain(ctx), chain, trust, v);
			err = 0;
		} else if (X509_STORE_CTX_get_error(ctx) != X509_V_ERR_OUT_OF_MEM) {
			snprintf(why, cap, "verification failed (OpenSSL: %s)",
				 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
			err = EIOT_ERR_CERT_BAD;
		}
	}
	if (err == EIOT_ERR_NO_MEMORY)
		snprintf(why, cap, "out of memory");
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	sk_X509_free(anchors);
	return err;
}

/* An issuer's certificate of version 3 must assert cA in basicConstraints (RFC 5280
 * §4.2.1.9). OpenSSL lets an anchor go with keyCertSign alone; mbedTLS does not. */
static bool may_issue(X509 *x)
{
	return X509_get_version(x) < X509_VERSION_3 || (X509_get_extension_flags(x) & EXFLAG_CA);
}

/* The profile of a certificate on a verified path, as mbedTLS judges it: its signature below
 * the anchor (the algorithm, and the key that made it: its issuer's, up), and the leaf's key.
 * So every key on the path is judged, the anchor's too. */
static bool path_cert_in_profile(const struct eiot_x509_cert *e, const struct eiot_x509_cert *up,
				 int depth)
{
	if (depth == 0 && !cert_key_in_profile(e))
		return false;
	return !up || (sig_alg_in_profile(e->x) && cert_key_in_profile(up));
}

/* Our half, on every certificate of the path: dates, profile and the issuers' cA. */
static void judge_path(struct vctx *v, int64_t now)
{
	for (int d = 0; d <= v->top && d < MAX_PATH; d++) {
		const struct eiot_x509_cert *e = v->cert[d];
		const struct eiot_x509_cert *up = d < v->top && d + 1 < MAX_PATH ? v->cert[d + 1] : NULL;
		if (!e)
			continue;
		unsigned f = dates_of(e, now);
		if (!path_cert_in_profile(e, up, d))
			f |= X509_FAULT_PROFILE;
		bool no_ca = d > 0 && !may_issue(e->x);
		v->faults[d] |= f;
		if (no_ca)
			v->faults[d - 1] |= X509_FAULT_UNTRUSTED; /* where fault_of puts it */
		if (f || no_ca)
			v->failed = true;
	}
}

/* A distinguished name as text, in encoding order as mbedTLS writes it ("O=.., CN=.."). */
static void name_text(const X509_NAME *nm, char *buf, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	int printed = b ? X509_NAME_print_ex(b, nm, 0, XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
						    XN_FLAG_DUMP_UNKNOWN_FIELDS |
						    ASN1_STRFLGS_RFC2253) : -1;
	int n = printed > 0 ? BIO_read(b, buf, (int)cap - 1) : printed;
	BIO_free(b);
	if (n < 0)
		snprintf(buf, cap, "?");
	else
		buf[n] = '\0';
}

/* x509_fault_describe_fn over a struct vctx. */
static void describe(const void *path, int depth, struct x509_fault_cert *out)
{
	const struct vctx *v = path;
	const struct eiot_x509_cert *e = v->cert[depth];

	name_text(X509_get_subject_name(e->x), out->subject, sizeof(out->subject));
	name_text(X509_get_issuer_name(e->x), out->issuer, sizeof(out->issuer));
	out->not_before = e->not_before;
	out->not_after = e->not_after;
	snprintf(out->detail, sizeof(out->detail), "OpenSSL: %s",
		 X509_verify_cert_error_string(v->error[depth]));
}

/* The one error of a failed path (crypto/x509_fault.h). */
static int pick_error(const struct vctx *v, char *why, size_t cap)
{
	unsigned faults[MAX_PATH];
	for (int d = 0; d < MAX_PATH; d++)
		faults[d] = v->cert[d] ? v->faults[d] : 0;
	return x509_fault_report(faults, MAX_PATH, describe, v, why, cap);
}

/* Leaf keyUsage (when present) must allow digitalSignature, extKeyUsage (when present) the
 * purpose or any: ECDHE_ECDSA signs with the leaf key (RFC 5246 §7.4.3, RFC 5280 §4.2.1.12). */
static int check_leaf_usage(const struct eiot_x509_cert *leaf, enum eiot_x509_purpose purpose,
			    char *why, size_t cap)
{
	char name[160];
	uint32_t want = (purpose == EIOT_X509_SERVER ? XKU_SSL_SERVER : XKU_SSL_CLIENT) | XKU_ANYEKU;

	/* both read as all bits set when the extension is absent */
	bool ku_ok = (X509_get_key_usage(leaf->x) & KU_DIGITAL_SIGNATURE) != 0;
	bool eku_ok = (X509_get_extended_key_usage(leaf->x) & want) != 0;
	if (ku_ok && eku_ok)
		return 0;
	name_text(X509_get_subject_name(leaf->x), name, sizeof(name));
	return x509_fault_usage(!ku_ok, purpose, name, why, cap);
}

/* eiot_x509_verify, but for OpenSSL's error queue. */
static int verify_chain(const struct eiot_x509_chain *chain, const struct eiot_x509_chain *trust,
		  const struct eiot_x509_verify_opts *opts, uint8_t anchor[32], char *why,
		  size_t why_cap)
{
	struct vctx v;

	int err = x509_fault_presented(chain->n, trust->n, opts->max_chain, why, why_cap);
	if (err)
		return err;
	memset(&v, 0, sizeof(v));
	if ((err = build_path(chain, trust, &v, why, why_cap)))
		return err;
	judge_path(&v, opts->now);
	if (v.failed)
		return pick_error(&v, why, why_cap);
	if ((err = x509_fault_depth(v.top, opts->max_chain, why, why_cap)))
		return err;
	if (opts->check_usage && (err = check_leaf_usage(&chain->certs[0], opts->purpose, why, why_cap)))
		return err;
	/* the path ends at the first configured certificate it meets */
	if (anchor)
		eiot_sha256(v.cert[v.top]->der, v.cert[v.top]->der_len, anchor);
	return 0;
}

/* The end of a check: OpenSSL's entries dropped (a wrong signature, for one, leaves some).
 * OpenSSL goes on without what it could not allocate (an issuer, a key), so a refusal with an
 * allocation failure among them is EIOT_ERR_NO_MEMORY. */
static int settle(int err, char *why, size_t why_cap)
{
	if (drain(err) != EIOT_ERR_NO_MEMORY || !err)
		return err;
	snprintf(why, why_cap, "out of memory");
	return EIOT_ERR_NO_MEMORY;
}

/* see crypto/x509.h */
int eiot_x509_verify(const struct eiot_x509_chain *chain, const struct eiot_x509_chain *trust,
		     const struct eiot_x509_verify_opts *opts, uint8_t anchor[32], char *why,
		     size_t why_cap)
{
	ERR_clear_error(); /* only what this check leaves counts */
	return settle(verify_chain(chain, trust, opts, anchor, why, why_cap), why, why_cap);
}

/* The same name, byte for byte as encoded (as mbedTLS compares them). */
static bool same_name(const X509_NAME *a, const X509_NAME *b)
{
	const unsigned char *da, *db;
	size_t la, lb;
	return X509_NAME_get0_der(a, &da, &la) == 1 && X509_NAME_get0_der(b, &db, &lb) == 1 &&
	       la == lb && memcmp(da, db, la) == 0;
}

/* Where the trust anchor of a cached chain sits: the depth of the first certificate that is
 * the anchor itself, or one past the first whose issuer is the anchor's subject; -1 if none.
 * The anchor is the configured one whose DER hashes to anchor: a CA re-keyed under the same
 * name is another anchor. */
static int anchor_depth(const struct eiot_x509_chain *chain, const struct eiot_x509_chain *trust,
			const uint8_t anchor[32])
{
	const struct eiot_x509_cert *t = NULL;
	uint8_t h[32];

	for (size_t i = 0; i < trust->n && !t; i++) {
		eiot_sha256(trust->certs[i].der, trust->certs[i].der_len, h);
		if (!memcmp(h, anchor, 32))
			t = &trust->certs[i];
	}
	for (size_t d = 0; t && d < chain->n; d++) {
		const struct eiot_x509_cert *c = &chain->certs[d];
		if (c->der_len == t->der_len && !memcmp(c->der, t->der, c->der_len))
			return (int)d;
		if (same_name(X509_get_issuer_name(c->x), X509_get_subject_name(t->x)))
			return (int)d + 1;
	}
	return -1;
}

/* see crypto/x509.h */
int eiot_x509_recheck(const struct eiot_x509_chain *chain, const struct eiot_x509_chain *trust,
		      const uint8_t anchor[32], const struct eiot_x509_verify_opts *opts, char *why,
		      size_t why_cap)
{
	struct vctx v;

	ERR_clear_error(); /* see eiot_x509_verify */
	int top = chain->n && trust->n ? anchor_depth(chain, trust, anchor) : -1;
	int err = x509_fault_cached(chain->n, top, opts->max_chain, why, why_cap);
	if (err)
		return err;
	memset(&v, 0, sizeof(v));
	/* every certificate below the anchor: its key and signature algorithm (RFC 7925
	 * §4.4.4), its dates exactly as a full verification judges them */
	for (int d = 0; d < top && d < MAX_PATH; d++) {
		const struct eiot_x509_cert *e = &chain->certs[d];
		v.cert[d] = e;
		v.faults[d] = dates_of(e, opts->now);
		if (!cert_key_in_profile(e) || !sig_alg_in_profile(e->x))
			v.faults[d] |= X509_FAULT_PROFILE;
		v.failed |= v.faults[d] != 0;
	}
	if (v.failed)
		err = pick_error(&v, why, why_cap);
	else if (opts->check_usage)
		err = check_leaf_usage(&chain->certs[0], opts->purpose, why, why_cap);
	return settle(err, why, why_cap);
}

/* ---- leaf contents ---- */

/* see crypto/x509.h */
int eiot_x509_leaf_dns_names(const struct eiot_x509_chain *c, const uint8_t **names,
			     size_t *lens, size_t max, size_t *n)
{
	*n = 0;
	if (c->n == 0)
		return EIOT_ERR_BAD_PARAM;
	const GENERAL_NAMES *san = c->certs[0].san;
	for (int i = 0; i < sk_GENERAL_NAME_num(san); i++) {
		int type;
		const ASN1_IA5STRING *dns = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(san, i), &type);
		if (type != GEN_DNS) /* dNSName: [2] IA5String (RFC 5280 §4.2.1.6) */
			continue;
		if (*n < max) {
			names[*n] = ASN1_STRING_get0_data(dns);
			lens[*n] = (size_t)ASN1_STRING_length(dns);
		}
		(*n)++;
	}
	return 0;
}

/* see crypto/x509.h */
int eiot_x509_leaf_cn(const struct eiot_x509_chain *c, const uint8_t **cn, size_t *len)
{
	if (c->n == 0)
		return EIOT_ERR_BAD_PARAM;
	/* "Leftmost" (RFC 7925 §4.4.2) as in the RFC 4514 string form, which lists RDNs
	 * last-encoded first: the last CN in encoding order (as the mbedTLS backend reads it). */
	const X509_NAME *nm = X509_get_subject_name(c->certs[0].x);
	int last = -1;
	for (int i = -1; (i = X509_NAME_get_index_by_NID(nm, NID_commonName, i)) >= 0;)
		last = i;
	if (last < 0)
		return EIOT_ERR_WANT_MORE;
	const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, last));
	*cn = ASN1_STRING_get0_data(s);
	*len = (size_t)ASN1_STRING_length(s);
	return 0;
}

/* see crypto/x509.h */
int eiot_x509_leaf_pubkey(const struct eiot_x509_chain *c, struct eiot_pkey *k)
{
	k->pk = NULL;
	k->ready = false;
	if (c->n == 0)
		return EIOT_ERR_BAD_PARAM;
	EVP_PKEY *pk = X509_get0_pubkey(c->certs[0].x);
	if (!key_is_p256(pk))
		return drain(EIOT_ERR_CERT_BAD_KEY);
	/* the key outlives the chain: a reference of its own (eiot_pkey_free drops it) */
	if (EVP_PKEY_up_ref(pk) != 1)
		return drain(EIOT_ERR_CRYPTO);
	k->pk = pk;
	k->ready = true;
	return 0;
}

/* see crypto/x509.h */
int eiot_x509_leaf_matches_key(const struct eiot_x509_chain *c, const struct eiot_pkey *priv)
{
	if (c->n == 0 || !priv->ready)
		return 0;
	/* the public halves, and the group */
	int eq = EVP_PKEY_eq(X509_get0_pubkey(c->certs[0].x), priv->pk);
	ERR_clear_error();
	return eq == 1;
}
