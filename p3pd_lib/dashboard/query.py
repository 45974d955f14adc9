"""What a page asks for: the query string, and the trainer's overrides (both hashable cache keys).

In a preheated kernel the visitor's request (and its query string) arrives only
when a visitor opens the page; :func:`query_string` waits for it through Voila's
public ``voila.utils.wait_for_request``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import Iterable
from urllib.parse import parse_qs

#: Default yellow bands of the traffic light (parameters/klasifikasi.yaml), in points.
PITA_NAIK_BAWAAN = 10.0
PITA_TURUN_BAWAAN = 5.0

_KODE_KEC_RE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}")
#: A query string longer than this is not parsed at all (the page explains it in Indonesian).
MAX_QUERY_CHARS = 2000
PESAN_QUERY_RUSAK = "Alamat halaman tidak dapat dibaca; menampilkan pilihan bawaan."

@dataclass(frozen=True)
class TrainerSettings:
    """Trainer-mode overrides of the traffic-light bands and targets (hashable: a cache key).

    ``targets`` is a sorted tuple of ``(indikator, target)`` pairs.

    >>> TrainerSettings().is_default
    True
    >>> TrainerSettings(pita_naik=15).is_default
    False
    """

    pita_naik: float = PITA_NAIK_BAWAAN
    pita_turun: float = PITA_TURUN_BAWAAN
    targets: tuple[tuple[str, float], ...] = ()

    @property
    def is_default(self) -> bool:
        """True when nothing is overridden (the view uses the kit's parameters)."""
        return self.pita_naik == PITA_NAIK_BAWAAN and self.pita_turun == PITA_TURUN_BAWAAN and not self.targets

    def with_target(self, indikator: str, target: float | None) -> "TrainerSettings":
        """A copy with one indicator's target set (``None`` removes the override)."""
        rest = {k: v for k, v in self.targets if k != indikator}
        if target is not None:
            rest[indikator] = float(target)
        return replace(self, targets=tuple(sorted(rest.items())))


@dataclass(frozen=True)
class Query:
    """A parsed query string: the kecamatan and year asked for, and messages about bad values."""

    kecamatan: str | None = None
    tahun: int | None = None
    pesan: tuple[str, ...] = ()


def parse_query(query: str | None, kecamatan_tersedia: Iterable[str], tahun_tersedia: Iterable[int]) -> Query:
    """Parse ``kecamatan=33.07.01&tahun=2024`` against what the data hold.

    Unknown or malformed values are dropped and explained in ``pesan``
    (Indonesian, the value quoted as given: escape it before showing as HTML).
    Never raises, whatever the length or content of ``query``.

    >>> q = parse_query("?kecamatan=33.07.01&tahun=2024", ["33.07.01"], [2023, 2024])
    >>> q.kecamatan, q.tahun, q.pesan
    ('33.07.01', 2024, ())
    >>> q = parse_query("kecamatan=99&tahun=abc", ["33.07.01"], [2024])
    >>> q.kecamatan, q.tahun, len(q.pesan)
    (None, None, 2)
    >>> parse_query("x" * 100_000, [], []).pesan == (PESAN_QUERY_RUSAK,)
    True
    """
    kec_ok = set(kecamatan_tersedia)
    years = sorted({int(y) for y in tahun_tersedia})
    text = str(query or "").strip().lstrip("?")
    if len(text) > MAX_QUERY_CHARS:
        return Query(pesan=(PESAN_QUERY_RUSAK,))
    try:
        params = parse_qs(text, keep_blank_values=True, max_num_fields=20)
    except ValueError:
        return Query(pesan=(PESAN_QUERY_RUSAK,))
    pesan: list[str] = []
    kecamatan: str | None = None
    tahun: int | None = None
    raw_kec = (params.get("kecamatan") or [""])[-1].strip()
    if raw_kec:
        shown = raw_kec[:40]
        if not _KODE_KEC_RE.fullmatch(raw_kec):
            pesan.append(
                f"Kode kecamatan '{shown}' pada alamat halaman tidak valid (contoh yang benar: 33.07.01); "
                "menampilkan kecamatan bawaan."
            )
        elif raw_kec not in kec_ok:
            pesan.append(f"Kecamatan '{shown}' tidak ada dalam data; menampilkan kecamatan bawaan.")
        else:
            kecamatan = raw_kec
    raw_tahun = (params.get("tahun") or [""])[-1].strip()
    if raw_tahun:
        shown = raw_tahun[:20]
        if not re.fullmatch(r"[0-9]{1,4}", raw_tahun):
            pesan.append(f"Tahun '{shown}' pada alamat halaman tidak valid (contoh yang benar: 2024).")
        elif int(raw_tahun) not in years:
            daftar = ", ".join(str(y) for y in years) or "-"
            pesan.append(f"Tahun {shown} tidak ada dalam data (tersedia: {daftar}); menampilkan tahun terakhir.")
        else:
            tahun = int(raw_tahun)
    return Query(kecamatan=kecamatan, tahun=tahun, pesan=tuple(pesan))



def query_string() -> str:
    """The page's query string; a preheated kernel first waits for its visitor (Voila's public helper).

    ``voila.utils.wait_for_request`` returns at once outside a preheated kernel
    (plain Voila, Jupyter, tests); Voila puts ``QUERY_STRING`` in ``os.environ``.
    """
    if os.getenv("VOILA_PREHEAT", "False") != "False":
        from voila.utils import wait_for_request

        wait_for_request()
    return os.environ.get("QUERY_STRING", "") or ""
