"""Siskeudes inputs: database tables exported as CSV and the "Penjabaran APBDes" report.

Pure functions: raw tables (strings as exported) or a grid of report cells in,
APBDes lines and findings out. Reading the files, matching villages against the
store's mapping file and saving are the importer's business
(:mod:`p3pd_lib.importer`, :mod:`p3pd_lib.history`).

**Database tables** (DOMAIN.md §3). ``Ta_RAB`` holds the budget per
``Kd_Keg`` × ``Kd_Rincian`` (account); the final budget is ``AnggaranStlhPAK``
when it is filled, else ``Anggaran``. ``Kd_Keg`` is ``Kd_Desa`` followed by the
activity id (``01.2001.`` + ``02.01.05.``); revenue and financing lines carry an
all-zero id. ``Ta_Kegiatan`` gives the activity names and sources of funds,
``Ref_Rek4`` (optional) the account names. Realisation comes from
``Ta_JurnalUmumRinci``: only posted journals count (posting flag on the line,
or on ``Ta_JurnalUmum`` joined by ``NoBukti``); spending (5, 6.2) is
``Debet − Kredit``, revenue and financing receipts (4, 6.1) ``Kredit − Debet``,
so corrections booked on the other side are netted.

**Penjabaran APBDes report** (columns KODE | URAIAN | ANGGARAN | SUMBER DANA):
rows are bidang ``01``, sub-bidang ``01.01``, kegiatan ``01.01.01``, account
groups ``4``, ``4.1``, ``4.1.1`` and detail lines ``5.1.1.01. [01.01.01]`` or
``4.2.1.01``. Only detail lines become APBDes lines; every subtotal that has an
amount is checked against the detail lines of its block (galat when they
differ), so nothing is counted twice.

>>> normalize_kode_kegiatan("02.01.05."), normalize_kode_kegiatan("2.1.5"), normalize_kode_kegiatan("x")
('02.01.05', '02.01.05', None)
>>> normalize_kode_rekening("5.1.1.01."), normalize_kode_rekening("4.2.1.1")
('5.1.1.01', '4.2.1.01')
>>> normalize_sumber_dana("Dana Desa"), normalize_sumber_dana("dds"), normalize_sumber_dana("??")
('DDS', 'DDS', None)
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .numbers import parse_column
from .schemas import SUMBER_DANA

# --------------------------------------------------------------------------- codes

_REK = re.compile(r"^\s*([456])\.(\d)\.(\d)\.(\d{1,2})\.?\s*$")

_SUMBER_ALIASES: dict[str, str] = {
    "DD": "DDS", "DANADESA": "DDS", "DDS": "DDS",
    "ADD": "ADD", "ALOKASIDANADESA": "ADD",
    "PAD": "PAD", "PADES": "PAD", "PADESA": "PAD", "PENDAPATANASLIDESA": "PAD",
    "PBH": "PBH", "BHP": "PBH", "BHPR": "PBH", "BAGIHASILPAJAK": "PBH", "BAGIHASILPAJAKDANRETRIBUSI": "PBH",
    "PBP": "PBP", "BANKEUPROV": "PBP", "BANTUANKEUANGANPROVINSI": "PBP",
    "PBK": "PBK", "BANKEUKAB": "PBK", "BANTUANKEUANGANKABUPATEN": "PBK", "BANTUANKEUANGANKABUPATENKOTA": "PBK",
    "DLL": "DLL", "LAINLAIN": "DLL", "LAIN": "DLL",
    "SILPA": "SILPA", "SILPATAHUNSEBELUMNYA": "SILPA",
}

#: Default source of funds of revenue and financing accounts (used when a line has none).
SUMBER_REKENING: dict[str, str] = {
    "4.1": "PAD", "4.2.1": "DDS", "4.2.2": "PBH", "4.2.3": "ADD", "4.2.4": "PBP", "4.2.5": "PBK",
    "4.3": "DLL", "6.1.1": "SILPA",
}


def normalize_kode_kegiatan(code: object) -> str | None:
    """``BB.SS.KK`` with two-digit parts (``02.01.05.`` → ``02.01.05``); ``None`` if not a kegiatan code.

    Delegates to :func:`p3pd_lib.belanja.normalize_kode_kegiatan` (one normaliser for the kit) and
    keeps only complete three-part codes, the form the ``apbdes`` table requires. Texts are
    remembered (a sheet repeats the same few codes; one pandas call per cell costs milliseconds).
    """
    if isinstance(code, str):
        return _kegiatan_code_of_text(code)
    return _kegiatan_codes(pd.Series([code], dtype=object)).iloc[0]


@lru_cache(maxsize=4096)
def _kegiatan_code_of_text(code: str) -> str | None:
    return _kegiatan_codes(pd.Series([code], dtype=object)).iloc[0]


def _kegiatan_codes(codes: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_kode_kegiatan` (object Series, ``None`` where not a full code)."""
    from .belanja import normalize_kode_kegiatan as _normalize

    def full_codes(distinct: pd.Series) -> pd.Series:
        norm = _normalize(distinct)
        full = norm.str.count(r"\.").eq(2).fillna(False).to_numpy(dtype=bool)
        return pd.Series(np.where(full, norm.to_numpy(dtype=object, na_value=None), None), dtype=object)

    return _on_distinct(codes, full_codes)


