/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gss-ntlm-load: an HTTP/1.1 load client whose NTLM comes from GSSAPI.
 *
 * libcurl's NTLM is refused by mod_auth_gssapi + gss-ntlmssp (its short
 * NEGOTIATE does not decode there), so this client lets gss-ntlmssp itself
 * produce the NTLMSSP messages: gss_init_sec_context() with the NTLMSSP
 * mechanism (1.3.6.1.4.1.311.2.2.10), the user's credential taken from the
 * file that NTLM_USER_FILE names (lines DOMAIN:user:password; the first is
 * used). The messages are raw NTLMSSP, sent as "Authorization: NTLM <b64>"
 * (or "Negotiate <b64>" with --scheme Negotiate), so the same client can
 * load mod_authcache too: comparing two servers with one client keeps the
 * client's own cost out of the ratio.
 *
 * --mech krb5: Kerberos instead, as a browser with a ticket sends it: a
 * SPNEGO token (negotiating Kerberos only) from the ticket cache that
 * KRB5CCNAME names (kinit first), sent as "Authorization: Negotiate",
 * for the service HTTP@<host of the URL>. Its handshake has one leg: the
 * token, then 200 (the server's mutual-authentication reply is not
 * checked: no flags are asked for).
 *
 * It speaks HTTP/1.1 over plain non-blocking sockets on one epoll loop:
 * --connections slots, each running one logical request ("transfer") after
 * another until --seconds have passed. A transfer is, by --mode:
 *   none         GET without credentials, keep-alive
 *   cached       keep-alive; the first transfer on a connection does the
 *                NTLM handshake (NEGOTIATE -> 401 CHALLENGE -> AUTHENTICATE
 *                -> 200), later ones send no Authorization header and must
 *                get 200 (the server's connection-bound credential)
 *   handshake    a new connection per transfer: connect, full handshake,
 *                200, close
 *   rehandshake  keep-alive, but every transfer starts a new handshake
 *                with a NEGOTIATE on the same connection
 * Latency is per transfer, handshake legs and connect included.
 *
 * Output, one line on stdout:
 *   RESULT mode=... requests=N seconds=S rps=R p50_us=U p99_us=U errors=E
 *          mismatches=M conns=C handshakes=H client_cpu=F
 * errors: transfers that failed or ended in a status other than 200.
 * mismatches: transfers whose shape was not what the mode promises (say a
 * cached-mode request that was challenged again). Exit 1 when either is
 * non-zero or nothing completed, 2 on bad usage.
 *
 * --hold S: open the connections, do one transfer on each (authenticated
 * unless --mode none; --hold-transfers T: T transfers, the later ones from
 * the connection's credential in --mode cached), print "READY conns=N
 * errors=E" and keep them open
 * and idle for S seconds or until SIGTERM/SIGINT, then print "END conns=N":
 * for measuring server memory. N counts connections the server still holds
 * open (checked with MSG_PEEK). The connections are set up HOLD_BATCH at a
 * time: a burst of hundreds would leave httpd's event MPM without idle
 * workers, and it then closes keep-alive connections and stops accepting.
 *
 * Build: cc -O2 -o gss-ntlm-load gss-ntlm-load.c -lgssapi_krb5
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#define BENCH_NAME "gss-ntlm-load"
#include "common.h"

enum mode { M_NONE, M_CACHED, M_HANDSHAKE, M_REHANDSHAKE };
static const char *mode_names[] = { "none", "cached", "handshake",
                                    "rehandshake" };
#define N_MODES 4

/* where a connection stands in its current transfer */
enum phase { P_IDLE, P_CONNECTING, P_SEND, P_RECV };

/* how long one transfer may take before it counts as an error */
#define TRANSFER_TIMEOUT_US (30 * 1000000ULL)
/* --hold: transfers in flight at once while the connections are set up */
#define HOLD_BATCH 8
#define MAX_HEADERS 16384

struct conn {
    int fd;                 /* -1: no connection */
    enum phase phase;
    int active;             /* a transfer is running on this slot */
    int leg;                /* 0 plain request, 1 NEGOTIATE sent, 3 AUTHENTICATE sent */
    int authed;             /* the server holds a credential for this connection */
    int fresh;              /* connection opened for the current transfer */
    int challenged;         /* the current transfer got a 401 */
    gss_ctx_id_t ctx;
    char *out;
    size_t out_len, out_off, out_cap;
    char *in;
    size_t in_len, in_cap;
    uint64_t t0;            /* start of the transfer */
    int held;               /* --hold: transfers done on this slot */
};

/* ---- options and totals ---------------------------------------------- */
static struct bench_opts opt = {
    .mode_names = mode_names, .n_modes = N_MODES, .max_conns = 5000,
    .takes_hold = 1, .mode = M_CACHED, .nconns = 8, .seconds = 5,
};
static const char *scheme = "NTLM";
static int krb;             /* --mech krb5 */
static char host[256] = "127.0.0.1";
static int port = 80;
static char path[1024] = "/";
static struct sockaddr_in peer;

static gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
static gss_name_t target = GSS_C_NO_NAME;
static gss_OID_desc ntlmssp_oid = {
    10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
};
static gss_OID_desc krb5_oid = {
    9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
};
static gss_OID_desc spnego_oid = { 6, (void *)"\x2b\x06\x01\x05\x05\x02" };
/* what gss_init_sec_context is asked for: NTLMSSP, or SPNEGO (Kerberos) */
static gss_OID mech = &ntlmssp_oid;

static struct bench_totals tot;
static int epfd;
static struct conn *conns;
static int next_slot;       /* --hold: the next slot to set up */
static int hold_transfers = 1;  /* --hold-transfers: transfers a slot */

/* ---- base64 ---------------------------------------------------------- */
static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(char *dst, const unsigned char *src, size_t n)
{
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        dst[o++] = b64chars[src[i] >> 2];
        dst[o++] = b64chars[((src[i] & 3) << 4) | (src[i + 1] >> 4)];
        dst[o++] = b64chars[((src[i + 1] & 15) << 2) | (src[i + 2] >> 6)];
        dst[o++] = b64chars[src[i + 2] & 63];
    }
    if (i < n) {
        dst[o++] = b64chars[src[i] >> 2];
        if (i + 1 < n) {
            dst[o++] = b64chars[((src[i] & 3) << 4) | (src[i + 1] >> 4)];
            dst[o++] = b64chars[(src[i + 1] & 15) << 2];
        } else {
            dst[o++] = b64chars[(src[i] & 3) << 4];
            dst[o++] = '=';
        }
        dst[o++] = '=';
    }
    dst[o] = 0;
    return o;
}

/* decodes up to the first character outside the alphabet; -1 if too long */
static long b64_decode(unsigned char *dst, size_t cap, const char *src)
{
    unsigned v = 0;
    int bits = 0;
    size_t o = 0;
    const char *p;

    for (; *src && *src != '='; src++) {
        if (!(p = strchr(b64chars, *src)) || !*src)
            break;
        v = (v << 6) | (unsigned)(p - b64chars);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            dst[o++] = (unsigned char)(v >> bits);
        }
    }
    return (long)o;
}

