"""Deterministic simulated data (DATA SIMULASI) over the real region codes.

The demo store lets trainers, report runs and the dashboard work before any real
data exist. Everything is generated from one seed and ``parameters/demo.yaml``:
the same seed gives byte-identical tables. Each kabupaten/kota is generated from
its own random streams (seed + kabupaten code), so a one-kabupaten dataset equals
that kabupaten's slice of the full dataset.

Tables (DOMAIN.md §4a): ``wilayah`` (official list), ``layanan`` (service counts,
desa and kelurahan), ``apbdes`` (budget lines, desa only), ``status_desa`` (IDM,
desa only) and ``usulan`` (community proposals, desa only). A few rows carry
*planted* data-quality problems, each listed in the manifest
(:func:`manifest`, written as ``processed/masalah_simulasi.csv``) with one of
the rule ids in :data:`ATURAN_MASALAH`; apart from them the data are clean.

Pure generation (:func:`generate_demo`, :func:`generate`, :func:`manifest`) is
kept apart from the I/O (:func:`build_demo_store`, :func:`read_manifest`).

>>> r = generate_demo(kabupaten=["11.72"], tahun=[2024, 2025])
>>> sorted(r.tables)
['apbdes', 'layanan', 'status_desa', 'usulan', 'wilayah']
>>> r.meta["simulasi"], r.meta["kabupaten"]
(True, ['11.72'])
>>> bool(r.manifest["aturan"].isin(ATURAN_MASALAH).all())
True
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from .errors import ParameterError
from .parameter_files import load_indicator_file
from . import store
from .paths import parameter_file, processed_dir
from .schemas import TAHUN_MAX, TAHUN_MIN, empty_frame

#: Bump whenever the generated numbers change for the same seed and parameters.
GENERATOR_VERSION = "2"
#: Name of the manifest of planted problems inside the store's ``processed/`` folder.
MANIFEST_FILE = "masalah_simulasi.csv"
#: Columns of the manifest.
MANIFEST_COLUMNS = ("aturan", "tabel", "kode_desa", "tahun", "kolom", "nilai", "keterangan")
#: Rule ids of the planted problems (same ids as the data-quality checks).
ATURAN_MASALAH = (
    "pembilang_melebihi_penyebut",
    "nilai_hilang",
    "baris_ganda",
    "kode_tidak_resmi",
    "kelurahan_ber_apbdes",
    "realisasi_melebihi_anggaran",
    "pencilan",
    "lonjakan_tahunan",
)

#: The demo's built-in calibration covers these service indicators (parameters/demo.yaml, ``layanan.indikator``).
_DEMO_IDS = ("KES01", "KES02", "KES03", "KES04", "KES05", "KES06", "PEND01", "PEND02", "PEND03",
             "AIR01", "AIR02", "AIR03", "SOS01", "SOS02", "ADM01", "ADM02", "ADM03")
#: Service indicators the demo generates: id, numerator, denominator, higher is better — read from the
#: catalogue (parameters/indikator.yaml), so the columns are never written twice.
INDIKATOR_LAYANAN: tuple[tuple[str, str, str, bool], ...] = tuple(
    (i.id, i.pembilang, i.penyebut, i.arah == "higher")
    for i in load_indicator_file().indikator if i.id in _DEMO_IDS
)
_IND_IDS = tuple(i[0] for i in INDIKATOR_LAYANAN)
_COUNT_COLS: tuple[str, ...] = tuple(c for c in empty_frame("layanan").columns if c not in ("kode_desa", "tahun"))
_COL_POS = {c: i for i, c in enumerate(_COUNT_COLS)}
_GROUPS = ("balita", "bayi", "ibu_hamil", "baduta", "anak_5_6", "anak_7_15", "anak_0_17", "wajib_ktp")
# Planted numerator > denominator only on high-coverage indicators, so the planted
# value stays close to last year's (no side-effect year-on-year jump).
_PEMBILANG_PLANT = ("KES03", "KES04", "KES06", "AIR01", "ADM01", "ADM03")
# Planted outliers only on denominators, so no numerator exceeds its denominator.
_PENCILAN_PLANT = ("balita_diukur", "bayi_sasaran", "ibu_hamil", "anak_5_6", "anak_7_15")
_CUTS_IDM = (0.4907, 0.5989, 0.7072, 0.8155)
_STATUS_IDM = ("Sangat Tertinggal", "Tertinggal", "Berkembang", "Maju", "Mandiri")

# ---------------------------------------------------------------------------------------
# Parameters (parameters/demo.yaml)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _need_bawaan(v: Mapping[str, object]) -> Mapping[str, object]:
    if "bawaan" not in v:
        raise ValueError("harus memuat kunci 'bawaan' (nilai untuk provinsi lain)")
    return v


class IndikatorParam(_Model):
    """Calibration of one service indicator: yearly logit trend and base rates per province."""

    tren: float
    tingkat: dict[str, float]

    @field_validator("tingkat")
    @classmethod
    def _tingkat(cls, v: dict[str, float]) -> dict[str, float]:
        _need_bawaan(v)
        if any(not 0 < x < 1 for x in v.values()):
            raise ValueError("tingkat harus di antara 0 dan 1")
        return v


class LayananParam(_Model):
    """Parameters of the ``layanan`` table."""

    penduduk: dict[str, tuple[float, float]]
    faktor_kelurahan: float
    pertumbuhan_penduduk: tuple[float, float]
    ukuran_rumah_tangga: dict[str, tuple[float, float]]
    proporsi: dict[str, dict[str, float]]
    cakupan_pengukuran: tuple[float, float]
    miskin_ekstrem: dict[str, float]
    penurunan_miskin_ekstrem: float
    efek_acak: dict[str, float]
    korelasi: float
    efek_kelurahan: float
    tren_sd_desa: float
    derau_tahunan: float
    indikator: dict[str, IndikatorParam]

    @field_validator("penduduk", "ukuran_rumah_tangga", "proporsi", "miskin_ekstrem")
    @classmethod
    def _prov(cls, v):  # noqa: ANN001, ANN206 - pydantic hook
        return _need_bawaan(v)

    @field_validator("proporsi")
    @classmethod
    def _groups(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for prov, shares in v.items():
            if set(shares) != set(_GROUPS):
                raise ValueError(f"proporsi '{prov}' harus memuat tepat: {', '.join(_GROUPS)}")
        return v

    @field_validator("efek_acak")
    @classmethod
    def _efek(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != {"kabupaten", "kecamatan", "desa"}:
            raise ValueError("efek_acak harus memuat kabupaten, kecamatan dan desa")
        return v

    @field_validator("indikator")
    @classmethod
    def _ind(cls, v: dict[str, IndikatorParam]) -> dict[str, IndikatorParam]:
        if set(v) != set(_IND_IDS):
            raise ValueError(f"indikator harus memuat tepat: {', '.join(_IND_IDS)}")
        return v


class Batas(_Model):
    """Bounds of one Dana Desa earmark (share of the Dana Desa ceiling)."""

    min: float | None = None
    max: float | None = None


class Peluang(_Model):
    """A line that exists with some probability, with an amount range in million Rupiah."""

    peluang: float
    juta: tuple[float, float]


class ApbdesParam(_Model):
    """Parameters of the ``apbdes`` table."""

    dana_desa_juta: tuple[float, float]
    derau_dana_desa: float
    bagi_hasil_juta: tuple[float, float]
    pades_juta: tuple[float, float]
    bantuan_provinsi: Peluang
    bantuan_kabupaten: Peluang
    pendapatan_lain: Peluang
    silpa_masuk: tuple[float, float]
    penyertaan_modal: dict[str, float | tuple[float, float]]
    porsi_siltap: tuple[float, float]
    porsi_siltap_di_atas_batas: dict[str, float | tuple[float, float]]
    porsi_siltap_dari_add: tuple[float, float]
    sd_kecenderungan_layanan_dasar: float
    realisasi: tuple[float, float]
    realisasi_pendapatan: tuple[float, float]
    blt_per_keluarga_tahun: float
    pelanggaran: float
    margin: float
    aturan_dana_desa: dict[int, dict[str, Batas]]
    porsi_bebas: dict[str, tuple[float, float]]

    @field_validator("aturan_dana_desa")
    @classmethod
    def _aturan(cls, v: dict[int, dict[str, Batas]]) -> dict[int, dict[str, Batas]]:
        for year, rules in v.items():
            unknown = set(rules) - {"blt", "ketahanan_pangan", "operasional"}
            if unknown:
                raise ValueError(f"aturan {year}: jenis tidak dikenal {sorted(unknown)}")
        return v


class StatusParam(_Model):
    """Parameters of the ``status_desa`` table."""

    idm: dict[str, tuple[float, float]]
    porsi_sd_kabupaten: float
    tren: tuple[float, float]
    tahun_indeks_desa: int

    @field_validator("idm")
    @classmethod
    def _prov(cls, v):  # noqa: ANN001, ANN206 - pydantic hook
        return _need_bawaan(v)


class UsulanParam(_Model):
    """Parameters of the ``usulan`` table."""

    jumlah: tuple[int, int]
    forum: dict[str, float]
    sektor: dict[str, float]
    status: dict[str, float]
    biaya_juta: dict[str, tuple[float, float]]
    porsi_disetujui: tuple[float, float]


class MasalahParam(_Model):
    """How many problems to plant per rule and kabupaten."""

    per_desa: float
    minimum_per_kabupaten: int


class DemoParameters(_Model):
    """All generation parameters (``parameters/demo.yaml``)."""

    seed: int
    provinsi: list[str]
    tahun: list[int]
    tahun_dasar: int
    layanan: LayananParam
    apbdes: ApbdesParam
    status_desa: StatusParam
    usulan: UsulanParam
    masalah_simulasi: MasalahParam

    @model_validator(mode="after")
    def _check(self) -> "DemoParameters":
        if self.seed < 0:
            raise ValueError("seed harus bilangan bulat tidak negatif")
        return self

    def fingerprint(self) -> str:
        """Short hash of the parameter values (stored in the store's metadata)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def load_parameters(path: str | os.PathLike[str] | None = None) -> DemoParameters:
    """Read and validate the demo parameters (default ``parameters/demo.yaml``)."""
    file = Path(path) if path else parameter_file("demo.yaml")
    if not file.exists():
        raise ParameterError(f"Berkas parameter data simulasi '{file}' tidak ditemukan.")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
        return DemoParameters.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise ParameterError(f"Parameter data simulasi di '{file}' tidak valid: {exc}") from None


@lru_cache(maxsize=1)
def _default_parameters() -> DemoParameters:
    return load_parameters()


def _prov(mapping: Mapping[str, object], prov: str):  # noqa: ANN202 - small helper
    return mapping.get(prov, mapping["bawaan"])


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

_CATALOGUE: tuple[_Line, ...] = (
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
_N_LINES = len(_CATALOGUE)
_POOL_OF = np.array([ln.pool for ln in _CATALOGUE])
_P = np.array([ln.p for ln in _CATALOGUE])
_W = np.array([ln.w for ln in _CATALOGUE])
_IS_BASIC = np.array([ln.sektor in ("PEND", "KES", "AIR", "SOS", "ADM") and ln.pool == "DDS" for ln in _CATALOGUE])
_IS_REVENUE = np.array([ln.rek.startswith("4") for ln in _CATALOGUE])
_IS_SPENDING = np.array([ln.rek.startswith("5") for ln in _CATALOGUE])
_KEL_LINES = np.flatnonzero(_POOL_OF == "KEL")
_SPLIT_POOLS = ("REV_PAD", "PERS", "ADD", "PBH", "PAD", "KP", "DDS", "PBP", "PBK", "DLL", "SILPA")
_FIXED_POOLS = ("REV_DDS", "REV_ADD", "REV_PBH", "REV_PBP", "REV_PBK", "REV_DLL", "FIN_SILPA", "FIN_OUT", "OPDD", "BLT")
_POOL_COLS = {pool: np.flatnonzero(_POOL_OF == pool) for pool in set(_POOL_OF)}
for _pool, _cols in _POOL_COLS.items():  # the first line of a pool always exists (absorbs rounding)
    _P[_cols[0]] = 1.0

_SEKTOR_USULAN = ("PEND", "KES", "AIR", "SOS", "ADM", "LAIN")
_FORUM = ("musdus", "musdes", "rkpdes")
_STATUS_USULAN = ("didanai_apbdes", "didanai_pihak_lain", "belum_didanai", "ditolak")
_DEFAULT_KEG = {"PEND": "02.01.01", "KES": "02.02.02", "AIR": "02.04.11", "SOS": "02.04.01",
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
_USULAN_TEMPLATES = tuple(t for s in _SEKTOR_USULAN for t in _USULAN_TEKS[s])
_USULAN_OFFSET = np.cumsum([0] + [len(_USULAN_TEKS[s]) for s in _SEKTOR_USULAN])
_KEG_CODES = tuple(sorted({ln.keg for ln in _CATALOGUE if ln.keg} | set(_DEFAULT_KEG.values())))
_KEG_POS = {k: i for i, k in enumerate(_KEG_CODES)}
_LINE_KEG_POS = np.array([_KEG_POS[ln.keg] if ln.keg else -1 for ln in _CATALOGUE])
# Proposal sector -> spending lines whose kegiatan can fund it.
_SEKTOR_LINES = {
    s: np.flatnonzero([ln.sektor == s and ln.rek.startswith("5") and ln.pool != "KEL" for ln in _CATALOGUE])
    for s in _SEKTOR_USULAN
}


# ---------------------------------------------------------------------------------------
# Random streams: one per (seed, kabupaten, purpose, year), independent of the selection.

_S_DESA, _S_LAYANAN, _S_STATUS_DESA, _S_STATUS, _S_APB_DESA, _S_APB, _S_USULAN, _S_MASALAH = range(1, 9)


def _rng(seed: int, kab: str, stream: int, year: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, int(kab.replace(".", "")), stream, year]))


def _r1000(x: np.ndarray) -> np.ndarray:
    """Round Rupiah amounts to whole thousands (as budgets are written)."""
    return np.round(np.asarray(x, dtype=float) / 1000.0) * 1000.0


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


# ---------------------------------------------------------------------------------------
# Per-kabupaten generation


@dataclass
class _KabOut:
    """Arrays of one kabupaten (rows already in output order)."""

    lay_codes: np.ndarray
    lay_year: np.ndarray
    lay_counts: np.ndarray  # (rows, n count columns) int64
    lay_na: np.ndarray  # same shape, bool
    st: dict[str, np.ndarray]
    apb: dict[str, np.ndarray]
    us: dict[str, np.ndarray]
    masalah: list[dict[str, object]] = field(default_factory=list)


def _layanan_kab(kab: str, prov: str, wk: pd.DataFrame, years: Sequence[int], prm: DemoParameters,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Clean service counts, shape (villages, years, columns), and the population per (village, year)."""
    L = prm.layanan
    base = prm.tahun_dasar
    n = len(wk)
    kec_idx = np.unique(wk["kode_kecamatan"].to_numpy(), return_inverse=True)[1]
    n_kec = int(kec_idx.max()) + 1
    is_kel = (wk["jenis"] == "kelurahan").to_numpy(dtype=bool)

    r = _rng(seed, kab, _S_DESA)
    lo, hi = _prov(L.penduduk, prov)
    pop0 = (lo + (hi - lo) * r.beta(2.5, 3.0, n)) * np.where(is_kel, L.faktor_kelurahan, 1.0)
    growth = r.normal(L.pertumbuhan_penduduk[0], L.pertumbuhan_penduduk[1], n)
    hh_size = r.uniform(*_prov(L.ukuran_rumah_tangga, prov), n)
    shares_base = _prov(L.proporsi, prov)
    shares = {g: shares_base[g] * r.uniform(0.85, 1.15, n) for g in _GROUPS}
    cov = r.uniform(*L.cakupan_pengukuran, n)
    ext_mult = r.uniform(0.5, 2.0, n)
    ext_rate = float(_prov(L.miskin_ekstrem, prov))
    # Random effects on the logit scale: a shared "progress" factor plus one per indicator.
    c = L.korelasi
    s = np.sqrt(max(0.0, 1.0 - c * c))
    ea = L.efek_acak
    J = len(INDIKATOR_LAYANAN)
    # Effects within the kabupaten are truncated at ±2.5 sd: real villages differ a lot,
    # but a clean demo village should not look like a data error to a robust outlier check.
    def z(*shape: int) -> np.ndarray:
        return np.clip(r.normal(size=shape), -2.5, 2.5)

    common = ea["kabupaten"] * r.normal() + ea["kecamatan"] * z(n_kec)[kec_idx] + ea["desa"] * z(n)
    spec = (ea["kabupaten"] * r.normal(size=(J, 1)) + ea["kecamatan"] * z(J, n_kec)[:, kec_idx]
            + ea["desa"] * z(J, n))
    better = np.array([1.0 if hib else -1.0 for *_, hib in INDIKATOR_LAYANAN])[:, None]
    # Shift each level so that the mean over the random effects, not the median village,
    # hits the calibration rate (probit approximation of E[expit(mu + N(0, s2))]).
    s2 = ea["kabupaten"] ** 2 + ea["kecamatan"] ** 2 + ea["desa"] ** 2 + L.derau_tahunan ** 2
    stretch = np.sqrt(1.0 + np.pi * s2 / 8.0)
    level = np.array([_logit(float(_prov(L.indikator[i].tingkat, prov))) * stretch for i in _IND_IDS])[:, None]
    trend = np.array([L.indikator[i].tren for i in _IND_IDS])[:, None] + L.tren_sd_desa * z(J, n)
    eff = level + better * (c * common + s * spec + L.efek_kelurahan * is_kel)

    out = np.zeros((n, len(years), len(_COUNT_COLS)), dtype=np.int64)
    pops = np.zeros((n, len(years)), dtype=np.int64)
    for yi, t in enumerate(years):
        ry = _rng(seed, kab, _S_LAYANAN, t)
        dt = t - base
        pop = np.maximum(1, np.round(pop0 * (1.0 + growth) ** dt * (1.0 + ry.normal(0, 0.002, n)))).astype(np.int64)
        hh = np.maximum(1, np.round(pop / hh_size)).astype(np.int64)
        grp = {g: np.maximum(0, np.round(pop * shares[g] * (1.0 + ry.normal(0, 0.03, n)))).astype(np.int64)
               for g in _GROUPS}
        col = {
            "penduduk": pop,
            "rumah_tangga": hh,
            "balita_diukur": np.round(grp["balita"] * np.clip(cov + ry.normal(0, 0.02, n), 0.5, 1.0)).astype(np.int64),
            "bayi_sasaran": grp["bayi"],
            "ibu_hamil": grp["ibu_hamil"],
            "persalinan": np.round(grp["ibu_hamil"] * ry.uniform(0.88, 1.0, n)).astype(np.int64),
            "baduta": grp["baduta"],
            "keluarga_baduta": np.round(grp["baduta"] * ry.uniform(0.9, 1.0, n)).astype(np.int64),
            "anak_5_6": grp["anak_5_6"],
            "anak_7_15": grp["anak_7_15"],
            "anak_0_17": grp["anak_0_17"],
            "wajib_ktp": np.minimum(pop, grp["wajib_ktp"]),
            "kel_miskin_ekstrem": np.round(
                hh * ext_rate * L.penurunan_miskin_ekstrem ** dt * ext_mult).astype(np.int64),
        }
        col["sasaran_hpk"] = col["ibu_hamil"] + col["baduta"]
        p = _expit(eff + trend * dt + ry.normal(0.0, L.derau_tahunan, (J, n)))
        # Counts scatter around den × p with half the binomial spread: registers are
        # carried over from year to year, so small counts do not jump at random.
        z = ry.normal(size=(J, n))
        for j, (ind, num, den, _) in enumerate(INDIKATOR_LAYANAN):
            d = col[den]
            mean = d * p[j]
            col[num] = np.clip(np.round(mean + 0.5 * np.sqrt(mean * (1.0 - p[j])) * z[j]), 0, d).astype(np.int64)
        # Open defecation only among households without a healthy latrine.
        col["rt_babs"] = np.minimum(col["rt_babs"], hh - col["rt_sanitasi_layak"])
        for name, values in col.items():
            out[:, yi, _COL_POS[name]] = values
        pops[:, yi] = pop
    return out, pops


def _status_kab(kab: str, prov: str, wk: pd.DataFrame, years: Sequence[int], prm: DemoParameters,
                seed: int) -> dict[str, np.ndarray]:
    S = prm.status_desa
    n = len(wk)
    if n == 0:  # a kota made only of kelurahan: no IDM
        return {k: np.zeros(0, dtype=np.int64 if k in ("v", "tahun", "st", "sid") else float)
                for k in ("v", "tahun", "iks", "ike", "ikl", "idm", "st", "sid")}
    kec_idx = np.unique(wk["kode_kecamatan"].to_numpy(), return_inverse=True)[1]
    r = _rng(seed, kab, _S_STATUS_DESA)
    mu, sd = _prov(S.idm, prov)
    sk = sd * np.sqrt(S.porsi_sd_kabupaten)
    sr = sd * np.sqrt((1.0 - S.porsi_sd_kabupaten) / 2.0)
    base = mu + sk * r.normal() + sr * r.normal(size=int(kec_idx.max()) + 1)[kec_idx] + sr * r.normal(size=n)
    trend = r.normal(S.tren[0], S.tren[1], n)
    d_iks = r.normal(0.05, 0.04, n)
    d_ike = r.normal(-0.07, 0.05, n)
    rows: dict[str, list[np.ndarray]] = {k: [] for k in ("v", "tahun", "iks", "ike", "ikl", "idm", "st", "sid")}
    for t in years:
        ry = _rng(seed, kab, _S_STATUS, t)
        idm_t = base + trend * (t - prm.tahun_dasar) + ry.normal(0, 0.01, n)
        iks = np.round(np.clip(idm_t + d_iks + ry.normal(0, 0.01, n), 0.25, 0.99), 4)
        ike = np.round(np.clip(idm_t + d_ike + ry.normal(0, 0.01, n), 0.20, 0.99), 4)
        ikl = np.round(np.clip(3.0 * idm_t - iks - ike, 0.25, 0.99), 4)
        idm = np.round((iks + ike + ikl) / 3.0, 4)
        noise = ry.normal(0, 0.03, n)
        sid = np.digitize(idm + noise, _CUTS_IDM, right=True) if t >= S.tahun_indeks_desa else np.full(n, -1)
        for k, v in (("v", np.arange(n)), ("tahun", np.full(n, t)), ("iks", iks), ("ike", ike), ("ikl", ikl),
                     ("idm", idm), ("st", np.digitize(idm, _CUTS_IDM, right=True)), ("sid", sid)):
            rows[k].append(v)
    out = {k: np.concatenate(v) for k, v in rows.items()}
    order = np.lexsort((out["tahun"], out["v"]))
    return {k: v[order] for k, v in out.items()}


def _rules_for(year: int, A: ApbdesParam) -> dict[str, Batas]:
    known = sorted(A.aturan_dana_desa)
    earlier = [y for y in known if y <= year]
    return A.aturan_dana_desa[earlier[-1] if earlier else known[0]]


def _earmark_shares(year: int, n: int, A: ApbdesParam, r: np.random.Generator) -> dict[str, np.ndarray]:
    """Shares of Dana Desa for BLT, food security and operations; ~`pelanggaran` villages breach one rule."""
    rules = _rules_for(year, A)
    m = A.margin
    shares: dict[str, np.ndarray] = {}
    for kind in ("blt", "ketahanan_pangan", "operasional"):
        b = rules.get(kind, Batas())
        free_lo, free_hi = A.porsi_bebas[kind]
        lo = b.min + m if b.min is not None else free_lo
        hi = b.max - m if b.max is not None else (b.min + 0.06 if b.min is not None else free_hi)
        lo = min(lo, hi)
        shares[kind] = r.uniform(lo, hi, n)
    applicable = [k for k in ("blt", "ketahanan_pangan", "operasional") if k in rules]
    breach = r.random(n) < A.pelanggaran
    which = r.integers(0, len(applicable), n)
    side = r.random(n)
    for ki, kind in enumerate(applicable):
        b = rules[kind]
        sel = breach & (which == ki)
        below = r.uniform(b.min * 0.4, b.min - 2 * m, n) if b.min is not None else None
        above = r.uniform(b.max + 2 * m, b.max + 0.10, n) if b.max is not None else None
        if below is not None and above is not None:
            val = np.where(side < 0.5, below, above)
        else:
            val = below if below is not None else above
        shares[kind] = np.where(sel, val, shares[kind])
    return shares


def _apbdes_kab_year(kab: str, prov: str, n: int, t: int, vill: dict[str, np.ndarray], prm: DemoParameters,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Budget and realisation matrices (villages × catalogue lines) of the desa of one kabupaten-year."""
    A = prm.apbdes
    r = _rng(seed, kab, _S_APB, t)
    M = np.zeros((n, _N_LINES))
    D = _r1000(vill["dd"] * (1.0 + r.normal(0, A.derau_dana_desa, n)) * 1e6)
    B = _r1000(r.uniform(*A.bagi_hasil_juta, n) * 1e6)
    P = _r1000(r.uniform(*A.pades_juta, n) * 1e6)

    def optional(par: Peluang) -> np.ndarray:
        has = r.random(n) < par.peluang
        return np.where(has, _r1000(r.uniform(*par.juta, n) * 1e6), 0.0)

    PBP, PBK, DLL = optional(A.bantuan_provinsi), optional(A.bantuan_kabupaten), optional(A.pendapatan_lain)
    S = _r1000(r.uniform(*A.silpa_masuk, n) * (D + B + P + PBP + PBK + DLL))
    pm = A.penyertaan_modal
    OUT = np.where(r.random(n) < float(pm["peluang"]), _r1000(r.uniform(*pm["porsi_dd"], n) * D), 0.0)

    sh = _earmark_shares(t, n, A, r)
    blt_unit = A.blt_per_keluarga_tahun
    BLT = np.round(sh["blt"] * D / blt_unit) * blt_unit
    KP = _r1000(sh["ketahanan_pangan"] * D)
    OP = _r1000(sh["operasional"] * D)
    DFREE = D - BLT - KP - OP - OUT

    over = r.random(n) < float(A.porsi_siltap_di_atas_batas["peluang"])
    pshare = np.where(over, r.uniform(*A.porsi_siltap_di_atas_batas["rentang"], n), r.uniform(*A.porsi_siltap, n))
    f = r.uniform(*A.porsi_siltap_dari_add, n)
    X = D + B + P + PBP + PBK + DLL + S - OUT
    ADD = _r1000(pshare * X / (f - pshare))
    PERS = _r1000(pshare * (X + ADD))

    amounts = {
        "REV_DDS": D, "REV_ADD": ADD, "REV_PBH": B, "REV_PBP": PBP, "REV_PBK": PBK, "REV_DLL": DLL,
        "FIN_SILPA": S, "FIN_OUT": OUT, "OPDD": OP, "BLT": BLT,
        "REV_PAD": P, "PERS": PERS, "ADD": ADD - PERS, "PBH": B, "PAD": P, "KP": KP, "DDS": DFREE,
        "PBP": PBP, "PBK": PBK, "DLL": DLL, "SILPA": S,
    }
    exists = r.random((n, _N_LINES)) < _P
    jitter = r.gamma(4.0, 0.25, (n, _N_LINES))
    jitter_pers = r.normal(1.0, 0.05, (n, _N_LINES))
    tilt = vill["tilt"][:, None] * r.lognormal(0.0, 0.15, (n, 1))
    for pool in _FIXED_POOLS:
        M[:, _POOL_COLS[pool][0]] = amounts[pool]
    for pool in _SPLIT_POOLS:
        cols = _POOL_COLS[pool]
        total = amounts[pool]
        w = _W[cols] * (jitter_pers[:, cols] if pool == "PERS" else jitter[:, cols]) * exists[:, cols]
        w = np.where(_IS_BASIC[cols], w * tilt, w)
        part = _r1000(total[:, None] * w / w.sum(axis=1, keepdims=True))
        part[:, 0] += total - part.sum(axis=1)  # rounding residual goes to the always-present line
        M[:, cols] = part
    M = np.where(M > 0, M, 0.0)

    # Realisation never above budget: spending realised a bit below the revenue rate,
    # so the realised SiLPA stays positive.
    rev_rate = r.uniform(*A.realisasi_pendapatan, (n, 1))
    spend_rate = np.clip(vill["real"][:, None] + r.normal(0, 0.08, (n, _N_LINES)), A.realisasi[0],
                         np.minimum(A.realisasi[1], rev_rate - 0.005))
    rate = np.where(_IS_REVENUE, rev_rate, spend_rate)
    # Salaries and BLT are paid (almost) in full.
    full = np.r_[_POOL_COLS["PERS"], _POOL_COLS["BLT"]]
    rate[:, full] = np.minimum(r.uniform(0.93, 1.0, (n, len(full))), rev_rate - 0.005)
    rate[:, _POOL_COLS["FIN_SILPA"]] = 1.0
    R = np.floor(M * rate / 1000.0) * 1000.0
    return M, R


def _apbdes_kab(kab: str, prov: str, wk: pd.DataFrame, years: Sequence[int], prm: DemoParameters, seed: int
                ) -> tuple[dict[str, np.ndarray], dict[int, np.ndarray]]:
    """APBDes lines of the desa (not kelurahan) of one kabupaten; also the budget matrix per year."""
    A = prm.apbdes
    desa_pos = np.flatnonzero((wk["jenis"] == "desa").to_numpy(dtype=bool))
    n = len(desa_pos)
    r = _rng(seed, kab, _S_APB_DESA)
    vill = {
        "dd": r.uniform(*A.dana_desa_juta, n),
        "tilt": r.lognormal(0.0, A.sd_kecenderungan_layanan_dasar, n),
        "real": r.uniform(max(A.realisasi[0], 0.7), 0.97, n),
    }
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("v", "tahun", "line", "anggaran", "realisasi")}
    mats: dict[int, np.ndarray] = {}
    for t in years:
        if n == 0:
            mats[t] = np.zeros((0, _N_LINES))
            continue
        M, R = _apbdes_kab_year(kab, prov, n, t, vill, prm, seed)
        mats[t] = M
        vi, li = np.nonzero(M)
        parts["v"].append(desa_pos[vi])
        parts["tahun"].append(np.full(len(vi), t))
        parts["line"].append(li)
        parts["anggaran"].append(M[vi, li])
        parts["realisasi"].append(R[vi, li])
    out = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in parts.items()}
    for k in ("v", "tahun", "line"):
        out[k] = out[k].astype(np.int64)
    return out, mats


