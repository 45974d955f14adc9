"""The dashboard's layout in Chromium at desktop and phone width (1280 and 412 px): every tab title is
readable in full, no chart's legend overlaps its title, and no chart's annotations (panel titles of
small multiples, labels) overlap each other.

Reuses the browser, the page watch and the helpers of ``test_dashboard_browser``; one Voila server
(two preheated kernels) and one page per width.
"""

from __future__ import annotations

import pytest

from p3pd_lib import dashboard
from test_dashboard_browser import (ARTIFACTS, TIMEOUT_MS, VISIBLE_PLOT, PageWatch, _open_tab, browser,  # noqa: F401
                                    close_page)

pytestmark = pytest.mark.slow

#: Every tab title: its text, whether it is cut off (wider than its box) and whether it lies inside the window.
TAB_TITLES = """() => [...document.querySelectorAll('.p3pd-app .lm-TabBar-tab .lm-TabBar-tabLabel')].map(l => {
    const r = l.getBoundingClientRect();
    return {text: l.textContent, cut: l.scrollWidth > l.clientWidth + 1 || l.scrollHeight > l.clientHeight + 1,
            inside: r.left >= 0 && r.right <= window.innerWidth + 1 && r.width > 0}; })"""

#: The boxes of title and legend of every chart on screen.
CHART_BOXES = """() => [...document.querySelectorAll('.p3pd-app .js-plotly-plot')].filter(p => p.offsetParent !== null)
    .map(p => { const box = s => { const e = p.querySelector(s); if (!e) return null;
                                   const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
                const notes = [...p.querySelectorAll('.annotation-text')].map(e => e.getBoundingClientRect())
                    .filter(r => r.width > 0).map(r => ({x: r.x, y: r.y, w: r.width, h: r.height}));
                return {title: box('.gtitle'), legend: box('.legend'), plot: box('.main-svg'), notes}; })"""

#: The tabs with plotly charts in the demo store (its Peta tab has no boundaries, hence no chart).
CHART_TABS = [t for i, t in enumerate(dashboard.TABS) if i in dashboard.FIGURE_TABS and t != "Peta"]


def _overlap(a: dict, b: dict) -> bool:
    return not (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])


@pytest.fixture(scope="module")
def server(demo_store):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    proc, url = dashboard.start_server(demo_store, log_path=ARTIFACTS / "voila_browser_tata_letak.log", pool_size=2,
                                       wait_ready=400)
    proc.url = url
    try:
        yield proc
    finally:
        dashboard.stop_server(proc)


@pytest.mark.parametrize("width", [1280, 412])
def test_tab_titles_readable_and_legends_clear_of_titles(server, browser, width):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    watch = PageWatch(page, server.url)
    page.goto(server.url)
    page.wait_for_selector("[data-kode-kecamatan]")

    titles = page.evaluate(TAB_TITLES)
    assert [t["text"] for t in titles] == list(dashboard.TABS)
    bad = [t["text"] for t in titles if t["cut"] or not t["inside"]]
    assert not bad, f"judul tab terpotong pada lebar {width} px: {bad}"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1

    for title in CHART_TABS:
        _open_tab(page, title)
        page.wait_for_function(VISIBLE_PLOT)
        page.wait_for_function("""() => [...document.querySelectorAll('.p3pd-app .js-plotly-plot')]
            .filter(p => p.offsetParent !== null).every(p => p.querySelector('.gtitle'))""")
        page.wait_for_timeout(300)  # plotly's resize to the now visible tab
        charts = page.evaluate(CHART_BOXES)
        assert any(c["title"] and c["legend"] for c in charts), (title, charts)  # not true by having no legend
        for c in charts:
            if c["title"] and c["legend"]:
                assert not _overlap(c["title"], c["legend"]), (title, width, c)
            notes = c["notes"]  # panel titles of small multiples, labels: none written over another
            clash = [(a, b) for i, a in enumerate(notes) for b in notes[i + 1:] if _overlap(a, b)]
            assert not clash, (title, width, clash[:3])
            if c["title"]:  # the whole title inside its chart
                assert c["title"]["x"] + c["title"]["w"] <= c["plot"]["x"] + c["plot"]["w"] + 1, (title, width, c)
                assert c["title"]["y"] >= c["plot"]["y"] - 1, (title, width, c)
        page.screenshot(path=str(ARTIFACTS / f"tata_letak_{width}_{title.lower().replace(' ', '_')}.png"))
    assert not [e for e in watch.errors if "plotly" in e.lower() or "widget" in e.lower()], watch.errors
    close_page(page)
