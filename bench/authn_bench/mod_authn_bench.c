/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mod_authn_bench: the authn provider "bench", for load tests ONLY.
 *
 * It grants user "u<N>" with password "p<N>" for any decimal N (up to 18
 * digits, no sign, no leading '+'), denies a known-form user with any other
 * password, and does not know anyone else. No file, no hashing, no I/O: a
 * benchmark can fill mod_authcache with a million distinct users and
 * measure nothing but mod_authcache's own work.
 *
 * Never load it on a real server: every "u<N>" gets in with "p<N>".
 * build/bench (bench/harness/scale.py) builds it with apxs in a temporary
 * directory and loads it only into the throw-away httpd it starts.
 *
 *   LoadModule authn_bench_module mod_authn_bench.so
 *   AuthBasicProvider authcache
 *   AuthCacheProvider bench
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_request.h"
#include "ap_provider.h"
#include "mod_auth.h"

/* Length of the decimal digits "s" starts with when they are all of it
 * (1..18 digits), else 0. */
static size_t all_digits(const char *s)
{
    size_t n = 0;

    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return (n > 0 && n <= 18 && s[n] == '\0') ? n : 0;
}

static authn_status bench_check_password(request_rec *r, const char *user,
                                         const char *password)
{
    size_t n;

    (void)r;
    if (user[0] != 'u' || !(n = all_digits(user + 1)))
        return AUTH_USER_NOT_FOUND;
    if (password[0] == 'p' && !strcmp(password + 1, user + 1))
        return AUTH_GRANTED;
    return AUTH_DENIED;
}

static const authn_provider authn_bench_provider = {
    &bench_check_password,
    NULL,                       /* no Digest realm hashes */
};

static void register_hooks(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "bench",
                              AUTHN_PROVIDER_VERSION, &authn_bench_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
}

AP_DECLARE_MODULE(authn_bench) = {
    STANDARD20_MODULE_STUFF,
    NULL, NULL, NULL, NULL, NULL,
    register_hooks,
    AP_MODULE_FLAG_NONE
};
