"""Getting real data in: read, validate, archive and store submitted files.

One entry point for the CLI (``p3pd impor``/``p3pd periksa``), the dashboard
upload and the reports: :func:`import_files` (and :func:`check_files`, which
only validates). Accepted inputs, recognised by their content (not their name):

- filled templates (:mod:`p3pd_lib.template`) and CSV/Excel files whose header
  row holds the canonical column names or their Indonesian labels
  (:mod:`p3pd_lib.schemas`);
- a Siskeudes database export as delivered: a folder, a .zip or all its files
  (CSV or Excel tables, ``.columns`` files); the tables given in one call form one
  submission, tables the kit does not need are skipped with an info finding
  (see :mod:`p3pd_lib.siskeudes_export`, :mod:`p3pd_lib.siskeudes`,
  :mod:`p3pd_lib.siskeudes_desa`);
- the Siskeudes "Penjabaran APBDes" report saved as Excel, CSV or PDF
  (:mod:`p3pd_lib.penjabaran`);
- Kemendesa's IDM files (:mod:`p3pd_lib.idm`): the yearly list ("IDM tahun …
  hasil pemutakhiran", Excel or CSV) into ``status_desa``, and the per-desa
  rumusan JSON (a folder of them is expanded) into ``idm_rumusan``.

**Validation.** Every finding names the file, sheet, row (as Excel shows it,
1-based, header included), column (the header as written in the file), the
value, the rule (``aturan``), the level (``tingkat``: ``galat`` blocks,
``peringatan`` does not) and an Indonesian message. A file (or a Siskeudes
set) with at least one galat is rejected as a whole. At most
:data:`MAX_SAMA` findings of one rule per sheet and column are listed, followed
by one line counting the rest.

**Nothing is lost.** Accepted files are copied byte for byte into ``raw/``
(content-addressed, with a manifest) *before* the store changes; the store is
then written with :func:`p3pd_lib.store.save_dataset` (validated first,
written aside, then renamed). A rejected file, a dry run and a repeated import
change nothing in the data folder. An import holds the store's lock from
reading the store to its commit, and archive, tables, mapping and history are
one commit (:mod:`p3pd_lib.transaction`): a second import waits or is told
the store is busy, a crash is finished or undone on the next start, a
read-only store is refused with a message. Workbooks are inspected before
they are opened (:mod:`p3pd_lib.safe_excel`): oversized expansions are
refused, hidden sheets reported and not read.

**Newer submissions.** ``layanan`` and ``status_desa`` are merged per desa and
year, column by column: a value for an empty cell is added (``dilengkapi``);
a value that differs from the stored one is a conflict (``konflik``), applied
only with ``replace=True`` (``--ganti``, ``diganti``); an empty cell never erases
a stored value. ``apbdes`` and ``usulan`` are replaced per desa and year as a
whole set of lines: the same set is ``tidak_berubah``, another set a conflict
unless ``replace=True``. A conflict leaves that desa-year as stored and is
reported as a peringatan; the rest of the file is imported. Every change is
recorded in the import history (:func:`p3pd_lib.history.read_history`).

Reports of findings (Excel + HTML) are written next to the input as
``<name>.temuan.xlsx``/``.html`` (or under ``<data>/laporan_impor/`` when that
folder is not writable); the input itself is never modified.
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import math
import os
import re
import uuid
import zipfile
from dataclasses import dataclass, field, replace as dc_replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import penjabaran, safe_excel, siskeudes as sk, siskeudes_desa, siskeudes_export as sx
from .errors import KitError, ParameterError
from .numbers import parse_column
from .paths import data_dir as _data_dir
from .schemas import REQUIRED_TABLES, TABLES, coerce, empty_frame
from .template import (DAFTAR_SHEET, INFO_SHEET, NAMA_DESA, PETUNJUK_SHEET, TEMPLATE_KIND,
                       TEMPLATE_SHEETS, number_kind)

FINDING_COLUMNS = ("berkas", "lembar", "baris", "kolom", "nilai", "aturan", "tingkat", "pesan")
FILE_COLUMNS = ("berkas", "jenis", "sha256", "status", "n_galat", "n_peringatan", "laporan")
CHANGE_COLUMNS = ("berkas", "tabel", "kode_desa", "tahun", "tindakan", "baris")
TINDAKAN = ("ditambah", "dilengkapi", "diganti", "tidak_berubah", "konflik")

#: Largest file accepted (bytes) and most rows per sheet; larger inputs are refused with a message.
MAX_BYTES = 200 * 1024 * 1024
MAX_ROWS = 1_000_000
#: Largest plausible absolute value per kind of number (people/households, Rupiah, other decimals):
#: beyond it a value is a finding (``angka_tidak_wajar``), never stored.
PLAUSIBLE = {"count": 1e8, "rupiah": 1e14, "decimal": 1e12}
#: Findings of one rule listed per sheet and column before the rest is only counted.
MAX_SAMA = 100
_READ_ONLY_FROM = 8 * 1024 * 1024  # xlsx above this size is streamed (merged cells then found by safe_excel)

_DATA_TABLES = ("layanan", "apbdes", "status_desa", "usulan", "idm_rumusan")
_ROW_TABLES = ("layanan", "status_desa")  # one row per desa-year: merged column by column
_SETS_TABLES = ("apbdes", "usulan", "idm_rumusan")  # many rows per desa-year: replaced as a set


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
class _Context:
    kecamatan: str | None = None
    kabupaten: str | None = None
    tahun: int | None = None
    kode_desa: str | None = None


@dataclass
class _Sheet:
    name: str | None
    rows: list[list[object]]
    formulas: set[tuple[int, int]] = field(default_factory=set)
    merged: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # r0, c0, r1, c1 (0-based), coord


@dataclass
class _Unit:
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


class _Collector:
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
                               "nilai": _show(nilai), "aturan": aturan, "tingkat": tingkat, "pesan": pesan})

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


def _show(v: object) -> str | None:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _empty(v: object) -> bool:
    if v is None or v is pd.NA:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


# =========================================================================== reading files

# Grids already read in this call (by _read_all, to recognise IDM lists), handed to _read_grid once.
_PRELOADED: dict[tuple[str, int, int], tuple[list[_Sheet], str, list[dict[str, Any]]]] = {}


def _grid_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


def _read_grid(path: Path, max_bytes: int, max_rows: int) -> tuple[list[_Sheet], str, list[dict[str, Any]]]:
    """(sheets, format 'xlsx'/'csv', file-level findings) of one input."""
    if path.is_file():
        cached = _PRELOADED.pop(_grid_key(path), None)
        if cached is not None:
            return cached
    problems: list[dict[str, Any]] = []

    def fail(aturan: str, pesan: str) -> tuple[list[_Sheet], str, list[dict[str, Any]]]:
        problems.append({"aturan": aturan, "tingkat": "galat", "pesan": pesan})
        return [], "?", problems

    if not path.exists():
        return fail("berkas_tidak_ada", f"Berkas '{path}' tidak ditemukan.")
    if path.is_dir():
        return fail("berkas_tidak_ada", f"'{path}' adalah folder, bukan berkas.")
    size = path.stat().st_size
    if size > max_bytes:
        return fail("berkas_terlalu_besar",
                    f"Berkas berukuran {size / 1024 / 1024:.1f} MB, melebihi batas {max_bytes / 1024 / 1024:.0f} MB. "
                    "Pecah per kecamatan atau per tahun, lalu impor bagian-bagiannya.")
    if size == 0:
        return fail("berkas_kosong", "Berkas kosong (0 byte).")
    with open(path, "rb") as fh:
        head = fh.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _read_xlsx(path, size, max_rows, problems)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return fail("format_tidak_didukung", "Berkas berformat Excel lama (.xls). Buka di Excel atau LibreOffice, "
                                             "lalu simpan sebagai .xlsx dan impor ulang.")
    if suffix in (".xlsx", ".xlsm", ".xltx", ".ods", ".xls"):
        return fail("bukan_excel", f"Berkas bernama {suffix} tetapi isinya bukan berkas Excel yang sah (mungkin berkas "
                                   "lain yang diganti namanya, atau unduhan yang gagal). Simpan ulang dari Excel sebagai "
                                   ".xlsx.")
    return _read_csv(path, max_rows, problems)


def _read_xlsx(path: Path, size: int, max_rows: int, problems: list[dict[str, Any]]):
    import warnings

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    info = safe_excel.inspect_xlsx(path)  # zip directory only: refuses a bomb before anything is expanded
    if info.refused:
        problems.extend(info.problems)
        return [], "xlsx", problems
    read_only = size > _READ_ONLY_FROM
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions (data validation, etc.)
            wb = load_workbook(path, read_only=read_only, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, EOFError, OSError, ValueError, TypeError) as exc:
        problems.append({"aturan": "berkas_rusak", "tingkat": "galat",
                         "pesan": "Berkas Excel rusak atau terpotong dan tidak dapat dibuka "
                                  f"({type(exc).__name__}). Simpan ulang dari Excel atau kirim ulang berkasnya."})
        return [], "xlsx", problems
    except Exception as exc:  # openpyxl raises many kinds on malformed XML
        problems.append({"aturan": "berkas_rusak", "tingkat": "galat",
                         "pesan": f"Berkas Excel tidak dapat dibaca ({type(exc).__name__}: {exc}). Simpan ulang "
                                  "dari Excel sebagai .xlsx."})
        return [], "xlsx", problems
    sheets: list[_Sheet] = []
    try:
        for ws in wb.worksheets:
            state = info.states.get(ws.title) or getattr(ws, "sheet_state", "visible")
            if state != "visible" and ws.title != INFO_SHEET:  # the template's own _info sheet is hidden by design
                jenis = "sangat tersembunyi (very hidden)" if state == "veryHidden" else "tersembunyi (hidden)"
                problems.append({"lembar": ws.title, "aturan": "lembar_tersembunyi", "tingkat": "peringatan",
                                 "pesan": f"Lembar '{ws.title}' {jenis} dan TIDAK dibaca. Bila isinya memang data "
                                          "yang akan diimpor, tampilkan lembarnya (Unhide) lalu impor ulang."})
                continue
            max_row = ws.max_row or 0
            if max_row > max_rows:
                problems.append({"lembar": ws.title, "aturan": "berkas_terlalu_besar", "tingkat": "galat",
                                 "pesan": f"Lembar '{ws.title}' berisi {max_row} baris, melebihi batas {max_rows}."})
                continue
            rows: list[list[object]] = []
            formulas: set[tuple[int, int]] = set()
            if max_row:
                for i, row in enumerate(ws.iter_rows(min_row=1, max_row=max_row, min_col=1)):
                    vals: list[object] = []
                    for j, c in enumerate(row):
                        v = getattr(c, "value", None)
                        if isinstance(v, (ArrayFormula, DataTableFormula)) or (
                                getattr(c, "data_type", None) == "f" and v is not None):
                            formulas.add((i, j))
                            v = getattr(v, "text", v)
                        vals.append(v)
                    rows.append(vals)
            while rows and all(_empty(v) for v in rows[-1]):
                rows.pop()
            merged = []
            if not read_only:
                for rng in ws.merged_cells.ranges:
                    merged.append((rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1, rng.coord))
            elif ws.title in info.parts:  # read-only mode does not list them: stream the sheet's XML
                merged = safe_excel.merged_ranges(path, info.parts[ws.title])
            sheets.append(_Sheet(ws.title, rows, formulas, merged))
    except Exception as exc:
        problems.append({"aturan": "berkas_rusak", "tingkat": "galat",
                         "pesan": f"Isi berkas Excel rusak atau terpotong ({type(exc).__name__}); kirim ulang berkasnya."})
        return [], "xlsx", problems
    finally:
        if read_only:
            wb.close()
    return sheets, "xlsx", problems


def _read_csv(path: Path, max_rows: int, problems: list[dict[str, Any]]):
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        problems.append({"aturan": "format_tidak_didukung", "tingkat": "galat",
                         "pesan": "Berkas ini bukan teks CSV maupun Excel .xlsx; simpan sebagai .xlsx atau .csv."})
        return [], "?", problems
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly everything
        text = raw.decode("latin-1")
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 20)[0] if "\n" in sample else sample, delimiters=",;\t|")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    rows: list[list[object]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        for i, rec in enumerate(reader):
            if i >= max_rows:
                problems.append({"aturan": "berkas_terlalu_besar", "tingkat": "galat",
                                 "pesan": f"Berkas berisi lebih dari {max_rows} baris; pecah per kecamatan atau tahun."})
                return [], "csv", problems
            rows.append(rec)  # "" and blanks count as empty everywhere (see _empty)
    except csv.Error as exc:
        problems.append({"aturan": "berkas_rusak", "tingkat": "galat",
                         "pesan": f"Berkas CSV tidak dapat dibaca: {exc}."})
        return [], "csv", problems
    while rows and all(_empty(v) for v in rows[-1]):
        rows.pop()
    return [_Sheet(None, rows)], "csv", problems


# =========================================================================== canonical tables

def _hnorm(h: object) -> str:
    return re.sub(r"\s+", " ", str(h).strip().lower()) if h is not None else ""


@lru_cache(maxsize=1)
def _header_lookup() -> dict[str, dict[str, str]]:
    """table → {normalised header (label or name) → column name}."""
    out: dict[str, dict[str, str]] = {}
    for t in _DATA_TABLES:
        m: dict[str, str] = {}
        for c in TABLES[t].columns:
            m[_hnorm(c.label)] = c.name
            m[_hnorm(c.name)] = c.name
        m[_hnorm(NAMA_DESA.label)] = "nama_desa"
        m["nama_desa"] = "nama_desa"
        m["nama desa"] = "nama_desa"
        out[t] = m
    return out


def _detect_table(sheet: _Sheet, hint: str | None) -> tuple[str, int, dict[int, str]] | None:
    best: tuple[int, int, str, int, dict[int, str]] | None = None
    for i, row in enumerate(sheet.rows[:15]):
        cells = [_hnorm(v) for v in row]
        for t, lookup in _header_lookup().items():
            cmap = {j: lookup[h] for j, h in enumerate(cells) if h in lookup}
            if "kode_desa" not in cmap.values():
                continue
            n = len(set(cmap.values()))
            score = (n, 1 if hint == t else 0)
            if n >= 2 and (best is None or score > (best[0], best[1])):
                best = (n, 1 if hint == t else 0, t, i, cmap)
    if best is None:
        return None
    return best[2], best[3], best[4]


@lru_cache(maxsize=1)
def _pairs() -> tuple[tuple[str, str, str], ...]:
    """(indicator id, numerator column, denominator column) from the indicator catalogue."""
    from .indicators import load_catalogue

    f = load_catalogue().frame
    return tuple((str(i), str(p), str(q)) for i, p, q in zip(f["id"], f["pembilang"], f["penyebut"]))


_CODE_TEXT = re.compile(r"^\s*(\d[\d.\s]*\d)\.?\s*(?:[–—-]\s*(.*?))?\s*$")


@lru_cache(maxsize=200_000)
def _code_info(text: str) -> tuple[str | None, str | None, str | None]:
    """(dotted code or None, jenis or None if not official, format error message or None)."""
    from . import wilayah

    try:
        code = wilayah.normalize_code(text)
    except ParameterError:
        return None, None, f"Kode desa '{text}' tidak sesuai format kode Kemendagri (mis. 33.07.01.2001)."
    if code.count(".") != 3:
        return None, None, f"'{text}' bukan kode desa/kelurahan (harus 4 bagian, mis. 33.07.01.2001)."
    if not wilayah.is_official(code):
        return code, None, None
    return code, wilayah.jenis(code), None


def _suggest(code: str | None, name_hint: str | None, ctx: _Context) -> str:
    """' Yang paling mirip: …' for an unknown village code (name first, else the code)."""
    from rapidfuzz import process

    from . import wilayah

    dalam = ctx.kecamatan or ctx.kabupaten
    if dalam is None and code:
        for prefix in (code[:8], code[:5]):
            if wilayah.is_official(prefix):
                dalam = prefix
                break
    try:
        if name_hint and str(name_hint).strip():
            found = wilayah.search(str(name_hint), "desa", dalam=dalam, limit=1, min_score=0)
            if len(found):
                return f" Yang paling mirip: {found['nama'].iloc[0]} ({found['kode'].iloc[0]})."
        if code and dalam and dalam.count(".") == 2:
            kids = wilayah.children(dalam)
            hit = process.extractOne(code, kids)
            if hit:
                return f" Kode terdekat di kecamatan {wilayah.name(dalam)}: {hit[0]} ({wilayah.name(hit[0])})."
    except KitError:
        pass
    return ""


def _validate(raw: pd.DataFrame, table: str, *, baris: Sequence[int], headers: Mapping[str, str],
              formulas: set[tuple[int, str]], lembar: str | None, col: _Collector, ctx: _Context,
              names: Sequence[object] | None = None) -> pd.DataFrame:
    """Check and convert one table's raw cells; returns the canonical frame (+ ``_lembar``, ``_baris``).

    ``raw`` holds object cells with canonical column names (a subset);
    ``baris`` the row number of each record as the user sees it.
    """
    from . import wilayah

    schema = TABLES[table]
    n = len(raw)
    baris = list(baris)
    out: dict[str, Any] = {}

    def add(pos: int | None, c: str, value: object, aturan: str, tingkat: str, pesan: str) -> None:
        col.add(lembar, baris[pos] if pos is not None else None, headers.get(c, c), value, aturan, tingkat, pesan)

    skip: set[tuple[int, str]] = set()
    for pos, c in sorted(formulas):
        skip.add((pos, c))
        add(pos, c, raw[c].iloc[pos], "rumus", "galat",
            "Sel berisi rumus; kit hanya menerima nilai. Salin lalu tempel sebagai nilai (Paste Special → Values).")

    def cells(c: str) -> list[object]:
        vals = raw[c].tolist() if c in raw.columns else [None] * n
        if skip:
            vals = [None if (i, c) in skip else v for i, v in enumerate(vals)]
        return vals

    # --- kode_desa (decided once per distinct value and name: exports repeat each code thousands of times)
    codes: list[object] = []
    jenis: list[object] = []
    name_hints = list(names) if names is not None else [None] * n
    scope = ctx.kecamatan or ctx.kabupaten
    memo: dict[tuple[str, object], tuple[object, object, tuple[str, str, str] | None, object]] = {}
    for pos, v in enumerate(cells("kode_desa")):
        if _empty(v):
            if (pos, "kode_desa") not in skip:
                add(pos, "kode_desa", v, "wajib_diisi", "galat", "Kode desa kosong.")
            codes.append(None)
            jenis.append(None)
            continue
        text = str(int(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() else str(v)
        hint = name_hints[pos]
        key = (text, hint if isinstance(hint, str) else None)
        if key not in memo:
            m = _CODE_TEXT.match(text)
            code_text, chosen_name = (m.group(1), m.group(2)) if m else (text, None)
            hint = hint if isinstance(hint, str) and hint.strip() else chosen_name
            code, jen, err = _code_info(code_text.replace(" ", ""))
            issue: tuple[str, str, str] | None = None
            shown: object = v
            if err:
                issue = ("format_kode", "galat", err)
            elif jen is None:
                issue = ("kode_tidak_dikenal", "galat", f"Kode desa {code} tidak ada dalam daftar resmi Kepmendagri."
                         + _suggest(code, hint, ctx))
            elif scope and not code.startswith(scope + "."):
                issue = ("di_luar_wilayah", "galat", f"Desa {code} ({wilayah.name(code)}) tidak berada di wilayah "
                         f"{scope} ({wilayah.name(scope)}) yang sedang diimpor.")
            elif hint and not _similar(str(hint), wilayah.name(code)):
                shown = hint
                issue = ("nama_desa_berbeda", "peringatan", f"Nama '{hint}' berbeda dengan nama resmi kode {code}: "
                         f"'{wilayah.name(code)}'. Pastikan kodenya benar.")
            memo[key] = (None if err else code, jen, issue, shown)
        code, jen, issue, shown = memo[key]
        if issue is not None:
            add(pos, "kode_desa", shown, *issue)
        codes.append(code)
        jenis.append(jen)
    out["kode_desa"] = codes

    # --- other columns
    for c in schema.columns:
        if c.name == "kode_desa":
            continue
        vals = cells(c.name)
        kind = number_kind(c)
        if c.name == "tahun" or kind is not None:
            parsed = parse_column(vals, kind="count" if c.name == "tahun" else kind)
            for p in parsed.problems:
                add(p.pos, c.name, vals[p.pos], p.aturan, p.tingkat,
                    p.pesan if p.aturan != "bukan_angka" else p.pesan + " Isi hanya angka pada kolom ini.")
            arr = parsed.values.to_numpy(dtype=float, na_value=np.nan)
            bad = np.zeros(n, dtype=bool)
            bad[[p.pos for p in parsed.problems if p.tingkat == "galat"]] = True
            limit = PLAUSIBLE["count" if c.name == "tahun" else kind]
            with np.errstate(invalid="ignore"):
                huge = ~bad & ~np.isnan(arr) & (np.abs(arr) > limit)  # also ±inf
            for pos in np.flatnonzero(huge):
                add(pos, c.name, vals[pos], "angka_tidak_wajar", "galat",
                    f"Nilai {_show(vals[pos])} jauh di luar batas wajar kolom '{c.label}' (lebih dari "
                    f"{limit:,.0f}); periksa digit yang berlebih.".replace(",", "."))
            arr[huge] = np.nan
            bad |= huge
            missing = np.isnan(arr) & ~bad
            if not c.nullable:
                for pos in np.flatnonzero(missing):
                    if (pos, c.name) not in skip:
                        add(pos, c.name, vals[pos], "wajib_diisi", "galat", f"Kolom '{c.label}' wajib diisi.")
            ok = ~np.isnan(arr) & ~bad
            if kind == "count" or c.name == "tahun":
                frac = ok & (np.mod(arr, 1) != 0)
                for pos in np.flatnonzero(frac):
                    add(pos, c.name, vals[pos], "bukan_bilangan_bulat", "galat",
                        f"Nilai {_show(vals[pos])} bukan bilangan bulat; kolom '{c.label}' berisi jumlah (tanpa desimal).")
                arr[frac] = np.nan
                ok &= ~frac
            if c.name == "tahun":
                out_range = ok & ((arr < c.min_value) | (arr > c.max_value))
                for pos in np.flatnonzero(out_range):
                    add(pos, c.name, vals[pos], "tahun_tidak_sah", "galat",
                        f"Tahun {int(arr[pos])} di luar rentang {int(c.min_value)}–{int(c.max_value)}.")
                if ctx.tahun is not None:
                    for pos in np.flatnonzero(ok & ~out_range & (arr != ctx.tahun)):
                        add(pos, c.name, vals[pos], "tahun_tidak_sesuai", "galat",
                            f"Tahun {int(arr[pos])} tidak sesuai dengan tahun {ctx.tahun} yang sedang diimpor/templat.")
                out[c.name] = arr
                continue
            neg = ok & (arr < 0)
            if kind == "count" or (c.min_value is not None and c.min_value >= 0):
                for pos in np.flatnonzero(neg):
                    add(pos, c.name, vals[pos], "nilai_negatif", "galat", f"Nilai negatif ({_show(arr[pos])}) pada "
                        f"kolom '{c.label}'; jumlah tidak boleh kurang dari 0.")
            elif kind == "rupiah":
                for pos in np.flatnonzero(neg):
                    add(pos, c.name, vals[pos], "nilai_negatif", "peringatan",
                        f"Nilai Rupiah negatif ({_show(arr[pos])}) pada kolom '{c.label}'; periksa kembali.")
            if c.max_value is not None:
                for pos in np.flatnonzero(ok & (arr > c.max_value)):
                    add(pos, c.name, vals[pos], "di_luar_rentang", "galat",
                        f"Nilai {_show(arr[pos])} melebihi batas {c.max_value:g} untuk kolom '{c.label}'."
                        + (" Indeks ditulis sebagai pecahan 0–1, mis. 0,6532." if c.max_value == 1 else ""))
            out[c.name] = arr
            continue
        # text columns: each distinct value is checked once
        text_memo: dict[object, tuple[object, tuple[str, str, str] | None]] = {}
        res: list[object] = []
        for pos, v in enumerate(vals):
            if _empty(v):
                if not c.nullable and (pos, c.name) not in skip:
                    add(pos, c.name, v, "wajib_diisi", "galat", f"Kolom '{c.label}' wajib diisi.")
                res.append(None)
                continue
            key = v if isinstance(v, (str, int, float)) else str(v)
            if key not in text_memo:
                text_memo[key] = _check_text(c, v)
            value, issue = text_memo[key]
            if issue is not None:
                add(pos, c.name, v, *issue)
            res.append(value)
        out[c.name] = res

    frame = pd.DataFrame({c.name: out[c.name] for c in schema.columns})
    frame = coerce(frame.astype({c.name: "object" for c in schema.columns}).replace({np.nan: None}), table)
    frame = frame.assign(_lembar=lembar, _baris=baris, _jenis_desa=jenis)

    # --- row rules
    if table == "layanan":
        for ind, p, q in _pairs():
            a, b = frame[p], frame[q]
            over = (a > b).fillna(False).to_numpy(dtype=bool)
            for pos in np.flatnonzero(over):
                add(pos, p, _show(a.iloc[pos]), "pembilang_melebihi_penyebut", "galat",
                    f"{TABLES['layanan'].column(p).label} ({_show(a.iloc[pos])}) melebihi "
                    f"{TABLES['layanan'].column(q).label} ({_show(b.iloc[pos])}) — indikator {ind}.")
    if table == "apbdes":
        kel = (frame["_jenis_desa"] == "kelurahan").to_numpy(dtype=bool)
        for pos in np.flatnonzero(kel):
            add(pos, "kode_desa", frame["kode_desa"].iloc[pos], "kelurahan_apbdes", "galat",
                f"{frame['kode_desa'].iloc[pos]} adalah kelurahan; kelurahan tidak memiliki APBDes.")
        spend = frame["kode_rekening"].str.startswith("5").fillna(False).to_numpy(dtype=bool)
        no_keg = frame["kode_kegiatan"].isna().to_numpy(dtype=bool)
        for pos in np.flatnonzero(spend & no_keg & frame["kode_rekening"].notna().to_numpy(dtype=bool)):
            if (pos, "kode_kegiatan") in skip:
                continue
            raw_keg = cells("kode_kegiatan")[pos]
            if _empty(raw_keg):
                add(pos, "kode_kegiatan", None, "wajib_diisi", "galat",
                    f"Baris belanja {frame['kode_rekening'].iloc[pos]} harus punya kode kegiatan (BB.SS.KK).")
        over = (frame["realisasi"] > frame["anggaran"] + 0.5).fillna(False).to_numpy(dtype=bool)
        for pos in np.flatnonzero(over):
            add(pos, "realisasi", _show(frame["realisasi"].iloc[pos]), "realisasi_melebihi_anggaran", "peringatan",
                f"Realisasi {_show(frame['realisasi'].iloc[pos])} melebihi anggaran {_show(frame['anggaran'].iloc[pos])}.")
    if table == "status_desa":
        mean = (frame["iks"] + frame["ike"] + frame["ikl"]) / 3
        off = ((mean - frame["idm"]).abs() > 0.001).fillna(False).to_numpy(dtype=bool)
        for pos in np.flatnonzero(off):
            add(pos, "idm", _show(frame["idm"].iloc[pos]), "jumlah_tidak_sesuai", "peringatan",
                f"IDM {frame['idm'].iloc[pos]:.4f} tidak sama dengan (IKS + IKE + IKL) / 3 = {mean.iloc[pos]:.4f}.")
    if table == "usulan":
        odd = (frame["anggaran_disetujui"].notna() & ~frame["status"].isin(["didanai_apbdes", "didanai_pihak_lain"])
               ).fillna(False).to_numpy(dtype=bool)
        for pos in np.flatnonzero(odd):
            add(pos, "anggaran_disetujui", _show(frame["anggaran_disetujui"].iloc[pos]), "isian_tidak_konsisten",
                "peringatan", "Anggaran disetujui terisi padahal status usulan bukan 'didanai'.")
    return frame


def _check_text(c, v: object) -> tuple[object, tuple[str, str, str] | None]:  # noqa: ANN001 - schemas.Column
    """(normalised value, finding or None) for one non-empty cell of a text column."""
    s = _show(v).strip() if not isinstance(v, str) else v.strip()
    if c.name == "kode_kegiatan":
        k = sk.normalize_kode_kegiatan(s)
        if k is None:
            return None, ("format_kode", "galat", f"Kode kegiatan '{s}' tidak sesuai format BB.SS.KK (mis. 02.01.05).")
        return k, None
    if c.name == "kode_rekening":
        k = sk.normalize_kode_rekening(s) or (s.rstrip(".") if re.fullmatch(c.pattern or ".*", s.rstrip(".")) else None)
        if k is None:
            return None, ("format_kode", "galat", f"Kode rekening '{s}' tidak dikenali (mis. 5.1.1.01, 4.2.1.01, 6.1.1.01).")
        return k, None
    if c.allowed is not None:
        k = sk.normalize_sumber_dana(s) if c.name == "sumber_dana" else None
        if k is None:
            lower = {a.lower().replace(" ", "").replace("_", ""): a for a in c.allowed}
            k = lower.get(s.lower().replace(" ", "").replace("_", ""))
        if k is None:
            return None, ("nilai_tidak_diizinkan", "galat",
                          f"Nilai '{s}' tidak diizinkan pada kolom '{c.label}'; pilih salah satu: {', '.join(c.allowed)}.")
        return k, None
    return s, None


def _similar(a: str, b: str) -> bool:
    from rapidfuzz import fuzz

    def norm(s: str) -> str:
        return re.sub(r"^(desa|kelurahan|ds|kel)\s+", "", re.sub(r"[^a-z0-9 ]", " ", s.lower()).strip()).replace(" ", "")

    return fuzz.ratio(norm(a), norm(b)) >= 80


def _check_duplicates(frame: pd.DataFrame, table: str, col: _Collector, headers: Mapping[str, str]) -> None:
    key = list(TABLES[table].key)
    usable = frame.dropna(subset=["kode_desa", "tahun"])
    dup = usable[usable.duplicated(key, keep=False)]
    if dup.empty:
        return
    for _, grp in dup.groupby(key, dropna=False, sort=False):
        first = grp.iloc[0]
        for _, r in grp.iloc[1:].iterrows():
            what = "desa dan tahun" if table in _ROW_TABLES else "desa, tahun, kegiatan, rekening, sumber dana dan uraian"
            col.add(r["_lembar"], int(r["_baris"]), headers.get("kode_desa", "kode_desa"), r["kode_desa"], "duplikat",
                    "galat", f"Baris ganda: {what} sama dengan baris {int(first['_baris'])}"
                             f"{' lembar ' + str(first['_lembar']) if first['_lembar'] != r['_lembar'] else ''}. "
                             "Hapus salah satu atau gabungkan.")


_TOTAL_WORD = re.compile(r"^\s*(jumlah|total|sub\s*total)\b", re.IGNORECASE)


def _table_from_sheet(sheet: _Sheet, table: str, h: int, cmap: dict[int, str], col: _Collector, ctx: _Context,
                      prefilled_keys: bool) -> pd.DataFrame | None:
    """Validate one canonical sheet (header at row index ``h``)."""
    lembar = sheet.name
    header_row = sheet.rows[h]
    headers = {name: str(header_row[j]).strip() for j, name in cmap.items()}
    schema = TABLES[table]
    ok = True
    # Merged cells in the header or the data area hide values: refuse them.
    for r0, c0, r1, c1, coord in sheet.merged:
        if r1 >= h:
            where = "judul kolom" if r0 <= h else "data"
            col.add(lembar, r0 + 1, None, coord, "sel_digabung", "galat",
                    f"Sel {coord} digabung (merge) pada bagian {where}; pisahkan gabungan sel (Unmerge) agar setiap "
                    "kolom punya judul dan setiap sel punya nilainya sendiri.")
            ok = False
    seen: dict[str, int] = {}
    for j, name in sorted(cmap.items()):
        if name in seen:
            col.add(lembar, h + 1, str(header_row[j]), None, "kolom_ganda", "galat",
                    f"Judul kolom '{header_row[j]}' muncul dua kali (kolom {seen[name] + 1} dan {j + 1}).")
            ok = False
        seen[name] = j
    present = set(cmap.values())
    for c in schema.columns:
        if c.name not in present and not c.nullable:
            col.add(lembar, h + 1, c.label, None, "kolom_hilang", "galat",
                    f"Kolom wajib '{c.label}' (nama kanonik {c.name}) tidak ditemukan pada baris judul {h + 1}.")
            ok = False
    known = {_hnorm(k) for k in _header_lookup()[table]}
    from rapidfuzz import process
    for j, v in enumerate(header_row):
        if j in cmap or _empty(v):
            if j not in cmap and _empty(v) and any(not _empty(r[j]) for r in sheet.rows[h + 1:h + 200] if j < len(r)):
                col.add(lembar, h + 1, f"kolom {j + 1}", None, "judul_kosong", "galat",
                        f"Kolom {j + 1} berisi data tetapi tidak berjudul (mungkin judul sel digabung); beri judul "
                        "sesuai templat.")
                ok = False
            continue
        hit = process.extractOne(_hnorm(v), [c.label for c in schema.columns], processor=_hnorm)
        saran = f" Maksud Anda '{hit[0]}'?" if hit and hit[1] >= 70 else ""
        col.add(lembar, h + 1, str(v), None, "kolom_tidak_dikenal", "peringatan",
                f"Kolom '{v}' tidak dikenal dan diabaikan.{saran}")
    if not ok:
        return None
    width = max(cmap) + 1
    key_like = {"kode_desa", "nama_desa", "tahun"}
    value_cols = [j for j, name in cmap.items() if name not in key_like]
    recs: list[list[object]] = []
    rows_no: list[int] = []
    formulas: set[tuple[int, str]] = set()
    totals: list[tuple[int, list[object]]] = []
    for i in range(h + 1, len(sheet.rows)):
        row = sheet.rows[i]
        row = row + [None] * (width - len(row)) if len(row) < width else row
        if all(_empty(row[j]) for j in value_cols):
            continue  # empty row, or a village with nothing reported
        kode_j = next(j for j, name in cmap.items() if name == "kode_desa")
        texts = [str(v) for v in row if isinstance(v, str)]
        if (_empty(row[kode_j]) or _TOTAL_WORD.match(str(row[kode_j]))) and any(_TOTAL_WORD.match(t) for t in texts):
            totals.append((i, row))
            continue
        pos = len(recs)
        recs.append([row[j] for j in sorted(cmap)])
        rows_no.append(i + 1)
        for j in sorted(cmap):
            if (i, j) in sheet.formulas:
                formulas.add((pos, cmap[j]))
    names_order = [cmap[j] for j in sorted(cmap)]
    raw = pd.DataFrame(recs, columns=names_order, dtype=object) if recs else pd.DataFrame(columns=names_order,
                                                                                          dtype=object)
    if prefilled_keys and table in _SETS_TABLES and ctx.tahun is not None and "tahun" in raw.columns:
        # Free rows of a template: an empty year is the template's year (see the Petunjuk sheet).
        raw["tahun"] = [ctx.tahun if _empty(v) else v for v in raw["tahun"]]
    name_hints = raw["nama_desa"].tolist() if "nama_desa" in raw.columns else None
    frame = _validate(raw.drop(columns=["nama_desa"], errors="ignore"), table, baris=rows_no, headers=headers,
                      formulas={f for f in formulas if f[1] != "nama_desa"}, lembar=lembar, col=col, ctx=ctx,
                      names=name_hints)
    for i, row in totals:
        _check_totals(i, row, cmap, frame, table, col, lembar, headers)
    return frame


def _check_totals(i: int, row: list[object], cmap: dict[int, str], frame: pd.DataFrame, table: str, col: _Collector,
                  lembar: str | None, headers: Mapping[str, str]) -> None:
    """A 'Jumlah/Total' row: skipped, but its figures must equal the column sums."""
    schema = TABLES[table]
    bad = False
    for j, name in cmap.items():
        if name in ("kode_desa", "nama_desa", "tahun") or j >= len(row) or _empty(row[j]):
            continue
        c = schema.column(name)
        kind = number_kind(c)
        if kind is None:
            continue
        written = parse_column([row[j]], kind=kind).values.iloc[0]
        if written is pd.NA:
            continue
        total = float(frame[name].sum(skipna=True))
        if abs(float(written) - total) > 0.5:
            bad = True
            col.add(lembar, i + 1, headers.get(name, name), _show(row[j]), "jumlah_tidak_sesuai", "galat",
                    f"Baris jumlah menulis {_show(row[j])}, tetapi jumlah baris-baris datanya {_show(total)}.")
    if not bad:
        col.add(lembar, i + 1, None, None, "baris_jumlah", "peringatan",
                "Baris jumlah/total dilewati (tidak diimpor); angkanya sesuai dengan jumlah baris data.")


# =========================================================================== units per kind of input

def _template_info(sheets: list[_Sheet]) -> dict[str, Any] | None:
    for s in sheets:
        if s.name == INFO_SHEET:
            info = {str(r[0]).strip(): r[1] for r in s.rows if r and r[0] is not None and len(r) > 1}
            if info.get("jenis") == TEMPLATE_KIND:
                return info
    return None


def _canonical_unit(path: Path, sheets: list[_Sheet], fmt: str, col: _Collector, ctx: _Context) -> _Unit:
    unit = _Unit([path], "templat")
    info = _template_info(sheets)
    local = dc_replace(ctx)
    if info is not None:
        try:
            t_year = int(info.get("tahun"))
        except (TypeError, ValueError):
            t_year = None
        if ctx.tahun is not None and t_year is not None and t_year != ctx.tahun:
            col.add(INFO_SHEET, None, "tahun", t_year, "tahun_tidak_sesuai", "galat",
                    f"Templat ini untuk tahun {t_year}, tetapi yang diimpor tahun {ctx.tahun}.")
        local.tahun = t_year if t_year is not None else ctx.tahun
        kec = str(info.get("kode_kecamatan") or "") or None
        if ctx.kecamatan and kec and ctx.kecamatan != kec:
            col.add(INFO_SHEET, None, "kode_kecamatan", kec, "di_luar_wilayah", "galat",
                    f"Templat ini untuk kecamatan {kec}, tetapi yang diimpor kecamatan {ctx.kecamatan}.")
        local.kecamatan = ctx.kecamatan or kec
        names = {s.name for s in sheets}
        for t, title in TEMPLATE_SHEETS.items():
            if title not in names:
                col.add(title, None, None, None, "lembar_hilang", "galat",
                        f"Lembar '{title}' tidak ada di templat. Jangan menghapus atau mengganti nama lembar; "
                        "lembar yang tidak diisi biarkan kosong.")
    else:
        unit.jenis = "tabel kanonik"
    skip_names = {PETUNJUK_SHEET, DAFTAR_SHEET, INFO_SHEET} if info is not None else set()
    by_title = {v: k for k, v in TEMPLATE_SHEETS.items()}
    frames: dict[str, list[pd.DataFrame]] = {}
    headers_all: dict[str, dict[str, str]] = {}
    for s in sheets:
        if s.name in skip_names:
            continue
        if not s.rows or all(all(_empty(v) for v in r) for r in s.rows):
            continue
        hint = by_title.get(s.name or "") or (path.stem.lower() if path.stem.lower() in TABLES else None)
        found = _detect_table(s, hint)
        if found is None:
            if info is not None and s.name in by_title:
                col.add(s.name, None, None, None, "kolom_hilang", "galat",
                        f"Judul kolom lembar '{s.name}' tidak dikenali (kolom kode desa tidak ditemukan); jangan "
                        "mengubah baris judul templat.")
            elif fmt == "xlsx":
                col.add(s.name, None, None, None, "lembar_diabaikan", "peringatan",
                        f"Lembar '{s.name}' diabaikan: tidak ada baris judul dengan kolom kode desa.")
            continue
        table, h, cmap = found
        if info is not None and s.name in by_title and by_title[s.name] != table:
            table = by_title[s.name]
            cmap = {j: n for j, n in cmap.items() if n in TABLES[table].names or n == "nama_desa"}
        frame = _table_from_sheet(s, table, h, cmap, col, local, info is not None)
        if frame is not None:
            frames.setdefault(table, []).append(frame)
            headers_all[table] = {name: str(s.rows[h][j]).strip() for j, name in cmap.items()}
    if not frames and not any(f["tingkat"] == "galat" for f in col.items):
        col.add(None, None, None, None, "tidak_ada_data", "galat",
                "Tidak ada tabel yang dikenali: baris judul harus memuat kolom kode desa dan kolom data sesuai "
                "templat (lihat lembar Petunjuk), atau berkas Siskeudes (Ta_RAB, Penjabaran APBDes).")
    if info is not None and frames and all(len(f) == 0 for parts in frames.values() for f in parts):
        col.add(None, None, None, None, "tidak_ada_data", "peringatan",
                "Templat belum diisi: tidak ada baris data pada lembar mana pun.")
    for table, parts in frames.items():
        frame = pd.concat(parts, ignore_index=True)
        _check_duplicates(frame, table, col, headers_all.get(table, {}))
        unit.tables[table] = frame
    return unit


def _resolve_desa(ident: dict[str, Any], ctx: _Context, col: _Collector, lembar: str | None) -> str | None:
    """Official code of the village a Penjabaran report is about."""
    from . import wilayah

    if ctx.kode_desa:
        if ident.get("desa") and not _similar(ident["desa"], wilayah.name(ctx.kode_desa)):
            col.add(lembar, None, "judul", ident["desa"], "nama_desa_berbeda", "peringatan",
                    f"Judul laporan menyebut desa '{ident['desa']}', tetapi kode yang diberikan {ctx.kode_desa} adalah "
                    f"{wilayah.name(ctx.kode_desa)}.")
        return ctx.kode_desa
    nama = ident.get("desa")
    if not nama:
        col.add(lembar, None, "judul", None, "desa_tidak_diketahui", "galat",
                "Nama desa tidak ditemukan pada judul laporan; sebutkan kodenya dengan --desa KODE.")
        return None
    dalam = ctx.kecamatan or ctx.kabupaten
    if dalam is None and ident.get("kabupaten"):
        dalam = wilayah.match(ident["kabupaten"], "kabupaten")
    if dalam is not None and dalam.count(".") == 1 and ident.get("kecamatan"):
        dalam = wilayah.match(ident["kecamatan"], "kecamatan", dalam=dalam) or dalam
    if dalam is None:
        col.add(lembar, None, "judul", nama, "desa_tidak_diketahui", "galat",
                f"Desa '{nama}' tidak dapat dipastikan tanpa kecamatannya; sebutkan --kecamatan KODE atau --desa KODE.")
        return None
    code = wilayah.match(nama, "desa", dalam=dalam)
    if code is None:
        col.add(lembar, None, "judul", nama, "kode_tidak_dikenal", "galat",
                f"Desa '{nama}' tidak ditemukan di {wilayah.name(dalam)} ({dalam})." + _suggest(None, nama, _Context(
                    kecamatan=dalam if dalam.count(".") == 2 else None,
                    kabupaten=dalam if dalam.count(".") == 1 else None)) + " Sebutkan kodenya dengan --desa KODE.")
    return code


def _penjabaran_unit(path: Path, sheet: _Sheet, col: _Collector, ctx: _Context) -> _Unit:
    unit = _Unit([path], "penjabaran APBDes")
    lembar = sheet.name
    p = penjabaran.parse_penjabaran(sheet.rows)
    col.extend(p.findings, lembar)
    tahun = p.identitas.get("tahun")
    if ctx.tahun is not None and tahun is not None and int(tahun) != ctx.tahun:
        col.add(lembar, None, "judul", tahun, "tahun_tidak_sesuai", "galat",
                f"Judul laporan menyebut tahun anggaran {tahun}, tetapi yang diimpor tahun {ctx.tahun}.")
    tahun = ctx.tahun if ctx.tahun is not None else tahun
    if tahun is None:
        col.add(lembar, None, "judul", None, "tahun_tidak_diketahui", "galat",
                "Tahun anggaran tidak ditemukan pada judul laporan; sebutkan dengan --tahun YYYY.")
    code = _resolve_desa(p.identitas, ctx, col, lembar)
    if p.lines.empty:
        if not any(f["tingkat"] == "galat" for f in col.items):
            col.add(lembar, None, None, None, "tidak_ada_data", "galat", "Laporan tidak memuat baris rincian anggaran.")
        return unit
    raw = p.lines.drop(columns=["baris"]).assign(kode_desa=code, tahun=tahun).astype(object)
    headers = {"kode_desa": "judul (desa)", "tahun": "judul (tahun)", "anggaran": "ANGGARAN", "kode_rekening": "KODE",
               "kode_kegiatan": "KODE", "uraian": "URAIAN", "sumber_dana": "SUMBER DANA", "nama_kegiatan": "URAIAN"}
    local = dc_replace(ctx, tahun=None)  # the year was checked against the title above
    frame = _validate(raw, "apbdes", baris=p.lines["baris"].tolist(), headers=headers, formulas=set(),
                      lembar=lembar, col=col, ctx=local)
    _check_duplicates(frame, "apbdes", col, headers)
    unit.tables["apbdes"] = frame
    return unit


def _penjabaran_pdf_unit(path: Path, col: _Collector, ctx: _Context) -> _Unit:
    """A Penjabaran APBDes printed to PDF: its text layer read into the same parser."""
    grid, problem = penjabaran.read_pdf_grid(path)
    if problem is not None:
        col.add(None, None, None, None, "pdf_tidak_terbaca", "galat", problem)
        return _Unit([path], "penjabaran APBDes (PDF)")
    unit = _penjabaran_unit(path, _Sheet(None, grid), col, ctx)
    unit.jenis = "penjabaran APBDes (PDF)"
    return unit


def _siskeudes_unit(parts: list[sx.ExportTable], skipped: list[tuple[Path, str]], paths: list[Path], ctx: _Context,
                    saved_mapping: pd.DataFrame, collectors: dict[Path, _Collector]) -> _Unit:
    """One submission from all the Siskeudes tables given in one call (folder, zip or files)."""
    unit = _Unit(list(dict.fromkeys(paths)), "siskeudes")
    source: dict[str, Path] = {}
    by_table: dict[str, list[sx.ExportTable]] = {}
    for t in parts:
        by_table.setdefault(t.name, []).append(t)
        source.setdefault(t.name, t.berkas)
    main = next((source[t] for t in sk.BUDGET_TABLES if t in source), unit.paths[0])

    def col_for(tabel: str | None) -> _Collector:
        return collectors[source.get(tabel or "", main)]

    merged: dict[str, pd.DataFrame] = {}
    for name, tables in by_table.items():
        merged[name], overlaps = sx.combine(name, tables)
        col_for(name).extend(overlaps)

    res = sk.budget_lines(merged)
    for f in res.findings:
        col_for(f["lembar"]).extend([f])
    lines = res.lines
    for path, label in skipped:
        collectors[main].add(label, None, None, path.name, "tabel_dilewati", "info",
                             f"'{label}' bukan tabel yang diperlukan untuk APBDes; dilewati.")
    if lines.empty:
        return unit
    kabupaten = ctx.kabupaten
    if kabupaten is None and ctx.kecamatan is None:
        kabupaten = siskeudes_desa.kabupaten_from_pemda(merged.get("Ta_Pemda"))
        if kabupaten is not None:
            from . import wilayah

            col_for("Ta_Pemda").add("Ta_Pemda", None, "Kd_Kab", kabupaten, "kabupaten_dari_ta_pemda", "info",
                                    f"Kabupaten dikenali dari Ta_Pemda: {wilayah.name(kabupaten)} ({kabupaten}).")
    # Village mapping: Ref_Desa names (if given) and the saved mapping file.
    kd_codes = sorted(k for k in lines["kd_desa"].dropna().astype(str).unique() if k)
    pick = sk.pick_column
    if "Ref_Desa" in merged:
        rd = merged["Ref_Desa"]
        ref = pd.DataFrame({
            "kd_desa": rd[pick(rd, "kddesa")].map(lambda s: str(s).strip()),
            "nama_desa": rd[pick(rd, "namadesa")],
            "kd_kec": rd[pick(rd, "kdkec")] if pick(rd, "kdkec") else None,
            "baris": rd["_baris"],
        })
        ref = ref[ref["kd_desa"].isin(kd_codes)].drop_duplicates("kd_desa")
        missing = [k for k in kd_codes if k not in set(ref["kd_desa"])]
        ref = pd.concat([ref, pd.DataFrame({"kd_desa": missing, "nama_desa": None, "kd_kec": None, "baris": None})],
                        ignore_index=True)
    else:
        ref = pd.DataFrame({"kd_desa": kd_codes, "nama_desa": None, "kd_kec": None, "baris": None})
    ref_kec = None
    if "Ref_Kecamatan" in merged:
        rk = merged["Ref_Kecamatan"]
        ref_kec = pd.DataFrame({"kd_kec": rk[pick(rk, "kdkec")], "nama_kecamatan": rk[pick(rk, "namakecamatan")]})
    used, found = siskeudes_desa.match_kd_desa(ref, saved_mapping, kecamatan=ctx.kecamatan, kabupaten=kabupaten,
                                               ref_kecamatan=ref_kec)
    for f in found:
        col_for(f["lembar"] if f["lembar"] in source else None).extend([f])
    unit.mapping = used
    sure = used[used["cara"].astype(str).str.lower().ne("periksa") & used["kode_desa"].notna()]
    to_code = dict(zip(sure["kd_desa"].astype(str), sure["kode_desa"].astype(str)))
    budget = next((t for t in sk.BUDGET_TABLES if t in merged), "Ta_RAB")
    rab_name = pick(merged[budget], "kddesa") or "Kd_Desa"
    raw = pd.DataFrame({
        "kode_desa": lines["kd_desa"].astype(str).map(to_code),
        "tahun": lines["tahun"], "kode_kegiatan": lines["kode_kegiatan"], "nama_kegiatan": lines["nama_kegiatan"],
        "kode_rekening": lines["kode_rekening"], "uraian": lines["uraian"], "sumber_dana": lines["sumber_dana"],
        "anggaran": lines["anggaran"], "realisasi": lines["realisasi"],
    }, dtype=object)
    if "Ta_JurnalUmumRinci" not in merged:
        raw["realisasi"] = None
    if ctx.kecamatan is not None:  # a kabupaten's database imported for one kecamatan: the others wait
        outside = raw["kode_desa"].notna() & ~raw["kode_desa"].astype(str).str.startswith(ctx.kecamatan + ".")
        if outside.any():
            col_for(budget).add(budget, None, rab_name, None, "desa_di_luar_kecamatan", "info",
                                f"{raw.loc[outside, 'kode_desa'].nunique()} desa di luar kecamatan {ctx.kecamatan} "
                                "dilewati (impor tanpa --kecamatan untuk seluruh kabupaten).")
            raw.loc[outside, "kode_desa"] = None
    unmapped = raw["kode_desa"].isna().to_numpy()
    headers = {"kode_desa": rab_name, "tahun": "Tahun", "kode_kegiatan": "Kd_Keg", "kode_rekening": "Kd_Rincian",
               "anggaran": "AnggaranStlhPAK/Anggaran", "realisasi": "Debet/Kredit (jurnal)", "sumber_dana": "SumberDana",
               "nama_kegiatan": "Nama_Kegiatan", "uraian": "Nama_Obyek"}
    # Findings of the generic checks go to the budget table (or the journal for lines found only there).
    frames_out = []
    for tabel in (budget, "Ta_JurnalUmumRinci"):
        mask = (lines["_tabel"] == tabel).to_numpy() & ~unmapped
        if mask.any():
            frames_out.append(_validate(raw[mask].reset_index(drop=True), "apbdes",
                                        baris=lines.loc[mask, "_baris"].tolist(), headers=headers, formulas=set(),
                                        lembar=tabel, col=col_for(tabel), ctx=ctx))
    if frames_out:
        frame = pd.concat(frames_out, ignore_index=True)
        _check_duplicates(frame, "apbdes", col_for(budget), headers)
        unit.tables["apbdes"] = frame
    return unit


# =========================================================================== merging into the store

def _clean(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    return coerce(frame, table).reset_index(drop=True)


def plan_changes(
    current: Mapping[str, pd.DataFrame],
    new: Mapping[str, pd.DataFrame],
    *,
    replace: bool = False,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Merge validated new tables into the current ones (pure; inputs untouched).

    Returns (the tables that change, complete; one row per table, desa and year
    with ``tabel, kode_desa, tahun, tindakan, baris``). See the module doc for
    the rules (``dilengkapi``, ``konflik``, ``diganti``, ...).

    >>> cur = {"layanan": pd.DataFrame({"kode_desa": ["33.07.01.2001"], "tahun": [2024], "penduduk": [100]})}
    >>> new = {"layanan": pd.DataFrame({"kode_desa": ["33.07.01.2001"], "tahun": [2024], "penduduk": [120]})}
    >>> changed, log = plan_changes(cur, new)
    >>> changed, log["tindakan"].tolist()
    ({}, ['konflik'])
    >>> changed, log = plan_changes(cur, new, replace=True)
    >>> int(changed["layanan"]["penduduk"].iloc[0]), log["tindakan"].tolist()
    (120, ['diganti'])
    """
    changed: dict[str, pd.DataFrame] = {}
    logs: list[pd.DataFrame] = []
    for table, nw in new.items():
        if nw is None or nw.empty:
            continue
        schema = TABLES[table]
        nw = _clean(nw, table)
        cur = _clean(current[table], table) if table in current else empty_frame(table)
        key = ["kode_desa", "tahun"]
        if table in _ROW_TABLES:
            cur1 = cur.drop_duplicates(key, keep="last")
            m = nw.merge(cur1, on=key, how="left", suffixes=("", "__lama"), indicator=True)
            exists = (m["_merge"] == "both").to_numpy()
            conflict = np.zeros(len(m), dtype=bool)
            fill = np.zeros(len(m), dtype=bool)
            combined = {}
            for c in schema.names:
                if c in key:
                    continue
                a, b = m[c], m[c + "__lama"]
                both = (a.notna() & b.notna()).to_numpy(dtype=bool)
                if a.dtype.kind == "f" or str(a.dtype) == "Float64":
                    diff = both & ~np.isclose(a.to_numpy(dtype=float, na_value=np.nan),
                                              b.to_numpy(dtype=float, na_value=np.nan), rtol=0, atol=1e-9)
                else:
                    diff = both & (a.astype(object) != b.astype(object)).to_numpy(dtype=bool)
                conflict |= diff
                fill |= (a.notna() & b.isna()).to_numpy(dtype=bool)
                combined[c] = a.where(a.notna(), b)
            tindakan = np.where(~exists, "ditambah",
                                np.where(conflict, np.where(replace, "diganti", "konflik"),
                                         np.where(fill, "dilengkapi", "tidak_berubah")))
            apply = np.isin(tindakan, ["ditambah", "diganti", "dilengkapi"])
            logs.append(pd.DataFrame({"tabel": table, "kode_desa": m["kode_desa"].to_numpy(),
                                      "tahun": m["tahun"].to_numpy(), "tindakan": tindakan, "baris": 1}))
            if apply.any():
                upd = pd.DataFrame({c: (m[c] if c in key else combined[c]) for c in schema.names})[apply]
                keys_upd = set(zip(upd["kode_desa"], upd["tahun"]))
                keep = ~pd.Series([k in keys_upd for k in zip(cur["kode_desa"], cur["tahun"])], dtype=bool,
                                  index=cur.index)
                out = pd.concat([cur[keep.to_numpy()], upd], ignore_index=True)
                changed[table] = _clean(out.sort_values(key, kind="stable"), table)
            continue
        # Tables of many lines per desa-year: compare the sets of lines.
        def fingerprint(df: pd.DataFrame) -> pd.DataFrame:
            h = pd.util.hash_pandas_object(df[schema.names], index=False).to_numpy(dtype=np.uint64)
            g = pd.DataFrame({"kode_desa": df["kode_desa"].to_numpy(dtype=object),
                              "tahun": df["tahun"].to_numpy(dtype=object), "h": h})
            return g.groupby(key, sort=False).agg(h=("h", lambda s: int(np.sum(s.to_numpy(), dtype=np.uint64))),
                                                  n=("h", "size")).reset_index()
        fn, fc = fingerprint(nw), fingerprint(cur)
        m = fn.merge(fc, on=key, how="left", suffixes=("", "__lama"), indicator=True)
        exists = (m["_merge"] == "both").to_numpy()
        same = exists & (m["h"].to_numpy() == m["h__lama"].to_numpy()) & (m["n"].to_numpy() == m["n__lama"].to_numpy())
        tindakan = np.where(~exists, "ditambah", np.where(same, "tidak_berubah", np.where(replace, "diganti", "konflik")))
        logs.append(pd.DataFrame({"tabel": table, "kode_desa": m["kode_desa"].to_numpy(),
                                  "tahun": m["tahun"].to_numpy(), "tindakan": tindakan, "baris": m["n"].to_numpy()}))
        take = {(k, int(t)) for k, t, a in zip(m["kode_desa"], m["tahun"], tindakan) if a in ("ditambah", "diganti")}
        if take:
            cur_keys = [(k, int(t)) if t is not pd.NA else (k, None) for k, t in zip(cur["kode_desa"], cur["tahun"])]
            new_keys = [(k, int(t)) for k, t in zip(nw["kode_desa"], nw["tahun"])]
            keep_cur = np.array([k not in take for k in cur_keys], dtype=bool)
            keep_new = np.array([k in take for k in new_keys], dtype=bool)
            out = pd.concat([cur[keep_cur], nw[keep_new]], ignore_index=True)
            changed[table] = _clean(out.sort_values(key, kind="stable"), table)
    log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=list(CHANGE_COLUMNS[1:]))
    if len(log):
        log = log.assign(tahun=log["tahun"].astype("Int64"), baris=log["baris"].astype("Int64"))
    return changed, log


