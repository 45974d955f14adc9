"""Tests of the vectorised internals of p3pd_lib.quality against plain reference implementations.

The checks compute medians block by block, completeness from integer codes and
duplicate candidates from hashes; these tests compare each with the simple
formulation it replaces (one global sort, pandas merges, exact comparison), on
random tables, value for value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from p3pd_lib import quality as q


def reference_grouped_median(values: np.ndarray, groups: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """The single-sort median over all blocks at once (the formula the block version must reproduce)."""
    ok = ~np.isnan(values)
    v, g = values[ok], groups[ok]
    counts = np.bincount(g, minlength=n_groups)
    med = np.full(n_groups, np.nan)
    if v.size == 0:
        return med, counts
    lo = float(v.min())
    span = float(v.max()) - lo + 1.0
    s = np.sort(g * span + (v - lo))
    start = np.cumsum(counts) - counts
    has = np.flatnonzero(counts > 0)
    med[has] = (s[(start + (counts - 1) // 2)[has]] + s[(start + counts // 2)[has]]) / 2 - has * span + lo
    return med, counts


value = st.one_of(st.just(np.nan), st.just(0.0), st.integers(-50, 400).map(float),
                  st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.data())
def test_block_medians_equal_one_sort_of_all_blocks(m, n_groups, data):
    n = data.draw(st.integers(1, 40))
    groups = np.array(data.draw(st.lists(st.integers(0, n_groups - 1), min_size=n, max_size=n)), dtype=np.int64)
    blocks = [np.array(data.draw(st.lists(value, min_size=n, max_size=n))) for _ in range(m)]
    meds, counts = q._block_medians(blocks, groups, n_groups, [~np.isnan(b) for b in blocks])
    ref_med, ref_n = reference_grouped_median(
        np.concatenate(blocks), (np.arange(m)[:, None] * n_groups + groups[None, :]).ravel(), m * n_groups)
    np.testing.assert_array_equal(np.concatenate(meds), ref_med)
    np.testing.assert_array_equal(np.concatenate(counts), ref_n)


def test_block_medians_small_example():
    # block 0: group 0 = {1, 3, 10} → 3; group 1 = {4, NaN} → 4; block 1: group 0 = {2, 2, 8} → 2, group 1 empty
    groups = np.array([0, 0, 0, 1, 1])
    blocks = [np.array([1.0, 3.0, 10.0, 4.0, np.nan]), np.array([2.0, 8.0, 2.0, np.nan, np.nan])]
    meds, counts = q._block_medians(blocks, groups, 2, [~np.isnan(b) for b in blocks])
    np.testing.assert_allclose(meds[0], [3.0, 4.0])
    assert meds[1][0] == 2.0 and np.isnan(meds[1][1])
    assert [c.tolist() for c in counts] == [[3, 1], [3, 0]]


def test_block_medians_keep_the_sign_of_zero_of_one_sort():
    blocks = [np.array([0.0, 5.0, 7.0]), np.array([-0.0, 1.0, 2.0])]
    groups = np.array([0, 0, 1])
    meds, _ = q._block_medians(blocks, groups, 2, [~np.isnan(b) for b in blocks])
    ref, _ = reference_grouped_median(np.concatenate(blocks), np.array([0, 0, 1, 2, 2, 3]), 4)
    np.testing.assert_array_equal(np.concatenate(meds), ref)
    assert np.signbit(np.concatenate(meds)).tolist() == np.signbit(ref).tolist()


def test_float_bits_equal_for_equal_values():
    neg_nan = -np.float64(np.nan)  # another NaN bit pattern
    a = np.array([np.nan, neg_nan, 0.0, -0.0, 1.5, 1.5, np.inf])
    bits = q._float_bits(a)
    assert bits[0] == bits[1] and bits[2] == bits[3] and bits[4] == bits[5]
    assert len({bits[0], bits[2], bits[4]}) == 3
    assert not np.shares_memory(bits, a) and np.isnan(a[0])  # input untouched


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
