/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AuthType NTLM, with the credential cached on the keep-alive connection
 * as Windows' HTTP Server API does it:
 *
 *   no header, nothing cached     -> 401 WWW-Authenticate: NTLM
 *   NEGOTIATE (type 1)            -> drop any cached credential (another
 *                                    user may log on), 401 with a CHALLENGE
 *                                    kept in the connection's state
 *   AUTHENTICATE (type 3)         -> must answer that challenge, on this
 *                                    connection, in time; verified by the
 *                                    authority (AuthNTLMProvider); the
 *                                    credential is cached on the connection
 *   no header, credential cached  -> authenticated from it, no authority
 *                                    call, AUTHCACHE_CACHED_CRED=1
 *
 * DisableNTLMCredentialCaching, requests through a proxy and HTTP/2
 * streams never use or fill the cache. AuthNTLMRejectCachedCredentials,
 * or an application answering 401 to a cache-served request, drops the
 * credential and sends the NTLM challenge so the client logs on again.
 */
#include <stdlib.h>

#include <openssl/crypto.h>

#include "apr_base64.h"
#include "apr_network_io.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"

#include "mod_authcache.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

/* Largest decoded NTLM message accepted (a type 3 is some hundred bytes). */
#define NTLM_MAX_MESSAGE 8192

/*
 * A connection's NTLM state is two small malloc'd blocks rather than a
 * pool: an idle keep-alive connection holding a credential then costs
 * some hundred bytes, not a pool's 8 KiB (nor the handshake's messages,
 * which are freed as soon as the AUTHENTICATE is answered). The
 * credential is authcache_conncred.c's, shared with Kerberos.
 */
typedef struct {               /* the handshake in progress */
    apr_time_t at;
    unsigned char challenge[8];
    unsigned char *negotiate_msg, *challenge_msg;   /* for the MIC */
    apr_size_t negotiate_len, challenge_len;
    char *scope;               /* where the NEGOTIATE was answered */
    const char *carrier;       /* its carrier's kind; NULL: AuthType NTLM */
    unsigned char *kept;       /* what the carrier kept (mechTypes) */
    apr_size_t kept_len;
} ntlm_handshake;

typedef struct authcache_ntlm_conn {
    ntlm_handshake *hs;        /* NULL: no challenge outstanding */
    authcache_conncred *cred;  /* NULL: nothing cached */
} authcache_ntlm_conn;

static void ntlm_free_handshake(authcache_ntlm_conn *conn)
{
    free(conn->hs);
    conn->hs = NULL;
}

static apr_status_t ntlm_conn_cleanup(void *data)
{
    authcache_ntlm_conn *conn = data;

    ntlm_free_handshake(conn);
    authcache_conncred_free(&conn->cred);
    return APR_SUCCESS;
}

static authcache_ntlm_conn *ntlm_conn(request_rec *r)
{
    authcache_conn_rec *cc = authcache_conn(r);

    if (!cc->ntlm) {
        cc->ntlm = apr_pcalloc(r->connection->pool, sizeof(*cc->ntlm));
        apr_pool_cleanup_register(r->connection->pool, cc->ntlm,
                                  ntlm_conn_cleanup, apr_pool_cleanup_null);
    }
    return cc->ntlm;
}

static void ntlm_forget(authcache_ntlm_conn *conn)
{
    ntlm_free_handshake(conn);
    authcache_conncred_free(&conn->cred);
}

/* Caches the logon of user, domain with groups, verified for scope. */
static void ntlm_cred_set(authcache_ntlm_conn *conn, const char *user,
                          const char *domain, const char *groups,
                          const char *scope)
{
    authcache_conncred id = { 0 };

    id.verified_at = apr_time_now();
    id.expires = APR_INT64_MAX;
    id.user = user;
    id.domain = domain;
    id.groups = groups;
    authcache_conncred_free(&conn->cred);
    /* NULL when out of memory: nothing cached, the client logs on again */
    conn->cred = authcache_conncred_make(&id, NULL, scope);
}

/*
 * Why this request must not use or fill the cache, or NULL. A proxy's
 * connection carries many clients' requests: one declared by address is
 * never trusted, whatever it sends; otherwise the proxy headers are
 * looked for as the client sent them (mod_remoteip removes
 * X-Forwarded-For before authentication), and a client address that is
 * not the connection's peer (mod_remoteip again) means a proxy too.
 */
