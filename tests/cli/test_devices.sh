#!/usr/bin/env bash
# timeout: 300
# `hashsweep devices`: lists devices (or says there is none), TSV form,
# --check runs the self-test, and bad options are usage errors (exit 2).
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$HASHSWEEP" devices) || fail "devices exited $?"
if echo "$out" | grep -q '^no OpenCL device found'; then
  tsv=$("$HASHSWEEP" devices --format tsv) || fail "tsv exited $?"
  [ "$(echo "$tsv" | wc -l)" -eq 1 ] || fail "tsv without devices: $tsv"
  echo "no OpenCL device: skipped"
  exit 77
fi
echo "$out" | grep -q '^device 0: ' || fail "no 'device 0:' line: $out"
for field in vendor platform type 'compute units' 'global memory' 'max allocation' driver OpenCL; do
  echo "$out" | grep -q "^  $field " || fail "field '$field' missing: $out"
done

tsv=$("$HASHSWEEP" devices --format tsv --check) || fail "tsv --check exited $?"
echo "$tsv" | head -1 | grep -q $'^index\tname\tvendor\tplatform\ttype\tcompute_units\tglobal_mem\tmax_alloc\tdriver\topencl\tself_test$' \
  || fail "tsv header: $(echo "$tsv" | head -1)"
echo "$tsv" | sed -n 2p | awk -F'\t' 'NF != 11 || $1 != "0" || $6 < 1 || $7 <= 0 || $11 != "passed" { exit 1 }' \
  || fail "tsv row: $(echo "$tsv" | sed -n 2p)"

"$HASHSWEEP" devices --device 0 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--device accepted"
"$HASHSWEEP" devices --format xml >/dev/null 2>&1; [ $? -eq 2 ] || fail "--format xml accepted"
"$HASHSWEEP" devices extra >/dev/null 2>&1; [ $? -eq 2 ] || fail "argument accepted"
# A refused device (injected self-test failure) is reported as such; the
# hook exists only in test builds (HS_FAULT_INJECTION).
if [ "${HS_FAULT_INJECTION:-OFF}" = ON ]; then
  HASHSWEEP_FAULT=selftest "$HASHSWEEP" devices --format tsv --check 2>/dev/null | sed -n 2p | grep -q $'\trefused$' \
    || fail "refused device not reported"
else
  echo "skipped the refused-device check: built without HS_FAULT_INJECTION"
fi
echo ok
