/*
 * crypto/mbedtls/x509_mbedtls.c — crypto/x509.h over mbedTLS 2.28 libmbedx509.
 *
 * mbedTLS parses certificates and checks signatures, basicConstraints, the CAs' keyUsage and
 * the algorithms (through a profile that admits only ECDSA P-256 keys and SHA-256 or longer
 * hashes, RFC 7925 §4.4.4 Table 1). Validity dates are checked here, against opts->now, and
 * mbedTLS's own date flags (which read the system clock) are always discarded: the engine
 * reads no clock, and the clock-less mode (now < 0) must skip dates entirely.
 * Exactly one error comes out of a failed verification, chosen in a fixed order with a
 * sentence naming the certificate (crypto/x509_fault.c, shared with the OpenSSL backend).
 */
#include "crypto/crypto_backend.h"
#if defined(MBEDTLS_X509_CRT_PARSE_C) /* else not in this device's mbedTLS configuration */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform.h>

#include "crypto/x509.h"
#include "crypto/x509_fault.h"
#include "eap_iot/err.h"
#include "util/log.h"
#include "util/file.h"

/* A credential file larger than this is not a certificate chain. */
#define MAX_CERT_FILE (1024 * 1024)
/* Certificates on a verified path, leaf to anchor (mbedTLS's own bound). */
#define MAX_PATH MBEDTLS_X509_MAX_VERIFY_CHAIN_SIZE

/* see crypto/x509.h */
void eiot_x509_chain_init(struct eiot_x509_chain *c)
{
	mbedtls_x509_crt_init(&c->crt);
	c->n = 0;
}

/* see crypto/x509.h */
int eiot_x509_chain_add_der(struct eiot_x509_chain *c, const uint8_t *der, size_t len)
{
	if (!der || len == 0)
		return EIOT_ERR_CERT_BAD;
	/* On failure mbedTLS unlinks the new entry: the chain is unchanged. */
	int ret = mbedtls_x509_crt_parse_der(&c->crt, der, len);
	if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED)
		return EIOT_ERR_NO_MEMORY;
	if (ret != 0)
		return EIOT_ERR_CERT_BAD;
	c->n++;
	return 0;
}

/* Drop every certificate after the first n (undo a partly added file). */
static void chain_truncate(struct eiot_x509_chain *c, size_t n)
{
	if (n == 0) {
		mbedtls_x509_crt_free(&c->crt);
		eiot_x509_chain_init(c);
		return;
	}
	mbedtls_x509_crt *last = &c->crt;
	for (size_t i = 1; i < n; i++)
		last = last->next;
	mbedtls_x509_crt *tail = last->next;
	last->next = NULL;
	if (tail) {
		/* mbedtls_x509_crt_free releases the entries after tail, and tail's contents. */
		mbedtls_x509_crt_free(tail);
		mbedtls_free(tail);
	}
	c->n = n;
}

#if defined(MBEDTLS_PEM_PARSE_C)
/* Every "CERTIFICATE" block of a NUL-terminated PEM text (other blocks are skipped); none is an error. */
static int add_pem(struct eiot_x509_chain *c, const uint8_t *text)
{
	const unsigned char *p = text;
	size_t added = 0;

	for (;;) {
		mbedtls_pem_context pem;
		size_t used = 0;
		mbedtls_pem_init(&pem);
		int ret = mbedtls_pem_read_buffer(&pem, "-----BEGIN CERTIFICATE-----",
						  "-----END CERTIFICATE-----", p, NULL, 0, &used);
		if (ret == MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT) {
			mbedtls_pem_free(&pem);
			return added ? 0 : EIOT_ERR_FILE;
		}
		/* 2.28's context fields are public: buf/buflen hold the decoded DER. */
		int err = ret == 0 ? eiot_x509_chain_add_der(c, pem.buf, pem.buflen) : EIOT_ERR_FILE;
		mbedtls_pem_free(&pem);
		if (err)
			return err == EIOT_ERR_NO_MEMORY ? err : EIOT_ERR_FILE;
		added++;
		p += used;
	}
}
#else
/* An mbedTLS configuration without PEM (a device's: its credentials are DER): a PEM file is one
 * this build cannot read. */
