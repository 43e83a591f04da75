#!/usr/bin/env bash
# hashsweep serve and letterboxed videos (docs/serve.md, issues 13/14/18):
# POST /v1/check of a 16:9 clip letterboxed into a 9:16 frame matches the
# listed vPDQ video and a listed frame through the frames' content regions,
# variant "unletterbox", with the same keys and values as scan's records
# (and the clip itself through its own frames, variant "orig", as scan);
# not with --no-unletterbox. HMA's POST /m/lookup finds it too. Videos are
# generated with the ffmpeg CLI.
# timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
need_ffmpeg

A="$T/arch"
mkdir -p "$A"
letterboxed_clip "$T/clip.mp4" "$A/boxed.mp4"
"$HS" hash --format vpdq "$T/clip.mp4" > "$T/clip.vpdq"
"$HS" hash "$T/clip.mp4" | sed -n 3p | cut -f1 > "$T/frame.txt" # the frame at 2 s
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list videos "$T/clip.vpdq" > /dev/null || fail "import of the .vpdq"
"$HS" index import "$T/idx" --list photos "$T/frame.txt" > /dev/null || fail "import of the frame"

# keys FILE: one line per match, "kind list variant query_percent frames_hashed
# segments" for a video, "kind list variant timestamp" for a frame, sorted.
keys() {
  python3 - "$1" <<'PY'
import json, sys
recs = []
for l in open(sys.argv[1]):
    a = json.loads(l)
    recs += a["matches"] if "matches" in a else [a] if "entry" in a else []
out = []
for m in recs:
    if m.get("kind") == "video":
        out.append("video %s %s %.0f %d %s" % (m["list"], m["variant"], m["query_percent"],
                                              m["frames_hashed"], m["segments"]))
    elif m.get("kind") == "frame":
        out.append("frame %s %s %.1f" % (m["list"], m["variant"], m["timestamp"]))
print("\n".join(sorted(out)))
PY
}

"$HS" scan -q --index "$T/idx" --out "$T/scan.jsonl" "$A"
keys "$T/scan.jsonl" > "$T/scan.txt"
expect_eq "scan: the letterboxed copy through its content frames" "$(cat "$T/scan.txt")" \
"frame photos unletterbox 2.0
video videos unletterbox 100 4 [[0.0, 3.0]]"

# The clip itself, not letterboxed: its own frames match (variant "orig",
# as in scan's frame records).
mkdir -p "$T/plain"
cp "$T/clip.mp4" "$T/plain/clip.mp4"
"$HS" scan -q --index "$T/idx" --out "$T/scan_plain.jsonl" "$T/plain"
keys "$T/scan_plain.jsonl" > "$T/scan_plain.txt"
expect_eq "scan: the clip through its own frames" "$(cat "$T/scan_plain.txt")" \
"frame photos orig 2.0
video videos orig 100 4 [[0.0, 3.0]]"

start_server s --index "$T/idx" || { fail "server did not start"; finish; }
curl -s -X POST --data-binary @"$T/clip.mp4" "http://127.0.0.1:$PORT/v1/check" > "$T/plain.json"
keys "$T/plain.json" > "$T/plain.txt"
expect_eq "serve /v1/check of the clip: the same matches as scan" "$(cat "$T/plain.txt")" \
  "$(cat "$T/scan_plain.txt")"
curl -s -X POST --data-binary @"$A/boxed.mp4" "http://127.0.0.1:$PORT/v1/check" > "$T/check.json"
keys "$T/check.json" > "$T/check.txt"
expect_eq "serve /v1/check: the same matches as scan" "$(cat "$T/check.txt")" "$(cat "$T/scan.txt")"
expect_eq "serve /v1/check: a match, of a video" \
  "$(python3 -c "import json,sys; a=json.load(open(sys.argv[1])); print(a['match'], a['kind'])" "$T/check.json")" \
  "True video"
curl -s -F "video=@$A/boxed.mp4" "http://127.0.0.1:$PORT/m/lookup" > "$T/hma.json"
expect_eq "HMA lookup: the listed video under vpdq, the frame's entry under video_md5" \
  "$(python3 -c "import json,sys; a=json.load(open(sys.argv[1])); print(sorted(a['vpdq']), sorted(a['video_md5']))" "$T/hma.json")" \
  "['videos'] ['photos']"
stop_server
expect_eq "serve: SIGTERM exits 0" "$STOP_RC" 0

start_server n --index "$T/idx" --no-unletterbox || { fail "server did not start"; finish; }
curl -s -X POST --data-binary @"$A/boxed.mp4" "http://127.0.0.1:$PORT/v1/check" > "$T/n.json"
expect_eq "serve --no-unletterbox: no match" \
  "$(python3 -c "import json,sys; a=json.load(open(sys.argv[1])); print(a['match'], len(a['matches']))" "$T/n.json")" \
  "False 0"
stop_server
finish
