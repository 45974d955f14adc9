"""``p3pd peta impor``: a boundary file in, checked, matched to official codes, stored.

Steps: recognise the file (:mod:`.source`), read it with geopandas/pyogrio,
reproject to WGS84, repair invalid rings, check that every feature lies in
Indonesia, match each feature to an official code (:mod:`.matching`: code
column, else names, with the user's corrections from the mapping file), then
store the matched polygons (:mod:`.storage`) with the source file's name, its
sha256 and the import date, and archive the raw file(s) unchanged.

Any ``galat`` (not a boundary file, no CRS, features outside Indonesia,
duplicate codes) stops the import before anything is written. Features that
match nothing, or several regions equally well, are not stored: they go to
the mapping file with candidates, as ``peringatan``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import wilayah
from ..errors import ParameterError
from . import matching, source, storage

#: Simplification tolerance (degrees, ≈ 5 m) of the stored geometry: invisible at any map scale the
#: kit draws, and it drops the survey-grade vertex density that only makes files large. The maps
#: simplify again to their own pixel size (:mod:`.maps`).
STORE_TOLERANCE = 0.00005


@dataclass(frozen=True)
class BoundaryImport:
    """What a boundary import (or check) did."""

    berkas: Path
    findings: pd.DataFrame
    accepted: bool  # no galat
    dry_run: bool
    tingkat: str | None = None
    n_fitur: int = 0
    n_tersimpan: int = 0
    n_perlu_dicek: int = 0
    stored: Path | None = None
    mapping: Path | None = None
    kode: list[str] = field(default_factory=list)

    def summary_text(self) -> str:
        """A few lines in Indonesian for the CLI."""
        f = self.findings
        n_galat, n_per = int((f["tingkat"] == "galat").sum()), int((f["tingkat"] == "peringatan").sum())
        lines = [f"Berkas batas: {self.berkas.name} — {n_galat} galat, {n_per} peringatan."]
        if not self.accepted:
            lines.append("DITOLAK: tidak ada yang disimpan. Perbaiki galat di bawah lalu impor lagi.")
            return "\n".join(lines)
        tingkat = self.tingkat or "desa"
        lines.append(f"{self.n_fitur} fitur {tingkat}; {self.n_tersimpan} cocok dengan kode resmi"
                     + (f", {self.n_perlu_dicek} perlu dicek." if self.n_perlu_dicek else "."))
        if self.dry_run:
            lines.append("Hanya diperiksa: tidak ada yang disimpan.")
        elif self.stored is not None:
            lines.append(f"Disimpan ke {self.stored}.")
        if self.mapping is not None and self.n_perlu_dicek:
            lines.append(f"Isi kolom 'kode' (dan 'cara' = manual) di {self.mapping} untuk fitur yang perlu dicek, "
                         "lalu impor berkas yang sama lagi.")
        return "\n".join(lines)


def _rejected(path: Path, rows: list[dict[str, Any]], dry_run: bool, tingkat: str | None = None) -> BoundaryImport:
    return BoundaryImport(path, source.findings_frame(rows), False, dry_run, tingkat)


def import_boundaries(
    path: str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    kabupaten: str | None = None,
    tingkat: str | None = None,
    lapisan: str | None = None,
    dry_run: bool = False,
) -> BoundaryImport:
    """Import one boundary file of desa (or kecamatan) polygons into the store.

    ``kabupaten`` (e.g. ``"33.07"``) scopes the name matching and drops features
    of other kabupaten; ``tingkat`` (``desa``/``kecamatan``) overrides what the
    columns suggest; ``lapisan`` picks a layer of a GeoPackage; ``dry_run``
    checks without writing anything.
    """
    p = Path(path)
    kab = _check_kabupaten(kabupaten)
    if tingkat is not None and tingkat not in storage.BOUNDARY_FILES:
        raise ParameterError(f"Tingkat batas '{tingkat}' tidak dikenal; pilih desa atau kecamatan.")
    src, rows = source.locate(p)
    if src is None:
        return _rejected(p, rows, dry_run)
    raw, lyr, rows = source.read_source(src, lapisan)
    if raw is None:
        return _rejected(p, rows, dry_run)
    gdf, rows = source.check_and_reproject(raw, src.label, lyr)
    if gdf is None or any(r["tingkat"] == "galat" for r in rows):
        return _rejected(p, rows, dry_run)
    cols = matching.detect_columns([c for c in gdf.columns if c != "geometry"], tingkat)
    matched, match_rows, mapping_rows = _match(gdf, cols, src.label, lyr, kab, storage.read_mapping(data_dir))
    rows += match_rows
    if any(r["tingkat"] == "galat" for r in rows):
        return _rejected(p, rows, dry_run, cols.tingkat)
    ok = matched[matched["kode"].notna()]
    n_check = int((mapping_rows["cara"] == "perlu_dicek").sum()) if len(mapping_rows) else 0
    result = dict(berkas=p, findings=source.findings_frame(rows), accepted=True, dry_run=dry_run, tingkat=cols.tingkat,
                  n_fitur=len(matched), n_tersimpan=len(ok), n_perlu_dicek=n_check, kode=sorted(ok["kode"]))
    if dry_run:
        return BoundaryImport(**result)
    from ..history import archive_raw, sha256_file

    waktu = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
    sha = sha256_file(src.path)
    for member in src.members:
        archive_raw(member, sha if member == src.path else sha256_file(member), data_dir, waktu=waktu)
    stored = None
    if len(ok):
        stored = storage.write_boundaries(_stored_frame(ok, cols.tingkat, src.path.name, sha, waktu), cols.tingkat,
                                          data_dir)
    mapping = storage.write_mapping(storage.read_mapping(data_dir), mapping_rows, data_dir) if len(mapping_rows) else None
    return BoundaryImport(**result, stored=stored, mapping=mapping)


def _check_kabupaten(kabupaten: str | None) -> str | None:
    if kabupaten is None:
        return None
    kab = wilayah.normalize_code(kabupaten)
    if wilayah.level(kab) != 1 or not wilayah.is_official(kab):
        raise ParameterError(f"'{kabupaten}' bukan kode kabupaten/kota resmi (format PP.KK, mis. 33.07).")
    return kab


def _stored_frame(ok: Any, tingkat: str, berkas: str, sha: str, waktu: str) -> Any:
    """The rows to store: official names and parents, provenance, lightly simplified geometry."""
    import geopandas as gpd
    import shapely

    kode = ok["kode"].astype(str)
    # BIG's files are often PolygonZ: the heights are dropped (maps are flat).
    geom = shapely.simplify(shapely.force_2d(np.asarray(ok.geometry.values)), STORE_TOLERANCE, preserve_topology=True)
    return gpd.GeoDataFrame({
        "kode": kode.to_numpy(),
        "nama": [wilayah.name(k) for k in kode],
        "tingkat": tingkat,
        "kode_kecamatan": [k[:8] for k in kode],
        "kode_kabupaten": [k[:5] for k in kode],
        "simulasi": False,
        "berkas_sumber": berkas,
        "sha256_sumber": sha,
        "tanggal_impor": waktu,
        "cara_cocok": ok["cara"].astype(str).to_numpy(),
    }, geometry=geom, crs=source.WGS84)


def _cell(df: pd.DataFrame, col: str | None) -> pd.Series:
    if col is None:
        return pd.Series("", index=df.index, dtype="string")
    return df[col].astype("string").fillna("").str.strip()


def _match(gdf: Any, cols: matching.Columns, label: str, lapisan: str | None, kab: str | None,
           saved: pd.DataFrame) -> tuple[Any, list[dict[str, Any]], pd.DataFrame]:
    """Codes for every feature: (gdf + ``kode, cara, skor``, findings, mapping rows)."""
    rows: list[dict[str, Any]] = []

    def add(tingkat: str, aturan: str, pesan: str, **kw: Any) -> None:
        rows.append(source.finding(label, tingkat, aturan, pesan, lapisan=lapisan, **kw))

    lvl_name = cols.tingkat
    name_col = cols.desa if lvl_name == "desa" else cols.kecamatan
    kode, cara, code_vals = _from_code_column(gdf, cols, add)
    skor = pd.Series(np.nan, index=gdf.index)
    if cols.kode is None and cols.bps is not None:
        add("info", "kode_bps", f"Kolom '{cols.bps}' berisi kode BPS (pembagian 2+2+3+3 angka), bukan kode Kemendagri; "
            "tanpa tabel padanan kode BPS tidak dipotong menjadi kode Kemendagri: fitur dicocokkan menurut nama.",
            kolom=cols.bps)
    if name_col is None and kode.isna().any():
        add("galat", "tanpa_kode_nama",
            f"'{label}' bukan berkas batas {lvl_name} yang dapat dicocokkan: tidak ada kolom kode Kemendagri "
            f"({', '.join(matching.CODE_COLUMNS.get(lvl_name, ())[:3])} …) maupun kolom nama "
            f"({', '.join(matching.NAME_COLUMNS[lvl_name][:3])} …). Kolom yang ada: "
            f"{', '.join(str(c) for c in gdf.columns if c not in ('geometry', 'fitur'))[:200]}.")
        return gdf, rows, pd.DataFrame(columns=list(storage.MAPPING_COLUMNS))

    names, kecs, kabs = _cell(gdf, name_col), _cell(gdf, cols.kecamatan), _cell(gdf, cols.kabupaten)
    keys = pd.Series([matching.same_name_key(a, b, c, d) for a, b, c, d in zip(kabs, kecs, names, code_vals)],
                     index=gdf.index)
    user = saved[saved["kode"].fillna("").str.strip() != ""].drop_duplicates("kunci", keep="last").set_index("kunci")
    matcher = matching.NameMatcher(kab)
    dalam = pd.Series(pd.NA, index=gdf.index, dtype="string")
    for i in gdf.index[kode.isna()]:
        if keys[i] in user.index:
            raw = user.at[keys[i], "kode"]
            code = matching.as_official_code(raw)
            if code is None or code.count(".") != matching.LEVEL[lvl_name]:
                add("galat", "pemetaan_tidak_sah",
                    f"Berkas pemetaan {storage.MAPPING_FILE}: kode '{raw}' untuk '{names[i]}' bukan kode {lvl_name} resmi.",
                    fitur=int(gdf.at[i, "fitur"]), kolom="kode", nilai=raw)
                continue
            how = user.at[keys[i], "cara"]
            kode[i], cara[i] = code, "manual" if pd.isna(how) or how in ("", "perlu_dicek") else str(how)
            continue
        code, where, score = matcher.match(lvl_name, names[i], kecs[i], kabs[i])
        dalam[i] = where
        if code is not None:
            kode[i], cara[i], skor[i] = code, "otomatis", score
    out = gdf.assign(kode=kode, cara=cara, skor=skor)
    dup_rows, twins = _duplicates(out, cols, label, lapisan)
    rows += dup_rows
    out = out.assign(cara=out["cara"].where(~out.index.isin(twins), "perlu_dicek"))
    out = out.assign(kode=out["kode"].where(out["cara"].fillna("") != "perlu_dicek"))
    if kab is not None:
        outside = out["kode"].notna() & ~out["kode"].fillna("").str.startswith(kab + ".")
        for r in out[outside].itertuples():
            add("peringatan", "di_luar_kabupaten", f"Fitur {r.fitur}: {r.kode} berada di luar kabupaten {kab}; dilewati.",
                fitur=int(r.fitur), nilai=r.kode)
        out = out.assign(kode=out["kode"].where(~outside), cara=out["cara"].where(~outside, "di_luar_kabupaten"))
    mapping = _mapping_rows(out, keys, dalam, label, lvl_name, names, kecs, kabs, code_vals)
    for r in mapping[mapping["cara"] == "perlu_dicek"].itertuples():
        add("peringatan", "tidak_cocok",
            f"Fitur {r.fitur} '{r.nama_sumber}' tidak cocok atau cocok dengan lebih dari satu {lvl_name} resmi; "
            f"kandidat: {r.kandidat or 'tidak ada'}. Isi kodenya di {storage.MAPPING_FILE}.",
            fitur=int(r.fitur), kolom=name_col, nilai=r.nama_sumber)
    return out, rows, mapping


def _from_code_column(gdf: Any, cols: matching.Columns, add: Any) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(codes, how they were found, the column's text) from a Kemendagri code column, when it holds such codes."""
    kode = pd.Series(pd.NA, index=gdf.index, dtype="string")
    cara = pd.Series(pd.NA, index=gdf.index, dtype="string")
    code_vals = _cell(gdf, cols.kode)
    if cols.kode is None:
        return kode, cara, code_vals
    lvl_name = cols.tingkat
    codes, share = matching.code_column_usable(gdf[cols.kode], lvl_name)
    if share < matching.MIN_OFFICIAL_SHARE:
        add("info", "kolom_kode_tidak_dipakai",
            f"Kolom '{cols.kode}' hanya {share:.0%} berisi kode {lvl_name} Kemendagri resmi (mungkin kode BPS); "
            "fitur dicocokkan menurut nama.", kolom=cols.kode)
        return kode, cara, pd.Series("", index=gdf.index, dtype="string")
    bad = codes.isna() & (code_vals != "")
    for fitur, value in zip(gdf.loc[bad, "fitur"], code_vals[bad]):
        add("peringatan", "kode_tidak_resmi",
            f"Fitur {fitur}: kode '{value}' bukan kode {lvl_name} resmi; dicocokkan menurut nama.",
            fitur=int(fitur), kolom=cols.kode, nilai=value)
    return codes, codes.notna().map({True: "kode", False: pd.NA}).astype("string"), code_vals


