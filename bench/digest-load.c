/* SPDX-License-Identifier: Apache-2.0 */
/*
 * digest-load: an HTTP Digest (RFC 7616) load client on plain sockets,
 * with its own Digest arithmetic (OpenSSL EVP: MD5, SHA-256), independent
 * of mod_authcache's code, so that mod_authcache and mod_auth_digest are
 * loaded by one and the same client.
 *
 * --connections threads each own one HTTP/1.1 connection and run one
 * logical request ("transfer") after another until --seconds have passed
 * or, with --count N (none, cached and contexts mode), N transfers have started.
 * A transfer is, by --mode:
 *   none         GET without credentials, keep-alive (the baseline)
 *   cached       keep-alive; the first transfer on a connection is the
 *                handshake: GET -> 401 with the challenges -> pick the one
 *                of --alg -> GET with the response for nc=00000001 -> 200.
 *                Later transfers reuse that nonce and opaque with nc=2, 3,
 *                ... (a fresh count each time: a reused one is a replay)
 *                and must get 200 straight away. The cnonce is fresh per
 *                connection.
 *   contexts     a new connection per transfer: GET -> 401 -> GET nc=1 ->
 *                200 with "Connection: close" (the server closes first, so
 *                thousands of these leave no client ports in TIME_WAIT).
 *                Each makes one new security context (a fresh opaque) on
 *                the server; --save FILE writes what each nc=1 request
 *                carried, one line per context in the order they completed.
 *   probe        for each saved context of --file (--range A:B of its lines)
 *                one keep-alive GET with nc=00000002 and a deliberately
 *                wrong response: every one must be refused with 401. Nothing
 *                is stored on the server by a refused request, so this shows
 *                (through the server's counters) which contexts are still
 *                in its store without changing the store.
 *   replay       for each saved context of --file (--range) the nc=1
 *                request sent again byte for byte: a replay. Reports how
 *                many were accepted (200) and refused (401).
 *   replaycheck  one connection: handshake and nc=1 (200), nc=1 again (must
 *                be 401), nc=2 (200), nc=2 again (401), nc=3 (200): proves
 *                that the server really checks nonce counts.
 * --users N: each handshake logs on as the next of NAME0 .. NAME<N-1>
 * (NAME from --user), round-robin, all with --password, so that many
 * contexts are many users' (the server bounds the contexts per user);
 * without it every handshake is --user's.
 * Latency is per transfer, the 401 leg (and in contexts mode the connect)
 * included.
 *
 * Any status other than the expected one counts as an error: a 401 on a
 * transfer after its connection's handshake, a 200 to a probe. A response
 * with "Connection: close" only makes the next transfer reconnect: the
 * nonce and opaque are not bound to the connection, and the count goes on.
 *
 * Output, one line on stdout:
 *   RESULT mode=... requests=N seconds=S rps=R p50_us=U p99_us=U errors=E
 *          conns=C handshakes=H accepted=A refused=F client_cpu=F
 * (replaycheck: RESULT mode=replaycheck statuses=200,401,... ok=0|1).
 * Exit 1 when errors is non-zero or nothing completed (replaycheck: when
 * the statuses differ from the expected ones), 2 on bad usage.
 *
 * Build: cc -O2 -pthread -o digest-load digest-load.c -lcrypto
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#define BENCH_NAME "digest-load"
#include "common.h"

enum mode { M_NONE, M_CACHED, M_CONTEXTS, M_PROBE, M_REPLAY, M_REPLAYCHECK };
static const char *mode_names[] = { "none", "cached", "contexts", "probe",
                                    "replay", "replaycheck" };
#define N_MODES 6

/* how long one read or write may block before the transfer is an error */
#define IO_TIMEOUT_S 30
#define BUF_MAX 65536
#define MAX_CHALLENGES 8
#define HEX_MAX 129

