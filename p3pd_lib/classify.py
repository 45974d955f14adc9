"""Classifications (DOMAIN.md §5): traffic lights, IDM/IPD status, scores, quadrant, trend, sensitivity.

Thresholds come from ``parameters/klasifikasi.yaml`` unless given. On a boundary: a traffic-light value on ``T``,
``T − 10`` or ``T + 5`` takes the *better* class; an IDM/IPD value on a cut-off the *lower* class; a quadrant value on a
split counts as *high* (unless ``kuadran.sama_dengan_pembagi: rendah``); a change equal to the trend tolerance is
*tetap*. Values closer than :data:`EPS` to a boundary count as on it (float noise never moves a village).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import parameter_files
from .errors import DataError, ParameterError
from .frames import require_columns
from .indicators import Catalogue, catalogue_columns, catalogue_frame, load_catalogue

#: Tolerance (in the value's unit) under which a value counts as exactly on a boundary.
EPS = 1e-9

KELAS = ("hijau", "kuning", "merah", "abu")
LABEL_TARGET = {"hijau": "Tercapai", "kuning": "Mendekati", "merah": "Belum tercapai"}
LABEL_TERSIL = {"hijau": "Sepertiga terbaik", "kuning": "Sepertiga tengah", "merah": "Sepertiga terbawah"}
LABEL_TIDAK_ADA_DATA = "Tidak ada data"
_RANK = {"merah": 0, "kuning": 1, "hijau": 2}

KUADRAN_LABEL = {"prioritas": "Prioritas: realokasi belanja", "evaluasi": "Evaluasi efektivitas / dukungan OPD",
                 "pertahankan": "Pertahankan", "pantau": "Pantau"}
TREN_LABEL = {"membaik": "Membaik", "tetap": "Tetap", "memburuk": "Memburuk"}
KELAS_BELANJA_LABEL = {"berkualitas": "Berkualitas", "cukup": "Cukup", "perlu_perbaikan": "Perlu perbaikan",
                       "tidak_ada_data": "Data belum lengkap"}
Split = tuple[float | None, float | None]  # (split_x, split_y) of a quadrant scenario


def _check_number(v: Any, what: str, low: float = -math.inf, high: float = math.inf, kinds: Any = (int, float)) -> None:
    """Raise ``ParameterError("<what>, bukan <v>.")`` unless ``v`` is a finite number, not a bool, in [low, high]."""
    if isinstance(v, bool) or not isinstance(v, kinds) or not low <= v <= high or not math.isfinite(v):
        raise ParameterError(f"{what}, bukan {v!r}.")


@dataclass(frozen=True)
class Bands:
    """Traffic-light bands: yellow within ``kuning_naik`` points below / ``kuning_turun`` above a target;
    ``tersil_min_desa`` stable values needed for the tercile rule."""

    kuning_naik: float = 10.0
    kuning_turun: float = 5.0
    tersil_min_desa: int = 5

    def __post_init__(self) -> None:
        for name in ("kuning_naik", "kuning_turun"):
            _check_number(getattr(self, name), f"Pita '{name}' harus angka ≥ 0", low=0)
        _check_number(self.tersil_min_desa, "'tersil_min_desa' harus bilangan bulat ≥ 3", low=3, kinds=int)

    def describe(self) -> str:
        """Indonesian one-line description, used in sensitivity tables."""
        return (f"kuning: target − {self.kuning_naik:g} poin (naik) / target + {self.kuning_turun:g} poin (turun); "
                f"tersil ≥ {self.tersil_min_desa} desa")


@dataclass(frozen=True)
class ClassificationParameters:
    """Everything in ``parameters/klasifikasi.yaml``, validated."""

    bands: Bands
    min_penyebut_bawaan: int
    idm_batas: tuple[float, ...]
    idm_label: tuple[str, ...]
    idm_sumber: str
    ipd_batas: tuple[float, ...]
    ipd_label: tuple[str, ...]
    ipd_sumber: str
    min_sektor_komposit: int
    toleransi_tren: float
    aturan_pembagi: str
    sama_dengan_pembagi: str
    kuantil_bel01: float
    batas_bel07: float


def load_parameters(path: str | Path | None = None) -> ClassificationParameters:
    """``parameters/klasifikasi.yaml``, validated (cached until the file changes).

    >>> p = load_parameters()
    >>> (p.bands.kuning_naik, p.bands.kuning_turun, p.bands.tersil_min_desa, p.idm_batas[0])
    (10.0, 5.0, 5, 0.4907)
    """
    f = parameter_files.load_classification(path)
    lamp = f.lampu_lalu_lintas
    return ClassificationParameters(
        bands=Bands(lamp.pita_kuning_naik, lamp.pita_kuning_turun, lamp.tersil_min_desa),
        min_penyebut_bawaan=f.stabilitas.min_penyebut_bawaan,
        idm_batas=tuple(f.idm.batas), idm_label=tuple(f.idm.label), idm_sumber=f.idm.sumber,
        ipd_batas=tuple(f.ipd.batas), ipd_label=tuple(f.ipd.label), ipd_sumber=f.ipd.sumber,
        min_sektor_komposit=f.skor.min_sektor_komposit, toleransi_tren=f.tren.toleransi,
        aturan_pembagi=f.kuadran.aturan_pembagi, sama_dengan_pembagi=f.kuadran.sama_dengan_pembagi,
        kuantil_bel01=f.belanja_berkualitas.kuantil_bel01, batas_bel07=f.belanja_berkualitas.batas_bel07)


def as_bands(bands: Bands | Mapping[str, Any] | None, base: Bands | None = None) -> Bands:
    """Bands from an object, a partial dict (other fields from ``base`` or the file), or the file.

    >>> as_bands({"kuning_naik": 15}).kuning_naik
    15
    """
    if bands is None:
        return load_parameters().bands
    if isinstance(bands, Bands):
        return bands
    if isinstance(bands, Mapping):
        known = {f.name for f in fields(Bands)}
        if unknown := set(bands) - known:
            raise ParameterError(f"Pita tidak dikenal: {', '.join(sorted(map(str, unknown)))}; "
                                 f"yang dikenal: {', '.join(sorted(known))}.")
        return replace(base if base is not None else load_parameters().bands, **bands)
    raise ParameterError("Pita harus berupa Bands, dict, atau None (pakai parameters/klasifikasi.yaml).")


def _unit_keys(df: pd.DataFrame) -> list[str]:
    """Columns identifying one unit-year: desa values or aggregated values."""
    if "kode_desa" in df.columns:
        return [c for c in ("kode_desa", "tahun") if c in df.columns]
    if "kode_wilayah" in df.columns:
        return [c for c in ("kode_wilayah", "nama_wilayah", "tingkat", "tahun") if c in df.columns]
    raise DataError("Tabel harus memiliki kolom 'kode_desa' atau 'kode_wilayah'.")


def _parent_code(df: pd.DataFrame) -> pd.Series:
    """The comparison group: the kecamatan of a desa, the parent of a region (drop the last dotted part)."""
    if "kode_kecamatan" in df.columns:
        return df["kode_kecamatan"].astype("string")
    col = "kode_desa" if "kode_desa" in df.columns else "kode_wilayah"
    return df[col].astype("string").str.replace(r"\.[^.]*$", "", regex=True)


def _stable(values: pd.DataFrame) -> pd.Series:
    return (values["stabil"].astype("boolean").fillna(False).astype(bool) if "stabil" in values.columns
            else pd.Series(True, index=values.index))


def _indicator_info(values: pd.DataFrame, catalogue: Catalogue | pd.DataFrame,
                    columns: Sequence[str] = ("target", "sumber_target", "tag_target", "arah")) -> pd.DataFrame:
    """Per row of ``values``: the catalogue's ``columns`` (``label_sektor``, ``posisi_sektor``: sector order too)."""
    cat = catalogue_frame(catalogue)
    if unknown := sorted(set(values["indikator"].dropna().unique()) - set(cat["id"])):
        raise ParameterError(f"Indikator tidak ada dalam katalog: {', '.join(unknown)}.")
    cat = cat.reindex(columns=[*cat.columns, *({"label_sektor"} - set(cat.columns))])
    cat = cat.assign(posisi_sektor=pd.Index(dict.fromkeys(cat["sektor"])).get_indexer(cat["sektor"]))
    return catalogue_columns(values["indikator"], cat, columns)


