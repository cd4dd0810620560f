/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Declarations shared by mod_authcache's httpd glue files.
 */
#ifndef AUTHCACHE_PRIVATE_H
#define AUTHCACHE_PRIVATE_H

#include "httpd.h"
#include "http_config.h"
#include "ap_socache.h"
#include "mod_auth.h"

#include "ac_digest.h"
#include "ac_digest_ctx.h"
#include "ac_ntlm.h"
#include "ac_ntlm_epa.h"
#include "ac_shmht.h"
#include "ac_token.h"

extern module AP_MODULE_DECLARE_DATA authcache_module;

/*
 * A stable, greppable code before every log message: AC_LOGNO(0702)
 * "..." logs "AC0702: ..." (httpd already prints [authcache:level], so
 * no message repeats the module's name). Each file has a hundred of its
 * own; a new message takes the next free number of its file, a new file
 * the next free hundred. tools/check-logno (make check) fails on a log
 * call without one and on a number used twice.
 *   01xx authcache_basic.c        08xx authcache_ntlm_epa.c
 *   02xx authcache_digest.c       09xx authcache_ntlm_file.c
 *   03xx authcache_digest_body.c  10xx authcache_purge.c
 *   20xx authcache_negotiate.c    21xx authcache_negotiate_ntlm.c
 *   22xx authcache_conncred.c
 *   04xx authcache_digest_store.c 11xx authcache_scope.c
 *   05xx authcache_digest_users.c 12xx authcache_shmht.c
 *   06xx authcache_notes.c        13xx authcache_store.c
 *   07xx authcache_ntlm.c         14xx authcache_winbind.c
 */
#define AC_LOGNO(n) "AC" #n ": "

/* ---- configuration (authcache_config.c) ---------------------------- */

#define AUTHCACHE_DEFAULT_BASIC_TTL   apr_time_from_sec(900)
/* the module's own hash table (authcache_shmht.c), anonymous shared
 * memory: needs no other module */
#define AUTHCACHE_DEFAULT_SOCACHE     "authcache"
/* 32 MiB: room for 100,000 Digest contexts (320 bytes each: a sealed
 * context and its replay window) or 260,000 Basic tokens (128 bytes) */
#define AUTHCACHE_DEFAULT_SOCACHE_ARG "(33554432)"

/*
 * Every per-directory field, once: X(name, scoped). Each field has a
 * "name_set" flag; create fills defaults, merge takes the child's value
 * only where the child set it, so a nested section can set a field back
 * to its default. scoped: the field says who verifies a credential or for
 * how long (an authority, its files, domain, TTL), so a section setting
 * it gives cached credentials a scope of their own (authcache_scope.c);
 * the others are checked on every request anyway. A field added here is
 * scoped unless it is known to be checked per request.
 */
#define AUTHCACHE_DIR_FIELDS(X)    \
    X(providers, 1)                \
    X(default_domain, 1)           \
    X(context, 1)                  \
    X(basic_ttl, 1)                \
    X(ntlm_provider, 1)            \
    X(ntlm_user_file, 1)           \
    X(ntlm_domain, 1)              \
    X(ntlm_no_cache, 0)            \
    X(ntlm_proxy_headers, 0)       \
    X(ntlm_proxy_addresses, 0)     \
    X(ntlm_reject_cached, 0)       \
    X(ntlm_user_format, 0)         \
    X(ntlm_handshake_timeout, 0)   \
    X(ntlm_credential_lifetime, 0) \
    X(ntlm_channel_binding, 1)     \
    X(ntlm_spns, 1)                \
    X(ntlm_timestamp_skew, 1)      \
    X(ntlm_require_mic, 1)         \
    X(digest_providers, 1)         \
    X(digest_user_file, 1)         \
    X(digest_algorithms, 0)        \
    X(digest_qop, 0)               \
    X(digest_nonce_lifetime, 0)    \
    X(digest_context_ttl, 1)       \
    X(digest_userhash, 0)          \
    X(digest_max_body, 0)          \
    X(digest_max_contexts, 0)      \
    X(negotiate_keytab, 1)         \
    X(negotiate_principal, 1)      \
    X(negotiate_no_cache, 0)       \
    X(negotiate_offer_ntlm, 0)     \
    X(negotiate_groups, 1)

