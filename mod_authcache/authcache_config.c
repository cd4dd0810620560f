/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mod_authcache configuration: records, merge, and the directive table
 * (the one place directives are declared).
 */
#include "apr_lib.h"
#include "apr_network_io.h"
#include "apr_strings.h"
#include "httpd.h"
#include "ap_provider.h"
#include "http_config.h"
#include "http_log.h"
#include "mod_auth.h"

#include "mod_authcache.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

/* Longest TTL accepted: a week. Longer means a revoked password lives on. */
#define AUTHCACHE_MAX_TTL_SEC (7 * 24 * 3600)

void *authcache_create_dir_config(apr_pool_t *p, char *dir)
{
    authcache_dir_config_rec *conf = apr_pcalloc(p, sizeof(*conf));

    conf->dir = dir;
    conf->providers = apr_array_make(p, 2, sizeof(authcache_backend_rec));
    conf->provider_names = "";
    conf->basic_ttl = AUTHCACHE_DEFAULT_BASIC_TTL;
    conf->ntlm_provider_name = "file";
    conf->ntlm_domain = "WORKGROUP";
    conf->ntlm_handshake_timeout = apr_time_from_sec(60);
    conf->ntlm_channel_binding = AC_NTLM_CB_ALLOW;
    conf->ntlm_timestamp_skew = apr_time_from_sec(300);
    conf->digest_providers = apr_array_make(p, 1,
                                            sizeof(authcache_backend_rec));
    conf->digest_algorithms = apr_array_make(p, 2,
                                             sizeof(authcache_digest_alg_rec));
    /* strongest first, one challenge each */
    ((authcache_digest_alg_rec *)apr_array_push(conf->digest_algorithms))
        ->alg = AC_DIGEST_SHA256;
    ((authcache_digest_alg_rec *)apr_array_push(conf->digest_algorithms))
        ->alg = AC_DIGEST_MD5;
    conf->digest_qop = AUTHCACHE_QOP_AUTH;
    conf->digest_nonce_lifetime = apr_time_from_sec(300);
    conf->digest_context_ttl = apr_time_from_sec(900);
    conf->digest_userhash = 1;
    conf->digest_max_body = 65536;
    conf->digest_max_contexts = 16;
    conf->ntlm_proxy_addresses = apr_array_make(p, 1,
                                                sizeof(apr_ipsubnet_t *));
    conf->ntlm_proxy_headers = apr_array_make(p, 3, sizeof(const char *));
    APR_ARRAY_PUSH(conf->ntlm_proxy_headers, const char *) = "Via";
    APR_ARRAY_PUSH(conf->ntlm_proxy_headers, const char *) = "Forwarded";
    APR_ARRAY_PUSH(conf->ntlm_proxy_headers, const char *) = "X-Forwarded-For";
    return conf;
}

/*
 * base's record with what add sets: httpd merges on every request that a
 * section applies to (several times each), and a copy with a test per
 * field costs half of choosing each field on its own.
 */
void *authcache_merge_dir_config(apr_pool_t *p, void *basev, void *addv)
{
    authcache_dir_config_rec *base = basev, *add = addv;
    authcache_dir_config_rec *conf = apr_pmemdup(p, base, sizeof(*conf));

    conf->dir = add->dir ? add->dir : base->dir;
    conf->scope_id = NULL;              /* a section's own, not merged */
    conf->scope_self = 0;
    authcache_scope_merge(p, conf, base, add);
#define AUTHCACHE_MERGE(f, scoped)                          \
    if (add->f##_set) {                                     \
        conf->f = add->f;                                   \
        conf->f##_set = 1;                                  \
    }
    AUTHCACHE_DIR_FIELDS(AUTHCACHE_MERGE)
#undef AUTHCACHE_MERGE
#define AUTHCACHE_MERGE_WITH(f, by)                         \
    if (add->by##_set)                                      \
        conf->f = add->f;
    AUTHCACHE_DIR_COMPANIONS(AUTHCACHE_MERGE_WITH)
#undef AUTHCACHE_MERGE_WITH
    return conf;
}

void *authcache_create_server_config(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(authcache_server_config_rec));
}

