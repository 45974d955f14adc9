"""Reading a Siskeudes database export as delivered: a folder, a .zip, or its files.

Villages and kecamatan receive the Siskeudes database as a dump of every table
(the mdb-to-CSV route OpenSID documents): one ``Tabel.csv`` per table, often with
a ``Tabel.columns`` file beside it (column name, type, length), sometimes zipped,
sometimes as Excel exports of the tables. Only the tables the kit needs
(:data:`p3pd_lib.siskeudes.TABLE_SIGNATURES`) are read; every other table is
listed as skipped, never a reason to reject the export.

Tables are read as text (codes such as ``01.2001.`` or ``0101`` keep their form);
the columns a ``.columns`` file types as numbers are named in
``frame.attrs["kolom_angka"]`` so their values are read as machine numbers.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .safe_excel import inspect_xlsx, zip_expansion_problem
from .siskeudes import identify_table, is_table_name

#: Suffixes of the findings reports the importer writes next to an input (never inputs themselves).
_REPORT_SUFFIXES = (".temuan.xlsx", ".temuan.html")
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: A zip member that expands more than this many times its compressed size is refused unread.
MAX_RATIO = 200


@dataclass
class ExportTable:
    """One table of an export: ``name`` (Siskeudes table), ``frame`` (text, ``_baris``), where it came from."""

    name: str
    frame: pd.DataFrame
    berkas: Path
    lembar: str


@dataclass
class ExportContent:
    """What a zip (or a set of files) held: the needed tables, the skipped ones, problems with the file."""

    tables: list[ExportTable] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    kinds: dict[str, dict[str, str]] = field(default_factory=dict)


def expand_inputs(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Inputs with every folder replaced by its files (sorted, sub-folders included).

    Hidden files and the findings reports the importer writes next to its
    inputs are left out, so importing a folder twice reads the same files.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if not p.is_dir():
            out.append(p)
            continue
        for f in sorted(p.rglob("*")):
            rel = f.relative_to(p).parts
            if f.is_file() and not any(part.startswith(".") for part in rel) and not f.name.endswith(_REPORT_SUFFIXES):
                out.append(f)
    return list(dict.fromkeys(out))


def is_export_zip(path: Path) -> bool:
    """True for a .zip archive that is not itself a workbook (xlsx files are zips too)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return "[Content_Types].xml" not in names and not any(n.startswith("xl/") for n in names)


def is_columns_file(path: Path) -> bool:
    """True for a ``Tabel.columns`` description beside a table."""
    return path.suffix.lower() == ".columns"


def classify(stem: str, header: Iterable[object] = ()) -> tuple[str, str | None]:
    """``("baca", table)`` for a table the kit reads, ``("lewati", None)`` for another table of the
    export, ``("lain", None)`` for a file that is not a Siskeudes table.

    >>> classify("Ta_RABRinci"), classify("Ta_SPP"), classify("laporan_desa")
    (('baca', 'Ta_RABRinci'), ('lewati', None), ('lain', None))
    """
    table = identify_table(header, name_hint=stem)
    if table is not None:
        return "baca", table
    return ("lewati", None) if is_table_name(stem) else ("lain", None)


# --------------------------------------------------------------------------- .columns files

_KINDS = (("angka", ("currency", "money", "double", "single", "float", "decimal", "numeric", "number", "integer",
                     "long", "int", "byte", "real")),
          ("tanggal", ("date", "time")), ("logika", ("bool", "bit", "yes/no", "yesno")),
          ("teks", ("text", "memo", "char", "string", "hyperlink")))


