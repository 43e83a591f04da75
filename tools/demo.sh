#!/usr/bin/env bash
# The demo (README quick start): installs the dependencies, builds, makes a
# small sample archive from images the project generates itself (originals
# and edited copies: resized, recompressed, flipped, rotated), and hashes it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target hashsweep_cli hs-testimg >/dev/null
HS="$BUILD_DIR/hashsweep"
TI="$BUILD_DIR/tests/hs-testimg"

DEMO=${DEMO_DIR:-$BUILD_DIR/demo}
rm -rf "$DEMO"
mkdir -p "$DEMO/archive/originals" "$DEMO/archive/uploads"
echo "== making a sample archive in $DEMO/archive"
for i in 1 2 3 4 5 6; do
  "$TI" gen "$DEMO/archive/originals/photo$i.jpg" --size 1280x960 --seed "$i"
done
# Re-uploads of photos 1-3 as abusers and platforms change them.
"$TI" edit "$DEMO/archive/originals/photo1.jpg" "$DEMO/archive/uploads/photo1-small.jpg[Q=80]" scale:0.4
"$TI" edit "$DEMO/archive/originals/photo1.jpg" "$DEMO/archive/uploads/photo1-recompressed.jpg[Q=35]" copy
"$TI" edit "$DEMO/archive/originals/photo2.jpg" "$DEMO/archive/uploads/photo2-mirrored.jpg" flipy
"$TI" edit "$DEMO/archive/originals/photo2.jpg" "$DEMO/archive/uploads/photo2-rotated.png" rot90
"$TI" edit "$DEMO/archive/originals/photo3.jpg" "$DEMO/archive/uploads/photo3-cropped.webp" crop:4
echo "not an image" > "$DEMO/archive/uploads/broken.jpg"
find "$DEMO/archive" -type f | sort > "$DEMO/files.txt"

echo "== hashsweep hash (fast mode, with dihedral hashes)"
"$HS" hash --dihedral --format jsonl - < "$DEMO/files.txt" > "$DEMO/hashes.jsonl" || true
cut -c1-160 "$DEMO/hashes.jsonl"
echo
echo "== PDQ of each file, its quality and path (TSV)"
"$HS" hash - < "$DEMO/files.txt" || echo "(exit code $?: one file failed, as it should)"