const char *authcache_ntlm_no_cache_reason(request_rec *r,
                                   const authcache_dir_config_rec *conf)
{
    const authcache_req_rec *first = authcache_req(authcache_req_initial(r));
    const apr_table_t *sent = first->sent_headers ? first->sent_headers
                                                  : r->headers_in;
    conn_rec *c = r->connection;
    int i;

    if (conf->ntlm_no_cache)
        return "DisableNTLMCredentialCaching";
    if (r->proxyreq == PROXYREQ_PROXY)
        return "forward proxy request";
    for (i = 0; i < conf->ntlm_proxy_addresses->nelts; i++)
        if (apr_ipsubnet_test(APR_ARRAY_IDX(conf->ntlm_proxy_addresses, i,
                                            apr_ipsubnet_t *),
                              c->client_addr))
            return "AuthNTLMProxyAddresses";
    if (r->useragent_ip && c->client_ip
        && strcmp(r->useragent_ip, c->client_ip))
        return "client address set by a proxy";
    for (i = 0; i < conf->ntlm_proxy_headers->nelts; i++) {
        const char *h = APR_ARRAY_IDX(conf->ntlm_proxy_headers, i,
                                      const char *);
        if (apr_table_get(sent, h) || apr_table_get(r->headers_in, h))
            return h;
    }
    return NULL;
}

/* The carrier of r's NTLM messages, or NULL (AuthType NTLM) */
static const authcache_ntlm_carrier *ntlm_carrier(request_rec *r)
{
    return authcache_req(r)->ntlm_carrier;
}

static int ntlm_challenge_401(request_rec *r, const char *token)
{
    const authcache_ntlm_carrier *carrier = ntlm_carrier(r);

    if (carrier)
        return carrier->challenge(r, carrier, NULL, 0);
    apr_table_setn(r->err_headers_out,
                   r->proxyreq == PROXYREQ_PROXY ? "Proxy-Authenticate"
                                                 : "WWW-Authenticate",
                   token ? apr_pstrcat(r->pool, "NTLM ", token, NULL)
                         : "NTLM");
    return authcache_auth_status(r);
}

const char *authcache_format_user(request_rec *r, int format, const char *user,
                               const char *domain)
{
    switch (format) {
    case AUTHCACHE_USER_UPN:
        return apr_pstrcat(r->pool, user, "@", domain, NULL);
    case AUTHCACHE_USER_BARE:
        return apr_pstrdup(r->pool, user);
    default:
        return apr_pstrcat(r->pool, domain, "\\", user, NULL);
    }
}

/* Everything handed to httpd is copied into r's pool: the connection's
 * NTLM state may be cleared before the request ends (the 401 filter). */
static int ntlm_granted(request_rec *r, const authcache_dir_config_rec *conf,
                        int cached, int persistent, const char *user,
                        const char *domain, const char *groups,
                        const char *header)
{
    const authcache_ntlm_carrier *carrier = ntlm_carrier(r);

    return authcache_conncred_granted(
        r, carrier ? carrier->auth_type : "NTLM",
        carrier ? carrier->source : AUTHCACHE_SOURCE_NTLM,
        authcache_format_user(r, conf->ntlm_user_format, user, domain),
        cached, persistent, user, domain, groups, header);
}

/* Keeps the handshake's messages and challenge on the connection, in one
 * block freed when the AUTHENTICATE is answered. */