def normalize_kode_rekening(code: object) -> str | None:
    """Account code ``5.1.1.01`` (trailing dot dropped, last part two digits); ``None`` if not one."""
    if code is None or (isinstance(code, float) and np.isnan(code)):
        return None
    m = _REK.match(str(code))
    if not m:
        return None
    a, b, c, d = m.groups()
    return f"{a}.{b}.{c}.{int(d):02d}"


def normalize_sumber_dana(text: object) -> str | None:
    """The kit's source-of-funds code for a text as written in Siskeudes or by a user; ``None`` if unknown."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    key = re.sub(r"[^A-Z]", "", str(text).upper())
    return _SUMBER_ALIASES.get(key)


def default_sumber_dana(kode_rekening: str) -> str | None:
    """Source of funds implied by a revenue/financing account (``4.2.1.01`` → ``DDS``)."""
    for prefix in sorted(SUMBER_REKENING, key=len, reverse=True):
        if kode_rekening == prefix or kode_rekening.startswith(prefix + "."):
            return SUMBER_REKENING[prefix]
    return None


def _on_distinct(values: pd.Series, fn) -> pd.Series:  # noqa: ANN001 - a vectorised function of a Series
    """``fn(values)`` computed on the distinct values only (``fn`` maps an object Series element-wise)."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    distinct = pd.Series(np.append(np.asarray(uniques, dtype=object), None), dtype=object)  # the last for missing
    return pd.Series(fn(distinct).to_numpy()[codes], index=values.index)


def _map_unique(values: pd.Series, fn) -> pd.Series:  # noqa: ANN001 - any callable of one value
    """``values.map(fn)`` calling ``fn`` once per distinct value (exports repeat codes thousands of times)."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniques]
    mapped[-1] = fn(None)
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def finding(tabel: str, baris: int | None, kolom: str | None, nilai: object, aturan: str, tingkat: str,
            pesan: str) -> dict[str, Any]:
    """One finding as the importer's collectors take it (``lembar`` = the table or sheet)."""
    return {"lembar": tabel, "baris": baris, "kolom": kolom, "nilai": None if nilai is None else str(nilai),
            "aturan": aturan, "tingkat": tingkat, "pesan": pesan}


def format_rupiah(x: float) -> str:
    """``Rp 1.234.567`` (Indonesian thousands separator, whole Rupiah).

    >>> format_rupiah(1234567.4), format_rupiah(-5000)
    ('Rp 1.234.567', 'Rp -5.000')
    """
    return "Rp " + f"{x:,.0f}".replace(",", ".")


_finding = finding
_rp = format_rupiah


# --------------------------------------------------------------------------- database tables

def _norm_col(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


#: Siskeudes tables the importer reads, with the columns that identify each one when the file
#: is not named after its table, and the columns that must be absent (tables of the same shape).
TABLE_SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Ta_RABRinci": (("kdkeg", "kdrincian", "kdsubrinci", "nourut", "anggaran"), ("kdposting",)),
    "Ta_Anggaran": (("kdposting", "kdrincian", "anggaran"), ("kdsubrinci", "nourut")),
    "Ta_RAB": (("kdkeg", "kdrincian", "anggaran"), ("kdsubrinci", "kdposting", "nourut")),
    "Ta_JurnalUmumRinci": (("nobukti", "kdkeg", "debet", "kredit"), ()),
    "Ta_Kegiatan": (("kdkeg", "namakegiatan"), ()),
    "Ta_JurnalUmum": (("nobukti", "posted"), ("kdkeg",)),
    "Ref_Desa": (("kddesa", "namadesa"), ()),
    "Ref_Kecamatan": (("kdkec", "namakecamatan"), ()),
    "Ref_Rek4": (("obyek", "namaobyek"), ()),
    "Ta_Pemda": (("kdprov", "kdkab", "namapemda"), ()),
}
#: The tables that hold a budget, most trusted first: the line level, then its summaries.
BUDGET_TABLES = ("Ta_RABRinci", "Ta_RAB", "Ta_Anggaran")
_NAMES = {_norm_col(t): t for t in TABLE_SIGNATURES}


def identify_table(columns: Iterable[object], name_hint: str = "") -> str | None:
    """Which Siskeudes table the kit reads a header (or a file/sheet named ``name_hint``) belongs to.

    The name wins (an export names every file after its table); else the
    columns decide. ``None`` for every other table.

    >>> identify_table(["Tahun", "Kd_Desa", "Kd_Keg", "Kd_Rincian", "Anggaran"])
    'Ta_RAB'
    >>> identify_table(["Tahun", "Kd_Keg", "Kd_Rincian", "Kd_SubRinci", "No_Urut", "Anggaran"])
    'Ta_RABRinci'
    >>> identify_table(["Tahun", "Kd_Keg", "Kd_Rincian", "Kd_SubRinci", "Nama_SubRinci", "Anggaran"], "Ta_RABSub")
    >>> identify_table(["kode_desa", "tahun"]) is None
    True
    """
    hint = _norm_col(name_hint)
    if hint in _NAMES:
        return _NAMES[hint]
    if is_table_name(name_hint):
        return None  # another table of the export (Ta_RABSub, Ta_SPP, Ref_Bank, ...)
    cols = {_norm_col(c) for c in columns}
    for table, (needed, absent) in TABLE_SIGNATURES.items():
        if all(n in cols for n in needed) and not any(n in cols for n in absent):
            return table
    return None


