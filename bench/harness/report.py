"""The report of one run: DIR/bench.md, DIR/bench.json and DIR/bench-ratios.png
(gnuplot). Every target is judged on httpd CPU per request, which a busy
neighbour or a saturated load client moves far less than req/s; the req/s
ratio stands beside it."""
import json
import os
import subprocess
import tempfile
import time

from core import fmt_us, loadavg, machine_line, run

# id, the bench it needs, label, the most the CPU ratio may be (this
# scenario's httpd CPU per request over its reference's)
TARGETS = [
    ("basic_hit_vs_static", "basic", "Basic: mod_authcache hit vs static", 1.15),
    ("ntlm_cached_vs_static", "ntlm", "NTLM: mod_authcache cached vs static", 1.15),
    ("ntlm_handshake_vs_gssapi", "ntlm", "NTLM: full handshakes (new connection each) vs mod_auth_gssapi", 0.5),
    ("digest_cached_vs_auth_digest", "digest", "Digest: mod_authcache cached vs mod_auth_digest", 0.83),
    ("digest_cached_vs_static", "digest", "Digest: mod_authcache cached vs static", 1.15),
    ("digest_extra_vs_basic_extra", "digest", "Digest cached's extra CPU over static vs a Basic hit's", 1.5),
    ("scale_largest_vs_smallest", "scale", "Scale: N=%(n_large)s vs N=%(n_small)s", 1.2),
]
MEMORY = [("basic_entry_capacity", "scale", "per Basic entry, store capacity", "bytes"),
          ("basic_entry_resident", "scale", "per Basic entry, resident", "bytes"),
          ("ntlm_connection", "ntlm", "per cached NTLM connection", "kB"),
          ("digest_context", "digest", "per Digest context (store)", "bytes")]
NAMES = dict(basic="Basic", ntlm="NTLM", digest="Digest", scale="Basic scale")


def missing(status, *benches):
    """what stands in for the figures of benches that gave none"""
    return "no figures" if any(status.get(b, {}).get("status") == "failed" for b in benches) else "not run"


def extra_target(results):
    """Digest cached's httpd CPU over its static, against a Basic hit's"""
    cpu = {(r["bench"], r["id"]): r["cpu_us"] for b in ("basic", "digest") for r in results[b]["rows"]}
    d, b = cpu["digest", "ac-cached"] - cpu["digest", "static"], cpu["basic", "authcache"] - cpu["basic", "static"]
    return dict(rps_ratio=None, cpu=(d, b), cpu_ratio=d / b if b > 0 else float("inf"), per_round="",
                detail="extra httpd CPU per request over static: Digest %+.1fus, Basic hit %+.1fus" % (d, b))


def targets(results, status):
    out = []
    for tid, bench, label, limit in TARGETS:
        names = {"n_small": 1, "n_large": 1000000, **results.get("scale", {}).get("target_names", {})}
        t = dict(id=tid, label=label % names, target=limit, value=None, rps_ratio=None, cpu=None, detail="")
        need = ("digest", "basic") if tid == "digest_extra_vs_basic_extra" else (bench,)
        if all(b in results for b in need):
            t.update(extra_target(results) if len(need) > 1 else results[bench]["targets"][tid])
            t["value"] = t.pop("cpu_ratio")
            t["verdict"] = "PASS" if t["value"] <= limit else "MISS"
        else:
            t["verdict"] = missing(status, *need)
        out.append(t)
    return out


def num(v, fmt):
    return "" if v is None else fmt % v


