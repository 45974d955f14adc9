"""The kecamatan dashboard: one :class:`App` owning its widgets (Voila's example-app pattern).

``App(dataset)`` / :meth:`App.from_dataset` work on an in-memory dataset (tests,
notebooks); :meth:`App.from_store` reads the canonical store one kabupaten at a
time (the Voila notebook). The app exposes :attr:`App.container`; every control
calls the one :meth:`App.update` method, which reads the controls, takes the
view from the kernel's cache (:class:`~p3pd_lib.dashboard.views.Views`) and
sends only the visible tab (each tab rendered by its module in ``tabs/``).

Widgets a page does not show yet are created when first shown (a tab's
controls and outputs, the trainer's sliders, the upload): the browser builds
every widget model of the kernel before it shows the page.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pandas as pd

from ..errors import KitError, ParameterError
from . import tabs as tab_modules
from .alamat import address_output, match_kecamatan, no_match_message
from .controls import CONTROL_TAB, TEKS_UNGGAHAN, tab_controls, view_options
from .html import BANNER, CHART_CSS, CSS, TabContent, esc, kelas_colours, kl_css
from .pelatih import TrainerMixin
from .query import Query, TrainerSettings, parse_query
from .tabs import FIGURE_TABS, TABS
from .transfer import TransferMixin
from .views import StoreSource, Views, kecamatan_with_data, region_table, view_key

log = logging.getLogger("p3pd_lib.dashboard")

PESAN_GALAT_UMUM = (
    "Maaf, terjadi kesalahan saat menyiapkan tampilan ini. Data sebelumnya tetap ditampilkan. "
    "Coba pilihan lain atau hubungi pengelola data kecamatan."
)
#: Logged (server side) when :meth:`App.from_store` has built its first view.
READY_LOG = "dashboard siap:"
_CONTENT_CACHE_SIZE = 64  # rendered tabs (HTML + figure JSON, ≈ 0.1 MB each)


class App(TransferMixin, TrainerMixin):
    """The kecamatan dashboard: owns its widgets, exposes :attr:`container`.

    ``view_fn`` (tests) replaces :func:`p3pd_lib.dashboard.views.kecamatan_view`.
    """

    def __init__(self, dataset: Any, *, kecamatan: str | None = None, tahun: int | None = None,
                 data_dir: str | os.PathLike[str] | None = None, view_fn: Callable[..., Any] | None = None,
                 pesan: str | None = None, source: StoreSource | None = None, prefetch: bool = False) -> None:
        import ipywidgets as W
        from ipywidgets.widgets.widget_description import DescriptionStyle
        from ipywidgets.widgets.widget_string import HTMLStyle

        self.dataset = dataset
        self.data_dir = data_dir
        self._view_fn = view_fn
        self._views = Views(dataset, None, view_fn, data_dir=data_dir)
        self._contents: OrderedDict[tuple, TabContent] = OrderedDict()
        self._lock = threading.Lock()  # the content cache is filled by the prefetch thread too
        self._update_lock = threading.RLock()
        #: The thread computing the first view of ``open_query(..., background=True)`` (``None`` before).
        self.first_view: threading.Thread | None = None
        #: Compute the kabupaten's other views (and the visible tab) ahead after each new view (on in Voila).
        self.prefetch = prefetch
        self.prefetch_on_query = False  # switched on by open_query (from_store: once the visitor is there)
        self.prefetch_thread: threading.Thread | None = None
        self._report_dir: Path | None = None  # where the report batch writes (created on the first report)
        self.log_timings = False  # log every update's duration on the server (on in Voila)
        self._view: Any = None
        self._key: tuple | None = None
        self._rendered: dict[int, tuple] = {}
        self._suspended = 0
        self._regions = pd.DataFrame()
        self._years: list[int] = []
        self._kec_map: dict[str, str] = {}
        self._colours = kelas_colours()
        self.timings: dict[str, float] = {}
        self._w: dict[str, Any] = {}  # widgets created on demand (tab controls, trainer, upload)
        self._tab_built: dict[int, tuple[Any, Any]] = {}
        self._settings = TrainerSettings()
        self._base_targets: dict[str, float] = {}  # the catalogue's targets (trainer sliders start there)

        # Shared Layout/Style models: the browser builds every model before it shows the page.
        self._W = W
        self._lay = W.Layout()
        self._html_style = HTMLStyle()
        self._row = W.Layout(flex_flow="row wrap")
        self._dd_style = DescriptionStyle(description_width="initial")

        self.banner = self._html()  # also carries the page's CSS
        self.header = self._html()
        self.message = self._html()
        lay = W.Layout(width="auto", min_width="260px")
        self.provinsi = W.Dropdown(description="Provinsi", options=[], layout=lay, style=self._dd_style)
        self.kabupaten = W.Dropdown(description="Kabupaten/Kota", options=[], layout=lay, style=self._dd_style)
        self.kecamatan = W.Combobox(
            description="Kecamatan", options=(), ensure_option=False, continuous_update=False,
            placeholder="Ketik sebagian nama kecamatan, lalu Enter", layout=W.Layout(width="360px"),
        )
        self._all_kec: dict[str, str] = {}  # every kecamatan with data, label → code (the search box looks here too)
        #: Runs the page's address update (``?kecamatan=…&tahun=…``) in the browser; shows nothing.
        self.alamat = W.Output(layout=W.Layout(height="0px", overflow="hidden"))
        self._alamat_key: tuple | None = None
        self._peta_widget: Any = None
        self.tahun = W.Dropdown(description="Tahun", options=[], layout=W.Layout(width="180px"), style=self._dd_style)
        self.trainer = W.ToggleButton(value=False, description="Mode pelatih", tooltip="Ubah pita dan target untuk latihan",
                                      layout=self._lay)
        self.trainer_box = W.VBox([], layout=W.Layout(display="none", border="1px solid #e0a800", padding="6px"))
        self._tab_boxes = [W.VBox([], layout=self._lay) for _ in TABS]
        self.tabs = W.Tab(children=self._tab_boxes, titles=list(TABS))
        button_style = W.ButtonStyle()
        self.btn_excel = W.Button(description="Excel tampilan ini", tooltip="Siapkan berkas Excel dari tab yang sedang dibuka",
                                  layout=W.Layout(width="auto"), style=button_style)
        self.btn_agenda = W.Button(description="Excel agenda terpadu", layout=self.btn_excel.layout, style=button_style)
        self.btn_laporan = W.Button(description="Laporan HTML kecamatan", layout=self.btn_excel.layout, style=button_style)
        self.links = self._html()
        self.upload_box = W.VBox([], layout=self._lay)
        self.upload_acc = W.Accordion(children=[self.upload_box], titles=("Gunakan data sendiri",), selected_index=None)
        self.container = W.VBox(
            [self.banner, self.header, W.HBox([self.provinsi, self.kabupaten], layout=self._row),
             W.HBox([self.kecamatan, self.tahun, self.trainer], layout=self._row), self.trainer_box, self.message,
             self.tabs, W.HBox([self.btn_excel, self.btn_agenda, self.btn_laporan], layout=self._row),
             self.links, self.upload_acc, self.alamat],
            layout=self._lay,
        )
        self.container.add_class("p3pd-app")

        # Wiring: every control calls update(); the region cascades call it once at their end.
        self.provinsi.observe(self._on_provinsi, "value")
        self.kabupaten.observe(self._on_kabupaten, "value")
        self.kecamatan.observe(self._on_kecamatan, "value")
        self.tahun.observe(self.update, "value")
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

    # ------------------------------------------------------------------ constructors

    @classmethod
    def from_dataset(cls, dataset: Any, **kwargs: Any) -> "App":
        """The app over an in-memory :class:`~p3pd_lib.store.Dataset` (tests, notebooks)."""
        return cls(dataset, **kwargs)

    @classmethod
    def from_store(cls, data_dir: str | os.PathLike[str] | None = None, **kwargs: Any) -> "App":
        """The app over the canonical store (``data_dir`` or ``P3PD_DATA_DIR`` or ``data/``), one kabupaten in memory.

        Shows the first kecamatan (or ``kecamatan=``): in a preheated Voila kernel this
        runs before a visitor arrives and warms the code paths. Never raises: when the
        store is missing or unreadable the app says why, in Indonesian.
        """
        from ..store import Dataset

        t0 = time.perf_counter()
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
        # A preheated kernel computes nothing ahead while it waits for its visitor (many may be waiting).
        prefetch = kwargs.pop("prefetch", True)
        app = cls(Dataset(meta=source.meta), data_dir=data_dir, source=source, **kwargs)
        app.prefetch_on_query = prefetch
        if os.getenv("VOILA_PREHEAT", "False") != "False":
            # A preheated kernel has time until its visitor arrives: read its kabupaten and run the analysis
            # here (a view of another kecamatan then takes ≈ 0.3 s, not the kabupaten's analysis), and
            # import Voila's request helper (≈ 1.5 s) before it says it is ready.
            app.views.warm(app._current_kode(), app.tahun.value)
            import voila.utils  # noqa: F401
        app.log_timings = True
        # Benchmarks and the browser tests wait for this line: the (preheated) kernel is warm.
        log.info("%s %d kecamatan, tampilan awal %.2f s", READY_LOG, len(app.kecamatan_tersedia), time.perf_counter() - t0)
        return app

    # ------------------------------------------------------------------ public API

    @property
    def view(self) -> Any:
        """The kecamatan view currently shown (``None`` before the first successful update)."""
        return self._view

    @property
    def views(self) -> Views:
        """The kernel's view cache."""
        return self._views

    @property
    def kecamatan_tersedia(self) -> list[str]:
        """Codes of the kecamatan that hold data, sorted."""
        return sorted(self._regions["kode_kecamatan"].unique().tolist()) if not self._regions.empty else []

    def open_query(self, query: str | None, *, background: bool = False) -> Query:
        """Show the view a query string asks for (``kecamatan=33.07.01&tahun=2024``); never raises.

        Bad values (any length, any content) are explained in Indonesian, escaped. With ``background``
        (the Voila notebook) the controls are set at once and the view is computed on a thread
        (:attr:`first_view`): Voila sends the page and the browser loads its scripts while the kernel
        computes, and until then the page says the view is being prepared instead of showing another one.
        """
        self.prefetch = self.prefetch or self.prefetch_on_query
        try:
            q = parse_query(query, self.kecamatan_tersedia, self._years)
            self._set_controls(kecamatan=q.kecamatan, tahun=q.tahun)
        except Exception:
            log.exception("query tidak dapat diterapkan")
            self._show(PESAN_GALAT_UMUM, "galat")
            return Query(pesan=(PESAN_GALAT_UMUM,))
        if not background:
            self._show_query(q)
            return q
        kode = self._current_kode()
        if kode is not None:
            nama = self._regions.loc[self._regions["kode_kecamatan"] == kode, "nama_kecamatan"].iloc[0]
            self.header.value = ""
            self.tabs.layout.display = "none"  # not the kernel's previous view meanwhile
            self._show(f"Menyiapkan tampilan Kecamatan {nama} tahun {self.tahun.value} …", "info")
        self.first_view = threading.Thread(target=self._show_query, args=(q,), name="p3pd-tampilan-pertama",
                                           daemon=True)
        self.first_view.start()
        return q

    def _show_query(self, q: Query) -> None:
        """The update a query asks for, then its messages (a thread of :meth:`open_query`)."""
        try:
            self.update()
            if q.pesan:
                self._show(" ".join(q.pesan), "galat", append=True)
        except Exception:
            log.exception("query tidak dapat diterapkan")
            self._show(PESAN_GALAT_UMUM, "galat")
        finally:
            self.tabs.layout.display = None

    def select(self, kecamatan: str | None = None, tahun: int | None = None, tab: str | int | None = None) -> None:
        """Programmatic selection (query string, tests, benchmarks): set controls, then one update."""
        self._set_controls(kecamatan, tahun, tab)
        self.update()

    def _set_controls(self, kecamatan: str | None = None, tahun: int | None = None,
                      tab: str | int | None = None) -> None:
        with self._hold():
            if kecamatan:
                self._select_kecamatan(kecamatan)
            if tahun is not None:
                self.tahun.value = int(tahun)
            if tab is not None:
                self.tabs.selected_index = TABS.index(tab) if isinstance(tab, str) else int(tab)

    def update(self, change: Any = None) -> None:
        """The one update method: read the controls, get the (cached) view, redraw the visible tab.

        Never raises: a user-fixable problem shows its Indonesian message; anything
        else is logged on the server and replaced by a general Indonesian message.
        """
        if self._suspended:
            return
        with self._update_lock:  # the first view's thread (open_query) and the visitor's controls take turns
            self._timed_update()

    def _timed_update(self) -> None:
        t0 = time.perf_counter()
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
                log.info("update %s tahun %s tab %s: %.3f s", self._current_kode(), self.tahun.value,
                         self.tabs.selected_index, self.timings["update"])

    # ------------------------------------------------------------------ widgets created on demand

    def _html(self, value: str = "") -> Any:
        return self._W.HTML(value, layout=self._lay, style=self._html_style)

    def _tab_widgets(self, idx: int) -> tuple[Any, Any]:
        """The ``(HTML, Output or None)`` of tab ``idx``; creates the tab's widgets and controls on first use."""
        built = self._tab_built.get(idx)
        if built is not None:
            return built
        W = self._W
        html = self._html()
        name = TABS[idx]
        # The map (with its click listener, petaklik.MapView) sits in a box; the other figures are outputs.
        figs = (W.VBox([], layout=self._lay) if name == "Peta" else W.Output(layout=self._lay)) if idx in FIGURE_TABS else None
        self._tab_built[idx] = (html, figs)
        with self._hold():
            controls = tab_controls(W, name, self._dd_style, self._lay)
            self._w.update(controls)
            if name == "Layanan Dasar":
                self._w["kartu"] = self._html()
                if self._view is not None:
                    self._set_desa_options(self._view, ("desa",))
                items = [controls["sektor"], html, controls["desa"], self._w["kartu"]]
            elif name == "Kuadran":
                if self._view is not None:
                    self._sync_split_fields(self._view)
                items = [W.HBox(list(controls.values()), layout=self._row), figs, html]
            elif name == "Tren":
                items = [controls["tren_sektor"], figs, html]
            elif name == "Peta":
                items = [controls["peta_pilihan"], figs, html, controls["peta_desa"]]
            elif name == "Agenda Terpadu":
                items = [W.HBox(list(controls.values()), layout=self._row), html]
            elif name == "Bahan Musdes":
                self._w["btn_pdf"] = W.Button(description="Unduh PDF", tooltip="Siapkan PDF A4 Bahan Musdes desa ini",
                                              layout=W.Layout(width="auto"))
                self._w["btn_pdf"].on_click(lambda _b: self._prepare_download("musdes"))
                items = [W.HBox([controls["musdes_desa"], self._w["btn_pdf"]], layout=self._row), html]
            else:  # charts first, their table below
                items = [figs, html] if figs is not None else [html]
        if name in ("Peta", "Bahan Musdes", "Agenda Terpadu") and self._view is not None:
            self._set_desa_options(self._view, tuple(controls))
        for k, w in controls.items():
            w.observe(self._on_peta_desa if k == "peta_desa" else self.update, "value")
        self._tab_boxes[idx].children = tuple(items)
        return html, figs

    @property
    def tab_html(self) -> list[Any]:
        """The HTML widget of every tab (creating them)."""
        return [self._tab_widgets(i)[0] for i in range(len(TABS))]

    @property
    def tab_figs(self) -> list[Any]:
        """The ``Output`` widget of every tab (``None`` for tabs without figures; creating them)."""
        return [self._tab_widgets(i)[1] for i in range(len(TABS))]

    def _widget(self, name: str) -> Any:
        if name not in self._w:
            if name in CONTROL_TAB:
                self._tab_widgets(TABS.index(CONTROL_TAB[name]))
            elif name in ("pita_naik", "pita_turun", "target_indikator", "target_nilai", "nilai", "reset"):
                self._build_trainer()
            elif name in ("upload", "upload_hasil"):
                self._build_upload()
        return self._w[name]

    def _value(self, name: str, default: Any) -> Any:
        """A control's value without creating it (its default while it does not exist)."""
        w = self._w.get(name)
        return default if w is None else w.value

    sektor = property(lambda self: self._widget("sektor"), doc="Sector filter of Layanan Dasar.")
    desa = property(lambda self: self._widget("desa"), doc="Desa of the Kartu Desa.")
    kartu = property(lambda self: self._widget("kartu"), doc="The Kartu Desa HTML.")
    split_median = property(lambda self: self._widget("split_median"), doc="Quadrant splits = kecamatan medians.")
    split_x = property(lambda self: self._widget("split_x"), doc="Quadrant split of the gap (x).")
    split_y = property(lambda self: self._widget("split_y"), doc="Quadrant split of the basic-service share (y).")
    tren_sektor = property(lambda self: self._widget("tren_sektor"), doc="Sector of the Tren tab.")
    peta_pilihan = property(lambda self: self._widget("peta_pilihan"), doc="What the Peta tab colours.")
    peta_desa = property(lambda self: self._widget("peta_desa"), doc="Peta: the desa whose Bahan Musdes to open.")
    agenda_desa = property(lambda self: self._widget("agenda_desa"), doc="Agenda: the desa filter.")
    agenda_sektor = property(lambda self: self._widget("agenda_sektor"), doc="Agenda: the sector filter.")
    musdes_desa = property(lambda self: self._widget("musdes_desa"), doc="Desa of the Bahan Musdes tab.")
    btn_pdf = property(lambda self: self._widget("btn_pdf"), doc="Bahan Musdes: prepare the PDF download.")
    pita_naik = property(lambda self: self._widget("pita_naik"), doc="Trainer: yellow band, higher is better.")
    pita_turun = property(lambda self: self._widget("pita_turun"), doc="Trainer: yellow band, lower is better.")
    target_indikator = property(lambda self: self._widget("target_indikator"), doc="Trainer: indicator of the target slider.")
    target_nilai = property(lambda self: self._widget("target_nilai"), doc="Trainer: the target of that indicator.")
    reset = property(lambda self: self._widget("reset"), doc="Trainer: back to the kit's parameters.")
    upload = property(lambda self: self._widget("upload"), doc="The upload control.")
    upload_hasil = property(lambda self: self._widget("upload_hasil"), doc="Findings of the last upload.")

    def _build_upload(self) -> None:
        if "upload" in self._w:
            return
        upload = self._W.FileUpload(accept=".xlsx,.csv,.zip,.pdf,.columns,.txt,.json", multiple=True, description="Pilih berkas")
        self._w.update(upload=upload, upload_hasil=self._html())
        self.upload_box.children = (self._html(TEKS_UNGGAHAN), upload, self._w["upload_hasil"])
        upload.observe(self._on_upload, "value")

    def _on_upload_section(self, change: Any) -> None:
        if change["new"] is not None:
            self._build_upload()

    # ------------------------------------------------------------------ state and region cascade

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
        self.dataset = dataset
        self._views.stop()
        self._views = Views(dataset, None, self._view_fn, data_dir=self.data_dir)
        lay = dataset.layanan
        latest = int(lay["tahun"].dropna().max()) if not lay.empty and lay["tahun"].notna().any() else None
        banner = "unggahan" if getattr(dataset, "meta", {}).get("sumber") == "unggahan pengguna" else (
            "simulasi" if getattr(dataset, "simulasi", False) else "")
        self._adopt(dataset.wilayah, kecamatan_with_data(dataset), list(dataset.years()), latest, banner,
                    kecamatan, tahun)

    def _set_source(self, source: StoreSource, *, kecamatan: str | None = None, tahun: int | None = None) -> None:
        """Adopt the store (one kabupaten in memory at a time), then one update."""
        self._views.stop()
        self._views = Views(None, source, self._view_fn)
        self._adopt(source.wilayah, source.kecamatan_with_data, source.years, source.latest_layanan,
                    "simulasi" if source.simulasi else "", kecamatan, tahun)

    @property
    def _source(self) -> StoreSource | None:
        return self._views.source

    def _adopt(self, w: pd.DataFrame, with_data: set[str], years: Sequence[int], latest: int | None, banner: str,
               kecamatan: str | None, tahun: int | None) -> None:
        self._prefetched = None
        with self._lock:
            self._contents.clear()
        self._rendered.clear()
        self._view = None
        self._key = None
        regions = region_table(w, with_data)
        self._regions = regions
        self._all_kec = {f"{x.kode_kecamatan} – {x.nama_kecamatan}": str(x.kode_kecamatan)
                         for x in regions.drop_duplicates("kode_kecamatan").itertuples()}
        self._years = sorted(int(y) for y in years)
        self.banner.value = CSS + CHART_CSS + kl_css(self._colours) + BANNER.get(banner, "")
        with self._hold():
            provs = regions.drop_duplicates("kode_provinsi")
            self.provinsi.options = [(f"{r.nama_provinsi} ({r.kode_provinsi})", str(r.kode_provinsi))
                                     for r in provs.itertuples()]
            self.tahun.options = [(str(y), int(y)) for y in sorted(self._years, reverse=True)]
            if self._years:
                self.tahun.value = int(tahun) if tahun in self._years else int(latest if latest in self._years
                                                                               else max(self._years))
            if kecamatan and kecamatan in set(regions["kode_kecamatan"].astype(str)):
                self._select_kecamatan(kecamatan)
            elif len(provs):
                self._cascade_provinsi(str(provs["kode_provinsi"].iloc[0]))
        if regions.empty:
            self.header.value = "<h2>Dashboard Kecamatan</h2>"
            self._show("Belum ada data kecamatan yang dapat ditampilkan.", "info")
            return
        self.update()

    def _kab_options(self, prov: str) -> list[tuple[str, str]]:
        r = self._regions[self._regions["kode_provinsi"] == prov].drop_duplicates("kode_kabupaten")
        return [(f"{x.nama_kabupaten} ({x.kode_kabupaten})", str(x.kode_kabupaten)) for x in r.itertuples()]

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
            r = self._regions[self._regions["kode_kabupaten"] == kab]
            opts = {f"{x.kode_kecamatan} – {x.nama_kecamatan}": str(x.kode_kecamatan) for x in r.itertuples()}
            self._kec_map = opts
            self.kecamatan.options = tuple(opts)
            codes = list(opts.values())
            kec = kec if kec in codes else (codes[0] if codes else None)
            self.kecamatan.value = next((k for k, v in opts.items() if v == kec), "")

    def _select_kecamatan(self, kode: str) -> None:
        row = self._regions[self._regions["kode_kecamatan"] == kode]
        if row.empty:
            raise ParameterError(f"Kecamatan '{kode}' tidak ada dalam data.")
        r = row.iloc[0]
        if self._current_kode() == kode and self.kabupaten.value == r["kode_kabupaten"]:
            return
        self._cascade_provinsi(str(r["kode_provinsi"]), str(r["kode_kabupaten"]), kode)

    def _on_kecamatan(self, change: Any) -> None:
        """The search box: a list entry shows its kecamatan; a partial name or code (Enter) picks the first
        match, in this kabupaten first, then anywhere; no match keeps the view and says so."""
        if self._suspended:
            return
        text = str(change["new"] or "")
        if text in self._kec_map or not text.strip():
            self.update()
            return
        kode = match_kecamatan(text, self._kec_map) or match_kecamatan(text, self._all_kec)
        if kode is not None:
            self.select(kecamatan=kode)
            return
        shown = self._view.kode_kecamatan if self._view is not None else None
        with self._hold():
            self.kecamatan.value = next((k for k, v in self._kec_map.items() if v == shown), "")
        self._show(no_match_message(text, self._kec_map), "galat")

    def _on_provinsi(self, change: Any) -> None:
        if not self._suspended:
            self._cascade_provinsi(str(change["new"]))
            self.update()

    def _on_kabupaten(self, change: Any) -> None:
        if not self._suspended:
            self._cascade_kabupaten(str(change["new"]))
            self.update()

    def _current_kode(self) -> str | None:
        return self._kec_map.get(str(self.kecamatan.value or ""))

    def _read_splits(self) -> tuple[float | None, float | None]:
        if self._value("split_median", True):
            return (None, None)
        return (float(self.split_x.value), float(self.split_y.value))

    def _tab_opts(self, idx: int) -> tuple:
        """The values of the controls a tab's content depends on (its render options, part of the cache key)."""
        name = TABS[idx]
        if name == "Layanan Dasar":
            return (self._value("sektor", ""), self._value("desa", ""))
        if name == "Kuadran":
            return (bool(self._value("split_median", True)),)
        if name == "Tren":
            return (self._value("tren_sektor", "KES"),)
        if name == "Peta":
            return (self._value("peta_pilihan", "indeks"),)
        if name == "Bahan Musdes":
            return (self._value("musdes_desa", ""),)
        if name == "Agenda Terpadu":
            return (self._value("agenda_desa", ""), self._value("agenda_sektor", ""))
        return ()

    def _tab_data(self, idx: int, kode: str) -> dict[str, Any]:
        """Data a tab needs besides the view (not part of the cache key: fixed per kecamatan and data)."""
        if TABS[idx] == "Peta":
            return {"boundaries": self._views.boundaries(kode)}
        if TABS[idx] == "Bahan Musdes":
            return {"idm_rumusan": self._views.idm_rumusan(kode), "boundaries": self._views.boundaries(kode)}
        return {}

    # ------------------------------------------------------------------ update

    def _update(self) -> None:
        kode = self._current_kode()
        if kode is None:
            if str(self.kecamatan.value or "").strip():
                self._show("Pilih kecamatan dari daftar (ketik sebagian nama atau kode).", "info")
            return
        if self.tahun.value is None:
            self._show("Pilih tahun.", "info")
            return
        tahun = int(self.tahun.value)
        settings, splits = self._read_settings(), self._read_splits()
        t0 = time.perf_counter()
        view = self._views.get(kode, tahun, settings, splits)
        self.timings["view"] = time.perf_counter() - t0
        new_kec = self._view is None or self._view.kode_kecamatan != kode or self._view.tahun != tahun
        self._view = view
        if "split_x" in self._w:
            self._w["split_x"].disabled = self._w["split_y"].disabled = bool(self._w["split_median"].value)
        if new_kec:
            self._refresh_view_controls(view)
        self._sync_split_fields(view)
        key = view_key(kode, tahun, settings, splits)
        if key != self._key:
            self._rendered.clear()
            self._key = key
            self.links.value = ""
        self._render_header(view, settings)
        idx = self.tabs.selected_index or 0
        opts = self._tab_opts(idx)
        if self._rendered.get(idx) != opts:
            self._apply_content(idx, self._content(key, idx, view, opts))
            self._rendered[idx] = opts
        self.message.value = ""
        if self._alamat_key != (kode, tahun):  # the page's address follows the selection
            self.alamat.outputs = (address_output(kode, tahun),)
            self._alamat_key = (kode, tahun)
        if self.prefetch and settings.is_default and splits == (None, None):
            self._start_prefetch(kode, tahun, idx, opts)

    def _start_prefetch(self, kode: str, tahun: int, idx: int, opts: tuple) -> None:
        """The kabupaten's other kecamatan computed and their visible tab rendered ahead (:meth:`Views.prefetch`)."""
        if TABS[idx] in ("Layanan Dasar", "Bahan Musdes"):
            opts = opts[:-1] + ("",)  # another kecamatan starts without a desa chosen
        elif TABS[idx] == "Agenda Terpadu":
            opts = ("",) + opts[1:]
        target = (kode[:5], tahun, idx, opts)
        if getattr(self, "_prefetched", None) == target:
            return
        self._prefetched = target
        others = [k for k in self.kecamatan_tersedia if k[:5] == kode[:5] and k != kode]
        views = self._views

        def render(k: str, view: Any) -> None:
            if self._views is views:  # the data did not change meanwhile
                self._content(view_key(k, tahun), idx, view, opts)

        self.prefetch_thread = views.prefetch(others, tahun, after=render, note=f"tab {idx}")

    def _content(self, key: tuple, idx: int, view: Any, opts: tuple) -> TabContent:
        """Tab ``idx`` rendered for ``view`` and the tab's options (cached)."""
        ckey = (key, idx, opts)
        with self._lock:
            hit = self._contents.get(ckey)
        if hit is None:
            hit = tab_modules.MODULES[idx].render(view, self._colours, *opts, **self._tab_data(idx, key[0]))
            with self._lock:
                self._contents[ckey] = hit
                while len(self._contents) > _CONTENT_CACHE_SIZE:
                    self._contents.popitem(last=False)
        return hit

    def _apply_content(self, idx: int, content: TabContent) -> None:
        html, figs = self._tab_widgets(idx)
        html.value = content.html
        if TABS[idx] == "Peta":
            self._show_map(figs, content)
        elif figs is not None:
            figs.outputs = content.bundles  # one assignment: the browser swaps all figures of the tab at once
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

    def _set_desa_options(self, view: Any,
                          names: Sequence[str] = ("desa", "peta_desa", "musdes_desa", "peta_pilihan",
                                                  "agenda_desa")) -> None:
        """The desa lists (Kartu Desa, Peta, Bahan Musdes) and the Peta choices of ``view``, no update."""
        with self._hold():
            view_options(self._w, view, names)

    def _on_peta_desa(self, change: Any) -> None:
        """A desa chosen under the map opens its Bahan Musdes."""
        if not self._suspended and change["new"]:
            self.open_bahan_musdes(change["new"])

    def open_bahan_musdes(self, kode_desa: str) -> None:
        """Show the Bahan Musdes tab of one desa of the current kecamatan (a click on the map, the list under it)."""
        if self._view is None or kode_desa not in set(self._view.desa["kode_desa"].astype(str)):
            return
        with self._hold():
            self.musdes_desa.value = kode_desa
            self.tabs.selected_index = TABS.index("Bahan Musdes")
        self.update()

    @property
    def peta_figure(self) -> Any:
        """The map of the Peta tab as drawn (a plotly ``Figure`` whose desa answer clicks; ``None`` without a map)."""
        return None if self._peta_widget is None else self._peta_widget.figure

    def _show_map(self, box: Any, content: TabContent) -> None:
        """The Peta tab's figure drawn with its click listener (:class:`.petaklik.MapView`; the previous one closed)."""
        from .petaklik import map_widget

        old, self._peta_widget = self._peta_widget, None
        if content.bundles:
            spec = content.bundles[0]["data"]["application/vnd.plotly.v1+json"]
            self._peta_widget = map_widget({"data": spec["data"], "layout": spec["layout"]}, self.open_bahan_musdes)
        box.children = () if self._peta_widget is None else (self._peta_widget,)
        if old is not None:
            old.close()

    def _refresh_view_controls(self, view: Any) -> None:
        """Options that depend on the kecamatan (desa list, indicators), set without triggering updates."""
        if not self._base_targets:
            kamus = view.kamus
            if not kamus.empty and "target" in kamus.columns:
                part = kamus.dropna(subset=["target"])
                self._base_targets = {str(k): float(v) for k, v in zip(part["indikator"], part["target"])}
        self._set_desa_options(view)
        if "target_indikator" in self._w:
            self._set_target_options(view)
