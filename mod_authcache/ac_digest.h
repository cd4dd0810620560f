/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP Digest access authentication (RFC 7616), server side: the
 * Authorization header parser and the response computations (no httpd
 * headers).
 *
 * The parser is strict where a lax one would let two readers see two
 * different requests (duplicate parameters, username with username*,
 * trailing bytes after a value) and lenient where RFC 7230/7235 ask
 * recipients to be (token or quoted-string for any value, empty list
 * elements, unknown parameters). Every string it hands out is a
 * NUL-terminated pool copy without control characters.
 */
#ifndef AC_DIGEST_H
#define AC_DIGEST_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"

typedef enum {
    AC_DIGEST_MD5,
    AC_DIGEST_SHA256,
    AC_DIGEST_SHA512_256        /* FIPS 180-4 SHA-512/256: see ac_digest.c */
} ac_digest_alg_e;

typedef enum {
    AC_DIGEST_QOP_NONE,         /* RFC 2069 style: ac_digest_req_check refuses */
    AC_DIGEST_QOP_AUTH,
    AC_DIGEST_QOP_AUTH_INT
} ac_digest_qop_e;

#define AC_DIGEST_HEX_MAX    64     /* hex digits of the longest hash */
#define AC_DIGEST_VALUE_MAX  1024   /* bytes of one parameter value */
#define AC_DIGEST_HEADER_MAX 8192   /* bytes of the whole header value */

typedef struct {
    const char *username;   /* as sent, or username* decoded (UTF-8) */
    int username_ext;       /* 1: it came from username* */
    int userhash;           /* 1: username is H(user ":" realm) */
    const char *realm;
    const char *nonce;
    const char *uri;
    const char *response;   /* lowercased hex, ac_digest_hex_len(alg) long */
    const char *cnonce;     /* NULL when absent */
    const char *opaque;     /* NULL when absent */
    ac_digest_alg_e alg;    /* MD5 when absent */
    int sess;
    ac_digest_qop_e qop;
    const char *qop_name;   /* "auth", "auth-int", or NULL */
    const char *nc_hex;     /* the 8 digits as sent (hashed as sent) or NULL */
    apr_uint32_t nc;
} ac_digest_req_t;

/*
 * "MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256",
 * "SHA-512-256-sess", in any case. APR_ENOTIMPL for anything else.
 */
apr_status_t ac_digest_alg_parse(const char *name, ac_digest_alg_e *alg,
                                 int *sess);

/* The name as RFC 7616 spells it, e.g. "SHA-256-sess". */
const char *ac_digest_alg_name(ac_digest_alg_e alg, int sess);

/* Hex digits of the algorithm's hash: 32 (MD5) or 64. */
apr_size_t ac_digest_hex_len(ac_digest_alg_e alg);

/*
 * Parses value[0..len), an Authorization header value "Digest
 * auth-param, ...", into *out (strings from p). APR_EINVAL with *why set
 * for anything malformed; see ac_digest.c for the list. Does not refuse a
 * request without qop: ac_digest_req_check does that.
 */
apr_status_t ac_digest_parse(const char *value, apr_size_t len,
                             apr_pool_t *p, ac_digest_req_t *out,
                             const char **why);

/*
 * What this server asks of a parsed request beyond syntax: APR_EINVAL
 * with *why for a response without qop (RFC 2069 style, no cnonce and no
 * nonce count, so nothing against replay).
 */
apr_status_t ac_digest_req_check(const ac_digest_req_t *r, const char **why);

/*
 * In all of the following hex_out holds at least AC_DIGEST_HEX_MAX + 1
 * bytes and receives lowercase hex, NUL-terminated. Hex inputs are
 * ac_digest_hex_len(alg) digits.
 */

/* H(data) */
apr_status_t ac_digest_h(ac_digest_alg_e alg, const void *data,
                         apr_size_t len, char *hex_out);

/*
 * H(data) of data that arrives in pieces (a request body): start, add
 * each piece, then finish, which writes the hex and frees the state.
 * ac_digest_h_free frees a state that will not be finished.
 */
typedef struct ac_digest_h_state ac_digest_h_state;
apr_status_t ac_digest_h_start(ac_digest_alg_e alg, ac_digest_h_state **st);
apr_status_t ac_digest_h_add(ac_digest_h_state *st, const void *data,
                             apr_size_t len);
apr_status_t ac_digest_h_finish(ac_digest_h_state *st, char *hex_out);
void ac_digest_h_free(ac_digest_h_state *st);

/* H(ha1_hex ":" nonce ":" cnonce): the -sess H(A1) from the plain one. */
apr_status_t ac_digest_ha1_sess(ac_digest_alg_e alg, const char *ha1_hex,
                                const char *nonce, const char *cnonce,
                                char *hex_out);

/*
 * KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2)) with A2 = method
 * ":" uri, or for qop "auth-int" method ":" uri ":" body_hash_hex (H of
 * the request body, which the caller computes). ha1_hex is already the
 * -sess one where the algorithm is. APR_EINVAL for a qop other than
 * "auth" or "auth-int" (NULL included: no RFC 2069 responses), or
 * auth-int without a body hash.
 */
apr_status_t ac_digest_response(ac_digest_alg_e alg, const char *ha1_hex,
                                 const char *nonce, const char *nc_hex8,
                                 const char *cnonce, const char *qop,
                                 const char *method, const char *uri,
                                 const char *body_hash_hex, char *hex_out);

/*
 * ac_digest_response in two steps, for a caller that keeps H(A2) (a
 * function of public values only) for the requests that repeat them:
 * H(A2) as hex, then the response from it. Same errors; ha2_hex must be
 * a hash of alg as hex.
 */
apr_status_t ac_digest_ha2(ac_digest_alg_e alg, const char *qop,
                           const char *method, const char *uri,
                           const char *body_hash_hex, char *hex_out);
apr_status_t ac_digest_response_ha2(ac_digest_alg_e alg, const char *ha1_hex,
                                     const char *nonce, const char *nc_hex8,
                                     const char *cnonce, const char *qop,
                                     const char *ha2_hex, char *hex_out);

/* H(user ":" realm), what a client sends as username with userhash=true */
apr_status_t ac_digest_userhash(ac_digest_alg_e alg, const char *user,
                                const char *realm, char *hex_out);

/*
 * 1 when a and b both hold len bytes before any NUL and those are equal;
 * the comparison of the bytes takes the same time wherever they differ.
 */
int ac_digest_hex_equal(const char *a, const char *b, apr_size_t len);

#endif /* AC_DIGEST_H */
