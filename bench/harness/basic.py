# SPDX-License-Identifier: Apache-2.0
"""Basic: one httpd, four locations that differ only in the authn path:
static (no auth: the baseline), mod_authn_file over a bcrypt (cost 10)
htpasswd file, mod_authn_socache in front of it, and mod_authcache in front
of it (hits). wrk runs them interleaved per round; then the hits again,
side by side with static on an httpd of its own."""
import base64
import contextlib
import time

from core import PASSWORD, USER, Httpd, Runs, location, run

# authcache right after static: the pair compared runs back to back, and
# never right after a bcrypt run (its replies still in flight would eat
# the next run's CPU)
SCENARIOS = [
    ("static", "static, no auth (baseline)", None),
    ("authcache", "mod_authcache hit (bcrypt file behind it)",
     ("AuthBasicProvider authcache", "AuthCacheProvider file")),
    ("file", "mod_authn_file, bcrypt cost 10", ("AuthBasicProvider file",)),
    ("socache", "mod_authn_socache in front of the bcrypt file",
     ("AuthBasicProvider socache file", "AuthnCacheProvideFor file")),
]


def run_bench(h):
    secs, rounds = h.sizes(10, 3)
    body = "# mod_authn_socache's cache is global\nAuthnCacheSOCache shmcb\n"
    body += "".join(location(s, "AuthType Basic", "AuthName bench", "AuthUserFile $tmp/users.htpasswd", *d)
                    for s, _, d in SCENARIOS[1:])
    mods = "authn_core authn_file authn_socache authz_core authz_user auth_basic socache_shmcb"
    auth = "Authorization: Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
    runs, srvs = Runs(), {}
    # an httpd per build (--before): the same config, its own mod_authcache
    with contextlib.ExitStack() as stack:
        for b in h.builds:
            srv = srvs[b] = stack.enter_context(Httpd(h, mods.split(), body, [s for s, _, _ in SCENARIOS], build=b))
            pw = srv.write("users.htpasswd", "")
            run(["htpasswd", "-B", "-C", "10", "-bc", pw, USER, PASSWORD])
            srv.start()
            # warm-up: fills both caches, and auth is really enforced
            for s, _, _ in SCENARIOS[1:] if b == "after" else SCENARIOS[1:2]:
                srv.expect("/%s/small.txt" % s, 401)
                srv.expect("/%s/small.txt" % s, 200, "-u", "%s:%s" % (USER, PASSWORD))
        # static's own httpd (as the others') for the pairs run side by side
        alone = stack.enter_context(Httpd(h, mods.split(), body, [s for s, _, _ in SCENARIOS]))
        alone.write("users.htpasswd", "")
        alone.start()
        srv = srvs["after"]
        c0 = srv.counters()
        for r in range(rounds):
            for s, _, _ in SCENARIOS:
                # a bcrypt reply takes a core some 60 ms, 8 are in flight:
                # a 1 s run may end before the first one
                t = secs if s in ("static", "authcache") else max(secs, 3)
                for sid, b in h.turns(s, r) if s == "authcache" else [(s, "after")]:
                    runs.add(sid, r, srvs[b].measure(lambda: h.wrk(srvs[b].url("/%s/small.txt" % s), t,
                                                                   ["-H", auth])))
                if s in ("file", "socache"):
                    time.sleep(2)
            # the hit target's pair again, side by side (mod_authcache's httpd
            # of each build against static's own)
            load = lambda srv, s: lambda: h.wrk(srv.url("/%s/small.txt" % s), secs, ["-H", auth])
            for sid, b in h.turns("authcache", r):
                runs.side_by_side((sid, srvs[b], load(srvs[b], "authcache")),
                                  ("static", alone, load(alone, "static")), r)
        c1 = srv.counters()
        # the pair in instructions, each with the header as wrk sent it
        send = lambda srv, s: lambda n: srv.keepalive_gets("/%s/small.txt" % s, n, {"Authorization": auth[15:]})
        runs.count_instructions(h, [("static", srv, send(srv, "static"))] + [
            (sid, srvs[b], send(srvs[b], "authcache")) for sid, b in h.tagged("authcache")])
    calls, hits = (c1[k] - c0[k] for k in ("backend_calls", "basic_hits"))
    details = ["- wrk -t1 -c8 --latency, %ds per run (bcrypt runs 3 s at least), %d round(s); bcrypt cost 10" % (
        secs, rounds), "- mod_authcache during its runs: backend_calls +%d (0: no hit reached bcrypt), basic_hits "
        "+%d for %d requests completed by wrk" % (calls, hits, runs.total("authcache", "requests")),
        "- mod_authn_socache caches the hash the file gave it, so each of its hits still runs bcrypt: file and "
        "socache are expected to be equally slow"]
    return dict(instr=runs.instr, rows=[runs.row("basic", sid, label, "static", "wrk") for s, label, _ in SCENARIOS
                      for sid, _ in (h.tagged(s) if s == "authcache" else [(s, "after")])], details=details,
                targets=runs.targets(h, {"basic_hit_vs_static": ("authcache", "static",
                                                                 "backend_calls in the hit runs: %d" % calls)}),
                data=dict(backend_calls=calls, basic_hits=hits))