def _duplicates(out: Any, cols: matching.Columns, label: str, lapisan: str | None) -> tuple[list[dict[str, Any]], list]:
    """Two features with one code: a galat when the code came from the file or the user, else both to check.

    Returns (findings, index labels of the features matched by name to a code another feature has).
    """
    rows: list[dict[str, Any]] = []
    twins: list = []
    dup = out["kode"].notna() & out["kode"].duplicated(keep=False)
    for code, part in out[dup].groupby("kode"):
        firm = part["cara"].isin(["kode", "manual"])
        fitur = ", ".join(str(int(f)) for f in part["fitur"])
        if firm.any():
            kolom = cols.kode if (part["cara"] == "kode").any() else "kode"
            rows.append(source.finding(
                label, "galat", "kode_ganda",
                f"Kode {code} ({wilayah.name(code)}) dipakai oleh {len(part)} fitur ({fitur}); satu kode satu poligon. "
                "Gabungkan poligonnya (mis. Dissolve di QGIS) atau perbaiki kodenya.",
                lapisan=lapisan, fitur=int(part["fitur"].iloc[1]), kolom=kolom, nilai=code))
        else:
            twins.extend(part.index)
    return rows, twins


def _mapping_rows(out: Any, keys: pd.Series, dalam: pd.Series, label: str, lvl_name: str, names: pd.Series,
                  kecs: pd.Series, kabs: pd.Series, code_vals: pd.Series) -> pd.DataFrame:
    """Rows of the mapping file: features matched by name (to confirm) and features to check (with candidates)."""
    todo = out["cara"].isna() | out["cara"].isin(["otomatis", "perlu_dicek"])
    if not todo.any():
        return pd.DataFrame(columns=list(storage.MAPPING_COLUMNS))
    part = out[todo]
    cara = part["cara"].fillna("perlu_dicek")
    kand = [matching.candidates(names[i] if lvl_name == "desa" else kecs[i], lvl_name,
                                None if pd.isna(dalam[i]) else dalam[i]) if c == "perlu_dicek" else ""
            for i, c in zip(part.index, cara)]
    return pd.DataFrame({
        "kunci": keys[part.index], "berkas": label, "fitur": part["fitur"].astype(str), "tingkat": lvl_name,
        "kode_sumber": code_vals[part.index], "nama_kabupaten_sumber": kabs[part.index],
        "nama_kecamatan_sumber": kecs[part.index], "nama_sumber": names[part.index],
        "kode": part["kode"].where(cara != "perlu_dicek"),
        "nama_resmi": [wilayah.name(k) if isinstance(k, str) and c != "perlu_dicek" else "" for k, c in zip(part["kode"], cara)],
        "cara": cara, "skor": part["skor"].round(1).astype("string"), "kandidat": kand,
    }).astype("string").reset_index(drop=True)
