/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Purges: an administrator drops one user's cached credentials, or all,
 * by POST to the status handler (authcache-status).
 *
 * Basic keys are HMACs of (context, name), so a user's tokens cannot be
 * found to delete them; Digest contexts are keyed by opaque and NTLM
 * credentials live in other processes' connections. So nothing is
 * deleted: a purge record in shared memory (a global purge time, and per
 * user the time of the last purge, keyed by a hash of the lower-cased
 * name) is checked at every use against the credential's creation time,
 * and a credential made before is refused from the cache at once, in
 * every process: Basic asks the backend, Digest challenges, NTLM logs on
 * again. The check costs nothing until a purge was made.
 *
 * The record is this server's: a server farm sharing a store purges on
 * every server. Made at the first start, kept across graceful restarts.
 */
#include "apr_atomic.h"
#include "apr_shm.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_script.h"

#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

#define PURGE_KEPT_KEY "mod_authcache-purge"
/* a power of two; at most PURGE_MAX_USERS are held, then the table is
 * folded into a global purge (conservative: nobody keeps a credential
 * made before a purge) */
#define PURGE_SLOTS     4096
#define PURGE_MAX_USERS (PURGE_SLOTS / 4 * 3)
/* the longest name accepted ("DOMAIN\user") */
#define PURGE_NAME_MAX  512
/* what a non-browser client sends instead of a same-origin Origin */
#define PURGE_HEADER    "X-Authcache-Purge"

typedef struct {
    volatile apr_uint64_t hash;        /* 0: empty */
    volatile apr_uint64_t at;          /* apr_time_t of the last purge */
} purge_slot;

typedef struct {
    volatile apr_uint64_t all_at;      /* global purge time; 0: none */
    volatile apr_uint32_t used;        /* slots taken; 0 with all_at 0:
                                        * no purge since the start */
    purge_slot slots[PURGE_SLOTS];
} purge_shared;

static purge_shared *purges;

/*
 * The purge key of a name: FNV-1a over "domain\user" lower-cased (ASCII
 * case only), or over "user" alone (sep 0, no domain): the user in every
 * domain. A collision purges one more user, nothing worse. Never 0, the
 * empty slot.
 */
static apr_uint64_t purge_hash(const char *domain, apr_size_t dlen, int sep,
                               const char *user, apr_size_t ulen)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037);
    apr_size_t i;

    for (i = 0; i < dlen; i++)
        h = (h ^ (unsigned char)apr_tolower(domain[i]))
            * APR_UINT64_C(1099511628211);
    if (sep)
        h = (h ^ '\\') * APR_UINT64_C(1099511628211);
    for (i = 0; i < ulen; i++)
        h = (h ^ (unsigned char)apr_tolower(user[i]))
            * APR_UINT64_C(1099511628211);
    return h ? h : 1;
}

/* the time of the last purge of hash h, 0 when none */
static apr_time_t purge_time(apr_uint64_t h)
{
    apr_uint32_t i = (apr_uint32_t)h & (PURGE_SLOTS - 1), n;
    apr_uint64_t sh;

    for (n = 0; n < PURGE_SLOTS; n++, i = (i + 1) & (PURGE_SLOTS - 1)) {
        sh = apr_atomic_read64(&purges->slots[i].hash);
        if (!sh)
            return 0;
        if (sh == h)
            return (apr_time_t)apr_atomic_read64(&purges->slots[i].at);
    }
    return 0;
}

int authcache_purged(const char *user, apr_size_t ulen, const char *domain,
                     apr_size_t dlen, apr_time_t made)
{
    apr_time_t all;

    if (!purges)
        return 0;
    all = (apr_time_t)apr_atomic_read64(&purges->all_at);
    if (!all && !apr_atomic_read32(&purges->used))
        return 0;                      /* no purge yet: the usual case */
    if (made <= all)
        return 1;
    /* "user" purges the user in every domain */
    if (made <= purge_time(purge_hash(NULL, 0, 0, user, ulen)))
        return 1;
    /* "DOMAIN\user" that domain's, and those of the name without a domain
     * (Digest, Basic without AuthCacheDefaultDomain), which cannot be
     * told apart: the key "\user" */
    return made <= purge_time(purge_hash(domain, dlen, 1, user, ulen));
}

/* Everything made up to now is refused. Under the store lock. */
static void purge_all_locked(apr_time_t now)
{
    apr_uint32_t i;

    /* first the global time, which covers every entry cleared after it */
    apr_atomic_set64(&purges->all_at, (apr_uint64_t)now);
    for (i = 0; i < PURGE_SLOTS; i++)
        apr_atomic_set64(&purges->slots[i].hash, 0);
    apr_atomic_set32(&purges->used, 0);
}

