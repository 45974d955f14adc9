"""Benchmark of p3pd_lib.quality.run_checks on data the size of the full demo.

4 provinces (11, 12, 33, 35: 29,667 official desa/kelurahan) × 4 years ≈ 120,000
desa-years of ``layanan`` and ≈ 5 million ``apbdes`` lines. Uses the demo generator
(``p3pd_lib.demo.generate_demo``) when ``--demo`` is given, else a synthetic table
of the same size (faster to build). Prints wall and CPU seconds per check and the
findings count; on a shared machine the CPU figure is the steadier one.

Run: ``.venv/bin/python benchmarks/bench_quality.py [--demo] [lines_per_desa_year]``
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from p3pd_lib import quality as q
from p3pd_lib.indicators import load_catalogue
from p3pd_lib.schemas import LAYANAN
from p3pd_lib.wilayah import wilayah_table

YEARS = (2022, 2023, 2024, 2025)
LINES = [  # (kode_rekening, share of Dana Desa-sized budget)
    ("4.2.1.01", 1.0), ("4.2.3.01", 0.5), ("4.1.1.01", 0.05), ("6.1.1.01", 0.03),
    *[(f"5.{1 + i % 3}.{1 + i % 2}.{i:02d}", 0.0) for i in range(36)],
    ("6.2.2.01", 0.02),
]


def synthetic(lines_per_desa_year: int = len(LINES), seed: int = 1) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    wil = wilayah_table(["11", "12", "33", "35"])
    codes = wil["kode_desa"].to_numpy(dtype=object)
    n_desa, n_years = len(codes), len(YEARS)
    n = n_desa * n_years
    pend = np.repeat(rng.integers(1000, 8000, n_desa), n_years)
    lay = {"kode_desa": pd.array(np.repeat(codes, n_years), dtype="string"),
           "tahun": pd.array(np.tile(YEARS, n_desa), dtype="Int64")}
    for c in LAYANAN.names[2:]:
        base = pend if c == "penduduk" else rng.binomial(pend, 0.05)
        lay[c] = pd.array(base, dtype="Int64")
    # numerators below their denominators
    for ind in load_catalogue().frame.itertuples():
        den = lay[ind.penyebut].to_numpy(dtype="int64")
        lay[ind.pembilang] = pd.array(rng.binomial(den, 0.7), dtype="Int64")
    layanan = pd.DataFrame(lay)

    template = LINES[:lines_per_desa_year]
    k = len(template)
    m = n * k
    dd = np.repeat(rng.uniform(600e6, 1500e6, n), k)
    share = np.tile([s for _, s in template], n)
    revenue = np.tile([r.startswith(("4", "6.1")) for r, _ in template], n)
    n_spend = sum(1 for r, _ in template if r.startswith("5"))
    total_in = sum(s for r, s in template if r.startswith(("4", "6.1")))
    total_out = total_in - sum(s for r, s in template if r.startswith("6.2"))
    anggaran = np.where(revenue, dd * share, np.where(share > 0, dd * share, dd * total_out / max(n_spend, 1)))
    anggaran = np.round(anggaran, -3)
    apbdes = pd.DataFrame({
        "kode_desa": pd.array(np.repeat(layanan["kode_desa"].to_numpy(dtype=object), k), dtype="string"),
        "tahun": pd.array(np.repeat(layanan["tahun"].to_numpy(dtype="int64"), k), dtype="Int64"),
        "kode_kegiatan": pd.array(np.tile([None if r[0] != "5" else "02.02.01" for r, _ in template], n), dtype="string"),
        "nama_kegiatan": pd.array(np.tile(["Kegiatan"] * k, n), dtype="string"),
        "kode_rekening": pd.array(np.tile([r for r, _ in template], n), dtype="string"),
        "uraian": pd.array(np.tile([f"Uraian {i}" for i in range(k)], n), dtype="string"),
        "sumber_dana": pd.array(np.tile(["DDS"] * k, n), dtype="string"),
        "anggaran": pd.array(anggaran, dtype="Float64"),
        "realisasi": pd.array(np.round(anggaran * rng.uniform(0.6, 1.0, m), -3), dtype="Float64"),
    })
    return {"wilayah": wil, "layanan": layanan, "apbdes": apbdes}


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    t0 = time.perf_counter()
    if "--demo" in sys.argv:
        from p3pd_lib import demo

        tables = dict(demo.generate_demo().tables)
    else:
        tables = synthetic(int(args[0]) if args else len(LINES))
    print(f"data: {len(tables['layanan']):,} desa-tahun, {len(tables['apbdes']):,} baris APBDes "
          f"(dibangun dalam {time.perf_counter() - t0:.1f} s)")
    cat = load_catalogue()
    params = q.load_params()
    q._default_official()  # one-off load of the national list (cached afterwards)
    lay, ap, wil = tables["layanan"], tables["apbdes"], tables["wilayah"]
    steps = {
        "duplicates": lambda: q.check_duplicates(tables, wilayah=wil),
        "official_codes": lambda: q.check_official_codes(tables),
        "counts": lambda: q.check_counts(lay, wilayah=wil),
        "numerator": lambda: q.check_numerator_exceeds(lay, cat, wilayah=wil),
        "completeness": lambda: q.check_completeness(lay, cat, wilayah=wil, params=params),
        "missing": lambda: q.check_missing_values(lay, cat, wilayah=wil, params=params),
        "outliers": lambda: q.check_outliers(lay, cat, wilayah=wil, params=params),
        "yoy": lambda: q.check_yoy_jumps(lay, wilayah=wil, params=params),
        "amounts": lambda: q.check_amounts(ap, wilayah=wil),
        "apbdes (kelurahan+realisasi+identitas)": lambda: (
            q.check_kelurahan_apbdes(ap, wilayah=wil), q.check_realisation(ap, wilayah=wil, params=params),
            q.check_apbdes_identity(ap, wilayah=wil, params=params)),
    }
    for name, fn in steps.items():
        t, c = time.perf_counter(), time.process_time()
        fn()
        print(f"  {name:<40} {time.perf_counter() - t:6.2f} s (CPU {time.process_time() - c:5.2f} s)")
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        f = q.run_checks(tables, cat, params=params)
        print(f"run_checks: {time.perf_counter() - t:.2f} s (CPU {time.process_time() - c:.2f} s), {len(f):,} temuan")
    print(q.summarize(f).to_string(index=False))


if __name__ == "__main__":
    main()
