/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hash table in one memory block: see ac_shmht.h.
 *
 * Layout of the block (offsets from its start, chunks 64-byte aligned so
 * that, in a page-aligned segment, each chunk is one cache line):
 *
 *   header | bucket heads (uint32, a power of two of them) | chunks
 *
 * Chunks are numbered from 1; 0 means "none", so a zeroed bucket array is
 * an empty one. An entry is a chain of chunks: the first starts with an
 * entry_t (32 bytes) and the key and value bytes run on, after it and
 * through the rest of the chain, each further chunk giving its first 4
 * bytes to the index of the next. The 32-byte header is why the chunk is
 * 64 bytes: a mod_authcache Basic entry (32-byte key, 60-byte token) fits
 * two chunks exactly, key in the first and token in the second, and a
 * 150-byte Digest one fits three. Smaller chunks waste more on chaining,
 * larger ones on the tail of the last chunk (48 bytes: 3 chunks, 144
 * bytes, per Basic entry; 96 or 128: 192 or 128 bytes, but 256 per
 * Digest context).
 *
 * Every entry is on two lists: its bucket's chain (singly linked, newest
 * first, found again from the stored hash when an entry is dropped from
 * elsewhere) and the FIFO (doubly linked, oldest-written first), so that
 * dropping any entry is O(1) and the oldest is always at hand for
 * eviction. Free chunks are on a singly linked free list; chunks never used
 * yet are handed out from a high-water mark instead, so formatting touches
 * the header and the buckets only, and pages of a large segment that no
 * entry reached never become resident.
 *
 * Bounds against a damaged block: every index is checked to name a chunk
 * (1..nchunks) before it is followed, every walk along a bucket, the FIFO
 * or the eviction loop stops after nchunks steps, and walks along an
 * entry's chunks stop after its length.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ac_shmht.h"
#include "ac_crypto.h"

#define SHMHT_MAGIC       0x54484341u    /* "ACHT", little-endian */
#define SHMHT_VERSION     1
#define SHMHT_MIN_CHUNKS  4
#define SHMHT_DEFAULT_AVG 180
#define SHMHT_MAX_CHUNKS  0xfffffffeu    /* high-water mark stays 32-bit */
#define ALIGN64(n)        (((n) + 63) & ~(apr_uint64_t)63)

struct ac_shmht {
    /* geometry: read by every call */
    apr_uint32_t magic;
    apr_uint32_t version;
    apr_uint32_t chunk_size;
    apr_uint32_t nbuckets;          /* a power of two */
    apr_uint32_t nchunks;           /* chunks 1..nchunks */
    apr_uint32_t spare;
    apr_uint64_t size;              /* of the block, as formatted */
    apr_uint64_t buckets_off;
    apr_uint64_t chunks_off;        /* where chunk 1 starts */
    unsigned char seed[AC_SHMHT_SEED_LEN];
    /* allocation */
    apr_uint32_t free_head;         /* free list through chunks' next */
    apr_uint32_t fresh;             /* chunks fresh..nchunks never used */
    apr_uint32_t used;
    /* the FIFO, by write */
    apr_uint32_t oldest;
    apr_uint32_t newest;
    apr_uint32_t spare2;
    /* statistics */
    apr_uint64_t entries;
    apr_uint64_t stores;
    apr_uint64_t hits;
    apr_uint64_t misses;
    apr_uint64_t expired;
    apr_uint64_t evictions;
    apr_uint64_t removes;
};

/* The start of an entry's first chunk. */
typedef struct {
    apr_uint32_t next;              /* the entry's next chunk: first, as in
                                       every chunk */
    apr_uint32_t bnext;             /* the next entry in the bucket */
    apr_uint32_t older;             /* FIFO neighbours */
    apr_uint32_t newer;
    apr_int64_t expiry;             /* apr_time_t */
    apr_uint32_t hash;              /* SipHash's low 32 bits */
    apr_uint32_t lens;              /* key length << 20 | value length */
} entry_t;

typedef char entry_t_is_32_bytes[sizeof(entry_t) == 32 ? 1 : -1];

#define FIRST_ROOM   (AC_SHMHT_CHUNK - sizeof(entry_t))          /* 32 */
#define NEXT_ROOM    (AC_SHMHT_CHUNK - sizeof(apr_uint32_t))     /* 60 */
#define LENS(k, v)   ((apr_uint32_t)(k) << 20 | (apr_uint32_t)(v))
#define LEN_K(lens)  ((apr_size_t)((lens) >> 20))
#define LEN_V(lens)  ((apr_size_t)((lens) & 0xfffffu))

