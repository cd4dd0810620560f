/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extended Protection for NTLM: see ac_ntlm_epa.h.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "apr_fnmatch.h"
#include "apr_strings.h"

#include "ac_ntlm_epa.h"
#include "ac_utf16.h"

#define CHAL_MIN 48             /* CHALLENGE up to its TargetInfo field */
#define FILETIME_PER_SEC APR_INT64_C(10000000)

static apr_uint16_t get16(const unsigned char *p)
{
    return (apr_uint16_t)(p[0] | (p[1] << 8));
}

static apr_uint32_t get32(const unsigned char *p)
{
    return (apr_uint32_t)get16(p) | ((apr_uint32_t)get16(p + 2) << 16);
}

static apr_uint64_t get64(const unsigned char *p)
{
    return (apr_uint64_t)get32(p) | ((apr_uint64_t)get32(p + 4) << 32);
}

static apr_status_t bad(const char **why, const char *reason)
{
    *why = reason;
    return APR_EINVAL;
}

/* The length of the AV pair list av[0..len) with its EOL, or 0. */
static apr_size_t av_list_len(const unsigned char *av, apr_size_t len)
{
    apr_size_t at = 0;

    while (len - at >= 4) {
        apr_size_t n = get16(av + at + 2);

        if (get16(av + at) == AC_NTLM_AV_EOL)
            return at + 4;
        if (n > len - at - 4)
            return 0;
        at += 4 + n;
    }
    return 0;
}

apr_status_t ac_ntlm_challenge_read(const unsigned char *msg, apr_size_t len,
                                    apr_uint32_t *flags,
                                    const unsigned char **target_info,
                                    apr_size_t *target_info_len,
                                    apr_uint64_t *timestamp,
                                    const char **why)
{
    apr_uint64_t off, n;
    const unsigned char *v;
    apr_size_t vlen;

    if (len < CHAL_MIN || memcmp(msg, "NTLMSSP", 8) || get32(msg + 8) != 2)
        return bad(why, "not an NTLMSSP CHALLENGE message");
    n = get16(msg + 40);
    off = get32(msg + 44);
    if (off < CHAL_MIN || off + n > len)
        return bad(why, "CHALLENGE TargetInfo outside the message");
    *flags = get32(msg + 20);
    *target_info = msg + off;
    *target_info_len = av_list_len(msg + off, (apr_size_t)n);
    if (!*target_info_len)
        return bad(why, "CHALLENGE TargetInfo without MsvAvEOL");
    *timestamp = 0;
    if (ac_ntlm_av_find(*target_info, *target_info_len, AC_NTLM_AV_TIMESTAMP,
                        &v, &vlen) == APR_SUCCESS
        && vlen == AC_NTLM_AV_TIMESTAMP_LEN)
        *timestamp = get64(v);
    return APR_SUCCESS;
}

/*
 * Flags that change what the handshake protects may be claimed only if
 * the CHALLENGE offered them (it never offers KEY_EXCH, LM_KEY or SEAL).
 */
static int flags_ok(const ac_ntlm_epa_policy_t *pol, const ac_ntlm_auth_t *a,
                    apr_uint32_t offered, const char **why)
{
    static const struct {
        apr_uint32_t bit;
        const char *why;
    } guarded[] = {
        { AC_NTLM_NEGOTIATE_KEY_EXCH, "claims NEGOTIATE_KEY_EXCH, which the "
                                      "CHALLENGE did not offer" },
        { AC_NTLM_NEGOTIATE_LM_KEY, "claims NEGOTIATE_LM_KEY, which the "
                                    "CHALLENGE did not offer" },
        { AC_NTLM_NEGOTIATE_SEAL, "claims NEGOTIATE_SEAL, which the "
                                  "CHALLENGE did not offer" },
        { AC_NTLM_NEGOTIATE_SIGN, "claims NEGOTIATE_SIGN, which the "
                                  "CHALLENGE did not offer" },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(guarded) / sizeof(guarded[0]); i++) {
        if ((a->flags & guarded[i].bit) && !(offered & guarded[i].bit)) {
            *why = guarded[i].why;
            return 0;
        }
    }
    if (pol->require_mic && !a->has_mic) {
        *why = "no MIC (AuthNTLMRequireMIC On)";
        return 0;
    }
    return 1;
}

