/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scope of a cached credential: which authority configuration
 * verified it. A credential answers only a request of the same scope.
 *
 * httpd composes a request's per-directory configuration by merging the
 * sections that apply to it, in order, into the virtual host's defaults;
 * it calls a module's merge function only for sections where that
 * module's own directives appear. So a section that sets only
 * AuthUserFile would be invisible to us. At startup we therefore walk
 * every section of every virtual host (<Location>, <Directory>, their
 * <Files> and <If> sections, <Proxy>) and give each one a record of ours
 * with a name, scope_id, and a flag saying whether it configures
 * authentication: a directive of mod_authcache that names an authority
 * (the X-macro's scoped fields), or any directive of another
 * authentication module (mod_auth_*, mod_authn_*, mod_authnz_*: backend
 * files, providers, AuthType, AuthName). Authorization modules
 * (mod_authz_*: Require) do not count: Require is evaluated on every
 * request, cached credential or not. Other modules (Options, Header,
 * SetHandler) do not count either, so a <FilesMatch \.php$> does not
 * force a new NTLM handshake.
 *
 * The merge then carries the chain: the virtual host, then the name of
 * every configuring section merged, in order. .htaccess files are read
 * per request; their records (when they set our directives) are named
 * by their directory, and those that set only another module's
 * directives are found in r->htaccess, the list httpd keeps of the
 * files it read for the request.
 *
 * Names are made of kinds, positions and paths, so identical
 * configurations (the hosts of a farm, a graceful restart) give
 * identical scopes.
 */
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "mod_proxy.h"

#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

/* The loaded authentication modules other than ours (NULL-terminated). */
static module **authn_modules;

static int is_authn_module(const module *m)
{
    return m != &authcache_module && !strncmp(m->name, "mod_auth", 8)
           && strncmp(m->name, "mod_authz_", 10);
}

static int sets_scoped_field(const authcache_dir_config_rec *conf)
{
#define AUTHCACHE_SCOPED(f, scoped) || ((scoped) && conf->f##_set)
    return conf && (0 AUTHCACHE_DIR_FIELDS(AUTHCACHE_SCOPED));
#undef AUTHCACHE_SCOPED
}

/* 1 when another authentication module has settings in v */
static int has_authn_settings(ap_conf_vector_t *v)
{
    module **m;

    for (m = authn_modules; m && *m; m++)
        if (ap_get_module_config(v, *m))
            return 1;
    return 0;
}

static void list_authn_modules(apr_pool_t *p)
{
    apr_array_header_t *mods = apr_array_make(p, 8, sizeof(module *));
    module *m;

    for (m = ap_top_module; m; m = m->next)
        if (is_authn_module(m))
            APR_ARRAY_PUSH(mods, module *) = m;
    APR_ARRAY_PUSH(mods, module *) = NULL;
    authn_modules = (module **)mods->elts;
}

typedef struct {
    apr_pool_t *p;
    int n;                      /* sections named so far */
} scope_walk_t;

static void walk_sections(scope_walk_t *w, apr_array_header_t *secs,
                          char kind);

/* Gives section v its record and name, then its nested sections theirs. */
static void name_section(scope_walk_t *w, ap_conf_vector_t *v, char kind)
{
    core_dir_config *core = ap_get_core_module_config(v);
    authcache_dir_config_rec *conf =
        ap_get_module_config(v, &authcache_module);
    const char *label = "";

    if (!conf) {
        conf = authcache_create_dir_config(w->p, core ? core->d : NULL);
        ap_set_module_config(v, &authcache_module, conf);
    }
    if (conf->scope_id)
        return;                 /* a main server section, seen already */
    if (core && kind == 'I')
        label = core->condition && core->condition->filename
            ? apr_psprintf(w->p, "%s:%u", core->condition->filename,
                           core->condition->line_number)
            : "else";
    else if (core && core->d)
        label = core->d;
    conf->scope_id = apr_psprintf(w->p, "%c%d:%s", kind, ++w->n, label);
    conf->scope_self = sets_scoped_field(conf) || has_authn_settings(v);
    if (core) {
        walk_sections(w, core->sec_file, 'F');
        walk_sections(w, core->sec_if, 'I');
    }
}

static void walk_sections(scope_walk_t *w, apr_array_header_t *secs,
                          char kind)
{
    int i;

    for (i = 0; secs && i < secs->nelts; i++)
        name_section(w, APR_ARRAY_IDX(secs, i, ap_conf_vector_t *), kind);
}

/* A virtual host's name: where it is defined, so farms agree on it. */
static const char *server_scope(apr_pool_t *p, server_rec *s, server_rec *main)
{
    if (s == main)
        return "main";
    return apr_psprintf(p, "V%s:%u@%s:%u", s->server_hostname,
                        (unsigned)s->port, s->defn_name ? s->defn_name : "",
                        s->defn_line_number);
}

static int scope_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *main)
{
    module *proxy = ap_find_linked_module("mod_proxy.c");
    scope_walk_t w = { pconf, 0 };
    server_rec *s;

    (void)plog;
    (void)ptemp;
    list_authn_modules(pconf);
    for (s = main; s; s = s->next) {
        authcache_dir_config_rec *conf =
            ap_get_module_config(s->lookup_defaults, &authcache_module);
        core_dir_config *dcore = ap_get_core_module_config(s->lookup_defaults);
        core_server_config *score = ap_get_core_module_config(s->module_config);

        conf->scope = server_scope(pconf, s, main);
        if (dcore) {
            walk_sections(&w, dcore->sec_file, 'F');
            walk_sections(&w, dcore->sec_if, 'I');
        }
        walk_sections(&w, score->sec_url, 'L');
        walk_sections(&w, score->sec_dir, 'D');
        if (proxy) {
            proxy_server_conf *pconf_s =
                ap_get_module_config(s->module_config, proxy);

            if (pconf_s)
                walk_sections(&w, pconf_s->sec_proxy, 'P');
        }
    }
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, main,
                 AC_LOGNO(1101) "%d configuration sections named for credential "
                 "scopes", w.n);
    return OK;
}

