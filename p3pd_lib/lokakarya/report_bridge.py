"""Notebook 07: from the notebook to the report (papermill) and the dashboard."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TYPE_CHECKING

import pandas as pd

from ..errors import ParameterError
from ..paths import DEFAULT_OUTPUT_DIR
from .parameters import check_parameters

if TYPE_CHECKING:  # only for annotations: the workshop module imports this one
    from .workshop import Workshop


# --------------------------------------------------------------------------- 07: report and dashboard


def report_parameters() -> pd.DataFrame:
    """The parameters of ``notebooks/laporan_kecamatan.ipynb`` as the kit validates them: ``parameter, bawaan``."""
    from ..params import KecamatanReportParams

    def shown(f: Any) -> str:
        if f.is_required():
            return "(wajib)"
        return "(kosong: dipilih otomatis)" if f.default is None else repr(f.default)

    rows = [(name, shown(f)) for name, f in KecamatanReportParams.model_fields.items()]
    return pd.DataFrame(rows, columns=["parameter", "bawaan"])


@dataclass(frozen=True)
class ReportRun:
    """The result of :func:`run_report`: the executed notebook, its HTML page and how long it took."""

    ipynb: Path
    html: Path
    detik: float
    parameter: dict[str, Any]

    def _repr_html_(self) -> str:
        import html

        return (f"<p>Laporan selesai dalam {self.detik:.1f} detik.<br>Notebook hasil: <code>{html.escape(str(self.ipynb))}"
                f"</code><br>Halaman HTML: <code>{html.escape(str(self.html))}</code></p>")


#: Environment variable that moves the workshop's report folder (tests point it at a temporary folder).
OUTPUT_ENV = "P3PD_PELATIHAN_DIR"


def default_output_dir() -> Path:
    """Where the workshop's reports go: ``$P3PD_PELATIHAN_DIR`` or ``laporan/pelatihan/`` of the project."""
    env = os.environ.get(OUTPUT_ENV)
    return Path(env).expanduser().resolve() if env else DEFAULT_OUTPUT_DIR / "pelatihan"


def run_report(
    kode_kecamatan: str,
    tahun: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    timeout: int = 600,
) -> ReportRun:
    """Run ``notebooks/laporan_kecamatan.ipynb`` for one kecamatan with papermill, then export its HTML.

    The same notebook the batch (``p3pd laporan``) runs, with the same
    parameters; papermill starts a fresh kernel, so this takes a few seconds.
    The HTML uses the report's template and the shared offline ``plotly.min.js``
    (written to ``<output_dir>/_aset``).
    """
    import nbformat
    import papermill as pm

    from .. import report

    p = check_parameters(kode_kecamatan=kode_kecamatan, tahun=tahun if tahun is not None else 2000)
    out = Path(output_dir) if output_dir else default_output_dir()
    out.mkdir(parents=True, exist_ok=True)
    parameters: dict[str, Any] = {"kode_kecamatan": p.kode_kecamatan, "data_dir": str(data_dir) if data_dir else ""}
    if tahun is not None:
        parameters["tahun"] = int(tahun)
    ipynb = out / f"{p.kode_kecamatan}.ipynb"
    html_path = out / f"{p.kode_kecamatan}.html"
    t0 = time.perf_counter()
    # papermill warns about annotations it cannot parse (``int | None``) although it injects them fine,
    # and the new kernel logs a transport warning: noise in a workshop, so both are quietened.
    pm_log = logging.getLogger("papermill")
    level = pm_log.level
    pm_log.setLevel(logging.ERROR)
    try:
        pm.execute_notebook(str(report.NOTEBOOK_KECAMATAN), str(ipynb), parameters=parameters, progress_bar=False,
                            kernel_name="python3", execution_timeout=timeout, log_output=False,
                            cwd=str(report.NOTEBOOK_KECAMATAN.parent),
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    except pm.PapermillExecutionError as exc:
        raise ParameterError(f"Laporan kecamatan {p.kode_kecamatan} gagal di sel {exc.exec_count}: "
                             f"{exc.ename}: {exc.evalue}") from None
    finally:
        pm_log.setLevel(level)
    nb = nbformat.read(str(ipynb), as_version=4)
    report.write_assets(out)
    page = report.export_html(report.html_exporter(), nb, f"Laporan Kecamatan {p.kode_kecamatan}", aset=report.ASET_DIR)
    html_path.write_text(page, encoding="utf-8")
    return ReportRun(ipynb=ipynb, html=html_path, detik=time.perf_counter() - t0, parameter=parameters)


def dashboard_url(kode_kecamatan: str, tahun: int, host: str | None = None, port: int | None = None) -> str:
    """The dashboard address that opens one kecamatan and year.

    >>> dashboard_url("33.07.01", 2024)
    'http://127.0.0.1:8866/?kecamatan=33.07.01&tahun=2024'
    """
    from .. import dashboard

    h = host or dashboard.DEFAULT_HOST
    pt = port or dashboard.DEFAULT_PORT
    return f"http://{h}:{pt}/?kecamatan={kode_kecamatan}&tahun={int(tahun)}"


def dashboard_preview(ws: Workshop) -> Any:
    """The dashboard itself (the same :class:`~p3pd_lib.dashboard.App` Voila shows), inside the notebook."""
    from ..dashboard import App

    return App(ws.dataset, kecamatan=ws.kode_kecamatan, tahun=ws.tahun, data_dir=ws.params.data_dir).container
