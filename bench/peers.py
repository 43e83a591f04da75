#!/usr/bin/env python3
"""bench/peers.py - hashsweep and its peers on the same data in the same run,
and bench/RESULTS.md with tables, ratios and plots. Run by bench/run.sh (which
installs the peers and builds hashsweep first); see docs/eval.md.

    bench/.venv/bin/python bench/peers.py --build build-bench [--quick]

Peers (PyPI): pdqhash (Python bindings of Meta's C++ PDQ reference), imagehash
(phash), faiss-cpu (Hamming search, through bench/hamming_vs_faiss.py), Pillow
(the peers' decoder), matplotlib (plots). hashsweep is run through its CLI and
bench programs. Times are wall clock; each figure is the median of --repeats
runs, and the runs of all tools alternate so that load on the shared machine
hits them alike. Ratios are taken within this one run.
"""
import argparse
import csv
import datetime
import json
import multiprocessing
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import imagehash
import matplotlib
import numpy as np
import pdqhash
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COMMANDS = []  # every command run, for the report


def log(msg):
    print(f"[peers] {msg}", file=sys.stderr, flush=True)


def show(cmd):
    """A command as RESULTS.md records it: paths relative to the repository,
    the photo list shortened."""
    photos = [c for c in cmd if c.startswith("/usr/share/")]
    text = " ".join(c for c in cmd if c not in photos)
    if photos:
        text += f" PHOTOS... ({len(photos)} corpus photos)"
    return text.replace(ROOT + "/", "")


def run(cmd, **kw):
    """Runs a command (recorded for RESULTS.md); returns stdout."""
    COMMANDS.append(show(cmd))
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def timed(cmd):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)}: exit {out.returncode}: {out.stderr[-500:]}")
    return time.perf_counter() - t0, out


# ---- the corpus ----------------------------------------------------------------


def corpus(tsv, limit):
    rows = [r for r in csv.DictReader(open(tsv), delimiter="\t") if r["pdq_noresize"]]
    rows = [r for r in rows if os.path.exists(r["path_in_package"])]
    return rows[:limit] if limit else rows


def corpus_dir(rows, out):
    """A folder of links to the photos (scan and eval take folders)."""
    d = os.path.join(out, "corpus")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for r in rows:
        p = r["path_in_package"]
        name = re.sub(r"[/]", "_", p.replace("/usr/share/", "").replace("/contents/images", ""))
        os.symlink(p, os.path.join(d, name))
    return d


# ---- peers -------------------------------------------------------------------------


def pdq_hex(bits):
    """pdqhash's bit k is bit 255 - k of the 64-digit hex (checked against the
    reference hashes of the corpus)."""
    v = 0
    for k, b in enumerate(bits):
        if b:
            v |= 1 << (255 - k)
    return format(v, "064x")


def peer_pdqhash(path):
    img = np.asarray(Image.open(path).convert("RGB"))
    bits, quality = pdqhash.compute(img)
    return pdq_hex(bits), quality


def peer_phash(path):
    return str(imagehash.phash(Image.open(path)))


def peer_rate(fn, paths, workers):
    """files/s of fn over paths with `workers` processes, and the results."""
    t0 = time.perf_counter()
    if workers == 1:
        res = [fn(p) for p in paths]
    else:
        with multiprocessing.Pool(workers) as pool:
            res = pool.map(fn, paths, chunksize=1)
    return len(paths) / (time.perf_counter() - t0), res


# ---- hashsweep --------------------------------------------------------------------------


def hs_hashes(hs, mode, paths):
    out = run([hs, "hash", "--mode", mode, "--format", "tsv"] + paths)
    got = {}
    for line in out.splitlines():
        h, q, p = line.split("\t", 2)
        got[p] = (h, int(q))
    return [got[p] for p in paths]


def hs_index(hs, out, rows):
    """An index holding the corpus's reference hashes (a scan needs one)."""
    idx = os.path.join(out, "index")
    shutil.rmtree(idx, ignore_errors=True)
    lst = os.path.join(out, "known.txt")
    with open(lst, "w") as f:
        for r in rows:
            f.write(r["pdq_noresize"] + "\n")
    run([hs, "index", "create", idx])
    run([hs, "index", "import", idx, "--list", "bench", lst])
    return idx


def hs_scan_cmd(hs, idx, src, out, mode, jobs):
    return ["/usr/bin/time", "-v", hs, "scan", "--index", idx, "--out", os.path.join(out, "m.jsonl"),
            "--mode", mode, "--jobs", str(jobs), "--device", "cpu", "-q", src]


def peak_rss_mb(stderr):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return int(m.group(1)) / 1024 if m else float("nan")


