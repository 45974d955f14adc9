"""Shared set-up of the store benchmarks: the demo store and one kabupaten of it."""

from __future__ import annotations

import os
import sys
import time

import pandas as pd

from p3pd_lib.store import load_dataset

KABUPATEN = "33.07"


def tables() -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """(whole store, one kabupaten) as name → table; the store is ``P3PD_DATA_DIR`` or argv[1]."""
    folder = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("P3PD_DATA_DIR")
    t = time.perf_counter()
    ds = load_dataset(folder)
    whole = ds.tables()
    kab = {n: df[df["kode_desa"].astype("string").str.startswith(KABUPATEN + ".").to_numpy(dtype=bool)]
           .reset_index(drop=True) for n, df in whole.items()}
    print(f"store: {len(whole['apbdes']):,} baris APBDes, {len(whole['layanan']):,} desa-tahun, "
          f"{len(whole['usulan']):,} usulan (dibaca {time.perf_counter() - t:.1f} s)")
    return whole, kab


def timed(label: str, fn, *args, **kwargs):
    """Run ``fn`` once and print its wall time."""
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    print(f"  {label:<44} {time.perf_counter() - t:6.2f} s", flush=True)
    return out
