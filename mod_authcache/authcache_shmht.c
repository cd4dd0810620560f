/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "authcache" socache provider: ac_shmht's hash table in a shared
 * memory segment. Where shmcb scans an index per subcache, this finds an
 * entry in O(1) whatever the number of entries, and evicts the
 * oldest-written entry of the whole store rather than of one subcache.
 *
 * Used as mod_socache_shmcb is: the argument is "[name](bytes)"; create
 * parses it, init (post_config) makes the segment, anonymous unless a
 * name is given, and formats it under a fresh random hash key. Unlike
 * shmcb's, the segment outlives the configuration generation: it is made
 * in the process pool and kept in httpd's retained data, so a graceful
 * restart (and -k restart) finds it again with every entry in it, as the
 * server secret is kept; only a change of its size makes it anew. It goes
 * when httpd exits; destroy only lets go of it. Not thread- or
 * process-safe by itself (AP_SOCACHE_FLAG_NOTMPSAFE): its user serialises
 * calls with a global mutex that outlives generations too (old children
 * still finishing requests after a graceful restart use the same
 * segment), as authcache_store.c does.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "apr_general.h"
#include "apr_lib.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "ap_provider.h"
#include "ap_socache.h"
#include "mod_status.h"

#include "ac_crypto.h"
#include "ac_shmht.h"
#include "authcache_private.h"
#include "authcache_shmht.h"

APLOG_USE_MODULE(authcache);

#define SHMHT_DEFAULT_SIZE  (32 * 1024 * 1024)
#define SHMHT_MIN_SIZE      (64 * 1024)
/* 2^32 chunks of 64 bytes: all that a 32-bit chunk index reaches */
#define SHMHT_MAX_SIZE      (APR_UINT64_C(1) << 38)
/* the segment's name under the runtime dir when one is needed and none
 * was given */
#define SHMHT_FILE_PREFIX   "authcache-shmht-"
#define SHMHT_FILE_SUFFIX   ".cache"
#define SHMHT_RETAINED_KEY  "mod_authcache-shmht:"

/* What a generation leaves the next: the segment and the size asked. */
typedef struct {
    apr_shm_t *shm;
    apr_size_t size;
} shmht_retained_rec;

struct ap_socache_instance_t {
    apr_pool_t *pool;               /* the instance's, and the segment's */
    const char *file;               /* a named segment; NULL: anonymous */
    apr_size_t size;
    apr_shm_t *shm;
    ac_shmht_t *table;
};

static const char *shmht_create(ap_socache_instance_t **out,
                                const char *arg, apr_pool_t *tmp,
                                apr_pool_t *p)
{
    ap_socache_instance_t *ctx = apr_pcalloc(p, sizeof(*ctx));
    const char *open, *name = arg;
    apr_size_t len;

    ctx->pool = p;
    ctx->size = SHMHT_DEFAULT_SIZE;
    *out = ctx;
    if (!arg || !*arg)
        return NULL;

    len = strlen(arg);
    open = strrchr(arg, '(');
    if (open) {
        const char *digits;
        char *end;
        apr_int64_t n;

        if (arg[len - 1] != ')')
            return apr_psprintf(tmp, "no ')' after the size in '%s'", arg);
        digits = apr_pstrmemdup(tmp, open + 1, arg + len - 1 - (open + 1));
        if (!apr_isdigit(*digits))
            return apr_psprintf(tmp, "size '%s' in '%s' is not a number of "
                                "bytes", digits, arg);
        errno = 0;
        n = apr_strtoi64(digits, &end, 10);
        if (*end || errno)
            return apr_psprintf(tmp, "size '%s' in '%s' is not a number of "
                                "bytes", digits, arg);
        if (n < SHMHT_MIN_SIZE)
            return apr_psprintf(tmp, "size %s in '%s' is below the minimum "
                                "of %d bytes", digits, arg, SHMHT_MIN_SIZE);
        if ((apr_uint64_t)n > SHMHT_MAX_SIZE
            || (apr_uint64_t)n > (apr_uint64_t)APR_SIZE_MAX)
            return apr_psprintf(tmp, "size %s in '%s' is above the maximum "
                                "of %" APR_UINT64_T_FMT " bytes", digits, arg,
                                SHMHT_MAX_SIZE < APR_SIZE_MAX
                                ? SHMHT_MAX_SIZE
                                : (apr_uint64_t)APR_SIZE_MAX);
        ctx->size = (apr_size_t)n;
        name = apr_pstrmemdup(tmp, arg, open - arg);
    }
    else if (strchr(arg, ')')) {
        return apr_psprintf(tmp, "')' without '(' in '%s'", arg);
    }
    if (*name) {
        ctx->file = ap_runtime_dir_relative(p, name);
        if (!ctx->file)
            return apr_psprintf(tmp, "invalid segment name '%s' in '%s'",
                                name, arg);
    }
    return NULL;
}

