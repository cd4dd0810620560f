/*
 * Credential files of colon-separated lines ("user:DOMAIN:NTHASH" from
 * htntlm, "user:realm:ALGORITHM:hash" for Digest): one scan for both.
 */
#include "httpd.h"
#include "http_config.h"

#include "authcache_private.h"

apr_status_t authcache_userfile_find(request_rec *r, const char *file, int n,
                                     authcache_userfile_match_fn *match,
                                     void *baton)
{
    ap_configfile_t *f;
    char line[MAX_STRING_LEN], *fields[AUTHCACHE_USERFILE_FIELDS];
    apr_status_t rv;

    if (n < 1 || n > AUTHCACHE_USERFILE_FIELDS)
        return APR_EINVAL;
    if ((rv = ap_pcfg_openfile(&f, r->pool, file)) != APR_SUCCESS)
        return rv;
    rv = APR_NOTFOUND;
    while (APR_STATUS_IS_NOTFOUND(rv)
           && ap_cfg_getline(line, sizeof(line), f) == APR_SUCCESS) {
        char *p = line;
        int i;

        if (*p == '#')
            continue;
        /* the last field takes the rest of the line */
        for (i = 0; i < n - 1 && p; i++) {
            fields[i] = p;
            if ((p = strchr(p, ':')))
                *p++ = '\0';
        }
        if (!p)
            continue;
        fields[n - 1] = p;
        rv = match(r, fields, baton);
    }
    ap_cfg_closefile(f);
    return rv;
}
