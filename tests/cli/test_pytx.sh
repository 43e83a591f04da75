#!/usr/bin/env bash
# The real python-threatexchange CLI (pytx 1.2.17 from PyPI, in a venv this
# test creates once under the build folder) writes its formats, and each one
# imports: `hash photo|video`, `hash --photo-preprocess rotations`, `dataset
# -P` (-S, --csv, -s pdq). Hash counts come from pytx's own output; signal
# types hashsweep does not match (url, raw_text, trend_query...) are passed
# over with a warning. Skipped, with the reason, when PyPI is unreachable.
# timeout: 900
. "$(dirname "$0")/lib.sh"
PYTX_VERSION=1.2.17
VENV=${HS_PYTX_VENV:-${HS_BINARY_DIR:-$T}/pytx-venv}
IMG=${HS_TESTDATA_DIR:-}/images/pdq_blue_transparent.png
[ -f "$IMG" ] || { echo "no test image ($IMG): skipped"; exit 77; }
pytx_venv "$VENV" "$PYTX_VERSION"
export HOME=$T/home # pytx keeps its state in ~/.threatexchange
mkdir -p "$HOME"
TX="$VENV/bin/threatexchange"
IDX=$T/idx
"$HS" index create "$IDX" > /dev/null

# import_counts NAME FILE: imports FILE into list NAME; checks that every
# pdq/md5/sha256 line pytx wrote was added and every other one passed over.
n=0
import_counts() {
  local name=$1 file=$2 ours theirs
  n=$((n + 1))
  ours=$(grep -cE '^((ORIGINAL|ROTATE[0-9]+|FLIP[A-Z0-9]+) )?(pdq|video_md5|video_sha256)[ ,]|^[0-9a-f]{64} ' "$file")
  theirs=$(grep -vcE '^((ORIGINAL|ROTATE[0-9]+|FLIP[A-Z0-9]+) )?(pdq|video_md5|video_sha256)[ ,]|^[0-9a-f]{64} |^signal_type,' "$file")
  "$HS" index import "$IDX" --list "l$n" "$file" > "$T/imp.out" 2> "$T/imp.err"
  expect_eq "$name: exit" "$?" 0
  expect_grep "$name: $ours hashes added" "^imported $ours rows: $ours added" "$T/imp.out"
  if [ "$theirs" -gt 0 ]; then
    expect_grep "$name: $theirs passed over" ", $theirs passed over" "$T/imp.out"
  fi
  [ "$ours" -gt 0 ] || fail "$name: pytx wrote no hash of ours"
}

"$TX" hash photo "$IMG" > "$T/photo.txt" 2> /dev/null
expect_eq "pytx hash photo: one pdq line" "$(grep -c '^pdq [0-9a-f]\{64\}$' "$T/photo.txt")" 1
import_counts "hash photo" "$T/photo.txt"
pdq=$(awk '{print $2}' "$T/photo.txt")
"$HS" index export "$IDX" --list l1 > "$T/l1.tsv"
expect_grep "hash photo: the hash stored is pytx's" "	$pdq	" "$T/l1.tsv"
"$TX" hash video "$IMG" > "$T/video.txt" 2> /dev/null
import_counts "hash video (video_md5, video_sha256)" "$T/video.txt"
"$TX" hash --photo-preprocess rotations photo "$IMG" > "$T/rot.txt" 2> /dev/null
expect_eq "pytx rotations: 8 lines" "$(wc -l < "$T/rot.txt")" 8
import_counts "hash --photo-preprocess rotations" "$T/rot.txt"
"$HS" index export "$IDX" --list l3 --format jsonl > "$T/l3.jsonl"
expect_grep "rotations: the rotation is kept" '"rotation":"ROTATE90"' "$T/l3.jsonl"
for args in "-P" "-P -S" "-P --csv" "-P -s pdq"; do
  # shellcheck disable=SC2086
  "$TX" dataset $args > "$T/dataset.out" 2> /dev/null
  import_counts "dataset $args" "$T/dataset.out"
done
# match reads them too: pytx's dataset against itself finds every hash.
"$TX" dataset -P -s pdq > "$T/pdq.txt" 2> /dev/null
"$HS" match --radius 0 "$T/pdq.txt" "$T/pdq.txt" > "$T/pairs" 2> "$T/match.err"
expect_eq "match on dataset -P -s pdq: exit" "$?" 0
expect_eq "match: each hash finds itself" "$(awk '$1 == $2' "$T/pairs" | wc -l)" "$(wc -l < "$T/pdq.txt")"
finish
