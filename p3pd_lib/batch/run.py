"""``p3pd laporan``: plan a batch, run it on Dask distributed, keep the manifest and the index.

One scheduler everywhere: a ``distributed.LocalCluster`` (one process per core,
one thread each) by default, or the cluster at ``--scheduler ADDRESS`` (the
output folder and the store must then be on a file system every worker sees).
Each worker keeps a warm kernel (:class:`~p3pd_lib.batch.worker.KernelPlugin`);
a kabupaten's reports go to one worker as one task, the largest kabupaten first.

How it is safe: every file is written under a temporary name in its final
folder and renamed into place, so an interrupt never leaves a half-written
report; one failing report never stops the batch; a re-run skips the reports
that are up to date (same inputs, every file with its recorded sha256) and
makes the others again. Ctrl+C, SIGTERM or SIGHUP stop the workers and their
kernels and print the Indonesian summary.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from .. import __version__
from ..errors import KitError, ParameterError
from ..numbers import format_angka
from ..paths import DEFAULT_OUTPUT_DIR
from ..paths import data_dir as resolve_data_dir
from .outputs import (BELUM, BERHASIL, GAGAL, INDEX_HTML, TERKINI, index_html, present, read_records,
                      sweep_temporary, up_to_date, write_assets, write_atomic, write_manifest)
from .plan import Task, check_codes, groups, make_tasks, provinces_needed, store_index

DEFAULT_KABUPATEN = "33.07"
#: Dask settings of the batch's own LocalCluster. Its workers spend a run waiting for their kernels, and
#: meanwhile the statistical profiler sampled each task thread 100 times a second (no one reads the
#: profile: the cluster has no dashboard) and every server checked its event loop every 20 ms. Without
#: the one and with a check per second, the idle cluster costs ≈ 0.08 CPU-s less per second of a run.
LOCAL_CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s"}


@dataclass
class BatchResult:
    """What a batch did: one manifest entry per report asked for, and where the outputs are."""

    output_dir: Path
    entries: list[dict[str, Any]]
    duration: float
    tahun: int
    n_workers: int
    interrupted: bool = False

    def count(self, status: str) -> int:
        """How many reports of this run have ``status``."""
        return sum(1 for e in self.entries if e.get("status") == status)

    @property
    def index(self) -> Path:
        """The index page of the output folder."""
        return self.output_dir / INDEX_HTML

    def summary(self) -> str:
        """Indonesian summary printed at the end of a batch."""
        run = self.count(BERHASIL) + self.count(GAGAL)
        per = (f" ({format_angka(self.duration / run, 2)} detik/laporan efektif, {self.n_workers} pekerja)"
               if run else "")
        lines = [f"Laporan tahun {self.tahun}: {self.count(BERHASIL)} berhasil, {self.count(TERKINI)} sudah terkini "
                 f"(dilewati), {self.count(GAGAL)} gagal; {run} dijalankan dalam {format_angka(self.duration, 1)} "
                 f"detik{per}."]
        lines += [f"  GAGAL {e['kode']} {e.get('nama', '')}: {e.get('galat', '')}" for e in self.entries
                  if e.get("status") == GAGAL]
        if self.interrupted:
            lines.append(f"Dihentikan sebelum selesai: {self.count(BELUM)} laporan belum dibuat; "
                         "laporan itu akan dibuat pada jalankan berikutnya.")
        lines.append(f"Buka: {self.index}")
        return "\n".join(lines)


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl+C during a batch; carries the partial :class:`BatchResult` (manifest already written)."""

    def __init__(self, result: BatchResult) -> None:
        super().__init__("Dihentikan oleh pengguna.")
        self.result = result


