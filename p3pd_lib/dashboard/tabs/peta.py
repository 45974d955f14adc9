"""Tab Peta: the kecamatan's desa coloured by one choice of :func:`p3pd_lib.peta.map_choices`, offline."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..html import TabContent, esc

TITLE = "Peta"
FIGURES = True

TANPA_BATAS = ("Peta belum tersedia: batas desa Kecamatan {nama} belum diimpor ke folder data. Minta pengelola "
               "data mengimpor berkas batas desa dari Bappeda/BIG (Shapefile, GeoPackage atau GeoJSON) dengan "
               "perintah <code>p3pd peta impor BERKAS</code>.")
PETUNJUK = ("<p>Pilih desa di bawah peta untuk membuka Bahan Musdes-nya (halaman cetak untuk musyawarah desa).</p>")


def render(view: Any, colours: Mapping[str, str], pilihan: str = "indeks", boundaries: Any = None) -> TabContent:
    """The map of ``view``'s desa coloured by ``pilihan``; an Indonesian note when ``boundaries`` is ``None``."""
    from ... import peta

    if boundaries is None or len(boundaries) == 0:
        nama = esc(view.identitas.get("nama_kecamatan", view.kode_kecamatan))
        return TabContent.of(f"<p class='p3pd-catatan' data-peta='kosong'>{TANPA_BATAS.format(nama=nama)}</p>")
    fig = peta.view_map(view, boundaries, pilihan or "indeks")
    if not hasattr(fig, "to_plotly_json"):  # the peta package answered with a note
        return TabContent.of(getattr(fig, "html", esc(fig)))
    return TabContent.of(PETUNJUK, [fig])


def tables(view: Any, pilihan: str = "indeks", boundaries: Any = None) -> dict[str, pd.DataFrame]:
    """The tab's table for its Excel download (the composite index per desa)."""
    return {"Indeks desa": view.indeks}
