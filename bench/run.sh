#!/usr/bin/env bash
# bench/run.sh - hashsweep and its peers side by side, in one command:
# installs what is missing (build dependencies, /usr/bin/time, python3-venv
# and the corpus photos from Debian; the peers pdqhash, imagehash, faiss-cpu,
# numpy, Pillow, matplotlib from PyPI into bench/.venv), builds hashsweep
# (Release, in build-bench/), runs bench/peers.py, and writes bench/RESULTS.md
# with the PNG plots next to it (and bench/results/eval-corpus/,
# bench/results/bench-cpu.json).
#
#   bench/run.sh [--quick] [--build DIR] [--repeats N]
#
# --quick: 6 photos, small sizes, one run (a few minutes); the default takes
# 20-30 minutes on 2 cores. Run as root on a fresh Debian 12 machine, or on
# one where the packages are installed. See docs/eval.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ARGS=("$@")
QUICK=()
BUILD=build-bench
REPEATS=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=(--quick) ;;
    --build) BUILD=$2; shift ;;
    --repeats) REPEATS=(--repeats "$2"); shift ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# 1. Debian packages: the build, /usr/bin/time (peak RSS), venv, the corpus
#    photos (../shared/corpus/README.md), the vips command (bench/mih_seeds.sh edits them).
tools/install-deps.sh time python3-venv libvips-tools \
  lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds plasma-workspace-wallpapers

# 2. The peers, from PyPI, in a virtual environment (never for the engine).
[ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
bench/.venv/bin/pip install -q --disable-pip-version-check -r bench/requirements.txt

# 3. hashsweep, optimised, without the test suite.
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHS_WERROR=ON -DHS_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target hashsweep_cli bench_hash bench_hamming >/dev/null

# 4. Everything on the same data in this one run; the machine may be shared.
nice bench/.venv/bin/python bench/peers.py --build "$BUILD" "${QUICK[@]}" "${REPEATS[@]}" \
  --command "bench/run.sh ${ARGS[*]}"
echo "bench/run.sh: wrote bench/RESULTS.md and bench/*.png"
