/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP Digest (RFC 7616), server side: see ac_digest.h.
 */
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "apr_lib.h"
#include "apr_md5.h"
#include "apr_strings.h"

#include "ac_digest.h"
#include "ac_crypto.h"
#include "ac_hex.h"
#include "ac_utf16.h"

static apr_status_t refuse(const char **why, const char *reason)
{
    *why = reason;
    return APR_EINVAL;
}

/* ---- algorithms ---------------------------------------------------- */

static const char *const alg_names[3] = { "MD5", "SHA-256", "SHA-512-256" };
static const char *const alg_sess_names[3] = {
    "MD5-sess", "SHA-256-sess", "SHA-512-256-sess"
};

/*
 * The hashes come from ac_crypto_md(). SHA-512-256 is FIPS 180-4
 * SHA-512/256 (its own initial values), which is what RFC 7616 section 3.2
 * names. The example values printed in RFC 7616 section 3.9.2 were
 * computed with SHA-512 cut to 256 bits instead (erratum 4897);
 * t/unit/test_digest.c checks both.
 */

apr_status_t ac_digest_alg_parse(const char *name, ac_digest_alg_e *alg,
                                 int *sess)
{
    int a;

    for (a = 0; a < 3; a++) {
        int plain = !strcasecmp(name, alg_names[a]);

        if (plain || !strcasecmp(name, alg_sess_names[a])) {
            *alg = (ac_digest_alg_e)a;
            *sess = !plain;
            return APR_SUCCESS;
        }
    }
    return APR_ENOTIMPL;
}

const char *ac_digest_alg_name(ac_digest_alg_e alg, int sess)
{
    if ((unsigned)alg > AC_DIGEST_SHA512_256)
        return NULL;
    return sess ? alg_sess_names[alg] : alg_names[alg];
}

apr_size_t ac_digest_hex_len(ac_digest_alg_e alg)
{
    return alg == AC_DIGEST_MD5 ? 32 : 64;
}

/* ---- the header parser --------------------------------------------- */

enum {
    P_USERNAME, P_USERNAME_EXT, P_REALM, P_NONCE, P_URI, P_RESPONSE,
    P_ALGORITHM, P_CNONCE, P_OPAQUE, P_QOP, P_NC, P_USERHASH, P_COUNT
};

/* NUL-padded to 16 bytes: name_is compares two 8-byte words */
static const char param_names[P_COUNT][16] = {
    "username", "username*", "realm", "nonce", "uri", "response",
    "algorithm", "cnonce", "opaque", "qop", "nc", "userhash"
};

/*
 * The parser's byte classes, one look-up per byte: C_TCHAR for RFC 7230
 * tchar (ALPHA, DIGIT and !#$%&'*+-.^_`|~), C_QSTOP for what ends a run of
 * plain bytes in a quoted-string ('"', '\\' and the controls), C_HEX for
 * hex digits, C_OWS for SP and HTAB. Bytes from 0x80 are none: obs-text,
 * allowed in quoted-strings only.
 */
#define C_TCHAR 1
#define C_QSTOP 2
#define C_HEX   4
#define C_OWS   8
static const unsigned char byte_class[256] = {
    2, 2, 2, 2, 2, 2, 2, 2, 2, 10, 2, 2, 2, 2, 2, 2,    /* 0x00 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,     /* 0x10 */
    8, 1, 2, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,     /* 0x20 */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0, 0,     /* 0x30 */
    0, 5, 5, 5, 5, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 2, 0, 1, 1,     /* 0x50 */
    1, 5, 5, 5, 5, 5, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 2,     /* 0x70 */
};

static int is_tchar(unsigned char c)
{
    return byte_class[c] & C_TCHAR;
}

static int is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static int is_qstop(unsigned char c)
{
    return byte_class[c] & C_QSTOP;
}

static apr_size_t skip_ows(const unsigned char *s, apr_size_t i,
                           apr_size_t len)
{
    while (i < len && (byte_class[s[i]] & C_OWS))
        i++;
    return i;
}

/*
 * The end of the run of plain bytes in a quoted-string from s[i]: eight
 * look-ups a step while eight bytes are left (quoted values are most of
 * a header), then one a byte.
 */
