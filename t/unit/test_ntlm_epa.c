/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for Extended Protection (ac_cbt.c, ac_ntlm_epa.c): RFC 5929
 * tls-server-end-point for certificates made here with each signature
 * hash, the MsvAvChannelBindings MD5, and the checks of a verified NTLMv2
 * blob. Every AUTHENTICATE here carries a valid proof (computed by a
 * test-side client from the password) and differs from the accepted one
 * in one field, so each refusal is the check under test's.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tap.h"
#include "apr_general.h"
#include "apr_md4.h"
#include "ac_cbt.h"
#include "ac_ntlm.h"
#include "ac_ntlm_epa.h"
#include "ntlm_bytes.h"

/* MD5 of gss_channel_bindings with zero addresses, laid out by hand */
static void gss_md5(const unsigned char *app, apr_size_t n,
                    unsigned char out[16])
{
    unsigned char buf[256];
    unsigned int len = 0;

    memset(buf, 0, 20);
    put32(buf + 16, (apr_uint32_t)n);
    memcpy(buf + 20, app, n);
    EVP_Digest(buf, 20 + n, out, &len, EVP_md5(), NULL);
}

/* ---- certificates ---- */

static EVP_PKEY *ec_key, *rsa_key, *ed_key;

/* A self-signed certificate signed with md (NULL: Ed25519); pss: RSA-PSS */
static X509 *make_cert(EVP_PKEY *key, const EVP_MD *md, int pss)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *)"www.example.com", -1,
                               -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    ok = EVP_DigestSignInit(ctx, &pctx, md, NULL, key) == 1;
    if (ok && pss)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0
             && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1) > 0;
    ok = ok && X509_sign_ctx(x, ctx) > 0;
    EVP_MD_CTX_free(ctx);
    X509_NAME_free(name);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* the end-point hash computed here: md over the DER */
static apr_size_t want_hash(X509 *x, const EVP_MD *md, unsigned char *out)
{
    unsigned char *der = NULL;
    unsigned int n = 0;
    int len = i2d_X509(x, &der);

    EVP_Digest(der, (size_t)len, out, &n, md, NULL);
    OPENSSL_free(der);
    return n;
}

static char *pem_of(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *s;
    long n;

    PEM_write_bio_X509(b, x);
    n = BIO_get_mem_data(b, &data);
    s = malloc((size_t)n + 1);
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    BIO_free(b);
    return s;
}

/* one certificate: its end point and MsvAvChannelBindings as a client
 * computes them, with hash `expect` */
static void cert_case(const char *name, EVP_PKEY *key, const EVP_MD *md,
                      int pss, const EVP_MD *expect)
{
    unsigned char h[AC_CBT_HASH_MAX], w[AC_CBT_HASH_MAX], app[128];
    unsigned char cb[16], want[16];
    unsigned char *der = NULL;
    X509 *x = make_cert(key, md, pss);
    apr_size_t n = 0, wn;
    const char *why = NULL;
    char *pem;
    int len;

    ok(x != NULL, "%s: certificate made", name);
    if (!x)
        return;
    len = i2d_X509(x, &der);
    wn = want_hash(x, expect, w);
    ok(ac_cbt_server_end_point(der, (apr_size_t)len, h, &n, &why)
       == APR_SUCCESS && n == wn && !memcmp(h, w, n),
       "%s: tls-server-end-point is %s of the DER (%u bytes)", name,
       EVP_MD_get0_name(expect), (unsigned)wn);
    memcpy(app, "tls-server-end-point:", 21);
    memcpy(app + 21, w, wn);
    gss_md5(app, 21 + wn, want);
    pem = pem_of(x);
    ok(ac_cbt_ntlm_from_pem(pem, cb, &why) == APR_SUCCESS
       && !memcmp(cb, want, 16), "%s: MsvAvChannelBindings from the PEM",
       name);
    ok(!ac_cbt_is_unbound(cb), "%s: which is a binding", name);
    free(pem);
    OPENSSL_free(der);
    X509_free(x);
}

