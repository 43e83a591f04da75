#!/usr/bin/env bash
# The relocatable bundle (tools/bundle.sh) on a machine that has none of the
# build's packages: a root file system made here from busybox (static) and
# glibc's core libraries only, the tarball unpacked into it, and inside it
# (chroot in a private mount namespace) `hashsweep --version`, `devices`
# on the bundled PoCL, the OpenCL driver discovery of the launcher and
# `gpu-check --quick`, and a HEIF decode (libvips module). Every library a run loads must come from the bundle
# or be glibc's. Skipped (77) where it cannot run: not root, no mount
# namespace, no busybox-static, or a sanitizer build.
# timeout: 1800
. "$(dirname "$0")/lib.sh"
skip() { echo "SKIP: $*"; exit 77; }
[ -z "${HS_SANITIZE:-}" ] || skip "sanitizer build (the bundle is checked in the plain build)"
[ "$(id -u)" = 0 ] || skip "needs root (chroot, mount)"
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && ! ldd "$BUSYBOX" > /dev/null 2>&1 || skip "needs a static busybox (busybox-static, tools/install-deps.sh)"
unshare -m true 2> /dev/null || skip "no mount namespace (unshare -m)"

HS_BUNDLE_GZIP_LEVEL=1 "$HS_SOURCE_DIR/tools/bundle.sh" --build-dir "$HS_BINARY_DIR" --out "$T/dist" > "$T/bundle.log" 2>&1
expect_eq "bundle.sh exit" "$?" 0
TARBALL=$(ls "$T"/dist/hashsweep-*-linux-x86_64.tar.gz 2> /dev/null | head -n 1)
[ -f "$TARBALL" ] || { cat "$T/bundle.log" >&2; fail "no tarball"; finish; }
NAME=$(basename "$TARBALL" .tar.gz)
VERSION=$("$HS" --version | awk '{print $2}')
expect_eq "tarball name" "$NAME" "hashsweep-$VERSION-linux-x86_64"

# ---- the root file system: busybox and glibc's core libraries, nothing else ----
R="$T/root"
mkdir -p "$R"/{bin,lib64,lib/x86_64-linux-gnu,etc,tmp,proc,sys,dev,opt,root}
chmod 1777 "$R/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
for applet in $("$BUSYBOX" --list); do [ "$applet" = busybox ] || ln -s busybox "$R/bin/$applet"; done
GLIBC_DIR=$(dirname "$(ldd "$HS" | awk '$1 == "libc.so.6" {print $3}')")
for l in libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libresolv.so.2 libutil.so.1 libmvec.so.1; do
  cp -L "$GLIBC_DIR/$l" "$R/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"
tar -C "$R/opt" -xzf "$TARBALL"
B="/opt/$NAME"
expect_eq "root file system holds only busybox and glibc" \
  "$(cd "$R" && find bin lib lib64 -type f | sort | tr '\n' ' ')" \
  "bin/busybox lib/x86_64-linux-gnu/libc.so.6 lib/x86_64-linux-gnu/libdl.so.2 lib/x86_64-linux-gnu/libm.so.6 lib/x86_64-linux-gnu/libmvec.so.1 lib/x86_64-linux-gnu/libpthread.so.0 lib/x86_64-linux-gnu/libresolv.so.2 lib/x86_64-linux-gnu/librt.so.1 lib/x86_64-linux-gnu/libutil.so.1 lib64/ld-linux-x86-64.so.2 "

# inroot CMD: runs the shell command CMD in the root file system (stdout,
# stderr and exit status passed on), with /proc, /sys and /dev of the host.
inroot() {
  unshare -m --propagation private sh -c '
    R=$1; shift
    mount -t proc proc "$R/proc" && mount --rbind /sys "$R/sys" && mount --rbind /dev "$R/dev" || exit 90
    exec chroot "$R" /usr/bin/env -i HOME=/root PATH=/bin TMPDIR=/tmp /bin/sh -c "$1"' inroot "$R" "$1"
}
mkdir -p "$R/usr/bin" && ln -s /bin/busybox "$R/usr/bin/env"

inroot "$B/bin/hashsweep --version" > "$T/version.txt" 2>&1
expect_eq "--version exit" "$?" 0
expect_grep "--version" "^hashsweep $VERSION " "$T/version.txt"
# Also through a link elsewhere on PATH (the launcher finds the bundle itself).
inroot "ln -s $B/bin/hashsweep /bin/hs && hs --version" > "$T/link.txt" 2>&1
expect_grep "launcher through a symbolic link" "^hashsweep $VERSION " "$T/link.txt"

