#!/usr/bin/env bash
# timeout: 300
# hashsweep serve and videos (docs/serve.md, issue 14): a video listed as a
# vPDQ hash is matched by POST /v1/check with the scan's video record keys,
# its mirrored copy too, another video not; HMA's POST /m/lookup answers
# under "vpdq"; `index withdraw` stops the match within 1 s. Videos are
# generated with the ffmpeg CLI.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
need_ffmpeg

A="$T/arch"
mkdir -p "$A"
lavfi_clip "$A/clip.mp4" "testsrc2=size=320x240:rate=25" 4
ffmpeg -v error -y -i "$A/clip.mp4" -vf hflip -c:v libx264 -preset ultrafast "$A/mirror.mp4"
lavfi_clip "$A/other.mp4" "mandelbrot=size=320x240:rate=25" 3
# The clip then 3 s of another video: about 4 of its 7 sampled frames match.
ffmpeg -v error -y -i "$A/clip.mp4" -i "$A/other.mp4" -filter_complex "[0:v][1:v]concat=n=2:v=1[v]" \
  -map "[v]" -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$A/longer.mp4" ||
  fail "ffmpeg could not make longer.mp4"

"$HS" hash --format vpdq "$A/clip.mp4" > "$T/clip.vpdq"
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list videos "$T/clip.vpdq" > /dev/null || fail "import of the .vpdq"

check() { # NAME FILE: POST /v1/check, the answer in $T/NAME.json
  curl -s -X POST --data-binary @"$2" "http://127.0.0.1:$PORT/v1/check" > "$T/$1.json"
}
# py FILE EXPR: prints EXPR over the answer `a` and its video matches `v`
py() {
  python3 -c "
import json, sys
a = json.load(open(sys.argv[1]))
v = [m for m in a.get('matches', []) if m.get('kind') == 'video']
print($2)" "$1"
}

start_server v --index "$T/idx" || { fail "server did not start"; finish; }

# ---- a listed video --------------------------------------------------------------------
check clip "$A/clip.mp4"
expect_eq "the listed video matches as a video entry" \
  "$(py "$T/clip.json" "a['match'], a['kind'], len(v), v[0]['list'] if v else None")" \
  "True video 1 videos"
expect_eq "with the scan's video record keys" \
  "$(py "$T/clip.json" "sorted(v[0]) if v else None")" \
  "['compared_percent', 'distance', 'entry', 'frames_hashed', 'kind', 'label', 'list', 'query_percent', 'segments', 'variant']"
expect_eq "vPDQ's shares, frames and segment" \
  "$(py "$T/clip.json" "v[0]['query_percent'], v[0]['compared_percent'], v[0]['frames_hashed'], v[0]['segments'], v[0]['distance'], v[0]['variant'], v[0]['label']")" \
  "100.0 100.0 4 [[0.0, 3.0]] 0 orig clip.vpdq"
ENTRY=$(py "$T/clip.json" "v[0]['entry'] if v else 0")

# ---- its mirror, another video ---------------------------------------------------------
check mirror "$A/mirror.mp4"
expect_eq "the mirrored copy matches the same entry, flipped" \
  "$(py "$T/mirror.json" "len(v), v[0]['entry'] == $ENTRY, v[0]['variant'] != 'orig', v[0]['query_percent'] >= 80")" \
  "1 True True True"
check other "$A/other.mp4"
expect_eq "another video does not match" "$(py "$T/other.json" "a['match'], a['kind'], len(v)")" \
  "False video 0"

# ---- HMA's lookup ----------------------------------------------------------------------
curl -s -F "video=@$A/clip.mp4" "http://127.0.0.1:$PORT/m/lookup" > "$T/hma.json"
expect_eq "HMA lookup answers under vpdq with vPDQ's similarity" \
  "$(python3 -c "import json,sys; a=json.load(open(sys.argv[1])); print(a['vpdq'], a['video_md5'])" "$T/hma.json")" \
  "{'videos': [{'bank_content_id': $ENTRY, 'distance': '100.00,100.00'}]} {}"

# ---- withdrawal ------------------------------------------------------------------------
"$HS" index withdraw "$T/idx" --id "$ENTRY" --reason test > /dev/null || fail "withdraw"
t0=$(date +%s.%N)
check gone "$A/clip.mp4"
dt=$(python3 -c "print(round($(date +%s.%N) - $t0, 3))")
expect_eq "a withdrawn video entry stops matching at once ($dt s, within 1 s)" \
  "$(py "$T/gone.json" "a['match'], len(v), $dt <= 1")" "False 0 True"
sleep 0.6 # a poll period: the rebuilt matcher has no video entry either
check gone2 "$A/clip.mp4"
expect_eq "and after the view is rebuilt" "$(py "$T/gone2.json" "a['match'], len(v)")" "False 0"

# ---- a video imported while serving ----------------------------------------------------
"$HS" index import "$T/idx" --list late "$T/clip.vpdq" > /dev/null || fail "second import"
ok=0
for i in $(seq 1 20); do
  check late "$A/clip.mp4"
  [ "$(py "$T/late.json" "len(v)")" = 1 ] && { ok=1; break; }
  sleep 0.05
done
expect_eq "a video imported while serving matches within 1 s" \
  "$ok $(py "$T/late.json" "v[0]['list'] if v else None")" "1 late"


# ---- the percentages -------------------------------------------------------------------
check longer "$A/longer.mp4"
expect_eq "a video with the clip in 4 of 7 frames: below the default 80% (no video match)" \
  "$(py "$T/longer.json" "len(v)")" 0
stop_server
expect_eq "stopped: exit 0" "$STOP_RC" 0
start_server p --index "$T/idx" --video-query-percent 50 --video-compared-percent 100 ||
  { fail "server did not start"; finish; }
check longer2 "$A/longer.mp4"
expect_eq "--video-query-percent 50: it matches, the listed video wholly (compared 100)" \
  "$(py "$T/longer2.json" "len(v), 50 <= v[0]['query_percent'] < 80, v[0]['compared_percent'], v[0]['frames_hashed']")" \
  "1 True 100.0 7"
stop_server
finish
