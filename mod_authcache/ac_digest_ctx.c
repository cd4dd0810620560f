/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digest security contexts: see ac_digest_ctx.h.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "apr_strings.h"

#include "ac_digest_ctx.h"
#include "ac_crypto.h"
#include "ac_hex.h"

/*
 * 15 bytes, 20 characters: with the 16-digit cnonce of Chromium, Firefox
 * and python-requests, KD's input for MD5 (32 + 20 + 8 + 16 + 4 + 32
 * bytes and 5 colons) is 117 bytes, two MD5 blocks where 24 bytes took
 * three. The MAC keeps 80 bits. RFC 2104 asks a truncated HMAC for half
 * the hash (128 bits here) against birthday attacks, but colliding MACs
 * of nonces we issued forge nothing; what is left is guessing a MAC,
 * which only the server can check, one request a guess (short tags where
 * checks are limited so: NIST SP 800-107r1 section 5.3.4), and a forged
 * nonce still grants nothing without the password. 40 bits of seconds
 * last past the year 36000.
 */
#define NONCE_SECS   5
#define NONCE_MAC    10
#define NONCE_RAW    (NONCE_SECS + NONCE_MAC)
#define GCM_TAG      16
#define ENVELOPE     (1 + AC_DIGEST_IV_LEN + GCM_TAG)
#define STR_MAX      0xffff

static apr_status_t refuse(const char **why, const char *reason)
{
    *why = reason;
    return APR_EINVAL;
}

/* Big-endian: records move between the hosts of a server farm. */
static void put_be(unsigned char *p, apr_uint64_t v, int n)
{
    while (n-- > 0) {
        p[n] = (unsigned char)v;
        v >>= 8;
    }
}

static apr_uint64_t get_be(const unsigned char *p, int n)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}


/* ---- nonces --------------------------------------------------------- */

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* NONCE_RAW bytes (a multiple of 3: no padding) to AC_DIGEST_NONCE_LEN */
static void nonce_encode(const unsigned char raw[NONCE_RAW], char *out)
{
    int i, o = 0;

    for (i = 0; i < NONCE_RAW; i += 3) {
        apr_uint32_t v = (apr_uint32_t)get_be(raw + i, 3);

        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        out[o++] = b64url[(v >> 6) & 63];
        out[o++] = b64url[v & 63];
    }
    out[o] = '\0';
}

static int nonce_decode(const char *in, unsigned char raw[NONCE_RAW])
{
    int i, k;

    if (strnlen(in, AC_DIGEST_NONCE_LEN + 1) != AC_DIGEST_NONCE_LEN)
        return 0;
    for (i = 0; i < AC_DIGEST_NONCE_LEN; i += 4) {
        apr_uint32_t v = 0;

        for (k = 0; k < 4; k++) {
            const char *at = in[i + k] ? strchr(b64url, in[i + k]) : NULL;

            if (!at)
                return 0;
            v = (v << 6) | (apr_uint32_t)(at - b64url);
        }
        put_be(raw + i / 4 * 3, v, 3);
    }
    return 1;
}

/* The first len bytes of HMAC-SHA-256 under the server secret over parts */
static apr_status_t mac_prefix(ac_mac_t *m, const ac_mac_part_t *parts, int n,
                               unsigned char *out, apr_size_t len)
{
    unsigned char full[AC_MAC_LEN];
    apr_status_t rv = ac_mac_compute(m, parts, n, full);

    memcpy(out, full, len);
    return rv;
}

/*
 * The first NONCE_MAC bytes of HMAC-SHA-256 under the server secret over
 * a label, realm, opaque and time (ac_mac_compute length-prefixes each, so
 * realm "ab" with opaque "c" is not realm "a" with opaque "bc"). The
 * connection's reusable MAC context makes this cheap on every request.
 */
static apr_status_t nonce_mac(ac_mac_t *m, const char *realm,
                              const char *opaque,
                              const unsigned char secs[NONCE_SECS],
                              unsigned char out[NONCE_MAC])
{
    ac_mac_part_t parts[] = {
        { "authcache-digest-nonce-v3", 25 },
        { realm, strlen(realm) },
        { opaque, strlen(opaque) },
        { secs, NONCE_SECS },
    };

    return mac_prefix(m, parts, 4, out, NONCE_MAC);
}

