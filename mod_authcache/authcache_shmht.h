/*
 * The "authcache" socache provider (authcache_shmht.c): ac_shmht's hash
 * table in a shared memory segment, for AuthCacheSOCache (and any other
 * socache user) as "authcache", "authcache:(bytes)" or
 * "authcache:name(bytes)".
 */
#ifndef AUTHCACHE_SHMHT_H
#define AUTHCACHE_SHMHT_H

#include "apr_pools.h"

/* Registers the provider; call from register_hooks. */
void authcache_shmht_register(apr_pool_t *p);

#endif /* AUTHCACHE_SHMHT_H */
