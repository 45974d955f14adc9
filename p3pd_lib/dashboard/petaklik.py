"""The Peta tab's map as a plotly ``FigureWidget`` that answers clicks (plotly's public ``on_click``).

The peta package draws one filled trace per class and one point per desa carrying
its code in ``customdata`` (:func:`p3pd_lib.peta.view_map`); :func:`p3pd_lib.peta.for_clicks`
makes the nearest desa point answer hover and click anywhere on the map. A click
calls ``open_desa(kode_desa)``.
"""

from __future__ import annotations

from typing import Any, Callable


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


def map_widget(fig: Any, open_desa: Callable[[str], None]) -> Any:
    """A ``FigureWidget`` of the map ``fig`` whose desa points call ``open_desa(kode)`` when clicked."""
    import plotly.graph_objects as go

    from .. import peta

    widget = go.FigureWidget(peta.for_clicks(fig))

    def on_click(trace: Any, points: Any, _state: Any) -> None:
        kode = clicked_code(trace, points)
        if kode:
            open_desa(kode)

    for trace in widget.data:
        if trace.customdata is not None:
            trace.on_click(on_click)
    return widget
