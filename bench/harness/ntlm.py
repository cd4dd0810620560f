# SPDX-License-Identifier: Apache-2.0
"""NTLM: mod_authcache against mod_auth_gssapi + gss-ntlmssp in ONE httpd.
Clients: ntlm-load (libcurl's NTLM, which the peer refuses) and
gss-ntlm-load (NTLM from gss-ntlmssp through GSSAPI, which both accept):
the handshake target compares the servers under that one client, so its
cost cancels out. Then memory per idle keep-alive connection."""
import contextlib
import os
import re

from core import PASSWORD, ROOT, USER, WARM_CONNECTIONS, BenchError, Httpd, Runs, idle_memory, location, run, say

DOMAIN = "EXAMPLE"
# the runs of a round, "client location mode", each compared pair back to back
RUNS = ["curl static none", "curl ntlm cached", "curl ntlm-nocache rehandshake", "curl ntlm handshake",
        "gss static none", "gss ntlm cached", "gss gss cached", "gss ntlm handshake", "gss gss handshake",
        "gss ntlm-nocache rehandshake"]
WHO = {"ntlm": "mod_authcache", "gss": "mod_auth_gssapi", "ntlm-nocache": "mod_authcache DisableNTLMCredentialCaching:"}
WHAT = dict(cached="cached: one logon per connection", handshake="full handshake on a new connection per request",
            rehandshake="handshake per request, keep-alive")
NTLM = ("AuthType NTLM", "AuthNTLMUserFile $tmp/ntlm-users", "AuthNTLMDomain " + DOMAIN)
BODY = location("gss", "AuthType GSSAPI", "AuthName bench", "GssapiAllowedMech ntlmssp", "GssapiConnectionBound On") \
    + location("ntlm", *NTLM) + location("ntlm-nocache", *NTLM, "DisableNTLMCredentialCaching On")
COUNTERS = ("ntlm_handshakes", "ntlm_logons", "ntlm_cache_hits")


def scenario(spec):
    """(id, client, location, mode, baseline, label) of one of RUNS"""
    cli, loc, mode = spec.split()
    g = "g-" if cli == "gss" else ""
    if loc == "static":
        return g + "static", cli, loc, mode, g + "static", "static, no auth (baseline)"
    sid = "%s%s-%s" % (g, "peer" if loc == "gss" else "ac", mode)
    return sid, cli, loc, mode, g + "static", WHO[loc] + " " + WHAT[mode]


def server(h, idle, build="after"):
    srv = Httpd(h, ["authn_core", "authz_core", "authz_user", "socache_shmcb", "auth_gssapi"], BODY,
                ["static", "ntlm", "ntlm-nocache", "gss"], keepalive=300, idle=idle, build=build)
    users = srv.write("ntlm-users", "")
    run([os.path.join(ROOT, "tools/htntlm"), "-c", "-b", users, DOMAIN, USER, PASSWORD])
    os.chmod(users, 0o644)
    # gss-ntlmssp reads DOMAIN:user:password, in the server (to verify) and
    # in gss-ntlm-load (to log on): a throw-away bench password
    srv.env["NTLM_USER_FILE"] = srv.write("gss-users", "%s:%s:%s\n" % (DOMAIN, USER, PASSWORD))
    return srv.start()


def memory(h, gss, mode, loc, idle, warm, transfers=1, build="after"):
    """kB of RSS and PSS per idle connection of /loc/ (core.idle_memory), on
    a fresh httpd of this bench"""
    return idle_memory(h, lambda: server(h, idle, build), gss, mode, loc, idle, warm, transfers)


