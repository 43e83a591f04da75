#!/usr/bin/env bash
# The 48-hour clock (issue 15): on a generated archive across several
# imports, scans and rescans, with the record clock fixed by HASHSWEEP_NOW,
# `sweep-status` gives each entry's arrival (its import), the end of the
# first sweep that covered it, the hours between and the matches of that
# sweep; unswept entries are pending, then overdue (exit 1) past --due;
# withdrawn entries are never overdue. Only full-archive runs are sweeps: a
# scan of part of the archive is not, a rescan with --list covers that list
# only. Sweeps against another index do not count. Every run leaves a run
# record in the index's audit log, and the log stays verifiable.
# timeout: 300
. "$(dirname "$0")/lib.sh"

A="$T/archive"
mkdir -p "$A/a" "$A/b"
"$TI" gen-many "$A/a" 6 --size 400x300 --seed 1500
"$TI" gen-many "$A/b" 4 --size 400x300 --seed 1600
cp "$A/a/img00000.jpg" "$A/b/copy-of-a0.jpg" # entry a0 matches 2 files
pdq() { "$HS" hash --mode exact "$1" | cut -f1; }
T0=1900000000
at_() { local h=$1; shift; HASHSWEEP_NOW=$((T0 + h * 3600)) "$@"; }

at_ 0 "$HS" index create "$T/idx" > /dev/null
printf 'hash,label\n%s,a0\n%s,a1\n' "$(pdq "$A/a/img00000.jpg")" "$(pdq "$A/a/img00001.jpg")" > "$T/l1.csv"
at_ 0 "$HS" index import "$T/idx" --list first "$T/l1.csv" > /dev/null
at_ 1 "$HS" scan -q --index "$T/idx" --store "$T/st" --out "$T/s1.jsonl" "$A"
expect_eq "scan 1 exit" "$?" 0

status() { # status HOURS ARGS...: JSONL of sweep-status at T0 + HOURS into $T/st.jsonl, exit code in $rc
  local h=$1; shift
  HASHSWEEP_NOW=$((T0 + h * 3600)) "$HS" sweep-status -q --index "$T/idx" --store "$T/st" \
    --format jsonl "$@" > "$T/st.jsonl"
  rc=$?
}
# field ENTRY-LABEL KEY: one value of the last status output (JSON text)
field() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["label"] == sys.argv[2]: print(json.dumps(r[sys.argv[3]]))' "$T/st.jsonl" "$1" "$2"; }

status 2
expect_eq "after the first scan: exit 0" "$rc" 0
expect_eq "a0 swept" "$(field a0 status)" '"swept"'
expect_eq "a0 arrived at its import" "$(field a0 arrived)" "\"$(date -u -d @$T0 +%Y-%m-%dT%H:%M:%SZ)\""
expect_eq "a0 swept at the scan's end" "$(field a0 swept)" "\"$(date -u -d @$((T0 + 3600)) +%Y-%m-%dT%H:%M:%SZ)\""
expect_eq "a0 hours to sweep" "$(field a0 hours_to_sweep)" "1.0"
expect_eq "a0 matches (original and copy)" "$(field a0 matches)" 2
expect_eq "a1 matches" "$(field a1 matches)" 1
python3 - "$T/st.jsonl" <<'PY' || fail "JSONL keys"
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert list(r) == ["entry", "list", "label", "arrived", "swept", "hours_to_sweep",
                       "matches", "status"], list(r)
PY

# A second import: pending, then overdue past 48 hours (and past --due).
printf 'hash,label\n%s,b0\n' "$(pdq "$A/b/img00000.jpg")" > "$T/l2.csv"
printf 'md5,label\n%s,b1md5\n' "$(md5sum "$A/b/img00001.jpg" | cut -c1-32)" > "$T/l3.csv"
at_ 2 "$HS" index import "$T/idx" --list second "$T/l2.csv" > /dev/null
at_ 2 "$HS" index import "$T/idx" --list second "$T/l3.csv" > /dev/null
status 3
expect_eq "new entries pending: exit 0" "$rc" 0
expect_eq "b0 pending" "$(field b0 status)" '"pending"'
expect_eq "b0 not swept" "$(field b0 swept)" null
expect_eq "b0 no hours to sweep" "$(field b0 hours_to_sweep)" null
expect_eq "b0 no matches yet" "$(field b0 matches)" null
expect_eq "a0 still swept" "$(field a0 status)" '"swept"'
status 3 --due 30m
expect_eq "--due 30m: overdue, exit 1" "$rc" 1
expect_eq "b1md5 overdue by --due" "$(field b1md5 status)" '"overdue"'
status 51
expect_eq "after 49 hours: exit 1" "$rc" 1
expect_eq "b0 overdue" "$(field b0 status)" '"overdue"'
HASHSWEEP_NOW=$((T0 + 51 * 3600)) "$HS" sweep-status --index "$T/idx" --store "$T/st" > "$T/table" 2> "$T/err"
expect_eq "table: exit 1" "$?" 1
expect_grep "table: b0 overdue with its age" $'\tsecond\toverdue\t.*\t-\t49.00\t-\tb0$' "$T/table"
expect_grep "table: summary" "4 entries: 2 swept, 0 pending, 2 overdue, 0 withdrawn, 0 quarantined; 1 sweeps" "$T/err"

