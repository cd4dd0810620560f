# SPDX-License-Identifier: Apache-2.0
"""What every bench shares: httpd from apxs, a throw-away httpd per bench
from httpd.conf.in, the load clients of bench/ (built here, pinned to
their own CPU), httpd's CPU and memory from /proc, and the figures of each
round with their medians and ratios."""
import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import string
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HZ = os.sysconf("SC_CLK_TCK")
USER, PASSWORD = "benchuser", "Bench!pass1"
# the authcache provider's rows on the status page (authcache_shmht.c)
STORE_ROWS = dict(shm="shared memory (bytes)", entries="current entries", used="chunks used",
                  free="chunks free", chunk="bytes per chunk", buckets="hash buckets",
                  stores="stores (replacements included)", hits="retrieves: hit",
                  misses="retrieves: miss", evicted="evicted (oldest-written, to make room)")


class BenchError(Exception):
    """a bench that cannot give its figures"""


def say(*parts):
    print(*parts, flush=True)


def run(cmd, timeout=120, env=None, check=True, cwd=None, input_bytes=None):
    """cmd's CompletedProcess (text, unless input_bytes are given); a
    failure or a timeout is a BenchError"""
    try:
        r = subprocess.run(cmd, capture_output=True, text=input_bytes is None, timeout=timeout, cwd=cwd,
                           input=input_bytes, env=dict(os.environ, **(env or {})))
    except subprocess.TimeoutExpired:
        raise BenchError("%s did not finish in %d s" % (cmd[0], timeout))
    except OSError as e:   # not there, not executable
        raise BenchError("%s: %s" % (cmd[0], e))
    if check and r.returncode:
        raise BenchError("%s failed (exit %d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout[-2000:],
                                                         r.stderr[-2000:]))
    return r


def fmt_bytes(v):
    return "%d bytes" % v if v < 1024 else "%.0f KiB" % (v / 1024) if v < 1 << 20 else "%.0f MiB" % (v / (1 << 20))


def fmt_us(v):
    return "%.0fus" % v if v < 1000 else "%.2fms" % (v / 1e3) if v < 1e6 else "%.2fs" % (v / 1e6)


def proc(name):
    """a file of /proc (or an absolute path), "" once it is gone"""
    try:
        with open(name if name.startswith("/") else "/proc/" + name) as f:
            return f.read()
    except OSError:
        return ""


def loadavg():
    return " ".join(proc("loadavg").split()[:3])


def location(name, *directives):
    """an authenticated <Location /name/> of a bench's httpd"""
    return "\n  ".join(("<Location /%s/>" % name,) + directives + ("Require valid-user",)) + "\n</Location>\n"


def result_line(out, cmd=("client",)):
    """a load client's RESULT line as a dict; any error or mismatch makes the
    figures meaningless (they would measure the refusal): a BenchError"""
    m = re.search(r"^RESULT (.*)$", out, re.M)
    if not m:
        raise BenchError("%s printed no RESULT line:\n%s" % (cmd[-1], out))
    r = {k: float(v) if re.fullmatch(r"[0-9.]+", v) else v for k, v in (kv.split("=", 1) for kv in m.group(1).split())}
    if r.get("errors", 0) or r.get("mismatches", 0):
        raise BenchError("%s: %s" % (" ".join(cmd), m.group(0)))
    return r


def build_at(rev, into):
    """mod_authcache.so built from git REV in a copy of that tree (git
    archive), configured as this tree is: the module of --before"""
    src = os.path.join(into, "src")
    os.makedirs(src)
    archive = subprocess.run(["git", "-C", ROOT, "archive", rev], capture_output=True)
    if archive.returncode:
        raise BenchError("git archive %s: %s" % (rev, archive.stderr.decode(errors="replace")))
    run(["tar", "-x", "-C", src], input_bytes=archive.stdout)
    conf = run(["./config.status", "--config"], cwd=ROOT).stdout.strip() if os.path.exists(
        os.path.join(ROOT, "config.status")) else ""
    run(["bash", "-c", "autoconf && eval ./configure -q %s && make -s" % conf], 600, cwd=src)
    return os.path.join(src, "mod_authcache/.libs/mod_authcache.so")


