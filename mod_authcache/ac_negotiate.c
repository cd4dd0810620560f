/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AuthType Negotiate's byte-level helpers: see ac_negotiate.h.
 */
#include <string.h>


#include "apr_lib.h"
#include "apr_strings.h"

#include "ac_negotiate.h"

int ac_negotiate_is_ntlmssp(const unsigned char *tok, apr_size_t len)
{
    return len >= 8 && !memcmp(tok, "NTLMSSP", 8);
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
