#!/usr/bin/env bash
# bench/unletterbox.sh - the accuracy audit of edited copies with the
# query-side border strip (issue 18): `hashsweep eval` on the corpus photos
# (../shared/corpus/README.md) with every default edit, against a distractor
# set of more than 2,000 unrelated images, written to
# bench/results/eval-unletterbox/.
#
#   bench/unletterbox.sh [--build DIR] [--quick] [--speed-only]
#
# Then scan files/s on the corpus with the strip on and off (--no-unletterbox),
# RUNS pairs (default 7) in one session, alternating, median and spread, and
# the share of corpus photos where the strip fires, into REPORT/speed.md
# (--speed-only: just that; HASH_ON=device: PDQ on OpenCL device 0).
#
# Distractors (bench/out/distractors/, made once and reused):
#   syn/   2,000 synthetic photo-like images (hs-testimg gen-many, 320x240)
#   synb/  300 more with added borders (200 letterboxed, 100 white-framed):
#          unrelated images that the strip does fire on
#   deb/   every image of the corpus packages that is not a corpus photo or
#          a resized copy of one (one per wallpaper folder), plus the images
#          of python3-skimage and opencv-doc (unpacked, not installed)
# --quick: 200 synthetic distractors, the border edits only, into bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build
QUICK=0
SPEED_ONLY=0
REPORT=bench/results/eval-unletterbox
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD="$2"; shift ;;
    --quick) QUICK=1; REPORT=bench/out/eval-unletterbox-quick ;;
    --speed-only) SPEED_ONLY=1 ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "bench/unletterbox.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
OUT=bench/out
PKGS=(lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds plasma-workspace-wallpapers)
tools/install-deps.sh "${PKGS[@]}"

[ -f "$BUILD/CMakeCache.txt" ] ||
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHS_WERROR=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target hashsweep_cli hs-testimg >/dev/null
HS="$BUILD/hashsweep"
IMG="$BUILD/tests/hs-testimg"

# The originals: the corpus photos, linked.
python3 - "$OUT/corpus" <<'PY'
import csv, os, re, sys
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
tsv = os.path.join("..", "shared", "corpus", "expected_pdq_corpus.tsv")
for r in csv.DictReader(open(tsv), delimiter="\t"):
    p = r["path_in_package"]
    if not r["pdq_noresize"] or not os.path.exists(p):
        continue
    name = re.sub(r"/", "_", p.replace("/usr/share/", "").replace("/contents/images", ""))
    if not os.path.lexists(os.path.join(d, name)):
        os.symlink(p, os.path.join(d, name))
PY

