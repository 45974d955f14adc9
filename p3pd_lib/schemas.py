"""Declared schemas of the kit's canonical tables (DOMAIN.md §4a).

The tables are a contract: users fill templates that follow them, the importer
validates against them and the store saves them. Each table is declared once
here, as plain data (:class:`Column`, :class:`TableSchema`), from which the
pandera schema, the empty frame, the dtype coercion and the Indonesian labels of
templates are all derived.

Keys are *logical* keys. The store does not refuse duplicates (real files have
them and they must be reported, not dropped): :mod:`p3pd_lib.quality` reports
them and the importer rejects them inside one submitted file.

>>> sorted(TABLES)
['apbdes', 'layanan', 'status_desa', 'usulan', 'wilayah']
>>> layanan_schema().column("balita_stunting").dtype
'Int64'
>>> list(empty_frame("status_desa").columns)[:3]
['kode_desa', 'tahun', 'iks']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from .errors import DataError

KODE_DESA_PATTERN = r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"
KODE_KECAMATAN_PATTERN = r"^\d{2}\.\d{2}\.\d{2}$"
KODE_KABUPATEN_PATTERN = r"^\d{2}\.\d{2}$"
KODE_PROVINSI_PATTERN = r"^\d{2}$"
KODE_KEGIATAN_PATTERN = r"^\d{2}\.\d{2}\.\d{2}$"
KODE_REKENING_PATTERN = r"^[456](\.\d+){2,3}$"

SUMBER_DANA = ("DDS", "ADD", "PAD", "PBH", "PBP", "PBK", "DLL", "SILPA")
JENIS_DESA = ("desa", "kelurahan")
SEKTOR_LAYANAN = ("PEND", "KES", "AIR", "SOS", "ADM")
SEKTOR_USULAN = (*SEKTOR_LAYANAN, "LAIN")
FORUM_USULAN = ("musdus", "musdes", "rkpdes", "lainnya")
STATUS_USULAN = ("didanai_apbdes", "didanai_pihak_lain", "belum_didanai", "ditolak")
STATUS_IDM = ("Sangat Tertinggal", "Tertinggal", "Berkembang", "Maju", "Mandiri")
TAHUN_MIN, TAHUN_MAX = 2015, 2035


@dataclass(frozen=True)
class Column:
    """One declared column.

    ``dtype`` is a pandas nullable dtype name (``string``, ``Int64``,
    ``Float64``). ``label`` is the Indonesian header (with unit) used in
    templates and displays; ``description`` explains the column to a user.
    """

    name: str
    dtype: str
    label: str
    description: str
    nullable: bool = True
    allowed: tuple[str, ...] | None = None
    min_value: float | None = None
    max_value: float | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class TableSchema:
    """A canonical table: ordered columns, a logical key and a description."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    @property
    def names(self) -> list[str]:
        """Column names in declared order."""
        return [c.name for c in self.columns]

    @property
    def dtypes(self) -> dict[str, str]:
        """Mapping column → pandas dtype name."""
        return {c.name: c.dtype for c in self.columns}

    @property
    def labels(self) -> dict[str, str]:
        """Mapping column → Indonesian label."""
        return {c.name: c.label for c in self.columns}

    def column(self, name: str) -> Column:
        """The declared column called ``name`` (KeyError in Indonesian otherwise)."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"Kolom '{name}' tidak dikenal pada tabel '{self.name}'.") from None


def _count(name: str, label: str, description: str) -> Column:
    return Column(name, "Int64", label, description, min_value=0)


def _rupiah(name: str, label: str, description: str, nullable: bool = True) -> Column:
    return Column(name, "Float64", label, description, nullable=nullable)


_KODE_DESA = Column(
    "kode_desa", "string", "Kode desa/kelurahan (Kemendagri)",
    "Kode wilayah Kemendagri 10 digit dengan titik, mis. 11.01.01.2001.",
    nullable=False, pattern=KODE_DESA_PATTERN,
)
_TAHUN = Column(
    "tahun", "Int64", "Tahun anggaran", "Tahun anggaran (Januari–Desember).",
    nullable=False, min_value=TAHUN_MIN, max_value=TAHUN_MAX,
)

WILAYAH = TableSchema(
    name="wilayah",
    description="Daftar resmi desa/kelurahan beserta kecamatan, kabupaten/kota dan provinsinya "
    "(Kepmendagri 300.2.2-2138/2025).",
    key=("kode_desa",),
    columns=(
        _KODE_DESA,
        Column("nama_desa", "string", "Nama desa/kelurahan", "Nama resmi desa/kelurahan.", nullable=False),
        Column("jenis", "string", "Jenis", "desa atau kelurahan (hanya desa yang memiliki APBDes).",
               nullable=False, allowed=JENIS_DESA),
        Column("kode_kecamatan", "string", "Kode kecamatan", "Kode kecamatan, mis. 11.01.01.",
               nullable=False, pattern=KODE_KECAMATAN_PATTERN),
        Column("nama_kecamatan", "string", "Nama kecamatan", "Nama resmi kecamatan.", nullable=False),
        Column("kode_kabupaten", "string", "Kode kabupaten/kota", "Kode kabupaten/kota, mis. 11.01.",
               nullable=False, pattern=KODE_KABUPATEN_PATTERN),
        Column("nama_kabupaten", "string", "Nama kabupaten/kota", "Nama resmi kabupaten/kota.", nullable=False),
        Column("kode_provinsi", "string", "Kode provinsi", "Kode provinsi, mis. 11.",
               nullable=False, pattern=KODE_PROVINSI_PATTERN),
        Column("nama_provinsi", "string", "Nama provinsi", "Nama resmi provinsi.", nullable=False),
    ),
)

def layanan_schema() -> TableSchema:
    """The ``layanan`` table: the key and every count column declared in ``parameters/indikator.yaml``.

    Follows the catalogue: an indicator added there on new count columns adds
    them here (and so to the templates, the importer and the store).

    >>> layanan_schema().names[:3]
    ['kode_desa', 'tahun', 'penduduk']
    """
    from .parameter_files import load_indicator_file  # the parameter loader imports nothing from here

    kolom = tuple((name, c.label, c.keterangan) for name, c in load_indicator_file().kolom.items())
    return _layanan(kolom)


@lru_cache(maxsize=8)
def _layanan(kolom: tuple[tuple[str, str, str], ...]) -> TableSchema:
    return TableSchema(
        name="layanan",
        description="Cakupan layanan dasar per desa dan tahun: pembilang dan penyebut setiap indikator. "
        "Sel kosong berarti tidak dilaporkan (bukan nol).",
        key=("kode_desa", "tahun"),
        columns=(_KODE_DESA, _TAHUN, *(_count(n, lab, d) for n, lab, d in kolom)),
    )


APBDES = TableSchema(
    name="apbdes",
    description="Baris APBDes (pendapatan, belanja, pembiayaan) per desa dan tahun, Permendagri 20/2018.",
    key=("kode_desa", "tahun", "kode_kegiatan", "kode_rekening", "sumber_dana", "uraian"),
    columns=(
        _KODE_DESA,
        _TAHUN,
        Column("kode_kegiatan", "string", "Kode kegiatan (BB.SS.KK)",
               "Kode bidang.sub-bidang.kegiatan; kosong untuk pendapatan dan pembiayaan.",
               pattern=KODE_KEGIATAN_PATTERN),
        Column("nama_kegiatan", "string", "Nama kegiatan", "Nama kegiatan sesuai APBDes."),
        Column("kode_rekening", "string", "Kode rekening", "Kode rekening, mis. 5.1.1.01, 4.2.1.01, 6.1.1.01.",
               nullable=False, pattern=KODE_REKENING_PATTERN),
        Column("uraian", "string", "Uraian", "Uraian baris anggaran."),
        Column("sumber_dana", "string", "Sumber dana", "DDS, ADD, PAD, PBH, PBP, PBK, DLL atau SILPA.",
               allowed=SUMBER_DANA),
        _rupiah("anggaran", "Anggaran akhir (Rp)", "Anggaran setelah perubahan (Rupiah).", nullable=False),
        _rupiah("realisasi", "Realisasi (Rp)", "Realisasi (Rupiah); kosong bila belum diketahui."),
    ),
)

STATUS_DESA = TableSchema(
    name="status_desa",
    description="Indeks dan status desa (IDM dan Indeks Desa) per desa dan tahun.",
    key=("kode_desa", "tahun"),
    columns=(
        _KODE_DESA,
        _TAHUN,
        Column("iks", "Float64", "IKS (0–1)", "Indeks Ketahanan Sosial.", min_value=0, max_value=1),
        Column("ike", "Float64", "IKE (0–1)", "Indeks Ketahanan Ekonomi.", min_value=0, max_value=1),
        Column("ikl", "Float64", "IKL (0–1)", "Indeks Ketahanan Ekologi/Lingkungan.", min_value=0, max_value=1),
        Column("idm", "Float64", "IDM (0–1)", "Indeks Desa Membangun = (IKS + IKE + IKL) / 3.", min_value=0, max_value=1),
        Column("status_idm", "string", "Status IDM", "Status IDM resmi sebagaimana diterbitkan.", allowed=STATUS_IDM),
        Column("status_indeks_desa", "string", "Status Indeks Desa",
               "Status Indeks Desa resmi (sejak 2024) sebagaimana diterbitkan; boleh kosong.", allowed=STATUS_IDM),
    ),
)

USULAN = TableSchema(
    name="usulan",
    description="Usulan masyarakat dari musyawarah dusun/desa dan RKPDes, satu baris per usulan.",
    key=("kode_desa", "tahun", "forum", "uraian"),
    columns=(
        _KODE_DESA,
        Column("tahun", "Int64", "Tahun anggaran yang diminta", "Tahun anggaran yang diminta oleh usulan.",
               nullable=False, min_value=TAHUN_MIN, max_value=TAHUN_MAX),
        Column("forum", "string", "Forum", "musdus, musdes, rkpdes atau lainnya.", nullable=False, allowed=FORUM_USULAN),
        Column("sektor", "string", "Sektor", "PEND, KES, AIR, SOS, ADM atau LAIN.", nullable=False, allowed=SEKTOR_USULAN),
        Column("uraian", "string", "Uraian usulan", "Uraian singkat usulan.", nullable=False),
        Column("kode_kegiatan", "string", "Kode kegiatan (bila diketahui)", "Kode kegiatan APBDes BB.SS.KK.",
               pattern=KODE_KEGIATAN_PATTERN),
        _rupiah("perkiraan_biaya", "Perkiraan biaya (Rp)", "Perkiraan biaya usulan (Rupiah)."),
        Column("status", "string", "Status", "didanai_apbdes, didanai_pihak_lain, belum_didanai atau ditolak.",
               nullable=False, allowed=STATUS_USULAN),
        _rupiah("anggaran_disetujui", "Anggaran disetujui (Rp)", "Anggaran yang disetujui; kosong bila tidak didanai."),
    ),
)

class _Tables(Mapping[str, TableSchema]):
    """The canonical tables by name; ``layanan`` is read from the catalogue at each lookup."""

    _fixed = {t.name: t for t in (WILAYAH, APBDES, STATUS_DESA, USULAN)}
    _order = ("wilayah", "layanan", "apbdes", "status_desa", "usulan")

    def __getitem__(self, name: str) -> TableSchema:
        return layanan_schema() if name == "layanan" else self._fixed[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


TABLES: Mapping[str, TableSchema] = _Tables()


def __getattr__(name: str) -> Any:
    # ``LAYANAN`` is computed from the catalogue when asked for (PEP 562), so it follows edits.
    if name == "LAYANAN":
        return layanan_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
#: Tables that every store must hold; ``usulan`` may be absent (then empty).
REQUIRED_TABLES: tuple[str, ...] = ("wilayah", "layanan", "apbdes", "status_desa")


class SchemaValidationError(DataError):
    """A table does not follow its declared schema; the message is in Bahasa Indonesia."""

    def __init__(self, table: str, problems: list[str]):
        self.table = table
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  … dan {len(problems) - 20} masalah lain" if len(problems) > 20 else ""
        super().__init__(f"Tabel '{table}' tidak sesuai skema:\n{shown}{more}")


def get_schema(table: str) -> TableSchema:
    """The schema of ``table``; a clear Indonesian error for an unknown name."""
    try:
        return TABLES[table]
    except KeyError:
        raise ValueError(
            f"Tabel '{table}' tidak dikenal. Tabel yang dikenal: {', '.join(sorted(TABLES))}."
        ) from None


def empty_frame(table: str) -> pd.DataFrame:
    """An empty DataFrame with the declared columns and dtypes."""
    schema = get_schema(table)
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in schema.columns})


def coerce(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """A copy of ``df`` with the declared columns, in declared order and dtypes.

    Missing optional columns are added as all-missing; extra columns are dropped.
    Raises :class:`SchemaValidationError` when a value cannot be converted.

    >>> coerce(pd.DataFrame({"kode_desa": ["11.01.01.2001"], "tahun": [2024]}), "layanan")["penduduk"].isna().all()
    np.True_
    """
    schema = get_schema(table)
    out: dict[str, Any] = {}
    problems: list[str] = []
    n = len(df)
    for col in schema.columns:
        if col.name not in df.columns:
            out[col.name] = pd.Series(pd.array([pd.NA] * n, dtype=col.dtype), index=df.index)
            continue
        try:
            out[col.name] = df[col.name].astype(col.dtype)
        except (TypeError, ValueError) as exc:
            problems.append(f"kolom '{col.name}' tidak dapat diubah ke tipe {col.dtype}: {exc}")
    if problems:
        raise SchemaValidationError(table, problems)
    return pd.DataFrame(out, index=df.index)


def _pandera_schema(schema: TableSchema):  # -> pandera.pandas.DataFrameSchema
    import pandera.pandas as pa  # imported lazily: ~0.4 s, only needed at the boundary

    columns = {}
    for c in schema.columns:
        checks = []
        if c.allowed is not None:
            checks.append(pa.Check.isin(list(c.allowed)))
        if c.min_value is not None:
            checks.append(pa.Check.ge(c.min_value))
        if c.max_value is not None:
            checks.append(pa.Check.le(c.max_value))
        if c.pattern is not None:
            checks.append(pa.Check.str_matches(c.pattern))
        columns[c.name] = pa.Column(c.dtype, checks=checks, nullable=c.nullable, required=True)
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name=schema.name)


_PANDERA_CACHE: dict[tuple, Any] = {}


def validate(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Check ``df`` against the declared schema and return it unchanged.

    Raises :class:`SchemaValidationError` listing, in Bahasa Indonesia, every
    failing column, rule and (up to a few) offending values with their row.
    Uniqueness of the logical key is *not* enforced here (see module doc).
    """
    import pandera.errors as pe

    schema = get_schema(table)
    key = (table, tuple(schema.names))
    if key not in _PANDERA_CACHE:
        _PANDERA_CACHE[key] = _pandera_schema(schema)
    try:
        _PANDERA_CACHE[key].validate(df, lazy=True)
    except pe.SchemaErrors as exc:
        cases = exc.failure_cases
        problems = []
        for (column, check), grp in cases.groupby(["column", "check"], dropna=False, sort=False):
            sample = ", ".join(
                f"baris {idx}: {val!r}" for idx, val in zip(grp["index"].head(3), grp["failure_case"].head(3))
            )
            problems.append(f"kolom '{column}', aturan '{check}' dilanggar ({len(grp)} nilai; {sample})")
        raise SchemaValidationError(table, problems) from None
    return df
