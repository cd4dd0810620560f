/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Digest Authorization header parser: any bytes
 * are refused with a reason or parsed into the required fields, free of
 * control characters, with a response of the algorithm's length and, with
 * qop, a cnonce and 8-digit nc. A parsed request goes through
 * ac_digest_req_check and, with qop, a response computation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "ac_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, int required)
{
    if (!s) {
        if (required)
            abort();
        return;
    }
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            abort();
}

static void parsed(const ac_digest_req_t *r)
{
    char out[AC_DIGEST_HEX_MAX + 1];
    const char *ha1 = "0123456789abcdef0123456789abcdef"
                      "0123456789abcdef0123456789abcdef";
    const char *why = NULL;
    apr_size_t hl = ac_digest_hex_len(r->alg);

    check_str(r->username, 1);
    check_str(r->realm, 1);
    check_str(r->nonce, 1);
    check_str(r->uri, 1);
    check_str(r->response, 1);
    check_str(r->cnonce, r->qop != AC_DIGEST_QOP_NONE);
    check_str(r->opaque, 0);
    if (strlen(r->response) != hl
        || (r->qop != AC_DIGEST_QOP_NONE
            && (!r->nc_hex || strlen(r->nc_hex) != 8 || !r->qop_name))
        || (r->username_ext && r->userhash))
        abort();
    if (ac_digest_req_check(r, &why) != APR_SUCCESS) {
        if (!why || r->qop != AC_DIGEST_QOP_NONE)
            abort();
        return;
    }
    /* hl hex digits of a fixed H(A1); the body hash likewise */
    if (ac_digest_response(r->alg, ha1 + 64 - hl, r->nonce, r->nc_hex,
                           r->cnonce, r->qop_name, "GET", r->uri,
                           ha1 + 64 - hl, out) != APR_SUCCESS
        || strlen(out) != hl)
        abort();
    (void)ac_digest_hex_equal(out, r->response, hl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    apr_pool_t *p;
    ac_digest_req_t r;
    const char *why = NULL;
    char *in;

    if (!initialized) {
        apr_initialize();
        initialized = 1;
    }
    /* an exact-size copy, so ASan sees any read past the end */
    in = malloc(size ? size : 1);
    if (!in || apr_pool_create(&p, NULL) != APR_SUCCESS)
        abort();
    memcpy(in, data, size);
    if (ac_digest_parse(in, size, p, &r, &why) == APR_SUCCESS)
        parsed(&r);
    else if (!why)
        abort();
    apr_pool_destroy(p);
    free(in);
    return 0;
}
