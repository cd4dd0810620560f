/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for ac_spnego.c and ac_ntlm_sign.c: a real client's
 * NegTokenInit (gss-ntlmssp under MIT's SPNEGO), NegTokenResp round trips
 * through the builder and the parser, the bad-input table of malformed
 * tokens, and MS-NLMP 4.2.4's session security vectors.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "tap.h"
#include "apr_general.h"
#include "apr_strings.h"
#include "ac_ntlm.h"
#include "ac_ntlm_sign.h"
#include "ac_spnego.h"

static apr_pool_t *pool;

static unsigned char *unhex(const char *h, apr_size_t *len)
{
    apr_size_t n = strlen(h) / 2, i;
    unsigned char *b = apr_palloc(pool, n + 1);

    for (i = 0; i < n; i++) {
        unsigned int v;

        sscanf(h + 2 * i, "%2x", &v);
        b[i] = (unsigned char)v;
    }
    *len = n;
    return b;
}

static const char *hex(const unsigned char *b, apr_size_t n)
{
    char *s = apr_palloc(pool, 2 * n + 1);
    apr_size_t i;

    for (i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", b[i]);
    s[2 * n] = 0;
    return s;
}

/* What `curl --negotiate` sends with gss-ntlmssp and no Kerberos ticket
 * (captured from python3-gssapi, SPNEGO mechanism, HTTP@localhost) */
#define REAL_INIT                                                         \
    "604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa22a04"  \
    "284e544c4d5353500001000000178208e20000000000000000000000000000000006" \
    "0200000000000f"

static void real_init(void)
{
    ac_spnego_token_t t;
    const char *why = NULL;
    apr_size_t len;
    unsigned char *tok = unhex(REAL_INIT, &len);

    ok(ac_spnego_parse(tok, len, pool, &t, &why) == APR_SUCCESS,
       "gss-ntlmssp's NegTokenInit parses (%s)", why ? why : "");
    ok(t.kind == AC_SPNEGO_INIT && t.nmechs == 1
       && t.first_mech == AC_SPNEGO_MECH_NTLMSSP,
       "one mechanism, NTLMSSP first");
    is_str(hex(t.mech_types, t.mech_types_len),
           "300c060a2b06010401823702020a",
           "mechTypes kept as sent: the SEQUENCE OF, tag and length too");
    ok(t.mech_token_len == 40 && !memcmp(t.mech_token, "NTLMSSP\0\1", 9),
       "mechToken is the NTLM NEGOTIATE");
    ok(!t.mic, "no mechListMIC in the first leg");
}

/* NegTokenResp built, parsed back, and compared byte for byte with the
 * DER the fields give by hand-checked X.690 */
static void round_trip(void)
{
    static const unsigned char mic[16] = "0123456789abcdef";
    ac_spnego_token_t t;
    unsigned char *der;
    apr_size_t len;
    const char *why = NULL;

    ok(ac_spnego_build_resp(AC_SPNEGO_ACCEPT_INCOMPLETE,
                            AC_SPNEGO_MECH_NTLMSSP,
                            (const unsigned char *)"NTLMSSP", 8, NULL, 0,
                            pool, &der, &len) == APR_SUCCESS,
       "accept-incomplete with supportedMech and a token builds");
    is_str(hex(der, len),
           "a121301fa0030a0101a10c060a2b06010401823702020aa20a04084e544c4d"
           "53535000",
           "its DER: [1] SEQUENCE { [0] ENUMERATED 1, [1] OID, [2] OCTETS }");
    ok(ac_spnego_parse(der, len, pool, &t, &why) == APR_SUCCESS
       && t.kind == AC_SPNEGO_RESP && t.neg_state == 1
       && t.has_supported_mech && t.supported_mech == AC_SPNEGO_MECH_NTLMSSP
       && t.mech_token_len == 8 && !memcmp(t.mech_token, "NTLMSSP", 8)
       && !t.mic, "and parses back to the same fields");
    ok(ac_spnego_build_resp(AC_SPNEGO_ACCEPT_COMPLETED,
                            AC_SPNEGO_MECH_OTHER, NULL, 0, mic, 16, pool,
                            &der, &len) == APR_SUCCESS
       && ac_spnego_parse(der, len, pool, &t, &why) == APR_SUCCESS
       && t.neg_state == 0 && !t.has_supported_mech && !t.mech_token
       && t.mic_len == 16 && !memcmp(t.mic, mic, 16),
       "accept-completed with only a mechListMIC round-trips");
    ok(ac_spnego_build_resp(-1, AC_SPNEGO_MECH_OTHER, NULL, 0, NULL, 0, pool,
                            &der, &len) == APR_SUCCESS
       && !strcmp(hex(der, len), "a1023000"),
       "an empty NegTokenResp is [1] { SEQUENCE {} }");
    ok(ac_spnego_build_resp(9, AC_SPNEGO_MECH_OTHER, NULL, 0, NULL, 0, pool,
                            &der, &len) == APR_EINVAL,
       "an unknown negState is not built");
}

/* Every one refused with a reason, nothing read past the input. */
static const struct {
    const char *hex, *what;
} bad[] = {
    { "", "empty" },
    { "00", "one zero byte" },
    { "6048", "GSS framing with its length running past the end" },
    { REAL_INIT "00", "a byte after the InitialContextToken" },
    { "604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa22a04"
      "284e544c4d5353500001000000178208e20000000000000000000000000000000006"
      "02000000", "truncated inside the mechToken" },
    /* the NegTokenInit without its GSS framing */
    { "a03e303ca00e300c060a2b06010401823702020aa22a04284e544c4d535350000100"
      "0000178208e200000000000000000000000000000000060200000000000f",
      "a bare NegTokenInit" },
    /* framing around a NegTokenResp */
    { "600c06062b0601050502a1023000", "SPNEGO framing around a NegTokenResp" },
    { "600e06062b0601050502a0043002a000", "mechTypes with nothing in [0]" },
    { "601006062b0601050502a0063004a0023000", "an empty mechTypes list" },
    { "601206062b0601050502a0083006a0040402abcd",
      "mechTypes an OCTET STRING" },
    { "601406062b0601050502a00a3008a0063004020100ff",
      "mechTypes holding an INTEGER" },
    { "600a06062b0601050502a000", "an empty [0] with no NegTokenInit" },
    { "a1073005a003020101", "negState an INTEGER, not an ENUMERATED" },
    { "a1073005a0030a0107", "negState 7" },
    { "a1083006a0040a020100", "negState 256" },
    { "a1073005a0030a01ff", "negState -1" },
    { "a1053003800101", "an IMPLICIT tag where EXPLICIT is due" },
    { "a1063004a2020401", "responseToken shorter than its length" },
    { "a1083005a203040100ff", "a byte after the NegTokenResp's SEQUENCE" },
    { "a1073005a203040100ff", "a byte after the NegTokenResp" },
    { "a2023000", "a NegotiationToken choice [2]" },
    { "a1803080a0030a01000000", "indefinite lengths (BER, not DER), unended" },
    { "3000", "a SEQUENCE with no choice tag" },
    { "a1840000", "a length of four octets, cut" },
    { "a18fffffffffffffffffffffffffffffff3000", "a 15-octet length" },
};

static void bad_input(void)
{
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ac_spnego_token_t t;
        const char *why = NULL;
        apr_size_t len;
        unsigned char *tok = unhex(bad[i].hex, &len);
        apr_status_t rv = ac_spnego_parse(tok, len, pool, &t, &why);

        ok(rv == APR_EINVAL && why, "refused: %s (%s)", bad[i].what,
           why ? why : "no reason");
    }
}

/* mechTypes of 16 mechanisms parse; 17 are refused */
static void mech_limit(void)
{
    const char *oid = "060a2b06010401823702020a";
    ac_spnego_token_t t;
    const char *why, *list16 = "", *list17;
    char *h;
    int i;

    for (i = 0; i < 16; i++)
        list16 = apr_pstrcat(pool, list16, oid, NULL);
    list17 = apr_pstrcat(pool, list16, oid, NULL);
    for (i = 16; i <= 17; i++) {
        const char *list = i == 16 ? list16 : list17;
        apr_size_t n = strlen(list) / 2, len;
        unsigned char *tok;

        /* [APPLICATION 0] { OID, [0] { SEQUENCE { [0] { SEQUENCE OF } } } },
         * lengths in the long form (over 127 bytes) */
        h = apr_psprintf(pool, "6082%04x06062b0601050502a082%04x3082%04x"
                         "a082%04x3082%04x%s",
                         (unsigned)(n + 4 + 4 + 4 + 4 + 8),
                         (unsigned)(n + 12), (unsigned)(n + 8),
                         (unsigned)(n + 4), (unsigned)n, list);
        tok = unhex(h, &len);
        why = NULL;
        if (i == 16)
            ok(ac_spnego_parse(tok, len, pool, &t, &why) == APR_SUCCESS
               && t.nmechs == 16, "16 mechanisms parse (%s)",
               why ? why : "");
        else
            ok(ac_spnego_parse(tok, len, pool, &t, &why) == APR_EINVAL,
               "17 mechanisms are refused");
    }
}

/* A raw Kerberos token: its framing named, nothing else read */
static void other_mech(void)
{
    ac_spnego_token_t t;
    const char *why = NULL;
    apr_size_t len;
    unsigned char *tok = unhex("600f06092a864886f71201020201006e00", &len);

    ok(ac_spnego_parse(tok, len, pool, &t, &why) == APR_SUCCESS
       && t.kind == AC_SPNEGO_GSS_OTHER && t.this_mech == AC_SPNEGO_MECH_KRB5,
       "a raw Kerberos InitialContextToken is told apart");
}

/* RC4 over data, then over more, one key stream: the test's own, from
 * OpenSSL's legacy provider (the module never needs it) */
static int rc4(const unsigned char key[16], const unsigned char *data,
               int len, const unsigned char *more, int more_len,
               unsigned char *out)
{
    OSSL_LIB_CTX *lib = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *legacy = lib ? OSSL_PROVIDER_load(lib, "legacy") : NULL;
    EVP_CIPHER *c = legacy ? EVP_CIPHER_fetch(lib, "RC4", NULL) : NULL;
    EVP_CIPHER_CTX *ctx = c ? EVP_CIPHER_CTX_new() : NULL;
    int n, ok_;

    ok_ = ctx && EVP_EncryptInit_ex(ctx, c, NULL, key, NULL)
          && EVP_EncryptUpdate(ctx, out, &n, data, len)
          && EVP_EncryptUpdate(ctx, out + len, &n, more, more_len);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    OSSL_PROVIDER_unload(legacy);
    OSSL_LIB_CTX_free(lib);
    return ok_;
}

/* The signing and sealing keys of MS-NLMP 4.2.4.4 (128 bits) for both
 * directions, and 56-bit ones as other implementations derive them */
static void keys(const unsigned char key[16])
{
    static const struct {
        apr_uint32_t flags;
        ac_ntlm_direction_e dir;
        const char *sign, *seal, *what;
    } v[] = {
        { AC_NTLM_NEGOTIATE_128, AC_NTLM_CLIENT_TO_SERVER,
          "4788dc861b4782f35d43fd98fe1a2d39",
          "59f600973cc4960a25480a7c196e4c58", "client-to-server (4.2.4.4)" },
        { AC_NTLM_NEGOTIATE_128, AC_NTLM_SERVER_TO_CLIENT,
          "d04d6f10741041d1d246d64188d7a8ad",
          "9355f3a957c1583d25c4c2f11e40390e", "server-to-client" },
        { AC_NTLM_NEGOTIATE_56, AC_NTLM_CLIENT_TO_SERVER,
          "4788dc861b4782f35d43fd98fe1a2d39",
          "a5f7253c1065e8d3d68642040e71cfe0",
          "client-to-server, 56 bits: sealing from the first 7 bytes" },
    };
    unsigned char sign[16], seal[16];
    size_t i;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        ok(ac_ntlm_session_keys(key, v[i].flags, v[i].dir, sign, seal)
           == APR_SUCCESS, "keys %s", v[i].what);
        is_str(hex(sign, 16), v[i].sign, "  signing key");
        is_str(hex(seal, 16), v[i].seal, "  sealing key");
    }
}