static void test_cbt(void)
{
    unsigned char h[AC_CBT_HASH_MAX], cb[16], want[16], zero[16];
    unsigned char *der = NULL;
    apr_size_t n = 0;
    const char *why = NULL;
    X509 *x;
    char *pem;
    int len;

    ec_key = EVP_EC_gen("P-256");
    rsa_key = EVP_RSA_gen(2048);
    ed_key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    ok(ec_key && rsa_key && ed_key, "keys made");

    cert_case("ECDSA SHA-1", ec_key, EVP_sha1(), 0, EVP_sha256());
    cert_case("ECDSA SHA-256", ec_key, EVP_sha256(), 0, EVP_sha256());
    cert_case("ECDSA SHA-384", ec_key, EVP_sha384(), 0, EVP_sha384());
    cert_case("ECDSA SHA-512", ec_key, EVP_sha512(), 0, EVP_sha512());
    cert_case("RSA MD5", rsa_key, EVP_md5(), 0, EVP_sha256());
    cert_case("RSA SHA-1", rsa_key, EVP_sha1(), 0, EVP_sha256());
    cert_case("RSA SHA-384", rsa_key, EVP_sha384(), 0, EVP_sha384());
    cert_case("RSA-PSS SHA-512", rsa_key, EVP_sha512(), 1, EVP_sha512());

    x = make_cert(ed_key, NULL, 0);
    len = i2d_X509(x, &der);
    why = NULL;
    ok(ac_cbt_server_end_point(der, (apr_size_t)len, h, &n, &why)
       == APR_ENOTIMPL && why, "Ed25519: no tls-server-end-point (%s)",
       why ? why : "");
    pem = pem_of(x);
    ok(ac_cbt_ntlm_from_pem(pem, cb, &why) == APR_ENOTIMPL,
       "Ed25519: no MsvAvChannelBindings either");
    free(pem);
    why = NULL;
    ok(ac_cbt_server_end_point(der, (apr_size_t)len - 1, h, &n, &why)
       == APR_EINVAL && why, "a truncated DER certificate is refused");
    OPENSSL_free(der);
    X509_free(x);
    x = make_cert(ec_key, EVP_sha256(), 0);
    der = malloc(4096);
    {
        unsigned char *d = der;

        len = i2d_X509(x, &d);
    }
    der[len] = 0;
    ok(ac_cbt_server_end_point(der, (apr_size_t)len + 1, h, &n, &why)
       == APR_EINVAL, "a DER certificate with a trailing byte is refused");
    ok(ac_cbt_server_end_point((const unsigned char *)"junk", 4, h, &n, &why)
       == APR_EINVAL, "junk is no certificate");
    free(der);
    X509_free(x);
    ok(ac_cbt_ntlm_from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n"
                            "-----END CERTIFICATE-----\n", cb, &why)
       == APR_EINVAL, "a PEM block that is no certificate is refused");
    ok(ac_cbt_ntlm_from_pem("", cb, &why) == APR_EINVAL, "an empty PEM too");

    gss_md5((const unsigned char *)"abc", 3, want);
    ok(ac_cbt_gss_md5((const unsigned char *)"abc", 3, cb) == APR_SUCCESS
       && !memcmp(cb, want, 16), "gss_channel_bindings MD5 of 'abc'");
    memset(zero, 0, 16);
    ok(ac_cbt_is_unbound(zero), "all zeros: unbound");
    gss_md5(NULL, 0, want);
    ok(ac_cbt_is_unbound(want), "MD5 of empty bindings: unbound");
    want[0] ^= 1;
    ok(!ac_cbt_is_unbound(want), "anything else is a binding");
}

/* ---- a test-side NTLMv2 client ---- */

#define CLIENT_FLAGS (AC_NTLM_NEGOTIATE_UNICODE | AC_NTLM_NEGOTIATE_NTLM \
    | AC_NTLM_REQUEST_TARGET | AC_NTLM_NEGOTIATE_ALWAYS_SIGN \
    | AC_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY \
    | AC_NTLM_NEGOTIATE_TARGET_INFO | AC_NTLM_NEGOTIATE_VERSION \
    | AC_NTLM_NEGOTIATE_128 | AC_NTLM_NEGOTIATE_56)

