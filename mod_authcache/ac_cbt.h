/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Channel bindings for NTLM over TLS, without httpd headers.
 *
 * A client that logs on over TLS may bind its NTLMv2 response to the TLS
 * channel: MS-NLMP's MsvAvChannelBindings AV pair carries the MD5 of a
 * gss_channel_bindings structure (RFC 2744 3.11: zero initiator and
 * acceptor addresses) whose application data is RFC 5929's
 * "tls-server-end-point:" followed by the hash of the certificate the
 * client saw. A relay that terminates TLS with its own certificate makes
 * the victim bind to that certificate, not to ours.
 */
#ifndef AC_CBT_H
#define AC_CBT_H

#include "apr.h"
#include "apr_errno.h"

/* Largest tls-server-end-point hash (SHA-512) */
#define AC_CBT_HASH_MAX 64
/* The MsvAvChannelBindings value */
#define AC_CBT_LEN      16

/*
 * RFC 5929 4.1 tls-server-end-point of the DER certificate der[0..len):
 * its hash with the certificate's signature hash, SHA-256 where that is
 * MD5 or SHA-1. APR_ENOTIMPL (with *why) for signatures without a single
 * hash (Ed25519, Ed448): RFC 5929 defines no binding for them, and
 * clients send none. APR_EINVAL for bytes that are not one DER
 * certificate (read as far as its signature algorithm: the bytes come from
 * mod_ssl, which parsed them already).
 */
apr_status_t ac_cbt_server_end_point(const unsigned char *der,
                                     apr_size_t len,
                                     unsigned char out[AC_CBT_HASH_MAX],
                                     apr_size_t *out_len, const char **why);

/*
 * The MsvAvChannelBindings value for application data app[0..len): MD5 of
 * the gss_channel_bindings structure with zero addresses.
 */
apr_status_t ac_cbt_gss_md5(const unsigned char *app, apr_size_t len,
                            unsigned char out[AC_CBT_LEN]);

/*
 * The MsvAvChannelBindings value a client computes for the PEM
 * certificate pem (mod_ssl's SSL_SERVER_CERT): ac_cbt_gss_md5 of
 * "tls-server-end-point:" || ac_cbt_server_end_point. Errors as
 * ac_cbt_server_end_point.
 */
/*
 * The channel's application data, "tls-server-end-point:" || the hash of
 * the PEM certificate (RFC 5929): *len bytes of out, which holds
 * AC_CBT_APP_MAX. GSSAPI (Kerberos) takes it as it is, NTLM its MD5 below.
 */
#define AC_CBT_APP_MAX (21 + AC_CBT_HASH_MAX)
apr_status_t ac_cbt_app_data(const char *pem,
                             unsigned char out[AC_CBT_APP_MAX],
                             apr_size_t *len, const char **why);

apr_status_t ac_cbt_ntlm_from_pem(const char *pem,
                                  unsigned char out[AC_CBT_LEN],
                                  const char **why);

/*
 * 1 when v carries no channel: all zeros (MS-NLMP's value for a client
 * without bindings) or the MD5 of empty bindings.
 */
int ac_cbt_is_unbound(const unsigned char v[AC_CBT_LEN]);

#endif /* AC_CBT_H */
