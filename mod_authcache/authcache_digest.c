/*
 * AuthType Digest (RFC 7616) with a shared security-context cache, as
 * Microsoft Digest keeps one: after a logon checked against a backend,
 * the context (server, realm, user, nonce, the nonce counts seen, H(A1))
 * is sealed into the socache store under its opaque value. Later requests
 * carrying that opaque are verified from the context without a backend
 * lookup, with replay detection on the nonce count.
 *
 * mod_authcache handles Digest only where AuthCacheDigestProvider or
 * AuthCacheDigestUserFile is set; its hooks run first there, so
 * mod_auth_digest (if loaded) never sees those requests and keeps every
 * other Digest location.
 */
#include <openssl/crypto.h>

#include "apr_lib.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"
#include "util_filter.h"

#include "mod_authcache.h"
#include "ac_hex.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

#define DIGEST_BODY_FILTER "AUTHCACHE_DIGEST_BODY"
#define DIGEST_CTX_MAX 2048           /* largest sealed context read back */
/*
 * Without a stored context only the first answer to a challenge is taken
 * (nc 1, nonce this young): a context the store evicted cannot be
 * rebuilt from a replayed request.
 */
#define DIGEST_FIRST_USE_WINDOW apr_time_from_sec(60)
#define HEX_MAX 129                   /* SHA-512-256 hex and NUL, rounded */

/*
 * Per connection: the keys (nonces are MACed with the connection's
 * secret-keyed MAC context, contexts sealed with a key derived from the
 * secret once), and the context this connection opened last. A sealed
 * context never changes once stored, so a connection that keeps sending
 * the same opaque needs neither the store nor AES-GCM to read it again;
 * only its replay window (a small MACed record) is read and written back
 * per request, in the store, where every connection of the client sees
 * it.
 */
typedef struct authcache_digest_conn {
    ac_mac_t *mac;
    unsigned char ctx_key[AC_DIGEST_KEY_LEN];
    apr_pool_t *pool;                   /* ctx's strings */
    char opaque[AC_DIGEST_OPAQUE_LEN + 1];  /* "": no context held */
    ac_digest_ctx_t ctx;
    /* the last nonce that checked out, with its realm and opaque */
    char nonce[AC_DIGEST_NONCE_LEN + 1];
    char nonce_opaque[AC_DIGEST_OPAQUE_LEN + 1];
    const char *nonce_realm;            /* in the connection's pool */
    apr_time_t nonce_time;
} digest_keys;

static apr_status_t digest_conn_cleanup(void *data)
{
    digest_keys *k = data;

    OPENSSL_cleanse(k->ctx.ha1, sizeof(k->ctx.ha1));
    OPENSSL_cleanse(k->ctx_key, sizeof(k->ctx_key));
    return APR_SUCCESS;
}