# Decoding through a libvips module (HEIF) finds the bundle's module.
"$TI" gen "$R/tmp/t.heic" --size 256x256 --seed 3
inroot "$B/bin/hashsweep hash --device cpu /tmp/t.heic" > "$T/heic.tsv" 2>&1
expect_eq "HEIF hashed in the root (libvips module)" "$(cut -f1 "$T/heic.tsv")" \
  "$("$HS" hash --device cpu "$R/tmp/t.heic" | cut -f1)"

# devices: the bundled PoCL, its kernels built and self-tested in the root.
inroot "HS_BUNDLE_DEBUG=1 LD_DEBUG=files $B/bin/hashsweep devices --check --format tsv" \
  > "$T/devices.tsv" 2> "$T/devices.err"
expect_eq "devices exit" "$?" 0
expect_grep "PoCL device listed" "Portable Computing Language" "$T/devices.tsv"
expect_eq "PoCL self-test in the root" "$(awk -F'\t' 'NR == 2 {print $NF}' "$T/devices.tsv")" "passed"
expect_grep "launcher: bundled PoCL as the OpenCL driver" "90-pocl.icd $B/lib/pocl/libpocl.so.2" "$T/devices.err"
# Every object the dynamic loader initialised came from the bundle or glibc
# (or is a kernel PoCL compiled and linked here, in its cache).
grep -o 'calling init: [^ ]*' "$T/devices.err" | awk '{print $3}' | grep -v '/pocl/kcache/' | sort -u > "$T/loaded.txt"
expect_grep "libpocl loaded from the bundle" "^$B/lib/pocl/libpocl.so.2$" "$T/loaded.txt"
expect_grep "libvips loaded from the bundle" "^$B/lib/libvips.so.42$" "$T/loaded.txt"
grep -v -e "^$B/" -e '^/lib/x86_64-linux-gnu/lib\(c\|m\|pthread\|dl\|rt\|resolv\|mvec\)\.so\.[0-9]*$' \
  -e '^/lib64/ld-linux-x86-64.so.2$' "$T/loaded.txt" > "$T/foreign.txt"
expect_eq "libraries from outside the bundle and glibc" "$(tr '\n' ' ' < "$T/foreign.txt")" ""

# Driver discovery: a driver library in /usr/local/nvidia/lib64 and no
# /etc/OpenCL/vendors gets a generated .icd; with the host's own .icd the
# launcher adds none. (The stand-in is not a driver: the ICD loader skips
# it and PoCL stays the only device.)
mkdir -p "$R/usr/local/nvidia/lib64" && : > "$R/usr/local/nvidia/lib64/libnvidia-opencl.so.1"
inroot "HS_BUNDLE_DEBUG=1 $B/bin/hashsweep devices --format tsv" > "$T/nv.tsv" 2> "$T/nv.err"
expect_grep "NVIDIA driver found in /usr/local/nvidia/lib64" \
  "10-nvidia.icd /usr/local/nvidia/lib64/libnvidia-opencl.so.1" "$T/nv.err"
expect_eq "the stand-in driver is skipped, PoCL still listed" "$(awk 'NR > 1' "$T/nv.tsv" | wc -l)" 1
mkdir -p "$R/etc/OpenCL/vendors" && echo libnvidia-opencl.so.1 > "$R/etc/OpenCL/vendors/nvidia.icd"
inroot "HS_BUNDLE_DEBUG=1 $B/bin/hashsweep devices --format tsv" > /dev/null 2> "$T/nv2.err"
expect_grep "the host's .icd is used as it is" "50-nvidia.icd libnvidia-opencl.so.1" "$T/nv2.err"
if grep -q "10-nvidia.icd" "$T/nv2.err"; then fail "a second NVIDIA .icd was generated"; else pass "no second NVIDIA .icd"; fi
rm -rf "$R/etc/OpenCL" "$R/usr/local/nvidia"

# The one-command check, quick sizes, on PoCL.
inroot "$B/bin/gpu-check --quick --out /tmp/gpu-check" > "$T/gpu-check.txt" 2>&1
rc=$?
expect_eq "gpu-check --quick exit" "$rc" 0
S="$R/tmp/gpu-check/summary.tsv"
[ "$rc" = 0 ] || { cat "$T/gpu-check.txt" >&2; cat "$S" >&2; }
for step in devices diff_pdq diff_hamming bench_device bench_cpu hash_device_vs_cpu scan_device_vs_cpu \
            rescan_device_vs_cpu rescan_device; do
  expect_eq "gpu-check step $step" "$(awk -F'\t' -v s="$step" '$1 == s {print $2}' "$S")" PASS
done
expect_grep "bench JSON from the device" '"uses_device": true' "$R/tmp/gpu-check/bench-device.json"
finish
