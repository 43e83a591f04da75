#!/usr/bin/env bash
# tests/fuzz/make_seeds.sh HASHSWEEP OUTDIR - makes the index seeds for
# fuzz_index_open with the CLI (they are ~100 KB each, so they are made, not
# committed): an empty index, one with lists of every hash type, metadata,
# withdrawals and several versions, one with two pages of PDQ entries, and
# one from an exchange page (pass-through entries, a sync position).
# Each is a compact copy (mdb_copy -c: no free pages) of data.mdb.
set -euo pipefail
HS=$1
OUT=$2
mkdir -p "$OUT"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
A=0e9411f3973e257ca9c9aa6e68285639a0356843f929eecc7b385be706db0733
B=1f833bd4f0caf6137c56f052c1e6e6240d3128a50fa90fa9239ecf06de21f0df
copy() { mkdir -p "$T/c-$2"; mdb_copy -c "$1" "$T/c-$2"; cp "$T/c-$2/data.mdb" "$OUT/$2.mdb"; }

"$HS" index create "$T/empty" > /dev/null
copy "$T/empty" empty

"$HS" index create "$T/mixed" > /dev/null
printf 'list,type,hash,quality,label,source,id\nncii,pdq,%s,100,ncii,helpline,42\nncii,md5,410ce0038f5de4216c5f985488d3d525,,,,\nother,sha256,5c27cbc8af5db91dc5643760df0613e9b7881a8067a5456d90c73771b438dd67,,deepfake,,\nother,h64,b4480d3bfab18f3f,,,,\n' "$A" > "$T/mixed.csv"
"$HS" index import "$T/mixed" "$T/mixed.csv" > /dev/null
printf '%s\n%s\n' "$A" "$B" | "$HS" index import "$T/mixed" --list ncii --label again - > /dev/null
"$HS" index withdraw "$T/mixed" --hash "$B" --reason "false positive" > /dev/null
copy "$T/mixed" mixed
# The same, not compacted: free pages and a free list.
cp "$T/mixed/data.mdb" "$OUT/mixed-free.mdb"

"$HS" index create "$T/pages" > /dev/null
for i in $(seq 1 1500); do printf '%064x\n' "$i"; done | "$HS" index import "$T/pages" --list big - > /dev/null
copy "$T/pages" pages

"$HS" index create "$T/exchange" > /dev/null
printf '{"nextSetTimestamp":1733390099,"hashRecords":[{"signalType":"ImagePDQ","hashValue":"%s","hashStatus":"Active","caseNumbers":{"u1":"c-17"}},{"signalType":"VideoTMK","hashValue":"AAAAAQID","hashStatus":"Active","tags":["a"]},{"signalType":"URI","hashValue":"https://example.com/x"}]}\n' "$A" > "$T/page.json"
"$HS" index import "$T/exchange" --list stopncii "$T/page.json" > /dev/null 2>&1
copy "$T/exchange" exchange
