#!/usr/bin/env bash
# hashsweep bench and eval on OpenCL device 0 (skipped without one): the
# bench JSON names the device and its driver, the transfer figure applies and
# is positive; eval on the device gives the very same figures as on the CPU
# path (PDQ on a device is bit-identical).
# timeout: 300
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
"$HS" devices --format tsv > "$T/devices.tsv" || fail "devices"
[ "$(wc -l < "$T/devices.tsv")" -ge 2 ] || { echo "no OpenCL device: skipped"; exit 77; }
name=$(sed -n 2p "$T/devices.tsv" | cut -f2)
driver=$(sed -n 2p "$T/devices.tsv" | cut -f9)

"$HS" bench --quick --device 0 --json "$T/b.json" > "$T/out"
expect_eq "bench --device 0 exit code" "$?" 0
python3 - "$T/b.json" "$name" "$driver" <<'PY' || fail "bench JSON on the device"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["uses_device"] is True, r["uses_device"]
assert r["device"] == sys.argv[2] and r["driver"] == sys.argv[3], (r["device"], r["driver"])
assert r["platform"], r["platform"]
h2d = r["figures"][0]
assert h2d["name"] == "h2d" and h2d["applicable"] is True, h2d
for f in r["figures"]:
    assert f["applicable"] is True and 0 < f["min"] <= f["median"] <= f["max"], f
print("device bench JSON ok")
PY

mkdir -p "$T/orig"
for i in 1 2; do "$TI" gen "$T/orig/o$i.jpg" --size 320x240 --seed "$i" || fail "gen"; done
EDITS=identity,rot90,jpeg_q50,text,crop_side_5
for dev in cpu 0; do
  "$HS" eval --originals "$T/orig" --report "$T/rep-$dev" --edits "$EDITS" --no-video --device "$dev" \
    --hash-on "$([ "$dev" = cpu ] && echo auto || echo device)" -q
  expect_eq "eval --device $dev exit code" "$?" 0
done
expect_grep "report names the device" "engine \(device\) \| OpenCL device 0" "$T/rep-0/report.md"
python3 - "$T/rep-cpu/report.json" "$T/rep-0/report.json" <<'PY' || fail "device and CPU figures differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["edits"] == b["edits"] and a["pairs"] == b["pairs"], (a["edits"], b["edits"])
print("device figures equal the CPU path's")
PY
finish