def is_table_name(name: str) -> bool:
    """True for a name shaped like a Siskeudes table (``Ta_SPP``, ``Ref_Bank_Desa``): part of an export.

    >>> is_table_name("Ta_SPPBukti"), is_table_name("Ref_Rek1"), is_table_name("rekap_desa")
    (True, True, False)
    """
    return re.fullmatch(r"(?i)(ta|ref)_[a-z0-9_]+", str(name).strip()) is not None


def pick_column(df: pd.DataFrame, *names: str) -> str | None:
    """The first column of ``df`` whose name, lower-cased without ``_`` and spaces, is one of ``names``.

    >>> pick_column(pd.DataFrame(columns=["Kd_Desa", "Nama_Desa"]), "namadesa")
    'Nama_Desa'
    """
    by = {_norm_col(c): c for c in df.columns}
    for n in names:
        if n in by:
            return by[n]
    return None


_pick = pick_column


def _strip_desa(kd_keg: pd.Series, kd_desa: pd.Series) -> pd.Series:
    """Activity id of each ``Kd_Keg`` (``Kd_Desa`` prefix removed)."""
    keg = kd_keg.astype(object).where(kd_keg.notna(), "").to_numpy(dtype=object)
    desa = kd_desa.astype(object).where(kd_desa.notna(), "").to_numpy(dtype=object)
    codes, uniques = pd.factorize(keg)  # each activity code once (it repeats on every line of the activity)
    first = np.full(len(uniques), -1)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # first row of each code
    desa_of = desa[first] if len(first) else desa[:0]
    if not (desa_of[codes] == desa).all():  # an activity code under two villages: strip row by row
        codes, desa_of, uniques = np.arange(len(keg)), desa, keg
    stripped = np.array([k.strip()[len(d.strip()):] if d.strip() and k.strip().startswith(d.strip()) else k.strip()
                         for k, d in zip(uniques, desa_of)], dtype=object)
    return pd.Series(stripped[codes], index=kd_keg.index, dtype="object")


def _truthy(v: object) -> bool:
    s = str(v).strip().lower()
    return s not in {"", "0", "false", "tidak", "no", "n", "f", "nan", "none", "<na>"}


@dataclass(frozen=True)
class SiskeudesLines:
    """APBDes lines read from Siskeudes (keyed by the local ``kd_desa``) and the findings."""

    lines: pd.DataFrame
    findings: list[dict[str, Any]] = field(default_factory=list)


LINE_COLUMNS = ("kd_desa", "tahun", "kode_kegiatan", "nama_kegiatan", "kode_rekening", "uraian",
                "sumber_dana", "anggaran", "realisasi", "_tabel", "_baris")


def _rows(df: pd.DataFrame) -> pd.Series:
    return df["_baris"] if "_baris" in df.columns else pd.Series(np.arange(len(df)) + 2, index=df.index)


def parse_amounts(values: pd.Series, typed: bool = False) -> tuple[pd.Series, list[tuple[int, str, str, str]]]:
    """Amounts of a database column: (floats, problems as (position, aturan, tingkat, pesan)).

    A database dump writes machine numbers (``24000000.0000``); a hand-edited or
    spreadsheet-saved table may write ``24.000.000``. Machine numbers are read
    directly (``typed``: the export's ``.columns`` file says the column is
    numeric, so ``1.500`` is one and a half); the rest goes through
    :func:`p3pd_lib.numbers.parse_column`, which knows Indonesian formats.

    >>> parse_amounts(pd.Series(["24000000.0000", "1.500.000", "", "1.500"]))[0].tolist()
    [24000000.0, 1500000.0, nan, 1500.0]
    >>> parse_amounts(pd.Series(["1.500"]), typed=True)[0].tolist()
    [1.5]
    """
    if typed:  # a database dump: every value a machine number or empty (the fast path)
        fast = _machine_numbers(values)
        if fast is not None:
            return fast, []
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    machine = text.str.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
    if not typed:
        machine &= ~text.str.fullmatch(r"-?\d{1,3}(?:\.\d{3})+")
    out = pd.Series(np.nan, index=values.index, dtype=float)
    out[machine.to_numpy()] = text[machine].astype("float64").to_numpy(dtype=float)
    rest = np.flatnonzero(~machine.to_numpy() & text.ne("").to_numpy())
    problems: list[tuple[int, str, str, str]] = []
    if len(rest):
        parsed = parse_column(text.iloc[rest].tolist(), kind="rupiah")
        out.iloc[rest] = parsed.values.to_numpy(dtype=float, na_value=np.nan)
        problems = [(int(rest[p.pos]), p.aturan, p.tingkat, p.pesan) for p in parsed.problems]
    return out, problems


