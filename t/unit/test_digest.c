/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for HTTP Digest (ac_digest.c, ac_digest_ctx.c): the RFC 7616
 * examples, the Authorization header parser, nonces, the nonce-count
 * window and sealed context records.
 */
#include <openssl/evp.h>

#include "tap.h"
#include "apr_general.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "ac_digest.h"
#include "ac_digest_ctx.h"
#include "ac_mac.h"

#define MUFASA_NONCE  "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define MUFASA_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define MUFASA_OPAQUE "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
#define MUFASA_REALM  "http-auth@example.org"
#define MUFASA_MD5    "8ca523f5e9506fed4657c9700eebdbec"
#define MUFASA_SHA256 \
    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
#define MUFASA_HEADER(alg, resp)                                        \
    "Digest username=\"Mufasa\", realm=\"" MUFASA_REALM "\", "          \
    "uri=\"/dir/index.html\", algorithm=" alg ", nonce=\""              \
    MUFASA_NONCE "\", nc=00000001, cnonce=\"" MUFASA_CNONCE "\", "      \
    "qop=auth, response=\"" resp "\", opaque=\"" MUFASA_OPAQUE "\""

/* RFC 7616 section 3.9.2 */
#define JASON         "J\xc3\xa4s\xc3\xb8n Doe"
#define JASON_REALM   "api@example.org"
#define JASON_PW      "Secret, or not?"
#define JASON_NONCE   "5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK"
#define JASON_CNONCE  "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v"
#define JASON_OPAQUE  "HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS"
/* as printed in the RFC: SHA-512 cut to 256 bits (erratum 4897) */
#define JASON_RFC_USERHASH \
    "488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec"
#define JASON_RFC_RESPONSE \
    "ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd"
/* with FIPS 180-4 SHA-512/256, as the erratum corrects them */
#define JASON_USERHASH \
    "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"
#define JASON_RESPONSE \
    "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"
#define JASON_TAIL                                                      \
    "realm=\"" JASON_REALM "\", uri=\"/doe.json\", algorithm=SHA-512-256, " \
    "nonce=\"" JASON_NONCE "\", nc=00000001, cnonce=\"" JASON_CNONCE    \
    "\", qop=auth, response=\"" JASON_RFC_RESPONSE "\", opaque=\""      \
    JASON_OPAQUE "\""

/* H(A1) as the RFC defines it, here from the core's H() and -sess step */
static apr_status_t test_ha1(ac_digest_alg_e alg, int sess, const char *user,
                             const char *realm, const char *password,
                             const char *nonce, const char *cnonce,
                             char *hex_out)
{
    char a1[1024], ha1[AC_DIGEST_HEX_MAX + 1];
    apr_status_t rv;

    snprintf(a1, sizeof(a1), "%s:%s:%s", user, realm, password);
    rv = ac_digest_h(alg, a1, strlen(a1), sess ? ha1 : hex_out);
    if (rv != APR_SUCCESS || !sess)
        return rv;
    return ac_digest_ha1_sess(alg, ha1, nonce, cnonce, hex_out);
}

static apr_pool_t *pool;

/* s with control characters as \xNN, for test names */
static const char *show(const char *s)
{
    char *out = apr_palloc(pool, 4 * strlen(s) + 1), *o = out;

    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            o += sprintf(o, "\\x%02x", (unsigned char)*s);
        else
            *o++ = *s;
    }
    *o = '\0';
    return out;
}

static int contains(const unsigned char *hay, apr_size_t n, const char *s)
{
    apr_size_t m = strlen(s), i;

    for (i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, s, m))
            return 1;
    return 0;
}

