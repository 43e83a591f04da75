#!/usr/bin/env bash
# The test command (README quick start): on a fresh Debian 12 machine as
# root it installs every dependency, configures, builds (warnings are
# errors) and runs the whole test suite with ctest; non-zero on any failure.
# It is a test build: the fault-injection hooks (HS_FAULT_INJECTION) are on.
#   tools/test.sh                 everything
#   tools/test.sh -L unit         only tests with a ctest label
# BUILD_DIR (default build/) and JOBS (default: cores) may be set.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHS_WERROR=ON -DHS_FAULT_INJECTION=ON ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$JOBS" "$@"
