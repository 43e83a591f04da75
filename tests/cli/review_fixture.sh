# tests/cli/review_fixture.sh - sourced by the review tests after lib.sh:
# a small archive with listed originals, edited copies (one under a hostile
# file name), an unrelated image and a file that is no image; an index with
# the originals in list "ncii" and one more image in list "other", whose
# copy gone.jpg is deleted after the scan into a store (a match without a
# thumbnail). Sets A (archive), IDX, STORE, E1 and E2 (the entries of
# img00001 and img00002), HOSTILE (the copy's path), H1 and H2 (the listed
# PDQ hex).
A="$T/arch"
IDX="$T/idx"
STORE="$T/store"
mkdir -p "$A"
"$TI" gen-many "$A" 5 --size 320x240 --seed 5 > /dev/null
HOSTILE="$A/copy q\"'<img src=x onerror=alert(1)>&amp;.jpg"
"$TI" edit "$A/img00001.jpg" "$HOSTILE[Q=60]" scale:0.8
"$TI" edit "$A/img00002.jpg" "$A/copy2.png" scale:0.9
head -c 3000 /dev/urandom > "$A/notimage.jpg"
printf '%s\n' "$A/img00001.jpg" "$A/img00002.jpg" | "$HS" hash - | cut -f1 > "$T/list.txt"
H1=$(sed -n 1p "$T/list.txt")
H2=$(sed -n 2p "$T/list.txt")
printf '%s\n' "$A/img00004.jpg" | "$HS" hash - | cut -f1 > "$T/other.txt"
cp "$A/img00004.jpg" "$A/gone.jpg"
"$HS" index create "$IDX" > /dev/null
"$HS" index import "$IDX" --list ncii --label 'intimate <img>' --source 'stopncii & co' \
  "$T/list.txt" > /dev/null
"$HS" index import "$IDX" --list other "$T/other.txt" > /dev/null
"$HS" scan -q --index "$IDX" --store "$STORE" --out "$T/scan.jsonl" "$A" || true
rm "$A/gone.jpg" # removed since the scan: its match has no thumbnail
entry_of() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["path"] == sys.argv[2] and "entry" in r: print(r["entry"]); break' "$T/scan.jsonl" "$1"; }
E1=$(entry_of "$A/img00001.jpg")
E2=$(entry_of "$A/img00002.jpg")
[ -n "$E1" ] && [ -n "$E2" ] || { echo "FAIL: fixture: the originals did not match" >&2; exit 1; }
