"""HTML building blocks of the reports: tables with traffic-light cells, badges, stamps.

Everything a report shows besides the figures is built here, so the notebooks
stay prose plus one call per section. Every piece of data text goes through
:func:`esc` (``html.escape``): names of desa, findings and proposals come from
user files and must never be able to inject markup into a report.

The functions return :class:`Html` objects (displayed by Jupyter through
``_repr_html_``); :func:`show` displays several at once and also accepts
plotly figures (rendered as a ``<div>`` that uses the ONE shared
``plotly.min.js`` of the report folder, see :func:`figure`).

>>> str(esc("<b>Desa & Co</b>"))
'&lt;b&gt;Desa &amp; Co&lt;/b&gt;'
>>> fmt_angka(1234567.891, 2)
'1.234.567,89'
>>> fmt_persen(None)
'–'
"""

from __future__ import annotations

import html
import math
import os
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from . import labels
from .numbers import format_angka, format_persen, format_rupiah

#: Set (to anything) in kernels run by the batch engine: figures are emitted as
#: HTML only, without the plotly JSON that interactive Jupyter would use.
BATCH_ENV = "P3PD_LAPORAN_BATCH"

KELAS = ("hijau", "kuning", "merah", "abu")
LABEL_KELAS = {
    "hijau": "Tercapai",
    "kuning": "Mendekati",
    "merah": "Belum tercapai",
    "abu": "Tidak ada data / tidak stabil",
}
_SEKTOR_ORDER = {"KES": 0, "PEND": 1, "AIR": 2, "SOS": 3, "ADM": 4}
#: One-letter cell classes of the large desa grids (``table.lampu td.h`` … in laporan.css). A
#: kecamatan of 80 desa has ≈ 1,500 grid cells: the long class names and a tooltip per cell
#: came to half of its report, which must stay under 150 KB.
_SEL = {"hijau": "h", "kuning": "k", "merah": "m", "abu": "a", "biru": "b"}
_PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
}


class Html:
    """A piece of trusted HTML (built here from escaped data)."""

    __slots__ = ("html",)

    def __init__(self, markup: str) -> None:
        self.html = markup

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html

    def __add__(self, other: "Html | str") -> "Html":
        return Html(self.html + str(other))


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(isinstance(v, float) and math.isnan(v))
    except TypeError:
        return False


def esc(v: Any) -> Html:
    """Escaped text of a value ('–' for missing)."""
    return Html("–" if _missing(v) else html.escape(str(v), quote=True))


def fmt_angka(v: Any, desimal: int = 0) -> str:
    """Indonesian number format: dot for thousands, comma for decimals ('–' when missing).

    >>> fmt_angka(12.345, 1), fmt_angka(-3000), fmt_angka("x")
    ('12,3', '-3.000', '–')
    """
    return format_angka(v, desimal)


def fmt_persen(v: Any, desimal: int = 1) -> str:
    """A percentage value (0–100) as '12,5%' ('–' when missing)."""
    return format_persen(v, desimal)


def fmt_rupiah(v: Any) -> str:
    """Rupiah without decimals: 'Rp 1.234.567' ('–' when missing).

    >>> fmt_rupiah(964000000)
    'Rp 964.000.000'
    """
    return format_rupiah(v)


def _fmt(v: Any, kind: str) -> str:
    if kind == "persen":
        return fmt_persen(v)
    if kind == "rupiah":
        return fmt_rupiah(v)
    if kind.startswith("angka"):
        return fmt_angka(v, int(kind[5:] or 0))
    if kind == "bool":
        return labels.ya_tidak(v)
    if _missing(v):
        return "–"
    # Plain text columns may still hold numbers and truth values (object columns): never
    # show Python's True/False or a dot decimal.
    if isinstance(v, bool) or type(v).__name__ == "bool_":
        return labels.ya_tidak(v)
    if isinstance(v, float) or type(v).__name__ in ("float64", "float32"):
        return fmt_angka(v, 0 if float(v).is_integer() else 1)
    return str(v)


#: Enumeration columns shown through their Indonesian labels when a raw table is displayed.
_ENUM_COLUMNS = {"arah": "arah", "tag_target": "tag_target", "tag": "tag_target", "basis": "basis", "metode": "metode", "kelas": "kelas", "tren": "tren",
                 "tingkat": "tingkat_wilayah", "jenis": "jenis_wilayah", "kuadran": "kuadran", "aturan": "aturan",
                 "sektor": "sektor", "kelompok": "kelompok_belanja", "status": "status_usulan", "forum": "forum"}


def _auto_formats(df: pd.DataFrame, cols: Iterable[str]) -> dict[str, str]:
    """Formats for columns the caller did not format: truth values Ya/Tidak, decimals with a comma,
    large counts grouped (years and ranks left as they are)."""
    out = {}
    for c in cols:
        dt = df[c].dtype
        if pd.api.types.is_bool_dtype(dt):
            out[c] = "bool"
        elif pd.api.types.is_float_dtype(dt):
            out[c] = "angka1"
        elif pd.api.types.is_integer_dtype(dt) and not str(c).startswith(("tahun", "prioritas", "nomor", "kode")):
            out[c] = "angka"
    return out


# --- generic tables ------------------------------------------------------------------------