class Harness:
    """The run's options, where httpd and its modules are, the load clients,
    and the pinning: httpd on CPU 0 and the clients on CPU 1, so that on a
    small machine the two do not trade places on one core. builds: the
    mod_authcache.so of each build measured, "after" (this tree) and with
    --before REV "before" (REV's): each bench runs its mod_authcache
    scenarios with every build, interleaved per round, on an httpd each."""

    def __init__(self, args):
        self.args = args
        mk = dict(re.findall(r"^(APXS|HTTPD)\s*=\s*(\S+)", proc(os.path.join(ROOT, "Makefile")), re.M))
        self.apxs = mk.get("APXS", "apxs")
        q = lambda v: run([self.apxs, "-q", v]).stdout.strip()
        self.httpd = mk.get("HTTPD") or os.path.join(q("SBINDIR"), q("PROGNAME"))
        self.moddir, self.so = q("LIBEXECDIR"), os.path.join(ROOT, "mod_authcache/.libs/mod_authcache.so")
        self.version = run([self.httpd, "-v"]).stdout.split("\n")[0].split(": ", 1)[-1]
        pin = (os.cpu_count() or 1) >= 2 and shutil.which("taskset")
        self.pin_httpd, self.pin_client = (["taskset", "-c", "0"], ["taskset", "-c", "1"]) if pin else ([], [])
        self.bin = tempfile.mkdtemp(prefix="authcache-bench-bin-")
        self.builds = dict(after=self.so)
        if getattr(args, "before", None):
            say("building mod_authcache at %s ..." % args.before)
            self.builds = dict(before=build_at(args.before, tempfile.mkdtemp(dir=self.bin)), after=self.so)

    def tagged(self, sid):
        """(scenario id, build) for each build: "sid@before", then "sid";
        ids without a tag are this tree's"""
        return [(sid + ("" if b == "after" else "@" + b), b) for b in self.builds]

    def turns(self, sid, rnd):
        """tagged(sid) in round rnd, its order turned round every other
        round: of builds run one after the other, neither always goes first"""
        t = self.tagged(sid)
        return t[::-1] if rnd % 2 else t

    def sizes(self, seconds, rounds):
        """seconds per run and rounds: --smoke, else the options, else the bench's own"""
        a = self.args
        return (1, 1) if a.smoke else (a.seconds or seconds, a.rounds or rounds)

    def cc(self, src, *flags):
        """bench/SRC built for this run: never a stale binary"""
        out = os.path.join(self.bin, os.path.basename(src)[:-2])
        if not os.path.exists(out):
            run(["cc", "-O2", "-Wall", "-o", out, os.path.join(ROOT, "bench", src), *flags])
        return out

    def apxs_module(self, src):
        """an httpd module of bench/ built by apxs in a copy: no build products in the tree"""
        d = tempfile.mkdtemp(dir=self.bin)
        shutil.copy(os.path.join(ROOT, "bench", src), d)
        run([self.apxs, "-c", os.path.basename(src)], cwd=d)
        return os.path.join(d, ".libs", os.path.basename(src)[:-2] + ".so")

    def load(self, client, url, mode, timeout=120, env=None, **opts):
        """one run of a load client of bench/: its RESULT line"""
        cmd = self.pin_client + [client, "--url", url, "--mode", mode]
        cmd += [x for k, v in opts.items() for x in ("--" + k, str(v))]
        return result_line(run(cmd, timeout, env).stdout, cmd)

    def wrk(self, url, seconds, opts=(), script_args=()):
        """one wrk run (-t1 -c8); --timeout so that slow bcrypt replies count"""
        cmd = self.pin_client + ["wrk", "-t1", "-c8", "-d%ds" % seconds, "--timeout", "10s", "--latency", *opts, url]
        out = run(cmd + (["--", *map(str, script_args)] if script_args else []), seconds + 30).stdout
        fig = [re.search(p, out, re.M) for p in (r"^Requests/sec:\s+([0-9.]+)", r"^\s+(\d+) requests in ",
                                                 r"^\s+50%\s+([0-9.]+)(\w+)", r"^\s+99%\s+([0-9.]+)(\w+)")]
        if not all(fig) or "Non-2xx" in out or not float(fig[0].group(1)):
            raise BenchError("wrk gave no numbers or non-2xx replies on %s:\n%s" % (url, out))
        us = lambda m: float(m.group(1)) * dict(us=1, ms=1e3, s=1e6, m=6e7)[m.group(2)]
        return dict(rps=float(fig[0].group(1)), requests=int(fig[1].group(1)), p50_us=us(fig[2]), p99_us=us(fig[3]))