static apr_status_t ntlm_keep_handshake(request_rec *r,
                                        authcache_ntlm_conn *conn,
                                        const unsigned char challenge[8],
                                        const unsigned char *negotiate,
                                        apr_size_t negotiate_len,
                                        const unsigned char *challenge_msg,
                                        apr_size_t challenge_len)
{
    const authcache_ntlm_carrier *carrier = ntlm_carrier(r);
    const char *scope = authcache_scope(r);
    apr_size_t slen = strlen(scope) + 1;
    apr_size_t klen = carrier ? carrier->keep_len : 0;
    ntlm_handshake *hs = malloc(sizeof(*hs) + negotiate_len + challenge_len
                                + slen + klen);

    if (!hs) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, APR_ENOMEM, r,
                      AC_LOGNO(0701) "no memory for an NTLM handshake");
        return APR_ENOMEM;
    }
    hs->at = apr_time_now();
    memcpy(hs->challenge, challenge, 8);
    hs->negotiate_msg = memcpy((unsigned char *)(hs + 1), negotiate,
                               negotiate_len);
    hs->negotiate_len = negotiate_len;
    hs->challenge_msg = memcpy(hs->negotiate_msg + negotiate_len,
                               challenge_msg, challenge_len);
    hs->challenge_len = challenge_len;
    hs->scope = memcpy(hs->challenge_msg + challenge_len, scope, slen);
    hs->carrier = carrier ? carrier->kind : NULL;
    hs->kept = klen ? memcpy(hs->scope + slen, carrier->keep, klen) : NULL;
    hs->kept_len = klen;
    conn->hs = hs;
    return APR_SUCCESS;
}

/*
 * NEGOTIATE: answer with a CHALLENGE and remember it. The connection must
 * survive this 401 even at MaxKeepAliveRequests: the handshake is bound
 * to it, so its request does not count against the limit.
 */
