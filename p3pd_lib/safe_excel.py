"""Workbooks the kit did not make: look before opening; workbooks the kit makes: text stays text.

Reading (an .xlsx is a zip of XML files). :func:`inspect_xlsx` reads only the
zip's central directory and two small XML parts (the sheet list and its
relationships), so it runs in bounded memory whatever the file holds, and
refuses a workbook whose expansion is out of proportion *before* anything is
expanded: more than :data:`MAX_UNCOMPRESSED` bytes of content, a compression
ratio above :data:`MAX_RATIO` on a large file (a "zip bomb"), or more shared
strings than :data:`MAX_SHARED_STRINGS` (read from the first bytes of
``sharedStrings.xml``). It also reports each sheet's visibility (hidden and
very hidden sheets are not read) and where its XML lives, so that
:func:`merged_ranges` can list merged cells of a sheet of any size by
streaming its XML. :func:`zip_expansion_problem` is the size and ratio check
alone, applied to every zipped input (a zipped Siskeudes export, and each
workbook inside it, is checked before anything is expanded). The importer (``p3pd impor``/``periksa``) and the
dashboard upload both read through :func:`p3pd_lib.importer.read_files` /
``import_files``, which call these.

Writing. A text cell starting with ``=``, ``+``, ``-`` or ``@`` is run as a
formula by spreadsheet programs (CSV/formula injection). Every workbook the
kit writes with openpyxl goes through :func:`text_cell` (one cell) or
:func:`protect_text_cells` (a sheet written by pandas): such text is stored as
a text cell with the "quote prefix" style, shown exactly as written and never
calculated. The kecamatan workbook (:mod:`p3pd_lib.excel`, XlsxWriter) writes
all text as text and gives such text the same quote prefix
(the test of :func:`needs_text_guard`).

>>> from openpyxl import Workbook
>>> ws = Workbook().active
>>> c = text_cell(ws.cell(row=1, column=1), "=1+1")
>>> c.value, c.data_type, c.quotePrefix
('=1+1', 's', True)
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Iterable

#: Largest total of uncompressed content accepted (bytes).
MAX_UNCOMPRESSED = 1_000_000_000
#: Largest compression ratio accepted for a workbook with more than :data:`RATIO_FROM` bytes of content.
MAX_RATIO = 100
RATIO_FROM = 10_000_000
#: Most distinct texts (shared strings) accepted in one workbook.
MAX_SHARED_STRINGS = 2_000_000
#: Text starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@")

_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ATTR = re.compile(rb"([\w:]+)\s*=\s*\"([^\"]*)\"")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*\"([A-Za-z]{1,3}\d{1,7}(?::[A-Za-z]{1,3}\d{1,7})?)\"")
_SST_HEAD = re.compile(rb"<(?:\w+:)?sst\b([^>]*)>")


@dataclass
class XlsxInfo:
    """What :func:`inspect_xlsx` found: refusal problems (dicts), and per sheet its state and XML part."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)  # sheet name -> visible / hidden / veryHidden
    parts: dict[str, str] = field(default_factory=dict)  # sheet name -> zip member of its XML
    uncompressed: int = 0

    @property
    def refused(self) -> bool:
        return any(p["tingkat"] == "galat" for p in self.problems)


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1] if k.decode().lower() != "r:id" else "r:id": v.decode("utf-8", "replace")
            for k, v in _ATTR.findall(raw)}


def _refuse(info: XlsxInfo, pesan: str) -> XlsxInfo:
    info.problems.append({"aturan": "berkas_tidak_wajar", "tingkat": "galat", "pesan": pesan})
    return info


def _mb(n: float) -> str:
    return f"{n / 1_000_000:,.0f}".replace(",", ".")


#: Words of the refusal messages of :func:`zip_expansion_problem`: (what it is, what is not opened, what to do).
_ZIP_WORDS = {
    "xlsx": ("berkas Excel", "berkas", "Simpan ulang dari Excel atau kirim berkas aslinya."),
    "zip": ("arsip .zip", "arsip", "Buat ulang arsipnya dari ekspor aslinya, atau kirim folder ekspornya."),
}


def zip_expansion_problem(members: Iterable[zipfile.ZipInfo], *, what: str = "xlsx",
                          max_uncompressed: int = MAX_UNCOMPRESSED, max_ratio: float = MAX_RATIO) -> str | None:
    """The Indonesian refusal message when a zip's directory promises an expansion out of proportion, else None.

    Only the central directory is read (sizes as declared): more than
    ``max_uncompressed`` bytes of content in all, or more than
    :data:`RATIO_FROM` bytes expanded more than ``max_ratio`` times. ``what``:
    ``"xlsx"`` (a workbook) or ``"zip"`` (an archive of files).

    >>> big = zipfile.ZipInfo("a.csv"); big.file_size, big.compress_size = 50_000_000, 20_000
    >>> zip_expansion_problem([big], what="zip")[:57]
    'Arsip .zip ini dimampatkan secara tidak wajar (2.500 kali'
    >>> big.compress_size = 20_000_000
    >>> zip_expansion_problem([big], what="zip") is None
    True
    """
    benda, singkat, saran = _ZIP_WORDS[what]
    members = list(members)
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > max_uncompressed:
        return (f"Isi {benda} ini bila dibuka berukuran {_mb(total)} MB (batas {_mb(max_uncompressed)} MB); "
                f"{singkat} tidak dibuka. Pecah per kecamatan atau tahun.")
    if total > RATIO_FROM and total / packed > max_ratio:
        kali = f"{total / packed:,.0f}".replace(",", ".")
        return (f"{benda[0].upper() + benda[1:]} ini dimampatkan secara tidak wajar ({kali} kali; "
                f"{_mb(packed)} MB menjadi {_mb(total)} MB) dan tidak dibuka. {saran}")
    return None


