"""The printed Penjabaran APBDes: labels in the KODE column (merged cells), and PDFs with and without text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import Border, Side

from p3pd_lib import penjabaran
from p3pd_lib.importer import check_files, import_files
from p3pd_lib.store import load_dataset

TITLE = [["PEMERINTAH DESA KALIGOWONG"], ["KECAMATAN WADASLINTANG KABUPATEN WONOSOBO"],
         ["PENJABARAN APBDesa TAHUN ANGGARAN 2025"], []]
HEADER = [["KODE REKENING", "URAIAN", "ANGGARAN (Rp)", "SUMBER DANA"], ["1", "2", "3", "4"]]
DETAIL = [  # (code, uraian, amount, source of funds): the lines that are summed
    ("4.2.1.01", "Dana Desa", 964_073_000, "DDS"),
    ("4.2.3.01", "Alokasi Dana Desa", 545_000_000, "ADD"),
    ("5.1.1.01. [01.01.01]", "Penghasilan Tetap Kepala Desa", 24_000_000, "ADD"),
    ("5.2.2.01. [02.02.01]", "Honor kader", 6_000_000, "DDS"),
    ("5.2.2.02. [02.02.01]", "Makanan tambahan", 4_500_000, "DDS"),
]


def _rp(x: float) -> str:
    return f"{x:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def printed_rows(jumlah_pendapatan: float | None = None) -> list[list[object]]:
    """The body of a printed Penjabaran as a spreadsheet export gives it: merged labels in the KODE column."""
    pend = sum(a for c, _, a, _ in DETAIL if c.startswith("4"))
    bel = sum(a for c, _, a, _ in DETAIL if c.startswith("5"))
    d = {c: (c, u, _rp(a), s) for c, u, a, s in DETAIL}
    return [
        ["PENDAPATAN", None, None, None],  # heading merged over KODE and URAIAN
        ["4", "PENDAPATAN", _rp(pend), None],
        list(d["4.2.1.01"]), list(d["4.2.3.01"]),
        ["JUMLAH PENDAPATAN", None, _rp(pend if jumlah_pendapatan is None else jumlah_pendapatan), None],
        ["BELANJA", None, None, None],
        ["01", "BIDANG PENYELENGGARAAN PEMERINTAHAN DESA", _rp(24_000_000), None],
        ["01.01.01", "Penyediaan Penghasilan Tetap Kepala Desa", _rp(24_000_000), None],
        list(d["5.1.1.01. [01.01.01]"]),
        [None, "- Siltap Kades 12 bulan x 2.000.000", _rp(24_000_000), None],  # sub-detail: never summed
        ["02", "BIDANG PELAKSANAAN PEMBANGUNAN DESA", _rp(10_500_000), None],
        ["02.02.01", "Penyelenggaraan Posyandu", _rp(10_500_000), None],
        list(d["5.2.2.01. [02.02.01]"]), list(d["5.2.2.02. [02.02.01]"]),
        ["JUMLAH BELANJA", None, _rp(bel), None],
        ["SURPLUS/(DEFISIT)", None, _rp(pend - bel), None],
    ]


def grid(**kw) -> list[list[object]]:
    return [r + [None] * (4 - len(r)) for r in TITLE] + HEADER + printed_rows(**kw)


def source_total() -> float:
    return float(sum(a for _, _, a, _ in DETAIL))


def test_totals_in_the_kode_column_are_read_and_checked():
    p = penjabaran.parse_penjabaran(grid())
    assert p.findings == []
    assert p.lines["anggaran"].sum() == source_total()
    assert p.lines["kode_rekening"].tolist() == ["4.2.1.01", "4.2.3.01", "5.1.1.01", "5.2.2.01", "5.2.2.02"]
    wrong = penjabaran.parse_penjabaran(grid(jumlah_pendapatan=1_500_000_000))
    [f] = wrong.findings
    assert (f["baris"], f["aturan"], f["tingkat"]) == (11, "jumlah_tidak_sesuai", "galat")
    assert "JUMLAH PENDAPATAN" in f["pesan"] and "Rp 1.509.073.000" in f["pesan"]


def write_sheet(path: Path, rows: list[list[object]]) -> Path:
    """A Penjabaran sheet as printed: bordered table, labels merged over KODE and URAIAN, one page wide."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Penjabaran"
    for r in rows:
        ws.append(r)
    thin = Side(style="thin")
    first = len(TITLE) + 1
    for i, r in enumerate(rows[len(TITLE):], start=first):
        for c in ws[i][:4]:
            c.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        if isinstance(r[0], str) and r[0].isupper() and not r[1] and i > first + 1:
            ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=2)
    for col, width in zip("ABCD", (22, 48, 20, 14)):
        ws.column_dimensions[col].width = width
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    """PDFs printed by LibreOffice from our own sheets (a correct one and one with a wrong total)."""
    folder = tmp_path_factory.mktemp("penjabaran_pdf")
    sheets = [write_sheet(folder / "benar.xlsx", grid()),
              write_sheet(folder / "salah.xlsx", grid(jumlah_pendapatan=1_500_000_000))]
    profile = (folder / "lo_profile").as_uri()
    subprocess.run([shutil.which("soffice") or "soffice", f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), *map(str, sheets)],
                   check=True, capture_output=True, timeout=180)
    return {"benar": folder / "benar.pdf", "salah": folder / "salah.pdf", "xlsx": sheets[0]}