/* ---- GSSAPI ---------------------------------------------------------- */
static void gss_die(const char *what, OM_uint32 maj, OM_uint32 min)
{
    OM_uint32 m, ctx = 0;
    gss_buffer_desc t;

    fprintf(stderr, "gss-ntlm-load: %s failed:", what);
    do {
        if (gss_display_status(&m, maj, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx,
                               &t) != GSS_S_COMPLETE)
            break;
        fprintf(stderr, " %.*s", (int)t.length, (char *)t.value);
        gss_release_buffer(&m, &t);
    } while (ctx);
    ctx = 0;
    do {
        if (gss_display_status(&m, min, GSS_C_MECH_CODE, mech, &ctx,
                               &t) != GSS_S_COMPLETE)
            break;
        fprintf(stderr, " (%.*s)", (int)t.length, (char *)t.value);
        gss_release_buffer(&m, &t);
    } while (ctx);
    fputc('\n', stderr);
    exit(1);
}

/* once per process: reading the file and hashing the password is the
 * client's business, not part of what the server is measured on */
static void acquire_cred(void)
{
    OM_uint32 maj, min;
    /* Kerberos: a SPNEGO credential, told to negotiate Kerberos alone */
    gss_OID_set_desc mechs = { 1, krb ? &spnego_oid : &ntlmssp_oid };
    gss_OID_set_desc krb5_only = { 1, &krb5_oid };
    gss_buffer_desc nb;
    char svc[300];

    if (!krb && !getenv("NTLM_USER_FILE")) {
        fprintf(stderr, "gss-ntlm-load: NTLM_USER_FILE is not set\n");
        exit(2);
    }
    maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                           GSS_C_INITIATE, &cred, NULL, NULL);
    if (GSS_ERROR(maj))
        gss_die(krb ? "gss_acquire_cred (KRB5CCNAME)"
                    : "gss_acquire_cred (NTLM_USER_FILE)", maj, min);
    /* as a browser with a ticket does */
    if (krb && GSS_ERROR(maj = gss_set_neg_mechs(&min, cred, &krb5_only)))
        gss_die("gss_set_neg_mechs", maj, min);
    /* the mechglue insists on a target; HTTP@host as a browser would use */
    snprintf(svc, sizeof(svc), "HTTP@%s", host);
    nb.value = svc;
    nb.length = strlen(svc);
    maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target);
    if (GSS_ERROR(maj))
        gss_die("gss_import_name", maj, min);
}

