/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extended Protection for NTLM, without httpd headers: what a verified
 * NTLMv2 blob must say about the server, the CHALLENGE and the channel it
 * answers (MS-NLMP 3.2.5.1.2, IIS's tokenChecking and SPN list).
 *
 * The checks run after the authority verified the NTProofStr, which
 * covers the whole blob: every value read here is the client's own and
 * nobody on the way can change it. A refusal therefore says the client
 * answered another server or channel (a relay), or a CHALLENGE that was
 * altered in transit, or that the client is broken.
 */
#ifndef AC_NTLM_EPA_H
#define AC_NTLM_EPA_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"

#include "ac_cbt.h"
#include "ac_ntlm.h"

/* AuthNTLMChannelBinding */
typedef enum {
    AC_NTLM_CB_OFF = 0,         /* not checked */
    AC_NTLM_CB_ALLOW,           /* a wrong value is refused, none accepted */
    AC_NTLM_CB_REQUIRE          /* the right value, over TLS, or refused */
} ac_ntlm_cb_e;

/* Why a blob was refused; one status counter each. */
typedef enum {
    AC_NTLM_EPA_OK = 0,
    AC_NTLM_EPA_FLAGS,          /* flags not offered; no MIC where required */
    AC_NTLM_EPA_TARGET_INFO,    /* the CHALLENGE's AV pairs not echoed */
    AC_NTLM_EPA_TIMESTAMP,      /* blob time too far from the CHALLENGE's */
    AC_NTLM_EPA_TARGET_NAME,    /* MsvAvTargetName names another service */
    AC_NTLM_EPA_BINDINGS        /* channel bindings wrong or missing */
} ac_ntlm_epa_e;

typedef struct {
    /* the CHALLENGE this server sent on the connection, as sent */
    const unsigned char *challenge;
    apr_size_t challenge_len;
    ac_ntlm_cb_e bindings;
    /* this channel's MsvAvChannelBindings (ac_cbt_ntlm_from_pem), or
     * NULL when it has none: plain HTTP, a certificate without a
     * tls-server-end-point */
    const unsigned char *expected;
    /* accepted MsvAvTargetName values, apr_fnmatch patterns compared
     * without regard to case; spns NULL: any name */
    const char *const *spns;
    int nspns;
    /* largest distance, in seconds, of the blob's TimeStamp from the
     * CHALLENGE's MsvAvTimestamp; negative: not checked */
    apr_int64_t skew;
    int require_mic;            /* refuse an AUTHENTICATE without a MIC */
} ac_ntlm_epa_policy_t;

/*
 * Reads a CHALLENGE message (ours, but parsed with bounds checks all the
 * same): its flags, its TargetInfo (up to and with MsvAvEOL) and the
 * MsvAvTimestamp in it (*timestamp 0 when there is none). APR_EINVAL and
 * *why for anything else.
 */
apr_status_t ac_ntlm_challenge_read(const unsigned char *msg, apr_size_t len,
                                    apr_uint32_t *flags,
                                    const unsigned char **target_info,
                                    apr_size_t *target_info_len,
                                    apr_uint64_t *timestamp,
                                    const char **why);

/*
 * Checks the parsed and verified AUTHENTICATE a against policy pol, in
 * this order: flags (KEY_EXCH, SIGN, SEAL, LM_KEY only where the
 * CHALLENGE offered them; a MIC where required), every AV pair of the
 * CHALLENGE echoed unchanged (a stripped MsvAvTimestamp shows here), the
 * TimeStamp, the channel bindings, MsvAvTargetName. The target name is
 * not checked when the bindings are this channel's: no relay can make
 * those, whatever name the client knows the server by. AC_NTLM_EPA_OK,
 * or the first failed check with *why saying what was wrong. p holds the
 * UTF-8 target name read for the comparison.
 */
ac_ntlm_epa_e ac_ntlm_epa_check(const ac_ntlm_epa_policy_t *pol,
                                const ac_ntlm_auth_t *a, apr_pool_t *p,
                                const char **why);

#endif /* AC_NTLM_EPA_H */
