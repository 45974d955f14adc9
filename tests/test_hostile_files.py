"""Hostile and odd files: hidden sheets, merged cells, zip bombs, absurd numbers, formula text, empty files.

Each file is built here. "Nothing stored" means every file under the data
folder (and the input folder) hashes the same before and after.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook

from p3pd_lib import analysis, excel, export, safe_excel
from p3pd_lib.cli import main
from p3pd_lib.importer import check_files, import_files, read_files, reading, write_findings_report
from p3pd_lib.store import load_dataset
from p3pd_lib.template import write_template

DESA1, DESA2 = "33.07.01.2001", "33.07.01.2002"


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def layanan_book(path: Path, sheets: dict[str, list[list]], states: dict[str, str] | None = None,
                 merge: dict[str, str] | None = None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if states and name in states:
            ws.sheet_state = states[name]
        if merge and name in merge:
            ws.merge_cells(merge[name])
    wb.save(path)
    return path


HEAD = ["kode_desa", "tahun", "penduduk"]


# --------------------------------------------------------------------------- hidden sheets

def test_hidden_and_very_hidden_sheets_are_reported_not_read(tmp_path):
    f = layanan_book(tmp_path / "x.xlsx", {"Data": [HEAD, [DESA1, 2025, 100]], "Lama": [HEAD, [DESA2, 2025, 7]],
                                          "Rahasia": [HEAD, [DESA2, 2025, 9]]},
                     states={"Lama": "hidden", "Rahasia": "veryHidden"})
    res = read_files([f])
    assert res.accepted and set(res.tables["layanan"]["kode_desa"]) == {DESA1}
    hidden = res.findings[res.findings["aturan"] == "lembar_tersembunyi"]
    assert set(hidden["lembar"]) == {"Lama", "Rahasia"} and set(hidden["tingkat"]) == {"peringatan"}
    assert hidden["pesan"].str.contains("TIDAK dibaca").all()


def test_template_hidden_info_sheet_is_not_a_finding(tmp_path):
    t = write_template("33.07.01", 2025, tmp_path / "t.xlsx")
    assert "lembar_tersembunyi" not in set(check_files([t]).findings["aturan"])


# --------------------------------------------------------------------------- merged cells at any size

@pytest.mark.parametrize("read_only_from", [0, reading.READ_ONLY_FROM])
def test_merged_cells_detected_in_both_reading_modes(tmp_path, monkeypatch, read_only_from):
    monkeypatch.setattr(reading, "READ_ONLY_FROM", read_only_from)  # 0: the streaming mode of large files
    f = layanan_book(tmp_path / "m.xlsx", {"Data": [HEAD, [DESA1, 2025, 100], [DESA2, 2025, None]]},
                     merge={"Data": "C2:C3"})
    res = check_files([f])
    hit = res.findings[res.findings["aturan"] == "sel_digabung"]
    assert len(hit) == 1 and hit["nilai"].iloc[0] == "C2:C3" and not res.accepted


def test_merged_ranges_streamed_across_chunks(tmp_path):
    f = layanan_book(tmp_path / "m.xlsx", {"Data": [HEAD] + [[DESA1, 2025, i] for i in range(2000)]},
                     merge={"Data": "A1:B1"})
    info = safe_excel.inspect_xlsx(f)
    assert safe_excel.merged_ranges(f, info.parts["Data"], chunk=97) == [(0, 0, 0, 1, "A1:B1")]


# --------------------------------------------------------------------------- compressed bombs

def _with_member(src: Path, out: Path, name: str, payload_chunks, size_hint: int = 0) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for item in zin.infolist():
            if item.filename != name:
                zout.writestr(item, zin.read(item.filename))
        with zout.open(name, "w", force_zip64=True) as fh:
            for chunk in payload_chunks:
                fh.write(chunk)
    return out


def test_zip_bomb_refused_before_expansion_in_bounded_memory(tmp_path, monkeypatch):
    base = layanan_book(tmp_path / "ok.xlsx", {"Data": [HEAD, [DESA1, 2025, 100]]})
    block = b"<row/>" * 100_000
    bomb = _with_member(base, tmp_path / "bom.xlsx", "xl/worksheets/sheet1.xml",
                        (block for _ in range(100)))  # 60 MB of XML in a ~60 KB file
    assert bomb.stat().st_size < 1_000_000

    def must_not_open(*a, **k):
        raise AssertionError("the workbook must not be expanded")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)
    tracemalloc.start()
    try:
        res = read_files([bomb])  # the dashboard upload's path
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not res.accepted and res.findings["aturan"].iloc[0] == "berkas_tidak_wajar"
    assert "tidak wajar" in res.findings["pesan"].iloc[0]
    assert peak < 20_000_000
    data = tmp_path / "data"
    assert not import_files([bomb], data, write_reports=False).accepted and not data.exists()


def test_shared_string_count_out_of_proportion_refused(tmp_path):
    base = layanan_book(tmp_path / "ok.xlsx", {"Data": [HEAD, [DESA1, 2025, 100]]})
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
           b'main" count="90000000" uniqueCount="90000000"><si><t>a</t></si></sst>')
    f = _with_member(base, tmp_path / "sst.xlsx", "xl/sharedStrings.xml", [sst])
    res = check_files([f])
    assert not res.accepted and "teks berbeda" in res.findings["pesan"].iloc[0]


# --------------------------------------------------------------------------- absurd numbers

def test_implausible_numbers_are_findings_not_tracebacks(tmp_path):
    csv = tmp_path / "layanan.csv"
    csv.write_text("kode_desa,tahun,penduduk,rumah_tangga\n"
                   f"{DESA1},2025,100000000000000000000000,5\n{DESA2},2025,inf,nan\n", encoding="utf-8")
    apb = layanan_book(tmp_path / "apbdes.xlsx", {"apbdes": [
        ["kode_desa", "tahun", "kode_kegiatan", "kode_rekening", "uraian", "sumber_dana", "anggaran"],
        [DESA1, 2025, "02.02.01", "5.2.2.01", "Posyandu", "DDS", 1e308],
        [DESA1, 2025, "02.02.02", "5.2.2.02", "Air", "DDS", 1e23]]})
    data = tmp_path / "data"
    res = import_files([csv, apb], data, write_reports=False)
    assert not res.accepted and not data.exists()
    f = res.findings
    huge = f[f["aturan"] == "angka_tidak_wajar"]
    assert set(huge["kolom"]) == {"penduduk", "anggaran"} and len(huge) == 3
    assert set(f.loc[(f["berkas"] == "layanan.csv") & (f["baris"] == 3), "aturan"]) == {"bukan_angka"}


# --------------------------------------------------------------------------- formula-like text stays text

EVIL = ["=1+1", "+62 812", "-kosong-", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"klik\")"]


def _text_cells(book: bytes | Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(io.BytesIO(book) if isinstance(book, bytes) else book)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value in EVIL:
                    assert c.data_type == "s", (ws.title, c.coordinate, c.value)
                    out[c.value] = c.data_type
    return out


def test_export_writes_formula_text_as_text():
    book = export.table_bytes(pd.DataFrame({"uraian": EVIL, "n": range(len(EVIL))}), "xlsx")
    assert set(_text_cells(book)) == set(EVIL)


def test_findings_report_writes_formula_text_as_text(tmp_path):
    findings = pd.DataFrame({"berkas": "x.csv", "lembar": None, "baris": 2, "kolom": "uraian", "nilai": EVIL,
                             "aturan": "contoh", "tingkat": "peringatan", "pesan": "-"})
    xlsx, _ = write_findings_report(findings, tmp_path / "x.csv")
    assert set(_text_cells(xlsx)) == set(EVIL)


def test_kecamatan_workbook_and_template_write_formula_text_as_text(demo_dataset, tmp_path):
    w = demo_dataset.wilayah
    first = w.index[w["kode_kecamatan"] == "33.07.02"][0]
    ds = dataclasses.replace(demo_dataset, wilayah=w.assign(nama_desa=w["nama_desa"].mask(w.index == first, EVIL[0])))
    path = excel.write_kecamatan_workbook(analysis.kecamatan_view(ds, "33.07.02"), tmp_path / "k.xlsx")
    assert EVIL[0] in _text_cells(path)
    cells = [c for ws in openpyxl.load_workbook(path).worksheets for row in ws.iter_rows() for c in row if c.value == EVIL[0]]
    assert cells and all(c.quotePrefix for c in cells)  # stays text even when the cell is edited in Excel
    t = write_template("33.07.01", 2025, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(t)
    assert not [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


# --------------------------------------------------------------------------- empty files, periksa writes nothing

def test_header_only_file_is_no_data_not_accepted(tmp_path):
    f = tmp_path / "layanan.csv"
    f.write_text("kode_desa,tahun,penduduk\n", encoding="utf-8")
    data = tmp_path / "data"
    res = import_files([f], data, write_reports=False)
    assert list(res.files["status"]) == ["tidak ada data"] and not data.exists()
    assert "tidak ada data" in res.summary_text() and "0 diterima" in res.summary_text()
    assert "tidak_ada_data" in set(res.findings["aturan"])


def test_periksa_writes_no_file_unless_asked(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    bad = src / "layanan.csv"
    bad.write_text(f"kode_desa,tahun,penduduk\n{DESA1},2025,-1\n", encoding="utf-8")
    data = tmp_path / "data"
    assert import_files([layanan_book(tmp_path / "ok.xlsx", {"D": [HEAD, [DESA2, 2025, 3]]})], data,
                        write_reports=False).accepted
    before_in, before_data = tree_hash(src), tree_hash(data)
    assert main(["periksa", str(bad), "--data-dir", str(data)]) == 1
    assert tree_hash(src) == before_in and tree_hash(data) == before_data
    assert "--tulis-laporan" in capsys.readouterr().out
    assert main(["periksa", str(bad), "--data-dir", str(data), "--tulis-laporan"]) == 1
    assert (src / "layanan.csv.temuan.xlsx").exists() and tree_hash(data) == before_data
    assert "selengkapnya di laporan" in capsys.readouterr().out
    assert load_dataset(data).layanan["kode_desa"].tolist() == [DESA2]