/* SHA-512 of the strings joined with ':', cut to 64 hex digits */
static void sha512_cut(const char *const *s, int n, char hex[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char d[64];
    unsigned int len = 0;
    int i;

    EVP_DigestInit_ex(ctx, EVP_sha512(), NULL);
    for (i = 0; i < n; i++) {
        if (i)
            EVP_DigestUpdate(ctx, ":", 1);
        EVP_DigestUpdate(ctx, s[i], strlen(s[i]));
    }
    EVP_DigestFinal_ex(ctx, d, &len);
    EVP_MD_CTX_free(ctx);
    for (i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
}

static void test_algorithms(void)
{
    static const struct {
        const char *name;
        ac_digest_alg_e alg;
        int sess;
    } names[] = {
        { "MD5", AC_DIGEST_MD5, 0 },
        { "MD5-sess", AC_DIGEST_MD5, 1 },
        { "SHA-256", AC_DIGEST_SHA256, 0 },
        { "SHA-256-sess", AC_DIGEST_SHA256, 1 },
        { "SHA-512-256", AC_DIGEST_SHA512_256, 0 },
        { "SHA-512-256-sess", AC_DIGEST_SHA512_256, 1 },
    };
    ac_digest_alg_e alg;
    int sess, i, good = 1;

    for (i = 0; i < 6; i++) {
        char *lower = apr_pstrdup(pool, names[i].name);
        char *c;

        for (c = lower; *c; c++)
            *c = (char)apr_tolower(*c);
        good = good
               && ac_digest_alg_parse(names[i].name, &alg, &sess)
                  == APR_SUCCESS
               && alg == names[i].alg && sess == names[i].sess
               && ac_digest_alg_parse(lower, &alg, &sess) == APR_SUCCESS
               && alg == names[i].alg && sess == names[i].sess
               && !strcmp(ac_digest_alg_name(alg, sess), names[i].name);
    }
    ok(good, "six algorithm names parse in any case and print back");
    ok(ac_digest_alg_parse("SHA-1", &alg, &sess) == APR_ENOTIMPL
       && ac_digest_alg_parse("MD5-", &alg, &sess) == APR_ENOTIMPL
       && ac_digest_alg_parse("SHA-256-sessx", &alg, &sess) == APR_ENOTIMPL
       && ac_digest_alg_parse("", &alg, &sess) == APR_ENOTIMPL,
       "other algorithm names refused");
    ok(ac_digest_hex_len(AC_DIGEST_MD5) == 32
       && ac_digest_hex_len(AC_DIGEST_SHA256) == 64
       && ac_digest_hex_len(AC_DIGEST_SHA512_256) == 64, "hex lengths");
}

static void test_rfc_examples(void)
{
    const char *jason[3] = { JASON, JASON_REALM, JASON_PW };
    const char *jason_uh[2] = { JASON, JASON_REALM };
    char ha1[AC_DIGEST_HEX_MAX + 1], out[AC_DIGEST_HEX_MAX + 1];
    char ha2[65], kd_ha1[65], cut[65];
    const char *kd[6];
    const char *a2[2] = { "GET", "/doe.json" };
    const struct { int alg; const char *name, *want; } mufasa[2] = {
        { AC_DIGEST_MD5, "MD5", MUFASA_MD5 },
        { AC_DIGEST_SHA256, "SHA-256", MUFASA_SHA256 },
    };
    apr_size_t i;
    ac_digest_req_t r;
    const char *why = NULL;
    const char *h;

    for (i = 0; i < 2; i++) {
        test_ha1(mufasa[i].alg, 0, "Mufasa", MUFASA_REALM, "Circle of Life",
                 NULL, NULL, ha1);
        ac_digest_response(mufasa[i].alg, ha1, MUFASA_NONCE, "00000001",
                           MUFASA_CNONCE, "auth", "GET", "/dir/index.html",
                           NULL, out);
        is_str(out, mufasa[i].want, "RFC 7616 3.9.1 %s response",
               mufasa[i].name);
    }
    out[0] = '\0';
    ok(ac_digest_ha2(AC_DIGEST_SHA256, "auth", "GET", "/dir/index.html", NULL,
                     ha2) == APR_SUCCESS
       && ac_digest_response_ha2(AC_DIGEST_SHA256, ha1, MUFASA_NONCE,
                                 "00000001", MUFASA_CNONCE, "auth", ha2, out)
          == APR_SUCCESS, "H(A2), then the response from it");
    is_str(out, MUFASA_SHA256, "the same 3.9.1 SHA-256 response in two steps");
    ok(ac_digest_ha2(AC_DIGEST_SHA256, "auth-int", "GET", "/", NULL, ha2)
       == APR_EINVAL && ac_digest_ha2(AC_DIGEST_SHA256, NULL, "GET", "/",
                                      NULL, ha2) == APR_EINVAL,
       "H(A2): auth-int without a body hash, and no qop, refused");
    ok(ac_digest_response_ha2(AC_DIGEST_SHA256, ha1, MUFASA_NONCE, "00000001",
                              MUFASA_CNONCE, "auth", "xyz", out) == APR_EINVAL,
       "a response from an H(A2) that is no hash: refused");

    /* the whole server path: parse, check, recompute, compare */
    h = MUFASA_HEADER("SHA-256", MUFASA_SHA256);
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS
       && ac_digest_req_check(&r, &why) == APR_SUCCESS
       && ac_digest_response(r.alg, ha1, r.nonce, r.nc_hex, r.cnonce,
                             r.qop_name, "GET", r.uri, NULL, out)
          == APR_SUCCESS
       && ac_digest_hex_equal(out, r.response, ac_digest_hex_len(r.alg)),
       "RFC 3.9.1 SHA-256 header verifies end to end");
    ok(!ac_digest_hex_equal(out, MUFASA_MD5 MUFASA_MD5, 64),
       "and another response does not");

    ac_digest_userhash(AC_DIGEST_SHA512_256, JASON, JASON_REALM, out);
    is_str(out, JASON_USERHASH, "3.9.2 userhash with SHA-512/256");
    test_ha1(AC_DIGEST_SHA512_256, 0, JASON, JASON_REALM, JASON_PW,
                  NULL, NULL, ha1);
    ac_digest_response(AC_DIGEST_SHA512_256, ha1, JASON_NONCE, "00000001",
                       JASON_CNONCE, "auth", "GET", "/doe.json", NULL, out);
    is_str(out, JASON_RESPONSE, "3.9.2 response with SHA-512/256");

    /* the values printed in the RFC come from SHA-512 cut to 256 bits */
    sha512_cut(jason_uh, 2, cut);
    is_str(cut, JASON_RFC_USERHASH, "RFC's printed userhash is cut SHA-512");
    sha512_cut(jason, 3, kd_ha1);
    sha512_cut(a2, 2, ha2);
    kd[0] = kd_ha1; kd[1] = JASON_NONCE; kd[2] = "00000001";
    kd[3] = JASON_CNONCE; kd[4] = "auth"; kd[5] = ha2;
    sha512_cut(kd, 6, cut);
    is_str(cut, JASON_RFC_RESPONSE, "RFC's printed response is cut SHA-512");

    h = "Digest username=\"" JASON_RFC_USERHASH "\", " JASON_TAIL
        ", userhash=true";
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS
       && r.userhash && !r.username_ext
       && !strcmp(r.username, JASON_RFC_USERHASH)
       && r.alg == AC_DIGEST_SHA512_256 && !r.sess,
       "3.9.2 userhash header parses");
    h = "Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, " JASON_TAIL
        ", userhash=false";
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS
       && !r.userhash && r.username_ext && !strcmp(r.username, JASON),
       "3.9.2 username* header decodes to the UTF-8 name");
}

/* a body hashed in pieces is the body hashed at once, for every algorithm */
static void test_streamed_hash(void)
{
    static const char body[] = "line one\nline two\n\0binary\xff tail";
    const apr_size_t n = sizeof(body) - 1;
    char whole[AC_DIGEST_HEX_MAX + 1], parts[AC_DIGEST_HEX_MAX + 1];
    ac_digest_h_state *st;
    int alg;

    for (alg = AC_DIGEST_MD5; alg <= AC_DIGEST_SHA512_256; alg++) {
        ac_digest_h(alg, body, n, whole);
        ok(ac_digest_h_start(alg, &st) == APR_SUCCESS
           && ac_digest_h_add(st, body, 3) == APR_SUCCESS
           && ac_digest_h_add(st, body + 3, 0) == APR_SUCCESS
           && ac_digest_h_add(st, body + 3, n - 3) == APR_SUCCESS
           && ac_digest_h_finish(st, parts) == APR_SUCCESS,
           "streamed hash computed");
        is_str(parts, whole, "streamed hash equals the one-shot hash");
    }
    ok(ac_digest_h_start(AC_DIGEST_SHA512_256 + 1, &st) == APR_EGENERAL
       && !st, "unknown algorithm refused");
    ac_digest_h_start(AC_DIGEST_SHA256, &st);
    ac_digest_h_free(st);     /* abandoned: freed, no leak under ASan */
}

/* H as lowercase hex, from OpenSSL directly: a reference for the core's */
static void ref_hex(const EVP_MD *md, const void *data, apr_size_t len,
                    char *hex)
{
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;

    EVP_Digest(data, len, dig, &n, md, NULL);
    for (i = 0; i < n; i++)
        sprintf(hex + 2 * i, "%02x", dig[i]);
    hex[2 * n] = '\0';
}

/*
 * The core gathers what it hashes in a 512-byte buffer: inputs and
 * pieces on either side of it, against OpenSSL's one-shot hash.
 */
static void test_feed_boundaries(void)
{
    static const int piece[] = { 1, 7, 511, 512, 513, 600, 1 };
    const EVP_MD *mds[2];
    char *data = apr_palloc(pool, 4000), *uri;
    char ref[AC_DIGEST_HEX_MAX + 1], out[AC_DIGEST_HEX_MAX + 1];
    ac_digest_h_state *st;
    apr_size_t len, at;
    int a, i, joined = 1, streamed = 1, empty = 1;

    mds[0] = EVP_md5();
    mds[1] = EVP_sha256();
    for (i = 0; i < 4000; i++)
        data[i] = (char)('a' + i % 26);
    for (a = 0; a < 2; a++) {
        ac_digest_alg_e alg = a ? AC_DIGEST_SHA256 : AC_DIGEST_MD5;

        for (len = 500; len <= 1100; len += len < 520 ? 1 : 290) {
            uri = apr_pstrcat(pool, "GET:/", apr_pstrndup(pool, data, len),
                              NULL);
            ref_hex(mds[a], uri, strlen(uri), ref);
            joined = joined && ac_digest_ha2(alg, "auth", "GET", uri + 4,
                                             NULL, out) == APR_SUCCESS
                     && !strcmp(out, ref);
        }
        ok(joined, "%s: H(A2) of 505 to 1,105 bytes as OpenSSL's",
           a ? "SHA-256" : "MD5");
        for (len = 0, i = 0; i < (int)(sizeof(piece) / sizeof(piece[0])); i++)
            len += (apr_size_t)piece[i];
        ref_hex(mds[a], data, len, ref);
        streamed = ac_digest_h_start(alg, &st) == APR_SUCCESS;
        for (at = 0, i = 0; i < (int)(sizeof(piece) / sizeof(piece[0])); i++) {
            streamed = streamed && ac_digest_h_add(st, data + at,
                                                   (apr_size_t)piece[i])
                                   == APR_SUCCESS;
            at += (apr_size_t)piece[i];
        }
        streamed = streamed && ac_digest_h_finish(st, out) == APR_SUCCESS
                   && !strcmp(out, ref);
        ok(streamed, "%s: pieces of 1 to 600 bytes streamed as OpenSSL's "
           "hash of them", a ? "SHA-256" : "MD5");
        ref_hex(mds[a], "", 0, ref);
        empty = ac_digest_h(alg, NULL, 0, out) == APR_SUCCESS
                && !strcmp(out, ref);
        ok(empty, "%s: the hash of nothing (no data pointer)",
           a ? "SHA-256" : "MD5");
    }
}

