# SPDX-License-Identifier: Apache-2.0
"""The report of a run: DIR/bench.md, DIR/bench.json, DIR/bench-ratios.png.
Each target is judged on httpd CPU per request, which a busy neighbour or
a saturated load client moves far less than req/s; req/s stands beside."""
import json
import os
import re
import subprocess
import tempfile
import textwrap
import time

from core import INSTR_COUNTS, INSTR_COUNTS_SMOKE, fmt_us, loadavg, proc, run

# id, the benches it needs, label, the most its CPU ratio may be (httpd CPU
# per request of the scenario over its reference's)
TARGETS = [("basic_hit_vs_static", "basic", "Basic: mod_authcache hit vs static", 1.15),
           ("ntlm_cached_vs_static", "ntlm", "NTLM: mod_authcache cached vs static", 1.15),
           ("ntlm_handshake_vs_gssapi", "ntlm", "NTLM: full handshakes (new connection each) vs mod_auth_gssapi", 0.5),
           ("digest_cached_vs_auth_digest", "digest", "Digest: mod_authcache cached vs mod_auth_digest", 0.83),
           ("digest_cached_vs_static", "digest", "Digest: mod_authcache cached vs static", 1.15),
           ("digest_extra_vs_basic", "digest basic", "Digest: cached's extra CPU over static vs a Basic hit's", 1.5),
           ("scale_largest_vs_smallest", "scale", "Scale: N=%(n_large)s vs N=%(n_small)s", 1.2),
           ("krb_cached_vs_static", "kerberos", "Kerberos: mod_authcache cached vs static", 1.05),
           ("krb_handshake_vs_gssapi", "kerberos", "Kerberos: full handshakes (new connection each) vs "
            "mod_auth_gssapi", 0.67)]
MEMORY = [("basic_entry_capacity", "scale", "per Basic entry, store capacity", "bytes"),
          ("basic_entry_resident", "scale", "per Basic entry, resident", "bytes"),
          ("ntlm_connection", "ntlm", "per cached NTLM connection", "kB"),
          ("krb_connection", "kerberos", "per cached Kerberos connection", "kB"),
          ("digest_context", "digest", "per Digest context (store)", "bytes")]
NAMES = dict(basic="Basic", ntlm="NTLM", digest="Digest", scale="Basic scale", kerberos="Kerberos")


def missing(status, *benches):
    """what stands in for the figures of benches that gave none"""
    return "no figures" if any(status.get(b, {}).get("status") == "failed" for b in benches) else "not run"


def extra_vs_basic(results, tag=""):
    """tag: "@before" for the --before build's rows. Each extra is its
    target's CPU ratio (side by side, where the bench ran the pair so) less
    one, times its static's CPU per request: a difference of runs made one
    after the other would carry their load's swing whole."""
    td = results["digest"]["targets"].get("digest_cached_vs_static" + tag)
    tb = results["basic"]["targets"].get("basic_hit_vs_static" + tag)
    if not td or not tb:
        return None
    d, b = ((t["cpu_ratio"] - 1) * t["cpu"][1] for t in (td, tb))
    how = lambda t: "side by side" if "sequential_cpu_ratio" in t else "one after the other"
    t = dict(rps_ratio=None, cpu=(d, b), cpu_ratio=d / b if b > 0 else float("inf"),
             detail="extra httpd CPU per request over static, its CPU ratio less one (%s) times static's CPU: "
                    "Digest %+.1fus (%.3f x %.1fus), Basic hit %+.1fus (%.3f x %.1fus)" % (
                        how(td), d, td["cpu_ratio"] - 1, td["cpu"][1], b, tb["cpu_ratio"] - 1, tb["cpu"][1]))
    di, bi = results["digest"].get("instr", {}), results["basic"].get("instr", {})
    if all(k in di for k in ("static", "ac-cached" + tag)) and all(k in bi for k in ("static", "authcache" + tag)):
        d, b = di["ac-cached" + tag] - di["static"], bi["authcache" + tag] - bi["static"]
        t.update(instr=(d, b), instr_ratio=d / b if b > 0 else float("inf"))
    return t


