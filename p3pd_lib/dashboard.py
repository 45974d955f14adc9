"""The Voila dashboard for kecamatan staff: one :class:`App` owning its widgets.

The notebook ``notebooks/dashboard_kecamatan.ipynb`` only builds an :class:`App`
and displays ``app.container``; everything else lives here so it can be tested
without a browser, from an in-memory :class:`~p3pd_lib.store.Dataset`::

    app = App(dataset)                      # tests, notebooks
    app = App.from_store(data_dir=None)     # Voila: the canonical store, one kabupaten at a time
    app.open_query("kecamatan=33.07.01&tahun=2024")

Data: from the store the region controls come from the small ``wilayah`` table
and the store summary the server writes once (:func:`write_store_summary`).
Under :func:`serve`/:func:`start_server` the views come from the server's
:class:`ViewService`, one process that reads the store and runs the analysis
for all pages (its caches shared, the rest of a kabupaten computed ahead), so a
page's kernel holds only its views and widgets. Without the service (or when it
fails) a kernel reads one kabupaten itself (:class:`StoreSource`). An upload
goes through the kit's importer (:func:`read_upload`) and is used for the
page's session only.

Design (Voila's own example apps, and what the page's speed needs):

- every control calls the one :meth:`App.update` method; it reads the controls,
  takes the kecamatan view and the rendered tab from small caches and sends only
  the visible tab; the other tabs are rendered when they are opened (lazily);
  after a view is shown a background thread prefetches the kabupaten's other
  views and renders the visible tab for them, so switching kecamatan only sends;
- a preheated kernel waits for its visitor with the page built; the visitor's
  view is then computed in a background thread while Voila sends the page and
  the browser loads its scripts (``open_query(..., background=True)``), and is
  in the widgets before the browser receives their state (:class:`_WidgetGate`);
- widgets of hidden parts (a tab's controls and outputs, the trainer's sliders,
  the upload) are created when first shown: the browser builds every widget
  model before it shows the page;
- the first tab's charts are HTML; the other tabs' figures use plotly's mimetype
  renderer (JupyterLab's plotly extension shipped inside the plotly package, its
  bundled plotly.js, no CDN), all figures of a tab in one ``Output.outputs``
  assignment. The page template loads plotly.js after the first view and makes
  the renderer draw each chart once (see ``assets/jupyter/voila/templates/p3pd``);
- every text a user sees is Bahasa Indonesia; every value from data is HTML-escaped;
  exceptions are caught in :meth:`App.update`, logged on the server's stderr and
  replaced by an Indonesian message (no traceback, code or path ever reaches the page).
"""

from __future__ import annotations

import base64
import html
import io
import logging
import os
import re
import sys
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import parse_qs

import pandas as pd

from .errors import DataError, KitError, ParameterError

log = logging.getLogger(__name__)


def _server_log_handler() -> None:
    # Inside a kernel sys.stderr is forwarded to the browser; the real stderr of
    # the kernel process goes to the Voila server's log, which is where details belong.
    if not any(getattr(h, "_p3pd", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.__stderr__)
        # The process id tells the page kernels and the view service apart in the server's log.
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [p3pd.dashboard %(process)d] %(message)s"))
        handler._p3pd = True  # type: ignore[attr-defined]
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


_server_log_handler()

#: Tabs of the dashboard, in display order.
TABS: tuple[str, ...] = (
    "Ringkasan",
    "Layanan Dasar",
    "Belanja Desa",
    "Kuadran",
    "Usulan Masyarakat",
    "Agenda Terpadu",
    "Kualitas Data",
    "Tren",
)

SEKTOR_NAMA: dict[str, str] = {
    "PEND": "Pendidikan",
    "KES": "Kesehatan",
    "AIR": "Air bersih & Sanitasi",
    "SOS": "Perlindungan Sosial",
    "ADM": "Administrasi Kependudukan",
}

#: Default yellow bands of the traffic light (parameters/klasifikasi.yaml), in points.
PITA_NAIK_BAWAAN = 10.0
PITA_TURUN_BAWAAN = 5.0

PESAN_GALAT_UMUM = (
    "Maaf, terjadi kesalahan saat menyiapkan tampilan ini. Data sebelumnya tetap ditampilkan. "
    "Coba pilihan lain atau hubungi pengelola data kecamatan."
)

#: Logged (server side) when :meth:`App.from_store` has built its first view.
READY_LOG = "dashboard siap:"

_KODE_KEC_RE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
_CACHE_SIZE = 48  # views are small (≈ 0.5 MB); room for every kecamatan of a large kabupaten
#: Seconds to wait after a view is shown before prefetching the kabupaten's other kecamatan.
PREFETCH_DELAY_S = 6.0
#: The same when the views are computed already and only the visible tab is rendered ahead.
PREFETCH_RENDER_DELAY_S = 1.0
#: Seconds a prefetch waits at most, in total, for an overloaded machine (many pages opening) to calm down.
PREFETCH_PATIENCE_S = 30.0


# --------------------------------------------------------------------------- settings & query


@dataclass(frozen=True)
class TrainerSettings:
    """Trainer-mode overrides of the traffic-light bands and targets (hashable: a cache key).

    ``targets`` is a sorted tuple of ``(indikator, target)`` pairs.

    >>> TrainerSettings().is_default
    True
    >>> TrainerSettings(pita_naik=15).is_default
    False
    """

    pita_naik: float = PITA_NAIK_BAWAAN
    pita_turun: float = PITA_TURUN_BAWAAN
    targets: tuple[tuple[str, float], ...] = ()

    @property
    def is_default(self) -> bool:
        """True when nothing is overridden (the view uses the kit's parameters)."""
        return self.pita_naik == PITA_NAIK_BAWAAN and self.pita_turun == PITA_TURUN_BAWAAN and not self.targets

    def with_target(self, indikator: str, target: float | None) -> "TrainerSettings":
        """A copy with one indicator's target set (``None`` removes the override)."""
        rest = {k: v for k, v in self.targets if k != indikator}
        if target is not None:
            rest[indikator] = float(target)
        return replace(self, targets=tuple(sorted(rest.items())))


@dataclass(frozen=True)
class Query:
    """A parsed query string: the kecamatan and year asked for, and messages about bad values."""

    kecamatan: str | None = None
    tahun: int | None = None
    pesan: tuple[str, ...] = ()


def parse_query(query: str | None, kecamatan_tersedia: Iterable[str], tahun_tersedia: Iterable[int]) -> Query:
    """Parse ``kecamatan=33.07.01&tahun=2024`` against what the data hold.

    Unknown or malformed values are dropped and explained in ``pesan``
    (Indonesian, the value quoted as given: escape it before showing as HTML).
    Never raises.

    >>> q = parse_query("?kecamatan=33.07.01&tahun=2024", ["33.07.01"], [2023, 2024])
    >>> q.kecamatan, q.tahun, q.pesan
    ('33.07.01', 2024, ())
    >>> q = parse_query("kecamatan=99&tahun=abc", ["33.07.01"], [2024])
    >>> q.kecamatan, q.tahun, len(q.pesan)
    (None, None, 2)
    """
    kec_ok = set(kecamatan_tersedia)
    years = sorted({int(y) for y in tahun_tersedia})
    text = (query or "").strip().lstrip("?")
    try:
        params = parse_qs(text, keep_blank_values=True, max_num_fields=20)
    except ValueError:
        return Query(pesan=("Alamat halaman tidak dapat dibaca; menampilkan pilihan bawaan.",))
    pesan: list[str] = []
    kecamatan: str | None = None
    tahun: int | None = None
    raw_kec = (params.get("kecamatan") or [""])[-1].strip()
    if raw_kec:
        shown = raw_kec[:40]
        if not _KODE_KEC_RE.match(raw_kec):
            pesan.append(
                f"Kode kecamatan '{shown}' pada alamat halaman tidak valid (contoh yang benar: 33.07.01); "
                "menampilkan kecamatan bawaan."
            )
        elif raw_kec not in kec_ok:
            pesan.append(f"Kecamatan '{shown}' tidak ada dalam data; menampilkan kecamatan bawaan.")
        else:
            kecamatan = raw_kec
    raw_tahun = (params.get("tahun") or [""])[-1].strip()
    if raw_tahun:
        shown = raw_tahun[:20]
        if not raw_tahun.isdigit():
            pesan.append(f"Tahun '{shown}' pada alamat halaman tidak valid (contoh yang benar: 2024).")
        elif int(raw_tahun) not in years:
            daftar = ", ".join(str(y) for y in years) or "-"
            pesan.append(f"Tahun {shown} tidak ada dalam data (tersedia: {daftar}); menampilkan tahun terakhir.")
        else:
            tahun = int(raw_tahun)
    return Query(kecamatan=kecamatan, tahun=tahun, pesan=tuple(pesan))


def wait_for_request() -> None:
    """Block a preheated kernel until Voila hands it a visitor's request, then put the request in ``os.environ``.

    The same protocol as ``voila.utils.wait_for_request`` (voila 0.5.13: a websocket
    to ``/voila/query/<kernel id>``), without importing ``voila`` in the kernel:
    that import pulls in jupyter_server, nbconvert and jupyterlab_server, measured at
    ≈ 1.5 s and ≈ 45 MiB per page's kernel. Returns at once when the kernel is not
    preheated (plain Voila, Jupyter, tests).
    """
    if os.getenv("VOILA_PREHEAT", "False") == "False":
        return
    import asyncio
    import json

    import websockets

    server_url = os.getenv("VOILA_SERVER_URL", "/")
    url = (
        f"{os.getenv('VOILA_WS_PROTOCOL', 'ws')}://{os.getenv('VOILA_APP_IP', '127.0.0.1')}:"
        f"{os.getenv('VOILA_APP_PORT', str(DEFAULT_PORT))}{os.getenv('VOILA_WS_BASE_URL', server_url)}"
        f"voila/query/{os.getenv('VOILA_KERNEL_ID')}"
    )
    received: list[str] = []

    async def receive() -> None:
        async with websockets.connect(url, open_timeout=5) as ws:
            received.append(await ws.recv())

    def run() -> None:  # the kernel's own event loop is busy running this cell: use a fresh one
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(receive())
        except (OSError, asyncio.TimeoutError) as exc:
            log.warning("permintaan halaman tidak diterima dari %s: %r", url, exc)
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="p3pd-wait-for-request")
    thread.start()
    thread.join()
    if received:
        for key, value in json.loads(received[0]).items():
            os.environ[key] = value


def query_string_from_env() -> str:
    """The page's query string as Voila passes it to the kernel (empty when absent)."""
    return os.environ.get("QUERY_STRING", "") or ""


# --------------------------------------------------------------------------- formatting & HTML

_KELAS_WARNA = {"hijau": "#1a9850", "kuning": "#fdd835", "merah": "#d73027", "abu": "#bdbdbd"}
_KELAS_TEKS = {"hijau": "#ffffff", "kuning": "#212121", "merah": "#ffffff", "abu": "#212121"}
_KELAS_LABEL = {"hijau": "Tercapai", "kuning": "Mendekati", "merah": "Belum tercapai", "abu": "Tidak ada data / tidak stabil"}


def _kelas_colours() -> dict[str, str]:
    """Traffic-light colours: the report's visual language when figures.py declares it."""
    try:
        from . import figures

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
        from .analysis import LABELS
    except ImportError:
        return dict(_EXTRA_LABEL)
    return {**LABELS, **_EXTRA_LABEL}


def _cell(value: Any, column: str = "") -> str:
    """One value as escaped display text (Indonesian number formats)."""
    if value is None or value is pd.NA:
        return "–"
    if isinstance(value, str):
        return esc(value)
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
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
    """
    if df is None or df.empty:
        return f"<p class='p3pd-kosong'>{esc(kosong)}</p>"
    cols = [c for c in (columns or df.columns) if c in df.columns]
    labels = _labels()
    head = "".join(f"<th>{esc(labels.get(c, c))}</th>" for c in cols)
    rows = []
    for rec in df[cols].head(max_rows).itertuples(index=False, name=None):
        rows.append("<tr>" + "".join(f"<td>{_cell(v, c)}</td>" for v, c in zip(rec, cols)) + "</tr>")
    more = ""
    if len(df) > max_rows:
        more = f"<p class='p3pd-catatan'>Menampilkan {max_rows} dari {len(df)} baris; unduh Excel untuk semua baris.</p>"
    return f"<table class='{css_class}'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _light_cell(kelas: Any, text: str, title: str, colours: Mapping[str, str]) -> str:
    k = str(kelas) if isinstance(kelas, str) and kelas in colours else "abu"
    return (
        f"<td class='p3pd-lampu p3pd-{k}' data-kelas='{k}' title='{esc(title)}' "
        f"style='background:{colours[k]};color:{_KELAS_TEKS[k]}'>{text}</td>"
    )


def _legend(colours: Mapping[str, str]) -> str:
    items = "".join(
        f"<span class='p3pd-legenda-item'><span class='p3pd-kotak' style='background:{colours[k]}'></span>{esc(lab)}</span>"
        for k, lab in _KELAS_LABEL.items()
    )
    return f"<div class='p3pd-legenda'>{items}</div>"


_CSS = """
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
</style>
"""


# --------------------------------------------------------------------------- figures

_CHART_CSS = """
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
                            title: str = "Lampu lalu lintas per sektor (jumlah nilai desa × indikator)") -> str:
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
    return head + f"<table class='p3pd-batang'>{''.join(rows)}</table>{_legend(colours)}</div>"


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
        from .figures import WARNA_TINGKAT

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



def _fig_bundle(fig: Any) -> dict[str, Any]:
    """An output of ``fig`` for an ``Output`` widget: plotly's mimetype, drawn offline by the lab extension.

    Built directly (as plotly's ``plotly_mimetype`` renderer does) because touching
    ``plotly.io.renderers`` imports nbformat and jsonschema: ≈ 1 s and ≈ 10 MB per kernel.
    """
    import json

    from plotly.io import to_json

    data = json.loads(to_json(fig, validate=False, remove_uids=False))
    data["config"] = {"displaylogo": False}
    return {"output_type": "display_data", "data": {"application/vnd.plotly.v1+json": data}, "metadata": {}}


# --------------------------------------------------------------------------- data & downloads


