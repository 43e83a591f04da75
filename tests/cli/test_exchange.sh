#!/usr/bin/env bash
# Exchange pages as they arrive, golden files made here (issue 12): a
# StopNCII FetchHashes page with every status (Received, Active, Withdrawn,
# Deleted, Unknown) and VideoTMK records imports in one command with exact
# counts (also a directory of pages); `index lists` shows the list's
# nextSetTimestamp and pass-through entries; the pass-through entries are
# exported and never matched; a
# ThreatExchange threat_updates response with every indicator type; export
# -> import -> export identical in every format; bad input named by file,
# line, JSON path and byte offset.
. "$(dirname "$0")/lib.sh"
H1=f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
H2=d8f8f0cce0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
H3=0e9411f3973e257ca9c9aa6e68285639a0356843f929eecc7b385be706db0733
H4=1f833bd4f0caf6137c56f052c1e6e6240d3128a50fa90fa9239ecf06de21f0df
M1=410ce0038f5de4216c5f985488d3d525
M2=0cc175b9c0f1b6a831c399e269772661
IDX=$T/idx
"$HS" index create "$IDX" > /dev/null
# The import time in `added` is the one thing that changes between runs.
same_time() { sed -E 's/"added":"[0-9T:Z-]+"/"added":"T"/'; }

# ---- a StopNCII FetchHashes page, pretty-printed as the API sends it ----------
cat > "$T/page1.json" <<EOF
{
  "count": 9,
  "nextSetTimestamp": 1733390099,
  "hashRecords": [
    {"signalType": "ImagePDQ", "hashValue": "$H1", "hashStatus": "Received",
     "caseNumbers": {"u1": "c-17"}, "CSPFeedbacks": []},
    {"signalType": "ImagePDQ", "hashValue": "$H2", "hashStatus": "Active"},
    {"signalType": "ImagePDQ", "hashValue": "$H3", "hashStatus": "Active"},
    {"signalType": "ImagePDQ", "hashValue": "$H3", "hashStatus": "Deleted"},
    {"signalType": "VideoMD5", "hashValue": "$M1", "hashStatus": "Withdrawn"},
    {"signalType": "VideoMD5", "hashValue": "$M2", "hashStatus": "Unknown"},
    {"signalType": "VideoTMK", "hashValue": "AAAAAQIDBAU=", "hashStatus": "Active",
     "caseNumbers": {"u2": "c-18"}},
    {"signalType": "VideoTMK", "hashValue": "BBBBBQIDBAU=", "hashStatus": "Withdrawn"},
    {"signalType": "VideoTMK", "hashValue": "$H4", "hashStatus": "Received"}
  ]
}
EOF
"$HS" index import "$IDX" --list stopncii "$T/page1.json" > "$T/imp1.out" 2> "$T/imp1.err"
expect_eq "page 1: exit" "$?" 0
expect_eq "page 1: counts" "$(cat "$T/imp1.out")" "imported 6 rows: 4 added, 0 duplicates, 1 withdrawn, 2 not found, 0 rejected, 3 passed through (hash type not matched, kept inactive: 2 new, 0 changed, 0 removed), next set timestamp 1733390099; index version 1"
expect_eq "page 1: one warning per caveat" "$(grep -c ': warning: ' "$T/imp1.err")" 4
expect_grep "page 1: Unknown named by its JSON path" "^$T/page1.json:1: hashRecords\[5\]: warning: status 'Unknown' is not known: imported as active$" "$T/imp1.err"
expect_grep "page 1: VideoTMK kept, named by its JSON path" "^$T/page1.json:1: hashRecords\[6\]: warning: hash type 'VideoTMK' is not supported \(pdq, md5, sha256, h64\): kept as an inactive pass-through entry, never matched$" "$T/imp1.err"
expect_grep "page 1: a withdrawn VideoTMK" "hashRecords\[7\]: warning: hash type 'VideoTMK' is not supported \(pdq, md5, sha256, h64\): its withdrawal removes the inactive pass-through entry, if any$" "$T/imp1.err"

