#!/usr/bin/env bash
# bench/mih_before_after.sh [BASE] - the multi-index search as it was at
# commit BASE (default 18d24ed, before the vector filters, the probe
# pipeline, huge pages and the threaded build) against this tree's, with the
# same bench_mih (same codes, queries, timing), run one after the other, so
# that a loaded machine disturbs both alike. BASE's engine/index/mih.c is
# compiled into a copy of bench_mih; a shim stands in for the tier calls it
# lacks (it ran POPCNT code on x86-64, reported as the "popcnt" tier) when
# BASE predates them.
#
#   SIZES="1000000 10000000" SEEDS=seeds.txt ROUNDS=2 bench/mih_before_after.sh
#
# SEEDS: real PDQ hashes for the clustered runs (bench/mih_seeds.sh); without
# it only random codes run. Prints `uptime` and one JSON line per run,
# "build" saying which code ran. Needs: cmake --build build --target bench_mih.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-18d24ed}
SIZES=${SIZES:-"1000000 10000000"}
ROUNDS=${ROUNDS:-2}
NEW=build/bench/bench_mih
[ -x "$NEW" ] || { echo "build bench_mih first (cmake --build build --target bench_mih)" >&2; exit 2; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
git show "$BASE:engine/index/mih.c" >"$W/mih_old.c"
cat >"$W/shim.c" <<'EOF'
#include "index/mih.h"
#include "core/error.h"
const char *mih_variant_name(mih_variant v) { return v == MIH_VARIANT_POPCNT ? "popcnt" : "auto"; }
int mih_variant_available(mih_variant v) { return v == MIH_VARIANT_POPCNT; }
hs_status mih_set_variant(mih *m, mih_variant v) {
  (void)m;
  return v == MIH_VARIANT_AUTO || v == MIH_VARIANT_POPCNT ? HS_OK
                                                          : error_set(HS_ERR_UNSUPPORTED, "old MIH");
}
mih_variant mih_variant_used(const mih *m) { (void)m; return MIH_VARIANT_POPCNT; }
EOF
# The flags and libraries CMake uses for bench_mih; the objects given here
# come before the library, so the old mih.c is the one linked.
D=build/bench/CMakeFiles/bench_mih.dir
flags=$(sed -n 's/^C_FLAGS = //p; s/^C_DEFINES = //p; s/^C_INCLUDES = //p' "$D/flags.make" | tr '\n' ' ')
libs=$(sed 's/.*-o bench_mih *//' "$D/link.txt" | sed 's|\.\./libhashsweep\.a|build/libhashsweep.a|')
# A BASE with the tiers of its own needs no shim.
shim="$W/shim.c"
grep -q 'mih_variant_name' "$W/mih_old.c" && shim=
# shellcheck disable=SC2086
cc $flags -Wno-error "$W/mih_old.c" $shim bench/bench_mih.c -o "$W/bench_mih_old" $libs
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for n in $SIZES; do
  for data in random clustered; do
    seeds=()
    if [ $data = clustered ]; then
      [ -n "${SEEDS:-}" ] || continue
      seeds=(--seeds "$SEEDS")
    fi
    nb=$(( n >= 10000000 ? 5 : 50 ))
    for r in $(seq "$ROUNDS"); do
      for which in old new; do
        b=$NEW; [ $which = old ] && b=$W/bench_mih_old
        echo "# $which, round $r: $(uptime)"
        "$b" --n "$n" --queries 2000 --brute-queries $nb "${seeds[@]}" | sed "s/^{/{\"build\":\"$which\",/"
      done
    done
  done
done
