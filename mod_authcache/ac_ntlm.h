/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NTLMSSP messages, server side (MS-NLMP), without httpd headers.
 *
 * Only NTLMv2 is accepted: NTLMv1 and LM responses fall to offline
 * cracking and are refused. The server never offers key exchange, so the
 * exported session key is the NTLMv2 session base key and no RC4 is
 * needed; the MIC, when the client sends one, is checked with that key.
 *
 * Everything read from a message is bounds-checked first: offsets and
 * lengths are 32/16-bit values from the wire, added in 64 bits.
 */
#ifndef AC_NTLM_H
#define AC_NTLM_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"
#include "apr_time.h"

#define AC_NTLM_NEGOTIATE_UNICODE                 0x00000001U
#define AC_NTLM_NEGOTIATE_OEM                     0x00000002U
#define AC_NTLM_REQUEST_TARGET                    0x00000004U
#define AC_NTLM_NEGOTIATE_SIGN                    0x00000010U
#define AC_NTLM_NEGOTIATE_SEAL                    0x00000020U
#define AC_NTLM_NEGOTIATE_LM_KEY                  0x00000080U
#define AC_NTLM_NEGOTIATE_NTLM                    0x00000200U
#define AC_NTLM_NEGOTIATE_ANONYMOUS               0x00000800U
#define AC_NTLM_NEGOTIATE_ALWAYS_SIGN             0x00008000U
#define AC_NTLM_TARGET_TYPE_DOMAIN                0x00010000U
#define AC_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000U
#define AC_NTLM_NEGOTIATE_TARGET_INFO             0x00800000U
#define AC_NTLM_NEGOTIATE_VERSION                 0x02000000U
#define AC_NTLM_NEGOTIATE_128                     0x20000000U
#define AC_NTLM_NEGOTIATE_KEY_EXCH                0x40000000U
#define AC_NTLM_NEGOTIATE_56                      0x80000000U

/* AV pair ids (MS-NLMP 2.2.2.1) */
#define AC_NTLM_AV_EOL              0
#define AC_NTLM_AV_NB_COMPUTER_NAME 1
#define AC_NTLM_AV_NB_DOMAIN_NAME   2
#define AC_NTLM_AV_DNS_COMPUTER_NAME 3
#define AC_NTLM_AV_DNS_DOMAIN_NAME  4
#define AC_NTLM_AV_DNS_TREE_NAME    5
#define AC_NTLM_AV_FLAGS            6
#define AC_NTLM_AV_TIMESTAMP        7
#define AC_NTLM_AV_SINGLE_HOST      8
#define AC_NTLM_AV_TARGET_NAME      9
#define AC_NTLM_AV_CHANNEL_BINDINGS 10

/* MsvAvFlags bit: the AUTHENTICATE message carries a MIC */
#define AC_NTLM_AV_FLAG_MIC         0x00000002U

/* Sizes of the AV pair values MS-NLMP fixes */
#define AC_NTLM_AV_FLAGS_LEN        4
#define AC_NTLM_AV_TIMESTAMP_LEN    8
#define AC_NTLM_AV_BINDINGS_LEN     16

/* Longest name (user, domain, workstation, server names), UTF-16 units */
#define AC_NTLM_NAME_MAX 256

/* Where the MIC sits in an AUTHENTICATE message that has one */
#define AC_NTLM_MIC_OFFSET 72
#define AC_NTLM_MIC_LEN    16

/* A field of a message: points into the message it was parsed from. */
typedef struct {
    const unsigned char *data;  /* NULL when len == 0 */
    apr_size_t len;
} ac_ntlm_buf_t;

/* What the server puts into its CHALLENGE message. */
typedef struct {
    const char *nb_domain;      /* NetBIOS domain name (UTF-8), required */
    const char *nb_computer;    /* NetBIOS computer name (UTF-8), required */
    const char *dns_domain;     /* DNS domain name; NULL or "": left out */
    const char *dns_computer;   /* DNS computer name; NULL or "": left out */
    unsigned char challenge[8]; /* random bytes from the caller */
    apr_uint64_t timestamp;     /* FILETIME, see ac_ntlm_filetime() */
} ac_ntlm_challenge_params_t;

/*
 * A parsed AUTHENTICATE message. The ac_ntlm_buf_t fields point into the
 * message, which must outlive this struct; the UTF-8 names are copies.
 */
typedef struct {
    apr_uint32_t flags;             /* NegotiateFlags sent by the client */
    ac_ntlm_buf_t lm;               /* LmChallengeResponse (unused) */
    ac_ntlm_buf_t nt;               /* NtChallengeResponse (NTLMv2) */
    ac_ntlm_buf_t domain;           /* raw UTF-16LE, may be empty */
    ac_ntlm_buf_t user;             /* raw UTF-16LE, never empty */
    ac_ntlm_buf_t workstation;      /* raw UTF-16LE, may be empty */
    ac_ntlm_buf_t session_key;      /* EncryptedRandomSessionKey */
    const char *user_utf8;
    const char *domain_utf8;        /* "" when the client sent none */
    const char *workstation_utf8;
    ac_ntlm_buf_t av;               /* the client blob's AV pairs, EOL incl. */
    int has_version;
    unsigned char version[8];
    int has_mic;                    /* MsvAvFlags announced a MIC */
    apr_size_t mic_offset;          /* AC_NTLM_MIC_OFFSET when has_mic */
    unsigned char mic[AC_NTLM_MIC_LEN];
} ac_ntlm_auth_t;

