# SPDX-License-Identifier: Apache-2.0
"""Kerberos: mod_authcache's AuthType Negotiate against mod_auth_gssapi on
the same keytab, both in ONE httpd, with one client (gss-ntlm-load --mech
krb5: SPNEGO tokens from gss_init_sec_context, the ticket from a kinit
against build/samba-dc's KDC). Twice: with MIT's replay cache as shipped,
and with KRB5RCACHETYPE=none, on two httpds interleaved per round, so
the replay cache's cost is measured and not guessed. The DC is the one the
domain tests use (build/samba-dc), started here under their lock."""
import contextlib
import fcntl
import os
import pwd
import shutil
import subprocess
import tempfile

from core import PASSWORD, ROOT, USER, WARM_CONNECTIONS, BenchError, Httpd, Runs, idle_memory, location, run, say

REALM = "EXAMPLE.TEST"
DC_LOCK = "/tmp/authcache-dc.lock"
SPN = "HTTP/127.0.0.1"        # the client asks for HTTP@<the URL's host>
# the runs of a round, "server location mode"; rc: the replay cache on, norc: off
RUNS = ["rc static none", "rc krb cached", "rc gss cached", "rc krb handshake", "rc gss handshake",
        "norc krb handshake", "norc gss handshake"]
WHO = dict(krb="mod_authcache", gss="mod_auth_gssapi")
WHAT = dict(cached="cached: one ticket per connection", handshake="full handshake on a new connection per request")
BODY = location("krb", "AuthType Negotiate", "AuthNegotiateKeytab $tmp/http.keytab",
                "AuthNegotiateServicePrincipal " + SPN) \
    + location("gss", "AuthType GSSAPI", "AuthName bench", "GssapiCredStore keytab:$tmp/http.keytab",
               "GssapiAllowedMech krb5", "GssapiConnectionBound On")
COUNTERS = ("negotiate_logons", "negotiate_cache_hits")
KRB5_CONF = """[libdefaults]
    default_realm = %s
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
[realms]
    %s = {
        kdc = 127.0.0.1
    }
[domain_realm]
    127.0.0.1 = %s
""" % (REALM, REALM, REALM)


def scenario(spec):
    """(id, server, location, mode, baseline, label) of one of RUNS"""
    rc, loc, mode = spec.split()
    if loc == "static":
        return "static", rc, loc, mode, "static", "static, no auth (baseline)"
    sid = "%s-%s%s" % ("ac" if loc == "krb" else "peer", mode, "" if rc == "rc" else "-norc")
    base = "static" if mode == "cached" else "peer-" + mode + ("" if rc == "rc" else "-norc")
    label = "%s %s%s" % (WHO[loc], WHAT[mode], "" if rc == "rc" else ", KRB5RCACHETYPE=none")
    return sid, rc, loc, mode, base, label


@contextlib.contextmanager
def domain(h):
    """build/samba-dc under the domain tests' lock: (DC dir, env for kinit and httpd)"""
    if os.getuid():
        raise BenchError("the Kerberos bench starts build/samba-dc: run it as root")
    samba = os.path.join(ROOT, "build/samba-dc")
    with open(DC_LOCK, "w") as lock:
        say("  waiting for %s (the DC is one per machine)" % DC_LOCK)
        fcntl.flock(lock, fcntl.LOCK_EX)
        dc = tempfile.mkdtemp(prefix="acb-dc-", dir="/tmp")
        try:
            run([samba, "start", dc], 300)
            try:
                yield samba, dc
            finally:
                run([samba, "stop", dc], 120, check=False)
        finally:
            shutil.rmtree(dc, ignore_errors=True)


def kdccount(samba, dc):
    return int(run([samba, "kdccount", dc]).stdout.strip())


