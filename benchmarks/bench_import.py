"""Benchmark: importing a kabupaten's worth of Siskeudes lines.

Generates, in a temporary folder, Siskeudes exports for 400 villages of one
kabupaten (Lamongan, 35.24) × 60 budget lines × 4 years ≈ 96,000 Ta_RAB rows,
with Ta_Kegiatan, Ref_Desa, Ref_Kecamatan and one posted journal line per
budget line (Ta_JurnalUmum + Ta_JurnalUmumRinci), then times
``importer.import_files`` into an empty store, and a second, identical import
(which must change nothing). Target: under 10 s for the first import.

Run: ``.venv/bin/python benchmarks/bench_import.py``
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from p3pd_lib import importer, wilayah

KABUPATEN = "35.24"
N_DESA, N_LINES, YEARS = 400, 60, (2022, 2023, 2024, 2025)
# 60 lines: 4 revenue accounts + 56 spending lines spread over 14 kegiatan (4 accounts each).
REVENUE = ["4.1.1.01.", "4.2.1.01.", "4.2.2.01.", "4.2.3.01."]
KEGIATAN = ["01.01.01.", "01.01.02.", "01.01.05.", "01.03.01.", "01.04.01.", "02.01.05.", "02.02.01.", "02.02.90.",
            "02.03.10.", "02.04.05.", "03.02.01.", "04.02.01.", "04.04.01.", "05.03.01."]
ACCOUNTS = ["5.1.1.01.", "5.2.2.01.", "5.2.1.01.", "5.3.1.01."]


def generate(folder: Path) -> list[Path]:
    rng = np.random.default_rng(42)
    table = wilayah.wilayah_table([KABUPATEN[:2]])
    desa = table[(table["kode_kabupaten"] == KABUPATEN) & (table["jenis"] == "desa")].head(N_DESA)
    kd_desa = [f"{c[6:8]}.{c[9:]}." for c in desa["kode_desa"]]
    names = desa["nama_desa"].tolist()
    rab, keg = [], []
    for year in YEARS:
        for kd in kd_desa:
            for acc in REVENUE:
                rab.append((year, kd, kd + "00.00.00.", acc))
            for k in KEGIATAN:
                keg.append((year, kd + k, k, f"Kegiatan {k}", "DDS" if k[:2] != "01" else "ADD"))
                for acc in ACCOUNTS:
                    rab.append((year, kd, kd + k, acc))
    rab = pd.DataFrame(rab, columns=["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian"])
    n = len(rab)
    amount = rng.integers(1, 500, size=n) * 100_000
    rab = rab.assign(Anggaran=amount, AnggaranPAK=0, AnggaranStlhPAK=amount)
    rab.to_csv(folder / "Ta_RAB.csv", index=False)
    pd.DataFrame(keg, columns=["Tahun", "Kd_Keg", "ID_Keg", "Nama_Kegiatan", "Sumberdana"]).to_csv(
        folder / "Ta_Kegiatan.csv", index=False)
    pd.DataFrame({"Kd_Kec": [k[:2] for k in kd_desa], "Kd_Desa": kd_desa, "Nama_Desa": names}).to_csv(
        folder / "Ref_Desa.csv", index=False)
    kec = desa.drop_duplicates("kode_kecamatan")
    pd.DataFrame({"Kd_Kec": [c[6:8] for c in kec["kode_kecamatan"]], "Nama_Kecamatan": kec["nama_kecamatan"]}).to_csv(
        folder / "Ref_Kecamatan.csv", index=False)
    spend = rab["Kd_Rincian"].str.startswith("5")
    real = (rab["AnggaranStlhPAK"] * rng.uniform(0.5, 1.0, size=n)).round(-3)
    jr = pd.DataFrame({"Tahun": rab["Tahun"], "NoBukti": [f"J{i // 50}" for i in range(n)], "Kd_Keg": rab["Kd_Keg"],
                       "Rincian": rab["Kd_Rincian"], "Debet": np.where(spend, real, 0),
                       "Kredit": np.where(spend, 0, real)})
    jr.to_csv(folder / "Ta_JurnalUmumRinci.csv", index=False)
    nb = jr[["Tahun", "NoBukti"]].drop_duplicates().assign(Posted=1)
    nb.to_csv(folder / "Ta_JurnalUmum.csv", index=False)
    return sorted(folder.glob("*.csv"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "ekspor").mkdir()
        t0 = time.perf_counter()
        files = generate(tmp / "ekspor")
        n_lines = sum(1 for _ in open(tmp / "ekspor" / "Ta_RAB.csv")) - 1
        print(f"Generated {n_lines} Ta_RAB lines ({N_DESA} desa x {N_LINES} lines x {len(YEARS)} years) "
              f"+ journals in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        res = importer.import_files(files, tmp / "data", kabupaten=KABUPATEN, write_reports=False)
        first = time.perf_counter() - t0
        assert res.accepted, res.findings.head(20).to_string()
        print(f"First import:  {first:.2f} s  ({res.summary['ditambah']} desa-years added; "
              f"{res.summary['galat']} galat, {res.summary['peringatan']} peringatan)")
        t0 = time.perf_counter()
        res2 = importer.import_files(files, tmp / "data", write_reports=False)
        second = time.perf_counter() - t0
        print(f"Second import (same files, must change nothing): {second:.2f} s "
              f"({res2.summary['tidak_berubah']} desa-years unchanged)")
        print(f"Target < 10 s: {'OK' if first < 10 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
