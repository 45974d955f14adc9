"""The dashboard server's view warm-up (p3pd_lib.dashboard.pemanas)."""

from __future__ import annotations

import os

import pandas as pd

from p3pd_lib import dashboard, parameter_files
from p3pd_lib.analysis import kecamatan_view
from p3pd_lib.dashboard import pemanas
from p3pd_lib.dashboard.shared import CACHE_ENV
from p3pd_lib.dashboard.views import view_key


def test_warm_up_writes_every_default_view_of_the_latest_year_once_and_pages_then_compute_nothing(
        demo_store, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    source = dashboard.StoreSource(demo_store)
    codes, latest = sorted(source.kecamatan_with_data), source.latest_layanan
    assert len(codes) > 1 and len(source.years) > 1

    assert pemanas.warm_all(demo_store) == len(codes)
    assert pemanas.warm_all(demo_store) == 0  # all there: nothing computed again
    assert source.shared.has(("provinsi", "33", parameter_files.fingerprint()))  # the views' province comparison

    page = dashboard.Views(source=dashboard.StoreSource(demo_store))  # a visitor's kernel
    view = page.get(codes[-1], latest)
    assert page.computed == 0 and page.source.loads == 0  # read, not computed: no data loaded either
    expect = kecamatan_view(source.dataset(codes[-1][:5]), codes[-1], latest)
    pd.testing.assert_frame_equal(view.capaian, expect.capaian)
    pd.testing.assert_frame_equal(view.agenda, expect.agenda)
    other = min(source.years)  # another year: not warmed (computed when a visitor asks for it)
    assert not page.source.shared.has(("tampilan", *view_key(codes[-1], other)))


def test_warm_up_skips_views_a_page_already_computed(demo_store, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    source = dashboard.StoreSource(demo_store)
    codes = sorted(source.kecamatan_with_data)
    dashboard.Views(source=source).share(codes[0], source.latest_layanan)
    assert pemanas.warm_all(demo_store) == len(codes) - 1


def test_shared_views_are_stored_compressed(tmp_path):
    from p3pd_lib.dashboard.shared import SharedCache

    cache = SharedCache(tmp_path, "stempel")
    value = pd.DataFrame({"nama_desa": ["Kaligowong"] * 5000, "nilai": [1.5] * 5000})
    cache.put("tabel", value)
    (path,) = tmp_path.glob("*.pkl")
    assert path.stat().st_size < 10_000  # the pickle alone is larger than 50 KB
    pd.testing.assert_frame_equal(SharedCache(tmp_path, "stempel").get("tabel", lambda: 1 / 0), value)


def test_warm_up_does_nothing_outside_a_server_or_once_the_server_is_gone(demo_store, tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert pemanas.warm_all(demo_store) == 0  # no shared views: nothing to fill
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    not_my_parent = os.getppid() + 1
    assert pemanas.warm_all(demo_store, parent=not_my_parent) == 0
    source = dashboard.StoreSource(demo_store)
    kode, tahun = min(source.kecamatan_with_data), source.latest_layanan
    assert not source.shared.has(("tampilan", *view_key(kode, tahun)))


def test_server_starts_the_warm_up_with_its_shared_views_and_stops_it(tmp_path):
    env = {**os.environ, CACHE_ENV: str(tmp_path), "P3PD_DATA_DIR": str(tmp_path / "tidak-ada")}
    proc = dashboard.server.start_warmer(env, open(os.devnull, "wb"))
    assert proc is not None
    dashboard.server.terminate(proc)
    assert proc.poll() is not None
    assert dashboard.server.start_warmer({k: v for k, v in env.items() if k != CACHE_ENV}) is None
