/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AuthType Digest (RFC 7616) with a shared security-context cache, as
 * Microsoft Digest keeps one: after a logon checked against a backend,
 * the context (scope, realm, user, algorithm, H(A1)) is sealed into the
 * store under its opaque value, beside a replay window (nonce, counts
 * seen). Later requests carrying that opaque are verified from the
 * context without a backend lookup, with replay detection on the nonce
 * count.
 *
 * A request goes through four phases over one authcache_digest_req:
 * vet the header (parse, what we offered, our opaque and nonce), resolve
 * the context (the cached one, or H(A1) from the backends for a first
 * use), verify the response, commit (replay window, and after a logon
 * the new context).
 *
 * mod_authcache handles Digest only where AuthCacheDigestProvider or
 * AuthCacheDigestUserFile is set; its hooks run first there, so
 * mod_auth_digest (if loaded) never sees those requests and keeps every
 * other Digest location.
 */
#include <openssl/crypto.h>

#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"

#include "mod_authcache.h"
#include "authcache_digest.h"

APLOG_USE_MODULE(authcache);

/* digest_resolve copies a context's H(A1) into the request's whole */
typedef char ha1_buffers_of_one_size[
    sizeof(((authcache_digest_req *)0)->ha1)
    == sizeof(((ac_digest_ctx_t *)0)->ha1) ? 1 : -1];

/* What a phase says: go on, or answer with this status. */
#define DIGEST_NEXT (-1)

static apr_status_t digest_conn_cleanup(void *data)
{
    authcache_digest_conn *k = data;

    OPENSSL_cleanse(k->ctx.ha1, sizeof(k->ctx.ha1));
    OPENSSL_cleanse(k->ctx_key, sizeof(k->ctx_key));
    return APR_SUCCESS;
}

static authcache_digest_conn *digest_conn(request_rec *r)
{
    authcache_conn_rec *cc = authcache_conn_keyed(r);
    apr_pool_t *cp = r->connection->pool;
    authcache_digest_conn *k;

    if (!cc || !cc->mac)
        return NULL;
    if (cc->digest)
        return cc->digest;
    k = apr_pcalloc(cp, sizeof(*k));
    k->mac = cc->mac;
    if (ac_mac_derive(cc->mac, "authcache-digest-ctx-v1", k->ctx_key)
        != APR_SUCCESS || apr_pool_create(&k->pool, cp) != APR_SUCCESS)
        return NULL;
    apr_pool_tag(k->pool, "authcache_digest_conn");
    apr_pool_cleanup_register(cp, k, digest_conn_cleanup,
                              apr_pool_cleanup_null);
    cc->digest = k;
    return k;
}

int authcache_digest_hex_same(const char *a, const char *b)
{
    apr_size_t n = strlen(a);

    /* the lengths are public, the bytes compared in constant time */
    return strlen(b) == n && !CRYPTO_memcmp(a, b, n);
}

static const char *realm_of(request_rec *r)
{
    const char *realm = ap_auth_name(r);

    return realm ? realm : "";
}

/*
 * 401 with one challenge per configured algorithm, strongest first, all
 * for one opaque: a new one, or the context's when its nonce went stale.
 */
