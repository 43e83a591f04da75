#!/usr/bin/env bash
# bench/video_fast.sh - how far `--mode fast` (luma from the Y plane, no
# RGB conversion) lands from `--mode exact` (vPDQ's full
# resolution) on generated videos: Ken Burns pans over the PDQ reference
# photos and FFmpeg test patterns, 720p and 1080p, H.264 and VP9. Prints
# one line per clip (frames, max and mean distance) and the overall max.
# Usage: bench/video_fast.sh [BUILD_DIR]   (needs the ffmpeg CLI)
set -euo pipefail
HS=${1:-build}/hashsweep
PHOTOS=$(dirname "$0")/../../shared/testdata/pdq/images/data/bridge-mods
if [ -n "${VIDEO_FAST_DIR:-}" ]; then T=$VIDEO_FAST_DIR; mkdir -p "$T"; else T=$(mktemp -d); trap 'rm -rf "$T"' EXIT; fi
clip() { # NAME SIZE CODEC INPUT-ARGS...
  local name=$1 size=$2 codec=$3; shift 3
  local enc=(-c:v libx264 -preset veryfast)
  [ "$codec" = vp9 ] && enc=(-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 2M)
  [ -s "$T/$name" ] && return 0
  ffmpeg -v error -y "$@" -t 4 -r 30 -s "$size" -pix_fmt yuv420p "${enc[@]}" "$T/$name"
}
i=0
for photo in "$PHOTOS"/*.jpg; do
  [ -f "$photo" ] || continue
  i=$((i + 1)); [ $i -le 3 ] || break
  for spec in 1280x720:h264:mp4 1920x1080:vp9:webm; do
    IFS=: read -r size codec ext <<< "$spec"
    clip "photo$i-$size.$ext" "$size" "$codec" -loop 1 -i "$photo" \
      -vf "scale=2400:-2,zoompan=z='1+0.004*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=$size:fps=30"
  done
done
clip "testsrc2-1080.mp4" 1920x1080 h264 -f lavfi -i "testsrc2=size=1920x1080:rate=30"
clip "mandelbrot-720.webm" 1280x720 vp9 -f lavfi -i "mandelbrot=size=1280x720:rate=30"
overall=0
for f in "$T"/*.mp4 "$T"/*.webm; do
  "$HS" hash --mode exact --seconds-per-hash 0.25 --format vpdq "$f" > "$f.exact"
  "$HS" hash --mode fast --seconds-per-hash 0.25 --format vpdq "$f" > "$f.fast"
  line=$(python3 - "$f.exact" "$f.fast" <<'PY'
import sys
a = [l.split(",") for l in open(sys.argv[1])]
b = [l.split(",") for l in open(sys.argv[2])]
assert [x[0] for x in a] == [x[0] for x in b], "frame numbers differ"
d = [bin(int(x[2], 16) ^ int(y[2], 16)).count("1") for x, y in zip(a, b)]
print(len(d), max(d), "%.2f" % (sum(d) / len(d)))
PY
)
  read -r n mx mean <<< "$line"
  printf '%-26s frames %3d  max %3d  mean %5s\n' "$(basename "$f")" "$n" "$mx" "$mean"
  [ "$mx" -gt "$overall" ] && overall=$mx
done
echo "overall max distance fast vs exact: $overall"
