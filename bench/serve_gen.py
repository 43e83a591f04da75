#!/usr/bin/env python3
"""bench/serve_gen.py - PDQ hashes for bench/serve_bench.sh (numpy only).

  serve_gen.py random|clustered N SEED OUT.txt QUERIES.txt [NQ]

OUT.txt: N hashes, 64 hex digits a line (what `hashsweep index import`
reads). random: uniform 256-bit codes. clustered: 3000 random centres, each
code one centre with every bit flipped with probability 0.08 (about 20 bits):
dense clusters where a lookup near a member finds tens (10^6) to hundreds
(10^7) of entries within 31 bits. QUERIES.txt: NQ (10000) query hashes, half
codes of OUT.txt with 0..8 bits flipped (present or near: they match), half
fresh random codes (they match nothing, or in the clustered set rarely).
Written in chunks so 10^7 needs ~1 GB of memory, not 10."""
import sys
import numpy as np

CENTRES, FLIP_P, CHUNK = 3000, 0.08, 1 << 20
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex_lines(codes):
    """(n, 32) uint8 codes -> n lines of 64 hex digits, as bytes."""
    n = len(codes)
    out = np.empty((n, 65), dtype=np.uint8)
    out[:, 0:64:2] = HEX[codes >> 4]
    out[:, 1:64:2] = HEX[codes & 15]
    out[:, 64] = ord("\n")
    return out.tobytes()


def flip(rng, codes, p):
    """Each bit flipped with probability p."""
    mask = np.packbits(rng.random((len(codes), 256)) < p, axis=1)
    return codes ^ mask


def main():
    kind, n, seed, out, qout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    nq = int(sys.argv[6]) if len(sys.argv) > 6 else 10000
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 256, (CENTRES, 32), dtype=np.uint8)
    sample = None
    with open(out, "wb") as f:
        done = 0
        while done < n:
            m = min(CHUNK, n - done)
            if kind == "random":
                codes = rng.integers(0, 256, (m, 32), dtype=np.uint8)
            elif kind == "clustered":
                codes = flip(rng, centres[rng.integers(0, CENTRES, m)], FLIP_P)
            else:
                sys.exit("serve_gen: kind must be random or clustered, not %r" % kind)
            if sample is None:
                sample = codes[rng.integers(0, m, nq // 2)]
            f.write(hex_lines(codes))
            done += m
    # near: a stored code with 0..8 bits flipped (a flip of a bit twice is no flip)
    near = sample.copy()
    for i in range(len(near)):
        for b in rng.integers(0, 256, rng.integers(0, 9)):
            near[i, b >> 3] ^= 1 << (b & 7)
    fresh = rng.integers(0, 256, (nq - len(near), 32), dtype=np.uint8)
    q = np.concatenate([near, fresh])
    q = q[rng.permutation(len(q))]
    with open(qout, "wb") as f:
        f.write(hex_lines(q))


if __name__ == "__main__":
    main()
