#!/usr/bin/env bash
# Misuse of indexes, stores and outputs (issue 17): a store pointed at an
# index (or --index X --store X) is refused with exit 2 and the index is
# left byte for byte intact; two runs on one store or one output are
# refused with the holder's pid, while runs on other stores and outputs go
# on side by side; a scan killed while a retry of it starts loses no record
# (10 rounds); the permission rule holds under -q; a full store map grows;
# ulimit -v below the map reservation names the variable that fixes it.
# timeout: 300
. "$(dirname "$0")/lib.sh"

A="$T/archive"
mkdir -p "$A"
"$TI" gen-many "$A" 150 --size 160x120 --seed 7 > /dev/null
for i in 3 40 90; do printf "%s/img%05d.jpg\n" "$A" "$i"; done | "$HS" hash - | cut -f1 > "$T/list.txt"
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list known "$T/list.txt" > /dev/null
"$HS" scan -q --index "$T/idx" --store "$T/ref-store" --out "$T/ref.jsonl" "$A"
expect_eq "reference scan" "$?" 0
expect_eq "reference: 3 matches" "$(wc -l < "$T/ref.jsonl")" 3
sum_idx() { sha256sum "$T/idx/data.mdb" | cut -d' ' -f1; }
before=$(sum_idx)

# ---- a store pointed at an index ----
for store in "$T/idx" "$T/idx/"; do
  "$HS" scan --index "$T/idx" --store "$store" --out "$T/x.jsonl" "$A" 2> "$T/k.err"
  expect_eq "--store at the index ($store): exit 2" "$?" 2
  expect_grep "--store at the index: one line" "is a hashsweep index, not a store" "$T/k.err"
  expect_eq "--store at the index: one line only" "$(wc -l < "$T/k.err")" 1
done
cp -r "$T/idx" "$T/idxc"
"$HS" scan -q --index "$T/idx" --store "$T/idxc" --out "$T/x.jsonl" "$A" 2> "$T/k.err"
expect_eq "--store at a copy of the index: exit 2" "$?" 2
expect_eq "index bytes unchanged by the refused scans" "$(sum_idx)" "$before"
"$HS" rescan --index "$T/idx" --store "$T/ref-store" --out "$T/x.jsonl" > /dev/null 2>&1
expect_eq "rescan of a real store still works" "$?" 0
# A run that ran appends its run record to the index's audit log (and only that).
expect_eq "the rescan appended one run record" \
  "$("$HS" index log "$T/idx" --format jsonl | grep -c '"kind":"run"')" 2
before=$(sum_idx)
"$HS" rescan --index "$T/ref-store" --store "$T/ref-store" --out "$T/x.jsonl" 2> "$T/k.err"
expect_eq "rescan --index at a store: exit 2" "$?" 2
expect_grep "rescan --index at a store" "is a hashsweep store, not an index" "$T/k.err"
expect_eq "index bytes unchanged by the refused rescan" "$(sum_idx)" "$before"
"$HS" index verify "$T/idx" > /dev/null
expect_eq "index still verifies" "$?" 0
"$HS" index verify "$T/idxc" > /dev/null
expect_eq "the copy still verifies" "$?" 0
[ ! -e "$T/idx/run.lock" ] && pass "no lock file left in the index" || fail "run.lock left in the index"

