"""Data-quality checks (DOMAIN.md §6): one tidy table of findings.

Every check is a pure function: tables (and explicit parameters) in, a new
findings table out, inputs never changed. A finding names the village, the
year, the table, the field (``kolom``), the offending value, the rule
(``aturan``), its level (``tingkat``: ``galat`` = certainly wrong, ``peringatan``
= probably wrong or unusable, ``info`` = worth knowing) and a message in Bahasa
Indonesia. :func:`run_checks` runs them all and returns one table, errors first.

The checks are vectorised (numpy/pandas on whole columns); Python loops only
format the messages of actual findings, which are few. They accept the
store's typed tables *and* raw imported tables (object columns with text such
as ``"12a"``): a value that is not a number, negative or not a whole count is
reported once by its own rule and then treated as missing by every other check.

Rule ids (``aturan``), see :data:`RULES` for the level and a one-line title:

=============================== ==========================================================
``pembilang_melebihi_penyebut`` numerator > denominator of an indicator (layanan)
``nilai_negatif``               negative count or Rupiah amount
``bukan_angka``                 text where a number is expected, or a count with decimals
``baris_ganda``                 the same desa + year twice (layanan, status_desa) or
                                identical lines (apbdes, usulan)
``kode_tidak_resmi``            code not in the official region list (or badly formed)
``kelurahan_ber_apbdes``        a kelurahan with APBDes lines (only desa have an APBDes)
``realisasi_melebihi_anggaran`` realisation above the budget of a spending line
``total_tidak_sesuai``          a declared budget total differs from the sum of its lines
``identitas_apbdes``            budget not balanced: Pendapatan − Belanja + Pembiayaan
                                netto ≠ 0 (see :func:`check_apbdes_identity`)
``apbdes_tidak_lengkap``        a desa-year with spending lines but no revenue lines, or
                                the reverse
``kelengkapan``                 share of desa reporting an indicator below a threshold
                                (one finding per kecamatan, indicator and year)
``desa_tidak_melapor``          a desa of a reporting kecamatan has no layanan row that year
``nilai_hilang``                an empty cell in a column most desa of the kecamatan fill
``pencilan``                    robust outlier against the kabupaten (median/MAD)
``lonjakan_tahunan``            implausible jump from the previous year
=============================== ==========================================================

For kecamatan-level findings (``kelengkapan``) ``kode_desa`` holds the
kecamatan code (``PP.KK.CC``). ``nilai`` is text (``string``): the offending
value in plain notation (``57``, ``1250000``, ``0.62``), or the code itself.

>>> layanan = pd.DataFrame({"kode_desa": ["11.01.01.2001"], "tahun": [2024],
...                         "balita_stunting": [57], "balita_diukur": [40]})
>>> cat = pd.DataFrame({"id": ["KES01"], "sektor": ["KES"],
...                     "pembilang": ["balita_stunting"], "penyebut": ["balita_diukur"]})
>>> f = check_numerator_exceeds(layanan, cat)
>>> f.loc[0, "pesan"]
'Desa 11.01.01.2001, 2024: balita_stunting (57) lebih besar dari balita_diukur (40) (indikator KES01).'
"""

from __future__ import annotations

import re
from bisect import bisect_left
from concurrent.futures import Executor
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import ParameterError
from .paths import parameter_file
from .schemas import KODE_DESA_PATTERN, LAYANAN, TABLES

#: Columns of every findings table, in order.
FINDING_COLUMNS: tuple[str, ...] = ("kode_desa", "tahun", "tabel", "kolom", "nilai", "aturan", "tingkat", "pesan")
#: Levels, most serious first (the sort order of :func:`run_checks`).
TINGKAT: tuple[str, ...] = ("galat", "peringatan", "info")

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

PARAMETER_FILE = "kualitas.yaml"

# Count columns of the layanan table (everything but the key).
_COUNT_COLUMNS: tuple[str, ...] = tuple(c.name for c in LAYANAN.columns if c.dtype == "Int64" and c.name != "tahun")
_DESA_RE = re.compile(KODE_DESA_PATTERN)
_MAD_TO_SD = 1.4826  # 1 / Φ⁻¹(3/4): scales the MAD to a standard deviation for normal data
_LINE_CLASSES = ("pendapatan", "belanja", "penerimaan_pembiayaan", "pengeluaran_pembiayaan", "lainnya")


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class QualityParams:
    """Thresholds of the checks; the editable values live in ``parameters/kualitas.yaml``.

    Field names are ``<section>_<key>`` of the YAML file (see its comments).
    """

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
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
                raise ParameterError(f"Parameter kualitas '{f.name}' harus berupa angka ≥ 0 (sekarang: {v!r}).")
        for name in ("kelengkapan_porsi_peringatan", "kelengkapan_porsi_info", "kelengkapan_porsi_minimum_nilai_hilang"):
            if getattr(self, name) > 1:
                raise ParameterError(f"Parameter kualitas '{name}' adalah porsi 0–1 (sekarang: {getattr(self, name)}).")
        if self.kelengkapan_porsi_info < self.kelengkapan_porsi_peringatan:
            raise ParameterError("Parameter kualitas: porsi_info tidak boleh lebih kecil dari porsi_peringatan.")
        if self.lonjakan_faktor <= 1 or self.pencilan_faktor_minimum_per_kapita < 1:
            raise ParameterError("Parameter kualitas: faktor lonjakan harus > 1 dan faktor per kapita ≥ 1.")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], base: "QualityParams | None" = None) -> "QualityParams":
        """Parameters from a nested mapping shaped like ``kualitas.yaml`` (missing keys keep ``base``).

        >>> QualityParams.from_mapping({"lonjakan": {"faktor": 5}}).lonjakan_faktor
        5
        """
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k != "pemeriksaan_tambahan"} if isinstance(data, Mapping) else data
        values = {f.name: getattr(base or cls(), f.name) for f in fields(cls)}
        if not isinstance(data, Mapping):
            raise ParameterError("Parameter kualitas harus berupa kumpulan bagian (kelengkapan, pencilan, …).")
        for section, entries in data.items():
            if not isinstance(entries, Mapping):
                raise ParameterError(f"Bagian '{section}' pada parameter kualitas harus berisi pasangan isian: nilai.")
            for key, value in entries.items():
                name = f"{section}_{key}"
                if name not in known:
                    raise ParameterError(f"Isian parameter kualitas tidak dikenal: '{section}.{key}'.")
                values[name] = value
        return cls(**values)


def load_params(path: str | Path | None = None) -> QualityParams:
    """Read the thresholds from ``parameters/kualitas.yaml`` (or ``path``).

    >>> load_params().kelengkapan_porsi_peringatan
    0.8
    """
    import yaml

    p = Path(path) if path is not None else parameter_file(PARAMETER_FILE)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ParameterError(f"Berkas parameter kualitas '{p}' tidak ditemukan.") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"Berkas parameter kualitas '{p}' tidak dapat dibaca: {exc}") from None
    return QualityParams.from_mapping(data)


def _params(params: QualityParams | Mapping[str, Any] | None) -> QualityParams:
    if params is None:
        return load_params()
    if isinstance(params, QualityParams):
        return params
    if isinstance(params, Mapping):
        return QualityParams.from_mapping(params, base=load_params())
    raise ParameterError("Parameter kualitas harus QualityParams, kamus bertingkat, atau None.")


# --------------------------------------------------------------------------- helpers: formatting


def _plain(x: Any) -> str:
    """Value in plain notation for the ``nilai`` column."""
    if x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)):
        return ""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if float(x).is_integer():
            return str(int(x))
        return np.format_float_positional(round(float(x), 4), trim="-")
    return str(x)


def _num(x: float, decimals: int = 1) -> str:
    """Indonesian number: 1.234.567 or 12,5."""
    if float(x).is_integer():
        s = f"{int(x):,}"
    else:
        s = f"{x:,.{decimals}f}"
    return s.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _dec(x: float, decimals: int = 1) -> str:
    """Indonesian number with a fixed number of decimals: 10,0."""
    return _num(round(float(x), decimals) + 0.0, decimals) if not float(round(x, decimals)).is_integer() \
        else _num(round(float(x)), 0) + "," + "0" * decimals


def _rp(x: float) -> str:
    return ("−Rp " if x < 0 else "Rp ") + _num(round(abs(float(x))))


def _pct(x: float) -> str:
    return f"{x:.1f}".replace(".", ",") + "%"


class _Names:
    """Labels of villages and kecamatan for messages (from the ``wilayah`` table when given)."""

    def __init__(self, wilayah: pd.DataFrame | None):
        self.table = wilayah
        self._wilayah = wilayah
        self._desa: dict[str, tuple[str, str]] | None = None
        self._kec: dict[str, str] | None = None

    def _load(self) -> None:
        # Built aside and assigned whole: checks running in threads share one instance and must
        # never see a half-filled dictionary.
        w = self._wilayah
        desa: dict[str, tuple[str, str]] = {}
        kec_names: dict[str, str] = {}
        if w is not None and len(w) and "kode_desa" in w.columns:
            codes = w["kode_desa"].astype("string").to_numpy(dtype=object, na_value=None)
            names = (w["nama_desa"] if "nama_desa" in w.columns else pd.Series([None] * len(w))).to_numpy(dtype=object)
            jenis = (w["jenis"] if "jenis" in w.columns else pd.Series([None] * len(w))).to_numpy(dtype=object)
            # (a missing code becomes a None key, which no lookup asks for: lookups are by text)
            desa = dict(zip(codes, zip(names, jenis)))
            if "kode_kecamatan" in w.columns and "nama_kecamatan" in w.columns:
                kec_codes = w["kode_kecamatan"].astype(str).to_numpy(dtype=object)
                kec_labels = w["nama_kecamatan"].to_numpy(dtype=object)
                kec_names = dict(zip(kec_codes[::-1], kec_labels[::-1]))  # reversed: the first row of a code wins
        self._kec = kec_names
        self._desa = desa

    def desa(self, code: Any) -> str:
        if self._desa is None:
            self._load()
        code_s = "(kode kosong)" if code is None or code is pd.NA else str(code)
        name, jenis = self._desa.get(code_s, (None, None))  # type: ignore[union-attr]
        if jenis is None or jenis is pd.NA:
            jenis = "kelurahan" if _is_kelurahan_code(code_s) else "desa"
        kind = "Kelurahan" if jenis == "kelurahan" else "Desa"
        if isinstance(name, str) and name:
            return f"{kind} {name} ({code_s})"
        return f"{kind} {code_s}"

    def kecamatan(self, code: str) -> str:
        if self._kec is None:
            self._load()
        name = self._kec.get(code)  # type: ignore[union-attr]
        return f"Kecamatan {name} ({code})" if isinstance(name, str) and name else f"Kecamatan {code}"


def _names(wilayah: "pd.DataFrame | _Names | None") -> _Names:
    """Message labels; ``run_checks`` passes one shared :class:`_Names` in place of the table."""
    if isinstance(wilayah, _Names):
        return wilayah
    return _Names(wilayah if wilayah is not None and len(wilayah) else None)


def _table(wilayah: "pd.DataFrame | _Names | None") -> pd.DataFrame | None:
    return wilayah.table if isinstance(wilayah, _Names) else wilayah


def _is_kelurahan_code(code: str) -> bool:
    return code[9:10] == "1" and bool(_DESA_RE.match(code))


def _year_text(t: Any) -> str:
    return "tahun tidak diketahui" if t is None or t is pd.NA or (isinstance(t, float) and np.isnan(t)) else str(int(t))


def _findings(rows: list[tuple]) -> pd.DataFrame:
    """Findings frame from ``(kode_desa, tahun, tabel, kolom, nilai, aturan, tingkat, pesan)`` tuples."""
    if not rows:
        return empty_findings()
    df = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    return _typed(df)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for c in FINDING_COLUMNS:
        if c == "tahun":
            out[c] = pd.array(pd.to_numeric(df[c], errors="coerce"), dtype="Int64")
        else:
            out[c] = pd.array(df[c], dtype="string")
    return pd.DataFrame(out)


def empty_findings() -> pd.DataFrame:
    """An empty findings table with the declared columns and dtypes.

    >>> list(empty_findings().columns) == list(FINDING_COLUMNS)
    True
    """
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "tahun" else "string") for c in FINDING_COLUMNS})


