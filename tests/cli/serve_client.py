#!/usr/bin/env python3
"""tests/cli/serve_client.py - drives `hashsweep serve` in the CLI tests with
Python's standard library only (http.client, socket, threading).

    serve_client.py SCENARIO PORT [ARGS...]

Each scenario prints "ok: ..." per check and "FAIL: ..." for a failed one
and exits 1 when any failed, so the shell tests count it like their own.
"""
import http.client
import json
import os
import random
import resource
import socket
import subprocess
import sys
import threading
import time
import uuid

FAILS = 0


def check(what, cond, detail=""):
    global FAILS
    if cond:
        print("ok: " + what)
    else:
        FAILS += 1
        print("FAIL: %s %s" % (what, detail), file=sys.stderr)


def request(port, method, path, body=None, headers=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def jreq(port, method, path, obj=None, headers=None, raw=None, timeout=10):
    body = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else None)
    h = {"Content-Type": "application/json"} if body is not None else {}
    h.update(headers or {})
    st, hd, data = request(port, method, path, body, h, timeout)
    try:
        return st, hd, json.loads(data)
    except ValueError:
        return st, hd, data


def multipart(field, filename, data):
    b = "hsboundary" + uuid.uuid4().hex
    body = (("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
             "Content-Type: application/octet-stream\r\n\r\n") % (b, field, filename)).encode()
    body += data + ("\r\n--%s--\r\n" % b).encode()
    return body, "multipart/form-data; boundary=" + b


def flip(hexhash, bits):
    v = int(hexhash, 16)
    for i in range(bits):
        v ^= 1 << (i * 6)
    return "%064x" % v


def metric(port, name):
    """The value of an unlabelled sample in /metrics; None unless there once."""
    _, _, data = request(port, "GET", "/metrics")
    found = [float(line.split()[1]) for line in data.decode().splitlines()
             if line.startswith(name + " ")]
    return found[0] if len(found) == 1 else None


def is_error(st, body, code):
    return st == code and isinstance(body, dict) and isinstance(body.get("error"), str) \
        and body["error"] != ""


# ---- scenarios ----------------------------------------------------------------------


def sc_native(port, listed_pdq, listed_md5, listed_sha):
    """POST /v1/lookup: answers per hash with the scan's keys; bad inputs."""
    near = flip(listed_pdq, 5)
    st, hd, b = jreq(port, "POST", "/v1/lookup", {"hashes": [
        {"type": "pdq", "hash": listed_pdq}, {"type": "pdq", "hash": near},
        {"type": "pdq", "hash": flip(listed_pdq, 40)}, {"type": "md5", "hash": listed_md5},
        {"type": "sha256", "hash": listed_sha.upper()}]})
    check("v1/lookup 200", st == 200, st)
    check("v1/lookup json", hd.get("content-type") == "application/json", hd)
    r = b["results"]
    check("v1/lookup one result per hash", len(r) == 5, r)
    m = r[0]["matches"]
    check("exact pdq: match", r[0]["match"] is True and len(m) == 1, r[0])
    check("exact pdq: keys", sorted(m[0]) == ["distance", "entry", "label", "list", "variant"], m)
    check("exact pdq: values", m[0]["list"] == "banka" and m[0]["label"] == "revenge" and
          m[0]["distance"] == 0 and m[0]["variant"] == "orig" and isinstance(m[0]["entry"], int), m)
    check("near pdq: distance 5", r[1]["match"] and r[1]["matches"][0]["distance"] == 5, r[1])
    check("near pdq: same entry", r[1]["matches"][0]["entry"] == m[0]["entry"], r[1])
    check("far pdq: no match", r[2]["match"] is False and r[2]["matches"] == [], r[2])
    check("md5: match", r[3]["match"] and r[3]["matches"][0]["variant"] == "md5"
          and r[3]["matches"][0]["list"] == "exact", r[3])
    check("sha256 (upper-case hex): match, echoed lower-case",
          r[4]["match"] and r[4]["hash"] == listed_sha.lower(), r[4])
    check("index_version", isinstance(b["index_version"], int) and b["index_version"] >= 1, b)
    bad = [
        ("bad hex", {"hashes": [{"type": "pdq", "hash": "g" * 64}]}, 400),
        ("short pdq", {"hashes": [{"type": "pdq", "hash": "ab" * 10}]}, 400),
        ("md5 of pdq length", {"hashes": [{"type": "md5", "hash": listed_pdq}]}, 400),
        ("unknown type", {"hashes": [{"type": "tmk", "hash": listed_pdq}]}, 400),
        ("hash not a string", {"hashes": [{"type": "pdq", "hash": 5}]}, 400),
        ("no hashes key", {"hash": []}, 400),
        ("empty hashes", {"hashes": []}, 400),
        ("over --max-batch", {"hashes": [{"type": "pdq", "hash": listed_pdq}] * 11}, 413),
        ("not an object", [1, 2], 400),
    ]
    for what, obj, code in bad:
        st, _, b = jreq(port, "POST", "/v1/lookup", obj)
        check("bad input: %s -> %d json error" % (what, code), is_error(st, b, code), (st, b))
    for what, raw in [("malformed JSON", b"{\"hashes\": [}"), ("not UTF-8", b"\xff\xfe{}"),
                      ("empty body", b""), ("duplicate keys", b"{\"hashes\":[],\"hashes\":[]}")]:
        st, _, b = jreq(port, "POST", "/v1/lookup", raw=raw)
        check("bad input: %s -> 400" % what, is_error(st, b, 400), (st, b))
    # the error never echoes the hash
    st, _, b = jreq(port, "POST", "/v1/lookup", {"hashes": [{"type": "pdq", "hash": listed_pdq[:63] + "x"}]})
    check("error does not echo the hash", listed_pdq[:40] not in json.dumps(b), b)


