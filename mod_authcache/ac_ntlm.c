/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NTLMSSP messages, server side: see ac_ntlm.h.
 */
#include <stddef.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "apr_md4.h"

#include "ac_ntlm.h"
#include "ac_utf16.h"

static const unsigned char signature[8] = "NTLMSSP";  /* with its NUL */

#define NEG_HEADER   32         /* NEGOTIATE up to the workstation field */
#define CHAL_HEADER  56         /* CHALLENGE with its Version */
#define AUTH_HEADER  64         /* AUTHENTICATE up to NegotiateFlags */
#define AUTH_VERSION 64         /* where its optional Version sits */
#define V2_RESP_MIN  (16 + 28)  /* NTProofStr + blob without AV pairs */
#define V2_AV_AT     V2_RESP_MIN

/*
 * The Version field we send: Windows 7 / 2008 R2 (6.1 build 7600) and
 * NTLMSSP revision 15. Clients only log it.
 */
static const unsigned char our_version[8] = { 6, 1, 0xB0, 0x1D, 0, 0, 0, 15 };

/* Little-endian readers and writers: messages are not aligned. */
static apr_uint16_t get16(const unsigned char *p)
{
    return (apr_uint16_t)(p[0] | (p[1] << 8));
}

static apr_uint32_t get32(const unsigned char *p)
{
    return (apr_uint32_t)p[0] | ((apr_uint32_t)p[1] << 8)
           | ((apr_uint32_t)p[2] << 16) | ((apr_uint32_t)p[3] << 24);
}

static apr_uint64_t get64(const unsigned char *p)
{
    return (apr_uint64_t)get32(p) | ((apr_uint64_t)get32(p + 4) << 32);
}

static void put16(unsigned char *p, apr_uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, apr_uint32_t v)
{
    put16(p, (apr_uint16_t)v);
    put16(p + 2, (apr_uint16_t)(v >> 16));
}

static void put64(unsigned char *p, apr_uint64_t v)
{
    put32(p, (apr_uint32_t)v);
    put32(p + 4, (apr_uint32_t)(v >> 32));
}

static apr_status_t refuse(const char **why, const char *reason)
{
    *why = reason;
    return APR_EINVAL;
}

/*
 * Reads the security buffer (len, maxlen, offset) at msg[at..at+8), which
 * the caller has checked is inside the message. MaxLen is ignored, as
 * MS-NLMP asks. An empty field's offset is never used, so it is not
 * checked either: clients put 0 or the end of the message there. A field
 * with bytes must start after the header and end inside the message;
 * offset + len is summed in 64 bits, so a 0xffffffff offset cannot wrap.
 */
static apr_status_t read_field(const unsigned char *msg, apr_size_t len,
                               apr_size_t at, apr_size_t header,
                               ac_ntlm_buf_t *out, const char **why)
{
    apr_uint64_t flen = get16(msg + at), off = get32(msg + at + 4);

    out->data = NULL;
    out->len = 0;
    if (flen == 0)
        return APR_SUCCESS;
    if (off < header)
        return refuse(why, "field overlaps the message header");
    if (off + flen > len)
        return refuse(why, "field runs past the end of the message");
    out->data = msg + off;
    out->len = (apr_size_t)flen;
    return APR_SUCCESS;
}

apr_status_t ac_ntlm_message_type(const unsigned char *msg, apr_size_t len,
                                  int *type, const char **why)
{
    apr_uint32_t t;

    if (len < 12)
        return refuse(why, "NTLMSSP message too short");
    if (memcmp(msg, signature, sizeof(signature)) != 0)
        return refuse(why, "no NTLMSSP signature");
    t = get32(msg + 8);
    if (t < 1 || t > 3)
        return refuse(why, "unknown NTLMSSP message type");
    *type = (int)t;
    return APR_SUCCESS;
}

