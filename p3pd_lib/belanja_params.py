"""Vocabulary and parameter tables of the spending analysis (:mod:`p3pd_lib.belanja`).

The three tables are files in ``parameters/`` read and validated by
:mod:`p3pd_lib.parameter_files` (cached on the file's hash, so an edited file is
noticed); the ``validate_*`` functions check a table handed over in memory,
naming the spreadsheet row at fault.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import parameter_files
from .errors import ParameterError

# --- vocabulary -----------------------------------------------------------------------------------

SEKTOR: tuple[str, ...] = ("PEND", "KES", "AIR", "SOS", "ADM")
KELOMPOK: tuple[str, ...] = (
    "layanan_dasar", "personel", "operasional", "infrastruktur", "ekonomi", "pembinaan", "bencana", "lainnya",
)
JENIS_BARIS: tuple[str, ...] = ("pendapatan", "belanja", "pembiayaan")
STATUS_PEMETAAN: tuple[str, ...] = ("dipetakan", "ambigu", "tidak_dipetakan")
BASIS_ATURAN: tuple[str, ...] = ("dana_desa", "total_belanja")
TAG: tuple[str, ...] = ("sourced", "proposed")

#: Indonesian labels for charts and reports.
LABEL_SEKTOR: dict[str, str] = {
    "PEND": "Pendidikan", "KES": "Kesehatan", "AIR": "Air bersih & sanitasi",
    "SOS": "Perlindungan sosial", "ADM": "Administrasi kependudukan",
}
LABEL_KELOMPOK: dict[str, str] = {
    "layanan_dasar": "Layanan dasar", "personel": "Siltap & tunjangan", "operasional": "Operasional pemerintahan",
    "infrastruktur": "Infrastruktur fisik", "ekonomi": "Ekonomi", "pembinaan": "Pembinaan kemasyarakatan",
    "bencana": "Bencana & darurat", "lainnya": "Lainnya",
}

#: Components of the spending mix: the five sectors, then the non-basic groups.
KOMPONEN: tuple[str, ...] = (*SEKTOR, *KELOMPOK[1:])

#: The spending indicators (DOMAIN.md §4): name, direction, unit and what the numerator holds.
INDIKATOR_BELANJA: dict[str, dict[str, str]] = {
    "BEL01": {"nama": "Porsi belanja layanan dasar", "arah": "higher", "satuan": "%"},
    "BEL02": {"nama": "Porsi belanja pendidikan", "arah": "", "satuan": "%", "sektor": "PEND"},
    "BEL03": {"nama": "Porsi belanja kesehatan", "arah": "", "satuan": "%", "sektor": "KES"},
    "BEL04": {"nama": "Porsi belanja air bersih & sanitasi", "arah": "", "satuan": "%", "sektor": "AIR"},
    "BEL05": {"nama": "Porsi belanja perlindungan sosial", "arah": "", "satuan": "%", "sektor": "SOS"},
    "BEL06": {"nama": "Porsi belanja administrasi kependudukan", "arah": "", "satuan": "%", "sektor": "ADM"},
    "BEL07": {"nama": "Porsi siltap & tunjangan", "arah": "lower", "satuan": "%"},
    "BEL08": {"nama": "Porsi infrastruktur fisik", "arah": "", "satuan": "%"},
    "BEL09": {"nama": "Realisasi belanja layanan dasar", "arah": "higher", "satuan": "%"},
    "BEL10": {"nama": "Belanja layanan dasar per kapita", "arah": "higher", "satuan": "Rp/jiwa"},
}
#: Sector of each per-sector share indicator (BEL02–BEL06).
INDIKATOR_SEKTOR: dict[str, str] = {k: v["sektor"] for k, v in INDIKATOR_BELANJA.items() if "sektor" in v}

#: BEL09 target: a design choice of the kit, not a regulation.
TARGET_REALISASI: float = 90.0
SUMBER_TARGET_REALISASI = "Usulan kit P3PD (dapat diubah)"
#: What a rule check says for a year that has no such rule (never "tidak ada data").
TIDAK_ADA_ATURAN = "tidak ada aturan untuk tahun ini"

SPENDING_COLUMNS = [
    "kode_desa", "tahun", "indikator", "pembilang", "penyebut", "nilai", "satuan", "target", "sumber_target",
    "tag_target",
]
COMPLIANCE_COLUMNS = [
    "kode_desa", "tahun", "aturan", "nama_aturan", "basis", "jumlah", "penyebut", "nilai",
    "batas_bawah", "batas_atas", "dasar_hukum", "tag", "patuh", "pesan",
]
FINDING_COLUMNS = ["no", "temuan", "aturan", "nilai", "batas", "status", "saran"]

_KODE_PREFIX = r"\d{2}(\.\d{2}(\.\d{1,2})?)?"

# --- parameter tables -----------------------------------------------------------------------------
# Files are read and validated by p3pd_lib.parameter_files (cached on the file's hash, so an edited file
# is noticed). The validate_* functions check a table handed over in memory, with the spreadsheet row number.


def _check_rows(df: pd.DataFrame, what: str, label: str, checks: list[tuple[Any, str]]) -> None:
    """Raise on the first row where a check fails: ``checks`` are (row → bool, message)."""
    for i, row in enumerate(df.to_dict("records")):
        for ok, message in checks:
            if not ok(row):
                raise ParameterError(f"Tabel {what}, baris {i + 2} ({label} {row[label]!r}): {message}")


def _clean(df: pd.DataFrame, columns: tuple[str, ...], what: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParameterError(f"Tabel {what} tidak memuat kolom: {', '.join(missing)}.")
    out = df[list(columns)].reset_index(drop=True).astype("string")
    return out.apply(lambda s: s.str.strip().replace("", pd.NA))


def split_codes(text: Any) -> list[str]:
    return [] if pd.isna(text) else [p.strip() for p in str(text).split(";") if p.strip()]


def _is_prefix(x: Any) -> bool:
    return pd.notna(x) and re.fullmatch(_KODE_PREFIX, x) is not None


def _duplicate_row(df: pd.DataFrame, columns: list[str], what: str, message: str) -> None:
    dup = df.duplicated(columns, keep=False).to_numpy()
    if dup.any():
        raise ParameterError(f"Tabel {what}, baris {int(np.flatnonzero(dup)[1]) + 2}: {message}")


def validate_mapping(mapping: pd.DataFrame) -> pd.DataFrame:
    """Check a mapping table and return a clean copy (raises :class:`ParameterError`).

    >>> validate_mapping(pd.DataFrame({"kode": ["02.01"], "sektor": ["PEND"], "kelompok": ["layanan_dasar"],
    ...     "campuran": ["tidak"], "penanda_dd": [None], "alasan": ["Pendidikan"], "sumber": ["proposed"]})).shape
    (1, 7)
    """
    what = "pemetaan APBDes"
    m = _clean(mapping, ("kode", "sektor", "kelompok", "campuran", "penanda_dd", "alasan", "sumber"), what)
    m["campuran"] = m["campuran"].fillna("tidak").str.lower()
    _check_rows(m, what, "kode", [
        (lambda r: _is_prefix(r["kode"]), "kode harus berbentuk BB, BB.SS, BB.SS.K atau BB.SS.KK."),
        (lambda r: r["kelompok"] in KELOMPOK, f"kelompok harus salah satu dari {', '.join(KELOMPOK)}."),
        (lambda r: pd.isna(r["sektor"]) or r["sektor"] in SEKTOR,
         f"sektor harus kosong atau salah satu dari {', '.join(SEKTOR)}."),
        (lambda r: (r["kelompok"] == "layanan_dasar") == pd.notna(r["sektor"]),
         "sektor diisi jika dan hanya jika kelompok = layanan_dasar."),
        (lambda r: r["campuran"] in ("ya", "tidak"), "kolom campuran harus 'ya' atau 'tidak'."),
        (lambda r: pd.notna(r["alasan"]), "alasan pemetaan wajib diisi."),
        (lambda r: r["sumber"] in TAG, "sumber harus 'sourced' atau 'proposed'."),
    ])
    _duplicate_row(m, ["kode"], what, "kode yang sama muncul lebih dari sekali.")
    return m


def validate_keyword_rules(keywords: pd.DataFrame) -> pd.DataFrame:
    """Check a keyword-rule table and return a clean copy (raises :class:`ParameterError`).

    Column ``teks`` is optional: ``nama`` (default) or ``nama_uraian``.
    """
    what = "kata kunci APBDes"
    kw = keywords if "teks" in keywords.columns else keywords.assign(teks="nama")
    k = _clean(kw, ("kata_kunci", "kode", "kecuali_kode", "sektor", "kelompok", "penanda_dd", "alasan", "sumber",
                    "teks"), what)
    k["teks"] = k["teks"].fillna("nama")
    _check_rows(k, what, "kata_kunci", [
        (lambda r: pd.notna(r["kata_kunci"]), "kata kunci wajib diisi."),
        (lambda r: r["kode"] == "*" or _is_prefix(r["kode"]),
         "kode harus '*' (di mana saja) atau awalan kode BB, BB.SS, BB.SS.K(K)."),
        (lambda r: all(_is_prefix(x) for x in split_codes(r["kecuali_kode"])),
         "kecuali_kode harus awalan kode kegiatan (pisahkan dengan ';')."),
        (lambda r: pd.isna(r["kelompok"]) or r["kelompok"] in KELOMPOK,
         f"kelompok harus kosong atau salah satu dari {', '.join(KELOMPOK)}."),
        (lambda r: pd.isna(r["sektor"]) or r["sektor"] in SEKTOR,
         f"sektor harus kosong atau salah satu dari {', '.join(SEKTOR)}."),
        (lambda r: pd.isna(r["kelompok"]) or (r["kelompok"] == "layanan_dasar") == pd.notna(r["sektor"]),
         "sektor diisi jika dan hanya jika kelompok = layanan_dasar."),
        (lambda r: pd.notna(r["kelompok"]) or pd.isna(r["sektor"]), "sektor diisi tetapi kelompok kosong."),
        (lambda r: pd.notna(r["kelompok"]) or pd.notna(r["penanda_dd"]),
         "aturan tidak mengubah apa pun (isi kelompok atau penanda_dd)."),
        (lambda r: pd.notna(r["alasan"]), "alasan wajib diisi."),
        (lambda r: r["sumber"] in TAG, "sumber harus 'sourced' atau 'proposed'."),
        (lambda r: r["teks"] in ("nama", "nama_uraian"), "teks harus 'nama' atau 'nama_uraian'."),
    ])
    return k


def validate_dana_desa_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """Check a year-versioned rules table and return a typed copy (raises :class:`ParameterError`).

    Bounds are percentages (0–100) of the rule's ``basis``: ``dana_desa`` (the
    Dana Desa ceiling) or ``total_belanja`` (only rule ``PERSONEL``).
    """
    what = "aturan Dana Desa"
    columns = ("aturan", "nama_aturan", "tahun", "basis", "batas_bawah", "batas_atas", "dasar_hukum", "tag",
               "catatan")
    r = _clean(rules, columns, what)
    for col in ("tahun", "batas_bawah", "batas_atas"):
        values = pd.to_numeric(r[col], errors="coerce")
        bad = (values.isna() & r[col].notna()).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ParameterError(f"Tabel {what}, baris {i + 2}: nilai {col} {r[col][i]!r} bukan angka.")
        r[col] = values.astype("Float64")
    _check_rows(r, what, "aturan", [
        (lambda x: pd.notna(x["aturan"]) and re.fullmatch(r"[A-Z][A-Z0-9_]*", x["aturan"]) is not None,
         "kode aturan wajib diisi dengan huruf besar, mis. BLT."),
        (lambda x: pd.notna(x["tahun"]) and x["tahun"] == int(x["tahun"]), "tahun wajib berupa bilangan bulat."),
        (lambda x: x["basis"] in BASIS_ATURAN, "basis harus 'dana_desa' atau 'total_belanja'."),
        (lambda x: (x["aturan"] == "PERSONEL") == (x["basis"] == "total_belanja"),
         "hanya aturan PERSONEL yang berbasis total_belanja."),
        (lambda x: pd.notna(x["batas_bawah"]) or pd.notna(x["batas_atas"]), "isi batas_bawah dan/atau batas_atas."),
        (lambda x: all(pd.isna(b) or 0 <= b <= 100 for b in (x["batas_bawah"], x["batas_atas"])),
         "batas harus persen antara 0 dan 100."),
        (lambda x: pd.isna(x["batas_bawah"]) or pd.isna(x["batas_atas"]) or x["batas_bawah"] <= x["batas_atas"],
         "batas_bawah lebih besar dari batas_atas."),
        (lambda x: pd.notna(x["dasar_hukum"]), "dasar hukum/sumber wajib diisi."),
        (lambda x: x["tag"] in TAG, "tag harus 'sourced' atau 'proposed'."),
    ])
    _duplicate_row(r, ["aturan", "tahun"], what, "aturan dan tahun yang sama muncul lebih dari sekali.")
    return r.assign(tahun=r["tahun"].astype("Int64"))


def load_mapping(path: str | Path | None = None) -> pd.DataFrame:
    """The APBDes → sector/group mapping (``parameters/pemetaan_apbdes.csv``), validated.

    >>> m = load_mapping()
    >>> m.set_index("kode").loc["01.01.03", ["sektor", "kelompok"]].tolist()
    [<NA>, 'operasional']
    """
    return parameter_files.load_mapping(path)


def load_keyword_rules(path: str | Path | None = None) -> pd.DataFrame:
    """Keyword rules for mixed codes and earmarks (``parameters/kata_kunci_apbdes.csv``), validated."""
    return validate_keyword_rules(parameter_files.load_keyword_rules(path))


def load_dana_desa_rules(path: str | Path | None = None) -> pd.DataFrame:
    """Year-versioned Dana Desa and personnel rules (``parameters/aturan_dana_desa.csv``), validated.

    >>> r = load_dana_desa_rules()
    >>> r[(r["aturan"] == "BLT") & (r["tahun"] == 2023)][["batas_bawah", "batas_atas"]].values.tolist()
    [[10.0, 25.0]]
    """
    return parameter_files.load_dana_desa_rules(path)
