/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digest security contexts (no httpd headers): the server's nonces and
 * opaques, the nonce-count replay window, and the sealed record a context
 * is kept as in the shared store.
 *
 * A context is what a successful Digest login leaves behind, keyed by its
 * opaque: who logged in, with which algorithm, and H(A1), so that the
 * following requests on that opaque verify without asking the backend.
 * H(A1) is a password equivalent for its realm, so the record is sealed
 * with AES-256-GCM: the store (memcache, redis) sees nothing of it, and
 * a record changed, moved to another opaque or made under another key
 * does not open.
 *
 * Records are sealed with a 32-byte subkey of the server secret
 * (ac_mac_derive); nonces, replay windows and roster keys are HMACs under
 * the secret itself (ac_mac_compute), each with a label of its own.
 */
#ifndef AC_DIGEST_CTX_H
#define AC_DIGEST_CTX_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"
#include "apr_time.h"

#include "ac_digest.h"
#include "ac_mac.h"

#define AC_DIGEST_KEY_LEN     32
#define AC_DIGEST_NONCE_LEN   20    /* base64url of 5 + 10 bytes */
#define AC_DIGEST_OPAQUE_LEN  32    /* hex of 16 random bytes */
#define AC_DIGEST_IV_LEN      12
#define AC_DIGEST_FUTURE_SKEW 60    /* seconds a nonce may be ahead of us */
#define AC_DIGEST_CTX_VERSION 3    /* 3: the scope, not the server name */
#define AC_DIGEST_WINDOW_VERSION 2  /* 2: the 20-character nonce */
#define AC_DIGEST_WINDOW_LEN  (1 + AC_DIGEST_NONCE_LEN + 4 + 8 + 16)

/*
 * A nonce is base64url(seconds || mac): seconds since the epoch (5 bytes,
 * big-endian) and the first 10 bytes of HMAC-SHA-256(key, "nonce",
 * realm, opaque, seconds); why so short: ac_digest_ctx.c. It carries its
 * own age and is bound to the realm and the opaque it was issued with;
 * nothing needs to be stored to check it. out holds AC_DIGEST_NONCE_LEN + 1 bytes.
 */
apr_status_t ac_digest_nonce_make(ac_mac_t *m,
                                  const char *realm, const char *opaque,
                                  apr_time_t now, char *out);

/*
 * APR_SUCCESS for a nonce made by ac_digest_nonce_make under key, realm
 * and opaque, with *stale = 0 while it is at most lifetime old and 1 after
 * (RFC 7616 stale=true: the client retries with a new nonce, without
 * asking the user). APR_EINVAL with *why for a malformed or forged nonce,
 * one for another realm or opaque, or one dated more than
 * AC_DIGEST_FUTURE_SKEW seconds ahead of now.
 */
apr_status_t ac_digest_nonce_check(ac_mac_t *m,
                                   const char *realm, const char *opaque,
                                   const char *nonce, apr_time_t now,
                                   apr_interval_time_t lifetime, int *stale,
                                   const char **why);

/*
 * When a well-formed nonce says it was issued (whole seconds), -1 for a
 * malformed one. Only what ac_digest_nonce_check accepted is to be
 * believed. One opaque's nonces of the same second are the same string,
 * so two different nonces of an opaque have different times.
 */
apr_time_t ac_digest_nonce_time(const char *nonce);

/* AC_DIGEST_OPAQUE_LEN lowercase hex digits of random16, NUL-terminated */
void ac_digest_opaque_make(const unsigned char random16[16], char *out);

/* 1 for exactly AC_DIGEST_OPAQUE_LEN lowercase hex digits */
int ac_digest_opaque_valid(const char *opaque);

/*
 * Nonce counts seen on one nonce: bit i of seen is set when count
 * highest - i was accepted. Zero-filled it is empty.
 */
typedef struct {
    apr_uint32_t highest;
    apr_uint64_t seen;
} ac_digest_nc_t;

/*
 * Accepts each count once: counts above every one seen, and counts up to
 * 63 below the highest (parallel connections send theirs out of order).
 * APR_EINVAL with *why for 0, a count seen before (a replay) or one older
 * than the window; *w is then unchanged.
 */
apr_status_t ac_digest_nc_accept(ac_digest_nc_t *w, apr_uint32_t nc,
                                 const char **why);

/*
 * The replay window of one context: the nonce its counts are on and the
 * counts seen. It changes on every request, so it is kept apart from the
 * sealed context (which a logon writes once) as a small MACed record of
 * AC_DIGEST_WINDOW_LEN bytes: version, nonce, highest, seen, and 16 bytes
 * of HMAC-SHA-256 under the server secret over those and the opaque. A
 * store writer without the secret cannot make one up or move one to
 * another opaque; it can put back an older record of the same opaque
 * (as it could an older sealed context), which reopens the counts seen
 * since: the store is trusted not to roll back. With m NULL (a store only
 * this server's processes can write, where a MAC protects against no one)
 * the MAC bytes are zero and are not checked.
 */
typedef struct {
    char nonce[AC_DIGEST_NONCE_LEN + 1];
    ac_digest_nc_t nc;
} ac_digest_window_t;

apr_status_t ac_digest_window_encode(ac_mac_t *m, const char *opaque,
                                     const ac_digest_window_t *w,
                                     unsigned char out[AC_DIGEST_WINDOW_LEN]);

/* APR_EINVAL with *why for a record of another length, version or opaque,
 * or one altered. */