/* a response's head, kept until the next response on the connection */
struct response {
    int status;
    int close;                          /* Connection: close */
    int nchal;
    char *chal[MAX_CHALLENGES];         /* WWW-Authenticate values */
    char head[BUF_MAX];
};

/* one connection and its read buffer */
struct conn {
    int fd;
    size_t len;                         /* bytes buffered from buf */
    char buf[BUF_MAX];
};

/* what a Digest exchange needs: the challenge taken and the counts */
struct digest {
    char realm[256], nonce[256], opaque[256], alg[32];
    char ha1[HEX_MAX], ha2[HEX_MAX], cnonce[33], user[128];
    const EVP_MD *md;
    uint32_t nc;
    int valid;
};

/* a saved context: what its nc=1 request carried */
struct saved {
    char opaque[256], nonce[256], cnonce[33], response[HEX_MAX], alg[32];
    char realm[256], user[128];
};

struct slot {
    pthread_t thread;
    int index;
    struct conn c;
    struct response r;
    struct digest d;
    struct bench_totals t;
};

static struct bench_opts opt = {
    .mode_names = mode_names, .n_modes = N_MODES, .max_conns = 2000,
    .mode = M_CACHED, .nconns = 8, .seconds = 5,
};
static long max_count = 0;              /* --count: stop after this many */
static long n_users = 0;                /* --users: NAME0 .. NAME<N-1> */
static long user_seq;                   /* the next handshake's user */
static const char *user = "benchuser", *password = "Bench!pass1";
static const char *want_alg = "MD5", *save_file, *in_file;
static long range_from = 0, range_to = -1;
static char host_hdr[300], path[1024];
static struct sockaddr_in server;
static uint64_t end_us;
static const EVP_MD *md_md5, *md_sha256;

static long started, completed;         /* --count, atomically */
static struct saved *saved;             /* contexts: by completion order */
static struct saved *input;             /* probe, replay: the file's lines */
static long n_input;

/* ---- Digest arithmetic (RFC 7616 3.4.1, qop=auth) -------------------- */

static void hex_hash(const EVP_MD *md, const char *s, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0, i;

    if (!EVP_Digest(s, n, d, &dl, md, NULL)) {
        fprintf(stderr, "digest-load: EVP_Digest failed\n");
        exit(1);
    }
    for (i = 0; i < dl; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * dl] = '\0';
}

/* KD(H(A1), nonce:nc:cnonce:auth:H(A2)) */
static void digest_response(const struct digest *d, uint32_t nc, char *out)
{
    char buf[1024];
    int n = snprintf(buf, sizeof(buf), "%s:%s:%08x:%s:auth:%s", d->ha1,
                     d->nonce, nc, d->cnonce, d->ha2);

    hex_hash(d->md, buf, (size_t)n, out);
}

