/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hex encoding: see ac_hex.h.
 */
#include "ac_hex.h"

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void ac_hex_encode(const unsigned char *b, apr_size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    apr_size_t i;

    for (i = 0; i < n; i++) {
        hex[2 * i] = digits[b[i] >> 4];
        hex[2 * i + 1] = digits[b[i] & 15];
    }
    hex[2 * n] = '\0';
}

apr_status_t ac_hex_decode(const char *hex, apr_size_t n, unsigned char *out)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        int hi = hex_value((unsigned char)hex[2 * i]);
        int lo = hi < 0 ? -1 : hex_value((unsigned char)hex[2 * i + 1]);

        if (lo < 0)
            return APR_EINVAL;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return APR_SUCCESS;
}
