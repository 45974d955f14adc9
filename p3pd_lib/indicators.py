"""Basic-service indicators: the catalogue, per-desa values and Σ/Σ aggregation.

The catalogue (``parameters/indikator.yaml``) is data that non-coders may edit;
:func:`load_catalogue` validates it and returns a :class:`Catalogue` whose
``.frame`` is a tidy table, one row per indicator. Every function that takes a
catalogue also accepts that frame directly.

Rules (DOMAIN.md §4):

- a value is ``pembilang * faktor / penyebut``; a missing count is never read
  as zero, a zero, negative or missing denominator (or a negative numerator)
  gives no value (``<NA>``);
- a denominator below the indicator's ``min_penyebut`` is *unstable*
  (``stabil`` False): the value is kept but classified grey, not red;
- a numerator above its denominator is flagged (``pembilang_melebihi``) and
  the value is **not** capped at 100;
- aggregates are Σpembilang / Σpenyebut over the desa rows that have both
  counts and a positive denominator — never a mean of village percentages.

>>> cat = load_catalogue()
>>> cat.frame.loc[cat.frame["id"] == "KES01", ["arah", "target", "tag_target"]].values.tolist()
[['lower', 14.0, 'sourced']]
>>> cat.sektor_label["AIR"]
'Air bersih & Sanitasi'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from . import paths
from .errors import DataError, ParameterError
from .schemas import LAYANAN, SEKTOR_LAYANAN

CATALOGUE_FILE = "indikator.yaml"
ARAH = ("higher", "lower")
TAG_TARGET = ("sourced", "proposed")
TINGKAT = ("desa", "kecamatan", "kabupaten", "provinsi")

_ID_PATTERN = re.compile(r"^[A-Z]{2,5}\d{2}$")
_REQUIRED = ("id", "sektor", "nama", "name_en", "pembilang", "penyebut", "arah")
_OPTIONAL = ("faktor", "satuan", "target", "sumber_target", "tag_target", "min_penyebut", "keterangan")
_KEY_COLUMNS = ("kode_desa", "tahun")

#: Columns of :attr:`Catalogue.frame`, in order.
CATALOGUE_COLUMNS = (
    "id", "sektor", "label_sektor", "nama", "name_en", "pembilang", "penyebut", "faktor",
    "arah", "target", "sumber_target", "tag_target", "min_penyebut", "keterangan",
)
#: Columns of :func:`desa_values`, in order.
VALUE_COLUMNS = (
    "kode_desa", "tahun", "indikator", "sektor", "pembilang", "penyebut", "nilai",
    "stabil", "pembilang_melebihi",
)
#: Columns of :func:`aggregate`, in order.
AGGREGATE_COLUMNS = (
    "kode_wilayah", "nama_wilayah", "tingkat", "tahun", "indikator", "sektor", "pembilang",
    "penyebut", "nilai", "stabil", "pembilang_melebihi", "n_desa", "n_desa_data",
)


@dataclass(frozen=True)
class Catalogue:
    """The validated indicator catalogue.

    ``frame`` holds one row per indicator in file order with the columns
    :data:`CATALOGUE_COLUMNS`: ``faktor`` and ``target`` are ``Float64``
    (target ``<NA>`` when there is none), ``min_penyebut`` is ``Int64`` and
    ``label_sektor`` is the Indonesian sector name. ``sektor_label`` maps the
    sector code to that name, in display order.
    """

    frame: pd.DataFrame
    sektor_label: dict[str, str]
    source: Path | None = field(default=None, compare=False)

    @property
    def ids(self) -> list[str]:
        """Indicator ids in catalogue order."""
        return self.frame["id"].tolist()

    def get(self, indikator: str) -> dict[str, Any]:
        """One indicator's entry as a dict (``ParameterError`` if unknown)."""
        rows = self.frame[self.frame["id"] == indikator]
        if rows.empty:
            raise ParameterError(
                f"Indikator '{indikator}' tidak ada dalam katalog. Yang tersedia: {', '.join(self.ids)}."
            )
        return rows.iloc[0].to_dict()

    def __len__(self) -> int:
        return len(self.frame)


# --------------------------------------------------------------------------- catalogue


