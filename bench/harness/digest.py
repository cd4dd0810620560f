"""Digest (RFC 7616): mod_authcache's cached security contexts against
mod_auth_digest with nonce-count checking, both in ONE httpd: /static/
(baseline), /ac-digest/ (mod_authcache, MD5: after the logon on an opaque
each request is verified from the sealed context in the store),
/md-digest/ (mod_auth_digest, AuthDigestNcCheck On: H(A1) read from the
user file per request) and /md-digest-1k/ (the same over a 1,000-user
file, the bench user last). One load client, bench/digest-load.c (its own
RFC 7616 arithmetic on OpenSSL EVP): per keep-alive connection GET -> 401
-> nc=1, then nc=2, 3, ... on the same nonce and opaque.
Then the context store, on a fresh httpd each: a known authcache store
that holds fewer contexts than are made, and the module's default store.
A context is two entries there: its sealed record, written once at logon,
and its replay window, rewritten on every request."""
import hashlib
import os
import time

from core import PASSWORD, USER, BenchError, Httpd, Runs, say

REALM = "bench@test"
# id, client mode, location, label; mod_authcache right after static and
# right before the peer: each compared pair runs back to back
SCENARIOS = [
    ("static", "none", "static", "static, no auth (baseline)"),
    ("ac-cached", "cached", "ac-digest", "mod_authcache Digest, cached context (one logon per connection)"),
    ("md-digest", "cached", "md-digest", "mod_auth_digest, AuthDigestNcCheck On (user file read per request)"),
    ("md-digest-1k", "cached", "md-digest-1k", "mod_auth_digest as above, 1,000-user file (the bench user last)"),
]
LOCATION = """<Location /%s/>
  AuthType Digest
  AuthName "%s"
  %s
  Require valid-user
</Location>"""
COUNTERS = ("digest_challenges", "digest_logons", "digest_context_hits", "digest_replays",
            "digest_denials", "digest_stale")
def server(h, store=""):
    """store: an AuthCacheSOCache spec, or "" for the module's default"""
    md = "AuthDigestProvider file\n  AuthUserFile $tmp/%s\n  AuthDigestNcCheck On"
    body = "\n".join([
        "# mod_auth_digest's client table (nonce counts): 1 MiB holds thousands, the bench has dozens",
        "AuthDigestShmemSize 1048576", "AuthCacheSOCache " + store if store else "",
        LOCATION % ("ac-digest", REALM, "AuthCacheDigestUserFile $tmp/digest-users\n  AuthCacheDigestAlgorithms MD5"),
        LOCATION % ("md-digest", REALM, md % "htdigest"), LOCATION % ("md-digest-1k", REALM, md % "htdigest-1k")])
    srv = Httpd(h, ["authn_core", "authn_file", "authz_core", "authz_user", "auth_digest"], body,
                [s[2] for s in SCENARIOS], keepalive=60)
    a1 = "%s:%s:%s" % (USER, REALM, PASSWORD)
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
    # H(A1): mod_authcache's file names the algorithm, htdigest's is MD5 only
    srv.write("digest-users", "%s:%s:MD5:%s\n%s:%s:SHA-256:%s\n" % (
        USER, REALM, md5(a1), USER, REALM, hashlib.sha256(a1.encode()).hexdigest()))
    line = "%s:%s:%s\n" % (USER, REALM, md5(a1))
    srv.write("htdigest", line)
    srv.write("htdigest-1k", "".join("user%03d:%s:%s\n" % (i, REALM, md5("%03d" % i)) for i in range(1, 1000)) + line)
    return srv.start()


def probe(h, dl, srv, tsv, n, conns):
    """every saved context once with a wrong response for nc=2: (held,
    dropped). Refused either way and nothing stored, but a context whose
    record the store holds is refused as wrong (digest_denials), one it
    dropped with stale=true (digest_stale)"""
    c0 = srv.counters()
    p = h.load(dl, srv.url("/ac-digest/small.txt"), "probe", 120, connections=conns, file=tsv)
    c1 = srv.counters()
    held, dropped = (c1[k] - c0[k] for k in ("digest_denials", "digest_stale"))
    if p["refused"] != n or held + dropped != n:
        raise BenchError("probe: %d refused as wrong and %d as stale, of %d probed" % (held, dropped, n))
    return held, dropped


