"""Vocabulary and parameter tables of the spending analysis (:mod:`p3pd_lib.belanja`, which re-exports them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from . import parameter_files

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

#: The spending indicators of ``parameters/indikator_belanja.csv`` (DOMAIN.md §4): name, direction, unit and, for a
#: per-sector share, the sector (as read at import; the computation reads the file at each call).
INDIKATOR_BELANJA: dict[str, dict[str, str]] = {
    r["id"]: {"nama": r["nama"], "arah": r["arah"] if pd.notna(r["arah"]) else "", "satuan": r["satuan"]}
    | ({"sektor": r["pembilang"]} if r["pembilang"] in SEKTOR else {})
    for r in parameter_files.load_spending_indicators().to_dict("records")
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

# --- parameter tables -----------------------------------------------------------------------------
# Files are read and validated by p3pd_lib.parameter_files (cached on the file's hash, so an edited file is noticed);
# the validate_* functions check a table handed over in memory against the same row models.


def split_codes(text: Any) -> list[str]:
    return [] if pd.isna(text) else [p.strip() for p in str(text).split(";") if p.strip()]


def validate_mapping(mapping: pd.DataFrame) -> pd.DataFrame:
    """A mapping table checked like ``pemetaan_apbdes.csv`` (raises :class:`~p3pd_lib.errors.ParameterError`).

    >>> validate_mapping(pd.DataFrame({"kode": ["02.01"], "sektor": ["PEND"], "kelompok": ["layanan_dasar"],
    ...     "campuran": ["tidak"], "penanda_dd": [None], "alasan": ["Pendidikan"], "sumber": ["proposed"]})).shape
    (1, 7)
    """
    return parameter_files.validate_rows("pemetaan_apbdes.csv", mapping, "Tabel pemetaan APBDes")


def validate_keyword_rules(keywords: pd.DataFrame) -> pd.DataFrame:
    """A keyword-rule table checked like ``kata_kunci_apbdes.csv`` (``teks`` optional: nama or nama_uraian)."""
    return parameter_files.validate_rows("kata_kunci_apbdes.csv", keywords, "Tabel kata kunci APBDes")


def validate_dana_desa_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """A rules table checked like ``aturan_dana_desa.csv``: bounds in % of ``basis`` (dana_desa or total_belanja)."""
    return parameter_files.validate_rows("aturan_dana_desa.csv", rules, "Tabel aturan Dana Desa")


def load_mapping(path: str | Path | None = None) -> pd.DataFrame:
    """The APBDes → sector/group mapping (``parameters/pemetaan_apbdes.csv``), validated.

    >>> m = load_mapping()
    >>> m.set_index("kode").loc["01.01.03", ["sektor", "kelompok"]].tolist()
    [<NA>, 'operasional']
    """
    return parameter_files.load_mapping(path)


def load_keyword_rules(path: str | Path | None = None) -> pd.DataFrame:
    """Keyword rules for mixed codes and earmarks (``parameters/kata_kunci_apbdes.csv``), validated."""
    return parameter_files.load_keyword_rules(path)


def load_dana_desa_rules(path: str | Path | None = None) -> pd.DataFrame:
    """Year-versioned Dana Desa and personnel rules (``parameters/aturan_dana_desa.csv``), validated.

    >>> r = load_dana_desa_rules()
    >>> r[(r["aturan"] == "BLT") & (r["tahun"] == 2023)][["batas_bawah", "batas_atas"]].values.tolist()
    [[10.0, 25.0]]
    """
    return parameter_files.load_dana_desa_rules(path)
