"""The server's view warm-up: every kecamatan view computed ahead, on idle CPU only.

A visitor whose kabupaten no kernel has analysed yet waits for its analysis
(measured on 2 cores: ≈ 3 s of a 5 s first view; twenty pages of one kabupaten
opened at once waited 15–32 s for its views). The dashboard server therefore
starts this process beside Voila: at the lowest CPU priority (``nice`` 19, so a
page's kernel or the browser always goes first) it computes the default view of
every kecamatan with data, for the latest year (what a visitor opens first), into
the server's shared views (:class:`~p3pd_lib.dashboard.shared.SharedCache`). A
page's kernel then reads its view (≈ 10 ms) instead of computing it. Other years
are computed when a visitor asks for them, and shared then; warming them too
would cost four times the idle CPU and the disk (≈ 90 KB per view, compressed).
Each province's comparison, which all its views share, is computed before any view.

It takes no lock a page's kernel could wait on (a niced process holding one
would make a visitor wait for idle CPU): a view a kernel computed meanwhile is
skipped, one computed by both is simply written twice. It ends when every view
is written, or when the process that started it is gone.

Run by :func:`p3pd_lib.dashboard.server.start_warmer`; by hand:
``P3PD_DASHBOARD_CACHE=folder python -m p3pd_lib.dashboard.pemanas [DATA_DIR]``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from .views import StoreSource, Views, province_values

log = logging.getLogger("p3pd_lib.dashboard")

#: Niceness of the warm-up process (19: the lowest priority Linux has).
NICE = 19


def by_kabupaten(kecamatan: set[str]) -> dict[str, list[str]]:
    """Kecamatan codes grouped by kabupaten, in code order (one analysis serves a kabupaten's kecamatan).

    >>> by_kabupaten({"33.07.02", "33.07.01", "11.01.01"})
    {'11.01': ['11.01.01'], '33.07': ['33.07.01', '33.07.02']}
    """
    out: dict[str, list[str]] = {}
    for kode in sorted(kecamatan):
        out.setdefault(kode[:5], []).append(kode)
    return out


def warm_all(data_dir: str | os.PathLike[str] | None = None, parent: int | None = None) -> int:
    """Compute every missing default view of the latest year into the server's shared views; returns how many were written.

    ``parent``: process id of the server process; the warm-up stops when it is gone.
    Outside a server (no shared views) nothing is done.
    """
    source = StoreSource(data_dir)
    tahun = source.latest_layanan
    if source.shared is None or tahun is None:
        return 0
    views = Views(source=source)
    t_all, written = time.perf_counter(), 0
    kabupaten = by_kabupaten(source.kecamatan_with_data)
    for prov in sorted({kab[:2] for kab in kabupaten}):
        # Every view of a province compares with the whole province: shared first, so that a visitor whose
        # kabupaten is warmed late does not compute it either (0.3–0.5 s of a first view).
        try:
            province_values(source.shared, source.dataset(min(k for k in kabupaten if k[:2] == prov)), prov)
        except Exception:  # left for the views, which show their message
            log.debug("perbandingan provinsi %s gagal", prov, exc_info=True)
    for kab, codes in kabupaten.items():
        if parent is not None and os.getppid() != parent:
            log.info("pemanasan berhenti: server sudah berhenti")
            return written
        t0 = time.perf_counter()
        n = sum(views.share(kode, tahun) for kode in codes)
        if n:
            written += n
            log.info("pemanasan kabupaten %s tahun %s: %d tampilan, %.2f s", kab, tahun, n, time.perf_counter() - t0)
    source.release()
    log.info("pemanasan selesai: %d tampilan, %.1f s", written, time.perf_counter() - t_all)
    return written


def main(argv: list[str] | None = None) -> int:
    """Entry point of the warm-up process (lowest CPU priority)."""
    args = sys.argv[1:] if argv is None else argv
    os.nice(NICE)
    warm_all(args[0] if args else os.environ.get("P3PD_DATA_DIR"), parent=os.getppid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