static apr_size_t skip_qdtext(const unsigned char *s, apr_size_t i,
                              apr_size_t len)
{
    while (len - i >= 8
           && !((byte_class[s[i]] | byte_class[s[i + 1]]
                 | byte_class[s[i + 2]] | byte_class[s[i + 3]]
                 | byte_class[s[i + 4]] | byte_class[s[i + 5]]
                 | byte_class[s[i + 6]] | byte_class[s[i + 7]]) & C_QSTOP))
        i += 8;
    while (i < len && !is_qstop(s[i]))
        i++;
    return i;
}

/*
 * The value at s[*at..len): a token, or a quoted-string whose quoted-pairs
 * are undone. *out is it in buf, the header's copy (a NUL where the value
 * ends; undone quoted-pairs only shorten it), and *at moves past it.
 */
static apr_status_t read_value(const unsigned char *s, apr_size_t len,
                               apr_size_t *at, char *buf, char **out,
                               const char **why)
{
    apr_size_t i = *at, start, n = 0;
    int escaped = 0;

    if (i < len && s[i] == '"') {
        start = ++i;
        /* first pass: find the end and check every character */
        for (;;) {
            i = skip_qdtext(s, i, len);
            if (i == len || s[i] == '"')
                break;
            if (s[i] == '\\') {
                escaped = 1;
                if (++i == len)
                    return refuse(why, "backslash at the end of the header");
            }
            if (is_ctl(s[i]))
                return refuse(why, "control character in a parameter value");
            i++;
        }
        if (i == len)
            return refuse(why, "unterminated quoted string");
        *at = i + 1;
    }
    else {
        start = i;
        while (i < len && is_tchar(s[i]))
            i++;
        if (i == start)
            return refuse(why, i < len && is_ctl(s[i])
                               ? "control character in a parameter value"
                               : "empty or malformed parameter value");
        *at = i;
    }
    if (i - start > AC_DIGEST_VALUE_MAX)
        return refuse(why, "parameter value too long");
    *out = buf + start;
    if (!escaped) {                 /* the usual case: ends where it ends */
        buf[i] = '\0';
        return APR_SUCCESS;
    }
    for (i = start; s[i] != '"'; i++) {
        if (s[i] == '\\')
            i++;
        buf[start + n++] = (char)s[i];
    }
    buf[start + n] = '\0';
    return APR_SUCCESS;
}

/*
 * 1 when the n tchars at name spell want (lower case, n long, NUL-padded
 * to 16) in any case. Or-ing 0x20 folds only letters here: the one other
 * byte it maps onto a char of the names ('*') is 0x0a, which is no tchar.
 * Where 16 bytes can be read from name (room), two words are compared
 * under a mask of n bytes, not n bytes one by one.
 */
static int name_is(const unsigned char *name, apr_size_t n,
                   apr_size_t room, const char want[16])
{
    static const unsigned char ones[32] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    };
    apr_uint64_t w[2], v[2], m[2];
    const apr_uint64_t fold = 0x2020202020202020ULL;
    apr_size_t i;

    if (room >= 16 && n <= 16) {
        memcpy(w, name, 16);
        memcpy(v, want, 16);
        memcpy(m, ones + 16 - n, 16);   /* n bytes of 0xff, then 0 */
        return ((w[0] | fold) & m[0]) == v[0]
               && ((w[1] | fold) & m[1]) == v[1];
    }
    for (i = 0; i < n; i++)
        if ((name[i] | 0x20) != (unsigned char)want[i])
            return 0;
    return 1;
}

/*
 * The one known name that the length and a letter leave (one compare per
 * parameter, not one per known name), if it is that name.
 */
static int param_index(const unsigned char *name, apr_size_t n,
                       apr_size_t room)
{
    int k;

    switch (n) {
    case 2: k = P_NC; break;
    case 3: k = (name[0] | 0x20) == 'u' ? P_URI : P_QOP; break;
    case 5: k = (name[0] | 0x20) == 'r' ? P_REALM : P_NONCE; break;
    case 6: k = (name[0] | 0x20) == 'c' ? P_CNONCE : P_OPAQUE; break;
    case 8: k = (name[0] | 0x20) == 'r' ? P_RESPONSE
                : (name[4] | 0x20) == 'n' ? P_USERNAME : P_USERHASH; break;
    case 9: k = (name[0] | 0x20) == 'a' ? P_ALGORITHM : P_USERNAME_EXT; break;
    default: return -1;
    }
    return name_is(name, n, room, param_names[k]) ? k : -1;
}