/* copies the value of key from a challenge's parameter list into out */
static int chal_param(const char *p, const char *key, char *out, size_t max)
{
    size_t klen = strlen(key);

    while (*p) {
        const char *k;
        size_t n = 0;

        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        k = p;
        while (*p && *p != '=' && *p != ',' && *p != ' ')
            p++;
        int match = (size_t)(p - k) == klen && !strncasecmp(k, key, klen);
        while (*p == ' ')
            p++;
        if (*p != '=') {
            continue;
        }
        p++;
        while (*p == ' ')
            p++;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                if (match && n + 1 < max)
                    out[n++] = *p;
                p++;
            }
            if (*p == '"')
                p++;
        }
        else {
            while (*p && *p != ',' && *p != ' ') {
                if (match && n + 1 < max)
                    out[n++] = *p;
                p++;
            }
        }
        if (match) {
            out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

/* takes the challenge for --alg from a 401 and readies d for nc=1 */
static int digest_take(struct digest *d, const struct response *r)
{
    char qop[128], buf[1024];
    unsigned char rnd[8];      /* 16 hex digits, as Chromium and Firefox */
    int i, n;

    for (i = 0; i < r->nchal; i++) {
        const char *v = r->chal[i];

        if (strncasecmp(v, "Digest ", 7))
            continue;
        v += 7;
        if (!chal_param(v, "algorithm", d->alg, sizeof(d->alg)))
            strcpy(d->alg, "MD5");      /* absent means MD5 */
        if (strcasecmp(d->alg, want_alg))
            continue;
        if (!chal_param(v, "realm", d->realm, sizeof(d->realm))
            || !chal_param(v, "nonce", d->nonce, sizeof(d->nonce))
            || !chal_param(v, "qop", qop, sizeof(qop)))
            continue;
        if (!chal_param(v, "opaque", d->opaque, sizeof(d->opaque)))
            d->opaque[0] = '\0';
        /* "auth" among the offered qop values */
        for (char *t = strtok(qop, ", "); t; t = strtok(NULL, ", "))
            if (!strcmp(t, "auth"))
                goto found;
    }
    return 0;

found:
    d->md = strcasecmp(d->alg, "SHA-256") ? md_md5 : md_sha256;
    /* --users: each handshake the next user, round-robin */
    if (n_users)
        snprintf(d->user, sizeof(d->user), "%s%ld", user,
                 __atomic_fetch_add(&user_seq, 1, __ATOMIC_SEQ_CST) % n_users);
    else
        snprintf(d->user, sizeof(d->user), "%s", user);
    n = snprintf(buf, sizeof(buf), "%s:%s:%s", d->user, d->realm, password);
    hex_hash(d->md, buf, (size_t)n, d->ha1);
    n = snprintf(buf, sizeof(buf), "GET:%s", path);
    hex_hash(d->md, buf, (size_t)n, d->ha2);
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        fprintf(stderr, "digest-load: RAND_bytes failed\n");
        exit(1);
    }
    for (i = 0; i < (int)sizeof(rnd); i++)
        sprintf(d->cnonce + 2 * i, "%02x", rnd[i]);
    d->nc = 0;
    d->valid = 1;
    return 1;
}

static int auth_header(char *out, size_t max, const struct digest *d,
                       uint32_t nc, const char *response)
{
    return snprintf(out, max,
                    "Authorization: Digest username=\"%s\", realm=\"%s\", "
                    "nonce=\"%s\", uri=\"%s\", algorithm=%s, "
                    "response=\"%s\"%s%s%s, qop=auth, nc=%08x, cnonce=\"%s\"\r\n",
                    d->user, d->realm, d->nonce, path, d->alg, response,
                    d->opaque[0] ? ", opaque=\"" : "", d->opaque,
                    d->opaque[0] ? "\"" : "", nc, d->cnonce);
}

/* ---- HTTP/1.1 on one socket ----------------------------------------- */

static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->len = 0;
}

static int conn_open(struct slot *s)
{
    struct conn *c = &s->c;
    struct timeval tv = { IO_TIMEOUT_S, 0 };
    int one = 1;

    conn_close(c);
    if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(c->fd, (struct sockaddr *)&server, sizeof(server))) {
        bench_report("connect: %s", strerror(errno));
        conn_close(c);
        return -1;
    }
    s->t.conns++;
    return 0;
}

