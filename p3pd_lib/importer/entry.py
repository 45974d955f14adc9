"""The importer's entry points: :func:`import_files`, :func:`check_files`, :func:`read_files`, :func:`merge_tables`.

Each reads all inputs of one call (:func:`.units.read_all`), merges the
accepted submissions (:func:`.merging.merge_units`) and, for an import that
is no dry run, writes archive, tables, mapping and history as one commit
under the store's lock (:func:`.merging.write_import`).
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import siskeudes_export as sx
from ..errors import ParameterError
from ..paths import data_dir as _data_dir
from ..schemas import TABLES, coerce, empty_frame
from .merging import merge_units, plan_changes, wilayah_update, write_import
from .reading import MAX_BYTES, MAX_ROWS
from .reports import write_findings_report
from .results import (CHANGE_COLUMNS, DATA_TABLES, FILE_COLUMNS, Collector, Context, ImportRefused, ImportResult,
                      ParsedImport, Unit, findings_frame)
from .units import read_all


def _check_context(kecamatan: str | None, kabupaten: str | None, tahun: int | None, kode_desa: str | None) -> Context:
    from .. import wilayah
    from ..schemas import TAHUN_MAX, TAHUN_MIN

    def official(code: str | None, lvl: int, what: str) -> str | None:
        if code is None:
            return None
        c = wilayah.normalize_code(code)
        if c.count(".") != lvl or not wilayah.is_official(c):
            raise ParameterError(f"'{code}' bukan kode {what} resmi.")
        return c

    ctx = Context(official(kecamatan, 2, "kecamatan"), official(kabupaten, 1, "kabupaten/kota"), None,
                  official(kode_desa, 3, "desa"))
    if tahun is not None:
        if isinstance(tahun, bool) or not isinstance(tahun, (int, np.integer)) or not TAHUN_MIN <= int(tahun) <= TAHUN_MAX:
            raise ParameterError(f"Tahun '{tahun}' tidak sah; isi tahun anggaran {TAHUN_MIN}–{TAHUN_MAX}.")
        ctx.tahun = int(tahun)
    if ctx.kecamatan and ctx.kabupaten and not ctx.kecamatan.startswith(ctx.kabupaten + "."):
        raise ParameterError(f"Kecamatan {ctx.kecamatan} tidak berada di kabupaten {ctx.kabupaten}.")
    if ctx.kode_desa and not ctx.kecamatan:
        ctx.kecamatan = ctx.kode_desa[:8]
    return ctx


def check_files(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    kecamatan: str | None = None,
    kabupaten: str | None = None,
    tahun: int | None = None,
    kode_desa: str | None = None,
    write_reports: bool = False,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Validate files without storing anything (``p3pd periksa``); compares with the store to show conflicts."""
    return import_files(paths, data_dir, dry_run=True, kecamatan=kecamatan, kabupaten=kabupaten, tahun=tahun,
                        kode_desa=kode_desa, write_reports=write_reports, max_bytes=max_bytes, max_rows=max_rows)


