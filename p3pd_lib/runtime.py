"""Process settings for the kit's batch work (the ``p3pd`` commands and the report kernels).

The whole-dataset analysis allocates and frees many arrays of millions of rows.
On Linux, glibc returns every freed block above 32 MB straight to the system and
numpy asks for transparent huge pages for every array above 4 MB, so each new
array is faulted in again, page by page, and zeroed by the kernel: measured on
the 2-core workshop machine, that system time was a third of
:func:`p3pd_lib.analysis.analyse` on the whole demo (about 2 s of 7 s, and
6 s on the first run of a process). Arrow's own allocator (mimalloc) also
hands freed pages back to the system after a few milliseconds, so every
string column built anew was faulted in again too. :func:`tune_for_batch`
makes the process keep and reuse the memory it has already touched instead.

This is a process-wide setting, so the library never applies it by itself:
the command line, the report batch and the benchmarks call it. A long-lived
interactive process (the dashboard kernel, which should stay small) does not:
memory freed there is not given back to the system until the process ends.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4

_applied: dict[str, bool] | None = None


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - musl and other libcs have no mallopt
    except (OSError, AttributeError):
        return None
    return libc


def tune_for_batch() -> dict[str, bool]:
    """Keep freed memory for reuse in this process; returns what could be applied.

    * glibc: no ``mmap`` for large blocks (``M_MMAP_MAX = 0``) and no trimming
      of the heap (``M_TRIM_THRESHOLD`` = 64 GiB), so freed memory is reused
      without new page faults;
    * numpy: no ``madvise(MADV_HUGEPAGE)`` on new arrays (faulting in huge
      pages was the largest part of the first run's system time);
    * Arrow: new buffers come from the system allocator, tuned as above,
      instead of mimalloc, which returns freed pages to the system (only when
      glibc could be tuned; buffers allocated before keep their pool).

    Idempotent; on a platform without glibc only the numpy part applies.
    Only where memory comes from changes, never a computed value.

    >>> sorted(tune_for_batch())
    ['arrow_system_pool', 'glibc', 'numpy_hugepage_off']
    """
    global _applied
    if _applied is not None:
        return dict(_applied)
    applied = {"glibc": False, "numpy_hugepage_off": False, "arrow_system_pool": False}
    libc = _glibc()
    if libc is not None:
        applied["glibc"] = bool(libc.mallopt(_M_MMAP_MAX, 0)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 2**36 - 1))
    try:
        import numpy as np

        setter = getattr(getattr(np, "_core", None), "multiarray", None)
        setter = getattr(setter, "_set_madvise_hugepage", None)
        if setter is not None:
            setter(False)
            applied["numpy_hugepage_off"] = True
    except ImportError:  # numpy is a dependency; kept for a partial install
        pass
    if applied["glibc"]:
        try:
            import pyarrow as pa

            pa.set_memory_pool(pa.system_memory_pool())
            applied["arrow_system_pool"] = True
        except ImportError:  # pyarrow is a dependency; kept for a partial install
            pass
    _applied = applied
    return dict(applied)
