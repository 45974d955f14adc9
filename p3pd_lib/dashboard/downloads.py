"""Downloads of the dashboard: the kecamatan's HTML report from the batch report engine, as one file."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError, ParameterError
from .html import XLSX_MIME, download_link, standalone_html
from .views import release_memory

log = logging.getLogger("p3pd_lib.dashboard")


def report_html(kode: str, tahun: int, data_dir: str | os.PathLike[str] | None, report_dir: Path | None = None) -> bytes:
    """The kecamatan's report (:func:`p3pd_lib.report.run_batch` over the store), self-contained (one file).

    Takes a few seconds (a kernel runs the report notebook). ``report_dir``: where
    the batch writes (a new temporary folder when ``None``).
    """
    from .. import report

    out = Path(report_dir) if report_dir is not None else Path(tempfile.mkdtemp(prefix="p3pd_laporan_dashboard_"))
    try:
        result = report.run_batch(
            kecamatan=[kode], tahun=int(tahun), output_dir=out, data_dir=data_dir, workers=1,
            progress=False, laporan_kabupaten=False, log=lambda line: log.info("laporan: %s", line),
        )
    finally:
        release_memory()
    entry = next((e for e in result.entries if e.get("kode") == kode), {})
    if entry.get("status") not in (report.BERHASIL, report.TERKINI):
        log.warning("laporan %s gagal: %s", kode, entry.get("galat"))
        raise DataError("Laporan kecamatan tidak dapat dibuat. Hubungi pengelola data.")
    path = next(out.rglob(f"{kode}.html"))
    return standalone_html(path.read_text(encoding="utf-8"), out / report.ASET_DIR).encode("utf-8")


def agenda_sheets(view: Any) -> dict[str, pd.DataFrame]:
    """The sheets of the 'Excel agenda terpadu' download."""
    return {"Agenda terpadu": view.agenda, "Kamus indikator": view.kamus}


def musdes_pdf(view: Any, kode_desa: str, idm_rumusan: pd.DataFrame | None = None, boundaries: Any = None) -> bytes:
    """The A4 PDF (headless Chromium) of one desa's Bahan Musdes in ``view``."""
    from .. import musdes
    from .tabs.musdes import bahan

    if view is None or not kode_desa:
        raise ParameterError("Pilih desa di tab Bahan Musdes terlebih dahulu.")
    return musdes.pdf_bytes(bahan(view, kode_desa, idm_rumusan, boundaries))


def download_link_for(which: str, view: Any, tab: str, data: bytes) -> str:
    """The download link of ``data``: the report (``laporan``), the agenda or the visible tab's workbook, named.

    >>> class V: kode_kecamatan, tahun = "33.07.01", 2024
    >>> "download='belanja_desa_33.07.01_2024.xlsx'" in download_link_for("tampilan", V, "Belanja Desa", b"x")
    True
    """
    kode, tahun = view.kode_kecamatan, view.tahun
    if which.startswith("musdes:"):
        name = f"bahan_musdes_{which.partition(':')[2]}_{tahun}.pdf"
        return download_link(data, name, "application/pdf", f"Unduh PDF {name}")
    if which == "laporan":
        return download_link(data, f"laporan_{kode}_{tahun}.html", "text/html", "Unduh laporan HTML")
    stem = "agenda_terpadu" if which == "agenda" else tab.lower().replace(" ", "_")
    name = f"{stem}_{kode}_{tahun}.xlsx"
    return download_link(data, name, XLSX_MIME, f"Unduh {name}")
