#!/usr/bin/env bash
# End to end on a generated archive with known answers: every planted copy
# (resized, recompressed, mirrored, flipped, rotated) is found with the
# right entry and the right dihedral variant; no unrelated image matches;
# exact MD5 entries match byte-identical files; every corrupt file is an
# error record; the exit code is 1. Also CSV output, --min-quality, a
# withdrawal taking effect, sharding, and an import while a scan runs.
# timeout: 600
. "$(dirname "$0")/lib.sh"

A="$T/archive"
mkdir -p "$A/orig" "$A/up/x"
"$TI" gen-many "$A/orig" 40 --size 800x600 --seed 7000
# Listed: orig 0..9 by PDQ (label = file name), orig 10 by MD5.
printf 'hash,label\n' > "$T/pdq.csv"
for i in 0 1 2 3 4 5 6 7 8 9; do
  f=$(printf "%s/orig/img%05d.jpg" "$A" "$i")
  printf '%s,img%05d\n' "$("$HS" hash --mode exact "$f" | cut -f1)" "$i" >> "$T/pdq.csv"
done
printf 'md5,label\n%s,exact10\n' "$(md5sum "$A/orig/img00010.jpg" | cut -c1-32)" > "$T/md5.csv"
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list victims "$T/pdq.csv" > /dev/null
"$HS" index import "$T/idx" --list exact "$T/md5.csv" > /dev/null

# Planted copies: FILE OP EXPECTED-VARIANT (the transform of the copy's hash
# that gives back the original: a copy rotated 90 degrees counter-clockwise
# matches through rot270).
cat > "$T/plan.txt" <<'PLAN'
0 scale:0.5 orig
1 flipy flipy
2 flipx flipx
3 rot90 rot270
4 rot180 rot180
5 rot270 rot90
6 copy orig
7 scale:0.75 orig
8 bright:12 orig
9 blur:1.2 orig
PLAN
while read -r i op variant; do
  src=$(printf "%s/orig/img%05d.jpg" "$A" "$i")
  "$TI" edit "$src" "$A/up/x/copy$i.jpg[Q=55]" "$op"
done < "$T/plan.txt"
cp "$A/orig/img00010.jpg" "$A/up/same-bytes.jpg"
head -c 5000 "$A/orig/img00020.jpg" > "$A/up/truncated.jpg"
echo "hello" > "$A/up/notes.jpg"
: > "$A/up/empty.png"
"$TI" gen "$A/up/flat.png" --size 300x300 --kind flat

"$HS" scan -q --index "$T/idx" --out "$T/out.jsonl" "$A"
expect_eq "exit code 1 (corrupt files)" "$?" 1

python3 - "$T" <<'PY'
import json, sys
T = sys.argv[1]
recs = [json.loads(l) for l in open(f"{T}/out.jsonl")]
plan = [l.split() for l in open(f"{T}/plan.txt")]
fails = 0
def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what)
    fails += not cond
matches = [r for r in recs if "entry" in r]
errors = {r["path"].split("/")[-1]: r["error"] for r in recs if "error" in r}
notes = [r for r in recs if "note" in r]
for i, op, variant in plan:
    name = f"copy{i}.jpg"
    hits = [r for r in matches if r["path"].endswith("/" + name)]
    want = f"img{int(i):05d}"
    good = [r for r in hits if r["label"] == want and r["list"] == "victims"]
    check(len(good) == 1 and good[0]["variant"] == variant and good[0]["distance"] <= 31,
          f"{name} ({op}) matches {want} via {variant}: {[(r['label'], r['variant'], r['distance']) for r in hits]}")
# The listed originals match themselves at distance 0 through orig.
for k in range(10):
    hits = [r for r in matches if r["path"].endswith(f"/orig/img{k:05d}.jpg")]
    check(len(hits) == 1 and hits[0]["distance"] == 0 and hits[0]["variant"] == "orig",
          f"original {k} matches itself")
# Nothing else matches by PDQ: unrelated originals 10..39, the flat image.
pdq_paths = {r["path"] for r in matches if r["variant"] not in ("md5", "sha256")}
unrelated = [p for p in pdq_paths if "/orig/img000" not in p and "/up/x/copy" not in p
             or any(p.endswith(f"/orig/img{k:05d}.jpg") for k in range(10, 40))]
