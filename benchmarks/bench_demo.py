"""Benchmark of the demo data generator (p3pd_lib/demo.py).

Prints: full generation time (default provinces × years), save time through
store.save_dataset (validation + parquet + manifest), rows per table, and the
time of a one-kabupaten generation. Writes only to a temporary folder.

    .venv/bin/python benchmarks/bench_demo.py
"""

from __future__ import annotations

import tempfile
import time

from p3pd_lib import demo, store


def main() -> None:
    prm = demo.load_parameters()
    demo.generate_demo(kabupaten=["11.72"], tahun=[2024])  # warm caches (region list, parameters)

    t0 = time.perf_counter()
    result = demo.generate_demo()
    t_gen = time.perf_counter() - t0
    print(f"Generasi penuh (provinsi {', '.join(prm.provinsi)}; tahun {prm.tahun[0]}–{prm.tahun[-1]}): {t_gen:.1f} s")

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        store.save_dataset(result.tables, tmp, meta=result.meta)
        result.manifest.to_csv(f"{tmp}/processed/{demo.MANIFEST_FILE}", index=False)
        t_save = time.perf_counter() - t0
        print(f"Simpan (validasi + parquet + manifest): {t_save:.1f} s")
        print(f"Total generasi + simpan: {t_gen + t_save:.1f} s")

        t0 = time.perf_counter()
        out = demo.build_demo_store(tmp, paksa=True)
        print(f"build_demo_store (paksa=True, satu panggilan): {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        again = demo.build_demo_store(tmp)
        print(f"build_demo_store kedua (sudah mutakhir: {not again.diperbarui}): {time.perf_counter() - t0:.2f} s")
        assert out.diperbarui and not again.diperbarui

    print("Baris per tabel:")
    for name, df in result.tables.items():
        print(f"  {name:12s} {len(df):>10,d}")
    print(f"  {'masalah':12s} {len(result.manifest):>10,d} (manifest)")

    for kab in ("33.07", "12.01"):
        t0 = time.perf_counter()
        one = demo.generate_demo(kabupaten=[kab])
        print(f"Satu kabupaten {kab} ({len(one.tables['wilayah'])} desa/kel., semua tahun): "
              f"{time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
