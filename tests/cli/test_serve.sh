#!/usr/bin/env bash
# timeout: 300
# hashsweep serve: every endpoint on a loopback port the kernel picks, the
# HMA shapes field by field, /v1/check with images and videos, and bad
# input (malformed HTTP, bad hex and lengths, bad JSON and multipart,
# oversized bodies, a decompression bomb, a truncated image, a playlist, a
# stalled and a trickling client, 1,000 idle connections). The Python
# client (serve_client.py, standard library only) does the field checks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

# ---- an index: a photo in banka, its digests in "exact", a third PDQ --------------
"$TI" gen "$T/a.jpg" --size 640x480 --seed 5
"$TI" edit "$T/a.jpg" "$T/rot.jpg" rot90
"$TI" gen "$T/other.jpg" --size 500x400 --seed 9
"$TI" gen "$T/flat.png" --size 300x300 --kind flat
"$HS" hash "$T/a.jpg" > "$T/a.tsv"
PDQ=$(cut -f1 "$T/a.tsv")
MD5=$(md5sum "$T/a.jpg" | cut -d' ' -f1)
SHA=$(sha256sum "$T/a.jpg" | cut -d' ' -f1)
"$HS" index create "$T/idx" > /dev/null
printf 'hash,label\n%s,revenge\n' "$PDQ" > "$T/banka.csv"
"$HS" index import "$T/idx" --list banka "$T/banka.csv" > /dev/null
printf '%s\n%s\n' "$(python3 -c "print('%064x' % (1 << 200))")" \
  "$(python3 -c "print('%064x' % ((1 << 256) - 1))")" > "$T/bankb.txt"
"$HS" index import "$T/idx" --list bankb "$T/bankb.txt" > /dev/null
printf 'md5 %s\nsha256 %s\n' "$MD5" "$SHA" > "$T/exact.txt"
"$HS" index import "$T/idx" --list exact "$T/exact.txt" > /dev/null

# ---- usage errors ------------------------------------------------------------------
"$HS" serve > /dev/null 2> "$T/u1.err"; expect_eq "no --index: exit 2" $? 2
"$HS" serve --index "$T/nope" --listen 127.0.0.1:0 2> "$T/u2.err"; expect_eq "missing index: exit 2" $? 2
"$HS" serve --index "$T/idx" --listen 0.0.0.0:0 2> "$T/u3.err"; rc=$?
expect_eq "non-loopback without a token: exit 2" "$rc" 2
expect_grep "non-loopback refusal names the fix" "not a loopback address, without a bearer token \(--token-file\) or --insecure" "$T/u3.err"
"$HS" serve --index "$T/idx" --listen nonsense 2> "$T/u4.err"; expect_eq "bad --listen: exit 2" $? 2

# ---- the server ----------------------------------------------------------------------
start_server s --index "$T/idx" --max-batch 10 --max-body 2M --timeout 2 -vv \
  || { fail "server did not start"; finish; }
pass "server ready on port $PORT"
U="http://127.0.0.1:$PORT"
expect_eq "GET /healthz" "$(curl -s "$U/healthz")" '{"status":"ok"}'
expect_eq "GET /readyz" "$(curl -s "$U/readyz")" '{"ready":true,"index_version":3,"pdq_entries":3,"exact_entries":2}'
expect_eq "HEAD /healthz 200" "$(curl -s -o /dev/null -I -w '%{http_code}' "$U/healthz")" 200
expect_eq "unknown path 404" "$(curl -s -o "$T/404.json" -w '%{http_code}' "$U/nope")" 404
expect_grep "404 is a JSON error" '^\{"error":"no such endpoint"' "$T/404.json"
expect_eq "GET /v1/lookup 405" "$(curl -s -o /dev/null -w '%{http_code}' "$U/v1/lookup")" 405
curl -s -D "$T/405.h" -o /dev/null -X PUT "$U/m/lookup"
expect_grep "405 names what is allowed" "^Allow: GET, HEAD, POST" "$T/405.h"
client native "$PDQ" "$MD5" "$SHA"
client hma "$PDQ" "$MD5" "$T/a.jpg" "$T/rot.jpg"

# ---- /v1/check -------------------------------------------------------------------------
client check image "$T/a.jpg" 200 orig
client check image "$T/rot.jpg" 200 rot270
client check image "$T/other.jpg" 200 none
head -c 3000 "$T/a.jpg" > "$T/truncated.jpg"
client check image "$T/truncated.jpg" 422 ""
head -c 5000 /dev/urandom > "$T/random.bin"
client check image "$T/random.bin" 422 ""
python3 - "$T/bomb.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
w = h = 60000
raw = zlib.compress(b"\0" * (w + 1) * 4, 9)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
PY
client check image "$T/bomb.png" 413 "pixel limit"
# A listed file's exact digests match even where nothing decodes: the flat
# image's PDQ is below the quality gate.
client check image "$T/flat.png" 200 none
printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXTINF:3.0,\n%s\n#EXT-X-ENDLIST\n' \
  "$T/a.jpg" > "$T/playlist.m3u8"
client check video "$T/playlist.m3u8" 422 "playlist"
if command -v ffmpeg > /dev/null; then
  ffmpeg -v error -y -loop 1 -i "$T/a.jpg" -t 2 -r 5 -pix_fmt yuv420p "$T/clip.mp4" \
    && client check video "$T/clip.mp4" 200 frame:orig
else
  echo "skip: no ffmpeg CLI for the video check"
fi
code=$(curl -s -o "$T/empty.json" -w '%{http_code}' -X POST --data-binary '' "$U/v1/check")
expect_eq "empty /v1/check body 400" "$code" 400

# ---- bodies, malformed HTTP, slow and idle clients ----------------------------------
client bodylimit $((2 * 1024 * 1024))
client raw
client slow 2
client idle 1000

# ---- metrics ---------------------------------------------------------------------------
curl -s "$U/metrics" > "$T/metrics.txt"
expect_grep "metrics: requests by endpoint and code" '^hashsweep_http_requests_total\{endpoint="/v1/lookup",code="200"\} [1-9]' "$T/metrics.txt"
expect_grep "metrics: 413s counted" '^hashsweep_http_requests_total\{endpoint="/v1/check",code="413"\} [1-9]' "$T/metrics.txt"
expect_grep "metrics: latency histogram" '^hashsweep_http_request_duration_seconds_bucket\{endpoint="/m/lookup",le="\+Inf"\} [1-9]' "$T/metrics.txt"
expect_grep "metrics: matches" '^hashsweep_matches_total [1-9]' "$T/metrics.txt"
expect_grep "metrics: batch sizes" '^hashsweep_batch_requests_count [1-9]' "$T/metrics.txt"
expect_grep "metrics: queue depth" '^hashsweep_queue_depth 0$' "$T/metrics.txt"
expect_grep "metrics: index version" '^hashsweep_index_version 3$' "$T/metrics.txt"
expect_grep "metrics: index age" '^hashsweep_index_age_seconds [0-9]' "$T/metrics.txt"
expect_grep "metrics: content type" . "$T/metrics.txt"

stop_server
expect_eq "SIGTERM: exit 0" "$STOP_RC" 0
# Hashes and file contents never reach the log, even at -vv.
for h in "$PDQ" "$MD5" "$SHA"; do
  if grep -qi "$h" "$T/s.log"; then fail "a hash is in the log"; else pass "hash not logged"; fi
done
expect_grep "log says it stopped" "hashsweep serve: stopped" "$T/s.log"
finish
