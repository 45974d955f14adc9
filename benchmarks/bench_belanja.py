"""Benchmark of p3pd_lib.belanja on a synthetic table the size of the full demo.

4 provinces × 4 years ≈ 30,000 desa × 4 = 120,000 desa-years × 55 lines ≈ 6.6 million
APBDes lines. Prints the time of map_apbdes, spending_indicators and the other
table-wide functions. Run: ``.venv/bin/python benchmarks/bench_belanja.py [n_desa]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from p3pd_lib import belanja

N_DESA = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
YEARS = (2022, 2023, 2024, 2025)

# A realistic line set of one desa-year: (kode_kegiatan, nama, rekening, sumber, share of budget).
TEMPLATE = [
    (None, None, "4.2.1.01", "DDS", 0.0), (None, None, "4.2.3.01", "ADD", 0.0), (None, None, "4.1.1.01", "PAD", 0.0),
    (None, None, "6.1.1.01", "SILPA", 0.0),
    ("01.01.01.", "Penyediaan Penghasilan Tetap dan Tunjangan Kepala Desa", "5.1.1.01", "ADD", 1),
    ("01.01.02.", "Penyediaan Penghasilan Tetap dan Tunjangan Perangkat Desa", "5.1.1.02", "ADD", 1),
    ("01.01.03.", "Penyediaan Jaminan Sosial bagi Kepala Desa dan Perangkat Desa", "5.1.2.01", "ADD", 1),
    ("01.01.04.", "Penyediaan Operasional Pemerintah Desa", "5.2.1.01", "DDS", 1),
    ("01.01.05.", "Penyediaan Tunjangan BPD", "5.1.1.03", "ADD", 1),
    ("01.01.06.", "Penyediaan Operasional BPD", "5.2.1.02", "ADD", 1),
    ("01.01.07.", "Penyediaan Insentif/Operasional RT/RW", "5.2.1.03", "ADD", 1),
    ("01.02.02.", "Pemeliharaan Gedung/Prasarana Kantor Desa", "5.2.2.01", "PAD", 1),
    ("01.03.01.", "Pelayanan Administrasi Umum dan Kependudukan", "5.2.1.04", "ADD", 1),
    ("01.03.05.", "Pemetaan dan Analisis Kemiskinan Desa secara Partisipatif", "5.2.1.05", "ADD", 1),
    ("01.04.01.", "Penyelenggaraan Musyawarah Perencanaan Desa", "5.2.1.06", "ADD", 1),
    ("01.04.04.", "Penyusunan Dokumen Keuangan Desa", "5.2.1.07", "ADD", 1),
    ("02.01.01.", "Penyelenggaraan PAUD/TK/TPA/TKA/TPQ/Madrasah Non-Formal Milik Desa", "5.2.1.08", "DDS", 1),
    ("02.01.02.", "Dukungan Penyelenggaraan PAUD (APE, Sarana PAUD dst)", "5.2.2.02", "DDS", 1),
    ("02.02.01.", "Penyelenggaraan Pos Kesehatan Desa/Polindes Milik Desa", "5.2.1.09", "DDS", 1),
    ("02.02.02.", "Penyelenggaraan Posyandu (Makanan Tambahan, Kelas Bumil, Lansia, Insentif)", "5.2.1.10", "DDS", 1),
    ("02.02.90.", "Pembangunan MCK Posyandu", "5.3.1.01", "DDS", 1),
    ("02.02.90.", "Pemantauan dan Pencegahan Penyalahgunaan Narkotika", "5.2.1.11", "DDS", 1),
    ("02.03.01.", "Pemeliharaan Jalan Desa", "5.2.2.03", "DDS", 1),
    ("02.03.10.", "Pembangunan/Rehabilitasi/Peningkatan/Pengerasan Jalan Desa", "5.3.1.02", "DDS", 3),
    ("02.03.12.", "Pembangunan/Rehabilitasi/Peningkatan/Pengerasan Jalan Usaha Tani", "5.3.1.03", "DDS", 2),
    ("02.03.14.", "Pembangunan/Rehabilitasi/Peningkatan Prasarana Jalan Desa", "5.3.1.04", "DDS", 2),
    ("02.03.15.", "Pembangunan/Rehabilitasi/Peningkatan Balai Desa", "5.3.1.05", "DDS", 1),
    ("02.04.01.", "Dukungan Pelaksanaan Program Pembangunan/Rehab Rumah Tidak Layak Huni GAKIN", "5.3.1.06", "DDS", 1),
    ("02.04.11.", "Pembangunan/Rehabilitasi/Peningkatan Sumber Air Bersih Milik Desa", "5.3.1.07", "DDS", 1),
    ("02.04.14.", "Pembangunan/Rehabilitasi/Peningkatan Fasilitas Jamban Umum/MCK umum", "5.3.1.08", "DDS", 1),
    ("02.04.90.", "Pengadaan sarana air bersih lingkungan", "5.3.1.09", "DDS", 1),
    ("02.05.02.", "Pengelolaan Lingkungan Hidup Milik Desa", "5.2.1.12", "ADD", 1),
    ("02.06.01.", "Penyelenggaraan Informasi Publik Desa", "5.2.1.13", "ADD", 1),
    ("02.07.01.", "Pemeliharaan Penerangan Lingkungan Permukiman", "5.2.2.04", "ADD", 1),
    ("03.01.01.", "Pengadaan/Penyelenggaraan Pos Keamanan Desa", "5.2.1.14", "ADD", 1),
    ("03.02.01.", "Pembinaan Group Kesenian dan Kebudayaan Desa", "5.2.1.15", "ADD", 1),
    ("03.03.01.", "Pengiriman Kontingen Kepemudaan dan Olahraga", "5.2.1.16", "ADD", 1),
    ("03.04.01.", "Pembinaan Lembaga Adat", "5.2.1.17", "ADD", 1),
    ("03.04.02.", "Pembinaan LKMD/LPM/LPMD", "5.2.1.18", "ADD", 1),
    ("03.04.03.", "Pembinaan PKK", "5.2.1.19", "ADD", 1),
    ("04.01.01.", "Pemeliharaan Karamba/Kolam Perikanan Darat Milik Desa", "5.2.2.05", "DDS", 1),
    ("04.02.01.", "Peningkatan Produksi Tanaman Pangan", "5.2.1.20", "DDS", 1),
    ("04.02.90.", "Program Ketahanan Pangan Hewani", "5.2.1.21", "DDS", 2),
    ("04.03.01.", "Peningkatan Kapasitas Kepala Desa", "5.2.1.22", "ADD", 1),
    ("04.04.01.", "Pelatihan/Penyuluhan Pemberdayaan Perempuan", "5.2.1.23", "ADD", 1),
    ("04.04.02.", "Pelatihan/Penyuluhan Perlindungan Anak", "5.2.1.24", "ADD", 1),
    ("04.05.01.", "Pelatihan dan Pendampingan UMKM", "5.2.1.25", "ADD", 1),
    ("04.06.01.", "Penyertaan Modal BUM Desa", "5.4.1.01", "DDS", 2),
    ("05.01.01.", "Penanggulangan Bencana", "5.2.1.26", "ADD", 1),
    ("05.02.01.", "Keadaan Darurat", "5.2.1.27", "ADD", 1),
    ("05.03.01.", "Keadaan Mendesak", "5.4.1.02", "DDS", 3),
    ("04.04.90.", "Bantuan Langsung Tunai Dana Desa", "5.4.1.03", "DDS", 1),
    ("99.99.99.", "Kegiatan tanpa kode resmi", "5.2.1.28", "PAD", 1),
    ("02.01.06.", "Pembangunan Sarana PAUD", "5.3.1.10", "DDS", 1),
    ("01.04.07.", "Penyusunan Laporan Kepala Desa", "5.2.1.29", "ADD", 1),
]


def synthetic(n_desa: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    desa = np.array([f"{p}.{(i // 4000) % 30 + 1:02d}.{(i // 20) % 99 + 1:02d}.{2001 + i % 1000:04d}"
                     for i, p in zip(range(n_desa), np.resize(["11", "12", "33", "35"], n_desa))])
    n_lines = len(TEMPLATE)
    n_dy = n_desa * len(YEARS)
    n = n_dy * n_lines
    tpl = pd.DataFrame(TEMPLATE, columns=["kode_kegiatan", "nama_kegiatan", "kode_rekening", "sumber_dana", "w"])
    line = np.tile(np.arange(n_lines), n_dy)
    dy = np.repeat(np.arange(n_dy), n_lines)
    budget = rng.uniform(5e6, 60e6, n) * tpl["w"].to_numpy()[line]
    spend_total = np.bincount(dy, weights=budget)
    dd = spend_total * 0.5
    budget = np.where(line == 0, dd[dy], budget)
    budget = np.where(line == 1, spend_total[dy] * 0.3, budget)
    real = np.where(rng.random(n) < 0.2, np.nan, budget * rng.uniform(0.7, 1.0, n))
    df = pd.DataFrame({
        "kode_desa": pd.array(desa[dy // len(YEARS)], dtype="string"),
        "tahun": pd.array(np.asarray(YEARS)[dy % len(YEARS)], dtype="Int64"),
        "kode_kegiatan": pd.array(tpl["kode_kegiatan"].to_numpy()[line], dtype="string"),
        "nama_kegiatan": pd.array(tpl["nama_kegiatan"].to_numpy()[line], dtype="string"),
        "kode_rekening": pd.array(tpl["kode_rekening"].to_numpy()[line], dtype="string"),
        "uraian": pd.array(np.full(n, "Belanja"), dtype="string"),
        "sumber_dana": pd.array(tpl["sumber_dana"].to_numpy()[line], dtype="string"),
        "anggaran": pd.array(budget, dtype="Float64"),
        "realisasi": pd.arrays.FloatingArray(np.nan_to_num(real), np.isnan(real)),
    })
    layanan = pd.DataFrame({
        "kode_desa": pd.array(np.repeat(desa, len(YEARS)), dtype="string"),
        "tahun": pd.array(np.tile(YEARS, n_desa), dtype="Int64"),
        "penduduk": pd.array(rng.integers(500, 8000, n_dy), dtype="Int64"),
    })
    return df, layanan


def timed(label: str, fn, *args, **kw):
    # CPU time next to wall time: the machine is shared, wall time alone misleads.
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    print(f"{label:<28} {time.perf_counter() - t:6.2f} s  (CPU {time.process_time() - c:5.2f} s; "
          f"{len(out):,} baris keluaran)")
    return out


def main() -> None:
    t = time.perf_counter()
    apbdes, layanan = synthetic(N_DESA)
    print(f"data sintetis: {len(apbdes):,} baris APBDes, {N_DESA * len(YEARS):,} desa-tahun "
          f"(dibuat dalam {time.perf_counter() - t:.1f} s)")
    belanja.load_mapping(), belanja.load_keyword_rules(), belanja.load_dana_desa_rules()  # warm the cache
    t0, c0 = time.perf_counter(), time.process_time()
    mapped = timed("map_apbdes", belanja.map_apbdes, apbdes, None)
    timed("spending_indicators", belanja.spending_indicators, mapped, layanan)
    print(f"{'mapping + indikator':<28} {time.perf_counter() - t0:6.2f} s  (CPU {time.process_time() - c0:5.2f} s)")
    timed("spending_composition", belanja.spending_composition, mapped)
    timed("dana_desa_compliance", belanja.dana_desa_compliance, mapped)
    timed("budget_identity", belanja.budget_identity, apbdes)
    timed("unmapped_lines", belanja.unmapped_lines, mapped)


if __name__ == "__main__":
    main()
