#!/usr/bin/env bash
# hashsweep match reproduces the expected match lists of the reference test
# data (../shared/testdata/pdq/matching) exactly, on --device cpu and
# --device auto. Skipped (77) when that folder is absent.
# timeout: 120
. "$(dirname "$0")/lib.sh"
M=${HS_TESTDATA_DIR:-}/matching
[ -f "$M/te_expected_d31.tsv" ] || { echo "no reference matching data at '$M': skipped"; exit 77; }

# NAME NEEDLES HAYSTACK RADIUS EXPECTED (the expected file has a header line)
check() {
  tail -n +2 "$M/$5" > "$T/want"
  [ -s "$T/want" ] || fail "$1: $5 has no rows"
  for dev in cpu auto; do
    "$HS" match --radius "$4" --device "$dev" "$M/$2" "$M/$3" > "$T/got"; rc=$?
    expect_eq "$1 on $dev: exit" "$rc" 0
    if diff "$T/want" "$T/got" > "$T/diff"; then pass "$1 on $dev: $(wc -l < "$T/got") pairs identical"
    else fail "$1 on $dev differs:"; head -n 20 "$T/diff" >&2; fi
  done
}
check "ThreatExchange needles vs haystack, radius 31" te_needles.txt te_haystack.txt 31 te_expected_d31.tsv
check "PDQ boundary distances, radius 40" pdq_boundary_needles.txt pdq_boundary_haystack.txt 40 pdq_boundary_expected_le40.tsv
check "64-bit boundary distances, radius 16" h64_boundary_needles.txt h64_boundary_haystack.txt 16 h64_boundary_expected_le16.tsv
# The default radius is 31.
"$HS" match "$M/te_needles.txt" "$M/te_haystack.txt" > "$T/got"
tail -n +2 "$M/te_expected_d31.tsv" > "$T/want"
expect_eq "default radius is 31" "$(cmp -s "$T/want" "$T/got" && echo same)" same
finish
