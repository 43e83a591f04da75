#!/usr/bin/env bash
# bench/video_edits.sh - recall of vPDQ matching under the edits people make
# to videos before re-uploading (issue 13, "eval"): re-encode at a low
# bitrate, resize to 360p, frame-rate change, trim to the middle 50%,
# mirror, letterbox into a vertical 9:16 frame. The edited copies are made
# with the ffmpeg CLI from generated clips (Ken Burns zooms over the PDQ
# reference photos when ../shared/testdata is there, and FFmpeg's
# testsrc2 and mandelbrot patterns), hashed with `hashsweep hash --format jsonl --dihedral`, and
# each copy is compared with every original by vPDQ's rule (quality gate 50,
# unique frames, a frame matches when its PDQ or one of its dihedral hashes
# is within 31 of a frame of the other video; a match when at least 80% of
# the copy's unique frames matched: python-threatexchange's defaults).
# Prints a Markdown section: per edit, recall (copies that match their own
# original), median query/compared shares, false matches (copies that
# match another original), and the copies missed (with their query share;
# originals with no frame above the quality gate are named first). Then the same copies through `hashsweep scan`
# against an index of the originals' .vpdq (unletterbox on, the default, and
# --no-unletterbox): the product's path, content frames of letterboxed copies
# included (variant "unletterbox").
#
# Usage: bench/video_edits.sh [BUILD_DIR]   (SECONDS_PER_CLIP, default 12)
set -euo pipefail
BUILD=${1:-build}
HS=$(cd "$BUILD" && pwd)/hashsweep
SECS=${SECONDS_PER_CLIP:-12}
HERE=$(cd "$(dirname "$0")" && pwd)
# Distinct photos (bridge-mods are edits of one picture: they would match
# each other).
PHOTOS=$HERE/../../shared/testdata/pdq/images/data/reg-test-input
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/orig" "$T/edit"

# Originals: 1280x720 H.264, 30 fps.
orig() { # NAME INPUT-ARGS...
  local name=$1; shift
  ffmpeg -v error -y "$@" -t "$SECS" -r 30 -s 1280x720 -pix_fmt yuv420p -c:v libx264 \
    -preset veryfast "$T/orig/$name.mp4"
}
i=0
for photo in "$PHOTOS"/labelme-subset/*.jpg "$PHOTOS"/pen-and-coaster.png; do
  [ -f "$photo" ] || continue
  i=$((i + 1))
  orig "photo$i" -loop 1 -i "$photo" \
    -vf "scale=2400:-2,zoompan=z='1+0.003*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=1280x720:fps=30"
done
orig testsrc2 -f lavfi -i "testsrc2=size=1280x720:rate=30"
orig mandelbrot -f lavfi -i "mandelbrot=size=1280x720:rate=30"

# Trim at whole seconds: the copy's sampled frames fall on the original's
# (trim-middle-50); half a second later, between them (its -shifted form).
half=$((SECS / 2))
quarter=$((SECS / 4))
edit() { # EDIT SRC FFMPEG-ARGS...
  local e=$1 src=$2; shift 2
  mkdir -p "$T/edit/$e"
  ffmpeg -v error -y -i "$src" "$@" -pix_fmt yuv420p "$T/edit/$e/$(basename "$src")"
}
for f in "$T"/orig/*.mp4; do
  edit low-bitrate "$f" -c:v libx264 -preset veryfast -b:v 100k
  edit 360p "$f" -vf scale=-2:360 -c:v libx264 -preset veryfast
  edit fps-15 "$f" -vf fps=15 -c:v libx264 -preset veryfast
  edit trim-middle-50 "$f" -ss "$quarter" -t "$half" -c:v libx264 -preset veryfast
  edit trim-middle-50-shifted "$f" -ss "$quarter.5" -t "$half" -c:v libx264 -preset veryfast
  edit mirror "$f" -vf hflip -c:v libx264 -preset veryfast
  edit letterbox-9x16 "$f" -vf "scale=360:-2,pad=360:640:(ow-iw)/2:(oh-ih)/2:black" \
    -c:v libx264 -preset veryfast
done

"$HS" hash --format jsonl --dihedral "$T"/orig/*.mp4 > "$T/orig.jsonl"
for d in "$T"/edit/*/; do
  "$HS" hash --format jsonl --dihedral "$d"*.mp4 > "$d/hashes.jsonl"
done

# The product's path: originals listed as vPDQ videos, copies scanned.
mkdir -p "$T/vpdq"
"$HS" hash --format vpdq --out-dir "$T/vpdq" "$T"/orig/*.mp4
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list originals "$T"/vpdq/*.vpdq > /dev/null
for d in "$T"/edit/*/; do
  "$HS" scan -q --index "$T/idx" --out "$d/scan.jsonl" "$d" || true
  "$HS" scan -q --no-unletterbox --index "$T/idx" --out "$d/scan-plain.jsonl" "$d" || true