static int digest_challenge(request_rec *r,
                            const authcache_dir_config_rec *conf,
                            const authcache_digest_conn *k,
                            const char *opaque, int stale)
{
    const char *hdr = r->proxyreq == PROXYREQ_PROXY ? "Proxy-Authenticate"
                                                     : "WWW-Authenticate";
    const authcache_digest_alg_rec *a =
        (const authcache_digest_alg_rec *)conf->digest_algorithms->elts;
    char nonce[AC_DIGEST_NONCE_LEN + 1], op[AC_DIGEST_OPAQUE_LEN + 1];
    unsigned char rnd[16];
    const char *qop;
    int i;

    if (!opaque) {
        if (apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS)
            return HTTP_INTERNAL_SERVER_ERROR;
        ac_digest_opaque_make(rnd, op);
        opaque = op;
    }
    if (ac_digest_nonce_make(k->mac, realm_of(r), opaque,
                             apr_time_now(), nonce) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    qop = conf->digest_qop == (AUTHCACHE_QOP_AUTH | AUTHCACHE_QOP_AUTH_INT)
          ? "auth, auth-int"
          : conf->digest_qop == AUTHCACHE_QOP_AUTH_INT ? "auth-int" : "auth";
    for (i = 0; i < conf->digest_algorithms->nelts; i++)
        apr_table_add(r->err_headers_out, hdr, apr_psprintf(r->pool,
            "Digest realm=\"%s\", qop=\"%s\", algorithm=%s, nonce=\"%s\", "
            "opaque=\"%s\", charset=UTF-8%s%s",
            ap_escape_quotes(r->pool, realm_of(r)), qop,
            ac_digest_alg_name(a[i].alg, a[i].sess), nonce, opaque,
            /* a hashed name is resolved through the user file only */
            conf->digest_userhash && conf->digest_user_file
                ? ", userhash=true" : "",
            stale ? ", stale=true" : ""));
    if (!stale)
        authcache_count(AUTHCACHE_C_digest_challenges);
    return authcache_auth_status(r);
}

/* A refusal with a log line and a new challenge. */
static int digest_refuse(const authcache_digest_req *q,
                         authcache_counter_e counter, const char *why)
{
    authcache_count(counter);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r,
                  AC_LOGNO(0201) "Digest logon refused for %s: %s", q->r->uri,
                  why);
    return digest_challenge(q->r, q->conf, q->k, NULL, 0);
}

/* A lost context, or an old nonce: stale=true, the client retries. */
static int digest_stale(const authcache_digest_req *q, const char *opaque)
{
    authcache_count(AUTHCACHE_C_digest_stale);
    return digest_challenge(q->r, q->conf, q->k, opaque, 1);
}

static int digest_bad_input(const authcache_digest_req *q, const char *why)
{
    authcache_count(AUTHCACHE_C_digest_bad_input);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, AC_LOGNO(0202) "%s", why);
    return HTTP_BAD_REQUEST;
}

/*
 * The uri parameter must name the client's request (RFC 7616 3.4.6): in
 * a subrequest or internal redirect, the one it came from (as
 * mod_auth_digest does).
 */
static int uri_matches(const request_rec *first, const char *uri)
{
    return !strcmp(uri, first->unparsed_uri)
           || (first->parsed_uri.path && !strcmp(uri, first->parsed_uri.path)
               && !first->args);
}

/*
 * ac_digest_nonce_check, remembered for the connection: a client sends
 * the same nonce on every request until it goes stale, and its MAC need
 * not be checked again, only its age.
 */
static apr_status_t nonce_check(authcache_digest_req *q, const char **why)
{
    authcache_digest_conn *k = q->k;
    const ac_digest_req_t *d = &q->d;
    apr_interval_time_t lifetime = q->conf->digest_nonce_lifetime;
    apr_status_t rv;

    if (k->nonce_realm && !strcmp(k->nonce, d->nonce)
        && !strcmp(k->nonce_opaque, d->opaque)
        && !strcmp(k->nonce_realm, d->realm)) {
        q->stale = q->now - k->nonce_time > lifetime;
        return APR_SUCCESS;
    }
    rv = ac_digest_nonce_check(k->mac, d->realm, d->opaque, d->nonce, q->now,
                               lifetime, &q->stale, why);
    if (rv == APR_SUCCESS) {
        apr_cpystrn(k->nonce, d->nonce, sizeof(k->nonce));
        /* digest_vet checked d->opaque first: opaque_remembered counts
         * on it */
        apr_cpystrn(k->nonce_opaque, d->opaque, sizeof(k->nonce_opaque));
        if (!k->nonce_realm || strcmp(k->nonce_realm, d->realm))
            k->nonce_realm = apr_pstrdup(q->r->connection->pool, d->realm);
        k->nonce_time = ac_digest_nonce_time(d->nonce);
    }
    return rv;
}

