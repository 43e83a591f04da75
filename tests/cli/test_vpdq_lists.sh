#!/usr/bin/env bash
# Video entries (vPDQ) in the index through the CLI: a .vpdq file, a folder
# of them, pytx's JSON array (a file, "vpdq [...]" lines, an HMA export)
# import one entry per video, labelled by file name; `index lists` counts
# them; export -> import -> export is identical in tsv, csv, jsonl, hma and
# the per-video folder; malformed lines are FILE:LINE: cause; withdrawal by
# id and by file; `index match-video` finds them and stops when withdrawn.
# timeout: 300
. "$(dirname "$0")/lib.sh"
h() { printf 'frame %s' "$1" | sha256sum | cut -c1-64; } # a PDQ hex (random bits) from a number
{ for i in 0 1 2 3 4; do printf '%d,%d,%s,%d.000\n' $((i * 25)) $((100 - 30 * (i == 2))) "$(h $((i + 1)))" $i; done; } > "$T/clip.vpdq"
mkdir "$T/dir"
for v in a b; do
  { for i in 0 1 2; do printf '%d,90,%s,%d.500\n' $i "$(h $((i + 100 + ${#v} * 7 + $(printf '%d' "'$v"))))" $i; done; } > "$T/dir/$v.vpdq"
done
printf '["%s,100,0.0", "%s,100,1.0", "%s,80,1.23e+02"]' "$(h 200)" "$(h 201)" "$(h 202)" > "$T/sig.json"
printf 'vpdq ["%s,70,0.0", "%s,70,0.5"]\n' "$(h 300)" "$(h 301)" > "$T/pytx.txt"
IDX=$T/idx
"$HS" index create "$IDX" > /dev/null
"$HS" index import "$IDX" --list v "$T/clip.vpdq" "$T/dir" "$T/sig.json" "$T/pytx.txt" > "$T/imp.out" 2>&1
expect_eq "import exit" "$?" 0
expect_grep "five video entries" "^imported 5 rows: 5 added" "$T/imp.out"
"$HS" index lists "$IDX" > "$T/lists.tsv"
expect_eq "lists: a vpdq column" "$(awk -F'\t' 'NR == 1 { print $11 } NR == 2 { print $11 }' "$T/lists.tsv" | paste -sd' ')" "vpdq 5"
"$HS" index export "$IDX" --list v --format jsonl > "$T/v.jsonl"
expect_eq "labels are the file names" "$(grep -o '"label":"[^"]*"' "$T/v.jsonl" | paste -sd' ')" \
  '"label":"clip.vpdq" "label":"a.vpdq" "label":"b.vpdq" "label":"sig.json"'
expect_grep "a .vpdq entry exports its frames with frame numbers" \
  "\"hash\":\\[\"0,100,$(h 1),0.000\",\"25,100,$(h 2),1.000\",\"50,70," "$T/v.jsonl"
expect_grep "pytx's timestamps as pytx writes them" "\"$(h 202),80,1.23e\\+02\"\\]" "$T/v.jsonl"
for f in tsv csv jsonl hma; do
  "$HS" index export "$IDX" --list v --format $f > "$T/e.$f"
  rm -rf "$T/i2"
  "$HS" index create "$T/i2" > /dev/null
  "$HS" index import "$T/i2" --list v "$T/e.$f" > /dev/null 2>&1 || fail "$f: import"
  "$HS" index export "$T/i2" --list v --format $f > "$T/r.$f"
  if [ $f = hma ]; then cmp -s "$T/e.$f" "$T/r.$f" && pass "$f: export -> import -> export identical" || fail "$f differs"
  else # `added` is the time of the import where the source gave none
    diff <(sed 's/20[0-9T:-]*Z//' "$T/e.$f") <(sed 's/20[0-9T:-]*Z//' "$T/r.$f") > /dev/null \
      && pass "$f: export -> import -> export identical" || fail "$f differs"
  fi
done
"$HS" index export "$IDX" --list v --format vpdq -o "$T/out" 2> "$T/exp.err"
expect_eq "one file per video" "$(ls "$T/out" | paste -sd' ')" "$(( 1024 + 4 )).json a.vpdq b.vpdq clip.vpdq sig.json"
cmp -s "$T/out/clip.vpdq" "$T/clip.vpdq" && pass "clip.vpdq written back byte for byte" || fail "clip.vpdq differs"
rm -rf "$T/i3" && "$HS" index create "$T/i3" > /dev/null
"$HS" index import "$T/i3" --list v "$T/out" > /dev/null
"$HS" index export "$T/i3" --list v --format vpdq -o "$T/out2" 2> /dev/null
diff -r "$T/out" "$T/out2" > /dev/null && pass "folder: export -> import -> export identical" || fail "folder differs"
"$HS" index export "$IDX" --list v --format vpdq -o "$T/out" 2> "$T/again.err"
expect_eq "an existing file is not overwritten: exit" "$?" 2
expect_grep "... and named" "out/clip.vpdq: File exists \(not overwritten\)" "$T/again.err"

# Malformed lines: FILE:LINE: cause, nothing imported.
{ printf '0,100,%s,0.000\n' "$(h 9)"; printf '1,101,%s,1.000\n' "$(h 9)"; printf '2,100,%s,x\n' "$(h 9)"
  printf '0,100,%s,3.000\n' "$(h 8)"; printf '4,100,%s\n' "$(h 9)"; } > "$T/bad.vpdq"
"$HS" index import "$IDX" --list v "$T/bad.vpdq" > /dev/null 2> "$T/bad.err"
expect_eq "bad .vpdq: exit" "$?" 2
expect_grep "quality" "bad.vpdq:2: quality is not an integer 0..100" "$T/bad.err"
expect_grep "timestamp" "bad.vpdq:3: timestamp is not a non-negative number" "$T/bad.err"
expect_grep "frame order" "bad.vpdq:4: frame 0 does not follow frame 0" "$T/bad.err"
expect_grep "fields" "bad.vpdq:5: a vPDQ line is frame,quality,pdq,timestamp" "$T/bad.err"
printf '["%s,100,0.0", "%s,100"]' "$(h 1)" "$(h 2)" > "$T/bad.json"
"$HS" index import "$IDX" --list v "$T/bad.json" > /dev/null 2> "$T/badj.err"
expect_grep "pytx array: the item is named" "bad.json:1: \[1\]: a vPDQ frame is" "$T/badj.err"
printf 'vpdq %s\n' "$(h 1)" > "$T/id.txt"
"$HS" index import "$IDX" --list v "$T/id.txt" > /dev/null 2> "$T/id.err"
expect_grep "a content id alone is refused" "id.txt:1: a vpdq entry is imported from its frames" "$T/id.err"
"$HS" match "$T/clip.vpdq" "$T/clip.vpdq" > /dev/null 2> "$T/match.err"
expect_grep "hashsweep match refuses a vPDQ list" "clip.vpdq:1: a video's vPDQ frame list" "$T/match.err"

# Matching, withdrawal.
"$HS" index match-video "$IDX" "$T/clip.vpdq" > "$T/m.jsonl"
expect_grep "match-video finds the entry" '"kind":"video","entry":1024,"list":"v","label":"clip.vpdq","distance":0,"variant":"orig","query_percent":100,"compared_percent":100,"frames_hashed":5,"segments":\[\[0,4\]\]' "$T/m.jsonl"
"$HS" index withdraw "$IDX" --id 1024 --reason test > /dev/null
"$HS" index withdraw "$IDX" --file "$T/sig.json" --reason test > "$T/w.out"
expect_grep "withdraw by file" "^withdrew 1 entries" "$T/w.out"
"$HS" index match-video "$IDX" "$T/clip.vpdq" "$T/sig.json" > "$T/m2.jsonl"
expect_eq "withdrawn entries no longer match" "$(wc -l < "$T/m2.jsonl")" 0
"$HS" index verify "$IDX" > "$T/verify.out"
expect_eq "verify: ok" "$?" 0
# match-video describes its own options (not the whole index help).
"$HS" index match-video --help > "$T/mvhelp"
expect_eq "index match-video --help exit code" "$?" 0
expect_grep "index match-video --help is its own" "^usage: hashsweep index match-video" "$T/mvhelp"
expect_grep "index match-video --help lists its options" "--video-query-percent" "$T/mvhelp"
finish