class Httpd(contextlib.AbstractContextManager):
    """A throw-away httpd on loopback in its own temp dir: httpd.conf.in with
    the modules, the locations (body, which may use $tmp) and the process
    counts filled in; each of dirs gets a 512-byte small.txt."""

    def __init__(self, h, modules, body, dirs, so=(), keepalive=5, idle=0, build="after"):
        with socket.socket() as s:   # a free port
            s.bind(("127.0.0.1", 0))
            self.h, self.env, self.port, self.pid = h, {}, s.getsockname()[1], None
        self.tmp = tempfile.mkdtemp(prefix="authcache-bench-")
        os.chmod(self.tmp, 0o755)   # as root httpd drops to www-data, which must read it
        loads = ["LoadModule %s_module %s/mod_%s.so" % (m, h.moddir, m) for m in ["mpm_" + h.args.mpm] + modules]
        loads += ["LoadModule %s %s" % (n, p) for n, p in (*so, ("authcache_module", h.builds[build]))]
        # event parks idle connections; worker needs a thread each, prefork a process
        servers = (idle + 63) // 64 + 1 if idle and h.args.mpm == "worker" else 2
        v = dict(tmp=self.tmp, port=self.port, keepalive=keepalive, servers=servers, threads=servers * 64,
                 prefork=max(80, idle + 40), loads="\n".join(loads),
                 user="User www-data\nGroup www-data" if os.getuid() == 0 else "")
        v["body"] = string.Template(body).substitute(v)
        self.conf = self.write("httpd.conf", string.Template(proc(os.path.join(ROOT, "bench/harness/httpd.conf.in")))
                               .substitute(v))
        for d in dirs:
            self.write("htdocs/%s/small.txt" % d, "x" * 512)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def start(self):
        try:
            run(self.h.pin_httpd + [self.h.httpd, "-f", self.conf, "-k", "start"], 60, self.env)
            for _ in range(100):
                self.pid = int(proc(os.path.join(self.tmp, "httpd.pid")) or 0) or None
                try:
                    if self.pid and self.get("/static/small.txt")[0] == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.1)
            raise BenchError("httpd does not answer:\n" + proc(os.path.join(self.tmp, "error.log"))[-3000:])
        except BaseException:
            self.close()
            raise

    def stop(self):
        if self.pid:
            run([self.h.httpd, "-f", self.conf, "-k", "stop"], 30, check=False)
            for _ in range(100):
                if not os.path.exists("/proc/%d" % self.pid):
                    break
                time.sleep(0.1)
            else:
                os.kill(self.pid, 9)
            self.pid = None

    def close(self):
        self.stop()
        if not os.environ.get("KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def instructions(self, send, counts):
        """user-space instructions httpd runs per request, as callgrind counts
        them: this config in one process (httpd -X, the httpd of start()
        stopped: they share the port), once per count in counts (two),
        send(n) making n requests on one keep-alive connection; the
        difference of the totals over that of the counts, so that start-up,
        warm-up and shutdown cancel out. Unlike CPU time, not moved by a
        busy neighbour (repeats agree within 2 %); the kernel's part of a
        request is not in it."""
        self.stop()
        out, totals = os.path.join(self.tmp, "callgrind"), []
        os.makedirs(out, exist_ok=True)
        os.chmod(out, 0o777)   # httpd writes its dump as www-data
        for n in counts:
            cg = os.path.join(out, "callgrind.%d" % n)
            with open(os.path.join(out, "valgrind.log"), "w") as log:
                p = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg, "--vgdb=no",
                                      self.h.httpd, "-X", "-f", self.conf], stdout=log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **self.env))
            try:
                for _ in range(300):
                    try:
                        if self.get("/static/small.txt")[0] == 200:
                            break
                    except OSError:
                        pass
                    if p.poll() is not None:
                        break
                    time.sleep(0.2)
                else:
                    raise BenchError("httpd -X under callgrind does not answer")
                if os.path.exists(cg):
                    os.chmod(cg, 0o666)
                send(n)
            finally:
                p.terminate()
                p.wait(120)
            m = re.search(r"^(?:totals|summary): (\d+)", proc(cg), re.M)
            if not m:
                raise BenchError("callgrind wrote no totals:\n" + proc(os.path.join(out, "valgrind.log"))[-2000:])
            totals.append(int(m.group(1)))
        return (totals[1] - totals[0]) / (counts[1] - counts[0])

    def keepalive_gets(self, path, n, headers=None):
        """n GETs of path on one keep-alive connection, each wanting 200"""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            for _ in range(n):
                c.request("GET", path, headers=headers or {})
                r = c.getresponse()
                r.read()
                if r.status != 200:
                    raise BenchError("GET %s: HTTP %d under callgrind" % (path, r.status))
        finally:
            c.close()

    def __exit__(self, *exc):
        self.close()

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read().decode("latin-1")
        finally:
            c.close()

    def expect(self, path, want, *curl_args):
        """warm-up: curl (another client than the load's) gets status want"""
        code = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30", *curl_args,
                    self.url(path)], 60, check=False).stdout
        if code != str(want):
            raise BenchError("warm-up: GET %s gave HTTP %s (wanted %s)" % (path, code, want))

    def counters(self):
        return json.loads(self.get("/authcache-status?json")[1])

    def store(self):
        """the authcache store's own figures, from its table on the status page"""
        rows = dict(re.findall(r"<tr><th>([^<]*)</th><td>(\d+)</td></tr>", self.get("/authcache-status")[1]))
        if not all(v in rows for v in STORE_ROWS.values()):
            raise BenchError("no authcache store figures on the status page")
        return {k: int(rows[v]) for k, v in STORE_ROWS.items()}

    def stats(self):
        """{pid: the fields of /proc/PID/stat after its name} of httpd and its children"""
        st = {int(p): proc(p + "/stat").rsplit(")", 1)[-1].split() for p in os.listdir("/proc") if p.isdigit()}
        return {p: f for p, f in st.items() if len(f) > 14 and self.pid in (p, int(f[1]))}

    def ticks(self):
        """user + system CPU ticks of httpd: the parent's own and its reaped
        children's, and those of the children alive now"""
        return sum(int(x) for p, f in self.stats().items() for x in f[11:15 if p == self.pid else 13])

    def memory(self):
        """(RSS, PSS) in kB summed over the children"""
        kb = lambda text, field: int((re.findall(r"^%s:\s+(\d+)" % field, text, re.M) or [0])[0])
        kids = [p for p in self.stats() if p != self.pid]
        return (sum(kb(proc("%d/status" % p), "VmRSS") for p in kids),
                sum(kb(proc("%d/smaps_rollup" % p), "Pss") for p in kids))

    def measure(self, load, counters=()):
        """load() -> figures with "requests"; adds httpd CPU per request (the
        kernel's ticks: unlike req/s, not moved by a saturated client) and
        what each of the named counters of mod_authcache grew by"""
        c0, t0 = self.counters() if counters else {}, self.ticks()
        fig = load()
        ticks = self.ticks() - t0
        if ticks <= 0:   # a server that did work used CPU: /proc was not read right
            raise BenchError("no httpd CPU time in /proc for %d requests" % fig["requests"])
        fig["cpu_us"] = ticks / HZ * 1e6 / max(fig["requests"], 1)
        c1 = self.counters() if counters else {}
        return dict(fig, **{n: c1[n] - c0[n] for n in counters})


