"""The data/view layer of the dashboard: the store one kabupaten at a time, and cached views per kernel.

A page's kernel reads the store through :class:`StoreSource` (the small region
list at start, one kabupaten's data on demand) and asks :class:`Views` for a
kecamatan view: :func:`p3pd_lib.analysis.kecamatan_view` with the trainer's
bands and targets, cached per kernel (a switch back costs nothing).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Callable, Iterable

import pandas as pd

from .query import TrainerSettings
from .shared import SharedCache

log = logging.getLogger("p3pd_lib.dashboard")


def _server_log_handler() -> None:
    # Inside a kernel sys.stderr goes to the browser; the kernel process's real stderr goes to the
    # Voila server's log, which is where details belong.
    if not any(getattr(h, "_p3pd", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [p3pd.dashboard %(process)d] %(message)s"))
        handler._p3pd = True  # type: ignore[attr-defined]
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


_server_log_handler()

#: Kabupaten whose data a page's kernel keeps in memory (the last ones looked at).
KABUPATEN_DISIMPAN = 1
#: Views kept per kernel (≈ 0.5 MB each).
VIEWS_DISIMPAN = 48
#: Seconds after a view is shown before the kabupaten's other views are computed ahead.
PREFETCH_DELAY_S = 2.0
#: Seconds a prefetch waits at most, in total, for an overloaded machine (many pages opening).
PREFETCH_PATIENCE_S = 90.0
_SUMMARY_TABLES = ("layanan", "apbdes", "status_desa", "usulan")


def store_summary(data_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The kecamatan with data (service or APBDes rows) and the years of each data table, read from the store.

    >>> sorted(store_summary("/nonexistent/folder"))
    ['kecamatan', 'tahun']
    """
    from ..store import distinct_values

    kec: set[str] = set()
    for name in ("layanan", "apbdes"):
        kec.update(str(k)[:8] for k in distinct_values(name, "kode_desa", data_dir) if isinstance(k, str))
    years = {name: sorted({int(y) for y in distinct_values(name, "tahun", data_dir) if y is not None})
             for name in _SUMMARY_TABLES}
    return {"kecamatan": sorted(kec), "tahun": years}