/* Fields set together with another (listed above) and merged by its flag:
 * X(name, by). */
#define AUTHCACHE_DIR_COMPANIONS(X)          \
    X(provider_names, providers)             \
    X(ntlm_provider_name, ntlm_provider)     \
    X(ntlm_spns_any, ntlm_spns)

typedef struct {
    const char *name;
    const authn_provider *provider;
} authcache_backend_rec;

typedef struct {
    int alg;                          /* ac_digest_alg_e */
    int sess;
} authcache_digest_alg_rec;

#define AUTHCACHE_QOP_AUTH     1
#define AUTHCACHE_QOP_AUTH_INT 2

/* Digest is mod_authcache's where a Digest credential source is set. */
#define AUTHCACHE_DIGEST_ENABLED(conf) \
    ((conf)->digest_providers->nelts || (conf)->digest_user_file)

typedef enum {
    AUTHCACHE_USER_DOWNLEVEL = 0,     /* DOMAIN\\user */
    AUTHCACHE_USER_UPN,               /* user@DOMAIN */
    AUTHCACHE_USER_BARE               /* user */
} authcache_user_format_e;

typedef struct authcache_dir_config_rec_s {
    const char *dir;                  /* the section's path */
    /*
     * Scope (authcache_scope.c). A section's own record: scope_id names
     * it (set at startup; NULL in a record made at request time, from
     * .htaccess), scope_self says whether it configures authentication.
     * A merged record, and a virtual host's defaults: scope, the chain
     * of the host and the configuring sections that applied.
     */
    const char *scope_id;
    int scope_self;
    int merged;                       /* made by the merge function */
    const char *scope;
    apr_array_header_t *providers;    /* of authcache_backend_rec */
    const char *provider_names;       /* "file dbm", for the context */
    const char *default_domain;       /* NULL: none */
    const char *context;              /* NULL: derived per location */
    apr_interval_time_t basic_ttl;    /* 0: caching off here */
    const struct authcache_ntlm_provider *ntlm_provider;
    const char *ntlm_provider_name;   /* travels with ntlm_provider */
    const char *ntlm_user_file;       /* AuthNTLMUserFile */
    const char *ntlm_domain;          /* NetBIOS domain advertised */
    int ntlm_no_cache;                /* DisableNTLMCredentialCaching */
    apr_array_header_t *ntlm_proxy_headers; /* of const char * */
    apr_array_header_t *ntlm_proxy_addresses; /* of apr_ipsubnet_t * */
    int ntlm_reject_cached;           /* AuthNTLMRejectCachedCredentials */
    int ntlm_user_format;             /* authcache_user_format_e */
    apr_interval_time_t ntlm_handshake_timeout; /* to answer a CHALLENGE */
    apr_interval_time_t ntlm_credential_lifetime; /* 0: Off (the
                                 * connection's life, as IIS) */
    int ntlm_channel_binding;         /* ac_ntlm_cb_e */
    apr_array_header_t *ntlm_spns;    /* of const char *; NULL: the host's */
    int ntlm_spns_any;                /* travels with ntlm_spns: no check */
    apr_interval_time_t ntlm_timestamp_skew; /* negative: not checked */
    int ntlm_require_mic;             /* AuthNTLMRequireMIC */
    apr_array_header_t *digest_providers;  /* of authcache_backend_rec */
    const char *digest_user_file;     /* user:realm:ALG:hex lines */
    apr_array_header_t *digest_algorithms; /* of authcache_digest_alg_rec */
    int digest_qop;                   /* AUTHCACHE_QOP_* bits */
    apr_interval_time_t digest_nonce_lifetime;
    apr_interval_time_t digest_context_ttl;
    int digest_userhash;              /* offer userhash=true */
    apr_off_t digest_max_body;        /* auth-int: largest body hashed */
    int digest_max_contexts;          /* live contexts per user */
    const char *negotiate_keytab;     /* AuthNegotiateKeytab; NULL: krb5's */
    const char *negotiate_principal;  /* NULL: HTTP@host; "": any in keytab */
    int negotiate_no_cache;           /* DisableKerberosCredentialCaching */
    int negotiate_offer_ntlm;         /* AuthNegotiateOfferNTLM */
    int negotiate_groups;             /* AuthNegotiateGroups: 1 winbind */
/* a byte each (not a bit field): the seconds setter finds it by offset */
#define AUTHCACHE_SET_FLAG(f, scoped) unsigned char f##_set;
    AUTHCACHE_DIR_FIELDS(AUTHCACHE_SET_FLAG)
#undef AUTHCACHE_SET_FLAG
} authcache_dir_config_rec;