apr_status_t ac_digest_nonce_make(ac_mac_t *m,
                                  const char *realm, const char *opaque,
                                  apr_time_t now, char *out)
{
    unsigned char raw[NONCE_RAW];
    apr_status_t rv;

    out[0] = '\0';
    if (!realm || !opaque || now < 0)
        return APR_EINVAL;
    put_be(raw, (apr_uint64_t)apr_time_sec(now), NONCE_SECS);
    rv = nonce_mac(m, realm, opaque, raw, raw + NONCE_SECS);
    if (rv == APR_SUCCESS)
        nonce_encode(raw, out);
    return rv;
}

apr_status_t ac_digest_nonce_check(ac_mac_t *m,
                                   const char *realm, const char *opaque,
                                   const char *nonce, apr_time_t now,
                                   apr_interval_time_t lifetime, int *stale,
                                   const char **why)
{
    unsigned char raw[NONCE_RAW], mac[NONCE_MAC];
    apr_uint64_t secs;
    apr_status_t rv;

    *stale = 0;
    if (!realm || !opaque || !nonce || !nonce_decode(nonce, raw))
        return refuse(why, "malformed nonce");
    if ((rv = nonce_mac(m, realm, opaque, raw, mac)) != APR_SUCCESS) {
        *why = "nonce MAC failed";
        return rv;
    }
    if (CRYPTO_memcmp(mac, raw + NONCE_SECS, NONCE_MAC) != 0)
        return refuse(why, "nonce not issued here for this realm and opaque");
    /* authentic from here on: the time in it is ours */
    secs = get_be(raw, NONCE_SECS);
    if (now < 0 || secs > (apr_uint64_t)apr_time_sec(now)
                          + AC_DIGEST_FUTURE_SKEW)
        return refuse(why, "nonce from the future (clock stepped back?)");
    *stale = now - apr_time_from_sec((apr_time_t)secs) > lifetime;
    return APR_SUCCESS;
}

apr_time_t ac_digest_nonce_time(const char *nonce)
{
    unsigned char raw[NONCE_RAW];
    apr_uint64_t secs;

    if (!nonce || !nonce_decode(nonce, raw))
        return -1;
    secs = get_be(raw, NONCE_SECS);
    if (secs > (apr_uint64_t)APR_INT64_MAX / APR_USEC_PER_SEC)
        return -1;
    return apr_time_from_sec((apr_time_t)secs);
}

void ac_digest_opaque_make(const unsigned char random16[16], char *out)
{
    ac_hex_encode(random16, 16, out);
}

int ac_digest_opaque_valid(const char *opaque)
{
    int i;

    for (i = 0; i < AC_DIGEST_OPAQUE_LEN; i++)
        if (!((opaque[i] >= '0' && opaque[i] <= '9')
              || (opaque[i] >= 'a' && opaque[i] <= 'f')))
            return 0;
    return opaque[i] == '\0';
}

/* ---- nonce counts --------------------------------------------------- */

apr_status_t ac_digest_nc_accept(ac_digest_nc_t *w, apr_uint32_t nc,
                                 const char **why)
{
    apr_uint32_t back;

    if (nc == 0)
        return refuse(why, "nonce count 0");
    if (nc > w->highest) {
        apr_uint32_t shift = nc - w->highest;

        w->seen = shift >= 64 ? 0 : w->seen << shift;
        w->seen |= 1;
        w->highest = nc;
        return APR_SUCCESS;
    }
    back = w->highest - nc;
    if (back >= 64)
        return refuse(why, "nonce count too old");
    if (w->seen & ((apr_uint64_t)1 << back))
        return refuse(why, "nonce count already used (replay)");
    w->seen |= (apr_uint64_t)1 << back;
    return APR_SUCCESS;
}

/* ---- replay windows ------------------------------------------------- */