/* Lets go of the segment, which stays for the next generation. */
static apr_status_t shmht_cleanup(void *data)
{
    ap_socache_instance_t *ctx = data;

    ctx->table = NULL;
    ctx->shm = NULL;
    return APR_SUCCESS;
}

/*
 * A named segment, after removing a stale one of an unclean exit. APR makes a named segment with mode 0644 less the umask: readable by
 * every local user. The entries are no passwords, but who logged in and
 * their groups are nobody else's business, so the segment is made under
 * umask 077 (post_config runs before any thread: changing the process's
 * umask for a moment is safe there).
 */
static apr_status_t create_named(ap_socache_instance_t *ctx, apr_pool_t *p)
{
    mode_t old = umask(077);
    apr_status_t rv;

    apr_shm_remove(ctx->file, p);
    rv = apr_shm_create(&ctx->shm, ctx->size, ctx->file, p);
    umask(old);
    return rv;
}

/*
 * A new segment in the process pool gp (it outlives the configuration),
 * formatted under a fresh random hash key: ids cannot be chosen to
 * collide.
 */
static apr_status_t create_table(ap_socache_instance_t *ctx,
                                 const char *cname,
                                 const struct ap_socache_hints *hints,
                                 server_rec *s, apr_pool_t *gp)
{
    unsigned char seed[AC_SHMHT_SEED_LEN];
    apr_size_t avg = 0;
    apr_status_t rv;

    if (ctx->file) {
        rv = create_named(ctx, gp);
    }
    else {
        rv = apr_shm_create(&ctx->shm, ctx->size, NULL, gp);
        if (APR_STATUS_IS_ENOTIMPL(rv)) {
            /* no anonymous shared memory on this system */
            ctx->file = ap_runtime_dir_relative(ctx->pool,
                                                apr_pstrcat(ctx->pool,
                                                    SHMHT_FILE_PREFIX, cname,
                                                    SHMHT_FILE_SUFFIX, NULL));
            rv = ctx->file ? create_named(ctx, gp) : APR_EINVAL;
        }
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                     AC_LOGNO(1201) "cannot create the %s store's shared memory "
                     "(%" APR_SIZE_T_FMT " bytes%s%s)", cname, ctx->size,
                     ctx->file ? ", " : "", ctx->file ? ctx->file : "");
        ctx->shm = NULL;
        return rv;
    }
    rv = apr_generate_random_bytes(seed, sizeof(seed));
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                     AC_LOGNO(1202) "no random bytes for the %s store's hash key",
                     cname);
        return rv;
    }
    if (hints)
        avg = hints->avg_id_len + hints->avg_obj_size;
    rv = ac_shmht_format(apr_shm_baseaddr_get(ctx->shm),
                         apr_shm_size_get(ctx->shm), seed, avg, &ctx->table);
    memset(seed, 0, sizeof(seed));
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                     AC_LOGNO(1203) "cannot lay out the %s store in %"
                     APR_SIZE_T_FMT " bytes of shared memory", cname,
                     apr_shm_size_get(ctx->shm));
    return rv;
}

/*
 * The segment a previous generation left under the same name and size,
 * with its entries; 0 (and the segment released) when there is none to
 * take over.
 */
static int take_over(ap_socache_instance_t *ctx, shmht_retained_rec *kept,
                     const char *cname, server_rec *s)
{
    if (!kept->shm)
        return 0;
    if (kept->size == ctx->size
        && ac_shmht_attach(apr_shm_baseaddr_get(kept->shm),
                           apr_shm_size_get(kept->shm), &ctx->table)
           == APR_SUCCESS) {
        ctx->shm = kept->shm;
        return 1;
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                 AC_LOGNO(1204) "the %s store's size changed from %"
                 APR_SIZE_T_FMT " to %" APR_SIZE_T_FMT " bytes: it is made "
                 "anew, its entries are dropped", cname, kept->size,
                 ctx->size);
    apr_shm_destroy(kept->shm);
    kept->shm = NULL;
    return 0;
}

