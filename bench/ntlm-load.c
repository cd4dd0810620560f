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
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
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

#include <curl/curl.h>

enum mode { M_NONE, M_CACHED, M_HANDSHAKE, M_REHANDSHAKE };
static const char *mode_names[] = { "none", "cached", "handshake",
                                    "rehandshake" };

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
    uint64_t ok, errors, mismatch, conns, handshakes;
    uint32_t *lat;          /* microseconds per successful transfer */
    size_t lat_len, lat_cap;
};

static enum mode mode = M_CACHED;
static int nconns = 8;
static double run_seconds = 5, hold_seconds = 0;
static const char *url, *userpwd = "EXAMPLE\\benchuser:Bench!pass1";
static uint64_t end_us;
static volatile sig_atomic_t stop_hold;
static sem_t hold_sem;

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int n_reported;

static uint64_t now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* the first few problems, on stderr: enough to see what went wrong */
static void report(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&report_lock);
    if (n_reported++ < 5) {
        fprintf(stderr, "ntlm-load: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    pthread_mutex_unlock(&report_lock);
}

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
    curl_easy_setopt(h, CURLOPT_URL, url);
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
    if (mode != M_NONE) {
        /* NTLM alone: curl then sends its NEGOTIATE at once instead of
         * first probing with a request that is bound to fail */
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_NTLM);
        curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
    }
    if (mode == M_HANDSHAKE) {
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
    s->conns += (uint64_t)connects;
    if (rc != CURLE_OK || code != 200) {
        if (rc != CURLE_OK)
            report("%s", curl_easy_strerror(rc));
        else
            report("HTTP %ld (%d 401s in the transfer)", code, s->n401);
        s->errors++;
        return;
    }
    if (s->n401)
        s->handshakes++;
    switch (mode) {
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
        shape_ok = s->n401 >= 1 && s->conns == 1;
        break;
    }
    if (!shape_ok) {
        report("unexpected transfer in %s mode: %ld new connection(s), "
               "%d 401(s)", mode_names[mode], connects, s->n401);
        s->mismatch++;
    }
    if (s->lat_len == s->lat_cap) {
        s->lat_cap = s->lat_cap ? s->lat_cap * 2 : 16384;
        if (!(s->lat = realloc(s->lat, s->lat_cap * sizeof(*s->lat)))) {
            perror("ntlm-load: realloc");
            exit(1);
        }
    }
    s->lat[s->lat_len++] = (uint32_t)total;
    s->ok++;
}

/* bounded: a new transfer starts only before end_us, and each has
 * TRANSFER_TIMEOUT_S at most */
static void *run(void *arg)
{
    struct slot *s = arg;

    if (hold_seconds > 0) {
        sem_wait(&hold_sem);
        s->n401 = 0;
        done(s, curl_easy_perform(s->h));
        sem_post(&hold_sem);
        return NULL;
    }
    do {
        s->n401 = 0;
        done(s, curl_easy_perform(s->h));
    } while (hold_seconds == 0 && now_us() < end_us);
    /* the handle stays: in --hold mode its cache holds the connection */
    return NULL;
}

