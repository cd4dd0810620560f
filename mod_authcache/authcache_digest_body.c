/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qop=auth-int: the request body is part of the Digest response, so it is
 * read and hashed before the handler runs, then handed to the handler
 * through an input filter. It is hashed as it arrives; the first
 * DIGEST_BODY_IN_MEMORY bytes are kept in memory and a larger body in a
 * temporary file (deleted when the request ends), so memory stays bounded
 * whatever AuthCacheDigestMaxBody allows.
 */
#include "apr_file_io.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include "authcache_digest.h"

APLOG_USE_MODULE(authcache);

#define DIGEST_BODY_FILTER "AUTHCACHE_DIGEST_BODY"
#define DIGEST_BODY_IN_MEMORY (64 * 1024)

typedef struct {
    request_rec *r;
    apr_bucket_brigade *kept;   /* what the handler will read */
    apr_off_t kept_len;         /* in memory */
    apr_file_t *spool;          /* NULL: all in memory */
    apr_off_t total;
} body_t;

/* Hands the kept body to whoever reads the request body next. */
static apr_status_t body_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                ap_input_mode_t mode, apr_read_type_e block,
                                apr_off_t readbytes)
{
    apr_bucket_brigade *kept = f->ctx;

    if (mode != AP_MODE_READBYTES)
        return ap_get_brigade(f->next, bb, mode, block, readbytes);
    if (APR_BRIGADE_EMPTY(kept)) {
        ap_remove_input_filter(f);
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
        return APR_SUCCESS;
    }
    APR_BRIGADE_CONCAT(bb, kept);
    return APR_SUCCESS;
}

/* From here on the body goes to a temporary file, what was kept first. */
static apr_status_t spool_start(body_t *b)
{
    const char *dir;
    char *tmpl, *data;
    apr_size_t len;
    apr_status_t rv = apr_temp_dir_get(&dir, b->r->pool);

    if (rv != APR_SUCCESS)
        return rv;
    tmpl = apr_pstrcat(b->r->pool, dir, "/authcache-body.XXXXXX", NULL);
    rv = apr_file_mktemp(&b->spool, tmpl,
                         APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE
                         | APR_FOPEN_EXCL | APR_FOPEN_DELONCLOSE
                         | APR_FOPEN_BINARY, b->r->pool);
    if (rv == APR_SUCCESS && b->kept_len) {
        rv = apr_brigade_pflatten(b->kept, &data, &len, b->r->pool);
        if (rv == APR_SUCCESS)
            rv = apr_file_write_full(b->spool, data, len, NULL);
        apr_brigade_cleanup(b->kept);
    }
    return rv;
}

static apr_status_t body_keep(body_t *b, const char *data, apr_size_t len)
{
    apr_status_t rv;

    if (!b->spool && b->kept_len + (apr_off_t)len > DIGEST_BODY_IN_MEMORY
        && (rv = spool_start(b)) != APR_SUCCESS)
        return rv;
    if (b->spool)
        return apr_file_write_full(b->spool, data, len, NULL);
    b->kept_len += len;
    return apr_brigade_write(b->kept, NULL, NULL, data, len);
}

/* The spooled body, as one file bucket from its start. */
static apr_status_t spool_finish(body_t *b)
{
    apr_off_t off = 0;
    apr_status_t rv = apr_file_seek(b->spool, APR_SET, &off);

    if (rv == APR_SUCCESS)
        apr_brigade_insert_file(b->kept, b->spool, 0, b->total, b->r->pool);
    return rv;
}

int authcache_digest_body(request_rec *r, apr_off_t max,
                          ac_digest_alg_e alg, char *hex)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    body_t b = { r, NULL, 0, NULL, 0 };
    ac_digest_h_state *st;
    int seen_eos = 0, status = OK;
    apr_status_t rv;

    b.kept = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    if (ac_digest_h_start(alg, &st) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    while (!seen_eos && status == OK) {
        apr_bucket *e;

        rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                            APR_BLOCK_READ, HUGE_STRING_LEN);
        if (rv != APR_SUCCESS) {
            status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            break;
        }
        for (e = APR_BRIGADE_FIRST(bb);
             e != APR_BRIGADE_SENTINEL(bb) && status == OK;
             e = APR_BUCKET_NEXT(e)) {
            const char *data;
            apr_size_t len;

            if (APR_BUCKET_IS_EOS(e)) {
                seen_eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(e))
                continue;
            if (apr_bucket_read(e, &data, &len, APR_BLOCK_READ)
                != APR_SUCCESS)
                status = HTTP_BAD_REQUEST;
            else if ((b.total += len) > max)
                status = HTTP_REQUEST_ENTITY_TOO_LARGE;
            else if (ac_digest_h_add(st, data, len) != APR_SUCCESS
                     || (rv = body_keep(&b, data, len)) != APR_SUCCESS) {
                ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                              AC_LOGNO(0301) "cannot keep the auth-int body of "
                              "%s", r->uri);
                status = HTTP_INTERNAL_SERVER_ERROR;
            }
        }
        apr_brigade_cleanup(bb);
    }
    if (status == OK && b.spool && spool_finish(&b) != APR_SUCCESS)
        status = HTTP_INTERNAL_SERVER_ERROR;
    if (status != OK) {
        ac_digest_h_free(st);
        return status;
    }
    if (ac_digest_h_finish(st, hex) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    ap_add_input_filter(DIGEST_BODY_FILTER, b.kept, r, r->connection);
    return OK;
}

void authcache_digest_body_register(apr_pool_t *p)
{
    (void)p;
    ap_register_input_filter(DIGEST_BODY_FILTER, body_filter, NULL,
                             AP_FTYPE_RESOURCE);
}
