"""Read and write the canonical tables: the only module doing I/O of the store.

The store is a folder (``data/processed/`` by default, see :mod:`p3pd_lib.paths`)
holding one parquet file per canonical table plus ``meta.json``. The metadata
carries the ``simulasi`` flag (every view of demo data is labelled DATA
SIMULASI) and a fingerprint of the files, so two people can tell whether they
look at the same numbers.

Writes are atomic per store: every file is first written aside (``*.tmp``) and
only then renamed over the old one, so an interrupted or rejected write leaves
the existing data untouched. All files of one write are one commit
(:mod:`p3pd_lib.transaction`: a lock, then a write-ahead journal), also
together with the raw archive and the import history when the importer opens
the transaction; a commit interrupted by a crash is finished or undone the
next time the store is opened.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping

import pandas as pd

from . import __version__
from .paths import processed_dir
from .errors import KitError
from .schemas import REQUIRED_TABLES, TABLES, coerce, empty_frame, validate
from .transaction import StoreBusy, current_path, has_stale_files, needs_recovery, place, store_lock, transaction
from .transaction import recover as _recover_commit

META_FILE = "meta.json"


class StoreError(KitError):
    """The data store is missing or unreadable; the message says what to do (Indonesian)."""


@dataclass(frozen=True)
class Dataset:
    """The canonical tables held together, with the store's metadata.

    Build one in tests straight from DataFrames: ``Dataset(wilayah=..., layanan=...)``;
    missing tables default to empty frames with the declared columns.
    """

    wilayah: pd.DataFrame = field(default_factory=lambda: empty_frame("wilayah"))
    layanan: pd.DataFrame = field(default_factory=lambda: empty_frame("layanan"))
    apbdes: pd.DataFrame = field(default_factory=lambda: empty_frame("apbdes"))
    status_desa: pd.DataFrame = field(default_factory=lambda: empty_frame("status_desa"))
    usulan: pd.DataFrame = field(default_factory=lambda: empty_frame("usulan"))
    idm_rumusan: pd.DataFrame = field(default_factory=lambda: empty_frame("idm_rumusan"))
    meta: Mapping[str, object] = field(default_factory=dict)

    @property
    def simulasi(self) -> bool:
        """True when the data are simulated (demo): every view must say DATA SIMULASI."""
        return bool(self.meta.get("simulasi", False))

    @property
    def fingerprint(self) -> str:
        """Short fingerprint of the data (from the store's metadata, else computed)."""
        fp = self.meta.get("fingerprint")
        return str(fp) if fp else frame_fingerprint(self.tables())

    def table(self, name: str) -> pd.DataFrame:
        """A table by its canonical name."""
        if name not in TABLES:
            raise KeyError(f"Tabel '{name}' tidak dikenal.")
        return getattr(self, name)

    def tables(self) -> dict[str, pd.DataFrame]:
        """All canonical tables by name (optional ones empty when absent)."""
        return {name: getattr(self, name) for name in TABLES}

    def years(self) -> list[int]:
        """Fiscal years present in the service or budget tables, ascending."""
        ys: set[int] = set()
        for name in ("layanan", "apbdes", "status_desa", "usulan"):
            ys.update(int(y) for y in getattr(self, name)["tahun"].dropna().unique())
        return sorted(ys)

    def subset(self, kode: str | Iterable[str]) -> "Dataset":
        """The dataset restricted to one or more regions (province, kabupaten or kecamatan codes).

        Rows whose ``kode_desa`` starts with any of the given dotted codes are kept
        (so codes missing from the official list but under the region stay
        visible to the data-quality checks).
        """
        codes = [kode] if isinstance(kode, str) else list(kode)
        prefixes = tuple(c.strip().rstrip(".") + "." for c in codes)

        def keep(df: pd.DataFrame) -> pd.DataFrame:
            if df.empty:
                return df
            mask = df["kode_desa"].astype("string").str.startswith(prefixes).fillna(False)
            return df.loc[mask.to_numpy(dtype=bool)].reset_index(drop=True)

        return replace(self, **{name: keep(df) for name, df in self.tables().items()})


def frame_fingerprint(tables: Mapping[str, pd.DataFrame]) -> str:
    """A 12-hex-digit fingerprint of table contents (stable across runs)."""
    h = hashlib.sha256()
    for name in sorted(tables):
        df = tables[name]
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
        h.update(",".join(df.columns).encode())
    return h.hexdigest()[:12]


def _path(folder: Path, table: str) -> Path:
    return folder / f"{table}.parquet"


def store_exists(data_dir: str | os.PathLike[str] | None = None) -> bool:
    """Whether a store with all required tables exists under ``data_dir``."""
    folder = processed_dir(data_dir)
    return all(_path(folder, t).exists() for t in REQUIRED_TABLES) and (folder / META_FILE).exists()


def read_meta(data_dir: str | os.PathLike[str] | None = None) -> dict[str, object]:
    """The store's ``meta.json`` (empty dict when absent; the staged one inside a transaction)."""
    path = current_path(processed_dir(data_dir) / META_FILE)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _expand_dictionaries(table: "pa.Table", schema: "pa.Schema") -> pd.DataFrame:
    """``table`` as a DataFrame, dictionary columns expanded to ``schema``'s string type, one chunk each."""
    import pyarrow as pa

    for i, f in enumerate(table.schema):
        column = table.column(i)
        if pa.types.is_dictionary(f.type):
            value_type = schema.field(f.name).type
            if column.num_chunks == 0:
                column = pa.chunked_array([], type=value_type)
            else:
                merged = column.unify_dictionaries().combine_chunks()
                column = pa.chunked_array([merged.dictionary.cast(value_type).take(merged.indices)])
        elif column.num_chunks > 1:
            column = pa.chunked_array([column.combine_chunks()])
        else:
            continue
        table = table.set_column(i, f.name, column)
    return table.to_pandas()


def _read_table(path: Path) -> pd.DataFrame:
    """One parquet file as a DataFrame, text columns as single-chunk Arrow strings.

    Text columns are read dictionary-encoded (the store's codes and names
    repeat a lot, so this is several times cheaper than decoding every cell)
    and then expanded in one ``take``. The result has the same values and
    dtypes as ``pd.read_parquet``; one chunk per column also makes every later
    row selection (``iloc``, boolean masks) much cheaper than on the
    many-chunk arrays a plain read returns.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return _expand_dictionaries(pq.read_table(path, read_dictionary=text or None), schema)


def load_dataset(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    check: bool = False,
) -> Dataset:
    """Load every canonical table of the store: the one way the kit reads data.

    ``check=True`` also validates each table against its schema (slower; the
    store only ever holds validated tables, so views skip it).
    """
    folder = processed_dir(data_dir)
    finish_interrupted_commit(data_dir)
    if not store_exists(data_dir):
        raise StoreError(
            f"Data belum tersedia di '{folder}'. Jalankan 'p3pd demo-data' untuk data simulasi, "
            "atau impor data Anda dengan 'p3pd impor'."
        )
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        path = _path(folder, name)
        if not path.exists():
            tables[name] = empty_frame(name)
            continue
        try:
            df = _read_table(path)
        except Exception as exc:  # corrupt file: say which one
            raise StoreError(f"Berkas '{path}' tidak dapat dibaca: {exc}") from exc
        df = coerce(df, name)
        if check:
            validate(df, name)
        tables[name] = df
    return Dataset(**tables, meta=read_meta(data_dir))


def finish_interrupted_commit(data_dir: str | os.PathLike[str] | None = None, *, clean: bool = True) -> None:
    """Finish a commit that a crash interrupted (its journal is in the store), under the store lock.

    Staged files left by a crash before the journal (``*.tmp``) are removed
    when no writer holds the lock (``clean``; they never affect a read).
    Cheap when there is nothing to do (a ``stat`` and two folder listings). A
    store that cannot be written while a journal waits is reported rather
    than read half-changed.
    """
    journal = needs_recovery(data_dir)
    if not journal and not (clean and has_stale_files(data_dir)):
        return
    try:
        # A journal must be finished before reading; stale staged files are only removed when no writer is busy.
        with store_lock(data_dir, timeout=None if journal else 0):
            _recover_commit(data_dir)
    except StoreBusy:
        if journal:
            raise
    except OSError as exc:
        raise StoreError(f"Penyimpanan data '{processed_dir(data_dir)}' memuat perubahan yang terputus dan tidak "
                         f"dapat diselesaikan ({exc}). Buka dengan izin tulis agar dipulihkan.") from exc


def save_dataset(
    tables: Mapping[str, pd.DataFrame],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    meta: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """Validate and write tables to the store atomically; return the new metadata.

    Only the given tables are replaced; others stay as they are. Every table is
    validated *before* anything is written, so a rejected table leaves the
    store byte-for-byte unchanged. ``meta`` entries are merged into the stored
    metadata; the fingerprint and timestamp are recomputed.
    """
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ValueError(f"Tabel tidak dikenal: {', '.join(sorted(unknown))}.")
    checked = {name: validate(coerce(df, name), name).reset_index(drop=True) for name, df in tables.items()}

    folder = processed_dir(data_dir)
    with transaction(data_dir):
        folder.mkdir(parents=True, exist_ok=True)
        for name, df in checked.items():
            final = _path(folder, name)
            tmp = final.with_suffix(".parquet.tmp")
            # Small row groups: a partial read (one kabupaten) skips all but the few holding its codes.
            df.to_parquet(tmp, index=False, row_group_size=_BATCH_ROWS)
            place(tmp, final)
        new_meta = {**read_meta(data_dir), **(meta or {})}
        current = {}
        for name in TABLES:
            path = current_path(_path(folder, name))
            current[name] = checked[name] if name in checked else (
                coerce(pd.read_parquet(path), name) if path.exists() else empty_frame(name))
        new_meta["fingerprint"] = frame_fingerprint(current)
        new_meta["diperbarui"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        new_meta["versi_kit"] = __version__
        meta_final = folder / META_FILE
        meta_tmp = meta_final.with_suffix(".json.tmp")
        meta_tmp.write_text(json.dumps(new_meta, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        place(meta_tmp, meta_final)
    return new_meta


def save_side_table(df: pd.DataFrame, filename: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write a side table (CSV, e.g. the demo's planted-problem manifest) beside the store, atomically."""
    if "/" in filename or "\\" in filename or not filename.endswith(".csv"):
        raise ValueError(f"Nama berkas tabel pendamping tidak sah: {filename!r} (harus nama .csv tanpa folder).")
    folder = processed_dir(data_dir)
    with transaction(data_dir):
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / filename
        tmp = final.with_suffix(".csv.tmp")
        df.to_csv(tmp, index=False, encoding="utf-8")
        place(tmp, final)
    return final


def read_side_table(filename: str, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame | None:
    """A side table written by :func:`save_side_table` as text columns (``None`` when absent)."""
    path = current_path(processed_dir(data_dir) / filename)
    if not path.exists():
        return None
    return pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])