static int send_all(struct conn *c, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* more bytes into the buffer; 0 on EOF, -1 on error */
static ssize_t fill(struct conn *c)
{
    ssize_t n;

    if (c->len == sizeof(c->buf))
        return -1;
    do
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        c->len += (size_t)n;
    return n;
}

static void consume(struct conn *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

/* reads and discards a body of n bytes */
static int skip_body(struct conn *c, size_t n)
{
    while (n) {
        size_t take;

        if (!c->len && fill(c) <= 0)
            return -1;
        take = c->len < n ? c->len : n;
        consume(c, take);
        n -= take;
    }
    return 0;
}

/* the offset past the next CRLF in the buffer, filling as needed */
static long line_end(struct conn *c)
{
    for (;;) {
        char *e = memmem(c->buf, c->len, "\r\n", 2);

        if (e)
            return e - c->buf + 2;
        if (fill(c) <= 0)
            return -1;
    }
}

static int skip_chunked(struct conn *c)
{
    for (;;) {
        long e = line_end(c);
        unsigned long size;

        if (e < 0)
            return -1;
        size = strtoul(c->buf, NULL, 16);
        consume(c, (size_t)e);
        if (!size)
            break;
        if (skip_body(c, size + 2))
            return -1;
    }
    for (;;) {                          /* trailers up to the empty line */
        long e = line_end(c);

        if (e < 0)
            return -1;
        consume(c, (size_t)e);
        if (e == 2)
            return 0;
    }
}

/* one response: its head into r, its body read and dropped */
static int read_response(struct conn *c, struct response *r)
{
    char *end, *p, *line, *next;
    size_t hlen;
    long clen = -1;
    int chunked = 0;

    while (!(end = memmem(c->buf, c->len, "\r\n\r\n", 4)))
        if (fill(c) <= 0)
            return -1;
    hlen = (size_t)(end - c->buf) + 4;
    if (hlen >= sizeof(r->head))
        return -1;
    memcpy(r->head, c->buf, hlen);
    r->head[hlen] = '\0';
    consume(c, hlen);
    r->nchal = 0;
    r->close = 0;
    if (strncmp(r->head, "HTTP/1.", 7) || !(p = strchr(r->head, ' ')))
        return -1;
    r->status = atoi(p + 1);
    for (line = strstr(r->head, "\r\n") + 2; *line; line = next) {
        char *colon, *v;

        next = strstr(line, "\r\n");
        if (!next || next == line)
            break;
        *next = '\0';
        next += 2;
        if (!(colon = strchr(line, ':')))
            continue;
        *colon = '\0';
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
            ;
        if (!strcasecmp(line, "WWW-Authenticate")) {
            if (r->nchal < MAX_CHALLENGES)
                r->chal[r->nchal++] = v;
        }
        else if (!strcasecmp(line, "Content-Length"))
            clen = atol(v);
        else if (!strcasecmp(line, "Transfer-Encoding"))
            chunked = strcasestr(v, "chunked") != NULL;
        else if (!strcasecmp(line, "Connection"))
            r->close = strcasestr(v, "close") != NULL;
    }
    if (r->status == 204 || r->status == 304 || (r->status >= 100 && r->status < 200))
        return 0;
    if (chunked)
        return skip_chunked(c);
    if (clen >= 0)
        return skip_body(c, (size_t)clen);
    /* no length: the body runs to the close */
    while (fill(c) > 0)
        c->len = 0;
    r->close = 1;
    return 0;
}

/* one request and its response; -1 when the connection failed */
static int exchange(struct slot *s, const char *auth, int close_after)
{
    char req[8192];
    int n;

    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: digest-load\r\n"
                 "%s%s\r\n", path, host_hdr, auth ? auth : "",
                 close_after ? "Connection: close\r\n" : "");
    if (n <= 0 || (size_t)n >= sizeof(req))
        return -1;
    if (s->c.fd < 0 && conn_open(s))
        return -1;
    errno = 0;
    if (send_all(&s->c, req, (size_t)n) || read_response(&s->c, &s->r)) {
        bench_report("connection failed: %s",
                     errno ? strerror(errno) : "closed");
        conn_close(&s->c);
        return -1;
    }
    if (s->r.close)
        conn_close(&s->c);
    return 0;
}

/* ---- transfers ------------------------------------------------------- */

/* a successful transfer that started at t0 */
static void record(struct slot *s, uint64_t t0)
{
    bench_ok(&s->t, bench_now_us() - t0);
}

static int fail(struct slot *s, const char *what)
{
    if (s->r.status)
        bench_report("%s: HTTP %d", what, s->r.status);
    else
        bench_report("%s failed", what);
    s->t.errors++;
    return -1;
}

/* GET -> 401 -> take the challenge; d then stands at nc 0 */
static int handshake(struct slot *s)
{
    s->r.status = 0;
    s->d.valid = 0;
    if (exchange(s, NULL, 0))
        return fail(s, "challenge request");
    if (s->r.status != 401)
        return fail(s, "challenge request (wanted 401)");
    if (!digest_take(&s->d, &s->r)) {
        bench_report("no usable Digest %s challenge with qop=auth in the 401",
                     want_alg);
        s->t.errors++;
        return -1;
    }
    s->t.handshakes++;
    return 0;
}

/* a request for the next count on d: status in s->r.status */
static int next_count(struct slot *s, int close_after, char *response)
{
    char hdr[4096], resp[HEX_MAX];

    s->d.nc++;
    digest_response(&s->d, s->d.nc, resp);
    if (response)
        strcpy(response, resp);
    if (auth_header(hdr, sizeof(hdr), &s->d, s->d.nc, resp) >= (int)sizeof(hdr))
        return -1;
    s->r.status = 0;
    return exchange(s, hdr, close_after);
}

static void transfer_none(struct slot *s)
{
    uint64_t t0 = bench_now_us();

    s->r.status = 0;
    if (exchange(s, NULL, 0) || s->r.status != 200) {
        fail(s, "GET");
        return;
    }
    record(s, t0);
}

static void transfer_cached(struct slot *s)
{
    uint64_t t0 = bench_now_us();

    if (!s->d.valid && handshake(s))
        return;
    if (next_count(s, 0, NULL) || s->r.status != 200) {
        fail(s, s->d.nc == 1 ? "first authenticated request"
                             : "request on the cached context");
        /* start over with a new handshake */
        s->d.valid = 0;
        return;
    }
    record(s, t0);
}

static void transfer_context(struct slot *s)
{
    uint64_t t0 = bench_now_us();
    char resp[HEX_MAX];
    long seq;

    conn_close(&s->c);
    if (conn_open(s)) {
        s->t.errors++;
        return;
    }
    if (handshake(s))
        return;
    if (next_count(s, 1, resp) || s->r.status != 200) {
        fail(s, "context logon");
        return;
    }
    conn_close(&s->c);
    seq = __atomic_fetch_add(&completed, 1, __ATOMIC_SEQ_CST);
    if (saved && seq < max_count) {
        struct saved *v = &saved[seq];

        strcpy(v->opaque, s->d.opaque);
        strcpy(v->nonce, s->d.nonce);
        strcpy(v->cnonce, s->d.cnonce);
        strcpy(v->response, resp);
        strcpy(v->alg, s->d.alg);
        strcpy(v->realm, s->d.realm);
        strcpy(v->user, s->d.user);
    }
    record(s, t0);
}

/* probe (wrong response, nc 2) or replay (the saved nc=1 request) */
static void transfer_saved(struct slot *s, const struct saved *v)
{
    uint64_t t0 = bench_now_us();
    char hdr[4096], resp[HEX_MAX];
    struct digest d;

    memset(&d, 0, sizeof(d));
    strcpy(d.realm, v->realm);
    strcpy(d.nonce, v->nonce);
    strcpy(d.opaque, v->opaque);
    strcpy(d.alg, v->alg);
    strcpy(d.cnonce, v->cnonce);
    strcpy(d.user, v->user);
    if (opt.mode == M_PROBE) {
        /* a well-formed answer that cannot be right: the saved one for nc 1
         * sent as nc 2, with its first digit changed besides */
        strcpy(resp, v->response);
        resp[0] = resp[0] == '0' ? '1' : '0';
        auth_header(hdr, sizeof(hdr), &d, 2, resp);
    }
    else
        auth_header(hdr, sizeof(hdr), &d, 1, v->response);
    s->r.status = 0;
    if (exchange(s, hdr, 0)) {
        fail(s, mode_names[opt.mode]);
        return;
    }
    if (s->r.status == 401)
        s->t.refused++;
    else if (s->r.status == 200 && opt.mode == M_REPLAY)
        s->t.accepted++;
    else {
        fail(s, opt.mode == M_PROBE ? "probe (wanted 401)" : "replay");
        return;
    }
    record(s, t0);
}

static void *run(void *arg)
{
    struct slot *s = arg;
    long i;

    s->c.fd = -1;
    if (opt.mode == M_PROBE || opt.mode == M_REPLAY) {
        for (i = range_from + s->index; i < range_to; i += opt.nconns)
            transfer_saved(s, &input[i]);
        return NULL;
    }
    do {
        if (max_count
            && __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST) >= max_count)
            return NULL;
        switch (opt.mode) {
        case M_NONE:
            transfer_none(s);
            break;
        case M_CACHED:
            transfer_cached(s);
            break;
        default:    /* contexts */
            transfer_context(s);
            break;
        }
        /* a run of failures must not spin: the bench fails on them anyway */
        if (s->t.errors > 100)
            break;
    } while (bench_now_us() < end_us);
    return NULL;
}

