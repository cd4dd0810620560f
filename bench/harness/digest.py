# SPDX-License-Identifier: Apache-2.0
"""Digest: mod_authcache's cached contexts against mod_auth_digest checking
nonce counts. bench/digest-load.c (its own RFC 7616 on OpenSSL EVP) sends
per keep-alive connection GET -> 401 -> nc=1, then nc=2, 3, ... Two
httpds, pinned alike, their runs interleaved per round: mod_authcache
alone (and static, the baseline), and one with mod_auth_digest loaded too,
which parses every Digest header whoever's location it is for, with
mod_auth_digest's locations and mod_authcache's again. Then the context
store, a fresh httpd each: a known store smaller than the contexts made,
and the module's default one, the contexts spread over many users."""
import contextlib
import hashlib
import os
import time

from core import PASSWORD, USER, BenchError, Httpd, Runs, location, say

REALM = "bench@test"
# id, location, label, httpd (ac: mod_authcache alone, md: mod_auth_digest
# loaded too); each compared pair runs back to back
SCENARIOS = [("static", "static", "static, no auth (baseline)", "ac"),
             ("ac-cached", "ac-digest", "mod_authcache Digest, cached context (one logon per connection)", "ac"),
             ("ac-cached-md", "ac-digest", "mod_authcache Digest as above, mod_auth_digest loaded too", "md"),
             ("md-digest", "md-digest", "mod_auth_digest, AuthDigestNcCheck On (user file read per request)", "md"),
             ("md-digest-1k", "md-digest-1k", "mod_auth_digest as above, 1,000-user file (the bench user last)",
              "md")]
DIGEST = ("AuthType Digest", 'AuthName "%s"' % REALM)
# httpd's own part of a Digest request, counted in instructions: a header
# of the length digest-load sends (its values' lengths, made-up values)
# into a location of the same directives that grants without authn
FLOOR = "\n".join(("<Location /floor/>",) + DIGEST + ("Require all granted", "</Location>\n"))
FLOOR_HEADER = ('Digest username="%s", realm="%s", nonce="%s", uri="/floor/small.txt", response="%s", opaque="%s", '
                'algorithm=MD5, qop=auth, nc=00000001, cnonce="%s"' % (
                    USER, REALM, "A" * 20, "0" * 32, "1" * 32, "2" * 16))
COUNTERS = ("digest_challenges", "digest_logons", "digest_context_hits", "digest_replays",
            "digest_denials", "digest_stale")


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def server(h, store="", build="after", peer=False, users=0):
    """store: an AuthCacheSOCache spec, or "" for the module's default;
    peer: mod_auth_digest loaded too, with its locations; users: that many
    users more in mod_authcache's file, USER0 .. (digest-load --users)"""
    body = "\n".join([
        "AuthCacheSOCache " + store if store else "", FLOOR,
        location("ac-digest", *DIGEST, "AuthCacheDigestUserFile $tmp/digest-users", "AuthCacheDigestAlgorithms MD5")]
        + (["# mod_auth_digest's nonce counts: 1 MiB holds thousands of clients, the bench has dozens",
            "AuthDigestShmemSize 1048576"] if peer else [])
        + [location(n, *DIGEST, "AuthDigestProvider file", "AuthUserFile $tmp/" + f, "AuthDigestNcCheck On")
           for n, f in (("md-digest", "htdigest"), ("md-digest-1k", "htdigest-1k")) if peer])
    srv = Httpd(h, ["authn_core", "authn_file", "authz_core", "authz_user"] + (["auth_digest"] if peer else []), body,
                [s[1] for s in SCENARIOS] + ["floor"], keepalive=60, build=build)
    a1 = "%s:%s:%s" % (USER, REALM, PASSWORD)
    # H(A1): mod_authcache's file names the algorithm, htdigest's is MD5 only
    srv.write("digest-users", "%s:%s:MD5:%s\n%s:%s:SHA-256:%s\n" % (
        USER, REALM, md5(a1), USER, REALM, hashlib.sha256(a1.encode()).hexdigest()) + "".join(
        "%s%d:%s:MD5:%s\n" % (USER, i, REALM, md5("%s%d:%s:%s" % (USER, i, REALM, PASSWORD))) for i in range(users)))
    line = "%s:%s:%s\n" % (USER, REALM, md5(a1))
    srv.write("htdigest", line)
    srv.write("htdigest-1k", "".join("user%03d:%s:%s\n" % (i, REALM, md5("%03d" % i)) for i in range(1, 1000)) + line)
    return srv.start()


