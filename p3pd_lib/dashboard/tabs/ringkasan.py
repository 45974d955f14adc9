"""Tab Ringkasan: key figures, the composite index and village status, two HTML charts."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..html import KOLOM_TAMPIL, TabContent, class_counts_chart_html, index_chart_html, table_html, view_bands

TITLE = "Ringkasan"


def key_figures(ringkasan: pd.DataFrame) -> pd.DataFrame:
    """The key figures as shown: a missing value carries no unit ("tidak ada data", not "tidak ada data %").

    >>> key_figures(pd.DataFrame({"nilai": ["tidak ada data %", "19,6 %", "– Rp"]}))["nilai"].tolist()
    ['tidak ada data', '19,6 %', '–']
    """
    if ringkasan.empty or "nilai" not in ringkasan.columns:
        return ringkasan
    nilai = ringkasan["nilai"].astype("string").str.replace(r"^\s*(?:Rp\s*)?(tidak ada data|–)\s*(?:%|Rp|desa|jiwa)?\s*$",
                                                            r"\1", regex=True)
    return ringkasan.assign(nilai=nilai)


def render(view: Any, colours: Mapping[str, str]) -> TabContent:
    """Key figures, village status, classes per sector (charts in plain HTML: the first view needs no plotly.js)."""
    parts = ["<h3>Angka kunci</h3>", table_html(key_figures(view.ringkasan))]
    if not view.indeks.empty:
        parts += ["<h3>Indeks Capaian Layanan Dasar per desa</h3>",
                  table_html(view.indeks.sort_values("indeks_capaian", na_position="last"), KOLOM_TAMPIL["indeks"])]
    if not view.status_desa.empty:
        parts += ["<h3>Status desa (IDM / Indeks Desa)</h3>", table_html(view.status_desa, KOLOM_TAMPIL["status_desa"])]
    charts = "".join((class_counts_chart_html(view.capaian, colours, pita=view_bands(view)), index_chart_html(view.indeks)))
    return TabContent.of(f"<div class='p3pd-grafik-baris'>{charts}</div>" + "".join(parts))


def tables(view: Any) -> dict[str, pd.DataFrame]:
    """The tab's tables for its Excel download."""
    return {"Ringkasan": view.ringkasan, "Indeks capaian": view.indeks, "Status desa": view.status_desa}
