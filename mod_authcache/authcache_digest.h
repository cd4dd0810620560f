/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Declarations shared by the Digest glue files:
 *
 *   authcache_digest.c        the request path, in phases, and challenges
 *   authcache_digest_store.c  contexts, replay windows and rosters in the
 *                             store
 *   authcache_digest_users.c  H(A1) from the backends
 *   authcache_digest_body.c   qop=auth-int bodies
 */
#ifndef AUTHCACHE_DIGEST_H
#define AUTHCACHE_DIGEST_H

#include "authcache_private.h"

#define AUTHCACHE_DIGEST_HEX_MAX 129   /* SHA-512-256 hex and NUL, rounded */

/*
 * Without a stored context only the first answer to a challenge is taken
 * (nc 1, nonce this young): a context the store evicted cannot be
 * rebuilt from a replayed request. A context its user's roster dropped
 * is remembered for this long plus a nonce's possible lead, so that its
 * captured first answer cannot log on again either.
 */
#define AUTHCACHE_DIGEST_FIRST_USE apr_time_from_sec(60)
#define AUTHCACHE_DIGEST_DROPPED_REMEMBERED \
    (AUTHCACHE_DIGEST_FIRST_USE + apr_time_from_sec(AC_DIGEST_FUTURE_SKEW))

/*
 * Per connection: the keys (nonces are MACed with the connection's
 * secret-keyed MAC context, contexts sealed with a key derived from the
 * secret once), the context this connection opened last, and the last
 * nonce that checked out. A sealed context never changes once stored, so
 * a connection that keeps sending the same opaque needs neither the store
 * nor AES-GCM to read it again; only its replay window is read and
 * written back per request, in the store, where every connection of the
 * client sees it (in the module's own store in one lookup, in place).
 */
typedef struct authcache_digest_conn {
    ac_mac_t *mac;
    unsigned char ctx_key[AC_DIGEST_KEY_LEN];
    apr_pool_t *pool;                   /* ctx's strings */
    char opaque[AC_DIGEST_OPAQUE_LEN + 1];  /* "": no context held */
    unsigned char wkey[AC_DIGEST_STORE_KEY_LEN];   /* its window's key */
    apr_uint32_t whash;                 /* its store hint (ac_shmht_update) */
    ac_digest_ctx_t ctx;
    char nonce[AC_DIGEST_NONCE_LEN + 1];
    char nonce_opaque[AC_DIGEST_OPAQUE_LEN + 1];
    const char *nonce_realm;            /* in the connection's pool */
    apr_time_t nonce_time;
    /* H(A2) of the last qop=auth request: a client repeats method and
     * uri on a connection, and H(A2) is of nothing secret */
    int ha2_alg;                        /* its ac_digest_alg_e + 1; 0 none */
    char ha2_method[32];
    char ha2_uri[224];
    char ha2[AUTHCACHE_DIGEST_HEX_MAX];
} authcache_digest_conn;

/* One Digest request on its way through the phases. */
typedef struct {
    request_rec *r;
    request_rec *first;                 /* the client's request */
    const authcache_dir_config_rec *conf;
    authcache_digest_conn *k;
    const char *header;
    ac_digest_req_t d;
    apr_time_t now;
    int stale;                          /* the nonce is past its lifetime */
    /* the context: the store's (cached), or a logon's (fresh) */
    const ac_digest_ctx_t *cached;
    ac_digest_ctx_t fresh;
    const char *user;
    char ha1[AUTHCACHE_DIGEST_HEX_MAX];
    char bhash[AUTHCACHE_DIGEST_HEX_MAX];   /* auth-int: H(body) */
} authcache_digest_req;

/* The context of q's opaque (connection's or store's) into q->cached;
 * APR_NOTFOUND when there is none, or only an expired or unreadable one. */
apr_status_t authcache_digest_context_get(authcache_digest_req *q);

/*
 * Under the store lock: the nonce count accepted in the replay window
 * (written back), and after a logon the fresh context stored and entered
 * in its user's roster. APR_SUCCESS; APR_EINVAL with *why for a replay;
 * *lost (and APR_EINVAL) when the window is gone or would move back;
 * APR_EGENERAL when the store fails.
 */
apr_status_t authcache_digest_commit(authcache_digest_req *q, int *lost,
                                     const char **why);

/*
 * H(A1) for q's user, realm and algorithm from AuthCacheDigestUserFile,
 * then (MD5) the providers' realm hashes: q->user and q->ha1 filled.
 * APR_NOTFOUND when no source knows the user.
 */
apr_status_t authcache_digest_lookup_ha1(authcache_digest_req *q);

/* 1 for equal hex strings of equal length (constant time) */
int authcache_digest_hex_same(const char *a, const char *b);

/* auth-int: reads and hashes the body, keeps it for the handler (OK or an
 * HTTP status) */
int authcache_digest_body(request_rec *r, apr_off_t max, ac_digest_alg_e alg,
                          char *hex);
void authcache_digest_body_register(apr_pool_t *p);

#endif /* AUTHCACHE_DIGEST_H */
