"""Tab Kuadran: need (gap) against spending on basic services, with labelled quadrants."""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..html import KOLOM_TAMPIL, TabContent, esc, fmt_angka, table_html

TITLE = "Kuadran"
FIGURES = True


def render(view: Any, colours: Mapping[str, str], split_median: bool = True) -> TabContent:
    """The quadrant chart and table; the splits used are printed."""
    from ... import figures

    split = dict(view.kuadran_split or {})
    sx = split.get("batas_x", split.get("kesenjangan"))
    sy = split.get("batas_y", split.get("porsi_layanan_dasar"))
    cara_x = split.get("cara_x") or ("median kecamatan" if split_median else "angka pengguna")
    cara_y = split.get("cara_y") or cara_x
    text = (f"<p>Pembagi yang dipakai: kesenjangan <b>{fmt_angka(sx, 3)}</b> ({esc(cara_x)}); porsi belanja "
            f"layanan dasar <b>{fmt_angka(sy)}%</b> ({esc(cara_y)}).</p>")
    kuadran = view.kuadran
    if "label_kuadran" in kuadran.columns and not kuadran.empty:
        kuadran = kuadran.sort_values(["label_kuadran", "nama_desa"])
    text += table_html(kuadran, KOLOM_TAMPIL["kuadran"])
    fig = figures.quadrant(view.kuadran, {"kesenjangan": sx, "porsi_layanan_dasar": sy})
    if not view.kuadran.empty:
        # The four quadrants named in their corners (x = need → right, y = spending → up).
        corners = (
            (1, 0, "right", "bottom", "Prioritas: realokasi belanja", figures.WARNA_KELAS["merah"]),
            (1, 1, "right", "top", "Evaluasi efektivitas / dukungan OPD", figures.WARNA_KELAS["kuning"]),
            (0, 1, "left", "top", "Pertahankan", figures.WARNA_KELAS["hijau"]),
            (0, 0, "left", "bottom", "Pantau", figures.WARNA_TINGKAT["kecamatan"]),
        )
        for x, y, xa, ya, label, colour in corners:
            fig.add_annotation(x=x, y=y, xref="paper", yref="paper", xanchor=xa, yanchor=ya, showarrow=False,
                               text=f"<b>{label}</b>", font=dict(color=colour, size=12), opacity=0.85)
    return TabContent.of(text, [fig])


def tables(view: Any, split_median: bool = True) -> dict[str, pd.DataFrame]:
    """The tab's tables for its Excel download."""
    return {"Kuadran": view.kuadran}