def traffic_light(values: pd.DataFrame, catalogue: Catalogue | pd.DataFrame,
                  bands: Bands | Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Classify each value: hijau / kuning / merah / abu (DOMAIN §5; columns in docs/architecture.md).

    With a target T: hijau ≥ T, kuning ≥ T − ``kuning_naik``, else merah (lower-is-better: ≤ T, ≤ T + ``kuning_turun``).
    Without: the tercile of the rank among the stable values of the parent region, year and indicator, by position
    (rank − 1)/(n − 1) < ⅓, ≤ ⅔, > ⅔ (ties share the best rank; under ``tersil_min_desa`` values → abu).

    >>> cat = load_catalogue()
    >>> v = pd.DataFrame({"kode_desa": ["11.01.01.2001"] * 3, "tahun": [2024] * 3,
    ...     "indikator": ["KES02", "KES02", "KES01"], "nilai": [90.0, 80.0, 19.5], "stabil": [True, True, True]})
    >>> traffic_light(v, cat)[["kelas", "label_kelas"]].values.tolist()
    [['hijau', 'Tercapai'], ['kuning', 'Mendekati'], ['merah', 'Belum tercapai']]
    """
    require_columns(values, ("indikator", "tahun", "nilai"), "Tabel nilai indikator")
    b = as_bands(bands)
    info = _indicator_info(values, catalogue)
    v, t = values["nilai"].astype("Float64").astype(float), info["target"].astype(float)
    higher = (info["arah"] == "higher").fillna(False).astype(bool)
    stabil, has_value = _stable(values), v.notna()
    usable = has_value & stabil

    # Classes as positions in KELAS (0 hijau, 1 kuning, 2 merah, 3 abu). Target rule first
    # (NaN comparisons are False, so rows without a target fall through to merah here).
    hijau = np.where(higher, v >= t - EPS, v <= t + EPS)
    kuning = np.where(higher, v >= t - b.kuning_naik - EPS, v <= t + b.kuning_turun + EPS)
    kelas = pd.Series(np.select([hijau, kuning], [0, 1], 2), index=values.index)

    # Tercile rule for indicators without a target, within kecamatan × year × indicator.
    tersil = usable & t.isna()
    if tersil.any():
        pool = values[tersil].assign(
            _grup=_parent_code(values[tersil]),
            _buruk=v[tersil].where(~higher[tersil], -v[tersil]))  # smaller is better after this sign
        by = pool.groupby(["_grup", "tahun", "indikator"], dropna=False)["_buruk"]
        rank, n = by.rank(method="min"), by.transform("size")
        third = np.select([3 * (rank - 1) < n - 1, 3 * (rank - 1) > 2 * (n - 1)], [0, 2], 1)
        kelas[tersil] = np.where(n >= b.tersil_min_desa, third, 3)
    kelas[~usable] = 3

    # Labels: the first matching reason of grey, else the rule's wording of the class.
    ganda = values["ganda_berbeda"].astype(bool) if "ganda_berbeda" in values.columns else False
    labels = [*LABEL_TARGET.values(), *LABEL_TERSIL.values(), "Pembanding kurang", "Data ganda tidak sama",
              LABEL_TIDAK_ADA_DATA, "Tidak stabil"]
    label = np.select([ganda, ~has_value, ~stabil, t.notna()], [7, 8, 9, kelas], np.minimum(kelas + 3, 6))
    return values.assign(
        target=info["target"], sumber_target=info["sumber_target"].astype("string"),
        tag_target=info["tag_target"].astype("string"), arah=info["arah"].astype("string"), kelas=_text(kelas, KELAS),
        label_kelas=_text(label, labels), metode=_text(t.isna().astype(int), ["target", "tersil"]))


def _text(codes: Any, words: Sequence[str]) -> pd.Series:
    """``words[code]`` for every code, as a ``string`` column (a take from the few words: fast on millions of rows)."""
    return pd.array(list(words), dtype="string").take(np.asarray(codes))


def idm_status(idm: pd.Series | Sequence[float] | float, batas: Sequence[float] | None = None,
               label: Sequence[str] | None = None) -> pd.Series:
    """Status label of each value, on a cut-off the lower one (missing → ``<NA>``): IDM status (Permendesa 2/2016)
    with the cut-offs of ``klasifikasi.yaml``; IPD status with ``batas=p.ipd_batas, label=p.ipd_label``.

    >>> idm_status([0.4907, 0.4908, 0.7072, 0.9, float("nan")]).tolist()
    ['Sangat Tertinggal', 'Tertinggal', 'Berkembang', 'Mandiri', <NA>]
    """
    p = load_parameters() if batas is None or label is None else None
    batas, label = (batas if batas is not None else p.idm_batas), (label if label is not None else p.idm_label)
    v = pd.to_numeric(pd.Series([idm] if np.isscalar(idm) or idm is None else idm), errors="coerce")
    edges = [-np.inf, *(b + EPS for b in batas), np.inf]  # (b₀, b₁] intervals: on a cut-off = lower class
    return pd.cut(v.astype(float), edges, labels=list(label), right=True, ordered=False).astype("string")


def sector_scores(values: pd.DataFrame, catalogue: Catalogue | pd.DataFrame) -> pd.DataFrame:
    """Sector score (0–1) per unit, year and sector [proposed]: the mean of min(1, value/T) (docs/architecture.md).

    >>> cat = load_catalogue()
    >>> v = pd.DataFrame({"kode_desa": ["11.01.01.2001"] * 3, "tahun": [2024] * 3,
    ...     "indikator": ["KES01", "KES02", "ADM02"], "nilai": [28.0, 45.0, 60.0], "stabil": [True] * 3})
    >>> sector_scores(v, cat)[["sektor", "skor", "n_indikator"]].values.tolist()
    [['KES', 0.5, 2], ['ADM', 1.0, 1]]
    """
    require_columns(values, ("indikator", "tahun", "nilai"), "Tabel nilai indikator")
    keys = _unit_keys(values)
    info = _indicator_info(values, catalogue, ["target", "arah", "posisi_sektor"])
    v, t = values["nilai"].astype("Float64").astype(float), info["target"].astype(float)
    higher = (info["arah"] == "higher").to_numpy(dtype=bool)
    num, den = np.where(higher, v, t), np.where(higher, t, v)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.minimum(np.where(den > 0, num / den, 1.0), 1.0)
    scored = pd.DataFrame({
        "unit": values.groupby(keys, sort=False, dropna=False).ngroup().to_numpy(),  # in order of first appearance
        "posisi": info["posisi_sektor"].to_numpy(), "row": np.arange(len(values)),
        "skor": np.where(v.notna() & t.notna() & _stable(values), ratio, np.nan)})
    out = scored.groupby(["unit", "posisi"]).agg(row=("row", "first"), skor=("skor", "mean"),
                                                 n_indikator=("skor", "count"))
    first = values.iloc[out["row"].to_numpy()]  # the first row of each unit and sector
    sector = _indicator_info(first, catalogue, ["sektor", "label_sektor"])
    return first[keys].reset_index(drop=True).assign(
        sektor=sector["sektor"].astype("string").array, label_sektor=sector["label_sektor"].astype("string").array,
        skor=out["skor"].astype("Float64").array, n_indikator=out["n_indikator"].astype("Int64").array)


def composite_index(scores: pd.DataFrame, min_sektor: int | None = None) -> pd.DataFrame:
    """Indeks Capaian Layanan Dasar: mean of the sector scores (0–1) [proposed], ``<NA>`` below ``min_sektor`` sectors.

    >>> s = pd.DataFrame({"kode_desa": ["a"] * 3 + ["b"] * 2, "tahun": [2024] * 5,
    ...     "sektor": ["KES", "PEND", "AIR", "KES", "PEND"], "skor": [1.0, 0.5, 0.6, 1.0, 1.0]})
    >>> composite_index(s)[["kode_desa", "indeks_capaian", "n_sektor"]].values.tolist()
    [['a', 0.7, 3], ['b', <NA>, 2]]
    """
    require_columns(scores, ("sektor", "skor"), "Tabel skor sektor")
    keys = _unit_keys(scores)
    min_sektor = load_parameters().min_sektor_komposit if min_sektor is None else min_sektor
    _check_number(min_sektor, "'min_sektor' harus bilangan bulat ≥ 1", low=1, kinds=int)
    out = (scores.assign(skor=scores["skor"].astype("Float64").astype(float)).groupby(keys, sort=False, dropna=False)
           .agg(indeks_capaian=("skor", "mean"), n_sektor=("skor", "count")).reset_index())
    # Rounded so 0.7 prints as 0.7 and equal indices tie exactly at a median split.
    indeks = out["indeks_capaian"].where(out["n_sektor"] >= min_sektor).round(12)
    return out.assign(indeks_capaian=indeks.astype("Float64"), n_sektor=out["n_sektor"].astype("Int64"),
                      kesenjangan=(1.0 - indeks).round(12).astype("Float64"))


def quadrant(gap_and_spend: pd.DataFrame, split_x: float | None = None, split_y: float | None = None,
             x: str = "kesenjangan", y: str = "bel01") -> tuple[pd.DataFrame, dict[str, Any]]:
    """Need-versus-spending quadrant per desa [proposed]: ``(table, splits)`` (docs/architecture.md).

    >>> t = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002", "11.01.01.2003"],
    ...                   "kesenjangan": [0.1, 0.3, 0.5], "bel01": [30.0, 10.0, 20.0]})
    >>> tab, s = quadrant(t)
    >>> tab["kuadran"].tolist(), s["batas_x"], s["batas_y"]
    (['pertahankan', 'prioritas', 'evaluasi'], 0.3, 20.0)
    """
    require_columns(gap_and_spend, (x, y), "Tabel kesenjangan dan belanja")
    params = load_parameters()
    for name, val in (("split_x", split_x), ("split_y", split_y)):
        if val is not None:
            _check_number(val, f"'{name}' harus angka atau None (median kecamatan)")
    df = gap_and_spend
    xv, yv = df[x].astype("Float64").astype(float), df[y].astype("Float64").astype(float)
    both = xv.notna() & yv.notna()
    groups = ([_parent_code(df).rename("_g")] if {"kode_kecamatan", "kode_desa"} & set(df.columns) else []) + (
        [df["tahun"].rename("_t")] if "tahun" in df.columns else [])
    stat, word = ("median", "median") if params.aturan_pembagi == "median" else ("mean", "rerata")

    def split(values: pd.Series, given: float | None) -> pd.Series:
        if given is not None:
            return pd.Series(float(given), index=df.index)
        v = values.where(both)
        return v.groupby(groups, dropna=False).transform(stat) if groups else pd.Series(v.agg(stat), index=df.index)

    bx, by = split(xv, split_x), split(yv, split_y)
    on_split_high = params.sama_dengan_pembagi == "tinggi"
    hi_x, hi_y = (xv >= bx - EPS, yv >= by - EPS) if on_split_high else (xv > bx + EPS, yv > by + EPS)
    kuadran = pd.Series(np.select([hi_x & ~hi_y, hi_x & hi_y, ~hi_x & hi_y], ["prioritas", "evaluasi", "pertahankan"],
                                  "pantau"), index=df.index).where(both)
    table = df.assign(
        batas_x=bx.astype("Float64"), batas_y=by.astype("Float64"),
        kesenjangan_tinggi=hi_x.astype("boolean").mask(~both), belanja_tinggi=hi_y.astype("boolean").mask(~both),
        kuadran=kuadran.astype("string"),
        label_kuadran=kuadran.map(KUADRAN_LABEL).fillna(LABEL_TIDAK_ADA_DATA).astype("string"))
    n = int(both.sum())

    def describe(given: float | None, b: pd.Series, axis: str) -> tuple[float | None, str]:
        if given is not None:
            return float(given), f"ditetapkan pengguna ({given:g})"
        uniq = b[both].dropna().unique()
        if len(uniq) == 1:
            return float(uniq[0]), f"{word} {axis} {n} desa dalam kecamatan"
        if len(uniq) == 0:
            return None, f"{word} {axis}: tidak ada desa dengan data lengkap"
        n_groups = len(pd.concat(groups, axis=1)[both].drop_duplicates()) if groups else 1  # counted only when shown
        return None, f"{word} {axis} per kecamatan dan tahun ({n_groups} kelompok; lihat kolom batas)"

    (sx, cx), (sy, cy) = describe(split_x, bx, "kesenjangan"), describe(split_y, by, "porsi belanja layanan dasar")
    return table, {"batas_x": sx, "batas_y": sy, "cara_x": cx, "cara_y": cy,
                   "sama_dengan_batas": params.sama_dengan_pembagi, "n_desa": n}


def trend(values: pd.DataFrame, tahun_awal: int, tahun_akhir: int, tolerance: float | None = None,
          catalogue: Catalogue | pd.DataFrame | None = None) -> pd.DataFrame:
    """Direction of change of each indicator between two years: ``tren`` membaik / tetap / memburuk.

    >>> v = pd.DataFrame({"kode_desa": ["a", "a", "b", "b"], "tahun": [2022, 2024, 2022, 2024],
    ...     "indikator": "KES01", "nilai": [30.0, 25.0, 20.0, 21.0], "stabil": True})
    >>> trend(v, 2022, 2024, tolerance=1)[["kode_desa", "perubahan", "tren"]].values.tolist()
    [['a', -5.0, 'membaik'], ['b', 1.0, 'tetap']]
    """
    require_columns(values, ("indikator", "tahun", "nilai"), "Tabel nilai indikator")
    for name, yr in (("tahun_awal", tahun_awal), ("tahun_akhir", tahun_akhir)):
        _check_number(yr, f"'{name}' harus tahun (bilangan bulat)", kinds=(int, np.integer))
    if tahun_awal >= tahun_akhir:
        raise ParameterError(f"'tahun_awal' ({tahun_awal}) harus lebih kecil dari 'tahun_akhir' ({tahun_akhir}).")
    tol = load_parameters().toleransi_tren if tolerance is None else tolerance
    _check_number(tol, "Toleransi tren harus angka ≥ 0", low=0)
    keys = [k for k in _unit_keys(values) if k != "tahun"]
    cat = catalogue if catalogue is not None else load_catalogue()
    rows = values[[*keys, "indikator"]].assign(
        arah=values["arah"].astype("string") if "arah" in values.columns else _indicator_info(values, cat)["arah"],
        nilai=values["nilai"].astype("Float64"), stabil=_stable(values), tahun=values["tahun"].astype("Int64"))
    awal, akhir = (rows[rows["tahun"].eq(y).fillna(False).to_numpy(dtype=bool)].drop(columns="tahun")
                   for y in (tahun_awal, tahun_akhir))
    m = awal.merge(akhir, on=[*keys, "indikator"], how="outer", suffixes=("_awal", "_akhir"))
    arah = m["arah_awal"].fillna(m["arah_akhir"])
    perubahan = (m["nilai_akhir"] - m["nilai_awal"]).astype(float)
    stable = m["stabil_awal"].fillna(False).astype(bool) & m["stabil_akhir"].fillna(False).astype(bool)
    better = perubahan.where(arah != "lower", -perubahan) > 0
    tren = pd.Series(np.select([perubahan.abs() <= tol + EPS, better], ["tetap", "membaik"], "memburuk"),
                     index=m.index).where(perubahan.notna() & stable)
    return m[[*keys, "indikator"]].assign(
        arah=arah.astype("string"), tahun_awal=pd.array([tahun_awal] * len(m), dtype="Int64"),
        tahun_akhir=pd.array([tahun_akhir] * len(m), dtype="Int64"),
        nilai_awal=m["nilai_awal"], nilai_akhir=m["nilai_akhir"], perubahan=perubahan.astype("Float64"),
        tren=tren.astype("string"), label_tren=tren.map(TREN_LABEL).fillna("Tidak dapat dinilai").astype("string"))


def spending_quality_class(spending: pd.DataFrame, kuantil: float | None = None,
                           batas_bel07: float | None = None) -> pd.DataFrame:
    """Spending-quality class per desa and year (DOMAIN §5) [proposed]: ``kelas_belanja`` and its reason.

    >>> sp = pd.DataFrame({"kode_desa": list("abcd"), "tahun": 2024, "kode_kabupaten": "11.01",
    ...     "bel01": [10.0, 20.0, 30.0, 40.0], "bel07": [25.0, 25.0, 35.0, 25.0], "aturan_dd_patuh": True})
    >>> spending_quality_class(sp)["kelas_belanja"].tolist()
    ['cukup', 'cukup', 'perlu_perbaikan', 'berkualitas']
    """
    require_columns(spending, ("kode_desa", "tahun", "kode_kabupaten", "bel01", "bel07", "aturan_dd_patuh"),
                    "Tabel belanja")
    params = load_parameters()
    q = params.kuantil_bel01 if kuantil is None else kuantil
    cap = params.batas_bel07 if batas_bel07 is None else batas_bel07
    for name, val, top, unit in (("kuantil", q, 1, "0–1"), ("batas_bel07", cap, 100, "0–100 (persen)")):
        _check_number(val, f"'{name}' harus angka {unit}", low=0, high=top)
    b1, b7 = (spending[c].astype("Float64").astype(float) for c in ("bel01", "bel07"))
    patuh = spending["aturan_dd_patuh"].astype("boolean")
    threshold = b1.groupby([spending["kode_kabupaten"], spending["tahun"]], dropna=False).transform("quantile", q)
    top, over = b1 >= threshold - EPS, b7 > cap + EPS
    breach = patuh.eq(False).fillna(False).astype(bool)
    complete = b1.notna() & b7.notna() & patuh.notna()
    kelas = np.select([over | breach, ~complete, top], ["perlu_perbaikan", "tidak_ada_data", "berkualitas"], "cukup")
    reason_over = f"Porsi siltap & tunjangan di atas {cap:g}% belanja"
    reason_breach = "Aturan Dana Desa tahun ini tidak dipatuhi"
    alasan = np.select(
        [over & breach, over, breach, ~complete, top],
        [f"{reason_over}; {reason_breach}", reason_over, reason_breach,
         "Data BEL01, BEL07 atau kepatuhan Dana Desa belum lengkap",
         "Porsi belanja layanan dasar di kuartil teratas kabupaten, siltap dalam batas, aturan Dana Desa dipatuhi"],
        "Belanja dalam batas, tetapi porsi layanan dasar belum di kuartil teratas kabupaten")
    return spending.assign(
        batas_bel01=threshold.astype("Float64"), bel01_kuartil_atas=top.astype("boolean").mask(b1.isna()),
        kelas_belanja=pd.array(kelas, dtype="string"),
        label_belanja=pd.Series(kelas, index=spending.index).map(KELAS_BELANJA_LABEL).astype("string"),
        alasan=pd.array(alasan, dtype="string"))


def _scenario_items(scenarios: Any, what: str) -> list[tuple[str, Any]]:
    if isinstance(scenarios, str) or not isinstance(scenarios, (Mapping, Sequence)):
        raise ParameterError(f"Daftar {what} harus berupa list atau dict.")
    if not scenarios:
        raise ParameterError(f"Daftar {what} kosong.")
    named = scenarios if isinstance(scenarios, Mapping) else {f"skenario {i + 1}": v for i, v in enumerate(scenarios)}
    return [(str(k), v) for k, v in named.items()]


def threshold_sensitivity(values: pd.DataFrame, catalogue: Catalogue | pd.DataFrame,
                          bands_list: Sequence[Bands | Mapping[str, Any]] | Mapping[str, Bands | Mapping[str, Any]],
                          baseline: Bands | Mapping[str, Any] | None = None) -> pd.DataFrame:
    """How many classifications change, per scenario and indicator, with other traffic-light bands.

    >>> cat = load_catalogue()
    >>> v = pd.DataFrame({"kode_desa": ["a", "b"], "tahun": 2024, "indikator": "KES02",
    ...                   "nilai": [78.0, 85.0], "stabil": True})
    >>> r = threshold_sensitivity(v, cat, {"pita 15": {"kuning_naik": 15}})
    >>> r.loc[r.indikator == "(semua)", ["n_baris", "n_berubah", "n_ke_lebih_baik"]].values.tolist()
    [[2, 1, 1]]
    """
    base_bands = as_bands(baseline)
    base = traffic_light(values, catalogue, base_bands)
    unit = base[_unit_keys(base)[0]].astype("string")
    rank_before = base["kelas"].map(_RANK).astype(float)
    counts = {"n_baris": ("c", "size"), "n_berubah": ("c", "sum"), "n_ke_lebih_baik": ("b", "sum"),
              "n_ke_lebih_buruk": ("w", "sum"), "n_unit_berubah": ("u", "nunique")}
    parts = []
    for name, bands in _scenario_items(bands_list, "pita"):
        b = as_bands(bands, base_bands)
        kelas = traffic_light(values, catalogue, b)["kelas"]
        changed = (kelas != base["kelas"]).astype(bool)
        rank_after = kelas.map(_RANK).astype(float)
        work = pd.DataFrame({"indikator": base["indikator"].astype("string"), "c": changed, "u": unit.where(changed),
                             "b": rank_after > rank_before, "w": rank_after < rank_before})  # up or down: changed
        tables = [w.groupby("indikator", sort=False).agg(**counts) for w in (work, work.assign(indikator="(semua)"))]
        parts.append(pd.concat(tables).reset_index().assign(skenario=name, keterangan=b.describe()))
    out = pd.concat(parts, ignore_index=True)
    out["persen_berubah"] = (100.0 * out["n_berubah"] / out["n_baris"]).where(out["n_baris"] > 0)
    return out.astype({"persen_berubah": "Float64", **{c: "Int64" for c in counts},
                       **{c: "string" for c in ("skenario", "keterangan", "indikator")}})[
        ["skenario", "keterangan", "indikator", "n_baris", "n_berubah", "persen_berubah",
         "n_ke_lebih_baik", "n_ke_lebih_buruk", "n_unit_berubah"]]


def quadrant_sensitivity(gap_and_spend: pd.DataFrame, splits_list: Sequence[Split] | Mapping[str, Split],
                         x: str = "kesenjangan", y: str = "bel01") -> pd.DataFrame:
    """How many desa change quadrant with splits ``(split_x, split_y)`` (``None``: median) than with the median rule.

    >>> t = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002", "11.01.01.2003"],
    ...                   "kesenjangan": [0.1, 0.3, 0.5], "bel01": [30.0, 10.0, 20.0]})
    >>> quadrant_sensitivity(t, [(0.4, None)])[["n_desa", "n_berubah", "n_prioritas"]].values.tolist()
    [[3, 1, 0]]
    """
    base_k = quadrant(gap_and_spend, x=x, y=y)[0]["kuadran"]
    rows = []
    for name, pair in _scenario_items(splits_list, "pembagi"):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ParameterError(f"Skenario '{name}': harus pasangan (batas_x, batas_y).")
        tab, s = quadrant(gap_and_spend, pair[0], pair[1], x=x, y=y)
        k = tab["kuadran"]
        both = base_k.notna() & k.notna()
        changed, n, counts = int((both & (k != base_k)).fillna(False).sum()), int(both.sum()), k.value_counts()
        rows.append({"skenario": name, "batas_x": s["batas_x"], "batas_y": s["batas_y"], "n_desa": n,
                     "n_berubah": changed, "persen_berubah": 100.0 * changed / n if n else np.nan,
                     **{f"n_{q}": int(counts.get(q, 0)) for q in KUADRAN_LABEL}})
    return pd.DataFrame(rows).astype({"skenario": "string", "batas_x": "Float64", "batas_y": "Float64",
                                      "persen_berubah": "Float64", **{c: "Int64" for c in rows[0] if c[:2] == "n_"}})

