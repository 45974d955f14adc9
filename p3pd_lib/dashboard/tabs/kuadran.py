"""Tab Kuadran: need (gap) against spending on basic services, with labelled quadrants.

The chart shows its dividing lines at the split values in use, and writes names only
where they do not overlap: the desa of the priority quadrant first (largest gap first),
then the others while room is left; every point is named on hover.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..html import KOLOM_TAMPIL, TabContent, esc, fmt_angka, table_html

TITLE = "Kuadran"
FIGURES = True
#: At most this many names written on the chart.
MAKS_LABEL = 12
# The plot area the label boxes are estimated for (pixels) and the text size (10 px: ≈ 6 px per character).
_PLOT_W, _PLOT_H, _CHAR_W, _LINE_H = 760.0, 400.0, 6.0, 13.0
_POSISI = ("top center", "bottom center", "middle right", "middle left")


def _box(px: float, py: float, n_chars: int, posisi: str) -> tuple[float, float, float, float]:
    """The pixel box (x0, y0, x1, y1; y upwards) of a label of ``n_chars`` at a point, by plotly's ``textposition``."""
    w, h, gap = n_chars * _CHAR_W, _LINE_H, 7.0
    if posisi == "top center":
        return px - w / 2, py + gap, px + w / 2, py + gap + h
    if posisi == "bottom center":
        return px - w / 2, py - gap - h, px + w / 2, py - gap
    if posisi == "middle right":
        return px + gap, py - h / 2, px + gap + w, py + h / 2
    return px - gap - w, py - h / 2, px - gap, py + h / 2


def _overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(x: Sequence[float], y: Sequence[float], names: Sequence[str], order: Sequence[int],
                 maks: int = MAKS_LABEL) -> dict[int, str]:
    """Where to write which names so that no two overlap: ``{point index: textposition}``.

    Points are taken in ``order`` (most important first); each gets the first of four
    positions around it whose box meets no box placed before and no other marker, or
    no label at all. Boxes are estimated on a 760 × 400 pixel plot area.

    >>> place_labels([0, 0.001, 1], [0, 0, 1], ["Alpha", "Beta", "Gamma"], [0, 1, 2])
    {0: 'top center', 1: 'middle right', 2: 'top center'}
    """
    xs, ys = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    ok = ~(np.isnan(xs) | np.isnan(ys))
    if not ok.any():
        return {}

    def scale(v: np.ndarray, size: float) -> np.ndarray:
        lo, hi = np.nanmin(v[ok]), np.nanmax(v[ok])
        span = (hi - lo) or 1.0
        return (v - lo + 0.05 * span) / (1.1 * span) * size

    px, py = scale(xs, _PLOT_W), scale(ys, _PLOT_H)
    markers = [(px[i] - 6, py[i] - 6, px[i] + 6, py[i] + 6) for i in range(len(xs)) if ok[i]]
    placed: list[tuple[float, float, float, float]] = []
    out: dict[int, str] = {}
    for i in order:
        if len(out) >= maks or not ok[i]:
            continue
        for posisi in _POSISI:
            box = _box(px[i], py[i], len(str(names[i])), posisi)
            inside = 0 <= box[0] and box[2] <= _PLOT_W * 1.02 and 0 <= box[1] and box[3] <= _PLOT_H * 1.02
            if inside and not any(_overlaps(box, b) for b in placed + markers):
                placed.append(box)
                out[i] = posisi
                break
    return out


def readable(fig: Any, kuadran: pd.DataFrame) -> Any:
    """Names written only where :func:`place_labels` finds room (priority quadrant first); all named on hover."""
    traces = [t for t in fig.data if getattr(t, "mode", None) and "markers" in t.mode and t.text is not None]
    if not traces:
        return fig
    rows = [(ti, j, float(t.x[j]), float(t.y[j]) if t.y[j] is not None else np.nan, str(t.text[j]))
            for ti, t in enumerate(traces) for j in range(len(t.x))]
    gap = dict(zip(kuadran["nama_desa"].astype(str), pd.to_numeric(kuadran["kesenjangan"], errors="coerce")))
    prio = set(kuadran.loc[kuadran["kuadran"].astype("string") == "prioritas", "nama_desa"].astype(str)) \
        if "kuadran" in kuadran.columns else set()
    order = sorted(range(len(rows)), key=lambda k: (rows[k][4] not in prio, -(gap.get(rows[k][4]) or 0)))
    where = place_labels([r[2] for r in rows], [r[3] for r in rows], [r[4] for r in rows], order)
    for ti, t in enumerate(traces):
        ks = [k for k, r in enumerate(rows) if r[0] == ti]
        t.update(customdata=[rows[k][4] for k in ks], text=[rows[k][4] if k in where else "" for k in ks],
                 textposition=[where.get(k, "top center") for k in ks],
                 hovertemplate=(t.hovertemplate or "").replace("%{text}", "%{customdata}"))
    return fig


def _ada(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NA


def render(view: Any, colours: Mapping[str, str], split_median: bool = True) -> TabContent:
    """The quadrant chart (dividing lines at the splits, readable names) and its table; the splits are printed."""
    from ... import figures

    split = dict(view.kuadran_split or {})
    sx = split.get("batas_x", split.get("kesenjangan"))
    sy = split.get("batas_y", split.get("porsi_layanan_dasar"))
    cara_x = split.get("cara_x") or ("median kecamatan" if split_median else "angka pengguna")
    cara_y = split.get("cara_y") or cara_x
    text = (f"<p>Pembagi yang dipakai (garis putus-putus): kesenjangan <b>{fmt_angka(sx, 3)}</b> ({esc(cara_x)}); "
            f"porsi belanja layanan dasar <b>{fmt_angka(sy) + (' %' if _ada(sy) else '')}</b> ({esc(cara_y)}). Nama desa ditulis bila tidak "
            "bertumpuk (kuadran prioritas lebih dulu); nama desa lain muncul saat titiknya disentuh.</p>")
    kuadran = view.kuadran
    if "label_kuadran" in kuadran.columns and not kuadran.empty:
        kuadran = kuadran.sort_values(["label_kuadran", "nama_desa"])
    text += table_html(kuadran, KOLOM_TAMPIL["kuadran"])
    fig = figures.quadrant(view.kuadran, {"batas_x": sx, "batas_y": sy})
    if not view.kuadran.empty:
        readable(fig, view.kuadran)
        # The four quadrants named in their corners (x = need → right, y = spending → up).
        corners = (
            # Two short lines, so that opposite corners stay apart on a phone (412 px).
            (1, 0, "right", "bottom", "Prioritas:<br>realokasi belanja", figures.WARNA_KELAS["merah"]),
            (1, 1, "right", "top", "Evaluasi efektivitas /<br>dukungan OPD", figures.WARNA_KELAS["kuning"]),
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
