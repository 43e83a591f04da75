#!/usr/bin/env bash
# `hashsweep hash --mode exact --format vpdq` equals Meta's vpdq package
# (PyPI 0.2.x, built against the same system FFmpeg) frame for frame: frame
# numbers, qualities, hash bits and timestamps, on generated videos in every
# allowed container and codec, at integer and non-integer frame rates, with
# S = 1, 0.5 and 0, and with the video stream after an audio stream.
# The package is pip-installed once into a cached venv
# ($HS_VPDQ_VENV, default ~/.cache/hashsweep/vpdq-venv); the test is skipped,
# with the reason, when PyPI cannot be reached or the FFmpeg development
# packages vpdq's build needs are missing.
# timeout: 1200
. "$(dirname "$0")/lib.sh"
need_ffmpeg
VENV=${HS_VPDQ_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/hashsweep/vpdq-venv}
if ! "$VENV/bin/python" -c 'import vpdq' 2> /dev/null; then
  python3 - <<'PY' || { echo "SKIP: PyPI (pypi.org) is unreachable: cannot install the vpdq package"; exit 77; }
import urllib.request
urllib.request.urlopen("https://pypi.org/simple/vpdq/", timeout=15).read(100)
PY
  for p in libavformat libavcodec libswscale libavutil libavdevice libavfilter; do
    pkg-config --exists "$p" || { echo "SKIP: vpdq's build needs $p's development package (tools/install-deps.sh)"; exit 77; }
  done
  command -v c++ > /dev/null || { echo "SKIP: vpdq's build needs a C++ compiler"; exit 77; }
  rm -rf "$VENV"; mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q 'vpdq>=0.2,<0.3' > "$T/pip.log" 2>&1 ||
    { sed 's/^/    /' "$T/pip.log" | tail -20 >&2; fail "pip install vpdq failed"; finish; }
fi
echo "vpdq $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("vpdq"))') in $VENV"

gen() { # FILE RATE SECONDS SIZE CODEC-ARGS...
  local f=$1 rate=$2 secs=$3 size=$4; shift 4
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=$size:rate=$rate:duration=$secs" "$@" "$T/$f" ||
    fail "ffmpeg could not make $f"
}
gen h264-25.mp4 25 3 320x240 -c:v libx264 -pix_fmt yuv420p
gen h264-2997.mp4 30000/1001 4 640x360 -c:v libx264 -pix_fmt yuv420p
gen vp9-2997.mkv 30000/1001 3 320x240 -c:v libvpx-vp9 -deadline realtime -cpu-used 8
gen vp8-30.webm 30 2 256x144 -c:v libvpx -deadline realtime
gen mpeg4-24.avi 24 3 320x240 -c:v mpeg4
gen mjpeg-15.avi 15 3 352x288 -c:v mjpeg
gen hevc-125.mkv 12.5 3 320x240 -c:v libx265 -x265-params log-level=error -pix_fmt yuv420p
gen h264-30.ts 30 3 400x300 -c:v libx264 -pix_fmt yuv420p
gen h264-30.flv 30 2 320x240 -c:v libx264 -pix_fmt yuv420p
gen h264-odd.mp4 24000/1001 2 333x197 -c:v libx264 -pix_fmt yuv420p
# The video after an audio stream (vPDQ then leaves the decoder unflushed).
ffmpeg -v error -y -f lavfi -i "testsrc2=size=320x240:rate=25:duration=3" \
  -f lavfi -i "sine=frequency=440:duration=3" -map 1:a -map 0:v -c:v libx264 -bf 3 \
  -pix_fmt yuv420p -c:a aac "$T/audio-first.mkv" || fail "ffmpeg could not make audio-first.mkv"

cat > "$T/ref.py" <<'PY'
import sys, vpdq
for f in vpdq.computeHash(sys.argv[2], seconds_per_hash=float(sys.argv[1])):
    print(f"{f.frame_number},{f.quality},{f.hex},{f.timestamp:.3f}")
PY
for f in "$T"/*.mp4 "$T"/*.mkv "$T"/*.webm "$T"/*.avi "$T"/*.ts "$T"/*.flv; do
  for S in 1 0.5 0; do
    "$VENV/bin/python" "$T/ref.py" "$S" "$f" > "$T/ref.txt" 2> "$T/ref.err" ||
      { fail "vpdq failed on $(basename "$f")"; continue; }
    "$HS" hash --mode exact --seconds-per-hash "$S" --format vpdq "$f" > "$T/ours.txt" 2> "$T/ours.err"
    n=$(wc -l < "$T/ref.txt")
    if [ "$n" -gt 0 ] && cmp -s "$T/ref.txt" "$T/ours.txt"; then
      pass "$(basename "$f") S=$S: $n frames equal to vpdq"
    else
      fail "$(basename "$f") S=$S differs from vpdq ($n vs $(wc -l < "$T/ours.txt") lines):"
      diff "$T/ref.txt" "$T/ours.txt" | head -5 >&2; cat "$T/ours.err" >&2
    fi
  done
done
finish
