"""frames.isin gives the same answer as Series.isin, missing never in, for every dtype the kit uses."""

import pandas as pd
import pytest

from p3pd_lib.frames import isin


@pytest.mark.parametrize("dtype", ["str", "string", object, "category"])
def test_isin_matches_pandas(dtype):
    values = pd.Series(["33.07.01.2001", "33.07.01.2002", None, "33.07.01.2001", "x"], dtype=dtype, index=[5, 6, 7, 8, 9])
    allowed = pd.Series(["33.07.01.2001", None, "x", "x"], dtype="str")
    got = isin(values, allowed)
    assert got.tolist() == [True, False, False, True, True]
    assert got.index.tolist() == [5, 6, 7, 8, 9] and got.dtype == bool


def test_isin_takes_lists_sets_and_empty():
    values = pd.Series(["a", "b", None], dtype="str")
    assert isin(values, {"b"}).tolist() == [False, True, False]
    assert isin(values, []).tolist() == [False, False, False]
    assert isin(pd.Series([2022, 2023, None], dtype="Int64"), [2023]).tolist() == [False, True, False]
