"""Simulated boundaries for the demo data ("PETA SIMULASI"): clearly not real shapes.

The demo store has no real boundaries (none may be shipped or downloaded), so
the workshop gets deterministic stand-ins: each kabupaten is an irregular blob
near its province's real position, split into kecamatan by Voronoi cells of
random points, each kecamatan split into its desa the same way. Every map
drawn from them says so on the map (:mod:`.maps`), and every stored row has
``simulasi = True``.

>>> import pandas as pd
>>> w = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002", "33.07.02.2001"],
...                   "kode_kecamatan": ["33.07.01", "33.07.01", "33.07.02"], "kode_kabupaten": "33.07"})
>>> g = simulated_boundaries(w, seed=1)
>>> g["kode"].tolist(), bool(g["simulasi"].all()), bool(g.is_valid.all())
(['33.07.01.2001', '33.07.01.2002', '33.07.02.2001'], True, True)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import wilayah
from . import source, storage

#: Label of every simulated map and of the stored rows' source.
LABEL = "PETA SIMULASI"
SOURCE_NAME = "PETA SIMULASI (dibuat p3pd demo-data; bentuk wilayah bukan batas sebenarnya)"
#: Rough centre (lon, lat) of each province, so a simulated kabupaten lies where its province is.
PROVINCE_CENTRE: dict[str, tuple[float, float]] = {
    "11": (96.9, 4.4), "12": (99.0, 2.3), "13": (100.5, -0.8), "14": (101.8, 0.4), "15": (102.8, -1.6),
    "16": (104.2, -3.3), "17": (102.3, -3.8), "18": (105.2, -4.9), "19": (106.4, -2.5), "21": (104.5, 0.9),
    "31": (106.8, -6.2), "32": (107.6, -6.9), "33": (110.2, -7.2), "34": (110.4, -7.9), "35": (112.4, -7.6),
    "36": (106.1, -6.4), "51": (115.1, -8.4), "52": (117.4, -8.6), "53": (121.1, -9.3), "61": (111.1, 0.0),
    "62": (113.4, -1.7), "63": (115.3, -3.1), "64": (116.4, 0.5), "65": (116.5, 3.0), "71": (124.5, 1.0),
    "72": (121.4, -1.4), "73": (120.0, -3.7), "74": (122.2, -4.1), "75": (122.4, 0.7), "76": (119.2, -2.6),
    "81": (129.5, -3.2), "82": (128.0, 0.6), "91": (138.1, -4.0), "92": (132.9, -1.3), "93": (138.9, -4.4),
    "94": (136.4, -3.6), "95": (139.2, -4.9), "96": (132.4, -1.5),
}
_DEG_PER_DESA = 0.018  # blob radius grows with the square root of the number of desa (≈ 2 km per desa)


def _rng(seed: int, code: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(code.replace(".", ""))])


def _blob(cx: float, cy: float, radius: float, rng: np.random.Generator) -> Any:
    """An irregular closed outline around (cx, cy)."""
    import shapely

    n = 28
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    wobble = 1 + 0.18 * np.sin(3 * angle + rng.uniform(0, 6)) + rng.uniform(-0.08, 0.08, n)
    ring = np.column_stack([cx + radius * wobble * np.cos(angle), cy + radius * 0.9 * wobble * np.sin(angle)])
    return shapely.make_valid(shapely.Polygon(ring))


def _points_in(area: Any, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` random points inside ``area``, spread by one Lloyd step."""
    import shapely

    minx, miny, maxx, maxy = area.bounds
    pts: list[np.ndarray] = []
    while len(pts) < k:
        cand = rng.uniform((minx, miny), (maxx, maxy), size=(4 * k + 8, 2))
        inside = shapely.contains_xy(area, cand[:, 0], cand[:, 1])
        pts.extend(cand[inside][: k - len(pts)])
    xy = np.array(pts)
    if k > 1:
        xy = shapely.get_coordinates(shapely.point_on_surface(_cells(xy, area)))
    return xy


