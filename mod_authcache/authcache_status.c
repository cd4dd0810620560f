/*
 * "SetHandler authcache-status": the counters as an HTML page, or as JSON
 * with "?json", like mod_status does for the scoreboard.
 */
#include "apr_strings.h"
#include "http_protocol.h"
#include "http_request.h"

#include "authcache_private.h"

static void status_json(request_rec *r, const apr_uint64_t *v, int in_use)
{
    int i;

    ap_set_content_type(r, "application/json");
    ap_rprintf(r, "{\"in_use\":%s,\"store\":\"%s\"",
               in_use ? "true" : "false",
               ap_escape_quotes(r->pool,
                                authcache_store_describe(r->server)));
    for (i = 0; i < AUTHCACHE_C_COUNT; i++)
        ap_rprintf(r, ",\"%s\":%" APR_UINT64_T_FMT,
                   authcache_counter_name(i), v[i]);
    ap_rputs("}\n", r);
}

static void status_html(request_rec *r, const apr_uint64_t *v, int in_use)
{
    int i;

    ap_set_content_type(r, "text/html; charset=UTF-8");
    ap_rputs(DOCTYPE_HTML_4_01
             "<html><head><title>mod_authcache status</title></head><body>\n"
             "<h1>mod_authcache status</h1>\n", r);
    ap_rprintf(r, "<p>Server: %s<br>Store: %s%s</p>\n",
               ap_escape_html(r->pool, ap_get_server_description()),
               ap_escape_html(r->pool, authcache_store_describe(r->server)),
               in_use ? "" : " (no section uses AuthCacheProvider)");
    ap_rputs("<table border=\"1\">\n<tr><th>counter</th><th>value</th>"
             "<th>meaning</th></tr>\n", r);
    for (i = 0; i < AUTHCACHE_C_COUNT; i++)
        ap_rprintf(r, "<tr><td>%s</td><td>%" APR_UINT64_T_FMT
                   "</td><td>%s</td></tr>\n", authcache_counter_name(i),
                   v[i], authcache_counter_help(i));
    ap_rputs("</table>\n<h2>Store</h2>\n", r);
    authcache_store_status(r, 0);
    ap_rputs("</body></html>\n", r);
}

static int status_handler(request_rec *r)
{
    apr_uint64_t v[AUTHCACHE_C_COUNT];
    int in_use;

    if (strcmp(r->handler, "authcache-status"))
        return DECLINED;
    r->allowed = AP_METHOD_BIT << M_GET;
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    in_use = authcache_counters_read(v);
    /* counters change with every request: never cache the page */
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->args && !strcmp(r->args, "json"))
        status_json(r, v, in_use);
    else
        status_html(r, v, in_use);
    return OK;
}

void authcache_status_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(status_handler, NULL, NULL, APR_HOOK_MIDDLE);
}
