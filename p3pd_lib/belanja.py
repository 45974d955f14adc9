"""Village spending (belanja desa): APBDes mapping, spending indicators, fiscal rules.

Three editable parameter tables drive this module (DOMAIN.md §3):

- ``parameters/pemetaan_apbdes.csv`` — one row per kegiatan-code prefix
  (``BB``, ``BB.SS``, ``BB.SS.K`` or ``BB.SS.KK``; ``02.02.9`` covers the local
  codes 02.02.90–99) with its ``sektor``, ``kelompok``, whether the code is
  ``campuran`` (mixed: the kegiatan name decides), the Dana Desa earmark it
  counts for (``penanda_dd``), a reason and its ``sumber`` tag. The most
  specific (longest) prefix wins.
- ``parameters/kata_kunci_apbdes.csv`` — keyword rules on the kegiatan name.
  A rule with ``kode = *`` applies anywhere (e.g. "BLT" → SOS), a rule with a
  code prefix applies only to lines whose mapping row is ``campuran`` (e.g.
  "jamban" under 02.02.90 → AIR). ``kecuali_kode`` lists prefixes where the rule
  never applies (bidang 01: a "jaminan sosial" of officials is a staff benefit,
  not social protection). Rules without ``kelompok`` only tag a Dana Desa
  earmark (``ketahanan pangan``). Among matching rules the longest ``kode``
  wins, then file order. Keywords match whole words, case-insensitively, in
  ``nama_kegiatan`` (``uraian`` when the name is empty: a line's uraian is
  usually its object of spending, e.g. "air mineral rapat", and would mislead).
- ``parameters/aturan_dana_desa.csv`` — year-versioned rules: Dana Desa
  earmarks (share of the Dana Desa ceiling) and the PP 11/2019 30 % cap on
  siltap and allowances (share of total belanja). The direction of a rule can
  change between years (BLT ≥ 40 % in 2022, 10–25 % in 2023, ≤ 25 % in 2024).

Kelurahan have no APBDes: :func:`map_apbdes` DROPS their lines, so that no
spending indicator, composition or rule check can include them by accident.
Such lines are a data-quality finding (DOMAIN.md §6), which ``quality.py``
reports from the raw ``apbdes`` table; :func:`is_kelurahan` is the shared test.

Shares are percentages (0–100) computed as Σ/Σ; a zero or missing
denominator gives ``<NA>``, and a missing realisation is never read as zero.
All functions are pure: inputs are never modified. Heavy columns are worked on
through their distinct values (``pd.factorize``) and ``np.bincount``, so a
4-province × 4-year table (≈ 6 million lines) maps in about a second.

>>> normalize_kode_kegiatan(pd.Series(["02.01.05.", "2.1.5", " 02. 02.90 ", "x"])).tolist()
['02.01.05', '02.01.05', '02.02.90', <NA>]
"""

from __future__ import annotations

import re
from concurrent.futures import Executor
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .errors import DataError, ParameterError
from .indicators import _str_take as _text_take
from .textcodes import _appearance_order, _arrow_of, _text_codes
from .paths import parameter_file

# --- vocabulary ---------------------------------------------------------------------------------

SEKTOR: tuple[str, ...] = ("PEND", "KES", "AIR", "SOS", "ADM")
KELOMPOK: tuple[str, ...] = (
    "layanan_dasar", "personel", "operasional", "infrastruktur", "ekonomi", "pembinaan", "bencana", "lainnya",
)
JENIS_BARIS: tuple[str, ...] = ("pendapatan", "belanja", "pembiayaan")
STATUS_PEMETAAN: tuple[str, ...] = ("dipetakan", "ambigu", "tidak_dipetakan")
BASIS_ATURAN: tuple[str, ...] = ("dana_desa", "total_belanja")
TAG: tuple[str, ...] = ("sourced", "proposed")

#: Indonesian labels for charts and reports.
LABEL_SEKTOR: dict[str, str] = {
    "PEND": "Pendidikan",
    "KES": "Kesehatan",
    "AIR": "Air bersih & sanitasi",
    "SOS": "Perlindungan sosial",
    "ADM": "Administrasi kependudukan",
}
LABEL_KELOMPOK: dict[str, str] = {
    "layanan_dasar": "Layanan dasar",
    "personel": "Siltap & tunjangan",
    "operasional": "Operasional pemerintahan",
    "infrastruktur": "Infrastruktur fisik",
    "ekonomi": "Ekonomi",
    "pembinaan": "Pembinaan kemasyarakatan",
    "bencana": "Bencana & darurat",
    "lainnya": "Lainnya",
}

#: Components of the spending mix: the five sectors, then the non-basic groups.
KOMPONEN: tuple[str, ...] = (*SEKTOR, *KELOMPOK[1:])

#: The spending indicators (DOMAIN.md §4): name, direction and unit.
INDIKATOR_BELANJA: dict[str, dict[str, str]] = {
    "BEL01": {"nama": "Porsi belanja layanan dasar", "arah": "higher", "satuan": "%"},
    "BEL02": {"nama": "Porsi belanja pendidikan", "arah": "", "satuan": "%", "sektor": "PEND"},
    "BEL03": {"nama": "Porsi belanja kesehatan", "arah": "", "satuan": "%", "sektor": "KES"},
    "BEL04": {"nama": "Porsi belanja air bersih & sanitasi", "arah": "", "satuan": "%", "sektor": "AIR"},
    "BEL05": {"nama": "Porsi belanja perlindungan sosial", "arah": "", "satuan": "%", "sektor": "SOS"},
    "BEL06": {"nama": "Porsi belanja administrasi kependudukan", "arah": "", "satuan": "%", "sektor": "ADM"},
    "BEL07": {"nama": "Porsi siltap & tunjangan", "arah": "lower", "satuan": "%"},
    "BEL08": {"nama": "Porsi infrastruktur fisik", "arah": "", "satuan": "%"},
    "BEL09": {"nama": "Realisasi belanja layanan dasar", "arah": "higher", "satuan": "%"},
    "BEL10": {"nama": "Belanja layanan dasar per kapita", "arah": "higher", "satuan": "Rp/jiwa"},
}
#: Sector of each per-sector share indicator (BEL02–BEL06).
INDIKATOR_SEKTOR: dict[str, str] = {k: v["sektor"] for k, v in INDIKATOR_BELANJA.items() if "sektor" in v}

#: BEL09 target: a design choice of the kit, not a regulation.
TARGET_REALISASI: float = 90.0
SUMBER_TARGET_REALISASI = "Usulan kit P3PD (dapat diubah)"

SPENDING_COLUMNS = [
    "kode_desa", "tahun", "indikator", "pembilang", "penyebut", "nilai", "target", "sumber_target", "tag_target",
]
COMPLIANCE_COLUMNS = [
    "kode_desa", "tahun", "aturan", "nama_aturan", "basis", "jumlah", "penyebut", "nilai",
    "batas_bawah", "batas_atas", "dasar_hukum", "tag", "patuh", "pesan",
]
FINDING_COLUMNS = ["no", "temuan", "aturan", "nilai", "batas", "status", "saran"]

# Floating-point slack when comparing a share with a bound: 30.000000000000004 % is 30 %.
_EPS = 1e-9

# --- parameter tables ---------------------------------------------------------------------------

_KODE_PREFIX = re.compile(r"^\d{2}(\.\d{2}(\.\d{1,2})?)?$")
_MAPPING_COLUMNS = ("kode", "sektor", "kelompok", "campuran", "penanda_dd", "alasan", "sumber")
_KEYWORD_COLUMNS = ("kata_kunci", "kode", "kecuali_kode", "sektor", "kelompok", "penanda_dd", "alasan", "sumber")
_RULE_COLUMNS = (
    "aturan", "nama_aturan", "tahun", "basis", "batas_bawah", "batas_atas", "dasar_hukum", "tag", "catatan",
)


def _read_csv(path: str | Path, what: str) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise ParameterError(f"Berkas parameter {what} tidak ditemukan: {path}")
    return pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""], encoding="utf-8")


