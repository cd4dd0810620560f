/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the NTLMSSP parsers: whatever the bytes, a message
 * is either refused with a reason or parsed into fields that lie inside
 * it; a parsed NEGOTIATE gets a CHALLENGE built for it, a parsed
 * AUTHENTICATE goes through NTLMv2 and MIC verification (with a fixed
 * hash and challenge: they fail, but read every byte they would read)
 * and through the Extended Protection checks of its AV pairs against a
 * CHALLENGE of ours, under each policy. A CHALLENGE is read as the
 * checks read ours, and a fixed AUTHENTICATE is checked against it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "ac_ntlm.h"
#include "ac_ntlm_epa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char hash[16] = {
    0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
    0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52
};
static const unsigned char chal[8] = {
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};

/* The CHALLENGE the EPA checks compare with, and a client's answer to
 * it (AV pairs: the CHALLENGE's, MsvAvFlags, bindings, a target name). */
static unsigned char *our_chal, fixed_auth[512];
static apr_size_t our_chal_len, fixed_auth_len;
static const unsigned char cb[16] = "0123456789abcdef";
static const char *const spns[] = { "HTTP/www.example.com", "HTTP/*.test" };

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void setup(apr_pool_t *p)
{
    ac_ntlm_challenge_params_t cp;
    apr_uint32_t neg;
    apr_size_t ti_len = 0, at = 64;
    const unsigned char *ti = NULL;
    apr_uint64_t ts;
    apr_uint32_t flags;
    const char *why;
    unsigned char *a = fixed_auth, *d;

    memset(&cp, 0, sizeof(cp));
    cp.nb_domain = "EXAMPLE";
    cp.nb_computer = "WEB01";
    cp.dns_computer = "www.example.com";
    cp.timestamp = APR_UINT64_C(133444736000000000);
    memcpy(cp.challenge, chal, 8);
    if (ac_ntlm_build_challenge(&cp, 0xe2088297U, p, &our_chal,
                                &our_chal_len, &neg, &why) != APR_SUCCESS
        || ac_ntlm_challenge_read(our_chal, our_chal_len, &flags, &ti,
                                  &ti_len, &ts, &why) != APR_SUCCESS)
        abort();
    memset(a, 0, sizeof(fixed_auth));
    memcpy(a, "NTLMSSP", 8);
    a[8] = 3;
    a[60] = 0x05;                   /* UNICODE, REQUEST_TARGET */
    a[61] = 0x02;                   /* NTLM */
    d = a + at;
    memset(d, 0x11, 16);
    d[16] = d[17] = 1;
    for (neg = 0; neg < 8; neg++)   /* TimeStamp: the CHALLENGE's */
        d[24 + neg] = (unsigned char)(ts >> (8 * neg));
    d += 44;
    memcpy(d, ti, ti_len - 4);
    d += ti_len - 4;
    put16(d, AC_NTLM_AV_CHANNEL_BINDINGS);
    put16(d + 2, 16);
    memcpy(d + 4, cb, 16);
    d += 20;
    put16(d, AC_NTLM_AV_TARGET_NAME);
    put16(d + 2, 4);
    memcpy(d + 4, "x\0y\0", 4);
    d += 8 + 4 + 4;                 /* EOL, then 4 zero bytes */
    put16(a + 20, (unsigned)(d - (a + at)));
    put16(a + 22, (unsigned)(d - (a + at)));
    a[24] = (unsigned char)at;
    put16(a + 36, 2);
    put16(a + 38, 2);
    put16(a + 40, (unsigned)(d - a));
    *d++ = 'u';
    *d++ = 0;
    fixed_auth_len = (apr_size_t)(d - a);
}

/* every policy: each check reads the AV pairs its own way */
static void epa(const unsigned char *challenge, apr_size_t clen,
                const ac_ntlm_auth_t *a, apr_pool_t *p)
{
    ac_ntlm_epa_policy_t pol;
    const char *why;
    int b, m;

    memset(&pol, 0, sizeof(pol));
    pol.challenge = challenge;
    pol.challenge_len = clen;
    pol.spns = spns;
    pol.nspns = 2;
    pol.skew = 300;
    for (b = AC_NTLM_CB_OFF; b <= AC_NTLM_CB_REQUIRE; b++) {
        for (m = 0; m < 2; m++) {
            pol.bindings = (ac_ntlm_cb_e)b;
            pol.expected = m ? cb : NULL;
            pol.require_mic = m;
            why = NULL;
            if (ac_ntlm_epa_check(&pol, a, p, &why) != AC_NTLM_EPA_OK
                && !why)
                abort();
        }
    }
}

