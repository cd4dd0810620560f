/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the shared-memory hash table (ac_shmht.c): entries come
 * back as stored, replaced, removed, expired and evicted oldest-written
 * first with exact counts; values span chunks; keys sharing one bucket
 * stay apart; a block works at another address; 200,000 entries are all
 * found; a damaged block ends every call.
 */
#include "tap.h"
#include "apr_general.h"
#include "ac_shmht.h"

static const unsigned char seed[AC_SHMHT_SEED_LEN] = {
    0x5e, 0xed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
};

#define NEVER APR_INT64_C(0x7fffffffffffffff)

/* a block of size bytes, 8-byte aligned (calloc's), formatted */
static ac_shmht_t *table(void **mem, apr_size_t size, apr_size_t avg)
{
    ac_shmht_t *t = NULL;

    *mem = calloc(1, size);      /* zeroed: the tests search the block */
    if (!*mem || ac_shmht_format(*mem, size, seed, avg, &t) != APR_SUCCESS)
        return NULL;
    return t;
}

static ac_shmht_stats_t stats(const ac_shmht_t *t)
{
    ac_shmht_stats_t st;

    ac_shmht_stats(t, &st);
    return st;
}

/* keys "k<n>" padded to klen with bytes of n, so each n gives another */
static void key_n(unsigned char *k, apr_size_t klen, unsigned n)
{
    apr_size_t i;

    for (i = 0; i < klen; i++)
        k[i] = (unsigned char)(i < 4 ? n >> (8 * i) : 'a' + (n + i) % 26);
}

static apr_status_t put(ac_shmht_t *t, unsigned n, apr_size_t klen,
                        const char *value, apr_size_t vlen,
                        apr_time_t expiry, apr_time_t now)
{
    unsigned char k[64];

    key_n(k, klen, n);
    return ac_shmht_store(t, k, klen, (const unsigned char *)value, vlen,
                          expiry, now);
}

/* 1 when key n holds exactly value[0..vlen) at now */
static int holds(ac_shmht_t *t, unsigned n, apr_size_t klen,
                 const char *value, apr_size_t vlen, apr_time_t now)
{
    unsigned char k[64], buf[256];
    apr_size_t len = sizeof(buf);

    key_n(k, klen, n);
    return ac_shmht_retrieve(t, k, klen, now, buf, &len) == APR_SUCCESS
           && len == vlen && !memcmp(buf, value, vlen);
}

static int absent(ac_shmht_t *t, unsigned n, apr_size_t klen, apr_time_t now)
{
    unsigned char k[64], buf[256];
    apr_size_t len = sizeof(buf);

    key_n(k, klen, n);
    return ac_shmht_retrieve(t, k, klen, now, buf, &len) == APR_NOTFOUND;
}

/* a cheap, reproducible byte stream (xorshift64*) */
static apr_uint64_t rng_state = 88172645463325252ULL;

static void random_bytes(unsigned char *b, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        b[i] = (unsigned char)((rng_state * 2685821657736338717ULL) >> 56);
    }
}

typedef struct {
    char seen[64][8];
    int n;
    int stop_after;
    int terminated;
} walk_rec;

static apr_status_t collect(void *baton, const unsigned char *key,
                            apr_size_t klen, const unsigned char *value,
                            apr_size_t vlen)
{
    walk_rec *w = baton;

    if (w->n < 64 && vlen < 8) {
        memcpy(w->seen[w->n], value, vlen);
        w->seen[w->n][vlen] = '\0';
    }
    w->terminated += key[klen] == '\0' && value[vlen] == '\0';
    w->n++;
    return w->n == w->stop_after ? APR_EOF : APR_SUCCESS;
}

