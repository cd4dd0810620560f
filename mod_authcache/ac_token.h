/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cache keys and cached access tokens (no httpd headers).
 *
 * Everything is keyed with a server secret through HMAC-SHA-256:
 * - the cache key names an entry by (context, name form, domain, user), so
 *   a shared store (memcache, redis) sees no user names, and a store filled
 *   under another secret is simply a miss;
 * - the token holds HMAC(secret, key || salt || expiry || password ||
 *   groups), never the password, and is bound to its key so it cannot be
 *   moved to another one, and to its expiry and groups so a shared store
 *   cannot be edited to keep it alive longer or to grant groups.
 */
#ifndef AC_TOKEN_H
#define AC_TOKEN_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"
#include "apr_time.h"

#include "ac_mac.h"
#include "ac_name.h"

#define AC_KEY_LEN     32
#define AC_SALT_LEN    16
/* 3: the MAC covers the expiry; 4: and the creation time (purges);
 * records of older versions read as absent */
#define AC_TOKEN_VERSION 4
/* the fixed part; the group list follows it */
#define AC_TOKEN_LEN   (4 + 8 + 8 + AC_SALT_LEN + AC_MAC_LEN)
#define AC_GROUPS_MAX  65535

typedef struct {
    apr_time_t created;         /* covered by the MAC: a purge refuses
                                 * tokens made before it */
    apr_time_t expires;         /* covered by the MAC */
    unsigned char salt[AC_SALT_LEN];
    unsigned char mac[AC_MAC_LEN];
    /*
     * What the domain said about the user: group names joined by ';'
     * (not NUL-terminated; groups_len 0 for none). Covered by the MAC, so
     * a shared store cannot be edited to grant groups.
     */
    const char *groups;
    apr_size_t groups_len;
} ac_token_t;

apr_status_t ac_cache_key(ac_mac_t *m, const char *context,
                          const ac_name_t *name, unsigned char key[AC_KEY_LEN]);

/*
 * Fills *t for password pw and groups[0..groups_len) (kept by pointer)
 * under key, with a caller-supplied random salt, made at created.
 */
apr_status_t ac_token_seal(ac_mac_t *m,
                           const unsigned char key[AC_KEY_LEN],
                           const char *pw, apr_size_t pwlen,
                           const unsigned char salt[AC_SALT_LEN],
                           apr_time_t created, apr_time_t expires,
                           const char *groups,
                           apr_size_t groups_len, ac_token_t *t);

/*
 * Sets *match to 1 when pw is the password t was sealed with under key.
 * Compares the full MAC in constant time.
 */
apr_status_t ac_token_check(ac_mac_t *m,
                            const unsigned char key[AC_KEY_LEN],
                            const char *pw, apr_size_t pwlen,
                            const ac_token_t *t, int *match);

/* The size of t's record: AC_TOKEN_LEN plus its groups. */
apr_size_t ac_token_encoded_len(const ac_token_t *t);
void ac_token_encode(const ac_token_t *t, unsigned char *out);

/*
 * APR_EINVAL for a record of another length or version; t->groups then
 * points into in.
 */
apr_status_t ac_token_decode(const unsigned char *in, apr_size_t len,
                             ac_token_t *t);

#endif /* AC_TOKEN_H */
