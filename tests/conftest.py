"""Shared fixtures of the kit's tests.

The demo fixtures hold the simulated data of ONE kabupaten (the kit's default,
``33.07`` Wonosobo, every fiscal year of the demo). They are session-scoped:
generated once per test run, so treat them as read-only (``.copy()`` a frame
before changing it).

- ``demo_tables``: ``{"wilayah", "layanan", "apbdes", "status_desa", "usulan"}`` → DataFrame,
  generated in memory by :func:`p3pd_lib.demo.generate` (includes the planted problems).
- ``demo_manifest``: the planted data-quality problems of those tables
  (columns ``aturan, tabel, kode_desa, tahun, kolom, nilai, keterangan``).
- ``demo_dataset``: a :class:`p3pd_lib.store.Dataset` of those tables, ``meta["simulasi"] is True``.
- ``demo_store``: a temporary data dir (``Path``) holding that kabupaten saved with
  :func:`p3pd_lib.demo.build_demo_store`; pass it as ``data_dir=``/``--data-dir``.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import pandas as pd
import pytest

#: The kit's default kabupaten (Wonosobo, Jawa Tengah).
DEMO_KABUPATEN = "33.07"


@pytest.fixture(scope="session")
def demo_kabupaten() -> str:
    """Code of the kabupaten held by the demo fixtures."""
    return DEMO_KABUPATEN


@pytest.fixture(scope="session")
def _demo_result():
    from p3pd_lib import demo

    return demo.generate_demo(kabupaten=[DEMO_KABUPATEN])


@pytest.fixture(scope="session")
def demo_tables(_demo_result) -> Mapping[str, pd.DataFrame]:
    """The five canonical tables of the demo kabupaten (read-only mapping)."""
    return MappingProxyType(dict(_demo_result.tables))


@pytest.fixture(scope="session")
def demo_manifest(_demo_result) -> pd.DataFrame:
    """Manifest of the planted data-quality problems of ``demo_tables``."""
    return _demo_result.manifest


@pytest.fixture(scope="session")
def demo_dataset(_demo_result):
    """A ``store.Dataset`` of the demo kabupaten, flagged ``simulasi``."""
    from p3pd_lib.store import Dataset

    return Dataset(**_demo_result.tables, meta=dict(_demo_result.meta))


@pytest.fixture(scope="session")
def two_kabupaten_dataset(demo_dataset):
    """The demo plus a copy of two of its kecamatan re-coded into a second kabupaten (33.99, "Kabupaten Uji")."""
    from p3pd_lib.store import Dataset

    kec = sorted(set(demo_dataset.layanan["kode_desa"].astype(str).str.slice(0, 8)))[:2]

    def recode(df: pd.DataFrame) -> pd.DataFrame:
        part = df[df["kode_desa"].astype(str).str.slice(0, 8).isin(kec)]
        return part.assign(kode_desa=("33.99" + part["kode_desa"].astype(str).str.slice(5)).astype("string"))

    w = recode(demo_dataset.wilayah)
    w = w.assign(
        kode_kecamatan=w["kode_desa"].str.slice(0, 8), kode_kabupaten="33.99", nama_kabupaten="Kabupaten Uji"
    ).astype({"kode_kabupaten": "string", "nama_kabupaten": "string"})
    tables = {
        name: pd.concat([df, w if name == "wilayah" else recode(df)], ignore_index=True)
        for name, df in demo_dataset.tables().items()
    }
    return Dataset(**tables, meta={**demo_dataset.meta, "fingerprint": "uji-dua-kab"})


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """A temporary data dir holding the demo kabupaten as a saved store."""
    from p3pd_lib import demo

    folder = tmp_path_factory.mktemp("demo_store")
    demo.build_demo_store(data_dir=folder, kabupaten=[DEMO_KABUPATEN])
    return folder