/* Server-wide settings; only the main server's record is used. */
typedef struct {
    const ap_socache_provider_t *socache;
    ap_socache_instance_t *socache_inst;
    const char *socache_spec;         /* as configured, for the status page */
    const char *secret_file;
} authcache_server_config_rec;

extern const command_rec authcache_cmds[];
void *authcache_create_dir_config(apr_pool_t *p, char *dir);
void *authcache_merge_dir_config(apr_pool_t *p, void *base, void *add);
void *authcache_create_server_config(apr_pool_t *p, server_rec *s);

/* ---- scope of cached credentials (authcache_scope.c) ---------------- */

/*
 * The scope of r's authentication: the virtual host and the chain of
 * sections (and .htaccess files) configuring authentication that apply
 * to r. A credential cached under one scope answers only under the same.
 * In r's pool, computed once per request and per-dir configuration.
 */
const char *authcache_scope(request_rec *r);
/* conf's scope after merging add into base (the merge function's part) */
void authcache_scope_merge(apr_pool_t *p, authcache_dir_config_rec *conf,
                           const authcache_dir_config_rec *base,
                           const authcache_dir_config_rec *add);
void authcache_scope_register_hooks(apr_pool_t *p);

/* ---- the request's own record (authcache_notes.c) ------------------- */

/*
 * What one of our schemes decided for a request, kept so that its
 * subrequests and internal redirects reuse it instead of authenticating
 * again (a consumed NTLM challenge cannot be answered twice).
 */
typedef struct authcache_req_rec {
    const char *scope;             /* memo of authcache_scope() ... */
    const void *scope_pdc;         /* ... for this per_dir_config */
    apr_table_t *sent_headers;     /* proxy headers as the client sent them */
    /* the decision, once a scheme of ours granted the request */
    const char *source;            /* AUTHCACHE_SOURCE_*; NULL: none */
    const char *header;            /* the Authorization value granted */
    const char *granted_scope;     /* scope at the grant */
    const char *r_user;            /* r->user as given */
    const char *user, *domain, *groups;
    int cached;
    /* NTLM: the handshake the header answered, to verify it in a scope
     * of its own (a subrequest in another section) */
    unsigned char ntlm_challenge[8];
    const unsigned char *ntlm_negotiate, *ntlm_challenge_msg;
    apr_size_t ntlm_negotiate_len, ntlm_challenge_len;
    /* NTLM inside Negotiate: its carrier, and what the carrier kept with
     * the handshake (SPNEGO's mechTypes), for the same verification */
    const struct authcache_ntlm_carrier *ntlm_carrier;
    const unsigned char *ntlm_kept;
    apr_size_t ntlm_kept_len;
    /* Digest auth-int: H(body), read once by the request that read it */
    const char *digest_body_hash;
    /* Kerberos: the context that accepted the token (a gss_ctx_id_t,
     * deleted with the request's pool), for a subrequest in another scope
     * to check what accepted it against its own acceptor (the token cannot
     * be accepted twice); asked only then, as naming it costs GSSAPI calls */
    void *krb_ctx;
    const char *krb_keytab, *krb_realm;
    int krb_bound;
} authcache_req_rec;

authcache_req_rec *authcache_req(request_rec *r);
/*
 * The nearest earlier request of this client request (main request or
 * the one internally redirected from) that source granted with exactly
 * this Authorization header (NULL: none sent), or NULL.
 */
const authcache_req_rec *authcache_req_earlier(request_rec *r,
                                               const char *source,
                                               const char *header);
/* The request the client sent: r's main or original request, to the top. */
request_rec *authcache_req_initial(request_rec *r);
/* r's Authorization (or, for a proxy, Proxy-Authorization) header */
const char *authcache_auth_header(request_rec *r);
/*
 * The token after a scheme's name ("NTLM <base64>"): b64 points past the
 * name; NULL (nothing logged) unless it is one base64 token, optionally
 * surrounded by spaces, of at most max decoded bytes.
 */
