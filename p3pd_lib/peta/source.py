"""Reading a boundary file: format, layer, CRS, reprojection to WGS84, geometry checks.

The office's own boundary files (BIG/Bappeda: Shapefile, zipped or not,
GeoPackage, GeoJSON) are read with geopandas + pyogrio; nothing here parses a
file format by hand. Every problem becomes a finding (Bahasa Indonesia, naming
the file, the feature and the column); the caller decides whether anything is
stored (a ``galat`` stops the import).

>>> findings_frame([finding("a.shp", "galat", "contoh", "Pesan.")])[["berkas", "tingkat"]].values.tolist()
[['a.shp', 'galat']]
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Columns of the findings table of a boundary import.
FINDING_COLUMNS = ("berkas", "lapisan", "fitur", "kolom", "nilai", "aturan", "tingkat", "pesan")
#: File endings the importer accepts.
EXTENSIONS = (".zip", ".shp", ".gpkg", ".geojson", ".json")
#: Indonesia with a margin, in WGS84 degrees (lon_min, lat_min, lon_max, lat_max): Sabang to Merauke,
#: Miangas to Rote. A feature outside this box was drawn in another place or read in the wrong CRS.
INDONESIA_BOUNDS = (94.0, -11.5, 141.5, 6.5)
WGS84 = "EPSG:4326"
_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def finding(berkas: str, tingkat: str, aturan: str, pesan: str, *, lapisan: str | None = None,
            fitur: int | None = None, kolom: str | None = None, nilai: Any = None) -> dict[str, Any]:
    """One finding row (``fitur`` is the 1-based feature number in the file)."""
    return {"berkas": berkas, "lapisan": lapisan, "fitur": fitur, "kolom": kolom,
            "nilai": None if nilai is None else str(nilai), "aturan": aturan, "tingkat": tingkat, "pesan": pesan}


def findings_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Findings as a table (:data:`FINDING_COLUMNS`; ``fitur`` is ``Int64``)."""
    df = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    return df.astype({c: "string" for c in FINDING_COLUMNS if c != "fitur"}).astype({"fitur": "Int64"})


@dataclass(frozen=True)
class SourceFile:
    """The file(s) of one boundary source: what to read and what to archive unchanged."""

    path: Path  # the file named by the user
    read_path: str  # what pyogrio opens
    members: tuple[Path, ...]  # the files to archive (a Shapefile's sidecars)
    label: str  # the name shown in findings


def locate(path: str | os.PathLike[str]) -> tuple[SourceFile | None, list[dict[str, Any]]]:
    """Recognise a boundary file by its name and content list (no geometry read yet)."""
    p = Path(path)
    label = p.name
    if not p.exists():
        return None, [finding(label, "galat", "berkas_tidak_ada", f"Berkas '{p}' tidak ditemukan.")]
    ext = p.suffix.lower()
    if ext not in EXTENSIONS:
        return None, [finding(label, "galat", "bukan_berkas_batas",
                              f"'{label}' bukan berkas batas wilayah: akhiran '{ext or '(tanpa akhiran)'}' tidak dikenal. "
                              "Gunakan Shapefile (.shp atau .zip berisi .shp/.shx/.dbf/.prj), GeoPackage (.gpkg) "
                              "atau GeoJSON (.geojson).")]
    if ext == ".zip":
        try:
            with zipfile.ZipFile(p) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
        except zipfile.BadZipFile:
            return None, [finding(label, "galat", "bukan_berkas_batas", f"'{label}' bukan arsip ZIP yang sah.")]
        inner = [n for n in names if n.lower().endswith((".shp", ".gpkg", ".geojson", ".json"))]
        if len(inner) != 1:
            what = "tidak berisi Shapefile, GeoPackage atau GeoJSON" if not inner else \
                f"berisi {len(inner)} berkas peta ({', '.join(inner[:5])}); kirim satu per arsip"
            return None, [finding(label, "galat", "bukan_berkas_batas", f"Arsip '{label}' {what}.")]
        return SourceFile(p, f"/vsizip/{p.resolve()}/{inner[0]}", (p,), f"{label}:{inner[0]}"), []
    if ext == ".shp":
        members = tuple(p.with_suffix(s) for s in _SIDECARS if p.with_suffix(s).exists())
        return SourceFile(p, str(p), members, label), []
    return SourceFile(p, str(p), (p,), label), []


