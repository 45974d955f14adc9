"""Tab Bahan Musdes: one desa's printable action sheet (:mod:`p3pd_lib.musdes`), with a print button."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..html import TabContent, esc

TITLE = "Bahan Musdes"
FIGURES = False

PILIH_DESA = "<p>Pilih desa untuk menampilkan Bahan Musdes-nya (satu halaman A4 untuk musyawarah desa).</p>"
# The page sits in an iframe (its own print CSS applies); the button prints only that frame.
CETAK = ("<button type='button' class='p3pd-cetak' data-cetak='musdes' "
         "onclick=\"this.parentNode.querySelector('iframe').contentWindow.print()\">Cetak</button>")


def bahan(view: Any, kode_desa: str, idm_rumusan: pd.DataFrame | None = None, boundaries: Any = None) -> Any:
    """The :class:`~p3pd_lib.musdes.BahanMusdes` of one desa (its IDM activities when imported, its
    locator map when the kecamatan's boundaries are stored)."""
    from ... import musdes

    rumusan = None if idm_rumusan is None or idm_rumusan.empty else idm_rumusan
    return musdes.bahan_musdes(view, kode_desa, idm_rumusan=rumusan, boundaries=boundaries)


def render(view: Any, colours: Mapping[str, str], kode_desa: str = "",
           idm_rumusan: pd.DataFrame | None = None, boundaries: Any = None) -> TabContent:
    """The chosen desa's page in a frame with a print button (a prompt while none is chosen)."""
    from ... import musdes

    if not kode_desa:
        return TabContent.of(PILIH_DESA)
    page = musdes.render_html(bahan(view, kode_desa, idm_rumusan, boundaries))
    return TabContent.of(
        f"<div class='p3pd-musdes' data-desa='{esc(kode_desa)}'>{CETAK}"
        f"<iframe title='Bahan Musdes' srcdoc=\"{esc(page)}\" style='width:100%;height:1100px;border:1px solid #ccc'>"
        f"</iframe></div>")


def tables(view: Any, kode_desa: str = "", idm_rumusan: pd.DataFrame | None = None,
           boundaries: Any = None) -> dict[str, pd.DataFrame]:
    """The desa's numbered priorities for the Excel download (the kecamatan's desa while none is chosen)."""
    if not kode_desa:
        return {"Desa": view.desa}
    return {"Bahan Musdes": bahan(view, kode_desa, idm_rumusan).prioritas}