# ---- one run per store and per output ----
FD="$T/fault"
mkdir -p "$FD"
# hold NAME SCAN-ARGS...: a scan in the background that stops before
# opening NAME (core/fault.h); PID is its pid.
hold() {
  local name=$1
  shift
  rm -f "$FD/held" "$FD/release"
  HASHSWEEP_FAULT="hold:$name" HASHSWEEP_FAULT_DIR="$FD" "$HS" "$@" 2> "$T/held.err" &
  PID=$!
  for _ in $(seq 600); do [ -e "$FD/held" ] && return 0; sleep 0.05; done
  fail "scan never reached $name"
}
hold img00100.jpg scan -q --jobs 1 --index "$T/idx" --store "$T/s1" --out "$T/o1.jsonl" "$A"
"$HS" scan -q --index "$T/idx" --store "$T/s1" --out "$T/o1.jsonl" "$A" 2> "$T/b.err"
expect_eq "same store and output: exit 2" "$?" 2
expect_grep "same store and output: holder's pid" "in use by process $PID" "$T/b.err"
"$HS" scan -q --index "$T/idx" --store "$T/s1" --out "$T/o-other.jsonl" "$A" 2> "$T/b.err"
expect_eq "same store, other output: exit 2" "$?" 2
expect_grep "same store: names the store" "store $T/s1 is in use by process $PID" "$T/b.err"
"$HS" scan -q --index "$T/idx" --store "$T/s-other" --out "$T/o1.jsonl" "$A" 2> "$T/b.err"
expect_eq "same output, other store: exit 2" "$?" 2
expect_grep "same output: names the output" "output $T/o1.jsonl is in use by process $PID" "$T/b.err"
"$HS" scan -q --index "$T/idx" --out "$T/o1.jsonl" "$A" 2> "$T/b.err"
expect_eq "same output, no store: exit 2" "$?" 2
"$HS" rescan --index "$T/idx" --store "$T/ref-store" --out "$T/o1.jsonl" 2> "$T/b.err"
expect_eq "rescan into the same output: exit 2" "$?" 2
"$HS" rescan -q --index "$T/idx" --store "$T/s1" --out "$T/o-rescan.jsonl"
expect_eq "rescan of the busy store into another output works" "$?" 0
"$HS" scan -q --index "$T/idx" --store "$T/s2" --out "$T/o2.jsonl" "$A"
expect_eq "other store and output, side by side: exit 0" "$?" 0
expect_eq "side by side: all matches" "$(wc -l < "$T/o2.jsonl")" 3
touch "$FD/release"
wait "$PID"
expect_eq "the held scan finishes" "$?" 0
if cmp -s "$T/ref.jsonl" "$T/o1.jsonl"; then pass "held scan's output intact"; else fail "held scan's output differs"; fi
[ ! -e "$T/o1.jsonl.lock" ] && pass "output lock file removed" || fail "o1.jsonl.lock left"

# ---- kill -9 during an overlap, 10 rounds ----
# A scans; B (the same command, an operator retrying) starts while A runs;
# A is killed. In odd rounds B has tried before the kill: it must be
# refused at once, naming A. In even rounds the kill lands at a random
# moment of B's start: B is refused or, started after A's death, resumes.
# Either way a retry finishes and the output holds every record exactly
# once.
refused=0
for round in $(seq 1 10); do
  rm -rf "$T/sk" "$T/ok.jsonl"
  hold "img$(printf %05d $((round * 13)))".jpg scan -q --jobs 1 --index "$T/idx" --store "$T/sk" \
    --out "$T/ok.jsonl" "$A"
  "$HS" scan -q --jobs 1 --index "$T/idx" --store "$T/sk" --out "$T/ok.jsonl" "$A" 2> "$T/b.err" &
  B=$!
  if [ $((round % 2)) -eq 1 ]; then wait "$B"; rc=$?; else sleep 0.$((RANDOM % 5 + 1)); fi
  kill -9 "$PID"
  wait "$PID" 2> /dev/null
  if [ $((round % 2)) -eq 0 ]; then wait "$B"; rc=$?; fi
  if [ "$rc" -eq 2 ] && grep -q "in use by process $PID" "$T/b.err"; then
    refused=$((refused + 1))
    "$HS" scan -q --jobs 1 --index "$T/idx" --store "$T/sk" --out "$T/ok.jsonl" "$A"
    rc=$?
  elif [ $((round % 2)) -eq 1 ]; then
    fail "round $round: B was not refused while A ran (exit $rc)"
  fi
  [ "$rc" -eq 0 ] || fail "round $round: exit $rc: $(cat "$T/b.err")"
  if cmp -s "$T/ref.jsonl" "$T/ok.jsonl"; then :; else
    fail "round $round: output differs from the reference"
    diff "$T/ref.jsonl" "$T/ok.jsonl" | head -5 >&2
  fi
  expect_eq "round $round: no repeated line" "$(sort "$T/ok.jsonl" | uniq -d | wc -l)" 0
done
[ "$refused" -ge 5 ] && pass "$refused of 10 overlapping starts refused" || fail "only $refused refused"
"$HS" rescan --index "$T/idx" --store "$T/sk" --out "$T/r.jsonl" 2> "$T/r.err"
expect_grep "the store holds each file once" "150 files in the store" "$T/r.err"

