/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "SetHandler authcache-status" with "?metrics": the counters and the
 * store's figures in the Prometheus text format, or in OpenMetrics when
 * the scraper asks for it (Prometheus does, in its Accept header), so a
 * stock Prometheus scrapes the module without an exporter.
 *
 * Each counter is one sample: the per-scheme ones are labelled series of
 * a few families (authcache_requests_total{scheme,result},
 * authcache_authority_calls_total{scheme}); a counter this table does not
 * name still shows, as authcache_<name>_total.
 */
#include "apr_strings.h"
#include "http_protocol.h"

#include "authcache_private.h"

typedef enum {
    FAM_NONE = 0,               /* not mapped: authcache_<name>_total */
    FAM_REQUESTS,
    FAM_AUTHORITY,
    FAM_STORES,
    FAM_STORE_ERRORS,
    FAM_COUNT
} family_e;

static const struct {
    const char *name;           /* without the _total of its samples */
    const char *help;
} families[FAM_COUNT] = {
    [FAM_REQUESTS] = { "authcache_requests",
        "Authentication events by scheme and result; cache_hit needed no "
        "authority call. A request can count under more than one result "
        "(cache_miss, then denied)." },
    [FAM_AUTHORITY] = { "authcache_authority_calls",
        "Calls to the authority behind a scheme: wrapped authn providers "
        "(Basic), NTLMv2 verifications (NTLM), credential lookups "
        "(Digest)." },
    [FAM_STORES] = { "authcache_cache_stores",
        "Basic tokens stored after a backend granted: new, or replacing "
        "one after a password change." },
    [FAM_STORE_ERRORS] = { "authcache_store_errors",
        "Store errors; the request went to the authority." },
};

#define BASIC  "scheme=\"basic\","
#define NTLM   "scheme=\"ntlm\","
#define DIGEST "scheme=\"digest\","
#define NEG    "scheme=\"negotiate\","
static const struct {
    family_e family;
    const char *labels;
} metric_of[AUTHCACHE_C_COUNT] = {
    [AUTHCACHE_C_basic_hits]     = { FAM_REQUESTS, BASIC "result=\"cache_hit\"" },
    [AUTHCACHE_C_basic_misses]   = { FAM_REQUESTS, BASIC "result=\"cache_miss\"" },
    [AUTHCACHE_C_basic_mismatch] = { FAM_REQUESTS, BASIC "result=\"cache_mismatch\"" },
    [AUTHCACHE_C_basic_expired]  = { FAM_REQUESTS, BASIC "result=\"cache_expired\"" },
    [AUTHCACHE_C_denials]        = { FAM_REQUESTS, BASIC "result=\"denied\"" },
    [AUTHCACHE_C_bad_input]      = { FAM_REQUESTS, BASIC "result=\"bad_input\"" },
    [AUTHCACHE_C_backend_calls]  = { FAM_AUTHORITY, "scheme=\"basic\"" },
    [AUTHCACHE_C_stores]         = { FAM_STORES, BASIC "reason=\"new\"" },
    [AUTHCACHE_C_replacements]   = { FAM_STORES, BASIC "reason=\"password_changed\"" },
    [AUTHCACHE_C_store_errors]   = { FAM_STORE_ERRORS, "" },
    [AUTHCACHE_C_ntlm_handshakes] = { FAM_REQUESTS, NTLM "result=\"challenge\"" },
    [AUTHCACHE_C_ntlm_cache_hits] = { FAM_REQUESTS, NTLM "result=\"cache_hit\"" },
    [AUTHCACHE_C_ntlm_denials]   = { FAM_REQUESTS, NTLM "result=\"denied\"" },
    [AUTHCACHE_C_ntlm_rejected_cached] = { FAM_REQUESTS, NTLM "result=\"cached_rejected\"" },
    [AUTHCACHE_C_ntlm_bad_input] = { FAM_REQUESTS, NTLM "result=\"bad_input\"" },
    [AUTHCACHE_C_ntlm_logons]    = { FAM_AUTHORITY, "scheme=\"ntlm\"" },
    [AUTHCACHE_C_digest_challenges] = { FAM_REQUESTS, DIGEST "result=\"challenge\"" },
    [AUTHCACHE_C_digest_context_hits] = { FAM_REQUESTS, DIGEST "result=\"cache_hit\"" },
    [AUTHCACHE_C_digest_stale]   = { FAM_REQUESTS, DIGEST "result=\"stale\"" },
    [AUTHCACHE_C_digest_replays] = { FAM_REQUESTS, DIGEST "result=\"replay\"" },
    [AUTHCACHE_C_digest_denials] = { FAM_REQUESTS, DIGEST "result=\"denied\"" },
    [AUTHCACHE_C_digest_bad_input] = { FAM_REQUESTS, DIGEST "result=\"bad_input\"" },
    [AUTHCACHE_C_digest_logons]  = { FAM_AUTHORITY, "scheme=\"digest\"" },
    [AUTHCACHE_C_negotiate_challenges] = { FAM_REQUESTS, NEG "result=\"challenge\"" },
    [AUTHCACHE_C_negotiate_cache_hits] = { FAM_REQUESTS, NEG "result=\"cache_hit\"" },
    [AUTHCACHE_C_negotiate_denials] = { FAM_REQUESTS, NEG "result=\"denied\"" },
    [AUTHCACHE_C_negotiate_bad_input] = { FAM_REQUESTS, NEG "result=\"bad_input\"" },
    [AUTHCACHE_C_negotiate_logons] = { FAM_AUTHORITY, "scheme=\"negotiate\"" },
};
#undef BASIC
#undef NTLM
#undef DIGEST
#undef NEG