static digest_keys *digest_keys_get(request_rec *r)
{
    authcache_conn_rec *cc = authcache_conn(r);
    apr_pool_t *cp = r->connection->pool;
    digest_keys *k;

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

/*
 * ac_digest_nonce_check, remembered for the connection: a client sends
 * the same nonce on every request until it goes stale, and its MAC need
 * not be checked again, only its age.
 */
static apr_status_t nonce_check(request_rec *r, digest_keys *k,
                                const ac_digest_req_t *d, apr_time_t now,
                                apr_interval_time_t lifetime, int *stale,
                                const char **why)
{
    apr_status_t rv;

    if (k->nonce_realm && !strcmp(k->nonce, d->nonce)
        && !strcmp(k->nonce_opaque, d->opaque)
        && !strcmp(k->nonce_realm, d->realm)) {
        *stale = now - k->nonce_time > lifetime;
        return APR_SUCCESS;
    }
    rv = ac_digest_nonce_check(k->mac, d->realm, d->opaque, d->nonce, now,
                               lifetime, stale, why);
    if (rv == APR_SUCCESS) {
        apr_cpystrn(k->nonce, d->nonce, sizeof(k->nonce));
        apr_cpystrn(k->nonce_opaque, d->opaque, sizeof(k->nonce_opaque));
        if (!k->nonce_realm || strcmp(k->nonce_realm, d->realm))
            k->nonce_realm = apr_pstrdup(r->connection->pool, d->realm);
        k->nonce_time = ac_digest_nonce_time(d->nonce);
    }
    return rv;
}

/*
 * The context named by opaque: the connection's, else the store's (then
 * kept as the connection's). APR_NOTFOUND when there is none, or only an
 * expired or unreadable one.
 */
static apr_status_t context_get(request_rec *r, digest_keys *k,
                                const char *opaque,
                                const unsigned char *key, apr_size_t klen,
                                apr_time_t now, const ac_digest_ctx_t **c)
{
    unsigned char buf[DIGEST_CTX_MAX];
    unsigned int blen = sizeof(buf);
    const char *why;
    apr_status_t rv;

    if (!strcmp(k->opaque, opaque) && k->ctx.expires > now) {
        *c = &k->ctx;
        return APR_SUCCESS;
    }
    if ((rv = authcache_store_lock(r)) != APR_SUCCESS)
        return rv;
    rv = authcache_store_get_raw(r, key, (unsigned int)klen, buf, &blen);
    authcache_store_unlock(r);
    if (rv != APR_SUCCESS)
        return APR_NOTFOUND;
    k->opaque[0] = '\0';
    OPENSSL_cleanse(k->ctx.ha1, sizeof(k->ctx.ha1));
    apr_pool_clear(k->pool);
    if (ac_digest_ctx_open(k->ctx_key, opaque, buf, blen, k->pool, &k->ctx,
                           &why) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "authcache: ignoring a Digest context: %s", why);
        return APR_NOTFOUND;
    }
    if (k->ctx.expires <= now)
        return APR_NOTFOUND;
    apr_cpystrn(k->opaque, opaque, sizeof(k->opaque));
    *c = &k->ctx;
    return APR_SUCCESS;
}

/* equal hex strings of equal length, compared in constant time */
static int hex_same(const char *a, const char *b)
{
    apr_size_t n = strlen(a);

    return strlen(b) == n && ac_digest_hex_equal(a, b, n);
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
                            const digest_keys *k, const char *opaque,
                            int stale)
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
    return r->proxyreq == PROXYREQ_PROXY ? HTTP_PROXY_AUTHENTICATION_REQUIRED
                                         : HTTP_UNAUTHORIZED;
}

/* A refusal with a log line and a new challenge. */
static int digest_refuse(request_rec *r, const authcache_dir_config_rec *conf,
                         const digest_keys *k, authcache_counter_e counter,
                         const char *why)
{
    authcache_count(counter);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "authcache: Digest logon refused for %s: %s", r->uri, why);
    return digest_challenge(r, conf, k, NULL, 0);
}

/*
 * H(A1) for (user, realm, alg) from the backends: AuthCacheDigestUserFile
 * (user:realm:ALGORITHM:hex lines), then for MD5 the providers' realm
 * hashes. APR_NOTFOUND when no source knows the user.
 */
static apr_status_t lookup_file(request_rec *r, const char *file,
                                const char *user, const char *userhash,
                                const char *realm, ac_digest_alg_e alg,
                                const char **found_user, char *ha1)
{
    ap_configfile_t *f;
    char line[MAX_STRING_LEN];
    apr_status_t rv = ap_pcfg_openfile(&f, r->pool, file);

    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "authcache: cannot read AuthCacheDigestUserFile %s",
                      file);
        return rv;
    }
    rv = APR_NOTFOUND;
    while (ap_cfg_getline(line, sizeof(line), f) == APR_SUCCESS) {
        char *u = line, *rl, *an, *h, uh[HEX_MAX];
        ac_digest_alg_e a;
        int sess;

        if (*u == '#' || !(rl = strchr(u, ':')) || !(an = strchr(rl + 1, ':'))
            || !(h = strchr(an + 1, ':')))
            continue;
        *rl++ = *an++ = *h++ = '\0';
        if (strcmp(rl, realm) || ac_digest_alg_parse(an, &a, &sess)
            != APR_SUCCESS || sess || a != alg
            || strlen(h) != ac_digest_hex_len(alg))
            continue;
        if (userhash) {
            if (ac_digest_userhash(alg, u, realm, uh) != APR_SUCCESS
                || !hex_same(uh, userhash))
                continue;
        }
        else if (strcmp(u, user))
            continue;
        *found_user = apr_pstrdup(r->pool, u);
        apr_cpystrn(ha1, h, HEX_MAX);
        rv = APR_SUCCESS;
        break;
    }
    ap_cfg_closefile(f);
    return rv;
}

