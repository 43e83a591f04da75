#!/usr/bin/env bash
# tests/cli/test_index_crash.sh - kill -9 of an import at random points, 20
# times: afterwards `index verify` passes and the list holds none or all of
# that import; a later import still works (LMDB's robust lock recovers).
# timeout: 600
set -u
HS=${HASHSWEEP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ROWS=${HS_CRASH_ROWS:-150000}
python3 - "$T/big.csv" "$ROWS" <<'PY'
import random, sys
r = random.Random(4)
with open(sys.argv[1], "w") as f:
    f.write("hash,quality,label,source\n")
    for i in range(int(sys.argv[2])):
        # every 10th row carries metadata, so entry records are written too
        f.write("%064x,%d,%s,%s\n" % (r.getrandbits(256), r.randint(0, 100),
                "ncii" if i % 10 == 0 else "", "feed" if i % 10 == 0 else ""))
PY
IDX=$T/idx
"$HS" index create "$IDX" >/dev/null || exit 1
# How long one import takes here, to spread the kills over its whole run
# (parsing, applying, committing).
start=$(date +%s%N)
"$HS" index import "$IDX" --list warmup "$T/big.csv" >/dev/null || { echo "FAIL: warm-up import"; exit 1; }
dur_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "one import of $ROWS rows: ${dur_ms} ms"
fail=0 killed=0 completed=0 rolled_back=0
for i in $(seq 1 20); do
  # Later imports take longer (the index grows): spread over 1.5 times the
  # warm-up, so most kills land inside an import.
  delay_ms=$(( RANDOM % (dur_ms * 3 / 2 + 1) ))
  "$HS" index import "$IDX" --list "crash$i" "$T/big.csv" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc=$?
  [ $rc = 137 ] && killed=$((killed + 1))
  if ! "$HS" index verify "$IDX" >"$T/v.out" 2>&1; then
    echo "FAIL: verify after kill $i at ${delay_ms} ms:"; cat "$T/v.out"; fail=1; break
  fi
  n=$("$HS" index lists "$IDX" | awk -F'\t' -v l="crash$i" '$1 == l { print $4 }')
  if [ -z "$n" ]; then
    # none of it: the kill undid an import that was under way
    [ $rc = 137 ] && rolled_back=$((rolled_back + 1))
  elif [ "$n" = "$ROWS" ]; then
    completed=$((completed + 1))
  else
    echo "FAIL: list crash$i holds $n of $ROWS entries after kill at ${delay_ms} ms"; fail=1
  fi
done
echo "killed $killed of 20 imports; $completed completed before their kill, $rolled_back left nothing"
# The kills must have hit running imports, some before their commit: an
# import that ended before its kill (exit 0) tests nothing.
[ "$killed" -ge 5 ] || { echo "FAIL: only $killed of 20 imports were still running when killed"; fail=1; }
[ "$rolled_back" -ge 1 ] || { echo "FAIL: no kill landed before an import committed"; fail=1; }
# The index still takes writes after all the kills.
"$HS" index import "$IDX" --list after "$T/big.csv" >/dev/null || { echo "FAIL: import after kills"; fail=1; }
"$HS" index verify "$IDX" >/dev/null || { echo "FAIL: final verify"; fail=1; }
exit $fail