static void test_other_computations(void)
{
    char ha1[AC_DIGEST_HEX_MAX + 1], sess[AC_DIGEST_HEX_MAX + 1];
    char body[AC_DIGEST_HEX_MAX + 1], out[AC_DIGEST_HEX_MAX + 1];

    ac_digest_h(AC_DIGEST_SHA256, "hello world", 11, body);
    test_ha1(AC_DIGEST_SHA256, 0, "Mufasa", MUFASA_REALM,
                  "Circle of Life", NULL, NULL, ha1);
    ok(ac_digest_response(AC_DIGEST_SHA256, ha1, MUFASA_NONCE, "00000002",
                          MUFASA_CNONCE, "auth-int", "POST",
                          "/dir/index.html", body, out) == APR_SUCCESS,
       "auth-int response computed");
    is_str(out, "4aea324783b06fca6561899605f92b98"
                "a6e6a4bc8beb10d42b62e580efca098e",
           "auth-int response hashes the body hash into A2");
    ok(ac_digest_response(AC_DIGEST_SHA256, ha1, MUFASA_NONCE, "00000002",
                          MUFASA_CNONCE, "auth-int", "POST",
                          "/dir/index.html", NULL, out) == APR_EINVAL,
       "auth-int without a body hash refused");
    ok(ac_digest_response(AC_DIGEST_SHA256, ha1, MUFASA_NONCE, "00000002",
                          MUFASA_CNONCE, NULL, "GET", "/", NULL, out)
       == APR_EINVAL && out[0] == '\0', "no RFC 2069 responses (qop NULL)");
    ok(ac_digest_response(AC_DIGEST_SHA256, ha1, MUFASA_NONCE, "00000002",
                          MUFASA_CNONCE, "auth-conf", "GET", "/", NULL, out)
       == APR_EINVAL, "unknown qop refused");
    ok(ac_digest_response(AC_DIGEST_MD5, ha1, MUFASA_NONCE, "00000002",
                          MUFASA_CNONCE, "auth", "GET", "/", NULL, out)
       == APR_EINVAL, "H(A1) of another algorithm's length refused");

    test_ha1(AC_DIGEST_MD5, 0, "Mufasa", MUFASA_REALM, "Circle of Life",
                  NULL, NULL, ha1);
    is_str(ha1, "3d78807defe7de2157e2b0b6573a855f", "MD5 H(A1)");
    test_ha1(AC_DIGEST_MD5, 1, "Mufasa", MUFASA_REALM, "Circle of Life",
                  MUFASA_NONCE, MUFASA_CNONCE, sess);
    is_str(sess, "2b3d906f52651c3136e1502b3d6f38ee", "MD5-sess H(A1)");
    ac_digest_ha1_sess(AC_DIGEST_MD5, ha1, MUFASA_NONCE, MUFASA_CNONCE, out);
    is_str(out, sess, "ha1_sess of the plain H(A1) is the same");
    ac_digest_response(AC_DIGEST_MD5, sess, MUFASA_NONCE, "00000001",
                       MUFASA_CNONCE, "auth", "GET", "/dir/index.html", NULL,
                       out);
    is_str(out, "e783283f46242139c486a698fec7211d", "MD5-sess response");
    ok(test_ha1(AC_DIGEST_MD5, 1, "u", "r", "p", NULL, "c", out)
       == APR_EINVAL, "-sess H(A1) without a nonce refused");

    ok(ac_digest_hex_equal("abcd", "abcd", 4)
       && !ac_digest_hex_equal("abcd", "abce", 4)
       && !ac_digest_hex_equal("abc", "abcd", 4)
       && !ac_digest_hex_equal("abcd", "abc", 4),
       "hex_equal: equal, different, short on either side");
}

typedef struct {
    const char *value;
    const char *why;            /* NULL: accepted; else part of the reason */
} parse_case;

#define MD5R   "8ca523f5e9506fed4657c9700eebdbec"
#define BASE   "realm=\"r\", nonce=\"n\", uri=\"/\", response=\"" MD5R "\""
#define USER   "Digest username=\"u\", "
#define QOP    ", qop=auth, nc=00000001, cnonce=\"c\""

