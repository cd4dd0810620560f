/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AuthType Negotiate with Kerberos through MIT GSSAPI, the identity
 * cached on the keep-alive connection as AuthType NTLM caches its
 * credential (and as http.sys does with authPersistNonNTLM):
 *
 *   no header, nothing cached   -> 401 WWW-Authenticate: Negotiate
 *   Negotiate <NTLM token>      -> AuthType NTLM's handshake, inside
 *                                  SPNEGO or bare (authcache_negotiate_ntlm.c)
 *   Negotiate <token>           -> gss_accept_sec_context with the
 *                                  keytab's key for the service principal,
 *                                  Kerberos only (SPNEGO is GSSAPI's, told
 *                                  to negotiate nothing else); the identity
 *                                  is cached on the connection until the
 *                                  ticket ends
 *   no header, identity cached  -> granted from it, no GSSAPI call,
 *                                  AUTHCACHE_CACHED_CRED=1
 *
 * The same rules as NTLM's decide where the cache is used: the scope of
 * the section (authcache_scope.c), proxies (authcache_ntlm_no_cache_reason,
 * with DisableKerberosCredentialCaching in place of
 * DisableNTLMCredentialCaching), HTTP/2 streams (never cached; each
 * request brings its own ticket), an application's 401.
 *
 * Replays: a Kerberos authenticator can be sent again by whoever saw it
 * until the clock skew has passed, and here it would buy a cached
 * identity on the attacker's own connection. MIT's replay cache (the
 * default "dfl" file under /var/tmp, one per uid, shared by all httpd
 * children) refuses it; it is left on.
 */
#include <stdlib.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "apr_base64.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_ssl.h"

#include "mod_authcache.h"
#include "authcache_private.h"
#include "ac_cbt.h"
#include "ac_negotiate.h"

APLOG_USE_MODULE(authcache);

/* Largest decoded token: a ticket with a large PAC (Windows' MaxTokenSize
 * is 48000; httpd's LimitRequestFieldSize is the tighter limit anyway). */
#define NEG_MAX_TOKEN 65536

/*
 * A connection's Kerberos state, malloc'd rather than in a pool (as
 * NTLM's): an idle connection holding an identity costs its block of
 * some hundred bytes, not a pool's 8 KiB.
 */
typedef struct negotiate_conn {
    gss_ctx_id_t ctx;          /* a handshake GSSAPI wants continued */
    char *ctx_scope;           /* where it started (malloc'd) */
    authcache_conncred *cred;  /* the cached identity, until its ticket
                                * ends */
} negotiate_conn;

static void neg_delete_ctx(negotiate_conn *conn)
{
    OM_uint32 minor;

    if (conn->ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&minor, &conn->ctx, GSS_C_NO_BUFFER);
    conn->ctx = GSS_C_NO_CONTEXT;
    free(conn->ctx_scope);
    conn->ctx_scope = NULL;
}

static void neg_forget(negotiate_conn *conn)
{
    neg_delete_ctx(conn);
    authcache_conncred_free(&conn->cred);
}

static apr_status_t neg_conn_cleanup(void *data)
{
    neg_forget(data);
    return APR_SUCCESS;
}

static negotiate_conn *neg_conn(request_rec *r)
{
    authcache_conn_rec *cc = authcache_conn(r);

    if (!cc->negotiate) {
        cc->negotiate = apr_pcalloc(r->connection->pool,
                                    sizeof(*cc->negotiate));
        cc->negotiate->ctx = GSS_C_NO_CONTEXT;
        apr_pool_cleanup_register(r->connection->pool, cc->negotiate,
                                  neg_conn_cleanup, apr_pool_cleanup_null);
    }
    return cc->negotiate;
}

