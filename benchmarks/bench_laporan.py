"""Benchmark of the report batch (issue: per-kecamatan reports for thousands of kecamatan).

Side by side in one invocation, on the same notebook, the same parameters and the
same demo store:

1. the naive loop a user would write: for each kecamatan the ``papermill`` command,
   then ``jupyter nbconvert --to html --no-input``, one after the other;
2. the kit's batch (``report.run_batch``: warm kernel per worker, in-process
   export) with the default number of workers, on a larger set of kecamatan.

Prints the effective seconds per report of each, the throughput ratio, the
EXTRAPOLATED time for the 1,987 kecamatan of the four workshop provinces (from
the measured set, not a full run) and the HTML sizes (excluding the shared
plotly.js and CSS). The machine is shared and noisy: compare the two figures of
one run, not figures of different runs.

    .venv/bin/python benchmarks/bench_laporan.py [--naive 3] [--kabupaten 33.07 33.08 33.09]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from p3pd_lib import demo, report, session  # noqa: E402
from p3pd_lib.paths import NOTEBOOKS_DIR  # noqa: E402

N_WORKSHOP_KECAMATAN = 1987
BIN = Path(sys.executable).parent


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
    ap.add_argument("--naive", type=int, default=3, help="kecamatan in the naive loop")
    ap.add_argument("--kabupaten", nargs="+", default=["33.07", "33.08", "33.09"], help="kabupaten of the kit's batch")
    ap.add_argument("--workers", type=int, default=None, help="kit workers (default: core count)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-laporan-") as tmp:
        tmp_path = Path(tmp)
        store = tmp_path / "store"
        t = time.perf_counter()
        demo.build_demo_store(data_dir=store, kabupaten=args.kabupaten)
        ds = session.dataset(store)
        codes = sorted(ds.wilayah["kode_kecamatan"].unique())
        print(f"demo store: {len(args.kabupaten)} kabupaten, {len(codes)} kecamatan, "
              f"{len(ds.wilayah)} desa/kelurahan ({time.perf_counter() - t:.1f} s to build)")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")

        naive_codes = codes[: args.naive]
        naive_s, naive_sizes = naive_loop(naive_codes, store, tmp_path / "naive")
        naive_per = naive_s / len(naive_codes)
        print(f"\nnaive loop (papermill CLI + nbconvert CLI), {len(naive_codes)} kecamatan: "
              f"{naive_s:.1f} s -> {naive_per:.2f} s/report")

        out = tmp_path / "kit"
        t = time.perf_counter()
        result = report.run_batch(kabupaten=args.kabupaten, output_dir=out, data_dir=store, workers=args.workers,
                                  progress=False, laporan_kabupaten=False, log=lambda s: None)
        kit_s = time.perf_counter() - t
        ok = [e for e in result.entries if e["status"] == "berhasil"]
        kit_per = kit_s / len(result.entries)
        sizes = [(out / e["html"]).stat().st_size for e in ok]
        print(f"kit batch ({result.n_workers} workers, warm kernels), {len(result.entries)} kecamatan "
              f"({len(ok)} ok, {result.count('gagal')} failed): {kit_s:.1f} s wall incl. start-up -> "
              f"{kit_per:.3f} s/report effective")
        per_report = [e["durasi_detik"] for e in ok]
        print(f"  per report inside a worker: median {statistics.median(per_report):.2f} s, "
              f"first (kernel start + imports + data) {max(per_report):.2f} s")

        print(f"\nthroughput ratio kit / naive: {naive_per / kit_per:.1f}x (target >= 10x)")
        est = N_WORKSHOP_KECAMATAN * kit_per
        print(f"EXTRAPOLATED from this measured set (not a full run): {N_WORKSHOP_KECAMATAN} kecamatan in "
              f"{est / 60:.1f} min (target < 20 min)")
        print(f"HTML per report (kit, without the shared plotly.js/CSS): median {statistics.median(sizes) / 1024:.0f} KB, "
              f"max {max(sizes) / 1024:.0f} KB (target < 150 KB)")
        print(f"HTML per report (naive nbconvert --no-input): median {statistics.median(naive_sizes) / 1024:.0f} KB")
        shared = sum(p.stat().st_size for p in (out / report.ASET_DIR).iterdir())
        print(f"shared files written once per output folder: {shared / 1024:.0f} KB")
        print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
