/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the NTLMSSP messages (ac_ntlm.c, ac_utf16.c): the
 * MS-NLMP 4.2.4 NTLMv2 vectors, the CHALLENGE we build, a whole exchange
 * with a MIC, and a table of malformed messages that must all be refused
 * with a reason.
 */
#include <openssl/evp.h>

#include "tap.h"
#include "apr_general.h"
#include "apr_md4.h"
#include "ac_ntlm.h"
#include "ac_utf16.h"
#include "ntlm_bytes.h"

static int same(const void *a, const void *b, apr_size_t n)
{
    return memcmp(a, b, n) == 0;
}

/* ---- MS-NLMP 4.2.4 ---- */

static const char *spec_nt_hash = "a4 f4 9c 40 65 10 bd ca b6 82 4e e7 c3 0f d8 52";
static const char *spec_ntowf2 = "0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f";
static const char *spec_proof = "68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c";
static const char *spec_sbk = "8d e4 0c ca db c1 4a 82 f1 5c b0 ad 0d e9 5c a3";
static const unsigned char spec_chal[8] = {
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};

/* The AUTHENTICATE message of 4.2.4.3, as Windows lays it out. */
static const char *spec_auth =
    "4e 54 4c 4d 53 53 50 00 03 00 00 00 18 00 18 00"
    "6c 00 00 00 54 00 54 00 84 00 00 00 0c 00 0c 00"
    "48 00 00 00 08 00 08 00 54 00 00 00 10 00 10 00"
    "5c 00 00 00 10 00 10 00 d8 00 00 00 35 82 88 e2"
    "05 01 28 0a 00 00 00 0f 44 00 6f 00 6d 00 61 00"
    "69 00 6e 00 55 00 73 00 65 00 72 00 43 00 4f 00"
    "4d 00 50 00 55 00 54 00 45 00 52 00 86 c3 50 97"
    "ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa"
    "aa aa aa aa 68 cd 0a b8 51 e5 1c 96 aa bc 92 7b"
    "eb ef 6a 1c 01 01 00 00 00 00 00 00 00 00 00 00"
    "00 00 00 00 aa aa aa aa aa aa aa aa 00 00 00 00"
    "02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00"
    "01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00"
    "00 00 00 00 00 00 00 00 c5 da d2 54 4f c9 79 90"
    "94 ce 1c e9 0b c9 d0 3e";

/* The NTLMv2 client blob ("temp"): header, time, nonce, AV pairs, 0000 */
static apr_size_t blob(unsigned char *out, apr_uint64_t time,
                       const unsigned char nonce[8],
                       const unsigned char *av, apr_size_t avlen)
{
    memset(out, 0, 28);
    out[0] = out[1] = 1;
    put32(out + 8, (apr_uint32_t)time);
    put32(out + 12, (apr_uint32_t)(time >> 32));
    memcpy(out + 16, nonce, 8);
    memcpy(out + 28, av, avlen);
    memset(out + 28 + avlen, 0, 4);
    return 28 + avlen + 4;
}

/* AV pairs of 4.2.4: MsvAvNbDomainName "Domain", MsvAvNbComputerName
 * "Server", MsvAvEOL; with_flags adds MsvAvFlags = flags before the EOL */
static apr_size_t spec_av(unsigned char *out, int with_flags,
                          apr_uint32_t flags, apr_size_t flags_len)
{
    unsigned char name[32], f[4], *d = out;

    d = av_put(d, AC_NTLM_AV_NB_DOMAIN_NAME, name, u16("Domain", name));
    d = av_put(d, AC_NTLM_AV_NB_COMPUTER_NAME, name, u16("Server", name));
    if (with_flags) {
        put32(f, flags);
        d = av_put(d, AC_NTLM_AV_FLAGS, f, flags_len);
    }
    d = av_put(d, AC_NTLM_AV_EOL, f, 0);
    return (apr_size_t)(d - out);
}

/* NtChallengeResponse of 4.2.4: NTProofStr || temp (84 bytes) */
static apr_size_t spec_nt(unsigned char *out)
{
    static const unsigned char nonce[8] = {
        0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa
    };
    unsigned char av[64];
    apr_size_t avlen = spec_av(av, 0, 0, 0);

    hex(spec_proof, out);
    return 16 + blob(out + 16, 0, nonce, av, avlen);
}

/* ---- building AUTHENTICATE messages ---- */

enum { F_LM, F_NT, F_DOM, F_USER, F_WS, F_KEY };

typedef struct {
    apr_uint32_t flags;
    const unsigned char *p[6];
    apr_size_t n[6];
    apr_size_t header;          /* 64, 72 (Version) or 88 (Version, MIC) */
} t3_t;

static apr_size_t build_t3(const t3_t *s, unsigned char *out)
{
    /* payload in the order Windows uses: domain, user, ws, lm, nt, key */
    static const int order[6] = { F_DOM, F_USER, F_WS, F_LM, F_NT, F_KEY };
    apr_size_t at = s->header;
    int i;

    memset(out, 0, s->header);
    memcpy(out, "NTLMSSP", 8);
    put32(out + 8, 3);
    for (i = 0; i < 6; i++) {
        int f = order[i];
        unsigned char *sb = out + 12 + 8 * f;

        put16(sb, (apr_uint32_t)s->n[f]);
        put16(sb + 2, (apr_uint32_t)s->n[f]);
        put32(sb + 4, (apr_uint32_t)at);
        if (s->n[f])
            memcpy(out + at, s->p[f], s->n[f]);
        at += s->n[f];
    }
    put32(out + 60, s->flags);
    if (s->header >= 72)
        hex("06 01 b1 1d 00 00 00 0f", out + 64);
    return at;
}

#define T3_FLAGS (AC_NTLM_NEGOTIATE_UNICODE | AC_NTLM_NEGOTIATE_NTLM \
                  | AC_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY \
                  | AC_NTLM_NEGOTIATE_TARGET_INFO | AC_NTLM_NEGOTIATE_VERSION \
                  | AC_NTLM_NEGOTIATE_128 | AC_NTLM_NEGOTIATE_56)