def _excel_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per table (Indonesian column labels)."""
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
    return buf.getvalue()


def _label(df: pd.DataFrame) -> pd.DataFrame:
    """Indonesian column labels via ``analysis.label`` when available."""
    try:
        from .analysis import label

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


def read_upload(files: Sequence[tuple[str, bytes]], *, data_dir: str | os.PathLike[str] | None = None,
                kabupaten: str | None = None) -> Any:
    """Validate and parse uploaded files with the kit's importer (:func:`p3pd_lib.importer.read_files`).

    ``files`` are ``(name, content)`` pairs as the upload widget gives them; they
    are written to a private temporary folder only for reading (nothing reaches
    the data store). ``kabupaten``: the kabupaten shown (name matching of
    Siskeudes exports; village codes outside it are findings). Returns the
    :class:`~p3pd_lib.importer.ParsedImport`.
    """
    import tempfile

    from .importer import read_files

    if not files:
        raise DataError("Tidak ada berkas yang diunggah.")
    with tempfile.TemporaryDirectory(prefix="p3pd_unggahan_") as tmp:
        paths = []
        for i, (name, content) in enumerate(files):
            # Only the base name (never a path from the browser); one folder per file keeps equal names apart.
            base = Path(str(name).replace("\\", "/")).name.strip() or f"berkas_{i + 1}"
            folder = Path(tmp) / str(i)
            folder.mkdir()
            path = folder / base
            path.write_bytes(bytes(content))
            paths.append(path)
        return read_files(paths, data_dir, kabupaten=kabupaten)


#: Columns of the findings table shown after an upload.
KOLOM_TEMUAN_UNGGAHAN = ("berkas", "lembar", "baris", "kolom", "nilai", "tingkat", "pesan")


def dataset_with_upload(base: Any, tables: Mapping[str, pd.DataFrame]) -> Any:
    """A new in-memory dataset with the uploaded tables (pure; ``base`` untouched).

    Simulated data are never mixed with a user's data (the importer's rule):
    over a DATA SIMULASI ``base`` only the uploaded tables are kept (with the
    region list of ``base``, extended from the official list when needed);
    over real data the upload is merged with the importer's rules, uploaded
    values winning (:func:`p3pd_lib.importer.merge_tables`). The result is
    marked ``sumber = "unggahan pengguna"``, not ``simulasi``.
    """
    from .importer import merge_tables
    from .schemas import TABLES, empty_frame
    from .store import Dataset, frame_fingerprint

    if getattr(base, "simulasi", False):
        current = {name: (base.wilayah if name == "wilayah" else empty_frame(name)) for name in TABLES}
    else:
        current = base.tables()
    merged, _log = merge_tables(current, tables, replace=True)
    meta = {"simulasi": False, "sumber": "unggahan pengguna", "fingerprint": frame_fingerprint(merged)}
    return Dataset(**merged, meta=meta)


# --------------------------------------------------------------------------- demand side (usulan)


def _kl_css(colours: Mapping[str, str]) -> str:
    """CSS of the need–demand–supply classes (``kl-<warna>``: the report's class names, the dashboard's colours)."""
    fill = {**{k: colours[k] for k in ("hijau", "kuning", "merah")}, "abu": "#e0e0e0", "biru": "#1565c0"}
    ink = {"hijau": "#ffffff", "kuning": "#212121", "merah": "#ffffff", "abu": "#424242", "biru": "#ffffff"}
    rules = "".join(f"td.kl-{k}, .lgd.kl-{k} {{ background:{v}; color:{ink[k]}; }}" for k, v in fill.items())
    return f"<style>{rules}</style>"


def usulan_per_sektor(usulan_desa: pd.DataFrame) -> pd.DataFrame:
    """Proposal metrics of a kecamatan per sector, Σ/Σ over its desa (``view.usulan`` in, one row per sector out).

    Columns: ``sektor, nama_sektor, n_desa_dengan_usulan, n_usulan, n_didanai_apbdes, porsi_didanai,
    nilai_usulan, nilai_disetujui, porsi_didanai_rp`` (see :func:`p3pd_lib.usulan.aggregate_proposals`).

    >>> u = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002"], "tahun": [2024, 2024],
    ...     "sektor": ["KES", "KES"], "n_usulan": [3, 1], "n_didanai_apbdes": [1, 1], "n_didanai_pihak_lain": [0, 0],
    ...     "n_belum_didanai": [2, 0], "n_ditolak": [0, 0], "nilai_usulan": [30.0, 10.0], "nilai_disetujui": [5.0, 10.0],
    ...     "pembilang_rp": [5.0, 10.0], "penyebut_rp": [30.0, 10.0], "n_biaya_kosong": [0, 0], "n_disetujui_kosong": [0, 0]})
    >>> r = usulan_per_sektor(u).iloc[0]
    >>> r["nama_sektor"], int(r["n_usulan"]), float(r["porsi_didanai"]), round(float(r["porsi_didanai_rp"]), 1)
    ('Kesehatan', 4, 50.0, 37.5)
    """
    from . import usulan

    cols = ["sektor", "nama_sektor", *[c for c in KOLOM_TAMPIL["usulan_sektor"] if c != "nama_sektor"]]
    if usulan_desa is None or usulan_desa.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    agg = usulan.aggregate_proposals(usulan_desa, None, tingkat="kecamatan")
    order = {k: i for i, k in enumerate(usulan.LABEL_SEKTOR)}
    agg = agg.assign(nama_sektor=agg["sektor"].map(lambda k: usulan.LABEL_SEKTOR.get(k, k)).astype("string"),
                     _urut=agg["sektor"].map(lambda k: order.get(k, len(order))))
    return agg.sort_values("_urut", kind="stable")[cols].reset_index(drop=True)


def need_demand_legend_html(penjelasan: Mapping[str, str]) -> str:
    """Legend of the five classes: the report's own (:func:`p3pd_lib.render.need_demand_legend`)."""
    from .render import need_demand_legend

    return str(need_demand_legend(penjelasan))


def need_demand_counts_html(usulan_wilayah: pd.DataFrame, sektor: Mapping[str, str], kelas: Sequence[str]) -> str:
    """Desa per class and sector, kecamatan and kabupaten: the report's table (:func:`p3pd_lib.render.need_demand_counts`)."""
    from .render import need_demand_counts

    if usulan_wilayah is None or usulan_wilayah.empty:
        return "<p class='p3pd-kosong'>Belum ada data usulan masyarakat untuk tahun ini.</p>"
    return f"<div data-tabel='usulan-jumlah'>{need_demand_counts(usulan_wilayah, sektor, kelas)}</div>"


