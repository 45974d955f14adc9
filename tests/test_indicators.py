"""Tests of p3pd_lib.indicators: catalogue, per-desa values, Σ/Σ aggregation."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from p3pd_lib import paths
from p3pd_lib.errors import DataError, ParameterError
from p3pd_lib.indicators import (
    AGGREGATE_COLUMNS,
    VALUE_COLUMNS,
    Catalogue,
    aggregate,
    catalogue_from_dict,
    desa_values,
    load_catalogue,
)
from p3pd_lib.schemas import LAYANAN

DOMAIN_IDS = [
    "KES01", "KES02", "KES03", "KES04", "KES05", "KES06", "PEND01", "PEND02", "PEND03",
    "AIR01", "AIR02", "AIR03", "SOS01", "SOS02", "ADM01", "ADM02", "ADM03",
]


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def raw() -> dict:
    with paths.parameter_file("indikator.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def wilayah(rows: list[tuple[str, str]]) -> pd.DataFrame:
    """Region table from (kode_desa, nama_desa) pairs; names of higher levels derived from codes."""
    kode = [k for k, _ in rows]
    return pd.DataFrame(
        {
            "kode_desa": kode,
            "nama_desa": [n for _, n in rows],
            "jenis": "desa",
            "kode_kecamatan": [k[:8] for k in kode],
            "nama_kecamatan": [f"Kec {k[:8]}" for k in kode],
            "kode_kabupaten": [k[:5] for k in kode],
            "nama_kabupaten": [f"Kab {k[:5]}" for k in kode],
            "kode_provinsi": [k[:2] for k in kode],
            "nama_provinsi": [f"Prov {k[:2]}" for k in kode],
        }
    ).astype("string")


#: Targets DOMAIN.md §4 marks [sourced]: the only ones the catalogue may tag 'sourced'.
VERIFIED_SOURCED = {"KES01", "KES02", "KES05", "KES06", "PEND03", "AIR03", "SOS02", "ADM01", "ADM02", "ADM03"}


def layanan(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    return df.astype({c: "Int64" for c in df.columns if c not in ("kode_desa",)} | {"kode_desa": "string"})


# --------------------------------------------------------------------------- catalogue


def test_catalogue_has_every_domain_indicator_in_order(cat):
    # DOMAIN's indicators, in DOMAIN's order; a row added to parameters/ (no Python) does not break this.
    assert [i for i in cat.ids if i in DOMAIN_IDS] == DOMAIN_IDS
    f = cat.frame
    domain = f[f["id"].isin(DOMAIN_IDS)]
    assert domain["sektor"].tolist() == ["KES"] * 6 + ["PEND"] * 3 + ["AIR"] * 3 + ["SOS"] * 2 + ["ADM"] * 3
    assert set(f["pembilang"]) | set(f["penyebut"]) <= set(LAYANAN.names)
    assert (domain["faktor"] == 100).all()


def test_catalogue_sector_labels(cat):
    assert cat.sektor_label == {
        "PEND": "Pendidikan",
        "KES": "Kesehatan",
        "AIR": "Air bersih & Sanitasi",
        "SOS": "Perlindungan Sosial",
        "ADM": "Administrasi Kependudukan",
    }
    assert cat.get("ADM01")["label_sektor"] == "Administrasi Kependudukan"


def test_catalogue_targets_follow_domain(cat):
    f = cat.frame.set_index("id")
    expected = {
        "KES01": (14, "lower"), "KES02": (90, "higher"), "KES03": (100, "higher"), "KES04": (100, "higher"),
        "KES05": (100, "higher"), "KES06": (98, "higher"), "PEND01": (100, "higher"), "PEND02": (0, "lower"),
        "PEND03": (100, "higher"), "AIR01": (100, "higher"), "AIR02": (90, "higher"), "AIR03": (0, "lower"),
        "SOS01": (100, "higher"), "SOS02": (100, "higher"), "ADM01": (98, "higher"), "ADM02": (50, "higher"),
        "ADM03": (99.4, "higher"),
    }
    for ident, (target, arah) in expected.items():
        assert f.loc[ident, "target"] == target, ident
        assert f.loc[ident, "arah"] == arah, ident
    # A target is 'sourced' only where DOMAIN.md §4 marks it [sourced] (regulation verified);
    # SPM and RPJMN targets without that mark (KES03, KES04, PEND01, AIR01, AIR02) are proposed.
    assert set(f.index[f["tag_target"] == "sourced"]) <= VERIFIED_SOURCED
    assert sorted(f.index[f["tag_target"] == "proposed"]) == ["AIR01", "AIR02", "KES03", "KES04", "PEND01", "PEND02", "SOS01"]
    assert f["sumber_target"].notna().all()
    assert f.loc["KES01", "pembilang"] == "balita_stunting" and f.loc["KES01", "penyebut"] == "balita_diukur"
    assert f.loc["ADM02", "penyebut"] == "anak_0_17"
    assert (f["min_penyebut"] >= 10).all()


def test_catalogue_get_unknown_is_indonesian_error(cat):
    with pytest.raises(ParameterError, match="tidak ada dalam katalog"):
        cat.get("XYZ01")


def _broken(raw: dict, i: int, **changes) -> dict:
    data = copy.deepcopy(raw)
    for k, v in changes.items():
        if v is _DELETE:
            data["indikator"][i].pop(k, None)
        else:
            data["indikator"][i][k] = v
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("i", "changes", "fragments"),
    [
        (0, {"pembilang": "balita_pendek"}, ["KES01", "pembilang", "balita_pendek"]),
        (3, {"penyebut": "kode_desa"}, ["KES04", "penyebut"]),
        (1, {"sumber_target": _DELETE}, ["KES02", "sumber_target"]),
        (1, {"sumber_target": "  "}, ["KES02", "sumber_target"]),
        (2, {"arah": "naik"}, ["KES03", "arah"]),
        (4, {"tag_target": "resmi"}, ["KES05", "tag_target"]),
        (5, {"target": "98%"}, ["KES06", "target"]),
        (5, {"target": 120}, ["KES06", "target"]),
        (6, {"taget": 100}, ["PEND01", "taget"]),
        (7, {"min_penyebut": 0}, ["PEND02", "min_penyebut"]),
        (8, {"faktor": -1}, ["PEND03", "faktor"]),
        (9, {"sektor": "EKO"}, ["AIR01", "sektor"]),
        (10, {"nama": ""}, ["AIR02", "nama"]),
        (11, {"penyebut": "rt_babs"}, ["AIR03", "pembilang", "penyebut"]),
        (12, {"target": None}, ["SOS01", "tag_target"]),
        (13, {"id": "sos 2"}, ["entri ke-14", "id"]),
        (14, {"id": "KES01"}, ["KES01", "ganda"]),
    ],
)
def test_catalogue_validation_names_entry_and_field(raw, i, changes, fragments):
    with pytest.raises(ParameterError) as info:
        catalogue_from_dict(_broken(raw, i, **changes))
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg


def test_catalogue_validation_of_structure(raw):
    with pytest.raises(ParameterError, match="'sektor' dan 'indikator'"):
        catalogue_from_dict({"indikator": raw["indikator"]})
    with pytest.raises(ParameterError, match="sektor 'EKO'"):
        catalogue_from_dict({"sektor": {"EKO": "Ekonomi"}, "indikator": raw["indikator"]})
    with pytest.raises(ParameterError, match="tidak kosong"):
        catalogue_from_dict({"sektor": raw["sektor"], "indikator": []})


def test_catalogue_without_target_is_valid(raw):
    data = _broken(raw, 12, target=None, tag_target=_DELETE, sumber_target=_DELETE)
    c = catalogue_from_dict(data)
    row = c.get("SOS01")
    assert pd.isna(row["target"]) and pd.isna(row["tag_target"]) and pd.isna(row["sumber_target"])


def test_missing_min_penyebut_uses_default_from_klasifikasi(raw):
    data = _broken(raw, 0, min_penyebut=_DELETE)
    assert catalogue_from_dict(data).get("KES01")["min_penyebut"] == 10  # stabilitas.min_penyebut_bawaan
    assert catalogue_from_dict(data, min_penyebut_bawaan=7).get("KES01")["min_penyebut"] == 7


def test_load_catalogue_from_file_and_file_errors(tmp_path, raw):
    p = tmp_path / "indikator.yaml"
    p.write_text(yaml.safe_dump(_broken(raw, 2, arah="lower")), encoding="utf-8")
    assert load_catalogue(p).get("KES03")["arah"] == "lower"
    with pytest.raises(ParameterError, match="tidak ditemukan"):
        load_catalogue(tmp_path / "tidak_ada.yaml")
    bad = tmp_path / "rusak.yaml"
    bad.write_text("sektor: [tidak ditutup\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="bukan YAML"):
        load_catalogue(bad)


# --------------------------------------------------------------------------- desa values


def test_desa_values_hand_computed(cat):
    lay = layanan(
        [
            {"kode_desa": "11.01.01.2001", "tahun": 2024, "balita_stunting": 7, "balita_diukur": 50},
            {"kode_desa": "11.01.01.2002", "tahun": 2024, "balita_stunting": 0, "balita_diukur": 0},
            {"kode_desa": "11.01.01.2003", "tahun": 2024, "balita_stunting": None, "balita_diukur": 40},
            {"kode_desa": "11.01.01.2004", "tahun": 2024, "balita_stunting": 30, "balita_diukur": 25},
            {"kode_desa": "11.01.01.2005", "tahun": 2024, "balita_stunting": 3, "balita_diukur": 5},
            {"kode_desa": "11.01.01.2006", "tahun": 2024, "balita_stunting": 0, "balita_diukur": 40},
        ]
    )
    before = lay.copy()
    v = desa_values(lay, cat)
    pd.testing.assert_frame_equal(lay, before)  # input untouched
    assert list(v.columns) == list(VALUE_COLUMNS)
    assert len(v) == 6 * 17
    k = v[v["indikator"] == "KES01"].set_index("kode_desa")
    assert k.loc["11.01.01.2001", "nilai"] == 14.0  # exactly, so that it is hijau on the 14% target
    assert bool(k.loc["11.01.01.2001", "stabil"])
    assert pd.isna(k.loc["11.01.01.2002", "nilai"])  # zero denominator: no value, not 0%
    assert not k.loc["11.01.01.2002", "stabil"]
    assert pd.isna(k.loc["11.01.01.2003", "pembilang"])  # missing stays missing
    assert pd.isna(k.loc["11.01.01.2003", "nilai"])
    assert k.loc["11.01.01.2004", "nilai"] == 100.0  # shown capped at 100 …
    assert k.loc["11.01.01.2004", "nilai_mentah"] == 120.0  # … the raw value kept …
    assert bool(k.loc["11.01.01.2004", "pembilang_melebihi"])  # … and flagged
    assert (k["satuan"] == "persen").all()
    assert k.loc["11.01.01.2005", "nilai"] == 60.0
    assert not k.loc["11.01.01.2005", "stabil"]  # 5 < min_penyebut 20
    assert k.loc["11.01.01.2006", "nilai"] == 0.0  # a real zero stays a zero
    assert k["sektor"].eq("KES").all()
    assert not k["pembilang_melebihi"].drop("11.01.01.2004").any()


def test_desa_values_dtypes_and_absent_columns(cat):
    lay = layanan([{"kode_desa": "11.01.01.2001", "tahun": 2024, "rumah_tangga": 200, "rt_air_layak": 150}])
    v = desa_values(lay, cat)
    assert str(v["kode_desa"].dtype) == "string" and str(v["indikator"].dtype) == "string"
    assert str(v["tahun"].dtype) == "Int64"
    assert str(v["pembilang"].dtype) == "Int64" and str(v["penyebut"].dtype) == "Int64"
    assert str(v["nilai"].dtype) == "Float64"
    assert v["stabil"].dtype == bool and v["pembilang_melebihi"].dtype == bool
    air = v.set_index("indikator")
    assert air.loc["AIR01", "nilai"] == 75.0
    # AIR02 shares the denominator but its numerator column is absent: not reported, no value.
    assert pd.isna(air.loc["AIR02", "pembilang"]) and air.loc["AIR02", "penyebut"] == 200
    assert pd.isna(air.loc["AIR02", "nilai"])
    assert air["nilai"].notna().sum() == 1


def test_desa_values_year_filter_and_guards(cat):
    lay = layanan(
        [
            {"kode_desa": "11.01.01.2001", "tahun": 2023, "bayi_idl": 9, "bayi_sasaran": 10},
            {"kode_desa": "11.01.01.2001", "tahun": 2024, "bayi_idl": 8, "bayi_sasaran": 10},
        ]
    )
    v = desa_values(lay, cat, tahun=2024)
    assert v["tahun"].unique().tolist() == [2024]
    assert v.loc[v.indikator == "KES02", "nilai"].tolist() == [80.0]
    assert len(desa_values(lay, cat, tahun=[2023, 2024])) == 34
    with pytest.raises(DataError, match="kode_desa"):
        desa_values(lay.drop(columns="kode_desa"), cat)
    with pytest.raises(DataError, match="harus berisi angka"):
        desa_values(lay.assign(bayi_idl=["sembilan", "8"]), cat)
    # The catalogue frame is accepted as well as the Catalogue object.
    pd.testing.assert_frame_equal(desa_values(lay, cat.frame), desa_values(lay, cat))


def test_desa_values_fractional_counts_are_not_rounded(cat):
    lay = pd.DataFrame({"kode_desa": ["11.01.01.2001"], "tahun": [2024], "bayi_idl": [4.5], "bayi_sasaran": [10.0]})
    v = desa_values(lay, cat)
    assert v.loc[v.indikator == "KES02", "nilai"].tolist() == [45.0]
    assert str(v["pembilang"].dtype) == "Float64"


# --------------------------------------------------------------------------- aggregation

WIL = wilayah(
    [
        ("11.01.01.2001", "Alue"), ("11.01.01.2002", "Blang"), ("11.01.01.2003", "Cot"),
        ("11.01.02.2001", "Dayah"), ("11.02.01.2001", "Eumpee"), ("12.01.01.2001", "Fajar"),
    ]
)


def test_aggregate_is_ratio_of_sums_not_mean_of_rates(cat):
    lay = layanan(
        [
            {"kode_desa": "11.01.01.2001", "tahun": 2024, "balita_stunting": 1, "balita_diukur": 10},
            {"kode_desa": "11.01.01.2002", "tahun": 2024, "balita_stunting": 30, "balita_diukur": 100},
        ]
    )
    v = desa_values(lay, cat)
    agg = aggregate(v, WIL, "kecamatan", cat)
    assert list(agg.columns) == list(AGGREGATE_COLUMNS)
    row = agg[agg.indikator == "KES01"].iloc[0]
    assert row["kode_wilayah"] == "11.01.01" and row["nama_wilayah"] == "Kec 11.01.01"
    assert row["tingkat"] == "kecamatan"
    assert (row["pembilang"], row["penyebut"]) == (31, 110)
    assert row["nilai"] == pytest.approx(3100 / 110)  # 28.18 %, while the mean of 10 % and 30 % is 20 %
    assert row["nilai"] != pytest.approx(20.0)
    assert (row["n_desa"], row["n_desa_data"]) == (3, 2)  # Cot has no row: counted in n_desa only
    assert bool(row["stabil"])


def test_aggregate_totals_equal_sum_of_villages_and_skip_incomplete(cat):
    lay = layanan(
        [
            {"kode_desa": "11.01.01.2001", "tahun": 2024, "bayi_idl": 8, "bayi_sasaran": 10, "ibu_hamil": 6},
            {"kode_desa": "11.01.01.2002", "tahun": 2024, "bayi_idl": 5, "bayi_sasaran": 6, "ibu_hamil": 6},
            {"kode_desa": "11.01.01.2003", "tahun": 2024, "bayi_idl": None, "bayi_sasaran": 50},
            {"kode_desa": "11.01.02.2001", "tahun": 2024, "bayi_idl": 3, "bayi_sasaran": 0},
        ]
    )
    v = desa_values(lay, cat)
    kec = aggregate(v, WIL, "kecamatan", cat).set_index(["kode_wilayah", "indikator"])
    k = kec.loc[("11.01.01", "KES02")]
    # Cot reports no numerator: its 50 infants are left out of the denominator too.
    assert (k["pembilang"], k["penyebut"], k["n_desa_data"]) == (13, 16, 2)
    assert k["nilai"] == pytest.approx(1300 / 16)
    sub = v[(v.indikator == "KES02") & v.kode_desa.str.startswith("11.01.01") & v.nilai.notna()]
    assert k["pembilang"] == sub["pembilang"].sum() and k["penyebut"] == sub["penyebut"].sum()
    # Each village has 6 pregnant women (< 10, unstable) but no ANC counts: no value at all.
    assert pd.isna(kec.loc[("11.01.01", "KES03"), "nilai"])
    assert kec.loc[("11.01.01", "KES03"), "n_desa_data"] == 0
    # A zero denominator contributes nothing, and the region shows no data rather than 0 %.
    d = kec.loc[("11.01.02", "KES02")]
    assert pd.isna(d["nilai"]) and pd.isna(d["pembilang"]) and d["n_desa_data"] == 0 and d["n_desa"] == 1
    assert not d["stabil"]


def test_aggregate_stability_is_on_the_summed_denominator(cat):
    lay = layanan(
        [
            {"kode_desa": "11.01.01.2001", "tahun": 2024, "bayi_idl": 5, "bayi_sasaran": 6},
            {"kode_desa": "11.01.01.2002", "tahun": 2024, "bayi_idl": 6, "bayi_sasaran": 6},
        ]
    )
    v = desa_values(lay, cat)
    assert not v.loc[v.indikator == "KES02", "stabil"].any()
    row = aggregate(v, WIL, "kecamatan", cat).query("indikator == 'KES02'").iloc[0]
    assert row["penyebut"] == 12 and bool(row["stabil"])


def test_aggregate_levels_names_and_unknown_codes(cat):
    rows = [
        {"kode_desa": k, "tahun": 2024, "anak_0_17_akta": a, "anak_0_17": b}
        for k, a, b in [
            ("11.01.01.2001", 90, 100), ("11.01.02.2001", 40, 50), ("11.02.01.2001", 10, 20),
            ("12.01.01.2001", 5, 10), ("99.99.99.9999", 1000, 1000),
        ]
    ]
    v = desa_values(layanan(rows), cat)
    agg = aggregate(v, WIL, ["desa", "kabupaten", "provinsi"], cat)
    adm = agg[agg.indikator == "ADM01"].set_index(["tingkat", "kode_wilayah"])
    assert adm.loc[("desa", "11.01.01.2001"), "nama_wilayah"] == "Alue"
    assert adm.loc[("desa", "11.01.01.2001"), "n_desa"] == 1
    assert ("desa", "99.99.99.9999") not in adm.index  # not in the region list: left out
    assert (adm.loc[("kabupaten", "11.01"), "pembilang"], adm.loc[("kabupaten", "11.01"), "penyebut"]) == (130, 150)
    assert adm.loc[("kabupaten", "11.01"), "nama_wilayah"] == "Kab 11.01"
    assert adm.loc[("kabupaten", "11.01"), "n_desa"] == 4
    assert (adm.loc[("provinsi", "11"), "pembilang"], adm.loc[("provinsi", "11"), "penyebut"]) == (140, 170)
    assert adm.loc[("provinsi", "12"), "nilai"] == 50.0
    assert agg["tingkat"].unique().tolist() == ["desa", "kabupaten", "provinsi"]


def test_aggregate_with_a_wilayah_table_that_does_not_nest(cat):
    """Kabupaten totals are computed from the desa rows when a kecamatan code spans two kabupaten."""
    wil = WIL.copy()
    wil.loc[wil.kode_desa == "11.01.01.2002", ["kode_kabupaten", "nama_kabupaten"]] = ["11.02", "Kab 11.02"]
    wil.loc[wil.kode_desa == "11.01.01.2003", "kode_kecamatan"] = pd.NA
    lay = layanan(
        [
            {"kode_desa": "11.01.01.2001", "tahun": 2024, "persalinan_faskes": 5, "persalinan": 10},
            {"kode_desa": "11.01.01.2002", "tahun": 2024, "persalinan_faskes": 9, "persalinan": 10},
            {"kode_desa": "11.01.01.2003", "tahun": 2024, "persalinan_faskes": 1, "persalinan": 10},
        ]
    )
    agg = aggregate(desa_values(lay, cat), wil, ["kecamatan", "kabupaten"], cat)
    k = agg[agg.indikator == "KES04"].set_index(["tingkat", "kode_wilayah"])
    assert k.loc[("kecamatan", "11.01.01"), "pembilang"] == 14
    assert k.loc[("kabupaten", "11.01"), "pembilang"] == 6  # desa 2001 and 2003
    assert k.loc[("kabupaten", "11.02"), "pembilang"] == 9
    assert k.loc[("kabupaten", "11.01"), "n_desa"] == 3
    assert k.loc[("kabupaten", "11.02"), "n_desa"] == 2


def test_aggregate_keeps_years_apart(cat):
    lay = layanan(
        [
            {"kode_desa": "11.01.01.2001", "tahun": 2023, "persalinan_faskes": 5, "persalinan": 10},
            {"kode_desa": "11.01.01.2001", "tahun": 2024, "persalinan_faskes": 9, "persalinan": 10},
            {"kode_desa": "11.01.01.2002", "tahun": 2024, "persalinan_faskes": 10, "persalinan": 10},
        ]
    )
    agg = aggregate(desa_values(lay, cat), WIL, "kecamatan", cat)
    k = agg[agg.indikator == "KES04"].set_index("tahun")
    assert k.loc[2023, "nilai"] == 50.0 and k.loc[2023, "n_desa_data"] == 1
    assert k.loc[2024, "nilai"] == 95.0 and k.loc[2024, "n_desa_data"] == 2


def test_aggregate_guards(cat):
    v = desa_values(layanan([{"kode_desa": "11.01.01.2001", "tahun": 2024}]), cat)
    with pytest.raises(ParameterError, match="Tingkat"):
        aggregate(v, WIL, "kota", cat)
    with pytest.raises(DataError, match="nama_kecamatan"):
        aggregate(v, WIL.drop(columns="nama_kecamatan"), "kecamatan", cat)
    with pytest.raises(DataError, match="penyebut"):
        aggregate(v.drop(columns="penyebut"), WIL, "kecamatan", cat)
    with pytest.raises(ParameterError, match="ZZZ99"):
        aggregate(v.assign(indikator="ZZZ99"), WIL, "kecamatan", cat)
    before = v.copy()
    aggregate(v, WIL, "kecamatan", cat)
    pd.testing.assert_frame_equal(v, before)


_counts = st.one_of(st.none(), st.integers(min_value=0, max_value=500))


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 3), _counts, _counts), min_size=1, max_size=12),
)
def test_aggregate_of_a_partition_equals_aggregate_of_the_whole(data):
    """Summing kecamatan totals gives the kabupaten total, whatever the split of desa over kecamatan."""
    cat = load_catalogue()
    codes = [f"11.01.{kec + 1:02d}.{2001 + i}" for i, (kec, _, _) in enumerate(data)]
    wil = wilayah([(c, f"D{i}") for i, c in enumerate(codes)])
    lay = layanan(
        [{"kode_desa": c, "tahun": 2024, "bayi_idl": p, "bayi_sasaran": q} for c, (_, p, q) in zip(codes, data)]
    )
    v = desa_values(lay, cat)
    agg = aggregate(v, wil, ["kecamatan", "kabupaten"], cat)
    k = agg[agg.indikator == "KES02"]
    kec, kab = k[k.tingkat == "kecamatan"], k[k.tingkat == "kabupaten"].iloc[0]
    has = [(p, q) for _, p, q in data if p is not None and q is not None and q > 0]
    assert kab["n_desa_data"] == len(has) == kec["n_desa_data"].sum()
    assert kab["n_desa"] == len(data)
    if has:
        sp, sq = sum(p for p, _ in has), sum(q for _, q in has)
        assert kab["pembilang"] == sp == kec["pembilang"].sum()
        assert kab["penyebut"] == sq == kec["penyebut"].sum()
        assert kab["nilai_mentah"] == pytest.approx(100 * sp / sq)
        assert kab["nilai"] == pytest.approx(min(100.0, 100 * sp / sq))
    else:
        assert pd.isna(kab["nilai"]) and pd.isna(kab["pembilang"])


@settings(max_examples=40, deadline=None)
@given(p=st.integers(0, 1000), q=st.integers(0, 1000))
def test_value_is_never_invented(p, q):
    cat = load_catalogue()
    v = desa_values(layanan([{"kode_desa": "11.01.01.2001", "tahun": 2024, "bayi_idl": p, "bayi_sasaran": q}]), cat)
    row = v[v.indikator == "KES02"].iloc[0]
    if q == 0:
        assert pd.isna(row["nilai"])
    else:
        assert row["nilai_mentah"] == pytest.approx(100 * p / q)
        assert row["nilai"] == pytest.approx(min(100.0, 100 * p / q))
        assert bool(row["pembilang_melebihi"]) == (p > q)
        assert bool(row["stabil"]) == (q >= 10)
    assert v["nilai"].notna().sum() == (1 if q else 0)


# --------------------------------------------------------------------------- duplicates, caps, units (issue 14)


def test_identical_copies_of_a_desa_year_count_once_in_every_total(cat):
    row = {"kode_desa": "11.01.01.2001", "tahun": 2024, "bayi_idl": 8, "bayi_sasaran": 10}
    lay = layanan([row, row, {"kode_desa": "11.01.01.2002", "tahun": 2024, "bayi_idl": 5, "bayi_sasaran": 10}])
    v = desa_values(lay, cat)
    kes02 = v[v.indikator == "KES02"]
    assert len(kes02) == 2 and not kes02["ganda_berbeda"].any()
    agg = aggregate(v, WIL, ["kecamatan", "kabupaten", "provinsi"], cat)
    for _, r in agg[agg.indikator == "KES02"].iterrows():
        assert (r["pembilang"], r["penyebut"], r["n_desa_data"]) == (13, 20, 2)
        assert r["n_desa_data"] <= r["n_desa"]


def test_disagreeing_copies_are_left_out_and_flagged(cat):
    lay = layanan([
        {"kode_desa": "11.01.01.2001", "tahun": 2024, "bayi_idl": 8, "bayi_sasaran": 10, "ibu_hamil": 12, "ibu_hamil_anc_lengkap": 9},
        {"kode_desa": "11.01.01.2001", "tahun": 2024, "bayi_idl": 3, "bayi_sasaran": 10, "ibu_hamil": 12, "ibu_hamil_anc_lengkap": 9},
        {"kode_desa": "11.01.01.2002", "tahun": 2024, "bayi_idl": 5, "bayi_sasaran": 10},
    ])
    v = desa_values(lay, cat).set_index(["kode_desa", "indikator"])
    clash = v.loc[("11.01.01.2001", "KES02")]
    assert bool(clash["ganda_berbeda"]) and pd.isna(clash["nilai"]) and pd.isna(clash["pembilang"])
    # The copies agree on KES03: that value stays, once.
    assert v.loc[("11.01.01.2001", "KES03"), "nilai"] == 75.0 and not v.loc[("11.01.01.2001", "KES03"), "ganda_berbeda"]
    agg = aggregate(v.reset_index(), WIL, "kecamatan", cat).set_index("indikator")
    assert (agg.loc["KES02", "pembilang"], agg.loc["KES02", "n_desa_data"]) == (5, 1)
    from p3pd_lib.classify import traffic_light

    shown = traffic_light(v.reset_index(), cat).set_index(["kode_desa", "indikator"])
    assert shown.loc[("11.01.01.2001", "KES02"), "label_kelas"] == "Data ganda tidak sama"
    assert shown.loc[("11.01.01.2001", "KES02"), "kelas"] == "abu"


def test_n_desa_data_never_exceeds_n_desa_even_with_repeated_value_rows(cat):
    lay = layanan([{"kode_desa": "11.01.01.2001", "tahun": 2024, "persalinan_faskes": 5, "persalinan": 10}])
    v = desa_values(lay, cat)
    twice = pd.concat([v, v], ignore_index=True)  # a caller stacking the same values twice
    agg = aggregate(twice, WIL, "kecamatan", cat)
    row = agg[agg.indikator == "KES04"].iloc[0]
    assert row["n_desa_data"] == 1 <= row["n_desa"]


def test_rate_above_100_is_capped_flagged_and_raw_kept_also_in_totals(cat):
    lay = layanan([{"kode_desa": "11.01.01.2001", "tahun": 2024, "rt_air_layak": 230, "rumah_tangga": 200}])
    v = desa_values(lay, cat)
    air = v[v.indikator == "AIR01"].iloc[0]
    assert (air["nilai"], air["nilai_mentah"], bool(air["pembilang_melebihi"])) == (100.0, 115.0, True)
    agg = aggregate(v, WIL, "kabupaten", cat)
    tot = agg[agg.indikator == "AIR01"].iloc[0]
    assert (tot["nilai"], tot["nilai_mentah"], bool(tot["pembilang_melebihi"])) == (100.0, 115.0, True)


def test_every_value_carries_its_unit(cat):
    v = desa_values(layanan([{"kode_desa": "11.01.01.2001", "tahun": 2024}]), cat)
    units = cat.frame.set_index("id")["satuan"]
    assert v["satuan"].notna().all()
    assert (v["satuan"].to_numpy() == v["indikator"].map(units).to_numpy()).all()
    assert set(aggregate(v, WIL, "kecamatan", cat)["satuan"]) <= set(units)


def test_n_desa_counts_desa_and_kelurahan_of_the_region(cat):
    wil = WIL.copy()
    wil.loc[wil.kode_desa == "11.01.01.2003", "jenis"] = "kelurahan"
    lay = layanan([{"kode_desa": "11.01.01.2003", "tahun": 2024, "bayi_idl": 9, "bayi_sasaran": 10}])
    agg = aggregate(desa_values(lay, cat), wil, "kecamatan", cat)
    row = agg[agg.indikator == "KES02"].iloc[0]
    # Service indicators keep kelurahan (DOMAIN §2): n_desa counts desa/kelurahan, and says so.
    assert (row["n_desa"], row["n_desa_data"]) == (3, 1)
    from p3pd_lib.analysis import LABELS

    assert LABELS["n_desa"] == "Jumlah desa/kelurahan" and "kelurahan" in LABELS["n_desa_data"]
