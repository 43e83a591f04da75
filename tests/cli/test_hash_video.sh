#!/usr/bin/env bash
# hashsweep hash on videos: vPDQ's frame sampling at several frame rates
# (integer, 29.97, 12.5) and S = 0 / 0.5, the TSV / JSONL / vpdq formats,
# fast within 10 bits of exact, and bad input (each a real file made here):
# one line naming the file and the cause, the good files still hashed,
# exit 1, and no other file opened for playlists. Videos are generated
# with the ffmpeg CLI (tools/install-deps.sh); nothing is committed.
# timeout: 300
. "$(dirname "$0")/lib.sh"
need_ffmpeg

gen() { # FILE RATE SECONDS SIZE CODEC-ARGS...
  local f=$1 rate=$2 secs=$3 size=$4; shift 4
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=$size:rate=$rate:duration=$secs" "$@" \
    -pix_fmt yuv420p "$f" || fail "ffmpeg could not make $f"
}
gen "$T/c25.mp4" 25 3 320x240 -c:v libx264 -preset ultrafast
gen "$T/c2997.mkv" 30000/1001 3 320x240 -c:v libvpx-vp9 -deadline realtime -cpu-used 8
gen "$T/c30.webm" 30 2 256x144 -c:v libvpx -deadline realtime
gen "$T/c24.avi" 24 2 320x240 -c:v mpeg4
gen "$T/c125.ts" 12.5 4 320x240 -c:v libx264 -preset ultrafast
gen "$T/c30.flv" 30 2 320x240 -c:v libx264 -preset ultrafast
"$TI" gen "$T/photo.jpg" --size 320x240 --seed 4

# ---- sampling: frame numbers and timestamps exactly as vPDQ ---------------------
"$HS" hash "$T/c25.mp4" > "$T/c25.tsv"; rc=$?
expect_eq "25 fps: exit 0" "$rc" 0
expect_eq "25 fps, S=1: frames 0,25,50" "$(cut -f4 "$T/c25.tsv" | tr '\n' ' ')" "0 25 50 "
expect_eq "25 fps, S=1: timestamps" "$(cut -f5 "$T/c25.tsv" | tr '\n' ' ')" "0.000 1.000 2.000 "
expect_grep "tsv columns" "^[0-9a-f]{64}	100	$T/c25.mp4	0	0.000$" "$T/c25.tsv"
"$HS" hash "$T/c2997.mkv" > "$T/c2997.tsv"
expect_eq "29.97 fps: step (int)29.97 = 29" "$(cut -f4 "$T/c2997.tsv" | tr '\n' ' ')" "0 29 58 87 "
expect_eq "29.97 fps: timestamps n*1001/30000" "$(cut -f5 "$T/c2997.tsv" | tr '\n' ' ')" \
  "0.000 0.968 1.935 2.903 "
"$HS" hash --seconds-per-hash 0.5 "$T/c2997.mkv" > "$T/c2997h.tsv"
expect_eq "S=0.5 at 29.97: step 14" "$(cut -f4 "$T/c2997h.tsv" | tr '\n' ' ')" "0 14 28 42 56 70 84 "
"$HS" hash --seconds-per-hash 0 "$T/c25.mp4" > "$T/c25all.tsv"
expect_eq "S=0: every frame" "$(wc -l < "$T/c25all.tsv")" 75
expect_eq "S=0: last frame 74 at 2.960" "$(tail -1 "$T/c25all.tsv" | cut -f4,5)" "74	2.960"
"$HS" hash "$T/c125.ts" > "$T/c125.tsv"
expect_eq "12.5 fps MPEG-TS: step 12" "$(cut -f4 "$T/c125.tsv" | tr '\n' ' ')" "0 12 24 36 48 "
expect_eq "12.5 fps: timestamps" "$(cut -f5 "$T/c125.tsv" | tr '\n' ' ')" "0.000 0.960 1.920 2.880 3.840 "
"$HS" hash "$T/c30.webm" "$T/c24.avi" "$T/c30.flv" > "$T/more.tsv"; rc=$?
expect_eq "webm, avi, flv: exit 0" "$rc" 0
expect_eq "webm (VP8 30 fps): frames 0,30" "$(grep c30.webm "$T/more.tsv" | cut -f4 | tr '\n' ' ')" "0 30 "
expect_eq "avi (MPEG-4 24 fps): frames 0,24" "$(grep c24.avi "$T/more.tsv" | cut -f4 | tr '\n' ' ')" "0 24 "
expect_eq "flv (H.264 30 fps): frames 0,30" "$(grep c30.flv "$T/more.tsv" | cut -f4 | tr '\n' ' ')" "0 30 "
# testsrc2 moves: consecutive sampled frames differ, the first frames agree
# across containers (same picture).
expect_eq "sampled frames differ" "$(cut -f1 "$T/c25.tsv" | sort -u | wc -l)" 3