def _wilayah_update(current: pd.DataFrame, codes: Iterable[str]) -> pd.DataFrame | None:
    """The store's wilayah table extended with the official rows of every kabupaten in ``codes``."""
    from . import wilayah

    kab = {c[:5] for c in codes if isinstance(c, str) and len(c) == 13}
    have = set(current["kode_kabupaten"].dropna().astype(str)) if len(current) else set()
    need = kab - have
    if not need:
        return None
    official = wilayah.wilayah_table(sorted({k[:2] for k in need}))
    add = official[official["kode_kabupaten"].isin(need)]
    out = pd.concat([current, add], ignore_index=True) if len(current) else add
    return out.sort_values("kode_desa", kind="stable").reset_index(drop=True)


# =========================================================================== official IDM files (Kemendesa)

def _is_json(path: Path) -> bool:
    if path.suffix.lower() == ".json":
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith(b"{")


def _official_desa(code: str | None, ctx: _Context) -> tuple[str, str] | None:
    """(aturan, pesan) when ``code`` is not an official desa of the region being imported, else None."""
    from . import wilayah

    if code is None:
        return "format_kode", "Kode desa tidak terbaca (harus 10 angka, mis. 3307032005)."
    if not wilayah.is_official(code):
        return "kode_tidak_dikenal", f"Kode desa {code} tidak ada dalam daftar resmi Kepmendagri."
    scope = ctx.kecamatan or ctx.kabupaten
    if scope and not code.startswith(scope + "."):
        return "di_luar_wilayah", f"Desa {code} tidak berada di wilayah {scope} yang sedang diimpor."
    return None


