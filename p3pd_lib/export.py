"""Writing result tables to files (CSV, JSON, Excel), atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from .errors import ParameterError
from .safe_excel import protect_text_cells

FORMATS = ("csv", "json", "xlsx")


def table_bytes(df: pd.DataFrame, fmt: str, sheet_name: str = "hasil") -> bytes:
    """The table serialised as ``csv`` (UTF-8), ``json`` (records) or ``xlsx``.

    >>> table_bytes(pd.DataFrame({"a": [1, 2]}), "csv").decode().split()
    ['a', '1', '2']
    """
    if fmt not in FORMATS:
        raise ParameterError(f"Format '{fmt}' tidak dikenal; pilih {', '.join(FORMATS)}.")
    if fmt == "csv":
        return df.to_csv(index=False).encode("utf-8")
    if fmt == "json":
        return df.to_json(orient="records", force_ascii=False, indent=1).encode("utf-8")
    import io

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        df.to_excel(xl, sheet_name=sheet_name[:31], index=False)
        protect_text_cells(xl.sheets.values())  # pandas writes "=..." text as a formula
    return buf.getvalue()


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], fmt: str | None = None) -> Path:
    """Write ``df`` to ``path`` (format from ``fmt`` or the file suffix), via a temp file and rename."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    data = table_bytes(df, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