def _machine_numbers(values: pd.Series) -> pd.Series | None:
    """Floats of a column holding only machine numbers and blanks, ``None`` if any value is another text.

    Arrow's cast parses a hundred thousand amounts in milliseconds, where a Python loop takes a second.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        arr = pc.utf8_trim_whitespace(arr)
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
        return pd.Series(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), index=values.index, dtype=float)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None


def _year(value: object) -> float | None:
    try:
        year = float(str(value).strip())
    except ValueError:
        return None
    return year if year.is_integer() else None


def final_budget(df: pd.DataFrame, table: str, findings: list[dict[str, Any]] | None = None) -> pd.Series:
    """The final budget of every row of a budget table (Ta_RABRinci, Ta_RAB, Ta_Anggaran).

    ``AnggaranStlhPAK`` counts when filled; a desa-year whose column is all
    empty or 0 has had no PAK (budget revision) yet, so its ``Anggaran`` is the
    final budget. Unreadable amounts are appended to ``findings``.
    """
    typed = set(df.attrs.get("kolom_angka", ()))
    baris = _rows(df)

    def numbers(col: str) -> pd.Series:
        values, problems = parse_amounts(df[col], typed=col in typed)
        if findings is not None:
            for pos, aturan, tingkat, pesan in problems:
                findings.append(_finding(table, int(baris.iloc[pos]), col, df[col].iloc[pos], aturan, tingkat, pesan))
        return values

    c_ang, c_stlh = _pick(df, "anggaran"), _pick(df, "anggaranstlhpak")
    anggaran = numbers(c_ang)
    if c_stlh is None:
        return anggaran
    stlh = numbers(c_stlh)
    group = [df[_pick(df, "kddesa")].to_numpy(dtype=object), df[_pick(df, "tahun")].to_numpy(dtype=object)]
    pak_done = stlh.fillna(0).ne(0).groupby(group).transform("any")
    return stlh.where(stlh.notna() & pak_done, anggaran)


def latest_posting(df: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The rows of ``Ta_Anggaran`` from the latest posting of every desa and year, and a note naming it.

    Postings are ordered by ``TglPosting`` (date), then ``KdPosting``. Rows of
    earlier postings are history, never duplicates of the latest ones.

    >>> ta = pd.DataFrame({"KdPosting": ["1", "2", "1"], "Tahun": ["2024"] * 3, "Kd_Desa": ["01.2001."] * 2 + ["01.2002."],
    ...     "TglPosting": ["01/10/24 00:00:00", "07/01/24 00:00:00", "01/12/24 00:00:00"]})
    >>> latest_posting(ta)[0]["KdPosting"].tolist()
    ['2', '1']
    """
    c_post, c_tgl = _pick(df, "kdposting"), _pick(df, "tglposting")
    c_desa, c_tahun = _pick(df, "kddesa"), _pick(df, "tahun")
    if c_post is None or c_desa is None or c_tahun is None or not len(df):
        return df, None
    if c_tgl:  # parse each distinct date once (a posting repeats its date on every row)
        tgl = _on_distinct(df[c_tgl], lambda d: pd.to_datetime(d.map(lambda v: v if v is None else str(v)),
                                                                errors="coerce", format="mixed"))
    else:
        tgl = pd.Series(pd.NaT, index=df.index)

    def text(v: object) -> str | None:
        return None if v is None else str(v).strip()

    order = pd.DataFrame({"desa": _map_unique(df[c_desa], text), "tahun": _map_unique(df[c_tahun], text),
                          "tgl": tgl, "kd": _on_distinct(df[c_post], lambda d: pd.to_numeric(d, errors="coerce"))},
                         index=df.index)
    ranked = order.sort_values(["tgl", "kd"], na_position="first", kind="stable")
    last = ranked.groupby(["desa", "tahun"], sort=False)[["tgl", "kd"]].transform("last")
    keep = (ranked["kd"].eq(last["kd"]) | (ranked["kd"].isna() & last["kd"].isna())) & (
        ranked["tgl"].eq(last["tgl"]) | (ranked["tgl"].isna() & last["tgl"].isna()))
    kept = df.loc[ranked.index[keep.to_numpy()]].sort_index()
    dropped = len(df) - len(kept)
    note = (f"Ta_Anggaran memuat beberapa posting; dipakai posting terakhir tiap desa dan tahun "
            f"({dropped} baris posting sebelumnya tidak dihitung)." if dropped else None)
    return kept, note


def _totals(lines: pd.DataFrame) -> pd.Series:
    return lines.groupby(["kd_desa", "tahun"], sort=True)["anggaran"].sum(min_count=1)