/*
 * One step of the handshake: in == NULL gives the NEGOTIATE, the server's
 * CHALLENGE gives the AUTHENTICATE. The token comes back base64 in *b64.
 */
static int gss_step(struct conn *c, const unsigned char *in, size_t in_len,
                    char **b64)
{
    OM_uint32 maj, min, m;
    gss_buffer_desc ib = { in_len, (void *)in }, ob = GSS_C_EMPTY_BUFFER;

    maj = gss_init_sec_context(&min, cred, &c->ctx, target,
                               mech, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
                               in ? &ib : GSS_C_NO_BUFFER, NULL, &ob, NULL,
                               NULL);
    if (GSS_ERROR(maj) || !ob.length) {
        bench_report("gss_init_sec_context failed (major 0x%lx)", (long)maj);
        gss_release_buffer(&m, &ob);
        return -1;
    }
    *b64 = bench_xrealloc(NULL, ob.length * 4 / 3 + 8);
    b64_encode(*b64, ob.value, ob.length);
    gss_release_buffer(&m, &ob);
    return 0;
}

static void drop_ctx(struct conn *c)
{
    OM_uint32 min;

    if (c->ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&min, &c->ctx, GSS_C_NO_BUFFER);
    c->ctx = GSS_C_NO_CONTEXT;
}

/* ---- connections ----------------------------------------------------- */
static void close_conn(struct conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->authed = 0;
    c->phase = P_IDLE;
    drop_ctx(c);
}

