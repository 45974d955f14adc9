"""Integer codes of text columns, computed once per column and shared by every function.

The 5-million-line APBDes is grouped by ``kode_desa`` (and by kegiatan and
rekening codes) in nearly every spending and quality function; factorising
those strings each time would cost more than the computations themselves.
:func:`_text_codes` computes the codes of an Arrow-backed text column once and
keeps them for as long as the column's Arrow array lives;
:func:`remember_dictionary` lets the store hand over the codes it already has
from a dictionary-encoded parquet read, so that nothing is factorised at all.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import pandas as pd


# Codes of Arrow-backed text columns, keyed by the identity of the Arrow array. Arrow arrays are
# immutable (writing into a pandas string column replaces its Arrow array), so an entry can never
# describe other values than the array it was computed from; it goes away with that array.
_TEXT_CODES: dict[int, tuple[Any, np.ndarray, np.ndarray]] = {}


def _arrow_of(s: pd.Series) -> Any:
    """The Arrow chunked array behind a pandas Arrow string column, else ``None``."""
    arr = s.array
    if isinstance(arr, pd.arrays.ArrowStringArray) or (
        isinstance(getattr(arr, "dtype", None), pd.ArrowDtype) and "string" in str(arr.dtype)
    ):
        return arr.__arrow_array__()
    return None


def _remember(ca: Any, codes: np.ndarray, uniques: np.ndarray) -> None:
    key = id(ca)
    codes.flags.writeable = False  # shared by every caller: never modified in place
    uniques.flags.writeable = False
    _TEXT_CODES[key] = (weakref.ref(ca, lambda _r, key=key: _TEXT_CODES.pop(key, None)), codes, uniques)


def _appearance_order(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The keys present in ``key`` (integers in ``[0, space)``), in order of first appearance, and their first rows.

    Found without sorting or hashing the rows: one reversed scatter of the row
    numbers leaves each key's first row in its slot; only the present keys are
    sorted. A key of −1 lands in the last slot (numpy's negative index).

    >>> order, first = _appearance_order(np.array([5, 2, 5, 0]), 6)
    >>> order.tolist(), first.tolist()
    ([5, 2, 0], [0, 1, 3])
    """
    n = len(key)
    first_at = np.full(space, n, dtype=np.int64)
    first_at[key[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int64)  # the last write (the first row) wins
    present = np.flatnonzero(first_at < n)
    order = present[np.argsort(first_at[present], kind="stable")]
    return order, first_at[order]


def _first_appearance(raw: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumber codes ``0 <= raw < k`` (−1 = missing) in order of first appearance, unused codes dropped.

    Returns the new ``int32`` codes and, per new code, the old code it stands for.
    """
    order, _ = _appearance_order(raw, k + 1)  # missing (−1) takes the extra last slot
    order = order[order < k]
    new_code = np.full(k + 1, -1, dtype=np.int32)  # last slot: missing stays -1
    new_code[order] = np.arange(len(order), dtype=np.int32)
    return new_code[raw], order


def _text_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer code per row (−1 = missing) and the distinct values (object array) of a text column.

    Like ``pd.factorize`` (codes in order of first appearance), but for the
    kit's Arrow string columns the result is computed once per column and
    reused by every function that groups by it (the 5-million-line APBDes is
    grouped by ``kode_desa`` in nearly every spending and quality function).
    Categoricals are renumbered from their own codes, without hashing a
    string; they are not cached, because pandas may write into a
    Categorical's codes in place. The returned arrays are read-only; codes
    are ``int32`` for Arrow columns and categoricals, ``int64`` otherwise.

    >>> c, u = _text_codes(pd.Series(["b", None, "a", "b"], dtype="string"))
    >>> c.tolist(), u.tolist()
    ([0, -1, 1, 0], ['b', 'a'])
    >>> c, u = _text_codes(pd.Series(["b", None, "a", "b"], dtype="category"))
    >>> c.tolist(), u.tolist()
    ([0, -1, 1, 0], ['b', 'a'])
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        codes, order = _first_appearance(np.asarray(s.cat.codes, dtype=np.int64), len(cats))
        return codes, np.asarray(cats.take(order).astype(object), dtype=object)
    key = _arrow_of(s)
    if key is None:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        return np.asarray(codes, dtype=np.int64), np.asarray(pd.Index(uniques).astype(object), dtype=object)
    hit = _TEXT_CODES.get(id(key))
    if hit is not None and hit[0]() is key:
        return hit[1], hit[2]
    enc = key.dictionary_encode()
    if enc.num_chunks:
        codes = np.concatenate([c.indices.fill_null(-1).to_numpy() for c in enc.chunks]).astype(np.int32)
        uniques = np.asarray(enc.chunk(0).dictionary.to_pylist(), dtype=object)
    else:
        codes, uniques = np.empty(0, dtype=np.int32), np.empty(0, dtype=object)
    _remember(key, codes, uniques)
    return codes, uniques


def remember_dictionary(s: pd.Series, indices: Any, dictionary: Any) -> bool:
    """Record the codes of text column ``s`` from a dictionary encoding of the same values.

    ``indices`` (Arrow integer array, nulls = missing) and ``dictionary``
    (Arrow string array) must encode exactly the values of ``s``, e.g. the
    dictionary-encoded parquet column ``s`` was expanded from. The codes are
    renumbered in order of first appearance and unused dictionary entries are
    dropped, so the result is what :func:`_text_codes` would compute. Returns
    ``False`` (and records nothing) when ``s`` is not an Arrow string column
    or the lengths differ.

    >>> import pyarrow as pa
    >>> s = pd.Series(["b", None, "a", "b"], dtype="string[pyarrow]")
    >>> remember_dictionary(s, pa.array([1, None, 0, 1], pa.int32()), pa.array(["a", "b", "zz"]))
    True
    >>> c, u = _text_codes(s)
    >>> c.tolist(), u.tolist()
    ([0, -1, 1, 0], ['b', 'a'])
    """
    ca = _arrow_of(s)
    if ca is None or len(indices) != len(ca):
        return False
    raw = np.asarray(indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    codes, order = _first_appearance(raw, len(dictionary))
    uniques = np.asarray(dictionary.take(order).to_pylist(), dtype=object) if len(order) else np.empty(0, object)
    _remember(ca, codes, uniques)
    return True


def _str_take(uniques: Any, codes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """A ``string`` array with ``uniques[codes]`` (missing where code < 0).

    Kept only for :mod:`p3pd_lib.belanja` until its plain-pandas rewrite lands
    (branch ``spend``); the module goes with it.
    """
    texts = np.append(np.asarray(list(uniques), dtype=object), None)
    codes = np.asarray(codes)
    return pd.array(texts[np.where(codes < 0, len(texts) - 1, codes)], dtype="string")
