"""Maps (peta) from the office's own desa boundaries, drawn offline.

- :func:`import_boundaries` (``p3pd peta impor``): Shapefile (zipped or not),
  GeoPackage or GeoJSON of desa or kecamatan polygons → checked, reprojected
  to WGS84, matched to official codes, stored as GeoParquet in the data folder
  (:mod:`.source`, :mod:`.matching`, :mod:`.importing`, :mod:`.storage`).
- :func:`choropleth`, :func:`locator` (:mod:`.maps`) and the layers of
  :mod:`.layers`: plotly figures that need no tiles, CDN or network.
- :func:`kecamatan_map`, :func:`kabupaten_map`, :func:`desa_locator`
  (:mod:`.views`): one call per report cell; :func:`map_choices` and
  :func:`view_map` for a dashboard Peta tab (pick what to colour).
- :func:`store_simulated_boundaries` (:mod:`.simulated`): "PETA SIMULASI"
  shapes for the demo data.
"""

from __future__ import annotations

from .importing import BoundaryImport, import_boundaries
from .layers import indicator_layer, need_layer, quadrant_layer, score_layer, sector_layer
from .maps import choropleth, for_clicks, locator
from .simulated import simulated_boundaries, store_simulated_boundaries
from .storage import read_boundaries, read_mapping
from .svg import locator_svg
from .views import desa_boundaries, desa_locator, dissolve_kecamatan, kabupaten_map, kecamatan_map, map_choices, view_map

__all__ = [
    "BoundaryImport", "import_boundaries", "indicator_layer", "need_layer", "quadrant_layer", "score_layer",
    "sector_layer", "choropleth", "for_clicks", "locator", "locator_svg", "simulated_boundaries", "store_simulated_boundaries", "read_boundaries",
    "read_mapping", "desa_boundaries", "desa_locator", "dissolve_kecamatan", "kabupaten_map", "kecamatan_map", "map_choices", "view_map",
]
