#!/usr/bin/env bash
# bench/serve_bench.sh [--quick] [--sets "KIND:N ..."] [--no-hma] - `hashsweep
# serve` under load (issue 14, Performance), in one run on this machine, next
# to an HMA-like service:
#  1. per data set (SETS, default random and clustered at 10^6, random at
#     10^7): generate the hashes (bench/serve_gen.py), `index import` them,
#     start `hashsweep serve` and bench/serve_hma.py (faiss
#     IndexBinaryMultiHash at HMA's settings behind aiohttp) on loopback ports,
#     check that both find the same number of matches for 200 queries, then
#     wrk at 1, 16 and 64 connections: GET /m/lookup on both, POST /v1/lookup
#     on hashsweep (bench/serve_wrk.lua: half the queries present or near,
#     half random);
#  2. on the last set: --match-threads 0 (a thread team per search) against
#     the default 1, at 16 and 64 connections;
#  3. on the last set, while wrk runs at 64 connections: an import of one new
#     hash and a withdrawal of one stored hash, and the time until a lookup
#     (curl, polled) sees each;
#  4. POST /v1/check of the corpus photos at 2 connections against the decode
#     ceiling (`hashsweep hash --jobs 2` of the same files, files/s).
# Raw outputs and results.jsonl in $OUT (bench/results/serve), the table in
# $OUT/serve.md (bench/serve_report.py). --quick: 10^5 entries, 1 s runs, a
# few photos, output in a temporary folder (a smoke run, < 60 s).
# --sets "random:1000000 clustered:1000000": the data sets (also $SETS; the
# default adds random:10000000, whose generation, import and load take
# minutes); the goal table is computed on the largest random set.
# --no-hma: without the HMA-like peer (no faiss/aiohttp needed; its columns
# and the ratio goal stay empty). Each hashsweep wrk run also records the
# server's CPU time per request (/proc), a figure other load on the machine
# disturbs less than requests/s.
# Needs: cmake --build build --target hashsweep; wrk (tools/install-deps.sh
# wrk); bench/.venv with bench/requirements.txt (faiss-cpu, numpy, aiohttp).
set -euo pipefail
cd "$(dirname "$0")/.."
HS=${HS:-build/hashsweep}
PY=${PY:-bench/.venv/bin/python}
QUICK=0; HMA=1
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --no-hma) HMA=0 ;;
    --sets) [ $# -ge 2 ] || { echo "serve_bench: --sets needs a list" >&2; exit 2; }; SETS=$2; shift ;;
    *) echo "serve_bench: unknown option $1 (--quick, --sets LIST, --no-hma)" >&2; exit 2 ;;
  esac
  shift
done
. bench/serve_lib.sh
serve_workdir serve_bench
if [ $QUICK = 1 ]; then
  SETS=${SETS:-"random:100000"}; DUR=${DUR:-1}; CONNS=${CONNS:-"1 16 64"}
  OUT=${OUT:-$W/out}; PHOTOS=${PHOTOS:-4}; CHECK_DUR=${CHECK_DUR:-3}
else
  SETS=${SETS:-"random:1000000 clustered:1000000 random:10000000"}; DUR=${DUR:-5}
  CONNS=${CONNS:-"1 16 64"}; OUT=${OUT:-bench/results/serve}; PHOTOS=${PHOTOS:-0}
  CHECK_DUR=${CHECK_DUR:-20}
fi
for t in wrk curl "$HS" "$PY"; do
  command -v "$t" > /dev/null || { echo "serve_bench: $t not found (see the header)" >&2; exit 2; }
done
if [ $HMA = 1 ]; then
  "$PY" -c "import faiss, aiohttp, numpy" || { echo "serve_bench: $PY lacks faiss/aiohttp/numpy (or use --no-hma)" >&2; exit 2; }
else
  "$PY" -c "import numpy" || { echo "serve_bench: $PY lacks numpy" >&2; exit 2; }
