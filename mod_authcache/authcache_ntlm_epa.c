/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extended Protection for AuthType NTLM: the httpd side of ac_ntlm_epa.c.
 * It supplies what the checks need to know about this server: the
 * channel bindings of the connection (the certificate mod_ssl presented
 * on it, hashed once per connection) and the service principal names of
 * the virtual host.
 */
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_ssl.h"

#include "authcache_private.h"

APLOG_USE_MODULE(authcache);

#define EPA_CONN_KEY "authcache_ntlm_epa"

/* What a connection binds to; in its pool, made at its first logon. */
typedef struct {
    int tls;                          /* mod_ssl runs the connection */
    int bound;                        /* expected holds its bindings */
    unsigned char expected[AC_CBT_LEN];
    const char *why;                  /* over TLS and not bound: why not */
} epa_conn_t;

static const epa_conn_t *epa_conn(request_rec *r)
{
    conn_rec *c = r->connection;
    epa_conn_t *ec = NULL;
    const char *pem;

    apr_pool_userdata_get((void **)&ec, EPA_CONN_KEY, c->pool);
    if (ec)
        return ec;
    ec = apr_pcalloc(c->pool, sizeof(*ec));
    ec->tls = ap_ssl_conn_is_ssl(c);
    if (ec->tls) {
        /* the certificate of this connection, the one SNI picked */
        pem = ap_ssl_var_lookup(r->pool, r->server, c, r, "SSL_SERVER_CERT");
        if (!pem || !*pem)
            ec->why = "mod_ssl reports no server certificate";
        else if (ac_cbt_ntlm_from_pem(pem, ec->expected, &ec->why)
                 == APR_SUCCESS)
            ec->bound = 1;
        if (!ec->bound)
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          AC_LOGNO(0801) "no NTLM channel bindings for this TLS "
                          "connection: %s", ec->why);
    }
    apr_pool_userdata_setn(ec, EPA_CONN_KEY, NULL, c->pool);
    return ec;
}

static void spn_push(apr_array_header_t *spns, const char *name,
                     apr_port_t local, apr_port_t configured)
{
    apr_pool_t *p = spns->pool;

    if (!name || !*name)
        return;
    APR_ARRAY_PUSH(spns, const char *) = apr_pstrcat(p, "HTTP/", name, NULL);
    APR_ARRAY_PUSH(spns, const char *) = apr_psprintf(p, "HTTP/%s:%u", name,
                                                      (unsigned)local);
    if (configured && configured != local)
        APR_ARRAY_PUSH(spns, const char *) = apr_psprintf(p, "HTTP/%s:%u",
                                                          name,
                                                          (unsigned)configured);
}

/*
 * The default list: HTTP/ and each name the virtual host answers to
 * (ServerName, ServerAlias with its wildcards), bare and with the port
 * (clients add it when it is not the scheme's default). Never the Host
 * header: a relay chooses that one.
 */
static const char *const *default_spns(request_rec *r, int *n)
{
    server_rec *s = r->server;
    apr_port_t local = r->connection->local_addr->port;
    apr_array_header_t *spns = apr_array_make(r->pool, 8,
                                              sizeof(const char *));
    apr_array_header_t *lists[2];
    int i, j;

    spn_push(spns, s->server_hostname, local, s->port);
    lists[0] = s->names;
    lists[1] = s->wild_names;
    for (i = 0; i < 2; i++) {
        for (j = 0; lists[i] && j < lists[i]->nelts; j++)
            spn_push(spns, APR_ARRAY_IDX(lists[i], j, const char *), local,
                     s->port);
    }
    *n = spns->nelts;
    return (const char *const *)spns->elts;
}

static const authcache_counter_e epa_counter[] = {
    AUTHCACHE_C_COUNT,                      /* AC_NTLM_EPA_OK: none */
    AUTHCACHE_C_ntlm_refused_flags,
    AUTHCACHE_C_ntlm_refused_target_info,
    AUTHCACHE_C_ntlm_refused_timestamp,
    AUTHCACHE_C_ntlm_refused_target_name,
    AUTHCACHE_C_ntlm_refused_bindings
};

apr_status_t authcache_ntlm_epa_check(request_rec *r,
                                      const authcache_dir_config_rec *conf,
                                      const ac_ntlm_auth_t *a,
                                      const unsigned char *challenge,
                                      apr_size_t challenge_len,
                                      const char *who)
{
    const epa_conn_t *ec = epa_conn(r);
    ac_ntlm_epa_policy_t pol;
    ac_ntlm_epa_e reason;
    const char *why = NULL;

    memset(&pol, 0, sizeof(pol));
    pol.challenge = challenge;
    pol.challenge_len = challenge_len;
    pol.bindings = conf->ntlm_channel_binding;
    pol.expected = ec->bound ? ec->expected : NULL;
    if (conf->ntlm_spns_any)
        pol.spns = NULL;
    else if (conf->ntlm_spns) {
        pol.spns = (const char *const *)conf->ntlm_spns->elts;
        pol.nspns = conf->ntlm_spns->nelts;
    }
    else
        pol.spns = default_spns(r, &pol.nspns);
    pol.skew = conf->ntlm_timestamp_skew < 0
               ? -1 : apr_time_sec(conf->ntlm_timestamp_skew);
    pol.require_mic = conf->ntlm_require_mic;

    reason = ac_ntlm_epa_check(&pol, a, r->pool, &why);
    if (reason == AC_NTLM_EPA_OK)
        return APR_SUCCESS;
    authcache_count(epa_counter[reason]);
    if (reason == AC_NTLM_EPA_BINDINGS && ec->tls && !ec->bound)
        why = apr_pstrcat(r->pool, why, "; ", ec->why, NULL);
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                  AC_LOGNO(0802) "NTLM logon of %s refused for %s: %s",
                  who, r->uri, why);
    return APR_EACCES;
}
