"""Boundaries in the data store: GeoParquet files and the correctable mapping file.

- ``processed/batas_desa.parquet`` (or ``batas_kecamatan.parquet`` for kecamatan
  polygons): GeoParquet in WGS84 (EPSG:4326), one row per official code with
  ``kode, nama, tingkat, kode_kecamatan, kode_kabupaten, simulasi,
  berkas_sumber, sha256_sumber, tanggal_impor, cara_cocok`` and the geometry.
  A new import replaces the rows of the codes it brings and keeps the others.
- ``processed/pemetaan_batas.csv``: how features were matched by name, and the
  features still to be checked (:data:`MAPPING_COLUMNS`). The user writes the
  right code in ``kode`` (and ``manual`` in ``cara``); the next import uses it.

Every write goes to a temporary file first and is then renamed.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..paths import processed_dir

BOUNDARY_FILES = {"desa": "batas_desa.parquet", "kecamatan": "batas_kecamatan.parquet"}
MAPPING_FILE = "pemetaan_batas.csv"
#: Columns of the mapping file (``kunci`` = source names without case/punctuation: the join key).
MAPPING_COLUMNS = ("kunci", "berkas", "fitur", "tingkat", "kode_sumber", "nama_kabupaten_sumber",
                   "nama_kecamatan_sumber", "nama_sumber", "kode", "nama_resmi", "cara", "skor", "kandidat")
ROW_GROUP = 1024  # rows per parquet row group (a kabupaten has ≈ 300 desa)
#: Columns of a stored boundary table besides the geometry.
COLUMNS = ("kode", "nama", "tingkat", "kode_kecamatan", "kode_kabupaten", "simulasi", "berkas_sumber",
           "sha256_sumber", "tanggal_impor", "cara_cocok")


def boundary_path(tingkat: str = "desa", data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Location of the stored desa (or kecamatan) boundaries."""
    return processed_dir(data_dir) / BOUNDARY_FILES[tingkat]


def read_boundaries(tingkat: str = "desa", data_dir: str | os.PathLike[str] | None = None,
                    dalam: str | None = None) -> Any:
    """The stored boundaries (GeoDataFrame, EPSG:4326), optionally only inside a region code; ``None`` when none."""
    import geopandas as gpd
    import pyarrow.parquet as pq

    path = boundary_path(tingkat, data_dir)
    if not path.exists():
        return None
    code = str(dalam).strip().rstrip(".") if dalam else ""
    # Rows are sorted by code in small row groups: a kecamatan or kabupaten reads only its own groups.
    column = {5: "kode_kabupaten", 8: "kode_kecamatan"}.get(len(code))
    # Read as geopandas.read_parquet would (1.2: to_pandas, then the WKB geometry with the file's CRS), except
    # that the CRS is parsed once per distinct declaration: read_parquet has pyproj parse it on every read
    # (≈ 30 ms of the ≈ 40 ms a kecamatan map of a report spent reading).
    table = pq.read_table(path, filters=[(column, "==", code)] if column else None)
    geo = json.loads(table.schema.metadata[b"geo"])
    df = table.to_pandas()
    name = geo["primary_column"]
    df[name] = gpd.GeoSeries.from_wkb(df[name], crs=_crs(json.dumps(geo["columns"][name].get("crs", "OGC:CRS84"))))
    gdf = gpd.GeoDataFrame(df, geometry=name)
    if code and column is None:
        gdf = gdf[gdf["kode"].astype(str).str.startswith(code + ".") | (gdf["kode"] == code)]
    return gdf.reset_index(drop=True)


@lru_cache(maxsize=8)
def _crs(declared: str) -> Any:
    """The CRS a GeoParquet file declares (PROJJSON or a name, as JSON text; ``null``: none)."""
    import pyproj

    crs = json.loads(declared)
    # GeoParquet's default OGC:CRS84 is EPSG:4326 with longitude first, as geopandas reads it.
    return None if crs is None else pyproj.CRS.from_user_input("EPSG:4326" if crs == "OGC:CRS84" else crs)


def write_boundaries(new: Any, tingkat: str, data_dir: str | os.PathLike[str] | None = None, *,
                     replace_simulated: bool = False) -> Path:
    """Merge ``new`` rows into the stored boundaries (same code: replaced) and write atomically.

    ``replace_simulated`` also drops every stored simulated row (a new demo replaces the old one).
    """
    import geopandas as gpd

    path = boundary_path(tingkat, data_dir)
    old = read_boundaries(tingkat, data_dir)
    if old is not None and len(old):
        kept = old[~old["kode"].isin(set(new["kode"]))]
        if replace_simulated:
            kept = kept[~kept["simulasi"].astype(bool)]
        merged = gpd.GeoDataFrame(pd.concat([kept, new], ignore_index=True), geometry="geometry", crs=new.crs)
    else:
        merged = new
    merged = merged[[*COLUMNS, "geometry"]].sort_values("kode", kind="stable").reset_index(drop=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        merged.to_parquet(tmp, index=False, row_group_size=ROW_GROUP)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def mapping_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Location of the correctable mapping of boundary features."""
    return processed_dir(data_dir) / MAPPING_FILE


def read_mapping(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The saved mapping (text columns :data:`MAPPING_COLUMNS`; empty when none)."""
    from ..store import read_side_table

    df = read_side_table(MAPPING_FILE, data_dir)
    if df is None:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in MAPPING_COLUMNS})
    for c in MAPPING_COLUMNS:
        if c not in df.columns:
            df[c] = pd.Series(pd.NA, index=df.index, dtype="string")
    return df[list(MAPPING_COLUMNS)]


def write_mapping(saved: pd.DataFrame, used: pd.DataFrame, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Save the mapping: rows the user filled in (``kode`` present) stay; this import's rows replace the rest."""
    from ..store import save_side_table

    filled = saved[saved["kode"].fillna("").str.strip() != ""]
    fresh = used[~used["kunci"].isin(set(filled["kunci"]))]
    out = pd.concat([filled.astype("string"), fresh[list(MAPPING_COLUMNS)].astype("string")], ignore_index=True)
    rank = out["cara"].map({"perlu_dicek": 0, "manual": 1, "otomatis": 2}).fillna(3)
    out = out.assign(_r=rank).sort_values(["_r", "kunci"], kind="stable").drop(columns="_r").reset_index(drop=True)
    return save_side_table(out[list(MAPPING_COLUMNS)], MAPPING_FILE, data_dir)
