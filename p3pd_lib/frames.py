"""Small pandas helpers shared by the analysis modules.

Only what pandas itself does slowly on the kit's tables lives here, each behind one
plain function with the reason in its docstring.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


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
