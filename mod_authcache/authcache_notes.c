/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a request learns about its credential: request notes and
 * environment variables (for CGI, mod_headers, mod_log_config, ap_expr),
 * and the authcache_cred_info_get optional function for other modules.
 */
#include <openssl/crypto.h>

#include "apr_base64.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"

#include "mod_authcache.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

authcache_req_rec *authcache_req(request_rec *r)
{
    authcache_req_rec *q = ap_get_module_config(r->request_config,
                                                &authcache_module);

    if (!q) {
        q = apr_pcalloc(r->pool, sizeof(*q));
        ap_set_module_config(r->request_config, &authcache_module, q);
    }
    return q;
}

/* an Authorization value holds a password (Basic): constant time */
static int same_secret(const char *a, const char *b)
{
    apr_size_t n = strlen(a);

    return n == strlen(b) && !CRYPTO_memcmp(a, b, n);
}

static request_rec *earlier(const request_rec *r)
{
    return r->main ? r->main : r->prev;
}

request_rec *authcache_req_initial(request_rec *r)
{
    while (earlier(r))
        r = earlier(r);
    return r;
}

const authcache_req_rec *authcache_req_earlier(request_rec *r,
                                               const char *source,
                                               const char *header)
{
    const authcache_req_rec *q;

    for (r = earlier(r); r; r = earlier(r)) {
        q = ap_get_module_config(r->request_config, &authcache_module);
        if (q && q->source && !strcmp(q->source, source))
            return (!q->header == !header
                    && (!header || same_secret(q->header, header))) ? q : NULL;
    }
    return NULL;
}

const char *authcache_auth_header(request_rec *r)
{
    return apr_table_get(r->headers_in, r->proxyreq == PROXYREQ_PROXY
                                        ? "Proxy-Authorization"
                                        : "Authorization");
}

unsigned char *authcache_auth_decode(request_rec *r, const char *b64,
                                     apr_size_t max, apr_size_t *len)
{
    apr_size_t n;
    unsigned char *out;

    while (*b64 == ' ')
        b64++;
    n = strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789+/");
    n += strspn(b64 + n, "=");
    if (!*b64 || b64[n + strspn(b64 + n, " \t")]
        || n > (apr_size_t)apr_base64_encode_len((int)max))
        return NULL;
    out = apr_palloc(r->pool, apr_base64_decode_len(b64));
    *len = (apr_size_t)apr_base64_decode_binary(out, b64);
    return out;
}

int authcache_auth_status(request_rec *r)
{
    return r->proxyreq == PROXYREQ_PROXY ? HTTP_PROXY_AUTHENTICATION_REQUIRED
                                         : HTTP_UNAUTHORIZED;
}

/*
 * 1 when t holds no AUTHCACHE_ entry, so that ours can be added rather
 * than set: APR's set compares a name with every entry whose first four
 * bytes (its whole checksum) match, and all of ours begin "AUTH". An entry
 * of ours may be there already in a subrequest (which copies its parent's
 * environment), on a second grant, or from SetEnvIf; then set replaces it.
 */
static int none_of_ours(const apr_table_t *t)
{
    const apr_array_header_t *a = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    int i;

    for (i = 0; i < a->nelts; i++)
        if (e[i].key && (e[i].key[0] | 0x20) == 'a'
            && !strncasecmp(e[i].key, "AUTHCACHE_", 10))
            return 0;
    return 1;
}

static void vars_apply(apr_table_t *t, const authcache_req_rec *q)
{
    int fresh = none_of_ours(t);
    void (*put)(apr_table_t *, const char *, const char *) =
        fresh ? apr_table_addn : apr_table_setn;

    put(t, AUTHCACHE_VAR_CACHED_CRED, q->cached ? "1" : "0");
    put(t, AUTHCACHE_VAR_SOURCE, q->source);
    put(t, AUTHCACHE_VAR_USER, q->user);
    put(t, AUTHCACHE_VAR_DOMAIN, q->domain);
    if (q->groups)
        put(t, AUTHCACHE_VAR_GROUPS, q->groups);
    else if (!fresh)            /* another credential's list must not stay */
        apr_table_unset(t, AUTHCACHE_VAR_GROUPS);
}

static void notes_apply(request_rec *r, const authcache_req_rec *q)
{
    vars_apply(r->notes, q);
    vars_apply(r->subprocess_env, q);
}

static void vars_unset(apr_table_t *t)
{
    if (none_of_ours(t))
        return;
    apr_table_unset(t, AUTHCACHE_VAR_CACHED_CRED);
    apr_table_unset(t, AUTHCACHE_VAR_SOURCE);
    apr_table_unset(t, AUTHCACHE_VAR_USER);
    apr_table_unset(t, AUTHCACHE_VAR_DOMAIN);
    apr_table_unset(t, AUTHCACHE_VAR_GROUPS);
}

/*
 * The decision that answers for r: its own logon, or the one an earlier
 * request (a subrequest's parent, an internal redirect's origin) made for
 * the same user in the same scope, which httpd passed on without
 * authenticating again. Ours for another user or scope, or none (another
 * module's logon): NULL. What r may learn (notes, groups for
 * Require authcache-group, the optional function) comes from this only.
 */
static const authcache_req_rec *decision_for(request_rec *r)
{
    const authcache_req_rec *q = ap_get_module_config(r->request_config,
                                                      &authcache_module);
    const request_rec *e;

    if (q && q->source)
        return q;
    if (!r->user)
        return NULL;
    for (e = earlier(r); e; e = earlier(e)) {
        q = ap_get_module_config(e->request_config, &authcache_module);
        if (q && q->source)
            return q->r_user && !strcmp(q->r_user, r->user)
                   && !strcmp(q->granted_scope, authcache_scope(r)) ? q : NULL;
    }
    return NULL;
}

