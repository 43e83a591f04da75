#!/usr/bin/env bash
# The same scan on the OpenCL device (PDQ and matching forced there) and on
# the CPU path gives the same output, byte for byte; an OpenCL failure
# injected mid-batch is redone on the CPU with a warning and changes
# nothing. Skipped when no OpenCL device exists.
# timeout: 300
. "$(dirname "$0")/lib.sh"
"$HS" devices --check > /dev/null 2>&1 || { echo "SKIP: no usable OpenCL device"; exit 77; }
A="$T/archive"
mkdir -p "$A/c"
"$TI" gen-many "$A" 40 --size 640x480 --seed 4242
for i in 01 07 13; do "$TI" edit "$A/img000$i.jpg" "$A/c/copy$i.jpg[Q=50]" flipy; done
head -c 800 "$A/img00002.jpg" > "$A/c/bad.jpg"
"$HS" index create "$T/idx" > /dev/null
"$HS" hash --device cpu "$A"/img0000[0-9].jpg "$A"/img0001[0-5].jpg | cut -f1 > "$T/list.txt"
"$HS" index import "$T/idx" --list l "$T/list.txt" > /dev/null

"$HS" scan -q --device cpu --index "$T/idx" --out "$T/cpu.jsonl" "$A"
expect_eq "cpu exit" "$?" 1
"$HS" scan -q --device 0 --hash-on device --match-on device --index "$T/idx" --out "$T/dev.jsonl" "$A"
expect_eq "device exit" "$?" 1
if cmp -s "$T/cpu.jsonl" "$T/dev.jsonl"; then pass "device output = CPU output"; else fail "outputs differ"; diff "$T/cpu.jsonl" "$T/dev.jsonl" | head >&2; fi
expect_eq "matches found" "$(grep -c '"entry"' "$T/cpu.jsonl")" 19

# Injected device failures (hooks of test builds only, HS_FAULT_INJECTION).
if faults_built; then
  HASHSWEEP_FAULT=pdq "$HS" scan --device 0 --hash-on device --index "$T/idx" --out "$T/fault.jsonl" "$A" 2> "$T/fault.err"
  expect_eq "fault run exit" "$?" 1
  if cmp -s "$T/cpu.jsonl" "$T/fault.jsonl"; then pass "nothing lost after the injected failure"; else fail "fault output differs"; fi
  expect_grep "a warning says the batch was redone" "warning: .*(CPU|cpu)" "$T/fault.err"
  # The same for the Hamming search on the device: its results so far are
  # dropped and the search is redone on the CPU.
  HASHSWEEP_FAULT=hamming "$HS" scan --device 0 --hash-on device --match-on device --index "$T/idx" \
    --out "$T/hfault.jsonl" "$A" 2> "$T/hfault.err"
  expect_eq "match fault run exit" "$?" 1
  if cmp -s "$T/cpu.jsonl" "$T/hfault.jsonl"; then pass "match fault: nothing lost, nothing doubled"; else fail "match fault output differs"; diff "$T/cpu.jsonl" "$T/hfault.jsonl" | head >&2; fi
  expect_grep "match fault: a warning says the search was redone" "device radius search failed .*injected fault.*redoing it on the CPU" "$T/hfault.err"
else
  echo "skipped the injected-failure checks: built without HS_FAULT_INJECTION"
fi

# Placement auto with only host-CPU devices (PoCL): the device is not even
# opened (no context, kernels or self-test for nothing); asking for it
# still opens it.
if "$HS" devices --format tsv | awk -F'\t' 'NR > 1 && $5 != "cpu" { found = 1 } END { exit found }'; then
  "$HS" scan -v --index "$T/idx" --out /dev/null "$A/img00001.jpg" 2> "$T/auto.err"
  expect_grep "auto: the host CPU's device is left unopened" "host CPU's OpenCL device is left unopened" "$T/auto.err"
  expect_grep "auto: CPU engine" "engine: CPU" "$T/auto.err"
  "$HS" scan -v --hash-on device --index "$T/idx" --out /dev/null "$A/img00001.jpg" 2> "$T/forced.err"
  expect_grep "hash-on device: the device is opened" "engine: OpenCL device" "$T/forced.err"
fi

"$HS" hash --device 0 --hash-on device --dihedral "$A"/*.jpg > "$T/hash-dev.tsv"
"$HS" hash --device cpu --dihedral "$A"/*.jpg > "$T/hash-cpu.tsv"
if cmp -s "$T/hash-dev.tsv" "$T/hash-cpu.tsv"; then pass "hash: device = CPU (8 hashes, quality)"; else fail "hash outputs differ"; fi
finish