def sc_hma(port, listed_pdq, listed_md5, photo, rotated):
    """HMA's shapes, field by field (OpenMediaMatch blueprints)."""
    st, _, b = jreq(port, "GET", "/m/lookup?signal_type=pdq&signal=" + listed_pdq)
    check("m/lookup 200", st == 200, (st, b))
    check("m/lookup: banks as keys", list(b) == ["banka"], b)
    x = b["banka"]
    check("m/lookup: list of matches", isinstance(x, list) and len(x) == 1, b)
    check("m/lookup: fields", sorted(x[0]) == ["bank_content_id", "distance"], x)
    check("m/lookup: bank_content_id int, distance string",
          isinstance(x[0]["bank_content_id"], int) and x[0]["distance"] == "0", x)
    st, _, b = jreq(port, "GET", "/m/lookup?signal_type=pdq&signal=" + flip(listed_pdq, 3))
    check("m/lookup near: distance '3'", st == 200 and b["banka"][0]["distance"] == "3", b)
    st, _, b = jreq(port, "GET", "/m/lookup?signal_type=pdq&banks=other,banka&signal=" + listed_pdq)
    check("m/lookup banks filter keeps banka", st == 200 and list(b) == ["banka"], b)
    st, _, b = jreq(port, "GET", "/m/lookup?signal_type=pdq&banks=other&signal=" + listed_pdq)
    check("m/lookup banks filter drops banka", st == 200 and b == {}, b)
    st, _, b = jreq(port, "GET", "/m/lookup?signal_type=video_md5&signal=" + listed_md5)
    check("m/lookup video_md5", st == 200 and list(b) == ["exact"], b)
    for what, q in [("missing signal", "signal_type=pdq"), ("missing type", "signal=" + listed_pdq),
                    ("unknown type", "signal_type=tmk&signal=" + listed_pdq),
                    ("bad signal", "signal_type=pdq&signal=xyz"),
                    ("url", "url=http://169.254.169.254/")]:
        st, _, b = jreq(port, "GET", "/m/lookup?" + q)
        check("m/lookup %s -> 400 with message" % what,
              is_error(st, b, 400) and b.get("message") == b.get("error"), (st, b))
    st, _, b = jreq(port, "GET", "/m/index/status")
    check("m/index/status: types", st == 200 and sorted(b) == ["pdq", "video_md5"], b)
    p = b.get("pdq", {})
    check("m/index/status: pdq fields", p.get("present") is True and p.get("size") == 3 and
          isinstance(p.get("built_to"), int) and p["built_to"] > 1600000000, p)
    check("m/index/status: video_md5 size", b["video_md5"]["size"] == 1, b)
    st, _, b = jreq(port, "GET", "/m/index/status?signal_type=pdq")
    check("m/index/status?signal_type=pdq", st == 200 and list(b) == ["pdq"], b)
    st, _, b = jreq(port, "GET", "/m/index/status?signal_type=nope")
    check("m/index/status unknown type 400", is_error(st, b, 400), (st, b))
    st, hd, b = request(port, "GET", "/status")
    check("status: I-AM-ALIVE", st == 200 and b == b"I-AM-ALIVE", (st, b))
    data = open(photo, "rb").read()
    body, ct = multipart("photo", "a.jpg", data)
    st, _, b = jreq(port, "POST", "/m/lookup", raw=body, headers={"Content-Type": ct})
    check("POST m/lookup photo: {pdq: {bank: [...]}}, its digests' list too", st == 200 and
          list(b) == ["pdq"] and sorted(b["pdq"]) == ["banka", "exact"] and
          b["pdq"]["banka"][0]["distance"] == "0" and len(b["pdq"]["exact"]) == 2, (st, b))
    body, ct = multipart("photo", "r.jpg", open(rotated, "rb").read())
    st, _, b = jreq(port, "POST", "/m/lookup", raw=body, headers={"Content-Type": ct})
    check("POST m/lookup rotated photo matches (dihedral)", st == 200 and "banka" in b.get("pdq", {}),
          (st, b))
    body, ct = multipart("photo", "a.jpg", data)
    st, _, b = jreq(port, "POST", "/h/hash", raw=body, headers={"Content-Type": ct})
    check("POST h/hash photo: {pdq: hex}", st == 200 and b == {"pdq": listed_pdq}, (st, b))
    body, ct = multipart("video", "v.mp4", b"not really a video")
    st, _, b = jreq(port, "POST", "/h/hash", raw=body, headers={"Content-Type": ct})
    check("POST h/hash video: {video_md5: hex}", st == 200 and list(b) == ["video_md5"] and
          len(b["video_md5"]) == 32, (st, b))
    st, _, b = jreq(port, "GET", "/h/hash?url=http://example.invalid/x.jpg")
    check("GET h/hash?url refused (no fetching)", is_error(st, b, 400), (st, b))
    for what, raw, ct in [
        ("no boundary", b"x", "multipart/form-data"),
        ("not multipart", b"x", "application/octet-stream"),
        ("no closing boundary", b"--b\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\nabc",
         "multipart/form-data; boundary=b"),
        ("two files", b"--zz\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\n1\r\n"
         b"--zz\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\n2\r\n--zz--\r\n",
         "multipart/form-data; boundary=zz"),
        ("unknown field", multipart("document", "a", b"1")[0], None),
    ]:
        if ct is None:
            raw, ct = multipart("document", "a", b"1")
        st, _, b = jreq(port, "POST", "/m/lookup", raw=raw, headers={"Content-Type": ct})
        check("bad multipart: %s -> 400" % what, is_error(st, b, 400), (st, b))