static void test_hash(void)
{
    unsigned char key[16], msg[15];
    int i;

    for (i = 0; i < 16; i++)
        key[i] = (unsigned char)i;
    for (i = 0; i < 15; i++)
        msg[i] = (unsigned char)i;
    /* the reference vectors of the SipHash paper and its vectors.h */
    ok(ac_siphash24(key, msg, 0) == APR_UINT64_C(0x726fdb47dd0e0e31),
       "SipHash-2-4 of the empty message");
    ok(ac_siphash24(key, msg, 15) == APR_UINT64_C(0xa129ca6149be45e5),
       "SipHash-2-4 of 00..0e (the paper's example)");
    ok(ac_siphash24(key, msg, 8) == APR_UINT64_C(0x93f5f5799a932462),
       "SipHash-2-4 of 00..07 (one whole word)");
    key[0] ^= 1;
    ok(ac_siphash24(key, msg, 15) != APR_UINT64_C(0xa129ca6149be45e5),
       "another seed, another hash");
    /* the context is keyed again only for another seed: back and forth */
    key[0] ^= 1;
    ok(ac_siphash24(key, msg, 15) == APR_UINT64_C(0xa129ca6149be45e5)
       && ac_siphash24(key, msg, 8) == APR_UINT64_C(0x93f5f5799a932462),
       "the first seed again, twice: the paper's hashes");
    key[15] ^= 0x80;
    ok(ac_siphash24(key, msg, 15) != APR_UINT64_C(0xa129ca6149be45e5),
       "a seed differing in its last byte: another hash");
}

static void test_geometry(void)
{
    ac_shmht_stats_t st;
    ac_shmht_t *t, *t2;
    void *mem;

    ok(ac_shmht_entry_chunks(0) == 1 && ac_shmht_entry_chunks(32) == 1
       && ac_shmht_entry_chunks(33) == 2 && ac_shmht_entry_chunks(92) == 2
       && ac_shmht_entry_chunks(93) == 3 && ac_shmht_entry_chunks(150) == 3
       && ac_shmht_entry_chunks(152) == 3 && ac_shmht_entry_chunks(153) == 4,
       "chunks per entry: 32 bytes in the first, 60 in each further one "
       "(Basic 92 bytes: 2, Digest 150: 3)");

    mem = malloc(1 << 20);
    ok(ac_shmht_format((char *)mem + 4, 65536, seed, 0, &t) == APR_EINVAL,
       "a misaligned block is refused");
    ok(ac_shmht_format(mem, 256, seed, 0, &t) == APR_ENOSPC,
       "a block too small for a few chunks is refused");
    ok(ac_shmht_format(mem, 1 << 20, seed, 92, &t) == APR_SUCCESS,
       "1 MiB formatted");
    st = stats(t);
    ok(st.nbuckets == 8192 && st.nchunks > 15800 && st.nchunks < 16384
       && st.chunk_size == 64 && st.chunks_used == 0 && st.entries == 0
       && st.size == 1 << 20,
       "1 MiB for 92-byte entries: 8192 buckets (7,900 entries fit), "
       "%u chunks of 64 bytes", st.nchunks);
    ok(ac_shmht_attach(mem, 1 << 20, &t2) == APR_SUCCESS && t2 == t,
       "the formatted block attaches");
    ok(ac_shmht_attach(mem, 65536, &t2) == APR_EINVAL,
       "not as a smaller block than it was formatted for");
    memset(mem, 0x5a, 256);
    ok(ac_shmht_attach(mem, 1 << 20, &t2) == APR_EINVAL,
       "a block that is not a table does not attach");
    free(mem);
}

