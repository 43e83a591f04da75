#!/usr/bin/env bash
# bench/index_scale.sh - import rate and bytes per entry of the LMDB index at
# 10^6 and 10^7 generated PDQ entries (SIZES="1000000 10000000"), then on
# the full index: an incremental import (10^4 new + 10^4 already present),
# a withdrawal, loading all hashes for a scan, verify and export. Prints
# "key value" lines. 10^8 works the same way (about 4 GB of index and
# 6 GB of memory during the import) but is not run by default.
set -euo pipefail
cd "$(dirname "$0")/.."
HS=build/hashsweep
BI=build/bench/bench_index
SIZES=${SIZES:-"1000000 10000000"}
W=${WORK:-$(mktemp -d)}
trap 'rm -rf "$W"/idx "$W"/*.txt "$W"/export.tsv' EXIT
df -h "$W" | tail -1 | sed 's/^/# disk: /'
gen() { # gen N SEED FILE
  python3 -c '
import random, sys
r = random.Random(int(sys.argv[2]))
n = int(sys.argv[1])
with open(sys.argv[3], "w") as f:
    for _ in range(n):
        f.write("%064x\n" % r.getrandbits(256))' "$@"
}
secs() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
for n in $SIZES; do
  rm -rf "$W/idx"
  gen "$n" 1 "$W/base.txt"
  $HS index create "$W/idx" >/dev/null
  t=$(secs nice $HS index import "$W/idx" --list bench "$W/base.txt")
  bytes=$(stat -c %s "$W/idx/data.mdb")
  echo "n $n"
  echo "import_s $t"
  python3 -c "print('import_entries_per_s', round($n / $t))"
  echo "data_mdb_bytes $bytes"
  python3 -c "print('bytes_per_entry', round($bytes / $n, 2))"
  gen 10000 2 "$W/new.txt"
  head -10000 "$W/base.txt" >>"$W/new.txt"
  t=$(secs nice $HS index import "$W/idx" --list bench "$W/new.txt")
  echo "incremental_import_20k_s $t (10^4 new + 10^4 duplicates into $n)"
  t=$(secs nice $HS index withdraw "$W/idx" --file <(head -1000 "$W/base.txt") --reason bench)
  echo "withdraw_1000_s $t"
  echo "load $(nice $BI "$W/idx")"
  echo "verify_s $(secs nice $HS index verify "$W/idx")"
  echo "export_s $(secs nice $HS index export "$W/idx" -o "$W/export.tsv")"
  echo "peak_rss_import_kb $(/usr/bin/time -f %M nice $HS index import "$W/idx" --list other --dry-run "$W/base.txt" 2>&1 >/dev/null | tail -1) (dry run of the same file into a new list)"
done