/* GSSAPI's words for major/minor, for the log */
static const char *gss_text(request_rec *r, OM_uint32 major, OM_uint32 minor)
{
    const char *out = "";
    OM_uint32 ctx, m, st;
    gss_buffer_desc buf;
    int type;

    for (type = GSS_C_GSS_CODE; type <= GSS_C_MECH_CODE; type++) {
        st = type == GSS_C_GSS_CODE ? major : minor;
        ctx = 0;
        do {
            if (GSS_ERROR(gss_display_status(&m, st, type, GSS_C_NO_OID,
                                             &ctx, &buf)))
                break;
            out = apr_pstrcat(r->pool, out, *out ? "; " : "",
                              apr_pstrmemdup(r->pool, buf.value, buf.length),
                              NULL);
            gss_release_buffer(&m, &buf);
        } while (ctx);
    }
    return out;
}

/* 401 with "Negotiate" or "Negotiate <token>" */
static int neg_challenge(request_rec *r, const gss_buffer_desc *tok)
{
    const char *v = "Negotiate";

    if (tok && tok->length) {
        char *b64 = apr_palloc(r->pool,
                               apr_base64_encode_len((int)tok->length));
        apr_base64_encode(b64, tok->value, (int)tok->length);
        v = apr_pstrcat(r->pool, "Negotiate ", b64, NULL);
    }
    authcache_count(AUTHCACHE_C_negotiate_challenges);
    apr_table_setn(r->err_headers_out,
                   r->proxyreq == PROXYREQ_PROXY ? "Proxy-Authenticate"
                                                 : "WWW-Authenticate", v);
    return authcache_auth_status(r);
}

/* REMOTE_USER as AuthNTLMUserFormat says: DOMAIN\\user, user@REALM (the
 * Kerberos realm, as a UPN has it) or user */
static int neg_granted(request_rec *r, const authcache_dir_config_rec *conf,
                       int cached, int persistent, const char *user,
                       const char *domain, const char *realm,
                       const char *groups, const char *header)
{
    return authcache_conncred_granted(
        r, "Negotiate", AUTHCACHE_SOURCE_KERBEROS,
        authcache_format_user(r, conf->ntlm_user_format, user,
                              conf->ntlm_user_format == AUTHCACHE_USER_UPN
                              ? realm : domain),
        cached, persistent, user, domain, groups, header);
}

/*
 * Why r must not use or fill the connection's identity, or NULL: NTLM's
 * proxy rules, with this scheme's own switch in place of
 * DisableNTLMCredentialCaching.
 */
static const char *neg_no_cache_reason(request_rec *r,
                                       const authcache_dir_config_rec *conf)
{
    authcache_dir_config_rec proxy_rules;

    if (conf->negotiate_no_cache)
        return "DisableKerberosCredentialCaching";
    if (r->connection->master)
        return "an HTTP/2 stream";
    proxy_rules = *conf;
    proxy_rules.ntlm_no_cache = 0;
    return authcache_ntlm_no_cache_reason(r, &proxy_rules);
}

/* The acceptor's credential: the section's keytab and principal. */
static OM_uint32 neg_acquire(request_rec *r,
                             const authcache_dir_config_rec *conf,
                             gss_cred_id_t *cred, OM_uint32 *minor)
{
    static gss_OID_desc krb5_oid = { 9, (void *)"\x2a\x86\x48\x86\xf7\x12"
                                                "\x01\x02\x02" };
    gss_OID_set_desc krb5_only = { 1, &krb5_oid };
    gss_key_value_element_desc kt = { "keytab", conf->negotiate_keytab };
    gss_key_value_set_desc store = { conf->negotiate_keytab ? 1 : 0, &kt };
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc nb;
    gss_OID ntype;
    const char *p = conf->negotiate_principal;
    OM_uint32 major, m;

    if (!p) {
        p = apr_pstrcat(r->pool, "HTTP@", ap_get_server_name(r), NULL);
        ntype = GSS_C_NT_HOSTBASED_SERVICE;
    }
    else
        ntype = (gss_OID)GSS_KRB5_NT_PRINCIPAL_NAME;
    if (*p) {
        nb.value = (void *)p;
        nb.length = strlen(p);
        major = gss_import_name(minor, &nb, ntype, &name);
        if (GSS_ERROR(major))
            return major;
    }
    major = gss_acquire_cred_from(minor, name, GSS_C_INDEFINITE,
                                  GSS_C_NO_OID_SET, GSS_C_ACCEPT, &store,
                                  cred, NULL, NULL);
    gss_release_name(&m, &name);
    /* SPNEGO may then negotiate Kerberos only: NTLM is the module's own */
    if (!GSS_ERROR(major)) {
        major = gss_set_neg_mechs(minor, *cred, &krb5_only);
        if (GSS_ERROR(major))
            gss_release_cred(&m, cred);
    }
    return major;
}

