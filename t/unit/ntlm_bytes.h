/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test-side NTLM byte helpers shared by the NTLM unit tests: little-endian
 * fields, hex and Latin-1 to UTF-16LE for the vectors, HMAC-MD5 and AV
 * pairs for the test's own client. Written apart from the code under test
 * (on OpenSSL directly), so a bug there cannot hide in both.
 */
#ifndef AC_NTLM_BYTES_H
#define AC_NTLM_BYTES_H

#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

#include "apr.h"

static inline void put16(unsigned char *p, apr_uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void put32(unsigned char *p, apr_uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

static inline void put64(unsigned char *p, apr_uint64_t v)
{
    put32(p, (apr_uint32_t)v);
    put32(p + 4, (apr_uint32_t)(v >> 32));
}

static inline apr_uint32_t get16(const unsigned char *p)
{
    return p[0] | ((apr_uint32_t)p[1] << 8);
}

static inline apr_uint32_t get32(const unsigned char *p)
{
    return get16(p) | (get16(p + 2) << 16);
}

/* "aa bb cc" to bytes; returns the count */
static inline apr_size_t hex(const char *s, unsigned char *out)
{
    apr_size_t n = 0;
    unsigned v;

    while (*s) {
        if (*s == ' ' || *s == '\n') {
            s++;
            continue;
        }
        sscanf(s, "%2x", &v);
        out[n++] = (unsigned char)v;
        s += 2;
    }
    return n;
}

/* Latin-1 bytes (so ASCII too) to UTF-16LE */
static inline apr_size_t u16(const char *s, unsigned char *out)
{
    apr_size_t n = 0;

    for (; *s; s++) {
        out[n++] = (unsigned char)*s;
        out[n++] = 0;
    }
    return n;
}

static inline void hmac_md5(const unsigned char *key, apr_size_t klen,
                            const unsigned char *d, apr_size_t n,
                            unsigned char out[16])
{
    size_t outlen = 0;

    if (!EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, key, klen, d, n, out,
                   16, &outlen))
        memset(out, 0, 16);
}

static inline unsigned char *av_put(unsigned char *d, apr_uint32_t id,
                                    const void *v, apr_size_t n)
{
    put16(d, id);
    put16(d + 2, (apr_uint32_t)n);
    memcpy(d + 4, v, n);
    return d + 4 + n;
}

#endif