static void test_parser(void)
{
    static const parse_case cases[] = {
        { MUFASA_HEADER("MD5", MUFASA_MD5), NULL },
        { MUFASA_HEADER("SHA-256", MUFASA_SHA256), NULL },
        { "digest username=\"u\", " BASE QOP, NULL },
        { "DIGEST   username=\"u\", " BASE QOP, NULL },
        { "Digest username=u, " BASE ", qop=\"auth\", nc=\"00000001\", "
          "cnonce=c, algorithm=\"MD5\"", NULL },
        { "Digest username = \"u\" ,realm= \"r\",nonce =\"n\",\turi=\"/\","
          "response\t=\t\"" MD5R "\"  ", NULL },
        { "Digest , username=\"u\",, " BASE ",", NULL },
        { USER BASE ", foo=bar, baz=\"q\\\"x\", x-y*=UTF-8''a", NULL },
        { USER BASE ", qop=auth-int, nc=0000abcD, cnonce=\"c\"", NULL },
        /* one letter off a known name: unknown, dropped (compared whole,
         * in words where 16 bytes follow, bytewise at the end) */
        { USER "usernamex=\"v\", responsf=\"x\", " BASE, NULL },
        { USER BASE ", usernamex=\"v\"", NULL },
        { USER BASE ", algorithm=md5-SESS" QOP, NULL },
        { USER BASE ", userhash=FALSE", NULL },
        { "Digest username=\"J\xc3\xa4s\xc3\xb8n\", " BASE, NULL },
        { USER "realm=\"\", nonce=\"n\", uri=\"/\", response=\"" MD5R "\"",
          NULL },
        { USER BASE, NULL },            /* no qop: ac_digest_req_check */
        { "Basic dTpw", "not Digest" },
        { "Digestive username=\"u\"", "not Digest" },
        { "", "not Digest" },
        { "Digest", "no parameters" },
        { "Digest\tusername=\"u\", " BASE, "no space" },
        { "Digest ,", "empty parameter list" },
        { "Digest  , ,, ", "empty parameter list" },
        { USER "realm=\"r", "unterminated" },
        { USER "realm=\"r\\\"", "unterminated" },
        { USER "realm=\"r\\", "backslash" },
        { USER BASE ", username=\"v\"", "duplicate" },
        { USER BASE ", Realm=\"r\"", "duplicate" },
        { USER BASE ", =x", "empty parameter name" },
        { USER BASE ", foo", "missing '='" },
        { "Digest username, " BASE, "missing '='" },
        { USER BASE ", foo bar=1", "missing '='" },
        { USER BASE ", ;x=1", "unexpected character" },
        { USER "realm=, nonce=\"n\"", "empty or malformed" },
        { USER BASE ", realm2=\"r\" x", "trailing garbage" },
        { USER BASE ", x=\"r\"y", "trailing garbage" },
        { USER BASE ", uri2=a/b", "trailing garbage" },
        { USER BASE ", uri2=/a/b", "empty or malformed" },
        { USER BASE ", foo=\"a\x01" "b\"", "control character" },
        { USER BASE ", foo=\"a\tb\"", "control character" },
        { USER BASE ", foo=\"a\\\x7f\"", "control character" },
        { "Digest " BASE, "missing username" },
        { USER "nonce=\"n\", uri=\"/\", response=\"" MD5R "\"",
          "missing realm" },
        { USER "realm=\"r\", uri=\"/\", response=\"" MD5R "\"",
          "missing nonce" },
        { USER "realm=\"r\", nonce=\"n\", response=\"" MD5R "\"",
          "missing uri" },
        { USER "realm=\"r\", nonce=\"n\", uri=\"/\"", "missing response" },
        { USER BASE ", qop=auth, nc=00000001", "missing cnonce" },
        { USER BASE ", qop=auth, cnonce=\"c\"", "missing nc" },
        { USER BASE ", qop=auth, nc=0000001, cnonce=\"c\"", "nc is not" },
        { USER BASE ", qop=auth, nc=000000001, cnonce=\"c\"", "nc is not" },
        { USER BASE ", qop=auth, nc=0000000g, cnonce=\"c\"", "nc is not" },
        { USER BASE ", qop=auth, nc=\"\", cnonce=\"c\"", "nc is not" },
        { USER BASE ", qop=auth-conf, nc=00000001, cnonce=\"c\"",
          "qop is neither" },
        { USER BASE ", qop=\"auth,auth-int\", nc=00000001, cnonce=\"c\"",
          "qop is neither" },
        { USER BASE ", algorithm=SHA-256", "response is not" },
        { USER "realm=\"r\", nonce=\"n\", uri=\"/\", response=\"xyz\"",
          "response is not" },
        { USER "realm=\"r\", nonce=\"n\", uri=\"/\", response=\""
          "8ca523f5e9506fed4657c9700eebdbeg\"", "response is not" },
        { USER BASE ", algorithm=SHA-1", "unsupported algorithm" },
        { USER BASE ", userhash=yes", "userhash is neither" },
        { USER BASE ", username*=UTF-8''u", "both username and username*" },
        { "Digest username*=UTF-8''u, userhash=true, " BASE,
          "username* with userhash" },
        { "Digest username*=ISO-8859-1''u, " BASE, "UTF-8" },
        { "Digest username*=\"u\", " BASE, "UTF-8" },
        { "Digest username*=UTF-8''%C, " BASE, "percent" },
        { "Digest username*=UTF-8''%zz, " BASE, "percent" },
        { "Digest username*=UTF-8''%C3, " BASE, "not UTF-8" },
        { "Digest username*=UTF-8''%00x, " BASE, "control character" },
        { "Digest username*=\"UTF-8''a b\", " BASE, "percent-encode" },
        { "Digest username*=UTF-8'e%n'a, " BASE, "language" },
    };
    apr_size_t i;
    ac_digest_req_t r;
    const char *why;
    char *big, *huge;
    const char *h;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        apr_status_t rv;

        why = NULL;
        rv = ac_digest_parse(cases[i].value, strlen(cases[i].value), pool,
                             &r, &why);
        if (!cases[i].why)
            ok(rv == APR_SUCCESS, "accepted: %s%s%s", show(cases[i].value),
               why ? " # " : "", why ? why : "");
        else {
            ok(rv == APR_EINVAL && why && strstr(why, cases[i].why),
               "refused (%s): %s", cases[i].why, show(cases[i].value));
            if (!(why && strstr(why, cases[i].why)))
                printf("#   reason was '%s'\n", why ? why : "(none)");
        }
    }

    h = MUFASA_HEADER("MD5", MUFASA_MD5);
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS
       && !strcmp(r.username, "Mufasa") && !strcmp(r.realm, MUFASA_REALM)
       && !strcmp(r.nonce, MUFASA_NONCE) && !strcmp(r.uri, "/dir/index.html")
       && !strcmp(r.response, MUFASA_MD5) && !strcmp(r.cnonce, MUFASA_CNONCE)
       && !strcmp(r.opaque, MUFASA_OPAQUE) && r.alg == AC_DIGEST_MD5
       && !r.sess && r.qop == AC_DIGEST_QOP_AUTH
       && !strcmp(r.qop_name, "auth") && r.nc == 1
       && !strcmp(r.nc_hex, "00000001") && !r.userhash && !r.username_ext,
       "RFC 3.9.1 MD5 header: every field");
    h = "Digest USERNAME=\"u\", REALM=\"r\", NONCE=\"n\", URI=\"/\", "
        "RESPONSE=\"" MD5R "\", QOP=auth, NC=00000001, CNONCE=\"c\", "
        "OPAQUE=\"o\", ALGORITHM=MD5-sess, USERHASH=false";
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS
       && !strcmp(r.username, "u") && !strcmp(r.realm, "r")
       && !strcmp(r.nonce, "n") && !strcmp(r.uri, "/")
       && !strcmp(r.response, MD5R) && r.qop == AC_DIGEST_QOP_AUTH
       && r.nc == 1 && !strcmp(r.cnonce, "c") && !strcmp(r.opaque, "o")
       && r.sess && !r.userhash, "every name in upper case: every field");
    h = "Digest Username*=UTF-8''u, " BASE;
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS
       && r.username_ext && !strcmp(r.username, "u"), "Username*: %s",
       r.username ? r.username : "");
    h = USER BASE;
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS
       && r.alg == AC_DIGEST_MD5 && r.qop == AC_DIGEST_QOP_NONE
       && !r.cnonce && !r.nc_hex && !r.opaque,
       "defaults: MD5, no qop, no cnonce, nc or opaque");
    why = NULL;
    ok(ac_digest_req_check(&r, &why) == APR_EINVAL && why
       && strstr(why, "RFC 2069"), "no qop refused by req_check: %s",
       why ? why : "");
    h = USER BASE ", foo=\"a\\\"b\\\\c\", username2=\"x\\yz\"";
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS,
       "quoted-pairs in unknown parameters");
    h = "Digest username=\"a\\\"b\\\\c\\d\", " BASE;
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS
       && !strcmp(r.username, "a\"b\\cd"), "quoted-pairs undone: %s",
       r.username ? r.username : "");
    h = USER "realm=\"r\", nonce=\"n\", uri=\"/\", response=\""
        "8CA523F5E9506FED4657C9700EEBDBEC\"" QOP;
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS
       && !strcmp(r.response, MD5R), "uppercase response lowercased");
    h = USER BASE ", qop=auth-int, nc=0000abcD, cnonce=\"c\"";
    ok(ac_digest_parse(h, strlen(h), pool, &r, &why) == APR_SUCCESS
       && r.qop == AC_DIGEST_QOP_AUTH_INT && r.nc == 0xabcd
       && !strcmp(r.nc_hex, "0000abcD"), "auth-int; nc kept as sent");

    h = USER BASE ", foo=\"a\0b\"";
    why = NULL;
    ok(ac_digest_parse(h, strlen(USER BASE) + 11, pool, &r, &why)
       == APR_EINVAL && why && strstr(why, "control"),
       "NUL in a quoted value refused");
    h = USER BASE ", foo=a\0b";
    why = NULL;
    ok(ac_digest_parse(h, strlen(USER BASE) + 9, pool, &r, &why)
       == APR_EINVAL && why, "NUL after a token refused: %s", why);

    /* limits: a value of 1024 bytes passes, 1025 does not; header 8192 */
    big = apr_pcalloc(pool, 2000);
    memcpy(big, USER BASE ", foo=\"", strlen(USER BASE ", foo=\""));
    memset(big + strlen(big), 'a', AC_DIGEST_VALUE_MAX);
    strcat(big, "\"");
    ok(ac_digest_parse(big, strlen(big), pool, &r, &why) == APR_SUCCESS,
       "quoted value of %d bytes accepted", AC_DIGEST_VALUE_MAX);
    big[strlen(big) - 1] = 'a';
    strcat(big, "\"");
    why = NULL;
    ok(ac_digest_parse(big, strlen(big), pool, &r, &why) == APR_EINVAL
       && why && strstr(why, "too long"), "quoted value of 1025 refused");
    big[strlen(big) - 1] = '\0';     /* now foo=aaa... unquoted */
    memmove(strstr(big, "foo=\"") + 4, strstr(big, "foo=\"") + 5,
            strlen(strstr(big, "foo=\"") + 5) + 1);
    why = NULL;
    ok(ac_digest_parse(big, strlen(big), pool, &r, &why) == APR_EINVAL
       && why && strstr(why, "too long"), "token value of 1025 refused");
    huge = apr_pcalloc(pool, AC_DIGEST_HEADER_MAX + 100);
    strcpy(huge, USER BASE);
    while (strlen(huge) < AC_DIGEST_HEADER_MAX - 10)
        strcat(huge, ", x=y");
    ok(ac_digest_parse(huge, strlen(huge), pool, &r, &why) == APR_SUCCESS,
       "header of %d bytes accepted", (int)strlen(huge));
    memset(huge + strlen(huge), ' ', AC_DIGEST_HEADER_MAX + 1
                                      - strlen(huge));
    why = NULL;
    ok(ac_digest_parse(huge, AC_DIGEST_HEADER_MAX + 1, pool, &r, &why)
       == APR_EINVAL && why && strstr(why, "too long"),
       "header of %d bytes refused", AC_DIGEST_HEADER_MAX + 1);
}