#define WINDOW_MAC 16
#define WINDOW_BODY (AC_DIGEST_WINDOW_LEN - WINDOW_MAC)

static apr_status_t window_mac(ac_mac_t *m, const char *opaque,
                               const unsigned char body[WINDOW_BODY],
                               unsigned char out[WINDOW_MAC])
{
    ac_mac_part_t parts[] = {
        { "authcache-digest-window-v1", 26 },
        { opaque, strlen(opaque) },
        { body, WINDOW_BODY },
    };

    return mac_prefix(m, parts, 3, out, WINDOW_MAC);
}

apr_status_t ac_digest_window_encode(ac_mac_t *m, const char *opaque,
                                     const ac_digest_window_t *w,
                                     unsigned char out[AC_DIGEST_WINDOW_LEN])
{
    if (!opaque
        || strnlen(w->nonce, sizeof(w->nonce)) != AC_DIGEST_NONCE_LEN)
        return APR_EINVAL;
    out[0] = AC_DIGEST_WINDOW_VERSION;
    memcpy(out + 1, w->nonce, AC_DIGEST_NONCE_LEN);
    put_be(out + 1 + AC_DIGEST_NONCE_LEN, w->nc.highest, 4);
    put_be(out + 5 + AC_DIGEST_NONCE_LEN, w->nc.seen, 8);
    if (!m) {
        memset(out + WINDOW_BODY, 0, WINDOW_MAC);
        return APR_SUCCESS;
    }
    return window_mac(m, opaque, out, out + WINDOW_BODY);
}

apr_status_t ac_digest_window_decode(ac_mac_t *m, const char *opaque,
                                     const unsigned char *in, apr_size_t len,
                                     ac_digest_window_t *w, const char **why)
{
    unsigned char mac[WINDOW_MAC];
    apr_status_t rv;

    memset(w, 0, sizeof(*w));
    if (!opaque || len != AC_DIGEST_WINDOW_LEN)
        return refuse(why, "replay window of another length");
    if (in[0] != AC_DIGEST_WINDOW_VERSION)
        return refuse(why, "replay window of another version");
    if (m && (rv = window_mac(m, opaque, in, mac)) != APR_SUCCESS) {
        *why = "replay window MAC failed";
        return rv;
    }
    if (m && CRYPTO_memcmp(mac, in + WINDOW_BODY, WINDOW_MAC) != 0)
        return refuse(why, "replay window altered or of another opaque");
    memcpy(w->nonce, in + 1, AC_DIGEST_NONCE_LEN);
    w->nonce[AC_DIGEST_NONCE_LEN] = '\0';
    w->nc.highest = (apr_uint32_t)get_be(in + 1 + AC_DIGEST_NONCE_LEN, 4);
    w->nc.seen = get_be(in + 5 + AC_DIGEST_NONCE_LEN, 8);
    return APR_SUCCESS;
}

/* ---- sealed records ------------------------------------------------- */

/*
 * Plaintext layout, big-endian:
 *   alg 1, sess 1, created 8, expires 8, H(A1) 16 or 32 (binary),
 *   then scope, realm, user, domain, each a 2-byte length and bytes.
 * Sealed: version 1 || iv 12 || AES-256-GCM(plaintext) || tag 16, with
 * version || opaque as additional data.
 * For "www.example.com", "Staff", "alice", "EXAMPLE" and SHA-256 that is
 * 29 + 18 + 32 + 4 * 2 + 32 = 119 bytes (t/unit/test_digest.c prints it).
 */
#define FIXED_LEN (1 + 1 + 8 + 8)

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

/*
 * AES-256-GCM in place of what a record needs: 1 when done (and, opening,
 * the tag matched), 0 when the tag did not match, -1 on an OpenSSL error.
 */