static int ntlm_negotiate(request_rec *r, authcache_ntlm_conn *conn,
                          const authcache_dir_config_rec *conf,
                          const unsigned char *msg, apr_size_t len)
{
    ac_ntlm_challenge_params_t params;
    apr_uint32_t client_flags, negotiated;
    unsigned char *out;
    apr_size_t out_len;
    const char *why;
    char *b64;
    apr_status_t rv;
    int repeat;

    if (ac_ntlm_parse_negotiate(msg, len, &client_flags, &why)
        != APR_SUCCESS) {
        authcache_count(AUTHCACHE_C_ntlm_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(0702) "bad NTLM NEGOTIATE for %s: %s", r->uri, why);
        return HTTP_BAD_REQUEST;
    }
    /* a NEGOTIATE over a challenge never answered: its leg is not free */
    repeat = conn->hs != NULL;
    ntlm_forget(conn);
    memset(&params, 0, sizeof(params));
    params.nb_domain = conf->ntlm_domain;
    params.nb_computer = ap_get_server_name(r);
    params.timestamp = ac_ntlm_filetime(apr_time_now());
    if ((rv = apr_generate_random_bytes(params.challenge, 8)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      AC_LOGNO(0703) "no random bytes for an NTLM challenge");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* NetBIOS computer names are at most 15 characters: cut the host */
    params.nb_computer = apr_pstrndup(r->pool, params.nb_computer,
                                      strcspn(params.nb_computer, "."));
    if (strlen(params.nb_computer) > 15)
        params.nb_computer = apr_pstrndup(r->pool, params.nb_computer, 15);
    params.dns_computer = ap_get_server_name(r);
    if (ac_ntlm_build_challenge(&params, client_flags, r->pool, &out,
                                &out_len, &negotiated, &why) != APR_SUCCESS) {
        authcache_count(AUTHCACHE_C_ntlm_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(0704) "cannot answer NTLM NEGOTIATE for %s: %s",
                      r->uri, why);
        return HTTP_BAD_REQUEST;
    }
    if (ntlm_keep_handshake(r, conn, params.challenge, msg, len, out, out_len)
        != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    authcache_count(AUTHCACHE_C_ntlm_handshakes);

    b64 = apr_palloc(r->pool, apr_base64_encode_len((int)out_len));
    apr_base64_encode(b64, (const char *)out, (int)out_len);
    /*
     * The challenge leg does not count against MaxKeepAliveRequests (else
     * MaxKeepAliveRequests 1 could never finish a handshake), but only
     * once per AUTHENTICATE: NEGOTIATE after NEGOTIATE must not keep a
     * connection open for ever.
     */
    if (!repeat && r->connection->keepalives > 0)
        r->connection->keepalives--;
    if (ntlm_carrier(r))
        return ntlm_carrier(r)->challenge(r, ntlm_carrier(r), out, out_len);
    return ntlm_challenge_401(r, b64);
}

/*
 * Verifies AUTHENTICATE msg against a challenge and the messages before
 * it, with this request's authority: AUTH_GRANTED with *l filled (its
 * session key wiped).
 */
static authn_status ntlm_verify(request_rec *r,
                                const authcache_dir_config_rec *conf,
                                const unsigned char *msg, apr_size_t len,
                                const unsigned char challenge[8],
                                const unsigned char *negotiate,
                                apr_size_t negotiate_len,
                                const unsigned char *challenge_msg,
                                apr_size_t challenge_len,
                                const unsigned char *kept, apr_size_t kept_len,
                                authcache_ntlm_logon *l)
{
    const authcache_ntlm_carrier *carrier = ntlm_carrier(r);
    const authcache_ntlm_provider *authority = conf->ntlm_provider;
    const char *why, *who;
    authcache_ntlm_answer in;
    ac_ntlm_auth_t a;
    authn_status st;
    int mic_ok = 1;

    memset(l, 0, sizeof(*l));
    if (ac_ntlm_parse_authenticate(msg, len, r->pool, &a, &why)
        != APR_SUCCESS) {
        authcache_count(AUTHCACHE_C_ntlm_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(0705) "NTLM AUTHENTICATE refused for %s: %s",
                      r->uri, why);
        return AUTH_DENIED;
    }
    if (!authority)
        authority = ap_lookup_provider(AUTHCACHE_NTLM_PROVIDER_GROUP,
                                       conf->ntlm_provider_name,
                                       AUTHCACHE_NTLM_PROVIDER_VERSION);
    if (!authority) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      AC_LOGNO(0706) "no NTLM authority '%s'",
                      conf->ntlm_provider_name);
        return AUTH_GENERAL_ERROR;
    }
    who = apr_pstrcat(r->pool, *a.domain_utf8 ? a.domain_utf8
                                              : conf->ntlm_domain,
                      "\\", a.user_utf8, NULL);
    authcache_count(AUTHCACHE_C_ntlm_logons);
    in.conf = conf;
    in.a = &a;
    in.challenge = challenge;
    st = authority->verify(r, &in, l);
    if (st == AUTH_GRANTED && a.has_mic
        && (ac_ntlm_mic_verify(l->session_base_key, negotiate,
                               negotiate_len, challenge_msg, challenge_len,
                               msg, len, &a, &mic_ok)
            != APR_SUCCESS || !mic_ok)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      AC_LOGNO(0707) "NTLM MIC mismatch for %s on %s: "
                      "messages altered in transit?", who, r->uri);
        st = AUTH_DENIED;
    }
    /* Extended Protection: the blob names this server, channel, CHALLENGE;
     * then the carrier's own check with the session key (mechListMIC)
     * (refusals logged and counted there) */
    if (st == AUTH_GRANTED
        && (authcache_ntlm_epa_check(r, conf, &a, challenge_msg,
                                     challenge_len, who) != APR_SUCCESS
            || (carrier && carrier->verified
                && carrier->verified(r, carrier, &a, l->session_base_key,
                                     kept, kept_len) != APR_SUCCESS))) {
        OPENSSL_cleanse(l->session_base_key, sizeof(l->session_base_key));
        return AUTH_DENIED;
    }
    OPENSSL_cleanse(l->session_base_key, sizeof(l->session_base_key));
    if (st != AUTH_GRANTED && st != AUTH_GENERAL_ERROR) {
        authcache_count(AUTHCACHE_C_ntlm_denials);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      AC_LOGNO(0708) "NTLM logon of %s refused for %s: %s",
                      who, r->uri,
                      st == AUTH_USER_NOT_FOUND ? "unknown user"
                                                : "wrong password");
    }
    return st;
}

/* An AUTHENTICATE that answers no challenge of this connection's. */
static int ntlm_stray(request_rec *r, authcache_ntlm_conn *conn,
                      const char *why)
{
    authcache_count(AUTHCACHE_C_ntlm_bad_input);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  AC_LOGNO(0709) "NTLM AUTHENTICATE for %s %s; the connection's "
                  "credential is dropped", r->uri, why);
    ntlm_forget(conn);
    return ntlm_challenge_401(r, NULL);
}