static void test_basic_ops(void)
{
    const char *v60 = "0123456789abcdefghijklmnopqrstuvwxyz"
                      "0123456789ABCDEFGHIJKLMN";          /* a token */
    char big[3000];
    unsigned char k[32], buf[64];
    apr_size_t len, i;
    ac_shmht_stats_t st;
    ac_shmht_t *t;
    void *mem;

    t = table(&mem, 1 << 20, 92);
    ok(t != NULL, "table formatted");
    ok(put(t, 1, 32, v60, 60, 1000, 0) == APR_SUCCESS,
       "a Basic-sized entry stored");
    ok(holds(t, 1, 32, v60, 60, 10), "and retrieved");
    ok(absent(t, 2, 32, 10), "another key is absent");
    ok(absent(t, 1, 31, 10), "so is a prefix of the key");
    st = stats(t);
    ok(st.entries == 1 && st.chunks_used == 2 && st.stores == 1
       && st.hits == 1 && st.misses == 2,
       "1 entry in 2 chunks, 1 store, 1 hit, 2 misses");

    /* replace with a value of the same size: in place */
    ok(put(t, 1, 32, "x", 1, 1000, 0) == APR_SUCCESS
       && put(t, 1, 32, "yy", 2, 1000, 0) == APR_SUCCESS,
       "replaced twice with values of the same chunk count");
    ok(holds(t, 1, 32, "yy", 2, 10), "the last value is returned");
    st = stats(t);
    ok(st.entries == 1 && st.chunks_used == 2 && st.stores == 3,
       "still 1 entry in 2 chunks");
    {
        char a[60], b[60];
        const char *at_a, *at_b;

        memset(a, 'A', sizeof(a));
        memset(b, 'B', sizeof(b));
        put(t, 1, 32, a, sizeof(a), 1000, 0);
        at_a = memmem(mem, 1 << 20, a, sizeof(a));
        put(t, 1, 32, b, sizeof(b), 1000, 0);
        at_b = memmem(mem, 1 << 20, b, sizeof(b));
        ok(at_a && at_a == at_b && !memmem(mem, 1 << 20, a, sizeof(a)),
           "a same-size value is rewritten where the old one was");
    }

    /* replace with a larger value, then a smaller one */
    memset(big, 'B', sizeof(big));
    big[0] = '<';
    big[sizeof(big) - 1] = '>';
    ok(put(t, 1, 32, big, 200, 1000, 0) == APR_SUCCESS,
       "replaced by a 200-byte value");
    ok(holds(t, 1, 32, big, 200, 10), "which comes back");
    ok(stats(t).chunks_used == 5 && stats(t).entries == 1,
       "1 entry in 5 chunks (232 bytes)");
    ok(put(t, 1, 32, "", 0, 1000, 0) == APR_SUCCESS,
       "replaced by an empty value");
    ok(holds(t, 1, 32, "", 0, 10), "an empty value comes back empty");
    ok(stats(t).chunks_used == 1 && stats(t).entries == 1,
       "1 entry in 1 chunk");
    ok(put(t, 9, 0, "empty key", 9, 1000, 0) == APR_SUCCESS
       && holds(t, 9, 0, "empty key", 9, 10), "an empty key works too");

    /* buffer too small */
    put(t, 2, 32, v60, 60, 1000, 0);
    key_n(k, 32, 2);
    memset(buf, '#', sizeof(buf));
    len = 59;
    ok(ac_shmht_retrieve(t, k, 32, 10, buf, &len) == APR_ENOSPC && len == 60
       && buf[0] == '#', "a short buffer: APR_ENOSPC, the length needed, "
       "buffer untouched");
    len = 60;
    ok(ac_shmht_retrieve(t, k, 32, 10, buf, &len) == APR_SUCCESS && len == 60
       && !memcmp(buf, v60, 60), "an exact-size buffer is enough");

    /* large values */
    ok(put(t, 3, 32, big, sizeof(big), 1000, 0) == APR_SUCCESS,
       "a 3000-byte value stored");
    {
        char out[4000];

        len = sizeof(out);
        key_n(k, 32, 3);
        ok(ac_shmht_retrieve(t, k, 32, 10, (unsigned char *)out, &len)
           == APR_SUCCESS && len == sizeof(big) && !memcmp(out, big, len),
           "and comes back whole across %u chunks",
           (unsigned)ac_shmht_entry_chunks(32 + sizeof(big)));
    }
    {
        apr_size_t n = AC_SHMHT_VALUE_MAX;
        unsigned char *huge = malloc(n + 1), *out = malloc(n + 1);

        for (i = 0; i < n + 1; i++)
            huge[i] = (unsigned char)(i * 7 + (i >> 8));
        key_n(k, 32, 4);
        ok(ac_shmht_store(t, k, 32, huge, n + 1, 1000, 0) == APR_ENOSPC,
           "a value over AC_SHMHT_VALUE_MAX: APR_ENOSPC");
        ok(ac_shmht_store(t, k, 32, huge, n, 1000, 0) == APR_ENOSPC,
           "a 1 MiB value in a 1 MiB table: APR_ENOSPC");
        ok(holds(t, 2, 32, v60, 60, 10) && stats(t).evictions == 0,
           "and the table is unchanged");
        free(mem);
        t = table(&mem, 4 << 20, 0);
        len = n;
        ok(ac_shmht_store(t, k, 32, huge, n, 1000, 0) == APR_SUCCESS
           && ac_shmht_retrieve(t, k, 32, 10, out, &len) == APR_SUCCESS
           && len == n && !memcmp(out, huge, n),
           "a value of AC_SHMHT_VALUE_MAX bytes round-trips in 4 MiB");
        free(huge);
        free(out);
    }
    {
        unsigned char longkey[AC_SHMHT_KEY_MAX + 1];

        memset(longkey, 'k', sizeof(longkey));
        ok(ac_shmht_store(t, longkey, sizeof(longkey), buf, 1, 1000, 0)
           == APR_EINVAL, "a key over AC_SHMHT_KEY_MAX: APR_EINVAL");
        len = sizeof(buf);
        ok(ac_shmht_store(t, longkey, AC_SHMHT_KEY_MAX, buf, 1, 1000, 0)
           == APR_SUCCESS
           && ac_shmht_retrieve(t, longkey, AC_SHMHT_KEY_MAX, 10, buf, &len)
              == APR_SUCCESS && len == 1,
           "a key of AC_SHMHT_KEY_MAX bytes works");
    }

    /* remove */
    free(mem);
    t = table(&mem, 1 << 20, 92);
    put(t, 1, 32, v60, 60, 1000, 0);
    put(t, 2, 32, v60, 60, 1000, 0);
    key_n(k, 32, 1);
    ok(ac_shmht_remove(t, k, 32) == APR_SUCCESS, "remove: APR_SUCCESS");
    ok(ac_shmht_remove(t, k, 32) == APR_NOTFOUND, "again: APR_NOTFOUND");
    ok(absent(t, 1, 32, 10) && holds(t, 2, 32, v60, 60, 10),
       "the removed key is gone, the other stays");
    st = stats(t);
    ok(st.removes == 1 && st.entries == 1 && st.chunks_used == 2,
       "1 remove counted, its 2 chunks free again");

    /* expiry */
    put(t, 5, 32, "short", 5, 100, 0);
    ok(holds(t, 5, 32, "short", 5, 99), "live just before its expiry");
    ok(absent(t, 5, 32, 100), "gone at its expiry");
    st = stats(t);
    ok(st.expired == 1 && st.entries == 1 && st.chunks_used == 2,
       "counted expired, and dropped: its chunks are free");
    ok(put(t, 6, 32, "old", 3, 50, 60) == APR_SUCCESS && absent(t, 6, 32, 60),
       "an entry stored already expired is never returned");
    free(mem);
}

