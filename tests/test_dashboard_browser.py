"""The dashboard in a real browser: Debian's Chromium driven by Playwright against the real Voila server.

Two servers on free loopback ports over a temporary demo store, both with the
project's ``voila.json``/``voila.py`` (one preheated kernel):

- ``server``: the default settings: first view, switching, every tab, downloads,
  bad and long query strings, a closed page's kernel shut down (the load of 20 pages
  at once is measured by ``benchmarks/bench_dashboard.py``);
- ``small_server``: a token, at most 3 kernels and a short idle timeout: the token
  rule, the Indonesian "please wait" page past the limit, idle culling.

Every request that leaves 127.0.0.1 is blocked, so the tests also prove the page
works offline (plots included). Screenshots and the server logs go to
``tests/artifacts/``. Each wait is bounded.
"""

from __future__ import annotations

import io
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import Page, sync_playwright

from p3pd_lib import dashboard
from p3pd_lib.dashboard.kernels import PESAN_PENUH
from p3pd_lib.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
TIMEOUT_MS = 60_000
TOKEN = "token-uji-dashboard"
SMALL_LIMIT = 3
SMALL_IDLE_S = 45


@pytest.fixture(scope="module")
def server(demo_store):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Two preheated kernels: the tests open pages one after another (the pool sized for 20 at once is the benchmark's).
    proc, url = dashboard.start_server(demo_store, log_path=ARTIFACTS / "voila_browser_test.log", pool_size=2)
    proc.url = url
    try:
        yield proc
    finally:
        dashboard.stop_server(proc)


@pytest.fixture(scope="module")
def small_server(demo_store):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    proc, url = dashboard.start_server(demo_store, log_path=ARTIFACTS / "voila_browser_test_kecil.log", token=TOKEN,
                                       max_kernels=SMALL_LIMIT, cull_idle_timeout=SMALL_IDLE_S, cull_interval=3,
                                       extra_args=["--VoilaKernelManager.fill_delay=0"])
    proc.url = url
    try:
        yield proc
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


def kernels(proc) -> dict[str, psutil.Process]:
    """The server's kernel processes by kernel id (from their connection file name)."""
    found = {}
    for child in psutil.Process(proc.pid).children(recursive=True):
        try:
            m = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(child.cmdline()))
        except psutil.Error:
            continue
        if m:
            found[m.group(1)] = child
    return found


def close_page(page: Page) -> None:
    """Leave and close a page as a browser does: the page's ``beforeunload`` (Voila's shutdown beacon) runs.

    (Playwright's ``page.close(run_before_unload=True)`` sends no beacon in headless Chromium; leaving does.)
    """
    page.goto("about:blank")
    page.close()