static const unsigned char nonce_key[AC_DIGEST_KEY_LEN] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
};

/* a MAC context keyed with key (the nonce API takes the server's) */
static ac_mac_t *mac_of(const unsigned char *key)
{
    ac_keyring_t *kr;
    ac_mac_t *m = NULL;

    if (ac_keyring_create(&kr, key, AC_DIGEST_KEY_LEN, pool) == APR_SUCCESS)
        ac_mac_create(&m, kr, pool);
    return m;
}

static apr_status_t check_nonce(const char *realm, const char *opaque,
                                const char *nonce, apr_time_t now,
                                int *stale, const char **why)
{
    *why = NULL;
    *stale = -1;
    return ac_digest_nonce_check(mac_of(nonce_key), realm, opaque, nonce, now,
                                 apr_time_from_sec(300), stale, why);
}

static void test_nonces(void)
{
    static const unsigned char rnd[16] = {
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
        0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
    };
    const apr_time_t now = apr_time_from_sec(1700000000) + 250000;
    unsigned char other_key[AC_DIGEST_KEY_LEN];
    char opaque[AC_DIGEST_OPAQUE_LEN + 1], nonce[AC_DIGEST_NONCE_LEN + 1];
    char nonce2[AC_DIGEST_NONCE_LEN + 1], bad[AC_DIGEST_NONCE_LEN + 2];
    const char *why;
    int stale, i, all;

    ac_digest_opaque_make(rnd, opaque);
    is_str(opaque, "00112233445566778899aabbccddeeff", "opaque is hex");
    ok(ac_digest_opaque_valid(opaque)
       && !ac_digest_opaque_valid("00112233445566778899AABBCCDDEEFF")
       && !ac_digest_opaque_valid("00112233445566778899aabbccddeef")
       && !ac_digest_opaque_valid("00112233445566778899aabbccddeeff0")
       && !ac_digest_opaque_valid(MUFASA_OPAQUE)
       && !ac_digest_opaque_valid(""), "opaque_valid");

    ok(ac_digest_nonce_make(mac_of(nonce_key), "r", opaque, now, nonce)
       == APR_SUCCESS && strlen(nonce) == AC_DIGEST_NONCE_LEN
       && strspn(nonce, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789-_") == AC_DIGEST_NONCE_LEN,
       "nonce is %d base64url characters: %s", AC_DIGEST_NONCE_LEN, nonce);
    ok(check_nonce("r", opaque, nonce, now, &stale, &why) == APR_SUCCESS
       && stale == 0, "fresh nonce accepted");
    ok(check_nonce("r", opaque, nonce, now + apr_time_from_sec(299), &stale,
                   &why) == APR_SUCCESS && stale == 0,
       "fresh just inside its lifetime");
    ok(check_nonce("r", opaque, nonce, now + apr_time_from_sec(301), &stale,
                   &why) == APR_SUCCESS && stale == 1,
       "stale after its lifetime (authentic)");
    ok(check_nonce("r", opaque, nonce, now + apr_time_from_sec(86400 * 400),
                   &stale, &why) == APR_SUCCESS && stale == 1,
       "stale a year later");
    ok(check_nonce("r2", opaque, nonce, now, &stale, &why) == APR_EINVAL
       && why, "another realm refused: %s", why);
    ok(check_nonce("r", "ffeeddccbbaa99887766554433221100", nonce, now,
                   &stale, &why) == APR_EINVAL && why,
       "another opaque refused");
    memcpy(other_key, nonce_key, sizeof(other_key));
    other_key[31] ^= 1;
    stale = -1;
    ok(ac_digest_nonce_check(mac_of(other_key), "r", opaque, nonce, now,
                             apr_time_from_sec(300), &stale, &why)
       == APR_EINVAL, "another key refused");
    ok(check_nonce("r", opaque, nonce, now - apr_time_from_sec(59), &stale,
                   &why) == APR_SUCCESS && stale == 0,
       "59 s in the future accepted (clock skew)");
    ok(check_nonce("r", opaque, nonce, now - apr_time_from_sec(62), &stale,
                   &why) == APR_EINVAL && why && strstr(why, "future"),
       "62 s in the future refused: %s", why);

    for (i = 0, all = 1; i < AC_DIGEST_NONCE_LEN; i++) {
        strcpy(bad, nonce);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        all = all && check_nonce("r", opaque, bad, now, &stale, &why)
                     == APR_EINVAL && why;
    }
    ok(all, "a changed character anywhere refused");
    strcpy(bad, nonce);
    bad[5] = '+';
    ok(check_nonce("r", opaque, bad, now, &stale, &why) == APR_EINVAL
       && strstr(why, "malformed"), "non-base64url character refused");
    strcpy(bad, nonce);
    bad[AC_DIGEST_NONCE_LEN - 1] = '\0';
    ok(check_nonce("r", opaque, bad, now, &stale, &why) == APR_EINVAL
       && strstr(why, "malformed"), "short nonce refused");
    strcpy(bad, nonce);
    strcat(bad, "A");
    ok(check_nonce("r", opaque, bad, now, &stale, &why) == APR_EINVAL
       && strstr(why, "malformed"), "long nonce refused");
    ok(check_nonce("r", opaque, MUFASA_NONCE, now, &stale, &why)
       == APR_EINVAL, "someone else's nonce refused");

    ac_digest_nonce_make(mac_of(nonce_key), "r", "ffeeddccbbaa99887766554433221100",
                         now, nonce2);
    ok(strcmp(nonce, nonce2) != 0, "another opaque, another nonce");
    ac_digest_nonce_make(mac_of(nonce_key), "r", opaque,
                         now + apr_time_from_sec(1), nonce2);
    ok(strcmp(nonce, nonce2) != 0, "a second later, another nonce");
    ok(ac_digest_nonce_time(nonce2) == apr_time_from_sec(apr_time_sec(now) + 1)
       && ac_digest_nonce_time(nonce) == apr_time_from_sec(apr_time_sec(now)),
       "ac_digest_nonce_time reads the second a nonce was made");
    ok(ac_digest_nonce_time("short") == -1
       && ac_digest_nonce_time("!!!!!!!!!!!!!!!!!!!!") == -1,
       "ac_digest_nonce_time: -1 for malformed nonces");
}

static void test_nc_window(void)
{
    static const struct {
        apr_uint32_t nc;
        const char *why;        /* NULL: accepted */
    } seq[] = {
        { 1, NULL }, { 2, NULL }, { 3, NULL }, { 2, "replay" },
        { 5, NULL }, { 4, NULL }, { 4, "replay" }, { 5, "replay" },
        { 0, "0" }, { 70, NULL }, { 6, "too old" }, { 7, NULL },
        { 7, "replay" }, { 69, NULL }, { 68, NULL }, { 3, "too old" },
        { 1070, NULL }, { 70, "too old" }, { 1006, "too old" },
        { 1007, NULL }, { 1069, NULL }, { 1070, "replay" },
        { 1071, NULL }, { 1007, "too old" }, { 1008, NULL },
        { 0xffffffffU, NULL }, { 0xffffffffU, "replay" },
        { 0xfffffffeU, NULL }, { 1071, "too old" },
    };
    ac_digest_nc_t w = { 0, 0 }, before;
    apr_size_t i;

    for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        const char *why = NULL;
        apr_status_t rv;

        before = w;
        rv = ac_digest_nc_accept(&w, seq[i].nc, &why);
        if (!seq[i].why)
            ok(rv == APR_SUCCESS, "nc %u accepted", seq[i].nc);
        else
            ok(rv == APR_EINVAL && why && strstr(why, seq[i].why)
               && w.highest == before.highest && w.seen == before.seen,
               "nc %u refused (%s)", seq[i].nc, why ? why : "no reason");
    }
}