static int gcm(int enc, const unsigned char *key, const unsigned char *iv,
               const unsigned char *aad1, apr_size_t aad1_len,
               const char *aad2, const unsigned char *in, apr_size_t len,
               unsigned char *out, unsigned char tag[GCM_TAG])
{
    EVP_CIPHER *cipher = ac_crypto_aes_256_gcm();
    EVP_CIPHER_CTX *ctx = cipher ? EVP_CIPHER_CTX_new() : NULL;
    int n = 0, ok, done = 0;

    ok = ctx && EVP_CipherInit_ex2(ctx, cipher, key, iv, enc, NULL)
         && (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, GCM_TAG,
                                        tag))
         && EVP_CipherUpdate(ctx, NULL, &n, aad1, (int)aad1_len)
         && EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)aad2,
                             (int)strlen(aad2))
         && EVP_CipherUpdate(ctx, out, &n, in, (int)len);
    if (ok) {
        done = EVP_CipherFinal_ex(ctx, out + n, &n) > 0;
        if (done && enc)
            ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, GCM_TAG,
                                     tag);
    }
    EVP_CIPHER_CTX_free(ctx);
    if (!ok || (enc && !done))
        return -1;
    return done;
}

apr_status_t ac_digest_ctx_seal(const unsigned char key[AC_DIGEST_KEY_LEN],
                                const char *opaque, const ac_digest_ctx_t *c,
                                const unsigned char iv[AC_DIGEST_IV_LEN],
                                apr_pool_t *p, unsigned char **out,
                                apr_size_t *out_len)
{
    const char *strs[4];
    apr_size_t slen[4], hlen, plen, at, i;
    unsigned char *plain, *rec;
    int rv;

    *out = NULL;
    *out_len = 0;
    if (!opaque || (unsigned)c->alg > AC_DIGEST_SHA512_256
        || (c->sess != 0 && c->sess != 1))
        return APR_EINVAL;
    hlen = ac_digest_hex_len(c->alg) / 2;
    if (strnlen(c->ha1, sizeof(c->ha1)) != 2 * hlen)
        return APR_EINVAL;
    strs[0] = str_or_empty(c->scope);
    strs[1] = str_or_empty(c->realm);
    strs[2] = str_or_empty(c->user);
    strs[3] = str_or_empty(c->domain);
    plen = FIXED_LEN + hlen;
    for (i = 0; i < 4; i++) {
        slen[i] = strlen(strs[i]);
        if (slen[i] > STR_MAX)
            return APR_EINVAL;
        plen += 2 + slen[i];
    }

    plain = apr_palloc(p, plen);
    plain[0] = (unsigned char)c->alg;
    plain[1] = (unsigned char)c->sess;
    put_be(plain + 2, (apr_uint64_t)c->created, 8);
    put_be(plain + 10, (apr_uint64_t)c->expires, 8);
    at = FIXED_LEN;
    if (ac_hex_decode(c->ha1, hlen, plain + at) != APR_SUCCESS) {
        OPENSSL_cleanse(plain, plen);
        return APR_EINVAL;
    }
    at += hlen;
    for (i = 0; i < 4; i++) {
        put_be(plain + at, slen[i], 2);
        memcpy(plain + at + 2, strs[i], slen[i]);
        at += 2 + slen[i];
    }

    rec = apr_palloc(p, ENVELOPE + plen);
    rec[0] = AC_DIGEST_CTX_VERSION;
    memcpy(rec + 1, iv, AC_DIGEST_IV_LEN);
    rv = gcm(1, key, iv, rec, 1, opaque, plain, plen,
             rec + 1 + AC_DIGEST_IV_LEN, rec + 1 + AC_DIGEST_IV_LEN + plen);
    OPENSSL_cleanse(plain, plen);
    if (rv != 1)
        return APR_EGENERAL;
    *out = rec;
    *out_len = ENVELOPE + plen;
    return APR_SUCCESS;
}