def sc_check(port, kind, path, want_status, want):
    """POST /v1/check with a file's bytes."""
    data = open(path, "rb").read()
    st, _, b = jreq(port, "POST", "/v1/check", raw=data,
                    headers={"Content-Type": "application/octet-stream"})
    what = "v1/check %s" % os.path.basename(path)
    if want_status != 200:
        check("%s -> %d json error" % (what, want_status), is_error(st, b, want_status), (st, b))
        if want:
            check("%s: error says '%s'" % (what, want), want in b.get("error", ""), b)
        return
    check(what + " 200", st == 200, (st, b))
    if st != 200:
        return
    check(what + " keys", {"match", "matches", "pdq", "quality", "md5", "sha256",
                           "index_version"} <= set(b), b)
    check(what + " kind " + kind, b.get("kind") == kind, b)
    if want == "none":
        check(what + " no match", b["match"] is False and b["matches"] == [], b)
    else:
        # want: a variant, or KIND:VARIANT for a match of that kind
        # ("frame:orig": a video frame through its own hash)
        variants = [m["variant"] if ":" not in want else "%s:%s" % (m.get("kind"), m["variant"])
                    for m in b["matches"]]
        check(what + " matched via " + want, b["match"] is True and want in variants, b)


def sc_bodylimit(port, limit):
    """413 before the body is read: the server answers as soon as it has the
    headers, while the client has sent no byte of the body."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(("POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" %
               (limit + 1)).encode())
    data = s.recv(4096)
    s.close()
    check("Content-Length over --max-body: 413 before the body",
          data.startswith(b"HTTP/1.1 413") and b"\"error\"" in data, data[:200])
    # a chunked body that grows past the limit
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    got = b""
    try:
        for _ in range(limit // len(chunk) + 4):
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        got = s.recv(4096)
    except OSError:
        pass
    s.close()
    check("chunked body over --max-body: 413 or closed, never accepted",
          got == b"" or got.startswith(b"HTTP/1.1 413"), got[:100])
    st, _, b = jreq(port, "GET", "/healthz")
    check("still answering after oversized bodies", st == 200, st)


def sc_raw(port):
    """Malformed HTTP over a raw socket: 4xx (or a close), and the server
    keeps answering."""
    cases = [b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
             b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
             b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 100000 + b"\r\n\r\n",
             b"POST /v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
             b"POST /v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
             b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n", b"\x00\x01\x02\xff" * 100 + b"\r\n\r\n",
             b"DELETE /v1/lookup HTTP/1.1\r\nHost: x\r\n\r\n"]
    for i, raw in enumerate(cases):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            s.sendall(raw)
            data = s.recv(4096)
        except OSError:
            data = b""
        s.close()
        code = int(data[9:12]) if data.startswith(b"HTTP/1.") and len(data) > 12 else 0
        # (an unknown HTTP version is 505, the one 5xx HTTP has for it)
        check("malformed request %d: 4xx or closed (got %s)" % (i, code or "close"),
              code == 0 or 400 <= code < 500 or (i == 2 and code == 505), data[:120])
    st, _, b = jreq(port, "GET", "/healthz")
    check("still answering after malformed requests", st == 200, st)


def sc_slow(port, timeout):
    """A client that stalls mid-request is dropped after --timeout; one that
    trickles does not hold a worker: others are answered meanwhile."""
    stall = socket.create_connection(("127.0.0.1", port), timeout=timeout + 10)
    stall.sendall(b"GET /healthz HTTP/1.1\r\nHo")
    trick = socket.create_connection(("127.0.0.1", port), timeout=timeout + 10)
    t0 = time.time()
    slow_max = 0.0
    sent = b"POST /v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    i = 0
    while time.time() - t0 < timeout + 1.5:
        if i < len(sent):
            trick.sendall(sent[i:i + 1])
            i += 1
        a = time.time()
        st, _, _ = jreq(port, "GET", "/healthz")
        slow_max = max(slow_max, time.time() - a)
        check_ok = st == 200
        if not check_ok:
            break
        time.sleep(0.25)
    check("others answered while clients stall and trickle (worst %.3f s)" % slow_max,
          check_ok and slow_max < 1.0)
    try:
        data = stall.recv(100)
    except OSError:
        data = b""
    check("stalled client dropped after --timeout %d s (%.1f s)" % (timeout, time.time() - t0),
          data == b"" or data.startswith(b"HTTP/1.1 4"), data)
    stall.close()
    trick.close()


def sc_idle(port, n):
    """n idle connections, then ordinary requests are still answered."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 200), hard))
    socks = []
    try:
        for _ in range(n):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError as e:
        check("opened %d idle connections" % n, False, "after %d: %s" % (len(socks), e))
    else:
        check("opened %d idle connections" % n, True)
    t = time.time()
    ok = all(jreq(port, "GET", "/healthz")[0] == 200 for _ in range(20))
    check("20 requests answered beside %d idle connections (%.3f s)" % (len(socks), time.time() - t),
          ok and time.time() - t < 5)
    conns = metric(port, "hashsweep_http_connections")
    check("metrics count the open connections", conns is not None and conns >= len(socks), conns)
    for s in socks:
        s.close()


