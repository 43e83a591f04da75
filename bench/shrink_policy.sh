#!/usr/bin/env bash
# Measures how far JPEG shrink-on-load moves PDQ, to choose FAST mode's
# policy (engine/image/fast_policy.h): the corpus photos at full size, and
# downscaled (vips thumbnail) to a shorter side of 1024..2000 px and
# re-encoded at JPEG quality 75 and 90.
#   bench/shrink_policy.sh [BUILD_DIR]     (needs the corpus packages, see
#                                           ../shared/corpus/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
TSV=${HS_CORPUS_TSV:-../shared/corpus/expected_pdq_corpus.tsv}
command -v vips >/dev/null || apt-get install -y -qq --no-install-recommends libvips-tools >/dev/null
cmake --build "$BUILD" --target bench_shrink >/dev/null
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
awk -F'\t' 'NR>1 && $8!="" {print $2}' "$TSV" > "$OUT/corpus.list"
echo "| set | files | 1/2 median | 1/2 p90 | 1/2 max | 1/4 max | 1/8 max | FAST policy max |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
row() { # name files...
  local name=$1; shift
  "$BUILD/bench/bench_shrink" "$@" 2>/dev/null > "$OUT/r.tsv"
  awk -F'\t' -v name="$name" '
    /^# shrink 1\/2/ {m=$2; p=$3; x2=$4} /^# shrink 1\/4/ {x4=$4} /^# shrink 1\/8/ {x8=$4}
    /^# fast policy/ {f=$4} /^# [0-9]+ files/ {split($0, a, " "); n=a[2]}
    END {printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, n, m, p, x2, x4, x8, f}' "$OUT/r.tsv"
}
row "corpus, full size" $(cat "$OUT/corpus.list")
for q in 90 75; do
  for s in 1024 1200 1300 1400 1500 1600 2000; do
    d="$OUT/s${s}q$q"; mkdir -p "$d"
    while read -r f; do
      b=$(echo "$f" | tr / _)
      vips thumbnail "$f" "$d/$b[Q=$q]" 100000 --height "$s" --size down 2>/dev/null
    done < "$OUT/corpus.list"
    row "shorter side $s, Q$q" "$d"/*.jpg
  done
done
