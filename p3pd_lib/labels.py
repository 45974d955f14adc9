"""Indonesian display labels of the columns the kit's tables show (reports, dashboard, workshops, CLI).

>>> list(label(pd.DataFrame(columns=["kode_desa", "nilai", "lain"])).columns)
['Kode desa', 'Nilai', 'lain']
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

#: Indonesian display labels of the columns the views show (see :func:`label`).
LABELS: dict[str, str] = {
    "kode_desa": "Kode desa",
    "nama_desa": "Desa/kelurahan",
    "jenis": "Jenis",
    "kode_wilayah": "Kode wilayah",
    "nama_wilayah": "Wilayah",
    "kode_kecamatan": "Kode kecamatan",
    "nama_kecamatan": "Kecamatan",
    "tingkat": "Tingkat",
    "tahun": "Tahun",
    "indikator": "Indikator",
    "nama_indikator": "Nama indikator",
    "sektor": "Sektor",
    "label_sektor": "Sektor",
    "pembilang": "Pembilang",
    "penyebut": "Penyebut",
    "nilai": "Nilai",
    "target": "Target",
    "sumber_target": "Sumber target",
    "tag_target": "Jenis target",
    "arah": "Arah",
    "kelas": "Kelas",
    "label_kelas": "Capaian",
    "metode": "Metode",
    "stabil": "Stabil",
    "skor": "Skor sektor",
    "indeks_capaian": "Indeks Capaian Layanan Dasar",
    "n_sektor": "Jumlah sektor berdata",
    "kesenjangan": "Kesenjangan",
    "porsi_layanan_dasar": "Porsi belanja layanan dasar (%)",
    "kuadran": "Kuadran",
    "label_kuadran": "Kuadran",
    "nilai_awal": "Nilai awal",
    "nilai_akhir": "Nilai akhir",
    "perubahan": "Perubahan (poin)",
    "tren": "Tren",
    "label_tren": "Tren",
    "komponen": "Komponen",
    "label": "Komponen",
    "kelompok": "Kelompok",
    "anggaran": "Anggaran (Rp)",
    "realisasi": "Realisasi (Rp)",
    "porsi": "Porsi (%)",
    "aturan": "Aturan",
    "nama_aturan": "Aturan",
    "jumlah": "Jumlah (Rp)",
    "batas_bawah": "Batas bawah (%)",
    "batas_atas": "Batas atas (%)",
    "dasar_hukum": "Dasar hukum",
    "patuh": "Patuh",
    "pesan": "Keterangan",
    "kelas_belanja": "Kelas belanja",
    "label_belanja": "Kualitas belanja",
    "alasan": "Alasan",
    "idm": "IDM",
    "status_idm": "Status IDM (dihitung)",
    "status_idm_resmi": "Status IDM (resmi)",
    "status_indeks_desa": "Status Indeks Desa",
    "prioritas": "Prioritas",
    "jenis_agenda": "Jenis agenda",
    "penanggung_jawab": "Penanggung jawab",
    "sub_bidang_apbdes": "Sub-bidang APBDes yang disarankan",
    "keterangan": "Keterangan",
    "tabel": "Tabel",
    "kolom": "Kolom",
    "tingkat_temuan": "Tingkat",
    "ukuran": "Ukuran",
    "n_desa": "Jumlah desa/kelurahan",
    "n_desa_data": "Desa/kelurahan berdata",
    "satuan": "Satuan",
    "nilai_mentah": "Nilai sebelum dibatasi 100",
    "pembilang_melebihi": "Pembilang melebihi penyebut",
    "ganda_berbeda": "Data ganda tidak sama",
}



def label(df: pd.DataFrame, extra: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with Indonesian display labels as column names (``extra`` adds or overrides)."""
    names = {**LABELS, **(extra or {})}
    return df.rename(columns={c: names.get(c, c) for c in df.columns})
