/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the Basic credentials syntax check (ac_basic.c).
 */
#include "tap.h"
#include "ac_basic.h"

int main(void)
{
    static const struct {
        const char *value;
        int good;
    } cases[] = {
        { "Basic Z2FpbDpHYWlsLXBhc3Mx", 1 },
        { "basic Z2FpbDpHYWlsLXBhc3Mx", 1 },       /* scheme is case-free */
        { "BASIC   Z2FpbDpHYWlsLXBhc3Mx", 1 },
        { "Basic YWxpY2U6cHc=", 1 },
        { "Basic YWxpY2U6cA==", 1 },
        { "Basic YWxpY2U6cA", 1 },                   /* padding omitted */
        { "Basic YWxpY2U6cA==  ", 1 },               /* trailing space */
        { "Basic Og==", 1 },                         /* ":" */
        { "Basic", 0 },
        { "Basic ", 0 },
        { "Basic    ", 0 },
        { "Basic ==", 0 },
        { "BasicZ2Fp", 0 },
        { "Bearer Z2Fp", 0 },
        { "", 0 },
        { "Basic Z2FpbDpH, Basic Z2FpbDpH", 0 },     /* two headers */
        { "Basic Z2FpbDpH,Basic Z2FpbDpH", 0 },
        { "Basic Z2FpbDpHYWlsLXBhc3Mx junk", 0 },
        { "Basic !!!!****", 0 },
        { "Basic Z2Fp bDpH", 0 },
        { "Basic YWxpY2U6cA===", 0 },                /* three pads */
        { "Basic YWxpY2U6c=A=", 0 },                 /* pad inside */
        { "Basic YWxpY", 0 },                        /* length 5 (mod 4 = 1) */
        { "Basic YW=", 0 },                          /* pad on length 3 */
        { "Basic YWxp\x01", 0 },
        { "Basic\tYWxp", 0 },
        { "Basic YWxp-_", 0 },                       /* base64url is not Basic */
    };
    apr_size_t i;
    const char *why;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        why = NULL;
        apr_status_t rv = ac_basic_header_check(cases[i].value,
                                                strlen(cases[i].value), &why);
        ok((rv == APR_SUCCESS) == cases[i].good && (cases[i].good || why),
           "%s: '%s'", cases[i].good ? "accepted" : "refused", cases[i].value);
    }
    ok(ac_basic_header_check("Basic YWxp\0YWxp", 14, &why) != APR_SUCCESS,
       "embedded NUL refused");
    return tap_done();
}
