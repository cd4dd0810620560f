/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server secret's keyring and HMAC-SHA-256 contexts (no httpd
 * headers): everything mod_authcache keys (cache keys, tokens, Digest
 * nonces, replay windows, rosters, sealing subkeys) is an HMAC under the
 * secret, over length-prefixed parts that start with a label naming the
 * purpose.
 */
#ifndef AC_MAC_H
#define AC_MAC_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"

#define AC_SECRET_MIN  32      /* bytes; also the size of a random secret */
#define AC_MAC_LEN     32

typedef struct ac_keyring ac_keyring_t;
typedef struct ac_mac ac_mac_t;

/*
 * A keyring for secret[0..len) (len >= AC_SECRET_MIN), freed with pool p.
 * The keyring may be used from several threads at once.
 */
apr_status_t ac_keyring_create(ac_keyring_t **out, const unsigned char *secret,
                               apr_size_t len, apr_pool_t *p);

/*
 * A MAC context for one user at a time (e.g. one per connection): reusing
 * it skips the allocations of a fresh context on every request. Freed
 * with pool p.
 */
apr_status_t ac_mac_create(ac_mac_t **out, const ac_keyring_t *kr,
                           apr_pool_t *p);

/*
 * A subkey for one purpose (e.g. "digest-nonce"), so that the secret
 * itself keys nothing but HMAC: HMAC(secret, "authcache-derive-v1" ||
 * label), as length-prefixed parts. Different labels give unrelated keys.
 */
apr_status_t ac_mac_derive(ac_mac_t *m, const char *label,
                           unsigned char out[AC_MAC_LEN]);

/*
 * HMAC-SHA-256 under the secret over the parts, each preceded by its
 * 4-byte big-endian length (so no two lists of parts hash alike). Start
 * the list with a label naming the purpose, to keep uses apart.
 */
typedef struct {
    const void *data;
    apr_size_t len;
} ac_mac_part_t;

apr_status_t ac_mac_compute(ac_mac_t *m, const ac_mac_part_t *parts,
                            int nparts, unsigned char out[AC_MAC_LEN]);

#endif /* AC_MAC_H */