def _usulan_kab(kab: str, wk: pd.DataFrame, years: Sequence[int], mats: dict[int, np.ndarray],
                prm: DemoParameters, seed: int) -> dict[str, np.ndarray]:
    U = prm.usulan
    desa_pos = np.flatnonzero((wk["jenis"] == "desa").to_numpy(dtype=bool))
    n = len(desa_pos)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in
                                          ("v", "tahun", "forum", "sektor", "tmpl", "j", "keg", "biaya", "status",
                                           "setuju")}
    forum_p = np.array([U.forum.get(f, 0.0) for f in _FORUM])
    sektor_p = np.array([U.sektor.get(s, 0.0) for s in _SEKTOR_USULAN])
    status_p = np.array([U.status.get(s, 0.0) for s in _STATUS_USULAN])
    for t in years:
        if n == 0:
            continue
        r = _rng(seed, kab, _S_USULAN, t)
        k = r.integers(U.jumlah[0], U.jumlah[1] + 1, n)
        row_v = np.repeat(np.arange(n), k)
        m = len(row_v)
        j = np.arange(m) - np.repeat(np.cumsum(k) - k, k)
        forum = r.choice(len(_FORUM), m, p=forum_p / forum_p.sum())
        sektor = r.choice(len(_SEKTOR_USULAN), m, p=sektor_p / sektor_p.sum())
        n_t = np.diff(_USULAN_OFFSET)[sektor]
        tmpl = _USULAN_OFFSET[sektor] + (r.random(m) * n_t).astype(np.int64)
        lo = np.array([U.biaya_juta[s][0] for s in _SEKTOR_USULAN])[sektor]
        hi = np.array([U.biaya_juta[s][1] for s in _SEKTOR_USULAN])[sektor]
        biaya = _r1000(r.uniform(lo, hi) * 1e6)
        status = r.choice(len(_STATUS_USULAN), m, p=status_p / status_p.sum())
        funded = status <= 1
        setuju = np.where(funded, _r1000(biaya * r.uniform(*U.porsi_disetujui, m)), np.nan)
        keg = np.full(m, -1, dtype=np.int64)
        score = r.random((m, _N_LINES))
        M = mats[t]
        for si, s in enumerate(_SEKTOR_USULAN):
            sel = np.flatnonzero((sektor == si) & (status == 0))
            if len(sel) == 0:
                continue
            cols = _SEKTOR_LINES[s]
            present = M[row_v[sel]][:, cols] > 0
            sc = np.where(present, score[sel][:, cols], -1.0)
            best = cols[np.argmax(sc, axis=1)]
            keg[sel] = np.where(present.any(axis=1), _LINE_KEG_POS[best], _KEG_POS[_DEFAULT_KEG[s]])
        for key, val in (("v", desa_pos[row_v]), ("tahun", np.full(m, t)), ("forum", forum), ("sektor", sektor),
                         ("tmpl", tmpl), ("j", j), ("keg", keg), ("biaya", biaya), ("status", status),
                         ("setuju", setuju)):
            parts[key].append(val)
    if not parts["v"]:
        return {k: np.zeros(0, dtype=np.int64) for k in parts}
    out = {k: np.concatenate(v) for k, v in parts.items()}
    order = np.lexsort((out["j"], out["tahun"], out["v"]))
    return {k: v[order] for k, v in out.items()}


