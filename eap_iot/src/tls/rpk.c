/*
 * tls/rpk.c — raw public keys (RFC 7250): own key without a certificate, pinned peer keys
 * (kept as SHA-256 of the DER SubjectPublicKeyInfo, so pinning by key and by hash are one
 * thing), and the check of a peer's key.
 */
#include "tls/rpk.h"

#include <string.h>

#include "crypto/crypto.h"
#include "eap_iot/config.h"
#include "eap_iot/err.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/rw.h"

/* see eap_iot/config.h */
int eiot_config_set_own_key_file(struct eiot_config *cfg, const char *key_path,
				 const char *key_password)
{
	if (!EIOT_WITH_RPK)
		return cfg_not_in_build(cfg, "raw public keys (EIOT_WITH_RPK)");
	if (!cfg || !key_path)
		return EIOT_ERR_BAD_PARAM;
	if (cfg->has_own_cert)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM,
			      "own key: a certificate and its key are set already");
	struct eiot_pkey k;
	uint8_t spki[sizeof(cfg->own_spki)];
	size_t len;
	int err = eiot_pkey_load_private_file(&k, key_path, key_password);
	if (err)
		return cfg_refuse(cfg, err, "own key: not a readable P-256 private key");
	err = eiot_pkey_write_spki(&k, spki, sizeof(spki), &len);
	if (err) {
		eiot_pkey_free(&k);
		return cfg_refuse(cfg, err, "own key: cannot encode its public key");
	}
	if (cfg->rpk_own)
		eiot_pkey_free(&cfg->own_key);
	cfg->own_key = k;
	memcpy(cfg->own_spki, spki, len);
	cfg->own_spki_len = len;
	cfg->rpk_own = true;
	EIOT_LOG(cfg, EIOT_LOG_INFO, "config: own raw public key from '%s'", key_path);
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_add_peer_rpk_sha256(struct eiot_config *cfg, const uint8_t hash[32])
{
	if (!EIOT_WITH_RPK)
		return cfg_not_in_build(cfg, "raw public keys (EIOT_WITH_RPK)");
	if (!cfg || !hash)
		return EIOT_ERR_BAD_PARAM;
	if (cfg->n_rpk_pins == EIOT_MAX_RPK_PINS)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM, "peer raw public keys: too many pins");
	memcpy(cfg->rpk_pins[cfg->n_rpk_pins++], hash, 32);
	return EIOT_OK;
}

/* see eap_iot/config.h */
int eiot_config_add_peer_rpk(struct eiot_config *cfg, const uint8_t *spki, size_t len)
{
	if (!EIOT_WITH_RPK)
		return cfg_not_in_build(cfg, "raw public keys (EIOT_WITH_RPK)");
	if (!cfg || !spki)
		return EIOT_ERR_BAD_PARAM;
	struct eiot_pkey k;
	int err = eiot_pkey_parse_spki(&k, spki, len);
	if (err)
		return cfg_refuse(cfg, EIOT_ERR_BAD_PARAM,
			      "peer raw public key: not a DER P-256 SubjectPublicKeyInfo");
	eiot_pkey_free(&k);
	uint8_t h[32];
	eiot_sha256(spki, len, h);
	return eiot_config_add_peer_rpk_sha256(cfg, h);
}

/* see eap_iot/config.h */
int eiot_config_add_peer_rpk_file(struct eiot_config *cfg, const char *path)
{
	if (!EIOT_WITH_RPK)
		return cfg_not_in_build(cfg, "raw public keys (EIOT_WITH_RPK)");
	if (!cfg || !path)
		return EIOT_ERR_BAD_PARAM;
	struct eiot_pkey k;
	uint8_t spki[128];
	size_t len;
	int err = eiot_pkey_load_public_file(&k, path);
	if (err)
		return cfg_refuse(cfg, EIOT_ERR_FILE, "peer raw public key: file is no P-256 public key");
	err = eiot_pkey_write_spki(&k, spki, sizeof(spki), &len);
	eiot_pkey_free(&k);
	if (err)
		return cfg_refuse(cfg, err, "peer raw public key: cannot encode it");
	return eiot_config_add_peer_rpk(cfg, spki, len);
}

/* see tls/rpk.h */
int rpk_verify_peer(const struct eiot_config *cfg, const uint8_t *body, size_t n,
		    uint8_t spki_sha256[32], struct eiot_pkey *peer_key, bool *empty)
{
	struct rd r = rd_init(body, n);
	struct rd spki = rd_vec(&r, 3);
	*empty = false;
	if (spki.err || !rd_done(&r)) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "rpk: malformed raw public key Certificate message");
		return EIOT_ERR_DECODE;
	}
	if (rd_left(&spki) == 0) {
		*empty = true;
		return 0;
	}
	int err = eiot_pkey_parse_spki(peer_key, spki.p, rd_left(&spki));
	if (err) {
		EIOT_LOG(cfg, EIOT_LOG_ERROR, "rpk: peer's SubjectPublicKeyInfo is %s",
			 err == EIOT_ERR_DECODE ? "malformed" : "not a P-256 key");
		return err;
	}
	uint8_t h[32];
	bool found = false;
	eiot_sha256(spki.p, rd_left(&spki), h);
	for (size_t i = 0; i < cfg->n_rpk_pins; i++)
		found |= eiot_ct_eq(h, cfg->rpk_pins[i], 32) != 0;
	if (!found) {
		eiot_pkey_free(peer_key);
		EIOT_LOG(cfg, EIOT_LOG_ERROR,
			 "rpk: peer's raw public key (SHA-256 %02x%02x%02x%02x...) is not pinned", h[0],
			 h[1], h[2], h[3]);
		return EIOT_ERR_RPK_NOT_PINNED;
	}
	EIOT_LOG(cfg, EIOT_LOG_INFO, "rpk: peer's raw public key is pinned");
	memcpy(spki_sha256, h, 32);
	return 0;
}