/*
 * A type 3 around the 4.2.4 NtChallengeResponse, for user and domain
 * (Latin-1 C strings), header 72. The buffers are static: one at a time.
 */
/*
 * The 4.2.4 AUTHENTICATE's fields in *s: flags, header 72, the spec's NT
 * response in nt, user in u (UTF-16LE) and a zero LM response in lm.
 */
static void spec_fields(t3_t *s, unsigned char *nt, unsigned char *u,
                        const char *user, unsigned char lm[24])
{
    memset(s, 0, sizeof(*s));
    memset(lm, 0, 24);
    s->flags = T3_FLAGS;
    s->header = 72;
    s->p[F_NT] = nt;
    s->n[F_NT] = spec_nt(nt);
    s->p[F_USER] = u;
    s->n[F_USER] = u16(user, u);
    s->p[F_LM] = lm;
    s->n[F_LM] = 24;
}

static apr_size_t spec_t3(const char *user, const char *domain,
                          unsigned char *out)
{
    static unsigned char nt[128], u[64], d[64], ws[64], lm[24];
    t3_t s;

    spec_fields(&s, nt, u, user, lm);
    s.p[F_DOM] = d;
    s.n[F_DOM] = u16(domain, d);
    s.p[F_WS] = ws;
    s.n[F_WS] = u16("COMPUTER", ws);
    return build_t3(&s, out);
}

/* Parses msg[0..len) and runs NTLMv2 verification: 1 ok, 0 no, -1 error */
static int verifies(const unsigned char *msg, apr_size_t len,
                    const unsigned char hash[16], const unsigned char chal[8],
                    unsigned char sbk[16], apr_pool_t *p)
{
    ac_ntlm_auth_t a;
    const char *why = NULL;
    int ok = -1;

    if (ac_ntlm_parse_authenticate(msg, len, p, &a, &why) != APR_SUCCESS) {
        printf("# parse refused: %s\n", why ? why : "(null)");
        return -1;
    }
    if (ac_ntlm_v2_verify(hash, &a, chal, sbk, &ok) != APR_SUCCESS)
        return -1;
    return ok;
}

static void test_hashes(void)
{
    unsigned char h[16], want[16], pw[512], md[16];
    char longpw[201];
    apr_md4_ctx_t c;
    apr_size_t n;

    ok(ac_ntlm_nt_hash("Password", h) == APR_SUCCESS, "NT hash computed");
    hex(spec_nt_hash, want);
    ok(same(h, want, 16), "NTOWFv1(\"Password\") is the 4.2.4 vector");
    ac_ntlm_nt_hash("", h);
    hex("31 d6 cf e0 d1 6a e9 31 b7 3c 59 d7 e0 c0 89 c0", want);
    ok(same(h, want, 16), "NT hash of the empty password");

    /* longer than the 64-byte staging buffer, and non-ASCII */
    memset(longpw, 'x', 200);
    longpw[200] = '\0';
    ac_ntlm_nt_hash(longpw, h);
    n = u16(longpw, pw);
    apr_md4_init(&c);
    apr_md4_update(&c, pw, n);
    apr_md4_final(md, &c);
    ok(same(h, md, 16), "a 200-character password hashes as MD4(UTF-16LE)");
    ac_ntlm_nt_hash("\xc3\xa9\xf0\x9f\x98\x80", h);
    n = hex("e9 00 3d d8 00 de", pw);
    apr_md4_init(&c);
    apr_md4_update(&c, pw, n);
    apr_md4_final(md, &c);
    ok(same(h, md, 16), "U+00E9 U+1F600 hash as e9 00 3d d8 00 de");
    ok(ac_ntlm_nt_hash("\xc0\x80", h) == APR_EINVAL,
       "a password that is not UTF-8 is refused");

    hex(spec_nt_hash, h);
    n = u16("User", pw);
    n += u16("Domain", pw + n);
    ok(ac_ntlm_ntowf_v2(h, pw, 8, pw + 8, 12, md) == APR_SUCCESS,
       "NTOWFv2 computed");
    hex(spec_ntowf2, want);
    ok(same(md, want, 16), "NTOWFv2(User, Domain) is the 4.2.4 vector");
    u16("user", pw);
    ac_ntlm_ntowf_v2(h, pw, 8, pw + 8, 12, md);
    ok(same(md, want, 16), "NTOWFv2 uppercases the user");
    ok(ac_ntlm_ntowf_v2(h, pw, 7, pw + 8, 12, md) == APR_EINVAL,
       "NTOWFv2 refuses an odd user length");
}

/* The 4.2.4 response sent under other names: NTOWFv2 folds the user's case only */
static const struct {
    const char *user, *domain;
    int verifies;
    const char *what;
} names[] = {
    { "USER", "Domain", 1, "user in upper case verifies" },
    { "user", "Domain", 1, "user in lower case verifies" },
    { "User", "DOMAIN", 0,
      "domain in another case is refused (NTOWFv2 keeps its case)" },
    { "User", "Other", 0, "another domain is refused" },
    { "User", "", 0, "an empty domain is refused" },
    { "Usr", "Domain", 0, "another user is refused" },
};

