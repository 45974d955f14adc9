"""One commit for every write to a data store: a lock, staged files and a write-ahead journal.

An import changes several files: the raw copies and ``raw/manifest.csv``, the
parquet tables and ``meta.json``, ``riwayat_impor.csv`` and the Kd_Desa
mapping. Inside :func:`transaction` every such write goes to ``<file>.tmp``
first (:func:`place` only registers it); the commit then

1. flushes every staged file to disk,
2. writes the journal ``<data>/.transaksi.json`` (itself written aside and
   renamed: it exists whole or not at all) listing the (staged, final) pairs,
3. renames every staged file over its final name,
4. deletes the journal.

A crash (power cut, ``kill -9``) before step 2 leaves only ``*.tmp`` files:
the next writer deletes them (rolled back, the store is as before). A crash
after step 2 leaves the journal: the next start renames what is left (rolled
forward, the store is as after). :func:`recover` does both; the importer calls
it under the lock before it reads the store, and :func:`p3pd_lib.store.load_dataset`
calls it when it finds a journal.

Writers are serialised by :func:`store_lock` (the ``filelock`` library): a
second import waits up to :data:`LOCK_TIMEOUT` seconds (``P3PD_LOCK_TIMEOUT``)
and then stops with :class:`StoreBusy` (Indonesian message), never both
writing. The lock file lives in the system temporary folder, named after the
data folder's absolute path, so that checking a file or importing into a
read-only store never creates anything in the data folder.

Test hook: ``P3PD_HENTI_DI=<step>`` kills the process (SIGKILL) when the
commit reaches ``<step>``; ``P3PD_TUNDA_DI=<step>:<seconds>`` sleeps there
(and touches ``P3PD_TANDA`` when set). Steps: ``terkunci`` (lock taken),
``disiapkan`` (files staged, no journal yet), ``jurnal`` (journal written),
``dipindah_satu`` (first file renamed), ``dipindah`` (all renamed, journal not
yet deleted).
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
import signal
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import KitError
from .paths import data_dir as _data_dir

JOURNAL_FILE = ".transaksi.json"
#: Seconds a second writer waits for the lock before giving up (``P3PD_LOCK_TIMEOUT`` overrides).
LOCK_TIMEOUT = 120.0
STEPS = ("terkunci", "disiapkan", "jurnal", "dipindah_satu", "dipindah")


class StoreBusy(KitError):
    """Another process is writing to the same data store; message in Indonesian."""


class StoreReadOnly(KitError):
    """The data store cannot be written (read-only folder or disk); message in Indonesian."""


def checkpoint(step: str) -> None:
    """The test hook (see the module doc): kill or pause the process at a named step."""
    if os.environ.get("P3PD_HENTI_DI") == step:
        os.kill(os.getpid(), signal.SIGKILL)
    pause = os.environ.get("P3PD_TUNDA_DI", "")
    if pause.partition(":")[0] == step:
        marker = os.environ.get("P3PD_TANDA")
        if marker:
            Path(marker).write_text(step, encoding="utf-8")
        time.sleep(float(pause.partition(":")[2] or 1))


# --------------------------------------------------------------------------- lock

def lock_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the lock of a data store lives (temporary folder; see the module doc)."""
    root = str(_data_dir(data_dir).resolve())
    return Path(tempfile.gettempdir()) / "p3pd-kunci" / (hashlib.sha256(root.encode()).hexdigest()[:20] + ".lock")


@contextmanager
def store_lock(data_dir: str | os.PathLike[str] | None = None, timeout: float | None = None) -> Iterator[None]:
    """Hold the store's write lock (re-entrant in one thread); :class:`StoreBusy` after ``timeout`` seconds."""
    from filelock import FileLock, Timeout

    path = lock_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    wait = timeout if timeout is not None else float(os.environ.get("P3PD_LOCK_TIMEOUT", LOCK_TIMEOUT))
    lock = FileLock(path, is_singleton=True)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise StoreBusy(
            f"Penyimpanan data '{_data_dir(data_dir)}' sedang dipakai oleh proses impor lain (sudah ditunggu "
            f"{wait:g} detik). Tidak ada yang disimpan; ulangi impor setelah proses itu selesai."
        ) from None
    try:
        checkpoint("terkunci")
        yield
    finally:
        lock.release()


# --------------------------------------------------------------------------- staged writes

