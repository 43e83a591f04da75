#!/usr/bin/env bash
# bench/mih_seeds.sh OUT.txt - real PDQ hashes for the clustered MIH bench:
# the Debian photo corpus (shared/corpus/README.md) and edits of each photo
# (resize, crop, flip, rotate, JPEG quality, blur, contrast, grey, border),
# hashed with `hashsweep hash`. One 64-hex hash per line.
set -euo pipefail
OUT=$1
HS=${HASHSWEEP:-$(dirname "$0")/../build/hashsweep}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mapfile -t photos < <(ls /usr/share/backgrounds/*.jpg /usr/share/backgrounds/mate/nature/*.jpg \
  /usr/share/wallpapers/*/contents/images/*.jpg /usr/share/wallpapers/*/contents/screenshot.jpg \
  2>/dev/null || true)
[ ${#photos[@]} -gt 0 ] || { echo "no corpus photos found (shared/corpus/README.md)" >&2; exit 77; }
i=0
for p in "${photos[@]}"; do
  i=$((i + 1))
  b="$W/$i"
  # Work on a 1024-px copy: edits of a 20-MPix original take long and hash the same.
  vips thumbnail "$p" "$b.jpg" 1024 2>/dev/null || continue
  w=$(vipsheader -f width "$b.jpg"); h=$(vipsheader -f height "$b.jpg")
  vips resize "$b.jpg" "$b-half.jpg" 0.5
  vips crop "$b.jpg" "$b-crop.jpg" $((w / 10)) $((h / 10)) $((w * 8 / 10)) $((h * 8 / 10))
  vips flip "$b.jpg" "$b-flip.jpg" horizontal
  vips rot "$b.jpg" "$b-rot.jpg" d90
  vips copy "$b.jpg" "$b-q15.jpg[Q=15]"
  vips gaussblur "$b.jpg" "$b-blur.jpg" 2
  vips linear "$b.jpg" "$b-bright.jpg" 1.3 20
  vips colourspace "$b.jpg" "$b-grey.jpg" b-w
  vips embed "$b.jpg" "$b-border.jpg" 40 40 $((w + 80)) $((h + 80))
  vips crop "$b.jpg" "$b-cropl.jpg" 0 0 $((w * 7 / 10)) "$h"
done
"$HS" hash "$W"/*.jpg 2>/dev/null | cut -f1 | sort -u >"$OUT"
echo "$(wc -l <"$OUT") real hashes from ${#photos[@]} photos and their edits" >&2