done

python3 - "$T" "$SECS" <<'PY'
import glob, json, os, statistics, sys

t, secs = sys.argv[1], sys.argv[2]
RADIUS, QUALITY, QUERY = 31, 50, 80.0

def load(path):
    out = {}
    for line in open(path):
        r = json.loads(line)
        frames = [f for f in r["frames"] if f["quality"] >= QUALITY]
        own = sorted({int(f["pdq"], 16) for f in frames})
        dih = {}
        for f in frames:
            h = int(f["pdq"], 16)
            dih.setdefault(h, {h}).update(int(v, 16) for v in f["dihedral"].values())
        out[os.path.basename(r["path"])] = (own, dih)
    return out

def near(a, b):
    return bin(a ^ b).count("1") <= RADIUS

def shares(q, c):
    qown, qdih = q
    cown, _ = c
    if not qown or not cown:
        return 0.0, 0.0
    qm = sum(1 for h in qown if any(near(v, x) for v in qdih[h] for x in cown))
    cm = sum(1 for x in cown if any(near(v, x) for h in qown for v in qdih[h]))
    return 100.0 * qm / len(qown), 100.0 * cm / len(cown)

origs = load(t + "/orig.jsonl")
print("## Video edits: vPDQ recall per edit (`bench/video_edits.sh`)\n")
print("%d generated originals, %s s at 30 fps, 1280x720 H.264; S = 1; a copy matches an "
      "original when >= %.0f%% of its unique frames (quality >= %d) are within %d bits of "
      "the original's frames, dihedral hashes included (vPDQ's rule, "
      "python-threatexchange's defaults).\n" % (len(origs), secs, QUERY, QUALITY, RADIUS))
gateless = sorted(n for n, (own, _) in origs.items() if not own)
if gateless:
    print("Originals with no frame at quality >= %d (never matchable: the listed side is "
          "empty): %s.\n" % (QUALITY, ", ".join(gateless)))
print("| edit | copies | recall | median query % | median compared % | false matches | "
      "missed (query %) |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for d in sorted(glob.glob(t + "/edit/*/")):
    edits = load(d + "hashes.jsonl")
    hits, qs, cs, false, missed = 0, [], [], 0, []
    for name, q in sorted(edits.items()):
        qp, cp = shares(q, origs[name])
        qs.append(qp)
        cs.append(cp)
        hits += qp >= QUERY
        if qp < QUERY:
            missed.append("%s %.0f" % (name.rsplit(".", 1)[0], qp))
        false += sum(1 for other, o in origs.items() if other != name and shares(q, o)[0] >= QUERY)
    print("| %s | %d | %d/%d (%.0f%%) | %.0f | %.0f | %d | %s |" % (
        os.path.basename(d.rstrip("/")), len(edits), hits, len(edits), 100.0 * hits / len(edits),
        statistics.median(qs), statistics.median(cs), false, ", ".join(missed) or "-"))

def scanned(path):
    """copy name -> set of (listed original name, variant) of its video records"""
    out = {}
    for line in open(path):
        r = json.loads(line)
        if r.get("kind") == "video":
            out.setdefault(os.path.basename(r["path"]), set()).add(
                ((r.get("label") or "").rsplit(".", 1)[0] + ".mp4", r["variant"]))
    return out

print("\nThrough `hashsweep scan` (index of the originals' `.vpdq`, radius 31, 80% of the "
      "copy's frames; `unletterbox` on by default):\n")
print("| edit | copies | recall, unletterbox on | of which variant unletterbox | "
      "recall, --no-unletterbox | false matches | missed, unletterbox on |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for d in sorted(glob.glob(t + "/edit/*/")):
    names = sorted(os.path.basename(p) for p in glob.glob(d + "*.mp4"))
    on, off = scanned(d + "scan.jsonl"), scanned(d + "scan-plain.jsonl")
    hit = [n for n in names if any(o == n for o, _ in on.get(n, ()))]
    via = [n for n in hit if not any(o == n and not v.startswith("unletterbox") for o, v in on[n])]
    plain = [n for n in names if any(o == n for o, _ in off.get(n, ()))]
    false = sum(1 for n in names for o, _ in on.get(n, ()) if o != n)
    k = len(names)
    miss = [n.rsplit(".", 1)[0] for n in names if n not in hit]
    print("| %s | %d | %d/%d (%.0f%%) | %d | %d/%d (%.0f%%) | %d | %s |" % (
        os.path.basename(d.rstrip("/")), k, len(hit), k, 100.0 * len(hit) / k, len(via),
        len(plain), k, 100.0 * len(plain) / k, false, ", ".join(miss) or "-"))
PY
