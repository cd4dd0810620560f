/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for ac_negotiate.c: a principal's display name (the
 * client's name from its ticket) splits into a user and a realm that
 * rebuild it, or is refused with a reason; the NTLMSSP test and the
 * certificate reader take any bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_strings.h"
#include "ac_cbt.h"
#include "ac_negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static apr_pool_t *pool;
    unsigned char app[AC_CBT_APP_MAX];
    const char *user, *realm, *domain, *why = NULL;
    apr_size_t len;
    char *in;

    if (!pool) {
        apr_initialize();
        apr_pool_create(&pool, NULL);
    }
    in = apr_pstrmemdup(pool, (const char *)data, size);
    (void)ac_negotiate_is_ntlmssp(data, size);
    if (ac_negotiate_split_principal(in, pool, &user, &realm, &domain, &why)
        == APR_SUCCESS) {
        if (!*user || !*realm || !*domain || strchr(domain, '.')
            || strcmp(apr_pstrcat(pool, user, "@", realm, NULL), in))
            abort();
    }
    else if (!why)
        abort();
    why = NULL;
    if (ac_cbt_app_data(in, app, &len, &why) == APR_SUCCESS) {
        if (len <= 21 || len > AC_CBT_APP_MAX
            || memcmp(app, "tls-server-end-point:", 21))
            abort();
    }
    else if (!why)
        abort();
    apr_pool_clear(pool);
    return 0;
}