/*
 * Splits the list after the scheme into vals[] (known names only: unknown
 * parameters are checked, then dropped, as RFC 7616 section 3.4 asks).
 * Empty list elements are skipped (RFC 7230 section 7); a list of nothing
 * else is refused.
 */
static apr_status_t split_params(const unsigned char *s, apr_size_t len,
                                 apr_size_t i, char *buf,
                                 char *vals[P_COUNT], const char **why)
{
    apr_size_t nparams = 0, start;
    apr_status_t rv;
    char *v;
    int k;

    for (;;) {
        i = skip_ows(s, i, len);
        if (i == len)
            break;
        if (s[i] == ',') {
            i++;
            continue;
        }
        start = i;
        while (i < len && is_tchar(s[i]))
            i++;
        if (i == start)
            return refuse(why, s[i] == '=' ? "empty parameter name"
                          : "unexpected character where a parameter name "
                            "should be");
        k = param_index(s + start, i - start, len - start);
        i = skip_ows(s, i, len);
        if (i == len || s[i] != '=')
            return refuse(why, "missing '=' after a parameter name");
        i = skip_ows(s, i + 1, len);
        if ((rv = read_value(s, len, &i, buf, &v, why)) != APR_SUCCESS)
            return rv;
        i = skip_ows(s, i, len);
        if (i < len && s[i] != ',')
            return refuse(why, "trailing garbage after a parameter value");
        if (k >= 0) {
            if (vals[k])
                return refuse(why, "duplicate parameter");
            vals[k] = v;
        }
        nparams++;
    }
    return nparams ? APR_SUCCESS : refuse(why, "empty parameter list");
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;                  /* ASCII lower case; no locale lookup */
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* exactly n hex digits: eight look-ups a step once the length is known,
 * as in skip_qdtext (a hash is 32 to 128 digits) */
static int all_hex(const char *s, apr_size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t i = 0;

    if (strnlen(s, n + 1) != n)
        return 0;
    for (; n - i >= 8; i += 8)
        if (!(byte_class[u[i]] & byte_class[u[i + 1]] & byte_class[u[i + 2]]
              & byte_class[u[i + 3]] & byte_class[u[i + 4]]
              & byte_class[u[i + 5]] & byte_class[u[i + 6]]
              & byte_class[u[i + 7]] & C_HEX))
            return 0;
    for (; i < n; i++)
        if (!(byte_class[u[i]] & C_HEX))
            return 0;
    return 1;
}

/* all_hex, and the digits folded to lower case */
static int hex_fold(char *s, apr_size_t n)
{
    apr_size_t i;

    if (!all_hex(s, n))
        return 0;
    for (i = 0; i < n; i++)
        s[i] = (char)(s[i] | 0x20);     /* '0'-'9' keep */
    return 1;
}

/* 1 when s is exactly 8 hex digits (hexval stops at the NUL), *v their value */
static int hex8_value(const char *s, apr_uint32_t *v)
{
    apr_uint32_t x = 0;
    int i, d;

    for (i = 0; i < 8; i++) {
        if ((d = hexval((unsigned char)s[i])) < 0)
            return 0;
        x = x << 4 | (apr_uint32_t)d;
    }
    *v = x;
    return !s[8];
}

/* RFC 8187 attr-char */
static int is_attr_char(unsigned char c)
{
    return apr_isalnum(c) || (c && strchr("!#$&+-.^_`|~", c));
}

/*
 * username* as an RFC 8187 ext-value: charset "'" [language] "'"
 * value-chars. Only UTF-8 (RFC 7616 section 4 has no other); the decoded
 * name must be well-formed UTF-8 without control characters.
 */
static apr_status_t decode_ext_value(const char *ext, apr_pool_t *p,
                                     const char **out, const char **why)
{
    const unsigned char *s = (const unsigned char *)ext;
    apr_size_t i, n = 0, len;
    char *v;

    if (strncasecmp(ext, "UTF-8'", 6))
        return refuse(why, "username* not in UTF-8''encoded form");
    for (i = 6; s[i] && s[i] != '\''; i++)
        if (!apr_isalnum(s[i]) && s[i] != '-')
            return refuse(why, "username* with a malformed language tag");
    if (!s[i])
        return refuse(why, "username* not in UTF-8''encoded form");
    v = apr_palloc(p, strlen(ext) - i);
    for (i++; s[i]; i++) {
        if (s[i] == '%') {
            int hi = hexval(s[i + 1]), lo = hi < 0 ? -1 : hexval(s[i + 2]);

            if (lo < 0)
                return refuse(why, "username* with a bad percent escape");
            v[n++] = (char)(hi << 4 | lo);
            i += 2;
        }
        else if (is_attr_char(s[i]))
            v[n++] = (char)s[i];
        else
            return refuse(why, "username* with a character to percent-encode");
    }
    v[n] = '\0';
    for (i = 0, len = n; i < len; ) {
        apr_uint32_t cp;
        apr_size_t k = ac_utf8_decode((const unsigned char *)v + i, len - i,
                                      &cp);

        if (k == 0)
            return refuse(why, "username* is not UTF-8");
        if (cp < 0x20 || cp == 0x7f)
            return refuse(why, "control character in username*");
        i += k;
    }
    *out = v;
    return APR_SUCCESS;
}

/* The parameters that need more than a copy: see ac_digest_parse. */
static apr_status_t check_fields(char *vals[P_COUNT], apr_pool_t *p,
                                 ac_digest_req_t *out, const char **why)
{
    apr_status_t rv;

    if (vals[P_USERHASH]) {
        if (!strcasecmp(vals[P_USERHASH], "true"))
            out->userhash = 1;
        else if (strcasecmp(vals[P_USERHASH], "false"))
            return refuse(why, "userhash is neither true nor false");
    }
    if (vals[P_USERNAME] && vals[P_USERNAME_EXT])
        return refuse(why, "both username and username*");
    if (vals[P_USERNAME_EXT]) {
        if (out->userhash)
            return refuse(why, "username* with userhash=true");
        out->username_ext = 1;
        if ((rv = decode_ext_value(vals[P_USERNAME_EXT], p, &out->username,
                                   why)) != APR_SUCCESS)
            return rv;
    }
    else if (vals[P_USERNAME])
        out->username = vals[P_USERNAME];
    else
        return refuse(why, "missing username");
    if (vals[P_ALGORITHM]
        && ac_digest_alg_parse(vals[P_ALGORITHM], &out->alg, &out->sess)
           != APR_SUCCESS)
        return refuse(why, "unsupported algorithm");
    if (!hex_fold(vals[P_RESPONSE], ac_digest_hex_len(out->alg)))
        return refuse(why, "response is not a hash of the algorithm's length");
    if (vals[P_QOP]) {
        if (!strcasecmp(vals[P_QOP], "auth"))
            out->qop = AC_DIGEST_QOP_AUTH;
        else if (!strcasecmp(vals[P_QOP], "auth-int"))
            out->qop = AC_DIGEST_QOP_AUTH_INT;
        else
            return refuse(why, "qop is neither auth nor auth-int");
        out->qop_name = vals[P_QOP];
        if (!out->cnonce)
            return refuse(why, "missing cnonce");
        if (!vals[P_NC])
            return refuse(why, "missing nc");
    }
    if (vals[P_NC]) {
        if (!hex8_value(vals[P_NC], &out->nc))
            return refuse(why, "nc is not 8 hex digits");
        out->nc_hex = vals[P_NC];
    }
    return APR_SUCCESS;
}

/*
 * Refused: another scheme; a header over AC_DIGEST_HEADER_MAX or a value
 * over AC_DIGEST_VALUE_MAX bytes; bad list syntax (empty name, no "=",
 * unterminated quote, backslash at the end, bytes after a value, an empty
 * list); control characters in values; a known parameter twice; username
 * with username*; a missing username, realm, nonce, uri or response, or
 * with qop a missing cnonce or nc; an unknown algorithm or qop; nc not 8
 * hex digits; response not hex of the algorithm's length; a userhash
 * other than true or false.
 */
apr_status_t ac_digest_parse(const char *value, apr_size_t len,
                             apr_pool_t *p, ac_digest_req_t *out,
                             const char **why)
{
    static const struct { int k; const char *missing; } required[] = {
        { P_REALM, "missing realm" }, { P_NONCE, "missing nonce" },
        { P_URI, "missing uri" }, { P_RESPONSE, "missing response" },
    };
    const unsigned char *s = (const unsigned char *)value;
    char *vals[P_COUNT] = { NULL };
    apr_status_t rv;
    apr_size_t i;

    memset(out, 0, sizeof(*out));
    out->alg = AC_DIGEST_MD5;
    if (len > AC_DIGEST_HEADER_MAX)
        return refuse(why, "Authorization header too long");
    /* credentials = auth-scheme 1*SP #auth-param (RFC 7235) */
    if (len < 6 || strncasecmp(value, "digest", 6) != 0
        || (len > 6 && is_tchar(s[6])))
        return refuse(why, "not Digest credentials");
    if (len == 6)
        return refuse(why, "no parameters after Digest");
    if (s[6] != ' ')
        return refuse(why, "no space after Digest");
    /* the values are cut out of one copy of the header: no copy each */
    if ((rv = split_params(s, len, 7, apr_pstrmemdup(p, value, len), vals,
                           why)) != APR_SUCCESS)
        return rv;
    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!vals[required[i].k])
            return refuse(why, required[i].missing);
    out->realm = vals[P_REALM];
    out->nonce = vals[P_NONCE];
    out->uri = vals[P_URI];
    out->response = vals[P_RESPONSE];
    out->cnonce = vals[P_CNONCE];
    out->opaque = vals[P_OPAQUE];
    return check_fields(vals, p, out, why);
}

