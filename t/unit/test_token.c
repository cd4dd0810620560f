/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for cache keys and access tokens (ac_token.c): keys keep
 * names, forms, domains and contexts apart; tokens verify the password
 * they were sealed with and nothing else.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tap.h"
#include "apr_general.h"
#include "ac_token.h"

static ac_mac_t *mac_for(const char *secret, apr_pool_t *p)
{
    ac_keyring_t *kr;
    ac_mac_t *m;

    if (ac_keyring_create(&kr, (const unsigned char *)secret, strlen(secret),
                          p) != APR_SUCCESS
        || ac_mac_create(&m, kr, p) != APR_SUCCESS)
        return NULL;
    return m;
}

/*
 * ac_mac_compute against OpenSSL's one-shot HMAC-SHA-256 of the parts
 * framed by hand (4-byte big-endian length, then the bytes): parts of
 * part_len bytes each, nparts of them.
 */
static int mac_is_framed_hmac(ac_mac_t *m, const char *secret, int nparts,
                              apr_size_t part_len)
{
    static unsigned char data[4][400], framed[4 * 404];
    ac_mac_part_t parts[4];
    unsigned char got[AC_MAC_LEN], want[EVP_MAX_MD_SIZE];
    unsigned int wlen = 0;
    apr_size_t n = 0;
    int i;

    for (i = 0; i < nparts; i++) {
        memset(data[i], 'a' + i, part_len);
        parts[i].data = data[i];
        parts[i].len = part_len;
        framed[n++] = (unsigned char)(part_len >> 24);
        framed[n++] = (unsigned char)(part_len >> 16);
        framed[n++] = (unsigned char)(part_len >> 8);
        framed[n++] = (unsigned char)part_len;
        memcpy(framed + n, data[i], part_len);
        n += part_len;
    }
    return ac_mac_compute(m, parts, nparts, got) == APR_SUCCESS
           && HMAC(EVP_sha256(), secret, (int)strlen(secret), framed, n, want,
                   &wlen)
           && wlen == AC_MAC_LEN && !memcmp(got, want, AC_MAC_LEN);
}

static void key_of(ac_mac_t *m, const char *ctx, const char *login,
                   const char *dflt, unsigned char key[AC_KEY_LEN])
{
    ac_name_t n;
    const char *why;

    memset(key, 0, AC_KEY_LEN);
    if (ac_name_split(login, strlen(login), dflt, &n, &why) == APR_SUCCESS)
        ac_cache_key(m, ctx, &n, key);
}

static int same_key(ac_mac_t *m, const char *c1, const char *l1,
                    const char *c2, const char *l2, const char *dflt)
{
    unsigned char k1[AC_KEY_LEN], k2[AC_KEY_LEN];

    key_of(m, c1, l1, dflt, k1);
    key_of(m, c2, l2, dflt, k2);
    return !memcmp(k1, k2, AC_KEY_LEN);
}

static int checks(ac_mac_t *m, const unsigned char *key, const char *pw,
                  const ac_token_t *t)
{
    int match = -1;

    if (ac_token_check(m, key, pw, strlen(pw), t, &match) != APR_SUCCESS)
        return -1;
    return match;
}

