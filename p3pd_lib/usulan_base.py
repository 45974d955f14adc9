"""Vocabulary, parameters and small table helpers of the demand side (:mod:`p3pd_lib.usulan`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from . import frames, parameter_files
from .belanja import LABEL_SEKTOR as BELANJA_LABEL_SEKTOR
from .errors import DataError, ParameterError
from .schemas import SEKTOR_LAYANAN

SEKTOR: tuple[str, ...] = tuple(SEKTOR_LAYANAN)
LABEL_SEKTOR: dict[str, str] = {**BELANJA_LABEL_SEKTOR, "LAIN": "Lainnya"}

SELARAS = "Selaras"
BELUM_TERDANAI = "Usulan belum terdanai"
BELUM_TERSUARAKAN = "Kebutuhan belum tersuarakan"
BELANJA_TANPA_KEBUTUHAN = "Belanja tanpa kebutuhan mendesak"
TIDAK_MENDESAK = "Tidak mendesak"
#: The five need–demand–supply classes, in display order.
KELAS: tuple[str, ...] = (SELARAS, BELUM_TERDANAI, BELUM_TERSUARAKAN, BELANJA_TANPA_KEBUTUHAN, TIDAK_MENDESAK)
#: What each class means, for legends and reports (Bahasa Indonesia).
PENJELASAN_KELAS: dict[str, str] = {
    SELARAS: "Ada kebutuhan, ada usulan masyarakat, dan minimal satu usulan didanai APBDes.",
    BELUM_TERDANAI: "Ada kebutuhan dan usulan masyarakat, tetapi belum satu pun didanai APBDes.",
    BELUM_TERSUARAKAN: "Ada kebutuhan, tetapi tidak ada usulan masyarakat di sektor ini.",
    BELANJA_TANPA_KEBUTUHAN: "Tidak ada indikator merah/kuning, tetapi porsi belanja sektor di atas median kecamatan.",
    TIDAK_MENDESAK: "Tidak ada indikator merah/kuning dan porsi belanja sektor tidak di atas median.",
}
TINGKAT = ("kecamatan", "kabupaten")
KEYS = ["kode_desa", "tahun", "sektor"]

SUMMARY_COLUMNS = [
    "kode_desa", "tahun", "sektor", "n_usulan", "n_didanai_apbdes", "n_didanai_pihak_lain", "n_belum_didanai",
    "n_ditolak", "nilai_usulan", "nilai_disetujui", "pembilang_rp", "penyebut_rp", "porsi_didanai",
    "porsi_didanai_rp", "n_biaya_kosong", "n_disetujui_kosong",
]
CLASS_COLUMNS = [
    "kode_desa", "nama_desa", "kode_kecamatan", "tahun", "sektor", "kebutuhan", "n_merah", "n_kuning",
    "n_indikator_data", "n_usulan", "n_didanai", "ada_data_usulan", "porsi", "median", "n_desa_median",
    "di_atas_median", "kelas",
]
COUNT_COLS = ("n_usulan", "n_didanai_apbdes", "n_didanai_pihak_lain", "n_belum_didanai", "n_ditolak",
              "n_biaya_kosong", "n_disetujui_kosong")
SUM_COLS = ("nilai_usulan", "nilai_disetujui", "pembilang_rp", "penyebut_rp")


def check_parameters(data: Any, source: str = "parameter usulan") -> dict[str, Any]:
    """Check a parameter mapping (as in ``parameters/usulan.yaml``); Indonesian errors.

    >>> check_parameters({"kelas_kebutuhan": ["abu"], "jenis_agenda": "x", "agenda": {}})
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: parameter usulan: 'kelas_kebutuhan' hanya boleh berisi hijau, kuning atau merah (abu = tidak ada data), bukan: abu.
    """
    if not isinstance(data, Mapping):
        raise ParameterError(f"{source}: isi berkas harus berupa pemetaan (kunci: nilai).")
    for key in ("kelas_kebutuhan", "jenis_agenda", "agenda"):
        if key not in data:
            raise ParameterError(f"{source}: isian '{key}' tidak ada.")
    kelas = data["kelas_kebutuhan"]
    if not isinstance(kelas, list) or not kelas:
        raise ParameterError(f"{source}: 'kelas_kebutuhan' harus berupa daftar kelas lampu, mis. [merah, kuning].")
    if bad := [str(k) for k in kelas if k not in ("hijau", "kuning", "merah")]:
        raise ParameterError(f"{source}: 'kelas_kebutuhan' hanya boleh berisi hijau, kuning atau merah "
                             f"(abu = tidak ada data), bukan: {', '.join(bad)}.")
    if not isinstance(data["agenda"], Mapping):
        raise ParameterError(f"{source}: 'agenda' harus berupa pemetaan kelas → isian.")
    for kelas_agenda, entry in data["agenda"].items():
        if kelas_agenda not in (BELUM_TERSUARAKAN, BELUM_TERDANAI):
            raise ParameterError(f"{source}: kelas agenda '{kelas_agenda}' tidak dikenal; gunakan "
                                 f"'{BELUM_TERSUARAKAN}' atau '{BELUM_TERDANAI}'.")
        if not isinstance(entry, Mapping):
            raise ParameterError(f"{source}: isian agenda '{kelas_agenda}' harus berupa pemetaan.")
        for key in ("indikator", "penanggung_jawab", "tindakan"):
            if not str(entry.get(key) or "").strip():
                raise ParameterError(f"{source}: isian agenda '{kelas_agenda}' tidak memuat '{key}'.")
    return dict(data)


def load_parameters(path: str | Path | None = None) -> dict[str, Any]:
    """``parameters/usulan.yaml``, validated (re-read when the file changes)."""
    return check_parameters(parameter_files.load_usulan(path).model_dump(), "parameters/usulan.yaml")


def require_columns(df: Any, columns: Iterable[str], what: str) -> None:
    """Indonesian :class:`DataError` when ``df`` is not a table or lacks one of ``columns``."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{what} harus berupa tabel (DataFrame).")
    if missing := [c for c in columns if c not in df.columns]:
        raise DataError(f"{what} tidak memuat kolom: {', '.join(missing)}.")


