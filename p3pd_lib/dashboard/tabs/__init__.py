"""The dashboard's tabs, one module each, in display order.

Each tab module is pure: ``render(view, colours, *options) -> TabContent`` and
``tables(view, *options) -> {sheet name: DataFrame}`` (its Excel download);
``FIGURES = True`` when the tab shows plotly figures (an ``Output`` widget).
The options are the values of the tab's own controls, which the App owns.
"""

from __future__ import annotations

from . import agenda, belanja, kuadran, kualitas, layanan, musdes, peta, ringkasan, tren, usulan

MODULES = (ringkasan, layanan, belanja, kuadran, usulan, agenda, kualitas, tren, peta, musdes)

#: Tab titles, in display order.
TABS: tuple[str, ...] = tuple(m.TITLE for m in MODULES)

#: Indexes of the tabs that show figures (one ``Output`` widget each); the others are HTML only.
FIGURE_TABS = frozenset(i for i, m in enumerate(MODULES) if getattr(m, "FIGURES", False))
