#!/usr/bin/env bash
# bench/video_scan.sh - frames/s and videos/s of `hashsweep scan` on
# generated videos (1280x720 and 1920x1080, H.264 and VP9) next to FFmpeg's
# decode alone (`ffmpeg -threads N -i f -f null -`, the ceiling) and the
# `vpdq` package (vpdq.computeHash, S = 1), in one run, on the same files.
#
# Two ways to spend the cores on videos, each against its own ceiling:
#   frame threads: one video at a time, FFmpeg's threads inside it
#                  (scan --jobs 1 --video-threads C; ffmpeg -threads C one
#                  file after the other)
#   videos in parallel: C videos at once, one thread each (scan --jobs C
#                  --video-threads 1; C ffmpeg -threads 1 processes)
# C = the number of cores. Each figure is the median wall time of RUNS runs;
# FFmpeg's and the scan's runs alternate, so load changes fall on both.
# Prints a Markdown section (bench/results/video_scan.md keeps the last).
#
# Usage: bench/video_scan.sh [BUILD_DIR]
#   SECONDS_PER_CLIP (default 8), COPIES (files per format, default 4),
#   RUNS (default 3), MODE (scan --mode, default fast),
#   HS_VPDQ_VENV (a venv with the vpdq package, as tests/cli/test_video_vpdq.sh
#   makes it; its column is left out when there is none).
set -euo pipefail
BUILD=${1:-build}
HS=$(cd "$BUILD" && pwd)/hashsweep
SECS=${SECONDS_PER_CLIP:-8}
COPIES=${COPIES:-4}
RUNS=${RUNS:-3}
MODE=${MODE:-fast}
C=$(nproc)
VENV=${HS_VPDQ_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/hashsweep/vpdq-venv}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
have_vpdq=0
"$VENV/bin/python" -c 'import vpdq' 2> /dev/null && have_vpdq=1

# One folder per format, COPIES different clips each (testsrc2 with a
# different start so no two files are equal), 30 fps.
make_set() { # NAME SIZE CODEC EXT
  local name=$1 size=$2 codec=$3 ext=$4 enc
  mkdir -p "$T/$name"
  if [ "$codec" = vp9 ]; then enc=(-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 2M -row-mt 1)
  else enc=(-c:v libx264 -preset veryfast); fi
  for i in $(seq 1 "$COPIES"); do
    ffmpeg -v error -y -f lavfi -i "testsrc2=size=$size:rate=30" -ss "$i" -t "$SECS" \
      -pix_fmt yuv420p "${enc[@]}" "$T/$name/clip$i.$ext"
  done
}
make_set h264-720 1280x720 h264 mp4
make_set h264-1080 1920x1080 h264 mp4
make_set vp9-720 1280x720 vp9 webm
make_set vp9-1080 1920x1080 vp9 webm
"$HS" index create "$T/idx" > /dev/null

# Wall seconds of one run of a command.
wall() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
mid() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; } # median of the arguments
# Median wall seconds of RUNS runs of a command.
median() {
  local times=()
  for _ in $(seq 1 "$RUNS"); do times+=("$(wall "$@")") || return 1; done
  mid "${times[@]}"
}
# pair_medians A B...: RUNS runs of the ffmpeg command A and the scan command
# B on the same folder, alternating (A B A B ...) so that a change in the
# machine's load falls on both; prints "median_A median_B".
pair_medians() {
  local a=$1 b=$2 dir=$3 ta=() tb=()
  for _ in $(seq 1 "$RUNS"); do
    ta+=("$(wall "$a" "$dir")") || return 1
    tb+=("$(wall "$b" "$dir")") || return 1
  done
  echo "$(mid "${ta[@]}") $(mid "${tb[@]}")"
}
ffmpeg_serial() { for f in "$1"/*; do ffmpeg -v error -threads "$C" -i "$f" -f null - || return 1; done; }
ffmpeg_parallel() { printf '%s\n' "$1"/* | xargs -P "$C" -I{} ffmpeg -v error -threads 1 -i {} -f null -; }
scan_serial() { "$HS" scan -q --mode "$MODE" --jobs 1 --video-threads "$C" --index "$T/idx" "$1"; }
scan_parallel() { "$HS" scan -q --mode "$MODE" --jobs "$C" --video-threads 1 --index "$T/idx" "$1"; }
vpdq_serial() {
  for f in "$1"/*; do
    "$VENV/bin/python" -c 'import sys, vpdq; vpdq.computeHash(sys.argv[1], seconds_per_hash=1.0)' "$f" || return 1
  done
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "## Video: scan throughput against FFmpeg's decode ceiling"
echo
echo "\`bench/video_scan.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC'), $C cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
echo "$(ffmpeg -version | head -1 | cut -d' ' -f1-3), load average before $load_before). $COPIES generated clips per"
echo "format, ${SECS} s at 30 fps ($((SECS * 30)) frames each), \`--mode $MODE\`, S = 1, median of $RUNS runs, FFmpeg and scan alternating;"
echo "frames/s counts decoded frames (every frame is decoded; one a second is hashed)."
echo
echo "| format | threads | ffmpeg decode frames/s | scan frames/s | scan videos/s | scan / ceiling |$([ $have_vpdq = 1 ] && echo ' vpdq frames/s |')"
echo "| --- | --- | --- | --- | --- | --- |$([ $have_vpdq = 1 ] && echo ' --- |')"
frames=$((COPIES * SECS * 30))
for set in h264-720 h264-1080 vp9-720 vp9-1080; do
  for how in serial parallel; do
    read -r d s < <(pair_medians "ffmpeg_$how" "scan_$how" "$T/$set")
    label="1 video x $C frame threads"
    [ "$how" = parallel ] && label="$C videos x 1 thread"
    v=""
    if [ $have_vpdq = 1 ] && [ "$how" = serial ]; then
      v=$(median vpdq_serial "$T/$set")
      v=" $(echo "$frames / $v" | bc -l | xargs printf '%.0f') |"
    elif [ $have_vpdq = 1 ]; then
      v=" |"
    fi
    printf '| %s | %s | %.0f | %.0f | %.2f | %.2f |%s\n' "$set" "$label" \
      "$(echo "$frames / $d" | bc -l)" "$(echo "$frames / $s" | bc -l)" \
      "$(echo "$COPIES / $s" | bc -l)" "$(echo "$d / $s" | bc -l)" "$v"
  done
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg). vpdq (the package, one process, its"
echo "own threading) is measured one file after the other, as it is called."