/* handshake, then nc 1, 1, 2, 2, 3: 200 401 200 401 200 */
static int replaycheck(void)
{
    static struct slot s;
    static const int want[5] = { 200, 401, 200, 401, 200 };
    int got[5], i, ok = 1;

    s.c.fd = -1;
    if (handshake(&s))
        return 1;
    for (i = 0; i < 5; i++) {
        if (i == 1 || i == 3)
            s.d.nc--;                   /* the same count once more */
        if (next_count(&s, 0, NULL))
            return 1;
        got[i] = s.r.status;
        ok &= got[i] == want[i];
    }
    printf("RESULT mode=replaycheck statuses=%d,%d,%d,%d,%d ok=%d\n", got[0],
           got[1], got[2], got[3], got[4], ok);
    return !ok;
}

/* --file: lines "opaque nonce cnonce response alg realm user"
 * (tab-separated) */
static void load_input(void)
{
    FILE *f = fopen(in_file, "r");
    char line[2048];
    long cap = 0;

    if (!f) {
        perror(in_file);
        exit(2);
    }
    while (fgets(line, sizeof(line), f)) {
        char *field[7], *p = line;
        int n = 0;

        line[strcspn(line, "\n")] = '\0';
        while (n < 7 && (field[n] = strsep(&p, "\t")))
            n++;
        if (n != 7)
            continue;
        if (n_input == cap) {
            cap = cap ? cap * 2 : 4096;
            input = bench_xrealloc(input, (size_t)cap * sizeof(*input));
        }
        struct saved *v = &input[n_input++];
        snprintf(v->opaque, sizeof(v->opaque), "%s", field[0]);
        snprintf(v->nonce, sizeof(v->nonce), "%s", field[1]);
        snprintf(v->cnonce, sizeof(v->cnonce), "%s", field[2]);
        snprintf(v->response, sizeof(v->response), "%s", field[3]);
        snprintf(v->alg, sizeof(v->alg), "%s", field[4]);
        snprintf(v->realm, sizeof(v->realm), "%s", field[5]);
        snprintf(v->user, sizeof(v->user), "%s", field[6]);
    }
    fclose(f);
    if (range_to < 0 || range_to > n_input)
        range_to = n_input;
    if (range_from < 0)
        range_from = 0;
    if (range_from > range_to)
        range_from = range_to;
}

