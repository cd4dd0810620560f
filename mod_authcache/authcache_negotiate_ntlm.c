/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NTLM inside AuthType Negotiate: what a client without a Kerberos
 * ticket sends (Windows, and curl or any GSSAPI client with gss-ntlmssp).
 * The NTLM messages are AuthType NTLM's (authcache_ntlm.c: the same
 * handshake, authorities, checks and connection cache); this file only
 * unwraps and wraps them:
 *
 *   NegTokenInit, NTLMSSP first  -> its NEGOTIATE; the 401 carries
 *                                   NegTokenResp { accept-incomplete,
 *                                   NTLMSSP, CHALLENGE }; mechTypes is
 *                                   kept with the handshake
 *   NegTokenResp with NTLMSSP    -> its AUTHENTICATE; once verified, the
 *                                   client's mechListMIC over mechTypes
 *                                   (MS-SPNG 3.3.5.1), and the grant
 *                                   carries NegTokenResp { accept-completed,
 *                                   the server's mechListMIC }
 *   a bare NTLMSSP message       -> the same without SPNEGO (no MIC)
 *
 * Everything else (Kerberos first, or only later in the list) is
 * GSSAPI's, which negotiates Kerberos only; a GSS token of another
 * mechanism never reaches it (an NTLM plugin such as gss-ntlmssp would
 * verify NTLM against its own users).
 */
#include <openssl/crypto.h>

#include "apr_base64.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"

#include "mod_authcache.h"
#include "authcache_private.h"
#include "ac_negotiate.h"
#include "ac_ntlm_sign.h"
#include "ac_spnego.h"

APLOG_USE_MODULE(authcache);

static const char *www_authenticate(request_rec *r)
{
    return r->proxyreq == PROXYREQ_PROXY ? "Proxy-Authenticate"
                                         : "WWW-Authenticate";
}

static const char *negotiate_value(request_rec *r, const unsigned char *tok,
                                   apr_size_t len)
{
    char *b64 = apr_palloc(r->pool, apr_base64_encode_len((int)len));

    apr_base64_encode(b64, (const char *)tok, (int)len);
    return apr_pstrcat(r->pool, "Negotiate ", b64, NULL);
}

/* The 401: "Negotiate" to refuse, or the CHALLENGE msg, inside a
 * NegTokenResp (SPNEGO) or bare as the client sent its NEGOTIATE */
static int carrier_challenge(request_rec *r, const authcache_ntlm_carrier *c,
                             const unsigned char *msg, apr_size_t len)
{
    const char *v = "Negotiate";
    unsigned char *tok;
    apr_size_t tlen;

    if (msg && c->keep) {
        if (ac_spnego_build_resp(AC_SPNEGO_ACCEPT_INCOMPLETE,
                                 AC_SPNEGO_MECH_NTLMSSP, msg, len, NULL, 0,
                                 r->pool, &tok, &tlen) != APR_SUCCESS)
            return HTTP_INTERNAL_SERVER_ERROR;
        v = negotiate_value(r, tok, tlen);
    }
    else if (msg)
        v = negotiate_value(r, msg, len);
    if (msg)
        authcache_count(AUTHCACHE_C_negotiate_challenges);
    apr_table_setn(r->err_headers_out, www_authenticate(r), v);
    return authcache_auth_status(r);
}

static apr_status_t refuse_mic(request_rec *r, const ac_ntlm_auth_t *a,
                               const char *why)
{
    authcache_count(AUTHCACHE_C_negotiate_ntlm_refused_mic);
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, AC_LOGNO(2101) "NTLM logon "
                  "of %s\\%s inside SPNEGO refused for %s: %s", a->domain_utf8,
                  a->user_utf8, r->uri, why);
    return APR_EACCES;
}

