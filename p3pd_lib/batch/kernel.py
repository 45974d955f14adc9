"""A Jupyter kernel kept alive to run report after report, and the papermill engine that uses it.

papermill has no kernel reuse of its own (2.7); its documented extension point
is an *engine* (``papermill.engines.Engine``, registered under the entry point
group ``papermill.engine``). :class:`WarmKernelEngine` is that engine: papermill
still loads, parameterises, records and checks the notebook
(``papermill.execute_notebook(..., engine_name=ENGINE_NAME)``); the engine only
runs the cells with papermill's own notebook client on a kernel that is already
running, after clearing its namespace. Modules stay imported and
:mod:`p3pd_lib.session` keeps the store in memory, so a report costs its own
work only.

Every kernel operation, papermill's call included, runs in the kernel's own
thread: jupyter_client's asyncio sockets stay on one event loop, whichever
thread (a Dask worker's event loop or task thread) asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, Mapping, TypeVar

from papermill.engines import Engine, papermill_engines

from ..errors import KitError
from ..paths import NOTEBOOKS_DIR

ENGINE_NAME = "p3pd-hangat"
T = TypeVar("T")

# IPython's reset ends with a full gc.collect(), which walks every object of the kernel
# (≈ 0.2 s with the store, pandas and plotly loaded). Objects that survived a report's
# reset are long-lived (modules, the store, the cached kabupaten), so they are frozen out
# of later collections; a full collection (unfreeze first) runs when the kabupaten changes
# and every _FULL_GC_EVERY reports, so cyclic garbage among them is still reclaimed.
_RESET = (
    "get_ipython().reset(new_session=False, aggressive=False)\n"
    "get_ipython().execution_count = 1\n"
    "import os as _p3pd_os, gc as _p3pd_gc\n"
    "{unfreeze}_p3pd_os.chdir({cwd!r})\n"
    "_p3pd_gc.freeze()\n"
    "del _p3pd_os, _p3pd_gc\n"
)
_FULL_GC_EVERY = 40


class KernelStartError(KitError):
    """A kernel could not be started after several attempts."""


class KernelClosed(RuntimeError):
    """The kernel was closed (the worker is stopping): nothing more runs on it."""


class WarmKernel:
    """One kernel, started once, running many notebooks one after the other.

    ``env``: extra environment of the kernel (e.g. ``P3PD_DATA_DIR``).
    """

    def __init__(self, env: Mapping[str, str] | None = None, kernel_name: str = "python3",
                 start_attempts: int = 3, startup_timeout: int = 120) -> None:
        self.env = dict(env or {})
        self.kernel_name = kernel_name
        self.start_attempts = start_attempts
        self.startup_timeout = startup_timeout
        self.km: Any = None
        self.kc: Any = None
        self.reports_run = 0
        self.closed = False
        self.last_nb: Any = None  # the notebook last run (papermill raises on a failed cell without it)
        self._ipc_dir: str | None = None
        self._since_gc = 0
        self._group: str | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="p3pd-kernel", initializer=self._new_loop)

    @staticmethod
    def _new_loop() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` in the kernel's thread and return its result (re-raising its exception)."""
        return self._thread.submit(fn, *args, **kwargs).result()

    # --- lifecycle (kernel thread) ---------------------------------------------------------------

    def _start_once(self) -> None:
        from jupyter_client.manager import AsyncKernelManager

        loop = asyncio.get_event_loop()
        self._ipc_dir = tempfile.mkdtemp(prefix="p3pd-kernel-")
        # IPC sockets instead of TCP ports: parallel kernels cannot collide on ports.
        km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc", ip=os.path.join(self._ipc_dir, "k"))
        env = {**os.environ, "PYTHONWARNINGS": "ignore", **self.env}
        # Python's print still reaches the notebook; only output written straight to file descriptors 1 and 2
        # (C libraries) is not captured: a report shows none (stderr never reaches the page), and the
        # descriptor watcher cost ≈ 10 % of the kernel's and the worker's CPU per executed cell.
        args = ["--HistoryManager.enabled=False", "--IPKernelApp.capture_fd_output=False"]
        loop.run_until_complete(km.start_kernel(extra_arguments=args, cwd=str(NOTEBOOKS_DIR),
                                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        kc = km.client()
        kc.start_channels()
        try:
            loop.run_until_complete(kc.wait_for_ready(timeout=self.startup_timeout))
        except BaseException:
            kc.stop_channels()
            loop.run_until_complete(km.shutdown_kernel(now=True))
            raise
        kc.allow_stdin = False
        self.km, self.kc, self._since_gc, self._group = km, kc, 0, None

    def _start(self) -> None:
        last: BaseException | None = None
        for attempt in range(self.start_attempts):
            try:
                self._start_once()
                return
            except Exception as exc:  # noqa: BLE001 - a loaded machine can time a start out: try again
                last = exc
                self._remove_ipc_dir()
                time.sleep(0.5 * (attempt + 1))
        raise KernelStartError(f"Kernel Jupyter gagal dijalankan setelah {self.start_attempts} kali mencoba: {last}")

    def _shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            try:  # immediate: the graceful shutdown stalls seconds on about one kernel in twelve
                asyncio.get_event_loop().run_until_complete(self.km.shutdown_kernel(now=True))
            except Exception:  # noqa: BLE001 - best effort; the kernel also exits with its parent
                pass
        self.km = self.kc = None
        self._remove_ipc_dir()

    def _remove_ipc_dir(self) -> None:
        if self._ipc_dir:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None

    def start(self) -> None:
        """Start the kernel (retried: a loaded machine can time a start out)."""
        if self.closed:
            raise KernelClosed("Kernel sudah dimatikan.")
        if self.km is None:
            self.call(self._start)

    def restart(self) -> None:
        """A fresh kernel (after it died or hangs in a cell)."""
        self.call(self._shutdown)
        self.start()

    def close(self, grace: float = 2.0) -> None:
        """Shut the kernel down and end its thread; callable from any thread, idempotent.

        When a report still runs after ``grace`` seconds, the kernel's process
        group is killed (it runs in a session of its own): the report fails at
        once, without a record, and the kernel's thread then cleans up.
        """
        self.closed = True
        try:
            done = self._thread.submit(self._shutdown)
        except RuntimeError:  # the thread is already gone
            return
        try:
            done.result(timeout=grace)
        except FutureTimeout:
            pid = self.pid
            if pid:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                done.result(timeout=30)
        self._thread.shutdown(wait=False, cancel_futures=True)

    @property
    def pid(self) -> int | None:
        """Process id of the running kernel."""
        return getattr(getattr(getattr(self.km, "provisioner", None), "process", None), "pid", None)

    # --- running notebooks (kernel thread) --------------------------------------------------------

    def prepare(self, cwd: str, group: str | None) -> None:
        """Clear the namespace and move to ``cwd`` before a report (``group``: when to collect garbage fully)."""
        full = group != self._group or self._since_gc >= _FULL_GC_EVERY
        code = _RESET.format(cwd=cwd, unfreeze="_p3pd_gc.unfreeze()\n" if full else "")
        reply = asyncio.get_event_loop().run_until_complete(
            self.kc.execute_interactive(code, store_history=False, timeout=60))
        if reply["content"].get("status") != "ok":
            raise RuntimeError("Namespace kernel tidak dapat dikosongkan.")
        self._since_gc = 0 if full else self._since_gc + 1
        self._group = group

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` (typically ``papermill.execute_notebook``) in the kernel's thread, the kernel started."""
        self.start()
        return self.call(fn, *args, **kwargs)


class WarmKernelEngine(Engine):
    """papermill engine running the notebook on a :class:`WarmKernel` (``warm_kernel=`` engine argument).

    ``papermill.execute_notebook(..., engine_name="p3pd-hangat", warm_kernel=k, group="33.07")``
    must be called through :meth:`WarmKernel.run`, in the kernel's thread.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, warm_kernel: WarmKernel | None = None,
                                 group: str | None = None, execution_timeout: int | None = None,
                                 log_output: bool = False, **kwargs: Any) -> Any:
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.log import logger

        if warm_kernel is None or warm_kernel.km is None:
            raise KitError(f"Mesin papermill '{ENGINE_NAME}' memerlukan kernel hangat (warm_kernel=...).")
        warm_kernel.prepare(os.getcwd(), group)  # papermill has moved to its ``cwd`` argument
        client = PapermillNotebookClient(nb_man, km=warm_kernel.km, timeout=execution_timeout, kernel_name=kernel_name,
                                         log=logger, log_output=log_output, shutdown_kernel="immediate")
        # nbclient 0.11 (setup_kernel) starts a new kernel client only while ``kc`` is None, and
        # keeps a kernel whose manager it was given: the running client is reused, nothing is
        # started or stopped per report (a new client per report costs its channels and a
        # kernel_info round trip, and leaves a heartbeat thread behind).
        client.kc = warm_kernel.kc
        warm_kernel.last_nb = nb_man.nb
        nb = client.execute()
        warm_kernel.reports_run += 1
        return nb


# The entry point (pyproject: [project.entry-points."papermill.engine"]) registers the engine
# wherever the kit is installed; registering here too covers a source tree used without install.
papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