def inspect_xlsx(path: str | Path | IO[bytes], *, max_uncompressed: int = MAX_UNCOMPRESSED,
                 max_ratio: float = MAX_RATIO, max_shared_strings: int = MAX_SHARED_STRINGS) -> XlsxInfo:
    """Check a workbook's zip before it is opened (bounded memory); see the module doc.

    ``path`` may also be an open binary file (a workbook inside an archive).
    A file that is not a readable zip gives no problem here (the workbook
    reader reports it as damaged).
    """
    info = XlsxInfo()
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return info
    with zf:
        members = zf.infolist()
        info.uncompressed = sum(m.file_size for m in members)
        pesan = zip_expansion_problem(members, what="xlsx", max_uncompressed=max_uncompressed, max_ratio=max_ratio)
        if pesan is not None:
            return _refuse(info, pesan)
        by_name = {m.filename: m for m in members}
        sst = by_name.get("xl/sharedStrings.xml")
        if sst is not None:
            with zf.open(sst) as fh:
                head = fh.read(4096)
            m = _SST_HEAD.search(head)
            if m:
                a = _attrs(m.group(1))
                declared = a.get("uniqueCount") or a.get("count") or "0"
                n = int(declared) if declared.isdigit() else 0
                if n > max_shared_strings:
                    return _refuse(info, f"Berkas Excel ini menyatakan {n:,} teks berbeda (batas "
                                         f"{max_shared_strings:,}); berkas tidak dibuka.".replace(",", "."))
        wb_part = by_name.get("xl/workbook.xml")
        rels_part = by_name.get("xl/_rels/workbook.xml.rels")
        if wb_part is None or wb_part.file_size > 5_000_000 or (rels_part and rels_part.file_size > 5_000_000):
            return info
        targets: dict[str, str] = {}
        if rels_part is not None:
            for raw in _REL_TAG.findall(zf.read(rels_part)):
                a = _attrs(raw)
                t = a.get("Target", "")
                t = t.lstrip("/") if t.startswith("/") else str(PurePosixPath("xl") / t)
                targets[a.get("Id", "")] = t
        for raw in _SHEET_TAG.findall(zf.read(wb_part)):
            a = _attrs(raw)
            name = a.get("name")
            if name is None:
                continue
            name = (name.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                    .replace("&apos;", "'"))
            info.states[name] = a.get("state", "visible")
            rid = a.get("r:id") or a.get("id")
            if rid in targets:
                info.parts[name] = targets[rid]
    return info


def merged_ranges(path: str | Path, part: str, chunk: int = 1 << 20) -> list[tuple[int, int, int, int, str]]:
    """Merged ranges of one sheet (``r0, c0, r1, c1`` 0-based, and ``A1:B2``), streaming its XML.

    Works at any file size in bounded memory (the importer reads large
    workbooks in openpyxl's read-only mode, which does not list them).
    """
    from openpyxl.utils.cell import range_boundaries

    out: list[tuple[int, int, int, int, str]] = []
    try:
        with zipfile.ZipFile(path) as zf, zf.open(part) as fh:
            tail = b""
            while True:
                block = fh.read(chunk)
                if not block:
                    break
                buf = tail + block
                last = 0
                for m in _MERGE.finditer(buf):
                    ref = m.group(1).decode()
                    c0, r0, c1, r1 = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
                    out.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1, ref))
                    last = m.end()
                tail = buf[max(last, len(buf) - 256):]
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return out
    return out


# =========================================================================== writing

def needs_text_guard(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would run as a formula.

    >>> needs_text_guard("=SUM(A1)"), needs_text_guard("-5 jiwa"), needs_text_guard("Desa"), needs_text_guard(-5)
    (True, True, False, False)
    """
    return isinstance(value, str) and value.startswith(FORMULA_START)


def text_cell(cell: Any, value: object = None) -> Any:
    """Set (when ``value`` is given) and guard one openpyxl cell: formula-like text stays text. Returns the cell."""
    if value is not None:
        cell.value = value
    v = cell.value
    if needs_text_guard(v) or (cell.data_type == "f" and isinstance(v, str)):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def protect_text_cells(worksheets: Iterable[Any]) -> None:
    """Guard every text cell of sheets written by pandas (``to_excel`` turns ``"=..."`` into formulas)."""
    for ws in worksheets:
        # openpyxl 3.1: ``_cells`` holds the cells that exist; the public ``iter_rows`` would create (and then
        # write) an empty cell for every gap of the used rectangle.
        cells = getattr(ws, "_cells", None)
        found = cells.values() if isinstance(cells, dict) else (c for row in ws.iter_rows() for c in row)
        for cell in found:
            v = cell.value
            if type(v) is str and v and (v[0] in FORMULA_START or cell.data_type == "f"):
                text_cell(cell)
