#!/bin/sh
# bench/gpu-check.sh (bin/gpu-check in the bundle, tools/bundle.sh): one
# command that says what an OpenCL device does and whether it computes the
# same bits as the CPU path. docs/gpu.md says how to read its results.
#
#   gpu-check [--quick] [--out DIR] [--work DIR] [--device N] [--rescan NxM] [--images N]
#
#   --quick        sizes for PoCL and CI (a minute or two on 2 cores); without
#                  it the sizes are for a GPU (under 8 minutes on one)
#   --out DIR      results folder (default gpu-check-<host>-<UTC time>)
#   --work DIR     generated inputs (the full rescan's store is ~3 GB),
#                  removed at the end (default: a new folder in $TMPDIR or /tmp)
#   --device N     the device to check (default: the first GPU or
#                  accelerator of 'hashsweep devices', else device 0)
#   --rescan NxM   stored files x new entries of the timed rescan on the
#                  device (default 10000000x10000; --quick 100000x1000)
#   --images N     photos per size in the generated archive (default 100;
#                  --quick 8)
#
# Steps, each with a log in the results folder and a line in summary.tsv
# (step, PASS/FAIL/SKIP, seconds, note): environment, devices (with the
# kernels' self-test), the differential tests diff_pdq and diff_hamming
# (device vs CPU reference, random and generated inputs of many sizes; the
# golden ones when the reference data is bundled), hashsweep bench on the
# device and on the CPU path (ratios in ratios.tsv), hash and scan of a
# generated archive on the device vs the CPU path (outputs equal byte for
# byte), a rescan on the device vs the CPU path (equal), and the timed
# N x M rescan on the device (every planted match found).
# Exit 0: every step passed or was skipped; 1: a step failed (a bit
# differs, a program failed); 2: usage. POSIX sh: runs where bash is absent.
set -u

QUICK=0 OUT="" WORK="" DEV="" RESCAN="" IMAGES=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) OUT=${2:?--out needs a folder}; shift ;;
    --work) WORK=${2:?--work needs a folder}; shift ;;
    --device) DEV=${2:?--device needs a number}; shift ;;
    --rescan) RESCAN=${2:?--rescan needs NxM}; shift ;;
    --images) IMAGES=${2:?--images needs a count}; shift ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  : "${RESCAN:=100000x1000}" "${IMAGES:=8}"
else
  : "${RESCAN:=10000000x10000}" "${IMAGES:=100}"
