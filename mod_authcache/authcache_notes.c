/*
 * What a request learns about its credential: request notes and
 * environment variables (for CGI, mod_headers, mod_log_config, ap_expr),
 * and the authcache_cred_info_get optional function for other modules.
 */
#include "httpd.h"
#include "http_log.h"
#include "http_request.h"

#include "mod_authcache.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

void authcache_notes_set(request_rec *r, int cached, const char *source,
                         const char *user, const char *domain)
{
    const char *flag = cached ? "1" : "0";

    apr_table_setn(r->notes, AUTHCACHE_VAR_CACHED_CRED, flag);
    apr_table_setn(r->notes, AUTHCACHE_VAR_SOURCE, source);
    apr_table_setn(r->notes, AUTHCACHE_VAR_USER, user);
    apr_table_setn(r->notes, AUTHCACHE_VAR_DOMAIN, domain);
    apr_table_setn(r->subprocess_env, AUTHCACHE_VAR_CACHED_CRED, flag);
    apr_table_setn(r->subprocess_env, AUTHCACHE_VAR_SOURCE, source);
    apr_table_setn(r->subprocess_env, AUTHCACHE_VAR_USER, user);
    apr_table_setn(r->subprocess_env, AUTHCACHE_VAR_DOMAIN, domain);
}

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
    (void)p;
    APR_REGISTER_OPTIONAL_FN(authcache_cred_info_get);
}
