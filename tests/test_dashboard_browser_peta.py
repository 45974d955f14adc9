"""The dashboard's map, search box and page address in Chromium with every non-loopback request blocked.

Reuses the browser, the page watch and the helpers of ``test_dashboard_browser``; its own
Voila server runs over a copy of the demo store that also holds simulated desa boundaries.
"""

from __future__ import annotations

import re
import shutil

import pytest

from p3pd_lib import dashboard
from test_dashboard_browser import ARTIFACTS, TIMEOUT_MS, PageWatch, _open_tab, browser, close_page  # noqa: F401

pytestmark = pytest.mark.slow

#: The Peta tab's map: polygons filled (one path per class trace) and the desa names written, on screen.
DRAWN_MAP = """() => [...document.querySelectorAll('.p3pd-app .js-plotly-plot')].some(p => p.offsetParent !== null
    && p.querySelectorAll('.scatterlayer .trace path.js-fill').length > 0
    && p.querySelectorAll('.scatterlayer .trace .textpoint text').length > 0)"""


@pytest.fixture(scope="module")
def peta_server(demo_store, tmp_path_factory):
    from p3pd_lib.peta import store_simulated_boundaries

    folder = tmp_path_factory.mktemp("toko_peta") / "data"
    shutil.copytree(demo_store, folder)
    store_simulated_boundaries(folder)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Two preheated kernels, as in test_dashboard_browser (the default pool is sized for 20 visitors at once).
    # Generous timeouts: the shared 2-core machine can be very busy (the cell may wait minutes for CPU).
    proc, url = dashboard.start_server(folder, log_path=ARTIFACTS / "voila_browser_peta.log", wait_ready=400, pool_size=2,
                                       extra_args=["--VoilaExecutor.timeout=300", "--VoilaExecutor.startup_timeout=300"])
    proc.url = url
    try:
        yield proc
    finally:
        dashboard.stop_server(proc)


def test_search_address_and_a_click_on_the_offline_map(peta_server, browser, demo_tables):  # noqa: F811
    kecamatan = demo_tables["wilayah"].drop_duplicates("kode_kecamatan")
    kecamatan = kecamatan[kecamatan["kode_kecamatan"].isin(set(demo_tables["layanan"]["kode_desa"].str.slice(0, 8)))]
    first, (kode, nama) = kecamatan["kode_kecamatan"].iloc[0], kecamatan[["kode_kecamatan", "nama_kecamatan"]].iloc[1]
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    watch = PageWatch(page, peta_server.url)
    page.goto(f"{peta_server.url}?kecamatan={first}&tahun=2024")
    page.wait_for_selector(f"[data-kode-kecamatan='{first}']")

    # Part of a name, Enter: the first match is shown and the address follows (bookmarkable).
    box = page.locator(".widget-text input[list]").first
    box.fill(nama[1:5].lower())
    box.press("Enter")
    page.wait_for_selector(f"[data-kode-kecamatan='{kode}']")
    page.wait_for_function(f"() => window.location.search.includes('kecamatan={kode}')")
    assert "tahun=2024" in page.url
    box.fill("zzzz")
    box.press("Enter")
    page.wait_for_selector(".p3pd-pesan-galat:has-text('Tidak ada kecamatan')")
    assert page.locator(f"[data-kode-kecamatan='{kode}']").count() == 1

    # The map is drawn by the bundled plotly.js (no tiles, no CDN) with the network blocked.
    _open_tab(page, "Peta")
    try:
        page.wait_for_function(DRAWN_MAP)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "peta_dashboard_gagal.png"), full_page=True)
        info = page.evaluate("""() => ({plots: document.querySelectorAll('.js-plotly-plot').length,
            fills: document.querySelectorAll('.js-plotly-plot path.js-fill').length,
            texts: document.querySelectorAll('.js-plotly-plot .scatterlayer text').length,
            widgets: [...document.querySelectorAll('.p3pd-app .lm-Widget')].length})""")
        raise AssertionError(f"peta tidak tergambar: {info}; galat: {watch.errors[:8]}; diblokir: {watch.blocked[:5]}")
    page.screenshot(path=str(ARTIFACTS / "peta_dashboard.png"), full_page=True)
    # The simulated shapes say so on the drawn map.
    notes = page.locator(".p3pd-app .js-plotly-plot .annotation-text").all_text_contents()
    assert any("PETA SIMULASI" in t and "bukan batas sebenarnya" in t for t in notes), notes

    # A click on a desa of the map opens its Bahan Musdes.
    label = page.locator(".js-plotly-plot .scatterlayer .trace .textpoint text").nth(2)
    desa = label.text_content()
    bbox = label.bounding_box()
    page.mouse.move(bbox["x"] + bbox["width"] / 2, bbox["y"] + bbox["height"] / 2)
    page.mouse.click(bbox["x"] + bbox["width"] / 2, bbox["y"] + bbox["height"] / 2)
    page.wait_for_selector(".p3pd-musdes[data-desa]")
    frame = page.frame_locator(".p3pd-musdes iframe")
    assert desa and desa in frame.locator("h1").text_content()
    assert not watch.blocked or all(not re.match(r"^https?://(127\.0\.0\.1|localhost)", u) for u in watch.blocked)
    assert not [e for e in watch.errors if "plotly" in e.lower() or "widget" in e.lower()], watch.errors
    close_page(page)
