"""Benchmark of the report batch (issue: per-kecamatan reports for thousands of kecamatan).

Side by side in one invocation, on the same notebook, the same parameters and the
same store:

1. the naive loop a user would write: for each kecamatan the ``papermill`` command,
   then ``jupyter nbconvert --to html --no-input``, one after the other;
2. the kit's batch (``report.run_batch``: warm kernel per worker, in-process
   export) with the default number of workers, on a larger set.

Two workloads:

- default: a demo store of ``--kabupaten`` (built in a temporary folder), the
  kecamatan reports of those kabupaten;
- ``--provinsi 11``: the existing store (``--data-dir``, default the project's
  ``data/``, e.g. the four-province demo), every kecamatan AND kabupaten report of
  that province, as ``p3pd laporan --semua`` renders them, with each worker's
  kernel reading the province (Aceh: 290 kecamatan, 23 kabupaten). Closest to the
  real ``--semua`` run.

Prints the effective seconds per report of each, the throughput ratio, the time
EXTRAPOLATED to the 1,987 kecamatan (+ 129 kabupaten reports) of the four workshop
provinces from the measured run (not a full run), and the HTML sizes (excluding
the shared plotly.js, CSS and figure script). The machine is shared and noisy:
compare the figures of one run, and quote them with the load averages printed.

    .venv/bin/python benchmarks/bench_laporan.py [--naive 3] [--kabupaten 33.07 33.08 33.09]
    .venv/bin/python benchmarks/bench_laporan.py --provinsi 11 [--naive 2] [--data-dir data]
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

from p3pd_lib import demo, report  # noqa: E402
from p3pd_lib.paths import NOTEBOOKS_DIR  # noqa: E402
from p3pd_lib.paths import data_dir as default_data_dir  # noqa: E402

N_WORKSHOP_KECAMATAN = 1987
N_WORKSHOP_KABUPATEN = 129
BIN = Path(sys.executable).parent


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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--naive", type=int, default=3, help="kecamatan in the naive loop (0: skip it)")
    ap.add_argument("--kabupaten", nargs="+", default=["33.07", "33.08", "33.09"], help="kabupaten of the demo-store workload")
    ap.add_argument("--provinsi", default=None, help="a province of an existing store: all its kecamatan and kabupaten reports")
    ap.add_argument("--data-dir", default=None, help="store of --provinsi (default: the project's data/)")
    ap.add_argument("--workers", type=int, default=None, help="kit workers (default: core count)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-laporan-") as tmp:
        tmp_path = Path(tmp)
        print(f"machine: {os.cpu_count()} cores, {load()} at start")
        if args.provinsi:
            store = default_data_dir(args.data_dir)
            idx = report.store_index(store)
            w = idx.wilayah[idx.wilayah["kode_provinsi"] == args.provinsi]
            codes = sorted(w["kode_kecamatan"].unique())
            if not codes:
                raise SystemExit(f"Provinsi {args.provinsi} tidak ada di {store}.")
            print(f"store {store}: province {args.provinsi}, {len(codes)} kecamatan, "
                  f"{w['kode_kabupaten'].nunique()} kabupaten, {len(w)} desa/kelurahan "
                  f"(whole store: {idx.wilayah['kode_kecamatan'].nunique()} kecamatan)")
            selection = {"provinsi": [args.provinsi], "laporan_kabupaten": True}
        else:
            store = tmp_path / "store"
            t = time.perf_counter()
            demo.build_demo_store(data_dir=store, kabupaten=args.kabupaten)
            idx = report.store_index(store)
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
                  f"{naive_s:.1f} s -> {naive_per:.2f} s/report ({load()})")

        out = tmp_path / "kit"
        cpu0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        result = report.run_batch(**selection, output_dir=out, data_dir=store, workers=args.workers, progress=False,
                                  log=lambda s: None)
        kit_s = time.perf_counter() - t
        cpu1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        # Workers are joined and reap their kernels, so their CPU time is in RUSAGE_CHILDREN.
        cpu_main, cpu_children = ((b.ru_utime + b.ru_stime) - (a.ru_utime + a.ru_stime) for a, b in zip(cpu0, cpu1))
        entries = result.entries
        ok = [e for e in entries if e["status"] == "berhasil"]
        kec = [e for e in ok if e["jenis"] == "kecamatan"]
        kab = [e for e in ok if e["jenis"] == "kabupaten"]
        kit_per = kit_s / len(entries)
        print(f"\nkit batch ({result.n_workers} workers, warm kernels): {len(entries)} reports "
              f"({len(kec)} kecamatan + {len(kab)} kabupaten ok, {result.count('gagal')} failed) in {kit_s:.1f} s wall "
              f"incl. start-up -> {kit_per:.3f} s/report effective ({load()} at end)")
        firsts = {}
        for e in sorted(ok, key=lambda e: e["selesai"]):
            firsts.setdefault(e["pekerja"], e["durasi_detik"])
        per_kec = [e["durasi_detik"] for e in kec]
        print(f"  per kecamatan report inside a worker: median {statistics.median(per_kec):.3f} s, "
              f"90th percentile {statistics.quantiles(per_kec, n=10)[-1]:.3f} s; first report of each worker "
              f"(kernel start + imports + data): {', '.join(f'{v:.1f} s' for v in firsts.values())}")
        if kab:
            print(f"  per kabupaten report: median {statistics.median(e['durasi_detik'] for e in kab):.3f} s")
        cpu_per = (cpu_main + cpu_children) / len(entries)
        cores = min(os.cpu_count() or 1, max(result.n_workers, 1))
        print(f"  CPU time: batch process {cpu_main:.1f} s, workers + kernels {cpu_children:.1f} s -> {cpu_per:.3f} CPU-s/report;"
              f" on an otherwise idle machine ~{cpu_per / cores:.3f} s/report effective with {cores} cores busy")

        if naive_per is not None:
            print(f"\nthroughput ratio kit / naive: {naive_per / kit_per:.1f}x (target >= 10x)")
        n_full = N_WORKSHOP_KECAMATAN + (N_WORKSHOP_KABUPATEN if kab else 0)
        est = n_full * kit_per
        what = f"{N_WORKSHOP_KECAMATAN} kecamatan" + (f" + {N_WORKSHOP_KABUPATEN} kabupaten reports" if kab else "")
        print(f"EXTRAPOLATED from this measured run (not a full run): {what} in {est / 60:.1f} min "
              f"(target < 20 min; {kit_per:.3f} s/report x {n_full})")
        print(f"  from the CPU time instead (idle machine, {cores} cores): {n_full * cpu_per / cores / 60:.1f} min")
        sizes = sorted((out / e["html"]).stat().st_size for e in kec)
        biggest = max(kec, key=lambda e: (out / e["html"]).stat().st_size)
        print(f"HTML per kecamatan report (without the shared files): median {statistics.median(sizes) / 1024:.0f} KB, "
              f"max {sizes[-1] / 1024:.0f} KB ({biggest['kode']}) (target < 150 KB)")
        if kab:
            print(f"HTML per kabupaten report: max {max((out / e['html']).stat().st_size for e in kab) / 1024:.0f} KB")
        if naive_per is not None:
            print(f"HTML per report (naive nbconvert --no-input): median {statistics.median(naive_sizes) / 1024:.0f} KB")
        shared = sum(p.stat().st_size for p in (out / report.ASET_DIR).iterdir())
        print(f"shared files written once per output folder: {shared / 1024:.0f} KB")


if __name__ == "__main__":
    main()
