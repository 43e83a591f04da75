#!/usr/bin/env bash
# The demo (README quick start): installs the dependencies, builds, makes a
# sample archive from images the project generates itself (originals and
# edited copies: resized, recompressed, mirrored, rotated, brightened, plus a
# broken file), a sample hash list from some of the originals, and runs the
# main job: a scan of the archive against the list. Prints the matches and
# the summary; then checks two uploads through the lookup service (hashsweep
# serve), one of them blocked.
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
mkdir -p "$DEMO/archive/2024" "$DEMO/archive/2025/uploads"
echo "== 1. a sample archive in $DEMO/archive"
"$TI" gen-many "$DEMO/archive/2024" 40 --size 1024x768 --seed 2024
# Re-uploads of three of those photos, changed the way re-uploads are.
P="$DEMO/archive/2024"
U="$DEMO/archive/2025/uploads"
"$TI" edit "$P/img00003.jpg" "$U/thumbnail.jpg[Q=70]" scale:0.3
"$TI" edit "$P/img00003.jpg" "$U/recompressed.jpg[Q=25]" copy
"$TI" edit "$P/img00011.jpg" "$U/mirrored.jpg" flipy
"$TI" edit "$P/img00011.jpg" "$U/rotated.png" rot90
"$TI" edit "$P/img00027.jpg" "$U/brighter.webp" bright:20
"$TI" edit "$P/img00027.jpg" "$U/framed.jpg" frame:10     # a white frame added (unletterbox)
"$TI" gen-many "$U" 12 --size 900x600 --seed 99   # unrelated uploads
echo "not an image" > "$U/broken.jpg"
echo "   $(find "$DEMO/archive" -type f | wc -l) files"

echo "== 2. a hash list of known images (3 of the originals), imported into an index"
"$HS" hash "$P/img00003.jpg" "$P/img00011.jpg" "$P/img00027.jpg" |
  awk -F'\t' 'BEGIN {print "hash,label"} {print $1 ",case-" NR}' > "$DEMO/known.csv"
cat "$DEMO/known.csv"
"$HS" index create "$DEMO/index"
"$HS" index import "$DEMO/index" --list demo-list --source "demo" --note "demo import" "$DEMO/known.csv"

echo "== 3. the scan (JSON Lines out, summary on stderr)"
set +e
"$HS" scan --index "$DEMO/index" --store "$DEMO/store" --out "$DEMO/matches.jsonl" "$DEMO/archive"
rc=$?
set -e
echo "   exit code $rc (1: done, with per-file errors: the broken file)"
echo "== 4. the matches and errors"
python3 - "$DEMO/matches.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    name = r["path"].split("/archive/")[-1]
    if "error" in r:
        print(f"   ERROR  {name}: {r['error']}")
    elif "entry" in r:
        print(f"   MATCH  {name:32} {r['label']:8} distance {r['distance']:2} via {r['variant']}")
PY
echo "== 5. a rescan from the store: no decoding"
"$HS" rescan --index "$DEMO/index" --store "$DEMO/store" --out "$DEMO/rescan.jsonl"

echo "== 6. the lookup service: an upload checked before it is published"
"$HS" serve --index "$DEMO/index" --listen 127.0.0.1:0 --port-file "$DEMO/serve.port" \
  2> "$DEMO/serve.log" &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null' EXIT
for _ in $(seq 1 100); do
  [ -s "$DEMO/serve.port" ] &&
    curl -sf "http://127.0.0.1:$(cat "$DEMO/serve.port")/readyz" > /dev/null && break
  sleep 0.1
done
URL="http://127.0.0.1:$(cat "$DEMO/serve.port")/v1/check"
for f in "$U/mirrored.jpg" "$U/img00005.jpg"; do
  curl -s --data-binary @"$f" "$URL" | python3 -c '
import json, sys
r = json.load(sys.stdin)
name = sys.argv[1].split("/archive/")[-1]
if r["match"]:
    m = r["matches"][0]
    label, entry, dist, via = m["label"], m["entry"], m["distance"], m["variant"]
    print(f"   BLOCKED  {name:32} {label} (entry {entry}, distance {dist} via {via})")
else:
    print(f"   allowed  {name}")' "$f"
done
kill -TERM "$SERVE_PID"; wait "$SERVE_PID" || true
trap - EXIT
echo "== 7. human review: a self-contained page of the matches awaiting a decision"
"$HS" review --index "$DEMO/index" --store "$DEMO/store" --out "$DEMO/review"
echo "   open $DEMO/review/index.html (thumbnails blurred until revealed); record a decision with"
echo "   hashsweep review decide --index $DEMO/index --entry ID --file PATH --decision confirm|reject|escalate --reviewer NAME"
echo "== 8. the 48-hour clock: when each listed hash arrived and when the whole archive was swept"
set +e
"$HS" sweep-status --index "$DEMO/index" --store "$DEMO/store"
rc=$?
set -e
echo "   exit code $rc (0: nothing overdue; 1 would mean an entry unswept for more than 48 hours)"
