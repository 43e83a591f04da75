#!/usr/bin/env bash
# tests/sanitizers/run.sh address|thread [CTEST ARGS...] - builds hashsweep
# with sanitizers and runs tests under them (README in this folder).
#
#   address  AddressSanitizer + UndefinedBehaviorSanitizer (any UB aborts)
#            over the whole suite, in build-asan.
#   thread   ThreadSanitizer (clang) over the scheduler tests (label sched)
#            and the scans that drive the scheduler end to end, in
#            build-tsan.
#
# Extra arguments go to ctest (e.g. -R test_index). BUILD_DIR overrides the
# build folder. Ends non-zero when a test fails or a sanitizer reports.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
kind=${1:?usage: run.sh address|thread [ctest args]}
shift
case $kind in
  address)
    BUILD_DIR=${BUILD_DIR:-$SRC/build-asan}
    cc=${CC:-cc}
    select=() ;;
  thread)
    BUILD_DIR=${BUILD_DIR:-$SRC/build-tsan}
    cc=${CC:-clang}
    select=(-R '^(test_pipeline|test_pipeline_video|cli_test_scan_e2e|cli_test_scan_faults|cli_test_scan_resume)$') ;;
  *) echo "run.sh: unknown sanitizer '$kind' (address or thread)" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && select=("$@")

CC=$cc cmake -S "$SRC" -B "$BUILD_DIR" -DHS_SANITIZE="$kind" -DHS_WERROR=ON -DHS_FAULT_INJECTION=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
nice cmake --build "$BUILD_DIR" -j"$(nproc)" > /dev/null
# Sanitized code runs 2-20x slower: CMake scales the per-test timeouts.
cd "$BUILD_DIR"
rc=0
nice ctest -j"$(nproc)" --output-on-failure --output-junit sanitizer-run.xml "${select[@]}" || rc=$?
# LeakSanitizer's tracer sometimes crashes itself at exit (a fault of the
# tool, not a finding): only when that is every failure, those tests run
# again, at most twice. Any real report still fails the run
# (tracer_crashes.py says how the two are told apart).
for retry in 1 2; do
  [ "$rc" -ne 0 ] || break
  crashed=$(python3 "$SRC/tests/sanitizers/tracer_crashes.py" sanitizer-run.xml) || break
  echo "run.sh: LeakSanitizer's tracer crashed in: $(echo $crashed); running them again ($retry/2)" >&2
  rc=0
  nice ctest --output-on-failure --output-junit sanitizer-run.xml \
    -R "^($(echo "$crashed" | paste -sd'|'))\$" || rc=$?
done
exit "$rc"