# ---- formats -------------------------------------------------------------------------
"$HS" hash --format jsonl --dihedral "$T/c25.mp4" "$T/photo.jpg" > "$T/out.jsonl"
expect_eq "jsonl: one object per file" "$(wc -l < "$T/out.jsonl")" 2
md5=$(md5sum "$T/c25.mp4" | cut -d' ' -f1); sha=$(sha256sum "$T/c25.mp4" | cut -d' ' -f1)
expect_grep "jsonl video record" "^\{\"path\":\"$T/c25.mp4\",\"kind\":\"video\",\"width\":320,\"height\":240,\"fps\":25,\"duration\":3.000,\"md5\":\"$md5\",\"sha256\":\"$sha\",\"format\":\"mp4\",\"codec\":\"h264\",\"frames_decoded\":75,\"frames\":\[\{\"frame\":0,\"quality\":100,\"pdq\":\"[0-9a-f]{64}\",\"timestamp\":0.000,\"dihedral\":\{\"rot90\":\"[0-9a-f]{64}\"" "$T/out.jsonl"
python3 - "$T/out.jsonl" "$T/c25.tsv" > "$T/jsonl_check.txt" <<'PY' || fail "jsonl frames do not match the tsv"
import json, sys
rec = [json.loads(l) for l in open(sys.argv[1])]
tsv = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
v = rec[0]
assert [(f["pdq"], f["quality"], f["frame"], "%.3f" % f["timestamp"]) for f in v["frames"]] == \
       [(t[0], int(t[1]), int(t[3]), t[4]) for t in tsv], "frames differ"
assert all(len(f["dihedral"]) == 7 for f in v["frames"])
assert rec[1]["kind"] == "image" and len(rec[1]["pdq"]) == 64
print("ok")
PY
expect_eq "jsonl frames equal the tsv lines; image has kind" "$(cat "$T/jsonl_check.txt")" ok
"$HS" hash --format vpdq "$T/c25.mp4" > "$T/c25.vpdq"
expect_eq "vpdq format: frame,quality,hex,timestamp" "$(cat "$T/c25.vpdq")" \
  "$(awk -F'\t' '{printf "%s,%s,%s,%s\n", $4, $2, $1, $5}' "$T/c25.tsv")"
mkdir "$T/outdir"
"$HS" hash --format vpdq --out-dir "$T/outdir" "$T/c25.mp4" "$T/c2997.mkv" > "$T/od.txt"; rc=$?
expect_eq "out-dir: exit 0, nothing on stdout" "$rc:$(wc -c < "$T/od.txt")" "0:0"
expect_eq "out-dir: one .vpdq per video" "$(ls "$T/outdir" | tr '\n' ' ')" "c25.vpdq c2997.vpdq "
expect_eq "out-dir: same content" "$(cat "$T/outdir/c25.vpdq")" "$(cat "$T/c25.vpdq")"
"$HS" hash --format vpdq "$T/c25.mp4" "$T/c2997.mkv" > /dev/null 2> "$T/usage.txt"; rc=$?
expect_eq "vpdq with several files needs --out-dir (usage error)" "$rc" 2
"$HS" hash --format vpdq "$T/photo.jpg" > /dev/null 2> "$T/img.txt"; rc=$?
expect_eq "vpdq of an image: item error" "$rc" 1
expect_grep "vpdq of an image: cause" "photo.jpg: an image: --format vpdq is for videos" "$T/img.txt"

# An AVIF image is an ISO-BMFF file like MP4: it stays an image.
if ffmpeg -v error -y -i "$T/photo.jpg" -c:v libaom-av1 -still-picture 1 "$T/still.avif" 2> /dev/null; then
  "$HS" hash --format jsonl "$T/still.avif" > "$T/avif.jsonl"
  expect_grep "avif stays an image" "\"format\":\"heif\",\"kind\":\"image\"\}$" "$T/avif.jsonl"
fi

