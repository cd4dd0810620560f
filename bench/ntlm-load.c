/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ntlm-load: an NTLM load client on libcurl, an NTLM implementation
 * independent of mod_authcache's own code.
 *
 * --connections threads each own one easy handle and run one logical
 * request ("transfer") after another with curl_easy_perform until
 * --seconds have passed. One thread per handle, not the multi interface:
 * curl keeps NTLM state per connection, and a multi handle's shared pool
 * lets another handle pick up a connection between the legs of a
 * handshake (its 401 CHALLENGE then lands in one transfer and the 200 in
 * another). An easy handle used with curl_easy_perform has a private
 * connection cache, so each thread keeps exactly its own connection.
 * A transfer is, by --mode:
 *   none         GET without credentials (the baseline), keep-alive
 *   cached       CURLAUTH_NTLM, keep-alive: curl does the handshake once on
 *                each new connection (NEGOTIATE -> 401 CHALLENGE ->
 *                AUTHENTICATE -> 200) and later GETs on it go out without an
 *                Authorization header; the server must answer them 200 from
 *                the credential it bound to the connection
 *   handshake    CURLAUTH_NTLM with CURLOPT_FRESH_CONNECT + FORBID_REUSE:
 *                a new connection and a full handshake per transfer
 *   rehandshake  CURLAUTH_NTLM, keep-alive, against a server that wants a
 *                new handshake for every request (DisableNTLMCredentialCaching):
 *                curl's header-less GET gets a bare 401 NTLM, and curl
 *                restarts the handshake on the same connection
 * Latency is per transfer, all its round trips (and the connect) included.
 *
 * Each transfer's shape is checked with CURLINFO_NUM_CONNECTS (0: the
 * connection was reused) and the 401s seen in its headers: in cached mode a
 * reused connection must not be challenged, in handshake mode every
 * transfer opens a connection and is challenged, and so on. A transfer of
 * the wrong shape counts as a mismatch.
 *
 * Output, one line on stdout:
 *   RESULT mode=... requests=N seconds=S rps=R p50_us=U p99_us=U errors=E
 *          mismatches=M conns=C handshakes=H client_cpu=F
 * errors: transfers that failed or ended in a status other than 200.
 * Exit 1 when errors or mismatches are non-zero or nothing completed,
 * 2 on bad usage.
 *
 * --hold S: do one transfer on each connection, print "READY conns=N
 * errors=E", keep the connections open and idle for S seconds or until
 * SIGTERM/SIGINT, then print "END conns=N". N counts connections the server
 * still holds open (checked with MSG_PEEK). Only HOLD_BATCH transfers run
 * at once while they are set up: a burst of hundreds would leave httpd's
 * event MPM without idle workers, and it then closes keep-alive connections.
 *
 * Build: cc -O2 -pthread -o ntlm-load ntlm-load.c -lcurl
 */
#include <semaphore.h>

#include <curl/curl.h>

#define BENCH_NAME "ntlm-load"
#include "common.h"

enum mode { M_NONE, M_CACHED, M_HANDSHAKE, M_REHANDSHAKE };
static const char *mode_names[] = { "none", "cached", "handshake",
                                    "rehandshake" };
#define N_MODES 4

/* how long one transfer may take before it counts as an error */
#define TRANSFER_TIMEOUT_S 30L
/* --hold: transfers in flight at once while the connections are set up */
#define HOLD_BATCH 8

/* one thread, one easy handle, one connection; its own totals, summed at
 * the end so that the threads share nothing while they run */
struct slot {
    pthread_t thread;
    CURL *h;
    int n401;               /* 401 status lines seen in this transfer */
    struct bench_totals t;
};

static struct bench_opts opt = {
    .mode_names = mode_names, .n_modes = N_MODES, .max_conns = 2000,
    .takes_hold = 1, .mode = M_CACHED, .nconns = 8, .seconds = 5,
};
static const char *userpwd = "EXAMPLE\\benchuser:Bench!pass1";
static uint64_t end_us;
static sem_t hold_sem;
static struct slot *slots;

static size_t discard(char *p, size_t size, size_t n, void *u)
{
    (void)p;
    (void)u;
    return size * n;
}

/* counts the 401s of a transfer: each handshake leg shows up as one */
static size_t on_header(char *p, size_t size, size_t n, void *u)
{
    struct slot *s = u;
    size_t len = size * n;

    if (len > 12 && !memcmp(p, "HTTP/", 5)) {
        const char *sp = memchr(p, ' ', len);

        if (sp && sp + 4 <= p + len && !memcmp(sp + 1, "401", 3))
            s->n401++;
    }
    return len;
}

