#!/usr/bin/env bash
# bench/mih_compare.sh - MIH vs brute force vs faiss IndexBinaryMultiHash on
# the same codes and queries, one thread each, radius 31, random and
# clustered (real PDQ hashes of the photo corpus and its edits, plus flips)
# at 10^6 and 10^7 codes. Prints one JSON line per run (tabled in
# bench/results/index.md). Needs: cmake --build build; the faiss peer in
# bench/.venv (python3 -m venv bench/.venv && bench/.venv/bin/pip install
# faiss-cpu numpy). Sizes: SIZES="1000000 10000000" (default).
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/bench/bench_mih
PY=bench/.venv/bin/python
SIZES=${SIZES:-"1000000 10000000"}
W=${WORK:-$(mktemp -d)}
mkdir -p "$W"
trap 'rm -f "$W"/codes.bin "$W"/queries.bin' EXIT
[ -s "$W/seeds.txt" ] || bench/mih_seeds.sh "$W/seeds.txt"
echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
grep -m1 "model name" /proc/cpuinfo | sed 's/^/# /'
for n in $SIZES; do
  for data in random clustered; do
    seeds=(); [ $data = clustered ] && seeds=(--seeds "$W/seeds.txt")
    nb=$(( n >= 10000000 ? 20 : 200 ))
    line=$(nice $B --n "$n" --queries 2000 --brute-queries $nb "${seeds[@]}" --dump "$W")
    echo "$line"
    expected=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["brute_results"])' "$line")
    nice $PY bench/mih_faiss.py "$W" 31 $nb 16 16 1 "$expected" | sed "s/^{/{\"data\": \"$data\", /"
    if [ "$n" -lt 10000000 ]; then  # 11x23 needs ~1 kB per code: 10 GB at 10^7
      nice $PY bench/mih_faiss.py "$W" 31 $nb 11 23 2 "$expected" | sed "s/^{/{\"data\": \"$data\", /"
    fi
  done
done
