"""The printed "Penjabaran APBDes" report, as a spreadsheet export or as a PDF.

Columns KODE | URAIAN | ANGGARAN | SUMBER DANA: rows are bidang ``01``, sub-bidang
``01.01``, kegiatan ``01.01.01``, account groups ``4``, ``4.1``, ``4.1.1`` and detail
lines ``5.1.1.01. [01.01.01]`` or ``4.2.1.01``. Only detail lines become APBDes
lines; every subtotal that has an amount is checked against the detail lines of
its block (galat when they differ), so nothing is counted twice.

The printed layout merges cells, and a spreadsheet export puts the text of a
merged cell into its first cell: labels and totals ("JUMLAH PENDAPATAN",
"SURPLUS/(DEFISIT)", "PENDAPATAN") may therefore sit in the KODE column as well as
in URAIAN. A KODE cell holding words rather than a code is read as such a label.

A PDF with a text layer is turned into the same grid of cells
(:func:`read_pdf_grid`, with pdfplumber); a scanned PDF (images only) gets a clear
message instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .numbers import parse_column
from .schemas import SUMBER_DANA
from .siskeudes import (default_sumber_dana, finding as _finding, format_rupiah as _rp, normalize_kode_kegiatan,
                        normalize_kode_rekening, normalize_sumber_dana)


def _norm_col(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


_DETAIL = re.compile(r"^\s*([456](?:\.\d{1,2}){3})\.?\s*(?:\[\s*(\d{1,2}(?:\.\d{1,2}){2})\.?\s*\])?\s*$")
_REK_GROUP = re.compile(r"^\s*([456](?:\.\d){0,2})\.?\s*$")
_KEG_GROUP = re.compile(r"^\s*(\d{2}(?:\.\d{2}){0,2})\.?\s*$")
_TOTALS: tuple[tuple[str, str], ...] = (
    ("jumlahpendapatan", "4"), ("jumlahbelanja", "5"), ("jumlahpenerimaanpembiayaan", "6.1"),
    ("jumlahpengeluaranpembiayaan", "6.2"), ("surplus", "4-5"), ("pembiayaannetto", "6.1-6.2"),
    ("pembiayaanneto", "6.1-6.2"),
)


def _is_label(kode: str) -> bool:
    """True when a KODE cell holds words (a merged label), not a code such as ``5.1.1.01. [01.01.01]``."""
    return bool(re.search(r"[A-Za-z]{2,}", kode))


@dataclass(frozen=True)
class Penjabaran:
    """A parsed Penjabaran APBDes sheet.

    ``lines``: detail lines (``baris`` = row number in the sheet, ``kode_kegiatan``,
    ``nama_kegiatan``, ``kode_rekening``, ``uraian``, ``sumber_dana``, ``anggaran``);
    ``identitas``: names and year read from the title rows (``desa``,
    ``kecamatan``, ``kabupaten``, ``tahun``; missing ones absent);
    ``findings``: dicts (``lembar`` left empty for the caller).
    """

    lines: pd.DataFrame
    identitas: dict[str, Any]
    findings: list[dict[str, Any]]
    header_row: int


def find_penjabaran_header(grid: list[list[object]], max_rows: int = 40) -> tuple[int, dict[str, int]] | None:
    """(0-based header row, column index per role) of a Penjabaran grid, or ``None``.

    >>> find_penjabaran_header([["PEMERINTAH DESA X"], ["KODE REKENING", "URAIAN", "ANGGARAN (Rp)", "SUMBER DANA"]])
    (1, {'kode': 0, 'uraian': 1, 'anggaran': 2, 'sumber': 3})
    """
    for i, row in enumerate(grid[:max_rows]):
        roles: dict[str, int] = {}
        for j, cell in enumerate(row):
            k = _norm_col(cell) if cell is not None else ""
            if not k:
                continue
            if k.startswith("kode") and "kode" not in roles:
                roles["kode"] = j
            elif k.startswith("uraian") and "uraian" not in roles:
                roles["uraian"] = j
            elif (k.startswith("anggaran") or k.startswith("jumlah")) and "anggaran" not in roles:
                roles["anggaran"] = j
            elif k.startswith("sumber") and "sumber" not in roles:
                roles["sumber"] = j
        if {"kode", "uraian", "anggaran"} <= set(roles):
            return i, roles
    return None


def _identity(title_cells: list[str]) -> dict[str, Any]:
    ident: dict[str, Any] = {}
    text = " \n ".join(title_cells)
    m = re.search(r"tahun\s+anggaran\s*:?\s*(\d{4})", text, re.IGNORECASE) or re.search(r"\btahun\s+(\d{4})\b", text,
                                                                                           re.IGNORECASE)
    if m:
        ident["tahun"] = int(m.group(1))
    stop = r"(?=\s+(?:kecamatan|kabupaten|kota|provinsi|nomor|tahun|tentang)\b|\s*$|\s*\n)"
    for cell in title_cells:
        c = cell.strip()
        if "desa" not in ident:
            m = re.search(r"(?:^|pemerintah\s+|kepala\s+)desa\s+(?!nomor)([A-Za-z0-9'’ .\-]+?)" + stop, c, re.IGNORECASE)
            if m and not re.match(r"(?i)(tahun|nomor|tentang)", m.group(1)):
                ident["desa"] = m.group(1).strip()
        if "kecamatan" not in ident:
            m = re.search(r"kecamatan\s+([A-Za-z0-9'’ .\-]+?)" + stop, c, re.IGNORECASE)
            if m:
                ident["kecamatan"] = m.group(1).strip()
        if "kabupaten" not in ident:
            m = re.search(r"\b(kabupaten|kota)\s+([A-Za-z0-9'’ .\-]+?)" + stop, c, re.IGNORECASE)
            if m:
                ident["kabupaten"] = f"{m.group(1).title()} {m.group(2).strip()}"
    return ident


def parse_penjabaran(grid: list[list[object]], *, tolerance: float = 1.0) -> Penjabaran:
    """Read a Penjabaran APBDes sheet given as a grid of cell values (rows of cells).

    Row numbers in findings and lines are 1-based as in the spreadsheet. Only
    detail lines (4-level account codes) are kept; each subtotal with an amount
    is compared with the sum of the detail lines in its block and reported as
    ``jumlah_tidak_sesuai`` (galat) when they differ by more than ``tolerance``
    Rupiah.

    >>> g = [["DESA SUKAMAJU TAHUN ANGGARAN 2025"], ["KODE", "URAIAN", "ANGGARAN", "SUMBER DANA"],
    ...      ["4", "PENDAPATAN", "Rp 1.000.000", None], ["4.2.1.01", "Dana Desa", "1.000.000,00", "DDS"],
    ...      ["02", "BIDANG PEMBANGUNAN", "600.000", None], ["02.01.05", "Posyandu", "600.000", None],
    ...      ["5.2.2.01. [02.01.05]", "Honor kader", "600.000", "DDS"]]
    >>> p = parse_penjabaran(g)
    >>> p.identitas, p.lines["anggaran"].tolist(), p.findings
    ({'tahun': 2025, 'desa': 'SUKAMAJU'}, [1000000.0, 600000.0], [])
    """
    findings: list[dict[str, Any]] = []
    found = find_penjabaran_header(grid)
    if found is None:
        findings.append(_finding("", None, None, None, "kolom_hilang", "galat",
                                 "Judul kolom KODE | URAIAN | ANGGARAN tidak ditemukan pada laporan Penjabaran APBDes."))
        return Penjabaran(pd.DataFrame(), {}, findings, -1)
    h, roles = found
    title = [str(c) for row in grid[:h] for c in row if c is not None and str(c).strip()]
    ident = _identity(title)

    def cell(row: list[object], role: str) -> object:
        j = roles.get(role)
        return row[j] if j is not None and j < len(row) else None

    amounts_raw = [cell(r, "anggaran") for r in grid[h + 1:]]
    parsed = parse_column(amounts_raw, kind="rupiah")
    amount = parsed.values.to_numpy(dtype=float, na_value=np.nan)
    bad = {p.pos: p for p in parsed.problems if p.tingkat == "galat"}
    anggaran_label = str(grid[h][roles["anggaran"]])

    rows: list[dict[str, Any]] = []  # every meaningful row in order
    context_keg: tuple[str, str] | None = None
    for k, row in enumerate(grid[h + 1:]):
        baris = h + 2 + k
        kode_raw = cell(row, "kode")
        kode = "" if kode_raw is None else str(kode_raw).strip()
        uraian = cell(row, "uraian")
        uraian_s = "" if uraian is None else str(uraian).strip()
        if not kode and not uraian_s and np.isnan(amount[k]) and k not in bad:
            continue
        if kode.isdigit() and uraian_s.isdigit() and int(uraian_s) == int(kode) + 1:
            continue  # the column numbering row "1 | 2 | 3 | 4" (repeated on every printed page)
        if _norm_col(kode).startswith("kode") and _norm_col(uraian_s).startswith("uraian"):
            continue  # the header repeated on every printed page (PDF)
        if _is_label(kode):  # a merged cell's text exported into the KODE column
            uraian_s = kode if uraian_s in ("", kode) else f"{kode} {uraian_s}"
            kode = ""
        if k in bad and (kode or uraian_s):
            p = bad[k]
            findings.append(_finding("", baris, anggaran_label, amounts_raw[k], p.aturan, p.tingkat, p.pesan))
        value = amount[k]
        if not kode:
            key = _norm_col(uraian_s)
            for label, what in _TOTALS:
                if key.startswith(label):
                    rows.append({"jenis": "total", "baris": baris, "what": what, "value": value, "uraian": uraian_s})
                    context_keg = None
                    break
            continue  # a sub-detail (volume × price) row or a note: never summed
        m = _DETAIL.match(kode)
        if m:
            rek = normalize_kode_rekening(m.group(1))
            keg = normalize_kode_kegiatan(m.group(2)) if m.group(2) else None
            if rek is not None and rek.startswith("5"):
                if keg is None and context_keg is not None:
                    keg = context_keg[0]
                elif keg is not None and context_keg is not None and keg != context_keg[0]:
                    findings.append(_finding("", baris, str(grid[h][roles["kode"]]), kode, "kode_tidak_konsisten",
                                             "peringatan", f"Baris rincian menyebut kegiatan [{keg}] tetapi berada di "
                                             f"bawah kegiatan {context_keg[0]}; dipakai [{keg}]."))
                if keg is None:
                    findings.append(_finding("", baris, str(grid[h][roles["kode"]]), kode, "kegiatan_tidak_diketahui",
                                             "galat", f"Baris belanja {kode} tidak berada di bawah kegiatan mana pun "
                                             "dan tidak menyebut [BB.SS.KK]."))
            else:
                keg = None
            if np.isnan(value) and k not in bad:
                findings.append(_finding("", baris, anggaran_label, None, "wajib_diisi", "galat",
                                         f"Anggaran baris rincian {kode} kosong."))
            sumber_raw = cell(row, "sumber")
            sd = normalize_sumber_dana(sumber_raw)
            if sd is None and sumber_raw is not None and str(sumber_raw).strip():
                findings.append(_finding("", baris, "SUMBER DANA", sumber_raw, "nilai_tidak_diizinkan", "galat",
                                         f"Sumber dana '{sumber_raw}' tidak dikenali; gunakan salah satu: "
                                         f"{', '.join(SUMBER_DANA)}."))
            if sd is None and rek and rek[0] in "46":
                sd = default_sumber_dana(rek)
            nama_keg = None
            if keg is not None:
                nama_keg = context_keg[1] if context_keg and context_keg[0] == keg else None
            rows.append({"jenis": "detail", "baris": baris, "kode_kegiatan": keg, "nama_kegiatan": nama_keg,
                         "kode_rekening": rek, "uraian": uraian_s or None, "sumber_dana": sd, "anggaran": value})
            continue
        m = _KEG_GROUP.match(kode)
        if m:
            code = m.group(1)
            level = code.count(".") + 1
            rows.append({"jenis": "keg", "level": level, "code": code, "baris": baris, "value": value,
                         "uraian": uraian_s})
            context_keg = (code, uraian_s) if level == 3 else None
            continue
        m = _REK_GROUP.match(kode)
        if m:
            code = m.group(1)
            rows.append({"jenis": "rek", "level": code.count(".") + 1, "code": code, "baris": baris, "value": value,
                         "uraian": uraian_s})
            if code.count(".") == 0:
                context_keg = None
            continue
        findings.append(_finding("", baris, str(grid[h][roles["kode"]]), kode, "format_kode", "galat",
                                 f"Kode '{kode}' tidak dikenali (contoh: 01, 01.01, 01.01.01, 4.2.1, "
                                 "5.1.1.01. [01.01.01])."))

    details = [r for r in rows if r["jenis"] == "detail"]
    lines = pd.DataFrame(details, columns=["baris", "kode_kegiatan", "nama_kegiatan", "kode_rekening", "uraian",
                                           "sumber_dana", "anggaran"])
    # Subtotal checks: each group row against the detail lines of its block that carry its prefix.
    for i, r in enumerate(rows):
        if r["jenis"] not in ("keg", "rek", "total") or np.isnan(r["value"]):
            continue
        if r["jenis"] == "total":
            block = details
        else:
            block = []
            for s in rows[i + 1:]:
                if s["jenis"] == "total":
                    break
                if s["jenis"] == r["jenis"] and s["level"] <= r["level"]:
                    break
                if r["jenis"] == "rek" and r["level"] >= 2 and r["code"].startswith("5") and s["jenis"] == "keg":
                    break
                if s["jenis"] == "detail":
                    block.append(s)

        def total(prefix: str, field_: str = "kode_rekening") -> float:
            return float(sum(d["anggaran"] for d in block if d[field_] and not np.isnan(d["anggaran"])
                             and (d[field_] == prefix or d[field_].startswith(prefix + "."))))

        if r["jenis"] == "keg":
            expected, what = total(r["code"], "kode_kegiatan"), f"kegiatan/bidang {r['code']}"
        elif r["jenis"] == "rek":
            expected, what = total(r["code"]), f"rekening {r['code']}"
        else:
            w = r["what"]
            if "-" in w:
                a, b = w.split("-")
                expected = total(a) - total(b)
            else:
                expected = total(w)
            what = f"'{r['uraian']}'"
        if abs(expected - r["value"]) > tolerance:
            findings.append(_finding("", r["baris"], anggaran_label, _rp(r["value"]), "jumlah_tidak_sesuai", "galat",
                                     f"Subtotal {what} tertulis {_rp(r['value'])}, tetapi jumlah baris rinciannya "
                                     f"{_rp(expected)} (selisih {_rp(r['value'] - expected)})."))
    return Penjabaran(lines, ident, findings, h)


# --------------------------------------------------------------------------- PDF

#: Message for a PDF that has no text layer (a scan or a photo of the printed report).
PESAN_PDF_TANPA_TEKS = (
    "PDF ini tidak memiliki lapisan teks (hasil pindaian atau foto), sehingga angkanya tidak dapat dibaca. "
    "Mintalah desa mengirim Penjabaran APBDes dari Siskeudes sebagai Excel atau PDF cetakan langsung "
    "(bukan pindaian), atau ketik ulang ke templat kit."
)


def read_pdf_grid(path: str | Path) -> tuple[list[list[object]], str | None]:
    """(grid of cells, ``None``) from a PDF's text layer, or (``[]``, Indonesian message) when it cannot be read.

    The text lines above the first table (title: desa, kecamatan, tahun
    anggaran) become one-cell rows; then come the rows of every table on every
    page, in order. Tables are found from the ruling lines of the printed
    report, else from the alignment of the text (pdfplumber's two strategies).
    """
    import pdfplumber

    grid: list[list[object]] = []
    try:
        with pdfplumber.open(str(path)) as pdf:
            if not any(page.chars for page in pdf.pages):
                return [], PESAN_PDF_TANPA_TEKS
            for i, page in enumerate(pdf.pages):
                tables = page.find_tables()
                if not tables:
                    tables = page.find_tables({"vertical_strategy": "text", "horizontal_strategy": "text"})
                if i == 0:
                    top = min((t.bbox[1] for t in tables), default=page.height)
                    above = page.crop((0, 0, page.width, max(top, 1))).extract_text() or ""
                    grid.extend([line.strip()] for line in above.splitlines() if line.strip())
                for t in tables:
                    grid.extend([_pdf_cell(c) for c in row] for row in t.extract())
    except Exception as exc:  # pdfminer raises many kinds (syntax, encryption, EOF) on damaged or locked files
        return [], f"PDF rusak atau terkunci dan tidak dapat dibaca ({type(exc).__name__}); kirim ulang berkasnya."
    if not grid:
        return [], "Tidak ada tabel yang terbaca pada PDF ini."
    return grid, None


def _pdf_cell(value: object) -> object:
    """A PDF cell's text on one line (wrapped text inside a cell comes back with line breaks)."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None