unsigned char *authcache_auth_decode(request_rec *r, const char *b64,
                                     apr_size_t max, apr_size_t *len);
/* the 401 (or 407) status for r */
int authcache_auth_status(request_rec *r);

/* ---- counters (authcache_store.c) ----------------------------------- */

#define AUTHCACHE_COUNTERS(X)                                             \
    X(basic_hits,     "cache hits: password matched, no backend call")    \
    X(basic_misses,   "cache misses: no entry for the name")              \
    X(basic_mismatch, "entry found, password differed: backend asked")    \
    X(basic_expired,  "entries found past their TTL")                     \
    X(backend_calls,  "calls to wrapped authn providers")                 \
    X(stores,         "entries stored after a backend granted")           \
    X(replacements,   "entries replaced after a password change")         \
    X(denials,        "logins refused by the backends")                   \
    X(bad_input,      "logins refused for malformed credentials or names")\
    X(store_errors,   "cache store errors (request went to backend)")    \
    X(ntlm_handshakes, "NTLM challenges sent (NEGOTIATE received)")       \
    X(ntlm_logons,    "NTLM AUTHENTICATE messages verified by an authority")\
    X(ntlm_cache_hits, "NTLM requests served from the connection's credential")\
    X(ntlm_denials,   "NTLM logons refused")                              \
    X(ntlm_rejected_cached, "cached NTLM credentials rejected (401 sent)")  \
    X(ntlm_bad_input, "malformed NTLM headers or messages")               \
    X(ntlm_refused_bindings, "NTLM logons refused: channel bindings wrong or missing")\
    X(ntlm_refused_target_name, "NTLM logons refused: MsvAvTargetName names another service")\
    X(ntlm_refused_timestamp, "NTLM logons refused: NTLMv2 timestamp outside AuthNTLMTimestampSkew")\
    X(ntlm_refused_flags, "NTLM logons refused: flags the CHALLENGE did not offer, or no MIC where required")\
    X(ntlm_refused_target_info, "NTLM logons refused: the CHALLENGE's target info not echoed unchanged")\
    X(digest_challenges, "Digest challenges sent")                        \
    X(digest_logons,  "Digest logons checked against a backend")          \
    X(digest_context_hits, "Digest requests verified from a cached context")\
    X(digest_stale,   "Digest answers with stale=true")                   \
    X(digest_replays, "Digest nonce counts refused as replays")           \
    X(digest_denials, "Digest logons refused")                            \
    X(digest_bad_input, "malformed Digest headers")                       \
    X(digest_user_evictions, "Digest contexts dropped: their user held AuthCacheDigestMaxContexts")\
    X(negotiate_challenges, "Negotiate challenges sent (no or an unfinished token)")\
    X(negotiate_logons, "Kerberos tokens accepted through GSSAPI")          \
    X(negotiate_cache_hits, "Negotiate requests served from the connection's Kerberos identity")\
    X(negotiate_denials, "Kerberos tokens refused by GSSAPI (wrong, expired, replayed, another service)")\
    X(negotiate_bad_input, "malformed Negotiate headers or tokens of no mechanism offered")\
    X(negotiate_refused_bindings, "Kerberos logons refused: channel bindings missing under Require")\
    X(purges_user,    "purges of one user's cached credentials (POST to the status handler)")\
    X(purges_all,     "purges of every cached credential")                \
    X(purged_refused, "cached credentials refused: made before a purge")  \
    X(ntlm_lifetime_expired, "NTLM credentials past AuthNTLMCredentialLifetime: logon asked again")\
    X(negotiate_ntlm_refused_mic, "NTLM logons inside SPNEGO refused: mechListMIC missing or wrong")

typedef enum {
#define AUTHCACHE_COUNTER_ENUM(n, d) AUTHCACHE_C_##n,
    AUTHCACHE_COUNTERS(AUTHCACHE_COUNTER_ENUM)
#undef AUTHCACHE_COUNTER_ENUM
    AUTHCACHE_C_COUNT
} authcache_counter_e;

void authcache_count(authcache_counter_e c);
/* Snapshot into out[AUTHCACHE_C_COUNT]; 0 when the module is unused. */
int authcache_counters_read(apr_uint64_t *out);
const char *authcache_counter_name(authcache_counter_e c);
const char *authcache_counter_help(authcache_counter_e c);

