"""Tests of p3pd_lib.classify: every boundary, the tercile fallback, scores, quadrant, trend."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from p3pd_lib import classify, paths
from p3pd_lib.classify import (
    Bands,
    composite_index,
    idm_status,
    load_parameters,
    quadrant,
    quadrant_sensitivity,
    sector_scores,
    spending_quality_class,
    threshold_sensitivity,
    traffic_light,
    trend,
)
from p3pd_lib.errors import DataError, ParameterError
from p3pd_lib.indicators import desa_values, load_catalogue

CAT = load_catalogue()


def vals(rows: list[tuple], stabil: bool | list[bool] = True) -> pd.DataFrame:
    """Value table from (kode_desa, indikator, nilai) or (kode_desa, tahun, indikator, nilai)."""
    rows = [(r[0], 2024, r[1], r[2]) if len(r) == 3 else r for r in rows]
    df = pd.DataFrame(rows, columns=["kode_desa", "tahun", "indikator", "nilai"])
    return df.assign(
        tahun=df["tahun"].astype("Int64"),
        nilai=df["nilai"].astype("Float64"),
        stabil=stabil,
        kode_desa=df["kode_desa"].astype("string"),
        indikator=df["indikator"].astype("string"),
    )


def kelas_of(indikator: str, values: list[float | None], **kw) -> list[str]:
    v = vals([(f"11.01.01.{2001 + i}", indikator, x) for i, x in enumerate(values)])
    return traffic_light(v, CAT, **kw)["kelas"].tolist()


# --------------------------------------------------------------------------- parameters


def test_parameters_file_values():
    p = load_parameters()
    assert p.bands == Bands(10.0, 5.0, 5)
    assert p.idm_batas == (0.4907, 0.5989, 0.7072, 0.8155)
    assert p.idm_label == ("Sangat Tertinggal", "Tertinggal", "Berkembang", "Maju", "Mandiri")
    assert p.ipd_batas == (50.0, 75.0)
    assert p.min_sektor_komposit == 3 and p.min_penyebut_bawaan == 10
    assert p.aturan_pembagi == "median" and p.sama_dengan_pembagi == "tinggi"
    assert (p.kuantil_bel01, p.batas_bel07) == (0.75, 30.0)


def _raw() -> dict:
    with paths.parameter_file("klasifikasi.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def parameters_from_dict(data: dict, folder) -> classify.ClassificationParameters:
    """Validate ``data`` the public way: written as a klasifikasi.yaml and loaded."""
    path = folder / "klasifikasi.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_parameters(path)


@pytest.mark.parametrize(
    ("section", "key", "value", "fragment"),
    [
        ("idm", "batas", [0.6, 0.5, 0.7, 0.8], "idm.batas"),
        ("idm", "label", ["A", "B"], "idm.label"),
        ("ipd", "batas", "50,75", "ipd.batas"),
        ("lampu_lalu_lintas", "pita_kuning_naik", -1, "pita_kuning_naik"),
        ("lampu_lalu_lintas", "tersil_min_desa", 2, "tersil_min_desa"),
        ("kuadran", "sama_dengan_pembagi", "tengah", "sama_dengan_pembagi"),
        ("kuadran", "aturan_pembagi", "modus", "aturan_pembagi"),
        ("belanja_berkualitas", "kuantil_bel01", 1.5, "kuantil_bel01"),
        ("skor", "min_sektor_komposit", 0, "min_sektor_komposit"),
        ("tren", "toleransi", "dua", "tren.toleransi"),
    ],
)
def test_parameter_validation(section, key, value, fragment, tmp_path):
    data = copy.deepcopy(_raw())
    data[section][key] = value
    with pytest.raises(ParameterError, match=fragment):
        parameters_from_dict(data, tmp_path)


def test_parameter_missing_key_and_file(tmp_path):
    data = copy.deepcopy(_raw())
    del data["tren"]
    with pytest.raises(ParameterError, match="isian 'tren': wajib diisi"):
        parameters_from_dict(data, tmp_path)
    with pytest.raises(ParameterError, match="tidak ditemukan"):
        load_parameters(tmp_path / "x.yaml")
    p = tmp_path / "k.yaml"
    data = copy.deepcopy(_raw())
    data["lampu_lalu_lintas"]["pita_kuning_naik"] = 15
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert load_parameters(p).bands.kuning_naik == 15


def test_bands_validation():
    with pytest.raises(ParameterError, match="kuning_turun"):
        Bands(kuning_turun=-2)
    with pytest.raises(ParameterError, match="tersil_min_desa"):
        Bands(tersil_min_desa=1)
    with pytest.raises(ParameterError, match="tidak dikenal"):
        traffic_light(vals([("11.01.01.2001", "KES02", 90.0)]), CAT, bands={"kuning": 3})


# --------------------------------------------------------------------------- traffic light


def test_higher_is_better_boundaries():
    # KES02 target 90 (RPJMN): on T hijau, on T − 10 kuning, just below merah.
    assert kelas_of("KES02", [100.0, 90.0, 89.999, 80.0, 79.999, 0.0]) == [
        "hijau", "hijau", "kuning", "kuning", "merah", "merah",
    ]


def test_lower_is_better_boundaries():
    # KES01 target 14: on T hijau, on T + 5 kuning, just above merah.
    assert kelas_of("KES01", [0.0, 14.0, 14.001, 19.0, 19.001, 60.0]) == [
        "hijau", "hijau", "kuning", "kuning", "merah", "merah",
    ]
    # AIR03 target 0: only 0 is hijau, up to 5 kuning.
    assert kelas_of("AIR03", [0.0, 0.5, 5.0, 5.01]) == ["hijau", "kuning", "kuning", "merah"]


def test_boundaries_from_real_counts_are_not_lost_to_float_noise():
    # 99.4 − 10 is 89.4 only up to float rounding; 894/1000 must still be kuning.
    assert kelas_of("ADM03", [99.4, 89.4, 89.39]) == ["hijau", "kuning", "merah"]
    lay = pd.DataFrame(
        {
            "kode_desa": ["11.01.01.2001", "11.01.01.2002", "11.01.01.2003"],
            "tahun": [2024] * 3,
            "balita_stunting": [7, 19, 57], "balita_diukur": [50, 100, 300],  # 14 %, 19 %, 19 %
            "wajib_ktp_terekam": [994, 894, 9940], "wajib_ktp": [1000, 1000, 10000],  # 99.4, 89.4, 99.4
        }
    ).astype({"kode_desa": "string"})
    tl = traffic_light(desa_values(lay, CAT), CAT).set_index(["indikator", "kode_desa"])
    assert tl.loc["KES01", "kelas"].tolist() == ["hijau", "kuning", "kuning"]
    assert tl.loc["ADM03", "kelas"].tolist() == ["hijau", "kuning", "hijau"]


def test_labels_metadata_and_grey():
    v = vals(
        [("a", "KES02", 95.0), ("b", "KES02", 85.0), ("c", "KES02", 50.0), ("d", "KES02", None), ("e", "KES02", 20.0)],
        stabil=[True, True, True, False, False],
    )
    before = v.copy()
    out = traffic_light(v, CAT)
    pd.testing.assert_frame_equal(v, before)
    assert out["kelas"].tolist() == ["hijau", "kuning", "merah", "abu", "abu"]
    assert out["label_kelas"].tolist() == ["Tercapai", "Mendekati", "Belum tercapai", "Tidak ada data", "Tidak stabil"]
    assert out["metode"].eq("target").all()
    assert out["target"].eq(90.0).all()
    assert out["sumber_target"].eq("RPJMN 2020–2024 (target 2024)").all()
    assert out["tag_target"].eq("sourced").all() and out["arah"].eq("higher").all()
    assert list(out.columns[: len(v.columns)]) == list(v.columns)
    p = traffic_light(vals([("a", "PEND02", 0.0)]), CAT)
    assert p["tag_target"].tolist() == ["proposed"]


def test_unstable_is_grey_even_when_far_below_target():
    lay = pd.DataFrame({"kode_desa": ["11.01.01.2001"], "tahun": [2024], "bayi_idl": [1], "bayi_sasaran": [4]})
    row = traffic_light(desa_values(lay, CAT), CAT).query("indikator == 'KES02'").iloc[0]
    assert row["nilai"] == 25.0 and row["kelas"] == "abu" and row["label_kelas"] == "Tidak stabil"


def test_bands_are_parameters():
    assert kelas_of("KES02", [78.0], bands={"kuning_naik": 15}) == ["kuning"]
    assert kelas_of("KES02", [78.0]) == ["merah"]
    assert kelas_of("KES01", [18.0], bands=Bands(kuning_turun=3)) == ["merah"]


def _no_target_catalogue():
    f = CAT.frame.copy()
    f.loc[f["id"].isin(["KES02", "KES01"]), ["target", "sumber_target", "tag_target"]] = pd.NA
    return f


def test_tercile_rank_within_kecamatan():
    cat = _no_target_catalogue()
    values = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    rows = [(f"11.01.01.{2001 + i}", "KES02", x) for i, x in enumerate(values)]
    # Another kecamatan with only 4 villages: too few to rank.
    rows += [(f"11.01.02.{2001 + i}", "KES02", x) for i, x in enumerate([10.0, 20.0, 30.0, 40.0])]
    out = traffic_light(vals(rows), cat)
    a = out[out.kode_desa.str.startswith("11.01.01")]
    assert a["kelas"].tolist() == ["merah", "merah", "kuning", "kuning", "hijau", "hijau"]
    assert a["label_kelas"].tolist()[-1] == "Sepertiga terbaik"
    assert a["metode"].eq("tersil").all() and a["target"].isna().all()
    b = out[out.kode_desa.str.startswith("11.01.02")]
    assert b["kelas"].eq("abu").all() and b["label_kelas"].eq("Pembanding kurang").all()


def test_tercile_respects_direction_ties_and_excludes_unstable():
    cat = _no_target_catalogue()
    rows = [(f"11.01.01.{2001 + i}", "KES01", x) for i, x in enumerate([5.0, 10.0, 15.0, 20.0, 25.0])]
    out = traffic_light(vals(rows), cat)
    # Lower is better: 5 % best. Positions 0, ¼, ½, ¾, 1 → hijau, hijau, kuning, merah, merah.
    assert out["kelas"].tolist() == ["hijau", "hijau", "kuning", "merah", "merah"]
    # Five villages but one unstable: four comparable villages → abu for all.
    out = traffic_light(vals(rows, stabil=[True, True, True, True, False]), cat)
    assert out["kelas"].tolist() == ["abu"] * 5
    assert out["label_kelas"].tolist() == ["Pembanding kurang"] * 4 + ["Tidak stabil"]
    # Ties share the better class.
    rows = [(f"11.01.01.{2001 + i}", "KES01", x) for i, x in enumerate([5.0, 5.0, 5.0, 20.0, 25.0, 30.0, 40.0])]
    assert traffic_light(vals(rows), cat)["kelas"].tolist() == [
        "hijau", "hijau", "hijau", "kuning", "kuning", "merah", "merah",
    ]


def test_tercile_minimum_is_a_parameter():
    cat = _no_target_catalogue()
    rows = [(f"11.01.01.{2001 + i}", "KES02", x) for i, x in enumerate([10.0, 20.0, 30.0, 40.0])]
    # Positions 0, ⅓, ⅔, 1 from the best: exactly ⅓ and ⅔ are the middle third.
    assert traffic_light(vals(rows), cat, bands={"tersil_min_desa": 4})["kelas"].tolist() == [
        "merah", "kuning", "kuning", "hijau",
    ]


def test_tercile_groups_by_year_and_parent_for_aggregates():
    cat = _no_target_catalogue()
    agg = pd.DataFrame(
        {
            "kode_wilayah": [f"11.01.{i:02d}" for i in range(1, 7)] + ["11.02.01"],
            "tingkat": "kecamatan",
            "tahun": 2024,
            "indikator": "KES02",
            "nilai": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 99.0],
            "stabil": True,
        }
    )
    out = traffic_light(agg, cat)
    assert out["kelas"].tolist() == ["merah", "merah", "kuning", "kuning", "hijau", "hijau", "abu"]


def test_traffic_light_guards():
    with pytest.raises(DataError, match="nilai"):
        traffic_light(pd.DataFrame({"indikator": ["KES01"], "tahun": [2024]}), CAT)
    with pytest.raises(ParameterError, match="ABC01"):
        traffic_light(vals([("a", "ABC01", 1.0)]), CAT)


@settings(max_examples=80, deadline=None)
@given(
    ind=st.sampled_from(["KES01", "KES02", "AIR03", "ADM03", "PEND02"]),
    xs=st.lists(st.floats(min_value=0, max_value=150, allow_nan=False), min_size=2, max_size=8),
)
def test_classification_is_monotone_in_value(ind, xs):
    xs = sorted(xs)
    rank = {"merah": 0, "kuning": 1, "hijau": 2}
    got = [rank[k] for k in kelas_of(ind, xs)]
    if CAT.get(ind)["arah"] == "higher":
        assert got == sorted(got)
    else:
        assert got == sorted(got, reverse=True)


@settings(max_examples=40, deadline=None)
@given(xs=st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=5, max_size=12))
def test_tercile_is_monotone_in_value(xs):
    cat = _no_target_catalogue()
    xs = sorted(xs)
    rows = [(f"11.01.01.{2001 + i}", "KES02", x) for i, x in enumerate(xs)]
    rank = {"merah": 0, "kuning": 1, "hijau": 2}
    got = [rank[k] for k in traffic_light(vals(rows), cat)["kelas"]]
    assert got == sorted(got)
    assert got[-1] == 2  # the best village is always in the best third


# --------------------------------------------------------------------------- IDM / IPD


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (0.0, "Sangat Tertinggal"),
        (0.4907, "Sangat Tertinggal"),
        (0.4908, "Tertinggal"),
        (0.5989, "Tertinggal"),
        (0.5990, "Berkembang"),
        (0.7072, "Berkembang"),
        (0.7073, "Maju"),
        (0.8155, "Maju"),
        (0.8156, "Mandiri"),
        (1.0, "Mandiri"),
    ],
)
def test_idm_cut_offs_belong_to_the_lower_class(value, label):
    assert idm_status([value]).tolist() == [label]


def test_idm_from_components_on_a_cut_off_and_missing():
    # (0.5 + 0.4907 + 0.4814) / 3 = 0.4907 up to float rounding: still Sangat Tertinggal.
    idm = (0.5 + 0.4907 + 0.4814) / 3
    s = pd.Series([idm, None], index=[10, 11], dtype="Float64")
    out = idm_status(s)
    assert out.index.tolist() == [10, 11]
    assert out.iloc[0] == "Sangat Tertinggal" and pd.isna(out.iloc[1])
    assert str(out.dtype) == "string"


@pytest.mark.parametrize(
    ("value", "label"),
    [(0, "Tertinggal"), (50, "Tertinggal"), (50.0001, "Berkembang"), (75, "Berkembang"),
     (75.0001, "Mandiri"), (100, "Mandiri")],
)
def test_ipd_cut_offs(value, label):
    p = load_parameters()
    assert idm_status(pd.Series([value]), p.ipd_batas, p.ipd_label).tolist() == [label]


def test_status_custom_cuts():
    assert idm_status([0.3, 0.6], batas=[0.5], label=["Rendah", "Tinggi"]).tolist() == ["Rendah", "Tinggi"]


# --------------------------------------------------------------------------- scores


def test_sector_scores_hand_computed():
    v = vals(
        [
            ("11.01.01.2001", "KES01", 28.0),   # lower, T 14 → 14/28 = 0.5
            ("11.01.01.2001", "KES02", 45.0),   # higher, T 90 → 0.5
            ("11.01.01.2001", "KES03", 10.0),   # unstable → left out
            ("11.01.01.2001", "AIR03", 0.0),    # lower, value 0 → 1
            ("11.01.01.2001", "AIR01", 80.0),   # 0.8
            ("11.01.01.2001", "PEND02", 5.0),   # lower, T 0 → 0
            ("11.01.01.2001", "ADM02", 60.0),   # over target → capped at 1
            ("11.01.01.2001", "SOS01", None),   # no data
        ],
        stabil=[True, True, False, True, True, True, True, False],
    )
    s = sector_scores(v, CAT)
    assert list(s.columns) == ["kode_desa", "tahun", "sektor", "label_sektor", "skor", "n_indikator"]
    got = s.set_index("sektor")
    assert got.loc["KES", "skor"] == 0.5 and got.loc["KES", "n_indikator"] == 2
    assert got.loc["AIR", "skor"] == pytest.approx(0.9) and got.loc["AIR", "n_indikator"] == 2
    assert got.loc["PEND", "skor"] == 0.0
    assert got.loc["ADM", "skor"] == 1.0
    assert pd.isna(got.loc["SOS", "skor"]) and got.loc["SOS", "n_indikator"] == 0
    # Sectors in catalogue order.
    assert s["sektor"].tolist() == ["KES", "PEND", "AIR", "SOS", "ADM"]
    assert got.loc["AIR", "label_sektor"] == "Air bersih & Sanitasi"


def test_composite_needs_three_sectors():
    v = vals(
        [
            ("a", "KES02", 90.0), ("a", "PEND01", 50.0), ("a", "AIR02", 45.0),
            ("b", "KES02", 90.0), ("b", "PEND01", 50.0), ("b", "AIR02", None),
        ]
    )
    ci = composite_index(sector_scores(v, CAT)).set_index("kode_desa")
    assert ci.loc["a", "indeks_capaian"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert ci.loc["a", "kesenjangan"] == pytest.approx(1 - 2 / 3)
    assert ci.loc["a", "n_sektor"] == 3
    assert pd.isna(ci.loc["b", "indeks_capaian"]) and ci.loc["b", "n_sektor"] == 2
    assert pd.isna(ci.loc["b", "kesenjangan"])
    ci2 = composite_index(sector_scores(v, CAT), min_sektor=2).set_index("kode_desa")
    assert ci2.loc["b", "indeks_capaian"] == 0.75
    with pytest.raises(ParameterError):
        composite_index(sector_scores(v, CAT), min_sektor=0)


def test_scores_on_aggregated_tables():
    agg = pd.DataFrame(
        {"kode_wilayah": ["11.01.01", "11.01.01"], "nama_wilayah": "K", "tingkat": "kecamatan", "tahun": 2024,
         "indikator": ["KES02", "KES04"], "sektor": "KES", "nilai": [45.0, 100.0], "stabil": True}
    )
    s = sector_scores(agg, CAT)
    assert s.columns[:4].tolist() == ["kode_wilayah", "nama_wilayah", "tingkat", "tahun"]
    assert s["skor"].tolist() == [0.75]


# --------------------------------------------------------------------------- quadrant


def gap_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kode_desa": [f"11.01.01.{2001 + i}" for i in range(5)],
            "tahun": 2024,
            "kesenjangan": [0.1, 0.2, 0.3, 0.4, 0.5],
            "bel01": [40.0, 10.0, 20.0, 5.0, 30.0],
        }
    )


def test_quadrant_median_split_and_on_split_is_high():
    t = gap_table()
    before = t.copy()
    tab, s = quadrant(t)
    pd.testing.assert_frame_equal(t, before)
    assert s["batas_x"] == 0.3 and s["batas_y"] == 20.0
    assert "median" in s["cara_x"] and "5 desa" in s["cara_x"]
    assert s["sama_dengan_batas"] == "tinggi" and s["n_desa"] == 5
    # Village 3 sits exactly on both medians: high gap and high spend.
    assert tab["kuadran"].tolist() == ["pertahankan", "pantau", "evaluasi", "prioritas", "evaluasi"]
    assert tab["label_kuadran"].tolist() == [
        "Pertahankan", "Pantau", "Evaluasi efektivitas / dukungan OPD", "Prioritas: realokasi belanja",
        "Evaluasi efektivitas / dukungan OPD",
    ]
    assert tab["kesenjangan_tinggi"].tolist() == [False, False, True, True, True]


def test_quadrant_user_splits_and_missing():
    t = gap_table()
    t.loc[1, "bel01"] = np.nan
    tab, s = quadrant(t, split_x=0.45, split_y=30)
    assert (s["batas_x"], s["batas_y"]) == (0.45, 30.0)
    assert s["cara_x"].startswith("ditetapkan pengguna")
    assert tab["kuadran"].tolist()[0] == "pertahankan" and pd.isna(tab["kuadran"].iloc[1])
    assert tab["label_kuadran"].iloc[1] == "Tidak ada data"
    assert tab["kuadran"].tolist()[2:] == ["pantau", "pantau", "evaluasi"]
    assert s["n_desa"] == 4
    with pytest.raises(ParameterError, match="split_x"):
        quadrant(t, split_x="median")


def test_quadrant_median_ignores_villages_without_both_values():
    t = gap_table()
    t.loc[4, "kesenjangan"] = np.nan  # 4 complete villages left: x median of 0.1..0.4 = 0.25
    _, s = quadrant(t)
    assert s["batas_x"] == pytest.approx(0.25)
    assert s["batas_y"] == pytest.approx(15.0)  # median of 40, 10, 20, 5


def test_quadrant_median_per_kecamatan():
    t = pd.concat([gap_table(), gap_table().assign(kode_desa=lambda d: d.kode_desa.str.replace("11.01.01", "11.01.02"),
                                                   kesenjangan=lambda d: d.kesenjangan + 0.5)], ignore_index=True)
    tab, s = quadrant(t)
    assert s["batas_x"] is None and "per kecamatan" in s["cara_x"]
    assert s["batas_y"] == 20.0  # same in both kecamatan
    assert tab["batas_x"].tolist() == [0.3] * 5 + [0.8] * 5
    assert tab["kuadran"].tolist()[:5] == tab["kuadran"].tolist()[5:]


def test_quadrant_sensitivity():
    r = quadrant_sensitivity(gap_table(), {"median": (None, None), "x 0.35": (0.35, None)})
    assert r["n_berubah"].tolist() == [0, 1]  # village 3 drops from evaluasi to pertahankan
    assert r["n_evaluasi"].tolist() == [2, 1] and r["n_pertahankan"].tolist() == [1, 2]
    assert r["persen_berubah"].tolist() == [0.0, 20.0]
    with pytest.raises(ParameterError):
        quadrant_sensitivity(gap_table(), [0.3])


# --------------------------------------------------------------------------- trend


def test_trend_respects_direction_and_tolerance():
    v = vals(
        [
            ("a", 2022, "KES01", 30.0), ("a", 2024, "KES01", 25.0),   # lower: down is better
            ("b", 2022, "KES01", 20.0), ("b", 2024, "KES01", 22.0),   # exactly +2 = tolerance → tetap
            ("c", 2022, "KES02", 80.0), ("c", 2024, "KES02", 70.0),   # higher: down is worse
            ("d", 2022, "KES02", 80.0), ("d", 2024, "KES02", 82.5),
            ("e", 2022, "KES02", 80.0), ("e", 2024, "KES02", None),
            ("f", 2024, "KES02", 60.0),
        ]
    )
    before = v.copy()
    t = trend(v, 2022, 2024, tolerance=2).set_index("kode_desa")
    pd.testing.assert_frame_equal(v, before)
    assert t.loc["a", "tren"] == "membaik" and t.loc["a", "perubahan"] == -5.0
    assert t.loc["b", "tren"] == "tetap"
    assert t.loc["c", "tren"] == "memburuk"
    assert t.loc["d", "tren"] == "membaik" and t.loc["d", "label_tren"] == "Membaik"
    assert pd.isna(t.loc["e", "tren"]) and t.loc["e", "label_tren"] == "Tidak dapat dinilai"
    assert pd.isna(t.loc["f", "tren"]) and t.loc["f", "arah"] == "higher"
    assert t.loc["f", "nilai_akhir"] == 60.0 and pd.isna(t.loc["f", "nilai_awal"])
    assert list(t.reset_index().columns) == [
        "kode_desa", "indikator", "arah", "tahun_awal", "tahun_akhir", "nilai_awal", "nilai_akhir",
        "perubahan", "tren", "label_tren",
    ]


def test_trend_unstable_default_tolerance_and_guards():
    v = vals([("a", 2023, "KES02", 50.0), ("a", 2024, "KES02", 90.0)], stabil=[False, True])
    assert pd.isna(trend(v, 2023, 2024)["tren"].iloc[0])
    v = vals([("a", 2023, "KES02", 50.0), ("a", 2024, "KES02", 51.5)])
    assert trend(v, 2023, 2024)["tren"].tolist() == ["tetap"]  # default tolerance 2 points
    assert trend(v, 2023, 2024, tolerance=1)["tren"].tolist() == ["membaik"]
    with pytest.raises(ParameterError, match="tahun_awal"):
        trend(v, 2024, 2023)
    with pytest.raises(ParameterError, match="Toleransi"):
        trend(v, 2023, 2024, tolerance=-1)


# --------------------------------------------------------------------------- spending quality


def test_spending_quality_classes_and_boundaries():
    sp = pd.DataFrame(
        {
            "kode_desa": list("abcdefg"),
            "tahun": 2024,
            "kode_kabupaten": ["11.01"] * 5 + ["11.02"] * 2,
            # Kabupaten 11.01: BEL01 10, 20, 30, 40, 50 → 75th percentile (linear) = 40.
            "bel01": [10.0, 20.0, 30.0, 40.0, 50.0, 5.0, 6.0],
            "bel07": [25.0, 30.0, 30.01, 30.0, 20.0, 10.0, None],
            "aturan_dd_patuh": pd.array([True, True, True, True, False, True, True], dtype="boolean"),
        }
    )
    before = sp.copy()
    out = spending_quality_class(sp)
    pd.testing.assert_frame_equal(sp, before)
    assert out["batas_bel01"].tolist()[:5] == [40.0] * 5
    assert out["batas_bel01"].tolist()[5:] == [5.75, 5.75]
    assert out["kelas_belanja"].tolist() == [
        "cukup",            # bottom of the kabupaten
        "cukup",            # BEL07 exactly 30 % is within the cap
        "perlu_perbaikan",  # BEL07 above 30 %
        "berkualitas",      # BEL01 exactly on the quartile, BEL07 = 30 %, rules kept
        "perlu_perbaikan",  # top BEL01 but a Dana Desa rule is breached
        "cukup",            # other kabupaten: 5 < 5.75
        "tidak_ada_data",   # BEL07 missing: cannot be confirmed
    ]
    assert out["label_belanja"].tolist()[3] == "Berkualitas"
    assert "30%" in out["alasan"].iloc[2] and "Dana Desa" in out["alasan"].iloc[4]


def test_spending_quality_unknown_rule_and_parameters():
    sp = pd.DataFrame(
        {"kode_desa": ["a", "b"], "tahun": 2024, "kode_kabupaten": "11.01", "bel01": [10.0, 50.0],
         "bel07": [35.0, 20.0], "aturan_dd_patuh": pd.array([None, None], dtype="boolean")}
    )
    out = spending_quality_class(sp)
    # A known breach (BEL07) is reported even when the Dana Desa rule is unknown.
    assert out["kelas_belanja"].tolist() == ["perlu_perbaikan", "tidak_ada_data"]
    out = spending_quality_class(sp.assign(aturan_dd_patuh=True), batas_bel07=40)
    assert out["kelas_belanja"].tolist() == ["cukup", "berkualitas"]
    with pytest.raises(ParameterError):
        spending_quality_class(sp, kuantil=75)
    with pytest.raises(DataError, match="kode_kabupaten"):
        spending_quality_class(sp.drop(columns="kode_kabupaten"))


# --------------------------------------------------------------------------- sensitivity


def test_threshold_sensitivity_counts():
    v = vals(
        [
            ("a", "KES02", 78.0),  # merah → kuning with a 15-point band
            ("b", "KES02", 85.0),  # kuning either way
            ("c", "KES01", 18.0),  # kuning → merah with a 3-point band
            ("d", "KES01", 10.0),
            ("e", "KES01", None),
        ]
    )
    r = threshold_sensitivity(v, CAT, [{"kuning_naik": 15}, Bands(kuning_naik=10, kuning_turun=3)])
    assert r["skenario"].unique().tolist() == ["skenario 1", "skenario 2"]
    tot = r[r.indikator == "(semua)"].set_index("skenario")
    assert tot.loc["skenario 1", "n_baris"] == 5
    assert (tot.loc["skenario 1", "n_berubah"], tot.loc["skenario 1", "n_ke_lebih_baik"]) == (1, 1)
    assert (tot.loc["skenario 2", "n_berubah"], tot.loc["skenario 2", "n_ke_lebih_buruk"]) == (1, 1)
    assert tot.loc["skenario 2", "persen_berubah"] == 20.0
    assert tot.loc["skenario 2", "n_unit_berubah"] == 1
    per = r[(r.skenario == "skenario 2") & (r.indikator == "KES01")].iloc[0]
    assert (per["n_baris"], per["n_berubah"]) == (3, 1)
    assert "+ 3 poin" in per["keterangan"]


def test_threshold_sensitivity_tersil_minimum():
    cat = _no_target_catalogue()
    rows = [(f"11.01.01.{2001 + i}", "KES02", x) for i, x in enumerate([10.0, 20.0, 30.0, 40.0])]
    r = threshold_sensitivity(vals(rows), cat, {"min 4": {"tersil_min_desa": 4}})
    tot = r[r.indikator == "(semua)"].iloc[0]
    assert tot["n_berubah"] == 4 and tot["n_ke_lebih_baik"] == 0  # from abu: changed, not better/worse
    with pytest.raises(ParameterError):
        threshold_sensitivity(vals(rows), cat, [])


def test_kabupaten_quartile_threshold_equals_pandas_quantile_per_group():
    # The vectorised threshold must give the numbers of a per-group Series.quantile (missing kabupaten
    # or year forming their own group, missing BEL01 left out).
    rng = np.random.default_rng(7)
    n = 300
    sp = pd.DataFrame({
        "kode_desa": [f"11.01.01.{2001 + i:04d}" for i in range(n)],
        "tahun": pd.array(rng.choice([2023, 2024, None], n), dtype="Int64"),
        "kode_kabupaten": pd.array(rng.choice(["11.01", "11.02", "11.03", None], n), dtype="string"),
        "bel01": pd.array(np.where(rng.random(n) < 0.15, np.nan, rng.random(n) * 60), dtype="Float64"),
        "bel07": 20.0, "aturan_dd_patuh": True,
    })
    b1 = sp["bel01"].to_numpy(dtype="float64", na_value=np.nan)
    expected = (pd.Series(b1).groupby([sp["kode_kabupaten"], sp["tahun"]], dropna=False)
                .transform(lambda s: s.quantile(0.75)).to_numpy(dtype="float64"))
    got = classify.spending_quality_class(sp)["batas_bel01"].to_numpy(dtype="float64", na_value=np.nan)
    np.testing.assert_array_equal(got, expected)


def test_spending_quality_reasons_and_labels_per_rule():
    # Each rule's class, label and reason text (the texts are built from codes, not per row).
    sp = pd.DataFrame({
        "kode_desa": list("abcdef"), "tahun": 2024, "kode_kabupaten": "11.01",
        "bel01": [50.0, 20.0, 12.0, 40.0, np.nan, 30.0], "bel07": [35.0, 25.0, 25.0, 25.0, 25.0, 35.0],
        "aturan_dd_patuh": pd.array([True, False, True, True, True, False], dtype="boolean"),
    })
    out = spending_quality_class(sp)
    assert out["kelas_belanja"].tolist() == ["perlu_perbaikan", "perlu_perbaikan", "cukup", "berkualitas",
                                             "tidak_ada_data", "perlu_perbaikan"]
    assert out["label_belanja"].tolist() == ["Perlu perbaikan", "Perlu perbaikan", "Cukup", "Berkualitas",
                                             "Data belum lengkap", "Perlu perbaikan"]
    assert out["alasan"].tolist() == [
        "Porsi siltap & tunjangan di atas 30% belanja",
        "Aturan Dana Desa tahun ini tidak dipatuhi",
        "Belanja dalam batas, tetapi porsi layanan dasar belum di kuartil teratas kabupaten",
        "Porsi belanja layanan dasar di kuartil teratas kabupaten, siltap dalam batas, aturan Dana Desa dipatuhi",
        "Data BEL01, BEL07 atau kepatuhan Dana Desa belum lengkap",
        "Porsi siltap & tunjangan di atas 30% belanja; Aturan Dana Desa tahun ini tidak dipatuhi",
    ]
    # Threshold: 0.75 quantile of 12, 20, 30, 40, 50 = 40.
    assert out["batas_bel01"].iloc[0] == 40.0
    assert out["bel01_kuartil_atas"].tolist() == [True, False, False, True, pd.NA, False]
    for col in ("kelas_belanja", "label_belanja", "alasan"):
        assert out[col].dtype == pd.StringDtype("pyarrow")


def test_traffic_light_labels_mixed_rules_in_long_blocks():
    # Blocks of thousands of rows per indicator (the shape of desa_values) take the shared-run
    # path for the per-indicator columns; labels must still follow the rule order row by row.
    n = 5000
    rng = np.random.default_rng(3)
    kode = [f"11.01.{1 + i % 3:02d}.{2001 + i:04d}" for i in range(n)]
    cat = CAT.frame.assign(target=CAT.frame["target"].where(CAT.frame["id"] != "KES02"))
    v = pd.DataFrame({
        "kode_desa": pd.array(kode * 2, dtype="string"), "tahun": pd.array([2024] * (2 * n), dtype="Int64"),
        "indikator": pd.array(["KES01"] * n + ["KES02"] * n, dtype="string"),
        "nilai": pd.array(np.where(rng.random(2 * n) < 0.1, np.nan, rng.random(2 * n) * 40), dtype="Float64"),
        "stabil": rng.random(2 * n) < 0.9,
    })
    out = traffic_light(v, cat)
    nilai = v["nilai"].to_numpy(dtype="float64", na_value=np.nan)
    stabil = v["stabil"].to_numpy()
    kelas, label = out["kelas"].to_numpy(dtype=object), out["label_kelas"].to_numpy(dtype=object)
    assert set(label[np.isnan(nilai)]) == {"Tidak ada data"}
    assert set(label[~np.isnan(nilai) & ~stabil]) == {"Tidak stabil"}
    usable = ~np.isnan(nilai) & stabil
    first = usable[:n]
    expected_first = np.where(nilai[:n] <= 14 + classify.EPS, "hijau",
                              np.where(nilai[:n] <= 19 + classify.EPS, "kuning", "merah"))
    assert (kelas[:n][first] == expected_first[first]).all()
    assert set(label[n:][usable[n:]]) <= {"Sepertiga terbaik", "Sepertiga tengah", "Sepertiga terbawah"}
    assert out["metode"].tolist() == ["target"] * n + ["tersil"] * n
    assert out["arah"].tolist() == ["lower"] * n + ["higher"] * n
