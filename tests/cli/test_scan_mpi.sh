#!/usr/bin/env bash
# MPI scale-out: under mpirun -np 2 each rank scans its shard with its own
# output and store; together they equal a single-process scan, with no file
# in both; rank 0 prints the merged summary. Skipped when the build has no
# MPI or mpirun is missing.
# timeout: 300
. "$(dirname "$0")/lib.sh"
"$HS" --version | grep -q "MPI" || { echo "SKIP: built without MPI"; exit 77; }
command -v mpirun >/dev/null || { echo "SKIP: no mpirun"; exit 77; }

A="$T/archive"
mkdir -p "$A"
"$TI" gen-many "$A" 80 --size 320x240 --seed 900
head -c 900 "$A/img00005.jpg" > "$A/broken.jpg"
"$HS" index create "$T/idx" > /dev/null
"$HS" hash "$A"/img0000[0-9].jpg | cut -f1 > "$T/list.txt"
"$HS" index import "$T/idx" --list l "$T/list.txt" > /dev/null

"$HS" scan -q --index "$T/idx" --out "$T/single.jsonl" "$A"
expect_eq "single-process exit" "$?" 1

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpirun --allow-run-as-root --oversubscribe -np 2 \
  "$HS" scan --index "$T/idx" --store "$T/store" --out "$T/mpi.jsonl" "$A" > "$T/mpi.out" 2> "$T/mpi.err"
rc=$?
expect_eq "mpirun exit code (a broken file: 1)" "$rc" 1
[ -s "$T/mpi.jsonl.rank0" ] && [ -s "$T/mpi.jsonl.rank1" ] && pass "each rank wrote its output" || fail "rank outputs missing"
[ -d "$T/store.rank0" ] && [ -d "$T/store.rank1" ] && pass "each rank wrote its store" || fail "rank stores missing"
cat "$T"/mpi.jsonl.rank? | sort > "$T/mpi.sorted"
sort "$T/single.jsonl" > "$T/single.sorted"
if cmp -s "$T/mpi.sorted" "$T/single.sorted"; then pass "ranks together = single process"; else fail "rank outputs differ"; diff "$T/mpi.sorted" "$T/single.sorted" | head >&2; fi
expect_eq "merged summary printed once" "$(grep -c 'scan (all ranks): 81 files seen' "$T/mpi.err")" 1
finish
