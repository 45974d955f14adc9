"""Every file of ``parameters/``, read through one validated loader (pydantic).

Each file has a model here; :func:`load` reads a file, validates it and keeps
the result until the file changes. The cache key is the file's path and a hash
of its bytes, so an edited file is noticed on the next call (a running
dashboard never uses a stale mapping) and an unchanged one is parsed once.
``P3PD_PARAMETERS_DIR`` points the kit at another parameters folder
(:func:`p3pd_lib.paths.parameters_dir`).

Errors are :class:`~p3pd_lib.errors.ParameterError` in Bahasa Indonesia naming
the file, the entry or row and the field at fault.

Files and their loaders:

======================== ============================== =====================================
file                     loader                         returns
======================== ============================== =====================================
indikator.yaml           :func:`load_indicator_file`    :class:`IndicatorFile`
klasifikasi.yaml         :func:`load_classification`    :class:`ClassificationFile`
agenda.yaml              :func:`load_agenda`            :class:`AgendaFile`
usulan.yaml              :func:`load_usulan`            :class:`UsulanFile`
kualitas.yaml            :func:`load_quality`           :class:`QualityFile`
pemetaan_apbdes.csv      :func:`load_mapping`           DataFrame (one row per code prefix)
kata_kunci_apbdes.csv    :func:`load_keyword_rules`     DataFrame (one row per keyword rule)
aturan_dana_desa.csv     :func:`load_dana_desa_rules`   DataFrame (one row per rule and year)
======================== ============================== =====================================

>>> f = load_indicator_file()
>>> f.indikator[0].id, f.indikator[0].satuan, f.kolom["balita_stunting"].label
('KES01', 'persen', 'Balita stunting (anak)')
>>> load_classification().lampu_lalu_lintas.pita_kuning_naik
10.0
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from io import StringIO
from pathlib import Path
from typing import Any, Literal, Optional

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from . import paths
from .errors import ParameterError

SEKTOR_LAYANAN = ("PEND", "KES", "AIR", "SOS", "ADM")
KELOMPOK = ("layanan_dasar", "personel", "operasional", "infrastruktur", "ekonomi", "pembinaan", "bencana", "lainnya")
TAG = ("sourced", "proposed")
BASIS_ATURAN = ("dana_desa", "total_belanja")
_KODE_PREFIX = re.compile(r"^\d{2}(\.\d{2}(\.\d{1,2})?)?$")
_COLUMN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_KEY_COLUMNS = ("kode_desa", "tahun")

Tag = Literal["sourced", "proposed"]
Kelas = Literal["hijau", "kuning", "merah", "abu"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- indikator.yaml


class CountColumn(_Model):
    """One count column of the ``layanan`` table (label in templates and the data dictionary)."""

    label: str = Field(min_length=1)
    keterangan: str = ""


class Indicator(_Model):
    """One basic-service indicator: ``pembilang × faktor / penyebut``."""

    id: str = Field(pattern=r"^[A-Z]{2,5}\d{2}$")
    sektor: str
    nama: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    pembilang: str = Field(pattern=_COLUMN_NAME.pattern)
    penyebut: str = Field(pattern=_COLUMN_NAME.pattern)
    faktor: float = Field(default=100.0, gt=0)
    satuan: str = "persen"
    arah: Literal["higher", "lower"]
    target: Optional[float] = None
    sumber_target: Optional[str] = None
    tag_target: Optional[Tag] = None
    min_penyebut: Optional[int] = Field(default=None, ge=1)
    keterangan: Optional[str] = None

    @model_validator(mode="after")
    def _target_has_source(self) -> "Indicator":
        if self.pembilang == self.penyebut:
            raise ValueError("'pembilang' dan 'penyebut' tidak boleh kolom yang sama")
        if self.target is None:
            if self.tag_target is not None:
                raise ValueError("'tag_target' hanya boleh diisi bila ada target")
            return self
        if not 0 <= self.target <= self.faktor:
            raise ValueError(f"'target' ({self.target:g}) harus di antara 0 dan {self.faktor:g}")
        if not (self.sumber_target or "").strip():
            raise ValueError("'sumber_target' wajib diisi bila ada target (setiap target harus menyebut sumbernya)")
        if self.tag_target is None:
            raise ValueError("'tag_target' wajib 'sourced' (dari sumber resmi) atau 'proposed' (usulan kit) bila ada target")
        return self


class IndicatorFile(_Model):
    """``parameters/indikator.yaml``: sectors, count columns and indicators."""

    sektor: dict[str, str]
    kolom: dict[str, CountColumn]
    indikator: list[Indicator] = Field(min_length=1)

    @field_validator("sektor")
    @classmethod
    def _known_sectors(cls, v: dict[str, str]) -> dict[str, str]:
        bad = [k for k in v if k not in SEKTOR_LAYANAN]
        if bad:
            raise ValueError(f"sektor '{', '.join(bad)}' tidak dikenal; harus salah satu dari {', '.join(SEKTOR_LAYANAN)}")
        return v

    @field_validator("kolom")
    @classmethod
    def _column_names(cls, v: dict[str, CountColumn]) -> dict[str, CountColumn]:
        bad = [k for k in v if not _COLUMN_NAME.match(k) or k in _KEY_COLUMNS]
        if bad:
            raise ValueError(f"nama kolom {', '.join(bad)} tidak sah (huruf kecil, angka, garis bawah; bukan kode_desa/tahun)")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "IndicatorFile":
        seen: set[str] = set()
        for ind in self.indikator:
            if ind.id in seen:
                raise ValueError(f"indikator {ind.id}: isian 'id' ganda (muncul lebih dari sekali)")
            seen.add(ind.id)
            if ind.sektor not in self.sektor:
                raise ValueError(f"indikator {ind.id}: sektor '{ind.sektor}' harus salah satu dari {', '.join(self.sektor)}")
            for role in ("pembilang", "penyebut"):
                col = getattr(ind, role)
                if col not in self.kolom:
                    raise ValueError(f"indikator {ind.id}: kolom {role} '{col}' belum dinyatakan di bagian 'kolom'")
        return self


# --------------------------------------------------------------------------- klasifikasi.yaml


class TrafficLight(_Model):
    pita_kuning_naik: float = Field(ge=0)
    pita_kuning_turun: float = Field(ge=0)
    tersil_min_desa: int = Field(ge=3)


class Stability(_Model):
    min_penyebut_bawaan: int = Field(ge=1)


class Cuts(_Model):
    sumber: str = ""
    batas: list[float] = Field(min_length=1)
    label: list[str]

    @field_validator("batas")
    @classmethod
    def _ordered(cls, v: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(v, v[1:])):
            raise ValueError("harus daftar angka yang naik")
        return v

    @field_validator("label")
    @classmethod
    def _one_more(cls, v: list[str], info: ValidationInfo) -> list[str]:
        n = len(info.data.get("batas") or []) + 1
        if len(v) != n:
            raise ValueError(f"harus berisi {n} nama kelas (satu lebih dari batas)")
        return v


class Scores(_Model):
    min_sektor_komposit: int = Field(ge=1, le=5)


class Trend(_Model):
    toleransi: float = Field(ge=0)


class Quadrant(_Model):
    aturan_pembagi: Literal["median", "rerata"]
    sama_dengan_pembagi: Literal["tinggi", "rendah"]


class SpendingQuality(_Model):
    kuantil_bel01: float = Field(ge=0, le=1)
    batas_bel07: float = Field(ge=0, le=100)


class ClassificationFile(_Model):
    """``parameters/klasifikasi.yaml``: bands, cut-offs and thresholds of the classifications."""

    lampu_lalu_lintas: TrafficLight
    stabilitas: Stability
    idm: Cuts
    ipd: Cuts
    skor: Scores
    tren: Trend
    kuadran: Quadrant
    belanja_berkualitas: SpendingQuality


# --------------------------------------------------------------------------- agenda.yaml, usulan.yaml


class AgendaFile(_Model):
    """``parameters/agenda.yaml``: who acts, which sub-bidang funds it, priority order."""

    penanggung_jawab: dict[str, str]
    sub_bidang_apbdes: dict[str, str]
    urutan_kuadran: list[str]
    kelas_masuk_agenda: list[Kelas] = Field(min_length=1)

    @model_validator(mode="after")
    def _rules_row(self) -> "AgendaFile":
        for part in ("penanggung_jawab", "sub_bidang_apbdes"):
            if "ATURAN" not in getattr(self, part):
                raise ValueError(f"'{part}' harus memuat ATURAN (baris aturan belanja)")
        return self


class UsulanAgenda(_Model):
    indikator: str = Field(min_length=1)
    penanggung_jawab: str = Field(min_length=1)
    tindakan: str = Field(min_length=1)


class UsulanFile(_Model):
    """``parameters/usulan.yaml``: which classes count as need, agenda rows of the demand side."""

    kelas_kebutuhan: list[Literal["hijau", "kuning", "merah"]] = Field(min_length=1)
    jenis_agenda: str = Field(min_length=1)
    agenda: dict[Literal["Kebutuhan belum tersuarakan", "Usulan belum terdanai"], UsulanAgenda]


# --------------------------------------------------------------------------- kualitas.yaml


class Completeness(_Model):
    porsi_peringatan: float = Field(default=0.80, ge=0, le=1)
    porsi_info: float = Field(default=0.95, ge=0, le=1)
    porsi_minimum_nilai_hilang: float = Field(default=0.50, ge=0, le=1)


class Outliers(_Model):
    pengali_mad: float = Field(default=6.0, ge=0)
    minimum_desa: int = Field(default=10, ge=0)
    selisih_minimum_persen: float = Field(default=40.0, ge=0)
    faktor_minimum_per_kapita: float = Field(default=3.0, ge=1)
    minimum_penduduk: int = Field(default=100, ge=0)


class Jumps(_Model):
    faktor: float = Field(default=3.0, gt=1)
    minimum_nilai: float = Field(default=30, ge=0)


class Budget(_Model):
    toleransi_rupiah: float = Field(default=1000, ge=0)
    toleransi_relatif: float = Field(default=0.001, ge=0)


class ExtraCheck(_Model):
    """A data-quality check declared as data: rows of ``tabel`` where ``syarat`` (a pandas query) holds."""

    aturan: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    tabel: Literal["layanan", "apbdes", "usulan", "status_desa"]
    kolom: str = Field(min_length=1)
    syarat: str = Field(min_length=1)
    tingkat: Literal["galat", "peringatan", "info"] = "peringatan"
    pesan: str = Field(min_length=1)


class QualityFile(_Model):
    """``parameters/kualitas.yaml``: thresholds of the data-quality checks."""

    kelengkapan: Completeness = Completeness()
    pencilan: Outliers = Outliers()
    lonjakan: Jumps = Jumps()
    anggaran: Budget = Budget()
    pemeriksaan_tambahan: list[ExtraCheck] = []

    @model_validator(mode="after")
    def _info_above_warning(self) -> "QualityFile":
        if self.kelengkapan.porsi_info < self.kelengkapan.porsi_peringatan:
            raise ValueError("kelengkapan: porsi_info tidak boleh lebih kecil dari porsi_peringatan")
        return self


# --------------------------------------------------------------------------- the CSV tables


def _blank_to_none(v: Any) -> Any:
    return None if isinstance(v, str) and not v.strip() else (v.strip() if isinstance(v, str) else v)


class _Row(_Model):
    @model_validator(mode="before")
    @classmethod
    def _strip(cls, data: Any) -> Any:
        return {k: _blank_to_none(v) for k, v in data.items()} if isinstance(data, dict) else data


def _is_prefix(v: str) -> str:
    if not _KODE_PREFIX.match(v):
        raise ValueError(f"kode {v!r} harus berbentuk BB, BB.SS, BB.SS.K atau BB.SS.KK")
    return v


class MappingRow(_Row):
    """One row of ``pemetaan_apbdes.csv``: a kegiatan code prefix and its sector/group."""

    kode: str
    sektor: Optional[Literal["PEND", "KES", "AIR", "SOS", "ADM"]] = None
    kelompok: Literal[KELOMPOK]  # type: ignore[valid-type]
    campuran: Literal["ya", "tidak"] = "tidak"
    penanda_dd: Optional[str] = None
    alasan: str
    sumber: Tag

    @field_validator("kode")
    @classmethod
    def _kode(cls, v: str) -> str:
        return _is_prefix(v)

    @field_validator("campuran", mode="before")
    @classmethod
    def _lower(cls, v: Any) -> Any:
        return "tidak" if v is None else str(v).lower()

    @model_validator(mode="after")
    def _sector_iff_basic(self) -> "MappingRow":
        if (self.kelompok == "layanan_dasar") != (self.sektor is not None):
            raise ValueError("sektor diisi jika dan hanya jika kelompok = layanan_dasar")
        return self


class KeywordRow(_Row):
    """One row of ``kata_kunci_apbdes.csv``: a keyword that sets a sector, group or earmark."""

    kata_kunci: str
    kode: str
    kecuali_kode: Optional[str] = None
    sektor: Optional[Literal["PEND", "KES", "AIR", "SOS", "ADM"]] = None
    kelompok: Optional[Literal[KELOMPOK]] = None  # type: ignore[valid-type]
    penanda_dd: Optional[str] = None
    alasan: str
    sumber: Tag
    teks: Literal["nama", "nama_uraian"] = "nama"  # where the keyword is looked for (optional column)

    @field_validator("teks", mode="before")
    @classmethod
    def _teks(cls, v: Any) -> Any:
        return "nama" if v is None else v

    @field_validator("kode")
    @classmethod
    def _kode(cls, v: str) -> str:
        return v if v == "*" else _is_prefix(v)

    @field_validator("kecuali_kode")
    @classmethod
    def _except(cls, v: Optional[str]) -> Optional[str]:
        for ex in (v or "").split(";"):
            if ex.strip() and not _KODE_PREFIX.match(ex.strip()):
                raise ValueError(f"kecuali_kode {ex.strip()!r} bukan awalan kode kegiatan (pisahkan dengan ';')")
        return v

    @model_validator(mode="after")
    def _does_something(self) -> "KeywordRow":
        if self.kelompok is None and self.sektor is not None:
            raise ValueError("sektor diisi tetapi kelompok kosong")
        if self.kelompok is not None and (self.kelompok == "layanan_dasar") != (self.sektor is not None):
            raise ValueError("sektor diisi jika dan hanya jika kelompok = layanan_dasar")
        if self.kelompok is None and self.penanda_dd is None:
            raise ValueError("aturan tidak mengubah apa pun (isi kelompok atau penanda_dd)")
        return self


class DanaDesaRuleRow(_Row):
    """One row of ``aturan_dana_desa.csv``: a bound (percent) of one rule in one year."""

    aturan: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    nama_aturan: Optional[str] = None
    tahun: int
    basis: Literal["dana_desa", "total_belanja"]
    batas_bawah: Optional[float] = Field(default=None, ge=0, le=100)
    batas_atas: Optional[float] = Field(default=None, ge=0, le=100)
    dasar_hukum: str
    tag: Tag
    catatan: Optional[str] = None

    @model_validator(mode="after")
    def _bounds(self) -> "DanaDesaRuleRow":
        if (self.aturan == "PERSONEL") != (self.basis == "total_belanja"):
            raise ValueError("hanya aturan PERSONEL yang berbasis total_belanja")
        if self.batas_bawah is None and self.batas_atas is None:
            raise ValueError("isi batas_bawah dan/atau batas_atas")
        if self.batas_bawah is not None and self.batas_atas is not None and self.batas_bawah > self.batas_atas:
            raise ValueError("batas_bawah lebih besar dari batas_atas")
        return self


#: What a spending indicator may divide: the sums of ``belanja.desa_year_sums`` and the population.
SPENDING_SUMS = ("layanan_dasar", "PEND", "KES", "AIR", "SOS", "ADM", *KELOMPOK[1:], "total_belanja", "realisasi_ld",
                 "anggaran_ld", "penduduk")


class SpendingIndicatorRow(_Row):
    """One row of ``indikator_belanja.csv``: a spending indicator as ``pembilang × faktor / penyebut``."""

    id: str = Field(pattern=r"^BEL\d{2}$")
    nama: str
    arah: Optional[Literal["higher", "lower"]] = None
    satuan: Literal["%", "Rp/jiwa"]
    pembilang: Literal[SPENDING_SUMS]  # type: ignore[valid-type]
    penyebut: Literal[SPENDING_SUMS]  # type: ignore[valid-type]
    faktor: float = Field(gt=0)
    keterangan: Optional[str] = None


# --------------------------------------------------------------------------- errors in Indonesian

_TYPE_MESSAGES = {
    "missing": "wajib diisi",
    "extra_forbidden": "isian tidak dikenal",
    "float_type": "harus angka",
    "float_parsing": "harus angka",
    "int_type": "harus bilangan bulat",
    "int_parsing": "harus bilangan bulat",
    "int_from_float": "harus bilangan bulat",
    "string_type": "harus teks",
    "dict_type": "harus berupa daftar isian (kunci: nilai)",
    "list_type": "harus berupa daftar",
    "model_type": "harus berupa daftar isian (kunci: nilai)",
    "too_short": "harus berupa daftar yang tidak kosong",
    "string_too_short": "tidak boleh kosong",
    "string_pattern_mismatch": "bentuknya tidak sah",
}


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind in ("value_error", "assertion_error"):
        return str(err["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"harus salah satu dari {err.get('ctx', {}).get('expected', '')}".replace(" or ", " atau ")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        ctx = err.get("ctx", {})
        sign = {"greater_than_equal": "≥", "less_than_equal": "≤", "greater_than": ">", "less_than": "<"}[kind]
        return f"harus {sign} {next(iter(ctx.values()), '')}"
    if kind == "string_pattern_mismatch" and err["loc"] and err["loc"][-1] == "id":
        return "harus berupa kode seperti KES01 (huruf besar lalu dua angka)"
    return _TYPE_MESSAGES.get(kind, str(err["msg"]))


def _where(loc: tuple, data: Any) -> str:
    """``('indikator', 3, 'target')`` → ``indikator KES04, isian 'target'``; ``('idm', 'batas')`` → ``isian 'idm.batas'``."""
    label, keys, node = "", [], data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            entry = node[key]
            ident = entry.get("id") if isinstance(entry, dict) else None
            valid = isinstance(ident, str) and re.match(r"^[A-Z]{2,5}\d{2}$", ident)
            label = f"{'.'.join(keys)} {ident}" if valid else f"entri ke-{key + 1}"
            keys, node = [], entry
            continue
        keys.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return ", ".join(p for p in (label, f"isian '{'.'.join(keys)}'" if keys else "") if p)


def raise_indonesian(file: Path, exc: ValidationError, data: Any, shown: str | None = None) -> None:
    """Raise a :class:`ParameterError` in Indonesian for ``exc`` (naming the entry, field and value)."""
    lines = []
    for err in exc.errors()[:10]:
        where = _where(tuple(err["loc"]), data)
        value = err.get("input")
        val = "" if err["type"] == "missing" or isinstance(value, (dict, list)) else f" (nilai: {value!r})"
        lines.append(f"{where}: {_message(err)}{val}" if where else f"{_message(err)}{val}")
    raise ParameterError(f"Berkas parameter {file.name}: " + "; ".join(lines) + f". [{shown or file}]") from None


# --------------------------------------------------------------------------- the loader

_YAML_MODELS: dict[str, type[_Model]] = {
    "indikator.yaml": IndicatorFile,
    "klasifikasi.yaml": ClassificationFile,
    "agenda.yaml": AgendaFile,
    "usulan.yaml": UsulanFile,
    "kualitas.yaml": QualityFile,
}
_CSV_MODELS: dict[str, type[_Row]] = {
    "pemetaan_apbdes.csv": MappingRow,
    "kata_kunci_apbdes.csv": KeywordRow,
    "aturan_dana_desa.csv": DanaDesaRuleRow,
    "indikator_belanja.csv": SpendingIndicatorRow,
}


def read_yaml(text: Any) -> Any:
    """YAML text (or an open text file) as Python data, like ``yaml.safe_load``.

    With libyaml's safe loader where PyYAML was built with it: the same data, about ten
    times faster (the indicator catalogue: ≈24 ms → 2 ms on every process's first read).

    >>> read_yaml("a: [1, 2]")
    {'a': [1, 2]}
    """
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _file(name: str, path: str | Path | None) -> Path:
    return Path(path) if path is not None else paths.parameter_file(name)


def load(name: str, path: str | Path | None = None) -> Any:
    """The validated content of parameter file ``name`` (default location, or ``path``).

    Cached on the file's path and the hash of its bytes: an edited file is read
    again at the next call, an unchanged one never. YAML files give their model;
    CSV files a DataFrame (a fresh copy per call, so callers may change it).

    >>> load("agenda.yaml").penanggung_jawab["KES"]
    'Puskesmas / UPT Kesehatan'
    """
    if name not in _YAML_MODELS and name not in _CSV_MODELS:
        raise ParameterError(f"Berkas parameter '{name}' tidak dikenal; yang dikenal: {', '.join([*_YAML_MODELS, *_CSV_MODELS])}.")
    file = _file(name, path)
    try:
        raw = file.read_bytes()
    except OSError:
        raise ParameterError(f"Berkas parameter {name} tidak ditemukan atau tidak dapat dibaca: {file}") from None
    result = _parse(name, str(file), hashlib.sha256(raw).hexdigest(), raw)
    return result.copy() if isinstance(result, pd.DataFrame) else result


@lru_cache(maxsize=64)
def _parse(name: str, file: str, digest: str, raw: bytes) -> Any:
    path = Path(file)
    text = raw.decode("utf-8-sig")
    if name in _YAML_MODELS:
        try:
            data = read_yaml(text)
        except yaml.YAMLError as exc:
            raise ParameterError(f"Berkas parameter {path.name} bukan YAML yang sah: {exc}") from None
        try:
            return _YAML_MODELS[name].model_validate(data if data is not None else {})
        except ValidationError as exc:
            raise_indonesian(path, exc, data)
    frame = pd.read_csv(StringIO(text), dtype="string", keep_default_na=False, na_values=[""])
    return validate_rows(name, frame, f"Berkas parameter {path.name}", f" [{path}]")


def validate_rows(name: str, frame: pd.DataFrame, where: str, suffix: str = "") -> pd.DataFrame:
    """The rows of the table of CSV parameter file ``name`` checked by its row model, typed.

    A :class:`ParameterError` starts with ``where`` and names the spreadsheet row, column, value and the row's first
    field (a ``kode`` or ``aturan``); ``suffix`` ends it.
    """
    model = _CSV_MODELS[name]
    first = next(iter(model.model_fields))
    missing = [c for c in model.model_fields if c not in frame.columns and model.model_fields[c].is_required()]
    if missing:
        raise ParameterError(f"{where}: kolom {', '.join(missing)} tidak ada.{suffix}")
    rows = []
    for i, rec in enumerate(frame[[c for c in model.model_fields if c in frame.columns]].to_dict("records")):
        rec = {k: (None if pd.isna(v) else v) for k, v in rec.items()}
        try:
            rows.append(model.model_validate(rec).model_dump())
        except ValidationError as exc:
            err = exc.errors()[0]
            col = ", ".join(str(x) for x in err["loc"]) or "baris"
            value = rec.get(err["loc"][0]) if err["loc"] else None
            raise ParameterError(
                f"{where}, baris {i + 2}, kolom {col}" + (f" (nilai {value!r})" if value is not None else "")
                + f", {first} {rec.get(first)!r}: {_message(err)}.{suffix}"
            ) from None
    out = pd.DataFrame(rows, columns=list(model.model_fields))
    key = {"pemetaan_apbdes.csv": ["kode"], "aturan_dana_desa.csv": ["aturan", "tahun"],
           "indikator_belanja.csv": ["id"]}.get(name)
    if key:
        dup = out.duplicated(key, keep="first")
        if dup.any():
            i = int(dup.to_numpy().nonzero()[0][0])
            raise ParameterError(f"{where}, baris {i + 2}: {' dan '.join(key)} yang sama "
                                 f"muncul lebih dari sekali.{suffix}")
    return _typed(name, out)


def _typed(name: str, out: pd.DataFrame) -> pd.DataFrame:
    if name == "aturan_dana_desa.csv":
        return out.astype({"tahun": "Int64", "batas_bawah": "Float64", "batas_atas": "Float64"}).astype(
            {c: "string" for c in ("aturan", "nama_aturan", "basis", "dasar_hukum", "tag", "catatan")})
    if name == "indikator_belanja.csv":
        return out.astype({c: "string" for c in out.columns if c != "faktor"} | {"faktor": "Float64"})
    return out.astype("string")


def clear_cache() -> None:
    """Forget every parsed file (the next call reads the files again)."""
    _parse.cache_clear()


# --------------------------------------------------------------------------- one function per file


def load_indicator_file(path: str | Path | None = None) -> IndicatorFile:
    """``indikator.yaml``, validated (see :class:`IndicatorFile`)."""
    return load("indikator.yaml", path)


def load_classification(path: str | Path | None = None) -> ClassificationFile:
    """``klasifikasi.yaml``, validated (see :class:`ClassificationFile`)."""
    return load("klasifikasi.yaml", path)


def load_agenda(path: str | Path | None = None) -> AgendaFile:
    """``agenda.yaml``, validated (see :class:`AgendaFile`)."""
    return load("agenda.yaml", path)


def load_usulan(path: str | Path | None = None) -> UsulanFile:
    """``usulan.yaml``, validated (see :class:`UsulanFile`)."""
    return load("usulan.yaml", path)


def load_quality(path: str | Path | None = None) -> QualityFile:
    """``kualitas.yaml``, validated (see :class:`QualityFile`); absent sections keep their defaults."""
    return load("kualitas.yaml", path)


def load_mapping(path: str | Path | None = None) -> pd.DataFrame:
    """``pemetaan_apbdes.csv``: one row per kegiatan code prefix (``kode, sektor, kelompok, campuran,
    penanda_dd, alasan, sumber``; text columns, blanks as ``<NA>``).

    >>> load_mapping().set_index("kode").loc["01.01.03", ["sektor", "kelompok"]].tolist()
    [<NA>, 'operasional']
    """
    return load("pemetaan_apbdes.csv", path)


def load_keyword_rules(path: str | Path | None = None) -> pd.DataFrame:
    """``kata_kunci_apbdes.csv``: one row per keyword rule (``kata_kunci, kode, kecuali_kode, sektor,
    kelompok, penanda_dd, alasan, sumber``)."""
    return load("kata_kunci_apbdes.csv", path)


def load_dana_desa_rules(path: str | Path | None = None) -> pd.DataFrame:
    """``aturan_dana_desa.csv``: bounds in percent per rule and year (``tahun`` Int64, bounds Float64).

    >>> r = load_dana_desa_rules()
    >>> r[(r["aturan"] == "BLT") & (r["tahun"] == 2023)][["batas_bawah", "batas_atas"]].values.tolist()
    [[10.0, 25.0]]
    """
    return load("aturan_dana_desa.csv", path)


def load_spending_indicators(path: str | Path | None = None) -> pd.DataFrame:
    """``indikator_belanja.csv``: BEL01–BEL10 as ``pembilang × faktor / penyebut`` over the desa-year sums.

    >>> load_spending_indicators().set_index("id").loc["BEL10", ["pembilang", "penyebut", "satuan"]].tolist()
    ['layanan_dasar', 'penduduk', 'Rp/jiwa']
    """
    return load("indikator_belanja.csv", path)


def fingerprint() -> str:
    """A short hash of every parameter file's bytes: changes whenever one of them is edited.

    Caches of computed results key on it, so an edited mapping or band is never served stale.

    >>> len(fingerprint())
    12
    """
    h = hashlib.sha256()
    for name in [*_YAML_MODELS, *_CSV_MODELS]:
        file = paths.parameter_file(name)
        h.update(name.encode())
        h.update(file.read_bytes() if file.exists() else b"")
    return h.hexdigest()[:12]
