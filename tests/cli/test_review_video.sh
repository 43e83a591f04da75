#!/usr/bin/env bash
# The review report of a video match (docs/review.md, issue 13): a report
# made from the store (a rescan) shows a video's match as a report made
# from the scan's JSON Lines does: "kind", the matched "segments", vPDQ's
# shares and frames hashed for a video entry, the frame times for a frame
# near an image entry. Videos are generated with the ffmpeg CLI.
# timeout: 300
. "$(dirname "$0")/lib.sh"
need_ffmpeg

A="$T/arch"
mkdir -p "$A"
lavfi_clip "$A/clip.mp4" "testsrc2=size=320x240:rate=25" 4
"$HS" hash --format vpdq "$A/clip.mp4" > "$T/clip.vpdq"
"$HS" hash "$A/clip.mp4" | sed -n 3p | cut -f1 > "$T/frame.txt" # the frame at 2 s
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list videos "$T/clip.vpdq" > /dev/null
"$HS" index import "$T/idx" --list photos "$T/frame.txt" > /dev/null
"$HS" scan -q --index "$T/idx" --store "$T/st" --out "$T/scan.jsonl" "$A"
expect_eq "the scan: one video and one frame record" \
  "$(python3 -c 'import json,sys; print(sorted(json.loads(l).get("kind") or "" for l in open(sys.argv[1]) if "entry" in json.loads(l)))' "$T/scan.jsonl")" \
  "['frame', 'video']"

# items PAGE: the page's fields of each item (all of them are the clip's).
items() {
  python3 "$(dirname "$0")/review_items.py" "$1" kind,distance,segments,shares,frames
}

"$HS" review --index "$T/idx" --store "$T/st" --out "$T/rs" > "$T/rs.out" 2>&1
expect_eq "review from the store: exit 0" "$?" 0
"$HS" review --index "$T/idx" --matches "$T/scan.jsonl" --out "$T/rm" > "$T/rm.out" 2>&1
expect_eq "review from the scan's output: exit 0" "$?" 0
items "$T/rs/index.html" > "$T/rs.txt"
items "$T/rm/index.html" > "$T/rm.txt"
cat "$T/rs.txt"
expect_eq "from the store: the video's keys and the frame's time" "$(cat "$T/rs.txt")" \
"video | 0 | 0.0-3.0 s | query 100.00%, compared 100.00%, 4 frames hashed | None
frame | 0 | None | None | 2.0 s"
expect_eq "the same as from the scan's output" "$(cat "$T/rs.txt")" "$(cat "$T/rm.txt")"
finish
