#!/usr/bin/env bash
# tests/check_fault_hooks.sh ON|OFF FILE... - the HASHSWEEP_FAULT test hooks
# (core/fault.h) are in the built library and CLI exactly when the build
# was configured with HS_FAULT_INJECTION=ON. OFF (a release build): no
# hook symbol and no trace of the variable or of the injected-failure
# messages in any FILE. ON: all are there, which shows this check sees them.
set -u
want=${1:?usage: check_fault_hooks.sh ON|OFF FILE...}
shift
symbols='^(fault_listed|fault_file|fault_wait_release|cl_fault)$'
texts='HASHSWEEP_FAULT|injected fault'
fails=0
for f in "$@"; do
  [ -f "$f" ] || { echo "FAIL: $f: no such file"; fails=$((fails + 1)); continue; }
  nsym=$(nm -A "$f" 2>/dev/null | awk '$NF ~ /'"$symbols"'/ && $(NF-1) ~ /^[TtDdBbRr]$/' | wc -l)
  ntext=$(strings -a "$f" | grep -cE "$texts")
  echo "$f: $nsym hook symbol(s), $ntext string(s) naming the hooks"
  if [ "$want" = ON ]; then
    [ "$nsym" -gt 0 ] && [ "$ntext" -gt 0 ] || { echo "FAIL: $f: test build without the hooks"; fails=$((fails + 1)); }
  else
    [ "$nsym" -eq 0 ] && [ "$ntext" -eq 0 ] || { echo "FAIL: $f: release build carries the hooks"; fails=$((fails + 1)); }
  fi
done
exit $((fails > 0))