class Store:
    """n new contexts (a handshake each, on a new connection) on a fresh
    httpd; then which the store holds, what its chunks say, what a replayed
    nc=1 request does at both ends and, for the known store, the churn"""

    def __init__(self, h, dl, conns, users):
        self.h, self.dl, self.conns, self.users = h, dl, conns, users

    def load(self, mode, timeout=120, **opts):
        return self.h.load(self.dl, self.srv.url("/ac-digest/small.txt"), mode, timeout, **opts)

    def probe(self):
        """every context once with a wrong response for nc=2: refused either
        way and nothing stored, but one whose record the store holds as wrong
        (digest_denials), one it dropped with stale=true (digest_stale)"""
        c0, p, c1 = self.srv.counters(), self.load("probe", connections=self.conns, file=self.tsv), self.srv.counters()
        held, dropped = (c1[k] - c0[k] for k in ("digest_denials", "digest_stale"))
        if p["refused"] != self.n or held + dropped != self.n:
            raise BenchError("probe: %d refused as wrong and %d as stale, of %d" % (held, dropped, self.n))
        return held, dropped

    def run(self, kind, spec, n_ctx, ctx_secs, sample):
        with server(self.h, spec, users=self.users) as self.srv:
            self.tsv = os.path.join(self.srv.tmp, "ctx.tsv")
            c = dict(descr=self.srv.counters()["store"].replace(self.srv.tmp + "/", ""))
            t0 = time.time()
            made = self.load("contexts", ctx_secs + 45, connections=self.conns, seconds=ctx_secs, count=n_ctx,
                             save=self.tsv, users=self.users)
            self.n = n = int(made["requests"])
            if len(open(self.tsv).readlines()) != n:
                raise BenchError("contexts (%s): %d made, but not all saved" % (kind, n))
            c.update(self.srv.store(), made=n, made_rps=made["rps"])
            c["held"], c["dropped"] = self.probe()
            if c["held"] and c["used"]:
                c["cpc"] = c["used"] / c["held"]
                c["cap"] = int((c["used"] + c["free"]) / c["cpc"])
                c["bpc"] = round(c["cpc"] * c["chunk"] + c["buckets"] * 4 / c["cap"])
            # the nc=1 request again: the newest contexts (held: refused from
            # their windows), then the oldest (what happens to a dropped one
            # depends on its nonce's age)
            k = c["sample"] = min(sample, n // 2)
            new = self.load("replay", 60, connections=1, file=self.tsv, range="%d:%d" % (n - k, n))
            c0, c["old_age"] = self.srv.counters(), time.time() - t0
            old = self.load("replay", 60, connections=1, file=self.tsv, range="0:%d" % k)
            c1 = self.srv.counters()
            c.update(new=new, old=old, old_logons=c1["digest_logons"] - c0["digest_logons"],
                     old_stale=c1["digest_stale"] - c0["digest_stale"])
            if kind == "known":
                # 2n cached requests on conns connections (conns new contexts,
                # the rest rewriting their windows) between two probes
                c["held_before"], s0 = self.probe()[0], self.srv.store()
                churn = self.load("cached", connections=self.conns, seconds=60, count=2 * n)
                if churn["requests"] != 2 * n:
                    raise BenchError("churn: %d of %d requests in 60 s" % (churn["requests"], 2 * n))
                s1 = self.srv.store()
                c.update(churn=2 * n, churn_new=int(churn["handshakes"]), churn_stores=s1["stores"] - s0["stores"],
                         churn_evicted=s1["evicted"] - s0["evicted"], held_after=self.probe()[0])
        say("  contexts %s: %d made, store %s: %d entries, %d evicted; %d held, %d dropped" % (
            kind, n, c["descr"], c["entries"], c["evicted"], c["held"], c["dropped"]))
        return c


def held(c):
    if not c["dropped"]:
        return "held all %d contexts made, in %d of its %d chunks" % (c["made"], c["used"], c["used"] + c["free"])
    return "held **%d** of the %d made, having evicted %d entries%s" % (
        c["held"], c["made"], c["evicted"], ": its capacity" if c["evicted"] else
        " (not for want of room: AuthCacheDigestMaxContexts bounds each user's)")


def store_details(n_ctx, conns, users, kn, de):
    lines = ["", "Context store: %d new contexts per store (GET -> 401 -> nc=1 each, on a new connection, %d at a "
             "time), spread over %d users round-robin (%d each, under AuthCacheDigestMaxContexts 16), a fresh "
             "httpd each. A context is two entries: its sealed record (the opaque and 'D'), written at logon, and "
             "its 49-byte replay window (the opaque and 'W'), rewritten on every request; each user has a roster "
             "of theirs (an entry of 24 bytes a context). Each is probed with a wrong response for nc=2: refused "
             "either way, nothing stored, but a *held* context counts as digest_denials, a *dropped* one as "
             "digest_stale." % (n_ctx, conns, users, n_ctx // users), "",
             "| store | contexts made | made/s | held | dropped | entries (records, windows, rosters) "
             "| chunks used / free | evicted | chunks per context | bytes per context | capacity in contexts |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += ["| `%s` | %d | %.0f | %d | %d | %d | %d / %d | %d | %.2f | %s | %s |" % (
        c["descr"], c["made"], c["made_rps"], c["held"], c["dropped"], c["entries"],
        c["used"], c["free"], c["evicted"], c.get("cpc", 0), c.get("bpc", "n/a"), c.get("cap", "n/a"))
        for c in (kn, de)]
    lines += ["", "- bytes per context: %.2f chunks of %d bytes (3 for the record, 2 for the window, and its share "
              "of its user's roster) and a share of the %d hash buckets of 4 bytes: **%s bytes**; the default store "
              "`%s` holds about %s contexts" % (
                  kn.get("cpc", 0), kn["chunk"], kn["buckets"], kn.get("bpc"), de["descr"], de.get("cap")),
              "- the %d-byte store %s; the default store %s" % (kn["shm"], held(kn), held(de))]
    for c in (kn, de):
        lines.append("- replays of nc=1 in `%s`: the %d newest contexts refused %d, accepted %d; the %d oldest "
                     "(nonces %.0f s old) accepted **%d**, refused %d (%d user-file logons, %d stale=true)" % (
                         c["descr"], c["sample"], c["new"]["refused"], c["new"]["accepted"], c["sample"],
                         c["old_age"], c["old"]["accepted"], c["old"]["refused"], c["old_logons"], c["old_stale"]))
    if kn["old"]["accepted"] + de["old"]["accepted"]:
        lines.append("- a dropped context leaves nothing to check the count against: nc=1 on a nonce under 60 s "
                     "old is taken for a fresh logon, verified against the user file, and **the replay gets in** "
                     "as a new context; on an older nonce it gets stale=true and a new opaque")
    lost = kn["held_before"] - kn["held_after"]
    lines.append("- churn in the known store: %d held, then %d cached requests on %d connections (%d new contexts, "
                 "%d stores, %d evicted): **%d** still held, %d fewer: %s" % (
                     kn["held_before"], kn["churn"], conns, kn["churn_new"], kn["churn_stores"], kn["churn_evicted"],
                     kn["held_after"], lost, "the cached traffic pushed no idle context out" if lost <= 0 else
                     "a window rewritten in place takes no new chunk, the oldest made room for the churn's new "
                     "contexts" if lost <= kn["churn_new"] else "the cached traffic itself pushed contexts out"))
    return lines


def tagged(h, sid, rnd=0):
    """a scenario's runs: mod_authcache's with each build (--before), in
    round rnd's order (Harness.turns)"""
    return h.turns(sid, rnd) if sid.startswith("ac-") else [(sid, "after")]


def run_bench(h):
    secs, rounds = h.sizes(2, 7)
    conns, n_ctx, ctx_secs, sample = (2, 1000, 20, 10) if h.args.smoke else (8, 20000, 60, 50)
    # contexts over many users: 10 each, AuthCacheDigestMaxContexts (16)
    # bounds none of them
    users = n_ctx // 10
    # the known store: 2 MiB holds about 5,000 contexts; halved (to 64 KiB
    # at the least) until it holds at most about half of n_ctx
    size = 2097152
    while size > n_ctx * 165 and size > 65536:
        size //= 2
    dl = h.cc("digest-load.c", "-pthread", "-lcrypto")
    runs = Runs()
    with contextlib.ExitStack() as stack:
        srvs = {(w, b): stack.enter_context(server(h, build=b, peer=w == "md")) for w in ("ac", "md")
                for b in h.builds}
        ac, md = srvs["ac", "after"], srvs["md", "after"]
        # static's own httpd (as ac's) for the pairs run side by side
        alone = stack.enter_context(server(h))
        # auth is enforced, curl's Digest (another implementation) works, and
        # both modules check nonce counts (nc 1, 1 again, 2, 2 again, 3)
        for srv, loc in ((ac, "ac-digest"), (md, "md-digest")):
            srv.expect("/%s/small.txt" % loc, 401)
            srv.expect("/%s/small.txt" % loc, 200, "--digest", "-u", "%s:%s" % (USER, PASSWORD))
        nc = {loc: h.load(dl, srv.url("/%s/small.txt" % loc), "replaycheck", 30)["statuses"]
              for srv, loc in ((ac, "ac-digest"), (md, "md-digest"))}
        for r in range(rounds):
            for s0, loc, _, where in SCENARIOS:
                for s, b in tagged(h, s0, r):
                    srv = srvs[where, b]
                    runs.add(s, r, srv.measure(lambda: h.load(dl, srv.url("/%s/small.txt" % loc), "none"
                                                              if s == "static" else "cached", secs + 45,
                                                              connections=conns, seconds=secs), COUNTERS))
            # the static target's pair again, side by side (the mod_authcache
            # httpd of each build against static's own)
            load = lambda srv, loc, mode: lambda: h.load(dl, srv.url("/%s/small.txt" % loc), mode, secs + 45,
                                                         connections=conns, seconds=secs)
            for s, b in h.turns("ac-cached", r):
                runs.side_by_side((s, srvs["ac", b], load(srvs["ac", b], "ac-digest", "cached")),
                                  ("static", alone, load(alone, "static", "none")), r)
        # the same pairs in instructions (digest-load's handshake, one
        # transfer of each run, cancels out)
        send = lambda srv, loc, mode: lambda n: h.load(dl, srv.url("/%s/small.txt" % loc), mode, 600,
                                                       connections=1, seconds=600, count=n)
        runs.count_instructions(h, [("static", ac, send(ac, "static", "none"))] + [
            (s, srvs["ac", b], send(srvs["ac", b], "ac-digest", "cached")) for s, b in h.tagged("ac-cached")] + [
            (s, ac, lambda n, p=p, a=a: ac.keepalive_gets(p, n, a)) for s, p, a in (
                ("py-static", "/static/small.txt", {}), ("floor", "/floor/small.txt", {"Authorization": FLOOR_HEADER}))])
        floor = runs.instr["floor"] - runs.instr["py-static"]
    kn, de = (Store(h, dl, conns, users).run(k, spec, n_ctx, ctx_secs, sample)
              for k, spec in (("known", "authcache:(%d)" % size), ("default", "")))
    t = lambda k: runs.total("ac-cached", k)
    one = t("digest_logons") == t("handshakes") and t("digest_context_hits") == t("requests") - t("handshakes")

    def calls(s):
        n = runs.total(s, "requests")
        return "- / %d" % n if s == "static" else "%d / %d" % (
            runs.total(s, "digest_logons"), n) if s.startswith("ac-") else "%d / %d (every request)" % (n, n)
    details = [
        "- %ds per run, %d round(s), %d keep-alive connections; bench/digest-load computes its MD5 responses with "
        "OpenSSL EVP, not the module's code; any status but 200 after the handshake fails the bench" % (
            secs, rounds, conns), "",
        "| scenario | authority calls (user-file lookups) / requests | client CPU |", "| --- | ---: | ---: |",
        *["| %s | %s | %.2f |" % (label, calls(s), runs.med(s, "client_cpu")) for s, _, label, _ in SCENARIOS],
        "", "- against the 1,000-user file (scanned per request, where mod_authcache reads its file at logon only): "
        "%.3fx req/s, %.3fx httpd CPU; the target is judged on the 1-user file, mod_auth_digest's best case" % (
            runs.ratio("ac-cached-md", "md-digest-1k"), runs.ratio("ac-cached-md", "md-digest-1k", "cpu_us")),
        "- mod_authcache over the cached runs: %d challenges, **%d logons** for %d connections, **%d context hits** "
        "for %d requests, %d replays, %d denials: one logon per connection, the rest from the context: **%s**" % (
            t("digest_challenges"), t("digest_logons"), t("conns"), t("digest_context_hits"), t("requests"),
            t("digest_replays"), t("digest_denials"), "yes" if one else "NO"),
        "- nonce counts checked (nc 1, 1 again, 2, 2 again, 3): mod_authcache %s, mod_auth_digest %s" % (
            nc["ac-digest"], nc["md-digest"]),
        "- mod_auth_digest parses every Digest header in post_read_request, mod_authcache's locations included: "
        "loaded beside mod_authcache it adds %.1fus a request to mod_authcache's (%.3fx its CPU); the static "
        "target is judged on mod_authcache alone, the mod_auth_digest target on both loaded (each httpd has the "
        "same config otherwise, pinned alike)" % (
            runs.med("ac-cached-md", "cpu_us") - runs.med("ac-cached", "cpu_us"),
            runs.ratio("ac-cached-md", "ac-cached", "cpu_us")),
        "- httpd's own part, in instructions (callgrind, as under Targets): the same Authorization header (%d "
        "bytes) into a location with the same AuthType and AuthName and `Require all granted` (no authn runs), "
        "against static, both from one Python client: **%+.0f instructions** a request, of mod_authcache's %+.0f "
        "over static; a Digest module's own work (parse, a hash, the nonce count) comes on top" % (
            len(FLOOR_HEADER), floor, runs.instr["ac-cached"] - runs.instr["static"]),
    ] + store_details(n_ctx, conns, users, kn, de)
    return dict(instr=runs.instr,
                rows=[runs.row("digest", s, label, "static", "digest-load") for s0, _, label, _ in SCENARIOS
                      for s, _ in tagged(h, s0)],
                details=details, data=dict(nc_check=nc, context_store=dict(known=kn, default=de), one_logon=one),
                targets=dict(runs.targets(h, {"digest_cached_vs_static": ("ac-cached", "static", "")}), **{
                    "digest_cached_vs_auth_digest" + s[len("ac-cached-md"):]: runs.target(s, "md-digest", (
                        "both loaded in one httpd")) for s, _ in h.tagged("ac-cached-md")}),
                memory={"digest_context": (kn.get("bpc"), "store chunks of a context's sealed record and replay "
                                           "window (%.0f bytes), plus its share of the hash buckets" % (
                                               kn.get("cpc", 0) * kn["chunk"]))})