static int add_pem(struct eiot_x509_chain *c, const uint8_t *text)
{
	(void)c, (void)text;
	return EIOT_ERR_FILE;
}
#endif

/* One or more DER certificates back to back (each a complete SEQUENCE). */
static int add_der_file(struct eiot_x509_chain *c, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		unsigned char *p = (unsigned char *)buf + off;
		size_t body = 0;
		if (mbedtls_asn1_get_tag(&p, buf + len, &body,
					 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
			return EIOT_ERR_FILE;
		size_t whole = (size_t)(p - (buf + off)) + body;
		int err = eiot_x509_chain_add_der(c, buf + off, whole);
		if (err)
			return err == EIOT_ERR_NO_MEMORY ? err : EIOT_ERR_FILE;
		off += whole;
	}
	return 0;
}

/* see crypto/x509.h */
int eiot_x509_chain_add_file(struct eiot_x509_chain *c, const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	size_t before = c->n;

	if (!path)
		return EIOT_ERR_FILE;
	int err = util_read_file(path, MAX_CERT_FILE, &buf, &len);
	if (err)
		return err;
	if (strstr((const char *)buf, "-----BEGIN ") != NULL)
		err = add_pem(c, buf);
	else
		err = add_der_file(c, buf, len);
	free(buf);
	if (err)
		chain_truncate(c, before); /* all or nothing */
	return err;
}

/* see crypto/x509.h */
size_t eiot_x509_chain_count(const struct eiot_x509_chain *c)
{
	return c->n;
}

static const mbedtls_x509_crt *chain_at(const struct eiot_x509_chain *c, size_t i)
{
	if (i >= c->n)
		return NULL;
	const mbedtls_x509_crt *crt = &c->crt;
	while (i-- > 0 && crt)
		crt = crt->next;
	return crt;
}

/* see crypto/x509.h */
int eiot_x509_chain_der(const struct eiot_x509_chain *c, size_t i, const uint8_t **der, size_t *len)
{
	const mbedtls_x509_crt *crt = chain_at(c, i);
	if (!crt)
		return EIOT_ERR_BAD_PARAM;
	*der = crt->raw.p;
	*len = crt->raw.len;
	return 0;
}

/* see crypto/x509.h */
void eiot_x509_chain_free(struct eiot_x509_chain *c)
{
	mbedtls_x509_crt_free(&c->crt);
	c->n = 0;
}

/* ---- verification ---- */

/* RFC 7925 §4.4.4: ECDSA on secp256r1, hashes of SHA-256 or longer. */
static const mbedtls_x509_crt_profile profile_7925 = {
	.allowed_mds = MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) |
		       MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
		       MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
	.allowed_pks = MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA),
	.allowed_curves = MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1),
	.rsa_min_bitlen = 0xFFFFFFFFu, /* no RSA at all */
};

/* What the verify callback saw, per depth (0 = leaf). */
struct vctx {
	int64_t now;
	int top; /* highest depth seen: the anchor, or the last certificate when untrusted */
	uint32_t flags[MAX_PATH];
	const mbedtls_x509_crt *crt[MAX_PATH];
};

static struct x509_fault_time fault_time(const mbedtls_x509_time *t)
{
	return (struct x509_fault_time){ t->year, t->mon, t->day, t->hour, t->min, t->sec };
}

static int verify_cb(void *user, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct vctx *v = user;
	struct x509_fault_time from = fault_time(&crt->valid_from), to = fault_time(&crt->valid_to);

	/* Our dates replace mbedTLS's, which come from the system clock. */
	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	unsigned dates = x509_fault_dates(v->now, &from, &to);
	if (dates & X509_FAULT_EXPIRED)
		*flags |= MBEDTLS_X509_BADCERT_EXPIRED;
	if (dates & X509_FAULT_NOT_YET_VALID)
		*flags |= MBEDTLS_X509_BADCERT_FUTURE;
	if (depth >= 0 && depth < MAX_PATH) {
		v->flags[depth] = *flags;
		v->crt[depth] = crt;
		if (depth > v->top)
			v->top = depth;
	}
	return 0;
}

