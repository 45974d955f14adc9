"""The kecamatan workbook (written with XlsxWriter), read back with openpyxl."""

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
    assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.endswith(excel.FILL_KELAS[first["kelas"]])  # its class
    assert cell.font.color.rgb.endswith(excel.FONT_KELAS[first["kelas"]])
    assert grid.freeze_panes == "C4" and grid.column_dimensions["A"].width == 15  # widths in characters, as given

    agenda = book["Agenda terpadu"]
    assert agenda.max_row == 3 + len(view.agenda) and agenda.auto_filter.ref.startswith("A3:")
    head = agenda["A3"]
    assert head.value == "Prioritas" and head.font.b and head.fill.fgColor.rgb.endswith("ECEFF1")
    assert head.border.left.style == "thin" and head.alignment.wrap_text

    ev = book[evaluations[0]]
    assert ev["A1"].value.startswith(f"Evaluasi RAPBDes {view.tahun}")
    assert len(ev.merged_cells.ranges) == 4 and ev.page_setup.orientation == "landscape"
    labels = [ev.cell(r, 1).value for r in range(1, ev.max_row + 1)]
    assert "6. Catatan penelaah (diisi oleh tim kecamatan)" in labels and labels[-1] == "Paraf"


def test_the_workbook_path_must_end_in_xlsx(view, tmp_path):
    with pytest.raises(ParameterError, match="berakhiran .xlsx"):
        excel.write_kecamatan_workbook(view, tmp_path / "laporan.xls")


def test_desa_names_differing_only_in_case_get_their_own_sheets(demo_dataset, tmp_path):
    # Excel ignores case in sheet names: "Evaluasi Kepil" and "Evaluasi KEPIL" cannot both exist.
    import dataclasses

    w = demo_dataset.wilayah
    first, second = w.index[w["kode_kecamatan"] == "33.07.02"][:2]
    name = w.loc[first, "nama_desa"]
    ds = dataclasses.replace(demo_dataset, wilayah=w.assign(nama_desa=w["nama_desa"].mask(w.index == second, name.upper())))
    book = openpyxl.load_workbook(excel.write_kecamatan_workbook(analysis.kecamatan_view(ds, "33.07.02"), tmp_path / "k.xlsx"))
    evaluations = [s for s in book.sheetnames if s.lower() == f"evaluasi {name.lower()}" or s.endswith(" (2)")]
    assert len(evaluations) == 2 and len({s.lower() for s in book.sheetnames}) == len(book.sheetnames)
