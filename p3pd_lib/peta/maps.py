"""Maps drawn offline: polygons as plotly ``scatter`` traces with ``fill="toself"``.

No tiles, no CDN, no geo subplot (plotly's ``Choropleth`` fetches its base map
from the internet and draws nothing offline; ``Choroplethmap`` needs map tiles):
each polygon is a filled line trace on hidden axes whose scale is locked
(``scaleanchor``), so the map is drawn by the same ``plotly.min.js`` as every
other figure of a report.

Input: boundaries (``kode, nama, geometry`` in WGS84, e.g.
:func:`p3pd_lib.peta.read_boundaries`) and a *layer*: one row per code with
``kode, kelas, label_kelas, nilai_teks`` (see :mod:`.layers`). ``kelas`` is one
of :data:`WARNA`; every class also has a fill pattern and a legend entry, and
each polygon's hover text names the region and its value, so colour is never
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

from ..figures import TEMPLATE, WARNA_KELAS, WARNA_TINGKAT

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


def _polygon_trace(x: list, y: list, kelas: str, label: str, hover: str, first: bool, kode: str = "") -> dict[str, Any]:
    trace: dict[str, Any] = {"meta": kode,
        "type": "scatter", "x": x, "y": y, "mode": "lines", "fill": "toself",
        "fillcolor": WARNA[kelas], "line": {"color": "white", "width": 0.8},
        "hoveron": "fills", "text": hover, "hoverinfo": "text",
        "name": label, "legendgroup": kelas, "showlegend": first,
    }
    if POLA.get(kelas):
        trace["fillpattern"] = {"shape": POLA[kelas], "bgcolor": WARNA[kelas], "fgcolor": "#ffffff", "fgopacity": 0.6,
                                "size": 7, "solidity": 0.3}
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
    """A map of ``boundaries`` coloured by the classes of ``layer`` (one trace per polygon, one legend entry per class).

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
    df.loc[df["kelas"] == "abu", "label_kelas"] = NO_DATA
    rank = {k: i for i, k in enumerate(URUTAN)}
    traces: list[dict[str, Any]] = []
    seen: set[str] = set()
    # Legend in class order; within it the larger polygons first, so an enclave is drawn over its neighbour.
    for r in df.assign(_r=df["kelas"].map(rank)).sort_values(["_r", "area"], ascending=[True, False]).itertuples():
        x, y = _rings(r.geom)
        hover = f"<b>{_esc(r.nama)}</b><br>Nilai: {_esc(r.nilai_teks)}"
        if str(r.nilai_teks) != str(r.label_kelas):
            hover += f"<br>{_esc(r.label_kelas)}"
        traces.append(_polygon_trace(x, y, r.kelas, str(r.label_kelas), hover, r.kelas not in seen, r.kode))
        seen.add(r.kelas)
    if label_wilayah and len(df) <= 80:
        pts = shapely.get_coordinates(shapely.point_on_surface(np.asarray(df["geom"])))
        traces.append({"type": "scatter", "x": np.round(pts[:, 0], 4).tolist(), "y": np.round(pts[:, 1], 4).tolist(),
                       "mode": "text", "text": [_esc(n) for n in df["nama"]], "textfont": {"size": 9, "color": "#212121"},
                       "hoverinfo": "skip", "showlegend": False})
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
    traces = []
    first = {"netral": True, "sorot": True}
    for k, g in zip(boundaries["kode"], geoms):
        kelas = "sorot" if k == kode else "netral"
        x, y = _rings(g)
        label = f"Desa {nama}" if kelas == "sorot" else "Desa lain di kecamatan"
        name = str(boundaries.loc[boundaries["kode"] == k, "nama"].iloc[0])
        traces.append(_polygon_trace(x, y, kelas, label, f"<b>{_esc(name)}</b>", first[kelas], str(k)))
        first[kelas] = False
    traces.sort(key=lambda t: t["legendgroup"] == "sorot")  # the highlighted desa on top
    traces[-1]["line"] = {"color": "#212121", "width": 2}
    pt = shapely.get_coordinates(shapely.point_on_surface(boundaries.loc[boundaries["kode"] == kode].geometry.values))[0]
    traces.append({"type": "scatter", "x": [round(float(pt[0]), 4)], "y": [round(float(pt[1]), 4)], "mode": "text",
                   "text": [f"<b>{_esc(nama)}</b>"], "textposition": "top center", "hoverinfo": "skip",
                   "showlegend": False, "textfont": {"size": 11, "color": "#212121"}})
    simulasi = bool(boundaries["simulasi"].any()) if "simulasi" in boundaries.columns else False
    return _map_figure(traces, title or f"Letak Desa {nama}", boundaries.total_bounds, simulasi, [], height,
                       legend_title="")


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
        "title": {"text": (f"{title} ({SIMULASI_NOTE.split(' — ')[0]})" if simulasi else title), "x": 0, "xanchor": "left",
                  "font": {"size": 15}},
        "height": height,
        "xaxis": {**axis, "range": [minx - (maxx - minx) * 0.02, maxx + (maxx - minx) * 0.02]},
        "yaxis": {**axis, "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(lat))},
        "legend": {"orientation": "v", "x": 1.0, "xanchor": "left", "y": 1, "yanchor": "top", "title": {"text": legend_title}},
        "margin": {"l": 10, "r": 10, "t": 70 if simulasi else 50, "b": 20 + 22 * len(notes)},
        "annotations": annotations,
        "hovermode": "closest",
        "dragmode": "pan",
    }
    return go.Figure(data=traces, layout=layout, _validate=False)
