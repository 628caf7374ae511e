/*
 * crypto/mbedtls/ccm_mbedtls.c — AES-CCM (RFC 3610, NIST SP 800-38C) for the record layer over
 * mbedTLS's AES block encryption: a 12-byte nonce (L = 3, RFC 6655 §3), 8- or 16-byte tags, an
 * AAD under 2^16 - 2^8 bytes. CCM only ever encrypts blocks, so neither the decryption half of
 * AES nor mbedTLS's cipher layer is linked into a device; and it is one AES call per block with
 * no layer between.
 */
#include "crypto/mbedtls/ccm_mbedtls.h"

#include <string.h>

#include "eap_iot/err.h"
#include "util/bytes.h"

#define CCM_L 3                     /* bytes of the length field: 15 - nonce length */
#define CCM_MAX_DATA ((1u << 24) - 1)
#define CCM_MAX_AAD (0xFF00u - 1)   /* RFC 3610 §2.2: the 2-byte length encoding */

static void encrypt_block(mbedtls_aes_context *aes, const uint8_t in[16], uint8_t out[16])
{
	/* cannot fail: the key was set, and the software AES has no other error */
	(void)mbedtls_internal_aes_encrypt(aes, in, out);
}

static void xor_into(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] ^= src[i];
}

/* The CBC-MAC T over B0, the encoded AAD and the plaintext, each zero-padded to a block. */
static void cbc_mac(mbedtls_aes_context *aes, size_t tag_len, const uint8_t nonce[12],
		    const uint8_t *aad, size_t aad_len, const uint8_t *p, size_t n, uint8_t x[16])
{
	/* B0 = flags (Adata, M' = (M - 2) / 2, L' = L - 1) || nonce || l(m) */
	x[0] = (uint8_t)((aad_len ? 0x40 : 0) | ((tag_len - 2) / 2) << 3 | (CCM_L - 1));
	memcpy(x + 1, nonce, 12);
	x[13] = (uint8_t)(n >> 16), x[14] = (uint8_t)(n >> 8), x[15] = (uint8_t)n;
	encrypt_block(aes, x, x);
	if (aad_len) {
		x[0] ^= (uint8_t)(aad_len >> 8), x[1] ^= (uint8_t)aad_len;
		size_t off = 2;
		while (aad_len) {
			size_t take = aad_len < 16 - off ? aad_len : 16 - off;
			xor_into(x + off, aad, take);
			aad += take, aad_len -= take, off += take;
			if (off == 16 || !aad_len) {
				encrypt_block(aes, x, x);
				off = 0;
			}
		}
	}
	for (size_t i = 0; i < n; i += 16) {
		xor_into(x, p + i, n - i < 16 ? n - i : 16);
		encrypt_block(aes, x, x);
	}
}

/* CTR mode from counter 1 over p (in place); s0 = E(A0) masks the tag. */
static void ctr_crypt(mbedtls_aes_context *aes, const uint8_t nonce[12], uint8_t *p, size_t n,
		      uint8_t s0[16])
{
	uint8_t a[16], s[16];
	a[0] = CCM_L - 1;
	memcpy(a + 1, nonce, 12);
	a[13] = a[14] = a[15] = 0;
	encrypt_block(aes, a, s0);
	for (uint32_t ctr = 1, i = 0; i < n; ctr++, i += 16) {
		a[13] = (uint8_t)(ctr >> 16), a[14] = (uint8_t)(ctr >> 8), a[15] = (uint8_t)ctr;
		encrypt_block(aes, a, s);
		xor_into(p + i, s, n - i < 16 ? n - i : 16);
	}
	eiot_zeroize(s, sizeof(s));
}

/* see crypto/mbedtls/ccm_mbedtls.h */
int ccm_seal(mbedtls_aes_context *aes, size_t tag_len, const uint8_t nonce[12], const uint8_t *aad,
	     size_t aad_len, uint8_t *p, size_t n)
{
	uint8_t t[16], s0[16];
	if (n > CCM_MAX_DATA || aad_len > CCM_MAX_AAD)
		return EIOT_ERR_BAD_PARAM;
	cbc_mac(aes, tag_len, nonce, aad, aad_len, p, n, t);
	ctr_crypt(aes, nonce, p, n, s0);
	xor_into(t, s0, tag_len);
	memcpy(p + n, t, tag_len);
	eiot_zeroize(t, sizeof(t));
	eiot_zeroize(s0, sizeof(s0));
	return 0;
}

/* see crypto/mbedtls/ccm_mbedtls.h */
int ccm_open(mbedtls_aes_context *aes, size_t tag_len, const uint8_t nonce[12], const uint8_t *aad,
	     size_t aad_len, uint8_t *p, size_t n)
{
	uint8_t t[16], s0[16];
	if (n > CCM_MAX_DATA || aad_len > CCM_MAX_AAD)
		return EIOT_ERR_BAD_PARAM;
	ctr_crypt(aes, nonce, p, n, s0);
	cbc_mac(aes, tag_len, nonce, aad, aad_len, p, n, t);
	xor_into(t, s0, tag_len);
	int ok = eiot_ct_eq(t, p + n, tag_len);
	eiot_zeroize(t, sizeof(t));
	eiot_zeroize(s0, sizeof(s0));
	if (!ok) {
		eiot_zeroize(p, n); /* no unauthenticated plaintext leaves */
		return EIOT_ERR_BAD_RECORD_MAC;
	}
	return 0;
}