static void fill_ctx(ac_digest_ctx_t *c, const char *scope,
                     const char *realm, const char *user, const char *domain,
                     ac_digest_alg_e alg, apr_time_t now)
{
    memset(c, 0, sizeof(*c));
    c->scope = scope;
    c->realm = realm;
    c->user = user;
    c->domain = domain;
    c->alg = alg;
    c->sess = 1;
    test_ha1(alg, 0, user, realm, "secret", NULL, NULL, c->ha1);
    c->created = now;
    c->expires = now + apr_time_from_sec(3600);
}

static int same_ctx(const ac_digest_ctx_t *a, const ac_digest_ctx_t *b)
{
    return !strcmp(a->scope, b->scope) && !strcmp(a->realm, b->realm)
           && !strcmp(a->user, b->user)
           && !strcmp(a->domain ? a->domain : "", b->domain)
           && a->alg == b->alg
           && a->sess == b->sess && !strcmp(a->ha1, b->ha1)
           && a->created == b->created && a->expires == b->expires;
}

static void test_ctx(void)
{
    const char *op = "00112233445566778899aabbccddeeff";
    const apr_time_t now = apr_time_from_sec(1700000000) + 123456;
    unsigned char key[AC_DIGEST_KEY_LEN], iv[AC_DIGEST_IV_LEN] = { 7, 7 };
    unsigned char *rec, *copy;
    apr_size_t len, i;
    ac_digest_ctx_t c, back;
    const char *why;
    char *long_str;
    int all;

    memcpy(key, nonce_key, sizeof(key));
    key[0] = 0xaa;
    fill_ctx(&c, "www.example.com", "Staff", "alice", "EXAMPLE",
             AC_DIGEST_SHA256, now);
    ok(ac_digest_ctx_seal(key, op, &c, iv, pool, &rec, &len) == APR_SUCCESS,
       "context sealed");
    printf("# sealed context (SHA-256, alice/Staff/www.example.com/EXAMPLE):"
           " %u bytes\n", (unsigned)len);
    ok(len < 400, "record is %u bytes (< 400)", (unsigned)len);
    ok(ac_digest_ctx_open(key, op, rec, len, pool, &back, &why)
       == APR_SUCCESS && same_ctx(&c, &back), "roundtrip: every field back");
    ok(!contains(rec, len, "alice") && !contains(rec, len, "Staff"),
       "nothing readable in the record");

    copy = apr_pmemdup(pool, rec, len);
    for (i = 0, all = 1; i < len; i++) {
        copy[i] ^= 0x10;
        why = NULL;
        all = all && ac_digest_ctx_open(key, op, copy, len, pool, &back, &why)
                     == APR_EINVAL && why;
        copy[i] ^= 0x10;
    }
    ok(all, "a changed bit in any of the %u bytes refused", (unsigned)len);
    for (i = 0, all = 1; i < len; i++)
        all = all && ac_digest_ctx_open(key, op, rec, i, pool, &back, &why)
                     == APR_EINVAL;
    ok(all, "every truncation refused");
    copy = apr_palloc(pool, len + 1);
    memcpy(copy, rec, len);
    copy[len] = 0;
    ok(ac_digest_ctx_open(key, op, copy, len + 1, pool, &back, &why)
       == APR_EINVAL, "a byte appended refused");
    why = NULL;
    ok(ac_digest_ctx_open(key, "ffeeddccbbaa99887766554433221100", rec, len,
                          pool, &back, &why) == APR_EINVAL && why
       && back.user == NULL, "another opaque refused: %s", why);
    key[5] ^= 1;
    ok(ac_digest_ctx_open(key, op, rec, len, pool, &back, &why)
       == APR_EINVAL, "another key refused");
    key[5] ^= 1;
    copy = apr_pmemdup(pool, rec, len);
    copy[0] = AC_DIGEST_CTX_VERSION + 1;
    why = NULL;
    ok(ac_digest_ctx_open(key, op, copy, len, pool, &back, &why)
       == APR_EINVAL && why && strstr(why, "version"),
       "another version refused");

    fill_ctx(&c, "intranet.example.com", "Example Corp intranet",
             "alice.smith@example.com", NULL, AC_DIGEST_MD5, now);
    ok(ac_digest_ctx_seal(key, op, &c, iv, pool, &rec, &len) == APR_SUCCESS
       && ac_digest_ctx_open(key, op, rec, len, pool, &back, &why)
          == APR_SUCCESS && same_ctx(&c, &back) && !strcmp(back.domain, "")
       && back.alg == AC_DIGEST_MD5 && strlen(back.ha1) == 32,
       "MD5 context, no domain: roundtrip");
    printf("# sealed context (MD5, alice.smith@example.com, no domain): "
           "%u bytes\n", (unsigned)len);
    fill_ctx(&c, "intranet.example.com", "Example Corp intranet",
             "alice.smith@example.com", "EXAMPLE", AC_DIGEST_SHA512_256, now);
    ok(ac_digest_ctx_seal(key, op, &c, iv, pool, &rec, &len) == APR_SUCCESS
       && len < 400, "SHA-512-256 context of a longer name: %u bytes",
       (unsigned)len);

    c.ha1[3] = 'x';
    ok(ac_digest_ctx_seal(key, op, &c, iv, pool, &rec, &len) == APR_EINVAL,
       "ha1 not hex: not sealed");
    fill_ctx(&c, "s", "r", "u", "d", AC_DIGEST_SHA256, now);
    c.ha1[32] = '\0';
    ok(ac_digest_ctx_seal(key, op, &c, iv, pool, &rec, &len) == APR_EINVAL,
       "ha1 of another algorithm's length: not sealed");
    fill_ctx(&c, "s", "r", "u", "d", AC_DIGEST_SHA256, now);
    long_str = apr_pcalloc(pool, 70000);
    memset(long_str, 'u', 65536);
    c.user = long_str;
    ok(ac_digest_ctx_seal(key, op, &c, iv, pool, &rec, &len) == APR_EINVAL,
       "user of 65536 bytes: not sealed");
    long_str[65535] = '\0';
    ok(ac_digest_ctx_seal(key, op, &c, iv, pool, &rec, &len) == APR_SUCCESS
       && ac_digest_ctx_open(key, op, rec, len, pool, &back, &why)
          == APR_SUCCESS && strlen(back.user) == 65535,
       "user of 65535 bytes: roundtrip");
}

