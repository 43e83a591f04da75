#!/usr/bin/env bash
# The real python-threatexchange CLI (pytx 1.2.17 from PyPI, in a venv this
# test creates once under the build folder) writes its formats, and each one
# imports: `hash photo|video`, `hash --photo-preprocess rotations`, `dataset
# -P` (-S, --csv, -s pdq). Hash counts come from pytx's own output; signal
# types hashsweep does not match (url, raw_text, trend_query...) are kept as
# inactive pass-through entries with a warning (and listed by `index lists`).
# Skipped, with the reason, when PyPI is unreachable.
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
    expect_grep "$name: $theirs passed through" ", $theirs passed through \(hash type not matched, kept inactive: [0-9]+ new" "$T/imp.out"
    # each one kept, listed as the list's pass-through entries
    local kept listed
    kept=$(sed -n 's/.*kept inactive: \([0-9]*\) new.*/\1/p' "$T/imp.out")
    listed=$("$HS" index lists "$IDX" | awk -F'\t' -v l="l$n" '$1 == l { print $14 }')
    expect_eq "$name: index lists shows the pass-through entries" "$listed" "$kept"
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
expect_eq "pytx rotations: ORIGINAL first" "$(head -1 "$T/rot.txt" | cut -d' ' -f1)" ORIGINAL
# The 8 lines are one image: ORIGINAL's entry, the other 7 its dihedral
# variants (issue 12), named as hashsweep names dihedrals.
n=$((n + 1))
"$HS" index import "$IDX" --list "l$n" "$T/rot.txt" > "$T/imp.out" 2> "$T/imp.err"
expect_eq "hash --photo-preprocess rotations: exit" "$?" 0
expect_grep "rotations: one entry, 7 variant slots" \
  "^imported 1 rows: 1 added, .*, 7 variant slots added" "$T/imp.out"
"$HS" index export "$IDX" --list l3 --format jsonl > "$T/l3.jsonl"
orig=$(awk '$1 == "ORIGINAL" {print $3}' "$T/rot.txt")
rot90=$(awk '$1 == "ROTATE90" {print $3}' "$T/rot.txt")
expect_eq "rotations: one exported row" "$(wc -l < "$T/l3.jsonl")" 1
expect_grep "rotations: the entry is ORIGINAL's hash" "\"hash\":\"$orig\"" "$T/l3.jsonl"
expect_grep "rotations: ROTATE90 is its variant rot90" "\"rot90\":\"$rot90\"" "$T/l3.jsonl"
# pytx's ROTATE90 is hashsweep's rot90 dihedral of the same image.
ours90=$("$HS" hash --dihedral --mode exact "$IMG" | cut -f4)
"$HS" match --radius 16 <(echo "$rot90") <(echo "$ours90") > "$T/rot90.pairs" 2> /dev/null
expect_eq "rotations: ROTATE90 within 16 bits of hashsweep's rot90" "$(wc -l < "$T/rot90.pairs")" 1
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
