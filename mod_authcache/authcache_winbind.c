/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The domain behind the caches, through Samba's winbindd (libwbclient):
 *
 *   AuthNTLMProvider winbind     NTLMv2 responses validated by the domain
 *                                (challenge/response logon, as ntlm_auth
 *                                does, without spawning helpers)
 *   AuthCacheProvider winbind    an authn provider for Basic (plaintext
 *                                logon), wrapped by "authcache"
 *
 * A logon yields what the domain says about the user: the canonical
 * account and domain names and the group memberships, which the caches
 * keep and "Require authcache-group" answers from.
 *
 * winbindd down or its privileged pipe out of reach is the server's
 * problem, not the user's: a clear log line and a 500, and the next
 * request tries again, so the domain coming back needs no restart.
 */
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdint.h>
#include <wbclient.h>

#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_request.h"
#include "mod_auth.h"

#include "mod_authcache.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

/* groups with the name of sid added if it names a group, "DOMAIN\Group"
 * joined by ';' (a character Windows group names cannot hold), each name
 * once (a logon may list the primary group twice). */
static const char *groups_add(request_rec *r, struct wbcContext *ctx,
                              const struct wbcDomainSid *sid,
                              const char *groups)
{
    char *dom = NULL, *name = NULL;
    enum wbcSidType type;

    if (wbcCtxLookupSid(ctx, sid, &dom, &name, &type) != WBC_ERR_SUCCESS)
        return groups;
    if (type == WBC_SID_NAME_DOM_GRP || type == WBC_SID_NAME_ALIAS
        || type == WBC_SID_NAME_WKN_GRP) {
        const char *g = *dom ? apr_pstrcat(r->pool, dom, "\\", name, NULL)
                             : apr_pstrdup(r->pool, name);

        if (!*groups)
            groups = g;
        else if (!ap_strstr_c(apr_pstrcat(r->pool, ";", groups, ";", NULL),
                              apr_pstrcat(r->pool, ";", g, ";", NULL)))
            groups = apr_pstrcat(r->pool, groups, ";", g, NULL);
    }
    wbcFreeMemory(dom);
    wbcFreeMemory(name);
    return groups;
}

/* The group names of a logon */
static const char *logon_groups(request_rec *r, struct wbcContext *ctx,
                                const struct wbcAuthUserInfo *info)
{
    const char *groups = "";
    uint32_t i;

    /* sids[0] is the user; the rest are groups and aliases */
    for (i = 1; i < info->num_sids; i++)
        groups = groups_add(r, ctx, &info->sids[i].sid, groups);
    return groups;
}

/* A client context of winbindd's, or NULL (logged) */
static struct wbcContext *wb_context(request_rec *r)
{
    struct wbcContext *ctx = wbcCtxCreate();

    if (!ctx)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      AC_LOGNO(1401) "cannot create a winbind client context");
    return ctx;
}

/*
 * One logon through winbindd. On success fills *out (the session key
 * too, for NTLM); the authn status otherwise.
 */
static authn_status winbind_logon(request_rec *r,
                                  struct wbcAuthUserParams *params,
                                  authcache_ntlm_logon *out)
{
    struct wbcContext *ctx = wb_context(r);
    struct wbcAuthUserInfo *info = NULL;
    struct wbcAuthErrorInfo *error = NULL;
    authn_status st;
    wbcErr e;

    if (!ctx)
        return AUTH_GENERAL_ERROR;
    params->parameter_control |= WBC_MSV1_0_ALLOW_WORKSTATION_TRUST_ACCOUNT
                                 | WBC_MSV1_0_ALLOW_SERVER_TRUST_ACCOUNT;
    e = wbcCtxAuthenticateUserEx(ctx, params, &info, &error);
    if (e == WBC_ERR_SUCCESS) {
        out->user = apr_pstrdup(r->pool, info->account_name);
        out->domain = apr_pstrdup(r->pool, info->domain_name);
        out->groups = logon_groups(r, ctx, info);
        memcpy(out->session_base_key, info->user_session_key, 16);
        st = AUTH_GRANTED;
    }
    else if (e == WBC_ERR_AUTH_ERROR && error) {
        const char *nt = error->nt_string ? error->nt_string : "?";

        st = !strcmp(nt, "NT_STATUS_NO_SUCH_USER") ? AUTH_USER_NOT_FOUND
                                                   : AUTH_DENIED;
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(1402) "the domain refused %s\\%s: %s",
                      params->domain_name ? params->domain_name : "",
                      params->account_name, nt);
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      AC_LOGNO(1403) "winbind is not available (%s): is "
                      "winbindd running, and may this server's user open "
                      "its privileged pipe (the winbindd_privileged "
                      "directory: give httpd's group read and search "
                      "access to it)?",
                      wbcErrorString(e));
        st = AUTH_GENERAL_ERROR;
    }
    wbcFreeMemory(info);
    wbcFreeMemory(error);
    wbcCtxFree(ctx);
    return st;
}

