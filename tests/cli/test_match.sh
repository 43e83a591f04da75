#!/usr/bin/env bash
# hashsweep match on hash lists made here, against a Python brute-force
# oracle: radius and top-k, 256-bit and 64-bit, --device cpu and auto, 1 and
# 2 threads, exact output; then input errors and usage errors (exit 2, one
# line naming file and line).
# timeout: 300
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }

# Writes needles/haystack files with planted neighbours at many distances,
# comments, blank lines, upper case and CRLF lines, and the expected outputs.
python3 - "$T" <<'PY'
import os, random, sys
out = sys.argv[1]
def write_list(path, hashes, digits, rng):
    """Returns the 1-based line of each hash; sprinkles comments and blanks."""
    lines, where = ["# generated list"], []
    for h in hashes:
        r = rng.random()
        if r < 0.05: lines.append("")
        elif r < 0.08: lines.append("   # comment")
        text = format(h, "0%dx" % digits)
        r = rng.random()
        if r < 0.1: text = text.upper()
        elif r < 0.15: text = "  " + text + "\t# note"
        elif r < 0.2: text = text + "\r"
        lines.append(text)
        where.append(len(lines))
    open(path, "w", newline="").write("\n".join(lines) + "\n")
    return where
def make(bits, n_needles, n_hay, radius, ks, seed):
    rng = random.Random(seed)
    needles = [rng.getrandbits(bits) for _ in range(n_needles)]
    hay = [rng.getrandbits(bits) for _ in range(n_hay)]
    for i, nd in enumerate(needles[: n_needles * 2 // 3]):
        for _ in range(4):  # near neighbours at random distances up to radius + 3
            d = rng.randint(0, radius + 3)
            v = nd
            for b in rng.sample(range(bits), d): v ^= 1 << b
            hay[rng.randrange(n_hay)] = v
    hay[5] = hay[9] = hay[17]  # duplicates: ties for top-k
    needles[-1] = hay[17]
    nl = write_list(f"{out}/n{bits}.txt", needles, bits // 4, rng)
    hl = write_list(f"{out}/h{bits}.txt", hay, bits // 4, rng)
    dist = [[bin(a ^ b).count("1") for b in hay] for a in needles]
    with open(f"{out}/r{bits}.tsv", "w") as f:
        for i in range(n_needles):
            for j in range(n_hay):
                if dist[i][j] <= radius: f.write(f"{nl[i]}\t{hl[j]}\t{dist[i][j]}\n")
    for k in ks:
        with open(f"{out}/k{bits}_{k}.tsv", "w") as f:
            for i in range(n_needles):
                best = sorted(range(n_hay), key=lambda j: (dist[i][j], j))[:k]
                for j in sorted(best): f.write(f"{nl[i]}\t{hl[j]}\t{dist[i][j]}\n")
make(256, 90, 2500, 31, [1, 5, 64], 1)
make(64, 90, 2500, 10, [1, 5, 64], 2)
PY
[ -s "$T/r256.tsv" ] && [ -s "$T/r64.tsv" ] || { fail "oracle wrote no expectations"; finish; }

for dev in cpu auto; do
  for th in 1 2; do
    "$HS" match --device $dev --threads $th "$T/n256.txt" "$T/h256.txt" > "$T/out" 2> "$T/err"
    expect_eq "256-bit radius 31 (default), $dev, $th threads: exit" "$?" 0
    expect_eq "256-bit radius 31, $dev, $th threads: output" "$(cmp -s "$T/out" "$T/r256.tsv" && echo same)" same
    "$HS" match --radius 10 --device $dev --threads $th "$T/n64.txt" "$T/h64.txt" > "$T/out"
    expect_eq "64-bit radius 10, $dev, $th threads" "$(cmp -s "$T/out" "$T/r64.tsv" && echo same)" same
    for k in 1 5 64; do
      for b in 256 64; do
        "$HS" match --top $k --device $dev --threads $th "$T/n$b.txt" "$T/h$b.txt" > "$T/out"
        expect_eq "$b-bit top $k, $dev, $th threads" "$(cmp -s "$T/out" "$T/k${b}_$k.tsv" && echo same)" same
      done
    done
  done
done
expect_eq "no stderr chatter by default" "$(wc -c < "$T/err")" 0
# Each CPU kernel gives the same bits.
for kern in generic popcnt avx2 avx512bw avx512; do
  HASHSWEEP_CPU_KERNEL=$kern "$HS" match "$T/n256.txt" "$T/h256.txt" > "$T/out" 2>/dev/null
  expect_eq "kernel $kern (or the best there is)" "$(cmp -s "$T/out" "$T/r256.tsv" && echo same)" same
done
"$HS" match -v --device cpu "$T/n64.txt" "$T/h64.txt" 2> "$T/err" > /dev/null
expect_grep "--verbose names the CPU path" "CPU Hamming matcher: .* popcount" "$T/err"

# Standard input, empty lists.
"$HS" match - "$T/h256.txt" < "$T/n256.txt" > "$T/out"
expect_eq "needles from stdin" "$(cmp -s "$T/out" "$T/r256.tsv" && echo same)" same
printf '# nothing here\n\n' > "$T/empty.txt"
"$HS" match "$T/empty.txt" "$T/h256.txt" > "$T/out"; rc=$?
expect_eq "empty needles: exit 0" "$rc" 0
expect_eq "empty needles: no output" "$(wc -c < "$T/out")" 0
"$HS" match "$T/n64.txt" "$T/empty.txt" > "$T/out"; rc=$?
expect_eq "empty haystack: exit 0, no output" "$rc/$(wc -c < "$T/out")" "0/0"

# Input errors: exit 2, one line naming file and line.
{ head -n 3 "$T/n256.txt"; echo "not-a-hash"; } > "$T/bad.txt"
"$HS" match "$T/bad.txt" "$T/h256.txt" > "$T/out" 2> "$T/err"; rc=$?
expect_eq "malformed line: exit 2" "$rc" 2
expect_eq "malformed line: message" "$(cat "$T/err")" "hashsweep: $T/bad.txt:4: 'n' at position 1 of the hash is not a hex digit"
expect_eq "malformed line: no output" "$(wc -c < "$T/out")" 0
{ head -n 2 "$T/h64.txt"; echo "0123456789abcdef0"; } > "$T/bad64.txt"
"$HS" match "$T/n64.txt" "$T/bad64.txt" 2> "$T/err"; rc=$?
expect_eq "17 digits: exit 2" "$rc" 2
expect_grep "17 digits: message" "^hashsweep: $T/bad64.txt:3: 17 hex digits; a hash has 64 \(pdq\), 32 \(md5\) or 16 \(h64\)$" "$T/err"
{ cat "$T/n64.txt"; head -n 2 "$T/n256.txt" | tail -n 1; } > "$T/mixed.txt"
"$HS" match "$T/mixed.txt" "$T/h64.txt" 2> "$T/err"; rc=$?
expect_eq "mixed widths: exit 2" "$rc" 2
expect_grep "mixed widths: message" "^hashsweep: $T/mixed.txt:[0-9]+: a pdq hash, but line 2 holds h64; all hashes of a list have one type$" "$T/err"
"$HS" match "$T/n64.txt" "$T/h256.txt" 2> "$T/err"; rc=$?
expect_eq "needles 64-bit, haystack 256-bit: exit 2" "$rc" 2
expect_grep "width disagreement: message" "has 64-bit hashes but .* has 256-bit hashes" "$T/err"
# Every format index import reads: the needles as `hashsweep hash` TSV (a
# header-less hex<TAB>quality<TAB>path), as "pdq <hex>" lines and as JSON
# Lines give the same pairs as the plain list.
grep -v '^#' "$T/n256.txt" | tr -d '\r' | awk 'NF && $1 !~ /^#/ { print $1 "\t100\t/x/" NR ".jpg" }' > "$T/n256.tsv"
"$HS" match "$T/n256.tsv" "$T/h256.txt" > "$T/out.tsv"; rc=$?
"$HS" match "$T/n256.txt" "$T/h256.txt" > "$T/out.txt"
expect_eq "hash TSV needles: exit 0" "$rc" 0
expect_eq "hash TSV needles: the plain list's pairs" "$(cut -f2- "$T/out.tsv" | sort | md5sum)" "$(cut -f2- "$T/out.txt" | sort | md5sum)"
[ -s "$T/out.tsv" ] || fail "hash TSV needles: no pairs to compare"
grep -v '^#' "$T/h256.txt" | tr -d '\r' | awk 'NF && $1 !~ /^#/ { print "pdq " $1 }' > "$T/h256.typed"
"$HS" match "$T/n256.tsv" "$T/h256.typed" > "$T/out.typed"; rc=$?
expect_eq "'pdq <hex>' haystack: exit 0" "$rc" 0
expect_eq "'pdq <hex>' haystack: same pair count" "$(wc -l < "$T/out.typed")" "$(wc -l < "$T/out.txt")"
# MD5 lists match exactly; a radius is refused.
printf 'd41d8cd98f00b204e9800998ecf8427e\n0cc175b9c0f1b6a831c399e269772661\n' > "$T/m1.txt"
printf '{"md5":"0CC175B9C0F1B6A831C399E269772661"}\n{"md5":"d41d8cd98f00b204e9800998ecf8427f"}\n' > "$T/m2.jsonl"
"$HS" match "$T/m1.txt" "$T/m2.jsonl" > "$T/out" 2> "$T/err"; rc=$?
expect_eq "md5 lists: exit 0" "$rc" 0
expect_eq "md5 lists: only the equal digest" "$(cat "$T/out")" "$(printf '2\t1\t0')"
"$HS" match --radius 3 "$T/m1.txt" "$T/m2.jsonl" > /dev/null 2> "$T/err"; rc=$?
expect_eq "md5 lists with --radius 3: exit 2" "$rc" 2
expect_grep "md5 lists with --radius 3: message" "md5 hashes match exactly: only --radius 0 applies" "$T/err"
# MD5 needles against an index: its md5 entries, by entry id.
"$HS" index create "$T/midx" > /dev/null
"$HS" index import "$T/midx" --list l "$T/m2.jsonl" > /dev/null
"$HS" match "$T/m1.txt" "$T/midx" > "$T/out" 2> "$T/err"; rc=$?
expect_eq "md5 needles, index haystack: exit" "$rc" 0
expect_eq "md5 needles, index haystack: the equal digest, by id" "$(cut -f1,3 "$T/out")" "$(printf '2\t0')"
"$HS" match "$T/m1.txt" "$T/n256.txt" > /dev/null 2> "$T/err"; rc=$?
expect_eq "md5 needles, pdq haystack: exit 2" "$rc" 2
expect_grep "md5 needles, pdq haystack: message" "has md5 hashes but .* has pdq hashes; both lists need one type" "$T/err"
"$HS" match "$T/n64.txt" "$T/nothere.txt" 2> "$T/err"; rc=$?
expect_eq "missing file: exit 2" "$rc" 2
expect_grep "missing file: message" "^hashsweep: $T/nothere.txt: cannot open: No such file or directory$" "$T/err"

# Usage errors: exit 2.
for args in "--radius -1" "--radius 257" "--radius x" "--top 0" "--top 65" "--radius 3 --top 2" \
            "--threads 0" "--bogus"; do
  "$HS" match $args "$T/n64.txt" "$T/h64.txt" > /dev/null 2>&1
  expect_eq "usage error exit for '$args'" "$?" 2
done
"$HS" match "$T/n64.txt" > /dev/null 2>&1; expect_eq "one file: exit 2" "$?" 2
"$HS" match - - < /dev/null > /dev/null 2>&1; expect_eq "both stdin: exit 2" "$?" 2
"$HS" match --device 99 "$T/n64.txt" "$T/h64.txt" > /dev/null 2> "$T/err"
expect_eq "unknown device: exit 2" "$?" 2
"$HS" match --help > "$T/out"; expect_eq "--help exit 0" "$?" 0
expect_grep "--help documents the output" "needle_line<TAB>haystack_line<TAB>distance" "$T/out"
finish