def check_values(s: pd.Series, allowed: Iterable[str], what: str) -> None:
    """Indonesian :class:`DataError` naming the values of ``s`` that are not ``allowed``."""
    bad = s[~frames.isin(s, list(allowed)) & s.notna()]
    if len(bad):
        shown = ", ".join(sorted({str(x) for x in bad.unique()})[:10])
        raise DataError(f"{what} berisi nilai yang tidak dikenal: {shown}. Nilai yang sah: {', '.join(allowed)}.")


def text(s: pd.Series, case: str | None = None) -> pd.Series:
    """Trimmed text (upper- or lower-cased on request) as ``string``; a categorical is cleaned per category.

    >>> text(pd.Series([" kes", None], dtype="category"), "upper").tolist()
    ['KES', <NA>]
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        clean = text(pd.Series(s.cat.categories), case).array
        return pd.Series(clean.take(s.cat.codes.to_numpy(), allow_fill=True), index=s.index)
    s = s.astype("string").str.strip()
    return s.str.upper() if case == "upper" else s.str.lower() if case == "lower" else s


def years(s: pd.Series, what: str) -> pd.Series:
    """Years as ``Int64``; Indonesian :class:`DataError` when a value is not a whole number."""
    try:
        return s.astype("Int64") if pd.api.types.is_integer_dtype(s.dtype) else pd.to_numeric(s).astype("Int64")
    except (TypeError, ValueError):
        raise DataError(f"{what}: kolom tahun harus berisi bilangan bulat.") from None


def money(s: pd.Series) -> pd.Series:
    """Rupiah as float64 (missing = NaN; text that is not a number counts as missing)."""
    return (s if pd.api.types.is_numeric_dtype(s.dtype) else pd.to_numeric(s, errors="coerce")).astype("float64")


def pct(num: pd.Series, den: pd.Series) -> pd.Series:
    """100 × num / den as ``Float64``: missing where num is missing or den is not above 0."""
    num, den = money(num), money(den)
    return (100.0 * num / den.where(den > 0)).astype("Float64")


def lookup(codes: pd.Series, column: str, *sources: pd.DataFrame | None, key: str = "kode_desa") -> pd.Series:
    """``column`` of each code (a ``key``) from the first of ``sources`` that knows it (``string``)."""
    out = pd.Series(pd.NA, index=codes.index, dtype="string")
    for src in sources:
        if src is not None and {key, column} <= set(src.columns):
            m = src[[key, column]].astype("string").dropna().drop_duplicates(key)
            out = out.fillna(codes.map(m.set_index(key)[column]).astype("string"))
    return out


def area_of(kode_desa: pd.Series, level: str, *sources: pd.DataFrame | None) -> pd.Series:
    """The kecamatan/kabupaten of each desa from the first source that knows it, else the code's own prefix
    (a Kemendagri code contains its parents, DOMAIN.md §2)."""
    return lookup(kode_desa, f"kode_{level}", *sources).fillna(kode_desa.str.slice(0, 8 if level == "kecamatan" else 5))