def _read_yaml(path: Path, what: str) -> Any:
    if not path.exists():
        raise ParameterError(f"Berkas {what} tidak ditemukan: {path}")
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise ParameterError(f"Berkas {what} ({path.name}) bukan YAML yang sah: {exc}") from None


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _check_entry(i: int, entry: Any, sektor_label: Mapping[str, str], default_min: int | None) -> dict[str, Any]:
    where = f"Katalog indikator, entri ke-{i + 1}"
    if not isinstance(entry, Mapping):
        raise ParameterError(f"{where}: harus berupa daftar isian (id, sektor, nama, …).")
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID_PATTERN.match(ident):
        raise ParameterError(
            f"{where}: isian 'id' harus berupa kode seperti KES01 (huruf besar lalu dua angka), bukan {ident!r}."
        )
    where = f"Katalog indikator, indikator {ident}"
    unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ParameterError(
            f"{where}: isian tidak dikenal: {', '.join(map(str, unknown))}. "
            f"Isian yang dikenal: {', '.join(_REQUIRED + _OPTIONAL)}."
        )
    for key in _REQUIRED:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ParameterError(f"{where}: isian '{key}' wajib diisi dengan teks.")
    if entry["sektor"] not in sektor_label:
        raise ParameterError(
            f"{where}: isian 'sektor' bernilai '{entry['sektor']}', harus salah satu dari {', '.join(sektor_label)}."
        )
    counts = [c for c in LAYANAN.names if c not in _KEY_COLUMNS]
    for key in ("pembilang", "penyebut"):
        if entry[key] not in counts:
            raise ParameterError(
                f"{where}: isian '{key}' menyebut kolom '{entry[key]}' yang tidak ada pada tabel layanan."
            )
    if entry["pembilang"] == entry["penyebut"]:
        raise ParameterError(f"{where}: isian 'pembilang' dan 'penyebut' tidak boleh kolom yang sama.")
    if entry["arah"] not in ARAH:
        raise ParameterError(
            f"{where}: isian 'arah' bernilai '{entry['arah']}', harus 'higher' (makin tinggi makin baik) "
            "atau 'lower' (makin rendah makin baik)."
        )
    faktor = entry.get("faktor", 100)
    if not _is_number(faktor) or faktor <= 0:
        raise ParameterError(f"{where}: isian 'faktor' harus angka positif, bukan {faktor!r}.")
    target = entry.get("target")
    sumber = entry.get("sumber_target")
    tag = entry.get("tag_target")
    if target is not None:
        if not _is_number(target):
            raise ParameterError(f"{where}: isian 'target' harus angka atau null, bukan {target!r}.")
        if not 0 <= target <= faktor:
            raise ParameterError(f"{where}: isian 'target' ({target}) harus di antara 0 dan {faktor}.")
        if not isinstance(sumber, str) or not sumber.strip():
            raise ParameterError(
                f"{where}: isian 'sumber_target' wajib diisi bila ada target (setiap target harus menyebut sumbernya)."
            )
        if tag not in TAG_TARGET:
            raise ParameterError(
                f"{where}: isian 'tag_target' bernilai {tag!r}, harus 'sourced' (dari sumber resmi) "
                "atau 'proposed' (usulan kit) bila ada target."
            )
    else:
        if tag is not None:
            raise ParameterError(f"{where}: isian 'tag_target' hanya boleh diisi bila ada target.")
        if sumber is not None and not isinstance(sumber, str):
            raise ParameterError(f"{where}: isian 'sumber_target' harus teks.")
    min_pen = entry.get("min_penyebut", default_min)
    if min_pen is None:
        raise ParameterError(f"{where}: isian 'min_penyebut' tidak ada dan tidak ada nilai bawaan.")
    if not isinstance(min_pen, int) or isinstance(min_pen, bool) or min_pen < 1:
        raise ParameterError(f"{where}: isian 'min_penyebut' harus bilangan bulat ≥ 1, bukan {min_pen!r}.")
    ket = entry.get("keterangan")
    if ket is not None and not isinstance(ket, str):
        raise ParameterError(f"{where}: isian 'keterangan' harus teks.")
    return {
        "id": ident,
        "sektor": entry["sektor"],
        "label_sektor": sektor_label[entry["sektor"]],
        "nama": entry["nama"].strip(),
        "name_en": entry["name_en"].strip(),
        "pembilang": entry["pembilang"],
        "penyebut": entry["penyebut"],
        "faktor": float(faktor),
        "arah": entry["arah"],
        "target": float(target) if target is not None else None,
        "sumber_target": sumber.strip() if isinstance(sumber, str) and sumber.strip() else None,
        "tag_target": tag,
        "min_penyebut": min_pen,
        "keterangan": ket,
    }