apr_status_t ac_ntlm_parse_negotiate(const unsigned char *msg, apr_size_t len,
                                     apr_uint32_t *flags, const char **why)
{
    ac_ntlm_buf_t f;
    apr_size_t at;
    apr_status_t rv;
    int type;

    if ((rv = ac_ntlm_message_type(msg, len, &type, why)) != APR_SUCCESS)
        return rv;
    if (type != 1)
        return refuse(why, "not an NTLMSSP NEGOTIATE message");
    if (len < 16)
        return refuse(why, "NEGOTIATE message too short");
    /*
     * Short NEGOTIATEs stop after the flags or after the domain field;
     * one that stops inside a field is broken.
     */
    if ((len > 16 && len < 24) || (len > 24 && len < NEG_HEADER))
        return refuse(why, "NEGOTIATE message ends inside a field");
    /* domain at 16, workstation at 24: OEM strings we never use */
    for (at = 16; at < NEG_HEADER && at + 8 <= len; at += 8) {
        if ((rv = read_field(msg, len, at, NEG_HEADER, &f, why)) != APR_SUCCESS)
            return rv;
    }
    *flags = get32(msg + 12);
    return APR_SUCCESS;
}

/* A server name as UTF-16LE; an optional one may be NULL or "". */
static apr_status_t server_name(const char *name, int required,
                                apr_pool_t *p, unsigned char **out,
                                apr_size_t *n, const char **why)
{
    *out = NULL;
    *n = 0;
    if (!name || !*name)
        return required ? refuse(why, "NetBIOS name missing") : APR_SUCCESS;
    if (ac_utf8_to_utf16le(name, strlen(name), p, out, n) != APR_SUCCESS)
        return refuse(why, "server name is not valid UTF-8");
    if (*n > 2 * AC_NTLM_NAME_MAX)
        return refuse(why, "server name too long");
    return APR_SUCCESS;
}

static unsigned char *put_av(unsigned char *d, apr_uint16_t id,
                             const unsigned char *value, apr_size_t n)
{
    put16(d, id);
    put16(d + 2, (apr_uint16_t)n);
    if (n)
        memcpy(d + 4, value, n);
    return d + 4 + n;
}

static void put_field(unsigned char *d, apr_size_t len, apr_size_t offset)
{
    put16(d, (apr_uint16_t)len);
    put16(d + 2, (apr_uint16_t)len);
    put32(d + 4, (apr_uint32_t)offset);
}

/*
 * What we answer with. Unicode, NTLM and target info are what NTLMv2
 * needs; signing flags are echoed so that clients which insist on them
 * still talk to us (HTTP never signs). No KEY_EXCH: the exported session
 * key then is the session base key, with no RC4 to decrypt it. No LM_KEY,
 * no SEAL.
 */
static apr_uint32_t negotiate_flags(apr_uint32_t client)
{
    const apr_uint32_t echoed = AC_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY
                                | AC_NTLM_NEGOTIATE_ALWAYS_SIGN
                                | AC_NTLM_NEGOTIATE_SIGN
                                | AC_NTLM_NEGOTIATE_128
                                | AC_NTLM_NEGOTIATE_56;

    return AC_NTLM_NEGOTIATE_UNICODE | AC_NTLM_NEGOTIATE_NTLM
           | AC_NTLM_REQUEST_TARGET | AC_NTLM_TARGET_TYPE_DOMAIN
           | AC_NTLM_NEGOTIATE_TARGET_INFO | AC_NTLM_NEGOTIATE_VERSION
           | (client & echoed);
}

