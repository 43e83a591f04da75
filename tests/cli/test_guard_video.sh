#!/usr/bin/env bash
# Per-list radius for videos (issue 15, docs/guard.md): a list's own radius
# decides its video entries' frame pairs and its image entries' frame hits,
# as it does for image hits: radius 0 keeps the exact clip and drops the
# re-encoded copy; a list radius of 31 beats the command's --radius 0.
# timeout: 300
. "$(dirname "$0")/lib.sh"
need_ffmpeg

A="$T/arch"
mkdir -p "$A"
lavfi_clip "$A/clip.mp4" "testsrc2=size=320x240:rate=25" 4
ffmpeg -v error -y -i "$A/clip.mp4" -c:v libvpx-vp9 -b:v 60k -deadline realtime -cpu-used 8 \
  "$A/reencoded.webm" || fail "ffmpeg could not re-encode the clip"
"$HS" hash --format vpdq "$A/clip.mp4" > "$T/clip.vpdq"
"$HS" hash "$A/clip.mp4" | sed -n 2p | cut -f1 > "$T/frame.txt" # the frame at 1 s
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list videos "$T/clip.vpdq" > /dev/null
"$HS" index import "$T/idx" --list photos "$T/frame.txt" > /dev/null

# Per file: video records (list, min distance) and frame records (list, count).
check() { # JSONL
  python3 - "$1" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for n in ("clip.mp4", "reencoded.webm"):
    v = [r for r in recs if r["path"].endswith("/" + n) and r.get("kind") == "video"]
    f = [r for r in recs if r["path"].endswith("/" + n) and r.get("kind") == "frame"]
    print(n, "video", len(v), max([r["distance"] for r in v], default=-1),
          "frame", len(f), max([r["distance"] for r in f], default=-1))
PY
}
"$HS" scan -q --index "$T/idx" --out "$T/d.jsonl" --flood-files 0 "$A"
check "$T/d.jsonl" > "$T/d.txt"
cat "$T/d.txt"
expect_grep "default radius: the clip matches exactly" "^clip.mp4 video 1 0 frame 1 0$" "$T/d.txt"
expect_grep "default radius: the re-encoded copy matches, frames some bits away" \
  "^reencoded.webm video 1 [0-9]+ frame 1 ([1-9]|[1-2][0-9]|3[01])$" "$T/d.txt"

"$HS" index set-list "$T/idx" videos --radius 0 > /dev/null
"$HS" index set-list "$T/idx" photos --radius 0 > /dev/null
"$HS" scan -q --index "$T/idx" --out "$T/z.jsonl" --flood-files 0 "$A"
check "$T/z.jsonl" > "$T/z.txt"
cat "$T/z.txt"
expect_grep "list radius 0: the clip still matches" "^clip.mp4 video 1 0 frame 1 0$" "$T/z.txt"
expect_grep "list radius 0: no video or frame hit on the re-encoded copy" "^reencoded.webm video 0 -1 frame 0 -1$" \
  "$T/z.txt"

"$HS" index set-list "$T/idx" videos --radius 31 > /dev/null
"$HS" index set-list "$T/idx" photos --radius 31 > /dev/null
"$HS" scan -q --index "$T/idx" --store "$T/st" --out "$T/w.jsonl" --radius 0 --flood-files 0 "$A"
check "$T/w.jsonl" > "$T/w.txt"
expect_eq "list radius 31 beats --radius 0 (scan)" "$(cat "$T/w.txt")" "$(cat "$T/d.txt")"
"$HS" rescan -q --index "$T/idx" --store "$T/st" --out "$T/r.jsonl" --radius 0 --flood-files 0
check "$T/r.jsonl" > "$T/r.txt"
expect_eq "list radius 31 beats --radius 0 (rescan)" "$(cat "$T/r.txt")" "$(cat "$T/d.txt")"
finish
