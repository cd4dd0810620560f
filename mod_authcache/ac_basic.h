/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Syntax of Basic credentials (no httpd headers).
 *
 * mod_auth_basic decodes the first base64 run after "Basic" and ignores
 * whatever follows, so "Basic A, Basic B" (two Authorization headers,
 * joined by httpd) logs in as A. A credential cache must know exactly
 * which credentials it caches: it accepts one header holding exactly one
 * token68 of the base64 alphabet (RFC 7617).
 */
#ifndef AC_BASIC_H
#define AC_BASIC_H

#include "apr.h"
#include "apr_errno.h"

/*
 * APR_SUCCESS when value is "Basic" (any case), one or more spaces, base64
 * (padding optional) and nothing but optional spaces after it; APR_EINVAL
 * with *why set otherwise.
 */
apr_status_t ac_basic_header_check(const char *value, apr_size_t len,
                                   const char **why);

#endif /* AC_BASIC_H */
