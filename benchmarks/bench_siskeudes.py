"""Benchmark: importing a kabupaten's whole Siskeudes database export, in its real shape.

Generates, in a temporary folder, the mdb-to-CSV dump of one kabupaten's
Siskeudes database (300 villages of Lamongan, 35.24, fiscal years 2022–2025):
``Ta_RABRinci`` (line level, ~3 items per account and activity, several sources
of funds), the ``Ta_RAB`` summary, ``Ta_Anggaran`` with two postings (APBDes and
PAK), ``Ta_Kegiatan``, ``Ref_Desa`` with "PEMERINTAH DESA ..." names,
``Ref_Kecamatan``, ``Ref_Rek4``, ``Ta_Pemda``, empty journals, and 30 tables the
kit does not need (one of them large), each with its ``.columns`` file; then
zips it. Times ``importer.import_files`` (what ``p3pd impor`` runs) on the zip
into an empty store, and on the unzipped folder into another one. No region is
given: the kabupaten comes from ``Ta_Pemda``. Target: under 5 s.

Run: ``.venv/bin/python benchmarks/bench_siskeudes.py``
"""

from __future__ import annotations

import os
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from p3pd_lib import importer, wilayah

KABUPATEN = "35.24"
N_DESA, YEARS = 300, (2022, 2023, 2024, 2025)
REVENUE = [("4.1.1.01.", "PAD"), ("4.2.1.01.", "DDS"), ("4.2.2.01.", "PBH"), ("4.2.3.01.", "ADD")]
KEGIATAN = ["01.01.01.", "01.01.02.", "01.01.05.", "01.03.01.", "01.04.01.", "02.01.05.", "02.02.01.", "02.02.90.",
            "02.03.10.", "02.04.05.", "03.02.01.", "04.02.01.", "04.04.01.", "05.03.01."]
ACCOUNTS = ["5.1.1.01.", "5.2.2.01.", "5.2.1.01.", "5.3.1.01."]
SOURCES = ["DDS", "ADD", "PAD"]
MONEY = ("Anggaran", "AnggaranPAK", "AnggaranStlhPAK", "HrgSatuan", "HrgSatuanPAK", "Debet", "Kredit", "Nilai")


def write(folder: Path, name: str, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / f"{name}.csv", index=False, float_format="%.4f")
    types = ["Name\tType\tSize"] + [f"{c}\t{'Currency' if c in MONEY else 'Text'}\t50" for c in frame.columns]
    (folder / f"{name}.columns").write_text("\n".join(types) + "\n", encoding="utf-8")