def targets(results, status):
    names = dict(dict(n_small=1, n_large=1000000), **results.get("scale", {}).get("target_names", {}))
    out = []
    for tid, need, label, limit in TARGETS:
        t = dict(id=tid, label=label % names, target=limit, value=None, rps_ratio=None, cpu=None, detail="")
        if all(b in results for b in need.split()):
            t.update(extra_vs_basic(results) if " " in need else results[need]["targets"][tid])
            t["value"] = t.pop("cpu_ratio")
            t["verdict"] = "PASS" if t["value"] <= limit else "MISS"
            # the --before build's figure, where the run had one
            tb = extra_vs_basic(results, "@before") if " " in need else results[need]["targets"].get(tid + "@before")
            if tb:
                t["before"] = dict(value=tb["cpu_ratio"], cpu=tb["cpu"], rps_ratio=tb["rps_ratio"],
                                   instr=tb.get("instr"), instr_ratio=tb.get("instr_ratio"),
                                   verdict="PASS" if tb["cpu_ratio"] <= limit else "MISS")
        else:
            t["verdict"] = missing(status, *need.split())
        out.append(t)
    return out


def num(v, fmt):
    return "" if v is None else fmt % v


def instructions_section(tgts):
    """the targets that were counted in instructions too (callgrind)"""
    rows = [t for t in tgts if t.get("instr")]
    if not rows:
        return []
    fig = lambda x: "%s / %s" % tuple(num(v, "%.0f") for v in x["instr"]) if x and x.get("instr") else ""
    ratio = lambda x: num((x or {}).get("instr_ratio"), "%.3fx")
    w = ["", "### In instructions", "",
         "User-space instructions httpd runs per request, counted by callgrind (`httpd -X` with each scenario's "
         "config, two runs on one keep-alive connection, of %d and %d requests (%d and %d in a smoke run), the "
         "difference of their totals over that of their requests): a figure the machine's load does not move "
         "(repeats agree within 2 %%), but without the kernel's part of a request, which the CPU figures above "
         "include. For the Digest-over-Basic row, the extra instructions over static." % (
             INSTR_COUNTS + INSTR_COUNTS_SMOKE), ""]
    if any(t.get("before") for t in rows):
        return w + ["| target | before: instructions | before: ratio | after: instructions | after: ratio |",
                    "| --- | ---: | ---: | ---: | ---: |"] + [
            "| %s | %s | %s | %s | %s |" % (t["label"], fig(t.get("before")), ratio(t.get("before")), fig(t),
                                           ratio(t)) for t in rows]
    return w + ["| target | instructions: this / reference | ratio |", "| --- | ---: | ---: |"] + [
        "| %s | %s | %s |" % (t["label"], fig(t), ratio(t)) for t in rows]


