"""Indonesian display labels for every code and enumeration the kit shows.

Every user surface shows names, not codes: a code may stand beside its name,
never alone. The labels come from the parameters (data, editable):
``parameters/indikator.yaml`` (sector names, full indicator names),
``parameters/aturan_dana_desa.csv`` (fiscal-rule names) and
``parameters/label.yaml`` (short indicator names, spending-indicator names and
every enumeration: arah, jenis target, kelas, kuadran, tren, …).

>>> nama_indikator("KES01")
'Prevalensi stunting balita'
>>> nama_indikator("KES01", singkat=True), dengan_kode("KES01")
('Stunting', 'Prevalensi stunting balita (KES01)')
>>> label("arah", "lower"), label("kuadran", "prioritas"), ya_tidak(True), ya_tidak(None)
('Makin rendah makin baik', 'Prioritas: realokasi belanja', 'Ya', '–')
>>> nama_aturan("KETAHANAN_PANGAN"), nama_sektor("AIR")
('Ketahanan pangan dan hewani', 'Air bersih & Sanitasi')
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache
from typing import Any, Mapping

import pandas as pd

from .parameter_files import read_yaml
from .paths import parameter_file

#: Text shown for a missing value (with a reason where one is known).
KOSONG = "–"

#: The enumerations of ``parameters/label.yaml`` that :func:`label` accepts.
ENUMERASI = (
    "arah", "tag_target", "kelas", "simbol_kelas", "kuadran", "tren", "simbol_tren", "tingkat_wilayah",
    "tingkat_temuan", "aturan_temuan", "kelompok_belanja", "jenis_agenda", "status_usulan", "forum", "jenis_wilayah", "metode",
    "sektor_singkat", "basis",
)


def is_missing(v: Any) -> bool:
    """True for None, ``pd.NA``, ``NaT`` and NaN.

    >>> is_missing(float("nan")), is_missing(pd.NA), is_missing(0)
    (True, True, False)
    """
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return isinstance(v, float) and math.isnan(v)
    except TypeError:  # pragma: no cover - defensive
        return False


@lru_cache(maxsize=1)
def _tables() -> dict[str, Any]:
    with open(parameter_file("label.yaml"), encoding="utf-8") as f:
        data: dict[str, Any] = read_yaml(f) or {}
    with open(parameter_file("indikator.yaml"), encoding="utf-8") as f:
        ind = read_yaml(f) or {}
    nama = {str(i["id"]): str(i["nama"]) for i in ind.get("indikator", [])}
    nama.update({str(k): str(v) for k, v in (data.get("nama_indikator") or {}).items()})
    sektor = {str(k): str(v) for k, v in (ind.get("sektor") or {}).items()}
    sektor.update({str(k): str(v) for k, v in (data.get("sektor_lain") or {}).items()})
    aturan: dict[str, str] = {}
    with open(parameter_file("aturan_dana_desa.csv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            aturan.setdefault(row["aturan"], row["nama_aturan"])
    data["_nama_indikator"] = nama
    data["_sektor"] = sektor
    data["_aturan"] = aturan
    return data


def label(enumerasi: str, kode: Any, bawaan: str | None = None) -> str:
    """Indonesian label of ``kode`` in one enumeration of ``parameters/label.yaml``.

    An unknown code comes back as it is (or ``bawaan`` when given); a missing one as '–'.

    >>> label("tren", "membaik"), label("kelas", "merah"), label("kelas", None)
    ('Membaik', 'Belum tercapai', '–')
    """
    if enumerasi not in ENUMERASI:
        raise ValueError(f"Enumerasi '{enumerasi}' tidak dikenal; pilih salah satu: {', '.join(ENUMERASI)}.")
    if is_missing(kode):
        return KOSONG
    table = _tables().get(enumerasi) or {}
    return str(table.get(str(kode), bawaan if bawaan is not None else kode))


def labels(enumerasi: str) -> dict[str, str]:
    """A copy of one whole enumeration (code → label), e.g. for ``Series.map``.

    >>> labels("tingkat_temuan")["galat"]
    'Galat'
    """
    if enumerasi not in ENUMERASI:
        raise ValueError(f"Enumerasi '{enumerasi}' tidak dikenal; pilih salah satu: {', '.join(ENUMERASI)}.")
    return {str(k): str(v) for k, v in (_tables().get(enumerasi) or {}).items()}


def nama_indikator(kode: Any, singkat: bool = False) -> str:
    """Full (or, with ``singkat``, short) name of an indicator code; the code itself when unknown."""
    if is_missing(kode):
        return KOSONG
    k = str(kode)
    if singkat:
        short = (_tables().get("nama_singkat_indikator") or {}).get(k)
        if short:
            return str(short)
    return _tables()["_nama_indikator"].get(k, k)


def semua_nama_indikator() -> dict[str, str]:
    """Every known indicator code (service, spending, agenda rows) → full name."""
    return dict(_tables()["_nama_indikator"])


def nama_sektor(kode: Any, singkat: bool = False) -> str:
    """Name of a sector code (PEND, KES, AIR, SOS, ADM, LAIN, ATURAN)."""
    if is_missing(kode):
        return KOSONG
    if singkat:
        return label("sektor_singkat", kode)
    return _tables()["_sektor"].get(str(kode), str(kode))


def nama_aturan(kode: Any) -> str:
    """Readable name of a fiscal rule code (``PERSONEL``, ``BLT``, ``KETAHANAN_PANGAN``, ``OPERASIONAL``)."""
    if is_missing(kode):
        return KOSONG
    return _tables()["_aturan"].get(str(kode), str(kode).replace("_", " ").capitalize())


def dengan_kode(kode: Any, singkat: bool = False) -> str:
    """'Name (CODE)': the indicator name with its code beside it ('–' when missing)."""
    if is_missing(kode):
        return KOSONG
    nama = nama_indikator(kode, singkat)
    return nama if nama == str(kode) else f"{nama} ({kode})"


def ya_tidak(v: Any) -> str:
    """'Ya' / 'Tidak' for a truth value ('–' when missing).

    >>> ya_tidak(False), ya_tidak(pd.NA)
    ('Tidak', '–')
    """
    if is_missing(v):
        return KOSONG
    return "Ya" if bool(v) else "Tidak"


def kode_dikenal() -> dict[str, str]:
    """Every code a user surface must never show alone → the name that must accompany it.

    Used by :mod:`p3pd_lib.surface_check` to find codes without names.
    """
    t = _tables()
    out: dict[str, str] = {}
    out.update(t["_nama_indikator"])
    out.update({k: v for k, v in t["_aturan"].items() if k not in ("BLT",)})
    for enum in ("arah", "tag_target", "kelompok_belanja", "status_usulan", "basis"):
        out.update({k: v for k, v in (t.get(enum) or {}).items() if "_" in k or k in ("higher", "lower", "sourced", "proposed")})
    return out


def map_labels(df: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """A copy of ``df`` whose listed columns (column → enumeration) hold Indonesian labels.

    The enumeration may also be ``indikator``, ``indikator_singkat``, ``sektor``,
    ``aturan`` or ``ya_tidak``.

    >>> d = pd.DataFrame({"arah": ["higher"], "patuh": [False], "indikator": ["AIR03"]})
    >>> map_labels(d, {"arah": "arah", "patuh": "ya_tidak", "indikator": "indikator"}).iloc[0].tolist()
    ['Makin tinggi makin baik', 'Tidak', 'Rumah tangga masih BABS']
    """
    special = {
        "indikator": nama_indikator,
        "indikator_singkat": lambda v: nama_indikator(v, singkat=True),
        "sektor": nama_sektor,
        "aturan": nama_aturan,
        "ya_tidak": ya_tidak,
    }
    out = df.copy()
    for col, enum in columns.items():
        if col not in out.columns:
            continue
        fn = special.get(enum) or (lambda v, e=enum: label(e, v))
        out[col] = pd.Series([fn(v) for v in out[col].tolist()], index=out.index, dtype="object")
    return out


@lru_cache(maxsize=1)
def _code_pattern() -> Any:
    import re

    codes = sorted(semua_nama_indikator(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(c) for c in codes) + r")(?![\w-])")


def beri_nama(text: Any) -> str:
    """Free text with every bare indicator code given its name: 'BEL07' → 'Porsi siltap & tunjangan (BEL07)'.

    Codes whose name already appears in the text are left as they are ('–' for a missing text).

    >>> beri_nama("BEL07; 3 desa melebihi batas")
    'Porsi siltap & tunjangan (BEL07); 3 desa melebihi batas'
    >>> beri_nama("Prevalensi stunting balita (KES01)")
    'Prevalensi stunting balita (KES01)'
    """
    if is_missing(text):
        return KOSONG
    s = str(text)
    low = s.lower()

    def name(m: Any) -> str:
        code = m.group(1)
        nama = nama_indikator(code)
        if nama.lower() in low or nama_indikator(code, singkat=True).lower() in low:
            return code
        return f"{nama} ({code})"

    return _code_pattern().sub(name, s)


def tag_dalam_teks(text: str) -> str:
    """Source tags written inside a text, in Indonesian: '[sourced]' → '[bersumber resmi]'.

    >>> tag_dalam_teks("Pemeliharaan jamban umum/MCK: sanitasi [proposed]")
    'Pemeliharaan jamban umum/MCK: sanitasi [usulan kit]'
    """
    for kode, nama in labels("tag_target").items():
        text = text.replace(f"[{kode}]", f"[{nama[0].lower() + nama[1:]}]")
    return text