# the memory warm-up's connections: enough to run each kind of request
# on most of event's 128 worker threads (fewer leave the first use of a
# thread's stack, arena and GSSAPI state to the measured connections: 5 to
# 14 kB per connection for Kerberos with 8), fewer than would make event
# close keep-alive connections for want of idle workers
WARM_CONNECTIONS = 100
# glibc's per-thread caches of freed memory (tcache, and an arena per
# thread) keep what a thread last freed, GSSAPI's accept above all: a cost
# per thread, bounded by the MPM's threads and not by the connections, that
# the threads first running the measured logons would add to them (3 to 4
# kB per Kerberos connection in the heap, with one arena; 4.5 to 6.6 kB in
# all). Both are off in the measuring httpd, for the plain connections alike.
MEMORY_TUNABLES = "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=1"


def idle_memory(h, start, client, mode, loc, idle, warm, transfers=1, **opts):
    """kB of RSS and PSS per idle connection of one kind, on a fresh httpd
    from start() (keep-alive long enough to hold idle connections; a
    used one hands the memory of closed connections to new ones), each
    connection idle after that many transfers (the first one logs on). A
    warm-up of that kind on many connections at once first puts what a
    process and its threads set up once (HMAC-MD5, the gss-ntlmssp plugin,
    thread stacks, malloc arenas) in the baseline; at the end the client
    counts the connections the server still holds open."""
    os.environ["GLIBC_TUNABLES"] = MEMORY_TUNABLES
    try:
        srv_cm = start()
    finally:
        os.environ.pop("GLIBC_TUNABLES", None)
    with srv_cm as srv:
        url = srv.url("/%s/small.txt" % loc)
        h.load(client, url, mode, 60, srv.env, connections=warm, seconds=2, **opts)
        time.sleep(1)
        base, out = srv.memory(), os.path.join(srv.tmp, "hold.out")
        with open(out, "w") as f:
            p = subprocess.Popen(h.pin_client + [client, "--url", url, "--mode", mode, "--connections", str(idle),
                                                 "--seconds", "1", "--hold", "120",
                                                 "--hold-transfers", str(transfers)]
                                 + [x for k, v in opts.items() for x in ("--" + k, str(v))],
                                 stdout=f, stderr=subprocess.STDOUT, env=dict(os.environ, **srv.env))
        try:
            for _ in range(600):
                if "READY" in open(out).read() or p.poll() is not None:
                    break
                time.sleep(0.1)
            if "READY conns=%d errors=0\n" % idle not in open(out).read():
                raise BenchError("memory (%s): idle connections not all up: %s" % (loc, open(out).read()))
            time.sleep(1)
            loaded = srv.memory()
        finally:
            p.terminate()
            p.wait(30)
        if "END conns=%d\n" % idle not in open(out).read():
            raise BenchError("memory (%s): the server closed idle connections while they were measured" % loc)
    per = [(a - b) / idle for a, b in zip(loaded, base)]
    say("  memory /%s/: %d idle connections after %d transfer(s), children RSS %d -> %d kB" % (
        loc, idle, transfers, base[0], loaded[0]))
    return per


