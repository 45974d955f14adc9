"""The per-kecamatan Excel workbook (openpyxl): tables, agenda terpadu, evaluasi RAPBDes per desa.

Kecamatan staff work in Excel: the workbook holds the report's tables in full
(the HTML shows the first rows of long ones), the agenda terpadu to assign and
follow up, and one "evaluasi RAPBDes" sheet per desa that gathers the desa's
service gaps, spending shares and rule checks with empty, bordered space for
the reviewer's notes (temuan, catatan, tindak lanjut, tenggat, paraf).

:func:`kecamatan_workbook` builds the workbook in memory (pure: view in,
``Workbook`` out); :func:`write_kecamatan_workbook` saves it atomically.
"""

from __future__ import annotations

import copy
import os
import re
import weakref
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import labels
from .safe_excel import protect_text_cells

FILL_KELAS = {
    "hijau": PatternFill("solid", fgColor="2E7D32"),
    "kuning": PatternFill("solid", fgColor="F9A825"),
    "merah": PatternFill("solid", fgColor="C62828"),
    "abu": PatternFill("solid", fgColor="E0E0E0"),
}
FONT_KELAS = {"hijau": Font(color="FFFFFF"), "merah": Font(color="FFFFFF"), "kuning": Font(color="212121"), "abu": Font(color="424242")}
_HEAD_FILL = PatternFill("solid", fgColor="ECEFF1")
_NOTE_FILL = PatternFill("solid", fgColor="FFFDE7")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_RED_BOLD = Font(bold=True, color="C62828")
_THIN = Side(style="thin", color="9E9E9E")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
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


class _Styles:
    """Pre-registered cell styles, applied by copying a style array.

    Setting ``cell.fill``/``cell.font``/… one by one hashes the style objects
    every time (≈ 0.1 ms per assignment, the largest cost of the workbook);
    copying the style array of a prototype cell is nearly free.
    """

    def __init__(self, wb: Workbook) -> None:
        from openpyxl.cell.cell import Cell

        # Weak: a strong reference from this cache value would keep its WeakKeyDictionary key
        # (the workbook) alive, and every workbook of a batch kernel with it.
        self._ws = weakref.ref(wb.active)
        self._cache: dict[str, Any] = {}
        self._cell = Cell

    def _proto(self, key: str, **attrs: Any) -> Any:
        arr = self._cache.get(key)
        if arr is None:
            c = self._cell(self._ws(), row=1, column=1)  # not attached to the sheet
            for k, v in attrs.items():
                setattr(c, k, v)
            arr = self._cache[key] = c._style
        return arr

    def apply(self, cell: Any, key: str) -> None:
        if key == "head":
            arr = self._proto(key, font=_BOLD, fill=_HEAD_FILL, border=_BOX, alignment=_WRAP)
        elif key == "note":
            arr = self._proto(key, fill=_NOTE_FILL, border=_BOX)
        elif key == "box":
            arr = self._proto(key, border=_BOX, alignment=_WRAP)
        elif key.startswith("kelas-"):
            k = key[6:]
            arr = self._proto(key, fill=FILL_KELAS[k], font=FONT_KELAS[k])
        else:
            raise KeyError(key)
        cell._style = copy.copy(arr)


_STYLERS: "weakref.WeakKeyDictionary[Workbook, _Styles]" = weakref.WeakKeyDictionary()


def _style(cell: Any, key: str) -> None:
    wb = cell.parent.parent
    st = _STYLERS.get(wb)
    if st is None:
        st = _STYLERS[wb] = _Styles(wb)
    st.apply(cell, key)


def _cell_value(v: Any) -> Any:
    """A value openpyxl can store (None for missing; plain Python scalars)."""
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


