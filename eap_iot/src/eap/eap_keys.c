/*
 * eap/eap_keys.c — EAP-TLS key material (RFC 5216 §2.3), as wpa_supplicant and FreeRADIUS
 * derive it for TLS 1.2:
 *   Key_Material = TLS-PRF-128(master_secret, "client EAP encryption",
 *                              client.random || server.random)
 *   MSK = Key_Material[0..64), EMSK = Key_Material[64..128)
 *   IV  = TLS-PRF-64("", "client EAP encryption", client.random || server.random)
 *   Session-Id = 0x0D || client.random || server.random; Method-Id = the two randoms.
 * The first is the RFC 5705 exporter without a context; the IV uses an empty secret.
 */
#include "eap_iot/features.h"
#if EIOT_WITH_EAP /* else left out of this build */

#include "eap/eap_tls_int.h"

#include <string.h>

#include "eap_iot/conn.h"
#include "eap_iot/err.h"
#include "tls/keys.h"
#include "util/bytes.h"

#define EAP_TLS_LABEL "client EAP encryption"

/* see eap/eap_tls_int.h */
int eaptls_derive_keys(const struct eiot_conn *c, struct eiot_eap_keys *k)
{
	static const uint8_t empty[1];
	uint8_t km[128], cr[32], sr[32];
	int err;

	err = eiot_conn_export(c, EAP_TLS_LABEL, NULL, 0, km, sizeof(km));
	if (err == EIOT_OK)
		err = eiot_conn_randoms(c, cr, sr);
	if (err) {
		eiot_zeroize(km, sizeof(km));
		return err;
	}
	memcpy(k->msk, km, 64);
	memcpy(k->emsk, km + 64, 64);
	eiot_zeroize(km, sizeof(km));
	tls_prf(empty, 0, EAP_TLS_LABEL, cr, 32, sr, 32, k->iv, sizeof(k->iv));
	k->session_id[0] = EIOT_EAP_TYPE_TLS;
	memcpy(k->session_id + 1, cr, 32);
	memcpy(k->session_id + 33, sr, 32);
	memcpy(k->method_id, cr, 32);
	memcpy(k->method_id + 32, sr, 32);
	return EIOT_OK;
}

#endif /* EIOT_WITH_EAP */
