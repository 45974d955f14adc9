"""Offline maps: choropleth contents, layers of the view tables, locator, simulated boundaries, report calls."""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
import shapely

from p3pd_lib import render
from p3pd_lib.peta import (choropleth, indicator_layer, kabupaten_map, kecamatan_map, locator, need_layer,
                           quadrant_layer, read_boundaries, score_layer, simulated_boundaries,
                           store_simulated_boundaries)
from p3pd_lib.peta.maps import NO_DATA, SIMULASI_NOTE, WARNA


def _boxes(codes, names, simulasi=False) -> gpd.GeoDataFrame:
    geoms = [shapely.box(110 + i * 0.01, -7.0, 110.01 + i * 0.01, -6.99) for i in range(len(codes))]
    return gpd.GeoDataFrame({"kode": codes, "nama": names, "simulasi": simulasi}, geometry=geoms, crs="EPSG:4326")


def _polys(fig):
    return [t for t in fig.data if t.fill == "toself"]


def _rings(fig) -> int:
    """Number of polygon rings drawn (rings of one class trace are separated by None)."""
    return sum(list(t.x).count(None) + 1 for t in _polys(fig) if len(t.x))


def _points(fig):
    return next(t for t in fig.data if t.customdata is not None)


def test_choropleth_one_trace_and_legend_entry_per_class_grey_for_missing_hover_per_region():
    b = _boxes(["a", "b", "c", "d"], ["Sukamaju", "Sidorejo", "Kaliwiro", "Tanjung"])
    layer = pd.DataFrame({"kode": ["a", "b", "c", "x"], "nama": ["Sukamaju", "Sidorejo", "Kaliwiro", "Tanpa Peta"],
                          "kelas": ["merah", "hijau", "merah", "kuning"],
                          "label_kelas": ["Belum tercapai", "Tercapai", "Belum tercapai", "Mendekati"],
                          "nilai_teks": ["12,5%", "91,0%", "30,0%", "80,0%"]})
    fig = choropleth(b, layer, "Uji peta", simulasi=False)
    go.Figure(fig.to_plotly_json())  # valid against plotly's schema
    polys = _polys(fig)
    assert [t.name for t in polys] == ["Belum tercapai", "Tercapai", NO_DATA]  # traffic-light order, grey last
    assert [t.fillcolor for t in polys] == [WARNA["merah"], WARNA["hijau"], WARNA["abu"]]
    assert [list(t.x).count(None) + 1 for t in polys] == [2, 1, 1]
    # Colour is not the only signal: patterns differ by class, names are written on the map, hover names the value.
    assert polys[0].fillpattern.shape == "x" and polys[2].fillpattern.shape == "." and polys[1].fillpattern.shape is None
    points = _points(fig)
    assert set(points.text) == {"Sukamaju", "Sidorejo", "Kaliwiro", "Tanjung"}
    hover = dict(zip(points.customdata, points.hovertext))
    assert "Sukamaju" in hover["a"] and "12,5%" in hover["a"] and "Belum tercapai" in hover["a"]
    assert "Tanjung" in hover["d"] and "tidak ada data" in hover["d"]
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "Tanpa Peta" in notes and SIMULASI_NOTE not in notes
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.xaxis.visible is False
    # The green class holds one box: a closed ring of 5 points, coordinates in degrees.
    assert len(polys[1].x) == 5 and min(polys[1].x) == pytest.approx(110.01)


def test_simulated_boundaries_say_so_on_the_map():
    b = _boxes(["a"], ["A"], simulasi=True)
    fig = choropleth(b, pd.DataFrame(columns=["kode", "kelas", "label_kelas", "nilai_teks"]), "Peta")
    assert any(SIMULASI_NOTE in a.text for a in fig.layout.annotations)
    assert "PETA SIMULASI" in fig.layout.title.text
    loc = locator(b, "a")
    assert any(SIMULASI_NOTE in a.text for a in loc.layout.annotations)


def test_hover_escapes_names_from_user_files():
    b = _boxes(["a"], ["<script>x</script>"])
    layer = pd.DataFrame({"kode": ["a"], "kelas": ["hijau"], "label_kelas": ["Tercapai"], "nilai_teks": ["1"]})
    fig = choropleth(b, layer, "Peta", simulasi=False)
    points = _points(fig)
    assert "<script>" not in points.hovertext[0] and "&lt;script&gt;" in points.hovertext[0]
    assert points.text == ("&lt;script&gt;x&lt;/script&gt;",)


