"""Vocabulary, parameters and table helpers shared by :mod:`p3pd_lib.usulan` and :mod:`p3pd_lib.usulan_agregat`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import parameter_files
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

# --- parameters -----------------------------------------------------------------------------------


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
    bad = [str(k) for k in kelas if k not in ("hijau", "kuning", "merah")]
    if bad:
        raise ParameterError(
            f"{source}: 'kelas_kebutuhan' hanya boleh berisi hijau, kuning atau merah (abu = tidak ada data), "
            f"bukan: {', '.join(bad)}."
        )
    agenda = data["agenda"]
    if not isinstance(agenda, Mapping):
        raise ParameterError(f"{source}: 'agenda' harus berupa pemetaan kelas → isian.")
    for kelas_agenda, entry in agenda.items():
        if kelas_agenda not in (BELUM_TERSUARAKAN, BELUM_TERDANAI):
            raise ParameterError(
                f"{source}: kelas agenda '{kelas_agenda}' tidak dikenal; gunakan '{BELUM_TERSUARAKAN}' "
                f"atau '{BELUM_TERDANAI}'."
            )
        if not isinstance(entry, Mapping):
            raise ParameterError(f"{source}: isian agenda '{kelas_agenda}' harus berupa pemetaan.")
        for key in ("indikator", "penanggung_jawab", "tindakan"):
            if not str(entry.get(key) or "").strip():
                raise ParameterError(f"{source}: isian agenda '{kelas_agenda}' tidak memuat '{key}'.")
    return dict(data)


def load_parameters(path: str | Path | None = None) -> dict[str, Any]:
    """The parameters of this module (``parameters/usulan.yaml``), validated by
    :mod:`p3pd_lib.parameter_files` (re-read when the file changes)."""
    return check_parameters(parameter_files.load_usulan(path).model_dump(), "parameters/usulan.yaml")


# --- small helpers --------------------------------------------------------------------------------


def require_columns(df: Any, columns: Iterable[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{what} harus berupa tabel (DataFrame).")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{what} tidak memuat kolom: {', '.join(missing)}.")


def per_unique(s: pd.Series, fn: Any, dtype: str = "string") -> pd.Series:
    """``fn`` (Series → Series) computed on the distinct values of ``s`` and mapped back to every row
    (through a categorical: the mapping is applied to the few categories, not to millions of cells)."""
    cat = s.astype("category")
    lookup = dict(zip(cat.cat.categories, fn(pd.Series(cat.cat.categories).astype("string"))))
    return cat.map(lookup).astype(dtype)


def clean_text(s: pd.Series, case: str | None = None) -> pd.Series:
    def clean(u: pd.Series) -> pd.Series:
        u = u.str.strip()
        return u.str.upper() if case == "upper" else u.str.lower() if case == "lower" else u

    return per_unique(s, clean)


def belanja_lines(mapped_apbdes: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The ``belanja`` lines of a mapped APBDes table, only ``columns``."""
    return mapped_apbdes.loc[(mapped_apbdes["jenis_baris"] == "belanja").to_numpy(dtype=bool), columns]


def official_codes(wilayah: pd.DataFrame | None = None) -> pd.Series:
    """The desa/kelurahan codes proposals may carry: ``wilayah.kode_desa``, else the official national list."""
    if wilayah is None or "kode_desa" not in wilayah.columns or not len(wilayah):
        from .wilayah import wilayah_table

        wilayah = wilayah_table()
    return wilayah["kode_desa"].astype("string")


def check_values(s: pd.Series, allowed: Sequence[str], what: str) -> None:
    vals = pd.Series(s.dropna().unique(), dtype="object")
    bad = vals[~vals.isin(allowed)]
    if len(bad):
        shown = ", ".join(sorted({str(x) for x in bad})[:10])
        raise DataError(f"{what} berisi nilai yang tidak dikenal: {shown}. Nilai yang sah: {', '.join(allowed)}.")


def check_codes(kode: pd.Series, what: str) -> None:
    vals = pd.Series(pd.array(kode.dropna().unique(), dtype="string"))
    bad = vals[~vals.str.fullmatch(KODE_DESA_PATTERN).fillna(False)]
    if len(bad):
        shown = ", ".join(sorted({str(x) for x in bad})[:5])
        raise DataError(f"{what}: kode desa tidak berformat PP.KK.CC.DDDD: {shown}.")


def year_column(s: pd.Series, what: str) -> pd.Series:
    try:
        return pd.to_numeric(s, errors="raise").astype("Int64")
    except (TypeError, ValueError):
        raise DataError(f"{what}: kolom tahun harus berisi bilangan bulat.") from None