static apr_status_t shmht_init(ap_socache_instance_t *ctx,
                               const char *cname,
                               const struct ap_socache_hints *hints,
                               server_rec *s, apr_pool_t *p)
{
    shmht_retained_rec *kept;
    const char *key;
    ac_shmht_stats_t st;
    apr_status_t rv;
    int kept_entries;

    /* SipHash comes from OpenSSL: fetched here, before any thread, for
     * socache users other than mod_authcache too */
    if ((rv = ac_crypto_init()) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     AC_LOGNO(1205) "OpenSSL lacks SipHash for the %s store",
                     cname);
        return rv;
    }
    key = apr_pstrcat(p, SHMHT_RETAINED_KEY, cname, ":",
                      ctx->file ? ctx->file : "", NULL);
    kept = ap_retained_data_get(key);
    if (!kept)
        kept = ap_retained_data_create(key, sizeof(*kept));
    kept_entries = take_over(ctx, kept, cname, s);
    if (!kept_entries) {
        rv = create_table(ctx, cname, hints, s, s->process->pool);
        if (rv != APR_SUCCESS) {
            if (ctx->shm)
                apr_shm_destroy(ctx->shm);
            ctx->shm = NULL;
            ctx->table = NULL;
            return rv;
        }
        kept->shm = ctx->shm;
        kept->size = ctx->size;
    }
    apr_pool_cleanup_register(ctx->pool, ctx, shmht_cleanup,
                              apr_pool_cleanup_null);
    ac_shmht_stats(ctx->table, &st);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
                 AC_LOGNO(1206) "%s store: %s %" APR_SIZE_T_FMT " bytes of %s "
                 "shared memory (%" APR_UINT64_T_FMT " entries), %u buckets, "
                 "%u chunks of %" APR_SIZE_T_FMT " bytes", cname,
                 kept_entries ? "kept" : "made", st.size,
                 ctx->file ? ctx->file : "anonymous", st.entries,
                 st.nbuckets, st.nchunks, st.chunk_size);
    return APR_SUCCESS;
}

static void shmht_destroy(ap_socache_instance_t *ctx, server_rec *s)
{
    (void)s;
    if (ctx)
        apr_pool_cleanup_run(ctx->pool, ctx, shmht_cleanup);
}

static apr_status_t shmht_store(ap_socache_instance_t *ctx, server_rec *s,
                                const unsigned char *id, unsigned int idlen,
                                apr_time_t expiry, unsigned char *data,
                                unsigned int datalen, apr_pool_t *p)
{
    (void)s;
    (void)p;
    if (!ctx->table)
        return APR_EGENERAL;
    return ac_shmht_store(ctx->table, id, idlen, data, datalen, expiry,
                          apr_time_now());
}

static apr_status_t shmht_retrieve(ap_socache_instance_t *ctx,
                                   server_rec *s, const unsigned char *id,
                                   unsigned int idlen, unsigned char *dest,
                                   unsigned int *destlen, apr_pool_t *p)
{
    apr_size_t len = *destlen;
    apr_status_t rv;

    (void)s;
    (void)p;
    if (!ctx->table)
        return APR_NOTFOUND;
    rv = ac_shmht_retrieve(ctx->table, id, idlen, apr_time_now(), dest, &len);
    if (rv == APR_SUCCESS)
        *destlen = (unsigned int)len;
    return rv;
}

static apr_status_t shmht_remove(ap_socache_instance_t *ctx, server_rec *s,
                                 const unsigned char *id, unsigned int idlen,
                                 apr_pool_t *p)
{
    (void)s;
    (void)p;
    if (!ctx->table)
        return APR_NOTFOUND;
    return ac_shmht_remove(ctx->table, id, idlen);
}

/*
 * The figures, as an HTML table or (AP_STATUS_SHORT) "Key: value" lines.
 * The short keys are shmcb's where they mean the same (Discard: dropped
 * to make room), so that scripts reading shmcb's read these. "Entries"
 * counts expired entries not yet met by a lookup; they are dropped when
 * met, or when their chunks are needed.
 */