/* every key in one bucket */
static void test_collisions(void)
{
    ac_shmht_t *t;
    void *mem;
    unsigned n;
    int all = 1;

    t = table(&mem, 16384, 1 << 20);
    ok(t && stats(t).nbuckets == 1,
       "a table sized for huge entries has 1 bucket");
    for (n = 0; n < 40; n++)
        put(t, n, 32, (const char *)&n, sizeof(n), n % 4 == 3 ? 100 : 1000, 0);
    for (n = 0; n < 40; n++)
        all &= holds(t, n, 32, (const char *)&n, sizeof(n), 10);
    ok(all && stats(t).entries == 40, "40 keys in one bucket all found");
    for (n = 0; n < 40; n += 5) {
        unsigned char k[32];

        key_n(k, 32, n);
        ac_shmht_remove(t, k, 32);
    }
    all = 1;
    for (n = 0; n < 40; n++) {
        if (n % 5 == 0 || (n % 4 == 3))
            all &= absent(t, n, 32, 200);
        else
            all &= holds(t, n, 32, (const char *)&n, sizeof(n), 200);
    }
    ok(all, "removed and expired keys in the middle of the chain go, "
       "the others stay");
    ok(stats(t).entries == 24 && stats(t).expired == 8
       && stats(t).removes == 8, "24 left: 8 removed, 8 expired");
    free(mem);
}

