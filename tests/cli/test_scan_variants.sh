#!/usr/bin/env bash
# List-side variants end to end (issue 18): `hash --variants crops` JSONL
# imported, a centre-cropped copy of a listed image is reported once, as
# its entry, with variant crop_centre_10 (plain PDQ misses it), a cropped
# copy turned or mirrored with crop_centre_10+<dihedral>; scan, rescan and
# the device path agree; a re-import adds nothing; export -> import ->
# export is identical; withdrawing the entry (by hash) withdraws its
# variants, and the cropped copy no longer matches.
# timeout: 600
. "$(dirname "$0")/lib.sh"

A="$T/archive"
mkdir -p "$A/orig" "$A/up"
"$TI" gen-many "$A/orig" 6 --size 640x480 --seed 8200
o() { printf "%s/orig/img%05d.jpg" "$A" "$1"; }
"$HS" hash --variants crops --format jsonl "$(o 0)" "$(o 1)" > "$T/listed.jsonl"
expect_eq "hash --variants: 2 records with variants" "$(grep -c '"variants":{"crop_centre_5"' "$T/listed.jsonl")" 2
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list victims "$T/listed.jsonl" > "$T/imp1" 2>&1
expect_eq "import: exit" "$?" 0
# pdq, md5 and sha256 of each image; 8 crops of each PDQ.
expect_grep "import: 6 entries, 16 variant slots" "^imported 6 rows: 6 added, .*, 16 variant slots added" "$T/imp1"
"$HS" index import "$T/idx" --list victims "$T/listed.jsonl" > "$T/imp2" 2>&1
expect_grep "re-import adds nothing" "^imported 6 rows: 0 added, 6 duplicates, 0 withdrawn, 0 not found, 0 rejected; index" "$T/imp2"
"$HS" index lists "$T/idx" --format jsonl > "$T/lists"
expect_grep "lists: 2 pdq entries, 16 variant slots" '"pdq":2,.*"variants":16' "$T/lists"
"$HS" index stats "$T/idx" --format json > "$T/stats"
expect_grep "stats: entries counted once" '"pdq":\{"entries":2,' "$T/stats"
expect_grep "stats: variant slots apart" '"variants":16,"variants_withdrawn":0' "$T/stats"
"$HS" index verify "$T/idx" > /dev/null
expect_eq "verify: exit" "$?" 0
# index show: the entry with its variants; a variant slot names its entry.
"$HS" index show "$T/idx" 1024 > "$T/show" 2>&1
expect_grep "show: the entry's variants by name" '^\{"id":1024,.*"variants":\{"crop_bottom_10":"[0-9a-f]{64}","crop_centre_10":' "$T/show"
"$HS" index show "$T/idx" 1025 > "$T/show-slot" 2>&1
expect_grep "show: a slot names its entry" '"variant_of":1024,"variant":"crop_' "$T/show-slot"
"$HS" index show "$T/idx" 99 > /dev/null 2> "$T/show-err"
expect_eq "show: an unknown id is an item error" "$?" 1
expect_grep "show: the id is named" "no entry 99" "$T/show-err"

# Round trip, both the JSON Lines and the CSV export.
for f in jsonl csv; do
  "$HS" index export "$T/idx" --list victims --format $f > "$T/e1.$f"
  "$HS" index create "$T/idx-$f" > /dev/null
  "$HS" index import "$T/idx-$f" --list victims "$T/e1.$f" > /dev/null
  "$HS" index export "$T/idx-$f" --list victims --format $f > "$T/e2.$f"
  cmp -s "$T/e1.$f" "$T/e2.$f"
  expect_eq "export -> import -> export identical ($f)" "$?" 0
done
expect_grep "export writes the variants back" '"variants":\{"crop_bottom_10":"[0-9a-f]{64}",' "$T/e1.jsonl"

