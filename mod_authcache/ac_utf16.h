/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 <-> UTF-16LE for NTLMSSP (no httpd headers).
 *
 * NTLM carries names and passwords as UTF-16LE; the rest of the module
 * speaks UTF-8. Both directions refuse malformed input rather than
 * replacing it: a name that changes in conversion would be checked under
 * one spelling and cached under another.
 */
#ifndef AC_UTF16_H
#define AC_UTF16_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"

/*
 * Decodes the UTF-8 sequence at s[0..n) (n >= 1) into *cp and returns its
 * length, or 0 when it is not a well-formed, shortest-form, non-surrogate
 * sequence (RFC 3629).
 */
apr_size_t ac_utf8_decode(const unsigned char *s, apr_size_t n,
                          apr_uint32_t *cp);

/*
 * Writes cp (a scalar value, at most U+10FFFF and not a surrogate) as
 * UTF-16LE to out and returns the bytes written: 2, or 4 for a surrogate
 * pair.
 */
apr_size_t ac_utf16le_encode(apr_uint32_t cp, unsigned char out[4]);

/*
 * UTF-16LE of s[0..len), allocated from p (*out_len is in bytes; *out is
 * not terminated). APR_EINVAL when s is not valid UTF-8.
 */
apr_status_t ac_utf8_to_utf16le(const char *s, apr_size_t len, apr_pool_t *p,
                                unsigned char **out, apr_size_t *out_len);

/*
 * A NUL-terminated UTF-8 copy of the UTF-16LE s[0..len), from p.
 * APR_EINVAL, with *why set, for an odd length, an unpaired surrogate or
 * U+0000 (the copy is a C string: a NUL would cut it short of the bytes
 * the caller authenticates).
 */
apr_status_t ac_utf16le_to_utf8(const unsigned char *s, apr_size_t len,
                                apr_pool_t *p, char **out, const char **why);

#endif /* AC_UTF16_H */
