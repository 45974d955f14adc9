"""What an import reports: findings, per-file status, changes (the importer's shared vocabulary).

:class:`Collector` gathers the findings of one input, capped at
:data:`MAX_SAMA` per sheet, rule and column; :class:`ImportResult` and
:class:`ParsedImport` are what :func:`~p3pd_lib.importer.import_files` and
:func:`~p3pd_lib.importer.read_files` return. :class:`Context` (the region and
year being imported) and :class:`Unit` (one submission) travel between the
reading, validation and merging steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import KitError

FINDING_COLUMNS = ("berkas", "lembar", "baris", "kolom", "nilai", "aturan", "tingkat", "pesan")
FILE_COLUMNS = ("berkas", "jenis", "sha256", "status", "n_galat", "n_peringatan", "laporan")
CHANGE_COLUMNS = ("berkas", "tabel", "kode_desa", "tahun", "tindakan", "baris")
TINDAKAN = ("ditambah", "dilengkapi", "diganti", "tidak_berubah", "konflik")
#: Findings of one rule listed per sheet and column before the rest is only counted.
MAX_SAMA = 100

#: The data tables an import fills; per desa-year, the first two hold one row (merged column by column),
#: the others many rows (replaced as a set).
DATA_TABLES = ("layanan", "apbdes", "status_desa", "usulan", "idm_rumusan")
ROW_TABLES = ("layanan", "status_desa")  # one row per desa-year: merged column by column
SETS_TABLES = ("apbdes", "usulan", "idm_rumusan")  # many rows per desa-year: replaced as a set


class ImportRefused(KitError):
    """The import cannot run at all (e.g. the store holds demo data); message in Indonesian."""


# =========================================================================== results

@dataclass(frozen=True)
class ImportResult:
    """What an import (or a check) did.

    ``findings``: :data:`FINDING_COLUMNS`; ``files``: one row per input
    (:data:`FILE_COLUMNS`; ``status`` is ``diterima``, ``ditolak``,
    ``diperiksa``, or ``tidak ada data`` for a file without data rows, e.g.
    only a header); ``changes``: one row per table, desa and year touched
    (:data:`CHANGE_COLUMNS`; ``tindakan`` in :data:`TINDAKAN`); ``accepted``:
    no file was rejected; ``dry_run``: nothing was written to the data store.
    """

    findings: pd.DataFrame
    files: pd.DataFrame
    changes: pd.DataFrame
    accepted: bool
    dry_run: bool
    data_dir: Path

    @property
    def summary(self) -> dict[str, int]:
        """Counts: files, accepted/rejected files, galat, peringatan, and desa-years per tindakan."""
        f = self.findings
        out = {
            "berkas": len(self.files),
            "berkas_diterima": int(self.files["status"].isin(["diterima", "diperiksa"]).sum()),
            "berkas_ditolak": int((self.files["status"] == "ditolak").sum()),
            "berkas_kosong": int((self.files["status"] == "tidak ada data").sum()),
            "galat": int((f["tingkat"] == "galat").sum()),
            "peringatan": int((f["tingkat"] == "peringatan").sum()),
        }
        for t in TINDAKAN:
            out[t] = int((self.changes["tindakan"] == t).sum())
        return out

    def summary_text(self) -> str:
        """A few Indonesian lines for the CLI and the dashboard."""
        s = self.summary
        kosong = f", {s['berkas_kosong']} tidak ada data" if s["berkas_kosong"] else ""
        lines = [f"{s['berkas']} berkas: {s['berkas_diterima']} diterima, {s['berkas_ditolak']} ditolak{kosong}; "
                 f"{s['galat']} galat, {s['peringatan']} peringatan."]
        if self.dry_run:
            lines.append("Hanya pemeriksaan: data tidak disimpan.")
        lines.append(f"Desa-tahun: {s['ditambah']} ditambah, {s['dilengkapi']} dilengkapi, {s['diganti']} diganti, "
                     f"{s['tidak_berubah']} tidak berubah, {s['konflik']} konflik.")
        if s["konflik"] and not self.dry_run:
            lines.append("Data yang konflik TIDAK diubah; ulangi dengan --ganti bila kiriman baru memang pengganti.")
        for r in self.files.itertuples():
            lap = f" — laporan: {r.laporan}" if isinstance(r.laporan, str) and r.laporan else ""
            lines.append(f"  [{r.status}] {r.berkas} ({r.jenis}): {r.n_galat} galat, {r.n_peringatan} peringatan{lap}")
        return "\n".join(lines)


@dataclass
class Context:
    """The region, year and village an import is about (each None when not given)."""

    kecamatan: str | None = None
    kabupaten: str | None = None
    tahun: int | None = None
    kode_desa: str | None = None


@dataclass
class Unit:
    """One submission: a file, or the Siskeudes tables of one call."""

    paths: list[Path]
    jenis: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    mapping: pd.DataFrame | None = None
    origin: dict[tuple[str, int], Path] | None = None  # desa-year -> file, when one unit gathers many files

    @property
    def rejected(self) -> bool:
        return any(f["tingkat"] == "galat" for f in self.findings)


class Collector:
    """Findings of one file, capped per (sheet, rule, column)."""

    def __init__(self, berkas: str) -> None:
        self.berkas = berkas
        self.items: list[dict[str, Any]] = []
        self._count: dict[tuple, int] = {}

    def add(self, lembar: str | None, baris: int | None, kolom: str | None, nilai: object, aturan: str, tingkat: str,
            pesan: str) -> None:
        key = (lembar, aturan, kolom, tingkat)
        n = self._count.get(key, 0) + 1
        self._count[key] = n
        if n <= MAX_SAMA:
            self.items.append({"berkas": self.berkas, "lembar": lembar, "baris": baris, "kolom": kolom,
                               "nilai": show(nilai), "aturan": aturan, "tingkat": tingkat, "pesan": pesan})

    def extend(self, found: Iterable[dict[str, Any]], lembar: str | None = None) -> None:
        for f in found:
            self.add(f.get("lembar") or lembar, f.get("baris"), f.get("kolom"), f.get("nilai"), f["aturan"],
                     f["tingkat"], f["pesan"])

    def done(self) -> list[dict[str, Any]]:
        out = list(self.items)
        for (lembar, aturan, kolom, tingkat), n in self._count.items():
            if n > MAX_SAMA:
                out.append({"berkas": self.berkas, "lembar": lembar, "baris": None, "kolom": kolom, "nilai": None,
                            "aturan": aturan, "tingkat": tingkat,
                            "pesan": f"… dan {n - MAX_SAMA} temuan '{aturan}' lain pada kolom ini (tidak ditampilkan)."})
        return out


def show(v: object) -> str | None:
    """A cell value as a finding shows it: None when empty, whole floats without ``.0``.

    >>> show(12.0), show(1.5), show(float("nan")), show("x")
    ('12', '1.5', None, 'x')
    """
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def number_text(v: object) -> str | None:
    """A number as a finding's message writes it: Indonesian separators, no trailing zeros
    (None when empty; a text is returned as it is).

    >>> number_text(1.5), number_text(1234567.0), number_text(0.65321), number_text("x"), number_text(None)
    ('1,5', '1.234.567', '0,65321', 'x', None)
    """
    from ..numbers import format_angka

    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        return show(v)
    f = float(v)
    if math.isnan(f):
        return None
    if not math.isfinite(f) or f.is_integer():
        return format_angka(f, 0) if math.isfinite(f) else str(f)
    decimals = len(f"{f:.6f}".rstrip("0").split(".")[1])
    return format_angka(f, decimals)


def rule_name(aturan: object) -> str:
    """The plain-language name of an import rule (``parameters/label.yaml``, ``aturan_temuan``).

    >>> rule_name("pembilang_melebihi_penyebut"), rule_name("aturan_baru")
    ('Pembilang melebihi penyebut', 'Aturan baru')
    """
    from .. import labels

    return labels.label("aturan_temuan", aturan, bawaan=str(aturan).replace("_", " ").capitalize())


def is_empty(v: object) -> bool:
    """True for None, NA, NaN and blank text: a cell with nothing in it.

    >>> is_empty(None), is_empty("  "), is_empty(0), is_empty("0")
    (True, True, False, False)
    """
    if v is None or v is pd.NA:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def findings_frame(paths: Sequence[Path], collectors: Mapping[Path, Collector]) -> pd.DataFrame:
    """All findings of all files (:data:`FINDING_COLUMNS`), sorted as a person reads them:
    files in input order, then sheet (in the order the file holds them; findings about the
    whole file first), then row (findings without a row, such as "… and N more", last)."""
    findings_rows = [f for p in paths for f in collectors[p].done()]
    findings = pd.DataFrame(findings_rows, columns=list(FINDING_COLUMNS))
    findings = findings.assign(baris=pd.array(findings["baris"].tolist(), dtype="Int64"))
    return sort_findings(findings)


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings sorted by file (first appearance), sheet (first appearance, none first) and row
    (none last); the order within one row is kept.

    >>> f = pd.DataFrame({"berkas": ["a"] * 4, "lembar": ["L2", "L1", "L2", None], "baris": [9, 5, 3, None]})
    >>> r = sort_findings(f)
    >>> list(zip(r["lembar"].fillna("–").tolist(), r["baris"].fillna(0).astype(int).tolist()))
    [('–', 0), ('L2', 3), ('L2', 9), ('L1', 5)]
    """
    if findings.empty:
        return findings
    file_order = {b: i for i, b in enumerate(dict.fromkeys(findings["berkas"].tolist()))}
    sheets = findings["lembar"].astype(object).where(findings["lembar"].notna(), None).tolist()
    sheet_order: dict[tuple[object, object], int] = {}
    for b, s in zip(findings["berkas"].tolist(), sheets):
        sheet_order.setdefault((b, s), -1 if s is None else len(sheet_order))
    rows = pd.to_numeric(findings["baris"], errors="coerce").astype(float)
    keys = pd.DataFrame({
        "_f": [file_order[b] for b in findings["berkas"].tolist()],
        "_s": [sheet_order[(b, s)] for b, s in zip(findings["berkas"].tolist(), sheets)],
        "_r": rows.fillna(float("inf")).to_numpy(),
    }, index=findings.index)
    order = keys.sort_values(["_f", "_s", "_r"], kind="stable").index
    return findings.loc[order].reset_index(drop=True)


# =========================================================================== parse only (dashboard)

@dataclass(frozen=True)
class ParsedImport:
    """Files read and validated into canonical tables by :func:`read_files`; nothing was written.

    ``tables``: the accepted data (``layanan``, ``apbdes``, ``status_desa``,
    ``usulan``; only those present), merged across the accepted files as an
    import into an empty store would merge them; ``findings``
    (:data:`FINDING_COLUMNS`) and ``files`` (:data:`FILE_COLUMNS`, status
    ``diterima``/``ditolak``) as in :class:`ImportResult`; ``accepted``: no file
    was rejected.
    """

    tables: dict[str, pd.DataFrame]
    findings: pd.DataFrame
    files: pd.DataFrame
    accepted: bool

    @property
    def errors(self) -> pd.DataFrame:
        """The blocking findings (``tingkat == "galat"``)."""
        return self.findings[self.findings["tingkat"] == "galat"]