def table(
    df: pd.DataFrame,
    columns: Mapping[str, str] | Sequence[str] | None = None,
    formats: Mapping[str, str] | None = None,
    kelas_column: str | None = None,
    kelas_cells: Iterable[str] = (),
    max_rows: int | None = None,
    caption: str | None = None,
    css_class: str = "tabel",
    kosong: str = "Tidak ada baris.",
    compact: bool = False,
) -> Html:
    """An escaped HTML table of ``df``.

    ``columns``: column → header label (or a list of columns, headers as they are);
    ``formats``: column → ``persen | rupiah | angka<N> | bool | teks``;
    ``kelas_column``: a column holding hijau/kuning/merah/abu that colours the
    cells named in ``kelas_cells``; ``max_rows``: show the first rows only and
    say how many were left out; ``compact``: body rows without the optional
    ``</td>``/``</tr>`` end tags (long tables of large kecamatan).

    >>> df = pd.DataFrame({"nama": ["<A>"], "nilai": [12.34], "kelas": ["merah"]})
    >>> print(table(df, {"nama": "Nama", "nilai": "Nilai"}, {"nilai": "persen"}, "kelas", ["nilai"]))
    <table class="tabel"><thead><tr><th>Nama</th><th>Nilai</th></tr></thead><tbody><tr><td>&lt;A&gt;</td><td class="num kl-merah">12,3%</td></tr></tbody></table>
    """
    if columns is None:
        # A raw table (``show(df)``): enumerations through their labels, codes beside names.
        df = labels.map_labels(df, {c: e for c, e in _ENUM_COLUMNS.items() if c in df.columns and c != kelas_column})
        cols = {c: c for c in df.columns}
    elif isinstance(columns, Mapping):
        cols = dict(columns)
    else:
        cols = {c: c for c in columns}
    cols = {c: h for c, h in cols.items() if c in df.columns}
    formats = {**_auto_formats(df, [c for c in cols if not formats or c not in formats]), **dict(formats or {})}
    kelas_cells = set(kelas_cells)
    if df.empty:
        return Html(f'<p class="catatan">{esc(kosong)}</p>')
    shown = df if max_rows is None else df.head(max_rows)
    parts = [f'<table class="{css_class}">']
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in cols.values()) + "</tr></thead><tbody>")
    kel = shown[kelas_column].tolist() if kelas_column and kelas_column in shown.columns else None
    data = {c: shown[c].tolist() for c in cols}
    for i in range(len(shown)):
        cells = []
        for c in cols:
            kind = formats.get(c, "teks")
            classes = []
            if kind in ("persen", "rupiah") or kind.startswith("angka"):
                classes.append("num")
            if kel is not None and c in kelas_cells and not _missing(kel[i]):
                classes.append(f"kl-{html.escape(str(kel[i]))}")
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{html.escape(_fmt(data[c][i], kind))}" + ("" if compact else "</td>"))
        parts.append("<tr>" + "".join(cells) + ("" if compact else "</tr>"))
    parts.append("</tbody></table>")
    if max_rows is not None and len(df) > max_rows:
        parts.append(
            f'<p class="catatan">Ditampilkan {max_rows} dari {len(df)} baris; daftar lengkap ada di buku kerja Excel.</p>'
        )
    return Html("".join(parts))


# --- badges, identity, key figures -----------------------------------------------------------


def badge_simulasi() -> Html:
    """The DATA SIMULASI badge shown on every view of demo data."""
    return Html(
        '<span class="badge badge-simulasi" title="Angka dalam laporan ini dibangkitkan oleh kit, '
        'bukan data resmi.">DATA SIMULASI</span>'
    )


def kelas_legend() -> Html:
    """Legend of the four traffic-light classes."""
    items = "".join(f'<span class="lgd kl-{k}">{esc(LABEL_KELAS[k])}</span>' for k in KELAS)
    return Html(f'<div class="legenda">{items}</div>')


def identity(identitas: Mapping[str, Any], tahun: int | None = None, judul: str = "Laporan Kecamatan") -> Html:
    """The report's heading block: kecamatan, kabupaten, province, year, desa count, DATA SIMULASI badge.

    >>> "DATA SIMULASI" in str(identity({"nama_kecamatan": "X", "kode_kecamatan": "1", "simulasi": True}))
    True
    """
    nama = identitas.get("nama_kecamatan") or identitas.get("nama_kabupaten") or ""
    kode = identitas.get("kode_kecamatan") or identitas.get("kode_kabupaten") or ""
    badge = str(badge_simulasi()) if identitas.get("simulasi") else ""
    rows = []
    for key, label in (
        ("nama_kabupaten", "Kabupaten/Kota"),
        ("nama_provinsi", "Provinsi"),
        ("n_kecamatan", "Jumlah kecamatan"),
        ("n_desa", "Jumlah desa"),
        ("n_kelurahan", "Jumlah kelurahan"),
    ):
        if key in identitas and not _missing(identitas.get(key)) and not (key == "nama_kabupaten" and "kode_kecamatan" not in identitas):
            rows.append(f"<div><dt>{esc(label)}</dt><dd>{esc(identitas[key])}</dd></div>")
    if tahun is not None:
        rows.append(f"<div><dt>Tahun anggaran</dt><dd>{esc(tahun)}</dd></div>")
    return Html(
        f'<header class="identitas">{badge}<h1>{esc(judul)} {esc(nama)}</h1>'
        f'<p class="kode">Kode wilayah {esc(kode)}</p><dl class="ringkas">{"".join(rows)}</dl></header>'
    )


def key_figures(ringkasan: pd.DataFrame) -> Html:
    """Cards of the key figures (``ukuran, nilai, keterangan``; values already formatted)."""
    if ringkasan.empty:
        return Html('<p class="catatan">Tidak ada angka kunci.</p>')
    cards = []
    for row in ringkasan.itertuples(index=False):
        ket = getattr(row, "keterangan", None)
        # The texts come from the analysis: bare indicator codes get their names here.
        ket_html = f'<div class="ket">{esc(labels.beri_nama(ket))}</div>' if not _missing(ket) and str(ket) else ""
        cards.append(f'<div class="kartu"><div class="nilai">{esc(row.nilai)}</div>'
                     f'<div class="ukuran">{esc(labels.beri_nama(row.ukuran))}</div>{ket_html}</div>')
    return Html(f'<div class="kartu-grid">{"".join(cards)}</div>')