def _rumusan_unit(path: Path, col: _Collector, ctx: _Context, max_bytes: int) -> _Unit:
    """One Kemendesa IDM rumusan (JSON) into ``idm_rumusan`` rows; subtotal disagreements are warnings."""
    import json

    from . import idm

    unit = _Unit([path], "rumusan IDM")
    size = path.stat().st_size
    if size > max_bytes:
        col.add(None, None, None, None, "berkas_terlalu_besar", "galat",
                f"Berkas berukuran {size / 1024 / 1024:.1f} MB, melebihi batas {max_bytes / 1024 / 1024:.0f} MB.")
        return unit
    try:
        obj = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        col.add(None, None, None, None, "berkas_rusak", "galat",
                f"Berkas JSON tidak dapat dibaca ({type(exc).__name__}); unduh ulang rumusan IDM-nya.")
        return unit
    m = re.search(r"(?<!\d)(\d{10})(?!\d)", path.stem)
    p = idm.parse_rumusan(obj, kode_desa=ctx.kode_desa or (m.group(1) if m else None), tahun=ctx.tahun)
    col.extend(p.findings)
    if p.rows.empty or any(f["tingkat"] == "galat" for f in p.findings):
        return unit
    bad = _official_desa(p.kode_desa, ctx)
    if bad is not None:
        col.add(None, None, "IDENTITAS.id_desa", p.kode_desa, bad[0], "galat", bad[1])
        return unit
    unit.tables["idm_rumusan"] = p.rows  # coerced once, when merged
    return unit


