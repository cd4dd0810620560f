/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The credential a scheme caches on a keep-alive connection (NTLM's
 * logon, Kerberos' identity): one malloc'd block with its strings, so an
 * idle connection holding it costs some hundred bytes and no pool block.
 * Shared here: making and freeing it, its scopes and purge check, and the
 * filter that drops it when an application answers 401 to a request it
 * served. Each scheme keeps its handshake state in its own file.
 */
#include <stdlib.h>

#include "apr_allocator.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mpm_common.h"
#include "util_filter.h"

#include "mod_authcache.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

#define CONNCRED_FILTER "AUTHCACHE_CONNCRED_401"
#define CONNCRED_NSTR   5      /* user, domain, groups, realm, principal */

/* the schemes whose credentials the 401 filter looks after */
static const authcache_conncred_scheme *schemes[3];

/* Copies n strings (NULL allowed) after a header of size head, in one
 * zeroed block: out[i] points at the copy of in[i]. NULL when out of
 * memory. */
static void *conncred_block(apr_size_t head, const char *const *in,
                            const char **out, int n)
{
    apr_size_t len = head;
    char *block, *p;
    int i;

    for (i = 0; i < n; i++)
        len += in[i] ? strlen(in[i]) + 1 : 0;
    if (!(block = calloc(1, len)))
        return NULL;
    for (p = block + head, i = 0; i < n; i++) {
        out[i] = NULL;
        if (in[i]) {
            apr_size_t l = strlen(in[i]) + 1;

            out[i] = memcpy(p, in[i], l);
            p += l;
        }
    }
    return block;
}

authcache_conncred *authcache_conncred_make(const authcache_conncred *id,
                                            const authcache_conncred *old,
                                            const char *scope)
{
    const char *in[CONNCRED_NSTR + AUTHCACHE_CONNCRED_MAX_SCOPES];
    const char *out[CONNCRED_NSTR + AUTHCACHE_CONNCRED_MAX_SCOPES];
    authcache_conncred *c;
    int n = 0, i;

    in[0] = id->user;
    in[1] = id->domain;
    in[2] = id->groups;
    in[3] = id->realm;
    in[4] = id->principal;
    for (i = 0; old && i < old->nscopes; i++)
        in[CONNCRED_NSTR + n++] = old->scopes[i];
    if (n < AUTHCACHE_CONNCRED_MAX_SCOPES)
        in[CONNCRED_NSTR + n++] = scope;
    if (!(c = conncred_block(sizeof(*c), in, out, CONNCRED_NSTR + n)))
        return NULL;
    c->verified_at = id->verified_at;
    c->expires = id->expires;
    c->carried = id->carried;
    c->user = out[0];
    c->domain = out[1];
    c->groups = out[2];
    c->realm = out[3];
    c->principal = out[4];
    c->nscopes = n;
    for (i = 0; i < n; i++)
        c->scopes[i] = out[CONNCRED_NSTR + i];
    return c;
}

void authcache_conncred_free(authcache_conncred **c)
{
    free(*c);
    *c = NULL;
}

int authcache_conncred_in_scope(const authcache_conncred *c,
                                const char *scope)
{
    int i;

    for (i = 0; i < c->nscopes; i++)
        if (!strcmp(c->scopes[i], scope))
            return 1;
    return 0;
}

void authcache_conncred_add_scope(authcache_conncred **c, const char *scope)
{
    authcache_conncred *old = *c, *wider;

    if (authcache_conncred_in_scope(old, scope)
        || old->nscopes >= AUTHCACHE_CONNCRED_MAX_SCOPES)
        return;
    /* the old block stays readable until the new one is made; out of
     * memory, nothing is cached and the client logs on again */
    wider = authcache_conncred_make(old, old, scope);
    free(old);
    *c = wider;
}

int authcache_conncred_purged(const authcache_conncred *c)
{
    return authcache_purged(c->user, strlen(c->user), c->domain,
                            strlen(c->domain), c->verified_at);
}

const char *authcache_conncred_header(const char *sent, const char *scheme)
{
    apr_size_t n = strlen(scheme);

    return sent && !strncasecmp(sent, scheme, n)
           && (!sent[n] || sent[n] == ' ') ? sent : NULL;
}

int authcache_conncred_reuse(request_rec *r, const char *source,
                             const char *header)
{
    const authcache_req_rec *e = authcache_req_earlier(r, source, header);

    if (!e || strcmp(e->granted_scope, authcache_scope(r)))
        return 0;
    authcache_notes_reuse(r, e);
    return 1;
}

int authcache_conncred_granted(request_rec *r, const char *type,
                               const char *source, const char *remote_user,
                               int cached, int persistent, const char *user,
                               const char *domain, const char *groups,
                               const char *header)
{
    r->user = (char *)remote_user;
    r->ap_auth_type = (char *)type;
    authcache_notes_grant(r, cached, source, user, domain, groups, header);
    /* as IIS: tells the client whether it may skip the header next time */
    apr_table_setn(r->err_headers_out, "Persistent-Auth",
                   persistent ? "true" : "false");
    return OK;
}

void authcache_conncred_register(const authcache_conncred_scheme *s)
{
    int i;

    for (i = 0; i < (int)(sizeof(schemes) / sizeof(schemes[0])); i++)
        if (!schemes[i] || schemes[i] == s) {
            schemes[i] = s;
            return;
        }
}

/*
 * An application (CGI, proxied backend) that answers 401 to a request
 * served from the cached credential rejects that credential: drop it and
 * challenge, so the client starts a new handshake; the credential does
 * not outlive an error it caused.
 */
static apr_status_t conncred_401_filter(ap_filter_t *f,
                                        apr_bucket_brigade *bb)
{
    const authcache_conncred_scheme *s = f->ctx;
    request_rec *r = f->r;
    const authcache_conncred *c;

    if (r->status == HTTP_UNAUTHORIZED && (c = s->cred(r))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(2201) "the application refused the cached "
                      "%s credential of %s\\%s for %s; challenging",
                      s->challenge, c->domain, c->user, r->uri);
        if (s->rejected_counter >= 0)
            authcache_count((authcache_counter_e)s->rejected_counter);
        s->forget(r);
        apr_table_unset(r->headers_out, "WWW-Authenticate");
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", s->challenge);
        apr_table_setn(r->err_headers_out, "Persistent-Auth", "false");
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* A response served from a connection's credential gets the filter. */
static void conncred_insert_filter(request_rec *r)
{
    const char *flag = apr_table_get(r->notes, AUTHCACHE_VAR_CACHED_CRED);
    const char *src = apr_table_get(r->notes, AUTHCACHE_VAR_SOURCE);
    int i;

    if (!flag || *flag != '1' || !src)
        return;
    for (i = 0; i < (int)(sizeof(schemes) / sizeof(schemes[0])); i++)
        if (schemes[i] && !strcmp(src, schemes[i]->source)) {
            ap_add_output_filter(CONNCRED_FILTER, (void *)schemes[i], r,
                                 r->connection);
            return;
        }
}

/* the MPM's limit (MaxMemFree) back on the connection's allocator */
static apr_status_t conncred_untrim(void *data)
{
    authcache_conn_rec *cc = data;

    if (cc->trimmed) {
        apr_allocator_max_free_set(cc->trimmed, ap_max_mem_free);
        cc->trimmed = NULL;
    }
    return APR_SUCCESS;
}

/*
 * What a trimmed connection's allocator keeps of the blocks the logon's
 * pool gives back: about what a plain request's pool takes (two 8 KiB
 * blocks), so the next request on it needs no new ones. Debian's APR maps
 * every block of its own (mmap), so each block given back is a munmap
 * now and an mmap, page faults included, for the connection that reuses
 * the allocator: keeping none doubled the CPU of a Kerberos handshake.
 */
#define CONNCRED_TRIM_KEEP (16 * 1024)

/* r's pool is going back to the allocator: keep a plain request's blocks */
static apr_status_t conncred_trim(void *data)
{
    apr_allocator_max_free_set(data, CONNCRED_TRIM_KEEP);
    return APR_SUCCESS;
}

void authcache_conncred_trim(request_rec *r)
{
    authcache_conn_rec *cc = authcache_conn(r);
    apr_allocator_t *a = apr_pool_allocator_get(r->connection->pool);
    request_rec *top = r;

    while (top->main)
        top = top->main;
    /* not an HTTP/2 stream's, whose pools are its connection's */
    if (cc->trimmed || r->connection->master
        || apr_pool_allocator_get(top->pool) != a)
        return;
    if (!cc->untrim_registered) {
        /* a pre-cleanup: the limit is back before the connection's pools
         * are torn down, so what they free stays for the next connection
         * (freeing it too made every later logon malloc it again) */
        apr_pool_pre_cleanup_register(r->connection->pool, cc,
                                      conncred_untrim);
        cc->untrim_registered = 1;
    }
    cc->trimmed = a;
    apr_pool_cleanup_register(top->pool, a, conncred_trim,
                              apr_pool_cleanup_null);
}

/* the next request on a trimmed connection: the MPM's limit again */
static int conncred_post_read_request(request_rec *r)
{
    authcache_conn_rec *cc = ap_get_module_config(r->connection->conn_config,
                                                  &authcache_module);

    if (cc && cc->trimmed)
        conncred_untrim(cc);
    return DECLINED;
}

void authcache_conncred_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_read_request(conncred_post_read_request, NULL, NULL,
                              APR_HOOK_REALLY_FIRST);
    ap_register_output_filter(CONNCRED_FILTER, conncred_401_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
    ap_hook_insert_filter(conncred_insert_filter, NULL, NULL,
                          APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(conncred_insert_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
}