/* What the client does differently from a correct one; zero: nothing. */
typedef struct {
    apr_uint32_t neg_flags;     /* NEGOTIATE flags (0: CLIENT_FLAGS) */
    apr_uint32_t add_flags;     /* ORed into the AUTHENTICATE's flags */
    int no_mic;                 /* no MsvAvFlags, no MIC */
    int time_set;               /* TimeStamp = time, not the CHALLENGE's */
    apr_uint64_t time;
    const char *target;         /* MsvAvTargetName (NULL: none) */
    const unsigned char *cb;    /* MsvAvChannelBindings (NULL: none) */
    int strip_ts;               /* CHALLENGE seen without MsvAvTimestamp */
    int change_name;            /* MsvAvNbComputerName altered */
} client_t;

typedef struct {
    unsigned char neg[40], *chal, auth[1024];
    apr_size_t nlen, clen, alen;
    apr_uint64_t chal_time;
    ac_ntlm_auth_t a;
} exchange_t;

static const unsigned char server_chal[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
static unsigned char nt_hash[16];

/* The client's AV pairs: the CHALLENGE's (as c saw them), then its own */
static apr_size_t client_av(const client_t *c, const unsigned char *ti,
                            apr_size_t ti_len, unsigned char *out,
                            apr_uint64_t *chal_time)
{
    unsigned char *d = out, f[4], name[512];
    apr_size_t at = 0;

    *chal_time = 0;
    while (at + 4 <= ti_len) {
        apr_uint32_t id = get16(ti + at), n = get16(ti + at + 2);

        if (id == AC_NTLM_AV_EOL)
            break;
        if (id == AC_NTLM_AV_TIMESTAMP)
            *chal_time = (apr_uint64_t)get32(ti + at + 4)
                         | ((apr_uint64_t)get32(ti + at + 8) << 32);
        if (!(id == AC_NTLM_AV_TIMESTAMP && c->strip_ts)) {
            d = av_put(d, id, ti + at + 4, n);
            if (id == AC_NTLM_AV_NB_COMPUTER_NAME && c->change_name)
                d[-2] ^= 0x01;
        }
        at += 4 + n;
    }
    if (!c->no_mic && !c->strip_ts) {
        put32(f, AC_NTLM_AV_FLAG_MIC);
        d = av_put(d, AC_NTLM_AV_FLAGS, f, 4);
    }
    if (c->cb)
        d = av_put(d, AC_NTLM_AV_CHANNEL_BINDINGS, c->cb, 16);
    if (c->target)
        d = av_put(d, AC_NTLM_AV_TARGET_NAME, name, u16(c->target, name));
    d = av_put(d, AC_NTLM_AV_EOL, f, 0);
    return (apr_size_t)(d - out);
}

/* NEGOTIATE, our CHALLENGE for it, the client's AUTHENTICATE with its
 * MIC; parsed into x->a and checked to verify. 1 when all went well. */
static int run_client(const client_t *c, exchange_t *x, apr_pool_t *p)
{
    static const unsigned char nonce[8] = { 1, 1, 2, 3, 5, 8, 13, 21 };
    ac_ntlm_challenge_params_t cp;
    unsigned char av[1024], nt[1200], buf[2048], key[16], sbk[16], got[16];
    unsigned char u[64], dom[64], ws[64];
    apr_size_t avlen, ti_len, n, at, un, dn, wn;
    apr_uint32_t negotiated, flags;
    const char *why = NULL;
    int good = 0;

    memset(x->neg, 0, sizeof(x->neg));
    memcpy(x->neg, "NTLMSSP", 8);
    put32(x->neg + 8, 1);
    put32(x->neg + 12, c->neg_flags ? c->neg_flags : CLIENT_FLAGS);
    x->nlen = 40;

    memset(&cp, 0, sizeof(cp));
    cp.nb_domain = "EXAMPLE";
    cp.nb_computer = "WEB01";
    cp.dns_computer = "www.example.com";
    memcpy(cp.challenge, server_chal, 8);
    cp.timestamp = ac_ntlm_filetime(apr_time_now());
    if (ac_ntlm_build_challenge(&cp, get32(x->neg + 12), p, &x->chal,
                                &x->clen, &negotiated, &why) != APR_SUCCESS)
        return 0;
    ti_len = get16(x->chal + 40);
    avlen = client_av(c, x->chal + get32(x->chal + 44), ti_len, av,
                      &x->chal_time);

    /* blob: 1 1 0*6, TimeStamp, client nonce, 0*4, AV pairs, 0*4 */
    memset(nt + 16, 0, 28);
    nt[16] = nt[17] = 1;
    /* a client that saw no MsvAvTimestamp uses its own clock */
    put64(nt + 24, c->time_set ? c->time
                   : c->strip_ts ? ac_ntlm_filetime(apr_time_now())
                   : x->chal_time);
    memcpy(nt + 32, nonce, 8);
    memcpy(nt + 44, av, avlen);
    memset(nt + 44 + avlen, 0, 4);
    n = 16 + 28 + avlen + 4;
    /* NTOWFv2(ALICE, EXAMPLE), NTProofStr, session base key */
    un = u16("ALICE", buf);
    un += u16("EXAMPLE", buf + un);
    hmac_md5(nt_hash, 16, buf, un, key);
    memcpy(buf, server_chal, 8);
    memcpy(buf + 8, nt + 16, n - 16);
    hmac_md5(key, 16, buf, 8 + n - 16, nt);
    hmac_md5(key, 16, nt, 16, sbk);

    /* AUTHENTICATE: header with Version and MIC, then the payload */
    flags = (negotiated | c->add_flags) & ~AC_NTLM_NEGOTIATE_OEM;
    un = u16("alice", u);
    dn = u16("EXAMPLE", dom);
    wn = u16("PC1", ws);
    memset(x->auth, 0, 88);
    memcpy(x->auth, "NTLMSSP", 8);
    put32(x->auth + 8, 3);
    at = 88;
    {
        const unsigned char *f[6] = { NULL, nt, dom, u, ws, NULL };
        apr_size_t fl[6] = { 0, n, dn, un, wn, 0 };
        int i;

        for (i = 0; i < 6; i++) {
            put16(x->auth + 12 + 8 * i, (apr_uint32_t)fl[i]);
            put16(x->auth + 14 + 8 * i, (apr_uint32_t)fl[i]);
            put32(x->auth + 16 + 8 * i, (apr_uint32_t)at);
            if (fl[i])
                memcpy(x->auth + at, f[i], fl[i]);
            at += fl[i];
        }
    }
    put32(x->auth + 60, flags);
    memcpy(x->auth + 64, "\x0a\x00\x63\x45\x00\x00\x00\x0f", 8);
    x->alen = at;
    if (!c->no_mic && !c->strip_ts) {
        memcpy(buf, x->neg, x->nlen);
        memcpy(buf + x->nlen, x->chal, x->clen);
        memcpy(buf + x->nlen + x->clen, x->auth, x->alen);
        hmac_md5(sbk, 16, buf, x->nlen + x->clen + x->alen, x->auth + 72);
    }
    if (ac_ntlm_parse_authenticate(x->auth, x->alen, p, &x->a, &why)
        != APR_SUCCESS) {
        printf("# parse refused: %s\n", why);
        return 0;
    }
    if (ac_ntlm_v2_verify(nt_hash, &x->a, server_chal, got, &good)
        != APR_SUCCESS || !good)
        return 0;
    if (x->a.has_mic
        && (ac_ntlm_mic_verify(got, x->neg, x->nlen, x->chal, x->clen,
                               x->auth, x->alen, &x->a, &good) != APR_SUCCESS
            || !good))
        return 0;
    return 1;
}

static unsigned char our_cb[16], other_cb[16];
static const char *const spns[] = {
    "HTTP/www.example.com", "HTTP/www.example.com:8443", "HTTP/*.intra.test"
};

static void default_policy(ac_ntlm_epa_policy_t *pol, const exchange_t *x)
{
    memset(pol, 0, sizeof(*pol));
    pol->challenge = x->chal;
    pol->challenge_len = x->clen;
    pol->bindings = AC_NTLM_CB_ALLOW;
    pol->expected = our_cb;
    pol->spns = spns;
    pol->nspns = 3;
    pol->skew = 300;
}

/* runs client c against policy pol (NULL: default_policy, adjusted by
 * tweak) and returns the outcome; -1 when the client failed */
typedef void (*tweak_fn)(ac_ntlm_epa_policy_t *);

static int outcome(const client_t *c, tweak_fn tweak, const char **why,
                   apr_pool_t *p)
{
    exchange_t x;
    ac_ntlm_epa_policy_t pol;

    *why = NULL;
    if (!run_client(c, &x, p))
        return -1;
    default_policy(&pol, &x);
    if (tweak)
        tweak(&pol);
    return (int)ac_ntlm_epa_check(&pol, &x.a, p, why);
}

static void tw_require(ac_ntlm_epa_policy_t *pol)
{ pol->bindings = AC_NTLM_CB_REQUIRE; }
static void tw_off(ac_ntlm_epa_policy_t *pol)
{ pol->bindings = AC_NTLM_CB_OFF; }
static void tw_plain(ac_ntlm_epa_policy_t *pol)
{ pol->expected = NULL; }
static void tw_plain_require(ac_ntlm_epa_policy_t *pol)
{ pol->expected = NULL; pol->bindings = AC_NTLM_CB_REQUIRE; }
static void tw_plain_off(ac_ntlm_epa_policy_t *pol)
{ pol->expected = NULL; pol->bindings = AC_NTLM_CB_OFF; }
static void tw_any_spn(ac_ntlm_epa_policy_t *pol)
{ pol->spns = NULL; pol->nspns = 0; }
static void tw_no_skew(ac_ntlm_epa_policy_t *pol)
{ pol->skew = -1; }
static void tw_mic(ac_ntlm_epa_policy_t *pol)
{ pol->require_mic = 1; }

#define SEC APR_UINT64_C(10000000)

static void test_epa(apr_pool_t *p)
{
    apr_md4_ctx_t md4;
    unsigned char pw[32], zero[16];
    apr_uint64_t now = ac_ntlm_filetime(apr_time_now());
    const char *why;
    client_t c;
    int r;

    apr_md4_init(&md4);
    apr_md4_update(&md4, pw, u16("Al1ce-pw", pw));
    apr_md4_final(nt_hash, &md4);
    gss_md5((const unsigned char *)"tls-server-end-point:ours", 25, our_cb);
    gss_md5((const unsigned char *)"tls-server-end-point:relay", 26,
            other_cb);
    memset(zero, 0, 16);

#define CASE(want, tweak, desc, ...) do {                               \
        memset(&c, 0, sizeof(c));                                       \
        c.target = "HTTP/www.example.com";                              \
        c.cb = our_cb;                                                  \
        __VA_ARGS__;                                                    \
        r = outcome(&c, tweak, &why, p);                                \
        ok(r == (want), "%s: %s (%s)", #want, desc,                     \
           r < 0 ? "client failed" : why ? why : "accepted");           \
    } while (0)

    CASE(AC_NTLM_EPA_OK, NULL, "a correct client (MIC, target, bindings)");
    CASE(AC_NTLM_EPA_OK, tw_require, "the same under Require");
    CASE(AC_NTLM_EPA_OK, tw_mic, "the same with a MIC required");

    /* the timestamp */
    CASE(AC_NTLM_EPA_TIMESTAMP, NULL, "a TimeStamp of 2001",
         c.time_set = 1, c.time = APR_UINT64_C(126227808000000000));
    CASE(AC_NTLM_EPA_TIMESTAMP, NULL, "a TimeStamp of 0",
         c.time_set = 1, c.time = 0);
    CASE(AC_NTLM_EPA_TIMESTAMP, NULL, "310 s before the CHALLENGE's",
         c.time_set = 1, c.time = now - 310 * SEC);
    CASE(AC_NTLM_EPA_TIMESTAMP, NULL, "a TimeStamp in the future",
         c.time_set = 1, c.time = now + 400 * SEC);
    CASE(AC_NTLM_EPA_OK, NULL, "the client's own clock, 250 s behind",
         c.time_set = 1, c.time = now - 250 * SEC);
    CASE(AC_NTLM_EPA_OK, tw_no_skew, "a TimeStamp of 0, skew unchecked",
         c.time_set = 1, c.time = 0);

    /* the echoed target info */
    CASE(AC_NTLM_EPA_TARGET_INFO, NULL, "an altered NetBIOS computer name",
         c.change_name = 1);
    CASE(AC_NTLM_EPA_TARGET_INFO, NULL,
         "MsvAvTimestamp stripped from the CHALLENGE (so no MIC)",
         c.strip_ts = 1);
    CASE(AC_NTLM_EPA_TARGET_INFO, tw_no_skew,
         "the same, with the skew unchecked", c.strip_ts = 1);

    /* MsvAvTargetName, from clients that do not bind to the channel */
    CASE(AC_NTLM_EPA_TARGET_NAME, NULL, "cifs/attacker.example, unbound",
         c.target = "cifs/attacker.example", c.cb = NULL);
    CASE(AC_NTLM_EPA_TARGET_NAME, NULL, "HTTP/www.example.com:8080",
         c.target = "HTTP/www.example.com:8080", c.cb = NULL);
    CASE(AC_NTLM_EPA_TARGET_NAME, NULL, "HTTP/a.b.intra.test/x",
         c.target = "HTTP/a.b.intra.test/x", c.cb = NULL);
    CASE(AC_NTLM_EPA_TARGET_NAME, tw_plain, "cifs/attacker.example, plain "
         "HTTP", c.target = "cifs/attacker.example", c.cb = NULL);
    CASE(AC_NTLM_EPA_TARGET_NAME, tw_off, "cifs/attacker.example, another "
         "certificate's bindings, binding Off",
         c.target = "cifs/attacker.example", c.cb = other_cb);
    CASE(AC_NTLM_EPA_OK, NULL, "HTTP/alias.example.com with this "
         "channel's bindings (they prove more than a name)",
         c.target = "HTTP/alias.example.com");
    CASE(AC_NTLM_EPA_OK, NULL, "in other case: http/WWW.example.COM",
         c.target = "http/WWW.example.COM", c.cb = NULL);
    CASE(AC_NTLM_EPA_OK, NULL, "with the listed port",
         c.target = "HTTP/www.example.com:8443", c.cb = NULL);
    CASE(AC_NTLM_EPA_OK, NULL, "matching a pattern: HTTP/app.intra.test",
         c.target = "HTTP/app.intra.test", c.cb = NULL);
    CASE(AC_NTLM_EPA_OK, NULL, "no MsvAvTargetName", c.target = NULL,
         c.cb = NULL);
    CASE(AC_NTLM_EPA_OK, NULL, "an empty MsvAvTargetName", c.target = "",
         c.cb = NULL);
    CASE(AC_NTLM_EPA_OK, tw_any_spn, "cifs/attacker.example, any name",
         c.target = "cifs/attacker.example", c.cb = NULL);

    /* flags */
    CASE(AC_NTLM_EPA_FLAGS, NULL, "KEY_EXCH without a MIC",
         c.no_mic = 1, c.add_flags = AC_NTLM_NEGOTIATE_KEY_EXCH);
    CASE(AC_NTLM_EPA_FLAGS, NULL, "SEAL, never offered",
         c.add_flags = AC_NTLM_NEGOTIATE_SEAL);
    CASE(AC_NTLM_EPA_FLAGS, NULL, "LM_KEY, never offered",
         c.add_flags = AC_NTLM_NEGOTIATE_LM_KEY);
    CASE(AC_NTLM_EPA_FLAGS, NULL, "SIGN, not offered to a client that "
         "did not ask", c.add_flags = AC_NTLM_NEGOTIATE_SIGN);
    CASE(AC_NTLM_EPA_OK, NULL, "SIGN, offered to a client that asked",
         c.neg_flags = CLIENT_FLAGS | AC_NTLM_NEGOTIATE_SIGN,
         c.add_flags = AC_NTLM_NEGOTIATE_SIGN);
    CASE(AC_NTLM_EPA_FLAGS, tw_mic, "no MIC, a MIC required",
         c.no_mic = 1);
    CASE(AC_NTLM_EPA_OK, NULL, "no MIC, none required", c.no_mic = 1);

    /* channel bindings */
    CASE(AC_NTLM_EPA_BINDINGS, NULL, "Allow: another certificate's",
         c.cb = other_cb);
    CASE(AC_NTLM_EPA_OK, NULL, "Allow: none", c.cb = NULL);
    CASE(AC_NTLM_EPA_OK, NULL, "Allow: all zeros", c.cb = zero);
    CASE(AC_NTLM_EPA_BINDINGS, tw_plain,
         "Allow, plain HTTP: bindings of some TLS channel");
    CASE(AC_NTLM_EPA_OK, tw_plain, "Allow, plain HTTP: none", c.cb = NULL);
    CASE(AC_NTLM_EPA_BINDINGS, tw_require, "Require: another certificate's",
         c.cb = other_cb);
    CASE(AC_NTLM_EPA_BINDINGS, tw_require, "Require: none", c.cb = NULL);
    CASE(AC_NTLM_EPA_BINDINGS, tw_require, "Require: all zeros",
         c.cb = zero);
    CASE(AC_NTLM_EPA_BINDINGS, tw_plain_require,
         "Require, plain HTTP: none", c.cb = NULL);
    CASE(AC_NTLM_EPA_OK, tw_off, "Off: another certificate's",
         c.cb = other_cb);
    CASE(AC_NTLM_EPA_OK, tw_plain_off, "Off, plain HTTP: some bindings");
#undef CASE
}

