"""Import bookkeeping: the raw archive, the import history and the Kd_Desa mapping file.

Files kept in the data store (``--data-dir``/``P3PD_DATA_DIR``, default ``data/``):

- ``raw/<sha256[:16]>_<name>``: every imported file, copied byte for byte, named
  by its content so the same file is stored once; ``raw/manifest.csv`` lists
  each copy with its full sha256, original name, size and arrival time.
- ``processed/riwayat_impor.csv``: the import history, one row per table,
  desa and year that an import changed (:data:`HISTORY_COLUMNS`). Imports that
  change nothing (the same file twice, conflicts left alone) add no rows.
- ``processed/pemetaan_kd_desa.csv``: the mapping from the local Siskeudes
  ``Kd_Desa`` (e.g. ``01.2001.``) to the official kode wilayah
  (:data:`p3pd_lib.siskeudes.MAPPING_COLUMNS`). The importer adds rows it
  matched by name (``cara = otomatis``, with the ``skor``); the user may
  correct ``kode_desa`` in Excel or a text editor (set ``cara`` to ``manual``)
  and the next import uses the corrected row.

Every write goes to a temporary file first and is then renamed, so an
interrupted write never leaves a half file; inside one import all of them
(raw copies, manifest, tables, history, mapping) are one commit
(:mod:`p3pd_lib.transaction`). The two files in ``processed/``
are written as side tables of the store (:func:`p3pd_lib.store.save_side_table`);
the canonical tables themselves go through :func:`p3pd_lib.store.save_dataset`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from .paths import data_dir as _data_dir
from .paths import processed_dir, raw_dir
from .siskeudes import MAPPING_COLUMNS
from .transaction import current_path, place, staged_name, transaction

MANIFEST_FILE = "manifest.csv"
HISTORY_FILE = "riwayat_impor.csv"
MAPPING_FILE = "pemetaan_kd_desa.csv"

MANIFEST_COLUMNS = ("sha256", "berkas_asli", "salinan", "ukuran", "diterima")
#: Columns of the import history.
HISTORY_COLUMNS = ("id_impor", "waktu", "berkas", "sha256", "salinan", "jenis_berkas", "tabel", "kode_desa",
                   "tahun", "tindakan", "baris")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-80:] or "berkas"


def _atomic_csv(df: pd.DataFrame, path: Path) -> None:
    """Write ``path`` aside and put it in place (as part of the open transaction, else one of its own)."""
    with transaction(path.parent.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = staged_name(path)
        df.to_csv(tmp, index=False, encoding="utf-8")
        place(tmp, path)


def _read_csv(path: Path, columns: Iterable[str]) -> pd.DataFrame:
    cols = list(columns)
    path = current_path(path)
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    df = pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])
    for c in cols:
        if c not in df.columns:
            df[c] = pd.Series(pd.NA, index=df.index, dtype="string")
    return df[cols]


# --------------------------------------------------------------------------- raw archive

def raw_manifest(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The list of archived raw files (columns :data:`MANIFEST_COLUMNS`)."""
    return _read_csv(raw_dir(data_dir) / MANIFEST_FILE, MANIFEST_COLUMNS)


def archive_raw(
    path: str | os.PathLike[str],
    sha256: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    waktu: str,
) -> Path:
    """Copy ``path`` unchanged into ``raw/`` (once per content) and list it in the manifest.

    Returns the archived copy. When a file with the same sha256 is already
    archived nothing is written and the existing copy is returned.
    """
    return archive_raw_many([(path, sha256)], data_dir, waktu=waktu)[Path(path)]


