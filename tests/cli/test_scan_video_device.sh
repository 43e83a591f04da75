#!/usr/bin/env bash
# Issue 13, video frames in the device's hash batches: with --hash-on device
# a video's sampled frames are planes in the device batches (mixed with the
# images' planes, within the plane budget), and everything comes out as on
# the CPU path: `hash` (every frame's hash, dihedral hashes, quality) in
# exact and fast mode, and `scan` records (video matches with their shares
# and segments, frame records, the letterboxed copy's unletterbox match, a
# partial video's note, bad input) and the stored frames (a rescan of each
# store), with a plane budget of two frames so that workers wait for budget
# (checked in the log, on a device made busy in test builds). Skipped
# without an OpenCL device (PoCL does).
# timeout: 600
. "$(dirname "$0")/lib.sh"
need_ffmpeg
"$HS" devices --check > /dev/null 2>&1 || { echo "SKIP: no usable OpenCL device"; exit 77; }

A="$T/arch"
mkdir -p "$A/sub"
mk() { # FILE SOURCE SECONDS ARGS...
  local f=$1 src=$2 secs=$3; shift 3
  ffmpeg -v error -y -f lavfi -i "$src=size=640x360:rate=25" -t "$secs" "$@" "$f" \
    || fail "ffmpeg could not make $f"
}
mk "$T/clip.mp4" testsrc2 6 -pix_fmt yuv420p -c:v libx264 -preset ultrafast
cp "$T/clip.mp4" "$A/clip.mp4"
ffmpeg -v error -y -i "$T/clip.mp4" -vf hflip -pix_fmt yuv420p -c:v libx264 -preset ultrafast \
  "$A/mirror.mp4" || fail "ffmpeg mirror"
ffmpeg -v error -y -i "$T/clip.mp4" -vf "scale=360:-2,pad=360:640:(ow-iw)/2:(oh-ih)/2:black" \
  -pix_fmt yuv420p -c:v libx264 -preset ultrafast "$A/sub/boxed.mp4" || fail "ffmpeg letterbox"
# An audio stream first (exact mode's end-of-stream quirk) and VP9 in WebM.
ffmpeg -v error -y -f lavfi -i "sine=frequency=440:duration=3" -f lavfi \
  -i "mandelbrot=size=320x240:rate=25" -t 3 -map 0:a -map 1:v -pix_fmt yuv420p \
  -c:v libx264 -preset ultrafast -c:a aac "$A/audio_first.mp4" || fail "ffmpeg audio first"
mk "$A/sub/other.webm" mandelbrot 4 -pix_fmt yuv420p -c:v libvpx-vp9 -deadline realtime -cpu-used 8
# A Matroska file cut at 60%: the frames that decoded and a note.
mk "$T/whole.mkv" testsrc 5 -pix_fmt yuv420p -c:v libx264 -preset ultrafast
head -c $(( $(stat -c %s "$T/whole.mkv") * 6 / 10 )) "$T/whole.mkv" > "$A/cut.mkv"
head -c 40000 /dev/urandom > "$A/noise.mp4"
for i in 1 2 3 4 5 6; do "$TI" gen "$A/img$i.jpg" --size $((200 + 60 * i))x$((180 + 40 * i)) --seed $i; done
"$TI" gen "$A/sub/photo.png" --size 640x480 --seed 9

# The index: the clip as a vPDQ video, its frame at 2 s as an image entry.
"$HS" hash --format vpdq "$T/clip.mp4" > "$T/clip.vpdq"
expect_eq "the clip: 6 sampled frames" "$(wc -l < "$T/clip.vpdq")" 6
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list videos "$T/clip.vpdq" > /dev/null || fail "import of the .vpdq"
"$HS" hash "$T/clip.mp4" | sed -n 3p | cut -f1 > "$T/frame.txt"
"$HS" index import "$T/idx" --list photos "$T/frame.txt" > /dev/null || fail "import of the frame"

