"""DataFrame → plotly Figure, in one visual language. Never calls ``.show()``.

Every function takes a table shaped like the fields of
:class:`p3pd_lib.analysis.KecamatanView` (see ``docs/architecture.md``) and
returns a new :class:`plotly.graph_objects.Figure`; nothing is displayed or
written here (reports go through :mod:`p3pd_lib.render`, the dashboard shows
the figures itself). Labels are Bahasa Indonesia; the traffic-light colours are
the kit's four: hijau, kuning, merah, abu.

The figures use a small template of their own (not plotly's default one, which
adds ≈ 10 KB of JSON to every figure in a report).

Each figure is built from plain trace and layout dictionaries in one step,
without plotly's property-by-property validation (:func:`_figure`): a report
draws eight figures, and building them through plotly's object model
(``add_trace``, ``update_layout``, validators) took ≈ 0.15 s per report, four
times the rest. The tests check every figure against plotly's schema instead.

>>> import pandas as pd
>>> fig = sector_scores(pd.DataFrame({"kode_desa": ["1", "1", "2"], "nama_desa": ["A", "A", "B"],
...     "sektor": ["KES", "PEND", "KES"], "skor": [0.5, 1.0, None]}))
>>> fig.data[0].type, list(fig.data[0].y)
('heatmap', ['A', 'B'])
"""

from __future__ import annotations

import textwrap
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import labels
from .belanja import LABEL_KELOMPOK
from .numbers import format_angka, format_persen

#: Traffic-light colours (kelas → hex).
WARNA_KELAS: dict[str, str] = {
    "hijau": "#2e7d32",
    "kuning": "#f9a825",
    "merah": "#c62828",
    "abu": "#9e9e9e",
}
#: Colours of the regions compared in one chart.
WARNA_TINGKAT: dict[str, str] = {
    "desa": "#6d4c41",
    "kecamatan": "#1565c0",
    "kabupaten": "#ef6c00",
    "provinsi": "#6a1b9a",
}
#: Colours of the spending groups (kelompok of ``belanja.map_apbdes``).
WARNA_KELOMPOK: dict[str, str] = {
    "PEND": "#1b5e20",
    "KES": "#2e7d32",
    "AIR": "#43a047",
    "SOS": "#66bb6a",
    "ADM": "#a5d6a7",
    "layanan_dasar": "#2e7d32",
    "personel": "#c62828",
    "operasional": "#ef9a9a",
    "infrastruktur": "#795548",
    "ekonomi": "#1565c0",
    "pembinaan": "#8e24aa",
    "bencana": "#f9a825",
    "lainnya": "#9e9e9e",
}
#: Short sector names for chart axes and legends (the full names are belanja.LABEL_SEKTOR).
LABEL_SEKTOR: dict[str, str] = {
    "PEND": "Pendidikan",
    "KES": "Kesehatan",
    "AIR": "Air & Sanitasi",
    "SOS": "Perlindungan Sosial",
    "ADM": "Adminduk",
}
LABEL_TINGKAT: dict[str, str] = {
    "desa": "Desa",
    "kecamatan": "Kecamatan",
    "kabupaten": "Kabupaten/Kota",
    "provinsi": "Provinsi",
}

#: Indonesian number separators for plotly (decimal comma, thousands dot): every number plotly
#: formats itself (hover ``%{y:.1f}``, ticks) follows them.
SEPARATORS = ",."
#: Hover formats for values plotly formats itself (with :data:`SEPARATORS`: "21,6%", "Rp 1.234.567").
HOVER_PERSEN = "%{y:.1f}%"
HOVER_RUPIAH = "Rp %{y:,.0f}"

_FONT = "Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
#: The kit's own small plotly template (plain white, thin grey grid).
TEMPLATE = go.layout.Template(
    layout=dict(
        font=dict(family=_FONT, size=12, color="#212121"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#6d4c41", "#9e9e9e"],
        xaxis=dict(gridcolor="#e0e0e0", zerolinecolor="#bdbdbd", automargin=True),
        yaxis=dict(gridcolor="#e0e0e0", zerolinecolor="#bdbdbd", automargin=True),
        hoverlabel=dict(font=dict(family=_FONT)),
        margin=dict(l=10, r=10, t=50, b=10),
        # Legend at the bottom of the figure (the margin grows to hold it): never over the title,
        # the plot or the axis titles, at 1280 px as at 412 px (checked in Chromium).
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0),
    )
)