def read_columns_file(text: str) -> dict[str, str]:
    """Column → kind (``teks``, ``angka``, ``tanggal``, ``logika``) from a ``.columns`` description.

    Each line names a column, its type and often a length, separated by tabs,
    commas, semicolons, bars or spaces; a header line is ignored.

    >>> read_columns_file("Name\\tType\\tSize\\nKd_Desa\\tText\\t100\\nAnggaran\\tCurrency\\t8\\nTahun\\tLong Integer\\t4")
    {'Kd_Desa': 'teks', 'Anggaran': 'angka', 'Tahun': 'angka'}
    """
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        sep = next((s for s in ("\t", ";", ",", "|") if s in line), None)
        parts = [p.strip().strip('"') for p in (line.split(sep) if sep else line.split())]
        if len(parts) < 2 or parts[0].lower() in ("name", "nama", "column", "kolom", "field", "column_name"):
            continue
        type_text = " ".join(parts[1:]).lower()
        for kind, words in _KINDS:
            if any(w in type_text for w in words):
                out[parts[0]] = kind
                break
    return out


# --------------------------------------------------------------------------- tables

def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")  # pragma: no cover - cp1252 decodes nearly everything


def _finish(frame: pd.DataFrame, kinds: dict[str, str] | None) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.assign(_baris=np.arange(len(frame)) + 2)
    data = [c for c in frame.columns if c != "_baris"]
    if len(frame) and data:
        blank = np.logical_and.reduce([(frame[c].to_numpy(dtype=object) == "") | frame[c].isna().to_numpy()
                                       for c in data])
        if blank.any():
            frame = frame[~blank]
    frame.attrs["kolom_angka"] = sorted(c for c, k in (kinds or {}).items() if k == "angka" and c in frame.columns)
    return frame


#: The columns the kit reads from any Siskeudes table (lower case, without ``_``); the others are not parsed.
USED_COLUMNS = frozenset({
    "tahun", "kddesa", "kdkeg", "kdrincian", "rincian", "anggaran", "anggaranstlhpak", "sumberdana", "kdposting",
    "tglposting", "nobukti", "debet", "kredit", "posted", "posting", "statusposting", "namakegiatan", "kdkec",
    "namadesa", "namakecamatan", "obyek", "namaobyek", "kdprov", "kdkab", "namapemda"})


def _used(column: object) -> bool:
    return re.sub(r"[^a-z0-9]", "", str(column).lower()) in USED_COLUMNS


