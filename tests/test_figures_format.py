"""Figures speak Indonesian: separators, hover formats, names beside codes, legends clear of titles."""

from __future__ import annotations

import pytest

from p3pd_lib import analysis, figures, surface_check


@pytest.fixture(scope="module")
def view(demo_dataset):
    return analysis.kecamatan_view(demo_dataset, "33.07.01", tahun=2024)


def _all_figures(view):
    return {
        "skor": figures.sector_scores(view.skor_sektor), "indeks": figures.composite_index(view.indeks),
        "wilayah": figures.region_comparison(view.capaian_wilayah), "tren": figures.trend_lines(view.tren),
        "komposisi": figures.spending_composition(view.komposisi_belanja),
        "kuadran": figures.quadrant(view.kuadran, view.kuadran_split),
        "bel01": figures.basic_service_share(view.belanja), "bel07": figures.siltap_share(view.belanja),
        "kosong": figures.empty_figure(title="Kosong"),
    }


def test_every_figure_uses_indonesian_separators_and_passes_the_scanner(view):
    for name, fig in _all_figures(view).items():
        assert fig.layout.separators == ",.", name
        found = surface_check.scan_figure(fig, name)
        assert not found, surface_check.ringkas(found)


def test_bar_texts_have_a_decimal_comma(view):
    fig = figures.siltap_share(view.belanja)
    texts = [t for t in fig.data[0].text if t != "tidak ada data"]
    assert texts and all("," in t and "." not in t for t in texts)
    assert figures.composite_index(view.indeks).data[0].text[0].count(",") == 1


def test_trend_panels_name_each_indicator(view):
    fig = figures.trend_lines(view.tren)
    titles = [a.text for a in fig.layout.annotations]
    assert "Stunting (KES01)" in titles
    assert any("Prevalensi stunting balita (KES01)" in t.hovertemplate for t in fig.data)


def test_legend_sits_below_the_plot_and_the_title_makes_room(view):
    fig = figures.spending_composition(view.komposisi_belanja)
    full = fig.layout.to_plotly_json()
    legend = {**fig.layout.template.layout.legend.to_plotly_json(), **full.get("legend", {})}
    assert legend["yref"] == "container" and legend["y"] == 0 and legend["yanchor"] == "bottom"
    assert fig.layout.title.automargin is True and fig.layout.title.yref == "container"


@pytest.mark.slow
def test_legends_never_overlap_titles_in_chromium(view):
    """Drawn in headless Chromium at desktop and phone width; the boxes of title, legend and
    axis title must not intersect."""
    import plotly
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    js = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")

    def overlap(a, b):
        return bool(a and b) and not (a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
                                      or a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"])

    figs = {k: v for k, v in _all_figures(view).items() if k in ("wilayah", "tren", "komposisi", "kuadran")}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            for name, fig in figs.items():
                for width in (1280, 412):
                    page.set_content(f"<div id=g style='width:{width}px'></div><script>{js}</script>"
                                     f"<script>var f={fig.to_json()};Plotly.newPlot('g',f.data,f.layout)</script>")
                    page.wait_for_selector(".legend")
                    box = {s: (page.query_selector(s).bounding_box() if page.query_selector(s) else None)
                           for s in (".gtitle", ".legend", ".xtitle")}
                    assert not overlap(box[".gtitle"], box[".legend"]), (name, width, box)
                    assert not overlap(box[".legend"], box[".xtitle"]), (name, width, box)
            # Numbers plotly formats itself follow the separators: decimal comma, thousands dot.
            import plotly.graph_objects as go

            for value, template, expected in ((1234567.4, figures.HOVER_RUPIAH, "Rp 1.234.567"),
                                              (21.57, figures.HOVER_PERSEN, "21,6%")):
                fig = go.Figure([go.Bar(x=["a"], y=[value], texttemplate=template, textposition="inside")],
                                layout={"separators": figures.SEPARATORS})
                page.set_content(f"<div id=g style='width:600px'></div><script>{js}</script>"
                                 f"<script>var f={fig.to_json()};Plotly.newPlot('g',f.data,f.layout)</script>")
                page.wait_for_selector(".bartext")
                assert page.query_selector(".bartext").text_content() == expected
        finally:
            browser.close()
