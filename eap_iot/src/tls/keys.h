/*
 * tls/keys.h — the TLS 1.2 key schedule with SHA-256 (RFC 5246 §5, §6.3, §7.4.9; RFC 7627;
 * RFC 5705; RFC 4279 §2 for the PSK premaster secret).
 */
#ifndef EIOT_TLS_KEYS_H
#define EIOT_TLS_KEYS_H

#include <stddef.h>
#include <stdint.h>

/* P_SHA256(secret, label || seed1 || seed2) into out[0..n). */
void tls_prf(const uint8_t *secret, size_t secret_len, const char *label, const uint8_t *seed1,
	     size_t seed1_len, const uint8_t *seed2, size_t seed2_len, uint8_t *out, size_t n);

/* RFC 4279 §2: uint16 N || N zero bytes || uint16 N || psk. pms needs 4 + 2*psk_len bytes. */
size_t tls_psk_premaster(const uint8_t *psk, size_t psk_len, uint8_t *pms);

/* master_secret = PRF(pms, "master secret", client_random || server_random). */
void tls_master_secret(const uint8_t *pms, size_t pms_len, const uint8_t cr[32],
		       const uint8_t sr[32], uint8_t ms[48]);
/* RFC 7627 §4: PRF(pms, "extended master secret", session_hash). */
void tls_extended_master_secret(const uint8_t *pms, size_t pms_len, const uint8_t session_hash[32],
				uint8_t ms[48]);

/* key_block = PRF(ms, "key expansion", server_random || client_random); AEAD suites take
 * client_write_key, server_write_key, client_write_IV, server_write_IV (no MAC keys). */
struct tls_key_block {
	uint8_t client_key[16], server_key[16];
	uint8_t client_iv[4], server_iv[4];
};
void tls_key_block(const uint8_t ms[48], const uint8_t cr[32], const uint8_t sr[32],
		   struct tls_key_block *kb);

/* verify_data = PRF(ms, "client finished" | "server finished", transcript_hash)[0..12). */
void tls_finished(const uint8_t ms[48], int is_client, const uint8_t transcript_hash[32],
		  uint8_t verify_data[12]);

/* RFC 5705 exporter; context NULL = no context. EIOT_ERR_BAD_PARAM for reserved labels. */
int tls_export(const uint8_t ms[48], const uint8_t cr[32], const uint8_t sr[32], const char *label,
	       const uint8_t *context, size_t context_len, uint8_t *out, size_t n);

#endif
