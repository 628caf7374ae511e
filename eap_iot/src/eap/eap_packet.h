/*
 * eap/eap_packet.h — the EAP (RFC 3748 §4) and EAP-TLS (RFC 5216 §3.1, §3.2) wire format.
 *
 * Pure codec: no state. The parser checks everything a single packet can tell (lengths, the
 * flag combinations that can never be valid); what depends on the conversation (a fragment
 * that overruns the message it continues) is checked by the conversation (eap_tls.c).
 */
#ifndef EIOT_EAP_PACKET_H
#define EIOT_EAP_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define EAP_HEADER_LEN 4      /* Code, Identifier, Length */
#define EAPTLS_HEADER_LEN 6   /* + Type, Flags */
#define EAPTLS_MAX_OVERHEAD 10 /* + TLS Message Length */

/* RFC 5216 §3.1 Flags; the other five bits are reserved and ignored on receipt. */
#define EAPTLS_FLAG_L 0x80u /* TLS Message Length included */
#define EAPTLS_FLAG_M 0x40u /* more fragments follow */
#define EAPTLS_FLAG_S 0x20u /* EAP-TLS Start */
#define EAPTLS_FLAGS_KNOWN (EAPTLS_FLAG_L | EAPTLS_FLAG_M | EAPTLS_FLAG_S)

struct eap_pkt {
	uint8_t code, id;
	size_t len;         /* the Length field; bytes after it are link padding (RFC 3748 §4.1) */
	uint8_t type;       /* Request/Response: the Type; 0 for Success/Failure */
	/* Type 13 only: */
	uint8_t flags;      /* EAPTLS_FLAG_*, reserved bits cleared */
	uint32_t tls_len;   /* TLS Message Length when L is set, else 0 */
	const uint8_t *data; /* TLS data (type 13) or Type-Data (other types) */
	size_t data_len;
};

/*
 * Parse one EAP packet of n received bytes. EIOT_OK, or EIOT_ERR_DECODE when:
 * n < 4; Length < 4 or > n; a code other than 1..4; Success/Failure with Length != 4;
 * Request/Response without a Type. For Type 13 also: no Flags octet; L without its 4 bytes;
 * more data than the TLS Message Length announces; M with no data, or with L announcing no
 * more than this fragment; S on a Response, or S with L, M or data.
 * Other types parse with flags 0 and their Type-Data in data.
 */
int eap_pkt_parse(const uint8_t *in, size_t n, struct eap_pkt *p);

/* Write a Request/Response of Type 13: flags (L adds tls_len), then data[0..n).
 * EIOT_ERR_BUFFER_TOO_SMALL when it does not fit cap, EIOT_ERR_BAD_PARAM when it exceeds the
 * 16-bit Length. */
int eap_pkt_write_tls(uint8_t code, uint8_t id, uint8_t flags, uint32_t tls_len,
		      const uint8_t *data, size_t n, uint8_t *out, size_t cap, size_t *out_len);

/* Write a 4-byte Success or Failure. */
int eap_pkt_write_result(uint8_t code, uint8_t id, uint8_t *out, size_t cap, size_t *out_len);

#endif