def _fake_code(kec: str, official: set[str], rng: np.random.Generator) -> str:
    """A desa code under a real kecamatan that is not in the official list (e.g. after a split)."""
    used = [int(c[-4:]) for c in official if c.startswith(kec + ".") and c[-4] == "2"]
    start = (max(used) if used else 2000) + 1 + int(rng.integers(0, 5))
    for num in range(start, 3000):
        code = f"{kec}.{num:04d}"
        if code not in official:
            return code
    raise RuntimeError(f"Tidak ada kode fiktif yang tersisa di kecamatan {kec}.")  # pragma: no cover


def _masalah_row(aturan: str, tabel: str, kode: str, tahun: int | None, kolom: str | None, nilai: object,
                 keterangan: str) -> dict[str, object]:
    return {"aturan": aturan, "tabel": tabel, "kode_desa": kode, "tahun": tahun, "kolom": kolom,
            "nilai": None if nilai is None else str(nilai), "keterangan": keterangan}


def _rp(x: float) -> str:
    return f"Rp {int(round(x)):,}".replace(",", ".")


def _generate_kab(kab: str, wk: pd.DataFrame, years: Sequence[int], prm: DemoParameters, seed: int,
                  official: set[str]) -> _KabOut:
    prov = kab[:2]
    codes = wk["kode_desa"].to_numpy(dtype=object)
    n = len(wk)
    ny = len(years)
    counts, pops = _layanan_kab(kab, prov, wk, years, prm, seed)
    st = _status_kab(kab, prov, wk.loc[wk["jenis"] == "desa"].reset_index(drop=True), years, prm, seed)
    st["v"] = np.flatnonzero((wk["jenis"] == "desa").to_numpy(dtype=bool))[st["v"]] if len(st["v"]) else st["v"]
    apb, mats = _apbdes_kab(kab, prov, wk, years, prm, seed)
    us = _usulan_kab(kab, wk, years, mats, prm, seed)

    # --- planted problems -------------------------------------------------------------
    r = _rng(seed, kab, _S_MASALAH)
    Mp = prm.masalah_simulasi
    k_each = max(Mp.minimum_per_kabupaten, int(round(Mp.per_desa * n)))
    is_kel = (wk["jenis"] == "kelurahan").to_numpy(dtype=bool)
    order = r.permutation(n)
    used = np.zeros(n, dtype=bool)
    year_arr = np.asarray(years)

    def pick(k: int, eligible: np.ndarray) -> np.ndarray:
        cand = [v for v in order if eligible[v] and not used[v]][:k]
        used[cand] = True
        return np.asarray(cand, dtype=np.int64)

    na = np.zeros_like(counts, dtype=bool)
    masalah: list[dict[str, object]] = []
    clean = counts.copy()
    every = np.ones(n, dtype=bool)

    for v in pick(k_each, every):  # numerator above its denominator
        yi = int(r.integers(0, ny))
        ind = _PEMBILANG_PLANT[int(r.integers(0, len(_PEMBILANG_PLANT)))]
        _, num, den, _ = INDIKATOR_LAYANAN[_IND_IDS.index(ind)]
        d = int(counts[v, yi, _COL_POS[den]])
        val = d + max(1, int(round(d * r.uniform(0.01, 0.08))))
        counts[v, yi, _COL_POS[num]] = val
        masalah.append(_masalah_row("pembilang_melebihi_penyebut", "layanan", codes[v], years[yi], num, val,
                                    f"{num} ({val}) melebihi penyebutnya {den} ({d})."))
    for v in pick(k_each, every):  # a missing count
        yi = int(r.integers(0, ny))
        colname = _COUNT_COLS[int(r.integers(0, len(_COUNT_COLS)))]
        na[v, yi, _COL_POS[colname]] = True
        masalah.append(_masalah_row("nilai_hilang", "layanan", codes[v], years[yi], colname, None,
                                    f"Kolom {colname} kosong (tidak dilaporkan)."))
    for v in pick(k_each, every):  # an extreme outlier of a denominator
        # In the last year, so the only year-on-year jump it causes is in the same year.
        yi = ny - 1
        colname = _PENCILAN_PLANT[int(r.integers(0, len(_PENCILAN_PLANT)))]
        med = float(np.median(clean[:, yi, _COL_POS[colname]]))
        val = int(round(max(med, 1.0) * r.uniform(20.0, 40.0)))
        old = int(counts[v, yi, _COL_POS[colname]])
        counts[v, yi, _COL_POS[colname]] = val
        masalah.append(_masalah_row("pencilan", "layanan", codes[v], years[yi], colname, val,
                                    f"{colname} = {val}, sekitar {val / max(med, 1.0):.0f} kali median kabupaten "
                                    f"({med:.0f}); nilai wajar ≈ {old}. Karena ekstrem, nilai ini juga tampak "
                                    "sebagai lonjakan dari tahun sebelumnya."))
    if ny >= 2 and years[-1] - 1 in years:
        # An implausible fall of a large village in the last year (e.g. only one dusun
        # reported): every count is divided by the same factor, so rates and per-capita
        # figures stay plausible and the new values stay inside the kabupaten's range
        # (a jump, not a cross-sectional outlier). The last year gives exactly one jump.
        large = pops[:, -1] >= np.quantile(pops[:, -1], 0.6)
        for v in pick(k_each, large):
            yi = ny - 1
            prev = int(counts[v, yi - 1, _COL_POS["penduduk"]])
            factor = r.uniform(3.5, 4.5)
            counts[v, yi] = np.floor(counts[v, yi] / factor).astype(np.int64)
            val = int(counts[v, yi, _COL_POS["penduduk"]])
            masalah.append(_masalah_row("lonjakan_tahunan", "layanan", codes[v], years[yi], "penduduk", val,
                                        f"Penduduk turun tajam dari {prev} ({years[yi - 1]}) menjadi {val} "
                                        f"({years[yi]}); semua jumlah lain desa ini ikut turun sekitar "
                                        f"{factor:.1f} kali (mis. hanya satu dusun yang melapor)."))

    lay_codes = np.repeat(codes, ny)
    lay_year = np.tile(year_arr, n)
    lay_counts = counts.reshape(n * ny, -1)
    lay_na = na.reshape(n * ny, -1)
    extra_codes: list[str] = []
    extra_year: list[int] = []
    extra_rows: list[np.ndarray] = []
    extra_na: list[np.ndarray] = []
    for v in pick(k_each, every):  # duplicated service row (identical values)
        yi = int(r.integers(0, ny))
        extra_codes.append(codes[v])
        extra_year.append(years[yi])
        extra_rows.append(counts[v, yi].copy())
        extra_na.append(na[v, yi].copy())
        masalah.append(_masalah_row("baris_ganda", "layanan", codes[v], years[yi], None, None,
                                    "Baris layanan desa dan tahun ini tercatat dua kali."))
    for v in pick(k_each, every):  # a code not in the official list, under a real kecamatan
        yi = int(r.integers(0, ny))
        kec = wk["kode_kecamatan"].iat[v]
        fake = _fake_code(kec, official, r)
        official = official | {fake}
        extra_codes.append(fake)
        extra_year.append(years[yi])
        extra_rows.append(clean[v, yi].copy())
        extra_na.append(np.zeros(len(_COUNT_COLS), dtype=bool))
        masalah.append(_masalah_row("kode_tidak_resmi", "layanan", fake, years[yi], "kode_desa", fake,
                                    f"Kode {fake} tidak ada dalam daftar resmi Kemendagri (kecamatan {kec} ada)."))
    if extra_codes:
        lay_codes = np.concatenate([lay_codes, np.asarray(extra_codes, dtype=object)])
        lay_year = np.concatenate([lay_year, np.asarray(extra_year)])
        lay_counts = np.vstack([lay_counts, np.vstack(extra_rows)])
        lay_na = np.vstack([lay_na, np.vstack(extra_na)])
    lay_order = np.lexsort((lay_year, lay_codes.astype(str)))

    # Budget plants: realisation above budget (desa), APBDes lines for a kelurahan.
    spend_rows = np.flatnonzero(_IS_SPENDING[apb["line"]]) if len(apb["line"]) else np.zeros(0, dtype=np.int64)
    for v in pick(k_each, ~is_kel):
        rows = spend_rows[apb["v"][spend_rows] == v]
        if len(rows) == 0:
            continue
        row = int(rows[int(r.integers(0, len(rows)))])
        budget = float(apb["anggaran"][row])
        val = float(_r1000(budget * r.uniform(1.1, 1.5)))
        apb["realisasi"][row] = val
        ln = _CATALOGUE[int(apb["line"][row])]
        masalah.append(_masalah_row("realisasi_melebihi_anggaran", "apbdes", codes[v], int(apb["tahun"][row]),
                                    "realisasi", int(val),
                                    f"Kegiatan {ln.keg} rekening {ln.rek} ({ln.uraian}): realisasi {_rp(val)} "
                                    f"melebihi anggaran {_rp(budget)}."))
    kel_v = pick(k_each, is_kel)
    if len(kel_v):
        add: dict[str, list[np.ndarray]] = {k: [] for k in ("v", "tahun", "line", "anggaran", "realisasi")}
        for v in kel_v:
            t = years[int(r.integers(0, ny))]
            total = float(_r1000(r.uniform(300, 900) * 1e6))
            jalan = float(_r1000(total * r.uniform(0.6, 0.8)))
            amounts = np.array([total, jalan, total - jalan])
            add["v"].append(np.full(3, v))
            add["tahun"].append(np.full(3, t))
            add["line"].append(_KEL_LINES)
            add["anggaran"].append(amounts)
            add["realisasi"].append(np.floor(amounts * r.uniform(0.7, 0.95) / 1000.0) * 1000.0)
            masalah.append(_masalah_row("kelurahan_ber_apbdes", "apbdes", codes[v], t, None, 3,
                                        f"Kelurahan memiliki 3 baris APBDes (Dana Kelurahan {_rp(total)}); "
                                        "kelurahan tidak memiliki APBDes."))
        for k in add:
            apb[k] = np.concatenate([apb[k], *add[k]]).astype(np.int64 if k in ("v", "tahun", "line") else float)
        apb_order = np.lexsort((apb["line"], apb["tahun"], apb["v"]))
        apb = {k: v[apb_order] for k, v in apb.items()}
    return _KabOut(
        lay_codes=lay_codes[lay_order], lay_year=lay_year[lay_order], lay_counts=lay_counts[lay_order],
        lay_na=lay_na[lay_order], st=st, apb=apb, us=us, masalah=masalah,
    )