/* ---- SipHash-2-4 ---------------------------------------------------- */

static apr_uint64_t le64(const unsigned char *p)
{
    return (apr_uint64_t)p[0] | (apr_uint64_t)p[1] << 8
           | (apr_uint64_t)p[2] << 16 | (apr_uint64_t)p[3] << 24
           | (apr_uint64_t)p[4] << 32 | (apr_uint64_t)p[5] << 40
           | (apr_uint64_t)p[6] << 48 | (apr_uint64_t)p[7] << 56;
}

/*
 * OpenSSL's SipHash (EVP_MAC "SIPHASH", 8-byte output, read little-endian
 * as the reference code writes it), in a context kept per thread: making
 * one costs two allocations, more than the hash. It is keyed again only
 * for another key than the last (a NULL key to EVP_MAC_init reuses the
 * context's): keying parses the parameters and costs as much as hashing a
 * short key. Nothing secret stays in it (the table's key is in the
 * table). The context lives as long as its thread. 0 if OpenSSL fails,
 * which leaves the table correct, only slower (every key in one bucket).
 */
static __thread struct {
    EVP_MAC_CTX *ctx;
    int keyed;                          /* with key */
    unsigned char key[AC_SHMHT_SEED_LEN];
} sip;

/* sip.ctx ready for a hash under key, keyed only if key is not the last */
static int sip_ready(const unsigned char key[AC_SHMHT_SEED_LEN])
{
    EVP_MAC *mac;
    size_t size = 8;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
        OSSL_PARAM_END
    };

    if (!sip.ctx && (mac = ac_crypto_siphash()))
        sip.ctx = EVP_MAC_CTX_new(mac);
    if (!sip.ctx)
        return 0;
    if (sip.keyed && !memcmp(sip.key, key, sizeof(sip.key)))
        return EVP_MAC_init(sip.ctx, NULL, 0, NULL);
    memcpy(sip.key, key, sizeof(sip.key));
    return sip.keyed = EVP_MAC_init(sip.ctx, key, AC_SHMHT_SEED_LEN, params);
}

apr_uint64_t ac_siphash24(const unsigned char key[AC_SHMHT_SEED_LEN],
                          const void *data, apr_size_t len)
{
    size_t out_len = 0;
    unsigned char out[8];

    if (!sip_ready(key) || !EVP_MAC_update(sip.ctx, data, len)
        || !EVP_MAC_final(sip.ctx, out, &out_len, sizeof(out))
        || out_len != sizeof(out))
        return 0;
    return le64(out);
}

static apr_uint32_t key_hash(const ac_shmht_t *t, const unsigned char *key,
                             apr_size_t klen)
{
    return (apr_uint32_t)ac_siphash24(t->seed, key, klen);
}

/* ---- chunks ---------------------------------------------------------- */

/* 1 when i names a chunk; 0 ("none") and damaged indices do not */
static int valid(const ac_shmht_t *t, apr_uint32_t i)
{
    return i - 1 < t->nchunks;
}

static unsigned char *chunk(const ac_shmht_t *t, apr_uint32_t i)
{
    return (unsigned char *)t + t->chunks_off
           + (apr_size_t)(i - 1) * AC_SHMHT_CHUNK;
}

static entry_t *entry(const ac_shmht_t *t, apr_uint32_t i)
{
    return (entry_t *)chunk(t, i);
}

/* A chunk's link to the next: its first 4 bytes, in entries and free. */
static apr_uint32_t *next_of(const ac_shmht_t *t, apr_uint32_t i)
{
    return (apr_uint32_t *)chunk(t, i);
}

static apr_uint32_t *buckets(const ac_shmht_t *t)
{
    return (apr_uint32_t *)((unsigned char *)t + t->buckets_off);
}

apr_size_t ac_shmht_entry_chunks(apr_size_t klen_plus_vlen)
{
    if (klen_plus_vlen <= FIRST_ROOM)
        return 1;
    return 1 + (klen_plus_vlen - FIRST_ROOM + NEXT_ROOM - 1) / NEXT_ROOM;
}