/* A name for the log line; a build without log text (EIOT_WITH_LOG 0) links no DN printer. */
static void dn_text(const mbedtls_x509_name *dn, char *buf, size_t cap)
{
	if (!EIOT_WITH_LOG || mbedtls_x509_dn_gets(buf, cap, dn) < 0)
		EIOT_WHY(buf, cap, "?");
}

#define BAD_ALG (MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK)
#define BAD_USAGE (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE | \
		   MBEDTLS_X509_BADCERT_NS_CERT_TYPE)
#define KNOWN_FLAGS (MBEDTLS_X509_BADCERT_NOT_TRUSTED | BAD_ALG | MBEDTLS_X509_BADCERT_EXPIRED | \
		     MBEDTLS_X509_BADCERT_FUTURE | BAD_USAGE)

/* mbedTLS's verification flags of one certificate as faults. */
static unsigned faults_of(uint32_t flags)
{
	unsigned f = 0;
	if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		f |= X509_FAULT_UNTRUSTED;
	if (flags & BAD_ALG)
		f |= X509_FAULT_PROFILE;
	if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
		f |= X509_FAULT_EXPIRED;
	if (flags & MBEDTLS_X509_BADCERT_FUTURE)
		f |= X509_FAULT_NOT_YET_VALID;
	if (flags & BAD_USAGE)
		f |= X509_FAULT_USAGE;
	if (flags & ~(uint32_t)KNOWN_FLAGS)
		f |= X509_FAULT_OTHER;
	return f;
}

/* x509_fault_describe_fn over a struct vctx. */
static void describe(const void *path, int depth, struct x509_fault_cert *out)
{
	const struct vctx *v = path;
	const mbedtls_x509_crt *crt = v->crt[depth];

	dn_text(&crt->subject, out->subject, sizeof(out->subject));
	dn_text(&crt->issuer, out->issuer, sizeof(out->issuer));
	out->not_before = fault_time(&crt->valid_from);
	out->not_after = fault_time(&crt->valid_to);
	EIOT_WHY(out->detail, sizeof(out->detail), "mbedTLS flags 0x%08x", (unsigned)v->flags[depth]);
}

/* The one error of a failed path (crypto/x509_fault.h). */
static int pick_error(const struct vctx *v, char *why, size_t cap)
{
	unsigned faults[MAX_PATH] = { 0 };
	for (int d = 0; d <= v->top && d < MAX_PATH; d++)
		if (v->crt[d])
			faults[d] = faults_of(v->flags[d]);
	return x509_fault_report(faults, MAX_PATH, describe, v, why, cap);
}

/* Leaf keyUsage (when present) must allow digitalSignature, extKeyUsage (when present) the
 * purpose: ECDHE_ECDSA signs with the leaf key (RFC 5246 §7.4.3, RFC 5280 §4.2.1.12). */
static int check_leaf_usage(const mbedtls_x509_crt *leaf, enum eiot_x509_purpose purpose,
			    char *why, size_t cap)
{
	char name[160];
	bool ku_ok = mbedtls_x509_crt_check_key_usage(leaf, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) == 0;
	int ret = purpose == EIOT_X509_SERVER ?
		mbedtls_x509_crt_check_extended_key_usage(leaf, MBEDTLS_OID_SERVER_AUTH,
							   MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)) :
		mbedtls_x509_crt_check_extended_key_usage(leaf, MBEDTLS_OID_CLIENT_AUTH,
							   MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH));
	if (ku_ok && ret == 0)
		return 0;
	dn_text(&leaf->subject, name, sizeof(name));
	return x509_fault_usage(!ku_ok, purpose, name, why, cap);
}