def to_money(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype("float64")


def f64(values: Any) -> pd.arrays.FloatingArray:
    arr = np.asarray(values, dtype="float64").ravel()
    missing = np.isnan(arr)
    return pd.arrays.FloatingArray(np.where(missing, 0.0, arr), missing)


def pct(num: Any, den: Any) -> pd.arrays.FloatingArray:
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return f64(np.where((den > 0) & ~np.isnan(num), 100.0 * num / np.where(den > 0, den, 1.0), np.nan))


def parent_code(kode_desa: pd.Series, tingkat: str) -> pd.Series:
    """Kecamatan (``PP.KK.CC``) or kabupaten (``PP.KK``) code of a Kemendagri desa code.

    The desa code *contains* its parents by construction (DOMAIN.md §2); this is
    not a BPS↔Kemendagri crosswalk.
    """
    return per_unique(kode_desa, lambda u: u.str.slice(0, 8 if tingkat == "kecamatan" else 5))


def is_kelurahan(kode_desa: pd.Series, wilayah: pd.DataFrame | None) -> pd.Series:
    """True for kelurahan: ``wilayah.jenis`` when known, else the code's 1 (DOMAIN.md §2)."""
    jenis = None
    if wilayah is not None and {"kode_desa", "jenis"} <= set(wilayah.columns):
        w = wilayah[["kode_desa", "jenis"]].astype("string").dropna().drop_duplicates("kode_desa")
        jenis = w.set_index("kode_desa")["jenis"].str.strip().str.lower()

    def kel(u: pd.Series) -> pd.Series:
        by_code = u.str.slice(9, 10).eq("1").fillna(False)
        if jenis is None:
            return by_code
        known = u.map(jenis)
        return known.eq("kelurahan").where(known.notna(), by_code)

    return per_unique(kode_desa, kel, "boolean").fillna(False).astype(bool)


def prepare_usulan(usulan: pd.DataFrame, tahun: int | None, extra: Sequence[str] = (),
                    wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """The proposals of official desa codes only (like the indicators): other codes are quality findings."""
    need = ("kode_desa", "tahun", "sektor", "status", *extra)
    require_columns(usulan, need, "Tabel usulan")
    u = pd.DataFrame(
        {
            "kode_desa": clean_text(usulan["kode_desa"]),
            "tahun": year_column(usulan["tahun"], "Tabel usulan"),
            "sektor": clean_text(usulan["sektor"], "upper"),
            "status": clean_text(usulan["status"], "lower"),
        },
        index=usulan.index,
    )
    for c in extra:
        u[c] = usulan[c]
    check_values(u["sektor"], SEKTOR_USULAN, "Kolom sektor pada tabel usulan")
    check_values(u["status"], STATUS_USULAN, "Kolom status pada tabel usulan")
    if tahun is not None:
        u = u[u["tahun"] == int(tahun)]
    official = u["kode_desa"].isin(official_codes(wilayah)).to_numpy(dtype=bool)
    return u[official & u["tahun"].notna().to_numpy(dtype=bool)]


def desa_year_grid(keys: pd.DataFrame, sectors: Sequence[str]) -> pd.DataFrame:
    keys = keys[["kode_desa", "tahun"]].drop_duplicates().sort_values(["kode_desa", "tahun"], kind="stable")
    n = len(keys)
    rep = np.repeat(np.arange(n), len(sectors))
    return pd.DataFrame(
        {
            "kode_desa": pd.Series(keys["kode_desa"].astype("string").array.take(rep)),
            "tahun": pd.Series(keys["tahun"].astype("Int64").array.take(rep)),
            "sektor": pd.array(np.tile(np.array(sectors, dtype=object), n), dtype="string"),
        }
    )



def area_of(kode_desa: pd.Series, level: str, *sources: pd.DataFrame | None) -> pd.Series:
    """The kecamatan/kabupaten of each desa: the first source with a ``kode_<level>`` column, else its code."""
    col = f"kode_{level}"
    maps = []
    for src in sources:
        if src is not None and {col, "kode_desa"} <= set(src.columns):
            m = src[["kode_desa", col]].dropna().drop_duplicates("kode_desa")
            maps.append(pd.Series(m[col].astype("string").array, index=m["kode_desa"].astype("string").array))

    def area(u: pd.Series) -> pd.Series:
        out = pd.Series(pd.NA, index=u.index, dtype="string")
        for m in maps:
            out = out.fillna(u.map(m).astype("string"))
        return out.fillna(u.str.slice(0, 8 if level == "kecamatan" else 5))

    return per_unique(kode_desa, area)


def desa_names(kode_desa: pd.Series, *sources: pd.DataFrame | None) -> pd.Series:
    out = pd.Series(pd.NA, index=kode_desa.index, dtype="string")
    for src in sources:
        if src is not None and {"kode_desa", "nama_desa"} <= set(src.columns):
            m = src[["kode_desa", "nama_desa"]].astype("string").dropna().drop_duplicates("kode_desa")
            out = out.fillna(kode_desa.map(m.set_index("kode_desa")["nama_desa"]).astype("string"))
    return out
