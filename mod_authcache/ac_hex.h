/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lowercase hex encoding and strict decoding (no httpd headers).
 */
#ifndef AC_HEX_H
#define AC_HEX_H

#include "apr.h"
#include "apr_errno.h"

/* b[0..n) as 2n lowercase hex digits and a NUL into hex. */
void ac_hex_encode(const unsigned char *b, apr_size_t n, char *hex);

/*
 * hex[0..2n) (either case) into out[0..n); APR_EINVAL, with out
 * unspecified, when any of the 2n characters is not a hex digit.
 */
apr_status_t ac_hex_decode(const char *hex, apr_size_t n, unsigned char *out);

#endif /* AC_HEX_H */