# ---------------------------------------------------------------------------------------
# Assembly


def _strings(values: Sequence[str | None], idx: np.ndarray) -> pd.Series:
    """A pandas ``string`` column taking ``values[idx]`` (-1 = missing), built in Arrow."""
    arr = pa.array(list(values), type=pa.string())
    mask = idx < 0
    taken = arr.take(pa.array(np.where(mask, 0, idx), type=pa.int64()))
    if mask.any():
        taken = pc.if_else(pa.array(~mask), taken, pa.scalar(None, pa.string()))
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([taken])))


def _ints(x: np.ndarray, na: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    x = np.asarray(x, dtype=np.int64)
    return pd.arrays.IntegerArray(x, np.zeros(len(x), dtype=bool) if na is None else na)


def _floats(x: np.ndarray) -> pd.arrays.FloatingArray:
    x = np.asarray(x, dtype=np.float64)
    return pd.arrays.FloatingArray(np.nan_to_num(x), np.isnan(x))


@dataclass(frozen=True)
class DemoResult:
    """Generated demo data: canonical tables, the manifest of planted problems, store metadata."""

    tables: dict[str, pd.DataFrame]
    manifest: pd.DataFrame
    meta: dict[str, object]


def _normalise_codes(values: Iterable[str] | str | None, level: int) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values:
        code = str(v).strip().rstrip(".")
        ok = len(code) == 2 and code.isdigit() if level == 0 else (
            len(code) == 5 and code[2] == "." and code.replace(".", "").isdigit())
        if not ok:
            what = "provinsi (2 digit, mis. 33)" if level == 0 else "kabupaten/kota (PP.KK, mis. 33.07)"
            raise ParameterError(f"'{v}' bukan kode {what}.")
        out.append(code)
    return sorted(set(out))


def resolve_selection(provinsi: Iterable[str] | str | None = None, kabupaten: Iterable[str] | str | None = None,
                      parameters: DemoParameters | None = None) -> tuple[list[str], list[str] | None]:
    """Normalised (provinsi, kabupaten) of a generation request.

    ``kabupaten`` restricts the generation to those kabupaten/kota (their provinces
    follow); otherwise every kabupaten of ``provinsi`` (default: the parameters').

    >>> resolve_selection(kabupaten=["33.07."])
    (['33'], ['33.07'])
    """
    from .wilayah import wilayah_table

    prm = parameters or _default_parameters()
    kabs = _normalise_codes(kabupaten, 1)
    provs = _normalise_codes(provinsi, 0)
    if kabs:
        kab_provs = sorted({k[:2] for k in kabs})
        if provs is not None and not set(kab_provs) <= set(provs):
            raise ParameterError("Kabupaten/kota yang diminta tidak berada di provinsi yang diminta.")
        provs = kab_provs
    elif provs is None:
        provs = sorted(prm.provinsi)
    official = wilayah_table(provs)
    missing = sorted(set(provs) - set(official["kode_provinsi"]))
    if missing:
        raise ParameterError(f"Kode provinsi tidak ada dalam daftar resmi: {', '.join(missing)}.")
    if kabs:
        missing = sorted(set(kabs) - set(official["kode_kabupaten"]))
        if missing:
            raise ParameterError(f"Kode kabupaten/kota tidak ada dalam daftar resmi: {', '.join(missing)}.")
    return provs, (kabs or None)


def _resolve_years(tahun: Iterable[int] | int | None, prm: DemoParameters) -> list[int]:
    if tahun is None:
        return sorted(set(prm.tahun))
    ys = [tahun] if isinstance(tahun, int) else list(tahun)
    try:
        out = sorted({int(y) for y in ys})
    except (TypeError, ValueError):
        raise ParameterError(f"Tahun tidak valid: {ys!r}.") from None
    if not out or any(not TAHUN_MIN <= y <= TAHUN_MAX for y in out):
        raise ParameterError(f"Tahun harus di antara {TAHUN_MIN} dan {TAHUN_MAX}: {out}.")
    return out


def demo_meta(seed: int, provinsi: list[str], kabupaten: list[str] | None, tahun: list[int],
              parameters: DemoParameters) -> dict[str, object]:
    """The store metadata describing one generation request (also used to decide whether to regenerate)."""
    return {
        "simulasi": True,
        "sumber": "demo",
        "seed": int(seed),
        "provinsi": list(provinsi),
        "kabupaten": list(kabupaten) if kabupaten else None,
        "tahun": list(tahun),
        "versi_generator": GENERATOR_VERSION,
        "parameter_demo": parameters.fingerprint(),
    }


def generate_demo(seed: int | None = None, provinsi: Iterable[str] | str | None = None,
                  kabupaten: Iterable[str] | str | None = None, tahun: Iterable[int] | int | None = None,
                  parameters: DemoParameters | None = None) -> DemoResult:
    """Generate the demo tables, their manifest of planted problems and the store metadata.

    ``seed`` defaults to the parameters' seed; ``provinsi``/``kabupaten`` select the
    regions (see :func:`resolve_selection`); ``tahun`` the fiscal years.
    Pure: no file is written (the official region list and the parameters are read).
    """
    from .wilayah import wilayah_table

    prm = parameters or _default_parameters()
    seed = prm.seed if seed is None else int(seed)
    if seed < 0:
        raise ParameterError("Seed harus bilangan bulat tidak negatif.")
    provs, kabs = resolve_selection(provinsi, kabupaten, prm)
    years = _resolve_years(tahun, prm)
    official_all = wilayah_table(provs)
    wil = official_all if not kabs else official_all[official_all["kode_kabupaten"].isin(kabs)]
    wil = wil.reset_index(drop=True)
    official_codes = set(official_all["kode_desa"].tolist())

    outs: list[_KabOut] = []
    offsets: list[int] = []
    kab_codes = wil["kode_kabupaten"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, kab_codes[1:] != kab_codes[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        wk = wil.iloc[a:b].reset_index(drop=True)
        outs.append(_generate_kab(str(kab_codes[a]), wk, years, prm, seed, official_codes))
        offsets.append(int(a))
    tables = _assemble(wil, outs, offsets)
    man = [row for o in outs for row in o.masalah]
    manifest_df = _manifest_frame(man)
    return DemoResult(tables=tables, manifest=manifest_df, meta=demo_meta(seed, provs, kabs, years, prm))


def _manifest_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))
    df = df.astype({c: "string" for c in MANIFEST_COLUMNS if c != "tahun"}).astype({"tahun": "Int64"})
    return df.sort_values(["kode_desa", "tahun", "aturan"], kind="stable").reset_index(drop=True)


def _assemble(wil: pd.DataFrame, outs: list[_KabOut], offsets: list[int]) -> dict[str, pd.DataFrame]:
    codes = wil["kode_desa"].tolist()

    # layanan
    lay_codes = np.concatenate([o.lay_codes for o in outs]) if outs else np.zeros(0, dtype=object)
    lay_counts = np.vstack([o.lay_counts for o in outs]) if outs else np.zeros((0, len(_COUNT_COLS)), dtype=np.int64)
    lay_na = np.vstack([o.lay_na for o in outs]) if outs else np.zeros((0, len(_COUNT_COLS)), dtype=bool)
    lay = {"kode_desa": pd.Series(pd.array(lay_codes.astype(str), dtype="string")),
           "tahun": _ints(np.concatenate([o.lay_year for o in outs]) if outs else np.zeros(0))}
    for i, c in enumerate(_COUNT_COLS):
        lay[c] = _ints(lay_counts[:, i], lay_na[:, i])
    layanan = pd.DataFrame(lay)

    # status_desa
    def cat(key: str, src: str) -> np.ndarray:
        return np.concatenate([getattr(o, src)[key] + (off if key == "v" else 0) for o, off in zip(outs, offsets)]) \
            if outs else np.zeros(0, dtype=np.int64)

    sv = cat("v", "st")
    status = pd.DataFrame({
        "kode_desa": _strings(codes, sv.astype(np.int64)),
        "tahun": _ints(cat("tahun", "st")),
        **{k: _floats(cat(k, "st")) for k in ("iks", "ike", "ikl", "idm")},
        "status_idm": _strings(_STATUS_IDM, cat("st", "st").astype(np.int64)),
        "status_indeks_desa": _strings(_STATUS_IDM, cat("sid", "st").astype(np.int64)),
    })

    # apbdes
    av = cat("v", "apb").astype(np.int64)
    line = cat("line", "apb").astype(np.int64)
    keg = np.array([_KEG_POS[ln.keg] if ln.keg else -1 for ln in _CATALOGUE], dtype=np.int64)
    nama = [ln.nama for ln in _CATALOGUE]
    apbdes = pd.DataFrame({
        "kode_desa": _strings(codes, av),
        "tahun": _ints(cat("tahun", "apb")),
        "kode_kegiatan": _strings(_KEG_CODES, keg[line]),
        "nama_kegiatan": _strings([x or "" for x in nama], np.where(keg[line] < 0, -1, line)),
        "kode_rekening": _strings([ln.rek for ln in _CATALOGUE], line),
        "uraian": _strings([ln.uraian for ln in _CATALOGUE], line),
        "sumber_dana": _strings([ln.sumber for ln in _CATALOGUE], line),
        "anggaran": _floats(cat("anggaran", "apb")),
        "realisasi": _floats(cat("realisasi", "apb")),
    })

    # usulan
    uv = cat("v", "us").astype(np.int64)
    j = cat("j", "us").astype(np.int64)
    rt = pa.array([f"RT {i:02d}" for i in range(1, int(j.max()) + 2)] if len(j) else [], type=pa.string())
    tmpl = pa.array(list(_USULAN_TEMPLATES), type=pa.string()).take(pa.array(cat("tmpl", "us").astype(np.int64)))
    uraian = pc.binary_join_element_wise(tmpl, rt.take(pa.array(j)), " ") if len(j) else pa.array([], pa.string())
    usulan = pd.DataFrame({
        "kode_desa": _strings(codes, uv),
        "tahun": _ints(cat("tahun", "us")),
        "forum": _strings(_FORUM, cat("forum", "us").astype(np.int64)),
        "sektor": _strings(_SEKTOR_USULAN, cat("sektor", "us").astype(np.int64)),
        "uraian": pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([uraian], type=pa.string()))),
        "kode_kegiatan": _strings(_KEG_CODES, cat("keg", "us").astype(np.int64)),
        "perkiraan_biaya": _floats(cat("biaya", "us")),
        "status": _strings(_STATUS_USULAN, cat("status", "us").astype(np.int64)),
        "anggaran_disetujui": _floats(cat("setuju", "us").astype(float)),
    })
    return {"wilayah": wil.copy(), "layanan": layanan, "apbdes": apbdes, "status_desa": status, "usulan": usulan}