static void test_window(void)
{
    const char *op = "00112233445566778899aabbccddeeff";
    unsigned char rec[AC_DIGEST_WINDOW_LEN], copy[AC_DIGEST_WINDOW_LEN + 1];
    ac_digest_window_t w, back;
    const char *why;
    apr_size_t i;
    int all;

    memset(&w, 0, sizeof(w));
    ac_digest_nonce_make(mac_of(nonce_key), "r", op,
                         apr_time_from_sec(1700000000), w.nonce);
    w.nc.highest = 41;
    w.nc.seen = APR_UINT64_C(0x8000000000000005);
    ok(ac_digest_window_encode(mac_of(nonce_key), op, &w, rec)
       == APR_SUCCESS, "window encoded in %d bytes", AC_DIGEST_WINDOW_LEN);
    ok(ac_digest_window_decode(mac_of(nonce_key), op, rec, sizeof(rec),
                               &back, &why) == APR_SUCCESS
       && !strcmp(back.nonce, w.nonce) && back.nc.highest == 41
       && back.nc.seen == w.nc.seen, "window roundtrip");
    memcpy(copy, rec, sizeof(rec));
    for (i = 0, all = 1; i < sizeof(rec); i++) {
        copy[i] ^= 0x01;
        why = NULL;
        all = all && ac_digest_window_decode(mac_of(nonce_key), op, copy,
                                             sizeof(rec), &back, &why)
                     == APR_EINVAL && why && back.nc.highest == 0;
        copy[i] ^= 0x01;
    }
    ok(all, "a changed bit in any of the %d bytes refused",
       AC_DIGEST_WINDOW_LEN);
    ok(ac_digest_window_decode(mac_of(nonce_key), op, rec, sizeof(rec) - 1,
                               &back, &why) == APR_EINVAL
       && ac_digest_window_decode(mac_of(nonce_key), op, copy,
                                  sizeof(rec) + 1, &back, &why)
          == APR_EINVAL, "a record cut or grown refused");
    why = NULL;
    ok(ac_digest_window_decode(mac_of(nonce_key),
                               "ffeeddccbbaa99887766554433221100", rec,
                               sizeof(rec), &back, &why) == APR_EINVAL
       && why && strstr(why, "opaque"), "moved to another opaque: refused");
    ok(ac_digest_window_encode(NULL, op, &w, rec) == APR_SUCCESS
       && ac_digest_window_decode(NULL, op, rec, sizeof(rec), &back, &why)
          == APR_SUCCESS && back.nc.highest == 41
       && ac_digest_window_decode(mac_of(nonce_key), op, rec, sizeof(rec),
                                  &back, &why) == APR_EINVAL,
       "without a MAC (private store): roundtrip, refused where one is "
       "expected");
    w.nonce[10] = '\0';
    ok(ac_digest_window_encode(mac_of(nonce_key), op, &w, rec) == APR_EINVAL,
       "short nonce: not encoded");
}

static void test_derive(void)
{
    const char *secret = "0123456789abcdef0123456789abcdef";
    unsigned char a[32], b[32], c[32], d[32];
    ac_keyring_t *kr, *kr2;
    ac_mac_t *m, *m2;

    ac_keyring_create(&kr, (const unsigned char *)secret, 32, pool);
    ac_keyring_create(&kr2, (const unsigned char *)"x123456789abcdef"
                      "0123456789abcdef", 32, pool);
    ac_mac_create(&m, kr, pool);
    ac_mac_create(&m2, kr2, pool);
    ok(ac_mac_derive(m, "digest-nonce", a) == APR_SUCCESS
       && ac_mac_derive(m, "digest-nonce", b) == APR_SUCCESS
       && !memcmp(a, b, 32), "ac_mac_derive is a function of the label");
    ac_mac_derive(m, "digest-ctx", c);
    ac_mac_derive(m2, "digest-nonce", d);
    ok(memcmp(a, c, 32) && memcmp(a, d, 32),
       "other label or other secret: another key");
}

