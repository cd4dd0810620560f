/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "authcache" socache provider (authcache_shmht.c): ac_shmht's hash
 * table in a shared memory segment, for AuthCacheSOCache (and any other
 * socache user) as "authcache", "authcache:(bytes)" or
 * "authcache:name(bytes)".
 */
#ifndef AUTHCACHE_SHMHT_H
#define AUTHCACHE_SHMHT_H

#include "apr_pools.h"
#include "ap_socache.h"

#include "ac_shmht.h"

/* Registers the provider; call from register_hooks. */
void authcache_shmht_register(apr_pool_t *p);

/*
 * The figures of an instance of this provider (and of no other), for the
 * metrics; the caller holds the store's mutex. APR_NOTFOUND before init.
 */
apr_status_t authcache_shmht_stats(ap_socache_instance_t *ctx,
                                   ac_shmht_stats_t *st);

/* ac_shmht_update on an instance of this provider; the caller holds the
 * store's mutex. */
apr_status_t authcache_shmht_update(ap_socache_instance_t *ctx,
                                    const unsigned char *id,
                                    unsigned int idlen, apr_time_t expiry,
                                    unsigned char *buf, unsigned int cap,
                                    ac_shmht_update_fn *fn, void *baton,
                                    apr_uint32_t *hint);

#endif /* AUTHCACHE_SHMHT_H */