apr_status_t ac_ntlm_build_challenge(const ac_ntlm_challenge_params_t *params,
                                     apr_uint32_t client_flags, apr_pool_t *p,
                                     unsigned char **out, apr_size_t *out_len,
                                     apr_uint32_t *negotiated,
                                     const char **why)
{
    /* the AV pairs, in the order Windows sends them */
    static const apr_uint16_t ids[4] = {
        AC_NTLM_AV_NB_DOMAIN_NAME, AC_NTLM_AV_NB_COMPUTER_NAME,
        AC_NTLM_AV_DNS_DOMAIN_NAME, AC_NTLM_AV_DNS_COMPUTER_NAME
    };
    const char *names[4];
    unsigned char *u[4], ts[8], *msg, *d;
    apr_size_t n[4], info_len = (4 + 8) + 4, total;
    apr_uint32_t flags;
    apr_status_t rv;
    int i;

    /*
     * Unicode is always chosen, even when the client offered only OEM (as
     * curl does): MS-NLMP lets the server pick, the client follows the
     * CHALLENGE's flags, and an AUTHENTICATE without Unicode is refused.
     */
    names[0] = params->nb_domain;
    names[1] = params->nb_computer;
    names[2] = params->dns_domain;
    names[3] = params->dns_computer;
    for (i = 0; i < 4; i++) {
        rv = server_name(names[i], i < 2, p, &u[i], &n[i], why);
        if (rv != APR_SUCCESS)
            return rv;
        if (n[i])
            info_len += 4 + n[i];
    }
    flags = negotiate_flags(client_flags);

    /* TargetName is the NetBIOS domain, then comes TargetInfo */
    total = CHAL_HEADER + n[0] + info_len;
    msg = apr_pcalloc(p, total);
    memcpy(msg, signature, sizeof(signature));
    put32(msg + 8, 2);
    put_field(msg + 12, n[0], CHAL_HEADER);
    put32(msg + 20, flags);
    memcpy(msg + 24, params->challenge, 8);
    /* 32..40: Reserved, zero */
    put_field(msg + 40, info_len, CHAL_HEADER + n[0]);
    memcpy(msg + 48, our_version, sizeof(our_version));

    d = msg + CHAL_HEADER;
    memcpy(d, u[0], n[0]);
    d += n[0];
    for (i = 0; i < 4; i++) {
        if (n[i])
            d = put_av(d, ids[i], u[i], n[i]);
    }
    put64(ts, params->timestamp);
    d = put_av(d, AC_NTLM_AV_TIMESTAMP, ts, sizeof(ts));
    put_av(d, AC_NTLM_AV_EOL, NULL, 0);

    *out = msg;
    *out_len = total;
    *negotiated = flags;
    return APR_SUCCESS;
}

/*
 * One step through the AV pairs in av[0..len), from *at: 1 with the pair's
 * *id and *n (its value at av + *at + 4) and *at moved past it, 0 at
 * MsvAvEOL with *at just past the EOL, -1 when a pair runs past len or
 * the list ends without an EOL.
 */
static int av_next(const unsigned char *av, apr_size_t len, apr_size_t *at,
                   apr_uint16_t *id, apr_size_t *n)
{
    if (len - *at < 4)
        return -1;
    *id = get16(av + *at);
    *n = get16(av + *at + 2);
    if (*id == AC_NTLM_AV_EOL) {
        *at += 4;
        return 0;
    }
    if (*n > len - *at - 4)
        return -1;
    *at += 4 + *n;
    return 1;
}

apr_status_t ac_ntlm_av_find(const unsigned char *av, apr_size_t len,
                             apr_uint16_t want, const unsigned char **value,
                             apr_size_t *value_len)
{
    apr_size_t at = 0, n;
    apr_uint16_t id;
    int step;

    *value = NULL;
    *value_len = 0;
    while ((step = av_next(av, len, &at, &id, &n)) > 0) {
        if (id == want && !*value) {
            *value = av + at - n;
            *value_len = n;
        }
    }
    if (step < 0)
        return APR_EINVAL;
    return *value ? APR_SUCCESS : APR_NOTFOUND;
}