/* connections the server has not closed: nothing to read yet (EAGAIN) */
static int alive_conns(struct slot *slots)
{
    curl_socket_t fd;
    char b;
    int i, n = 0;

    for (i = 0; i < nconns; i++)
        if (curl_easy_getinfo(slots[i].h, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK
            && fd != CURL_SOCKET_BAD
            && recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN)
            n++;
    return n;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

static void on_signal(int sig)
{
    (void)sig;
    stop_hold = 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: ntlm-load --url URL [--mode none|cached|handshake|rehandshake]\n"
            "         [--connections N] [--seconds S] [--hold S]\n"
            "         [--user 'DOMAIN\\user:password']\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct slot *slots;
    struct rusage ru;
    uint64_t start, ok = 0, errors = 0, mismatch = 0, conns = 0, hs = 0;
    uint32_t *lat;
    size_t nlat = 0;
    double elapsed, cpu;
    int i, n;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!v)
            usage();
        if (!strcmp(a, "--url"))
            url = v;
        else if (!strcmp(a, "--mode")) {
            for (n = 0; n < 4 && strcmp(v, mode_names[n]); n++)
                ;
            if (n == 4)
                usage();
            mode = (enum mode)n;
        }
        else if (!strcmp(a, "--connections"))
            nconns = atoi(v);
        else if (!strcmp(a, "--seconds"))
            run_seconds = atof(v);
        else if (!strcmp(a, "--hold"))
            hold_seconds = atof(v);
        else if (!strcmp(a, "--user"))
            userpwd = v;
        else
            usage();
        i++;
    }
    if (!url || nconns < 1 || nconns > 2000 || run_seconds <= 0
        || run_seconds > 600 || hold_seconds < 0 || hold_seconds > 600)
        usage();
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    sem_init(&hold_sem, 0, HOLD_BATCH);
    slots = calloc((size_t)nconns, sizeof(*slots));
    for (i = 0; i < nconns; i++)
        setup(&slots[i]);
    start = now_us();
    end_us = start + (uint64_t)(run_seconds * 1e6);
    for (i = 0; i < nconns; i++) {
        /* small stacks: --hold runs hundreds of threads */
        pthread_attr_t attr;

        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        if (pthread_create(&slots[i].thread, &attr, run, &slots[i])) {
            fprintf(stderr, "ntlm-load: cannot start thread %d\n", i);
            exit(1);
        }
        pthread_attr_destroy(&attr);
    }
    for (i = 0; i < nconns; i++) {
        pthread_join(slots[i].thread, NULL);
        ok += slots[i].ok;
        errors += slots[i].errors;
        mismatch += slots[i].mismatch;
        conns += slots[i].conns;
        hs += slots[i].handshakes;
        nlat += slots[i].lat_len;
    }
    elapsed = (double)(now_us() - start) / 1e6;
    getrusage(RUSAGE_SELF, &ru);
    cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
          + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;

    if (hold_seconds > 0) {
        /* each handle's cache keeps its connection open and idle; a moment
         * for any close by the server to arrive before counting them */
        usleep(200000);
        n = alive_conns(slots);
        printf("READY conns=%d errors=%llu\n", n, (unsigned long long)errors);
        fflush(stdout);
        start = now_us() + (uint64_t)(hold_seconds * 1e6);
        while (!stop_hold && now_us() < start)
            usleep(100000);
        i = alive_conns(slots);
        printf("END conns=%d\n", i);
        return errors || mismatch || n != nconns || i != nconns;
    }

    if (!(lat = malloc((nlat ? nlat : 1) * sizeof(*lat)))) {
        perror("ntlm-load: malloc");
        return 1;
    }
    for (i = 0, nlat = 0; i < nconns; i++) {
        memcpy(lat + nlat, slots[i].lat, slots[i].lat_len * sizeof(*lat));
        nlat += slots[i].lat_len;
    }
    qsort(lat, nlat, sizeof(*lat), cmp_u32);
    printf("RESULT mode=%s requests=%llu seconds=%.3f rps=%.1f p50_us=%u "
           "p99_us=%u errors=%llu mismatches=%llu conns=%llu handshakes=%llu "
           "client_cpu=%.2f\n",
           mode_names[mode], (unsigned long long)ok, elapsed,
           (double)ok / elapsed, nlat ? lat[nlat / 2] : 0,
           nlat ? lat[(nlat * 99 + 99) / 100 - 1] : 0,
           (unsigned long long)errors, (unsigned long long)mismatch,
           (unsigned long long)conns, (unsigned long long)hs, cpu / elapsed);
    /* the handles are left to the exit: cleaning up hundreds of them would
     * only add time after the measurement */
    return errors || mismatch || !ok;
}
