/* SPDX-License-Identifier: Apache-2.0 */
/*
 * H(A1) from the backends: AuthCacheDigestUserFile (user:realm:ALG:hex
 * lines, any algorithm, userhash), then for MD5 the realm hashes of the
 * providers named by AuthCacheDigestProvider (htdigest files, dbm, ...).
 */
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "mod_auth.h"

#include "authcache_digest.h"

APLOG_USE_MODULE(authcache);

typedef struct {
    authcache_digest_req *q;
    const char *realm;
} find_t;

static apr_status_t match_line(request_rec *r, char **f, void *baton)
{
    find_t *w = baton;
    const ac_digest_req_t *d = &w->q->d;
    char uh[AUTHCACHE_DIGEST_HEX_MAX];
    ac_digest_alg_e a;
    int sess;

    if (strcmp(f[1], w->realm) || ac_digest_alg_parse(f[2], &a, &sess)
        != APR_SUCCESS || sess || a != d->alg
        || strlen(f[3]) != ac_digest_hex_len(d->alg))
        return APR_NOTFOUND;
    if (d->userhash
        ? ac_digest_userhash(d->alg, f[0], w->realm, uh) != APR_SUCCESS
          || !authcache_digest_hex_same(uh, d->username)
        : strcmp(f[0], d->username))
        return APR_NOTFOUND;
    w->q->user = apr_pstrdup(r->pool, f[0]);
    apr_cpystrn(w->q->ha1, f[3], sizeof(w->q->ha1));
    return APR_SUCCESS;
}

static apr_status_t from_providers(authcache_digest_req *q, const char *realm)
{
    request_rec *r = q->r;
    const authcache_backend_rec *b =
        (const authcache_backend_rec *)q->conf->digest_providers->elts;
    char *hash;
    int i;

    if (q->d.alg != AC_DIGEST_MD5 || q->d.userhash)
        return APR_NOTFOUND;   /* realm hashes are MD5 of the plain name */
    for (i = 0; i < q->conf->digest_providers->nelts; i++) {
        authn_status st;

        apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, b[i].name);
        st = b[i].provider->get_realm_hash(r, q->d.username, realm, &hash);
        apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
        if (st == AUTH_USER_FOUND && strlen(hash) == 32) {
            q->user = q->d.username;
            apr_cpystrn(q->ha1, hash, sizeof(q->ha1));
            return APR_SUCCESS;
        }
        if (st == AUTH_GENERAL_ERROR)
            return APR_EGENERAL;
    }
    return APR_NOTFOUND;
}

apr_status_t authcache_digest_lookup_ha1(authcache_digest_req *q)
{
    const char *realm = ap_auth_name(q->r);
    find_t w = { q, realm ? realm : "" };
    apr_status_t rv;

    authcache_count(AUTHCACHE_C_digest_logons);
    if (q->conf->digest_user_file) {
        rv = authcache_userfile_find(q->r, q->conf->digest_user_file, 4,
                                     match_line, &w);
        if (!APR_STATUS_IS_NOTFOUND(rv)) {
            if (rv != APR_SUCCESS)
                ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r,
                              AC_LOGNO(0501) "cannot read "
                              "AuthCacheDigestUserFile %s",
                              q->conf->digest_user_file);
            return rv;
        }
    }
    return from_providers(q, w.realm);
}
