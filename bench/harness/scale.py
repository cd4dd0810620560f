# SPDX-License-Identifier: Apache-2.0
"""Scale of the Basic cache: does a lookup cost the same with a million
users cached as with one? /static/ and /scale/ (mod_authcache over the
load-test provider bench/authn_bench/mod_authn_bench.c: u<N> gets in with
p<N> at once) in one httpd with the store authcache:(SIZE) or shmcb. Per N:
fill (one request per new user, bench/authn_bench/scale-fill.c), then
rounds of /static/ and /scale/ back to back, wrk with bench/scale-hits.lua:
no request has the user of the one before it, so each reads the store."""
import os
import re
import time

from core import ROOT, BenchError, Httpd, Runs, fmt_bytes, location, result_line, run, say

# 256 MiB (--store-size) holds 2,031,614 Basic entries in authcache; in shmcb
# 8,424 a subcache where 3,900 +- 62 are expected at 1M
SHMCB_ROWS = dict(shm=r"shared memory: <b>(\d+)", entries=r"current entries: <b>(\d+)",
                  subcaches=r"subcaches: <b>(\d+)", indexes=r"indexes per subcache: <b>(\d+)",
                  stores=r"stored since starting: <b>(\d+)", evicted=r"scrolled out of the cache: <b>(\d+)",
                  hits=r"retrieves since starting: <b>(\d+)",
                  misses=r"retrieves since starting: <b>\d+</b> hit, <b>(\d+)")
# no entry may expire during the run
BODY = "AuthCacheSOCache %s\n" + location("scale", "AuthType Basic", "AuthName scale", "AuthBasicProvider authcache",
                                          "AuthCacheProvider bench", "AuthCacheBasicTTL 86400")


def users(n):
    return max(n, 2)   # N=1 uses u0 and u1


