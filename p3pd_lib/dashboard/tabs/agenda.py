"""Tab Agenda Terpadu: the kecamatan's integrated agenda, filtered by desa and sector, top 10 first."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..html import KOLOM_TAMPIL, TabContent, esc, table_html

TITLE = "Agenda Terpadu"
#: How many agenda items lead the tab.
TERATAS = 10


def filtered(agenda: pd.DataFrame, desa: str = "", sektor: str = "") -> pd.DataFrame:
    """The agenda rows of one desa and/or one sector (all when empty), in priority order.

    >>> a = pd.DataFrame({"prioritas": [2, 1, 3], "kode_desa": ["a", "b", "a"], "sektor": ["KES", "KES", "AIR"]})
    >>> filtered(a, sektor="KES")["prioritas"].tolist(), filtered(a, desa="a")["prioritas"].tolist()
    ([1, 2], [2, 3])
    """
    part = agenda
    if desa and "kode_desa" in part.columns:
        part = part[part["kode_desa"] == desa]
    if sektor and "sektor" in part.columns:
        part = part[part["sektor"] == sektor]
    return part.sort_values("prioritas", kind="stable") if "prioritas" in part.columns else part


def render(view: Any, colours: Mapping[str, str], desa: str = "", sektor: str = "") -> TabContent:
    """The top 10 of the chosen desa and sector, then every row of that choice."""
    part = filtered(view.agenda, desa, sektor)
    kosong = "Tidak ada agenda untuk pilihan ini."
    if part.empty:
        return TabContent.of(f"<h3>Agenda terpadu</h3><p class='p3pd-kosong'>{esc(kosong)}</p>")
    n = len(part)
    parts = [f"<h3>{min(TERATAS, n)} agenda teratas</h3>",
             "<p class='p3pd-catatan'>Nomor prioritas berlaku untuk seluruh kecamatan; saring menurut desa atau "
             "sektor di atas.</p>",
             table_html(part.head(TERATAS), KOLOM_TAMPIL["agenda"], kosong=kosong)]
    if n > TERATAS:
        parts += [f"<details data-agenda='semua'><summary>Semua agenda pilihan ini ({n} baris)</summary>",
                  table_html(part, KOLOM_TAMPIL["agenda"], kosong=kosong), "</details>"]
    return TabContent.of("".join(parts))


def tables(view: Any, desa: str = "", sektor: str = "") -> dict[str, pd.DataFrame]:
    """The tab's table for its Excel download (the rows of the chosen desa and sector)."""
    return {"Agenda terpadu": filtered(view.agenda, desa, sektor)}
