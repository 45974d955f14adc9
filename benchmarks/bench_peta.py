"""Benchmark of p3pd_lib.peta: importing a kabupaten's desa boundaries, building maps, report growth.

The input is built here to look like a BIG/Bappeda file: the ~300 desa of one kabupaten
(Cilacap, 33.01, 284 desa) as polygons densified to a vertex every ≈ 10 m with bends of ≈ 10 m
(survey-grade density), BIG RBI columns (KDEPUM, WADMKD, WADMKC, WADMKK), in UTM 49S, as a zipped
Shapefile. Shapes come from the simulated generator (no real boundaries are available).

Targets (issue 17): import under 10 s; a kecamatan report grows by at most 40 KB with its map.
The map sizes are the compact HTML the report batch writes for the figure (``P3PD_LAPORAN_BATCH``).

Run: P3PD_DATA_DIR=/work/main/data .venv/bin/python benchmarks/bench_peta.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

KABUPATEN = "33.01"


def _wiggle(xy):
    """Bends of ≈ 10 m over ≈ 200 m plus ≈ 1 m noise, as a function of position (shared edges stay shared)."""
    import numpy as np

    x, y = xy[:, 0], xy[:, 1]
    dx = 1e-4 * np.sin(3000 * y + 2000 * x) + 1e-5 * np.sin(9e4 * y)
    dy = 1e-4 * np.cos(2500 * x - 1500 * y) + 1e-5 * np.cos(8e4 * x)
    return np.column_stack([x + dx, y + dy])


def build_file(folder: Path, with_codes: bool = True) -> tuple[Path, int]:
    """A zipped Shapefile of the kabupaten's desa; returns (path, number of vertices)."""
    import shapely

    from p3pd_lib import wilayah
    from p3pd_lib.peta import simulated_boundaries

    w = wilayah.wilayah_table(KABUPATEN[:2])
    w = w[w["kode_kabupaten"] == KABUPATEN]
    g = simulated_boundaries(w, seed=11).merge(w, left_on="kode", right_on="kode_desa")
    dense = shapely.segmentize(g.geometry.values, 0.0001)  # a vertex every ≈ 11 m
    g = g.set_geometry(shapely.transform(dense, _wiggle))
    cols = {"kode": "KDEPUM", "nama_desa": "WADMKD", "nama_kecamatan": "WADMKC", "nama_kabupaten": "WADMKK"}
    if not with_codes:
        cols.pop("kode")
    big = g[[*cols, "geometry"]].rename(columns=cols).to_crs("EPSG:32749")
    shp_dir = folder / ("kode" if with_codes else "nama")
    shp_dir.mkdir()
    big.to_file(shp_dir / "ADMINISTRASIDESA_AR_25K.shp")
    zpath = folder / f"batas_desa_{'kode' if with_codes else 'nama'}.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in shp_dir.iterdir():
            zf.write(p, p.name)
    return zpath, int(shapely.get_num_coordinates(big.geometry.values).sum())


def worst_case(repeat: int) -> tuple[str, int, float, int]:
    """The kecamatan with the most desa in the four workshop provinces, drawn from dense boundaries."""
    import numpy as np
    import pandas as pd
    import shapely

    from p3pd_lib import render, wilayah
    from p3pd_lib.peta import choropleth, score_layer, simulated_boundaries

    w = wilayah.wilayah_table(["11", "12", "33", "35"])
    kec = w.groupby("kode_kecamatan").size().idxmax()
    g = simulated_boundaries(w[w["kode_kecamatan"] == kec], seed=11)
    g = g.set_geometry(shapely.transform(shapely.segmentize(g.geometry.values, 0.0001), _wiggle))
    layer = score_layer(pd.DataFrame({"kode_desa": g["kode"], "nama_desa": g["nama"],
                                      "indeks": np.linspace(0.4, 0.9, len(g))}), "indeks")
    sec, fig = timed(lambda: choropleth(g, layer, "Peta Indeks Capaian"), repeat)
    return str(kec), len(g), sec, len(render.Figure(fig).html().encode())


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from p3pd_lib import analysis, render
    from p3pd_lib.peta import import_boundaries, kabupaten_map, kecamatan_map
    from p3pd_lib.store import load_subset

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for with_codes in (True, False):
            path, n_vertices = build_file(tmp, with_codes)
            runs = []
            for i in range(args.repeat):
                data = tmp / f"data_{with_codes}_{i}"
                t = time.perf_counter()
                res = import_boundaries(path, data)
                runs.append(time.perf_counter() - t)
                assert res.accepted and res.n_tersimpan == res.n_fitur, res.findings
            how = "kolom kode (KDEPUM)" if with_codes else "nama (WADMKD/WADMKC/WADMKK)"
            print(f"impor {res.n_fitur} desa, {n_vertices:,} titik, {path.stat().st_size / 1e6:.1f} MB zip, "
                  f"cocok menurut {how}: median {statistics.median(runs):.2f} s (target < 10 s)")
        stored = data / "processed" / "batas_desa.parquet"
        print(f"tersimpan: {stored.stat().st_size / 1e3:.0f} KB GeoParquet")

        source_dir = os.environ.get("P3PD_DATA_DIR")
        ds = load_subset(KABUPATEN, source_dir)
        kab_view = analysis.kabupaten_view(ds, KABUPATEN)
        kec_codes = sorted(ds.wilayah["kode_kecamatan"].unique())
        views = {k: analysis.kecamatan_view(ds, k) for k in kec_codes}
        os.environ[render.BATCH_ENV] = "1"
        build, sizes = [], []
        for k, v in views.items():
            sec, fig = timed(lambda v=v: kecamatan_map(v, data), args.repeat)
            build.append(sec)
            sizes.append(len(render.Figure(fig).html().encode()))
        print(f"peta kecamatan ({len(views)} kecamatan): bangun median {statistics.median(build) * 1e3:.0f} ms, "
              f"maks {max(build) * 1e3:.0f} ms; HTML laporan median {statistics.median(sizes) / 1024:.1f} KB, "
              f"maks {max(sizes) / 1024:.1f} KB (target ≤ 40 KB)")
        worst_kec, n_worst, sec, size = worst_case(args.repeat)
        print(f"kasus terberat: kecamatan {worst_kec} ({n_worst} desa, batas rapat): bangun {sec * 1e3:.0f} ms, "
              f"HTML {size / 1024:.1f} KB")
        sec, fig = timed(lambda: kabupaten_map(kab_view, data), args.repeat)
        print(f"peta kabupaten ({len(kec_codes)} kecamatan, batas desa digabung): bangun {sec * 1e3:.0f} ms, "
              f"HTML {len(render.Figure(fig).html().encode()) / 1024:.1f} KB")


if __name__ == "__main__":
    main()
