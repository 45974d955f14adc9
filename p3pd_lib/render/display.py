"""Figures and display in reports: plotly figures as ``<div>`` elements using the ONE shared
``plotly.min.js`` of the report folder, :func:`show` for a section, :func:`page` for pages
built outside nbconvert."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from .core import Html, esc, table

#: Set (to anything) in kernels run by the batch engine: figures are emitted as
#: HTML only, without the plotly JSON that interactive Jupyter would use.
BATCH_ENV = "P3PD_LAPORAN_BATCH"
_PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
}


# --- figures and display ----------------------------------------------------------------------


#: The report pages' shared figure script (``_aset/laporan.js``, see :func:`figure_script`).
FIGURE_SCRIPT = "laporan.js"


def figure_script() -> str:
    """The shared script of the report pages: the kit's plotly template and chart options, once.

    A batch report draws each figure with ``p3pdGrafik(id, data, layout)``; the
    template and the options are added here instead of being repeated in every
    figure of every report (≈ 1 KB per figure).
    """
    from plotly.io.json import to_json_plotly

    from ..figures import TEMPLATE_JSON

    return (
        "/* P3PD kit: draws the report figures with the kit's plotly template and options.\n"
        "   Written once per output folder (_aset/laporan.js), referenced relatively. */\n"
        "(function () {\n"
        f"  var TEMPLATE = {to_json_plotly(TEMPLATE_JSON)};\n"
        f"  var CONFIG = {to_json_plotly(_PLOTLY_CONFIG)};\n"
        "  window.p3pdGrafik = function (id, data, layout) {\n"
        "    var el = document.getElementById(id);\n"
        "    if (!el || !window.Plotly) { return; }\n"
        "    if (!layout.template) { layout.template = TEMPLATE; }\n"
        "    Plotly.newPlot(el, data, layout, CONFIG);\n"
        "  };\n"
        "})();\n"
    )


_FIGURE_IDS = iter(range(1, 1 << 62))


class Figure:
    """A plotly figure shown as an HTML ``<div>`` using the shared ``plotly.min.js``.

    In the batch (``P3PD_LAPORAN_BATCH`` set) only ``text/html`` is emitted, and
    the figure is drawn by the page's shared script (:func:`figure_script`):
    the div carries only its data and layout. In interactive Jupyter the
    figure is self-contained and the plotly JSON is added so JupyterLab draws it too.
    """

    __slots__ = ("fig",)

    def __init__(self, fig: Any) -> None:
        self.fig = fig

    def html(self) -> str:
        if os.environ.get(BATCH_ENV):
            return self._compact_html()
        div = self.fig.to_html(full_html=False, include_plotlyjs=False, config=_PLOTLY_CONFIG, default_width="100%")
        return f'<div class="grafik">{div}</div>'

    def _compact_html(self) -> str:
        from ..figures import TEMPLATE_JSON

        spec = self.fig.to_plotly_json()
        layout = dict(spec.get("layout") or {})
        if layout.get("template") == TEMPLATE_JSON:
            del layout["template"]  # the shared script adds it
        height = layout.get("height") or 450
        # Unique within a page (one kernel renders a whole report); plotly's own ids are 36-character UUIDs.
        gid = f"g{os.getpid():x}-{next(_FIGURE_IDS):x}"
        return (
            f'<div class="grafik"><div id="{gid}" class="plotly-graph-div" style="height:{int(height)}px;width:100%"></div>'
            f'<script>p3pdGrafik("{gid}",{_script_json(spec.get("data") or [])},{_script_json(layout)})</script></div>'
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/html": self.html(), "text/plain": "<Grafik>"}
        if not os.environ.get(BATCH_ENV):
            bundle["application/vnd.plotly.v1+json"] = self.fig.to_plotly_json()
        return bundle


def _script_json(obj: Any) -> str:
    """Compact JSON safe inside a ``<script>`` element.

    Only ``</`` and ``<!--`` can end or confuse a script element; plotly's own
    encoder escapes every ``<``, ``>`` and ``/``, which made each hover template
    several times longer.

    >>> print(_script_json({"h": "%{y}<br></script><!--"}))
    {"h":"%{y}<br><\\/script><\\u0021--"}
    """
    import json

    from plotly.utils import PlotlyJSONEncoder

    text = json.dumps(obj, cls=PlotlyJSONEncoder, separators=(",", ":"), ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


def figure(fig: Any) -> Figure:
    """Wrap a plotly figure for display in a report."""
    return Figure(fig)


def show(*objs: Any) -> None:
    """Display HTML pieces, plotly figures and DataFrames in order (one call per section)."""
    from IPython.display import display

    for obj in objs:
        if obj is None:
            continue
        if hasattr(obj, "to_plotly_json"):
            obj = Figure(obj)
        elif isinstance(obj, pd.DataFrame):
            obj = table(obj)
        elif isinstance(obj, str):
            obj = Html(obj)
        if isinstance(obj, Figure):
            # Rendered here rather than by IPython's formatter, which would swallow an error and
            # leave a text placeholder: a figure that cannot be drawn must fail the report's cell.
            display(obj._repr_mimebundle_(), raw=True)
        else:
            display(obj)


def page(title: str, body: str, aset: str = "_aset", lang: str = "id") -> str:
    """A complete HTML page using the shared CSS (for pages built outside nbconvert, e.g. the index)."""
    return (
        f'<!DOCTYPE html><html lang="{esc(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)}</title><link rel="stylesheet" href="{esc(aset)}/laporan.css"></head>'
        f'<body><main class="laporan">{body}</main></body></html>'
    )