/* the pieces read from our own CHALLENGE, and broken ones */
static void test_challenge_read(apr_pool_t *p)
{
    ac_ntlm_challenge_params_t cp;
    unsigned char *m, copy[512];
    const unsigned char *ti;
    apr_size_t len, ti_len;
    apr_uint32_t neg, flags;
    apr_uint64_t ts;
    const char *why = NULL;

    memset(&cp, 0, sizeof(cp));
    cp.nb_domain = "EXAMPLE";
    cp.nb_computer = "WEB01";
    cp.timestamp = APR_UINT64_C(133444736000000000);
    ac_ntlm_build_challenge(&cp, CLIENT_FLAGS, p, &m, &len, &neg, &why);
    ok(ac_ntlm_challenge_read(m, len, &flags, &ti, &ti_len, &ts, &why)
       == APR_SUCCESS && flags == neg && ts == cp.timestamp
       && ti == m + get32(m + 44) && ti_len == get16(m + 40),
       "CHALLENGE read: flags, TargetInfo, MsvAvTimestamp");
    memcpy(copy, m, len);
    ok(ac_ntlm_challenge_read(copy, 47, &flags, &ti, &ti_len, &ts, &why)
       == APR_EINVAL, "a CHALLENGE cut before its TargetInfo field");
    ok(ac_ntlm_challenge_read(copy, len - 1, &flags, &ti, &ti_len, &ts,
                              &why) == APR_EINVAL,
       "a CHALLENGE cut inside its TargetInfo");
    put32(copy + 44, 0xfffffff0U);
    ok(ac_ntlm_challenge_read(copy, len, &flags, &ti, &ti_len, &ts, &why)
       == APR_EINVAL, "TargetInfo offset overflow");
    memcpy(copy, m, len);
    put16(copy + len - 4, 9);       /* the EOL becomes another pair */
    ok(ac_ntlm_challenge_read(copy, len, &flags, &ti, &ti_len, &ts, &why)
       == APR_EINVAL, "TargetInfo without MsvAvEOL");
    memcpy(copy, m, len);
    put32(copy + 8, 3);
    ok(ac_ntlm_challenge_read(copy, len, &flags, &ti, &ti_len, &ts, &why)
       == APR_EINVAL, "an AUTHENTICATE is no CHALLENGE");
}

