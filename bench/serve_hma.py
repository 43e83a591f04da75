#!/usr/bin/env python3
"""bench/serve_hma.py - an HMA-like lookup service, the peer of
`hashsweep serve` in bench/serve_bench.sh (benchmark only).

  serve_hma.py HASHES.txt PORT_FILE

Built the way HMA's matcher is (facebook/ThreatExchange: python-threatexchange
PDQMultiHashIndex, used by OpenMediaMatch's index): faiss IndexBinaryMultiHash
over the 256-bit codes with nhash = 16 hash maps of bits_per_hashmap = 256/16
= 16 bits, nflip = threshold // nhash = 31 // 16 = 1, range search at PDQ's
threshold 31 (faiss counts distance < radius, so radius 32). Behind aiohttp
on 127.0.0.1 (a free port, written to PORT_FILE once the index is built),
answering HMA's GET /m/lookup?signal_type=pdq&signal=HEX shape:
{"bench": [{"bank_content_id": N, "distance": "D"}, ...]} or {}. One
process, one event loop: the search runs in the request handler, as HMA's
Flask handler runs it (HMA scales with more processes, each with its own
copy of the index; on 2 cores that is at most 2)."""
import os
import sys
import time

import numpy as np
import faiss
from aiohttp import web

THRESHOLD, NHASH = 31, 16


def load_codes(path):
    """64-hex-digit lines -> (n, 32) uint8, vectorised (10^7 in seconds)."""
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 65)[:, :64]
    nib = np.where(raw >= ord("a"), raw - ord("a") + 10, raw - ord("0")).astype(np.uint8)
    return (nib[:, 0::2] << 4) | nib[:, 1::2]


def main():
    hashes, port_file = sys.argv[1], sys.argv[2]
    t0 = time.time()
    codes = load_codes(hashes)
    index = faiss.IndexBinaryMultiHash(256, NHASH, 256 // NHASH)
    index.nflip = THRESHOLD // NHASH
    index.add(codes)
    del codes
    print("serve_hma: %d codes indexed in %.1f s" % (index.ntotal, time.time() - t0), flush=True)

    async def lookup(request):
        q = request.query
        if q.get("signal_type") != "pdq" or "signal" not in q:
            return web.json_response({"message": "Either url or both signal and signal_type are required"},
                                     status=400)
        try:
            v = np.frombuffer(bytes.fromhex(q["signal"]), dtype=np.uint8)
            assert v.size == 32
        except (ValueError, AssertionError):
            return web.json_response({"message": "invalid signal: " + q["signal"][:80]}, status=400)
        lims, dist, ids = index.range_search(v.reshape(1, 32), THRESHOLD + 1)
        if lims[1] == 0:
            return web.json_response({})
        return web.json_response({"bench": [{"bank_content_id": int(i) + 1, "distance": str(int(d))}
                                            for d, i in zip(dist, ids)]})

    async def status(request):
        return web.Response(text="I-AM-ALIVE")

    app = web.Application()
    app.router.add_get("/m/lookup", lookup)
    app.router.add_get("/status", status)

    async def announce(app):
        port = site._server.sockets[0].getsockname()[1]
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, port_file)

    runner = web.AppRunner(app, access_log=None)
    import asyncio

    async def run():
        nonlocal site
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        await announce(app)
        await asyncio.Event().wait()

    site = None
    asyncio.run(run())


if __name__ == "__main__":
    main()