/* Reads the plaintext of a record that authenticated. */
static int parse_plain(const unsigned char *b, apr_size_t len, apr_pool_t *p,
                       ac_digest_ctx_t *c)
{
    const char **strs[4] = { &c->scope, &c->realm, &c->user, &c->domain };
    apr_size_t hlen, at, i;

    if (len < FIXED_LEN || b[0] > AC_DIGEST_SHA512_256 || b[1] > 1)
        return 0;
    c->alg = (ac_digest_alg_e)b[0];
    c->sess = b[1];
    c->created = (apr_time_t)get_be(b + 2, 8);
    c->expires = (apr_time_t)get_be(b + 10, 8);
    hlen = ac_digest_hex_len(c->alg) / 2;
    if (len - FIXED_LEN < hlen)
        return 0;
    ac_hex_encode(b + FIXED_LEN, hlen, c->ha1);
    at = FIXED_LEN + hlen;
    for (i = 0; i < 4; i++) {
        apr_size_t n;

        if (len - at < 2)
            return 0;
        n = (apr_size_t)get_be(b + at, 2);
        if (len - at - 2 < n || memchr(b + at + 2, '\0', n))
            return 0;
        *strs[i] = apr_pstrmemdup(p, (const char *)b + at + 2, n);
        at += 2 + n;
    }
    return at == len;
}

apr_status_t ac_digest_ctx_open(const unsigned char key[AC_DIGEST_KEY_LEN],
                                const char *opaque, const unsigned char *in,
                                apr_size_t len, apr_pool_t *p,
                                ac_digest_ctx_t *c, const char **why)
{
    apr_size_t plen;
    unsigned char *plain, tag[GCM_TAG];
    int rv, good;

    memset(c, 0, sizeof(*c));
    if (!opaque)
        return refuse(why, "no opaque");
    if (len < ENVELOPE + FIXED_LEN)
        return refuse(why, "context record truncated");
    if (in[0] != AC_DIGEST_CTX_VERSION)
        return refuse(why, "context record of another version");
    plen = len - ENVELOPE;
    plain = apr_palloc(p, plen);
    memcpy(tag, in + len - GCM_TAG, GCM_TAG);
    rv = gcm(0, key, in + 1, in, 1, opaque, in + 1 + AC_DIGEST_IV_LEN, plen,
             plain, tag);
    if (rv < 0) {
        OPENSSL_cleanse(plain, plen);
        *why = "context record: AES-GCM failed";
        return APR_EGENERAL;
    }
    if (rv == 0) {
        OPENSSL_cleanse(plain, plen);
        return refuse(why, "context record altered, truncated, or sealed "
                           "under another key or opaque");
    }
    good = parse_plain(plain, plen, p, c);
    OPENSSL_cleanse(plain, plen);
    if (!good) {
        OPENSSL_cleanse(c->ha1, sizeof(c->ha1));
        memset(c, 0, sizeof(*c));
        return refuse(why, "context record malformed");
    }
    return APR_SUCCESS;
}

apr_status_t ac_digest_store_key(const char *opaque, char tag,
                                 unsigned char key[AC_DIGEST_STORE_KEY_LEN])
{
    if (!opaque || !ac_digest_opaque_valid(opaque)
        || ac_hex_decode(opaque, AC_DIGEST_OPAQUE_LEN / 2, key)
           != APR_SUCCESS)
        return APR_EINVAL;
    key[AC_DIGEST_STORE_KEY_LEN - 1] = (unsigned char)tag;
    return APR_SUCCESS;
}

apr_status_t ac_digest_roster_key(ac_mac_t *m, const char *realm,
                                  const char *user,
                                  unsigned char key[AC_DIGEST_STORE_KEY_LEN])
{
    static const char label[] = "authcache-digest-roster-v1";
    ac_mac_part_t parts[3] = {
        { label, sizeof(label) - 1 },
        { realm, strlen(realm) },
        { user, strlen(user) },
    };
    unsigned char mac[AC_MAC_LEN];
    apr_status_t rv = ac_mac_compute(m, parts, 3, mac);

    if (rv == APR_SUCCESS) {
        memcpy(key, mac, AC_DIGEST_STORE_KEY_LEN - 1);
        key[AC_DIGEST_STORE_KEY_LEN - 1] = 'U';
    }
    return rv;
}

static unsigned char *put_entries(unsigned char *out, unsigned int n,
                                  const unsigned char (*op)[16],
                                  const apr_time_t *t)
{
    unsigned int i;

    for (i = 0; i < n; i++, out += 24) {
        memcpy(out, op[i], 16);
        put_be(out + 16, (apr_uint64_t)t[i], 8);
    }
    return out;
}

