#!/usr/bin/env bash
# A disk that fills during a scan (a file-size limit, RLIMIT_FSIZE, with
# SIGXFSZ ignored so writes fail with EFBIG the way a full disk fails them
# with ENOSPC): a clear one-line error and exit code 3, the store stays
# consistent, and a rerun with space resumes with nothing lost or repeated.
# timeout: 300
. "$(dirname "$0")/lib.sh"
A="$T/archive"
mkdir -p "$A"
"$TI" gen-many "$A" 150 --size 480x360 --seed 31
"$HS" index create "$T/idx" > /dev/null
ls "$A"/img000[0-4]*.jpg | "$HS" hash - | cut -f1 > "$T/list.txt"
"$HS" index import "$T/idx" --list l "$T/list.txt" > /dev/null
"$HS" scan -q --index "$T/idx" --store "$T/ref-store" --out "$T/ref.jsonl" "$A"
expect_eq "reference run" "$?" 0

# The store grows by about 400 bytes per file: a 96 KiB limit stops the
# scan part-way (the first commits fit, later ones cannot).
(
  trap '' XFSZ
  ulimit -f 96
  exec "$HS" scan -q --jobs 1 --index "$T/idx" --store "$T/store" --out "$T/out.jsonl" "$A"
) 2> "$T/full.err"
rc=$?
expect_eq "exit code 3 when the disk is full" "$rc" 3
expect_eq "one error line" "$(wc -l < "$T/full.err")" 1
expect_grep "the error names the cause" "(File too large|No space left|disk full|file size limit)" "$T/full.err"

"$HS" scan -q --index "$T/idx" --store "$T/store" --out "$T/out.jsonl" "$A"
expect_eq "rerun with space completes" "$?" 0
if cmp -s "$T/ref.jsonl" "$T/out.jsonl"; then pass "output equals the uninterrupted run"; else fail "output differs"; diff "$T/ref.jsonl" "$T/out.jsonl" | head >&2; fi
"$HS" rescan --index "$T/idx" --store "$T/store" --out /dev/null 2> "$T/rescan.err"
expect_grep "store holds every file once" "150 files in the store" "$T/rescan.err"
finish