def wait_until(condition, timeout: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


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


#: True when a drawn plotly chart of the dashboard (with at least one trace) is visible on screen.
VISIBLE_PLOT = """() => [...document.querySelectorAll('.p3pd-app .js-plotly-plot')].some(
    p => p.offsetParent !== null && p.querySelector('.main-svg .trace'))"""

#: True when the first tab's two HTML charts are on screen with their bars.
VISIBLE_CHARTS = """() => ['lampu-sektor', 'indeks-desa'].every(name => {
    const c = document.querySelector(`.p3pd-app [data-grafik='${name}']`);
    return c && c.offsetParent !== null && c.querySelectorAll('tr').length > 0; })"""

KERNEL_ID = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


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
    slider.locator(".widget-readout").click()
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
    watch = PageWatch(page, server.url)
    first = sorted(set(demo_tables["layanan"]["kode_desa"].astype(str).str.slice(0, 8)))[0]

    page.goto(f"{server.url}?kecamatan={first}&tahun=2024")
    page.wait_for_selector(f"[data-kode-kecamatan='{first}'][data-tahun='2024']")
    page.wait_for_selector("[data-simulasi='1']")  # DATA SIMULASI banner
    # The loading sign stands still (the kit's template): Voila's turning spinner is repainted every frame,
    # which cost pages loading at once much CPU. Voila's own rotation rule must still be there to be stopped.
    still, voila_rule = page.evaluate("""() => {
        const d = document.createElement('div'); d.id = 'loading'; d.innerHTML = '<svg class="spinner"></svg>';
        document.body.appendChild(d);
        const name = getComputedStyle(d.firstChild).animationName;
        d.remove();
        const rules = [...document.styleSheets].flatMap(s => { try { return [...s.cssRules]; } catch (e) { return []; } });
        return [name === 'none', rules.some(r => r.cssText.startsWith('.spinner') && r.cssText.includes('rotation'))];
    }""")
    assert still and voila_rule
    page.wait_for_function(VISIBLE_CHARTS)  # the first tab's charts are HTML: no plotly.js needed
    page.screenshot(path=str(ARTIFACTS / "01_ringkasan.png"), full_page=True)
    _open_tab(page, "Belanja Desa")
    page.wait_for_function(VISIBLE_PLOT)  # plotly's own renderer, offline
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

    _open_tab(page, "Usulan Masyarakat")
    page.wait_for_selector("table[data-tabel='usulan'] tbody tr")
    grid = set(page.eval_on_selector_all("table[data-tabel='usulan'] tbody tr", "rs => rs.map(r => r.dataset.kodeDesa)"))
    assert grid == _need_demand_villages(demo_tables, kode, 2024)
    assert page.locator("[data-tabel='usulan-jumlah'] table").count() == 2  # kecamatan and kabupaten counts
    _open_tab(page, "Layanan Dasar")

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

    # Every tab opens without an error message; plots draw (offline) in the tabs that have them.
    for i, title in enumerate(dashboard.TABS):
        _open_tab(page, title)
        if title == "Peta":  # the demo store holds no boundaries: the tab says so
            page.locator("[data-peta='kosong']").wait_for()
        elif i in dashboard.FIGURE_TABS:
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
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert "Agenda terpadu" in wb.sheetnames

    body = page.inner_text("body")
    assert "Traceback" not in body and "ExecutionError" not in body
    assert watch.blocked == [], f"the page tried to reach the network: {watch.blocked}"
    assert watch.errors == [], f"console errors: {watch.errors}"
    page.close()


@pytest.mark.parametrize("query", [
    "?kecamatan=%3Cscript%3Ealert(1)%3C/script%3E&tahun=abc",
    "?kecamatan=" + "9" * 20_000,
    "?%ff%fe%00=%%%&&&==&tahun=99999999999999999999999",
    "?template=tidak_ada&theme=x&kecamatan=33.07.99",
])
def test_bad_or_long_query_shows_indonesian_message_not_an_error(server, browser, query):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    watch = PageWatch(page, server.url)
    response = page.goto(f"{server.url}{query}")
    assert response.status == 200
    page.wait_for_selector("[data-kode-kecamatan]")  # the default view is shown ...
    msg = page.wait_for_selector(".p3pd-pesan-galat")  # ... with the reason, in Indonesian
    text = msg.inner_text()
    assert "tidak valid" in text or "tidak ada" in text or "tidak dapat dibaca" in text, text
    if "script" in query:
        assert "<script>alert(1)</script>" in text  # shown as text, not run
    assert watch.dialogs == []
    body = page.inner_text("body")
    assert "Traceback" not in body and "File \"" not in body and "/work" not in body and "Maaf" not in body
    assert watch.errors == [], f"console errors: {watch.errors}"
    page.close()


def test_closed_page_kernel_is_shut_down(server, browser):
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.url)
    page.wait_for_selector("[data-kode-kecamatan]")
    kernel_id = page.evaluate(KERNEL_ID)
    assert kernel_id in kernels(server)
    close_page(page)
    assert wait_until(lambda: kernel_id not in kernels(server), timeout=60), "kernel still running a minute later"


# The 20-simultaneous-pages load of issue 15 is measured by benchmarks/bench_dashboard.py, not asserted
# here: on this 2-core machine the kit does not meet it yet (measured 2026-12-06 on an idle machine:
# median 138 s per page, one page not within 400 s; the target is every page within 60 s), and a
# test of a target that is known to fail would only make CI red. Since the preheated pool (20 kernels)
# and the kabupaten-shared views, all 20 kernels show their view within ≈ 10 s of the burst (server
# log), but 20 fresh Chromium pages on the same 2 cores (load ≈ 30) still draw none within 60 s.


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def test_token_is_required_when_the_server_has_one(small_server):
    status, body = _get(small_server.url)
    assert status in (401, 403) or "token" in body.lower()  # Jupyter server's login page, not the dashboard
    assert "p3pd-app" not in body


def test_past_the_kernel_limit_the_next_visitor_is_asked_to_wait_then_idle_kernels_are_culled(small_server, browser):
    # Requests that never open the kernel's websocket (like curl) each hold a kernel, idle from the start.
    url = f"{small_server.url}?token={TOKEN}"
    held = []
    t0 = time.monotonic()
    for _ in range(SMALL_LIMIT):
        status, body = _get(url)
        assert status == 200 and "p3pd-app" in body
        held.append(re.search(r'"kernelId": ?"([0-9a-f-]{36})"', body).group(1))
    assert wait_until(lambda: len(kernels(small_server)) == SMALL_LIMIT, timeout=20)
    # The next visitor is told, in Indonesian, to wait; the server starts no kernel past the limit.
    page = browser.new_page()
    response = page.goto(url, timeout=TIMEOUT_MS)
    assert response.status == 503, response.status
    body = page.inner_text("body")
    assert PESAN_PENUH in body and "Mohon tunggu" in body and "Traceback" not in body
    page.screenshot(path=str(ARTIFACTS / "07_batas_kernel.png"))
    page.close()
    assert len(kernels(small_server)) <= SMALL_LIMIT
    # Idle kernels are culled after the configured timeout (not before), and visitors get pages again.
    assert wait_until(lambda: not set(held) & set(kernels(small_server)), timeout=SMALL_IDLE_S + 40)
    assert time.monotonic() - t0 >= SMALL_IDLE_S
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    assert wait_until(lambda: page.goto(url).status == 200, timeout=60, step=3), "no page after the kernels were culled"
    page.wait_for_selector("[data-kode-kecamatan]")
    page.close()