/*
 * Acceptor credentials a process has used, one per keytab and principal:
 * acquiring one at every handshake imports the name and looks it up in
 * the keytab each time (the bench's Kerberos handshakes spent much of
 * their CPU there). MIT reads a FILE keytab again at each accept, so a
 * rotated keytab still takes effect; a credential is not changed by
 * accepting with it (MIT locks what it touches), so threads share it.
 */
#define NEG_CREDS 16
static struct {
    const char *key;
    gss_cred_id_t cred;
} neg_creds[NEG_CREDS];
static int neg_ncreds;
static apr_pool_t *neg_creds_pool;
#if APR_HAS_THREADS
static apr_thread_mutex_t *neg_creds_lock;
#endif

static void neg_creds_locked(int lock)
{
#if APR_HAS_THREADS
    if (neg_creds_lock && lock)
        apr_thread_mutex_lock(neg_creds_lock);
    else if (neg_creds_lock)
        apr_thread_mutex_unlock(neg_creds_lock);
#else
    (void)lock;
#endif
}

static apr_status_t neg_creds_release(void *unused)
{
    OM_uint32 m;

    (void)unused;
    while (neg_ncreds > 0)
        gss_release_cred(&m, &neg_creds[--neg_ncreds].cred);
    neg_creds_pool = NULL;
    return APR_SUCCESS;
}

static void neg_child_init(apr_pool_t *p, server_rec *s)
{
    (void)s;
#if APR_HAS_THREADS
    apr_thread_mutex_create(&neg_creds_lock, APR_THREAD_MUTEX_DEFAULT, p);
#endif
    neg_creds_pool = p;
    apr_pool_cleanup_register(p, NULL, neg_creds_release,
                              apr_pool_cleanup_null);
}

/* The kept credential of key, or GSS_C_NO_CREDENTIAL; under the lock */
static gss_cred_id_t neg_creds_find(const char *key)
{
    int i;

    for (i = 0; i < neg_ncreds; i++)
        if (!strcmp(neg_creds[i].key, key))
            return neg_creds[i].cred;
    return GSS_C_NO_CREDENTIAL;
}

/*
 * The section's acceptor credential: kept (*kept 1: not to be released)
 * or acquired, and kept while there is room.
 */
static OM_uint32 neg_cred(request_rec *r, const authcache_dir_config_rec *conf,
                          gss_cred_id_t *cred, int *kept, OM_uint32 *minor)
{
    const char *key = apr_pstrcat(r->pool, conf->negotiate_keytab
                                  ? conf->negotiate_keytab : "", "\n",
                                  conf->negotiate_principal
                                  ? conf->negotiate_principal : "(default)",
                                  "\n", ap_get_server_name(r), NULL);
    gss_cred_id_t c, mine;
    OM_uint32 major, m;

    neg_creds_locked(1);
    c = neg_creds_find(key);
    neg_creds_locked(0);
    *kept = c != GSS_C_NO_CREDENTIAL;
    if ((*cred = c) != GSS_C_NO_CREDENTIAL)
        return GSS_S_COMPLETE;
    major = neg_acquire(r, conf, &mine, minor);
    if (GSS_ERROR(major))
        return major;
    neg_creds_locked(1);
    if ((c = neg_creds_find(key)) != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&m, &mine);       /* another thread kept one */
    else if (neg_creds_pool && neg_ncreds < NEG_CREDS) {
        neg_creds[neg_ncreds].key = apr_pstrdup(neg_creds_pool, key);
        neg_creds[neg_ncreds++].cred = c = mine;
    }
    neg_creds_locked(0);
    *kept = c != GSS_C_NO_CREDENTIAL;
    *cred = *kept ? c : mine;
    return major;
}

