"""The per-kecamatan Excel workbook (XlsxWriter): tables, agenda terpadu, evaluasi RAPBDes per desa.

Kecamatan staff work in Excel: the workbook holds the report's tables in full
(the HTML shows the first rows of long ones), the agenda terpadu to assign and
follow up, and one "evaluasi RAPBDes" sheet per desa that gathers the desa's
service gaps, spending shares and rule checks with empty, bordered space for
the reviewer's notes (temuan, catatan, tindak lanjut, tenggat, paraf).

:func:`write_kecamatan_workbook` writes it atomically. It is written with
XlsxWriter (write-only, in memory): the report batch writes one workbook per
kecamatan, and openpyxl took twice as long for the same cells. Sheets are
written top to bottom, so what a finished sheet needs (the number format of
each column under the table header, the print setup) is noted while writing
(:class:`_Sheet`). :func:`finish_sheet` does the same for sheets written with
openpyxl (the dashboard's downloads).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from . import labels
from .safe_excel import FORMULA_START

#: Traffic-light classes: cell fill colour and the font colour readable on it (RGB hex).
FILL_KELAS = {"hijau": "2E7D32", "kuning": "F9A825", "merah": "C62828", "abu": "E0E0E0"}
FONT_KELAS = {"hijau": "FFFFFF", "merah": "FFFFFF", "kuning": "212121", "abu": "424242"}
_BOX = {"border": 1, "border_color": "#9E9E9E"}
_WRAP = {"text_wrap": True, "valign": "top"}
#: Cell styles by name, as XlsxWriter format properties (``bg_color`` alone is a solid fill).
_STYLES: dict[str, dict[str, Any]] = {
    "head": {"bold": True, "bg_color": "#ECEFF1", **_BOX, **_WRAP},
    "note": {"bg_color": "#FFFDE7", **_BOX},
    "box": {**_BOX, **_WRAP},
    "bold": {"bold": True},
    "title": {"bold": True, "font_size": 14},
    "red_bold": {"bold": True, "font_color": "#C62828"},
    **{f"kelas-{k}": {"bg_color": f"#{FILL_KELAS[k]}", "font_color": f"#{FONT_KELAS[k]}"} for k in FILL_KELAS},
}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

#: Number formats (Excel shows them with the reader's own separators: 21,6% and Rp 1.234.567 in
#: an Indonesian Excel). Values stay numbers; percentages are 0–100 as in the reports.
FORMAT_PERSEN = '0.0"%"'
FORMAT_RUPIAH = '"Rp" #,##0'
FORMAT_BILANGAN = "#,##0"
FORMAT_DESIMAL = "0.00"
FORMAT_IDM = "0.0000"

#: Columns per sheet: column → header (Indonesian). Missing columns are skipped.
COLUMNS: dict[str, dict[str, str]] = {
    "capaian": {
        "kode_desa": "Kode desa", "nama_desa": "Desa/kelurahan", "sektor": "Sektor", "indikator": "Indikator",
        "nama_indikator": "Nama indikator", "pembilang": "Pembilang", "penyebut": "Penyebut", "nilai": "Nilai (%)",
        "target": "Target (%)", "sumber_target": "Sumber target", "tag_target": "Jenis target", "label_kelas": "Capaian",
    },
    "capaian_wilayah": {
        "tingkat": "Tingkat", "kode_wilayah": "Kode wilayah", "nama_wilayah": "Wilayah", "indikator": "Indikator",
        "nama_indikator": "Nama indikator", "pembilang": "Σ pembilang", "penyebut": "Σ penyebut", "nilai": "Nilai (%)",
        "target": "Target (%)", "n_desa": "Jumlah desa", "n_desa_data": "Desa berdata", "label_kelas": "Capaian",
    },
    "skor": {"kode_desa": "Kode desa", "nama_desa": "Desa/kelurahan", "sektor": "Sektor", "skor": "Skor sektor"},
    "indeks": {"kode_desa": "Kode desa", "nama_desa": "Desa/kelurahan", "indeks_capaian": "Indeks Capaian Layanan Dasar",
               "n_sektor": "Sektor berdata", "kesenjangan": "Kesenjangan"},
    "tren_desa": {"kode_desa": "Kode desa", "nama_desa": "Desa/kelurahan", "indikator": "Indikator",
                  "nama_indikator": "Nama indikator", "nilai_awal": "Nilai awal", "nilai_akhir": "Nilai akhir",
                  "perubahan": "Perubahan (poin)", "tren": "Tren", "label_tren": "Tren"},
    "belanja": {"kode_desa": "Kode desa", "nama_desa": "Desa", "indikator": "Indikator", "nama_indikator": "Nama indikator",
                "pembilang": "Pembilang", "penyebut": "Penyebut", "nilai": "Nilai", "target": "Target",
                "sumber_target": "Sumber target"},
    "komposisi": {"kode_desa": "Kode desa", "nama_desa": "Desa", "kelompok": "Kelompok", "anggaran": "Anggaran (Rp)",
                  "porsi": "Porsi (%)"},
    "aturan": {"kode_desa": "Kode desa", "nama_desa": "Desa", "tahun": "Tahun", "aturan": "Kode aturan",
               "nama_aturan": "Nama aturan", "nilai": "Nilai (%)", "batas_bawah": "Batas bawah (%)",
               "batas_atas": "Batas atas (%)", "patuh": "Patuh", "dasar_hukum": "Dasar hukum", "pesan": "Keterangan"},
    "kualitas_belanja": {"kode_desa": "Kode desa", "nama_desa": "Desa", "kelas_belanja": "Kelas belanja",
                         "label_belanja": "Kualitas belanja", "alasan": "Alasan"},
    "kuadran": {"kode_desa": "Kode desa", "nama_desa": "Desa", "kesenjangan": "Kesenjangan",
                "porsi_layanan_dasar": "Porsi belanja layanan dasar (%)", "label_kuadran": "Kuadran"},
    "status": {"kode_desa": "Kode desa", "nama_desa": "Desa", "idm": "IDM", "status_idm": "Status IDM (dihitung)",
               "status_idm_resmi": "Status IDM (resmi)", "status_indeks_desa": "Status Indeks Desa"},
    "agenda": {"prioritas": "Prioritas", "kode_desa": "Kode desa", "nama_desa": "Desa", "sektor": "Sektor",
               "indikator": "Indikator", "nama_indikator": "Nama indikator", "nilai": "Nilai", "target": "Target",
               "sumber_target": "Sumber target", "kesenjangan": "Kesenjangan", "kuadran": "Kuadran",
               "penanggung_jawab": "Penanggung jawab", "sub_bidang_apbdes": "Sub-bidang APBDes",
               "jenis_agenda": "Jenis agenda"},
    "kualitas": {"tingkat": "Tingkat", "kode_desa": "Kode desa", "tahun": "Tahun", "tabel": "Tabel", "kolom": "Kolom",
                 "nilai": "Nilai", "aturan": "Aturan", "pesan": "Pesan"},
    "kamus": {"indikator": "Kode", "label_sektor": "Sektor", "nama": "Indikator",
              "pembilang": "Pembilang", "penyebut": "Penyebut", "arah": "Arah", "target": "Target (%)",
              "sumber_target": "Sumber target", "tag_target": "Jenis target", "min_penyebut": "Penyebut minimum",
              "keterangan": "Keterangan"},
}


def _cell_value(v: Any) -> Any:
    """A plain Python scalar for a cell (None for missing)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            return v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, (list, tuple, dict, set)):
        return str(v)
    return v