static void setup(struct slot *s)
{
    CURL *h = s->h = curl_easy_init();

    if (!h) {
        fprintf(stderr, "ntlm-load: curl_easy_init failed\n");
        exit(1);
    }
    curl_easy_setopt(h, CURLOPT_URL, opt.url);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, TRANSFER_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ntlm-load");
    /* one connection per handle, kept however long the run */
    curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L);
    curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, 3600L);
    if (opt.mode != M_NONE) {
        /* NTLM alone: curl then sends its NEGOTIATE at once instead of
         * first probing with a request that is bound to fail */
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_NTLM);
        curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
    }
    if (opt.mode == M_HANDSHAKE) {
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    }
}

/* a finished transfer: status, shape, latency */
static void done(struct slot *s, CURLcode rc)
{
    long code = 0, connects = 0;
    curl_off_t total = 0;
    int shape_ok;

    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(s->h, CURLINFO_NUM_CONNECTS, &connects);
    curl_easy_getinfo(s->h, CURLINFO_TOTAL_TIME_T, &total);
    s->t.conns += (uint64_t)connects;
    if (rc != CURLE_OK || code != 200) {
        if (rc != CURLE_OK)
            bench_report("%s", curl_easy_strerror(rc));
        else
            bench_report("HTTP %ld (%d 401s in the transfer)", code, s->n401);
        s->t.errors++;
        return;
    }
    if (s->n401)
        s->t.handshakes++;
    switch (opt.mode) {
    case M_NONE:
        shape_ok = s->n401 == 0;
        break;
    case M_CACHED:
        /* a handshake only where the connection is new */
        shape_ok = connects ? s->n401 == 1 : s->n401 == 0;
        break;
    case M_HANDSHAKE:
        shape_ok = connects == 1 && s->n401 >= 1;
        break;
    default:    /* rehandshake: challenged every time, on a kept connection */
        shape_ok = s->n401 >= 1 && s->t.conns == 1;
        break;
    }
    if (!shape_ok) {
        bench_report("unexpected transfer in %s mode: %ld new connection(s), "
                     "%d 401(s)", mode_names[opt.mode], connects, s->n401);
        s->t.mismatches++;
    }
    bench_ok(&s->t, (uint64_t)total);
}

/* bounded: a new transfer starts only before end_us, and each has
 * TRANSFER_TIMEOUT_S at most */
static void *run(void *arg)
{
    struct slot *s = arg;

    if (opt.hold > 0) {
        sem_wait(&hold_sem);
        s->n401 = 0;
        done(s, curl_easy_perform(s->h));
        sem_post(&hold_sem);
        return NULL;
    }
    do {
        s->n401 = 0;
        done(s, curl_easy_perform(s->h));
    } while (opt.hold == 0 && bench_now_us() < end_us);
    /* the handle stays: in --hold mode its cache holds the connection */
    return NULL;
}

/* --hold: the connections the server has not closed */
static int alive_conns(void)
{
    curl_socket_t fd;
    int i, n = 0;

    for (i = 0; i < opt.nconns; i++)
        if (curl_easy_getinfo(slots[i].h, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK
            && fd != CURL_SOCKET_BAD && bench_fd_open(fd))
            n++;
    return n;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: ntlm-load --url URL [--mode none|cached|handshake|rehandshake]\n"
            "         [--connections N] [--seconds S] [--hold S]\n"
            "         [--user 'DOMAIN\\user:password']\n");
    exit(2);
}

/* the option of this client alone; bench_args takes the rest */
static int own_option(const char *a, const char *v)
{
    if (strcmp(a, "--user"))
        return 0;
    userpwd = v;
    return 1;
}

int main(int argc, char **argv)
{
    struct bench_totals tot = { 0 };
    uint64_t start;
    int i;

    bench_args(&opt, argc, argv, own_option, usage);
    bench_catch_stop();

    curl_global_init(CURL_GLOBAL_DEFAULT);
    sem_init(&hold_sem, 0, HOLD_BATCH);
    slots = calloc((size_t)opt.nconns, sizeof(*slots));
    for (i = 0; i < opt.nconns; i++)
        setup(&slots[i]);
    start = bench_now_us();
    end_us = start + (uint64_t)(opt.seconds * 1e6);
    for (i = 0; i < opt.nconns; i++)
        bench_thread_start(&slots[i].thread, run, &slots[i], i);
    for (i = 0; i < opt.nconns; i++) {
        pthread_join(slots[i].thread, NULL);
        bench_add(&tot, &slots[i].t);
    }
    bench_stop_clock(&tot, start);

    /* each handle's cache keeps its connection open and idle */
    if (opt.hold > 0)
        return !bench_hold(&opt, tot.errors, alive_conns)
               || tot.errors || tot.mismatches;

    /* the handles are left to the exit: cleaning up hundreds of them would
     * only add time after the measurement */
    return bench_result(mode_names[opt.mode], &tot, BENCH_MISMATCHES);
}
