/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OpenSSL algorithms fetched once (no httpd headers). Fetching by name on
 * every call costs more than the hashing itself; these are fetched by
 * ac_crypto_init (the module calls it in post_config, before any threads;
 * tests and tools at start) and shared read-only afterwards.
 */
#ifndef AC_CRYPTO_H
#define AC_CRYPTO_H

#include <openssl/evp.h>

#include "apr.h"
#include "apr_errno.h"

/* APR_EGENERAL when OpenSSL lacks one of the algorithms. */
apr_status_t ac_crypto_init(void);

/* By ac_digest_alg_e: MD5, SHA-256, SHA-512/256. NULL: unknown. */
EVP_MD *ac_crypto_md(int alg);
EVP_MAC *ac_crypto_hmac(void);
EVP_MAC *ac_crypto_siphash(void);
EVP_CIPHER *ac_crypto_aes_256_gcm(void);

#endif /* AC_CRYPTO_H */