def read_table_text(raw: bytes, kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """A CSV table of an export as text columns (delimiter found from the header line).

    Only the columns the kit uses (:data:`USED_COLUMNS`) are kept. The bytes go
    to the parser as they are (decoding to one big text first doubles the time).
    """
    try:
        raw.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252" if _decodes(raw, "cp1252") else "latin-1"
    end = raw.find(b"\n")
    first = raw[:end if end >= 0 else len(raw)].decode(encoding, errors="replace")
    try:
        delim = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        delim = ","
    frame = pd.read_csv(io.BytesIO(raw), sep=delim, dtype=object, keep_default_na=False, skip_blank_lines=True,
                        engine="c", encoding=encoding, usecols=lambda c: _used(str(c).strip()))
    return _finish(frame, kinds)


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def header_of(raw: bytes) -> list[str]:
    """The column names of a CSV table (first line only)."""
    first = _decode(raw[:65536]).split("\n", 1)[0].strip("\r")
    try:
        delim = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        delim = ","
    return next(csv.reader([first], delimiter=delim), [])


def _cell_text(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v if isinstance(v, str) else str(v)


def table_from_rows(rows: list[list[object]], kinds: dict[str, str] | None = None) -> pd.DataFrame:
    """A table given as spreadsheet rows (header first) as text columns; numeric cells mark numeric columns."""
    header = [str(v).strip() if v not in (None, "") else f"kolom{j + 1}" for j, v in enumerate(rows[0])]
    body = [list(r[:len(header)]) + [None] * (len(header) - len(r)) for r in rows[1:]]
    numeric = {h for j, h in enumerate(header)
               if any(r[j] is not None for r in body)
               and all(isinstance(r[j], (int, float)) and not isinstance(r[j], bool) for r in body if r[j] is not None)}
    frame = pd.DataFrame([[_cell_text(v) for v in r] for r in body], columns=header, dtype=object)
    merged = dict(kinds or {})
    for h in numeric:
        merged.setdefault(h, "angka")
    return _finish(frame, merged)


def read_zip(path: Path, max_bytes: int) -> ExportContent:
    """The needed tables of a zipped export; other members are listed as skipped, never read."""
    content = ExportContent()
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        content.problems.append({"aturan": "berkas_rusak", "tingkat": "galat",
                                 "pesan": f"Arsip .zip rusak dan tidak dapat dibuka ({type(exc).__name__})."})
        return content
    with zf:
        pesan = zip_expansion_problem(zf.infolist(), what="zip")  # the directory only: a bomb is never expanded
        if pesan is not None:
            content.problems.append({"aturan": "berkas_tidak_wajar", "tingkat": "galat", "pesan": pesan})
            return content
        members = [i for i in zf.infolist() if not i.is_dir() and not _hidden(i.filename)]
        total = sum(i.file_size for i in members)
        if total > max_bytes * 5:
            content.problems.append({"aturan": "berkas_terlalu_besar", "tingkat": "galat",
                                     "pesan": f"Isi arsip .zip {total / 1024 / 1024:.0f} MB setelah dibuka, melebihi "
                                              f"batas {max_bytes * 5 / 1024 / 1024:.0f} MB."})
            return content
        for info in members:
            if is_columns_file(Path(info.filename)):
                stem = PurePosixPath(info.filename).stem
                content.kinds[stem] = read_columns_file(_decode(_read_member(zf, info, content, max_bytes) or b""))
        for info in members:
            name = PurePosixPath(info.filename)
            suffix = name.suffix.lower()
            if suffix == ".columns":
                continue
            if suffix not in _TEXT_SUFFIXES + _WORKBOOK_SUFFIXES:
                content.skipped.append(name.name)
                continue
            if suffix in _WORKBOOK_SUFFIXES:
                if classify(name.stem)[0] == "lewati":  # an Excel export of a table the kit does not need
                    content.skipped.append(name.name)
                    continue
                raw = _read_member(zf, info, content, max_bytes)
                if raw is not None:
                    _workbook_tables(raw, name, path, content)
                continue
            with zf.open(info) as fh:
                head = fh.read(65536)
            what, table = classify(name.stem, header_of(head))
            if what != "baca":
                content.skipped.append(name.name)
                continue
            raw = _read_member(zf, info, content, max_bytes)
            if raw is not None:
                frame = read_table_text(raw, content.kinds.get(name.stem))
                content.tables.append(ExportTable(table, frame, path, name.name))
    return content


def _hidden(member: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(member).parts)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, content: ExportContent, max_bytes: int) -> bytes | None:
    """A member's bytes, or ``None`` (with a problem) when it is out of proportion to its compressed size."""
    if info.file_size > max_bytes or (info.file_size > 10 * 1024 * 1024
                                      and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
        content.problems.append({"lembar": PurePosixPath(info.filename).name, "aturan": "berkas_terlalu_besar",
                                 "tingkat": "galat",
                                 "pesan": f"'{info.filename}' di dalam arsip terlalu besar atau termampatkan secara "
                                          "tidak wajar; arsip tidak dibuka."})
        return None
    with zf.open(info) as fh:
        return fh.read(max_bytes + 1)[:max_bytes]


def _workbook_tables(raw: bytes, name: PurePosixPath, path: Path, content: ExportContent) -> None:
    """Tables of an Excel export inside the zip: each sheet named after its table (or the file is)."""
    import warnings

    from openpyxl import load_workbook

    checked = inspect_xlsx(io.BytesIO(raw))  # a workbook is a zip too: its directory first
    if checked.refused:
        content.problems.extend({**f, "lembar": name.name} for f in checked.problems)
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        content.problems.append({"lembar": name.name, "aturan": "berkas_rusak", "tingkat": "galat",
                                 "pesan": f"'{name.name}' di dalam arsip tidak dapat dibuka ({type(exc).__name__})."})
        return
    try:
        for ws in wb.worksheets:
            state = checked.states.get(ws.title, "visible")
            if state != "visible":  # reported, never read silently
                jenis = "sangat tersembunyi (very hidden)" if state == "veryHidden" else "tersembunyi (hidden)"
                content.problems.append({
                    "lembar": f"{name.name} [{ws.title}]", "aturan": "lembar_tersembunyi", "tingkat": "peringatan",
                    "pesan": f"Lembar '{ws.title}' pada '{name.name}' {jenis} dan TIDAK dibaca. Bila isinya memang "
                             "tabel yang diperlukan, tampilkan lembarnya (Unhide) lalu impor ulang."})
                continue
            stem = ws.title if is_table_name(ws.title) or len(wb.worksheets) > 1 else name.stem
            header = next(ws.iter_rows(max_row=1, values_only=True), None)
            what, table = classify(stem, header or ())
            if what != "baca":  # a table the kit does not need: its rows are not read
                if header is not None:
                    content.skipped.append(f"{name.name} [{ws.title}]")
                continue
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            while rows and all(v in (None, "") for v in rows[-1]):
                rows.pop()
            if not rows:
                continue
            frame = table_from_rows(rows, content.kinds.get(stem))
            content.tables.append(ExportTable(table, frame, path, f"{name.name} [{ws.title}]"))
    finally:
        wb.close()


def sheet_hint(sheet_name: str | None, file_stem: str, n_sheets: int) -> str:
    """The name that tells a sheet's table: the sheet's own name when it is one (a workbook of tables)."""
    if sheet_name and (is_table_name(sheet_name) or n_sheets > 1):
        return sheet_name
    return file_stem


#: Tables whose rows belong to one desa and year: a desa-year comes from one export only.
_PER_DESA_YEAR = ("Ta_RABRinci", "Ta_RAB", "Ta_Anggaran", "Ta_JurnalUmum", "Ta_JurnalUmumRinci")


def combine(name: str, parts: list[ExportTable]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """One frame of table ``name`` from every export that holds it, and peringatan for overlaps.

    Exports of different years (or kecamatan) add up. When two exports hold the
    same desa and year of a budget or journal table (the same export given twice,
    a folder and its zip, an older and a newer dump), only the first one's rows
    count for that desa-year, so no amount is counted twice.
    """
    frames = [p.frame for p in parts]
    kolom_angka = sorted({c for f in frames for c in f.attrs.get("kolom_angka", ())})
    findings: list[dict[str, Any]] = []
    if len(frames) > 1 and name in _PER_DESA_YEAR:
        seen: set[tuple[str, str]] = set()
        kept = []
        for part in parts:
            f = part.frame
            cols = {re.sub(r"[^a-z0-9]", "", c.lower()): c for c in f.columns}
            if "kddesa" not in cols or "tahun" not in cols:
                kept.append(f)
                continue
            keys = list(zip(f[cols["kddesa"]].astype(str).str.strip(), f[cols["tahun"]].astype(str).str.strip()))
            dup = np.array([k in seen for k in keys], dtype=bool)
            if dup.any():
                pairs = sorted({k for k, d in zip(keys, dup) if d})
                shown = ", ".join(f"{d} {t}" for d, t in pairs[:5]) + (" …" if len(pairs) > 5 else "")
                findings.append({"lembar": name, "baris": None, "kolom": cols["kddesa"], "nilai": part.lembar,
                                 "aturan": "ekspor_ganda", "tingkat": "peringatan",
                                 "pesan": f"{name} dari '{part.berkas.name}' memuat desa-tahun yang sudah ada di ekspor "
                                          f"lain ({shown}); {int(dup.sum())} baris itu tidak dihitung dua kali."})
            seen.update(keys)
            kept.append(f[~dup])
        frames = kept
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame.attrs["kolom_angka"] = kolom_angka
    return frame, findings
