"""The local worker pool of the report batch: who runs what, and how a batch stops.

The scheduler tests use hand-built tasks (no kernel). The stop tests start
``p3pd laporan`` in a subprocess over the demo kabupaten, signal the batch
process alone (not its process group) while reports are running, and then
look for any process that inherited the test's marker in its environment:
workers and the kernels they started must all be gone, and no temporary or
half-written output may remain.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from p3pd_lib import report
from p3pd_lib.paths import PROJECT_ROOT

DEMO_KECAMATAN = [f"33.07.{i:02d}" for i in range(1, 16)]  # every kecamatan of the demo kabupaten


def _task(jenis: str, kode: str) -> report.Task:
    kab = kode[:5]
    return report.Task(jenis, kode=kode, nama=kode, kode_kabupaten=kab, nama_kabupaten=kab, nama_provinsi="P",
                       tahun=2025, notebook="nb.ipynb", output_dir="/tmp", parameters={})


def _kab_tasks(kab: str, n: int) -> list[report.Task]:
    return [_task("kecamatan", f"{kab}.{i:02d}") for i in range(1, n + 1)] + [_task("kabupaten", kab)]


# --- scheduler ------------------------------------------------------------------------------------


def test_a_worker_stays_on_its_kabupaten_and_ends_with_the_kabupaten_report():
    tasks = _kab_tasks("33.07", 4) + _kab_tasks("33.08", 2) + _kab_tasks("11.01", 6)
    sched = report._Scheduler(reversed(tasks))  # input order does not matter
    # The largest kabupaten (11.01: 7 reports) goes first, the next largest to the second worker.
    first = [sched.next(0), sched.next(1)]
    assert [t.kode_kabupaten for t in first] == ["11.01", "33.07"]
    got: dict[int, list[report.Task]] = {0: [first[0]], 1: [first[1]]}
    for _ in range(5):
        got[0].append(sched.next(0))
    assert [t.kode for t in got[0]] == [f"11.01.{i:02d}" for i in range(1, 7)]
    assert sched.next(0).jenis == "kabupaten"  # its kabupaten report last, on the warm cache
    # Then the largest kabupaten nobody has started.
    assert sched.next(0).kode == "33.08.01"
    rest = [sched.next(1) for _ in range(4)]
    assert [t.kode for t in rest] == ["33.07.02", "33.07.03", "33.07.04", "33.07"]


def test_every_task_is_handed_out_exactly_once_over_two_workers():
    tasks = _kab_tasks("33.07", 5) + _kab_tasks("33.08", 1) + _kab_tasks("35.01", 9) + _kab_tasks("12.71", 3)
    sched = report._Scheduler(tasks)
    seen = []
    w = 0
    while True:
        t = sched.next(w) or sched.next(1 - w)
        if t is None:
            break
        seen.append((t.jenis, t.kode))
        w = 1 - w
    assert sorted(seen) == sorted((t.jenis, t.kode) for t in tasks)


def test_an_idle_worker_shares_a_large_kabupaten_but_not_a_nearly_finished_one():
    sched = report._Scheduler(_kab_tasks("33.07", 10))  # 11 reports, one kabupaten
    assert sched.next(0).kode == "33.07.01"
    assert sched.next(1).kode == "33.07.02"  # nothing else to start: the second worker shares it
    for _ in range(7):
        sched.next(0)
    assert len(sched.groups["33.07"]) == report._STEAL_MIN - 1
    assert sched.next(2) is None  # a newcomer would pay the analysis again for two reports
    assert sched.next(1).kode_kabupaten == "33.07"  # a worker already on it goes on


def test_tasks_of_a_dead_worker_go_back_to_the_queue():
    sched = report._Scheduler(_kab_tasks("33.07", 3) + _kab_tasks("33.08", 3))
    a, b = sched.next(0), sched.next(0)
    assert (a.kode, b.kode) == ("33.07.01", "33.07.02")
    sched.forget(0)
    sched.put_back(b)
    sched.put_back(a)
    again = [sched.next(1) for _ in range(4)]
    assert [t.kode for t in again] == ["33.07.01", "33.07.02", "33.07.03", "33.07"]


def test_the_provinces_of_a_run_scope_the_kernels_data(demo_store):
    idx = report.store_index(demo_store)
    tasks = report.make_tasks(idx, ["33.07.01"], ["33.07"], [], False, 2025, Path("/tmp/x"), demo_store)
    assert report._provinces_needed(tasks, idx.wilayah) == []  # the store's only province: read it whole
    bigger = pd.concat([idx.wilayah, idx.wilayah.assign(kode_kecamatan="11.01.01")])
    assert report._provinces_needed(tasks, bigger) == ["33"]
    missing = report.make_tasks(idx, ["33.07.99"], [], [], False, 2025, Path("/tmp/x"), demo_store)
    assert report._provinces_needed(missing, idx.wilayah) == []  # the whole store: its error lists what exists


# --- stopping a batch -------------------------------------------------------------------------------


def _marked(mark: str) -> list[int]:
    """Processes (not zombies) whose environment holds ``mark`` (``NAME=value``)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            env = (d / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if mark.encode() in env:
            found.append(int(d.name))
    return found


def _start_batch(out: Path, data_dir: Path, mark: str, log: Path) -> subprocess.Popen:
    name, value = mark.split("=")
    cmd = [sys.executable, "-m", "p3pd_lib.cli", "laporan", *[a for k in DEMO_KECAMATAN for a in ("--kecamatan", k)],
           "--output", str(out), "--data-dir", str(data_dir), "--workers", "2", "--tanpa-progres", "--tanpa-kabupaten"]
    # Output to a file, not a pipe: a surviving child would hold a pipe open and hide the bug behind a hang.
    with log.open("wb") as fh:
        return subprocess.Popen(cmd, cwd=PROJECT_ROOT, env={**os.environ, name: value}, stdout=fh, stderr=fh,
                                start_new_session=True)


def _wait_for_first_report(proc: subprocess.Popen, out: Path, mark: str) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("batch ended before a report was written")
        if list(out.glob("33.07/*.html")) and len(_marked(mark)) >= 5:  # batch, 2 workers, 2 kernels
            return
        time.sleep(0.05)
    raise AssertionError("no report was written in time")


def _wait_until_gone(mark: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    left = _marked(mark)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _marked(mark)
    return left


def _kill(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _assert_outputs_whole(out: Path) -> list[dict]:
    assert not [p for p in out.rglob("*") if report._is_tmp(p)], "tidak boleh ada berkas sementara"
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    done = [e for e in data["laporan"] if e["status"] == "berhasil"]
    for e in done:  # every finished report has all its files, each complete
        html = (out / e["html"]).read_text(encoding="utf-8")
        assert html.rstrip().endswith("</html>")
        nbformat.read(out / e["ipynb"], as_version=4)
        openpyxl.load_workbook(out / e["xlsx"], read_only=True).close()
    for html in out.glob("33.07/*.html"):  # and no report outside the manifest is half there
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
        assert html.with_suffix(".ipynb").exists()
    return done


@pytest.mark.slow
def test_sigterm_to_the_batch_process_alone_stops_workers_and_kernels(demo_store, tmp_path):
    out = tmp_path / "out"
    mark = f"P3PD_TES_SINYAL={uuid.uuid4().hex}"
    log = tmp_path / "batch.log"
    proc = _start_batch(out, demo_store, mark, log)
    try:
        _wait_for_first_report(proc, out, mark)
        os.kill(proc.pid, signal.SIGTERM)  # the parent only, not its process group
        proc.wait(timeout=60)
        left = _wait_until_gone(mark, 10)
    finally:
        _kill(_marked(mark))
        if proc.poll() is None:
            proc.kill()
    err = log.read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 130, err[-2000:]
    assert left == [], "pekerja atau kernel masih berjalan setelah SIGTERM"
    done = _assert_outputs_whole(out)
    assert len(done) < len(DEMO_KECAMATAN), "batch harus berhenti sebelum selesai"
    assert "Dihentikan" in err


@pytest.mark.slow
def test_workers_and_kernels_end_when_the_batch_process_is_killed(demo_store, tmp_path):
    out = tmp_path / "out"
    mark = f"P3PD_TES_SINYAL={uuid.uuid4().hex}"
    proc = _start_batch(out, demo_store, mark, tmp_path / "batch.log")
    try:
        _wait_for_first_report(proc, out, mark)
        os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up: the workers and kernels notice on their own
        proc.wait(timeout=30)
        left = _wait_until_gone(mark, 15)
    finally:
        _kill(_marked(mark))
    assert left == [], "pekerja atau kernel yatim masih berjalan"
    # Whatever was being written is only a temporary file, which the next run sweeps.
    for html in out.glob("33.07/*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.slow
def test_a_worker_that_dies_is_replaced_and_its_report_run_again(demo_store, tmp_path):
    out = tmp_path / "out"
    mark = f"P3PD_TES_SINYAL={uuid.uuid4().hex}"
    log = tmp_path / "batch.log"
    proc = _start_batch(out, demo_store, mark, log)
    try:
        _wait_for_first_report(proc, out, mark)
        workers = [p for p in _marked(mark) if "multiprocessing.spawn" in _cmdline(p) and "resource_tracker" not in _cmdline(p)]
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)  # a crash: no clean-up in the worker
        proc.wait(timeout=240)
        left = _wait_until_gone(mark, 15)
    finally:
        _kill(_marked(mark))
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, log.read_text(encoding="utf-8", errors="replace")[-2000:]
    assert left == []
    done = _assert_outputs_whole(out)
    assert sorted(e["kode"] for e in done) == DEMO_KECAMATAN  # every report made, the lost one again