def compare_budget_tables(tables: Mapping[str, pd.DataFrame], source: str, truth: pd.DataFrame
                          ) -> list[dict[str, Any]]:
    """Peringatan for every desa-year whose total in another budget table differs from ``truth``.

    ``truth`` holds the lines read from ``source`` (``kd_desa``, ``tahun``,
    ``anggaran``). Summaries (Ta_RAB, the latest posting of Ta_Anggaran) go
    stale when the line level is edited without posting again; the amounts of
    both are in the message, and the line level is what is imported.
    """
    findings: list[dict[str, Any]] = []
    expected = _totals(truth)
    names: dict[str, str] = {}
    if "Ref_Desa" in tables:  # the message names the village, not only its local code
        rd = tables["Ref_Desa"]
        c_kd, c_nama = _pick(rd, "kddesa"), _pick(rd, "namadesa")
        if c_kd and c_nama:
            names = {str(k).strip(): str(n).strip() for k, n in zip(rd[c_kd], rd[c_nama])}
    for other in BUDGET_TABLES:
        if other == source or other not in tables or not len(tables[other]):
            continue
        df = tables[other]
        if other == "Ta_Anggaran":
            df, _ = latest_posting(df)
        c_desa, c_tahun = _pick(df, "kddesa"), _pick(df, "tahun")
        if c_desa is None or c_tahun is None or _pick(df, "anggaran") is None:
            continue
        got = pd.DataFrame({"kd_desa": _map_unique(df[c_desa], lambda v: str(v).strip()).to_numpy(),
                            "tahun": _map_unique(df[c_tahun], _year).to_numpy(dtype=float, na_value=np.nan),
                            "anggaran": final_budget(df, other).to_numpy()})
        both = pd.concat([expected.rename("benar"), _totals(got).rename("lain")], axis=1)
        both = both[(both["benar"].fillna(0) - both["lain"].fillna(0)).abs() > 1]
        what = "posting terakhir Ta_Anggaran" if other == "Ta_Anggaran" else other
        for (kd, tahun), r in both.iterrows():
            a, b = float(np.nan_to_num(r["lain"])), float(np.nan_to_num(r["benar"]))
            findings.append(_finding(other, None, "Anggaran", _rp(a), "ringkasan_anggaran_berbeda", "peringatan",
                                     f"{names.get(kd, 'Desa')} ({kd}) tahun {int(tahun)}: jumlah anggaran menurut "
                                     f"{what} {_rp(a)}, menurut "
                                     f"{source} {_rp(b)} (selisih {_rp(a - b)}). Yang diimpor: {source} (rincian); "
                                     f"{other} belum diperbarui (posting ulang di Siskeudes)."))
    return findings