# ---- measurements -------------------------------------------------------------------------


def hashing(a, hs, rows, src):
    """files/s of every hasher; runs alternate, medians of a.repeats."""
    paths = [r["path_in_package"] for r in rows]
    n = len(paths)
    idx = hs_index(hs, a.out, rows)
    cfg = []  # (name, workers, run, command as recorded)
    for mode in ("fast", "exact"):
        cmd = [hs, "hash", "--mode", mode, "--jobs", "1", "-q"]
        cfg.append((f"hashsweep hash --mode {mode}", 1,
                    lambda c=cmd: timed(c + paths), show(cmd + paths)))
        for jobs in (1, 2):
            cmd = hs_scan_cmd(hs, idx, src, a.out, mode, jobs)
            cfg.append((f"hashsweep scan --mode {mode} --jobs {jobs}", jobs,
                        lambda c=cmd: timed(c), show(cmd)))
    for workers in (1, 2):
        cfg.append((f"pdqhash + PIL (reference C++), {workers} process(es)", workers,
                    lambda w=workers: peer_rate(peer_pdqhash, paths, w),
                    f"python: pdqhash.compute(numpy.asarray(PIL.Image.open(f).convert('RGB'))) "
                    f"per photo, {workers} process(es)"))
        cfg.append((f"imagehash phash + PIL, {workers} process(es)", workers,
                    lambda w=workers: peer_rate(peer_phash, paths, w),
                    f"python: imagehash.phash(PIL.Image.open(f)) per photo, {workers} process(es)"))
    COMMANDS.extend(c[3] for c in cfg)
    rates = {c[0]: [] for c in cfg}
    rss = {}
    ceiling = {}
    ceiling_cmd = [os.path.join(a.build, "bench", "bench_hash"), "--repeat", "1"] + paths
    for rep in range(a.repeats):
        for name, _, fn, _ in cfg:
            log(f"hashing: {name} (run {rep + 1}/{a.repeats})")
            r = fn()
            if isinstance(r[1], subprocess.CompletedProcess):
                rates[name].append(n / r[0])
                if name.startswith("hashsweep scan"):
                    rss.setdefault(name, []).append(peak_rss_mb(r[1].stderr))
            else:
                rates[name].append(r[0])
        # The libvips decode ceiling (one thread), from bench_hash, in the
        # same loop so that it sees the same load.
        log(f"hashing: bench_hash (run {rep + 1}/{a.repeats})")
        for line in run(ceiling_cmd).splitlines():
            m = re.match(r"(vips_\w+)\s+([\d.]+) files/s", line)
            if m:
                ceiling.setdefault(m.group(1), []).append(float(m.group(2)))
    ceiling = {k: statistics.median(v) for k, v in ceiling.items()}
    table = [(name, jobs, statistics.median(rates[name]),
              statistics.median(rss[name]) if name in rss else None) for name, jobs, _, _ in cfg]
    return table, ceiling


def distances(hs, rows):
    """Each implementation's PDQ against hashsweep exact and the references."""
    paths = [r["path_in_package"] for r in rows]
    exact = hs_hashes(hs, "exact", paths)
    fast = hs_hashes(hs, "fast", paths)
    stock = hs_hashes(hs, "stock", paths)
    peer = [peer_pdqhash(p) for p in paths]

    def d(a, b):
        return bin(int(a, 16) ^ int(b, 16)).count("1")

    series = {
        "pdqhash (C++ reference) vs hashsweep exact": [d(p[0], e[0]) for p, e in zip(peer, exact)],
        "hashsweep fast vs hashsweep exact": [d(f[0], e[0]) for f, e in zip(fast, exact)],
        "hashsweep exact vs reference TSV (full resolution)":
            [d(e[0], r["pdq_noresize"]) for e, r in zip(exact, rows)],
        "hashsweep stock vs reference TSV (stock CLI, 512 stretch)":
            [d(s[0], r["pdq_stock"]) for s, r in zip(stock, rows)],
        "pdqhash vs reference TSV (full resolution)":
            [d(p[0], r["pdq_noresize"]) for p, r in zip(peer, rows)],
    }
    quality = sum(p[1] == e[1] for p, e in zip(peer, exact))
    return series, quality


def hamming(a):
    sizes = "1e5" if a.quick else "1e6,1e7"
    cmd = [sys.executable, os.path.join(HERE, "hamming_vs_faiss.py"), "--build", a.build,
           "--sizes", sizes, "--threads", "1", "--bits", "256", "--kernels", "",
           "--out", os.path.join(a.out, "hamming")]
    log("hamming: " + " ".join(cmd))
    out = run(cmd)
    rows = []
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 10 and cells[0] in ("256", "64"):
            rows.append(cells)
    return out, rows


