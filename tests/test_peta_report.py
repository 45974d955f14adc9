"""The maps in the generated reports: a note without boundaries, a drawn map (offline, in Chromium) with them.

Both reports are rendered from the demo kabupaten through the kit's public report API
(:func:`p3pd_lib.report.run_batch`, the whole kabupaten), once without and once with (simulated) boundaries,
so the size the map adds to a kecamatan report is measured, not guessed.
"""

from __future__ import annotations

import shutil

import pytest

from offline_page import offline_page
from p3pd_lib import report
from p3pd_lib.peta import read_boundaries, store_simulated_boundaries

KEC = "33.07.01"
MAX_GROWTH = 40 * 1024


@pytest.fixture(scope="module")
def reports(demo_store, tmp_path_factory):
    with_map = tmp_path_factory.mktemp("data_peta")
    shutil.copytree(demo_store, with_map, dirs_exist_ok=True)
    store_simulated_boundaries(with_map, seed=1)
    out = {}
    for name, data in (("tanpa", demo_store), ("dengan", with_map)):
        folder = tmp_path_factory.mktemp(f"laporan_{name}")
        # The whole demo kabupaten, so its kabupaten report is made too (paths: <tahun>/<kab>/...).
        result = report.run_batch(kabupaten=["33.07"], output_dir=folder, data_dir=data, workers=2, progress=False)
        assert result.count("gagal") == 0, result.entries
        by_kode = {e["kode"]: e for e in result.entries}
        out[name] = (folder / by_kode[KEC]["html"], folder / by_kode["33.07"]["html"], data)
    return out


@pytest.mark.slow
def test_reports_without_boundaries_show_a_note_instead_of_a_map(reports):
    kec, kab, _ = reports["tanpa"]
    for page in (kec, kab):
        html = page.read_text(encoding="utf-8")
        assert "Peta belum tersedia" in html and "p3pd peta impor" in html
        assert "Traceback" not in html and "PETA SIMULASI" not in html


@pytest.mark.slow
def test_kecamatan_report_grows_by_at_most_40_kb_with_its_map(reports):
    without = reports["tanpa"][0].stat().st_size
    with_map = reports["dengan"][0].read_bytes()
    assert b"PETA SIMULASI" in with_map and b"Peta Indeks Capaian" in with_map
    growth = len(with_map) - without
    assert 0 < growth <= MAX_GROWTH, f"laporan bertambah {growth} bita"


def _drawn_map_paths(page_file) -> tuple[dict, list[str]]:
    with offline_page(page_file, lambda url: url.startswith("file://")) as (page, blocked):
        page.wait_for_function("[...document.querySelectorAll('.js-plotly-plot')].some("
                               "d => d.layout && String(d.layout.title && d.layout.title.text).startsWith('Peta'))",
                               timeout=30000)
        found = page.evaluate("""() => {
            const map = [...document.querySelectorAll('.js-plotly-plot')].find(
                d => String(d.layout.title && d.layout.title.text).startsWith('Peta'));
            // One fill path per class; each region is one closed subpath ("M … Z") of it.
            const fills = [...map.querySelectorAll('.scatterlayer path.js-fill')]
                .map(p => ((p.getAttribute('d') || '').match(/M/g) || []).length)
                .reduce((a, b) => a + b, 0);
            const legend = [...map.querySelectorAll('.legendtext')].map(t => t.textContent);
            const notes = [...map.querySelectorAll('.annotation-text')].map(t => t.textContent);
            return {fills: fills, legend: legend, notes: notes, title: map.layout.title.text};
        }""")
    return found, blocked


@pytest.mark.slow
def test_kecamatan_report_map_is_drawn_offline_in_chromium(reports):
    kec, _, data = reports["dengan"]
    found, blocked = _drawn_map_paths(kec)
    n_desa = len(read_boundaries("desa", data, dalam=KEC))
    assert found["fills"] == n_desa, found
    assert any("Sepertiga" in t for t in found["legend"]), found["legend"]
    assert any("PETA SIMULASI" in t for t in found["notes"])
    assert blocked == [], f"laporan meminta jaringan: {blocked}"


@pytest.mark.slow
def test_kabupaten_report_map_of_kecamatan_is_drawn_offline_in_chromium(reports):
    _, kab, data = reports["dengan"]
    found, blocked = _drawn_map_paths(kab)
    n_kec = read_boundaries("desa", data, dalam="33.07")["kode_kecamatan"].nunique()
    assert found["fills"] == n_kec and "per kecamatan" in found["title"], found
    assert any("Sepertiga" in t for t in found["legend"]), found["legend"]
    assert any("PETA SIMULASI" in t for t in found["notes"]) and "PETA SIMULASI" in found["title"]
    assert blocked == []