/*
 * The channel bindings a client on this TLS connection binds its
 * authenticator to, for AuthNTLMChannelBinding Allow and Require; NULL
 * over plain HTTP, with Off, or when the certificate has none (logged).
 */
static gss_channel_bindings_t neg_bindings(request_rec *r,
                                           const authcache_dir_config_rec *conf)
{
    gss_channel_bindings_t cb;
    unsigned char *app;
    apr_size_t len;
    const char *pem, *why = NULL;
    conn_rec *c = r->connection;

    if (conf->ntlm_channel_binding == AC_NTLM_CB_OFF
        || !ap_ssl_conn_is_ssl(c))
        return GSS_C_NO_CHANNEL_BINDINGS;
    pem = ap_ssl_var_lookup(r->pool, r->server, c, r, "SSL_SERVER_CERT");
    app = apr_palloc(r->pool, AC_CBT_APP_MAX);
    if (!pem || !*pem)
        why = "mod_ssl reports no server certificate";
    else
        ac_cbt_app_data(pem, app, &len, &why);
    if (why) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AC_LOGNO(2001) "no Kerberos "
                      "channel bindings for this TLS connection: %s", why);
        return GSS_C_NO_CHANNEL_BINDINGS;
    }
    cb = apr_pcalloc(r->pool, sizeof(*cb));
    cb->application_data.value = app;
    cb->application_data.length = len;
    return cb;
}

/* Decodes "Negotiate <base64>": NULL (logged, counted) if it is not that. */
static unsigned char *neg_decode(request_rec *r, const char *header,
                                 apr_size_t *len)
{
    unsigned char *tok = authcache_auth_decode(r, header + 9, NEG_MAX_TOKEN,
                                               len);

    if (!tok) {
        authcache_count(AUTHCACHE_C_negotiate_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AC_LOGNO(2002) "malformed "
                      "Negotiate Authorization header for %s", r->uri);
        return NULL;
    }
    if (!*len) {
        authcache_count(AUTHCACHE_C_negotiate_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AC_LOGNO(2003) "empty "
                      "Negotiate token for %s", r->uri);
        return NULL;
    }
    return tok;
}

/*
 * The groups of a Kerberos identity for Require authcache-group, as
 * AuthNegotiateGroups says: NULL with None. The ticket's PAC lists them
 * too, but GSSAPI hands the PAC over as NDR only, and a parser of our own
 * for it is more to get wrong than winbind, which names the groups as
 * the NTLM winbind authority does. OK or a 500 (winbind unavailable).
 */
static int neg_groups(request_rec *r, const authcache_dir_config_rec *conf,
                      const char *user, const char *domain,
                      const char **groups)
{
    *groups = NULL;
#ifdef AUTHCACHE_HAVE_WBCLIENT
    if (conf->negotiate_groups
        && authcache_winbind_groups(r, domain, user, groups)
           == AUTH_GENERAL_ERROR)
        return HTTP_INTERNAL_SERVER_ERROR;
#else
    (void)r; (void)conf; (void)user; (void)domain;
#endif
    return OK;
}

