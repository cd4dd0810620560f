/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credential files of colon-separated lines ("user:DOMAIN:NTHASH" from
 * htntlm, "user:realm:ALGORITHM:hash" for Digest): one scan for both.
 */
#include "apr_file_io.h"
#include "httpd.h"
#include "http_config.h"

#include "authcache_private.h"

static apr_status_t userfile_getstr(void *buf, apr_size_t bufsiz,
                                    void *param)
{
    return apr_file_gets(buf, (int)bufsiz, param);
}

static apr_status_t userfile_close(void *param)
{
    return apr_file_close(param);
}

/*
 * The file read through a buffer on the stack: ap_pcfg_openfile() would
 * take 4 KiB of the request's pool, and on an NTLM logon that is the
 * pool block too many that an idle keep-alive connection keeps for ever
 * (the connection's allocator holds on to freed blocks).
 */
static apr_status_t userfile_open(ap_configfile_t **f, request_rec *r,
                                  const char *file, char *buf,
                                  apr_size_t bufsize)
{
    apr_file_t *fd;
    apr_status_t rv = apr_file_open(&fd, file, APR_FOPEN_READ,
                                    APR_OS_DEFAULT, r->pool);

    if (rv != APR_SUCCESS)
        return rv;
    apr_file_buffer_set(fd, buf, bufsize);
    *f = ap_pcfg_open_custom(r->pool, file, fd, NULL, userfile_getstr,
                             userfile_close);
    return APR_SUCCESS;
}

apr_status_t authcache_userfile_find(request_rec *r, const char *file, int n,
                                     authcache_userfile_match_fn *match,
                                     void *baton)
{
    ap_configfile_t *f;
    char line[MAX_STRING_LEN], *fields[AUTHCACHE_USERFILE_FIELDS];
    char buf[1024];
    apr_status_t rv;

    if (n < 1 || n > AUTHCACHE_USERFILE_FIELDS)
        return APR_EINVAL;
    if ((rv = userfile_open(&f, r, file, buf, sizeof(buf))) != APR_SUCCESS)
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
