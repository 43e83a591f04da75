#!/usr/bin/env python3
"""bench/hamming_vs_faiss.py - Hamming search speed of the hashsweep CPU path
against faiss IndexBinaryFlat (PyPI faiss-cpu) on the very same data, in one
command, and a Markdown table of the ratios.

    bench/.venv/bin/python bench/hamming_vs_faiss.py [--build build] \
        [--sizes 1e6,1e7] [--queries 1000] [--threads 1,2] [--bits 256,64]
        [--kernels avx512,avx512bw,avx2,popcnt,generic]

Set up once: python3 -m venv bench/.venv &&
bench/.venv/bin/pip install faiss-cpu numpy

Data: uniform random hashes from numpy's PCG64 with a fixed seed (plus one
planted neighbour per query), written to
bench/out/ as raw uint64 (bench_hamming --data reads them; faiss gets the
same bytes as uint8 rows: a Hamming distance does not depend on byte order).
Modes: radius search (31 for 256-bit PDQ, 16 for 64-bit hashes: a 64-bit
radius of 31 would match ~45% of all pairs) and top-1. faiss range_search
counts distances strictly below its radius, so it gets radius + 1. Each
figure is comparisons per second (queries x haystack / seconds, best of
--repeat runs of the search alone). The "agree" column checks that both tools
found the same number of results with the same sum of distances.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import faiss
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RADIUS = {256: 31, 64: 16}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def make_data(out_dir, bits, m, q, seed):
    """Writes haystack_<bits>.u64 and queries_<bits>.u64; returns both arrays."""
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.Generator(np.random.PCG64(seed))
    words = bits // 64
    hay = rng.integers(0, 2**64, size=(m, words), dtype=np.uint64, endpoint=False)
    queries = rng.integers(0, 2**64, size=(q, words), dtype=np.uint64, endpoint=False)
    # A neighbour per query at distance i % (radius + 8), so that the radius
    # results are not empty and the agreement check means something.
    for i in range(q):
        v = queries[i].copy()
        for b in rng.choice(bits, size=i % (RADIUS[bits] + 8), replace=False):
            v[b // 64] ^= np.uint64(1) << np.uint64(b % 64)
        hay[rng.integers(m)] = v
    hay.tofile(os.path.join(out_dir, f"haystack_{bits}.u64"))
    queries.tofile(os.path.join(out_dir, f"queries_{bits}.u64"))
    return hay, queries


def run_hashsweep(build, data_dir, bits, mode, threads, repeat, kernel=None):
    param = ["--radius", str(RADIUS[bits])] if mode == "radius" else ["--top", "1"]
    cmd = [os.path.join(build, "bench", "bench_hamming"), "--bits", str(bits), "--data", data_dir,
           "--threads", str(threads), "--repeat", str(repeat)] + param
    env = dict(os.environ, HASHSWEEP_CPU_KERNEL=kernel) if kernel else None
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True,
                                     env=env).stdout)


def kernel_table(a, bits_list, m):
    """hashsweep alone, one thread, each CPU kernel forced in turn."""
    print(f"\nhashsweep CPU kernels, 1 thread, M = {m:.0e}, Q = {a.queries} "
          "(comparisons per second):\n")
    cols = [(b, mode) for b in bits_list for mode in ("radius", "top1")]
    print("| kernel | " + " | ".join(
        f"{b}-bit {'radius %d' % RADIUS[b] if mode == 'radius' else 'top-1'}" for b, mode in cols)
        + " |")
    print("|---|" + "---|" * len(cols))
    for kernel in a.kernels.split(","):
        row = []
        for b, mode in cols:
            r = run_hashsweep(a.build, os.path.join(a.out, f"m{m}"), b, mode, 1, a.repeat, kernel)
            row.append(f"{r['comparisons_per_s']:.3g}" if r["kernel"] == kernel else "n/a")
        print(f"| {kernel} | " + " | ".join(row) + " |", flush=True)


def run_faiss(index, queries, bits, mode, threads, repeat):
    faiss.omp_set_num_threads(threads)
    qb = queries.view(np.uint8)
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        if mode == "radius":
            lims, dist, _ = index.range_search(qb, RADIUS[bits] + 1)
        else:
            dist, _ = index.search(qb, 1)
        best = min(best, time.perf_counter() - t0)
        result = (int(dist.size), int(dist.astype(np.int64).sum()))
    return best, result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--sizes", default="1e6,1e7")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--bits", default="256,64")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--kernels", default="avx512,avx512bw,avx2,popcnt,generic",
                    help="CPU kernels for the second table ('' for none)")
    ap.add_argument("--only-kernels", action="store_true",
                    help="only the kernel table (on the first size; no faiss)")
    a = ap.parse_args()
    sizes = [int(float(s)) for s in a.sizes.split(",")]
    threads = [int(t) for t in a.threads.split(",")]
    bits_list = [int(b) for b in a.bits.split(",")]

    if a.only_kernels:
        for bits in bits_list:
            make_data(os.path.join(a.out, f"m{sizes[0]}"), bits, sizes[0], a.queries, a.seed + bits)
        kernel_table(a, bits_list, sizes[0])
        return 0
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores; faiss {faiss.__version__} "
          f"({faiss.get_compile_options().strip()}); numpy {np.__version__}; "
          f"Q = {a.queries}; seed {a.seed}\n", flush=True)
    print("| bits | M | mode | threads | hashsweep cmp/s | faiss cmp/s | ratio "
          "| hashsweep per thread | faiss per thread | agree |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    kernel = "?"
    for bits in bits_list:
        for m in sizes:
            data_dir = os.path.join(a.out, f"m{m}")
            hay, queries = make_data(data_dir, bits, m, a.queries, a.seed + bits)
            index = faiss.IndexBinaryFlat(bits)
            index.add(hay.view(np.uint8))
            for mode in ("radius", "top1"):
                for t in threads:
                    rep = a.repeat if m <= 1_000_000 else 1
                    ours = run_hashsweep(a.build, data_dir, bits, mode, t, rep)
                    kernel = ours["kernel"]
                    secs, peer = run_faiss(index, queries, bits, mode, t, rep)
                    cmp = m * a.queries
                    mine = (ours["results"], ours["distance_sum"])
                    agree = "yes" if mine == peer else f"NO ({mine} vs {peer})"
                    label = f"radius {RADIUS[bits]}" if mode == "radius" else "top-1"
                    print(f"| {bits} | {m:.0e} | {label} | {t} | {ours['comparisons_per_s']:.3g} "
                          f"| {cmp / secs:.3g} | {ours['comparisons_per_s'] * secs / cmp:.1f}x "
                          f"| {ours['per_thread']:.3g} | {cmp / secs / t:.3g} | {agree} |",
                          flush=True)
            del index, hay, queries
    print(f"\nhashsweep CPU kernel: {kernel}")
    if a.kernels:
        kernel_table(a, bits_list, sizes[0])


if __name__ == "__main__":
    sys.exit(main())
