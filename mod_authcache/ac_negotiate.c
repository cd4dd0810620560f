/*
 * AuthType Negotiate's byte-level helpers: see ac_negotiate.h.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "apr_lib.h"
#include "apr_strings.h"

#include "ac_negotiate.h"

static const char end_point_prefix[] = "tls-server-end-point:";

int ac_negotiate_is_ntlmssp(const unsigned char *tok, apr_size_t len)
{
    return len >= 8 && !memcmp(tok, "NTLMSSP", 8);
}

apr_status_t ac_negotiate_cb_app_data(const char *pem,
                                      unsigned char out[AC_NEGOTIATE_CB_MAX],
                                      apr_size_t *len, const char **why)
{
    const apr_size_t plen = sizeof(end_point_prefix) - 1;
    BIO *bio = BIO_new_mem_buf(pem, -1);
    unsigned char *der = NULL;
    long der_len = 0;
    apr_size_t n = 0;
    apr_status_t rv;

    if (!bio || !PEM_bytes_read_bio(&der, &der_len, NULL, PEM_STRING_X509,
                                    bio, NULL, NULL)) {
        BIO_free(bio);
        *why = "not a PEM certificate";
        return APR_EINVAL;
    }
    BIO_free(bio);
    memcpy(out, end_point_prefix, plen);
    rv = ac_cbt_server_end_point(der, (apr_size_t)der_len, out + plen, &n,
                                 why);
    OPENSSL_free(der);
    *len = rv == APR_SUCCESS ? plen + n : 0;
    return rv;
}

apr_status_t ac_negotiate_split_principal(const char *name, apr_pool_t *p,
                                          const char **user,
                                          const char **realm,
                                          const char **domain,
                                          const char **why)
{
    const char *at = NULL, *c;
    char *d;

    for (c = name; *c; c++) {
        if (*c == '\\' && c[1])
            c++;
        else if (*c == '/') {
            *why = "a principal with an instance (a service, not a user)";
            return APR_EINVAL;
        }
        else if (*c == '@')
            at = c;
    }
    if (!at || at == name || !at[1] || at[1] == '.') {
        *why = "no user, no realm or a realm without a first label";
        return APR_EINVAL;
    }
    *user = apr_pstrmemdup(p, name, (apr_size_t)(at - name));
    *realm = apr_pstrdup(p, at + 1);
    d = apr_pstrmemdup(p, at + 1, strcspn(at + 1, "."));
    for (c = d; *c; c++)
        d[c - d] = (char)apr_toupper(*c);
    *domain = d;
    return APR_SUCCESS;
}
