#!/usr/bin/env bash
# hashsweep hash on bad input: each bad file gives a one-line error naming
# the file and the cause, the good files around it are still hashed, and
# the exit code is 1. Every bad file is real and made here.
# timeout: 120
. "$(dirname "$0")/lib.sh"

"$TI" gen "$T/good1.jpg" --size 640x480 --seed 1
"$TI" gen "$T/good2.png" --size 300x200 --seed 2
: > "$T/empty.jpg"
head -c 3000 "$T/good1.jpg" > "$T/truncated.jpg"
echo "this is not an image" > "$T/text.jpg"
mkdir "$T/adir"
"$TI" gen "$T/tiny.png" --size 4x4 --seed 3
# A decompression bomb: a valid small PNG whose header declares 60000x60000.
python3 - "$T/bomb.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
w = h = 60000
raw = zlib.compress(b"\0" * (w + 1) * 4, 9)   # a few rows only; never decoded
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
printf '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100" fill="red"/></svg>' > "$T/vector.svg"
mkfifo "$T/fifo.jpg"
cp "$T/good1.jpg" "$T/unreadable.jpg"; chmod 000 "$T/unreadable.jpg"

files=("$T/good1.jpg" "$T/missing.jpg" "$T/empty.jpg" "$T/truncated.jpg" "$T/text.jpg"
       "$T/adir" "$T/tiny.png" "$T/bomb.png" "$T/vector.svg" "$T/fifo.jpg" "$T/unreadable.jpg" "$T/good2.png")
run() { # run as an unprivileged user when root (root reads mode-000 files)
  if [ "$(id -u)" -eq 0 ]; then
    chmod 755 "$T"; chmod 644 "$T"/*.jpg "$T"/*.png "$T"/*.svg 2>/dev/null; chmod 000 "$T/unreadable.jpg"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
  else "$@"; fi
}
run "$HS" hash "${files[@]}" > "$T/out.tsv" 2> "$T/err.txt"; rc=$?
expect_eq "exit code 1 when some files fail" "$rc" 1
expect_eq "two good files hashed" "$(wc -l < "$T/out.tsv")" 2
expect_grep "good1 hashed" "^[0-9a-f]{64}	100	$T/good1.jpg$" "$T/out.tsv"
expect_grep "good2 hashed" "^[0-9a-f]{64}	[0-9]+	$T/good2.png$" "$T/out.tsv"
expect_eq "one error line per bad file" "$(wc -l < "$T/err.txt")" 10
expect_grep "missing"     "^hashsweep: $T/missing.jpg: no such file$" "$T/err.txt"
expect_grep "empty"       "^hashsweep: $T/empty.jpg: empty file \(0 bytes\)$" "$T/err.txt"
expect_grep "truncated"   "^hashsweep: $T/truncated.jpg: .*(truncated|Premature end)" "$T/err.txt"
expect_grep "text"        "^hashsweep: $T/text.jpg: not an image or video in a supported format$" "$T/err.txt"
expect_grep "directory"   "^hashsweep: $T/adir: is a directory" "$T/err.txt"
expect_grep "tiny"        "^hashsweep: $T/tiny.png: image is 4x4, below PDQ's minimum of 5x5$" "$T/err.txt"
expect_grep "bomb"        "^hashsweep: $T/bomb.png: image is 60000x60000 .*above the pixel limit" "$T/err.txt"
expect_grep "svg blocked" "^hashsweep: $T/vector.svg: svg files are blocked" "$T/err.txt"
expect_grep "fifo"        "^hashsweep: $T/fifo.jpg: not a regular file" "$T/err.txt"
expect_grep "unreadable"  "^hashsweep: $T/unreadable.jpg: cannot open: Permission denied$" "$T/err.txt"

# JSONL: an error object per bad file, in input order, cause without the path.
run "$HS" hash --format jsonl -q "${files[@]}" > "$T/out.jsonl" 2> "$T/err2.txt"; rc=$?
expect_eq "jsonl exit code" "$rc" 1
expect_eq "jsonl one record per file" "$(wc -l < "$T/out.jsonl")" 12
expect_eq "quiet: nothing on stderr" "$(wc -c < "$T/err2.txt")" 0
expect_grep "jsonl missing" "^\{\"path\":\"$T/missing.jpg\",\"error\":\"no such file\"\}$" "$T/out.jsonl"
expect_grep "jsonl good record" "^\{\"path\":\"$T/good1.jpg\",\"pdq\":\"[0-9a-f]{64}\",\"quality\":100,\"width\":640,\"height\":480,\"md5\":\"[0-9a-f]{32}\",\"sha256\":\"[0-9a-f]{64}\"" "$T/out.jsonl"
expect_eq "jsonl order" "$(sed -n 2p "$T/out.jsonl" | grep -c missing.jpg)" 1

# Limits are configurable: a 640x480 image is over a 0.1 MP limit.
"$HS" hash --max-pixels 100k "$T/good1.jpg" > /dev/null 2> "$T/err3.txt"; rc=$?
expect_eq "pixel limit exit" "$rc" 1
expect_grep "pixel limit message" "above the pixel limit of 0.1 megapixels" "$T/err3.txt"
"$HS" hash --max-file-size 1k "$T/good1.jpg" > /dev/null 2> "$T/err4.txt"; rc=$?
expect_grep "file size limit" "above the limit of 1024 bytes" "$T/err4.txt"

# Paths from stdin, and usage errors exit 2.
printf '%s\n' "$T/good1.jpg" "$T/good2.png" | "$HS" hash - > "$T/stdin.tsv"; rc=$?
expect_eq "stdin exit" "$rc" 0
expect_eq "stdin lines" "$(wc -l < "$T/stdin.tsv")" 2
"$HS" hash --mode turbo "$T/good1.jpg" 2>/dev/null; expect_eq "bad mode exit" "$?" 2
"$HS" hash 2>/dev/null; expect_eq "no file exit" "$?" 2
"$HS" hash --format xml "$T/good1.jpg" 2>/dev/null; expect_eq "bad format exit" "$?" 2
finish
