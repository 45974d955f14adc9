"""Benchmark of indicators.desa_values / aggregate and the classify core.

Synthetic store of the size of the four first-workshop provinces: ~30,000 desa ×
4 years ≈ 120,000 desa-years × 17 indicators ≈ 2 million values. Prints, per step,
the best of three runs in wall-clock seconds and in CPU seconds of this process
(the CPU figure is the fairer one on a machine shared with other jobs).
Run: .venv/bin/python benchmarks/bench_indicators.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from p3pd_lib import classify, indicators
from p3pd_lib.schemas import LAYANAN


def synthetic(n_desa: int = 30_000, years=(2022, 2023, 2024, 2025), seed: int = 1):
    """Wide ``layanan`` and ``wilayah`` tables; 5 % of counts missing."""
    rng = np.random.default_rng(seed)
    # 4 provinces × 30 kabupaten × 15 kecamatan, ~17 desa each
    kec = rng.integers(0, 4 * 30 * 15, n_desa)
    prov = np.array(["11", "12", "33", "35"])[kec // 450]
    kab = (kec % 450) // 15 + 1
    kc = kec % 15 + 1
    kode_kec = [f"{p}.{k:02d}.{c:02d}" for p, k, c in zip(prov, kab, kc)]
    kode = [f"{k}.{2001 + i:04d}" for i, k in enumerate(kode_kec)]
    wil = pd.DataFrame({
        "kode_desa": kode, "nama_desa": [f"Desa {i}" for i in range(n_desa)], "jenis": "desa",
        "kode_kecamatan": kode_kec, "nama_kecamatan": kode_kec,
        "kode_kabupaten": [k[:5] for k in kode_kec], "nama_kabupaten": [k[:5] for k in kode_kec],
        "kode_provinsi": list(prov), "nama_provinsi": list(prov),
    }).astype("string")
    n = n_desa * len(years)
    lay = {"kode_desa": pd.array(np.tile(kode, len(years)), dtype="string"),
           "tahun": pd.array(np.repeat(years, n_desa), dtype="Int64")}
    for c in LAYANAN.names[2:]:
        vals = rng.integers(0, 400, n).astype("float64")
        vals[rng.random(n) < 0.05] = np.nan
        lay[c] = pd.array(vals, dtype="Float64").astype("Int64")
    return pd.DataFrame(lay), wil


def best_of(fn, runs: int = 3):
    walls, cpus, out = [], [], None
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return out, min(walls), min(cpus)


def main() -> None:
    lay, wil = synthetic()
    cat = indicators.load_catalogue()
    classify.load_parameters()
    total_w = total_c = 0.0
    v, w, c = best_of(lambda: indicators.desa_values(lay, cat))
    print(f"desa-tahun: {len(lay):,}; nilai indikator: {len(v):,}")
    steps = [
        ("desa_values", None),
        ("aggregate (kecamatan+kabupaten+provinsi)", lambda: indicators.aggregate(
            v, wil, ["kecamatan", "kabupaten", "provinsi"], cat)),
        ("traffic_light (semua desa)", lambda: classify.traffic_light(v, cat)),
        ("sector_scores", lambda: classify.sector_scores(v, cat)),
    ]
    print(f"{'langkah':42s} {'dinding (s)':>12s} {'CPU (s)':>10s}")
    for name, fn in steps:
        if fn is not None:
            out, w, c = best_of(fn)
        total_w += w
        total_c += c
        print(f"{name:42s} {w:12.3f} {c:10.3f}")
    sc = classify.sector_scores(v, cat)
    _, w, c = best_of(lambda: classify.composite_index(sc))
    total_w += w
    total_c += c
    print(f"{'composite_index':42s} {w:12.3f} {c:10.3f}")
    print(f"{'jumlah':42s} {total_w:12.3f} {total_c:10.3f}")


if __name__ == "__main__":
    main()