apr_status_t ac_digest_req_check(const ac_digest_req_t *r, const char **why)
{
    if (r->qop == AC_DIGEST_QOP_NONE)
        return refuse(why, "no qop (RFC 2069 style) is refused");
    return APR_SUCCESS;
}

/* ---- computations (RFC 7616 section 3.4) ---------------------------- */

/*
 * One hash being fed: what it is fed is gathered in buf and handed on in
 * as few updates as it takes (a call through OpenSSL's provider costs
 * more than hashing a part of a few bytes). The bytes may be a password
 * equivalent (H(A1), or what it is hashed from): h_end wipes what buf
 * held. MD5 is APR's: OpenSSL 3.0 makes a new provider context at every
 * EVP_DigestInit_ex2 (a malloc, a free and an ENGINE look-up, as many
 * instructions as hashing a block), and APR's is a struct with no calls
 * through a table. The SHA-2 algorithms are OpenSSL's.
 */
typedef struct {
    EVP_MD_CTX *ctx, *own;
    apr_md5_ctx_t md5;
    ac_digest_alg_e alg;
    int ok;
    apr_size_t used, most;
    unsigned char buf[512];
} h_feed;

/* ctx (NULL: one of h's own) is reset here: one serves a caller's several
 * hashes, as making one costs as much as hashing a short string */
