/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shared pieces every child uses: the socache store and its mutex, the
 * server secret, and the counters.
 *
 * Life cycle, as mod_authn_socache does it: the mutex type is registered in
 * pre_config (so "Mutex authcache-socache ..." works), store, mutex, secret
 * and counters are made in post_config, the mutex is re-attached in
 * child_init.
 *
 * Secret, mutex and counters are made once, at the first start, and kept
 * in retained data for the generations that follow: after a graceful
 * restart the old generation's children still finish their requests
 * beside the new ones, on the same store (the authcache provider keeps
 * its segment too), so they must lock the same mutex and bump the same
 * store generation.
 */
#include "apr_atomic.h"
#include "apr_file_io.h"
#include "apr_global_mutex.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "ap_mpm.h"
#include "http_log.h"
#include "http_core.h"
#include "http_protocol.h"
#include "util_mutex.h"

#include "ac_crypto.h"
#include "authcache_private.h"
#include "authcache_shmht.h"

APLOG_USE_MODULE(authcache);

#define AUTHCACHE_MUTEX_TYPE "authcache-socache"
#define AUTHCACHE_SECRET_KEY "mod_authcache-secret"
#define AUTHCACHE_KEPT_KEY   "mod_authcache-kept"

static const ap_socache_provider_t *store_provider;
static ap_socache_instance_t *store_inst;
/*
 * Always made with the store: Digest holds it across a replay window's
 * read-change-write on every provider. The Basic get and put take it only
 * where the provider needs it (store_locks_calls): a single read or write
 * of an MT-safe provider (memcache, redis) is atomic by itself.
 */
static apr_global_mutex_t *store_mutex;
static int store_locks_calls;             /* the provider is NOTMPSAFE */
static const ac_keyring_t *keyring;
/* In shared memory: the counters, then the store generation. */
typedef struct {
    apr_uint64_t counters[AUTHCACHE_C_COUNT];
    apr_uint32_t generation;
} authcache_shared_rec;
static authcache_shared_rec *shared;
/* Made at the first start, in the process pool; kept across generations. */
typedef struct {
    int made;
    apr_global_mutex_t *mutex;            /* NULL: "Mutex ... none" */
    authcache_shared_rec *shared;
} authcache_kept_rec;
static apr_uint64_t *counters;            /* shared->counters */
static int store_is_local;                /* no other host writes it */
static int store_is_private;              /* only this httpd writes it */
static int store_is_shmht;                /* the "authcache" provider */

static const char *const counter_names[] = {
#define AUTHCACHE_COUNTER_NAME(n, d) #n,
    AUTHCACHE_COUNTERS(AUTHCACHE_COUNTER_NAME)
#undef AUTHCACHE_COUNTER_NAME
};
static const char *const counter_help[] = {
#define AUTHCACHE_COUNTER_HELP(n, d) d,
    AUTHCACHE_COUNTERS(AUTHCACHE_COUNTER_HELP)
#undef AUTHCACHE_COUNTER_HELP
};

const char *authcache_counter_name(authcache_counter_e c)
{
    return counter_names[c];
}

const char *authcache_counter_help(authcache_counter_e c)
{
    return counter_help[c];
}

void authcache_count(authcache_counter_e c)
{
    if (counters)
        apr_atomic_inc64(&counters[c]);
}

int authcache_counters_read(apr_uint64_t *out)
{
    int i;

    for (i = 0; i < AUTHCACHE_C_COUNT; i++)
        out[i] = counters ? apr_atomic_read64(&counters[i]) : 0;
    return counters != NULL;
}

/*
 * Only the record itself: an NTLM connection never needs the MAC context
 * (an EVP_MAC_CTX of its own) nor the Basic pool, and an idle keep-alive
 * connection should cost no more than it must (authcache_conn_keyed()).
 */
authcache_conn_rec *authcache_conn(request_rec *r)
{
    conn_rec *c = r->connection;
    authcache_conn_rec *cc = ap_get_module_config(c->conn_config,
                                                  &authcache_module);

    if (!cc) {
        cc = apr_pcalloc(c->pool, sizeof(*cc));
        ap_set_module_config(c->conn_config, &authcache_module, cc);
    }
    return cc;
}