static void save_output(long n)
{
    FILE *f = fopen(save_file, "w");
    long i;

    if (!f) {
        perror(save_file);
        exit(1);
    }
    for (i = 0; i < n; i++)
        fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", saved[i].opaque,
                saved[i].nonce, saved[i].cnonce, saved[i].response,
                saved[i].alg, saved[i].realm, saved[i].user);
    if (fclose(f)) {
        perror(save_file);
        exit(1);
    }
}

/* http://127.0.0.1:PORT/path only: the bench speaks to loopback */
static int parse_url(void)
{
    unsigned port = 80;
    const char *h, *p;
    char host[256];
    size_t hl;

    if (strncmp(opt.url, "http://", 7))
        return -1;
    h = opt.url + 7;
    p = strchr(h, '/');
    if (!p)
        return -1;
    hl = (size_t)(p - h);
    if (hl == 0 || hl >= sizeof(host) || strlen(p) >= sizeof(path))
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(host_hdr, sizeof(host_hdr), "%s", host);
    strcpy(path, p);
    if (strchr(host, ':')) {
        port = (unsigned)atoi(strchr(host, ':') + 1);
        *strchr(host, ':') = '\0';
    }
    memset(&server, 0, sizeof(server));
    server.sin_family = AF_INET;
    server.sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &server.sin_addr) == 1 ? 0 : -1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: digest-load --url http://127.0.0.1:PORT/PATH\n"
            "         [--mode none|cached|contexts|probe|replay|replaycheck]\n"
            "         [--connections N] [--seconds S] [--count N] [--save FILE]\n"
            "         [--file FILE] [--range A:B] [--alg MD5|SHA-256]\n"
            "         [--user NAME] [--users N] [--password PW]\n");
    exit(2);
}

