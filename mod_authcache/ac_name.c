/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Login name splitting: see ac_name.h for the rules.
 */
#include <string.h>

#include "ac_name.h"
#include "ac_utf16.h"

apr_status_t ac_name_split(const char *name, apr_size_t len,
                           const char *default_domain, ac_name_t *out,
                           const char **why)
{
    const unsigned char *s = (const unsigned char *)name;
    apr_size_t i = 0, bs = len, at = len;
    int nbs = 0, nat = 0;

    if (len == 0) {
        *why = "empty user name";
        return APR_EINVAL;
    }
    if (len > AC_NAME_MAX) {
        *why = "user name too long";
        return APR_EINVAL;
    }
    while (i < len) {
        apr_uint32_t cp;
        apr_size_t n = ac_utf8_decode(s + i, len - i, &cp);

        if (n == 0) {
            *why = "user name is not valid UTF-8";
            return APR_EINVAL;
        }
        if (n == 1) {
            if (s[i] < 0x20 || s[i] == 0x7F) {
                *why = "control character in user name";
                return APR_EINVAL;
            }
            if (s[i] == '\\') {
                bs = i;
                nbs++;
            }
            else if (s[i] == '@') {
                at = i;
                nat++;
            }
        }
        i += n;
    }
    if (nbs + nat > 1) {
        *why = "more than one '\\' or '@' in user name";
        return APR_EINVAL;
    }
    if (nbs + nat == 1) {
        /* DOMAIN\user has the domain on the left, user@domain on the right */
        apr_size_t sep = nbs ? bs : at;
        const char *left = name, *right = name + sep + 1;
        apr_size_t left_len = sep, right_len = len - sep - 1;

        if (left_len == 0 || right_len == 0) {
            *why = nbs ? "'\\' at the edge of user name"
                       : "'@' at the edge of user name";
            return APR_EINVAL;
        }
        out->domain = nbs ? left : right;
        out->domain_len = nbs ? left_len : right_len;
        out->user = nbs ? right : left;
        out->user_len = nbs ? right_len : left_len;
        out->form = nbs ? AC_NAME_DOWNLEVEL : AC_NAME_UPN;
    }
    else {
        out->user = name;
        out->user_len = len;
        out->domain = default_domain ? default_domain : "";
        out->domain_len = strlen(out->domain);
        out->form = AC_NAME_PLAIN;
    }
    return APR_SUCCESS;
}
