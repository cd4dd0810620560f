/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential libFuzzer target for the shared-memory hash table
 * (ac_shmht.c): the input is a table size and a list of operations
 * (store, retrieve, update with a right, wrong or no hash hint, remove,
 * time passing, iterate, move the block elsewhere), run both on a table and on a simple model of what it
 * must hold: sixteen keys, each with the value and expiry last stored and
 * its write order. Any difference aborts.
 *
 * What the model knows and the table must agree with:
 * - a store that fits succeeds, and the value comes back byte for byte
 *   until it expires, is removed or replaced; a store too large for the
 *   whole table, or a key too long, changes nothing;
 * - live entries are dropped only to make room, oldest-written first:
 *   the live entries still held are always the newest-written ones (the
 *   model keeps the write order below which entries are known gone);
 * - when the key's bucket has been swept (a retrieve just before), a
 *   store evicts exactly when the free chunks, plus the key's old entry,
 *   are too few;
 * - an iteration yields exactly the held live entries, oldest first, and
 *   the chunk and entry counts then add up to them;
 * - an update changes a live entry's value and makes it the newest-written,
 *   whatever the hint (its own key's hash, another's, noise or none), and
 *   leaves the hint the key's hash; an absent key is not found, hint 0;
 * - a block copied to another address, attached, holds the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "ac_crypto.h"
#include "ac_shmht.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NKEYS      16
#define KEY_LEN(i) (1 + ((i) * 37) % 48)        /* 1..48 bytes */
#define VLEN_MAX   (AC_SHMHT_VALUE_MAX + 2)
#define START      APR_INT64_C(1000000000)

enum { OP_STORE, OP_RETRIEVE, OP_REMOVE, OP_TIME, OP_ITERATE, OP_MOVE,
       OP_STORE_BIG, OP_LONG_KEY, OP_UPDATE, OP_COUNT };

typedef struct {
    int stored;                 /* stored and neither removed nor replaced */
    apr_uint64_t seq;           /* write order, from 1 */
    apr_time_t expiry;
    apr_size_t vlen;
    unsigned char *value;
} model_entry_t;

typedef struct {
    model_entry_t e[NKEYS];
    apr_uint64_t seq;           /* the last write's */
    apr_uint64_t gone_below;    /* live entries written before: evicted */
    apr_time_t now;
    apr_uint32_t hints[NKEYS];  /* what the last successful update left */
} model_t;

typedef struct {
    const uint8_t *p;
    size_t left;
} input_t;

static unsigned char valbuf[VLEN_MAX], outbuf[VLEN_MAX];
static unsigned char keys[NKEYS][48];
static unsigned char long_key[AC_SHMHT_KEY_MAX + 1];