static apr_size_t entry_chunks(const entry_t *e)
{
    return ac_shmht_entry_chunks(LEN_K(e->lens) + LEN_V(e->lens));
}

/* 0 when there is none (or the free list is damaged) */
static apr_uint32_t chunk_alloc(ac_shmht_t *t)
{
    apr_uint32_t i = t->free_head;

    if (valid(t, i))
        t->free_head = *next_of(t, i);
    else if (t->fresh - 1 < t->nchunks)
        i = t->fresh++;
    else
        return 0;
    t->used++;
    return i;
}

static void chunk_free(ac_shmht_t *t, apr_uint32_t i)
{
    *next_of(t, i) = t->free_head;
    t->free_head = i;
    t->used--;
}

/* Frees at most n chunks of the chain starting at i. */
static void chain_free(ac_shmht_t *t, apr_uint32_t i, apr_size_t n)
{
    while (n-- && valid(t, i)) {
        apr_uint32_t next = *next_of(t, i);

        chunk_free(t, i);
        i = next;
    }
}

/* ---- the bytes of an entry: key, then value, across its chunks ------- */

typedef struct {
    const ac_shmht_t *t;
    unsigned char *p;               /* the next byte */
    apr_size_t room;                /* bytes left in this chunk */
    apr_uint32_t next;              /* the chunk after this one */
} cursor_t;

static void cursor_start(cursor_t *c, const ac_shmht_t *t, apr_uint32_t e)
{
    c->t = t;
    c->p = chunk(t, e) + sizeof(entry_t);
    c->room = FIRST_ROOM;
    c->next = entry(t, e)->next;
}

/* Moves on to the next chunk when this one is used up; 0 if it is none. */
static int cursor_room(cursor_t *c)
{
    if (c->room)
        return 1;
    if (!valid(c->t, c->next))
        return 0;
    c->p = chunk(c->t, c->next) + sizeof(apr_uint32_t);
    c->room = NEXT_ROOM;
    c->next = *next_of(c->t, c->next);
    return 1;
}

/*
 * Reads (out), writes (in) or compares (cmp) n bytes and moves past them.
 * 0 when the chain ends first, or for cmp when the bytes differ.
 */
static int cursor_move(cursor_t *c, apr_size_t n, unsigned char *out,
                       const unsigned char *in, const unsigned char *cmp)
{
    while (n) {
        apr_size_t k;

        if (!cursor_room(c))
            return 0;
        k = n < c->room ? n : c->room;
        if (out) {
            memcpy(out, c->p, k);
            out += k;
        }
        else if (in) {
            memcpy(c->p, in, k);
            in += k;
        }
        else if (cmp) {
            if (memcmp(c->p, cmp, k))
                return 0;
            cmp += k;
        }
        c->p += k;
        c->room -= k;
        n -= k;
    }
    return 1;
}

/* ---- entries --------------------------------------------------------- */

static void fifo_unlink(ac_shmht_t *t, apr_uint32_t i)
{
    entry_t *e = entry(t, i);

    if (valid(t, e->older))
        entry(t, e->older)->newer = e->newer;
    else
        t->oldest = e->newer;
    if (valid(t, e->newer))
        entry(t, e->newer)->older = e->older;
    else
        t->newest = e->older;
}

static void fifo_append(ac_shmht_t *t, apr_uint32_t i)
{
    entry_t *e = entry(t, i);

    e->older = t->newest;
    e->newer = 0;
    if (valid(t, t->newest))
        entry(t, t->newest)->newer = i;
    else
        t->oldest = i;
    t->newest = i;
}

/* The link (bucket head or bnext) that points to entry i, or NULL. */
static apr_uint32_t *bucket_link(ac_shmht_t *t, apr_uint32_t i)
{
    apr_uint32_t *link = &buckets(t)[entry(t, i)->hash & (t->nbuckets - 1)];
    apr_uint32_t steps = 0;

    while (valid(t, *link) && steps++ < t->nchunks) {
        if (*link == i)
            return link;
        link = &entry(t, *link)->bnext;
    }
    return NULL;
}

/*
 * Drops entry i from its bucket (through link, which points to it; NULL
 * when it could not be found), from the FIFO, and gives its chunks back.
 */
static void entry_drop(ac_shmht_t *t, apr_uint32_t *link, apr_uint32_t i)
{
    entry_t *e = entry(t, i);

    if (link)
        *link = e->bnext;
    fifo_unlink(t, i);
    chain_free(t, i, entry_chunks(e));
    t->entries--;
}