/* see crypto/x509.h */
int eiot_x509_verify(const struct eiot_x509_chain *chain, const struct eiot_x509_chain *trust,
		     const struct eiot_x509_verify_opts *opts, uint8_t anchor[32], char *why,
		     size_t why_cap)
{
	struct vctx v;
	uint32_t flags = 0;

	int ret = x509_fault_presented(chain->n, trust->n, opts->max_chain, why, why_cap);
	if (ret)
		return ret;
	memset(&v, 0, sizeof(v));
	v.now = opts->now;
	/* mbedTLS takes non-const pointers but does not modify the chains here. */
	ret = mbedtls_x509_crt_verify_with_profile((mbedtls_x509_crt *)&chain->crt,
						       (mbedtls_x509_crt *)&trust->crt, NULL,
						       &profile_7925, NULL, &flags, verify_cb, &v);
	if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED) {
		EIOT_WHY(why, why_cap, "out of memory");
		return EIOT_ERR_NO_MEMORY;
	}
	if (ret != 0 && ret != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		EIOT_WHY(why, why_cap, "verification failed (mbedTLS -0x%04x)", (unsigned)-ret);
		return EIOT_ERR_CERT_BAD;
	}
	if (flags != 0)
		return pick_error(&v, why, why_cap);
	if ((ret = x509_fault_depth(v.top, opts->max_chain, why, why_cap)))
		return ret;
	if (opts->check_usage && (ret = check_leaf_usage(&chain->crt, opts->purpose, why, why_cap)))
		return ret;
	/* mbedTLS puts the trusted certificate it ended at on top of the path it reports */
	if (anchor)
		eiot_sha256(v.crt[v.top]->raw.p, v.crt[v.top]->raw.len, anchor);
	return 0;
}

/* Where the trust anchor of a cached chain sits: the depth of the first certificate that is
 * the anchor itself, or one past the first whose issuer is the anchor's subject; -1 if none.
 * The anchor is the configured one whose DER hashes to anchor: a CA re-keyed under the same
 * name is another anchor. */
static int anchor_depth(const mbedtls_x509_crt *chain, const mbedtls_x509_crt *trust,
			const uint8_t anchor[32])
{
	const mbedtls_x509_crt *t = trust;
	uint8_t h[32];
	for (; t && t->raw.len; t = t->next) {
		eiot_sha256(t->raw.p, t->raw.len, h);
		if (!memcmp(h, anchor, 32))
			break;
	}
	if (!t || !t->raw.len)
		return -1;
	int d = 0;
	for (const mbedtls_x509_crt *c = chain; c && c->raw.len; c = c->next, d++) {
		if (c->raw.len == t->raw.len && !memcmp(c->raw.p, t->raw.p, c->raw.len))
			return d;
		if (c->issuer_raw.len == t->subject_raw.len &&
		    !memcmp(c->issuer_raw.p, t->subject_raw.p, c->issuer_raw.len))
			return d + 1;
	}
	return -1;
}

/* The profile's key and signature rules for one certificate (RFC 7925 §4.4.4), as flags. */
static uint32_t profile_flags(const mbedtls_x509_crt *crt)
{
	uint32_t flags = 0;
	mbedtls_pk_type_t type = mbedtls_pk_get_type(&crt->pk);
	if (!(profile_7925.allowed_mds & MBEDTLS_X509_ID_FLAG(crt->sig_md)))
		flags |= MBEDTLS_X509_BADCERT_BAD_MD;
	if (!(profile_7925.allowed_pks & MBEDTLS_X509_ID_FLAG(crt->sig_pk)))
		flags |= MBEDTLS_X509_BADCERT_BAD_PK;
	if ((type != MBEDTLS_PK_ECKEY && type != MBEDTLS_PK_ECDSA) ||
	    !(profile_7925.allowed_curves & MBEDTLS_X509_ID_FLAG(mbedtls_pk_ec(crt->pk)->grp.id)))
		flags |= MBEDTLS_X509_BADCERT_BAD_KEY;
	return flags;
}

