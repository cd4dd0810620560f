/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cache keys and cached access tokens: see ac_token.h.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "ac_token.h"

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