class Transaction:
    """Files staged for one commit of one data store (final path → staged path)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.staged: dict[Path, Path] = {}
        self.journaled = False  # from here on the commit is finished by recover(), never undone

    def current(self, final: Path) -> Path:
        """The staged version of ``final`` when there is one (reads inside a transaction see its writes)."""
        return self.staged.get(Path(final), Path(final))

    def commit(self) -> None:
        if not self.staged:
            return
        for tmp in self.staged.values():
            _fsync(tmp)
        pairs = [[str(tmp.relative_to(self.root)), str(final.relative_to(self.root))]
                 for final, tmp in self.staged.items()]
        checkpoint("disiapkan")
        journal = self.root / JOURNAL_FILE
        jtmp = journal.with_name(journal.name + ".tmp")
        jtmp.write_text(json.dumps({"pindah": pairs}, ensure_ascii=False), encoding="utf-8")
        _fsync(jtmp)
        os.replace(jtmp, journal)
        self.journaled = True
        _fsync_dir(self.root)
        checkpoint("jurnal")
        for i, (final, tmp) in enumerate(self.staged.items()):
            os.replace(tmp, final)
            if i == 0:
                checkpoint("dipindah_satu")
        for folder in {f.parent for f in self.staged}:
            _fsync_dir(folder)
        checkpoint("dipindah")
        journal.unlink()
        self.staged.clear()

    def rollback(self) -> None:
        if self.journaled:  # a failure after the journal: the next start rolls forward
            return
        for tmp in self.staged.values():
            tmp.unlink(missing_ok=True)
        self.staged.clear()


_ACTIVE: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar("p3pd_transaction", default=None)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def staged_name(final: Path) -> Path:
    """The name a file is written under before its commit (``<name>.tmp``)."""
    return final.with_name(final.name + ".tmp")


def place(tmp: Path, final: Path) -> None:
    """Put a fully written ``tmp`` in place of ``final``: staged in the active transaction, else renamed now."""
    tx = _ACTIVE.get()
    if tx is None:
        os.replace(tmp, final)
        return
    tmp, final = Path(tmp), Path(final)
    if tmp != staged_name(final):  # keep one staged name per final file (recovery knows it)
        os.replace(tmp, staged_name(final))
        tmp = staged_name(final)
    tx.staged[final] = tmp


def current_path(final: str | os.PathLike[str]) -> Path:
    """``final``, or its staged version when the active transaction has written it."""
    tx = _ACTIVE.get()
    return tx.current(Path(final)) if tx is not None else Path(final)


def active() -> bool:
    """Whether a transaction is open in this context."""
    return _ACTIVE.get() is not None


@contextmanager
def transaction(data_dir: str | os.PathLike[str] | None = None, *, lock: bool = True) -> Iterator[Transaction]:
    """Group every store write of the block into one commit (see the module doc).

    Takes the store lock (unless ``lock=False`` because the caller holds it),
    recovers an interrupted commit first, commits when the block ends normally
    and deletes the staged files when it raises. A write refused by the disk
    (read-only folder) becomes :class:`StoreReadOnly` and nothing is recorded.
    Nested use joins the outer transaction.
    """
    outer = _ACTIVE.get()
    root = _data_dir(data_dir)
    if outer is not None:
        if outer.root != root:
            raise RuntimeError(f"Transaksi untuk '{outer.root}' masih terbuka; '{root}' tidak dapat ditulis di dalamnya.")
        yield outer
        return
    cm = store_lock(data_dir) if lock else _nothing()
    with cm:
        recover(data_dir)
        tx = Transaction(root)
        token = _ACTIVE.set(tx)
        try:
            try:
                yield tx
            finally:
                _ACTIVE.reset(token)
            tx.commit()
        except PermissionError as exc:
            tx.rollback()
            raise StoreReadOnly(_read_only_message(root, exc)) from None
        except OSError as exc:
            tx.rollback()
            if exc.errno in (30, 1, 13):  # EROFS, EPERM, EACCES
                raise StoreReadOnly(_read_only_message(root, exc)) from None
            raise
        except BaseException:
            tx.rollback()
            raise


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _read_only_message(root: Path, exc: OSError) -> str:
    where = exc.filename or root
    return (f"Folder data '{root}' tidak dapat ditulis ({where}: hanya-baca atau tanpa izin tulis). Tidak ada yang "
            "disimpan dan riwayat tidak berubah; pilih folder data lain (--data-dir) atau minta izin tulis.")


def recover(data_dir: str | os.PathLike[str] | None = None) -> str | None:
    """Finish or undo an interrupted commit; ``"maju"``/``"mundur"``/``None`` (nothing to do).

    Call only while holding :func:`store_lock`. With a journal, every staged
    file still present is renamed to its final name (roll forward). Without
    one, stale ``*.tmp`` files in ``processed/`` and ``raw/`` and a half
    journal are deleted (roll back).
    """
    root = _data_dir(data_dir)
    if not root.is_dir():
        return None
    journal = root / JOURNAL_FILE
    done: str | None = None
    if journal.exists():
        try:
            pairs = json.loads(journal.read_text(encoding="utf-8"))["pindah"]
        except (ValueError, KeyError, TypeError) as exc:  # never written half (renamed into place), but say so
            raise KitError(f"Jurnal perubahan '{journal}' tidak dapat dibaca ({exc}); penyimpanan tidak diubah. "
                           "Pulihkan folder data dari cadangan atau hubungi pengelola kit.") from None
        for tmp, final in pairs:
            if (root / tmp).exists():
                os.replace(root / tmp, root / final)
        journal.unlink()
        done = "maju"
    stale = [root / (JOURNAL_FILE + ".tmp")]
    for sub in ("processed", "raw"):
        if (root / sub).is_dir():
            stale.extend((root / sub).glob("*.tmp"))
    for p in stale:
        if p.exists():
            try:
                p.unlink()
            except FileNotFoundError:
                continue
            done = done or "mundur"
    return done


def has_stale_files(data_dir: str | os.PathLike[str] | None = None) -> bool:
    """Whether staged files of an unfinished commit (``*.tmp``) lie in ``processed/`` or ``raw/``."""
    root = _data_dir(data_dir)
    if (root / (JOURNAL_FILE + ".tmp")).exists():
        return True
    return any(next((root / sub).glob("*.tmp"), None) is not None for sub in ("processed", "raw") if (root / sub).is_dir())


def needs_recovery(data_dir: str | os.PathLike[str] | None = None) -> bool:
    """Whether an interrupted commit's journal is waiting in the store."""
    return (_data_dir(data_dir) / JOURNAL_FILE).exists()
