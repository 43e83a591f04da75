#!/usr/bin/env bash
# tests/cli/test_index_cli.sh - `hashsweep index`: commands, exit codes,
# FILE:LINE error lines, permissions, round trips through the CLI, and clear
# refusals of damaged or foreign files (never a crash).
# timeout: 120
set -u
HS=${HASHSWEEP:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { # check DESCRIPTION COMMAND... : the command must succeed
  local what=$1; shift
  if ! "$@"; then echo "FAIL: $what"; fail=1; fi
}
expect_rc() { # expect_rc WANT DESCRIPTION COMMAND...
  local want=$1 what=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAIL: $what: exit $rc, want $want"; sed 's/^/  stderr: /' "$T/err"; fail=1
  fi
}
H1=d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22
H2=2222222222222222222222222222222222222222222222222222222222222222
IDX=$T/idx

# create: owner-only, refuses to overwrite
umask 022
expect_rc 0 "create" "$HS" index create "$IDX"
check "dir 0700" test "$(stat -c %a "$IDX")" = 700
check "data 0600" test "$(stat -c %a "$IDX/data.mdb")" = 600
check "lock 0600" test "$(stat -c %a "$IDX/lock.mdb")" = 600
expect_rc 2 "create over an index" "$HS" index create "$IDX"

# import from stdin, dedup, summary
printf '%s\n%s\n%s\n' "$H1" "$H2" "$H1" | "$HS" index import "$IDX" --list ncii --note "batch 1" - >"$T/out"
check "import summary" grep -q "3 rows: 2 added, 1 duplicates" "$T/out"

# malformed lines: FILE:LINE: cause; nothing written without --skip-bad
printf '%s\nnot-hex\n%s\nzz,12\n' "$H1" 3333333333333333333333333333333333333333333333333333333333333333 >"$T/bad.txt"
expect_rc 2 "import with bad lines" "$HS" index import "$IDX" --list ncii "$T/bad.txt"
check "bad line 2 reported" grep -q "^$T/bad.txt:2: " "$T/err"
check "bad line 4 reported" grep -q "^$T/bad.txt:4: " "$T/err"
"$HS" index lists "$IDX" >"$T/lists"
check "nothing written" grep -qP '^ncii\t1\t1\t2\t' "$T/lists"
expect_rc 1 "dry run (lines skipped)" "$HS" index import "$IDX" --list ncii --dry-run --skip-bad "$T/bad.txt"
check "dry run counted" grep -q "dry run (nothing written): 2 rows: 1 added, 1 duplicates" "$T/out"
"$HS" index lists "$IDX" >"$T/lists"
check "dry run wrote nothing" grep -qP '^ncii\t1\t1\t2\t' "$T/lists"
expect_rc 1 "import --skip-bad" "$HS" index import "$IDX" --list ncii --skip-bad "$T/bad.txt"
check "skipped lines listed" grep -q "bad.txt:2: .*(skipped)" "$T/err"
check "good rows added" grep -q "1 added" "$T/out"

# withdraw: not found is exit 1, the log keeps note, reason and command
expect_rc 1 "withdraw with a missing hash" "$HS" index withdraw "$IDX" --hash "$H1" \
  --hash 4444444444444444444444444444444444444444444444444444444444444444 --reason "victim request" --note "ticket 7"
check "withdrawn one" grep -q "withdrew 1 entries" "$T/out"
check "missing reported" grep -q "^hash 4444.*not in the index" "$T/err"
expect_rc 2 "withdraw without reason" "$HS" index withdraw "$IDX" --hash "$H2"
"$HS" index log "$IDX" >"$T/log"
check "log has the import note" grep -q "note=batch 1" "$T/log"
check "log has the withdrawal" grep -qP "\twithdraw\tlist=ncii version=3 .*withdrawn=1.*note=ticket 7" "$T/log"
check "log has the command" grep -q "command=hashsweep index withdraw .*--reason 'victim request'" "$T/log"
"$HS" index log "$IDX" --format jsonl >"$T/log.jsonl"
check "jsonl log" grep -q '"kind":"import".*"sha256":"' "$T/log.jsonl"
expect_rc 0 "verify" "$HS" index verify "$IDX"
check "verify ok" grep -q ": ok" "$T/out"
expect_rc 0 "stats" "$HS" index stats "$IDX" --format json
check "stats json" grep -q '"pdq":{"entries":3,"withdrawn":1' "$T/out"

# round trips through the CLI: export -> import into a fresh index -> export
printf 'hash,label,source,quality,extra\n%s,a,src,90,"x, y"\nmd5 d41d8cd98f00b204e9800998ecf8427e,b,,,\n' "$H1" \
  | "$HS" index import "$IDX" --list second - >/dev/null
for fmt in tsv csv jsonl; do
  rm -rf "$T/rt"
  "$HS" index create "$T/rt" >/dev/null
  "$HS" index export "$IDX" --format $fmt -o "$T/e1.$fmt"
  expect_rc 0 "re-import $fmt" "$HS" index import "$T/rt" "$T/e1.$fmt"
  "$HS" index export "$T/rt" --format $fmt >"$T/e2.$fmt"
  check "round trip $fmt identical" cmp -s "$T/e1.$fmt" "$T/e2.$fmt"
  expect_rc 0 "verify round trip $fmt" "$HS" index verify "$T/rt"
done
expect_rc 2 "export of a missing list" "$HS" index export "$IDX" --list nosuch

# `hashsweep hash` TSV output imports as hex<TAB>quality<TAB>path
printf '%s\t100\t/a/b.jpg\n' "$H2" | "$HS" index import "$IDX" --list hashed --label mine - >/dev/null
"$HS" index export "$IDX" --list hashed >"$T/hashed.tsv"
check "hash TSV shape" grep -qP "^pdq\t$H2\t100\tmine\t.*\t/a/b.jpg$" "$T/hashed.tsv"

# damaged or foreign files: a clear error, never a crash (exit 2 or 3)
refuse() { # refuse PATH WANT_RC MESSAGE
  "$HS" index stats "$1" >/dev/null 2>"$T/err"
  local rc=$?
  if [ "$rc" != "$2" ] || ! grep -q "$3" "$T/err"; then
    echo "FAIL: refuse $1: exit $rc (want $2), stderr: $(cat "$T/err")"; fail=1
  fi
}
mkdir "$T/empty"
refuse "$T/empty" 2 "no data.mdb"
check "open did not create files" test ! -e "$T/empty/data.mdb"
refuse "$T/nosuch" 2 "No such file"
printf 'PK\003\004zipzipzipzip' >"$T/list.zip"
refuse "$T/list.zip" 3 "an index is a directory"
mkdir "$T/rand" && head -c 100000 /dev/urandom >"$T/rand/data.mdb"
refuse "$T/rand" 3 "not an LMDB file"
mkdir "$T/zipd" && cp "$T/list.zip" "$T/zipd/data.mdb"
refuse "$T/zipd" 3 "too short"
cp -r "$IDX" "$T/trunc" && truncate -s 12288 "$T/trunc/data.mdb"
refuse "$T/trunc" 3 "truncated"
mkdir "$T/foreign" && cp "$IDX/data.mdb" "$T/foreign/data.mdb"
"$HS" index stats "$T/foreign" >/dev/null 2>&1 || { echo "FAIL: a copied data.mdb alone must open"; fail=1; }

# The record clock never goes back: a wall clock that steps back (NTP), or
# a writer that read the time before it got the write lock, still records
# after the newest record, so verify passes and every list's update follows
# its creation.
CLK=$T/clock
"$HS" index create "$CLK" >/dev/null || fail=1
printf '%s\n' "$H1" >"$T/h1.txt"
printf '%s\n' "$H2" >"$T/h2.txt"
HASHSWEEP_NOW=2000000000 "$HS" index import "$CLK" --list late "$T/h1.txt" >/dev/null || fail=1
HASHSWEEP_NOW=1900000000 "$HS" index import "$CLK" --list early "$T/h2.txt" >/dev/null || fail=1
HASHSWEEP_NOW=1900000000 "$HS" index withdraw "$CLK" --hash "$H2" --reason "clock test" >/dev/null || fail=1
expect_rc 0 "verify after the clock stepped back" "$HS" index verify "$CLK"
check "list 'early' created at the newest record's time" test \
  "$("$HS" index lists "$CLK" | awk -F'\t' '$1 == "early" { print $12, $13 }')" = \
  "2033-05-18T03:33:20Z 2033-05-18T03:33:20Z"
check "log times never decrease" sh -c "'$HS' index log '$CLK' | awk -F'\t' 'NR > 2 && \$2 < prev { exit 1 } { prev = \$2 }'"

exit $fail
