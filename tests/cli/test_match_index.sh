#!/usr/bin/env bash
# hashsweep match with an index as the haystack: the same pairs as with the
# list the index was imported from (entry ids in place of line numbers),
# withdrawn entries excluded, 64-bit entries searched with 64-bit needles.
# timeout: 120
. "$(dirname "$0")/lib.sh"
python3 - "$T" <<'PY'
import random, sys
T = sys.argv[1]
rnd = random.Random(5)
hay = [rnd.getrandbits(256) for _ in range(2000)]
needles = []
for i in range(200):
    h = hay[rnd.randrange(len(hay))]
    for b in rnd.sample(range(256), i % 40):
        h ^= 1 << b
    needles.append(h)
open(f"{T}/hay.txt", "w").write("".join(f"{h:064x}\n" for h in hay))
open(f"{T}/needles.txt", "w").write("".join(f"{h:064x}\n" for h in needles))
h64 = [rnd.getrandbits(64) for _ in range(500)]
open(f"{T}/hay64.txt", "w").write("".join(f"{h:016x}\n" for h in h64))
open(f"{T}/needles64.txt", "w").write("".join(f"{h ^ 0b1011:016x}\n" for h in h64[:50]))
PY
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list a "$T/hay.txt" "$T/hay64.txt" > /dev/null
"$HS" match "$T/needles.txt" "$T/hay.txt" > "$T/by-list.tsv"
"$HS" match "$T/needles.txt" "$T/idx" > "$T/by-index.tsv"
expect_eq "index exit" "$?" 0
expect_eq "same number of pairs" "$(wc -l < "$T/by-index.tsv")" "$(wc -l < "$T/by-list.tsv")"
expect_eq "same needles and distances" "$(cut -f1,3 "$T/by-index.tsv" | sort | md5sum)" "$(cut -f1,3 "$T/by-list.tsv" | sort | md5sum)"
[ "$(wc -l < "$T/by-list.tsv")" -ge 150 ] && pass "pairs found" || fail "too few pairs"
# Entry ids are page * 1024 + slot (index.h); a fresh index fills PDQ pages
# 1, 2, ... with 1022 entries each, in input order.
python3 - "$T" <<'PY' && pass "entry ids map to lines" || fail "entry ids do not map to lines"
import sys
T = sys.argv[1]
a = sorted(tuple(map(int, l.split())) for l in open(f"{T}/by-list.tsv"))
line = lambda e: (e // 1024 - 1) * 1022 + e % 1024 + 1
b = sorted((n, line(e), d) for n, e, d in (map(int, l.split()) for l in open(f"{T}/by-index.tsv")))
sys.exit(0 if a == b else 1)
PY
# A withdrawn entry is no longer in the haystack.
first=$(head -1 "$T/by-index.tsv" | cut -f2)
"$HS" index withdraw "$T/idx" --id "$first" --reason test > /dev/null
"$HS" match "$T/needles.txt" "$T/idx" > "$T/after.tsv"
expect_eq "withdrawn entry gone" "$(cut -f2 "$T/after.tsv" | grep -cx "$first")" 0
# 64-bit needles search the index's h64 entries.
"$HS" match --radius 3 "$T/needles64.txt" "$T/idx" > "$T/h64.tsv"
expect_eq "64-bit pairs" "$(wc -l < "$T/h64.tsv")" 50
finish
