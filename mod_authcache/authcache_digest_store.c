/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digest records in the store (key layout in ac_digest_ctx.h): a sealed
 * context per opaque, written once at logon; its replay window, read,
 * changed and written back on every request under the store lock; and
 * per user a roster of the contexts they hold, so that one account cannot
 * push everyone else's contexts out of the store.
 */
#include <openssl/crypto.h>

#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include "authcache_digest.h"

APLOG_USE_MODULE(authcache);

#define DIGEST_CTX_MAX 2048           /* largest sealed context read back */

apr_status_t authcache_digest_context_get(authcache_digest_req *q)
{
    authcache_digest_conn *k = q->k;
    unsigned char key[AC_DIGEST_STORE_KEY_LEN], buf[DIGEST_CTX_MAX];
    unsigned int blen = sizeof(buf);
    const char *why;
    apr_status_t rv;

    if (!strcmp(k->opaque, q->d.opaque) && k->ctx.expires > q->now) {
        q->cached = &k->ctx;
        return APR_SUCCESS;
    }
    /* a sealed context is written once: no read-change-write lock */
    if (ac_digest_store_key(q->d.opaque, 'D', key) != APR_SUCCESS)
        return APR_NOTFOUND;
    rv = authcache_store_read(q->r, key, sizeof(key), buf, &blen);
    if (rv != APR_SUCCESS)
        return APR_NOTFOUND;
    k->opaque[0] = '\0';
    OPENSSL_cleanse(k->ctx.ha1, sizeof(k->ctx.ha1));
    apr_pool_clear(k->pool);
    if (ac_digest_ctx_open(k->ctx_key, q->d.opaque, buf, blen, k->pool,
                           &k->ctx, &why) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, q->r,
                      AC_LOGNO(0401) "ignoring a Digest context: %s", why);
        return APR_NOTFOUND;
    }
    if (k->ctx.expires <= q->now)
        return APR_NOTFOUND;
    apr_cpystrn(k->opaque, q->d.opaque, sizeof(k->opaque));
    q->cached = &k->ctx;
    return APR_SUCCESS;
}

/*
 * The replay window of q's opaque: nc accepted once and written back.
 * With a context the window exists from its logon on, so a missing one
 * (evicted) means the counts seen are lost: *lost, nothing accepted.
 */
