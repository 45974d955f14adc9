"""Kit Analisis Dashboard Kecamatan (P3PD).

A small library over pandas for the kecamatan "Rumah Bersama": basic-service
indicators per desa, village spending quality (belanja desa berkualitas),
data-quality findings and the agenda terpadu.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("p3pd-kit")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+src"

__all__ = ["__version__"]