/*
 * MS-SPNG 3.3.5.1: the client's mechListMIC is NTLM's GSS_GetMIC over
 * mechTypes, sequence 0, with the client-to-server signing key. It is
 * required when the AUTHENTICATE has an NTLM MIC (as Windows and
 * gss-ntlmssp require it then: the mechanism list cannot be stripped
 * unseen); one sent must be right in any case. The server's own
 * (server-to-client key) goes into *mic when the client sent one.
 */
static apr_status_t check_mic(request_rec *r, const ac_spnego_token_t *t,
                              const ac_ntlm_auth_t *a,
                              const unsigned char key[16],
                              const unsigned char *mech_types, apr_size_t len,
                              unsigned char mic[AC_NTLM_SIGNATURE_LEN])
{
    unsigned char sign[16], seal[16];
    apr_status_t rv;
    int ok = 0;

    if (!t->mic)
        return a->has_mic ? refuse_mic(r, a, "no mechListMIC, though the "
                                             "AUTHENTICATE has a MIC")
                          : APR_NOTFOUND;
    if (a->flags & AC_NTLM_NEGOTIATE_KEY_EXCH)
        return refuse_mic(r, a, "key exchange claimed, never offered");
    if (!(a->flags & AC_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY))
        return refuse_mic(r, a, "a mechListMIC without extended session "
                                "security");
    rv = ac_ntlm_session_keys(key, a->flags, AC_NTLM_CLIENT_TO_SERVER, sign,
                              seal);
    if (rv == APR_SUCCESS)
        rv = ac_ntlm_sign_verify(sign, 0, mech_types, len, t->mic,
                                 t->mic_len, &ok);
    if (rv == APR_SUCCESS && ok)
        rv = ac_ntlm_session_keys(key, a->flags, AC_NTLM_SERVER_TO_CLIENT,
                                  sign, seal);
    if (rv == APR_SUCCESS && ok)
        rv = ac_ntlm_sign(sign, 0, mech_types, len, mic);
    OPENSSL_cleanse(sign, sizeof(sign));
    OPENSSL_cleanse(seal, sizeof(seal));
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, AC_LOGNO(2102) "cannot "
                      "compute an NTLM signature (OpenSSL's MD5)");
        return rv;
    }
    return ok ? APR_SUCCESS
              : refuse_mic(r, a, "the mechListMIC does not match mechTypes "
                                 "(the mechanism list altered in transit?)");
}

/* A verified logon inside SPNEGO: its mechListMIC, and the final token */
static apr_status_t spnego_verified(request_rec *r,
                                    const authcache_ntlm_carrier *c,
                                    const ac_ntlm_auth_t *a,
                                    const unsigned char key[16],
                                    const unsigned char *kept,
                                    apr_size_t kept_len)
{
    unsigned char mic[AC_NTLM_SIGNATURE_LEN], *tok;
    apr_size_t tlen;
    apr_status_t rv;

    if (!kept)
        return refuse_mic(r, a, "no mechTypes kept from its NegTokenInit");
    rv = check_mic(r, c->baton, a, key, kept, kept_len, mic);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
        return rv;
    if (ac_spnego_build_resp(AC_SPNEGO_ACCEPT_COMPLETED, AC_SPNEGO_MECH_OTHER,
                             NULL, 0, rv == APR_SUCCESS ? mic : NULL,
                             sizeof(mic), r->pool, &tok, &tlen)
        != APR_SUCCESS)
        return APR_ENOMEM;
    apr_table_setn(r->err_headers_out, www_authenticate(r),
                   negotiate_value(r, tok, tlen));
    return APR_SUCCESS;
}

/* A carrier for r: SPNEGO (t, keeping mech_types) or bare (t NULL) */
static authcache_ntlm_carrier *carrier(request_rec *r,
                                       const ac_spnego_token_t *t)
{
    authcache_ntlm_carrier *c = apr_pcalloc(r->pool, sizeof(*c));

    c->kind = t ? "spnego" : "bare";
    c->auth_type = "Negotiate";
    c->source = AUTHCACHE_SOURCE_NEGOTIATE_NTLM;
    c->challenge = carrier_challenge;
    if (t) {
        c->verified = spnego_verified;
        c->keep = t->mech_types;     /* NULL in a NegTokenResp */
        c->keep_len = t->mech_types_len;
        c->baton = t;
    }
    return c;
}

