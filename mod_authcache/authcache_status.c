/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "SetHandler authcache-status": the counters as an HTML page, as JSON
 * with "?json", like mod_status does for the scoreboard, or as metrics
 * for Prometheus with "?metrics" (authcache_metrics.c); a POST purges
 * cached credentials (authcache_purge.c).
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

/*
 * Per scheme, the requests answered from the cache and the authority
 * calls the others needed: each hit is an authority call (or a whole
 * NTLM handshake) not made.
 */
static const struct {
    const char *scheme;
    authcache_counter_e hits, calls;
} schemes[] = {
    { "Basic", AUTHCACHE_C_basic_hits, AUTHCACHE_C_backend_calls },
    { "NTLM", AUTHCACHE_C_ntlm_cache_hits, AUTHCACHE_C_ntlm_logons },
    { "Digest", AUTHCACHE_C_digest_context_hits, AUTHCACHE_C_digest_logons },
};

static const char *percent(apr_pool_t *p, apr_uint64_t part,
                           apr_uint64_t whole)
{
    return whole ? apr_psprintf(p, "%.1f%%", 100.0 * part / whole) : "-";
}

/* What an admin looks for first: is the cache working, is the store full. */
static void status_summary(request_rec *r, const apr_uint64_t *v)
{
    ac_shmht_stats_t st;
    unsigned int i;

    ap_rputs("<h2>At a glance</h2>\n<table border=\"1\">\n<tr><th>scheme</th>"
             "<th>hit ratio</th><th>from the cache</th>"
             "<th>authority calls</th><th>authority calls saved</th></tr>\n",
             r);
    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        apr_uint64_t hits = v[schemes[i].hits], calls = v[schemes[i].calls];

        ap_rprintf(r, "<tr><td>%s</td><td>%s</td><td>%" APR_UINT64_T_FMT
                   "</td><td>%" APR_UINT64_T_FMT "</td><td>%"
                   APR_UINT64_T_FMT "</td></tr>\n", schemes[i].scheme,
                   percent(r->pool, hits, hits + calls), hits, calls, hits);
    }
    ap_rputs("</table>\n<p>Hit ratio: requests answered from the cache, of "
             "those and the authority calls made.</p>\n", r);
    if (authcache_store_stats(r, &st) == APR_SUCCESS)
        ap_rprintf(r, "<p>Store fill: <b>%s</b> (%u of %u chunks, %"
                   APR_UINT64_T_FMT " entries); evictions: <b>%"
                   APR_UINT64_T_FMT "</b></p>\n",
                   percent(r->pool, st.chunks_used, st.nchunks),
                   st.chunks_used, st.nchunks, st.entries, st.evictions);
    else
        ap_rputs("<p>Store fill and evictions: in the store's own figures "
                 "below.</p>\n", r);
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
    status_summary(r, v);
    ap_rputs("<h2>Counters</h2>\n<table border=\"1\">\n<tr><th>counter</th><th>value</th>"
             "<th>meaning</th></tr>\n", r);
    for (i = 0; i < AUTHCACHE_C_COUNT; i++)
        ap_rprintf(r, "<tr><td>%s</td><td>%" APR_UINT64_T_FMT
                   "</td><td>%s</td></tr>\n", authcache_counter_name(i),
                   v[i], authcache_counter_help(i));
    ap_rputs("</table>\n<h2>Store</h2>\n", r);
    authcache_store_status(r, 0);
    ap_rputs("</body></html>\n", r);
}

/*
 * "?name" or "?name=" among the query's arguments: Prometheus, given
 * params { metrics: [""] }, asks for "?metrics=".
 */
static int has_arg(const char *args, const char *name)
{
    apr_size_t len = strlen(name);

    while (args && *args) {
        if (!strncmp(args, name, len)
            && (args[len] == '\0' || args[len] == '&' || args[len] == '='))
            return 1;
        args = strchr(args, '&');
        if (args)
            args++;
    }
    return 0;
}

static int status_handler(request_rec *r)
{
    apr_uint64_t v[AUTHCACHE_C_COUNT];
    int in_use;

    if (strcmp(r->handler, "authcache-status"))
        return DECLINED;
    r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
    if (r->method_number == M_POST)
        return authcache_purge_handler(r);
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    in_use = authcache_counters_read(v);
    /* counters change with every request: never cache the page */
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->args && !strcmp(r->args, "json"))
        status_json(r, v, in_use);
    else if (has_arg(r->args, "metrics"))
        authcache_metrics(r, v, in_use);
    else
        status_html(r, v, in_use);
    return OK;
}

void authcache_status_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(status_handler, NULL, NULL, APR_HOOK_MIDDLE);
}
