/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mod_authcache: credential caching for httpd after Windows' HTTP Server
 * API. This file only declares the module; each concern has its own file:
 *
 *   authcache_config.c   directives, per-directory and server records
 *   authcache_store.c    socache store, mutex, secret, counters
 *   authcache_scope.c    the scope every cached credential carries
 *   authcache_shmht.c    the "authcache" socache provider (hash table)
 *   authcache_basic.c    the "authcache" authn provider (Basic tokens)
 *   authcache_ntlm.c     AuthType NTLM, credentials cached per connection
 *   authcache_ntlm_file.c  the "file" NTLM authority (AuthNTLMUserFile)
 *   authcache_digest.c   AuthType Digest with a shared security-context cache
 *   authcache_winbind.c  the domain through winbindd (NTLM and Basic)
 *   authcache_negotiate.c  AuthType Negotiate: Kerberos through GSSAPI
 *   authcache_notes.c    notes, environment, optional function
 *   authcache_status.c   the authcache-status handler
 *   ac_*.c               protocol and token code without httpd headers
 */
#include "httpd.h"
#include "http_config.h"

#include "authcache_private.h"
#include "authcache_shmht.h"

static void authcache_register_hooks(apr_pool_t *p)
{
    authcache_shmht_register(p);
    authcache_store_register_hooks(p);
    authcache_scope_register_hooks(p);
    authcache_basic_register_hooks(p);
    authcache_ntlm_register_hooks(p);
    authcache_conncred_register_hooks(p);
    authcache_digest_register_hooks(p);
#ifdef AUTHCACHE_HAVE_WBCLIENT
    authcache_winbind_register(p);
#endif
#ifdef AUTHCACHE_HAVE_GSSAPI
    authcache_negotiate_register_hooks(p);
#endif
    authcache_notes_register_hooks(p);
    authcache_status_register_hooks(p);
    authcache_purge_register_hooks(p);
}

AP_DECLARE_MODULE(authcache) = {
    STANDARD20_MODULE_STUFF,
    authcache_create_dir_config,
    authcache_merge_dir_config,
    authcache_create_server_config,
    NULL,                       /* server-wide settings are global only */
    authcache_cmds,
    authcache_register_hooks,
    AP_MODULE_FLAG_NONE
};