fi
mkdir -p "$OUT"
rm -f "$OUT"/*.txt "$OUT"/results.jsonl
RES=$OUT/results.jsonl
now() { echo "${EPOCHREALTIME/./}"; } # microseconds, no fork: the polls below time themselves
since() { local d=$(( $(now) - $1 )); printf '%d.%06d\n' $((d / 1000000)) $((d % 1000000)); }
rec() { echo "$1" >> "$RES"; } # a JSON line

{ echo "date $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "hma_omp_threads ${HMA_OMP:-default (all cores)}"
  echo "hashsweep $("$HS" --version 2>&1 | head -1)"
  echo "wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
  if [ $HMA = 1 ]; then
    echo "python $("$PY" -c 'import sys, faiss, aiohttp, numpy; print(sys.version.split()[0], "faiss", faiss.__version__, "aiohttp", aiohttp.__version__, "numpy", numpy.__version__)')"
  else
    echo "python $("$PY" -c 'import sys; print(sys.version.split()[0])') (--no-hma: no HMA-like peer)"
  fi
} > "$OUT/machine.txt"

# start_hs NAME IDX ARGS...: hashsweep serve on a free loopback port; sets HS_PORT HS_PID
start_hs() {
  local name=$1 idx=$2; shift 2
  local t0; t0=$(now)
  serve_start "$HS" "$name" "$idx" "$OUT/$name.log" "$@"
  HS_PID=$SERVE_PID HS_PORT=$SERVE_PORT
  READY_S=$(since "$t0")
}
start_hma() { # start_hma NAME HASHES: sets HMA_PORT HMA_PID
  local t0; t0=$(now)
  rm -f "$W/$1.port"
  # HMA_OMP=N: faiss's OpenMP threads (unset: faiss's default, all cores, as HMA runs)
  env ${HMA_OMP:+OMP_NUM_THREADS=$HMA_OMP} "$PY" bench/serve_hma.py "$2" "$W/$1.port" > "$OUT/$1.log" 2>&1 &
  HMA_PID=$!; PIDS+=("$HMA_PID")
  until [ -s "$W/$1.port" ]; do kill -0 $HMA_PID || { cat "$OUT/$1.log"; exit 1; }; sleep 0.1; done
  HMA_PORT=$(cat "$W/$1.port")
  READY_S=$(since "$t0")
}
stop() { kill -TERM "$1" 2> /dev/null; wait "$1" 2> /dev/null || true; }


# run_wrk LABEL PORT MODE FILE CONNS SECONDS EXTRA_JSON [PID]: one wrk run, raw
# output kept; with PID, the server's CPU microseconds per request too
run_wrk() {
  local label=$1 port=$2 mode=$3 file=$4 c=$5 d=$6 extra=$7 pid=${8:-}
  local th=$((c < 2 ? c : 2))
  local raw="$OUT/wrk_${label}_${mode}_c${c}.txt" c0=0
  [ -n "$pid" ] && c0=$(cpu_ticks "$pid")
  wrk -t"$th" -c"$c" -d"${d}s" --timeout 10s --latency -s bench/serve_wrk.lua \
    "http://127.0.0.1:$port" -- "$mode" "$file" > "$raw" 2>&1
  local j; j=$(grep '^{"requests"' "$raw" | tail -1)
  [ -n "$j" ] || { echo "serve_bench: wrk gave no result, see $raw" >&2; exit 1; }
  if [ -n "$pid" ]; then
    local n; n=$(sed 's/^{"requests":\([0-9]*\).*/\1/' <<< "$j")
    extra="$extra\"cpu_us_per_req\":$(( ( $(cpu_ticks "$pid") - c0 ) * 1000000 / $(getconf CLK_TCK) / (n > 0 ? n : 1) )),"
  fi
  rec "{${extra}\"mode\":\"$mode\",\"conns\":$c,${j#\{}"
  echo "  $label $mode c=$c: $(echo "$j" | cut -c1-110)"
}