static void test_eviction(void)
{
    ac_shmht_stats_t st;
    ac_shmht_t *t;
    void *mem;
    unsigned n, nchunks;
    int all = 1;

    t = table(&mem, 4096, 16);
    nchunks = stats(t).nchunks;
    ok(nchunks >= 20, "a tiny table: %u chunks", nchunks);
    /* one-chunk entries: 8-byte key, 8-byte value */
    for (n = 0; n < nchunks; n++)
        put(t, n, 8, "12345678", 8, 1000, 0);
    st = stats(t);
    ok(st.entries == nchunks && st.chunks_used == nchunks
       && st.evictions == 0, "filled: %u entries, no eviction", nchunks);

    ok(put(t, 1000, 8, "new", 3, 1000, 0) == APR_SUCCESS,
       "one more entry stored in the full table");
    ok(absent(t, 0, 8, 10) && holds(t, 1, 8, "12345678", 8, 10),
       "the oldest (0) was evicted, the next (1) stays");
    ok(stats(t).evictions == 1, "1 eviction");

    ok(put(t, 1, 8, "rewrite1", 8, 1000, 0) == APR_SUCCESS,
       "1 rewritten: now the newest");
    put(t, 1001, 8, "new", 3, 1000, 0);
    ok(holds(t, 1, 8, "rewrite1", 8, 10) && absent(t, 2, 8, 10),
       "the next store evicted 2, not the rewritten 1");

    /* a 3-chunk entry evicts the 3 oldest: 3, 4, 5 */
    {
        char v[140];

        memset(v, 'v', sizeof(v));
        ok(put(t, 2000, 8, v, sizeof(v), 1000, 0) == APR_SUCCESS,
           "a 148-byte entry (3 chunks) stored");
        ok(absent(t, 3, 8, 10) && absent(t, 4, 8, 10) && absent(t, 5, 8, 10)
           && holds(t, 6, 8, "12345678", 8, 10),
           "3, 4 and 5 evicted, 6 stays");
    }
    st = stats(t);
    ok(st.evictions == 5 && st.entries == nchunks - 2
       && st.chunks_used == nchunks,
       "5 evictions in all, %u entries, every chunk used",
       (unsigned)st.entries);

    /* an expired oldest entry is counted as expired, not evicted */
    free(mem);
    t = table(&mem, 4096, 16);
    for (n = 0; n < nchunks; n++)
        put(t, n, 8, "12345678", 8, n < 2 ? 50 : 1000, 0);
    put(t, 3000, 8, "a", 1, 1000, 100);
    put(t, 3001, 8, "b", 1, 1000, 100);
    put(t, 3002, 8, "c", 1, 1000, 100);
    st = stats(t);
    ok(st.expired == 2 && st.evictions == 1 && absent(t, 2, 8, 100),
       "making room: 2 expired oldest counted expired, then 1 eviction");

    /* an entry needing every chunk empties the table; one more is refused */
    {
        char *v = malloc(nchunks * 64);
        apr_size_t fits = 32 - 8 + (nchunks - 1) * 60;

        memset(v, 'w', nchunks * 64);
        ok(put(t, 4000, 8, v, fits + 1, 1000, 100) == APR_ENOSPC
           && stats(t).entries == nchunks,
           "an entry larger than the table: APR_ENOSPC, nothing evicted");
        ok(put(t, 4000, 8, v, fits, 1000, 100) == APR_SUCCESS
           && stats(t).entries == 1 && stats(t).chunks_used == nchunks,
           "an entry of the whole table evicts all others");
        free(v);
    }
    for (n = 2; n < nchunks; n++)
        all &= absent(t, n, 8, 100);
    ok(all, "none of them is found");
    free(mem);
}

