#!/usr/bin/env bash
# kill -9 at random points during a scan of 600 files, 10 times, then let it
# finish: the store holds every file exactly once, and the output equals the
# output of an uninterrupted run byte for byte (every match and error record
# once, none lost, none repeated, no torn line).
# timeout: 600
. "$(dirname "$0")/lib.sh"

A="$T/archive"
mkdir -p "$A/a" "$A/b"
"$TI" gen-many "$A/a" 300 --size 640x480 --seed 100
"$TI" gen-many "$A/b" 290 --size 640x480 --seed 400
# Planted copies of 5 listed images, and corrupt files among them.
for i in 3 50 120 201 299; do
  f=$(printf "%s/a/img%05d.jpg" "$A" "$i")
  "$TI" edit "$f" "$A/b/copy$i.jpg[Q=60]" scale:0.8
done
for i in 1 2 3 4 5; do head -c 700 "$A/a/img0000$i.jpg" > "$A/b/corrupt$i.jpg"; done
total=$(find "$A" -type f | wc -l)
expect_eq "archive size" "$total" 600

"$HS" index create "$T/idx" > /dev/null
for i in 3 50 120 201 299; do printf "%s/a/img%05d.jpg\n" "$A" "$i"; done |
  "$HS" hash - | cut -f1 > "$T/list.txt"
"$HS" index import "$T/idx" --list known "$T/list.txt" > /dev/null

# The reference: one uninterrupted run.
"$HS" scan -q --index "$T/idx" --store "$T/ref-store" --out "$T/ref.jsonl" "$A"
expect_eq "reference exit code (corrupt files)" "$?" 1
expect_eq "reference: 10 matches + 5 errors" "$(wc -l < "$T/ref.jsonl")" 15

# Interrupted runs: kill -9 after a random delay until 10 kills have hit a
# scan that was still working (one worker, so the scan takes seconds).
kills=0
rounds=0
while [ "$kills" -lt 10 ] && [ "$rounds" -lt 30 ]; do
  rounds=$((rounds + 1))
  "$HS" scan -q --jobs 1 --index "$T/idx" --store "$T/store" --out "$T/out.jsonl" "$A" &
  pid=$!
  sleep "0.$(( RANDOM % 2 ))$(( (RANDOM % 9) + 1 ))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc=$?
  if [ "$rc" -eq 137 ]; then kills=$((kills + 1)); else break; fi
done
expect_eq "10 kills landed mid-scan" "$kills" 10
"$HS" scan -q --index "$T/idx" --store "$T/store" --out "$T/out.jsonl" "$A"
expect_eq "final exit code" "$?" 1
if cmp -s "$T/ref.jsonl" "$T/out.jsonl"; then pass "output identical to the uninterrupted run"
else fail "output differs"; diff "$T/ref.jsonl" "$T/out.jsonl" | head -20 >&2; fi
expect_eq "no repeated line" "$(sort "$T/out.jsonl" | uniq -d | wc -l)" 0

# The store holds every file exactly once: a rescan sees 600 files.
"$HS" rescan --index "$T/idx" --store "$T/store" --out "$T/rescan.jsonl" 2> "$T/rescan.err"
expect_grep "store holds 600 files" "600 files in the store" "$T/rescan.err"
expect_eq "rescan finds the 10 matches" "$(wc -l < "$T/rescan.jsonl")" 10

# A rerun of a finished job starts a fresh output; unchanged files are
# matched from the store without decoding.
"$HS" scan --index "$T/idx" --store "$T/store" --out "$T/out.jsonl" "$A" 2> "$T/again.err"
expect_grep "nothing decoded again" " 0 hashed, .* 595 skipped as unchanged" "$T/again.err"
if cmp -s "$T/ref.jsonl" "$T/out.jsonl"; then pass "rerun output identical"; else fail "rerun output differs"; fi

# Another mode does not reuse hashes made in this one.
"$HS" scan --mode exact --index "$T/idx" --store "$T/store" --out "$T/exact.jsonl" "$A" 2> "$T/exact.err"
expect_grep "exact mode rehashes every file" " 595 hashed, .* 0 skipped as unchanged" "$T/exact.err"
"$HS" scan --mode exact --index "$T/idx" --store "$T/store" --out "$T/exact.jsonl" "$A" 2> "$T/exact2.err"
expect_grep "then exact hashes are reused" " 0 hashed, .* 595 skipped as unchanged" "$T/exact2.err"

# A changed file is hashed again (in the mode the store last saw: exact).
touch -d '2001-01-01' "$A/a/img00007.jpg"
"$HS" scan --mode exact --index "$T/idx" --store "$T/store" --out "$T/out3.jsonl" "$A" 2> "$T/changed.err"
expect_grep "changed file rehashed" " 1 hashed" "$T/changed.err"
finish