def run_bench(h):
    # more, shorter rounds: a neighbour's burst then spoils one round of seven
    secs, rounds = h.sizes(2, 7)
    conns, idle, warm = (2, 20, 2) if h.args.smoke else (8, 500, WARM_CONNECTIONS)
    clients = dict(curl=h.cc("ntlm-load.c", "-pthread", "-lcurl"), gss=h.cc("gss-ntlm-load.c", "-lgssapi_krb5"))
    scenarios, note, runs = [scenario(r) for r in RUNS], "", Runs()
    with contextlib.ExitStack() as stack:
        # mod_authcache's runs with each build (--before), on an httpd each
        srvs = {b: stack.enter_context(server(h, idle, b)) for b in h.builds}
        srv = srvs["after"]
        # auth is enforced everywhere, curl's NTLM works, and a short cached
        # run loads gss-ntlmssp into the children
        for loc in ("ntlm", "ntlm-nocache", "gss"):
            srv.expect("/%s/small.txt" % loc, 401)
        for loc in ("ntlm", "ntlm-nocache"):
            srv.expect("/%s/small.txt" % loc, 200, "--ntlm", "-u", "%s\\%s:%s" % (DOMAIN, USER, PASSWORD))
        h.load(clients["gss"], srv.url("/gss/small.txt"), "cached", 60, srv.env, connections=2, seconds=1)
        # mod_auth_gssapi's mag_conn_clear() wipes the connection record (its
        # is_preserved flag too) when a new handshake starts on an
        # authenticated connection: probed, not assumed
        try:
            h.load(clients["gss"], srv.url("/gss/small.txt"), "rehandshake", 60, srv.env, connections=1, seconds=1)
            scenarios.append(scenario("gss gss rehandshake"))
        except BenchError as e:
            why = re.search(r"^gss-ntlm-load: (.*)$", str(e), re.M)
            note = ("a second NTLM handshake on an authenticated keep-alive connection fails (%s): "
                    "mod_auth_gssapi's mag_conn_clear() wipes the connection record with its is_preserved flag, "
                    "and the peer has no per-location switch for the connection-bound credential" % (
                        why.group(1) if why else "exit status"))
            say("peer keep-alive re-handshake: not measured")
        for r in range(rounds):
            for s0, cli, loc, mode, _, _ in scenarios:
                for s, b in h.turns(s0, r) if loc.startswith("ntlm") else [(s0, "after")]:
                    runs.add(s, r, srvs[b].measure(lambda: h.load(
                        clients[cli], srvs[b].url("/%s/small.txt" % loc), mode, secs + 45, srvs[b].env,
                        connections=conns, seconds=secs), COUNTERS))
    mem = {k: memory(h, clients["gss"], mode, loc, idle, warm, build=b) for k, mode, loc, b in (
        ("plain", "none", "static", "after"), ("gssapi", "cached", "gss", "after"),
        *(("authcache" + t[len("x"):], "cached", "ntlm", b) for t, b in h.tagged("x")))}
    ac, gss = ([a - b for a, b in zip(mem[k], mem["plain"])] for k in ("authcache", "gssapi"))
    # idle after a further request from the credential: what a connection
    # keeps once the logon's request is behind it
    mem.update({k: memory(h, clients["gss"], mode, loc, idle, warm, 2) for k, mode, loc in (
        ("plain-2", "none", "static"), ("authcache-2", "cached", "ntlm"))})
    ac2 = [a - b for a, b in zip(mem["authcache-2"], mem["plain-2"])]
    ac_before = [a - b for a, b in zip(mem["authcache@before"], mem["plain"])] if "authcache@before" in mem else None
    t = runs.total
    one = all(t(s, "ntlm_logons") == t(s, "conns") for s in ("ac-cached", "g-ac-cached"))
    details = [
        "- %ds per run, %d round(s), %d connections; **libcurl** = bench/ntlm-load (CURLAUTH_NTLM, a thread and a "
        "connection per slot); **gss** = bench/gss-ntlm-load (NTLMSSP from gss-ntlmssp via gss_init_sec_context, "
        "sent as `Authorization: NTLM`, one epoll thread): libcurl cannot load the peer (its NEGOTIATE is refused "
        "there); latency includes handshake legs and connect" % (secs, rounds, conns),
        "- client CPU near 1.00: the client saturated its core, req/s ratios are squeezed toward 1", "",
        "| scenario | client | authority calls (user-file logons) / requests | client CPU |",
        "| --- | --- | ---: | ---: |",
        *["| %s | %s | %d / %d%s | %.2f |" % (
            label, cli.replace("curl", "libcurl"), t(s, "handshakes" if loc == "gss" else "ntlm_logons"),
            t(s, "requests"), " (peer: every handshake)" if loc == "gss" else "", runs.med(s, "client_cpu"))
          for s, cli, loc, _, _, label in scenarios], "",
        "- one logon per connection: **%s** (libcurl: %d logons for %d connections, %d requests from the connection's "
        "credential; gss client: %d logons for %d connections)" % (
            "yes" if one else "NO", t("ac-cached", "ntlm_logons"), t("ac-cached", "conns"),
            t("ac-cached", "ntlm_cache_hits"), t("g-ac-cached", "ntlm_logons"), t("g-ac-cached", "conns")),
        "- memory (**estimate**: children RSS with %d idle keep-alive connections held by the gss client minus "
        "before, over %d, each kind on a fresh httpd): plain %.2f kB, mod_authcache %.2f kB, mod_auth_gssapi %.2f kB a "
        "connection; a cached credential costs **%.2f kB** (mod_authcache) and %.2f kB (mod_auth_gssapi) over a plain "
        "connection (PSS: %.2f and %.2f kB); idle after a second request, from the credential: plain %.2f kB, "
        "mod_authcache %.2f kB, **%.2f kB** over plain (PSS %.2f kB)" % (
            idle, idle, mem["plain"][0], mem["authcache"][0], mem["gssapi"][0], ac[0], gss[0], ac[1], gss[1],
            mem["plain-2"][0], mem["authcache-2"][0], ac2[0], ac2[1]),
        "- libcurl against DisableNTLMCredentialCaching needs three round trips a request (a header-less GET gets a "
        "bare `401 NTLM`, then NEGOTIATE and AUTHENTICATE); the gss client sends its NEGOTIATE at once (two)",
    ]
    if note:
        details.append("- mod_auth_gssapi, handshake per request on a keep-alive connection: not measured: " + note)
    if ac_before:
        details.append("- memory per cached connection with the --before build: **%.2f kB** (PSS %.2f kB), this "
                       "tree's %.2f kB" % (ac_before[0], ac_before[1], ac[0]))
    return dict(rows=[runs.row("ntlm", s, label, base, "libcurl" if cli == "curl" else cli)
                      for s0, cli, loc, _, base, label in scenarios
                      for s, _ in (h.tagged(s0) if loc.startswith("ntlm") else [(s0, "after")])], details=details,
                notes=["NTLM: mod_auth_gssapi's keep-alive re-handshake is not measured (see details)"] if note else [],
                targets=runs.targets(h, {
                    "ntlm_cached_vs_static": ("ac-cached", "static", "client libcurl"),
                    "ntlm_handshake_vs_gssapi": ("g-ac-handshake", "g-peer-handshake", (
                        "same gss client for both; libcurl against mod_authcache vs gss against the peer: "
                        "%.2fx") % runs.ratio("ac-handshake", "g-peer-handshake"))}),
                memory=dict({"ntlm_connection": (round(ac[0], 2), (
                    "RSS of an idle authenticated keep-alive connection over a plain one (%d idle connections, "
                    "glibc's per-thread malloc caches off; "
                    "below zero: it keeps fewer freed blocks than a plain one; idle after a second request: "
                    "%.2f kB; mod_auth_gssapi: %.2f kB)") % (idle, ac2[0], gss[0]))},
                    **({"ntlm_connection@before": (round(ac_before[0], 2), "the same with the --before build")}
                       if ac_before else {})),
                data=dict(memory_kb_per_connection=mem, peer_keepalive_rehandshake=note or "measured",
                          totals={s[0]: {k: t(s[0], k) for k in ("requests", "conns", "handshakes") + COUNTERS}
                                  for s in scenarios}))
