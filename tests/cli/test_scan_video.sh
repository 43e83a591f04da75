#!/usr/bin/env bash
# Issue 13, videos through `hashsweep scan`: videos found by content are
# decoded and their sampled frames hashed; a listed VideoMD5 finds the
# video; a frame within the radius of an image entry is a "frame" record
# (the original, a mirrored and a re-encoded copy); a listed vPDQ video
# (imported from `hash --format vpdq`) is a "video" record for the
# original, the mirrored and the re-encoded copy; the store keeps the
# frames, so a rescan finds image and video entries imported after the
# scan with the videos gone; kill -9 mid-video then
# resume reports every video exactly once; bad input is one record each,
# the scan goes on, exit 1. Videos are generated with the ffmpeg CLI.
# timeout: 300
. "$(dirname "$0")/lib.sh"
need_ffmpeg

gen() { # FILE SOURCE SECONDS CODEC-ARGS...
  local f=$1 src=$2 secs=$3; shift 3
  ffmpeg -v error -y -f lavfi -i "$src=size=320x240:rate=25" -t "$secs" "$@" \
    -pix_fmt yuv420p "$f" || fail "ffmpeg could not make $f"
}
A="$T/arch"
mkdir -p "$A" "$T/out"
gen "$A/clip.mp4" testsrc2 4 -c:v libx264 -preset ultrafast
ffmpeg -v error -y -i "$A/clip.mp4" -vf hflip -c:v libx264 -preset ultrafast "$A/mirror.mp4"
ffmpeg -v error -y -i "$A/clip.mp4" -c:v libvpx-vp9 -b:v 60k -deadline realtime -cpu-used 8 \
  "$A/reencoded.webm"
gen "$A/other.mkv" mandelbrot 3 -c:v libx264 -preset ultrafast
"$TI" gen "$A/photo.jpg" --size 320x240 --seed 4
md5() { md5sum "$1" | cut -c1-32; }

# The frame at 1 s of the clip, listed as an image entry.
"$HS" hash "$A/clip.mp4" > "$T/clip.tsv"
expect_eq "clip: frames 0 25 50 75" "$(cut -f4 "$T/clip.tsv" | tr '\n' ' ')" "0 25 50 75 "
frame1=$(sed -n 2p "$T/clip.tsv" | cut -f1)
"$HS" index create "$T/idx" > /dev/null
echo "video_md5 $(md5 "$A/clip.mp4")" > "$T/exact.txt"
"$HS" index import "$T/idx" --list exact "$T/exact.txt" > /dev/null
echo "$frame1" > "$T/frame.txt"
"$HS" index import "$T/idx" --list photos "$T/frame.txt" > /dev/null

"$HS" scan -q --index "$T/idx" --store "$T/st" --out "$T/o.jsonl" "$A"; rc=$?
expect_eq "scan of good videos: exit 0" "$rc" 0
python3 - "$T/o.jsonl" "$(md5 "$A/clip.mp4")" > "$T/check.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
by = lambda n: [r for r in recs if r["path"].endswith("/" + n)]
out = []
clip = by("clip.mp4")
out.append("clip md5 %s" % any(r.get("variant") == "md5" and r["md5"] == sys.argv[2] and r.get("pdq") is None for r in clip))
out.append("clip errors %d" % sum("error" in r for r in recs))
for name in ("clip.mp4", "mirror.mp4", "reencoded.webm"):
    fr = [r for r in by(name) if r.get("kind") == "frame"]
    out.append("%s frame %s" % (name, " ".join("%d@%.3f/%s/%s" % (r["frame"], r["timestamp"], r["variant"], r["list"]) for r in fr)))
    out.append("%s close %s" % (name, all(r["distance"] <= 31 for r in fr) and len(fr) > 0))
