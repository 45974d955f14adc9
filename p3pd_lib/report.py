"""Batch execution of the report notebooks: one report per kecamatan, thousands per run.

What a batch writes into the output folder::

    index.html                 find any report by name or code, with its status
    manifest.json, .csv        per report: status, duration, failing cell and error
    _aset/plotly.min.js        ONE copy of plotly.js (offline, from the installed package)
    _aset/laporan.css          the shared stylesheet (screen and A4 print)
    _aset/laporan.js           the kit's plotly template and options, drawing every figure
    33.07/33.07.01.html        the report without code cells
    33.07/33.07.01.ipynb       the executed notebook (audit trail, records its parameters)
    33.07/33.07.01.xlsx        the kecamatan's workbook (tables, agenda, evaluasi RAPBDes)
    33.07/33.07.01.pdf         with ``--pdf``: the report printed on A4 by headless Chromium
    33.07/kabupaten_33.07.html the kabupaten's kecamatan side by side (and its .ipynb)
    _gagal/33.07.99.ipynb      the executed notebook of a failed report, for diagnosis

How it is fast (see ``benchmarks/bench_laporan.py``): each worker *process*
keeps one Jupyter kernel alive and runs report after report in it, clearing the
notebook namespace in between (modules stay imported, and
:mod:`p3pd_lib.session` keeps the store in memory — only the provinces the run
needs); the long-lived objects of the kernel are frozen out of the garbage
collector, whose full pass at each namespace reset cost ≈ 0.2 s. A worker keeps
to one kabupaten at a time (:class:`_Scheduler`), so the kabupaten's analysis,
cached in its kernel, serves all its kecamatan and then its kabupaten report.
Parameters are injected the way papermill does it; the HTML is exported
in-process with one lean nbconvert exporter per worker and a small template;
figures reference the shared plotly.js and the kit's figure script instead of
embedding them.

How it is safe: every file is written under a temporary name in its final
folder and renamed into place (signals blocked during the renames), so an
interrupt never leaves a half-written report; one failing report never stops
the batch; a re-run skips reports whose inputs (data fingerprint, notebook,
parameters, kit code) did not change and retries the failures. SIGTERM or
SIGHUP to the batch process act like Ctrl+C: the workers and their kernels are
stopped (and a worker whose batch process dies, even by SIGKILL, stops itself).

``--scheduler ADDRESS`` sends the same tasks to a Dask distributed cluster
(the output folder must then be on a file system every worker can write).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import csv
import functools
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from . import __version__
from .errors import KitError, ParameterError
from .paths import DEFAULT_OUTPUT_DIR, NOTEBOOKS_DIR, PARAMETERS_DIR, PROJECT_ROOT
from .paths import data_dir as _resolve_data_dir

NOTEBOOK_KECAMATAN: Path = NOTEBOOKS_DIR / "laporan_kecamatan.ipynb"
NOTEBOOK_KABUPATEN: Path = NOTEBOOKS_DIR / "laporan_kabupaten.ipynb"
TEMPLATES_DIR: Path = Path(__file__).resolve().parent / "templates"
ASET_DIR = "_aset"
GAGAL_DIR = "_gagal"
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
INDEX_HTML = "index.html"
CHROMIUM = "/usr/bin/chromium"
DEFAULT_KABUPATEN = "33.07"

#: Status words of the manifest (user-visible, Indonesian).
BERHASIL, GAGAL, TERKINI, BELUM = "berhasil", "gagal", "terkini", "belum"

_KODE = {
    "provinsi": re.compile(r"^\d{2}$"),
    "kabupaten": re.compile(r"^\d{2}\.\d{2}$"),
    "kecamatan": re.compile(r"^\d{2}\.\d{2}\.\d{2}$"),
}
_MANIFEST_FIELDS = [
    "jenis", "kode", "nama", "kode_kabupaten", "nama_kabupaten", "nama_provinsi", "tahun", "status",
    "durasi_detik", "sel_gagal", "galat", "html", "ipynb", "xlsx", "pdf", "notebook_gagal",
    "percobaan", "pekerja", "selesai", "kunci",
]


# --- tasks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One report to produce (picklable: sent to worker processes or Dask workers)."""

    jenis: str  # "kecamatan" | "kabupaten"
    kode: str
    nama: str
    kode_kabupaten: str
    nama_kabupaten: str
    nama_provinsi: str
    tahun: int
    notebook: str
    output_dir: str
    parameters: Mapping[str, Any] = field(hash=False)
    pdf: bool = False
    key: str = ""
    timeout: int = 600

    @property
    def stem(self) -> str:
        """Path of the outputs relative to the output folder, without suffix."""
        if self.jenis == "kabupaten":
            return f"{self.kode}/kabupaten_{self.kode}"
        return f"{self.kode_kabupaten}/{self.kode}"

    def outputs(self) -> dict[str, str]:
        """Relative paths of the files a successful run leaves (by kind)."""
        out = {"html": f"{self.stem}.html", "ipynb": f"{self.stem}.ipynb"}
        if self.jenis == "kecamatan":
            out["xlsx"] = f"{self.stem}.xlsx"
        if self.pdf:
            out["pdf"] = f"{self.stem}.pdf"
        return out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files_hash(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of everything besides the data that shapes a report: kit code, templates, parameter files.

    Part of each report's up-to-date key, so a changed catalogue, rule table or
    library function re-renders the reports on the next run. Computed once per
    process: the code a process runs is the code it imported when it started.
    """
    lib = Path(__file__).resolve().parent
    files = list(lib.glob("*.py")) + [p for p in TEMPLATES_DIR.glob("*") if p.is_file()]
    files += [p for p in PARAMETERS_DIR.glob("*") if p.is_file() and not p.name.startswith("laporan_")]
    return _files_hash(files)[:16]


def task_key(notebook: str | Path, parameters: Mapping[str, Any], data_fingerprint: str, code_fp: str, pdf: bool) -> str:
    """The up-to-date key of one report: equal keys mean the report would come out the same.

    >>> a = task_key(NOTEBOOK_KECAMATAN, {"kode_kecamatan": "33.07.01"}, "abc", "def", False)
    >>> a == task_key(NOTEBOOK_KECAMATAN, {"kode_kecamatan": "33.07.01"}, "abd", "def", False)
    False
    """
    nb_path = Path(notebook)
    nb_hash = _sha(nb_path.read_bytes()) if nb_path.exists() else "tanpa-notebook"
    blob = json.dumps(
        {"nb": nb_hash, "p": dict(parameters), "data": data_fingerprint, "kode": code_fp, "pdf": pdf, "v": __version__},
        sort_keys=True,
        default=str,
    )
    return _sha(blob.encode())[:20]


# --- atomic file helpers -------------------------------------------------------------------------


def _tmp_name(final: Path) -> Path:
    """A temporary name in the final folder, keeping the suffix (Chromium needs ``.html``)."""
    return final.with_name(f".{final.stem}.tmp{os.getpid()}-{threading.get_ident() % 100000}{final.suffix}")


def _is_tmp(p: Path) -> bool:
    return p.name.startswith(".") and ".tmp" in p.name


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file under a temporary name, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    try:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _commit(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Rename every temporary file into place with SIGINT/SIGTERM held back meanwhile."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        for tmp, final in pairs:
            os.replace(tmp, final)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def sweep_temporary(output_dir: Path) -> int:
    """Remove temporary files an interrupted run left behind; return how many."""
    n = 0
    if not output_dir.exists():
        return 0
    for p in output_dir.rglob(".*.tmp*"):
        if p.is_file() and _is_tmp(p):
            p.unlink(missing_ok=True)
            n += 1
    return n


def write_assets(output_dir: Path) -> None:
    """Write the shared plotly.js, CSS and figure script once into ``<output>/_aset`` (offline copies)."""
    import plotly

    aset = output_dir / ASET_DIR
    aset.mkdir(parents=True, exist_ok=True)
    src_js = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    js = aset / "plotly.min.js"
    if not js.exists() or js.stat().st_size != src_js.stat().st_size:
        tmp = _tmp_name(js)
        shutil.copyfile(src_js, tmp)
        os.replace(tmp, js)
    from .render import FIGURE_SCRIPT, figure_script

    for name, text in (("laporan.css", (TEMPLATES_DIR / "laporan.css").read_text(encoding="utf-8")),
                       (FIGURE_SCRIPT, figure_script())):
        target = aset / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            write_atomic(target, text)


# --- the warm-kernel engine (runs in worker processes) --------------------------------------------

# IPython's reset ends with a full gc.collect(), which walks every object of the kernel
# (≈ 0.2 s with the store, pandas and plotly loaded). Objects that survived a report's
# reset are long-lived (modules, the store, the cached kabupaten), so they are frozen out
# of later collections; a full collection (unfreeze first) runs when the kabupaten changes
# and every _FULL_GC_EVERY reports, so cyclic garbage among them (an evicted cache entry)
# is still reclaimed.
_RESET_CODE = (
    "get_ipython().reset(new_session=False, aggressive=False)\n"
    "get_ipython().execution_count = 1\n"
    "import gc as _p3pd_gc\n"
    "_p3pd_gc.freeze()\n"
    "del _p3pd_gc\n"
)
_UNFREEZE_CODE = "import gc as _p3pd_gc\n_p3pd_gc.unfreeze()\ndel _p3pd_gc\n"
_FULL_GC_EVERY = 40


class KernelStartError(KitError):
    """A kernel could not be started after several attempts."""


class WarmKernelEngine:
    """One Jupyter kernel kept alive to run many report notebooks, one after the other.

    Between two reports the user namespace is cleared (``InteractiveShell.reset``),
    so every report starts from a clean namespace while imported modules and the
    kit's cached store stay in memory. The HTML exporter is built once.
    """

    def __init__(self, kernel_name: str = "python3", start_attempts: int = 3, startup_timeout: int = 120) -> None:
        self.kernel_name = kernel_name
        self.start_attempts = start_attempts
        self.startup_timeout = startup_timeout
        self.loop = asyncio.new_event_loop()
        self.km: Any = None
        self.kc: Any = None
        self._ipc_dir: str | None = None
        self._exporter: Any = None
        self._notebooks: dict[str, tuple[float, Any]] = {}
        self.reports_run = 0
        self._since_full_gc = 0
        self._last_group: str | None = None

    # kernel lifecycle
    def _start_once(self) -> None:
        from jupyter_client.manager import AsyncKernelManager

        self._ipc_dir = tempfile.mkdtemp(prefix="p3pd-kernel-")
        # IPC sockets instead of TCP ports: parallel kernels cannot collide on ports.
        km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc", ip=os.path.join(self._ipc_dir, "k"))
        env = {**os.environ, "P3PD_LAPORAN_BATCH": "1", "PYTHONWARNINGS": "ignore"}
        self.loop.run_until_complete(
            km.start_kernel(
                extra_arguments=["--HistoryManager.enabled=False"],
                cwd=str(NOTEBOOKS_DIR),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        kc = km.client()
        kc.start_channels()
        try:
            self.loop.run_until_complete(kc.wait_for_ready(timeout=self.startup_timeout))
        except BaseException:
            kc.stop_channels()
            self.loop.run_until_complete(km.shutdown_kernel(now=True))
            raise
        kc.allow_stdin = False
        self.km, self.kc = km, kc
        self._since_full_gc = 0
        self._last_group = None

    def start(self) -> None:
        """Start the kernel, retrying (a loaded machine can time a start out)."""
        if self.alive():
            return
        last: BaseException | None = None
        for attempt in range(self.start_attempts):
            try:
                self._start_once()
                return
            except Exception as exc:  # noqa: BLE001 - any start failure is retried
                last = exc
                self._cleanup_dir()
                time.sleep(0.5 * (attempt + 1))
        raise KernelStartError(f"Kernel Jupyter gagal dijalankan setelah {self.start_attempts} kali mencoba: {last}")

    def _process(self) -> Any:
        return getattr(getattr(self.km, "provisioner", None), "process", None)

    @property
    def kernel_pid(self) -> int | None:
        """Process id of the running kernel (``None`` when none runs)."""
        return getattr(self._process(), "pid", None)

    def alive(self) -> bool:
        if self.km is None:
            return False
        try:
            return bool(self.loop.run_until_complete(self.km.is_alive()))
        except Exception:  # noqa: BLE001
            return False

    def close(self) -> None:
        """Shut the kernel down immediately (no graceful wait: it can stall seconds)."""
        proc = self._process()
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
        if self.km is not None:
            try:
                self.loop.run_until_complete(self.km.shutdown_kernel(now=True))
            except BaseException:  # noqa: BLE001 - e.g. a loop left busy by a signal: kill it below
                pass
        if proc is not None:
            _kill_child(proc)
        self.km = self.kc = None
        self._cleanup_dir()

    def restart(self) -> None:
        self.close()
        self.start()

    def _cleanup_dir(self) -> None:
        if self._ipc_dir:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None

    # notebook handling
    def _notebook(self, path: str) -> Any:
        import nbformat

        mtime = os.stat(path).st_mtime
        cached = self._notebooks.get(path)
        if cached is None or cached[0] != mtime:
            with open(path, encoding="utf-8") as f:
                nb = nbformat.read(f, as_version=4)
            self._notebooks[path] = (mtime, nb)
        return copy.deepcopy(self._notebooks[path][1])

    def exporter(self) -> Any:
        if self._exporter is None:
            self._exporter = html_exporter()
        return self._exporter

    def _reset_namespace(self, group: str | None = None) -> None:
        full = group != self._last_group or self._since_full_gc >= _FULL_GC_EVERY
        code = (_UNFREEZE_CODE if full else "") + _RESET_CODE
        reply = self.loop.run_until_complete(self.kc.execute_interactive(code, store_history=False, timeout=60))
        if reply["content"].get("status") != "ok":
            raise RuntimeError("Namespace kernel tidak dapat dikosongkan.")
        self._since_full_gc = 0 if full else self._since_full_gc + 1
        self._last_group = group

    def execute(self, nb: Any, timeout: int = 600, group: str | None = None) -> Any:
        """Execute a parameterised notebook in the warm kernel (namespace cleared first).

        ``group`` (the kabupaten) only steers when the kernel's garbage is fully collected.
        """
        self.start()
        self._reset_namespace(group)
        client = _warm_client_class()(
            nb,
            km=self.km,
            timeout=timeout,
            kernel_name=self.kernel_name,
            shutdown_kernel="immediate",
            record_timing=False,
        )
        client.kc = self.kc  # reuse the running client: NotebookClient then neither starts nor stops anything
        self.loop.run_until_complete(client.async_execute())
        self.reports_run += 1
        return nb


def _kill_child(proc: Any) -> None:
    """Kill a kernel process (and its process group) that is still running; reap it.

    The kernel runs in a session of its own, so its process group is its pid.
    ``poll()`` first: until reaped, the pid cannot belong to another process.
    """
    try:
        if proc.poll() is not None:
            return
        if not _kill_group(proc.pid):
            proc.kill()
        proc.wait(timeout=5)
    except Exception:  # noqa: BLE001 - best effort while shutting down
        pass


def _kill_group(pid: int) -> bool:
    """SIGKILL the process group ``pid`` leads (a kernel, in a session of its own); False when that failed."""
    killpg = getattr(os, "killpg", None)  # POSIX only
    if killpg is None:
        return False
    try:
        killpg(pid, signal.SIGKILL)
        return True
    except OSError:
        return False


@functools.lru_cache(maxsize=1)
def _warm_client_class() -> type:
    """A NotebookClient that only uses the engine's running kernel.

    nbclient's own setup installs SIGINT/SIGTERM handlers and an atexit hook that
    shut the kernel down; in a batch the main process owns interrupts and the
    engine owns the kernel, so this client's setup does nothing.
    """
    from contextlib import asynccontextmanager

    from nbclient import NotebookClient

    class WarmNotebookClient(NotebookClient):
        @asynccontextmanager
        async def async_setup_kernel(self, **kwargs: Any):  # type: ignore[override]
            yield

    return WarmNotebookClient


def parameterize(nb: Any, parameters: Mapping[str, Any]) -> Any:
    """Inject parameters after the ``parameters`` cell exactly as papermill does.

    The executed notebook then records them (``metadata.papermill.parameters``
    and the ``injected-parameters`` cell) like a papermill run would.
    """
    import nbformat
    from papermill.parameterize import parameterize_notebook

    nb = copy.deepcopy(nb)
    # papermill's loader gives every cell a tags list before it parameterises (its helpers rely on it).
    for cell in nb.cells:
        if "tags" not in cell.metadata:
            cell.metadata["tags"] = []
    if "papermill" not in nb.metadata:
        nb.metadata["papermill"] = nbformat.from_dict({})
    nb = parameterize_notebook(nb, dict(parameters), kernel_name="python3", language="python")
    nb.metadata.papermill["parameters"] = dict(parameters)
    return nb


@functools.lru_cache(maxsize=1)
def _report_exporter_class() -> type:
    """nbconvert's HTMLExporter without the work a report page does not need.

    - The stock exporter re-parses the whole page with BeautifulSoup to add alt
      text to ``<img>`` tags and tab stops to JupyterLab cells; a report has
      neither (no images, not the JupyterLab template), and the parse took a
      third of the export time.
    - The markdown cells are the same prose in every report of a batch: their
      HTML is rendered once per worker (keyed by source; the report notebooks
      carry no attachments, and cells with attachments are not cached).
    """
    from jinja2 import pass_context
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportHTMLExporter(HTMLExporter):
        _markdown_cache: dict[str, str]

        @pass_context  # jinja hands the template context first, as to the stock filter
        def markdown2html(self, context: Any, source: str) -> str:  # type: ignore[override]
            cell = context.get("cell", {})
            if cell.get("attachments"):
                return super().markdown2html(context, source)
            cache = self.__dict__.setdefault("_markdown_cache", {})
            html = cache.get(source)
            if html is None:
                html = super().markdown2html(context, source)
                if len(cache) < 512:
                    cache[source] = html
            return html

        def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any) -> tuple[str, dict[str, Any]]:  # type: ignore[override]
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportHTMLExporter


def html_exporter() -> Any:
    """The nbconvert HTML exporter of the reports: no code, the kit's template."""
    from traitlets.config import Config

    # The pygments CSS is never used (no code is shown).
    cfg = Config({
        "CSSHTMLHeaderPreprocessor": {"enabled": False},
        # Cells tagged remove_cell (usage notes, the namespace snapshot) are for notebook readers only.
        "TagRemovePreprocessor": {"enabled": True, "remove_cell_tags": {"remove_cell"}},
    })
    return _report_exporter_class()(
        config=cfg,
        template_name="classic",
        template_file=str(TEMPLATES_DIR / "laporan.html.j2"),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        # No "¶" links after the headings (they carried no text and only added markup).
        exclude_anchor_links=True,
        # Validate the notebook once after the preprocessors, not after each of them.
        optimistic_validation=True,
    )


def export_html(exporter: Any, nb: Any, judul: str, aset: str) -> str:
    """The report page of an executed notebook (``aset`` = relative folder of the shared files)."""
    body, _ = exporter.from_notebook_node(nb, resources={"p3pd": {"aset": aset, "judul": judul}, "metadata": {"name": judul}})
    return body


def notebook_json(nb: Any) -> str:
    """The notebook as .ipynb text (without nbformat's slow schema validation)."""
    return json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def print_pdf(html_path: Path, pdf_path: Path, timeout: int = 120, chromium: str = CHROMIUM) -> None:
    """Print an HTML report to an A4 PDF with headless Debian Chromium (no network).

    The virtual-time budget lets the page's scripts draw every plot before printing.
    """
    if not Path(chromium).exists():
        raise KitError(f"Chromium tidak ditemukan di {chromium}; pasang paket Debian 'chromium' untuk --pdf.")
    with tempfile.TemporaryDirectory(prefix="p3pd-chromium-") as profile:
        cmd = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=20000",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise KitError(f"Chromium gagal mencetak PDF ({proc.returncode}): {' | '.join(tail)}")


def _failing_cell(nb: Any) -> tuple[int | None, str]:
    """Index of the first cell with an error output, and a one-line summary of its source."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = next((ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")), "")
                return i, first[:120]
    return None, ""


_ENGINES = threading.local()
_ALL_ENGINES: list[WarmKernelEngine] = []
_ENGINES_LOCK = threading.Lock()


def _engine() -> WarmKernelEngine:
    eng = getattr(_ENGINES, "engine", None)
    if eng is None:
        eng = WarmKernelEngine()
        _ENGINES.engine = eng
        with _ENGINES_LOCK:
            if not _ALL_ENGINES:
                import atexit
                from multiprocessing import util

                # Worker processes end through os._exit: atexit does not run there, Finalize does.
                util.Finalize(None, close_engines, exitpriority=100)
                atexit.register(close_engines)
            _ALL_ENGINES.append(eng)
    return eng


def close_engines() -> None:
    """Shut down every kernel this process started (idempotent)."""
    with _ENGINES_LOCK:
        engines = list(_ALL_ENGINES)
        _ALL_ENGINES.clear()
    for eng in engines:
        eng.close()
    if hasattr(_ENGINES, "engine"):
        del _ENGINES.engine


def run_task(task: Task) -> dict[str, Any]:
    """Produce one report in this process's warm kernel; never raises.

    Returns the manifest entry of the task. A report whose kernel died is run
    once more in a fresh kernel; any other failure is recorded (failing cell,
    error) and the executed notebook is kept under ``_gagal/`` for diagnosis.
    """
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    t0 = time.perf_counter()
    started = time.time() - 1.0  # file mtimes may be rounded to the second
    out_dir = Path(task.output_dir)
    entry: dict[str, Any] = {
        "jenis": task.jenis, "kode": task.kode, "nama": task.nama, "kode_kabupaten": task.kode_kabupaten,
        "nama_kabupaten": task.nama_kabupaten, "nama_provinsi": task.nama_provinsi, "tahun": task.tahun,
        "kunci": task.key, "pekerja": f"{os.uname().nodename}:{os.getpid()}", "sel_gagal": None, "galat": "",
        "notebook_gagal": "", "html": "", "ipynb": "", "xlsx": "", "pdf": "",
    }
    engine = _engine()
    finals = {kind: out_dir / rel for kind, rel in task.outputs().items()}
    tmps: dict[str, Path] = {}
    nb = None
    attempts = 0
    try:
        finals["html"].parent.mkdir(parents=True, exist_ok=True)
        base = engine._notebook(task.notebook)
        while True:
            attempts += 1
            nb = parameterize(base, task.parameters)
            try:
                engine.execute(nb, timeout=task.timeout, group=task.kode_kabupaten)
                break
            except DeadKernelError:
                engine.restart()
                if attempts >= 2:
                    raise
            except CellTimeoutError:
                engine.restart()  # the kernel is still busy with the stuck cell
                raise
        judul = f"Laporan {'Kabupaten' if task.jenis == 'kabupaten' else 'Kecamatan'} {task.nama} ({task.kode}) {task.tahun}"
        html = export_html(engine.exporter(), nb, judul, aset=f"../{ASET_DIR}")
        tmps["html"] = _tmp_name(finals["html"])
        tmps["html"].write_text(html, encoding="utf-8")
        tmps["ipynb"] = _tmp_name(finals["ipynb"])
        tmps["ipynb"].write_text(notebook_json(nb), encoding="utf-8")
        if "xlsx" in finals and (not finals["xlsx"].exists() or finals["xlsx"].stat().st_mtime < started):
            raise KitError("Notebook tidak menulis buku kerja Excel.")
        if task.pdf:
            tmps["pdf"] = _tmp_name(finals["pdf"])
            print_pdf(tmps["html"], tmps["pdf"])
        _commit([(tmps[k], finals[k]) for k in ("pdf", "ipynb", "html") if k in tmps])
        entry.update({k: str(finals[k].relative_to(out_dir)) for k in finals})
        entry["status"] = BERHASIL
        (out_dir / GAGAL_DIR / f"{task.kode}.ipynb").unlink(missing_ok=True)
    except BaseException as exc:  # noqa: BLE001 - a failure is recorded, never raised
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise  # the worker is being stopped: nothing to record
        entry["status"] = GAGAL
        if isinstance(exc, CellExecutionError):
            entry["galat"] = f"{exc.ename}: {exc.evalue}"
        elif isinstance(exc, CellTimeoutError):
            entry["galat"] = f"Waktu habis: sel berjalan lebih dari {task.timeout} detik."
        else:
            entry["galat"] = f"{type(exc).__name__}: {exc}"
        if nb is not None:
            idx, src = _failing_cell(nb)
            entry["sel_gagal"] = idx
            if src:
                entry["galat"] = f"{entry['galat']} [sel {idx}: {src}]"
            try:
                failed = out_dir / GAGAL_DIR / f"{task.kode}.ipynb"
                write_atomic(failed, notebook_json(nb))
                entry["notebook_gagal"] = str(failed.relative_to(out_dir))
            except OSError:
                pass
    finally:
        for tmp in tmps.values():
            tmp.unlink(missing_ok=True)
    entry["percobaan"] = attempts
    entry["durasi_detik"] = round(time.perf_counter() - t0, 3)
    entry["selesai"] = datetime.now().isoformat(timespec="seconds")
    return entry


# --- worker processes of the local pool --------------------------------------------------------


def _exit_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def _die_with_parent(parent_pid: int) -> None:
    """Linux: have the kernel send this worker SIGTERM when the batch process dies, even by SIGKILL."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the closed pipe still ends the worker after its current report
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        raise SystemExit(1)


def _pool_worker(conn: Any, parent_pid: int, provinsi: Sequence[str] = ()) -> None:
    """Main function of a local worker process: run the reports it is sent, one at a time.

    Messages to the batch process: ``("kernel", pid)`` when a kernel started,
    ``("selesai", entry, kernel_pid)`` after each report. ``None`` or a closed
    pipe ends the worker. SIGTERM (the batch stopping) ends it at once; its
    kernel is shut down on the way out, and a half-made report leaves only
    temporary files, which the batch process sweeps. ``provinsi``: the
    provinces of every report of the run; the kernel then reads only those
    (see :data:`p3pd_lib.session.PROVINSI_ENV`).
    """
    from .session import PROVINSI_ENV

    # Ctrl+C reaches the whole process group: the batch process decides and then stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if provinsi:
        os.environ[PROVINSI_ENV] = ",".join(provinsi)  # inherited by the kernel
    else:
        os.environ.pop(PROVINSI_ENV, None)
    try:
        _die_with_parent(parent_pid)
        engine = _engine()
        try:
            engine.start()  # while the batch process hands out the first reports
            conn.send(("kernel", engine.kernel_pid))
        except KernelStartError:
            pass  # run_task tries again and records the failure
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                break
            if task is None:
                break
            entry = run_task(task)
            conn.send(("selesai", entry, engine.kernel_pid))
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
        close_engines()


def warm_up() -> str:
    """Start this process's kernel ahead of the first task (used by Dask workers too)."""
    _engine().start()
    return f"{os.uname().nodename}:{os.getpid()}"


# --- selection, manifest, index (main process) ---------------------------------------------------


@dataclass
class BatchResult:
    """What a batch did: one manifest entry per report, and where the outputs are."""

    output_dir: Path
    entries: list[dict[str, Any]]
    duration: float
    tahun: int
    n_workers: int
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.get("status") == status)

    @property
    def index(self) -> Path:
        return self.output_dir / INDEX_HTML

    def summary(self) -> str:
        """Indonesian summary printed at the end of a batch."""
        run = [e for e in self.entries if e.get("status") in (BERHASIL, GAGAL) and e.get("_dijalankan")]
        per = (self.duration / len(run)) if run else 0.0
        lines = [
            f"Laporan tahun {self.tahun}: {self.count(BERHASIL)} berhasil, {self.count(TERKINI)} sudah terkini (dilewati), "
            f"{self.count(GAGAL)} gagal; {len(run)} dijalankan dalam {self.duration:.1f} detik"
            + (f" ({per:.2f} detik/laporan efektif, {self.n_workers} pekerja)." if run else "."),
        ]
        for e in self.entries:
            if e.get("status") == GAGAL:
                lines.append(f"  GAGAL {e['kode']} {e.get('nama', '')}: {e.get('galat', '')}")
        if self.interrupted:
            lines.append("Dihentikan sebelum selesai: laporan yang belum dibuat akan dibuat pada jalankan berikutnya.")
        lines.append(f"Buka: {self.index}")
        return "\n".join(lines)


