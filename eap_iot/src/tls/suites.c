/*
 * tls/suites.c — the cipher suites we implement, as data (RFC 7925 §19).
 * All are AEAD with a 16-byte AES key and a 4-byte implicit nonce salt: RFC 6655 §3 (CCM),
 * RFC 7251 §2 (ECDHE_ECDSA with CCM), RFC 5288 §3 (GCM). Tags: CCM_8 8 bytes, CCM and GCM 16.
 */
#include "tls/suites.h"

#include <strings.h>

#include "eap_iot/config.h"
#include "eap_iot/features.h"

/* Every suite we implement, with whether this build holds it (eap_iot/features.h). */
static const struct suite_info suite_tab[] = {
	{ 0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "ECDHE-ECDSA-AES128-CCM8", KX_ECDHE_ECDSA, EIOT_AEAD_AES128_CCM_8, 16, 4, 8,
	  EIOT_WITH_ECDHE },
	{ 0xC0A8, "TLS_PSK_WITH_AES_128_CCM_8", "PSK-AES128-CCM8", KX_PSK, EIOT_AEAD_AES128_CCM_8, 16, 4, 8, EIOT_WITH_PSK },
	{ 0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "ECDHE-ECDSA-AES128-CCM", KX_ECDHE_ECDSA, EIOT_AEAD_AES128_CCM, 16, 4, 16,
	  EIOT_WITH_ECDHE && EIOT_WITH_EXTRA_SUITES },
	{ 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256",
	  KX_ECDHE_ECDSA, EIOT_AEAD_AES128_GCM, 16, 4, 16, EIOT_WITH_ECDHE && EIOT_WITH_EXTRA_SUITES },
};

/* see tls/suites.h */
const struct suite_info *suite_lookup(uint16_t id)
{
	for (size_t i = 0; i < sizeof(suite_tab) / sizeof(suite_tab[0]); i++)
		if (suite_tab[i].id == id)
			return &suite_tab[i];
	return NULL;
}

/* see tls/suites.h */
const struct suite_info *suite_find(uint16_t id)
{
	const struct suite_info *s = suite_lookup(id);
	return s && s->in_build ? s : NULL;
}

/* see tls/suites.h */
bool suite_left_out(uint16_t id)
{
	const struct suite_info *s = suite_lookup(id);
	return s && !s->in_build;
}

/* see tls/suites.h */
int suite_is_profile(uint16_t id)
{
	/* RFC 7925 §4.2 (PSK) and §4.4 (certificates): the two mandatory CCM_8 suites. */
	return id == 0xC0A8 || id == 0xC0AE;
}

/* see eap_iot/config.h */
uint16_t eiot_suite_from_name(const char *name)
{
	for (size_t i = 0; name && i < sizeof(suite_tab) / sizeof(suite_tab[0]); i++)
		if (!strcasecmp(name, suite_tab[i].name) || !strcasecmp(name, suite_tab[i].openssl_name))
			return suite_tab[i].id;
	return 0;
}

/* see eap_iot/config.h */
const char *eiot_suite_name(uint16_t id, bool openssl_style)
{
	const struct suite_info *s = suite_lookup(id);
	return !s ? NULL : openssl_style ? s->openssl_name : s->name;
}
