"""The report figures: built without plotly's validation, so checked against plotly's schema here.

Every figure function is run on the demo kecamatan and kabupaten (and on empty
input); its JSON must pass plotly's full validation (``go.Figure(json)``
raises on any unknown property or bad value), carry the kit's template and
title, and render to the HTML the reports embed.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import plotly.graph_objects as go
import pytest

from p3pd_lib import analysis, figures, render


@pytest.fixture(scope="module")
def views(demo_dataset):
    return analysis.kecamatan_view(demo_dataset, "33.07.02"), analysis.kabupaten_view(demo_dataset, "33.07")


def _all_figures(view, kab) -> dict[str, go.Figure]:
    names = dict(zip(kab.kecamatan["kode_kecamatan"], kab.kecamatan["nama_kecamatan"]))
    return {
        "sector_scores": figures.sector_scores(view.skor_sektor),
        "composite_index": figures.composite_index(view.indeks),
        "region_comparison": figures.region_comparison(view.capaian_wilayah),
        "trend_lines": figures.trend_lines(view.tren),
        "spending_composition": figures.spending_composition(view.komposisi_belanja),
        "basic_service_share": figures.basic_service_share(view.belanja),
        "siltap_share": figures.siltap_share(view.belanja),
        "quadrant": figures.quadrant(view.kuadran, view.kuadran_split),
        "quadrant_without_split": figures.quadrant(view.kuadran, {}),
        "kecamatan_ranking": figures.kecamatan_ranking(kab.kecamatan, "indeks_capaian", "Peringkat", "Indeks"),
        "quadrant_counts": figures.quadrant_counts(kab.kuadran, names),
        "empty": figures.empty_figure(title="Kosong"),
        "empty_input": figures.sector_scores(view.skor_sektor.iloc[:0]),
    }


def test_every_figure_passes_plotlys_validation(views):
    for name, fig in _all_figures(*views).items():
        spec = json.loads(fig.to_json())
        try:
            go.Figure(spec)  # full validation: unknown properties and bad values raise
        except ValueError as exc:  # pragma: no cover - the message names the bad property
            pytest.fail(f"{name}: {exc}")
        layout = spec["layout"]
        assert layout["template"]["layout"]["font"]["family"].startswith("Segoe UI"), name
        assert layout["title"]["xanchor"] == "left" and layout["height"] >= 160, name


def test_figures_carry_their_data(views):
    view, _ = views
    figs = _all_figures(*views)
    bars = figs["composite_index"].data[0]
    assert bars.type == "bar" and len(bars.y) == len(view.indeks)  # one bar per desa
    assert list(bars.x) == sorted(bars.x)  # lowest index first (missing drawn as 0)
    siltap = figs["siltap_share"]
    assert siltap.layout.shapes[0].x0 == 30.0 and siltap.layout.annotations[0].text == "Batas 30%"
    q = figs["quadrant"]
    assert {s.type for s in q.layout.shapes} == {"line"} and len(q.layout.shapes) == 2
    assert sum(len(t.x) for t in q.data) == len(view.kuadran)
    assert not figs["quadrant_without_split"].layout.shapes
    assert figs["empty_input"].layout.annotations[0].text == "Tidak ada data untuk grafik ini."


def test_figures_render_to_a_div_using_the_shared_plotly(views):
    for name, fig in _all_figures(*views).items():
        html = render.Figure(fig).html()
        assert html.startswith('<div class="grafik">') and 'class="plotly-graph-div"' in html, name
        assert "cdn.plot.ly" not in html and "<script src=" not in html, name


def test_the_dashboard_can_still_change_a_figure(views):
    fig = figures.quadrant(views[0].kuadran, views[0].kuadran_split)
    fig.add_annotation(x=1, y=1, xref="paper", yref="paper", text="Prioritas", showarrow=False)
    fig.update_layout(legend=dict(y=-0.3))
    assert fig.layout.annotations[-1].text == "Prioritas" and fig.layout.legend.y == -0.3
    go.Figure(json.loads(fig.to_json()))


def test_share_against_line_without_data_is_an_empty_figure():
    fig = figures.share_against_line(pd.DataFrame({"nama_desa": [], "v": []}), "v", "Judul", 30, "Batas")
    assert fig.data == () and fig.layout.title.text == "Judul"


def test_batch_figures_are_drawn_by_the_shared_script(views, monkeypatch):
    monkeypatch.setenv(render.BATCH_ENV, "1")
    script = render.figure_script()
    assert "window.p3pdGrafik" in script and "Segoe UI" in script and '"displaylogo":false' in script
    ids = set()
    for name, fig in _all_figures(*views).items():
        bundle = render.Figure(fig)._repr_mimebundle_()
        assert set(bundle) == {"text/html", "text/plain"}, name  # no plotly JSON in the batch
        page = bundle["text/html"]
        m = re.fullmatch(r'<div class="grafik"><div id="([\w-]+)" class="plotly-graph-div" style="height:(\d+)px;width:100%"></div>'
                         r'<script>p3pdGrafik\("\1",(.*)\)</script></div>', page, re.S)
        assert m, name
        ids.add(m.group(1))
        args = m.group(3)
        assert "</" not in args, name
        data, end = json.JSONDecoder().raw_decode(args)
        layout = json.loads(args[end + 1:])
        assert "template" not in layout and int(m.group(2)) == layout["height"], name  # the template comes from the script
        go.Figure({"data": data, "layout": {**layout, "template": figures._TEMPLATE_JSON}})  # still valid
    assert len(ids) == len(_all_figures(*views))  # one id per figure


def test_show_fails_loudly_when_a_figure_cannot_be_drawn(monkeypatch):
    class Broken:
        def to_plotly_json(self):
            raise ValueError("rusak")

        def to_html(self, **_kw):
            raise ValueError("rusak")

    with pytest.raises(ValueError, match="rusak"):
        render.show(Broken())