static void h_begin(h_feed *h, EVP_MD_CTX *ctx, ac_digest_alg_e alg)
{
    const EVP_MD *md;

    h->alg = alg;
    h->used = h->most = 0;
    h->own = NULL;
    if (alg == AC_DIGEST_MD5) {
        h->ctx = NULL;
        h->ok = apr_md5_init(&h->md5) == APR_SUCCESS;
        return;
    }
    md = (unsigned)alg <= AC_DIGEST_SHA512_256 ? ac_crypto_md(alg) : NULL;
    h->ctx = ctx ? ctx : md ? (h->own = EVP_MD_CTX_new()) : NULL;
    h->ok = md && h->ctx && EVP_DigestInit_ex2(h->ctx, md, NULL);
}

static void h_update(h_feed *h, const void *data, apr_size_t len)
{
    if (h->alg == AC_DIGEST_MD5)
        h->ok = h->ok && apr_md5_update(&h->md5, data, len) == APR_SUCCESS;
    else
        h->ok = h->ok && EVP_DigestUpdate(h->ctx, data, len);
}

static void h_flush(h_feed *h)
{
    h_update(h, h->buf, h->used);
    h->most = h->used > h->most ? h->used : h->most;
    h->used = 0;
}

static APR_INLINE void h_add(h_feed *h, const void *data, apr_size_t len)
{
    if (!len)                   /* data may be NULL: no memcpy of it */
        return;
    if (len > sizeof(h->buf) - h->used) {
        h_flush(h);
        if (len >= sizeof(h->buf)) {
            h_update(h, data, len);
            return;
        }
    }
    memcpy(h->buf + h->used, data, len);
    h->used += len;
}