/* ---- the shared store (authcache_store.c) --------------------------- */

/*
 * Per-connection state. A connection (an HTTP/2 stream has its own
 * conn_rec) serves one request at a time, so none of it is shared by
 * threads.
 */
typedef struct {
    ac_mac_t *mac;             /* keyed with the server secret */
    /*
     * The last Basic token this connection verified, reused while the
     * store's generation is unchanged (see authcache_store_generation).
     */
    apr_pool_t *basic_pool;    /* holds basic_user and basic_context;
                                * made at the first remembered token */
    const char *basic_user;
    const char *basic_domain;  /* as split: the key is over it */
    apr_size_t basic_domain_len;
    const char *basic_context;
    unsigned char basic_key[AC_KEY_LEN];
    ac_token_t basic_token;
    apr_uint32_t basic_generation;
    int basic_valid;
    struct authcache_ntlm_conn *ntlm;  /* NTLM handshake and credential */
    struct negotiate_conn *negotiate;  /* Kerberos context and identity */
    /* the connection's allocator while authcache_conncred_trim() holds
     * its free blocks to none; set back at the next request */
    struct apr_allocator_t *trimmed;
    int untrim_registered;
    struct authcache_digest_conn *digest;  /* keys and the last context */
} authcache_conn_rec;

/* r's connection state; its mac and basic_pool are made when first
 * needed: authcache_conn_keyed() makes the mac (still NULL when no
 * keyring is set up; NULL on failure). */
authcache_conn_rec *authcache_conn(request_rec *r);
authcache_conn_rec *authcache_conn_keyed(request_rec *r);

/*
 * A counter bumped after every store into the cache. A connection may
 * reuse the token it verified last, without locking or reading the store,
 * while the counter has not moved: nothing was replaced since. Returns 0
 * (never a valid generation) when the store is shared with other hosts,
 * where a local counter cannot see their changes.
 */
apr_uint32_t authcache_store_generation(void);

/*
 * 1 when the store is shared memory of this httpd only (shmcb, authcache):
 * nothing outside the server's own processes can write it, so records
 * need no MAC against the store itself.
 */
int authcache_store_is_private(void);

/* APR_NOTFOUND when there is no (unexpired, well-formed) entry. */
apr_status_t authcache_store_get(request_rec *r,
                                 const unsigned char key[AC_KEY_LEN],
                                 ac_token_t *t);
apr_status_t authcache_store_put(request_rec *r,
                                 const unsigned char key[AC_KEY_LEN],
                                 const ac_token_t *t);
/* Drops the key's entry; APR_NOTFOUND when there was none. */
apr_status_t authcache_store_remove(request_rec *r,
                                    const unsigned char key[AC_KEY_LEN]);
/*
 * Raw access for records that are read, changed and written back (Digest
 * replay windows): the caller holds authcache_store_lock() across the
 * three. That lock is a global mutex on every provider (the get and put
 * above lock only providers that are not MT-safe): the read-change-write
 * is atomic among this server's processes, not among several hosts.
 */
apr_status_t authcache_store_lock(request_rec *r);
void authcache_store_unlock(request_rec *r);
apr_status_t authcache_store_get_raw(request_rec *r, const unsigned char *key,
                                     unsigned int klen, unsigned char *buf,
                                     unsigned int *len);
apr_status_t authcache_store_put_raw(request_rec *r, const unsigned char *key,
                                     unsigned int klen, apr_time_t expires,
                                     unsigned char *buf, unsigned int len);
/*
 * A read-change-write of one raw record as one call, under the store
 * lock: fn (see ac_shmht_update) changes the value in buf (cap bytes)
 * and it is written back with expires. In the module's own "authcache"
 * store that is one lookup, the value rewritten where it is; in other
 * providers a get and a put. APR_NOTFOUND (fn not called) when there is
 * no such record or it cannot be read; fn's status when it refused;
 * otherwise the lock's or the write's. hint: see ac_shmht_update (the
 * other providers ignore it).
 */
apr_status_t authcache_store_update(request_rec *r, const unsigned char *key,
                                    unsigned int klen, apr_time_t expires,
                                    unsigned char *buf, unsigned int cap,
                                    ac_shmht_update_fn *fn, void *baton,
                                    apr_uint32_t *hint);