class Scale:
    def __init__(self, h):
        self.h, self.kind, a = h, h.args.store, h.args
        self.spec = "%s:%s(%d)" % (self.kind, "scale" if self.kind == "shmcb" else "", a.store_size)
        self.ns = a.sizes or ([1, 1000, 10000] if a.smoke else [1, 10000, 100000, 1000000])
        self.fill = h.cc("authn_bench/scale-fill.c", "-pthread")
        so = (("authn_bench_module", h.apxs_module("authn_bench/mod_authn_bench.c")),)
        mods = ["authn_core", "authz_core", "authz_user", "auth_basic"] + ["socache_shmcb"] * (self.kind == "shmcb")
        self.srv = Httpd(h, mods, BODY % self.spec, ["static", "scale"], so=so)
        self.filled, self.per_n, self.runs = 0, {}, Runs()

    def snapshot(self):
        """mod_authcache's counters and the store's own figures"""
        if self.kind == "authcache":
            return self.srv.counters(), self.srv.store()
        html = self.srv.get("/authcache-status")[1]
        st = {k: re.search(p, html) for k, p in SHMCB_ROWS.items()}
        if not all(st.values()):
            raise BenchError("cannot read shmcb's figures from the status page")
        return self.srv.counters(), {k: int(m.group(1)) for k, m in st.items()}

    def capacity(self, st):
        """Basic entries the store holds, from its geometry (fixed once httpd runs)"""
        if self.kind == "shmcb":
            # mod_socache_shmcb.c: an 88-byte header, per subcache a 16-byte
            # head, 24-byte index slots and the data area, 92 bytes an entry
            sub = int((st["shm"] - 88) / st["subcaches"]) // 8 * 8
            return st["subcaches"] * min(st["indexes"], (sub - 16 - st["indexes"] * 24) // 92)
        # ac_shmht.c: a first chunk carries 32 bytes after its 32-byte head, a further one chunk - 4
        c, rest = st["chunk"], 92 - (st["chunk"] - 32)
        self.chunks_per = 1 if rest <= 0 else 1 + (rest + c - 5) // (c - 4)
        return (st["used"] + st["free"]) // self.chunks_per

    def fill_to(self, n):
        m, (c0, s0) = users(n), self.snapshot()
        out = run(self.h.pin_client + [self.fill, "--port", str(self.srv.port), "--path", "/scale/small.txt",
                                       "--from", str(self.filled), "--count", str(m - self.filled),
                                       "--connections", "8", "--timeout", "850"], 900).stdout
        res, (c1, s1), d = result_line(out), self.snapshot(), m - self.filled
        # every new user a miss, one backend call and one store; nothing else
        grew = {k: c1[k] - c0[k] for k in c0 if isinstance(c0[k], int)}
        want = dict(basic_misses=d, backend_calls=d, stores=d, basic_mismatch=0, basic_expired=0,
                    replacements=0, denials=0, store_errors=0)
        bad = [k for k, v in want.items() if grew[k] != v]
        if self.kind == "authcache" and s1["stores"] - s0["stores"] != d:
            bad.append("store's stores")
        if bad or s1["evicted"] or s1["entries"] != m:
            raise BenchError("fill to %d: %s wrong; store %d entries, %d evicted (--store-size?)" % (
                m, ", ".join(bad) or "counters", s1["entries"], s1["evicted"]))
        self.filled = m
        rss, pss = self.srv.memory()
        self.per_n[n] = dict(fill_s=res["seconds"], fill_rps=res["rps"], entries=s1["entries"],
                             evicted=s1["evicted"], rss=rss, pss=pss)
        say("  fill to %d users: %.1f s, %.0f req/s; httpd PSS %d kB" % (m, res["seconds"], res["rps"], pss))

    def measure(self, kind, n, r, secs):
        m, (c0, s0) = users(n), self.snapshot()
        lua = os.path.join(ROOT, "bench/scale-hits.lua")
        fig = self.srv.measure(lambda: self.h.wrk(self.srv.url("/%s/small.txt" % kind), secs, ["-s", lua],
                                                  [m, "/%s/small.txt" % kind, "%d%d" % (r, n)]))
        time.sleep(0.2)   # wrk stops with pipelined requests still in httpd
        (c1, s1) = self.snapshot()
        if kind == "scale":
            hits, reads = c1["basic_hits"] - c0["basic_hits"], s1["hits"] - s0["hits"]
            changed = sum(c1[k] - c0[k] for k in ("backend_calls", "stores", "replacements"))
            # every request a hit that read the store: no backend call,
            # nothing stored, no store miss, nothing evicted
            if changed or hits < fig["requests"] or reads != hits or s1["misses"] != s0["misses"] \
                    or s1["evicted"] or s1["entries"] != m:
                raise BenchError("N=%d round %d: not every request was a hit read from the store "
                                 "(hits %d, store reads %d, calls/stores +%d)" % (n, r + 1, hits, reads, changed))
            fig["hits"] = hits
        self.runs.add(("N%d" if kind == "scale" else "static-N%d") % n, r, fig)

    def go(self):
        h, srv = self.h, self.srv
        secs, rounds = h.sizes(5, 3)
        srv.start()
        # auth is enforced, the bench provider refuses what it must, and
        # refusals store nothing
        for args in ((), ("-u", "u0:wrong"), ("-u", "nobody:p0")):
            srv.expect("/scale/small.txt", 401, *args)
        c, st = self.snapshot()
        if c["stores"] or st["entries"] or c["store"] != self.spec:
            raise BenchError("warm-up: refusals stored entries, or the store is not %s" % self.spec)
        self.cap, self.st = self.capacity(st), st
        if self.cap < users(self.ns[-1]):
            raise BenchError("the store holds %d Basic entries, fewer than %d (--store-size)" % (self.cap, self.ns[-1]))
        h.wrk(srv.url("/static/small.txt"), 1)   # every child has served something
        self.mem0 = srv.memory()
        for n in self.ns:
            self.fill_to(n)
            for r in range(rounds):
                self.measure("static", n, r, secs)
                self.measure("scale", n, r, secs)
        return secs, rounds

    def report(self, secs, rounds):
        runs, ns, st, first, last = self.runs, self.ns, self.st, self.ns[0], self.ns[-1]
        med = lambda n, k, base="N%d": runs.med(base % n, k)
        ratio = {n: runs.ratio("N%d" % n, "static-N%d" % n) for n in ns}
        rows, table = [], []
        for n in ns:
            for sid, label in (("static-N%d", "static, same wrk script (N=%d)"),
                               ("N%d", "mod_authcache hit, random user among %d cached (each request reads "
                                       "the store)")):
                rows.append(dict(runs.row("scale", sid % n, label % n, "static-N%d" % n, "wrk (Lua, pipelined pairs)"),
                                 ratio_to="static"))
            p = self.per_n[n]
            table.append("| %d | %.0f | %.3f | %.1fus | %.1fus | %s | %d / %d | %d |" % (
                n, med(n, "rps"), ratio[n], med(n, "cpu_us"), med(n, "cpu_us", "static-N%d"),
                "-" if p["fill_s"] < 0.2 else "%.0f" % p["fill_rps"], p["entries"], p["evicted"],
                runs.total("N%d" % n, "hits")))
        cpu = (med(last, "cpu_us"), med(first, "cpu_us"))
        target = dict(rps_ratio=ratio[last] / ratio[first], cpu=cpu, cpu_ratio=cpu[0] / cpu[1],
                      detail="req/s normalised by the static runs beside them; raw req/s %.3f" % (
                          med(last, "rps") / med(first, "rps")))
        # resident memory per entry from the fill before the last: what the
        # first requests of a server allocate once is left out
        pl, prev = self.per_n[last], self.per_n[ns[-2]] if len(ns) > 1 else dict(pss=self.mem0[1], entries=0)
        pss_entry = (pl["pss"] - prev["pss"]) * 1024 / (pl["entries"] - prev["entries"])
        if self.kind == "shmcb":
            layout = "%d subcaches x %d slots, 92 data + 24 index bytes an entry" % (st["subcaches"], st["indexes"])
            walk = "mod_socache_shmcb scans the index of the key's subcache: %.0f slots a subcache at N=%d" % (
                pl["entries"] / st["subcaches"], last)
        else:
            layout = "%d buckets, %d chunks of %d bytes, %d chunks an entry" % (
                st["buckets"], st["used"] + st["free"], st["chunk"], self.chunks_per)
            foot = lambda u: fmt_bytes(u * self.chunks_per * st["chunk"] + min(u * 64, st["buckets"] * 4))
            caches = [(lv, run(["getconf", "LEVEL%d_CACHE_SIZE" % lv], check=False).stdout.strip()) for lv in (2, 3)]
            walk = ("authcache finds an entry by SipHash of its key, one bucket read and a walk of its chain (%.3f "
                    "entries a bucket at N=%d): about one entry whatever N; what grows is the memory a lookup reads "
                    "at random, %s at N=%d and %s at N=%d (caches: %s), beyond the caches cache and TLB misses of "
                    "some 100 ns" % (pl["entries"] / st["buckets"], last, foot(users(first)), first,
                                     foot(pl["entries"]), last, ", ".join("L%d %s" % (lv, fmt_bytes(int(v)))
                                                                          for lv, v in caches if v.isdigit())))
        section = ["| N users cached | req/s | ratio to static | httpd CPU/request | static httpd CPU/request | fill "
                   "req/s (misses) | store (%s) entries / evicted | hits (all read the store) |" % self.kind,
                   "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |", *table, "",
                   "Every measured request had another user than the one before it on its connection, so each read "
                   "the store (checked per run: store hits = basic_hits, backend_calls and stores +0, no store "
                   "misses, entries = N, 0 evicted). Latency is per pipelined pair."]
        details = [
            "- store `%s`: %d bytes (%s), room for **%d** Basic entries; each fill is checked: basic_misses, "
            "backend_calls and stores grow by the users added, nothing else, nothing evicted" % (
                self.spec, st["shm"], layout, self.cap),
            "- wrk -t1 -c8 --latency -s bench/scale-hits.lua, %ds per run, %d round(s) per N" % (secs, rounds),
            "- httpd children PSS after each fill: %s: **%.1f bytes per entry added** from %d to %d entries" % (
                "; ".join("N=%d %d kB" % (n, self.per_n[n]["pss"]) for n in ns), pss_entry, prev["entries"],
                pl["entries"]),
            "- %s; here httpd CPU per request went from %.1fus at N=%d to %.1fus at N=%d" % (
                walk, cpu[1], first, cpu[0], last),
            "- the fill's req/s is the miss path: a store lookup (a miss), the bench provider, a sealed token and a "
            "store write"]
        return dict(rows=rows, details=details, section=section, targets={"scale_largest_vs_smallest": target},
                    target_names=dict(n_small=first, n_large=last),
                    memory={"basic_entry_capacity": (round(st["shm"] / self.cap, 1), "%s store of %d bytes / %d "
                                                     "entries it can hold (%s)" % (self.kind, st["shm"], self.cap,
                                                                                   layout)),
                            "basic_entry_resident": (round(pss_entry, 1), "httpd PSS growth from %d to %d entries" % (
                                prev["entries"], pl["entries"]))},
                    data=dict(store=dict(st, spec=self.spec, capacity_entries=self.cap),
                              sizes=[dict(self.per_n[n], n=n, rps=med(n, "rps"), ratio_to_static=ratio[n],
                                          httpd_cpu_us_per_request=med(n, "cpu_us"),
                                          static_httpd_cpu_us_per_request=med(n, "cpu_us", "static-N%d"))
                                     for n in ns]))


def run_bench(h):
    s = Scale(h)
    with s.srv:
        secs, rounds = s.go()
    return s.report(secs, rounds)
