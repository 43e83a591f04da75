#!/usr/bin/env bash
# Issues 13/18, unletterbox on video frames: a 16:9 clip letterboxed into a
# 9:16 frame (black bands above and below) is found by `scan` as the listed
# vPDQ video through its frames' content regions (variant "unletterbox"),
# and not with --no-unletterbox; the store keeps the content frames (record
# format 4), so a rescan finds a video entry imported after the scan with the
# videos gone. (The plain frame hashes stay vPDQ's: test_video_vpdq.sh.)
# timeout: 300
. "$(dirname "$0")/lib.sh"
need_ffmpeg

A="$T/arch"
mkdir -p "$A"
letterboxed_clip "$T/clip.mp4" "$A/boxed.mp4"
ffmpeg -v error -y -f lavfi -i "mandelbrot=size=360x640:rate=25" -t 3 -pix_fmt yuv420p \
  -c:v libx264 -preset ultrafast "$A/other.mp4" || fail "ffmpeg other"

"$HS" hash --format vpdq "$T/clip.mp4" > "$T/clip.vpdq"
expect_eq "the clip: 4 sampled frames" "$(wc -l < "$T/clip.vpdq")" 4
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list videos "$T/clip.vpdq" > /dev/null || fail "import of the .vpdq"

vcheck() { # JSONL OUT
  python3 - "$1" > "$2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for n in ("boxed.mp4", "other.mp4"):
    v = [r for r in recs if r["path"].endswith("/" + n) and r.get("kind") == "video"]
    print(n, len(v), " ".join("%s/%s/%.0f/%d/%s" % (r["list"], r["variant"], r["query_percent"], r["frames_hashed"], r["distance"] <= 31) for r in v))
PY
  cat "$2"
}
"$HS" scan -q --index "$T/idx" --store "$T/st" --out "$T/o.jsonl" "$A"; rc=$?
expect_eq "scan: exit 0" "$rc" 0
vcheck "$T/o.jsonl" "$T/c.txt"
expect_grep "letterboxed copy: the listed video, variant unletterbox, all 4 frames" \
  "^boxed.mp4 1 videos/unletterbox/100/4/True$" "$T/c.txt"
expect_grep "unrelated video: no record" "^other.mp4 0 $" "$T/c.txt"

"$HS" scan -q --no-unletterbox --index "$T/idx" --out "$T/n.jsonl" "$A"; rc=$?
expect_eq "scan --no-unletterbox: exit 0" "$rc" 0
vcheck "$T/n.jsonl" "$T/nc.txt"
expect_grep "--no-unletterbox: the letterboxed copy is not found" "^boxed.mp4 0 $" "$T/nc.txt"

# Unchanged: the content frames come from the store, same records.
"$HS" scan --index "$T/idx" --store "$T/st" --out "$T/o2.jsonl" "$A" 2> "$T/sum2.txt"
expect_grep "second scan: every file unchanged" " 0 hashed, .* 2 skipped as unchanged" "$T/sum2.txt"
expect_eq "second scan: same records" "$(sort "$T/o2.jsonl")" "$(sort "$T/o.jsonl")"

# A video entry imported after the scan: rescan matches the stored content
# frames, the videos gone; --no-unletterbox leaves them out.
"$HS" index import "$T/idx" --list vlate "$T/clip.vpdq" > /dev/null
mv "$A" "$T/gone"
"$HS" rescan --index "$T/idx" --store "$T/st" --list vlate --out "$T/r.jsonl" 2> "$T/rsum.txt"; rc=$?
expect_eq "rescan: exit 0" "$rc" 0
expect_grep "rescan: nothing decoded" "nothing decoded" "$T/rsum.txt"
vcheck "$T/r.jsonl" "$T/rc.txt"
expect_grep "rescan: the letterboxed copy matches the late entry" \
  "^boxed.mp4 1 vlate/unletterbox/100/4/True$" "$T/rc.txt"
"$HS" rescan --no-unletterbox --index "$T/idx" --store "$T/st" --list vlate --out "$T/rn.jsonl" 2> /dev/null
vcheck "$T/rn.jsonl" "$T/rnc.txt"
expect_grep "rescan --no-unletterbox: not found" "^boxed.mp4 0 $" "$T/rnc.txt"
mv "$T/gone" "$A"

finish