apr_status_t ac_digest_window_decode(ac_mac_t *m, const char *opaque,
                                     const unsigned char *in, apr_size_t len,
                                     ac_digest_window_t *w, const char **why);

/* What a logon leaves behind; it does not change afterwards. */
typedef struct {
    const char *scope;      /* where it was verified (authcache_scope);
                               the strings are at most 65535 bytes */
    const char *realm;
    const char *user;
    const char *domain;
    ac_digest_alg_e alg;
    int sess;
    /*
     * Hex H(user ":" realm ":" password) for alg: never the -sess one,
     * which callers derive per request with ac_digest_ha1_sess. Sealed
     * as ac_digest_hex_len(alg) / 2 bytes.
     */
    char ha1[2 * AC_DIGEST_HEX_MAX + 1];
    apr_time_t created;
    apr_time_t expires;
} ac_digest_ctx_t;

/*
 * Seals *c for the store: version, iv, AES-256-GCM ciphertext, tag, with
 * the version and opaque authenticated too. iv must be fresh random bytes
 * for every seal under a key. *out comes from p. APR_EINVAL for a context
 * that cannot be sealed (a string too long, an ha1 of the wrong form).
 */
apr_status_t ac_digest_ctx_seal(const unsigned char key[AC_DIGEST_KEY_LEN],
                                const char *opaque, const ac_digest_ctx_t *c,
                                const unsigned char iv[AC_DIGEST_IV_LEN],
                                apr_pool_t *p, unsigned char **out,
                                apr_size_t *out_len);

/*
 * Opens what ac_digest_ctx_seal made under key for opaque into *c
 * (strings from p). APR_EINVAL with *why for another version, a truncated
 * or altered record, or one sealed under another key or opaque.
 */
apr_status_t ac_digest_ctx_open(const unsigned char key[AC_DIGEST_KEY_LEN],
                                const char *opaque, const unsigned char *in,
                                apr_size_t len, apr_pool_t *p,
                                ac_digest_ctx_t *c, const char **why);

/*
 * Store keys. A context's is the 16 random bytes of its opaque, then 'D';
 * its replay window's the same with 'W' (random first bytes: shmcb picks
 * its subcache by the first byte, so keys must not share a prefix). A
 * user's roster (below) is 16 bytes of HMAC-SHA-256 under the secret over
 * realm and user, then 'U'. 17 bytes: never a Basic token's key (32).
 */
#define AC_DIGEST_STORE_KEY_LEN (AC_DIGEST_OPAQUE_LEN / 2 + 1)

/* APR_EINVAL for an opaque that is not AC_DIGEST_OPAQUE_LEN hex digits */
apr_status_t ac_digest_store_key(const char *opaque, char tag,
                                 unsigned char key[AC_DIGEST_STORE_KEY_LEN]);
apr_status_t ac_digest_roster_key(ac_mac_t *m, const char *realm,
                                  const char *user,
                                  unsigned char key[AC_DIGEST_STORE_KEY_LEN]);

/*
 * A user's roster: the opaques of the contexts they hold, with their
 * expiry, so that one account holds at most a bounded number and cannot
 * push everyone else's out of the store by logging on again and again;
 * and the opaques of contexts it dropped recently, so that a captured
 * first answer (nc 1) to a dropped context cannot log on again while its
 * nonce is young enough for a first use.
 * Encoded: version 2, live count 1, dropped count 1, then per entry the
 * opaque's 16 bytes and a time (8, big-endian microseconds): the expiry
 * of a live one, until when a dropped one is remembered.
 */
#define AC_DIGEST_ROSTER_MAX 64
#define AC_DIGEST_ROSTER_VERSION 2
#define AC_DIGEST_ROSTER_LEN(n, nd) (3 + ((apr_size_t)(n) + (nd)) * 24)

typedef struct {
    unsigned int n;                       /* live contexts */
    unsigned char opaque[AC_DIGEST_ROSTER_MAX][16];
    apr_time_t expires[AC_DIGEST_ROSTER_MAX];
    unsigned int nd;                      /* dropped ones, oldest first */
    unsigned char dropped[AC_DIGEST_ROSTER_MAX][16];
    apr_time_t until[AC_DIGEST_ROSTER_MAX];
} ac_digest_roster_t;

/* out holds AC_DIGEST_ROSTER_LEN(ro->n, ro->nd) bytes; returns that */
apr_size_t ac_digest_roster_encode(const ac_digest_roster_t *ro,
                                   unsigned char *out);
/* APR_EINVAL for another version, a count over the maximum or a length
 * that does not match the counts */
apr_status_t ac_digest_roster_decode(const unsigned char *in, apr_size_t len,
                                     ac_digest_roster_t *ro);
/*
 * Adds a context to the roster, after forgetting expired entries. When
 * max (1 to AC_DIGEST_ROSTER_MAX) are live already, the one expiring
 * first makes room: its opaque is copied to evicted, remembered as
 * dropped until now + remember, and 1 returned (the caller removes that
 * context), else 0. When AC_DIGEST_ROSTER_MAX are remembered, the oldest
 * is forgotten.
 */
int ac_digest_roster_add(ac_digest_roster_t *ro,
                         const unsigned char opaque[16], apr_time_t expires,
                         apr_time_t now, unsigned int max,
                         apr_interval_time_t remember,
                         unsigned char evicted[16]);
/* 1 when opaque was dropped and is still remembered at now */
int ac_digest_roster_dropped(const ac_digest_roster_t *ro,
                             const unsigned char opaque[16], apr_time_t now);

#endif /* AC_DIGEST_CTX_H */