/* the options of this client alone; bench_args takes the rest */
static int own_option(const char *a, const char *v)
{
    if (!strcmp(a, "--count"))
        max_count = atol(v);
    else if (!strcmp(a, "--save"))
        save_file = v;
    else if (!strcmp(a, "--file"))
        in_file = v;
    else if (!strcmp(a, "--range")) {
        if (sscanf(v, "%ld:%ld", &range_from, &range_to) != 2)
            usage();
    }
    else if (!strcmp(a, "--alg"))
        want_alg = v;
    else if (!strcmp(a, "--user"))
        user = v;
    else if (!strcmp(a, "--users")) {
        if ((n_users = atol(v)) <= 0)
            usage();
    }
    else if (!strcmp(a, "--password"))
        password = v;
    else
        return 0;
    return 1;
}

int main(int argc, char **argv)
{
    struct slot *slots;
    struct bench_totals tot = { 0 };
    uint64_t start;
    int i;

    bench_args(&opt, argc, argv, own_option, usage);
    if (parse_url() || max_count < 0
        || (strcasecmp(want_alg, "MD5") && strcasecmp(want_alg, "SHA-256"))
        || ((opt.mode == M_PROBE || opt.mode == M_REPLAY) && !in_file)
        || (save_file && (opt.mode != M_CONTEXTS || !max_count)))
        usage();
    md_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    md_sha256 = EVP_MD_fetch(NULL, "SHA-256", NULL);
    if (!md_md5 || !md_sha256) {
        fprintf(stderr, "digest-load: OpenSSL has no MD5 or SHA-256\n");
        return 1;
    }
    if (opt.mode == M_REPLAYCHECK)
        return replaycheck();
    if (in_file)
        load_input();
    if (save_file && !(saved = calloc((size_t)max_count, sizeof(*saved)))) {
        perror("digest-load: calloc");
        return 1;
    }

    slots = calloc((size_t)opt.nconns, sizeof(*slots));
    if (!slots) {
        perror("digest-load: calloc");
        return 1;
    }
    start = bench_now_us();
    end_us = start + (uint64_t)(opt.seconds * 1e6);
    for (i = 0; i < opt.nconns; i++) {
        slots[i].index = i;
        bench_thread_start(&slots[i].thread, run, &slots[i], i);
    }
    for (i = 0; i < opt.nconns; i++) {
        pthread_join(slots[i].thread, NULL);
        bench_add(&tot, &slots[i].t);
    }
    bench_stop_clock(&tot, start);

    if (save_file)
        save_output(completed < max_count ? completed : max_count);
    return bench_result(mode_names[opt.mode], &tot, BENCH_REPLAYS);
}