def _check_codes(codes: Iterable[str], level: str) -> list[str]:
    out = []
    for c in codes:
        c = str(c).strip()
        if not _KODE[level].fullmatch(c):
            fmt = {"provinsi": "PP (mis. 33)", "kabupaten": "PP.KK (mis. 33.07)", "kecamatan": "PP.KK.CC (mis. 33.07.01)"}[level]
            raise ParameterError(f"'{c}' bukan kode {level} yang sah; formatnya {fmt}.")
        out.append(c)
    return out


def read_manifest(output_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Previous manifest entries by (jenis, kode); empty when there is none or it is unreadable."""
    path = output_dir / MANIFEST_JSON
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {(e["jenis"], e["kode"]): e for e in data.get("laporan", []) if "jenis" in e and "kode" in e}


def _up_to_date(prev: Mapping[str, Any] | None, task: Task, output_dir: Path) -> bool:
    if not prev or prev.get("status") not in (BERHASIL, TERKINI) or prev.get("kunci") != task.key:
        return False
    return all((output_dir / rel).exists() for rel in task.outputs().values())


def write_manifest(output_dir: Path, entries: Sequence[Mapping[str, Any]], info: Mapping[str, Any]) -> None:
    """Write ``manifest.json`` and ``manifest.csv`` atomically."""
    clean = [{k: e.get(k) for k in _MANIFEST_FIELDS} for e in entries]
    write_atomic(output_dir / MANIFEST_JSON, json.dumps({"jalankan": dict(info), "laporan": clean}, ensure_ascii=False, indent=1, default=str))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=_MANIFEST_FIELDS, lineterminator="\n")
    w.writeheader()
    for e in clean:
        w.writerow({k: ("" if v is None else v) for k, v in e.items()})
    write_atomic(output_dir / MANIFEST_CSV, buf.getvalue())


def index_html(entries: Sequence[Mapping[str, Any]], info: Mapping[str, Any]) -> str:
    """The index page: every report by name and code with its status, searchable offline."""
    from .render import badge_simulasi, esc, page

    status_label = {BERHASIL: "berhasil", TERKINI: "terkini", GAGAL: "gagal", BELUM: "belum dibuat"}

    def links(e: Mapping[str, Any]) -> str:
        parts = []
        for kind, label in (("html", "Laporan"), ("xlsx", "Excel"), ("pdf", "PDF"), ("ipynb", "Notebook")):
            rel = e.get(kind)
            if rel and e.get("status") in (BERHASIL, TERKINI):
                parts.append(f'<a href="{esc(rel)}">{label}</a>')
        if e.get("notebook_gagal") and e.get("status") == GAGAL:
            parts.append(f'<a href="{esc(e["notebook_gagal"])}">Notebook gagal</a>')
        return " · ".join(parts)

    def row(e: Mapping[str, Any]) -> str:
        st = str(e.get("status", BELUM))
        galat = f'<div class="catatan">{esc(e.get("galat"))}</div>' if st == GAGAL and e.get("galat") else ""
        search = " ".join(str(e.get(k, "")) for k in ("kode", "nama", "nama_kabupaten", "nama_provinsi")).lower()
        return (
            f'<tr data-cari="{esc(search)}"><td>{esc(e.get("kode"))}</td><td>{esc(e.get("nama"))}</td>'
            f'<td>{esc(e.get("nama_kabupaten"))}</td><td>{esc(e.get("nama_provinsi"))}</td>'
            f'<td class="status-{esc(st)}">{esc(status_label.get(st, st))}{galat}</td><td>{links(e)}</td></tr>'
        )

    kab = [e for e in entries if e.get("jenis") == "kabupaten"]
    kec = [e for e in entries if e.get("jenis") == "kecamatan"]
    n_ok = sum(1 for e in entries if e.get("status") in (BERHASIL, TERKINI))
    n_fail = sum(1 for e in entries if e.get("status") == GAGAL)
    head = "<tr><th>Kode</th><th>Nama</th><th>Kabupaten/Kota</th><th>Provinsi</th><th>Status</th><th>Berkas</th></tr>"
    body = [
        (str(badge_simulasi()) if info.get("simulasi") else ""),
        f"<h1>Laporan Kecamatan {esc(info.get('tahun'))}</h1>",
        f'<p class="catatan">{n_ok} laporan tersedia, {n_fail} gagal. Dibuat {esc(info.get("dibuat"))} · '
        f'versi kit {esc(info.get("versi_kit"))} · sidik data {esc(info.get("sidik_data"))}. '
        f'Rincian: <a href="{MANIFEST_CSV}">manifest.csv</a> · <a href="{MANIFEST_JSON}">manifest.json</a></p>',
        '<input class="cari" id="cari" type="search" placeholder="Cari nama atau kode kecamatan/kabupaten…" '
        'aria-label="Cari laporan" autofocus>',
    ]
    if kab:
        body.append(f'<h2>Laporan kabupaten/kota</h2><table class="tabel daftar">{head}{"".join(row(e) for e in kab)}</table>')
    body.append(f'<h2>Laporan kecamatan ({len(kec)})</h2><table class="tabel daftar">{head}{"".join(row(e) for e in kec)}</table>')
    body.append(
        '<p id="kosong" class="catatan" hidden>Tidak ada laporan yang cocok.</p>'
        "<script>(function(){var q=document.getElementById('cari'),rows=document.querySelectorAll('tr[data-cari]'),"
        "none=document.getElementById('kosong');q.addEventListener('input',function(){var t=q.value.trim().toLowerCase(),n=0;"
        "rows.forEach(function(r){var ok=!t||r.getAttribute('data-cari').indexOf(t)>=0;r.hidden=!ok;if(ok)n++;});"
        "none.hidden=n>0;});})();</script>"
    )
    return page(f"Laporan Kecamatan {info.get('tahun')}", "".join(body), aset=ASET_DIR)


def _plan(
    wilayah: Any,
    kecamatan: Sequence[str],
    kabupaten: Sequence[str],
    provinsi: Sequence[str],
    semua: bool,
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The kecamatan and kabupaten reports a selection asks for (sorted by code).

    Kecamatan named explicitly are kept even when the data do not hold them: the
    notebook then fails with its Indonesian message and the manifest says why.
    """
    w = wilayah.drop_duplicates("kode_kecamatan")
    rows = {str(r.kode_kecamatan): r for r in w.itertuples(index=False)}
    kab_rows = {str(r.kode_kabupaten): r for r in w.drop_duplicates("kode_kabupaten").itertuples(index=False)}
    chosen: dict[str, dict[str, str]] = {}
    kab_chosen: dict[str, dict[str, str]] = {}

    def kec_entry(kode: str) -> dict[str, str]:
        r = rows.get(kode)
        if r is not None:
            return {"kode": kode, "nama": str(r.nama_kecamatan), "kode_kabupaten": str(r.kode_kabupaten),
                    "nama_kabupaten": str(r.nama_kabupaten), "nama_provinsi": str(r.nama_provinsi)}
        k = kab_rows.get(kode[:5])
        return {"kode": kode, "nama": "(tidak ada dalam data)", "kode_kabupaten": kode[:5],
                "nama_kabupaten": str(k.nama_kabupaten) if k is not None else "", "nama_provinsi": str(k.nama_provinsi) if k is not None else ""}

    prefixes = [p + "." for p in provinsi] + [k + "." for k in kabupaten]
    for kode in sorted(rows):
        if semua or any(kode.startswith(p) for p in prefixes):
            chosen[kode] = kec_entry(kode)
    for kode in kecamatan:
        chosen.setdefault(kode, kec_entry(kode))
    for kode, r in sorted(kab_rows.items()):
        if semua or kode in kabupaten or kode[:2] in provinsi:
            kab_chosen[kode] = {"kode": kode, "nama": str(r.nama_kabupaten), "kode_kabupaten": kode,
                                "nama_kabupaten": str(r.nama_kabupaten), "nama_provinsi": str(r.nama_provinsi)}
    for kode in kabupaten:
        if kode not in kab_chosen:
            raise ParameterError(f"Kabupaten/kota {kode} tidak ada dalam data.")
    for kode in provinsi:
        if not any(k.startswith(kode + ".") for k in rows):
            raise ParameterError(f"Provinsi {kode} tidak ada dalam data.")
    return [chosen[k] for k in sorted(chosen)], [kab_chosen[k] for k in sorted(kab_chosen)]


def make_tasks(
    ds: Any,
    kecamatan: Sequence[str],
    kabupaten: Sequence[str],
    provinsi: Sequence[str],
    semua: bool,
    tahun: int,
    out: Path,
    data_root: Path,
    pdf: bool = False,
    timeout: int = 600,
    kecamatan_reports: bool = True,
    kabupaten_reports: bool = True,
) -> list[Task]:
    """The report tasks of a selection over dataset ``ds`` (kecamatan first, by code; then kabupaten)."""
    kec_plan, kab_plan = _plan(ds.wilayah, kecamatan, kabupaten, provinsi, semua)
    fp, code_fp = ds.fingerprint, code_fingerprint()
    out = Path(out)
    tasks: list[Task] = []
    for p in kec_plan if kecamatan_reports else []:
        params = {"kode_kecamatan": p["kode"], "tahun": int(tahun), "data_dir": str(data_root),
                  "file_excel": str(out / p["kode_kabupaten"] / f"{p['kode']}.xlsx")}
        tasks.append(Task("kecamatan", notebook=str(NOTEBOOK_KECAMATAN), output_dir=str(out), tahun=int(tahun),
                          parameters=params, pdf=pdf, timeout=timeout,
                          key=task_key(NOTEBOOK_KECAMATAN, params, fp, code_fp, pdf), **p))
    for p in kab_plan if kabupaten_reports else []:
        params = {"kode_kabupaten": p["kode"], "tahun": int(tahun), "data_dir": str(data_root), "pola_tautan": "{kode}.html"}
        tasks.append(Task("kabupaten", notebook=str(NOTEBOOK_KABUPATEN), output_dir=str(out), tahun=int(tahun),
                          parameters=params, pdf=pdf, timeout=timeout,
                          key=task_key(NOTEBOOK_KABUPATEN, params, fp, code_fp, pdf), **p))
    return tasks


@dataclass(frozen=True)
class StoreIndex:
    """What the batch engine needs to plan a run, without the data tables: regions, years, fingerprint, flag."""

    wilayah: Any
    tahun: tuple[int, ...]
    fingerprint: str
    simulasi: bool

    def years(self) -> list[int]:
        """Fiscal years present in the data tables, ascending (as ``Dataset.years``)."""
        return list(self.tahun)


def store_index(data_dir: str | os.PathLike[str] | None = None) -> StoreIndex:
    """The :class:`StoreIndex` of a store: reads ``wilayah``, the distinct years and ``meta.json`` only.

    The whole store (millions of APBDes lines) stays out of the process that
    plans a batch (e.g. a dashboard kernel asking for one report).
    """
    from .store import distinct_values, load_dataset, load_table, read_meta

    wilayah = load_table("wilayah", data_dir)  # a missing store raises the usual StoreError
    meta = read_meta(data_dir)
    years = sorted({int(y) for t in ("layanan", "apbdes", "status_desa", "usulan")
                    for y in distinct_values(t, "tahun", data_dir)})
    # Stores written by the kit always carry their fingerprint; compute it only for a hand-made one.
    fp = str(meta.get("fingerprint") or load_dataset(data_dir).fingerprint)
    return StoreIndex(wilayah=wilayah, tahun=tuple(years), fingerprint=fp, simulasi=bool(meta.get("simulasi", False)))


def run_batch(
    kecamatan: Sequence[str] = (),
    kabupaten: Sequence[str] = (),
    provinsi: Sequence[str] = (),
    semua: bool = False,
    tahun: int | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    pdf: bool = False,
    scheduler: str | None = None,
    progress: bool = True,
    laporan_kabupaten: bool = True,
    timeout: int = 600,
    log: Callable[[str], None] | None = None,
) -> BatchResult:
    """Render the reports of a selection of regions (the ``p3pd laporan`` command).

    ``kecamatan``/``kabupaten``/``provinsi`` are code lists (combined), or
    ``semua`` takes every kecamatan in the store. ``tahun`` defaults to the
    latest year with data. ``workers`` defaults to the number of cores;
    ``scheduler`` is the address of a Dask distributed scheduler instead. A
    kabupaten report is added for every kabupaten selected whole.
    """
    kecamatan = _check_codes(kecamatan, "kecamatan")
    kabupaten = _check_codes(kabupaten, "kabupaten")
    provinsi = _check_codes(provinsi, "provinsi")
    if not (kecamatan or kabupaten or provinsi or semua):
        raise ParameterError("Pilih wilayah: --kecamatan, --kabupaten, --provinsi (boleh diulang) atau --semua.")
    if workers is not None and workers < 1:
        raise ParameterError("--workers harus 1 atau lebih.")
    say = log or (lambda s: print(s, file=sys.stderr))

    data_root = _resolve_data_dir(data_dir or None)
    ds = store_index(data_root)  # the report kernels read the data; this process only plans
    years = ds.years()
    if tahun is None:
        if not years:
            raise ParameterError("Data tidak memuat tahun mana pun.")
        tahun = years[-1]
    elif years and tahun not in years:
        raise ParameterError(f"Tidak ada data untuk tahun {tahun}. Tahun yang tersedia: {', '.join(map(str, years))}.")
    out = Path(output_dir).expanduser().resolve() if output_dir else DEFAULT_OUTPUT_DIR
    tasks = make_tasks(ds, kecamatan, kabupaten, provinsi, semua, int(tahun), out, data_root, pdf, timeout,
                       kabupaten_reports=laporan_kabupaten)
    out.mkdir(parents=True, exist_ok=True)
    swept = sweep_temporary(out)
    if swept:
        say(f"{swept} berkas sementara dari jalankan yang terputus dihapus.")
    write_assets(out)
    fp = ds.fingerprint

    previous = read_manifest(out)
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    todo: list[Task] = []
    for t in tasks:
        prev = previous.get((t.jenis, t.kode))
        if _up_to_date(prev, t, out):
            entries[(t.jenis, t.kode)] = {**prev, "status": TERKINI}
        else:
            entries[(t.jenis, t.kode)] = {**asdict_light(t), "status": BELUM}
            todo.append(t)
    info = {
        "tahun": tahun, "data_dir": str(data_root), "sidik_data": fp, "simulasi": ds.simulasi, "versi_kit": __version__,
        "dibuat": datetime.now().strftime("%d-%m-%Y %H:%M"), "pekerja": None, "scheduler": scheduler or "",
    }

    def flush() -> None:
        ordered = sorted(entries.values(), key=lambda e: (e.get("jenis") != "kabupaten", e.get("kode", "")))
        write_manifest(out, ordered, info)
        write_atomic(out / INDEX_HTML, index_html(ordered, info))

    n_workers = 0
    t0 = time.perf_counter()
    interrupted = False
    if todo:
        n_workers = min(len(todo), workers or os.cpu_count() or 1) if not scheduler else 0
        say(f"{len(todo)} laporan akan dibuat ({len(tasks) - len(todo)} sudah terkini).")
        try:
            with _stop_signals_interrupt():
                if scheduler:
                    n_workers = _run_dask(todo, entries, flush, n_workers, scheduler, progress)
                else:
                    n_workers = _run_local(todo, entries, flush, n_workers, scheduler, progress,
                                           provinsi=_provinces_needed(todo, ds.wilayah))
        except KeyboardInterrupt:
            interrupted = True
        finally:
            sweep_temporary(out)  # the workers and their kernels are stopped by now
    info["pekerja"] = n_workers
    info["durasi_detik"] = round(time.perf_counter() - t0, 2)
    flush()
    result = BatchResult(out, sorted(entries.values(), key=lambda e: (e.get("jenis") != "kabupaten", e.get("kode", ""))),
                         time.perf_counter() - t0, int(tahun), n_workers, interrupted)
    if interrupted:
        raise BatchInterrupted(result)
    return result


def _provinces_needed(todo: Sequence[Task], wilayah: Any) -> list[str]:
    """The provinces whose data the reports of ``todo`` read; ``[]`` (the whole store) when a kecamatan is not in the data.

    A kecamatan or kabupaten report reads its kabupaten and its province (the
    comparison), nothing else. A kecamatan missing from the data keeps the whole
    store, so its error message lists what the data do hold.
    """
    known = set(wilayah["kode_kecamatan"].astype(str).unique())
    if any(t.jenis == "kecamatan" and t.kode not in known for t in todo):
        return []
    needed = {t.kode[:2] for t in todo}
    if needed >= {k[:2] for k in known}:
        return []  # every province (``--semua``): one plain read of the whole store is faster than a filtered one
    return sorted(needed)


@contextlib.contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """SIGTERM/SIGHUP to the batch process act like Ctrl+C (main thread only).

    So ``kill <pid>`` of ``p3pd laporan`` alone stops the workers and their
    kernels and writes the manifest, instead of leaving the workers running.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"sinyal {signum}")

    names = ("SIGTERM", "SIGHUP")  # SIGHUP: the terminal closed (POSIX only)
    old = {s: signal.signal(s, interrupt) for s in (getattr(signal, n) for n in names if hasattr(signal, n))}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl+C during a batch; carries the partial :class:`BatchResult` (manifest already written)."""

    def __init__(self, result: BatchResult) -> None:
        super().__init__("Dihentikan oleh pengguna.")
        self.result = result


def asdict_light(t: Task) -> dict[str, Any]:
    """The identifying fields of a task as a manifest entry."""
    return {"jenis": t.jenis, "kode": t.kode, "nama": t.nama, "kode_kabupaten": t.kode_kabupaten,
            "nama_kabupaten": t.nama_kabupaten, "nama_provinsi": t.nama_provinsi, "tahun": t.tahun, "kunci": t.key}


class _Progress:
    """tqdm bar with ETA plus periodic manifest/index writes."""

    def __init__(self, total: int, enabled: bool, flush: Callable[[], None]) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc="Laporan", unit="lap", disable=not enabled, dynamic_ncols=True, smoothing=0.1)
        self.flush = flush
        self.failed = 0
        self.last = time.monotonic()

    def done(self, entry: Mapping[str, Any]) -> None:
        if entry.get("status") == GAGAL:
            self.failed += 1
            self.bar.set_postfix(gagal=self.failed, refresh=False)
        self.bar.update(1)
        if time.monotonic() - self.last > 5:
            self.flush()
            self.last = time.monotonic()

    def close(self) -> None:
        self.bar.close()


