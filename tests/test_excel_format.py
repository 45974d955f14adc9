"""The kecamatan workbook on paper and in Excel: numbers with number formats, print setup, names."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from p3pd_lib import analysis, excel, surface_check


@pytest.fixture(scope="module")
def book(demo_dataset, tmp_path_factory):
    view = analysis.kecamatan_view(demo_dataset, "33.07.01", tahun=2024)
    path = excel.write_kecamatan_workbook(view, tmp_path_factory.mktemp("xl") / "k.xlsx")
    return openpyxl.load_workbook(path)


def test_every_sheet_prints_on_a4_one_page_wide_with_repeated_header(book):
    for ws in book.worksheets:
        assert ws.page_setup.paperSize in (9, "9"), ws.title
        # fitToWidth absent means the file format's default, 1 (XlsxWriter leaves the default out).
        assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth or 1) == 1, ws.title
        assert int(ws.page_setup.fitToHeight) == 0, ws.title  # as many pages high as needed
        # A sheet with a table repeats its header; an empty one (e.g. no quality finding up to that year) says so.
        assert ws.print_title_rows or (ws.max_row <= 3 and ws["A3"].value == "Tidak ada baris."), ws.title
    assert book["Detail capaian"].print_title_rows == "$3:$3"


def test_numbers_are_numbers_with_indonesian_readable_formats(book):
    ws = book["Detail capaian"]
    heads = [c.value for c in ws[3]]
    nilai, pembilang = heads.index("Nilai (%)") + 1, heads.index("Pembilang") + 1
    assert isinstance(ws.cell(4, nilai).value, float) and ws.cell(4, nilai).number_format == excel.FORMAT_PERSEN
    assert isinstance(ws.cell(4, pembilang).value, int) and ws.cell(4, pembilang).number_format == excel.FORMAT_BILANGAN
    bel = book["Belanja"]
    heads = [c.value for c in bel[3]]
    per_kapita = next(i for i, h in enumerate(heads, 1) if h and "(BEL10)" in h)
    assert bel.cell(4, per_kapita).number_format == excel.FORMAT_RUPIAH
    ring = book["Ringkasan"]
    numbers = [ring.cell(r, 2) for r in range(1, ring.max_row + 1) if isinstance(ring.cell(r, 2).value, (int, float))]
    assert numbers and all(c.number_format != "General" for c in numbers)


def test_workbook_passes_the_surface_scanner(book):
    found = surface_check.scan_workbook(book)
    assert not found, surface_check.ringkas(found)


def test_text_number_reads_formatted_key_figures():
    assert excel._text_number("27,2 %") == (27.2, excel.FORMAT_PERSEN)
    assert excel._text_number("1.234") == (1234.0, excel.FORMAT_BILANGAN)
    assert excel._text_number("16 dari 17 desa") == ("16 dari 17 desa", None)


def test_belanja_sheet_shows_each_indicator_in_its_declared_unit(book, demo_dataset):
    from p3pd_lib.belanja import INDIKATOR_BELANJA

    bel = book["Belanja"]
    heads = [c.value for c in bel[3]]
    seen = set()
    for j, h in enumerate(heads[2:], start=3):
        code = next(k for k in INDIKATOR_BELANJA if f"({k})" in h)
        satuan = INDIKATOR_BELANJA[code]["satuan"]
        assert h.endswith(f", {satuan}"), h  # the unit in the header, from the declared satuan
        cells = [bel.cell(r, j) for r in range(4, bel.max_row + 1) if isinstance(bel.cell(r, j).value, (int, float))]
        assert cells and {c.number_format for c in cells} == {excel.format_for_unit(satuan)}, h
        seen.add(code)
    assert "BEL10" in seen and "BEL01" in seen
    assert excel.format_for_unit(INDIKATOR_BELANJA["BEL10"]["satuan"]) == excel.FORMAT_RUPIAH  # Rp per person
    assert excel.format_for_unit(INDIKATOR_BELANJA["BEL01"]["satuan"]) == excel.FORMAT_PERSEN


def test_units_follow_the_declaration_not_the_code():
    view_like = pd.DataFrame({"indikator": ["BEL10", "BEL01"], "satuan": ["%", "Rp/jiwa"]})
    units = excel.indicator_units(view_like)
    assert {k: excel.format_for_unit(u) for k, u in units.items()} == {"BEL10": excel.FORMAT_PERSEN,
                                                                        "BEL01": excel.FORMAT_RUPIAH}
