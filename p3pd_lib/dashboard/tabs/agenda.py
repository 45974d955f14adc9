"""Tab Agenda Terpadu: the integrated agenda of the kecamatan."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..html import KOLOM_TAMPIL, TabContent, table_html

TITLE = "Agenda Terpadu"


def render(view: Any, colours: Mapping[str, str]) -> TabContent:
    """The agenda table."""
    return TabContent.of("<h3>Agenda terpadu</h3>" + table_html(view.agenda, KOLOM_TAMPIL["agenda"],
                                                                 kosong="Tidak ada agenda untuk pilihan ini."))


def tables(view: Any) -> dict[str, pd.DataFrame]:
    """The tab's tables for its Excel download."""
    return {"Agenda terpadu": view.agenda}