/* a user's roster: bounded live contexts, dropped ones remembered */
static void test_roster(void)
{
    static ac_digest_roster_t ro, back;
    unsigned char op[8][16], gone[16];
    unsigned char buf[AC_DIGEST_ROSTER_LEN(AC_DIGEST_ROSTER_MAX,
                                           AC_DIGEST_ROSTER_MAX)];
    apr_time_t now = apr_time_from_sec(1000000);
    apr_size_t len;
    int i, evicted = 0;

    memset(&ro, 0, sizeof(ro));
    for (i = 0; i < 8; i++)
        memset(op[i], i + 1, 16);
    for (i = 0; i < 4; i++)
        evicted += ac_digest_roster_add(&ro, op[i], now + i + 100, now, 4,
                                        120, gone);
    ok(ro.n == 4 && !evicted && ro.nd == 0, "four contexts fit a max of 4");
    ok(ac_digest_roster_add(&ro, op[4], now + 200, now, 4, 120, gone) == 1
       && !memcmp(gone, op[0], 16) && ro.n == 4,
       "a fifth drops the one expiring first");
    ok(ro.nd == 1 && ac_digest_roster_dropped(&ro, op[0], now)
       && !ac_digest_roster_dropped(&ro, op[1], now),
       "the dropped one is remembered, a live one is not 'dropped'");
    ok(!ac_digest_roster_dropped(&ro, op[0], now + 120),
       "remembered only until now + remember");
    len = ac_digest_roster_encode(&ro, buf);
    ok(len == AC_DIGEST_ROSTER_LEN(4, 1)
       && ac_digest_roster_decode(buf, len, &back) == APR_SUCCESS
       && back.n == 4 && back.nd == 1 && !memcmp(back.dropped[0], op[0], 16)
       && back.until[0] == now + 120 && back.expires[3] == now + 200,
       "roster roundtrip");
    ok(ac_digest_roster_decode(buf, len - 1, &back) == APR_EINVAL
       && ac_digest_roster_decode(buf, 2, &back) == APR_EINVAL,
       "a truncated roster is refused");
    buf[0] = 1;
    ok(ac_digest_roster_decode(buf, len, &back) == APR_EINVAL,
       "another version is refused");
    buf[0] = AC_DIGEST_ROSTER_VERSION;
    buf[1] = AC_DIGEST_ROSTER_MAX + 1;
    ok(ac_digest_roster_decode(buf, len, &back) == APR_EINVAL,
       "a count over the maximum is refused");
    ok(ac_digest_roster_add(&ro, op[5], now + 1000, now + 150, 4, 120, gone)
       == 0 && ro.n == 2 && ro.nd == 0,
       "expired contexts and old dropped ones are forgotten");
    ok(ac_digest_roster_add(&ro, op[5], now + 2000, now + 150, 4, 120, gone)
       == 0 && ro.n == 2, "re-adding an opaque keeps one entry");
    memset(&ro, 0, sizeof(ro));
    for (i = 0; i < AC_DIGEST_ROSTER_MAX + 10; i++) {
        unsigned char o[16];

        memset(o, 0, 16);
        o[0] = (unsigned char)i;
        ac_digest_roster_add(&ro, o, now + 100 + i, now, 1, 120, gone);
    }
    ok(ro.n == 1 && ro.nd == AC_DIGEST_ROSTER_MAX,
       "at most AC_DIGEST_ROSTER_MAX dropped ones are remembered");
}

/*
 * The quoted-string scan and the hex checks read eight bytes a step: a
 * stop byte in each place of a value of every length up to three steps,
 * each stop where it is the only change to a header that parses.
 */
static void test_scan_positions(void)
{
    static const struct { char c; const char *why; } stops[] = {
        { '\x01', "control character" }, { '\t', "control character" },
        { '\x7f', "control character" }, { '"', "trailing garbage" },
    };
    char h[256], v[32], hex[40], out[AC_DIGEST_HEX_MAX + 1];
    ac_digest_req_t r;
    const char *why;
    int len, at, k, good = 1, stopped = 1, escaped = 1, hexed = 1, ha1s = 1;

    for (len = 0; len <= 24; len++) {
        memset(v, 'a', (apr_size_t)len);
        v[len] = '\0';
        snprintf(h, sizeof(h), USER "realm=\"%s\", nonce=\"n\", uri=\"/\", "
                 "response=\"" MD5R "\"", v);
        good = good && ac_digest_parse(h, strlen(h), pool, &r, &why)
                       == APR_SUCCESS && !strcmp(r.realm, v);
        for (at = 0; at < len; at++) {
            for (k = 0; k < (int)(sizeof(stops) / sizeof(stops[0])); k++) {
                v[at] = stops[k].c;
                snprintf(h, sizeof(h), USER "realm=\"%s\", nonce=\"n\", "
                         "uri=\"/\", response=\"" MD5R "\"", v);
                why = NULL;
                stopped = stopped
                    && ac_digest_parse(h, strlen(h), pool, &r, &why)
                       == APR_EINVAL && why && strstr(why, stops[k].why);
                v[at] = 'a';
            }
            if (at < len - 1) {         /* \a is a quoted-pair: a */
                v[at] = '\\';
                snprintf(h, sizeof(h), USER "realm=\"%s\", nonce=\"n\", "
                         "uri=\"/\", response=\"" MD5R "\"", v);
                escaped = escaped
                    && ac_digest_parse(h, strlen(h), pool, &r, &why)
                       == APR_SUCCESS && strlen(r.realm) == (apr_size_t)len - 1;
                v[at] = 'a';
            }
        }
    }
    for (len = 1, good = 1; len <= 24; len++) {
        static const char tail[] = "\", nonce=\"n\", uri=\"/\", "
                                   "response=\"" MD5R "\"";
        apr_size_t n0 = strlen(USER "realm=\"");

        for (at = 0; at < len; at++) {
            /* a NUL (explicit length: no strlen) refused; obs-text kept */
            memcpy(h, USER "realm=\"", n0);
            memset(h + n0, 'a', (apr_size_t)len);
            memcpy(h + n0 + len, tail, sizeof(tail));
            h[n0 + at] = '\0';
            why = NULL;
            stopped = stopped
                && ac_digest_parse(h, n0 + len + sizeof(tail) - 1, pool, &r,
                                   &why) == APR_EINVAL
                && why && strstr(why, "control character");
            h[n0 + at] = (char)(at % 2 ? 0x80 : 0xff);
            good = good && ac_digest_parse(h, strlen(h), pool, &r, &why)
                           == APR_SUCCESS && strlen(r.realm) == (apr_size_t)len
                   && (unsigned char)r.realm[at] == (at % 2 ? 0x80 : 0xff);
        }
    }
    ok(good, "quoted values of 0 to 24 bytes read whole, obs-text too");
    ok(stopped, "a control character or quote at each place refused");
    ok(escaped, "a quoted-pair at each place undone");

    for (at = 0; at < 32; at++) {
        memcpy(hex, MD5R, sizeof(MD5R));
        hex[at] = 'g';
        snprintf(h, sizeof(h), USER "realm=\"r\", nonce=\"n\", uri=\"/\", "
                 "response=\"%s\"", hex);
        why = NULL;
        hexed = hexed && ac_digest_parse(h, strlen(h), pool, &r, &why)
                         == APR_EINVAL && why && strstr(why, "response is not");
        ha1s = ha1s && ac_digest_response_ha2(AC_DIGEST_MD5, hex, "n",
                                              "00000001", "c", "auth", MD5R,
                                              out) == APR_EINVAL;
        hex[at] = '\0';                /* a short H(A1): no byte read past */
        ha1s = ha1s && ac_digest_response_ha2(AC_DIGEST_MD5, hex, "n",
                                              "00000001", "c", "auth", MD5R,
                                              out) == APR_EINVAL;
    }
    ok(hexed, "a response with a non-hex digit at each place refused");
    ok(ha1s, "an H(A1) with a non-hex digit or cut short at each place "
             "refused");
    memcpy(hex, MD5R "0", sizeof(MD5R) + 1);
    ok(ac_digest_response_ha2(AC_DIGEST_MD5, hex, "n", "00000001", "c",
                              "auth", MD5R, out) == APR_EINVAL
       && ac_digest_response_ha2(AC_DIGEST_MD5, MD5R, "n", "00000001", "c",
                                 "auth", MD5R, out) == APR_SUCCESS,
       "an H(A1) one digit too long refused, the right length computed");
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    test_algorithms();
    test_rfc_examples();
    test_other_computations();
    test_streamed_hash();
    test_feed_boundaries();
    test_roster();
    test_parser();
    test_scan_positions();
    test_nonces();
    test_nc_window();
    test_ctx();
    test_window();
    test_derive();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