def _widths(ws: Worksheet, widths: Sequence[int]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _write_rows(ws: Worksheet, heads: Sequence[str], rows: Sequence[Sequence[Any]], start_row: int,
                kelas: Sequence[Any] | None = None, kelas_idx: Iterable[int] = ()) -> int:
    """Header plus rows from ``start_row``; cells in ``kelas_idx`` coloured by ``kelas``; next free row."""
    for j, h in enumerate(heads, start=1):
        _style(ws.cell(row=start_row, column=j, value=h), "head")
    kelas_idx = set(kelas_idx)
    for i, values in enumerate(rows):
        r = start_row + 1 + i
        k = kelas[i] if kelas is not None else None
        colour = isinstance(k, str) and k in FILL_KELAS
        for j, v in enumerate(values):
            cell = ws.cell(row=r, column=j + 1, value=_cell_value(v))
            if colour and j in kelas_idx:
                _style(cell, "kelas-" + k)
    return start_row + len(rows) + 2


def write_table(
    ws: Worksheet,
    df: pd.DataFrame,
    columns: Mapping[str, str],
    start_row: int = 1,
    kelas_column: str | None = None,
    kelas_cells: Iterable[str] = (),
) -> int:
    """Write ``df`` (the listed columns, Indonesian headers) from ``start_row``; return the next free row.

    Cells named in ``kelas_cells`` are filled with the traffic-light colour of ``kelas_column``.
    """
    cols = [c for c in columns if c in df.columns]
    if not cols:
        return start_row
    kel = df[kelas_column].tolist() if kelas_column and kelas_column in df.columns else None
    rows = df[cols].to_numpy(dtype=object).tolist()
    return _write_rows(ws, [columns[c] for c in cols], rows, start_row, kel, [cols.index(c) for c in kelas_cells if c in cols])


def _partition(df: pd.DataFrame, columns: Mapping[str, str], kelas_column: str | None = None) -> tuple[list[str], dict[str, tuple[list, list]]]:
    """Rows of ``df`` grouped by desa as plain lists (one pass instead of one filter per desa)."""
    cols = [c for c in columns if c in df.columns]
    heads = [columns[c] for c in cols]
    out: dict[str, tuple[list, list]] = {}
    if df.empty or "kode_desa" not in df.columns or not cols:
        return heads, out
    rows = df[cols].to_numpy(dtype=object).tolist()
    kel = df[kelas_column].tolist() if kelas_column and kelas_column in df.columns else [None] * len(rows)
    for kode, row, k in zip(df["kode_desa"].tolist(), rows, kel):
        part = out.setdefault(str(kode), ([], []))
        part[0].append(row)
        part[1].append(k)
    return heads, out


def _sheet_table(wb: Workbook, title: str, df: pd.DataFrame, columns: Mapping[str, str], heading: str,
                 kelas_column: str | None = None, kelas_cells: Iterable[str] = ()) -> Worksheet:
    ws = wb.create_sheet(_sheet_name(title, set(wb.sheetnames)))
    ws["A1"] = heading
    ws["A1"].font = _TITLE
    if df.empty:
        ws["A3"] = "Tidak ada baris."
    else:
        write_table(ws, df, columns, 3, kelas_column, kelas_cells)
        ws.freeze_panes = "A4"
        n = len([c for c in columns if c in df.columns])
        _widths(ws, [14] + [16] * (n - 1))
        ws.auto_filter.ref = f"A3:{get_column_letter(n)}{3 + len(df)}"
    return ws


def _sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\).

    >>> _sheet_name("Evaluasi Kalibeber/Utara [1]", set())
    'Evaluasi Kalibeber-Utara -1-'
    >>> _sheet_name("Ringkasan", {"Ringkasan"})
    'Ringkasan (2)'
    """
    base = _BAD_SHEET_CHARS.sub("-", name).strip("'")[:31] or "Lembar"
    out, n = base, 1
    while out in taken:
        n += 1
        suffix = f" ({n})"
        out = base[: 31 - len(suffix)] + suffix
    return out


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


def _evaluation_parts(view: Any) -> list[tuple[str, list[str], dict[str, tuple[list, list]], list[int], bool]]:
    aturan = view.aturan_belanja
    if not aturan.empty and "tahun" in aturan.columns:
        aturan = aturan[aturan["tahun"] == view.tahun]
    tables = {"capaian": view.capaian, "belanja": _named_indicators(view.belanja), "aturan_tahun": _rules_kelas(aturan),
              "kuadran": view.kuadran, "agenda": _named_agenda(view.agenda)}
    parts = []
    for title, name, cols, kelas, coloured, desa_only in _EVAL_BLOCKS:
        heads, groups = _partition(tables[name], cols, kelas)
        present = [c for c in cols if c in tables[name].columns]
        parts.append((title.format(tahun=view.tahun), heads, groups, [present.index(c) for c in coloured if c in present], desa_only))
    return parts


def _evaluation_sheet(wb: Workbook, view: Any, kode_desa: str, nama_desa: str, jenis: str, parts: list) -> None:
    """One desa's 'evaluasi RAPBDes' sheet: its facts, then empty space for the reviewer."""
    ws = wb.create_sheet(_sheet_name(f"Evaluasi {nama_desa}", set(wb.sheetnames)))
    _widths(ws, [26, 30, 14, 14, 22, 30, 18, 14])
    ident = view.identitas
    ws["A1"] = f"Evaluasi RAPBDes {view.tahun} — {jenis.capitalize()} {nama_desa}"
    ws["A1"].font = _TITLE
    ws["A2"] = f"Kode {kode_desa} · Kecamatan {ident.get('nama_kecamatan', '')} · {ident.get('nama_kabupaten', '')}"
    if ident.get("simulasi"):
        ws["A3"] = "DATA SIMULASI — bukan data resmi"
        ws["A3"].font = _RED_BOLD
    row = 5
    if jenis == "kelurahan":
        ws.cell(row=row, column=1, value="Kelurahan tidak memiliki APBDes; lembar ini hanya memuat capaian layanan.")
        row += 2

    for title, heads, groups, kelas_idx, desa_only in parts:
        if desa_only and jenis == "kelurahan":
            continue
        ws.cell(row=row, column=1, value=title).font = _BOLD
        row += 1
        rows, kelas = groups.get(kode_desa, ([], []))
        if not rows:
            ws.cell(row=row, column=1, value="Tidak ada data.")
            row += 2
        else:
            row = _write_rows(ws, heads, rows, row, kelas, kelas_idx)

    ws.cell(row=row, column=1, value="6. Catatan penelaah (diisi oleh tim kecamatan)").font = _BOLD
    row += 1
    heads = ["Aspek yang ditelaah", "Temuan", "Sesuai? (Ya/Tidak)", "Catatan penelaah", "Tindak lanjut", "Penanggung jawab", "Tenggat"]
    for j, h in enumerate(heads, start=1):
        _style(ws.cell(row=row, column=j, value=h), "head")
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
        _style(ws.cell(row=row, column=1, value=a), "box")
        for j in range(2, len(heads) + 1):
            _style(ws.cell(row=row, column=j), "note")
        ws.row_dimensions[row].height = 32
    row += 2
    for label in ("Kesimpulan evaluasi", "Nama penelaah", "Tanggal", "Paraf"):
        ws.cell(row=row, column=1, value=label).font = _BOLD
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=6)
        for j in range(2, 7):
            _style(ws.cell(row=row, column=j), "note")
        ws.row_dimensions[row].height = 42 if label == "Kesimpulan evaluasi" else 20
        row += 1
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0