/* AuthNTLMProvider winbind */
static authn_status ntlm_winbind_verify(request_rec *r,
                                        const authcache_ntlm_answer *in,
                                        authcache_ntlm_logon *out)
{
    const ac_ntlm_auth_t *a = in->a;
    struct wbcAuthUserParams params;

    memset(&params, 0, sizeof(params));
    params.account_name = a->user_utf8;
    params.domain_name = *a->domain_utf8 ? a->domain_utf8
                                          : in->conf->ntlm_domain;
    params.workstation_name = a->workstation_utf8;
    params.level = WBC_AUTH_USER_LEVEL_RESPONSE;
    memcpy(params.password.response.challenge, in->challenge, 8);
    params.password.response.nt_length = (uint32_t)a->nt.len;
    params.password.response.nt_data = (uint8_t *)a->nt.data;
    params.password.response.lm_length = (uint32_t)a->lm.len;
    params.password.response.lm_data = (uint8_t *)a->lm.data;
    return winbind_logon(r, &params, out);
}

static const authcache_ntlm_provider ntlm_winbind = { &ntlm_winbind_verify };

/* AuthCacheProvider winbind (or AuthBasicProvider winbind) */
static authn_status basic_winbind_check(request_rec *r, const char *login,
                                        const char *password)
{
    struct wbcAuthUserParams params;
    const char *sep = ap_strchr_c(login, '\\');
    authcache_ntlm_logon out;
    authn_status st;

    memset(&params, 0, sizeof(params));
    if (sep) {
        params.domain_name = apr_pstrmemdup(r->pool, login, sep - login);
        params.account_name = sep + 1;
    }
    else
        params.account_name = login;    /* user or user@dns.domain */
    params.level = WBC_AUTH_USER_LEVEL_PLAIN;
    params.password.plaintext = password;
    st = winbind_logon(r, &params, &out);
    OPENSSL_cleanse(out.session_base_key, sizeof(out.session_base_key));
    /* an authn provider's only way to tell Basic the groups */
    if (st == AUTH_GRANTED)
        apr_table_setn(r->notes, AUTHCACHE_VAR_GROUPS, out.groups);
    return st;
}

static const authn_provider basic_winbind = { &basic_winbind_check, NULL };

/*
 * The groups of an account that logged on elsewhere (Kerberos: the KDC
 * checked who it is), as the domain lists them now: the account's SID,
 * its groups' SIDs and their names, as wbinfo --user-sids does.
 */
authn_status authcache_winbind_groups(request_rec *r, const char *domain,
                                      const char *user, const char **groups)
{
    struct wbcContext *ctx = wb_context(r);
    struct wbcDomainSid sid, *sids = NULL;
    enum wbcSidType type;
    uint32_t i, n = 0;
    wbcErr e;

    *groups = "";
    if (!ctx)
        return AUTH_GENERAL_ERROR;
    e = wbcCtxLookupName(ctx, domain, user, &sid, &type);
    if (e == WBC_ERR_SUCCESS && type == WBC_SID_NAME_USER)
        e = wbcCtxLookupUserSids(ctx, &sid, false, &n, &sids);
    else if (e == WBC_ERR_SUCCESS || e == WBC_ERR_DOMAIN_NOT_FOUND
             || e == WBC_ERR_INVALID_SID) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      AC_LOGNO(1404) "winbind knows no account %s\\%s: no "
                      "groups", domain, user);
        wbcCtxFree(ctx);
        return AUTH_USER_NOT_FOUND;
    }
    if (e != WBC_ERR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      AC_LOGNO(1405) "winbind cannot list the groups of "
                      "%s\\%s (%s): is winbindd running?", domain, user,
                      wbcErrorString(e));
        wbcCtxFree(ctx);
        return AUTH_GENERAL_ERROR;
    }
    for (i = 0; i < n; i++)
        *groups = groups_add(r, ctx, &sids[i], *groups);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  AC_LOGNO(1406) "groups of %s\\%s from winbind: %s", domain,
                  user, *groups);
    wbcFreeMemory(sids);
    wbcCtxFree(ctx);
    return AUTH_GRANTED;
}

void authcache_winbind_register(apr_pool_t *p)
{
    ap_register_provider(p, AUTHCACHE_NTLM_PROVIDER_GROUP, "winbind",
                         AUTHCACHE_NTLM_PROVIDER_VERSION, &ntlm_winbind);
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "winbind",
                              AUTHN_PROVIDER_VERSION, &basic_winbind,
                              AP_AUTH_INTERNAL_PER_CONF);
}
