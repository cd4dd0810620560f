/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Syntax of Basic credentials: see ac_basic.h.
 */
#include "apr_lib.h"

#include "ac_basic.h"

static int is_b64(unsigned char c)
{
    return apr_isalnum(c) || c == '+' || c == '/';
}

apr_status_t ac_basic_header_check(const char *value, apr_size_t len,
                                   const char **why)
{
    const unsigned char *s = (const unsigned char *)value;
    apr_size_t i = 0, start, n, pad = 0;

    if (len < 5 || apr_tolower(s[0]) != 'b' || apr_tolower(s[1]) != 'a'
        || apr_tolower(s[2]) != 's' || apr_tolower(s[3]) != 'i'
        || apr_tolower(s[4]) != 'c') {
        *why = "not Basic credentials";
        return APR_EINVAL;
    }
    i = 5;
    if (i >= len || s[i] != ' ') {
        *why = "no space after Basic";
        return APR_EINVAL;
    }
    while (i < len && s[i] == ' ')
        i++;
    start = i;
    while (i < len && is_b64(s[i]))
        i++;
    while (i < len && s[i] == '=' && pad < 2) {
        i++;
        pad++;
    }
    n = i - start;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (n == pad) {
        *why = "no credentials after Basic";
        return APR_EINVAL;
    }
    if (i != len) {
        *why = "more than one credential (several Authorization headers?) "
               "or characters outside base64";
        return APR_EINVAL;
    }
    if (n % 4 == 1 || (pad && n % 4)) {
        *why = "base64 of an impossible length";
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}
