"""Excel templates for villages and technical units to fill in (one workbook per kecamatan and year).

Every sheet, header, unit, rule and explanation is derived from the declared
schemas (:mod:`p3pd_lib.schemas`), so the templates, their "Petunjuk" sheet and
the importer's validation can never disagree about a column.

Sheets: ``Petunjuk`` (how to fill, every column explained), ``Layanan`` and
``Status Desa`` (one pre-filled row per village: code, official name and year
are locked), ``APBDes`` and ``Usulan`` (free rows: the village is picked from a
dropdown "kode – nama"), ``Daftar Desa`` (the official list, read-only) and a
hidden ``_info`` sheet that tells the importer which kecamatan and year the
template is for. Sheets are protected without a password: key columns are
locked, input cells are not; number cells accept only non-negative numbers
(whole numbers for counts), code-like columns use dropdowns.

>>> wb = build_template("33.07.01", 2025)
>>> wb.sheetnames
['Petunjuk', 'Layanan', 'APBDes', 'Status Desa', 'Usulan', 'Daftar Desa', '_info']
>>> wb["Layanan"]["A2"].value, wb["Layanan"]["A2"].protection.locked, wb["Layanan"]["D2"].protection.locked
('33.07.01.1007', True, False)
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import __version__
from .errors import ParameterError
from .paths import DEFAULT_OUTPUT_DIR
from .safe_excel import protect_text_cells
from .schemas import TABLES, WILAYAH, Column, TableSchema

#: Data sheets of a template: canonical table → sheet title.
TEMPLATE_SHEETS: dict[str, str] = {"layanan": "Layanan", "apbdes": "APBDes", "status_desa": "Status Desa",
                                   "usulan": "Usulan"}
#: Sheets with one pre-filled row per village (the others have free rows).
PREFILLED: tuple[str, ...] = ("layanan", "status_desa")
PETUNJUK_SHEET = "Petunjuk"
DAFTAR_SHEET = "Daftar Desa"
INFO_SHEET = "_info"
TEMPLATE_KIND = "templat_p3pd"
TEMPLATE_VERSION = "1"
#: Display-only column next to ``kode_desa`` in pre-filled sheets (not stored).
NAMA_DESA = WILAYAH.column("nama_desa")
#: Separator of the "kode – nama" choices in the village dropdown.
PILIHAN_SEP = " – "

_RUPIAH = {"anggaran", "realisasi", "perkiraan_biaya", "anggaran_disetujui"}
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_KEY_FILL = PatternFill("solid", fgColor="E7E6E6")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_UNLOCKED = Protection(locked=False)


def _villages(kecamatan: str) -> tuple[str, str, list[tuple[str, str, str]]]:
    from . import wilayah

    try:
        kode = wilayah.normalize_code(kecamatan)
    except ParameterError:
        raise
    if kode.count(".") != 2 or not wilayah.is_official(kode):
        raise ParameterError(
            f"'{kecamatan}' bukan kode kecamatan resmi (format PP.KK.CC, mis. 33.07.01). "
            "Cari kodenya dengan nama kecamatan lewat p3pd_lib.wilayah.search."
        )
    table = wilayah.wilayah_table([kode[:2]])
    table = table[table["kode_kecamatan"] == kode]
    rows = [(str(k), str(n), str(j)) for k, n, j in zip(table["kode_desa"], table["nama_desa"], table["jenis"])]
    return kode, wilayah.name(kode), rows


def _check_tahun(tahun: object) -> int:
    from .schemas import TAHUN_MAX, TAHUN_MIN

    if isinstance(tahun, bool) or not isinstance(tahun, int) or not TAHUN_MIN <= tahun <= TAHUN_MAX:
        raise ParameterError(f"Tahun '{tahun}' tidak sah; isi tahun anggaran {TAHUN_MIN}–{TAHUN_MAX}.")
    return tahun


def number_kind(col: Column) -> str | None:
    """``count``, ``rupiah``, ``decimal`` or ``None`` (not a number) for a declared column."""
    if col.dtype == "Int64":
        return "count"
    if col.dtype == "Float64":
        return "rupiah" if col.name in _RUPIAH else "decimal"
    return None


def sheet_columns(table: str) -> list[Column]:
    """Columns of a template sheet, in order (pre-filled sheets add the village name)."""
    schema = TABLES[table]
    cols = list(schema.columns)
    if table in PREFILLED:
        cols.insert(1, NAMA_DESA)
    return cols


def _rule_text(col: Column, table: str) -> str:
    kind = number_kind(col)
    parts: list[str] = []
    if col.name == "kode_desa":
        parts.append("terisi dan terkunci" if table in PREFILLED else "pilih dari daftar (kode – nama)")
    elif col.name == "nama_desa":
        parts.append("terisi dan terkunci (hanya untuk dibaca)")
    elif col.name == "tahun":
        parts.append("terisi dan terkunci" if table in PREFILLED else "boleh dikosongkan: berarti tahun templat")
    elif col.allowed:
        parts.append("pilih dari daftar: " + ", ".join(col.allowed))
    elif kind == "count":
        parts.append("bilangan bulat ≥ 0")
    elif kind == "rupiah":
        parts.append("angka Rupiah ≥ 0, tanpa 'Rp'")
    elif kind == "decimal":
        lo = 0 if col.min_value is None else col.min_value
        hi = col.max_value
        parts.append(f"angka desimal {lo:g}–{hi:g}" if hi is not None else f"angka desimal ≥ {lo:g}")
    elif col.name == "kode_kegiatan":
        parts.append("format BB.SS.KK, mis. 02.01.05")
    elif col.name == "kode_rekening":
        parts.append("mis. 5.1.1.01, 4.2.1.01, 6.1.1.01")
    else:
        parts.append("teks")
    if not col.nullable and col.name not in ("kode_desa", "tahun"):
        parts.append("wajib diisi")
    elif col.nullable and kind is not None:
        parts.append("kosongkan bila tidak dilaporkan (kosong ≠ 0)")
    return "; ".join(parts)


def _style_header(ws: Worksheet, cols: list[Column]) -> None:
    for j, col in enumerate(cols, start=1):
        c = ws.cell(row=1, column=j, value=col.label)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = _HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        c.border = _BORDER
        width = 14 if number_kind(col) else 22
        if col.name in ("uraian", "nama_kegiatan"):
            width = 40
        if col.name == "kode_desa":
            width = 16 if len(cols) and cols[1].name == "nama_desa" else 34
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[1].height = 48


def _validation(col: Column, table: str, desa_range: str | None) -> DataValidation | None:
    kind = number_kind(col)
    dv: DataValidation | None = None
    if col.name == "kode_desa" and table not in PREFILLED and desa_range:
        dv = DataValidation(type="list", formula1=desa_range, allow_blank=True)
        dv.error = "Pilih desa dari daftar (lembar Daftar Desa)."
    elif col.allowed and col.name not in ("kode_desa",):
        dv = DataValidation(type="list", formula1='"' + ",".join(col.allowed) + '"', allow_blank=True)
        dv.error = "Pilih salah satu: " + ", ".join(col.allowed)
    elif kind == "count":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Isi bilangan bulat 0 atau lebih (tanpa titik/koma desimal)."
    elif kind == "rupiah":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = "Isi angka Rupiah 0 atau lebih, tanpa 'Rp'."
    elif kind == "decimal":
        lo = 0 if col.min_value is None else col.min_value
        if col.max_value is not None:
            dv = DataValidation(type="decimal", operator="between", formula1=f"{lo:g}", formula2=f"{col.max_value:g}",
                                allow_blank=True)
            dv.error = f"Isi angka antara {lo:g} dan {col.max_value:g}."
        else:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1=f"{lo:g}", allow_blank=True)
            dv.error = f"Isi angka {lo:g} atau lebih."
    if dv is None:
        return None
    dv.showErrorMessage = True
    dv.errorTitle = "Isian tidak sah"
    dv.showInputMessage = True
    dv.promptTitle = col.label[:32]
    dv.prompt = col.description[:250]
    return dv


def _number_format(col: Column) -> str:
    kind = number_kind(col)
    if kind is None:
        return "@"  # codes like 02.01.05 must stay text, never become a date
    return "#,##0" if kind in ("count", "rupiah") else "0.0000"


def _year_validation(col: Column) -> DataValidation:
    dv = DataValidation(type="whole", operator="between", formula1=f"{col.min_value:g}",
                        formula2=f"{col.max_value:g}", allow_blank=True)
    dv.error = "Isi tahun anggaran (4 angka) atau kosongkan."
    dv.showErrorMessage = True
    dv.errorTitle = "Isian tidak sah"
    return dv


def _data_sheet(wb: Workbook, table: str, tahun: int, villages: list[tuple[str, str, str]], n_free: int,
                desa_range: str | None) -> None:
    ws = wb.create_sheet(TEMPLATE_SHEETS[table])
    cols = sheet_columns(table)
    _style_header(ws, cols)
    if table in PREFILLED:
        rows = [v for v in villages if table != "status_desa" or v[2] == "desa"]
        n = len(rows)
    else:
        rows = []
        n = n_free
    locked_names = {"kode_desa", "nama_desa", "tahun"} if table in PREFILLED else set()
    if not rows:
        # Free rows are styled per column (unlocked, number format) instead of thousands of empty
        # cells: the file stays small and opens fast; an empty year means the template's year.
        for j, col in enumerate(cols, start=1):
            dim = ws.column_dimensions[get_column_letter(j)]
            dim.protection = _UNLOCKED
            dim.number_format = _number_format(col)
    for i in range(len(rows)):
        r = i + 2
        for j, col in enumerate(cols, start=1):
            if col.name == "kode_desa" and rows:
                value: object = rows[i][0]
            elif col.name == "nama_desa" and rows:
                value = rows[i][1]
            elif col.name == "tahun":
                value = tahun
            else:
                value = None
            c = ws.cell(row=r, column=j, value=value)
            c.border = _BORDER
            c.number_format = _number_format(col)
            if col.name in locked_names:
                c.fill = _KEY_FILL
            else:
                c.protection = _UNLOCKED
    last = n + 1
    for j, col in enumerate(cols, start=1):
        if col.name in locked_names:
            continue
        dv = _validation(col, table, desa_range) if col.name != "tahun" else _year_validation(col)
        if dv is not None and n:
            letter = get_column_letter(j)
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
    n_key = 3 if table in PREFILLED else 1
    ws.freeze_panes = ws.cell(row=2, column=n_key + 1)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False


def _petunjuk(ws: Worksheet, kode: str, nama_kec: str, tahun: int, n_free: dict[str, int]) -> None:
    ws["A1"] = f"Templat data Dashboard Kecamatan P3PD — Kecamatan {nama_kec} ({kode}), tahun anggaran {tahun}"
    ws["A1"].font = Font(bold=True, size=14)
    notes = [
        "Cara mengisi:",
        "1. Isi hanya sel putih. Sel abu-abu (kode desa, nama desa, tahun) sudah terisi dan terkunci. Pada "
        "lembar APBDes dan Usulan kolom tahun boleh dikosongkan: artinya tahun templat ini.",
        "2. Sel kosong berarti data tidak dilaporkan, BUKAN nol. Tulis 0 hanya bila jumlahnya memang nol.",
        "3. Tulis angka tanpa 'Rp' dan tanpa satuan. Jangan menambah baris jumlah atau rumus; tempel data sebagai "
        "nilai (Paste Special → Values).",
        "4. Jangan mengganti nama lembar atau judul kolom, dan jangan menghapus lembar. Lembar yang tidak diisi "
        "biarkan kosong.",
        f"5. Lembar APBDes dan Usulan: satu baris per baris anggaran/usulan (tersedia {n_free['apbdes']} dan "
        f"{n_free['usulan']} baris). Pilih desa dari daftar; kelurahan tidak memiliki APBDes.",
        "6. Setelah diisi, periksa dengan 'p3pd periksa BERKAS' lalu impor dengan 'p3pd impor BERKAS'. Kesalahan "
        "dilaporkan per lembar, baris, dan kolom.",
        "Proteksi lembar tanpa kata sandi: hanya untuk mencegah salah ketik pada kolom kunci.",
    ]
    for i, text in enumerate(notes, start=3):
        ws.cell(row=i, column=1, value=text).font = Font(bold=(i == 3))
    r = len(notes) + 4
    headers = ("Lembar", "Judul kolom", "Nama kolom (kanonik)", "Keterangan", "Aturan isian")
    for j, h in enumerate(headers, start=1):
        c = ws.cell(row=r, column=j, value=h)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = _HEADER_FILL
        c.border = _BORDER
    for table, title in TEMPLATE_SHEETS.items():
        schema: TableSchema = TABLES[table]
        r += 1
        c = ws.cell(row=r, column=1, value=title)
        c.font = Font(bold=True)
        ws.cell(row=r, column=4, value=schema.description).alignment = Alignment(wrap_text=True, vertical="top")
        for col in sheet_columns(table):
            r += 1
            values = (title, col.label, col.name, col.description, _rule_text(col, table))
            for j, v in enumerate(values, start=1):
                cell = ws.cell(row=r, column=j, value=v)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cell.border = _BORDER
    for letter, width in zip("ABCDE", (14, 36, 26, 60, 40)):
        ws.column_dimensions[letter].width = width
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def build_template(kecamatan: str, tahun: int) -> Workbook:
    """The template workbook for one kecamatan and fiscal year (nothing is written to disk)."""
    tahun = _check_tahun(tahun)
    kode, nama_kec, villages = _villages(kecamatan)
    wb = Workbook()
    wb.remove(wb.active)
    n_desa = sum(1 for v in villages if v[2] == "desa")
    n_free = {"apbdes": min(10_000, max(200, 120 * n_desa)), "usulan": min(5_000, max(100, 20 * n_desa))}
    _petunjuk(wb.create_sheet(PETUNJUK_SHEET), kode, nama_kec, tahun, n_free)
    choices = [f"{k}{PILIHAN_SEP}{n}" for k, n, j in villages if j == "desa"]
    desa_range = (f"{quote_sheetname(DAFTAR_SHEET)}!$E$2:$E${len(choices) + 1}" if choices else None)
    for table in TEMPLATE_SHEETS:
        _data_sheet(wb, table, tahun, villages, n_free.get(table, 0), desa_range)
    ws = wb.create_sheet(DAFTAR_SHEET)
    for j, h in enumerate(("Kode desa/kelurahan", "Nama desa/kelurahan", "Jenis", None,
                           "Pilihan desa (APBDes, Usulan)"), start=1):
        if h:
            c = ws.cell(row=1, column=j, value=h)
            c.font = Font(bold=True, color="FFFFFF")
            c.fill = _HEADER_FILL
    for i, (k, n, j) in enumerate(villages, start=2):
        ws.cell(row=i, column=1, value=k).number_format = "@"
        ws.cell(row=i, column=2, value=n)
        ws.cell(row=i, column=3, value=j)
    for i, choice in enumerate(choices, start=2):
        ws.cell(row=i, column=5, value=choice)
    for letter, width in zip("ABCDE", (18, 28, 12, 3, 40)):
        ws.column_dimensions[letter].width = width
    ws.protection.sheet = True
    info = wb.create_sheet(INFO_SHEET)
    meta = (("jenis", TEMPLATE_KIND), ("versi_templat", TEMPLATE_VERSION), ("versi_kit", __version__),
            ("kode_kecamatan", kode), ("nama_kecamatan", nama_kec), ("tahun", tahun),
            ("dibuat", datetime.now(timezone.utc).isoformat(timespec="seconds")))
    for i, (k, v) in enumerate(meta, start=1):
        info.cell(row=i, column=1, value=k)
        info.cell(row=i, column=2, value=v)
    info.sheet_state = "hidden"
    info.protection.sheet = True
    wb.active = 1
    protect_text_cells(wb.worksheets)  # names from the official list stay text, whatever they start with
    return wb


def default_output(kecamatan: str, tahun: int) -> Path:
    """Where ``p3pd template`` writes when no ``--output`` is given."""
    return DEFAULT_OUTPUT_DIR / "templat" / f"templat_p3pd_{kecamatan.replace('.', '')}_{tahun}.xlsx"


def write_template(kecamatan: str, tahun: int, output: str | os.PathLike[str] | None = None) -> Path:
    """Write the template of ``kecamatan`` and ``tahun`` to ``output`` (atomically) and return its path."""
    wb = build_template(kecamatan, tahun)
    kode = wb[INFO_SHEET]["B4"].value
    path = Path(output) if output is not None else default_output(str(kode), tahun)
    if path.suffix.lower() != ".xlsx":
        raise ParameterError(f"Nama berkas keluaran '{path.name}' harus berakhiran .xlsx.")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
