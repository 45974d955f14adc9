"""Views shared by the page kernels of one server: one file per view, computed once.

Twenty pages opened at once would otherwise each read the store and run the same
analysis (measured: ≈ 5 CPU-seconds per page, 100 for twenty on 2 cores). The
server gives its kernels a private folder (:data:`CACHE_ENV`, mode 0700, removed
when the server stops); the first kernel that needs a view computes it under a
file lock while the others wait for it, then every kernel reads the pickled file
(≈ 10 ms). Values computed from the same costly intermediate (the kecamatan
views of one kabupaten and year share its analysis) form a *group*: one kernel
computes its value and then the group's others, while the kernels waiting for
a value of that group read it as soon as it is written (measured: 10 pages of
one kabupaten opened at once each ran the kabupaten's analysis). Keys include the store's stamp (size and time of its files), so an
import while the server runs is never served stale views. Only the server's own
kernels write there, so the pickles are trusted. They are compressed (zlib level 1):
a kecamatan view is ≈ 0.5 MB pickled and ≈ 90 KB compressed, for 4 ms to write and 1 ms
to read (measured), which keeps a server's warmed views (:mod:`.pemanas`) small on disk.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import threading
import time
import zlib
from pathlib import Path
from typing import Any, Callable

#: Environment variable naming the server's cache folder (set by :func:`p3pd_lib.dashboard.server.voila_command`).
CACHE_ENV = "P3PD_DASHBOARD_CACHE"


def store_stamp(data_dir: str | os.PathLike[str] | None) -> str:
    """What identifies the store's current content: its folder and the size and time of each file."""
    from ..paths import processed_dir

    folder = processed_dir(data_dir)
    parts = [str(folder.resolve())]
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            st = path.stat()
            parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


class SharedCache:
    """Values computed once for all kernels of a server (see the module docstring).

    >>> import tempfile
    >>> cache = SharedCache(tempfile.mkdtemp(), "stempel")
    >>> cache.get(("a", 1), lambda: [1, 2]), cache.get(("a", 1), lambda: 1 / 0)
    ([1, 2], [1, 2])
    """

    def __init__(self, folder: str | os.PathLike[str], stamp: str) -> None:
        self.folder = Path(folder)
        self.stamp = stamp
        self.computed = 0  # values this process computed (tests, logs)

    @classmethod
    def from_env(cls, data_dir: str | os.PathLike[str] | None) -> "SharedCache | None":
        """The server's cache for the store ``data_dir`` (``None`` outside a server: tests, notebooks)."""
        folder = os.environ.get(CACHE_ENV)
        if not folder or not Path(folder).is_dir():
            return None
        return cls(folder, store_stamp(data_dir))

    def _name(self, key: Any) -> str:
        return hashlib.sha256(repr((self.stamp, key)).encode("utf-8")).hexdigest()[:32]

    def _path(self, key: Any) -> Path:
        return self.folder / f"{self._name(key)}.pkl"

    def has(self, key: Any) -> bool:
        """Whether the value of ``key`` is written already."""
        return self._path(key).exists()

    def put(self, key: Any, value: Any) -> None:
        """Write the value of ``key`` (atomically: a reader sees the whole file or none)."""
        path = self._path(key)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1))
        tmp.replace(path)

    def get_unlocked(self, key: Any, compute: Callable[[], Any]) -> Any:
        """The value of ``key``: read from its file, or computed and written without any lock.

        For a value no process should wait for, not even for a niced one (:mod:`.pemanas`)
        computing it: two processes may both compute it, and the later write wins.
        """
        value = self._read(self._path(key))
        if value is None:
            value = compute()
            self.put(key, value)
        return value

    def get(self, key: Any, compute: Callable[[], Any], group: Any = None,
            fill: Callable[[], None] | None = None) -> Any:
        """The value of ``key``: read from its file, or computed (once for all kernels) and written.

        With ``group``, one kernel at a time computes values of that group: it computes
        this one, returns it, and runs ``fill`` (the group's other values, through
        :meth:`put`) in a background thread that keeps the group's lock; meanwhile other
        kernels wait for their value to be written. A kernel that ends releases its locks.
        """
        path = self._path(key)
        value = self._read(path)
        if value is not None:
            return value
        lock_name = self._name(("groep", group)) if group is not None else self._name(key)
        lock = open(self.folder / f"{lock_name}.lock", "w")
        try:
            while True:  # another kernel may be computing it: wait, then read
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | (fcntl.LOCK_NB if group is not None else 0))
                    break
                except BlockingIOError:
                    value = self._read(path)
                    if value is not None:
                        lock.close()
                        return value
                    time.sleep(0.05)
            value = self._read(path)
            if value is None:
                value = compute()
                self.computed += 1
                self.put(key, value)
                if fill is not None:
                    owned, lock = lock, None  # the thread closes (and so unlocks) it

                    def run() -> None:
                        try:
                            fill()
                        finally:
                            owned.close()

                    threading.Thread(target=run, name="p3pd-isi-kelompok", daemon=True).start()
        finally:
            if lock is not None:
                lock.close()
        return value

    @staticmethod
    def _read(path: Path) -> Any:
        try:
            with open(path, "rb") as fh:
                return pickle.loads(zlib.decompress(fh.read()))
        except FileNotFoundError:
            return None
