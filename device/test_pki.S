/*
 * device/test_pki.S — the test PKI's credentials for device/cert_client.c, as DER in flash the
 * way a device holds them: its certificate (device.der) and P-256 key (device.key.der), and the
 * root that signs the server's certificate (ca.der). .incbin reads them at build time from
 * BUILD/pki (configs/pki/make_pki.sh, `make pki`), which device/build.sh gives the assembler
 * (-Wa,-I), so no key is committed. Each blob runs from NAME to NAME_end.
 */
	.section .rodata.test_pki, "a"

	.macro blob name, file
	.global \name, \name\()_end
\name:
	.incbin "\file"
\name\()_end:
	.endm

	blob pki_device_cert, "device.der"
	blob pki_device_key, "device.key.der"
	blob pki_ca_cert, "ca.der"