def test_locator_highlights_one_desa_on_top():
    b = _boxes(["a", "b", "c"], ["A", "B", "C"])
    fig = locator(b, "b")
    polys = _polys(fig)
    assert [t.fillcolor for t in polys] == [WARNA["netral"], WARNA["sorot"]]  # the highlighted desa drawn last
    assert [list(t.x).count(None) + 1 for t in polys] == [2, 1] and polys[1].name == "Desa B"
    assert fig.layout.title.text == "Letak Desa B"
    assert _points(fig).text == ("B",) and _points(fig).customdata == ("b",)


def test_layers_follow_the_kits_classes():
    capaian = pd.DataFrame({"kode_desa": ["a", "b", "c"], "nama_desa": ["A", "B", "C"], "indikator": ["KES02"] * 3,
                            "nilai": [95.26, 70.0, None], "kelas": ["hijau", "merah", "abu"],
                            "label_kelas": ["Tercapai", "Belum tercapai", "Tidak ada data"]})
    lay = indicator_layer(capaian, "KES02")
    assert lay["kelas"].tolist() == ["hijau", "merah", "abu"] and lay["nilai_teks"].tolist()[:2] == ["95,3%", "70,0%"]
    kuadran = pd.DataFrame({"kode_desa": list("abcde"), "nama_desa": list("ABCDE"),
                            "kuadran": ["prioritas", "evaluasi", "pertahankan", "pantau", None],
                            "label_kuadran": ["Prioritas: realokasi belanja", "Evaluasi", "Pertahankan", "Pantau",
                                              "Tidak ada data"]})
    assert quadrant_layer(kuadran)["kelas"].tolist() == ["merah", "kuning", "hijau", "biru", "abu"]
    kebutuhan = pd.DataFrame({"kode_desa": ["a", "b", "a"], "nama_desa": ["A", "B", "A"], "sektor": ["KES", "KES", "AIR"],
                              "kelas": ["Kebutuhan belum tersuarakan", "Tidak mendesak", "Selaras"]})
    assert need_layer(kebutuhan, "KES")["kelas"].tolist() == ["merah", "netral"]
    scores = pd.DataFrame({"kode_desa": list("abcdef"), "nama_desa": list("ABCDEF"),
                           "indeks_capaian": [0.1, 0.2, 0.5, 0.6, 0.9, 0.95]})
    lay = score_layer(scores, "indeks_capaian")
    assert lay["kelas"].tolist() == ["merah", "merah", "kuning", "kuning", "hijau", "hijau"]
    assert lay["label_kelas"].iloc[0] == "Sepertiga terbawah (0,10–0,20)"


def test_simulated_boundaries_are_deterministic_tile_each_kecamatan_and_lie_in_the_province(demo_tables):
    w = demo_tables["wilayah"]
    a, b = simulated_boundaries(w, seed=3), simulated_boundaries(w, seed=3)
    assert a.geometry.to_wkb().tolist() == b.geometry.to_wkb().tolist()
    assert simulated_boundaries(w, seed=4).geometry.to_wkb().tolist() != a.geometry.to_wkb().tolist()
    assert sorted(a["kode"]) == sorted(w["kode_desa"]) and a.is_valid.all() and a["simulasi"].all()
    for kec, part in a.groupby("kode_kecamatan"):
        union = shapely.union_all(part.geometry.values)
        assert shapely.area(part.geometry.values).sum() == pytest.approx(union.area, rel=1e-6), f"desa {kec} tumpang tindih"
    minx, miny, maxx, maxy = a.total_bounds
    assert 108.0 < minx < maxx < 112.0 and -8.5 < miny < maxy < -5.5  # Jawa Tengah