# `index lists`: the sync position and the pass-through entries.
"$HS" index lists "$IDX" > "$T/lists1"
expect_eq "lists: header" "$(head -1 "$T/lists1")" "$(printf 'list\tid\tversion\tactive\twithdrawn\tentries\tpdq\tmd5\tsha256\th64\tvpdq\tcreated\tupdated\tpassthrough\tnext_set_timestamp\tvariants\trole\tradius\tmin_quality\tquarantined')"
expect_eq "lists: active withdrawn entries pdq md5, passthrough, next set timestamp" \
  "$(awk -F'\t' '$1 == "stopncii" { print $4, $5, $6, $7, $8, $14, $15 }' "$T/lists1")" "3 1 4 2 1 2 1733390099"
"$HS" index lists "$IDX" --format jsonl > "$T/lists1.jsonl"
expect_grep "lists --format jsonl" '"passthrough":2,"next_set_timestamp":1733390099,"variants":0,' "$T/lists1.jsonl"

# The export, golden: metadata as JSON values, the source's name of the type
# kept (signalType), the pass-through entries last.
"$HS" index export "$IDX" --list stopncii --format jsonl | same_time > "$T/export1.jsonl"
cat > "$T/want1.jsonl" <<EOF
{"type":"pdq","hash":"$H1","added":"T","CSPFeedbacks":[],"caseNumbers":{"u1":"c-17"},"signalType":"ImagePDQ"}
{"type":"pdq","hash":"$H2","added":"T","signalType":"ImagePDQ"}
{"type":"md5","hash":"$M2","added":"T","signalType":"VideoMD5"}
EOF
# pass-through entries come in key order (a digest): sorted here to compare
printf '%s\n' "{\"type\":\"VideoTMK\",\"hash\":\"AAAAAQIDBAU=\",\"added\":\"T\",\"caseNumbers\":{\"u2\":\"c-18\"}}" \
  "{\"type\":\"VideoTMK\",\"hash\":\"$H4\",\"added\":\"T\"}" | sort > "$T/want1.pass"
head -3 "$T/export1.jsonl" > "$T/got1.jsonl"
tail -n +4 "$T/export1.jsonl" | sort > "$T/got1.pass"
expect_eq "export: hash entries (golden)" "$(cat "$T/got1.jsonl")" "$(cat "$T/want1.jsonl")"
expect_eq "export: pass-through entries (golden)" "$(cat "$T/got1.pass")" "$(cat "$T/want1.pass")"

# Never matched: the VideoTMK whose value happens to be 64 hex digits.
echo "$H4" > "$T/needle4"
"$HS" match --radius 0 "$T/needle4" "$IDX" > "$T/pairs4" 2> "$T/match.err"
expect_eq "match: exit" "$?" 0
expect_eq "match: a pass-through entry is never matched" "$(wc -l < "$T/pairs4")" 0
echo "$H2" > "$T/needle2"
"$HS" match --radius 0 "$T/needle2" "$IDX" > "$T/pairs2"
expect_eq "match: an active entry of the same page is" "$(cut -f1,3 "$T/pairs2")" "$(printf '1\t0')"

# ---- the next page: a replayed withdrawal, a pass-through withdrawn ------------
printf '{"count":2,"nextSetTimestamp":1733400000,"hashRecords":[{"signalType":"ImagePDQ","hashValue":"%s","hashStatus":"Deleted"},{"signalType":"VideoTMK","hashValue":"AAAAAQIDBAU=","hashStatus":"Withdrawn"}]}' "$H3" > "$T/page2.json"
"$HS" index import "$IDX" --list stopncii "$T/page2.json" > "$T/imp2.out" 2> /dev/null
expect_eq "page 2: counts" "$(cat "$T/imp2.out")" "imported 1 rows: 0 added, 0 duplicates, 0 withdrawn, 0 not found, 0 rejected, 1 already withdrawn, 1 passed through (hash type not matched, kept inactive: 0 new, 0 changed, 1 removed), next set timestamp 1733400000; index version 2"
expect_eq "page 2: lists shows the new position and one pass-through entry left" \
  "$("$HS" index lists "$IDX" | awk -F'\t' '$1 == "stopncii" { print $14, $15 }')" "1 1733400000"
