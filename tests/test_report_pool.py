"""Stopping a batch: Ctrl+C, SIGTERM, a killed batch process, a worker that dies.

Each test starts ``p3pd laporan`` in a subprocess over the demo kabupaten (a
Dask LocalCluster of two workers, each with its kernel), signals it while
reports are running, and then looks for any process that inherited the test's
marker in its environment: the Dask workers and the kernels they started must
all be gone, and no temporary or half-written output may remain.
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
import pytest

from p3pd_lib import report
from p3pd_lib.paths import PROJECT_ROOT

DEMO_KECAMATAN = [f"33.07.{i:02d}" for i in range(1, 16)]  # every kecamatan of the demo kabupaten


def _marked(mark: str) -> list[int]:
    """Processes (not zombies) whose environment holds ``mark`` (``NAME=value``)."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            env = (d / "environ").read_bytes().split(b"\0")
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if mark.encode() in env and state != "Z":
            found.append(int(d.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _start_batch(out: Path, data_dir: Path, mark: str, log: Path) -> subprocess.Popen:
    name, value = mark.split("=")
    cmd = [sys.executable, "-m", "p3pd_lib.cli", "laporan", *[a for k in DEMO_KECAMATAN for a in ("--kecamatan", k)],
           "--output", str(out), "--data-dir", str(data_dir), "--workers", "2", "--tanpa-progres", "--tanpa-kabupaten"]
    # Output to a file, not a pipe: a surviving child would hold a pipe open and hide the bug behind a hang.
    # SIGINT as in a terminal: a test run started in the background hands its children SIGINT ignored.
    with log.open("wb") as fh:
        return subprocess.Popen(cmd, cwd=PROJECT_ROOT, env={**os.environ, name: value}, stdout=fh, stderr=fh,
                                start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _kernels(mark: str) -> list[int]:
    return [p for p in _marked(mark) if "ipykernel" in _cmdline(p)]


def _wait_for_reports(proc: subprocess.Popen, out: Path, mark: str, n: int = 1) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("batch ended before a report was written")
        if len(list(out.glob("*/33.07/*.html"))) >= n and len(_kernels(mark)) >= 2:
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
    assert not [p for p in out.rglob("*") if report.is_tmp(p)], "tidak boleh ada berkas sementara"
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    done = [e for e in data["laporan"] if e["status"] == "berhasil"]
    for e in done:  # every finished report has all its files, each complete
        html = (out / e["html"]).read_text(encoding="utf-8")
        assert html.rstrip().endswith("</html>")
        nbformat.read(out / e["ipynb"], as_version=4)
        openpyxl.load_workbook(out / e["xlsx"], read_only=True).close()
    for html in out.glob("*/33.07/*.html"):  # and no report outside the manifest is half there
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
        assert html.with_suffix(".ipynb").exists()
    return done


def _stop_and_check(demo_store: Path, tmp_path: Path, send) -> tuple[subprocess.Popen, str, list[int], Path]:
    out = tmp_path / "out"
    mark = f"P3PD_TES_SINYAL={uuid.uuid4().hex}"
    log = tmp_path / "batch.log"
    proc = _start_batch(out, demo_store, mark, log)
    try:
        _wait_for_reports(proc, out, mark, n=2)
        send(proc)
        proc.wait(timeout=90)
        left = _wait_until_gone(mark, 20)
    finally:
        _kill(_marked(mark))
        if proc.poll() is None:
            proc.kill()
    return proc, log.read_text(encoding="utf-8", errors="replace"), left, out


@pytest.mark.slow
def test_ctrl_c_prints_the_indonesian_summary_only_and_stops_everything(demo_store, tmp_path):
    proc, err, left, out = _stop_and_check(demo_store, tmp_path, lambda p: os.killpg(p.pid, signal.SIGINT))
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err and "Error" not in err.replace("ParameterError", ""), err[-3000:]
    assert "Dihentikan sebelum selesai" in err and "belum dibuat" in err and "Buka:" in err
    assert left == [], "pekerja atau kernel masih berjalan setelah Ctrl+C"
    done = _assert_outputs_whole(out)
    assert 0 < len(done) < len(DEMO_KECAMATAN), "batch harus berhenti sebelum selesai"
    # The next run makes the rest and keeps what was made.
    rest = report.run_batch(kecamatan=DEMO_KECAMATAN, output_dir=out, data_dir=demo_store, workers=2, progress=False,
                            laporan_kabupaten=False)
    assert rest.count("gagal") == 0 and rest.count("terkini") >= len(done)
    assert rest.count("berhasil") + rest.count("terkini") == len(DEMO_KECAMATAN)


@pytest.mark.slow
def test_sigterm_to_the_batch_process_alone_stops_workers_and_kernels(demo_store, tmp_path):
    proc, err, left, out = _stop_and_check(demo_store, tmp_path, lambda p: os.kill(p.pid, signal.SIGTERM))
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err and "Dihentikan" in err
    assert left == [], "pekerja atau kernel masih berjalan setelah SIGTERM"
    assert len(_assert_outputs_whole(out)) < len(DEMO_KECAMATAN)


@pytest.mark.slow
def test_workers_and_kernels_end_when_the_batch_process_is_killed(demo_store, tmp_path):
    # No chance to clean up: the workers lose their scheduler and close, their kernels go with them.
    proc, _err, left, out = _stop_and_check(demo_store, tmp_path, lambda p: os.kill(p.pid, signal.SIGKILL))
    assert left == [], "pekerja atau kernel yatim masih berjalan"
    # Whatever was being written is only a temporary file, which the next run sweeps.
    for html in out.glob("*/33.07/*.html"):
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")


@pytest.mark.slow
def test_a_worker_that_dies_is_replaced_and_its_reports_made(demo_store, tmp_path):
    out = tmp_path / "out"
    mark = f"P3PD_TES_SINYAL={uuid.uuid4().hex}"
    log = tmp_path / "batch.log"
    proc = _start_batch(out, demo_store, mark, log)
    try:
        _wait_for_reports(proc, out, mark)
        workers = [p for p in _marked(mark) if "multiprocessing.spawn" in _cmdline(p)
                   and "resource_tracker" not in _cmdline(p)]
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)  # a crash: no clean-up in the worker
        proc.wait(timeout=300)
        left = _wait_until_gone(mark, 20)
    finally:
        _kill(_marked(mark))
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, log.read_text(encoding="utf-8", errors="replace")[-3000:]
    assert left == []
    done = _assert_outputs_whole(out)
    assert sorted(e["kode"] for e in done) == DEMO_KECAMATAN  # every report made, the lost ones again