def test_excel_and_its_pdf_import_the_same_figures(tmp_path, pdfs):
    res = import_files([pdfs["xlsx"]], tmp_path / "x", write_reports=False)
    assert res.accepted, res.findings.to_dict("records")
    res = import_files([pdfs["benar"]], tmp_path / "p", write_reports=False)
    assert res.accepted, res.findings.to_dict("records")
    assert res.files["jenis"].tolist() == ["penjabaran APBDes (PDF)"]
    from_pdf = load_dataset(tmp_path / "p").apbdes
    from_xlsx = load_dataset(tmp_path / "x").apbdes
    assert from_pdf["anggaran"].sum() == from_xlsx["anggaran"].sum() == source_total()
    assert set(from_pdf["kode_desa"]) == {"33.07.01.2001"} and set(from_pdf["tahun"]) == {2025}
    cols = ["kode_kegiatan", "kode_rekening", "sumber_dana", "anggaran"]
    assert from_pdf[cols].sort_values(cols).values.tolist() == from_xlsx[cols].sort_values(cols).values.tolist()


def test_pdf_with_a_wrong_total_names_the_row(tmp_path, pdfs):
    res = check_files([pdfs["salah"]], tmp_path / "data")
    assert not res.accepted
    f = res.findings[res.findings["aturan"] == "jumlah_tidak_sesuai"].iloc[0]
    assert "JUMLAH PENDAPATAN" in f["pesan"] and "Rp 1.509.073.000" in f["pesan"]


def test_scanned_pdf_gets_a_clear_message(tmp_path):
    from PIL import Image

    scan = tmp_path / "penjabaran_scan.pdf"
    Image.new("RGB", (400, 560), "white").save(scan, "PDF")
    res = check_files([scan], tmp_path / "data")
    assert not res.accepted
    [f] = res.findings.to_dict("records")
    assert f["aturan"] == "pdf_tidak_terbaca" and "pindaian" in f["pesan"] and f["berkas"] == scan.name


def test_damaged_pdf_gets_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "penjabaran.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF terpotong")
    res = check_files([bad], tmp_path / "data")
    [f] = res.findings.to_dict("records")
    assert not res.accepted and f["aturan"] == "pdf_tidak_terbaca" and "PDF" in f["pesan"]


def test_header_repeated_on_every_printed_page_is_not_data():
    rows = grid()
    page_break = HEADER[0][:], HEADER[1][:]
    rows[12:12] = [list(page_break[0]), list(page_break[1])]  # page 2 starts with the header again
    p = penjabaran.parse_penjabaran(rows)
    assert p.findings == []
    assert p.lines["anggaran"].sum() == source_total()