static int refused(request_rec *r, const char *why)
{
    authcache_count(AUTHCACHE_C_negotiate_bad_input);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AC_LOGNO(2103) "Negotiate token "
                  "refused for %s: %s", r->uri, why);
    apr_table_setn(r->err_headers_out, www_authenticate(r), "Negotiate");
    return authcache_auth_status(r);
}

/* The NTLM message type of tok, or 0 */
static int ntlm_type(const unsigned char *tok, apr_size_t len)
{
    const char *why;
    int type = 0;

    if (!tok || ac_ntlm_message_type(tok, len, &type, &why) != APR_SUCCESS)
        return 0;
    return type;
}

/*
 * The NTLM message of an NTLM token (bare: t NULL) to the NTLM path, if
 * it is of the type this leg carries (want) and the section has an NTLM
 * authority: a Kerberos-only section stays Kerberos-only.
 */
static int has_ntlm_authority(request_rec *r)
{
    const authcache_dir_config_rec *conf =
        ap_get_module_config(r->per_dir_config, &authcache_module);

    return conf->ntlm_provider_set || conf->ntlm_user_file;
}

static int carried(request_rec *r, const char *header,
                   const ac_spnego_token_t *t, const unsigned char *msg,
                   apr_size_t len, int want)
{
    int type = ntlm_type(msg, len);

    if (!has_ntlm_authority(r))
        return refused(r, "NTLM, but no NTLM authority here "
                          "(AuthNTLMProvider or AuthNTLMUserFile)");
    if (want && type != want)
        return refused(r, want == 1 ? "NTLMSSP preferred, but no NTLM "
                                      "NEGOTIATE as its mechToken"
                                    : "a NegTokenResp whose NTLM message is "
                                      "no AUTHENTICATE");
    return authcache_ntlm_carried(r, carrier(r, t), header, msg, len);
}

int authcache_negotiate_ntlm(request_rec *r, const char *header,
                             const unsigned char *tok, apr_size_t len,
                             int *rc)
{
    ac_spnego_token_t *t;
    const char *why = NULL;

    if (ac_negotiate_is_ntlmssp(tok, len)) {
        *rc = carried(r, header, NULL, tok, len, 0);
        return 1;
    }
    t = apr_palloc(r->pool, sizeof(*t));
    if (ac_spnego_parse(tok, len, r->pool, t, &why) != APR_SUCCESS) {
        *rc = refused(r, why);
        return 1;
    }
    if (t->kind == AC_SPNEGO_GSS_OTHER && t->this_mech != AC_SPNEGO_MECH_KRB5) {
        *rc = refused(r, "a GSS token of a mechanism not offered");
        return 1;
    }
    /* NTLM preferred: its optimistic token must be the NEGOTIATE (no
     * second round to ask for it); a later leg's, the AUTHENTICATE */
    if (t->kind == AC_SPNEGO_INIT && t->first_mech == AC_SPNEGO_MECH_NTLMSSP) {
        *rc = carried(r, header, t, t->mech_token, t->mech_token_len, 1);
        return 1;
    }
    if (t->kind == AC_SPNEGO_RESP
        && ac_negotiate_is_ntlmssp(t->mech_token, t->mech_token_len)) {
        *rc = carried(r, header, t, t->mech_token, t->mech_token_len, 3);
        return 1;
    }
    return 0;       /* Kerberos: GSSAPI's */
}

int authcache_negotiate_ntlm_cached(request_rec *r, const char *sent, int rc)
{
    /* an HTTP/2 stream holds no NTLM credential: Kerberos's answer */
    if (r->connection->master || !has_ntlm_authority(r))
        return rc;
    return authcache_ntlm_carried(r, carrier(r, NULL), sent, NULL, 0);
}