# --------------------------------------------------------------------------- partial reads
#
# A dashboard kernel must stay small with a store of several provinces (millions of
# APBDes lines): these read one table, some columns, or one region, batch by batch
# (row groups pruned by their kode_desa statistics), so memory never holds the whole file.

_BATCH_ROWS = 65_536


def _prefixes(kode: str | Iterable[str]) -> list[str]:
    codes = [kode] if isinstance(kode, str) else list(kode)
    if not codes:
        raise ValueError("Tidak ada kode wilayah yang diminta.")
    return [str(c).strip().rstrip(".") + "." for c in codes]


def _read_part(path: Path, columns: Iterable[str] | None, prefixes: list[str] | None) -> pd.DataFrame:
    """Some columns of one parquet file, only rows whose ``kode_desa`` starts with a prefix (all when ``None``).

    Same values and dtypes as :func:`_read_table` on the same rows.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    cols = list(columns) if columns is not None else list(schema.names)
    unknown = [c for c in cols if c not in schema.names]
    if unknown:
        raise ValueError(f"Kolom tidak ada di '{path.name}': {', '.join(unknown)}.")
    read_cols = cols + (["kode_desa"] if prefixes and "kode_desa" not in cols else [])
    text = [c for c in read_cols if pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type)]
    pf = pq.ParquetFile(path, read_dictionary=text or None)
    groups = list(range(pf.num_row_groups))
    if prefixes:
        # String order: the codes starting with P are exactly those in [P, P with its last character + 1).
        bounds = [(p, p[:-1] + chr(ord(p[-1]) + 1)) for p in prefixes]
        ci = pf.schema_arrow.get_field_index("kode_desa")
        keep = []
        for g in groups:
            st = pf.metadata.row_group(g).column(ci).statistics
            if st is None or not st.has_min_max or any(st.min < hi and st.max >= lo for lo, hi in bounds):
                keep.append(g)
        groups = keep
    batches = []
    if groups:
        for batch in pf.iter_batches(batch_size=_BATCH_ROWS, row_groups=groups, columns=read_cols, use_threads=False):
            if prefixes:
                k = batch.column(batch.schema.get_field_index("kode_desa"))
                if pa.types.is_dictionary(k.type):
                    k = k.dictionary.take(k.indices)
                mask = None
                for lo, hi in bounds:
                    m = pc.and_(pc.greater_equal(k, lo), pc.less(k, hi))
                    mask = m if mask is None else pc.or_(mask, m)
                mask = pc.fill_null(mask, False)
                if not pc.any(mask).as_py():
                    continue
                batch = batch.filter(mask)
            batches.append(batch.select(cols))
    if not batches:
        return pa.schema([schema.field(c) for c in cols]).empty_table().to_pandas()
    return _expand_dictionaries(pa.Table.from_batches(batches), schema)


def load_table(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    columns: Iterable[str] | None = None,
    kode: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """One canonical table of the store, optionally only some ``columns`` and the rows of some regions.

    ``kode``: province, kabupaten or kecamatan code(s); rows whose ``kode_desa``
    starts with one of them are kept, as :meth:`Dataset.subset` keeps them.
    Values and dtypes are those of :func:`load_dataset` (an absent optional
    table gives an empty frame).
    """
    if name not in TABLES:
        raise ValueError(f"Tabel '{name}' tidak dikenal.")
    finish_interrupted_commit(data_dir, clean=False)
    if not store_exists(data_dir):
        raise StoreError(
            f"Data belum tersedia di '{processed_dir(data_dir)}'. Jalankan 'p3pd demo-data' untuk data simulasi, "
            "atau impor data Anda dengan 'p3pd impor'."
        )
    cols = list(columns) if columns is not None else None
    unknown = [c for c in cols or () if c not in TABLES[name].names]
    if unknown:
        raise ValueError(f"Kolom tidak ada di tabel {name}: {', '.join(unknown)}.")
    path = _path(processed_dir(data_dir), name)
    if not path.exists():
        df = empty_frame(name)
        return df[cols] if cols is not None else df
    prefixes = _prefixes(kode) if kode is not None else None
    try:
        if cols is None and kode is None:
            df = _read_table(path)
        else:
            df = _read_part(path, cols, prefixes)
    except Exception as exc:  # corrupt file: say which one
        raise StoreError(f"Berkas '{path}' tidak dapat dibaca: {exc}") from exc
    df = coerce(df, name)
    return df[cols].reset_index(drop=True) if cols is not None else df.reset_index(drop=True)


def load_subset(
    kode: str | Iterable[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    tables: Iterable[str] | None = None,
) -> Dataset:
    """The store restricted to one or more regions: the same as ``load_dataset(data_dir).subset(kode)``.

    Reads only the rows of those regions (a dashboard kernel loads one
    kabupaten, not the whole store). ``tables``: read only these; the others
    are empty frames.
    """
    wanted = set(TABLES) if tables is None else set(tables)
    unknown = wanted - set(TABLES)
    if unknown:
        raise ValueError(f"Tabel tidak dikenal: {', '.join(sorted(unknown))}.")
    prefixes = _prefixes(kode)
    out = {name: (load_table(name, data_dir, kode=prefixes) if name in wanted else empty_frame(name)) for name in TABLES}
    if not wanted:
        load_table("wilayah", data_dir, columns=["kode_desa"], kode=prefixes)  # same error as load_dataset
    return Dataset(**out, meta=read_meta(data_dir))


def distinct_values(name: str, column: str, data_dir: str | os.PathLike[str] | None = None) -> list:
    """The distinct non-missing values of one column of a stored table, sorted (read batch by batch).

    Cheap on large tables: text columns are read dictionary-encoded.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if name not in TABLES:
        raise ValueError(f"Tabel '{name}' tidak dikenal.")
    path = _path(processed_dir(data_dir), name)
    if not path.exists():
        return []
    if column not in TABLES[name].names:
        raise ValueError(f"Kolom '{column}' tidak ada di tabel {name}.")
    found: set = set()
    try:
        field_type = pq.read_schema(path).field(column).type
        text = pa.types.is_string(field_type) or pa.types.is_large_string(field_type)
        pf = pq.ParquetFile(path, read_dictionary=[column] if text else None)
        for batch in pf.iter_batches(batch_size=_BATCH_ROWS * 8, columns=[column], use_threads=False):
            col = batch.column(0)
            if pa.types.is_dictionary(col.type):
                col = col.dictionary.take(pc.unique(col.indices).drop_null())
            found.update(v for v in pc.unique(col).to_pylist() if v is not None)
    except Exception as exc:  # corrupt file: say which one
        raise StoreError(f"Berkas '{path}' tidak dapat dibaca: {exc}") from exc
    return sorted(found)