def _idm_list_unit(path: Path, sheet: _Sheet, found: tuple[int, dict[int, str]], col: _Collector,
                   ctx: _Context) -> _Unit:
    """The yearly official IDM list into ``status_desa`` (official status in ``status_idm``)."""
    from . import idm

    unit = _Unit([path], "daftar IDM resmi")
    lembar = sheet.name
    h, cmap = found
    header = [v if not _empty(v) else (sheet.rows[h - 1][j] if h and j < len(sheet.rows[h - 1]) else v)
              for j, v in enumerate(sheet.rows[h])]  # a two-row header names some columns in the row above
    used = {j for j, n in cmap.items() if n != "nama_desa"}
    for r0, c0, r1, c1, coord in sheet.merged:
        if r1 > h and any(c0 <= j <= c1 for j in used):
            col.add(lembar, r0 + 1, None, coord, "sel_digabung", "peringatan",
                    f"Sel {coord} digabung (merge) pada kolom data; hanya sel pertamanya yang berisi nilai. Pisahkan "
                    "gabungan sel (Unmerge) bila baris lain kehilangan nilainya.")
    tahun = idm.list_year(sheet.rows, h)
    if ctx.tahun is not None and tahun is not None and tahun != ctx.tahun and "tahun" not in cmap.values():
        col.add(lembar, None, "judul", tahun, "tahun_tidak_sesuai", "galat",
                f"Judul daftar menyebut tahun {tahun}, tetapi yang diimpor tahun {ctx.tahun}.")
        return unit
    tahun = ctx.tahun if ctx.tahun is not None else tahun
    if tahun is None and "tahun" not in cmap.values():
        col.add(lembar, None, "judul", None, "tahun_tidak_diketahui", "galat",
                "Tahun IDM tidak ditemukan pada judul daftar; sebutkan dengan --tahun YYYY.")
        return unit
    records, baris, names = [], [], []
    luar = 0
    for i in range(h + 1, len(sheet.rows)):
        row = sheet.rows[i]
        rec = {name: (row[j] if j < len(row) else None) for j, name in cmap.items()}
        if all(_empty(v) for v in rec.values()):
            continue
        if _empty(rec.get("kode_desa")) and _TOTAL_WORD.match(str(rec.get("nama_desa") or "")):
            continue
        code = idm.kode_desa_dotted(rec.get("kode_desa"))
        bad = _official_desa(code, ctx)
        if bad is not None and bad[0] == "di_luar_wilayah":
            luar += 1
            continue
        if bad is not None:
            col.add(lembar, i + 1, str(header[[j for j, n in cmap.items() if n == "kode_desa"][0]]).strip(),
                    rec.get("kode_desa"), bad[0], "peringatan", bad[1] + " Baris ini dilewati.")
            continue
        rec["kode_desa"] = code
        rec.setdefault("tahun", tahun)
        if _empty(rec["tahun"]):
            rec["tahun"] = tahun
        records.append(rec)
        baris.append(i + 1)
        names.append(rec.pop("nama_desa", None))
    if luar:
        col.add(lembar, None, None, None, "di_luar_wilayah", "peringatan",
                f"{luar} desa di luar wilayah {ctx.kecamatan or ctx.kabupaten} dilewati (daftar memuat wilayah lain).")
    if not records:
        col.add(lembar, None, None, None, "tidak_ada_data", "galat", "Daftar IDM tidak memuat baris desa yang dapat "
                "diimpor.")
        return unit
    headers = {name: str(header[j]).strip() for j, name in cmap.items()}
    headers.setdefault("tahun", "judul (tahun)")
    row_pos = {b - 1: pos for pos, b in enumerate(baris)}
    frame = _validate(pd.DataFrame(records, dtype=object), "status_desa", baris=baris, headers=headers,
                      formulas={(row_pos[r], cmap[j]) for r, j in sheet.formulas
                                if r in row_pos and j in cmap and cmap[j] != "nama_desa"},
                      lembar=lembar, col=col, ctx=ctx if "tahun" in cmap.values() else dc_replace(ctx, tahun=None),
                      names=names)
    _check_duplicates(frame, "status_desa", col, headers)
    unit.tables["status_desa"] = frame
    return unit


