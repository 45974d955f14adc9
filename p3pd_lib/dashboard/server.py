"""The dashboard's Voila server: command line, configuration, start and stop.

Everything is Voila's and Jupyter server's own configuration: ``voila.json`` at
the project root (sources stripped, execution timeout, preheated kernel, idle
culling), ``assets/voila_config/voila.py`` (no timeout for the cell that waits
for a visitor), the page template ``p3pd`` (``assets/jupyter``) and what the
``p3pd dashboard`` options set on the command line: culling timeout, the
kernel limit (:class:`~p3pd_lib.dashboard.kernels.LimitedKernelManager` through
``VoilaConfiguration.multi_kernel_manager_class``) and, for any address other
than this computer, Jupyter server's token (written to a private config folder,
never on the command line).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from ..errors import DataError, ParameterError
from .app import READY_LOG
from .shared import CACHE_ENV

NOTEBOOK_NAME = "dashboard_kecamatan.ipynb"
#: Folder added to JUPYTER_PATH so Voila finds the kit's template ``p3pd`` (no CDN assets).
JUPYTER_ASSETS = Path(__file__).resolve().parent.parent / "assets" / "jupyter"
#: Folder of the ``voila.py`` holding what ``voila.json`` cannot express (the per-cell timeout).
VOILA_PY_DIR = Path(__file__).resolve().parent.parent / "assets" / "voila_config"
#: The kit's plotly chart renderer (a JupyterLab mime extension that loads plotly.js with the first chart drawn).
PLOTLY_RENDERER = Path(__file__).resolve().parent.parent / "assets" / "plotly_renderer"
#: The lab extension it replaces: its 4.8 MB bundle holds plotly.js and Voila awaits it before showing anything.
STOCK_PLOTLY_EXTENSION = "jupyterlab-plotly"
DEFAULT_PORT = 8866
DEFAULT_HOST = "127.0.0.1"
#: Seconds without activity after which a page's kernel is shut down (``MappingKernelManager.cull_idle_timeout``).
CULL_IDLE_TIMEOUT_S = 600
#: Memory budget of one page's kernel in MB (issue 15's target), for sizing the kernel limit and the pool.
KERNEL_MB = 200
#: Share of the memory available at start that the dashboard's kernels may take by default.
MEMORY_SHARE = 0.5
#: Most kernels at once by default (pages + preheated), whatever the memory.
MAX_KERNELS = 64
#: Most preheated kernels waiting for visitors by default (enough for 20 pages opened at once).
POOL_SIZE = 24
#: Seconds before a used preheated kernel is replaced, with a pool of :data:`BURST_POOL` or more
#: (Voila's ``VoilaKernelManager.fill_delay``): a burst of visitors is served by the pool, and the
#: replacements (≈ 3 CPU-seconds each) start after it instead of competing with its pages.
REFILL_DELAY_S = 90
BURST_POOL = 10
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

PETUNJUK_JUPYTERHUB = (
    "Dashboard dibuka untuk jaringan: setiap pengunjung memerlukan token di atas. Untuk banyak pengguna dengan "
    "akun masing-masing, jalankan dashboard di belakang JupyterHub (mis. The Littlest JupyterHub) sebagai layanan "
    "voila ('jupyterhub.services' / 'c.Spawner.default_url = \"/voila/render/notebooks/dashboard_kecamatan.ipynb\"'), "
    "dengan HTTPS di depannya; lihat docs/architecture.md."
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this computer.

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("192.168.1.5")
    (True, False, False)
    """
    return host in LOOPBACK or host.startswith("127.")