def _check_columns(df: pd.DataFrame, required: Iterable[str], what: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ParameterError(f"Tabel {what} tidak memuat kolom: {', '.join(missing)}.")


def _row(i: int) -> str:
    # Row numbers as a user sees them in a spreadsheet: the header is line 1.
    return f"baris {i + 2}"


def _strip(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    return df.assign(**{c: df[c].astype("string").str.strip().replace("", pd.NA) for c in columns})


def validate_mapping(mapping: pd.DataFrame) -> pd.DataFrame:
    """Check a mapping table and return a clean copy (raises :class:`ParameterError`).

    >>> validate_mapping(pd.DataFrame({"kode": ["02.01"], "sektor": ["PEND"], "kelompok": ["layanan_dasar"],
    ...     "campuran": ["tidak"], "penanda_dd": [None], "alasan": ["Pendidikan"], "sumber": ["proposed"]})).shape
    (1, 7)
    """
    what = "pemetaan APBDes"
    _check_columns(mapping, _MAPPING_COLUMNS, what)
    m = _strip(mapping[list(_MAPPING_COLUMNS)].reset_index(drop=True), _MAPPING_COLUMNS)
    m = m.assign(campuran=m["campuran"].fillna("tidak").str.lower())
    for i, r in m.iterrows():
        where = f"Tabel {what}, {_row(i)} (kode {r['kode']!r})"
        if pd.isna(r["kode"]) or not _KODE_PREFIX.match(r["kode"]):
            raise ParameterError(f"{where}: kode harus berbentuk BB, BB.SS, BB.SS.K atau BB.SS.KK.")
        if r["kelompok"] not in KELOMPOK:
            raise ParameterError(f"{where}: kelompok harus salah satu dari {', '.join(KELOMPOK)}.")
        if pd.notna(r["sektor"]) and r["sektor"] not in SEKTOR:
            raise ParameterError(f"{where}: sektor harus kosong atau salah satu dari {', '.join(SEKTOR)}.")
        if (r["kelompok"] == "layanan_dasar") != pd.notna(r["sektor"]):
            raise ParameterError(f"{where}: sektor diisi jika dan hanya jika kelompok = layanan_dasar.")
        if r["campuran"] not in ("ya", "tidak"):
            raise ParameterError(f"{where}: kolom campuran harus 'ya' atau 'tidak'.")
        if pd.isna(r["alasan"]):
            raise ParameterError(f"{where}: alasan pemetaan wajib diisi.")
        if r["sumber"] not in TAG:
            raise ParameterError(f"{where}: sumber harus 'sourced' atau 'proposed'.")
    dup = m["kode"].duplicated(keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[1])
        raise ParameterError(f"Tabel {what}, {_row(i)}: kode {m['kode'][i]!r} muncul lebih dari sekali.")
    return m


def validate_keyword_rules(keywords: pd.DataFrame) -> pd.DataFrame:
    """Check a keyword-rule table and return a clean copy (raises :class:`ParameterError`)."""
    what = "kata kunci APBDes"
    _check_columns(keywords, _KEYWORD_COLUMNS, what)
    k = _strip(keywords[list(_KEYWORD_COLUMNS)].reset_index(drop=True), _KEYWORD_COLUMNS)
    for i, r in k.iterrows():
        where = f"Tabel {what}, {_row(i)} (kata kunci {r['kata_kunci']!r})"
        if pd.isna(r["kata_kunci"]):
            raise ParameterError(f"{where}: kata kunci wajib diisi.")
        if pd.isna(r["kode"]) or (r["kode"] != "*" and not _KODE_PREFIX.match(r["kode"])):
            raise ParameterError(f"{where}: kode harus '*' (di mana saja) atau awalan kode BB, BB.SS, BB.SS.K(K).")
        for ex in _split_codes(r["kecuali_kode"]):
            if not _KODE_PREFIX.match(ex):
                raise ParameterError(f"{where}: kecuali_kode {ex!r} bukan awalan kode kegiatan (pisahkan dengan ';').")
        if pd.notna(r["kelompok"]) and r["kelompok"] not in KELOMPOK:
            raise ParameterError(f"{where}: kelompok harus kosong atau salah satu dari {', '.join(KELOMPOK)}.")
        if pd.notna(r["sektor"]) and r["sektor"] not in SEKTOR:
            raise ParameterError(f"{where}: sektor harus kosong atau salah satu dari {', '.join(SEKTOR)}.")
        if pd.notna(r["kelompok"]) and (r["kelompok"] == "layanan_dasar") != pd.notna(r["sektor"]):
            raise ParameterError(f"{where}: sektor diisi jika dan hanya jika kelompok = layanan_dasar.")
        if pd.isna(r["kelompok"]) and pd.notna(r["sektor"]):
            raise ParameterError(f"{where}: sektor diisi tetapi kelompok kosong.")
        if pd.isna(r["kelompok"]) and pd.isna(r["penanda_dd"]):
            raise ParameterError(f"{where}: aturan tidak mengubah apa pun (isi kelompok atau penanda_dd).")
        if pd.isna(r["alasan"]):
            raise ParameterError(f"{where}: alasan wajib diisi.")
        if r["sumber"] not in TAG:
            raise ParameterError(f"{where}: sumber harus 'sourced' atau 'proposed'.")
    return k


def validate_dana_desa_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """Check a year-versioned rules table and return a typed copy (raises :class:`ParameterError`).

    Bounds are percentages (0–100) of the rule's ``basis``: ``dana_desa`` (the
    Dana Desa ceiling) or ``total_belanja`` (only rule ``PERSONEL``).
    """
    what = "aturan Dana Desa"
    _check_columns(rules, _RULE_COLUMNS, what)
    text_cols = ("aturan", "nama_aturan", "basis", "dasar_hukum", "tag", "catatan")
    r = _strip(rules[list(_RULE_COLUMNS)].reset_index(drop=True), text_cols)
    out: dict[str, Any] = {c: r[c] for c in text_cols}
    for col in ("tahun", "batas_bawah", "batas_atas"):
        values = pd.to_numeric(r[col].astype("string").str.strip().replace("", pd.NA), errors="coerce")
        bad = values.isna() & r[col].astype("string").str.strip().replace("", pd.NA).notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ParameterError(f"Tabel {what}, {_row(i)}: nilai {col} {r[col][i]!r} bukan angka.")
        out[col] = values.astype("Float64")
    typed = pd.DataFrame(out)[list(_RULE_COLUMNS)]
    for i, x in typed.iterrows():
        where = f"Tabel {what}, {_row(i)} (aturan {x['aturan']!r}, tahun {x['tahun']})"
        if pd.isna(x["aturan"]) or not re.match(r"^[A-Z][A-Z0-9_]*$", x["aturan"]):
            raise ParameterError(f"{where}: kode aturan wajib diisi dengan huruf besar, mis. BLT.")
        if pd.isna(x["tahun"]) or x["tahun"] != int(x["tahun"]):
            raise ParameterError(f"{where}: tahun wajib berupa bilangan bulat.")
        if x["basis"] not in BASIS_ATURAN:
            raise ParameterError(f"{where}: basis harus 'dana_desa' atau 'total_belanja'.")
        if (x["aturan"] == "PERSONEL") != (x["basis"] == "total_belanja"):
            raise ParameterError(f"{where}: hanya aturan PERSONEL yang berbasis total_belanja.")
        lo, hi = x["batas_bawah"], x["batas_atas"]
        if pd.isna(lo) and pd.isna(hi):
            raise ParameterError(f"{where}: isi batas_bawah dan/atau batas_atas.")
        for b in (lo, hi):
            if pd.notna(b) and not 0 <= b <= 100:
                raise ParameterError(f"{where}: batas harus persen antara 0 dan 100.")
        if pd.notna(lo) and pd.notna(hi) and lo > hi:
            raise ParameterError(f"{where}: batas_bawah lebih besar dari batas_atas.")
        if pd.isna(x["dasar_hukum"]):
            raise ParameterError(f"{where}: dasar hukum/sumber wajib diisi.")
        if x["tag"] not in TAG:
            raise ParameterError(f"{where}: tag harus 'sourced' atau 'proposed'.")
    dup = typed.duplicated(["aturan", "tahun"], keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[1])
        raise ParameterError(f"Tabel {what}, {_row(i)}: aturan dan tahun yang sama muncul lebih dari sekali.")
    return typed.assign(tahun=typed["tahun"].astype("Int64"))


@lru_cache(maxsize=8)
def _load_cached(kind: str, path: str) -> pd.DataFrame:
    loaders = {
        "mapping": (validate_mapping, "pemetaan APBDes"),
        "keywords": (validate_keyword_rules, "kata kunci APBDes"),
        "rules": (validate_dana_desa_rules, "aturan Dana Desa"),
    }
    validate, what = loaders[kind]
    return validate(_read_csv(path, what))


def load_mapping(path: str | Path | None = None) -> pd.DataFrame:
    """The APBDes → sector/group mapping (``parameters/pemetaan_apbdes.csv``), validated.

    >>> m = load_mapping()
    >>> m.set_index("kode").loc["01.01.03", ["sektor", "kelompok"]].tolist()
    [<NA>, 'operasional']
    """
    return _load_cached("mapping", str(path or parameter_file("pemetaan_apbdes.csv"))).copy()


def load_keyword_rules(path: str | Path | None = None) -> pd.DataFrame:
    """Keyword rules for mixed codes and earmarks (``parameters/kata_kunci_apbdes.csv``), validated."""
    return _load_cached("keywords", str(path or parameter_file("kata_kunci_apbdes.csv"))).copy()


def load_dana_desa_rules(path: str | Path | None = None) -> pd.DataFrame:
    """Year-versioned Dana Desa and personnel rules (``parameters/aturan_dana_desa.csv``), validated.

    >>> r = load_dana_desa_rules()
    >>> r[(r["aturan"] == "BLT") & (r["tahun"] == 2023)][["batas_bawah", "batas_atas"]].values.tolist()
    [[10.0, 25.0]]
    """
    return _load_cached("rules", str(path or parameter_file("aturan_dana_desa.csv"))).copy()


# --- codes ---------------------------------------------------------------------------------------

_KODE_KEG = re.compile(r"^(\d{1,2})\.(\d{1,2})(?:\.(\d{1,2}))?$")


def _normalize_one(code: Any) -> Any:
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return pd.NA
    text = re.sub(r"\s+", "", str(code)).rstrip(".")
    m = _KODE_KEG.match(text)
    if not m:
        return pd.NA
    return ".".join(p.zfill(2) for p in m.groups() if p is not None)


def normalize_kode_kegiatan(codes: pd.Series) -> pd.Series:
    """Kegiatan codes as ``BB.SS.KK`` (or ``BB.SS``): trailing dots, spaces and
    missing zeros fixed; anything else becomes ``<NA>``. Works on distinct values.

    >>> normalize_kode_kegiatan(pd.Series(["01.01.01.", "5.3.1", None])).tolist()
    ['01.01.01', '05.03.01', <NA>]
    """
    idx, uniques = pd.factorize(codes, use_na_sentinel=True)
    norm = pd.array([_normalize_one(u) for u in uniques], dtype="string")
    out = norm.take(idx, allow_fill=True) if len(norm) else pd.array([pd.NA] * len(codes), dtype="string")
    return pd.Series(out, index=codes.index, name=codes.name, dtype="string")


def _normalize_rekening(code: Any) -> tuple[str, ...]:
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return ()
    parts = re.sub(r"\s+", "", str(code)).strip(".").split(".")
    return tuple(str(int(p)) if p.isdigit() else p for p in parts if p != "")


def _rekening_codes(rek: pd.Series) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Factorised kode_rekening: row codes and the parsed parts of each distinct value."""
    idx, uniques = _value_codes(rek)
    return idx, [_normalize_rekening(u) for u in uniques]


def _value_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer code per row (−1 = missing) and the value of each code, in no particular order.

    For a categorical these are its own codes and categories (no pass over the
    rows); otherwise :func:`~p3pd_lib.textcodes._text_codes`. For lookups
    that work per distinct value, where the numbering does not matter.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        return np.asarray(s.cat.codes), np.asarray(s.cat.categories.astype(object), dtype=object)
    return _text_codes(s)


def _sorted_ranks(codes: np.ndarray, uniques: np.ndarray, *, all_present: bool = False
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``uniques[codes]`` (−1 = missing) renumbered by sorted value, and the values present, sorted.

    Only the values present get a rank. ``all_present``: the caller knows every
    value occurs (codes straight from :func:`~p3pd_lib.textcodes._text_codes`),
    which saves a pass.
    """
    k = len(uniques)
    if all_present:
        present = np.arange(k)
    else:
        seen = np.zeros(k + 1, dtype=bool)
        seen[codes] = True  # code -1 marks the last slot
        present = np.flatnonzero(seen[:k])
    order = present[np.argsort(uniques[present], kind="stable")]
    if len(order) == k and bool((order == np.arange(k)).all()):
        return codes, uniques  # already numbered in sorted order (e.g. kode_desa of a sorted table)
    new = np.full(k + 1, -1, dtype=np.int32)  # last slot: missing stays missing
    new[order] = np.arange(len(order), dtype=np.int32)
    return new[codes], uniques[order]


def _sorted_categorical(codes: np.ndarray, uniques: np.ndarray, dtype: Any, *,
                        all_present: bool = False) -> pd.Categorical:
    """The Categorical of ``uniques[codes]`` (code −1 = missing): categories are the values present, sorted.

    Sorted categories make sorting by the column sort its text, and only the
    values present are kept (no category of a dropped kelurahan line). See
    :func:`_sorted_ranks` for ``all_present``.
    """
    ranks, values = _sorted_ranks(codes, uniques, all_present=all_present)
    # Codes are in range by construction: pandas' check would be two more passes over the lines.
    return pd.Categorical.from_codes(ranks, categories=pd.Index(values, dtype=dtype), validate=False)


def _compact_lines(df: pd.DataFrame, keep: np.ndarray | None, given: dict[str, Any]) -> pd.DataFrame:
    """``df`` at rows ``keep`` (every row when ``None``), its text columns as categoricals.

    The APBDes has millions of lines but only hundreds or thousands of
    distinct codes and names: rebuilding each text column from its cached
    integer codes (see :func:`~p3pd_lib.textcodes._text_codes`) takes a few
    megabytes where copying the strings of the lines kept took about 750 MB
    (and, in a fresh process, more time faulting that memory in than the
    mapping itself). ``given`` holds columns already built for the rows kept;
    they replace those of ``df`` in place. Values and index are those of
    ``df.iloc[keep]``.
    """
    if df.columns.has_duplicates:  # not a valid apbdes table; keep the plain row selection
        out = df if keep is None else df.iloc[keep]
        return out.assign(**given)
    text = [c for c in df.columns if c not in given and isinstance(df[c].dtype, pd.StringDtype)]
    rest = df.drop(columns=[*text, *given])
    if keep is not None:
        rest = rest.iloc[keep]
    built = dict(given)
    for col in text:
        codes, uniques = _text_codes(df[col])
        built[col] = _sorted_categorical(codes if keep is None else codes[keep], uniques, df[col].dtype,
                                         all_present=keep is None)
    return rest.assign(**built)[list(df.columns)]


def is_kelurahan(kode_desa: pd.Series, wilayah: pd.DataFrame | None = None) -> pd.Series:
    """Boolean Series: True where a code is a kelurahan.

    The official list (``wilayah.jenis``) decides for codes it holds; for other
    codes the first digit of the last segment does (1 = kelurahan, DOMAIN.md §2).

    >>> is_kelurahan(pd.Series(["33.07.01.1001", "33.07.01.2001"])).tolist()
    [True, False]
    """
    codes = kode_desa.astype("string")
    by_digit = codes.str.slice(9, 10).eq("1").fillna(False).to_numpy(dtype=bool)
    if wilayah is None or len(wilayah) == 0:
        return pd.Series(by_digit, index=kode_desa.index)
    if not {"kode_desa", "jenis"} <= set(wilayah.columns):
        raise DataError("Tabel wilayah harus memuat kolom kode_desa dan jenis.")
    known = _isin_text(codes, wilayah["kode_desa"])
    kel = _isin_text(codes, wilayah.loc[(wilayah["jenis"] == "kelurahan").fillna(False), "kode_desa"])
    return pd.Series(np.where(known, kel, by_digit), index=kode_desa.index)


def _isin_text(values: pd.Series, pool: pd.Series) -> np.ndarray:
    """``values.isin(pool)`` for text columns, as one Arrow ``is_in``.

    ``Series.isin`` on Arrow strings converts the pool value by value (tenths
    of a second for the 84,000 official codes); the result here is the same.
    """
    import pyarrow.compute as pc

    v = values.astype("string[pyarrow]").array.__arrow_array__()
    p = pool.astype("string[pyarrow]").array.__arrow_array__()
    p = p.combine_chunks() if p.num_chunks != 1 else p.chunk(0)
    if v.type != p.type:
        p = p.cast(v.type)
    return np.asarray(pc.is_in(v, value_set=p).to_numpy(zero_copy_only=False), dtype=bool)


# --- mapping --------------------------------------------------------------------------------------

_APBDES_REQUIRED = ("kode_desa", "tahun", "kode_kegiatan", "kode_rekening", "anggaran")


def _check_apbdes(apbdes: pd.DataFrame, what: str = "apbdes") -> None:
    if not isinstance(apbdes, pd.DataFrame):
        raise DataError(f"Tabel {what} harus berupa DataFrame.")
    missing = [c for c in _APBDES_REQUIRED if c not in apbdes.columns]
    if missing:
        raise DataError(f"Tabel {what} tidak memuat kolom: {', '.join(missing)}.")


def _split_codes(text: Any) -> list[str]:
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return []
    return [p.strip() for p in str(text).split(";") if p.strip()]


def _keyword_regex(word: str) -> re.Pattern[str]:
    # Whole words only ("air" must not match "Bairan"); spaces in a phrase match any whitespace.
    body = r"\s+".join(re.escape(w) for w in word.split())
    return re.compile(rf"(?<![0-9A-Za-z]){body}(?![0-9A-Za-z])", re.IGNORECASE)


def _longest_prefix(code: Any, prefixes: list[str]) -> int:
    """Index in ``prefixes`` (sorted longest first) of the first prefix of ``code``; -1 if none."""
    if code is pd.NA or code is None:
        return -1
    for j, p in enumerate(prefixes):
        if code == p or code.startswith(p + ".") or (p.count(".") == 2 and code.startswith(p)):
            return j
    return -1


def _categorical(codes: np.ndarray, categories: Iterable[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(categories), dtype="string"))


def map_apbdes(
    apbdes: pd.DataFrame,
    wilayah: pd.DataFrame | None = None,
    mapping: pd.DataFrame | None = None,
    keywords: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ``apbdes`` lines of desa with their sector and spending group.

    Adds ``jenis_baris`` (pendapatan 4.*, belanja 5.*, pembiayaan 6.*; a line
    without kode_rekening but with a kegiatan code counts as belanja),
    ``sektor`` (PEND/KES/AIR/SOS/ADM or ``<NA>``), ``kelompok``,
    ``alasan_pemetaan``, ``status_pemetaan`` (dipetakan / ambigu = a mixed code
    no keyword resolved, the mapping's default is used / tidak_dipetakan =
    unknown or empty code, counted in ``lainnya``) and ``penanda_dd`` (the Dana
    Desa earmark the line counts for: BLT, KETAHANAN_PANGAN, OPERASIONAL or
    ``<NA>``). The mapping columns are ``<NA>`` on pendapatan/pembiayaan lines.
    The added columns and the text columns of ``apbdes`` (``kode_desa``,
    ``kode_kegiatan``, ``nama_kegiatan``, …) are categoricals whose
    categories are the values present, sorted: a few distinct codes and names
    repeated over millions of lines (compact, fast to group; values compare
    and sort as the text). Numbers keep their dtype.

    Lines of kelurahan (see :func:`is_kelurahan`) are dropped: kelurahan have
    no APBDes and are outside every spending indicator; report them with the
    data-quality checks. ``kode_kegiatan`` is returned normalised (``BB.SS.KK``).

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 3, "tahun": [2024] * 3,
    ...     "kode_kegiatan": ["02.02.90.", "02.02.90.", "01.01.03"],
    ...     "nama_kegiatan": ["Pembangunan MCK posyandu", "Senam lansia", "Jaminan sosial perangkat"],
    ...     "kode_rekening": ["5.3.1", "5.2.1", "5.1.1"], "anggaran": [10.0, 5.0, 2.0]})
    >>> map_apbdes(lines)[["kode_kegiatan", "sektor", "kelompok", "status_pemetaan"]].values.tolist()
    [['02.02.90', 'AIR', 'layanan_dasar', 'dipetakan'], ['02.02.90', 'KES', 'layanan_dasar', 'ambigu'], ['01.01.03', <NA>, 'operasional', 'dipetakan']]
    """
    _check_apbdes(apbdes)
    m = validate_mapping(mapping) if mapping is not None else load_mapping()
    k = validate_keyword_rules(keywords) if keywords is not None else load_keyword_rules()

    d_idx, d_uniq = _text_codes(apbdes["kode_desa"])
    kel_u = is_kelurahan(pd.Series(d_uniq, dtype="string"), wilayah).to_numpy(dtype=bool)
    kel = kel_u[d_idx] & (d_idx >= 0) if len(kel_u) else np.zeros(len(apbdes), dtype=bool)
    keep = np.flatnonzero(~kel) if kel.any() else None

    def rows(codes: np.ndarray) -> np.ndarray:
        """Per-line values of the full table → those of the lines kept."""
        return codes if keep is None else codes[keep]

    # Codes are read from the full table (the quality checks read it too, so they are computed once).
    kk_idx, kk_uniques = _text_codes(apbdes["kode_kegiatan"])
    rk_idx, rk_parts = _rekening_codes(apbdes["kode_rekening"])
    n = len(apbdes) if keep is None else len(keep)

    # kegiatan codes: normalise distinct values, then resolve them against the mapping.
    kk_norm = [_normalize_one(u) for u in kk_uniques]
    kk_norm_arr = pd.array(kk_norm + [pd.NA], dtype="string")  # last slot = missing code
    kk_idx = rows(kk_idx)
    kk_idx = np.where(kk_idx < 0, len(kk_norm), kk_idx)
    norm_codes, norm_uniques = pd.factorize(kk_norm_arr, use_na_sentinel=True)  # raw variants of one code meet
    kk_dtype = apbdes["kode_kegiatan"].dtype if isinstance(apbdes["kode_kegiatan"].dtype, pd.StringDtype) else "string"
    kode_norm = _sorted_categorical(np.asarray(norm_codes, dtype=np.int32)[kk_idx],
                                    np.asarray(norm_uniques, dtype=object), kk_dtype)
    df = _compact_lines(apbdes, keep, {"kode_kegiatan": kode_norm})

    # Text the keywords look at: the kegiatan name, the uraian where the name is empty.
    if "nama_kegiatan" in df.columns:
        tx_idx, tx_uniques = _text_codes(apbdes["nama_kegiatan"])
        tx_idx = rows(tx_idx)
    else:
        tx_idx, tx_uniques = np.full(n, -1, dtype=np.int64), np.empty(0, dtype=object)
    tx_list = [str(t) for t in tx_uniques]
    if "uraian" in df.columns and (tx_idx < 0).any():
        miss = np.flatnonzero(tx_idx < 0)
        ur_idx, ur_uniques = _text_codes(apbdes["uraian"])
        # Only the uraian values that stand in for a missing name become keyword texts.
        used, u_idx = np.unique(rows(ur_idx)[miss], return_inverse=True)
        has = used >= 0
        slot = np.cumsum(has) - 1 + len(tx_list)
        tx_idx = tx_idx.copy()
        tx_idx[miss] = np.where(has[u_idx], slot[u_idx], -1)
        tx_list += [str(ur_uniques[i]) for i in used[has]]
    tx_list.append("")
    tx_idx = np.where(tx_idx < 0, len(tx_list) - 1, tx_idx)

    # Line type from kode_rekening (distinct values only).
    first = {"4": 0, "5": 1, "6": 2}
    rk_type = np.array([first.get(p[0], -1) if p else -1 for p in rk_parts] + [-1], dtype=np.int8)
    jenis = rk_type[rows(rk_idx)]  # code -1 (missing) picks the last slot
    jenis = np.where((jenis < 0) & (kk_idx < len(kk_norm)), 1, jenis).astype(np.int8)

    # One key per (code, text, is-belanja): the mapping is resolved once per distinct key.
    pair = (kk_idx.astype(np.int64) * len(tx_list) + tx_idx) * 2 + (jenis == 1)
    space = (len(kk_norm) + 1) * len(tx_list) * 2
    if space <= 4 * n + 1_000_000:  # small key space: dense numbering without hashing every line
        # Numbered in order of first appearance, as pd.factorize would (it orders alasan_pemetaan).
        present, _ = _appearance_order(pair, space)
        dense = np.zeros(space, dtype=np.int64)
        dense[present] = np.arange(len(present))
        pair_idx, pair_uniques = dense[pair], present
    else:
        pair_idx, pair_uniques = pd.factorize(pair)
    p_spend = (pair_uniques % 2) == 1
    pk = (pair_uniques // 2) // len(tx_list)
    pt = (pair_uniques // 2) % len(tx_list)

    # Mapping rows, longest prefix first.
    order = m.assign(_len=m["kode"].str.len()).sort_values("_len", ascending=False, kind="stable")
    prefixes = order["kode"].tolist()
    mrows = order.to_dict("records")
    code_row = [_longest_prefix(c, prefixes) for c in kk_norm_arr]

    krules = k.to_dict("records")
    for i, r in enumerate(krules):
        r["_rx"] = _keyword_regex(r["kata_kunci"])
        r["_kecuali"] = _split_codes(r["kecuali_kode"])
        r["_spec"] = 0 if r["kode"] == "*" else len(r["kode"])
        r["_order"] = i
    text_hits = {j: {i for i, r in enumerate(krules) if r["_rx"].search(tx_list[j])}
                 for j in set(pt[p_spend].tolist())}

    def in_scope(rule: dict[str, Any], code: Any) -> bool:
        if code is not pd.NA and any(_longest_prefix(code, [ex]) == 0 for ex in rule["_kecuali"]):
            return False
        return rule["kode"] == "*" or (code is not pd.NA and _longest_prefix(code, [rule["kode"]]) == 0)

    sek_cats, kel_cats = list(SEKTOR), list(KELOMPOK)
    pen_cats = sorted(set(m["penanda_dd"].dropna()) | set(k["penanda_dd"].dropna()))
    alasan_cats: dict[str, int] = {}
    res_sek = np.full(len(pair_uniques), -1, dtype=np.int16)
    res_kel = np.full(len(pair_uniques), -1, dtype=np.int16)
    res_sta = np.full(len(pair_uniques), -1, dtype=np.int8)
    res_pen = np.full(len(pair_uniques), -1, dtype=np.int16)
    res_als = np.full(len(pair_uniques), -1, dtype=np.int32)

    for u in np.flatnonzero(p_spend):
        code = kk_norm_arr[pk[u]]
        row = mrows[code_row[pk[u]]] if code_row[pk[u]] >= 0 else None
        mixed = row is not None and row["campuran"] == "ya"
        hits = [krules[i] for i in sorted(text_hits[pt[u]]) if in_scope(krules[i], code)]
        classify = [r for r in hits if pd.notna(r["kelompok"]) and (r["kode"] == "*" or mixed)]
        tagging = [r for r in hits if pd.notna(r["penanda_dd"])]
        best = max(classify, key=lambda r: (r["_spec"], -r["_order"]), default=None)
        tag = max(tagging, key=lambda r: (r["_spec"], -r["_order"]), default=None)
        if best is not None:
            sek, kelompok, status = best["sektor"], best["kelompok"], "dipetakan"
            alasan = f"Kata kunci '{best['kata_kunci']}': {best['alasan']} [{best['sumber']}]"
        elif row is not None:
            sek, kelompok = row["sektor"], row["kelompok"]
            status = "ambigu" if mixed else "dipetakan"
            alasan = f"Kode {row['kode']}: {row['alasan']} [{row['sumber']}]"
            if mixed:
                alasan += "; kode campuran tanpa kata kunci yang cocok, dipakai pemetaan bawaan"
        else:
            sek, kelompok, status = pd.NA, "lainnya", "tidak_dipetakan"
            raw = kk_uniques[pk[u]] if pk[u] < len(kk_uniques) else None
            alasan = (f"Kode kegiatan '{raw}' tidak ada dalam tabel pemetaan" if code is not pd.NA
                      else ("Kode kegiatan kosong" if raw is None else f"Kode kegiatan '{raw}' tidak valid"))
        penanda = tag["penanda_dd"] if tag is not None else (row["penanda_dd"] if row is not None else pd.NA)
        res_sek[u] = sek_cats.index(sek) if pd.notna(sek) else -1
        res_kel[u] = kel_cats.index(kelompok)
        res_sta[u] = STATUS_PEMETAAN.index(status)
        res_pen[u] = pen_cats.index(penanda) if pd.notna(penanda) else -1
        res_als[u] = alasan_cats.setdefault(alasan, len(alasan_cats))

    def per_row(res: np.ndarray) -> np.ndarray:
        return res[pair_idx] if n else np.empty(0, dtype=np.int64)

    return df.assign(
        jenis_baris=_categorical(jenis, JENIS_BARIS),
        sektor=_categorical(per_row(res_sek), sek_cats),
        kelompok=_categorical(per_row(res_kel), kel_cats),
        alasan_pemetaan=_categorical(per_row(res_als), list(alasan_cats)),
        status_pemetaan=_categorical(per_row(res_sta), STATUS_PEMETAAN),
        penanda_dd=_categorical(per_row(res_pen), pen_cats),
    )


_MAPPED_REQUIRED = ("kode_desa", "tahun", "anggaran", "jenis_baris", "sektor", "kelompok", "status_pemetaan")


def _check_mapped(mapped: pd.DataFrame) -> None:
    if not isinstance(mapped, pd.DataFrame):
        raise DataError("Tabel APBDes terpetakan harus berupa DataFrame.")
    missing = [c for c in _MAPPED_REQUIRED if c not in mapped.columns]
    if missing:
        raise DataError(
            f"Tabel APBDes belum dipetakan (kolom hilang: {', '.join(missing)}); jalankan map_apbdes terlebih dahulu."
        )


def unmapped_lines(mapped: pd.DataFrame) -> pd.DataFrame:
    """Spending lines that are not (cleanly) mapped: ``tidak_dipetakan`` first, then ``ambigu``.

    These lines are never dropped from the indicators (they count in total
    belanja and, when unmapped, in ``lainnya``); this list lets a user fix the
    mapping or the data. Columns: the apbdes columns present plus
    ``status_pemetaan, alasan_pemetaan, sektor, kelompok``.
    """
    _check_mapped(mapped)
    sel = mapped[(mapped["jenis_baris"] == "belanja") & mapped["status_pemetaan"].isin(["tidak_dipetakan", "ambigu"])]
    keep = [c for c in ("kode_desa", "tahun", "kode_kegiatan", "nama_kegiatan", "kode_rekening", "uraian",
                        "sumber_dana", "anggaran", "realisasi") if c in sel.columns]
    out = sel[keep + ["status_pemetaan", "alasan_pemetaan", "sektor", "kelompok"]]
    rank = out["status_pemetaan"].astype("string").map({"tidak_dipetakan": 0, "ambigu": 1})
    return (
        out.assign(_r=rank.astype("int64"))
        .sort_values(["_r", "kode_desa", "tahun", "kode_kegiatan"], kind="stable")
        .drop(columns="_r")
        .reset_index(drop=True)
    )


# --- grouping helpers -----------------------------------------------------------------------------


def _sorted_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(s, sort=True)`` from the cached codes: only the distinct values are sorted."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        # Ranks straight from the category codes (map_apbdes's text columns): no pass over strings.
        ranks, values = _sorted_ranks(*_value_codes(s))
        return np.asarray(ranks, dtype=np.int64), values
    if _arrow_of(s) is None:
        idx, uniq = pd.factorize(s, sort=True, use_na_sentinel=True)
        return np.asarray(idx, dtype=np.int64), np.asarray(pd.Index(uniq).astype(object), dtype=object)
    codes, uniques = _text_codes(s)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # missing stays missing
    return rank[codes], uniques[order]


class _Groups:
    """Desa-year groups of a line table, by integer code (fast sums with ``np.bincount``).

    ``code`` is the group of each line, ``-1`` when its kode_desa or tahun is missing.
    """

    def __init__(self, df: pd.DataFrame):
        d_idx, d_uniq = _sorted_codes(df["kode_desa"])
        t, t_ok = _years(df["tahun"])
        ok = (d_idx >= 0) & t_ok
        all_ok = bool(ok.all())
        tmin = int(t.min() if all_ok else t[ok].min()) if ok.any() else 0
        span = int(t.max() if all_ok else t[ok].max()) - tmin + 1 if ok.any() else 1
        raw = d_idx.astype(np.int64) * span + (t - tmin)
        if not all_ok:
            raw = np.where(ok, raw, 0)
        # Dense remapping of the used (desa, year) cells without sorting 6 million keys.
        counts = np.bincount(raw if all_ok else raw[ok], minlength=max(len(d_uniq), 1) * span)
        used = np.flatnonzero(counts)
        remap = np.full(len(counts), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        self.code = remap[raw] if all_ok else np.where(ok, remap[raw], -1)
        self.n = len(used)
        self._code_or_n = np.where(self.code < 0, self.n, self.code)
        uniq = pd.array(np.asarray(d_uniq, dtype=object), dtype="string") if len(d_uniq) else pd.array([], dtype="string")
        self.kode_desa = uniq.take(used // span) if self.n else pd.array([], dtype="string")
        self.tahun = pd.array(used % span + tmin, dtype="Int64")
        # APBDes tables list a desa-year's lines together: then sums run over contiguous runs of lines
        # (np.add.reduceat), cheaper than scattering every line into its group. Lines in no order
        # at all (more than one run per 8 lines) keep the scatter.
        starts = np.flatnonzero(self.code[1:] != self.code[:-1]) + 1 if len(self.code) else self.code
        self._runs: np.ndarray | None = None
        if len(self.code) and len(starts) + 1 <= len(self.code) // 8:
            self._runs = np.concatenate(([0], starts))
            self._run_group = self._code_or_n[self._runs]

    def sum(self, weights: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Σ weights per group over the lines where ``mask`` holds."""
        if self._runs is not None:
            picked = weights if mask is None else np.where(mask, weights, 0.0)
            by_run = np.add.reduceat(np.asarray(picked, dtype=float), self._runs)
            return np.bincount(self._run_group, weights=by_run, minlength=self.n + 1)[: self.n]
        cell = self._code_or_n if mask is None else np.where(mask, self._code_or_n, self.n)
        return np.bincount(cell, weights=weights, minlength=self.n + 1)[: self.n]

    def any(self, mask: np.ndarray) -> np.ndarray:
        """Whether each group has at least one line where ``mask`` holds."""
        if self._runs is not None:
            out = np.zeros(self.n + 1, dtype=bool)
            out[self._run_group[np.logical_or.reduceat(np.asarray(mask, dtype=bool), self._runs)]] = True
            return out[: self.n]
        return np.bincount(np.where(mask, self._code_or_n, self.n), minlength=self.n + 1)[: self.n] > 0

    def by(self, category: np.ndarray, k: int, weights: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Σ weights per group and category (``0 <= category < k``): a (groups × k) matrix."""
        cell = np.where(mask & (self.code >= 0), self.code * k + category, self.n * k)
        return np.bincount(cell, weights=weights, minlength=self.n * k + 1)[: self.n * k].reshape(self.n, k)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"kode_desa": self.kode_desa, "tahun": self.tahun})


def _years(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer years and a validity mask (integer columns without a float round trip)."""
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.to_numpy(dtype=np.int64, na_value=0), s.notna().to_numpy(dtype=bool)
    f = _numbers(s)
    ok = ~np.isnan(f)
    return np.where(ok, f, 0).astype(np.int64), ok


def _numbers(s: pd.Series, fill: float = np.nan) -> np.ndarray:
    """Float numpy array of a numeric column, missing values as ``fill``."""
    if not pd.api.types.is_numeric_dtype(s.dtype):
        s = pd.to_numeric(s, errors="coerce")
    return s.to_numpy(dtype=float, na_value=fill)


def _money(s: pd.Series) -> np.ndarray:
    return _numbers(s)


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((den != 0) & ~np.isnan(den) & ~np.isnan(num), 100.0 * num / den, np.nan)


def _f64(values: Any) -> pd.arrays.FloatingArray:
    """A nullable Float64 array from floats, NaN becoming ``<NA>``."""
    arr = np.asarray(values, dtype=float).ravel()
    missing = np.isnan(arr)
    return pd.arrays.FloatingArray(np.where(missing, 0.0, arr), missing)


# --- spending indicators ----------------------------------------------------------------------------



def _codes(series: pd.Series, categories: Iterable[str]) -> np.ndarray:
    """Integer codes of ``series`` in ``categories`` (-1 for missing/other); free for our categoricals."""
    cats = list(categories)
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int64)
        own = list(series.cat.categories)
        if own == cats:
            return codes
        # Recode through the (small) category lists instead of re-reading millions of strings.
        lut = np.array([cats.index(c) if c in cats else -1 for c in own] + [-1], dtype=np.int64)
        return lut[np.where(codes < 0, len(own), codes)]
    idx, uniques = pd.factorize(series, use_na_sentinel=True)
    lut = np.array([cats.index(u) if u in cats else -1 for u in uniques] + [-1], dtype=np.int64)
    return lut[np.where(idx < 0, len(uniques), idx)]


def _str_take(values: list[Any], idx: np.ndarray) -> pd.arrays.ArrowStringArray:
    """A string array picking ``values[idx]`` (``None``/``<NA>`` = missing, other values as text).

    :func:`p3pd_lib.indicators._str_take` builds it; this only brings the values to text first.
    """
    texts = [None if v is None or v is pd.NA else str(v) for v in values]
    return _text_take(texts, np.asarray(idx).ravel())


def _bool_array(verdict: np.ndarray) -> pd.arrays.BooleanArray:
    """1/0/-1 → True/False/<NA>."""
    return pd.arrays.BooleanArray(verdict == 1, verdict < 0)


class _Spending:
    """The spending sums every indicator needs, computed once per mapped table."""

    def __init__(self, mapped: pd.DataFrame):
        _check_mapped(mapped)
        self.g = g = _Groups(mapped)
        self.spend = (_codes(mapped["jenis_baris"], JENIS_BARIS) == 1) & (g.code >= 0)
        self.amount = _numbers(mapped["anggaran"], fill=0.0)
        sek = _codes(mapped["sektor"], SEKTOR)
        kel = _codes(mapped["kelompok"], KELOMPOK)
        self.sek, self.kel = sek, kel
        # Basic-service lines go to their sector, other lines to their group, anything odd to lainnya.
        self.comp = np.where(sek >= 0, sek, np.where(kel > 0, len(SEKTOR) + kel - 1, len(KOMPONEN) - 1))
        self.sums = g.by(self.comp, len(KOMPONEN), self.amount, self.spend)
        self.total = self.sums.sum(axis=1)
        self.has_spend = g.any(self.spend)


def _rules_for(rules: pd.DataFrame, aturan: str) -> pd.DataFrame:
    return rules[rules["aturan"] == aturan].set_index("tahun")


def spending_indicators(
    mapped: pd.DataFrame,
    layanan: pd.DataFrame | None = None,
    rules: pd.DataFrame | None = None,
    target_realisasi: float = TARGET_REALISASI,
) -> pd.DataFrame:
    """BEL01–BEL10 per desa and year, long format.

    Columns ``kode_desa, tahun, indikator, pembilang, penyebut, nilai, target,
    sumber_target, tag_target``. Shares (BEL01–BEL08) are Σ anggaran of the
    lines concerned / Σ anggaran of all belanja lines × 100. BEL07 = group
    ``personel`` (01.01.01 + 01.01.02 + 01.01.05 in the default mapping), its
    target is the year's ``PERSONEL`` rule (≤ 30 %, PP 11/2019). BEL09 = Σ
    realisasi / Σ anggaran of basic-service lines whose realisation is known
    (``<NA>`` when none is: missing is not zero), target ``target_realisasi``
    [proposed]. BEL10 = basic-service budget (Rp) / ``layanan.penduduk``
    (``<NA>`` without population). Desa-years with no belanja line get no value.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "kode_kegiatan": ["02.01.01", "01.01.01"], "nama_kegiatan": ["PAUD", "Siltap"],
    ...     "kode_rekening": ["5.1.1", "5.1.1"], "anggaran": [25.0, 75.0], "realisasi": [None, 70.0]})
    >>> ind = spending_indicators(map_apbdes(lines)).set_index("indikator")
    >>> ind.loc[["BEL01", "BEL07", "BEL09"], ["nilai", "target"]].values.tolist()
    [[25.0, <NA>], [75.0, 30.0], [<NA>, 90.0]]
    """
    return _spending_indicators(_Spending(mapped), mapped, layanan, rules, target_realisasi)


def _spending_indicators(sp: "_Spending", mapped: pd.DataFrame, layanan: pd.DataFrame | None,
                         rules: pd.DataFrame | None, target_realisasi: float) -> pd.DataFrame:
    r = validate_dana_desa_rules(rules) if rules is not None else load_dana_desa_rules()
    g, total = sp.g, sp.total
    sectors = sp.sums[:, : len(SEKTOR)]
    basic = sectors.sum(axis=1)
    personel = sp.sums[:, KOMPONEN.index("personel")]
    infra = sp.sums[:, KOMPONEN.index("infrastruktur")]

    if "realisasi" in mapped.columns:
        real = _numbers(mapped["realisasi"])
        known = sp.spend & (sp.sek >= 0) & ~np.isnan(real)
        has_real = g.any(known)
        real_num = np.where(has_real, g.sum(np.where(known, real, 0.0), known), np.nan)
        real_den = np.where(has_real, g.sum(sp.amount, known), np.nan)
    else:
        real_num = real_den = np.full(g.n, np.nan)

    keys = g.frame()
    pop = np.full(g.n, np.nan)
    if layanan is not None and len(layanan) and g.n:
        if not {"kode_desa", "tahun", "penduduk"} <= set(layanan.columns):
            raise DataError("Tabel layanan harus memuat kolom kode_desa, tahun dan penduduk.")
        pop_tab = layanan[["kode_desa", "tahun", "penduduk"]].astype(
            {"kode_desa": "string", "tahun": "Int64", "penduduk": "Float64"}
        ).drop_duplicates(["kode_desa", "tahun"])
        pop = _numbers(keys.merge(pop_tab, on=["kode_desa", "tahun"], how="left")["penduduk"])
    with np.errstate(divide="ignore", invalid="ignore"):
        per_capita = np.where(pop > 0, basic / pop, np.nan)

    nums = np.column_stack([basic, sectors, personel, infra, real_num, basic])
    dens = np.column_stack([np.repeat(total[:, None], 8, axis=1), real_den, pop])
    vals = np.column_stack([_share(nums[:, :8], dens[:, :8]), _share(real_num, real_den), per_capita])
    # A desa-year with only revenue/financing lines has no spending indicator at all.
    no_spend = ~sp.has_spend[:, None]
    nums, dens, vals = (np.where(no_spend, np.nan, x) for x in (nums, dens, vals))
    sp.indicator_values = vals  # kept for spending_summary (one row per desa-year)

    ids = list(INDIKATOR_BELANJA)
    n_ind = len(ids)
    personnel_rule = _rules_for(r, "PERSONEL")
    years = pd.Series(keys["tahun"].array, dtype="Int64")
    target = np.full((g.n, n_ind), np.nan)
    target[:, 6] = years.map(personnel_rule["batas_atas"]).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    target[:, 8] = target_realisasi
    # Source and tag texts: a small dictionary and an index per cell.
    sources = [None, SUMBER_TARGET_REALISASI, *personnel_rule["dasar_hukum"].dropna().unique().tolist()]
    src = np.zeros((g.n, n_ind), dtype=np.int64)
    src[:, 6] = years.map(personnel_rule["dasar_hukum"]).map(
        {s: i for i, s in enumerate(sources) if s is not None}).fillna(0).to_numpy(dtype=np.int64)
    src[:, 8] = 1
    tags = [None, "sourced", "proposed"]
    tg = np.zeros((g.n, n_ind), dtype=np.int64)
    tg[:, 6] = years.map(personnel_rule["tag"]).map({"sourced": 1, "proposed": 2}).fillna(0).to_numpy(dtype=np.int64)
    tg[:, 8] = 2

    rep = np.repeat(np.arange(g.n), n_ind)
    return pd.DataFrame(
        {
            "kode_desa": keys["kode_desa"].array.take(rep),
            "tahun": keys["tahun"].array.take(rep),
            "indikator": _str_take(ids, np.tile(np.arange(n_ind), g.n)),
            "pembilang": _f64(nums),
            "penyebut": _f64(dens),
            "nilai": _f64(vals),
            "target": _f64(target),
            "sumber_target": _str_take(sources, src),
            "tag_target": _str_take(tags, tg),
        }
    )[SPENDING_COLUMNS]


def spending_composition(mapped: pd.DataFrame) -> pd.DataFrame:
    """The spending mix per desa and year: one row per component, shares adding up to 100 %.

    Components: the five sectors (basic services) then the non-basic groups
    ``personel, operasional, infrastruktur, ekonomi, pembinaan, bencana,
    lainnya`` (``lainnya`` holds unmapped lines too). Every component is
    present, with 0 when the village spent nothing on it; desa-years without
    belanja lines are left out. Columns ``kode_desa, tahun, komponen,
    jenis_komponen (sektor/kelompok), label, anggaran, total_belanja, porsi``
    (``porsi`` is ``<NA>`` when total belanja is 0).

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "kode_kegiatan": ["02.02.01", "09.09.09"], "kode_rekening": ["5.1", "5.1"], "anggaran": [1.0, 3.0]})
    >>> c = spending_composition(map_apbdes(lines)).set_index("komponen")["porsi"]
    >>> float(c["KES"]), float(c["lainnya"]), float(c.sum())
    (25.0, 75.0, 100.0)
    """
    return _spending_composition(_Spending(mapped))


def _spending_composition(sp: "_Spending") -> pd.DataFrame:
    keep = np.flatnonzero(sp.has_spend)
    nk = len(KOMPONEN)
    sums, total = sp.sums[keep], sp.total[keep]
    rep = np.repeat(keep, nk)
    comp = np.tile(np.arange(nk), len(keep))
    labels = [LABEL_SEKTOR[s] for s in SEKTOR] + [LABEL_KELOMPOK[x] for x in KELOMPOK[1:]]
    return pd.DataFrame(
        {
            "kode_desa": sp.g.kode_desa.take(rep),
            "tahun": sp.g.tahun.take(rep),
            "komponen": _str_take(list(KOMPONEN), comp),
            "jenis_komponen": _str_take(["sektor", "kelompok"], (comp >= len(SEKTOR)).astype(np.int64)),
            "label": _str_take(labels, comp),
            "anggaran": _f64(sums),
            "total_belanja": _f64(np.repeat(total, nk)),
            "porsi": _f64(_share(sums, total[:, None])),
        }
    )


# --- budget identity ---------------------------------------------------------------------------------


def _rekening_class(rek: pd.Series, classes: dict[tuple[str, ...], int], default: int) -> np.ndarray:
    """Per line: the class of the longest matching kode_rekening prefix in ``classes``."""
    idx, parts = _rekening_codes(rek)
    by_prefix = sorted(classes.items(), key=lambda kv: -len(kv[0]))
    per_unique = [next((c for pre, c in by_prefix if p[: len(pre)] == pre), default) for p in parts] + [default]
    return np.asarray(per_unique, dtype=np.int64)[np.where(idx < 0, len(parts), idx)]


def budget_identity(apbdes: pd.DataFrame, kolom: str = "anggaran") -> pd.DataFrame:
    """Pendapatan − Belanja + Pembiayaan netto (6.1 − 6.2) = SiLPA, per desa and year.

    Works on the raw ``apbdes`` table or on :func:`map_apbdes` output (line type
    from ``kode_rekening``). ``kolom``: ``anggaran`` or ``realisasi`` (missing
    realisations are left out of the sums). Columns ``kode_desa, tahun,
    pendapatan, belanja, penerimaan_pembiayaan, pengeluaran_pembiayaan,
    pembiayaan_netto, silpa``.

    >>> t = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 4, "tahun": [2024] * 4,
    ...     "kode_kegiatan": [None, "02.01.01", None, None],
    ...     "kode_rekening": ["4.2.1.01", "5.1.1", "6.1.1.01", "6.2.1"], "anggaran": [100.0, 120.0, 30.0, 5.0]})
    >>> budget_identity(t)[["pembiayaan_netto", "silpa"]].values.tolist()
    [[25.0, 5.0]]
    """
    _check_apbdes(apbdes)
    if kolom not in ("anggaran", "realisasi") or kolom not in apbdes.columns:
        raise ParameterError(f"Kolom '{kolom}' tidak tersedia; pilih 'anggaran' atau 'realisasi'.")
    g = _Groups(apbdes)
    amount = _numbers(apbdes[kolom], fill=0.0)
    cls = _rekening_class(apbdes["kode_rekening"], {("4",): 0, ("5",): 1, ("6", "1"): 2, ("6", "2"): 3}, 4)
    s = g.by(cls, 5, amount, np.ones(len(apbdes), dtype=bool))
    pend, bel, terima, keluar = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
    return g.frame().assign(
        pendapatan=_f64(pend), belanja=_f64(bel), penerimaan_pembiayaan=_f64(terima),
        pengeluaran_pembiayaan=_f64(keluar), pembiayaan_netto=_f64(terima - keluar),
        silpa=_f64(pend - bel + terima - keluar),
    )


# --- Dana Desa rules -----------------------------------------------------------------------------------


def _fmt_pct(x: float) -> str:
    return f"{x:.1f}".replace(".", ",") + "%"


def _bounds_text(lo: float, hi: float) -> str:
    if pd.notna(lo) and pd.notna(hi):
        return f"{_fmt_pct(lo)}–{_fmt_pct(hi)}"
    if pd.notna(lo):
        return f"≥ {_fmt_pct(lo)}"
    if pd.notna(hi):
        return f"≤ {_fmt_pct(hi)}"
    return "-"


def _judge(share: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """1 = compliant, 0 = not, -1 = unknown (no rule or no share). Bounds are inclusive."""
    has_rule = ~(np.isnan(lo) & np.isnan(hi))
    ok = (np.isnan(lo) | (share >= lo - _EPS)) & (np.isnan(hi) | (share <= hi + _EPS))
    return np.where(has_rule & ~np.isnan(share), ok.astype(np.int8), -1).astype(np.int8)


def _rule_messages(nama: str, basis: str, ty: np.ndarray, t_inv: np.ndarray, share: np.ndarray,
                   lo: np.ndarray, hi: np.ndarray, verdict: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Indonesian verdicts, formatted once per distinct (year, verdict, share to 0.1 point).

    Returns the distinct texts and the index of each row's text.
    """
    tenth = np.where(np.isnan(share), -1, np.round(np.clip(share, -1e9, 1e9) * 10)).astype(np.int64)
    key = ((tenth + 1) * max(len(ty), 1) + t_inv) * 3 + verdict.astype(np.int64) + 1
    idx, uniq = pd.factorize(key)
    first = np.zeros(len(uniq), dtype=np.int64)
    first[idx[::-1]] = np.arange(len(idx))[::-1]  # one representative row per distinct key
    dasar = "pagu Dana Desa" if basis == "dana_desa" else "total belanja"
    texts = []
    for i in first:
        t = int(ty[t_inv[i]])
        if np.isnan(lo[i]) and np.isnan(hi[i]):
            texts.append(f"Tidak ada aturan {nama} untuk tahun {t}.")
        elif np.isnan(share[i]):
            texts.append(f"{nama}: pagu Dana Desa (pendapatan 4.2.1) tidak ditemukan atau nol; kepatuhan tidak "
                         "dapat dinilai." if basis == "dana_desa"
                         else f"{nama}: tidak ada belanja; kepatuhan tidak dapat dinilai.")
        else:
            kata = "memenuhi" if verdict[i] == 1 else "TIDAK memenuhi"
            texts.append(f"{nama} {_fmt_pct(share[i])} dari {dasar}: {kata} batas "
                         f"{_bounds_text(lo[i], hi[i])} tahun {t}.")
    return texts, idx


def dana_desa_compliance(mapped: pd.DataFrame, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """Check every desa-year against each rule of the rules table (Dana Desa earmarks, 30 % cap).

    One row per desa-year and rule id (``BLT``, ``KETAHANAN_PANGAN``,
    ``OPERASIONAL``, ``PERSONEL``, …). For ``dana_desa`` rules ``jumlah`` is the
    Σ anggaran of belanja lines funded by Dana Desa (``sumber_dana == DDS``)
    whose ``penanda_dd`` is the rule id (BLT: 05.03 or named BLT; ketahanan
    pangan: named so or 04.02; operasional: bidang 01), and ``penyebut`` is the
    Dana Desa ceiling = Σ anggaran of the revenue lines 4.2.1 of that desa-year
    (the Dana Desa transfer as budgeted; ``<NA>`` when there is none). For
    ``PERSONEL``, ``jumlah`` is group ``personel`` and ``penyebut`` total
    belanja. ``nilai`` = jumlah / penyebut × 100; ``patuh`` is ``<NA>`` when the
    year has no such rule or the ceiling is unknown/zero. Bounds are inclusive
    (exactly 30 % meets the 30 % cap). ``pesan`` explains it in Indonesian.

    Columns: ``kode_desa, tahun, aturan, nama_aturan, basis, jumlah, penyebut,
    nilai, batas_bawah, batas_atas, dasar_hukum, tag, patuh, pesan``.
    """
    return _dana_desa_compliance(_Spending(mapped), mapped, rules)


def spending_tables(
    mapped: pd.DataFrame,
    layanan: pd.DataFrame | None = None,
    rules: pd.DataFrame | None = None,
    target_realisasi: float = TARGET_REALISASI,
    *,
    executor: Executor | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`spending_indicators`, :func:`spending_composition` and :func:`dana_desa_compliance` at once.

    The same three tables as the three calls, but the per-desa-year sums of
    the ``mapped`` lines are computed once instead of three times (the
    whole-dataset analysis uses this). With an ``executor`` (threads) the
    indicators and the composition are built alongside the rules check; the
    tables are the same.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "kode_kegiatan": ["02.01.01", "01.01.01"], "kode_rekening": ["5.1.1", "5.1.1"], "anggaran": [25.0, 75.0]})
    >>> ind, comp, rules = spending_tables(map_apbdes(lines))
    >>> len(ind), len(comp), sorted(set(rules["aturan"]))
    (10, 12, ['BLT', 'KETAHANAN_PANGAN', 'OPERASIONAL', 'PERSONEL'])
    """
    ind, comp, compliance, _ = _spending_tables(mapped, layanan, rules, target_realisasi, executor, summary=False)
    return ind, comp, compliance


def spending_tables_with_summary(
    mapped: pd.DataFrame,
    layanan: pd.DataFrame | None = None,
    rules: pd.DataFrame | None = None,
    target_realisasi: float = TARGET_REALISASI,
    *,
    executor: Executor | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`spending_tables` plus a one-row-per-desa-year summary, from the same sums.

    The summary has ``kode_desa, tahun, bel01, bel07, aturan_dd_patuh``: the
    BEL01 and BEL07 values (``<NA>`` as in the indicators table) and whether
    the village met every Dana Desa earmark rule of its year (False when one
    is breached, ``<NA>`` when none could be judged; the 30 % personnel cap is
    BEL07 itself and is left out). Rows: the desa-years with at least one
    spending indicator value, sorted by desa and year — the input of
    :func:`p3pd_lib.classify.spending_quality_class` (with ``kode_kabupaten``).

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "kode_kegiatan": ["02.01.01", "01.01.01"], "kode_rekening": ["5.1.1", "5.1.1"], "anggaran": [25.0, 75.0]})
    >>> spending_tables_with_summary(map_apbdes(lines))[3][["bel01", "bel07", "aturan_dd_patuh"]].values.tolist()
    [[25.0, 75.0, <NA>]]
    """
    ind, comp, compliance, table = _spending_tables(mapped, layanan, rules, target_realisasi, executor, summary=True)
    return ind, comp, compliance, table  # type: ignore[return-value]


def _spending_tables(mapped: pd.DataFrame, layanan: pd.DataFrame | None, rules: pd.DataFrame | None,
                     target_realisasi: float, executor: Executor | None, *, summary: bool
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    # The summary reads matrices that _spending_indicators and _dana_desa_compliance leave on ``sp``.
    sp = _Spending(mapped)
    if executor is None:
        ind = _spending_indicators(sp, mapped, layanan, rules, target_realisasi)
        comp = _spending_composition(sp)
        compliance = _dana_desa_compliance(sp, mapped, rules)
    else:
        f_ind = executor.submit(_spending_indicators, sp, mapped, layanan, rules, target_realisasi)
        f_comp = executor.submit(_spending_composition, sp)
        compliance = _dana_desa_compliance(sp, mapped, rules)
        ind, comp = f_ind.result(), f_comp.result()
    return ind, comp, compliance, _spending_summary(sp) if summary else None


def _spending_summary(sp: "_Spending") -> pd.DataFrame:
    ids = list(INDIKATOR_BELANJA)
    vals = sp.indicator_values
    keep = np.flatnonzero(~np.isnan(vals).all(axis=1)) if vals.size else np.empty(0, dtype=np.int64)
    dd = [j for j, a in enumerate(sp.rule_ids) if a != "PERSONEL"]
    v = sp.verdicts[:, dd]
    breach, known = (v == 0).any(axis=1), (v >= 0).any(axis=1)
    return pd.DataFrame(
        {
            "kode_desa": sp.g.kode_desa.take(keep),
            "tahun": sp.g.tahun.take(keep),
            "bel01": _f64(vals[keep, ids.index("BEL01")]),
            "bel07": _f64(vals[keep, ids.index("BEL07")]),
            "aturan_dd_patuh": pd.arrays.BooleanArray(~breach[keep], ~known[keep]),
        }
    )


def _dana_desa_compliance(sp: "_Spending", mapped: pd.DataFrame, rules: pd.DataFrame | None) -> pd.DataFrame:
    r = validate_dana_desa_rules(rules) if rules is not None else load_dana_desa_rules()
    g = sp.g
    dd_line = _rekening_class(mapped["kode_rekening"], {("4", "2", "1"): 1}, 0) == 1
    has_dd = g.any(dd_line)
    ceiling = np.where(has_dd, g.sum(sp.amount, dd_line), np.nan)
    dds = mapped["sumber_dana"].isin(["DDS"]).to_numpy(dtype=bool) if "sumber_dana" in mapped.columns \
        else np.zeros(len(mapped), dtype=bool)
    ty, t_inv = np.unique(np.asarray(g.tahun, dtype=np.int64), return_inverse=True)
    ids = list(dict.fromkeys(r["aturan"]))
    pen_codes = _codes(mapped["penanda_dd"], ids) if "penanda_dd" in mapped.columns else np.full(len(mapped), -1)
    dd_by_rule = g.by(np.maximum(pen_codes, 0), len(ids), sp.amount, sp.spend & dds & (pen_codes >= 0))

    n_rules = len(ids)
    num = {c: np.full((g.n, n_rules), np.nan) for c in ("jumlah", "penyebut", "nilai", "batas_bawah", "batas_atas")}
    verdicts = np.full((g.n, n_rules), -1, dtype=np.int8)
    # Text columns: a dictionary of distinct strings and, per cell, an index into it.
    dictionary: dict[Any, int] = {None: 0}
    text = {c: np.zeros((g.n, n_rules), dtype=np.int64)
            for c in ("aturan", "nama_aturan", "basis", "dasar_hukum", "tag", "pesan")}

    def code_of(value: Any) -> int:
        value = None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else value
        return dictionary.setdefault(value, len(dictionary))

    for j, aturan in enumerate(ids):
        rr = _rules_for(r, aturan)
        basis = rr["basis"].iloc[0]
        if basis == "total_belanja":
            jumlah = np.where(sp.has_spend, sp.sums[:, KOMPONEN.index("personel")], np.nan)
            den = np.where(sp.has_spend, sp.total, np.nan)
        else:
            jumlah, den = dd_by_rule[:, j], ceiling
        share = _share(jumlah, den)
        per_year = rr.reindex(pd.Index(ty, dtype="Int64"))
        lo = per_year["batas_bawah"].to_numpy(dtype=float, na_value=np.nan)[t_inv]
        hi = per_year["batas_atas"].to_numpy(dtype=float, na_value=np.nan)[t_inv]
        verdict = _judge(share, lo, hi)
        nama = rr["nama_aturan"].dropna().iloc[0] if rr["nama_aturan"].notna().any() else aturan
        num["jumlah"][:, j], num["penyebut"][:, j], num["nilai"][:, j] = jumlah, den, share
        num["batas_bawah"][:, j], num["batas_atas"][:, j] = lo, hi
        verdicts[:, j] = verdict
        text["aturan"][:, j] = code_of(aturan)
        text["nama_aturan"][:, j] = code_of(nama)
        text["basis"][:, j] = code_of(basis)
        text["dasar_hukum"][:, j] = np.array([code_of(v) for v in per_year["dasar_hukum"]], dtype=np.int64)[t_inv]
        text["tag"][:, j] = np.array([code_of(v) for v in per_year["tag"]], dtype=np.int64)[t_inv]
        msgs, midx = _rule_messages(nama, basis, ty, t_inv, share, lo, hi, verdict)
        text["pesan"][:, j] = np.array([code_of(m) for m in msgs], dtype=np.int64)[midx]

    sp.verdicts, sp.rule_ids = verdicts, ids  # kept for spending_summary
    # Rows ordered desa, year, rule: the (group × rule) matrices read row by row.
    values = list(dictionary)
    rep = np.repeat(np.arange(g.n), n_rules)
    out: dict[str, Any] = {"kode_desa": g.kode_desa.take(rep), "tahun": g.tahun.take(rep)}
    out.update({c: _f64(v) for c, v in num.items()})
    out.update({c: _str_take(values, v) for c, v in text.items()})
    out["patuh"] = _bool_array(verdicts.ravel())
    return pd.DataFrame(out)[COMPLIANCE_COLUMNS]


# --- responsiveness (item 5a) ------------------------------------------------------------------------

RESPONSIVENESS_COLUMNS = [
    "kode_desa", "tahun", "sektor", "merah", "porsi", "tahun_berikut", "porsi_berikut", "perubahan", "naik",
    "responsif", "keterangan",
]


def _red_by_sector(lights: pd.DataFrame) -> pd.DataFrame:
    """``kode_desa, tahun, sektor, merah`` from a per-sector table or from per-indicator traffic lights."""
    if {"kode_desa", "tahun", "sektor", "merah"} <= set(lights.columns):
        out = lights[["kode_desa", "tahun", "sektor", "merah"]]
        return out.astype({"kode_desa": "string", "tahun": "Int64", "sektor": "string", "merah": "boolean"})
    if {"kode_desa", "tahun", "sektor", "kelas"} <= set(lights.columns):
        t = lights[["kode_desa", "tahun", "sektor", "kelas"]].astype(
            {"kode_desa": "string", "tahun": "Int64", "sektor": "string", "kelas": "string"})
        agg = t.assign(_m=t["kelas"].eq("merah"), _d=t["kelas"].isin(["hijau", "kuning", "merah"])) \
            .groupby(["kode_desa", "tahun", "sektor"], as_index=False)[["_m", "_d"]].any()
        # A sector whose indicators are all grey (no data) is unknown, not "not red".
        merah = pd.arrays.BooleanArray(agg["_m"].to_numpy(dtype=bool), ~agg["_d"].to_numpy(dtype=bool))
        return agg[["kode_desa", "tahun", "sektor"]].assign(merah=merah)
    raise DataError("Tabel lampu lalu lintas harus memuat kolom kode_desa, tahun, sektor dan merah (atau kelas).")


def _sector_shares(shares: pd.DataFrame) -> pd.DataFrame:
    """``kode_desa, tahun, sektor, porsi`` from spending indicators, a composition or a plain table."""
    cols = set(shares.columns)
    if {"indikator", "nilai"} <= cols:
        s = shares[shares["indikator"].isin(list(INDIKATOR_SEKTOR))]
        s = s.assign(sektor=s["indikator"].map(INDIKATOR_SEKTOR), porsi=s["nilai"])
    elif {"komponen", "porsi"} <= cols:
        s = shares[shares["komponen"].isin(list(SEKTOR))].rename(columns={"komponen": "sektor"})
    elif {"sektor", "porsi"} <= cols:
        s = shares
    else:
        raise DataError("Tabel porsi belanja harus memuat kolom (indikator, nilai), (komponen, porsi) atau (sektor, porsi).")
    missing = {"kode_desa", "tahun"} - set(s.columns)
    if missing:
        raise DataError(f"Tabel porsi belanja tidak memuat kolom: {', '.join(sorted(missing))}.")
    return s[["kode_desa", "tahun", "sektor", "porsi"]].astype(
        {"kode_desa": "string", "tahun": "Int64", "sektor": "string", "porsi": "Float64"}
    ).drop_duplicates(["kode_desa", "tahun", "sektor"])


def budget_responsiveness(traffic_lights_by_sector: pd.DataFrame, spending_shares: pd.DataFrame) -> pd.DataFrame:
    """Does a sector that was red in year t get a larger budget share in year t+1?

    ``traffic_lights_by_sector``: ``kode_desa, tahun, sektor, merah`` (bool),
    or per-indicator traffic lights with ``kelas`` (a sector is red when any
    of its indicators is). ``spending_shares``: the output of
    :func:`spending_indicators` (BEL02–BEL06), of :func:`spending_composition`,
    or any ``kode_desa, tahun, sektor, porsi`` table.

    One row per desa, sector and year t of the traffic lights:
    ``kode_desa, tahun, sektor, merah, porsi (share in t), tahun_berikut,
    porsi_berikut (share in t+1), perubahan (points), naik (share rose),
    responsif (= naik for red sectors; <NA> for other sectors or when a share
    is unknown), keterangan``.

    >>> lights = pd.DataFrame({"kode_desa": ["a", "a"], "tahun": [2023, 2023], "sektor": ["KES", "AIR"],
    ...     "merah": [True, False]})
    >>> shares = pd.DataFrame({"kode_desa": ["a"] * 4, "tahun": [2023, 2024, 2023, 2024],
    ...     "sektor": ["KES", "KES", "AIR", "AIR"], "porsi": [5.0, 8.0, 3.0, 2.0]})
    >>> budget_responsiveness(lights, shares)[["sektor", "perubahan", "responsif"]].values.tolist()
    [['KES', 3.0, True], ['AIR', -1.0, <NA>]]
    """
    red = _red_by_sector(traffic_lights_by_sector)
    sh = _sector_shares(spending_shares)
    now = red.merge(sh, on=["kode_desa", "tahun", "sektor"], how="left")
    nxt = sh.assign(tahun=sh["tahun"] - 1).rename(columns={"porsi": "porsi_berikut"})
    out = now.merge(nxt, on=["kode_desa", "tahun", "sektor"], how="left")
    change = (out["porsi_berikut"] - out["porsi"]).astype("Float64")
    naik = (change > _EPS).astype("boolean")
    is_red = out["merah"].fillna(False).to_numpy(dtype=bool)
    responsif = naik.where(is_red, pd.NA).astype("boolean")
    ket = np.select(
        [out["merah"].isna().to_numpy(dtype=bool), ~is_red, change.isna().to_numpy(dtype=bool),
         naik.fillna(False).to_numpy(dtype=bool)],
        ["Status sektor tidak diketahui (tidak ada data).", "Sektor tidak merah.",
         "Porsi belanja tahun ini atau tahun berikutnya tidak diketahui.",
         "Sektor merah dan porsi belanjanya naik tahun berikutnya (responsif)."],
        "Sektor merah tetapi porsi belanjanya tidak naik tahun berikutnya.",
    )
    return out.assign(
        tahun_berikut=(out["tahun"] + 1).astype("Int64"), perubahan=change, naik=naik,
        responsif=responsif, keterangan=pd.array(ket, dtype="string"),
    )[RESPONSIVENESS_COLUMNS].reset_index(drop=True)


def summarise_responsiveness(detail: pd.DataFrame, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Responsiveness per kecamatan, year and sector (plus ``sektor = SEMUA``).

    ``detail`` is the output of :func:`budget_responsiveness`. Columns
    ``kode_kecamatan, tahun, sektor, n_merah (red desa-sectors), n_dinilai
    (red with both shares known), n_responsif, persen_responsif`` (Σ/Σ,
    ``<NA>`` when none could be judged), plus ``nama_kecamatan`` when
    ``wilayah`` is given. The kecamatan is the first three parts of the
    Kemendagri desa code (same coding system, so slicing is safe).
    """
    need = {"kode_desa", "tahun", "sektor", "merah", "responsif"}
    if not need <= set(detail.columns):
        raise DataError("Tabel responsivitas harus keluaran budget_responsiveness.")
    red = detail["merah"].fillna(False).astype(bool)
    d = detail.assign(
        kode_kecamatan=detail["kode_desa"].astype("string").str.slice(0, 8),
        _merah=red,
        _dinilai=detail["responsif"].notna() & red,
        _resp=detail["responsif"].fillna(False).astype(bool),
    )
    agg = pd.concat([d, d.assign(sektor="SEMUA")], ignore_index=True) \
        .groupby(["kode_kecamatan", "tahun", "sektor"], as_index=False) \
        .agg(n_merah=("_merah", "sum"), n_dinilai=("_dinilai", "sum"), n_responsif=("_resp", "sum"))
    agg = agg.astype({"kode_kecamatan": "string", "tahun": "Int64", "sektor": "string",
                      "n_merah": "Int64", "n_dinilai": "Int64", "n_responsif": "Int64"})
    agg["persen_responsif"] = _f64(_share(agg["n_responsif"].to_numpy(dtype=float),
                                          agg["n_dinilai"].to_numpy(dtype=float)))
    if wilayah is not None and {"kode_kecamatan", "nama_kecamatan"} <= set(wilayah.columns):
        names = wilayah[["kode_kecamatan", "nama_kecamatan"]].drop_duplicates("kode_kecamatan").astype("string")
        agg = agg.merge(names, on="kode_kecamatan", how="left")
    return agg


# --- evaluasi RAPBDes (item 5c) ------------------------------------------------------------------------


def _finding(temuan: str, aturan: str, nilai: float | None, batas: str, status: str, saran: str) -> dict[str, Any]:
    return {"temuan": temuan, "aturan": aturan, "nilai": nilai, "batas": batas, "status": status, "saran": saran}


def _rp(x: float) -> str:
    return "Rp" + f"{x:,.0f}".replace(",", ".")


def evaluasi_rapbdes(
    draft_lines: pd.DataFrame,
    kode_desa: str,
    tahun: int,
    gaps: pd.DataFrame | None = None,
    rules: pd.DataFrame | None = None,
    mapping: pd.DataFrame | None = None,
    keywords: pd.DataFrame | None = None,
    pagu_dana_desa: float | None = None,
    median_bel01: float | None = None,
) -> pd.DataFrame:
    """Check ONE village's draft budget (RAPBDes) before the camat signs it off.

    ``draft_lines``: apbdes-shaped lines of the draft (``kode_desa``/``tahun``
    may be absent; if present they must be this desa and year). ``gaps``: the
    desa's red/yellow indicators with ``sektor, indikator, kelas``
    (merah/kuning), e.g. from last year's classified values; rows of other
    desa are ignored when it has ``kode_desa``. ``pagu_dana_desa`` overrides
    the Dana Desa ceiling read from revenue lines 4.2.1. ``median_bel01``: the
    kecamatan median basic-service share, to compare against (optional).

    Findings, in this order: the 30 % cap, each Dana Desa rule of the year,
    each sector with red (or yellow) indicators against its budget share,
    the basic-service share, unmapped lines, and the budget balance when
    revenue lines are present. Columns ``no, temuan, aturan, nilai, batas,
    status (sesuai / perlu perbaikan / catatan), saran`` — Indonesian text.
    """
    if not isinstance(kode_desa, str) or not re.match(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$", kode_desa):
        raise ParameterError(f"Kode desa {kode_desa!r} tidak valid (bentuk PP.KK.CC.DDDD).")
    if isinstance(tahun, bool) or not isinstance(tahun, (int, np.integer)):
        raise ParameterError(f"Tahun anggaran {tahun!r} harus bilangan bulat.")
    tahun = int(tahun)
    if not isinstance(draft_lines, pd.DataFrame) or draft_lines.empty:
        raise DataError("Rancangan APBDes kosong: tidak ada baris untuk dievaluasi.")
    for col, want in (("kode_desa", kode_desa), ("tahun", tahun)):
        if col in draft_lines.columns:
            other = draft_lines[col].dropna().astype(str).ne(str(want))
            if other.any():
                raise DataError(f"Rancangan APBDes memuat {col} lain dari {want} "
                                f"(mis. {draft_lines[col].dropna()[other].iloc[0]}).")
    if is_kelurahan(pd.Series([kode_desa])).iloc[0]:
        raise ParameterError(f"{kode_desa} adalah kelurahan: kelurahan tidak memiliki APBDes.")
    draft = draft_lines.assign(kode_desa=kode_desa, tahun=tahun)
    mapped = map_apbdes(draft, None, mapping=mapping, keywords=keywords)
    r = validate_dana_desa_rules(rules) if rules is not None else load_dana_desa_rules()
    r_year = r[r["tahun"] == tahun]
    sp = _Spending(mapped)
    total = float(sp.total[0]) if sp.g.n else 0.0
    sums = sp.sums[0] if sp.g.n else np.zeros(len(KOMPONEN))
    rows: list[dict[str, Any]] = []

    if total <= 0:
        rows.append(_finding("Rancangan tidak memuat baris belanja (kode rekening 5).", "Kelengkapan RAPBDes",
                             None, "-", "perlu perbaikan", "Lengkapi baris belanja sebelum dievaluasi."))

    # 1. The cap on siltap and allowances.
    pers = r_year[r_year["aturan"] == "PERSONEL"]
    if total > 0 and not pers.empty:
        p = pers.iloc[0]
        amount = sums[KOMPONEN.index("personel")]
        share = 100 * amount / total
        lo = float(p["batas_bawah"]) if pd.notna(p["batas_bawah"]) else np.nan
        hi = float(p["batas_atas"]) if pd.notna(p["batas_atas"]) else np.nan
        ok = _judge(np.array([share]), np.array([lo]), np.array([hi]))[0] == 1
        rows.append(_finding(
            f"Siltap dan tunjangan kepala desa, perangkat dan BPD {_fmt_pct(share)} dari total belanja "
            f"({_rp(amount)} dari {_rp(total)}).",
            f"{p['nama_aturan']} ({p['dasar_hukum']})", share, _bounds_text(lo, hi),
            "sesuai" if ok else "perlu perbaikan",
            "Tidak perlu perubahan." if ok else
            "Kurangi belanja siltap/tunjangan atau alihkan sumbernya (mis. hasil tanah bengkok, di luar perhitungan) "
            "hingga paling banyak batas yang berlaku.",
        ))

    # 2. Dana Desa earmarks of the year.
    if pagu_dana_desa is not None:
        ceiling = float(pagu_dana_desa)
    else:
        dd_line = _rekening_class(mapped["kode_rekening"], {("4", "2", "1"): 1}, 0) == 1
        ceiling = float(sp.amount[dd_line].sum()) if dd_line.any() else np.nan
    dds = mapped["sumber_dana"].isin(["DDS"]).to_numpy(dtype=bool) if "sumber_dana" in mapped.columns \
        else np.zeros(len(mapped), dtype=bool)
    penanda = mapped["penanda_dd"].astype("string")
    for _, rule in r_year[r_year["basis"] == "dana_desa"].iterrows():
        label = f"{rule['nama_aturan']} ({rule['dasar_hukum']})"
        lo = float(rule["batas_bawah"]) if pd.notna(rule["batas_bawah"]) else np.nan
        hi = float(rule["batas_atas"]) if pd.notna(rule["batas_atas"]) else np.nan
        batas = _bounds_text(lo, hi)
        if np.isnan(ceiling) or ceiling <= 0:
            rows.append(_finding(f"Pagu Dana Desa tidak diketahui: {rule['nama_aturan']} tidak dapat dinilai.",
                                 label, None, batas, "catatan",
                                 "Cantumkan pendapatan Dana Desa (kode rekening 4.2.1) atau isi pagu Dana Desa."))
            continue
        mask = sp.spend & dds & penanda.eq(rule["aturan"]).fillna(False).to_numpy(dtype=bool)
        amount = float(sp.amount[mask].sum())
        share = 100 * amount / ceiling
        ok = _judge(np.array([share]), np.array([lo]), np.array([hi]))[0] == 1
        if ok:
            saran = "Tidak perlu perubahan."
        elif not np.isnan(lo) and share < lo - _EPS:
            saran = (f"Tambah alokasi {rule['nama_aturan']} dari Dana Desa minimal "
                     f"{_rp(lo / 100 * ceiling - amount)} agar mencapai {_fmt_pct(lo)} pagu Dana Desa.")
        else:
            saran = (f"Kurangi alokasi {rule['nama_aturan']} dari Dana Desa sebesar "
                     f"{_rp(amount - hi / 100 * ceiling)} agar paling banyak {_fmt_pct(hi)} pagu Dana Desa.")
        rows.append(_finding(
            f"{rule['nama_aturan']} dari Dana Desa {_rp(amount)} = {_fmt_pct(share)} dari pagu Dana Desa "
            f"{_rp(ceiling)}.", label, share, batas, "sesuai" if ok else "perlu perbaikan", saran))

    # 3. Sectors with red/yellow indicators against their budget share.
    if gaps is not None and not gaps.empty:
        if not {"sektor", "kelas"} <= set(gaps.columns):
            raise DataError("Tabel kesenjangan layanan harus memuat kolom sektor dan kelas (merah/kuning).")
        gp = gaps if "kode_desa" not in gaps.columns else gaps[gaps["kode_desa"].astype("string") == kode_desa]
        gp = gp[gp["kelas"].isin(["merah", "kuning"])]
        for sektor in [s for s in SEKTOR if s in set(gp["sektor"])]:
            sub = gp[gp["sektor"] == sektor]
            n_red, n_yel = int((sub["kelas"] == "merah").sum()), int((sub["kelas"] == "kuning").sum())
            names = ", ".join(sorted(sub["indikator"].astype(str).unique())) if "indikator" in sub.columns else "-"
            share = 100 * sums[SEKTOR.index(sektor)] / total if total > 0 else np.nan
            what = " dan ".join(x for x in (f"{n_red} indikator merah" if n_red else "",
                                            f"{n_yel} indikator kuning" if n_yel else "") if x)
            temuan = (f"Sektor {sektor} ({LABEL_SEKTOR[sektor]}) memiliki {what} ({names}); porsi belanja "
                      f"{_fmt_pct(share) if not np.isnan(share) else 'tidak diketahui'}.")
            if n_red and (np.isnan(share) or share <= _EPS):
                status, saran = "perlu perbaikan", (
                    f"Sektor {sektor} merah tetapi tidak dianggarkan: usulkan kegiatan yang menjawab indikator "
                    f"{names} (bersama penanggung jawab sektor) atau jelaskan pendanaan dari pihak lain.")
            elif np.isnan(share) or share <= _EPS:
                status, saran = "catatan", f"Pertimbangkan kegiatan sektor {sektor} agar indikator mencapai target."
            else:
                status, saran = "catatan", f"Pastikan kegiatan sektor {sektor} menyasar indikator {names}."
            rows.append(_finding(temuan, "Kesesuaian belanja dengan kesenjangan layanan dasar", share, "> 0%",
                                 status, saran))

    # 4. Basic-service share.
    if total > 0:
        basic = 100 * sums[: len(SEKTOR)].sum() / total
        if median_bel01 is None:
            rows.append(_finding(f"Porsi belanja layanan dasar {_fmt_pct(basic)} dari total belanja.",
                                 "Porsi belanja layanan dasar (BEL01)", basic, "-", "catatan",
                                 "Bandingkan dengan median desa lain di kecamatan."))
        else:
            below = basic < median_bel01 - _EPS
            rows.append(_finding(
                f"Porsi belanja layanan dasar {_fmt_pct(basic)}, median kecamatan {_fmt_pct(median_bel01)}.",
                "Porsi belanja layanan dasar (BEL01)", basic, f"median {_fmt_pct(median_bel01)}",
                "catatan" if below else "sesuai",
                "Porsi di bawah median kecamatan: tinjau ulang prioritas belanja." if below else
                "Tidak perlu perubahan."))

    # 5. Lines the mapping could not place.
    odd = mapped[(mapped["jenis_baris"] == "belanja") & mapped["status_pemetaan"].isin(["tidak_dipetakan", "ambigu"])]
    if len(odd):
        amt = float(_numbers(odd["anggaran"], fill=0.0).sum())
        rows.append(_finding(f"{len(odd)} baris belanja ({_rp(amt)}) tidak dapat dipetakan dengan pasti ke sektor.",
                             "Pemetaan kode kegiatan (Permendagri 20/2018)", float(len(odd)), "0 baris", "catatan",
                             "Periksa kode dan nama kegiatan baris tersebut (lihat daftar baris tidak terpetakan)."))

    # 6. Budget balance, when revenue is in the draft.
    ident = budget_identity(mapped)
    if len(ident) and float(ident["pendapatan"].iloc[0]) > 0:
        silpa = float(ident["silpa"].iloc[0])
        rows.append(_finding(
            f"Pendapatan − belanja + pembiayaan netto = {_rp(silpa)}.", "Keseimbangan APBDes (Permendagri 20/2018)",
            silpa, "≥ Rp0", "sesuai" if silpa >= -_EPS else "perlu perbaikan",
            "Tidak perlu perubahan." if silpa >= -_EPS else
            "Belanja melebihi pendapatan dan pembiayaan netto: kurangi belanja atau tambah sumber pembiayaan."))

    out = pd.DataFrame(rows, columns=FINDING_COLUMNS[1:])
    out.insert(0, "no", pd.array(np.arange(1, len(out) + 1), dtype="Int64"))
    return out.astype({"temuan": "string", "aturan": "string", "nilai": "Float64", "batas": "string",
                       "status": "string", "saran": "string"})
