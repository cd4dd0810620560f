/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scale-fill: sends exactly one Basic-authenticated GET for each of the
 * users u<FROM> .. u<FROM+COUNT-1> (password p<N>, as the "bench" authn
 * provider of mod_authn_bench.c wants), over --connections keep-alive
 * HTTP/1.1 connections, and stops. bench/harness/scale.py uses it to fill
 * mod_authcache's store with a known number of entries; wrk cannot stop
 * after a given number of requests.
 *
 * Every response must be 200; anything else counts as an error (the first
 * few are printed). A response with "Connection: close", or a connection
 * the server closed between requests, makes that slot reconnect; the user
 * whose request found a closed connection is sent again (so each user gets
 * exactly one 200).
 *
 * usage: scale-fill --port P [--host 127.0.0.1] [--path /scale/small.txt]
 *                   --from A --count N [--connections C] [--timeout S]
 * Output, one line on stdout:
 *   RESULT requests=N errors=E seconds=S rps=R
 * Exit 0 when all N got 200 within --timeout seconds (default 600), 1
 * otherwise, 2 on bad usage.
 *
 * Build: cc -O2 -pthread -o scale-fill scale-fill.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *host = "127.0.0.1", *path = "/scale/small.txt";
static int port;
static unsigned long long first_user, count;
static int conns = 8;
static double timeout_s = 600;

static atomic_ullong next_index;     /* next user to hand out, 0-based */
static atomic_ullong done_ok;        /* 200s received */
static atomic_ullong errors;
static atomic_int reported;
static double t_start;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char b64c[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64(const unsigned char *in, size_t n, char *out)
{
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
        out[o++] = b64c[v >> 18];
        out[o++] = b64c[(v >> 12) & 63];
        out[o++] = b64c[(v >> 6) & 63];
        out[o++] = b64c[v & 63];
    }
    if (i < n) {
        unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0);
        out[o++] = b64c[v >> 18];
        out[o++] = b64c[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64c[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static void report_error(const char *fmt, unsigned long long user,
                         const char *detail)
{
    atomic_fetch_add(&errors, 1);
    if (atomic_fetch_add(&reported, 1) < 5) {
        fprintf(stderr, "scale-fill: u%llu: ", user);
        fprintf(stderr, fmt, detail);
        fputc('\n', stderr);
    }
}

static int open_conn(void)
{
    struct sockaddr_in sa;
    struct timeval tv = { 30, 0 };
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1
        || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return fd;
}

/* One request/response on fd. Returns the HTTP status, 0 when the
 * connection turned out closed before any byte of a response (retry on a
 * new one), -1 on other failures. *close_after: the server will close. */
static int exchange(int fd, const char *req, size_t reqlen, int *close_after)
{
    char buf[16384];
    size_t have = 0, off = 0;
    ssize_t n;
    char *hend, *p;
    long clen = -1;
    int status;

    *close_after = 0;
    while (off < reqlen) {
        n = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
        if (n <= 0)
            return off ? -1 : 0;
        off += n;
    }
    for (;;) {
        if (have == sizeof(buf) - 1)
            return -1;
        n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
        if (n <= 0)
            return have ? -1 : 0;
        have += n;
        buf[have] = '\0';
        if ((hend = strstr(buf, "\r\n\r\n")))
            break;
    }
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    *hend = '\0';
    for (p = strstr(buf, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        if (!strncasecmp(p + 2, "Content-Length:", 15))
            clen = strtol(p + 17, NULL, 10);
        else if (!strncasecmp(p + 2, "Connection:", 11)
                 && strcasestr(p + 13, "close"))
            *close_after = 1;
    }
    if (clen < 0)   /* bodies here are small files and error pages */
        return -1;
    /* skip the body */
    {
        size_t body_have = have - (hend + 4 - buf);
        while ((long)body_have < clen) {
            n = recv(fd, buf, sizeof(buf), 0);
            if (n <= 0)
                return -1;
            body_have += n;
        }
        if ((long)body_have != clen)
            return -1;      /* nothing is pipelined: no extra bytes */
    }
    return status;
}

static void *worker(void *arg)
{
    char req[1024], cred[128], enc[200];
    int fd = -1, close_after, status = -1, tries;
    unsigned long long i, user;
    size_t reqlen;

    (void)arg;
    while ((i = atomic_fetch_add(&next_index, 1)) < count) {
        user = first_user + i;
        snprintf(cred, sizeof(cred), "u%llu:p%llu", user, user);
        b64((unsigned char *)cred, strlen(cred), enc);
        reqlen = snprintf(req, sizeof(req),
                          "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
                          "Authorization: Basic %s\r\n\r\n",
                          path, host, port, enc);
        for (tries = 0; tries < 3; tries++) {
            if (now_s() - t_start > timeout_s)
                goto out;
            if (fd < 0 && (fd = open_conn()) < 0) {
                report_error("%s", user, "cannot connect");
                goto out;
            }
            status = exchange(fd, req, reqlen, &close_after);
            if (status == 0 || status < 0 || close_after) {
                close(fd);
                fd = -1;
            }
            if (status != 0)
                break;      /* 0: the server had closed it; send again */
        }
        if (status == 200)
            atomic_fetch_add(&done_ok, 1);
        else {
            char st[32];
            snprintf(st, sizeof(st), "%d", status);
            report_error("HTTP status %s (wanted 200)", user,
                         status > 0 ? st : "none (connection failed)");
        }
    }
out:
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: scale-fill --port P [--host H] [--path P] "
            "--from A --count N [--connections C] [--timeout S]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    pthread_t th[256];
    double secs;
    int i, have_count = 0;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!v)
            usage();
        if (!strcmp(a, "--port"))
            port = atoi(v);
        else if (!strcmp(a, "--host"))
            host = v;
        else if (!strcmp(a, "--path"))
            path = v;
        else if (!strcmp(a, "--from"))
            first_user = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--count"))
            count = strtoull(v, NULL, 10), have_count = 1;
        else if (!strcmp(a, "--connections"))
            conns = atoi(v);
        else if (!strcmp(a, "--timeout"))
            timeout_s = atof(v);
        else
            usage();
        i++;
    }
    if (port <= 0 || port > 65535 || !have_count || conns < 1 || conns > 256
        || timeout_s <= 0)
        usage();
    t_start = now_s();
    for (i = 0; i < conns; i++)
        if (pthread_create(&th[i], NULL, worker, NULL)) {
            perror("scale-fill: pthread_create");
            return 1;
        }
    for (i = 0; i < conns; i++)
        pthread_join(th[i], NULL);
    secs = now_s() - t_start;
    printf("RESULT requests=%llu errors=%llu seconds=%.3f rps=%.1f\n",
           (unsigned long long)done_ok, (unsigned long long)errors, secs,
           secs > 0 ? done_ok / secs : 0.0);
    if (done_ok != count) {
        if (!errors)
            fprintf(stderr, "scale-fill: stopped after %.0f s (--timeout) "
                    "with %llu of %llu done\n", secs,
                    (unsigned long long)done_ok, count);
        return 1;
    }
    return 0;
}