# Two 640x360 frame planes (921,600 bytes each) fit the budget: the third waits.
BUDGET=1900000
DEV=(--device 0 --hash-on device)

# `hash`: every frame's hashes and quality, exact and fast, every frame
# sampled (-S 0) for many batches.
for mode in exact fast; do
  "$HS" hash --mode "$mode" --seconds-per-hash 0 --dihedral --format jsonl --hash-on cpu \
    "$A"/*.mp4 "$A"/sub/*.webm "$A"/*.jpg > "$T/hash-cpu-$mode.jsonl" 2> /dev/null
  HASHSWEEP_PLANE_BUDGET=$BUDGET "$HS" hash --mode "$mode" --seconds-per-hash 0 --dihedral \
    --format jsonl "${DEV[@]}" "$A"/*.mp4 "$A"/sub/*.webm "$A"/*.jpg > "$T/hash-dev-$mode.jsonl" 2> /dev/null
  frames=$(python3 -c 'import json,sys; print(sum(len(json.loads(l).get("frames", [])) for l in open(sys.argv[1])))' \
    "$T/hash-cpu-$mode.jsonl")
  # clip 150 + mirror 150 + audio_first 75 + other 100
  expect_eq "hash --mode $mode: every frame of every video hashed" "$frames" 475
  if cmp -s "$T/hash-cpu-$mode.jsonl" "$T/hash-dev-$mode.jsonl"; then
    pass "hash --mode $mode: device and CPU give the same frames, dihedral hashes and quality"
  else
    fail "hash --mode $mode: device and CPU differ"
    diff "$T/hash-cpu-$mode.jsonl" "$T/hash-dev-$mode.jsonl" | head -c 2000 >&2
  fi
done

# The frames did go to the device: a device that fails its batches is
# noticed (each batch is redone on the CPU, the same frames come out).
if faults_built; then
  HASHSWEEP_FAULT=pdq "$HS" hash --seconds-per-hash 0 --dihedral --format jsonl "${DEV[@]}" \
    "$A/clip.mp4" > "$T/hash-fault.jsonl" 2> "$T/hash-fault.err"
  expect_grep "hash: the video's frames were in device batches" "failed during a PDQ batch of 32 planes" \
    "$T/hash-fault.err"
  grep '"path":"[^"]*/clip.mp4"' "$T/hash-cpu-fast.jsonl" > "$T/hash-cpu-clip.jsonl"
  [ -s "$T/hash-fault.jsonl" ] && cmp -s "$T/hash-fault.jsonl" "$T/hash-cpu-clip.jsonl" \
    && pass "hash: the batches redone on the CPU give the same frames" \
    || fail "hash: the batches redone on the CPU differ"
fi