# A scan of part of the archive is not a sweep (the store holds other files).
at_ 52 "$HS" scan -q --index "$T/idx" --store "$T/st" --out "$T/s2.jsonl" "$A/b"
status 53
expect_eq "partial scan: b0 still overdue" "$(field b0 status)" '"overdue"'
# A rescan of one list covers that list only.
printf 'hash,label\n%s,c0\n' "$(pdq "$A/a/img00002.jpg")" > "$T/l4.csv"
at_ 54 "$HS" index import "$T/idx" --list third "$T/l4.csv" > /dev/null
at_ 55 "$HS" rescan -q --index "$T/idx" --store "$T/st" --list third > /dev/null
status 56
expect_eq "rescan --list third: c0 swept" "$(field c0 status)" '"swept"'
expect_eq "c0 hours to sweep" "$(field c0 hours_to_sweep)" "1.0"
expect_eq "rescan --list third: b0 still overdue" "$(field b0 status)" '"overdue"'
# A full rescan sweeps the rest.
at_ 70 "$HS" rescan -q --index "$T/idx" --store "$T/st" > /dev/null
status 71
expect_eq "full rescan: exit 0" "$rc" 0
expect_eq "b0 swept" "$(field b0 status)" '"swept"'
expect_eq "b0 hours to sweep" "$(field b0 hours_to_sweep)" "68.0"
expect_eq "b0 matches" "$(field b0 matches)" 1
expect_eq "md5 entry matched by the rescan" "$(field b1md5 matches)" 1
expect_eq "a0 keeps its first sweep" "$(field a0 hours_to_sweep)" "1.0"

# Withdrawn entries are shown as withdrawn, never as overdue.
printf 'hash,label\n%s,d0\n' "$(pdq "$A/a/img00003.jpg")" > "$T/l5.csv"
at_ 72 "$HS" index import "$T/idx" --list fourth "$T/l5.csv" > /dev/null
at_ 73 "$HS" index withdraw "$T/idx" --hash "$(pdq "$A/a/img00003.jpg")" --reason "test" > /dev/null
status 200
expect_eq "withdrawn unswept entry: exit 0" "$rc" 0
expect_eq "d0 withdrawn" "$(field d0 status)" '"withdrawn"'

# Sweeps of another index (same hashes) do not count for this one.
at_ 74 "$HS" index create "$T/idx2" > /dev/null
at_ 74 "$HS" index import "$T/idx2" --list first "$T/l1.csv" > /dev/null
HASHSWEEP_NOW=$((T0 + 75 * 3600)) "$HS" sweep-status -q --index "$T/idx2" --store "$T/st" --format jsonl > "$T/st.jsonl"
expect_eq "another index: overdue after 48h? not yet: exit 0" "$?" 0
expect_eq "another index: a0 pending" "$(field a0 status)" '"pending"'

# Every run left a run record; scan 1 and the full rescans were sweeps.
"$HS" index log "$T/idx" --format jsonl > "$T/log.jsonl"
python3 - "$T/log.jsonl" <<'PY' || fail "run records"
import json, sys
runs = [json.loads(l)["details"] for l in open(sys.argv[1]) if json.loads(l)["kind"] == "run"]
got = [(d["run"], d["sweep"], d["counts"]["seen"], d["index_version"]) for d in runs]
want = [("scan", True, 11, 1), ("scan", False, 5, 3), ("rescan", True, 11, 4), ("rescan", True, 11, 4)]
assert got == want, got
assert runs[2]["options"] == "radius=31 min_quality=50 list=third", runs[2]["options"]
assert runs[0]["counts"]["matches"] == 3 and runs[0]["status"] == "ok", runs[0]
PY
expect_rc() { local want=$1 what=$2; shift 2; "$@" > "$T/out" 2> "$T/err"; expect_eq "$what" "$?" "$want"; }
expect_rc 0 "index verify after runs" "$HS" index verify "$T/idx"
expect_rc 2 "bad --due" "$HS" sweep-status --index "$T/idx" --store "$T/st" --due 48
expect_rc 2 "no store" "$HS" sweep-status --index "$T/idx"
expect_rc 2 "missing store" "$HS" sweep-status --index "$T/idx" --store "$T/nope"
finish