static apr_status_t lookup_ha1(request_rec *r,
                               const authcache_dir_config_rec *conf,
                               const ac_digest_req_t *d, ac_digest_alg_e alg,
                               const char **user, char *ha1)
{
    const authcache_backend_rec *b =
        (const authcache_backend_rec *)conf->digest_providers->elts;
    apr_status_t rv = APR_NOTFOUND;
    char *hash;
    int i;

    authcache_count(AUTHCACHE_C_digest_logons);
    if (conf->digest_user_file) {
        rv = lookup_file(r, conf->digest_user_file, d->username,
                         d->userhash ? d->username : NULL, realm_of(r), alg,
                         user, ha1);
        if (rv != APR_NOTFOUND)
            return rv;
    }
    if (alg != AC_DIGEST_MD5 || d->userhash)
        return APR_NOTFOUND;   /* realm hashes are MD5 of the plain name */
    for (i = 0; i < conf->digest_providers->nelts; i++) {
        authn_status st;

        apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, b[i].name);
        st = b[i].provider->get_realm_hash(r, d->username, realm_of(r), &hash);
        apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
        if (st == AUTH_USER_FOUND && strlen(hash) == 32) {
            *user = d->username;
            apr_cpystrn(ha1, hash, HEX_MAX);
            return APR_SUCCESS;
        }
        if (st == AUTH_GENERAL_ERROR)
            return APR_EGENERAL;
    }
    return APR_NOTFOUND;
}

/*
 * qop=auth-int: the body is read (up to AuthCacheDigestMaxBody), hashed,
 * and kept for the handler, which reads it back through an input filter.
 */
static apr_status_t body_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                ap_input_mode_t mode, apr_read_type_e block,
                                apr_off_t readbytes)
{
    apr_bucket_brigade *kept = f->ctx;

    (void)block;
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

static int body_hash(request_rec *r, const authcache_dir_config_rec *conf,
                     ac_digest_alg_e alg, char *hex)
{
    apr_bucket_brigade *kept = apr_brigade_create(r->pool,
                                                  r->connection->bucket_alloc);
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    apr_off_t total = 0;
    apr_size_t len;
    char *body;
    int seen_eos = 0;
    apr_status_t rv;

    do {
        apr_bucket *e;

        rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                            APR_BLOCK_READ, HUGE_STRING_LEN);
        if (rv != APR_SUCCESS)
            return HTTP_BAD_REQUEST;
        for (e = APR_BRIGADE_FIRST(bb); e != APR_BRIGADE_SENTINEL(bb);
             e = APR_BUCKET_NEXT(e)) {
            if (APR_BUCKET_IS_EOS(e))
                seen_eos = 1;
            else if (e->length != (apr_size_t)-1)
                total += e->length;
        }
        if (total > conf->digest_max_body)
            return HTTP_REQUEST_ENTITY_TOO_LARGE;
        rv = ap_save_brigade(NULL, &kept, &bb, r->pool);
        if (rv != APR_SUCCESS)
            return HTTP_INTERNAL_SERVER_ERROR;
        apr_brigade_cleanup(bb);
    } while (!seen_eos);

    rv = apr_brigade_pflatten(kept, &body, &len, r->pool);
    if (rv != APR_SUCCESS || ac_digest_h(alg, body, len, hex) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    /* hand the kept body, without its EOS, to whoever reads it next */
    if (!APR_BRIGADE_EMPTY(kept)
        && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(kept)))
        apr_bucket_delete(APR_BRIGADE_LAST(kept));
    ap_add_input_filter(DIGEST_BODY_FILTER, kept, r, r->connection);
    return OK;
}

/*
 * The uri parameter must name the client's request (RFC 7616 3.4.6): in
 * a subrequest or internal redirect, the one it came from (as
 * mod_auth_digest does).
 */