static const char *av_name(apr_uint16_t id)
{
    switch (id) {
    case AC_NTLM_AV_NB_COMPUTER_NAME: return "MsvAvNbComputerName";
    case AC_NTLM_AV_NB_DOMAIN_NAME:   return "MsvAvNbDomainName";
    case AC_NTLM_AV_DNS_COMPUTER_NAME: return "MsvAvDnsComputerName";
    case AC_NTLM_AV_DNS_DOMAIN_NAME:  return "MsvAvDnsDomainName";
    case AC_NTLM_AV_DNS_TREE_NAME:    return "MsvAvDnsTreeName";
    case AC_NTLM_AV_TIMESTAMP:        return "MsvAvTimestamp";
    default:                          return "an AV pair";
    }
}

/*
 * MS-NLMP 3.1.5.1.2: the client copies the CHALLENGE's TargetInfo into
 * its blob and adds its own pairs. Each pair we sent must be there,
 * unchanged, but MsvAvFlags, which the client may set bits in (we send
 * none). A missing MsvAvTimestamp is the tell of a CHALLENGE stripped of
 * it on the way, which makes clients leave out the MIC.
 */
static int echoed(const unsigned char *ti, apr_size_t ti_len,
                  const ac_ntlm_auth_t *a, apr_pool_t *p, const char **why)
{
    apr_size_t at = 0;

    while (ti_len - at >= 4) {
        apr_uint16_t id = get16(ti + at);
        apr_size_t n = get16(ti + at + 2), vlen;
        const unsigned char *v;

        if (id == AC_NTLM_AV_EOL)
            return 1;
        if (id != AC_NTLM_AV_FLAGS) {
            if (ac_ntlm_av_find(a->av.data, a->av.len, id, &v, &vlen)
                != APR_SUCCESS) {
                *why = apr_psprintf(p, "%s of the CHALLENGE is missing from "
                                    "the response%s", av_name(id),
                                    id == AC_NTLM_AV_TIMESTAMP
                                    ? " (stripped in transit?)" : "");
                return 0;
            }
            if (vlen != n || memcmp(v, ti + at + 4, n)) {
                *why = apr_psprintf(p, "%s differs from the CHALLENGE's "
                                    "(altered in transit?)", av_name(id));
                return 0;
            }
        }
        at += 4 + n;
    }
    *why = "CHALLENGE TargetInfo without MsvAvEOL";
    return 0;
}

/* The blob's TimeStamp within pol->skew of the CHALLENGE's. */
static int time_ok(const ac_ntlm_epa_policy_t *pol, const ac_ntlm_auth_t *a,
                   apr_uint64_t sent, const char **why)
{
    apr_uint64_t t, d;

    if (pol->skew < 0)
        return 1;
    if (!sent) {
        *why = "the CHALLENGE carried no MsvAvTimestamp";
        return 0;
    }
    if (ac_ntlm_v2_timestamp(a, &t) != APR_SUCCESS) {
        *why = "no NTLMv2 TimeStamp";
        return 0;
    }
    d = t > sent ? t - sent : sent - t;
    if (d > (apr_uint64_t)pol->skew * FILETIME_PER_SEC) {
        *why = t == 0 ? "NTLMv2 TimeStamp is zero"
             : t > sent ? "NTLMv2 TimeStamp is in the future "
                          "(AuthNTLMTimestampSkew)"
             : "NTLMv2 TimeStamp is stale (AuthNTLMTimestampSkew)";
        return 0;
    }
    return 1;
}

/* For the log: the client's name with control characters made visible. */
static const char *printable(apr_pool_t *p, const char *s)
{
    char *c, *out = apr_pstrdup(p, s);

    for (c = out; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    }
    return out;
}

/*
 * MsvAvTargetName is the SPN the client meant to log on to: one of this
 * service's, or the client was sent here by someone else (a relay it
 * logged on to). Clients that send none (or an empty one) pass.
 */