/*
 * What rec adds to a chain. httpd merges sections both ways round: the
 * location walk first merges the matching sections with each other, then
 * the result into the request's configuration; so either side may be a
 * section's own record or a merged one.
 */
static const char *chain_of(apr_pool_t *p, const authcache_dir_config_rec *rec)
{
    if (rec->merged || rec->scope)   /* merged, or a host's defaults */
        return rec->scope ? rec->scope : "";
    if (rec->scope_id)                /* a section named at startup */
        return rec->scope_self ? rec->scope_id : "";
    /* read at request time: .htaccess */
    return sets_scoped_field(rec)
        ? apr_pstrcat(p, "H:", rec->dir ? rec->dir : "?", NULL) : "";
}

/* b "|" a, on every merge: apr_pstrcat's walk of its arguments costs more */
static const char *chain_join(apr_pool_t *p, const char *b, const char *a)
{
    apr_size_t nb = strlen(b), na = strlen(a);
    char *s = apr_palloc(p, nb + na + 2);

    memcpy(s, b, nb);
    s[nb] = '|';
    memcpy(s + nb + 1, a, na + 1);
    return s;
}

void authcache_scope_merge(apr_pool_t *p, authcache_dir_config_rec *conf,
                           const authcache_dir_config_rec *base,
                           const authcache_dir_config_rec *add)
{
    const char *b = chain_of(p, base), *a = chain_of(p, add);

    conf->merged = 1;
    conf->scope = !*a ? b : !*b ? a : chain_join(p, b, a);
}

/* .htaccess files read for r that configure another authn module */
static const char *htaccess_scope(request_rec *r, const char *scope)
{
    const struct htaccess_result *h;

    for (h = r->htaccess; h; h = h->next)
        if (h->htaccess && r->filename
            && !strncmp(r->filename, h->dir, strlen(h->dir))
            && has_authn_settings(h->htaccess))
            scope = apr_pstrcat(r->pool, scope, "|h:", h->dir, NULL);
    return scope;
}

const char *authcache_scope(request_rec *r)
{
    authcache_req_rec *q = authcache_req(r);
    const authcache_dir_config_rec *conf;

    if (q->scope && q->scope_pdc == r->per_dir_config)
        return q->scope;
    conf = ap_get_module_config(r->per_dir_config, &authcache_module);
    /* a record nobody named cannot be matched by any other */
    q->scope = conf->scope ? conf->scope
                           : apr_psprintf(r->pool, "?%pp", (void *)conf);
    q->scope = htaccess_scope(r, q->scope);
    q->scope_pdc = r->per_dir_config;
    return q->scope;
}

void authcache_scope_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* after the configuration is complete, before any request */
    ap_hook_post_config(scope_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}