def generate(seed: int | None = None, provinsi: Iterable[str] | str | None = None,
             kabupaten: Iterable[str] | str | None = None, tahun: Iterable[int] | int | None = None,
             parameters: DemoParameters | None = None) -> dict[str, pd.DataFrame]:
    """The five canonical demo tables (see :func:`generate_demo`)."""
    return generate_demo(seed, provinsi, kabupaten, tahun, parameters).tables


def manifest(seed: int | None = None, provinsi: Iterable[str] | str | None = None,
             kabupaten: Iterable[str] | str | None = None, tahun: Iterable[int] | int | None = None,
             parameters: DemoParameters | None = None) -> pd.DataFrame:
    """The planted data-quality problems of the same request (columns :data:`MANIFEST_COLUMNS`)."""
    return generate_demo(seed, provinsi, kabupaten, tahun, parameters).manifest


# ---------------------------------------------------------------------------------------
# I/O


@dataclass(frozen=True)
class DemoStoreOutcome:
    """What :func:`build_demo_store` did."""

    diperbarui: bool  # False: the store was already up to date, nothing written
    folder: Path
    meta: dict[str, object]
    jumlah_baris: dict[str, int]
    jumlah_masalah: int


def _same_request(stored: Mapping[str, object], wanted: Mapping[str, object]) -> bool:
    keys = ("simulasi", "sumber", "seed", "provinsi", "kabupaten", "tahun", "versi_generator", "parameter_demo")
    return all(stored.get(k) == wanted.get(k) for k in keys)