authcache_conn_rec *authcache_conn_keyed(request_rec *r)
{
    authcache_conn_rec *cc = authcache_conn(r);
    apr_status_t rv;

    if (cc->mac || !keyring)
        return cc;
    rv = ac_mac_create(&cc->mac, keyring, r->connection->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      AC_LOGNO(1301) "cannot set up connection state");
        cc->mac = NULL;
        return NULL;
    }
    return cc;
}

apr_uint32_t authcache_store_generation(void)
{
    apr_uint32_t g;

    if (!shared || !store_is_local)
        return 0;
    g = apr_atomic_read32(&shared->generation);
    return g ? g : 1;    /* skip 0 when the counter wraps */
}

int authcache_store_is_private(void)
{
    return store_is_private;
}

static apr_status_t mutex_lock(request_rec *r)
{
    apr_status_t rv;

    if (!store_mutex)
        return APR_SUCCESS;           /* "Mutex authcache-socache none" */
    rv = apr_global_mutex_lock(store_mutex);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      AC_LOGNO(1302) "cannot lock the cache mutex");
    return rv;
}

static void mutex_unlock(request_rec *r)
{
    apr_status_t rv;

    if (store_mutex && (rv = apr_global_mutex_unlock(store_mutex)))
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      AC_LOGNO(1303) "cannot unlock the cache mutex");
}

/* around one provider call: only where the provider is not MT-safe */
static apr_status_t store_lock(request_rec *r)
{
    return store_locks_calls ? mutex_lock(r) : APR_SUCCESS;
}

static void store_unlock(request_rec *r)
{
    if (store_locks_calls)
        mutex_unlock(r);
}

/* a plain read: locked only where the provider needs it */
apr_status_t authcache_store_read(request_rec *r, const unsigned char *key,
                                  unsigned int klen, unsigned char *buf,
                                  unsigned int *len)
{
    apr_status_t rv = store_lock(r);

    if (rv != APR_SUCCESS)
        return rv;
    rv = authcache_store_get_raw(r, key, klen, buf, len);
    store_unlock(r);
    return rv;
}

/* around a read-change-write: always */
apr_status_t authcache_store_lock(request_rec *r)
{
    return mutex_lock(r);
}

void authcache_store_unlock(request_rec *r)
{
    mutex_unlock(r);
}

/* a get and a put under the lock the caller holds */
static apr_status_t update_by_get_put(request_rec *r, const unsigned char *key,
                                      unsigned int klen, apr_time_t expires,
                                      unsigned char *buf, unsigned int cap,
                                      ac_shmht_update_fn *fn, void *baton)
{
    unsigned int len = cap;
    apr_status_t rv;

    if (authcache_store_get_raw(r, key, klen, buf, &len) != APR_SUCCESS)
        return APR_NOTFOUND;
    if ((rv = fn(baton, buf, len)) != APR_SUCCESS)
        return rv;
    return authcache_store_put_raw(r, key, klen, expires, buf, len);
}

apr_status_t authcache_store_update(request_rec *r, const unsigned char *key,
                                    unsigned int klen, apr_time_t expires,
                                    unsigned char *buf, unsigned int cap,
                                    ac_shmht_update_fn *fn, void *baton,
                                    apr_uint32_t *hint)
{
    apr_status_t rv;

    if (!store_inst)
        return APR_NOTFOUND;
    if ((rv = mutex_lock(r)) != APR_SUCCESS)
        return rv;
    /* the own table: one lookup instead of two, no copy through a pool */
    if (!store_is_shmht)
        rv = update_by_get_put(r, key, klen, expires, buf, cap, fn, baton);
    else if ((rv = authcache_shmht_update(store_inst, key, klen, expires, buf,
                                          cap, fn, baton, hint))
             == APR_ENOSPC)
        rv = APR_NOTFOUND;        /* a longer record: not one to read */
    mutex_unlock(r);
    return rv;
}