def server(h, keydir, rcache, idle=0, build="after"):
    """an httpd with both locations on the bench keytab, its own replay
    cache directory; rcache False: KRB5RCACHETYPE=none in its environment;
    idle: room for that many idle keep-alive connections; build: the
    mod_authcache build it loads (--before)"""
    srv = Httpd(h, ["authn_core", "authz_core", "authz_user", "auth_gssapi"], BODY, ["static", "krb", "gss"],
                build=build, **(dict(keepalive=300, idle=idle) if idle else {}))
    keytab, rcdir = os.path.join(srv.tmp, "http.keytab"), os.path.join(srv.tmp, "rcache")
    shutil.copy(os.path.join(keydir, "http.keytab"), keytab)
    www = pwd.getpwnam("www-data")
    os.chown(keytab, www.pw_uid, www.pw_gid)
    os.makedirs(rcdir)
    os.chown(rcdir, www.pw_uid, www.pw_gid)
    srv.env.update(KRB5RCACHEDIR=rcdir)
    if not rcache:
        srv.env["KRB5RCACHETYPE"] = "none"
    return srv.start()


def run_bench(h):
    secs, rounds = h.sizes(2, 5)
    conns, idle, warm = (2, 20, 2) if h.args.smoke else (8, 500, WARM_CONNECTIONS)
    client = h.cc("gss-ntlm-load.c", "-lgssapi_krb5")
    scenarios, runs = [scenario(r) for r in RUNS], Runs()
    # mod_authcache's runs with each build (--before), on an httpd each
    tagged = lambda sid, loc, r=0: h.turns(sid, r) if loc == "krb" else [(sid, "after")]
    with domain(h) as (samba, dc):
        keydir = tempfile.mkdtemp(prefix="authcache-bench-krb-")
        os.chmod(keydir, 0o755)
        try:
            with open(os.path.join(keydir, "krb5.conf"), "w") as f:
                f.write(KRB5_CONF)
            os.chmod(os.path.join(keydir, "krb5.conf"), 0o644)
            # httpd, the load client and curl's warm-up all see this realm
            os.environ.update(KRB5_CONFIG=os.path.join(keydir, "krb5.conf"), KRB5CCNAME="FILE:%s/cc" % keydir)
            run([samba, "user", dc, USER, PASSWORD], 120)
            run([samba, "keytab", dc, os.path.join(keydir, "http.keytab"), "httpbench", SPN], 120)
            if subprocess.run(["kinit", "%s@%s" % (USER, REALM)], input=PASSWORD + "\n", text=True,
                              capture_output=True, timeout=60).returncode:
                raise BenchError("kinit %s@%s failed" % (USER, REALM))
            with contextlib.ExitStack() as stack:
                srvs = {(rcn, b): stack.enter_context(server(h, keydir, rcn == "rc", build=b))
                        for rcn in ("rc", "norc") for b in h.builds}
                for s in srvs.values():
                    for loc in ("krb", "gss"):
                        s.expect("/%s/small.txt" % loc, 401)
                        s.expect("/%s/small.txt" % loc, 200, "--negotiate", "-u", ":")
                kdc0 = kdccount(samba, dc)
                for r in range(rounds):
                    for s0, rcn, loc, mode, _, _ in scenarios:
                        for sid, b in tagged(s0, loc, r):
                            s = srvs[rcn, b]
                            runs.add(sid, r, s.measure(lambda: h.load(
                                client, s.url("/%s/small.txt" % loc), mode, secs + 45, s.env, connections=conns,
                                seconds=secs, mech="krb5"), COUNTERS if loc == "krb" else ()))
                kdc = kdccount(samba, dc) - kdc0
            # memory per idle connection holding an identity, over a plain
            # one, after the logon and after a further request (as NTLM's)
            mem = {"%s-%d" % (k, n): idle_memory(h, lambda: server(h, keydir, True, idle), client, mode, loc,
                                                 idle, warm, n, mech="krb5")
                   for k, mode, loc in (("plain", "none", "static"), ("authcache", "cached", "krb"),
                                        ("gssapi", "cached", "gss")) for n in (1, 2)}
        finally:
            shutil.rmtree(keydir, ignore_errors=True)
            for v in ("KRB5_CONFIG", "KRB5CCNAME"):
                os.environ.pop(v, None)
    t = runs.total
    over = {"%s-%d" % (k, n): [a - b for a, b in zip(mem["%s-%d" % (k, n)], mem["plain-%d" % n])]
            for k in ("authcache", "gssapi") for n in (1, 2)}
    one = t("ac-cached", "negotiate_logons") == t("ac-cached", "conns")
    details = [
        "- %ds per run, %d round(s), %d connections; client: bench/gss-ntlm-load --mech krb5 (SPNEGO with "
        "Kerberos from gss_init_sec_context, service ticket from the ccache, one epoll thread) for every scenario, "
        "so its own cost is the same on both sides; KDC: build/samba-dc; keytab: one `HTTP/127.0.0.1` key shared "
        "by both modules" % (secs, rounds, conns),
        "- KDC requests during the measured runs: **%d** (the client's service ticket comes from its ccache)" % kdc,
        "- one GSSAPI accept per connection (cached): **%s** (%d tokens accepted for %d connections, %d requests "
        "from the connection's identity)" % ("yes" if one else "NO", t("ac-cached", "negotiate_logons"),
                                             t("ac-cached", "conns"), t("ac-cached", "negotiate_cache_hits")),
        "- replay cache: MIT's default (`dfl`, a file per uid under KRB5RCACHEDIR) vs `KRB5RCACHETYPE=none`, two "
        "httpds measured in the same rounds: handshakes/s %.0f vs %.0f (mod_authcache), %.0f vs %.0f "
        "(mod_auth_gssapi); httpd CPU per handshake %.0f vs %.0f us (mod_authcache)" % (
            runs.med("ac-handshake", "rps"), runs.med("ac-handshake-norc", "rps"),
            runs.med("peer-handshake", "rps"), runs.med("peer-handshake-norc", "rps"),
            runs.med("ac-handshake", "cpu_us"), runs.med("ac-handshake-norc", "cpu_us")), "",
        "| scenario | GSSAPI accepts / requests | client CPU |", "| --- | ---: | ---: |",
        *["| %s | %s / %d | %.2f |" % (label, t(s, "negotiate_logons") if loc == "krb" else "%d (every handshake)" %
                                      t(s, "handshakes") if loc == "gss" else "-", t(s, "requests"),
                                      runs.med(s, "client_cpu"))
          for s, _, loc, _, _, label in scenarios],
    ]
    return dict(rows=[runs.row("kerberos", s, label, base, "gss krb5") for s0, _, loc, _, base, label in scenarios
                      for s, _ in tagged(s0, loc)],
                details=details,
                targets=runs.targets(h, {
                    "krb_cached_vs_static": ("ac-cached", "static", ""),
                    "krb_handshake_vs_gssapi": ("ac-handshake", "peer-handshake", (
                        "replay cache on for both; with KRB5RCACHETYPE=none: %.2fx req/s") % runs.ratio(
                            "ac-handshake-norc", "peer-handshake-norc"))}),
                memory={"krb_connection": (round(over["authcache-1"][0], 2), (
                    "RSS of an idle keep-alive connection holding a Kerberos identity over a plain one (%d idle "
                    "connections, glibc's per-thread malloc caches off; idle after a second request: %.2f kB; mod_auth_gssapi: %.2f kB, %.2f kB)") % (
                        idle, over["authcache-2"][0], over["gssapi-1"][0], over["gssapi-2"][0]))},
                data=dict(kdc_requests=kdc, memory_kb_per_connection=mem, totals={s[0]: {k: t(s[0], k) for k in ("requests", "conns", "handshakes")
                                                           + COUNTERS} for s in scenarios}))