def _cells(xy: np.ndarray, area: Any) -> np.ndarray:
    """Voronoi cells of the points, in the points' order, clipped to ``area``."""
    import shapely

    if len(xy) == 1:
        return np.array([area])
    cells = shapely.voronoi_polygons(shapely.MultiPoint(xy), extend_to=area, ordered=True)
    parts = shapely.get_parts(cells)
    return shapely.intersection(parts, area)  # convex cells clipped by a valid polygon: valid


def _kab_centre(kab: str) -> tuple[float, float]:
    """Where a kabupaten's blob sits: on a grid around its province's centre (order of the official list)."""
    prov = kab[:2]
    cx, cy = PROVINCE_CENTRE.get(prov, (117.0, -2.0))
    kabs = wilayah.children(prov)
    j = kabs.index(kab) if kab in kabs else 0
    side = int(np.ceil(np.sqrt(max(len(kabs), 1))))
    step = 0.42
    return cx + (j % side - (side - 1) / 2) * step, cy - (j // side - (side - 1) / 2) * step


def simulated_boundaries(wilayah_table: pd.DataFrame, seed: int = 0) -> Any:
    """Simulated desa polygons (GeoDataFrame, EPSG:4326) for every desa of ``wilayah_table``.

    ``wilayah_table`` needs ``kode_desa, kode_kecamatan, kode_kabupaten`` (``nama_desa`` when present,
    else the official names). Deterministic
    for a given seed; the same kabupaten gets the same shapes whatever else is generated.
    """
    import geopandas as gpd
    import shapely

    codes: list[str] = []
    geoms: list[Any] = []
    for kab, wk in wilayah_table.sort_values("kode_desa").groupby("kode_kabupaten", sort=True):
        rng = _rng(seed, kab)
        kec_codes = sorted(wk["kode_kecamatan"].unique())
        cx, cy = _kab_centre(kab)
        outline = _blob(cx, cy, min(0.2, _DEG_PER_DESA * np.sqrt(len(wk)) / 2 + 0.03), rng)
        weights = wk.groupby("kode_kecamatan").size().reindex(kec_codes).to_numpy()
        kec_cells = _cells(_points_in(outline, len(kec_codes), rng), outline)
        for kec, cell, _ in zip(kec_codes, kec_cells, weights):
            desa = sorted(wk.loc[wk["kode_kecamatan"] == kec, "kode_desa"])
            krng = _rng(seed, kec)
            for code, g in zip(desa, _cells(_points_in(cell, len(desa), krng), cell)):
                codes.append(code)
                geoms.append(g)
    geom = shapely.set_precision(np.array(geoms, dtype=object), 1e-6)
    return gpd.GeoDataFrame({
        "kode": codes,
        "nama": _names(wilayah_table, codes),
        "tingkat": "desa",
        "kode_kecamatan": [c[:8] for c in codes],
        "kode_kabupaten": [c[:5] for c in codes],
        "simulasi": True,
        "berkas_sumber": SOURCE_NAME,
        "sha256_sumber": "",
        "tanggal_impor": "",
        "cara_cocok": "simulasi",
    }, geometry=list(geom), crs=source.WGS84)


def _names(table: pd.DataFrame, codes: list[str]) -> list[str]:
    if "nama_desa" in table.columns:
        names = dict(zip(table["kode_desa"], table["nama_desa"].astype(str)))
        return [names[c] for c in codes]
    return [wilayah.name(c) if wilayah.is_official(c) else c for c in codes]


def store_simulated_boundaries(data_dir: str | os.PathLike[str] | None = None, seed: int = 0) -> Path:
    """Simulated boundaries of every desa in the store's ``wilayah`` table, written to the store.

    Real boundaries already imported (``simulasi`` false) are kept; earlier simulated ones are replaced.
    """
    from ..store import load_table

    wil = load_table("wilayah", data_dir, columns=["kode_desa", "nama_desa", "kode_kecamatan", "kode_kabupaten"])
    old = storage.read_boundaries("desa", data_dir)
    real = set() if old is None else set(old.loc[~old["simulasi"].astype(bool), "kode"])
    new = simulated_boundaries(wil, seed)
    return storage.write_boundaries(new[~new["kode"].isin(real)], "desa", data_dir, replace_simulated=True)