def markdown(run_info, machine, status, results, tgts, memory, problems):
    w = []
    w += ["# mod_authcache benchmarks", "",
          "Written by `build/bench%s`: one harness (`bench/harness/`, a module per bench) with the load clients of `bench/`." % (
              " " + run_info["args"] if run_info["args"] else ""), "",
          "- date: %s; whole run %d s%s" % (run_info["date"], run_info["wall_seconds"],
                                            " (**smoke run**: minimum sizes, figures not meaningful)" if run_info["smoke"] else ""),
          "- machine: %s; %d MB RAM; %s" % (machine["host"], machine["memory_mb"], machine["os"]),
          "- httpd: %s, MPM %s; wrk %s; %s; loopback only" % (machine["httpd"], machine["mpm"], machine["wrk"], machine["pinning"]),
          "- load average (1/5/15 min): %s at the start, %s at the end; per bench: %s. **The machine is shared**: only figures measured side by side (each bench interleaves its scenarios per round) mean much" % (
              machine["loadavg_start"], machine["loadavg_end"],
              "; ".join("%s %s -> %s (%d s)" % (n, s["loadavg_before"], s["loadavg_after"], s["seconds"]) for n, s in status.items())),
          "- per run: %s; figures are medians over rounds, ratios medians of per-round ratios; httpd CPU/req is the user+system time of all httpd processes over the measured interval (from /proc) divided by the requests completed" % (
              "--smoke" if run_info["smoke"] else "--seconds %s --rounds %s" % (run_info["seconds"] or "default", run_info["rounds"] or "default")),
          "", "## Targets", "",
          "| target | req/s ratio | httpd CPU/req: this / reference | CPU ratio | goal | verdict |",
          "| --- | ---: | ---: | ---: | ---: | --- |"]
    for t in tgts:
        w.append("| %s | %s | %s | %s | CPU ≤ %sx | %s |" % (
            t["label"], num(t["rps_ratio"], "%.3fx"), "%.1f / %.1f us" % t["cpu"] if t["cpu"] else "",
            num(t["value"], "%.3fx"), t["target"], "**%s**" % t["verdict"] if t["verdict"] in ("PASS", "MISS") else t["verdict"]))
    w.append("")
    for t in tgts:
        said = [t["detail"]] + ["req/s ratio per round: " + t["per_round"]] * bool(t.get("per_round"))
        w += ["- %s: %s" % (t["label"], "; ".join(x for x in said if x))] * any(said)
    w += ["", "The targets are judged on the CPU ratio and are informational: `build/bench` fails only when a bench produced no figures.",
          "", "## All scenarios", "",
          "| bench | scenario | client | req/s | p50 | p99 | ratio | httpd CPU/req | CPU ratio | ratio to |",
          "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name in status:
        if name not in results:
            w.append("| %s | *%s* | | | | | | | | |" % (NAMES[name], missing(status, name)))
        for r in results.get(name, {}).get("rows", []):
            w.append("| %s | %s | %s | %.0f | %s | %s | %.3f | %.1fus | %.3f | %s |" % (
                NAMES[name], r["label"], r["client"], r["rps"], fmt_us(r["p50_us"]), fmt_us(r["p99_us"]),
                r["ratio"], r["cpu_us"], r["cpu_ratio"], "static (gss client)" if r["ratio_to"] == "g-static" else r["ratio_to"]))
    if "scale" in results:
        w += ["", "## Scale (Basic, store lookups)", "", *results["scale"]["section"]]
    w += ["", "## Memory", "", "| what | value | how |", "| --- | ---: | --- |"]
    w += ["| %s | %s | %s |" % (m["what"], num(m["value"], "%s " + m["unit"]), m["detail"]) for m in memory]
    w += ["", "## Details"]
    for name, res in results.items():
        w += ["", "### " + NAMES[name], "", *res["details"]]
    notes = [n for res in results.values() for n in res.get("notes", [])] + ["**no figures**: " + p for p in problems]
    if notes:
        w += ["", "## Notes", ""] + ["- " + n for n in notes]
    w += ["", "Chart: [bench-ratios.png](bench-ratios.png) (each target's httpd CPU ratio against the most it may be)."]
    return "\n".join(w) + "\n"


def chart(path, tgts, title):
    """one bar per target (its CPU ratio), its goal as a black bar across it"""
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as f:
        for i, t in enumerate(tgts):
            colour = {"PASS": "0x2e8b57", "MISS": "0xc0392b"}.get(t["verdict"], "0x999999")
            text = "%.2fx %s" % (t["value"], t["verdict"]) if t["value"] is not None else t["verdict"]
            f.write('%d %.4f %s %s "%s" "%s"\n' % (i, min(t["value"] or 0, 9), t["target"], colour,
                                                   t["label"].replace(": ", "\\n", 1), text))
    ymax = 1.18 * max([1] + [min(t["value"] or 0, 9) for t in tgts] + [t["target"] for t in tgts])
    script = """set terminal pngcairo size 1200,560 font "DejaVu Sans,9" noenhanced
set output "%s"
set title "%s" font ",12"
set style fill solid 0.85 border -1
set boxwidth 0.6
set xrange [-0.6:%d - 0.4]
set yrange [0:%f]
set ylabel "httpd CPU per request, ratio to the reference (x)"
set grid ytics lc rgb "#dddddd"
set xtics scale 0 offset 0,-0.3
set bmargin 5
unset key
plot "{d}" using 1:2:4:xtic(5) with boxes lc rgb variable, \\
     "{d}" using ($1-0.38):3:(0.76):(0) with vectors nohead lw 3 lc rgb "black", \\
     "{d}" using 1:($2 > $3 ? $2 : $3):6 with labels offset 0,0.9 font ",9"
""".replace("{d}", f.name) % (path + ".tmp", title, len(tgts), ymax)
    r = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True)
    os.unlink(f.name)
    if r.returncode:   # no chart is no missing figure: said, not failed
        print("bench: gnuplot failed: " + r.stderr)
    else:
        os.replace(path + ".tmp", path)