def note(text: str) -> Html:
    """A short escaped remark under a figure or table."""
    return Html(f'<p class="catatan">{esc(text)}</p>')


def heading(text: str, level: int = 3) -> Html:
    """An escaped heading (for titles that carry data, e.g. a desa name)."""
    return Html(f"<h{level}>{esc(text)}</h{level}>")


# --- capaian --------------------------------------------------------------------------------


def _indicator_order(df: pd.DataFrame) -> list[str]:
    ind = df.drop_duplicates("indikator")
    sekt = ind["sektor"] if "sektor" in ind.columns else pd.Series([""] * len(ind), index=ind.index)
    keyed = sorted(zip(sekt.astype("string").fillna(""), ind["indikator"].astype(str)), key=lambda t: (_SEKTOR_ORDER.get(str(t[0]), 9), t[1]))
    return [i for _, i in keyed]


def traffic_light_table(
    capaian: pd.DataFrame,
    capaian_wilayah: pd.DataFrame | None = None,
    row_code: str = "kode_desa",
    row_name: str = "nama_desa",
    row_label: str = "Desa",
) -> Html:
    """Desa × indicator table with traffic-light cells, plus the kecamatan and kabupaten rows.

    Cells carry one-letter classes (``h``/``k``/``m``/``a``: hijau, kuning,
    merah, abu) and no end tags (optional in HTML for table cells and rows), so
    a large kecamatan's report stays small; the legend under the table names
    the classes.

    ``capaian``: classified desa values (``kode_desa, nama_desa, indikator, nilai, kelas``,
    optionally ``nama_indikator, target, label_kelas``); ``capaian_wilayah``: classified
    aggregated values with ``tingkat`` (kecamatan/kabupaten/provinsi rows are appended).
    """
    if capaian.empty:
        return Html('<p class="catatan">Tidak ada data capaian untuk tahun ini.</p>')
    inds = _indicator_order(capaian)
    first = capaian.drop_duplicates("indikator")
    nama_ind = dict(zip(first["indikator"], first["nama_indikator"])) if "nama_indikator" in first.columns else {}
    target = dict(zip(first["indikator"], first["target"])) if "target" in first.columns else {}
    head = [f"<th>{esc(row_label)}</th>"]
    singkatan = []
    for i in inds:
        tgt = target.get(i)
        nama = nama_ind.get(i) if not _missing(nama_ind.get(i)) else labels.nama_indikator(i)
        title = f"{nama} ({i})" + ("" if _missing(tgt) else f" — target {fmt_persen(tgt)}")
        # A short name in the narrow rotated header; the full name and code in the tooltip on screen
        # and in the list of short names under the table on paper.
        short = labels.nama_indikator(i, singkat=True)
        head.append(f'<th class="rot" title="{esc(title)}"><span>{esc(short)}</span></th>')
        singkatan.append(f"<b>{esc(short)}</b>: {esc(nama)} ({esc(i)})" + ("" if _missing(tgt) else f", target {esc(fmt_persen(tgt))}"))

    def cell_map(df: pd.DataFrame, key: str) -> dict[Any, dict[str, tuple[str, str, str]]]:
        # Plain-Python pass over the rows: per row key, indicator → (text, class, tooltip).
        kel = df["kelas"].tolist() if "kelas" in df.columns else ["abu"] * len(df)
        lab = df["label_kelas"].tolist() if "label_kelas" in df.columns else [None] * len(df)
        out: dict[Any, dict[str, tuple[str, str, str]]] = {}
        for k, ind, v, kl, lb in zip(df[key].tolist(), df["indikator"].tolist(), df["nilai"].tolist(), kel, lab):
            kl = "abu" if _missing(kl) else str(kl)
            out.setdefault(k, {}).setdefault(ind, (fmt_angka(v, 1), kl, LABEL_KELAS.get(kl, "") if _missing(lb) else str(lb)))
        return out

    def cells(values: Mapping[str, tuple[str, str, str]]) -> str:
        # The class colours the cell; the legend under the table names the classes.
        out = []
        for i in inds:
            c = values.get(i)
            if c is None:
                out.append("<td class=a>–")
            else:
                out.append(f"<td class={_SEL.get(c[1], 'a')}>{esc(c[0])}")
        return "".join(out)

    rows = []
    by_row = cell_map(capaian, row_code)
    names = dict(zip(capaian[row_code].tolist(), capaian[row_name].tolist()))
    for k in sorted(by_row, key=str):
        rows.append(f"<tr><th>{esc(names.get(k))}{cells(by_row[k])}")
    if capaian_wilayah is not None and not capaian_wilayah.empty:
        by_level = cell_map(capaian_wilayah, "tingkat")
        for tingkat, label in (("kecamatan", "Kecamatan"), ("kabupaten", "Kabupaten/Kota"), ("provinsi", "Provinsi")):
            if tingkat in by_level:
                rows.append(f'<tr class="agregat"><th>{esc(label)}{cells(by_level[tingkat])}')
    return Html(
        f'<div class="tabel-lebar"><table class="tabel lampu"><thead><tr>{"".join(head)}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>{kelas_legend()}'
        f'<p class="singkatan">{"; ".join(singkatan)}.</p>'
    )


