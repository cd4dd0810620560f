/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mod_authcache public interface: the names under which every request that
 * mod_authcache authenticated is described, and an optional function other
 * modules may call to ask the same question.
 */
#ifndef MOD_AUTHCACHE_H
#define MOD_AUTHCACHE_H

#include "apr_optional.h"
#include "httpd.h"

/* Request notes and environment variables (same names for both). */
#define AUTHCACHE_VAR_CACHED_CRED "AUTHCACHE_CACHED_CRED" /* "1" or "0" */
#define AUTHCACHE_VAR_SOURCE      "AUTHCACHE_SOURCE"
#define AUTHCACHE_VAR_USER        "AUTHCACHE_USER"
#define AUTHCACHE_VAR_DOMAIN      "AUTHCACHE_DOMAIN"
/* Groups the domain reported at logon, "DOMAIN\Group" joined by ';'
 * (only where the authority provides them, e.g. winbind). */
#define AUTHCACHE_VAR_GROUPS      "AUTHCACHE_GROUPS"

/* Values of AUTHCACHE_SOURCE. */
#define AUTHCACHE_SOURCE_BASIC    "basic-token"
#define AUTHCACHE_SOURCE_NTLM     "ntlm-connection"
#define AUTHCACHE_SOURCE_DIGEST   "digest-context"
#define AUTHCACHE_SOURCE_KERBEROS "negotiate-kerberos"
/* NTLM inside AuthType Negotiate (SPNEGO or a bare NTLMSSP token) */
#define AUTHCACHE_SOURCE_NEGOTIATE_NTLM "negotiate-ntlm"

/* The authn provider name ("AuthBasicProvider authcache"). */
#define AUTHCACHE_PROVIDER_NAME   "authcache"

typedef struct {
    int cached;          /* 1: served from the cache, 0: a backend decided */
    const char *source;  /* one of AUTHCACHE_SOURCE_* */
    const char *user;    /* user part of the login name */
    const char *domain;  /* domain part ("" when there is none) */
} authcache_cred_info;

/*
 * Fills *info and returns 1 when mod_authcache authenticated r, or the main
 * or original request r belongs to when that logon answers for r too (the
 * same user, in the same scope: httpd did not authenticate r again);
 * returns 0 and leaves *info alone otherwise. Look it up with APR_RETRIEVE_OPTIONAL_FN and check for NULL:
 * it is only there when mod_authcache is loaded.
 */
APR_DECLARE_OPTIONAL_FN(int, authcache_cred_info_get,
                        (request_rec *r, authcache_cred_info *info));

#endif /* MOD_AUTHCACHE_H */