#: Galat text of a report whose worker process died under it (the report is tried once more).
PEKERJA_BERHENTI = "PekerjaBerhenti"


def _needs_retry(entry: Mapping[str, Any]) -> bool:
    """A failure of the machinery (dead worker, kernel start), not of the report itself."""
    g = str(entry.get("galat", ""))
    return entry.get("status") == GAGAL and entry.get("sel_gagal") is None and (
        "KernelStartError" in g or "DeadKernelError" in g or "BrokenProcessPool" in g or PEKERJA_BERHENTI in g
    )


def _record(entries: dict, task: Task, entry: dict[str, Any]) -> None:
    entry["_dijalankan"] = True
    entries[(task.jenis, task.kode)] = entry


def _group_order(tasks: Iterable[Task]) -> list[Task]:
    """Tasks kabupaten by kabupaten: its kecamatan by code, then the kabupaten report (on the warm cache)."""
    return sorted(tasks, key=lambda t: (t.kode_kabupaten, t.jenis == "kabupaten", t.kode))


#: Take a share of a kabupaten another worker is on only when it has at least this many
#: reports left: the second worker pays the kabupaten's analysis once more.
_STEAL_MIN = 3
#: Reports sent ahead to a worker, so it never waits for the batch process between two.
_AHEAD = 2