def friendly_table(df: pd.DataFrame, max_rows: int | None = 60, caption: str | None = None) -> Html:
    """A DataFrame as people read it (workshop notebooks): Indonesian column labels
    (``analysis.label``), enumerations through their labels, sectors and indicators named beside
    their codes, Ya/Tidak, decimal commas and no pandas index.

    >>> d = pd.DataFrame({"sektor": ["KES"], "arah": ["lower"], "nilai": [21.57], "stabil": [True]})
    >>> print(friendly_table(d))
    <table class="tabel kecil"><thead><tr><th>Sektor</th><th>Arah</th><th>Nilai</th><th>Stabil</th></tr></thead><tbody><tr><td>Kesehatan (KES)</td><td>Makin rendah makin baik</td><td class="num">21,6</td><td>Ya</td></tr></tbody></table>
    """
    from .analysis import label as column_labels

    if df.empty:
        return Html('<p class="catatan">Tabel kosong.</p>')
    d = df.reset_index(drop=not any(n is not None for n in df.index.names)) if not isinstance(df.index, pd.RangeIndex) else df
    d = d.copy()
    d.columns = [str(c) for c in d.columns]
    # Columns already labelled by the notebook ("Sektor") are recognised as their raw name ("sektor").
    raw = {str(lab): c for c, lab in zip(_ENUM_COLUMNS, column_labels(pd.DataFrame(columns=list(_ENUM_COLUMNS))).columns)}
    raw.update({c: c for c in _ENUM_COLUMNS})
    kind = {c: raw[c] for c in d.columns if c in raw}
    enums = {c: _ENUM_COLUMNS[k] for c, k in kind.items() if k not in ("sektor", "aturan", "kelas", "tingkat")}
    d = labels.map_labels(d, enums)
    for c, k in kind.items():
        if k == "sektor":
            d[c] = [v if labels.is_missing(v) or labels.nama_sektor(v) == str(v) else f"{labels.nama_sektor(v)} ({v})"
                    for v in d[c].tolist()]
        elif k == "tingkat":  # a region level, or the level of a data-quality finding
            d[c] = [labels.label("tingkat_temuan", labels.label("tingkat_wilayah", v)) for v in d[c].tolist()]
        elif k == "aturan" and "nama_aturan" not in d.columns:
            d[c] = [labels.dengan_kode(v) if labels.nama_indikator(v) != str(v) else
                    (f"{labels.nama_aturan(v)} ({v})" if labels.nama_aturan(v) != str(v) else v) for v in d[c].tolist()]
    if "indikator" in d.columns and "nama_indikator" not in d.columns and "Nama indikator" not in d.columns:
        d.insert(list(d.columns).index("indikator") + 1, "nama_indikator",
                 [labels.nama_indikator(v) for v in d["indikator"].tolist()])
    for c in d.columns:  # source tags written inside texts, e.g. "… [proposed]"
        if d[c].dtype == object or pd.api.types.is_string_dtype(d[c].dtype):
            d[c] = [labels.tag_dalam_teks(v) if isinstance(v, str) else v for v in d[c].tolist()]
    heads = dict(zip(d.columns, column_labels(d).columns))
    return table(d, heads, max_rows=max_rows, caption=caption, css_class="tabel kecil")


def use_friendly_tables() -> bool:
    """Show every DataFrame of this IPython kernel as :func:`friendly_table` (through IPython's
    display formatter for ``pandas.DataFrame``); False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the kit
        return False
    ip = get_ipython()
    if ip is None:
        return False
    ip.display_formatter.formatters["text/html"].for_type(pd.DataFrame, lambda df: str(friendly_table(df)))
    return True


def screen_only(text: str) -> Html:
    """A remark that only makes sense on screen (e.g. how to see a tooltip): hidden when printed.

    >>> str(screen_only("Arahkan tetikus ke sel."))
    '<p class="catatan layar-saja">Arahkan tetikus ke sel.</p>'
    """
    return Html(f'<p class="catatan layar-saja">{esc(text)}</p>')


def indicator_dictionary(kamus: pd.DataFrame) -> Html:
    """The annex: every indicator with its definition, target and the target's source and tag."""
    if kamus.empty:
        return Html('<p class="catatan">Kamus indikator kosong.</p>')
    labels = {
        "indikator": "Kode",
        "nama_indikator": "Indikator",
        "nama": "Indikator",
        "label_sektor": "Sektor",
        "pembilang": "Pembilang",
        "penyebut": "Penyebut",
        "definisi": "Definisi",
        "arah": "Arah",
        "target": "Target",
        "sumber_target": "Sumber target",
        "tag_target": "Status target",
    }
    cols = {c: h for c, h in labels.items() if c in kamus.columns}
    df = kamus.copy()
    if "label_sektor" not in df.columns and "sektor" in df.columns:
        df["label_sektor"] = [labels.nama_sektor(v) for v in df["sektor"].tolist()]
    if "arah" in df.columns:
        df["arah"] = df["arah"].map({"higher": "makin tinggi makin baik", "lower": "makin rendah makin baik"}).fillna(df["arah"])
    if "tag_target" in df.columns:
        df["tag_target"] = df["tag_target"].map({"sourced": "bersumber resmi", "proposed": "usulan kit"}).fillna(df["tag_target"])
    fmts = {"target": "persen"} if "target" in df.columns and pd.api.types.is_numeric_dtype(df["target"]) else {}
    return table(df, cols, fmts, css_class="tabel kecil")


def trend_summary(tren_desa: pd.DataFrame) -> Html:
    """Per indicator: how many desa improved, worsened or stayed (from the first year to the report's)."""
    if tren_desa.empty:
        return Html('<p class="catatan">Tren per desa memerlukan data lebih dari satu tahun.</p>')
    lab = "label_tren" if "label_tren" in tren_desa.columns else "tren"
    g = tren_desa.assign(_l=tren_desa[lab].astype("string").fillna("Tidak ada data")).pivot_table(
        index="indikator", columns="_l", values="kode_desa", aggfunc="count", fill_value=0, observed=True)
    g = g.reindex(_indicator_order(tren_desa.assign(sektor=tren_desa["indikator"].astype(str).str.extract(r"^([A-Z]+)")[0])))
    names = tren_desa.drop_duplicates("indikator").set_index("indikator")
    g = g.reset_index()
    if "nama_indikator" in names.columns:
        g.insert(1, "nama_indikator", g["indikator"].map(names["nama_indikator"]))
    cols = {"indikator": "Indikator", "nama_indikator": "Nama indikator", **{c: f"Desa: {c}" for c in g.columns[2:]}}
    first = tren_desa["tahun_awal"].iloc[0] if "tahun_awal" in tren_desa.columns else ""
    last = tren_desa["tahun_akhir"].iloc[0] if "tahun_akhir" in tren_desa.columns else ""
    return table(g, cols, {c: "angka" for c in g.columns[2:]}, caption=f"Jumlah desa menurut arah perubahan {first}–{last}",
                 css_class="tabel kecil")


