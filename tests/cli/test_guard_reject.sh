#!/usr/bin/env bash
# Reviewers' rejections feed the flood guard (issue 15, docs/guard.md):
# the reject that brings an entry's rejected files to --flood-rejections R
# (default 3) quarantines it in the same transaction as the decision
# (audited right after it), the entry stops matching, `index release`
# releases it, and it is held again only after R more rejected files;
# a file rejected twice counts once; R 0 turns it off.
# timeout: 120
. "$(dirname "$0")/lib.sh"

A="$T/arch"
mkdir -p "$A"
"$TI" gen-many "$A" 2 --size 320x240 --seed 77 > /dev/null
"$HS" hash "$A/img00000.jpg" | cut -f1 > "$T/list.txt"
"$HS" hash "$A/img00001.jpg" | cut -f1 > "$T/list2.txt"
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list junk --label 'a meme' "$T/list.txt" > /dev/null
"$HS" index import "$T/idx" --list junk2 "$T/list2.txt" > /dev/null
"$HS" scan -q --index "$T/idx" --out "$T/s0.jsonl" "$A"
entry_of() { python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"].endswith(sys.argv[2]) and "entry" in r: print(r["entry"]); break' "$T/s0.jsonl" "$1"; }
E=$(entry_of img00000.jpg)
E2=$(entry_of img00001.jpg)
[ -n "$E" ] && [ -n "$E2" ] && [ "$E" != "$E2" ] || { fail "fixture: two entries, got '$E' '$E2'"; finish; }

reject() { # reject ENTRY FILE [OPTIONS...]
  local e=$1 f=$2; shift 2
  "$HS" review decide --index "$T/idx" --entry "$e" --file "$f" --decision reject \
    --reviewer ann "$@"
}
reject "$E" /p/a.jpg > "$T/r1.out"
reject "$E" /p/a.jpg > /dev/null          # the same file again: still one
reject "$E" /p/b.jpg > "$T/r2.out"
expect_eq "two rejected files: not quarantined" "$(grep -c quarantined "$T/r1.out" "$T/r2.out" | \
  awk -F: '{s+=$2} END {print s}')" 0
"$HS" review decide --index "$T/idx" --entry "$E" --file /p/c.jpg --decision confirm \
  --reviewer bob > /dev/null
reject "$E" /p/c.jpg > "$T/r3.out"   # a confirmed file rejected later: its latest counts
expect_eq "third rejected file: exit code" "$?" 0
expect_grep "third rejected file quarantines" "^quarantined: entry $E " "$T/r3.out"

"$HS" index quarantined "$T/idx" > "$T/q.tsv"
expect_grep "index quarantined lists it (3 files, no run: seen 0, limit 3)" \
  "^$E	junk	a meme	.*	3	0	3$" "$T/q.tsv"
"$HS" index lists "$T/idx" > "$T/lists.tsv"
expect_grep "index lists counts it" "^junk	.*	1$" "$T/lists.tsv"
"$HS" index log "$T/idx" --format jsonl > "$T/log.jsonl"
python3 - "$T/log.jsonl" "$E" > "$T/log.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
e = sys.argv[2]
print(recs[-2]["kind"], recs[-1]["kind"], recs[-1]["seq"] == recs[-2]["seq"] + 1)
print(recs[-1]["note"])
print(sum(1 for r in recs if r["kind"] == "quarantine"))
PY
expect_eq "decide then quarantine, audited together" "$(cat "$T/log.txt")" "decide quarantine True
review: entry $E rejected as a false match on 3 files (limit 3): quarantined
1"
"$HS" index verify "$T/idx" > /dev/null
expect_eq "verify accepts the chain" "$?" 0

# Held: the entry matches nothing; the other list's entry still does.
"$HS" scan -q --index "$T/idx" --out "$T/s1.jsonl" "$A"
expect_eq "quarantined entry does not match" "$(grep -c "\"entry\":$E," "$T/s1.jsonl")" 0
expect_eq "the other entry matches" "$(grep -c "\"entry\":$E2," "$T/s1.jsonl")" 1

# A further rejection of a held entry changes nothing more.
"$HS" index release "$T/idx" "$E" --note "reviewed: keep it" > /dev/null
expect_eq "release exit code" "$?" 0
"$HS" scan -q --index "$T/idx" --out "$T/s2.jsonl" "$A"
expect_eq "released entry matches again" "$(grep -c "\"entry\":$E," "$T/s2.jsonl")" 1
reject "$E" /p/d.jpg > "$T/r4.out"
reject "$E" /p/e.jpg > "$T/r5.out"
expect_eq "after the release, 4 and 5 rejected files: not held again" \
  "$(cat "$T/r4.out" "$T/r5.out" | grep -c quarantined)" 0
reject "$E" /p/f.jpg > "$T/r6.out"
expect_grep "the sixth rejected file (2R) holds it again" "^quarantined: entry $E " "$T/r6.out"
"$HS" index release "$T/idx" "$E" > /dev/null

# Off, and a per-call limit.
for f in a b c d; do reject "$E2" /q/$f.jpg --flood-rejections 0; done > "$T/off.out"
expect_eq "--flood-rejections 0: never quarantined" "$(grep -c quarantined "$T/off.out")" 0
reject "$E2" /q/e.jpg --flood-rejections 5 > "$T/five.out"
expect_grep "--flood-rejections 5: the fifth holds it" "^quarantined: entry $E2 " "$T/five.out"
reject "$E2" /q/x.jpg --flood-rejections -1 2> "$T/bad.err" > /dev/null
expect_eq "a negative limit is a usage error" "$?" 2
expect_grep "and says so" "flood-rejections: '-1' is not a count" "$T/bad.err"
"$HS" index verify "$T/idx" > /dev/null
expect_eq "verify at the end" "$?" 0
finish
