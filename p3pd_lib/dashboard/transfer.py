"""The App's downloads and upload (a mixin of :class:`~p3pd_lib.dashboard.app.App`, split off for size).

The methods use the App's widgets and state: the view shown, its source, the message box.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..errors import DataError, KitError, ParameterError
from . import tabs as tab_modules
from .downloads import agenda_sheets, download_link_for, musdes_pdf, report_html
from .html import excel_bytes
from .tabs import TABS
from .upload import check_sizes, read_and_merge

log = logging.getLogger("p3pd_lib.dashboard")


class TransferMixin:
    """Excel, report and PDF downloads of the visible view, and uploaded files as the page's data."""

    _view: Any
    _report_dir: Path | None


    def current_tables(self) -> dict[str, pd.DataFrame]:
        """The tables of the visible tab (what 'Excel tampilan ini' writes)."""
        idx = self.tabs.selected_index or 0
        return {} if self._view is None else tab_modules.MODULES[idx].tables(self._view, *self._tab_opts(idx))

    def excel_bytes(self, which: str = "tampilan") -> bytes:
        """The .xlsx of the visible tab (``tampilan``) or of the agenda terpadu (``agenda``)."""
        if self._view is None:
            raise ParameterError("Belum ada tampilan untuk diunduh.")
        return excel_bytes(self.current_tables() if which == "tampilan" else agenda_sheets(self._view))

    def report_html(self) -> bytes:
        """The kecamatan's HTML report (the batch report engine), as one self-contained file (store data only)."""
        if self._view is None or self._source is None:
            raise ParameterError("Pilih kecamatan terlebih dahulu." if self._view is None else
                                 "Laporan HTML hanya dapat dibuat dari data tersimpan, bukan dari data unggahan.")
        self._report_dir = self._report_dir or Path(tempfile.mkdtemp(prefix="p3pd_laporan_dashboard_"))
        return report_html(self._view.kode_kecamatan, int(self._view.tahun), self.data_dir, self._report_dir)

    def musdes_pdf(self) -> bytes:
        """The A4 PDF of the Bahan Musdes of the desa chosen in its tab (printed by headless Chromium)."""
        kode = self._value("musdes_desa", "")
        return musdes_pdf(self._view, kode, self._views.idm_rumusan(kode[:8]) if kode else None,
                          self._views.boundaries(kode[:8]) if kode else None)

    def _prepare_download(self, which: str) -> None:
        try:
            if self._view is None:
                raise ParameterError("Pilih kecamatan terlebih dahulu.")
            if which == "laporan":
                self._show("Menyiapkan laporan HTML… (beberapa detik)", "info")
                data, self.message.value = self.report_html(), ""
            elif which == "musdes":
                data, which = self.musdes_pdf(), f"musdes:{self._value('musdes_desa', '')}"
            else:
                data = self.excel_bytes(which)
            tab = TABS[self.tabs.selected_index or 0]
            self.links.value = f"<div class='p3pd-unduh'>{download_link_for(which, self._view, tab, data)}</div>"
        except KitError as exc:
            self._show(str(exc), "galat")
        except Exception:
            log.exception("unduhan %s gagal", which)
            self._show("Maaf, berkas unduhan tidak dapat disiapkan. Coba lagi atau hubungi pengelola data.", "galat")

    def load_files(self, files: Sequence[tuple[str, bytes]]) -> bool:
        """Use uploaded files as this page's data, read by the kit's importer; returns True when in use.

        When any file is rejected nothing changes: the dashboard keeps the previous
        data and lists the findings (file, sheet, row, column, value, message).
        Accepted data are merged into an in-memory dataset, never written to the store.
        """
        previous = (self._source, self.dataset)
        kode, tahun = self._current_kode(), self.tahun.value
        self.upload_hasil.value = ""
        try:
            result = read_and_merge(files, self.dataset, self._source, self.data_dir, kode)
            if result.dataset is None:
                self.upload_hasil.value = f"<div data-temuan-unggahan='galat'>{result.findings_html}</div>"
                self._show(result.message, "galat")
                self.upload_acc.selected_index = 0
                return False
            self._set_dataset(result.dataset, kecamatan=result.kecamatan, tahun=tahun)
            if self._view is None and not self._regions.empty:
                raise DataError("Data unggahan tidak dapat ditampilkan.")
            if result.findings_html:
                self.upload_hasil.value = f"<div data-temuan-unggahan='peringatan'>{result.findings_html}</div>"
            self._show(result.message, "ok")
            return True
        except KitError as exc:
            log.info("unggahan ditolak: %s", exc)
            self._restore(previous, kode, tahun)
            self._show(str(exc), "galat")
            return False
        except Exception:
            log.exception("unggahan gagal")
            self._restore(previous, kode, tahun)
            self._show("Berkas unggahan tidak dapat diproses; dashboard tetap memakai data sebelumnya.", "galat")
            return False

    def _restore(self, previous: tuple[Any, Any], kode: str | None, tahun: Any) -> None:
        source, dataset = previous
        if source is not None and self._source is not source:
            self._set_source(source, kecamatan=kode, tahun=tahun)
        elif source is None and (self._source is not None or self.dataset is not dataset):
            self._set_dataset(dataset, kecamatan=kode, tahun=tahun)

    def _on_upload(self, change: Any) -> None:
        value = change["new"]
        if not value:
            return
        with self._hold():
            self.upload.value = ()  # the same file can be chosen again after a fix
        try:  # the sizes first: nothing of a too large upload is read
            check_sizes([(str(f["name"]), int(f["size"])) for f in value])
        except KitError as exc:
            self._show(str(exc), "galat")
            return
        self.load_files([(str(f["name"]), bytes(f["content"])) for f in value])
