"""Tab Tren: one sector's indicators over the years (kecamatan and kabupaten) and the desa trends."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..html import KOLOM_TAMPIL, SEKTOR_NAMA, TabContent, table_html

TITLE = "Tren"
FIGURES = True


def render(view: Any, colours: Mapping[str, str], sektor: str = "KES") -> TabContent:
    """Trend lines of the sector's indicators, then the desa trends table."""
    from ... import figures

    tren = view.tren[view.tren["sektor"] == sektor] if not view.tren.empty else view.tren
    title = f"Tren {SEKTOR_NAMA.get(sektor, sektor)}: kecamatan (garis penuh) dan kabupaten (garis putus)"
    fig = figures.trend_lines(tren, title=title, cols=3)
    fig.update_layout(legend=dict(orientation="h", y=-0.06, yanchor="top", x=0))  # not over the subplot titles
    figs = [fig]
    td = view.tren_desa
    if not td.empty:
        ids = set(view.kamus.loc[view.kamus["sektor"] == sektor, "indikator"].astype(str))
        td = td[td["indikator"].astype(str).isin(ids)]
    text = "<h3>Tren per desa</h3>" + table_html(td, KOLOM_TAMPIL["tren_desa"], kosong="Tidak ada data tren.")
    return TabContent.of(text, figs)


def tables(view: Any, sektor: str = "KES") -> dict[str, pd.DataFrame]:
    """The tab's tables for its Excel download: every sector (the whole tab)."""
    return {"Tren": view.tren, "Tren desa": view.tren_desa}