/* The sizes MS-NLMP fixes, for the pairs later checks read. */
static int av_size_ok(apr_uint16_t id, apr_size_t n)
{
    switch (id) {
    case AC_NTLM_AV_FLAGS:
        return n == AC_NTLM_AV_FLAGS_LEN;
    case AC_NTLM_AV_TIMESTAMP:
        return n == AC_NTLM_AV_TIMESTAMP_LEN;
    case AC_NTLM_AV_CHANNEL_BINDINGS:
        return n == AC_NTLM_AV_BINDINGS_LEN;
    case AC_NTLM_AV_TARGET_NAME:
        return n % 2 == 0 && n <= 2 * AC_NTLM_NAME_MAX;
    default:
        return 1;
    }
}

/*
 * The client's AV pairs up to MsvAvEOL; *list_len gets their length with
 * the EOL. Readers (ac_ntlm_av_find) see the first pair of an id, so a
 * second one, which another implementation might read instead, is
 * refused: each id of MS-NLMP (below 32) may appear once.
 */
static apr_status_t av_check(const unsigned char *av, apr_size_t len,
                             apr_size_t *list_len, const char **why)
{
    apr_uint32_t seen = 0;
    apr_size_t at = 0, n;
    apr_uint16_t id;
    int step;

    while ((step = av_next(av, len, &at, &id, &n)) > 0) {
        if (id < 32 && (seen & (1U << id)))
            return refuse(why, "an AV pair given twice in the NTLMv2 "
                               "response");
        if (id < 32)
            seen |= 1U << id;
        if (!av_size_ok(id, n))
            return refuse(why, "AV pair of the wrong size in the NTLMv2 "
                               "response");
    }
    if (step < 0)
        return refuse(why, "malformed AV pairs in the NTLMv2 response");
    *list_len = at;
    return APR_SUCCESS;
}

/*
 * The NTLMv2 response: NTProofStr (16), then the client blob: RespType 1,
 * HiRespType 1, 6 reserved bytes, TimeStamp (8), ChallengeFromClient (8),
 * 4 reserved bytes, AV pairs. A MIC is announced by MsvAvFlags in those
 * pairs, which the NTProofStr covers, so it cannot be stripped.
 */
static apr_status_t check_v2_response(ac_ntlm_auth_t *a, const char **why)
{
    const unsigned char *nt = a->nt.data, *v;
    apr_size_t vlen, list_len;
    apr_status_t rv;

    if (a->nt.len == 24)
        return refuse(why, "NTLMv1 is refused");
    if (a->nt.len < V2_RESP_MIN)
        return refuse(why, "NT response too short for NTLMv2");
    if (nt[16] != 1 || nt[17] != 1)
        return refuse(why, "not an NTLMv2 response");
    rv = av_check(nt + V2_AV_AT, a->nt.len - V2_AV_AT, &list_len, why);
    if (rv != APR_SUCCESS)
        return rv;
    a->av.data = nt + V2_AV_AT;
    a->av.len = list_len;
    a->has_mic = ac_ntlm_av_find(a->av.data, a->av.len, AC_NTLM_AV_FLAGS,
                                 &v, &vlen) == APR_SUCCESS
                 && (get32(v) & AC_NTLM_AV_FLAG_MIC);
    return APR_SUCCESS;
}

/* AUTHENTICATE's six fields, in the order of their headers (at 12 + 8 i) */
#define AUTH_FIELDS 6
static const apr_size_t auth_field_at[AUTH_FIELDS] = {
    offsetof(ac_ntlm_auth_t, lm), offsetof(ac_ntlm_auth_t, nt),
    offsetof(ac_ntlm_auth_t, domain), offsetof(ac_ntlm_auth_t, user),
    offsetof(ac_ntlm_auth_t, workstation),
    offsetof(ac_ntlm_auth_t, session_key)
};

static ac_ntlm_buf_t *auth_field(const ac_ntlm_auth_t *a, int i)
{
    return (ac_ntlm_buf_t *)((char *)a + auth_field_at[i]);
}

