#!/usr/bin/env python3
"""bench/serve_report.py OUT - the markdown tables of bench/serve_bench.sh
from OUT/results.jsonl and OUT/machine.txt (standard library only)."""
import json
import os
import sys


def fmt(v, d=1):
    return "-" if v is None else ("%%.%df" % d) % v


def mb(kb):
    return "-" if kb is None else "%d MB" % (kb // 1024)


def num(v):
    return "-" if v is None else "%d" % v


def main():
    out = sys.argv[1]
    rows = [json.loads(line) for line in open(os.path.join(out, "results.jsonl"))]
    sets = [r for r in rows if "entries" in r]
    runs = [r for r in rows if "mode" in r and "rps" in r]
    live = [r for r in rows if r.get("live")]
    p = print
    p("| | |\n|---|---|")
    for line in open(os.path.join(out, "machine.txt")):
        k, _, v = line.strip().partition(" ")
        p("| %s | %s |" % (k, v))
    p("\n### Data sets\n")
    p("| set | entries | generate | `index import` | hashsweep ready | HMA-like ready | RSS hashsweep | RSS HMA-like | same match count (200 queries) | matches in those 200 |")
    p("|---|---|---|---|---|---|---|---|---|---|")
    for s in sets:
        p("| %s | %d | %s s | %s s | %s s | %s s | %s | %s | %s / 200 | %s |" % (
            s["set"], s["entries"], fmt(s["gen_s"]), fmt(s["import_s"]), fmt(s["hs_ready_s"], 2),
            fmt(s["hma_ready_s"]), mb(s["hs_rss_kb"]), mb(s["hma_rss_kb"]),
            num(s["same_counts_of_200"]), num(s["matches_in_200"])))

    def get(server, st, mode, c):
        for r in runs:
            if r.get("server") == server and r["set"] == st and r["mode"] == mode and r["conns"] == c:
                return r
        return None

    p("\n### Hash lookups (wrk, one hash a request; latency in ms)\n")
    p("| set | conns | hashsweep GET /m/lookup/s | p50 | p99 | p99.9 | CPU us/req | HMA-like GET /m/lookup/s | p50 | p99 | p99.9 | **ratio** | hashsweep POST /v1/lookup/s | p50 | p99 | p99.9 | CPU us/req | errors |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in sets:
        for c in sorted({r["conns"] for r in runs if r["set"] == s["set"] and r["mode"] != "check"}):
            a, b, q = get("hashsweep", s["set"], "get", c), get("hma-like", s["set"], "get", c), \
                get("hashsweep", s["set"], "post", c)
            if not (a and q):
                continue
            bb = b or {}
            err = sum(r[k] for r in (a, bb, q) for k in r if k.startswith("errors_") or k == "non_2xx")
            p("| %s | %d | **%d** | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %d |" % (
                s["set"], c, a["rps"], fmt(a["p50_ms"], 2), fmt(a["p99_ms"], 2), fmt(a["p999_ms"], 2),
                num(a.get("cpu_us_per_req")), num(bb.get("rps")), fmt(bb.get("p50_ms"), 2),
                fmt(bb.get("p99_ms"), 2), fmt(bb.get("p999_ms"), 2),
                "**%sx**" % fmt(a["rps"] / b["rps"]) if b else "-", q["rps"], fmt(q["p50_ms"], 2),
                fmt(q["p99_ms"], 2), fmt(q["p999_ms"], 2), num(q.get("cpu_us_per_req")), err))
    mt = [r for r in runs if r.get("server", "").startswith("hashsweep --match-threads")]
    if mt:
        p("\n### `--match-threads 0` (all cores per search) vs the default 1\n")
        p("| set | conns | --match-threads 1 GET/s | p99 | --match-threads 0 GET/s | p99 |")
        p("|---|---|---|---|---|---|")
        for r in mt:
            a = get("hashsweep", r["set"], "get", r["conns"]) or {}
            p("| %s | %d | %s | %s | %d | %s |" % (r["set"], r["conns"], num(a.get("rps")),
                                               fmt(a.get("p99_ms"), 2), r["rps"], fmt(r["p99_ms"], 2)))
    for lv in live:
        p("\n### Index changes under load (%s, wrk GET at 64 connections: %d lookups/s, p99 %s ms meanwhile)\n"
          % (lv["set"], lv["load"]["rps"], fmt(lv["load"]["p99_ms"], 2)))
        p("| change | command took | then seen by a lookup after | total |")
        p("|---|---|---|---|")
        p("| `index import` of 1 new hash | %s s | %s s | **%s s** |" % (
            fmt(lv["import_cmd_s"], 3), fmt(lv["import_seen_after_cmd_s"], 3), fmt(lv["import_total_s"], 3)))
        p("| `index withdraw --hash` of 1 stored hash | %s s | %s s | **%s s** |" % (
            fmt(lv["withdraw_cmd_s"], 3), fmt(lv["withdraw_seen_after_cmd_s"], 3), fmt(lv["withdraw_total_s"], 3)))
    ck = [r for r in runs if r["mode"] == "check"]
    for r in ck:
        ceil = r["photos"] / r["hash_s"]
        p("\n### Image checks (%d corpus photos)\n" % r["photos"])
        p("| what | files/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|")
        p("| `hashsweep hash --jobs 2` (the decode ceiling; includes process start) | %s | | | |" % fmt(ceil, 2))
        p("| POST /v1/check, wrk 2 connections | %s | %s | %s | %d |" % (
            fmt(r["rps"], 2), fmt(r["p50_ms"]), fmt(r["p99_ms"]), r["non_2xx"] + r["errors_timeout"]))
        p("\nchecks / ceiling = **%s**" % fmt(r["rps"] / ceil, 2))

    # the goals of issue 14, on the largest random set
    big = max((s for s in sets if s["kind"] == "random"), key=lambda s: s["entries"], default=None)
    if big:
        p("\n### Goals (issue 14), on %s\n" % big["set"])
        p("| goal | measured | met |\n|---|---|---|")
        a, q = get("hashsweep", big["set"], "get", 64), get("hashsweep", big["set"], "post", 64)
        b = get("hma-like", big["set"], "get", 64)
        if a and q:
            worst = max(a["p99_ms"], q["p99_ms"])
            p("| p99 <= 5 ms at 64 connections | GET %s ms, POST %s ms | %s |" % (
                fmt(a["p99_ms"], 2), fmt(q["p99_ms"], 2), "yes" if worst <= 5 else "no"))
        best = max((r["rps"] for r in runs if r["set"] == big["set"] and r.get("server") == "hashsweep"
                    and r["mode"] != "check"), default=0)
        p("| >= 20,000 lookups/s | %d (best of GET/POST over 1/16/64 connections) | %s |" % (
            best, "yes" if best >= 20000 else "no"))
        if a and b:
            p("| >= 10x the HMA-like service (GET, 64 connections) | %sx | %s |" % (
                fmt(a["rps"] / b["rps"]), "yes" if a["rps"] / b["rps"] >= 10 else "no"))
        for lv in live:
            t = max(lv["import_total_s"], lv["withdraw_total_s"])
            p("| changes visible within 1 s under load | import %s s, withdrawal %s s | %s |" % (
                fmt(lv["import_total_s"], 3), fmt(lv["withdraw_total_s"], 3), "yes" if t <= 1 else "no"))
        for r in ck:
            ratio = r["rps"] / (r["photos"] / r["hash_s"])
            p("| image checks >= 0.9 of decode | %s | %s |" % (fmt(ratio, 2), "yes" if ratio >= 0.9 else "no"))


if __name__ == "__main__":
    main()
