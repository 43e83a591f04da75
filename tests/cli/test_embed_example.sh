#!/usr/bin/env bash
# docs/examples/embed_scan.c, the embedding example of docs/library.md:
# built by the project, run here on a small archive. Its records (through
# the callback) name exactly the files the CLI's scan matches, with the
# same entries and distances. With the index load held (test hook
# hold:index-load, core/fault.h), its deadline thread cancels the run after
# 1 s: no record, HS_ERR_INTERRUPTED, exit 3.
# timeout: 300
. "$(dirname "$0")/lib.sh"
EX="${HS_BINARY_DIR:?}/examples/embed_scan"
[ -x "$EX" ] || { fail "the example was not built ($EX)"; finish; }
A="$T/a"
mkdir -p "$A"
for n in a b c d; do "$TI" gen "$A/$n.jpg" --size 320x240 --seed "$(printf '%d' "'$n")"; done
echo "not an image" > "$A/e.jpg"
"$HS" index create "$T/idx" > /dev/null
"$HS" hash "$A/a.jpg" "$A/c.jpg" | cut -f1 > "$T/list.txt"
"$HS" index import "$T/idx" --list known "$T/list.txt" > /dev/null

"$EX" "$T/idx" "$A" > "$T/out" 2> "$T/err"
expect_eq "example: exit code 1 (one unreadable file)" "$?" 1
expect_grep "example: index opened" "^index version 1, 2 PDQ entries$" "$T/out"
expect_grep "example: a matched" "^match $A/a.jpg entry=[0-9]+ list=known distance=0 variant=orig$" "$T/out"
expect_grep "example: c matched" "^match $A/c.jpg entry=[0-9]+ list=known distance=0 variant=orig$" "$T/out"
expect_grep "example: error record" "^error $A/e.jpg: " "$T/out"
expect_grep "example: summary" "^scanned 5 files: 2 matches, 1 errors, 0 low quality$" "$T/out"
# The same matches as the CLI's scan (path, entry, distance).
"$HS" scan -q --index "$T/idx" "$A" | sed -n 's/^{"path":"\([^"]*\)".*"entry":\([0-9]*\).*"distance":\([0-9]*\).*/\1 \2 \3/p' | sort > "$T/cli"
sed -n 's/^match \([^ ]*\) entry=\([0-9]*\) .*distance=\([0-9]*\) .*/\1 \2 \3/p' "$T/out" | sort > "$T/ex"
expect_eq "example: matches as the CLI's" "$(cat "$T/ex")" "$(cat "$T/cli")"
expect_eq "example: two matches compared" "$(wc -l < "$T/ex")" 2

HASHSWEEP_FAULT=hold:index-load HASHSWEEP_FAULT_DIR="$T" "$EX" --deadline 1 "$T/idx" "$A" > "$T/out0" 2> "$T/err0"
expect_eq "cancelled: exit code 3" "$?" 3
expect_eq "cancelled: held in index load" "$([ -e "$T/held" ] && echo yes)" yes
expect_grep "cancelled: interrupted" "^stopped \(interrupted\) after 0 files: interrupted \(a signal or a cancel request\)" "$T/out0"
expect_eq "cancelled: no record" "$(grep -c '^match\|^error' "$T/out0")" 0
finish