static int open_conn(struct conn *c)
{
    struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
    int one = 1;

    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        bench_report("socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (struct sockaddr *)&peer, sizeof(peer)) < 0
        && errno != EINPROGRESS) {
        bench_report("connect: %s", strerror(errno));
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
    c->phase = P_CONNECTING;
    c->fresh = 1;
    tot.conns++;
    return 0;
}

static void want(struct conn *c, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = c };

    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* queues one GET, with "Authorization: <scheme> token" when token is set */
static void queue_request(struct conn *c, const char *token)
{
    size_t need = strlen(path) + strlen(host) + (token ? strlen(token) : 0)
                  + 200;
    int n;

    if (need > c->out_cap)
        c->out = bench_xrealloc(c->out, c->out_cap = need);
    n = snprintf(c->out, c->out_cap,
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
                 "User-Agent: gss-ntlm-load\r\n%s%s%s%s%s\r\n",
                 path, host, port, token ? "Authorization: " : "",
                 token ? scheme : "", token ? " " : "", token ? token : "",
                 token ? "\r\n" : "");
    c->out_len = (size_t)n;
    c->out_off = 0;
    c->in_len = 0;
    if (c->phase != P_CONNECTING) {
        c->phase = P_SEND;
        want(c, EPOLLOUT);
    }
}

static int running(uint64_t end)
{
    return opt.hold == 0 && bench_now_us() < end;
}

static void start_transfer(struct conn *c);

/* the transfer on c is over: ok or not, then maybe the next one */
static void finish(struct conn *c, int ok, uint64_t end)
{
    if (ok) {
        bench_ok(&tot, bench_now_us() - c->t0);
    } else {
        tot.errors++;
        close_conn(c);
    }
    drop_ctx(c);
    if (opt.mode == M_HANDSHAKE && opt.hold == 0)
        close_conn(c);
    c->active = 0;
    if (c->fd >= 0) {
        c->phase = P_IDLE;
        want(c, 0);
    }
    if (running(end))
        start_transfer(c);
    else if (opt.hold > 0 && ok && ++c->held < hold_transfers)
        start_transfer(c);
    else if (opt.hold > 0 && next_slot < opt.nconns)
        start_transfer(&conns[next_slot++]);
}

static void start_transfer(struct conn *c)
{
    char *tok = NULL;

    c->active = 1;
    c->t0 = bench_now_us();
    c->challenged = 0;
    c->fresh = 0;
    c->leg = 0;
    if (c->fd < 0 && open_conn(c) < 0) {
        c->active = 0;
        tot.errors++;
        return;
    }
    if (opt.mode == M_HANDSHAKE || opt.mode == M_REHANDSHAKE
        || (opt.mode == M_CACHED && !c->authed)) {
        if (gss_step(c, NULL, 0, &tok) < 0) {
            c->active = 0;
            tot.errors++;
            close_conn(c);
            return;
        }
        c->leg = 1;
    }
    queue_request(c, tok);
    free(tok);
}

/* ---- responses ------------------------------------------------------- */
struct response {
    int status;
    int close;
    long content_length;    /* -1: none given */
    int chunked;
    const char *token;      /* start of "<scheme> <token>" value, or NULL */
    size_t header_len;
};

/* headers complete in c->in? 1 yes (r filled), 0 not yet, -1 malformed */
static int parse_headers(struct conn *c, struct response *r)
{
    char *end, *line, *next;
    size_t slen = strlen(scheme);

    c->in[c->in_len] = 0;
    if (!(end = strstr(c->in, "\r\n\r\n")))
        return c->in_len > MAX_HEADERS ? -1 : 0;
    memset(r, 0, sizeof(*r));
    r->content_length = -1;
    r->header_len = (size_t)(end - c->in) + 4;
    if (strncmp(c->in, "HTTP/1.", 7) || c->in_len < 12)
        return -1;
    r->status = atoi(c->in + 9);
    for (line = strstr(c->in, "\r\n") + 2; line < end; line = next + 2) {
        next = strstr(line, "\r\n");
        *next = 0;
        if (!strncasecmp(line, "Content-Length:", 15))
            r->content_length = strtol(line + 15, NULL, 10);
        else if (!strncasecmp(line, "Connection:", 11)
                 && strcasestr(line + 11, "close"))
            r->close = 1;
        else if (!strncasecmp(line, "Transfer-Encoding:", 18)
                 && strcasestr(line + 18, "chunked"))
            r->chunked = 1;
        else if (!strncasecmp(line, "WWW-Authenticate:", 17)) {
            const char *v = line + 17;

            while (*v == ' ')
                v++;
            if (!strncasecmp(v, scheme, slen) && v[slen] == ' ')
                r->token = v + slen + 1;
        }
    }
    return 1;
}

static void on_response(struct conn *c, struct response *r, uint64_t end)
{
    unsigned char msg[8192];
    char *tok = NULL;
    long n;

    if (r->status == 401 && c->leg == 1 && r->token) {
        /* the CHALLENGE: answer it on this same connection */
        c->challenged = 1;
        if (r->close) {
            bench_report("server closed the connection after its CHALLENGE");
            finish(c, 0, end);
            return;
        }
        if ((n = b64_decode(msg, sizeof(msg), r->token)) <= 0
            || gss_step(c, msg, (size_t)n, &tok) < 0) {
            bench_report("bad CHALLENGE from the server");
            finish(c, 0, end);
            return;
        }
        c->leg = 3;
        c->phase = P_SEND;
        queue_request(c, tok);
        free(tok);
        return;
    }
    if (r->status != 200) {
        bench_report("HTTP %d%s", r->status,
                     c->leg == 3 ? " after AUTHENTICATE"
                     : c->leg == 1 ? " after NEGOTIATE" : "");
        /* a cached-mode request on an authenticated connection that is
         * challenged again: the server dropped its credential */
        if (opt.mode == M_CACHED && c->leg == 0 && c->authed)
            tot.mismatches++;
        finish(c, 0, end);
        return;
    }
    /* Kerberos: the token's one leg was the whole handshake */
    if (krb && c->leg == 1) {
        c->leg = 3;
        c->challenged = 1;
    }
    if (c->leg == 3) {
        tot.handshakes++;
        c->authed = 1;
    }
    /* shape checks: what the mode promises about connections and 401s */
    if ((opt.mode == M_NONE && c->challenged)
        || (opt.mode == M_HANDSHAKE && (!c->fresh || !c->challenged))
        || (opt.mode == M_REHANDSHAKE && !c->challenged)
        || (opt.mode == M_CACHED && c->challenged && !c->fresh))
        tot.mismatches++;
    if (r->close)
        close_conn(c);
    finish(c, 1, end);
}

static void on_event(struct conn *c, uint32_t ev, uint64_t end)
{
    struct response r;
    ssize_t n;
    int err = 0, rc;
    socklen_t len = sizeof(err);

    if (c->phase == P_IDLE) {
        /* an idle keep-alive connection that died: reconnect next time
         * (its level-triggered HUP would otherwise spin the loop) */
        if (ev & (EPOLLHUP | EPOLLERR))
            close_conn(c);
        return;
    }
    if (c->phase == P_CONNECTING) {
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
            bench_report("connect: %s", strerror(err ? err : errno));
            finish(c, 0, end);
            return;
        }
        c->phase = P_SEND;
    }
    if (c->phase == P_SEND) {
        while (c->out_off < c->out_len) {
            n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                     MSG_NOSIGNAL);
            if (n < 0 && errno == EAGAIN) {
                want(c, EPOLLOUT);
                return;
            }
            if (n <= 0) {
                bench_report("send: %s", strerror(errno));
                finish(c, 0, end);
                return;
            }
            c->out_off += (size_t)n;
        }
        c->phase = P_RECV;
        want(c, EPOLLIN);
        return;
    }
    if (c->phase != P_RECV || !(ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        return;
    for (;;) {
        if (c->in_cap - c->in_len < 4097)
            c->in = bench_xrealloc(c->in, c->in_cap = c->in_cap * 2 + 8192);
        n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len - 1, 0);
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            bench_report("connection closed before a full response (%s)",
                         n < 0 ? strerror(errno) : "EOF");
            finish(c, 0, end);
            return;
        }
        c->in_len += (size_t)n;
    }
    rc = parse_headers(c, &r);
    if (rc == 0)
        return;
    if (rc < 0 || r.chunked || r.content_length < 0) {
        bench_report("unparsable response (chunked or no Content-Length)");
        finish(c, 0, end);
        return;
    }
    if (c->in_len < r.header_len + (size_t)r.content_length)
        return;     /* the rest of the body is still on its way */
    if (c->in_len > r.header_len + (size_t)r.content_length) {
        bench_report("extra bytes after a response");
        finish(c, 0, end);
        return;
    }
    on_response(c, &r, end);
}