def contexts(h, dl, kind, spec, n_ctx, conns, ctx_secs, sample):
    """n_ctx new contexts (a handshake each, on a new connection) on a fresh
    httpd; then which the store still holds, what its chunks say, what a
    replayed nc=1 request does at both ends, and (known store) the churn"""
    with server(h, spec) as srv:
        url, tsv = srv.url("/ac-digest/small.txt"), os.path.join(srv.tmp, "ctx.tsv")
        c = dict(descr=srv.counters()["store"].replace(srv.tmp + "/", ""))
        t0 = time.time()
        made = h.load(dl, url, "contexts", ctx_secs + 45, connections=conns, seconds=ctx_secs, count=n_ctx, save=tsv)
        n = int(made["requests"])
        with open(tsv) as f:
            if sum(1 for _ in f) != n:
                raise BenchError("contexts (%s): %d made, but not all saved" % (kind, n))
        c.update(srv.store(), made=n, made_rps=made["rps"])
        c["held"], c["dropped"] = probe(h, dl, srv, tsv, n, conns)
        # nothing else in the store: the windows are the entries beyond the
        # records held; a record without its window is a context lost too
        c["windows"] = c["entries"] - c["held"]
        c["bare"] = c["held"] - c["windows"]
        if c["held"] and c["used"]:
            c["cpc"] = c["used"] / c["held"]
            c["cap"] = int((c["used"] + c["free"]) / c["cpc"])
            c["share"] = c["buckets"] * 4 / c["cap"]
            c["bpc"] = round(c["cpc"] * c["chunk"] + c["share"])
        # the nc=1 request again: the newest contexts (held: refused from
        # their windows), then the oldest (dropped, if any: what happens
        # then depends on the age of their nonces)
        k = c["sample"] = min(sample, n // 2)
        new = h.load(dl, url, "replay", 60, connections=1, file=tsv, range="%d:%d" % (n - k, n))
        c0, c["old_age"] = srv.counters(), time.time() - t0
        old = h.load(dl, url, "replay", 60, connections=1, file=tsv, range="0:%d" % k)
        c1 = srv.counters()
        c.update(new_refused=new["refused"], new_accepted=new["accepted"], old_refused=old["refused"],
                 old_accepted=old["accepted"], old_logons=c1["digest_logons"] - c0["digest_logons"],
                 old_stale=c1["digest_stale"] - c0["digest_stale"])
        if kind == "known":
            # cached traffic on conns connections (conns new contexts, then
            # requests that rewrite their windows) for 2n requests, between
            # two probes: how many of the contexts held before survive it
            c["held_before"] = probe(h, dl, srv, tsv, n, conns)[0]
            s0 = srv.store()
            churn = h.load(dl, url, "cached", 120, connections=conns, seconds=60, count=2 * n)
            if churn["requests"] != 2 * n:
                raise BenchError("churn: %d of %d requests in the time allowed" % (churn["requests"], 2 * n))
            s1 = srv.store()
            c.update(churn=2 * n, churn_new=int(churn["handshakes"]), churn_stores=s1["stores"] - s0["stores"],
                     churn_evicted=s1["evicted"] - s0["evicted"], held_after=probe(h, dl, srv, tsv, n, conns)[0])
    say("  contexts %s: %d made, store %s: %d entries, %d evicted; %d held, %d dropped" % (
        kind, n, c["descr"], c["entries"], c["evicted"], c["held"], c["dropped"]))
    return c


def held(c):
    if c["dropped"] and c["evicted"]:
        return "held **%d** of the %d contexts made, having evicted %d entries: its capacity, %.0f bytes of shared memory per context held" % (
            c["held"], c["made"], c["evicted"], c["shm"] / c["held"])
    if c["dropped"]:
        return "held **%d** of the %d contexts made without evicting anything: the module dropped the others itself, not for want of room" % (
            c["held"], c["made"])
    return "held all %d contexts made (%d entries evicted), in %d of its %d chunks: its capacity is above that" % (
        c["made"], c["evicted"], c["used"], c["used"] + c["free"])


def store_details(n_ctx, conns, st):
    kn, de = st["known"], st["default"]
    lines = ["", "Context store: %d new contexts per store (GET -> 401 -> nc=1 each, on a new connection, %d at a time), each store on a fresh httpd. A context is two entries: its sealed record (the opaque's 16 bytes and 'D'), written once at logon, and its 61-byte replay window (the same and 'W'), rewritten on every request. Every context is then probed with a wrong response for nc=2: refused either way, nothing stored, but *held* contexts count as digest_denials and *dropped* ones as digest_stale." % (n_ctx, conns), "",
             "| store | contexts made | made/s | held | dropped | entries (records + windows) | chunks used / free | evicted | chunks per context | bytes per context | capacity in contexts |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for c in (kn, de):
        lines.append("| `%s` | %d | %.0f | %d | %d | %d (%d + %d) | %d / %d | %d | %s | %s | %s |" % (
            c["descr"], c["made"], c["made_rps"], c["held"], c["dropped"], c["entries"], c["held"], c["windows"],
            c["used"], c["free"], c["evicted"], "%.2f" % c["cpc"] if "cpc" in c else "n/a", c.get("bpc", "n/a"), c.get("cap", "n/a")))
    lines += ["", "- bytes per context: the %d-byte store's chunks in use over the contexts it held, %.2f chunks of %d bytes (3 for the sealed record, 2 for the window), plus its %d hash buckets of 4 bytes shared over the %d contexts it holds when full: **%d bytes per context**; the default store (`%s`) holds about **%s contexts**" % (
        kn["shm"], kn.get("cpc", 0), kn["chunk"], kn["buckets"], kn.get("cap", 0), kn.get("bpc", 0), de["descr"], de.get("cap", "n/a")),
        "- what the stores held: the %d-byte store %s; the default store %s%s" % (
            kn["shm"], held(kn), held(de), "".join("; in the %d-byte store %d records held had lost their window already (written just before the record, so it goes first): their next request gets stale=true" % (c["shm"], c["bare"]) for c in (kn, de) if c["bare"] > 0))]
    for name, c in (("%d-byte store" % kn["shm"], kn), ("default store", de)):
        lines.append("- replays of the nc=1 request, %s: the %d newest contexts refused %d and accepted %d, the %d oldest (nonces about %.0f s old) accepted **%d** and refused %d, with %d user-file logons and %d stale=true answers%s" % (
            name, c["sample"], c["new_refused"], c["new_accepted"], c["sample"], c["old_age"], c["old_accepted"],
            c["old_refused"], c["old_logons"], c["old_stale"], "" if c["dropped"] else " (the store had dropped none)"))
    if kn["old_accepted"] + de["old_accepted"]:
        lines.append("- a context the store dropped, record and window, leaves nothing to check the count against: an nc=1 request on a nonce under 60 s old is taken for a fresh logon, verified against the user file, and **the replay gets in** as a new context; on an older nonce it gets stale=true and a new opaque")
    lost = kn["held_before"] - kn["held_after"]
    lines.append("- churn: %d held, then %d requests of cached traffic on %d connections (%d new contexts, the other requests rewriting their windows in place) while the store counted %d stores and evicted %d entries: **%d** still held, %d fewer. %s" % (
        kn["held_before"], kn["churn"], conns, kn["churn_new"], kn["churn_stores"], kn["churn_evicted"], kn["held_after"], lost,
        "The cached traffic pushed no idle context out." if lost <= 0 else
        "A window rewritten in place takes no new chunk: the contexts lost are the oldest, evicted to make room for the churn's own new contexts." if lost <= kn["churn_new"] else
        "More than the churn's own new contexts account for: the cached traffic itself pushed idle contexts out."))
    return lines


def run_bench(h):
    secs, rounds = h.sizes(2, 7)
    conns, n_ctx, ctx_secs, sample = (2, 1000, 20, 10) if h.args.smoke else (8, 20000, 60, 50)
    # the known store: 2 MiB holds about 6,300 contexts, under what is made;
    # halved (down to the provider's 64 KiB) to hold at most half a smaller n_ctx
    size = 2097152
    while size > n_ctx * 165 and size > 65536:
        size //= 2
    dl = h.cc("digest-load.c", "-pthread", "-lcrypto")
    runs = Runs()
    with server(h) as srv:
        # auth is enforced, curl's Digest (another implementation) works, and
        # both servers really check nonce counts (nc 1, 1 again, 2, 2 again, 3)
        for loc in ("ac-digest", "md-digest"):
            srv.expect("/%s/small.txt" % loc, 401)
            srv.expect("/%s/small.txt" % loc, 200, "--digest", "-u", "%s:%s" % (USER, PASSWORD))
        nc = {loc: h.load(dl, srv.url("/%s/small.txt" % loc), "replaycheck", 30)["statuses"]
              for loc in ("ac-digest", "md-digest")}
        for r in range(rounds):
            for s, mode, loc, _ in SCENARIOS:
                runs.add(s, r, srv.measure(lambda: h.load(dl, srv.url("/%s/small.txt" % loc), mode, secs + 45,
                                                          connections=conns, seconds=secs), COUNTERS))
    st = {k: contexts(h, dl, k, spec, n_ctx, conns, ctx_secs, sample)
          for k, spec in (("known", "authcache:(%d)" % size), ("default", ""))}
    t = lambda k: runs.total("ac-cached", k)
    one = t("digest_logons") == t("handshakes") and t("digest_context_hits") == t("requests") - t("handshakes")
    calls = ["| %s | %s | %.2f |" % (label, "- / %d" % runs.total(s, "requests") if s == "static" else
                                      "%d / %d (every request)" % ((runs.total(s, "requests"),) * 2) if s.startswith("md") else
                                      "%d / %d" % (t("digest_logons"), t("requests")), runs.med(s, "client_cpu"))
             for s, _, _, label in SCENARIOS]
    kn = st["known"]
    details = [
        "- %ds per run, %d round(s), %d keep-alive connections; client bench/digest-load (one thread and connection per slot, MD5 responses computed with OpenSSL EVP, not the module's code); any status but 200 after the handshake fails the bench; latency includes a connection's 401 leg" % (secs, rounds, conns),
        "- authority calls: mod_authcache's digest_logons (user-file lookups); mod_auth_digest looks H(A1) up in its AuthUserFile on every request", "",
        "| scenario | authority calls / requests | client CPU |", "| --- | ---: | ---: |", *calls, "",
        "- against mod_auth_digest over a 1,000-user file (scanned on every request, where mod_authcache reads its file at logon only): %.3fx req/s, %.3fx httpd CPU; the target is judged against the 1-user file, mod_auth_digest's best case" % (
            runs.ratio("ac-cached", "md-digest-1k"), runs.ratio("ac-cached", "md-digest-1k", "cpu_us")),
        "- counters over the cached scenario: %d challenges, **%d logons** for %d connections (%d handshakes by the client), **%d context hits** for %d requests, %d replays refused, %d denials: one logon per connection and every other request from the context: **%s**" % (
            t("digest_challenges"), t("digest_logons"), t("conns"), t("handshakes"), t("digest_context_hits"),
            t("requests"), t("digest_replays"), t("digest_denials"), "yes" if one else "NO"),
        "- nonce-count checking (handshake, nc 1, 1 again, 2, 2 again, 3): mod_authcache %s, mod_auth_digest %s (401 = refused as a replay)" % (nc["ac-digest"], nc["md-digest"]),
        "- mod_auth_digest parses the Authorization header of every request in post_read_request, mod_authcache's locations included: with both loaded (as here) that is part of mod_authcache's figures",
    ] + store_details(n_ctx, conns, st)
    return dict(rows=[runs.row("digest", s, label, "static", "digest-load") for s, _, _, label in SCENARIOS],
                details=details, data=dict(nc_check=nc, context_store=st, one_logon_per_connection=one),
                targets={"digest_cached_vs_auth_digest": runs.target("ac-cached", "md-digest"),
                         "digest_cached_vs_static": runs.target("ac-cached", "static")},
                memory={"digest_context": (kn.get("bpc"), "store chunks per context, its sealed record and replay window (%.0f bytes), plus its share of the hash buckets" % (kn.get("cpc", 0) * kn["chunk"]))})