def need_demand_grid_html(kebutuhan: pd.DataFrame, desa: pd.DataFrame, sektor: Mapping[str, str]) -> str:
    """Desa × sector grid of the need–demand–supply classes, coloured as in the report (``render.WARNA_KELAS_USULAN``).

    One row per desa of ``kebutuhan`` (``data-kode-desa``), in the order of the
    kecamatan's desa list; each cell carries its class (``data-kelas-usulan``)
    and the counts behind it as tooltip. Everything from data is escaped.

    >>> k = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "nama_desa": ["<A>"], "sektor": ["KES"], "kelas": ["Selaras"],
    ...                   "n_merah": [1], "n_kuning": [0], "n_usulan": [2], "n_didanai": [1]})
    >>> h = need_demand_grid_html(k, k[["kode_desa", "nama_desa"]], {"KES": "Kesehatan"})
    >>> "kl-hijau" in h and "&lt;A&gt;" in h and "data-kelas-usulan='Selaras'" in h
    True
    """
    from .render import WARNA_KELAS_USULAN

    if kebutuhan is None or kebutuhan.empty:
        return "<p class='p3pd-kosong'>Belum ada data usulan masyarakat untuk tahun ini.</p>"
    present = set(kebutuhan["sektor"].astype(str))
    sectors = [k for k in sektor if k in present]
    head = "".join(f"<th>{esc(sektor[k])}</th>" for k in sectors)
    by = {(str(r["kode_desa"]), str(r["sektor"])): r for r in kebutuhan.to_dict("records")}
    order = [str(k) for k in desa["kode_desa"]] if desa is not None and "kode_desa" in desa.columns else []
    codes = [k for k in order if any((k, s) in by for s in sectors)]
    codes += sorted({str(k) for k in kebutuhan["kode_desa"]} - set(codes))
    names = dict(zip(kebutuhan["kode_desa"].astype(str), kebutuhan["nama_desa"]))
    rows = []
    for kode in codes:
        cells = []
        for s in sectors:
            r = by.get((kode, s))
            if r is None:
                cells.append("<td class='kl-abu p3pd-usulan' data-kelas-usulan=''>–</td>")
                continue
            kelas = str(r["kelas"])
            tip = "; ".join(f"{lab} {fmt_angka(r[c], 0)}" for c, lab in
                            (("n_merah", "indikator merah"), ("n_kuning", "indikator kuning"),
                             ("n_usulan", "usulan"), ("n_didanai", "didanai APBDes")) if c in r)
            cells.append(f"<td class='kl-{WARNA_KELAS_USULAN.get(kelas, 'abu')} p3pd-usulan' "
                         f"data-kelas-usulan='{esc(kelas)}' title='{esc(tip)}'>{esc(kelas)}</td>")
        rows.append(f"<tr data-kode-desa='{esc(kode)}'><th>{esc(names.get(kode))}</th>{''.join(cells)}</tr>")
    return (f"<table class='p3pd-matriks' data-tabel='usulan'><thead><tr><th>Desa</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


# --------------------------------------------------------------------------- the app


#: Kabupaten whose data a page's kernel keeps in memory (the last ones looked at).
KABUPATEN_DISIMPAN = 1


#: Environment variable naming the store summary the server writes once for all page kernels
#: (:func:`write_store_summary`); a kernel that finds none (or a stale one) reads the store itself.
SUMMARY_ENV = "P3PD_DASHBOARD_RINGKASAN_STORE"
_SUMMARY_TABLES = ("layanan", "apbdes", "status_desa", "usulan")


def _store_stamp(data_dir: str | os.PathLike[str] | None) -> dict[str, Any]:
    """What identifies a store's current content: its folder and the size and time of each data file."""
    from .paths import processed_dir

    folder = processed_dir(data_dir)
    stamp: dict[str, Any] = {"folder": str(folder.resolve())}
    for name in (*_SUMMARY_TABLES, "wilayah", "meta"):
        path = folder / ("meta.json" if name == "meta" else f"{name}.parquet")
        st = path.stat() if path.exists() else None
        stamp[name] = [st.st_size, st.st_mtime_ns] if st else None
    return stamp


def store_summary(data_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The kecamatan with data (service or APBDes rows) and the years of each data table, read from the store.

    Reading the distinct codes of millions of APBDes lines takes a page's kernel
    ≈ 0.5 s and leaves ≈ 30 MB of heap behind, so the server does it once
    (:func:`write_store_summary`) and every kernel reads the result.

    >>> sorted(store_summary("/nonexistent/folder"))
    ['kecamatan', 'stamp', 'tahun']
    """
    from .store import distinct_values

    kec: set[str] = set()
    for name in ("layanan", "apbdes"):
        kec.update(str(k)[:8] for k in distinct_values(name, "kode_desa", data_dir) if isinstance(k, str))
    years = {name: sorted({int(y) for y in distinct_values(name, "tahun", data_dir) if y is not None})
             for name in _SUMMARY_TABLES}
    return {"stamp": _store_stamp(data_dir), "kecamatan": sorted(kec), "tahun": years}


def write_store_summary(data_dir: str | os.PathLike[str] | None, path: str | os.PathLike[str]) -> Path:
    """Write :func:`store_summary` as JSON to ``path`` (the server does this before starting Voila)."""
    import json

    out = Path(path)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(store_summary(data_dir)), encoding="utf-8")
    tmp.replace(out)
    return out


def _summary_from_env(data_dir: str | os.PathLike[str] | None) -> dict[str, Any] | None:
    """The server's store summary when it describes this store as it is now (else ``None``)."""
    import json

    path = os.environ.get(SUMMARY_ENV)
    if not path:
        return None
    try:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return summary if summary.get("stamp") == _store_stamp(data_dir) else None


class StoreSource:
    """The canonical store, read one kabupaten at a time so a page's kernel stays small with a large store.

    At start only the small ``wilayah`` table and the store summary (kecamatan
    with data, years: the server's :func:`write_store_summary` when it is
    current, else :func:`store_summary`) are read; :meth:`dataset` loads one
    kabupaten (its APBDes, status and proposals, plus the province's service
    counts and regions that the province comparison of
    :func:`analysis.kecamatan_view` needs) on demand and keeps the last
    :data:`KABUPATEN_DISIMPAN`.
    """

    def __init__(self, data_dir: str | os.PathLike[str] | None = None, keep: int = KABUPATEN_DISIMPAN) -> None:
        from .store import StoreError, load_table, read_meta, store_exists

        if not store_exists(data_dir):
            raise StoreError("Data belum tersedia.")
        self.data_dir = data_dir
        self.keep = max(1, int(keep))
        self.meta = read_meta(data_dir)
        self.wilayah = load_table("wilayah", data_dir)
        summary = _summary_from_env(data_dir)
        self.summary_from_server = summary is not None
        if summary is None:
            summary = store_summary(data_dir)
            release_memory()
        self.kecamatan_with_data = set(summary["kecamatan"])
        years = {name: set(summary["tahun"].get(name, [])) for name in _SUMMARY_TABLES}
        self.years = sorted(set().union(*years.values()))
        self.latest_layanan = max(years["layanan"]) if years["layanan"] else None
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._provinsi: tuple[str, pd.DataFrame] | None = None
        self.loads = 0  # kabupaten read from disk (tests, logs)
        #: The server's view service (:class:`ServiceClient`), when the kernel has one.
        self.service: Any = None
        self.needs_collect = False  # a kabupaten was evicted: run the cyclic garbage collector when idle

    def collect_garbage(self) -> None:
        """Run the cyclic garbage collector after an eviction and give the memory back (call when idle)."""
        if self.needs_collect:
            import gc

            self.needs_collect = False
            gc.collect()
            release_memory()

    @property
    def simulasi(self) -> bool:
        """True when the store holds demo data."""
        return bool(self.meta.get("simulasi", False))

    def dataset(self, kode_kabupaten: str) -> Any:
        """The dataset a view of any kecamatan of ``kode_kabupaten`` needs (cached)."""
        from .store import load_subset, load_table

        hit = self._cache.get(kode_kabupaten)
        if hit is not None:
            self._cache.move_to_end(kode_kabupaten)
            return hit
        t0 = time.perf_counter()
        if len(self._cache) >= self.keep:
            # Make room before reading (the kernel's peak memory is what counts), and the analysis
            # module's per-dataset results of the evicted kabupaten must go too. Reference counting
            # frees the tables at once; the cyclic collector runs later (collect_garbage), not
            # while a visitor waits (a full collection takes 0.1–0.3 s).
            from . import analysis

            while len(self._cache) >= self.keep:
                self._cache.popitem(last=False)
            analysis.clear_cache()
            release_memory()
            self.needs_collect = True
        t_evict = time.perf_counter() - t0
        prov = kode_kabupaten[:2]
        if self._provinsi is None or self._provinsi[0] != prov:
            self._provinsi = None  # drop the old province before reading the new one
            self._provinsi = (prov, load_table("layanan", self.data_dir, kode=prov))
        part = load_subset(kode_kabupaten, self.data_dir, tables=("apbdes", "status_desa", "usulan"))
        w = self.wilayah
        ds = replace(part, layanan=self._provinsi[1],
                     wilayah=w[(w["kode_provinsi"] == prov).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True))
        self._cache[kode_kabupaten] = ds
        self.loads += 1
        release_memory()
        log.info("data kabupaten %s dimuat: %.2f s (mengosongkan memori %.2f s)", kode_kabupaten,
                 time.perf_counter() - t0, t_evict)
        return ds

    def datasets(self, kode_kabupaten: Iterable[str]) -> Any:
        """One dataset holding every table of the given kabupaten in full (for merging an upload)."""
        from .store import load_subset

        ds = load_subset(sorted(set(kode_kabupaten)), self.data_dir)
        return replace(ds, wilayah=self.wilayah)


def _default_view_fn(dataset: Any, kode: str, tahun: int, settings: TrainerSettings,
                     splits: tuple[float | None, float | None]) -> Any:
    """``analysis.kecamatan_view`` with the trainer's bands and targets and the quadrant splits."""
    from . import analysis

    kwargs: dict[str, Any] = {}
    if not settings.is_default:
        kwargs["bands"] = {"kuning_naik": float(settings.pita_naik), "kuning_turun": float(settings.pita_turun)}
        if settings.targets:
            kwargs["targets"] = dict(settings.targets)
    split_x, split_y = splits
    return analysis.kecamatan_view(dataset, kode, tahun=tahun, split_x=split_x, split_y=split_y, **kwargs)


def komposisi_kelompok(komposisi: pd.DataFrame) -> pd.DataFrame:
    """Spending mix per desa by group (``kelompok``), the five basic-service sectors summed as ``layanan_dasar``.

    ``belanja.spending_composition`` reports ``komponen`` rows (five sectors and the
    other groups); the figure of the mix wants the groups of docs/architecture.md.

    >>> k = pd.DataFrame({"kode_desa": ["a"] * 3, "nama_desa": ["A"] * 3, "komponen": ["KES", "AIR", "personel"],
    ...     "jenis_komponen": ["sektor", "sektor", "kelompok"], "anggaran": [1.0, 2.0, 7.0], "porsi": [10.0, 20.0, 70.0]})
    >>> komposisi_kelompok(k)[["kelompok", "porsi"]].values.tolist()
    [['layanan_dasar', 30.0], ['personel', 70.0]]
    """
    if "kelompok" in komposisi.columns or "komponen" not in komposisi.columns or komposisi.empty:
        return komposisi
    kelompok = komposisi["komponen"].astype("string").where(komposisi["jenis_komponen"] != "sektor", "layanan_dasar")
    keys = [c for c in ("kode_desa", "nama_desa", "tahun") if c in komposisi.columns]
    out = (
        komposisi.assign(kelompok=kelompok)
        .groupby([*keys, "kelompok"], sort=False, dropna=False)[["anggaran", "porsi"]]
        .sum(min_count=1)
        .reset_index()
    )
    return out


def release_memory() -> None:
    """Give freed heap memory back to the OS (a page's kernel must stay small; issue target < 300 MB).

    pandas 3 keeps strings in Arrow buffers; with ``ARROW_DEFAULT_MEMORY_POOL=system``
    (set by :func:`voila_command`) they come from malloc, which keeps freed pages
    until ``malloc_trim``. Cheap (milliseconds); called after a new view is computed.
    """
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # pyarrow is optional for this purpose
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _of_desa(df: pd.DataFrame, kode: str) -> pd.DataFrame:
    """Rows of one desa (empty when the table has no ``kode_desa`` column)."""
    if df is None or df.empty or "kode_desa" not in df.columns:
        return pd.DataFrame()
    return df[df["kode_desa"] == kode]


def _kecamatan_with_data(dataset: Any) -> set[str]:
    found: set[str] = set()
    for name in ("layanan", "apbdes"):
        df = dataset.table(name)
        if not df.empty:
            found.update(str(k) for k in df["kode_desa"].dropna().astype(str).str.slice(0, 8).unique())
    return found


#: Tabs that show figures (one ``Output`` widget each); the others are HTML only.
FIGURE_TABS = frozenset({TABS.index("Belanja Desa"), TABS.index("Kuadran"), TABS.index("Tren")})
_CONTENT_CACHE_SIZE = 64  # rendered tabs (HTML + figure JSON, ≈ 0.1 MB each)


@dataclass(frozen=True)
class TabContent:
    """What one tab shows for one view: its HTML, its figures as plotly mimetype outputs, the Kartu Desa."""

    html: str
    bundles: tuple[dict[str, Any], ...] = ()
    kartu: str = ""


class _TabParts(Sequence):
    """``app.tab_html[i]`` / ``app.tab_figs[i]``: a tab's widgets, built (and attached) when first asked for.

    Tabs without figures have no ``Output`` widget (``tab_figs[i]`` is ``None``): every widget
    that exists in the kernel is sent to the browser when a page opens, shown or not.
    """

    def __init__(self, app: "App", part: int) -> None:
        self._app, self._part = app, part

    def __len__(self) -> int:
        return len(TABS)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(len(TABS))[i]]
        idx = range(len(TABS))[i]
        return self._app._tab_widgets(idx)[self._part]


class _WidgetGate:
    """Holds back the browser's first request for the widgets' state until the page's first view is ready.

    A page's browser asks for the state of every widget once, on the
    ``jupyter.widget.control`` comm, when it has loaded its scripts. The view a
    visitor asked for is computed in a background thread meanwhile (see
    :meth:`App.open_query` with ``background=True``), so the kernel's work
    overlaps the browser's start-up. The gate runs the pending finishers on the
    kernel's main thread before ipywidgets answers, so the browser receives the
    finished view in its first state: no update can race the browser while it
    is still creating the widget models (an update arriving then would be lost).
    """

    _installed = False
    _pending: "weakref.WeakSet[App]"

    @classmethod
    def add(cls, app: "App") -> None:
        import weakref

        if not cls._installed:
            import comm
            from ipywidgets import Widget

            cls._pending = weakref.WeakSet()
            original = Widget.handle_control_comm_opened

            def opened(control_comm: Any, msg: Any) -> None:
                for pending in list(cls._pending):
                    try:
                        pending._finish_background()
                    except Exception:  # the browser must still get its widgets
                        log.exception("tampilan awal gagal diselesaikan")
                original(control_comm, msg)

            comm.get_comm_manager().register_target("jupyter.widget.control", opened)
            cls._installed = True
        cls._pending.add(app)

    @classmethod
    def done(cls, app: "App") -> None:
        if cls._installed:
            cls._pending.discard(app)


def _kernel_loop() -> Any:
    """The running kernel's main event loop (``None`` outside a kernel: tests, scripts)."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        return getattr(kernel, "io_loop", None)
    except Exception:  # IPython missing or not a kernel
        return None


@dataclass
class _Background:
    thread: threading.Thread
    query: Query
    started: float


class App:
    """The kecamatan dashboard: owns its widgets, exposes :attr:`container`.

    ``App(dataset)`` works on an in-memory dataset (tests, notebooks);
    :meth:`from_store` reads the canonical store one kabupaten at a time
    (``source``, a :class:`StoreSource`). ``view_fn`` (for tests) replaces
    :func:`analysis.kecamatan_view` with a callable of the same shape.

    Widgets a page does not show yet are not created yet: the controls and
    outputs of a tab when the tab is first opened, the trainer's sliders when
    the trainer mode is first switched on, the upload controls when their
    section is first opened (attributes such as :attr:`sektor` or
    :attr:`pita_naik` create them on first access). The browser builds every
    widget model of the kernel before it shows the page.
    """

    def __init__(
        self,
        dataset: Any,
        *,
        kecamatan: str | None = None,
        tahun: int | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        view_fn: Callable[..., Any] | None = None,
        pesan: str | None = None,
        prefetch: bool = False,
        source: StoreSource | None = None,
        defer: bool = False,
    ) -> None:
        import ipywidgets as W
        from ipywidgets.widgets.widget_description import DescriptionStyle
        from ipywidgets.widgets.widget_string import HTMLStyle

        self.dataset = dataset
        self._source: StoreSource | None = None
        self._data_gen = 0  # bumped whenever the data change: part of every cache key
        self.data_dir = data_dir
        self._view_fn = view_fn or _default_view_fn
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._contents: OrderedDict[tuple, TabContent] = OrderedDict()
        # One lock around the view function and the caches: the background threads and the
        # kernel's main thread never run the analysis (and its module caches) at once.
        self._lock = threading.RLock()
        self.prefetch = prefetch
        self._report_dir: Path | None = None
        #: Log every update's duration on the server (on in Voila, see from_store).
        self.log_timings = False
        self._prefetch_gen = 0
        self._prefetched: tuple | None = None
        self._prefetch_thread: threading.Thread | None = None
        self._visitor = False  # set by open_query: from then on a browser is looking
        self._bg: _Background | None = None
        self._defer = bool(defer)
        self._view: Any = None
        self._key: tuple | None = None
        self._rendered: dict[int, tuple] = {}
        self._suspended = 0
        self._regions = pd.DataFrame()
        self._years: list[int] = []
        self._kec_map: dict[str, str] = {}
        self._colours = _kelas_colours()
        self.timings: dict[str, float] = {}
        self._w: dict[str, Any] = {}  # widgets created on demand (tab controls, trainer, upload)
        self._tab_built: dict[int, tuple[Any, Any]] = {}
        self._settings = TrainerSettings()
        self._base_targets: dict[str, float] = {}  # the catalogue's targets (trainer sliders start there)

        # Shared Layout/Style models: every widget otherwise brings one or two models of its own,
        # and the browser builds every model before it shows the page.
        self._W = W
        self._lay = W.Layout()
        self._html_style = HTMLStyle()
        row = W.Layout(flex_flow="row wrap")
        self._row = row

        self.banner = self._html()  # also carries the page's CSS
        self.header = self._html()
        self.message = self._html()

        # --- region and year controls
        dd_style = DescriptionStyle(description_width="initial")
        self._dd_style = dd_style
        lay = W.Layout(width="auto", min_width="260px")
        self.provinsi = W.Dropdown(description="Provinsi", options=[], layout=lay, style=dd_style)
        self.kabupaten = W.Dropdown(description="Kabupaten/Kota", options=[], layout=lay, style=dd_style)
        self.kecamatan = W.Combobox(
            description="Kecamatan", options=(), ensure_option=True, continuous_update=False,
            placeholder="Ketik nama atau kode kecamatan…", layout=W.Layout(width="360px"),
        )
        self.tahun = W.Dropdown(description="Tahun", options=[], layout=W.Layout(width="180px"), style=dd_style)
        self.trainer = W.ToggleButton(value=False, description="Mode pelatih", tooltip="Ubah pita dan target untuk latihan",
                                      layout=self._lay)
        self.trainer_box = W.VBox([], layout=W.Layout(display="none", border="1px solid #e0a800", padding="6px"))

        # --- tabs: one box each, filled when the tab is first shown
        self._tab_boxes = [W.VBox([], layout=self._lay) for _ in TABS]
        self.tabs = W.Tab(children=self._tab_boxes, titles=list(TABS))
        self.tab_html = _TabParts(self, 0)
        self.tab_figs = _TabParts(self, 1)

        # --- downloads and upload (the upload controls are built when their section opens)
        button_style = W.ButtonStyle()
        self.btn_excel = W.Button(description="Excel tampilan ini", tooltip="Siapkan berkas Excel dari tab yang sedang dibuka",
                                  layout=W.Layout(width="auto"), style=button_style)
        self.btn_agenda = W.Button(description="Excel agenda terpadu", layout=self.btn_excel.layout, style=button_style)
        self.btn_laporan = W.Button(description="Laporan HTML kecamatan", layout=self.btn_excel.layout, style=button_style)
        self.links = self._html()
        self.upload_box = W.VBox([], layout=self._lay)
        self.upload_acc = W.Accordion(children=[self.upload_box], titles=("Gunakan data sendiri",), selected_index=None)

        self.container = W.VBox(
            [
                self.banner, self.header,
                W.HBox([self.provinsi, self.kabupaten], layout=row),
                W.HBox([self.kecamatan, self.tahun, self.trainer], layout=row),
                self.trainer_box, self.message,
                self.tabs,
                W.HBox([self.btn_excel, self.btn_agenda, self.btn_laporan], layout=row),
                self.links, self.upload_acc,
            ],
            layout=self._lay,
        )
        self.container.add_class("p3pd-app")

        # --- wiring: every control calls update(); cascades call it once at their end
        self.provinsi.observe(self._on_provinsi, "value")
        self.kabupaten.observe(self._on_kabupaten, "value")
        for w in (self.kecamatan, self.tahun):
            w.observe(self.update, "value")
        self.trainer.observe(self._on_trainer, "value")
        self.tabs.observe(self.update, "selected_index")
        self.btn_excel.on_click(lambda _b: self._prepare_download("tampilan"))
        self.btn_agenda.on_click(lambda _b: self._prepare_download("agenda"))
        self.btn_laporan.on_click(lambda _b: self._prepare_download("laporan"))
        self.upload_acc.observe(self._on_upload_section, "selected_index")

        if source is not None:
            self._set_source(source, kecamatan=kecamatan, tahun=tahun)
        else:
            self._set_dataset(dataset, kecamatan=kecamatan, tahun=tahun)
        if pesan:
            self._show(pesan, "galat")

    def _html(self, value: str = "") -> Any:
        return self._W.HTML(value, layout=self._lay, style=self._html_style)

    # ------------------------------------------------------------------ widgets created on demand

    def _tab_widgets(self, idx: int) -> tuple[Any, Any]:
        """The ``(HTML, Output or None)`` of tab ``idx``; creates the tab's widgets and controls on first use."""
        built = self._tab_built.get(idx)
        if built is not None:
            return built
        W = self._W
        html = self._html()
        figs = W.Output(layout=self._lay) if idx in FIGURE_TABS else None
        self._tab_built[idx] = (html, figs)
        name = TABS[idx]
        items: list[Any]
        with self._hold():
            if name == "Layanan Dasar":
                sektor = W.Dropdown(description="Sektor", options=[("Semua sektor", "")] + [(v, k) for k, v in SEKTOR_NAMA.items()],
                                    style=self._dd_style, layout=self._lay)
                desa = W.Dropdown(description="Kartu Desa", options=[("— pilih desa —", "")], style=self._dd_style,
                                  layout=W.Layout(width="420px"))
                kartu = self._html()
                self._w.update(sektor=sektor, desa=desa, kartu=kartu)
                if self._view is not None:
                    self._set_desa_options(self._view)
                items = [sektor, html, desa, kartu]
                sektor.observe(self.update, "value")
                desa.observe(self.update, "value")
            elif name == "Kuadran":
                median = W.Checkbox(value=True, description="Pembagi = median kecamatan", indent=False, layout=self._lay)
                sx = W.FloatText(description="Pembagi kesenjangan", value=0.0, step=0.05, style=self._dd_style,
                                 disabled=True, layout=self._lay)
                sy = W.FloatText(description="Pembagi porsi belanja (%)", value=0.0, step=1, style=self._dd_style,
                                 disabled=True, layout=self._lay)
                self._w.update(split_median=median, split_x=sx, split_y=sy)
                if self._view is not None:
                    self._sync_split_fields(self._view)
                items = [W.HBox([median, sx, sy], layout=self._row), figs, html]
                for w in (median, sx, sy):
                    w.observe(self.update, "value")
            elif name == "Tren":
                tren = W.Dropdown(description="Sektor", options=[(v, k) for k, v in SEKTOR_NAMA.items()], value="KES",
                                  style=self._dd_style, layout=self._lay)
                self._w["tren_sektor"] = tren
                items = [tren, figs, html]
                tren.observe(self.update, "value")
            elif name == "Belanja Desa":  # the chart first, its table below
                items = [figs, html]
            else:
                items = [html] + ([figs] if figs is not None else [])
        self._tab_boxes[idx].children = tuple(items)
        return html, figs

    def _widget(self, name: str) -> Any:
        if name in self._w:
            return self._w[name]
        if name in ("sektor", "desa", "kartu"):
            self._tab_widgets(TABS.index("Layanan Dasar"))
        elif name in ("split_median", "split_x", "split_y"):
            self._tab_widgets(TABS.index("Kuadran"))
        elif name == "tren_sektor":
            self._tab_widgets(TABS.index("Tren"))
        elif name in ("pita_naik", "pita_turun", "target_indikator", "target_nilai", "reset"):
            self._build_trainer()
        elif name in ("upload", "upload_hasil"):
            self._build_upload()
        return self._w[name]

    def _value(self, name: str, default: Any) -> Any:
        """A control's value without creating it (its default while it does not exist)."""
        w = self._w.get(name)
        return default if w is None else w.value

    sektor = property(lambda self: self._widget("sektor"), doc="Sector filter of Layanan Dasar (created on first use).")
    desa = property(lambda self: self._widget("desa"), doc="Desa of the Kartu Desa (created on first use).")
    kartu = property(lambda self: self._widget("kartu"), doc="The Kartu Desa HTML (created on first use).")
    split_median = property(lambda self: self._widget("split_median"), doc="Quadrant splits = kecamatan medians.")
    split_x = property(lambda self: self._widget("split_x"), doc="Quadrant split of the gap (x).")
    split_y = property(lambda self: self._widget("split_y"), doc="Quadrant split of the basic-service share (y).")
    tren_sektor = property(lambda self: self._widget("tren_sektor"), doc="Sector of the Tren tab.")
    pita_naik = property(lambda self: self._widget("pita_naik"), doc="Trainer: yellow band, higher is better.")
    pita_turun = property(lambda self: self._widget("pita_turun"), doc="Trainer: yellow band, lower is better.")
    target_indikator = property(lambda self: self._widget("target_indikator"), doc="Trainer: indicator of the target slider.")
    target_nilai = property(lambda self: self._widget("target_nilai"), doc="Trainer: the target of that indicator.")
    reset = property(lambda self: self._widget("reset"), doc="Trainer: back to the kit's parameters.")
    upload = property(lambda self: self._widget("upload"), doc="The upload control (created on first use).")
    upload_hasil = property(lambda self: self._widget("upload_hasil"), doc="Findings of the last upload.")

    def _build_trainer(self) -> None:
        if "pita_naik" in self._w:
            return
        W = self._W
        slider_style = W.SliderStyle(description_width="initial")
        wide = W.Layout(width="520px")
        with self._hold():
            pita_naik = W.FloatSlider(value=PITA_NAIK_BAWAAN, min=0, max=30, step=1, continuous_update=False,
                                      style=slider_style, layout=wide,
                                      description="Pita kuning, makin tinggi makin baik (poin)")
            pita_turun = W.FloatSlider(value=PITA_TURUN_BAWAAN, min=0, max=20, step=1, continuous_update=False,
                                       style=slider_style, layout=wide,
                                       description="Pita kuning, makin rendah makin baik (poin)")
            target_indikator = W.Dropdown(description="Indikator", options=[], style=self._dd_style,
                                          layout=W.Layout(width="420px"))
            target_nilai = W.FloatSlider(value=0, min=0, max=100, step=0.5, continuous_update=False,
                                         description="Target (%)", style=slider_style, layout=wide)
            reset = W.Button(description="Kembalikan ke bawaan", layout=W.Layout(width="auto"))
            self._w.update(pita_naik=pita_naik, pita_turun=pita_turun, target_indikator=target_indikator,
                           target_nilai=target_nilai, reset=reset)
            if self._view is not None:
                self._set_target_options(self._view)
        self.trainer_box.children = (
            self._html("<b>Mode pelatih</b>: geser untuk melihat bagaimana pita lampu lalu lintas dan target "
                       "mengubah warna semua tampilan. Perubahan tidak disimpan."),
            pita_naik, pita_turun, W.HBox([target_indikator, target_nilai], layout=self._row), reset,
        )
        for w in (pita_naik, pita_turun, target_nilai):
            w.observe(self.update, "value")
        target_indikator.observe(self._on_target_indikator, "value")
        reset.on_click(self._on_reset)

    def _build_upload(self) -> None:
        if "upload" in self._w:
            return
        W = self._W
        upload = W.FileUpload(accept=".xlsx,.csv,.zip,.pdf,.columns,.txt", multiple=True, description="Pilih berkas")
        hasil = self._html()
        self._w.update(upload=upload, upload_hasil=hasil)
        self.upload_box.children = (
            self._html("Unggah data sendiri, seperti pada <code>p3pd impor</code>: templat Excel yang sudah diisi "
                       "(<code>p3pd template</code>), berkas CSV/Excel dengan kolom tabel kit, ekspor tabel Siskeudes "
                       "(<code>Ta_RAB</code>, <code>Ta_Kegiatan</code>, …; pilih bersamaan) atau laporan Penjabaran "
                       "APBDes. Data unggahan hanya dipakai selama halaman ini terbuka dan tidak disimpan. Bila ada "
                       "berkas yang ditolak, dashboard tetap memakai data sebelumnya dan menampilkan temuannya."),
            upload, hasil,
        )
        upload.observe(self._on_upload, "value")

    def _on_upload_section(self, change: Any) -> None:
        if change["new"] is not None:
            self._build_upload()

    # ------------------------------------------------------------------ constructors

    @classmethod
    def from_store(cls, data_dir: str | os.PathLike[str] | None = None, *, defer: bool = False,
                   **kwargs: Any) -> "App":
        """Load the canonical store (``data_dir`` or ``P3PD_DATA_DIR`` or ``data/``) and build the app.

        ``defer=True`` (the Voila notebook): no view is computed here unless the
        kernel is a preheated one still waiting for its visitor, which computes
        the default view while nobody waits (it warms the code paths and serves
        a visitor without a query string); otherwise the first view is computed
        by :meth:`open_query`, in the background while the browser loads the page.
        Never raises: when the store is missing or unreadable the app shows why, in Indonesian.
        """
        from .store import Dataset

        try:
            source = StoreSource(data_dir)
        except KitError as exc:
            log.warning("store tidak dapat dimuat: %s", exc)
            return cls(Dataset(), data_dir=data_dir,
                       pesan="Data belum tersedia. Minta pengelola data menjalankan 'p3pd demo-data' "
                             "(data simulasi) atau mengimpor data kecamatan.", **kwargs)
        except Exception:
            log.exception("store tidak dapat dimuat")
            return cls(Dataset(), data_dir=data_dir, pesan="Data tidak dapat dibaca. Hubungi pengelola data.", **kwargs)
        t0 = time.perf_counter()
        source.service = ServiceClient.from_env()
        kwargs.setdefault("prefetch", True)
        preheated = os.getenv("VOILA_PREHEAT", "False") != "False"
        if not preheated and "kecamatan" not in kwargs:
            # Plain Voila (or a kernel beyond the preheated pool) knows its visitor's request now:
            # select that view instead of a default one of another kabupaten.
            q = parse_query(query_string_from_env(), source.kecamatan_with_data, source.years)
            kwargs.setdefault("kecamatan", q.kecamatan)
            kwargs.setdefault("tahun", q.tahun)
        app = cls(Dataset(), data_dir=data_dir, source=source, defer=defer and not preheated, **kwargs)
        # Benchmarks and the browser test wait for this line: the preheated kernel is warm.
        log.info("%s %d kecamatan, tampilan awal %.2f s", READY_LOG, len(app.kecamatan_tersedia), time.perf_counter() - t0)
        app.log_timings = True
        return app

    # ------------------------------------------------------------------ public API

    @property
    def view(self) -> Any:
        """The kecamatan view currently shown (``None`` before the first successful update)."""
        return self._view

    @property
    def kecamatan_tersedia(self) -> list[str]:
        """Codes of the kecamatan that hold data, sorted."""
        return sorted(self._regions["kode_kecamatan"].unique().tolist()) if not self._regions.empty else []

    def open_query(self, query: str | None, *, background: bool = False) -> Query:
        """Show the view a query string asks for (``kecamatan=33.07.01&tahun=2024``); never raises.

        ``background=True`` (the Voila notebook): inside a kernel, the view is
        computed in a background thread and the cell returns at once, so Voila
        sends the page and the browser loads its scripts while the kernel
        computes; the finished view is put into the widgets before the browser
        receives their state (:class:`_WidgetGate`), or as soon as it is ready
        when a frontend is already connected (JupyterLab). Outside a kernel it
        is the same as ``background=False``.
        """
        try:
            # A preheated kernel may be prefetching the default year: stop it so the visitor's
            # view gets the CPU; update() restarts the prefetch for what the visitor looks at.
            self._visitor = True
            self._cancel_prefetch()
            q = parse_query(query, self.kecamatan_tersedia, self._years)
            with self._hold():
                if q.kecamatan:
                    self._select_kecamatan(q.kecamatan)
                if q.tahun is not None:
                    self.tahun.value = q.tahun
            loop = _kernel_loop() if background else None
            if loop is not None and self._start_background(q, loop):
                return q
            self.update()
            if q.pesan:
                self._show(" ".join(q.pesan), "galat", append=True)
            return q
        except Exception:
            log.exception("query tidak dapat diterapkan: %r", query)
            self._show(PESAN_GALAT_UMUM, "galat")
            return Query(pesan=(PESAN_GALAT_UMUM,))

    def select(self, kecamatan: str | None = None, tahun: int | None = None, tab: str | int | None = None) -> None:
        """Programmatic selection (tests, benchmarks): set controls, then one update."""
        with self._hold():
            if kecamatan:
                self._select_kecamatan(kecamatan)
            if tahun is not None:
                self.tahun.value = int(tahun)
            if tab is not None:
                self.tabs.selected_index = TABS.index(tab) if isinstance(tab, str) else int(tab)
        self.update()

    def update(self, change: Any = None) -> None:
        """The one update method: read the controls, get the (cached) view, redraw the visible tab.

        Never raises: a user-fixable problem shows its Indonesian message; anything
        else is logged on the server and replaced by a general Indonesian message.
        """
        if self._suspended:
            return
        t0 = time.perf_counter()
        self.timings.pop("view", None)
        try:
            self._update()
        except KitError as exc:
            log.info("pesan untuk pengguna: %s", exc)
            self._show(str(exc), "galat")
        except Exception:
            log.exception("update dashboard gagal")
            self._show(PESAN_GALAT_UMUM, "galat")
        finally:
            self.timings["update"] = time.perf_counter() - t0
            if self.log_timings:
                log.info("update %s tahun %s tab %s: %.3f s (view %.3f s)", self._current_kode(), self.tahun.value,
                         self.tabs.selected_index, self.timings["update"], self.timings.get("view", 0.0))

    # ------------------------------------------------------------------ internals: the first view in the background

    def _start_background(self, q: Query, loop: Any) -> bool:
        """Compute the selected view (and its visible tab) in a thread; finish on the main thread. False: nothing to do."""
        kode, tahun = self._current_kode(), self.tahun.value
        if kode is None or tahun is None:
            return False
        idx = self.tabs.selected_index or 0
        opts = self._tab_opts(idx)
        settings, splits = self._read_settings(), self._read_splits()
        # Without the lock: a prefetch thread may hold it for a view's time; a dict lookup is atomic.
        if self._view_key(kode, int(tahun), settings, splits) in self._cache:
            return False  # e.g. the view a preheated kernel prepared: shown at once
        t0 = time.perf_counter()

        def work() -> None:
            try:
                view = self._get_view(kode, int(tahun), settings, splits)
                t1 = time.perf_counter()
                self._content(self._view_key(kode, int(tahun), settings, splits), idx, view, opts)
                self.timings["bg_content"] = time.perf_counter() - t1
            except Exception:  # update() on the main thread computes again and shows the message
                log.debug("tampilan awal di latar belakang gagal", exc_info=True)
            finally:
                self.timings["bg_total"] = time.perf_counter() - t0
                loop.add_callback(self._finish_background)

        self.header.value = (f"<h2>Memuat Kecamatan {esc(self._kecamatan_name(kode))} "
                             f"<span class='p3pd-sub'>({esc(kode)})</span>…</h2>")
        self._bg = _Background(threading.Thread(target=work, name="p3pd-tampilan-awal", daemon=True), q, t0)
        _WidgetGate.add(self)
        # Started from the kernel's loop once this cell has returned: a thread computing from the first
        # instant competes for the GIL with the kernel sending the cell's reply, and Voila sends the
        # rest of the page (the browser's scripts) only after that reply (measured: 0.75 s later).
        loop.call_later(0.05, self._bg.thread.start)
        return True

    def _finish_background(self) -> None:
        """Show the view computed in the background (main thread; idempotent)."""
        bg, self._bg = self._bg, None
        if bg is None:
            return
        _WidgetGate.done(self)
        if bg.thread.ident is None:  # not started yet: compute here
            bg.thread.start()
        bg.thread.join()
        self.update()
        if bg.query.pesan:
            self._show(" ".join(bg.query.pesan), "galat", append=True)
        if self.log_timings:
            t = self.timings
            log.info("tampilan awal %s siap: %.3f s sejak permintaan (latar belakang %.3f s: menunggu kunci %.3f, "
                     "layanan tampilan %.3f, data %.3f, analisis %.3f, isi tab %.3f)", self._current_kode(),
                     time.perf_counter() - bg.started, t.get("bg_total", 0), t.get("lock_wait", 0), t.get("service", 0),
                     t.get("data", 0), t.get("view_fn", 0), t.get("bg_content", 0))

    # ------------------------------------------------------------------ internals: state

    @contextmanager
    def _hold(self) -> Iterator[None]:
        self._suspended += 1
        try:
            yield
        finally:
            self._suspended -= 1

    def _show(self, text: str, kind: str = "info", append: bool = False) -> None:
        body = "<br>".join(esc(line) for line in str(text).splitlines() if line.strip())
        block = f"<div class='p3pd-pesan p3pd-pesan-{kind}' data-jenis='{kind}'>{body}</div>" if body else ""
        self.message.value = (self.message.value + block) if append else block

    def _set_dataset(self, dataset: Any, *, kecamatan: str | None = None, tahun: int | None = None) -> None:
        """Adopt an in-memory dataset: region options, years, caches cleared, then one update."""
        self._source = None
        self.dataset = dataset
        lay = dataset.layanan
        latest = int(lay["tahun"].dropna().max()) if not lay.empty and lay["tahun"].notna().any() else None
        banner = "unggahan" if getattr(dataset, "meta", {}).get("sumber") == "unggahan pengguna" else (
            "simulasi" if getattr(dataset, "simulasi", False) else "")
        self._adopt(dataset.wilayah, _kecamatan_with_data(dataset), list(dataset.years()), latest, banner,
                    kecamatan, tahun)

    def _set_source(self, source: StoreSource, *, kecamatan: str | None = None, tahun: int | None = None) -> None:
        """Adopt the store (one kabupaten in memory at a time), then one update."""
        from .store import Dataset

        self._source = source
        self.dataset = Dataset(meta=source.meta)  # replaced by the shown kabupaten's data in _get_view
        self._adopt(source.wilayah, source.kecamatan_with_data, source.years, source.latest_layanan,
                    "simulasi" if source.simulasi else "", kecamatan, tahun)

    def _adopt(self, w: pd.DataFrame, with_data: set[str], years: Sequence[int], latest: int | None, banner: str,
               kecamatan: str | None, tahun: int | None) -> None:
        self._data_gen += 1
        self._cancel_prefetch()
        with self._lock:
            self._cache.clear()
            self._contents.clear()
        self._rendered.clear()
        self._view = None
        self._key = None
        cols = ["kode_provinsi", "nama_provinsi", "kode_kabupaten", "nama_kabupaten", "kode_kecamatan", "nama_kecamatan"]
        regions = (
            w.loc[w["kode_kecamatan"].isin(with_data).fillna(False).to_numpy(dtype=bool), cols]
            .drop_duplicates("kode_kecamatan")
            .sort_values("kode_kecamatan")
            .reset_index(drop=True)
            if not w.empty
            else pd.DataFrame(columns=cols)
        )
        self._regions = regions.astype("string")
        self._years = sorted(int(y) for y in years)
        text = {
            "simulasi": "<div class='p3pd-simulasi' data-simulasi='1'>DATA SIMULASI – angka ini bukan data resmi; "
                        "hanya untuk latihan dan uji coba.</div>",
            "unggahan": "<div class='p3pd-simulasi' data-unggahan='1'>DATA UNGGAHAN PENGGUNA – dipakai hanya di "
                        "halaman ini dan belum disimpan; bukan data simulasi, belum tentu data resmi.</div>",
        }.get(banner, "")
        self.banner.value = _CSS + _CHART_CSS + _kl_css(self._colours) + text
        years = self._years
        with self._hold():
            provs = regions.drop_duplicates("kode_provinsi")
            self.provinsi.options = [(f"{r.nama_provinsi} ({r.kode_provinsi})", str(r.kode_provinsi))
                                     for r in provs.itertuples()]
            self.tahun.options = [(str(y), int(y)) for y in sorted(years, reverse=True)]
            if years:
                self.tahun.value = int(tahun) if tahun in years else int(latest if latest in years else max(years))
            if kecamatan and kecamatan in set(regions["kode_kecamatan"].astype(str)):
                self._select_kecamatan(kecamatan)
            elif len(provs):
                self._cascade_provinsi(str(provs["kode_provinsi"].iloc[0]))
        if regions.empty:
            self.header.value = "<h2>Dashboard Kecamatan</h2>"
            self._show("Belum ada data kecamatan yang dapat ditampilkan.", "info")
            return
        if self._defer:
            # The first view is computed by open_query (in the background, while the page loads).
            self._defer = False
            self.header.value = "<h2>Dashboard Kecamatan</h2>"
            return
        self.update()

    def _dataset_for(self, kode: str) -> Any:
        """The data a view of kecamatan ``kode`` is computed from (one kabupaten's when reading the store)."""
        if self._source is None:
            return self.dataset
        return self._source.dataset(kode[:5])

    def _kecamatan_name(self, kode: str) -> str:
        row = self._regions.loc[self._regions["kode_kecamatan"] == kode, "nama_kecamatan"]
        return str(row.iloc[0]) if len(row) else kode

    def _kab_options(self, prov: str) -> list[tuple[str, str]]:
        r = self._regions[self._regions["kode_provinsi"] == prov].drop_duplicates("kode_kabupaten")
        return [(f"{x.nama_kabupaten} ({x.kode_kabupaten})", str(x.kode_kabupaten)) for x in r.itertuples()]

    def _kec_options(self, kab: str) -> dict[str, str]:
        r = self._regions[self._regions["kode_kabupaten"] == kab]
        return {f"{x.kode_kecamatan} – {x.nama_kecamatan}": str(x.kode_kecamatan) for x in r.itertuples()}

    def _cascade_provinsi(self, prov: str, kab: str | None = None, kec: str | None = None) -> None:
        with self._hold():
            if self.provinsi.value != prov:
                self.provinsi.value = prov
            opts = self._kab_options(prov)
            self.kabupaten.options = opts
            kab = kab if kab in {v for _, v in opts} else (opts[0][1] if opts else None)
            if kab is not None:
                self.kabupaten.value = kab
                self._cascade_kabupaten(kab, kec)

    def _cascade_kabupaten(self, kab: str, kec: str | None = None) -> None:
        with self._hold():
            opts = self._kec_options(kab)
            self._kec_map = opts
            self.kecamatan.options = tuple(opts)
            codes = list(opts.values())
            kec = kec if kec in codes else (codes[0] if codes else None)
            label = next((k for k, v in opts.items() if v == kec), "")
            self.kecamatan.value = label

    def _select_kecamatan(self, kode: str) -> None:
        row = self._regions[self._regions["kode_kecamatan"] == kode]
        if row.empty:
            raise ParameterError(f"Kecamatan '{kode}' tidak ada dalam data.")
        r = row.iloc[0]
        if self._current_kode() == kode and self.kabupaten.value == r["kode_kabupaten"]:
            return
        self._cascade_provinsi(str(r["kode_provinsi"]), str(r["kode_kabupaten"]), kode)

    def _on_provinsi(self, change: Any) -> None:
        if self._suspended:
            return
        try:
            self._cascade_provinsi(str(change["new"]))
        except Exception:
            log.exception("kaskade provinsi gagal")
        self.update()

    def _on_kabupaten(self, change: Any) -> None:
        if self._suspended:
            return
        try:
            self._cascade_kabupaten(str(change["new"]))
        except Exception:
            log.exception("kaskade kabupaten gagal")
        self.update()

    def _on_trainer(self, change: Any) -> None:
        if change["new"]:
            self._build_trainer()
        self.trainer_box.layout.display = "flex" if change["new"] else "none"
        if not change["new"]:
            self._reset_trainer()
        self.update()

    def _on_target_indikator(self, change: Any) -> None:
        # Only moves the slider to the chosen indicator's current target; no redraw needed
        # until the target itself changes.
        if self._suspended or self._view is None:
            return
        with self._hold():
            self._sync_target_slider()

    def _on_reset(self, _button: Any) -> None:
        self._reset_trainer()
        self.update()

    def _reset_trainer(self) -> None:
        with self._hold():
            self._settings = TrainerSettings()
            if "pita_naik" in self._w:
                self._w["pita_naik"].value = PITA_NAIK_BAWAAN
                self._w["pita_turun"].value = PITA_TURUN_BAWAAN
                self._sync_target_slider()

    def _current_kode(self) -> str | None:
        value = str(self.kecamatan.value or "")
        return self._kec_map.get(value)

    def _kamus_targets(self) -> dict[str, float]:
        kamus = getattr(self._view, "kamus", None)
        if kamus is None or kamus.empty or "target" not in kamus.columns:
            return {}
        idcol = "indikator" if "indikator" in kamus.columns else kamus.columns[0]
        part = kamus.dropna(subset=["target"])
        return {str(k): float(v) for k, v in zip(part[idcol], part["target"])}

    def _sync_target_slider(self) -> None:
        if "target_indikator" not in self._w:
            return
        ind = self._w["target_indikator"].value
        if not ind:
            return
        overrides = dict(self._settings.targets)
        base = self._base_targets.get(ind)
        value = overrides.get(ind, base)
        if value is not None:
            self._w["target_nilai"].value = float(value)

    def _read_settings(self) -> TrainerSettings:
        if not self.trainer.value or "pita_naik" not in self._w:
            return TrainerSettings()
        s = TrainerSettings(pita_naik=float(self.pita_naik.value), pita_turun=float(self.pita_turun.value),
                            targets=self._settings.targets)
        ind = self.target_indikator.value
        base = self._base_targets.get(ind)
        if ind and base is not None and abs(float(self.target_nilai.value) - base) > 1e-9:
            s = s.with_target(ind, float(self.target_nilai.value))
        elif ind and base is not None:
            s = s.with_target(ind, None)
        self._settings = s
        return s

    def _read_splits(self) -> tuple[float | None, float | None]:
        if self._value("split_median", True):
            return (None, None)
        return (float(self.split_x.value), float(self.split_y.value))

    def _tab_opts(self, idx: int) -> tuple:
        """The values of the controls a tab's content depends on (part of the content's cache key)."""
        name = TABS[idx]
        if name == "Layanan Dasar":
            return (self._value("sektor", ""), self._value("desa", ""))
        if name == "Kuadran":
            return (bool(self._value("split_median", True)),)
        if name == "Tren":
            return (self._value("tren_sektor", "KES"),)
        return ()

    # ------------------------------------------------------------------ internals: update

    def _view_key(self, kode: str, tahun: int, settings: TrainerSettings, splits: tuple) -> tuple:
        return (kode, tahun, settings, splits, self._data_gen)

    def _forget_other_kabupaten(self, kode: str) -> None:
        """Drop cached views of other kabupaten (store mode: the page keeps one kabupaten in memory). Holds the lock."""
        if self._source is None:
            return
        for cache in (self._cache, self._contents):
            for k in [k for k in cache if (k[0][0] if isinstance(k[0], tuple) else k[0])[:5] != kode[:5]]:
                del cache[k]

    def _get_view(self, kode: str, tahun: int, settings: TrainerSettings, splits: tuple) -> Any:
        key = self._view_key(kode, tahun, settings, splits)
        t_wait = time.perf_counter()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            t0 = time.perf_counter()
            self.timings["lock_wait"] = t0 - t_wait
            self._forget_other_kabupaten(kode)
            view = self._compute_view(kode, tahun, settings, splits)
            self.timings["view"] = time.perf_counter() - t0
            self._cache[key] = view
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        release_memory()
        return view

    def _compute_view(self, kode: str, tahun: int, settings: TrainerSettings, splits: tuple,
                      background: bool = False) -> Any:
        """A new view: from the server's view service when there is one, else computed here. Call under the lock."""
        service = self._source.service if self._source is not None else None
        t0 = time.perf_counter()
        if service is not None and self._view_fn is _default_view_fn:
            try:
                view = service.view(kode, tahun, settings, splits, background=background)
                self.timings.update(service=time.perf_counter() - t0, data=0.0, view_fn=0.0)
                return view
            except ServiceUnavailable as exc:
                log.warning("layanan tampilan tidak dapat dipakai (%s); kernel ini menghitung sendiri", exc)
                self._source.service = None
                if background:  # the caller holds no lock: it computes the next view under the lock
                    raise
        if self._source is not None and kode[:5] not in self._source._cache:
            from .store import Dataset

            self.dataset = Dataset(meta=self._source.meta)  # let the shown kabupaten's data go first
        dataset = self._dataset_for(kode)
        if self._source is not None:
            self.dataset = dataset
        t1 = time.perf_counter()
        view = self._view_fn(dataset, kode, tahun, settings, splits)
        self.timings.update(service=0.0, data=t1 - t0, view_fn=time.perf_counter() - t1)
        return view

    def _content(self, key: tuple, idx: int, view: Any, opts: tuple) -> TabContent:
        """The content of tab ``idx`` for ``view`` (cached: the prefetch renders the visible tab ahead)."""
        ckey = (key, idx, opts)
        with self._lock:
            hit = self._contents.get(ckey)
            if hit is not None:
                self._contents.move_to_end(ckey)
                return hit
            content = self._render_content(idx, view, opts)
            self._contents[ckey] = content
            while len(self._contents) > _CONTENT_CACHE_SIZE:
                self._contents.popitem(last=False)
        return content

    def _waiting_for_visitor(self) -> bool:
        return os.getenv("VOILA_PREHEAT") == "True" and not self._visitor

    def _cancel_prefetch(self) -> None:
        self._prefetch_gen += 1
        self._prefetched = None

    def _start_prefetch(self, kode: str, tahun: int, idx: int, opts: tuple) -> None:
        """Compute, in a background thread, the views of the other kecamatan of the kabupaten and their visible tab.

        Switching kecamatan then only sends ready content (first visits included).
        Low priority: it starts after :data:`PREFETCH_DELAY_S`, computes one view at
        a time under the lock, pauses while the machine is overloaded (load average
        above twice the cores, e.g. many pages opening at once), and stops when a
        newer prefetch (other kabupaten, year or tab) supersedes it.
        """
        if not self.prefetch:
            return
        if TABS[idx] == "Layanan Dasar":
            opts = (opts[0], "")  # another kecamatan starts without a Kartu Desa
        target = (kode[:5], tahun, idx, opts, self._data_gen)
        if target == self._prefetched:
            return
        self._prefetched = target
        self._prefetch_gen += 1
        gen = self._prefetch_gen
        codes = [c for c in self._regions.loc[self._regions["kode_kabupaten"] == kode[:5], "kode_kecamatan"].astype(str)
                 if c != kode]
        data_gen = self._data_gen
        ncpu = os.cpu_count() or 1
        # A preheated kernel still waiting for its visitor has the CPU to itself: start at once. With
        # every view computed already only the tab is rendered (≈ 0.05 s each): start soon.
        settings0, splits0 = TrainerSettings(), (None, None)
        cached = all(self._view_key(c, tahun, settings0, splits0) in self._cache for c in codes)
        delay = 0.0 if self._waiting_for_visitor() else (PREFETCH_RENDER_DELAY_S if cached else PREFETCH_DELAY_S)

        source = self._source

        def run() -> None:
            time.sleep(delay)
            if source is not None and gen == self._prefetch_gen:
                with self._lock:
                    source.collect_garbage()
            patience = time.monotonic() + PREFETCH_PATIENCE_S
            done = 0
            for c in codes:
                while time.monotonic() < patience and os.getloadavg()[0] > 2 * ncpu and gen == self._prefetch_gen:
                    time.sleep(1.0)
                if gen != self._prefetch_gen or data_gen != self._data_gen:
                    return
                settings, splits = TrainerSettings(), (None, None)
                key = self._view_key(c, tahun, settings, splits)
                try:
                    view = self._cache.get(key)
                    if view is None and self._source is not None and self._source.service is not None:
                        # From the service without holding this kernel's lock: the service lets pages
                        # that wait go first, and this page's own updates must not wait behind it.
                        view = self._compute_view(c, tahun, settings, splits, background=True)
                    with self._lock:
                        if gen != self._prefetch_gen or data_gen != self._data_gen:
                            return
                        if view is None:
                            view = self._cache.get(key) or self._compute_view(c, tahun, settings, splits)
                        if key not in self._cache:
                            self._cache[key] = view
                            self._cache.move_to_end(key, last=False)  # prefetched views are evicted first
                            while len(self._cache) > _CACHE_SIZE:
                                self._cache.popitem(last=False)
                        self._content(key, idx, view, opts)
                    done += 1
                except Exception:  # shown (with its message) if the user ever opens it
                    log.debug("prefetch %s %s gagal", c, tahun, exc_info=True)
                time.sleep(0.02)  # let the kernel's main thread take the GIL between views
            release_memory()
            log.info("prefetch selesai: %d kecamatan, tahun %s, tab %s", done, tahun, idx)

        self._prefetch_thread = threading.Thread(target=run, name="p3pd-prefetch", daemon=True)
        self._prefetch_thread.start()

    def _update(self) -> None:
        kode = self._current_kode()
        if kode is None:
            if str(self.kecamatan.value or "").strip():
                self._show("Pilih kecamatan dari daftar (ketik sebagian nama atau kode).", "info")
            return
        if self.tahun.value is None:
            self._show("Pilih tahun.", "info")
            return
        if self._bg is not None:
            # The first view is still being computed in the background: show it first
            # (the thread holds the analysis lock; this only waits for it).
            self._finish_background()
            return
        tahun = int(self.tahun.value)
        settings = self._read_settings()
        splits = self._read_splits()
        view = self._get_view(kode, tahun, settings, splits)
        new_kec = self._view is None or getattr(self._view, "kode_kecamatan", None) != kode or self._view.tahun != tahun
        self._view = view
        if "split_x" in self._w:
            self._w["split_x"].disabled = self._w["split_y"].disabled = bool(self._w["split_median"].value)
        if new_kec:
            self._refresh_view_controls(view)
        self._sync_split_fields(view)
        key = self._view_key(kode, tahun, settings, splits)
        if key != self._key:
            self._rendered.clear()
            self._key = key
            self.links.value = ""
        self._render_header(view, settings)
        idx = self.tabs.selected_index or 0
        opts = self._tab_opts(idx)
        if self._rendered.get(idx) != opts:
            t0 = time.perf_counter()
            self._apply_content(idx, self._content(key, idx, view, opts))
            self._rendered[idx] = opts
            self.timings[f"tab_{idx}"] = time.perf_counter() - t0
        self.message.value = ""
        self._start_prefetch(kode, tahun, idx, opts)

    def _apply_content(self, idx: int, content: TabContent) -> None:
        html, figs = self._tab_widgets(idx)
        html.value = content.html
        if figs is not None:
            # One assignment: the browser swaps all figures of the tab at once.
            figs.outputs = content.bundles
        if TABS[idx] == "Layanan Dasar":
            self.kartu.value = content.kartu

    def _sync_split_fields(self, view: Any) -> None:
        """With the median rule, the split fields show the medians in use (greyed out)."""
        if "split_median" not in self._w or not self._w["split_median"].value:
            return
        split = view.kuadran_split or {}
        with self._hold():
            for name, k in (("split_x", "batas_x"), ("split_y", "batas_y")):
                v = split.get(k)
                if isinstance(v, (int, float)) and not pd.isna(v):
                    self._w[name].value = round(float(v), 3)

    def _set_desa_options(self, view: Any) -> None:
        with self._hold():
            self._w["desa"].options = [("— pilih desa —", "")] + [
                (f"{r.nama_desa} ({r.kode_desa})", str(r.kode_desa)) for r in view.desa.itertuples()
            ]
            self._w["desa"].value = ""

    def _set_target_options(self, view: Any) -> None:
        kamus = view.kamus
        idcol = "indikator" if "indikator" in kamus.columns else kamus.columns[0]
        namecol = "nama_indikator" if "nama_indikator" in kamus.columns else ("nama" if "nama" in kamus.columns else idcol)
        layanan_ids = [str(i) for i in kamus[idcol] if not str(i).startswith(("BEL", "DD"))]
        names = dict(zip(kamus[idcol].astype(str), kamus[namecol].astype(str)))
        if not self._base_targets:
            self._base_targets = self._kamus_targets()
        opts = [(f"{i} – {names.get(i, i)}", i) for i in layanan_ids if i in self._base_targets]
        with self._hold():
            w = self._w["target_indikator"]
            current = w.value
            if list(w.options) != opts:
                w.options = opts
            if opts:
                w.value = current if current in {v for _, v in opts} else opts[0][1]
                self._sync_target_slider()

    def _refresh_view_controls(self, view: Any) -> None:
        """Options that depend on the kecamatan (desa list, indicators) — set without triggering updates."""
        if not self._base_targets:
            self._base_targets = self._kamus_targets()
        if "desa" in self._w:
            self._set_desa_options(view)
        if "target_indikator" in self._w:
            self._set_target_options(view)

    def _render_header(self, view: Any, settings: TrainerSettings) -> None:
        ident = view.identitas
        pelatih = ""
        if not settings.is_default:
            pelatih = " · <b>Mode pelatih aktif: warna memakai pita/target latihan, bukan parameter resmi</b>"
        value = (
            f"<div data-kode-kecamatan='{esc(view.kode_kecamatan)}' data-tahun='{esc(view.tahun)}'>"
            f"<h2>Kecamatan {esc(ident.get('nama_kecamatan'))} <span class='p3pd-sub'>({esc(view.kode_kecamatan)})</span></h2>"
            f"<div class='p3pd-sub'>{esc(ident.get('nama_kabupaten'))}, {esc(ident.get('nama_provinsi'))} · "
            f"Tahun {esc(view.tahun)} · {esc(ident.get('n_desa'))} desa, {esc(ident.get('n_kelurahan'))} kelurahan · "
            f"sidik data {esc(ident.get('fingerprint'))} · kit {esc(ident.get('versi_kit'))}{pelatih}</div></div>"
        )
        if self.header.value != value:
            self.header.value = value

    def _render_content(self, idx: int, view: Any, opts: tuple) -> TabContent:
        """Tab ``idx``'s content for ``view`` and the tab's control values ``opts`` (no widget is touched)."""
        html_text, figs, kartu = getattr(self, f"_tab_{idx}")(view, *opts)
        return TabContent(html=html_text, bundles=tuple(_fig_bundle(f) for f in figs), kartu=kartu)

    # ------------------------------------------------------------------ tabs (pure: view and options in, content out)

    def _tab_0(self, view: Any) -> tuple[str, list[Any], str]:
        """Ringkasan: key figures, village status, classes per sector."""
        parts = ["<h3>Angka kunci</h3>", table_html(view.ringkasan)]
        if not view.indeks.empty:
            parts += ["<h3>Indeks Capaian Layanan Dasar per desa</h3>",
                      table_html(view.indeks.sort_values("indeks_capaian", na_position="last"), KOLOM_TAMPIL["indeks"])]
        if not view.status_desa.empty:
            parts += ["<h3>Status desa (IDM / Indeks Desa)</h3>", table_html(view.status_desa, KOLOM_TAMPIL["status_desa"])]
        # The first tab's two charts are plain HTML bars: a page's first view then needs no plotly.js
        # (4.8 MB, about a second of the browser's time); it loads in the background afterwards.
        charts = "".join((class_counts_chart_html(view.capaian, self._colours), index_chart_html(view.indeks)))
        return f"<div class='p3pd-grafik-baris'>{charts}</div>" + "".join(parts), [], ""

    def _matrix_html(self, capaian: pd.DataFrame, desa: pd.DataFrame) -> str:
        """Traffic-light matrix desa × indicator; every name escaped, colour classes as data attributes."""
        if capaian.empty:
            return "<p class='p3pd-kosong'>Tidak ada data capaian untuk pilihan ini.</p>"
        ids = list(dict.fromkeys(capaian.sort_values(["sektor", "indikator"])["indikator"].astype(str)))
        names = dict(zip(capaian["indikator"].astype(str), capaian["nama_indikator"].astype(str)))
        head = "".join(f"<th title='{esc(names.get(i, i))}'>{esc(i)}</th>" for i in ids)
        by = {(str(r.kode_desa), str(r.indikator)): r for r in capaian.itertuples()}
        rows = []
        for d in desa.itertuples():
            cells = []
            for i in ids:
                r = by.get((str(d.kode_desa), i))
                if r is None:
                    cells.append(_light_cell("abu", "–", "Tidak ada data", self._colours))
                    continue
                target = fmt_angka(getattr(r, "target", None))
                title = f"{names.get(i, i)}: {fmt_angka(r.nilai)} · target {target} · {getattr(r, 'label_kelas', '')}"
                cells.append(_light_cell(r.kelas, fmt_angka(r.nilai), title, self._colours))
            rows.append(f"<tr data-kode-desa='{esc(d.kode_desa)}'><th>{esc(d.nama_desa)}</th>{''.join(cells)}</tr>")
        return (f"{_legend(self._colours)}<table class='p3pd-matriks' data-tabel='lampu'>"
                f"<thead><tr><th>Desa</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")

    def _tab_1(self, view: Any, sektor: str = "", desa_kode: str = "") -> tuple[str, list[Any], str]:
        """Layanan Dasar: the traffic-light matrix (sector filter) and the Kartu Desa of ``desa_kode``."""
        cap = view.capaian
        if sektor:
            cap = cap[cap["sektor"] == sektor]
        desa = view.desa
        if not view.capaian.empty:
            # Rows for every desa with values, also codes missing from the official list (a
            # data-quality finding, shown rather than silently dropped).
            desa = view.desa[view.desa["kode_desa"].isin(set(view.capaian["kode_desa"]))]
            unknown = sorted(set(view.capaian["kode_desa"].astype(str)) - set(view.desa["kode_desa"].astype(str)))
            if unknown:
                desa = pd.concat([desa, pd.DataFrame({
                    "kode_desa": unknown, "nama_desa": [f"{k} (kode tidak ada di daftar resmi)" for k in unknown],
                    "jenis": "desa"})], ignore_index=True)
        text = "<h3>Capaian layanan dasar per desa</h3>" + self._matrix_html(cap, desa)
        return text, [], self._kartu_desa(view, desa_kode) if desa_kode else ""

    def _kartu_desa(self, view: Any, kode: str) -> str:
        """One-page card of one desa: identity, status, indicators, spending, agenda."""
        row = view.desa[view.desa["kode_desa"] == kode]
        if row.empty:
            return ""
        nama = row["nama_desa"].iloc[0]
        parts = [f"<div class='p3pd-kartu' data-kartu-desa='{esc(kode)}'><h3>Kartu Desa: {esc(nama)} ({esc(kode)})</h3>"]
        st = _of_desa(view.status_desa, kode)
        if not st.empty:
            parts.append(table_html(st, KOLOM_TAMPIL["status_desa"][2:]))
        idx = _of_desa(view.indeks, kode)
        if not idx.empty:
            parts.append(f"<p>Indeks Capaian Layanan Dasar: <b>{fmt_angka(idx['indeks_capaian'].iloc[0], 2)}</b></p>")
        cap = _of_desa(view.capaian, kode)
        if not cap.empty:
            rows = []
            for r in cap.sort_values(["sektor", "indikator"]).itertuples():
                rows.append(
                    f"<tr><td>{esc(SEKTOR_NAMA.get(str(r.sektor), r.sektor))}</td><td>{esc(r.indikator)} – {esc(r.nama_indikator)}</td>"
                    + _light_cell(r.kelas, fmt_angka(r.nilai), str(getattr(r, "label_kelas", "")), self._colours)
                    + f"<td>{fmt_angka(getattr(r, 'target', None))}</td><td>{esc(getattr(r, 'sumber_target', None))}</td>"
                    f"<td>{esc(getattr(r, 'label_kelas', None))}</td></tr>"
                )
            parts.append("<table class='p3pd-matriks'><thead><tr><th>Sektor</th><th>Indikator</th><th>Nilai</th>"
                         "<th>Target</th><th>Sumber target</th><th>Kelas</th></tr></thead><tbody>"
                         + "".join(rows) + "</tbody></table>")
        kom = _of_desa(komposisi_kelompok(view.komposisi_belanja), kode)
        if not kom.empty:
            parts += ["<b>Komposisi belanja</b>", table_html(kom, KOLOM_TAMPIL["komposisi"])]
        ag = _of_desa(view.agenda, kode)
        if not ag.empty:
            parts += ["<b>Agenda terpadu desa ini</b>", table_html(ag, [c for c in KOLOM_TAMPIL["agenda"] if c not in ("kode_desa", "nama_desa")])]
        parts.append("</div>")
        return "".join(parts)

    def _tab_2(self, view: Any) -> tuple[str, list[Any], str]:
        """Belanja Desa: composition, BEL01 ranking, fiscal rules per year."""
        parts = []
        aturan = view.aturan_belanja
        if not aturan.empty:
            parts += ["<h3>Kepatuhan aturan belanja per tahun</h3>", self._rules_html(aturan)]
        if not view.kualitas_belanja.empty:
            parts += ["<h3>Kualitas belanja desa</h3>", table_html(view.kualitas_belanja, KOLOM_TAMPIL["kualitas_belanja"])]
        from . import figures

        bel = self._with_names(view.belanja, view.desa)
        bel01 = bel[bel["indikator"] == "BEL01"] if not bel.empty else bel
        med = float(bel01["nilai"].astype("Float64").median()) if not bel01.empty and bel01["nilai"].notna().any() else None
        figs = [
            figures.spending_composition(komposisi_kelompok(view.komposisi_belanja)),
            figures.share_against_line(bel01, "nilai", "Porsi belanja layanan dasar (BEL01) per desa", med,
                                       "median kecamatan", arah="higher"),
        ]
        return "".join(parts), figs, ""

    def _rules_html(self, aturan: pd.DataFrame) -> str:
        """Compliance matrix: desa × (year, rule), each cell coloured by ``patuh`` and titled with its message."""
        if aturan.empty:
            return "<p class='p3pd-kosong'>Tidak ada data aturan belanja.</p>"
        nama_col = "nama_aturan" if "nama_aturan" in aturan.columns else "aturan"
        keys = aturan[["tahun", "aturan", nama_col]].drop_duplicates(["tahun", "aturan"]).sort_values(["tahun", "aturan"])
        cols = [(int(t), str(a), str(n)) for t, a, n in keys.itertuples(index=False, name=None)]
        by = {(str(r.kode_desa), int(r.tahun), str(r.aturan)): r for r in aturan.itertuples()}
        desa = aturan[["kode_desa", "nama_desa"]].drop_duplicates("kode_desa").sort_values("kode_desa")
        years = sorted({t for t, _, _ in cols})
        top = "".join(f"<th colspan='{sum(1 for t, _, _ in cols if t == y)}'>{y}</th>" for y in years)
        sub = "".join(f"<th title='{esc(n)}'>{esc(a.replace('_', ' ').title())}</th>" for _, a, n in cols)
        rows = []
        for d in desa.itertuples():
            cells = []
            for t, a, n in cols:
                r = by.get((str(d.kode_desa), t, a))
                patuh = None if r is None else r.patuh
                k = "abu" if patuh is None or pd.isna(patuh) else ("hijau" if bool(patuh) else "merah")
                text = "–" if r is None or pd.isna(r.nilai) else fmt_angka(r.nilai) + "%"
                title = "" if r is None else str(r.pesan if isinstance(r.pesan, str) else n)
                cells.append(_light_cell(k, text, title, self._colours))
            rows.append(f"<tr data-kode-desa='{esc(d.kode_desa)}'><th>{esc(d.nama_desa)}</th>{''.join(cells)}</tr>")
        legend = ("<div class='p3pd-legenda'>Hijau = patuh, merah = tidak patuh, abu-abu = aturan tidak berlaku atau "
                  "data kurang. Arahkan kursor ke sel untuk keterangan.</div>")
        return (f"{legend}<table class='p3pd-matriks' data-tabel='aturan'><thead><tr><th rowspan='2'>Desa</th>{top}</tr>"
                f"<tr>{sub}</tr></thead><tbody>{''.join(rows)}</tbody></table>")

    @staticmethod
    def _with_names(df: pd.DataFrame, desa: pd.DataFrame) -> pd.DataFrame:
        if "nama_desa" in df.columns or df.empty:
            return df
        return df.merge(desa[["kode_desa", "nama_desa"]], on="kode_desa", how="left")

    def _tab_3(self, view: Any, split_median: bool = True) -> tuple[str, list[Any], str]:
        """Kuadran: need vs spending with labelled quadrants; the splits used are printed."""
        from . import figures

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
        return text, [fig], ""

    def _tab_4(self, view: Any) -> tuple[str, list[Any], str]:
        """Usulan Masyarakat: need–demand–supply class per desa × sector, counts per class, proposal metrics."""
        from .usulan import KELAS, LABEL_SEKTOR, PENJELASAN_KELAS

        sektor = {k: v for k, v in LABEL_SEKTOR.items() if k in SEKTOR_NAMA}
        parts = [
            "<h3>Kebutuhan, usulan masyarakat, dan belanja per desa dan sektor</h3>",
            "<p class='p3pd-catatan'>Kebutuhan = sektor punya indikator merah/kuning; usulan = minimal satu usulan "
            "masyarakat di sektor itu untuk tahun ini; didanai = minimal satu usulan didanai APBDes. "
            "Arahkan kursor ke sel untuk rinciannya.</p>",
            need_demand_legend_html(PENJELASAN_KELAS),
            need_demand_grid_html(view.kebutuhan_usulan, view.desa, sektor),
            "<h3>Jumlah desa per kelas: kecamatan dan kabupaten</h3>",
            need_demand_counts_html(view.usulan_wilayah, sektor, KELAS),
            "<h3>Usulan masyarakat per sektor (kecamatan)</h3>",
            table_html(usulan_per_sektor(view.usulan), KOLOM_TAMPIL["usulan_sektor"],
                       kosong="Belum ada data usulan masyarakat untuk tahun ini."),
            "<p class='p3pd-catatan'>Porsi didanai = Σ usulan didanai APBDes / Σ usulan (dan Σ anggaran disetujui / "
            "Σ perkiraan biaya usulan yang didanai dan berbiaya), bukan rata-rata porsi desa.</p>",
        ]
        return "".join(parts), [], ""

    def _tab_5(self, view: Any) -> tuple[str, list[Any], str]:
        """Agenda Terpadu."""
        return "<h3>Agenda terpadu</h3>" + table_html(view.agenda, KOLOM_TAMPIL["agenda"], kosong="Tidak ada agenda untuk pilihan ini."), [], ""

    def _tab_6(self, view: Any) -> tuple[str, list[Any], str]:
        """Kualitas Data: findings, counted by level."""
        k = view.kualitas
        parts = ["<h3>Temuan kualitas data</h3>"]
        if not k.empty and "tingkat" in k.columns:
            counts = k["tingkat"].value_counts().rename_axis("tingkat").reset_index(name="jumlah")
            parts.append(table_html(counts))
        parts.append(table_html(k, KOLOM_TAMPIL["kualitas"], kosong="Tidak ada temuan kualitas data."))
        return "".join(parts), [], ""

    def _tab_7(self, view: Any, sektor: str = "KES") -> tuple[str, list[Any], str]:
        """Tren: one sector's indicators over the years (kecamatan vs kabupaten) and the desa trends."""
        from . import figures

        tren = view.tren[view.tren["sektor"] == sektor] if not view.tren.empty else view.tren
        title = f"Tren {SEKTOR_NAMA.get(sektor, sektor)}: kecamatan (garis penuh) dan kabupaten (garis putus)"
        fig = figures.trend_lines(tren, title=title, cols=3)
        fig.update_layout(legend=dict(orientation="h", y=-0.06, yanchor="top", x=0))  # not over the subplot titles
        figs = [fig]
        td = view.tren_desa
        if not td.empty:
            ids = set(view.kamus.loc[view.kamus["sektor"] == sektor, "indikator"].astype(str))
            td = td[td["indikator"].astype(str).isin(ids)]
        return "<h3>Tren per desa</h3>" + table_html(td, KOLOM_TAMPIL["tren_desa"], kosong="Tidak ada data tren."), figs, ""

    # ------------------------------------------------------------------ downloads & upload

    def current_tables(self) -> dict[str, pd.DataFrame]:
        """The tables of the visible tab (what 'Excel tampilan ini' writes)."""
        v = self._view
        if v is None:
            return {}
        tab = TABS[self.tabs.selected_index or 0]
        if tab == "Ringkasan":
            return {"Ringkasan": v.ringkasan, "Indeks capaian": v.indeks, "Status desa": v.status_desa}
        if tab == "Layanan Dasar":
            sektor = self._value("sektor", "")
            cap = v.capaian if not sektor else v.capaian[v.capaian["sektor"] == sektor]
            return {"Capaian desa": cap, "Capaian wilayah": v.capaian_wilayah, "Skor sektor": v.skor_sektor, "Kamus indikator": v.kamus}
        if tab == "Belanja Desa":
            return {"Komposisi belanja": v.komposisi_belanja, "Indikator belanja": v.belanja,
                    "Aturan belanja": v.aturan_belanja, "Kualitas belanja": v.kualitas_belanja}
        if tab == "Kuadran":
            return {"Kuadran": v.kuadran}
        if tab == "Usulan Masyarakat":
            return {"Kebutuhan-usulan-belanja": v.kebutuhan_usulan, "Usulan per sektor": usulan_per_sektor(v.usulan),
                    "Usulan per desa": v.usulan, "Jumlah desa per kelas": v.usulan_wilayah}
        if tab == "Agenda Terpadu":
            return {"Agenda terpadu": v.agenda}
        if tab == "Kualitas Data":
            return {"Kualitas data": v.kualitas}
        return {"Tren": v.tren, "Tren desa": v.tren_desa}  # every sector: the download is the whole tab

    def excel_bytes(self, which: str = "tampilan") -> bytes:
        """The .xlsx of the visible tab (``tampilan``) or of the agenda terpadu (``agenda``)."""
        if self._view is None:
            raise ParameterError("Belum ada tampilan untuk diunduh.")
        sheets = self.current_tables() if which == "tampilan" else {"Agenda terpadu": self._view.agenda, "Kamus indikator": self._view.kamus}
        return _excel_bytes(sheets)

    def report_html(self) -> bytes:
        """The kecamatan's HTML report (the batch report of :mod:`p3pd_lib.report`), as one self-contained file.

        Only for data from the store: the report engine reads the store, not an
        uploaded dataset. Takes a few seconds (a kernel runs the report notebook).
        """
        if self._view is None:
            raise ParameterError("Pilih kecamatan terlebih dahulu.")
        if self._source is None:
            raise ParameterError("Laporan HTML hanya dapat dibuat dari data tersimpan, bukan dari data unggahan.")
        from . import report

        kode, tahun = self._view.kode_kecamatan, int(self._view.tahun)
        if self._report_dir is None:
            import tempfile

            self._report_dir = Path(tempfile.mkdtemp(prefix="p3pd_laporan_dashboard_"))
        try:
            result = report.run_batch(
                kecamatan=[kode], tahun=tahun, output_dir=self._report_dir, data_dir=self.data_dir, workers=1,
                progress=False, laporan_kabupaten=False, log=lambda line: log.info("laporan: %s", line),
            )
        finally:
            release_memory()  # the report kernels read the store; this kernel only planned the run
        entry = next((e for e in result.entries if e.get("kode") == kode), {})
        if entry.get("status") not in (report.BERHASIL, report.TERKINI):
            log.warning("laporan %s gagal: %s", kode, entry.get("galat"))
            raise DataError("Laporan kecamatan tidak dapat dibuat. Hubungi pengelola data.")
        path = self._report_dir / f"{kode[:5]}" / f"{kode}.html"
        return standalone_html(path.read_text(encoding="utf-8"), self._report_dir / report.ASET_DIR).encode("utf-8")

    def _prepare_download(self, which: str) -> None:
        try:
            if self._view is None:
                raise ParameterError("Pilih kecamatan terlebih dahulu.")
            kode, tahun = self._view.kode_kecamatan, self._view.tahun
            if which == "laporan":
                self._show("Menyiapkan laporan HTML… (beberapa detik)", "info")
                data = self.report_html()
                self.message.value = ""
                link = download_link(data, f"laporan_{kode}_{tahun}.html", "text/html", "Unduh laporan HTML")
            else:
                tab = TABS[self.tabs.selected_index or 0].lower().replace(" ", "_")
                name = f"{'agenda_terpadu' if which == 'agenda' else tab}_{kode}_{tahun}.xlsx"
                link = download_link(self.excel_bytes(which), name, XLSX_MIME, f"Unduh {name}")
            self.links.value = f"<div class='p3pd-unduh'>{link}</div>"
        except KitError as exc:
            self._show(str(exc), "galat")
        except Exception:
            log.exception("unduhan %s gagal", which)
            self._show("Maaf, berkas unduhan tidak dapat disiapkan. Coba lagi atau hubungi pengelola data.", "galat")

    def load_files(self, files: Sequence[tuple[str, bytes]]) -> bool:
        """Use uploaded files as this page's data, read by the kit's importer; returns True when in use.

        Accepts what ``p3pd impor`` accepts (:func:`read_upload`). When any file
        is rejected nothing changes: the dashboard keeps the previous data and
        lists the findings (file, sheet, row, column, value, message). Accepted
        data are merged into an in-memory dataset (:func:`dataset_with_upload`),
        never written to the store.
        """
        previous = (self._source, self.dataset)
        kode = self._current_kode()
        tahun = self.tahun.value
        self.upload_hasil.value = ""
        try:
            parsed = read_upload(files, data_dir=self.data_dir, kabupaten=kode[:5] if kode else None)
            shown = parsed.findings[[c for c in KOLOM_TEMUAN_UNGGAHAN if c in parsed.findings.columns]]
            temuan = table_html(shown, KOLOM_TEMUAN_UNGGAHAN, max_rows=200, kosong="") if len(shown) else ""
            if not parsed.accepted:
                n = int((parsed.files["status"] == "ditolak").sum())
                self.upload_hasil.value = f"<div data-temuan-unggahan='galat'>{temuan}</div>"
                self._show(f"Data unggahan tidak dipakai: {n} dari {len(parsed.files)} berkas ditolak "
                           f"({len(parsed.errors)} galat). Dashboard tetap memakai data sebelumnya. Perbaiki berkas "
                           "sesuai daftar temuan di bagian 'Gunakan data sendiri', lalu unggah ulang.", "galat")
                self.upload_acc.selected_index = 0
                return False
            if not parsed.tables:
                raise DataError("Berkas unggahan tidak memuat data layanan, APBDes, status desa, atau usulan.")
            codes = {str(k)[:5] for df in parsed.tables.values() for k in df["kode_desa"].dropna()}
            base = self.dataset
            if self._source is not None:
                base = (replace(self._source.datasets(codes), meta=self._source.meta) if not self._source.simulasi
                        else replace(self.dataset, wilayah=self._source.wilayah))
            new = dataset_with_upload(base, parsed.tables)
            if not _kecamatan_with_data(new):
                raise DataError("Data unggahan tidak memuat desa dengan data layanan atau APBDes.")
            upload_kec = sorted(_kecamatan_with_data(new) & {str(k)[:8] for df in parsed.tables.values()
                                                               for k in df["kode_desa"].dropna()})
            self._set_dataset(new, kecamatan=kode if kode in _kecamatan_with_data(new) else
                              (upload_kec[0] if upload_kec else None), tahun=tahun)
            if self._view is None and not self._regions.empty:
                raise DataError("Data unggahan tidak dapat ditampilkan.")
            ringkas = ", ".join(f"{t} ({len(df)} baris)" for t, df in sorted(parsed.tables.items()))
            self.upload_hasil.value = f"<div data-temuan-unggahan='peringatan'>{temuan}</div>" if temuan else ""
            extra = f" {len(shown)} peringatan, lihat daftar temuan." if len(shown) else ""
            self._show(f"Data unggahan dipakai: {ringkas}. Hanya untuk halaman ini, tidak disimpan.{extra}", "ok")
            return True
        except KitError as exc:
            log.info("unggahan ditolak: %s", exc)
            self._restore(previous, kode, tahun)
            self._show(str(exc), "galat")
            return False
        except Exception:
            log.exception("unggahan gagal")
            self._restore(previous, kode, tahun)
            self._show("Berkas unggahan tidak dapat diproses; dashboard tetap memakai data sebelumnya.", "galat")
            return False

    def _restore(self, previous: tuple[Any, Any], kode: str | None, tahun: Any) -> None:
        source, dataset = previous
        if source is not None and self._source is not source:
            self._set_source(source, kecamatan=kode, tahun=tahun)
        elif source is None and (self._source is not None or self.dataset is not dataset):
            self._set_dataset(dataset, kecamatan=kode, tahun=tahun)

    def _on_upload(self, change: Any) -> None:
        value = change["new"]
        if not value:
            return
        files = [(str(f["name"]), bytes(f["content"])) for f in value]
        with self._hold():
            self.upload.value = ()  # the same file can be chosen again after a fix
        self.load_files(files)


# --------------------------------------------------------------------------- the shared view service

#: Environment variables through which the page kernels reach their server's view service.
SERVICE_ENV = "P3PD_DASHBOARD_LAYANAN"
SERVICE_KEY_ENV = "P3PD_DASHBOARD_LAYANAN_KUNCI"
#: Seconds a kernel waits for one view from the service before computing it itself.
SERVICE_TIMEOUT_S = 120.0
#: Kabupaten whose data and analysis the service keeps in memory.
SERVICE_KABUPATEN = 3
#: Bytes of pickled views the service keeps (≈ 0.1–0.2 MB per view).
SERVICE_CACHE_BYTES = 96 * 2**20


class ServiceUnavailable(RuntimeError):
    """The view service cannot be reached or failed; the kernel computes the view itself."""


class ViewService:
    """Computes kecamatan views for every page of one dashboard server: one process, shared caches.

    Each page's Voila kernel would otherwise read its kabupaten from the store
    and run the whole analysis itself, and keep that data, the analysis and the
    kit's national region list in memory (≈ 140 MB per page, measured). The
    service does that work once for all pages (one analysis at a time) and sends
    the finished :class:`~p3pd_lib.analysis.KecamatanView` objects (pickled) to
    the kernels, which then hold only their views and widgets. After a view is
    asked for, the service computes the other kecamatan of that kabupaten and
    year in the background, so other pages and switches find them ready.

    Used in-process by tests; :func:`run_view_service` serves it on a Unix socket.
    """

    def __init__(self, data_dir: str | os.PathLike[str] | None = None, *,
                 keep: int = SERVICE_KABUPATEN, cache_bytes: int = SERVICE_CACHE_BYTES) -> None:
        self.data_dir, self.keep = data_dir, int(keep)
        self._stamp = _store_stamp(data_dir)
        self.source = StoreSource(data_dir, keep=keep)
        self.cache_bytes = int(cache_bytes)
        self._views: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()  # one analysis at a time (memory, and 2 cores)
        self._cache_lock = threading.Lock()
        self._waiting = 0  # foreground requests waiting for the analysis lock
        self._queue: "OrderedDict[tuple, None]" = OrderedDict()
        self._queue_event = threading.Event()
        self.computed = 0  # views computed (tests, logs)
        self._closed = False
        self._listener: Any = None
        threading.Thread(target=self._background, name="p3pd-layanan-prefetch", daemon=True).start()

    def close(self) -> None:
        """Stop the background work and stop accepting kernels (tests; the process normally just ends)."""
        self._closed = True
        with self._cache_lock:
            self._queue.clear()
        self._queue_event.set()
        if self._listener is not None:
            self._listener.close()

    def view_bytes(self, kode: str, tahun: int, settings: TrainerSettings = TrainerSettings(),
                   splits: tuple[float | None, float | None] = (None, None), *, background: bool = False) -> bytes:
        """The pickled view (computed or cached); raises the kit's errors (Indonesian) as the analysis does.

        ``background=True`` (a kernel's prefetch): computed only while no page waits for a view.
        """
        key = (str(kode), int(tahun), settings, tuple(splits))
        self._check_store()
        hit = self._cached(key)
        if hit is None:
            if background:
                self._yield_to_pages()
            with self._cache_lock:
                self._waiting += 0 if background else 1
            try:
                with self._lock:
                    hit = self._cached(key)
                    if hit is None:
                        hit = self._compute(key)
            finally:
                with self._cache_lock:
                    self._waiting -= 0 if background else 1
        if not background and settings.is_default and tuple(splits) == (None, None):
            self._enqueue_kabupaten(str(kode), int(tahun))
        return hit

    def _check_store(self) -> None:
        """Start afresh when the store was written since (an import while the server runs): never stale views."""
        if _store_stamp(self.data_dir) == self._stamp:
            return
        with self._lock:
            stamp = _store_stamp(self.data_dir)
            if stamp == self._stamp:
                return
            from . import analysis

            log.info("layanan: data tersimpan berubah; tampilan dihitung ulang")
            with self._cache_lock:
                self._views.clear()
                self._queue.clear()
                self._size = 0
            self.source._cache.clear()  # let the old data go before reading the new
            self.source._provinsi = None
            analysis.clear_cache()
            self.source = StoreSource(self.data_dir, keep=self.keep)
            self._stamp = stamp

    def _yield_to_pages(self, patience: float = PREFETCH_PATIENCE_S) -> None:
        """Wait while a page waits for a view, and (up to ``patience`` s) while the machine is overloaded."""
        deadline = time.monotonic() + patience
        ncpu = os.cpu_count() or 1
        while self._waiting or (time.monotonic() < deadline and os.getloadavg()[0] > 2 * ncpu):
            time.sleep(0.05 if self._waiting else 0.5)

    def _cached(self, key: tuple) -> bytes | None:
        with self._cache_lock:
            hit = self._views.get(key)
            if hit is not None:
                self._views.move_to_end(key)
            return hit

    def _compute(self, key: tuple) -> bytes:
        import pickle

        kode, tahun, settings, splits = key
        t0, cpu0 = time.perf_counter(), time.process_time()
        view = _default_view_fn(self.source.dataset(kode[:5]), kode, tahun, settings, splits)
        data = pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL)
        self.computed += 1
        with self._cache_lock:
            self._views[key] = data
            self._size += len(data)
            while self._size > self.cache_bytes and len(self._views) > 1:
                _, old = self._views.popitem(last=False)
                self._size -= len(old)
        # CPU time next to the wall time: on a shared machine the difference is waiting for a core.
        log.info("layanan: tampilan %s %s dihitung dalam %.2f s (CPU %.2f s)", kode, tahun, time.perf_counter() - t0,
                 time.process_time() - cpu0)
        return data

    def _enqueue_kabupaten(self, kode: str, tahun: int) -> None:
        """Queue the kabupaten's other kecamatan (this year); only the last two kabupaten asked for stay queued."""
        kec = sorted(k for k in self.source.kecamatan_with_data if k[:5] == kode[:5] and k != kode)
        with self._cache_lock:
            for k in reversed(kec):  # each goes to the front: the kabupaten ends up in code order
                key = (k, tahun, TrainerSettings(), (None, None))
                if key not in self._views:
                    self._queue[key] = None
                    self._queue.move_to_end(key, last=False)  # the newest kabupaten first
            recent = list(dict.fromkeys(k[0][:5] for k in self._queue))[:2]
            for key in [k for k in self._queue if k[0][:5] not in recent]:
                del self._queue[key]
        if kec:
            self._queue_event.set()

    def _background(self) -> None:
        """Compute queued views one at a time, only while no page is waiting for the analysis."""
        while not self._closed:
            self._queue_event.wait()
            while not self._closed:
                with self._cache_lock:
                    if not self._queue:
                        self._queue_event.clear()
                        break
                    key, _ = self._queue.popitem(last=False)
                    if key in self._views:
                        continue
                self._yield_to_pages()
                with self._lock:
                    if self._cached(key) is None:
                        try:
                            self._compute(key)
                        except Exception:  # the page asking for it gets the message
                            log.debug("layanan: tampilan %s tidak dapat dihitung", key, exc_info=True)
                time.sleep(0.01)  # let a waiting page take the lock first
            self.source.collect_garbage()

    def handle(self, request: tuple) -> tuple:
        """One request of the wire protocol: ``("view", kode, tahun, settings, splits)`` or ``("ping",)``."""
        try:
            if request[0] == "ping":
                return ("ok", "siap")
            if request[0] == "view":
                _, kode, tahun, settings, splits, *flags = request
                return ("ok", self.view_bytes(kode, tahun, settings, splits, background=bool(flags and flags[0])))
            return ("galat", "ParameterError", "Permintaan tidak dikenal.")
        except KitError as exc:
            return ("galat", type(exc).__name__, str(exc))
        except Exception:
            log.exception("layanan: permintaan %r gagal", request[:3])
            return ("galat", "", PESAN_GALAT_UMUM)

    def serve_forever(self, address: str, authkey: bytes) -> None:
        """Answer the kernels on a Unix socket (one thread per connected kernel) until the process ends."""
        from multiprocessing.connection import Listener

        with Listener(address, family="AF_UNIX", authkey=authkey) as listener:
            self._listener = listener
            log.info("layanan tampilan siap di %s", address)
            while not self._closed:
                try:
                    conn = listener.accept()
                except (OSError, EOFError):  # a client that failed the handshake, or close()
                    continue
                threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: Any) -> None:
        with conn:
            while True:
                try:
                    request = conn.recv()
                except (EOFError, OSError):
                    return
                conn.send(self.handle(request))


