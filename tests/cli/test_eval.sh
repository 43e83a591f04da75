#!/usr/bin/env bash
# hashsweep eval on images made here (hs-testimg): report files, the edit
# tables, --limit, the figures in report.json (the lossless control is found
# at distance 0, pairs counted over originals and distractors), PNG plots
# that decode, failures listed, and usage errors.
# timeout: 300
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }

mkdir -p "$T/orig" "$T/dis"
for i in 1 2 3; do "$TI" gen "$T/orig/o$i.png" --size 320x240 --seed "$i" || fail "gen o$i"; done
for i in 4 5; do "$TI" gen "$T/dis/d$i.jpg" --size 300x200 --seed "$i" || fail "gen d$i"; done

EDITS=identity,jpeg_q70,rot90,flip_h,crop_centre_10+jpeg_q50
"$HS" eval --originals "$T/orig" --distractors "$T/dis" --report "$T/rep" --limit 2 --no-video \
  --edits "$EDITS" --mode exact --jobs 2 --device cpu -q
expect_eq "eval exit code" "$?" 0
for f in report.md report.html report.json recall.png distances.png by_edit.png; do
  [ -s "$T/rep/$f" ] && pass "$f written" || fail "$f missing"
done
for e in ${EDITS//,/ }; do
  expect_grep "report.md has a row for $e" "^\| ${e//+/\\+} \| 2 \|" "$T/rep/report.md"
  expect_grep "report.html has $e" "<td>${e//+/\\+}</td>" "$T/rep/report.html"
done
expect_grep "report names the engine" "engine \(device\) \| CPU" "$T/rep/report.md"
expect_grep "report names the version" "hashsweep \| [0-9]+\.[0-9]+\.[0-9]+" "$T/rep/report.md"

python3 - "$T/rep" <<'PY' || fail "report.json figures"
import json, struct, sys, zlib
rep = sys.argv[1]
r = json.load(open(rep + "/report.json"))
assert r["originals"] == 2 and r["distractors"] == 2, (r["originals"], r["distractors"])
assert r["mode"] == "exact" and r["thresholds"] == [15, 31, 47, 63]
names = [e["name"] for e in r["edits"]]
assert names == ["identity", "jpeg_q70", "rot90", "flip_h", "crop_centre_10+jpeg_q50"], names
e = {x["name"]: x for x in r["edits"]}
for x in r["edits"]:
    assert x["copies"] == 2 and x["failed"] == 0, x
# PNG copy of a PNG original, exact mode: the very same pixels, distance 0.
assert e["identity"]["recall"]["plain"] == [1, 1, 1, 1], e["identity"]
assert e["identity"]["distance"]["plain"] == [0, 0, 0, 0], e["identity"]
# Dihedral matching can only bring copies closer.
for x in r["edits"]:
    for p, d in zip(x["recall"]["plain"], x["recall"]["dihedral"]):
        assert d >= p, x
    assert x["distance"]["dihedral"][0] <= x["distance"]["plain"][0], x
assert r["pairs"]["images"] == 4 and r["pairs"]["pairs"] == 6, r["pairs"]
# Every plot is a PNG whose pixel data inflate to height x (1 + width x bands).
for name in ("recall.png", "distances.png", "by_edit.png"):
    data = open(rep + "/" + name, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", name
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour == 2 and w >= 400 and h >= 200, (name, w, h)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert len(zlib.decompress(idat)) == h * (1 + 3 * w), name
print("report.json and plots ok")
PY

# A file that is no image is listed as a failure (exit 1), the rest goes on.
echo "not an image" > "$T/orig/notes.txt"
"$HS" eval --originals "$T/orig" --report "$T/rep2" --edits identity --no-video --device cpu -q
expect_eq "eval with a broken original: exit code" "$?" 1
expect_grep "failure listed" "notes.txt" "$T/rep2/report.md"
expect_grep "the others hashed" "3 hashed, 4 listed" "$T/rep2/report.md"

# Usage errors: exit 2 and a message that names the problem.
"$HS" eval --report "$T/x" 2>"$T/err"
expect_eq "no --originals: exit code" "$?" 2
"$HS" eval --originals "$T/orig" --report "$T/x" --edits rot90,rot45 2>"$T/err"
expect_eq "unknown edit: exit code" "$?" 2
expect_grep "unknown edit named" "rot45" "$T/err"
"$HS" eval --originals "$T/nowhere" --report "$T/x" 2>"$T/err"
expect_eq "missing directory: exit code" "$?" 2
"$HS" eval --read-timeout 30 --list-edits > /dev/null
expect_eq "eval accepts --read-timeout (its help lists it)" "$?" 0
"$HS" eval --read-timeout soon --list-edits > /dev/null 2>&1
expect_eq "eval refuses a bad --read-timeout" "$?" 2
"$HS" eval --list-edits > "$T/list"
[ "$(grep -cE '^[a-z0-9_.+]+ +[^ ]' "$T/list")" -ge 38 ] && pass "--list-edits: 38 or more edits" \
  || fail "--list-edits: fewer than 38 edits"
expect_grep "--list-edits has a chain" "^resize_0.5\+jpeg_q70 " "$T/list"
finish
