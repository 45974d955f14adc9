"""Completeness and amount checks of p3pd_lib.quality against a second formulation (pandas merges),
on random tables, value for value."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from p3pd_lib import quality as q


# --------------------------------------------------------------------------- completeness


def reference_completeness(layanan: pd.DataFrame, cat: pd.DataFrame, wilayah: pd.DataFrame | None):
    """Completeness table and non-reporting desa by pandas merges (the formulation of the contract)."""
    key = layanan.assign(kode_desa=layanan["kode_desa"].str.strip()).drop_duplicates(["kode_desa", "tahun"])
    key = key.assign(kode_kecamatan=key["kode_desa"].str[:8])
    active = key[["kode_kecamatan", "tahun"]].drop_duplicates()
    members = key[["kode_desa", "kode_kecamatan"]].drop_duplicates("kode_desa")
    if wilayah is not None:
        w = wilayah[wilayah["jenis"] != "kelurahan"]
        w = w[w["kode_kecamatan"].isin(set(active["kode_kecamatan"]))][["kode_desa", "kode_kecamatan"]]
        members = members[members["kode_desa"].isin(set(wilayah["kode_desa"]))]
        members = pd.concat([members, w], ignore_index=True).drop_duplicates("kode_desa")
    expected = members.merge(active, on="kode_kecamatan")
    rows = []
    for (kec, year), grp in key.groupby(["kode_kecamatan", "tahun"]):
        exp = expected[(expected["kode_kecamatan"] == kec) & (expected["tahun"] == year)]
        for ind, num, den in zip(cat["id"], cat["pembilang"], cat["penyebut"]):
            ok = grp[num].notna() & grp[den].notna() & grp["kode_desa"].isin(set(expected["kode_desa"]))
            rows.append((kec, year, ind, len(exp) or None, int(ok.sum())))
    table = pd.DataFrame(rows, columns=["kode_kecamatan", "tahun", "indikator", "n_desa", "n_lapor"])
    missing = expected.merge(key[["kode_desa", "tahun"]], how="left", indicator=True)
    missing = missing[missing["_merge"] == "left_only"].sort_values(["kode_desa", "tahun"])
    return table, list(zip(missing["kode_desa"], missing["tahun"]))


CAT = pd.DataFrame({"id": ["B02", "A01"], "sektor": ["KES", "KES"],
                    "pembilang": ["balita_stunting", "peserta_jkn"], "penyebut": ["balita_diukur", "penduduk"]})
CODES = ["11.01.01.2001", "11.01.01.2002", " 11.01.01.2003", "11.01.01.1004", "11.01.02.2001", "11.02.01.2001",
         "11.02.01.2099"]  # 2003 with a stray space; 1004 a kelurahan; 11.02.01.2099 not in the region table
WILAYAH = pd.DataFrame({
    "kode_desa": ["11.01.01.2001", "11.01.01.2002", "11.01.01.2003", "11.01.01.1004", "11.01.01.2005",
                  "11.01.02.2001", "11.01.02.2002", "11.02.01.2001", "11.03.01.2001"],
    "jenis": ["desa", "desa", "desa", "kelurahan", "desa", "desa", "desa", "desa", "desa"],
    "kode_kecamatan": ["11.01.01"] * 5 + ["11.01.02"] * 2 + ["11.02.01", "11.03.01"],
}).astype("string")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CODES), st.integers(2021, 2024), st.booleans(), st.booleans(),
                          st.booleans()), min_size=1, max_size=25),
       st.booleans())
def test_completeness_matches_the_merge_formulation(rows, with_wilayah):
    layanan = pd.DataFrame({
        "kode_desa": pd.array([r[0] for r in rows], dtype="string"),
        "tahun": pd.array([r[1] for r in rows], dtype="Int64"),
        "balita_stunting": pd.array([3 if r[2] else None for r in rows], dtype="Int64"),
        "balita_diukur": pd.array([40 if r[3] else None for r in rows], dtype="Int64"),
        "peserta_jkn": pd.array([50 if r[4] else None for r in rows], dtype="Int64"),
        "penduduk": pd.array([900] * len(rows), dtype="Int64"),
    })
    wilayah = WILAYAH if with_wilayah else None
    table = q.completeness_table(layanan, CAT, wilayah=wilayah)
    ref, ref_missing = reference_completeness(layanan, CAT, wilayah)
    ref = ref.sort_values(["kode_kecamatan", "tahun", "indikator"]).reset_index(drop=True)
    assert table["kode_kecamatan"].tolist() == ref["kode_kecamatan"].tolist()
    assert table["tahun"].tolist() == ref["tahun"].tolist()
    assert table["indikator"].tolist() == ref["indikator"].tolist()
    assert [None if pd.isna(x) else int(x) for x in table["n_desa"]] == \
        [None if pd.isna(x) else int(x) for x in ref["n_desa"]]
    assert table["n_lapor"].tolist() == ref["n_lapor"].tolist()
    found = q.check_completeness(layanan, CAT, wilayah=wilayah, params=q.QualityParams())
    missing = found[found["aturan"] == "desa_tidak_melapor"]
    assert list(zip(missing["kode_desa"], missing["tahun"])) == ref_missing


def test_completeness_table_example():
    layanan = pd.DataFrame({
        "kode_desa": ["11.01.01.2002", "11.01.01.2001", "11.01.01.2001"], "tahun": [2024, 2024, 2023],
        "balita_stunting": [1, None, 2], "balita_diukur": [10, 10, 10], "peserta_jkn": [5, 5, 5],
        "penduduk": [100, 100, None],
    }).astype({"balita_stunting": "Int64", "penduduk": "Int64"})
    t = q.completeness_table(layanan, CAT, wilayah=WILAYAH)
    # 11.01.01 expects 2001, 2002, 2003 and 2005 (not the kelurahan): n_desa = 4 in both years
    assert t[["tahun", "indikator", "n_desa", "n_lapor"]].values.tolist() == [
        [2023, "A01", 4, 0], [2023, "B02", 4, 1], [2024, "A01", 4, 2], [2024, "B02", 4, 1]]
    assert t["porsi"].tolist() == [0.0, 0.25, 0.5, 0.25]
    assert str(t["porsi"].dtype) == "Float64" and str(t["kode_kecamatan"].dtype) == "string"


def test_negative_amount_without_missing_values_is_reported_and_input_unchanged():
    # A Float64 column without missing values converts to an array sharing the table's memory:
    # the checks must neither write into it nor lose the negative amount.
    apbdes = pd.DataFrame({
        "kode_desa": ["11.01.01.2001", "11.01.01.2001"], "tahun": pd.array([2024, 2024], dtype="Int64"),
        "kode_rekening": ["4.1.1", "5.1.1"], "anggaran": pd.array([100.0, 100.0], dtype="Float64"),
        "realisasi": pd.array([0.0, -5.0], dtype="Float64"),
    })
    before = apbdes.copy()
    found = q.run_checks({"apbdes": apbdes}, CAT, official_codes=["11.01.01.2001"], params=q.QualityParams())
    pd.testing.assert_frame_equal(apbdes, before)
    negative = found[found["aturan"] == "nilai_negatif"]
    assert negative[["kolom", "nilai"]].values.tolist() == [["realisasi", "-5"]]
    totals = pd.DataFrame({"kode_desa": ["11.01.01.2001"], "tahun": [2024], "jenis": ["belanja"],
                           "total": pd.array([-1.0], dtype="Float64")})
    totals_before = totals.copy()
    q.check_budget_totals(apbdes, totals, params=q.QualityParams())
    pd.testing.assert_frame_equal(totals, totals_before)
