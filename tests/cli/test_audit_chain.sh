#!/usr/bin/env bash
# The audit log is a hash chain (issue 15): `index verify` passes on an
# untouched index and names the first broken record when the log is
# changed behind hashsweep's back (hs-lmdbedit writes the LMDB file
# directly): a record edited, removed, or two records swapped; the last
# record edited or removed (the log head). `index log --format jsonl`
# carries run records and the chain digests, and no listed hash unless
# --with-hashes. A scan whose index cannot be written (read-only mount)
# still completes, with a warning.
# timeout: 300
. "$(dirname "$0")/lib.sh"
ED=${HS_LMDBEDIT:?HS_LMDBEDIT must point to hs-lmdbedit}

mkdir -p "$T/arch"
"$TI" gen-many "$T/arch" 3 --size 300x200 --seed 4100
H0=$("$HS" hash --mode exact "$T/arch/img00000.jpg" | cut -f1)
H1=$("$HS" hash --mode exact "$T/arch/img00001.jpg" | cut -f1)
"$HS" index create "$T/idx" > /dev/null
printf 'hash,label\n%s,zero\n' "$H0" | "$HS" index import "$T/idx" --list l --note "batch-one" - > /dev/null
printf 'hash,label\n%s,one\n' "$H1" | "$HS" index import "$T/idx" --list l --note "batch-two" - > /dev/null
"$HS" scan -q --index "$T/idx" --store "$T/st" --out "$T/scan.jsonl" "$T/arch"
"$HS" index withdraw "$T/idx" --hash "$H1" --reason "request" --note "ticket-9" > /dev/null
# records: 1 create, 2 import batch-one, 3 import batch-two, 4 run, 5 withdraw

"$HS" index verify "$T/idx" > "$T/v.out" 2>&1
expect_eq "untouched: verify exit 0" "$?" 0
expect_grep "untouched: chain intact, head printed" "audit log: 5 records, hash chain intact; head [0-9a-f]{64}$" "$T/v.out"

"$HS" index log "$T/idx" --format jsonl > "$T/log.jsonl"
python3 - "$T/log.jsonl" <<'PY' || fail "log jsonl chain fields"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["kind"] for r in recs] == ["create", "import", "import", "run", "withdraw"], recs
assert recs[0]["prev_sha256"] == "0" * 64
for a, b in zip(recs, recs[1:]):
    assert b["prev_sha256"] == a["record_sha256"], (a["seq"], b["seq"])
run = recs[3]["details"]
assert run["run"] == "scan" and run["sweep"] is True and run["index_version"] == 2, run
assert run["counts"]["seen"] == 3 and run["counts"]["matches"] == 2, run
assert "[hash]" in recs[4]["command"], recs[4]["command"]
PY
if grep -qiE "$H0|$H1" "$T/log.jsonl"; then fail "a listed hash is in the exported log"; else pass "no listed hash in the exported log"; fi
"$HS" index log "$T/idx" --format jsonl --with-hashes > "$T/logh.jsonl"
expect_grep "--with-hashes keeps the withdrawn hash" "$H1" "$T/logh.jsonl"

# tamper COPY-NAME EDIT-ARGS...: a fresh copy of the index, edited
tamper() {
  local name=$1; shift
  cp -r "$T/idx" "$T/$name"
  "$ED" "$T/$name" log "$@" || fail "$name: hs-lmdbedit $*"
  "$HS" index verify "$T/$name" > "$T/$name.out" 2>&1
  expect_eq "$name: verify exit 1" "$?" 1
}
first_problem() { grep -m1 "audit record" "$T/$1.out" | cut -d: -f1; }

tamper edited 3 sub batch-two batch-TWO
expect_grep "edited: record 3 named as changed" "^audit record 3: changed after it was written" "$T/edited.out"
expect_eq "edited: the first broken record is 3" "$(first_problem edited)" "audit record 3"

tamper deleted 3 del
expect_grep "deleted: record 3 named as missing" "audit record 3: missing" "$T/deleted.out"
expect_eq "deleted: the first broken record is 3" "$(first_problem deleted)" "audit record 3"

tamper swapped 2 swap 3
expect_grep "reordered: record 2 holds record 3" "audit record 2: holds record 3: moved" "$T/swapped.out"
expect_grep "reordered: record 3 holds record 2" "audit record 3: holds record 2: moved" "$T/swapped.out"
expect_eq "reordered: the first broken record is 2" "$(first_problem swapped)" "audit record 2"
if grep -q "audit record 1: changed" "$T/swapped.out"; then fail "reordered: record 1 blamed"; else pass "reordered: untouched record 1 not blamed"; fi

tamper last_edited 5 sub ticket-9 ticket-8
expect_grep "last record edited: named through the head" "audit record 5: changed after it was written: it does not match the log head" "$T/last_edited.out"

tamper last_deleted 5 del
expect_grep "last record removed: named" "audit record 5: missing" "$T/last_deleted.out"

tamper run_edited 4 sub '"sweep":true' '"sweep":fals'
expect_grep "run record edited (details no longer JSON): damaged" "audit record 4: damaged" "$T/run_edited.out"

# A scan against an index it cannot write: the scan stands, a warning says
# the run record is missing (a read-only bind mount in a private mount
# namespace; skipped where user namespaces are not allowed).
if unshare -rm true 2> /dev/null; then
  before=$("$HS" index log "$T/idx" --format jsonl | wc -l)
  unshare -rm sh -c 'mount --bind -o ro "$1" "$1" && exec "$2" scan --index "$1" --store "$3" --out "$4" "$5"' \
    sh "$T/idx" "$HS" "$T/st" "$T/scan2.jsonl" "$T/arch" > "$T/ro.out" 2> "$T/ro.err"
  expect_eq "read-only index: scan exit 0" "$?" 0
  expect_grep "read-only index: warning" "warning: index .*run record was not written to the audit log" "$T/ro.err"
  expect_eq "read-only index: scan output complete" "$(wc -l < "$T/scan2.jsonl")" 1
  expect_eq "read-only index: log unchanged" "$("$HS" index log "$T/idx" --format jsonl | wc -l)" "$before"
else
  echo "note: no user namespaces here: read-only index case not run"
fi
finish