/* Where the payload starts: the lowest offset of a field with bytes. */
static apr_size_t payload_start(const unsigned char *msg, apr_size_t len,
                                const ac_ntlm_auth_t *a)
{
    apr_size_t start = len;
    int i;

    for (i = 0; i < AUTH_FIELDS; i++) {
        const ac_ntlm_buf_t *f = auth_field(a, i);

        if (f->len && (apr_size_t)(f->data - msg) < start)
            start = (apr_size_t)(f->data - msg);
    }
    return start;
}

/*
 * Version and MIC are optional header fields: they are there when the
 * payload leaves room for them. curl echoes NEGOTIATE_VERSION but starts
 * its payload at 64, so the flag alone does not say a Version is present.
 */
static apr_status_t read_optional(const unsigned char *msg, apr_size_t len,
                                  ac_ntlm_auth_t *a, const char **why)
{
    apr_size_t start = payload_start(msg, len, a);

    if ((a->flags & AC_NTLM_NEGOTIATE_VERSION) && start >= AUTH_VERSION + 8) {
        a->has_version = 1;
        memcpy(a->version, msg + AUTH_VERSION, 8);
    }
    if (a->has_mic) {
        if (start < AC_NTLM_MIC_OFFSET + AC_NTLM_MIC_LEN)
            return refuse(why, "MIC announced but the message has no room "
                               "for it");
        a->mic_offset = AC_NTLM_MIC_OFFSET;
        memcpy(a->mic, msg + AC_NTLM_MIC_OFFSET, AC_NTLM_MIC_LEN);
    }
    return APR_SUCCESS;
}

/* A UTF-8 copy of a UTF-16LE name, "" for an empty one. */
static apr_status_t name_utf8(const ac_ntlm_buf_t *b, apr_pool_t *p,
                              const char **out, const char **why)
{
    char *s;
    apr_size_t i;
    apr_status_t rv;

    if (b->len > 2 * AC_NTLM_NAME_MAX)
        return refuse(why, "name too long");
    if (b->len == 0) {
        *out = "";
        return APR_SUCCESS;
    }
    if ((rv = ac_utf16le_to_utf8(b->data, b->len, p, &s, why)) != APR_SUCCESS)
        return rv;
    /* the same rule as ac_name_split: names end up in logs and keys */
    for (i = 0; s[i]; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return refuse(why, "control character in name");
    }
    *out = s;
    return APR_SUCCESS;
}

static int is_anonymous(const ac_ntlm_auth_t *a)
{
    if (a->flags & AC_NTLM_NEGOTIATE_ANONYMOUS)
        return 1;
    /* MS-NLMP 3.2.5.1.2: empty user, empty NT, empty or one zero LM */
    return a->user.len == 0 && a->nt.len == 0
           && (a->lm.len == 0 || (a->lm.len == 1 && a->lm.data[0] == 0));
}

apr_status_t ac_ntlm_parse_authenticate(const unsigned char *msg,
                                        apr_size_t len, apr_pool_t *p,
                                        ac_ntlm_auth_t *out, const char **why)
{
    apr_status_t rv;
    int type, i;

    memset(out, 0, sizeof(*out));
    if ((rv = ac_ntlm_message_type(msg, len, &type, why)) != APR_SUCCESS)
        return rv;
    if (type != 3)
        return refuse(why, "not an NTLMSSP AUTHENTICATE message");
    if (len < AUTH_HEADER)
        return refuse(why, "AUTHENTICATE message too short");
    for (i = 0; i < AUTH_FIELDS; i++) {
        rv = read_field(msg, len, 12 + 8 * i, AUTH_HEADER, auth_field(out, i),
                        why);
        if (rv != APR_SUCCESS)
            return rv;
    }
    out->flags = get32(msg + 60);

    if (is_anonymous(out))
        return refuse(why, "anonymous login is refused");
    if (!(out->flags & AC_NTLM_NEGOTIATE_UNICODE))
        return refuse(why, "client did not negotiate Unicode");
    if (out->user.len == 0)
        return refuse(why, "empty user name");
    if ((rv = check_v2_response(out, why)) != APR_SUCCESS
        || (rv = read_optional(msg, len, out, why)) != APR_SUCCESS
        || (rv = name_utf8(&out->user, p, &out->user_utf8, why))
           != APR_SUCCESS
        || (rv = name_utf8(&out->domain, p, &out->domain_utf8, why))
           != APR_SUCCESS
        || (rv = name_utf8(&out->workstation, p, &out->workstation_utf8,
                           why)) != APR_SUCCESS)
        return rv;
    return APR_SUCCESS;
}

