/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AuthType Negotiate's byte-level helpers, without httpd headers and
 * without GSSAPI: the token's mechanism is GSSAPI's business (it parses
 * SPNEGO and Kerberos itself); these only sort what reaches it and name
 * what comes out of it.
 */
#ifndef AC_NEGOTIATE_H
#define AC_NEGOTIATE_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"

#include "ac_cbt.h"

/* "tls-server-end-point:" and the largest certificate hash */

/*
 * 1 when tok[0..len) is a bare NTLMSSP message ("NTLMSSP\0" first), as
 * Windows sends to Negotiate without SPNEGO around it when it has no
 * ticket: never GSSAPI's to accept (an NTLM mechanism plugin such as
 * gss-ntlmssp would verify it against its own user file).
 */
int ac_negotiate_is_ntlmssp(const unsigned char *tok, apr_size_t len);

/*
 * Splits a Kerberos principal as GSSAPI displays it ("alice@EXAMPLE.TEST",
 * "a\@b@REALM") at its last unescaped '@': *user (escapes kept, as krb5
 * shows them) and *realm, and *domain, the down-level (NetBIOS) name
 * assumed for the realm: its first label in capitals (EXAMPLE.TEST ->
 * EXAMPLE), as Active Directory names domains unless told otherwise.
 * APR_EINVAL (with *why) for a name without a realm or user, or a
 * principal with a second component (a service, not a user).
 */
apr_status_t ac_negotiate_split_principal(const char *name, apr_pool_t *p,
                                          const char **user,
                                          const char **realm,
                                          const char **domain,
                                          const char **why);

#endif /* AC_NEGOTIATE_H */