/*
 * The link to key's entry in its bucket, or NULL. With expire, drops the
 * expired entries it walks past (the key's own among them).
 */
static apr_uint32_t *find(ac_shmht_t *t, const unsigned char *key,
                          apr_size_t klen, apr_uint32_t hash, int expire,
                          apr_time_t now)
{
    apr_uint32_t *link = &buckets(t)[hash & (t->nbuckets - 1)];
    apr_uint32_t i, steps = 0;

    while (valid(t, i = *link) && steps++ < t->nchunks) {
        entry_t *e = entry(t, i);
        cursor_t c;

        if (expire && e->expiry <= now) {
            entry_drop(t, link, i);       /* *link is now the next one */
            t->expired++;
            continue;
        }
        if (e->hash == hash && LEN_K(e->lens) == klen) {
            cursor_start(&c, t, i);
            if (cursor_move(&c, klen, NULL, NULL, key))
                return link;
        }
        link = &e->bnext;
    }
    return NULL;
}

/* ---- the API --------------------------------------------------------- */

apr_status_t ac_shmht_format(void *mem, apr_size_t size,
                             const unsigned char seed[AC_SHMHT_SEED_LEN],
                             apr_size_t avg_entry_len, ac_shmht_t **out)
{
    ac_shmht_t *t = mem;
    apr_uint64_t hdr = ALIGN64(sizeof(*t)), per_entry, expect, nbuckets = 1;
    apr_uint64_t chunks_off, nchunks;

    if ((apr_uintptr_t)mem % 8)
        return APR_EINVAL;
    if (size < hdr + 64 + SHMHT_MIN_CHUNKS * AC_SHMHT_CHUNK)
        return APR_ENOSPC;
    if (!avg_entry_len)
        avg_entry_len = SHMHT_DEFAULT_AVG;
    if (avg_entry_len > AC_SHMHT_KEY_MAX + AC_SHMHT_VALUE_MAX)
        avg_entry_len = AC_SHMHT_KEY_MAX + AC_SHMHT_VALUE_MAX;

    /* one bucket per entry of the expected size that would fit */
    per_entry = ac_shmht_entry_chunks(avg_entry_len) * AC_SHMHT_CHUNK
                + sizeof(apr_uint32_t);
    expect = (size - hdr) / per_entry;
    while (nbuckets < expect && nbuckets < APR_UINT64_C(0x80000000))
        nbuckets <<= 1;
    chunks_off = ALIGN64(hdr + nbuckets * sizeof(apr_uint32_t));
    if (chunks_off >= size)
        return APR_ENOSPC;
    nchunks = (size - chunks_off) / AC_SHMHT_CHUNK;
    if (nchunks > SHMHT_MAX_CHUNKS)
        nchunks = SHMHT_MAX_CHUNKS;
    if (nchunks < SHMHT_MIN_CHUNKS)
        return APR_ENOSPC;

    memset(t, 0, (apr_size_t)chunks_off);     /* header and buckets */
    t->magic = SHMHT_MAGIC;
    t->version = SHMHT_VERSION;
    t->chunk_size = AC_SHMHT_CHUNK;
    t->nbuckets = (apr_uint32_t)nbuckets;
    t->nchunks = (apr_uint32_t)nchunks;
    t->size = size;
    t->buckets_off = hdr;
    t->chunks_off = chunks_off;
    memcpy(t->seed, seed, AC_SHMHT_SEED_LEN);
    t->fresh = 1;
    *out = t;
    return APR_SUCCESS;
}

apr_status_t ac_shmht_attach(void *mem, apr_size_t size, ac_shmht_t **out)
{
    ac_shmht_t *t = mem;

    if ((apr_uintptr_t)mem % 8 || size < sizeof(*t)
        || t->magic != SHMHT_MAGIC || t->version != SHMHT_VERSION
        || t->chunk_size != AC_SHMHT_CHUNK || t->size > size
        || !t->nbuckets || (t->nbuckets & (t->nbuckets - 1))
        || t->nchunks < SHMHT_MIN_CHUNKS || t->nchunks > SHMHT_MAX_CHUNKS
        || t->buckets_off < sizeof(*t) || t->buckets_off % 8
        || t->buckets_off + (apr_uint64_t)t->nbuckets * 4 > t->chunks_off
        || t->chunks_off % 8
        || t->chunks_off + (apr_uint64_t)t->nchunks * AC_SHMHT_CHUNK
           > t->size)
        return APR_EINVAL;
    *out = t;
    return APR_SUCCESS;
}