def device_bench(a, hs):
    """hashsweep bench on the CPU path and on every OpenCL device listed."""
    devs = run([hs, "devices", "--format", "tsv"]).splitlines()[1:]
    runs = []
    for dev in ["cpu"] + [line.split("\t")[0] for line in devs]:
        tag = "cpu" if dev == "cpu" else f"device{dev}"
        path = os.path.join(HERE, "results", f"bench-{tag}.json")
        cmd = [hs, "bench", "--device", dev, "--repeats", "3", "--json", path] + (
            ["--quick"] if a.quick else [])
        log("device bench: " + " ".join(cmd))
        table = run(cmd)
        runs.append((tag, table, json.load(open(path))))
    return runs


def eval_corpus(a, hs, src):
    """The audit on the corpus; paths relative to the repository, so the
    committed report names no machine's folders."""
    rep = os.path.join(HERE, "results", "eval-corpus")
    cmd = [os.path.relpath(hs, ROOT), "eval", "--originals", os.path.relpath(src, ROOT),
           "--report", os.path.relpath(rep, ROOT), "--device", "cpu", "-q"]
    if a.quick:
        cmd += ["--limit", "4", "--edits", "identity,jpeg_q50,resize_0.25,rot90,crop_centre_10"]
    log("eval: " + " ".join(cmd))
    t0 = time.perf_counter()
    subprocess.run(cmd, check=False, cwd=ROOT)
    COMMANDS.append(show(cmd))
    return json.load(open(os.path.join(rep, "report.json"))), time.perf_counter() - t0


# ---- plots ---------------------------------------------------------------------------