static void test_spec_vectors(apr_pool_t *p)
{
    unsigned char msg[512], hash[16], other[16], sbk[16], want[16];
    unsigned char chal[8];
    const unsigned char *av, *v;
    apr_size_t len, avlen, vlen, i;
    apr_uint64_t ft = 1;
    ac_ntlm_auth_t a;
    const char *why = NULL;
    int good = -1;

    hex(spec_nt_hash, hash);
    hex(spec_sbk, want);

    /* Microsoft's own message: payload at 72, Version, no MIC */
    len = hex(spec_auth, msg);
    ok(ac_ntlm_parse_authenticate(msg, len, p, &a, &why) == APR_SUCCESS,
       "the 4.2.4.3 AUTHENTICATE message parses");
    is_str(a.user_utf8, "User", "user");
    is_str(a.domain_utf8, "Domain", "domain");
    is_str(a.workstation_utf8, "COMPUTER", "workstation");
    ok(a.has_version && a.version[0] == 5 && a.version[7] == 15,
       "Version read (5.1, revision 15)");
    ok(!a.has_mic, "no MIC announced");
    ok(a.nt.len == 84 && a.lm.len == 24 && a.session_key.len == 16,
       "field lengths");
    ok(ac_ntlm_v2_verify(hash, &a, spec_chal, sbk, &good) == APR_SUCCESS
       && good == 1, "4.2.4.3: NTProofStr 68 cd 0a b8 ... verifies");
    ok(same(sbk, want, 16), "SessionBaseKey is the 4.2.4 vector");
    ok(ac_ntlm_v2_timestamp(&a, &ft) == APR_SUCCESS && ft == 0,
       "client timestamp is 0");
    ok(ac_ntlm_v2_av_pairs(&a, &av, &avlen) == APR_SUCCESS && avlen == 36,
       "client AV pairs: 36 bytes with the EOL");
    ok(ac_ntlm_av_find(av, avlen, AC_NTLM_AV_NB_COMPUTER_NAME, &v, &vlen)
       == APR_SUCCESS && vlen == 12 && same(v, "S\0e\0r\0v\0e\0r\0", 12),
       "MsvAvNbComputerName is Server");
    ok(ac_ntlm_av_find(av, avlen, AC_NTLM_AV_FLAGS, &v, &vlen)
       == APR_NOTFOUND, "no MsvAvFlags");

    /* our builder, header 72 */
    len = spec_t3("User", "Domain", msg);
    ok(verifies(msg, len, hash, spec_chal, sbk, p) == 1,
       "built type 3 with the 4.2.4 response verifies");
    ok(same(sbk, want, 16), "and gives the 4.2.4 SessionBaseKey");

    ac_ntlm_nt_hash("password", other);
    ok(verifies(msg, len, other, spec_chal, sbk, p) == 0,
       "wrong password is refused");
    ok(same(sbk, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16),
       "no session key after a mismatch");
    memcpy(chal, spec_chal, 8);
    chal[7] ^= 1;
    ok(verifies(msg, len, hash, chal, sbk, p) == 0,
       "wrong server challenge is refused");

    ac_ntlm_parse_authenticate(msg, len, p, &a, &why);
    msg[(a.nt.data - msg) + 16 + 16] ^= 0x01;      /* client nonce */
    ok(verifies(msg, len, hash, spec_chal, sbk, p) == 0,
       "tampered client blob is refused");
    len = spec_t3("User", "Domain", msg);
    msg[(a.nt.data - msg) + 3] ^= 0x80;             /* NTProofStr */
    ok(verifies(msg, len, hash, spec_chal, sbk, p) == 0,
       "tampered NTProofStr is refused");

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        len = spec_t3(names[i].user, names[i].domain, msg);
        ok(verifies(msg, len, hash, spec_chal, sbk, p) == names[i].verifies,
           "%s", names[i].what);
    }
}

