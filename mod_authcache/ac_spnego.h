/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SPNEGO (RFC 4178, MS-SPNG) tokens of AuthType Negotiate, server side,
 * without httpd headers: the client's GSS InitialContextToken
 * ([APPLICATION 0] { 1.3.6.1.5.5.2, NegTokenInit }) and NegTokenResp are
 * parsed, the server's NegTokenResp built, all with OpenSSL's ASN.1
 * templates (DER; no hand-written encoder or decoder).
 *
 * Only what the module needs to run NTLM inside SPNEGO itself is read:
 * which mechanism the client prefers, the mechanism token, the
 * mechListMIC, and the mechTypes exactly as received (the MIC covers
 * their encoding). Kerberos tokens go to GSSAPI whole.
 */
#ifndef AC_SPNEGO_H
#define AC_SPNEGO_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"

/* The mechanisms told apart */
typedef enum {
    AC_SPNEGO_MECH_OTHER = 0,
    AC_SPNEGO_MECH_KRB5,        /* 1.2.840.113554.1.2.2 */
    AC_SPNEGO_MECH_MS_KRB5,     /* 1.2.840.48018.1.2.2 (Windows' alias) */
    AC_SPNEGO_MECH_NTLMSSP      /* 1.3.6.1.4.1.311.2.2.10 */
} ac_spnego_mech_e;

/* negState */
#define AC_SPNEGO_ACCEPT_COMPLETED  0
#define AC_SPNEGO_ACCEPT_INCOMPLETE 1
#define AC_SPNEGO_REJECT            2
#define AC_SPNEGO_REQUEST_MIC       3

/* What a token of the client is */
typedef enum {
    AC_SPNEGO_INIT = 1,         /* InitialContextToken with a NegTokenInit */
    AC_SPNEGO_RESP,             /* NegTokenResp (a later leg) */
    AC_SPNEGO_GSS_OTHER         /* a GSS InitialContextToken of another
                                 * mechanism (raw Kerberos): not parsed */
} ac_spnego_kind_e;

/* More mechanisms than any client offers (Windows sends four) */
#define AC_SPNEGO_MAX_MECHS 16

/* A parsed token; the buffers are copies in the pool given. */
typedef struct {
    ac_spnego_kind_e kind;
    /* AC_SPNEGO_GSS_OTHER: the framing's mechanism */
    ac_spnego_mech_e this_mech;
    /* AC_SPNEGO_INIT */
    int nmechs;
    ac_spnego_mech_e first_mech;            /* the client's preference */
    const unsigned char *mech_types;        /* MechTypeList as received */
    apr_size_t mech_types_len;
    /* AC_SPNEGO_RESP: -1 when absent */
    int neg_state;
    int has_supported_mech;
    ac_spnego_mech_e supported_mech;
    /* mechToken (INIT) or responseToken (RESP); NULL when absent */
    const unsigned char *mech_token;
    apr_size_t mech_token_len;
    const unsigned char *mic;               /* mechListMIC; NULL: none */
    apr_size_t mic_len;
} ac_spnego_token_t;

/*
 * Parses tok[0..len): an InitialContextToken whose mechanism is SPNEGO
 * and whose inner token is a NegTokenInit, a bare NegTokenResp, or an
 * InitialContextToken of another mechanism (kind AC_SPNEGO_GSS_OTHER,
 * this_mech set, nothing else read). APR_EINVAL with *why for anything
 * else: not DER of these types, bytes after the token, an empty or
 * over-long mechTypes list, a NegTokenInit inside a bare NegTokenResp
 * position or the reverse, a negState out of range.
 */
apr_status_t ac_spnego_parse(const unsigned char *tok, apr_size_t len,
                             apr_pool_t *p, ac_spnego_token_t *out,
                             const char **why);

/*
 * DER of a NegotiationToken holding a NegTokenResp: neg_state (-1: left
 * out), supportedMech (AC_SPNEGO_MECH_OTHER: left out), responseToken and
 * mechListMIC (NULL: left out). APR_EINVAL for an unknown neg_state or
 * mechanism, APR_ENOMEM when OpenSSL fails.
 */
apr_status_t ac_spnego_build_resp(int neg_state, ac_spnego_mech_e mech,
                                  const unsigned char *resp_token,
                                  apr_size_t resp_len,
                                  const unsigned char *mic, apr_size_t mic_len,
                                  apr_pool_t *p, unsigned char **out,
                                  apr_size_t *out_len);

#endif /* AC_SPNEGO_H */
