#!/usr/bin/env bash
# Per-list quality gates and allow-lists for videos (docs/guard.md, issues
# 13/14/15), in scan, rescan and serve alike:
#  - a list's --min-quality gates the frames of a video for that list's
#    entries: a video entry whose frames fall under it does not match, a
#    frame under it is not a hit on the list's image entries; the command's
#    gate (vPDQ's 50) stays the floor;
#  - the flood guard holds a flooding video entry's records;
#  - a video within an allow entry's reach (its MD5, a listed video of an
#    allow-list, a frame near an allow-list image) gets one note naming the
#    allow entry instead of its matches; serve answers no match and
#    `allowed`.
# Videos are generated with the ffmpeg CLI.
# timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
need_ffmpeg

A="$T/arch"
mkdir -p "$A"
lavfi_clip "$A/clip.mp4" "testsrc2=size=320x240:rate=25" 4
lavfi_clip "$A/soft.mp4" "mandelbrot=size=320x240:rate=25" 3 "gblur=sigma=10" # frames of quality 68, 83, 98
lavfi_clip "$A/other.mp4" "testsrc=size=320x240:rate=25" 3
for v in clip soft other; do "$HS" hash --format vpdq "$A/$v.mp4" > "$T/$v.vpdq"; done
expect_eq "soft.mp4: frames of quality 68, 83, 98" "$(cut -d, -f2 "$T/soft.vpdq" | tr '\n' ' ')" "68 83 98 "
"$HS" hash "$A/soft.mp4" | sed -n 2p | cut -f1 > "$T/soft1.txt"   # quality 83, at 1 s
"$HS" hash "$A/other.mp4" | sed -n 2p | cut -f1 > "$T/other1.txt" # at 1 s

"$HS" index create "$T/idx" > /dev/null
for v in clip soft other; do "$HS" index import "$T/idx" --list videos "$T/$v.vpdq" > /dev/null; done
"$HS" index import "$T/idx" --list photos "$T/soft1.txt" > /dev/null

# summary JSONL: per file, its match records (kind:list) and allow notes
# (allow:list:suppressed), sorted.
summary() {
  python3 - "$1" <<'PY'
import json, sys
by = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    n = r.get("path", "").rsplit("/", 1)[-1]
    if not n.endswith(".mp4"):
        continue
    if "note" in r and "allow-list entry" in r["note"]:
        by.setdefault(n, []).append("allow:%s:%d" % (r["list"], r["suppressed"]))
    elif "entry" in r and "note" not in r and "error" not in r:
        by.setdefault(n, []).append("%s:%s" % (r.get("kind") or r["variant"], r["list"]))
for n in ("clip.mp4", "other.mp4", "soft.mp4"):
    print(" ".join([n] + sorted(by.get(n, []))))
PY
}
# served: the same summary from POST /v1/check of each video.
served() {
  local v
  for v in clip other soft; do
    curl -s -X POST --data-binary @"$A/$v.mp4" "http://127.0.0.1:$PORT/v1/check" > "$T/$v.json"
    python3 - "$T/$v.json" "$v.mp4" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
out = ["%s:%s" % (m.get("kind") or m["variant"], m["list"]) for m in a.get("matches", [])]
if "allowed" in a:
    out.append("allow:%s:%d" % (a["allowed"]["list"], a["allowed"]["suppressed"]))
print(" ".join([sys.argv[2]] + sorted(out)))
PY
  done
}
# runs NAME: scan (into a fresh store), rescan and serve; each summary must
# be $WANT.
runs() {
  rm -rf "$T/st"
  "$HS" scan -q --index "$T/idx" --store "$T/st" --out "$T/$1.jsonl" --flood-files 0 "$A"
  expect_eq "$1: scan" "$(summary "$T/$1.jsonl")" "$WANT"
  "$HS" rescan -q --index "$T/idx" --store "$T/st" --out "$T/$1-r.jsonl" --flood-files 0
  expect_eq "$1: rescan" "$(summary "$T/$1-r.jsonl")" "$WANT"
  sleep 0.6 # two poll periods: the server has the index's settings
  expect_eq "$1: serve" "$(served)" "$WANT"
}

start_server s --index "$T/idx" || { fail "server did not start"; finish; }