LAST_IDX= LAST_HASHES= LAST_Q= LAST_SET=
for s in $SETS; do
  kind=${s%%:*}; n=${s#*:}; set_name="${kind}_$n"
  echo "== $set_name"
  rm -rf "$W/idx" "$W"/*.txt
  t0=$(now); "$PY" bench/serve_gen.py "$kind" "$n" 1 "$W/hashes.txt" "$W/q.txt"; gen_s=$(since "$t0")
  "$HS" index create "$W/idx" > /dev/null
  t0=$(now); "$HS" index import "$W/idx" --list bench "$W/hashes.txt" > "$OUT/import_$set_name.txt"
  import_s=$(since "$t0")
  start_hs "hs_$set_name" "$W/idx"; hs_ready=$READY_S
  rss_hs=$(awk '/VmRSS/ {print $2}' /proc/$HS_PID/status)
  hma_ready=null rss_hma=null same="null null"
  if [ $HMA = 1 ]; then
  start_hma "hma_$set_name" "$W/hashes.txt"; hma_ready=$READY_S
  rss_hma=$(awk '/VmRSS/ {print $2}' /proc/$HMA_PID/status)
  # both services must find the same matches: compare the count for 200 queries
  same=$(head -200 "$W/q.txt" | "$PY" -c '
import json, sys, urllib.request
hs, hma = sys.argv[1:3]
same = hits = 0
for h in sys.stdin.read().split():
    a = json.load(urllib.request.urlopen("http://127.0.0.1:%s/m/lookup?signal_type=pdq&signal=%s" % (hs, h)))
    b = json.load(urllib.request.urlopen("http://127.0.0.1:%s/m/lookup?signal_type=pdq&signal=%s" % (hma, h)))
    na = sum(len(v) for v in a.values()); nb = sum(len(v) for v in b.values())
    same += na == nb; hits += na
print(same, hits)' "$HS_PORT" "$HMA_PORT")
  fi
  rec "{\"set\":\"$set_name\",\"kind\":\"$kind\",\"entries\":$n,\"gen_s\":$gen_s,\"import_s\":$import_s,\"hs_ready_s\":$hs_ready,\"hma_ready_s\":$hma_ready,\"hs_rss_kb\":$rss_hs,\"hma_rss_kb\":$rss_hma,\"same_counts_of_200\":${same% *},\"matches_in_200\":${same#* }}"
  echo "  gen ${gen_s}s import ${import_s}s ready hs ${hs_ready}s hma ${hma_ready}s; same match counts ${same% *}/200 (${same#* } matches)"
  for c in $CONNS; do
    run_wrk "hs_$set_name" "$HS_PORT" get "$W/q.txt" "$c" "$DUR" "\"set\":\"$set_name\",\"server\":\"hashsweep\"," "$HS_PID"
    [ $HMA = 1 ] && run_wrk "hma_$set_name" "$HMA_PORT" get "$W/q.txt" "$c" "$DUR" "\"set\":\"$set_name\",\"server\":\"hma-like\"," \
      && wait_idle "$HMA_PID"
    run_wrk "hs_$set_name" "$HS_PORT" post "$W/q.txt" "$c" "$DUR" "\"set\":\"$set_name\",\"server\":\"hashsweep\"," "$HS_PID"
  done
  [ $HMA = 1 ] && stop "$HMA_PID"
  LAST_SET=$set_name
  if [ "$s" != "${SETS##* }" ]; then stop "$HS_PID"; fi
done

# ---- 2. --match-threads 0 vs 1 on the last set ------------------------------------
echo "== match-threads"
stop "$HS_PID"
start_hs "hs_mt0" "$W/idx" --match-threads 0
for c in 16 64; do
  run_wrk "hs_mt0_$LAST_SET" "$HS_PORT" get "$W/q.txt" "$c" "$DUR" "\"set\":\"$LAST_SET\",\"server\":\"hashsweep --match-threads 0\"," "$HS_PID"
done
stop "$HS_PID"

# ---- 3. changes visible under load --------------------------------------------------
echo "== live changes under 64 connections"
start_hs "hs_live" "$W/idx"
NEW=$("$PY" -c "import secrets; print(secrets.token_hex(32))")
OLD=$(sed -n 7p "$W/hashes.txt")
printf '%s\n' "$NEW" > "$W/new.txt"
lookup() { curl -s "http://127.0.0.1:$HS_PORT/m/lookup?signal_type=pdq&signal=$1"; }
# wait_until WANT HEX: polls until the lookup matches (WANT=1) or not (0); prints seconds
wait_until() {
  local t0; t0=$(now)
  while :; do
    local r; r=$(lookup "$2")
    if [ "$1" = 1 ] && [ "$r" != "{}" ]; then break; fi
    if [ "$1" = 0 ] && ! grep -q "\"distance\":\"0\"" <<< "$r"; then break; fi
    sleep 0.005
  done
  since "$t0"
}
[ "$(lookup "$NEW")" = "{}" ] || { echo "serve_bench: the new hash matched before the import" >&2; exit 1; }
LIVE_DUR=$((DUR * 3))
wrk -t2 -c64 -d"${LIVE_DUR}s" --timeout 10s --latency -s bench/serve_wrk.lua \
  "http://127.0.0.1:$HS_PORT" -- get "$W/q.txt" > "$OUT/wrk_live_get_c64.txt" 2>&1 &
WRK=$!; PIDS+=("$WRK")
sleep 1
t0=$(now); "$HS" index import "$W/idx" --list live "$W/new.txt" > /dev/null; imp_cmd=$(since "$t0")
imp_after=$(wait_until 1 "$NEW"); imp_total=$(since "$t0")
t0=$(now); "$HS" index withdraw "$W/idx" --hash "$OLD" --reason bench > /dev/null; wd_cmd=$(since "$t0")
wd_after=$(wait_until 0 "$OLD"); wd_total=$(since "$t0")
wait "$WRK"
j=$(grep '^{"requests"' "$OUT/wrk_live_get_c64.txt" | tail -1)
rec "{\"live\":true,\"set\":\"$LAST_SET\",\"import_cmd_s\":$imp_cmd,\"import_seen_after_cmd_s\":$imp_after,\"import_total_s\":$imp_total,\"withdraw_cmd_s\":$wd_cmd,\"withdraw_seen_after_cmd_s\":$wd_after,\"withdraw_total_s\":$wd_total,\"load\":$j}"
echo "  import: command ${imp_cmd}s, then seen after ${imp_after}s; withdraw: command ${wd_cmd}s, then gone after ${wd_after}s"
curl -s "http://127.0.0.1:$HS_PORT/metrics" > "$OUT/metrics_live.txt"
stop "$HS_PID"

# ---- 4. image checks vs the decode ceiling -------------------------------------------
echo "== image checks"
"$PY" -c '
import csv, os, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t")]
paths = [r["path_in_package"] for r in rows if os.path.exists(r["path_in_package"])
         and "screenshot" not in r["path_in_package"]]
n = int(sys.argv[2])
print("\n".join(paths[:n] if n else paths))' ../shared/corpus/expected_pdq_corpus.tsv "$PHOTOS" > "$W/photos.txt"
nph=$(wc -l < "$W/photos.txt")
[ "$nph" -gt 0 ] || { echo "serve_bench: no corpus photos installed (../shared/corpus/README.md)" >&2; exit 1; }
cat "$W/photos.txt" | xargs cat > /dev/null # in the page cache for both
t0=$(now)
xargs -d '\n' "$HS" hash --jobs 2 < "$W/photos.txt" > "$OUT/hash_ceiling.jsonl"
hash_s=$(since "$t0")
start_hs "hs_check" "$W/idx"
run_wrk "hs_check" "$HS_PORT" check "$W/photos.txt" 2 "$CHECK_DUR" "\"set\":\"$LAST_SET\",\"server\":\"hashsweep\",\"photos\":$nph,\"hash_s\":$hash_s,"
curl -s "http://127.0.0.1:$HS_PORT/metrics" > "$OUT/metrics_check.txt"
stop "$HS_PID"
echo "  hash --jobs 2: $nph photos in ${hash_s}s"
cp "$OUT/machine.txt" "$W/m.txt"; echo "load_after $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
python3 bench/serve_report.py "$OUT" > "$OUT/serve.md"
cat "$OUT/serve.md"