typedef struct {
    const void *data;
    apr_size_t len;
} part_t;

/* HMAC-MD5 over the concatenated parts. */
static apr_status_t hmac_md5(const unsigned char *key, apr_size_t keylen,
                             const part_t *parts, int nparts,
                             unsigned char out[16])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[2];
    size_t outlen = 0;
    int ok, i;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"MD5", 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = ctx && EVP_MAC_init(ctx, key, keylen, params);
    for (i = 0; ok && i < nparts; i++) {
        if (parts[i].len)
            ok = EVP_MAC_update(ctx, parts[i].data, parts[i].len);
    }
    ok = ok && EVP_MAC_final(ctx, out, &outlen, 16) && outlen == 16;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok ? APR_SUCCESS : APR_EGENERAL;
}

/*
 * NTOWFv2 = HMAC_MD5(NT hash, UTF16LE(Uppercase(user)) || UTF16LE(domain)).
 * Windows uppercases with its own table; this covers ASCII and Latin-1
 * (U+00E0..U+00FE but U+00F7, and not U+00FF whose capital is U+0178).
 * Other scripts (Greek, Cyrillic, ...) are left as they are.
 */
apr_status_t ac_ntlm_ntowf_v2(const unsigned char nt_hash[16],
                              const unsigned char *user, apr_size_t user_len,
                              const unsigned char *domain,
                              apr_size_t domain_len, unsigned char out[16])
{
    unsigned char upper[2 * AC_NTLM_NAME_MAX];
    part_t parts[2];
    apr_size_t i;

    if (user_len > sizeof(upper) || user_len % 2)
        return APR_EINVAL;
    for (i = 0; i < user_len; i += 2) {
        apr_uint16_t c = get16(user + i);

        if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7))
            c -= 0x20;
        put16(upper + i, c);
    }
    parts[0].data = upper;
    parts[0].len = user_len;
    parts[1].data = domain;
    parts[1].len = domain_len;
    return hmac_md5(nt_hash, 16, parts, 2, out);
}

apr_status_t ac_ntlm_v2_verify(const unsigned char nt_hash[16],
                               const ac_ntlm_auth_t *a,
                               const unsigned char server_challenge[8],
                               unsigned char session_base_key[16], int *ok)
{
    unsigned char key[16], proof[16];
    part_t parts[2];
    apr_status_t rv;

    *ok = 0;
    memset(session_base_key, 0, 16);
    if (!a->nt.data || a->nt.len < V2_RESP_MIN)
        return APR_EINVAL;
    rv = ac_ntlm_ntowf_v2(nt_hash, a->user.data, a->user.len,
                          a->domain.data, a->domain.len, key);
    /* NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge || blob) */
    parts[0].data = server_challenge;
    parts[0].len = 8;
    parts[1].data = a->nt.data + 16;
    parts[1].len = a->nt.len - 16;
    if (rv == APR_SUCCESS)
        rv = hmac_md5(key, 16, parts, 2, proof);
    if (rv == APR_SUCCESS && CRYPTO_memcmp(proof, a->nt.data, 16) == 0) {
        parts[0].data = proof;
        parts[0].len = 16;
        rv = hmac_md5(key, 16, parts, 1, session_base_key);
        *ok = rv == APR_SUCCESS;
    }
    if (!*ok)
        memset(session_base_key, 0, 16);
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(proof, sizeof(proof));
    return rv;
}