def budget_lines(tables: Mapping[str, pd.DataFrame]) -> SiskeudesLines:
    """APBDes lines from Siskeudes tables (a budget table required; others optional).

    Tables hold strings as exported (column names as in Siskeudes, any case)
    and may carry ``_baris``, the row number the user sees; ``frame.attrs["kolom_angka"]``
    may name the columns the export typed as numbers (machine format). The budget
    comes from the first of :data:`BUDGET_TABLES` that has rows: ``Ta_RABRinci``
    (line level, the truth), else ``Ta_RAB``, else the latest posting of
    ``Ta_Anggaran``; the other budget tables are compared with it per desa and
    year and every difference is a peringatan with both amounts. Lines of one
    account, activity and source of funds are added up. The result is keyed by
    the local ``kd_desa``; mapping it to the official code is done by
    :func:`match_kd_desa`. Findings are dicts with ``lembar`` = table name.

    >>> rab = pd.DataFrame({"Tahun": ["2024"], "Kd_Desa": ["01.2001."], "Kd_Keg": ["01.2001.02.01.05."],
    ...     "Kd_Rincian": ["5.2.2.01."], "Anggaran": ["1000000"], "AnggaranStlhPAK": ["1200000"]})
    >>> r = budget_lines({"Ta_RAB": rab})
    >>> r.lines.loc[0, ["kd_desa", "kode_kegiatan", "kode_rekening"]].tolist(), float(r.lines.loc[0, "anggaran"])
    (['01.2001.', '02.01.05', '5.2.2.01'], 1200000.0)
    """
    findings: list[dict[str, Any]] = []
    present = [t for t in BUDGET_TABLES if t in tables]
    source = next((t for t in present if len(tables[t])), present[0] if present else None)
    if source is None:
        findings.append(_finding("Ta_RABRinci", None, None, None, "tabel_siskeudes_hilang", "galat",
                                 "Tabel anggaran (Ta_RABRinci, Ta_RAB atau Ta_Anggaran) tidak disertakan; ekspor "
                                 "seluruh basis data Siskeudes (folder atau .zip) dan impor sekaligus."))
        return SiskeudesLines(pd.DataFrame(columns=list(LINE_COLUMNS)), findings)
    rab = tables[source]
    if source == "Ta_Anggaran":
        rab, note = latest_posting(rab)
        if note:
            findings.append(_finding(source, None, "KdPosting", None, "posting_terakhir", "info", note))
    c_tahun, c_desa, c_keg = _pick(rab, "tahun"), _pick(rab, "kddesa"), _pick(rab, "kdkeg")
    c_rinc = _pick(rab, "kdrincian", "rincian")
    c_ang, c_stlh = _pick(rab, "anggaran"), _pick(rab, "anggaranstlhpak")
    c_sd = _pick(rab, "sumberdana")
    missing = [label for label, c in (("Tahun", c_tahun), ("Kd_Desa", c_desa), ("Kd_Keg", c_keg),
                                      ("Kd_Rincian", c_rinc), ("Anggaran", c_ang)) if c is None]
    if missing:
        for m in missing:
            findings.append(_finding(source, 1, m, None, "kolom_hilang", "galat",
                                     f"Kolom '{m}' tidak ditemukan pada {source}."))
        return SiskeudesLines(pd.DataFrame(columns=list(LINE_COLUMNS)), findings)
    if not len(rab):
        findings.append(_finding(source, None, None, None, "tidak_ada_data", "galat",
                                 f"Tabel {source} tidak berisi baris anggaran."))
        return SiskeudesLines(pd.DataFrame(columns=list(LINE_COLUMNS)), findings)
    baris = _rows(rab)

    final = final_budget(rab, source, findings)
    tahun_parsed = _map_unique(rab[c_tahun], _year).astype("Float64")
    tahun_ok = tahun_parsed.notna() & (tahun_parsed % 1 == 0)
    for pos in np.flatnonzero(~tahun_ok.to_numpy(dtype=bool, na_value=False)):
        findings.append(_finding(source, int(baris.iloc[pos]), "Tahun", rab[c_tahun].iloc[pos], "tahun_tidak_sah",
                                 "galat", f"Tahun '{rab[c_tahun].iloc[pos]}' bukan tahun yang sah."))
    kd_desa = _map_unique(rab[c_desa], lambda s: "" if s is None else str(s).strip())
    id_keg = _strip_desa(_map_unique(rab[c_keg], lambda s: "" if s is None else str(s)), kd_desa)
    rek = _map_unique(rab[c_rinc], normalize_kode_rekening)
    for pos in np.flatnonzero(rek.isna().to_numpy()):
        findings.append(_finding(source, int(baris.iloc[pos]), "Kd_Rincian", rab[c_rinc].iloc[pos],
                                 "format_kode", "galat",
                                 f"Kode rekening '{rab[c_rinc].iloc[pos]}' tidak dikenali (contoh: 5.1.1.01.)."))
    is_spend = _map_unique(rek, lambda r: bool(r) and r.startswith("5")).astype(bool)
    keg = _kegiatan_codes(id_keg)
    zero_keg = _map_unique(id_keg, lambda s: bool(re.fullmatch(r"[0.\s]*", s or ""))).astype(bool)
    keg = keg.where(is_spend & ~zero_keg, None)
    for pos in np.flatnonzero((is_spend & keg.isna()).to_numpy()):
        findings.append(_finding(source, int(baris.iloc[pos]), "Kd_Keg", rab[c_keg].iloc[pos], "format_kode",
                                 "galat", f"Kd_Keg '{rab[c_keg].iloc[pos]}' tidak memuat kode kegiatan BB.SS.KK "
                                 f"setelah Kd_Desa '{kd_desa.iloc[pos]}'."))
    def text(values: pd.Series) -> pd.Series:  # kept as Python objects: no round trip through Arrow strings
        return pd.Series(values.to_numpy(dtype=object), dtype=object)

    lines = pd.DataFrame({
        "kd_desa": text(kd_desa),
        "tahun": tahun_parsed.to_numpy(dtype=object, na_value=None),
        "kd_keg": text(rab[c_keg].astype("object")),
        "kode_kegiatan": text(keg),
        "kode_rekening": text(rek),
        "anggaran": final.to_numpy(dtype=float, na_value=np.nan),
        "_tabel": source,
        "_baris": baris.to_numpy(),
    })
    for pos in np.flatnonzero(np.isnan(lines["anggaran"].to_numpy())):
        findings.append(_finding(source, int(lines["_baris"].iloc[pos]), c_ang, rab[c_ang].iloc[pos], "wajib_diisi",
                                 "galat", f"Anggaran kosong pada baris {source}."))
    # Names and sources of funds from Ta_Kegiatan, account names from Ref_Rek4.
    keg_names: dict[str, str] = {}
    keg_sumber: dict[str, object] = {}
    if "Ta_Kegiatan" in tables:
        tk = tables["Ta_Kegiatan"]
        k_keg, k_nama, k_sd = _pick(tk, "kdkeg"), _pick(tk, "namakegiatan"), _pick(tk, "sumberdana")
        if k_keg and k_nama:
            for kk, nama in zip(tk[k_keg], tk[k_nama]):
                keg_names[str(kk).strip()] = str(nama).strip()
        if k_keg and k_sd:
            for kk, sd in zip(tk[k_keg], tk[k_sd]):
                keg_sumber[str(kk).strip()] = sd
    rek_names: dict[str, str] = {}
    if "Ref_Rek4" in tables:
        r4 = tables["Ref_Rek4"]
        o, n = _pick(r4, "obyek"), _pick(r4, "namaobyek")
        if o and n:
            for code, nama in zip(r4[o], r4[n]):
                k = normalize_kode_rekening(code)
                if k:
                    rek_names[k] = str(nama).strip()
    kd_keg_clean = _map_unique(lines["kd_keg"], lambda s: str(s).strip())
    nama = _map_unique(kd_keg_clean, keg_names.get)
    lines["nama_kegiatan"] = nama.where(nama.notna() & lines["kode_kegiatan"].notna(), None)
    uraian = _map_unique(lines["kode_rekening"], rek_names.get)
    lines["uraian"] = uraian.where(uraian.notna(), None)
    raw_sd = (rab[c_sd].astype(object) if c_sd else _map_unique(kd_keg_clean, keg_sumber.get)).reset_index(drop=True)
    sumber = _map_unique(raw_sd, normalize_sumber_dana)
    given = _map_unique(raw_sd, lambda v: v is not None and str(v).strip() not in ("", "nan")).astype(bool)
    for pos in pd.Series(np.flatnonzero((sumber.isna() & given).to_numpy())).groupby(
            raw_sd[sumber.isna() & given].astype(str).to_numpy()).first():
        sd = raw_sd.iloc[pos]
        findings.append(_finding(source if c_sd else "Ta_Kegiatan", int(lines["_baris"].iloc[pos]),
                                 "SumberDana", sd, "sumber_dana_tidak_dikenal", "peringatan",
                                 f"Sumber dana '{sd}' tidak dikenali ({', '.join(SUMBER_DANA)}); dibiarkan kosong."))
    implied = _map_unique(lines["kode_rekening"], lambda r: default_sumber_dana(r) if r and r[0] in "46" else None)
    lines["sumber_dana"] = pd.Series(np.where(sumber.notna(), sumber.to_numpy(dtype=object),
                                              implied.to_numpy(dtype=object)), index=lines.index, dtype=object)
    lines = _sum_lines(lines)
    findings.extend(compare_budget_tables(tables, source, lines))
    lines["realisasi"] = np.nan
    lines, more = _add_realisation(lines, tables)
    findings.extend(more)
    return SiskeudesLines(lines[list(LINE_COLUMNS)].reset_index(drop=True), findings)