void authcache_notes_set(request_rec *r, int cached, const char *source,
                         const char *user, const char *domain,
                         const char *header)
{
    /* Basic's authn providers (winbind) leave the groups in r->notes:
     * httpd's provider interface has no other way back */
    authcache_notes_grant(r, cached, source, user, domain,
                          apr_table_get(r->notes, AUTHCACHE_VAR_GROUPS),
                          header);
}

void authcache_notes_grant(request_rec *r, int cached, const char *source,
                           const char *user, const char *domain,
                           const char *groups, const char *header)
{
    authcache_req_rec *q = authcache_req(r);

    q->source = source;
    q->cached = cached;
    q->user = apr_pstrdup(r->pool, user);
    q->domain = apr_pstrdup(r->pool, domain);
    q->groups = groups ? apr_pstrdup(r->pool, groups) : NULL;
    q->header = header;
    q->granted_scope = authcache_scope(r);
    q->r_user = r->user;
    notes_apply(r, q);
}

void authcache_notes_reuse(request_rec *r, const authcache_req_rec *e)
{
    authcache_req_rec *q = authcache_req(r);

    q->source = e->source;
    q->cached = e->cached;
    q->user = e->user;
    q->domain = e->domain;
    q->groups = e->groups;
    q->header = e->header;
    q->granted_scope = e->granted_scope;
    q->r_user = e->r_user;
    r->user = (char *)e->r_user;
    notes_apply(r, q);
}

/*
 * httpd skips authentication in a subrequest or internal redirect whose
 * configuration is the same as its parent's, and an internal redirect
 * starts with new notes and renames the environment (REDIRECT_...): give
 * such a request the decision it inherited.
 */
static int notes_fixups(request_rec *r)
{
    const authcache_req_rec *q;

    if (!r->user || apr_table_get(r->notes, AUTHCACHE_VAR_CACHED_CRED))
        return DECLINED;
    if ((q = decision_for(r)))
        notes_apply(r, q);
    return DECLINED;
}

/*
 * A subrequest starts with a copy of its parent's environment, ours in
 * it: they would speak for the parent's logon in a section of another
 * authority (Require env, Require expr, <If>, RewriteCond %{ENV:...}),
 * so they go before its checks. Its own grant sets them again, and
 * notes_fixups where the parent's decision answers for it.
 */
static int notes_post_perdir_config(request_rec *r)
{
    if (r->main)
        vars_unset(r->subprocess_env);
    return DECLINED;
}

/* The headers as the client sent them, before any module changes them. */
static int notes_post_read_request(request_rec *r)
{
    authcache_req(r)->sent_headers = apr_table_copy(r->pool, r->headers_in);
    return DECLINED;
}

/*
 * Require authcache-group "DOMAIN\Group" ...: answered from the groups
 * the cached token or credential holds, with no domain traffic. Group
 * names compare without regard to case, as Windows names do.
 */
static authz_status group_check(request_rec *r, const char *require_line,
                                const void *parsed)
{
    const authcache_req_rec *d;
    const char *groups, *t = require_line, *want;

    (void)parsed;
    if (!r->user)
        return AUTHZ_DENIED_NO_USER;
    /*
     * This logon's groups, never an earlier request's for another scope:
     * r's own notes (ours, or AuthBasicProvider winbind's, which has no
     * other way to pass them; a subrequest's and a redirect's notes start
     * empty), else the decision that answers for r.
     */
    if (!(groups = apr_table_get(r->notes, AUTHCACHE_VAR_GROUPS))
        && (!(d = decision_for(r)) || !(groups = d->groups)))
        return AUTHZ_DENIED;
    while (*(want = ap_getword_conf(r->pool, &t))) {
        const char *g = groups;

        while (*g) {
            const char *end = ap_strchr_c(g, ';');
            apr_size_t n = end ? (apr_size_t)(end - g) : strlen(g);

            if (n == strlen(want) && !strncasecmp(g, want, n))
                return AUTHZ_GRANTED;
            g += n + (end ? 1 : 0);
        }
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  AC_LOGNO(0601) "%s is in none of the groups required for %s",
                  r->user, r->uri);
    return AUTHZ_DENIED;
}

static const authz_provider authz_group_provider = { &group_check, NULL };

/*
 * Subrequests and internal redirects do not run authentication again;
 * the answer is in the request that did (decision_for).
 */
static int authcache_cred_info_get(request_rec *r, authcache_cred_info *info)
{
    const authcache_req_rec *q = decision_for(r);

    if (!q)
        return 0;
    info->cached = q->cached;
    info->source = q->source;
    info->user = q->user;
    info->domain = q->domain;
    return 1;
}

void authcache_notes_register_hooks(apr_pool_t *p)
{
    APR_REGISTER_OPTIONAL_FN(authcache_cred_info_get);
    /* before mod_remoteip (APR_HOOK_FIRST) removes X-Forwarded-For */
    ap_hook_post_read_request(notes_post_read_request, NULL, NULL,
                              APR_HOOK_REALLY_FIRST);
    ap_hook_post_perdir_config(notes_post_perdir_config, NULL, NULL,
                               APR_HOOK_REALLY_FIRST);
    ap_hook_fixups(notes_fixups, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "authcache-group",
                              AUTHZ_PROVIDER_VERSION, &authz_group_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}
