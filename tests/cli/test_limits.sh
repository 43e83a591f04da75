#!/usr/bin/env bash
# Limits on untrusted input, each with its one-line error and the work
# around it going on: path length (arguments, manifest lines, directory
# walks), manifest line length and NUL bytes, hash-list line length, the
# import row limit (refused whole, nothing written), and the pixel and
# file-size limits in scans (their messages for `hash` are in
# test_hash_errors.sh). Long lines are streamed, never held: a 300 MB line
# is refused in 250 MB of address space.
# timeout: 300
. "$(dirname "$0")/lib.sh"
A="$T/a"
mkdir -p "$A"
"$TI" gen "$A/ok.jpg" --size 320x240 --seed 1
"$TI" gen "$A/big.png" --size 900x700 --seed 2
"$HS" index create "$T/idx" > /dev/null
"$HS" hash "$A/ok.jpg" "$A/big.png" | cut -f1 > "$T/list.txt"
"$HS" index import "$T/idx" --list l "$T/list.txt" > /dev/null
long=$(head -c 5000 /dev/zero | tr '\0' 'x')

# Path length: an argument, a manifest line, a directory below which the
# joined path would pass 4095 bytes.
"$HS" hash "$A/ok.jpg" "$A/$long.jpg" > "$T/h.tsv" 2> "$T/h.err"
expect_eq "long argument: exit 1" "$?" 1
expect_grep "long argument: error" "path longer than 4095 bytes" "$T/h.err"
expect_eq "long argument: the other hashed" "$(wc -l < "$T/h.tsv")" 1
{ echo "$A/ok.jpg"; echo "$A/$long.jpg"; printf '%s/big\0.png\n' "$A"; echo "$A/big.png"; } > "$T/m.txt"
"$HS" scan -q --index "$T/idx" --out "$T/m.jsonl" "@$T/m.txt"
expect_eq "manifest: exit 1" "$?" 1
expect_grep "manifest: long line" "\"path\":\"$T/m.txt:2\",\"error\":\"line longer than 4095 bytes \(not a path\)\"" "$T/m.jsonl"
expect_grep "manifest: NUL byte" "\"path\":\"$T/m.txt:3\",\"error\":\"line holds a NUL byte \(not a path\)\"" "$T/m.jsonl"
expect_eq "manifest: both images matched" "$(grep -c '"distance":0' "$T/m.jsonl")" 2
# A directory whose files' paths pass 4095 bytes (made component by component).
python3 - "$A/deep" "$A/ok.jpg" <<'PY'
import os, shutil, sys
root, img = sys.argv[1], sys.argv[2]
os.makedirs(root)
os.chdir(root)
depth = len(root)
while depth < 3900:
    os.mkdir("d" * 200); os.chdir("d" * 200); depth += 201
shutil.copy(img, "near.jpg")               # under 4095 bytes: scanned
shutil.copy(img, "f" * 250 + ".jpg")       # over: an error item
PY
"$HS" scan -q --index "$T/idx" --out "$T/d.jsonl" "$A/deep"
expect_eq "deep tree: exit 1" "$?" 1
expect_grep "deep tree: error item" "path too long \(over 4095 bytes\) below this directory" "$T/d.jsonl"
expect_eq "deep tree: the file within the limit matched" "$(grep -c '"distance":0' "$T/d.jsonl")" 1

# A 300 MB line without a newline on standard input, in 250 MB of address
# space: refused after 4 KiB / 64 KiB / 1 MiB, never held whole (getline
# would need 512 MB). A small index map and the CPU engine: LMDB reserves
# 64 GiB of address space by default, an OpenCL driver hundreds of MB.
huge() { head -c 300000000 /dev/zero | tr '\0' a; }
# (Sanitizer builds reserve terabytes of shadow memory: no limit there.)
# The binary maps about 230 MB before reading anything (shared libraries,
# FFmpeg's codec libraries among them); 350 MB leaves room for the index map
# and the threads but not for the 300 MB line.
limit_as() { [ -n "${HS_SANITIZE:-}" ] || ulimit -v 350000; }
export HS_INDEX_MAPSIZE=16777216
huge | ( limit_as; "$HS" scan -q --device cpu --index "$T/idx" --out "$T/u.jsonl" - )
expect_eq "huge manifest line: exit 1" "$?" 1
expect_grep "huge manifest line: error item" "\"path\":\"\(stdin\):1\",\"error\":\"line longer than 4095 bytes" "$T/u.jsonl"
huge | ( limit_as; "$HS" match --device cpu - "$T/list.txt" ) > /dev/null 2> "$T/u.err"
expect_eq "huge hash-list line: exit 2" "$?" 2
expect_grep "huge hash-list line: error" "<stdin>:1: record longer than 1048576 bytes" "$T/u.err"
huge | ( limit_as; "$HS" index import "$T/idx" --list l --skip-bad - "$T/list.txt" ) \
  > "$T/i.out" 2> "$T/i.err"
expect_eq "huge import line: exit 1 (skipped)" "$?" 1
expect_grep "huge import line: reported" "<stdin>:1: record longer than 1048576 bytes" "$T/i.err"
unset HS_INDEX_MAPSIZE

# The import row limit: refused whole, nothing written.
for i in $(seq 1 11); do printf '%064x\n' "$i"; done > "$T/eleven.txt"
before=$("$HS" index stats "$T/idx" | grep '^version')
"$HS" index import "$T/idx" --list l --max-rows 10 "$T/eleven.txt" > "$T/r.out" 2> "$T/r.err"
expect_eq "row limit: exit 2" "$?" 2
expect_grep "row limit: error" "eleven.txt:11: more than 10 rows; nothing imported" "$T/r.err"
expect_eq "row limit: nothing written" "$("$HS" index stats "$T/idx" | grep '^version')" "$before"
"$HS" index import "$T/idx" --list l --max-rows 11 "$T/eleven.txt" > /dev/null
expect_eq "row limit: 11 rows fit a limit of 11" "$?" 0

# Pixel and file-size limits in a scan: error records, the scan goes on.
"$HS" scan -q --max-pixels 100k --index "$T/idx" --out "$T/p.jsonl" "$A/ok.jpg" "$A/big.png"
expect_eq "pixel limit: exit 1" "$?" 1
expect_grep "pixel limit: record" "\"path\":\"$A/big.png\",\"error\":\"image is 900x700 .*above the pixel limit of 0.1 megapixels" "$T/p.jsonl"
size=$(stat -c %s "$A/big.png")
"$HS" scan -q --max-file-size "$((size - 1))" --index "$T/idx" --out "$T/s.jsonl" "$A/ok.jpg" "$A/big.png"
expect_eq "file size limit: exit 1" "$?" 1
expect_grep "file size limit: record" "\"path\":\"$A/big.png\",\"error\":\"file is $size bytes, above the limit of $((size - 1)) bytes" "$T/s.jsonl"
expect_eq "limits: ok.jpg matched both times" "$(cat "$T/p.jsonl" "$T/s.jsonl" | grep -c '"distance":0')" 2
"$HS" scan --read-timeout soon --index "$T/idx" "$A" 2> /dev/null
expect_eq "bad --read-timeout: exit 2" "$?" 2
finish