def _f(series: pd.Series | Iterable[Any]) -> np.ndarray:
    """Float array with NaN for missing (plotly cannot serialise ``pd.NA``)."""
    return pd.to_numeric(pd.Series(series, dtype="object"), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _s(series: pd.Series | Iterable[Any]) -> list[str]:
    """Plain Python strings ('' for missing)."""
    return ["" if (v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA) else str(v) for v in series]


#: The template as plain JSON (the batch's shared figure script adds it to every report figure).
TEMPLATE_JSON = TEMPLATE.to_plotly_json()
_TEMPLATE_JSON = TEMPLATE_JSON


def _figure(data: list[dict[str, Any]], title: str, height: int, layout: Mapping[str, Any] | None = None) -> go.Figure:
    """A figure from trace and layout dictionaries (the kit's template, title and height added).

    Built without plotly's per-property validation (``_validate=False``, as
    plotly itself builds its templates): the property names and values here
    are fixed by this module and checked against plotly's schema by the tests.
    """
    full = {"template": _TEMPLATE_JSON, "separators": SEPARATORS,
            "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}, "automargin": True,
                      "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 8}},
            "height": height, **(layout or {})}
    return go.Figure(data=data, layout=full, _validate=False)


def _colours(colours: list[str]) -> str | list[str]:
    """One colour when every bar has it (a list repeats it once per desa in every report).

    >>> _colours(["#111", "#111"]), _colours(["#111", "#222"])
    ('#111', ['#111', '#222'])
    """
    return colours[0] if colours and all(c == colours[0] for c in colours) else colours


def _vline(x: float, line: Mapping[str, Any]) -> dict[str, Any]:
    """The shape ``Figure.add_vline`` draws: a vertical line over the whole plot height."""
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": dict(line)}


def _hline(y: float, line: Mapping[str, Any]) -> dict[str, Any]:
    """The shape ``Figure.add_hline`` draws: a horizontal line over the whole plot width."""
    return {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y", "line": dict(line)}


def empty_figure(pesan: str = "Tidak ada data untuk grafik ini.", title: str = "") -> go.Figure:
    """A blank figure carrying a message (so a section never silently disappears)."""
    note = {"text": pesan, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
            "font": {"size": 14, "color": "#616161"}}
    return _figure([], title, 160, {"annotations": [note], "xaxis": {"visible": False}, "yaxis": {"visible": False}})


def _bar_height(n: int, per: int = 22, base: int = 140) -> int:
    return int(min(1800, base + per * max(n, 1)))


def sector_scores(skor_sektor: pd.DataFrame, title: str = "Skor sektor per desa (0–1; 1 = target tercapai)") -> go.Figure:
    """Heatmap desa × sector of the sector scores (``kode_desa, nama_desa, sektor, skor``)."""
    if skor_sektor.empty:
        return empty_figure(title=title)
    df = skor_sektor.assign(skor=_f(skor_sektor["skor"]))
    order = df.drop_duplicates("kode_desa").sort_values("kode_desa")
    sektor = [s for s in LABEL_SEKTOR if s in set(df["sektor"])] + sorted(set(df["sektor"]) - set(LABEL_SEKTOR))
    grid = df.pivot_table(index="kode_desa", columns="sektor", values="skor", aggfunc="first", dropna=False)
    grid = grid.reindex(index=order["kode_desa"], columns=sektor)
    z = grid.to_numpy(dtype="float64", na_value=np.nan)
    text = np.where(np.isnan(z), "–", np.char.replace(np.char.mod("%.2f", np.nan_to_num(z)), ".", ","))
    trace = dict(
        type="heatmap",
        z=z.astype("float32"),  # scores 0–1 shown to two decimals: 4 bytes a value are plenty
        x=[LABEL_SEKTOR.get(s, s) for s in sektor],
        y=_s(order["nama_desa"]),
        text=text,
        texttemplate="%{text}",
        zmin=0,
        zmax=1,
        colorscale=[[0, WARNA_KELAS["merah"]], [0.75, WARNA_KELAS["kuning"]], [1, WARNA_KELAS["hijau"]]],
        colorbar=dict(title=dict(text="Skor"), thickness=12),
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        xgap=2,
        ygap=2,
    )
    return _figure([trace], title, _bar_height(len(order), 24, 160), {"yaxis": {"autorange": "reversed"}})


def _hbar(v: np.ndarray, names: Any, warna: np.ndarray, text: list[str], **extra: Any) -> dict[str, Any]:
    """One horizontal bar per desa: value ``v`` (missing drawn as 0 with its own text), colour per bar."""
    return dict(
        type="bar",
        x=np.nan_to_num(v),
        y=names,
        orientation="h",
        marker={"color": _colours([str(w) for w in warna])},
        text=text,
        textposition="outside",
        hovertemplate="%{y}: %{text}<extra></extra>",
        **extra,
    )


def composite_index(indeks: pd.DataFrame, title: str = "Indeks Capaian Layanan Dasar per desa") -> go.Figure:
    """Horizontal bars of the composite index (``nama_desa, indeks_capaian``), sorted."""
    if indeks.empty:
        return empty_figure(title=title)
    df = indeks.assign(v=_f(indeks["indeks_capaian"])).sort_values("v", na_position="first")
    v = df["v"].to_numpy()
    # No official bands exist for the composite: one neutral colour, grey for no value.
    warna = np.where(np.isnan(v), WARNA_KELAS["abu"], WARNA_TINGKAT["kecamatan"])
    trace = _hbar(v, _s(df["nama_desa"]), warna, [format_angka(x, 2) for x in v])
    return _figure([trace], title, _bar_height(len(df)), {"xaxis": {"range": [0, 1.1], "title": {"text": "Indeks (0–1)"}}})


def region_comparison(
    capaian_wilayah: pd.DataFrame,
    title: str = "Capaian kecamatan dibanding kabupaten dan provinsi (%)",
) -> go.Figure:
    """Grouped horizontal bars per indicator: one bar per region level, target as a mark.

    Input: classified aggregated values (``indikator, nama_indikator, tingkat, nilai, target``).
    """
    if capaian_wilayah.empty:
        return empty_figure(title=title)
    label_col = "nama_indikator" if "nama_indikator" in capaian_wilayah.columns else "indikator"
    # Only the columns drawn: the view's table has some thirty, each copied by every filter and reindex below.
    used = dict.fromkeys([label_col, "indikator", "tingkat", "nilai", "target"])
    df = capaian_wilayah[[c for c in used if c in capaian_wilayah.columns]].copy()
    df["label"] = [f"{n} ({i})" for n, i in zip(_s(df[label_col]), _s(df["indikator"]))]
    inds = list(dict.fromkeys(df.sort_values("indikator")["label"]))
    traces = []
    for tingkat in ("provinsi", "kabupaten", "kecamatan"):
        part = df[df["tingkat"] == tingkat].set_index("label").reindex(inds)
        if part["indikator"].isna().all():
            continue
        traces.append(dict(
            type="bar",
            x=_f(part["nilai"]),
            y=inds,
            name=LABEL_TINGKAT[tingkat],
            orientation="h",
            marker={"color": WARNA_TINGKAT[tingkat]},
            hovertemplate="%{y}<br>" + LABEL_TINGKAT[tingkat] + ": %{x:.1f}%<extra></extra>",
        ))
    if "target" in df.columns:
        tgt = df.drop_duplicates("label").set_index("label").reindex(inds)
        traces.append(dict(
            type="scatter",
            x=_f(tgt["target"]),
            y=inds,
            mode="markers",
            name="Target",
            marker=dict(symbol="line-ns-open", size=16, line=dict(width=3), color="#212121"),
            hovertemplate="%{y}<br>Target: %{x:.1f}%<extra></extra>",
        ))
    layout = {"barmode": "group", "bargap": 0.25, "yaxis": {"autorange": "reversed"},
              "xaxis": {"title": {"text": "%"}, "range": [0, 105]}}
    return _figure(traces, title, _bar_height(len(inds), 42, 180), layout)


def trend_lines(
    tren: pd.DataFrame,
    title: str = "Tren capaian: kecamatan (garis penuh) dan kabupaten (garis titik)",
    cols: int = 4,
) -> go.Figure:
    """Small multiples, one per indicator, of the values over the years per region level.

    Input: ``tahun, indikator, nama_indikator, tingkat, nilai``. The subplot grid
    is laid out directly (axis domains) rather than with ``make_subplots``, which
    is several times slower for 17 panels.
    """
    if tren.empty:
        return empty_figure(title=title)
    df = tren.assign(nilai=_f(tren["nilai"]), tahun=pd.to_numeric(tren["tahun"]).astype("int64"))
    inds = sorted(df["indikator"].dropna().astype(str).unique())
    rows = int(np.ceil(len(inds) / cols))
    gx, gy = 0.05, min(0.12, 0.6 / max(rows, 1))
    w, h = (1 - gx * (cols - 1)) / cols, (1 - gy * (rows - 1)) / rows
    years = sorted(df["tahun"].unique().tolist())
    # Years and values of each (indicator, level) as lists, in one groupby: a sorted sub-DataFrame per
    # line cost ≈ 12 ms a report.
    lines = df.sort_values("tahun", kind="stable").groupby(["indikator", "tingkat"])[["tahun", "nilai"]].agg(list)
    groups = dict(zip(lines.index, zip(lines["tahun"], lines["nilai"])))
    layout: dict[str, Any] = {}
    data: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    shown: set[str] = set()
    for k, ind in enumerate(inds):
        r, c = divmod(k, cols)
        sx = "" if k == 0 else str(k + 1)
        x0, y1 = round(c * (w + gx), 4), round(1 - r * (h + gy), 4)
        layout[f"xaxis{sx}"] = dict(domain=[x0, min(1.0, round(x0 + w, 4))], anchor=f"y{sx}", tickvals=years,
                                    tickformat="d", tickfont=dict(size=9))
        layout[f"yaxis{sx}"] = dict(domain=[max(0.0, round(y1 - h, 4)), y1], anchor=f"x{sx}", tickfont=dict(size=9))
        # Short name and code over the panel, in lines of ≤ 16 characters so that neighbouring panels'
        # titles stay apart on a phone (the full name is in the hover text).
        name = "<br>".join(textwrap.wrap(_short(labels.dengan_kode(ind, singkat=True)), 16))
        notes.append(dict(text=name, x=round(x0 + w / 2, 4), y=y1, xref="paper",
                          yref="paper", xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=10)))
        for tingkat, dash in (("kabupaten", "dot"), ("kecamatan", "solid")):
            line = groups.get((ind, tingkat))
            if line is None:
                continue
            xs, ys = line
            # Consecutive years as a start and a step (the same in every small multiple).
            xpos: dict[str, Any] = {"x0": xs[0], "dx": 1} if xs == list(range(xs[0], xs[0] + len(xs))) else {"x": xs}
            data.append(dict(
                type="scatter", **xpos,
                y=[None if np.isnan(v) else round(float(v), 2) for v in ys],
                mode="lines+markers", name=LABEL_TINGKAT.get(tingkat, tingkat), legendgroup=tingkat,
                showlegend=tingkat not in shown, xaxis=f"x{sx}", yaxis=f"y{sx}",
                line=dict(color=WARNA_TINGKAT.get(tingkat, "#616161"), dash=dash, width=2), marker=dict(size=5),
                hovertemplate=f"{labels.dengan_kode(ind)}<br>{LABEL_TINGKAT.get(tingkat, tingkat)} "
                              "%{x}: %{y:.1f}%<extra></extra>",
            ))
            shown.add(tingkat)
    layout["annotations"] = notes
    return _figure(data, title, 150 + 170 * rows, layout)


def _short(text: str, n: int = 34) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def spending_composition(
    komposisi_belanja: pd.DataFrame,
    title: str = "Komposisi belanja desa (% dari total belanja); hijau = layanan dasar",
) -> go.Figure:
    """Stacked horizontal bars per desa of the spending components' shares (one hover box per desa).

    Input: ``kode_desa, nama_desa, komponen, label, porsi`` (``belanja.spending_composition``:
    the five basic-service sectors, then the non-basic groups); the older shape with
    ``kelompok`` instead of ``komponen`` is accepted too.
    """
    if komposisi_belanja.empty:
        return empty_figure(title=title)
    key = "komponen" if "komponen" in komposisi_belanja.columns else "kelompok"
    df = komposisi_belanja.sort_values("kode_desa", kind="stable")
    ks = [str(k) for k in df[key].tolist()]
    labels = dict(zip(ks, _s(df["label"]))) if "label" in df.columns else {}
    nd = _s(df["nama_desa"])
    desa = list(dict.fromkeys(nd))
    pos = {d: i for i, d in enumerate(desa)}
    grid: dict[str, list[float | None]] = {}
    for k, d, v in zip(ks, nd, _f(df["porsi"])):
        row = grid.setdefault(k, [None] * len(desa))
        if row[pos[d]] is None and not np.isnan(v):
            row[pos[d]] = round(float(v), 2)
    komponen = [k for k in WARNA_KELOMPOK if k in grid] + sorted(set(grid) - set(WARNA_KELOMPOK))
    traces = []
    for k in komponen:
        name = labels.get(k) or LABEL_KELOMPOK.get(k, k)
        # Bars at positions 0, 1, … (y0/dy) and the desa names once, as tick labels: with a dozen
        # components the names repeated in every trace were most of the figure's size.
        traces.append(dict(type="bar", x=grid[k], y0=0, dy=1, name=name, orientation="h",
                           marker=dict(color=WARNA_KELOMPOK.get(k, WARNA_KELAS["abu"])),
                           hovertemplate=name + ": %{x:.1f}%<extra></extra>"))
    layout = {"barmode": "stack", "hovermode": "y unified", "legend": {"font": {"size": 10}},
              "yaxis": {"autorange": "reversed", "tickmode": "array", "tickvals": list(range(len(desa))), "ticktext": desa},
              "xaxis": {"range": [0, 100], "title": {"text": "% dari total belanja"}}}
    return _figure(traces, title, _bar_height(len(desa), 22, 230), layout)


def share_against_line(
    df: pd.DataFrame,
    value: str,
    title: str,
    garis: float | None,
    label_garis: str,
    arah: str = "higher",
    x_title: str = "% dari total belanja",
) -> go.Figure:
    """Bars per desa of one share with a reference line; bars on the wrong side are red.

    ``arah="higher"``: below the line is red; ``"lower"``: above the line is red;
    ``"none"``: every bar neutral.

    >>> fig = share_against_line(pd.DataFrame({"nama_desa": ["A", "B"], "v": [20.0, 40.0]}), "v",
    ...     "Siltap", 30, "Batas 30%", arah="lower")
    >>> list(fig.data[0].marker.color)
    ['#2e7d32', '#c62828']
    """
    if df.empty:
        return empty_figure(title=title)
    d = df.assign(_v=_f(df[value])).sort_values("_v", na_position="first")
    v = d["_v"].to_numpy()
    if garis is None or arah == "none":
        warna = np.where(np.isnan(v), WARNA_KELAS["abu"], WARNA_TINGKAT["kecamatan"])
    elif arah == "lower":
        warna = np.where(np.isnan(v), WARNA_KELAS["abu"], np.where(v > garis, WARNA_KELAS["merah"], WARNA_KELAS["hijau"]))
    else:
        warna = np.where(np.isnan(v), WARNA_KELAS["abu"], np.where(v < garis, WARNA_KELAS["merah"], WARNA_KELAS["hijau"]))
    trace = _hbar(v, _s(d["nama_desa"]), warna, ["tidak ada data" if np.isnan(x) else format_persen(x) for x in v],
                  showlegend=False)
    layout: dict[str, Any] = {}
    if garis is not None and not np.isnan(garis):
        layout["shapes"] = [_vline(float(garis), dict(color="#212121", dash="dash", width=2))]
        layout["annotations"] = [dict(x=float(garis), y=1, yref="paper", text=label_garis, showarrow=False, xanchor="left",
                                      yanchor="bottom", font=dict(size=11))]
    upper = np.nanmax(np.append(v, garis if garis is not None else np.nan)) if not np.all(np.isnan(v)) else 100
    layout["xaxis"] = {"range": [0, min(100, float(upper) * 1.2 + 5)], "title": {"text": x_title}}
    return _figure([trace], title, _bar_height(len(d)), layout)


#: Colours of the quadrants (codes of ``classify.quadrant``).
WARNA_KUADRAN: dict[str, str] = {
    "prioritas": WARNA_KELAS["merah"],
    "evaluasi": WARNA_KELAS["kuning"],
    "pertahankan": WARNA_KELAS["hijau"],
    "pantau": WARNA_TINGKAT["kecamatan"],
}


def _quadrant_colour(label: str) -> str:
    low = label.lower()
    if "prioritas" in low or "realokasi" in low:
        return WARNA_KELAS["merah"]
    if "evaluasi" in low:
        return WARNA_KELAS["kuning"]
    if "pertahankan" in low:
        return WARNA_KELAS["hijau"]
    if "pantau" in low:
        return WARNA_TINGKAT["kecamatan"]
    return WARNA_KELAS["abu"]


def quadrant(
    kuadran: pd.DataFrame,
    split: Mapping[str, Any] | None = None,
    title: str = "Kuadran kebutuhan vs belanja layanan dasar",
    x_split_key: str = "batas_x",
    y_split_key: str = "batas_y",
) -> go.Figure:
    """Scatter of need (service gap) against spending (basic-service share), split lines drawn.

    Input: ``nama_desa, kesenjangan, porsi_layanan_dasar, label_kuadran``; ``split`` holds the
    split values under ``x_split_key`` / ``y_split_key`` (the values printed with the chart).
    """
    if kuadran.empty:
        return empty_figure(title=title)
    df = kuadran.assign(x=_f(kuadran["kesenjangan"]), y=_f(kuadran["porsi_layanan_dasar"]))
    traces = []
    labels = df["label_kuadran"].astype("string").fillna("Tidak ada data")
    for lab in sorted(labels.unique()):
        part = df[labels == lab]
        traces.append(dict(
            type="scatter",
            x=part["x"].to_numpy(),
            y=part["y"].to_numpy(),
            mode="markers+text",
            name=str(lab),
            text=_s(part["nama_desa"]),
            textposition="top center",
            textfont=dict(size=10),
            marker=dict(size=11, color=_quadrant_colour(str(lab)), line=dict(width=1, color="white")),
            hovertemplate="%{text}<br>Kesenjangan: %{x:.2f}<br>Belanja layanan dasar: %{y:.1f}%<extra>" + str(lab) + "</extra>",
        ))
    split = dict(split or {})
    xs, ys = _num(split.get(x_split_key)), _num(split.get(y_split_key))
    shapes = []
    if xs is not None:
        shapes.append(_vline(xs, dict(color="#616161", dash="dash")))
    if ys is not None:
        shapes.append(_hline(ys, dict(color="#616161", dash="dash")))
    layout: dict[str, Any] = {
        "xaxis": {"title": {"text": "Kesenjangan layanan dasar (1 − indeks capaian) → makin butuh"}},
        "yaxis": {"title": {"text": "Porsi belanja layanan dasar (%) → makin besar"}},
    }
    if shapes:
        layout["shapes"] = shapes
    return _figure(traces, title, 520, layout)


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


def kecamatan_ranking(
    df: pd.DataFrame,
    value: str,
    title: str,
    x_title: str = "",
    label: str = "nama_kecamatan",
    highlight: str | None = None,
) -> go.Figure:
    """Horizontal bars of one value per kecamatan (or any label), sorted best on top.

    ``highlight`` names a label drawn in a stronger colour.
    """
    if df.empty:
        return empty_figure(title=title)
    d = df.assign(_v=_f(df[value])).sort_values("_v", ascending=True, na_position="first")
    names = _s(d[label])
    warna = [WARNA_TINGKAT["kabupaten"] if n == highlight else WARNA_TINGKAT["kecamatan"] for n in names]
    v = d["_v"].to_numpy()
    trace = dict(
        type="bar",
        x=np.nan_to_num(v),
        y=names,
        orientation="h",
        marker={"color": _colours(warna)},
        text=[format_angka(x, 2 if abs(x) < 2 else 1) for x in v],
        textposition="outside",
        hovertemplate="%{y}: %{text}<extra></extra>",
    )
    return _figure([trace], title, _bar_height(len(d)), {"xaxis": {"title": {"text": x_title}}})


def stacked_counts(
    df: pd.DataFrame,
    label: str,
    category: str,
    count: str,
    title: str,
    colours: Mapping[str, str] | None = None,
    x_title: str = "Jumlah desa",
) -> go.Figure:
    """Stacked horizontal bars: per ``label`` the ``count`` of each ``category``.

    Used for the quadrant counts per kecamatan in the kabupaten report.
    """
    if df.empty:
        return empty_figure(title=title)
    names = list(dict.fromkeys(_s(df[label])))
    traces = []
    for cat in sorted(df[category].dropna().astype(str).unique()):
        part = df[df[category].astype(str) == cat].assign(_l=lambda d: _s(d[label])).groupby("_l")[count].sum().reindex(names)
        colour = (colours or {}).get(cat) or _quadrant_colour(cat)
        traces.append(dict(
            type="bar",
            x=_f(part),
            y=names,
            name=cat,
            orientation="h",
            marker={"color": colour},
            hovertemplate="%{y}<br>" + cat + ": %{x}<extra></extra>",
        ))
    layout = {"barmode": "stack", "yaxis": {"autorange": "reversed"}, "xaxis": {"title": {"text": x_title}}}
    return _figure(traces, title, _bar_height(len(names), 22, 200), layout)


def _bel(belanja: pd.DataFrame, indikator: str) -> pd.DataFrame:
    if belanja.empty or "indikator" not in belanja.columns:
        return belanja.iloc[:0]
    return belanja[belanja["indikator"] == indikator]


def basic_service_share(belanja: pd.DataFrame, title: str = "Porsi belanja layanan dasar per desa (BEL01)") -> go.Figure:
    """BEL01 per desa against the kecamatan's median (no official target exists for it)."""
    d = _bel(belanja, "BEL01")
    v = _f(d["nilai"]) if len(d) else np.array([])
    med = float(np.nanmedian(v)) if len(v) and not np.all(np.isnan(v)) else None
    label = f"Median kecamatan {format_persen(med)}" if med is not None else ""
    return share_against_line(d, "nilai", title, med, label, arah="none")


def siltap_share(belanja: pd.DataFrame, title: str = "Porsi siltap & tunjangan per desa (BEL07) — batas 30% PP 11/2019") -> go.Figure:
    """BEL07 per desa against its cap (the row's target, 30 % by PP 11/2019); bars above it are red."""
    d = _bel(belanja, "BEL07")
    cap = 30.0
    if len(d) and "target" in d.columns:
        t = _f(d["target"])
        if not np.all(np.isnan(t)):
            cap = float(np.nanmax(t))
    return share_against_line(d, "nilai", title, cap, f"Batas {format_persen(cap, 0 if cap.is_integer() else 1)}", arah="lower")


def quadrant_counts(kuadran_wide: pd.DataFrame, names: Mapping[str, str] | None = None,
                    title: str = "Jumlah desa per kuadran, per kecamatan") -> go.Figure:
    """Stacked bars from the kabupaten view's wide quadrant table (one column per quadrant label)."""
    if kuadran_wide.empty:
        return empty_figure(title=title)
    long = kuadran_wide.melt(id_vars="kode_kecamatan", var_name="kuadran", value_name="n")
    long = long.assign(nama=long["kode_kecamatan"].map(dict(names or {})).fillna(long["kode_kecamatan"]))
    long = long.sort_values("kode_kecamatan")
    return stacked_counts(long, "nama", "kuadran", "n", title)
