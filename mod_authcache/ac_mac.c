/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keyring and HMAC contexts: see ac_mac.h.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ac_crypto.h"
#include "ac_mac.h"

struct ac_keyring {
    /*
     * An HMAC context keyed with the secret. It is only ever copied (by
     * ac_mac_create), so threads can share it.
     */
    EVP_MAC_CTX *keyed;
};

struct ac_mac {
    EVP_MAC_CTX *ctx;           /* a copy of the keyring's, reused */
};

static apr_status_t mac_ctx_cleanup(void *data)
{
    EVP_MAC_CTX **ctx = data;

    EVP_MAC_CTX_free(*ctx);
    *ctx = NULL;
    return APR_SUCCESS;
}

apr_status_t ac_keyring_create(ac_keyring_t **out, const unsigned char *secret,
                               apr_size_t len, apr_pool_t *p)
{
    /* fetched once (ac_crypto), like every algorithm of the module */
    EVP_MAC *mac = ac_crypto_hmac();
    ac_keyring_t *kr;
    OSSL_PARAM params[2];

    if (len < AC_SECRET_MIN)
        return APR_EINVAL;
    if (!mac)
        return APR_ENOTIMPL;
    kr = apr_pcalloc(p, sizeof(*kr));
    kr->keyed = EVP_MAC_CTX_new(mac);
    if (!kr->keyed)
        return APR_ENOMEM;
    apr_pool_cleanup_register(p, &kr->keyed, mac_ctx_cleanup,
                              apr_pool_cleanup_null);

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(kr->keyed, secret, len, params))
        return APR_EGENERAL;
    *out = kr;
    return APR_SUCCESS;
}

apr_status_t ac_mac_create(ac_mac_t **out, const ac_keyring_t *kr,
                           apr_pool_t *p)
{
    ac_mac_t *m = apr_palloc(p, sizeof(*m));

    m->ctx = EVP_MAC_CTX_dup(kr->keyed);
    if (!m->ctx)
        return APR_ENOMEM;
    apr_pool_cleanup_register(p, &m->ctx, mac_ctx_cleanup,
                              apr_pool_cleanup_null);
    *out = m;
    return APR_SUCCESS;
}


/* See ac_mac.h: HMAC over length-prefixed parts. */
apr_status_t ac_mac_compute(ac_mac_t *m, const ac_mac_part_t *parts,
                            int nparts, unsigned char out[AC_MAC_LEN])
{
    size_t outlen = 0;
    int i;
    /* a NULL key restarts the MAC with the key it already holds */
    int ok = EVP_MAC_init(m->ctx, NULL, 0, NULL);

    for (i = 0; ok && i < nparts; i++) {
        unsigned char be[4];
        apr_size_t n = parts[i].len;

        be[0] = (unsigned char)(n >> 24);
        be[1] = (unsigned char)(n >> 16);
        be[2] = (unsigned char)(n >> 8);
        be[3] = (unsigned char)n;
        ok = EVP_MAC_update(m->ctx, be, sizeof(be))
             && EVP_MAC_update(m->ctx, parts[i].data, n);
    }
    ok = ok && EVP_MAC_final(m->ctx, out, &outlen, AC_MAC_LEN)
         && outlen == AC_MAC_LEN;
    return ok ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t ac_mac_derive(ac_mac_t *m, const char *label,
                           unsigned char out[AC_MAC_LEN])
{
    ac_mac_part_t parts[] = {
        { "authcache-derive-v1", 19 },
        { label, strlen(label) },
    };

    return ac_mac_compute(m, parts, 2, out);
}

