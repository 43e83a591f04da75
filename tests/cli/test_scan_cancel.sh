#!/usr/bin/env bash
# SIGINT/SIGTERM reach the scan through its cancel handle at every stage.
# A signal that arrives while the index loads (held there by the test hook
# hold:index-load, core/fault.h) stops the run with the exit code and the
# message of any interrupted scan, and nothing is written; the same command
# then runs to the end. A signal during the scan itself (a file held open)
# stops it after the items in flight, and the rerun resumes to output
# byte-identical to an uninterrupted run. The same for rescan and hash.
# timeout: 300
. "$(dirname "$0")/lib.sh"
A="$T/a"
FD="$T/fault"
mkdir -p "$A" "$FD"
for n in a b c d e f; do "$TI" gen "$A/$n.jpg" --size 320x240 --seed "$(printf '%d' "'$n")"; done
"$HS" index create "$T/idx" > /dev/null
"$HS" hash "$A/a.jpg" "$A/c.jpg" "$A/f.jpg" | cut -f1 > "$T/list.txt"
"$HS" index import "$T/idx" --list l "$T/list.txt" > /dev/null
printf '%s\n' "$A"/?.jpg > "$T/m.txt"
"$HS" scan -q --jobs 1 --index "$T/idx" --out "$T/want.jsonl" "@$T/m.txt"
expect_eq "reference scan: 3 matches" "$(grep -c '"distance":0' "$T/want.jsonl")" 3

# held POINT SIGNAL RELEASE CMD...: runs CMD in the background held at
# POINT, sends SIGNAL once it waits there, then (RELEASE=1) lets the held
# file go on, and collects exit code and stderr. The index-load hold is
# never released before the process ends: only the cancel can end it.
held() {
  local point=$1 sig=$2 rel=$3
  shift 3
  rm -f "$FD/held" "$FD/release"
  HASHSWEEP_FAULT="hold:$point" HASHSWEEP_FAULT_DIR="$FD" "$HS" "$@" 2> "$T/err" &
  local pid=$! ok=0
  for _ in $(seq 600); do [ -e "$FD/held" ] && ok=1 && break; sleep 0.1; done
  [ "$ok" = 1 ] || fail "$* never reached $point"
  kill "-$sig" "$pid"
  if [ "$rel" = 1 ]; then sleep 0.3; touch "$FD/release"; fi
  wait "$pid"
  RC=$?
  touch "$FD/release"
}

# 1. SIGINT during index load: stopped there, nothing written, resumable.
held index-load INT 0 scan --jobs 1 --index "$T/idx" --store "$T/st" --out "$T/o1.jsonl" "@$T/m.txt"
expect_eq "index load + SIGINT: exit code 3" "$RC" 3
expect_grep "index load + SIGINT: message" "^hashsweep: interrupted \(a signal or a cancel request\); rerun the same command to resume$" "$T/err"
expect_grep "index load + SIGINT: summary, nothing seen" "^hashsweep scan: 0 files seen" "$T/err"
expect_eq "index load + SIGINT: no output written" "$(cat "$T/o1.jsonl" 2>/dev/null | wc -c)" 0
"$HS" scan -q --jobs 1 --index "$T/idx" --store "$T/st" --out "$T/o1.jsonl" "@$T/m.txt"
expect_eq "index load + SIGINT: rerun exit code" "$?" 0
expect_eq "index load + SIGINT: rerun output" "$(cmp -s "$T/o1.jsonl" "$T/want.jsonl" && echo same)" same

# 2. SIGTERM during index load, without a store: the same exit and message.
held index-load TERM 0 scan --jobs 1 --index "$T/idx" --out "$T/o2.jsonl" "@$T/m.txt"
expect_eq "index load + SIGTERM: exit code 3" "$RC" 3
expect_grep "index load + SIGTERM: message" "^hashsweep: interrupted" "$T/err"

# 3. SIGINT while a file is being opened (c010 held, 150 files, one worker,
# a window of 72): the items in flight are finished and recorded, nothing
# more is produced, and the rerun resumes to the bytes of a whole run.
mkdir -p "$T/b"
for i in $(seq 0 149); do cp "$A/$(printf '%s' abcdef | cut -c$((i % 6 + 1))).jpg" "$T/b/c$(printf %03d "$i").jpg"; done
printf '%s\n' "$T"/b/c*.jpg > "$T/mb.txt"
"$HS" scan -q --jobs 1 --index "$T/idx" --out "$T/wantb.jsonl" "@$T/mb.txt"
expect_eq "150 files: 75 matches" "$(grep -c '"distance":0' "$T/wantb.jsonl")" 75
held c010.jpg INT 1 scan --jobs 1 --index "$T/idx" --store "$T/st3" --out "$T/o3.jsonl" "@$T/mb.txt"
expect_eq "mid-scan SIGINT: exit code 3" "$RC" 3
expect_grep "mid-scan SIGINT: message" "^hashsweep: interrupted" "$T/err"
seen=$(sed -n 's/^hashsweep scan: \([0-9]*\) files seen.*/\1/p' "$T/err")
[ -n "$seen" ] && [ "$seen" -ge 11 ] && [ "$seen" -lt 150 ] && pass "mid-scan SIGINT: stopped early ($seen seen)" || fail "mid-scan SIGINT: seen '$seen', want 11..149"
"$HS" scan --jobs 1 --index "$T/idx" --store "$T/st3" --out "$T/o3.jsonl" "@$T/mb.txt" 2> "$T/err3"
expect_eq "mid-scan SIGINT: rerun exit code" "$?" 0
expect_grep "mid-scan SIGINT: rerun resumed" "already done by the interrupted run" "$T/err3"
expect_eq "mid-scan SIGINT: resumed output" "$(cmp -s "$T/o3.jsonl" "$T/wantb.jsonl" && echo same)" same

# 4. rescan: SIGINT during its index load.
held index-load INT 0 rescan --index "$T/idx" --store "$T/st" --out "$T/o4.jsonl"
expect_eq "rescan + SIGINT: exit code 3" "$RC" 3
expect_grep "rescan + SIGINT: message" "^hashsweep: interrupted" "$T/err"

# 5. hash: SIGINT while a file is held: stops with exit 3, results before it.
held d.jpg INT 1 hash --jobs 1 "$A/a.jpg" "$A/b.jpg" "$A/d.jpg" "$A/e.jpg"
expect_eq "hash + SIGINT: exit code 3" "$RC" 3
expect_grep "hash + SIGINT: message" "^hashsweep: interrupted" "$T/err"
finish