def _gather_rumusan(units: Sequence[_Unit], collectors: Mapping[Path, _Collector]) -> list[_Unit]:
    """The rumusan files of one call as one submission (one merge, not one per desa), rejected files apart.

    A desa-year given by a second file stays a submission of its own, merged
    after the first (so it is reported as a conflict or as unchanged).
    """
    good = [u for u in units if u.tables and not any(f["tingkat"] == "galat" for f in collectors[u.paths[0]].items)]
    out = [u for u in units if u not in good]
    seen: dict[tuple[str, int], Path] = {}
    first: list[_Unit] = []
    for u in good:
        t = u.tables["idm_rumusan"]
        key = (str(t["kode_desa"].iloc[0]), int(t["tahun"].iloc[0]))
        if key in seen:
            out.append(u)
        else:
            seen[key] = u.paths[0]
            first.append(u)
    if first:
        frame = pd.concat([u.tables["idm_rumusan"] for u in first], ignore_index=True)
        out.insert(0, _Unit([u.paths[0] for u in first], "rumusan IDM", {"idm_rumusan": frame}, origin=seen))
    return out


def _read_all(
    paths: Sequence[Path], ctx: _Context, saved_mapping: pd.DataFrame, max_bytes: int, max_rows: int,
) -> tuple[dict[Path, _Collector], list[_Unit], dict[Path, str | None], dict[Path, str]]:
    """:func:`_read_units` for every input, with Kemendesa's IDM files (rumusan JSON, yearly list) read here."""
    from . import history, idm

    collectors: dict[Path, _Collector] = {}
    units: list[_Unit] = []
    sha: dict[Path, str | None] = {}
    jenis: dict[Path, str] = {}
    rest: list[Path] = []
    rumusan: list[_Unit] = []
    try:
        for p in paths:
            if not p.is_file() or p.suffix.lower() == ".zip":  # folders and zipped exports: _read_units
                rest.append(p)
                continue
            if _is_json(p):
                collectors[p] = _Collector(p.name)
                rumusan.append(_rumusan_unit(p, collectors[p], ctx, max_bytes))
                sha[p], jenis[p] = history.sha256_file(p), "rumusan IDM"
                continue
            sheets, fmt, problems = _read_grid(p, max_bytes, max_rows)
            lists = [(s, f) for s in sheets if s.rows for f in [idm.find_list_header(s.rows)] if f is not None]
            if not lists or problems:
                _PRELOADED[_grid_key(p)] = (sheets, fmt, problems)
                rest.append(p)
                continue
            col = collectors[p] = _Collector(p.name)
            for s, f in lists:
                units.append(_idm_list_unit(p, s, f, col, ctx))
            sha[p], jenis[p] = history.sha256_file(p), "daftar IDM resmi"
        units.extend(_gather_rumusan(rumusan, collectors))
        if rest:
            c2, u2, s2, j2 = _read_units(rest, ctx, saved_mapping, max_bytes, max_rows)
            collectors.update(c2)
            units.extend(u2)
            sha.update(s2)
            jenis.update(j2)
    finally:
        _PRELOADED.clear()
    return {p: collectors[p] for p in paths if p in collectors}, units, sha, jenis


