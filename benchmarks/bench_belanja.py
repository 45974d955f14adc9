"""Benchmark of p3pd_lib.belanja on the demo store: one kabupaten first (cold), then the whole demo.

Run: ``P3PD_DATA_DIR=/work/main/data .venv/bin/python benchmarks/bench_belanja.py``.
"""

from __future__ import annotations

from _store import KABUPATEN, tables, timed

from p3pd_lib import belanja


def run(t: dict, label: str) -> None:
    print(label)
    mapped = timed("map_apbdes", belanja.map_apbdes, t["apbdes"], t["wilayah"])
    timed("spending_tables_with_summary", belanja.spending_tables_with_summary, mapped, t["layanan"])


if __name__ == "__main__":
    whole, kab = tables()
    run(kab, f"kabupaten {KABUPATEN} (dingin)")
    run(whole, "seluruh demo")