/* AuthCacheProvider name [name ...] */
static const char *set_providers(cmd_parms *cmd, void *dconf, const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    authcache_backend_rec *b;

    if (!strcasecmp(arg, AUTHCACHE_PROVIDER_NAME))
        return "AuthCacheProvider: 'authcache' cannot wrap itself; "
               "name the real providers (file, dbm, ldap, ...)";
    /* A new directive replaces what a parent section listed. */
    if (!conf->providers_set) {
        conf->providers = apr_array_make(cmd->pool, 2, sizeof(*b));
        conf->provider_names = "";
        conf->providers_set = 1;
    }
    b = apr_array_push(conf->providers);
    b->name = apr_pstrdup(cmd->pool, arg);
    b->provider = ap_lookup_provider(AUTHN_PROVIDER_GROUP, arg,
                                     AUTHN_PROVIDER_VERSION);
    if (!b->provider || !b->provider->check_password)
        return apr_psprintf(cmd->pool,
                            "AuthCacheProvider: unknown authn provider '%s' "
                            "(is mod_authn_%s loaded before this line?)",
                            arg, arg);
    conf->provider_names = *conf->provider_names
        ? apr_pstrcat(cmd->pool, conf->provider_names, " ", arg, NULL)
        : b->name;
    return NULL;
}

static const char *set_default_domain(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    authcache_dir_config_rec *conf = dconf;

    if (!*arg || ap_strchr_c(arg, '\\') || ap_strchr_c(arg, '@'))
        return "AuthCacheDefaultDomain: give a bare domain name "
               "(no '\\' or '@'), e.g. EXAMPLE";
    conf->default_domain = apr_pstrdup(cmd->pool, arg);
    conf->default_domain_set = 1;
    return NULL;
}

static const char *set_context(cmd_parms *cmd, void *dconf, const char *arg)
{
    authcache_dir_config_rec *conf = dconf;

    if (!*arg)
        return "AuthCacheContext: the context name must not be empty";
    /* "shared:" keeps explicit names apart from the derived ones */
    conf->context = apr_pstrcat(cmd->pool, "shared:", arg, NULL);
    conf->context_set = 1;
    return NULL;
}

/* seconds from min to max into *out, or an error naming the directive */
static const char *parse_seconds(cmd_parms *cmd, const char *arg,
                                 apr_int64_t min, apr_int64_t max,
                                 apr_interval_time_t *out)
{
    char *end;
    apr_int64_t sec = apr_strtoi64(arg, &end, 10);

    if (!*arg || *end || sec < min || sec > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of "
                            "seconds from %" APR_INT64_T_FMT " to %"
                            APR_INT64_T_FMT, cmd->cmd->name, arg, min, max);
    *out = apr_time_from_sec(sec);
    return NULL;
}

/* A directive of seconds: where it goes, its _set flag, its range. */
typedef struct {
    apr_size_t field, set;        /* offsets in authcache_dir_config_rec */
    apr_int64_t min, max;
} seconds_slot;