# --------------------------------------------------------------------------- helpers: data access


def _as_tables(data: Any) -> dict[str, pd.DataFrame]:
    """Tables by name from a :class:`~p3pd_lib.store.Dataset` or a mapping; absent ones are ``None``."""
    if hasattr(data, "tables") and callable(data.tables):
        tables = dict(data.tables())
    elif isinstance(data, Mapping):
        tables = dict(data)
    else:
        raise ParameterError("Data untuk pemeriksaan kualitas harus berupa Dataset atau kamus {nama tabel: DataFrame}.")
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ParameterError(f"Tabel tidak dikenal: {', '.join(sorted(unknown))}.")
    for name, df in tables.items():
        if df is not None and not isinstance(df, pd.DataFrame):
            raise ParameterError(f"Tabel '{name}' harus berupa DataFrame.")
        if df is not None and "kode_desa" not in df.columns:
            raise ParameterError(f"Tabel '{name}' tidak memiliki kolom 'kode_desa'.")
    return {name: tables.get(name) for name in TABLES}


def _require(df: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"Tabel '{table}' harus berupa DataFrame.")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParameterError(f"Tabel '{table}' tidak memiliki kolom: {', '.join(missing)}.")


def _catalogue_frame(catalogue: Any) -> pd.DataFrame:
    """The catalogue as a frame (``id, sektor, pembilang, penyebut`` and optional ``nama, min_penyebut``)."""
    if catalogue is None:
        from .indicators import load_catalogue

        catalogue = load_catalogue()
    frame = getattr(catalogue, "frame", catalogue)
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError("Katalog indikator harus berupa hasil load_catalogue() atau DataFrame.")
    _require(frame, ("id", "sektor", "pembilang", "penyebut"), "katalog indikator")
    return frame


def _parse_numeric(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values as float with NaN, cell present, present but not a number) for one column."""
    if pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype("object")
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = s.to_numpy(dtype="float64", na_value=np.nan)
        present = ~np.isnan(vals)
        return vals, present, np.zeros(len(s), dtype=bool)
    text = s.astype("string").str.strip()
    present = (text.notna() & (text != "")).to_numpy(dtype=bool, na_value=False)
    vals = pd.to_numeric(text.where(present), errors="coerce")
    vals = pd.Series(vals).astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    # inf from text like "inf" is not a count either
    nonnum = present & ~np.isfinite(vals)
    vals = np.where(np.isfinite(vals), vals, np.nan)
    return vals, present, nonnum


def _parse_values(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values, not a number) of :func:`_parse_numeric`, without the ``present`` mask a number column needs not."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype="float64", na_value=np.nan), np.zeros(len(s), dtype=bool)
    vals, _, nonnum = _parse_numeric(s)
    return vals, nonnum


def _valid_amounts(df: pd.DataFrame, column: str) -> np.ndarray:
    """An amount column as float, NaN where missing, not a number or negative (a new array)."""
    if column not in df.columns:
        return np.full(len(df), np.nan)
    vals, _ = _parse_values(df[column])
    # never in place: without missing values the conversion may share the table's memory
    return np.where(vals < 0, np.nan, vals)


def _codes(df: pd.DataFrame) -> np.ndarray:
    return df["kode_desa"].astype("string").str.strip().to_numpy(dtype=object, na_value=None)


def _years(df: pd.DataFrame) -> np.ndarray:
    """Year per row as float (NaN when missing or not a number)."""
    if "tahun" not in df.columns:
        return np.full(len(df), np.nan)
    vals, _ = _parse_values(df["tahun"])
    return vals


def _factorize_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(position per row (integer array, read only), -1 when missing; distinct codes, stripped) of a code column.

    Stripping the few thousand distinct codes instead of millions of cells keeps
    this near the cost of one factorization.
    """
    idx, raw = _value_codes(s)  # computed once per column and shared with the spending functions
    stripped = np.array([str(x).strip() for x in raw], dtype=object)
    if len(stripped) and (stripped != raw).any():  # " 33.07.01.2001" and "33.07.01.2001" are one code
        re_idx, re_uniq = pd.factorize(stripped)
        idx = np.where(idx >= 0, re_idx[np.maximum(idx, 0)], -1)
        stripped = np.asarray(re_uniq, dtype=object)
    empty = stripped == ""
    if empty.any():  # a blank code is a missing code
        idx = np.where((idx >= 0) & empty[np.maximum(idx, 0)], -1, idx)
    return idx, stripped  # int32 codes of Arrow columns stay int32: half the memory traffic


def _in(values: Iterable[Any], pool: set) -> np.ndarray:
    """Membership of each value in a Python set.

    ``Series.isin`` on Arrow strings converts the *pool* value by value (about
    1 s for the 84,000 official codes); a set lookup per value is far cheaper.
    """
    vals = _objects(values)
    return np.fromiter((v in pool for v in vals), dtype=bool, count=len(vals))


def _objects(values: Iterable[Any]) -> np.ndarray:
    """Values as a numpy object array (Arrow columns converted in one go, not cell by cell)."""
    if isinstance(values, (pd.Series, pd.Index)):
        return values.to_numpy(dtype=object)
    return np.asarray(values, dtype=object)


