/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the Basic credentials syntax check: any bytes, no
 * over-read (ASan), and an accepted value is "Basic", spaces, base64.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ac_basic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1);
    const char *why = NULL;
    size_t i;

    if (!in)
        return 0;
    memcpy(in, data, size);
    if (ac_basic_header_check(in, size, &why) == APR_SUCCESS) {
        if (size < 7 || strncasecmp(in, "basic ", 6))
            abort();
        for (i = 6; i < size; i++)
            if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789+/= \t", in[i]) || in[i] == '\0')
                abort();
    }
    else if (!why)
        abort();
    free(in);
    return 0;
}