#define SECONDS_SLOT(f, lo, hi)                                           \
    static seconds_slot f##_slot = {  /* not const: cmd_data is void * */ \
        APR_OFFSETOF(authcache_dir_config_rec, f),                        \
        APR_OFFSETOF(authcache_dir_config_rec, f##_set), lo, hi }
SECONDS_SLOT(basic_ttl, 0, AUTHCACHE_MAX_TTL_SEC);
SECONDS_SLOT(ntlm_handshake_timeout, 1, 600);
SECONDS_SLOT(digest_nonce_lifetime, 1, 86400);
SECONDS_SLOT(digest_context_ttl, 1, AUTHCACHE_MAX_TTL_SEC);

static const char *set_seconds(cmd_parms *cmd, void *dconf, const char *arg)
{
    const seconds_slot *slot = cmd->info;
    char *conf = dconf;
    const char *err = parse_seconds(cmd, arg, slot->min, slot->max,
                                    (apr_interval_time_t *)(conf
                                                            + slot->field));

    if (!err)
        conf[slot->set] = 1;
    return err;
}



/* File names under ServerRoot, for directives whose field has a _set flag */
typedef struct {
    apr_size_t field, set;
} path_slot;

#define PATH_SLOT(f)                                                      \
    static path_slot f##_slot = {     /* not const: cmd_data is void * */ \
        APR_OFFSETOF(authcache_dir_config_rec, f),                        \
        APR_OFFSETOF(authcache_dir_config_rec, f##_set) }
PATH_SLOT(ntlm_user_file);
PATH_SLOT(digest_user_file);

static const char *set_path(cmd_parms *cmd, void *dconf, const char *arg)
{
    const path_slot *slot = cmd->info;
    char *conf = dconf;
    const char *path = ap_server_root_relative(cmd->pool, arg);

    if (!path)
        return apr_psprintf(cmd->pool, "%s: bad path '%s'", cmd->cmd->name,
                            arg);
    *(const char **)(conf + slot->field) = path;
    conf[slot->set] = 1;
    return NULL;
}

static const char *set_ntlm_provider(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    authcache_dir_config_rec *conf = dconf;

    conf->ntlm_provider = ap_lookup_provider(AUTHCACHE_NTLM_PROVIDER_GROUP,
                                             arg,
                                             AUTHCACHE_NTLM_PROVIDER_VERSION);
    if (!conf->ntlm_provider)
        return apr_psprintf(cmd->pool, "AuthNTLMProvider: unknown NTLM "
                            "authority '%s' (built in: file)", arg);
    conf->ntlm_provider_name = apr_pstrdup(cmd->pool, arg);
    conf->ntlm_provider_set = 1;
    return NULL;
}

static const char *set_ntlm_domain(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    const char *c;

    /* a NetBIOS domain name: 1 to 15 characters, no separators */
    for (c = arg; *c; c++)
        if (apr_iscntrl(*c) || strchr("\\/:*?\"<>|@.", *c))
            break;
    if (!*arg || *c || c - arg > 15)
        return apr_psprintf(cmd->pool, "AuthNTLMDomain: '%s' is not a "
                            "NetBIOS domain name (1-15 characters, no "
                            "\\ / : * ? \" < > | @ .)", arg);
    conf->ntlm_domain = apr_pstrdup(cmd->pool, arg);
    conf->ntlm_domain_set = 1;
    return NULL;
}

static const char *set_ntlm_proxy_headers(cmd_parms *cmd, void *dconf,
                                          const char *arg)
{
    authcache_dir_config_rec *conf = dconf;

    /* the first in a section replaces the inherited list; None empties */
    if (!conf->ntlm_proxy_headers_set) {
        conf->ntlm_proxy_headers = apr_array_make(cmd->pool, 3,
                                                  sizeof(const char *));
        conf->ntlm_proxy_headers_set = 1;
    }
    if (strcasecmp(arg, "None"))
        APR_ARRAY_PUSH(conf->ntlm_proxy_headers, const char *) =
            apr_pstrdup(cmd->pool, arg);
    return NULL;
}

/* AuthNTLMProxyAddresses addr|addr/bits|addr/mask ... | None */
static const char *set_ntlm_proxy_addresses(cmd_parms *cmd, void *dconf,
                                            const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    char *ip = apr_pstrdup(cmd->temp_pool, arg), *mask;
    apr_ipsubnet_t *net;
    apr_status_t rv;

    if (!conf->ntlm_proxy_addresses_set) {
        conf->ntlm_proxy_addresses = apr_array_make(cmd->pool, 2,
                                                    sizeof(net));
        conf->ntlm_proxy_addresses_set = 1;
    }
    if (!strcasecmp(arg, "None"))
        return NULL;
    if ((mask = strchr(ip, '/')))
        *mask++ = '\0';
    rv = apr_ipsubnet_create(&net, ip, mask, cmd->pool);
    if (rv != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "AuthNTLMProxyAddresses: '%s' is "
                            "not an IP address or network (e.g. 10.0.0.1, "
                            "10.0.0.0/8, ::1): %pm", arg, &rv);
    APR_ARRAY_PUSH(conf->ntlm_proxy_addresses, apr_ipsubnet_t *) = net;
    return NULL;
}


/* A directive of keywords: its int field, its _set flag, its words. */
typedef struct {
    apr_size_t field, set;        /* offsets in authcache_dir_config_rec */
    const char *const words[4];   /* NULL-terminated; a word's value is
                                   * its index */
    const char *expected;         /* for the error */
} keyword_slot;

#define KEYWORD_SLOT(f, expected, ...)                                    \
    static keyword_slot f##_slot = {  /* not const: cmd_data is void * */ \
        APR_OFFSETOF(authcache_dir_config_rec, f),                        \
        APR_OFFSETOF(authcache_dir_config_rec, f##_set),                  \
        { __VA_ARGS__, NULL }, expected }
/* in the order of authcache_user_format_e and ac_ntlm_cb_e */
KEYWORD_SLOT(ntlm_user_format, "one of down-level (DOMAIN\\user), upn "
             "(user@DOMAIN), user", "down-level", "upn", "user");
KEYWORD_SLOT(ntlm_channel_binding, "Off, Allow or Require", "Off", "Allow",
             "Require");

static const char *set_keyword(cmd_parms *cmd, void *dconf, const char *arg)
{
    const keyword_slot *slot = cmd->info;
    char *conf = dconf;
    int i;

    for (i = 0; slot->words[i]; i++)
        if (!strcasecmp(arg, slot->words[i])) {
            *(int *)(conf + slot->field) = i;
            conf[slot->set] = 1;
            return NULL;
        }
    return apr_psprintf(cmd->pool, "%s: '%s' is not %s", cmd->cmd->name, arg,
                        slot->expected);
}

/* On|Off directives whose field has a _set flag */
#define AUTHCACHE_FLAG_SETTER(fn, field)                                  \
static const char *fn(cmd_parms *cmd, void *dconf, int on)                \
{                                                                         \
    authcache_dir_config_rec *conf = dconf;                               \
    (void)cmd;                                                            \
    conf->field = on;                                                     \
    conf->field##_set = 1;                                                \
    return NULL;                                                          \
}
AUTHCACHE_FLAG_SETTER(set_ntlm_no_cache, ntlm_no_cache)
AUTHCACHE_FLAG_SETTER(set_ntlm_reject_cached, ntlm_reject_cached)
AUTHCACHE_FLAG_SETTER(set_ntlm_require_mic, ntlm_require_mic)


#ifdef AUTHCACHE_HAVE_GSSAPI
AUTHCACHE_FLAG_SETTER(set_negotiate_no_cache, negotiate_no_cache)
AUTHCACHE_FLAG_SETTER(set_negotiate_offer_ntlm, negotiate_offer_ntlm)

PATH_SLOT(negotiate_keytab);

/* AuthNegotiateServicePrincipal service/host[@REALM] | Any */
static const char *set_negotiate_principal(cmd_parms *cmd, void *dconf,
                                           const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    const char *c;

    if (!strcasecmp(arg, "Any"))
        arg = "";
    else if (!ap_strchr_c(arg, '/') || *arg == '/')
        return apr_psprintf(cmd->pool, "AuthNegotiateServicePrincipal: '%s' "
                            "is not service/host[@REALM] or Any", arg);
    for (c = arg; *c; c++)
        if (apr_iscntrl(*c) || apr_isspace(*c))
            return apr_psprintf(cmd->pool, "AuthNegotiateServicePrincipal: "
                                "'%s' has blanks or control characters",
                                arg);
    conf->negotiate_principal = apr_pstrdup(cmd->pool, arg);
    conf->negotiate_principal_set = 1;
    return NULL;
}

/* AuthNegotiateGroups None | winbind */
static const char *set_negotiate_groups(cmd_parms *cmd, void *dconf,
                                        const char *arg)
{
    authcache_dir_config_rec *conf = dconf;

    if (!strcasecmp(arg, "None"))
        conf->negotiate_groups = 0;
#ifdef AUTHCACHE_HAVE_WBCLIENT
    else if (!strcasecmp(arg, "winbind"))
        conf->negotiate_groups = 1;
#endif
    else
        return apr_psprintf(cmd->pool, "AuthNegotiateGroups: '%s' is not "
                            "None or winbind (winbind needs a module built "
                            "with libwbclient)", arg);
    conf->negotiate_groups_set = 1;
    return NULL;
}
#endif /* AUTHCACHE_HAVE_GSSAPI */

/* service/host[:port]: something on both sides of a '/', no blanks */
static int looks_like_spn(const char *s)
{
    const char *slash = ap_strchr_c(s, '/'), *c;

    if (!slash || slash == s || !slash[1])
        return 0;
    for (c = s; *c; c++)
        if (apr_iscntrl(*c) || apr_isspace(*c))
            return 0;
    return 1;
}

/* AuthNTLMServicePrincipalNames spn [spn ...] | Any */
static const char *set_ntlm_spns(cmd_parms *cmd, void *dconf,
                                 const char *arg)
{
    authcache_dir_config_rec *conf = dconf;

    /* the first in a section replaces the inherited list */
    if (!conf->ntlm_spns_set) {
        conf->ntlm_spns = apr_array_make(cmd->pool, 4, sizeof(const char *));
        conf->ntlm_spns_any = 0;
        conf->ntlm_spns_set = 1;
    }
    if (!strcasecmp(arg, "Any")) {
        conf->ntlm_spns_any = 1;
        return NULL;
    }
    if (!looks_like_spn(arg))
        return apr_psprintf(cmd->pool, "AuthNTLMServicePrincipalNames: '%s' "
                            "is not a service principal name "
                            "(service/host[:port], e.g. "
                            "HTTP/www.example.com)", arg);
    APR_ARRAY_PUSH(conf->ntlm_spns, const char *) = apr_pstrdup(cmd->pool,
                                                                arg);
    return NULL;
}

static const char *set_ntlm_timestamp_skew(cmd_parms *cmd, void *dconf,
                                           const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    const char *err = NULL;

    if (!strcasecmp(arg, "Off"))
        conf->ntlm_timestamp_skew = -1;
    else
        err = parse_seconds(cmd, arg, 1, 36 * 3600,
                            &conf->ntlm_timestamp_skew);
    conf->ntlm_timestamp_skew_set = !err;
    return err ? apr_pstrcat(cmd->pool, err, ", or Off", NULL) : NULL;
}

/* AuthNTLMCredentialLifetime seconds|Off */
static const char *set_ntlm_credential_lifetime(cmd_parms *cmd, void *dconf,
                                                const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    const char *err = NULL;

    if (!strcasecmp(arg, "Off"))
        conf->ntlm_credential_lifetime = 0;
    else
        err = parse_seconds(cmd, arg, 1, AUTHCACHE_MAX_TTL_SEC,
                            &conf->ntlm_credential_lifetime);
    conf->ntlm_credential_lifetime_set = !err;
    return err ? apr_pstrcat(cmd->pool, err, ", or Off", NULL) : NULL;
}

/* AuthCacheDigestProvider name [name ...]: providers with realm hashes */
static const char *set_digest_providers(cmd_parms *cmd, void *dconf,
                                        const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    authcache_backend_rec *b;

    if (!conf->digest_providers_set) {
        conf->digest_providers = apr_array_make(cmd->pool, 2, sizeof(*b));
        conf->digest_providers_set = 1;
    }
    b = apr_array_push(conf->digest_providers);
    b->name = apr_pstrdup(cmd->pool, arg);
    b->provider = ap_lookup_provider(AUTHN_PROVIDER_GROUP, arg,
                                     AUTHN_PROVIDER_VERSION);
    if (!b->provider || !b->provider->get_realm_hash)
        return apr_psprintf(cmd->pool, "AuthCacheDigestProvider: '%s' is not "
                            "an authn provider with Digest realm hashes "
                            "(file, dbm, ...; is mod_authn_%s loaded?)",
                            arg, arg);
    return NULL;
}

static const char *set_digest_algorithms(cmd_parms *cmd, void *dconf,
                                         const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    authcache_digest_alg_rec *a;
    ac_digest_alg_e alg;
    int sess;

    if (ac_digest_alg_parse(arg, &alg, &sess) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "AuthCacheDigestAlgorithms: unknown "
                            "algorithm '%s' (MD5, SHA-256, SHA-512-256, each "
                            "also with -sess)", arg);
    if (!conf->digest_algorithms_set) {
        conf->digest_algorithms = apr_array_make(cmd->pool, 3, sizeof(*a));
        conf->digest_algorithms_set = 1;
    }
    a = apr_array_push(conf->digest_algorithms);
    a->alg = alg;
    a->sess = sess;
    return NULL;
}

static const char *set_digest_qop(cmd_parms *cmd, void *dconf,
                                  const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    int bit = !strcasecmp(arg, "auth") ? AUTHCACHE_QOP_AUTH
            : !strcasecmp(arg, "auth-int") ? AUTHCACHE_QOP_AUTH_INT : 0;

    if (!bit)
        return apr_psprintf(cmd->pool, "AuthCacheDigestQop: '%s' is not "
                            "auth or auth-int", arg);
    if (!conf->digest_qop_set) {
        conf->digest_qop = 0;
        conf->digest_qop_set = 1;
    }
    conf->digest_qop |= bit;
    return NULL;
}



static const char *set_digest_max_body(cmd_parms *cmd, void *dconf,
                                       const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    char *end;
    apr_int64_t n = apr_strtoi64(arg, &end, 10);

    if (!*arg || *end || n < 0 || n > 64 * 1024 * 1024)
        return apr_psprintf(cmd->pool, "AuthCacheDigestMaxBody: '%s' is not "
                            "a number of bytes from 0 to 67108864", arg);
    conf->digest_max_body = (apr_off_t)n;
    conf->digest_max_body_set = 1;
    return NULL;
}

AUTHCACHE_FLAG_SETTER(set_digest_userhash, digest_userhash)

static const char *set_digest_max_contexts(cmd_parms *cmd, void *dconf,
                                           const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    char *end;
    apr_int64_t n = apr_strtoi64(arg, &end, 10);

    if (!*arg || *end || n < 1 || n > AC_DIGEST_ROSTER_MAX)
        return apr_psprintf(cmd->pool, "AuthCacheDigestMaxContexts: '%s' is "
                            "not a number from 1 to %d", arg,
                            AC_DIGEST_ROSTER_MAX);
    conf->digest_max_contexts = (int)n;
    conf->digest_max_contexts_set = 1;
    return NULL;
}

/* AuthCacheSOCache provider[:args] */
static const char *set_socache(cmd_parms *cmd, void *dummy, const char *arg)
{
    authcache_server_config_rec *sconf =
        ap_get_module_config(cmd->server->module_config, &authcache_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *sep, *name, *args;

    (void)dummy;
    if (err)
        return err;
    sep = ap_strchr_c(arg, ':');
    name = sep ? apr_pstrmemdup(cmd->pool, arg, sep - arg) : arg;
    args = sep ? sep + 1 : NULL;
    sconf->socache = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                        AP_SOCACHE_PROVIDER_VERSION);
    if (!sconf->socache)
        return apr_psprintf(cmd->pool,
                            "AuthCacheSOCache: unknown socache provider '%s' "
                            "(load mod_socache_%s)", name, name);
    err = sconf->socache->create(&sconf->socache_inst, args, cmd->temp_pool,
                                 cmd->pool);
    if (err)
        return apr_psprintf(cmd->pool, "AuthCacheSOCache: %s", err);
    sconf->socache_spec = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static const char *set_secret_file(cmd_parms *cmd, void *dummy,
                                   const char *arg)
{
    authcache_server_config_rec *sconf =
        ap_get_module_config(cmd->server->module_config, &authcache_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)dummy;
    if (err)
        return err;
    sconf->secret_file = ap_server_root_relative(cmd->pool, arg);
    if (!sconf->secret_file)
        return apr_psprintf(cmd->pool, "AuthCacheSecretFile: bad path '%s'",
                            arg);
    return NULL;
}

const command_rec authcache_cmds[] = {
    AP_INIT_ITERATE("AuthCacheProvider", set_providers, NULL, OR_AUTHCFG,
        "The authn providers the authcache provider wraps, asked in order "
        "on a cache miss"),
    AP_INIT_TAKE1("AuthCacheDefaultDomain", set_default_domain, NULL,
        OR_AUTHCFG, "Domain for user names given without DOMAIN\\ or @domain"),
    AP_INIT_TAKE1("AuthCacheContext", set_context, NULL, OR_AUTHCFG,
        "Name under which locations deliberately share cache entries "
        "(default: each location and provider list is its own context)"),
    AP_INIT_TAKE1("AuthCacheBasicTTL", set_seconds, &basic_ttl_slot,
        OR_AUTHCFG,
        "Seconds a Basic access token stays cached (default 900, 0 = off)"),
    AP_INIT_TAKE1("AuthNTLMProvider", set_ntlm_provider, NULL, OR_AUTHCFG,
        "Who verifies NTLM responses for AuthType NTLM (default: file)"),
    AP_INIT_TAKE1("AuthNTLMUserFile", set_path, &ntlm_user_file_slot,
        OR_AUTHCFG,
        "File of user:DOMAIN:NTHASH lines for AuthNTLMProvider file "
        "(written by htntlm)"),
    AP_INIT_TAKE1("AuthNTLMDomain", set_ntlm_domain, NULL, OR_AUTHCFG,
        "NetBIOS domain advertised in the NTLM challenge and assumed for "
        "clients that send none (default WORKGROUP)"),
    AP_INIT_FLAG("DisableNTLMCredentialCaching", set_ntlm_no_cache, NULL,
        OR_AUTHCFG, "On: every request needs its own NTLM handshake and "
        "no credential is kept on the connection (default Off)"),
    AP_INIT_ITERATE("AuthNTLMProxyHeaders", set_ntlm_proxy_headers, NULL,
        OR_AUTHCFG, "Request headers that mark a request as coming through "
        "a proxy, whose NTLM credential is never cached (default Via "
        "Forwarded X-Forwarded-For; None for none)"),
    AP_INIT_ITERATE("AuthNTLMProxyAddresses", set_ntlm_proxy_addresses,
        NULL, RSRC_CONF, "Addresses or networks of front "
        "proxies: requests on their connections never use or fill the NTLM "
        "connection cache, whatever headers they carry (default none)"),
    AP_INIT_FLAG("AuthNTLMRejectCachedCredentials", set_ntlm_reject_cached,
        NULL, OR_AUTHCFG, "On: answer requests that would be served from "
        "the connection's cached NTLM credential with 401, so the client "
        "authenticates again (default Off)"),
    AP_INIT_TAKE1("AuthNTLMUserFormat", set_keyword, &ntlm_user_format_slot,
        OR_AUTHCFG, "How NTLM users appear in REMOTE_USER: down-level "
        "(DOMAIN\\user, default), upn (user@DOMAIN) or user"),
    AP_INIT_TAKE1("AuthNTLMHandshakeTimeout", set_seconds,
        &ntlm_handshake_timeout_slot, OR_AUTHCFG,
        "Seconds a client has to answer an NTLM "
        "challenge on its connection (default 60)"),
    AP_INIT_TAKE1("AuthNTLMCredentialLifetime", set_ntlm_credential_lifetime,
        NULL, OR_AUTHCFG, "Seconds a connection's cached NTLM credential "
        "serves before the client logs on again, or Off (default: the "
        "connection's life, as IIS)"),
    AP_INIT_TAKE1("AuthNTLMChannelBinding", set_keyword,
        &ntlm_channel_binding_slot,
        OR_AUTHCFG, "NTLM channel bindings to this TLS connection "
        "(Extended Protection): Off, Allow (a wrong one is refused, none "
        "accepted; default) or Require"),
    AP_INIT_ITERATE("AuthNTLMServicePrincipalNames", set_ntlm_spns, NULL,
        OR_AUTHCFG, "Service principal names an NTLM client's "
        "MsvAvTargetName may name (patterns; default HTTP/ and the virtual "
        "host's ServerName and ServerAlias, with and without the port; Any: "
        "no check)"),
    AP_INIT_TAKE1("AuthNTLMTimestampSkew", set_ntlm_timestamp_skew, NULL,
        OR_AUTHCFG, "Seconds the NTLMv2 timestamp may differ from the "
        "challenge's (default 300; Off: not checked)"),
    AP_INIT_FLAG("AuthNTLMRequireMIC", set_ntlm_require_mic, NULL,
        OR_AUTHCFG, "On: refuse NTLM logons whose AUTHENTICATE carries no "
        "MIC (default Off)"),
#ifdef AUTHCACHE_HAVE_GSSAPI
    AP_INIT_TAKE1("AuthNegotiateKeytab", set_path, &negotiate_keytab_slot,
        OR_AUTHCFG, "Keytab with the service's keys for AuthType Negotiate "
        "(default: Kerberos' own, KRB5_KTNAME or /etc/krb5.keytab)"),
    AP_INIT_TAKE1("AuthNegotiateServicePrincipal", set_negotiate_principal,
        NULL, OR_AUTHCFG, "Principal tickets must be for, service/host"
        "[@REALM], or Any key in the keytab (default HTTP/<ServerName>)"),
    AP_INIT_FLAG("DisableKerberosCredentialCaching", set_negotiate_no_cache,
        NULL, OR_AUTHCFG, "On: every request needs its own Kerberos ticket "
        "(IIS's authPersistNonNTLM false; default Off)"),
    AP_INIT_FLAG("AuthNegotiateOfferNTLM", set_negotiate_offer_ntlm, NULL,
        OR_AUTHCFG, "On: AuthType Negotiate also offers NTLM, second (IIS's "
        "providers Negotiate, NTLM), verified as AuthType NTLM is here "
        "(default Off)"),
    AP_INIT_TAKE1("AuthNegotiateGroups", set_negotiate_groups, NULL,
        OR_AUTHCFG, "Where Kerberos identities' groups for Require "
        "authcache-group come from: None (default) or winbind"),
#endif
    AP_INIT_ITERATE("AuthCacheDigestProvider", set_digest_providers, NULL,
        OR_AUTHCFG, "Authn providers whose realm hashes (htdigest: MD5) "
        "check Digest logons; makes AuthType Digest mod_authcache's here"),
    AP_INIT_TAKE1("AuthCacheDigestUserFile", set_path, &digest_user_file_slot,
        OR_AUTHCFG, "File of user:realm:ALGORITHM:hash lines (MD5, SHA-256, "
        "SHA-512-256); makes AuthType Digest mod_authcache's here"),
    AP_INIT_ITERATE("AuthCacheDigestAlgorithms", set_digest_algorithms, NULL,
        OR_AUTHCFG, "Algorithms offered, one challenge each, in this order "
        "(default SHA-256 MD5)"),
    AP_INIT_ITERATE("AuthCacheDigestQop", set_digest_qop, NULL, OR_AUTHCFG,
        "auth and/or auth-int (default auth)"),
    AP_INIT_TAKE1("AuthCacheDigestNonceLifetime", set_seconds,
        &digest_nonce_lifetime_slot, OR_AUTHCFG,
        "Seconds a nonce is fresh; later it is answered "
        "with stale=true (default 300)"),
    AP_INIT_TAKE1("AuthCacheDigestContextTTL", set_seconds,
        &digest_context_ttl_slot,
        OR_AUTHCFG, "Seconds a security context stays cached (default 900)"),
    AP_INIT_FLAG("AuthCacheDigestUserhash", set_digest_userhash, NULL,
        OR_AUTHCFG, "Offer userhash=true (RFC 7616; default On)"),
    AP_INIT_TAKE1("AuthCacheDigestMaxBody", set_digest_max_body, NULL,
        OR_AUTHCFG, "Largest request body hashed for qop=auth-int (default "
        "65536)"),
    AP_INIT_TAKE1("AuthCacheDigestMaxContexts", set_digest_max_contexts,
        NULL, OR_AUTHCFG, "Live Digest contexts one user may hold; a logon "
        "beyond drops their oldest (default 16)"),
    AP_INIT_TAKE1("AuthCacheSOCache", set_socache, NULL, RSRC_CONF,
        "The shared object cache for entries, provider[:args] "
        "(default " AUTHCACHE_DEFAULT_SOCACHE ":" AUTHCACHE_DEFAULT_SOCACHE_ARG ")"),
    AP_INIT_TAKE1("AuthCacheSecretFile", set_secret_file, NULL, RSRC_CONF,
        "File whose contents (at least 32 bytes) key the cache, to share "
        "entries across a server farm (default: a random secret)"),
    { NULL }
};
