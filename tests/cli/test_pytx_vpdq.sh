#!/usr/bin/env bash
# vPDQ matching against python-threatexchange's own (pytx 1.2.17 from PyPI,
# in a venv of its own under the build folder, so that it is never being
# made by test_pytx.sh at the same time; skipped with the reason when PyPI
# is unreachable): random listed videos and queries near them (bit flips
# around the radius, duplicate and low-quality frames), written by pytx's
# vpdq_to_json, imported as a folder; every (query, listed video) pair's
# query and compared percent from `index match-video` must equal
# VPDQIndex's exactly, and the matches at the default thresholds (80/0)
# must be the same. The folder exported again equals pytx's files.
# pytx's vpdq extension imports the `vpdq` package (C++ and FFmpeg) only for
# hashing files; a stub stands in for it here, the matching is pytx's.
# timeout: 900
. "$(dirname "$0")/lib.sh"
PYTX_VERSION=1.2.17
VENV=${HS_PYTX_VENV:-${HS_BINARY_DIR:-$T}/pytx-vpdq-venv}
pytx_venv "$VENV" "$PYTX_VERSION"
mkdir -p "$T/stub" "$T/listed" "$T/queries"
cat > "$T/stub/vpdq.py" <<'PY'
# Stands in for the vpdq package: pytx imports it, matching never calls it.
class VpdqFeature: pass
def computeHash(*args, **kwargs): raise NotImplementedError("stub")
PY
cat > "$T/gen.py" <<'PY'
import random, sys, os
from threatexchange.extensions.vpdq.vpdq_util import VpdqCompactFeature, vpdq_to_json
from threatexchange.extensions.vpdq.vpdq_index import VPDQIndex
out = sys.argv[1]
rnd = random.Random(20261205)
def h(): return rnd.getrandbits(256)
def flip(x, n):
    for b in rnd.sample(range(256), n): x ^= 1 << b
    return x
def feats(frames):  # (hash int, quality) at 1 s steps, some at 0.5 s, from various starts
    base = rnd.choice([0.0, 0.0, 0.000123, 0.5, 97.5, 1234.5678])
    return [VpdqCompactFeature('%064x' % x, q, base + i * rnd.choice([0.5, 1.0, 1.0]))
            for i, (x, q) in enumerate(frames)]
listed = []
for v in range(6):
    base = [h() for _ in range(rnd.randint(4, 12))]
    frames = [(x, rnd.choice([100, 90, 60, 49, 20, 100])) for x in base]
    frames += [frames[0]] * rnd.randint(0, 2)  # repeated frames
    if all(q < 50 for _, q in frames): frames.append((h(), 80))
    f = feats(frames)
    listed.append(f)
    open(os.path.join(out, 'listed', 'v%d.json' % v), 'w').write(vpdq_to_json(f))
queries = []
for k in range(30):
    src = listed[rnd.randrange(len(listed))]
    frames = []
    for c in src:
        r = rnd.random()
        x = int(c.pdq_hex, 16)
        close = k % 2 == 0  # half the queries are near copies (they match at 80/0)
        if r < (0.92 if close else 0.6):
            bits = rnd.choice([0, 5, 10, 31] if close else [0, 5, 20, 30, 31, 32, 40])
            q = rnd.choice([100, 100, 70, 45])
            if close and c.quality < 50: q = 30  # a dark frame stays dark in a copy
            frames.append((flip(x, bits), q))
        elif r < 0.8 or close: frames.append((h(), 100))
        if rnd.random() < 0.2 and frames: frames.append(frames[-1])
    if k % 3 == 0:  # frames of a second video too
        for c in listed[(k + 1) % len(listed)][:3]: frames.append((flip(int(c.pdq_hex, 16), 10), 100))
    if not any(q >= 50 for _, q in frames): frames.append((h(), 100))
    f = feats(frames)
    queries.append(f)
    open(os.path.join(out, 'queries', 'q%02d.json' % k), 'w').write(vpdq_to_json(f))
for name, q, t in (('all', 0.0, 0.0), ('default', 80.0, 0.0)):
    idx = VPDQIndex(query_match_threshold_pct=q, index_match_threshold_pct=t)
    for v, f in enumerate(listed): idx.add(vpdq_to_json(f), 'v%d.json' % v)
    with open(os.path.join(out, name + '.expected'), 'w') as e:
        for k, f in enumerate(queries):
            for m in idx.query(vpdq_to_json(f)):
                s = m.similarity_info
                e.write('q%02d.json\t%s\t%r\t%r\n' % (k, m.metadata, s.query_match_percent, s.compared_match_percent))
PY
PYTHONPATH="$T/stub" "$VENV/bin/python" "$T/gen.py" "$T" > "$T/gen.log" 2>&1 \
  || { fail "pytx generator failed"; cat "$T/gen.log" >&2; finish; }
IDX=$T/idx
"$HS" index create "$IDX" > /dev/null
"$HS" index import "$IDX" --list videos "$T/listed" > "$T/imp.out" 2>&1
expect_grep "pytx's vPDQ files import, one entry each" "^imported 6 rows: 6 added" "$T/imp.out"
# ours: query file, label, percents as exact doubles
ours() {
  (cd "$T/queries" && "$HS" index match-video "$IDX" --format tsv --no-frame-images "$@" q*.json) \
    | awk -F'\t' 'NR > 1 { print $1 "\t" $5 "\t" $8 "\t" $9 }' > "$T/ours.tsv"
}
same() { # same WHAT EXPECTED: sets of (query, label) equal, percents equal as doubles
  "$VENV/bin/python" - "$2" "$T/ours.tsv" <<'PY' > "$T/cmp.out" 2>&1
import sys
def load(p):
    d = {}
    for line in open(p):
        q, l, a, b = line.rstrip('\n').split('\t')
        d[(q, l)] = (float(a), float(b))
    return d
want, got = load(sys.argv[1]), load(sys.argv[2])
bad = [k for k in set(want) | set(got) if want.get(k) != got.get(k)]
for k in sorted(bad): print(k, 'pytx', want.get(k), 'hashsweep', got.get(k))
print('pairs', len(want))
sys.exit(1 if bad or not want else 0)
PY
  if [ $? -eq 0 ]; then pass "$1 ($(tail -1 "$T/cmp.out"))"; else fail "$1:"; cat "$T/cmp.out" >&2; fi
}
ours --video-query-percent 0
same "every pair's query and compared percent equal pytx's" "$T/all.expected"
ours
same "the matches at the default thresholds (80/0) equal pytx's" "$T/default.expected"
"$HS" index export "$IDX" --list videos --format vpdq -o "$T/again" 2> /dev/null
for f in "$T"/listed/*.json; do
  b=$(basename "$f")
  if [ "$(cat "$f")" = "$(cat "$T/again/$b")" ]; then pass "export: $b as pytx wrote it"; else fail "export: $b differs"; fi
done
finish
