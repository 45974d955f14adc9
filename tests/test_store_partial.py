"""Partial reads of the store (one table, some columns, one region): same results as reading everything."""

from __future__ import annotations

import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest

from p3pd_lib import store
from p3pd_lib.paths import processed_dir


@pytest.fixture(scope="module")
def small_groups(demo_store, tmp_path_factory):
    """A copy of the demo store whose big tables are split in many small row groups (boundaries inside regions)."""
    folder = tmp_path_factory.mktemp("row_groups")
    shutil.copytree(demo_store, folder, dirs_exist_ok=True)
    for name in ("apbdes", "usulan", "layanan"):
        path = processed_dir(folder) / f"{name}.parquet"
        pq.write_table(pq.read_table(path), path, row_group_size=997)
    return folder


@pytest.mark.parametrize("kode", ["33.07", "33.07.01", ["33.07.02", "33.07.05"], "33.07.01.2001", "33.08", "35"])
def test_load_subset_is_load_dataset_subset(small_groups, kode):
    full = store.load_dataset(small_groups)
    got, expect = store.load_subset(kode, small_groups), full.subset(kode)
    assert got.meta == expect.meta
    for name, df in expect.tables().items():
        pd.testing.assert_frame_equal(got.table(name), df, obj=name)


def test_load_subset_only_some_tables(demo_store):
    ds = store.load_subset("33.07.01", demo_store, tables=("apbdes",))
    assert len(ds.apbdes) and ds.layanan.empty and ds.wilayah.empty
    assert list(ds.layanan.columns) == list(store.load_dataset(demo_store).layanan.columns)
    with pytest.raises(ValueError):
        store.load_subset("33.07", demo_store, tables=("tidak_ada",))


def test_load_table_columns_and_region(small_groups):
    full = store.load_dataset(small_groups)
    pd.testing.assert_frame_equal(store.load_table("wilayah", small_groups), full.wilayah)
    part = store.load_table("apbdes", small_groups, columns=["tahun", "anggaran"], kode="33.07.03")
    expect = full.subset("33.07.03").apbdes[["tahun", "anggaran"]]
    pd.testing.assert_frame_equal(part, expect)
    with pytest.raises(ValueError, match="tidak dikenal"):
        store.load_table("lain", small_groups)
    with pytest.raises(store.StoreError, match="Data belum tersedia"):
        store.load_table("wilayah", small_groups / "kosong")


def test_distinct_values(small_groups):
    full = store.load_dataset(small_groups)
    assert store.distinct_values("apbdes", "kode_desa", small_groups) == sorted(full.apbdes["kode_desa"].dropna().unique())
    assert store.distinct_values("layanan", "tahun", small_groups) == sorted(int(y) for y in full.layanan["tahun"].unique())


def test_corrupt_or_wrong_requests_give_clear_errors(demo_store, tmp_path):
    folder = tmp_path / "rusak"
    shutil.copytree(demo_store, folder)
    (processed_dir(folder) / "apbdes.parquet").write_bytes(b"bukan parquet")
    for call in (lambda: store.distinct_values("apbdes", "tahun", folder),
                 lambda: store.load_table("apbdes", folder, kode="33.07"),
                 lambda: store.load_subset("33.07", folder)):
        with pytest.raises(store.StoreError, match="tidak dapat dibaca"):
            call()
    with pytest.raises(ValueError, match="Kolom"):
        store.load_table("wilayah", folder, columns=["tidak_ada"])
    with pytest.raises(ValueError, match="Kolom"):
        store.distinct_values("wilayah", "tidak_ada", folder)