/*
 * Checks the "NTLMSSP\0" signature and a length of at least 12 and sets
 * *type to 1, 2 or 3. APR_EINVAL with *why set otherwise (other types
 * included).
 */
apr_status_t ac_ntlm_message_type(const unsigned char *msg, apr_size_t len,
                                  int *type, const char **why);

/*
 * Parses a NEGOTIATE (type 1) message of at least 16 bytes: the domain and
 * workstation fields may be absent (curl sends 32 or 40 bytes) or empty;
 * when not empty they must lie inside the message, after the header.
 */
apr_status_t ac_ntlm_parse_negotiate(const unsigned char *msg, apr_size_t len,
                                     apr_uint32_t *flags, const char **why);

/*
 * Builds a CHALLENGE (type 2) message from p, answering a NEGOTIATE with
 * client_flags; *negotiated gets the flags it carries. The client must
 * offer Unicode. Never offers key exchange, LM_KEY or sealing.
 * APR_EINVAL with *why set for such a client or for bad params (a missing
 * NetBIOS name, a name that is not UTF-8 or longer than AC_NTLM_NAME_MAX).
 */
apr_status_t ac_ntlm_build_challenge(const ac_ntlm_challenge_params_t *params,
                                     apr_uint32_t client_flags, apr_pool_t *p,
                                     unsigned char **out, apr_size_t *out_len,
                                     apr_uint32_t *negotiated,
                                     const char **why);

/*
 * Parses an AUTHENTICATE (type 3) message into *out (UTF-8 copies from
 * p). Refuses, with *why set: fields outside the message or overlapping
 * its header, a message without Unicode, anonymous logins, an empty user,
 * NTLMv1 or LM-only responses, a malformed NTLMv2 blob (AV pairs running
 * past it or without MsvAvEOL, an AV id given twice, MsvAvFlags,
 * MsvAvTimestamp or MsvAvChannelBindings of the wrong size, an odd-sized
 * or over-long MsvAvTargetName), invalid UTF-16 or over-long names, a MIC
 * announced with no room for it.
 */
apr_status_t ac_ntlm_parse_authenticate(const unsigned char *msg,
                                        apr_size_t len, apr_pool_t *p,
                                        ac_ntlm_auth_t *out, const char **why);

/*
 * Checks a's NTLMv2 response against nt_hash (MD4 of the UTF-16LE
 * password) and the server challenge the client answered: *ok is 1 when
 * it matches, and session_base_key is then filled (zeros otherwise).
 * The user name is uppercased for NTOWFv2 as Windows does it only for
 * ASCII and Latin-1 letters (U+00E0..U+00FE but U+00F7): a name with
 * other lowercase letters verifies only if the client uppercased it the
 * same way. The domain is the one in the message, as sent.
 * Errors (not a mismatch) are APR_EINVAL / APR_EGENERAL.
 */
apr_status_t ac_ntlm_v2_verify(const unsigned char nt_hash[16],
                               const ac_ntlm_auth_t *a,
                               const unsigned char server_challenge[8],
                               unsigned char session_base_key[16], int *ok);

/*
 * NTOWFv2 from the NT hash and the raw UTF-16LE user (uppercased here, as
 * ac_ntlm_v2_verify describes) and domain. APR_EINVAL for an odd user
 * length or one over AC_NTLM_NAME_MAX units.
 */
apr_status_t ac_ntlm_ntowf_v2(const unsigned char nt_hash[16],
                              const unsigned char *user, apr_size_t user_len,
                              const unsigned char *domain,
                              apr_size_t domain_len, unsigned char out[16]);

/* The client's FILETIME inside its NTLMv2 blob, for expiry checks. */
apr_status_t ac_ntlm_v2_timestamp(const ac_ntlm_auth_t *a,
                                  apr_uint64_t *filetime);

/* The AV pairs of the client's NTLMv2 blob (up to and with MsvAvEOL). */
apr_status_t ac_ntlm_v2_av_pairs(const ac_ntlm_auth_t *a,
                                 const unsigned char **av, apr_size_t *len);

/*
 * Finds AV pair id in av[0..len): APR_SUCCESS with its value, APR_NOTFOUND
 * when it is not there, APR_EINVAL when the list runs past len or has no
 * MsvAvEOL.
 */
apr_status_t ac_ntlm_av_find(const unsigned char *av, apr_size_t len,
                             apr_uint16_t id, const unsigned char **value,
                             apr_size_t *value_len);

/*
 * Checks the MIC of a (which must have one) with the session base key
 * from ac_ntlm_v2_verify: HMAC_MD5(key, NEGOTIATE || CHALLENGE ||
 * AUTHENTICATE with its MIC zeroed), compared in constant time. The three
 * messages are the exact bytes exchanged. APR_ENOTIMPL (and *ok 0) when
 * the client claims key exchange, which this server never offers.
 */
apr_status_t ac_ntlm_mic_verify(const unsigned char session_base_key[16],
                                const unsigned char *negotiate,
                                apr_size_t nlen,
                                const unsigned char *challenge,
                                apr_size_t clen,
                                const unsigned char *authenticate,
                                apr_size_t alen, const ac_ntlm_auth_t *a,
                                int *ok);

/* NT hash (NTOWFv1): MD4 of the UTF-16LE password. APR_EINVAL: not UTF-8. */
apr_status_t ac_ntlm_nt_hash(const char *password_utf8, unsigned char out[16]);

/* t as a FILETIME (100 ns units since 1601-01-01 UTC). */
apr_uint64_t ac_ntlm_filetime(apr_time_t t);

#endif /* AC_NTLM_H */