apr_status_t authcache_store_get_raw(request_rec *r, const unsigned char *key,
                                     unsigned int klen, unsigned char *buf,
                                     unsigned int *len)
{
    apr_status_t rv;

    if (!store_inst)
        return APR_NOTFOUND;
    rv = store_provider->retrieve(store_inst, r->server, key, klen, buf, len,
                                  r->pool);
    if (APR_STATUS_IS_NOTFOUND(rv))
        return APR_NOTFOUND;
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      AC_LOGNO(1304) "cache lookup failed");
    return rv;
}

apr_status_t authcache_store_put_raw(request_rec *r, const unsigned char *key,
                                     unsigned int klen, apr_time_t expires,
                                     unsigned char *buf, unsigned int len)
{
    apr_status_t rv;

    if (!store_inst)
        return APR_ENOTIMPL;
    rv = store_provider->store(store_inst, r->server, key, klen, expires, buf,
                               len, r->pool);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      AC_LOGNO(1305) "cannot store the cache entry");
    return rv;
}

apr_status_t authcache_store_remove_raw(request_rec *r,
                                        const unsigned char *key,
                                        unsigned int klen)
{
    apr_status_t rv;

    if (!store_inst)
        return APR_ENOTIMPL;
    rv = store_provider->remove(store_inst, r->server, key, klen, r->pool);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_NOTFOUND(rv))
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      AC_LOGNO(1306) "cannot remove a cache entry");
    return rv;
}

apr_status_t authcache_store_get(request_rec *r,
                                 const unsigned char key[AC_KEY_LEN],
                                 ac_token_t *t)
{
    unsigned int len = AC_TOKEN_LEN + AC_GROUPS_MAX + 1;
    unsigned char *buf = apr_palloc(r->pool, len);   /* t->groups points in */
    apr_status_t rv;

    if ((rv = store_lock(r)) != APR_SUCCESS)
        return rv;
    rv = authcache_store_get_raw(r, key, AC_KEY_LEN, buf, &len);
    store_unlock(r);
    if (rv != APR_SUCCESS)
        return rv;
    if (ac_token_decode(buf, len, t) != APR_SUCCESS) {
        /* another version's record, or damage: treat as absent */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      AC_LOGNO(1307) "ignoring unreadable cache entry");
        return APR_NOTFOUND;
    }
    return APR_SUCCESS;
}

apr_status_t authcache_store_put(request_rec *r,
                                 const unsigned char key[AC_KEY_LEN],
                                 const ac_token_t *t)
{
    apr_size_t len = ac_token_encoded_len(t);
    unsigned char *buf = apr_palloc(r->pool, len);
    apr_status_t rv;

    ac_token_encode(t, buf);
    if ((rv = store_lock(r)) != APR_SUCCESS)
        return rv;
    rv = authcache_store_put_raw(r, key, AC_KEY_LEN, t->expires, buf,
                                 (unsigned int)len);
    store_unlock(r);
    /* after the store: a reader that sees the new generation sees it */
    apr_atomic_inc32(&shared->generation);
    return rv;
}

apr_status_t authcache_store_remove(request_rec *r,
                                    const unsigned char key[AC_KEY_LEN])
{
    apr_status_t rv;

    if (!store_inst)
        return APR_NOTFOUND;
    if ((rv = store_lock(r)) != APR_SUCCESS)
        return rv;
    rv = store_provider->remove(store_inst, r->server, key, AC_KEY_LEN,
                                r->pool);
    store_unlock(r);
    /* a connection that verified the removed token must look again */
    apr_atomic_inc32(&shared->generation);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_NOTFOUND(rv))
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      AC_LOGNO(1308) "cannot remove the cache entry");
    return APR_STATUS_IS_NOTFOUND(rv) ? APR_NOTFOUND : rv;
}

void authcache_store_status(request_rec *r, int flags)
{
    if (!store_inst || store_lock(r) != APR_SUCCESS)
        return;
    store_provider->status(store_inst, r, flags);
    store_unlock(r);
}