def markdown(info, m, status, results, tgts, memory, problems):
    w = ["# mod_authcache benchmarks", "",
         "Written by `build/bench%s`: one harness, `bench/harness/` (a module per bench), with the load clients "
         "of `bench/`." % (" " + info["args"] if info["args"] else ""), "",
         "- date: %s; whole run %d s%s" % (info["date"], info["wall_seconds"], " (**smoke run**: minimum sizes, "
                                           "figures not meaningful)" if info["smoke"] else ""),
         "- machine: %s; %d MB RAM; %s" % (m["host"], m["memory_mb"], m["os"]),
         "- httpd: %s, MPM %s; wrk %s; %s; loopback only" % (m["httpd"], m["mpm"], m["wrk"], m["pinning"]),
         "- load average (1/5/15 min): %s at the start, %s at the end; per bench: %s. **The machine is shared**: "
         "only figures measured in one run (each bench interleaves its scenarios per round) mean much" % (
             m["loadavg_start"], m["loadavg_end"], "; ".join("%s %s -> %s (%d s)" % (
                 n, s["loadavg_before"], s["loadavg_after"], s["seconds"]) for n, s in status.items())),
         "- per run: %s; figures are medians over rounds, ratios medians of per-round ratios; httpd CPU/req is the "
         "user+system time of all httpd processes over the measured interval (from /proc) divided by the requests "
         "completed" % ("--smoke" if info["smoke"] else "--seconds %s --rounds %s" % (
             info["seconds"] or "default", info["rounds"] or "default")),
         "", "## Targets", ""]
    bold = lambda v: re.sub("^(PASS|MISS)$", r"**\1**", v)
    if info.get("before"):
        w += ["Before = mod_authcache built at `%s`, after = this tree, measured in the same run (an httpd each, "
              "their runs interleaved per round, which goes first turning round every other round, the references "
              "shared)." % info["before"], "",
              "| target | before: req/s ratio | before: CPU/req | before: CPU ratio | after: req/s ratio "
              "| after: CPU/req | after: CPU ratio | goal | before | after |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
        w += ["| %s | %s | %s | %s | %s | %s | %s | CPU ≤ %sx | %s | %s |" % (
            t["label"], num(t.get("before", {}).get("rps_ratio"), "%.3fx"),
            num(t.get("before", {}).get("cpu"), "%.1f / %.1f us"), num(t.get("before", {}).get("value"), "%.3fx"),
            num(t["rps_ratio"], "%.3fx"), num(t["cpu"], "%.1f / %.1f us"), num(t["value"], "%.3fx"), t["target"],
            bold(t.get("before", {}).get("verdict", "-")), bold(t["verdict"])) for t in tgts]
    else:
        w += ["| target | req/s ratio | httpd CPU/req: this / reference | CPU ratio | goal | verdict |",
              "| --- | ---: | ---: | ---: | ---: | --- |"]
        w += ["| %s | %s | %s | %s | CPU ≤ %sx | %s |" % (
            t["label"], num(t["rps_ratio"], "%.3fx"), num(t["cpu"], "%.1f / %.1f us"), num(t["value"], "%.3fx"),
            t["target"], bold(t["verdict"])) for t in tgts]
    w += [""] + ["- %s: %s" % (t["label"], "; ".join(x for x in (t["detail"], t.get("per_round") and
                                                                 "CPU ratio per round: " + t["per_round"]) if x))
                 for t in tgts if t["detail"] or t.get("per_round")]
    w += ["", "The targets are judged on the CPU ratio and are informational: `build/bench` fails only when a bench "
          "produced no figures. The Basic hit and Digest against static are judged on their pairs run side by side, "
          "once a round (the mod_authcache httpd and one of static's own, both on CPU 0, their clients on CPU 1, "
          "at the same time): the CPU/req columns are the runs one after the other, which their per-round lines "
          "show too."]
    w += instructions_section(tgts)
    w += ["", "## All scenarios", "",
          "| bench | scenario | client | req/s | p50 | p99 | ratio | httpd CPU/req | CPU ratio | ratio to |",
          "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for name in status:
        if name not in results:
            w.append("| %s | *%s* | | | | | | | | |" % (NAMES[name], missing(status, name)))
        w += ["| %s | %s | %s | %.0f | %s | %s | %.3f | %.1fus | %.3f | %s |" % (
            NAMES[name], r["label"] + (" **(%s)**" % r["build"] if r.get("build", "after") != "after" else ""),
            r["client"], r["rps"], fmt_us(r["p50_us"]), fmt_us(r["p99_us"]), r["ratio"],
            r["cpu_us"], r["cpu_ratio"], "static (gss client)" if r["ratio_to"] == "g-static" else r["ratio_to"])
            for r in results.get(name, {}).get("rows", [])]
    if "scale" in results:
        w += ["", "## Scale (Basic, store lookups)", "", *results["scale"]["section"]]
    w += ["", "## Memory", "", "| what | value | how |", "| --- | ---: | --- |"]
    w += ["| %s | %s | %s |" % (x["what"], num(x["value"], "%s " + x["unit"]), x["detail"]) for x in memory]
    w += ["", "## Details"]
    for n, res in results.items():
        w += ["", "### " + NAMES[n], ""] + res["details"]
    notes = [n for res in results.values() for n in res.get("notes", [])] + ["**no figures**: " + p for p in problems]
    w += ["", "## Notes", ""] + ["- " + n for n in notes] if notes else []
    w += ["", "Chart: [bench-ratios.png](bench-ratios.png) (each target's CPU ratio against the most it may be)."]
    return "\n".join(w) + "\n"


GNUPLOT = """set terminal pngcairo size 1200,560 font "DejaVu Sans,9" noenhanced
set output "%(out)s"
set title "%(title)s" font ",12"
set style fill solid 0.85 border -1
set boxwidth 0.6
set xrange [-0.6:%(n)d - 0.4]
set yrange [0:%(ymax)f]
set ylabel "httpd CPU per request, ratio to the reference (x)"
set grid ytics lc rgb "#dddddd"
set xtics scale 0 offset 0,-0.3
set bmargin 7
unset key
plot "%(d)s" using 1:2:4:xtic(5) with boxes lc rgb variable, \\
     "%(d)s" using ($1-0.38):3:(0.76):(0) with vectors nohead lw 3 lc rgb "black", \\
     "%(d)s" using 1:($2 > $3 ? $2 : $3):6 with labels offset 0,0.9 font ",9"
"""


def chart(path, tgts, title):
    """one bar per target (its CPU ratio), its goal as a black bar across it"""
    with tempfile.NamedTemporaryFile("w", suffix=".dat") as f:
        for i, t in enumerate(tgts):
            f.write('%d %.4f %s %s "%s" "%s"\n' % (
                i, min(t["value"] or 0, 9), t["target"], {"PASS": "0x2e8b57", "MISS": "0xc0392b"}.get(t["verdict"],
                "0x999999"), "\\n".join(textwrap.wrap(t["label"], 19)), num(t["value"], "%.2fx ") + t["verdict"]))
        f.flush()
        ymax = 1.18 * max([1] + [min(t["value"] or 0, 9) for t in tgts] + [t["target"] for t in tgts])
        r = subprocess.run(["gnuplot"], capture_output=True, text=True, input=GNUPLOT % dict(
            out=path + ".tmp", title=title, n=len(tgts), ymax=ymax, d=f.name))
    if r.returncode:   # no chart is no missing figure: said, not failed
        print("bench: gnuplot failed: " + r.stderr)
    else:
        os.replace(path + ".tmp", path)


def write(h, outdir, results, status, problems, t_start, load_start):
    a, cpu = h.args, re.search(r"model name\s*:\s*(.*)", proc("cpuinfo"))
    u = os.uname()
    m = dict(host="%s %s %s, %d CPUs, %s" % (u.sysname, u.release, u.machine, os.cpu_count(),
                                             cpu.group(1) if cpu else "unknown CPU"),
             memory_mb=int(proc("meminfo").split()[1]) // 1024, httpd=h.version, mpm=a.mpm,
             os=(re.findall(r'^PRETTY_NAME="?([^"\n]*)', proc("/etc/os-release"), re.M) or ["?"])[0],
             loadavg_start=load_start, loadavg_end=loadavg(),
             wrk=run(["dpkg-query", "-W", "-f=${Version}", "wrk"], check=False).stdout,
             pinning="httpd on CPU 0, load client on CPU 1 (taskset)" if h.pin_httpd else "unpinned")
    info = dict(smoke=a.smoke, seconds=a.seconds, rounds=a.rounds, args=a.argline, wall_seconds=time.time() - t_start,
                before=getattr(a, "before", None),
                date=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
    tgts = targets(results, status)
    memory = []
    for mid, b, what, unit in MEMORY:
        value, detail = results[b]["memory"][mid] if b in results else (None, missing(status, b))
        memory.append(dict(id=mid, what=what, value=value, unit=unit, detail=detail))
        if b in results and mid + "@before" in results[b]["memory"]:
            value, detail = results[b]["memory"][mid + "@before"]
            memory.append(dict(id=mid + "@before", what=what + " (before)", value=value, unit=unit, detail=detail))
    doc = dict(date=info["date"], machine=m, run=info, benches=status, targets=tgts, memory=memory, problems=problems,
               scenarios=[r for res in results.values() for r in res["rows"]],
               details={n: res["data"] for n, res in results.items()})
    os.makedirs(outdir, exist_ok=True)
    md = markdown(info, m, status, results, tgts, memory, problems)
    for name, text in (("bench.json", json.dumps(doc, indent=2) + "\n"), ("bench.md", md)):
        with open(os.path.join(outdir, name + ".tmp"), "w") as f:
            f.write(text)
        os.replace(os.path.join(outdir, name + ".tmp"), os.path.join(outdir, name))
    chart(os.path.join(outdir, "bench-ratios.png"), tgts, "mod_authcache: httpd CPU per request against its "
          "reference (bar) and the most it may be (black line)%s\\nload average at the start: %s" % (
              " - SMOKE RUN, not meaningful" if a.smoke else "", load_start))
    return md