/* ---- main ------------------------------------------------------------ */
/* --hold: the connections the server has not closed */
static int alive_conns(void)
{
    int i, n = 0;

    for (i = 0; i < opt.nconns; i++)
        n += bench_fd_open(conns[i].fd);
    return n;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: gss-ntlm-load --url http://127.0.0.1:PORT/PATH\n"
            "         [--mode none|cached|handshake|rehandshake]\n"
            "         [--connections N] [--seconds S] [--hold S]\n"
            "         [--hold-transfers T]\n"
            "         [--scheme NTLM|Negotiate] [--mech ntlmssp|krb5]\n"
            "credentials: the first DOMAIN:user:password line of the file "
            "that NTLM_USER_FILE names; krb5: KRB5CCNAME's ticket\n");
    exit(2);
}

static void parse_url(const char *url)
{
    const char *p = url, *slash, *colon;

    if (strncmp(p, "http://", 7))
        usage();
    p += 7;
    slash = strchr(p, '/');
    colon = memchr(p, ':', slash ? (size_t)(slash - p) : strlen(p));
    if (!colon || (size_t)(colon - p) >= sizeof(host))
        usage();
    memcpy(host, p, (size_t)(colon - p));
    host[colon - p] = 0;
    port = atoi(colon + 1);
    snprintf(path, sizeof(path), "%s", slash ? slash : "/");
    memset(&peer, 0, sizeof(peer));
    peer.sin_family = AF_INET;
    peer.sin_port = htons((uint16_t)port);
    /* numeric only: the benches run on loopback and must not resolve names */
    if (inet_pton(AF_INET, host, &peer.sin_addr) != 1 || port <= 0) {
        fprintf(stderr, "gss-ntlm-load: the URL needs a numeric IPv4 host "
                        "and a port\n");
        exit(2);
    }
}

