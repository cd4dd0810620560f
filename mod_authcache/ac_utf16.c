/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 <-> UTF-16LE: see ac_utf16.h.
 */
#include "ac_utf16.h"

apr_size_t ac_utf8_decode(const unsigned char *s, apr_size_t n,
                          apr_uint32_t *cp)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    apr_uint32_t v;
    apr_size_t need, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        v = c & 0x1F;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;          /* no overlong forms */
        else if (c == 0xED)
            hi = 0x9F;          /* no UTF-16 surrogates */
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;          /* nothing above U+10FFFF */
    }
    else
        return 0;

    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    v = (v << 6) | (s[1] & 0x3F);
    for (i = 2; i < need; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return need;
}

apr_size_t ac_utf16le_encode(apr_uint32_t cp, unsigned char out[4])
{
    if (cp < 0x10000) {
        out[0] = (unsigned char)cp;
        out[1] = (unsigned char)(cp >> 8);
        return 2;
    }
    cp -= 0x10000;
    out[0] = (unsigned char)(cp >> 10);
    out[1] = (unsigned char)(0xD8 | (cp >> 18));
    out[2] = (unsigned char)cp;
    out[3] = (unsigned char)(0xDC | ((cp >> 8) & 0x03));
    return 4;
}

apr_status_t ac_utf8_to_utf16le(const char *s, apr_size_t len, apr_pool_t *p,
                                unsigned char **out, apr_size_t *out_len)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0, n = 0;
    unsigned char *buf;

    /* UTF-16 never takes more than twice the bytes of UTF-8 */
    buf = apr_palloc(p, 2 * len + 1);
    while (i < len) {
        apr_uint32_t cp;
        apr_size_t k = ac_utf8_decode(u + i, len - i, &cp);

        if (k == 0)
            return APR_EINVAL;
        n += ac_utf16le_encode(cp, buf + n);
        i += k;
    }
    *out = buf;
    *out_len = n;
    return APR_SUCCESS;
}

static apr_size_t put_utf8(apr_uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

apr_status_t ac_utf16le_to_utf8(const unsigned char *s, apr_size_t len,
                                apr_pool_t *p, char **out, const char **why)
{
    apr_size_t i, n = 0;
    char *buf;

    if (len % 2) {
        *why = "odd number of bytes in UTF-16";
        return APR_EINVAL;
    }
    /* each 2-byte unit gives at most 3 bytes, a 4-byte pair exactly 4 */
    buf = apr_palloc(p, len / 2 * 3 + 1);
    for (i = 0; i < len; i += 2) {
        apr_uint32_t cp = s[i] | ((apr_uint32_t)s[i + 1] << 8);

        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            *why = "unpaired low surrogate in UTF-16";
            return APR_EINVAL;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            apr_uint32_t lo;

            if (i + 4 > len) {
                *why = "unpaired high surrogate in UTF-16";
                return APR_EINVAL;
            }
            lo = s[i + 2] | ((apr_uint32_t)s[i + 3] << 8);
            if (lo < 0xDC00 || lo > 0xDFFF) {
                *why = "unpaired high surrogate in UTF-16";
                return APR_EINVAL;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        }
        else if (cp == 0) {
            *why = "NUL in UTF-16 name";
            return APR_EINVAL;
        }
        n += put_utf8(cp, buf + n);
    }
    buf[n] = '\0';
    *out = buf;
    return APR_SUCCESS;
}
