/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ns per ac_shmht_retrieve of a random present key with 1, 10k, 100k and
 * 1M entries (random 32-byte keys, 60-byte values: Basic tokens) in a
 * 256 MiB anonymous shared memory segment, as the "authcache" provider
 * makes it; then, to read the figures against, the cost of the hash alone
 * and of one random read from memory.
 * build: cc -O2 -Imod_authcache $(apr-1-config --cflags --cppflags --includes) -o /tmp/shmht-lookup bench/shmht-lookup.c mod_authcache/ac_shmht.c $(apr-1-config --link-ld --libs)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apr_general.h"
#include "apr_shm.h"
#include "ac_shmht.h"

#define BLOCK    ((apr_size_t)256 << 20)
#define LOOKUPS  1000000
#define ROUNDS   5

static apr_uint64_t rng = 0x9e3779b97f4a7c15ULL;

static apr_uint64_t next_random(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(void)
{
    static const unsigned sizes[] = { 1, 10000, 100000, 1000000 };
    unsigned char seed[AC_SHMHT_SEED_LEN], value[60], out[64];
    unsigned char *keys, *seq;
    apr_uint64_t sink = 0;
    apr_pool_t *p;
    apr_shm_t *shm;
    ac_shmht_t *t;
    void *block;
    size_t s, i, r;

    apr_initialize();
    apr_pool_create(&p, NULL);
    if (apr_shm_create(&shm, BLOCK, NULL, p) != APR_SUCCESS) {
        fprintf(stderr, "no anonymous shared memory\n");
        return 1;
    }
    block = apr_shm_baseaddr_get(shm);
    keys = malloc((size_t)1000000 * 32);
    seq = malloc((size_t)LOOKUPS * 32);     /* read in order: no misses */
    memset(value, 'v', sizeof(value));
    apr_generate_random_bytes(seed, sizeof(seed));

    printf("%10s %12s %10s\n", "entries", "ns/retrieve", "buckets");
    for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        unsigned n = sizes[s];
        double best = 1e30;
        ac_shmht_stats_t st;

        ac_shmht_format(block, BLOCK, seed, 92, &t);
        for (i = 0; i < (size_t)n * 32; i += 8) {
            apr_uint64_t x = next_random();

            memcpy(keys + i, &x, 8);
        }
        for (i = 0; i < n; i++)
            ac_shmht_store(t, keys + i * 32, 32, value, sizeof(value),
                           APR_INT64_C(0x7fffffffffffffff), 0);
        for (i = 0; i < LOOKUPS; i++)
            memcpy(seq + i * 32, keys + (next_random() % n) * 32, 32);
        for (r = 0; r < ROUNDS; r++) {
            double t0 = now_ns(), ns;

            for (i = 0; i < LOOKUPS; i++) {
                apr_size_t len = sizeof(out);

                if (ac_shmht_retrieve(t, seq + i * 32, 32, 1, out, &len))
                    return 2;
                sink += out[0] + len;
            }
            ns = (now_ns() - t0) / LOOKUPS;
            if (ns < best)
                best = ns;
        }
        ac_shmht_stats(t, &st);
        printf("%10u %12.1f %10u\n", n, best, st.nbuckets);
    }

    /* the parts: SipHash of 32 bytes, and a random read of a cache line
     * (a chain of dependent loads over the 128 MiB that 1M entries use) */
    {
        double t0 = now_ns();
        size_t lines = ((size_t)128 << 20) / 64, at = 0;
        apr_uint32_t *next = block;

        for (i = 0; i < LOOKUPS; i++)
            sink += ac_siphash24(seed, seq + i * 32, 32);
        printf("SipHash-2-4 of 32 bytes: %.1f ns\n",
               (now_ns() - t0) / LOOKUPS);
        /* Sattolo's shuffle: one cycle through every line */
        for (i = 0; i < lines; i++)
            next[i * 16] = (apr_uint32_t)i;
        for (i = lines - 1; i > 0; i--) {
            size_t j = next_random() % i;
            apr_uint32_t tmp = next[i * 16];

            next[i * 16] = next[j * 16];
            next[j * 16] = tmp;
        }
        t0 = now_ns();
        for (i = 0; i < LOOKUPS; i++)
            at = next[at * 16];
        sink += at;
        printf("one random 64-byte read in 128 MiB: %.1f ns\n",
               (now_ns() - t0) / LOOKUPS);
    }
    fprintf(stderr, "(%llu)\n", (unsigned long long)sink);
    return 0;
}