def _polygon_layer(src: SourceFile, layer: str | None) -> tuple[str | None, list[dict[str, Any]]]:
    """The layer to read: the one named, or the only polygon layer of the file."""
    import pyogrio

    layers = pyogrio.list_layers(src.read_path)
    names = [str(n) for n, _ in layers]
    if layer is not None:
        if layer not in names:
            return None, [finding(src.label, "galat", "lapisan_tidak_ada",
                                  f"Lapisan '{layer}' tidak ada di '{src.label}'; lapisan yang ada: {', '.join(names)}.")]
        return layer, []
    polys = [str(n) for n, g in layers if g is None or "polygon" in str(g).lower()]
    if len(layers) == 1:
        return names[0], []
    if len(polys) == 1:
        return polys[0], []
    return None, [finding(src.label, "galat", "lapisan_ganda",
                          f"'{src.label}' berisi {len(polys)} lapisan poligon ({', '.join(polys[:8])}); "
                          "pilih satu dengan --lapisan NAMA.")]


def read_source(src: SourceFile, layer: str | None = None) -> tuple[Any, str | None, list[dict[str, Any]]]:
    """(GeoDataFrame in the file's CRS or ``None``, layer name, findings) of one boundary file."""
    import geopandas as gpd
    import pyogrio

    try:
        lyr, found = _polygon_layer(src, layer)
        if lyr is None:
            return None, None, found
        gdf = gpd.read_file(src.read_path, layer=lyr, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError, OSError,
            ValueError) as exc:
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return None, None, [finding(src.label, "galat", "bukan_berkas_batas",
                                    f"'{src.label}' tidak dapat dibaca sebagai berkas batas wilayah ({first}).")]
    return gdf, lyr, []


