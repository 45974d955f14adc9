"""The candidate lines of a village budget (APBDes) and the proposal (usulan) templates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


# ---------------------------------------------------------------------------------------
# APBDes catalogue: the candidate lines of a village budget.
#
# pool: which amount the line shares (see _apbdes_year); p: chance the line exists
# (the first line of every pool always exists); w: mean weight inside the pool;
# sektor: basic-service sector, used to tilt spending and to match proposals.
# Only Dana Desa money in bidang 01 is the "operasional" line, so the earmark on
# operational costs is exactly that line (the mapping counts any DDS line in bidang 01).


@dataclass(frozen=True)
class _Line:
    pool: str
    keg: str | None
    nama: str | None
    rek: str
    uraian: str
    sumber: str
    p: float = 1.0
    w: float = 1.0
    sektor: str | None = None


_K_SILTAP_KADES = "Penyediaan Penghasilan Tetap dan Tunjangan Kepala Desa"
_K_SILTAP_PERANGKAT = "Penyediaan Penghasilan Tetap dan Tunjangan Perangkat Desa"
_K_OPS = "Penyediaan Operasional Pemerintah Desa"
_K_JALAN = "Pembangunan/Rehabilitasi/Peningkatan/Pengerasan Jalan Desa"
_K_POSYANDU = "Penyelenggaraan Posyandu (Makanan Tambahan, Kelas Ibu Hamil, Kelas Lansia, Insentif Kader)"
_K_RTRW = "Pembinaan Lembaga Kemasyarakatan (RT/RW)"
_K_OLAHRAGA = "Penyelenggaraan Pesta Olahraga dan Kepemudaan"

CATALOGUE: tuple[_Line, ...] = (
    # --- revenue -----------------------------------------------------------------------
    _Line("REV_PAD", None, None, "4.1.1.01", "Hasil Usaha BUM Desa", "PAD"),
    _Line("REV_PAD", None, None, "4.1.2.01", "Hasil Sewa Tanah Kas Desa", "PAD", p=0.6),
    _Line("REV_PAD", None, None, "4.1.4.01", "Lain-lain Pendapatan Asli Desa", "PAD", p=0.4),
    _Line("REV_DDS", None, None, "4.2.1.01", "Dana Desa", "DDS"),
    _Line("REV_PBH", None, None, "4.2.2.01", "Bagi Hasil Pajak dan Retribusi Daerah", "PBH"),
    _Line("REV_ADD", None, None, "4.2.3.01", "Alokasi Dana Desa", "ADD"),
    _Line("REV_PBP", None, None, "4.2.4.01", "Bantuan Keuangan Provinsi", "PBP"),
    _Line("REV_PBK", None, None, "4.2.5.01", "Bantuan Keuangan Kabupaten/Kota", "PBK"),
    _Line("REV_DLL", None, None, "4.3.2.01", "Bantuan dari Pihak Ketiga", "DLL"),
    # --- personnel (ADD) ---------------------------------------------------------------
    _Line("PERS", "01.01.01", _K_SILTAP_KADES, "5.1.1.01", "Penghasilan Tetap Kepala Desa", "ADD", w=0.12),
    _Line("PERS", "01.01.01", _K_SILTAP_KADES, "5.1.2.01", "Tunjangan Kepala Desa", "ADD", w=0.05),
    _Line("PERS", "01.01.02", _K_SILTAP_PERANGKAT, "5.1.1.02", "Penghasilan Tetap Perangkat Desa", "ADD", w=0.55),
    _Line("PERS", "01.01.02", _K_SILTAP_PERANGKAT, "5.1.2.02", "Tunjangan Perangkat Desa", "ADD", w=0.15),
    _Line("PERS", "01.01.05", "Penyediaan Tunjangan BPD", "5.1.4.01", "Tunjangan BPD", "ADD", w=0.13),
    # --- other ADD spending ------------------------------------------------------------
    _Line("ADD", "01.01.04", _K_OPS, "5.2.1.01", "Belanja Alat Tulis Kantor dan Benda Pos", "ADD", w=0.15),
    _Line("ADD", "01.01.03", "Penyediaan Jaminan Sosial bagi Kepala Desa dan Perangkat Desa", "5.1.3.01",
          "Iuran Jaminan Kesehatan dan Ketenagakerjaan Aparatur Desa", "ADD", p=0.8, w=0.10),
    _Line("ADD", "01.01.04", _K_OPS, "5.2.1.02", "Belanja Listrik, Air dan Telepon Kantor", "ADD", p=0.9, w=0.10),
    _Line("ADD", "01.01.06", "Penyediaan Operasional BPD", "5.2.2.01", "Belanja Operasional BPD", "ADD", p=0.9, w=0.10),
    _Line("ADD", "01.02.02", "Pemeliharaan Gedung/Prasarana Kantor Desa", "5.2.3.01",
          "Pemeliharaan Kantor Desa", "ADD", p=0.6, w=0.12),
    _Line("ADD", "01.03.01", "Pelayanan Administrasi Umum dan Kependudukan", "5.2.1.03",
          "Blanko dan Pelayanan Surat Kependudukan", "ADD", p=0.9, w=0.08, sektor="ADM"),
    _Line("ADD", "01.03.02", "Penyusunan/Pendataan/Pemutakhiran Profil Desa", "5.2.2.02",
          "Pemutakhiran Data Profil Desa", "ADD", p=0.6, w=0.05, sektor="ADM"),
    _Line("ADD", "01.03.04", "Penyuluhan dan Penyadaran Masyarakat tentang Kependudukan dan Capil", "5.2.2.03",
          "Sosialisasi Akta Kelahiran dan KIA", "ADD", p=0.4, w=0.05, sektor="ADM"),
    _Line("ADD", "01.03.05", "Pemetaan dan Analisis Kemiskinan Desa", "5.2.2.04",
          "Pendataan Keluarga Miskin Ekstrem", "ADD", p=0.3, w=0.05, sektor="ADM"),
    _Line("ADD", "01.04.01", "Penyelenggaraan Musyawarah Perencanaan Desa", "5.2.2.05",
          "Konsumsi dan Honorarium Musyawarah Desa", "ADD", w=0.10),
    _Line("ADD", "01.04.05", "Penyusunan Dokumen Keuangan Desa", "5.2.2.06",
          "Penyusunan APBDes dan Laporan Pertanggungjawaban", "ADD", p=0.8, w=0.08),
    _Line("ADD", "03.04.01", "Pembinaan PKK", "5.2.2.07", "Operasional Tim Penggerak PKK", "ADD", p=0.9, w=0.08),
    # --- bagi hasil pajak (PBH) --------------------------------------------------------
    _Line("PBH", "03.04.02", _K_RTRW, "5.2.2.08", "Insentif Ketua RT/RW", "PBH", w=0.5),
    _Line("PBH", "01.01.04", _K_OPS, "5.2.1.04", "Belanja Perjalanan Dinas", "PBH", p=0.8, w=0.3),
    _Line("PBH", "03.01.01", "Penyelenggaraan Ketertiban dan Perlindungan Masyarakat (Linmas)", "5.2.2.09",
          "Honorarium Anggota Linmas", "PBH", p=0.8, w=0.3),
    # --- PADes spending ----------------------------------------------------------------
    _Line("PAD", "03.02.01", "Pembinaan Kegiatan Keagamaan", "5.2.2.10", "Bantuan Kegiatan Keagamaan", "PAD", w=0.5),
    _Line("PAD", "01.05.01", "Sertifikasi Tanah Kas Desa", "5.2.2.11", "Pengukuran dan Sertifikasi Tanah Kas Desa",
          "PAD", p=0.3, w=0.3),
    _Line("PAD", "03.03.01", _K_OLAHRAGA, "5.2.2.12", "Perlombaan Olahraga Antardusun", "PAD", p=0.6, w=0.3),
    # --- Dana Desa earmarks ------------------------------------------------------------
    _Line("OPDD", "01.01.04", _K_OPS, "5.2.2.13", "Operasional Pemerintah Desa dari Dana Desa", "DDS"),
    _Line("KP", "04.02.01", "Peningkatan Produksi Tanaman Pangan (Ketahanan Pangan)", "5.2.7.01",
          "Bantuan Bibit dan Pupuk untuk Ketahanan Pangan", "DDS", w=0.5),
    _Line("KP", "04.02.02", "Peningkatan Produksi Peternakan (Ketahanan Pangan Hewani)", "5.2.7.02",
          "Bantuan Ternak untuk Ketahanan Pangan", "DDS", p=0.7, w=0.35),
    _Line("KP", "04.02.05", "Pembangunan Lumbung Pangan (Ketahanan Pangan)", "5.3.5.01",
          "Pembangunan Lumbung Pangan Desa untuk Ketahanan Pangan", "DDS", p=0.25, w=0.3),
    _Line("BLT", "05.03.01", "Penanganan Keadaan Mendesak (BLT Dana Desa)", "5.4.1.01",
          "BLT Dana Desa bagi Keluarga Miskin", "DDS", sektor="SOS"),
    # --- Dana Desa, free part ----------------------------------------------------------
    _Line("DDS", "02.03.10", _K_JALAN, "5.3.4.01", "Rabat Beton Jalan Desa", "DDS", w=0.45, sektor="LAIN"),
    _Line("DDS", "02.01.01", "Penyelenggaraan PAUD/TK/TPA Milik Desa (Honor dan Insentif Guru)", "5.2.2.14",
          "Insentif Guru PAUD", "DDS", p=0.85, w=0.05, sektor="PEND"),
    _Line("DDS", "02.01.02", "Dukungan Penyelenggaraan PAUD (APE, Sarana PAUD)", "5.2.3.02",
          "Alat Permainan Edukatif PAUD", "DDS", p=0.5, w=0.03, sektor="PEND"),
    _Line("DDS", "02.01.05", "Pembangunan/Rehabilitasi/Peningkatan Sarana Prasarana PAUD", "5.3.6.01",
          "Rehabilitasi Gedung PAUD", "DDS", p=0.2, w=0.06, sektor="PEND"),
    _Line("DDS", "02.02.01", "Penyelenggaraan Pos Kesehatan Desa (PKD)/Polindes Milik Desa", "5.2.2.15",
          "Operasional Poskesdes", "DDS", p=0.5, w=0.03, sektor="KES"),
    _Line("DDS", "02.02.02", _K_POSYANDU, "5.2.2.16", "Makanan Tambahan Balita dan Insentif Kader Posyandu",
          "DDS", p=0.98, w=0.06, sektor="KES"),
    _Line("DDS", "02.02.03", "Penyuluhan dan Pelatihan Bidang Kesehatan", "5.2.2.17",
          "Penyuluhan Pencegahan Stunting", "DDS", p=0.6, w=0.02, sektor="KES"),
    _Line("DDS", "02.02.05", "Pembangunan/Rehabilitasi/Peningkatan Sarana Prasarana Posyandu/Polindes", "5.3.6.02",
          "Rehabilitasi Gedung Posyandu", "DDS", p=0.25, w=0.05, sektor="KES"),
    _Line("DDS", "02.02.90", "Penyediaan Jamban Sehat dan Air Bersih Keluarga", "5.3.6.03",
          "Pembangunan Jamban Sehat Keluarga", "DDS", p=0.3, w=0.05, sektor="AIR"),
    _Line("DDS", "02.02.90", "Penyediaan Jamban Sehat dan Air Bersih Keluarga", "5.3.6.04",
          "Sambungan Air Bersih Rumah Tangga Miskin", "DDS", p=0.15, w=0.04, sektor="AIR"),
    _Line("DDS", "02.03.09", "Pembangunan/Rehabilitasi/Peningkatan Jalan Lingkungan Permukiman/Gang", "5.3.4.03",
          "Paving Jalan Lingkungan", "DDS", p=0.6, w=0.12, sektor="LAIN"),
    _Line("DDS", "02.03.12", "Pembangunan/Rehabilitasi/Peningkatan Jembatan Desa", "5.3.4.02",
          "Rehabilitasi Jembatan Desa", "DDS", p=0.35, w=0.12, sektor="LAIN"),
    _Line("DDS", "02.03.16", "Pembangunan/Rehabilitasi/Peningkatan Saluran Drainase dan Talud", "5.3.4.04",
          "Pembangunan Drainase dan Talud", "DDS", p=0.7, w=0.12, sektor="LAIN"),
    _Line("DDS", "02.03.17", "Pembangunan/Rehabilitasi/Peningkatan Penerangan Jalan Desa", "5.3.4.05",
          "Lampu Penerangan Jalan Desa", "DDS", p=0.3, w=0.04, sektor="LAIN"),
    _Line("DDS", "02.03.05", "Pembangunan/Rehabilitasi/Peningkatan Balai Pertemuan Desa", "5.3.4.06",
          "Rehabilitasi Balai Pertemuan", "DDS", p=0.25, w=0.08, sektor="LAIN"),
    _Line("DDS", "02.04.01", "Pemeliharaan/Rehabilitasi Rumah Tidak Layak Huni (RTLH) Keluarga Miskin", "5.3.6.05",
          "Rehabilitasi Rumah Tidak Layak Huni", "DDS", p=0.4, w=0.06, sektor="SOS"),
    _Line("DDS", "02.04.03", "Pemeliharaan Sumber Air Bersih Milik Desa", "5.2.3.03",
          "Pemeliharaan Sumur Bor dan Bak Penampung Air Bersih", "DDS", p=0.2, w=0.02, sektor="AIR"),
    _Line("DDS", "02.04.11", "Pembangunan/Rehabilitasi/Peningkatan Sumber Air Bersih Milik Desa", "5.3.5.02",
          "Pembangunan Sarana Air Bersih Desa", "DDS", p=0.3, w=0.08, sektor="AIR"),
    _Line("DDS", "02.04.13", "Pembangunan/Rehabilitasi/Peningkatan Sanitasi Permukiman", "5.3.5.03",
          "Saluran Pembuangan Air Limbah Permukiman", "DDS", p=0.2, w=0.06, sektor="AIR"),
    _Line("DDS", "02.04.15", "Pembangunan/Rehabilitasi/Peningkatan Fasilitas Pengelolaan Sampah", "5.3.5.04",
          "Bank Sampah dan Tempat Pengolahan Sampah", "DDS", p=0.2, w=0.03, sektor="AIR"),
    _Line("DDS", "02.05.01", "Pengelolaan Lingkungan Hidup dan Penghijauan Desa", "5.2.2.18",
          "Penanaman Pohon dan Penghijauan", "DDS", p=0.2, w=0.02, sektor="LAIN"),
    _Line("DDS", "02.06.03", "Pembuatan dan Pengelolaan Jaringan Informasi dan Komunikasi Desa", "5.2.2.19",
          "Pengelolaan Sistem Informasi Desa", "DDS", p=0.5, w=0.03, sektor="LAIN"),
    _Line("DDS", "02.07.01", "Pembangunan/Rehabilitasi Sarana Energi Alternatif Desa", "5.3.4.07",
          "Pembangunan Panel Surya Desa", "DDS", p=0.1, w=0.05, sektor="LAIN"),
    _Line("DDS", "02.08.01", "Pengembangan Sarana Prasarana Wisata Desa", "5.3.4.08",
          "Penataan Objek Wisata Desa", "DDS", p=0.15, w=0.05, sektor="LAIN"),
    _Line("DDS", "03.01.02", "Penyelenggaraan Pos Keamanan Lingkungan", "5.2.2.20",
          "Operasional Pos Ronda", "DDS", p=0.3, w=0.02),
    _Line("DDS", "04.01.01", "Pengembangan Perikanan Tangkap dan Budidaya", "5.2.7.03",
          "Bantuan Benih Ikan Kelompok Pembudidaya", "DDS", p=0.1, w=0.02, sektor="LAIN"),
    _Line("DDS", "04.03.01", "Peningkatan Kapasitas Kepala Desa dan Perangkat Desa", "5.2.2.21",
          "Bimbingan Teknis Aparatur Desa", "DDS", p=0.5, w=0.02),
    _Line("DDS", "04.04.01", "Pelatihan/Penyuluhan Pemberdayaan Perempuan", "5.2.2.22",
          "Pelatihan Keterampilan Kelompok Perempuan", "DDS", p=0.5, w=0.01, sektor="SOS"),
    _Line("DDS", "04.04.02", "Pelatihan/Penyuluhan Perlindungan Anak", "5.2.2.23",
          "Sosialisasi Perlindungan Anak", "DDS", p=0.4, w=0.01, sektor="SOS"),
    _Line("DDS", "04.04.03", "Fasilitasi Pemberdayaan Keluarga dan Penyandang Disabilitas", "5.2.2.24",
          "Bantuan Alat Bantu Penyandang Disabilitas", "DDS", p=0.3, w=0.015, sektor="SOS"),
    _Line("DDS", "04.05.01", "Pelatihan Usaha Mikro, Kecil dan Menengah (UMKM)", "5.2.2.25",
          "Pelatihan Pengemasan Produk UMKM", "DDS", p=0.3, w=0.02, sektor="LAIN"),
    _Line("DDS", "05.01.01", "Penanggulangan Bencana", "5.2.2.26", "Kesiapsiagaan dan Logistik Bencana",
          "DDS", p=0.2, w=0.02),
    # --- provincial / district aid, other revenue, SiLPA spending ----------------------
    _Line("PBP", "02.03.10", _K_JALAN, "5.3.4.01", "Rabat Beton Jalan Desa (Bantuan Provinsi)", "PBP",
          sektor="LAIN"),
    _Line("PBK", "02.03.14", "Pembangunan/Rehabilitasi/Peningkatan Jalan Usaha Tani", "5.3.4.09",
          "Pengerasan Jalan Usaha Tani (Bantuan Kabupaten)", "PBK", w=0.6, sektor="LAIN"),
    _Line("PBK", "02.02.02", _K_POSYANDU, "5.2.2.16", "Makanan Tambahan Balita (Bantuan Kabupaten)", "PBK",
          p=0.3, w=0.2, sektor="KES"),
    _Line("PBK", "01.02.03", "Pengadaan Sarana Prasarana Kantor Desa", "5.3.2.01",
          "Pengadaan Komputer dan Meubelair Kantor Desa", "PBK", p=0.3, w=0.2),
    _Line("DLL", "03.03.01", _K_OLAHRAGA, "5.2.2.12", "Perlombaan Olahraga (Bantuan Pihak Ketiga)", "DLL"),
    _Line("SILPA", "02.03.10", _K_JALAN, "5.3.4.01", "Lanjutan Rabat Beton Jalan Desa", "SILPA", w=0.6,
          sektor="LAIN"),
    _Line("SILPA", "02.03.16", "Pembangunan/Rehabilitasi/Peningkatan Saluran Drainase dan Talud", "5.3.4.04",
          "Lanjutan Pembangunan Drainase", "SILPA", p=0.5, w=0.3, sektor="LAIN"),
    _Line("SILPA", "02.02.02", _K_POSYANDU, "5.2.2.16", "Makanan Tambahan Balita (SiLPA)", "SILPA",
          p=0.3, w=0.2, sektor="KES"),
    # --- financing ---------------------------------------------------------------------
    _Line("FIN_SILPA", None, None, "6.1.1.01", "SiLPA Tahun Sebelumnya", "SILPA"),
    _Line("FIN_OUT", None, None, "6.2.2.01", "Penyertaan Modal Desa kepada BUM Desa", "DDS"),
    # --- planted only: a kelurahan wrongly given APBDes lines (Dana Kelurahan) ---------
    _Line("KEL", None, None, "4.2.5.01", "Bantuan Keuangan Kabupaten/Kota (Dana Kelurahan)", "PBK"),
    _Line("KEL", "02.03.10", _K_JALAN, "5.3.4.01", "Rabat Beton Jalan Lingkungan (Dana Kelurahan)", "PBK"),
    _Line("KEL", "03.04.02", _K_RTRW, "5.2.2.08", "Kegiatan Lembaga Kemasyarakatan (Dana Kelurahan)", "PBK"),
)
N_LINES = len(CATALOGUE)
_POOL_OF = np.array([ln.pool for ln in CATALOGUE])
LINE_P = np.array([ln.p for ln in CATALOGUE])
LINE_W = np.array([ln.w for ln in CATALOGUE])
IS_BASIC = np.array([ln.sektor in ("PEND", "KES", "AIR", "SOS", "ADM") and ln.pool == "DDS" for ln in CATALOGUE])
IS_REVENUE = np.array([ln.rek.startswith("4") for ln in CATALOGUE])
IS_SPENDING = np.array([ln.rek.startswith("5") for ln in CATALOGUE])
KEL_LINES = np.flatnonzero(_POOL_OF == "KEL")
SPLIT_POOLS = ("REV_PAD", "PERS", "ADD", "PBH", "PAD", "KP", "DDS", "PBP", "PBK", "DLL", "SILPA")
FIXED_POOLS = ("REV_DDS", "REV_ADD", "REV_PBH", "REV_PBP", "REV_PBK", "REV_DLL", "FIN_SILPA", "FIN_OUT", "OPDD", "BLT")
POOL_COLS = {pool: np.flatnonzero(_POOL_OF == pool) for pool in set(_POOL_OF)}
for _pool, _cols in POOL_COLS.items():  # the first line of a pool always exists (absorbs rounding)
    LINE_P[_cols[0]] = 1.0

SEKTOR_USULAN = ("PEND", "KES", "AIR", "SOS", "ADM", "LAIN")
FORUM = ("musdus", "musdes", "rkpdes")
STATUS_USULAN = ("didanai_apbdes", "didanai_pihak_lain", "belum_didanai", "ditolak")
DEFAULT_KEG = {"PEND": "02.01.01", "KES": "02.02.02", "AIR": "02.04.11", "SOS": "02.04.01",
                "ADM": "01.03.01", "LAIN": "02.03.10"}
_USULAN_TEKS: dict[str, tuple[str, ...]] = {
    "LAIN": (
        "Pembangunan rabat beton jalan lingkungan", "Pembangunan drainase jalan dusun",
        "Pembangunan talud penahan tanah", "Rehabilitasi jembatan dusun", "Pengerasan jalan usaha tani",
        "Pengadaan lampu penerangan jalan", "Rehabilitasi balai dusun", "Pelatihan keterampilan pemuda",
        "Bantuan alat pertanian kelompok tani", "Pembangunan lapangan olahraga",
    ),
    "PEND": (
        "Insentif guru PAUD", "Pengadaan alat permainan edukatif PAUD", "Rehabilitasi gedung PAUD",
        "Bantuan perlengkapan sekolah anak keluarga miskin",
    ),
    "KES": (
        "Pemberian makanan tambahan balita di posyandu", "Insentif kader posyandu",
        "Kelas ibu hamil dan kelas balita", "Rehabilitasi gedung posyandu",
        "Pengadaan alat ukur tinggi badan balita",
    ),
    "AIR": (
        "Pembangunan jamban sehat keluarga", "Pembangunan sarana air bersih",
        "Sambungan air bersih rumah tangga miskin", "Pembangunan saluran pembuangan air limbah",
        "Pengelolaan bank sampah",
    ),
    "SOS": (
        "Rehabilitasi rumah tidak layak huni", "Bantuan bagi penyandang disabilitas",
        "Bantuan keluarga miskin ekstrem", "Bantuan lansia terlantar",
    ),
    "ADM": (
        "Fasilitasi pengurusan akta kelahiran", "Pelayanan KIA keliling", "Pemutakhiran data penduduk desa",
    ),
}
USULAN_TEMPLATES = tuple(t for s in SEKTOR_USULAN for t in _USULAN_TEKS[s])
USULAN_OFFSET = np.cumsum([0] + [len(_USULAN_TEKS[s]) for s in SEKTOR_USULAN])
KEG_CODES = tuple(sorted({ln.keg for ln in CATALOGUE if ln.keg} | set(DEFAULT_KEG.values())))
KEG_POS = {k: i for i, k in enumerate(KEG_CODES)}
LINE_KEG_POS = np.array([KEG_POS[ln.keg] if ln.keg else -1 for ln in CATALOGUE])
# Proposal sector -> spending lines whose kegiatan can fund it.
SEKTOR_LINES = {
    s: np.flatnonzero([ln.sektor == s and ln.rek.startswith("5") and ln.pool != "KEL" for ln in CATALOGUE])
    for s in SEKTOR_USULAN
}
