#!/usr/bin/env bash
# Outputs cannot be forged and a run never eats its own files (issue 17):
# file names and labels with tabs, newlines and terminal escapes stay inside
# their TSV/CSV cell and reach stderr escaped; CSV cells a spreadsheet would
# read as formulas are quoted with a leading apostrophe; an output that
# cannot be written is named and nothing unwritten is claimed; a killed
# `hash` leaves whole lines; --out and --store inside the scanned tree are
# skipped, an input given as --out is refused untouched; --out is 0600.
# timeout: 300
. "$(dirname "$0")/lib.sh"

A="$T/archive"
mkdir -p "$A"
"$TI" gen-many "$A" 6 --size 320x240 --seed 41
"$HS" index create "$T/idx" > /dev/null
h0=$("$HS" hash "$A/img00000.jpg" | cut -f1)
printf 'hash,label\n%s,=HYPERLINK("http://x")\n' "$h0" > "$T/list.csv"
"$HS" index import "$T/idx" --list '@victims' "$T/list.csv" > /dev/null

# ---- hash TSV: a name with a newline and a tab forges no row ----------------
forged=ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff
evil="$T/evil"$'\n'"$forged"$'\t'"100"$'\t'"x.jpg"
cp "$A/img00001.jpg" "$evil"
"$HS" hash "$evil" > "$T/evil.tsv"
expect_eq "hash tsv: one row for one file" "$(wc -l < "$T/evil.tsv")" 1
expect_eq "hash tsv: three columns" "$(awk -F'\t' '{print NF}' "$T/evil.tsv")" 3
expect_eq "hash tsv: name escaped" "$(cut -f3 "$T/evil.tsv")" "$T/evil\\n$forged\\t100\\tx.jpg"
"$HS" index create "$T/idx2" > /dev/null
"$HS" index import "$T/idx2" --list h "$T/evil.tsv" > /dev/null 2>&1
"$HS" index export "$T/idx2" --format jsonl > "$T/idx2.jsonl"
expect_eq "import of hash output: one entry" "$(wc -l < "$T/idx2.jsonl")" 1
expect_eq "import of hash output: no forged hash" "$(grep -c "\"hash\":\"$forged\"" "$T/idx2.jsonl")" 0
printf 'a\\b.jpg\n' > "$T/bs.txt"
cp "$A/img00002.jpg" "$T/$(cat "$T/bs.txt")"
"$HS" hash "$T/$(cat "$T/bs.txt")" > "$T/bs.tsv"
expect_eq "hash tsv: backslash doubled" "$(cut -f3 "$T/bs.tsv")" "$T/a\\\\b.jpg"

# index log TSV: a list file name and a note with line breaks stay in their cell.
"$HS" index import "$T/idx2" --list h --note $'two\nlines\tx' "$T/evil.tsv" > /dev/null 2>&1
"$HS" index log "$T/idx2" > "$T/log.tsv"
expect_eq "index log tsv: header and one line per record" "$(wc -l < "$T/log.tsv")" "$(( $("$HS" index log "$T/idx2" --format jsonl | wc -l) + 1 ))"
expect_grep "index log tsv: note escaped" $'\tnote=two\\\\nlines\\\\tx\t' "$T/log.tsv"

# ---- CSV: formula cells and control bytes -------------------------------------
cp "$A/img00000.jpg" "$T/+cmd.jpg"
cp "$A/img00000.jpg" "$T/tab"$'\t'"name.jpg"
(cd "$T" && printf '%s\n' '+cmd.jpg' "tab"$'\t'"name.jpg" |
  "$HS" scan -q --index "$T/idx" --format csv -) > "$T/f.csv"
expect_eq "csv: header and two rows" "$(wc -l < "$T/f.csv")" 3
expect_grep "csv: formula path quoted with an apostrophe" "^match,\"'\+cmd\.jpg\"," "$T/f.csv"
expect_grep "csv: list starting with @ protected" ",\"'@victims\"," "$T/f.csv"
expect_grep "csv: label starting with = protected" ",\"'=HYPERLINK\(\"\"http://x\"\"\)\"," "$T/f.csv"
expect_grep "csv: tab in a name escaped" '^match,tab\\tname\.jpg,' "$T/f.csv"
expect_eq "csv: no raw tab" "$(grep -c $'\t' "$T/f.csv")" 0

# ---- stderr: control bytes in names are escaped --------------------------------
esc="$T/bad"$'\033'"]0;pwned"$'\007'".jpg"
"$HS" hash "$esc" 2> "$T/esc.err" > /dev/null
expect_eq "hash: stderr holds no ESC or BEL" "$(tr -dc '\033\007' < "$T/esc.err" | wc -c)" 0
expect_grep "hash: stderr shows the escapes" 'bad\\x1b\]0;pwned\\x07\.jpg: no such file' "$T/esc.err"
badlist="$T/list"$'\033'"[2J.txt"
printf 'not a hash\n' > "$badlist"
"$HS" index import "$T/idx" --list other "$badlist" > /dev/null 2> "$T/imp.err"
expect_eq "index import: stderr holds no ESC" "$(tr -dc '\033' < "$T/imp.err" | wc -c)" 0
expect_grep "index import: list name escaped" 'list\\x1b\[2J\.txt:1' "$T/imp.err"

