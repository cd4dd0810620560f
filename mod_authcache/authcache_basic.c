/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "authcache" authn provider: a Basic access-token cache in front of
 * the real providers named by AuthCacheProvider.
 *
 *   miss                     -> ask the backends; store only if one grants
 *   hit, password matches    -> grant, no backend call
 *   hit, password differs    -> ask the backends; replace the entry if one
 *                               grants (the old password stops working at
 *                               once), keep it if they deny
 * Failed logins never create or evict entries.
 */
#include "apr_strings.h"
#include "ap_provider.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "mod_auth.h"

#include "mod_authcache.h"
#include "ac_basic.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

/*
 * Entries of different scopes (authcache_scope.c: virtual host, the
 * sections that configure authentication) are kept apart unless
 * AuthCacheContext names a shared context.
 */
static const char *basic_context(request_rec *r,
                                 const authcache_dir_config_rec *conf)
{
    return conf->context ? conf->context
                         : apr_pstrcat(r->pool, "scope:", authcache_scope(r),
                                       NULL);
}

/* Asks the backends in order, as AuthBasicProvider would. */
static authn_status ask_backends(request_rec *r,
                                 const authcache_dir_config_rec *conf,
                                 const char *user, const char *password)
{
    const authcache_backend_rec *b =
        (const authcache_backend_rec *)conf->providers->elts;
    authn_status st = AUTH_USER_NOT_FOUND;
    int i;

    for (i = 0; i < conf->providers->nelts; i++) {
        /* providers such as mod_authn_socache read this note */
        apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, b[i].name);
        authcache_count(AUTHCACHE_C_backend_calls);
        st = b[i].provider->check_password(r, user, password);
        apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
        if (st != AUTH_USER_NOT_FOUND)
            break;
    }
    return st;
}

/*
 * Stores a token for the password a backend just granted. When that
 * fails, whatever entry the key had is removed: it may hold the password
 * before a change, which must not go on working from the cache.
 */
static void seal_and_store(request_rec *r, ac_mac_t *m,
                           const unsigned char key[AC_KEY_LEN],
                           const char *password, apr_interval_time_t ttl,
                           int replacing)
{
    unsigned char salt[AC_SALT_LEN];
    apr_time_t now = apr_time_now();
    ac_token_t t;
    apr_status_t rv;

    /* what the backend said about the user (winbind: the groups) */
    const char *groups = apr_table_get(r->notes, AUTHCACHE_VAR_GROUPS);

    rv = apr_generate_random_bytes(salt, sizeof(salt));
    if (rv == APR_SUCCESS)
        rv = ac_token_seal(m, key, password, strlen(password), salt, now,
                           now + ttl, groups,
                           groups ? strlen(groups) : 0, &t);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      AC_LOGNO(0101) "cannot seal a token for %s", r->user);
    else
        rv = authcache_store_put(r, key, &t);
    if (rv == APR_SUCCESS) {
        authcache_count(replacing ? AUTHCACHE_C_replacements
                                  : AUTHCACHE_C_stores);
        return;
    }
    authcache_count(AUTHCACHE_C_store_errors);
    rv = authcache_store_remove(r, key);
    if (rv == APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      AC_LOGNO(0102) "the new token for %s could not be stored: "
                      "its old entry is removed", r->user);
    else if (!APR_STATUS_IS_NOTFOUND(rv))
        ap_log_rerror(APLOG_MARK, APLOG_CRIT, rv, r,
                      AC_LOGNO(0103) "the old entry for %s could be neither "
                      "replaced nor removed: its old password may go on "
                      "working from the cache until its TTL", r->user);
}

/*
 * Finds the token for name: the one this connection verified last when
 * nothing was stored since (no lock, no store read), else the store's.
 */
static apr_status_t find_token(request_rec *r, authcache_conn_rec *cc,
                               const char *user, const char *context,
                               const ac_name_t *name, apr_uint32_t gen,
                               unsigned char key[AC_KEY_LEN], ac_token_t *t,
                               int *from_conn)
{
    apr_status_t rv;

    *from_conn = gen && cc->basic_valid && cc->basic_generation == gen
                 && !strcmp(cc->basic_user, user)
                 && cc->basic_domain_len == name->domain_len
                 && !memcmp(cc->basic_domain, name->domain, name->domain_len)
                 && !strcmp(cc->basic_context, context);
    if (*from_conn) {
        memcpy(key, cc->basic_key, AC_KEY_LEN);
        *t = cc->basic_token;
        return APR_SUCCESS;
    }
    rv = ac_cache_key(cc->mac, context, name, key);
    return rv == APR_SUCCESS ? authcache_store_get(r, key, t) : rv;
}

static void remember_token(request_rec *r, authcache_conn_rec *cc,
                           const char *user,
                           const ac_name_t *name, const char *context,
                           const unsigned char key[AC_KEY_LEN],
                           const ac_token_t *t, apr_uint32_t gen)
{
    if (!cc->basic_pool) {
        if (apr_pool_create(&cc->basic_pool, r->connection->pool)
            != APR_SUCCESS)
            return;             /* not remembered: the store is asked */
        apr_pool_tag(cc->basic_pool, "authcache_conn");
    }
    apr_pool_clear(cc->basic_pool);
    cc->basic_user = apr_pstrdup(cc->basic_pool, user);
    cc->basic_domain = apr_pstrmemdup(cc->basic_pool, name->domain,
                                      name->domain_len);
    cc->basic_domain_len = name->domain_len;
    cc->basic_context = apr_pstrdup(cc->basic_pool, context);
    memcpy(cc->basic_key, key, AC_KEY_LEN);
    cc->basic_token = *t;
    /* the token's groups point into the request's memory: keep a copy */
    cc->basic_token.groups = t->groups_len
        ? apr_pstrmemdup(cc->basic_pool, t->groups, t->groups_len) : NULL;
    cc->basic_generation = gen;
    cc->basic_valid = gen != 0;
}