# ---- fast within 10 bits of exact ---------------------------------------------------
"$HS" hash --mode exact --seconds-per-hash 0 "$T/c2997.mkv" > "$T/exact.tsv"
"$HS" hash --mode fast --seconds-per-hash 0 "$T/c2997.mkv" > "$T/fast.tsv"
maxd=$(python3 - "$T/exact.tsv" "$T/fast.tsv" <<'PY'
import sys
a = [l.split("\t") for l in open(sys.argv[1])]
b = [l.split("\t") for l in open(sys.argv[2])]
assert len(a) == len(b) == 90 and [x[3] for x in a] == [x[3] for x in b]
print(max(bin(int(x[0], 16) ^ int(y[0], 16)).count("1") for x, y in zip(a, b)))
PY
)
expect_eq "fast vs exact: 90 frames, at most 10 bits apart" "$([ -n "$maxd" ] && [ "$maxd" -le 10 ] && echo yes)" yes

# ---- bad input ------------------------------------------------------------------------
size=$(stat -c %s "$T/c25.mp4")
head -c $((size / 2)) "$T/c25.mp4" > "$T/truncated.mp4"      # moov is at the end
gen "$T/long.mkv" 25 4 320x240 -c:v libx264 -preset ultrafast
size=$(stat -c %s "$T/long.mkv")
head -c $((size * 6 / 10)) "$T/long.mkv" > "$T/truncated.mkv"
head -c 100000 /dev/urandom > "$T/random.mp4"
ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 0 -c:v mjpeg "$T/zero.avi"
# HLS and concat pointing at files that must never be opened.
printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXTINF:3.0,\n%s\n#EXT-X-ENDLIST\n' \
  "$T/secret-segment.ts" > "$T/playlist.m3u8"
printf 'ffconcat version 1.0\nfile %s\n' "$T/secret-concat.mp4" > "$T/concat.mp4"
cp "$T/c25.mp4" "$T/secret-segment.ts"; cp "$T/c25.mp4" "$T/secret-concat.mp4"
# Huge declared frame size, absurd frame rate: a 1280x720 Matroska file
# with PixelWidth/PixelHeight set to 65535 and DefaultDuration to 1 ns.
gen "$T/hd.mkv" 25 1 1280x720 -c:v libx264 -preset ultrafast
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
d = open(t + "/hd.mkv", "rb").read()
b = bytearray(d)
for elem in (b"\xb0\x82\x05\x00", b"\xba\x82\x02\xd0"):   # PixelWidth 1280, PixelHeight 720
    i = b.find(elem); assert i > 0, elem
    b[i + 2:i + 4] = b"\xff\xff"
open(t + "/huge.mkv", "wb").write(b)
b = bytearray(d)
i = b.find(b"\x23\xe3\x83\x84"); assert i > 0                 # DefaultDuration, 4 bytes
b[i + 4:i + 8] = (1).to_bytes(4, "big")
open(t + "/fps.mkv", "wb").write(b)
PY
files=("$T/c25.mp4" "$T/truncated.mp4" "$T/truncated.mkv" "$T/random.mp4" "$T/zero.avi"
       "$T/playlist.m3u8" "$T/concat.mp4" "$T/huge.mkv" "$T/fps.mkv" "$T/photo.jpg")
"$HS" hash "${files[@]}" > "$T/bad.tsv" 2> "$T/bad.err"; rc=$?
expect_eq "bad input: exit 1" "$rc" 1
expect_eq "good video hashed" "$(grep -c "	$T/c25.mp4	" "$T/bad.tsv")" 3
expect_grep "image after the bad videos hashed" "	$T/photo.jpg$" "$T/bad.tsv"
expect_eq "one line per bad file" "$(wc -l < "$T/bad.err")" 8
expect_grep "truncated mp4" "^hashsweep: $T/truncated.mp4: cannot read mp4 header: moov atom not found$" "$T/bad.err"
expect_grep "truncated mkv: a note" "^hashsweep: $T/truncated.mkv: note: partial: [0-9]+ frames decoded, with errors: File ended prematurely" "$T/bad.err"
# 60% of the bytes: some but not all of the sampled frames 0 25 50 75.
got=$(grep "	$T/truncated.mkv	" "$T/bad.tsv" | cut -f4 | tr '\n' ' ')
case "$got" in "0 25 " | "0 25 50 ") pass "truncated mkv: the frames that decoded ($got)" ;;
  *) fail "truncated mkv: got frames '$got', want a proper prefix of '0 25 50 75'" ;; esac
