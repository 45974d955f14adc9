"""Deterministic simulated data (DATA SIMULASI) over the real region codes.

The demo store lets trainers, report runs and the dashboard work before any real
data exist. Everything is generated from one seed and ``parameters/demo.yaml``:
the same seed gives byte-identical tables. Each kabupaten/kota is generated from
its own random streams (seed + kabupaten code), so a one-kabupaten dataset equals
that kabupaten's slice of the full dataset.

Tables (DOMAIN.md §4a): ``wilayah`` (official list), ``layanan`` (service counts,
desa and kelurahan), ``apbdes`` (budget lines, desa only), ``status_desa`` (IDM,
desa only) and ``usulan`` (community proposals, desa only). A few rows carry
*planted* data-quality problems, each listed in the manifest
(:func:`manifest`, written as ``processed/masalah_simulasi.csv``) with one of
the rule ids in :data:`ATURAN_MASALAH`; apart from them the data are clean.

Pure generation (:func:`generate_demo`, :func:`generate`, :func:`manifest`) is
kept apart from the I/O (:func:`build_demo_store`, :func:`read_manifest`).

>>> r = generate_demo(kabupaten=["11.72"], tahun=[2024, 2025])
>>> sorted(r.tables)
['apbdes', 'layanan', 'status_desa', 'usulan', 'wilayah']
>>> r.meta["simulasi"], r.meta["kabupaten"]
(True, ['11.72'])
>>> bool(r.manifest["aturan"].isin(ATURAN_MASALAH).all())
True
"""

from .parameters import (
    ATURAN_MASALAH, ApbdesParam, Batas, DemoParameters, GENERATOR_VERSION, INDIKATOR_LAYANAN, IndikatorParam,
    LayananParam, MANIFEST_COLUMNS, MANIFEST_FILE, MasalahParam, Peluang, StatusParam, UsulanParam, load_parameters,
)
from .generation import DemoResult, demo_meta, generate, generate_demo, manifest, resolve_selection
from .store_build import DemoStoreOutcome, build_demo_store, read_manifest
# Kept importable from here as before (tests read parameters/demo.yaml through it).
from ..paths import parameter_file

__all__ = [
    "ATURAN_MASALAH",
    "ApbdesParam",
    "Batas",
    "DemoParameters",
    "DemoResult",
    "DemoStoreOutcome",
    "GENERATOR_VERSION",
    "INDIKATOR_LAYANAN",
    "IndikatorParam",
    "LayananParam",
    "MANIFEST_COLUMNS",
    "MANIFEST_FILE",
    "MasalahParam",
    "Peluang",
    "StatusParam",
    "UsulanParam",
    "build_demo_store",
    "demo_meta",
    "generate",
    "generate_demo",
    "load_parameters",
    "manifest",
    "read_manifest",
    "resolve_selection",
    "parameter_file",
]
