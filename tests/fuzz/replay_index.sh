#!/usr/bin/env bash
# tests/fuzz/replay_index.sh FUZZER HASHSWEEP CORPUS [ARGS...] - replays the
# index seeds (made here with the CLI: make_seeds.sh) and the committed
# inputs of CORPUS through fuzz_index_open. The seeds must open cleanly
# (they are sound indexes); the fuzzer's checks decide the rest.
set -euo pipefail
FUZZER=$1 HS=$2 CORPUS=$3
shift 3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$(dirname "$0")/make_seeds.sh" "$HS" "$T/seeds"
for f in "$T"/seeds/*.mdb; do
  mkdir -p "$T/idx" && cp "$f" "$T/idx/data.mdb"
  "$HS" index verify "$T/idx" > /dev/null || { echo "seed $f does not verify" >&2; exit 1; }
  rm -rf "$T/idx"
done
exec "$FUZZER" "$@" "$T/seeds" "$CORPUS"
