#!/usr/bin/env bash
# tools/bundle.sh - a relocatable hashsweep for machines that have nothing of
# the build installed (rented GPU nodes, batch clusters, locked-down
# containers): dist/hashsweep-<version>-linux-x86_64.tar.gz, which runs
# unpacked anywhere with glibc >= the build machine's (MANIFEST says which)
# and needs no installation and no network. docs/gpu.md describes it.
#
#   tools/bundle.sh [--build-dir DIR] [--out DIR] [--no-pocl] [--no-testdata] [--dir-only]
#
#   --build-dir DIR  use this configured build tree (e.g. build/; only the
#                    bundled targets are built). Default: build-bundle/,
#                    configured here without MPI (Open MPI's run-time plugins
#                    do not relocate; clusters use their own MPI build).
#   --out DIR        where the bundle goes (default dist/)
#   --no-pocl        leave PoCL (the CPU OpenCL fallback, ~180 MB of LLVM
#                    unpacked) out: for GPU machines, and small enough to
#                    carry to one (about 25 MB packed).
#   --no-testdata    leave the PDQ reference images out (gpu-check then skips
#                    the golden differential tests).
#   --dir-only       stop after dist/<name>/, without the tarball.
#
# Layout (everything the launchers need is found relative to themselves):
#   bin/hashsweep, bin/gpu-check   launchers (POSIX sh)
#   libexec/                       the real programs
#   lib/                           every shared library they need except
#                                  glibc's own; lib/hs-env.sh sets the paths
#   lib/fallback/                  libstdc++, libgcc_s: used only where the
#                                  host has none (a newer host copy wins, as
#                                  a host GPU driver may need it)
#   lib/x86_64-linux-gnu/vips-modules-*/  libvips' HEIF loader (VIPSHOME=lib)
#   lib/pocl/, share/pocl/         PoCL, its device modules, kernel library,
#                                  headers, and a linker for its kernels
#   share/doc/<package>/copyright  licences of every bundled Debian package
set -euo pipefail
CALLER_DIR=$(pwd)
cd "$(dirname "$0")/.."
SRC=$(pwd)
abs() { case "$1" in /*) echo "$1" ;; *) echo "$CALLER_DIR/$1" ;; esac; }

BUILD_DIR="" DIST="$SRC/dist" POCL=1 TESTDATA=1 TARBALL=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD_DIR=$(abs "${2:?--build-dir needs a folder}"); shift ;;
    --out) DIST=$(abs "${2:?--out needs a folder}"); shift ;;
    --no-pocl) POCL=0 ;;
    --no-testdata) TESTDATA=0 ;;
    --dir-only) TARBALL=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bundle.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for tool in ldd objdump strip tar gzip dpkg-query; do
  command -v "$tool" > /dev/null || { echo "bundle.sh: '$tool' is needed" >&2; exit 2; }
done

# ---- build ---------------------------------------------------------------------
TARGETS="hashsweep_cli diff_pdq diff_hamming hs-testimg bench_rescan"
if [ -z "$BUILD_DIR" ]; then
  BUILD_DIR=build-bundle
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHS_WERROR=ON -DHS_WITH_MPI=OFF \
    > /dev/null
fi
[ -f "$BUILD_DIR/CMakeCache.txt" ] || { echo "bundle.sh: $BUILD_DIR is not a configured build tree" >&2; exit 2; }
# shellcheck disable=SC2086
cmake --build "$BUILD_DIR" -j"${JOBS:-$(nproc)}" --target $TARGETS > /dev/null
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
HS_BIN="$BUILD_DIR/hashsweep"
VERSION=$("$HS_BIN" --version | awk '{print $2; exit}')
NAME="hashsweep-$VERSION-linux-x86_64"
mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd)
B="$DIST/$NAME"
rm -rf "$B" "$DIST/$NAME.tar.gz"
mkdir -p "$B/bin" "$B/libexec" "$B/lib/fallback" "$B/share/doc"

# ---- programs ------------------------------------------------------------------
install -m 755 "$HS_BIN" "$B/libexec/hashsweep"
install -m 755 "$BUILD_DIR/tests/diff_pdq" "$BUILD_DIR/tests/diff_hamming" \
  "$BUILD_DIR/tests/hs-testimg" "$BUILD_DIR/bench/bench_rescan" "$B/libexec/"
strip --strip-unneeded "$B"/libexec/*
install -m 644 tools/bundle/hs-env.sh "$B/lib/hs-env.sh"
install -m 755 tools/bundle/hashsweep "$B/bin/hashsweep"
install -m 755 bench/gpu-check.sh "$B/bin/gpu-check"

# ---- shared libraries --------------------------------------------------------
# glibc's own libraries come from the host: they go with its dynamic loader.
is_glibc() {
  case "$1" in
    linux-vdso.so.*|ld-linux*.so.*|libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*| \
    libresolv.so.*|libutil.so.*|libanl.so.*|libmvec.so.*|libBrokenLocale.so.*|libnss_*|libthread_db.so.*| \
    libc_malloc_debug.so.*) return 0 ;;
  esac
  return 1
}
PKGS=""          # Debian packages whose files are bundled (licences, MANIFEST)
note_pkg() {
  local p
  p=$(dpkg-query -S "$1" 2>/dev/null | head -n1 | cut -d: -f1) || true
  [ -n "$p" ] || p=$(dpkg-query -S "$(readlink -f "$1")" 2>/dev/null | head -n1 | cut -d: -f1) || true
  [ -n "$p" ] && PKGS="$PKGS $p"
  return 0
}
# copy_deps ELF...: every library those need (ldd gives the whole closure),
# under the name they ask for, into lib/ (or lib/fallback/).
copy_deps() {
  local name path dest
  while read -r name path; do
    is_glibc "$name" && continue
    case "$name" in libpocl.so.*) continue ;; esac   # lives in lib/pocl/
    [ -e "$path" ] || { echo "bundle.sh: $name not found (ldd)" >&2; exit 3; }
    case "$name" in libstdc++.so.*|libgcc_s.so.*) dest="$B/lib/fallback/$name" ;; *) dest="$B/lib/$name" ;; esac
    [ -e "$dest" ] && continue
    cp -L "$path" "$dest"
    chmod 644 "$dest"
    note_pkg "$path"
  done < <(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u)
  if ldd "$@" | grep -q "not found"; then
    echo "bundle.sh: unresolved libraries:" >&2; ldd "$@" | grep "not found" >&2; exit 3
  fi
}
copy_deps "$B"/libexec/*

# libvips loads its HEIF loader as a module; moved away from its build-time
# prefix it looks in $VIPSHOME/<last part of its libdir>/vips-modules-X.Y
# (Debian: x86_64-linux-gnu), and the launcher sets VIPSHOME to lib/. The
# other modules hold loaders hashsweep never runs (docs/scan.md).
VIPS_LIB=$(ldd "$HS_BIN" | awk '$1 ~ /^libvips\.so/ {print $3}')
VIPS_LIBDIR=$(dirname "$(readlink -f "$VIPS_LIB")")
VIPS_MODS=$(ls -d "$VIPS_LIBDIR"/vips-modules-* 2>/dev/null | head -n1 || true)
if [ -n "$VIPS_MODS" ] && [ -f "$VIPS_MODS/vips-heif.so" ]; then
  MODS_TO="$B/lib/$(basename "$VIPS_LIBDIR")/$(basename "$VIPS_MODS")"
  mkdir -p "$MODS_TO"
  install -m 644 "$VIPS_MODS/vips-heif.so" "$MODS_TO/"
  note_pkg "$VIPS_MODS/vips-heif.so"
  copy_deps "$VIPS_MODS/vips-heif.so"
fi

# ---- PoCL ------------------------------------------------------------------------
# Debian's libpocl finds its device modules in pocl/ beside itself and its
# kernel library and headers in ../../share/pocl from there (a relocatable
# build), so lib/pocl/libpocl.so.2 finds share/pocl/. It links each compiled
# kernel into a shared object with the system linker, through clang's
# driver, which looks for `ld` on PATH where there is no GCC: lib/pocl/bin/ld
# runs the bundled GNU ld, and lib/pocl/link/ stands in for libc/libm/libgcc_s,
# whose symbols the kernels resolve from the process when PoCL loads them.
if [ "$POCL" = 1 ]; then
  ICD=$(grep -lx '.*libpocl\.so.*' /etc/OpenCL/vendors/*.icd 2>/dev/null | head -n1 || true)
  [ -n "$ICD" ] || { echo "bundle.sh: no PoCL ICD in /etc/OpenCL/vendors (pocl-opencl-icd; or use --no-pocl)" >&2; exit 3; }
  POCL_LIB=$(head -n1 "$ICD")
  if [ "${POCL_LIB#/}" = "$POCL_LIB" ]; then   # a bare name: the loader's folders
    for d in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
      [ -f "$d/$POCL_LIB" ] && { POCL_LIB="$d/$POCL_LIB"; break; }
    done
  fi
  [ -f "$POCL_LIB" ] || { echo "bundle.sh: PoCL library '$POCL_LIB' ($ICD) not found" >&2; exit 3; }
  POCL_DIR=$(dirname "$(readlink -f "$POCL_LIB")")
  P="$B/lib/pocl"
  mkdir -p "$P/pocl" "$P/bin" "$P/link" "$B/share/pocl"
  cp -L "$POCL_LIB" "$P/libpocl.so.2"
  cp -L "$POCL_DIR"/pocl/libpocl-devices-*.so "$P/pocl/"
  cp -rL "$POCL_DIR/../../share/pocl/." "$B/share/pocl/"
  note_pkg "$POCL_LIB"; note_pkg "$(ls "$POCL_DIR"/pocl/*.so | head -n1)"
  note_pkg "$(ls -d "$POCL_DIR/../../share/pocl/include/"* | head -n1)"
  LD_BFD=$(readlink -f "$(command -v ld.bfd || command -v ld)")
  cp -L "$LD_BFD" "$P/bin/ld.bfd"
  note_pkg "$LD_BFD"
  copy_deps "$P/libpocl.so.2" "$P"/pocl/*.so "$P/bin/ld.bfd"
  install -m 755 tools/bundle/pocl-ld "$P/bin/ld"
  for l in libc libm libgcc_s; do
    printf '/* %s: resolved in the process that loads the kernel (tools/bundle.sh) */\n' "$l" > "$P/link/$l.so"
  done
  # libgcc.a: compiler helpers a kernel may call (128-bit division, half floats).
  LIBGCC=$(gcc -print-libgcc-file-name 2>/dev/null || true)
  if [ -f "$LIBGCC" ]; then cp "$LIBGCC" "$P/link/libgcc.a"; note_pkg "$LIBGCC"; else printf '!<arch>\n' > "$P/link/libgcc.a"; fi
  chmod -R a+rX,go-w "$P" "$B/share/pocl"
fi

# ---- reference data, licences, manifest -------------------------------------
TESTDATA=$( [ "$TESTDATA" = 1 ] && sed -n 's/^HS_TESTDATA_DIR:PATH=//p' "$BUILD_DIR/CMakeCache.txt" || true)
if [ -n "$TESTDATA" ] && [ -f "$TESTDATA/expected_pdq_noresize.tsv" ]; then
  mkdir -p "$B/share/hashsweep/testdata"
  cp -r "$TESTDATA" "$B/share/hashsweep/testdata/pdq"
fi
for p in $(echo "$PKGS" | tr ' ' '\n' | sort -u); do
  src="/usr/share/doc/${p%%:*}/copyright"
  [ -f "$src" ] && { mkdir -p "$B/share/doc/${p%%:*}"; cp "$src" "$B/share/doc/${p%%:*}/"; }
done
GLIBC_NEEDED=$( (find "$B/libexec" "$B/lib" -type f -name '*.so*' -o -type f -perm -u+x | xargs objdump -T 2>/dev/null || true) |
  grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n1)
{
  echo "hashsweep $VERSION bundle, built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git -C "$SRC" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "build:       $("$HS_BIN" --version)"
  echo "build host:  $(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -m)"
  echo "needs:       Linux x86-64, glibc >= ${GLIBC_NEEDED#GLIBC_} (the only libraries taken from the host)"
  echo "pocl:        $( [ "$POCL" = 1 ] && echo bundled || echo 'not bundled (--no-pocl)')"
  echo "testdata:    $( [ -d "$B/share/hashsweep/testdata" ] && echo bundled || echo 'not bundled')"
  echo "packages:"
  for p in $(echo "$PKGS" | tr ' ' '\n' | sort -u); do
    echo "  $p $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)"
  done
} > "$B/MANIFEST"

if [ "$TARBALL" = 1 ]; then
  tar -C "$DIST" -cf - "$NAME" | gzip -"${HS_BUNDLE_GZIP_LEVEL:-6}" > "$DIST/$NAME.tar.gz"
  echo "$DIST/$NAME.tar.gz ($(du -h "$DIST/$NAME.tar.gz" | cut -f1); unpacked $(du -sh "$B" | cut -f1))"
else
  echo "$B ($(du -sh "$B" | cut -f1))"
fi