/* What GSSAPI established: checked, named, cached; the response. */
static int neg_established(request_rec *r, negotiate_conn *conn,
                           const authcache_dir_config_rec *conf,
                           const char *header, gss_name_t src,
                           gss_OID mech, OM_uint32 flags, OM_uint32 lifetime,
                           const gss_buffer_desc *out, const char *no_cache)
{
    const char *user, *realm, *domain, *why, *principal, *groups;
    authcache_req_rec *q = authcache_req(r);
    gss_buffer_desc nb;
    OM_uint32 m;
    int rc;

    if (!gss_oid_equal(mech, gss_mech_krb5)) {
        /* set_neg_mechs should make this impossible: belt and braces */
        authcache_count(AUTHCACHE_C_negotiate_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, AC_LOGNO(2004) ""
                      "Negotiate for %s established a mechanism other "
                      "than Kerberos; refused", r->uri);
        return neg_challenge(r, NULL);
    }
    if (conf->ntlm_channel_binding == AC_NTLM_CB_REQUIRE
        && !(flags & GSS_C_CHANNEL_BOUND_FLAG)) {
        authcache_count(AUTHCACHE_C_negotiate_refused_bindings);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, AC_LOGNO(2005) "Kerberos "
                      "logon refused for %s: the ticket's authenticator is "
                      "not bound to this TLS channel (AuthNTLMChannelBinding "
                      "Require)", r->uri);
        return neg_challenge(r, NULL);
    }
    if (GSS_ERROR(gss_display_name(&m, src, &nb, NULL)))
        return HTTP_INTERNAL_SERVER_ERROR;
    principal = apr_pstrmemdup(r->pool, nb.value, nb.length);
    gss_release_buffer(&m, &nb);
    if (ac_negotiate_split_principal(principal, r->pool, &user, &realm,
                                     &domain, &why) != APR_SUCCESS) {
        authcache_count(AUTHCACHE_C_negotiate_denials);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, AC_LOGNO(2006) "Kerberos "
                      "principal %s refused for %s: %s", principal, r->uri,
                      why);
        return neg_challenge(r, NULL);
    }
    if ((rc = neg_groups(r, conf, user, domain, &groups)) != OK)
        return rc;
    q->krb_keytab = conf->negotiate_keytab;
    q->krb_realm = realm;
    q->krb_bound = (flags & GSS_C_CHANNEL_BOUND_FLAG) != 0;
    if (!no_cache) {
        authcache_conncred id = { 0 };

        id.verified_at = apr_time_now();
        id.expires = lifetime == GSS_C_INDEFINITE
                     ? APR_INT64_MAX
                     : id.verified_at + apr_time_from_sec(lifetime);
        id.user = user;
        id.domain = domain;
        id.realm = realm;
        id.principal = principal;
        id.groups = groups;
        neg_forget(conn);
        /* NULL when out of memory: nothing cached, a new ticket next */
        conn->cred = authcache_conncred_make(&id, NULL, authcache_scope(r));
        authcache_conncred_trim(r);
    }
    if (out->length) {
        /* mutual authentication: the AP-REP, on the granted response */
        char *b64 = apr_palloc(r->pool,
                               apr_base64_encode_len((int)out->length));
        apr_base64_encode(b64, out->value, (int)out->length);
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       apr_pstrcat(r->pool, "Negotiate ", b64, NULL));
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, AC_LOGNO(2007) "Kerberos logon "
                  "of %s for %s%s", principal, r->uri,
                  (flags & GSS_C_CHANNEL_BOUND_FLAG) ? " (channel bound)"
                                                     : "");
    return neg_granted(r, conf, 0, !no_cache, user, domain, realm, groups,
                       header);
}

/* The principal whose key accepted an established context, or NULL */
static const char *neg_acceptor(request_rec *r, gss_ctx_id_t ctx)
{
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc nb;
    const char *out = NULL;
    OM_uint32 m;

    if (GSS_ERROR(gss_inquire_context(&m, ctx, NULL, &name, NULL, NULL,
                                      NULL, NULL, NULL)))
        return NULL;
    if (!GSS_ERROR(gss_display_name(&m, name, &nb, NULL))) {
        out = apr_pstrmemdup(r->pool, nb.value, nb.length);
        gss_release_buffer(&m, &nb);
    }
    gss_release_name(&m, &name);
    return out;
}

static apr_status_t neg_ctx_cleanup(void *data)
{
    OM_uint32 m;
    gss_ctx_id_t ctx = data;

    gss_delete_sec_context(&m, &ctx, GSS_C_NO_BUFFER);
    return APR_SUCCESS;
}

/* The established context, from the connection to r: the connection
 * has no handshake under way now, r may still ask what accepted it */