static void challenge(const unsigned char *in, size_t size, apr_pool_t *p)
{
    const unsigned char *ti;
    apr_size_t ti_len;
    apr_uint32_t flags;
    apr_uint64_t ts;
    ac_ntlm_auth_t a;
    const char *why = NULL;

    if (ac_ntlm_challenge_read(in, size, &flags, &ti, &ti_len, &ts, &why)
        != APR_SUCCESS) {
        if (!why)
            abort();
        return;
    }
    if (ti < in || ti_len > size || (size_t)(ti - in) > size - ti_len)
        abort();
    if (ac_ntlm_parse_authenticate(fixed_auth, fixed_auth_len, p, &a, &why)
        != APR_SUCCESS)
        abort();
    epa(in, size, &a, p);
}

/* a field must be empty or lie inside msg[0..len) */
static void check_inside(const ac_ntlm_buf_t *b, const unsigned char *msg,
                         size_t len)
{
    if (b->len == 0)
        return;
    if (!b->data || b->data < msg || b->len > len
        || (size_t)(b->data - msg) > len - b->len)
        abort();
}

static void negotiate(const unsigned char *in, size_t size, apr_pool_t *p)
{
    ac_ntlm_challenge_params_t cp;
    apr_uint32_t flags = 0, neg = 0;
    unsigned char *out;
    apr_size_t out_len;
    const char *why = NULL;
    int type = 0;

    if (ac_ntlm_parse_negotiate(in, size, &flags, &why) != APR_SUCCESS) {
        if (!why)
            abort();
        return;
    }
    memset(&cp, 0, sizeof(cp));
    cp.nb_domain = "EXAMPLE";
    cp.nb_computer = "WEB01";
    cp.dns_domain = "example.com";
    memcpy(cp.challenge, chal, 8);
    why = NULL;
    if (ac_ntlm_build_challenge(&cp, flags, p, &out, &out_len, &neg, &why)
        != APR_SUCCESS) {
        if (!why || (flags & AC_NTLM_NEGOTIATE_UNICODE))
            abort();
        return;
    }
    if (neg & (AC_NTLM_NEGOTIATE_KEY_EXCH | AC_NTLM_NEGOTIATE_LM_KEY)
        || ac_ntlm_message_type(out, out_len, &type, &why) != APR_SUCCESS
        || type != 2)
        abort();
}

static void authenticate(const unsigned char *in, size_t size, apr_pool_t *p)
{
    unsigned char sbk[16];
    const unsigned char *av;
    apr_size_t av_len;
    apr_uint64_t ts;
    ac_ntlm_auth_t a;
    const char *why = NULL;
    int ok = -1;

    if (ac_ntlm_parse_authenticate(in, size, p, &a, &why) != APR_SUCCESS) {
        if (!why)
            abort();
        return;
    }
    check_inside(&a.lm, in, size);
    check_inside(&a.nt, in, size);
    check_inside(&a.domain, in, size);
    check_inside(&a.user, in, size);
    check_inside(&a.workstation, in, size);
    check_inside(&a.session_key, in, size);
    if (a.user.len == 0 || !a.user_utf8 || !a.domain_utf8
        || !a.workstation_utf8 || a.nt.len < 44
        || !(a.flags & AC_NTLM_NEGOTIATE_UNICODE))
        abort();
    if (ac_ntlm_v2_verify(hash, &a, chal, sbk, &ok) != APR_SUCCESS)
        abort();
    if (ac_ntlm_v2_timestamp(&a, &ts) != APR_SUCCESS
        || ac_ntlm_v2_av_pairs(&a, &av, &av_len) != APR_SUCCESS)
        abort();
    check_inside(&a.av, in, size);
    if (a.has_mic) {
        if (size < AC_NTLM_MIC_OFFSET + AC_NTLM_MIC_LEN)
            abort();
        ac_ntlm_mic_verify(sbk, in, 16, in, 16, in, size, &a, &ok);
    }
    epa(our_chal, our_chal_len, &a, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    static apr_pool_t *setup_pool;
    /* a heap copy of exactly size bytes, so ASan sees any over-read */
    unsigned char *in = malloc(size ? size : 1);
    const char *why = NULL;
    apr_pool_t *p;
    int type = 0;

    if (!in)
        return 0;
    if (!initialized) {
        apr_initialize();
        if (apr_pool_create(&setup_pool, NULL) != APR_SUCCESS)
            abort();
        setup(setup_pool);
        initialized = 1;
    }
    memcpy(in, data, size);
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        free(in);
        return 0;
    }
    if (ac_ntlm_message_type(in, size, &type, &why) != APR_SUCCESS) {
        if (!why)
            abort();
    }
    else if (type == 1)
        negotiate(in, size, p);
    else if (type == 2)
        challenge(in, size, p);
    else if (type == 3)
        authenticate(in, size, p);
    apr_pool_destroy(p);
    free(in);
    return 0;
}
