/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hash table in one caller-given memory block (no httpd headers): the
 * store behind the "authcache" socache provider (authcache_shmht.c).
 *
 * The block is meant to be a shared memory segment, which may map at a
 * different address in each process: everything in it is an offset or a
 * chunk index, never a pointer. Keys are hashed with SipHash-2-4 under a
 * caller-given random key, so ids chosen by someone else cannot be made to
 * pile up in one bucket. A lookup costs one bucket and, on average, about
 * one entry whatever the number of entries.
 *
 * Entries live in 64-byte chunks taken from a free list; when there are
 * not enough free chunks for a store, entries are dropped oldest-written
 * first (FIFO by write: rewriting an entry makes it the newest).
 *
 * Nothing here locks: the caller serialises every call on a block (one
 * global mutex around each). The block is trusted memory; a damaged one
 * can give wrong answers, but no call loops forever on it, and while its
 * header (checked by ac_shmht_attach) is intact no call follows an index
 * out of it.
 */
#ifndef AC_SHMHT_H
#define AC_SHMHT_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"
#include "apr_time.h"

#define AC_SHMHT_CHUNK      64          /* bytes per chunk */
#define AC_SHMHT_SEED_LEN   16          /* the SipHash key */
#define AC_SHMHT_KEY_MAX    4095        /* bytes of key per entry */
#define AC_SHMHT_VALUE_MAX  1048575     /* bytes of value per entry */

/* A formatted block; the pointer is the block's own address. */
typedef struct ac_shmht ac_shmht_t;

typedef struct {
    apr_uint64_t entries;     /* live or not yet noticed expired */
    apr_uint64_t stores;      /* successful stores, replacements included */
    apr_uint64_t hits;
    apr_uint64_t misses;      /* absent, expired, or caller's buffer short */
    apr_uint64_t expired;     /* entries dropped because they had expired */
    apr_uint64_t evictions;   /* live entries dropped to make room */
    apr_uint64_t removes;     /* entries dropped by ac_shmht_remove */
    apr_uint32_t nbuckets;
    apr_uint32_t nchunks;
    apr_uint32_t chunks_used;
    apr_size_t chunk_size;    /* AC_SHMHT_CHUNK */
    apr_size_t size;          /* of the block */
} ac_shmht_stats_t;

/*
 * The chunks an entry with a key and value of klen + vlen bytes takes:
 * the first chunk carries 32 bytes of them, each further one 60.
 */
apr_size_t ac_shmht_entry_chunks(apr_size_t klen_plus_vlen);

/*
 * Formats mem[0..size) (8-byte aligned) as an empty table and sets *out.
 * avg_entry_len, the expected key + value length (0: 180), sizes the
 * bucket array: one bucket per entry of that size that fits, rounded up to
 * a power of two. APR_EINVAL for a misaligned block, APR_ENOSPC for one
 * too small to hold a few chunks.
 */
apr_status_t ac_shmht_format(void *mem, apr_size_t size,
                             const unsigned char seed[AC_SHMHT_SEED_LEN],
                             apr_size_t avg_entry_len, ac_shmht_t **out);

/*
 * *out for a block formatted by ac_shmht_format, possibly at another
 * address (another process's mapping, or a copy). APR_EINVAL when mem is
 * not such a block of at most size bytes.
 */
apr_status_t ac_shmht_attach(void *mem, apr_size_t size, ac_shmht_t **out);

/*
 * Stores key -> value, live while now < expiry, replacing the key's
 * entry if there is one (in place when it takes as many chunks). Drops
 * expired entries on the key's bucket, then the oldest-written entries
 * until the new one fits. APR_EINVAL for a key over AC_SHMHT_KEY_MAX;
 * APR_ENOSPC, with the table unchanged, for a value over
 * AC_SHMHT_VALUE_MAX or an entry larger than the whole table.
 */
apr_status_t ac_shmht_store(ac_shmht_t *t, const unsigned char *key,
                            apr_size_t klen, const unsigned char *value,
                            apr_size_t vlen, apr_time_t expiry,
                            apr_time_t now);

/*
 * Copies the key's value into buf, which holds *len bytes, and sets *len
 * to its length. APR_NOTFOUND when the key is absent or has expired (an
 * expired entry is dropped); APR_ENOSPC when the value is longer than
 * *len, with *len set to its length and buf untouched.
 */
apr_status_t ac_shmht_retrieve(ac_shmht_t *t, const unsigned char *key,
                               apr_size_t klen, apr_time_t now,
                               unsigned char *buf, apr_size_t *len);

/*
 * A read-change-write of the key's value in one lookup, where a caller
 * would otherwise retrieve it and store it back: fn gets a copy of the
 * value (len bytes, in buf of cap bytes) and changes it there, keeping
 * its length. When fn returns APR_SUCCESS the new bytes are written where
 * the old ones are, live while now < expiry, and the entry becomes the
 * newest-written, as a store would leave it; otherwise the table is
 * unchanged and fn's status returned. APR_NOTFOUND (fn not called) when
 * the key is absent or has expired; APR_ENOSPC when the value is longer
 * than cap.
 *
 * hint, if not NULL, is where a caller that updates one key again and
 * again keeps its hash between calls (0: not known): hashing is most of a
 * lookup. It is only a hint: the key is still compared whole, and one
 * that misses (another table, another key) costs a second lookup, never
 * another entry. It is set to the hash when the key is found, else to 0.
 */
typedef apr_status_t ac_shmht_update_fn(void *baton, unsigned char *value,
                                        apr_size_t len);

apr_status_t ac_shmht_update(ac_shmht_t *t, const unsigned char *key,
                             apr_size_t klen, apr_time_t expiry,
                             apr_time_t now, unsigned char *buf,
                             apr_size_t cap, ac_shmht_update_fn *fn,
                             void *baton, apr_uint32_t *hint);

/* Drops the key's entry; APR_NOTFOUND when there is none. */
apr_status_t ac_shmht_remove(ac_shmht_t *t, const unsigned char *key,
                             apr_size_t klen);

/*
 * Calls fn for every live entry, oldest-written first, with copies of its
 * key and value (each followed by a NUL not counted in its length) in
 * memory from p, valid until the next call of fn. Drops the expired
 * entries it meets. Stops at, and returns, the first status other than
 * APR_SUCCESS that fn returns. fn must not change the table.
 */
typedef apr_status_t ac_shmht_iter_fn(void *baton,
                                      const unsigned char *key,
                                      apr_size_t klen,
                                      const unsigned char *value,
                                      apr_size_t vlen);

apr_status_t ac_shmht_iterate(ac_shmht_t *t, apr_time_t now, apr_pool_t *p,
                              ac_shmht_iter_fn *fn, void *baton);

void ac_shmht_stats(const ac_shmht_t *t, ac_shmht_stats_t *st);

/*
 * SipHash-2-4 (Aumasson and Bernstein) of data[0..len) under key, the
 * table's hash; declared for the tests' reference vectors.
 */
apr_uint64_t ac_siphash24(const unsigned char key[AC_SHMHT_SEED_LEN],
                          const void *data, apr_size_t len);

#endif /* AC_SHMHT_H */