check(not unrelated, f"no unrelated PDQ match: {unrelated}")
md5 = [r for r in matches if r["variant"] == "md5"]
check(sorted(r["path"].split("/")[-1] for r in md5) == ["img00010.jpg", "same-bytes.jpg"]
      and all(r["label"] == "exact10" and r["distance"] == 0 for r in md5), f"md5 matches: {md5}")
check(set(errors) == {"truncated.jpg", "notes.jpg", "empty.png"}, f"error records: {errors}")
check(len(notes) == 1 and notes[0]["path"].endswith("flat.png") and notes[0]["quality"] == 0,
      f"low-quality note: {notes}")
keys = ["path", "pdq", "quality", "md5", "entry", "list", "label", "distance", "variant", "index_version"]
check(all(list(r.keys()) == keys for r in matches), "match records carry exactly the documented keys")
check(all(r["index_version"] == 2 for r in matches), "index_version")
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] && pass "known answers" || fail "known answers"

# CSV output carries the same records.
"$HS" scan -q --index "$T/idx" --format csv --out "$T/out.csv" "$A"
expect_eq "csv rows = jsonl records + header" "$(wc -l < "$T/out.csv")" "$(( $(wc -l < "$T/out.jsonl") + 1 ))"
expect_eq "csv header" "$(head -1 "$T/out.csv")" "kind,path,pdq,quality,md5,entry,list,label,distance,variant,index_version,error"

# A withdrawn entry stops matching.
h3=$(sed -n 5p "$T/pdq.csv" | cut -d, -f1)
"$HS" index withdraw "$T/idx" --hash "$h3" --reason "withdrawn by the source" > /dev/null
"$HS" scan -q --index "$T/idx" --out "$T/out2.jsonl" "$A"
expect_eq "withdrawn entry no longer matches" "$(grep -c '"label":"img00003"' "$T/out2.jsonl")" 0
expect_eq "others still match" "$(grep -c '"label":"img00004"' "$T/out2.jsonl")" 2

# Sharding: the union of 3 shards equals the unsharded run, no overlap.
for k in 0 1 2; do
  "$HS" scan -q --shard $k/3 --index "$T/idx" --out "$T/shard$k.jsonl" "$A"
done
cat "$T"/shard?.jsonl | sort > "$T/shards.sorted"
sort "$T/out2.jsonl" > "$T/all.sorted"
if cmp -s "$T/shards.sorted" "$T/all.sorted"; then pass "union of shards = whole"; else fail "shards differ"; fi
expect_eq "no record in two shards" "$(sort "$T/shards.sorted" | uniq -d | wc -l)" 0
# Each record is in the shard the documented hash of its path names
# (FNV-1a 64 over the path's bytes, mod N: docs/scan.md), whatever the
# temporary folder's name (which decides how few records a shard gets).
placed=$(python3 - "$T" <<'PY'
import json, sys
def shard(path, n):
    h = 0xcbf29ce484222325
    for b in path.encode():
        h = ((h ^ b) * 0x100000001b3) & (2**64 - 1)
    return h % n
t = sys.argv[1]
want = [sorted(l for l in open(t + "/out2.jsonl") if shard(json.loads(l)["path"], 3) == k)
        for k in range(3)]
got = [sorted(open("%s/shard%d.jsonl" % (t, k))) for k in range(3)]
print("same" if want == got else "differ", sum(1 for w in want if w))
PY
)
expect_eq "each record in the shard its path's hash names" "${placed% *}" same
[ "${placed#* }" -ge 2 ] || fail "the hash put every record in one shard"

# An import while a scan runs: the scan goes on (a consistent snapshot) and
# the import commits; the next scan sees the new entry.
"$HS" scan -q --jobs 1 --index "$T/idx" --store "$T/store" --out "$T/during.jsonl" "$A" &
pid=$!
f=$(printf "%s/orig/img%05d.jpg" "$A" 30)
printf 'hash,label\n%s,img00030\n' "$("$HS" hash --mode exact "$f" | cut -f1)" > "$T/late.csv"
"$HS" index import "$T/idx" --list late "$T/late.csv" > "$T/import.out"
expect_eq "import during scan succeeded" "$?" 0
wait $pid
expect_eq "scan during import completed" "$?" 1
"$HS" index verify "$T/idx" > /dev/null
expect_eq "index verifies after concurrent import" "$?" 0
"$HS" rescan --index "$T/idx" --store "$T/store" --list late --out "$T/late.jsonl" 2>/dev/null
expect_eq "rescan finds the late entry without decoding" "$(grep -c '"label":"img00030"' "$T/late.jsonl")" 1
finish
