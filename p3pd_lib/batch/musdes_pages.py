"""Bahan Musdes pages for the kecamatan of a batch (``p3pd laporan … --bahan-musdes``).

The pages are plain functions of a kecamatan view (:mod:`p3pd_lib.musdes`), so they
are made in the planning process after the report run, one kabupaten's data at a
time: ``<output>/<tahun>/<kabupaten>/bahan_musdes/<kecamatan>/`` holds one HTML and
one PDF page per desa and ``bahan_musdes_<kecamatan>.pdf``, the kecamatan's pages
combined for printing.
"""

from __future__ import annotations

import os
from itertools import groupby
from pathlib import Path
from typing import Any, Iterable, Mapping

from .. import analysis, musdes, peta, store


def musdes_folder(output_dir: Path, tahun: int, kode_kecamatan: str) -> Path:
    """Where the Bahan Musdes pages of one kecamatan go (beside its report).

    >>> musdes_folder(Path("laporan"), 2025, "33.07.01").as_posix()
    'laporan/2025/33.07/bahan_musdes/33.07.01'
    """
    return Path(output_dir) / str(tahun) / kode_kecamatan[:5] / "bahan_musdes" / kode_kecamatan


def write_bahan_musdes(entries: Iterable[Mapping[str, Any]], output_dir: str | os.PathLike[str], tahun: int,
                       data_dir: str | os.PathLike[str] | None = None, pdf: bool = True) -> list[Path]:
    """Write the Bahan Musdes of every kecamatan report among ``entries`` (a batch's manifest entries).

    Returns the combined PDF of each kecamatan (or its folder when ``pdf=False``).
    """
    kecamatan = sorted({str(e["kode"]) for e in entries if e.get("jenis") == "kecamatan"
                        and e.get("status") != "gagal"})
    made: list[Path] = []
    for kab, codes in groupby(kecamatan, key=lambda k: k[:5]):
        ds = store.load_subset(kab, data_dir)  # one kabupaten's rows, not the whole store
        for kode in codes:
            view = analysis.kecamatan_view(ds, kode, tahun=tahun)
            folder = musdes_folder(Path(output_dir), tahun, kode)
            hasil = musdes.write_kecamatan(view, folder, idm_rumusan=ds.idm_rumusan, pdf=pdf,
                                           boundaries=peta.desa_boundaries(kode, data_dir))
            made.append(hasil.gabungan if hasil.gabungan is not None else folder)
    return made