def kecamatan_table(kecamatan: pd.DataFrame, pola_tautan: str = "") -> Html:
    """The kabupaten report's ranking table; each name links to its kecamatan report when ``pola_tautan``
    (e.g. ``"{kode}.html"``) is given.

    >>> t = pd.DataFrame({"kode_kecamatan": ["33.07.01"], "nama_kecamatan": ["<W>"], "peringkat": [1]})
    >>> '<a href="33.07.01.html">&lt;W&gt;</a>' in str(kecamatan_table(t, "{kode}.html"))
    True
    """
    if kecamatan.empty:
        return Html('<p class="catatan">Tidak ada kecamatan.</p>')
    cols = {"peringkat": "Peringkat", "kode_kecamatan": "Kode", "nama_kecamatan": "Kecamatan", "n_desa": "Desa",
            "indeks_capaian": "Indeks Capaian Layanan Dasar (rerata desa)", "n_merah": "Nilai merah",
            "porsi_layanan_dasar": "Porsi belanja layanan dasar", "porsi_siltap": "Porsi siltap & tunjangan"}
    fmts = {"indeks_capaian": "angka2", "porsi_layanan_dasar": "persen", "porsi_siltap": "persen", "n_merah": "angka"}
    out = str(table(kecamatan, cols, fmts, css_class="tabel kecil"))
    if pola_tautan:
        for kode, nama in zip(kecamatan["kode_kecamatan"].astype(str), kecamatan["nama_kecamatan"].astype(str)):
            href = html.escape(pola_tautan.replace("{kode}", kode), quote=True)
            cell = f"<td>{html.escape(nama)}</td>"
            out = out.replace(cell, f'<td><a href="{href}">{html.escape(nama)}</a></td>', 1)
    return Html(out)


def wide_counts(df: pd.DataFrame, names: Mapping[str, str], code: str = "kode_kecamatan", caption: str = "",
                bad_columns: Iterable[str] = ()) -> Html:
    """A wide count table (e.g. desa breaching each rule per kecamatan); non-zero counts in ``bad_columns`` red."""
    if df.empty:
        return Html('<p class="catatan">Tidak ada data.</p>')
    d = df.copy()
    d.insert(1, "_nama", d[code].map(dict(names)).fillna(d[code]))
    value_cols = [c for c in d.columns if c not in (code, "_nama")]
    parts = ['<table class="tabel kecil">']
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    parts.append("<thead><tr><th>Kode</th><th>Kecamatan</th>" + "".join(f"<th>{esc(c)}</th>" for c in value_cols) + "</tr></thead><tbody>")
    bad = set(bad_columns)
    for rec in d.to_dict("records"):
        cells = []
        for c in value_cols:
            v = rec[c]
            cls = "num kl-merah" if c in bad and not _missing(v) and float(v) > 0 else "num"
            cells.append(f'<td class="{cls}">{esc(fmt_angka(v))}</td>')
        parts.append(f"<tr><td>{esc(rec[code])}</td><td>{esc(rec['_nama'])}</td>{''.join(cells)}</tr>")
    parts.append("</tbody></table>")
    return Html("".join(parts))


# --- demand side: need, proposals, budget ----------------------------------------------------

#: Colour of each need–demand–supply class (DOMAIN.md §5) in grids and legends.
WARNA_KELAS_USULAN = {
    "Selaras": "hijau",
    "Usulan belum terdanai": "kuning",
    "Kebutuhan belum tersuarakan": "merah",
    "Belanja tanpa kebutuhan mendesak": "biru",
    "Tidak mendesak": "abu",
}
_SINGKAT_KELAS_USULAN = {
    "Selaras": "Selaras",
    "Usulan belum terdanai": "Belum terdanai",
    "Kebutuhan belum tersuarakan": "Belum tersuarakan",
    "Belanja tanpa kebutuhan mendesak": "Belanja tanpa kebutuhan",
    "Tidak mendesak": "Tidak mendesak",
}


def need_demand_legend(penjelasan: Mapping[str, str]) -> Html:
    """Legend of the five need–demand–supply classes with what each means."""
    items = "".join(
        f'<li><span class="lgd kl-{WARNA_KELAS_USULAN.get(k, "abu")}">{esc(k)}</span> {esc(v)}</li>'
        for k, v in penjelasan.items()
    )
    return Html(f'<ul class="legenda-usulan">{items}</ul>')