/* the hash as lowercase hex into hex_out ("" on failure); h's own
 * context freed */
static apr_status_t h_end(h_feed *h, char *hex_out)
{
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    h_flush(h);
    if (h->alg == AC_DIGEST_MD5) {
        /* called whatever came before: apr_md5_final wipes the context */
        h->ok = apr_md5_final(dig, &h->md5) == APR_SUCCESS && h->ok;
        n = APR_MD5_DIGESTSIZE;
    }
    else
        h->ok = h->ok && EVP_DigestFinal_ex(h->ctx, dig, &n)
                && 2 * (apr_size_t)n == ac_digest_hex_len(h->alg);
    hex_out[0] = '\0';
    if (h->ok)
        ac_hex_encode(dig, n, hex_out);
    OPENSSL_cleanse(dig, h->ok ? n : sizeof(dig));
    OPENSSL_cleanse(h->buf, h->most);
    EVP_MD_CTX_free(h->own);
    h->own = NULL;
    if ((unsigned)h->alg > AC_DIGEST_SHA512_256)
        return APR_EINVAL;
    return h->ok ? APR_SUCCESS : APR_EGENERAL;
}

/* H(s[0] ":" s[1] ":" ... s[n-1]) in ctx (NULL: a context of its own);
 * APR_EINVAL if any of them is NULL */
static apr_status_t h_join(EVP_MD_CTX *ctx, ac_digest_alg_e alg,
                           const char *const *s, int n, char *hex_out)
{
    h_feed h;
    int i;

    hex_out[0] = '\0';
    for (i = 0; i < n; i++)
        if (!s[i])
            return APR_EINVAL;
    h_begin(&h, ctx, alg);
    for (i = 0; i < n; i++) {
        if (i)
            h_add(&h, ":", 1);
        h_add(&h, s[i], strlen(s[i]));
    }
    return h_end(&h, hex_out);
}

static int is_hash_hex(ac_digest_alg_e alg, const char *hex)
{
    return hex && (unsigned)alg <= AC_DIGEST_SHA512_256
           && all_hex(hex, ac_digest_hex_len(alg));
}

apr_status_t ac_digest_h(ac_digest_alg_e alg, const void *data,
                         apr_size_t len, char *hex_out)
{
    h_feed h;

    h_begin(&h, NULL, alg);
    h_add(&h, data, len);
    return h_end(&h, hex_out);
}

struct ac_digest_h_state {
    h_feed h;
};

apr_status_t ac_digest_h_start(ac_digest_alg_e alg, ac_digest_h_state **st)
{
    ac_digest_h_state *s = OPENSSL_zalloc(sizeof(*s));

    *st = NULL;
    if (!s)
        return APR_EGENERAL;
    h_begin(&s->h, NULL, alg);
    if (!s->h.ok) {
        ac_digest_h_free(s);
        return APR_EGENERAL;
    }
    *st = s;
    return APR_SUCCESS;
}