/* ac_shmht_update_fn: flips the case of every byte; refuses "no" */
static apr_status_t flip(void *baton, unsigned char *value, apr_size_t len)
{
    apr_size_t i;

    ++*(int *)baton;
    if (len == 2 && !memcmp(value, "no", 2))
        return APR_EINVAL;
    for (i = 0; i < len; i++)
        value[i] ^= 0x20;
    return APR_SUCCESS;
}

static apr_status_t update(ac_shmht_t *t, unsigned n, apr_time_t expiry,
                           apr_time_t now, apr_size_t cap, int *calls)
{
    unsigned char k[64], buf[256];

    key_n(k, 17, n);
    return ac_shmht_update(t, k, 17, expiry, now, buf, cap, flip, calls, NULL);
}

static apr_status_t update_hinted(ac_shmht_t *t, unsigned n, apr_time_t now,
                                  int *calls, apr_uint32_t *hint)
{
    unsigned char k[64], buf[256];

    key_n(k, 17, n);
    return ac_shmht_update(t, k, 17, 2000, now, buf, sizeof(buf), flip, calls,
                           hint);
}

static apr_uint32_t hash_n(unsigned n)
{
    unsigned char k[64];

    key_n(k, 17, n);
    return (apr_uint32_t)ac_siphash24(seed, k, 17);
}

/* a caller's kept hash spares hashing, and a wrong one finds no other entry */
static void test_update_hint(void)
{
    char v[61];
    ac_shmht_t *t;
    void *mem;
    apr_uint32_t hint = 0;
    int calls = 0;

    t = table(&mem, 4096, 16);
    memset(v, 'a', sizeof(v));
    put(t, 1, 17, v, sizeof(v), 1000, 0);
    put(t, 2, 17, v, sizeof(v), 1000, 0);
    ok(update_hinted(t, 1, 10, &calls, &hint) == APR_SUCCESS
       && hint == hash_n(1) && hint != 0,
       "update with no hint: found, and the hint is the key's hash");
    ok(update_hinted(t, 1, 10, &calls, &hint) == APR_SUCCESS && calls == 2
       && hint == hash_n(1) && holds(t, 1, 17, v, sizeof(v), 10),
       "update with the key's hint: found again (flipped back)");
    hint = hash_n(2);
    memset(v, 'A', sizeof(v));
    ok(update_hinted(t, 1, 10, &calls, &hint) == APR_SUCCESS && calls == 3
       && hint == hash_n(1) && holds(t, 1, 17, v, sizeof(v), 10),
       "another key's hint: the key's own entry changed, the hint mended");
    memset(v, 'a', sizeof(v));
    ok(holds(t, 2, 17, v, sizeof(v), 10), "the other key's entry untouched");
    hint = hash_n(1);
    ok(update_hinted(t, 3, 10, &calls, &hint) == APR_NOTFOUND && calls == 3
       && hint == 0,
       "an absent key with a hint: APR_NOTFOUND, fn not called, hint 0");
    free(mem);
}