def catalogue_from_dict(data: Any, source: Path | None = None, min_penyebut_bawaan: int | None = None) -> Catalogue:
    """Validate an already-parsed catalogue (the YAML's content) and build a :class:`Catalogue`.

    ``min_penyebut_bawaan`` is used for entries without ``min_penyebut``; when
    ``None`` and needed, it is read from ``parameters/klasifikasi.yaml``.
    Raises :class:`~p3pd_lib.errors.ParameterError` naming the entry and field.

    >>> catalogue_from_dict({"sektor": {"KES": "Kesehatan"}, "indikator": [
    ...     {"id": "KES01", "sektor": "KES", "nama": "x", "name_en": "x", "pembilang": "balita_stunting",
    ...      "penyebut": "balita_diukur", "arah": "lower", "target": 14}]}, min_penyebut_bawaan=10)
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Katalog indikator, indikator KES01: isian 'sumber_target' wajib diisi bila ada target (setiap target harus menyebut sumbernya).
    """
    if not isinstance(data, Mapping) or "indikator" not in data or "sektor" not in data:
        raise ParameterError("Katalog indikator harus berisi bagian 'sektor' dan 'indikator'.")
    sektor_label = data["sektor"]
    if not isinstance(sektor_label, Mapping) or not sektor_label:
        raise ParameterError("Katalog indikator: bagian 'sektor' harus berisi kode sektor dan namanya.")
    for code, label in sektor_label.items():
        if code not in SEKTOR_LAYANAN:
            raise ParameterError(
                f"Katalog indikator: sektor '{code}' tidak dikenal; harus salah satu dari {', '.join(SEKTOR_LAYANAN)}."
            )
        if not isinstance(label, str) or not label.strip():
            raise ParameterError(f"Katalog indikator: sektor '{code}' harus mempunyai nama.")
    entries = data["indikator"]
    if not isinstance(entries, list) or not entries:
        raise ParameterError("Katalog indikator: bagian 'indikator' harus berupa daftar yang tidak kosong.")
    if min_penyebut_bawaan is None and any(isinstance(e, Mapping) and "min_penyebut" not in e for e in entries):
        from .classify import load_parameters  # lazy: classify imports this module

        min_penyebut_bawaan = load_parameters().min_penyebut_bawaan
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        row = _check_entry(i, entry, sektor_label, min_penyebut_bawaan)
        if row["id"] in seen:
            raise ParameterError(f"Katalog indikator, indikator {row['id']}: isian 'id' ganda (muncul lebih dari sekali).")
        seen.add(row["id"])
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(CATALOGUE_COLUMNS))
    frame = frame.astype(
        {
            **{c: "string" for c in ("id", "sektor", "label_sektor", "nama", "name_en", "pembilang", "penyebut",
                                     "arah", "sumber_target", "tag_target", "keterangan")},
            "faktor": "Float64",
            "target": "Float64",
            "min_penyebut": "Int64",
        }
    )
    return Catalogue(frame=frame, sektor_label={str(k): str(v) for k, v in sektor_label.items()}, source=source)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate the indicator catalogue (default ``parameters/indikator.yaml``).

    Returns a :class:`Catalogue`; its ``.frame`` has one row per indicator
    (columns :data:`CATALOGUE_COLUMNS`) and ``.sektor_label`` maps PEND/KES/
    AIR/SOS/ADM to Pendidikan, Kesehatan, … Raises
    :class:`~p3pd_lib.errors.ParameterError` with an Indonesian message naming
    the indicator and the field at fault (unknown column, target without
    source, bad direction, duplicate id, …).

    >>> len(load_catalogue())
    17
    """
    p = Path(path) if path is not None else paths.parameter_file(CATALOGUE_FILE)
    return catalogue_from_dict(_read_yaml(p, "katalog indikator"), source=p)


def catalogue_frame(catalogue: Catalogue | pd.DataFrame) -> pd.DataFrame:
    """The catalogue as a frame, whether given a :class:`Catalogue` or its ``.frame``."""
    if isinstance(catalogue, Catalogue):
        return catalogue.frame
    if isinstance(catalogue, pd.DataFrame):
        missing = [c for c in ("id", "sektor", "pembilang", "penyebut", "faktor", "arah", "target",
                               "min_penyebut") if c not in catalogue.columns]
        if missing:
            raise ParameterError(f"Tabel katalog tidak lengkap; kolom yang hilang: {', '.join(missing)}.")
        return catalogue
    raise ParameterError("Katalog harus berupa hasil load_catalogue() atau tabelnya (.frame).")


# --------------------------------------------------------------------------- fast helpers
# Two million rows of string codes are slow through numpy object arrays; these helpers keep
# codes in Arrow (pandas' own string storage) and work on integer codes. Shared with classify.
# At two million rows every pass over the data counts, and a fresh array costs about as much
# as the arithmetic that fills it: the helpers below avoid temporary copies where they can.


from .textcodes import _TEXT_CODES, _appearance_order, _arrow_of, _remember, _text_codes  # noqa: E402,F401 (shared helpers)


def _arrow_str(s: pd.Series) -> pa.ChunkedArray:
    """A string column as an Arrow ``large_string`` chunked array (zero-copy for pandas strings)."""
    dtype = s.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        s = s.astype("string[pyarrow]")
    ca = s.array.__arrow_array__()
    if isinstance(ca, pa.Array):
        ca = pa.chunked_array([ca])
    return ca if ca.type == pa.large_string() else ca.cast(pa.large_string())


def _codes_lut(s: pd.Series, uniques: Sequence[str] | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, lut)`` with ``lut[codes]`` the position of each value of ``s`` in ``uniques``.

    Positions as :func:`_codes_in` gives them. For the kit's Arrow text columns
    ``codes`` are the column's cached codes and ``lut`` has one entry per distinct
    value plus a last one for missing cells (code −1), so a caller can map the
    few distinct values further (desa → kecamatan) before touching every row.
    """
    if _arrow_of(s) is not None:
        # Through the column's distinct values (cached): no pass over every cell's text.
        codes, distinct = _text_codes(s)
        wanted = uniques.to_pylist() if isinstance(uniques, (pa.Array, pa.ChunkedArray)) else [str(u) for u in uniques]
        lut = np.empty(len(distinct) + 1, dtype=np.int64)
        index = pd.Index(wanted, dtype=object)
        if index.is_unique:
            # A hash lookup in C instead of a Python dict over tens of thousands of desa codes.
            lut[:-1] = index.get_indexer(pd.Index(distinct, dtype=object))
        else:
            where = {u: i for i, u in reversed(list(enumerate(wanted)))}  # first position wins, as index_in
            lut[:-1] = [where.get(u, -1) for u in distinct]
        # The last slot serves missing cells: like index_in, they match a missing value in ``uniques``.
        lut[-1] = wanted.index(None) if None in wanted else -1
        return codes, lut
    vs = uniques if isinstance(uniques, pa.Array) else pa.array([str(u) for u in uniques], type=pa.large_string())
    if vs.type != pa.large_string():
        vs = vs.cast(pa.large_string())
    idx = pc.index_in(_arrow_str(s), value_set=vs)
    positions = np.asarray(pc.fill_null(idx, -1).to_numpy(), dtype=np.int64)
    identity = np.append(np.arange(len(vs), dtype=np.int64), -1)  # position −1 stays −1
    return positions, identity


def _codes_in(s: pd.Series, uniques: Sequence[str] | pa.Array) -> np.ndarray:
    """Position of each value of ``s`` in ``uniques`` (int64, −1 for missing or unknown)."""
    codes, lut = _codes_lut(s, uniques)
    return np.take(lut, codes)  # np.take: several times faster than fancy indexing by int32 codes