/* the opaque nonce_check last remembered, which it stores only after
 * digest_vet checked it (below): the same string needs no check again */
static int opaque_remembered(const authcache_digest_conn *k,
                             const char *opaque)
{
    return k->nonce_realm && !strcmp(k->nonce_opaque, opaque);
}

/* Phase 1: a well-formed answer to a challenge of ours, as offered here. */
static int digest_vet(authcache_digest_req *q)
{
    const authcache_dir_config_rec *conf = q->conf;
    const authcache_digest_alg_rec *offered =
        (const authcache_digest_alg_rec *)conf->digest_algorithms->elts;
    ac_digest_req_t *d = &q->d;
    const char *why = NULL;
    int i;

    if (ac_digest_parse(q->header, strlen(q->header), q->r->pool, d, &why)
        != APR_SUCCESS || ac_digest_req_check(d, &why) != APR_SUCCESS)
        return digest_bad_input(q, apr_psprintf(q->r->pool, "malformed "
                                "Digest credentials for %s: %s", q->r->uri,
                                why));
    if (!uri_matches(q->first, d->uri))
        return digest_bad_input(q, apr_psprintf(q->r->pool, "Digest uri "
                                "\"%s\" is not the request's %s", d->uri,
                                q->first->unparsed_uri));
    if (strcmp(d->realm, realm_of(q->r)))
        return digest_refuse(q, AUTHCACHE_C_digest_denials, "another realm");
    /* only what we offered: no downgrade to an algorithm or qop not here */
    for (i = 0; i < conf->digest_algorithms->nelts; i++)
        if ((int)d->alg == offered[i].alg && d->sess == offered[i].sess)
            break;
    if (i == conf->digest_algorithms->nelts)
        return digest_refuse(q, AUTHCACHE_C_digest_denials,
                             apr_pstrcat(q->r->pool, "algorithm ",
                                         ac_digest_alg_name(d->alg, d->sess),
                                         " is not offered here", NULL));
    if (!(conf->digest_qop & (d->qop == AC_DIGEST_QOP_AUTH_INT
                              ? AUTHCACHE_QOP_AUTH_INT : AUTHCACHE_QOP_AUTH)))
        return digest_refuse(q, AUTHCACHE_C_digest_denials,
                             "qop not offered here");
    if (!d->opaque || (!opaque_remembered(q->k, d->opaque)
                       && !ac_digest_opaque_valid(d->opaque)))
        return digest_refuse(q, AUTHCACHE_C_digest_denials,
                             "no opaque of ours");
    if (nonce_check(q, &why) != APR_SUCCESS)
        return digest_refuse(q, AUTHCACHE_C_digest_denials, why);
    return DIGEST_NEXT;
}

/* the cached context answers for this scope, realm, algorithm and user */
static int context_fits(const authcache_digest_req *q)
{
    const ac_digest_ctx_t *c = q->cached;
    const ac_digest_req_t *d = &q->d;
    char uh[AUTHCACHE_DIGEST_HEX_MAX];

    if (strcmp(c->realm, d->realm) || (int)c->alg != (int)d->alg
        || c->sess != d->sess)
        return 0;
    return d->userhash
        ? ac_digest_userhash(d->alg, c->user, d->realm, uh) == APR_SUCCESS
          && authcache_digest_hex_same(uh, d->username)
        : !strcmp(c->user, d->username);
}

/* 1 when c's user was purged after c was made */
static int digest_purged(const ac_digest_ctx_t *c)
{
    const char *domain = c->domain ? c->domain : "";

    return authcache_purged(c->user, strlen(c->user), domain, strlen(domain),
                            c->created);
}

/*
 * Phase 2: the context the opaque names, or for a first use (nc 1, a
 * young nonce) H(A1) from the backends. Nothing of the body is read
 * before this has succeeded.
 */
