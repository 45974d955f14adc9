"""HTML building blocks of the reports: tables with traffic-light cells, badges, stamps, figures.

Everything a report shows besides the figures' data is built here, so the notebooks
stay prose plus one call per section. Every piece of data text goes through
:func:`esc` (``html.escape``): names of desa, findings and proposals come from
user files and must never be able to inject markup into a report.

The functions return :class:`Html` objects (displayed by Jupyter through
``_repr_html_``); :func:`show` displays several at once and also accepts
plotly figures (rendered as a ``<div>`` that uses the ONE shared
``plotly.min.js`` of the report folder, see :func:`figure`).

Four modules, one public namespace (``from p3pd_lib import render``):
:mod:`~p3pd_lib.render.core` (escaping, number formats, tables, identity, stamp,
friendly workshop tables), :mod:`~p3pd_lib.render.grids` (the report sections'
blocks), :mod:`~p3pd_lib.render.summary` (the printed report's two-page summary and per-desa
agenda) and :mod:`~p3pd_lib.render.display` (figures, :func:`show`, :func:`page`).

>>> fmt_persen(21.57), str(esc("<A>"))
('21,6%', '&lt;A&gt;')
"""

from .core import (
    KELAS,
    LABEL_KELAS,
    Html,
    badge_simulasi,
    esc,
    fmt_angka,
    fmt_persen,
    fmt_rupiah,
    friendly_table,
    heading,
    identity,
    kelas_legend,
    key_figures,
    note,
    screen_only,
    stamp,
    table,
    use_friendly_tables,
)
from .display import BATCH_ENV, FIGURE_SCRIPT, Figure, figure, figure_script, page, show
from .grids import (
    WARNA_KELAS_USULAN,
    agenda_table,
    findings_summary,
    findings_table,
    indicator_dictionary,
    kecamatan_table,
    need_demand_counts,
    need_demand_grid,
    need_demand_legend,
    rules_summary,
    rules_table,
    split_values,
    traffic_light_table,
    trend_summary,
    wide_counts,
)
from .summary import agenda_per_desa, agenda_top_per_desa, desa_attention, kecamatan_summary, screen_only_block

__all__ = [
    "BATCH_ENV", "FIGURE_SCRIPT", "KELAS", "LABEL_KELAS", "WARNA_KELAS_USULAN", "Figure", "Html", "agenda_per_desa",
    "agenda_table", "agenda_top_per_desa", "desa_attention", "kecamatan_summary", "screen_only_block",
    "badge_simulasi", "esc", "figure", "figure_script", "findings_summary", "findings_table", "fmt_angka",
    "fmt_persen", "fmt_rupiah", "friendly_table", "heading", "identity", "indicator_dictionary", "kecamatan_table",
    "kelas_legend", "key_figures", "need_demand_counts", "need_demand_grid", "need_demand_legend", "note", "page",
    "rules_summary", "rules_table", "screen_only", "show", "split_values", "stamp", "table", "traffic_light_table",
    "trend_summary", "use_friendly_tables", "wide_counts",
]