static void test_update(void)
{
    char v[61];
    ac_shmht_stats_t st;
    ac_shmht_t *t;
    void *mem;
    unsigned n, nchunks;
    int calls = 0;

    t = table(&mem, 4096, 16);
    nchunks = stats(t).nchunks;
    /* a 17-byte key and a 61-byte value: 2 chunks (as a Digest window's
     * 49 bytes under its key) */
    memset(v, 'a', sizeof(v));
    put(t, 1, 17, v, sizeof(v), 1000, 0);
    put(t, 2, 17, "no", 2, 1000, 0);
    st = stats(t);
    ok(update(t, 1, 2000, 10, 256, &calls) == APR_SUCCESS && calls == 1,
       "update: fn called once, APR_SUCCESS");
    memset(v, 'A', sizeof(v));
    ok(holds(t, 1, 17, v, sizeof(v), 10)
       && stats(t).chunks_used == st.chunks_used
       && stats(t).stores == st.stores + 1,
       "the value changed across both chunks, in place, counted a store");
    ok(holds(t, 1, 17, v, sizeof(v), 1500),
       "the new expiry holds (live at 1500, past the old 1000)");
    ok(update(t, 2, 2000, 10, 256, &calls) == APR_EINVAL && calls == 2
       && holds(t, 2, 17, "no", 2, 10) && !holds(t, 2, 17, "no", 2, 1500),
       "fn's refusal is returned, value and expiry unchanged");
    ok(update(t, 3, 2000, 10, 256, &calls) == APR_NOTFOUND && calls == 2,
       "an absent key: APR_NOTFOUND, fn not called");
    ok(update(t, 1, 2000, 10, 60, &calls) == APR_ENOSPC && calls == 2
       && holds(t, 1, 17, v, sizeof(v), 10),
       "a value longer than the buffer: APR_ENOSPC, fn not called");
    ok(update(t, 2, 2000, 1000, 256, &calls) == APR_NOTFOUND && calls == 2,
       "an expired entry: APR_NOTFOUND, fn not called");

    /* updated, 1 is the newest: filling the table evicts others first */
    free(mem);
    t = table(&mem, 4096, 16);
    for (n = 0; n < nchunks / 2; n++)
        put(t, n, 17, v, sizeof(v), 1000, 0);
    update(t, 0, 1000, 10, 256, &calls);
    put(t, 500, 17, v, sizeof(v), 1000, 10);
    ok(!absent(t, 0, 17, 10) && absent(t, 1, 17, 10),
       "an updated entry is the newest-written: 1 was evicted, not 0");
    free(mem);
}

static void test_iterate(apr_pool_t *p)
{
    walk_rec w;
    ac_shmht_t *t;
    void *mem;

    t = table(&mem, 65536, 0);
    put(t, 1, 32, "one", 3, 1000, 0);
    put(t, 2, 32, "two", 3, 50, 0);
    put(t, 3, 32, "three", 5, 1000, 0);
    put(t, 4, 32, "four", 4, 1000, 0);
    put(t, 1, 32, "ONE", 3, 1000, 0);           /* now the newest */
    memset(&w, 0, sizeof(w));
    ok(ac_shmht_iterate(t, 100, p, collect, &w) == APR_SUCCESS && w.n == 3,
       "iterate: 3 live entries");
    ok(!strcmp(w.seen[0], "three") && !strcmp(w.seen[1], "four")
       && !strcmp(w.seen[2], "ONE"), "oldest-written first");
    ok(w.terminated == 3, "keys and values NUL-terminated");
    ok(stats(t).expired == 1 && stats(t).entries == 3,
       "the expired entry was dropped on the way");
    memset(&w, 0, sizeof(w));
    w.stop_after = 2;
    ok(ac_shmht_iterate(t, 100, p, collect, &w) == APR_EOF && w.n == 2,
       "the callback's status stops the walk and is returned");
    free(mem);
}

/* formatted at one address, used at another: offsets only */
static void test_relocation(void)
{
    apr_size_t size = 1 << 20;
    void *a, *b;
    ac_shmht_t *t;
    unsigned n;
    int all = 1;

    t = table(&a, size, 92);
    for (n = 0; n < 1000; n++)
        put(t, n, 32, (const char *)&n, sizeof(n), 1000, 0);
    b = malloc(size);
    memcpy(b, a, size);
    memset(a, 0xee, size);
    ok(ac_shmht_attach(b, size, &t) == APR_SUCCESS,
       "a copy attaches at another address");
    for (n = 0; n < 1000; n++)
        all &= holds(t, n, 32, (const char *)&n, sizeof(n), 10);
    ok(all, "every entry found in the copy (the original wiped)");
    for (n = 1000; n < 2000; n++)
        put(t, n, 32, (const char *)&n, sizeof(n), 1000, 0);
    for (n = 0; n < 2000; n += 2) {
        unsigned char k[32];

        key_n(k, 32, n);
        ac_shmht_remove(t, k, 32);
    }
    all = 1;
    for (n = 0; n < 2000; n++)
        all &= n % 2 ? holds(t, n, 32, (const char *)&n, sizeof(n), 10)
                     : absent(t, n, 32, 10);
    ok(all && stats(t).entries == 1000,
       "stores and removes in the copy work");
    free(a);
    free(b);
}

