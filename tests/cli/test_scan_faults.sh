#!/usr/bin/env bash
# Files that change under a running scan, made deterministic with the test
# hooks of core/fault.h (HASHSWEEP_FAULT): the scan holds before opening
# one file while the test deletes, truncates or replaces it; reads that
# crawl (the read timeout gives up between chunks) and reads that never
# return (the watchdog gives up on the item, replaces the worker and the
# scan goes on; too many such files stop the run, and a rerun resumes).
# timeout: 300
. "$(dirname "$0")/lib.sh"
need_faults
A="$T/a"
FD="$T/fault"
mkdir -p "$A" "$FD"
for n in a b c d e f; do "$TI" gen "$A/$n.jpg" --size 320x240 --seed "$(printf '%d' "'$n")"; done
"$TI" gen "$A/slow.jpg" --size 800x600 --seed 77
for i in 1 2 3 4 5; do cp "$A/a.jpg" "$A/stuck$i.jpg"; done
"$HS" index create "$T/idx" > /dev/null
"$HS" hash "$A/a.jpg" "$A/c.jpg" "$A/f.jpg" | cut -f1 > "$T/list.txt"
"$HS" index import "$T/idx" --list l "$T/list.txt" > /dev/null

# hold NAME SCAN-ARGS...: runs a scan in the background that stops before
# opening NAME; returns once it waits there.
hold() {
  local name=$1
  shift
  rm -f "$FD/held" "$FD/release"
  HASHSWEEP_FAULT="hold:$name" HASHSWEEP_FAULT_DIR="$FD" "$HS" "$@" &
  PID=$!
  for _ in $(seq 600); do [ -e "$FD/held" ] && return 0; sleep 0.1; done
  fail "the scan never reached $name"
}
release() { touch "$FD/release"; wait "$PID"; RC=$?; }
has() { grep -c -- "$1" "$2" || true; }

# 1. Listed, then deleted before it is read: an error record, nothing else lost.
printf '%s\n' "$A/a.jpg" "$A/b.jpg" "$A/c.jpg" > "$T/m1.txt"
cp "$A/b.jpg" "$T/b.keep"
hold b.jpg scan -q --jobs 1 --index "$T/idx" --out "$T/o1.jsonl" "@$T/m1.txt"
rm "$A/b.jpg"
release
expect_eq "deleted: exit code 1" "$RC" 1
expect_grep "deleted: error record" "\"path\":\"$A/b.jpg\",\"error\":\"no such file\"" "$T/o1.jsonl"
expect_eq "deleted: a and c still matched" "$(has '"distance":0' "$T/o1.jsonl")" 2
cp "$T/b.keep" "$A/b.jpg"

# 2. Truncated before it is read: a decode error record.
printf '%s\n' "$A/a.jpg" "$A/d.jpg" "$A/c.jpg" > "$T/m2.txt"
hold d.jpg scan -q --jobs 1 --index "$T/idx" --store "$T/st2" --out "$T/o2.jsonl" "@$T/m2.txt"
truncate -s 3000 "$A/d.jpg"
release
expect_eq "truncated: exit code 1" "$RC" 1
expect_grep "truncated: error record" "\"path\":\"$A/d.jpg\",\"error\":\".*(truncated|Premature end|corrupt)" "$T/o2.jsonl"
expect_eq "truncated: a and c still matched" "$(has '"distance":0' "$T/o2.jsonl")" 2

# 3. Replaced by another (listed) image before it is read: the record is of
# the bytes read, and the store keeps their size and time, so the next
# scan finds e.jpg unchanged instead of hashing it again.
printf '%s\n' "$A/a.jpg" "$A/e.jpg" > "$T/m3.txt"
hold e.jpg scan -q --jobs 1 --index "$T/idx" --store "$T/st3" --out "$T/o3.jsonl" "@$T/m3.txt"
cp "$A/f.jpg" "$A/e.jpg.new" && touch -d '2001-02-03' "$A/e.jpg.new" && mv "$A/e.jpg.new" "$A/e.jpg"
release
expect_eq "replaced: exit code 0" "$RC" 0
expect_grep "replaced: the new content matched" "\"path\":\"$A/e.jpg\".*\"distance\":0" "$T/o3.jsonl"
"$HS" scan --jobs 1 --index "$T/idx" --store "$T/st3" --out "$T/o3b.jsonl" "@$T/m3.txt" 2> "$T/s3b.txt"
expect_grep "replaced: nothing hashed again" " 0 hashed, .* 2 skipped as unchanged" "$T/s3b.txt"

