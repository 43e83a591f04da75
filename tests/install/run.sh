#!/usr/bin/env bash
# tests/install/run.sh BUILD-DIR - `cmake --install` into a temporary
# prefix, then programs built against what was installed: example.c through
# `pkg-config --cflags --libs hashsweep` (shared library) and with
# --static, and through find_package(hashsweep) (consumer/). Checks the
# files installed, the SONAME, that the shared library exports exactly the
# HS_API functions of the installed headers, and what the programs print.
# HS_SANITIZE (address|thread) builds the programs with the same sanitizer
# as the library.
set -u
BUILD=${1:?usage: run.sh BUILD-DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/hashsweep-install-XXXXXX")
trap 'rm -rf "$T"' EXIT
P=$T/prefix
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
case ${HS_SANITIZE:-} in
  address) san=(-fsanitize=address,undefined) ;;
  thread) san=(-fsanitize=thread) ;;
  *) san=() ;;
esac
CC=${CC:-cc}

cmake --install "$BUILD" --prefix "$P" > "$T/install.log" || { cat "$T/install.log"; fail "cmake --install"; exit 1; }
libdir=$(dirname "$(find "$P" -name hashsweep.pc | head -1)")/..
libdir=$(cd "$libdir" && pwd)
version=$(sed -n 's/^#define HS_VERSION_STRING "\(.*\)"$/\1/p' "$P/include/hashsweep/version.h")
major=${version%%.*}
[ -n "$version" ] && pass "version.h says $version" || fail "no HS_VERSION_STRING in the installed version.h"
for f in include/hashsweep.h include/hashsweep/core.h include/hashsweep/version.h bin/hashsweep \
         share/doc/hashsweep/README.md; do
  [ -f "$P/$f" ] && pass "installed $f" || fail "$f not installed"
done
for f in libhashsweep.a "libhashsweep.so.$version" "libhashsweep.so.$major" libhashsweep.so \
         pkgconfig/hashsweep.pc cmake/hashsweep/hashsweepConfig.cmake \
         cmake/hashsweep/hashsweepConfigVersion.cmake; do
  [ -e "$libdir/$f" ] && pass "installed lib/$f" || fail "lib/$f not installed"
done
soname=$(readelf -d "$libdir/libhashsweep.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libhashsweep.so.$major" ] && pass "SONAME $soname" || fail "SONAME '$soname'"

# Exactly the HS_API functions are exported: none forgotten (a definition
# that does not see its HS_API declaration is hidden), no internal one.
grep -ho '^HS_API[^(]*(' "$P/include/hashsweep/"*.h | sed 's/($//; s/.*[ *]//' | sort -u > "$T/api"
nm -D --defined-only "$libdir/libhashsweep.so" | awk '$2 == "T" { print $3 }' | sort -u > "$T/exported"
if cmp -s "$T/api" "$T/exported"; then
  pass "exports the $(wc -l < "$T/api") HS_API functions and nothing else"
else
  fail "exports differ from the HS_API declarations (< declared only, > exported only):"
  diff "$T/api" "$T/exported" | grep '^[<>]' >&2
fi

# The installed CLI runs.
"$P/bin/hashsweep" --version > "$T/cli.out" 2>&1
grep -q "^hashsweep $version " "$T/cli.out" && pass "installed CLI: $(head -1 "$T/cli.out")" \
  || fail "installed CLI --version: $(cat "$T/cli.out")"

export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion hashsweep)" = "$version" ] && pass "pkg-config --modversion" \
  || fail "pkg-config --modversion: $(pkg-config --modversion hashsweep 2>&1)"