_SERVICE_ERRORS: dict[str, type[KitError]] = {"ParameterError": ParameterError, "DataError": DataError}


class ServiceClient:
    """A page kernel's connection to the view service (thread-safe; reconnects once after a failure)."""

    def __init__(self, address: str, authkey: bytes, timeout: float = SERVICE_TIMEOUT_S) -> None:
        self.address, self.authkey, self.timeout = address, authkey, float(timeout)
        # One connection for what a visitor waits for and one for prefetching: a prefetch request
        # the service holds back must not delay the visitor's next view.
        self._conns: dict[bool, Any] = {False: None, True: None}
        self._locks = {False: threading.Lock(), True: threading.Lock()}

    @classmethod
    def from_env(cls) -> "ServiceClient | None":
        """The client of the service named in the environment (``None`` when there is none)."""
        address, key = os.environ.get(SERVICE_ENV), os.environ.get(SERVICE_KEY_ENV)
        if not address or not key or not Path(address).exists():
            return None
        try:
            return cls(address, bytes.fromhex(key))
        except ValueError:
            return None

    def _call(self, request: tuple, background: bool = False) -> tuple:
        from multiprocessing.connection import Client

        with self._locks[background]:
            for attempt in (1, 2):
                try:
                    if self._conns[background] is None:
                        self._conns[background] = Client(self.address, family="AF_UNIX", authkey=self.authkey)
                    conn = self._conns[background]
                    conn.send(request)
                    if not conn.poll(self.timeout):
                        raise TimeoutError(f"tidak ada jawaban dalam {self.timeout:.0f} s")
                    return conn.recv()
                except (OSError, EOFError, TimeoutError) as exc:
                    self._close(background)
                    if attempt == 2 or isinstance(exc, TimeoutError):
                        raise ServiceUnavailable(str(exc)) from exc
        raise ServiceUnavailable("tidak terjangkau")  # pragma: no cover (loop always returns or raises)

    def _close(self, background: bool) -> None:
        conn, self._conns[background] = self._conns[background], None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def ping(self) -> bool:
        """True when the service answers."""
        try:
            return self._call(("ping",))[0] == "ok"
        except ServiceUnavailable:
            return False

    def view(self, kode: str, tahun: int, settings: TrainerSettings, splits: tuple[float | None, float | None],
             background: bool = False) -> Any:
        """The view from the service; the kit's errors come back as the same class and Indonesian message.

        ``background=True`` for prefetching: the service computes it only while no page waits.
        """
        import pickle

        status, *rest = self._call(("view", kode, int(tahun), settings, tuple(splits), bool(background)), bool(background))
        if status == "ok":
            return pickle.loads(rest[0])
        kind, message = rest
        if kind in _SERVICE_ERRORS:
            raise _SERVICE_ERRORS[kind](message)
        if kind:
            raise KitError(message)
        raise ServiceUnavailable(message)


