"""Tab Kualitas Data: the data-quality findings of the kecamatan, counted by level."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..html import KOLOM_TAMPIL, TabContent, table_html

TITLE = "Kualitas Data"


def render(view: Any, colours: Mapping[str, str]) -> TabContent:
    """Counts per level, then every finding."""
    k = view.kualitas
    parts = ["<h3>Temuan kualitas data</h3>"]
    if not k.empty and "tingkat" in k.columns:
        counts = k["tingkat"].value_counts().rename_axis("tingkat").reset_index(name="jumlah")
        parts.append(table_html(counts))
    parts.append(table_html(k, KOLOM_TAMPIL["kualitas"], kosong="Tidak ada temuan kualitas data."))
    return TabContent.of("".join(parts))


def tables(view: Any) -> dict[str, pd.DataFrame]:
    """The tab's tables for its Excel download."""
    return {"Kualitas data": view.kualitas}
