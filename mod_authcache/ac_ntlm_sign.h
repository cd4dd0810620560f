/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NTLM session security (MS-NLMP 3.4.4.2, 3.4.5), server side, as far as
 * SPNEGO's mechListMIC needs it: the signing and sealing keys derived
 * from the exported session key, and the message signature (GSS_GetMIC)
 * with extended session security.
 *
 * The server never negotiates NTLMSSP_NEGOTIATE_KEY_EXCH (ac_ntlm.h), so
 * the checksum is the truncated HMAC-MD5 itself: MS-NLMP encrypts it with
 * the sealing key's RC4 only under KEY_EXCH, and no RC4 (OpenSSL 3's
 * legacy provider) is ever needed here. The sealing keys are derived
 * all the same: MS-NLMP's test vectors check them, and they are what
 * tells a wrong exported session key from a wrong MAC.
 */
#ifndef AC_NTLM_SIGN_H
#define AC_NTLM_SIGN_H

#include "apr.h"
#include "apr_errno.h"

#define AC_NTLM_SIGNATURE_LEN 16

/* Which side's keys: messages the client sends, or the server sends */
typedef enum {
    AC_NTLM_CLIENT_TO_SERVER = 0,
    AC_NTLM_SERVER_TO_CLIENT
} ac_ntlm_direction_e;

/*
 * SIGNKEY and SEALKEY of MS-NLMP 3.4.5.2/3.4.5.3 with extended session
 * security: MD5(key || magic constant of the direction), the sealing key
 * from the first 16, 7 or 5 bytes of the exported session key as flags
 * has NEGOTIATE_128, NEGOTIATE_56 or neither. APR_EGENERAL if OpenSSL
 * fails.
 */
apr_status_t ac_ntlm_session_keys(const unsigned char exported_key[16],
                                  apr_uint32_t flags, ac_ntlm_direction_e dir,
                                  unsigned char sign_key[16],
                                  unsigned char seal_key[16]);

/*
 * The NTLMSSP_MESSAGE_SIGNATURE of msg with sequence number seq (without
 * KEY_EXCH): version 1, HMAC_MD5(sign_key, seq || msg)[0..7], seq.
 */
apr_status_t ac_ntlm_sign(const unsigned char sign_key[16], apr_uint32_t seq,
                          const unsigned char *msg, apr_size_t len,
                          unsigned char sig[AC_NTLM_SIGNATURE_LEN]);

/*
 * *ok 1 when sig[0..sig_len) is the signature of msg with seq: full
 * length, compared in constant time.
 */
apr_status_t ac_ntlm_sign_verify(const unsigned char sign_key[16],
                                 apr_uint32_t seq, const unsigned char *msg,
                                 apr_size_t len, const unsigned char *sig,
                                 apr_size_t sig_len, int *ok);

#endif /* AC_NTLM_SIGN_H */