# 4. A read that crawls (4 KiB per 50 ms): the read timeout gives up
# between chunks; the files around it are scanned.
printf '%s\n' "$A/a.jpg" "$A/slow.jpg" "$A/c.jpg" > "$T/m4.txt"
HASHSWEEP_FAULT=slow:slow.jpg "$HS" scan -q --read-timeout 0.5 --index "$T/idx" \
  --out "$T/o4.jsonl" "@$T/m4.txt"
expect_eq "slow: exit code 1" "$?" 1
expect_grep "slow: timeout record" "\"path\":\"$A/slow.jpg\",\"error\":\"reading took longer than 500 ms" "$T/o4.jsonl"
expect_eq "slow: a and c matched" "$(has '"distance":0' "$T/o4.jsonl")" 2

# 5. A read that never returns: after twice the read timeout the watchdog
# makes the file an error record and the scan finishes without it.
rm -f "$FD/release"
printf '%s\n' "$A/a.jpg" "$A/stuck1.jpg" "$A/c.jpg" > "$T/m5.txt"
start=$(date +%s)
HASHSWEEP_FAULT=stall:stuck1.jpg HASHSWEEP_FAULT_DIR="$FD" "$HS" scan --jobs 1 --read-timeout 1 \
  --index "$T/idx" --out "$T/o5.jsonl" "@$T/m5.txt" 2> "$T/e5.txt"
rc=$?
took=$(( $(date +%s) - start ))
expect_eq "stuck: exit code 1" "$rc" 1
expect_grep "stuck: timeout record" "\"path\":\"$A/stuck1.jpg\",\"error\":\"no result after 2.0 s" "$T/o5.jsonl"
expect_eq "stuck: a and c matched" "$(has '"distance":0' "$T/o5.jsonl")" 2
expect_grep "stuck: a warning names it" "stuck1.jpg: no result after 2.0 s; its worker is abandoned" "$T/e5.txt"
if [ "$took" -lt 30 ]; then pass "stuck: finished in ${took}s"; else fail "stuck: took ${took}s"; fi
# The same for `hashsweep hash` (the same pipeline).
HASHSWEEP_FAULT=stall:stuck1.jpg HASHSWEEP_FAULT_DIR="$FD" "$HS" hash -q --jobs 2 --read-timeout 0.5 \
  "$A/a.jpg" "$A/stuck1.jpg" "$A/c.jpg" > "$T/h5.tsv"
expect_eq "hash stuck: exit code 1" "$?" 1
expect_eq "hash stuck: the others hashed, in order" "$(cut -f3 "$T/h5.tsv" | tr '\n' ' ')" "$A/a.jpg $A/c.jpg "

# 6. More stuck files than workers can be spared: the run stops (exit 3)
# with one line saying why, and a rerun without the fault resumes.
printf '%s\n' "$A/a.jpg" "$A"/stuck[1-5].jpg "$A/c.jpg" > "$T/m6.txt"
HASHSWEEP_FAULT=stall:stuck1.jpg,stall:stuck2.jpg,stall:stuck3.jpg,stall:stuck4.jpg,stall:stuck5.jpg \
  HASHSWEEP_FAULT_DIR="$FD" "$HS" scan -q --jobs 1 --read-timeout 0.25 --index "$T/idx" \
  --store "$T/st6" --out "$T/o6.jsonl" "@$T/m6.txt" 2> "$T/e6.txt"
expect_eq "all stuck: exit code 3" "$?" 3
expect_grep "all stuck: says why" "5 files gave no result within 0.5 s .*stopping \(rerun to resume\)" "$T/e6.txt"
touch "$FD/release"
"$HS" scan -q --jobs 1 --index "$T/idx" --store "$T/st6" --out "$T/o6.jsonl" "@$T/m6.txt"
rc=$?
# Records committed before the stop stay (the resumed job writes the same
# output as one uninterrupted run would have); the rest are scanned now.
gave_up=$(has 'no result after 0.5 s' "$T/o6.jsonl")
expect_eq "all stuck: rerun exit code" "$rc" "$([ "$gave_up" -gt 0 ] && echo 1 || echo 0)"
expect_eq "all stuck: one record per file" "$(( gave_up + $(has '"distance":0' "$T/o6.jsonl") ))" 7
for f in $(cat "$T/m6.txt"); do
  expect_eq "all stuck: $(basename "$f") once" "$(has "\"path\":\"$f\"" "$T/o6.jsonl")" 1
done
finish