apr_status_t authcache_store_stats(request_rec *r, ac_shmht_stats_t *st)
{
    apr_status_t rv;

    /* other providers' figures exist only as their status HTML */
    if (!store_inst || strcmp(store_provider->name, "authcache"))
        return APR_ENOTIMPL;
    if ((rv = store_lock(r)) != APR_SUCCESS)
        return rv;
    rv = authcache_shmht_stats(store_inst, st);
    store_unlock(r);
    return rv;
}

const char *authcache_store_describe(server_rec *s)
{
    authcache_server_config_rec *sconf =
        ap_get_module_config(s->module_config, &authcache_module);

    if (!store_inst)
        return "not in use";
    return sconf->socache_spec ? sconf->socache_spec
        : AUTHCACHE_DEFAULT_SOCACHE ":" AUTHCACHE_DEFAULT_SOCACHE_ARG;
}

static int store_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    store_provider = NULL;
    store_inst = NULL;
    store_mutex = NULL;
    store_locks_calls = 0;
    keyring = NULL;
    shared = NULL;
    counters = NULL;
    store_is_local = 0;
    store_is_private = 0;
    store_is_shmht = 0;
    return ap_mutex_register(pconf, AUTHCACHE_MUTEX_TYPE, NULL,
                             APR_LOCK_DEFAULT, 0);
}

/*
 * The secret: AuthCacheSecretFile's contents, or random bytes kept in
 * retained data so that a graceful restart keeps the cache's keys valid.
 */
static apr_status_t load_secret(authcache_server_config_rec *sconf,
                                server_rec *s, apr_pool_t *pconf,
                                apr_pool_t *ptemp)
{
    ac_keyring_t *kr;
    unsigned char *secret;
    apr_size_t len;
    apr_status_t rv;

    if (sconf->secret_file) {
        apr_file_t *f;
        apr_finfo_t fi;
        char buf[4096];

        rv = apr_file_open(&f, sconf->secret_file, APR_FOPEN_READ,
                           APR_OS_DEFAULT, ptemp);
        if (rv == APR_SUCCESS) {
            rv = apr_file_info_get(&fi, APR_FINFO_PROT, f);
            if (rv == APR_SUCCESS && (fi.protection & APR_WREAD))
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                             AC_LOGNO(1309) "AuthCacheSecretFile %s is world-readable; "
                             "anyone who reads it can forge cache keys",
                             sconf->secret_file);
            len = sizeof(buf);
            rv = apr_file_read_full(f, buf, sizeof(buf), &len);
            apr_file_close(f);
            if (rv == APR_EOF)
                rv = APR_SUCCESS;
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         AC_LOGNO(1310) "AuthCacheSecretFile: cannot read %s",
                         sconf->secret_file);
            return rv;
        }
        if (len < AC_SECRET_MIN) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         AC_LOGNO(1311) "AuthCacheSecretFile: %s holds %" APR_SIZE_T_FMT
                         " bytes; it needs at least %d (try: head -c 48 "
                         "/dev/urandom | base64 > FILE)",
                         sconf->secret_file, len, AC_SECRET_MIN);
            return APR_EINVAL;
        }
        rv = ac_keyring_create(&kr, (unsigned char *)buf, len, pconf);
    }
    else {
        secret = ap_retained_data_get(AUTHCACHE_SECRET_KEY);
        if (!secret) {
            secret = ap_retained_data_create(AUTHCACHE_SECRET_KEY,
                                             AC_SECRET_MIN);
            rv = apr_generate_random_bytes(secret, AC_SECRET_MIN);
            if (rv != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                             AC_LOGNO(1312) "cannot make a random secret");
                return rv;
            }
        }
        rv = ac_keyring_create(&kr, secret, AC_SECRET_MIN, pconf);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     AC_LOGNO(1313) "cannot set up HMAC-SHA-256 (OpenSSL)");
        return rv;
    }
    keyring = kr;
    return APR_SUCCESS;
}

static apr_status_t store_destroy(void *data)
{
    (void)data;
    if (store_inst)
        store_provider->destroy(store_inst, NULL);
    store_inst = NULL;
    return APR_SUCCESS;
}

/*
 * The mutex and the shared counters: this generation's are the first
 * start's. A Mutex directive changed later takes effect at the next full
 * stop and start.
 */