def need_demand_grid(kebutuhan: pd.DataFrame, label_sektor: Mapping[str, str]) -> Html:
    """Desa × sector grid of the need–demand–supply classes.

    ``kebutuhan``: ``kode_desa, nama_desa, sektor, kelas`` and optionally
    ``n_merah, n_kuning, n_usulan, n_didanai`` (the non-zero ones shown as the
    cell's tooltip). Compact markup as :func:`traffic_light_table`.

    >>> k = pd.DataFrame({"kode_desa": ["1"], "nama_desa": ["<A>"], "sektor": ["KES"], "kelas": ["Selaras"],
    ...     "n_merah": [1], "n_kuning": [0], "n_usulan": [2], "n_didanai": [1]})
    >>> html = str(need_demand_grid(k, {"KES": "Kesehatan"}))
    >>> html[html.index("<tbody>"):]
    '<tbody><tr><th>&lt;A&gt;<td class=h title="merah 1; usulan 2; didanai 1">Selaras</tbody></table></div>'
    """
    if kebutuhan.empty:
        return Html('<p class="catatan">Belum ada data usulan masyarakat untuk tahun ini.</p>')
    sectors = [s for s in label_sektor if s in set(kebutuhan["sektor"])]
    head = "<th>Desa</th>" + "".join(f"<th>{esc(label_sektor[s])}</th>" for s in sectors)
    cells: dict[Any, dict[str, str]] = {}
    names: dict[Any, Any] = {}
    for rec in kebutuhan.to_dict("records"):
        kelas = rec["kelas"]
        # Counts of zero are left out of the tooltip: the class already says them (no proposal, none funded…).
        tip = "; ".join(
            f"{lab} {int(rec[col])}" for col, lab in (("n_merah", "merah"), ("n_kuning", "kuning"),
                                                      ("n_usulan", "usulan"), ("n_didanai", "didanai"))
            if col in rec and not _missing(rec[col]) and int(rec[col]) != 0
        )
        warna = WARNA_KELAS_USULAN.get(kelas, "abu")
        title = f' title="{esc(tip)}"' if tip else ""
        cells.setdefault(rec["kode_desa"], {})[rec["sektor"]] = (
            f"<td class={_SEL.get(warna, 'a')}{title}>{esc(_SINGKAT_KELAS_USULAN.get(kelas, kelas))}"
        )
        names[rec["kode_desa"]] = rec.get("nama_desa")
    rows = [
        f"<tr><th>{esc(names[k])}" + "".join(cells[k].get(s, "<td class=a>–") for s in sectors)
        for k in sorted(cells, key=str)
    ]
    return Html(
        f'<div class="tabel-lebar"><table class="tabel lampu usulan"><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table></div>'
    )