static void neg_keep_ctx(request_rec *r, negotiate_conn *conn)
{
    authcache_req(r)->krb_ctx = conn->ctx;
    apr_pool_cleanup_register(r->pool, conn->ctx, neg_ctx_cleanup,
                              apr_pool_cleanup_null);
    conn->ctx = GSS_C_NO_CONTEXT;
    neg_delete_ctx(conn);
}

/* A token: accepted by GSSAPI (Kerberos only), or refused. */
static int neg_accept(request_rec *r, negotiate_conn *conn,
                      const authcache_dir_config_rec *conf,
                      const char *header, const char *no_cache)
{
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    gss_name_t src = GSS_C_NO_NAME;
    gss_OID mech = GSS_C_NO_OID;
    OM_uint32 major, minor, m, flags = 0, lifetime = 0;
    const char *scope = authcache_scope(r);
    apr_size_t len;
    int rc, kept;

    if (!(in.value = neg_decode(r, header, &len)))
        return HTTP_BAD_REQUEST;
    in.length = len;
    /* NTLM (in SPNEGO or bare) is the module's own, and so is refusing a
     * token of a mechanism GSSAPI must not see; a new logon either way */
    if (authcache_negotiate_ntlm(r, header, in.value, len, &rc)) {
        neg_forget(conn);
        return rc;
    }
    /* a handshake GSSAPI continues only in the section it started in */
    if (conn->ctx != GSS_C_NO_CONTEXT
        && (!conn->ctx_scope || strcmp(conn->ctx_scope, scope)))
        neg_delete_ctx(conn);
    major = neg_cred(r, conf, &cred, &kept, &minor);
    if (GSS_ERROR(major)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, AC_LOGNO(2009) "no Kerberos "
                      "key for %s (AuthNegotiateKeytab %s, "
                      "AuthNegotiateServicePrincipal %s): %s", r->uri,
                      conf->negotiate_keytab ? conf->negotiate_keytab
                                             : "(krb5's default)",
                      conf->negotiate_principal
                      ? (*conf->negotiate_principal
                         ? conf->negotiate_principal : "Any")
                      : apr_pstrcat(r->pool, "HTTP/", ap_get_server_name(r),
                                    NULL),
                      gss_text(r, major, minor));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    authcache_count(AUTHCACHE_C_negotiate_logons);
    major = gss_accept_sec_context(&minor, &conn->ctx, cred, &in,
                                   neg_bindings(r, conf), &src, &mech, &out,
                                   &flags, &lifetime, NULL);
    if (!kept)
        gss_release_cred(&m, &cred);
    if (major == GSS_S_CONTINUE_NEEDED) {
        free(conn->ctx_scope);
        /* NULL when out of memory: the next leg starts over */
        conn->ctx_scope = strdup(scope);
        rc = neg_challenge(r, &out);
    }
    else if (GSS_ERROR(major)) {
        neg_delete_ctx(conn);
        authcache_count(major == GSS_S_DEFECTIVE_TOKEN
                        ? AUTHCACHE_C_negotiate_bad_input
                        : major == GSS_S_BAD_BINDINGS
                        ? AUTHCACHE_C_negotiate_refused_bindings
                        : AUTHCACHE_C_negotiate_denials);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, AC_LOGNO(2010) "Kerberos "
                      "token refused for %s: %s", r->uri,
                      gss_text(r, major, minor));
        /* a previous identity is gone: someone else may be logging on */
        neg_forget(conn);
        rc = neg_challenge(r, NULL);
    }
    else {
        neg_keep_ctx(r, conn);
        rc = neg_established(r, conn, conf, header, src, mech, flags,
                             lifetime, &out, no_cache);
    }
    gss_release_buffer(&m, &out);
    gss_release_name(&m, &src);
    return rc;
}

