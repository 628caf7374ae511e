/*
 * crypto/crypto_backend.h — the context types of the backend this build uses.
 *
 * One backend per build, chosen by the compiler flag the Makefile sets (CRYPTO=...):
 * crypto/mbedtls/ (mbedTLS 2.28, the default: the device side) or, with EIOT_CRYPTO_OPENSSL,
 * crypto/openssl/ (OpenSSL 3 libcrypto: servers that authenticate many devices). Each backend
 * folder holds its header of types and the .c files that implement crypto/crypto.h and
 * crypto/x509.h; nothing outside it names the library.
 */
#ifndef EIOT_CRYPTO_BACKEND_H
#define EIOT_CRYPTO_BACKEND_H

#if defined(EIOT_CRYPTO_OPENSSL)
#include "crypto/openssl/backend_openssl.h"
#else
#include "crypto/mbedtls/backend_mbedtls.h"
#endif

#endif
