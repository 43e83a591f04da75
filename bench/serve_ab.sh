#!/usr/bin/env bash
# bench/serve_ab.sh OLD_BIN NEW_BIN INDEX QUERIES [ROUNDS] - two builds of
# `hashsweep serve` on the same index under the same load, one after the
# other and alternating (old, new, old, new...), so that other load on the
# machine disturbs both alike: the way to tell whether a change to the
# serving path or the search moved the latency (issue 14's p99 goal).
# Both servers run at once on their own loopback ports (the index is read
# only), each round runs wrk (bench/serve_wrk.lua) for $DUR s (default 5)
# at $CONNS connections (default 64) on $WRK_THREADS wrk threads (default
# 2) in each $MODES (default "get post"),
# and prints one JSON line per run with the server's CPU microseconds per
# request. QUERIES: hex lines (bench/serve_gen.py writes them). OLD_ARGS and
# NEW_ARGS: extra `serve` options for each side (the same binary twice then
# compares options, e.g. NEW_ARGS="--threads 4").
#
#   build/hashsweep index import --index /tmp/idx hashes.txt   # once
#   bench/serve_ab.sh /tmp/hashsweep.old build/hashsweep /tmp/idx q.txt 3
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 4 ] || { echo "usage: bench/serve_ab.sh OLD_BIN NEW_BIN INDEX QUERIES [ROUNDS]" >&2; exit 2; }
OLD=$1 NEW=$2 IDX=$3 Q=$4 ROUNDS=${5:-3}
DUR=${DUR:-5} CONNS=${CONNS:-64} MODES=${MODES:-"get post"} WRK_THREADS=${WRK_THREADS:-2}
. bench/serve_lib.sh
serve_workdir serve_ab

start() { # start NAME BIN [ARGS]: once /readyz answers 200
  local name=$1 bin=$2; shift 2
  serve_start "$bin" "$name" "$IDX" "$W/$name.log" "$@"
  echo "$SERVE_PID" > "$W/$name.pid"
}

# shellcheck disable=SC2086
start old "$OLD" ${OLD_ARGS:-}
# shellcheck disable=SC2086
start new "$NEW" ${NEW_ARGS:-}
echo "# $(date -u +%FT%TZ) $(nproc) cores; wrk -t$WRK_THREADS; old=$OLD ${OLD_ARGS:-} new=$NEW ${NEW_ARGS:-} index=$IDX; $(uptime)"
for r in $(seq "$ROUNDS"); do
  for mode in $MODES; do
    for which in old new; do
      port=$(cat "$W/$which.port") pid=$(cat "$W/$which.pid")
      c0=$(cpu_ticks "$pid")
      out=$(wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DUR}s" --timeout 10s -s bench/serve_wrk.lua \
        "http://127.0.0.1:$port" -- "$mode" "$Q" 2>&1)
      j=$(grep '^{"requests"' <<< "$out" | tail -1)
      [ -n "$j" ] || { echo "serve_ab: wrk gave no result: $out" >&2; exit 1; }
      n=$(sed 's/^{"requests":\([0-9]*\).*/\1/' <<< "$j")
      us=$(( ( $(cpu_ticks "$pid") - c0 ) * 1000000 / $(getconf CLK_TCK) / (n > 0 ? n : 1) ))
      echo "{\"build\":\"$which\",\"round\":$r,\"mode\":\"$mode\",\"conns\":$CONNS,\"cpu_us_per_req\":$us,${j#\{}"
    done
  done
done
