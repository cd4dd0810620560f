/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Login name splitting (no httpd headers: unit-tested and fuzzed alone).
 *
 * A login name is "DOMAIN\user" (down-level), "user@domain" (UPN) or a plain
 * "user" that takes the configured default domain. The form is kept: it is
 * part of the cache key, so two spellings never share an entry unless the
 * backend has been asked about each of them.
 */
#ifndef AC_NAME_H
#define AC_NAME_H

#include "apr.h"
#include "apr_errno.h"

/* Longest login name accepted, in bytes. Longer names are refused. */
#define AC_NAME_MAX 512

typedef enum {
    AC_NAME_PLAIN = 0,
    AC_NAME_DOWNLEVEL = 1,
    AC_NAME_UPN = 2
} ac_name_form_e;

typedef struct {
    const char *user;       /* points into the input, not terminated */
    apr_size_t user_len;
    const char *domain;     /* into the input, or the default domain */
    apr_size_t domain_len;
    ac_name_form_e form;
} ac_name_t;

/*
 * Splits name[0..len) into *out. Refuses (APR_EINVAL, with *why set to a
 * short reason for the log) names that are empty, longer than AC_NAME_MAX,
 * not valid UTF-8, contain control characters, more than one separator, or
 * a separator at either edge. default_domain may be NULL (plain names then
 * have an empty domain).
 */
apr_status_t ac_name_split(const char *name, apr_size_t len,
                           const char *default_domain, ac_name_t *out,
                           const char **why);

#endif /* AC_NAME_H */
