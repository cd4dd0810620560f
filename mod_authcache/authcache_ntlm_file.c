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

/*
 * Finds (user, domain) in the file: APR_SUCCESS with the hash and the
 * file's spelling, APR_NOTFOUND, or the error opening the file.
 */
static apr_status_t find_user(request_rec *r, const char *file,
                              const char *user, const char *domain,
                              unsigned char hash[16], const char **fuser,
                              const char **fdomain)
{
    ap_configfile_t *f;
    char line[MAX_STRING_LEN];
    apr_status_t rv = ap_pcfg_openfile(&f, r->pool, file);

    if (rv != APR_SUCCESS)
        return rv;
    rv = APR_NOTFOUND;
    while (ap_cfg_getline(line, sizeof(line), f) == APR_SUCCESS) {
        char *u = line, *d, *h;

        if (line[0] == '#' || !(d = strchr(u, ':')) || !(h = strchr(d + 1, ':')))
            continue;
        *d++ = '\0';
        *h++ = '\0';
        if (strcasecmp(u, user) || strcasecmp(d, domain))
            continue;
        if (strlen(h) != 32 || ac_hex_decode(h, 16, hash) != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "authcache: bad NT hash for %s\\%s in %s "
                          "(rewrite it with htntlm)", d, u, file);
            rv = APR_EGENERAL;
            break;
        }
        *fuser = apr_pstrdup(r->pool, u);
        *fdomain = apr_pstrdup(r->pool, d);
        rv = APR_SUCCESS;
        break;
    }
    ap_cfg_closefile(f);
    return rv;
}

static authn_status file_verify(request_rec *r,
                                const authcache_dir_config_rec *conf,
                                const ac_ntlm_auth_t *a,
                                const unsigned char challenge[8],
                                unsigned char session_base_key[16],
                                const char **user, const char **domain)
{
    const char *dom = *a->domain_utf8 ? a->domain_utf8 : conf->ntlm_domain;
    unsigned char hash[16];
    apr_status_t rv;
    int ok = 0;

    if (!conf->ntlm_user_file) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "authcache: AuthNTLMProvider file needs "
                      "AuthNTLMUserFile for %s", r->uri);
        return AUTH_GENERAL_ERROR;
    }
    rv = find_user(r, conf->ntlm_user_file, a->user_utf8, dom, hash, user,
                   domain);
    if (APR_STATUS_IS_NOTFOUND(rv))
        return AUTH_USER_NOT_FOUND;
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      "authcache: cannot read AuthNTLMUserFile %s",
                      conf->ntlm_user_file);
        return AUTH_GENERAL_ERROR;
    }
    rv = ac_ntlm_v2_verify(hash, a, challenge, session_base_key, &ok);
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