def _wide(df: pd.DataFrame, column: str, value: str, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Desa × ``column`` table of ``value`` (one row per desa, named), columns in ``order``.

    >>> t = pd.DataFrame({"kode_desa": ["2", "1", "1"], "nama_desa": ["B", "A", "A"], "i": ["x", "x", "y"], "v": [1, 2, 3]})
    >>> _wide(t, "i", "v").values.tolist()
    [['1', 'A', 2, 3], ['2', 'B', 1, None]]
    """
    if df.empty:
        return df
    keys = df[column].astype(str).tolist()
    cols = list(dict.fromkeys(keys)) if order is None else [c for c in order if c in set(keys)]
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
    return pd.DataFrame([rows[k] for k in sorted(rows)], columns=["kode_desa", "nama_desa", *cols], dtype=object)


def _wide_sheet(wb: Workbook, title: str, heading: str, df: pd.DataFrame, column: str, value: str,
                kelas: str | None = None, order: Sequence[str] | None = None,
                number_format: str | Mapping[str, str] | None = None, units: Mapping[str, str] | None = None) -> None:
    """A desa × indicator sheet (values, coloured by ``kelas`` when given): compact and easy to read;
    ``units`` (indicator → unit) are written in the column headers."""
    ws = wb.create_sheet(_sheet_name(title, set(wb.sheetnames)))
    ws["A1"] = heading
    ws["A1"].font = _TITLE
    if df.empty:
        ws["A3"] = "Tidak ada baris."
        return
    w = _wide(df, column, value, order)
    cols = list(w.columns[2:])
    k = _wide(df, column, kelas, cols) if kelas else None
    # Indicator columns: short name with the code beside it (never the code alone).
    heads = ["Kode desa", "Desa/kelurahan", *[labels.dengan_kode(c, singkat=True) if column == "indikator" else c for c in cols]]
    if units:
        heads = heads[:2] + [f"{h}, {units[c]}" if c in units else h for h, c in zip(heads[2:], cols)]
    for j, h in enumerate(heads, start=1):
        _style(ws.cell(row=3, column=j, value=h), "head")
    vals = w.to_numpy(dtype=object)
    kel = k.set_index("kode_desa").reindex(w["kode_desa"])[cols].to_numpy(dtype=object) if k is not None else None
    for i in range(len(w)):
        for j in range(len(heads)):
            cell = ws.cell(row=4 + i, column=j + 1, value=_cell_value(vals[i, j]))
            if kel is not None and j >= 2:
                kk = kel[i, j - 2]
                if isinstance(kk, str) and kk in FILL_KELAS:
                    _style(cell, "kelas-" + kk)
            if number_format and j >= 2:  # after the style, which replaces the whole style array
                fmt = number_format if isinstance(number_format, str) else number_format.get(cols[j - 2])
                if fmt:
                    cell.number_format = fmt
    ws.freeze_panes = "C4"
    _widths(ws, [15, 24] + [11] * len(cols))


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


def _header_row(ws: Worksheet) -> int | None:
    """The first row styled as a table header (bold on the header fill), within the first ten rows."""
    for r in range(1, min(ws.max_row, 10) + 1):
        c = ws.cell(row=r, column=1)
        if c.font is not None and c.font.b and c.fill is not None and str(c.fill.fgColor.rgb).endswith("ECEFF1"):
            return r
    return None


def finish_sheet(ws: Worksheet, landscape: bool | None = None) -> None:
    """Number formats for the numeric columns (by header) and print setup: A4, one page wide,
    the header row repeated on every printed page."""
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


def kecamatan_workbook(view: Any, parameter: Mapping[str, Any] | None = None) -> Workbook:
    """The kecamatan's workbook built from a :class:`~p3pd_lib.analysis.KecamatanView` (nothing written).

    Sheets: Ringkasan; Capaian desa (desa × indicator, coloured); Detail capaian
    (numerators and denominators); Capaian wilayah; Skor & indeks; Tren desa;
    Belanja (desa × BEL01–BEL10); Komposisi belanja; Aturan belanja (the year);
    Kualitas belanja; Kuadran (+ split values); Status desa; Agenda terpadu;
    Kualitas data; Kamus indikator; then one "Evaluasi <desa>" sheet per
    desa/kelurahan. Wide sheets keep the cell count (and so the time to write
    the file: openpyxl writes ≈ 25,000 cells/s here) small.
    """
    ident = view.identitas
    wb = Workbook()
    ws = wb.active
    ws.title = "Ringkasan"
    _widths(ws, [34, 40, 60])
    ws["A1"] = f"Laporan Kecamatan {ident.get('nama_kecamatan', '')} ({view.kode_kecamatan}) — tahun {view.tahun}"
    ws["A1"].font = _TITLE
    ws["A2"] = f"{ident.get('nama_kabupaten', '')}, {ident.get('nama_provinsi', '')}"
    r = 3
    if ident.get("simulasi"):
        ws["A3"] = "DATA SIMULASI — angka dibangkitkan oleh kit, bukan data resmi"
        ws["A3"].font = _RED_BOLD
        r = 4
    first = r + 2
    r = write_table(ws, view.ringkasan, {"ukuran": "Ukuran", "nilai": "Nilai", "keterangan": "Keterangan"}, r + 1)
    for row in range(first, r - 1):  # key figures come formatted as text: store them as numbers
        cell = ws.cell(row=row, column=2)
        number, fmt = _text_number(cell.value)
        if fmt and number is not None:
            cell.value, cell.number_format = number, fmt
    stamp = [
        ("Versi kit", ident.get("versi_kit")),
        ("Sidik data", ident.get("fingerprint")),
        ("Parameter", ", ".join(f"{k}={v!r}" for k, v in (parameter or {}).items() if v not in ("", None))),
    ]
    for k, v in stamp:
        ws.cell(row=r, column=1, value=k).font = _BOLD
        ws.cell(row=r, column=2, value=_cell_value(v))
        r += 1

    ind_order = list(view.kamus["indikator"]) if "indikator" in view.kamus.columns else None
    _wide_sheet(wb, "Capaian desa", f"Capaian layanan dasar per desa (%), {view.tahun}; warna = kelas lampu lalu lintas",
                view.capaian, "indikator", "nilai", "kelas", ind_order, FORMAT_PERSEN)
    _sheet_table(wb, "Detail capaian", _named_indicators(view.capaian),
                 {"kode_desa": "Kode desa", "nama_desa": "Desa/kelurahan", "indikator": "Indikator",
                  "nama_indikator": "Nama indikator", "pembilang": "Pembilang", "penyebut": "Penyebut",
                  "nilai": "Nilai (%)", "label_kelas": "Capaian"},
                 f"Pembilang, penyebut dan kelas per desa dan indikator, {view.tahun}", "kelas", ["nilai"])
    _sheet_table(wb, "Capaian wilayah", labels.map_labels(_named_indicators(view.capaian_wilayah), {"tingkat": "tingkat_wilayah"}),
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
    _sheet_table(wb, "Skor & indeks", skor, skor_cols, "Skor sektor dan Indeks Capaian Layanan Dasar per desa")
    tren_col = "label_tren" if "label_tren" in view.tren_desa.columns else "tren"
    if not view.tren_desa.empty:
        _wide_sheet(wb, "Tren desa", "Tren capaian per desa (tahun pertama → tahun laporan)", view.tren_desa, "indikator",
                    tren_col, None, ind_order)
    # Each spending indicator in its declared unit (BEL10 is Rupiah per person, the others percentages).
    units = indicator_units(view.belanja)
    _wide_sheet(wb, "Belanja", f"Indikator belanja desa, {view.tahun} (satuan setiap indikator tertulis di judul kolomnya)",
                view.belanja, "indikator", "nilai", number_format={i: format_for_unit(u) for i, u in units.items()},
                units=units)
    komp_col = "label" if "label" in view.komposisi_belanja.columns else "kelompok"
    _wide_sheet(wb, "Komposisi belanja", f"Komposisi belanja desa (% dari total belanja), {view.tahun}",
                view.komposisi_belanja, komp_col, "porsi", number_format=FORMAT_PERSEN)
    aturan = view.aturan_belanja
    if not aturan.empty and "tahun" in aturan.columns:
        aturan = aturan[aturan["tahun"] == view.tahun]
    _sheet_table(wb, "Aturan belanja", _rules_kelas(aturan),
                 {"nama_desa": "Desa", "nama_aturan": "Aturan", "nilai": "Nilai (%)", "batas_bawah": "Batas bawah (%)",
                  "batas_atas": "Batas atas (%)", "patuh": "Patuh", "pesan": "Keterangan"},
                 f"Aturan belanja {view.tahun}: batas siltap 30% (PP 11/2019) dan aturan Dana Desa", "_kelas", ["patuh"])
    _sheet_table(wb, "Kualitas belanja", view.kualitas_belanja, COLUMNS["kualitas_belanja"], "Kelas kualitas belanja desa")
    qws = _sheet_table(wb, "Kuadran", view.kuadran, COLUMNS["kuadran"], "Kuadran kebutuhan vs belanja layanan dasar")
    r = qws.max_row + 2
    for k, v in (view.kuadran_split or {}).items():
        qws.cell(row=r, column=1, value=k).font = _BOLD
        qws.cell(row=r, column=2, value=_cell_value(v))
        r += 1
    _sheet_table(wb, "Status desa", view.status_desa, COLUMNS["status"], "Status IDM dan Indeks Desa")
    _sheet_table(wb, "Usulan masyarakat", labels.map_labels(view.kebutuhan_usulan, {"sektor": "sektor"}),
                 {"kode_desa": "Kode desa", "nama_desa": "Desa", "sektor": "Sektor", "n_merah": "Indikator merah",
                  "n_kuning": "Indikator kuning", "n_usulan": "Usulan", "n_didanai": "Usulan didanai APBDes",
                  "porsi": "Porsi belanja sektor (%)", "median": "Median kecamatan (%)", "kelas": "Kelas"},
                 f"Kebutuhan, usulan masyarakat dan anggaran per desa dan sektor, {view.tahun}")
    _sheet_table(wb, "Agenda terpadu", _named_agenda(view.agenda),
                 {"prioritas": "Prioritas", "nama_desa": "Desa", "jenis_agenda": "Jenis agenda", "indikator": "Indikator",
                  "nama_indikator": "Nama indikator", "nilai": "Nilai", "target": "Target", "kuadran": "Kuadran",
                  "penanggung_jawab": "Penanggung jawab", "sub_bidang_apbdes": "Sub-bidang APBDes"},
                 "Agenda terpadu: siapa berbuat apa, di mana")
    kual = view.kualitas.assign(_kelas=view.kualitas["tingkat"].map({"galat": "merah", "peringatan": "kuning", "info": "abu"})) \
        if not view.kualitas.empty else view.kualitas
    _sheet_table(wb, "Kualitas data", kual, COLUMNS["kualitas"], "Temuan kualitas data", "_kelas", ["tingkat"])
    _sheet_table(wb, "Kamus indikator", labels.map_labels(view.kamus, {"arah": "arah", "tag_target": "tag_target"}),
                 COLUMNS["kamus"], "Kamus indikator dan sumber setiap target")

    parts = _evaluation_parts(view)
    for d in view.desa.sort_values("kode_desa").itertuples(index=False):
        _evaluation_sheet(wb, view, str(d.kode_desa), str(d.nama_desa), str(getattr(d, "jenis", "desa")), parts)
    protect_text_cells(wb.worksheets)  # text such as "=..." or "-..." from the data stays text
    for sheet in wb.worksheets:
        finish_sheet(sheet, landscape=True if sheet.title.startswith("Evaluasi") else None)
    return wb


def write_kecamatan_workbook(view: Any, path: str | os.PathLike[str], parameter: Mapping[str, Any] | None = None) -> Path:
    """Build and save the kecamatan workbook atomically (temporary name, then rename)."""
    target = Path(path).expanduser()
    if target.suffix.lower() != ".xlsx":
        from .errors import ParameterError

        raise ParameterError(f"Berkas Excel harus berakhiran .xlsx: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    wb = kecamatan_workbook(view, parameter)
    tmp = target.with_name(f".{target.stem}.tmp{os.getpid()}.xlsx")
    try:
        wb.save(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