static authn_status basic_check_password(request_rec *r, const char *user,
                                         const char *password)
{
    authcache_dir_config_rec *conf =
        ap_get_module_config(r->per_dir_config, &authcache_module);
    const authcache_req_rec *e;
    authcache_conn_rec *cc;
    unsigned char key[AC_KEY_LEN];
    const char *context = NULL, *header, *why;
    ac_name_t name;
    ac_token_t t;
    apr_uint32_t gen = 0;
    int found = 0, match = 0, from_conn = 0;
    apr_status_t rv;
    authn_status st;

    if (!conf->providers->nelts) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      AC_LOGNO(0104) "AuthBasicProvider authcache needs "
                      "AuthCacheProvider (e.g. AuthCacheProvider file) "
                      "for %s", r->uri);
        return AUTH_GENERAL_ERROR;
    }
    /*
     * Under AuthType Basic the credentials came from this header: be sure
     * it held exactly one (other front ends, e.g. mod_auth_form, pass
     * credentials from elsewhere).
     */
    header = r->ap_auth_type && !strcasecmp(r->ap_auth_type, "Basic")
        ? authcache_auth_header(r) : NULL;
    if ((header && ac_basic_header_check(header, strlen(header), &why)
                   != APR_SUCCESS)
        || ac_name_split(user, strlen(user), conf->default_domain, &name,
                         &why) != APR_SUCCESS) {
        authcache_count(AUTHCACHE_C_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(0105) "refusing login for %s: %s", r->uri, why);
        return AUTH_DENIED;
    }

    /*
     * A subrequest or internal redirect of a request we granted with this
     * header, in the same scope: that decision stands (and its cached
     * flag: the client's request was answered by the backend or not).
     */
    if (header && (e = authcache_req_earlier(r, AUTHCACHE_SOURCE_BASIC,
                                             header))
        && !strcmp(e->granted_scope, authcache_scope(r))) {
        authcache_notes_reuse(r, e);
        return AUTH_GRANTED;
    }

    cc = conf->basic_ttl > 0 ? authcache_conn_keyed(r) : NULL;
    if (cc && !cc->mac)
        cc = NULL;              /* no keyring: the module is not set up */
    if (cc) {
        /* read before the store, so a later store shows as a change */
        gen = authcache_store_generation();
        context = basic_context(r, conf);
        rv = find_token(r, cc, user, context, &name, gen, key, &t,
                        &from_conn);
        if (rv == APR_SUCCESS && t.expires <= apr_time_now()) {
            /* the store may keep it a little longer; we never use it */
            authcache_count(AUTHCACHE_C_basic_expired);
            cc->basic_valid = 0;
            rv = APR_NOTFOUND;
        }
        if (rv == APR_SUCCESS
            && authcache_purged(name.user, name.user_len, name.domain,
                                name.domain_len, t.created)) {
            /* made before a purge of this user: the backend decides */
            authcache_count(AUTHCACHE_C_purged_refused);
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          AC_LOGNO(0106) "cached token of %s was purged", user);
            cc->basic_valid = 0;
            rv = APR_NOTFOUND;
        }
        if (rv == APR_SUCCESS) {
            found = 1;
            rv = ac_token_check(cc->mac, key, password, strlen(password), &t,
                                &match);
        }
        if (rv != APR_SUCCESS && !APR_STATUS_IS_NOTFOUND(rv))
            authcache_count(AUTHCACHE_C_store_errors);
    }

    if (match) {
        authcache_count(AUTHCACHE_C_basic_hits);
        if (t.groups_len)
            apr_table_setn(r->notes, AUTHCACHE_VAR_GROUPS,
                           apr_pstrmemdup(r->pool, t.groups, t.groups_len));
        if (!from_conn)
            remember_token(r, cc, user, &name, context, key, &t, gen);
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                      AC_LOGNO(0107) "%s served from the cache", user);
        st = AUTH_GRANTED;
    }
    else {
        if (cc)
            authcache_count(found ? AUTHCACHE_C_basic_mismatch
                                  : AUTHCACHE_C_basic_misses);
        st = ask_backends(r, conf, user, password);
        if (st == AUTH_GRANTED && cc)
            seal_and_store(r, cc->mac, key, password, conf->basic_ttl, found);
        else if (st != AUTH_GRANTED)
            authcache_count(AUTHCACHE_C_denials);
    }

    if (st == AUTH_GRANTED)
        authcache_notes_set(r, match, AUTHCACHE_SOURCE_BASIC,
                            apr_pstrmemdup(r->pool, name.user, name.user_len),
                            apr_pstrmemdup(r->pool, name.domain,
                                           name.domain_len),
                            header);
    return st;
}

static const authn_provider authcache_basic_provider = {
    &basic_check_password,
    NULL,   /* Digest realm hashes are not cached here */
};

void authcache_basic_register_hooks(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP,
                              AUTHCACHE_PROVIDER_NAME,
                              AUTHN_PROVIDER_VERSION,
                              &authcache_basic_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}
