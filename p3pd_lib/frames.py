"""Small pandas helpers shared by the analysis modules.

The input check every analysis function starts with, and what pandas itself does slowly
on the kit's tables, each behind one plain function with the reason in its docstring.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import DataError


def require_columns(df: Any, columns: Iterable[str], what: str, error: type[Exception] = DataError) -> None:
    """Raise ``error`` with an Indonesian message naming ``what`` unless ``df`` is a DataFrame with ``columns``.

    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], "Tabel x")
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.DataError: Tabel x tidak memuat kolom: b.
    """
    if not isinstance(df, pd.DataFrame):
        raise error(f"{what} harus berupa tabel (DataFrame).")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise error(f"{what} tidak memuat kolom: {', '.join(missing)}.")


def isin(values: pd.Series, allowed: Iterable) -> pd.Series:
    """``values.isin(allowed)`` as a boolean Series (missing values are never in).

    Why not ``Series.isin``: in pandas 3.1 a text column (``str``, Arrow-backed) turns
    every element of ``allowed`` into a pyarrow scalar in a Python loop, so checking
    400,000 desa codes against the 84,000 official ones takes about 0.8 s instead of
    0.06 s. Here the lookup set goes to ``pyarrow.compute.is_in`` in one call; other
    dtypes use ``Series.isin`` unchanged.

    >>> isin(pd.Series(["33.07.01.2001", "99.99", None], dtype="str"), ["33.07.01.2001"]).tolist()
    [True, False, False]
    """
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        lookup = pd.Series(list(allowed) if not isinstance(allowed, (pd.Series, pd.Index, np.ndarray)) else allowed)
        lookup = lookup.dropna().astype("str").unique()
        mask = pc.is_in(pa.array(values, type=pa.large_string()),
                        value_set=pa.array(lookup, type=pa.large_string()))
        return pd.Series(np.asarray(mask.fill_null(False), dtype=bool), index=values.index)
    return (values.isin(allowed).fillna(False) & values.notna()).astype(bool)