/* Records a purge of key h at now. Under the store lock. */
static void purge_key_locked(apr_uint64_t h, apr_time_t now)
{
    apr_uint32_t i = (apr_uint32_t)h & (PURGE_SLOTS - 1);

    for (;; i = (i + 1) & (PURGE_SLOTS - 1)) {
        apr_uint64_t sh = apr_atomic_read64(&purges->slots[i].hash);

        if (sh == h) {
            apr_atomic_set64(&purges->slots[i].at, (apr_uint64_t)now);
            return;
        }
        if (!sh)
            break;
    }
    if (apr_atomic_read32(&purges->used) >= PURGE_MAX_USERS) {
        purge_all_locked(now);
        return;
    }
    /* the time before the hash: a reader that finds the hash sees it */
    apr_atomic_set64(&purges->slots[i].at, (apr_uint64_t)now);
    apr_atomic_set64(&purges->slots[i].hash, h);
    apr_atomic_inc32(&purges->used);
}

/* name is "user" or "DOMAIN\user". Under the store lock. */
static void purge_user_locked(const char *name, apr_time_t now)
{
    const char *bs = strchr(name, '\\');

    if (!bs) {
        purge_key_locked(purge_hash(NULL, 0, 0, name, strlen(name)), now);
        return;
    }
    purge_key_locked(purge_hash(name, bs - name, 1, bs + 1, strlen(bs + 1)),
                     now);
    /* the name's credentials that have no domain */
    if (bs != name)
        purge_key_locked(purge_hash(NULL, 0, 1, bs + 1, strlen(bs + 1)),
                         now);
}

/*
 * A cross-site page must not make an administrator's browser purge: a
 * browser's POST carries Origin, which must be this server's own; a
 * client without Origin (curl, tools/authcache-purge) sends the custom
 * header, which a cross-site form cannot set.
 */
static const char *purge_cross_site(request_rec *r)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *host = apr_table_get(r->headers_in, "Host");
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");

    if (site && strcmp(site, "same-origin") && strcmp(site, "none"))
        return "Sec-Fetch-Site is not same-origin";
    if (origin) {
        if (!host || strcasecmp(origin, apr_pstrcat(r->pool,
                                                    ap_http_scheme(r), "://",
                                                    host, NULL)))
            return "Origin is another site";
        return NULL;
    }
    if (!apr_table_get(r->headers_in, PURGE_HEADER))
        return "neither a same-origin Origin nor " PURGE_HEADER;
    return NULL;
}

/* "user=NAME" or "all=1" of a form body: 1 for all, the name in *name */
static int purge_form(request_rec *r, const char **name)
{
    apr_array_header_t *pairs = NULL;
    int all = 0;

    *name = NULL;
    if (ap_parse_form_data(r, NULL, &pairs, 16, 4096) != OK || !pairs)
        return 0;
    while (pairs->nelts) {
        ap_form_pair_t *pair = (ap_form_pair_t *)apr_array_pop(pairs);
        apr_off_t len;
        apr_size_t size;
        char *v;

        apr_brigade_length(pair->value, 1, &len);
        if (len < 0 || len > PURGE_NAME_MAX)
            continue;
        size = (apr_size_t)len;
        v = apr_palloc(r->pool, size + 1);
        apr_brigade_flatten(pair->value, v, &size);
        v[size] = '\0';
        if (!strcmp(pair->name, "all") && !strcmp(v, "1"))
            all = 1;
        else if (!strcmp(pair->name, "user") && *v && strlen(v) == size)
            *name = v;
    }
    return all;
}

int authcache_purge_handler(request_rec *r)
{
    const char *why, *name;
    apr_time_t now;
    int all;

    if ((why = purge_cross_site(r))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      AC_LOGNO(1001) "purge refused from %s: %s",
                      r->useragent_ip, why);
        return HTTP_FORBIDDEN;
    }
    all = purge_form(r, &name);
    if (!all && !name)
        return HTTP_BAD_REQUEST;
    if (!purges || authcache_store_lock(r) != APR_SUCCESS)
        return HTTP_SERVICE_UNAVAILABLE;
    now = apr_time_now();
    if (all)
        purge_all_locked(now);
    else
        purge_user_locked(name, now);
    authcache_store_unlock(r);
    authcache_count(all ? AUTHCACHE_C_purges_all : AUTHCACHE_C_purges_user);
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                  AC_LOGNO(1002) "purged the cached credentials of %s "
                  "(asked by %s from %s)", all ? "every user" : name,
                  r->user ? r->user : "-", r->useragent_ip);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    ap_set_content_type(r, "text/plain; charset=UTF-8");
    ap_rprintf(r, "purged %s\n", all ? "all" : name);
    return OK;
}

static int purge_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    purge_shared **kept;
    apr_shm_t *shm;
    apr_status_t rv;

    (void)pconf;
    (void)plog;
    (void)ptemp;
    purges = NULL;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    kept = ap_retained_data_get(PURGE_KEPT_KEY);
    if (!kept) {
        kept = ap_retained_data_create(PURGE_KEPT_KEY, sizeof(*kept));
        *kept = NULL;
    }
    if (!*kept) {
        rv = apr_shm_create(&shm, sizeof(purge_shared), NULL,
                            s->process->pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         AC_LOGNO(1003) "cannot create shared memory for "
                         "purges");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        *kept = apr_shm_baseaddr_get(shm);
        memset(*kept, 0, sizeof(purge_shared));
    }
    purges = *kept;
    return OK;
}

void authcache_purge_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(purge_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}