static int digest_resolve(authcache_digest_req *q)
{
    const ac_digest_req_t *d = &q->d;
    apr_status_t rv;
    int old = 0;

    if (authcache_digest_context_get(q) == APR_SUCCESS) {
        if (strcmp(q->cached->scope, authcache_scope(q->r))) {
            /* verified by another section's authority: log on here */
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r,
                          AC_LOGNO(0203) "Digest context of %s was made in "
                          "another scope than %s's: a new one is offered",
                          q->cached->user, q->r->uri);
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, q->r,
                          AC_LOGNO(0204) "context scope %s, request scope %s",
                          q->cached->scope, authcache_scope(q->r));
            return digest_challenge(q->r, q->conf, q->k, NULL, 0);
        }
        if (!context_fits(q))
            return digest_refuse(q, AUTHCACHE_C_digest_denials,
                                 "the opaque names another context");
        if (digest_purged(q->cached)) {
            authcache_count(AUTHCACHE_C_purged_refused);
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r,
                          AC_LOGNO(0205) "Digest context of %s was purged: a "
                          "new logon is asked for %s", q->cached->user,
                          q->r->uri);
            return digest_challenge(q->r, q->conf, q->k, NULL, 0);
        }
        q->user = q->cached->user;
        /* the same size (checked above): a copy, not a scan for the NUL */
        memcpy(q->ha1, q->cached->ha1, sizeof(q->ha1));
        q->ha1[sizeof(q->ha1) - 1] = '\0';
        return DIGEST_NEXT;
    }
    q->cached = NULL;
    if (d->nc == 1) {
        const char *dummy;

        ac_digest_nonce_check(q->k->mac, d->realm, d->opaque, d->nonce,
                              q->now, AUTHCACHE_DIGEST_FIRST_USE, &old, &dummy);
    }
    if (d->nc != 1 || old) {
        /* a lost (evicted, expired) context, or a replay of one */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r,
                      AC_LOGNO(0206) "no Digest context for this opaque (nc %u) "
                      "on %s: a new one is offered", d->nc, q->r->uri);
        return digest_stale(q, NULL);
    }
    rv = authcache_digest_lookup_ha1(q);
    if (rv == APR_NOTFOUND)
        return digest_refuse(q, AUTHCACHE_C_digest_denials,
                             apr_pstrcat(q->r->pool, "unknown user ",
                                         d->username, NULL));
    return rv == APR_SUCCESS ? DIGEST_NEXT : HTTP_INTERNAL_SERVER_ERROR;
}

/* H(A2) of q, for qop=auth the connection's again where it repeats */
static apr_status_t request_ha2(const authcache_digest_req *q, char *ha2)
{
    const ac_digest_req_t *d = &q->d;
    authcache_digest_conn *k = q->k;
    const char *method = q->first->method;
    apr_status_t rv;

    if (d->qop == AC_DIGEST_QOP_AUTH_INT)
        return ac_digest_ha2(d->alg, d->qop_name, method, d->uri, q->bhash,
                             ha2);
    if (k->ha2_alg == (int)d->alg + 1 && !strcmp(k->ha2_method, method)
        && !strcmp(k->ha2_uri, d->uri)) {
        memcpy(ha2, k->ha2, sizeof(k->ha2));
        return APR_SUCCESS;
    }
    rv = ac_digest_ha2(d->alg, d->qop_name, method, d->uri, NULL, ha2);
    k->ha2_alg = 0;
    if (rv == APR_SUCCESS && strlen(method) < sizeof(k->ha2_method)
        && strlen(d->uri) < sizeof(k->ha2_uri)) {
        strcpy(k->ha2_method, method);
        strcpy(k->ha2_uri, d->uri);
        memcpy(k->ha2, ha2, sizeof(k->ha2));
        k->ha2_alg = (int)d->alg + 1;
    }
    return rv;
}