class _Book:
    """An XlsxWriter workbook with its cell formats made once each and its sheet names."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter  # here: a notebook kernel that never writes a workbook does not pay for it

        # Text is always written as text: never read as a formula ("=..."), a number ("+62...") or a link.
        # NaN is missing (None) before it gets here; an infinity is written as an Excel error, not a broken file.
        self.wb = xlsxwriter.Workbook(str(path), {
            "in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            "nan_inf_to_errors": True})
        self._formats: dict[tuple, Any] = {}
        self._names: set[str] = set()
        self.sheets: list[_Sheet] = []

    def format(self, style: str | None, num_format: str | None, quote: bool) -> Any:
        """The format of a cell: a named style (:data:`_STYLES`), a number format, the text guard."""
        key = (style, num_format, quote)
        fmt = self._formats.get(key)
        if fmt is None:
            props = dict(_STYLES[style]) if style else {}
            if num_format:
                props["num_format"] = num_format
            if quote:  # formula-like text: Excel keeps it text even when the cell is edited
                props["quote_prefix"] = True
            fmt = self._formats[key] = self.wb.add_format(props)
        return fmt

    def sheet(self, title: str) -> "_Sheet":
        name = _sheet_name(title, self._names)
        self._names.add(name.lower())
        self.sheets.append(_Sheet(self, name))
        return self.sheets[-1]


class _Sheet:
    """One worksheet written top to bottom (rows and columns from 1, as in Excel and openpyxl).

    Notes what openpyxl's :func:`finish_sheet` looks up in a written sheet, since
    XlsxWriter cannot read one back: the used range (the orientation) and the
    first table header within the first ten rows (repeated on printed pages;
    each of its columns gives the number format of the numbers written below it).
    """

    def __init__(self, book: _Book, name: str) -> None:
        self.book, self.ws = book, book.wb.add_worksheet(name)
        self.title = name
        self.max_row = self.max_col = 0
        self.head_row: int | None = None
        self.col_formats: dict[int, str | None] = {}

    def put(self, row: int, col: int, value: Any, style: str | None = None, num_format: str | None = None) -> None:
        """Write one cell: numbers as numbers, text as text (formula-like text guarded)."""
        # Most cells are plain text or plain numbers: only other values go through _cell_value.
        kind = type(value)
        v = value if kind is str or ((kind is float or kind is int) and value == value) else _cell_value(value)
        if row > self.max_row:
            self.max_row = row
        if col > self.max_col:
            self.max_col = col
        if type(v) is str:
            quote = v.startswith(FORMULA_START)  # see safe_excel.needs_text_guard
            fmt = self.book.format(style, num_format, quote) if style or num_format or quote else None
            self.ws.write_string(row - 1, col - 1, v, fmt)
            return
        number = type(v) in (int, float) or (isinstance(v, (int, float)) and not isinstance(v, bool))
        if number and num_format is None and self.head_row is not None and row > self.head_row:
            num_format = self.col_formats.get(col)
        fmt = self.book.format(style, num_format, False) if style or num_format else None
        if v is None:
            if fmt is not None:  # an empty cell is written only to show its style
                self.ws.write_blank(row - 1, col - 1, None, fmt)
        elif number:
            self.ws.write_number(row - 1, col - 1, v, fmt)
        elif isinstance(v, bool):
            self.ws.write_boolean(row - 1, col - 1, v, fmt)
        else:
            self.put(row, col, str(v), style, num_format)

    def header(self, row: int, heads: Sequence[str]) -> None:
        for j, h in enumerate(heads, start=1):
            self.put(row, j, h, "head")
        if self.head_row is None and row <= 10:
            self.head_row = row
            self.col_formats = {j: _format_for(h) for j, h in enumerate(heads, start=1)}

    def rows(self, heads: Sequence[str], rows: Sequence[Sequence[Any]], start_row: int,
             kelas: Sequence[Any] | None = None, kelas_idx: Iterable[int] = (),
             formats: Sequence[Sequence[str | None]] | None = None) -> int:
        """Header plus rows from ``start_row``; cells in ``kelas_idx`` coloured by ``kelas``; ``formats``
        (same shape as ``rows``) number formats of single cells; return the next free row."""
        self.header(start_row, heads)
        kelas_idx = set(kelas_idx)
        for i, values in enumerate(rows):
            r = start_row + 1 + i
            k = kelas[i] if kelas is not None else None
            colour = "kelas-" + k if isinstance(k, str) and k in FILL_KELAS else None
            fmts = formats[i] if formats is not None else None
            for j, v in enumerate(values):
                self.put(r, j + 1, v, colour if j in kelas_idx else None, fmts[j] if fmts is not None else None)
        return start_row + len(rows) + 2

    def table(self, df: pd.DataFrame, columns: Mapping[str, str], start_row: int = 1,
              kelas_column: str | None = None, kelas_cells: Iterable[str] = ()) -> int:
        """Write ``df`` (the listed columns, Indonesian headers) from ``start_row``; return the next free row.

        Cells named in ``kelas_cells`` are filled with the traffic-light colour of ``kelas_column``.
        """
        cols = [c for c in columns if c in df.columns]
        if not cols:
            return start_row
        kel = df[kelas_column].tolist() if kelas_column and kelas_column in df.columns else None
        rows = _plain_rows(df, cols)
        return self.rows([columns[c] for c in cols], rows, start_row, kel, [cols.index(c) for c in kelas_cells if c in cols])

    def widths(self, widths: Sequence[int]) -> None:
        # A width of w characters is stored as w in the file (as openpyxl did): 7·w pixels in Calibri 11;
        # XlsxWriter's set_column would add Excel's 5-pixel cell padding.
        for i, w in enumerate(widths):
            self.ws.set_column_pixels(i, i, 7 * w)

    def finish(self, landscape: bool | None = None) -> None:
        """Print setup: A4, one page wide, the table header repeated on every printed page."""
        if self.head_row is not None:
            self.ws.repeat_rows(self.head_row - 1)
        elif self.max_row > 3:
            self.ws.repeat_rows(0)
        self.ws.set_paper(9)  # A4
        if landscape is None:  # a wide table prints across the page
            landscape = self.max_col > 7
        if landscape:
            self.ws.set_landscape()
        else:
            self.ws.set_portrait()
        self.ws.fit_to_pages(1, 0)  # one page wide, as many pages high as needed


def _plain_rows(df: pd.DataFrame, cols: Sequence[str]) -> list[tuple[Any, ...]]:
    """The rows of ``df[cols]`` as tuples of Python values (a missing value as pandas gives it: None,
    NaN or NA; :meth:`_Sheet.put` leaves each of them empty).

    Column by column: cheaper than an object matrix of the frame (``to_numpy``), which interleaves
    the columns' blocks first.

    >>> _plain_rows(pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, 1.5]}), ["b", "a"])
    [('x', 1), ('y', 2)]
    """
    return list(zip(*(df[c].tolist() for c in cols)))


def _partition(df: pd.DataFrame, columns: Mapping[str, str], kelas_column: str | None = None) -> tuple[list[str], dict[str, tuple[list, list]]]:
    """Rows of ``df`` grouped by desa as plain lists (one pass instead of one filter per desa)."""
    cols = [c for c in columns if c in df.columns]
    heads = [columns[c] for c in cols]
    out: dict[str, tuple[list, list]] = {}
    if df.empty or "kode_desa" not in df.columns or not cols:
        return heads, out
    rows = _plain_rows(df, cols)
    kel = df[kelas_column].tolist() if kelas_column and kelas_column in df.columns else [None] * len(rows)
    for kode, row, k in zip(df["kode_desa"].tolist(), rows, kel):
        part = out.setdefault(str(kode), ([], []))
        part[0].append(row)
        part[1].append(k)
    return heads, out


def _sheet_table(book: _Book, title: str, df: pd.DataFrame, columns: Mapping[str, str], heading: str,
                 kelas_column: str | None = None, kelas_cells: Iterable[str] = ()) -> _Sheet:
    sheet = book.sheet(title)
    sheet.put(1, 1, heading, "title")
    if df.empty:
        sheet.put(3, 1, "Tidak ada baris.")
    else:
        sheet.table(df, columns, 3, kelas_column, kelas_cells)
        sheet.ws.freeze_panes(3, 0)
        n = len([c for c in columns if c in df.columns])
        sheet.widths([14] + [16] * (n - 1))
        sheet.ws.autofilter(2, 0, 2 + len(df), n - 1)
    return sheet


def _sheet_name(name: str, taken: set[str]) -> str:
    """A valid sheet name (≤ 31 characters, none of []:*?/\\, no quote at either end), unique among
    ``taken`` (lower case: Excel ignores case).

    >>> _sheet_name("Evaluasi Kalibeber/Utara [1]", set())
    'Evaluasi Kalibeber-Utara -1-'
    >>> _sheet_name("RINGKASAN", {"ringkasan"})
    'RINGKASAN (2)'
    """
    base = _fit(_BAD_SHEET_CHARS.sub("-", name).strip("'"), 31).strip("'") or "Lembar"
    out, n = base, 1
    while out.lower() in taken:
        n += 1
        suffix = f" ({n})"
        out = _fit(base, 31 - len(suffix)) + suffix
    return out


def _fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-16 units (Excel counts a character beyond U+FFFF twice)."""
    text = text[:limit]
    while len(text.encode("utf-16-le")) > 2 * limit:
        text = text[:-1]
    return text


