"""Reading one input into grids of cells: an .xlsx workbook (inspected first) or a CSV text.

:func:`read_grid` returns the sheets with their cells as written, the
positions of formula cells and the merged ranges, plus file-level findings
(missing, empty, too large, old .xls, renamed or damaged file, hidden sheets).
Workbooks are inspected before they are opened (:mod:`p3pd_lib.safe_excel`):
oversized expansions are refused, hidden sheets reported and not read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import safe_excel
from ..template import INFO_SHEET
from .results import is_empty

#: Largest file accepted (bytes) and most rows per sheet; larger inputs are refused with a message.
MAX_BYTES = 200 * 1024 * 1024
MAX_ROWS = 1_000_000
READ_ONLY_FROM = 8 * 1024 * 1024  # xlsx above this size is streamed (merged cells then found by safe_excel)


@dataclass
class Sheet:
    """One sheet (or a CSV's only grid, ``name`` None): rows of cells, formula cells (row, col), merged ranges."""

    name: str | None
    rows: list[list[object]]
    formulas: set[tuple[int, int]] = field(default_factory=set)
    merged: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # r0, c0, r1, c1 (0-based), coord


Grid = tuple[list[Sheet], str, list[dict[str, Any]]]

# Grids already read in this call (by read_all, to recognise IDM lists), handed to read_grid once.
_PRELOADED: dict[tuple[str, int, int], Grid] = {}


def _grid_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


def preload(path: Path, grid: Grid) -> None:
    """Keep a grid already read, so that the next :func:`read_grid` of ``path`` returns it without reading again."""
    _PRELOADED[_grid_key(path)] = grid


def clear_preloaded() -> None:
    """Forget the grids kept by :func:`preload` (at the end of every call that preloads)."""
    _PRELOADED.clear()


def read_grid(path: Path, max_bytes: int, max_rows: int) -> tuple[list[Sheet], str, list[dict[str, Any]]]:
    """(sheets, format 'xlsx'/'csv', file-level findings) of one input."""
    if path.is_file():
        cached = _PRELOADED.pop(_grid_key(path), None)
        if cached is not None:
            return cached
    problems: list[dict[str, Any]] = []

    def fail(aturan: str, pesan: str) -> tuple[list[Sheet], str, list[dict[str, Any]]]:
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
    read_only = size > READ_ONLY_FROM
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
    sheets: list[Sheet] = []
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
            while rows and all(is_empty(v) for v in rows[-1]):
                rows.pop()
            merged = []
            if not read_only:
                for rng in ws.merged_cells.ranges:
                    merged.append((rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1, rng.coord))
            elif ws.title in info.parts:  # read-only mode does not list them: stream the sheet's XML
                merged = safe_excel.merged_ranges(path, info.parts[ws.title])
            sheets.append(Sheet(ws.title, rows, formulas, merged))
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
            rows.append(rec)  # "" and blanks count as empty everywhere (see is_empty)
    except csv.Error as exc:
        problems.append({"aturan": "berkas_rusak", "tingkat": "galat",
                         "pesan": f"Berkas CSV tidak dapat dibaca: {exc}."})
        return [], "csv", problems
    while rows and all(is_empty(v) for v in rows[-1]):
        rows.pop()
    return [Sheet(None, rows)], "csv", problems