def write(h, outdir, results, status, problems, t_start, load_start):
    a = h.args
    with open("/proc/meminfo") as f:
        mem_mb = int(f.read().split()[1]) // 1024
    osr = dict(l.rstrip().split("=", 1) for l in open("/etc/os-release") if "=" in l)
    machine = dict(host=machine_line(), memory_mb=mem_mb, os=osr.get("PRETTY_NAME", "?").strip('"'),
                   httpd=h.version, mpm=a.mpm, loadavg_start=load_start, loadavg_end=loadavg(),
                   wrk=run(["dpkg-query", "-W", "-f=${Version}", "wrk"], check=False).stdout,
                   pinning="httpd on CPU 0, load client on CPU 1 (taskset)" if h.pin_httpd else "unpinned")
    run_info = dict(smoke=a.smoke, seconds=a.seconds, rounds=a.rounds, args=a.argline,
                    date=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), wall_seconds=time.time() - t_start)
    tgts = targets(results, status)
    memory = []
    for mid, bench, what, unit in MEMORY:
        value, detail = results[bench]["memory"][mid] if bench in results else (None, missing(status, bench))
        memory.append(dict(id=mid, what=what, value=value, unit=unit, detail=detail))
    doc = dict(date=run_info["date"], machine=machine, run=run_info, benches=status, targets=tgts, memory=memory,
               scenarios=[r for res in results.values() for r in res["rows"]], problems=problems,
               details={n: res["data"] for n, res in results.items()})
    os.makedirs(outdir, exist_ok=True)
    for name, text in (("bench.json", json.dumps(doc, indent=2) + "\n"),
                       ("bench.md", markdown(run_info, machine, status, results, tgts, memory, problems))):
        with open(os.path.join(outdir, name + ".tmp"), "w") as f:
            f.write(text)
        os.replace(os.path.join(outdir, name + ".tmp"), os.path.join(outdir, name))
    chart(os.path.join(outdir, "bench-ratios.png"), tgts,
          "mod_authcache: httpd CPU per request against its reference (bar) and the most it may be (black line)%s\\nload average at the start: %s" % (
              " - SMOKE RUN, not meaningful" if a.smoke else "", load_start))
    return text
