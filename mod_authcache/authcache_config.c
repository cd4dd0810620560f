/*
 * mod_authcache configuration: records, merge, and the directive table
 * (the one place directives are declared).
 */
#include "apr_strings.h"
#include "httpd.h"
#include "ap_provider.h"
#include "http_config.h"
#include "http_log.h"
#include "mod_auth.h"

#include "mod_authcache.h"
#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

int authcache_in_use = 0;

/* Longest TTL accepted: a week. Longer means a revoked password lives on. */
#define AUTHCACHE_MAX_TTL_SEC (7 * 24 * 3600)

void *authcache_create_dir_config(apr_pool_t *p, char *dir)
{
    authcache_dir_config_rec *conf = apr_pcalloc(p, sizeof(*conf));

    conf->dir = dir;
    conf->providers = apr_array_make(p, 2, sizeof(authcache_backend_rec));
    conf->provider_names = "";
    conf->basic_ttl = AUTHCACHE_DEFAULT_BASIC_TTL;
    return conf;
}

void *authcache_merge_dir_config(apr_pool_t *p, void *basev, void *addv)
{
    authcache_dir_config_rec *base = basev, *add = addv;
    authcache_dir_config_rec *conf = apr_palloc(p, sizeof(*conf));

    conf->dir = add->dir ? add->dir : base->dir;
#define AUTHCACHE_MERGE(f)                                  \
    conf->f = add->f##_set ? add->f : base->f;              \
    conf->f##_set = add->f##_set || base->f##_set;
    AUTHCACHE_DIR_FIELDS(AUTHCACHE_MERGE)
#undef AUTHCACHE_MERGE
    /* provider_names travels with providers */
    conf->provider_names = add->providers_set ? add->provider_names
                                              : base->provider_names;
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
    authcache_in_use = 1;
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

static const char *set_basic_ttl(cmd_parms *cmd, void *dconf, const char *arg)
{
    authcache_dir_config_rec *conf = dconf;
    char *end;
    apr_int64_t sec = apr_strtoi64(arg, &end, 10);

    (void)cmd;
    if (!*arg || *end || sec < 0 || sec > AUTHCACHE_MAX_TTL_SEC)
        return apr_psprintf(cmd->pool,
                            "AuthCacheBasicTTL: '%s' is not a number of "
                            "seconds from 0 (off) to %d", arg,
                            AUTHCACHE_MAX_TTL_SEC);
    conf->basic_ttl = apr_time_from_sec(sec);
    conf->basic_ttl_set = 1;
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
    AP_INIT_TAKE1("AuthCacheBasicTTL", set_basic_ttl, NULL, OR_AUTHCFG,
        "Seconds a Basic access token stays cached (default 900, 0 = off)"),
    AP_INIT_TAKE1("AuthCacheSOCache", set_socache, NULL, RSRC_CONF,
        "The shared object cache for entries, provider[:args] "
        "(default shmcb:" AUTHCACHE_DEFAULT_SOCACHE_ARG ")"),
    AP_INIT_TAKE1("AuthCacheSecretFile", set_secret_file, NULL, RSRC_CONF,
        "File whose contents (at least 32 bytes) key the cache, to share "
        "entries across a server farm (default: a random secret)"),
    { NULL }
};
