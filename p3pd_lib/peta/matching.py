"""Matching boundary features to official codes: by a code column, else by names.

A Kemendagri code column (BIG's ``KDEPUM``/``KDCPUM``, or ``KODE_DESA`` …,
dotted or not, e.g. ``3307032005`` = ``33.07.03.2005``) is used when most of
its values are official codes. BPS codes (``KDEBPS``, ``IDDESA`` …) use
another split (2+2+3+3 digits) and are never sliced into Kemendagri codes:
without a crosswalk such a file is matched by names, desa within kecamatan
within kabupaten (``WADMKD``/``WADMKC``/``WADMKK`` …), with the kit's tolerant
name matching (:func:`p3pd_lib.wilayah.match`). A name that is not found, or
that fits several regions equally well, is left to the user in the mapping
file with its best candidates.

>>> find_column(["OBJECTID", "WADMKD", "WADMKC"], NAME_COLUMNS["desa"])
'WADMKD'
>>> as_official_code("3307032005"), as_official_code("33.07.03.2005."), as_official_code("330703001") is None
('33.07.03.2005', '33.07.03.2005', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import pandas as pd

from .. import wilayah
from ..errors import ParameterError

#: Column names holding Kemendagri codes, per level (case-insensitive, best first).
CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "desa": ("KDEPUM", "KODE_DESA", "KD_DESA", "KODEDESA", "KODE_KEMENDAGRI", "KODE_WILAYAH", "KDWIL", "KODE"),
    "kecamatan": ("KDCPUM", "KODE_KEC", "KODE_KECAMATAN", "KD_KEC", "KODEKEC"),
}
#: Column names holding BPS codes: recognised, never sliced into Kemendagri codes.
BPS_COLUMNS = ("KDEBPS", "KDCBPS", "KDBBPS", "KDPBPS", "KODE_BPS", "KD_BPS", "IDDESA", "IDKEC", "ID_DESA_BPS")
#: Column names holding names, per level (case-insensitive, best first).
NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "desa": ("WADMKD", "NAMA_DESA", "NM_DESA", "NAMADESA", "DESA", "DESA_KEL", "DESA_KELURAHAN", "KELURAHAN",
             "NAMOBJ"),
    "kecamatan": ("WADMKC", "NAMA_KEC", "NM_KEC", "NAMA_KECAMATAN", "KECAMATAN", "KEC"),
    "kabupaten": ("WADMKK", "NAMA_KAB", "NM_KAB", "KABUPATEN", "KAB_KOTA", "KABKOT", "KAB"),
}
#: Share of a code column's values that must be official codes for the column to be used.
MIN_OFFICIAL_SHARE = 0.8
#: Name-matching threshold (0–100, rapidfuzz ratio after the kit's normalisation).
MIN_SCORE = 85.0

LEVEL = {"desa": 3, "kecamatan": 2}


def find_column(columns: Iterable[str], wanted: Iterable[str]) -> str | None:
    """The first of ``wanted`` present in ``columns`` (case-insensitive), as spelled in the file."""
    by_upper = {str(c).upper(): str(c) for c in columns}
    return next((by_upper[w] for w in wanted if w in by_upper), None)


def as_official_code(value: Any) -> str | None:
    """The dotted Kemendagri code of a value when it is written as one and is official, else ``None``."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():  # a code read as a number from a .dbf
        text = text[:-2]
    try:
        code = wilayah.normalize_code(text)
    except ParameterError:
        return None
    return code if wilayah.is_official(code) else None


@dataclass(frozen=True)
class Columns:
    """The columns of a boundary table the matcher uses (``None`` when absent)."""

    tingkat: str  # "desa" or "kecamatan": what one feature is
    kode: str | None
    bps: str | None
    desa: str | None
    kecamatan: str | None
    kabupaten: str | None