# check_run NAME BINARY: runs it on a fresh index folder, compares its
# output with the first program's (all link the same library code).
check_run() {
  rm -rf "$T/idx"
  if ! LD_LIBRARY_PATH=$libdir "$2" "$T/idx" > "$T/$1.out" 2> "$T/$1.err"; then
    fail "$1 exited non-zero:"; cat "$T/$1.err" >&2; return
  fi
  if [ ! -f "$T/first.out" ]; then
    cp "$T/$1.out" "$T/first.out"
    grep -qx "headers $version ($version), library $version" "$T/$1.out" \
      && pass "$1: version macros = hs_version()" || fail "$1: $(head -1 "$T/$1.out")"
    grep -qx "md5 900150983cd24fb0d6963f7d28e17f72" "$T/$1.out" && pass "$1: MD5 of abc" \
      || fail "$1: MD5 line: $(grep md5 "$T/$1.out")"
    grep -qE "^pdq [0-9a-f]{64} quality [0-9]+$" "$T/$1.out" && pass "$1: PDQ line" \
      || fail "$1: PDQ line: $(grep pdq "$T/$1.out")"
    grep -qx "index version 0, 0 lists" "$T/$1.out" && pass "$1: index created and opened" \
      || fail "$1: index line: $(grep index "$T/$1.out")"
  elif cmp -s "$T/first.out" "$T/$1.out"; then
    pass "$1: same output"
  else
    fail "$1: output differs:"; diff "$T/first.out" "$T/$1.out" >&2
  fi
}

# 1. pkg-config, shared library.
# shellcheck disable=SC2046
if $CC "${san[@]}" -o "$T/ex_pc" "$HERE/example.c" $(pkg-config --cflags --libs hashsweep) 2> "$T/cc.err"; then
  readelf -d "$T/ex_pc" | grep -q "NEEDED.*\[libhashsweep.so.$major\]" && pass "pkg-config: links libhashsweep.so.$major" \
    || fail "pkg-config: the program does not need libhashsweep.so.$major"
  check_run pkg-config "$T/ex_pc"
else
  fail "pkg-config build:"; cat "$T/cc.err" >&2
fi
# 2. pkg-config --static, the archive. Debian's FFmpeg lists in its own
# Libs.private every library it was built with (libgme, libzmq, ...), most of
# which have no -dev package installed: when that line cannot link even an
# empty program, the archive is linked with its Requires.private as shared
# libraries instead, which still checks that hashsweep.pc names them all.
echo 'int main(void){return 0;}' > "$T/empty.c"
# shellcheck disable=SC2046
if $CC -o "$T/empty" "$T/empty.c" $(pkg-config --static --libs $(pkg-config --print-requires-private hashsweep | awk '{print $1}')) 2>/dev/null; then
  static_libs=$(pkg-config --cflags --static --libs hashsweep)
else
  echo "note: the dependencies' --static link line needs libraries this machine lacks; linking them shared"
  # shellcheck disable=SC2046
  own_private=$(sed -n 's/^Libs.private: *//p' "$(pkg-config --variable=pcfiledir hashsweep)/hashsweep.pc")
  # shellcheck disable=SC2046
  static_libs="$(pkg-config --cflags --libs hashsweep) $own_private $(pkg-config --libs $(pkg-config --print-requires-private hashsweep | awk '{print $1}'))"
fi
# shellcheck disable=SC2046
if $CC "${san[@]}" -o "$T/ex_static" "$HERE/example.c" \
    $(echo "$static_libs" | sed 's/-lhashsweep/-Wl,-Bstatic -lhashsweep -Wl,-Bdynamic/') 2> "$T/cc.err"; then
  readelf -d "$T/ex_static" | grep -q "NEEDED.*libhashsweep" && fail "pkg-config --static: still needs libhashsweep.so"
  check_run "pkg-config --static" "$T/ex_static"
else
  fail "pkg-config --static build:"; cat "$T/cc.err" >&2
fi
# 3. find_package(hashsweep), both targets.
if CC=$CC CFLAGS="${san[*]}" LDFLAGS="${san[*]}" cmake -S "$HERE/consumer" -B "$T/consumer" \
     -DCMAKE_PREFIX_PATH="$P" > "$T/cmake.log" 2>&1 \
   && cmake --build "$T/consumer" >> "$T/cmake.log" 2>&1; then
  check_run "find_package shared" "$T/consumer/example_shared"
  check_run "find_package static" "$T/consumer/example_static"
else
  fail "find_package build:"; tail -20 "$T/cmake.log" >&2
fi

if [ "$FAILS" -ne 0 ]; then echo "$FAILS check(s) failed" >&2; exit 1; fi
echo "all checks passed"