/* see crypto/x509.h */
int eiot_x509_recheck(const struct eiot_x509_chain *chain, const struct eiot_x509_chain *trust,
		      const uint8_t anchor[32], const struct eiot_x509_verify_opts *opts, char *why,
		      size_t why_cap)
{
	struct vctx v;

	int top = chain->n && trust->n ? anchor_depth(&chain->crt, &trust->crt, anchor) : -1;
	int err = x509_fault_cached(chain->n, top, opts->max_chain, why, why_cap);
	if (err)
		return err;
	memset(&v, 0, sizeof(v));
	v.now = opts->now;
	v.top = -1;
	uint32_t any = 0;
	int d = 0;
	for (const mbedtls_x509_crt *c = &chain->crt; c && d < top && d < MAX_PATH; c = c->next, d++) {
		uint32_t flags = profile_flags(c);
		/* the dates, exactly as a full verification judges them */
		verify_cb(&v, (mbedtls_x509_crt *)c, d, &flags);
		any |= flags;
	}
	if (any)
		return pick_error(&v, why, why_cap);
	if (opts->check_usage)
		return check_leaf_usage(&chain->crt, opts->purpose, why, why_cap);
	return 0;
}

/* ---- leaf contents ---- */

/* see crypto/x509.h */
int eiot_x509_leaf_dns_names(const struct eiot_x509_chain *c, const uint8_t **names,
			     size_t *lens, size_t max, size_t *n)
{
	*n = 0;
	if (c->n == 0)
		return EIOT_ERR_BAD_PARAM;
	for (const mbedtls_x509_sequence *s = &c->crt.subject_alt_names; s; s = s->next) {
		/* GeneralName dNSName is [2] IMPLICIT IA5String (RFC 5280 §4.2.1.6). */
		if (s->buf.p == NULL || s->buf.tag != (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
						       MBEDTLS_X509_SAN_DNS_NAME))
			continue;
		if (*n < max) {
			names[*n] = s->buf.p;
			lens[*n] = s->buf.len;
		}
		(*n)++;
	}
	return 0;
}

/* see crypto/x509.h */
int eiot_x509_leaf_cn(const struct eiot_x509_chain *c, const uint8_t **cn, size_t *len)
{
	const mbedtls_x509_name *found = NULL;

	if (c->n == 0)
		return EIOT_ERR_BAD_PARAM;
	/*
	 * "Leftmost" (RFC 7925 §4.4.2) is read as in the RFC 4514 string form, which lists RDNs
	 * last-encoded first: the most specific CN, i.e. the last one in encoding order.
	 */
	for (const mbedtls_x509_name *nm = &c->crt.subject; nm; nm = nm->next)
		if (nm->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &nm->oid) == 0)
			found = nm;
	if (!found)
		return EIOT_ERR_WANT_MORE;
	*cn = found->val.p;
	*len = found->val.len;
	return 0;
}

/* see crypto/x509.h */
int eiot_x509_leaf_pubkey(const struct eiot_x509_chain *c, struct eiot_pkey *k)
{
	k->ready = false;
	mbedtls_pk_init(&k->pk);
	if (c->n == 0)
		return EIOT_ERR_BAD_PARAM;
	const mbedtls_pk_context *pk = &c->crt.pk;
	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY ||
	    mbedtls_pk_ec(*pk)->grp.id != MBEDTLS_ECP_DP_SECP256R1)
		return EIOT_ERR_CERT_BAD_KEY;
	const mbedtls_ecp_keypair *src = mbedtls_pk_ec(*pk);
	int ret = mbedtls_pk_setup(&k->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (ret == 0)
		ret = mbedtls_ecp_group_load(&mbedtls_pk_ec(k->pk)->grp, MBEDTLS_ECP_DP_SECP256R1);
	if (ret == 0)
		ret = mbedtls_ecp_copy(&mbedtls_pk_ec(k->pk)->Q, &src->Q);
	if (ret != 0) {
		mbedtls_pk_free(&k->pk);
		return ret == MBEDTLS_ERR_PK_ALLOC_FAILED || ret == MBEDTLS_ERR_MPI_ALLOC_FAILED ?
			EIOT_ERR_NO_MEMORY : EIOT_ERR_CRYPTO;
	}
	k->ready = true;
	return 0;
}

/* see crypto/x509.h */
int eiot_x509_leaf_matches_key(const struct eiot_x509_chain *c, const struct eiot_pkey *priv)
{
	if (c->n == 0 || !priv->ready)
		return 0;
	return mbedtls_pk_check_pair(&c->crt.pk, &priv->pk) == 0;
}

#endif /* MBEDTLS_X509_CRT_PARSE_C */
