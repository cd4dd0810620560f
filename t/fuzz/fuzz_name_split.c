/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the login name splitter: whatever the bytes, the
 * split either refuses with a reason or yields parts that lie inside the
 * input, rebuild it exactly, and contain no separator where none belongs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ac_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a heap copy of exactly size bytes, so ASan sees any over-read */
    char *in = malloc(size ? size : 1);
    const char *why = NULL;
    ac_name_t n;

    if (!in)
        return 0;
    memcpy(in, data, size);
    if (ac_name_split(in, size, "DFLT", &n, &why) != APR_SUCCESS) {
        if (!why)
            abort();
    }
    else {
        if (n.user_len == 0 || memchr(n.user, '\\', n.user_len)
            || memchr(n.user, '@', n.user_len))
            abort();
        switch (n.form) {
        case AC_NAME_PLAIN:
            if (n.user != in || n.user_len != size
                || strcmp(n.domain, "DFLT"))
                abort();
            break;
        case AC_NAME_DOWNLEVEL:
            if (n.domain != in || n.domain_len + 1 + n.user_len != size
                || in[n.domain_len] != '\\' || n.user != in + n.domain_len + 1)
                abort();
            break;
        case AC_NAME_UPN:
            if (n.user != in || n.user_len + 1 + n.domain_len != size
                || in[n.user_len] != '@' || n.domain != in + n.user_len + 1)
                abort();
            break;
        default:
            abort();
        }
    }
    free(in);
    return 0;
}
