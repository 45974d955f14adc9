"""The Peta tab's map: drawn like every other chart, plus a tiny widget that reports clicks.

The map is a plotly figure in an ``Output`` (drawn by the plotly lab extension the page
already has, like the other tabs' charts). A plotly ``FigureWidget`` is not used: with
plotly 6–7 each one sends its 5 MB JavaScript bundle (anywidget ``_esm``) over the
websocket and the browser imports it again, ≈ 2 s per drawing (measured by
``benchmarks/bench_peta_dashboard.py``). Instead :class:`KlikPeta`, an anywidget of a few
lines, listens to plotly's public ``plotly_click`` event of the map next to it and sends
the clicked desa code (``customdata`` of the desa points, :func:`p3pd_lib.peta.view_map`)
to the kernel; :func:`p3pd_lib.peta.for_clicks` makes the nearest desa point answer a
click anywhere on the map. A click calls ``open_desa(kode_desa)``.
"""

from __future__ import annotations

from typing import Any, Callable

import anywidget
import ipywidgets as W

#: Finds the drawn map in the same box and sends each click's desa code (anywidget ``model.send``).
KLIK_JS = """
export default {
  render({ model, el }) {
    let seen = null;
    const attach = () => {
      const box = el.closest(".p3pd-peta-klik");
      const gd = box && box.querySelector(".js-plotly-plot");
      if (!gd || gd === seen || typeof gd.on !== "function") return;
      seen = gd;
      gd.on("plotly_click", (ev) => {
        const p = ev && ev.points && ev.points[0];
        const kode = p && p.customdata;
        if (typeof kode === "string" && kode) model.send({ kode });
      });
    };
    const id = setInterval(attach, 150);
    return () => clearInterval(id);
  },
};
"""


class KlikPeta(anywidget.AnyWidget):
    """Reports a click on a desa of the map in the same :class:`MapView` (a ``{"kode": ...}`` message)."""

    _esm = KLIK_JS


def clicked_code(trace: Any, points: Any) -> str | None:
    """The desa code of a click (``points``: :class:`plotly.callbacks.Points`), ``None`` off a desa point.

    >>> import plotly.graph_objects as go
    >>> from plotly.callbacks import Points
    >>> t = go.Scatter(x=[0, 1], y=[0, 1], customdata=["33.07.01.2001", "33.07.01.2002"])
    >>> clicked_code(t, Points(point_inds=[1], xs=[1], ys=[1], trace_name="", trace_index=0))
    '33.07.01.2002'
    >>> clicked_code(t, Points(point_inds=[], xs=[], ys=[], trace_name="", trace_index=0)) is None
    True
    """
    data = trace.customdata
    inds = [i for i in (points.point_inds or []) if isinstance(i, int)]
    if data is None or not inds or inds[0] >= len(data):
        return None
    value = data[inds[0]]
    value = value[0] if isinstance(value, (list, tuple)) and value else value
    return str(value) if isinstance(value, str) and value else None


class MapView(W.VBox):
    """The drawn map (``Output``) and its :class:`KlikPeta`; ``figure`` is the map as drawn.

    A click reported by the browser, or one dispatched to a trace of ``figure``
    (plotly's ``on_click`` callbacks, e.g. in tests), calls ``open_desa`` with the
    desa code when it is one of the map's desa.
    """

    def __init__(self, fig: Any, open_desa: Callable[[str], None], **kwargs: Any):
        from .. import peta
        from .html import fig_bundle

        self.figure = peta.for_clicks(fig)
        self._open_desa = open_desa
        self.codes = {str(c) for t in self.figure.data if t.customdata is not None for c in t.customdata}
        out = W.Output()
        out.outputs = (fig_bundle(self.figure),)
        klik = KlikPeta(layout=W.Layout(height="0px", overflow="hidden"))
        klik.on_msg(lambda _w, content, _buffers: self.open_desa(str((content or {}).get("kode") or "")))
        for trace in self.figure.data:
            if trace.customdata is not None:
                trace.on_click(lambda trace, points, _state: self.open_desa(clicked_code(trace, points) or ""))
        super().__init__([out, klik], **kwargs)
        self.add_class("p3pd-peta-klik")

    def open_desa(self, kode: str) -> None:
        """Open the Bahan Musdes of desa ``kode`` when it is on this map (anything else is ignored)."""
        if kode in self.codes:
            self._open_desa(kode)

    def close(self) -> None:
        for child in self.children:
            child.close()
        super().close()


def map_widget(fig: Any, open_desa: Callable[[str], None]) -> MapView:
    """The map ``fig`` drawn offline in a box whose desa call ``open_desa(kode)`` when clicked."""
    return MapView(fig, open_desa)
