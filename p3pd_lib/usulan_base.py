"""Vocabulary, parameters and table helpers shared by :mod:`p3pd_lib.usulan` and :mod:`p3pd_lib.usulan_agregat`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import frames, parameter_files
from .belanja import LABEL_SEKTOR as BELANJA_LABEL_SEKTOR
from .errors import DataError, ParameterError
from .schemas import KODE_DESA_PATTERN, SEKTOR_LAYANAN, SEKTOR_USULAN, STATUS_USULAN

# --- vocabulary ---------------------------------------------------------------------------------

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

FUNDED = "didanai_apbdes"
KELAS_LAMPU = ("hijau", "kuning", "merah", "abu")
TINGKAT = ("kecamatan", "kabupaten")
KEYS = ["kode_desa", "tahun", "sektor"]

# A share equal to the median (up to float noise of the median's mean of two values) is not above it.
EPS = 1e-9

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
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{what} harus berupa tabel (DataFrame).")
    if missing := [c for c in columns if c not in df.columns]:
        raise DataError(f"{what} tidak memuat kolom: {', '.join(missing)}.")


def reject(bad: pd.Series, message: str, shown: int = 10) -> None:
    """Raise ``message`` (Indonesian, ``{}`` for the first distinct ``bad`` values) when there are any."""
    if len(bad):
        raise DataError(message.format(", ".join(sorted({str(x) for x in bad.unique()})[:shown])))


def check_values(s: pd.Series, allowed: Sequence[str], what: str) -> None:
    reject(s[~frames.isin(s, allowed) & s.notna()],
           f"{what} berisi nilai yang tidak dikenal: {{}}. Nilai yang sah: {', '.join(allowed)}.")


def check_codes(kode: pd.Series, what: str) -> None:
    reject(kode[~kode.str.fullmatch(KODE_DESA_PATTERN).fillna(True)],
           f"{what}: kode desa tidak berformat PP.KK.CC.DDDD: {{}}.", shown=5)


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
    if pd.api.types.is_integer_dtype(s.dtype):  # typed already: no per-cell parsing of millions of rows
        return s.astype("Int64")
    try:
        return pd.to_numeric(s, errors="raise").astype("Int64")
    except (TypeError, ValueError):
        raise DataError(f"{what}: kolom tahun harus berisi bilangan bulat.") from None


def money(s: pd.Series) -> pd.Series:
    """Rupiah as float64 (missing = NaN; text that is not a number counts as missing)."""
    return (s if pd.api.types.is_numeric_dtype(s.dtype) else pd.to_numeric(s, errors="coerce")).astype("float64")


def pct(num: pd.Series, den: pd.Series) -> pd.Series:
    """100 × num / den as ``Float64``: missing where num is missing or den is not above 0."""
    num, den = money(num), money(den)
    return (100.0 * num / den.where(den > 0)).astype("Float64")


def prepare_usulan(usulan: pd.DataFrame, tahun: int | None, extra: Sequence[str] = (),
                   wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clean proposals (one year or all) of official desa codes only (``wilayah.kode_desa``, else the
    national list), like the indicators: other codes are quality findings, not counts."""
    require_columns(usulan, ("kode_desa", "tahun", "sektor", "status", *extra), "Tabel usulan")
    u = pd.DataFrame({"kode_desa": text(usulan["kode_desa"]), "tahun": years(usulan["tahun"], "Tabel usulan"),
                      "sektor": text(usulan["sektor"], "upper"), "status": text(usulan["status"], "lower"),
                      **{c: usulan[c] for c in extra}})
    check_values(u["sektor"], SEKTOR_USULAN, "Kolom sektor pada tabel usulan")
    check_values(u["status"], STATUS_USULAN, "Kolom status pada tabel usulan")
    if tahun is not None:
        u = u[u["tahun"] == int(tahun)]
    if wilayah is None or "kode_desa" not in wilayah.columns or not len(wilayah):
        from .wilayah import wilayah_table

        wilayah = wilayah_table()
    return u[frames.isin(u["kode_desa"], wilayah["kode_desa"]) & u["tahun"].notna()]


def is_belanja(mapped: pd.DataFrame) -> np.ndarray:
    """The ``belanja`` lines of a mapped APBDes (``jenis_baris`` categorical or text)."""
    return mapped["jenis_baris"].eq("belanja").fillna(False).to_numpy(dtype=bool)


def belanja_totals(mapped: pd.DataFrame) -> pd.DataFrame:
    """Σ ``anggaran`` of the ``belanja`` lines of a mapped APBDes per desa and year (``total_belanja``),
    sorted; summed on the raw keys first, then cleaned (millions of lines, some 100,000 desa-years)."""
    spend = mapped.loc[is_belanja(mapped), ["kode_desa", "tahun", "anggaran"]]
    raw = spend.groupby(["kode_desa", "tahun"], sort=False)["anggaran"].sum().reset_index()
    sums = raw.assign(kode_desa=text(raw["kode_desa"]), tahun=years(raw["tahun"], "Tabel APBDes"),
                      total_belanja=money(raw["anggaran"]))
    return sums.groupby(["kode_desa", "tahun"])["total_belanja"].sum().reset_index()


def basic_lines(mapped: pd.DataFrame, *extra: str) -> pd.DataFrame:
    """The basic-service budget: ``belanja`` lines of the five sectors, clean ``kode_desa, tahun, sektor,
    anggaran`` and the ``extra`` columns; lines without a desa code or year are left out."""
    keep = is_belanja(mapped) & mapped["sektor"].notna().to_numpy()
    spend = mapped.loc[keep, ["kode_desa", "tahun", "sektor", "anggaran", *extra]]
    lines = spend.assign(kode_desa=text(spend["kode_desa"]), tahun=years(spend["tahun"], "Tabel APBDes"),
                         sektor=text(spend["sektor"], "upper"), anggaran=money(spend["anggaran"]))
    return lines[lines["kode_desa"].notna() & lines["tahun"].notna() & frames.isin(lines["sektor"], SEKTOR)]


def desa_year_grid(keys: pd.DataFrame, sectors: Sequence[str] | None = None) -> pd.DataFrame:
    """Every distinct ``kode_desa, tahun`` of ``keys``, sorted, crossed with ``sectors`` (in their order)."""
    desa_years = (keys[["kode_desa", "tahun"]].astype({"kode_desa": "string", "tahun": "Int64"})
                  .drop_duplicates().sort_values(["kode_desa", "tahun"], ignore_index=True))
    if sectors is None:
        return desa_years
    return desa_years.merge(pd.DataFrame({"sektor": pd.array(sectors, dtype="string")}), how="cross")


def lookup(codes: pd.Series, column: str, *sources: pd.DataFrame | None, key: str = "kode_desa") -> pd.Series:
    """``column`` of each code (a ``key``) from the first of ``sources`` that knows it (``string``)."""
    out = pd.Series(pd.NA, index=codes.index, dtype="string")
    for src in sources:
        if src is not None and {key, column} <= set(src.columns):
            m = src[[key, column]].astype("string").dropna().drop_duplicates(key)
            out = out.fillna(codes.map(m.set_index(key)[column]).astype("string"))
    return out


def area_of(kode_desa: pd.Series, level: str, *sources: pd.DataFrame | None) -> pd.Series:
    """The kecamatan/kabupaten of each desa: ``kode_<level>`` of the first source that knows it, else the
    code's own prefix (a Kemendagri code contains its parents, DOMAIN.md §2)."""
    return lookup(kode_desa, f"kode_{level}", *sources).fillna(
        kode_desa.str.slice(0, 8 if level == "kecamatan" else 5))