/* AUTHENTICATE: verify it against the challenge of this connection. */
static int ntlm_authenticate(request_rec *r, authcache_ntlm_conn *conn,
                             const authcache_dir_config_rec *conf,
                             const char *header,
                             const unsigned char *msg, apr_size_t len,
                             const char *no_cache)
{
    authcache_req_rec *q = authcache_req(r);
    const char *scope = authcache_scope(r);
    authcache_ntlm_logon l;
    const ntlm_handshake *hs;
    apr_time_t challenged_at;
    authn_status st;

    if (!(hs = conn->hs))
        return ntlm_stray(r, conn, "without a NEGOTIATE on this connection");
    if (strcmp(hs->scope, scope))
        return ntlm_stray(r, conn, "answers a challenge of another section");
    if (!hs->carrier != !ntlm_carrier(r)
        || (hs->carrier && strcmp(hs->carrier, ntlm_carrier(r)->kind)))
        return ntlm_stray(r, conn, "answers a challenge sent in another "
                                 "scheme or wrapping");
    /* one answer per challenge, whatever the outcome; the handshake is
     * kept with the request for its subrequests in other sections */
    memcpy(q->ntlm_challenge, hs->challenge, 8);
    q->ntlm_negotiate = apr_pmemdup(r->pool, hs->negotiate_msg,
                                    hs->negotiate_len);
    q->ntlm_negotiate_len = hs->negotiate_len;
    q->ntlm_challenge_msg = apr_pmemdup(r->pool, hs->challenge_msg,
                                        hs->challenge_len);
    q->ntlm_challenge_len = hs->challenge_len;
    q->ntlm_kept = hs->kept ? apr_pmemdup(r->pool, hs->kept, hs->kept_len)
                            : NULL;
    q->ntlm_kept_len = hs->kept_len;
    challenged_at = hs->at;
    ntlm_free_handshake(conn);
    if (apr_time_now() - challenged_at > conf->ntlm_handshake_timeout) {
        authcache_count(AUTHCACHE_C_ntlm_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(0710) "NTLM challenge for %s expired", r->uri);
        return ntlm_challenge_401(r, NULL);
    }
    st = ntlm_verify(r, conf, msg, len, q->ntlm_challenge, q->ntlm_negotiate,
                     q->ntlm_negotiate_len, q->ntlm_challenge_msg,
                     q->ntlm_challenge_len, q->ntlm_kept, q->ntlm_kept_len,
                     &l);
    if (st == AUTH_GENERAL_ERROR)
        return HTTP_INTERNAL_SERVER_ERROR;
    if (st != AUTH_GRANTED)
        return ntlm_challenge_401(r, NULL);
    if (!no_cache) {
        ntlm_cred_set(conn, l.user, l.domain, l.groups, scope);
        if (conn->cred)
            conn->cred->carried = ntlm_carrier(r) != NULL;
        authcache_conncred_trim(r);
    }
    return ntlm_granted(r, conf, 0, !no_cache, l.user, l.domain, l.groups,
                        header);
}

/*
 * A subrequest or internal redirect, in a section of another scope, of
 * the request whose AUTHENTICATE (e) logged on: the same answer is
 * verified by this section's authority, against the handshake e kept;
 * no challenge is consumed. On success the connection's credential also
 * serves this scope.
 */
static int ntlm_reverify(request_rec *r, authcache_ntlm_conn *conn,
                         const authcache_dir_config_rec *conf,
                         const authcache_req_rec *e, const char *header,
                         const unsigned char *msg, apr_size_t len,
                         const char *no_cache)
{
    authcache_ntlm_logon l;
    authn_status st = ntlm_verify(r, conf, msg, len, e->ntlm_challenge,
                                  e->ntlm_negotiate, e->ntlm_negotiate_len,
                                  e->ntlm_challenge_msg,
                                  e->ntlm_challenge_len, e->ntlm_kept,
                                  e->ntlm_kept_len, &l);

    if (st == AUTH_GENERAL_ERROR)
        return HTTP_INTERNAL_SERVER_ERROR;
    if (st != AUTH_GRANTED)
        return ntlm_challenge_401(r, NULL);
    if (!no_cache && conn->cred && !strcmp(conn->cred->user, l.user)
        && !strcmp(conn->cred->domain, l.domain))
        authcache_conncred_add_scope(&conn->cred, authcache_scope(r));
    return ntlm_granted(r, conf, 0, !no_cache, l.user, l.domain, l.groups,
                        header);
}