expect_grep "random bytes" "^hashsweep: $T/random.mp4: not an image or video in a supported format$" "$T/bad.err"
expect_grep "zero frames" "^hashsweep: $T/zero.avi: no decodable video frame$" "$T/bad.err"
expect_grep "hls refused" "^hashsweep: $T/playlist.m3u8: refused: the 'hls' format is a playlist or reference format that opens other files$" "$T/bad.err"
expect_grep "concat refused" "^hashsweep: $T/concat.mp4: refused: the 'concat' format is a playlist" "$T/bad.err"
expect_grep "huge frame size" "^hashsweep: $T/huge.mkv: frames are 65535x65535 \(4294.8 megapixels\), above the frame pixel limit of 35.4 megapixels$" "$T/bad.err"
expect_grep "absurd frame rate" "^hashsweep: $T/fps.mkv: absurd frame rate 30000/1 \(30000 fps, at most 1000\)$" "$T/bad.err"
"$HS" hash --max-duration 2 "$T/c25.mp4" "$T/c2997.mkv" > /dev/null 2> "$T/long.err"; rc=$?
expect_eq "longer than the limit: exit 1" "$rc" 1
expect_grep "longer than the limit" "^hashsweep: $T/c25.mp4: video is 3.0 s long, above the duration limit of 2 s$" "$T/long.err"
"$HS" hash --max-frames 40 "$T/c25.mp4" > /dev/null 2> "$T/frames.err"; rc=$?
expect_grep "frame limit" "^hashsweep: $T/c25.mp4: more than 40 frames decoded \(the frame limit\)$" "$T/frames.err"
"$HS" hash --max-frame-pixels 50000 "$T/c25.mp4" > /dev/null 2> "$T/px.err"
expect_grep "frame pixel limit option" "frames are 320x240 \(0.1 megapixels\), above the frame pixel limit" "$T/px.err"

# JSONL error records still carry the digests of the bytes.
"$HS" hash --format jsonl -q "$T/random.mp4" "$T/truncated.mp4" > "$T/bad.jsonl"
md5=$(md5sum "$T/random.mp4" | cut -d' ' -f1)
expect_grep "error record of a non-media file has md5/sha256" "^\{\"path\":\"$T/random.mp4\",\"error\":\"not an image or video in a supported format\",\"md5\":\"$md5\",\"sha256\":\"[0-9a-f]{64}\"\}$" "$T/bad.jsonl"
md5=$(md5sum "$T/truncated.mp4" | cut -d' ' -f1)
expect_grep "error record of a bad video has md5" "^\{\"path\":\"$T/truncated.mp4\",\"error\":\"cannot read mp4 header: moov atom not found\",\"md5\":\"$md5\"" "$T/bad.jsonl"

# A video is sniffed by its first bytes before the image decoder would read
# the whole file: with that reader made slow (4 KiB every 50 ms, test
# builds) and a 2 s read timeout, reading this video of over 1 MiB (files
# that large are sniffed first) as an image would time out; it is hashed as
# a video.
if faults_built; then
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=640x480:rate=25" -t 8 -c:v libx264 -preset ultrafast \
    -qp 10 -pix_fmt yuv420p "$T/big.mp4" || fail "ffmpeg could not make big.mp4"
  bytes=$(stat -c %s "$T/big.mp4")
  [ "$bytes" -gt 1100000 ] || fail "big.mp4 is only $bytes bytes"
  HASHSWEEP_FAULT=slow:big.mp4 timeout 60 "$HS" hash --read-timeout 2 "$T/big.mp4" > "$T/big.out" 2> "$T/big.err"
  expect_eq "a video under a slow image reader: hashed, exit 0" "$?" 0
  expect_eq "a video under a slow image reader: its 8 sampled frames" "$(wc -l < "$T/big.out")" 8
fi

# No other file is opened for a playlist: every open() is traced where
# strace works; otherwise the referenced files are FIFOs, which would block
# an open forever (the timeout then fails the check).
if command -v strace > /dev/null && strace -f -o /dev/null true 2> /dev/null; then
  strace -f -e trace=open,openat,openat2,stat,newfstatat,access -o "$T/trace.txt" \
    "$HS" hash "$T/playlist.m3u8" "$T/concat.mp4" > /dev/null 2>&1
  expect_eq "playlists: the referenced files were never touched" "$(grep -c secret "$T/trace.txt")" 0
  # Each (a small file) is touched four times: stat for its size, opened as
  # an image (libvips has no loader), by the probe that finds a container,
  # by the video decoder that refuses it.
  expect_eq "playlists: the files themselves were read" "$(grep -cE 'playlist.m3u8|concat.mp4' "$T/trace.txt")" 8
else
  rm "$T/secret-segment.ts" "$T/secret-concat.mp4"
  mkfifo "$T/secret-segment.ts" "$T/secret-concat.mp4"
  timeout 30 "$HS" hash "$T/playlist.m3u8" "$T/concat.mp4" > /dev/null 2>&1; rc=$?
  expect_eq "playlists refused without opening the FIFOs they name" "$rc" 1
fi
finish