static apr_status_t make_kept(server_rec *s)
{
    authcache_kept_rec *kept = ap_retained_data_get(AUTHCACHE_KEPT_KEY);
    apr_pool_t *gp = s->process->pool;
    apr_shm_t *shm;
    apr_status_t rv;

    if (!kept)
        kept = ap_retained_data_create(AUTHCACHE_KEPT_KEY, sizeof(*kept));
    if (!kept->made) {
        rv = apr_shm_create(&shm, sizeof(*shared), NULL, gp);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         AC_LOGNO(1314) "cannot create shared memory for "
                         "counters");
            return rv;
        }
        rv = ap_global_mutex_create(&kept->mutex, NULL, AUTHCACHE_MUTEX_TYPE,
                                    NULL, s, gp, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         AC_LOGNO(1315) "cannot create the cache mutex "
                         "(see the Mutex directive)");
            apr_shm_destroy(shm);
            return rv;
        }
        kept->shared = apr_shm_baseaddr_get(shm);
        memset(kept->shared, 0, sizeof(*kept->shared));
        kept->shared->generation = 1;
        kept->made = 1;
    }
    store_mutex = kept->mutex;
    shared = kept->shared;
    counters = shared->counters;
    return APR_SUCCESS;
}

static int store_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    authcache_server_config_rec *sconf =
        ap_get_module_config(s->module_config, &authcache_module);
    /* the most numerous entries: 32-byte keys and 60-byte Basic tokens
     * (Digest: 17-byte keys, 61-byte windows, ~120-byte contexts) */
    struct ap_socache_hints hints = { 32, 60, apr_time_from_sec(60) };
    const char *err;
    apr_status_t rv;

    (void)plog;
    /*
     * Made whenever the module is loaded, used or not: .htaccess files,
     * read per request, may use it without any line in the main
     * configuration (the default store's pages cost nothing until used).
     */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;

    if (ac_crypto_init() != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     AC_LOGNO(1316) "OpenSSL lacks MD5, SHA-256, SHA-512/256, "
                     "HMAC, SipHash or AES-256-GCM");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (load_secret(sconf, s, pconf, ptemp) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;

    if ((rv = make_kept(s)) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;

    store_provider = sconf->socache;
    store_inst = sconf->socache_inst;
    if (!store_provider) {
        store_provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP,
                                            AUTHCACHE_DEFAULT_SOCACHE,
                                            AP_SOCACHE_PROVIDER_VERSION);
        if (!store_provider) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         AC_LOGNO(1317) "the default cache provider "
                         "'" AUTHCACHE_DEFAULT_SOCACHE "' is missing");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        err = store_provider->create(&store_inst,
                                     AUTHCACHE_DEFAULT_SOCACHE_ARG,
                                     ptemp, pconf);
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         AC_LOGNO(1318) "default cache: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    /* stores that live on this host only; others may be shared */
    store_is_local = !strcmp(store_provider->name, "shmcb")
                     || !strcmp(store_provider->name, "authcache")
                     || !strcmp(store_provider->name, "dbm");
    /* shared memory made before the fork: a dbm file, by contrast, can be
     * written by anything running as httpd's user (CGI scripts) */
    store_is_shmht = !strcmp(store_provider->name, "authcache");
    store_is_private = !strcmp(store_provider->name, "shmcb")
                       || store_is_shmht;

    store_locks_calls = (store_provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE)
                        != 0;

    rv = store_provider->init(store_inst, "authcache", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     AC_LOGNO(1319) "cannot initialise the cache (%s)",
                     authcache_store_describe(s));
        store_inst = NULL;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, NULL, store_destroy,
                              apr_pool_cleanup_null);
    return OK;
}

static void store_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv;

    if (!store_mutex)
        return;
    rv = apr_global_mutex_child_init(&store_mutex,
                                     apr_global_mutex_lockfile(store_mutex),
                                     p);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     AC_LOGNO(1320) "cannot attach to the cache mutex in child");
}

void authcache_store_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(store_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(store_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(store_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}
