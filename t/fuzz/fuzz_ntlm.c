/*
 * libFuzzer target for the NTLMSSP parsers: whatever the bytes, a message
 * is either refused with a reason or parsed into fields that lie inside
 * it; a parsed NEGOTIATE gets a CHALLENGE built for it, a parsed
 * AUTHENTICATE goes through NTLMv2 and MIC verification (with a fixed
 * hash and challenge: they fail, but read every byte they would read).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "ac_ntlm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char hash[16] = {
    0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
    0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52
};
static const unsigned char chal[8] = {
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};

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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    /* a heap copy of exactly size bytes, so ASan sees any over-read */
    unsigned char *in = malloc(size ? size : 1);
    const char *why = NULL;
    apr_pool_t *p;
    int type = 0;

    if (!in)
        return 0;
    if (!initialized) {
        apr_initialize();
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
    else if (type == 3)
        authenticate(in, size, p);
    apr_pool_destroy(p);
    free(in);
    return 0;
}