static unsigned byte(input_t *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

static void keys_init(void)
{
    int i, j;

    for (i = 0; i < NKEYS; i++)
        for (j = 0; j < KEY_LEN(i); j++)
            keys[i][j] = (unsigned char)(i * 31 + j * 7);
    memset(long_key, 'k', sizeof(long_key));
}

/* the value of the write numbered seq: every write's bytes differ */
static void value_of(apr_uint64_t seq, unsigned char *v, apr_size_t n)
{
    apr_size_t j;

    for (j = 0; j < n; j++)
        v[j] = (unsigned char)(seq * 131 + j * 3 + (j >> 8));
}

static int live(const model_t *m, int k)
{
    return m->e[k].stored && m->e[k].expiry > m->now
           && m->e[k].seq >= m->gone_below;
}

static ac_shmht_stats_t stats(const ac_shmht_t *t)
{
    ac_shmht_stats_t st;

    ac_shmht_stats(t, &st);
    return st;
}

static int same_stats(const ac_shmht_stats_t *a, const ac_shmht_stats_t *b)
{
    return a->entries == b->entries && a->chunks_used == b->chunks_used
           && a->stores == b->stores && a->evictions == b->evictions
           && a->removes == b->removes;
}

/* The table lost live entry k: so did it every live entry written before. */
static void gone(model_t *m, int k)
{
    if (m->e[k].seq + 1 > m->gone_below)
        m->gone_below = m->e[k].seq + 1;
}

static void check_retrieve(ac_shmht_t *t, model_t *m, int k, int short_buf)
{
    model_entry_t *e = &m->e[k];
    apr_size_t len = short_buf && e->vlen ? e->vlen - 1 : sizeof(outbuf);
    int was_live = live(m, k);
    apr_status_t rv = ac_shmht_retrieve(t, keys[k], KEY_LEN(k), m->now,
                                        outbuf, &len);

    if (rv == APR_SUCCESS) {
        if (!was_live || len != e->vlen || memcmp(outbuf, e->value, len))
            abort();            /* a value the table must not have */
    }
    else if (rv == APR_ENOSPC) {
        if (!was_live || !short_buf || len != e->vlen)
            abort();
    }
    else if (rv == APR_NOTFOUND) {
        if (was_live)
            gone(m, k);
    }
    else {
        abort();
    }
}

static void do_store(ac_shmht_t *t, model_t *m, input_t *in, unsigned op)
{
    int k = (int)(byte(in) % NKEYS), swept = op & 0x10;
    model_entry_t *e = &m->e[k];
    apr_size_t hi = byte(in), vlen = (hi << 8 | byte(in)) % 1200;
    apr_time_t expiry = m->now + (apr_time_t)byte(in) * 1000;
    ac_shmht_stats_t before, after;
    apr_size_t need = ac_shmht_entry_chunks(KEY_LEN(k) + vlen);
    apr_uint32_t free_chunks = 0;
    apr_status_t rv;

    if (swept) {
        /* sweeps the key's bucket of expired entries, as the store
         * would, and tells whether the key holds an entry */
        apr_size_t len = sizeof(outbuf);

        rv = ac_shmht_retrieve(t, keys[k], KEY_LEN(k), m->now, outbuf, &len);
        if (rv == APR_NOTFOUND && live(m, k))
            gone(m, k);
        before = stats(t);
        free_chunks = before.nchunks - before.chunks_used;
        if (rv == APR_SUCCESS)
            free_chunks += ac_shmht_entry_chunks(KEY_LEN(k) + len);
    }
    else {
        before = stats(t);
    }
    value_of(m->seq + 1, valbuf, vlen);
    rv = ac_shmht_store(t, keys[k], KEY_LEN(k), valbuf, vlen, expiry, m->now);
    after = stats(t);
    if (need > before.nchunks) {
        if (rv != APR_ENOSPC || !same_stats(&before, &after))
            abort();            /* too large: refused, nothing changed */
        return;
    }
    if (rv != APR_SUCCESS || after.stores != before.stores + 1)
        abort();
    if (swept) {
        int dropped = after.evictions != before.evictions
                      || after.expired != before.expired;

        if (dropped != (free_chunks < need))
            abort();            /* evicted without need, or overfilled */
    }
    e->stored = 1;
    e->seq = ++m->seq;
    e->expiry = expiry;
    e->vlen = vlen;
    e->value = realloc(e->value, vlen ? vlen : 1);
    if (!e->value)
        abort();
    memcpy(e->value, valbuf, vlen);
    check_retrieve(t, m, k, 0);
    if (expiry > m->now && !live(m, k))
        abort();                /* the entry just stored is gone */
}

static apr_status_t invert(void *baton, unsigned char *value, apr_size_t len)
{
    apr_size_t j;

    ++*(int *)baton;
    for (j = 0; j < len; j++)
        value[j] ^= 0xff;
    return APR_SUCCESS;
}

static void do_update(ac_shmht_t *t, model_t *m, input_t *in,
                      const unsigned char *seed)
{
    int k = (int)(byte(in) % NKEYS), called = 0, was_live = live(m, k);
    unsigned how = byte(in);
    model_entry_t *e = &m->e[k];
    apr_time_t expiry = m->now + (apr_time_t)byte(in) * 1000;
    int o = (int)((k + 1 + how / 4) % NKEYS);     /* another key */
    apr_uint32_t hash = (apr_uint32_t)ac_siphash24(seed, keys[k], KEY_LEN(k));
    apr_uint32_t hint = how % 4 == 0 ? 0
                        : how % 4 == 1 ? m->hints[k]
                        : how % 4 == 2 ? (apr_uint32_t)ac_siphash24(seed, keys[o],
                                                                    KEY_LEN(o))
                        : how * 0x9e3779b9u;
    ac_shmht_stats_t before = stats(t), after;
    apr_size_t j;
    apr_status_t rv = ac_shmht_update(t, keys[k], KEY_LEN(k), expiry, m->now,
                                      outbuf, sizeof(outbuf), invert, &called,
                                      &hint);

    after = stats(t);
    if (rv == APR_SUCCESS) {
        /* in place: nothing allocated, evicted or removed, one store;
         * only expired entries met in the bucket are dropped */
        if (!was_live || called != 1 || hint != hash
            || after.entries + (after.expired - before.expired)
               != before.entries
            || after.chunks_used > before.chunks_used
            || after.evictions != before.evictions
            || after.removes != before.removes
            || after.stores != before.stores + 1)
            abort();
        e->seq = ++m->seq;
        e->expiry = expiry;
        for (j = 0; j < e->vlen; j++)
            e->value[j] ^= 0xff;
        m->hints[k] = hint;
        check_retrieve(t, m, k, 0);
    }
    else if (rv == APR_NOTFOUND) {
        if (called || hint != 0 || after.stores != before.stores)
            abort();
        if (was_live)
            gone(m, k);
    }
    else {
        abort();
    }
}

/* Values too large for the table or for any entry: refused, unchanged. */
static void do_store_big(ac_shmht_t *t, model_t *m, input_t *in)
{
    int k = (int)(byte(in) % NKEYS);
    ac_shmht_stats_t before = stats(t), after;
    apr_size_t vlen = byte(in) & 1 ? VLEN_MAX - 1
                      : 32 + 60 * (apr_size_t)before.nchunks;

    if (ac_shmht_store(t, keys[k], KEY_LEN(k), valbuf, vlen, m->now + 1000000,
                       m->now) != APR_ENOSPC)
        abort();
    after = stats(t);
    if (!same_stats(&before, &after))
        abort();
}

static void do_long_key(ac_shmht_t *t, model_t *m)
{
    ac_shmht_stats_t before = stats(t), after;
    apr_size_t len = sizeof(outbuf);

    if (ac_shmht_store(t, long_key, sizeof(long_key), valbuf, 1,
                       m->now + 1000000, m->now) != APR_EINVAL
        || ac_shmht_retrieve(t, long_key, sizeof(long_key), m->now, outbuf,
                             &len) != APR_NOTFOUND
        || ac_shmht_remove(t, long_key, sizeof(long_key)) != APR_NOTFOUND)
        abort();
    after = stats(t);
    if (after.entries != before.entries
        || after.chunks_used != before.chunks_used)
        abort();
}

static void do_remove(ac_shmht_t *t, model_t *m, input_t *in)
{
    int k = (int)(byte(in) % NKEYS);
    model_entry_t *e = &m->e[k];
    apr_status_t rv = ac_shmht_remove(t, keys[k], KEY_LEN(k));

    if (rv == APR_SUCCESS) {
        /* live or expired but not yet met: it must have been stored and
         * not evicted */
        if (!e->stored || e->seq < m->gone_below)
            abort();
    }
    else if (rv == APR_NOTFOUND) {
        if (live(m, k))
            gone(m, k);
    }
    else {
        abort();
    }
    e->stored = 0;
}

typedef struct {
    model_t *m;
    int n;
    int order[NKEYS];
    apr_size_t chunks;
} iter_rec;

static apr_status_t iter_one(void *baton, const unsigned char *key,
                             apr_size_t klen, const unsigned char *value,
                             apr_size_t vlen)
{
    iter_rec *it = baton;
    int k;

    for (k = 0; k < NKEYS; k++)
        if (klen == (apr_size_t)KEY_LEN(k) && !memcmp(key, keys[k], klen))
            break;
    if (k == NKEYS || it->n == NKEYS || key[klen] || value[vlen])
        abort();                /* a key never stored, or no NUL after */
    if (!live(it->m, k) || vlen != it->m->e[k].vlen
        || memcmp(value, it->m->e[k].value, vlen))
        abort();
    it->order[it->n++] = k;
    it->chunks += ac_shmht_entry_chunks(klen + vlen);
    return APR_SUCCESS;
}

/* The held live entries: a suffix, by write order, of the model's. */
static void do_iterate(ac_shmht_t *t, model_t *m, apr_pool_t *p)
{
    iter_rec it = { m, 0, { 0 }, 0 };
    ac_shmht_stats_t st;
    int i, k;

    if (ac_shmht_iterate(t, m->now, p, iter_one, &it) != APR_SUCCESS)
        abort();
    for (i = 1; i < it.n; i++)
        if (m->e[it.order[i]].seq <= m->e[it.order[i - 1]].seq)
            abort();            /* not oldest-written first */
    /* live entries written before the oldest held one were evicted; one
     * written after it and not held is a loss out of order */
    m->gone_below = it.n ? m->e[it.order[0]].seq : m->seq + 1;
    for (k = 0; k < NKEYS; k++) {
        int held = 0;

        for (i = 0; i < it.n; i++)
            held |= it.order[i] == k;
        if (live(m, k) && !held)
            abort();
    }
    /* every expired entry was dropped on the way: the counts add up */
    st = stats(t);
    if (st.entries != (apr_uint64_t)it.n || st.chunks_used != it.chunks)
        abort();
}

/* The block copied to another address (as another process maps it). */
static void do_move(ac_shmht_t **t, void **mem, apr_size_t size)
{
    void *copy = malloc(size);
    ac_shmht_t *moved;

    if (!copy)
        abort();
    memcpy(copy, *mem, size);
    if (ac_shmht_attach(copy, size - 8, &moved) != APR_EINVAL
        || ac_shmht_attach(copy, size, &moved) != APR_SUCCESS)
        abort();
    memset(*mem, 0xa5, size);   /* nothing may still point into the old */
    free(*mem);
    *mem = copy;
    *t = moved;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialised;
    static const unsigned char seed[AC_SHMHT_SEED_LEN] = { 0x5e, 0xed, 7 };
    input_t in = { data, size };
    apr_size_t tsize = 1024 + (apr_size_t)(byte(&in) % 64) * 512;
    apr_size_t avg = byte(&in) * 4;
    model_t m;
    ac_shmht_t *t;
    apr_pool_t *p;
    void *mem;
    int k;

    if (!initialised) {
        if (apr_initialize() != APR_SUCCESS || ac_crypto_init() != APR_SUCCESS)
            abort();
        keys_init();
        initialised = 1;
    }
    memset(&m, 0, sizeof(m));
    m.now = START;
    if (!(mem = malloc(tsize)) || apr_pool_create(&p, NULL) != APR_SUCCESS)
        abort();
    if (ac_shmht_format(mem, tsize, seed, avg, &t) != APR_SUCCESS)
        abort();

    while (in.left) {
        unsigned op = byte(&in);

        switch (op % OP_COUNT) {
        case OP_STORE:
            do_store(t, &m, &in, op);
            break;
        case OP_RETRIEVE:
            k = (int)(byte(&in) % NKEYS);
            check_retrieve(t, &m, k, op & 0x10);
            break;
        case OP_REMOVE:
            do_remove(t, &m, &in);
            break;
        case OP_TIME:
            m.now += (apr_time_t)byte(&in) * 1000;
            break;
        case OP_ITERATE:
            do_iterate(t, &m, p);
            apr_pool_clear(p);
            break;
        case OP_MOVE:
            do_move(&t, &mem, tsize);
            break;
        case OP_STORE_BIG:
            do_store_big(t, &m, &in);
            break;
        case OP_LONG_KEY:
            do_long_key(t, &m);
            break;
        case OP_UPDATE:
            do_update(t, &m, &in, seed);
            break;
        }
    }
    do_iterate(t, &m, p);

    for (k = 0; k < NKEYS; k++)
        free(m.e[k].value);
    apr_pool_destroy(p);
    free(mem);
    return 0;
}