/* the parser's new refusals: AV ids twice, sizes MS-NLMP fixes */
static void test_av_rules(apr_pool_t *p)
{
    static const struct {
        const char *name;
        apr_uint32_t id, len;
        int twice;
    } cases[] = {
        { "MsvAvChannelBindings twice", AC_NTLM_AV_CHANNEL_BINDINGS, 16, 1 },
        { "MsvAvTargetName twice", AC_NTLM_AV_TARGET_NAME, 8, 1 },
        { "MsvAvTimestamp twice", AC_NTLM_AV_TIMESTAMP, 8, 1 },
        { "MsvAvChannelBindings of 15 bytes", AC_NTLM_AV_CHANNEL_BINDINGS,
          15, 0 },
        { "MsvAvTimestamp of 4 bytes", AC_NTLM_AV_TIMESTAMP, 4, 0 },
        { "MsvAvTargetName of odd size", AC_NTLM_AV_TARGET_NAME, 7, 0 },
        { "MsvAvTargetName of 514 bytes", AC_NTLM_AV_TARGET_NAME, 514, 0 },
    };
    unsigned char msg[2048], v[600];
    apr_size_t i, at, av_at, n;
    ac_ntlm_auth_t a;
    const char *why;

    memset(v, 'a', sizeof(v));
    for (i = 0; i <= sizeof(cases) / sizeof(cases[0]); i++) {
        /* header 64 with only NT (at 64) and user (after it) */
        unsigned char *d;

        memset(msg, 0, 64);
        memcpy(msg, "NTLMSSP", 8);
        put32(msg + 8, 3);
        put32(msg + 60, AC_NTLM_NEGOTIATE_UNICODE | AC_NTLM_NEGOTIATE_NTLM);
        at = 64;
        memset(msg + at, 0x11, 16);
        memset(msg + at + 16, 0, 28);
        msg[at + 16] = msg[at + 17] = 1;
        av_at = at + 44;
        d = msg + av_at;
        if (i < sizeof(cases) / sizeof(cases[0])) {
            d = av_put(d, cases[i].id, v, cases[i].len);
            if (cases[i].twice)
                d = av_put(d, cases[i].id, v, cases[i].len);
        }
        else    /* the control: each once, right sizes */
            d = av_put(av_put(d, AC_NTLM_AV_CHANNEL_BINDINGS, v, 16),
                       AC_NTLM_AV_TARGET_NAME, v, 8);
        d = av_put(d, AC_NTLM_AV_EOL, v, 0);
        memset(d, 0, 4);
        n = (apr_size_t)(d + 4 - (msg + at));
        put16(msg + 20, (apr_uint32_t)n);
        put16(msg + 22, (apr_uint32_t)n);
        put32(msg + 24, (apr_uint32_t)at);
        put16(msg + 36, 2);
        put16(msg + 38, 2);
        put32(msg + 40, (apr_uint32_t)(at + n));
        msg[at + n] = 'u';
        msg[at + n + 1] = 0;
        why = NULL;
        if (i < sizeof(cases) / sizeof(cases[0]))
            ok(ac_ntlm_parse_authenticate(msg, at + n + 2, p, &a, &why)
               == APR_EINVAL && why, "refused: %s (%s)", cases[i].name,
               why ? why : "");
        else
            ok(ac_ntlm_parse_authenticate(msg, at + n + 2, p, &a, &why)
               == APR_SUCCESS, "each pair once with its size: parses");
    }
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_cbt();
    test_epa(p);
    test_challenge_read(p);
    test_av_rules(p);

    EVP_PKEY_free(ec_key);
    EVP_PKEY_free(rsa_key);
    EVP_PKEY_free(ed_key);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
