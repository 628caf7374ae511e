/*
 * radius_module/src/reply_attrs.c — what a successful conversation hands to FreeRADIUS.
 *
 * reply:   MS-MPPE-Recv-Key / MS-MPPE-Send-Key (the MSK halves, RFC 2548 as rlm_eap_tls sends
 *          them: the NAS gets its keys), EAP-MSK, EAP-EMSK, EAP-Session-Id (RFC 5216 §2.3),
 *          and EAP-Key-Name (the same Session-Id, sent to the NAS) when eap_key_name = yes.
 * request: what unlang policies (post-auth) look at — the stock TLS-Session-Cipher-Suite and
 *          TLS-Client-Cert-* attributes in rlm_eap_tls's format (OpenSSL's one-line names, hex
 *          serial, ASN.1 times), EAP-Session-Resumed, and radius_dict's EAP-IoT-* attributes.
 * The certificate is formatted with OpenSSL, which FreeRADIUS has loaded already, so that
 * policies written for rlm_eap_tls see the very same strings.
 */
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "eap_iot/conn.h"
#include "eap_iot/err.h"
#include "tls7925.h"

/* Into the request list (policies) or the reply; each shows in the debug log, the keys
 * (octets in the reply) only at debug level 3 like FreeRADIUS's other secrets. */
enum list { REQ, REPLY };

static int add_vp(REQUEST *request, enum list l, const char *name, const char *str,
		  const uint8_t *octets, size_t n)
{
	RADIUS_PACKET *pkt = l == REQ ? request->packet : request->reply;
	VALUE_PAIR *vp = fr_pair_make(pkt, &pkt->vps, name, str, T_OP_SET);
	if (!vp)
		return -1;
	if (octets)
		fr_pair_value_memcpy(vp, octets, n);
	rdebug_pair(octets && l == REPLY ? L_DBG_LVL_3 : L_DBG_LVL_1, request, vp,
		    l == REQ ? "&request:" : "&reply:");
	return 0;
}

static int add_octets(REQUEST *request, enum list l, const char *name, const uint8_t *v, size_t n)
{
	return add_vp(request, l, name, NULL, v, n);
}

static int add_string(REQUEST *request, const char *name, const char *v)
{
	return add_vp(request, REQ, name, v, NULL, 0);
}

static int add_name(REQUEST *request, const char *attr, X509_NAME *name)
{
	char buf[1024];
	return X509_NAME_oneline(name, buf, sizeof(buf)) ? add_string(request, attr, buf) : -1;
}

static int add_time(REQUEST *request, const char *attr, const ASN1_TIME *t)
{
	char buf[32];
	int n = ASN1_STRING_length(t);
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return -1;
	memcpy(buf, ASN1_STRING_get0_data(t), (size_t)n);
	buf[n] = '\0';
	return add_string(request, attr, buf);
}

static int add_serial(REQUEST *request, X509 *x)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	char buf[2 * 20 + 1];
	int n = ASN1_STRING_length(sn);
	const unsigned char *p = ASN1_STRING_get0_data(sn);
	if (n <= 0 || (size_t)n > (sizeof(buf) - 1) / 2)
		return -1;
	for (int i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	return add_string(request, "TLS-Client-Cert-Serial", buf);
}

static int add_dns_names(REQUEST *request, X509 *x)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int rc = 0;
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names) && !rc; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		char buf[256];
		int n = g->type == GEN_DNS ? ASN1_STRING_length(g->d.dNSName) : 0;
		if (n <= 0 || (size_t)n >= sizeof(buf))
			continue;
		memcpy(buf, ASN1_STRING_get0_data(g->d.dNSName), (size_t)n);
		buf[n] = '\0';
		rc = add_string(request, "TLS-Client-Cert-Subject-Alt-Name-Dns", buf);
	}
	GENERAL_NAMES_free(names);
	return rc;
}