# A page of another kind leaves the position as it was.
echo "$H3" | "$HS" index import "$IDX" --list stopncii - > /dev/null
expect_eq "a plain list keeps the position" \
  "$("$HS" index lists "$IDX" | awk -F'\t' '$1 == "stopncii" { print $15 }')" 1733400000

# ---- a directory of pages, as a sync job saves them: in name order -------------
mkdir "$T/pages"
cp "$T/page2.json" "$T/pages/2024-12-05T10-01.json"
cp "$T/page1.json" "$T/pages/2024-12-05T10-00.json"
echo "not a page" > "$T/pages/.partial"
"$HS" index create "$T/dir" > /dev/null
"$HS" index import "$T/dir" --list stopncii "$T/pages" > "$T/dir.out" 2> /dev/null
expect_eq "directory: exit" "$?" 0
expect_eq "directory: both pages in order, one transaction" "$(cat "$T/dir.out")" "imported 7 rows: 4 added, 0 duplicates, 1 withdrawn, 2 not found, 0 rejected, 1 already withdrawn, 4 passed through (hash type not matched, kept inactive: 2 new, 0 changed, 1 removed), next set timestamp 1733400000; index version 1"
expect_eq "directory: lists" "$("$HS" index lists "$T/dir" | awk -F'\t' '$1 == "stopncii" { print $4, $14, $15 }')" "3 1 1733400000"