static int uri_matches(request_rec *first, const char *uri)
{
    return !strcmp(uri, first->unparsed_uri)
           || (first->parsed_uri.path && !strcmp(uri, first->parsed_uri.path)
               && !first->args);
}

/* 1 when response is right for ha1 (hex H(A1), never the -sess one) */
static int response_ok(const ac_digest_req_t *d, const char *method,
                       const char *ha1, const char *bhash)
{
    char sess_ha1[HEX_MAX], expect[HEX_MAX];
    apr_status_t rv = APR_SUCCESS;
    int ok;

    if (d->sess)
        rv = ac_digest_ha1_sess(d->alg, ha1, d->nonce, d->cnonce, sess_ha1);
    else
        apr_cpystrn(sess_ha1, ha1, sizeof(sess_ha1));
    if (rv == APR_SUCCESS)
        rv = ac_digest_response(d->alg, sess_ha1, d->nonce, d->nc_hex,
                                d->cnonce, d->qop_name, method, d->uri,
                                d->qop == AC_DIGEST_QOP_AUTH_INT ? bhash
                                                                 : NULL,
                                expect);
    ok = rv == APR_SUCCESS && hex_same(expect, d->response);
    OPENSSL_cleanse(sess_ha1, sizeof(sess_ha1));
    return ok;
}

static int digest_granted(request_rec *r, const char *user, const char *realm,
                          int cached, const char *header)
{
    r->user = apr_pstrdup(r->pool, user);
    r->ap_auth_type = "Digest";
    authcache_notes_set(r, cached, AUTHCACHE_SOURCE_DIGEST, user, realm,
                        header);
    return OK;
}

/*
 * A subrequest or internal redirect, in a section of another scope, of
 * the request that granted this header: the answer is checked again
 * against this section's backends. Its nonce count was taken by that
 * request, so the replay window is not touched, and no context is made.
 */