def import_files(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    replace: bool = False,
    dry_run: bool = False,
    kecamatan: str | None = None,
    kabupaten: str | None = None,
    tahun: int | None = None,
    kode_desa: str | None = None,
    write_reports: bool = True,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Validate, archive and store submitted files: the kit's one importer.

    ``paths``: files or folders (templates, canonical CSV/Excel, a Siskeudes
    export as folder, .zip or its files, a Penjabaran APBDes report as
    Excel/CSV/PDF). ``replace``: newer submissions replace stored
    data of the same desa and year (``--ganti``). ``dry_run``: validate and
    compare only. ``kecamatan``/``kabupaten``: the region the files are about
    (restricts village codes and name matching; Siskeudes and Penjabaran
    inputs need one of them unless the mapping or the title says enough);
    ``tahun``: the expected fiscal year; ``kode_desa``: the village of a
    Penjabaran report. ``write_reports``: write ``<name>.temuan.xlsx/.html``
    next to every input with findings.

    Raises :class:`~p3pd_lib.errors.ParameterError` for bad arguments and
    :class:`ImportRefused` when the store holds demo data (never mixed with
    real data). Problems in the files are *findings*, not exceptions.
    """
    from contextlib import ExitStack

    from ..transaction import recover, store_lock

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = sx.expand_inputs(paths)  # a folder (a Siskeudes export) counts as its files
    if not paths:
        raise ParameterError("Tidak ada berkas yang diberikan untuk diimpor.")
    ctx = _check_context(kecamatan, kabupaten, tahun, kode_desa)
    root = _data_dir(data_dir)

    # One writer at a time: the lock is held from reading the store to the commit (nothing lost between).
    locked = ExitStack()
    if not dry_run:
        locked.enter_context(store_lock(data_dir))
        try:
            recover(data_dir)
        except OSError:
            pass  # a read-only store: the write below says so
    with locked:
        return _import_locked(paths, data_dir, root, ctx, replace=replace, dry_run=dry_run,
                              write_reports=write_reports, max_bytes=max_bytes, max_rows=max_rows)


def _import_locked(paths: list[Path], data_dir: str | os.PathLike[str] | None, root: Path, ctx: Context, *,
                   replace: bool, dry_run: bool, write_reports: bool, max_bytes: int, max_rows: int) -> ImportResult:
    """The body of :func:`import_files` (the caller holds the store lock unless this is a dry run)."""
    from .. import history
    from ..store import load_dataset, read_meta, store_exists
    from ..transaction import transaction

    if store_exists(data_dir):
        if read_meta(data_dir).get("simulasi") and not dry_run:
            raise ImportRefused(
                f"Folder data '{root}' berisi DATA SIMULASI (demo). Data nyata tidak dicampur dengan data simulasi: "
                "impor ke folder lain (--data-dir FOLDER) atau hapus folder processed/ data simulasi terlebih dahulu."
            )
        current = dict(load_dataset(data_dir).tables())
    else:
        current = {name: empty_frame(name) for name in TABLES}
    saved_mapping = history.read_mapping(data_dir)

    collectors, units, sha, jenis = read_all(paths, ctx, saved_mapping, max_bytes, max_rows)
    running, change_logs, accepted_units, galat_files = merge_units(
        units, collectors, current, replace=replace, conflict_hint="Gunakan --ganti untuk menggantinya.")
    changes = (pd.concat(change_logs, ignore_index=True)[list(CHANGE_COLUMNS)] if change_logs
               else pd.DataFrame({c: pd.Series(dtype="object") for c in CHANGE_COLUMNS}))

    findings = findings_frame(paths, collectors)

    # ---- write (only when something is accepted and this is not a dry run)
    waktu = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    copies: dict[Path, Path] = {}
    applied = changes[changes["tindakan"].isin(["ditambah", "dilengkapi", "diganti"])] if len(changes) else changes
    accepted_paths = [p for p in paths if p not in galat_files]
    new_mapping = None
    for u in accepted_units:
        if u.mapping is not None and len(u.mapping):
            merged = history.merge_mapping(saved_mapping, u.mapping)
            if len(merged) != len(saved_mapping):
                new_mapping = merged
    rows_in = _rows_per_file(paths, accepted_units)
    empty_files = {p for p in accepted_paths if not rows_in.get(p)}
    _note_empty(empty_files, collectors)
    if empty_files:
        findings = findings_frame(paths, collectors)
        accepted_paths = [p for p in accepted_paths if p not in empty_files]
    if not dry_run and accepted_paths:
        with transaction(data_dir, lock=False):
            write_import(accepted_paths, paths, sha, jenis, copies, applied, running, current, new_mapping, data_dir,
                         root, waktu)

    # ---- per-file status and reports
    file_rows = []
    for p in paths:
        f = findings[findings["berkas"] == p.name]
        status = ("ditolak" if p in galat_files else "tidak ada data" if p in empty_files else
                  "diperiksa" if dry_run else "diterima")
        laporan = ""
        if write_reports and len(f):
            written = write_findings_report(f, p, data_dir)
            laporan = str(written[1]) if written else ""
        file_rows.append({"berkas": p.name, "jenis": jenis.get(p, "?"), "sha256": sha.get(p),
                          "status": status, "n_galat": int((f["tingkat"] == "galat").sum()),
                          "n_peringatan": int((f["tingkat"] == "peringatan").sum()), "laporan": laporan})
    files = pd.DataFrame(file_rows, columns=list(FILE_COLUMNS))
    return ImportResult(findings=findings, files=files, changes=changes, accepted=not galat_files, dry_run=dry_run,
                        data_dir=root)


def _rows_per_file(paths: Sequence[Path], units: Sequence[Unit]) -> dict[Path, int]:
    """Data rows each file contributed (a Siskeudes set's rows count for each of its files)."""
    out = {p: 0 for p in paths}
    for u in units:
        n = sum(len(df) for df in u.tables.values())
        for p in u.paths:
            out[p] = out.get(p, 0) + n
    return out


def _note_empty(empty_files: Iterable[Path], collectors: Mapping[Path, Collector]) -> None:
    for p in empty_files:
        col = collectors[p]
        if not any(f["aturan"] == "tidak_ada_data" for f in col.items):
            col.add(None, None, None, None, "tidak_ada_data", "peringatan",
                    "Berkas tidak memuat baris data (hanya judul kolom): tidak ada yang diimpor.")


def read_files(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    data_dir: str | os.PathLike[str] | None = None,
    *,
    kecamatan: str | None = None,
    kabupaten: str | None = None,
    tahun: int | None = None,
    kode_desa: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ParsedImport:
    """Validate and parse files into canonical tables WITHOUT writing anything (the dashboard's upload).

    The same reading and validation as :func:`import_files` (templates,
    canonical CSV/Excel, Siskeudes tables, Penjabaran APBDes; same findings),
    but no store is read or written, nothing is archived, no report is
    written, and a store of demo data is no obstacle: the caller decides what
    to do with the tables (e.g. :func:`merge_tables` into an in-memory
    dataset). ``data_dir`` is only read for the saved Siskeudes ``Kd_Desa``
    mapping. Raises :class:`~p3pd_lib.errors.ParameterError` for bad arguments.
    """
    from .. import history

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = sx.expand_inputs(paths)  # a folder (a Siskeudes export) counts as its files
    if not paths:
        raise ParameterError("Tidak ada berkas yang diberikan untuk dibaca.")
    ctx = _check_context(kecamatan, kabupaten, tahun, kode_desa)
    collectors, units, sha, jenis = read_all(paths, ctx, history.read_mapping(data_dir), max_bytes, max_rows)
    empty = {name: empty_frame(name) for name in DATA_TABLES}
    running, _logs, accepted_units, galat_files = merge_units(
        units, collectors, empty, replace=False,
        conflict_hint="Berkas lain dalam unggahan ini memuat desa dan tahun yang sama; yang pertama dipakai.")
    tables = {t: df for t, df in running.items() if len(df)}
    rows_in = _rows_per_file(paths, accepted_units)
    empty_files = {p for p in paths if p not in galat_files and not rows_in.get(p)}
    _note_empty(empty_files, collectors)
    findings = findings_frame(paths, collectors)
    file_rows = []
    for p in paths:
        f = findings[findings["berkas"] == p.name]
        file_rows.append({"berkas": p.name, "jenis": jenis.get(p, "?"), "sha256": sha.get(p),
                          "status": "ditolak" if p in galat_files else (
                              "tidak ada data" if p in empty_files else "diterima"),
                          "n_galat": int((f["tingkat"] == "galat").sum()),
                          "n_peringatan": int((f["tingkat"] == "peringatan").sum()), "laporan": ""})
    return ParsedImport(tables=tables, findings=findings, files=pd.DataFrame(file_rows, columns=list(FILE_COLUMNS)),
                        accepted=not galat_files)


def merge_tables(
    current: Mapping[str, pd.DataFrame],
    new: Mapping[str, pd.DataFrame],
    *,
    replace: bool = True,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """All canonical tables after merging ``new`` into ``current`` (pure; inputs untouched).

    The merge rules of the importer (:func:`plan_changes`); ``replace=True``
    (the default here) lets new values win over current ones. The ``wilayah``
    table gains the official rows of every new kabupaten touched. Returns
    (the five tables, the change log of :func:`plan_changes`).
    """
    changed, log = plan_changes(current, new, replace=replace)
    out = {name: changed.get(name, current[name] if name in current else empty_frame(name)) for name in TABLES}
    applied = log[log["tindakan"].isin(["ditambah", "dilengkapi", "diganti"])] if len(log) else log
    wil = wilayah_update(out["wilayah"], set(applied["kode_desa"]) if len(applied) else set())
    if wil is not None:
        out["wilayah"] = coerce(wil, "wilayah")
    return out, log