out.append("clip exact distance %s" % [r["distance"] for r in clip if r.get("kind") == "frame"])
out.append("other %d" % len(by("other.mkv")))
print("\n".join(out))
PY
cat "$T/check.txt"
expect_grep "VideoMD5 finds the video" "^clip md5 True$" "$T/check.txt"
expect_grep "no error records" "^clip errors 0$" "$T/check.txt"
expect_grep "frame of the clip matches the listed image at 1 s" "^clip.mp4 frame 25@1.000/orig/photos$" "$T/check.txt"
expect_grep "distance 0 for the frame itself" "^clip exact distance \[0\]$" "$T/check.txt"
expect_grep "mirrored copy: a flipped variant" "^mirror.mp4 frame 25@1.000/flip[a-z0-9]+/photos$" "$T/check.txt"
expect_grep "mirrored copy within the radius" "^mirror.mp4 close True$" "$T/check.txt"
expect_grep "re-encoded copy (VP9 60 kb/s) found at 1 s" "^reencoded.webm frame 25@1.000/orig/photos$" "$T/check.txt"
expect_grep "unrelated video: no record" "^other 0$" "$T/check.txt"
expect_grep "frame record keys" '^\{"path":"[^"]*/clip.mp4","pdq":"'"$frame1"'","quality":100,"md5":"[0-9a-f]{32}","entry":[0-9]+,"list":"photos","label":null,"distance":0,"variant":"orig","index_version":2,"kind":"frame","frame":25,"timestamp":1.000\}$' "$T/o.jsonl"

# Unchanged videos are not decoded again: their frames come from the store.
"$HS" scan --index "$T/idx" --store "$T/st" --out "$T/o2.jsonl" "$A" 2> "$T/sum2.txt"
expect_grep "second scan: every file unchanged" " 0 hashed, .* 5 skipped as unchanged" "$T/sum2.txt"
expect_eq "second scan: same records" "$(sort "$T/o2.jsonl")" "$(sort "$T/o.jsonl")"

# ---- rescan: entries imported after the scan, nothing decoded -------------------------
frame3=$(sed -n 4p "$T/clip.tsv" | cut -f1)
echo "$frame3" > "$T/frame3.txt"
"$HS" index import "$T/idx" --list late "$T/frame3.txt" > /dev/null
mv "$A" "$T/gone" # the videos are not there to decode
"$HS" rescan --index "$T/idx" --store "$T/st" --since-version 2 --out "$T/r.jsonl" 2> "$T/rsum.txt"; rc=$?
expect_eq "rescan: exit 0" "$rc" 0
expect_grep "rescan: nothing decoded" "nothing decoded" "$T/rsum.txt"
expect_grep "rescan: the late entry found in the stored frames of the clip at 3 s" '/clip.mp4",.*"list":"late",.*"distance":0,"variant":"orig",.*"kind":"frame","frame":75,"timestamp":3.000\}$' "$T/r.jsonl"
expect_eq "rescan --since-version: only the late list" "$(grep -vc '"list":"late"' "$T/r.jsonl")" 0
mv "$T/gone" "$A"