/* 1 when the response is right for q->ha1 (never the -sess one) */
static int response_ok(const authcache_digest_req *q)
{
    const ac_digest_req_t *d = &q->d;
    char sess_ha1[AUTHCACHE_DIGEST_HEX_MAX], expect[AUTHCACHE_DIGEST_HEX_MAX];
    char ha2[AUTHCACHE_DIGEST_HEX_MAX];
    const char *key = d->sess ? sess_ha1 : q->ha1;
    apr_status_t rv = APR_SUCCESS;
    int ok;

    if (d->sess)
        rv = ac_digest_ha1_sess(d->alg, q->ha1, d->nonce, d->cnonce,
                                sess_ha1);
    if (rv == APR_SUCCESS)
        rv = request_ha2(q, ha2);
    if (rv == APR_SUCCESS)
        rv = ac_digest_response_ha2(d->alg, key, d->nonce, d->nc_hex,
                                    d->cnonce, d->qop_name, ha2, expect);
    ok = rv == APR_SUCCESS && authcache_digest_hex_same(expect, d->response);
    if (d->sess)
        OPENSSL_cleanse(sess_ha1, sizeof(sess_ha1));
    return ok;
}

/* Phase 3: the body (auth-int), then the response. */
static int digest_verify(authcache_digest_req *q)
{
    int status;

    if (q->d.qop == AC_DIGEST_QOP_AUTH_INT) {
        if ((status = authcache_digest_body(q->r, q->conf->digest_max_body,
                                            q->d.alg, q->bhash)) != OK)
            return status;
        authcache_req(q->r)->digest_body_hash = apr_pstrdup(q->r->pool,
                                                            q->bhash);
    }
    if (!response_ok(q))
        return digest_refuse(q, AUTHCACHE_C_digest_denials,
                             apr_pstrcat(q->r->pool, "wrong password for ",
                                         q->user, NULL));
    if (q->stale) {
        /* the right user with an old nonce: a new one, same context */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r,
                      AC_LOGNO(0207) "stale Digest nonce for %s on %s", q->user,
                      q->r->uri);
        return digest_stale(q, q->d.opaque);
    }
    return DIGEST_NEXT;
}

/* Phase 4: the nonce count taken, a logon's context stored. */
static int digest_commit(authcache_digest_req *q)
{
    const char *why = NULL;
    apr_status_t rv;
    int lost;

    if (!q->cached) {
        ac_digest_ctx_t *c = &q->fresh;

        c->scope = authcache_scope(q->r);
        c->realm = q->d.realm;
        c->user = q->user;
        c->domain = "";
        c->alg = q->d.alg;
        c->sess = q->d.sess;
        apr_cpystrn(c->ha1, q->ha1, sizeof(c->ha1));
        c->created = q->now;
        c->expires = q->now + q->conf->digest_context_ttl;
    }
    rv = authcache_digest_commit(q, &lost, &why);
    if (lost) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r,
                      AC_LOGNO(0208) "Digest replay window of %s on %s: %s; a "
                      "new context is offered", q->user, q->r->uri, why);
        return digest_stale(q, NULL);
    }
    if (rv == APR_EGENERAL)
        return HTTP_INTERNAL_SERVER_ERROR;
    if (rv != APR_SUCCESS)
        return digest_refuse(q, AUTHCACHE_C_digest_replays, why);
    return DIGEST_NEXT;
}

static int digest_granted(authcache_digest_req *q, int cached)
{
    request_rec *r = q->r;

    r->user = apr_pstrdup(r->pool, q->user);
    r->ap_auth_type = "Digest";
    authcache_notes_set(r, cached, AUTHCACHE_SOURCE_DIGEST, q->user,
                        q->d.realm, q->header);
    return OK;
}

/*
 * A subrequest or internal redirect, in a section of another scope, of
 * the request that granted this header: the answer is checked again
 * against this section's backends. Its nonce count was taken by that
 * request, so the replay window is not touched and no context is made.
 */