ARGS=(--originals "$OUT/corpus" --distractors "$OUT/distractors" --report "$REPORT" --device cpu -q)
# Scan files/s on the corpus with the strip on and off, in one run:
# RUNS pairs, the order inside a pair alternating (on off, off on, ...) so a
# load that drifts during the run weighs on both alike; median and spread
# of each, and the ratio of the medians. Then the share of corpus photos
# where the strip fires (eval's `stripped` count of the originals).
# HASH_ON=device: PDQ (the content region's too) on OpenCL device 0.
speed() {
  local idx="$OUT/unletterbox-idx" runs="${RUNS:-7}" dev=()
  [ "${HASH_ON:-cpu}" = device ] && dev=(--device 0 --hash-on device)
  rm -rf "$idx"
  "$HS" index create "$idx" > /dev/null
  python3 - "$OUT/corpus-pdq.csv" <<'PY'
import csv, sys
rows = csv.DictReader(open("../shared/corpus/expected_pdq_corpus.tsv"), delimiter="\t")
with open(sys.argv[1], "w") as f:
    f.write("hash,label\n")
    for r in rows:
        if r["pdq_noresize"]:
            f.write(f"{r['pdq_noresize']},{r['path_in_package'].split('/')[-1]}\n")
PY
  "$HS" index import "$idx" --list corpus "$OUT/corpus-pdq.csv" > /dev/null
  "$HS" scan -q "${dev[@]}" --index "$idx" --out /dev/null "$OUT/corpus" || true # warm the page cache
  local load_before TIMEFORMAT='%U %S'
  load_before=$(uptime | sed 's/.*load average: //')
  : > "$OUT/speed.tsv"
  for r in $(seq "$runs"); do
    order="on off"
    [ $((r % 2)) = 0 ] && order="off on"
    for mode in $order; do
      flag=()
      [ "$mode" = off ] && flag=(--no-unletterbox)
      # CPU seconds (user + system) of the scan too: less at the mercy of
      # other jobs on the machine than the wall clock is.
      { time "$HS" scan "${flag[@]}" "${dev[@]}" --index "$idx" --out /dev/null "$OUT/corpus" \
        2> "$OUT/speed.err" || true; } 2> "$OUT/speed.time"
      rate=$(grep -oE '[0-9.]+ files/s' "$OUT/speed.err" | tail -1 | cut -d' ' -f1)
      printf '%s\t%s\t%s\n' "$mode" "$rate" "$(cat "$OUT/speed.time")" >> "$OUT/speed.tsv"
    done
  done
  # The originals alone, unedited: where does the strip fire on photos?
  "$HS" eval --originals "$OUT/corpus" --edits identity --no-video --report "$OUT/fires" --device cpu -q \
    > /dev/null || true
  python3 - "$OUT/speed.tsv" "$REPORT/speed.md" "$load_before" "$(uptime)" \
    "$OUT/fires/report.json" "$(nproc)" "${HASH_ON:-cpu}" <<'PY'
import json, statistics, sys
tsv, out, load_before, after, fires, ncpu, hash_on = sys.argv[1:8]
rates, cpu = {"on": [], "off": []}, {"on": [], "off": []}
for line in open(tsv):
    mode, rate, user, system = line.split()
    rates[mode].append(float(rate))
    cpu[mode].append(float(user) + float(system))
med = {m: statistics.median(v) for m, v in rates.items()}
cmed = {m: statistics.median(v) for m, v in cpu.items()}
rep = json.load(open(fires))
stripped, n = rep["pairs"]["stripped"]["originals"], rep["originals"]
with open(out, "w") as f:
    f.write("# Scan files/s on the corpus, unletterbox on and off\n\n")
    f.write(f"`hashsweep scan` of the corpus photos against their reference hashes, PDQ on "
            f"{'OpenCL device 0' if hash_on == 'device' else 'the CPU workers'}, {ncpu} cores; "
            f"{len(rates['on'])} pairs of runs in one session, the order alternating inside "
            f"each pair (load average before: {load_before}; after: "
            f"{after.split('load average:')[-1].strip()}).\n\n")
    f.write("| unletterbox | files/s median | min | max | spread (max-min)/median | runs |\n"
            "| --- | --- | --- | --- | --- | --- |\n")
    for mode, name in (("on", "on (default)"), ("off", "off (--no-unletterbox)")):
        v = rates[mode]
        runs = " ".join(f"{x:.2f}" for x in v)
        f.write(f"| {name} | {med[mode]:.2f} | {min(v):.2f} | {max(v):.2f} | "
                f"{(max(v) - min(v)) / med[mode]:.0%} | {runs} |\n")
    ratios = [a / b for a, b in zip(rates["on"], rates["off"])]
    f.write(f"\nOn / off, ratio of the medians: {med['on'] / med['off']:.3f}; per pair: "
            f"median {statistics.median(ratios):.3f}, from {min(ratios):.3f} to "
            f"{max(ratios):.3f}.\n\n")
    f.write("| unletterbox | CPU s per scan (user+sys) median | min | max |\n"
            "| --- | --- | --- | --- |\n")
    for mode, name in (("on", "on (default)"), ("off", "off (--no-unletterbox)")):
        v = cpu[mode]
        f.write(f"| {name} | {cmed[mode]:.2f} | {min(v):.2f} | {max(v):.2f} |\n")
    f.write(f"\nCPU time on / off, ratio of the medians: {cmed['on'] / cmed['off']:.3f}.\n\n")
    f.write(f"The strip fires on {stripped} of the {n} corpus photos (unedited; "
            f"`hashsweep eval --edits identity`, pairs.stripped).\n")
print(open(out).read())
PY
}
if [ "$SPEED_ONLY" = 1 ]; then
  speed
  exit 0
