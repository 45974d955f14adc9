"""What runs on a Dask worker: the warm-kernel plugin and the report tasks.

:class:`KernelPlugin` is a ``distributed.WorkerPlugin``: its ``setup`` starts the
worker's kernel, its ``teardown`` shuts it down (when the cluster closes, or
when the batch unregisters it from a long-lived cluster). A task finds it
through ``get_worker().plugins[PLUGIN_NAME]`` and runs its reports there, one
after the other, through ``papermill.execute_notebook`` with the warm-kernel
engine.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from distributed import WorkerPlugin

from ..errors import KitError
from ..paths import PROJECT_ROOT
from .export import export_html, failing_cell, html_exporter, notebook_json, print_pdf, without_paths
from .outputs import (ASET_DIR, BERHASIL, GAGAL, GAGAL_DIR, commit, file_sha256,
                      record_path, tmp_name, up_to_date, write_atomic, write_record)
from .plan import Task

if TYPE_CHECKING:
    from .kernel import WarmKernel

PLUGIN_NAME = "p3pd-kernel"


class KernelPlugin(WorkerPlugin):
    """One warm Jupyter kernel per Dask worker, with the nbconvert exporter the worker's reports share.

    ``env``: environment of the kernel (the store's folder, the provinces it
    reads, the batch flag of the figures). ``ignore_sigint``: the worker is the
    batch's own (LocalCluster) and leaves Ctrl+C to the batch process, also when
    its nanny started it again after a crash.
    """

    name = PLUGIN_NAME

    def __init__(self, env: Mapping[str, str], ignore_sigint: bool = False) -> None:
        self.env = dict(env)
        self.ignore_sigint = ignore_sigint
        self.kernel: "WarmKernel | None" = None
        self.exporter: Any = None

    async def setup(self, worker: Any) -> None:
        # Imported here: the batch process pickles the plugin and never needs papermill itself.
        from .kernel import KernelStartError, WarmKernel

        if self.ignore_sigint and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.kernel = WarmKernel(self.env)
        try:  # off the worker's event loop, which goes on meanwhile
            await asyncio.to_thread(self.kernel.start)
        except KernelStartError:
            pass  # the first report tries again and records the failure

    async def teardown(self, worker: Any) -> None:
        if self.kernel is not None:
            await asyncio.to_thread(self.kernel.close)  # off the event loop: a running report is cut short

    def html_exporter(self) -> Any:
        """The worker's exporter (built once: loading the templates takes a while)."""
        if self.exporter is None:
            self.exporter = html_exporter()
        return self.exporter


def run_group(tasks: list[Task]) -> list[dict[str, Any]]:
    """The Dask task: make ``tasks`` (one kabupaten's reports) in this worker's warm kernel.

    A failing report is recorded, not raised; only a worker that is stopping
    ends the task early. A report already made (the group runs again after its
    worker died) is not made twice.
    """
    from distributed import get_worker

    plugin = get_worker().plugins[PLUGIN_NAME]
    out = []
    for task in tasks:
        if plugin.kernel is None or plugin.kernel.closed:
            break  # the worker is stopping
        record = read_records_of(task)
        if up_to_date(record, task, Path(task.output_dir)):
            out.append(record)
        else:
            out.append(run_report(plugin.kernel, plugin.html_exporter(), task))
    return out