static const unsigned char *get_entries(const unsigned char *in,
                                        unsigned int n,
                                        unsigned char (*op)[16],
                                        apr_time_t *t)
{
    unsigned int i;

    for (i = 0; i < n; i++, in += 24) {
        memcpy(op[i], in, 16);
        t[i] = (apr_time_t)get_be(in + 16, 8);
    }
    return in;
}

apr_size_t ac_digest_roster_encode(const ac_digest_roster_t *ro,
                                   unsigned char *out)
{
    out[0] = AC_DIGEST_ROSTER_VERSION;
    out[1] = (unsigned char)ro->n;
    out[2] = (unsigned char)ro->nd;
    put_entries(put_entries(out + 3, ro->n, ro->opaque, ro->expires), ro->nd,
                ro->dropped, ro->until);
    return AC_DIGEST_ROSTER_LEN(ro->n, ro->nd);
}

apr_status_t ac_digest_roster_decode(const unsigned char *in, apr_size_t len,
                                     ac_digest_roster_t *ro)
{
    if (len < 3 || in[0] != AC_DIGEST_ROSTER_VERSION
        || in[1] > AC_DIGEST_ROSTER_MAX || in[2] > AC_DIGEST_ROSTER_MAX
        || len != AC_DIGEST_ROSTER_LEN(in[1], in[2]))
        return APR_EINVAL;
    ro->n = in[1];
    ro->nd = in[2];
    get_entries(get_entries(in + 3, ro->n, ro->opaque, ro->expires), ro->nd,
                ro->dropped, ro->until);
    return APR_SUCCESS;
}

/* entry i of a list of *n goes; the rest keep their order */
static void entry_drop(unsigned int *n, unsigned char (*op)[16],
                       apr_time_t *t, unsigned int i)
{
    (*n)--;
    memmove(op[i], op[i + 1], 16 * (*n - i));
    memmove(&t[i], &t[i + 1], sizeof(t[0]) * (*n - i));
}

int ac_digest_roster_add(ac_digest_roster_t *ro,
                         const unsigned char opaque[16], apr_time_t expires,
                         apr_time_t now, unsigned int max,
                         apr_interval_time_t remember,
                         unsigned char evicted[16])
{
    unsigned int i, first;
    int out = 0;

    if (max < 1 || max > AC_DIGEST_ROSTER_MAX)
        max = AC_DIGEST_ROSTER_MAX;
    for (i = 0; i < ro->n;)
        if (ro->expires[i] <= now || !memcmp(ro->opaque[i], opaque, 16))
            entry_drop(&ro->n, ro->opaque, ro->expires, i);
        else
            i++;
    for (i = 0; i < ro->nd;)
        if (ro->until[i] <= now)
            entry_drop(&ro->nd, ro->dropped, ro->until, i);
        else
            i++;
    while (ro->n >= max) {
        for (i = 1, first = 0; i < ro->n; i++)
            if (ro->expires[i] < ro->expires[first])
                first = i;
        memcpy(evicted, ro->opaque[first], 16);
        entry_drop(&ro->n, ro->opaque, ro->expires, first);
        if (ro->nd == AC_DIGEST_ROSTER_MAX)
            entry_drop(&ro->nd, ro->dropped, ro->until, 0);
        memcpy(ro->dropped[ro->nd], evicted, 16);
        ro->until[ro->nd++] = now + remember;
        out = 1;    /* max only shrinks by configuration: one at a time */
    }
    memcpy(ro->opaque[ro->n], opaque, 16);
    ro->expires[ro->n++] = expires;
    return out;
}

int ac_digest_roster_dropped(const ac_digest_roster_t *ro,
                             const unsigned char opaque[16], apr_time_t now)
{
    unsigned int i;

    for (i = 0; i < ro->nd; i++)
        if (ro->until[i] > now && !memcmp(ro->dropped[i], opaque, 16))
            return 1;
    return 0;
}