/* A plain read of a raw record (no read-change-write). */
apr_status_t authcache_store_read(request_rec *r, const unsigned char *key,
                                  unsigned int klen, unsigned char *buf,
                                  unsigned int *len);
apr_status_t authcache_store_remove_raw(request_rec *r,
                                        const unsigned char *key,
                                        unsigned int klen);

/* Calls the socache provider's status for the status page. */
void authcache_store_status(request_rec *r, int flags);
/*
 * The store's figures (fill, evictions) when it is the module's own
 * "authcache" store; APR_ENOTIMPL for other providers.
 */
apr_status_t authcache_store_stats(request_rec *r, ac_shmht_stats_t *st);
const char *authcache_store_describe(server_rec *s);

void authcache_store_register_hooks(apr_pool_t *p);

/* ---- notes and environment (authcache_notes.c) ---------------------- */

/*
 * r granted by source: notes and environment set, the decision kept for
 * its subrequests (header: the Authorization value granted, or NULL).
 * Copies user, domain and the groups note into r's pool.
 */
void authcache_notes_set(request_rec *r, int cached, const char *source,
                         const char *user, const char *domain,
                         const char *header);
/* The same with the groups given (NULL: none), not read from r->notes */
void authcache_notes_grant(request_rec *r, int cached, const char *source,
                           const char *user, const char *domain,
                           const char *groups, const char *header);
/* an earlier request's decision e, given to r (same scope) */
void authcache_notes_reuse(request_rec *r, const authcache_req_rec *e);
void authcache_notes_register_hooks(apr_pool_t *p);

/* ---- credential files (authcache_userfile.c) ------------------------- */

#define AUTHCACHE_USERFILE_FIELDS 4

/*
 * Called with each line's n colon-separated fields (the last one takes
 * the rest of the line; lines with fewer fields and '#' comments are
 * skipped): APR_NOTFOUND to go on, APR_SUCCESS to stop at this line,
 * anything else to stop with that error.
 */
typedef apr_status_t authcache_userfile_match_fn(request_rec *r,
                                                 char **fields, void *baton);

/* The scan's result: APR_NOTFOUND at the end of the file, or the error
 * opening it. */
apr_status_t authcache_userfile_find(request_rec *r, const char *file, int n,
                                     authcache_userfile_match_fn *match,
                                     void *baton);

/* ---- NTLM authorities (authcache_ntlm_file.c, authcache_winbind.c) --- */

#define AUTHCACHE_NTLM_PROVIDER_GROUP   "authcache-ntlm"
#define AUTHCACHE_NTLM_PROVIDER_VERSION "0"

/* The AUTHENTICATE an authority checks: what answers which challenge,
 * in which section. */
typedef struct authcache_ntlm_answer {
    const struct authcache_dir_config_rec_s *conf;
    const ac_ntlm_auth_t *a;
    const unsigned char *challenge;       /* 8 bytes */
} authcache_ntlm_answer;

/* What an authority says about a logon it granted. */
typedef struct authcache_ntlm_logon {
    unsigned char session_base_key[16];   /* for the MIC; wiped after */
    const char *user, *domain;            /* the account's own spelling */
    const char *groups;                   /* "DOMAIN\\G;..."; NULL: none known */
} authcache_ntlm_logon;

/*
 * Who verifies an NTLMv2 response. verify returns AUTH_GRANTED (with
 * *out filled), AUTH_DENIED, AUTH_USER_NOT_FOUND or AUTH_GENERAL_ERROR.
 */
typedef struct authcache_ntlm_provider {
    authn_status (*verify)(request_rec *r, const authcache_ntlm_answer *in,
                           authcache_ntlm_logon *out);
} authcache_ntlm_provider;

void authcache_ntlm_file_register(apr_pool_t *p);

/*
 * Extended Protection (authcache_ntlm_epa.c): checks an AUTHENTICATE the
 * authority verified against the CHALLENGE sent on this connection and
 * the connection's TLS channel, as the section's AuthNTLMChannelBinding,
 * AuthNTLMServicePrincipalNames, AuthNTLMTimestampSkew and
 * AuthNTLMRequireMIC ask. APR_SUCCESS, or APR_EACCES once the refusal of
 * who is logged and counted.
 */
