/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "AuthNTLMProvider file": NTLMv2 responses checked against NT hashes in
 * AuthNTLMUserFile, lines "user:DOMAIN:NTHASH" as htntlm writes them.
 * User and domain match without regard to case, as Windows accounts do;
 * the file's spelling is the canonical one.
 */
#include "apr_lib.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_log.h"
#include <openssl/crypto.h>

#include "ac_hex.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

typedef struct {
    const char *user, *domain;      /* wanted */
    unsigned char *hash;
    const char *fuser, *fdomain;    /* the file's spelling */
    const char *file;
} find_t;

static apr_status_t match_user(request_rec *r, char **fields, void *baton)
{
    find_t *w = baton;

    if (strcasecmp(fields[0], w->user) || strcasecmp(fields[1], w->domain))
        return APR_NOTFOUND;
    if (strlen(fields[2]) != 32
        || ac_hex_decode(fields[2], 16, w->hash) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      AC_LOGNO(0901) "bad NT hash for %s\\%s in %s "
                      "(rewrite it with htntlm)", fields[1], fields[0],
                      w->file);
        return APR_EGENERAL;
    }
    w->fuser = apr_pstrdup(r->pool, fields[0]);
    w->fdomain = apr_pstrdup(r->pool, fields[1]);
    return APR_SUCCESS;
}

/* The file knows no groups: out->groups stays NULL. */
static authn_status file_verify(request_rec *r,
                                const authcache_ntlm_answer *in,
                                authcache_ntlm_logon *out)
{
    const authcache_dir_config_rec *conf = in->conf;
    const ac_ntlm_auth_t *a = in->a;
    const char *dom = *a->domain_utf8 ? a->domain_utf8 : conf->ntlm_domain;
    unsigned char hash[16];
    find_t w = { a->user_utf8, dom, hash, NULL, NULL, conf->ntlm_user_file };
    apr_status_t rv;
    int ok = 0;

    if (!conf->ntlm_user_file) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      AC_LOGNO(0902) "AuthNTLMProvider file needs "
                      "AuthNTLMUserFile for %s", r->uri);
        return AUTH_GENERAL_ERROR;
    }
    rv = authcache_userfile_find(r, conf->ntlm_user_file, 3, match_user, &w);
    out->user = w.fuser;
    out->domain = w.fdomain;
    if (APR_STATUS_IS_NOTFOUND(rv))
        return AUTH_USER_NOT_FOUND;
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      AC_LOGNO(0903) "cannot read AuthNTLMUserFile %s",
                      conf->ntlm_user_file);
        return AUTH_GENERAL_ERROR;
    }
    rv = ac_ntlm_v2_verify(hash, a, in->challenge, out->session_base_key, &ok);
    OPENSSL_cleanse(hash, sizeof(hash));
    if (rv != APR_SUCCESS)
        return AUTH_DENIED;
    return ok ? AUTH_GRANTED : AUTH_DENIED;
}

static const authcache_ntlm_provider ntlm_file_provider = { &file_verify };

void authcache_ntlm_file_register(apr_pool_t *p)
{
    ap_register_provider(p, AUTHCACHE_NTLM_PROVIDER_GROUP, "file",
                         AUTHCACHE_NTLM_PROVIDER_VERSION,
                         &ntlm_file_provider);
}