def _rules_kelas(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty or "patuh" not in df.columns:
        return df
    p = df["patuh"].astype("boolean")
    return df.assign(_kelas=p.map({True: "hijau", False: "merah"}).astype("object").where(p.notna(), "abu"),
                     patuh=p.map({True: "Ya", False: "Tidak"}).astype("object").where(p.notna(), "Tidak ada data"))


_EVAL_BLOCKS: list[tuple[str, str, dict[str, str], str | None, tuple[str, ...], bool]] = [
    # (title, view field, columns, kelas column, coloured columns, desa only)
    ("1. Capaian layanan dasar", "capaian",
     {"indikator": "Indikator", "nama_indikator": "Nama indikator", "nilai": "Nilai (%)", "target": "Target (%)",
      "label_kelas": "Capaian"}, "kelas", ("nilai", "label_kelas"), False),
    ("2. Indikator belanja", "belanja", {"indikator": "Indikator", "nama_indikator": "Nama indikator",
                                         "nilai": "Nilai", "target": "Target"}, None, (), True),
    ("3. Aturan belanja tahun {tahun}", "aturan_tahun",
     {"aturan": "Kode aturan", "nama_aturan": "Aturan", "nilai": "Nilai (%)", "batas_bawah": "Batas bawah (%)", "batas_atas": "Batas atas (%)",
      "patuh": "Patuh"}, "_kelas", ("patuh",), True),
    ("4. Kuadran kebutuhan vs belanja", "kuadran",
     {"kesenjangan": "Kesenjangan", "porsi_layanan_dasar": "Porsi belanja layanan dasar (%)", "label_kuadran": "Kuadran"},
     None, (), True),
    ("5. Agenda terpadu untuk desa ini", "agenda",
     {"prioritas": "Prioritas", "nama_indikator": "Indikator", "penanggung_jawab": "Penanggung jawab",
      "sub_bidang_apbdes": "Sub-bidang APBDes"}, None, (), False),
]


def _evaluation_parts(view: Any, aturan: pd.DataFrame, agenda: pd.DataFrame
                      ) -> list[tuple[str, list[str], dict[str, tuple[list, list]], list[int], bool]]:
    """The blocks of the evaluation sheets, each split by desa; ``aturan`` (the year's rule checks,
    :func:`_rules_kelas`) and ``agenda`` (:func:`_named_agenda`) as on their own sheets."""
    tables = {"capaian": view.capaian, "belanja": _named_indicators(view.belanja), "aturan_tahun": aturan,
              "kuadran": view.kuadran, "agenda": agenda}
    parts = []
    for title, name, cols, kelas, coloured, desa_only in _EVAL_BLOCKS:
        heads, groups = _partition(tables[name], cols, kelas)
        present = [c for c in cols if c in tables[name].columns]
        parts.append((title.format(tahun=view.tahun), heads, groups, [present.index(c) for c in coloured if c in present], desa_only))
    return parts


def _evaluation_sheet(book: _Book, view: Any, kode_desa: str, nama_desa: str, jenis: str, parts: list) -> None:
    """One desa's 'evaluasi RAPBDes' sheet: its facts, then empty space for the reviewer."""
    sheet = book.sheet(f"Evaluasi {nama_desa}")
    sheet.widths([26, 30, 14, 14, 22, 30, 18, 14])
    ident = view.identitas
    sheet.put(1, 1, f"Evaluasi RAPBDes {view.tahun} — {jenis.capitalize()} {nama_desa}", "title")
    sheet.put(2, 1, f"Kode {kode_desa} · Kecamatan {ident.get('nama_kecamatan', '')} · {ident.get('nama_kabupaten', '')}")
    if ident.get("simulasi"):
        sheet.put(3, 1, "DATA SIMULASI — bukan data resmi", "red_bold")
    row = 5
    if jenis == "kelurahan":
        sheet.put(row, 1, "Kelurahan tidak memiliki APBDes; lembar ini hanya memuat capaian layanan.")
        row += 2

    for title, heads, groups, kelas_idx, desa_only in parts:
        if desa_only and jenis == "kelurahan":
            continue
        sheet.put(row, 1, title, "bold")
        row += 1
        rows, kelas = groups.get(kode_desa, ([], []))
        if not rows:
            sheet.put(row, 1, "Tidak ada data.")
            row += 2
        else:
            row = sheet.rows(heads, rows, row, kelas, kelas_idx)

    sheet.put(row, 1, "6. Catatan penelaah (diisi oleh tim kecamatan)", "bold")
    row += 1
    heads = ["Aspek yang ditelaah", "Temuan", "Sesuai? (Ya/Tidak)", "Catatan penelaah", "Tindak lanjut", "Penanggung jawab", "Tenggat"]
    sheet.header(row, heads)
    aspects = [
        "Kesesuaian dengan RKPDes dan hasil musyawarah desa",
        "Belanja layanan dasar untuk indikator merah",
        "Batas siltap & tunjangan 30% (PP 11/2019)",
        f"Penggunaan Dana Desa sesuai aturan {view.tahun}",
        "Pendapatan, belanja dan pembiayaan seimbang",
        "Usulan masyarakat yang belum terdanai",
        "Lainnya",
    ]
    for a in aspects:
        row += 1
        sheet.put(row, 1, a, "box")
        for j in range(2, len(heads) + 1):
            sheet.put(row, j, None, "note")
        sheet.ws.set_row(row - 1, 32)
    row += 2
    for label in ("Kesimpulan evaluasi", "Nama penelaah", "Tanggal", "Paraf"):
        sheet.put(row, 1, label, "bold")
        sheet.ws.merge_range(row - 1, 1, row - 1, 5, None, book.format("note", None, False))
        sheet.ws.set_row(row - 1, 42 if label == "Kesimpulan evaluasi" else 20)
        row += 1


def _wide(df: pd.DataFrame, column: str, value: str, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Desa × ``column`` table of ``value`` (one row per desa, named), columns in ``order``.

    >>> t = pd.DataFrame({"kode_desa": ["2", "1", "1"], "nama_desa": ["B", "A", "A"], "i": ["x", "x", "y"], "v": [1, 2, 3]})
    >>> _wide(t, "i", "v").values.tolist()
    [['1', 'A', 2, 3], ['2', 'B', 1, None]]
    """
    if df.empty:
        return df
    cols, rows = _wide_rows(df, column, value, order)
    return pd.DataFrame(rows, columns=["kode_desa", "nama_desa", *cols], dtype=object)


def _wide_rows(df: pd.DataFrame, column: str, value: str, order: Sequence[str] | None = None
               ) -> tuple[list[str], list[list[Any]]]:
    """The columns and rows of :func:`_wide` as plain lists (``df`` not empty)."""
    keys = df[column].astype(str).tolist()
    present = set(keys)
    cols = list(dict.fromkeys(keys)) if order is None else [c for c in order if c in present]
    if order is None:
        cols = sorted(cols)
    pos = {c: i for i, c in enumerate(cols)}
    rows: dict[str, list[Any]] = {}
    for kd, nd, k, v in zip(df["kode_desa"].tolist(), df["nama_desa"].tolist(), keys, df[value].tolist()):
        r = rows.get(kd)
        if r is None:
            r = rows[kd] = [kd, nd] + [None] * len(cols)
        if k in pos and r[2 + pos[k]] is None:
            r[2 + pos[k]] = _cell_value(v)
    return cols, [rows[k] for k in sorted(rows)]


def _wide_sheet(book: _Book, title: str, heading: str, df: pd.DataFrame, column: str, value: str,
                kelas: str | None = None, order: Sequence[str] | None = None,
                number_format: str | Mapping[str, str] | None = None, units: Mapping[str, str] | None = None) -> None:
    """A desa × indicator sheet (values, coloured by ``kelas`` when given): compact and easy to read;
    ``units`` (indicator → unit) are written in the column headers."""
    sheet = book.sheet(title)
    sheet.put(1, 1, heading, "title")
    if df.empty:
        sheet.put(3, 1, "Tidak ada baris.")
        return
    cols, vals = _wide_rows(df, column, value, order)
    kel = {row[0]: row[2:] for row in _wide_rows(df, column, kelas, cols)[1]} if kelas else None
    # Indicator columns: short name with the code beside it (never the code alone).
    heads = ["Kode desa", "Desa/kelurahan", *[labels.dengan_kode(c, singkat=True) if column == "indikator" else c for c in cols]]
    if units:
        heads = heads[:2] + [f"{h}, {units[c]}" if c in units else h for h, c in zip(heads[2:], cols)]
    sheet.header(3, heads)
    fmts = [number_format if isinstance(number_format, str) or number_format is None else number_format.get(c) for c in cols]
    for i, row in enumerate(vals):
        sheet.put(4 + i, 1, row[0])
        sheet.put(4 + i, 2, row[1])
        kelas_row = kel[row[0]] if kel is not None else [None] * len(cols)
        for j, (v, kk) in enumerate(zip(row[2:], kelas_row)):
            style = "kelas-" + kk if isinstance(kk, str) and kk in FILL_KELAS else None
            sheet.put(4 + i, 3 + j, v, style, fmts[j])
    sheet.ws.freeze_panes(3, 2)
    sheet.widths([15, 24] + [11] * len(cols))


# --- names beside codes, number formats, print setup ----------------------------------------------


def _named_indicators(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a ``nama_indikator`` column (from the labels) when it has none."""
    if df.empty or "indikator" not in df.columns or "nama_indikator" in df.columns:
        return df
    return df.assign(nama_indikator=[labels.nama_indikator(i) for i in df["indikator"].tolist()])


def _named_agenda(agenda: pd.DataFrame) -> pd.DataFrame:
    """The agenda with readable names for rule rows (whose indicator is a rule code) and sectors."""
    if agenda.empty:
        return agenda
    out = agenda.copy()
    if {"indikator", "nama_indikator", "sektor"} <= set(out.columns):
        out["nama_indikator"] = [
            labels.nama_aturan(i) if str(s) == "ATURAN" and (labels.is_missing(n) or str(n) == str(i)) else n
            for i, n, s in zip(out["indikator"].tolist(), out["nama_indikator"].tolist(), out["sektor"].tolist())]
    if "sektor" in out.columns:
        out["sektor"] = [labels.nama_sektor(v) for v in out["sektor"].tolist()]
    return out


def _text_number(v: Any) -> tuple[Any, str | None]:
    """A preformatted key figure ('18,1 %', 'Rp 1.234', '158') as (number, number format);
    other text unchanged.

    >>> _text_number("18,1 %"), _text_number("Rp 1.234.567"), _text_number("158"), _text_number("Maju")
    ((18.1, '0.0"%"'), (1234567.0, '"Rp" #,##0'), (158.0, '#,##0'), ('Maju', None))
    """
    from .numbers import parse_value

    if not isinstance(v, str) or not re.fullmatch(r"\s*(?:Rp\s*)?-?\d[\d.,]*\s*%?\s*", v):
        return v, None
    text = v.strip()
    try:
        if text.endswith("%"):
            return parse_value(text[:-1], kind="decimal", locale="id"), FORMAT_PERSEN
        if text.startswith("Rp"):
            return parse_value(text, kind="rupiah"), FORMAT_RUPIAH
        number = parse_value(text, kind="decimal", locale="id")
    except ValueError:
        return v, None
    return number, (FORMAT_BILANGAN if number is not None and float(number).is_integer() else "0.0")


def format_for_unit(satuan: Any) -> str:
    """The number format of a value with the declared unit ``satuan`` (an indicator's ``satuan``).

    >>> format_for_unit("%") == FORMAT_PERSEN, format_for_unit("Rp/jiwa") == FORMAT_RUPIAH, format_for_unit("jiwa")
    (True, True, '#,##0')
    """
    u = "" if labels.is_missing(satuan) else str(satuan).strip().lower()
    if u in ("%", "persen"):
        return FORMAT_PERSEN
    if u.startswith(("rp", "rupiah")):
        return FORMAT_RUPIAH
    if u in ("indeks", "skor", "0-1", "0–1"):
        return FORMAT_DESIMAL
    return FORMAT_BILANGAN


def indicator_units(df: pd.DataFrame) -> dict[str, str]:
    """Indicator → declared unit (``satuan``) of a long table of indicator values, first seen wins.

    >>> indicator_units(pd.DataFrame({"indikator": ["BEL01", "BEL10", "BEL01"], "satuan": ["%", "Rp/jiwa", "%"]}))
    {'BEL01': '%', 'BEL10': 'Rp/jiwa'}
    """
    if df.empty or not {"indikator", "satuan"} <= set(df.columns):
        return {}
    pairs = df[["indikator", "satuan"]].dropna().drop_duplicates("indikator")
    return {str(i): str(u) for i, u in zip(pairs["indikator"].tolist(), pairs["satuan"].tolist())}


def _format_for(header: str) -> str | None:
    """Number format of a column from its Indonesian header."""
    h = header.lower()
    if "(rp" in h or h.startswith("anggaran") or "rp/" in h:
        return FORMAT_RUPIAH
    if "%" in h or h.startswith("porsi") or h in ("nilai", "target", "nilai awal", "nilai akhir", "perubahan (poin)"):
        return FORMAT_PERSEN if "poin" not in h else "0.0"
    if h == "idm":
        return FORMAT_IDM
    if h.startswith(("skor", "indeks", "kesenjangan")):
        return FORMAT_DESIMAL
    if h.startswith(("pembilang", "penyebut", "σ", "jumlah", "desa ", "indikator merah", "indikator kuning", "usulan",
                     "sektor berdata", "penyebut minimum")):
        return FORMAT_BILANGAN
    return None


def _header_row(ws: Any) -> int | None:
    """The first row styled as a table header (bold on the header fill), within the first ten rows."""
    for r in range(1, min(ws.max_row, 10) + 1):
        c = ws.cell(row=r, column=1)
        if c.font is not None and c.font.b and c.fill is not None and str(c.fill.fgColor.rgb).endswith("ECEFF1"):
            return r
    return None


def finish_sheet(ws: Any, landscape: bool | None = None) -> None:
    """For a sheet written with openpyxl (pandas ``to_excel``): number formats for the numeric columns
    (by header) and print setup: A4, one page wide, the header row repeated on every printed page.
    :class:`_Sheet` does the same while an XlsxWriter sheet is written."""
    head = _header_row(ws)
    if head is not None:
        for j in range(1, ws.max_column + 1):
            h = ws.cell(row=head, column=j).value
            fmt = _format_for(str(h)) if isinstance(h, str) else None
            if not fmt:
                continue
            for r in range(head + 1, ws.max_row + 1):
                cell = ws.cell(row=r, column=j)
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool) and cell.number_format == "General":
                    cell.number_format = fmt
        ws.print_title_rows = f"{head}:{head}"
    elif ws.max_row > 3:
        ws.print_title_rows = "1:1"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if landscape is not None:
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
    elif ws.page_setup.orientation is None:
        ws.page_setup.orientation = "landscape" if ws.max_column > 7 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _fill_workbook(book: _Book, view: Any, parameter: Mapping[str, Any] | None) -> None:
    """The kecamatan's sheets from a :class:`~p3pd_lib.analysis.KecamatanView`.

    Sheets: Ringkasan; Capaian desa (desa × indicator, coloured); Detail capaian
    (numerators and denominators); Capaian wilayah; Skor & indeks; Tren desa;
    Belanja (desa × BEL01–BEL10); Komposisi belanja; Aturan belanja (the year);
    Kualitas belanja; Kuadran (+ split values); Status desa; Usulan masyarakat;
    Agenda terpadu; Kualitas data; Kamus indikator; then one "Evaluasi <desa>"
    sheet per desa/kelurahan. Wide sheets keep the cell count (and so the time
    to write the file) small.
    """
    ident = view.identitas
    ring = book.sheet("Ringkasan")
    ring.widths([34, 40, 60])
    ring.put(1, 1, f"Laporan Kecamatan {ident.get('nama_kecamatan', '')} ({view.kode_kecamatan}) — tahun {view.tahun}", "title")
    ring.put(2, 1, f"{ident.get('nama_kabupaten', '')}, {ident.get('nama_provinsi', '')}")
    r = 3
    if ident.get("simulasi"):
        ring.put(3, 1, "DATA SIMULASI — angka dibangkitkan oleh kit, bukan data resmi", "red_bold")
        r = 4
    cols = {"ukuran": "Ukuran", "nilai": "Nilai", "keterangan": "Keterangan"}
    present = [c for c in cols if c in view.ringkasan.columns]
    rows = [list(row) for row in _plain_rows(view.ringkasan, present)]
    formats = [[None] * len(present) for _ in rows]
    if len(present) > 1:
        for row, fmts in zip(rows, formats):  # key figures come formatted as text: store them as numbers
            number, fmt = _text_number(_cell_value(row[1]))
            if fmt and number is not None:
                row[1], fmts[1] = number, fmt
    r = ring.rows([cols[c] for c in present], rows, r + 1, formats=formats) if present else r + 1
    stamp = [
        ("Versi kit", ident.get("versi_kit")),
        ("Sidik data", ident.get("fingerprint")),
        ("Parameter", ", ".join(f"{k}={v!r}" for k, v in (parameter or {}).items() if v not in ("", None))),
    ]
    for k, v in stamp:
        ring.put(r, 1, k, "bold")
        ring.put(r, 2, v)
        r += 1

    ind_order = list(view.kamus["indikator"]) if "indikator" in view.kamus.columns else None
    _wide_sheet(book, "Capaian desa", f"Capaian layanan dasar per desa (%), {view.tahun}; warna = kelas lampu lalu lintas",
                view.capaian, "indikator", "nilai", "kelas", ind_order, FORMAT_PERSEN)
    _sheet_table(book, "Detail capaian", _named_indicators(view.capaian),
                 {"kode_desa": "Kode desa", "nama_desa": "Desa/kelurahan", "indikator": "Indikator",
                  "nama_indikator": "Nama indikator", "pembilang": "Pembilang", "penyebut": "Penyebut",
                  "nilai": "Nilai (%)", "label_kelas": "Capaian"},
                 f"Pembilang, penyebut dan kelas per desa dan indikator, {view.tahun}", "kelas", ["nilai"])
    _sheet_table(book, "Capaian wilayah", labels.map_labels(_named_indicators(view.capaian_wilayah), {"tingkat": "tingkat_wilayah"}),
                 {"tingkat": "Tingkat", "nama_wilayah": "Wilayah", "indikator": "Indikator",
                  "nama_indikator": "Nama indikator", "pembilang": "Σ pembilang",
                  "penyebut": "Σ penyebut", "nilai": "Nilai (%)", "target": "Target (%)", "label_kelas": "Capaian"},
                 "Capaian kecamatan, kabupaten dan provinsi (Σ pembilang / Σ penyebut)", "kelas", ["nilai"])
    skor = _wide(view.skor_sektor, "sektor", "skor", ["KES", "PEND", "AIR", "SOS", "ADM"])
    if not view.indeks.empty and not skor.empty:
        skor = skor.merge(view.indeks[[c for c in ("kode_desa", "indeks_capaian", "kesenjangan") if c in view.indeks.columns]],
                          on="kode_desa", how="left")
    skor_cols = {"kode_desa": "Kode desa", "nama_desa": "Desa/kelurahan", **{s: f"Skor {labels.nama_sektor(s, singkat=True)}" for s in ("KES", "PEND", "AIR", "SOS", "ADM")},
                 "indeks_capaian": "Indeks Capaian Layanan Dasar", "kesenjangan": "Kesenjangan"}
    _sheet_table(book, "Skor & indeks", skor, skor_cols, "Skor sektor dan Indeks Capaian Layanan Dasar per desa")
    tren_col = "label_tren" if "label_tren" in view.tren_desa.columns else "tren"
    if not view.tren_desa.empty:
        _wide_sheet(book, "Tren desa", "Tren capaian per desa (tahun pertama → tahun laporan)", view.tren_desa, "indikator",
                    tren_col, None, ind_order)
    # Each spending indicator in its declared unit (BEL10 is Rupiah per person, the others percentages).
    units = indicator_units(view.belanja)
    _wide_sheet(book, "Belanja", f"Indikator belanja desa, {view.tahun} (satuan setiap indikator tertulis di judul kolomnya)",
                view.belanja, "indikator", "nilai", number_format={i: format_for_unit(u) for i, u in units.items()},
                units=units)
    komp_col = "label" if "label" in view.komposisi_belanja.columns else "kelompok"
    _wide_sheet(book, "Komposisi belanja", f"Komposisi belanja desa (% dari total belanja), {view.tahun}",
                view.komposisi_belanja, komp_col, "porsi", number_format=FORMAT_PERSEN)
    aturan = view.aturan_belanja
    if not aturan.empty and "tahun" in aturan.columns:
        aturan = aturan[aturan["tahun"] == view.tahun]
    aturan = _rules_kelas(aturan)
    _sheet_table(book, "Aturan belanja", aturan,
                 {"nama_desa": "Desa", "nama_aturan": "Aturan", "nilai": "Nilai (%)", "batas_bawah": "Batas bawah (%)",
                  "batas_atas": "Batas atas (%)", "patuh": "Patuh", "pesan": "Keterangan"},
                 f"Aturan belanja {view.tahun}: batas siltap 30% (PP 11/2019) dan aturan Dana Desa", "_kelas", ["patuh"])
    _sheet_table(book, "Kualitas belanja", view.kualitas_belanja, COLUMNS["kualitas_belanja"], "Kelas kualitas belanja desa")
    quadrant = _sheet_table(book, "Kuadran", view.kuadran, COLUMNS["kuadran"], "Kuadran kebutuhan vs belanja layanan dasar")
    r = quadrant.max_row + 2
    for k, v in (view.kuadran_split or {}).items():
        quadrant.put(r, 1, k, "bold")
        quadrant.put(r, 2, v)
        r += 1
    _sheet_table(book, "Status desa", view.status_desa, COLUMNS["status"], "Status IDM dan Indeks Desa")
    _sheet_table(book, "Usulan masyarakat", labels.map_labels(view.kebutuhan_usulan, {"sektor": "sektor"}),
                 {"kode_desa": "Kode desa", "nama_desa": "Desa", "sektor": "Sektor", "n_merah": "Indikator merah",
                  "n_kuning": "Indikator kuning", "n_usulan": "Usulan", "n_didanai": "Usulan didanai APBDes",
                  "porsi": "Porsi belanja sektor (%)", "median": "Median kecamatan (%)", "kelas": "Kelas"},
                 f"Kebutuhan, usulan masyarakat dan anggaran per desa dan sektor, {view.tahun}")
    agenda = _named_agenda(view.agenda)
    _sheet_table(book, "Agenda terpadu", agenda,
                 {"prioritas": "Prioritas", "nama_desa": "Desa", "jenis_agenda": "Jenis agenda", "indikator": "Indikator",
                  "nama_indikator": "Nama indikator", "nilai": "Nilai", "target": "Target", "kuadran": "Kuadran",
                  "penanggung_jawab": "Penanggung jawab", "sub_bidang_apbdes": "Sub-bidang APBDes"},
                 "Agenda terpadu: siapa berbuat apa, di mana")
    kual = view.kualitas.assign(_kelas=view.kualitas["tingkat"].map({"galat": "merah", "peringatan": "kuning", "info": "abu"})) \
        if not view.kualitas.empty else view.kualitas
    _sheet_table(book, "Kualitas data", kual, COLUMNS["kualitas"], "Temuan kualitas data", "_kelas", ["tingkat"])
    _sheet_table(book, "Kamus indikator", labels.map_labels(view.kamus, {"arah": "arah", "tag_target": "tag_target"}),
                 COLUMNS["kamus"], "Kamus indikator dan sumber setiap target")

    parts = _evaluation_parts(view, aturan, agenda)
    for d in view.desa.sort_values("kode_desa").itertuples(index=False):
        _evaluation_sheet(book, view, str(d.kode_desa), str(d.nama_desa), str(getattr(d, "jenis", "desa")), parts)
    for sheet in book.sheets:
        sheet.finish(landscape=True if sheet.title.startswith("Evaluasi") else None)


def write_kecamatan_workbook(view: Any, path: str | os.PathLike[str], parameter: Mapping[str, Any] | None = None) -> Path:
    """Write the kecamatan workbook (sheets: see :func:`_fill_workbook`) atomically: temporary name, then rename."""
    target = Path(path).expanduser()
    if target.suffix.lower() != ".xlsx":
        from .errors import ParameterError

        raise ParameterError(f"Berkas Excel harus berakhiran .xlsx: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.tmp{os.getpid()}.xlsx")
    try:
        book = _Book(tmp)
        _fill_workbook(book, view, parameter)
        book.wb.close()  # the file is written here, in one go
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