# `scan`: records and stores, exact and fast, images and videos mixed.
summary() { # JSONL -> one line per record kind that must be there
  python3 - "$1" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def show(name, kind):
    v = [r for r in recs if r["path"].endswith("/" + name) and r.get("kind") == kind]
    return "%s %s %s" % (name, kind, " ".join(sorted("%s/%s/%.0f/%d/%s" % (
        r["list"], r["variant"], r.get("query_percent", -1), r.get("frames_hashed", r.get("frame", -1)),
        r["distance"] <= 31) for r in v)))
print(show("clip.mp4", "video"))
print(show("mirror.mp4", "video"))
print(show("boxed.mp4", "video"))
print(show("clip.mp4", "frame"))
print("cut.mkv note %d" % sum(r["path"].endswith("/cut.mkv") and "partial" in r.get("note", "") for r in recs))
print("noise.mp4 error %d" % sum(r["path"].endswith("/noise.mp4") and "error" in r for r in recs))
PY
}
# Whether a worker ever finds the budget full depends on how fast the device
# hashes against how fast frames decode; in a test build a busy device
# (every PDQ batch 200 ms longer) makes the waits certain.
SLOW=
faults_built && SLOW=slow-pdq
for mode in exact fast; do
  "$HS" scan -q --mode "$mode" --hash-on cpu --index "$T/idx" --store "$T/st-cpu-$mode" \
    --out "$T/scan-cpu-$mode.jsonl" "$A"
  HASHSWEEP_FAULT=$SLOW HASHSWEEP_PLANE_BUDGET=$BUDGET "$HS" scan -v --mode "$mode" "${DEV[@]}" \
    --index "$T/idx" --store "$T/st-dev-$mode" --out "$T/scan-dev-$mode.jsonl" "$A" \
    2> "$T/scan-dev-$mode.err"
  expect_eq "scan --mode $mode: device records as on the CPU" \
    "$(sort "$T/scan-dev-$mode.jsonl")" "$(sort "$T/scan-cpu-$mode.jsonl")"
  summary "$T/scan-dev-$mode.jsonl" > "$T/sum-$mode.txt"
  cat "$T/sum-$mode.txt"
  expect_grep "scan --mode $mode: the clip is the listed video" "^clip.mp4 video videos/orig/100/6/True$" "$T/sum-$mode.txt"
  expect_grep "scan --mode $mode: the mirrored copy through a dihedral hash" "^mirror.mp4 video videos/flip[xy]/100/6/True$" "$T/sum-$mode.txt"
  expect_grep "scan --mode $mode: the letterboxed copy through its content frames" "^boxed.mp4 video videos/unletterbox/100/6/True$" "$T/sum-$mode.txt"
  expect_grep "scan --mode $mode: the listed frame" "^clip.mp4 frame photos/orig/-1/50/True$" "$T/sum-$mode.txt"
  expect_grep "scan --mode $mode: the cut Matroska file's note" "^cut.mkv note 1$" "$T/sum-$mode.txt"
  expect_grep "scan --mode $mode: random bytes named .mp4, an error" "^noise.mp4 error 1$" "$T/sum-$mode.txt"
  # The frames went through the device batches, and (on the busy device)
  # workers waited for budget.
  expect_grep "scan --mode $mode: frames in device batches" \
    "scan pipeline: [1-9][0-9]* video frame planes hashed in device batches" "$T/scan-dev-$mode.err"
  if [ -n "$SLOW" ]; then
    expect_grep "scan --mode $mode: workers waited for plane budget" \
      "video frame planes hashed in device batches; [1-9][0-9]* waits for plane budget" \
      "$T/scan-dev-$mode.err"
  fi
  peak=$(sed -n 's/.*at most \([0-9]*\) bytes of planes held.*/\1/p' "$T/scan-dev-$mode.err")
  # The budget, plus one plane: the one that is always admitted.
  if [ -n "$peak" ] && [ "$peak" -le $((BUDGET + 640 * 480 * 4)) ]; then
    pass "scan --mode $mode: planes held stayed within the budget ($peak bytes)"
  else
    fail "scan --mode $mode: planes held: '$peak' bytes, budget $BUDGET"
  fi
done

# The stored frames (content frames too): entries imported after the scans,
# found by a rescan of each store, with nothing decoded.
"$HS" index import "$T/idx" --list vlate "$T/clip.vpdq" > /dev/null || fail "late .vpdq"
"$HS" index import "$T/idx" --list plate "$T/frame.txt" > /dev/null || fail "late frame"
for mode in exact fast; do
  for on in cpu dev; do
    "$HS" rescan --index "$T/idx" --store "$T/st-$on-$mode" --out "$T/re-$on-$mode.jsonl" 2> /dev/null
  done
  expect_eq "rescan --mode $mode: the device scan's store gives the CPU one's records" \
    "$(sort "$T/re-dev-$mode.jsonl")" "$(sort "$T/re-cpu-$mode.jsonl")"
  expect_grep "rescan --mode $mode: the letterboxed copy from stored content frames" \
    '"path":"[^"]*/boxed.mp4".*"list":"vlate".*"variant":"unletterbox"' "$T/re-dev-$mode.jsonl"
  expect_grep "rescan --mode $mode: the late frame entry" '"list":"plate".*"kind":"frame"' "$T/re-dev-$mode.jsonl"
done

finish
