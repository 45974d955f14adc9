"""The dashboard in a real browser: Debian's Chromium driven by Playwright against the real Voila server.

The server runs the project's ``voila.json``/``voila.py`` (preheated kernel) on a
free loopback port over a temporary demo store. Every request that leaves
127.0.0.1 is blocked, so the test also proves the page works offline (plots
included). Screenshots and the server log go to ``tests/artifacts/``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from p3pd_lib import dashboard
from p3pd_lib.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server(demo_store):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    proc, url = dashboard.start_server(demo_store, log_path=ARTIFACTS / "voila_browser_test.log")
    try:
        yield url
    finally:
        dashboard.stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


class PageWatch:
    """Console errors, page errors, dialogs and blocked (non-loopback) requests of one page."""

    def __init__(self, page: Page, url: str):
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        origin = re.match(r"^(https?://[^/]+)", url).group(1)

        def route(r):
            u = r.request.url
            if u.startswith(origin) or u.startswith("data:") or u.startswith("blob:"):
                r.continue_()
            else:
                self.blocked.append(u)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

        def on_dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)


#: True when a drawn plotly chart of the dashboard (with at least one trace) is visible on screen
#: (the page template's hidden plotly warm-up is not part of the dashboard).
VISIBLE_PLOT = """() => [...document.querySelectorAll('.p3pd-app .js-plotly-plot')].some(
    p => p.offsetParent !== null && p.querySelector('.main-svg .trace'))"""

#: True when the first tab's two HTML charts are on screen with their bars.
VISIBLE_CHARTS = """() => ['lampu-sektor', 'indeks-desa'].every(name => {
    const c = document.querySelector(`.p3pd-app [data-grafik='${name}']`);
    return c && c.offsetParent !== null && c.querySelectorAll('tr').length > 0; })"""


def _kelas_counts(page: Page) -> dict[str, int]:
    return page.evaluate(
        """() => { const c = {}; document.querySelectorAll("table[data-tabel='lampu'] td[data-kelas]")
              .forEach(td => { c[td.dataset.kelas] = (c[td.dataset.kelas] || 0) + 1; }); return c; }"""
    )


def _open_tab(page: Page, title: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=re.compile(rf"^{re.escape(title)}$")).first.click()


def _set_slider(page: Page, description: str, value: float) -> None:
    """Type a value into an ipywidgets slider's editable readout (then Enter), like a user would."""
    slider = page.locator(".widget-slider", has=page.locator("label", has_text=description)).first
    readout = slider.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")


def _kecamatan_with_villages(demo_tables) -> tuple[str, str, set[str]]:
    w = demo_tables["wilayah"]
    lay = demo_tables["layanan"]
    kec = sorted(set(lay["kode_desa"].astype(str).str.slice(0, 8)) & set(w["kode_kecamatan"].astype(str)))
    kode = kec[1]
    nama = str(w.loc[w["kode_kecamatan"] == kode, "nama_kecamatan"].iloc[0])
    with_data = set(lay.loc[lay["kode_desa"].astype(str).str.startswith(kode + "."), "kode_desa"].astype(str))
    return kode, nama, with_data


def _need_demand_villages(demo_tables, kode: str, tahun: int) -> set[str]:
    """The desa of the kecamatan's need–demand–supply table, computed by the library itself."""
    from p3pd_lib.analysis import kecamatan_view
    from p3pd_lib.store import Dataset

    view = kecamatan_view(Dataset(**demo_tables), kode, tahun)
    found = set(view.kebutuhan_usulan["kode_desa"].astype(str))
    assert found and all(k.startswith(kode + ".") for k in found)
    return found