# ---- a ThreatExchange threat_updates response: every indicator type -------------
cat > "$T/updates.json" <<EOF
{"data":[
 {"id":"3058061737574159","indicator":"$H1","type":"HASH_PDQ","creation_time":1601513795,"last_updated":1601513796,"status":"MALICIOUS","should_delete":false,"tags":["tag1","tag2"]},
 {"id":"11","indicator":"$M1","type":"HASH_MD5","should_delete":false},
 {"id":"12","indicator":"$M2","type":"HASH_VIDEO_MD5","should_delete":false},
 {"id":"13","indicator":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","type":"HASH_SHA256","should_delete":false},
 {"id":"14","indicator":"AAAA","type":"HASH_TMK","should_delete":false},
 {"id":"15","indicator":"https://example.com/x","type":"URI","should_delete":false},
 {"id":"16","indicator":"$H2","type":"hash_pdq","should_delete":false},
 {"id":"16","indicator":"$H2","type":"HASH_PDQ","should_delete":true},
 {"id":"17","indicator":"dabbad00f00dfeed5ca1ab1ebeefca11ab1ec20f","type":"HASH_SHA1","should_delete":true}
],"paging":{"cursors":{"before":"QVFI","after":"QVFJ"}}}
EOF
"$HS" index import "$IDX" --list te "$T/updates.json" > "$T/imp3.out" 2> "$T/imp3.err"
expect_eq "threat_updates: exit" "$?" 0
expect_eq "threat_updates: counts" "$(cat "$T/imp3.out")" "imported 6 rows: 5 added, 0 duplicates, 1 withdrawn, 1 not found, 0 rejected, 3 passed through (hash type not matched, kept inactive: 2 new, 0 changed, 0 removed); index version 4"
expect_grep "threat_updates: records named by their JSON path" "^$T/updates.json:1: data\[4\]: warning: hash type 'HASH_TMK' is not supported" "$T/imp3.err"
"$HS" index export "$IDX" --list te --format jsonl | same_time | head -4 > "$T/got3.jsonl"
cat > "$T/want3.jsonl" <<EOF
{"type":"pdq","hash":"$H1","id":"3058061737574159","added":"T","creation_time":1601513795,"last_updated":1601513796,"tags":["tag1","tag2"],"te_status":"MALICIOUS"}
{"type":"md5","hash":"$M1","id":"11","added":"T"}
{"type":"md5","hash":"$M2","id":"12","added":"T"}
{"type":"sha256","hash":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","id":"13","added":"T"}
EOF
expect_eq "threat_updates: export (golden)" "$(cat "$T/got3.jsonl")" "$(cat "$T/want3.jsonl")"
expect_eq "threat_updates: lists" \
  "$("$HS" index lists "$IDX" | awk -F'\t' '$1 == "te" { print $4, $5, $14, $15 }')" "4 1 2 "

# ---- round trips: export -> import -> export identical, every format -------------
for f in tsv csv jsonl; do
  "$HS" index export "$IDX" --format "$f" > "$T/a.$f"
  rm -rf "$T/rt" && "$HS" index create "$T/rt" > /dev/null
  "$HS" index import "$T/rt" "$T/a.$f" > /dev/null 2>&1
  expect_eq "round trip $f: import exit" "$?" 0
  "$HS" index export "$T/rt" --format "$f" > "$T/b.$f"
  if cmp -s "$T/a.$f" "$T/b.$f"; then pass "round trip $f: identical"; else
    fail "round trip $f differs"; diff "$T/a.$f" "$T/b.$f" | head -5 >&2; fi
  expect_eq "round trip $f: pass-through entries listed" \
    "$("$HS" index lists "$T/rt" | awk -F'\t' 'NR > 1 { n += $14 } END { print n }')" 3
done
expect_grep "round trip: a pass-through entry in the whole export" '^stopncii,VideoTMK,' "$T/a.csv"

# ---- type names as the exchanges spell them, on the command line too ---------------
echo e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 > "$T/sha.txt"
for t in sha256 HASH_SHA256 video_sha256 VideoSHA256 photo-sha256; do
  "$HS" index import "$IDX" --list "types" --type "$t" "$T/sha.txt" > /dev/null 2>&1
  expect_eq "--type $t: exit" "$?" 0
done
expect_eq "--type: every spelling is sha256" \
  "$("$HS" index lists "$IDX" | awk -F'\t' '$1 == "types" { print $4, $9 }')" "1 1"
"$HS" index import "$IDX" --list "types" --type tmk "$T/sha.txt" > /dev/null 2> "$T/type.err"
expect_eq "--type tmk: usage error" "$?" 2

# ---- bad input --------------------------------------------------------------------
head -c 300 "$T/updates.json" > "$T/cut.json"
"$HS" index import "$IDX" --list te "$T/cut.json" > /dev/null 2> "$T/cut.err"
expect_eq "truncated page: exit" "$?" 2
expect_grep "truncated page: refused whole with the byte offset" "^$T/cut.json:3: JSON: premature end of input at byte 300 of the document; the document is refused whole$" "$T/cut.err"
printf '{"hashRecords":[{"signalType":"ImagePDQ","hashValue":"%s"},\n{"signalType":"ImagePDQ","hashValue":"xyz"}]}\n' "$H1" > "$T/bad.json"
"$HS" index import "$IDX" --list bad "$T/bad.json" > /dev/null 2> "$T/bad.err"
expect_eq "malformed record: exit" "$?" 2
expect_grep "malformed record: file, line, JSON path, cause" "^$T/bad.json:1: hashRecords\[1\]: 'x' at position 1 of the hash is not a hex digit$" "$T/bad.err"
printf 'pdq: 16\nvideo_md5: 2\n' > "$T/summary.txt"
"$HS" index import "$IDX" --list s "$T/summary.txt" > /dev/null 2> "$T/summary.err"
expect_eq "dataset summary: exit" "$?" 2
expect_grep "dataset summary: named as such" "^$T/summary.txt:1: a count of pdq signals from \`threatexchange dataset\` \(its summary\), not a hash" "$T/summary.err"
finish