static int digest_reverify(request_rec *r,
                           const authcache_dir_config_rec *conf,
                           const digest_keys *k, const ac_digest_req_t *d,
                           const char *method, const char *bhash,
                           const char *header)
{
    const char *user = NULL;
    char ha1[HEX_MAX];
    apr_status_t rv = lookup_ha1(r, conf, d, d->alg, &user, ha1);
    int ok;

    if (rv == APR_NOTFOUND)
        return digest_refuse(r, conf, k, AUTHCACHE_C_digest_denials,
                             apr_pstrcat(r->pool, "unknown user ",
                                         d->username, NULL));
    if (rv != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    ok = response_ok(d, method, ha1, bhash);
    OPENSSL_cleanse(ha1, sizeof(ha1));
    if (!ok)
        return digest_refuse(r, conf, k, AUTHCACHE_C_digest_denials,
                             apr_pstrcat(r->pool, "wrong password for ",
                                         user, NULL));
    return digest_granted(r, user, d->realm, 0, header);
}

/*
 * The replay window, under the store lock: the window of the nonce in the
 * request, with nc accepted once and written back. found: the request
 * came with a context, which always has a window from its logon on, so a
 * missing one (evicted) means the counts seen are lost: *lost is set and
 * nothing is accepted.
 */
static apr_status_t window_accept(request_rec *r, digest_keys *k,
                                  const ac_digest_req_t *d,
                                  const unsigned char *key, apr_size_t klen,
                                  int found, apr_time_t expires,
                                  int *lost, const char **why)
{
    unsigned char wkey[AC_DIGEST_OPAQUE_LEN / 2 + 1];
    unsigned char buf[AC_DIGEST_WINDOW_LEN + 1];
    unsigned int blen = sizeof(buf);
    /* a MAC only where something besides this server can write the store */
    ac_mac_t *wmac = authcache_store_is_private() ? NULL : k->mac;
    ac_digest_window_t w;
    apr_status_t rv;

    *lost = 0;
    memcpy(wkey, key, klen - 1);
    wkey[klen - 1] = 'W';
    rv = authcache_store_get_raw(r, wkey, sizeof(wkey), buf, &blen);
    if (rv == APR_SUCCESS
        && ac_digest_window_decode(wmac, d->opaque, buf, blen, &w, why)
           != APR_SUCCESS)
        rv = APR_NOTFOUND;
    if (rv != APR_SUCCESS) {
        if (found) {
            *lost = 1;
            return APR_EINVAL;
        }
        memset(&w, 0, sizeof(w));
        apr_cpystrn(w.nonce, d->nonce, sizeof(w.nonce));
    }
    else if (strcmp(w.nonce, d->nonce)) {
        /* only forward: an older nonce would reopen its counts */
        if (ac_digest_nonce_time(d->nonce) < ac_digest_nonce_time(w.nonce)) {
            *lost = 1;
            *why = "a nonce older than the one in use";
            return APR_EINVAL;
        }
        memset(&w.nc, 0, sizeof(w.nc));
        apr_cpystrn(w.nonce, d->nonce, sizeof(w.nonce));
    }
    if ((rv = ac_digest_nc_accept(&w.nc, d->nc, why)) != APR_SUCCESS)
        return rv;
    if ((rv = ac_digest_window_encode(wmac, d->opaque, &w, buf))
        == APR_SUCCESS)
        rv = authcache_store_put_raw(r, wkey, sizeof(wkey), expires, buf,
                                     AC_DIGEST_WINDOW_LEN);
    if (rv != APR_SUCCESS) {
        authcache_count(AUTHCACHE_C_store_errors);
        *why = "the replay window could not be stored";
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

/* After a logon: the context sealed into the store under its opaque. */
static void context_put(request_rec *r, const digest_keys *k,
                        const char *opaque, const unsigned char *key,
                        apr_size_t klen, const ac_digest_ctx_t *c)
{
    unsigned char iv[AC_DIGEST_IV_LEN], *sealed;
    apr_size_t slen;
    apr_status_t rv = apr_generate_random_bytes(iv, sizeof(iv));

    if (rv == APR_SUCCESS)
        rv = ac_digest_ctx_seal(k->ctx_key, opaque, c, iv, r->pool, &sealed,
                                &slen);
    if (rv == APR_SUCCESS)
        rv = authcache_store_put_raw(r, key, (unsigned int)klen, c->expires,
                                     sealed, (unsigned int)slen);
    if (rv != APR_SUCCESS)
        authcache_count(AUTHCACHE_C_store_errors);
}

static int digest_check_user_id(request_rec *r)
{
    authcache_dir_config_rec *conf;
    const authcache_digest_alg_rec *offered;
    const char *type = ap_auth_type(r), *header, *why = NULL, *user = NULL;
    const authcache_req_rec *e;
    request_rec *first = authcache_req_initial(r);
    /* the opaque's 16 random bytes first: shmcb picks its subcache by the
     * key's first byte, so keys must not share a prefix; then 'D' for the
     * context, 'W' for its replay window */
    unsigned char key[AC_DIGEST_OPAQUE_LEN / 2 + 1];
    char ha1[HEX_MAX], bhash[HEX_MAX] = "";
    const ac_digest_ctx_t *cached = NULL;
    ac_digest_ctx_t fresh;
    ac_digest_alg_e alg;
    ac_digest_req_t d;
    digest_keys *k;
    apr_time_t now = apr_time_now();
    int i, ok = 0, stale = 0, lost, status;
    apr_status_t rv;

    if (!type || strcasecmp(type, "Digest"))
        return DECLINED;
    conf = ap_get_module_config(r->per_dir_config, &authcache_module);
    if (!AUTHCACHE_DIGEST_ENABLED(conf))
        return DECLINED;              /* mod_auth_digest's, if anyone's */
    if (!(k = digest_keys_get(r))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "authcache: Digest keys unavailable for %s", r->uri);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    header = authcache_auth_header(r);
    if (!header || strncasecmp(header, "Digest ", 7)) {
        if (header)
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "authcache: not Digest credentials for %s", r->uri);
        return digest_challenge(r, conf, k, NULL, 0);
    }
    if (ac_digest_parse(header, strlen(header), r->pool, &d, &why)
        != APR_SUCCESS || ac_digest_req_check(&d, &why) != APR_SUCCESS) {
        authcache_count(AUTHCACHE_C_digest_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "authcache: malformed Digest credentials for %s: %s",
                      r->uri, why);
        return HTTP_BAD_REQUEST;
    }
    if (!uri_matches(first, d.uri)) {
        authcache_count(AUTHCACHE_C_digest_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "authcache: Digest uri \"%s\" is not the request's %s",
                      d.uri, first->unparsed_uri);
        return HTTP_BAD_REQUEST;
    }
    /* once per client request: the same decision in the same scope */
    e = authcache_req_earlier(r, AUTHCACHE_SOURCE_DIGEST, header);
    if (e && !strcmp(e->granted_scope, authcache_scope(r))) {
        authcache_notes_reuse(r, e);
        return OK;
    }
    if (strcmp(d.realm, realm_of(r)))
        return digest_refuse(r, conf, k, AUTHCACHE_C_digest_denials,
                             "another realm");
    /* only what we offered: no downgrade to an algorithm or qop not here */
    offered = (const authcache_digest_alg_rec *)conf->digest_algorithms->elts;
    for (i = 0; i < conf->digest_algorithms->nelts; i++)
        if ((int)d.alg == offered[i].alg && d.sess == offered[i].sess)
            break;
    if (i == conf->digest_algorithms->nelts)
        return digest_refuse(r, conf, k, AUTHCACHE_C_digest_denials,
                             apr_pstrcat(r->pool, "algorithm ",
                                         ac_digest_alg_name(d.alg, d.sess),
                                         " is not offered here", NULL));
    if (!(conf->digest_qop & (d.qop == AC_DIGEST_QOP_AUTH_INT
                              ? AUTHCACHE_QOP_AUTH_INT : AUTHCACHE_QOP_AUTH)))
        return digest_refuse(r, conf, k, AUTHCACHE_C_digest_denials,
                             "qop not offered here");
    if (!d.opaque || !ac_digest_opaque_valid(d.opaque)
        || ac_hex_decode(d.opaque, AC_DIGEST_OPAQUE_LEN / 2, key)
           != APR_SUCCESS)
        return digest_refuse(r, conf, k, AUTHCACHE_C_digest_denials,
                             "no opaque of ours");
    key[AC_DIGEST_OPAQUE_LEN / 2] = 'D';  /* 17 bytes: never a token's key */
    if (nonce_check(r, k, &d, now, conf->digest_nonce_lifetime, &stale, &why)
        != APR_SUCCESS)
        return digest_refuse(r, conf, k, AUTHCACHE_C_digest_denials, why);
    alg = d.alg;
    if (e)
        return digest_reverify(r, conf, k, &d, first->method,
                               e->digest_body_hash, header);
    if (d.qop == AC_DIGEST_QOP_AUTH_INT) {
        if ((status = body_hash(r, conf, alg, bhash)) != OK)
            return status;
        authcache_req(r)->digest_body_hash = apr_pstrdup(r->pool, bhash);
    }

    if (context_get(r, k, d.opaque, key, sizeof(key), now, &cached)
        == APR_SUCCESS) {
        char uh[HEX_MAX];

        /* the context is this scope's, this realm's, this user's */
        if (strcmp(cached->scope, authcache_scope(r))) {
            /* verified by another section's authority: log on here */
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "authcache: Digest context of %s was made in "
                          "another scope than %s's: a new one is offered",
                          cached->user, r->uri);
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "authcache: context scope %s, request scope %s",
                          cached->scope, authcache_scope(r));
            return digest_challenge(r, conf, k, NULL, 0);
        }
        if (strcmp(cached->realm, d.realm) || (int)cached->alg != (int)alg
            || cached->sess != d.sess
            || (d.userhash
                ? ac_digest_userhash(alg, cached->user, d.realm, uh)
                  != APR_SUCCESS || !hex_same(uh, d.username)
                : strcmp(cached->user, d.username)))
            return digest_refuse(r, conf, k, AUTHCACHE_C_digest_denials,
                                 "the opaque names another context");
        user = cached->user;
        apr_cpystrn(ha1, cached->ha1, sizeof(ha1));
    }
    else {
        int old = 0;
        const char *dummy;

        if (d.nc == 1)
            ac_digest_nonce_check(k->mac, d.realm, d.opaque, d.nonce, now,
                                  DIGEST_FIRST_USE_WINDOW, &old, &dummy);
        if (d.nc != 1 || old) {
            /* a lost (evicted, expired) context, or a replay of one */
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "authcache: no Digest context for this opaque "
                          "(nc %u) on %s: a new one is offered", d.nc,
                          r->uri);
            authcache_count(AUTHCACHE_C_digest_stale);
            return digest_challenge(r, conf, k, NULL, 1);
        }
        rv = lookup_ha1(r, conf, &d, alg, &user, ha1);
        if (rv == APR_NOTFOUND)
            return digest_refuse(r, conf, k, AUTHCACHE_C_digest_denials,
                                 apr_pstrcat(r->pool, "unknown user ",
                                             d.username, NULL));
        if (rv != APR_SUCCESS)
            return HTTP_INTERNAL_SERVER_ERROR;
    }

    ok = response_ok(&d, first->method, ha1, bhash);
    if (!ok) {
        OPENSSL_cleanse(ha1, sizeof(ha1));
        return digest_refuse(r, conf, k, AUTHCACHE_C_digest_denials,
                             apr_pstrcat(r->pool, "wrong password for ",
                                         user, NULL));
    }
    if (stale) {
        /* the right user with an old nonce: a new one, same context */
        OPENSSL_cleanse(ha1, sizeof(ha1));
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "authcache: stale Digest nonce for %s on %s", user,
                      r->uri);
        authcache_count(AUTHCACHE_C_digest_stale);
        return digest_challenge(r, conf, k, d.opaque, 1);
    }
    if (!cached) {
        memset(&fresh, 0, sizeof(fresh));
        fresh.scope = authcache_scope(r);
        fresh.realm = d.realm;
        fresh.user = user;
        fresh.domain = "";
        fresh.alg = alg;
        fresh.sess = d.sess;
        apr_cpystrn(fresh.ha1, ha1, sizeof(fresh.ha1));
        fresh.created = now;
        fresh.expires = now + conf->digest_context_ttl;
    }
    OPENSSL_cleanse(ha1, sizeof(ha1));

    /* replay detection: per nonce, a window of recent counts */
    if (authcache_store_lock(r) != APR_SUCCESS) {
        OPENSSL_cleanse(fresh.ha1, sizeof(fresh.ha1));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = window_accept(r, k, &d, key, sizeof(key), cached != NULL,
                       cached ? cached->expires : fresh.expires, &lost, &why);
    if (rv == APR_SUCCESS && !cached)
        context_put(r, k, d.opaque, key, sizeof(key), &fresh);
    authcache_store_unlock(r);
    if (!cached)
        OPENSSL_cleanse(fresh.ha1, sizeof(fresh.ha1));
    if (lost) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "authcache: Digest replay window of %s on %s: %s; "
                      "a new context is offered", user, r->uri,
                      why ? why : "lost from the store");
        authcache_count(AUTHCACHE_C_digest_stale);
        return digest_challenge(r, conf, k, NULL, 1);
    }
    if (rv == APR_EGENERAL)
        return HTTP_INTERNAL_SERVER_ERROR;
    if (rv != APR_SUCCESS)
        return digest_refuse(r, conf, k, AUTHCACHE_C_digest_replays, why);

    if (cached)
        authcache_count(AUTHCACHE_C_digest_context_hits);
    return digest_granted(r, user, d.realm, cached != NULL, header);
}

/* Authorization failures (e.g. Require user) answer with our challenge. */
static int digest_note_auth_failure(request_rec *r, const char *type)
{
    authcache_dir_config_rec *conf =
        ap_get_module_config(r->per_dir_config, &authcache_module);
    digest_keys *k;

    if (strcasecmp(type, "Digest") || !AUTHCACHE_DIGEST_ENABLED(conf))
        return DECLINED;
    if (!(k = digest_keys_get(r)))
        return DECLINED;
    digest_challenge(r, conf, k, NULL, 0);
    return OK;
}

void authcache_digest_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* first: where we handle Digest, mod_auth_digest must not */
    ap_hook_check_authn(digest_check_user_id, NULL, NULL, APR_HOOK_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_note_auth_failure(digest_note_auth_failure, NULL, NULL,
                              APR_HOOK_FIRST);
    ap_register_input_filter(DIGEST_BODY_FILTER, body_filter, NULL,
                             AP_FTYPE_RESOURCE);
}
