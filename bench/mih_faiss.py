#!/usr/bin/env python3
"""bench/mih_faiss.py - the faiss peer for bench/mih_compare.sh.

Reads codes.bin and queries.bin (32 bytes per 256-bit code) written by
bench_mih --dump, builds faiss IndexBinaryMultiHash with the given
substring settings, and times exact radius search on one thread.

  mih_faiss.py DIR RADIUS NQ NHASH B NFLIP EXPECTED_RESULTS

faiss range_search on binary indexes returns distances < radius, so it is
asked for RADIUS + 1 to match hashsweep's inclusive radius. Prints a JSON
line; "identical" compares the number of (query, code) pairs with the
brute-force count of the same queries.
"""
import json, os, sys, time

import faiss
import numpy as np


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    d, radius, nq, nhash, b, nflip, expected = sys.argv[1], *map(int, sys.argv[2:8])
    faiss.omp_set_num_threads(1)
    codes = np.fromfile(os.path.join(d, "codes.bin"), dtype=np.uint8).reshape(-1, 32)
    queries = np.fromfile(os.path.join(d, "queries.bin"), dtype=np.uint8).reshape(-1, 32)[:nq]
    before = rss_bytes()
    t0 = time.perf_counter()
    index = faiss.IndexBinaryMultiHash(256, nhash, b)
    index.nflip = nflip
    index.add(codes)
    build = time.perf_counter() - t0
    mem = rss_bytes() - before
    t0 = time.perf_counter()
    lims, dist, ids = index.range_search(queries, radius + 1)
    per_query = (time.perf_counter() - t0) * 1e3 / len(queries)
    results = int(lims[-1])
    print(json.dumps({"peer": "faiss IndexBinaryMultiHash %dx%d nflip=%d" % (nhash, b, nflip),
                      "n": len(codes), "queries": len(queries), "build_s": round(build, 3),
                      "bytes_per_code": round(mem / len(codes), 1),
                      "ms_per_query": round(per_query, 4), "results": results,
                      "identical": results == expected}))


if __name__ == "__main__":
    main()
