/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.h: the plumbing the load clients in bench/ share (ntlm-load,
 * gss-ntlm-load, digest-load): the clock, error lines, totals and
 * latencies, the options all of them take, the RESULT line, worker
 * threads and --hold.
 *
 * Header-only, so that each client still builds with one cc command.
 * Define BENCH_NAME (the client's name, the prefix of its messages) before
 * including it. The functions are static inline: a client that uses only
 * some of them gets no warnings and no link dependencies for the rest (so
 * gss-ntlm-load, one thread, needs no -pthread).
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#ifndef BENCH_NAME
#error "define BENCH_NAME before including common.h"
#endif

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- clock, errors, memory ------------------------------------------- */

static inline uint64_t bench_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* user and system CPU this process has used so far, in seconds */
static inline double bench_cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
           + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static pthread_mutex_t bench_report_lock = PTHREAD_MUTEX_INITIALIZER;
static int bench_n_reported;

/* the first few problems, on stderr: enough to see what went wrong */
static inline void bench_report(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&bench_report_lock);
    if (bench_n_reported++ < 5) {
        fprintf(stderr, BENCH_NAME ": ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    pthread_mutex_unlock(&bench_report_lock);
}

static inline void *bench_xrealloc(void *p, size_t n)
{
    if (!(p = realloc(p, n))) {
        perror(BENCH_NAME ": realloc");
        exit(1);
    }
    return p;
}

/* ---- totals and latencies -------------------------------------------- */

/*
 * What a client counts: one set per thread, summed at the end, so that
 * the threads share nothing while they run. Each client uses the fields
 * its RESULT line carries and leaves the others at 0.
 */
struct bench_totals {
    uint64_t ok, errors, mismatches, conns, handshakes, accepted, refused;
    uint32_t *lat;          /* microseconds per successful transfer */
    size_t lat_len, lat_cap;
    double seconds, cpu;    /* set by bench_stop_clock */
};

/* a successful transfer that took us microseconds */
static inline void bench_ok(struct bench_totals *t, uint64_t us)
{
    if (t->lat_len == t->lat_cap) {
        t->lat_cap = t->lat_cap ? t->lat_cap * 2 : 16384;
        t->lat = bench_xrealloc(t->lat, t->lat_cap * sizeof(*t->lat));
    }
    t->lat[t->lat_len++] = (uint32_t)us;
    t->ok++;
}

/* adds one thread's totals (counts and latencies) to all */
static inline void bench_add(struct bench_totals *all,
                             const struct bench_totals *t)
{
    all->ok += t->ok;
    all->errors += t->errors;
    all->mismatches += t->mismatches;
    all->conns += t->conns;
    all->handshakes += t->handshakes;
    all->accepted += t->accepted;
    all->refused += t->refused;
    if (!t->lat_len)
        return;
    if (all->lat_len + t->lat_len > all->lat_cap) {
        all->lat_cap = all->lat_len + t->lat_len;
        all->lat = bench_xrealloc(all->lat, all->lat_cap * sizeof(*all->lat));
    }
    memcpy(all->lat + all->lat_len, t->lat, t->lat_len * sizeof(*t->lat));
    all->lat_len += t->lat_len;
}

/* the run is over: wall-clock seconds since start, and the CPU used */
static inline void bench_stop_clock(struct bench_totals *t, uint64_t start)
{
    t->seconds = (double)(bench_now_us() - start) / 1e6;
    t->cpu = bench_cpu_seconds();
}

static inline int bench_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* the optional fields of the RESULT line */
#define BENCH_MISMATCHES 1      /* mismatches=, after errors= */
#define BENCH_REPLAYS    2      /* accepted= refused=, after handshakes= */

/*
 * The line bench/harness/core.py parses:
 *   RESULT mode=M requests=N seconds=S rps=R p50_us=U p99_us=U errors=E
 *          [mismatches=M] conns=C handshakes=H [accepted=A refused=F]
 *          client_cpu=F
 * Returns the exit status: 1 when there were errors or mismatches or
 * nothing completed.
 */
static inline int bench_result(const char *mode, struct bench_totals *t,
                               int fields)
{
    size_t n = t->lat_len;

    if (n)
        qsort(t->lat, n, sizeof(*t->lat), bench_cmp_u32);
    printf("RESULT mode=%s requests=%llu seconds=%.3f rps=%.1f p50_us=%u "
           "p99_us=%u errors=%llu",
           mode, (unsigned long long)t->ok, t->seconds,
           (double)t->ok / t->seconds, n ? t->lat[n / 2] : 0,
           n ? t->lat[(n * 99 + 99) / 100 - 1] : 0,
           (unsigned long long)t->errors);
    if (fields & BENCH_MISMATCHES)
        printf(" mismatches=%llu", (unsigned long long)t->mismatches);
    printf(" conns=%llu handshakes=%llu", (unsigned long long)t->conns,
           (unsigned long long)t->handshakes);
    if (fields & BENCH_REPLAYS)
        printf(" accepted=%llu refused=%llu", (unsigned long long)t->accepted,
               (unsigned long long)t->refused);
    printf(" client_cpu=%.2f\n", t->cpu / t->seconds);
    return t->errors || t->mismatches || !t->ok;
}

/* ---- options --------------------------------------------------------- */

/* the options every client takes; the client fills in its modes and the
 * defaults */
struct bench_opts {
    const char *const *mode_names;
    int n_modes;
    int max_conns;          /* --connections from 1 to this */
    int takes_hold;         /* the client has --hold */
    const char *url;        /* --url, required */
    int mode;               /* --mode, an index into mode_names */
    int nconns;             /* --connections */
    double seconds;         /* --seconds, above 0 and up to 600 */
    double hold;            /* --hold, 0 (none) up to 600 */
};

/*
 * argv as "--name value" pairs. --url, --mode, --connections, --seconds
 * and (where o->takes_hold) --hold land in o; any other pair goes to the
 * client's own(), which returns 0 for a name it does not know. A name
 * without a value, an unknown name, a --mode not in o->mode_names, a
 * missing --url or a number out of range: usage(), which does not return.
 */
static inline void bench_args(struct bench_opts *o, int argc, char **argv,
                              int (*own)(const char *a, const char *v),
                              void (*usage)(void))
{
    int i, n;

    for (i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!v)
            usage();
        if (!strcmp(a, "--url"))
            o->url = v;
        else if (!strcmp(a, "--mode")) {
            for (n = 0; n < o->n_modes && strcmp(v, o->mode_names[n]); n++)
                ;
            if (n == o->n_modes)
                usage();
            o->mode = n;
        }
        else if (!strcmp(a, "--connections"))
            o->nconns = atoi(v);
        else if (!strcmp(a, "--seconds"))
            o->seconds = atof(v);
        else if (o->takes_hold && !strcmp(a, "--hold"))
            o->hold = atof(v);
        else if (!own(a, v))
            usage();
    }
    if (!o->url || o->nconns < 1 || o->nconns > o->max_conns
        || o->seconds <= 0 || o->seconds > 600 || o->hold < 0
        || o->hold > 600)
        usage();
}

/* ---- threads --------------------------------------------------------- */

/* one worker thread on a small stack: a run may have hundreds of them,
 * each keeping what it needs in its slot rather than on the stack */
static inline void bench_thread_start(pthread_t *thread,
                                      void *(*fn)(void *), void *arg, int i)
{
    pthread_attr_t attr;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    if (pthread_create(thread, &attr, fn, arg)) {
        fprintf(stderr, BENCH_NAME ": cannot start thread %d\n", i);
        exit(1);
    }
    pthread_attr_destroy(&attr);
}

/* ---- --hold ---------------------------------------------------------- */

/* set by SIGTERM or SIGINT: ends the idle wait of bench_hold early */
static volatile sig_atomic_t bench_stop_hold;

static inline void bench_on_stop(int sig)
{
    (void)sig;
    bench_stop_hold = 1;
}

static inline void bench_catch_stop(void)
{
    signal(SIGTERM, bench_on_stop);
    signal(SIGINT, bench_on_stop);
}

/* the server still holds fd open: nothing to read yet (EAGAIN), no EOF */
static inline int bench_fd_open(int fd)
{
    char b;

    return fd >= 0 && recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0
           && errno == EAGAIN;
}

/*
 * --hold, once every connection has had its transfer: print "READY
 * conns=N errors=E", keep the connections idle for o->hold seconds or
 * until SIGTERM/SIGINT, then print "END conns=N". alive() counts the
 * connections the server still holds open. 1 when all o->nconns of them
 * were open at both counts.
 */
static inline int bench_hold(const struct bench_opts *o, uint64_t errors,
                             int (*alive)(void))
{
    uint64_t until;
    int ready, end;

    /* a moment for any close by the server to arrive before counting */
    usleep(200000);
    ready = alive();
    printf("READY conns=%d errors=%llu\n", ready, (unsigned long long)errors);
    fflush(stdout);
    until = bench_now_us() + (uint64_t)(o->hold * 1e6);
    while (!bench_stop_hold && bench_now_us() < until)
        usleep(100000);
    /* still all there while memory was being measured? */
    end = alive();
    printf("END conns=%d\n", end);
    return ready == o->nconns && end == o->nconns;
}

#endif /* BENCH_COMMON_H */
