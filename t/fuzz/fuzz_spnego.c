/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for ac_spnego.c: any bytes parse into a token whose
 * fields lie within what was parsed, or are refused with a reason; a
 * parsed NegTokenResp is built again from its fields and parses back to
 * the same ones; and the NTLM signature of the bytes verifies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "ac_ntlm_sign.h"
#include "ac_spnego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void rebuild(const ac_spnego_token_t *t, apr_pool_t *pool)
{
    ac_spnego_token_t back;
    unsigned char *der;
    apr_size_t len;
    const char *why = NULL;
    ac_spnego_mech_e mech = t->has_supported_mech ? t->supported_mech
                                                  : AC_SPNEGO_MECH_OTHER;

    if (ac_spnego_build_resp(t->neg_state, mech, t->mech_token,
                             t->mech_token_len, t->mic, t->mic_len, pool,
                             &der, &len) != APR_SUCCESS)
        abort();
    if (ac_spnego_parse(der, len, pool, &back, &why) != APR_SUCCESS
        || back.kind != AC_SPNEGO_RESP || back.neg_state != t->neg_state
        || back.mech_token_len != t->mech_token_len
        || (t->mech_token_len
            && memcmp(back.mech_token, t->mech_token, t->mech_token_len))
        || back.mic_len != t->mic_len
        || (t->mic_len && memcmp(back.mic, t->mic, t->mic_len)))
        abort();
    /* an unknown supportedMech is left out when built again */
    if (mech != AC_SPNEGO_MECH_OTHER && back.supported_mech != mech)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static apr_pool_t *pool;
    static const unsigned char key[16] = "fuzzing sign key";
    unsigned char sig[AC_NTLM_SIGNATURE_LEN];
    ac_spnego_token_t t;
    const char *why = NULL;
    int ok = 0;

    if (!pool) {
        apr_initialize();
        apr_pool_create(&pool, NULL);
    }
    if (ac_spnego_parse(data, size, pool, &t, &why) == APR_SUCCESS) {
        if (t.mech_token_len > size || t.mic_len > size
            || t.mech_types_len > size)
            abort();
        if (t.kind == AC_SPNEGO_INIT
            && (t.nmechs < 1 || t.nmechs > AC_SPNEGO_MAX_MECHS
                || !t.mech_types))
            abort();
        if (t.kind == AC_SPNEGO_RESP)
            rebuild(&t, pool);
    }
    else if (!why)
        abort();
    if (ac_ntlm_sign(key, (apr_uint32_t)size, data, size, sig) != APR_SUCCESS
        || ac_ntlm_sign_verify(key, (apr_uint32_t)size, data, size, sig,
                               sizeof(sig), &ok) != APR_SUCCESS || !ok)
        abort();
    apr_pool_clear(pool);
    return 0;
}
