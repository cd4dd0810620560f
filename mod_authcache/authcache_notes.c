/*
 * What a request learns about its credential: request notes and
 * environment variables (for CGI, mod_headers, mod_log_config, ap_expr),
 * and the authcache_cred_info_get optional function for other modules.
 */
#include "httpd.h"
#include "http_log.h"
#include "http_request.h"
#include "mod_auth.h"

#include "mod_authcache.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

void authcache_notes_set(request_rec *r, int cached, const char *source,
                         const char *user, const char *domain)
{
    const char *flag = cached ? "1" : "0";
    const char *groups = apr_table_get(r->notes, AUTHCACHE_VAR_GROUPS);

    apr_table_setn(r->notes, AUTHCACHE_VAR_CACHED_CRED, flag);
    apr_table_setn(r->notes, AUTHCACHE_VAR_SOURCE, source);
    apr_table_setn(r->notes, AUTHCACHE_VAR_USER, user);
    apr_table_setn(r->notes, AUTHCACHE_VAR_DOMAIN, domain);
    apr_table_setn(r->subprocess_env, AUTHCACHE_VAR_CACHED_CRED, flag);
    apr_table_setn(r->subprocess_env, AUTHCACHE_VAR_SOURCE, source);
    apr_table_setn(r->subprocess_env, AUTHCACHE_VAR_USER, user);
    apr_table_setn(r->subprocess_env, AUTHCACHE_VAR_DOMAIN, domain);
    if (groups)
        apr_table_setn(r->subprocess_env, AUTHCACHE_VAR_GROUPS, groups);
}

/*
 * Require authcache-group "DOMAIN\Group" ...: answered from the groups
 * the cached token or credential holds, with no domain traffic. Group
 * names compare without regard to case, as Windows names do.
 */
static authz_status group_check(request_rec *r, const char *require_line,
                                const void *parsed)
{
    const char *groups = NULL, *t = require_line, *want;
    request_rec *q;

    (void)parsed;
    if (!r->user)
        return AUTHZ_DENIED_NO_USER;
    for (q = r; q && !groups; q = q->main ? q->main : q->prev)
        groups = apr_table_get(q->notes, AUTHCACHE_VAR_GROUPS);
    if (!groups)
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
                  "authcache: %s is in none of the groups required for %s",
                  r->user, r->uri);
    return AUTHZ_DENIED;
}

static const authz_provider authz_group_provider = { &group_check, NULL };

/*
 * Subrequests and internal redirects do not run authentication again;
 * the answer is in the request that did.
 */
static int authcache_cred_info_get(request_rec *r, authcache_cred_info *info)
{
    const char *flag;

    for (; r; r = r->main ? r->main : r->prev) {
        flag = apr_table_get(r->notes, AUTHCACHE_VAR_CACHED_CRED);
        if (flag) {
            info->cached = flag[0] == '1';
            info->source = apr_table_get(r->notes, AUTHCACHE_VAR_SOURCE);
            info->user = apr_table_get(r->notes, AUTHCACHE_VAR_USER);
            info->domain = apr_table_get(r->notes, AUTHCACHE_VAR_DOMAIN);
            return 1;
        }
    }
    return 0;
}

void authcache_notes_register_hooks(apr_pool_t *p)
{
    APR_REGISTER_OPTIONAL_FN(authcache_cred_info_get);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "authcache-group",
                              AUTHZ_PROVIDER_VERSION, &authz_group_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}