/* A response computed for uppercase name `upper`, sent as `sent` */
static int latin1_case(const char *upper, const char *sent, apr_pool_t *p)
{
    static const unsigned char nonce[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    unsigned char hash[16], key[16], buf[512], nt[256], u[64], d[64];
    unsigned char msg[1024], sbk[16], av[64];
    apr_size_t n, nlen, avlen;
    t3_t s;

    ac_ntlm_nt_hash("pw", hash);
    n = u16(upper, buf);
    n += u16("Dom", buf + n);
    hmac_md5(hash, 16, buf, n, key);
    avlen = spec_av(av, 0, 0, 0);
    memcpy(buf, spec_chal, 8);
    nlen = blob(nt + 16, 42, nonce, av, avlen);
    memcpy(buf + 8, nt + 16, nlen);
    hmac_md5(key, 16, buf, 8 + nlen, nt);

    memset(&s, 0, sizeof(s));
    s.flags = T3_FLAGS;
    s.header = 64;
    s.p[F_NT] = nt;
    s.n[F_NT] = 16 + nlen;
    s.p[F_USER] = u;
    s.n[F_USER] = u16(sent, u);
    s.p[F_DOM] = d;
    s.n[F_DOM] = u16("Dom", d);
    n = build_t3(&s, msg);
    return verifies(msg, n, hash, spec_chal, sbk, p);
}

static void test_case_folding(apr_pool_t *p)
{
    ok(latin1_case("J\xd3ZEF", "j\xf3zef", p) == 1,
       "Latin-1 lower case is folded (U+00F3 -> U+00D3)");
    ok(latin1_case("J\xd3ZEF", "J\xd3ZEF", p) == 1,
       "Latin-1 upper case stays");
    ok(latin1_case("A\xf7", "a\xf7", p) == 1,
       "U+00F7 (division sign) is not folded");
    ok(latin1_case("A\xd7", "a\xf7", p) == 0,
       "U+00F7 does not become U+00D7");
    ok(latin1_case("\xff", "\xff", p) == 1,
       "U+00FF is left alone (its capital is U+0178)");
}

/* ---- CHALLENGE ---- */

typedef struct {
    int n;
    apr_uint32_t id[16];
    const unsigned char *v[16];
    apr_size_t len[16];
} avlist_t;

/* test-only AV pair reader: 1 when the list is well formed */
static int read_av(const unsigned char *av, apr_size_t len, avlist_t *l)
{
    apr_size_t at = 0;

    l->n = 0;
    while (at + 4 <= len && l->n < 16) {
        apr_uint32_t id = get16(av + at), n = get16(av + at + 2);

        if (at + 4 + n > len)
            return 0;
        l->id[l->n] = id;
        l->v[l->n] = av + at + 4;
        l->len[l->n++] = n;
        at += 4 + n;
        if (id == AC_NTLM_AV_EOL)
            return at == len;
    }
    return 0;
}

static int av_is(const avlist_t *l, int i, apr_uint32_t id, const char *utf8)
{
    unsigned char want[1024];
    apr_size_t n = 0;
    apr_pool_t *p;
    unsigned char *w;
    int r;

    if (i >= l->n || l->id[i] != id)
        return 0;
    apr_pool_create(&p, NULL);
    if (ac_utf8_to_utf16le(utf8, strlen(utf8), p, &w, &n) != APR_SUCCESS)
        n = 0;
    else
        memcpy(want, w, n);
    r = l->len[i] == n && same(l->v[i], want, n);
    apr_pool_destroy(p);
    return r;
}

/* The server the CHALLENGE tests speak for: WEB01 in EXAMPLE */
static void web01(ac_ntlm_challenge_params_t *cp, const char *challenge,
                  apr_uint64_t timestamp)
{
    memset(cp, 0, sizeof(*cp));
    cp->nb_domain = "EXAMPLE";
    cp->nb_computer = "WEB01";
    cp->dns_domain = "example.com";
    cp->dns_computer = "web01.example.com";
    memcpy(cp->challenge, challenge, 8);
    cp->timestamp = timestamp;
}

static void test_challenge(apr_pool_t *p)
{
    const apr_uint32_t all = 0xffffffffU;
    const apr_uint32_t want = AC_NTLM_NEGOTIATE_UNICODE
        | AC_NTLM_NEGOTIATE_NTLM | AC_NTLM_REQUEST_TARGET
        | AC_NTLM_TARGET_TYPE_DOMAIN | AC_NTLM_NEGOTIATE_TARGET_INFO
        | AC_NTLM_NEGOTIATE_VERSION
        | AC_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY
        | AC_NTLM_NEGOTIATE_ALWAYS_SIGN | AC_NTLM_NEGOTIATE_SIGN
        | AC_NTLM_NEGOTIATE_128 | AC_NTLM_NEGOTIATE_56;
    ac_ntlm_challenge_params_t cp;
    unsigned char *m, ver[8], name[64];
    apr_size_t len, ioff, ilen;
    apr_uint32_t neg = 0;
    avlist_t l;
    const char *why = NULL;
    char longname[258];
    int type = 0;

    web01(&cp, "\x11\x22\x33\x44\x55\x66\x77\x88",
          ac_ntlm_filetime(apr_time_from_sec(1700000000)));
    ok(cp.timestamp == APR_UINT64_C(133444736000000000),
       "FILETIME of 2023-11-14T22:13:20Z");

    ok(ac_ntlm_build_challenge(&cp, all, p, &m, &len, &neg, &why)
       == APR_SUCCESS, "challenge built for a client offering everything");
    ok(neg == want, "negotiated flags: no KEY_EXCH, LM_KEY, SEAL, OEM "
       "(0x%08x)", (unsigned)neg);
    ok(ac_ntlm_message_type(m, len, &type, &why) == APR_SUCCESS && type == 2,
       "it is a type 2 message");
    ok(get32(m + 20) == neg, "flags in the message");
    ok(same(m + 24, cp.challenge, 8), "server challenge at 24");
    ok(same(m + 32, "\0\0\0\0\0\0\0\0", 8), "reserved bytes are zero");
    hex("06 01 b0 1d 00 00 00 0f", ver);
    ok(same(m + 48, ver, 8), "Version 6.1.7600, revision 15");
    ok(get16(m + 12) == 14 && get16(m + 14) == 14 && get32(m + 16) == 56
       && same(m + 56, name, u16("EXAMPLE", name)),
       "TargetName is the NetBIOS domain in UTF-16LE at 56");
    ilen = get16(m + 40);
    ioff = get32(m + 44);
    ok(get16(m + 42) == ilen && ioff == 56 + 14 && ioff + ilen == len,
       "TargetInfo follows it and ends the message");
    ok(read_av(m + ioff, ilen, &l) && l.n == 6, "six AV pairs, well formed");
    ok(av_is(&l, 0, AC_NTLM_AV_NB_DOMAIN_NAME, "EXAMPLE")
       && av_is(&l, 1, AC_NTLM_AV_NB_COMPUTER_NAME, "WEB01")
       && av_is(&l, 2, AC_NTLM_AV_DNS_DOMAIN_NAME, "example.com")
       && av_is(&l, 3, AC_NTLM_AV_DNS_COMPUTER_NAME, "web01.example.com"),
       "names in the order 2, 1, 4, 3");
    ok(l.n > 5 && l.id[4] == AC_NTLM_AV_TIMESTAMP && l.len[4] == 8
       && get32(l.v[4]) == (apr_uint32_t)cp.timestamp
       && get32(l.v[4] + 4) == (apr_uint32_t)(cp.timestamp >> 32)
       && l.id[5] == AC_NTLM_AV_EOL && l.len[5] == 0,
       "then MsvAvTimestamp and MsvAvEOL");

    ok(ac_ntlm_build_challenge(&cp, AC_NTLM_NEGOTIATE_UNICODE, p, &m, &len,
                               &neg, &why) == APR_SUCCESS
       && !(neg & (AC_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY
                   | AC_NTLM_NEGOTIATE_SIGN | AC_NTLM_NEGOTIATE_ALWAYS_SIGN
                   | AC_NTLM_NEGOTIATE_128 | AC_NTLM_NEGOTIATE_56)),
       "optional flags only when asked for");

    ok(ac_ntlm_build_challenge(&cp, 0x00088206, p, &m, &len, &neg, &why)
       == APR_SUCCESS && (neg & AC_NTLM_NEGOTIATE_UNICODE)
       && !(neg & AC_NTLM_NEGOTIATE_OEM),
       "an OEM-only client (curl) is answered with Unicode chosen");

    cp.dns_domain = NULL;
    cp.dns_computer = "";
    cp.nb_computer = "W\xc3\xa9" "b\xf0\x9f\x98\x80";
    ok(ac_ntlm_build_challenge(&cp, all, p, &m, &len, &neg, &why)
       == APR_SUCCESS && read_av(m + get32(m + 44), get16(m + 40), &l)
       && l.n == 4 && av_is(&l, 1, AC_NTLM_AV_NB_COMPUTER_NAME,
                            "W\xc3\xa9" "b\xf0\x9f\x98\x80")
       && l.id[2] == AC_NTLM_AV_TIMESTAMP,
       "no DNS names: those pairs are left out; non-ASCII name encoded");

    cp.nb_computer = "WEB01";
    cp.nb_domain = NULL;
    why = NULL;
    ok(ac_ntlm_build_challenge(&cp, all, p, &m, &len, &neg, &why)
       == APR_EINVAL && why, "no NetBIOS domain is refused");
    cp.nb_domain = "EX";
    cp.nb_computer = "";
    why = NULL;
    ok(ac_ntlm_build_challenge(&cp, all, p, &m, &len, &neg, &why)
       == APR_EINVAL && why, "an empty NetBIOS computer name is refused");
    cp.nb_computer = "WEB\xc3\x28";
    why = NULL;
    ok(ac_ntlm_build_challenge(&cp, all, p, &m, &len, &neg, &why)
       == APR_EINVAL && why, "a name that is not UTF-8 is refused");
    memset(longname, 'a', 257);
    longname[257] = '\0';
    cp.nb_computer = longname;
    why = NULL;
    ok(ac_ntlm_build_challenge(&cp, all, p, &m, &len, &neg, &why)
       == APR_EINVAL && why, "a 257-unit name is refused");
    longname[256] = '\0';
    ok(ac_ntlm_build_challenge(&cp, all, p, &m, &len, &neg, &why)
       == APR_SUCCESS, "a 256-unit name is fine");
}

/* ---- NEGOTIATE ---- */

/* curl: 32 bytes, OEM, empty fields */
static apr_size_t t1_curl(unsigned char *m)
{
    memset(m, 0, 32);
    memcpy(m, "NTLMSSP", 8);
    put32(m + 8, 1);
    put32(m + 12, 0x00088206);
    return 32;
}

/* Windows-like: 40 bytes with a Version, fields empty at offset 40 */
static apr_size_t t1_full(unsigned char *m)
{
    memset(m, 0, 40);
    memcpy(m, "NTLMSSP", 8);
    put32(m + 8, 1);
    put32(m + 12, 0xe2088297);
    put32(m + 20, 40);
    put32(m + 28, 40);
    hex("0a 00 61 4a 00 00 00 0f", m + 32);
    return 40;
}

/* with OEM domain "DOM" at 40 and workstation "WS" at 43 */
static apr_size_t t1_names(unsigned char *m)
{
    t1_full(m);
    put32(m + 12, 0xe2088297 | 0x3000);
    put16(m + 16, 3);
    put16(m + 18, 3);
    put16(m + 24, 2);
    put16(m + 26, 2);
    put32(m + 28, 43);
    memcpy(m + 40, "DOMWS", 5);
    return 45;
}

static void test_negotiate(void)
{
    unsigned char m[64];
    apr_uint32_t f = 0;
    apr_size_t n;
    const char *why = NULL;

    n = t1_curl(m);
    ok(ac_ntlm_parse_negotiate(m, n, &f, &why) == APR_SUCCESS
       && f == 0x00088206, "curl's 32-byte type 1");
    n = t1_full(m);
    ok(ac_ntlm_parse_negotiate(m, n, &f, &why) == APR_SUCCESS
       && f == 0xe2088297, "a 40-byte type 1 with Version");
    n = t1_names(m);
    ok(ac_ntlm_parse_negotiate(m, n, &f, &why) == APR_SUCCESS,
       "a type 1 with domain and workstation");
    n = t1_curl(m);
    ok(ac_ntlm_parse_negotiate(m, 16, &f, &why) == APR_SUCCESS
       && f == 0x00088206, "a 16-byte type 1 (no fields)");
    ok(ac_ntlm_parse_negotiate(m, 24, &f, &why) == APR_SUCCESS,
       "a 24-byte type 1 (domain field only)");
    put32(m + 20, 0xffffffff);
    ok(ac_ntlm_parse_negotiate(m, n, &f, &why) == APR_SUCCESS,
       "an empty field's offset is not used");
}

/* ---- a whole exchange with a MIC ---- */

static void test_exchange(apr_pool_t *p)
{
    static const unsigned char nonce[8] = {
        0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe
    };
    unsigned char neg[64], *chal, hash[16], key[16], sbk[16], got[16];
    unsigned char buf[2048], nt[1024], av[512], u[32], d[32], ws[32];
    unsigned char lm[24], auth[2048], auth2[2048], chal2[512], mic[16];
    apr_size_t nlen, clen, alen, n, avlen, ioff, ilen;
    apr_uint32_t cflags = 0, neg_flags = 0;
    apr_uint64_t ts = 0, client_ts = APR_UINT64_C(133440736123456789);
    ac_ntlm_challenge_params_t cp;
    ac_ntlm_auth_t a, a2;
    const unsigned char *v;
    apr_size_t vlen;
    const char *why = NULL;
    int good = -1;
    t3_t s;

    nlen = t1_full(neg);
    ac_ntlm_parse_negotiate(neg, nlen, &cflags, &why);
    web01(&cp, "\xa1\xb2\xc3\xd4\xe5\xf6\x07\x18", client_ts - 1000);
    ok(ac_ntlm_build_challenge(&cp, cflags, p, &chal, &clen, &neg_flags, &why)
       == APR_SUCCESS, "exchange: challenge built");

    /* the client: server AV pairs, MsvAvFlags = MIC before the EOL */
    ilen = get16(chal + 40);
    ioff = get32(chal + 44);
    memcpy(av, chal + ioff, ilen - 4);
    put32(buf, AC_NTLM_AV_FLAG_MIC);
    avlen = (apr_size_t)(av_put(av + ilen - 4, AC_NTLM_AV_FLAGS, buf, 4) - av);
    avlen = (apr_size_t)(av_put(av + avlen, AC_NTLM_AV_EOL, buf, 0) - av);
    ac_ntlm_nt_hash("S3cret!", hash);
    n = u16("ALICE", buf);
    n += u16("EXAMPLE", buf + n);
    hmac_md5(hash, 16, buf, n, key);
    n = blob(nt + 16, client_ts, nonce, av, avlen);
    memcpy(buf, cp.challenge, 8);
    memcpy(buf + 8, nt + 16, n);
    hmac_md5(key, 16, buf, 8 + n, nt);
    hmac_md5(key, 16, nt, 16, sbk);

    memset(&s, 0, sizeof(s));
    memset(lm, 0, sizeof(lm));
    s.flags = neg_flags;
    s.header = 88;
    s.p[F_NT] = nt;
    s.n[F_NT] = 16 + n;
    s.p[F_USER] = u;
    s.n[F_USER] = u16("alice", u);
    s.p[F_DOM] = d;
    s.n[F_DOM] = u16("EXAMPLE", d);
    s.p[F_WS] = ws;
    s.n[F_WS] = u16("PC1", ws);
    s.p[F_LM] = lm;
    s.n[F_LM] = sizeof(lm);
    alen = build_t3(&s, auth);
    memcpy(buf, neg, nlen);
    memcpy(buf + nlen, chal, clen);
    memcpy(buf + nlen + clen, auth, alen);
    hmac_md5(sbk, 16, buf, nlen + clen + alen, mic);
    memcpy(auth + 72, mic, 16);

    ok(ac_ntlm_parse_authenticate(auth, alen, p, &a, &why) == APR_SUCCESS,
       "exchange: type 3 parses");
    ok(a.has_mic && a.mic_offset == 72 && same(a.mic, mic, 16),
       "MIC announced and read at 72");
    ok(a.has_version, "Version read");
    is_str(a.user_utf8, "alice", "user as sent");
    ok(ac_ntlm_v2_verify(hash, &a, cp.challenge, got, &good) == APR_SUCCESS
       && good == 1 && same(got, sbk, 16), "NTLMv2 verifies, session key");
    ok(ac_ntlm_mic_verify(got, neg, nlen, chal, clen, auth, alen, &a, &good)
       == APR_SUCCESS && good == 1, "MIC verifies");
    ok(ac_ntlm_v2_timestamp(&a, &ts) == APR_SUCCESS && ts == client_ts,
       "client timestamp read back");
    ok(ac_ntlm_v2_av_pairs(&a, &v, &vlen) == APR_SUCCESS && vlen == avlen
       && same(v, av, avlen), "client AV pairs returned");
    ok(ac_ntlm_av_find(v, vlen, AC_NTLM_AV_FLAGS, &v, &vlen) == APR_SUCCESS
       && vlen == 4 && get32(v) == AC_NTLM_AV_FLAG_MIC, "MsvAvFlags found");

    memcpy(chal2, chal, clen);
    chal2[30] ^= 1;
    ok(ac_ntlm_mic_verify(got, neg, nlen, chal2, clen, auth, alen, &a, &good)
       == APR_SUCCESS && good == 0, "MIC over another challenge fails");
    ok(ac_ntlm_mic_verify(got, neg, nlen - 8, chal, clen, auth, alen, &a,
                          &good) == APR_SUCCESS && good == 0,
       "MIC over a shortened negotiate fails");

    memcpy(auth2, auth, alen);
    auth2[get32(auth + 48)] ^= 0x20;        /* a workstation byte */
    ac_ntlm_parse_authenticate(auth2, alen, p, &a2, &why);
    ok(ac_ntlm_v2_verify(hash, &a2, cp.challenge, got, &good) == APR_SUCCESS
       && good == 1, "tampered workstation: NTLMv2 still verifies");
    ok(ac_ntlm_mic_verify(got, neg, nlen, chal, clen, auth2, alen, &a2, &good)
       == APR_SUCCESS && good == 0, "but the MIC does not");

    memcpy(auth2, auth, alen);
    auth2[80] ^= 1;                         /* the MIC itself */
    ac_ntlm_parse_authenticate(auth2, alen, p, &a2, &why);
    ok(ac_ntlm_mic_verify(sbk, neg, nlen, chal, clen, auth2, alen, &a2, &good)
       == APR_SUCCESS && good == 0, "a changed MIC fails");

    memcpy(auth2, auth, alen);
    put32(auth2 + 60, neg_flags | AC_NTLM_NEGOTIATE_KEY_EXCH);
    ac_ntlm_parse_authenticate(auth2, alen, p, &a2, &why);
    ok(ac_ntlm_mic_verify(sbk, neg, nlen, chal, clen, auth2, alen, &a2, &good)
       == APR_ENOTIMPL && good == 0, "a client claiming KEY_EXCH: no MIC check");

    ac_ntlm_parse_authenticate(auth, alen, p, &a, &why);
    a.has_mic = 0;
    ok(ac_ntlm_mic_verify(sbk, neg, nlen, chal, clen, auth, alen, &a, &good)
       == APR_EINVAL && good == 0, "no MIC to verify: an error");
}

/* ---- names ---- */

static void test_names(apr_pool_t *p)
{
    unsigned char msg[1024], nt[128], u[16];
    unsigned char *w;
    apr_size_t len, n = 0;
    ac_ntlm_auth_t a;
    const char *why = NULL;
    char *s;
    t3_t st;

    memset(&st, 0, sizeof(st));
    st.flags = T3_FLAGS;
    st.header = 64;
    st.p[F_NT] = nt;
    st.n[F_NT] = spec_nt(nt);
    st.p[F_USER] = u;
    st.n[F_USER] = hex("61 00 3d d8 00 de", u);      /* a U+1F600 */
    len = build_t3(&st, msg);
    ok(ac_ntlm_parse_authenticate(msg, len, p, &a, &why) == APR_SUCCESS,
       "a surrogate pair in the user name parses");
    is_str(a.user_utf8, "a\xf0\x9f\x98\x80", "and becomes 4-byte UTF-8");
    is_str(a.domain_utf8, "", "an absent domain is empty");
    ok(!a.has_version, "payload at 64: no Version");

    ok(ac_utf8_to_utf16le("\xc3\xa9\xf0\x9f\x98\x80", 6, p, &w, &n)
       == APR_SUCCESS && n == 6 && same(w, "\xe9\x00\x3d\xd8\x00\xde", 6),
       "UTF-8 to UTF-16LE with a surrogate pair");
    ok(ac_utf8_to_utf16le("\xc0\x80", 2, p, &w, &n) == APR_EINVAL,
       "overlong UTF-8 refused");
    ok(ac_utf8_to_utf16le("\xed\xa0\x80", 3, p, &w, &n) == APR_EINVAL,
       "UTF-8 surrogate refused");
    ok(ac_utf8_to_utf16le("\xe2\x82", 2, p, &w, &n) == APR_EINVAL,
       "truncated UTF-8 refused");
    ok(ac_utf8_to_utf16le("\xf4\x90\x80\x80", 4, p, &w, &n) == APR_EINVAL,
       "UTF-8 above U+10FFFF refused");
    ok(ac_utf16le_to_utf8((const unsigned char *)"\xff\xfe", 2, p, &s, &why)
       == APR_SUCCESS && !strcmp(s, "\xef\xbb\xbf"), "U+FEFF kept");
}

/* ---- malformed messages ---- */

enum { B1_CURL, B1_FULL, B1_NAMES, B3, B3_V1, B3_ANON, B3_LONG_USER,
       B3_MIC_NO_ROOM, B3_AVFLAGS_LEN };
enum { NONE, TRUNC, CUT, SET16, SET32, OR32, CLR32, FBYTE };

typedef struct {
    const char *name;
    int base;
    int parser;                 /* 1 negotiate, 3 authenticate */
    int op;
    apr_size_t at;              /* offset, or field index for FBYTE */
    apr_size_t k;               /* byte in the field for FBYTE */
    apr_uint32_t val;
    const char *why;            /* expected reason, or NULL for any */
} bad_t;

static const bad_t bad[] = {
    { "empty input", B1_CURL, 1, TRUNC, 0, 0, 0, NULL },
    { "11 bytes", B1_CURL, 1, TRUNC, 11, 0, 0, NULL },
    { "bad signature", B1_CURL, 1, SET16, 0, 0, 0x4141, NULL },
    { "signature without its NUL", B1_CURL, 1, SET16, 6, 0, 0x4150, NULL },
    { "type 0", B1_CURL, 1, SET32, 8, 0, 0, NULL },
    { "type 4", B1_CURL, 1, SET32, 8, 0, 4, NULL },
    { "type 2 to parse_negotiate", B1_CURL, 1, SET32, 8, 0, 2, NULL },
    { "type 3 to parse_negotiate", B3, 1, NONE, 0, 0, 0, NULL },
    { "type 1 cut in its flags", B1_CURL, 1, TRUNC, 15, 0, 0, NULL },
    { "type 1 cut in the domain field", B1_CURL, 1, TRUNC, 20, 0, 0, NULL },
    { "type 1 cut in the workstation field", B1_CURL, 1, TRUNC, 28, 0, 0,
      NULL },
    { "type 1 domain offset past the end", B1_NAMES, 1, SET32, 20, 0, 0xffff,
      NULL },
    { "type 1 domain offset+len overflow", B1_NAMES, 1, SET32, 20, 0,
      0xffffffff, NULL },
    { "type 1 domain in the header", B1_NAMES, 1, SET32, 20, 0, 8, NULL },
    { "type 1 workstation too long", B1_NAMES, 1, SET16, 24, 0, 0xffff,
      NULL },
    { "type 1 payload cut short", B1_NAMES, 1, CUT, 1, 0, 0, NULL },
    { "type 1 to parse_authenticate", B1_FULL, 3, NONE, 0, 0, 0, NULL },
    { "type 2 to parse_authenticate", B3, 3, SET32, 8, 0, 2, NULL },
    { "type 3 bad signature", B3, 3, SET16, 2, 0, 0x5858, NULL },
    { "type 3 of 12 bytes", B3, 3, TRUNC, 12, 0, 0, NULL },
    { "type 3 cut in the LM field", B3, 3, TRUNC, 20, 0, 0, NULL },
    { "type 3 cut in the NT field", B3, 3, TRUNC, 28, 0, 0, NULL },
    { "type 3 cut in the domain field", B3, 3, TRUNC, 36, 0, 0, NULL },
    { "type 3 cut in the user field", B3, 3, TRUNC, 44, 0, 0, NULL },
    { "type 3 cut in the workstation field", B3, 3, TRUNC, 52, 0, 0, NULL },
    { "type 3 cut in the session key field", B3, 3, TRUNC, 60, 0, 0, NULL },
    { "type 3 cut in the flags", B3, 3, TRUNC, 63, 0, 0, NULL },
    { "type 3 header only", B3, 3, TRUNC, 64, 0, 0, NULL },
    { "type 3 cut in the Version", B3, 3, TRUNC, 70, 0, 0, NULL },
    { "type 3 cut by one byte", B3, 3, CUT, 1, 0, 0, NULL },
    { "NT offset past the end", B3, 3, SET32, 24, 0, 0xffff, NULL },
    { "NT offset+len overflow", B3, 3, SET32, 24, 0, 0xffffffff, NULL },
    { "user offset 0xffffffff", B3, 3, SET32, 40, 0, 0xffffffff, NULL },
    { "domain offset 0xffff", B3, 3, SET32, 32, 0, 0xffff, NULL },
    { "LM inside the header", B3, 3, SET32, 16, 0, 8, NULL },
    { "user overlapping the flags", B3, 3, SET32, 40, 0, 60, NULL },
    { "huge NT length", B3, 3, SET16, 20, 0, 0xffff, NULL },
    { "huge user length", B3, 3, SET16, 36, 0, 0xffff, NULL },
    { "huge workstation length", B3, 3, SET16, 44, 0, 0xfffe, NULL },
    { "zero-length NT response", B3, 3, SET16, 20, 0, 0,
      "NT response too short for NTLMv2" },
    { "43-byte NT response", B3, 3, SET16, 20, 0, 43,
      "NT response too short for NTLMv2" },
    { "24-byte NTLMv1 response", B3_V1, 3, NONE, 0, 0, 0,
      "NTLMv1 is refused" },
    { "no UNICODE flag", B3, 3, CLR32, 60, 0, AC_NTLM_NEGOTIATE_UNICODE,
      NULL },
    { "ANONYMOUS flag", B3, 3, OR32, 60, 0, AC_NTLM_NEGOTIATE_ANONYMOUS,
      "anonymous login is refused" },
    { "anonymous: empty user and NT, zero LM", B3_ANON, 3, NONE, 0, 0, 0,
      "anonymous login is refused" },
    { "empty user", B3, 3, SET16, 36, 0, 0, "empty user name" },
    { "odd-length user", B3, 3, SET16, 36, 0, 7, NULL },
    { "lone high surrogate in user", B3, 3, FBYTE, F_USER, 1, 0xd8, NULL },
    { "lone low surrogate in user", B3, 3, FBYTE, F_USER, 1, 0xdc, NULL },
    { "high surrogate ending the user", B3, 3, FBYTE, F_USER, 7, 0xd8,
      NULL },
    { "NUL in user", B3, 3, FBYTE, F_USER, 2, 0, NULL },
    { "control character in domain", B3, 3, FBYTE, F_DOM, 0, 0x0a, NULL },
    { "invalid UTF-16 in workstation", B3, 3, FBYTE, F_WS, 1, 0xdc, NULL },
    { "user of 257 units", B3_LONG_USER, 3, NONE, 0, 0, 0, NULL },
    { "MIC announced, no room for it", B3_MIC_NO_ROOM, 3, NONE, 0, 0, 0,
      NULL },
    { "MsvAvFlags of 3 bytes", B3_AVFLAGS_LEN, 3, NONE, 0, 0, 0, NULL },
    { "RespType 2", B3, 3, FBYTE, F_NT, 16, 2, "not an NTLMv2 response" },
    { "HiRespType 0", B3, 3, FBYTE, F_NT, 17, 0, "not an NTLMv2 response" },
    { "AV pair running past the NT response", B3, 3, FBYTE, F_NT, 47, 0xff,
      NULL },
    { "NT response cut before MsvAvEOL", B3, 3, SET16, 20, 0, 44 + 32,
      NULL },
};

/* builds base b into m; returns its length */
static apr_size_t make_base(int b, unsigned char *m)
{
    static const unsigned char nonce[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
    unsigned char nt[256], av[128], u[1024], lm[24];
    t3_t s;
    int i;

    switch (b) {
    case B1_CURL:
        return t1_curl(m);
    case B1_FULL:
        return t1_full(m);
    case B1_NAMES:
        return t1_names(m);
    case B3:
        return spec_t3("User", "Domain", m);
    default:
        break;
    }
    spec_fields(&s, nt, u, "User", lm);
    switch (b) {
    case B3_V1:
        s.n[F_NT] = 24;
        break;
    case B3_ANON:
        s.n[F_NT] = s.n[F_USER] = 0;
        s.n[F_LM] = 1;
        break;
    case B3_LONG_USER:
        for (i = 0; i < 257; i++) {
            u[2 * i] = 'u';
            u[2 * i + 1] = 0;
        }
        s.n[F_USER] = 2 * 257;
        break;
    case B3_MIC_NO_ROOM:
    case B3_AVFLAGS_LEN:
        hex(spec_proof, nt);
        s.n[F_NT] = 16 + blob(nt + 16, 0, nonce, av,
                              spec_av(av, 1, AC_NTLM_AV_FLAG_MIC,
                                      b == B3_AVFLAGS_LEN ? 3 : 4));
        break;
    }
    return build_t3(&s, m);
}

static void test_bad_input(apr_pool_t *p)
{
    unsigned char base[2048];
    apr_size_t i, n;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const bad_t *t = &bad[i];
        unsigned char *m;
        const char *why = NULL;
        apr_status_t rv;
        apr_uint32_t f = 0;
        ac_ntlm_auth_t a;

        n = make_base(t->base, base);
        switch (t->op) {
        case TRUNC:
            n = t->at;
            break;
        case CUT:
            n -= t->at;
            break;
        case SET16:
            put16(base + t->at, t->val);
            if (t->base >= B3 && t->at >= 12 && t->at < 60)
                put16(base + t->at + 2, t->val);   /* MaxLen too */
            break;
        case SET32:
            put32(base + t->at, t->val);
            break;
        case OR32:
            put32(base + t->at, get32(base + t->at) | t->val);
            break;
        case CLR32:
            put32(base + t->at, get32(base + t->at) & ~t->val);
            break;
        case FBYTE:
            base[get32(base + 12 + 8 * t->at + 4) + t->k] = (unsigned char)t->val;
            break;
        }
        /* an exact-size heap copy, so tools see any read past the end */
        m = malloc(n ? n : 1);
        memcpy(m, base, n);
        if (t->parser == 1)
            rv = ac_ntlm_parse_negotiate(m, n, &f, &why);
        else
            rv = ac_ntlm_parse_authenticate(m, n, p, &a, &why);
        ok(rv == APR_EINVAL && why && (!t->why || !strcmp(why, t->why)),
           "refused: %s (%s)", t->name, why ? why : "no reason");
        free(m);
    }
    /* the bases themselves are fine where they should be */
    n = make_base(B3, base);
    {
        ac_ntlm_auth_t a;
        const char *why = NULL;

        ok(ac_ntlm_parse_authenticate(base, n, p, &a, &why) == APR_SUCCESS,
           "the unmutated type 3 base parses");
    }
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    test_hashes();
    test_spec_vectors(p);
    test_case_folding(p);
    test_challenge(p);
    test_negotiate();
    test_exchange(p);
    test_names(p);
    test_bad_input(p);

    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
