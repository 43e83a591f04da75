#!/usr/bin/env bash
# hashsweep eval's video edits (issue 13): clips made from images made
# here, the six edits and the identity control in report.md/.html/.json,
# recall values in [0, 1], the identity control found with every frame
# (recall 1, query and compared shares 100), mirror found through the
# dihedral hashes only, the temporary clips removed, --no-video, and clear
# errors (bad option values, no temporary directory).
# timeout: 600
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }

mkdir -p "$T/orig" "$T/tmp"
for i in 1 2 3; do "$TI" gen "$T/orig/o$i.png" --size 640x480 --seed "$((i + 10))" || fail "gen o$i"; done

TMPDIR="$T/tmp" "$HS" eval --originals "$T/orig" --report "$T/rep" --edits identity \
  --video-clips 2 --video-seconds 4 --device cpu --jobs 2 -q
expect_eq "eval with video: exit code" "$?" 0
VEDITS="identity low-bitrate 360p fps-15 trim-middle-50 mirror letterbox-9x16"
for e in $VEDITS; do
  expect_grep "report.md has video row $e" "^\| $e \| 2 \| 0 \|" "$T/rep/report.md"
  expect_grep "report.html has video row $e" "<td>$e</td><td>2</td>" "$T/rep/report.html"
done
expect_grep "report.md has the video section" "^## Video edits \(vPDQ\)" "$T/rep/report.md"
expect_grep "report.md's summary has the video line" \
  "^Video edits \(2 clips, .*the lowest recall was [0-9.]+% \([a-z0-9-]+\)" "$T/rep/report.md"
expect_eq "temporary clips removed" "$(ls -A "$T/tmp")" ""

python3 - "$T/rep/report.json" $VEDITS <<'PY' || fail "report.json video figures"
import json, sys
r = json.load(open(sys.argv[1]))
v = r["video"]
assert v["enabled"] is True and v["skipped"] is None, v
assert v["clips"] == 2 and v["seconds"] == 4 and v["frames"] == 120 and v["fps"] == 30, v
assert v["radius"] == 31 and v["query_percent"] == 80 and v["compared_percent"] == 0, v
assert v["encoder"].split()[0] in ("libx264", "mpeg4", "libvpx"), v["encoder"]
names = [e["name"] for e in v["edits"]]
assert names == sys.argv[2:], names
e = {x["name"]: x for x in v["edits"]}
for x in v["edits"]:
    assert x["clips"] == 2 and x["failed"] == 0, x
    for k in ("plain", "dihedral", "unletterbox"):
        assert 0 <= x["recall"][k] <= 1, x
    # Dihedral hashes and content frames can only add matches.
    assert x["recall"]["plain"] <= x["recall"]["dihedral"] <= x["recall"]["unletterbox"], x
    assert 0 <= x["query_percent_median"] <= 100 and 0 <= x["compared_percent_median"] <= 100, x
# The same file hashed twice: every frame matches, both ways.
i = e["identity"]
assert i["recall"] == {"plain": 1, "dihedral": 1, "unletterbox": 1}, i
assert i["query_percent_median"] == 100 and i["compared_percent_median"] == 100, i
assert i["frames_median"] == 4 and i["no_frames"] == 0 and i["false_matches"] == 0, i
# 4 s at 1 frame per second; the middle half keeps 2 of them.
assert e["trim-middle-50"]["frames_median"] == 2, e["trim-middle-50"]
# A mirrored copy is found through the dihedral hashes, not its own.
m = e["mirror"]
assert m["recall"]["plain"] == 0 and m["recall"]["dihedral"] == 1, m
assert v["pairs"]["clips"] == 2 and v["pairs"]["pairs"] == 2, v["pairs"]
assert 0 <= v["pairs"]["false_match_rate"] <= 1, v["pairs"]
print("report.json video figures ok")
PY

# --no-video: no clip is made, and the report says so.
"$HS" eval --originals "$T/orig" --report "$T/rep2" --edits identity --no-video --device cpu -q
expect_eq "--no-video: exit code" "$?" 0
expect_grep "--no-video: report says not run" "^Not run \(video clips 0\)" "$T/rep2/report.md"
python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["video"]; assert v == {"enabled": False}, v' \
  "$T/rep2/report.json" && pass "--no-video: json" || fail "--no-video: json"

# No temporary directory: the video part is a listed failure (exit 1), the
# image part is still reported.
TMPDIR="$T/missing" "$HS" eval --originals "$T/orig" --report "$T/rep3" --edits identity \
  --video-clips 1 --device cpu -q 2>"$T/err3"
expect_eq "no temporary directory: exit code" "$?" 1
expect_grep "no temporary directory: named in the report" \
  "video edits \(skipped\) \| .*missing/hashsweep-eval-.*: cannot create a temporary directory" \
  "$T/rep3/report.md"
expect_grep "no temporary directory: image rows still there" "^\| identity \| 3 \|" \
  "$T/rep3/report.md"

# Usage errors: exit 2 and a message naming the option.
"$HS" eval --originals "$T/orig" --report "$T/x" --video-clips many 2>"$T/err"
expect_eq "--video-clips many: exit code" "$?" 2
expect_grep "--video-clips named" "--video-clips: expected a count 0\.\.10000, got 'many'" "$T/err"
"$HS" eval --originals "$T/orig" --report "$T/x" --video-seconds 2 2>"$T/err"
expect_eq "--video-seconds 2: exit code" "$?" 2
expect_grep "--video-seconds named" "--video-seconds: expected 4\.\.60 seconds, got '2'" "$T/err"
finish