def test_report_calls_show_a_note_without_boundaries_and_a_small_map_with_them(demo_dataset, tmp_path, monkeypatch):
    from p3pd_lib import analysis

    view = analysis.kecamatan_view(demo_dataset, "33.07.01")
    kab = analysis.kabupaten_view(demo_dataset, "33.07")
    note = kecamatan_map(view, tmp_path)
    assert isinstance(note, render.Html) and "Peta belum tersedia" in str(note) and "p3pd peta impor" in str(note)
    assert "Peta belum tersedia" in str(kabupaten_map(kab, tmp_path))
    gdf = simulated_boundaries(demo_dataset.wilayah, seed=1)
    from p3pd_lib.peta.storage import write_boundaries

    write_boundaries(gdf, "desa", tmp_path)
    fig = kecamatan_map(view, tmp_path)
    stored = read_boundaries("desa", tmp_path, dalam="33.07.01")
    assert _rings(fig) == len(stored) and sorted(_points(fig).customdata) == sorted(stored["kode"])
    assert any(SIMULASI_NOTE in a.text for a in fig.layout.annotations)
    kab_fig = kabupaten_map(kab, tmp_path)
    assert sorted(_points(kab_fig).customdata) == sorted(demo_dataset.wilayah["kode_kecamatan"].unique())
    monkeypatch.setenv(render.BATCH_ENV, "1")
    size = len(render.Figure(fig).html().encode())
    assert size < 40_000, f"peta kecamatan {size} bita"


def test_demo_data_command_stores_simulated_boundaries_and_keeps_real_ones(tmp_path, capsys):
    from p3pd_lib.cli import main
    from p3pd_lib.peta.storage import write_boundaries
    from p3pd_lib.store import load_table

    assert main(["demo-data", "--data-dir", str(tmp_path), "--kabupaten", "33.71", "--tahun", "2025"]) == 0
    assert "PETA SIMULASI" in capsys.readouterr().out
    stored = read_boundaries("desa", tmp_path)
    assert sorted(stored["kode"]) == sorted(load_table("wilayah", tmp_path)["kode_desa"])
    assert stored["simulasi"].all() and "bukan batas sebenarnya" in stored["berkas_sumber"].iloc[0]
    real = stored.iloc[[0]].assign(simulasi=False, berkas_sumber="batas_bappeda.gpkg", cara_cocok="kode")
    write_boundaries(real, "desa", tmp_path)
    store_simulated_boundaries(tmp_path, seed=99)
    again = read_boundaries("desa", tmp_path).set_index("kode")
    assert len(again) == len(stored) and again.at[real["kode"].iloc[0], "berkas_sumber"] == "batas_bappeda.gpkg"
    assert int(again["simulasi"].sum()) == len(stored) - 1


def test_every_map_choice_of_a_view_draws_every_desa(demo_dataset):
    from p3pd_lib import analysis
    from p3pd_lib.errors import ParameterError
    from p3pd_lib.peta import map_choices, view_map

    view = analysis.kecamatan_view(demo_dataset, "33.07.02")
    b = simulated_boundaries(demo_dataset.wilayah[demo_dataset.wilayah["kode_kecamatan"] == "33.07.02"], seed=2)
    choices = map_choices(view)
    keys = [k for _, k in choices]
    assert {"indeks", "kuadran", "skor:KES", "indikator:KES01"} <= set(keys) and any(k.startswith("usulan:") for k in keys)
    for label, key in choices:
        fig = view_map(view, b, key)
        assert sorted(_points(fig).customdata) == sorted(b["kode"]) and _rings(fig) == len(b), key
        assert label in fig.layout.title.text
        assert {t.fillcolor for t in _polys(fig)} <= set(WARNA.values())
    with pytest.raises(ParameterError, match="tidak dikenal"):
        view_map(view, b, "warna:bebas")


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857", None])
def test_stored_boundaries_read_back_as_geopandas_reads_them_whatever_their_crs(tmp_path, crs):
    from p3pd_lib.peta import storage

    polys = [shapely.box(110, -7, 110.01, -6.99), shapely.box(110.01, -7, 110.02, -6.99)]
    gdf = gpd.GeoDataFrame({c: ["x", "y"] for c in storage.COLUMNS}, geometry=polys, crs="EPSG:4326")
    gdf = gdf.assign(kode=["33.07.01.2001", "33.07.02.2001"], kode_kecamatan=["33.07.01", "33.07.02"],
                     kode_kabupaten="33.07", simulasi=True)
    gdf = gdf.to_crs(crs) if crs else gdf.set_crs(None, allow_override=True)
    path = storage.boundary_path("desa", tmp_path)
    path.parent.mkdir(parents=True)
    gdf.to_parquet(path, index=False)
    for dalam in (None, "33.07", "33.07.02"):
        got = storage.read_boundaries("desa", tmp_path, dalam=dalam)
        want = gpd.read_parquet(path)
        want = want[want["kode"].str.startswith(dalam)].reset_index(drop=True) if dalam else want
        pd.testing.assert_frame_equal(got, want)
        assert got.crs == want.crs and (got.crs is None) == (crs is None)
