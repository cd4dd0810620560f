/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OpenSSL algorithms fetched once: see ac_crypto.h.
 */
#include "ac_crypto.h"

static EVP_MD *mds[3];
static EVP_MAC *hmac;
static EVP_MAC *siphash;
static EVP_CIPHER *aes_gcm;

apr_status_t ac_crypto_init(void)
{
    static const char *const md_names[3] = { "MD5", "SHA256", "SHA512-256" };
    int i;

    for (i = 0; i < 3; i++)
        if (!mds[i] && !(mds[i] = EVP_MD_fetch(NULL, md_names[i], NULL)))
            return APR_EGENERAL;
    if (!hmac && !(hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)))
        return APR_EGENERAL;
    if (!siphash && !(siphash = EVP_MAC_fetch(NULL, "SIPHASH", NULL)))
        return APR_EGENERAL;
    if (!aes_gcm && !(aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)))
        return APR_EGENERAL;
    return APR_SUCCESS;
}

/* Callers that skipped ac_crypto_init (single-threaded tools) get it here. */
static int ready(void)
{
    return aes_gcm || ac_crypto_init() == APR_SUCCESS;
}

EVP_MD *ac_crypto_md(int alg)
{
    return alg >= 0 && alg < 3 && ready() ? mds[alg] : NULL;
}

EVP_MAC *ac_crypto_hmac(void)
{
    return ready() ? hmac : NULL;
}

EVP_MAC *ac_crypto_siphash(void)
{
    return ready() ? siphash : NULL;
}

EVP_CIPHER *ac_crypto_aes_256_gcm(void)
{
    return ready() ? aes_gcm : NULL;
}