def available_memory_mb() -> float:
    """Memory the system can give new processes now, in MB (``MemAvailable``; free pages elsewhere)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20


def default_max_kernels(available_mb: float | None = None) -> int:
    """Kernel limit sized from memory: :data:`MEMORY_SHARE` of what is available, :data:`KERNEL_MB` each.

    At least 4, at most :data:`MAX_KERNELS`.

    >>> default_max_kernels(24_000), default_max_kernels(4_000), default_max_kernels(500)
    (60, 10, 4)
    """
    mb = available_memory_mb() if available_mb is None else available_mb
    return max(4, min(MAX_KERNELS, int(mb * MEMORY_SHARE // KERNEL_MB)))


def default_pool_size(max_kernels: int) -> int:
    """Preheated kernels kept waiting: up to :data:`POOL_SIZE`, leaving half the limit for open pages.

    >>> default_pool_size(60), default_pool_size(10), default_pool_size(3)
    (24, 5, 1)
    """
    return max(1, min(POOL_SIZE, int(max_kernels) // 2))


def voila_command(
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT_S,
    cull_interval: int | None = None,
    max_kernels: int | None = None,
    pool_size: int | None = None,
    config_dir: str | os.PathLike[str] | None = None,
    extra_args: Sequence[str] = (),
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start the dashboard's Voila server.

    ``max_kernels`` (default :func:`default_max_kernels`) counts open pages and
    preheated kernels; ``pool_size`` preheated kernels wait for visitors (Voila's
    ``VoilaConfiguration.default_pool_size``; default :func:`default_pool_size`).
    ``config_dir``: a private folder of this run: its ``voila.json`` (the token) is
    read after the project's, its ``tampilan/`` holds the views the kernels share, and
    the kit's plotly renderer is copied into its ``labextensions/`` (:func:`install_plotly_renderer`;
    without ``config_dir`` the pages keep jupyterlab-plotly).

    >>> argv, env = voila_command(9000, "127.0.0.1", "/tmp/x", max_kernels=5)
    >>> "--port=9000" in argv, "--LimitedKernelManager.max_kernels=5" in argv, env["P3PD_DATA_DIR"]
    (True, True, '/tmp/x')
    >>> "--VoilaConfiguration.default_pool_size=2" in argv
    True
    """
    from ..paths import NOTEBOOKS_DIR, PROJECT_ROOT
    from ..paths import data_dir as resolve_data_dir

    if not (0 < int(port) < 65536):
        raise ParameterError(f"Port {port} tidak valid (1–65535).")
    max_kernels = default_max_kernels() if max_kernels is None else int(max_kernels)
    pool_size = default_pool_size(max_kernels) if pool_size is None else int(pool_size)
    if int(cull_idle_timeout) < 1 or max_kernels < 2:
        raise ParameterError("Batas waktu kernel menganggur minimal 1 detik dan batas kernel minimal 2.")
    if not (0 <= pool_size < max_kernels):
        raise ParameterError(f"Jumlah kernel siap ({pool_size}) harus 0 sampai {max_kernels - 1} (kurang dari batas kernel).")
    interval = int(cull_interval or max(1, min(60, int(cull_idle_timeout) // 4)))
    paths = [PROJECT_ROOT, VOILA_PY_DIR] + ([Path(config_dir)] if config_dir else [])
    argv = [
        sys.executable, "-m", "voila", str(NOTEBOOKS_DIR / NOTEBOOK_NAME),
        f"--port={int(port)}", f"--Voila.ip={host}", "--no-browser", "--template=p3pd",
        *(f"--Voila.config_file_paths={p}" for p in paths),
        "--VoilaConfiguration.multi_kernel_manager_class=p3pd_lib.dashboard.kernels.LimitedKernelManager",
        f"--LimitedKernelManager.max_kernels={max_kernels}",
        f"--VoilaConfiguration.preheat_kernel={pool_size > 0}",
        f"--VoilaConfiguration.default_pool_size={pool_size}",
        *([f"--VoilaKernelManager.fill_delay={REFILL_DELAY_S}"] if pool_size >= BURST_POOL else []),
        f"--MappingKernelManager.cull_idle_timeout={int(cull_idle_timeout)}",
        f"--MappingKernelManager.cull_interval={interval}",
        *extra_args,
    ]
    if config_dir:
        argv += renderer_args(install_plotly_renderer(config_dir))
    env = dict(os.environ)
    # Arrow's default (mimalloc) pool keeps freed pages; the system allocator can be trimmed
    # (views.release_memory): smaller page kernels.
    env.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    # glibc gives every thread its own heap arena (up to 8 per core); two are enough here.
    env.setdefault("MALLOC_ARENA_MAX", "2")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(JUPYTER_ASSETS), env.get("JUPYTER_PATH", "")) if p)
    if data_dir:
        env["P3PD_DATA_DIR"] = str(resolve_data_dir(data_dir))
    if config_dir:  # the kernels share their computed views there (shared.py)
        cache = Path(config_dir) / "tampilan"
        cache.mkdir(mode=0o700, exist_ok=True)
        env[CACHE_ENV] = str(cache)
    # Where a preheated kernel reaches the server for its visitor's request (voila.utils.wait_for_request).
    env["VOILA_APP_IP"] = "127.0.0.1" if host in ("", "0.0.0.0", "::", "localhost") else host
    env.setdefault("PYTHONUNBUFFERED", "1")
    return argv, env


def install_plotly_renderer(folder: str | os.PathLike[str]) -> Path:
    """Copy the kit's plotly renderer, with plotly.js, into ``folder/labextensions``; return that folder.

    plotly.js comes from the installed plotly package (the same file the batch reports use), so the
    renderer always draws with the plotly.js of the plotly that built the figures.
    """
    from ..batch.outputs import plotly_js_path

    target = Path(folder) / "labextensions" / json.loads((PLOTLY_RENDERER / "package.json").read_text())["name"]
    shutil.copytree(PLOTLY_RENDERER, target, dirs_exist_ok=True)
    shutil.copyfile(plotly_js_path(), target / "static" / "plotly.min.js")
    return target.parent


def renderer_args(labextensions: Path) -> list[str]:
    """Voila options that use the kit's plotly renderer (in ``labextensions``) instead of jupyterlab-plotly.

    Both are Voila's public configuration; the deny list keeps the entries of the project's ``voila.json``.
    """
    from ..paths import PROJECT_ROOT

    config = json.loads((PROJECT_ROOT / "voila.json").read_text(encoding="utf-8"))
    denied = [*config.get("VoilaConfiguration", {}).get("extension_denylist", []), STOCK_PLOTLY_EXTENSION]
    return [f"--VoilaConfiguration.extra_labextensions_path={labextensions}",
            *(f"--VoilaConfiguration.extension_denylist={name}" for name in denied)]


def start_warmer(env: dict[str, str], log_file: Any = None) -> "subprocess.Popen[bytes] | None":
    """Start the view warm-up (:mod:`p3pd_lib.dashboard.pemanas`) with the server's environment.

    ``None`` without shared views (no ``config_dir``). It runs at the lowest CPU
    priority and ends by itself when done or when this process is gone; stop it
    earlier with :func:`terminate`. Its log lines go to ``log_file`` (default: this process's terminal).
    """
    if CACHE_ENV not in env:
        return None
    from ..paths import PROJECT_ROOT

    return subprocess.Popen([sys.executable, "-m", "p3pd_lib.dashboard.pemanas"], env=env, cwd=str(PROJECT_ROOT),
                            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT if log_file else None)


def terminate(proc: "subprocess.Popen[bytes] | None", timeout: float = 10.0) -> None:
    """Stop a child process (the server or the view warm-up) if it still runs: SIGTERM, then SIGKILL after ``timeout`` s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def write_token_config(folder: str | os.PathLike[str], token: str) -> Path:
    """Write ``{"Voila": {"token": ...}}`` as ``voila.json`` in a private folder (readable by the owner only)."""
    path = Path(folder) / "voila.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"Voila": {"token": token}}, fh)
    return path


def _prepare(host: str, token: str | None) -> tuple[Path, str | None]:
    """A private config folder; a token for any non-loopback address (the given one or a new one)."""
    folder = Path(tempfile.mkdtemp(prefix="p3pd_dashboard_"))  # 0700
    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(24)
    if token:
        write_token_config(folder, token)
    return folder, token


def serve(port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, data_dir: str | os.PathLike[str] | None = None, *,
          cull_idle_timeout: int = CULL_IDLE_TIMEOUT_S, max_kernels: int | None = None, pool_size: int | None = None,
          token: str | None = None, warm: bool = True) -> int:
    """Run the dashboard server in the foreground until Ctrl+C; returns Voila's exit code.

    ``warm``: compute every kecamatan view ahead on idle CPU (:mod:`~p3pd_lib.dashboard.pemanas`).
    """
    from ..paths import PROJECT_ROOT, processed_dir
    from ..store import store_exists

    if not store_exists(data_dir):
        raise DataError(
            f"Data belum tersedia di '{processed_dir(data_dir)}'. Jalankan 'p3pd demo-data' untuk data simulasi "
            "atau impor data Anda terlebih dahulu."
        )
    max_kernels = default_max_kernels() if max_kernels is None else int(max_kernels)
    pool_size = default_pool_size(max_kernels) if pool_size is None else int(pool_size)
    folder, token = _prepare(host, token)
    try:
        argv, env = voila_command(port, host, data_dir, cull_idle_timeout=cull_idle_timeout, max_kernels=max_kernels,
                                  pool_size=pool_size, config_dir=folder)
        shown = "localhost" if host in ("", "0.0.0.0", "::") else host
        suffix = f"?token={token}" if token else ""
        print(f"Dashboard Kecamatan: http://{shown}:{port}/{suffix}")
        print(f"  contoh: http://{shown}:{port}/?kecamatan=33.07.01&tahun=2024" + (f"&token={token}" if token else ""))
        print(f"  kernel menganggur ditutup setelah {cull_idle_timeout} detik; paling banyak {max_kernels} kernel sekaligus, "
              f"{pool_size} di antaranya disiapkan lebih dulu untuk pengunjung berikutnya.")
        if not is_loopback(host):
            print(PETUNJUK_JUPYTERHUB)
        print("Hentikan dengan Ctrl+C.")
        proc = subprocess.Popen(argv, env=env, cwd=str(PROJECT_ROOT))
        warmer = start_warmer(env) if warm else None
        # SIGTERM to this command must stop the server too (it would otherwise outlive us with its kernels).
        previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        try:
            return proc.wait()
        except KeyboardInterrupt:
            terminate(proc, 15)
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)
            terminate(warmer)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port free on ``host`` right now (for tests and benchmarks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_server(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    port: int | None = None,
    host: str = DEFAULT_HOST,
    log_path: str | os.PathLike[str] | None = None,
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT_S,
    cull_interval: int | None = None,
    max_kernels: int | None = None,
    pool_size: int | None = None,
    token: str | None = None,
    extra_args: Sequence[str] = (),
    wait_ready: float = 120.0,
    warm: bool = True,
) -> tuple[Any, str]:
    """Start the dashboard's Voila server in the background; return ``(process, url)``.

    Waits until the port accepts connections and, when ``log_path`` is given, until
    the preheated kernel has logged :data:`READY_LOG`. Stop it with :func:`stop_server`.
    ``warm``: start the view warm-up too (its log lines go to ``log_path``).
    Used by the browser tests and the benchmark.
    """
    from ..paths import PROJECT_ROOT

    port = port or free_port(host if is_loopback(host) else DEFAULT_HOST)
    folder, token = _prepare(host, token)
    argv, env = voila_command(port, host, data_dir, cull_idle_timeout=cull_idle_timeout, cull_interval=cull_interval,
                              max_kernels=max_kernels, pool_size=pool_size, config_dir=folder, extra_args=extra_args)
    out = open(log_path, "w", encoding="utf-8") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(argv, env=env, cwd=str(PROJECT_ROOT), stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    proc.p3pd_config_dir = folder  # removed by stop_server
    proc.p3pd_warmer = start_warmer(env, out if log_path else None) if warm else None
    proc.p3pd_token = token
    deadline = time.monotonic() + wait_ready
    connect_host = "127.0.0.1" if host in ("", "0.0.0.0") else host
    url = f"http://{connect_host}:{port}/"
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"Server Voila berhenti (kode {proc.returncode}); lihat {log_path}.")
            if time.monotonic() > deadline:
                raise TimeoutError(f"Server Voila belum siap setelah {wait_ready:.0f} s; lihat {log_path}.")
            try:
                socket.create_connection((connect_host, port), timeout=0.5).close()
            except OSError:
                time.sleep(0.2)
                continue
            if log_path is None or READY_LOG in Path(log_path).read_text(encoding="utf-8", errors="replace"):
                return proc, url
            time.sleep(0.2)
    except BaseException:
        stop_server(proc)
        raise


def stop_server(proc: Any, timeout: float = 20.0) -> None:
    """Stop a server started by :func:`start_server` (its whole process group: kernels too) and its warm-up."""
    terminate(getattr(proc, "p3pd_warmer", None))
    try:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=timeout)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=5)
    finally:
        folder = getattr(proc, "p3pd_config_dir", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
