#!/usr/bin/env bash
# Flood guard, allow-lists and per-list thresholds (docs/guard.md, issue 15):
# one benign hash listed that matches 300 files is held past the limit and
# quarantined, then matches nothing, then is released and matches again; an
# allow-list suppresses a file's matches with one note naming its entry; a
# per-list radius and quality gate decide matches in scan and rescan.
# timeout: 300
. "$(dirname "$0")/lib.sh"

A="$T/archive"
mkdir -p "$A/flood" "$A/other"
"$TI" gen "$T/meme.jpg" --size 240x180 --seed 555
for i in $(seq 1 300); do cp "$T/meme.jpg" "$A/flood/m$i.jpg"; done
"$TI" gen-many "$A/other" 4 --size 320x240 --seed 100
# A copy of other/0 with a few bits' difference, for the radius checks.
"$TI" edit "$A/other/img00000.jpg" "$T/edited.jpg[Q=40]" blur:1.5
pdq() { "$HS" hash --mode exact "$1" | cut -f1; }
D=$(python3 -c "import sys; a,b=(int(x,16) for x in sys.argv[1:]); print(bin(a^b).count('1'))" \
    "$(pdq "$A/other/img00000.jpg")" "$(pdq "$T/edited.jpg")")
[ "$D" -gt 0 ] && [ "$D" -le 31 ] || fail "edited copy is $D bits away: want 1..31"
cp "$T/edited.jpg" "$A/other/edited.jpg"
printf 'hash,label\n%s,meme\n%s,victim0\n' "$(pdq "$T/meme.jpg")" "$(pdq "$A/other/img00000.jpg")" \
  > "$T/list.csv"
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list victims "$T/list.csv" > /dev/null
MEME=$("$HS" index export "$T/idx" --format jsonl | python3 -c "
import json,sys
print([json.loads(l)['id'] for l in sys.stdin if json.loads(l).get('label')=='meme'][0])" 2>/dev/null)
[ -n "$MEME" ] || MEME=1024

# ---- flood: 300 files, limit 50 ---------------------------------------------
"$HS" scan --index "$T/idx" --store "$T/store" --out "$T/flood.jsonl" --flood-files 50 \
  --flood-per-million 0 "$A" 2> "$T/flood.err"
expect_eq "flood scan exit code" "$?" 0
python3 - "$T/flood.jsonl" "$MEME" > "$T/flood.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
meme = int(sys.argv[2])
m = [r for r in recs if r.get("entry") == meme and "note" not in r]
print("meme_matches", len(m))
print("actionable", sum(1 for r in m if "held" not in r))
print("held", sum(1 for r in m if r.get("held") == "flood"))
# Records are in input order: every held one comes after every actionable one.
first_held = next(i for i, r in enumerate(m) if r.get("held"))
print("order_ok", all("held" not in r for r in m[:first_held]) and all(r.get("held") for r in m[first_held:]))
notes = [r for r in recs if r.get("held") == "flood" and "note" in r]
print("notes", len(notes), notes[0]["entry"] if notes else -1, notes[0]["before_limit"] if notes else -1)
print("victim", sum(1 for r in recs if r.get("label") == "victim0" and "held" not in r))
PY
expect_grep "300 meme matches" "^meme_matches 300$" "$T/flood.txt"
expect_grep "the first 50 are actionable" "^actionable 50$" "$T/flood.txt"
expect_grep "the other 250 are held" "^held 250$" "$T/flood.txt"
expect_grep "held records follow the actionable ones" "^order_ok True$" "$T/flood.txt"
expect_grep "one flood note naming the entry and the 50 earlier records" "^notes 1 $MEME 50$" \
  "$T/flood.txt"
expect_grep "the victim matches are not held" "^victim 2$" "$T/flood.txt"
expect_grep "summary counts held and quarantined" "250 matches held \(flood\), 1 entries quarantined" \
  "$T/flood.err"
"$HS" index quarantined "$T/idx" > "$T/q.tsv"
expect_grep "index quarantined lists the entry" "^$MEME	victims	meme	.*	300	30[0-9]	50$" "$T/q.tsv"
"$HS" index lists "$T/idx" > "$T/lists.tsv"
expect_grep "index lists counts it" "^victims	.*	match	default	default	1$" "$T/lists.tsv"
"$HS" index log "$T/idx" > "$T/log.tsv"
expect_grep "the quarantine is audited" "quarantine	list=victims.*entry $MEME \(300 files\)" "$T/log.tsv"
"$HS" index verify "$T/idx" > /dev/null
expect_eq "verify accepts the quarantine" "$?" 0
# The run record carries the guard's counts (index log --format jsonl).
run_counts() { "$HS" index log "$T/idx" --format jsonl | python3 -c '
import json, sys
c = [json.loads(l) for l in sys.stdin if json.loads(l)["kind"] == "run"][-1]["details"]["counts"]
print(" ".join("%s=%d" % (k, c[k]) for k in ("allowed", "suppressed", "held", "quarantined")))'; }
expect_eq "the flood scan's run record counts held and quarantined" "$(run_counts)" \
  "allowed=0 suppressed=0 held=250 quarantined=1"

# Quarantined: no match in a rescan, nor in a scan (default limits).
"$HS" rescan -q --index "$T/idx" --store "$T/store" --out "$T/r1.jsonl"
expect_eq "rescan exit code" "$?" 0
expect_eq "quarantined entry matches nothing in rescan" "$(grep -c '"label":"meme"' "$T/r1.jsonl")" 0
expect_eq "the victim still matches" "$(grep -c '"label":"victim0"' "$T/r1.jsonl")" 2

# Release: audited, matches again (flood guard off for this run).
"$HS" index release "$T/idx" "$MEME" --note "reviewed: a meme" > "$T/rel.txt"
expect_eq "release exit code" "$?" 0
expect_grep "release reports" "^released 1 entries" "$T/rel.txt"
"$HS" index release "$T/idx" "$MEME" 2> "$T/rel2.err" > /dev/null
expect_eq "releasing again is exit 1" "$?" 1
expect_grep "names the entry" "entry $MEME: is not quarantined" "$T/rel2.err"
"$HS" index log "$T/idx" > "$T/log.tsv"
expect_grep "the release is audited" "release	list=victims.*released: $MEME; reviewed: a meme" "$T/log.tsv"
"$HS" rescan -q --index "$T/idx" --store "$T/store" --out "$T/r2.jsonl" --flood-files 0
expect_eq "released entry matches again" "$(grep -c '"label":"meme"' "$T/r2.jsonl")" 300
expect_eq "nothing held with the guard off" "$(grep -c held "$T/r2.jsonl")" 0
# Per million: 300 of ~306 files is far over 50 per million, the absolute
# floor (1000) is not reached: not held.
"$HS" rescan -q --index "$T/idx" --store "$T/store" --out "$T/r3.jsonl" --flood-files 1000
expect_eq "under the absolute floor: not held" "$(grep -c held "$T/r3.jsonl")" 0
# The scaled part: a limit of 100% of the files seen is never crossed, 50% is.
"$HS" rescan -q --index "$T/idx" --store "$T/store" --out "$T/r4.jsonl" --flood-files 1 \
  --flood-per-million 1000000
expect_eq "per million 10^6: never held" "$(grep -c held "$T/r4.jsonl")" 0
"$HS" rescan --index "$T/idx" --store "$T/store" --out "$T/r5.jsonl" --flood-files 1 \
  --flood-per-million 500000 2> "$T/r5.err"
expect_grep "per million 5*10^5: held and quarantined" "1 entries quarantined" "$T/r5.err"
"$HS" index release "$T/idx" "$MEME" > /dev/null
expect_eq "released again" "$?" 0

# ---- allow-list -----------------------------------------------------------------
"$HS" index set-list "$T/idx" benign --role allow --note "platform memes" > "$T/set.txt"
expect_grep "set-list creates the allow-list" "^list benign: role allow" "$T/set.txt"
printf 'hash,label\n%s,known meme\n' "$(pdq "$T/meme.jpg")" > "$T/allow.csv"
"$HS" index import "$T/idx" --list benign "$T/allow.csv" > /dev/null
"$HS" rescan --index "$T/idx" --store "$T/store" --out "$T/a.jsonl" --flood-files 0 2> "$T/a.err"
python3 - "$T/a.jsonl" > "$T/a.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
print("meme_matches", sum(1 for r in recs if r.get("label") == "meme"))
notes = [r for r in recs if r.get("list") == "benign"]
print("allow_notes", len(notes), sum(1 for r in notes if "note" in r and r["suppressed"] == 1))
print("benign_matches", sum(1 for r in recs if r.get("list") == "benign" and "note" not in r))
print("victim", sum(1 for r in recs if r.get("label") == "victim0"))
PY
expect_grep "allow-list suppresses every meme match" "^meme_matches 0$" "$T/a.txt"
expect_grep "one note per file, naming the allow entry" "^allow_notes 300 300$" "$T/a.txt"
expect_grep "allow entries never match" "^benign_matches 0$" "$T/a.txt"
expect_grep "other files unaffected" "^victim 2$" "$T/a.txt"
expect_grep "summary counts allowed files" "300 files allowed \(300 matches suppressed" "$T/a.err"
expect_eq "the allow rescan's run record counts allowed and suppressed" "$(run_counts)" \
  "allowed=300 suppressed=300 held=0 quarantined=0"
"$HS" index set-list "$T/idx" benign --role match > /dev/null
"$HS" rescan -q --index "$T/idx" --store "$T/store" --out "$T/a2.jsonl" --flood-files 0
expect_eq "role match again: the list matches" "$(grep -c '"list":"benign"' "$T/a2.jsonl")" 300

# ---- per-list radius and quality gate ---------------------------------------------
"$HS" index set-list "$T/idx" victims --radius 0 > /dev/null
"$HS" rescan -q --index "$T/idx" --store "$T/store" --out "$T/p1.jsonl" --flood-files 0
expect_eq "list radius 0: rescan finds only the exact copy" \
  "$(grep -c '"label":"victim0"' "$T/p1.jsonl")" 1
"$HS" scan -q --index "$T/idx" --out "$T/p1s.jsonl" --flood-files 0 "$A/other"
expect_eq "list radius 0: scan finds only the exact copy" \
  "$(grep -c '"label":"victim0"' "$T/p1s.jsonl")" 1
"$HS" index set-list "$T/idx" victims --radius 31 > /dev/null
"$HS" rescan -q --index "$T/idx" --store "$T/store" --out "$T/p2.jsonl" --radius 0 --flood-files 0
expect_eq "list radius 31 beats --radius 0 in rescan" "$(grep -c '"label":"victim0"' "$T/p2.jsonl")" 2
mkdir -p "$T/near"
"$TI" edit "$T/meme.jpg" "$T/near/meme-edited.jpg[Q=40]" blur:1.5
"$HS" scan -q --index "$T/idx" --out "$T/p2s.jsonl" --radius 0 --flood-files 0 "$A/other" "$T/near"
expect_eq "list radius 31 beats --radius 0 in scan" "$(grep -c '"label":"victim0"' "$T/p2s.jsonl")" 2
expect_eq "the edited meme matches through victims (radius 31)" \
  "$(grep -c '"label":"meme"' "$T/p2s.jsonl")" 1
expect_eq "but not through benign (--radius 0)" "$(grep -c '"list":"benign"' "$T/p2s.jsonl")" 0
"$HS" index set-list "$T/idx" victims --min-quality 101 --radius default > /dev/null 2> "$T/q.err"
expect_eq "quality gate 101 is refused" "$?" 2
"$HS" index set-list "$T/idx" victims --min-quality 100 --radius default > /dev/null
"$HS" index lists "$T/idx" --format jsonl > "$T/lists.jsonl"
expect_grep "lists shows the gate" '"list":"victims".*"radius":null,"min_quality":100' "$T/lists.jsonl"
"$HS" index set-list "$T/idx" victims --min-quality default > /dev/null
"$HS" index verify "$T/idx" > /dev/null
expect_eq "verify after all the changes" "$?" 0
finish
