/*
 * tls/cert_url.h — client certificate URLs (RFC 6066 §5): the client's offer and its
 * CertificateURL message; the server's agreement and its check of a CertificateURL through the
 * application's resolver (eap_iot/stores.h). A build without them (EIOT_WITH_CERT_URL 0) never
 * offers or agrees, and a CertificateURL is an unexpected message.
 */
#ifndef EIOT_TLS_CERT_URL_H
#define EIOT_TLS_CERT_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/conn_int.h"

/* Client: the CertificateURL body, individual_certs, one URL and the SHA-1 of our leaf. */
void cu_client_write(const struct eiot_conn *c, struct wr *w);
/* Server: a CertificateURL. Resolve every URL, check each SHA-1 against the first certificate
 * its URL resolved to, then verify the chain as a received Certificate (peer key, EUI-64).
 * 0, EIOT_ERR_DECODE, EIOT_ERR_CERT_UNOBTAINABLE, EIOT_ERR_CERT_HASH_MISMATCH, a chain error, or
 * EIOT_ERR_NO_MEMORY; logged. Both exist only with EIOT_WITH_CERT_URL: their callers test it. */
int cu_server_certificate_url(struct eiot_conn *c, const uint8_t *body, size_t n);

#if EIOT_WITH_CERT_URL
/* Client: offer client_certificate_url (a URL and an own X.509 certificate are configured). */
bool cu_client_offers(const struct eiot_config *cfg);
#else /* never offered */
static inline bool cu_client_offers(const struct eiot_config *cfg)
{
	(void)cfg;
	return false;
}
#endif
#if EIOT_WITH_CERT_URL && EIOT_WITH_SERVER
/* Server, full handshake with a CertificateRequest for X.509: agree (hs.cu_agreed) when the
 * client offered and a resolver is configured. */
void cu_server_on_hello(struct eiot_conn *c, const struct hs_exts *e);
#else /* never agreed */
static inline void cu_server_on_hello(struct eiot_conn *c, const struct hs_exts *e)
{
	(void)c, (void)e;
}
#endif

#endif