static apr_status_t window_accept(authcache_digest_req *q, int *lost,
                                  const char **why)
{
    const ac_digest_req_t *d = &q->d;
    unsigned char wkey[AC_DIGEST_STORE_KEY_LEN];
    unsigned char buf[AC_DIGEST_WINDOW_LEN + 1];
    unsigned int blen = sizeof(buf);
    /* a MAC only where something besides this server can write the store */
    ac_mac_t *wmac = authcache_store_is_private() ? NULL : q->k->mac;
    apr_time_t expires = q->cached ? q->cached->expires : q->fresh.expires;
    ac_digest_window_t w;
    apr_status_t rv;

    if (ac_digest_store_key(d->opaque, 'W', wkey) != APR_SUCCESS)
        return APR_EINVAL;
    rv = authcache_store_get_raw(q->r, wkey, sizeof(wkey), buf, &blen);
    if (rv == APR_SUCCESS
        && ac_digest_window_decode(wmac, d->opaque, buf, blen, &w, why)
           != APR_SUCCESS)
        rv = APR_NOTFOUND;
    if (rv != APR_SUCCESS) {
        if (q->cached) {
            *lost = 1;
            *why = "lost from the store";
            return APR_EINVAL;
        }
        memset(&w, 0, sizeof(w));
        apr_cpystrn(w.nonce, d->nonce, sizeof(w.nonce));
    }
    else if (strcmp(w.nonce, d->nonce)) {
        /* only forward: an older nonce would reopen its counts */
        if (ac_digest_nonce_time(d->nonce) < ac_digest_nonce_time(w.nonce)) {
            *lost = 1;
            *why = "a nonce older than the one in use";
            return APR_EINVAL;
        }
        memset(&w.nc, 0, sizeof(w.nc));
        apr_cpystrn(w.nonce, d->nonce, sizeof(w.nonce));
    }
    if ((rv = ac_digest_nc_accept(&w.nc, d->nc, why)) != APR_SUCCESS)
        return rv;
    if ((rv = ac_digest_window_encode(wmac, d->opaque, &w, buf))
        == APR_SUCCESS)
        rv = authcache_store_put_raw(q->r, wkey, sizeof(wkey), expires, buf,
                                     AC_DIGEST_WINDOW_LEN);
    if (rv != APR_SUCCESS) {
        authcache_count(AUTHCACHE_C_store_errors);
        *why = "the replay window could not be stored";
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

/* The user's roster (empty when there is none or it does not read). */
static void roster_get(authcache_digest_req *q,
                       const unsigned char rkey[AC_DIGEST_STORE_KEY_LEN],
                       ac_digest_roster_t *ro)
{
    unsigned char buf[AC_DIGEST_ROSTER_LEN(AC_DIGEST_ROSTER_MAX,
                                           AC_DIGEST_ROSTER_MAX) + 1];
    unsigned int blen = sizeof(buf);

    if (authcache_store_get_raw(q->r, rkey, AC_DIGEST_STORE_KEY_LEN, buf,
                                &blen) != APR_SUCCESS
        || ac_digest_roster_decode(buf, blen, ro) != APR_SUCCESS)
        memset(ro, 0, sizeof(*ro));
}

/*
 * The user's roster gains this context; past AuthCacheDigestMaxContexts
 * the one expiring first goes, with its window; the roster remembers it
 * for AUTHCACHE_DIGEST_DROPPED_REMEMBERED, so that its captured first
 * answer is not taken for a new logon.
 */
static void roster_enter(authcache_digest_req *q,
                         const unsigned char rkey[AC_DIGEST_STORE_KEY_LEN],
                         ac_digest_roster_t *ro)
{
    unsigned char buf[AC_DIGEST_ROSTER_LEN(AC_DIGEST_ROSTER_MAX,
                                           AC_DIGEST_ROSTER_MAX)];
    unsigned char key[AC_DIGEST_STORE_KEY_LEN], gone[16];
    unsigned int blen;

    if (ac_digest_store_key(q->d.opaque, 'D', key) != APR_SUCCESS)
        return;
    if (ac_digest_roster_add(ro, key, q->fresh.expires, q->now,
                             (unsigned int)q->conf->digest_max_contexts,
                             AUTHCACHE_DIGEST_DROPPED_REMEMBERED, gone)) {
        memcpy(key, gone, sizeof(gone));
        authcache_store_remove_raw(q->r, key, sizeof(key));
        key[AC_DIGEST_STORE_KEY_LEN - 1] = 'W';
        authcache_store_remove_raw(q->r, key, sizeof(key));
        authcache_count(AUTHCACHE_C_digest_user_evictions);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r,
                      AC_LOGNO(0402) "%s holds AuthCacheDigestMaxContexts (%d) "
                      "Digest contexts: the oldest is dropped",
                      q->fresh.user, q->conf->digest_max_contexts);
    }
    blen = (unsigned int)ac_digest_roster_encode(ro, buf);
    if (authcache_store_put_raw(q->r, rkey, AC_DIGEST_STORE_KEY_LEN,
                                q->now + q->conf->digest_context_ttl, buf,
                                blen) != APR_SUCCESS)
        authcache_count(AUTHCACHE_C_store_errors);
}

/* After a logon: the context sealed into the store under its opaque. */
static void context_put(authcache_digest_req *q,
                        const unsigned char rkey[AC_DIGEST_STORE_KEY_LEN],
                        ac_digest_roster_t *ro)
{
    unsigned char iv[AC_DIGEST_IV_LEN], key[AC_DIGEST_STORE_KEY_LEN];
    unsigned char *sealed;
    apr_size_t slen;
    apr_status_t rv = ac_digest_store_key(q->d.opaque, 'D', key);

    if (rv == APR_SUCCESS)
        rv = apr_generate_random_bytes(iv, sizeof(iv));
    if (rv == APR_SUCCESS)
        rv = ac_digest_ctx_seal(q->k->ctx_key, q->d.opaque, &q->fresh, iv,
                                q->r->pool, &sealed, &slen);
    if (rv == APR_SUCCESS)
        rv = authcache_store_put_raw(q->r, key, sizeof(key),
                                     q->fresh.expires, sealed,
                                     (unsigned int)slen);
    if (rv != APR_SUCCESS) {
        authcache_count(AUTHCACHE_C_store_errors);
        return;
    }
    roster_enter(q, rkey, ro);
}

apr_status_t authcache_digest_commit(authcache_digest_req *q, int *lost,
                                     const char **why)
{
    apr_status_t rv;

    unsigned char rkey[AC_DIGEST_STORE_KEY_LEN], opq[AC_DIGEST_STORE_KEY_LEN];
    ac_digest_roster_t *ro = NULL;

    *lost = 0;
    if (!q->cached) {
        ro = apr_palloc(q->r->pool, sizeof(*ro));
        if (ac_digest_roster_key(q->k->mac, q->fresh.realm, q->fresh.user,
                                 rkey) != APR_SUCCESS
            || ac_digest_store_key(q->d.opaque, 'D', opq) != APR_SUCCESS)
            return APR_EGENERAL;
    }
    if (authcache_store_lock(q->r) != APR_SUCCESS)
        return APR_EGENERAL;
    if (ro) {
        roster_get(q, rkey, ro);
        if (ac_digest_roster_dropped(ro, opq, q->now)) {
            /* a first answer to a context its user's roster dropped */
            authcache_store_unlock(q->r);
            *lost = 1;
            *why = "its context was dropped (AuthCacheDigestMaxContexts)";
            return APR_EINVAL;
        }
    }
    rv = window_accept(q, lost, why);
    if (rv == APR_SUCCESS && ro)
        context_put(q, rkey, ro);
    authcache_store_unlock(q->r);
    return rv;
}