/* Decodes "NTLM <base64>": NULL (and a log line) when it is not that. */
static unsigned char *ntlm_decode(request_rec *r, const char *header,
                                  apr_size_t *len)
{
    unsigned char *msg = authcache_auth_decode(r, header + 4,
                                               NTLM_MAX_MESSAGE, len);

    if (!msg) {
        authcache_count(AUTHCACHE_C_ntlm_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(0711) "malformed NTLM Authorization header for %s",
                      r->uri);
    }
    return msg;
}

/*
 * 1 (logged and counted) when the connection's credential must be
 * verified again: its user was purged since the logon, or it is older
 * than AuthNTLMCredentialLifetime.
 */
static int ntlm_cred_stale(request_rec *r,
                           const authcache_dir_config_rec *conf,
                           const authcache_conncred *c)
{
    if (authcache_conncred_purged(c)) {
        authcache_count(AUTHCACHE_C_purged_refused);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(0712) "cached NTLM credential of %s\\%s was "
                      "purged: logon asked again for %s", c->domain,
                      c->user, r->uri);
        return 1;
    }
    if (conf->ntlm_credential_lifetime > 0
        && apr_time_now() - c->verified_at
           > conf->ntlm_credential_lifetime) {
        authcache_count(AUTHCACHE_C_ntlm_lifetime_expired);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      AC_LOGNO(0713) "cached NTLM credential of %s\\%s is older "
                      "than AuthNTLMCredentialLifetime: logon asked again "
                      "for %s", c->domain, c->user, r->uri);
        return 1;
    }
    return 0;
}

/* No NTLM header: the connection's credential, if it serves here. */
static int ntlm_from_cache(request_rec *r, authcache_ntlm_conn *conn,
                           const authcache_dir_config_rec *conf,
                           const char *header, const char *no_cache)
{
    const char *scope = authcache_scope(r);
    const authcache_conncred *c = conn->cred;

    if (header)
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(0714) "not NTLM credentials for %s", r->uri);
    if (c && !header && !no_cache && ntlm_cred_stale(r, conf, c)) {
        /* purged or past its lifetime: re-verified by a new logon */
        ntlm_forget(conn);
        return ntlm_challenge_401(r, NULL);
    }
    if (c && !header && !no_cache && !c->carried != !ntlm_carrier(r))
        /* logged on by the other scheme (NTLM, or NTLM in Negotiate):
         * kept for it, a logon asked for here */
        return ntlm_challenge_401(r, NULL);
    if (c && !header && !no_cache) {
        if (!authcache_conncred_in_scope(c, scope)) {
            /* verified by another section's authority: the client logs
             * on again here, and the new handshake replaces it */
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          AC_LOGNO(0715) "cached NTLM credential of %s\\%s was "
                          "not verified for %s (scope %s)", c->domain,
                          c->user, r->uri, scope);
            return ntlm_challenge_401(r, NULL);
        }
        if (!conf->ntlm_reject_cached) {
            authcache_count(AUTHCACHE_C_ntlm_cache_hits);
            return ntlm_granted(r, conf, 1, 1, c->user, c->domain,
                                c->groups, NULL);
        }
        authcache_count(AUTHCACHE_C_ntlm_rejected_cached);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      AC_LOGNO(0716) "cached NTLM credential rejected for %s "
                      "(AuthNTLMRejectCachedCredentials)", r->uri);
    }
    else if (c && no_cache)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      AC_LOGNO(0717) "cached NTLM credential not used for %s "
                      "(%s)", r->uri, no_cache);
    /* disabled, proxied or rejected: the cached credential is gone */
    if (c)
        ntlm_forget(conn);
    return ntlm_challenge_401(r, NULL);
}

/*
 * The NTLM step for r: header is the one carrying an NTLM message (msg,
 * decoded from it here when NULL) or NULL, other another scheme's
 * Authorization; c the carrier or NULL (AuthType NTLM).
 */