def detect_columns(columns: Iterable[str], tingkat: str | None = None) -> Columns:
    """Which columns hold codes and names, and whether the features are desa or kecamatan.

    >>> detect_columns(["KDCPUM", "WADMKC", "WADMKK"]).tingkat, detect_columns(["NAMOBJ", "KDCPUM", "WADMKC"]).tingkat
    ('kecamatan', 'kecamatan')
    >>> detect_columns(["NAMOBJ", "KDEPUM", "WADMKC"]).tingkat, detect_columns(["NAMOBJ"]).tingkat
    ('desa', 'desa')
    """
    cols = list(columns)
    desa_code = find_column(cols, CODE_COLUMNS["desa"])
    desa_name = find_column(cols, NAME_COLUMNS["desa"])
    if tingkat is None:
        # BIG's kecamatan layer has NAMOBJ too (the kecamatan's name): it alone does not make a desa layer.
        desa_hint = desa_code or find_column(cols, [c for c in NAME_COLUMNS["desa"] if c != "NAMOBJ"]) \
            or find_column(cols, ("KDEBPS", "IDDESA"))
        kec_hint = find_column(cols, CODE_COLUMNS["kecamatan"]) or find_column(cols, NAME_COLUMNS["kecamatan"])
        tingkat = "desa" if desa_hint or (desa_name and not kec_hint) else "kecamatan"
    return Columns(
        tingkat=tingkat,
        kode=desa_code if tingkat == "desa" else find_column(cols, CODE_COLUMNS["kecamatan"]),
        bps=find_column(cols, BPS_COLUMNS),
        desa=desa_name if tingkat == "desa" else None,
        kecamatan=find_column(cols, NAME_COLUMNS["kecamatan"]),
        kabupaten=find_column(cols, NAME_COLUMNS["kabupaten"]),
    )


def code_column_usable(values: pd.Series, tingkat: str) -> tuple[pd.Series, float]:
    """(official dotted codes at the right level or ``<NA>``, share of non-empty values that are such codes)."""
    lvl = LEVEL[tingkat]
    codes = pd.Series([as_official_code(v) for v in values], index=values.index, dtype="string")
    codes = codes.where(codes.str.count(r"\.") == lvl)
    filled = values.notna() & (values.astype("string").str.strip() != "")
    share = float(codes.notna().sum() / filled.sum()) if filled.any() else 0.0
    return codes, share


def _text(v: Any) -> str:
    return "" if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else str(v).strip()


def candidates(name: str, tingkat: str, dalam: str | None, limit: int = 3) -> str:
    """The best official regions for a name, as text for the mapping file: 'kode nama (skor); …'."""
    if not _text(name):
        return ""
    try:
        found = wilayah.search(name, tingkat, dalam, limit=limit, min_score=50.0)
    except ParameterError:
        return ""
    return "; ".join(f"{r.kode} {r.nama} ({r.skor:.0f})" for r in found.itertuples())


class NameMatcher:
    """Name matching of kabupaten → kecamatan → desa, cached per distinct name."""

    def __init__(self, kabupaten: str | None = None) -> None:
        self.kabupaten = kabupaten
        self._cache: dict[tuple[str, str, str | None], str | None] = {}
        self._scores: dict[tuple[str, str, str | None], float | None] = {}

    def _match(self, name: str, tingkat: str, dalam: str | None) -> str | None:
        key = (name, tingkat, dalam)
        if key not in self._cache:
            self._cache[key] = wilayah.match(name, tingkat, dalam, min_score=MIN_SCORE) if _text(name) else None
        return self._cache[key]

    def scope(self, kab_name: str, kec_name: str) -> tuple[str | None, str | None]:
        """(kabupaten code, kecamatan code) named by a feature's columns (either may be ``None``)."""
        kab = self.kabupaten or (self._match(kab_name, "kabupaten", None) if _text(kab_name) else None)
        kec = self._match(kec_name, "kecamatan", kab) if _text(kec_name) else None
        return kab, kec

    def match(self, tingkat: str, desa_name: str, kec_name: str, kab_name: str) -> tuple[str | None, str | None, float | None]:
        """(code or ``None``, the region it was searched in, score of the match)."""
        kab, kec = self.scope(kab_name, kec_name)
        if tingkat == "kecamatan":
            code = kec
            dalam = kab
            name = kec_name
        else:
            dalam = kec or kab
            name = desa_name
            code = self._match(name, "desa", dalam) if dalam is not None else None
        return code, dalam, self._score(name, tingkat, dalam) if code is not None else None

    def _score(self, name: str, tingkat: str, dalam: str | None) -> float | None:
        key = (name, tingkat, dalam)
        if key not in self._scores:
            found = wilayah.search(name, tingkat, dalam, limit=1, min_score=0.0)
            self._scores[key] = float(found["skor"].iloc[0]) if len(found) else None
        return self._scores[key]


def same_name_key(*parts: Any) -> str:
    """A key of source names that ignores case, spaces and punctuation (the mapping file's key).

    >>> same_name_key("Kec. Bakongan", None, "  DESA X ")
    'kecbakongan||desax'
    """
    return "|".join("".join(ch for ch in _text(p).lower() if ch.isalnum()) for p in parts)
