#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] [TARGET...] - builds the libFuzzer targets
# (clang, -fsanitize=fuzzer,address,undefined) and runs each for SECONDS
# (default 60), one after another, under `nice`. TARGETs: hexlist import
# manifest decode index_open (default: all).
#
#   BUILD_DIR  build folder (default build-fuzz)
#   JOBS       parallel fuzzing processes per target (default 1)
#
# Each target keeps its growing corpus in $BUILD_DIR/fuzz-work/<target>/corpus
# (so runs add up) and starts from the committed seeds in
# tests/fuzz/corpus/<target> (index_open: indexes made by make_seeds.sh).
# A crash, leak, timeout (10 s per input) or out-of-memory (2 GB) leaves
# the input in $BUILD_DIR/fuzz-work/<target>/artifacts and fails the run.
# The last line per target: executions, coverage, corpus size.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(hexlist import manifest decode index_open)
BUILD_DIR=${BUILD_DIR:-build-fuzz}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$SRC/$BUILD_DIR ;; esac
JOBS=${JOBS:-1}

CC=${CC:-clang} cmake -S "$SRC" -B "$BUILD_DIR" -DHS_FUZZ=ON -DHS_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
nice cmake --build "$BUILD_DIR" -j2 --target hashsweep_cli $(printf 'fuzz_%s ' "${TARGETS[@]}") \
  > /dev/null

# Longest input each target may be given: past its line or path limit.
max_len() {
  case $1 in
    hexlist) echo 70000 ;;    # long lines (the 1 MiB record limit itself: test_index)
    import) echo 16384 ;;
    manifest) echo 12000 ;;   # paths up to 4095 bytes
    decode) echo 65536 ;;
    index_open) echo 400000 ;; # the seed indexes are 20-330 KB
    serve) echo 65536 ;;      # a request: line, content type, body (an image upload)
  esac
}

failed=0
summary=()
for t in "${TARGETS[@]}"; do
  work=$BUILD_DIR/fuzz-work/$t
  mkdir -p "$work/corpus" "$work/artifacts"
  seeds=("$SRC/tests/fuzz/corpus/$t")
  if [ "$t" = index_open ]; then
    "$SRC/tests/fuzz/make_seeds.sh" "$BUILD_DIR/hashsweep" "$work/seeds"
    seeds+=("$work/seeds")
  fi
  echo "== fuzz_$t: ${SECONDS_EACH}s" >&2
  set +e
  parallel=()
  [ "$JOBS" -gt 1 ] && parallel=(-jobs="$JOBS" -workers="$JOBS")
  (cd "$work" && nice "$BUILD_DIR/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" \
    -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" -print_final_stats=1 \
    "${parallel[@]}" -artifact_prefix="$work/artifacts/" \
    corpus "${seeds[@]}") > "$work/last.log" 2>&1
  rc=$?
  set -e
  # With -jobs, libFuzzer writes each job's output to fuzz-<n>.log.
  logs=("$work/last.log")
  if [ "$JOBS" -gt 1 ]; then logs=("$work"/fuzz-*.log); fi
  runs=$(grep -h "stat::number_of_executed_units" "${logs[@]}" | awk '{s += $2} END {print s + 0}')
  cov=$(grep -h -oE "cov: [0-9]+" "${logs[@]}" | tail -1 | awk '{print $2}')
  files=$(find "$work/corpus" -type f | wc -l)
  arts=$(find "$work/artifacts" -type f | wc -l)
  line="fuzz_$t: ${SECONDS_EACH}s, $runs executions, cov ${cov:-?}, corpus $files files, exit $rc, $arts artifacts"
  summary+=("$line")
  echo "$line" >&2
  if [ "$rc" -ne 0 ] || [ "$arts" -ne 0 ]; then
    failed=1
    grep -h -E "ERROR|SUMMARY|Test unit written" "${logs[@]}" | head -5 >&2 || true
  fi
done
printf '%s\n' "${summary[@]}"
exit $failed