# ---- a listed vPDQ video ------------------------------------------------------------
"$HS" hash --format vpdq "$A/clip.mp4" > "$T/clip.vpdq"
"$HS" index create "$T/vidx" > /dev/null
"$HS" index import "$T/vidx" --list videos "$T/clip.vpdq" > /dev/null || fail "import of the .vpdq"
"$HS" scan -q --index "$T/vidx" --out "$T/v.jsonl" "$A"
vcheck() { # JSONL OUT
  python3 - "$1" > "$2" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for n in ("clip.mp4", "mirror.mp4", "reencoded.webm", "other.mkv"):
    v = [r for r in recs if r["path"].endswith("/" + n) and r.get("kind") == "video"]
    print(n, len(v), " ".join("%.0f/%.0f/%d/%s/%s/%s" % (r["query_percent"], r["compared_percent"], r["frames_hashed"], r["segments"], r["list"], "pdq" in r) for r in v))
PY
  cat "$2"
}
vcheck "$T/v.jsonl" "$T/vcheck.txt"
expect_grep "vPDQ: the clip is the listed video, all 4 frames, 0-3 s" "^clip.mp4 1 100/100/4/\[\[0.0, 3.0\]\]/videos/False$" "$T/vcheck.txt"
expect_grep "vPDQ: the mirrored copy" "^mirror.mp4 1 100/100/4/" "$T/vcheck.txt"
expect_grep "vPDQ: the re-encoded copy" "^reencoded.webm 1 " "$T/vcheck.txt"
expect_grep "vPDQ: not the unrelated video" "^other.mkv 0 $" "$T/vcheck.txt"
expect_grep "video record keys" '^\{"path":"[^"]*/clip.mp4","md5":"[0-9a-f]{32}","entry":[0-9]+,"list":"videos","label":"clip.vpdq","distance":0,"variant":"orig","index_version":1,"kind":"video","query_percent":100.00,"compared_percent":100.00,"frames_hashed":4,"segments":\[\[0.000,3.000\]\]\}$' "$T/v.jsonl"
# --video-query-percent: the re-encoded copy's share decides.
"$HS" scan -q --index "$T/vidx" --video-query-percent 100.5 --out "$T/v100.jsonl" "$A" 2> "$T/v100.err"; rc=$?
expect_eq "--video-query-percent above 100: usage error" "$rc" 2
# A video entry imported after the scan: rescan finds it from the stored
# frames, the videos gone.
"$HS" index import "$T/idx" --list vlate "$T/clip.vpdq" > /dev/null
mv "$A" "$T/gone"
"$HS" rescan --index "$T/idx" --store "$T/st" --list vlate --out "$T/rv.jsonl" 2> "$T/rvsum.txt"; rc=$?
mv "$T/gone" "$A"
expect_eq "rescan of a late video entry: exit 0" "$rc" 0
expect_grep "rescan of a late video entry: nothing decoded" "nothing decoded" "$T/rvsum.txt"
vcheck "$T/rv.jsonl" "$T/rvcheck.txt"
expect_grep "rescan: the clip matches the late video entry" "^clip.mp4 1 100/100/4/\[\[0.0, 3.0\]\]/vlate/False$" "$T/rvcheck.txt"
expect_grep "rescan: the mirrored copy too" "^mirror.mp4 1 100/" "$T/rvcheck.txt"
expect_grep "rescan: not the unrelated video" "^other.mkv 0 $" "$T/rvcheck.txt"

# ---- kill -9 mid-video, then resume: every video exactly once ---------------------------
K="$T/many"
mkdir -p "$K"
gen "$K/v0.mp4" testsrc2 20 -c:v libx264 -preset ultrafast
for i in 1 2 3 4 5 6 7; do cp "$K/v0.mp4" "$K/v$i.mp4"; done
echo "video_md5 $(md5 "$K/v0.mp4")" > "$T/kexact.txt"
"$HS" index create "$T/kidx" > /dev/null
"$HS" index import "$T/kidx" --list exact "$T/kexact.txt" > /dev/null
kills=0
for attempt in 1 2 3 4 5 6; do
  "$HS" scan -q --jobs 1 --seconds-per-hash 0 --index "$T/kidx" --store "$T/kst" \
    --out "$T/k.jsonl" "$K" & pid=$!
  sleep 0.$((3 + attempt))
  kill -9 $pid 2> /dev/null && kills=$((kills + 1))
  wait $pid 2> /dev/null
done
"$HS" scan -q --jobs 1 --seconds-per-hash 0 --index "$T/kidx" --store "$T/kst" \
  --out "$T/k.jsonl" "$K"; rc=$?
echo "killed $kills times"
expect_eq "resumed scan: exit 0" "$rc" 0
expect_eq "8 videos, one md5 record each, exactly once" \
  "$(python3 -c 'import json,sys; print(sorted(json.loads(l)["path"].rsplit("/",1)[1] for l in open(sys.argv[1])))' "$T/k.jsonl")" \
  "['v0.mp4', 'v1.mp4', 'v2.mp4', 'v3.mp4', 'v4.mp4', 'v5.mp4', 'v6.mp4', 'v7.mp4']"