/* rlm_eap_tls's TLS-Client-Cert-* (depth 0) for the verified leaf. */
static int add_cert_attrs(REQUEST *request, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	char cn[256];
	int rc = -1;
	if (!x) {
		REDEBUG("the verified client certificate does not parse with OpenSSL");
		return -1;
	}
	if (!add_serial(request, x) && !add_time(request, "TLS-Client-Cert-Expiration", X509_get0_notAfter(x)) &&
	    !add_time(request, "TLS-Client-Cert-Valid-Since", X509_get0_notBefore(x)) &&
	    !add_name(request, "TLS-Client-Cert-Subject", X509_get_subject_name(x)) &&
	    !add_name(request, "TLS-Client-Cert-Issuer", X509_get_issuer_name(x)) && !add_dns_names(request, x))
		rc = 0;
	if (!rc && X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn)) > 0)
		rc = add_string(request, "TLS-Client-Cert-Common-Name", cn);
	X509_free(x);
	return rc;
}

/* radius_dict/dictionary.eap_iot: the device's identity and how the handshake went. */
static int add_iot_attrs(REQUEST *request, const struct eiot_conn *c, const struct eiot_peer_info *pi)
{
	uint8_t eui[8];
	if (eiot_conn_peer_eui64(c, eui) == EIOT_OK) {
		char s[24];
		snprintf(s, sizeof(s), "%02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x", eui[0], eui[1], eui[2],
			 eui[3], eui[4], eui[5], eui[6], eui[7]);
		if (add_string(request, "EAP-IoT-Device-EUI64", s))
			return -1;
	}
	if (add_string(request, "EAP-IoT-Cached-Info", pi->cached_info ? "yes" : "no") ||
	    add_string(request, "EAP-Session-Resumed", pi->resumed ? "yes" : "no"))
		return -1;
	if (pi->url && add_string(request, "EAP-IoT-Cert-URL", pi->url))
		return -1;
	if (pi->rpk && add_octets(request, REQ, "EAP-IoT-RPK-SHA256", pi->rpk_sha256, 32))
		return -1;
	return 0;
}

int tls7925_add_success_attrs(REQUEST *request, const struct eiot_eap_tls *e, bool key_name)
{
	const struct eiot_conn *c = eiot_eap_tls_conn(e);
	struct eiot_eap_keys k;
	struct eiot_peer_info pi;
	int rc = -1;

	if (eiot_eap_tls_keys(e, &k) || eiot_conn_peer_info(c, &pi))
		goto out;
	/* RFC 2548 via rlm_eap_tls: Recv-Key = MSK[0..32), Send-Key = MSK[32..64) */
	if (add_octets(request, REPLY, "MS-MPPE-Recv-Key", k.msk, 32) ||
	    add_octets(request, REPLY, "MS-MPPE-Send-Key", k.msk + 32, 32) ||
	    add_octets(request, REPLY, "EAP-MSK", k.msk, 64) ||
	    add_octets(request, REPLY, "EAP-EMSK", k.emsk, 64) ||
	    add_octets(request, REPLY, "EAP-Session-Id", k.session_id, sizeof(k.session_id)))
		goto out;
	/* RFC 4072 §2.4 / RFC 5216 §2.3: the NAS gets the Session-Id as EAP-Key-Name */
	if (key_name && add_octets(request, REPLY, "EAP-Key-Name", k.session_id, sizeof(k.session_id)))
		goto out;
	const char *suite = eiot_suite_name(eiot_conn_suite(c), true);
	if (!suite || add_string(request, "TLS-Session-Cipher-Suite", suite))
		goto out;
	if (pi.cert && add_cert_attrs(request, pi.cert, pi.cert_len))
		goto out;
	if (add_iot_attrs(request, c, &pi))
		goto out;
	rc = 0;
out:
	memset(&k, 0, sizeof(k));
	if (rc)
		REDEBUG("cannot add the attributes of a successful authentication (is radius_dict's "
			"dictionary.eap_iot included?)");
	return rc;
}