def check_and_reproject(gdf: Any, label: str, lapisan: str | None) -> tuple[Any, list[dict[str, Any]]]:
    """Polygons only, CRS present, reprojected to WGS84, repaired, inside Indonesia.

    Returns ``(GeoDataFrame in EPSG:4326 with a 1-based ``fitur`` column, findings)``;
    features with an empty or non-polygon geometry are left out with a warning.
    """
    import shapely

    rows: list[dict[str, Any]] = []

    def add(tingkat: str, aturan: str, pesan: str, **kw: Any) -> None:
        rows.append(finding(label, tingkat, aturan, pesan, lapisan=lapisan, **kw))

    if len(gdf) == 0:
        add("galat", "tanpa_fitur", f"'{label}' tidak berisi satu fitur pun.")
        return None, rows
    gdf = gdf.assign(fitur=np.arange(1, len(gdf) + 1))
    geom = gdf.geometry.values
    kinds = pd.Series(shapely.get_type_id(np.asarray(geom)), index=gdf.index)
    polygonal = kinds.isin([3, 6])  # Polygon, MultiPolygon
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if not (polygonal & ~empty).any():
        types = ", ".join(sorted({str(t) for t in gdf.geom_type.dropna().unique()})) or "tanpa geometri"
        add("galat", "bukan_poligon",
            f"'{label}' bukan berkas batas wilayah: tidak ada poligon (jenis geometri: {types}).", kolom="geometry")
        return None, rows
    for r in gdf[~polygonal | empty].itertuples():
        what = "kosong" if r.Index in set(gdf.index[empty]) else f"bukan poligon ({r.geometry.geom_type})"
        add("peringatan", "geometri_dilewati", f"Fitur {r.fitur}: geometri {what}; fitur ini dilewati.",
            fitur=int(r.fitur), kolom="geometry")
    gdf = gdf[polygonal & ~empty]
    if gdf.crs is None:
        add("galat", "crs_tidak_ada",
            f"'{label}' tidak menyebut sistem koordinat (CRS), mis. berkas .prj Shapefile tidak ada. Sertakan "
            ".prj dari pengirim data (atau simpan ulang sebagai GeoPackage di QGIS) lalu impor lagi; "
            "koordinat tidak ditebak.", kolom="geometry")
        return None, rows
    if not gdf.crs.equals(WGS84):
        try:
            gdf = gdf.to_crs(WGS84)
        except Exception as exc:  # noqa: BLE001 - pyproj raises several types; the user needs one message
            add("galat", "crs_tidak_dikenal",
                f"Sistem koordinat '{gdf.crs.name}' tidak dapat diubah ke WGS84 ({str(exc)[:120]}).", kolom="geometry")
            return None, rows
    gdf, repair_rows = _repair(gdf, label, lapisan)
    rows += repair_rows
    b = gdf.geometry.bounds
    lo_x, lo_y, hi_x, hi_y = INDONESIA_BOUNDS
    outside = (b["minx"] < lo_x) | (b["maxx"] > hi_x) | (b["miny"] < lo_y) | (b["maxy"] > hi_y) | b.isna().any(axis=1)
    for r, (_, bb) in zip(gdf[outside].itertuples(), b[outside].iterrows()):
        add("galat", "di_luar_indonesia",
            f"Fitur {r.fitur} berada di luar Indonesia setelah diubah ke WGS84 (bujur {bb.minx:.3f}…{bb.maxx:.3f}, "
            f"lintang {bb.miny:.3f}…{bb.maxy:.3f}). Periksa CRS berkas (mis. .prj yang salah atau bujur/lintang tertukar).",
            fitur=int(r.fitur), kolom="geometry", nilai=f"{bb.minx:.3f},{bb.miny:.3f}")
    return gdf, rows


def _repair(gdf: Any, label: str, lapisan: str | None) -> tuple[Any, list[dict[str, Any]]]:
    """Invalid rings repaired with shapely ``make_valid``; what cannot be repaired is reported and dropped."""
    import shapely

    rows: list[dict[str, Any]] = []
    geoms = np.asarray(gdf.geometry.values)
    bad = ~shapely.is_valid(geoms)
    if not bad.any():
        return gdf, rows
    fixed = geoms.copy()
    keep = np.ones(len(geoms), dtype=bool)
    for i in np.flatnonzero(bad):
        reason = shapely.is_valid_reason(geoms[i])
        poly = _polygonal(shapely.make_valid(geoms[i]))
        fitur = int(gdf["fitur"].iloc[i])
        if poly is None:
            keep[i] = False
            rows.append(finding(label, "peringatan", "geometri_rusak",
                                f"Fitur {fitur}: poligon tidak sah ({reason}) dan tidak dapat diperbaiki; dilewati.",
                                lapisan=lapisan, fitur=fitur, kolom="geometry"))
        else:
            fixed[i] = poly
            rows.append(finding(label, "info", "geometri_diperbaiki",
                                f"Fitur {fitur}: poligon tidak sah ({reason}) diperbaiki otomatis (make_valid).",
                                lapisan=lapisan, fitur=fitur, kolom="geometry"))
    out = gdf.set_geometry(pd.Series(fixed, index=gdf.index), crs=gdf.crs)
    return out[keep], rows


def _polygonal(geom: Any) -> Any:
    """The polygon parts of a repaired geometry (``make_valid`` may add lines or points), or ``None``."""
    import shapely

    parts = shapely.get_parts(geom)
    polys = [g for g in parts if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return None
    merged = shapely.union_all(polys)
    return merged if not merged.is_empty and merged.area > 0 else None