def release_memory() -> None:
    """Give freed heap memory back to the OS (a page's kernel must stay small).

    pandas 3 keeps strings in Arrow buffers; with ``ARROW_DEFAULT_MEMORY_POOL=system``
    (set by the server) they come from malloc, which keeps freed pages until
    ``malloc_trim``. Cheap (milliseconds).
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


def kecamatan_with_data(dataset: Any) -> set[str]:
    """Codes of the kecamatan of ``dataset`` with service or APBDes rows."""
    found: set[str] = set()
    for name in ("layanan", "apbdes"):
        df = dataset.table(name)
        if not df.empty:
            found.update(str(k) for k in df["kode_desa"].dropna().astype(str).str.slice(0, 8).unique())
    return found


def region_table(wilayah: pd.DataFrame, with_data: set[str]) -> pd.DataFrame:
    """Province, kabupaten and kecamatan (codes and names, text) of the kecamatan in ``with_data``, by code."""
    cols = ["kode_provinsi", "nama_provinsi", "kode_kabupaten", "nama_kabupaten", "kode_kecamatan", "nama_kecamatan"]
    if wilayah.empty:
        return pd.DataFrame(columns=cols).astype("string")
    keep = wilayah["kode_kecamatan"].isin(with_data).fillna(False).to_numpy(dtype=bool)
    return (wilayah.loc[keep, cols].drop_duplicates("kode_kecamatan").sort_values("kode_kecamatan")
            .reset_index(drop=True).astype("string"))


class StoreSource:
    """The canonical store, read one kabupaten at a time so a page's kernel stays small with a large store.

    At start only the small ``wilayah`` table, the metadata and the summary
    (:func:`store_summary`) are read; :meth:`dataset` loads one kabupaten (its
    APBDes, status and proposals, plus the province's service counts and regions
    that the province comparison of :func:`analysis.kecamatan_view` needs) on
    demand and keeps the last :data:`KABUPATEN_DISIMPAN`.
    """

    def __init__(self, data_dir: str | os.PathLike[str] | None = None, keep: int = KABUPATEN_DISIMPAN) -> None:
        from ..store import StoreError, load_table, read_meta, store_exists

        if not store_exists(data_dir):
            raise StoreError("Data belum tersedia.")
        self.data_dir = data_dir
        self.keep = max(1, int(keep))
        self.meta = read_meta(data_dir)
        #: Views and the store summary shared with the server's other kernels (``None`` outside a server).
        self.shared = SharedCache.from_env(data_dir)
        # Through the shared views a kernel reads no parquet file until it computes a view itself
        # (measured: reading ``wilayah`` from parquet costs a kernel ≈ 20 MB, from the shared file 4 MB).
        if self.shared is None:
            self.wilayah = load_table("wilayah", data_dir)
            summary = store_summary(data_dir)
        else:
            self.wilayah = self.shared.get("wilayah", lambda: load_table("wilayah", data_dir))
            summary = self.shared.get("ringkasan-store", lambda: store_summary(data_dir))
        release_memory()
        self.kecamatan_with_data = set(summary["kecamatan"])
        years = {name: set(summary["tahun"].get(name, [])) for name in _SUMMARY_TABLES}
        self.years = sorted(set().union(*years.values()))
        self.latest_layanan = max(years["layanan"]) if years["layanan"] else None
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._provinsi: tuple[str, pd.DataFrame] | None = None
        self.loads = 0  # kabupaten read from disk (tests, logs)

    @property
    def simulasi(self) -> bool:
        """True when the store holds demo data."""
        return bool(self.meta.get("simulasi", False))

    def dataset(self, kode_kabupaten: str) -> Any:
        """The dataset a view of any kecamatan of ``kode_kabupaten`` needs (cached)."""
        from .. import analysis
        from ..store import load_subset, load_table

        hit = self._cache.get(kode_kabupaten)
        if hit is not None:
            self._cache.move_to_end(kode_kabupaten)
            return hit
        t0 = time.perf_counter()
        if len(self._cache) >= self.keep:
            # Make room before reading (the kernel's peak memory is what counts); the analysis
            # module's per-dataset results of the evicted kabupaten must go too.
            while len(self._cache) >= self.keep:
                self._cache.popitem(last=False)
            analysis.clear_cache()
            release_memory()
        prov = kode_kabupaten[:2]
        if self._provinsi is None or self._provinsi[0] != prov:
            self._provinsi = None  # drop the old province before reading the new one
            self._provinsi = (prov, load_table("layanan", self.data_dir, kode=prov))
        part = load_subset(kode_kabupaten, self.data_dir, tables=("apbdes", "status_desa", "usulan", "idm_rumusan"))
        w = self.wilayah
        ds = replace(part, layanan=self._provinsi[1],
                     wilayah=w[(w["kode_provinsi"] == prov).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True))
        self._cache[kode_kabupaten] = ds
        self.loads += 1
        release_memory()
        log.info("data kabupaten %s dimuat: %.2f s", kode_kabupaten, time.perf_counter() - t0)
        return ds

    def release(self) -> None:
        """Forget the kabupaten data read and the analysis results computed from them (read again on demand).

        A page's kernel whose views all come from the server's shared views needs
        no data: dropping them keeps it small (measured with the full demo store:
        ≈ 100 MB of data and analysis results per kernel that computed a view).
        """
        from .. import analysis

        if not self._cache and self._provinsi is None:
            return
        self._cache.clear()
        self._provinsi = None
        analysis.clear_cache()
        gc.collect()
        release_memory()

    def datasets(self, kode_kabupaten: Iterable[str]) -> Any:
        """One dataset holding every table of the given kabupaten in full (for merging an upload)."""
        from ..store import load_subset

        ds = load_subset(sorted(set(kode_kabupaten)), self.data_dir)
        return replace(ds, wilayah=self.wilayah)



def view_key(kode: str, tahun: int, settings: TrainerSettings = TrainerSettings(),
             splits: tuple[float | None, float | None] = (None, None)) -> tuple:
    """The cache key of a view: what it shows, and the parameter files' fingerprint.

    A view computed before a parameter file was edited (a mapping row, a band, a target) is
    not served afterwards, from a kernel's cache, its rendered tabs or the server's shared views.
    """
    from .. import parameter_files

    return (str(kode), int(tahun), settings, tuple(splits), parameter_files.fingerprint())


def province_values(shared: SharedCache, dataset: Any, kode_provinsi: str) -> pd.DataFrame:
    """The province comparison of the default views, read from the server's ``shared`` views or computed into them.

    It is the same for every kabupaten of the province (measured: 0.3–0.5 s of a 1.5–2 s first
    view of a kabupaten). No lock: a kernel never waits for the niced warm-up (:mod:`.pemanas`).
    """
    from .. import analysis, parameter_files

    key = ("provinsi", kode_provinsi, parameter_files.fingerprint())  # an edited target or band: another key
    return shared.get_unlocked(key, lambda: analysis.province_values(dataset, kode_provinsi))


def kecamatan_view(dataset: Any, kode: str, tahun: int, settings: TrainerSettings = TrainerSettings(),
                   splits: tuple[float | None, float | None] = (None, None), shared: SharedCache | None = None) -> Any:
    """``analysis.kecamatan_view`` with the trainer's bands and targets and the quadrant splits.

    With the server's ``shared`` views, a default view reads its province comparison there (:func:`province_values`).
    """
    from .. import analysis

    kwargs: dict[str, Any] = {}
    if not settings.is_default:
        kwargs["bands"] = {"kuning_naik": float(settings.pita_naik), "kuning_turun": float(settings.pita_turun)}
        if settings.targets:
            kwargs["targets"] = dict(settings.targets)
    elif shared is not None:
        kwargs["provinsi"] = province_values(shared, dataset, kode[:2])
    split_x, split_y = splits
    return analysis.kecamatan_view(dataset, kode, tahun=tahun, split_x=split_x, split_y=split_y, **kwargs)


class Views:
    """Kecamatan views of one kernel, computed from an in-memory dataset or the store and cached.

    ``view_fn`` (tests) replaces :func:`kecamatan_view` with a callable of the same shape.
    Thread-safe (one lock around the analysis and the cache).
    """

    def __init__(self, dataset: Any = None, source: StoreSource | None = None,
                 view_fn: Callable[..., Any] | None = None, size: int = VIEWS_DISIMPAN,
                 data_dir: str | os.PathLike[str] | None = None) -> None:
        self.dataset, self.source = dataset, source
        self.data_dir = source.data_dir if source is not None else data_dir
        self._boundaries: tuple[str, Any] | None = None  # (kode_kabupaten, its desa polygons or None)
        self.view_fn = view_fn or kecamatan_view
        self.size = int(size)
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.RLock()
        self.computed = 0  # views computed (tests, logs)
        self._generation = 0  # a newer prefetch stops the older one
        self._filling = 0  # kabupaten views being computed for the server's other kernels
        self._wanted: str | None = None  # kabupaten of the latest view asked for: a fill of another one stops

    def dataset_for(self, kode: str) -> Any:
        """The data a view of kecamatan ``kode`` is computed from (one kabupaten's when reading the store)."""
        return self.dataset if self.source is None else self.source.dataset(kode[:5])

    def boundaries(self, kode: str) -> Any:
        """Desa polygons of kecamatan ``kode`` (``None`` when none are stored), read once per kabupaten.

        An in-memory dataset without ``data_dir`` has no boundaries (no store is read); over the
        store they come from the store's folder (``data_dir`` or the default one, as the tables).

        >>> Views(data_dir="/nonexistent/folder").boundaries("33.07.01") is None
        True
        """
        from .. import peta

        if self.data_dir is None and self.source is None:
            return None
        with self._lock:
            if self._boundaries is None or self._boundaries[0] != kode[:5]:
                self._boundaries = (kode[:5], peta.read_boundaries("desa", self.data_dir, dalam=kode[:5]))
            gdf = self._boundaries[1]
        if gdf is None:
            return None
        part = gdf[gdf["kode_kecamatan"] == kode]
        return part if len(part) else None

    def idm_rumusan(self, kode: str) -> pd.DataFrame | None:
        """Recommended IDM activities (``idm_rumusan`` rows) of kecamatan ``kode``'s desa, ``None`` when absent."""
        df = getattr(self.dataset_for(kode), "idm_rumusan", None)
        if df is None or df.empty:
            return None
        part = df[df["kode_desa"].astype(str).str.startswith(kode)]
        return part if len(part) else None

    def get(self, kode: str, tahun: int, settings: TrainerSettings = TrainerSettings(),
            splits: tuple[float | None, float | None] = (None, None)) -> Any:
        """The view of ``kode`` and ``tahun`` (cached); raises the kit's errors (Indonesian) as the analysis does.

        In a server a missing view with the default settings is computed with the
        other kecamatan of its kabupaten (:meth:`SharedCache.get`'s group), so pages of
        one kabupaten opened together run its analysis once.
        """
        key = view_key(kode, tahun, settings, splits)
        with self._lock:
            self._wanted = key[0][:5]
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            if self.source is not None:  # one kabupaten in memory: its views only
                for k in [k for k in self._cache if k[0][:5] != key[0][:5]]:
                    del self._cache[k]
        shared = self._shared
        if shared is None:
            with self._lock:
                view = self._compute(key)
        elif settings.is_default and key[3] == (None, None):
            # Not under self._lock: the group's fill thread of this kernel computes with it meanwhile.
            view = shared.get(("tampilan", *key), lambda: self._compute_for_group(key), group=(key[0][:5], key[1]),
                              fill=lambda: self._fill_kabupaten(shared, key))
        else:
            view = shared.get(("tampilan", *key), lambda: self._compute_locked(key))
        with self._lock:
            self._cache[key] = view
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return view

    def _compute_locked(self, key: tuple) -> Any:
        with self._lock:
            return self._compute(key)

    def _compute_for_group(self, key: tuple) -> Any:
        with self._lock:
            self._filling += 1  # the fill that follows keeps the data (see release_data)
            try:
                return self._compute(key)
            except BaseException:
                self._filling -= 1
                raise

    def _fill_kabupaten(self, shared: SharedCache, key: tuple) -> None:
        """Compute and share the views of the kabupaten's other kecamatan missing from the shared views."""
        t0, done = time.perf_counter(), 0
        codes = self.source.kecamatan_with_data if self.source is not None else set()
        for kode in sorted(k for k in codes if k[:5] == key[0][:5] and k != key[0]):
            if self._wanted not in (None, key[0][:5]):
                # The page moved to another kabupaten: its view must not wait behind this fill (measured:
                # 21–72 s per kabupaten switch, the two reading their kabupaten in turn). Kernels still
                # waiting for this group compute their own view once the group's lock is released.
                break
            done += self.share(kode, key[1], shared)  # a group holds default views only (see get)
        with self._lock:
            self._filling -= 1
        self.release_data()
        log.info("tampilan kabupaten %s tahun %s dibagikan: %d kecamatan, %.2f s", key[0][:5], key[1], done,
                 time.perf_counter() - t0)

    def share(self, kode: str, tahun: int, shared: SharedCache | None = None) -> bool:
        """Compute the default view of ``kode`` and ``tahun`` into the shared views, unless it is there.

        ``shared``: the server's shared views by default. No lock is taken (the caller holds
        any; see :mod:`p3pd_lib.dashboard.pemanas`); a view that fails is left for the visitor
        who opens it (with its message). Returns whether it was written.
        """
        if shared is None:
            shared = self.source.shared if self.source is not None else None
        key = view_key(kode, tahun)
        if shared is None or shared.has(("tampilan", *key)):
            return False
        try:
            shared.put(("tampilan", *key), self._compute_locked(key))
        except Exception:
            log.debug("tampilan %s %s gagal", kode, tahun, exc_info=True)
            return False
        return True

    def warm(self, kode: str | None, tahun: int | None) -> None:
        """A preheated kernel's warm-up: the view of ``kode`` ready, and no data held while it waits.

        In a server the view is read from (or computed once into) the server's shared
        views, and then this kernel drops the kabupaten data and analysis results: a
        pool of kernels waiting for visitors costs one analysis, not one per kernel,
        and each waiting kernel stays small. Alone (tests, notebooks) the view is
        computed here and the analysis stays warm. Never raises (the visitor's own
        request shows any message).
        """
        if kode is None or tahun is None:
            return
        try:
            self.get(kode, tahun)
        except Exception:
            log.debug("pemanasan %s %s gagal", kode, tahun, exc_info=True)
        self.release_data()

    def release_data(self) -> None:
        """Drop the data and analysis results held for computing views, when the server shares its views.

        Views computed later read the data again (one kabupaten, ≈ 0.5 s); outside a
        server (no shared views) nothing is dropped.
        """
        if self.source is None or self.source.shared is None:
            return
        with self._lock:
            if not self._filling:  # a kabupaten's views being computed for the other kernels need the data
                self.source.release()

    def _compute(self, key: tuple) -> Any:
        self.computed += 1
        if self._shared is not None:  # the province comparison is shared too
            return kecamatan_view(self.dataset_for(key[0]), *key[:4], shared=self._shared)
        return self.view_fn(self.dataset_for(key[0]), *key[:4])

    @property
    def _shared(self) -> SharedCache | None:
        """The server's shared views, for the kit's own views (``None`` outside a server or with a test's view_fn)."""
        return self.source.shared if self.source is not None and self.view_fn is kecamatan_view else None

    def cached(self, kode: str, tahun: int, settings: TrainerSettings = TrainerSettings(),
               splits: tuple[float | None, float | None] = (None, None)) -> bool:
        """Whether that view is in the cache (tests)."""
        return view_key(kode, tahun, settings, splits) in self._cache

    def stop(self) -> None:
        """Stop a running prefetch (the page's data are replaced)."""
        self._generation += 1

    def prefetch(self, codes: Iterable[str], tahun: int, after: Callable[[str, Any], None] | None = None,
                 delay: float = PREFETCH_DELAY_S, note: str = "") -> threading.Thread:
        """Compute the views of ``codes`` (default settings) in a background thread, one at a time.

        Measured need: a kecamatan's view takes ≈ 0.2–0.3 s and its first tab as much
        again, so a switch within the kabupaten would miss the 0.5 s target; computed
        ahead it only sends. ``after(kode, view)`` runs for each (the App renders the
        visible tab). Starts after ``delay`` s, waits while the machine is busy (1-minute
        load above the core count, up to :data:`PREFETCH_PATIENCE_S` s) and stops when
        a newer prefetch starts. Errors are left for the page that opens that view.
        """
        self._generation += 1
        generation = self._generation
        todo = [str(c) for c in codes]

        def run() -> None:
            time.sleep(delay)
            patience = time.monotonic() + PREFETCH_PATIENCE_S
            done = 0
            for kode in todo:
                while os.getloadavg()[0] > (os.cpu_count() or 1) and time.monotonic() < patience:
                    time.sleep(0.5)
                if generation != self._generation:
                    return
                try:
                    view = self.get(kode, tahun)
                    if after is not None:
                        after(kode, view)
                    done += 1
                except Exception:  # shown with its message if the visitor ever opens it
                    log.debug("prefetch %s %s gagal", kode, tahun, exc_info=True)
                time.sleep(0.02)  # let the kernel's main thread take the GIL between views
            if generation == self._generation:  # no newer prefetch needs the data
                self.release_data()
            release_memory()
            log.info("prefetch selesai: %d kecamatan, tahun %s, %s", done, tahun, note)

        thread = threading.Thread(target=run, name="p3pd-prefetch", daemon=True)
        thread.start()
        return thread