def run_view_service() -> None:
    """Entry point of the service process (see :func:`start_view_service`): address and key from the environment."""
    import gc

    address, key = os.environ[SERVICE_ENV], bytes.fromhex(os.environ[SERVICE_KEY_ENV])
    parent = os.getppid()

    def watch_parent() -> None:  # never outlive the server that started us
        while os.getppid() == parent:
            time.sleep(2.0)
        os._exit(0)

    threading.Thread(target=watch_parent, name="p3pd-layanan-induk", daemon=True).start()
    service = ViewService(os.environ.get("P3PD_DATA_DIR") or None)

    def warm_up() -> None:
        # The analysis code paths' first calls import modules and build caches: do it before the first
        # page asks, with the view a visitor without a query string gets (the preheated kernel asks for it).
        src = service.source
        first = sorted(src.kecamatan_with_data)
        year = src.latest_layanan or (max(src.years) if src.years else None)
        if first and year is not None:
            try:
                service.view_bytes(first[0], int(year))
            except KitError:
                pass
            gc.collect()
            release_memory()

    threading.Thread(target=warm_up, name="p3pd-layanan-pemanasan", daemon=True).start()
    service.serve_forever(address, key)


def start_view_service(folder: Path, env: Mapping[str, str], output: Any = None) -> tuple[Any, dict[str, str]]:
    """Start the view service process; return it and the environment entries that lead kernels to it.

    Waits (≤ 60 s) until its socket exists; when it does not start, the kernels
    compute their views themselves (the dashboard works the same, only larger).
    """
    import secrets
    import subprocess

    address = str(folder / "layanan.sock")
    extra = {SERVICE_ENV: address, SERVICE_KEY_ENV: secrets.token_hex(16)}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from p3pd_lib.dashboard import run_view_service; run_view_service()"],
        env={**env, **extra}, stdout=output, stderr=subprocess.STDOUT if output is not None else None,
    )
    deadline = time.monotonic() + 60
    while not Path(address).exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            log.warning("layanan tampilan tidak dapat dimulai; setiap kernel menghitung sendiri")
            if proc.poll() is None:
                proc.terminate()
            return None, {}
        time.sleep(0.1)
    return proc, extra


