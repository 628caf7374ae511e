/*
 * crypto/mbedtls/ccm_mbedtls.h — AES-CCM with a 12-byte nonce over an mbedTLS AES key schedule
 * (the encryption one: CCM needs no other), in place: p[0..n) is the plaintext or ciphertext
 * and the tag follows it at p + n.
 */
#ifndef EIOT_CRYPTO_CCM_MBEDTLS_H
#define EIOT_CRYPTO_CCM_MBEDTLS_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/aes.h>

/* Encrypt p and append the tag_len-byte tag (8 or 16). 0 or EIOT_ERR_BAD_PARAM (n >= 2^24, or
 * an AAD of 2^16 - 2^8 bytes or more). */
int ccm_seal(mbedtls_aes_context *aes, size_t tag_len, const uint8_t nonce[12], const uint8_t *aad,
	     size_t aad_len, uint8_t *p, size_t n);
/* Check the tag at p + n (constant time) and decrypt p. EIOT_ERR_BAD_RECORD_MAC, with p wiped,
 * when the tag is wrong; EIOT_ERR_BAD_PARAM as ccm_seal. */
int ccm_open(mbedtls_aes_context *aes, size_t tag_len, const uint8_t nonce[12], const uint8_t *aad,
	     size_t aad_len, uint8_t *p, size_t n);

#endif
