"""What every data-quality check shares: rules, thresholds, the findings table, labels and reading numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
from pydantic import ValidationError

from . import parameter_files
from .errors import ParameterError
from .frames import require_columns
from .indicators import load_catalogue
from .numbers import parse_numbers
from .schemas import KODE_DESA_PATTERN, LAYANAN, TABLES

#: Columns of every findings table, in order.
FINDING_COLUMNS: tuple[str, ...] = ("kode_desa", "tahun", "tabel", "kolom", "nilai", "aturan", "tingkat", "pesan")
#: Levels, most serious first (the sort order of ``run_checks``).
TINGKAT: tuple[str, ...] = ("galat", "peringatan", "info")
_EMPTY = pd.DataFrame({c: pd.Series(dtype="Int64" if c == "tahun" else "string") for c in FINDING_COLUMNS})

#: Rule id → (usual level, Indonesian title). ``kelengkapan`` is ``peringatan`` or ``info``.
RULES: dict[str, tuple[str, str]] = {
    "pembilang_melebihi_penyebut": ("galat", "Pembilang lebih besar dari penyebut"),
    "nilai_negatif": ("galat", "Nilai negatif"),
    "bukan_angka": ("galat", "Isian bukan angka atau bukan bilangan bulat"),
    "baris_ganda": ("galat", "Baris ganda"),
    "kode_tidak_resmi": ("galat", "Kode wilayah tidak ada dalam daftar resmi"),
    "kelurahan_ber_apbdes": ("galat", "Kelurahan memiliki baris APBDes"),
    "realisasi_melebihi_anggaran": ("galat", "Realisasi melebihi anggaran"),
    "total_tidak_sesuai": ("galat", "Total anggaran tidak sama dengan jumlah rinciannya"),
    "identitas_apbdes": ("peringatan", "APBDes tidak seimbang (pendapatan − belanja + pembiayaan netto ≠ 0)"),
    "apbdes_tidak_lengkap": ("peringatan", "APBDes tanpa baris pendapatan atau tanpa baris belanja"),
    "kelengkapan": ("peringatan", "Kelengkapan laporan indikator di bawah ambang"),
    "desa_tidak_melapor": ("peringatan", "Desa tidak memiliki data layanan pada tahun itu"),
    "nilai_hilang": ("peringatan", "Sel kosong (tidak dilaporkan)"),
    "pencilan": ("peringatan", "Pencilan terhadap desa lain di kabupaten"),
    "lonjakan_tahunan": ("peringatan", "Lonjakan tidak wajar dari tahun sebelumnya"),
}

#: Count columns of the layanan table (everything but the key).
COUNT_COLUMNS: tuple[str, ...] = tuple(c.name for c in LAYANAN.columns if c.dtype == "Int64" and c.name != "tahun")


@dataclass(frozen=True)
class QualityParams:
    """Thresholds of the checks, named ``<section>_<key>`` after ``parameters/kualitas.yaml`` (see its comments)."""

    kelengkapan_porsi_peringatan: float = 0.80
    kelengkapan_porsi_info: float = 0.95
    kelengkapan_porsi_minimum_nilai_hilang: float = 0.50
    pencilan_pengali_mad: float = 6.0
    pencilan_minimum_desa: int = 10
    pencilan_selisih_minimum_persen: float = 40.0
    pencilan_faktor_minimum_per_kapita: float = 3.0
    pencilan_minimum_penduduk: int = 100
    lonjakan_faktor: float = 3.0
    lonjakan_minimum_nilai: float = 30
    anggaran_toleransi_rupiah: float = 1000
    anggaran_toleransi_relatif: float = 0.001

    def __post_init__(self) -> None:
        _validated(self._sections())

    def _sections(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for f in fields(self):
            section, key = f.name.split("_", 1)
            out.setdefault(section, {})[key] = getattr(self, f.name)
        return out

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], base: "QualityParams | None" = None) -> "QualityParams":
        """Parameters from a nested mapping shaped like ``kualitas.yaml`` (missing keys keep ``base``)."""
        if not isinstance(data, Mapping):
            raise ParameterError("Parameter kualitas harus berupa kumpulan bagian (kelengkapan, pencilan, …).")
        sections = (base or cls())._sections()
        for name, entries in data.items():
            if name != "pemeriksaan_tambahan":  # declared checks, see quality.check_declared_rules
                sections[name] = {**sections.get(name, {}), **entries} if isinstance(entries, Mapping) else entries
        checked = _validated(sections).model_dump(exclude={"pemeriksaan_tambahan"})
        return cls(**{f"{section}_{key}": v for section, entries in checked.items() for key, v in entries.items()})


def _validated(sections: dict[str, Any]) -> Any:
    """``sections`` checked by the model of ``kualitas.yaml`` (:class:`p3pd_lib.parameter_files.QualityFile`)."""
    try:
        return parameter_files.QualityFile.model_validate(sections)
    except ValidationError as exc:
        parameter_files.raise_indonesian(Path("kualitas.yaml"), exc, sections, shown="parameter kualitas")


def load_params(path: str | Path | None = None) -> QualityParams:
    """The thresholds of ``parameters/kualitas.yaml`` (or ``path``), validated by :mod:`p3pd_lib.parameter_files`."""
    return QualityParams.from_mapping(parameter_files.load_quality(path).model_dump())


#: What the checks accept as ``params``: thresholds, a mapping over the file's values, or ``None`` (the file).
Params = QualityParams | Mapping[str, Any] | None


def as_params(params: Params) -> QualityParams:
    """``params`` as :class:`QualityParams`."""
    if isinstance(params, QualityParams):
        return params
    return load_params() if params is None else QualityParams.from_mapping(params, load_params())


class Labels:
    """Names of desa and kecamatan for messages, from the ``wilayah`` table when given (kept in ``table``)."""

    def __init__(self, wilayah: pd.DataFrame | None):
        self.table = wilayah if wilayah is not None and len(wilayah) else None
        w = pd.DataFrame(self.table).reindex(columns=["kode_desa", "nama_desa", "jenis", "kode_kecamatan",
                                                      "nama_kecamatan"]).drop_duplicates("kode_desa")
        self._desa = dict(zip(w["kode_desa"].astype(str).tolist(), zip(w["nama_desa"].tolist(), w["jenis"].tolist())))
        kec = w.dropna(subset=["kode_kecamatan"]).drop_duplicates("kode_kecamatan")
        self._kec = dict(zip(kec["kode_kecamatan"].astype(str).tolist(), kec["nama_kecamatan"].tolist()))

    def desa(self, code: Any) -> str:
        """``Desa Beran (33.07.02.2009)``, ``Kelurahan 33.07.06.1011``, … (no ``jenis``: by the code, DOMAIN §2)."""
        code = "(kode kosong)" if code is None or code is pd.NA else str(code)
        name, jenis = self._desa.get(code, (None, None))
        if not isinstance(jenis, str):
            jenis = "kelurahan" if code[9:10] == "1" and re.match(KODE_DESA_PATTERN, code) else "desa"
        kind = "Kelurahan" if jenis == "kelurahan" else "Desa"
        return f"{kind} {name} ({code})" if isinstance(name, str) and name else f"{kind} {code}"

    def kecamatan(self, code: str) -> str:
        name = self._kec.get(code)
        return f"Kecamatan {name} ({code})" if isinstance(name, str) and name else f"Kecamatan {code}"


def labels(wilayah: "pd.DataFrame | Labels | None") -> Labels:
    """Message labels for a ``wilayah`` table (a :class:`Labels` passes through)."""
    return wilayah if isinstance(wilayah, Labels) else Labels(wilayah)


def region_table(wilayah: "pd.DataFrame | Labels | None") -> pd.DataFrame | None:
    """The ``wilayah`` table behind ``wilayah`` (``None`` when none was given)."""
    return wilayah.table if isinstance(wilayah, Labels) else wilayah if wilayah is not None and len(wilayah) else None


def findings(rows: list[tuple]) -> pd.DataFrame:
    """Findings table from ``(kode_desa, tahun, tabel, kolom, nilai, aturan, tingkat, pesan)`` tuples."""
    if not rows:
        return empty_findings()
    columns = dict(zip(FINDING_COLUMNS, zip(*rows)))  # typed column by column: cheaper than re-typing a frame
    return pd.DataFrame({c: pd.to_numeric(pd.Series(v), errors="coerce").astype("Int64") if c == "tahun"
                         else pd.array(v, dtype="string") for c, v in columns.items()})


def empty_findings() -> pd.DataFrame:
    """An empty findings table with the declared columns and dtypes (a copy of one built once)."""
    return _EMPTY.copy()


def as_tables(data: Any) -> dict[str, pd.DataFrame | None]:
    """Tables by name from a :class:`~p3pd_lib.store.Dataset` or a mapping; absent ones are ``None``."""
    if not (callable(getattr(data, "tables", None)) or isinstance(data, Mapping)):
        raise ParameterError("Data untuk pemeriksaan kualitas harus berupa Dataset atau kamus {nama tabel: DataFrame}.")
    tables = dict(data.tables() if callable(getattr(data, "tables", None)) else data)
    if unknown := set(tables) - set(TABLES):
        raise ParameterError(f"Tabel tidak dikenal: {', '.join(sorted(unknown))}.")
    for name, df in tables.items():
        if df is not None and not isinstance(df, pd.DataFrame):
            raise ParameterError(f"Tabel '{name}' harus berupa DataFrame.")
        if df is not None and "kode_desa" not in df.columns:
            raise ParameterError(f"Tabel '{name}' tidak memiliki kolom 'kode_desa'.")
    return {name: tables.get(name) for name in TABLES}


def catalogue_frame(catalogue: Any) -> pd.DataFrame:
    """The catalogue as a frame (``id, sektor, pembilang, penyebut`` and optional ``nama, min_penyebut``)."""
    frame = load_catalogue().frame if catalogue is None else getattr(catalogue, "frame", catalogue)
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError("Katalog indikator harus berupa hasil load_catalogue() atau DataFrame.")
    require_columns(frame, ("id", "sektor", "pembilang", "penyebut"), "Tabel 'katalog indikator'", ParameterError)
    return frame


def desa_codes(s: pd.Series, category: bool = False) -> pd.Series:
    """Desa codes as text (``category=True``: categorical), stripped once per distinct code; blank is missing.

    >>> desa_codes(pd.Series([" 11.01.01.2001", "", None])).tolist()
    ['11.01.01.2001', <NA>, <NA>]
    """
    s = s.astype("category")
    stripped = pd.Series(s.cat.categories.astype("string").str.strip(), index=s.cat.categories).replace("", pd.NA)
    codes = s.map(stripped).astype("category")  # stripped once per distinct code
    return codes if category else codes.astype("string")


def years(df: pd.DataFrame) -> pd.Series:
    """Year per row as float (NaN when missing or not a number)."""
    return parse_numbers(df["tahun"])["nilai"] if "tahun" in df.columns else pd.Series(np.nan, index=df.index)