def build_demo_store(data_dir: str | os.PathLike[str] | None = None, *, seed: int | None = None,
                     provinsi: Iterable[str] | str | None = None, kabupaten: Iterable[str] | str | None = None,
                     tahun: Iterable[int] | int | None = None, paksa: bool = False,
                     parameters: DemoParameters | None = None) -> DemoStoreOutcome:
    """Generate the demo data and save it as the store under ``data_dir`` (idempotent).

    When the store already holds demo data made from the same request, the same
    parameters and the same generator version, nothing is written (unless ``paksa``).
    The manifest of planted problems goes to ``processed/masalah_simulasi.csv``.
    """

    prm = parameters or _default_parameters()
    provs, kabs = resolve_selection(provinsi, kabupaten, prm)
    years = _resolve_years(tahun, prm)
    seed_ = prm.seed if seed is None else int(seed)
    wanted = demo_meta(seed_, provs, kabs, years, prm)
    folder = processed_dir(data_dir)
    if not paksa and store.store_exists(data_dir) and (folder / MANIFEST_FILE).exists():
        current = store.read_meta(data_dir)
        if _same_request(current, wanted):
            return DemoStoreOutcome(False, folder, current, {}, 0)
    result = generate_demo(seed_, provs, kabs, years, prm)
    meta = store.save_dataset(result.tables, data_dir, meta=result.meta)
    store.save_side_table(result.manifest, MANIFEST_FILE, data_dir)
    return DemoStoreOutcome(True, folder, meta, {k: len(v) for k, v in result.tables.items()}, len(result.manifest))


def read_manifest(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The manifest of planted problems saved with a demo store (empty when the store is not a demo)."""
    df = store.read_side_table(MANIFEST_FILE, data_dir)
    if df is None:
        return _manifest_frame([])
    return df.astype({"tahun": "Int64"})[list(MANIFEST_COLUMNS)]