# ---- bad input: one record each, the scan goes on, exit 1 ------------------------------
B="$T/bad"
mkdir -p "$B" "$T/secret"
cp "$A/clip.mp4" "$B/good.mp4"
size=$(stat -c %s "$A/clip.mp4")
head -c $((size / 2)) "$A/clip.mp4" > "$B/truncated.mp4" # moov is at the end
gen "$T/long.mkv" testsrc2 4 -c:v libx264 -preset ultrafast
size=$(stat -c %s "$T/long.mkv")
head -c $((size * 6 / 10)) "$T/long.mkv" > "$B/truncated.mkv"
head -c 100000 /dev/urandom > "$B/random.mp4"
ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 0 -c:v mjpeg "$B/zero.avi"
mkfifo "$T/secret/segment.ts" "$T/secret/concat.mp4" # an open would block: the watchdog fails it
printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXTINF:3.0,\n%s\n#EXT-X-ENDLIST\n' \
  "$T/secret/segment.ts" > "$B/playlist.m3u8"
printf 'ffconcat version 1.0\nfile %s\n' "$T/secret/concat.mp4" > "$B/concat.mp4"
gen "$T/hd.mkv" testsrc2 1 -c:v libx264 -preset ultrafast -s 1280x720
python3 - "$T" "$B" <<'PY'
import sys
t, b_dir = sys.argv[1], sys.argv[2]
d = open(t + "/hd.mkv", "rb").read()
b = bytearray(d)
for elem in (b"\xb0\x82\x05\x00", b"\xba\x82\x02\xd0"):   # PixelWidth 1280, PixelHeight 720
    i = b.find(elem); assert i > 0, elem
    b[i + 2:i + 4] = b"\xff\xff"
open(b_dir + "/huge.mkv", "wb").write(b)
b = bytearray(d)
i = b.find(b"\x23\xe3\x83\x84"); assert i > 0                 # DefaultDuration, 4 bytes
b[i + 4:i + 8] = (1).to_bytes(4, "big")
open(b_dir + "/fps.mkv", "wb").write(b)
PY
gen "$B/long.mp4" testsrc2 6 -c:v libx264 -preset ultrafast
cp "$A/photo.jpg" "$B/photo.jpg"
timeout 120 "$HS" scan -q --max-duration 5 --read-timeout 5 --index "$T/idx" --out "$T/b.jsonl" "$B"; rc=$?
expect_eq "bad input: exit 1" "$rc" 1
python3 - "$T/b.jsonl" > "$T/bcheck.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
for r in recs:
    name = r["path"].rsplit("/", 1)[1]
    what = r.get("error") or r.get("note") or ("%s %s" % (r.get("kind"), r.get("variant")))
    print("%s: %s" % (name, what))
PY
cat "$T/bcheck.txt"
expect_grep "good video still matched (frame)" "^good.mp4: frame orig$" "$T/bcheck.txt"
expect_grep "good video still matched (the late video entry)" "^good.mp4: video orig$" "$T/bcheck.txt"
expect_grep "truncated mp4" "^truncated.mp4: cannot read mp4 header: moov atom not found$" "$T/bcheck.txt"
expect_grep "truncated mkv: a note, its frames kept" "^truncated.mkv: partial: [0-9]+ frames decoded, with errors: File ended prematurely" "$T/bcheck.txt"
expect_grep "random bytes named .mp4" "^random.mp4: not an image in a supported format$" "$T/bcheck.txt"
expect_grep "zero frames" "^zero.avi: no decodable video frame$" "$T/bcheck.txt"
expect_grep "hls refused" "^playlist.m3u8: refused: the 'hls' format is a playlist or reference format that opens other files$" "$T/bcheck.txt"
expect_grep "concat refused" "^concat.mp4: refused: the 'concat' format is a playlist" "$T/bcheck.txt"
expect_grep "huge frame size" "^huge.mkv: frames are 65535x65535 \(4294.8 megapixels\), above the frame pixel limit" "$T/bcheck.txt"
expect_grep "absurd frame rate" "^fps.mkv: absurd frame rate 30000/1" "$T/bcheck.txt"
expect_grep "longer than the limit" "^long.mp4: video is 6.0 s long, above the duration limit of 5 s$" "$T/bcheck.txt"
expect_eq "one error or note per bad file (9)" \
  "$(grep -vE ': ((frame|video) orig|None md5)$' "$T/bcheck.txt" | grep -vc '^photo.jpg')" 9
finish