apr_status_t authcache_ntlm_epa_check(request_rec *r,
                                      const struct authcache_dir_config_rec_s *conf,
                                      const ac_ntlm_auth_t *a,
                                      const unsigned char *challenge,
                                      apr_size_t challenge_len,
                                      const char *who);
void authcache_winbind_register(apr_pool_t *p);
/* The groups of DOMAIN\\user from winbind, for a logon made elsewhere
 * (AuthNegotiateGroups winbind): AUTH_GRANTED, AUTH_USER_NOT_FOUND (no
 * groups, logged) or AUTH_GENERAL_ERROR (winbind unavailable, logged). */
authn_status authcache_winbind_groups(request_rec *r, const char *domain,
                                      const char *user, const char **groups);

/* Shared with AuthType Negotiate (authcache_ntlm.c): why r must not use
 * or fill a connection's credential (DisableNTLMCredentialCaching, a
 * proxy), or NULL; and REMOTE_USER in the AuthNTLMUserFormat format. */
const char *authcache_ntlm_no_cache_reason(request_rec *r,
                                           const struct authcache_dir_config_rec_s *conf);
const char *authcache_format_user(request_rec *r, int format,
                                  const char *user, const char *domain);
/* AuthType NTLM's check_authn, for a location of another AuthType that
 * offers NTLM too (AuthNegotiateOfferNTLM) */
int authcache_ntlm_check(request_rec *r);

/*
 * NTLM messages carried by another scheme (AuthType Negotiate: inside
 * SPNEGO, or bare): the same handshake, authorities, checks and
 * connection cache as AuthType NTLM, with the carrier's own 401s,
 * REMOTE_USER type, AUTHCACHE_SOURCE and a last check of each logon.
 */
typedef struct authcache_ntlm_carrier {
    const char *kind;          /* a handshake is answered in its own kind */
    const char *auth_type;     /* r->ap_auth_type */
    const char *source;        /* AUTHCACHE_SOURCE_* */
    /* the 401 carrying the CHALLENGE msg, or refusing (msg NULL) */
    int (*challenge)(request_rec *r, const struct authcache_ntlm_carrier *c,
                     const unsigned char *msg, apr_size_t len);
    /* once the authority, the MIC and Extended Protection granted a
     * logon (NULL: nothing more): APR_SUCCESS, or a refusal it logged;
     * key is the exported session key, kept what keep held when the
     * handshake began */
    apr_status_t (*verified)(request_rec *r,
                             const struct authcache_ntlm_carrier *c,
                             const ac_ntlm_auth_t *a,
                             const unsigned char key[16],
                             const unsigned char *kept, apr_size_t kept_len);
    const unsigned char *keep; /* kept with a handshake a NEGOTIATE starts */
    apr_size_t keep_len;
    const void *baton;         /* the carrier's (its parsed token) */
} authcache_ntlm_carrier;

/*
 * The NTLM message msg (decoded from the carrier's token in header), or
 * with msg NULL the connection's credential of a carried logon (header
 * then is another scheme's Authorization, or NULL). c must live as long
 * as r. The HTTP status or OK.
 */
int authcache_ntlm_carried(request_rec *r, const authcache_ntlm_carrier *c,
                           const char *header, const unsigned char *msg,
                           apr_size_t len);

/* ---- providers and handlers ----------------------------------------- */

void authcache_basic_register_hooks(apr_pool_t *p);
void authcache_ntlm_register_hooks(apr_pool_t *p);
void authcache_digest_register_hooks(apr_pool_t *p);
void authcache_status_register_hooks(apr_pool_t *p);
/* AuthType Negotiate (authcache_negotiate.c, built with GSSAPI only) */
void authcache_negotiate_register_hooks(apr_pool_t *p);
/*
 * NTLM inside Negotiate (authcache_negotiate_ntlm.c): 1 when the decoded
 * token tok of header is not GSSAPI's (NTLM in SPNEGO or bare, or a
 * token to refuse), with *rc the response; 0 for Kerberos. And the
 * connection's credential of such a logon for a request without a
 * Negotiate header (sent: another scheme's Authorization, or NULL), or
 * rc, Kerberos's answer, where there can be none (HTTP/2, no NTLM
 * authority).
 */
int authcache_negotiate_ntlm(request_rec *r, const char *header,
                             const unsigned char *tok, apr_size_t len,
                             int *rc);
