# tests/cli/lib.sh - sourced by the CLI tests. Provides $HS (the hashsweep
# binary), $TI (the image generator), a private temp dir $T, and checks.
set -u
HS=${HASHSWEEP:?HASHSWEEP must point to the hashsweep binary}
TI=${HS_TESTIMG:?HS_TESTIMG must point to hs-testimg}
T=$(mktemp -d "${TMPDIR:-/tmp}/hashsweep-cli-XXXXXX")
[ -n "${KEEP_TMP:-}" ] || trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
# expect_eq WHAT GOT WANT
expect_eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi; }
# expect_grep WHAT PATTERN FILE
expect_grep() { if grep -qE -- "$2" "$3"; then pass "$1"; else fail "$1: /$2/ not in $3:"; sed 's/^/    /' "$3" >&2; fi; }
finish() { if [ "$FAILS" -ne 0 ]; then echo "$FAILS check(s) failed" >&2; exit 1; fi; echo "all checks passed"; exit 0; }
# Test builds carry the HASHSWEEP_FAULT hooks (CMake HS_FAULT_INJECTION);
# faults_built is false in a build without them.
faults_built() { [ "${HS_FAULT_INJECTION:-OFF}" = ON ]; }
# need_faults: a script that is all fault injection skips (ctest SKIP).
need_faults() { faults_built || { echo "SKIP: built without HS_FAULT_INJECTION"; exit 77; }; }
# scan_on_device OUT FALLBACK ARGS...: `scan ARGS` with PDQ hashed and
# matched on OpenCL device 0 into OUT, or, with no usable device, FALLBACK
# (the CPU scan's records) copied to OUT and a note: callers compare OUT
# with the CPU records either way.
scan_on_device() {
  local out=$1 fallback=$2
  shift 2
  if "$HS" devices --check > /dev/null 2>&1; then
    "$HS" scan -q --device 0 --hash-on device --match-on device --out "$out" "$@"
  else
    cp "$fallback" "$out"
    echo "note: no usable OpenCL device: the device-path scan is not checked"
  fi
}

# pytx_venv DIR VERSION: python-threatexchange VERSION from PyPI in a venv
# at DIR (made once, kept); exits the test as skipped (77), with the reason,
# when python3-venv is missing or PyPI is unreachable.
pytx_venv() {
  [ -x "$1/bin/threatexchange" ] && return 0
  python3 -m venv "$1" > "$T/venv.log" 2>&1 \
    || { echo "python3 -m venv failed (python3-venv missing?): skipped"; exit 77; }
  timeout 600 "$1/bin/pip" install -q "threatexchange==$2" > "$T/pip.log" 2>&1 || {
    echo "pip install threatexchange==$2 failed (PyPI unreachable?): skipped"
    tail -3 "$T/pip.log"
    rm -rf "$1"
    exit 77
  }
}

# need_ffmpeg: skips the test (77) where the ffmpeg CLI that makes its
# videos is missing.
need_ffmpeg() {
  command -v ffmpeg > /dev/null || { echo "SKIP: no ffmpeg CLI (tools/install-deps.sh installs it)"; exit 77; }
}

# lavfi_clip OUT SOURCE SECONDS [FILTER]: an H.264 clip (yuv420p) of SECONDS
# from the lavfi source SOURCE ("testsrc2=size=320x240:rate=25"), through
# FILTER when given, made with the ffmpeg CLI (need_ffmpeg first).
lavfi_clip() {
  ffmpeg -v error -y -f lavfi -i "$2" -t "$3" ${4:+-vf "$4"} -c:v libx264 -preset ultrafast \
    -pix_fmt yuv420p "$1" || fail "ffmpeg could not make $(basename "$1")"
}

# letterboxed_clip CLIP BOXED: a 4 s 640x360 H.264 test clip (4 sampled
# frames) and a copy letterboxed into a 360x640 frame (black bands above
# and below), made with the ffmpeg CLI (callers check it is there).
letterboxed_clip() {
  ffmpeg -v error -y -f lavfi -i "testsrc2=size=640x360:rate=25" -t 4 -pix_fmt yuv420p \
    -c:v libx264 -preset ultrafast "$1" || fail "ffmpeg could not make the clip"
  ffmpeg -v error -y -i "$1" -vf "scale=360:-2,pad=360:640:(ow-iw)/2:(oh-ih)/2:black" \
    -pix_fmt yuv420p -c:v libx264 -preset ultrafast "$2" || fail "ffmpeg letterbox"
}