def test_dashboard_end_to_end(server, browser, demo_tables):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    watch = PageWatch(page, server)
    first = sorted(set(demo_tables["layanan"]["kode_desa"].astype(str).str.slice(0, 8)))[0]

    page.goto(f"{server}?kecamatan={first}&tahun=2024")
    page.wait_for_selector(f"[data-kode-kecamatan='{first}'][data-tahun='2024']")
    page.wait_for_selector("[data-simulasi='1']")  # DATA SIMULASI banner
    page.wait_for_function(VISIBLE_CHARTS)  # the first tab's charts are HTML: no plotly.js needed yet
    page.screenshot(path=str(ARTIFACTS / "01_ringkasan.png"), full_page=True)
    # plotly.js is loaded after the first view; a tab with plotly charts then draws them (network blocked).
    _open_tab(page, "Belanja Desa")
    page.wait_for_function(VISIBLE_PLOT)
    _open_tab(page, "Ringkasan")

    # Choose another kecamatan by typing in the searchable box, as a user would.
    kode, nama, villages = _kecamatan_with_villages(demo_tables)
    box = page.locator(".widget-text input[list]").first
    box.fill(f"{kode} – {nama}")
    box.press("Enter")
    page.wait_for_selector(f"[data-kode-kecamatan='{kode}']")

    _open_tab(page, "Layanan Dasar")
    page.wait_for_selector("table[data-tabel='lampu'] tbody tr")
    shown = set(page.eval_on_selector_all("table[data-tabel='lampu'] tbody tr", "rs => rs.map(r => r.dataset.kodeDesa)"))
    assert shown == villages, "the traffic-light table must list exactly the chosen kecamatan's villages"
    page.screenshot(path=str(ARTIFACTS / "02_layanan_dasar.png"), full_page=True)

    # Demand side: the desa × sector grid of the need–demand–supply classes lists the kecamatan's villages.
    _open_tab(page, "Usulan Masyarakat")
    page.wait_for_selector("table[data-tabel='usulan'] tbody tr")
    grid = set(page.eval_on_selector_all("table[data-tabel='usulan'] tbody tr", "rs => rs.map(r => r.dataset.kodeDesa)"))
    assert grid == _need_demand_villages(demo_tables, kode, 2024)
    kelas = set(page.eval_on_selector_all("table[data-tabel='usulan'] td[data-kelas-usulan]",
                                          "ts => ts.map(t => t.dataset.kelasUsulan)"))
    from p3pd_lib.usulan import KELAS

    assert kelas and kelas <= set(KELAS)
    assert page.locator("[data-tabel='usulan-jumlah'] table").count() == 2  # kecamatan and kabupaten counts
    page.screenshot(path=str(ARTIFACTS / "02b_usulan_masyarakat.png"), full_page=True)
    _open_tab(page, "Layanan Dasar")

    # Kartu Desa of one village.
    desa_select = page.locator(".widget-dropdown", has=page.locator("label", has_text="Kartu Desa")).locator("select")
    desa_select.select_option(index=1)
    page.wait_for_selector("[data-kartu-desa]")
    assert page.get_attribute("[data-kartu-desa]", "data-kartu-desa") in villages

    # Trainer mode: widen the yellow band; the colours must change everywhere at once.
    before = _kelas_counts(page)
    page.locator("button", has_text="Mode pelatih").click()
    _set_slider(page, "makin tinggi makin baik", 30)
    page.wait_for_function(
        """(before) => { const c = {}; document.querySelectorAll("table[data-tabel='lampu'] td[data-kelas]")
              .forEach(td => { c[td.dataset.kelas] = (c[td.dataset.kelas] || 0) + 1; });
              return JSON.stringify(c) !== JSON.stringify(before); }""",
        arg=before,
    )
    after = _kelas_counts(page)
    assert after.get("merah", 0) < before.get("merah", 0), (before, after)
    assert "Mode pelatih aktif" in page.inner_text("[data-kode-kecamatan]")
    page.screenshot(path=str(ARTIFACTS / "03_mode_pelatih.png"), full_page=True)

    # Every tab opens without an error message; plots draw (offline) in the tabs that have them.
    for i, title in enumerate(dashboard.TABS):
        _open_tab(page, title)
        if i in dashboard.FIGURE_TABS:
            page.wait_for_function(VISIBLE_PLOT)
        elif title == "Ringkasan":
            page.wait_for_function(VISIBLE_CHARTS)
        else:
            page.wait_for_timeout(300)
        assert page.locator(".p3pd-pesan-galat").count() == 0, title
        page.screenshot(path=str(ARTIFACTS / f"04_tab_{i}_{title.lower().replace(' ', '_')}.png"))

    # Download: Excel of the agenda terpadu, a real xlsx.
    page.locator("button", has_text="Excel agenda terpadu").click()
    link = page.locator("a.p3pd-unduhan")
    link.wait_for()
    with page.expect_download() as dl:
        link.click()
    data = Path(dl.value.path()).read_bytes()
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert "Agenda terpadu" in wb.sheetnames

    # The kecamatan's HTML report (the batch report engine), one self-contained file.
    page.locator("button", has_text="Laporan HTML kecamatan").click()
    link = page.locator("a.p3pd-unduhan[download$='.html']")
    link.wait_for(timeout=180_000)
    with page.expect_download() as dl:
        link.click()
    report = Path(dl.value.path()).read_text(encoding="utf-8")
    assert kode in report and "Plotly" in report and not re.search(r"(src|href)=\"[^\"]*_aset/", report)

    body = page.inner_text("body")
    assert "Traceback" not in body and "ExecutionError" not in body
    assert watch.blocked == [], f"the page tried to reach the network: {watch.blocked}"
    assert watch.errors == [], f"console errors: {watch.errors}"
    page.close()


def test_bad_query_shows_message_not_traceback(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    watch = PageWatch(page, server)
    page.goto(f"{server}?kecamatan=%3Cscript%3Ealert(1)%3C/script%3E&tahun=abc")
    msg = page.wait_for_selector(".p3pd-pesan-galat")
    text = msg.inner_text()
    page.screenshot(path=str(ARTIFACTS / "05_query_salah.png"), full_page=True)
    assert "tidak valid" in text and "<script>alert(1)</script>" in text  # shown as text, not run
    assert watch.dialogs == []
    body = page.inner_text("body")
    assert "Traceback" not in body and "File \"" not in body and "/work" not in body
    assert watch.errors == [], f"console errors: {watch.errors}"
    page.close()