def read_records_of(task: Task) -> dict[str, Any] | None:
    """The record of ``task`` on disk, if any."""
    try:
        return json.loads(record_path(Path(task.output_dir), task).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _roots(task: Task) -> list[tuple[str, str]]:
    """Absolute folders that must not appear in an output, with what replaces them."""
    return [(task.data_dir, "<data>"), (task.output_dir, "<keluaran>"), (str(PROJECT_ROOT), "<kit>"),
            (sys.prefix, "<python>"), (sys.base_prefix, "<python>"), (str(Path.home()), "~")]


def run_report(kernel: "WarmKernel", exporter: Any, task: Task) -> dict[str, Any]:
    """Make one report in ``kernel``; returns its manifest entry (also written as its record). Never raises.

    A report whose kernel died is run once more in a fresh kernel; any other
    failure is recorded (failing cell, error) and the executed notebook is kept
    under ``<tahun>/_gagal/`` for diagnosis.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from .kernel import ENGINE_NAME

    t0 = time.perf_counter()
    started = time.time() - 1.0  # file mtimes may be rounded to the second
    out = Path(task.output_dir)
    year_dir = out / str(task.tahun)
    finals = {kind: out / rel for kind, rel in task.outputs().items()}
    entry: dict[str, Any] = {**task.identity(), "pekerja": f"{os.uname().nodename}:{os.getpid()}", "sel_gagal": None,
                             "galat": "", "notebook_gagal": "", "html": "", "ipynb": "", "xlsx": "", "pdf": ""}
    roots = _roots(task)
    tmps: dict[str, Path] = {}
    nb = None
    attempts = 0
    try:
        finals["html"].parent.mkdir(parents=True, exist_ok=True)
        while True:
            attempts += 1
            try:
                nb = kernel.run(papermill.execute_notebook, task.notebook, None, parameters=dict(task.parameters),
                                engine_name=ENGINE_NAME, warm_kernel=kernel, group=task.kode_kabupaten,
                                cwd=str(year_dir), progress_bar=False, execution_timeout=task.timeout,
                                kernel_name="python3", language="python")
                break
            except DeadKernelError:
                if kernel.closed:
                    raise
                kernel.restart()
                if attempts >= 2:
                    raise
            except CellTimeoutError:
                kernel.restart()  # the kernel is still busy with the stuck cell
                raise
        # papermill records where it read and wrote; kept relative (no server path in an output).
        nb.metadata.papermill["input_path"] = str(Path(task.notebook).relative_to(PROJECT_ROOT))
        nb.metadata.papermill["output_path"] = task.outputs()["ipynb"]
        jenis = "Kabupaten" if task.jenis == "kabupaten" else "Kecamatan"
        html = export_html(exporter, nb, f"Laporan {jenis} {task.nama} ({task.kode}) {task.tahun}",
                           aset=f"../../{ASET_DIR}", mandiri=task.mandiri)
        data = {"html": without_paths(html, roots).encode(), "ipynb": without_paths(notebook_json(nb), roots).encode()}
        for kind, blob in data.items():
            tmps[kind] = tmp_name(finals[kind])
            tmps[kind].write_bytes(blob)
        if "xlsx" in finals and (not finals["xlsx"].exists() or finals["xlsx"].stat().st_mtime < started):
            raise KitError("Notebook tidak menulis buku kerja Excel.")
        if task.pdf:
            tmps["pdf"] = tmp_name(finals["pdf"])
            print_pdf(tmps["html"], tmps["pdf"])
        hashes = {task.outputs()[k]: file_sha256(tmps[k]) for k in tmps}
        commit([(tmps[k], finals[k]) for k in ("pdf", "ipynb", "html") if k in tmps])
        if "xlsx" in finals:
            hashes[task.outputs()["xlsx"]] = file_sha256(finals["xlsx"])
        entry.update({k: rel for k, rel in task.outputs().items()})
        entry.update(status=BERHASIL, sha256=hashes)
        (year_dir / GAGAL_DIR / f"{task.kode}.ipynb").unlink(missing_ok=True)
    except BaseException as exc:  # noqa: BLE001 - a failure is recorded, never raised
        if isinstance(exc, (KeyboardInterrupt, SystemExit)) or kernel.closed:
            raise  # the worker is being stopped: nothing to record
        if isinstance(exc, PapermillExecutionError):
            nb = kernel.last_nb  # the notebook as executed, with the error output
            entry["galat"] = f"{exc.ename}: {exc.evalue}"
        elif isinstance(exc, CellTimeoutError):
            entry["galat"] = f"Waktu habis: sel berjalan lebih dari {task.timeout} detik."
        else:
            entry["galat"] = f"{type(exc).__name__}: {exc}"
        entry["status"] = GAGAL
        if nb is not None:
            idx, src = failing_cell(nb)
            entry["sel_gagal"] = idx
            if src:
                entry["galat"] = f"{entry['galat']} [sel {idx}: {src}]"
            try:
                failed = year_dir / GAGAL_DIR / f"{task.kode}.ipynb"
                write_atomic(failed, without_paths(notebook_json(nb), roots))
                entry["notebook_gagal"] = str(failed.relative_to(out))
            except OSError:
                pass
        entry["galat"] = without_paths(entry["galat"], roots)
    finally:
        for tmp in tmps.values():
            tmp.unlink(missing_ok=True)
    entry["percobaan"] = attempts
    entry["durasi_detik"] = round(time.perf_counter() - t0, 3)
    entry["selesai"] = datetime.now().isoformat(timespec="seconds")
    write_record(out, task, entry)
    return entry
