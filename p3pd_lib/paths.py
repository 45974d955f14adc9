"""Root-anchored locations: the one place that knows the kit's folders.

Every path is built from the project root, so notebooks, papermill, Voila, the
CLI and CI all find the same files whatever their working directory. The data
store can be pointed elsewhere with the ``P3PD_DATA_DIR`` environment variable
or, per call, with an explicit ``data_dir`` argument (``--data-dir`` on the CLI);
the parameter files with ``P3PD_PARAMETERS_DIR`` (a copy of ``parameters/``, e.g.
a test's temporary folder or a kabupaten's own edited set).

>>> (PROJECT_ROOT / "p3pd_lib" / "paths.py").exists()
True
>>> data_dir("/tmp/x").name
'x'
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
PARAMETERS_DIR: Path = PROJECT_ROOT / "parameters"
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
DOCS_DIR: Path = PROJECT_ROOT / "docs"
DEFAULT_DATA_DIR: Path = PROJECT_ROOT / "data"
DEFAULT_OUTPUT_DIR: Path = PROJECT_ROOT / "laporan"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data store's root folder (holding ``raw/`` and ``processed/``).

    Order of precedence: explicit ``override``, then ``P3PD_DATA_DIR``, then
    ``<project>/data``.
    """
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get("P3PD_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_DATA_DIR


def raw_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Folder of inputs exactly as received (never modified)."""
    return data_dir(override) / "raw"


def processed_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Folder of the canonical parquet tables."""
    return data_dir(override) / "processed"


def parameters_dir() -> Path:
    """The folder of parameter files: ``P3PD_PARAMETERS_DIR`` when set, else ``<project>/parameters``.

    Read at every call, so a test or a session may point the kit at another
    folder without re-importing anything.
    """
    env = os.environ.get("P3PD_PARAMETERS_DIR")
    return Path(env).expanduser().resolve() if env else PARAMETERS_DIR


def parameter_file(name: str) -> Path:
    """A file of the parameters folder by name, e.g. ``parameter_file("indikator.yaml")``."""
    return parameters_dir() / name