# ---- an output that cannot be written ------------------------------------------
"$HS" scan --index "$T/idx" --out /dev/full "$A" > /dev/null 2> "$T/full.err"
expect_eq "/dev/full: exit code 3 (I/O error)" "$?" 3
expect_grep "/dev/full: the output is named" "output /dev/full: write failed: No space left" "$T/full.err"
expect_eq "/dev/full: not called stdout" "$(grep -c 'stdout' "$T/full.err")" 0
expect_eq "/dev/full: no match claimed" "$(grep -cE '[1-9][0-9]* match' "$T/full.err")" 0

# ---- a killed hash leaves whole lines ------------------------------------------
for i in $(seq 400); do printf '%s\n' "$A"/img*.jpg; done > "$T/many.txt"
torn=0
for round in 1 2 3; do
  out="$T/killed$round.jsonl"
  "$HS" hash --format jsonl --jobs 1 - < "$T/many.txt" > "$out" &
  pid=$!
  for _ in $(seq 400); do [ -s "$out" ] && break; sleep 0.01; done
  sleep 0.2
  kill -9 "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
  [ -s "$out" ] && [ "$(tail -c 1 "$out" | od -An -c | tr -d ' ')" != '\n' ] && torn=$((torn + 1))
done
expect_eq "killed hash: no torn last line in 3 kills" "$torn" 0

# ---- the run's own files are not inputs -------------------------------------------
B="$T/tree"
mkdir -p "$B"
cp "$A"/img0000[0-2].jpg "$B/"
for run in 1 2; do
  "$HS" scan -q --index "$T/idx" --out "$B/matches.jsonl" "$B"
  expect_eq "--out inside the tree, run $run: exit 0" "$?" 0
done
expect_eq "--out inside the tree: not a record" "$(grep -c 'matches.jsonl' "$B/matches.jsonl")" 0
expect_eq "--out inside the tree: one match" "$(wc -l < "$B/matches.jsonl")" 1
rm "$B/matches.jsonl"
"$HS" scan -q --index "$T/idx" "$B" > "$B/stdout.jsonl"
expect_eq "stdout redirected into the tree: exit 0" "$?" 0
expect_eq "stdout redirected into the tree: one match" "$(wc -l < "$B/stdout.jsonl")" 1
rm "$B/stdout.jsonl"
"$HS" scan -q --index "$T/idx" --store "$B" --out "$T/s.jsonl" "$B"
expect_eq "--store is the scanned directory: exit 0" "$?" 0
expect_eq "--store is the scanned directory: its files not scanned" "$(grep -c '\.mdb' "$T/s.jsonl")" 0
rm -f "$B/data.mdb" "$B/lock.mdb"
sum=$(md5sum < "$B/img00001.jpg")
"$HS" scan -q --index "$T/idx" --out "$B/img00001.jpg" "$B" 2> "$T/img.err"
expect_eq "--out on an image in the tree: exit 2" "$?" 2
expect_eq "--out on an image in the tree: image intact" "$(md5sum < "$B/img00001.jpg")" "$sum"
expect_grep "--out on an image: one-line reason" "img00001.jpg: exists and is not a hashsweep output" "$T/img.err"
cp "$A/img00003.jpg" "$T/single.jpg"
sum=$(md5sum < "$T/single.jpg")
"$HS" scan -q --index "$T/idx" --out "$T/single.jpg" "$T/single.jpg" 2> "$T/src.err"
expect_eq "--out is a SOURCE: exit 2" "$?" 2
expect_eq "--out is a SOURCE: intact" "$(md5sum < "$T/single.jpg")" "$sum"
printf '%s\n' "$B/img00000.jpg" > "$T/manifest.txt"
"$HS" scan -q --index "$T/idx" --out "$T/manifest.txt" "@$T/manifest.txt" 2> "$T/man.err"
expect_eq "--out is the manifest: exit 2" "$?" 2
expect_eq "--out is the manifest: intact" "$(cat "$T/manifest.txt")" "$B/img00000.jpg"
expect_grep "--out is the manifest: reason" "is also the manifest" "$T/man.err"

# ---- an existing --out becomes owner-only ---------------------------------------
(umask 000; : > "$T/wide.jsonl")
chmod 666 "$T/wide.jsonl"
"$HS" scan -q --index "$T/idx" --out "$T/wide.jsonl" "$B"
expect_eq "existing 0666 --out: mode 0600 after the run" "$(stat -c %a "$T/wide.jsonl")" 600
finish
