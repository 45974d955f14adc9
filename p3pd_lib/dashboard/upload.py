"""Uploaded files as a page's own data: size limits first, then the kit's importer, never the store.

The browser sends the files with their sizes; :func:`check_sizes` refuses too
large uploads before any content is read, and the importer's public
:func:`p3pd_lib.importer.read_files` applies its own limits (file size, rows,
and for workbooks the uncompressed size) while reading.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import pandas as pd

from ..errors import DataError

#: Largest single uploaded file, and all files of one upload together (bytes).
MAX_BERKAS_BYTES = 20 * 2**20
MAX_UNGGAHAN_BYTES = 50 * 2**20

#: Columns of the findings table shown after an upload: the importer's own (:func:`p3pd_lib.importer.findings_for_people`).
KOLOM_TEMUAN_UNGGAHAN = ("Berkas", "Lembar", "Baris", "Kolom", "Nilai", "Aturan", "Tingkat", "Pesan")


def findings_html(findings: pd.DataFrame, max_rows: int = 200) -> str:
    """The findings of an upload as the CLI and the findings reports give them to the person at the desk:
    :func:`p3pd_lib.importer.findings_for_people` (sorted by file, sheet and row, plain-language rule names,
    the level as a word), as an escaped HTML table; ``""`` without findings."""
    from ..importer import findings_for_people
    from .html import table_html

    if findings is None or findings.empty:
        return ""
    people = findings_for_people(findings)
    baris = pd.to_numeric(people["Baris"], errors="coerce").astype("Int64")  # a row number, not a quantity
    people = people.assign(Baris=baris.astype("string"))
    return table_html(people, KOLOM_TEMUAN_UNGGAHAN, max_rows=max_rows, kosong="")


def _mb(n: float) -> str:
    return f"{n / 2**20:.1f}".replace(".", ",") + " MB"


def check_sizes(files: Sequence[tuple[str, int]], max_file: int = MAX_BERKAS_BYTES,
                max_total: int = MAX_UNGGAHAN_BYTES) -> None:
    """Refuse (Indonesian :class:`DataError`) an upload too large, from the sizes alone.

    >>> check_sizes([("a.xlsx", 10)])
    >>> check_sizes([("a.xlsx", 30 * 2**20)])
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.DataError: Berkas 'a.xlsx' terlalu besar (30,0 MB; paling besar 20,0 MB). ...
    """
    for name, size in files:
        if int(size) > max_file:
            raise DataError(f"Berkas '{Path(str(name)).name}' terlalu besar ({_mb(size)}; paling besar {_mb(max_file)}). "
                            "Bagi data per kecamatan atau per tahun, lalu unggah ulang.")
    total = sum(int(s) for _, s in files)
    if total > max_total:
        raise DataError(f"Unggahan terlalu besar ({_mb(total)}; paling besar {_mb(max_total)} sekaligus). "
                        "Unggah berkas dalam beberapa kali.")


def read_upload(files: Sequence[tuple[str, bytes]], *, data_dir: str | os.PathLike[str] | None = None,
                kabupaten: str | None = None) -> Any:
    """Validate and parse uploaded files with the kit's importer (:func:`p3pd_lib.importer.read_files`).

    ``files`` are ``(name, content)`` pairs as the upload widget gives them; they
    are written to a private temporary folder only for reading (nothing reaches
    the data store). ``kabupaten``: the kabupaten shown (name matching of
    Siskeudes exports; village codes outside it are findings). Returns the
    :class:`~p3pd_lib.importer.ParsedImport`.
    """
    from ..importer import read_files

    if not files:
        raise DataError("Tidak ada berkas yang diunggah.")
    check_sizes([(name, len(content)) for name, content in files])
    with tempfile.TemporaryDirectory(prefix="p3pd_unggahan_") as tmp:
        paths = []
        for i, (name, content) in enumerate(files):
            # Only the base name (never a path from the browser); one folder per file keeps equal names apart.
            base = Path(str(name).replace("\\", "/")).name.strip() or f"berkas_{i + 1}"
            folder = Path(tmp) / str(i)
            folder.mkdir()
            path = folder / base
            path.write_bytes(bytes(content))
            paths.append(path)
        return read_files(paths, data_dir, kabupaten=kabupaten)


def dataset_with_upload(base: Any, tables: Mapping[str, pd.DataFrame]) -> Any:
    """A new in-memory dataset with the uploaded tables (pure; ``base`` untouched).

    Simulated data are never mixed with a user's data (the importer's rule):
    over a DATA SIMULASI ``base`` only the uploaded tables are kept (with the
    region list of ``base``, extended from the official list when needed);
    over real data the upload is merged with the importer's rules, uploaded
    values winning (:func:`p3pd_lib.importer.merge_tables`). The result is
    marked ``sumber = "unggahan pengguna"``, not ``simulasi``.
    """
    from ..importer import merge_tables
    from ..schemas import TABLES, empty_frame
    from ..store import Dataset, frame_fingerprint

    if getattr(base, "simulasi", False):
        current = {name: (base.wilayah if name == "wilayah" else empty_frame(name)) for name in TABLES}
    else:
        current = base.tables()
    merged, _log = merge_tables(current, tables, replace=True)
    meta = {"simulasi": False, "sumber": "unggahan pengguna", "fingerprint": frame_fingerprint(merged)}
    return Dataset(**merged, meta=meta)


def uploaded_kecamatan(tables: Mapping[str, pd.DataFrame]) -> set[str]:
    """Codes of the kecamatan the uploaded tables hold rows of.

    >>> sorted(uploaded_kecamatan({"layanan": pd.DataFrame({"kode_desa": ["33.07.01.2001", None]})}))
    ['33.07.01']
    """
    return {str(k)[:8] for df in tables.values() for k in df["kode_desa"].dropna()}


def uploaded_kabupaten(tables: Mapping[str, pd.DataFrame]) -> set[str]:
    """Codes of the kabupaten the uploaded tables hold rows of."""
    return {k[:5] for k in uploaded_kecamatan(tables)}


@dataclass(frozen=True)
class UploadResult:
    """What an upload gives a page: the merged dataset (``None`` when rejected), the message, the findings."""

    dataset: Any
    message: str
    findings_html: str = ""
    kecamatan: str | None = None


def read_and_merge(files: Sequence[tuple[str, bytes]], dataset: Any, source: Any,
                   data_dir: str | os.PathLike[str] | None, kode: str | None) -> UploadResult:
    """Read uploaded files (:func:`read_upload`) and merge them over the page's data (:func:`dataset_with_upload`).

    ``dataset``: the page's in-memory data; ``source``: the store it reads (a
    :class:`~p3pd_lib.dashboard.views.StoreSource`, or ``None``); ``kode``: the
    kecamatan shown. When any file is rejected nothing is merged and the findings
    (file, sheet, row, column, value, message) say why. Raises the kit's errors.
    """
    from .views import kecamatan_with_data

    parsed = read_upload(files, data_dir=data_dir, kabupaten=kode[:5] if kode else None)
    shown = parsed.findings
    temuan = findings_html(shown)
    if not parsed.accepted:
        n = int((parsed.files["status"] == "ditolak").sum())
        return UploadResult(None, f"Data unggahan tidak dipakai: {n} dari {len(parsed.files)} berkas ditolak "
                                  f"({len(parsed.errors)} galat). Dashboard tetap memakai data sebelumnya. Perbaiki "
                                  "berkas sesuai daftar temuan di bagian 'Gunakan data sendiri', lalu unggah ulang.",
                            temuan)
    if not parsed.tables:
        raise DataError("Berkas unggahan tidak memuat data layanan, APBDes, status desa, atau usulan.")
    base = dataset
    if source is not None:  # the store's kabupaten of the upload (simulated data are never mixed)
        base = (replace(source.datasets(uploaded_kabupaten(parsed.tables)), meta=source.meta)
                if not source.simulasi else replace(dataset, wilayah=source.wilayah))
    new = dataset_with_upload(base, parsed.tables)
    with_data = kecamatan_with_data(new)
    if not with_data:
        raise DataError("Data unggahan tidak memuat desa dengan data layanan atau APBDes.")
    first = sorted(with_data & uploaded_kecamatan(parsed.tables))
    ringkas = ", ".join(f"{t} ({len(df)} baris)" for t, df in sorted(parsed.tables.items()))
    extra = f" {len(shown)} peringatan, lihat daftar temuan." if len(shown) else ""
    return UploadResult(new, f"Data unggahan dipakai: {ringkas}. Hanya untuk halaman ini, tidak disimpan.{extra}",
                        temuan, kode if kode in with_data else (first[0] if first else None))