def sc_live(port, hs, index, new_hex):
    """Imports and withdrawals by another process are matched within 1 s
    under concurrent load, and no lookup fails meanwhile."""
    stop = threading.Event()
    errors = []
    counts = [0]

    def load():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        rnd = random.Random(threading.get_ident())
        while not stop.is_set():
            hashes = [{"type": "pdq", "hash": "%064x" % rnd.getrandbits(256)} for _ in range(8)]
            try:
                c.request("POST", "/v1/lookup", json.dumps({"hashes": hashes}),
                          {"Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                if r.status != 200:
                    errors.append(r.status)
                counts[0] += 1
            except Exception as e:  # noqa: BLE001 - any failure is a finding
                errors.append(repr(e))
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()

    def matched():
        st, _, b = jreq(port, "GET", "/m/lookup?signal_type=pdq&signal=" + new_hex)
        return st == 200 and "live" in b

    check("new hash not matched before the import", not matched())
    f = os.path.join(os.path.dirname(index), "new.txt")
    open(f, "w").write(new_hex + "\n")
    subprocess.run([hs, "index", "import", index, "--list", "live", f], check=True,
                   stdout=subprocess.DEVNULL)
    t0 = time.time()
    while not matched() and time.time() - t0 < 5:
        time.sleep(0.02)
    dt = time.time() - t0
    check("import matched within 1 s under load (%.3f s)" % dt, matched() and dt <= 1.0)
    subprocess.run([hs, "index", "withdraw", index, "--hash", new_hex, "--reason", "test"],
                   check=True, stdout=subprocess.DEVNULL)
    t0 = time.time()
    while matched() and time.time() - t0 < 5:
        time.sleep(0.02)
    dt = time.time() - t0
    check("withdrawal stops matching within 1 s under load (%.3f s)" % dt,
          not matched() and dt <= 1.0)
    stop.set()
    for t in threads:
        t.join()
    check("%d lookups under load, none failed" % counts[0], counts[0] > 50 and not errors,
          errors[:5])


def sc_drain(port, pidfile):
    """SIGTERM with a request in flight: it is answered, then the server
    exits (the shell checks the exit status)."""
    body = json.dumps({"hashes": [{"type": "pdq", "hash": "0" * 64}]}).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST /v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
    time.sleep(0.3)
    pid = int(open(pidfile).read())
    os.kill(pid, 15)
    time.sleep(0.5)
    refused = False
    try:  # (not answered: a connection the kernel queued is never accepted)
        request(port, "GET", "/healthz", timeout=2)
    except OSError:
        refused = True
    check("no new connection accepted while draining", refused)
    s.sendall(body[10:])
    data = b""
    try:
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            more = s.recv(4096)
            if not more:
                break
            data += more
    except OSError:
        pass
    s.close()
    check("request in flight at SIGTERM answered 200", data.startswith(b"HTTP/1.1 200") and
          b"\"results\"" in data, data[:200])


def held_marker(faultdir, until=10):
    """Waits for a decode to be held (HASHSWEEP_FAULT=hold:serve-upload)."""
    t0 = time.time()
    while not os.path.exists(os.path.join(faultdir, "held")) and time.time() - t0 < until:
        time.sleep(0.02)
    return os.path.exists(os.path.join(faultdir, "held"))


def upload_request(port, kind, photo, listed_pdq, timeout=10):
    """One upload of `photo` to an endpoint that decodes: (a function that
    sends it, a checker of (status, body))."""
    data = open(photo, "rb").read()
    if kind == "check":
        return (lambda: jreq(port, "POST", "/v1/check", raw=data, timeout=timeout,
                             headers={"Content-Type": "application/octet-stream"}),
                lambda st, b: st == 200 and b.get("pdq") == listed_pdq and b["match"] is True)
    body, ct = multipart("photo", "a.jpg", data)
    if kind == "hash":
        return (lambda: jreq(port, "POST", "/h/hash", raw=body, headers={"Content-Type": ct}),
                lambda st, b: st == 200 and b == {"pdq": listed_pdq})
    banks = "banka" if kind == "lookup" else "other"
    return (lambda: jreq(port, "POST", "/m/lookup?banks=" + banks, raw=body,
                         headers={"Content-Type": ct}),
            lambda st, b: st == 200 and isinstance(b, dict) and
            (list(b.get("pdq", {})) == ["banka"] if banks == "banka" else b == {"pdq": {}}))


def check_upload_busy_count(port, what, n):
    """/metrics counts n uploads refused as busy."""
    st, _, metrics = request(port, "GET", "/metrics")
    check(what + " counted in hashsweep_rejected_upload_busy_total",
          st == 200 and "\nhashsweep_rejected_upload_busy_total %d\n" % n in metrics.decode(), st)


def held_and_waiting(port, faultdir, photo, listed_pdq, timeout):
    """Two /v1/check uploads of `photo` with one decode worker: the first
    held decoding (HASHSWEEP_FAULT=hold:serve-upload), the second waiting for
    the worker. Returns (answers by name "decoding"/"waiting": (status,
    headers, body, whether the answer is the full match, time answered),
    the two threads)."""
    res = {}

    def run(name):
        go, ok = upload_request(port, "check", photo, listed_pdq, timeout=timeout)
        st, hd, b = go()
        res[name] = (st, hd, b, ok(st, b), time.time())

    a = threading.Thread(target=run, args=("decoding",))
    a.start()
    check("upload being decoded (held)", held_marker(faultdir))
    b = threading.Thread(target=run, args=("waiting",))
    b.start()
    return res, a, b


def sc_decoding(port, faultdir, photo, listed_pdq, workers, queue):
    """Uploads being decoded on every decode worker (held by the fault hook
    past --timeout and --request-timeout) do not hold the HTTP threads:
    lookups on other connections are answered meanwhile; uploads beyond the
    workers wait in the queue, one past it gets 503 with Retry-After; once
    released every upload is answered in full (query arguments and bodies
    reach the workers intact)."""
    kinds = ["check", "hash", "lookup", "lookup-other"]
    results = []

    def run(kind):
        go, ok = upload_request(port, kind, photo, listed_pdq)
        try:
            st, hd, b = go()
            results.append((kind, st, hd, b, ok(st, b)))
        except Exception as e:  # noqa: BLE001 - any failure is a finding
            results.append((kind, None, {}, repr(e), False))

    threads = []
    for i in range(workers):
        threads.append(threading.Thread(target=run, args=(kinds[i % len(kinds)],)))
        threads[-1].start()
    check("uploads being decoded (held)", held_marker(faultdir))
    time.sleep(0.3)
    worst, answered = 0.0, 0
    for i in range(20):
        a = time.time()
        try:
            st, _, b = jreq(port, "GET", "/m/lookup?signal_type=pdq&signal=" + listed_pdq)
            answered += st == 200 and list(b) == ["banka"]
            st, _, b = jreq(port, "POST", "/v1/lookup",
                            {"hashes": [{"type": "pdq", "hash": flip(listed_pdq, 2)}]})
            answered += st == 200 and b["results"][0]["matches"][0]["distance"] == 2
        except OSError as e:
            check("lookup beside held uploads", False, repr(e))
            break
        worst = max(worst, time.time() - a)
    check("40 lookups answered while every decode worker is busy (worst %.3f s)" % worst,
          answered == 40 and worst < 1.0, answered)
    # The queue: `queue` more wait, one more than that is refused at once.
    for i in range(queue + 1):
        threads.append(threading.Thread(target=run, args=(kinds[i % len(kinds)],)))
        threads[-1].start()
    t0 = time.time()
    while not results and time.time() - t0 < 10:
        time.sleep(0.02)
    time.sleep(0.3)
    first = results[:1]
    check("one upload past the queue answered at once, 503 with Retry-After",
          len(results) == 1 and results[0][1] == 503 and results[0][2].get("retry-after") == "1"
          and "busy" in results[0][3].get("error", ""), first)
    check_upload_busy_count(port, "the refused upload", 1)
    time.sleep(max(0.0, 2.5 - (time.time() - t0)))  # past --timeout 2, --request-timeout 1
    open(os.path.join(faultdir, "release"), "w").close()
    for t in threads:
        t.join()
    done = [r for r in results if r[1] != 503]
    bad = [(r[0], r[1], r[3]) for r in done if not r[4]]
    check("%d held uploads answered in full after the release" % len(done),
          len(done) == workers + queue and not bad, bad[:3])


def sc_drain_upload(port, faultdir, photo, listed_pdq, pidfile):
    """SIGTERM while an upload is being decoded on a worker (its connection
    suspended): it is answered, then the server exits (the shell checks the
    exit status)."""
    go, ok = upload_request(port, "check", photo, listed_pdq)
    res = []
    t = threading.Thread(target=lambda: res.append(go()))
    t.start()
    check("upload being decoded (held)", held_marker(faultdir))
    os.kill(int(open(pidfile).read()), 15)
    time.sleep(0.5)
    open(os.path.join(faultdir, "release"), "w").close()
    t.join()
    check("upload decoding at SIGTERM answered 200", res and ok(res[0][0], res[0][2]), res[:1])


def sc_upload_wait(port, faultdir, photo, listed_pdq, wait_s):
    """An upload that waited for a decode worker longer than wait_s seconds
    (the only worker held decoding another) is answered 503 with
    Retry-After when the worker comes to it, not decoded; the held one is
    answered in full; the refusal is counted."""
    res, a, b = held_and_waiting(port, faultdir, photo, listed_pdq, wait_s + 20)
    time.sleep(wait_s + 0.7)
    check("the waiting upload not answered while it waits", "waiting" not in res, res.get("waiting"))
    open(os.path.join(faultdir, "release"), "w").close()
    a.join(timeout=20)
    b.join(timeout=20)
    d, w = res.get("decoding"), res.get("waiting")
    check("the held upload answered 200 in full", d is not None and d[3], d and d[:1])
    check("the upload that waited over %d s answered 503, Retry-After 1" % wait_s,
          w is not None and w[0] == 503 and w[1].get("retry-after") == "1"
          and "busy" in w[2].get("error", ""), w and w[:3])
    check_upload_busy_count(port, "the refusal", 1)


def sc_drain_timeout(port, faultdir, photo, listed_pdq, pidfile, drain_s):
    """SIGTERM with one upload being decoded (held) and one waiting for the
    only decode worker: the drain waits drain_s seconds, then the waiting
    upload is answered 503 while the held one is still decoding; once
    released, that one is answered in full (the shell checks the exit status
    and the log)."""
    res, a, b = held_and_waiting(port, faultdir, photo, listed_pdq, 10)
    time.sleep(0.3)
    t_term = time.time()
    os.kill(int(open(pidfile).read()), 15)
    b.join(timeout=drain_s + 10)
    w = res.get("waiting")
    check("the waiting upload answered 503 after the %d s drain" % drain_s,
          w is not None and w[0] == 503 and "stopping" in w[2].get("error", "")
          and drain_s - 0.1 <= w[4] - t_term < drain_s + 5,
          w and (w[0], w[2], round(w[4] - t_term, 2)))
    check("the decoding upload still held meanwhile", "decoding" not in res, res.get("decoding"))
    open(os.path.join(faultdir, "release"), "w").close()
    a.join(timeout=20)
    d = res.get("decoding")
    check("the upload decoding at the end of the drain answered 200 in full",
          d is not None and d[3], d and (d[0], d[2]))


def sc_token(port, token):
    st, _, b = jreq(port, "GET", "/m/index/status")
    check("no token: 401", is_error(st, b, 401), (st, b))
    st, hd, b = jreq(port, "GET", "/m/index/status", headers={"Authorization": "Bearer " + token[:-1] + "x"})
    check("wrong token: 401 with WWW-Authenticate", is_error(st, b, 401) and
          hd.get("www-authenticate") == "Bearer", (st, hd))
    st, _, b = jreq(port, "GET", "/m/index/status", headers={"Authorization": "Bearer " + token})
    check("right token: 200", st == 200, (st, b))
    st, _, b = jreq(port, "GET", "/healthz")
    check("/healthz needs no token", st == 200, st)


def trickle(sock, first, step, until):
    """Sends `first`, then one byte of `step` (repeated) every 0.2 s, until the
    server closes the socket or `until` seconds pass: the seconds it stayed
    open (None: never closed)."""
    import select
    t0 = time.time()
    try:
        sock.sendall(first)
        i = 0
        while time.time() - t0 < until:
            r, _, _ = select.select([sock], [], [], 0.2)
            if r and sock.recv(4096) == b"":
                return time.time() - t0
            sock.sendall(step[i % len(step):i % len(step) + 1])
            i += 1
    except OSError:
        return time.time() - t0
    return None


def sc_deadline(port, request_s, idle_s):
    """--request-timeout: a request must arrive whole within request_s of its
    first line, a request line within max(idle_s, request_s); clients that
    trickle headers, a body or the request line are closed at that deadline
    while others are answered; a keep-alive connection idle between requests
    and a request sent in two parts within the deadline are not cut."""
    line_s = max(idle_s, request_s)
    out = {}

    def run(name, first, step):
        s = socket.create_connection(("127.0.0.1", port), timeout=line_s + 10)
        out[name] = trickle(s, first, step, line_s + 5)
        s.close()

    cases = [("headers", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", b"a"),
             ("body", b"POST /v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 500\r\n\r\n", b" "),
             ("request line", b"GET /heal", b"h")]
    threads = [threading.Thread(target=run, args=c) for c in cases]
    keep = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    keep.request("GET", "/healthz")
    first_ok = json.loads(keep.getresponse().read()) == {"status": "ok"}
    for t in threads:
        t.start()
    worst, answered = 0.0, 0
    t0 = time.time()
    while any(t.is_alive() for t in threads):
        a = time.time()
        st, _, _ = jreq(port, "GET", "/healthz")
        worst = max(worst, time.time() - a)
        answered += st == 200
        time.sleep(0.1)
        if time.time() - t0 > request_s + 0.6 and keep is not None:
            # idle for more than the request deadline, less than --timeout
            keep.request("GET", "/healthz")
            check("a keep-alive connection idle %.1f s between requests is kept" % (time.time() - t0),
                  first_ok and json.loads(keep.getresponse().read()) == {"status": "ok"})
            keep.close()
            keep = None
    for t in threads:
        t.join()
    for name, _, _ in cases[:2]:
        got = out[name]
        check("trickled %s closed at the %d s deadline (%s s)" % (name, request_s, got),
              got is not None and request_s - 0.3 <= got <= request_s + 1.5, got)
    got = out["request line"]
    check("trickled request line closed at max(--timeout, --request-timeout) = %d s (%s s)"
          % (line_s, got), got is not None and line_s - 0.3 <= got <= line_s + 1.5, got)
    check("others answered meanwhile (%d, worst %.3f s)" % (answered, worst),
          answered >= 10 and worst < 1.0)
    # whole within the deadline, in two parts: answered
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    body = b'{"hashes":[{"type":"md5","hash":"' + b"0" * 32 + b'"}]}'
    s.sendall(b"POST /v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10])
    time.sleep(request_s / 2.0)
    s.sendall(body[10:])
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
    s.close()
    check("a slow but whole request is answered", data.startswith(b"HTTP/1.1 200"), data[:80])
    n = metric(port, "hashsweep_http_deadline_closed_total")
    check("metrics count the connections closed at the deadline", n is not None and n >= 3, n)


def crosstalk_worker(port, listed, entry, seed, requests, maxitems):
    """One client process of sc_crosstalk: the answers that were not its own."""
    rng = random.Random(seed)
    bad = []

    def flipped(h, k):
        v = int(h, 16)
        for b in rng.sample(range(256), k):
            v ^= 1 << b
        return "%064x" % v

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(requests):
        items = []  # (type, hex, expected entry or None, distance)
        for _ in range(rng.randint(1, maxitems)):
            c = rng.random()
            if c < 0.6:
                h = rng.choice(listed)
                k = rng.randint(0, 8)
                items.append(("pdq", flipped(h, k), entry.get(h), k))
            elif c < 0.9:
                items.append(("pdq", "%064x" % rng.getrandbits(256), None, 0))
            else:
                items.append(("md5", "%032x" % rng.getrandbits(128), None, 0))
        try:
            if rng.random() < 0.3 and items[0][0] == "pdq":
                t, hx, want, k = items[0]
                conn.request("GET", "/m/lookup?signal_type=pdq&signal=" + hx)
                r = conn.getresponse()
                b = json.loads(r.read())
                got = [(m["bank_content_id"], m["distance"]) for v in b.values() for m in v]
                if r.status != 200 or got != ([(want, str(k))] if want else []):
                    bad.append((hx, want, k, b))
                continue
            body = json.dumps({"hashes": [{"type": t, "hash": hx} for t, hx, _, _ in items]})
            conn.request("POST", "/v1/lookup", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            b = json.loads(r.read())
            res = b.get("results", [])
            ok = r.status == 200 and len(res) == len(items)
            for (t, hx, want, k), x in zip(items, res):
                got = [(m["entry"], m["distance"]) for m in x["matches"]]
                ok = ok and x["type"] == t and x["hash"] == hx and \
                    got == ([(want, k)] if want else [])
            if not ok:
                bad.append((items, b))
        except (OSError, ValueError, http.client.HTTPException) as e:
            bad.append(repr(e))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()
    return bad


def sc_crosstalk(port, hashes_file, procs, requests, maxitems, want_shared):
    """Parallel client processes, each request up to maxitems hashes (listed
    ones with 0..8 bits flipped, random ones, MD5s), through POST /v1/lookup
    and GET /m/lookup: every answer is that request's own, in order, with
    the right entry and distance, while concurrent requests share batches
    (want_shared: at least one batch held several requests)."""
    import multiprocessing
    listed = open(hashes_file).read().split()
    entry = {}
    for i in range(0, len(listed), 100):
        st, _, b = jreq(port, "POST", "/v1/lookup",
                        {"hashes": [{"type": "pdq", "hash": h} for h in listed[i:i + 100]]})
        for h, r in zip(listed[i:i + 100], b["results"] if st == 200 else []):
            if len(r["matches"]) == 1 and r["matches"][0]["distance"] == 0:
                entry[h] = r["matches"][0]["entry"]
    check("each listed hash matches one entry", len(entry) == len(listed) and
          len(set(entry.values())) == len(listed), len(entry))
    t0 = time.time()
    with multiprocessing.Pool(procs) as pool:
        res = pool.starmap(crosstalk_worker, [(port, listed, entry, 1000 + s, requests, maxitems)
                                              for s in range(procs)])
    bad = [x for r in res for x in r]
    check("%d requests from %d parallel clients in %.1f s: every answer is its own"
          % (procs * requests, procs, time.time() - t0), not bad, bad[:3])
    st, _, m = request(port, "GET", "/metrics")
    b = {}
    for l in m.decode().splitlines():
        if l.startswith("hashsweep_batch_requests_bucket"):
            b[l.split('"')[1]] = int(l.split()[1])
    shared = b.get("+Inf", 0) - b.get("1", 0)
    print("%d of %d batches held several requests" % (shared, b.get("+Inf", 0)))
    if want_shared:
        check("batches shared by concurrent requests (%d)" % shared, shared > 0, b)


# ---- HTTP threads and CPUs ------------------------------------------------------------

def thread_rows(port):
    """[(thread, cpu, connections)] from /metrics' hashsweep_http_thread_connections."""
    _, _, data = request(port, "GET", "/metrics")
    rows = []
    for line in data.decode().splitlines():
        if line.startswith("hashsweep_http_thread_connections{"):
            labels, value = line[len("hashsweep_http_thread_connections{"):].split("} ")
            kv = dict(x.split("=") for x in labels.split(","))
            rows.append((int(kv["thread"].strip('"')), kv["cpu"].strip('"'), int(value)))
    return rows


def pinned_threads(pid):
    """The CPU lists of the process's threads that may run on one CPU only."""
    out = []
    for tid in os.listdir("/proc/%s/task" % pid):
        try:
            with open("/proc/%s/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith("Cpus_allowed_list:"):
                        cpus = line.split(":", 1)[1].strip()
                        if cpus.isdigit():
                            out.append(cpus)
        except OSError:
            pass
    return sorted(out)


def kernel_at_least(major, minor):
    v = os.uname().release.split("-")[0].split(".")
    return (int(v[0]), int(v[1])) >= (major, minor)


def healthz(sk):
    """GET /healthz on an open connection; the answer, lower-cased."""
    sk.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    return sk.recv(4096).lower()


def moving_client(port, a, b, allowed, wait_close):
    """A connection opened and answered on CPU a, then its client moved to
    CPU b and answered again: (first, second answer, what followed: b"" when
    the server closed it, None when it stayed open; read only with
    wait_close)."""
    os.sched_setaffinity(0, {a})
    sk = socket.create_connection(("127.0.0.1", port))
    first = healthz(sk)
    os.sched_setaffinity(0, {b})
    time.sleep(0.01)  # past the thread's one-move-per-2-ms budget
    second = healthz(sk)
    rest = None
    if wait_close:
        sk.settimeout(5)
        try:
            rest = sk.recv(4096)
        except socket.timeout:
            pass
    sk.close()
    os.sched_setaffinity(0, set(allowed))
    return first, second, rest


def sc_cpus(port, pid, threads, mode):
    """--threads THREADS with --cpu-affinity MODE (auto on loopback and
    Linux 6.1 or later: kept to the first THREADS CPUs this process may use;
    off: to none). Kept: the connections opened from a CPU are all taken by
    that CPU's thread, each thread that accepted one runs on its CPU only,
    and a connection follows its client to another CPU."""
    threads = int(threads)
    allowed = sorted(os.sched_getaffinity(0))
    steers = kernel_at_least(6, 1)  # before 6.1 `auto` keeps no thread to a CPU
    want_cpu = [str(allowed[i % len(allowed)]) if mode != "off" and steers else "any"
                for i in range(threads)]
    rows = thread_rows(port)
    check("/metrics: one connections gauge per HTTP thread, cpu labels %s" % want_cpu,
          [r[:2] for r in rows] == list(enumerate(want_cpu)), rows)
    if mode == "off":
        socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
        for sk in socks:
            healthz(sk)
        if len(allowed) >= 2:  # (on one CPU every thread runs on it)
            check("off: no HTTP thread kept to one CPU", pinned_threads(pid) == [],
                  pinned_threads(pid))
            _, second, _ = moving_client(port, allowed[0], allowed[1], allowed, False)
            check("off: a client that moves keeps its connection",
                  second.startswith(b"http/1.1 200") and b"connection: close" not in second,
                  second)
        for sk in socks:
            sk.close()
        return
    if not steers:
        print("ok: skipped the steering checks: kernel %s steers listeners by CPU from 6.1"
              % os.uname().release)
        return
    for k in sorted(set(int(c) for c in want_cpu)):
        # the connections of an earlier round closed and counted out
        for _ in range(100):
            if sum(r[2] for r in thread_rows(port)) <= 1:
                break
            time.sleep(0.02)
        os.sched_setaffinity(0, {k})
        socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        for sk in socks:  # each answered: accepted and counted
            healthz(sk)
        rows = thread_rows(port)  # its own connection, from CPU k too
        os.sched_setaffinity(0, set(allowed))
        mine = sum(r[2] for r in rows if r[1] == str(k))
        others = sum(r[2] for r in rows if r[1] != str(k))
        check("4 connections from CPU %d: all on CPU %d's thread" % (k, k),
              mine == 4 and others == 0, rows)
        for sk in socks:
            sk.close()
    # A client that moves to another CPU: its connection follows it (the
    # answer asks it to reconnect, and the new connection is that CPU's).
    a, b = sorted(set(int(c) for c in want_cpu))[:2]
    first, second, rest = moving_client(port, a, b, allowed, True)
    check("a connection answered on its client's CPU stays open",
          first.startswith(b"http/1.1 200") and b"connection: close" not in first, first)
    check("... once the client runs on CPU %d, the answer asks it to reconnect" % b,
          second.startswith(b"http/1.1 200") and b"connection: close" in second and rest == b"",
          (second, rest))
    moved = metric(port, "hashsweep_http_connections_moved_total")
    check("... and is counted in hashsweep_http_connections_moved_total",
          moved is not None and moved >= 1, moved)
    want = sorted(set(want_cpu)) if threads <= len(allowed) else sorted(want_cpu)
    check("each HTTP thread that accepted runs on its CPU only: %s" % want,
          pinned_threads(pid) == want, pinned_threads(pid))


def main():
    sc = sys.argv[1]
    port = int(sys.argv[2])
    args = sys.argv[3:]
    fn = {"native": sc_native, "hma": sc_hma, "bodylimit": lambda p, n: sc_bodylimit(p, int(n)),
          "raw": sc_raw, "slow": lambda p, t: sc_slow(p, int(t)),
          "idle": lambda p, n: sc_idle(p, int(n)), "live": sc_live,
          "check": lambda p, k, f, s, w: sc_check(p, k, f, int(s), w),
          "drain": sc_drain, "token": sc_token,
          "decoding": lambda p, d, f, h, w, q: sc_decoding(p, d, f, h, int(w), int(q)),
          "drain_upload": sc_drain_upload,
          "upload_wait": lambda p, d, f, h, s: sc_upload_wait(p, d, f, h, int(s)),
          "drain_timeout": lambda p, d, f, h, pid, s: sc_drain_timeout(p, d, f, h, pid, int(s)),
          "deadline": lambda p, r, i: sc_deadline(p, int(r), int(i)),
          "cpus": sc_cpus,
          "crosstalk": lambda p, f, n, r, m, w: sc_crosstalk(p, f, int(n), int(r), int(m),
                                                             w == "shared")}[sc]
    fn(port, *args)
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
