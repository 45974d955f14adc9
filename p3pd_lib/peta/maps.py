"""Maps drawn offline: polygons as plotly ``scatter`` traces with ``fill="toself"``.

No tiles, no CDN, no geo subplot (plotly's ``Choropleth`` fetches its base map
from the internet and draws nothing offline; ``Choroplethmap`` needs map tiles):
the polygons of each class are one filled line trace (one closed ring per
region) on hidden axes whose scale is locked (``scaleanchor``), so the map is
drawn by the same ``plotly.min.js`` as every other figure of a report. A point
inside each region carries its name, hover text and code (for a click).
Geometry is simplified to one pixel of a 480-pixel map and written with five
decimals, which keeps a kecamatan map of 86 desa near 20 KB of report HTML.

Input: boundaries (``kode, nama, geometry`` in WGS84, e.g.
:func:`p3pd_lib.peta.read_boundaries`) and a *layer*: one row per code with
``kode, kelas, label_kelas, nilai_teks`` (see :mod:`.layers`). ``kelas`` is one
of :data:`WARNA`; every class also has a fill pattern and a legend entry, and
each region's hover text names it and its value, so colour is never
the only signal. A region without a value is grey ("Tidak ada data / tidak ada
batas"); regions with a value but no boundary are listed under the map.

>>> import geopandas as gpd, pandas as pd, shapely
>>> b = gpd.GeoDataFrame({"kode": ["1", "2"], "nama": ["A", "B"]},
...     geometry=[shapely.box(110, -7, 110.01, -6.99), shapely.box(110.01, -7, 110.02, -6.99)], crs="EPSG:4326")
>>> fig = choropleth(b, pd.DataFrame({"kode": ["1"], "kelas": ["hijau"], "label_kelas": ["Tercapai"],
...                                   "nilai_teks": ["91,0%"]}), "Contoh")
>>> [t.name for t in fig.data if t.fill == "toself"]
['Tercapai', 'Tidak ada data / tidak ada batas']
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..figures import SEPARATORS, TEMPLATE, WARNA_KELAS, WARNA_TINGKAT

#: Fill colour of each map class (the kit's traffic light, plus blue and a neutral grey).
WARNA: dict[str, str] = {
    "hijau": WARNA_KELAS["hijau"],
    "kuning": WARNA_KELAS["kuning"],
    "merah": WARNA_KELAS["merah"],
    "biru": WARNA_TINGKAT["kecamatan"],
    "netral": "#cfd8dc",
    "sorot": "#c62828",
    "abu": WARNA_KELAS["abu"],
}
#: Fill pattern of each class (so the classes differ without colour too, e.g. printed in black and white).
POLA: dict[str, str] = {"hijau": "", "kuning": "/", "merah": "x", "biru": "-", "netral": "", "sorot": "", "abu": "."}
#: Legend order of the classes.
URUTAN = ("merah", "kuning", "hijau", "biru", "netral", "sorot", "abu")
NO_DATA = "Tidak ada data / tidak ada batas"
SIMULASI_NOTE = "PETA SIMULASI — bentuk wilayah bukan batas sebenarnya"
#: Width (pixels) the map is simplified for: one pixel of a map this wide is the simplification tolerance.
MAP_PIXELS = 480
#: Above this many regions the names are not written on the map (hover still names them).
MAX_LABELS = 80
_DECIMALS = 5  # ≈ 1 m: coordinates written with 5 decimals
_TEMPLATE = TEMPLATE.to_plotly_json()


def _tolerance(bounds: Iterable[float], pixels: int = MAP_PIXELS) -> float:
    """Simplification tolerance (degrees): one pixel of the map's larger side."""
    minx, miny, maxx, maxy = bounds
    return max(maxx - minx, maxy - miny, 1e-6) / pixels


def _rings(geom: Any) -> tuple[list[float | None], list[float | None]]:
    """x and y of every exterior ring of a (multi)polygon, rings separated by ``None``."""
    import shapely

    xs: list[float | None] = []
    ys: list[float | None] = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        xy = np.round(shapely.get_coordinates(part.exterior), _DECIMALS)
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(xy[:, 0].tolist())
        ys.extend(xy[:, 1].tolist())
    return xs, ys