int main(void)
{
    const char *secret = "0123456789abcdef0123456789abcdef";
    const char *other = "fedcba9876543210fedcba9876543210";
    unsigned char key[AC_KEY_LEN], key2[AC_KEY_LEN], wire[AC_TOKEN_LEN + 64];
    unsigned char salt[AC_SALT_LEN] = { 1, 2, 3 }, salt2[AC_SALT_LEN] = { 9 };
    ac_token_t t, t2, back;
    ac_keyring_t *kr;
    ac_mac_t *m, *m2;
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);

    ok(ac_keyring_create(&kr, (const unsigned char *)"short", 5, p)
       == APR_EINVAL, "a secret under 32 bytes is refused");
    m = mac_for(secret, p);
    m2 = mac_for(other, p);
    ok(m && m2, "keyrings and MAC contexts created");

    /* the MAC is HMAC-SHA-256 of the framed parts, and the context can be
     * used again (the NULL-key restart keeps the key) */
    ok(mac_is_framed_hmac(m, secret, 3, 10), "MAC of 3 short parts is the HMAC "
       "of their framing");
    ok(mac_is_framed_hmac(m, secret, 4, 400), "MAC of long parts, the "
       "context used again");
    ok(mac_is_framed_hmac(m, secret, 1, 0), "MAC of one empty part");

    /* keys */
    ok(same_key(m, "c", "alice", "c", "alice", "EX"), "key is deterministic");
    ok(!same_key(m, "c", "alice", "c", "ALICE", "EX"), "case is kept apart");
    ok(!same_key(m, "c", "alice", "c", "EX\\alice", "EX"),
       "plain+default domain and DOMAIN\\user are apart");
    ok(!same_key(m, "c", "EX\\alice", "c", "alice@EX", "EX"),
       "down-level and UPN forms are apart");
    ok(!same_key(m, "c", "alice", "d", "alice", "EX"), "contexts are apart");
    ok(!same_key(m, "c", "A\\bc", "c", "Ab\\c", NULL),
       "the domain/user boundary is part of the key");
    ok(!same_key(m, "ca", "b", "c", "ab", NULL),
       "the context/name boundary is part of the key");
    key_of(m, "c", "alice", "EX", key);
    key_of(m2, "c", "alice", "EX", key2);
    ok(memcmp(key, key2, AC_KEY_LEN), "another secret gives another key");

    /* tokens */
    key_of(m, "c", "alice", "EX", key);
    ok(ac_token_seal(m, key, "S3cret!", 7, salt, 500, 1000, NULL, 0, &t) == APR_SUCCESS,
       "token sealed");
    ok(checks(m, key, "S3cret!", &t) == 1, "the sealed password matches");
    ok(checks(m, key, "S3cret?", &t) == 0, "another password does not");
    ok(checks(m, key, "S3cret", &t) == 0, "a prefix of it does not");
    ok(checks(m, key, "S3cret!x", &t) == 0, "an extension of it does not");
    ok(checks(m, key, "", &t) == 0, "the empty password does not");
    ok(checks(m2, key, "S3cret!", &t) == 0,
       "under another secret it does not");
    key_of(m, "c", "bob", "EX", key2);
    ok(checks(m, key2, "S3cret!", &t) == 0,
       "a token moved to another key does not verify");
    ac_token_seal(m, key, "S3cret!", 7, salt2, 500, 1000, NULL, 0, &t2);
    ok(memcmp(t.mac, t2.mac, AC_MAC_LEN),
       "the salt changes the stored MAC (same password, same key)");
    ok(!memmem(&t, sizeof(t), "S3cret!", 7), "no plaintext in the token");

    /* a password with a NUL inside is compared over its full length */
    ac_token_seal(m, key, "ab\0cd", 5, salt, 500, 1000, NULL, 0, &t2);
    {
        int match = -1;
        ac_token_check(m, key, "ab\0ce", 5, &t2, &match);
        ok(match == 0, "bytes after a NUL count");
    }

    /* wire format */
    t.expires = APR_INT64_C(1700000000123456);
    ac_token_encode(&t, wire);
    ok(wire[0] == AC_TOKEN_VERSION, "wire starts with the version");
    ok(ac_token_decode(wire, AC_TOKEN_LEN, &back) == APR_SUCCESS
       && back.groups_len == 0
       && back.expires == t.expires
       && !memcmp(back.salt, t.salt, AC_SALT_LEN)
       && !memcmp(back.mac, t.mac, AC_MAC_LEN), "decode(encode(t)) == t");
    ok(ac_token_decode(wire, AC_TOKEN_LEN - 1, &back) == APR_EINVAL,
       "a short record is refused");
    ok(ac_token_decode(wire, AC_TOKEN_LEN + 1, &back) == APR_EINVAL,
       "a record longer than its group list says is refused");

    /* groups: kept, round-tripped, and covered by the MAC */
    {
        const char *g = "EXAMPLE\\Domain Users;EXAMPLE\\Web Users";
        ac_token_t tg, tb;
        int match = -1;

        ac_token_seal(m, key, "S3cret!", 7, salt, 500, 1000, g, strlen(g), &tg);
        ok(ac_token_encoded_len(&tg) == AC_TOKEN_LEN + strlen(g),
           "the record grows by the group list");
        ac_token_encode(&tg, wire);
        ok(ac_token_decode(wire, ac_token_encoded_len(&tg), &tb) == APR_SUCCESS
           && tb.groups_len == strlen(g) && !memcmp(tb.groups, g, strlen(g)),
           "groups round-trip");
        ac_token_check(m, key, "S3cret!", 7, &tb, &match);
        ok(match == 1, "the token with its groups verifies");
        wire[AC_TOKEN_LEN + 8] ^= 1;     /* edit a group name in the store */
        ac_token_decode(wire, ac_token_encoded_len(&tg), &tb);
        ac_token_check(m, key, "S3cret!", 7, &tb, &match);
        ok(match == 0, "a token whose groups were edited does not verify");
        ok(ac_token_seal(m, key, "x", 1, salt, 500, 1000, g, AC_GROUPS_MAX + 1, &tb)
           == APR_EINVAL, "a group list over 64 KiB is refused");
    }
    ac_token_encode(&t, wire);
    wire[0] = 99;
    ok(ac_token_decode(wire, AC_TOKEN_LEN, &back) == APR_EINVAL,
       "another version is refused");
    wire[0] = 2;
    ok(ac_token_decode(wire, AC_TOKEN_LEN, &back) == APR_EINVAL,
       "a version 2 record (expiry outside the MAC) is refused: absent");

    /* the expiry is covered by the MAC */
    {
        ac_token_t te, tb;
        apr_time_t exp = APR_INT64_C(1700000000123456);
        int match = -1;

        ac_token_seal(m, key, "S3cret!", 7, salt, 500, exp, NULL, 0, &te);
        ok(checks(m, key, "S3cret!", &te) == 1,
           "a token with its sealed expiry verifies");
        te.expires = exp + apr_time_from_sec(86400);
        ok(checks(m, key, "S3cret!", &te) == 0,
           "pushed a day forward it does not");
        te.expires = exp + 1;
        ok(checks(m, key, "S3cret!", &te) == 0,
           "nor moved by one microsecond");
        te.expires = exp;
        ac_token_encode(&te, wire);
        wire[12 + 3] ^= 0x01;   /* an expiry byte, edited in the store */
        ok(ac_token_decode(wire, AC_TOKEN_LEN, &tb) == APR_SUCCESS
           && tb.expires != exp, "a record with an edited expiry decodes");
        ac_token_check(m, key, "S3cret!", 7, &tb, &match);
        ok(match == 0, "but does not verify");
        ac_token_seal(m, key, "S3cret!", 7, salt, 500, exp + 1, NULL, 0, &tb);
        ok(memcmp(te.mac, tb.mac, AC_MAC_LEN),
           "the expiry changes the MAC (same password, key and salt)");
    }

    /* the creation time (checked against purges): kept and covered */
    {
        ac_token_t tc, tb;
        apr_time_t made = APR_INT64_C(1700000000654321);

        ac_token_seal(m, key, "S3cret!", 7, salt, made, made + 1000, NULL, 0,
                      &tc);
        ac_token_encode(&tc, wire);
        ok(ac_token_decode(wire, AC_TOKEN_LEN, &tb) == APR_SUCCESS
           && tb.created == made && tb.expires == made + 1000,
           "the creation time round-trips");
        ok(checks(m, key, "S3cret!", &tb) == 1, "and the token verifies");
        tb.created = made + apr_time_from_sec(3600);
        ok(checks(m, key, "S3cret!", &tb) == 0,
           "moved past a purge (an hour later) it does not");
        wire[4 + 7] ^= 0x01;    /* a creation-time byte, edited in the store */
        ac_token_decode(wire, AC_TOKEN_LEN, &tb);
        ok(checks(m, key, "S3cret!", &tb) == 0,
           "nor with a creation time edited in the store");
        wire[4 + 7] ^= 0x01;
        wire[0] = 3;
        ok(ac_token_decode(wire, AC_TOKEN_LEN, &tb) == APR_EINVAL,
           "a version 3 record (no creation time) is refused: absent");
    }

    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
