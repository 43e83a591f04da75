#!/usr/bin/env bash
# Installs the build and test dependencies on Debian 12 (as root, apt-get),
# and any further packages named as arguments (bench/run.sh adds its own).
# Fast and quiet when everything is already there.
set -euo pipefail
PKGS=(
  build-essential cmake pkg-config git
  libvips-dev liblmdb-dev lmdb-utils libssl-dev libjansson-dev check
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
  busybox-static      # tests/cli/test_bundle.sh: the bare root file system
  libopenmpi-dev openmpi-bin
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
  libmicrohttpd-dev   # hashsweep serve: the HTTP server
  libavdevice-dev libavfilter-dev   # only to build the vpdq package (tests/cli/test_video_vpdq.sh)
  python3
  wrk                 # bench/serve_bench.sh: HTTP load for hashsweep serve
  chromium            # tests/cli/test_review_browser.sh: the review report in a real browser
)
PKGS+=("$@")
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