/* No Negotiate header: the connection's identity, if it serves here. */
static int neg_from_cache(request_rec *r, negotiate_conn *conn,
                          const authcache_dir_config_rec *conf,
                          const char *no_cache)
{
    const char *scope = authcache_scope(r);
    const authcache_conncred *c = conn->cred;

    if (c && !no_cache) {
        if (apr_time_now() >= c->expires) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, AC_LOGNO(2011) "the "
                          "ticket of %s has ended: a new one for %s",
                          c->principal, r->uri);
        }
        else if (authcache_conncred_purged(c)) {
            authcache_count(AUTHCACHE_C_purged_refused);
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AC_LOGNO(2015) "cached "
                          "Kerberos identity %s\\%s was purged: a new ticket "
                          "for %s", c->domain, c->user, r->uri);
        }
        else if (!authcache_conncred_in_scope(c, scope)) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, AC_LOGNO(2012) "cached "
                          "Kerberos identity %s was not verified for %s "
                          "(scope %s)", c->principal, r->uri, scope);
            return neg_challenge(r, NULL);
        }
        else if (!conf->ntlm_reject_cached) {
            authcache_count(AUTHCACHE_C_negotiate_cache_hits);
            return neg_granted(r, conf, 1, 1, c->user, c->domain, c->realm,
                               c->groups, NULL);
        }
    }
    if (c)
        neg_forget(conn);
    return neg_challenge(r, NULL);
}

/* 1 when the acceptor principal (as displayed, with its realm) is want
 * (service/host, with or without @REALM) */
static int neg_principal_is(const char *acceptor, const char *want)
{
    apr_size_t n = strlen(want);

    return !strncmp(acceptor, want, n)
           && (!acceptor[n] || (acceptor[n] == '@' && !ap_strchr_c(want, '@')));
}

/* r's decision came from e's token: what accepted it, for r's own
 * subrequests */
static void neg_inherit_acceptor(request_rec *r, const authcache_req_rec *e)
{
    authcache_req_rec *q = authcache_req(r);

    q->krb_ctx = e->krb_ctx;
    q->krb_keytab = e->krb_keytab;
    q->krb_realm = e->krb_realm;
    q->krb_bound = e->krb_bound;
}

/* Why this section's acceptor would not have accepted the token the
 * earlier request e accepted, or NULL */
static const char *neg_acceptor_differs(request_rec *r,
                                        const authcache_dir_config_rec *conf,
                                        const authcache_req_rec *e)
{
    const char *want = conf->negotiate_principal, *acceptor;

    if (!e->krb_ctx || !(acceptor = neg_acceptor(r, e->krb_ctx)))
        return "its acceptor is not known";
    if (!e->krb_keytab != !conf->negotiate_keytab
        || (e->krb_keytab && strcmp(e->krb_keytab, conf->negotiate_keytab)))
        return "another AuthNegotiateKeytab";
    if (!want)
        want = apr_pstrcat(r->pool, "HTTP/", ap_get_server_name(r), NULL);
    if (*want && !neg_principal_is(acceptor, want))
        return "another AuthNegotiateServicePrincipal";
    if (conf->ntlm_channel_binding == AC_NTLM_CB_REQUIRE && !e->krb_bound)
        return "unbound, and AuthNTLMChannelBinding Require";
    return NULL;
}

/*
 * A subrequest or internal redirect, in a section of another scope, of
 * the request whose token (e) GSSAPI accepted. The token cannot be
 * accepted again (the replay cache refuses it, rightly), so what
 * accepted it is checked against this section's acceptor instead: the
 * same keytab, a service principal this section accepts, its channel
 * binding rule; the groups as this section asks for them. On success the
 * connection's identity serves this scope too.
 */
static int neg_reaccept(request_rec *r, negotiate_conn *conn,
                        const authcache_dir_config_rec *conf,
                        const authcache_req_rec *e, const char *header,
                        const char *no_cache)
{
    const char *why = neg_acceptor_differs(r, conf, e), *groups = e->groups;
    int rc;

    if (why) {
        authcache_count(AUTHCACHE_C_negotiate_denials);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AC_LOGNO(2016) "the "
                      "Kerberos logon of %s\\%s does not serve %s (scope %s): "
                      "%s", e->domain, e->user, r->uri, authcache_scope(r),
                      why);
        return neg_challenge(r, NULL);
    }
    if (!conf->negotiate_groups)
        groups = NULL;
    else if (!groups && (rc = neg_groups(r, conf, e->user, e->domain,
                                         &groups)) != OK)
        return rc;
    if (!no_cache && conn->cred && !strcmp(conn->cred->user, e->user)
        && !strcmp(conn->cred->domain, e->domain)
        && (!conf->negotiate_groups || conn->cred->groups))
        authcache_conncred_add_scope(&conn->cred, authcache_scope(r));
    neg_inherit_acceptor(r, e);
    return neg_granted(r, conf, 0, !no_cache, e->user, e->domain,
                       e->krb_realm, groups, header);
}