# ---- permissions (one rule for indexes and stores, also under -q) ----
cp -r "$T/idx" "$T/idxw"
chmod 777 "$T/idxw"
"$HS" scan -q --index "$T/idxw" --out "$T/p.jsonl" "$A" 2> "$T/p.err"
expect_eq "world-writable index: exit 2 under -q" "$?" 2
expect_grep "world-writable index: the fix" "writable by anyone \(mode 777\).*chmod 700 $T/idxw" "$T/p.err"
cp -r "$T/ref-store" "$T/sw"
chmod 666 "$T/sw/data.mdb"
"$HS" scan -q --index "$T/idx" --store "$T/sw" --out "$T/p.jsonl" "$A" 2> "$T/p.err"
expect_eq "world-writable store file: exit 2" "$?" 2
expect_grep "world-writable store file: the fix" "chmod 600 $T/sw/data.mdb" "$T/p.err"
chmod 775 "$T/sw"; chmod 600 "$T/sw/data.mdb"
"$HS" rescan -q --index "$T/idx" --store "$T/sw" --out "$T/p.jsonl" 2> "$T/p.err"
expect_eq "group-writable store: rescan exit 2" "$?" 2
expect_grep "group-writable store" "writable by its group \(mode 775\)" "$T/p.err"

# ---- a full store map grows ----
HASHSWEEP_STORE_MAPSIZE=65536 "$HS" scan -q --index "$T/idx" --store "$T/small" --out "$T/g.jsonl" "$A"
expect_eq "tiny store map: exit 0" "$?" 0
if cmp -s "$T/ref.jsonl" "$T/g.jsonl"; then pass "tiny store map: same output"; else fail "tiny store map: output differs"; fi
"$HS" rescan --index "$T/idx" --store "$T/small" --out "$T/g2.jsonl" 2> "$T/g.err"
expect_grep "tiny store map: every file stored" "150 files in the store" "$T/g.err"

# ---- a store whose creation was killed before LMDB wrote anything ----
# kill -9 at start-up can leave an empty data.mdb: the next scan carries on,
# while an empty data.mdb where nothing may be created stays refused.
mkdir -m 700 "$T/empty-store"
install -m 600 /dev/null "$T/empty-store/data.mdb"
"$HS" scan -q --index "$T/idx" --store "$T/empty-store" --out "$T/e.jsonl" "$A"
expect_eq "store with an empty data.mdb: the scan goes on (exit 0)" "$?" 0
if cmp -s "$T/ref.jsonl" "$T/e.jsonl"; then pass "empty data.mdb: same output"; else fail "empty data.mdb: output differs"; fi
mkdir -m 700 "$T/empty-index"
install -m 600 /dev/null "$T/empty-index/data.mdb"
"$HS" index verify "$T/empty-index" > /dev/null 2> "$T/ei.err"
expect_eq "index with an empty data.mdb: refused (exit 3)" "$?" 3
expect_grep "index with an empty data.mdb: named" "too short for LMDB" "$T/ei.err"

# ---- ulimit -v below the map reservation ----
if [ -z "${HS_SANITIZE:-}" ]; then
  ( ulimit -v 4000000; HASHSWEEP_INDEX_MAPSIZE=16777216 "$HS" scan -q --device cpu --index "$T/idx" \
      --store "$T/su" --out "$T/u.jsonl" "$A" ) 2> "$T/u.err"
  expect_eq "ulimit -v, store: exit 3" "$?" 3
  expect_grep "ulimit -v, store: names the variable" "set HASHSWEEP_STORE_MAPSIZE to a smaller byte count" "$T/u.err"
  ( ulimit -v 4000000; "$HS" index verify "$T/idx" ) > /dev/null 2> "$T/u.err"
  expect_grep "ulimit -v, index: names the variable" "set HASHSWEEP_INDEX_MAPSIZE to a smaller byte count" "$T/u.err"
  ( ulimit -v 4000000; HASHSWEEP_INDEX_MAPSIZE=16777216 HASHSWEEP_STORE_MAPSIZE=16777216 "$HS" scan -q \
      --device cpu --index "$T/idx" --store "$T/su" --out "$T/u.jsonl" "$A" )
  expect_eq "ulimit -v with both variables: exit 0" "$?" 0
fi
finish