apr_status_t ac_digest_h_add(ac_digest_h_state *st, const void *data,
                             apr_size_t len)
{
    h_add(&st->h, data, len);
    return st->h.ok ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t ac_digest_h_finish(ac_digest_h_state *st, char *hex_out)
{
    apr_status_t rv = h_end(&st->h, hex_out);

    ac_digest_h_free(st);
    return rv == APR_SUCCESS ? rv : APR_EGENERAL;
}

void ac_digest_h_free(ac_digest_h_state *st)
{
    if (st) {
        EVP_MD_CTX_free(st->h.own);
        OPENSSL_clear_free(st, sizeof(*st));
    }
}

apr_status_t ac_digest_ha1_sess(ac_digest_alg_e alg, const char *ha1_hex,
                                const char *nonce, const char *cnonce,
                                char *hex_out)
{
    const char *a1[3] = { ha1_hex, nonce, cnonce };

    hex_out[0] = '\0';
    if (!is_hash_hex(alg, ha1_hex))
        return APR_EINVAL;
    return h_join(NULL, alg, a1, 3, hex_out);
}

/*
 * The context of ac_digest_ha2 and ac_digest_response_ha2, kept per
 * thread: making and freeing one per request costs a third of the two
 * hashes. What it holds after a hash is that hash's output.
 */
static __thread EVP_MD_CTX *resp_ctx;

static EVP_MD_CTX *response_ctx(void)
{
    return resp_ctx ? resp_ctx : (resp_ctx = EVP_MD_CTX_new());
}

/* 1 for qop "auth-int", 0 for "auth", -1 for anything else */
static int qop_auth_int(const char *qop)
{
    return !qop ? -1 : !strcasecmp(qop, "auth") ? 0
           : !strcasecmp(qop, "auth-int") ? 1 : -1;
}

apr_status_t ac_digest_ha2(ac_digest_alg_e alg, const char *qop,
                           const char *method, const char *uri,
                           const char *body_hash_hex, char *hex_out)
{
    const char *a2[3] = { method, uri, body_hash_hex };
    int auth_int = qop_auth_int(qop);
    EVP_MD_CTX *ctx = response_ctx();

    hex_out[0] = '\0';
    if (auth_int < 0 || (auth_int && !is_hash_hex(alg, body_hash_hex)))
        return APR_EINVAL;
    return ctx ? h_join(ctx, alg, a2, auth_int ? 3 : 2, hex_out) : APR_ENOMEM;
}

apr_status_t ac_digest_response_ha2(ac_digest_alg_e alg, const char *ha1_hex,
                                     const char *nonce, const char *nc_hex8,
                                     const char *cnonce, const char *qop,
                                     const char *ha2_hex, char *hex_out)
{
    const char *kd[6] = { ha1_hex, nonce, nc_hex8, cnonce, qop, ha2_hex };
    EVP_MD_CTX *ctx = response_ctx();

    hex_out[0] = '\0';
    if (qop_auth_int(qop) < 0 || !is_hash_hex(alg, ha1_hex)
        || !is_hash_hex(alg, ha2_hex))
        return APR_EINVAL;
    /* KD(secret, data) = H(secret ":" data) */
    return ctx ? h_join(ctx, alg, kd, 6, hex_out) : APR_ENOMEM;
}

apr_status_t ac_digest_response(ac_digest_alg_e alg, const char *ha1_hex,
                                 const char *nonce, const char *nc_hex8,
                                 const char *cnonce, const char *qop,
                                 const char *method, const char *uri,
                                 const char *body_hash_hex, char *hex_out)
{
    char ha2[AC_DIGEST_HEX_MAX + 1];
    apr_status_t rv;

    hex_out[0] = '\0';
    if (!is_hash_hex(alg, ha1_hex))
        return APR_EINVAL;
    rv = ac_digest_ha2(alg, qop, method, uri, body_hash_hex, ha2);
    return rv == APR_SUCCESS ? ac_digest_response_ha2(alg, ha1_hex, nonce,
                                                      nc_hex8, cnonce, qop,
                                                      ha2, hex_out)
                             : rv;
}

apr_status_t ac_digest_userhash(ac_digest_alg_e alg, const char *user,
                                const char *realm, char *hex_out)
{
    const char *s[2] = { user, realm };

    return h_join(NULL, alg, s, 2, hex_out);
}

int ac_digest_hex_equal(const char *a, const char *b, apr_size_t len)
{
    /* lengths are public; only the bytes need a constant-time compare */
    return strnlen(a, len) == len && strnlen(b, len) == len
           && CRYPTO_memcmp(a, b, len) == 0;
}
