"""What users see, scanned for codes without names, True/False, <NA>/nan/None and dot decimals.

The scanner is public (:mod:`p3pd_lib.surface_check`) so full reports and dashboard tabs can be
scanned the same way; here it runs over the HTML blocks of render.py, the figures, the
kecamatan workbook and the Bahan Musdes pages of a demo kecamatan. The scanner itself is
tested first on small hand-made texts, so a clean result means something.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from p3pd_lib import analysis, excel, figures, musdes, render
from p3pd_lib.surface_check import ringkas, scan_figure, scan_html, scan_text, scan_workbook


@pytest.mark.parametrize("text, kinds", [
    ("KES01", ["kode_tanpa_nama"]),
    ("Stunting (KES01)", []),
    ("Aturan KETAHANAN_PANGAN dilanggar", ["kode_tanpa_nama"]),
    ("Ketahanan pangan dan hewani (KETAHANAN_PANGAN)", []),
    ("kelompok layanan_dasar", ["kode_tanpa_nama"]),
    ("Sektor KES", ["kode_tanpa_nama"]),
    ("Patuh: False", ["nilai_logika"]),
    ("nilai <NA>", ["nilai_kosong"]),
    ("nilai nan dan None", ["nilai_kosong", "nilai_kosong"]),
    ("21.6%", ["desimal_titik"]),
    ("0.75", ["desimal_titik"]),
    ("21,6%; Rp 1.234.567; 1.234 desa; 33.07.01.2001; sub-bidang 02.02; versi 0.1.0; 2022–2024", []),
])
def test_scanner_finds_what_it_should(text, kinds):
    assert [t.jenis for t in scan_text(text)] == kinds


def test_scanner_reads_html_rows_titles_and_print_only_text():
    row = '<table><tr><th title="Prevalensi stunting balita">Stunting</th><td>21,6</td></tr></table>'
    assert scan_html(row) == []
    assert [t.jenis for t in scan_html("<p>Arahkan tetikus ke sel.</p>", cetak=True)] == ["petunjuk_layar"]
    assert scan_html('<p class="layar-saja">Arahkan tetikus ke sel.</p>', cetak=True) == []
    assert scan_html("<script>var x = 21.6; True</script><p>Ya</p>") == []


def test_scanner_checks_workbook_print_setup_and_numbers_as_text():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Indikator", "Nilai"])
    for _ in range(4):
        ws.append(["KES01", "21,6 %"])
    kinds = {t.jenis for t in scan_workbook(wb)}
    assert kinds == {"cetak", "angka_teks", "kode_tanpa_nama"}


@pytest.fixture(scope="module")
def view(demo_dataset):
    return analysis.kecamatan_view(demo_dataset, "33.07.01", tahun=2024)


def test_render_blocks_are_clean(view):
    kelas_usulan = list(render.WARNA_KELAS_USULAN)
    blocks = {
        "identitas": render.identity(view.identitas, view.tahun),
        "angka kunci": render.key_figures(view.ringkasan),
        "lampu": render.traffic_light_table(view.capaian, view.capaian_wilayah),
        "kamus": render.indicator_dictionary(view.kamus),
        "tren": render.trend_summary(view.tren_desa),
        "usulan": render.need_demand_grid(view.kebutuhan_usulan, figures.LABEL_SEKTOR),
        "usulan wilayah": render.need_demand_counts(view.usulan_wilayah, figures.LABEL_SEKTOR, kelas_usulan),
        "aturan": render.rules_table(view.aturan_belanja, view.tahun),
        "aturan ringkas": render.rules_summary(view.aturan_belanja),
        "temuan": render.findings_summary(view.kualitas),
        "agenda": render.agenda_table(view.agenda),
        "pembagi": render.split_values(view.kuadran_split),
        "tabel mentah": render.table(view.capaian.head(30)),
        "tabel aturan mentah": render.table(view.aturan_belanja.head(30)),
    }
    found = [t for name, block in blocks.items() for t in scan_html(str(block), name, cetak=True)]
    assert not found, ringkas(found)


def test_raw_tables_show_ya_tidak_and_commas():
    df = pd.DataFrame({"nama": ["A", "B"], "patuh": pd.array([True, pd.NA], dtype="boolean"),
                       "nilai": [21.57, None], "arah": ["lower", "higher"]})
    html = str(render.table(df))
    assert "Ya" in html and "21,6" in html and "Makin rendah makin baik" in html
    assert not scan_html(html)


def test_figures_workbook_and_bahan_musdes_are_clean(view, tmp_path):
    figs = [figures.region_comparison(view.capaian_wilayah), figures.trend_lines(view.tren),
            figures.quadrant(view.kuadran, view.kuadran_split), figures.siltap_share(view.belanja)]
    found = [t for i, f in enumerate(figs) for t in scan_figure(f, f"grafik {i}")]
    found += scan_workbook(openpyxl.load_workbook(excel.write_kecamatan_workbook(view, tmp_path / "k.xlsx")))
    for kode in view.desa["kode_desa"].astype(str):
        found += scan_html(musdes.render_html(musdes.bahan_musdes(view, kode)), f"Bahan Musdes {kode}", cetak=True)
    assert not found, ringkas(found)


def test_workshop_tables_are_friendly(view):
    """Teaching tables (lokakarya) shown as people read them: no index, names beside codes, labels."""
    from p3pd_lib import lokakarya

    tables = [lokakarya.sector_overview(view.capaian, view.capaian_wilayah),
              lokakarya.indicator_detail(view.capaian, "KES01"), lokakarya.small_denominators(view.capaian),
              lokakarya.explain_codes(["02.04.06", "01.01.01"]), lokakarya.rules_by_year(),
              lokakarya.breaches_by_year(view.aturan_belanja), lokakarya.unmet_needs(view.kebutuhan_usulan),
              lokakarya.report_parameters(), analysis.label(lokakarya.sector_overview(view.capaian, view.capaian_wilayah))]
    found = []
    for i, df in enumerate(tables):
        html = str(render.friendly_table(df))
        assert "<th></th>" not in html  # no unnamed index column
        found += scan_html(html, f"tabel pelatihan {i}")
    assert not found, ringkas(found)
    html = str(render.friendly_table(tables[0]))
    assert "Kesehatan (KES)" in html or "Pendidikan (PEND)" in html


def test_friendly_table_copes_with_repeated_column_names():
    df = pd.DataFrame([["KES", "kecamatan", 1.5]], columns=["sektor", "tingkat", "nilai"])
    twice = pd.concat([df, df[["nilai"]]], axis=1)
    html = str(render.friendly_table(twice))
    assert html.count("1,5") == 2 and "Kesehatan (KES)" in html and "Kecamatan" in html
