"""Benchmark of p3pd_lib.quality on the demo store: one kabupaten first (cold), then the whole demo.

Run: ``P3PD_DATA_DIR=/work/main/data .venv/bin/python benchmarks/bench_quality.py``.
"""

from __future__ import annotations

from _store import KABUPATEN, tables, timed

from p3pd_lib import indicators, quality


def run(t: dict, label: str) -> None:
    cat = indicators.catalogue_frame(indicators.load_catalogue())
    print(label)
    findings = timed("run_checks", quality.run_checks, t, cat)
    print(f"  {len(findings):,} temuan")


if __name__ == "__main__":
    whole, kab = tables()
    run(kab, f"kabupaten {KABUPATEN} (dingin)")
    run(whole, "seluruh demo")