def generate(folder: Path) -> int:
    rng = np.random.default_rng(7)
    table = wilayah.wilayah_table([KABUPATEN[:2]])
    desa = table[(table["kode_kabupaten"] == KABUPATEN) & (table["jenis"] == "desa")].head(N_DESA)
    kd_desa = [f"{c[6:8]}.{c[9:]}." for c in desa["kode_desa"]]
    rows = []
    for year in YEARS:
        for kd in kd_desa:
            for acc, sd in REVENUE:
                rows += [(year, kd, kd + "00.00.00.", acc, sd)] * 2
            for k in KEGIATAN:
                for acc in ACCOUNTS:
                    rows += [(year, kd, kd + k, acc, SOURCES[i % 2 + (acc == "5.2.2.01.")]) for i in range(3)]
    rinci = pd.DataFrame(rows, columns=["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "SumberDana"])
    n = len(rinci)
    ang = rng.integers(1, 300, size=n) * 50_000.0
    pak = rinci["Kd_Desa"].isin(kd_desa[::3]).to_numpy()  # a third of the villages revised their budget
    stlh = np.where(pak, ang * rng.choice([1.0, 1.1], size=n), 0.0)
    rinci = rinci.assign(Kd_SubRinci=rinci["Kd_Rincian"] + "01", No_Urut=np.arange(n) % 3 + 1, Uraian="Item",
                         Satuan="paket", JmlSatuan=1, HrgSatuan=ang, Anggaran=ang, JmlSatuanPAK=1, HrgSatuanPAK=stlh,
                         AnggaranStlhPAK=stlh, AnggaranPAK=np.where(pak, stlh - ang, 0.0), Kode_SBU="")
    write(folder, "Ta_RABRinci", rinci)
    key = ["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian"]
    rab = rinci.groupby(key, as_index=False)[["Anggaran", "AnggaranPAK", "AnggaranStlhPAK"]].sum()
    write(folder, "Ta_RAB", rab)
    sd = rinci.groupby(key + ["SumberDana"], as_index=False)[["Anggaran", "AnggaranPAK", "AnggaranStlhPAK"]].sum()
    first = sd.assign(KdPosting=1, AnggaranPAK=0.0, AnggaranStlhPAK=0.0, TglPosting="01/15/24 00:00:00")
    second = sd[sd["AnggaranStlhPAK"] > 0].assign(KdPosting=2, TglPosting="07/01/24 00:00:00")
    anggaran = pd.concat([first, second], ignore_index=True).assign(
        KURincianSD=lambda d: d["Kd_Rincian"] + d["SumberDana"], RincianSD=lambda d: d["SumberDana"], Belanja="B")
    write(folder, "Ta_Anggaran", anggaran)
    keg = rinci[~rinci["Kd_Keg"].str.endswith("00.00.00.")].drop_duplicates(["Tahun", "Kd_Keg"])
    write(folder, "Ta_Kegiatan", pd.DataFrame({
        "Tahun": keg["Tahun"], "Kd_Desa": keg["Kd_Desa"], "Kd_Bid": keg["Kd_Keg"].str[9:11], "Kd_Keg": keg["Kd_Keg"],
        "ID_Keg": keg["Kd_Keg"].str[9:], "Nama_Kegiatan": "Kegiatan " + keg["Kd_Keg"].str[9:], "Pagu": 0,
        "Sumberdana": "DDS"}))
    write(folder, "Ref_Desa", pd.DataFrame({"Kd_Kec": [k[:2] for k in kd_desa], "Kd_Desa": kd_desa,
                                            "Nama_Desa": ["PEMERINTAH DESA " + n.upper() for n in desa["nama_desa"]]}))
    kec = desa.drop_duplicates("kode_kecamatan")
    write(folder, "Ref_Kecamatan", pd.DataFrame({"Kd_Kec": [c[6:8] for c in kec["kode_kecamatan"]],
                                                 "Nama_Kecamatan": kec["nama_kecamatan"].str.upper()}))
    accounts = sorted({a for a, _ in REVENUE} | set(ACCOUNTS))
    write(folder, "Ref_Rek4", pd.DataFrame({"Jenis": [a[:6] for a in accounts], "Obyek": accounts,
                                            "Nama_Obyek": [f"Rekening {a}" for a in accounts], "Peraturan": ""}))
    write(folder, "Ta_Pemda", pd.DataFrame({"Tahun": [2025], "Kd_Prov": ["35"], "Kd_Kab": ["24"],
                                            "Nama_Pemda": ["PEMERINTAH KABUPATEN LAMONGAN"]}))
    write(folder, "Ta_JurnalUmum", pd.DataFrame(columns=["Tahun", "KdBuku", "Kd_Desa", "Tanggal", "NoBukti",
                                                         "Debet", "Kredit", "Posted"]))
    write(folder, "Ta_JurnalUmumRinci", pd.DataFrame(columns=["Tahun", "NoBukti", "Kd_Keg", "Kd_Desa", "Akun",
                                                              "Kd_Rincian", "Sumberdana", "Debet", "Kredit"]))
    write(folder, "Ta_SPPRinci", pd.DataFrame({"Tahun": rinci["Tahun"], "No_SPP": "SPP", "Kd_Keg": rinci["Kd_Keg"],
                                               "Kd_Rincian": rinci["Kd_Rincian"], "Nilai": rinci["Anggaran"]}))
    for name in ("Ta_SPP", "Ta_SPPBukti", "Ta_SPPPot", "Ta_SPJ", "Ta_SPJRinci", "Ta_SPJBukti", "Ta_TBP", "Ta_TBPRinci",
                 "Ta_Pencairan", "Ta_Mutasi", "Ta_Pajak", "Ta_PajakRinci", "Ta_Bidang", "Ta_Desa", "Ta_Perangkat",
                 "Ta_RABSub", "Ta_AnggaranRinci", "Ta_AnggaranLog", "Ta_RPJM_Visi", "Ta_RPJM_Misi", "Ref_Bank_Desa",
                 "Ref_Sumber", "Ref_Rek1", "Ref_Rek2", "Ref_Rek3", "Ref_Kegiatan", "Ref_Bidang", "Ref_Perangkat",
                 "Ta_UserDesa"):
        write(folder, name, pd.DataFrame({"Tahun": [2025] * 50, "Kd_Desa": kd_desa[:50], "Nilai": 1000.0}))
    return len(rinci)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = tmp / "siskeudes_35.24"
        folder.mkdir()
        t0 = time.perf_counter()
        n = generate(folder)
        zipped = tmp / "siskeudes_35.24.zip"
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(folder.iterdir()):
                zf.write(f, f"siskeudes_35.24/{f.name}")
        print(f"Generated {n} Ta_RABRinci rows ({N_DESA} desa x {len(YEARS)} years) + summaries, postings and "
              f"{len(list(folder.glob('*.csv')))} tables in {time.perf_counter() - t0:.1f} s "
              f"(zip {zipped.stat().st_size / 1e6:.1f} MB)")
        for label, src, data in (("zip", zipped, tmp / "data_zip"), ("folder", folder, tmp / "data_folder")):
            t0, c0 = time.perf_counter(), time.process_time()
            res = importer.import_files([src], data, write_reports=False)
            took, cpu = time.perf_counter() - t0, time.process_time() - c0
            assert res.accepted, res.findings[res.findings["tingkat"] == "galat"].head(20).to_string()
            # CPU time as well: on a shared machine the wall clock also counts the other processes' turns.
            load = os.getloadavg()[0]  # above the number of cores, the wall clock also counts other processes' turns
            print(f"Import of the {label}: {took:.2f} s wall, {cpu:.2f} s CPU, load {load:.1f} on {os.cpu_count()} "
                  f"cores ({res.summary['ditambah']} desa-years "
                  f"added; {res.summary['galat']} galat, {res.summary['peringatan']} peringatan) -> "
                  f"target < 5 s: {'OK' if took < 5 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