def archive_raw_many(
    items: Sequence[tuple[str | os.PathLike[str], str]],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    waktu: str,
) -> dict[Path, Path]:
    """:func:`archive_raw` for many ``(path, sha256)`` at once: one manifest write, one commit.

    Returns ``{path: archived copy}``.
    """
    folder = raw_dir(data_dir)
    root = _data_dir(data_dir)
    out: dict[Path, Path] = {}
    with transaction(data_dir):
        manifest = raw_manifest(data_dir)
        known = dict(zip(manifest["sha256"], manifest["salinan"]))
        rows = []
        for path, sha256 in items:
            src = Path(path)
            if sha256 in known and current_path(root / str(known[sha256])).exists():
                out[src] = root / str(known[sha256])
                continue
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{sha256[:16]}_{_safe_name(src.name)}"
            tmp = staged_name(target)
            shutil.copyfile(src, tmp)
            if sha256_file(tmp) != sha256:  # the file changed while we read it: refuse rather than archive another
                tmp.unlink(missing_ok=True)
                raise OSError(f"Berkas '{src}' berubah saat disalin; ulangi impor.")
            place(tmp, target)
            rel = str(target.relative_to(root))
            known[sha256] = rel
            out[src] = target
            rows.append({"sha256": sha256, "berkas_asli": src.name, "salinan": rel, "ukuran": str(src.stat().st_size),
                         "diterima": waktu})
        if rows:
            new = pd.DataFrame(rows, dtype="string")
            _atomic_csv(pd.concat([manifest[~manifest["sha256"].isin(new["sha256"])], new], ignore_index=True),
                        folder / MANIFEST_FILE)
    return out


# --------------------------------------------------------------------------- history

def read_history(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    kode_desa: str | None = None,
    tahun: int | None = None,
    tabel: str | None = None,
    berkas: str | None = None,
) -> pd.DataFrame:
    """The import history, optionally filtered (kode_desa may be a kecamatan/kabupaten prefix).

    Columns :data:`HISTORY_COLUMNS`; ``tahun`` and ``baris`` are ``Int64``.
    An empty table when nothing has been imported yet.
    """
    df = _read_csv(processed_dir(data_dir) / HISTORY_FILE, HISTORY_COLUMNS)
    df = df.assign(tahun=pd.to_numeric(df["tahun"]).astype("Int64"), baris=pd.to_numeric(df["baris"]).astype("Int64"))
    if kode_desa:
        k = str(kode_desa).strip().rstrip(".")
        df = df[(df["kode_desa"] == k) | df["kode_desa"].str.startswith(k + ".").fillna(False)]
    if tahun is not None:
        df = df[df["tahun"] == int(tahun)]
    if tabel:
        df = df[df["tabel"] == tabel]
    if berkas:
        df = df[df["berkas"].str.contains(berkas, regex=False, case=False).fillna(False)]
    return df.reset_index(drop=True)


def append_history(rows: pd.DataFrame, data_dir: str | os.PathLike[str] | None = None) -> None:
    """Append rows (columns :data:`HISTORY_COLUMNS`) to the history file (a side table of the store)."""
    from .store import save_side_table

    if rows.empty:
        return
    old = _read_csv(processed_dir(data_dir) / HISTORY_FILE, HISTORY_COLUMNS)
    new = rows[list(HISTORY_COLUMNS)].astype("string")
    save_side_table(pd.concat([old, new], ignore_index=True), HISTORY_FILE, data_dir)


# --------------------------------------------------------------------------- Kd_Desa mapping

def mapping_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Location of the user-correctable Siskeudes Kd_Desa mapping of this store."""
    return processed_dir(data_dir) / MAPPING_FILE


def read_mapping(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The saved Kd_Desa mapping (empty when none); ``skor`` is ``Float64``."""
    df = _read_csv(mapping_path(data_dir), MAPPING_COLUMNS)
    return df.assign(skor=pd.to_numeric(df["skor"], errors="coerce").astype("Float64"))


def merge_mapping(saved: pd.DataFrame, used: pd.DataFrame) -> pd.DataFrame:
    """Saved rows plus the newly matched rows of ``used`` (saved rows always win)."""
    def key(df: pd.DataFrame) -> pd.Series:
        return df["kd_desa"].astype(str).str.strip() + "|" + df["nama_desa_siskeudes"].astype(str).str.lower().str.replace(
            r"[^a-z0-9]", "", regex=True)

    fresh = used[~key(used).isin(set(key(saved)))] if len(saved) else used
    out = pd.concat([saved.astype("object"), fresh.astype("object")], ignore_index=True)
    return out[list(MAPPING_COLUMNS)].sort_values(["kd_desa", "nama_desa_siskeudes"], kind="stable").reset_index(drop=True)


def write_mapping(mapping: pd.DataFrame, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Save the mapping (atomically) and return its path."""
    from .store import save_side_table

    return save_side_table(mapping[list(MAPPING_COLUMNS)], MAPPING_FILE, data_dir)