static void test_many(void)
{
    enum { N = 200000 };
    unsigned char *keys = malloc((apr_size_t)N * 32), v[60], out[60];
    ac_shmht_stats_t st;
    ac_shmht_t *t;
    void *mem;
    apr_size_t len;
    unsigned n, stored = 0, found = 0;

    t = table(&mem, 32 << 20, 92);
    random_bytes(keys, (apr_size_t)N * 32);
    for (n = 0; n < N; n++) {
        memcpy(v, &n, sizeof(n));
        memset(v + sizeof(n), (int)n, sizeof(v) - sizeof(n));
        stored += ac_shmht_store(t, keys + (apr_size_t)n * 32, 32, v,
                                 sizeof(v), NEVER, 0) == APR_SUCCESS;
    }
    ok(stored == N, "%u random 32-byte keys with 60-byte values stored",
       stored);
    for (n = 0; n < N; n++) {
        len = sizeof(out);
        if (ac_shmht_retrieve(t, keys + (apr_size_t)n * 32, 32, 10, out, &len)
            == APR_SUCCESS && len == 60 && !memcmp(out, &n, sizeof(n))
            && out[59] == (unsigned char)n)
            found++;
    }
    ok(found == N, "all %u found with their values", found);
    st = stats(t);
    ok(st.entries == N && st.chunks_used == 2 * N && st.evictions == 0
       && st.hits == N && st.misses == 0,
       "stats: %u entries, %u chunks (of %u), %u buckets",
       (unsigned)st.entries, st.chunks_used, st.nchunks, st.nbuckets);
    free(keys);
    free(mem);
}

/*
 * A damaged block: every word after the header (which ends before byte
 * 256) set to 1, so every bucket and every link leads to chunk 1 and
 * chunk 1 to itself. Every call must still return.
 */
static void test_damage(apr_pool_t *p)
{
    apr_size_t size = 65536, i, len;
    unsigned char k[32], buf[64];
    apr_uint32_t *w;
    walk_rec wr;
    ac_shmht_t *t;
    void *mem;
    unsigned n;

    t = table(&mem, size, 92);
    for (n = 0; n < 50; n++)
        put(t, n, 32, "v", 1, 1000, 0);
    w = (apr_uint32_t *)((char *)mem + 256);
    for (i = 0; i < (size - 256) / 4; i++)
        w[i] = 1;
    key_n(k, 32, 7);
    len = sizeof(buf);
    ok(ac_shmht_retrieve(t, k, 32, 10, buf, &len) != APR_SUCCESS,
       "damaged: retrieve returns");
    ok(ac_shmht_remove(t, k, 32) == APR_NOTFOUND, "damaged: remove returns");
    memset(&wr, 0, sizeof(wr));
    ac_shmht_iterate(t, 10, p, collect, &wr);
    ac_shmht_iterate(t, APR_INT64_C(0x7fffffffffffffff), p, collect, &wr);
    ok(1, "damaged: iterate returns");
    for (n = 100; n < 200; n++)
        put(t, n, 32, "0123456789012345678901234567890123456789", 40,
            1000, 0);
    ok(1, "damaged: stores return");
    free(mem);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_hash();
    test_geometry();
    test_basic_ops();
    test_collisions();
    test_eviction();
    test_update();
    test_update_hint();
    test_iterate(p);
    test_relocation();
    test_many();
    test_damage(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