@contextlib.contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """SIGTERM/SIGHUP to the batch process act like Ctrl+C (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"sinyal {signum}")

    names = ("SIGTERM", "SIGHUP")
    old = {s: signal.signal(s, interrupt) for s in (getattr(signal, n) for n in names if hasattr(signal, n))}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def _children_ignore_sigint() -> Iterator[None]:
    """Processes started meanwhile ignore SIGINT for life (an ignored signal stays ignored across exec).

    Ctrl+C reaches the whole foreground process group; the Dask worker processes
    must leave it to the batch process, which stops them in order (and prints no
    traceback of theirs). distributed (2026.8) has no option for the signal
    disposition of a LocalCluster's workers, hence this and ``KernelPlugin(ignore_sigint=True)``.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


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
        if time.monotonic() - self.last > 10:
            self.flush()
            self.last = time.monotonic()

    def close(self) -> None:
        self.bar.close()


def _failure(task: Task, exc: BaseException) -> dict[str, Any]:
    """The entry of a report whose Dask task failed as a whole (e.g. its worker died three times)."""
    return {**task.identity(), "status": GAGAL, "sel_gagal": None, "durasi_detik": None,
            "galat": f"{type(exc).__name__}: {exc}", "selesai": datetime.now().isoformat(timespec="seconds")}