apr_status_t ac_ntlm_v2_timestamp(const ac_ntlm_auth_t *a,
                                  apr_uint64_t *filetime)
{
    if (!a->nt.data || a->nt.len < V2_RESP_MIN)
        return APR_EINVAL;
    *filetime = get64(a->nt.data + 16 + 8);
    return APR_SUCCESS;
}

apr_status_t ac_ntlm_v2_av_pairs(const ac_ntlm_auth_t *a,
                                 const unsigned char **av, apr_size_t *len)
{
    if (!a->av.data)
        return APR_EINVAL;
    *av = a->av.data;
    *len = a->av.len;
    return APR_SUCCESS;
}

apr_status_t ac_ntlm_mic_verify(const unsigned char session_base_key[16],
                                const unsigned char *negotiate,
                                apr_size_t nlen,
                                const unsigned char *challenge,
                                apr_size_t clen,
                                const unsigned char *authenticate,
                                apr_size_t alen, const ac_ntlm_auth_t *a,
                                int *ok)
{
    static const unsigned char zero[AC_NTLM_MIC_LEN];
    const apr_size_t end = AC_NTLM_MIC_OFFSET + AC_NTLM_MIC_LEN;
    unsigned char mic[AC_NTLM_MIC_LEN];
    part_t parts[5];
    apr_status_t rv;

    *ok = 0;
    /* with KEY_EXCH the MIC key would be an RC4-decrypted random key */
    if (a->flags & AC_NTLM_NEGOTIATE_KEY_EXCH)
        return APR_ENOTIMPL;
    if (!a->has_mic || a->mic_offset != AC_NTLM_MIC_OFFSET || alen < end)
        return APR_EINVAL;
    parts[0].data = negotiate;
    parts[0].len = nlen;
    parts[1].data = challenge;
    parts[1].len = clen;
    parts[2].data = authenticate;
    parts[2].len = AC_NTLM_MIC_OFFSET;
    parts[3].data = zero;
    parts[3].len = AC_NTLM_MIC_LEN;
    parts[4].data = authenticate + end;
    parts[4].len = alen - end;
    rv = hmac_md5(session_base_key, 16, parts, 5, mic);
    *ok = rv == APR_SUCCESS
          && CRYPTO_memcmp(mic, a->mic, AC_NTLM_MIC_LEN) == 0;
    return rv;
}

apr_status_t ac_ntlm_nt_hash(const char *password_utf8, unsigned char out[16])
{
    const unsigned char *s = (const unsigned char *)password_utf8;
    apr_size_t len = strlen(password_utf8), i = 0, n = 0;
    unsigned char buf[64];      /* UTF-16LE, hashed a few units at a time */
    apr_md4_ctx_t ctx;
    apr_status_t rv = APR_SUCCESS;

    apr_md4_init(&ctx);
    while (i < len) {
        apr_uint32_t cp;
        apr_size_t k = ac_utf8_decode(s + i, len - i, &cp);

        if (k == 0) {
            rv = APR_EINVAL;
            break;
        }
        if (n + 4 > sizeof(buf)) {
            apr_md4_update(&ctx, buf, n);
            n = 0;
        }
        n += ac_utf16le_encode(cp, buf + n);
        i += k;
    }
    if (rv == APR_SUCCESS) {
        apr_md4_update(&ctx, buf, n);
        apr_md4_final(out, &ctx);
    }
    else
        memset(out, 0, 16);
    OPENSSL_cleanse(buf, sizeof(buf));
    OPENSSL_cleanse(&ctx, sizeof(ctx));
    return rv;
}

apr_uint64_t ac_ntlm_filetime(apr_time_t t)
{
    /* 1601-01-01 to 1970-01-01 in 100 ns units */
    return (apr_uint64_t)t * 10 + APR_UINT64_C(116444736000000000);
}
