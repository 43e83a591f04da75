#!/usr/bin/env bash
# hashsweep bench --quick: the table on stdout, the JSON keys and values
# (versions, device, every figure positive where applicable, the transfer
# not applicable on the CPU path), and usage errors.
# timeout: 120
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }

"$HS" bench --quick --device cpu --json "$T/b.json" > "$T/out"
expect_eq "bench exit code" "$?" 0
for n in h2d pdq_512 pdq_1080p hamming_radius hamming_top1; do
  expect_grep "table has $n" "^$n " "$T/out"
done
python3 - "$T/b.json" <<'PY' || fail "bench JSON"
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("hashsweep_version", "build_features", "engine", "uses_device", "device", "driver",
          "platform", "date", "options", "figures"):
    assert k in r, k
assert r["uses_device"] is False and r["engine"].startswith("CPU"), r["engine"]
assert r["options"]["repeats"] == 3
names = [f["name"] for f in r["figures"]]
assert names == ["h2d", "pdq_512", "pdq_1080p", "hamming_radius", "hamming_top1"], names
for f in r["figures"]:
    for k in ("unit", "size", "queries", "applicable", "median", "min", "max", "repeats", "note"):
        assert k in f, (f["name"], k)
    if f["name"] == "h2d":
        assert f["applicable"] is False and f["median"] is None and "not applicable" in f["note"]
        continue
    assert f["applicable"] is True and f["repeats"] == 3, f
    assert 0 < f["min"] <= f["median"] <= f["max"], f
hr = [f for f in r["figures"] if f["name"] == "hamming_radius"][0]
assert hr["size"] == 20000 and hr["queries"] == 100, hr
print("bench JSON ok")
PY
"$HS" bench --quick --device cpu --sizes 5000 --queries 10 --repeats 2 --json - > "$T/b2.json"
expect_eq "bench --json - exit code" "$?" 0
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); f=r["figures"][3]; assert f["size"]==5000 and f["queries"]==10 and f["repeats"]==2, f' "$T/b2.json" \
  && pass "options override --quick" || fail "options override --quick"
"$HS" bench --repeats 0 2>"$T/err"
expect_eq "--repeats 0: exit code" "$?" 2
"$HS" bench --sizes 1,2,3,4,5 2>"$T/err"
expect_eq "--sizes with 5 sizes: exit code" "$?" 2
finish