"$TI" edit "$(o 0)" "$A/up/crop0.jpg[Q=90]" crop:5     # 10% of each dimension, half a side
"$TI" edit "$A/up/crop0.jpg" "$A/up/crop0-rot90.png" rot90
"$TI" edit "$A/up/crop0.jpg" "$A/up/crop0-flipy.png" flipy
"$TI" edit "$(o 1)" "$A/up/copy1.png" copy
"$TI" edit "$(o 4)" "$A/up/crop4-unlisted.jpg[Q=90]" crop:5
cp "$(o 5)" "$A/up/unlisted5.jpg"

"$HS" scan -q --index "$T/idx" --store "$T/store" --out "$T/scan.jsonl" "$A/up"
"$HS" rescan -q --index "$T/idx" --store "$T/store" --out "$T/rescan.jsonl"
scan_on_device "$T/device.jsonl" "$T/scan.jsonl" --index "$T/idx" "$A/up"
# A list without variants: plain PDQ misses the cropped copy.
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); r.pop("variants"); print(json.dumps(r))' "$T/listed.jsonl" > "$T/plain.jsonl"
"$HS" index create "$T/plain" > /dev/null
"$HS" index import "$T/plain" --list victims "$T/plain.jsonl" > /dev/null
"$HS" scan -q --index "$T/plain" --out "$T/plain-scan.jsonl" "$A/up"

python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
def load(name):
    out = {}
    for line in open(f"{t}/{name}"):
        r = json.loads(line)
        if r.get("entry") is not None:
            out.setdefault(r["path"].rsplit("/", 1)[-1], []).append((r["entry"], r["variant"], r["distance"]))
    return out
fails = 0
def check(what, got, want):
    global fails
    if got == want:
        print(f"ok: {what}")
    else:
        print(f"FAIL: {what}: got {got!r}, want {want!r}", file=sys.stderr)
        fails += 1
scan = load("scan.jsonl")
entry0 = scan.get("crop0.jpg", [(None,)])[0][0]
check("crop0: one match", len(scan.get("crop0.jpg", [])), 1)
check("crop0: variant crop_centre_10", scan.get("crop0.jpg", [(0, None)])[0][1], "crop_centre_10")
for name in ["crop0-rot90.png", "crop0-flipy.png"]:
    hits = scan.get(name, [])
    check(f"{name}: one match, the same entry", [h[0] for h in hits], [entry0])
    check(f"{name}: a crop and a dihedral", bool(hits) and hits[0][1].startswith("crop_centre_10+") and
          hits[0][1].split("+")[1] in ("rot90", "rot270", "flipx", "flipy"), True)
check("copy1: its own hash wins (orig)", [h[1] for h in scan.get("copy1.png", [])], ["orig"])
check("unlisted images match nothing", [n for n in scan if "unlisted" in n], [])
for other in ["rescan.jsonl", "device.jsonl"]:
    check(f"{other} reports the same", load(other), scan)
plain = load("plain-scan.jsonl")
check("without variants the crops are missed", sorted(n for n in plain if n.startswith("crop")), [])
sys.exit(1 if fails else 0)
PY
expect_eq "scan records" "$?" 0

# Withdrawing the entry takes its variants: the cropped copy is missed.
pdq0=$("$HS" hash --mode exact "$(o 0)" | cut -f1)
"$HS" index withdraw "$T/idx" --reason "test" --hash "$pdq0" > "$T/wd" 2>&1
expect_grep "withdraw: one entry" "^withdrew 1 entries" "$T/wd"
"$HS" index stats "$T/idx" --format json > "$T/stats2"
expect_grep "withdraw: its 8 variants with it" '"variants":16,"variants_withdrawn":8' "$T/stats2"
"$HS" index verify "$T/idx" > /dev/null
expect_eq "verify after withdraw: exit" "$?" 0
"$HS" scan -q --index "$T/idx" --out "$T/after.jsonl" "$A/up"
expect_eq "after withdraw: crop0 and its turns match nothing" \
  "$(grep -c '"path":"[^"]*crop0[^"]*".*"entry"' "$T/after.jsonl")" 0
expect_grep "after withdraw: image 1 still matches" '"path":"[^"]*copy1.png".*"entry"' "$T/after.jsonl"
finish