apr_status_t ac_shmht_store(ac_shmht_t *t, const unsigned char *key,
                            apr_size_t klen, const unsigned char *value,
                            apr_size_t vlen, apr_time_t expiry,
                            apr_time_t now)
{
    apr_size_t need, n;
    apr_uint32_t hash, i, prev, steps = 0, *link;
    entry_t *e;
    cursor_t c;

    if (klen > AC_SHMHT_KEY_MAX)
        return APR_EINVAL;
    if (vlen > AC_SHMHT_VALUE_MAX)
        return APR_ENOSPC;
    need = ac_shmht_entry_chunks(klen + vlen);
    if (need > t->nchunks)
        return APR_ENOSPC;

    hash = key_hash(t, key, klen);
    link = find(t, key, klen, hash, 1, now);
    if (link) {
        i = *link;
        e = entry(t, i);
        if (entry_chunks(e) == need) {
            /* same key, same chunks: rewrite the value where it is */
            e->expiry = expiry;
            e->lens = LENS(klen, vlen);
            cursor_start(&c, t, i);
            cursor_move(&c, klen, NULL, NULL, NULL);
            cursor_move(&c, vlen, NULL, value, NULL);
            fifo_unlink(t, i);
            fifo_append(t, i);
            t->stores++;
            return APR_SUCCESS;
        }
        entry_drop(t, link, i);
    }

    /* make room, oldest-written first */
    while ((apr_size_t)(t->nchunks - t->used) < need) {
        i = t->oldest;
        if (!valid(t, i) || steps++ >= t->nchunks)
            return APR_ENOSPC;                  /* damaged */
        if (entry(t, i)->expiry <= now)
            t->expired++;
        else
            t->evictions++;
        entry_drop(t, bucket_link(t, i), i);
    }

    if (!(i = chunk_alloc(t)))
        return APR_ENOSPC;                      /* damaged */
    for (prev = i, n = 1; n < need; n++) {
        apr_uint32_t more = chunk_alloc(t);

        if (!more) {
            *next_of(t, prev) = 0;
            chain_free(t, i, n);
            return APR_ENOSPC;                  /* damaged */
        }
        *next_of(t, prev) = more;
        prev = more;
    }
    *next_of(t, prev) = 0;

    e = entry(t, i);
    e->expiry = expiry;
    e->hash = hash;
    e->lens = LENS(klen, vlen);
    cursor_start(&c, t, i);
    cursor_move(&c, klen, NULL, key, NULL);
    cursor_move(&c, vlen, NULL, value, NULL);
    link = &buckets(t)[hash & (t->nbuckets - 1)];
    e->bnext = *link;
    *link = i;
    fifo_append(t, i);
    t->entries++;
    t->stores++;
    return APR_SUCCESS;
}

/* find (expiring) with the caller's hint: see ac_shmht_update */
static apr_uint32_t *find_hinted(ac_shmht_t *t, const unsigned char *key,
                                 apr_size_t klen, apr_time_t now,
                                 apr_uint32_t *hint)
{
    apr_uint32_t *link, hash;

    if (hint && *hint && (link = find(t, key, klen, *hint, 1, now)))
        return link;
    hash = key_hash(t, key, klen);
    link = find(t, key, klen, hash, 1, now);
    if (hint)
        *hint = link ? hash : 0;
    return link;
}

/*
 * ac_shmht_retrieve, which also gives the entry's first chunk (*at) to a
 * caller that goes on to change it.
 */
static apr_status_t read_entry(ac_shmht_t *t, const unsigned char *key,
                               apr_size_t klen, apr_time_t now,
                               unsigned char *buf, apr_size_t *len,
                               apr_uint32_t *at, apr_uint32_t *hint)
{
    apr_uint32_t *link = NULL;
    apr_size_t vlen;
    cursor_t c;

    if (klen <= AC_SHMHT_KEY_MAX)
        link = find_hinted(t, key, klen, now, hint);
    else if (hint)
        *hint = 0;
    if (!link) {
        t->misses++;
        return APR_NOTFOUND;
    }
    *at = *link;
    vlen = LEN_V(entry(t, *at)->lens);
    if (vlen > *len) {
        *len = vlen;
        t->misses++;
        return APR_ENOSPC;
    }
    cursor_start(&c, t, *at);
    if (!cursor_move(&c, klen, NULL, NULL, NULL)
        || !cursor_move(&c, vlen, buf, NULL, NULL)) {
        t->misses++;
        return APR_NOTFOUND;                    /* damaged */
    }
    *len = vlen;
    t->hits++;
    return APR_SUCCESS;
}