def _class_trace(geoms: Iterable[Any], kelas: str, label: str) -> dict[str, Any]:
    """One filled trace holding every polygon of a class (rings separated by ``None``; each ring filled)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for g in geoms:
        x, y = _rings(g)
        if xs and x:
            xs.append(None)
            ys.append(None)
        xs.extend(x)
        ys.extend(y)
    trace: dict[str, Any] = {
        "type": "scatter", "x": xs, "y": ys, "mode": "lines", "fill": "toself",
        "fillcolor": WARNA[kelas], "line": {"color": "white", "width": 0.8},
        "hoveron": "fills", "hoverinfo": "name", "hoverlabel": {"namelength": -1}, "name": label, "legendgroup": kelas,
    }
    if POLA.get(kelas):
        trace["fillpattern"] = {"shape": POLA[kelas], "bgcolor": WARNA[kelas], "fgcolor": "#ffffff", "fgopacity": 0.6,
                                "size": 7, "solidity": 0.3}
    return trace


def _point_trace(geoms: Iterable[Any], kode: list[str], names: list[str], hover: list[str], labels: bool,
                 size: int = 9) -> dict[str, Any]:
    """A point inside each region carrying its name (written on the map), its hover text and its code.

    The polygons of a class share one trace, so a fill's hover can only name the class; the
    region's own hover (name, value, class) and its code (``customdata``, for a click) sit here.
    """
    import shapely

    pts = np.round(shapely.get_coordinates(shapely.point_on_surface(np.asarray(list(geoms), dtype=object))), 4)
    trace: dict[str, Any] = {
        "type": "scatter", "x": pts[:, 0].tolist(), "y": pts[:, 1].tolist(), "customdata": kode,
        "hovertext": hover, "hoverinfo": "text", "showlegend": False,
    }
    if labels:
        trace.update(mode="text", text=[_esc(n) for n in names], textfont={"size": size, "color": "#212121"})
    else:
        trace.update(mode="markers", marker={"size": 4, "color": "#212121", "opacity": 0.5})
    return trace


def choropleth(
    boundaries: Any,
    layer: pd.DataFrame,
    title: str,
    *,
    simulasi: bool | None = None,
    label_wilayah: bool = True,
    height: int = 520,
    catatan: str = "",
) -> go.Figure:
    """A map of ``boundaries`` coloured by the classes of ``layer`` (one trace and one legend entry per class).

    ``simulasi`` (default: any boundary row has ``simulasi`` true) writes
    "PETA SIMULASI" on the map; ``label_wilayah`` writes each region's name on it;
    ``catatan`` is printed under the map (e.g. how the classes were chosen).
    """
    import shapely

    from ..figures import empty_figure

    if boundaries is None or len(boundaries) == 0:
        return empty_figure("Belum ada batas wilayah untuk peta ini (impor dengan: p3pd peta impor BERKAS).", title)
    if simulasi is None:
        simulasi = bool(boundaries["simulasi"].any()) if "simulasi" in boundaries.columns else False
    lay = layer.drop_duplicates("kode").set_index("kode")
    tol = _tolerance(boundaries.total_bounds)
    geoms = shapely.simplify(np.asarray(boundaries.geometry.values), tol, preserve_topology=True)
    df = pd.DataFrame({"kode": boundaries["kode"].astype(str).to_numpy(), "nama": boundaries["nama"].astype(str).to_numpy(),
                       "area": shapely.area(geoms)}).assign(geom=list(geoms))
    df = df.join(lay[["kelas", "label_kelas", "nilai_teks"]], on="kode")
    missing = df["kelas"].isna() | ~df["kelas"].isin(list(WARNA))
    df.loc[missing, ["kelas", "label_kelas"]] = ["abu", NO_DATA]
    df["nilai_teks"] = df["nilai_teks"].fillna("tidak ada data")
    df["label_kelas"] = df["label_kelas"].fillna(NO_DATA).replace({"Tidak ada data": NO_DATA})
    rank = {k: i for i, k in enumerate(URUTAN)}
    # Legend in class order; within a class the larger polygons first, so an enclave is drawn over its neighbour.
    df = df.assign(_r=df["kelas"].map(rank)).sort_values(["_r", "label_kelas", "area"], ascending=[True, True, False])
    traces = [_class_trace(part["geom"], kelas, label)
              for (_, kelas, label), part in df.groupby(["_r", "kelas", "label_kelas"], sort=True)]
    hover = [f"<b>{_esc(n)}</b><br>Nilai: {_esc(v)}" + (f"<br>{_esc(c)}" if str(v) != str(c) else "")
             for n, v, c in zip(df["nama"], df["nilai_teks"], df["label_kelas"])]
    traces.append(_point_trace(df["geom"], df["kode"].tolist(), df["nama"].tolist(), hover,
                               label_wilayah and len(df) <= MAX_LABELS))
    notes = []
    no_shape = sorted(set(lay.index) - set(df["kode"]))
    if no_shape:
        names = [str(lay.at[k, "nama"]) if "nama" in lay.columns else k for k in no_shape]
        notes.append(f"Tanpa batas di peta ({len(no_shape)}): " + ", ".join(names[:12]) + (" …" if len(names) > 12 else ""))
    if catatan:
        notes.append(catatan)
    return _map_figure(traces, title, boundaries.total_bounds, simulasi, notes, height)


def locator(boundaries: Any, kode: str, title: str | None = None, *, height: int = 300) -> go.Figure:
    """A small map of the surrounding regions with one region highlighted (e.g. a desa in its kecamatan)."""
    import shapely

    from ..figures import empty_figure

    if boundaries is None or len(boundaries) == 0 or kode not in set(boundaries["kode"]):
        return empty_figure("Batas desa ini belum ada (impor dengan: p3pd peta impor BERKAS).", title or "Letak desa")
    nama = str(boundaries.loc[boundaries["kode"] == kode, "nama"].iloc[0])
    geoms = shapely.simplify(np.asarray(boundaries.geometry.values), _tolerance(boundaries.total_bounds, 240),
                             preserve_topology=True)
    mine = (boundaries["kode"] == kode).to_numpy()
    traces = [_class_trace(geoms[~mine], "netral", "Desa lain di kecamatan"),
              {**_class_trace(geoms[mine], "sorot", f"Desa {nama}"), "line": {"color": "#212121", "width": 2}}]
    traces.append(_point_trace(geoms[mine], [kode], [nama], [f"<b>{_esc(nama)}</b>"], True, 11))
    simulasi = bool(boundaries["simulasi"].any()) if "simulasi" in boundaries.columns else False
    return _map_figure(traces, title or f"Letak Desa {nama}", boundaries.total_bounds, simulasi, [], height,
                       legend_title="")


def for_clicks(fig: Any) -> go.Figure:
    """A copy of a :func:`choropleth` whose region points answer hover and click anywhere on the map.

    The class fills stop taking the hover (they can name only their class); the
    nearest region point answers instead, with no distance limit, so a click
    anywhere lands on the region whose name the hover box shows (its code in
    ``customdata``), e.g. for a dashboard that opens the clicked desa.

    >>> import plotly.graph_objects as go
    >>> f = for_clicks(go.Figure([go.Scatter(x=[0, 1, 0], fill="toself", hoveron="fills"),
    ...                           go.Scatter(x=[0.3], customdata=["1"])]))
    >>> [t.hoverinfo for t in f.data], f.layout.hoverdistance
    (['skip', None], -1)
    """
    out = go.Figure(fig)
    for trace in out.data:
        if getattr(trace, "fill", None) == "toself":
            trace.update(hoverinfo="skip", hoveron="points")
    out.update_layout(hoverdistance=-1, dragmode=False)
    return out


def _esc(text: Any) -> str:
    import html

    return html.escape(str(text), quote=False)


def _map_figure(traces: list[dict[str, Any]], title: str, bounds: Iterable[float], simulasi: bool, notes: list[str],
                height: int, legend_title: str = "Kelas") -> go.Figure:
    minx, miny, maxx, maxy = bounds
    lat = (miny + maxy) / 2
    annotations = []
    if simulasi:
        annotations.append({"text": f"<b>{SIMULASI_NOTE}</b>", "xref": "paper", "yref": "paper", "x": 0.5, "y": 1.0,
                            "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                            "font": {"size": 12, "color": "#b71c1c"}, "bgcolor": "#fff3e0"})
    for i, text in enumerate(notes):
        annotations.append({"text": _esc(text), "xref": "paper", "yref": "paper", "x": 0, "y": -0.02 - 0.06 * i,
                            "xanchor": "left", "yanchor": "top", "showarrow": False, "font": {"size": 11, "color": "#616161"},
                            "align": "left"})
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    layout = {
        "template": _TEMPLATE,
        "separators": SEPARATORS,
        "title": {"text": (f"{title} ({SIMULASI_NOTE.split(' — ')[0]})" if simulasi else title), "x": 0, "xanchor": "left",
                  "font": {"size": 15}},
        "height": height,
        "xaxis": {**axis, "range": [minx - (maxx - minx) * 0.02, maxx + (maxx - minx) * 0.02]},
        "yaxis": {**axis, "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(lat))},
        "legend": {"orientation": "v", "x": 1.0, "xanchor": "left", "y": 1, "yanchor": "top", "title": {"text": legend_title}},
        "margin": {"l": 10, "r": 10, "t": 70 if simulasi else 50, "b": 20 + 22 * len(notes)},
        "annotations": annotations,
        "hovermode": "closest",
        "hoverdistance": 40,
        "dragmode": "pan",
    }
    return go.Figure(data=traces, layout=layout, _validate=False)