/*
 * AuthNegotiateOfferNTLM: no header, and no Kerberos identity serves r
 * (rc, a challenge, is set): the connection's NTLM credential may; else
 * both challenges, Negotiate first, as IIS lists its providers.
 */
static int neg_or_ntlm(request_rec *r, int rc)
{
    const char *h = r->proxyreq == PROXYREQ_PROXY ? "Proxy-Authenticate"
                                                  : "WWW-Authenticate";
    int ntlm = authcache_ntlm_check(r);

    apr_table_unset(r->err_headers_out, h);
    if (ntlm == OK)
        return OK;
    if (ntlm != rc)
        return ntlm;
    apr_table_addn(r->err_headers_out, h, "Negotiate");
    apr_table_addn(r->err_headers_out, h, "NTLM");
    return rc;
}

static int neg_check_user_id(request_rec *r)
{
    const authcache_dir_config_rec *conf;
    negotiate_conn *conn;
    const authcache_req_rec *e;
    const char *type = ap_auth_type(r), *sent, *header, *no_cache;
    int offer_ntlm;

    if (!type || strcasecmp(type, "Negotiate"))
        return DECLINED;
    conf = ap_get_module_config(r->per_dir_config, &authcache_module);
    conn = neg_conn(r);
    no_cache = neg_no_cache_reason(r, conf);
    sent = authcache_auth_header(r);
    /* NTLM offered too: its messages are AuthType NTLM's (HTTP/2 streams
     * cannot carry it: Kerberos only there) */
    offer_ntlm = conf->negotiate_offer_ntlm && !r->connection->master;
    if (offer_ntlm && authcache_conncred_header(sent, "NTLM"))
        return authcache_ntlm_check(r);
    header = authcache_conncred_header(sent, "Negotiate");
    /* a subrequest or redirect of a request granted in this scope: the
     * same decision (a ticket cannot be accepted twice: replay cache) */
    e = authcache_req_earlier(r, AUTHCACHE_SOURCE_KERBEROS, header);
    if (e && !strcmp(e->granted_scope, authcache_scope(r))) {
        authcache_notes_reuse(r, e);
        neg_inherit_acceptor(r, e);
        return OK;
    }
    if (e && header)
        return neg_reaccept(r, conn, conf, e, header, no_cache);
    if (sent && !header)
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AC_LOGNO(2013) "not "
                      "Negotiate credentials for %s", r->uri);
    if (!header) {
        int rc = neg_from_cache(r, conn, conf, sent ? "another scheme"
                                                  : no_cache);

        /* no Kerberos identity: one logged on with NTLM inside Negotiate */
        if (rc != OK && !conn->cred)
            rc = authcache_negotiate_ntlm_cached(r, sent, rc);

        return rc != OK && offer_ntlm && !sent ? neg_or_ntlm(r, rc) : rc;
    }
    return neg_accept(r, conn, conf, header, no_cache);
}

static const authcache_conncred *neg_conn_cred(request_rec *r)
{
    return neg_conn(r)->cred;
}

static void neg_conn_forget(request_rec *r)
{
    neg_forget(neg_conn(r));
}

/* an application's 401 to a request served from the cached identity:
 * dropped, and a challenge for a new ticket */
static const authcache_conncred_scheme neg_scheme = {
    AUTHCACHE_SOURCE_KERBEROS, "Negotiate", -1, neg_conn_cred,
    neg_conn_forget
};

void authcache_negotiate_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_check_authn(neg_check_user_id, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    authcache_conncred_register(&neg_scheme);
    ap_hook_child_init(neg_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}
