#!/bin/sh
# configs/pki/make_pki.sh OUTDIR — the RFC 7925 test PKI, and deliberately broken certificates.
#
# Everything is ECDSA P-256 with ecdsa-with-SHA256 (RFC 7925 §4.4.4 Table 1), X.509 v3, with
# serials unique across the whole PKI (one shared serial file). Good credentials:
#   ca.pem              root: basicConstraints critical CA:TRUE, keyUsage keyCertSign,cRLSign
#   server.pem          leaf: exactly one SAN dNSName aaa.example.com (RFC 7925 §4.4.1),
#                       keyUsage digitalSignature, extKeyUsage serverAuth
#   device.pem          leaf: subject CN = EUI-64 "00-11-22-33-44-55-66-77" (RFC 7925 §4.4.2),
#                       keyUsage digitalSignature, extKeyUsage clientAuth
#   server-chain3.pem   leaf + 2 intermediates (leaf first); server-chain4.pem leaf + 3
#   device2.pem         a second device, EUI-64 00-11-22-33-44-55-66-78 (policy tests)
#   device-chain4.pem   a device (EUI-64 ...-66-79) below 3 intermediates, leaf first
# Broken on purpose (one fault each): server-expired, server-notyet, server-wrongname,
#   server-wildcard, server-twonames, server-cnonly, server-p384, server-untrusted (issued by
#   other-ca.pem), server-clientauth, device-expired.
# ca-rekeyed.pem is the root's name with a new key (a re-keyed CA); ca-both.pem holds ca.pem and
#   ca-rekeyed.pem (a rollover; no key file of its own).
# Every <name>.pem has its <name>.key.pem; ca, server and device also have DER copies (*.der).
# Dates are set with `openssl ca -startdate/-enddate`, which OpenSSL 3.0 supports (x509 -req has
# no not-before option there). OUTDIR is emptied of our files first; the script is quiet on success.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
mkdir -p "$OUT"
cd "$OUT"
rm -rf work && mkdir work
rm -f ./*.pem ./*.der

: > work/index.txt
echo 1000 > work/serial
cat > work/ca.cnf <<'CNF'
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = work
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[ policy_any ]
commonName = optional
organizationName = optional
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:aaa.example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_server_wrongname ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example.com
[ v3_server_wildcard ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.example.com
[ v3_server_twonames ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:aaa.example.com, DNS:bbb.example.com
[ v3_server_cnonly ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
[ v3_server_clientauth ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:aaa.example.com
[ v3_device ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# key NAME [CURVE]: NAME.key.pem (PKCS#8, named curve)
key() {
	openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${2:-P-256}" \
		-pkeyopt ec_param_enc:named_curve -out "$1.key.pem" 2>/dev/null
}

# cert NAME SUBJECT EXTENSIONS ISSUER [STARTDATE ENDDATE]: key + CSR + NAME.pem signed by ISSUER
# (ISSUER "self" makes a root). Dates default to 2020-01-01 .. 2049-12-31 (fixed, so the files
# differ between runs only in keys and signatures).
cert() {
	name=$1 subj=$2 ext=$3 issuer=$4 start=${5:-} end=${6:-}
	[ -f "$name.key.pem" ] || key "$name"
	openssl req -new -config work/ca.cnf -key "$name.key.pem" -subj "$subj" -out "work/$name.csr"
	if [ "$issuer" = self ]; then
		set -- -selfsign -keyfile "$name.key.pem"
	else
		set -- -cert "$issuer.pem" -keyfile "$issuer.key.pem"
	fi
	set -- "$@" -startdate "${start:-20200101000000Z}" -enddate "${end:-20491231235959Z}"
	openssl ca -batch -config work/ca.cnf -notext -preserveDN -md sha256 -extensions "$ext" \
		-in "work/$name.csr" -out "$name.pem" "$@" 2>/dev/null
}

O="/O=eap_iot test"
cert ca "$O/CN=eap_iot test root" v3_ca self
cert other-ca "$O/CN=eap_iot other root" v3_ca self
# the root re-keyed under the same name (cached_info must not take it for ca), and both
cert ca-rekeyed "$O/CN=eap_iot test root" v3_ca self
cat ca.pem ca-rekeyed.pem > ca-both.pem

cert server "$O/CN=aaa.example.com" v3_server ca
cert device "$O/CN=00-11-22-33-44-55-66-77" v3_device ca

# Intermediates: ca -> int1 -> int2 -> int3.
cert int1 "$O/CN=eap_iot intermediate 1" v3_ca ca
cert int2 "$O/CN=eap_iot intermediate 2" v3_ca int1
cert int3 "$O/CN=eap_iot intermediate 3" v3_ca int2
cert server-chain3-leaf "$O/CN=aaa.example.com" v3_server int2
cert server-chain4-leaf "$O/CN=aaa.example.com" v3_server int3
cat server-chain3-leaf.pem int2.pem int1.pem > server-chain3.pem
cp server-chain3-leaf.key.pem server-chain3.key.pem
cat server-chain4-leaf.pem int3.pem int2.pem int1.pem > server-chain4.pem
cp server-chain4-leaf.key.pem server-chain4.key.pem
rm -f server-chain3-leaf.pem server-chain3-leaf.key.pem server-chain4-leaf.pem server-chain4-leaf.key.pem
cert device2 "$O/CN=00-11-22-33-44-55-66-78" v3_device ca
cert device-chain4-leaf "$O/CN=00-11-22-33-44-55-66-79" v3_device int3
cat device-chain4-leaf.pem int3.pem int2.pem int1.pem > device-chain4.pem
mv device-chain4-leaf.key.pem device-chain4.key.pem
rm -f device-chain4-leaf.pem

# Broken ones.
cert server-expired "$O/CN=aaa.example.com" v3_server ca 20230101000000Z 20240101000000Z
cert server-notyet "$O/CN=aaa.example.com" v3_server ca 20450101000000Z 20460101000000Z
cert server-wrongname "$O/CN=other.example.com" v3_server_wrongname ca
cert server-wildcard "$O/CN=*.example.com" v3_server_wildcard ca
cert server-twonames "$O/CN=aaa.example.com" v3_server_twonames ca
cert server-cnonly "$O/CN=aaa.example.com" v3_server_cnonly ca
key server-p384 P-384
cert server-p384 "$O/CN=aaa.example.com" v3_server ca
cert server-untrusted "$O/CN=aaa.example.com" v3_server other-ca
cert server-clientauth "$O/CN=aaa.example.com" v3_server_clientauth ca
cert device-expired "$O/CN=00-11-22-33-44-55-66-77" v3_device ca 20230101000000Z 20240101000000Z

for n in ca server device device2; do
	openssl x509 -in "$n.pem" -outform DER -out "$n.der"
	openssl pkey -in "$n.key.pem" -outform DER -out "$n.key.der"
done
# Raw public keys (RFC 7250): the SubjectPublicKeyInfo of the server and device keys.
for n in server device; do
	openssl pkey -in "$n.key.pem" -pubout -out "$n.pub.pem"
done
rm -rf work