static int ntlm_check(request_rec *r, const authcache_ntlm_carrier *c,
                      const char *header, const char *other,
                      const unsigned char *msg, apr_size_t len)
{
    authcache_dir_config_rec *conf;
    authcache_ntlm_conn *conn;
    const authcache_req_rec *e;
    const char *no_cache, *why, *source;
    int mtype;

    conf = ap_get_module_config(r->per_dir_config, &authcache_module);
    authcache_req(r)->ntlm_carrier = c;
    if (r->connection->master) {
        /*
         * An HTTP/2 stream is no connection a credential can bind to: its
         * requests share one client connection. mod_http2 turns a 403 with
         * this note into RST_STREAM HTTP_1_1_REQUIRED, and clients retry
         * the request over HTTP/1.1.
         */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(0718) "NTLM needs HTTP/1.1: asking the client to "
                      "retry %s over HTTP/1.1", r->uri);
        apr_table_setn(r->notes, "ssl-renegotiate-forbidden",
                       "NTLM is bound to HTTP/1.1 connections");
        return HTTP_FORBIDDEN;
    }
    conn = ntlm_conn(r);
    no_cache = authcache_ntlm_no_cache_reason(r, conf);
    source = c ? c->source : AUTHCACHE_SOURCE_NTLM;

    /* a subrequest or redirect of a request we granted: once per client
     * request, the same decision where the scope is the same */
    if (authcache_conncred_reuse(r, source, header))
        return OK;
    e = authcache_req_earlier(r, source, header);
    if (!header)
        return ntlm_from_cache(r, conn, conf, other, no_cache);

    if (!msg && !(msg = ntlm_decode(r, header, &len)))
        return HTTP_BAD_REQUEST;
    if (ac_ntlm_message_type(msg, len, &mtype, &why) != APR_SUCCESS
        || mtype == 2) {
        authcache_count(AUTHCACHE_C_ntlm_bad_input);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(0719) "bad NTLM message for %s: %s", r->uri,
                      mtype == 2 ? "a CHALLENGE sent by the client" : why);
        return HTTP_BAD_REQUEST;
    }
    if (e && mtype == 3 && e->ntlm_negotiate)
        return ntlm_reverify(r, conn, conf, e, header, msg, len, no_cache);
    if (mtype == 1)
        return ntlm_negotiate(r, conn, conf, msg, len);
    return ntlm_authenticate(r, conn, conf, header, msg, len, no_cache);
}

int authcache_ntlm_check(request_rec *r)
{
    const char *sent = authcache_auth_header(r);
    const char *header = sent && !strncasecmp(sent, "NTLM", 4)
                         && (!sent[4] || sent[4] == ' ') ? sent : NULL;

    return ntlm_check(r, NULL, header, header ? NULL : sent, NULL, 0);
}

int authcache_ntlm_carried(request_rec *r, const authcache_ntlm_carrier *c,
                           const char *header, const unsigned char *msg,
                           apr_size_t len)
{
    return ntlm_check(r, c, msg ? header : NULL, msg ? NULL : header, msg,
                      len);
}

static int ntlm_check_user_id(request_rec *r)
{
    const char *type = ap_auth_type(r);

    return type && !strcasecmp(type, "NTLM") ? authcache_ntlm_check(r)
                                             : DECLINED;
}

static const authcache_conncred *ntlm_conn_cred(request_rec *r)
{
    return ntlm_conn(r)->cred;
}

static void ntlm_conn_forget(request_rec *r)
{
    ntlm_forget(ntlm_conn(r));
}

static const authcache_conncred_scheme ntlm_scheme = {
    AUTHCACHE_SOURCE_NTLM, "NTLM", AUTHCACHE_C_ntlm_rejected_cached,
    ntlm_conn_cred, ntlm_conn_forget
};

/* NTLM inside Negotiate: the same credential, challenged as Negotiate */
static const authcache_conncred_scheme ntlm_negotiate_scheme = {
    AUTHCACHE_SOURCE_NEGOTIATE_NTLM, "Negotiate",
    AUTHCACHE_C_ntlm_rejected_cached, ntlm_conn_cred, ntlm_conn_forget
};

void authcache_ntlm_register_hooks(apr_pool_t *p)
{
    authcache_ntlm_file_register(p);
    ap_hook_check_authn(ntlm_check_user_id, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    authcache_conncred_register(&ntlm_scheme);
    authcache_conncred_register(&ntlm_negotiate_scheme);
}
