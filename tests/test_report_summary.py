"""The printed kecamatan report's opening summary, per-desa agenda and year limit (no kernel needed).

The notebook itself is rendered by the batch in ``test_report.py``, which scans the HTML for
hover instructions on paper and checks that the summary comes first.
"""

from __future__ import annotations

import pandas as pd
import pytest

from p3pd_lib import analysis, render
from p3pd_lib.surface_check import ringkas, scan_html


@pytest.fixture(scope="module")
def view(demo_dataset):
    return analysis.kecamatan_view(demo_dataset, "33.07.01", tahun=2023)


def test_a_report_of_year_y_shows_its_past_only(view, demo_dataset):
    assert max(demo_dataset.layanan["tahun"]) > 2023  # the store does hold a later year
    assert view.tren["tahun"].max() == 2023 and view.tren["tahun"].min() < 2023
    assert view.aturan_belanja["tahun"].max() == 2023
    latest = analysis.kecamatan_view(demo_dataset, "33.07.01").kualitas  # the store's last year
    assert (latest["tahun"] > 2023).fillna(False).any(), "the demo holds findings of later years"
    assert not (view.kualitas["tahun"] > 2023).fillna(False).any()
    assert (view.tren_desa["tahun_akhir"] == 2023).all()


def test_agenda_items_are_numbered_within_each_desa():
    agenda = pd.DataFrame({"prioritas": [4, 1, 2, 3, 5, 6], "kode_desa": ["B", "A", "B", "A", "A", "B"],
                           "nama_desa": ["Batu", "Alas", "Batu", "Alas", "Alas", "Batu"],
                           "nama_indikator": ["b2", "a1", "b1", "a2", "a3", "b3"]})
    top = render.agenda_top_per_desa(agenda, 2)
    assert top[["nama_desa", "nomor", "nama_indikator"]].values.tolist() == [
        ["Alas", 1, "a1"], ["Alas", 2, "a2"], ["Batu", 1, "b1"], ["Batu", 2, "b2"]]
    assert render.agenda_top_per_desa(agenda.iloc[:0]).empty


def test_desa_needing_attention_come_first(view):
    order = render.desa_attention(view)
    assert len(order) == view.desa["kode_desa"].nunique()
    prioritas = order["kuadran"].eq("prioritas").fillna(False).tolist()
    assert prioritas == sorted(prioritas, reverse=True), "desa kuadran prioritas lebih dulu"
    rest = order[~order["kuadran"].eq("prioritas").fillna(False)]
    assert rest["n_merah"].tolist() == sorted(rest["n_merah"], reverse=True)
    merah = view.capaian[view.capaian["kelas"] == "merah"].groupby("kode_desa").size()
    first = order.iloc[0]
    assert first["n_merah"] == merah.get(first["kode_desa"], 0)


def test_summary_has_two_pages_with_its_four_parts_and_is_clean(view):
    html = str(render.kecamatan_summary(view))
    pages = html.split('class="ringkasan-halaman')
    assert len(pages) == 3 and "halaman-baru" in pages[2]  # page 2 starts a new printed page
    assert "Angka kunci" in pages[1] and "Desa yang perlu perhatian lebih dulu" in pages[1]
    assert f"Pelanggaran aturan belanja tahun {view.tahun}" in pages[2] and "3 agenda terpenting" in pages[2]
    top3 = view.agenda.sort_values("prioritas").head(3)["nama_desa"].tolist()
    assert all(n in pages[2] for n in top3)
    breaches = view.aturan_belanja.query("tahun == @view.tahun and patuh == False")
    for pesan in breaches["pesan"]:
        assert str(render.esc(pesan)) in pages[2]
    found = scan_html(html, "ringkasan", cetak=True) + scan_html(str(render.agenda_per_desa(view.agenda)), "agenda", cetak=True)
    assert not found, ringkas(found)


def test_full_agenda_is_screen_only(view):
    html = str(render.screen_only_block(render.agenda_table(view.agenda)))
    assert html.startswith('<div class="layar-saja">')
    assert not scan_html('<div class="layar-saja"><p>Arahkan tetikus ke sel.</p></div>', cetak=True)
