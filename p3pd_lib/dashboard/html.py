"""Formatting and HTML building blocks of the dashboard (pure: values in, escaped HTML text out).

Every value from data is HTML-escaped; numbers use Indonesian formats.
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..numbers import format_angka

log = logging.getLogger("p3pd_lib.dashboard")

SEKTOR_NAMA: dict[str, str] = {
    "PEND": "Pendidikan",
    "KES": "Kesehatan",
    "AIR": "Air bersih & Sanitasi",
    "SOS": "Perlindungan Sosial",
    "ADM": "Administrasi Kependudukan",
}

_KELAS_WARNA = {"hijau": "#1a9850", "kuning": "#fdd835", "merah": "#d73027", "abu": "#bdbdbd"}
_KELAS_TEKS = {"hijau": "#ffffff", "kuning": "#212121", "merah": "#ffffff", "abu": "#212121"}
_KELAS_LABEL = {"hijau": "Tercapai", "kuning": "Mendekati", "merah": "Belum tercapai", "abu": "Tidak ada data / tidak stabil"}


def kelas_colours() -> dict[str, str]:
    """Traffic-light colours: the report's visual language (``figures.WARNA_KELAS``) when it declares them."""
    try:
        from .. import figures

        colours = getattr(figures, "WARNA_KELAS", None)
        if isinstance(colours, Mapping) and all(k in colours for k in _KELAS_WARNA):
            return {k: str(colours[k]) for k in _KELAS_WARNA}
    except Exception:  # figures.py is optional for the dashboard's colours
        log.debug("figures.WARNA_KELAS tidak tersedia", exc_info=True)
    return dict(_KELAS_WARNA)


