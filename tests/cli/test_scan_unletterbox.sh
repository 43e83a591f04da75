#!/usr/bin/env bash
# Query-side unletterbox end to end: copies of listed images with added
# borders (a black letterbox, a white frame, a letterbox of a mirrored copy)
# match with variant unletterbox / unletterbox+flipy, and not at all with
# --no-unletterbox (their own hashes are far off: the reason for the
# strip); a bordered copy of an unlisted image, the unrelated images, a flat
# image, tiny and nearly all-border images match nothing and crash nothing.
# A rescan from the store and a second scan of unchanged files (no
# decoding) report the same variants; a rescan with --no-unletterbox does
# not; a store made without the strip is hashed again by a scan with it.
# timeout: 600
. "$(dirname "$0")/lib.sh"

A="$T/archive"
mkdir -p "$A/orig" "$A/up"
"$TI" gen-many "$A/orig" 10 --size 640x480 --seed 8100
printf 'hash,label\n' > "$T/pdq.csv"
for i in 0 1 2 3; do
  f=$(printf "%s/orig/img%05d.jpg" "$A" "$i")
  printf '%s,img%05d\n' "$("$HS" hash --mode exact "$f" | cut -f1)" "$i" >> "$T/pdq.csv"
done
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list victims "$T/pdq.csv" > /dev/null

o() { printf "%s/orig/img%05d.jpg" "$A" "$1"; }
"$TI" edit "$(o 0)" "$A/up/letterbox0.jpg[Q=80]" pad:15
"$TI" edit "$(o 1)" "$A/up/frame1.png" frame:10
"$TI" edit "$(o 2)" "$T/flip2.png" flipy
"$TI" edit "$T/flip2.png" "$A/up/letterbox-flipped2.jpg[Q=90]" pad:20
"$TI" edit "$(o 3)" "$A/up/copy3.jpg[Q=90]" copy
"$TI" edit "$(o 7)" "$A/up/letterbox-unlisted7.jpg" pad:15
# Bad input: flat, tiny, and nearly all border (content 20x20 in 400x400,
# below the 32x32 minimum), and a noisy band.
"$TI" gen "$A/up/flat.png" --size 300x300 --kind flat
"$TI" gen "$T/small.png" --size 20x20 --seed 3
"$TI" edit "$T/small.png" "$A/up/tiny.png" scale:0.2
"$TI" edit "$T/small.png" "$T/s1.png" pad:900
"$TI" edit "$T/s1.png" "$A/up/nearly-all-border.png" frame:500

"$HS" scan -q --index "$T/idx" --store "$T/store" --out "$T/on.jsonl" "$A"
"$HS" scan -q --no-unletterbox --index "$T/idx" --out "$T/off.jsonl" "$A"
# PDQ on an OpenCL device (PoCL here): the content region is hashed in the
# same device batch as the file, and the records are the same (the hashes
# bit for bit: tests/test_pipeline.c).
scan_on_device "$T/device.jsonl" "$T/on.jsonl" --index "$T/idx" "$A"
"$HS" rescan -q --index "$T/idx" --store "$T/store" --out "$T/rescan.jsonl"
"$HS" rescan -q --no-unletterbox --index "$T/idx" --store "$T/store" --out "$T/rescan-off.jsonl"
"$HS" scan --index "$T/idx" --store "$T/store" --out "$T/again.jsonl" "$A" 2> "$T/again.err"
expect_grep "second scan decodes nothing" "files seen, 0 hashed" "$T/again.err"
"$HS" scan -q --no-unletterbox --index "$T/idx" --store "$T/store-off" --out /dev/null "$A"
"$HS" scan --index "$T/idx" --store "$T/store-off" --out "$T/after-off.jsonl" "$A" 2> "$T/after-off.err"
expect_grep "a store made without the strip is hashed again" " 0 skipped as unchanged" "$T/after-off.err"

python3 - "$T" <<'PY'
import json, sys
T = sys.argv[1]
def load(name):
    recs = [json.loads(l) for l in open(f"{T}/{name}")]
    return {(r["path"].split("/")[-1], r["label"], r["variant"]) for r in recs if "entry" in r}, recs
fails = 0
def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += not cond
on, recs = load("on.jsonl")
off, _ = load("off.jsonl")
want_on = {("letterbox0.jpg", "img00000", "unletterbox"),
           ("frame1.png", "img00001", "unletterbox"),
           ("letterbox-flipped2.jpg", "img00002", "unletterbox+flipy"),
           ("copy3.jpg", "img00003", "orig")}
originals = {(f"img{i:05d}.jpg", f"img{i:05d}", "orig") for i in range(4)}
check(on == want_on | originals, f"strip on: {sorted(on - originals)}")
check(off == {("copy3.jpg", "img00003", "orig")} | originals,
      f"--no-unletterbox: the bordered copies are missed: {sorted(off - originals)}")
for r in recs:
    if r.get("variant", "").startswith("unletterbox"):
        check(r["distance"] <= 31, f"{r['path']} within the radius ({r['distance']})")
errors = [r for r in recs if "error" in r]
check(all(r["path"].endswith("tiny.png") for r in errors),
      f"only the tiny image is an error record: {[(r['path'], r['error']) for r in errors]}")
for name in ("rescan.jsonl", "again.jsonl", "after-off.jsonl", "device.jsonl"):
    got, _ = load(name)
    check(got == on, f"{name} reports the same matches and variants")
got, _ = load("rescan-off.jsonl")
check(got == off, "rescan --no-unletterbox drops the unletterbox matches")
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] && pass "unletterbox known answers" || fail "unletterbox known answers"

# List-side variants in hash output: 32 named hashes, in order; the crop
# variant of an original is near the hash of that crop made by an editor.
"$HS" hash --variants crops,rotations "$(o 0)" "$A/up/tiny.png" > "$T/var.jsonl"
expect_eq "hash --variants: exit 1 (the tiny image)" "$?" 1
"$TI" edit "$(o 0)" "$T/crop0.png" crop:5
python3 - "$T" "$("$HS" hash --mode exact "$T/crop0.png" | cut -f1)" <<'PY'
import json, sys
T, crop = sys.argv[1], int(sys.argv[2], 16)
recs = [json.loads(l) for l in open(f"{T}/var.jsonl")]
names = ["crop_centre_5", "crop_centre_10", "crop_centre_15", "crop_centre_20", "crop_left_10",
         "crop_right_10", "crop_top_10", "crop_bottom_10"]
names += [f"rotate_{s}{a}{f}" for f in ("", "_fill", "_valid") for a in (2, 4, 6, 8) for s in "+-"]
v = recs[0]["variants"]
ok = list(v) == names and all(len(h) == 64 for h in v.values()) and "error" in recs[1]
d = bin(int(v["crop_centre_10"], 16) ^ crop).count("1")
print(("ok: " if ok else "FAIL: ") + f"variants {list(v)}")
print(("ok: " if d <= 16 else "FAIL: ") + f"crop_centre_10 is {d} bits from an edited 10% centre crop")
sys.exit(0 if ok and d <= 16 else 1)
PY
[ $? -eq 0 ] && pass "hash --variants" || fail "hash --variants"
"$HS" hash --variants crops,flips "$(o 0)" > /dev/null 2> "$T/err"
expect_eq "--variants with an unknown kind: usage error" "$?" 2
expect_grep "names the kind" "unknown kind 'flips'" "$T/err"
finish