static int digest_reverify(authcache_digest_req *q,
                           const authcache_req_rec *e)
{
    apr_status_t rv = authcache_digest_lookup_ha1(q);

    if (rv == APR_NOTFOUND)
        return digest_refuse(q, AUTHCACHE_C_digest_denials,
                             apr_pstrcat(q->r->pool, "unknown user ",
                                         q->d.username, NULL));
    if (rv != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    if (e->digest_body_hash)
        apr_cpystrn(q->bhash, e->digest_body_hash, sizeof(q->bhash));
    if (!response_ok(q))
        return digest_refuse(q, AUTHCACHE_C_digest_denials,
                             apr_pstrcat(q->r->pool, "wrong password for ",
                                         q->user, NULL));
    return digest_granted(q, 0);
}

static int digest_check_user_id(request_rec *r)
{
    const char *type = ap_auth_type(r);
    const authcache_req_rec *e;
    authcache_digest_req *q;
    int status;

    if (!type || strcasecmp(type, "Digest"))
        return DECLINED;
    q = apr_pcalloc(r->pool, sizeof(*q));
    q->r = r;
    q->conf = ap_get_module_config(r->per_dir_config, &authcache_module);
    if (!AUTHCACHE_DIGEST_ENABLED(q->conf))
        return DECLINED;              /* mod_auth_digest's, if anyone's */
    if (!(q->k = digest_conn(r))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      AC_LOGNO(0209) "Digest keys unavailable for %s", r->uri);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    q->first = authcache_req_initial(r);
    q->now = apr_time_now();
    q->header = authcache_auth_header(r);
    if (!q->header || strncasecmp(q->header, "Digest ", 7)) {
        if (q->header)
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          AC_LOGNO(0210) "not Digest credentials for %s", r->uri);
        return digest_challenge(r, q->conf, q->k, NULL, 0);
    }
    /* once per client request: the same decision in the same scope */
    e = authcache_req_earlier(r, AUTHCACHE_SOURCE_DIGEST, q->header);
    if (e && !strcmp(e->granted_scope, authcache_scope(r))) {
        authcache_notes_reuse(r, e);
        return OK;
    }
    if ((status = digest_vet(q)) != DIGEST_NEXT)
        return status;
    if (e)
        status = digest_reverify(q, e);
    else if ((status = digest_resolve(q)) == DIGEST_NEXT
             && (status = digest_verify(q)) == DIGEST_NEXT
             && (status = digest_commit(q)) == DIGEST_NEXT) {
        if (q->cached)
            authcache_count(AUTHCACHE_C_digest_context_hits);
        status = digest_granted(q, q->cached != NULL);
    }
    /* H(A1) is a password equivalent: not left in the request's memory */
    OPENSSL_cleanse(q->ha1, sizeof(q->ha1));
    if (!q->cached)                     /* only a logon fills fresh */
        OPENSSL_cleanse(q->fresh.ha1, sizeof(q->fresh.ha1));
    return status;
}

/* Authorization failures (e.g. Require user) answer with our challenge. */
static int digest_note_auth_failure(request_rec *r, const char *type)
{
    authcache_dir_config_rec *conf =
        ap_get_module_config(r->per_dir_config, &authcache_module);
    authcache_digest_conn *k;

    if (strcasecmp(type, "Digest") || !AUTHCACHE_DIGEST_ENABLED(conf))
        return DECLINED;
    if (!(k = digest_conn(r)))
        return DECLINED;
    digest_challenge(r, conf, k, NULL, 0);
    return OK;
}

void authcache_digest_register_hooks(apr_pool_t *p)
{
    /* first: where we handle Digest, mod_auth_digest must not */
    ap_hook_check_authn(digest_check_user_id, NULL, NULL, APR_HOOK_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(digest_note_auth_failure, NULL, NULL,
                              APR_HOOK_FIRST);
    authcache_digest_body_register(p);
}