class _Scheduler:
    """Which report a free worker runs next.

    A worker's kernel keeps the data and the analysis of the kabupaten it
    works on, so a worker stays on one kabupaten until its reports are done
    (the kabupaten report last, on the warm cache). It then takes the largest
    kabupaten nobody has started (largest first, so the workers finish
    together), and at the end helps with the kabupaten that has the most
    reports left.
    """

    def __init__(self, tasks: Iterable[Task]) -> None:
        self.groups: dict[str, deque[Task]] = {}
        for t in _group_order(tasks):
            self.groups.setdefault(t.kode_kabupaten, deque()).append(t)
        self.unstarted: list[str] = sorted(self.groups, key=lambda k: (-len(self.groups[k]), k))
        self.affinity: dict[int, str] = {}

    def next(self, worker: int) -> Task | None:
        """The next task for ``worker`` (``None``: nothing it should take now)."""
        group = self.affinity.get(worker)
        if group is None or not self.groups[group]:
            group = self._choose()
            if group is None:
                self.affinity.pop(worker, None)
                return None
            self.affinity[worker] = group
        return self.groups[group].popleft()

    def _choose(self) -> str | None:
        while self.unstarted:
            group = self.unstarted.pop(0)
            if self.groups[group]:
                return group
        left = [(len(q), k) for k, q in self.groups.items() if len(q) >= _STEAL_MIN]
        return max(left)[1] if left else None

    def forget(self, worker: int) -> None:
        """``worker`` is gone: its kabupaten is free for any worker."""
        group = self.affinity.pop(worker, None)
        if group is not None and self.groups[group] and group not in self.affinity.values():
            self.unstarted.insert(0, group)

    def put_back(self, task: Task) -> None:
        """Run ``task`` again (its worker died): first in its kabupaten's queue."""
        group = task.kode_kabupaten
        self.groups.setdefault(group, deque()).appendleft(task)
        if group not in self.affinity.values() and group not in self.unstarted:
            self.unstarted.insert(0, group)