static int target_ok(const ac_ntlm_epa_policy_t *pol, const ac_ntlm_auth_t *a,
                     apr_pool_t *p, const char **why)
{
    const unsigned char *v;
    apr_size_t vlen;
    char *name;
    int i;

    if (!pol->spns
        || ac_ntlm_av_find(a->av.data, a->av.len, AC_NTLM_AV_TARGET_NAME,
                           &v, &vlen) != APR_SUCCESS
        || vlen == 0)
        return 1;
    if (ac_utf16le_to_utf8(v, vlen, p, &name, why) != APR_SUCCESS) {
        *why = "MsvAvTargetName is not UTF-16";
        return 0;
    }
    for (i = 0; i < pol->nspns; i++) {
        if (apr_fnmatch(pol->spns[i], name,
                        APR_FNM_CASE_BLIND | APR_FNM_PATHNAME)
            == APR_SUCCESS)
            return 1;
    }
    *why = apr_psprintf(p, "MsvAvTargetName '%s' is not this service "
                        "(AuthNTLMServicePrincipalNames)",
                        printable(p, name));
    return 0;
}

/*
 * MsvAvChannelBindings against this channel's, as pol->bindings asks.
 * *bound is 1 when they are this channel's, whatever the policy.
 */
static int bindings_ok(const ac_ntlm_epa_policy_t *pol,
                       const ac_ntlm_auth_t *a, int *bound, const char **why)
{
    const unsigned char *v;
    apr_size_t vlen;
    int sent;

    sent = ac_ntlm_av_find(a->av.data, a->av.len, AC_NTLM_AV_CHANNEL_BINDINGS,
                           &v, &vlen) == APR_SUCCESS
           && vlen == AC_CBT_LEN && !ac_cbt_is_unbound(v);
    *bound = sent && pol->expected
             && !CRYPTO_memcmp(v, pol->expected, AC_CBT_LEN);
    if (pol->bindings == AC_NTLM_CB_OFF || *bound)
        return 1;
    if (pol->bindings == AC_NTLM_CB_REQUIRE && !pol->expected) {
        *why = "this connection has no TLS channel to bind to "
               "(AuthNTLMChannelBinding Require needs HTTPS here)";
        return 0;
    }
    if (!sent) {
        if (pol->bindings == AC_NTLM_CB_ALLOW)
            return 1;
        *why = "no channel bindings (AuthNTLMChannelBinding Require)";
        return 0;
    }
    *why = pol->expected
           ? "channel bindings for another TLS certificate than this "
             "connection's (relayed?)"
           : "channel bindings for a TLS channel, on a connection without "
             "one (relayed from an HTTPS site?)";
    return 0;
}

ac_ntlm_epa_e ac_ntlm_epa_check(const ac_ntlm_epa_policy_t *pol,
                                const ac_ntlm_auth_t *a, apr_pool_t *p,
                                const char **why)
{
    const unsigned char *ti;
    apr_size_t ti_len;
    apr_uint32_t offered;
    apr_uint64_t sent;
    int bound;

    if (!a->av.data) {
        *why = "no NTLMv2 AV pairs";
        return AC_NTLM_EPA_TARGET_INFO;
    }
    if (ac_ntlm_challenge_read(pol->challenge, pol->challenge_len, &offered,
                               &ti, &ti_len, &sent, why) != APR_SUCCESS)
        return AC_NTLM_EPA_TARGET_INFO;
    if (!flags_ok(pol, a, offered, why))
        return AC_NTLM_EPA_FLAGS;
    if (!echoed(ti, ti_len, a, p, why))
        return AC_NTLM_EPA_TARGET_INFO;
    if (!time_ok(pol, a, sent, why))
        return AC_NTLM_EPA_TIMESTAMP;
    if (!bindings_ok(pol, a, &bound, why))
        return AC_NTLM_EPA_BINDINGS;
    /* bindings of this very channel say more than any name can */
    if (!bound && !target_ok(pol, a, p, why))
        return AC_NTLM_EPA_TARGET_NAME;
    return AC_NTLM_EPA_OK;
}
