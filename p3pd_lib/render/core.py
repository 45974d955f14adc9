"""The base of the report HTML: escaped tables, number formats, badges, identity, stamp.

Every piece of data text goes through :func:`esc` (``html.escape``): names of desa,
findings and proposals come from user files and must never be able to inject
markup into a report.

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
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from .. import labels
from ..numbers import format_angka, format_persen, format_rupiah

KELAS = ("hijau", "kuning", "merah", "abu")
LABEL_KELAS = {
    "hijau": "Tercapai",
    "kuning": "Mendekati",
    "merah": "Belum tercapai",
    "abu": "Tidak ada data / tidak stabil",
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


def friendly_table(df: pd.DataFrame, max_rows: int | None = 60, caption: str | None = None) -> Html:
    """A DataFrame as people read it (workshop notebooks): Indonesian column labels
    (``analysis.label``), enumerations through their labels, sectors and indicators named beside
    their codes, Ya/Tidak, decimal commas and no pandas index.

    >>> d = pd.DataFrame({"sektor": ["KES"], "arah": ["lower"], "nilai": [21.57], "stabil": [True]})
    >>> print(friendly_table(d))
    <table class="tabel kecil"><thead><tr><th>Sektor</th><th>Arah</th><th>Nilai</th><th>Stabil</th></tr></thead><tbody><tr><td>Kesehatan (KES)</td><td>Makin rendah makin baik</td><td class="num">21,6</td><td>Ya</td></tr></tbody></table>
    """
    from ..analysis import label as column_labels

    if df.empty:
        return Html('<p class="catatan">Tabel kosong.</p>')
    d = df.reset_index(drop=not any(n is not None for n in df.index.names)) if not isinstance(df.index, pd.RangeIndex) else df
    names = [str(c) for c in d.columns]
    shown_names = list(column_labels(pd.DataFrame(columns=names)).columns)
    # Worked on by position: a labelled table may hold two columns of the same name.
    d = d.set_axis([f"c{j}" for j in range(len(names))], axis=1)
    # Columns already labelled by the notebook ("Sektor") are recognised as their raw name ("sektor").
    raw = {str(lab): c for c, lab in zip(_ENUM_COLUMNS, column_labels(pd.DataFrame(columns=list(_ENUM_COLUMNS))).columns)}
    raw.update({c: c for c in _ENUM_COLUMNS})
    kind = {f"c{j}": raw[n] for j, n in enumerate(names) if n in raw}
    enums = {c: _ENUM_COLUMNS[k] for c, k in kind.items() if k not in ("sektor", "aturan", "kelas", "tingkat")}
    d = labels.map_labels(d, enums)
    for c, k in kind.items():
        if k == "sektor":
            d[c] = [v if labels.is_missing(v) or labels.nama_sektor(v) == str(v) else f"{labels.nama_sektor(v)} ({v})"
                    for v in d[c].tolist()]
        elif k == "tingkat":  # a region level, or the level of a data-quality finding
            d[c] = [labels.label("tingkat_temuan", labels.label("tingkat_wilayah", v)) for v in d[c].tolist()]
        elif k == "aturan" and "nama_aturan" not in names:
            d[c] = [labels.dengan_kode(v) if labels.nama_indikator(v) != str(v) else
                    (f"{labels.nama_aturan(v)} ({v})" if labels.nama_aturan(v) != str(v) else v) for v in d[c].tolist()]
    for c in d.columns:  # source tags written inside texts, e.g. "… [proposed]"
        if d[c].dtype == object or pd.api.types.is_string_dtype(d[c].dtype):
            d[c] = [labels.tag_dalam_teks(v) if isinstance(v, str) else v for v in d[c].tolist()]
    heads = dict(zip(d.columns, shown_names))
    if "indikator" in names and not {"nama_indikator", "Nama indikator"} & set(names):
        j = names.index("indikator")
        d.insert(j + 1, "nama", [labels.nama_indikator(v) for v in d[f"c{j}"].tolist()])
        heads = {c: ("Nama indikator" if c == "nama" else heads[c]) for c in d.columns}
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