fi
case "$RESCAN" in *x*) ;; *) echo "gpu-check: --rescan wants NxM, not '$RESCAN'" >&2; exit 2 ;; esac
RESCAN_N=${RESCAN%x*} RESCAN_M=${RESCAN#*x}

# ---- programs: the bundle's, or a build tree's -------------------------------
HERE=$(dirname "$(readlink -f "$0")")
if [ -f "$HERE/../lib/hs-env.sh" ]; then
  HS_BUNDLE=$(dirname "$HERE")
  . "$HS_BUNDLE/lib/hs-env.sh"
  X="$HS_BUNDLE/libexec"
  HS="$X/hashsweep" DIFF_PDQ="$X/diff_pdq" DIFF_HAMMING="$X/diff_hamming"
  TESTIMG="$X/hs-testimg" RESCAN_BENCH="$X/bench_rescan"
  TESTDATA="$HS_BUNDLE/share/hashsweep/testdata/pdq"
else
  BUILD_DIR=${BUILD_DIR:-$HERE/../build}
  HS="$BUILD_DIR/hashsweep" DIFF_PDQ="$BUILD_DIR/tests/diff_pdq" DIFF_HAMMING="$BUILD_DIR/tests/diff_hamming"
  TESTIMG="$BUILD_DIR/tests/hs-testimg" RESCAN_BENCH="$BUILD_DIR/bench/bench_rescan"
  TESTDATA=${HS_TESTDATA_DIR:-$HERE/../../shared/testdata/pdq}
fi
for p in "$HS" "$DIFF_PDQ" "$DIFF_HAMMING" "$TESTIMG" "$RESCAN_BENCH"; do
  [ -x "$p" ] || { echo "gpu-check: $p is missing (build it, or run the bundle's bin/gpu-check)" >&2; exit 2; }
done

[ -n "$OUT" ] || OUT="gpu-check-$(hostname 2>/dev/null || echo host)-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT" || exit 2
OUT=$(cd "$OUT" && pwd)
if [ -n "$WORK" ]; then
  mkdir -p "$WORK" && W=$(mktemp -d "$WORK/gpu-check.XXXXXX") || exit 2
else
  W=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX") || exit 2
fi
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
# The kernel caches (hashsweep's and PoCL's) go where the caller keeps them;
# a machine without HOME gets them in the results folder.
[ -n "${HOME:-}" ] && [ -w "${HOME:-/nonexistent}" ] || { HOME="$W/home"; mkdir -p "$HOME"; export HOME; }
SUMMARY="$OUT/summary.tsv"
printf 'step\tresult\tseconds\tnote\n' > "$SUMMARY"
FAILED=0

now() { date +%s; }
# record STEP RESULT T0 NOTE
record() {
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(( $(now) - $3 ))" "$4" >> "$SUMMARY"
  printf '%-22s %-5s %s\n' "$1" "$2" "$4"
  [ "$2" != FAIL ] || FAILED=1
}
# run STEP LOG CMD...: runs CMD with its output in LOG; PASS on exit 0, SKIP
# on 77 (the test programs' skip), FAIL otherwise.
run() {
  step=$1 log=$2
  shift 2
  t0=$(now)
  "$@" > "$OUT/$log" 2>&1
  rc=$?
  case $rc in
    0) record "$step" PASS "$t0" "$log" ;;
    77) record "$step" SKIP "$t0" "$log: $(tail -n 1 "$OUT/$log")" ;;
    *) record "$step" FAIL "$t0" "exit $rc, see $log: $(tail -n 1 "$OUT/$log")" ;;
  esac
  return $rc
}
# same STEP A B: PASS when the files are equal byte for byte.
same() {
  if cmp -s "$2" "$3"; then
    record "$1" PASS "$T0" "$(wc -l < "$2") lines equal: $(basename "$2") = $(basename "$3")"
  else
    diff "$2" "$3" > "$OUT/$1.diff" 2>&1
    record "$1" FAIL "$T0" "outputs differ, see $1.diff"
  fi
}

echo "gpu-check: results in $OUT"