/* MS-NLMP 4.2.4: NTLMv2 with RandomSessionKey 0x55 x 16 as the exported
 * session key, flags with EXTENDED_SESSIONSECURITY, 128 and KEY_EXCH */
static void nlmp_vectors(void)
{
    unsigned char key[16], sign[16], seal[16], sig[16], out[26];
    static const unsigned char plain[18] = {
        'P', 0, 'l', 0, 'a', 0, 'i', 0, 'n', 0, 't', 0, 'e', 0, 'x', 0,
        't', 0
    };
    apr_uint32_t flags = AC_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY
                         | AC_NTLM_NEGOTIATE_128 | AC_NTLM_NEGOTIATE_KEY_EXCH;
    int good = 0;

    memset(key, 0x55, sizeof(key));
    keys(key);
    ac_ntlm_session_keys(key, flags, AC_NTLM_CLIENT_TO_SERVER, sign, seal);
    ok(ac_ntlm_sign(sign, 0, plain, sizeof(plain), sig) == APR_SUCCESS,
       "signature of \"Plaintext\", sequence 0");
    ok(!memcmp(sig, "\x01\0\0\0", 4) && !memcmp(sig + 12, "\0\0\0\0", 4),
       "version 1 and SeqNum 0 around the checksum");
    /* 4.2.4.4 seals the message with the sealing key's RC4, then RC4s the
     * checksum with the same key stream (KEY_EXCH): both must come out */
    ok(rc4(seal, plain, 18, sig + 4, 8, out), "RC4 from OpenSSL's legacy "
       "provider, for the vector (the module never uses it)");
    is_str(hex(out, 18), "54e50165bf1936dc996020c1811b0f06fb5f",
           "sealed \"Plaintext\" (4.2.4.4): the key stream is the spec's");
    is_str(hex(out + 18, 8), "7fb38ec5c55d4976",
           "the checksum, once RC4'd, is the spec's signature's (4.2.4.4)");
    ok(ac_ntlm_sign_verify(sign, 0, plain, sizeof(plain), sig, 16, &good)
       == APR_SUCCESS && good, "the signature verifies");
    sig[15] ^= 1;
    ok(ac_ntlm_sign_verify(sign, 0, plain, sizeof(plain), sig, 16, &good)
       == APR_SUCCESS && !good, "one bit of SeqNum changed: refused");
    sig[15] ^= 1;
    ok(ac_ntlm_sign_verify(sign, 1, plain, sizeof(plain), sig, 16, &good)
       == APR_SUCCESS && !good, "verified with another sequence: refused");
    ok(ac_ntlm_sign_verify(sign, 0, plain, sizeof(plain), sig, 15, &good)
       == APR_SUCCESS && !good, "one byte short: refused");

}

int main(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
    real_init();
    round_trip();
    bad_input();
    mech_limit();
    other_mech();
    nlmp_vectors();
    apr_pool_destroy(pool);
    apr_terminate();
    return tap_done();
}