def plot_hashing(table, ceiling, path):
    names = [t[0] for t in table] + ["libvips decode alone, full size", "libvips decode alone, fast shrink"]
    vals = [t[2] for t in table] + [ceiling.get("vips_full", 0), ceiling.get("vips_fast", 0)]
    colours = ["#1f5fbf" if n.startswith("hashsweep") else "#999999" if n.startswith("libvips")
               else "#d9822b" for n in names]
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(names) + 1.2))
    ax.barh(range(len(names)), vals, color=colours)
    ax.set_yticks(range(len(names)), names, fontsize=9)
    ax.invert_yaxis()
    for i, v in enumerate(vals):
        ax.text(v, i, f" {v:.1f}", va="center", fontsize=8)
    ax.set_xlabel("files per second (corpus photos, median of runs; higher is better)")
    ax.set_title("PDQ hashing of the corpus: hashsweep (blue) vs peers (orange)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_distances(series, path):
    fig, ax = plt.subplots(figsize=(10, 4.5))
    names = list(series)
    ax.boxplot([series[n] for n in names], orientation="horizontal", widths=0.5)
    for i, n in enumerate(names):
        ax.scatter(series[n], [i + 1] * len(series[n]), s=10, alpha=0.5, color="#1f5fbf")
    ax.set_yticks(range(1, len(names) + 1), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Hamming distance (bits of 256), one dot per photo")
    ax.set_title("PDQ agreement on the corpus")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_hamming(rows, path):
    labels = [f"M={r[1]} {r[2]}" for r in rows]
    ours = [float(r[4]) for r in rows]
    faiss = [float(r[5]) for r in rows]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(x - 0.2, ours, 0.4, label="hashsweep CPU path", color="#1f5fbf")
    ax.bar(x + 0.2, faiss, 0.4, label="faiss IndexBinaryFlat", color="#d9822b")
    for i in range(len(rows)):
        ax.text(x[i] - 0.2, ours[i], f"{ours[i] / faiss[i]:.1f}x", ha="center", va="bottom",
                fontsize=8)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("comparisons per second (1 thread, log)")
    ax.set_title("256-bit Hamming search, Q = 1000 queries")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---- RESULTS.md -----------------------------------------------------------------------------


def machine():
    cpu = platform.processor()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} logical cores, {mem:.0f} GiB, Linux {platform.release()}"


def versions(hs):
    v = subprocess.run([hs, "--version"], capture_output=True, text=True).stdout.strip()
    vips = subprocess.run(["pkg-config", "--modversion", "vips"], capture_output=True,
                          text=True).stdout.strip()
    from importlib.metadata import version
    peers = ", ".join(f"{p} {version(p)}" for p in
                      ("pdqhash", "ImageHash", "faiss-cpu", "numpy", "pillow", "matplotlib"))
    return f"{v}; libvips {vips}; Python {platform.python_version()}; {peers}"


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def hashing_section(table, ceiling, n):
    ref = {t[0]: t[2] for t in table}
    pdq1 = ref["pdqhash + PIL (reference C++), 1 process(es)"]
    rows = []
    for name, jobs, rate, rss in table:
        rows.append((name, jobs, f"{rate:.2f}", f"{1000 / rate:.0f}", f"{rate / pdq1:.2f}x",
                     f"{rss:.0f}" if rss else ""))
    for key, label in (("vips_full", "libvips decode alone, full size (bench_hash)"),
                       ("vips_fast", "libvips decode alone, FAST shrink (bench_hash)")):
        if key in ceiling:
            rows.append((label, 1, f"{ceiling[key]:.2f}", f"{1000 / ceiling[key]:.0f}",
                         f"{ceiling[key] / pdq1:.2f}x", ""))
    text = md_table(["hasher", "workers", "files/s", "ms/file", "vs pdqhash 1 process",
                     "peak RSS MB"], rows)
    text += (f"\n{n} photos. `hashsweep hash --jobs 1` is one process, one decode worker; `scan` includes "
             f"listing, the archive-less scan and matching against a {n}-entry index, with "
             "`--jobs` decode workers. Ceiling ratios: hashsweep exact (hash) / libvips full "
             f"decode = {ref['hashsweep hash --mode exact'] / ceiling['vips_full']:.2f}, "
             f"hashsweep fast (hash) / libvips fast decode = "
             f"{ref['hashsweep hash --mode fast'] / ceiling['vips_fast']:.2f}.\n"
             if "vips_full" in ceiling and "vips_fast" in ceiling else "")
    return text


def distance_section(series, quality_same, n):
    rows = []
    for name, ds in series.items():
        s = sorted(ds)
        rows.append((name, len(s), sum(1 for d in s if d == 0), s[len(s) // 2],
                     s[min(len(s) - 1, int(0.9 * len(s)))], s[-1]))
    return (md_table(["comparison", "photos", "identical", "median", "p90", "max"], rows) +
            f"\npdqhash and hashsweep exact agree on the quality of {quality_same} of {n} photos.\n")


def eval_section(ev, secs):
    rows = []
    for e in ev["edits"]:
        rd, rp = e["recall"]["dihedral"], e["recall"]["plain"]
        rows.append((e["name"], e["copies"], f"{100 * rp[1]:.0f}%", f"{100 * rd[0]:.0f}%",
                     f"{100 * rd[1]:.0f}%", f"{100 * rd[3]:.0f}%",
                     "/".join(str(v) for v in e["distance"]["dihedral"])))
    fm = ev["pairs"]["false_match_rate"]["dihedral"]
    return (f"`hashsweep eval` on the corpus ({ev['originals']} originals, mode {ev['mode']}, "
            f"{ev['engine']}, {secs:.0f} s). Full report: "
            "[results/eval-corpus/report.md](results/eval-corpus/report.md) (plots there).\n\n" +
            md_table(["edit", "copies", "plain @31", "dihedral @15", "dihedral @31",
                      "dihedral @63", "dihedral min/median/p90/max"], rows) +
            f"\nFalse matches over {ev['pairs']['pairs']} pairs of distinct photos (dihedral): "
            + ", ".join(f"{fm[i]:.2g} at {t}" for i, t in enumerate(ev["thresholds"])) +
            f"; minimum distance {ev['pairs']['min_distance']['dihedral']}.\n")


def device_section(runs):
    """A table of medians per engine (ratios against the CPU path), then
    each engine's own output."""
    cpu = {(f["name"], f["size"]): f for f in runs[0][2]["figures"]}
    head = ["figure", "size", "unit"] + [r[0] for r in runs] + [f"{r[0]} / cpu" for r in runs[1:]]
    rows = []
    for key, f in cpu.items():
        cells = [f["name"], f["size"], f["unit"]]
        vals = []
        for _, _, js in runs:
            g = {(x["name"], x["size"]): x for x in js["figures"]}.get(key)
            vals.append(g["median"] if g and g["applicable"] else None)
        cells += [f"{v:.4g}" if v else "n/a" for v in vals]
        cells += [f"{v / vals[0]:.2f}x" if v and vals[0] else "" for v in vals[1:]]
        rows.append(cells)
    text = md_table(head, rows) + "\n"
    for tag, table, js in runs:
        text += (f"`hashsweep bench --device {tag.replace('device', '')}` (engine: {js['engine']}; "
                 f"JSON: [results/bench-{tag}.json](results/bench-{tag}.json)):\n\n```\n"
                 + table.strip() + "\n```\n\n")
    return text


def rebase_links(text):
    """A bench/results/*.md links relative to bench/results/; in RESULTS.md (bench/) the same
    targets are one folder up: [raw](serve4/) becomes [raw](results/serve4/)."""
    def fix(m):
        target = m.group(1)
        if re.match(r"[a-z]+:|#", target):
            return m.group(0)
        path, hash_, frag = target.partition("#")
        rebased = os.path.normpath(os.path.join("results", path)) + ("/" if path.endswith("/") else "")
        return "](" + rebased + hash_ + frag + ")"
    return re.sub(r"\]\(([^)\s]+)\)", fix, text)


def other_results():
    """The bench/results/*.md sections written by other benchmarks."""
    out = []
    d = os.path.join(HERE, "results")
    for name in sorted(os.listdir(d)):
        if name.endswith(".md"):
            text = open(os.path.join(d, name)).read().strip()
            text = re.sub(r"^(#+)", lambda m: "#" + m.group(1), text, flags=re.M)
            out.append(f"<!-- from bench/results/{name} -->\n{rebase_links(text)}\n")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--tsv", default=os.path.join(ROOT, "..", "shared", "corpus",
                                                  "expected_pdq_corpus.tsv"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--repeats", type=int, default=0, help="runs per figure (3; --quick 1)")
    ap.add_argument("--quick", action="store_true", help="6 photos, small sizes, 1 run")
    ap.add_argument("--command", default="bench/run.sh", help="how this run was started")
    a = ap.parse_args()
    a.repeats = a.repeats or (1 if a.quick else 3)
    os.makedirs(a.out, exist_ok=True)
    hs = os.path.join(a.build, "hashsweep")
    rows = corpus(a.tsv, 6 if a.quick else 0)
    if not rows:
        sys.exit(f"peers: no corpus photo found (see {a.tsv} and shared/corpus/README.md)")
    src = corpus_dir(rows, a.out)
    started = datetime.datetime.now(datetime.timezone.utc)
    load0 = os.getloadavg()

    log(f"{len(rows)} photos; hashing")
    table, ceiling = hashing(a, hs, rows, src)
    log("distances")
    series, quality_same = distances(hs, rows)
    log("hamming")
    ham_out, ham_rows = hamming(a)
    dev_runs = device_bench(a, hs)
    ev, ev_secs = eval_corpus(a, hs, src)
    load1 = os.getloadavg()

    plot_hashing(table, ceiling, os.path.join(HERE, "hashing.png"))
    plot_distances(series, os.path.join(HERE, "distances.png"))
    if ham_rows:
        plot_hamming(ham_rows, os.path.join(HERE, "hamming.png"))

    doc = [
        "# hashsweep benchmark results\n",
        "Generated by `" + a.command.strip() + "` (bench/run.sh -> bench/peers.py): every figure below "
        "was measured in this one run, hashsweep and its peers on the same data, alternating. "
        "The machine is shared and noisy: compare ratios within this run, not absolute "
        "figures across runs.\n",
        md_table(["", ""], [
            ("date", started.strftime("%Y-%m-%d %H:%M UTC")),
            ("machine", machine()),
            ("load average (1/5/15 min) before / after",
             " / ".join(f"{x:.1f}" for x in load0) + " ; " + " / ".join(f"{x:.1f}" for x in load1)),
            ("versions", versions(hs)),
            ("mode", "quick (6 photos, small sizes, 1 run)" if a.quick
             else f"full ({len(rows)} photos, medians of {a.repeats} runs)"),
        ]),
        "\n## Hashing files/s on the corpus\n",
        hashing_section(table, ceiling, len(rows)),
        "\n![files per second](hashing.png)\n",
        "\n## PDQ distance to hashsweep exact and to the reference hashes\n",
        distance_section(series, quality_same, len(rows)),
        "\n![distances](distances.png)\n",
        "\n## Hamming search: hashsweep CPU path vs faiss\n",
        ham_out.strip() + "\n",
        "\n![hamming](hamming.png)\n" if ham_rows else "",
        "\n## Device micro-benchmarks\n",
        "Medians; the device's figures include the host-device transfers of each call. "
        "On a machine without a GPU the device is PoCL on the same CPU cores.\n\n",
        device_section(dev_runs),
        "\n## Accuracy audit on the corpus\n",
        eval_section(ev, ev_secs),
        "\n## Commands\n",
        "```\n" + "\n".join(dict.fromkeys(COMMANDS)) + "\n```\n",
        "\n## Other results (bench/results/*.md)\n",
        other_results(),
    ]
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(doc))
    log("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
