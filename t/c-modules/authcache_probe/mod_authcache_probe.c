/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test module: "SetHandler authcache-probe" answers with what
 * mod_authcache's optional function says about the request, the way any
 * other module would ask it.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"

#include "mod_authcache.h"

static APR_OPTIONAL_FN_TYPE(authcache_cred_info_get) *cred_info_get;

static void probe_optional_fns(void)
{
    cred_info_get = APR_RETRIEVE_OPTIONAL_FN(authcache_cred_info_get);
}

static int probe_handler(request_rec *r)
{
    authcache_cred_info info;

    if (strcmp(r->handler, "authcache-probe"))
        return DECLINED;
    ap_set_content_type(r, "text/plain");
    if (!cred_info_get) {
        ap_rputs("no optional function\n", r);
        return OK;
    }
    if (!cred_info_get(r, &info)) {
        ap_rputs("not authenticated by mod_authcache\n", r);
        return OK;
    }
    ap_rprintf(r, "cached=%d source=%s user=%s domain=%s\n", info.cached,
               info.source, info.user, info.domain);
    return OK;
}

static void probe_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_optional_fn_retrieve(probe_optional_fns, NULL, NULL,
                                 APR_HOOK_MIDDLE);
    ap_hook_handler(probe_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA authcache_probe_module = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL,
    probe_register_hooks
};
