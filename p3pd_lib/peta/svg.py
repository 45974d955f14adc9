"""A small locator map as inline SVG: for printed pages (Bahan Musdes) that carry no script.

Black and white readable: the other regions are white with grey outlines, the
highlighted one is hatched with a thick black outline and named; simulated
shapes say so on the map.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np

from .maps import SIMULASI_NOTE


def _path(geom: Any, project: Any) -> str:
    """SVG path data of every exterior ring of a (multi)polygon."""
    import shapely

    parts = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        xy = project(shapely.get_coordinates(poly.exterior))
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)


def locator_svg(boundaries: Any, kode: str, *, width: int = 170, height: int = 130) -> str:
    """Inline SVG of the regions of ``boundaries`` with region ``kode`` highlighted ('' when it has no shape).

    >>> import geopandas as gpd, shapely
    >>> b = gpd.GeoDataFrame({"kode": ["1", "2"], "nama": ["A<", "B"]},
    ...     geometry=[shapely.box(110, -7, 110.01, -6.99), shapely.box(110.01, -7, 110.02, -6.99)], crs="EPSG:4326")
    >>> s = locator_svg(b, "1")
    >>> s.startswith("<svg") and s.count("<path") == 2 and "A&lt;" in s and "data-kode='1'" in s
    True
    >>> locator_svg(b, "9")
    ''
    """
    import shapely

    if boundaries is None or len(boundaries) == 0 or kode not in set(boundaries["kode"].astype(str)):
        return ""
    minx, miny, maxx, maxy = boundaries.total_bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = max((maxx - minx) * kx, 1e-9), max(maxy - miny, 1e-9)
    pad = 4.0
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad - 12) / span_y)
    ox = (width - span_x * scale) / 2

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([ox + (xy[:, 0] - minx) * kx * scale, pad + (maxy - xy[:, 1]) * scale])

    geoms = shapely.simplify(np.asarray(boundaries.geometry.values), 0.75 / scale / kx, preserve_topology=True)
    mine = (boundaries["kode"].astype(str) == kode).to_numpy()
    nama = html.escape(str(boundaries.loc[mine, "nama"].iloc[0]))
    others = "".join(_path(g, project) for g in geoms[~mine])
    own = "".join(_path(g, project) for g in geoms[mine])
    px, py = project(shapely.get_coordinates(shapely.point_on_surface(geoms[mine][0])))[0]
    simulasi = bool(boundaries["simulasi"].any()) if "simulasi" in boundaries.columns else False
    note = (f"<text x='{width / 2:.0f}' y='{height - 2}' text-anchor='middle' font-size='7' font-weight='bold'>"
            f"{html.escape(SIMULASI_NOTE.split(' — ')[0])}: bukan batas sebenarnya</text>") if simulasi else ""
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' class='peta-letak' data-kode='{html.escape(kode)}' "
        f"viewBox='0 0 {width} {height}' width='{width}' height='{height}' role='img' "
        f"aria-label='Letak {nama} di kecamatannya'>"
        "<defs><pattern id='arsir' width='4' height='4' patternUnits='userSpaceOnUse' patternTransform='rotate(45)'>"
        "<rect width='4' height='4' fill='#bdbdbd'/><line x1='0' y1='0' x2='0' y2='4' stroke='#111' stroke-width='1.4'/>"
        "</pattern></defs>"
        f"<path d='{others}' fill='#fff' stroke='#757575' stroke-width='0.6'/>"
        f"<path d='{own}' fill='url(#arsir)' stroke='#111' stroke-width='1.8'/>"
        f"<text x='{px:.1f}' y='{py:.1f}' text-anchor='middle' font-size='8' font-weight='bold' stroke='#fff' "
        f"stroke-width='2.5' paint-order='stroke'>{nama}</text>{note}</svg>"
    )