def _first_appearance(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes of integer keys in ``[0, space)`` numbered by first appearance, and each code's first row.

    The codes ``pd.factorize`` gives, through a table of ``space`` slots instead
    of a hash table: several times faster when the keys are dense (region × year
    keys, years).

    >>> codes, first = _first_appearance(np.array([5, 2, 5, 0]), 6)
    >>> codes.tolist(), first.tolist()
    ([0, 1, 0, 2], [0, 1, 3])
    """
    n = len(key)
    period = _period(key)
    if period:
        # The keys repeat with this period (a long table with one block of rows per indicator):
        # number one period and repeat its codes; every key appears first in the first period.
        codes, first = _first_appearance(key[:period], space)
        return np.resize(codes, n), first
    if space <= 64:
        # A handful of values (years): each one's first row, looked for in the first rows
        # before the whole array.
        present = np.flatnonzero(np.bincount(key, minlength=space))
        first_at = np.full(space, n, dtype=np.int64)
        head = key[:4096]
        for value in present.tolist():
            hits = np.flatnonzero(head == value)
            first_at[value] = hits[0] if len(hits) else int(np.argmax(key == value))
        order = present[np.argsort(first_at[present], kind="stable")]
        first = first_at[order]
    else:
        order, first = _appearance_order(key, space)
    code_of = np.empty(space, dtype=np.int64)  # only the slots of present keys are ever read
    code_of[order] = np.arange(len(order), dtype=np.int64)
    return np.take(code_of, key), first


def _period(key: np.ndarray) -> int:
    """The period ``p`` (``0 < p ≤ len / 2``) when ``key[i] == key[i + p]`` for every ``i``, else 0.

    The candidate is the first recurrence of the first key; a short comparison
    rejects non-periodic keys before the full one.

    >>> _period(np.array([3, 1, 2, 3, 1, 2, 3])), _period(np.array([3, 1, 3, 2]))
    (3, 0)
    """
    n = len(key)
    if n < 4:
        return 0
    p = int(np.argmax(key[1:n // 2 + 1] == key[0])) + 1
    if p > n // 2 or key[p] != key[0]:
        return 0
    probe = min(n - p, 1024)
    if not np.array_equal(key[p:p + probe], key[:probe]):
        return 0
    return p if np.array_equal(key[p:], key[:-p]) else 0


def _dense_enough(space: int, n: int) -> bool:
    """Whether a table of ``space`` slots is cheaper than hashing ``n`` keys."""
    return space <= 4 * n + 65_536


def _int_offsets(s: pd.Series) -> tuple[np.ndarray, int, np.ndarray | None] | None:
    """An integer column as offsets from its smallest value: ``(offsets, span, missing mask or None)``.

    Offsets are a new int64 array in ``[0, span)`` (0 where missing). ``None``
    when ``s`` is not of an integer dtype, is empty or all missing, or its values
    are too spread out for a table of ``span`` slots.
    """
    dtype = s.dtype
    if not pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype) or not len(s):
        return None
    mask = s.isna().to_numpy(dtype=bool)
    has_missing = bool(mask.any())
    if has_missing and mask.all():
        return None
    data = s.to_numpy(dtype=np.int64, na_value=0) if has_missing else s.to_numpy(dtype=np.int64)
    known = data[~mask] if has_missing else data
    lo, hi = int(known.min()), int(known.max())
    span = hi - lo + 1
    if not _dense_enough(span + 1, len(data)):
        return None
    offsets = data - lo
    if has_missing:
        offsets[mask] = 0
    return offsets, span, mask if has_missing else None


def _factorize_ints(s: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """``pd.factorize(s)`` (codes, −1 for missing; first rows of the uniques) for an integer column.

    Returns ``None`` when ``s`` is not of an integer dtype or its values are too
    spread out for a table; the caller then hashes.
    """
    dense = _int_offsets(s)
    if dense is None:
        return None
    key, span, mask = dense
    if mask is not None:
        key[mask] = span  # one extra slot for missing, removed below
    codes, first = _first_appearance(key, span + 1)
    if mask is not None:
        na_code = codes[int(np.argmax(mask))]
        codes = codes - (codes > na_code)
        codes[mask] = -1
        first = np.delete(first, na_code)
    return codes, first


def _factorize_numeric(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a numeric column as floats: int64 codes (−1 for missing) and float64 uniques."""
    dense = _factorize_ints(s)
    if dense is not None:
        codes, first = dense
        return codes, s.to_numpy(dtype="float64", na_value=np.nan)[first] if len(first) else np.empty(0)
    codes, uniques = pd.factorize(_to_float(s), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype="float64")


def _factorize(s: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes (−1 for missing) and the number of distinct values of one key column."""
    if _arrow_of(s) is not None:
        codes, distinct = _text_codes(s)
        return codes.astype(np.int64), len(distinct)
    if isinstance(s.dtype, pd.StringDtype) or s.dtype == object:
        ca = _arrow_str(s)
        uniq = pc.unique(ca).drop_null()
        return _codes_in(s, uniq), len(uniq)
    dense = _factorize_ints(s)
    if dense is not None:
        return dense[0], len(dense[1])
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), len(uniq)


def _key_codes(s: pd.Series) -> tuple[np.ndarray, int]:
    """Codes in ``[0, card)`` (−1 for missing) that tell the values of one key column apart.

    Unlike :func:`_factorize` the codes need not follow first appearance: an
    integer column with values close together (years) is coded by its offset
    from the smallest value, without any pass to find each value's first row.
    """
    dense = _int_offsets(s)
    if dense is None:
        return _factorize(s)
    codes, span, mask = dense
    if mask is not None:
        codes[mask] = -1
    return codes, span


def _group_ids(df: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Group id per row over ``keys`` (missing is its own value) and each group's first row.

    Groups are numbered in order of first appearance, so outputs keep the input order.
    """
    n = len(df)
    key = np.zeros(n, dtype=np.int64) if not keys else None
    space = 1
    for col in keys:
        codes, card = _key_codes(df[col])
        if key is None:
            key = codes.astype(np.int64)  # always a new array: built on in place below
        else:
            key *= card + 1
            key += codes
        key += 1  # missing (−1) becomes 0
        space *= card + 1
    if _dense_enough(space, n):
        return _first_appearance(key, space)
    gid, uniq = pd.factorize(key)
    gid = np.asarray(gid, dtype=np.int64)
    first = np.empty(len(uniq), dtype=np.int64)
    first[gid[::-1]] = np.arange(n, dtype=np.int64)[::-1]
    return gid, first


#: Shortest run of equal codes that :func:`_str_take` builds once and shares (see there).
_RUN_MIN = 4096
#: Most runs :func:`_str_take` shares; beyond that a plain take is simpler and as fast.
_RUN_MAX = 1024


def _long_runs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Start and length of each run of equal codes, when every run is at least :data:`_RUN_MIN` long.

    ``None`` otherwise; a cheap look at the first :data:`_RUN_MIN` codes rules out
    the usual per-row codes before any pass over the whole array.
    """
    n = len(codes)
    if n < 2 * _RUN_MIN or (codes[:_RUN_MIN] != codes[0]).any():
        return None
    head = codes[:16 * _RUN_MIN]  # runs this long change value at most 16 times in here
    if np.count_nonzero(head[1:] != head[:-1]) > 16:
        return None
    starts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    if len(starts) >= _RUN_MAX:
        return None
    starts = np.concatenate(([0], starts))
    lengths = np.diff(np.append(starts, n))
    return (starts, lengths) if lengths.min() >= _RUN_MIN else None


def _str_take(uniques: Sequence[str | None] | pa.Array, codes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """A pandas ``string`` array with ``uniques[codes]`` (missing where code < 0).

    Codes in a few long runs (per-indicator attributes of the long value table:
    one block of rows per indicator) give a chunked array with one chunk per run,
    chunks of equal value and length being one shared Arrow array: the text of a
    two-million-row column is then written once per distinct run instead of once
    per row. Values are the same either way.
    """
    u = uniques if isinstance(uniques, pa.Array) else pa.array(list(uniques), type=pa.large_string())
    if u.type != pa.large_string():
        u = u.cast(pa.large_string())
    codes = np.asarray(codes)
    if codes.dtype.kind not in "iu":  # Arrow takes any integer width: no widening copy needed
        codes = codes.astype(np.int64)
    runs = _long_runs(codes)
    if runs is not None:
        texts = u.to_pylist()
        shared: dict[tuple[str | None, int], pa.Array] = {}
        chunks = []
        for code, length in zip(codes[runs[0]].tolist(), runs[1].tolist()):
            text = texts[code] if code >= 0 else None
            piece = shared.get((text, length))
            if piece is None:
                piece = pa.repeat(pa.scalar(text, type=pa.large_string()), length)
                shared[(text, length)] = piece
            chunks.append(piece)
        return pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string()))
    missing = codes < 0
    idx = pa.array(codes, mask=missing) if missing.any() else pa.array(codes)
    return pd.arrays.ArrowStringArray(u.take(idx))


def _int_parts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Data (0 where missing) and mask of an ``Int64`` array from floats (NaN → missing)."""
    mask = np.isnan(values)
    with np.errstate(invalid="ignore"):  # NaN has no integer value; those slots are reset to 0 below
        data = values.astype(np.int64)
    np.putmask(data, mask, 0)
    return data, mask


def _int_array(values: np.ndarray) -> pd.arrays.IntegerArray:
    """``Int64`` array from floats (NaN → missing)."""
    return pd.arrays.IntegerArray(*_int_parts(values))


def _float_array(values: np.ndarray) -> pd.arrays.FloatingArray:
    """``Float64`` array from floats (NaN → missing)."""
    values = np.asarray(values, dtype=np.float64)
    mask = np.isnan(values)
    return pd.arrays.FloatingArray(np.where(mask, 0.0, values), mask)


def _is_plain_number(dtype: Any) -> bool:
    """Integer or float dtype (numpy or nullable), not boolean."""
    return (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)) and not (
        pd.api.types.is_bool_dtype(dtype))


def _to_float(s: pd.Series) -> np.ndarray:
    """Numeric column as a new float64 array with NaN for missing (callers may write into it)."""
    if _is_plain_number(s.dtype):
        # Straight to float64: no intermediate Float64 column. copy=True: never a view of ``s``.
        return s.to_numpy(dtype="float64", na_value=np.nan, copy=True)
    if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        s = pd.to_numeric(s, errors="coerce")
    return s.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


# --------------------------------------------------------------------------- values


def _count_array(layanan: pd.DataFrame, column: str) -> np.ndarray:
    """Float array of a count column, NaN for missing; an absent column means not reported."""
    if column not in layanan.columns:
        return np.full(len(layanan), np.nan)
    s = layanan[column]
    if _is_plain_number(s.dtype):
        return s.to_numpy(dtype="float64", na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        try:
            s = pd.to_numeric(s)
        except (TypeError, ValueError):
            raise DataError(
                f"Kolom '{column}' pada tabel layanan harus berisi angka; jalankan pemeriksaan mutu data."
            ) from None
    return s.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def _count_matrix(layanan: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, bool]:
    """Count columns as one (indicator × row) float matrix, and whether every count is a whole number.

    Counts from integer columns (the contract) are whole by construction, which
    spares :func:`_count_array_out` a check over every value. An absent column
    is all missing, hence whole too.
    """
    out = np.empty((len(columns), len(layanan)), dtype=np.float64)
    whole = True
    for j, column in enumerate(columns):
        out[j] = _count_array(layanan, column)
        if column in layanan.columns and not pd.api.types.is_integer_dtype(layanan[column].dtype):
            whole = False
    return out, whole


def _count_array_out(values: np.ndarray, whole: bool = False) -> pd.api.extensions.ExtensionArray:
    """Counts as ``Int64`` when all whole numbers (the contract), else ``Float64`` (never rounded).

    ``whole=True`` says the caller knows every value is whole (integer source columns).
    """
    if whole:
        return _int_array(values)
    finite = values[~np.isnan(values)]
    if np.all(finite == np.round(finite)):
        return _int_array(values)
    return _float_array(values)


def _rates(pemb: np.ndarray, peny: np.ndarray, faktor: np.ndarray | float, min_pen: np.ndarray | float):
    """Vectorised value, stability and overflow flags (NaN-aware, no warnings).

    Works on arrays of any shape; ``faktor`` and ``min_pen`` broadcast (one per row of a matrix).
    """
    # A comparison with NaN is False, so these two tests also exclude missing counts.
    ok = peny > 0
    ok &= pemb >= 0
    nilai = np.full(pemb.shape, np.nan)
    # Multiplying before dividing keeps exact rates exact (7*100/50 == 14.0, 7/50*100 != 14.0),
    # which matters for values that sit exactly on a target.
    np.divide(pemb * faktor, peny, out=nilai, where=ok)
    stabil = peny >= min_pen
    stabil &= ok
    melebihi = pemb > peny
    melebihi &= ok
    return nilai, stabil, melebihi


def desa_values(
    layanan: pd.DataFrame,
    catalogue: Catalogue | pd.DataFrame,
    tahun: int | Sequence[int] | None = None,
) -> pd.DataFrame:
    """Long table of indicator values: one row per ``kode_desa, tahun, indikator``.

    Columns :data:`VALUE_COLUMNS`: ``sektor``, ``pembilang``/``penyebut``
    (``Int64`` counts, ``<NA>`` when not reported), ``nilai`` (``Float64``,
    ``pembilang × faktor / penyebut``; ``<NA>`` when a count is missing, the
    denominator is ≤ 0 or the numerator negative), ``stabil`` (value present and
    denominator ≥ ``min_penyebut``), ``pembilang_melebihi`` (numerator above
    denominator; the value is *not* capped). A count column absent from
    ``layanan`` counts as not reported. ``tahun`` filters one or more years.
    Rows are ordered by indicator (catalogue order), then as in ``layanan``.

    >>> lay = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002"], "tahun": [2024, 2024],
    ...                     "balita_stunting": [7, 3], "balita_diukur": [50, 0]})
    >>> cat = load_catalogue()
    >>> v = desa_values(lay, cat)
    >>> v[v.indikator == "KES01"][["kode_desa", "nilai", "stabil"]].to_string(index=False)
    '    kode_desa  nilai  stabil\\n11.01.01.2001   14.0    True\\n11.01.01.2002   <NA>   False'
    """
    cat = catalogue_frame(catalogue)
    if not isinstance(layanan, pd.DataFrame):
        raise DataError("Tabel layanan harus berupa tabel (DataFrame).")
    missing = [c for c in _KEY_COLUMNS if c not in layanan.columns]
    if missing:
        raise DataError(f"Tabel layanan tidak memiliki kolom kunci: {', '.join(missing)}.")
    if tahun is not None:
        years = [tahun] if isinstance(tahun, (int, np.integer)) else list(tahun)
        layanan = layanan[layanan["tahun"].isin(years)]
    n, k = len(layanan), len(cat)
    # One (indicator × row) matrix per count: the catalogue's factor and minimum broadcast over
    # each indicator's row instead of being repeated two million times; ravel() is the long order.
    pemb, pemb_whole = _count_matrix(layanan, cat["pembilang"].tolist())
    peny, peny_whole = _count_matrix(layanan, cat["penyebut"].tolist())
    faktor = cat["faktor"].to_numpy(dtype="float64")[:, None]
    min_pen = cat["min_penyebut"].to_numpy(dtype="float64", na_value=1.0)[:, None]
    nilai, stabil, melebihi = _rates(pemb, peny, faktor, min_pen)
    kode = _arrow_str(layanan["kode_desa"])
    tahun_data, tahun_mask = _int_parts(_to_float(layanan["tahun"]))  # once per layanan row, then repeated
    ind = np.repeat(np.arange(k, dtype=np.int32), n)
    kode_out = pd.arrays.ArrowStringArray(pa.chunked_array(kode.chunks * k, type=pa.large_string()))
    ids = cat["id"].tolist()
    ind_out = _str_take(ids, ind)
    if n and k and _arrow_of(layanan["kode_desa"]) is not None and cat["id"].is_unique:
        # The codes of the two key columns are known here; later steps group by them.
        d_codes, d_uniq = _text_codes(layanan["kode_desa"])
        _remember(kode_out.__arrow_array__(), np.tile(d_codes, k), d_uniq)
        _remember(ind_out.__arrow_array__(), ind, np.asarray(ids, dtype=object))
    return pd.DataFrame(
        {
            "kode_desa": kode_out,
            "tahun": pd.arrays.IntegerArray(np.tile(tahun_data, k), np.tile(tahun_mask, k)),
            "indikator": ind_out,
            "sektor": _str_take(cat["sektor"].tolist(), ind),
            "pembilang": _count_array_out(pemb.ravel(), pemb_whole),
            "penyebut": _count_array_out(peny.ravel(), peny_whole),
            "nilai": _float_array(nilai.ravel()),
            "stabil": stabil.ravel(),
            "pembilang_melebihi": melebihi.ravel(),
        },
        copy=False,  # every array above is new and only ours: no second copy of two million rows
    )


# --------------------------------------------------------------------------- aggregation


def _level_columns(tingkat: str) -> tuple[str, str]:
    return (f"kode_{tingkat}", f"nama_{tingkat}")


def aggregate(
    values: pd.DataFrame,
    wilayah: pd.DataFrame,
    tingkat: str | Sequence[str],
    catalogue: Catalogue | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Aggregate desa values to ``tingkat`` (desa/kecamatan/kabupaten/provinsi) as Σ/Σ.

    For each region, year and indicator: ``pembilang`` and ``penyebut`` are the
    sums over the desa rows that have **both** counts and a positive
    denominator (so a village reporting only one of the two counts neither adds
    cases without a population nor a population without cases), and ``nilai``
    = Σpembilang × faktor / Σpenyebut (``<NA>`` when no desa contributed).
    ``n_desa`` is the number of desa/kelurahan of the region in ``wilayah``;
    ``n_desa_data`` the number that contributed. ``stabil`` applies the
    indicator's ``min_penyebut`` to Σpenyebut; ``pembilang_melebihi`` flags
    Σpembilang > Σpenyebut. Names come from ``wilayah``. Desa codes absent from
    ``wilayah`` cannot be placed and are left out (the data-quality checks
    report them). A region appears for each year and indicator in which at
    least one of its desa has a row in ``values``; rows are ordered by region
    (in ``wilayah`` order), year (first appearance) and indicator (catalogue
    order).

    ``faktor`` and ``min_penyebut`` come from ``catalogue`` (default: the
    project catalogue). Several levels may be given at once; their tables are
    stacked in the order given. Columns: :data:`AGGREGATE_COLUMNS`.

    >>> wil = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002"], "nama_desa": ["A", "B"],
    ...     "jenis": "desa", "kode_kecamatan": "11.01.01", "nama_kecamatan": "K", "kode_kabupaten": "11.01",
    ...     "nama_kabupaten": "Kab", "kode_provinsi": "11", "nama_provinsi": "Aceh"})
    >>> lay = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002"], "tahun": [2024, 2024],
    ...                     "balita_stunting": [1, 30], "balita_diukur": [10, 100]})
    >>> cat = load_catalogue()
    >>> agg = aggregate(desa_values(lay, cat), wil, "kecamatan", cat)
    >>> agg.loc[agg.indikator == "KES01", ["pembilang", "penyebut", "nilai", "n_desa_data"]].values.tolist()
    [[31, 110, 28.181818181818183, 2]]
    """
    levels = [tingkat] if isinstance(tingkat, str) else list(tingkat)
    bad = [t for t in levels if t not in TINGKAT]
    if bad or not levels:
        raise ParameterError(f"Tingkat '{', '.join(map(str, bad))}' tidak dikenal; pilih dari {', '.join(TINGKAT)}.")
    if not isinstance(values, pd.DataFrame) or not isinstance(wilayah, pd.DataFrame):
        raise DataError("Nilai indikator dan wilayah harus berupa tabel (DataFrame).")
    missing = [c for c in ("kode_desa", "tahun", "indikator", "pembilang", "penyebut") if c not in values.columns]
    if missing:
        raise DataError(f"Tabel nilai indikator tidak memiliki kolom: {', '.join(missing)}.")
    need_wil = sorted({c for t in levels for c in _level_columns(t)} | {"kode_desa"})
    missing = [c for c in need_wil if c not in wilayah.columns]
    if missing:
        raise DataError(f"Tabel wilayah tidak memiliki kolom: {', '.join(missing)}.")
    cat = catalogue_frame(catalogue if catalogue is not None else load_catalogue())
    cat_ids = cat["id"].astype(str).tolist()
    ind = _codes_in(values["indikator"], cat_ids)
    if (ind < 0).any():
        unknown = sorted(set(values["indikator"][ind < 0].dropna().astype(str)))
        if unknown:
            raise ParameterError(f"Indikator tidak ada dalam katalog: {', '.join(unknown)}.")
    faktor_c = cat["faktor"].to_numpy(dtype="float64")
    minpen_c = cat["min_penyebut"].to_numpy(dtype="float64", na_value=1.0)
    sektor_c = cat["sektor"].astype(str).tolist()

    wil = wilayah.drop_duplicates("kode_desa")
    # Desa → wilayah row, kept at the level of the distinct desa codes: each level's region
    # table is composed with it there, so every row is looked up once per level, not twice.
    desa_codes, desa_lut = _codes_lut(values["kode_desa"], _arrow_str(wil["kode_desa"]).combine_chunks())
    pemb = _to_float(values["pembilang"])
    peny = _to_float(values["penyebut"])
    has = peny > 0  # a comparison with NaN is False: this also requires both counts
    has &= pemb >= 0
    # Rows without both counts add nothing to either sum (in place: these arrays are our copies).
    np.putmask(pemb, ~has, 0.0)
    np.putmask(peny, ~has, 0.0)
    year_codes, year_uniques = _factorize_numeric(values["tahun"])
    keep = (year_codes >= 0) & (ind >= 0)  # rows of desa absent from ``wilayah`` drop out per level
    if not keep.all():
        desa_codes, year_codes, ind = desa_codes[keep], year_codes[keep], ind[keep]
        pemb, peny, has = pemb[keep], peny[keep], has[keep]
    n_ind, n_year = len(cat_ids), len(year_uniques)

    def region_of_rows(codes: np.ndarray) -> np.ndarray:
        """Region code of every row for a level's region code per wilayah row (−1: not placed)."""
        return np.take(np.append(codes, -1)[desa_lut], desa_codes)

    # Region code of every wilayah row, per level.
    reg_of_wil = {t: _factorize(wil[_level_columns(t)[0]]) for t in TINGKAT if t in levels}
    order = [t for t in TINGKAT if t in levels]  # finest first
    sums: dict[str, tuple[np.ndarray, ...]] = {}

    def group(reg: np.ndarray, yc: np.ndarray, ic: np.ndarray, n_reg: int, *weights: np.ndarray):
        """Sums of ``weights`` per region × year × indicator; returns (r, y, i, *sums)."""
        key = reg.astype(np.int64, copy=False)  # ``reg`` is always a fresh array: built on in place
        key *= n_year
        key += yc
        key *= n_ind
        key += ic
        space = n_reg * n_year * n_ind
        if space <= 2 * len(key) + 65_536:
            # Small key space (the usual case): sum straight into it and keep the keys present;
            # no renumbering pass over the rows.
            gkeys = np.flatnonzero(np.bincount(key, minlength=space))
            out = [np.bincount(key, weights=w, minlength=space)[gkeys] for w in weights]
        else:
            if space <= 50_000_000:
                rows = np.bincount(key, minlength=space)
                gkeys = np.flatnonzero(rows)
                slot = np.full(space, -1, dtype=np.int64)
                slot[gkeys] = np.arange(len(gkeys))
                gid = slot[key]
            else:  # very many regions and years: hash the keys instead of allocating the whole space
                gid, gkeys = pd.factorize(key)
                gkeys = np.asarray(gkeys, dtype=np.int64)
            ng = len(gkeys)
            out = [np.bincount(gid, weights=w, minlength=ng) for w in weights]
        return (gkeys // (n_ind * n_year), (gkeys // n_ind) % n_year, gkeys % n_ind, *out)

    finer: str | None = None
    for level in order:
        codes, n_reg = reg_of_wil[level]
        if finer is not None:
            # Σ is additive: roll the finer level's sums up when every finer region lies in one
            # region of this level (always true for the official list), which avoids a second
            # pass over every desa row.
            f_codes, f_n = reg_of_wil[finer]
            first_f = np.full(f_n, -1, dtype=np.int64)
            ok_f = f_codes >= 0
            first_f[f_codes[ok_f][::-1]] = np.flatnonzero(ok_f)[::-1]
            parent_of_f = codes[first_f[np.maximum(f_codes, 0)]]
            nested = np.array_equal(np.where(ok_f, parent_of_f, -2), np.where(ok_f, codes, -2))
            if nested and not (codes[~ok_f] >= 0).any():
                r_f, y_f, i_f, p_f, q_f, h_f = sums[finer]
                parent = codes[first_f[r_f]]
                use = parent >= 0
                sums[level] = group(parent[use], y_f[use], i_f[use], n_reg, p_f[use], q_f[use], h_f[use])
                finer = level
                continue
        reg = region_of_rows(codes)
        use = reg >= 0
        if use.all():
            sums[level] = group(reg, year_codes, ind, n_reg, pemb, peny, has.astype(np.float64))
        else:
            sums[level] = group(reg[use], year_codes[use], ind[use], n_reg, pemb[use], peny[use],
                                has[use].astype(np.float64))
        finer = level

    frames = []
    for level in levels:
        kcol, ncol = _level_columns(level)
        codes, n_reg = reg_of_wil[level]
        valid = codes >= 0
        first_wil = np.full(n_reg, -1, dtype=np.int64)
        first_wil[codes[valid][::-1]] = np.flatnonzero(valid)[::-1]
        n_desa_reg = np.bincount(codes[valid], minlength=n_reg)
        r, y, i, p, q, h = sums[level]
        h = np.rint(h).astype(np.int64)
        p = np.where(h > 0, p, np.nan)
        q = np.where(h > 0, q, np.nan)
        nilai, stabil, melebihi = _rates(p, q, faktor_c[i], minpen_c[i])
        wrow = first_wil[r]
        ng = len(r)
        frames.append(
            pd.DataFrame(
                {
                    "kode_wilayah": _str_take(_arrow_str(wil[kcol]).combine_chunks(), wrow),
                    "nama_wilayah": _str_take(_arrow_str(wil[ncol]).combine_chunks(), wrow),
                    "tingkat": _str_take([level], np.zeros(ng, dtype=np.int64)),
                    "tahun": _int_array(year_uniques[y]),
                    "indikator": _str_take(cat_ids, i),
                    "sektor": _str_take(sektor_c, i),
                    "pembilang": _count_array_out(p),
                    "penyebut": _count_array_out(q),
                    "nilai": _float_array(nilai),
                    "stabil": stabil,
                    "pembilang_melebihi": melebihi,
                    "n_desa": _int_array(n_desa_reg[r].astype("float64")),
                    "n_desa_data": _int_array(h.astype("float64")),
                },
                copy=False,  # every array above is new and only ours
            )
        )
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
