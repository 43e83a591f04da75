#!/usr/bin/env python3
"""bench/device_vs_faiss.py - Hamming search on the OpenCL device
(bench_device_hamming) and faiss IndexBinaryFlat (PyPI faiss-cpu) on the
same data in the same run: comparisons per second (Q x M / s), the ratio
by wall time and by CPU time (all threads; steadier on a shared machine),
and a cross-check of the answers (result count and the sum of distances
must agree).

  bench/.venv/bin/python bench/device_vs_faiss.py BUILD_DIR BITS M Q [--reps R]

BITS is 256 or 64; radius 31 (256-bit) or 8 (64-bit), and top-1. faiss
uses all cores through OpenMP, as the device does."""
import os
import re
import subprocess
import sys
import tempfile
import time

import faiss
import numpy as np


def run_device(build, bits, m, q, reps, dump):
    cmd = [os.path.join(build, "bench", "bench_device_hamming"), "--bits", str(bits),
           "--reps", str(reps), "--dump", dump, str(m), str(q)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    header = [l for l in out.splitlines() if l.startswith("device:")][0]
    rows = {}
    for line in out.splitlines():
        f = [c.strip() for c in line.strip("|").split("|")]
        if len(f) == 9 and (f[0].startswith("radius") or f[0] == "top-1"):
            rows["top-1" if f[0] == "top-1" else "radius"] = (
                float(f[3]), float(f[5]), int(f[7]), int(f[8]))
    return header, rows


def best_time(fn, reps):
    """Best wall seconds of reps runs after a warm-up, the CPU seconds (all
    threads) of that run, and its result."""
    fn()  # warm-up
    best, cpu, result = 1e30, 0.0, None
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        t, c = time.perf_counter() - t0, time.process_time() - c0
        if t < best:
            best, cpu = t, c
    return best, cpu, result


def main():
    args = sys.argv[1:]
    reps = 1
    if "--reps" in args:
        i = args.index("--reps")
        reps = int(args[i + 1])
        del args[i:i + 2]
    build, bits, m, q = args[0], int(args[1]), int(float(args[2])), int(float(args[3]))
    radius = 31 if bits == 256 else 8
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "data.bin")
        header, dev = run_device(build, bits, m, q, reps, dump)
        words = np.fromfile(dump, dtype="<u8")
    per = bits // 64
    hay = words[: m * per].view(np.uint8).reshape(m, bits // 8)
    qs = words[m * per:].view(np.uint8).reshape(q, bits // 8)
    index = faiss.IndexBinaryFlat(bits)
    index.add(hay)
    # faiss range_search keeps distances strictly below its radius.
    t_r, c_r, (lims, dist_r, _) = best_time(lambda: index.range_search(qs, radius + 1), reps)
    t_k, c_k, (dist_k, _) = best_time(lambda: index.search(qs, 1), reps)
    faiss_rows = {"radius": (t_r, c_r, len(dist_r), int(dist_r.sum())),
                  "top-1": (t_k, c_k, dist_k.size, int(dist_k.sum()))}
    print(header)
    print(f"faiss {faiss.__version__} IndexBinaryFlat, {faiss.omp_get_max_threads()} threads; "
          f"{bits}-bit, M = {m}, Q = {q}\n")
    print("| search | M | Q | device s | device comparisons/s | faiss s | "
          "faiss comparisons/s | device / faiss | device / faiss per CPU-s | answers agree |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name in ("radius", "top-1"):
        (td, cd, nd, sd), (tf, cf, nf, sf) = dev[name], faiss_rows[name]
        label = f"radius {radius}" if name == "radius" else name
        agree = "yes" if (nd, sd) == (nf, sf) else f"NO ({nd}/{sd} vs {nf}/{sf})"
        print(f"| {label} | {m} | {q} | {td:.3f} | {m * q / td:.3g} | {tf:.3f} | "
              f"{m * q / tf:.3g} | {tf / td:.2f} | {cf / cd:.2f} | {agree} |")


if __name__ == "__main__":
    main()
