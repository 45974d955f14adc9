"""Cached integer codes of text columns: the codes handed over by the store equal a fresh factorisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from p3pd_lib import store, textcodes


def _fresh(s: pd.Series) -> tuple[list[int], list[str]]:
    codes, uniques = pd.factorize(s.astype(object).where(s.notna(), None), use_na_sentinel=True)
    return codes.tolist(), [str(u) for u in uniques]


def _assert_cached_equals_fresh(df: pd.DataFrame, name: str) -> int:
    checked = 0
    for col in df.columns:
        s = df[col]
        ca = textcodes._arrow_of(s)
        if ca is None:
            continue
        hit = textcodes._TEXT_CODES.get(id(ca))
        assert hit is not None and hit[0]() is ca, f"{name}.{col}: kode tidak diwariskan dari pembacaan"
        codes, uniques = _fresh(s)
        assert hit[1].tolist() == codes, f"{name}.{col}"
        assert hit[2].tolist() == uniques, f"{name}.{col}"
        checked += 1
    return checked


def test_store_reads_hand_over_the_codes_of_every_text_column(demo_store, tmp_path):
    # Row groups of 997 rows: the dictionaries of many row groups are unified on read.
    import shutil

    import pyarrow.parquet as pq

    from p3pd_lib.paths import processed_dir

    shutil.copytree(demo_store, tmp_path, dirs_exist_ok=True)
    path = processed_dir(tmp_path) / "apbdes.parquet"
    pq.write_table(pq.read_table(path), path, row_group_size=997)
    ds = store.load_dataset(tmp_path)
    assert sum(_assert_cached_equals_fresh(df, name) for name, df in ds.tables().items()) >= 10
    sub = store.load_subset("33.07.02", tmp_path)
    assert _assert_cached_equals_fresh(sub.apbdes, "apbdes (sebagian)") >= 4


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "dd", "é"])), max_size=40),
    extra=st.lists(st.sampled_from(["x", "y", "zz"]), max_size=3, unique=True),
    seed=st.integers(0, 1000),
)
def test_remember_dictionary_equals_text_codes(values, extra, seed):
    # Any dictionary order, with unused entries: the codes recorded are those _text_codes computes.
    distinct = sorted({v for v in values if v is not None}) + [e for e in extra if e not in values]
    rng = np.random.default_rng(seed)
    dictionary = list(rng.permutation(distinct)) if distinct else []
    pos = {v: i for i, v in enumerate(dictionary)}
    indices = pa.array([None if v is None else pos[v] for v in values], type=pa.int32())
    s = pd.Series(values, dtype="string[pyarrow]")
    assert textcodes.remember_dictionary(s, indices, pa.array(dictionary, type=pa.string()))
    codes, uniques = textcodes._text_codes(s)
    fresh_codes, fresh_uniques = _fresh(s)
    assert codes.tolist() == fresh_codes and uniques.tolist() == fresh_uniques


def test_remember_dictionary_refuses_a_mismatch():
    s = pd.Series(["a", "b"], dtype="string[pyarrow]")
    assert not textcodes.remember_dictionary(s, pa.array([0], pa.int32()), pa.array(["a"]))
    assert not textcodes.remember_dictionary(pd.Series([1, 2]), pa.array([0, 0], pa.int32()), pa.array(["a"]))
