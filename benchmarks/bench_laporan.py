"""Benchmark of the report batch (``p3pd laporan``: papermill + nbconvert on Dask, warm kernels).

Side by side in one invocation, on the same notebook, the same parameters and the
same store:

1. the naive loop a user would write: for each kecamatan the ``papermill`` command,
   then ``jupyter nbconvert --to html --no-input``, one after the other;
2. the kit's batch (``batch.run_batch``: a Dask LocalCluster, one worker per core,
   a warm kernel per worker) on a larger set, timed as a whole (cluster start-up,
   kernel start-up and the index included).

Workloads:

- default: a demo store of ``--kabupaten`` (built in a temporary folder), the
  kecamatan reports of those kabupaten;
- ``--provinsi 33``: an existing store (``--data-dir``, default the project's
  ``data/``), every kecamatan AND kabupaten report of that province;
- ``--semua``: the REAL full run over an existing store, every kecamatan and
  kabupaten report (the demo store: 1,987 + 129), nothing extrapolated.

Prints wall time, reports per second, the per-report median inside a worker, the
throughput ratio against the naive loop and the HTML sizes. The machine may be
shared: compare the figures of one run, quoted with the load averages printed.

    .venv/bin/python benchmarks/bench_laporan.py [--naive 3] [--kabupaten 33.07 33.08 33.09]
    .venv/bin/python benchmarks/bench_laporan.py --provinsi 33 --data-dir /path/to/data [--naive 3]
    .venv/bin/python benchmarks/bench_laporan.py --semua --data-dir /path/to/data [--naive 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from p3pd_lib.paths import NOTEBOOKS_DIR  # noqa: E402
from p3pd_lib.paths import data_dir as default_data_dir  # noqa: E402

BIN = Path(sys.executable).parent
TARGET_FULL_MIN = 10


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f})"


def naive_loop(codes: list[str], data_dir: Path, out: Path) -> tuple[float, list[int]]:
    """papermill CLI + nbconvert CLI per kecamatan; returns (seconds, html sizes)."""
    out.mkdir(parents=True, exist_ok=True)
    sizes = []
    t0 = time.perf_counter()
    for kode in codes:
        nb = out / f"{kode}.ipynb"
        subprocess.run(
            [str(BIN / "papermill"), str(NOTEBOOKS_DIR / "laporan_kecamatan.ipynb"), str(nb), "-p", "kode_kecamatan", kode,
             "-p", "data_dir", str(data_dir), "-p", "file_excel", str(out / f"{kode}.xlsx"), "--no-progress-bar"],
            check=True, capture_output=True, cwd=out,
        )
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)],
                       check=True, capture_output=True, cwd=out)
        sizes.append((out / f"{kode}.html").stat().st_size)
    return time.perf_counter() - t0, sizes


def main() -> None:
    # Imported here: the Dask worker processes re-import this script, and need none of it.
    from p3pd_lib import batch, demo

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--naive", type=int, default=3, help="kecamatan in the naive loop (0: skip it)")
    ap.add_argument("--kabupaten", nargs="+", default=["33.07", "33.08", "33.09"], help="kabupaten of the demo-store workload")
    ap.add_argument("--provinsi", default=None, help="a province of an existing store: all its kecamatan and kabupaten reports")
    ap.add_argument("--semua", action="store_true", help="the real full run: every report of an existing store")
    ap.add_argument("--data-dir", default=None, help="store of --provinsi/--semua (default: the project's data/)")
    ap.add_argument("--workers", type=int, default=None, help="kit workers (default: core count)")
    ap.add_argument("--output", default=None, help="keep the kit's reports in this folder (default: a temporary one)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-laporan-") as tmp:
        tmp_path = Path(tmp)
        print(f"machine: {os.cpu_count()} cores, {load()} at start")
        if args.provinsi or args.semua:
            store = default_data_dir(args.data_dir)
            idx = batch.store_index(store)
            w = idx.wilayah if args.semua else idx.wilayah[idx.wilayah["kode_provinsi"] == args.provinsi]
            codes = sorted(w["kode_kecamatan"].unique())
            if not codes:
                raise SystemExit(f"Provinsi {args.provinsi} tidak ada di {store}.")
            print(f"store {store}: {'every province' if args.semua else 'province ' + args.provinsi}, {len(codes)} "
                  f"kecamatan, {w['kode_kabupaten'].nunique()} kabupaten, {len(w)} desa/kelurahan "
                  f"(whole store: {idx.wilayah['kode_kecamatan'].nunique()} kecamatan)")
            selection = {"semua": True} if args.semua else {"provinsi": [args.provinsi]}
            selection["laporan_kabupaten"] = True
        else:
            store = tmp_path / "store"
            t = time.perf_counter()
            demo.build_demo_store(data_dir=store, kabupaten=args.kabupaten)
            idx = batch.store_index(store)
            codes = sorted(idx.wilayah["kode_kecamatan"].unique())
            print(f"demo store: {len(args.kabupaten)} kabupaten, {len(codes)} kecamatan, "
                  f"{len(idx.wilayah)} desa/kelurahan ({time.perf_counter() - t:.1f} s to build)")
            selection = {"kabupaten": args.kabupaten, "laporan_kabupaten": False}

        naive_per = None
        if args.naive:
            naive_codes = codes[: args.naive]
            naive_s, naive_sizes = naive_loop(naive_codes, store, tmp_path / "naive")
            naive_per = naive_s / len(naive_codes)
            print(f"\nnaive loop (papermill CLI + nbconvert CLI, same store), {len(naive_codes)} kecamatan: "
                  f"{naive_s:.1f} s -> {naive_per:.2f} s/report, {1 / naive_per:.2f} reports/s ({load()})")

        out = Path(args.output).resolve() if args.output else tmp_path / "kit"
        cpu0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        result = batch.run_batch(**selection, output_dir=out, data_dir=store, workers=args.workers, progress=False,
                                 log=lambda s: None)
        kit_s = time.perf_counter() - t
        cpu1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        # The LocalCluster's worker processes are reaped at the end, with their kernels: RUSAGE_CHILDREN.
        cpu_main, cpu_children = ((b.ru_utime + b.ru_stime) - (a.ru_utime + a.ru_stime) for a, b in zip(cpu0, cpu1))
        entries = result.entries
        ok = [e for e in entries if e["status"] == "berhasil"]
        kec = [e for e in ok if e["jenis"] == "kecamatan"]
        kab = [e for e in ok if e["jenis"] == "kabupaten"]
        kit_per = kit_s / len(entries)
        print(f"\nkit batch ({result.n_workers} Dask workers, warm kernels): {len(entries)} reports "
              f"({len(kec)} kecamatan + {len(kab)} kabupaten ok, {result.count('gagal')} failed, "
              f"{result.count('terkini')} already up to date) in {kit_s:.1f} s wall = {kit_s / 60:.2f} min, "
              f"start-up and index included -> {len(entries) / kit_s:.2f} reports/s, {kit_per:.3f} s/report effective "
              f"({load()} at end)")
        per_kec = [e["durasi_detik"] for e in kec]
        if len(per_kec) >= 2:
            print(f"  per kecamatan report inside a worker: median {statistics.median(per_kec):.3f} s, "
                  f"90th percentile {statistics.quantiles(per_kec, n=10)[-1]:.3f} s, max {max(per_kec):.1f} s "
                  "(the first report of each worker also starts its kernel and reads the data)")
        if kab:
            print(f"  per kabupaten report: median {statistics.median(e['durasi_detik'] for e in kab):.3f} s")
        cpu_per = (cpu_main + cpu_children) / len(entries)
        print(f"  CPU time: batch process {cpu_main:.1f} s, workers + kernels {cpu_children:.1f} s -> {cpu_per:.3f} CPU-s/report")
        if naive_per is not None:
            print(f"\nthroughput ratio kit / naive: {naive_per / kit_per:.1f}x (target >= 10x)")
        if args.semua:
            verdict = "met" if kit_s / 60 < TARGET_FULL_MIN else "NOT met"
            print(f"REAL FULL RUN: {len(entries)} reports in {kit_s / 60:.2f} min (target < {TARGET_FULL_MIN} min: {verdict})")
        if kec:
            sizes = sorted((out / e["html"]).stat().st_size for e in kec)
            biggest = max(kec, key=lambda e: (out / e["html"]).stat().st_size)
            print(f"HTML per kecamatan report (without the shared files): median {statistics.median(sizes) / 1024:.0f} KB, "
                  f"max {sizes[-1] / 1024:.0f} KB ({biggest['kode']}) (target < 150 KB)")
        if kab:
            print(f"HTML per kabupaten report: max {max((out / e['html']).stat().st_size for e in kab) / 1024:.0f} KB")
        if naive_per is not None:
            print(f"HTML per report (naive nbconvert --no-input): median {statistics.median(naive_sizes) / 1024:.0f} KB")
        shared = sum(p.stat().st_size for p in (out / batch.ASET_DIR).iterdir())
        print(f"shared files written once per output folder: {shared / 1024:.0f} KB")


if __name__ == "__main__":
    main()
