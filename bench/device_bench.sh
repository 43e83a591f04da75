#!/usr/bin/env bash
# bench/device_bench.sh - the device benchmarks of bench/results/device.md:
# PDQ planes/s on the OpenCL device vs the CPU path (same planes, same
# run), and Hamming comparisons/s on the device vs faiss IndexBinaryFlat
# (same data, same run). Needs a build (BUILD_DIR, default build/) and, for
# the faiss peer, bench/.venv with faiss-cpu from PyPI:
#   python3 -m venv bench/.venv && bench/.venv/bin/pip install faiss-cpu numpy
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
PY=${PY:-bench/.venv/bin/python}
echo "## PDQ"
nice "$BUILD_DIR/bench/bench_device_pdq" --reps 3 512x512:32 1600x1004:8 4000x3000:2
for m in 1e6 1e7; do
  echo; echo "## Hamming, 256-bit, M = $m"
  nice "$PY" bench/device_vs_faiss.py "$BUILD_DIR" 256 "$m" 1000
done
echo; echo "## Hamming, 64-bit, M = 1e6"
nice "$PY" bench/device_vs_faiss.py "$BUILD_DIR" 64 1e6 1000
