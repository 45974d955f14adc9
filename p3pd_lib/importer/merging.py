"""Merging validated submissions into the store's tables, and writing one import (one commit).

:func:`plan_changes` is the pure merge with the importer's rules (see
:mod:`p3pd_lib.importer`): ``layanan`` and ``status_desa`` column by column
per desa and year, ``apbdes``, ``usulan`` and ``idm_rumusan`` as whole sets of
lines. :func:`merge_units` merges the accepted submissions of one call in
order; :func:`write_import` archives the raw files and writes tables, mapping
and history inside the caller's transaction.
"""

from __future__ import annotations

import datetime as _dt
import os
import uuid
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..schemas import REQUIRED_TABLES, TABLES, coerce, empty_frame
from .results import CHANGE_COLUMNS, DATA_TABLES, ROW_TABLES, Collector, Unit


def _clean(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    return coerce(frame, table).reset_index(drop=True)


def plan_changes(
    current: Mapping[str, pd.DataFrame],
    new: Mapping[str, pd.DataFrame],
    *,
    replace: bool = False,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Merge validated new tables into the current ones (pure; inputs untouched).

    Returns (the tables that change, complete; one row per table, desa and year
    with ``tabel, kode_desa, tahun, tindakan, baris``). See :mod:`p3pd_lib.importer` for
    the rules (``dilengkapi``, ``konflik``, ``diganti``, ...).

    >>> cur = {"layanan": pd.DataFrame({"kode_desa": ["33.07.01.2001"], "tahun": [2024], "penduduk": [100]})}
    >>> new = {"layanan": pd.DataFrame({"kode_desa": ["33.07.01.2001"], "tahun": [2024], "penduduk": [120]})}
    >>> changed, log = plan_changes(cur, new)
    >>> changed, log["tindakan"].tolist()
    ({}, ['konflik'])
    >>> changed, log = plan_changes(cur, new, replace=True)
    >>> int(changed["layanan"]["penduduk"].iloc[0]), log["tindakan"].tolist()
    (120, ['diganti'])
    """
    changed: dict[str, pd.DataFrame] = {}
    logs: list[pd.DataFrame] = []
    for table, nw in new.items():
        if nw is None or nw.empty:
            continue
        schema = TABLES[table]
        nw = _clean(nw, table)
        cur = _clean(current[table], table) if table in current else empty_frame(table)
        key = ["kode_desa", "tahun"]
        if table in ROW_TABLES:
            cur1 = cur.drop_duplicates(key, keep="last")
            m = nw.merge(cur1, on=key, how="left", suffixes=("", "__lama"), indicator=True)
            exists = (m["_merge"] == "both").to_numpy()
            conflict = np.zeros(len(m), dtype=bool)
            fill = np.zeros(len(m), dtype=bool)
            combined = {}
            for c in schema.names:
                if c in key:
                    continue
                a, b = m[c], m[c + "__lama"]
                both = (a.notna() & b.notna()).to_numpy(dtype=bool)
                if a.dtype.kind == "f" or str(a.dtype) == "Float64":
                    diff = both & ~np.isclose(a.to_numpy(dtype=float, na_value=np.nan),
                                              b.to_numpy(dtype=float, na_value=np.nan), rtol=0, atol=1e-9)
                else:
                    diff = both & (a.astype(object) != b.astype(object)).to_numpy(dtype=bool)
                conflict |= diff
                fill |= (a.notna() & b.isna()).to_numpy(dtype=bool)
                combined[c] = a.where(a.notna(), b)
            tindakan = np.where(~exists, "ditambah",
                                np.where(conflict, np.where(replace, "diganti", "konflik"),
                                         np.where(fill, "dilengkapi", "tidak_berubah")))
            apply = np.isin(tindakan, ["ditambah", "diganti", "dilengkapi"])
            logs.append(pd.DataFrame({"tabel": table, "kode_desa": m["kode_desa"].to_numpy(),
                                      "tahun": m["tahun"].to_numpy(), "tindakan": tindakan, "baris": 1}))
            if apply.any():
                upd = pd.DataFrame({c: (m[c] if c in key else combined[c]) for c in schema.names})[apply]
                keys_upd = set(zip(upd["kode_desa"], upd["tahun"]))
                keep = ~pd.Series([k in keys_upd for k in zip(cur["kode_desa"], cur["tahun"])], dtype=bool,
                                  index=cur.index)
                out = pd.concat([cur[keep.to_numpy()], upd], ignore_index=True)
                changed[table] = _clean(out.sort_values(key, kind="stable"), table)
            continue
        # Tables of many lines per desa-year: compare the sets of lines.
        def fingerprint(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
            """(one row per desa-year: order-free sum of its line hashes modulo 2**64 and its line count;
            the position of each line's desa-year in that frame, -1 without a year)."""
            h = pd.util.hash_pandas_object(df[schema.names], index=False).to_numpy(dtype=np.uint64)
            g = pd.DataFrame({"kode_desa": df["kode_desa"].to_numpy(dtype=object),
                              "tahun": df["tahun"].to_numpy(dtype=object),
                              "lo": (h & np.uint64(0xFFFFFFFF)).astype(np.int64), "hi": (h >> np.uint64(32)).astype(np.int64)})
            grouped = g.groupby(key, sort=False)  # groups in order of appearance, as numbered by ngroup
            group_of = grouped.ngroup().fillna(-1).to_numpy(dtype=np.int64)
            out = grouped.agg(lo=("lo", "sum"), hi=("hi", "sum"), n=("lo", "size")).reset_index()
            with np.errstate(over="ignore"):
                total = (out["hi"].to_numpy().astype(np.uint64) << np.uint64(32)) + out["lo"].to_numpy().astype(np.uint64)
            # As text: the merge below leaves gaps, and a float column would round 64-bit hashes.
            return out.drop(columns=["lo", "hi"]).assign(h=[format(int(v), "x") for v in total])[key + ["h", "n"]], group_of
        (fn, group_new), (fc, group_cur) = fingerprint(nw), fingerprint(cur)
        m = fn.merge(fc.assign(g_lama=np.arange(len(fc))), on=key, how="left", suffixes=("", "__lama"), indicator=True)
        exists = (m["_merge"] == "both").to_numpy()
        same = exists & (m["h"].to_numpy() == m["h__lama"].to_numpy()) & (m["n"].to_numpy() == m["n__lama"].to_numpy())
        tindakan = np.where(~exists, "ditambah", np.where(same, "tidak_berubah", np.where(replace, "diganti", "konflik")))
        logs.append(pd.DataFrame({"tabel": table, "kode_desa": m["kode_desa"].to_numpy(),
                                  "tahun": m["tahun"].to_numpy(), "tindakan": tindakan, "baris": m["n"].to_numpy()}))
        take = np.isin(tindakan, ["ditambah", "diganti"])  # per row of m, which is per row of fn (a left merge)
        if take.any():
            keep_new = take[group_new] & (group_new >= 0)
            replaced = m.loc[take & exists, "g_lama"].to_numpy(dtype=np.int64)
            keep_cur = ~np.isin(group_cur, replaced)
            out = pd.concat([cur[keep_cur], nw[keep_new]], ignore_index=True)
            changed[table] = _clean(out.sort_values(key, kind="stable"), table)
    log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=list(CHANGE_COLUMNS[1:]))
    if len(log):
        log = log.assign(tahun=log["tahun"].astype("Int64"), baris=log["baris"].astype("Int64"))
    return changed, log


def wilayah_update(current: pd.DataFrame, codes: Iterable[str]) -> pd.DataFrame | None:
    """The store's wilayah table extended with the official rows of every kabupaten in ``codes``."""
    from .. import wilayah

    kab = {c[:5] for c in codes if isinstance(c, str) and len(c) == 13}
    have = set(current["kode_kabupaten"].dropna().astype(str)) if len(current) else set()
    need = kab - have
    if not need:
        return None
    official = wilayah.wilayah_table(sorted({k[:2] for k in need}))
    add = official[official["kode_kabupaten"].isin(need)]
    out = pd.concat([current, add], ignore_index=True) if len(current) else add
    return out.sort_values("kode_desa", kind="stable").reset_index(drop=True)


def merge_units(
    units: Sequence[Unit], collectors: Mapping[Path, Collector], current: Mapping[str, pd.DataFrame], *,
    replace: bool, conflict_hint: str,
) -> tuple[dict[str, pd.DataFrame], list[pd.DataFrame], list[Unit], set[Path]]:
    """Merge the accepted units into ``current`` in order (pure): tables, change logs, accepted units, rejected files."""
    # A file is rejected when any of its findings is a galat; a Siskeudes set when any of its files is.
    galat_files = {p for p, c in collectors.items() if any(f["tingkat"] == "galat" for f in c.items)}
    running = dict(current)
    change_logs: list[pd.DataFrame] = []
    accepted_units: list[Unit] = []
    for u in units:
        if any(p in galat_files for p in u.paths) or not u.tables:
            if any(p in galat_files for p in u.paths):
                galat_files.update(u.paths)
            continue
        new = {t: df.drop(columns=[c for c in df.columns if c.startswith("_")]) for t, df in u.tables.items()}
        changed, log = plan_changes(running, new, replace=replace)
        running.update(changed)
        source = [u.paths[0]] * len(log)
        if u.origin:
            source = [u.origin.get((k, int(t)), u.paths[0]) for k, t in zip(log["kode_desa"], log["tahun"])]
        if len(log):
            berkas = [p.name for p in source] if u.origin else ", ".join(p.name for p in u.paths)
            change_logs.append(log.assign(berkas=berkas))
        for pos in np.flatnonzero((log["tindakan"] == "konflik").to_numpy(dtype=bool)):
            r = log.iloc[pos]
            collectors[source[pos]].add(None, None, "kode_desa", r["kode_desa"], "konflik_data", "peringatan",
                                        f"Data {r['tabel']} desa {r['kode_desa']} tahun {r['tahun']} sudah ada dan "
                                        "berbeda; data lama dipertahankan. " + conflict_hint)
        accepted_units.append(u)
    return running, change_logs, accepted_units, galat_files


def write_import(accepted_paths: list[Path], paths: list[Path], sha: Mapping[Path, str | None],
                 jenis: Mapping[Path, str], copies: dict[Path, Path], applied: pd.DataFrame,
                 running: Mapping[str, pd.DataFrame], current: Mapping[str, pd.DataFrame],
                 new_mapping: pd.DataFrame | None, data_dir: str | os.PathLike[str] | None, root: Path,
                 waktu: str) -> None:
    """Archive, store, mapping and history of one import (inside the caller's transaction: one commit)."""
    from .. import history
    from ..store import save_dataset, store_exists

    copies.update(history.archive_raw_many([(p, sha[p]) for p in accepted_paths if sha[p] is not None], data_dir,
                                           waktu=waktu))
    to_save = {t: running[t] for t in TABLES if t in DATA_TABLES and not running[t].equals(current[t])}
    touched = set(applied["kode_desa"]) if len(applied) else set()
    wil = wilayah_update(current["wilayah"], touched)
    if wil is not None:
        to_save["wilayah"] = wil
    if to_save or not store_exists(data_dir) and len(applied):
        if not store_exists(data_dir):
            for t in REQUIRED_TABLES:
                to_save.setdefault(t, running[t] if t != "wilayah" else (wil if wil is not None else current[t]))
        save_dataset(to_save, data_dir, meta={"simulasi": False, "sumber": "impor"})
    if new_mapping is not None:
        history.write_mapping(new_mapping, data_dir)
    if len(applied):
        id_impor = _dt.datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        name_to_path = {p.name: p for p in paths}
        rows = []
        for r in applied.itertuples(index=False):
            first = name_to_path.get(str(r.berkas).split(", ")[0])
            rows.append({"id_impor": id_impor, "waktu": waktu, "berkas": r.berkas,
                         "sha256": sha.get(first) if first else None,
                         "salinan": str(copies[first].relative_to(root)) if first in copies else None,
                         "jenis_berkas": jenis.get(first, "") if first else "", "tabel": r.tabel,
                         "kode_desa": r.kode_desa, "tahun": r.tahun, "tindakan": r.tindakan, "baris": r.baris})
        history.append_history(pd.DataFrame(rows), data_dir)