fi

D="$OUT/distractors"
mkdir -p "$D/syn" "$D/synb" "$D/deb" "$OUT/debs"
NSYN=2000
[ "$QUICK" = 1 ] && NSYN=200
[ "$(ls "$D/syn" | wc -l)" -ge "$NSYN" ] || "$IMG" gen-many "$D/syn" "$NSYN" --size 320x240 --seed 5000
if [ "$(ls "$D/synb" | wc -l)" -lt 300 ] && [ "$QUICK" = 0 ]; then
  tmp=$(mktemp -d)
  "$IMG" gen-many "$tmp" 300 --size 300x300 --seed 90000
  i=0
  for f in "$tmp"/*.jpg; do
    op=pad:12
    [ $i -ge 200 ] && op=frame:6
    "$IMG" edit "$f" "$D/synb/${op%%:*}_$(basename "$f")" "$op"
    i=$((i + 1))
  done
  rm -rf "$tmp"
fi
# Unpacked, not installed: python3-skimage would pull in scipy and more.
for p in python3-skimage opencv-doc; do
  ls "$OUT/debs/$p"_*.deb >/dev/null 2>&1 || (cd "$OUT/debs" && apt-get download "$p")
done
[ -d "$OUT/debs/x" ] || for f in "$OUT"/debs/*.deb; do dpkg-deb -x "$f" "$OUT/debs/x"; done
python3 - "$D/deb" "$OUT/debs/x" <<'PY'
import csv, os, re, sys
dst, x = sys.argv[1], os.path.realpath(sys.argv[2])
rows = list(csv.DictReader(open(os.path.join("..", "shared", "corpus", "expected_pdq_corpus.tsv")),
                           delimiter="\t"))
corpus = {os.path.realpath(r["path_in_package"]) for r in rows}
# A wallpaper folder holds one picture at many sizes: the corpus photo's
# folders are left out, and one file is kept of every other.
corpus_folders = {p.split("/")[4] for p in (r["path_in_package"] for r in rows)
                  if p.startswith("/usr/share/wallpapers/")}
roots = ["/usr/share/backgrounds", "/usr/share/wallpapers",
         x + "/usr/lib/python3/dist-packages/skimage/data",
         x + "/usr/share/doc/opencv-doc/examples/data"]
seen, folders = set(), set()
for root in roots:
    for dp, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if not re.search(r"\.(jpe?g|png|webp|tiff?|bmp|gif)$", f, re.I):
                continue
            full = os.path.join(dp, f)
            real = os.path.realpath(full)
            if real in corpus or real in seen:
                continue
            if full.startswith("/usr/share/wallpapers/"):
                folder = full.split("/")[4]
                if folder in corpus_folders or folder in folders:
                    continue
                folders.add(folder)
            seen.add(real)
            name = re.sub(r"[^A-Za-z0-9._-]", "_", real.replace(x, "").replace("/usr/share/", "")
                          .replace("/usr/lib/python3/dist-packages/", ""))
            if not os.path.lexists(os.path.join(dst, name)):
                os.symlink(real, os.path.join(dst, name))
PY

[ "$QUICK" = 1 ] &&
  ARGS+=(--limit 200 --edits pad_10,pad_20,pad_square_white,letterbox_9x16,frame_colour,bars_screenshot)
# Exit code 1: some distractors are not images (a truncated JPEG, a
# multi-page TIFF): listed in the report, not a failure of the run.
"$HS" eval "${ARGS[@]}" || [ $? -eq 1 ]
speed
echo "bench/unletterbox.sh: wrote ${REPORT} (see report.md and speed.md)"