static void shmht_status(ap_socache_instance_t *ctx, request_rec *r,
                         int flags)
{
    ac_shmht_stats_t st;
    struct {
        const char *label, *key;
        apr_uint64_t value;
    } rows[12];
    int i, n = 0;

    if (!ctx->table)
        return;
    ac_shmht_stats(ctx->table, &st);
#define ROW(l, k, v) do {                                               \
        rows[n].label = l;                                              \
        rows[n].key = k;                                                \
        rows[n++].value = v;                                            \
    } while (0)
    ROW("shared memory (bytes)", "CacheSharedMemory", st.size);
    ROW("current entries", "CacheCurrentEntries", st.entries);
    ROW("chunks used", "CacheChunksUsed", st.chunks_used);
    ROW("chunks free", "CacheChunksFree", st.nchunks - st.chunks_used);
    ROW("bytes per chunk", "CacheBytesPerChunk", st.chunk_size);
    ROW("hash buckets", "CacheBuckets", st.nbuckets);
    ROW("stores (replacements included)", "CacheStoreCount", st.stores);
    ROW("retrieves: hit", "CacheRetrieveHitCount", st.hits);
    ROW("retrieves: miss", "CacheRetrieveMissCount", st.misses);
    ROW("expired", "CacheExpireCount", st.expired);
    ROW("evicted (oldest-written, to make room)", "CacheDiscardCount",
        st.evictions);
    ROW("removed", "CacheRemoveHitCount", st.removes);
#undef ROW

    if (flags & AP_STATUS_SHORT) {
        ap_rputs("CacheType: authcache\n", r);
        for (i = 0; i < n; i++)
            ap_rprintf(r, "%s: %" APR_UINT64_T_FMT "\n", rows[i].key,
                       rows[i].value);
        return;
    }
    ap_rputs("<table border=\"1\">\n"
             "<tr><th>cache type</th><td>authcache "
             "(shared-memory hash table)</td></tr>\n", r);
    for (i = 0; i < n; i++)
        ap_rprintf(r, "<tr><th>%s</th><td>%" APR_UINT64_T_FMT "</td></tr>\n",
                   rows[i].label, rows[i].value);
    ap_rputs("</table>\n", r);
}

apr_status_t authcache_shmht_stats(ap_socache_instance_t *ctx,
                                  ac_shmht_stats_t *st)
{
    if (!ctx->table)
        return APR_NOTFOUND;
    ac_shmht_stats(ctx->table, st);
    return APR_SUCCESS;
}

apr_status_t authcache_shmht_update(ap_socache_instance_t *ctx,
                                    const unsigned char *id,
                                    unsigned int idlen, apr_time_t expiry,
                                    unsigned char *buf, unsigned int cap,
                                    ac_shmht_update_fn *fn, void *baton,
                                    apr_uint32_t *hint)
{
    if (!ctx->table)
        return APR_NOTFOUND;
    return ac_shmht_update(ctx->table, id, idlen, expiry, apr_time_now(), buf,
                           cap, fn, baton, hint);
}

typedef struct {
    ap_socache_instance_t *ctx;
    server_rec *s;
    void *userctx;
    ap_socache_iterator_t *iterator;
    apr_pool_t *pool;
} iterate_rec;

static apr_status_t iterate_one(void *baton, const unsigned char *key,
                                apr_size_t klen, const unsigned char *value,
                                apr_size_t vlen)
{
    iterate_rec *it = baton;

    return it->iterator(it->ctx, it->s, it->userctx, key, (unsigned int)klen,
                        value, (unsigned int)vlen, it->pool);
}

static apr_status_t shmht_iterate(ap_socache_instance_t *ctx, server_rec *s,
                                  void *userctx,
                                  ap_socache_iterator_t *iterator,
                                  apr_pool_t *p)
{
    iterate_rec it = { ctx, s, userctx, iterator, p };

    if (!ctx->table)
        return APR_SUCCESS;
    return ac_shmht_iterate(ctx->table, apr_time_now(), p, iterate_one, &it);
}

static const ap_socache_provider_t shmht_provider = {
    "authcache",
    AP_SOCACHE_FLAG_NOTMPSAFE,
    shmht_create,
    shmht_init,
    shmht_destroy,
    shmht_store,
    shmht_retrieve,
    shmht_remove,
    shmht_status,
    shmht_iterate
};

void authcache_shmht_register(apr_pool_t *p)
{
    ap_register_provider(p, AP_SOCACHE_PROVIDER_GROUP, "authcache",
                         AP_SOCACHE_PROVIDER_VERSION, &shmht_provider);
}
