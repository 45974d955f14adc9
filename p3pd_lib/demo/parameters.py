"""Demo calibration: region-level constants and the parameters of ``parameters/demo.yaml``."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ..errors import ParameterError
from ..parameter_files import load_indicator_file, read_yaml
from ..paths import parameter_file
from ..schemas import empty_frame


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
IND_IDS = tuple(i[0] for i in INDIKATOR_LAYANAN)
COUNT_COLS: tuple[str, ...] = tuple(c for c in empty_frame("layanan").columns if c not in ("kode_desa", "tahun"))
COL_POS = {c: i for i, c in enumerate(COUNT_COLS)}
GROUPS = ("balita", "bayi", "ibu_hamil", "baduta", "anak_5_6", "anak_7_15", "anak_0_17", "wajib_ktp")
# Planted numerator > denominator only on high-coverage indicators, so the planted
# value stays close to last year's (no side-effect year-on-year jump).
PEMBILANG_PLANT = ("KES03", "KES04", "KES06", "AIR01", "ADM01", "ADM03")
# Planted outliers only on denominators, so no numerator exceeds its denominator.
PENCILAN_PLANT = ("balita_diukur", "bayi_sasaran", "ibu_hamil", "anak_5_6", "anak_7_15")
CUTS_IDM = (0.4907, 0.5989, 0.7072, 0.8155)
STATUS_IDM = ("Sangat Tertinggal", "Tertinggal", "Berkembang", "Maju", "Mandiri")

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
    def province_value(cls, v):  # noqa: ANN001, ANN206 - pydantic hook
        return _need_bawaan(v)

    @field_validator("proporsi")
    @classmethod
    def _groups(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for prov, shares in v.items():
            if set(shares) != set(GROUPS):
                raise ValueError(f"proporsi '{prov}' harus memuat tepat: {', '.join(GROUPS)}")
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
        if set(v) != set(IND_IDS):
            raise ValueError(f"indikator harus memuat tepat: {', '.join(IND_IDS)}")
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
    def province_value(cls, v):  # noqa: ANN001, ANN206 - pydantic hook
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
        raw = read_yaml(file.read_text(encoding="utf-8"))
        return DemoParameters.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise ParameterError(f"Parameter data simulasi di '{file}' tidak valid: {exc}") from None


@lru_cache(maxsize=1)
def default_parameters() -> DemoParameters:
    return load_parameters()


def province_value(mapping: Mapping[str, object], prov: str):  # noqa: ANN202 - small helper
    return mapping.get(prov, mapping["bawaan"])