# =========================================================================== reports

def write_findings_report(findings: pd.DataFrame, input_path: str | os.PathLike[str],
                          data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Write findings of one input as ``<name>.temuan.xlsx`` and ``.html`` next to it.

    Falls back to ``<data>/laporan_impor/`` when the input's folder is not
    writable. The input itself is never touched. Returns the written paths.
    """
    src = Path(input_path)
    table = findings[list(FINDING_COLUMNS)].rename(columns={
        "berkas": "Berkas", "lembar": "Lembar", "baris": "Baris", "kolom": "Kolom", "nilai": "Nilai",
        "aturan": "Aturan", "tingkat": "Tingkat", "pesan": "Pesan"})
    table = table.assign(Tingkat=table["Tingkat"].map({"galat": "GALAT", "peringatan": "Peringatan"}))
    folders = [src.parent, _data_dir(data_dir) / "laporan_impor"]
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            xlsx = folder / f"{src.name}.temuan.xlsx"
            htm = folder / f"{src.name}.temuan.html"
            tmp = xlsx.with_name(xlsx.name + ".tmp")
            with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
                table.to_excel(xw, sheet_name="Temuan", index=False)
                ws = xw.sheets["Temuan"]
                safe_excel.protect_text_cells([ws])  # a cell value quoted in a finding may start with "="
                for letter, width in zip("ABCDEFGH", (24, 16, 8, 24, 20, 26, 12, 90)):
                    ws.column_dimensions[letter].width = width
                ws.freeze_panes = "A2"
            os.replace(tmp, xlsx)
            htm.write_text(_html_report(table, src.name), encoding="utf-8")
            return [xlsx, htm]
        except OSError:
            continue
    return []


def _html_report(table: pd.DataFrame, name: str) -> str:
    n_g = int((table["Tingkat"] == "GALAT").sum())
    n_p = int((table["Tingkat"] == "Peringatan").sum())
    verdict = ("DITOLAK: perbaiki semua galat lalu kirim/impor ulang." if n_g else
               "Dapat diterima: peringatan tidak menghalangi impor, tetapi periksalah.")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = []
    for r in table.itertuples(index=False):
        cls = "g" if r.Tingkat == "GALAT" else "p"
        body.append(f'<tr class="{cls}">' + "".join(
            f"<td>{html.escape('' if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))}</td>"
            for v in r) + "</tr>")
    return (
        "<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'>"
        f"<title>Temuan pemeriksaan: {html.escape(name)}</title><style>"
        "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:13px}"
        "td,th{border:1px solid #bbb;padding:3px 6px;vertical-align:top}th{background:#1f4e79;color:#fff}"
        "tr.g td{background:#fde2e1}tr.p td{background:#fff4d6}</style></head><body>"
        f"<h1>Temuan pemeriksaan berkas {html.escape(name)}</h1>"
        f"<p><b>{n_g} galat, {n_p} peringatan.</b> {html.escape(verdict)}</p>"
        "<p>Baris = nomor baris seperti terlihat di Excel (baris judul ikut dihitung).</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></body></html>"
    )


# =========================================================================== shared steps of the entry points

def _read_units(
    paths: Sequence[Path], ctx: _Context, saved_mapping: pd.DataFrame, max_bytes: int, max_rows: int,
) -> tuple[dict[Path, _Collector], list[_Unit], dict[Path, str | None], dict[Path, str]]:
    """Read and validate every file into submissions (units); nothing is written.

    All Siskeudes tables of one call (CSV/Excel files, zipped exports, ``.columns``
    files, other tables of the export) form ONE submission; Penjabaran APBDes
    sheets and PDFs are one submission each; the rest is canonical.
    """
    from . import history

    collectors: dict[Path, _Collector] = {p: _Collector(p.name) for p in paths}
    units: list[_Unit] = []
    sha: dict[Path, str | None] = {}
    jenis: dict[Path, str] = {}
    tables: list[sx.ExportTable] = []
    skipped: list[tuple[Path, str]] = []
    export_paths: list[Path] = []
    others: list[tuple[Path, list[_Sheet], str]] = []
    unreadable: list[tuple[Path, list[dict[str, Any]]]] = []
    kinds = {p.stem: sx.read_columns_file(p.read_text(encoding="utf-8", errors="replace"))
             for p in paths if p.is_file() and sx.is_columns_file(p) and p.stat().st_size <= max_bytes}
    for p in paths:
        col = collectors[p]
        sha[p] = history.sha256_file(p) if p.is_file() else None
        if p.is_file() and sx.is_columns_file(p):
            export_paths.append(p)
            jenis[p] = "siskeudes (daftar kolom)"
            continue
        if p.is_file() and 0 < p.stat().st_size <= max_bytes:
            with open(p, "rb") as fh:
                head = fh.read(65536)
            if head.startswith(b"%PDF"):
                units.append(_penjabaran_pdf_unit(p, col, ctx))
                jenis[p] = units[-1].jenis
                continue
            if head.startswith(b"PK") and sx.is_export_zip(p):
                content = sx.read_zip(p, max_bytes)
                for f in content.problems:
                    col.add(f.get("lembar"), None, None, None, f["aturan"], f["tingkat"], f["pesan"])
                tables.extend(content.tables)
                skipped.extend((p, s) for s in content.skipped)
                export_paths.append(p)
                jenis[p] = "siskeudes (zip)"
                continue
            if sx.classify(p.stem)[0] == "lewati":  # another table of the export: skipped unread
                skipped.append((p, p.stem))
                export_paths.append(p)
                jenis[p] = "siskeudes (dilewati)"
                continue
            if p.suffix.lower() in (".csv", ".txt", ".tsv") and b"\x00" not in head:
                what, table = sx.classify(p.stem, sx.header_of(head))
                if what == "baca":
                    tables.append(sx.ExportTable(table, sx.read_table_text(p.read_bytes(), kinds.get(p.stem)), p,
                                                 table))
                    export_paths.append(p)
                    jenis[p] = "siskeudes"
                    continue
        sheets, fmt, problems = _read_grid(p, max_bytes, max_rows)
        if problems and not sheets:
            unreadable.append((p, problems))
            continue
        for f in problems:
            col.add(f.get("lembar"), None, None, None, f["aturan"], f["tingkat"], f["pesan"])
        # Siskeudes tables and Penjabaran sheets are recognised first; the rest is canonical.
        rest: list[_Sheet] = []
        penj: list[_Sheet] = []
        n_tables = 0
        for s in sheets:
            if not s.rows:
                continue
            canonical = _detect_table(s, None) is not None
            hint = sx.sheet_hint(s.name, p.stem, len(sheets))
            what, table = ("lain", None) if canonical else sx.classify(hint, s.rows[0])
            if what == "baca":
                tables.append(sx.ExportTable(table, sx.table_from_rows(s.rows, kinds.get(hint)), p, s.name or table))
                n_tables += 1
            elif what == "lewati":
                skipped.append((p, hint))
                n_tables += 1
            elif not canonical and penjabaran.find_penjabaran_header(s.rows) is not None:
                penj.append(s)
            else:
                rest.append(s)
        if penj:
            for s in penj:
                units.append(_penjabaran_unit(p, s, col, ctx))
            jenis[p] = "penjabaran APBDes"
        if n_tables:
            export_paths.append(p)
            jenis[p] = "siskeudes"
            # A workbook of Siskeudes tables: its other sheets (a user table, notes) are skipped too.
            skipped.extend((p, s.name or p.name) for s in rest if _detect_table(s, None) is None)
            rest = [s for s in rest if _detect_table(s, None) is not None]
        if rest and (penj or n_tables or any(_detect_table(s, None) for s in rest)):
            u = _canonical_unit(p, rest, fmt, col, ctx)
            units.append(u)
            jenis.setdefault(p, u.jenis)
        elif not penj and not n_tables:
            others.append((p, rest, fmt))
    if tables or skipped:
        # A file of the export that is no table the kit knows (a user table, a note, a picture) is skipped.
        for p in [p for p, _, _ in others] + [p for p, _ in unreadable]:
            skipped.append((p, p.name))
            export_paths.append(p)
            jenis[p] = "siskeudes (dilewati)"
        units.append(_siskeudes_unit(tables, skipped, export_paths, ctx, saved_mapping, collectors))
    else:
        for p, problems in unreadable:
            for f in problems:
                collectors[p].add(f.get("lembar"), None, None, None, f["aturan"], f["tingkat"], f["pesan"])
            units.append(_Unit([p], "tidak terbaca"))
            jenis[p] = "tidak terbaca"
        for p, rest, fmt in others:
            u = _canonical_unit(p, rest, fmt, collectors[p], ctx)
            units.append(u)
            jenis.setdefault(p, u.jenis)
    return collectors, units, sha, jenis


def _merge_units(
    units: Sequence[_Unit], collectors: Mapping[Path, _Collector], current: Mapping[str, pd.DataFrame], *,
    replace: bool, conflict_hint: str,
) -> tuple[dict[str, pd.DataFrame], list[pd.DataFrame], list[_Unit], set[Path]]:
    """Merge the accepted units into ``current`` in order (pure): tables, change logs, accepted units, rejected files."""
    # A file is rejected when any of its findings is a galat; a Siskeudes set when any of its files is.
    galat_files = {p for p, c in collectors.items() if any(f["tingkat"] == "galat" for f in c.items)}
    running = dict(current)
    change_logs: list[pd.DataFrame] = []
    accepted_units: list[_Unit] = []
    for u in units:
        if any(p in galat_files for p in u.paths) or not u.tables:
            if any(p in galat_files for p in u.paths):
                galat_files.update(u.paths)
            continue
        new = {t: df.drop(columns=[c for c in df.columns if c.startswith("_")]) for t, df in u.tables.items()}
        changed, log = plan_changes(running, new, replace=replace)
        running.update(changed)
        source = [u.paths[0]] * len(log)
        if u.origin:
            source = [u.origin.get((k, int(t)), u.paths[0]) for k, t in zip(log["kode_desa"], log["tahun"])]
        if len(log):
            berkas = [p.name for p in source] if u.origin else ", ".join(p.name for p in u.paths)
            change_logs.append(log.assign(berkas=berkas))
        for pos in np.flatnonzero((log["tindakan"] == "konflik").to_numpy(dtype=bool)):
            r = log.iloc[pos]
            collectors[source[pos]].add(None, None, "kode_desa", r["kode_desa"], "konflik_data", "peringatan",
                                        f"Data {r['tabel']} desa {r['kode_desa']} tahun {r['tahun']} sudah ada dan "
                                        "berbeda; data lama dipertahankan. " + conflict_hint)
        accepted_units.append(u)
    return running, change_logs, accepted_units, galat_files


def _findings_frame(paths: Sequence[Path], collectors: Mapping[Path, _Collector]) -> pd.DataFrame:
    """All findings of all files, in input order (:data:`FINDING_COLUMNS`)."""
    findings_rows = [f for p in paths for f in collectors[p].done()]
    findings = pd.DataFrame(findings_rows, columns=list(FINDING_COLUMNS))
    return findings.assign(baris=pd.array(findings["baris"].tolist(), dtype="Int64"))


# =========================================================================== entry points

def _check_context(kecamatan: str | None, kabupaten: str | None, tahun: int | None, kode_desa: str | None) -> _Context:
    from . import wilayah
    from .schemas import TAHUN_MAX, TAHUN_MIN

    def official(code: str | None, lvl: int, what: str) -> str | None:
        if code is None:
            return None
        c = wilayah.normalize_code(code)
        if c.count(".") != lvl or not wilayah.is_official(c):
            raise ParameterError(f"'{code}' bukan kode {what} resmi.")
        return c

    ctx = _Context(official(kecamatan, 2, "kecamatan"), official(kabupaten, 1, "kabupaten/kota"), None,
                   official(kode_desa, 3, "desa"))
    if tahun is not None:
        if isinstance(tahun, bool) or not isinstance(tahun, (int, np.integer)) or not TAHUN_MIN <= int(tahun) <= TAHUN_MAX:
            raise ParameterError(f"Tahun '{tahun}' tidak sah; isi tahun anggaran {TAHUN_MIN}–{TAHUN_MAX}.")
        ctx.tahun = int(tahun)
    if ctx.kecamatan and ctx.kabupaten and not ctx.kecamatan.startswith(ctx.kabupaten + "."):
        raise ParameterError(f"Kecamatan {ctx.kecamatan} tidak berada di kabupaten {ctx.kabupaten}.")
    if ctx.kode_desa and not ctx.kecamatan:
        ctx.kecamatan = ctx.kode_desa[:8]
    return ctx


def check_files(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    kecamatan: str | None = None,
    kabupaten: str | None = None,
    tahun: int | None = None,
    kode_desa: str | None = None,
    write_reports: bool = False,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Validate files without storing anything (``p3pd periksa``); compares with the store to show conflicts."""
    return import_files(paths, data_dir, dry_run=True, kecamatan=kecamatan, kabupaten=kabupaten, tahun=tahun,
                        kode_desa=kode_desa, write_reports=write_reports, max_bytes=max_bytes, max_rows=max_rows)


def import_files(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    replace: bool = False,
    dry_run: bool = False,
    kecamatan: str | None = None,
    kabupaten: str | None = None,
    tahun: int | None = None,
    kode_desa: str | None = None,
    write_reports: bool = True,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Validate, archive and store submitted files: the kit's one importer.

    ``paths``: files or folders (templates, canonical CSV/Excel, a Siskeudes
    export as folder, .zip or its files, a Penjabaran APBDes report as
    Excel/CSV/PDF). ``replace``: newer submissions replace stored
    data of the same desa and year (``--ganti``). ``dry_run``: validate and
    compare only. ``kecamatan``/``kabupaten``: the region the files are about
    (restricts village codes and name matching; Siskeudes and Penjabaran
    inputs need one of them unless the mapping or the title says enough);
    ``tahun``: the expected fiscal year; ``kode_desa``: the village of a
    Penjabaran report. ``write_reports``: write ``<name>.temuan.xlsx/.html``
    next to every input with findings.

    Raises :class:`~p3pd_lib.errors.ParameterError` for bad arguments and
    :class:`ImportRefused` when the store holds demo data (never mixed with
    real data). Problems in the files are *findings*, not exceptions.
    """
    from contextlib import ExitStack

    from .transaction import recover, store_lock

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = sx.expand_inputs(paths)  # a folder (a Siskeudes export) counts as its files
    if not paths:
        raise ParameterError("Tidak ada berkas yang diberikan untuk diimpor.")
    ctx = _check_context(kecamatan, kabupaten, tahun, kode_desa)
    root = _data_dir(data_dir)

    # One writer at a time: the lock is held from reading the store to the commit (nothing lost between).
    locked = ExitStack()
    if not dry_run:
        locked.enter_context(store_lock(data_dir))
        try:
            recover(data_dir)
        except OSError:
            pass  # a read-only store: the write below says so
    with locked:
        return _import_locked(paths, data_dir, root, ctx, replace=replace, dry_run=dry_run,
                              write_reports=write_reports, max_bytes=max_bytes, max_rows=max_rows)


def _import_locked(paths: list[Path], data_dir: str | os.PathLike[str] | None, root: Path, ctx: _Context, *,
                   replace: bool, dry_run: bool, write_reports: bool, max_bytes: int, max_rows: int) -> ImportResult:
    """The body of :func:`import_files` (the caller holds the store lock unless this is a dry run)."""
    from . import history
    from .store import load_dataset, read_meta, store_exists
    from .transaction import transaction

    if store_exists(data_dir):
        if read_meta(data_dir).get("simulasi") and not dry_run:
            raise ImportRefused(
                f"Folder data '{root}' berisi DATA SIMULASI (demo). Data nyata tidak dicampur dengan data simulasi: "
                "impor ke folder lain (--data-dir FOLDER) atau hapus folder processed/ data simulasi terlebih dahulu."
            )
        current = dict(load_dataset(data_dir).tables())
    else:
        current = {name: empty_frame(name) for name in TABLES}
    saved_mapping = history.read_mapping(data_dir)

    collectors, units, sha, jenis = _read_all(paths, ctx, saved_mapping, max_bytes, max_rows)
    running, change_logs, accepted_units, galat_files = _merge_units(
        units, collectors, current, replace=replace, conflict_hint="Gunakan --ganti untuk menggantinya.")
    changes = (pd.concat(change_logs, ignore_index=True)[list(CHANGE_COLUMNS)] if change_logs
               else pd.DataFrame({c: pd.Series(dtype="object") for c in CHANGE_COLUMNS}))

    findings = _findings_frame(paths, collectors)

    # ---- write (only when something is accepted and this is not a dry run)
    waktu = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    copies: dict[Path, Path] = {}
    applied = changes[changes["tindakan"].isin(["ditambah", "dilengkapi", "diganti"])] if len(changes) else changes
    accepted_paths = [p for p in paths if p not in galat_files]
    new_mapping = None
    for u in accepted_units:
        if u.mapping is not None and len(u.mapping):
            merged = history.merge_mapping(saved_mapping, u.mapping)
            if len(merged) != len(saved_mapping):
                new_mapping = merged
    rows_in = _rows_per_file(paths, accepted_units)
    empty_files = {p for p in accepted_paths if not rows_in.get(p)}
    _note_empty(empty_files, collectors)
    if empty_files:
        findings = _findings_frame(paths, collectors)
        accepted_paths = [p for p in accepted_paths if p not in empty_files]
    if not dry_run and accepted_paths:
        with transaction(data_dir, lock=False):
            _write_import(accepted_paths, paths, sha, jenis, copies, applied, running, current, new_mapping, data_dir,
                          root, waktu)

    # ---- per-file status and reports
    file_rows = []
    for p in paths:
        f = findings[findings["berkas"] == p.name]
        status = ("ditolak" if p in galat_files else "tidak ada data" if p in empty_files else
                  "diperiksa" if dry_run else "diterima")
        laporan = ""
        if write_reports and len(f):
            written = write_findings_report(f, p, data_dir)
            laporan = str(written[1]) if written else ""
        file_rows.append({"berkas": p.name, "jenis": jenis.get(p, "?"), "sha256": sha.get(p),
                          "status": status, "n_galat": int((f["tingkat"] == "galat").sum()),
                          "n_peringatan": int((f["tingkat"] == "peringatan").sum()), "laporan": laporan})
    files = pd.DataFrame(file_rows, columns=list(FILE_COLUMNS))
    return ImportResult(findings=findings, files=files, changes=changes, accepted=not galat_files, dry_run=dry_run,
                        data_dir=root)


def _rows_per_file(paths: Sequence[Path], units: Sequence[_Unit]) -> dict[Path, int]:
    """Data rows each file contributed (a Siskeudes set's rows count for each of its files)."""
    out = {p: 0 for p in paths}
    for u in units:
        n = sum(len(df) for df in u.tables.values())
        for p in u.paths:
            out[p] = out.get(p, 0) + n
    return out


def _note_empty(empty_files: Iterable[Path], collectors: Mapping[Path, _Collector]) -> None:
    for p in empty_files:
        col = collectors[p]
        if not any(f["aturan"] == "tidak_ada_data" for f in col.items):
            col.add(None, None, None, None, "tidak_ada_data", "peringatan",
                    "Berkas tidak memuat baris data (hanya judul kolom): tidak ada yang diimpor.")


def _write_import(accepted_paths: list[Path], paths: list[Path], sha: Mapping[Path, str | None],
                  jenis: Mapping[Path, str], copies: dict[Path, Path], applied: pd.DataFrame,
                  running: Mapping[str, pd.DataFrame], current: Mapping[str, pd.DataFrame],
                  new_mapping: pd.DataFrame | None, data_dir: str | os.PathLike[str] | None, root: Path,
                  waktu: str) -> None:
    """Archive, store, mapping and history of one import (inside the caller's transaction: one commit)."""
    from . import history
    from .store import save_dataset, store_exists

    copies.update(history.archive_raw_many([(p, sha[p]) for p in accepted_paths if sha[p] is not None], data_dir,
                                           waktu=waktu))
    to_save = {t: running[t] for t in TABLES if t in _DATA_TABLES and not running[t].equals(current[t])}
    touched = set(applied["kode_desa"]) if len(applied) else set()
    wil = _wilayah_update(current["wilayah"], touched)
    if wil is not None:
        to_save["wilayah"] = wil
    if to_save or not store_exists(data_dir) and len(applied):
        if not store_exists(data_dir):
            for t in REQUIRED_TABLES:
                to_save.setdefault(t, running[t] if t != "wilayah" else (wil if wil is not None else current[t]))
        save_dataset(to_save, data_dir, meta={"simulasi": False, "sumber": "impor"})
    if new_mapping is not None:
        history.write_mapping(new_mapping, data_dir)
    if len(applied):
        id_impor = _dt.datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        name_to_path = {p.name: p for p in paths}
        rows = []
        for r in applied.itertuples(index=False):
            first = name_to_path.get(str(r.berkas).split(", ")[0])
            rows.append({"id_impor": id_impor, "waktu": waktu, "berkas": r.berkas,
                         "sha256": sha.get(first) if first else None,
                         "salinan": str(copies[first].relative_to(root)) if first in copies else None,
                         "jenis_berkas": jenis.get(first, "") if first else "", "tabel": r.tabel,
                         "kode_desa": r.kode_desa, "tahun": r.tahun, "tindakan": r.tindakan, "baris": r.baris})
        history.append_history(pd.DataFrame(rows), data_dir)


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


def read_files(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    kecamatan: str | None = None,
    kabupaten: str | None = None,
    tahun: int | None = None,
    kode_desa: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ParsedImport:
    """Validate and parse files into canonical tables WITHOUT writing anything (the dashboard's upload).

    The same reading and validation as :func:`import_files` (templates,
    canonical CSV/Excel, Siskeudes tables, Penjabaran APBDes; same findings),
    but no store is read or written, nothing is archived, no report is
    written, and a store of demo data is no obstacle: the caller decides what
    to do with the tables (e.g. :func:`merge_tables` into an in-memory
    dataset). ``data_dir`` is only read for the saved Siskeudes ``Kd_Desa``
    mapping. Raises :class:`~p3pd_lib.errors.ParameterError` for bad arguments.
    """
    from . import history

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = sx.expand_inputs(paths)  # a folder (a Siskeudes export) counts as its files
    if not paths:
        raise ParameterError("Tidak ada berkas yang diberikan untuk dibaca.")
    ctx = _check_context(kecamatan, kabupaten, tahun, kode_desa)
    collectors, units, sha, jenis = _read_all(paths, ctx, history.read_mapping(data_dir), max_bytes, max_rows)
    empty = {name: empty_frame(name) for name in _DATA_TABLES}
    running, _logs, accepted_units, galat_files = _merge_units(
        units, collectors, empty, replace=False,
        conflict_hint="Berkas lain dalam unggahan ini memuat desa dan tahun yang sama; yang pertama dipakai.")
    tables = {t: df for t, df in running.items() if len(df)}
    rows_in = _rows_per_file(paths, accepted_units)
    empty_files = {p for p in paths if p not in galat_files and not rows_in.get(p)}
    _note_empty(empty_files, collectors)
    findings = _findings_frame(paths, collectors)
    file_rows = []
    for p in paths:
        f = findings[findings["berkas"] == p.name]
        file_rows.append({"berkas": p.name, "jenis": jenis.get(p, "?"), "sha256": sha.get(p),
                          "status": "ditolak" if p in galat_files else (
                              "tidak ada data" if p in empty_files else "diterima"),
                          "n_galat": int((f["tingkat"] == "galat").sum()),
                          "n_peringatan": int((f["tingkat"] == "peringatan").sum()), "laporan": ""})
    return ParsedImport(tables=tables, findings=findings, files=pd.DataFrame(file_rows, columns=list(FILE_COLUMNS)),
                        accepted=not galat_files)


def merge_tables(
    current: Mapping[str, pd.DataFrame],
    new: Mapping[str, pd.DataFrame],
    *,
    replace: bool = True,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """All canonical tables after merging ``new`` into ``current`` (pure; inputs untouched).

    The merge rules of the importer (:func:`plan_changes`); ``replace=True``
    (the default here) lets new values win over current ones. The ``wilayah``
    table gains the official rows of every new kabupaten touched. Returns
    (the five tables, the change log of :func:`plan_changes`).
    """
    changed, log = plan_changes(current, new, replace=replace)
    out = {name: changed.get(name, current[name] if name in current else empty_frame(name)) for name in TABLES}
    applied = log[log["tindakan"].isin(["ditambah", "dilengkapi", "diganti"])] if len(log) else log
    wil = _wilayah_update(out["wilayah"], set(applied["kode_desa"]) if len(applied) else set())
    if wil is not None:
        out["wilayah"] = coerce(wil, "wilayah")
    return out, log