def _sum_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """One line per desa, year, activity, account and source of funds (Ta_RABRinci has one row per item)."""
    key = ["kd_desa", "tahun", "kd_keg", "kode_kegiatan", "kode_rekening", "sumber_dana"]
    groups = lines.assign(_kosong=lines["anggaran"].isna()).groupby(key, sort=False, dropna=False)
    if groups.ngroups == len(lines):  # no two rows of one line
        return lines
    summed = groups.agg(
        nama_kegiatan=("nama_kegiatan", "first"), uraian=("uraian", "first"), _tabel=("_tabel", "first"),
        _baris=("_baris", "min"), anggaran=("anggaran", "sum"), _kosong=("_kosong", "any"))
    summed["anggaran"] = summed["anggaran"].mask(summed["_kosong"])  # a missing amount is not zero
    return summed.drop(columns="_kosong").reset_index()


def _add_realisation(lines: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, list[dict]]:
    findings: list[dict[str, Any]] = []
    if "Ta_JurnalUmumRinci" not in tables:
        return lines, findings
    jr = tables["Ta_JurnalUmumRinci"]
    if not len(jr):
        findings.append(_finding("Ta_JurnalUmumRinci", None, None, None, "jurnal_kosong", "info",
                                 "Jurnal (Ta_JurnalUmumRinci) kosong: belum ada realisasi yang tercatat; realisasi "
                                 "dibiarkan kosong (bukan nol)."))
        return lines, findings
    c_tahun, c_keg = _pick(jr, "tahun"), _pick(jr, "kdkeg")
    c_rek = _pick(jr, "rincian", "kdrincian", "kdrek", "rekening")
    c_deb, c_kre, c_nb = _pick(jr, "debet"), _pick(jr, "kredit"), _pick(jr, "nobukti")
    missing = [lab for lab, c in (("Tahun", c_tahun), ("Kd_Keg", c_keg), ("Rincian", c_rek), ("Debet", c_deb),
                                  ("Kredit", c_kre)) if c is None]
    if missing:
        for m in missing:
            findings.append(_finding("Ta_JurnalUmumRinci", 1, m, None, "kolom_hilang", "galat",
                                     f"Kolom '{m}' tidak ditemukan pada Ta_JurnalUmumRinci."))
        return lines, findings
    baris = _rows(jr)
    posted: pd.Series | None = None
    c_post = _pick(jr, "posted", "posting", "statusposting")
    if c_post is not None:
        posted = jr[c_post].map(_truthy)
    elif "Ta_JurnalUmum" in tables and c_nb is not None:
        ju = tables["Ta_JurnalUmum"]
        j_nb, j_post, j_tahun = _pick(ju, "nobukti"), _pick(ju, "posted", "posting", "statusposting"), _pick(ju, "tahun")
        if j_nb and j_post:
            keys = zip(ju[j_tahun] if j_tahun else [""] * len(ju), ju[j_nb])
            flag = {(str(t).strip() if j_tahun else "", str(nb).strip()): _truthy(p) for (t, nb), p in zip(keys, ju[j_post])}
            posted = pd.Series([flag.get((str(t).strip() if j_tahun else "", str(nb).strip()), False)
                                for t, nb in zip(jr[c_tahun], jr[c_nb])], index=jr.index)
    if posted is None:
        posted = pd.Series(True, index=jr.index)
        findings.append(_finding("Ta_JurnalUmumRinci", None, None, None, "status_posting_tidak_diketahui",
                                 "peringatan", "Status posting jurnal tidak diketahui (tidak ada kolom Posted dan "
                                 "Ta_JurnalUmum tidak disertakan); semua baris jurnal dianggap sudah diposting."))
    typed = set(jr.attrs.get("kolom_angka", ()))
    amounts = {}
    for label, col in (("Debet", c_deb), ("Kredit", c_kre)):
        amounts[label], problems = parse_amounts(jr[col], typed=col in typed)
        for pos, aturan, tingkat, pesan in problems:
            findings.append(_finding("Ta_JurnalUmumRinci", int(baris.iloc[pos]), label, jr[col].iloc[pos],
                                     aturan, tingkat, pesan))
    rek = _map_unique(jr[c_rek], normalize_kode_rekening)
    j = pd.DataFrame({
        "tahun": pd.to_numeric(jr[c_tahun].astype(str).str.strip(), errors="coerce").astype("Float64")
                   .to_numpy(dtype=object, na_value=None),
        "kd_keg": _map_unique(jr[c_keg], lambda s: str(s).strip()).to_numpy(dtype=object),
        "kode_rekening": rek.to_numpy(dtype=object),
        "debet": amounts["Debet"].fillna(0).to_numpy(dtype=float),
        "kredit": amounts["Kredit"].fillna(0).to_numpy(dtype=float),
        "_baris": baris.to_numpy(),
    })
    j = j[posted.to_numpy(dtype=bool) & j["kode_rekening"].notna().to_numpy()]
    if j.empty:
        return lines, findings
    spend = j["kode_rekening"].str.startswith("5") | j["kode_rekening"].str.startswith("6.2")
    j = j.assign(nilai=np.where(spend, j["debet"] - j["kredit"], j["kredit"] - j["debet"]))
    real = j.groupby(["tahun", "kd_keg", "kode_rekening"], sort=False).agg(nilai=("nilai", "sum"),
                                                                            _baris=("_baris", "min")).reset_index()
    key = ["tahun", "kd_keg", "kode_rekening"]
    base = lines.assign(kd_keg=_map_unique(lines["kd_keg"], lambda s: str(s).strip()))
    grouped = base.groupby(key, sort=False, dropna=False)["anggaran"]
    total = grouped.transform("sum").to_numpy(dtype=float)
    n_per_key = grouped.transform("size")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = pd.Series(np.where(total != 0, base["anggaran"].to_numpy(dtype=float) / total,
                                   1.0 / n_per_key.to_numpy(dtype=float)), index=base.index)
    merged = base.reset_index().merge(real[key + ["nilai"]], on=key, how="left").set_index("index")
    realisasi = (merged["nilai"] * share).where(merged["nilai"].notna(), 0.0)
    lines = lines.assign(realisasi=realisasi.to_numpy(dtype=float))
    for pos in np.flatnonzero((n_per_key > 1).to_numpy() & merged["nilai"].notna().to_numpy()):
        findings.append(_finding("Ta_RAB", int(lines["_baris"].iloc[pos]), "Kd_Rincian", lines["kode_rekening"].iloc[pos],
                                 "realisasi_dibagi", "peringatan",
                                 "Rekening ini punya beberapa baris anggaran (sumber dana berbeda); realisasinya "
                                 "dibagi menurut porsi anggaran."))
    known = set(map(tuple, base[key].astype(str).to_numpy()))
    orphan = real[[tuple(map(str, k)) not in known for k in real[key].to_numpy()]]
    if not orphan.empty:
        desa_of = dict(zip(base["kd_keg"], base["kd_desa"]))
        extra_rows = []
        for _, o in orphan.iterrows():
            kd_desa = desa_of.get(o["kd_keg"]) or _guess_desa(o["kd_keg"], base["kd_desa"])
            rekening = o["kode_rekening"]
            keg = None
            if rekening.startswith("5") and kd_desa:
                keg = normalize_kode_kegiatan(o["kd_keg"][len(kd_desa):])
            findings.append(_finding("Ta_JurnalUmumRinci", int(o["_baris"]), "Rincian", rekening,
                                     "realisasi_tanpa_anggaran", "peringatan",
                                     f"Realisasi {_rp(o['nilai'])} pada {o['kd_keg']} rekening {rekening} tidak punya "
                                     "baris anggaran; dicatat sebagai baris beranggaran 0."))
            extra_rows.append({"kd_desa": kd_desa, "tahun": o["tahun"], "kd_keg": o["kd_keg"], "kode_kegiatan": keg,
                               "kode_rekening": rekening, "anggaran": 0.0, "realisasi": float(o["nilai"]),
                               "nama_kegiatan": None, "uraian": None,
                               "sumber_dana": default_sumber_dana(rekening) if rekening[0] in "46" else None,
                               "_tabel": "Ta_JurnalUmumRinci", "_baris": int(o["_baris"])})
        lines = pd.concat([lines, pd.DataFrame(extra_rows)], ignore_index=True)
    return lines, findings


def _guess_desa(kd_keg: str, kd_desa: pd.Series) -> str | None:
    for d in sorted(set(kd_desa), key=len, reverse=True):
        if d and kd_keg.startswith(d):
            return d
    return None


# --------------------------------------------------------------------------- village mapping

#: Columns of the correctable Kd_Desa mapping file (:func:`p3pd_lib.history.mapping_path`); matching
#: itself is :func:`p3pd_lib.siskeudes_desa.match_kd_desa`. ``cara``: ``kode`` (Kd_Desa is the official
#: code and the names agree), ``otomatis`` (matched by name), ``periksa`` (uncertain: ``kandidat``
#: lists the closest official villages; correct ``kode_desa`` and set ``cara`` to ``manual``), ``manual``.
MAPPING_COLUMNS = ("kd_desa", "nama_desa_siskeudes", "kode_desa", "nama_desa", "cara", "skor", "kandidat")