# ---- 1. environment --------------------------------------------------------
T0=$(now)
{
  echo "date:      $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host:      $(uname -a)"
  echo "os:        $( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || echo unknown)"
  echo "cpu:       $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//'), $(nproc 2>/dev/null) cores"
  echo "memory:    $(grep -m1 MemTotal /proc/meminfo 2>/dev/null | awk '{printf "%.1f GiB", $2 / 1048576}')"
  echo "hashsweep: $("$HS" --version 2>&1)"
  echo "mode:      $( [ "$QUICK" = 1 ] && echo quick || echo full), rescan ${RESCAN_N}x${RESCAN_M}, $IMAGES images per size"
  echo "OCL_ICD_VENDORS=${OCL_ICD_VENDORS:-}"
  for f in "${OCL_ICD_VENDORS:-/etc/OpenCL/vendors}"/*.icd; do [ -f "$f" ] && echo "  $(basename "$f"): $(cat "$f")"; done
  [ -n "${HS_BUNDLE:-}" ] && { echo "bundle:    $HS_BUNDLE"; sed 's/^/  /' "$HS_BUNDLE/MANIFEST"; }
  if command -v nvidia-smi > /dev/null 2>&1; then echo; nvidia-smi 2>&1; fi
} > "$OUT/environment.txt" 2>&1
record environment PASS "$T0" "environment.txt"

# ---- 2. devices and their self-test -------------------------------------------
T0=$(now)
"$HS" devices > "$OUT/devices.txt" 2>&1
"$HS" devices --check --format tsv > "$OUT/devices.tsv" 2> "$OUT/devices-check.log"
cat "$OUT/devices.txt"
if [ -z "$DEV" ]; then
  DEV=$(awk -F'\t' 'NR > 1 && ($5 == "gpu" || $5 == "accelerator") {print $1; exit}' "$OUT/devices.tsv")
  [ -n "$DEV" ] || DEV=0
fi
SELF=$(awk -F'\t' -v d="$DEV" 'NR > 1 && $1 == d {print $NF}' "$OUT/devices.tsv")
DEVNAME=$(awk -F'\t' -v d="$DEV" 'NR > 1 && $1 == d {print $2 " (" $4 ", " $5 ", driver " $9 ")"}' "$OUT/devices.tsv")
if [ "$SELF" = passed ]; then
  record devices PASS "$T0" "device $DEV: $DEVNAME, self-test passed"
else
  # Without a device that passed its self-test every device run below
  # would be the CPU path again: nothing to check.
  record devices FAIL "$T0" "device $DEV: ${DEVNAME:-not found}, self-test '${SELF:-none}' (devices-check.log)"
  echo "gpu-check: FAILED: no usable OpenCL device $DEV" >&2
  rm -rf "$W"
  exit 1
fi

# ---- 3. differential tests: device kernels vs the CPU reference --------------
# They run on --device auto: the first GPU, else the first other device.
CK_DEFAULT_TIMEOUT=1800 HS_TESTDATA_DIR="$TESTDATA"
export CK_DEFAULT_TIMEOUT HS_TESTDATA_DIR
run diff_pdq diff_pdq.log "$DIFF_PDQ"
run diff_hamming diff_hamming.log "$DIFF_HAMMING"
run diff_pdq_golden diff_pdq_golden.log "$DIFF_PDQ" --golden
run diff_hamming_golden diff_hamming_golden.log "$DIFF_HAMMING" --golden

# ---- 4. micro-benchmarks: the device and the CPU path, same run ---------------
BQ=""
[ "$QUICK" = 1 ] && BQ=--quick
run bench_device bench-device.txt "$HS" bench --device "$DEV" --json "$OUT/bench-device.json" $BQ
run bench_cpu bench-cpu.txt "$HS" bench --device cpu --json "$OUT/bench-cpu.json" $BQ
if [ -s "$OUT/bench-device.json" ] && [ -s "$OUT/bench-cpu.json" ]; then
  # One figure per line in the JSON: name, size, median.
  awk 'function val(k,   m) { return match($0, "\"" k "\": [^,}]*") ? substr($0, RSTART + length(k) + 4, RLENGTH - length(k) - 4) : "" }
       /"name":/ { key = val("name") "@" val("size"); gsub(/"/, "", key)
                   if (FILENAME ~ /cpu/) cpu[key] = val("median"); else { dev[key] = val("median"); unit[key] = val("unit"); order[++n] = key } }
       END { print "figure\tunit\tdevice\tcpu\tdevice/cpu"
             for (i = 1; i <= n; i++) { k = order[i]; u = unit[k]; gsub(/"/, "", u)
               r = (dev[k] != "null" && cpu[k] != "null" && cpu[k] + 0 > 0) ? sprintf("%.2f", dev[k] / cpu[k]) : "-"
               print k "\t" u "\t" dev[k] "\t" cpu[k] "\t" r } }' \
    "$OUT/bench-device.json" "$OUT/bench-cpu.json" > "$OUT/ratios.tsv"
fi

# ---- 5. hash and scan of a generated archive: device vs CPU path --------------
T0=$(now)
A="$W/archive"
mkdir -p "$A/small" "$A/vga" "$A/hd" "$A/edits" "$A/kinds"
{
  "$TESTIMG" gen-many "$A/small" "$IMAGES" --size 97x61 --seed 11 &&
  "$TESTIMG" gen-many "$A/vga" "$IMAGES" --size 640x480 --seed 23 &&
  "$TESTIMG" gen-many "$A/hd" "$(( (IMAGES + 3) / 4 ))" --size 1920x1080 --seed 37 &&
  "$TESTIMG" gen "$A/kinds/big.jpg" --size 4000x3000 --seed 5 &&
  "$TESTIMG" gen "$A/kinds/flat.png" --size 300x300 --kind flat &&
  "$TESTIMG" gen "$A/kinds/checker.png" --size 512x512 --kind checker &&
  "$TESTIMG" gen "$A/kinds/grey.png" --size 333x777 --bands 1 --seed 9 &&
  "$TESTIMG" gen "$A/kinds/alpha.png" --size 800x600 --bands 4 --seed 10 &&
  for op in flipx flipy rot90 rot180 rot270 grey; do
    "$TESTIMG" edit "$A/vga/img00000.jpg" "$A/edits/vga-$op.jpg[Q=60]" "$op" &&
    { [ "$QUICK" = 1 ] || "$TESTIMG" edit "$A/hd/img00000.jpg" "$A/edits/hd-$op.png" "$op"; } || exit 1
  done &&
  head -c 700 "$A/vga/img00001.jpg" > "$A/edits/truncated.jpg"
} > "$OUT/archive.log" 2>&1 && record archive PASS "$T0" "$(find "$A" -type f | wc -l) files" ||
  record archive FAIL "$T0" "archive.log"

T0=$(now)
find "$A" -type f | sort > "$W/files.txt"
"$HS" hash --device cpu --dihedral - < "$W/files.txt" > "$W/hash-cpu.tsv" 2> "$OUT/hash-cpu.log"
"$HS" hash --device "$DEV" --hash-on device --dihedral - < "$W/files.txt" > "$W/hash-device.tsv" 2> "$OUT/hash-device.log"
same hash_device_vs_cpu "$W/hash-device.tsv" "$W/hash-cpu.tsv"

T0=$(now)
"$HS" index create "$W/idx" > /dev/null 2> "$OUT/scan-index.log"
# The list: the first half of each folder's photos, so that the scan finds
# them, their edited copies and near-duplicates, and nothing for the rest.
{ ls "$A"/small/*.jpg | head -n $(( (IMAGES + 1) / 2 )); ls "$A"/vga/*.jpg | head -n $(( (IMAGES + 1) / 2 ));
  ls "$A"/hd/*.jpg | head -n 1; } > "$W/listed.txt"
"$HS" hash --device cpu - < "$W/listed.txt" 2>> "$OUT/scan-index.log" | cut -f1 > "$W/list.txt"
"$HS" index import "$W/idx" --list check "$W/list.txt" >> "$OUT/scan-index.log" 2>&1
"$HS" scan -q --device cpu --index "$W/idx" --out "$OUT/scan-cpu.jsonl" "$A" 2> "$OUT/scan-cpu.log"
rc_cpu=$?
"$HS" scan -q --device "$DEV" --hash-on device --match-on device --index "$W/idx" \
  --out "$OUT/scan-device.jsonl" "$A" 2> "$OUT/scan-device.log"
rc_dev=$?
# Exit 1: done with per-item errors (the truncated file).
if [ "$rc_cpu" = 1 ] && [ "$rc_dev" = 1 ] && grep -q '"entry"' "$OUT/scan-cpu.jsonl"; then
  same scan_device_vs_cpu "$OUT/scan-device.jsonl" "$OUT/scan-cpu.jsonl"
else
  record scan_device_vs_cpu FAIL "$T0" "exit $rc_dev (device), $rc_cpu (CPU), want 1; no matches? see scan-*.log"
fi

# ---- 6. rescan: device vs CPU path, then N x M timed on the device -----------
T0=$(now)
mkdir -p "$W/rs-dev" "$W/rs-cpu" "$W/rescan"
"$RESCAN_BENCH" --files 20000 --entries 1000 --device "$DEV" --match-on device --out "$W/rescan-device.jsonl" \
  --dir "$W/rs-dev" > "$OUT/rescan-small.log" 2>&1
"$RESCAN_BENCH" --files 20000 --entries 1000 --device cpu --out "$W/rescan-cpu.jsonl" \
  --dir "$W/rs-cpu" >> "$OUT/rescan-small.log" 2>&1
if [ -s "$W/rescan-cpu.jsonl" ]; then
  same rescan_device_vs_cpu "$W/rescan-device.jsonl" "$W/rescan-cpu.jsonl"
else
  record rescan_device_vs_cpu FAIL "$T0" "no CPU matches, see rescan-small.log"
fi
if run rescan_device rescan.log "$RESCAN_BENCH" --files "$RESCAN_N" --entries "$RESCAN_M" --device "$DEV" \
     --match-on device --dir "$W/rescan"; then
  sed -i "\$s|\$| ($(grep '^rescan:' "$OUT/rescan.log"))|" "$SUMMARY"
fi

# ---- summary -------------------------------------------------------------------
rm -rf "$W"
echo
[ -s "$OUT/ratios.tsv" ] && { echo "device $DEV vs the CPU path (medians, ratios.tsv):"; column -t -s "$(printf '\t')" "$OUT/ratios.tsv" 2>/dev/null || cat "$OUT/ratios.tsv"; echo; }
grep '^rescan:' "$OUT/rescan.log" 2>/dev/null
if [ "$FAILED" = 0 ]; then
  echo "gpu-check: PASSED (summary.tsv in $OUT)"
else
  echo "gpu-check: FAILED: $(awk -F'\t' '$2 == "FAIL" {printf "%s ", $1}' "$SUMMARY")(summary.tsv in $OUT)" >&2
fi
exit "$FAILED"