/* the option of this client alone; bench_args takes the rest */
static int own_option(const char *a, const char *v)
{
    if (!strcmp(a, "--hold-transfers") && atoi(v) >= 1)
        hold_transfers = atoi(v);
    else if (!strcmp(a, "--scheme"))
        scheme = v;
    else if (!strcmp(a, "--mech") && !strcmp(v, "krb5")) {
        krb = 1;
        mech = &spnego_oid;
        scheme = "Negotiate";
    }
    else if (strcmp(a, "--mech") || strcmp(v, "ntlmssp"))
        return 0;
    return 1;
}

int main(int argc, char **argv)
{
    struct epoll_event evs[256];
    uint64_t start, end, hard_end, t;
    int i, n, active;

    bench_args(&opt, argc, argv, own_option, usage);
    parse_url(opt.url);
    if (opt.mode != M_NONE)
        acquire_cred();
    signal(SIGPIPE, SIG_IGN);
    bench_catch_stop();

    epfd = epoll_create1(EPOLL_CLOEXEC);
    conns = calloc((size_t)opt.nconns, sizeof(*conns));
    start = bench_now_us();
    end = start + (uint64_t)(opt.seconds * 1e6);
    /* every loop stops by itself: transfers get TRANSFER_TIMEOUT_US at most */
    hard_end = (opt.hold ? start : end) + TRANSFER_TIMEOUT_US + 5000000ULL;
    for (i = 0; i < opt.nconns; i++) {
        conns[i].fd = -1;
        conns[i].ctx = GSS_C_NO_CONTEXT;
    }
    next_slot = opt.hold > 0 && opt.nconns > HOLD_BATCH ? HOLD_BATCH
                                                            : opt.nconns;
    for (i = 0; i < next_slot; i++)
        start_transfer(&conns[i]);
    for (;;) {
        n = epoll_wait(epfd, evs, 256, 100);
        for (i = 0; i < n; i++)
            on_event(evs[i].data.ptr, evs[i].events, end);
        t = bench_now_us();
        for (i = 0, active = 0; i < opt.nconns; i++) {
            if (!conns[i].active)
                continue;
            if (t - conns[i].t0 > TRANSFER_TIMEOUT_US || t > hard_end) {
                bench_report("transfer timed out");
                finish(&conns[i], 0, 0);
                continue;
            }
            active++;
        }
        if (!active)
            break;
    }
    bench_stop_clock(&tot, start);

    if (opt.hold > 0)
        return !bench_hold(&opt, tot.errors, alive_conns)
               || tot.errors;
    return bench_result(mode_names[opt.mode], &tot, BENCH_MISMATCHES);
}