def _take(df: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """Rows of ``df`` at ``positions``.

    ``iloc`` on a table read from parquet (Arrow columns in many chunks) costs
    tens of milliseconds per column whatever the number of rows; for a few
    rows, reading the cells one by one is much faster.
    """
    if len(positions) > 2000:
        return df.iloc[positions]
    pos = [int(i) for i in positions]
    out = {c: pd.array([df[c].iat[i] for i in pos], dtype=df[c].dtype) for c in df.columns}
    return pd.DataFrame(out, index=df.index[pos] if len(pos) else df.index[:0])


class _Columns:
    """Numeric columns of one table, parsed once and shared by the checks that read them.

    ``parsed`` caches :func:`_parse_numeric` per column and ``valid`` the valid
    counts over all rows; the texts of findings
    (codes, years) are read only for the few rows reported.
    """

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self._parsed: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._valid: dict[str, np.ndarray] = {}

    def parsed(self, col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(values, present, not a number) over all rows of ``df`` (see ``_parse_numeric``)."""
        if col not in self._parsed:
            if col in self.df.columns:
                self._parsed[col] = _parse_numeric(self.df[col])
            else:
                n = len(self.df)
                self._parsed[col] = (np.full(n, np.nan), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))
        return self._parsed[col]

    def valid(self, col: str) -> np.ndarray:
        """Valid counts of ``col`` over all rows: NaN where missing, not a number, negative or fractional."""
        if col not in self._valid:
            vals = self.parsed(col)[0]
            with np.errstate(invalid="ignore"):
                bad = vals < 0
                if not self.whole(col):
                    bad |= vals != np.floor(vals)
                self._valid[col] = np.where(bad, np.nan, vals)
        return self._valid[col]

    def whole(self, col: str) -> bool:
        """Whether every value of ``col`` is a whole number by its dtype (an integer column)."""
        return col in self.df.columns and pd.api.types.is_integer_dtype(self.df[col].dtype)

    def rows_code_year(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(``_codes``, ``_years``) of the rows at ``positions`` (the rows of findings: few)."""
        codes = _codes(_take(self.df[["kode_desa"]], positions))
        if "tahun" not in self.df.columns:
            return codes, np.full(len(positions), np.nan)
        return codes, self.parsed("tahun")[0][positions]


class _Layanan(_Columns):
    """The layanan table prepared once for all checks.

    The *key rows* are the first row of each desa-year: ``pos`` (row position in
    ``df``), ``desa`` (position in ``uniq``, the distinct stripped codes),
    ``year`` (float) and ``kec`` (position in ``kec_uniq``, the distinct
    ``PP.KK.CC`` prefixes), with integer group ids per kecamatan-year
    (``kec_year``) and kabupaten-year (``kab_year``). Everything is kept as
    integer codes; code texts are looked up only for findings.
    """

    def __init__(self, df: pd.DataFrame):
        _require(df, ("kode_desa", "tahun"), "layanan")
        super().__init__(df)
        idx, uniq = _factorize_codes(df["kode_desa"])
        year = self.parsed("tahun")[0]  # what _years(df) returns
        ok = (idx >= 0) & ~np.isnan(year)
        y_code, _ = pd.factorize(year)
        # one integer per desa-year (-1 for rows without code or year, which are never key rows)
        pair = np.where(ok, idx.astype(np.int64) * (int(y_code.max(initial=-1)) + 2) + y_code, -1)
        pos = np.flatnonzero(ok & ~pd.Series(pair).duplicated().to_numpy())
        self.uniq = uniq
        self.pos = pos
        self.desa = idx[pos].astype(np.int64, copy=False)
        self.year = year[pos]
        self.n = len(pos)
        # prefixes of the few thousand distinct codes, not of every row
        self.kec_of_uniq, self.kec_uniq = self._prefix_codes(uniq, 8)
        self.kec = self.kec_of_uniq[self.desa]
        self.kec_year, self.n_kec_year = self._groups(self.kec, self.year)
        self.kab_year, self.n_kab_year = self._groups(self._prefix_codes(uniq, 5)[0][self.desa], self.year)
        self.cache: dict[Any, Any] = {}  # derived tables, valid while this view lives (one run)

    @staticmethod
    def _prefix_codes(uniq: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
        codes, distinct = pd.factorize(np.array([c[:width] for c in uniq], dtype=object))
        return codes.astype(np.int64), np.asarray(distinct, dtype=object)

    @staticmethod
    def _groups(codes: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, int]:
        # Ids in order of first appearance of each (code, year) pair: the numbering does not depend
        # on how the codes themselves are numbered (the outlier medians depend on the numbering).
        if len(codes) == 0:
            return np.array([], dtype=np.int64), 0
        y, yu = pd.factorize(years)
        g, gu = pd.factorize(codes * max(len(yu), 1) + y)
        return g.astype(np.int64), len(gu)

    @property
    def codes(self) -> np.ndarray:
        """``kode_desa`` per key row (object array)."""
        if "codes" not in self.cache:
            self.cache["codes"] = self.uniq[self.desa] if len(self.uniq) else np.array([], dtype=object)
        return self.cache["codes"]

    def counts(self, col: str) -> np.ndarray:
        """Valid counts of ``col`` per *key* row: NaN where missing, not a number, negative or fractional."""
        key = ("counts", col)
        if key not in self.cache:
            self.cache[key] = self.valid(col)[self.pos]
        return self.cache[key]

    def present(self, col: str) -> np.ndarray:
        """Whether the cell of ``col`` is filled (any content), per key row."""
        return self.parsed(col)[1][self.pos]


def _layanan_view(layanan: "pd.DataFrame | _Layanan") -> _Layanan:
    return layanan if isinstance(layanan, _Layanan) else _Layanan(layanan)


# --------------------------------------------------------------------------- values: counts and amounts


def check_counts(
    layanan: pd.DataFrame,
    columns: Iterable[str] | None = None,
    *,
    wilayah: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts that are not numbers, not whole numbers (``bukan_angka``) or negative (``nilai_negatif``).

    ``columns`` defaults to every count column of the ``layanan`` contract that
    is present. Works on typed tables and on raw object columns from imports.

    >>> raw = pd.DataFrame({"kode_desa": ["11.01.01.2001"] * 3, "tahun": [2022, 2023, 2024],
    ...                     "balita_diukur": ["40", "empat", "-3"]})
    >>> check_counts(raw)[["tahun", "aturan", "nilai"]].values.tolist()
    [[2023, 'bukan_angka', 'empat'], [2024, 'nilai_negatif', '-3']]
    """
    _require(layanan, ("kode_desa",), "layanan")
    cols = list(columns) if columns is not None else [c for c in _COUNT_COLUMNS if c in layanan.columns]
    return _check_counts(_Columns(layanan), cols, _names(wilayah))


def _check_counts(source: _Columns, cols: list[str], names: _Names) -> pd.DataFrame:
    rows: list[tuple] = []
    for col in cols:
        if col not in source.df.columns:
            continue
        vals, present, nonnum = source.parsed(col)
        with np.errstate(invalid="ignore"):
            if source.whole(col):  # typed store column: only the sign can be wrong
                fractional = np.zeros(len(vals), dtype=bool)
                negative = vals < 0
            else:
                fractional = present & ~nonnum & (vals != np.floor(vals))
                negative = present & ~nonnum & (vals < 0)
        bad = np.flatnonzero(nonnum | fractional | negative)
        if bad.size == 0:
            continue
        codes, years = source.rows_code_year(bad)
        raw = _take(source.df[[col]], bad)[col].to_numpy(dtype=object)
        for j, i in enumerate(bad):
            who = f"{names.desa(codes[j])}, {_year_text(years[j])}"
            if negative[i]:
                rows.append((codes[j], years[j], "layanan", col, _plain(vals[i]), "nilai_negatif", "galat",
                             f"{who}: {col} bernilai negatif ({_num(vals[i])}); jumlah tidak boleh kurang dari 0."))
            elif fractional[i]:
                rows.append((codes[j], years[j], "layanan", col, _plain(vals[i]), "bukan_angka", "galat",
                             f"{who}: {col} = {_num(vals[i], 2)} bukan bilangan bulat; isian jumlah harus bilangan bulat."))
            else:
                text = str(raw[j]).strip()
                rows.append((codes[j], years[j], "layanan", col, text, "bukan_angka", "galat",
                             f"{who}: {col} berisi '{text}', bukan angka; nilai ini dianggap tidak dilaporkan."))
    return _findings(rows)


def check_amounts(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rupiah amounts of APBDes lines (``anggaran``, ``realisasi``) that are not numbers or are negative."""
    _require(apbdes, ("kode_desa",), "apbdes")
    parsed = {c: _parse_values(apbdes[c]) for c in ("anggaran", "realisasi") if c in apbdes.columns}
    return _check_amounts(apbdes, parsed, _names(wilayah))


def _check_amounts(apbdes: pd.DataFrame, parsed: Mapping[str, Any], names: _Names) -> pd.DataFrame:
    """:func:`check_amounts` from parsed amount columns (:func:`_parse_values`; ``None``/absent: no column)."""
    rows: list[tuple] = []
    for col in ("anggaran", "realisasi"):
        if parsed.get(col) is None:
            continue
        vals, nonnum = parsed[col]
        with np.errstate(invalid="ignore"):
            negative = vals < 0  # a value below 0 is present and a number (others are NaN)
        bad = np.flatnonzero(nonnum | negative)
        if bad.size == 0:
            continue
        sub = _take(apbdes, bad)
        codes, years = _codes(sub), _years(sub)
        rek = _text_column(sub, "kode_rekening")
        raw = sub[col].to_numpy(dtype=object)
        for j, i in enumerate(bad):
            who = f"{names.desa(codes[j])}, {_year_text(years[j])}"
            where = f" pada rekening {rek[j]}" if rek[j] else ""
            if negative[i]:
                rows.append((codes[j], years[j], "apbdes", col, _plain(vals[i]), "nilai_negatif", "galat",
                             f"{who}: {col} bernilai negatif ({_rp(vals[i])}){where}."))
            else:
                text = str(raw[j]).strip()
                rows.append((codes[j], years[j], "apbdes", col, text, "bukan_angka", "galat",
                             f"{who}: {col} berisi '{text}'{where}, bukan angka rupiah."))
    return _findings(rows)


def _text_column(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        return np.array([""] * len(df), dtype=object)
    return df[col].astype("string").fillna("").to_numpy(dtype=object)


# --------------------------------------------------------------------------- indicators


def check_numerator_exceeds(
    layanan: pd.DataFrame,
    catalogue: Any = None,
    *,
    wilayah: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rows where an indicator's numerator exceeds its denominator (``pembilang_melebihi_penyebut``, galat).

    ``catalogue`` is the indicator catalogue (``indicators.load_catalogue()``,
    its ``.frame``, or any frame with ``id, sektor, pembilang, penyebut``).
    One finding per desa, year and indicator; ``kolom`` is the numerator.
    """
    _require(layanan, ("kode_desa",), "layanan")
    return _check_numerator_exceeds(_Columns(layanan), _catalogue_frame(catalogue), _names(wilayah))


def _check_numerator_exceeds(source: _Columns, cat: pd.DataFrame, names: _Names) -> pd.DataFrame:
    rows: list[tuple] = []
    for ind, num_col, den_col in zip(cat["id"], cat["pembilang"], cat["penyebut"]):
        num, den = source.valid(num_col), source.valid(den_col)
        with np.errstate(invalid="ignore"):
            idx = np.flatnonzero(num > den)
        if idx.size == 0:
            continue
        codes, years = source.rows_code_year(idx)
        for j, i in enumerate(idx):
            rows.append((codes[j], years[j], "layanan", num_col, _plain(num[i]), "pembilang_melebihi_penyebut", "galat",
                         f"{names.desa(codes[j])}, {_year_text(years[j])}: {num_col} ({_num(num[i])}) lebih besar "
                         f"dari {den_col} ({_num(den[i])}) (indikator {ind})."))
    return _findings(rows)


def _value_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a column: a code per row (−1 = missing) and the distinct values."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


# --------------------------------------------------------------------------- duplicates


def _float_bits(a: np.ndarray) -> np.ndarray:
    """Bit patterns of floats (new array) that are equal for equal values, for hashing.

    Every NaN becomes -inf (sharing its pattern with a real -inf only makes a
    candidate more, which the full comparison then rejects) and -0.0 becomes 0.0.
    """
    out = np.fmax(a, -np.inf)
    out += 0.0
    return out.view(np.uint64)


def _repeated(h: np.ndarray) -> np.ndarray:
    """Mask of the entries of ``h`` (uint64) that occur more than once.

    Sorting is several times faster than a hash table for millions of mostly
    distinct values; the few repeated values are then looked up with ``isin``.
    """
    s = np.sort(h)
    rep = s[1:][s[1:] == s[:-1]]
    if rep.size == 0:
        return np.zeros(len(h), dtype=bool)
    return pd.Series(h).isin(np.unique(rep)).to_numpy()


#: Lines per block of the hashing loops: the temporaries of one block stay in the processor cache,
#: so that the several passes of a hash cost about one pass over memory.
_BLOCK = 1 << 16


def _blocks(n: int) -> Iterable[slice]:
    return (slice(lo, min(lo + _BLOCK, n)) for lo in range(0, n, _BLOCK))


def _apbdes_candidates(view: "_Apbdes") -> np.ndarray:
    """Lines that may have an identical twin: same desa-year, account and amounts (hash of numbers only)."""
    n_rek = int(view.rek_idx.max()) + 2 if len(view.rek_idx) else 1
    h = np.empty(len(view.group), dtype=np.uint64)
    for b in _blocks(len(h)):
        key = view.group[b] + 1  # lines without code or year share bin 0
        key *= n_rek
        key += view.rek_idx[b]
        key += 1
        hb = key.view(np.uint64)
        hb *= np.uint64(0x9E3779B97F4A7C15)
        for amounts, mult in ((view.anggaran, 0xBF58476D1CE4E5B9), (view.realisasi, 0x94D049BB133111EB)):
            bits = _float_bits(amounts[b])
            bits *= np.uint64(mult)
            hb ^= bits
        h[b] = hb
    return np.flatnonzero(_repeated(h))


def _cheap_candidates(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Rows that may have an identical twin, judged on a few cheap columns (codes factorized, numbers as bits)."""
    inputs = []  # (is a number column, values or codes)
    for col in (c for c in columns if c in df.columns):
        s = df[col]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            inputs.append((True, s.to_numpy(dtype="float64", na_value=np.nan)))
        else:
            inputs.append((False, _value_codes(s)[0]))
    h = np.empty(len(df), dtype=np.uint64)
    for b in _blocks(len(h)):
        hb = np.full(b.stop - b.start, 0x9E3779B97F4A7C15, dtype=np.uint64)
        for is_number, values in inputs:
            hb ^= _float_bits(values[b]) if is_number else values[b].astype(np.int64).view(np.uint64)
            hb *= np.uint64(0xBF58476D1CE4E5B9)
            hb ^= hb >> np.uint64(31)
        h[b] = hb
    return np.flatnonzero(_repeated(h))


def _identical_rows(df: pd.DataFrame, candidates: np.ndarray | None = None) -> np.ndarray:
    """Positions of rows that have an identical twin in ``df`` (all columns).

    ``candidates`` (positions found from numbers only) restricts the full
    comparison: comparing millions of text cells would dominate the run time.
    """
    if len(df) < 2:
        return np.array([], dtype=np.int64)
    if candidates is None:
        return np.flatnonzero(df.duplicated(keep=False).to_numpy())
    if candidates.size == 0:
        return candidates
    return candidates[_take(df, candidates).duplicated(keep=False).to_numpy()]


def check_duplicates(tables: Any, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Duplicated rows (``baris_ganda``, galat).

    - ``layanan`` and ``status_desa``: the same ``kode_desa`` + ``tahun`` more than
      once (one finding per desa-year; ``nilai`` = number of rows, the message
      names the columns whose values differ);
    - ``apbdes`` and ``usulan``: identical lines (one finding per desa-year;
      ``nilai`` = number of surplus lines).

    ``tables`` is a Dataset or a mapping of table name → DataFrame.
    """
    t = _as_tables(tables)
    return _check_duplicates(t, wilayah if wilayah is not None else t.get("wilayah"))


def _check_duplicates(t: dict[str, pd.DataFrame], wilayah: pd.DataFrame | None,
                      apbdes_view: "_Apbdes | None" = None) -> pd.DataFrame:
    names = _names(wilayah)
    rows: list[tuple] = []
    for table in ("layanan", "status_desa"):
        df = t.get(table)
        if df is None or len(df) < 2 or "tahun" not in df.columns:
            continue
        dup = df.duplicated(["kode_desa", "tahun"], keep=False).to_numpy()
        if not dup.any():
            continue
        sub = df.loc[dup]
        # columns whose values differ inside each group and group sizes, in one groupby for all groups
        by = sub.groupby(["kode_desa", "tahun"], sort=True, dropna=False)
        nunique = by.nunique(dropna=False)
        columns = list(nunique.columns)
        for (code, year), size, counts in zip(nunique.index, by.size().to_numpy(), nunique.to_numpy()):
            differ = [c for c, k in zip(columns, counts) if k > 1]
            diff_text = (f"nilai berbeda pada: {', '.join(differ[:6])}{' …' if len(differ) > 6 else ''}"
                         if differ else "isinya identik")
            rows.append((code, year, table, "kode_desa", str(size), "baris_ganda", "galat",
                         f"{names.desa(code)}, {_year_text(year)}: tercatat {size} kali di tabel {table} "
                         f"(kode desa + tahun harus unik; {diff_text}). Sisakan satu baris yang benar."))
    for table in ("apbdes", "usulan"):
        df = t.get(table)
        if df is None or len(df) < 2:
            continue
        candidates = None
        if table == "apbdes" and {"tahun", "kode_rekening", "anggaran"} <= set(df.columns):
            candidates = _apbdes_candidates(apbdes_view if apbdes_view is not None else _prepare_apbdes(df))
        elif len(df) > 10_000:
            candidates = _cheap_candidates(df, ["kode_desa", "tahun", "perkiraan_biaya", "anggaran_disetujui"])
        pos = _identical_rows(df, candidates)
        if pos.size == 0:
            continue
        sub = _take(df, pos)
        key = ["kode_desa", "tahun"] if "tahun" in sub.columns else ["kode_desa"]
        for k, grp in sub.groupby(key, sort=True, dropna=False):
            code, year = (k[0], k[1] if len(key) == 2 else None)
            surplus = len(grp) - len(grp.drop_duplicates())
            label_col = "uraian" if "uraian" in grp.columns else None
            examples = []
            if label_col:
                examples = [str(u) for u in grp[label_col].drop_duplicates().head(3) if u is not None and u is not pd.NA]
            ex = f" (mis. {'; '.join(repr(e) for e in examples)})" if examples else ""
            what = "baris APBDes" if table == "apbdes" else "usulan"
            rows.append((code, year, table, "(seluruh kolom)", str(surplus), "baris_ganda", "galat",
                         f"{names.desa(code)}, {_year_text(year)}: {surplus} {what} tercatat ganda dengan isi identik{ex}; "
                         f"jumlahnya terhitung dua kali."))
    return _findings(rows)


# --------------------------------------------------------------------------- region codes


class _Official:
    """Official codes (sorted) with names, for membership and cheap suggestions."""

    def __init__(self, official_codes: Iterable[str] | None):
        if official_codes is None:
            from .wilayah import wilayah_table

            table = wilayah_table()
            self.codes = table["kode_desa"].to_numpy(dtype=object)
            self._table: pd.DataFrame | None = table
        else:
            if isinstance(official_codes, pd.DataFrame):
                official_codes = official_codes["kode_desa"]
            self.codes = np.asarray(sorted({str(c).strip() for c in official_codes if c is not None and c is not pd.NA}),
                                    dtype=object)
            self._table = None
        self._names: dict[str, str] | None = None
        self.sorted = sorted(self.codes.tolist())
        self.set = set(self.sorted)

    def suggest(self, code: str | None) -> str:
        if code is None or code == "":
            return "Isi kode desa Kemendagri (PP.KK.CC.DDDD)."
        digits = re.sub(r"\D", "", code)
        if len(digits) == 10:
            dotted = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
            if dotted != code and dotted in self.set:
                return f"Mungkin maksudnya {self._label(dotted)}; tulis kode dengan titik: PP.KK.CC.DDDD."
        if not _DESA_RE.match(code):
            return "Format kode harus PP.KK.CC.DDDD, mis. 11.01.01.2001."
        kec = code[:8]
        lo = bisect_left(self.sorted, kec + ".")
        hi = bisect_left(self.sorted, kec + "/")
        if lo == hi:
            return f"Kecamatan {kec} juga tidak ada dalam daftar resmi; periksa kode kabupaten/kecamatan."
        target = int(code[9:])
        nearest = min(self.sorted[lo:hi], key=lambda c: (abs(int(c[9:]) - target), c))
        return (f"Kode resmi terdekat di kecamatan yang sama: {self._label(nearest)}. Desa bisa saja baru "
                "dimekarkan atau berganti kode; sesuaikan dengan Kepmendagri 300.2.2-2138/2025.")

    def _label(self, code: str) -> str:
        if self._names is None:  # only built when a suggestion is written
            t = self._table
            self._names = {} if t is None else dict(zip(self.codes, t["nama_desa"].to_numpy(dtype=object)))
        name = self._names.get(code)
        return f"{code} ({name})" if name else code


@lru_cache(maxsize=1)
def _default_official() -> _Official:
    return _Official(None)


def check_official_codes(
    tables: Any,
    official_codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Codes that are not in the official region list (``kode_tidak_resmi``, galat).

    ``official_codes`` defaults to the national list (Kepmendagri
    300.2.2-2138/2025, via :mod:`p3pd_lib.wilayah`). One finding per table,
    code and year; ``nilai`` is the code. The message suggests the dotted form
    of an undotted code, else the nearest official code of the same kecamatan.
    Rows with such codes stay in the data: this is a finding, never an error.
    """
    return _check_official_codes(_as_tables(tables), official_codes)


def _check_official_codes(t: dict[str, pd.DataFrame], official_codes: Iterable[str] | None,
                          apbdes_view: "_Apbdes | None" = None) -> pd.DataFrame:
    off: _Official | None = None
    rows: list[tuple] = []
    for table in ("wilayah", "layanan", "apbdes", "status_desa", "usulan"):
        df = t.get(table)
        if df is None or len(df) == 0:
            continue
        if table == "apbdes" and apbdes_view is not None:
            idx, uniq_s = apbdes_view.desa_idx, apbdes_view.desa_uniq
        else:
            idx, uniq_s = _factorize_codes(df["kode_desa"])
        if off is None:
            off = _default_official() if official_codes is None else _Official(official_codes)
        # membership of the (few thousand) distinct codes, not of every row
        bad_u = np.fromiter((c not in off.set for c in uniq_s), dtype=bool, count=len(uniq_s))
        has_na = (idx < 0).any()
        if not bad_u.any() and not has_na:
            continue
        # one lookup per row in a table over the distinct codes; the last entry answers idx -1 (no code)
        mask = np.append(bad_u, True)[idx]
        if table == "apbdes" and apbdes_view is not None:
            years = apbdes_view.year[mask]
        else:
            years = _parse_numeric(df["tahun"][mask])[0] if "tahun" in df.columns else np.full(int(mask.sum()), np.nan)
        sub = pd.DataFrame({"kode": np.append(uniq_s, None)[idx[mask]], "tahun": years})  # idx -1 → None
        counts = sub.groupby(["kode", "tahun"], dropna=False, sort=True).size()
        for (code, year), n in counts.items():
            code = None if code is None or (isinstance(code, float) and np.isnan(code)) else code
            year = None if year is None or (isinstance(year, float) and np.isnan(year)) else year
            label = f"Kode {code}" if code else "Baris tanpa kode desa"
            when = f", {_year_text(year)}" if year is not None else ""
            where = f"{n} baris di tabel {table}" if table != "wilayah" else "tabel wilayah"
            rows.append((code, year, table, "kode_desa", code or "", "kode_tidak_resmi", "galat",
                         f"{label}{when} ({where}): tidak ada dalam daftar wilayah resmi; baris ini tidak dapat "
                         f"dikaitkan dengan desa mana pun. {off.suggest(code)}"))
    return _findings(rows)


# --------------------------------------------------------------------------- APBDes


@dataclass(frozen=True)
class _Apbdes:
    """APBDes columns prepared once for all budget checks (arrays per line, no copies of the table).

    Desa-year groups are dense: ``group = desa position × n_years + year offset``,
    so sums per group are one ``bincount`` (groups without lines just stay 0).
    """

    df: pd.DataFrame
    desa_idx: np.ndarray  # position of kode_desa in desa_uniq (-1 = missing)
    desa_uniq: np.ndarray  # distinct codes, stripped
    year: np.ndarray  # float, NaN missing
    rek_idx: np.ndarray  # factorized kode_rekening (-1 = missing)
    line_class: np.ndarray  # index into _LINE_CLASSES
    anggaran: np.ndarray
    realisasi: np.ndarray
    group: np.ndarray  # desa-year group id (-1 = missing code or year)
    group_desa: np.ndarray  # per group: position in desa_uniq
    group_year: np.ndarray  # per group: year
    parsed: dict = field(default_factory=dict, compare=False, repr=False)  # amount column → _parse_values
    cache: dict = field(default_factory=dict, compare=False, repr=False)


def _class_sums(view: _Apbdes, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sums, line counts) per line class (rows) and desa-year group (columns); NaN adds nothing."""
    n = len(view.group_desa)
    if "class_idx" not in view.cache:
        idx = np.multiply(view.line_class, n + 1, dtype=np.int64)
        if len(view.group) and view.group.min() < 0:
            idx += np.where(view.group >= 0, view.group, n)  # one spare bin for lines without code or year
        else:
            idx += view.group
        view.cache["class_idx"] = idx
    idx = view.cache["class_idx"]
    size = len(_LINE_CLASSES) * (n + 1)
    weights = values
    if not np.isfinite(np.sum(values)):  # some NaN (or ±inf, or a huge total): as nan_to_num
        weights = np.where(np.isnan(values), 0.0, values)
        if np.isinf(weights).any():  # rare: keep nan_to_num's finite stand-ins for ±inf
            weights = np.nan_to_num(values)
    sums = np.bincount(idx, weights=weights, minlength=size).reshape(len(_LINE_CLASSES), n + 1)
    if "class_counts" not in view.cache:
        view.cache["class_counts"] = np.bincount(idx, minlength=size).reshape(len(_LINE_CLASSES), n + 1)[:, :n]
    return sums[:, :n], view.cache["class_counts"]


def _budget_sums(view: _Apbdes) -> tuple[np.ndarray, np.ndarray]:
    if "budget" not in view.cache:
        view.cache["budget"] = _class_sums(view, view.anggaran)
    return view.cache["budget"]


def _classify_rekening(codes: np.ndarray) -> np.ndarray:
    out = np.full(len(codes), _LINE_CLASSES.index("lainnya"), dtype=np.int8)
    for i, c in enumerate(codes):
        c = str(c).strip()
        if c.startswith("4"):
            out[i] = 0
        elif c.startswith("5"):
            out[i] = 1
        elif c.startswith("6.1"):
            out[i] = 2
        elif c.startswith("6.2"):
            out[i] = 3
    return out


def _prepare_apbdes(apbdes: "pd.DataFrame | _Apbdes") -> _Apbdes:
    if isinstance(apbdes, _Apbdes):
        return apbdes
    _require(apbdes, ("kode_desa", "tahun", "kode_rekening", "anggaran"), "apbdes")
    desa_idx, desa_uniq = _factorize_codes(apbdes["kode_desa"])
    year = _years(apbdes)
    rek_idx, rek_uniq = _value_codes(apbdes["kode_rekening"])
    cls_u = np.append(_classify_rekening(np.asarray(rek_uniq, dtype=object)), np.int8(4))  # [-1] → lainnya
    line_class = cls_u[rek_idx]
    ok = desa_idx >= 0
    ok &= ~np.isnan(year)
    has = bool(ok.any())
    y_min = int(np.fmin.reduce(year, where=ok, initial=np.inf)) if has else 0
    span = int(np.fmax.reduce(year, where=ok, initial=-np.inf)) - y_min + 1 if has else 1
    group = np.multiply(desa_idx, span, dtype=np.int64)
    with np.errstate(invalid="ignore"):  # rows without a year get a meaningless offset, replaced below
        if pd.api.types.is_integer_dtype(apbdes["tahun"].dtype):  # whole years: add the offsets directly
            np.add(group, year - y_min, out=group, casting="unsafe")
        else:
            group += np.nan_to_num(year - y_min).astype(np.int64)
    group[~ok] = -1
    n_groups = len(desa_uniq) * span
    amounts = {c: _parse_values(apbdes[c]) if c in apbdes.columns else None for c in ("anggaran", "realisasi")}
    return _Apbdes(
        df=apbdes,
        desa_idx=desa_idx,
        desa_uniq=desa_uniq,
        year=year,
        rek_idx=rek_idx,
        line_class=line_class,
        anggaran=_valid_parsed_amounts(amounts["anggaran"], len(apbdes)),
        realisasi=_valid_parsed_amounts(amounts["realisasi"], len(apbdes)),
        group=group,
        group_desa=np.arange(n_groups, dtype=np.int64) // span,
        group_year=np.arange(n_groups, dtype=np.int64) % span + y_min,
        parsed=amounts,
    )


def _valid_parsed_amounts(parsed: tuple[np.ndarray, np.ndarray] | None, n: int) -> np.ndarray:
    """:func:`_valid_amounts` from an already parsed column (``None``: column absent)."""
    if parsed is None:
        return np.full(n, np.nan)
    vals = parsed[0]
    negative = vals < 0
    # a new array only when something changes: the parsed values are shared with check_amounts and
    # never written to
    return np.where(negative, np.nan, vals) if negative.any() else vals


def _kelurahan_codes(codes: np.ndarray, wilayah: "pd.DataFrame | _Names | None") -> np.ndarray:
    """Boolean per code: a kelurahan (by the 4-digit segment, or by ``jenis`` in ``wilayah``)."""
    wilayah = _table(wilayah)
    by_code = np.fromiter((_is_kelurahan_code(c) for c in codes), dtype=bool, count=len(codes))
    if wilayah is not None and len(wilayah) and {"kode_desa", "jenis"} <= set(wilayah.columns):
        is_kel = (wilayah["jenis"].astype("string") == "kelurahan").to_numpy(dtype=bool, na_value=False)
        kel = set(_objects(wilayah["kode_desa"])[is_kel])
        by_code |= np.array([c in kel for c in codes], dtype=bool)
    return by_code


def check_kelurahan_apbdes(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """APBDes lines of a kelurahan (``kelurahan_ber_apbdes``, galat): only desa have an APBDes.

    A kelurahan is recognised by its code (last segment starting with 1,
    DOMAIN §2) or by ``jenis`` in ``wilayah``. One finding per kelurahan and
    year; ``nilai`` = number of lines.
    """
    return _check_kelurahan(_prepare_apbdes(apbdes), wilayah)


def _view_kelurahan(view: _Apbdes, wilayah: "pd.DataFrame | _Names | None") -> np.ndarray:
    key = ("kelurahan", id(_table(wilayah)))
    if key not in view.cache:
        view.cache[key] = _kelurahan_codes(view.desa_uniq, wilayah)
    return view.cache[key]


def _check_kelurahan(view: _Apbdes, wilayah: pd.DataFrame | None) -> pd.DataFrame:
    kel_u = _view_kelurahan(view, wilayah)
    if not kel_u.any():
        return empty_findings()
    kel_g = kel_u[view.group_desa]
    sums, counts = _budget_sums(view)
    lines, total = counts.sum(axis=0), sums.sum(axis=0)
    names = _names(wilayah)
    rows = []
    for g in np.flatnonzero(kel_g & (lines > 0)):
        code, year = view.desa_uniq[view.group_desa[g]], int(view.group_year[g])
        rows.append((code, year, "apbdes", "kode_desa", str(int(lines[g])), "kelurahan_ber_apbdes", "galat",
                     f"{names.desa(code)}, {year}: ada {int(lines[g])} baris APBDes (anggaran {_rp(total[g])}), padahal "
                     "kelurahan tidak memiliki APBDes maupun Dana Desa; baris ini tidak dipakai dalam indikator belanja."))
    return _findings(rows)


def _tolerance(params: QualityParams, reference: np.ndarray) -> np.ndarray:
    return np.maximum(params.anggaran_toleransi_rupiah, params.anggaran_toleransi_relatif * np.abs(reference))


def check_realisation(
    apbdes: pd.DataFrame,
    *,
    wilayah: pd.DataFrame | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Spending lines whose realisation exceeds the budget (``realisasi_melebihi_anggaran``, galat).

    Only spending (``5.*``) and financing outlays (``6.2.*``) are checked:
    revenue above its estimate is normal. Amounts within the tolerance of
    ``kualitas.yaml`` (rounding) are ignored. One finding per line.
    """
    return _check_realisation(_prepare_apbdes(apbdes), wilayah, _params(params))


def _check_realisation(view: _Apbdes, wilayah: pd.DataFrame | None, params: QualityParams) -> pd.DataFrame:
    with np.errstate(invalid="ignore"):
        idx = np.flatnonzero(view.realisasi - view.anggaran > params.anggaran_toleransi_rupiah)
    spend = (view.line_class[idx] == 1) | (view.line_class[idx] == 3)
    over = (view.realisasi[idx] - view.anggaran[idx]) > _tolerance(params, view.anggaran[idx])
    idx = idx[spend & over]
    if idx.size == 0:
        return empty_findings()
    sub = _take(view.df, idx)
    rek, ura, keg = (_text_column(sub, c) for c in ("kode_rekening", "uraian", "kode_kegiatan"))
    names = _names(wilayah)
    rows = []
    for j, i in enumerate(idx):
        code = view.desa_uniq[view.desa_idx[i]] if view.desa_idx[i] >= 0 else None
        what = f"rekening {rek[j]}" + (f" '{ura[j]}'" if ura[j] else "") + (f" (kegiatan {keg[j]})" if keg[j] else "")
        rows.append((code, view.year[i], "apbdes", "realisasi", _plain(view.realisasi[i]), "realisasi_melebihi_anggaran",
                     "galat", f"{names.desa(code)}, {_year_text(view.year[i])}: realisasi {_rp(view.realisasi[i])} "
                     f"melebihi anggaran {_rp(view.anggaran[i])} pada {what}."))
    return _findings(rows)


#: Kinds of declared totals accepted by :func:`check_budget_totals`.
TOTAL_KINDS: tuple[str, ...] = ("pendapatan", "belanja", "penerimaan_pembiayaan", "pengeluaran_pembiayaan")


def check_budget_totals(
    apbdes: pd.DataFrame,
    totals: pd.DataFrame,
    *,
    wilayah: pd.DataFrame | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Declared totals that differ from the sum of the lines (``total_tidak_sesuai``, galat).

    ``totals`` has one row per declared total: ``kode_desa, tahun, jenis, total``
    (``jenis`` one of :data:`TOTAL_KINDS`) and optionally ``kolom`` =
    ``anggaran`` (default) or ``realisasi``. Typical source: the summary page
    of a Perdes APBDes or a Siskeudes report, compared with its detail lines.
    Differences within the tolerance of ``kualitas.yaml`` are ignored.

    >>> lines = pd.DataFrame({"kode_desa": ["11.01.01.2001"] * 2, "tahun": [2024, 2024],
    ...                       "kode_rekening": ["5.1.1.01", "5.2.1.01"], "anggaran": [100e6, 50e6]})
    >>> tot = pd.DataFrame({"kode_desa": ["11.01.01.2001"], "tahun": [2024], "jenis": ["belanja"],
    ...                     "total": [160e6]})
    >>> check_budget_totals(lines, tot, params=QualityParams())["nilai"].tolist()
    ['160000000']
    """
    _require(totals, ("kode_desa", "tahun", "jenis", "total"), "total anggaran")
    p = _params(params)
    jenis = totals["jenis"].astype("string").str.strip().str.lower()
    bad = sorted(set(jenis.dropna()) - set(TOTAL_KINDS))
    if bad:
        raise ParameterError(f"Jenis total tidak dikenal: {', '.join(bad)}. Pilihan: {', '.join(TOTAL_KINDS)}.")
    kolom = (totals["kolom"].astype("string").fillna("anggaran").str.strip().str.lower()
             if "kolom" in totals.columns else pd.Series(["anggaran"] * len(totals), index=totals.index))
    if not kolom.isin(["anggaran", "realisasi"]).all():
        raise ParameterError("Isian 'kolom' pada total anggaran harus 'anggaran' atau 'realisasi'.")
    view = _prepare_apbdes(apbdes)
    sums: dict[tuple[str, str], dict[tuple[str, int], float]] = {}
    keys = list(zip(view.desa_uniq[view.group_desa] if len(view.group_desa) else [], view.group_year.tolist()))
    for col, vals in (("anggaran", view.anggaran), ("realisasi", view.realisasi)):
        by_class, _ = _class_sums(view, vals)
        for k, kind in enumerate(TOTAL_KINDS):
            sums[(kind, col)] = dict(zip(keys, by_class[k]))
    declared = _valid_amounts(totals, "total")
    t_codes, t_years = _codes(totals), _years(totals)
    names = _names(wilayah)
    rows = []
    for i in range(len(totals)):
        if np.isnan(declared[i]) or np.isnan(t_years[i]) or t_codes[i] is None:
            continue
        kind, col = jenis.iloc[i], kolom.iloc[i]
        summed = sums[(kind, col)].get((t_codes[i], int(t_years[i])), 0.0)
        if abs(declared[i] - summed) > _tolerance(p, np.array([declared[i]]))[0]:
            rows.append((t_codes[i], t_years[i], "apbdes", col, _plain(declared[i]), "total_tidak_sesuai", "galat",
                         f"{names.desa(t_codes[i])}, {int(t_years[i])}: total {kind.replace('_', ' ')} ({col}) tertulis "
                         f"{_rp(declared[i])}, sedangkan jumlah rinciannya {_rp(summed)} "
                         f"(selisih {_rp(declared[i] - summed)})."))
    return _findings(rows)


def check_apbdes_identity(
    apbdes: pd.DataFrame,
    *,
    wilayah: pd.DataFrame | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Unbalanced budgets (``identitas_apbdes``) and one-sided budgets (``apbdes_tidak_lengkap``), peringatan.

    The identity of DOMAIN §3 is Pendapatan − Belanja + Pembiayaan netto =
    SiLPA, where Pembiayaan netto = penerimaan (6.1) − pengeluaran (6.2).
    *Interpretation for the budget (``anggaran``):* an APBDes is adopted
    balanced — a planned deficit is covered by financing receipts (usually the
    previous year's SiLPA, 6.1.1) and a planned surplus goes to financing
    outlays — so the SiLPA *of the budget year* is 0 and the check is
    ``|P − B + (6.1 − 6.2)| ≤ tolerance``. The realised SiLPA is legitimately
    non-zero (it is carried to the next year) and is not checked here.

    Desa-years with spending lines but no revenue lines (or the reverse) are
    reported as ``apbdes_tidak_lengkap`` instead; kelurahan are skipped
    (already ``kelurahan_ber_apbdes``).
    """
    return _check_identity(_prepare_apbdes(apbdes), wilayah, _params(params))


def _check_identity(view: _Apbdes, wilayah: pd.DataFrame | None, params: QualityParams) -> pd.DataFrame:
    if len(view.group_desa) == 0:
        return empty_findings()
    sums, counts = _budget_sums(view)
    p, b, fin, fout = sums[:4]
    balance = p - b + fin - fout
    kel = _view_kelurahan(view, wilayah)[view.group_desa]
    has_p, has_b = counts[0] > 0, counts[1] > 0
    one_sided = ~kel & (has_p ^ has_b)
    unbalanced = ~kel & has_p & has_b & (np.abs(balance) > _tolerance(params, np.maximum(p, b)))
    names = _names(wilayah)
    rows = []
    for g in np.flatnonzero(one_sided | unbalanced):
        code, year = view.desa_uniq[view.group_desa[g]], int(view.group_year[g])
        who = f"{names.desa(code)}, {year}"
        if one_sided[g]:
            missing = "pendapatan (4.x)" if not has_p[g] else "belanja (5.x)"
            rows.append((code, year, "apbdes", "kode_rekening", "", "apbdes_tidak_lengkap", "peringatan",
                         f"{who}: APBDes tidak memiliki baris {missing}; identitas anggaran tidak dapat diperiksa."))
        else:
            netto = fin[g] - fout[g]
            rows.append((code, year, "apbdes", "anggaran", _plain(round(balance[g])), "identitas_apbdes", "peringatan",
                         f"{who}: APBDes tidak seimbang: pendapatan {_rp(p[g])} − belanja {_rp(b[g])} + pembiayaan "
                         f"netto {_rp(netto)} = {_rp(balance[g])}; pada anggaran seharusnya 0 (defisit ditutup "
                         "penerimaan pembiayaan, surplus dialokasikan ke pengeluaran pembiayaan). Periksa baris "
                         "yang hilang, mis. SiLPA (6.1.1)."))
    return _findings(rows)


# --------------------------------------------------------------------------- completeness


@dataclass(frozen=True)
class _Expected:
    """The desa expected to report (see :func:`check_completeness`), as integer codes of a :class:`_Layanan`.

    Each member is expected in every year its kecamatan reports.
    """

    codes: np.ndarray  # member codes (object): layanan desa first, then desa found only in the region table
    kec: np.ndarray  # per member: position in view.kec_uniq
    uniq_pos: np.ndarray  # per member: position in view.uniq (-1 = no layanan row at all)
    uniq_member: np.ndarray  # per view.uniq entry: whether it is a member


def _expected(view: _Layanan, wilayah: "pd.DataFrame | _Names | None") -> _Expected:
    """The expected desa: those (not kelurahan) of ``wilayah`` in a kecamatan that reports plus every code seen in layanan.

    A layanan code missing from ``wilayah`` is not expected (it is kode_tidak_resmi's business).
    """
    wilayah = _table(wilayah)
    cache_key = ("expected", id(wilayah))
    if cache_key not in view.cache:
        view.cache[cache_key] = _expected_uncached(view, wilayah)
    return view.cache[cache_key]


def _expected_uncached(view: _Layanan, wilayah: pd.DataFrame | None) -> _Expected:
    # layanan desa in order of their first key row, under the kecamatan of their own code
    pos = pd.unique(view.desa)
    codes, kec = view.uniq[pos], view.kec_of_uniq[pos]
    if wilayah is not None and len(wilayah) and {"kode_desa", "kode_kecamatan"} <= set(wilayah.columns):
        listed = _in(codes, set(_objects(wilayah["kode_desa"])))
        codes, kec, pos = codes[listed], kec[listed], pos[listed]
        # the region table's desa (not kelurahan) of the kecamatan that report, not already listed
        is_desa = np.ones(len(wilayah), dtype=bool)
        if "jenis" in wilayah.columns:
            is_desa = (wilayah["jenis"].astype("string") != "kelurahan").to_numpy(dtype=bool, na_value=True)
        w_codes = wilayah["kode_desa"].astype(str).to_numpy(dtype=object)[is_desa]
        w_kec = wilayah["kode_kecamatan"].astype(str).to_numpy(dtype=object)[is_desa]
        active = np.unique(view.kec)  # kecamatan with at least one key row
        kec_pos = dict(zip(view.kec_uniq[active], active))
        in_active = _in(w_kec, set(kec_pos))
        w_codes, w_kec = w_codes[in_active], w_kec[in_active]
        first = ~pd.Series(np.concatenate([codes, w_codes])).duplicated().to_numpy()[len(codes):]
        w_codes, w_kec = w_codes[first], w_kec[first]
        w_pos = pd.Index(view.uniq).get_indexer(w_codes) if len(view.uniq) and len(w_codes) else \
            np.full(len(w_codes), -1)
        codes = np.concatenate([codes, w_codes])
        kec = np.concatenate([kec, np.array([kec_pos[k] for k in w_kec], dtype=np.int64)])
        pos = np.concatenate([pos, w_pos])
    pos = pos.astype(np.int64, copy=False)
    member = np.zeros(len(view.uniq), dtype=bool)
    member[pos[pos >= 0]] = True  # the uniq codes are distinct: a member code matches at most one
    return _Expected(codes=codes, kec=kec.astype(np.int64, copy=False), uniq_pos=pos, uniq_member=member)


@dataclass(frozen=True)
class _Completeness:
    """Rows of :func:`completeness_table` as arrays, in its order (kecamatan, year, indicator)."""

    kode_kecamatan: np.ndarray  # object
    tahun: np.ndarray  # float
    indikator: np.ndarray  # object
    n_desa: np.ndarray  # float, NaN = no desa expected
    n_lapor: np.ndarray  # float


def _first_rows(ids: np.ndarray, n: int) -> np.ndarray:
    """Position of the first element with each id ``0..n-1``."""
    first = np.full(n, -1, dtype=np.int64)
    first[ids[::-1]] = np.arange(len(ids))[::-1]
    return first


def _completeness(view: _Layanan, cat: pd.DataFrame, wilayah: "pd.DataFrame | _Names | None") -> _Completeness:
    first = _first_rows(view.kec_year, view.n_kec_year)
    g_kec, g_year = view.kec[first], view.year[first]
    expected = _expected(view, wilayah)
    n_desa = np.bincount(expected.kec, minlength=len(view.kec_uniq)).astype(float)[g_kec]
    n_desa[n_desa == 0] = np.nan  # a kecamatan-year without expected desa has no share
    is_expected = expected.uniq_member[view.desa]
    n_lapor = np.empty((len(cat), view.n_kec_year))
    for k, (num_col, den_col) in enumerate(zip(cat["pembilang"], cat["penyebut"])):
        both = ~np.isnan(view.counts(num_col)) & ~np.isnan(view.counts(den_col)) & is_expected
        n_lapor[k] = np.bincount(view.kec_year, weights=both.astype(float), minlength=view.n_kec_year)
    # The sort of the table by (kecamatan, year, indicator) is the groups' sort times the
    # indicators' sort (the groups are distinct): sorting the few group and indicator labels
    # with the same pandas sort is far cheaper than sorting the whole table.
    kec_text = view.kec_uniq[g_kec]
    groups = pd.DataFrame({"k": pd.array(kec_text, dtype="string"), "t": pd.Series(g_year).astype("Int64")})
    g_order = groups.sort_values(["k", "t"], kind="stable").index.to_numpy()
    ids = cat["id"].to_numpy(dtype=object)
    i_order = pd.Series(pd.array(ids, dtype="string")).sort_values(kind="stable").index.to_numpy()
    m = len(i_order)
    return _Completeness(
        kode_kecamatan=np.repeat(kec_text[g_order], m),
        tahun=np.repeat(g_year[g_order], m),
        indikator=np.tile(ids[i_order], len(g_order)),
        n_desa=np.repeat(n_desa[g_order], m),
        n_lapor=n_lapor[i_order][:, g_order].T.ravel(),
    )


def completeness_table(
    layanan: pd.DataFrame,
    catalogue: Any = None,
    *,
    wilayah: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share of desa reporting each indicator, per kecamatan and year.

    Columns ``kode_kecamatan, tahun, indikator, n_desa, n_lapor, porsi``:
    ``n_desa`` desa expected (see :func:`check_completeness`), ``n_lapor`` of
    them with a valid numerator *and* denominator, ``porsi`` = n_lapor / n_desa.
    """
    cat = _catalogue_frame(catalogue)
    view = _layanan_view(layanan)
    columns = ["kode_kecamatan", "tahun", "indikator", "n_desa", "n_lapor", "porsi"]
    if view.n == 0 or cat.empty:
        return pd.DataFrame({c: pd.Series(dtype="string" if c in ("kode_kecamatan", "indikator") else
                                          ("Float64" if c == "porsi" else "Int64")) for c in columns})
    c = _completeness(view, cat, wilayah)
    out = pd.DataFrame({
        "kode_kecamatan": pd.array(c.kode_kecamatan, dtype="string"),
        "tahun": pd.Series(c.tahun).astype("Int64"),
        "indikator": pd.array(c.indikator, dtype="string"),
        "n_desa": pd.Series(c.n_desa).astype("Int64"),
        "n_lapor": pd.Series(c.n_lapor).astype("Int64"),
    })
    return out.assign(porsi=(out["n_lapor"] / out["n_desa"]).astype("Float64"))[columns]


def check_completeness(
    layanan: pd.DataFrame,
    catalogue: Any = None,
    *,
    wilayah: pd.DataFrame | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Completeness per kecamatan, indicator and year (``kelengkapan``) and non-reporting desa (``desa_tidak_melapor``).

    A kecamatan "reports" in a year when at least one of its villages has a
    layanan row. Expected villages are then its desa in ``wilayah`` (kelurahan
    only when they have data) plus every code seen under it in any year. The
    share with a valid numerator and denominator below
    ``kelengkapan.porsi_peringatan`` gives a ``peringatan``, below
    ``porsi_info`` an ``info``; ``kode_desa`` holds the kecamatan code and
    ``kolom`` the indicator id. An expected desa without any row that year
    gives one ``desa_tidak_melapor`` (peringatan).
    """
    p = _params(params)
    cat = _catalogue_frame(catalogue)
    view = _layanan_view(layanan)
    if view.n == 0:
        return empty_findings()
    names = _names(wilayah)
    rows = []
    if not cat.empty:
        c = _completeness(view, cat, wilayah)
        nama = dict(zip(cat["id"], cat["nama"])) if "nama" in cat.columns else {}
        cols = dict(zip(cat["id"], zip(cat["pembilang"], cat["penyebut"])))
        with np.errstate(invalid="ignore"):
            porsi = c.n_lapor / c.n_desa  # the Float64 division of completeness_table
        for i in np.flatnonzero(porsi < p.kelengkapan_porsi_info):
            level = "peringatan" if porsi[i] < p.kelengkapan_porsi_peringatan else "info"
            threshold = p.kelengkapan_porsi_peringatan if level == "peringatan" else p.kelengkapan_porsi_info
            ind, kec, year = c.indikator[i], c.kode_kecamatan[i], int(c.tahun[i])
            title = f"{ind} ({nama[ind]})" if ind in nama else ind
            num_col, den_col = cols[ind]
            rows.append((kec, year, "layanan", ind, _plain(round(porsi[i], 4)), "kelengkapan", level,
                         f"{names.kecamatan(kec)}, {year}: {title} hanya dilaporkan lengkap "
                         f"({num_col} dan {den_col}) oleh {int(c.n_lapor[i])} dari {int(c.n_desa[i])} desa "
                         f"({_pct(100 * porsi[i])}); di bawah ambang {_pct(100 * threshold)}."))
    missing = _not_reporting(view, _expected(view, wilayah))
    for code, year in zip(missing["kode_desa"], missing["tahun"]):
        rows.append((code, year, "layanan", "kode_desa", "", "desa_tidak_melapor", "peringatan",
                     f"{names.desa(code)}, {int(year)}: tidak ada baris data layanan, padahal desa lain di kecamatannya "
                     "melapor; semua indikator desa ini kosong untuk tahun itu."))
    return _findings(rows)


def _not_reporting(view: _Layanan, expected: _Expected) -> pd.DataFrame:
    """(kode_desa, tahun) of expected desa without a layanan row in a year their kecamatan reports, sorted."""
    years, y_code = np.unique(view.year, return_inverse=True)
    active = np.zeros((len(view.kec_uniq), len(years)), dtype=bool)
    active[view.kec, y_code] = True
    reported = np.zeros((len(view.uniq) + 1, len(years)), dtype=bool)  # last row: members without layanan rows
    reported[view.desa, y_code] = True
    member, year = np.nonzero(active[expected.kec] & ~reported[expected.uniq_pos])
    missing = pd.DataFrame({"kode_desa": expected.codes[member], "tahun": years[year]})
    return missing.sort_values(["kode_desa", "tahun"])


def check_missing_values(

    layanan: pd.DataFrame,
    catalogue: Any = None,
    *,
    wilayah: pd.DataFrame | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Empty cells of indicator columns (``nilai_hilang``, peringatan), one finding per cell.

    A cell is reported when the column is filled by at least
    ``kelengkapan.porsi_minimum_nilai_hilang`` of the rows of the same kecamatan
    and year: an isolated gap. A column almost nobody fills is a collection
    choice, reported once per kecamatan by :func:`check_completeness` instead.
    A non-numeric cell is not "empty" (it is ``bukan_angka``).
    """
    p = _params(params)
    cat = _catalogue_frame(catalogue)
    view = _layanan_view(layanan)
    if view.n == 0:
        return empty_findings()
    columns = [c for c in dict.fromkeys([*cat["pembilang"], *cat["penyebut"]]) if c in view.df.columns]
    grp = view.kec_year
    n_rows = np.bincount(grp, minlength=view.n_kec_year)
    names = _names(wilayah)
    rows = []
    for col in columns:
        present = view.present(col)
        if present.all():  # nothing empty (the usual case): no share to compute
            continue
        share = np.bincount(grp, weights=present.astype(float), minlength=view.n_kec_year) / np.maximum(n_rows, 1)
        for i in np.flatnonzero(~present & (share[grp] >= p.kelengkapan_porsi_minimum_nilai_hilang)):
            code, year = view.codes[i], view.year[i]
            rows.append((code, year, "layanan", col, "", "nilai_hilang", "peringatan",
                         f"{names.desa(code)}, {int(year)}: {col} kosong (tidak dilaporkan), padahal "
                         f"{_pct(100 * share[grp[i]])} desa di kecamatannya mengisinya; indikator yang memakai kolom "
                         "ini tidak dapat dihitung untuk desa ini."))
    return _findings(rows)


# --------------------------------------------------------------------------- outliers and jumps


def _block_medians(blocks: list[np.ndarray], groups: np.ndarray, n_groups: int, oks: list[np.ndarray],
                   counts: list[np.ndarray] | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(median per group, count per group) of the non-NaN values of each block; NaN median for empty groups.

    The blocks are value arrays over the same rows (one per tested quantity), grouped alike by
    ``groups``; ``oks`` marks their non-NaN values. Block ``s`` group ``g`` is the global group
    ``G = s × n_groups + g``, and its median is read from the sorted keys ``G × span + (value − lo)``
    exactly as one sort of all blocks together would give it (values are recovered from the keys
    to within ~1e-9, far below any threshold): ``lo`` and ``span`` are taken over all blocks, and
    the keys of one group are in the same order whether sorted alone or with the others (adding
    the group offset is monotonic and the key ranges of the groups do not overlap). Sorting block
    by block keeps the arrays small enough for the processor cache; NaN keys sort last, after
    every group, so they need not be removed first. ``counts`` (of the non-NaN values per
    group, as returned) may be passed when already known.
    """
    meds = [np.full(n_groups, np.nan) for _ in blocks]
    if counts is None:
        counts = [np.bincount(groups, weights=ok, minlength=n_groups).astype(np.int64) for ok in oks]
    lows = [np.fmin.reduce(b) for b, c in zip(blocks, counts) if c.any()]  # fmin skips NaN
    if not lows:
        return meds, counts
    lo = float(min(lows))
    if lo == 0 and any(np.signbit(b[ok & (b == 0)]).any() for b, ok in zip(blocks, oks)):
        lo = float(np.concatenate([b[ok] for b, ok in zip(blocks, oks)]).min())  # -0.0 or 0.0: as one sort saw it
    span = float(max(np.fmax.reduce(b) for b, c in zip(blocks, counts) if c.any())) - lo + 1.0
    g_float = groups.astype(np.float64)  # exact: group ids are far below 2**53
    for s, (v, c) in enumerate(zip(blocks, counts)):
        if not c.any():
            continue
        keys = g_float + s * n_groups
        keys *= span
        keys += v - lo
        keys.sort()
        start = np.cumsum(c) - c
        has = np.flatnonzero(c > 0)
        a = keys[(start + (c - 1) // 2)[has]]
        b = keys[(start + c // 2)[has]]
        meds[s][has] = (a + b) / 2 - (has + s * n_groups) * span + lo  # back from keys to values
    return meds, counts


def _robust_flags(blocks: list[np.ndarray], groups: np.ndarray, n_groups: int, k: float, min_n: int,
                  min_distance: list[float]) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Per block: (flag, median per group, MAD per group scaled to a standard deviation) against its group.

    A value is flagged when its group has at least ``min_n`` values, a MAD > 0,
    and it lies more than ``k`` MAD and at least ``min_distance[block]`` from the median.
    """
    oks = [~np.isnan(b) for b in blocks]
    med_g, n_g = _block_medians(blocks, groups, n_groups, oks)
    devs = []
    for v, med in zip(blocks, med_g):
        dev = med[groups]
        np.subtract(v, dev, out=dev)
        devs.append(np.abs(dev, out=dev))  # NaN exactly where the value is: same counts
    mad_g, _ = _block_medians(devs, groups, n_groups, oks, n_g)
    flags, mads = [], []
    for dev, mad, n, dist in zip(devs, mad_g, n_g, min_distance):
        mad = mad * _MAD_TO_SD
        # MAD == 0 (more than half the villages share one value): any other value would be
        # "infinitely" far; such columns are left to the other rules.
        with np.errstate(invalid="ignore"):
            limit = np.where((n >= min_n) & (mad > 0), k * mad, np.inf)
            flags.append((dev > limit[groups]) & (dev >= dist))
        mads.append(mad)
    return flags, med_g, mads


def check_outliers(
    layanan: pd.DataFrame,
    catalogue: Any = None,
    *,
    wilayah: pd.DataFrame | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Robust outliers against the other villages of the kabupaten in the same year (``pencilan``, peringatan).

    Two kinds of values are compared, per kabupaten (``PP.KK``) and year, with
    the median and the MAD (scaled to a standard deviation, ×1.4826):

    - each indicator's rate (numerator / denominator × 100), for denominators of
      at least the indicator's ``min_penyebut`` and numerator ≤ denominator
      (larger numerators are ``pembilang_melebihi_penyebut``); flagged when
      ``|x − median| > pengali_mad × MAD`` *and* at least
      ``selisih_minimum_persen`` points away; ``kolom`` = the numerator;
    - each denominator column per 1,000 inhabitants (``penduduk`` itself: per
      household), on a log scale so that "10× too many" and "10× too few" weigh
      the same; flagged when beyond ``pengali_mad`` × MAD *and* at least
      ``faktor_minimum_per_kapita`` times the median (or its inverse);
      ``kolom`` = that column. A wrong numerator already shows in its rate.

    Groups with fewer than ``minimum_desa`` values are skipped.
    """
    p = _params(params)
    cat = _catalogue_frame(catalogue)
    view = _layanan_view(layanan)
    if view.n == 0:
        return empty_findings()
    n = view.n
    cache: dict[str, np.ndarray] = {}

    def get(col: str) -> np.ndarray:
        if col not in cache:
            cache[col] = view.counts(col)
        return cache[col]

    specs: list[tuple[str, str, np.ndarray, bool]] = []  # (kolom, label, value, per capita?)
    min_pen = cat["min_penyebut"] if "min_penyebut" in cat.columns else pd.Series([1] * len(cat))
    for ind, num_col, den_col, mp in zip(cat["id"], cat["pembilang"], cat["penyebut"], min_pen):
        num, den = get(num_col), get(den_col)
        mp = 1.0 if mp is None or mp is pd.NA or (isinstance(mp, float) and np.isnan(mp)) else max(float(mp), 1.0)
        with np.errstate(invalid="ignore"):
            ok = (den >= mp) & (num <= den)
        rate = np.full(n, np.nan)
        np.divide(num * 100.0, den, out=rate, where=ok)
        specs.append((num_col, f"{ind} ({num_col}/{den_col})", rate, False))
    pend, rt = get("penduduk"), get("rumah_tangga")
    for col in dict.fromkeys(cat["penyebut"]):
        if col not in view.df.columns:
            continue
        base, base_name, per = (rt, "rumah tangga", 1.0) if col == "penduduk" else (pend, "1.000 penduduk", 1000.0)
        vals = get(col)
        with np.errstate(invalid="ignore"):
            ok = (base > 0) & (vals > 0) & ((pend >= p.pencilan_minimum_penduduk) | (col == "penduduk"))
        ratio = np.full(n, np.nan)
        np.divide(vals * per, base, out=ratio, where=ok)
        specs.append((col, f"{col} per {base_name}", np.log(ratio), True))  # log(NaN) stays NaN

    if not specs:
        return empty_findings()
    distance = [np.log(p.pencilan_faktor_minimum_per_kapita) if s[3] else p.pencilan_selisih_minimum_persen
                for s in specs]
    g = view.kab_year
    flags, med, mad = _robust_flags([s[2] for s in specs], g, view.n_kab_year, p.pencilan_pengali_mad,
                                    p.pencilan_minimum_desa, distance)
    names = _names(wilayah)
    rows = []
    for s, flag in enumerate(flags):
        for i in np.flatnonzero(flag):
            rows.append(_outlier_row(specs[s], i, med[s][g[i]], mad[s][g[i]], get, view, names))
    return _findings(rows)


def _outlier_row(spec: tuple[str, str, np.ndarray, bool], i: int, median: float, mad: float, get: Any,
                 view: _Layanan, names: _Names) -> tuple:
    """The finding of value ``i`` of one outlier spec (``median``, ``mad``: of its group)."""
    kolom, label, tested, per_capita = spec
    code, year = view.codes[i], int(view.year[i])
    raw = get(kolom)[i]
    if not per_capita:
        x = tested[i]
        side = "di atas" if x > median else "di bawah"
        text = (f"{label} = {_pct(x)}, jauh {side} median kabupaten {_pct(median)} "
                f"(simpangan kokoh {_dec(mad)} poin)")
    else:
        median, x = float(np.exp(median)), float(np.exp(tested[i]))
        times = x / median
        side = f"{_dec(times)} kali" if times >= 1 else f"1/{_dec(1 / times)} kali"
        text = f"{label} = {_dec(x)}, {side} median kabupaten ({_dec(median)})"
    return (code, year, "layanan", kolom, _plain(raw), "pencilan", "peringatan",
            f"{names.desa(code)}, {year}: {text}. Periksa kembali {kolom} ({_num(raw)}).")


def _desa_year_order(view: _Layanan) -> np.ndarray:
    """Key rows ordered by code (text order) and year."""
    rank = np.empty(len(view.uniq), dtype=np.int64)
    rank[np.argsort(view.uniq, kind="stable")] = np.arange(len(view.uniq))  # few thousand codes, not every row
    return np.lexsort((view.year, rank[view.desa]))


def check_yoy_jumps(
    layanan: pd.DataFrame,
    columns: Iterable[str] | None = None,
    *,
    wilayah: pd.DataFrame | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Implausible changes from the previous year (``lonjakan_tahunan``, peringatan).

    For each desa and count column, a value is compared with the same desa's
    value of the year before (consecutive years only). It is a jump when the
    ratio exceeds ``lonjakan.faktor`` (or is below its inverse; a change from or
    to 0 counts as a jump) and the larger of the two values is at least
    ``lonjakan.minimum_nilai``. The finding is attached to the later year;
    when several columns of one desa-year jump, they make one finding whose
    ``kolom`` is the first of them (contract order, so ``penduduk`` first) and
    whose message lists them.

    A one-year spike (up in *t*, back in *t+1*) is reported once, at *t*: the
    return in *t+1* is not reported when *t+1* is plausible against *t−1*.
    Likewise the odd one out is blamed when the *first* year of a series
    differs from the second while the second and third agree: the finding is
    then attached to the first year. With only two years the later one is
    reported (which of the two is wrong cannot be told).

    >>> lay = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 4, "tahun": [2021, 2022, 2023, 2024],
    ...                     "balita_diukur": [120, 118, 1180, 125]})
    >>> check_yoy_jumps(lay, params=QualityParams())[["tahun", "nilai"]].values.tolist()
    [[2023, '1180']]
    """
    p = _params(params)
    view = _layanan_view(layanan)
    if view.n == 0:
        return empty_findings()
    cols = list(columns) if columns is not None else [c for c in _COUNT_COLUMNS if c in view.df.columns]
    order = _desa_year_order(view)
    codes, years = view.codes[order], view.year[order]
    same = np.zeros(len(order), dtype=bool)  # row i continues row i-1 (same desa, next year)
    same[1:] = (view.desa[order][1:] == view.desa[order][:-1]) & (years[1:] == years[:-1] + 1)
    same2 = np.zeros(len(order), dtype=bool)  # ... and row i-1 continues row i-2
    same2[2:] = same[2:] & same[1:-1]
    starts = np.ones(len(order), dtype=bool)  # row i is the first year of its series
    starts[1:] = ~same[1:]
    names = _names(wilayah)
    rows = []

    def jump(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        with np.errstate(invalid="ignore"):
            return (hi >= p.lonjakan_minimum_nilai) & ((lo == 0) | (hi > p.lonjakan_faktor * lo))

    hits: dict[int, list[tuple[str, float, float]]] = {}
    first: dict[int, list[tuple[str, float, float, float]]] = {}
    for col in cols:
        v = view.counts(col)[order]
        prev = np.empty(len(v))  # previous year's value of the same desa
        prev[1:] = v[:-1]
        prev[~same] = np.nan
        # The tests below only matter where a jump is found (few rows): they are evaluated there only.
        cand = np.flatnonzero(jump(prev, v))  # NaN compares False
        if cand.size == 0:
            continue
        vc, pc = v[cand], prev[cand]
        prev2 = np.where(same2[cand], v[np.maximum(cand - 2, 0)], np.nan)  # same desa two years before
        # the return from a spike: i jumps, i-1 jumped, and i is plausible against i-2
        j_prev = np.isin(cand - 1, cand)
        back = j_prev & ~np.isnan(prev2) & ~jump(prev2, vc)
        # the odd one out is the first year: i-1 starts the series and i agrees with i+1
        after = np.minimum(cand + 1, len(v) - 1)  # next year's value of the same desa
        nxt = np.where((cand + 1 < len(v)) & same[after], v[after], np.nan)
        odd_first = (cand >= 1) & starts[np.maximum(cand - 1, 0)] & ~np.isnan(nxt) & ~jump(vc, nxt)
        for k in np.flatnonzero(~back & ~odd_first):
            hits.setdefault(int(cand[k]), []).append((col, pc[k], vc[k]))
        for k in np.flatnonzero(odd_first):
            first.setdefault(int(cand[k]) - 1, []).append((col, pc[k], vc[k], nxt[k]))

    def how(a: float, b: float) -> str:
        if a == 0 or b == 0:
            return f"dari {_num(a)} menjadi {_num(b)}"
        if b > a:
            return f"naik {_dec(b / a)} kali dari {_num(a)} menjadi {_num(b)}"
        return f"turun menjadi 1/{_dec(a / b)} kali dari {_num(a)} menjadi {_num(b)}"

    for i in sorted(hits):
        cols_i = hits[i]
        col, a, b = cols_i[0]
        year = int(years[i])
        if len(cols_i) == 1:
            text = f"{col} {how(a, b)} dibanding {year - 1}; periksa apakah ini salah ketik."
        else:
            shown = "; ".join(f"{c} {how(x, y)}" for c, x, y in cols_i[:4])
            more = f"; dan {len(cols_i) - 4} kolom lain" if len(cols_i) > 4 else ""
            text = (f"{len(cols_i)} kolom berubah tajam dibanding {year - 1}: {shown}{more}. Periksa apakah ada "
                    "salah ketik atau hanya sebagian wilayah desa yang dilaporkan.")
        rows.append((codes[i], year, "layanan", col, _plain(b), "lonjakan_tahunan", "peringatan",
                     f"{names.desa(codes[i])}, {year}: {text}"))
    for i in sorted(first):
        year = int(years[i])
        shown = "; ".join(f"{c} {_num(a)} lalu {_num(b)} dan {_num(x)}" for c, a, b, x in first[i][:4])
        more = f"; dan {len(first[i]) - 4} kolom lain" if len(first[i]) > 4 else ""
        rows.append((codes[i], year, "layanan", first[i][0][0], _plain(first[i][0][1]), "lonjakan_tahunan",
                     "peringatan",
                     f"{names.desa(codes[i])}, {year}: nilai tahun pertama jauh berbeda dari dua tahun berikutnya "
                     f"({year}–{year + 2}: {shown}{more}); nilai {year} kemungkinan salah ketik."))
    rows.sort(key=lambda r: (r[0], r[1], r[3]))
    return _findings(rows)


# --------------------------------------------------------------------------- all checks


def check_declared_rules(tables: Any, rules: Any = None, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Checks declared as data in ``parameters/kualitas.yaml`` (``pemeriksaan_tambahan``): no Python needed.

    Each rule names a table, a column, a condition (a pandas query over the
    table's columns, e.g. ``penduduk < 50``) and a level; every row where the
    condition holds becomes a finding ``aturan`` with the rule's message.
    ``rules``: a list of :class:`p3pd_lib.parameter_files.ExtraCheck` (default: the file's).

    >>> from p3pd_lib.parameter_files import ExtraCheck
    >>> rule = ExtraCheck(aturan="penduduk_kecil", tabel="layanan", kolom="penduduk", syarat="penduduk < 50",
    ...                   pesan="penduduk kurang dari 50 jiwa")
    >>> lay = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002"], "tahun": [2024, 2024],
    ...                     "penduduk": [30, 900]})
    >>> check_declared_rules({"layanan": lay}, [rule])[["kode_desa", "aturan", "nilai"]].values.tolist()
    [['33.07.01.2001', 'penduduk_kecil', '30']]
    """
    from . import parameter_files

    t = _as_tables(tables)
    rules = parameter_files.load_quality().pemeriksaan_tambahan if rules is None else rules
    names = _names(wilayah)
    rows: list[tuple] = []
    for rule in rules:
        df = t.get(rule.tabel)
        if df is None or not len(df):
            continue
        if rule.kolom not in df.columns:
            raise ParameterError(f"kualitas.yaml, pemeriksaan '{rule.aturan}': kolom '{rule.kolom}' tidak ada di "
                                 f"tabel {rule.tabel}.")
        try:
            hits = df.query(rule.syarat)
        except Exception as exc:  # a mistyped condition in the parameter file
            raise ParameterError(f"kualitas.yaml, pemeriksaan '{rule.aturan}': syarat '{rule.syarat}' tidak dapat "
                                 f"dibaca ({exc}).") from None
        for r in hits.to_dict("records"):
            code, year = r.get("kode_desa"), r.get("tahun")
            rows.append((code, year, rule.tabel, rule.kolom, _plain(r[rule.kolom]), rule.aturan, rule.tingkat,
                         f"{names.desa(code)}, {_year_text(year)}: {rule.pesan} ({rule.kolom} = "
                         f"{_plain(r[rule.kolom])})."))
    return _findings(rows)


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings sorted: galat first, then by rule, village, year, table and field."""
    rank = findings["tingkat"].map({t: i for i, t in enumerate(TINGKAT)}).astype("Int64")
    rule = findings["aturan"].map({r: i for i, r in enumerate(RULES)}).astype("Int64")
    out = findings.assign(_t=rank, _r=rule).sort_values(
        ["_t", "_r", "kode_desa", "tahun", "tabel", "kolom"], kind="stable", na_position="last")
    return out.drop(columns=["_t", "_r"]).reset_index(drop=True)


class CheckPlan:
    """The checks of :func:`run_checks`, in two independent parts that may run in different threads.

    ``apbdes_part()`` runs the duplicate and region-code checks of every table
    and the checks of the APBDes lines; ``layanan_part()`` the checks of the
    service table; ``combine(apbdes, layanan)`` makes the findings table of
    :func:`run_checks` from their results (the same table whatever order or
    thread the parts ran in). Both parts only read the tables.
    """

    def __init__(
        self,
        dataset_or_tables: Any,
        catalogue: Any = None,
        official_codes: Iterable[str] | None = None,
        params: QualityParams | Mapping[str, Any] | None = None,
        *,
        totals: pd.DataFrame | None = None,
    ):
        self.t = _as_tables(dataset_or_tables)
        self.p = _params(params)
        self.catalogue = catalogue
        self.official_codes = official_codes
        self.totals = totals
        # one label cache for every check (passed where a wilayah table is accepted)
        self.wilayah: Any = _names(self.t.get("wilayah"))

    def apbdes_part(self) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
        """(duplicate + region-code findings, APBDes-line findings)."""
        t, p, wilayah = self.t, self.p, self.wilayah
        apbdes = t.get("apbdes")
        ap_view = _prepare_apbdes(apbdes) if apbdes is not None and len(apbdes) else None
        general = [_check_duplicates(t, wilayah, ap_view), _check_official_codes(t, self.official_codes, ap_view),
                   check_declared_rules(t, wilayah=t.get("wilayah"))]
        lines: list[pd.DataFrame] = []
        if ap_view is not None:
            lines = [
                _check_amounts(apbdes, ap_view.parsed, wilayah),
                _check_kelurahan(ap_view, wilayah),
                _check_realisation(ap_view, wilayah, p),
                _check_identity(ap_view, wilayah, p),
            ]
            if self.totals is not None:
                lines.append(check_budget_totals(ap_view, self.totals, wilayah=wilayah, params=p))  # type: ignore[arg-type]
        return general, lines

    def layanan_part(self) -> list[pd.DataFrame]:
        """Findings of the service-table checks."""
        layanan, p, wilayah = self.t.get("layanan"), self.p, self.wilayah
        if layanan is None or not len(layanan):
            return []
        cat = _catalogue_frame(self.catalogue)
        view = _Layanan(layanan)  # parsed once, shared by the layanan checks
        return [
            _check_counts(view, [c for c in _COUNT_COLUMNS if c in layanan.columns], _names(wilayah)),
            _check_numerator_exceeds(view, cat, _names(wilayah)),
            check_completeness(view, cat, wilayah=wilayah, params=p),  # type: ignore[arg-type]
            check_missing_values(view, cat, wilayah=wilayah, params=p),  # type: ignore[arg-type]
            check_outliers(view, cat, wilayah=wilayah, params=p),  # type: ignore[arg-type]
            check_yoy_jumps(view, wilayah=wilayah, params=p),  # type: ignore[arg-type]
        ]

    @staticmethod
    def combine(apbdes: tuple[list[pd.DataFrame], list[pd.DataFrame]], layanan: list[pd.DataFrame]) -> pd.DataFrame:
        """One findings table, galat first."""
        general, lines = apbdes
        parts = [x for x in (*general, *layanan, *lines) if len(x)]
        if not parts:
            return empty_findings()
        return sort_findings(pd.concat(parts, ignore_index=True))


def run_checks(
    dataset_or_tables: Any,
    catalogue: Any = None,
    official_codes: Iterable[str] | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
    *,
    totals: pd.DataFrame | None = None,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Run every check and return one findings table, galat first.

    ``dataset_or_tables``: a :class:`~p3pd_lib.store.Dataset` or a mapping of
    table name → DataFrame (missing tables are skipped). ``catalogue``:
    indicator catalogue (default ``indicators.load_catalogue()``).
    ``official_codes``: the official desa codes (default: the national list).
    ``params``: :class:`QualityParams`, a nested mapping overriding
    ``kualitas.yaml``, or ``None`` for the file. ``totals``: declared budget
    totals for :func:`check_budget_totals` (optional). ``executor``: a
    :class:`concurrent.futures.Executor` (threads) to run the checks of the
    service table alongside those of the APBDes lines (see :class:`CheckPlan`);
    the findings are the same with or without it. Columns: :data:`FINDING_COLUMNS`.
    """
    plan = CheckPlan(dataset_or_tables, catalogue, official_codes, params, totals=totals)
    if executor is None:
        return plan.combine(plan.apbdes_part(), plan.layanan_part())
    pending = executor.submit(plan.layanan_part)
    apbdes = plan.apbdes_part()
    return plan.combine(apbdes, pending.result())


# --------------------------------------------------------------------------- summaries


def rules_table() -> pd.DataFrame:
    """The rules as a table (``aturan, tingkat, judul``) for documentation and reports."""
    return pd.DataFrame(
        [(r, lvl, title) for r, (lvl, title) in RULES.items()], columns=["aturan", "tingkat", "judul"]
    ).astype("string")


def summarize(findings: pd.DataFrame) -> pd.DataFrame:
    """Counts per rule and level: ``aturan, judul, tingkat, jumlah, n_desa``, most serious first.

    >>> f = _findings([("11.01.01.2001", 2024, "layanan", "x", "1", "nilai_negatif", "galat", "…"),
    ...                ("11.01.01.2002", 2024, "layanan", "x", "1", "nilai_negatif", "galat", "…")])
    >>> summarize(f)[["aturan", "jumlah", "n_desa"]].values.tolist()
    [['nilai_negatif', 2, 2]]
    """
    _require(findings, FINDING_COLUMNS, "temuan")
    if findings.empty:
        return pd.DataFrame({"aturan": pd.Series(dtype="string"), "judul": pd.Series(dtype="string"),
                             "tingkat": pd.Series(dtype="string"), "jumlah": pd.Series(dtype="Int64"),
                             "n_desa": pd.Series(dtype="Int64")})
    g = findings.groupby(["aturan", "tingkat"], sort=False)
    out = pd.DataFrame({"jumlah": g.size(), "n_desa": g["kode_desa"].nunique()}).reset_index()
    out = out.assign(judul=out["aturan"].map(lambda r: RULES.get(r, (None, r))[1]).astype("string"),
                     jumlah=out["jumlah"].astype("Int64"), n_desa=out["n_desa"].astype("Int64"))
    out = out[["aturan", "judul", "tingkat", "jumlah", "n_desa"]]
    rank = out["tingkat"].map({t: i for i, t in enumerate(TINGKAT)})
    return out.assign(_k=rank).sort_values(["_k", "jumlah"], ascending=[True, False], kind="stable") \
        .drop(columns="_k").reset_index(drop=True)


def summarize_by_desa(findings: pd.DataFrame, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts per village: ``kode_desa, nama_desa, galat, peringatan, info, jumlah``, most errors first.

    ``nama_desa`` comes from ``wilayah`` when given (empty otherwise).
    """
    _require(findings, FINDING_COLUMNS, "temuan")
    counts = pd.crosstab(findings["kode_desa"], findings["tingkat"]) if len(findings) else pd.DataFrame()
    counts = counts.reindex(columns=list(TINGKAT), fill_value=0)
    counts = counts.assign(jumlah=counts.sum(axis=1)).reset_index().rename(columns={"index": "kode_desa"})
    if "kode_desa" not in counts.columns:
        counts = counts.assign(kode_desa=pd.Series(dtype="string"))
    nama = {}
    if wilayah is not None and len(wilayah) and {"kode_desa", "nama_desa"} <= set(wilayah.columns):
        nama = dict(zip(wilayah["kode_desa"].astype(str), wilayah["nama_desa"]))
    counts = counts.assign(
        kode_desa=counts["kode_desa"].astype("string"),
        nama_desa=counts["kode_desa"].map(lambda c: nama.get(str(c))).astype("string"),
        **{c: counts[c].astype("Int64") for c in (*TINGKAT, "jumlah")},
    )
    out = counts[["kode_desa", "nama_desa", *TINGKAT, "jumlah"]]
    return out.sort_values(["galat", "peringatan", "jumlah", "kode_desa"], ascending=[False, False, False, True],
                           kind="stable").reset_index(drop=True)