# the requests of instructions()'s two runs: their difference is what is
# counted, a few seconds under callgrind
INSTR_COUNTS, INSTR_COUNTS_SMOKE = (200, 1200), (20, 120)


class Runs:
    """The figures of one bench, a dict per scenario and round (rps, p50_us,
    p99_us, cpu_us, requests, ...): medians over rounds, and ratios as the
    median of per-round ratios (the pairs compared run back to back)."""

    def __init__(self):
        self.fig, self.instr, self.pairs = {}, {}, {}

    def add(self, sid, rnd, fig):
        self.fig[sid, rnd] = fig
        say("  round %d %-16s %9.0f req/s  p50 %-7s p99 %-7s httpd %5.1fus/req" % (
            rnd + 1, sid, fig["rps"], fmt_us(fig["p50_us"]), fmt_us(fig["p99_us"]), fig["cpu_us"]))

    def each(self, sid, key):
        return [f.get(key, 0) for (s, _), f in sorted(self.fig.items()) if s == sid]

    def med(self, sid, key):
        return statistics.median(self.each(sid, key))

    def total(self, sid, key):
        return int(sum(self.each(sid, key)))

    def ratios(self, a, b, key="rps"):
        return [x / y for x, y in zip(self.each(a, key), self.each(b, key))]

    def ratio(self, a, b, key="rps"):
        return statistics.median(self.ratios(a, b, key))

    def row(self, bench, sid, label, base, client):
        build = sid.split("@")[1] if "@" in sid else "after"
        return dict(bench=bench, id=sid, label=label, client=client, ratio_to=base, ratio=self.ratio(sid, base),
                    build=build,
                    cpu_ratio=self.ratio(sid, base, "cpu_us"),
                    **{k: self.med(sid, k) for k in ("rps", "p50_us", "p99_us", "cpu_us")})

    def targets(self, h, pairs):
        """{tid: target} for pairs {tid: (a, b, detail)}: a, the mod_authcache
        scenario, against its reference b, and as "tid@before" a's run with
        the --before build"""
        return {tid + sid[len(a):]: self.target(sid, b, detail)
                for tid, (a, b, detail) in pairs.items() for sid, _ in h.tagged(a)}

    def target(self, a, b, detail=""):
        """a against its reference b, in req/s and httpd CPU, and in
        instructions where both were counted"""
        t = dict(rps_ratio=self.ratio(a, b), cpu=(self.med(a, "cpu_us"), self.med(b, "cpu_us")),
                 cpu_ratio=self.ratio(a, b, "cpu_us"), detail=detail,
                 per_round=" ".join("%.2f" % x for x in self.ratios(a, b, "cpu_us")))
        if a in self.instr and b in self.instr:
            t.update(instr=(self.instr[a], self.instr[b]), instr_ratio=self.instr[a] / self.instr[b])
        if (a, b) in self.pairs:
            # judged side by side, where the bench ran the pair so too
            r = [x for _, x in sorted(self.pairs[a, b].items())]
            t.update(cpu_ratio=statistics.median(r), sequential_cpu_ratio=t["cpu_ratio"],
                     per_round=" ".join("%.2f" % x for x in r) + " side by side (one after the other: %s)" %
                     t["per_round"])
        return t

    def side_by_side(self, a, b, rnd):
        """a and b, each (scenario id, Httpd, load), run at the same time on
        httpds of their own (both on CPU 0, their clients on CPU 1): the
        ratio of a's httpd CPU per request to b's for this round. Run one
        after the other, the two meet other moments of a shared machine,
        and their ratio moves by 10 % from round to round; side by side they
        meet the same ones, and it moves by 2 %."""
        figs, errors = {}, []

        def go(sid, srv, load):
            try:
                figs[sid] = srv.measure(load)
            except Exception as e:   # re-raised below, in the bench's thread
                errors.append(e)
        threads = [threading.Thread(target=go, args=x) for x in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        ratio = figs[a[0]]["cpu_us"] / figs[b[0]]["cpu_us"]
        self.pairs.setdefault((a[0], b[0]), {})[rnd] = ratio
        say("  round %d %-16s side by side with %s: httpd %.1f / %.1fus/req, %.3fx" % (
            rnd + 1, a[0], b[0], figs[a[0]]["cpu_us"], figs[b[0]]["cpu_us"], ratio))

    def count_instructions(self, h, pairs):
        """pairs: (scenario id, Httpd, send) -> self.instr[sid], each
        Httpd's own start()ed server stopped by it"""
        counts = INSTR_COUNTS_SMOKE if h.args.smoke else INSTR_COUNTS
        for sid, srv, send in pairs:
            self.instr[sid] = srv.instructions(send, counts)
            say("  instructions %-16s %9.0f per request (callgrind)" % (sid, self.instr[sid]))