def need_demand_counts(usulan_wilayah: pd.DataFrame, label_sektor: Mapping[str, str], kelas: Sequence[str]) -> Html:
    """Number of desa per class and sector, kecamatan and kabupaten side by side."""
    if usulan_wilayah.empty:
        return Html('<p class="catatan">Belum ada data usulan masyarakat untuk tahun ini.</p>')
    parts = []
    for tingkat, judul in (("kecamatan", "Kecamatan"), ("kabupaten", "Kabupaten/Kota")):
        d = usulan_wilayah[usulan_wilayah["tingkat"] == tingkat]
        if d.empty:
            continue
        wide = d.pivot_table(index="sektor", columns="kelas", values="n_desa", aggfunc="sum", observed=True)
        wide = wide.reindex(index=[s for s in label_sektor if s in wide.index], columns=list(kelas)).fillna(0)
        head = "<th>Sektor</th>" + "".join(
            f'<th><span class="lgd kl-{WARNA_KELAS_USULAN.get(k, "abu")}">{esc(_SINGKAT_KELAS_USULAN.get(k, k))}</span></th>'
            for k in kelas
        )
        body = "".join(
            f"<tr><td>{esc(label_sektor[s])}</td>" + "".join(f'<td class="num">{esc(fmt_angka(v))}</td>' for v in row)
            + "</tr>"
            for s, row in zip(wide.index, wide.to_numpy())
        )
        nama = d["nama_wilayah"].iloc[0]
        parts.append(
            f'<table class="tabel kecil"><caption>{esc(judul)} {esc(nama)}: jumlah desa per kelas</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    return Html("".join(parts))


# --- rules, findings, stamp ------------------------------------------------------------------


def rules_table(aturan: pd.DataFrame, tahun: int | None = None, only_breaches: bool = False) -> Html:
    """Fiscal rules per desa (``nama_desa, tahun, aturan, nilai, batas_bawah, batas_atas, patuh, pesan``).

    Compliant rows are green, breaches red, rules without data grey;
    ``only_breaches`` keeps the breaches only.
    """
    if aturan.empty:
        return Html('<p class="catatan">Tidak ada aturan belanja yang dapat diperiksa.</p>')
    df = aturan if tahun is None or "tahun" not in aturan.columns else aturan[aturan["tahun"] == tahun]
    if only_breaches:
        df = df[df["patuh"].astype("boolean").eq(False).fillna(False).to_numpy(dtype=bool)]
        if df.empty:
            return Html('<p class="catatan">Tidak ada desa yang melanggar aturan belanja pada tahun ini.</p>')
    patuh = df["patuh"].astype("boolean") if "patuh" in df.columns else pd.Series(pd.NA, index=df.index, dtype="boolean")
    df = df.assign(
        _kelas=patuh.map({True: "hijau", False: "merah"}).astype("object").where(patuh.notna(), "abu"),
        _patuh=patuh.map({True: "Patuh", False: "Tidak patuh"}).astype("object").where(patuh.notna(), "Tidak ada data"),
    )
    cols = {"nama_desa": "Desa", "tahun": "Tahun", "nama_aturan": "Aturan", "nilai": "Nilai", "batas_bawah": "Batas bawah",
            "batas_atas": "Batas atas", "_patuh": "Status", "pesan": "Keterangan"}
    return table(df, cols, {"nilai": "persen", "batas_bawah": "persen", "batas_atas": "persen"}, "_kelas", ["_patuh", "nilai"], css_class="tabel kecil")


def rules_summary(aturan: pd.DataFrame) -> Html:
    """Per year and rule: how many desa comply, breach, or lack data."""
    if aturan.empty:
        return Html('<p class="catatan">Tidak ada aturan belanja yang dapat diperiksa.</p>')
    patuh = aturan["patuh"].astype("boolean")
    df = aturan.assign(
        patuh_=patuh.fillna(False) & patuh.notna(),
        langgar_=(~patuh.fillna(True)) & patuh.notna(),
        kosong_=patuh.isna(),
    )
    g = df.groupby(["tahun", "aturan"], sort=True).agg(patuh=("patuh_", "sum"), langgar=("langgar_", "sum"), kosong=("kosong_", "sum")).reset_index()
    g = g.assign(_kelas=g["langgar"].gt(0).map({True: "merah", False: "hijau"}),
                 aturan=[labels.nama_aturan(a) for a in g["aturan"].tolist()])
    return table(
        g,
        {"tahun": "Tahun", "aturan": "Aturan", "patuh": "Desa patuh", "langgar": "Desa melanggar", "kosong": "Tanpa data"},
        {"patuh": "angka", "langgar": "angka", "kosong": "angka"},
        "_kelas",
        ["langgar"],
        css_class="tabel kecil",
    )


_TINGKAT_TEMUAN = {"galat": "merah", "peringatan": "kuning", "info": "abu"}


def findings_summary(kualitas: pd.DataFrame) -> Html:
    """Counts of data-quality findings per rule and level."""
    if kualitas.empty:
        return Html('<p class="catatan">Tidak ada temuan kualitas data untuk kecamatan ini.</p>')
    g = kualitas.groupby(["tingkat", "aturan"], sort=False).size().rename("jumlah").reset_index()
    g = g.assign(_o=g["tingkat"].map({"galat": 0, "peringatan": 1, "info": 2}).fillna(3)).sort_values(["_o", "jumlah"], ascending=[True, False])
    g = g.assign(_kelas=g["tingkat"].map(_TINGKAT_TEMUAN).fillna("abu"))
    return table(g, {"tingkat": "Tingkat", "aturan": "Aturan", "jumlah": "Jumlah temuan"}, {"jumlah": "angka"}, "_kelas", ["tingkat"], css_class="tabel kecil")


def findings_table(kualitas: pd.DataFrame, max_rows: int = 40) -> Html:
    """The findings themselves (most severe first), with the village, field, value and rule."""
    if kualitas.empty:
        return Html("")
    df = kualitas.assign(_o=kualitas["tingkat"].map({"galat": 0, "peringatan": 1, "info": 2}).fillna(3))
    df = df.sort_values(["_o", "kode_desa", "tahun"], kind="stable")
    df = df.assign(_kelas=df["tingkat"].map(_TINGKAT_TEMUAN).fillna("abu"))
    cols = {"tingkat": "Tingkat", "kode_desa": "Kode desa", "tahun": "Tahun", "tabel": "Tabel", "kolom": "Kolom", "nilai": "Nilai", "pesan": "Pesan"}
    return table(df, cols, {}, "_kelas", ["tingkat"], max_rows=max_rows, css_class="tabel kecil", compact=True)


def agenda_table(agenda: pd.DataFrame, max_rows: int = 60) -> Html:
    """The agenda terpadu: who acts, where, on what."""
    cols = {
        "prioritas": "Prioritas",
        "nama_desa": "Desa",
        "nama_indikator": "Indikator",
        "nilai": "Nilai",
        "target": "Target",
        "kesenjangan": "Kesenjangan",
        "penanggung_jawab": "Penanggung jawab",
        "sub_bidang_apbdes": "Sub-bidang APBDes",
        "jenis_agenda": "Jenis agenda",
    }
    # Always formatted: with the proposal rows (no value, no target) added these columns hold objects.
    num = {c: "angka1" for c in ("nilai", "target", "kesenjangan") if c in agenda.columns}
    if "nama_indikator" in agenda.columns and "indikator" in agenda.columns:
        # Rows of rule breaches name the rule by its code: show its readable name.
        agenda = agenda.assign(nama_indikator=[
            labels.nama_aturan(i) if (labels.is_missing(n) or str(n) == str(i)) and str(s) == "ATURAN" else n
            for i, n, s in zip(agenda["indikator"].tolist(), agenda["nama_indikator"].tolist(),
                               agenda["sektor"].tolist() if "sektor" in agenda.columns else [None] * len(agenda))])
    return table(agenda, cols, num, max_rows=max_rows, css_class="tabel kecil", compact=True,
                 kosong="Tidak ada agenda: tidak ada indikator berstatus merah.")


def split_values(split: Mapping[str, Any]) -> Html:
    """The quadrant's split values and how they were chosen, printed beside the chart."""
    if not split:
        return Html('<p class="catatan">Nilai pembagi kuadran tidak tersedia.</p>')
    label = {
        "batas_x": "Pembagi kesenjangan layanan (sumbu datar)",
        "cara_x": "Cara memilih pembagi kesenjangan",
        "batas_y": "Pembagi porsi belanja layanan dasar, % (sumbu tegak)",
        "cara_y": "Cara memilih pembagi belanja",
        "sama_dengan_batas": "Nilai tepat pada pembagi dihitung",
        "n_desa": "Desa dengan data lengkap",
    }
    items = []
    for k, v in split.items():
        if isinstance(v, float):
            text = fmt_angka(v, 3 if abs(v) < 2 else 1)
        else:
            text = "–" if _missing(v) else str(v)
        items.append(f"<div><dt>{esc(label.get(k, k.replace('_', ' ')))}</dt><dd>{esc(text)}</dd></div>")
    return Html(f'<dl class="pembagi">{"".join(items)}</dl>')


def stamp(
    versi_kit: str,
    fingerprint: str,
    parameter: Mapping[str, Any],
    tanggal: datetime | None = None,
    simulasi: bool = False,
) -> Html:
    """Footer stamp: kit version, data fingerprint, parameters and date.

    Two people comparing reports check that these match before discussing numbers.

    >>> s = str(stamp("0.1.0", "abc123", {"kode_kecamatan": "33.07.01"}, datetime(2025, 1, 2, 3, 4)))
    >>> "abc123" in s and "02-01-2025 03:04" in s
    True
    """
    when = (tanggal or datetime.now()).strftime("%d-%m-%Y %H:%M")
    params = ", ".join(f"{k}={v!r}" for k, v in parameter.items() if v not in ("", None))
    sim = " · DATA SIMULASI" if simulasi else ""
    return Html(
        '<footer class="cap">'
        f"<div>Kit Analisis Dashboard Kecamatan (P3PD) versi <b>{esc(versi_kit)}</b> · sidik data <b>{esc(fingerprint)}</b>{esc(sim)}</div>"
        f"<div>Parameter: {esc(params)}</div>"
        f"<div>Dibuat {esc(when)}</div>"
        "</footer>"
    )


# --- figures and display ----------------------------------------------------------------------


#: The report pages' shared figure script (``_aset/laporan.js``, see :func:`figure_script`).
FIGURE_SCRIPT = "laporan.js"


def figure_script() -> str:
    """The shared script of the report pages: the kit's plotly template and chart options, once.

    A batch report draws each figure with ``p3pdGrafik(id, data, layout)``; the
    template and the options are added here instead of being repeated in every
    figure of every report (≈ 1 KB per figure).
    """
    from plotly.io.json import to_json_plotly

    from .figures import TEMPLATE_JSON

    return (
        "/* P3PD kit: draws the report figures with the kit's plotly template and options.\n"
        "   Written once per output folder (_aset/laporan.js), referenced relatively. */\n"
        "(function () {\n"
        f"  var TEMPLATE = {to_json_plotly(TEMPLATE_JSON)};\n"
        f"  var CONFIG = {to_json_plotly(_PLOTLY_CONFIG)};\n"
        "  window.p3pdGrafik = function (id, data, layout) {\n"
        "    var el = document.getElementById(id);\n"
        "    if (!el || !window.Plotly) { return; }\n"
        "    if (!layout.template) { layout.template = TEMPLATE; }\n"
        "    Plotly.newPlot(el, data, layout, CONFIG);\n"
        "  };\n"
        "})();\n"
    )


_FIGURE_IDS = iter(range(1, 1 << 62))


class Figure:
    """A plotly figure shown as an HTML ``<div>`` using the shared ``plotly.min.js``.

    In the batch (``P3PD_LAPORAN_BATCH`` set) only ``text/html`` is emitted, and
    the figure is drawn by the page's shared script (:func:`figure_script`):
    the div carries only its data and layout. In interactive Jupyter the
    figure is self-contained and the plotly JSON is added so JupyterLab draws it too.
    """

    __slots__ = ("fig",)

    def __init__(self, fig: Any) -> None:
        self.fig = fig

    def html(self) -> str:
        if os.environ.get(BATCH_ENV):
            return self._compact_html()
        div = self.fig.to_html(full_html=False, include_plotlyjs=False, config=_PLOTLY_CONFIG, default_width="100%")
        return f'<div class="grafik">{div}</div>'

    def _compact_html(self) -> str:
        from .figures import TEMPLATE_JSON

        spec = self.fig.to_plotly_json()
        layout = dict(spec.get("layout") or {})
        if layout.get("template") == TEMPLATE_JSON:
            del layout["template"]  # the shared script adds it
        height = layout.get("height") or 450
        # Unique within a page (one kernel renders a whole report); plotly's own ids are 36-character UUIDs.
        gid = f"g{os.getpid():x}-{next(_FIGURE_IDS):x}"
        return (
            f'<div class="grafik"><div id="{gid}" class="plotly-graph-div" style="height:{int(height)}px;width:100%"></div>'
            f'<script>p3pdGrafik("{gid}",{_script_json(spec.get("data") or [])},{_script_json(layout)})</script></div>'
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/html": self.html(), "text/plain": "<Grafik>"}
        if not os.environ.get(BATCH_ENV):
            bundle["application/vnd.plotly.v1+json"] = self.fig.to_plotly_json()
        return bundle


def _script_json(obj: Any) -> str:
    """Compact JSON safe inside a ``<script>`` element.

    Only ``</`` and ``<!--`` can end or confuse a script element; plotly's own
    encoder escapes every ``<``, ``>`` and ``/``, which made each hover template
    several times longer.

    >>> print(_script_json({"h": "%{y}<br></script><!--"}))
    {"h":"%{y}<br><\\/script><\\u0021--"}
    """
    import json

    from plotly.utils import PlotlyJSONEncoder

    text = json.dumps(obj, cls=PlotlyJSONEncoder, separators=(",", ":"), ensure_ascii=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


def figure(fig: Any) -> Figure:
    """Wrap a plotly figure for display in a report."""
    return Figure(fig)


def show(*objs: Any) -> None:
    """Display HTML pieces, plotly figures and DataFrames in order (one call per section)."""
    from IPython.display import display

    for obj in objs:
        if obj is None:
            continue
        if hasattr(obj, "to_plotly_json"):
            obj = Figure(obj)
        elif isinstance(obj, pd.DataFrame):
            obj = table(obj)
        elif isinstance(obj, str):
            obj = Html(obj)
        if isinstance(obj, Figure):
            # Rendered here rather than by IPython's formatter, which would swallow an error and
            # leave a text placeholder: a figure that cannot be drawn must fail the report's cell.
            display(obj._repr_mimebundle_(), raw=True)
        else:
            display(obj)


def page(title: str, body: str, aset: str = "_aset", lang: str = "id") -> str:
    """A complete HTML page using the shared CSS (for pages built outside nbconvert, e.g. the index)."""
    return (
        f'<!DOCTYPE html><html lang="{esc(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)}</title><link rel="stylesheet" href="{esc(aset)}/laporan.css"></head>'
        f'<body><main class="laporan">{body}</main></body></html>'
    )