class _LocalWorker:
    """One worker process of the local pool, seen from the batch process."""

    def __init__(self, ctx: Any, index: int, provinsi: Sequence[str] = ()) -> None:
        self.index = index
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_pool_worker, args=(child, os.getpid(), tuple(provinsi)),
                                name=f"p3pd-pekerja-{index}", daemon=True)
        self.proc.start()
        child.close()
        self.outstanding: deque[Task] = deque()
        self.kernel_pid: int | None = None
        self.dead = False

    def send(self, task: Task | None) -> None:
        self.conn.send(task)
        if task is not None:
            self.outstanding.append(task)

    def stop(self, grace: float) -> None:
        """End the process: SIGTERM (it shuts its kernel down), then SIGKILL and the kernel too."""
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(grace)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
            if self.kernel_pid:  # the worker had no chance to shut its kernel down
                _kill_group(self.kernel_pid)
        self.conn.close()


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """SIGINT/SIGTERM held off (main thread only) while the pool is being stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _stop_workers(workers: Sequence[_LocalWorker], graceful: bool) -> None:
    with _signals_ignored():
        if graceful:
            for w in workers:
                if w.proc.is_alive():
                    try:
                        w.send(None)
                    except OSError:
                        pass
            deadline = time.monotonic() + 30
            for w in workers:
                w.proc.join(max(0.1, deadline - time.monotonic()))
        for w in workers:
            w.stop(grace=10)


def _run_local(todo: list[Task], entries: dict, flush: Callable[[], None], n_workers: int, scheduler: Any, progress: bool,
               provinsi: Sequence[str] = ()) -> int:
    """Run ``todo`` on ``n_workers`` local worker processes, one warm kernel each (see :class:`_Scheduler`).

    ``provinsi``: when given, the kernels read only these provinces of the store.
    """
    import multiprocessing
    from multiprocessing.connection import wait as wait_ready

    # spawn: worker processes start clean (no inherited threads, locks or event loops).
    ctx = multiprocessing.get_context("spawn")
    bar = _Progress(len(todo), progress, flush)
    sched = _Scheduler(todo)
    retried: set[tuple[str, str]] = set()
    left = len(todo)
    workers: list[_LocalWorker] = []
    graceful = False

    def feed(w: _LocalWorker) -> None:
        while not w.dead and len(w.outstanding) < _AHEAD:
            task = sched.next(w.index)
            if task is None:
                return
            w.send(task)

    def finished(task: Task, entry: dict[str, Any]) -> None:
        nonlocal left
        key = (task.jenis, task.kode)
        if _needs_retry(entry) and key not in retried:
            retried.add(key)
            sched.put_back(task)
            return
        _record(entries, task, entry)
        bar.done(entry)
        left -= 1

    def died(w: _LocalWorker) -> None:
        w.dead = True
        w.proc.join(5)
        if w.kernel_pid:  # normally gone with its worker (ipykernel watches its parent); make sure
            _kill_group(w.kernel_pid)
        sched.forget(w.index)
        lost = list(w.outstanding)
        w.outstanding.clear()
        if lost:
            task = lost[0]  # the report it was running
            finished(task, {**asdict_light(task), "status": GAGAL, "sel_gagal": None, "durasi_detik": None,
                            "galat": f"{PEKERJA_BERHENTI}: proses pekerja berhenti (kode keluar {w.proc.exitcode}).",
                            "selesai": datetime.now().isoformat(timespec="seconds")})
            for t in reversed(lost[1:]):
                sched.put_back(t)
        w.conn.close()

    try:
        workers = [_LocalWorker(ctx, i, provinsi) for i in range(n_workers)]
        while left:
            # A dead worker is replaced while reports are left that no live worker holds.
            for i, w in enumerate(workers):
                if w.dead and left > sum(len(x.outstanding) for x in workers if not x.dead):
                    workers[i] = _LocalWorker(ctx, w.index, provinsi)
            for w in workers:
                feed(w)
            active = [w for w in workers if not w.dead]
            if not any(w.outstanding for w in active):
                break  # nothing handed out although reports are left: cannot happen, but never wait forever
            waitables = {w.conn: w for w in active}
            waitables.update({w.proc.sentinel: w for w in active})
            for ready in wait_ready(list(waitables)):
                w = waitables[ready]
                if w.dead:
                    continue
                try:
                    while w.conn.poll():
                        msg = w.conn.recv()
                        if msg[0] == "kernel":
                            w.kernel_pid = msg[1]
                        elif msg[0] == "selesai":
                            w.kernel_pid = msg[2]
                            finished(w.outstanding.popleft(), msg[1])
                except (EOFError, OSError):
                    died(w)
                    continue
                if not w.proc.is_alive():
                    died(w)
        graceful = True
    finally:
        _stop_workers(workers, graceful)
        bar.close()
    return n_workers


def _run_dask(todo: list[Task], entries: dict, flush: Callable[[], None], n_workers: int, scheduler: str, progress: bool) -> int:
    from distributed import Client, as_completed

    bar = _Progress(len(todo), progress, flush)
    try:
        client = Client(scheduler, timeout="30s")
    except Exception as exc:  # noqa: BLE001
        bar.close()
        raise KitError(f"Tidak dapat terhubung ke penjadwal Dask {scheduler}: {exc}") from exc
    retried: set[str] = set()
    try:
        workers = len(client.scheduler_info().get("workers", {}))
        todo = _group_order(todo)  # a kabupaten's reports one after the other: its analysis stays cached
        futures = client.map(run_task, todo, pure=False, retries=0)
        by_key = {f.key: t for f, t in zip(futures, todo)}
        ac = as_completed(futures)
        for fut in ac:
            task = by_key[fut.key]
            try:
                entry = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker
                entry = {**asdict_light(task), "status": GAGAL, "galat": f"{type(exc).__name__}: {exc}", "sel_gagal": None,
                         "durasi_detik": None, "selesai": datetime.now().isoformat(timespec="seconds")}
                if task.kode not in retried:
                    retried.add(task.kode)
                    nf = client.submit(run_task, task, pure=False)
                    by_key[nf.key] = task
                    ac.add(nf)
                    continue
            if _needs_retry(entry) and task.kode not in retried:
                retried.add(task.kode)
                nf = client.submit(run_task, task, pure=False)
                by_key[nf.key] = task
                ac.add(nf)
                continue
            _record(entries, task, entry)
            bar.done(entry)
    except KeyboardInterrupt:
        client.cancel(futures)
        raise
    finally:
        bar.close()
        client.close()
    return workers


def render_default(output_dir: str | os.PathLike[str] | None = None, data_dir: str | os.PathLike[str] | None = None) -> BatchResult:
    """Render the reports of the default kabupaten (33.07) into ``laporan/`` (``make demo``)."""
    result = run_batch(kabupaten=[DEFAULT_KABUPATEN], output_dir=output_dir, data_dir=data_dir)
    print(result.summary())
    return result


if __name__ == "__main__":  # pragma: no cover - `python -m p3pd_lib.report` = make demo's step
    render_default()
