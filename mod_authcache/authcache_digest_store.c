/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digest records in the store (key layout in ac_digest_ctx.h): a sealed
 * context per opaque, written once at logon; its replay window, read,
 * changed and written back on every request under the store lock (one
 * update in place in the module's own store); and
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
    memcpy(k->wkey, key, sizeof(key));
    k->wkey[AC_DIGEST_STORE_KEY_LEN - 1] = 'W';
    k->whash = 0;
    q->cached = &k->ctx;
    return APR_SUCCESS;
}

/* a MAC only where something besides this server can write the store */
static ac_mac_t *window_mac(const authcache_digest_req *q)
{
    return authcache_store_is_private() ? NULL : q->k->mac;
}

/*
 * nc taken in the window w of q's opaque; a newer nonce starts its
 * counts afresh, an older one would reopen its counts: *lost.
 */
static apr_status_t window_take(const authcache_digest_req *q,
                                ac_digest_window_t *w, int *lost,
                                const char **why)
{
    const ac_digest_req_t *d = &q->d;

    if (strcmp(w->nonce, d->nonce)) {
        if (ac_digest_nonce_time(d->nonce) < ac_digest_nonce_time(w->nonce)) {
            *lost = 1;
            *why = "a nonce older than the one in use";
            return APR_EINVAL;
        }
        memset(&w->nc, 0, sizeof(w->nc));
        apr_cpystrn(w->nonce, d->nonce, sizeof(w->nonce));
    }
    return ac_digest_nc_accept(&w->nc, d->nc, why);
}

/* A cached context's window on its way through authcache_store_update. */
typedef struct {
    const authcache_digest_req *q;
    int called, lost;
    const char *why;
    apr_status_t rv;
} window_change_rec;

/* ac_shmht_update_fn: the stored window decoded, taken, encoded back */
static apr_status_t window_change(void *baton, unsigned char *buf,
                                  apr_size_t len)
{
    window_change_rec *b = baton;
    ac_mac_t *wmac = window_mac(b->q);
    ac_digest_window_t w;

    b->called = 1;
    if (ac_digest_window_decode(wmac, b->q->d.opaque, buf, len, &w, &b->why)
        != APR_SUCCESS) {
        b->lost = 1;
        b->why = "lost from the store";
        return b->rv = APR_EINVAL;
    }
    if ((b->rv = window_take(b->q, &w, &b->lost, &b->why)) == APR_SUCCESS)
        b->rv = ac_digest_window_encode(wmac, b->q->d.opaque, &w, buf);
    return b->rv;
}

/*
 * A cached context's window, which exists from its logon on: nc taken
 * in one store call (see authcache_store_update). A missing one
 * (evicted) means the counts seen are lost: *lost, nothing accepted.
 */
static apr_status_t window_advance(authcache_digest_req *q, int *lost,
                                   const char **why)
{
    window_change_rec b = { q, 0, 0, NULL, APR_SUCCESS };
    unsigned char buf[AC_DIGEST_WINDOW_LEN + 1];
    apr_status_t rv;

    rv = authcache_store_update(q->r, q->k->wkey, sizeof(q->k->wkey),
                                q->cached->expires, buf, sizeof(buf),
                                window_change, &b, &q->k->whash);
    if (!b.called) {
        if (rv != APR_NOTFOUND)
            return APR_EGENERAL;            /* the lock */
        *lost = 1;
        *why = "lost from the store";
        return APR_EINVAL;
    }
    if (b.rv != APR_SUCCESS) {
        *lost = b.lost;
        *why = b.why;
        return b.rv;
    }
    if (rv != APR_SUCCESS) {
        authcache_count(AUTHCACHE_C_store_errors);
        *why = "the replay window could not be stored";
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

/*
 * After a logon, under the store lock: the window of q's opaque (none
 * yet, or one a replay of this first answer finds) takes nc and is
 * written back.
 */
static apr_status_t window_accept(authcache_digest_req *q, int *lost,
                                  const char **why)
{
    const ac_digest_req_t *d = &q->d;
    unsigned char wkey[AC_DIGEST_STORE_KEY_LEN];
    unsigned char buf[AC_DIGEST_WINDOW_LEN + 1];
    unsigned int blen = sizeof(buf);
    ac_mac_t *wmac = window_mac(q);
    ac_digest_window_t w;
    apr_status_t rv;

    if (ac_digest_store_key(d->opaque, 'W', wkey) != APR_SUCCESS)
        return APR_EINVAL;
    rv = authcache_store_get_raw(q->r, wkey, sizeof(wkey), buf, &blen);
    if (rv != APR_SUCCESS
        || ac_digest_window_decode(wmac, d->opaque, buf, blen, &w, why)
           != APR_SUCCESS) {
        memset(&w, 0, sizeof(w));
        apr_cpystrn(w.nonce, d->nonce, sizeof(w.nonce));
    }
    if ((rv = window_take(q, &w, lost, why)) != APR_SUCCESS)
        return rv;
    if ((rv = ac_digest_window_encode(wmac, d->opaque, &w, buf))
        == APR_SUCCESS)
        rv = authcache_store_put_raw(q->r, wkey, sizeof(wkey),
                                     q->fresh.expires, buf,
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
    unsigned char rkey[AC_DIGEST_STORE_KEY_LEN], opq[AC_DIGEST_STORE_KEY_LEN];
    ac_digest_roster_t *ro;
    apr_status_t rv;

    *lost = 0;
    if (q->cached)
        return window_advance(q, lost, why);
    ro = apr_palloc(q->r->pool, sizeof(*ro));
    if (ac_digest_roster_key(q->k->mac, q->fresh.realm, q->fresh.user,
                             rkey) != APR_SUCCESS
        || ac_digest_store_key(q->d.opaque, 'D', opq) != APR_SUCCESS)
        return APR_EGENERAL;
    if (authcache_store_lock(q->r) != APR_SUCCESS)
        return APR_EGENERAL;
    roster_get(q, rkey, ro);
    if (ac_digest_roster_dropped(ro, opq, q->now)) {
        /* a first answer to a context its user's roster dropped */
        authcache_store_unlock(q->r);
        *lost = 1;
        *why = "its context was dropped (AuthCacheDigestMaxContexts)";
        return APR_EINVAL;
    }
    rv = window_accept(q, lost, why);
    if (rv == APR_SUCCESS)
        context_put(q, rkey, ro);
    authcache_store_unlock(q->r);
    return rv;
}