# --------------------------------------------------------------------------- the server

NOTEBOOK_NAME = "dashboard_kecamatan.ipynb"
#: Folder added to JUPYTER_PATH so Voila finds the kit's template ``p3pd`` (no CDN assets).
JUPYTER_ASSETS = Path(__file__).resolve().parent / "assets" / "jupyter"
#: Folder of the ``voila.py`` holding what ``voila.json`` cannot express (the per-cell timeout).
VOILA_PY_DIR = Path(__file__).resolve().parent / "assets" / "voila_config"
DEFAULT_PORT = 8866
DEFAULT_HOST = "127.0.0.1"


def voila_command(
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    extra_args: Sequence[str] = (),
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start the dashboard's Voila server.

    Settings come from ``voila.json`` at the project root (sources stripped,
    execution timeout, idle-kernel culling, one preheated kernel) and from
    ``assets/voila_config/voila.py`` (no timeout for the cell that waits for a
    visitor); the data folder reaches the kernels through ``P3PD_DATA_DIR``.
    :func:`serve` and :func:`start_server` add the store summary
    (:data:`SUMMARY_ENV`) and the view service (:data:`SERVICE_ENV`).

    >>> argv, env = voila_command(9000, "127.0.0.1", "/tmp/x")
    >>> "--port=9000" in argv, env["P3PD_DATA_DIR"]
    (True, '/tmp/x')
    """
    from .paths import NOTEBOOKS_DIR, PROJECT_ROOT
    from .paths import data_dir as resolve_data_dir

    if not (0 < int(port) < 65536):
        raise ParameterError(f"Port {port} tidak valid (1–65535).")
    argv = [
        sys.executable, "-m", "voila", str(NOTEBOOKS_DIR / NOTEBOOK_NAME),
        f"--port={int(port)}", f"--Voila.ip={host}", "--no-browser", "--template=p3pd",
        f"--Voila.config_file_paths={PROJECT_ROOT}", f"--Voila.config_file_paths={VOILA_PY_DIR}", *extra_args,
    ]
    env = dict(os.environ)
    # Arrow's default (mimalloc) pool keeps freed pages; the system allocator can be trimmed
    # (see release_memory): ≈ 50 MB less per page's kernel.
    env.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    # glibc gives every thread its own heap arena (up to 8 per core); the analysis threads of a
    # page's kernel then keep several half-empty heaps: ≈ 20 MB less per kernel with two.
    env.setdefault("MALLOC_ARENA_MAX", "2")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(JUPYTER_ASSETS), env.get("JUPYTER_PATH", "")) if p)
    if data_dir:
        env["P3PD_DATA_DIR"] = str(resolve_data_dir(data_dir))
    # Where a preheated kernel reaches the server for its visitor's request (wait_for_request).
    env["VOILA_APP_IP"] = "127.0.0.1" if host in ("", "0.0.0.0", "::", "localhost") else host
    env.setdefault("PYTHONUNBUFFERED", "1")
    return argv, env


def serve(
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    data_dir: str | os.PathLike[str] | None = None,
) -> int:
    """Run the dashboard server in the foreground until Ctrl+C; returns Voila's exit code."""
    import subprocess

    from .paths import PROJECT_ROOT
    from .paths import processed_dir
    from .store import store_exists

    if not store_exists(data_dir):
        raise DataError(
            f"Data belum tersedia di '{processed_dir(data_dir)}'. Jalankan 'p3pd demo-data' untuk data simulasi "
            "atau impor data Anda terlebih dahulu."
        )
    argv, env = voila_command(port, host, data_dir)
    helpers = _start_helpers(data_dir, env)
    env.update(helpers.env)
    print(f"Dashboard Kecamatan: http://{host}:{port}/  (contoh: http://{host}:{port}/?kecamatan=33.07.01&tahun=2024)")
    print("Hentikan dengan Ctrl+C.")
    import signal

    proc = subprocess.Popen(argv, env=env, cwd=str(PROJECT_ROOT))
    # SIGTERM to this command must stop the server too (it would otherwise outlive us with its kernels).
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        helpers.stop()


@dataclass
class _Helpers:
    """What runs beside the Voila server: a private folder with the store summary, the view service."""

    folder: Path
    env: dict[str, str]
    service: Any = None

    def stop(self) -> None:
        import shutil
        import subprocess

        if self.service is not None and self.service.poll() is None:
            self.service.terminate()
            try:
                self.service.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.service.kill()
                self.service.wait(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)


def _start_helpers(data_dir: str | os.PathLike[str] | None, env: Mapping[str, str], view_service: bool = True,
                   output: Any = None) -> _Helpers:
    """Write the store summary and start the view service; what fails is left out (the kernels then do it)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="p3pd_dashboard_"))  # private (0700): the service's socket lives here
    extra: dict[str, str] = {}
    try:
        extra[SUMMARY_ENV] = str(write_store_summary(data_dir, folder / "ringkasan_store.json"))
    except Exception:  # every kernel then reads the store itself: slower, not wrong
        log.warning("ringkasan store untuk kernel tidak dapat ditulis", exc_info=True)
    proc = None
    if view_service:
        proc, service_env = start_view_service(folder, {**env, **extra}, output=output)
        extra.update(service_env)
    return _Helpers(folder, extra, proc)


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port free on ``host`` right now (for tests and benchmarks)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_server(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    port: int | None = None,
    host: str = DEFAULT_HOST,
    log_path: str | os.PathLike[str] | None = None,
    extra_args: Sequence[str] = (),
    wait_ready: float = 120.0,
    view_service: bool = True,
) -> tuple[Any, str]:
    """Start the dashboard's Voila server in the background; return ``(process, url)``.

    Waits until the port accepts connections and, when ``log_path`` is given, until
    the preheated kernel has logged :data:`READY_LOG` (so a first page really finds
    a warm kernel). Stop it with :func:`stop_server`. Used by the browser test and
    the benchmark; ``p3pd dashboard`` runs the server in the foreground instead.
    """
    import socket
    import subprocess

    from .paths import PROJECT_ROOT

    port = port or free_port(host)
    argv, env = voila_command(port, host, data_dir, extra_args=extra_args)
    out = open(log_path, "w", encoding="utf-8") if log_path else subprocess.DEVNULL
    helpers = _start_helpers(data_dir, env, view_service=view_service, output=out)
    env.update(helpers.env)
    proc = subprocess.Popen(argv, env=env, cwd=str(PROJECT_ROOT), stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    proc.p3pd_helpers = helpers  # stopped by stop_server
    deadline = time.monotonic() + wait_ready
    url = f"http://{host}:{port}/"
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"Server Voila berhenti (kode {proc.returncode}); lihat {log_path}.")
            if time.monotonic() > deadline:
                raise TimeoutError(f"Server Voila belum siap setelah {wait_ready:.0f} s; lihat {log_path}.")
            try:
                socket.create_connection((host, port), timeout=0.5).close()
            except OSError:
                time.sleep(0.2)
                continue
            if log_path is None or READY_LOG in Path(log_path).read_text(encoding="utf-8", errors="replace"):
                return proc, url
            time.sleep(0.2)
    except BaseException:
        stop_server(proc)
        raise


def stop_server(proc: Any, timeout: float = 20.0) -> None:
    """Stop a server started by :func:`start_server` (its whole process group: kernels too)."""
    import signal
    import subprocess

    try:
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)
    finally:
        helpers = getattr(proc, "p3pd_helpers", None)
        if helpers is not None:
            helpers.stop()
