"""Data a report notebook needs, cached for the life of the Python process.

The batch engine (:mod:`p3pd_lib.report`) keeps one kernel alive per worker and
clears the notebook namespace between reports; module state survives that
reset, so the store is read from disk once per kernel, not once per report.
The cache is keyed by the store's folder and its metadata fingerprint, so a
store rewritten between two reports is read again.

The same :class:`~p3pd_lib.store.Dataset` object is returned every time, so the
per-kabupaten and per-province caches of :mod:`p3pd_lib.analysis` (keyed by the
dataset's identity) are hit by every report of the same kabupaten.

A batch whose reports all lie in a few provinces sets :data:`PROVINSI_ENV` in
its kernels (e.g. ``"33"``): :func:`dataset` then reads only those provinces
(every number of a kecamatan or kabupaten report comes from its own province:
the kabupaten's rows and the province comparison), which is faster and keeps
each kernel's memory to a fraction of the whole store.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

from .paths import data_dir as _data_dir
from .paths import processed_dir
from .store import Dataset, load_dataset, load_subset, read_meta

#: Environment variable of a batch kernel: comma-separated province codes its reports need.
PROVINSI_ENV = "P3PD_LAPORAN_PROVINSI"

_LOCK = threading.Lock()
_DATASETS: "OrderedDict[tuple[str, str, str], Dataset]" = OrderedDict()
_MAX_DATASETS = 1


def _key(data_dir: str | os.PathLike[str] | None) -> tuple[str, str, str]:
    folder = _data_dir(data_dir or None)
    meta_file = processed_dir(folder) / "meta.json"
    # The fingerprint identifies the content; mtime catches a rewrite that kept it.
    stamp = str(read_meta(folder).get("fingerprint", "")) + (
        f"@{meta_file.stat().st_mtime_ns}" if meta_file.exists() else ""
    )
    return str(Path(folder)), stamp, os.environ.get(PROVINSI_ENV, "").strip()


def dataset(data_dir: str | os.PathLike[str] | None = None) -> Dataset:
    """The store, read once per process (``data_dir`` ``""``/``None`` = default store).

    The whole store, or in a batch kernel with :data:`PROVINSI_ENV` set only
    those provinces (as ``load_dataset(...).subset(...)`` would give).
    """
    key = _key(data_dir)
    with _LOCK:
        if key in _DATASETS:
            _DATASETS.move_to_end(key)
            return _DATASETS[key]
    provinsi = [p for p in key[2].split(",") if p]
    ds = load_subset(provinsi, key[0]) if provinsi else load_dataset(key[0])
    with _LOCK:
        _DATASETS[key] = ds
        while len(_DATASETS) > _MAX_DATASETS:
            _DATASETS.popitem(last=False)
    return ds


_CATALOGUES: dict[tuple[str, int], object] = {}


def catalogue(path: str | os.PathLike[str] | None = None) -> object | None:
    """The indicator catalogue of ``path`` read once per process; ``None`` for the kit's default.

    The analysis caches results per catalogue *object*, so the same object must
    come back for the same file: reading it anew for every report would
    recompute the kabupaten for every kecamatan.
    """
    if not path:
        return None
    from .indicators import load_catalogue

    p = Path(path).expanduser().resolve()
    key = (str(p), p.stat().st_mtime_ns if p.exists() else 0)
    with _LOCK:
        hit = _CATALOGUES.get(key)
    if hit is None:
        hit = load_catalogue(p)
        with _LOCK:
            _CATALOGUES.clear()
            _CATALOGUES[key] = hit
    return hit


def clear() -> None:
    """Forget every cached table (tests, or to free memory)."""
    with _LOCK:
        _DATASETS.clear()
        _CATALOGUES.clear()
