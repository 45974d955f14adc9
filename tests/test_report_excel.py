"""The kecamatan workbook (written with openpyxl), read back with openpyxl."""

from __future__ import annotations

import openpyxl
import pytest

from p3pd_lib import analysis, excel
from p3pd_lib.errors import ParameterError


@pytest.fixture(scope="module")
def view(demo_dataset):
    return analysis.kecamatan_view(demo_dataset, "33.07.02")


def test_kecamatan_workbook_holds_every_sheet_and_one_evaluation_per_desa(view, tmp_path):
    path = excel.write_kecamatan_workbook(view, tmp_path / "33.07.02.xlsx", {"kode_kecamatan": "33.07.02", "tahun": view.tahun})
    assert [p.name for p in tmp_path.iterdir()] == ["33.07.02.xlsx"]  # no temporary file left
    book = openpyxl.load_workbook(path)
    fixed = ["Ringkasan", "Capaian desa", "Detail capaian", "Capaian wilayah", "Skor & indeks", "Tren desa", "Belanja",
             "Komposisi belanja", "Aturan belanja", "Kualitas belanja", "Kuadran", "Status desa", "Usulan masyarakat",
             "Agenda terpadu", "Kualitas data", "Kamus indikator"]
    assert book.sheetnames[: len(fixed)] == fixed
    evaluations = book.sheetnames[len(fixed):]
    assert len(evaluations) == len(view.desa) and all(s.startswith("Evaluasi ") for s in evaluations)

    ring = book["Ringkasan"]
    assert "Kepil" in ring["A1"].value and ring["A3"].value.startswith("DATA SIMULASI")
    stamp = {ring.cell(r, 1).value: ring.cell(r, 2).value for r in range(1, ring.max_row + 1)}
    assert stamp["Sidik data"] == view.identitas["fingerprint"] and "kode_kecamatan='33.07.02'" in stamp["Parameter"]

    grid = book["Capaian desa"]
    heads = [c.value for c in grid[3]]
    assert heads[:2] == ["Kode desa", "Desa/kelurahan"] and "Stunting (KES01)" in heads  # short name beside the code
    row = next(r for r in range(4, grid.max_row + 1) if grid.cell(r, 1).value == view.capaian["kode_desa"].iloc[0])
    first = view.capaian[(view.capaian["kode_desa"] == grid.cell(row, 1).value) & (view.capaian["indikator"] == "KES01")].iloc[0]
    cell = grid.cell(row, heads.index("Stunting (KES01)") + 1)
    assert cell.value == pytest.approx(float(first["nilai"])) and cell.number_format == excel.FORMAT_PERSEN
    assert cell.fill.fgColor.rgb.endswith(excel.FILL_KELAS[first["kelas"]].fgColor.rgb[-6:])  # coloured by its class
    assert grid.freeze_panes == "C4"

    agenda = book["Agenda terpadu"]
    assert agenda.max_row == 3 + len(view.agenda) and agenda.auto_filter.ref.startswith("A3:")

    ev = book[evaluations[0]]
    assert ev["A1"].value.startswith(f"Evaluasi RAPBDes {view.tahun}")
    assert len(ev.merged_cells.ranges) == 4 and ev.page_setup.orientation == "landscape"
    labels = [ev.cell(r, 1).value for r in range(1, ev.max_row + 1)]
    assert "6. Catatan penelaah (diisi oleh tim kecamatan)" in labels and labels[-1] == "Paraf"


def test_the_workbook_path_must_end_in_xlsx(view, tmp_path):
    with pytest.raises(ParameterError, match="berakhiran .xlsx"):
        excel.write_kecamatan_workbook(view, tmp_path / "laporan.xls")


def test_style_cache_lets_a_written_workbook_go():
    # A batch kernel writes hundreds of workbooks: none may stay in memory through the style cache.
    import gc
    import weakref

    from openpyxl import Workbook

    wb = Workbook()
    excel._style(wb.active.cell(1, 1), "head")
    ref = weakref.ref(wb)
    del wb
    gc.collect()
    assert ref() is None and len(excel._STYLERS) == 0
