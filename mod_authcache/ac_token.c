/*
 * Cache keys and cached access tokens: see ac_token.h.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ac_crypto.h"
#include "ac_token.h"

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


/* See ac_token.h: HMAC over length-prefixed parts. */
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

apr_status_t ac_cache_key(ac_mac_t *m, const char *context,
                          const ac_name_t *name, unsigned char key[AC_KEY_LEN])
{
    unsigned char form = (unsigned char)name->form;
    ac_mac_part_t parts[] = {
        { "authcache-key-v1", 16 },
        { context, strlen(context) },
        { &form, 1 },
        { name->domain, name->domain_len },
        { name->user, name->user_len },
    };

    return ac_mac_compute(m, parts, 5, key);
}

/*
 * The expiry is covered, as the groups are: whoever can write a shared
 * store cannot keep a token alive past its TTL by moving it forward, nor
 * past a purge by moving its creation time.
 */
static void put64(unsigned char *out, apr_time_t v)
{
    apr_uint64_t e = (apr_uint64_t)v;
    int i;

    for (i = 0; i < 8; i++)
        out[i] = (unsigned char)(e >> (56 - 8 * i));
}

static apr_time_t get64(const unsigned char *in)
{
    apr_uint64_t e = 0;
    int i;

    for (i = 0; i < 8; i++)
        e = (e << 8) | in[i];
    return (apr_time_t)e;
}

static apr_status_t password_mac(ac_mac_t *m,
                                 const unsigned char key[AC_KEY_LEN],
                                 const char *pw, apr_size_t pwlen,
                                 const ac_token_t *t,
                                 unsigned char out[AC_MAC_LEN])
{
    unsigned char times[16];
    ac_mac_part_t parts[] = {
        { "authcache-pw-v4", 15 },
        { key, AC_KEY_LEN },
        { t->salt, AC_SALT_LEN },
        { times, sizeof(times) },
        { pw, pwlen },
        { t->groups ? t->groups : "", t->groups_len },
    };

    put64(times, t->created);
    put64(times + 8, t->expires);
    return ac_mac_compute(m, parts, 6, out);
}

apr_status_t ac_token_seal(ac_mac_t *m,
                           const unsigned char key[AC_KEY_LEN],
                           const char *pw, apr_size_t pwlen,
                           const unsigned char salt[AC_SALT_LEN],
                           apr_time_t created, apr_time_t expires,
                           const char *groups,
                           apr_size_t groups_len, ac_token_t *t)
{
    if (groups_len > AC_GROUPS_MAX)
        return APR_EINVAL;
    memcpy(t->salt, salt, AC_SALT_LEN);
    t->created = created;
    t->expires = expires;
    t->groups = groups;
    t->groups_len = groups_len;
    return password_mac(m, key, pw, pwlen, t, t->mac);
}

apr_status_t ac_token_check(ac_mac_t *m,
                            const unsigned char key[AC_KEY_LEN],
                            const char *pw, apr_size_t pwlen,
                            const ac_token_t *t, int *match)
{
    unsigned char mac[AC_MAC_LEN];
    apr_status_t rv = password_mac(m, key, pw, pwlen, t, mac);

    *match = rv == APR_SUCCESS && CRYPTO_memcmp(mac, t->mac, AC_MAC_LEN) == 0;
    OPENSSL_cleanse(mac, sizeof(mac));
    return rv;
}

/*
 * Wire format, fixed big-endian so that a store shared by a server farm
 * reads the same on every host: version, a reserved zero byte, the group
 * list's length (16 bits), creation time and expiry (microseconds since
 * the epoch, signed 64-bit), salt, MAC, then the group list.
 */
apr_size_t ac_token_encoded_len(const ac_token_t *t)
{
    return AC_TOKEN_LEN + t->groups_len;
}

void ac_token_encode(const ac_token_t *t, unsigned char *out)
{
    out[0] = AC_TOKEN_VERSION;
    out[1] = 0;
    out[2] = (unsigned char)(t->groups_len >> 8);
    out[3] = (unsigned char)t->groups_len;
    put64(out + 4, t->created);
    put64(out + 12, t->expires);
    memcpy(out + 20, t->salt, AC_SALT_LEN);
    memcpy(out + 20 + AC_SALT_LEN, t->mac, AC_MAC_LEN);
    if (t->groups_len)
        memcpy(out + AC_TOKEN_LEN, t->groups, t->groups_len);
}

apr_status_t ac_token_decode(const unsigned char *in, apr_size_t len,
                             ac_token_t *t)
{
    if (len < AC_TOKEN_LEN || in[0] != AC_TOKEN_VERSION
        || len != AC_TOKEN_LEN + ((apr_size_t)in[2] << 8 | in[3]))
        return APR_EINVAL;
    t->groups_len = len - AC_TOKEN_LEN;
    t->groups = t->groups_len ? (const char *)in + AC_TOKEN_LEN : NULL;
    t->created = get64(in + 4);
    t->expires = get64(in + 12);
    memcpy(t->salt, in + 20, AC_SALT_LEN);
    memcpy(t->mac, in + 20 + AC_SALT_LEN, AC_MAC_LEN);
    return APR_SUCCESS;
}