def esc(value: Any) -> str:
    """HTML-escape any value for display as text (``None``/NA → ``–``).

    >>> esc("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    if value is None or (not isinstance(value, (str, bytes)) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return "–"
    return html.escape(str(value), quote=True)


def fmt_angka(value: Any, desimal: int = 1) -> str:
    """Indonesian number format: dot thousands, comma decimals; missing → ``–``.

    >>> fmt_angka(1234567.891), fmt_angka(12, 0), fmt_angka(None)
    ('1.234.567,9', '12', '–')
    """
    if value is None or isinstance(value, str):
        return "–" if value is None else value
    try:
        if pd.isna(value):
            return "–"
    except (TypeError, ValueError):
        return str(value)
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    s = f"{float(value):,.{desimal}f}"
    return s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


#: Decimals of the columns that are not percentages with one decimal.
_DESIMAL = {"indeks_capaian": 2, "kesenjangan": 3, "skor": 2, "idm": 4, "iks": 4, "ike": 4, "ikl": 4,
            "batas_x": 3, "nilai_awal": 1, "nilai_akhir": 1, "perubahan": 1}
_RUPIAH = {"anggaran", "jumlah", "realisasi", "perkiraan_biaya", "anggaran_disetujui", "total_belanja", "nilai_usulan",
           "nilai_disetujui"}

#: Columns shown on screen per view table (the Excel downloads keep every column).
KOLOM_TAMPIL: dict[str, tuple[str, ...]] = {
    "indeks": ("kode_desa", "nama_desa", "indeks_capaian", "n_sektor", "kesenjangan"),
    "status_desa": ("kode_desa", "nama_desa", "idm", "status_idm", "status_idm_resmi", "status_indeks_desa"),
    "kuadran": ("kode_desa", "nama_desa", "kesenjangan", "porsi_layanan_dasar", "label_kuadran"),
    "agenda": ("prioritas", "kode_desa", "nama_desa", "jenis_agenda", "sektor", "indikator", "nama_indikator", "nilai",
               "target", "sumber_target", "kuadran", "penanggung_jawab", "sub_bidang_apbdes", "keterangan"),
    "kualitas_belanja": ("kode_desa", "nama_desa", "bel01", "bel07", "aturan_dd_patuh", "label_belanja", "alasan"),
    "tren_desa": ("kode_desa", "nama_desa", "indikator", "nama_indikator", "tahun_awal", "tahun_akhir", "nilai_awal",
                  "nilai_akhir", "perubahan", "label_tren"),
    "kualitas": ("kode_desa", "tahun", "tabel", "kolom", "nilai", "aturan", "tingkat", "pesan"),
    "komposisi": ("kelompok", "anggaran", "porsi"),
    "usulan_sektor": ("nama_sektor", "n_desa_dengan_usulan", "n_usulan", "n_didanai_apbdes", "porsi_didanai",
                      "nilai_usulan", "nilai_disetujui", "porsi_didanai_rp"),
}
_EXTRA_LABEL = {"bel01": "Porsi layanan dasar (%)", "bel07": "Porsi siltap (%)", "aturan_dd_patuh": "Aturan Dana Desa dipatuhi",
                "tahun_awal": "Tahun awal", "tahun_akhir": "Tahun akhir", "jumlah": "Jumlah",
                "nama_sektor": "Sektor", "n_desa_dengan_usulan": "Desa dengan usulan", "n_usulan": "Jumlah usulan",
                "n_didanai_apbdes": "Didanai APBDes", "porsi_didanai": "Porsi didanai (%)",
                "nilai_usulan": "Perkiraan biaya usulan", "nilai_disetujui": "Anggaran disetujui",
                "porsi_didanai_rp": "Porsi didanai, Rupiah (%)", "n_didanai_pihak_lain": "Didanai pihak lain",
                "n_belum_didanai": "Belum didanai", "n_ditolak": "Ditolak"}


def _labels() -> dict[str, str]:
    try:
        from ..analysis import LABELS
    except ImportError:
        return dict(_EXTRA_LABEL)
    return {**LABELS, **_EXTRA_LABEL}


def cell(value: Any, column: str = "") -> str:
    """One value as escaped display text (Indonesian number formats)."""
    if value is None or value is pd.NA:
        return "–"
    if isinstance(value, str):
        return esc(value)
    if isinstance(value, (bool, np.bool_)):  # numpy 2 names its scalar "bool", numpy 1 "bool_"
        return "Ya" if bool(value) else "Tidak"
    try:
        if pd.isna(value):
            return "–"
    except (TypeError, ValueError):
        return esc(value)
    if column in _RUPIAH and isinstance(value, (int, float)):
        return "Rp " + fmt_angka(value, 0)
    if isinstance(value, (int,)) or type(value).__name__.startswith("int"):
        return fmt_angka(value, 0) if column != "tahun" and not column.startswith("tahun") else str(int(value))
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        return fmt_angka(value, _DESIMAL.get(column, 1))
    return esc(value)


#: Columns of coded values shown by their Indonesian label (column → enumeration of ``labels.map_labels``).
KOLOM_LABEL = {"sektor": "sektor", "kuadran": "kuadran", "kelas": "kelas", "arah": "arah", "tag_target": "tag_target",
               "jenis_agenda": "jenis_agenda", "status_usulan": "status_usulan", "forum": "forum",
               "jenis": "jenis_wilayah", "tingkat": "tingkat_temuan", "kelompok": "kelompok_belanja", "tren": "tren",
               "aturan": "aturan"}


def table_html(
    df: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    css_class: str = "p3pd-tabel",
    max_rows: int = 500,
    kosong: str = "Tidak ada data.",
) -> str:
    """A plain HTML table of ``df`` (raw column names; Indonesian labels as headers), everything escaped.

    >>> "&lt;b&gt;" in table_html(pd.DataFrame({"nama_desa": ["<b>x</b>"]}))
    True
    >>> "Rp 1.500.000" in table_html(pd.DataFrame({"anggaran": [1500000.0]}))
    True
    >>> "<td>Kesehatan</td>" in table_html(pd.DataFrame({"sektor": ["KES"]}))
    True
    """
    if df is None or df.empty:
        return f"<p class='p3pd-kosong'>{esc(kosong)}</p>"
    from .. import labels as enum_labels

    cols = [c for c in (columns or df.columns) if c in df.columns]
    shown = enum_labels.map_labels(df[cols].head(max_rows), {c: e for c, e in KOLOM_LABEL.items() if c in cols})
    labels = _labels()
    head = "".join(f"<th>{esc(labels.get(c, c))}</th>" for c in cols)
    rows = []
    for rec in shown.itertuples(index=False, name=None):
        rows.append("<tr>" + "".join(f"<td>{cell(v, c)}</td>" for v, c in zip(rec, cols)) + "</tr>")
    more = ""
    if len(df) > max_rows:
        more = f"<p class='p3pd-catatan'>Menampilkan {max_rows} dari {len(df)} baris; unduh Excel untuk semua baris.</p>"
    return f"<table class='{css_class}'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def light_cell(kelas: Any, text: str, title: str, colours: Mapping[str, str]) -> str:
    """One table cell coloured by its traffic-light class (``data-kelas``), the title escaped."""
    k = str(kelas) if isinstance(kelas, str) and kelas in colours else "abu"
    return (
        f"<td class='p3pd-lampu p3pd-{k}' data-kelas='{k}' title='{esc(title)}' "
        f"style='background:{colours[k]};color:{_KELAS_TEKS[k]}'>{text}</td>"
    )


def view_bands(view: Any) -> tuple[float, float]:
    """The yellow bands ``(higher is better, lower is better)`` in points a view was classified with:
    the trainer's when set (``view.parameter["bands"]``), else ``parameters/klasifikasi.yaml``'s."""
    from ..classify import as_bands

    bands = as_bands(dict((getattr(view, "parameter", None) or {}).get("bands") or {}) or None)
    return float(bands.kuning_naik), float(bands.kuning_turun)


def pita_text(pita: tuple[float, float]) -> str:
    """The yellow bands in words, Indonesian numbers.

    >>> pita_text((10.0, 5.5))
    'kuning = sampai 10 poin di bawah target (makin tinggi makin baik) atau sampai 5,5 poin di atas target (makin rendah makin baik)'
    """
    naik, turun = (format_angka(v, 0 if float(v).is_integer() else 1) for v in pita)
    return (f"kuning = sampai {naik} poin di bawah target (makin tinggi makin baik) atau sampai {turun} poin "
            "di atas target (makin rendah makin baik)")


def target_text(target: Any, arah: Any = None) -> str:
    """A target as people read it: ``≥ 90 %`` / ``≤ 14,5 %`` (``–`` when none).

    >>> target_text(14.5, "lower"), target_text(90.0, "higher"), target_text(None)
    ('≤ 14,5 %', '≥ 90 %', '–')
    """
    if target is None or target is pd.NA or (isinstance(target, float) and np.isnan(target)):
        return "–"
    sign = "≤ " if arah == "lower" else ("≥ " if arah == "higher" else "")
    return f"{sign}{format_angka(target, 0 if float(target).is_integer() else 1)} %"


def legend(colours: Mapping[str, str], pita: tuple[float, float] | None = None) -> str:
    """The legend of the four traffic-light classes; with ``pita``, the yellow class states the bands."""
    labels = dict(_KELAS_LABEL)
    if pita is not None:
        labels["kuning"] = f"{labels['kuning']} ({pita_text(pita)})"
    items = "".join(
        f"<span class='p3pd-legenda-item'><span class='p3pd-kotak' style='background:{colours[k]}'></span>{esc(lab)}</span>"
        for k, lab in labels.items()
    )
    attr = "" if pita is None else f" data-pita='{format_angka(pita[0], 1)};{format_angka(pita[1], 1)}'"
    return f"<div class='p3pd-legenda'{attr}>{items}</div>"


CSS = """
<style>
.p3pd-app { font-family: var(--jp-ui-font-family, sans-serif); font-size: 14px; }
.p3pd-app h2 { margin: 4px 0; font-size: 20px; }
.p3pd-app h3 { margin: 10px 0 4px 0; font-size: 16px; }
.p3pd-sub { color: #555; }
.p3pd-simulasi { background:#fff3cd; border:2px solid #e0a800; color:#5c4400; padding:6px 10px; font-weight:bold; border-radius:4px; }
.p3pd-pesan { padding:6px 10px; border-radius:4px; margin:4px 0; }
.p3pd-pesan-galat { background:#fdecea; border:1px solid #d73027; color:#611a15; }
.p3pd-pesan-info { background:#e8f4fd; border:1px solid #2b7bb9; color:#0b3c5d; }
.p3pd-pesan-ok { background:#edf7ed; border:1px solid #1a9850; color:#1e4620; }
table.p3pd-tabel, table.p3pd-matriks { border-collapse: collapse; margin: 4px 0 10px 0; }
table.p3pd-tabel th, table.p3pd-tabel td, table.p3pd-matriks th, table.p3pd-matriks td {
  border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
table.p3pd-tabel th, table.p3pd-matriks th { background: #f3f3f3; position: sticky; top: 0; }
table.p3pd-matriks td.p3pd-lampu { text-align: right; min-width: 48px; }
.p3pd-legenda { margin: 4px 0; } .p3pd-legenda-item { margin-right: 14px; }
.p3pd-kotak { display:inline-block; width:12px; height:12px; margin-right:4px; vertical-align:middle; border:1px solid #999; }
.p3pd-kartu { border:1px solid #bbb; border-radius:6px; padding:8px 12px; margin-top:8px; }
.p3pd-catatan, .p3pd-kosong { color:#666; font-style: italic; }
.p3pd-unduh a { margin-right: 14px; font-weight: bold; }
.legenda-usulan { list-style: none; padding: 0; margin: 4px 0 8px 0; }
.legenda-usulan li { margin: 2px 0; }
.lgd { padding: 1px 8px; border-radius: 3px; margin-right: 6px; }
table.tabel { border-collapse: collapse; margin: 4px 16px 10px 0; display: inline-table; vertical-align: top; }
table.tabel th, table.tabel td { border: 1px solid #ddd; padding: 3px 6px; }
table.tabel caption { text-align: left; font-weight: bold; padding: 2px 0; }
td.num { text-align: right; }
table.p3pd-matriks td.p3pd-usulan { font-size: 12px; }
@media print { .p3pd-layar-saja { display: none !important; } }
/* Tab titles: each as wide as its words, the row wraps instead of cutting titles off
   (ipywidgets 8 gives every tab 144 px and hides what does not fit). */
.p3pd-app .jupyter-widgets.jupyter-widget-tab > .lm-TabBar > .lm-TabBar-content { flex-wrap: wrap; }
.p3pd-app .jupyter-widgets.jupyter-widget-tab > .lm-TabBar .lm-TabBar-tab { flex: 0 0 auto; min-width: 0; max-width: 100%; }
.p3pd-app .jupyter-widgets.jupyter-widget-tab > .lm-TabBar .lm-TabBar-tabLabel { overflow: visible; text-overflow: clip; }
@media (max-width: 600px) {
  .p3pd-app { font-size: 13px; }
  .p3pd-app h2 { font-size: 17px; }
  .p3pd-app .jupyter-widgets.jupyter-widget-tab > .lm-TabBar .lm-TabBar-tab { flex: 1 1 auto; padding: 0 6px; font-size: 12px; }
  .p3pd-app .jupyter-widgets.jupyter-widget-tab > .lm-TabBar .lm-TabBar-tabLabel { white-space: normal; text-align: center; }
  .p3pd-app .p3pd-grafik { min-width: 0; }
  /* Wide tables scroll sideways inside the page instead of widening it (and cutting the charts off). */
  .p3pd-app .widget-html, .p3pd-app .widget-html-content { min-width: 0; max-width: 100%; }
  .p3pd-app .widget-html-content { overflow-x: auto; }
  .p3pd-app table.p3pd-tabel, .p3pd-app table.p3pd-matriks { display: block; overflow-x: auto; max-width: 100%; }
}
</style>
"""


CHART_CSS = """
<style>
.p3pd-grafik-baris { display:flex; flex-wrap:wrap; gap:24px; align-items:flex-start; }
.p3pd-grafik { margin: 6px 0 12px 0; min-width: 420px; max-width: 640px; flex: 1 1 420px; }
.p3pd-grafik-judul { font-weight: bold; margin-bottom: 4px; }
table.p3pd-batang { border-collapse: collapse; width: 100%; }
table.p3pd-batang th { text-align: right; font-weight: normal; padding: 2px 8px 2px 0; white-space: nowrap; width: 1%; }
table.p3pd-batang td { padding: 2px 0; }
table.p3pd-batang td.p3pd-nilai { width: 3.5em; padding-left: 6px; color: #333; }
.p3pd-tumpuk { display:flex; height: 18px; background: #f3f3f3; }
.p3pd-tumpuk span { display:block; height:100%; font-size: 11px; line-height: 18px; text-align:center; overflow:hidden; }
.p3pd-batang-isi { height: 16px; }
</style>
"""


def class_counts_chart_html(capaian: pd.DataFrame, colours: Mapping[str, str],
                            title: str = "Lampu lalu lintas per sektor (jumlah nilai desa × indikator)",
                            pita: tuple[float, float] | None = None) -> str:
    """Stacked horizontal bars in HTML: per sector, how many desa × indicator values fall in each class.

    >>> cap = pd.DataFrame({"sektor": ["KES", "KES", "AIR"], "kelas": ["merah", "hijau", pd.NA]})
    >>> h = class_counts_chart_html(cap, _KELAS_WARNA)
    >>> "data-grafik='lampu-sektor'" in h and "Kesehatan" in h and "title='Kesehatan · Belum tercapai: 1'" in h
    True
    """
    head = f"<div class='p3pd-grafik' data-grafik='lampu-sektor'><div class='p3pd-grafik-judul'>{esc(title)}</div>"
    if capaian is None or capaian.empty:
        return head + "<p class='p3pd-kosong'>Tidak ada data capaian.</p></div>"
    kelas = capaian["kelas"].astype("string").fillna("abu")
    counts = pd.crosstab(capaian["sektor"].astype(str), kelas)
    order = [k for k in SEKTOR_NAMA if k in counts.index] + sorted(set(counts.index) - set(SEKTOR_NAMA))
    rows = []
    for sektor in order:
        total = int(counts.loc[sektor].sum())
        nama = SEKTOR_NAMA.get(sektor, sektor)
        cells = []
        for k in _KELAS_LABEL:
            n = int(counts.loc[sektor, k]) if k in counts.columns else 0
            if n:
                cells.append(f"<span class='p3pd-{k}' style='width:{100 * n / total:.2f}%;background:{colours[k]};"
                             f"color:{_KELAS_TEKS[k]}' title='{esc(nama)} · {esc(_KELAS_LABEL[k])}: {n}'>{n}</span>")
        rows.append(f"<tr><th>{esc(nama)}</th><td><div class='p3pd-tumpuk'>{''.join(cells)}</div></td>"
                    f"<td class='p3pd-nilai'>{total}</td></tr>")
    return head + f"<table class='p3pd-batang'>{''.join(rows)}</table>{legend(colours, pita)}</div>"


_WARNA_INDEKS = "#3f6fb5"


def index_chart_html(indeks: pd.DataFrame, title: str = "Indeks Capaian Layanan Dasar per desa") -> str:
    """Horizontal bars in HTML of the composite index per desa (0–1), lowest first; no value shows as ``–``.

    >>> ix = pd.DataFrame({"kode_desa": ["a", "b"], "nama_desa": ["<B>", "A"], "indeks_capaian": [0.8, 0.25]})
    >>> h = index_chart_html(ix)
    >>> h.index("0,25") < h.index("0,80") and "&lt;B&gt;" in h and "width:25.0%" in h
    True
    """
    head = f"<div class='p3pd-grafik' data-grafik='indeks-desa'><div class='p3pd-grafik-judul'>{esc(title)}</div>"
    if indeks is None or indeks.empty:
        return head + "<p class='p3pd-kosong'>Tidak ada data indeks.</p></div>"
    v = pd.to_numeric(indeks["indeks_capaian"], errors="coerce").astype("float64")
    df = indeks.assign(_v=v).sort_values("_v", na_position="first", kind="stable")
    try:  # the reports' colour of the kecamatan level, as in their figure of the index
        from ..figures import WARNA_TINGKAT

        colour = str(WARNA_TINGKAT.get("kecamatan", _WARNA_INDEKS))
    except Exception:  # figures.py is optional for this colour
        colour = _WARNA_INDEKS
    rows = []
    for kode, nama, x in zip(df["kode_desa"], df["nama_desa"], df["_v"]):
        width = 0.0 if pd.isna(x) else max(0.0, min(1.0, float(x))) * 100
        rows.append(f"<tr data-kode-desa='{esc(kode)}'><th>{esc(nama)}</th><td><div class='p3pd-batang-isi' "
                    f"style='width:{width:.1f}%;background:{colour}' title='{esc(nama)}: {fmt_angka(x, 2)}'></div></td>"
                    f"<td class='p3pd-nilai'>{fmt_angka(x, 2)}</td></tr>")
    return head + f"<table class='p3pd-batang'>{''.join(rows)}</table></div>"


#: Characters per line of a chart title (a phone 412 px wide shows about 40 in the title's font).
JUDUL_GRAFIK_MAKS = 40


def wrap_title(text: str, width: int = JUDUL_GRAFIK_MAKS) -> str:
    """A chart title broken into lines of at most ``width`` characters at spaces (plotly draws no wrap itself).

    >>> wrap_title("Komposisi belanja desa (% dari total belanja); hijau = layanan dasar")
    'Komposisi belanja desa (% dari total<br>belanja); hijau = layanan dasar'
    >>> wrap_title("Kuadran")
    'Kuadran'
    """
    if "<br>" in text or len(text) <= width:
        return text
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def fig_bundle(fig: Any) -> dict[str, Any]:
    """An output of ``fig`` for an ``Output`` widget: plotly's mimetype, drawn offline by the lab extension.

    Built directly (as plotly's ``plotly_mimetype`` renderer does) because touching
    ``plotly.io.renderers`` imports nbformat and jsonschema: ≈ 1 s and ≈ 10 MB per kernel.
    The title is wrapped (:func:`wrap_title`) so that it stays whole on a phone.
    """
    from plotly.io import to_json

    data = json.loads(to_json(fig, validate=False, remove_uids=False))
    title = data.get("layout", {}).get("title")
    if isinstance(title, dict) and isinstance(title.get("text"), str):
        title["text"] = wrap_title(title["text"])
        # plotly.js (plotly 7.1) places a title of several lines about one line too high: move it down by a line
        # per line (measured in Chromium: 2 lines need ≥ 31 px more, 3 lines ≈ 50 px).
        breaks = title["text"].count("<br>")
        extra = 20 * (breaks + 1) if breaks else 0
        if extra:
            pad = title.setdefault("pad", {})
            pad["t"] = pad.get("t", 0) + extra
    data["config"] = {"displaylogo": False}
    return {"output_type": "display_data", "data": {"application/vnd.plotly.v1+json": data}, "metadata": {}}


def excel_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per table (Indonesian column labels)."""
    # Imported here: openpyxl costs every page's kernel ≈ 12 MB and 0.4 s, and few pages download.
    from ..excel import finish_sheet
    from ..safe_excel import protect_text_cells

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        used: set[str] = set()
        for name, df in sheets.items():
            sheet = re.sub(r"[\[\]\*\?/\\:]", " ", name)[:31] or "Data"
            base, i = sheet, 2
            while sheet in used:
                sheet = f"{base[:28]} {i}"
                i += 1
            used.add(sheet)
            _label(df).to_excel(writer, sheet_name=sheet, index=False)
        protect_text_cells(writer.sheets.values())  # text such as "=..." from the data stays text
        for ws in writer.sheets.values():
            finish_sheet(ws)  # A4, fit to width, repeated header row
    return buf.getvalue()


def _label(df: pd.DataFrame) -> pd.DataFrame:
    """Indonesian column labels via ``analysis.label`` when available."""
    try:
        from ..analysis import label

        return label(df)
    except ImportError:
        return df.copy()


def download_link(data: bytes, filename: str, mime: str, text: str) -> str:
    """An ``<a download>`` link carrying ``data`` as a data URI (works in Voila, no server route).

    >>> download_link(b"ab", "x.txt", "text/plain", "Unduh").startswith("<a download='x.txt'")
    True
    """
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f"<a download='{esc(filename)}' href='data:{mime};base64,{b64}' "
        f"class='p3pd-unduhan' data-nama='{esc(filename)}'>{esc(text)}</a>"
    )


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def standalone_html(page: str, aset_dir: Path) -> str:
    """A report page with its shared files (``_aset/laporan.css``, ``_aset/plotly.min.js``) inlined.

    The batch reports share one plotly.js per folder; a downloaded single file must
    carry its own copy to draw offline.

    >>> import tempfile; d = Path(tempfile.mkdtemp())
    >>> _ = (d / "laporan.css").write_text("b{}"); _ = (d / "plotly.min.js").write_text("var P=1;")
    >>> standalone_html('<link href="../_aset/laporan.css" rel="stylesheet"/><script src="../_aset/plotly.min.js"></script>', d)
    '<style>b{}</style><script>var P=1;</script>'
    """
    def read(href: str) -> str | None:
        path = aset_dir / Path(href).name
        return path.read_text(encoding="utf-8") if path.exists() else None

    def css(m: re.Match[str]) -> str:
        text = read(m.group(1))
        return m.group(0) if text is None else f"<style>{text}</style>"

    def js(m: re.Match[str]) -> str:
        text = read(m.group(1))
        return m.group(0) if text is None else "<script>" + text.replace("</script", "<\\/script") + "</script>"

    page = re.sub(r'<link\b[^>]*\bhref="([^"]+\.css)"[^>]*>', css, page)
    return re.sub(r'<script\b[^>]*\bsrc="([^"]+\.js)"[^>]*>\s*</script>', js, page)


def kl_css(colours: Mapping[str, str]) -> str:
    """CSS of the need–demand–supply classes (``kl-<warna>``: the report's class names, the dashboard's colours)."""
    fill = {**{k: colours[k] for k in ("hijau", "kuning", "merah")}, "abu": "#e0e0e0", "biru": "#1565c0"}
    ink = {"hijau": "#ffffff", "kuning": "#212121", "merah": "#ffffff", "abu": "#424242", "biru": "#ffffff"}
    rules = "".join(f"td.kl-{k}, .lgd.kl-{k} {{ background:{v}; color:{ink[k]}; }}" for k, v in fill.items())
    return f"<style>{rules}</style>"


@dataclass(frozen=True)
class TabContent:
    """What one tab shows for one view: its HTML, its figures as plotly mimetype outputs, the Kartu Desa."""

    html: str
    bundles: tuple[dict[str, Any], ...] = ()
    kartu: str = ""

    @classmethod
    def of(cls, html_text: str, figures: Sequence[Any] = (), kartu: str = "") -> "TabContent":
        """Content from HTML text and plotly figures (converted to mimetype outputs here)."""
        return cls(html=html_text, bundles=tuple(fig_bundle(f) for f in figures), kartu=kartu)


def of_desa(df: pd.DataFrame, kode: str) -> pd.DataFrame:
    """Rows of one desa (empty when the table has no ``kode_desa`` column)."""
    if df is None or df.empty or "kode_desa" not in df.columns:
        return pd.DataFrame()
    return df[df["kode_desa"] == kode]


#: The banner over the dashboard by kind of data (none for real data from the store).
BANNER = {
    "simulasi": "<div class='p3pd-simulasi' data-simulasi='1'>DATA SIMULASI – angka ini bukan data resmi; "
                "hanya untuk latihan dan uji coba.</div>",
    "unggahan": "<div class='p3pd-simulasi' data-unggahan='1'>DATA UNGGAHAN PENGGUNA – dipakai hanya di "
                "halaman ini dan belum disimpan; bukan data simulasi, belum tentu data resmi.</div>",
}


def trainer_summary(view: Any) -> str:
    """The trainer's bands and changed targets of a view in words (escaped HTML), Indonesian numbers."""
    text = f"pita {pita_text(view_bands(view))}"
    targets = dict((getattr(view, "parameter", None) or {}).get("targets") or {})
    if targets:
        kamus = view.kamus.set_index("indikator") if "indikator" in view.kamus.columns else pd.DataFrame()
        parts = []
        for ind, t in sorted(targets.items()):
            nama = kamus["nama"].get(ind, ind) if "nama" in kamus.columns else ind
            arah = kamus["arah"].get(ind) if "arah" in kamus.columns else None
            parts.append(f"target {target_text(t, arah)} untuk {nama} ({ind})")
        text += "; " + ", ".join(parts)
    return esc(text)


def header_html(view: Any, trainer: bool = False) -> str:
    """The page header of a kecamatan view: names, year, desa counts, data fingerprint (``data-kode-kecamatan``);
    in trainer mode, the bands and targets in use."""
    ident = view.identitas
    pelatih = (" · <b data-pelatih='1'>Mode pelatih aktif: warna memakai pita/target latihan, bukan parameter resmi</b> "
               f"({trainer_summary(view)})") if trainer else ""
    return (
        f"<div data-kode-kecamatan='{esc(view.kode_kecamatan)}' data-tahun='{esc(view.tahun)}'>"
        f"<h2>Kecamatan {esc(ident.get('nama_kecamatan'))} <span class='p3pd-sub'>({esc(view.kode_kecamatan)})</span></h2>"
        f"<div class='p3pd-sub'>{esc(ident.get('nama_kabupaten'))}, {esc(ident.get('nama_provinsi'))} · "
        f"Tahun {esc(view.tahun)} · {esc(ident.get('n_desa'))} desa, {esc(ident.get('n_kelurahan'))} kelurahan · "
        f"sidik data {esc(ident.get('fingerprint'))} · kit {esc(ident.get('versi_kit'))}{pelatih}</div></div>"
    )