def _quiet_dask() -> None:
    """Dask's own log lines (closing comms, cancelled tasks) are not for the user of a stopped batch."""
    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def run_on_dask(todo: Sequence[Task], done: Callable[[dict[str, Any]], None], n_workers: int,
                scheduler: str | None, env: Mapping[str, str]) -> int:
    """Run ``todo`` on a Dask cluster, calling ``done(entry)`` per report; returns the number of workers.

    ``scheduler``: address of a running cluster; ``None`` starts a LocalCluster of
    ``n_workers`` processes (one thread each) for this run.
    """
    import dask
    from distributed import Client, LocalCluster, as_completed

    from .worker import PLUGIN_NAME, KernelPlugin, run_group

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except Exception as exc:  # noqa: BLE001 - any connection failure
            raise KitError(f"Tidak dapat terhubung ke penjadwal Dask {scheduler}: {exc}") from exc
    else:
        # The worker processes get the configuration their nanny is created with.
        with _children_ignore_sigint(), dask.config.set(LOCAL_CLUSTER_CONFIG):
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR)
        client = Client(cluster)
    futures: list[Any] = []
    try:
        n = len(client.scheduler_info()["workers"])
        # Registering starts a kernel on every worker (in parallel); a newer registration replaces it.
        client.register_plugin(KernelPlugin(env, ignore_sigint=cluster is not None), name=PLUGIN_NAME)
        units = groups(todo, n)
        run_id = uuid.uuid4().hex[:8]  # keys of this run only, also on a long-lived cluster
        futures = [client.submit(run_group, g, priority=len(g), pure=False, key=f"laporan-{g[0].kode}-{run_id}-{i}")
                   for i, g in enumerate(units)]
        by_key = {f.key: g for f, g in zip(futures, units)}
        for fut in as_completed(futures):
            try:
                entries = fut.result()
            except Exception as exc:  # noqa: BLE001 - lost workers: the group's reports failed
                entries = [_failure(t, exc) for t in by_key[fut.key]]
            for entry in entries:
                done(entry)
        return n
    except BaseException:
        _quiet_dask()
        client.cancel(futures)
        raise
    finally:
        if cluster is None:
            with contextlib.suppress(Exception):
                client.unregister_worker_plugin(PLUGIN_NAME)  # shuts the kernels of a long-lived cluster down
        client.close()
        if cluster is not None:
            cluster.close()


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
    mandiri: bool = False,
) -> BatchResult:
    """Make the reports of a selection of regions (the ``p3pd laporan`` command).

    ``kecamatan``/``kabupaten``/``provinsi`` are code lists (combined), or
    ``semua`` takes every kecamatan in the store. ``tahun`` defaults to the
    latest year with data. ``workers`` (default: the number of cores) sizes the
    LocalCluster; ``scheduler`` is the address of a Dask cluster instead. A
    kabupaten report is added for every kabupaten selected whole. ``mandiri``:
    every HTML carries its CSS and plotly.js (a single file to send on its own).
    Raises :class:`BatchInterrupted` (with the partial result) on Ctrl+C.
    """
    kecamatan = check_codes(kecamatan, "kecamatan")
    kabupaten = check_codes(kabupaten, "kabupaten")
    provinsi = check_codes(provinsi, "provinsi")
    if not (kecamatan or kabupaten or provinsi or semua):
        raise ParameterError("Pilih wilayah: --kecamatan, --kabupaten, --provinsi (boleh diulang) atau --semua.")
    if workers is not None and workers < 1:
        raise ParameterError("--workers harus 1 atau lebih.")
    say = log or (lambda s: print(s, file=sys.stderr))

    data_root = resolve_data_dir(data_dir or None)
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
                       kabupaten_reports=laporan_kabupaten, mandiri=mandiri)
    out.mkdir(parents=True, exist_ok=True)
    swept = sweep_temporary(out)
    if swept:
        say(f"{swept} berkas sementara dari jalankan yang terputus dihapus.")
    write_assets(out)

    records = read_records(out)
    mine: dict[tuple[int, str, str], dict[str, Any]] = {}
    todo: list[Task] = []
    for t in tasks:
        rec = records.get((t.tahun, t.jenis, t.kode))
        if up_to_date(rec, t, out):
            mine[(t.tahun, t.jenis, t.kode)] = {**rec, "status": TERKINI}
        else:
            mine[(t.tahun, t.jenis, t.kode)] = {**t.identity(), "status": BELUM}
            todo.append(t)
    info = {"tahun": int(tahun), "sidik_data": ds.fingerprint, "simulasi": ds.simulasi, "versi_kit": __version__,
            "dibuat": datetime.now().strftime("%d-%m-%Y %H:%M"), "pekerja": None, "scheduler": scheduler or "lokal"}

    def flush() -> None:
        merged = {**records, **{k: e for k, e in mine.items() if e["status"] != BELUM}}
        entries = present(merged.values(), out)
        write_manifest(out, entries, info)
        write_atomic(out / INDEX_HTML, index_html(entries, info))

    n_workers = 0
    t0 = time.perf_counter()
    interrupted = False
    if todo:
        say(f"{len(todo)} laporan akan dibuat ({len(tasks) - len(todo)} sudah terkini).")
        bar = _Progress(len(todo), progress, flush)

        def done(entry: dict[str, Any]) -> None:
            mine[(int(entry["tahun"]), entry["jenis"], entry["kode"])] = entry
            bar.done(entry)

        provinces = provinces_needed(todo, ds.wilayah)
        env = {"P3PD_DATA_DIR": str(data_root), "P3PD_LAPORAN_BATCH": "1",
               "P3PD_LAPORAN_PROVINSI": ",".join(provinces)}
        try:
            with _stop_signals_interrupt():
                n_workers = run_on_dask(todo, done, min(len(todo), workers or os.cpu_count() or 1), scheduler, env)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            bar.close()
            sweep_temporary(out)  # the workers and their kernels are stopped by now
    # Reports a stopped worker finished are on disk with their records, though never reported back.
    records = read_records(out)
    for key, e in mine.items():
        if e["status"] == BELUM and key in records and records[key].get("kunci") == e["kunci"]:
            mine[key] = records[key]
    info["pekerja"] = n_workers
    info["durasi_detik"] = round(time.perf_counter() - t0, 2)
    flush()
    result = BatchResult(out, sorted(mine.values(), key=lambda e: (e.get("jenis") != "kabupaten", e.get("kode", ""))),
                         time.perf_counter() - t0, int(tahun), n_workers, interrupted)
    if interrupted:
        raise BatchInterrupted(result)
    return result


def render_default(output_dir: str | os.PathLike[str] | None = None,
                   data_dir: str | os.PathLike[str] | None = None) -> BatchResult:
    """Make the reports of the default kabupaten (33.07) into ``laporan/`` (``make demo``)."""
    result = run_batch(kabupaten=[DEFAULT_KABUPATEN], output_dir=output_dir, data_dir=data_dir)
    print(result.summary())
    return result
