"""Writing the demo store and reading its manifest of planted problems (the I/O side)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from .. import store
from ..paths import processed_dir
from .generation import demo_meta, generate_demo, manifest_frame, resolve_selection, resolve_years
from .parameters import DemoParameters, MANIFEST_COLUMNS, MANIFEST_FILE, default_parameters


# ---------------------------------------------------------------------------------------
# I/O


@dataclass(frozen=True)
class DemoStoreOutcome:
    """What :func:`build_demo_store` did."""

    diperbarui: bool  # False: the store was already up to date, nothing written
    folder: Path
    meta: dict[str, object]
    jumlah_baris: dict[str, int]
    jumlah_masalah: int


def _same_request(stored: Mapping[str, object], wanted: Mapping[str, object]) -> bool:
    keys = ("simulasi", "sumber", "seed", "provinsi", "kabupaten", "tahun", "versi_generator", "parameter_demo")
    return all(stored.get(k) == wanted.get(k) for k in keys)


def build_demo_store(data_dir: str | os.PathLike[str] | None = None, *, seed: int | None = None,
                     provinsi: Iterable[str] | str | None = None, kabupaten: Iterable[str] | str | None = None,
                     tahun: Iterable[int] | int | None = None, paksa: bool = False,
                     parameters: DemoParameters | None = None) -> DemoStoreOutcome:
    """Generate the demo data and save it as the store under ``data_dir`` (idempotent).

    When the store already holds demo data made from the same request, the same
    parameters and the same generator version, nothing is written (unless ``paksa``).
    The manifest of planted problems goes to ``processed/masalah_simulasi.csv``.
    """

    prm = parameters or default_parameters()
    provs, kabs = resolve_selection(provinsi, kabupaten, prm)
    years = resolve_years(tahun, prm)
    seed_ = prm.seed if seed is None else int(seed)
    wanted = demo_meta(seed_, provs, kabs, years, prm)
    folder = processed_dir(data_dir)
    if not paksa and store.store_exists(data_dir) and (folder / MANIFEST_FILE).exists():
        current = store.read_meta(data_dir)
        if _same_request(current, wanted):
            return DemoStoreOutcome(False, folder, current, {}, 0)
    result = generate_demo(seed_, provs, kabs, years, prm)
    meta = store.save_dataset(result.tables, data_dir, meta=result.meta)
    store.save_side_table(result.manifest, MANIFEST_FILE, data_dir)
    return DemoStoreOutcome(True, folder, meta, {k: len(v) for k, v in result.tables.items()}, len(result.manifest))


def read_manifest(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The manifest of planted problems saved with a demo store (empty when the store is not a demo)."""
    df = store.read_side_table(MANIFEST_FILE, data_dir)
    if df is None:
        return manifest_frame([])
    return df.astype({"tahun": "Int64"})[list(MANIFEST_COLUMNS)]