typedef struct {
    request_rec *r;
    int openmetrics;
} out_rec;

/*
 * The metadata of a family. The text format names a counter family after
 * its samples (x_total), OpenMetrics without the suffix.
 */
static void family(const out_rec *o, const char *name, const char *type,
                   const char *help)
{
    const char *suffix = !o->openmetrics && !strcmp(type, "counter")
                         ? "_total" : "";

    ap_rprintf(o->r, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, suffix, help,
               name, suffix, type);
}

static void sample(const out_rec *o, const char *name, const char *suffix,
                   const char *labels, apr_uint64_t value)
{
    ap_rprintf(o->r, "%s%s%s%s%s %" APR_UINT64_T_FMT "\n", name, suffix,
               *labels ? "{" : "", labels, *labels ? "}" : "", value);
}

/* A label value: backslash, double quote and newline escaped. */
static const char *label_value(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, 2 * strlen(s) + 1), *d = out;

    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            *d++ = '\\';
        if (*s == '\n') {
            *d++ = '\\';
            *d++ = 'n';
            continue;
        }
        *d++ = *s;
    }
    *d = '\0';
    return out;
}

static void counters(const out_rec *o, const apr_uint64_t *v)
{
    int f, i;

    for (f = FAM_NONE + 1; f < FAM_COUNT; f++) {
        family(o, families[f].name, "counter", families[f].help);
        for (i = 0; i < AUTHCACHE_C_COUNT; i++)
            if (metric_of[i].family == (family_e)f)
                sample(o, families[f].name, "_total", metric_of[i].labels,
                       v[i]);
    }
    for (i = 0; i < AUTHCACHE_C_COUNT; i++) {
        const char *name;

        if (metric_of[i].family != FAM_NONE)
            continue;
        name = apr_pstrcat(o->r->pool, "authcache_",
                           authcache_counter_name(i), NULL);
        family(o, name, "counter", authcache_counter_help(i));
        sample(o, name, "_total", "", v[i]);
    }
}

/* A family of one sample without labels. */
static void single(const out_rec *o, const char *name, const char *type,
                   const char *help, apr_uint64_t value)
{
    family(o, name, type, help);
    sample(o, name, strcmp(type, "counter") ? "" : "_total", "", value);
}

/* The figures of the module's own store; other stores have none here. */
static void store(const out_rec *o)
{
    ac_shmht_stats_t st;

    if (authcache_store_stats(o->r, &st) != APR_SUCCESS)
        return;
    single(o, "authcache_store_size_bytes", "gauge",
           "Shared memory of the store.", st.size);
    family(o, "authcache_store_chunks", "gauge", "The store's 64-byte "
           "chunks by state; used / (used + free) is its fill.");
    sample(o, "authcache_store_chunks", "", "state=\"used\"", st.chunks_used);
    sample(o, "authcache_store_chunks", "", "state=\"free\"",
           st.nchunks - st.chunks_used);
    single(o, "authcache_store_entries", "gauge", "Entries held, expired "
           "ones not yet met included.", st.entries);
    single(o, "authcache_store_evictions", "counter", "Live entries "
           "dropped, oldest-written first, to make room.", st.evictions);
    single(o, "authcache_store_expired", "counter", "Entries dropped "
           "because they had expired.", st.expired);
    single(o, "authcache_store_writes", "counter", "Entries written, "
           "rewrites included.", st.stores);
    single(o, "authcache_store_removals", "counter", "Entries removed.",
           st.removes);
    family(o, "authcache_store_lookups", "counter",
           "Store lookups by result.");
    sample(o, "authcache_store_lookups", "_total", "result=\"hit\"", st.hits);
    sample(o, "authcache_store_lookups", "_total", "result=\"miss\"",
           st.misses);
}

/*
 * What the store is, as configured: an info metric (OpenMetrics), a
 * gauge of 1 named *_info in the text format.
 */
static void store_info(const out_rec *o)
{
    request_rec *r = o->r;
    const char *labels = apr_pstrcat(r->pool, "spec=\"",
        label_value(r->pool, authcache_store_describe(r->server)), "\"",
        NULL);

    if (o->openmetrics)
        family(o, "authcache_store", "info", "The store, as configured.");
    else
        family(o, "authcache_store_info", "gauge",
               "The store, as configured.");
    sample(o, "authcache_store_info", "", labels, 1);
}

/* Prometheus asks for OpenMetrics first; anything else gets text 0.0.4. */
static int wants_openmetrics(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");

    return accept && ap_strcasestr(accept, "application/openmetrics-text");
}

void authcache_metrics(request_rec *r, const apr_uint64_t *v, int in_use)
{
    out_rec o = { r, wants_openmetrics(r) };

    apr_table_mergen(r->headers_out, "Vary", "Accept");
    ap_set_content_type(r, o.openmetrics
        ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
        : "text/plain; version=0.0.4; charset=utf-8");
    single(&o, "authcache_in_use", "gauge", "1 when a section uses the "
           "module (its store and counters are set up).", in_use ? 1 : 0);
    store_info(&o);
    counters(&o, v);
    store(&o);
    if (o.openmetrics)
        ap_rputs("# EOF\n", r);
}