apr_status_t ac_shmht_retrieve(ac_shmht_t *t, const unsigned char *key,
                               apr_size_t klen, apr_time_t now,
                               unsigned char *buf, apr_size_t *len)
{
    apr_uint32_t i;

    return read_entry(t, key, klen, now, buf, len, &i, NULL);
}

apr_status_t ac_shmht_update(ac_shmht_t *t, const unsigned char *key,
                             apr_size_t klen, apr_time_t expiry,
                             apr_time_t now, unsigned char *buf,
                             apr_size_t cap, ac_shmht_update_fn *fn,
                             void *baton, apr_uint32_t *hint)
{
    apr_size_t vlen = cap;
    apr_uint32_t i;
    apr_status_t rv;
    cursor_t c;

    if ((rv = read_entry(t, key, klen, now, buf, &vlen, &i, hint))
        != APR_SUCCESS
        || (rv = fn(baton, buf, vlen)) != APR_SUCCESS)
        return rv;
    /* the same chunks: the cursor's walk cannot fail a second time */
    cursor_start(&c, t, i);
    cursor_move(&c, klen, NULL, NULL, NULL);
    cursor_move(&c, vlen, NULL, buf, NULL);
    entry(t, i)->expiry = expiry;
    fifo_unlink(t, i);
    fifo_append(t, i);
    t->stores++;
    return APR_SUCCESS;
}

apr_status_t ac_shmht_remove(ac_shmht_t *t, const unsigned char *key,
                             apr_size_t klen)
{
    apr_uint32_t *link = NULL;

    if (klen <= AC_SHMHT_KEY_MAX)
        link = find(t, key, klen, key_hash(t, key, klen), 0, 0);
    if (!link)
        return APR_NOTFOUND;
    entry_drop(t, link, *link);
    t->removes++;
    return APR_SUCCESS;
}

apr_status_t ac_shmht_iterate(ac_shmht_t *t, apr_time_t now, apr_pool_t *p,
                              ac_shmht_iter_fn *fn, void *baton)
{
    apr_uint32_t i = t->oldest, steps = 0;
    unsigned char *buf = NULL;
    apr_size_t cap = 0;

    while (valid(t, i) && steps++ < t->nchunks) {
        entry_t *e = entry(t, i);
        apr_uint32_t newer = e->newer;
        apr_size_t klen = LEN_K(e->lens), vlen = LEN_V(e->lens);
        apr_status_t rv;
        cursor_t c;

        if (e->expiry <= now) {
            entry_drop(t, bucket_link(t, i), i);
            t->expired++;
        }
        else {
            if (klen + vlen + 2 > cap) {
                cap = 2 * (klen + vlen + 2);
                buf = apr_palloc(p, cap);
            }
            cursor_start(&c, t, i);
            if (!cursor_move(&c, klen, buf, NULL, NULL)
                || !cursor_move(&c, vlen, buf + klen + 1, NULL, NULL))
                return APR_EGENERAL;            /* damaged */
            buf[klen] = '\0';
            buf[klen + 1 + vlen] = '\0';
            rv = fn(baton, buf, klen, buf + klen + 1, vlen);
            if (rv != APR_SUCCESS)
                return rv;
        }
        i = newer;
    }
    return APR_SUCCESS;
}

void ac_shmht_stats(const ac_shmht_t *t, ac_shmht_stats_t *st)
{
    st->entries = t->entries;
    st->stores = t->stores;
    st->hits = t->hits;
    st->misses = t->misses;
    st->expired = t->expired;
    st->evictions = t->evictions;
    st->removes = t->removes;
    st->nbuckets = t->nbuckets;
    st->nchunks = t->nchunks;
    st->chunks_used = t->used;
    st->chunk_size = AC_SHMHT_CHUNK;
    st->size = (apr_size_t)t->size;
}