WANT="clip.mp4 video:videos
other.mp4 video:videos
soft.mp4 frame:photos video:videos"
runs default

# Gates: at 90 only soft's frame of quality 98 counts on both sides (still
# 1 of 1 unique frames: a match), and its 1 s frame (83) is no photo hit; at
# 99 no frame of soft counts. clip and other (quality 100) are untouched.
"$HS" index set-list "$T/idx" videos --min-quality 90 > /dev/null
"$HS" index set-list "$T/idx" photos --min-quality 90 > /dev/null
WANT="clip.mp4 video:videos
other.mp4 video:videos
soft.mp4 video:videos"
runs gate90
"$HS" index set-list "$T/idx" videos --min-quality 99 > /dev/null
WANT="clip.mp4 video:videos
other.mp4 video:videos
soft.mp4"
runs gate99
# A list gate under the command's does not lower vPDQ's floor: with the
# command at 99 too, a list gate of 10 does not let soft's frames in.
"$HS" index set-list "$T/idx" videos --min-quality 10 > /dev/null
"$HS" index set-list "$T/idx" photos --min-quality 10 > /dev/null
rm -rf "$T/st"
"$HS" scan -q --index "$T/idx" --store "$T/st" --min-quality 99 --out "$T/floor.jsonl" --flood-files 0 "$A"
expect_eq "floor: scan at --min-quality 99, lists at 10" "$(summary "$T/floor.jsonl")" \
  "clip.mp4 video:videos
other.mp4 video:videos
soft.mp4"
"$HS" index set-list "$T/idx" videos --min-quality default > /dev/null
"$HS" index set-list "$T/idx" photos --min-quality default > /dev/null

# The flood guard counts a video's files per entry as an image's: three
# copies of clip at --flood-files 2, the third copy's record is held, the
# entry quarantined (then released for what follows).
F="$T/flood"
mkdir -p "$F"
for i in 1 2 3; do cp "$A/clip.mp4" "$F/c$i.mp4"; done
"$HS" scan -q --index "$T/idx" --out "$T/flood.jsonl" --flood-files 2 "$F"
python3 - "$T/flood.jsonl" > "$T/flood.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
v = [r for r in recs if r.get("kind") == "video"]
notes = [r for r in recs if r.get("variant") == "flood"]
print(len(v), sum(r.get("held") == "flood" for r in v), len(notes),
      notes[0]["entry"] == v[0]["entry"] if notes else None, notes[0]["before_limit"] if notes else None)
print(v[0]["entry"])
PY
expect_eq "flood: 3 video records, 1 held, one note on the entry, 2 before the limit"   "$(sed -n 1p "$T/flood.txt")" "3 1 1 True 2"
CLIP=$(sed -n 2p "$T/flood.txt")
expect_eq "flood: the clip's entry is quarantined"   "$("$HS" index quarantined "$T/idx" --format jsonl | python3 -c 'import json,sys; print([json.loads(l)["entry"] for l in sys.stdin])')" \
  "[$CLIP]"
"$HS" index release "$T/idx" "$CLIP" --note "test: released" > /dev/null || fail "release"

# Allow-lists: clip by its listed video, other by a frame near an allowed
# photo, soft by its MD5. Each note counts the matches it suppressed.
"$HS" index set-list "$T/idx" okv --role allow > /dev/null
"$HS" index import "$T/idx" --list okv "$T/clip.vpdq" > /dev/null
"$HS" index set-list "$T/idx" okp --role allow > /dev/null
"$HS" index import "$T/idx" --list okp "$T/other1.txt" > /dev/null
"$HS" index set-list "$T/idx" okm --role allow > /dev/null
printf 'hash\n%s\n' "$(md5sum "$A/soft.mp4" | cut -d' ' -f1)" > "$T/softmd5.csv"
"$HS" index import "$T/idx" --list okm --type md5 "$T/softmd5.csv" > /dev/null ||
  fail "import of the MD5"
WANT="clip.mp4 allow:okv:1
other.mp4 allow:okp:1
soft.mp4 allow:okm:2"
runs allow
expect_grep "the note names the allow entry, the scan's way" \
  '"note":"allow-list entry [0-9]+ \(distance 0\): 2 matches suppressed"' "$T/allow.jsonl"
stop_server
expect_eq "serve: SIGTERM exits 0" "$STOP_RC" 0
finish
