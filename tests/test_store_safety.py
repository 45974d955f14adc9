"""Nothing lost, whatever happens: concurrent imports, a crash at every commit step, a read-only store.

Every check hashes every file under the data folder before and after. Imports
run as real processes (``python -m p3pd_lib.cli impor``); the commit's test hook
(``P3PD_HENTI_DI``, ``P3PD_TUNDA_DI``, see :mod:`p3pd_lib.transaction`) kills or
pauses a process at a named step.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from p3pd_lib import history
from p3pd_lib.cli import main
from p3pd_lib.history import raw_manifest, read_history
from p3pd_lib.importer import import_files
from p3pd_lib.store import frame_fingerprint, load_dataset, read_meta
from p3pd_lib.transaction import JOURNAL_FILE, StoreReadOnly, lock_path

DESA1, DESA2, DESA3 = "33.07.01.2001", "33.07.01.2002", "33.07.01.2003"


def tree_hash(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def layanan_csv(path: Path, kode: str, penduduk: int) -> Path:
    path.write_text(f"kode_desa,tahun,penduduk,rumah_tangga\n{kode},2025,{penduduk},{penduduk // 4}\n", encoding="utf-8")
    return path


def run_import(files: list[Path], data: Path, **env: str) -> subprocess.Popen:
    full = {**os.environ, **env}
    return subprocess.Popen([sys.executable, "-m", "p3pd_lib.cli", "impor", *map(str, files), "--data-dir", str(data),
                             "--tanpa-laporan"], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_consistent(data: Path) -> None:
    """Store, raw archive manifest and history agree with each other; no staged file or journal is left."""
    assert not list(data.rglob("*.tmp")) and not (data / JOURNAL_FILE).exists()
    ds = load_dataset(data)
    assert read_meta(data)["fingerprint"] == frame_fingerprint(ds.tables())
    man = raw_manifest(data)
    on_disk = {str(p.relative_to(data)) for p in (data / "raw").iterdir() if p.name != "manifest.csv"}
    assert set(man["salinan"]) == on_disk
    hist = read_history(data)
    assert set(hist["salinan"].dropna()) <= on_disk
    stored = set(zip(ds.layanan["kode_desa"], ds.layanan["tahun"].astype(int)))
    assert set(zip(hist["kode_desa"], hist["tahun"].astype(int))) == stored


@pytest.fixture()
def base(tmp_path) -> tuple[Path, Path]:
    """A store holding DESA1 (one import), and a second file for DESA2."""
    data = tmp_path / "data"
    assert import_files([layanan_csv(tmp_path / "a.csv", DESA1, 100)], data, write_reports=False).accepted
    return data, layanan_csv(tmp_path / "b.csv", DESA2, 200)


# --------------------------------------------------------------------------- crash at every step

@pytest.mark.parametrize("step", ["terkunci", "disiapkan", "jurnal", "dipindah_satu", "dipindah"])
def test_kill_at_each_commit_step_recovers_to_before_or_after(base, step):
    data, b = base
    before = tree_hash(data)
    proc = run_import([b], data, P3PD_HENTI_DI=step)
    proc.communicate(timeout=120)
    assert proc.returncode == -9, "the hook must kill the import at this step"
    journal = data / JOURNAL_FILE
    if step == "terkunci":
        assert not journal.exists() and tree_hash(data) == before  # killed holding the lock: nothing written
        expected = before
    elif step == "disiapkan":
        assert not journal.exists() and list(data.rglob("*.tmp"))
        expected = before  # no journal: the commit never happened
    else:
        assert journal.exists()
        expected = dict(before)
        for tmp, final in json.loads(journal.read_text(encoding="utf-8"))["pindah"]:
            src = data / tmp if (data / tmp).exists() else data / final
            expected[final] = hashlib.sha256(src.read_bytes()).hexdigest()
    load_dataset(data)  # the next start finishes or undoes the commit
    assert tree_hash(data) == expected
    assert_consistent(data)
    has_b = DESA2 in set(load_dataset(data).layanan["kode_desa"])
    assert has_b == (step not in ("terkunci", "disiapkan"))
    assert import_files([b], data, write_reports=False).accepted  # the lock of the killed process is free


def test_import_after_a_crash_still_works(base):
    data, b = base
    run_import([b], data, P3PD_HENTI_DI="dipindah_satu").communicate(timeout=120)
    res = import_files([layanan_csv(b.parent / "c.csv", DESA3, 300)], data, write_reports=False)
    assert res.accepted
    assert set(load_dataset(data).layanan["kode_desa"]) == {DESA1, DESA2, DESA3}
    assert_consistent(data)


# --------------------------------------------------------------------------- two imports at once

def test_two_concurrent_imports_both_end_up_in_the_store(base, tmp_path):
    data, b = base
    c = layanan_csv(tmp_path / "c.csv", DESA3, 300)
    marker = tmp_path / "a_holds_lock"
    first = run_import([b], data, P3PD_TUNDA_DI="terkunci:4", P3PD_TANDA=str(marker))
    deadline = time.time() + 90
    while not marker.exists() and time.time() < deadline and first.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), first.communicate()
    second = run_import([c], data)
    out2, err2 = second.communicate(timeout=180)
    out1, err1 = first.communicate(timeout=180)
    assert first.returncode == 0 and second.returncode == 0, (err1, err2)
    assert "1 diterima" in out1 and "1 diterima" in out2
    assert set(load_dataset(data).layanan["kode_desa"]) == {DESA1, DESA2, DESA3}
    assert set(read_history(data)["kode_desa"]) == {DESA1, DESA2, DESA3}
    assert_consistent(data)


def test_second_import_gives_up_with_a_message_and_records_nothing(base, tmp_path):
    data, b = base
    c = layanan_csv(tmp_path / "c.csv", DESA3, 300)
    marker = tmp_path / "a_holds_lock"
    first = run_import([b], data, P3PD_TUNDA_DI="terkunci:5", P3PD_TANDA=str(marker))
    deadline = time.time() + 90
    while not marker.exists() and time.time() < deadline and first.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), first.communicate()
    second = run_import([c], data, P3PD_LOCK_TIMEOUT="0.5")
    out2, err2 = second.communicate(timeout=120)
    assert second.returncode == 2 and "sedang dipakai" in err2 and "Tidak ada yang disimpan" in err2
    assert first.wait(timeout=180) == 0
    assert set(load_dataset(data).layanan["kode_desa"]) == {DESA1, DESA2}
    assert "c.csv" not in set(raw_manifest(data)["berkas_asli"])
    assert_consistent(data)


def test_lock_lives_outside_the_data_folder(tmp_path):
    assert tmp_path not in lock_path(tmp_path / "data").parents
    assert lock_path(tmp_path / "data") == lock_path(tmp_path / "x" / ".." / "data")


# --------------------------------------------------------------------------- read-only store

def test_read_only_store_message_and_nothing_recorded(base, monkeypatch, capsys):
    data, b = base
    before = tree_hash(data)

    def refuse(src, dst, *a, **k):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(history.shutil, "copyfile", refuse)
    with pytest.raises(StoreReadOnly, match="tidak dapat ditulis"):
        import_files([b], data, write_reports=False)
    assert tree_hash(data) == before
    assert main(["impor", str(b), "--data-dir", str(data), "--tanpa-laporan"]) == 2
    assert "tidak dapat ditulis" in capsys.readouterr().err
    assert tree_hash(data) == before


def test_read_only_disk_while_writing_tables(base, monkeypatch):
    data, b = base
    before = tree_hash(data)

    def erofs(self, path, *a, **k):
        raise OSError(30, "Read-only file system", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", erofs)
    with pytest.raises(StoreReadOnly):
        import_files([b], data, write_reports=False)
    assert tree_hash(data) == before


def test_partial_reads_finish_an_interrupted_commit_first(base):
    from p3pd_lib.store import load_table

    data, b = base
    run_import([b], data, P3PD_HENTI_DI="jurnal").communicate(timeout=120)
    assert (data / JOURNAL_FILE).exists()
    assert set(load_table("layanan", data, columns=["kode_desa"])["kode_desa"]) == {DESA1, DESA2}
    assert not (data / JOURNAL_FILE).exists()
    assert_consistent(data)


def test_failure_after_the_journal_is_rolled_forward_not_undone(base, monkeypatch):
    from p3pd_lib import transaction

    data, b = base
    real = transaction.os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if str(dst).endswith(".parquet") and len([c for c in calls if str(c).endswith(".parquet")]) == 1:
            raise OSError(5, "Input/output error", str(dst))
        return real(src, dst)

    monkeypatch.setattr(transaction.os, "replace", flaky)
    with pytest.raises(OSError):
        import_files([b], data, write_reports=False)
    monkeypatch.setattr(transaction.os, "replace", real)
    assert (data / JOURNAL_FILE).exists()
    assert DESA2 in set(load_dataset(data).layanan["kode_desa"])  # the next start finishes the commit
    assert_consistent(data)