int authcache_negotiate_ntlm_cached(request_rec *r, const char *sent,
                                    int rc);
/* The counters v[AUTHCACHE_C_COUNT] and the store's figures as metrics
 * (Prometheus text or OpenMetrics), for the status handler's ?metrics */
void authcache_metrics(request_rec *r, const apr_uint64_t *v, int in_use);

/* ---- purges (authcache_purge.c) ------------------------------------ */

/*
 * 1 when a credential of user (in domain; dlen 0: none) made at made was
 * purged since: refuse it from the cache. Counts nothing.
 */
int authcache_purged(const char *user, apr_size_t ulen, const char *domain,
                     apr_size_t dlen, apr_time_t made);
/* POST to the status handler: "user=NAME" or "all=1" */
int authcache_purge_handler(request_rec *r);
void authcache_purge_register_hooks(apr_pool_t *p);

/* ---- credentials cached on a connection (authcache_conncred.c) ------ */

/* A few scopes per connection: a client seldom moves between more. */
#define AUTHCACHE_CONNCRED_MAX_SCOPES 8

/* One malloc'd block, its strings inside it (NULL where a scheme has
 * none: NTLM no realm or principal, Kerberos maybe no groups). */
typedef struct authcache_conncred {
    apr_time_t verified_at;    /* the logon: for lifetime and purges */
    apr_time_t expires;        /* its end (a ticket's); APR_INT64_MAX */
    const char *user, *domain, *groups, *realm, *principal;
    int nscopes;               /* the scopes whose authority verified it */
    int carried;               /* NTLM logged on inside Negotiate */
    const char *scopes[AUTHCACHE_CONNCRED_MAX_SCOPES];
} authcache_conncred;

/* A copy of id's fields with the scopes of old (if any) and scope, in
 * one block to free with authcache_conncred_free; NULL: out of memory. */
authcache_conncred *authcache_conncred_make(const authcache_conncred *id,
                                            const authcache_conncred *old,
                                            const char *scope);
void authcache_conncred_free(authcache_conncred **c);
/* 1 when the credential was verified by scope's authority */
int authcache_conncred_in_scope(const authcache_conncred *c,
                                const char *scope);
/* *c serves scope too (replaced; NULL if out of memory) */
void authcache_conncred_add_scope(authcache_conncred **c, const char *scope);
/* 1 when its user was purged since the logon (the caller counts, logs) */
int authcache_conncred_purged(const authcache_conncred *c);

/* A scheme that caches a credential on the connection, for the filter
 * that drops it when an application answers 401 to a request it served. */
typedef struct {
    const char *source;        /* AUTHCACHE_SOURCE_*, as in the notes */
    const char *challenge;     /* the bare challenge sent instead */
    int rejected_counter;      /* an authcache_counter_e, or -1 */
    const authcache_conncred *(*cred)(request_rec *r);  /* NULL: none */
    void (*forget)(request_rec *r);    /* drops credential and handshake */
} authcache_conncred_scheme;

/* sent when it is "SCHEME" or "SCHEME <token>" (any case), else NULL */
const char *authcache_conncred_header(const char *sent, const char *scheme);
/* 1 (r's notes set) when r is a subrequest or redirect of a request that
 * source granted with header in r's scope: the same decision again */
int authcache_conncred_reuse(request_rec *r, const char *source,
                             const char *header);
/* OK: r granted to remote_user (in r's pool) by AuthType type; the notes
 * of source's user, domain and groups, cached or not; Persistent-Auth */
int authcache_conncred_granted(request_rec *r, const char *type,
                               const char *source, const char *remote_user,
                               int cached, int persistent, const char *user,
                               const char *domain, const char *groups,
                               const char *header);
void authcache_conncred_register(const authcache_conncred_scheme *s);
/*
 * The logon on r's connection is done: of the blocks r's pool gives back,
 * the connection's allocator keeps what a plain request needs and the
 * rest goes back to the system (the handshake left it more freed buffers
 * than a plain request does, kept for as long as the connection idles).
 * Until the next request.
 */
void authcache_conncred_trim(request_rec *r);
void authcache_conncred_register_hooks(apr_pool_t *p);

#endif /* AUTHCACHE_PRIVATE_H */
