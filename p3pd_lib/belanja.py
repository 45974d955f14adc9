"""Village spending (belanja desa): APBDes mapping, spending indicators, fiscal rules (DOMAIN.md §3).

Driven by ``pemetaan_apbdes.csv`` (the longest kegiatan-code prefix wins), ``kata_kunci_apbdes.csv`` (whole-word
keywords; the longest ``kode`` wins, then file order) and ``aturan_dana_desa.csv`` (rules per year). Shares are Σ/Σ
percentages, ``<NA>`` over a zero or missing denominator.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from . import parameter_files
from .errors import DataError, ParameterError
from .frames import isin, require_columns
from .numbers import pct
from .parameter_files import load_dana_desa_rules, load_keyword_rules, load_mapping  # noqa: F401  (API)

# Floating-point slack when comparing a share with a bound: 30.000000000000004 % is 30 %.
_EPS = 1e-9
_KEY = ["kode_desa", "tahun"]


# --- vocabulary -----------------------------------------------------------------------------------
SEKTOR: tuple[str, ...] = ("PEND", "KES", "AIR", "SOS", "ADM")
KELOMPOK: tuple[str, ...] = ("layanan_dasar", "personel", "operasional", "infrastruktur", "ekonomi", "pembinaan",
                             "bencana", "lainnya")
JENIS_BARIS: tuple[str, ...] = ("pendapatan", "belanja", "pembiayaan")
STATUS_PEMETAAN: tuple[str, ...] = ("dipetakan", "ambigu", "tidak_dipetakan")

#: Indonesian labels for charts and reports.
LABEL_SEKTOR: dict[str, str] = {"PEND": "Pendidikan", "KES": "Kesehatan", "AIR": "Air bersih & sanitasi",
                                 "SOS": "Perlindungan sosial", "ADM": "Administrasi kependudukan"}
LABEL_KELOMPOK: dict[str, str] = {
    "layanan_dasar": "Layanan dasar", "personel": "Siltap & tunjangan", "operasional": "Operasional pemerintahan",
    "infrastruktur": "Infrastruktur fisik", "ekonomi": "Ekonomi", "pembinaan": "Pembinaan kemasyarakatan",
    "bencana": "Bencana & darurat", "lainnya": "Lainnya"}

#: Components of the spending mix: the five sectors, then the non-basic groups.
KOMPONEN: tuple[str, ...] = (*SEKTOR, *KELOMPOK[1:])

#: The spending indicators of ``parameters/indikator_belanja.csv`` (DOMAIN.md §4): name, direction, unit and, for a
#: per-sector share, the sector (as read at import; the computation reads the file at each call).
INDIKATOR_BELANJA: dict[str, dict[str, str]] = {
    r["id"]: {"nama": r["nama"], "arah": r["arah"] if pd.notna(r["arah"]) else "", "satuan": r["satuan"]}
    | ({"sektor": r["pembilang"]} if r["pembilang"] in SEKTOR else {})
    for r in parameter_files.load_spending_indicators().to_dict("records")
}
#: Sector of each per-sector share indicator (BEL02–BEL06).
INDIKATOR_SEKTOR: dict[str, str] = {k: v["sektor"] for k, v in INDIKATOR_BELANJA.items() if "sektor" in v}

#: BEL09 target: a design choice of the kit, not a regulation.
TARGET_REALISASI: float = 90.0
SUMBER_TARGET_REALISASI = "Usulan kit P3PD (dapat diubah)"
#: What a rule check says for a year that has no such rule (never "tidak ada data").
TIDAK_ADA_ATURAN = "tidak ada aturan untuk tahun ini"

SPENDING_COLUMNS = ["kode_desa", "tahun", "indikator", "pembilang", "penyebut", "nilai", "satuan", "target",
                    "sumber_target", "tag_target"]
COMPLIANCE_COLUMNS = ["kode_desa", "tahun", "aturan", "nama_aturan", "basis", "jumlah", "penyebut", "nilai",
                      "batas_bawah", "batas_atas", "dasar_hukum", "tag", "patuh", "pesan"]
FINDING_COLUMNS = ["no", "temuan", "aturan", "nilai", "batas", "status", "saran"]


# --- parameter tables -----------------------------------------------------------------------------
# Files are read and validated by p3pd_lib.parameter_files (the load_* functions re-exported here, cached on the
# file's hash, so an edited file is noticed); validate_* check a table handed over in memory against the same models.
def split_codes(text: Any) -> list[str]:
    """The codes of a ``;``-separated list such as ``kecuali_kode``."""
    return [] if pd.isna(text) else [p.strip() for p in str(text).split(";") if p.strip()]


def validate_mapping(mapping: pd.DataFrame) -> pd.DataFrame:
    """A mapping table checked like ``pemetaan_apbdes.csv`` (raises :class:`~p3pd_lib.errors.ParameterError`).

    >>> validate_mapping(pd.DataFrame({"kode": ["02.01"], "sektor": ["PEND"], "kelompok": ["layanan_dasar"],
    ...     "campuran": ["tidak"], "penanda_dd": [None], "alasan": ["Pendidikan"], "sumber": ["proposed"]})).shape
    (1, 7)
    """
    return parameter_files.validate_rows("pemetaan_apbdes.csv", mapping, "Tabel pemetaan APBDes")


def validate_keyword_rules(keywords: pd.DataFrame) -> pd.DataFrame:
    """A keyword-rule table checked like ``kata_kunci_apbdes.csv`` (``teks`` optional: nama or nama_uraian)."""
    return parameter_files.validate_rows("kata_kunci_apbdes.csv", keywords, "Tabel kata kunci APBDes")


def validate_dana_desa_rules(rules: pd.DataFrame) -> pd.DataFrame:
    """A rules table checked like ``aturan_dana_desa.csv``: bounds in % of ``basis`` (dana_desa or total_belanja)."""
    return parameter_files.validate_rows("aturan_dana_desa.csv", rules, "Tabel aturan Dana Desa")


# --- codes ----------------------------------------------------------------------------------------
def normalize_kode_kegiatan(codes: pd.Series) -> pd.Series:
    """Kegiatan codes as ``BB.SS.KK`` (or ``BB.SS``); anything else becomes ``<NA>``. Works on distinct values.

    >>> normalize_kode_kegiatan(pd.Series(["02.01.05.", "2.1.5", " 02. 02.90 ", "x", None])).tolist()
    ['02.01.05', '02.01.05', '02.02.90', <NA>, <NA>]
    """
    where, distinct = pd.factorize(codes)  # missing codes: -1, which the take fills with <NA>
    found = [re.fullmatch(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{1,2}))?", re.sub(r"\s+", "", str(c)).rstrip("."))
             for c in distinct]  # bidang, sub-bidang and, if given, kegiatan: one or two digits each
    normal = [".".join(p.zfill(2) for p in m.groups() if p is not None) if m else pd.NA for m in found]
    return pd.Series(pd.array(normal, dtype="string").take(where, allow_fill=True), index=codes.index, name=codes.name)


def rekening_class(kode_rekening: pd.Series) -> pd.Series:
    """The class of each kode_rekening: pendapatan (4), belanja (5), penerimaan_pembiayaan (6.1),
    pengeluaran_pembiayaan (6.2) or lainnya.

    >>> rekening_class(pd.Series(["4.2.1.01", "5.1", "6.1.1", "6.2.1", None])).tolist()
    ['pendapatan', 'belanja', 'penerimaan_pembiayaan', 'pengeluaran_pembiayaan', 'lainnya']
    """
    parts = kode_rekening.astype("string").str.replace(r"\s+", "", regex=True).str.split(".")
    first, second = (parts.str[i].str.lstrip("0").fillna("") for i in (0, 1))
    out = np.select([first == "4", first == "5", (first == "6") & (second == "1"), (first == "6") & (second == "2")],
                    ["pendapatan", "belanja", "penerimaan_pembiayaan", "pengeluaran_pembiayaan"], "lainnya")
    return pd.Series(out, index=kode_rekening.index, dtype="string")


def is_kelurahan(kode_desa: pd.Series, wilayah: pd.DataFrame | None = None) -> pd.Series:
    """True where a code is a kelurahan: by ``wilayah.jenis`` where listed, else by the digit 1 (DOMAIN.md §2).

    >>> is_kelurahan(pd.Series(["33.07.01.1001", "33.07.01.2001"])).tolist()
    [True, False]
    """
    codes = kode_desa.astype("string")
    by_digit = codes.str.slice(9, 10).eq("1").fillna(False)
    if wilayah is None or not {"kode_desa", "jenis"} <= set(wilayah.columns):
        return by_digit.astype(bool)
    official = wilayah.drop_duplicates("kode_desa").astype({"kode_desa": "string"}).set_index("kode_desa")["jenis"]
    return codes.map(official.eq("kelurahan")).fillna(by_digit).astype(bool)


def identical_copies(df: pd.DataFrame, keep: str | bool = "first") -> pd.Series:
    """Rows that repeat another row of ``df`` in every column (``keep`` as in ``DataFrame.duplicated``).

    >>> identical_copies(pd.DataFrame({"a": [1, 2, 1], "b": ["x", "y", "x"]})).tolist()
    [False, False, True]
    """
    # Comparing every text column of millions of lines is slow; only lines whose desa code and numbers repeat can be
    # copies, so only those are compared in full. Equal rows hash equally: repeated row hashes mark those lines.
    numbers = [c for c in df.columns if c == "kode_desa" or (pd.api.types.is_numeric_dtype(df[c].dtype)
                                                              and not pd.api.types.is_bool_dtype(df[c].dtype))]
    hashes = pd.util.hash_pandas_object(df[numbers or list(df.columns)], index=False)
    distinct, times = np.unique(hashes, return_counts=True)  # by sorting: a hash table of millions is 10× slower
    candidates = hashes.isin(distinct[times > 1]).to_numpy(copy=True)
    candidates[candidates] = df[candidates].duplicated(keep=keep).to_numpy()  # of those, the copies
    return pd.Series(candidates, index=df.index)


# --- mapping --------------------------------------------------------------------------------------
def _has_prefix(code: Any, prefix: str) -> bool:
    """Whether kegiatan ``code`` lies under ``prefix`` (``02.02.9`` covers 02.02.90–99)."""
    return pd.notna(code) and (code == prefix or code.startswith(prefix + ".")
                               or (prefix.count(".") == 2 and code.startswith(prefix)))


def _word(text: Any, keyword: str) -> bool:
    """Whole-word, case-insensitive match ("air" does not match "Bairan")."""
    body = r"\s+".join(re.escape(w) for w in keyword.split())
    return pd.notna(text) and re.search(rf"(?<![0-9A-Za-z]){body}(?![0-9A-Za-z])", str(text), re.I) is not None


def _resolve(kode: Any, raw: Any, nama: Any, uraian: Any, mapping: list[dict], keywords: list[dict]) -> dict:
    """Sector, group, status, reason and earmark of one distinct belanja line (rules as lists of row dicts)."""
    row = max((r for r in mapping if _has_prefix(kode, r["kode"])), key=lambda r: len(r["kode"]), default=None)
    mixed = row is not None and row["campuran"] == "ya"
    name = nama if pd.notna(nama) else uraian
    hits = [r for r in keywords
            if (_word(name, r["kata_kunci"]) or (r["teks"] == "nama_uraian" and _word(uraian, r["kata_kunci"])))
            and not any(_has_prefix(kode, x) for x in split_codes(r["kecuali_kode"]))
            and (r["kode"] == "*" or _has_prefix(kode, r["kode"]))]

    def best(rules: list[dict]) -> dict | None:
        """The longest ``kode`` (``*`` the shortest); among equals the first in file order, as ``max`` keeps it."""
        return max(rules, key=lambda r: 0 if r["kode"] == "*" else len(r["kode"]), default=None)

    hit = best([r for r in hits if pd.notna(r["kelompok"]) and (r["kode"] == "*" or mixed)])
    tag = best([r for r in hits if pd.notna(r["penanda_dd"])])
    if hit is not None:
        out = {"sektor": hit["sektor"], "kelompok": hit["kelompok"], "status_pemetaan": "dipetakan",
               "alasan_pemetaan": f"Kata kunci '{hit['kata_kunci']}': {hit['alasan']} [{hit['sumber']}]"}
    elif row is not None:
        out = {"sektor": row["sektor"], "kelompok": row["kelompok"],
               "status_pemetaan": "ambigu" if mixed else "dipetakan",
               "alasan_pemetaan": f"Kode {row['kode']}: {row['alasan']} [{row['sumber']}]"
               + ("; kode campuran tanpa kata kunci yang cocok, dipakai pemetaan bawaan" if mixed else "")}
    else:
        why = ("Kode kegiatan kosong" if pd.isna(raw) else f"Kode kegiatan '{raw}' tidak valid" if pd.isna(kode)
               else f"Kode kegiatan '{raw}' tidak ada dalam tabel pemetaan")
        out = {"sektor": pd.NA, "kelompok": "lainnya", "status_pemetaan": "tidak_dipetakan", "alasan_pemetaan": why}
    out["penanda_dd"] = tag["penanda_dd"] if tag is not None else (row["penanda_dd"] if row is not None else pd.NA)
    return out


def _categories(values: Any) -> pd.CategoricalDtype:
    """A categorical dtype over text values (missing values read as ``<NA>``, like the string dtype)."""
    return pd.CategoricalDtype(pd.Index(list(values), dtype="string"))


def map_apbdes(apbdes: pd.DataFrame, wilayah: pd.DataFrame | None = None, mapping: pd.DataFrame | None = None,
               keywords: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``apbdes`` lines of desa with their sector and spending group (docs/architecture.md, "Mapped APBDes").

    Adds ``jenis_baris`` (4.* pendapatan, 5.* belanja, 6.* pembiayaan; no account but a kegiatan code: belanja),
    ``sektor``, ``kelompok``, ``alasan_pemetaan``, ``status_pemetaan`` (dipetakan / ambigu: a mixed code no keyword
    resolved / tidak_dipetakan: counted in ``lainnya``) and ``penanda_dd``, all ``<NA>`` off belanja lines; they and
    ``kode_desa`` are categoricals, ``kode_kegiatan`` is normalised. Kelurahan lines and identical copies are dropped.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 3, "tahun": [2024] * 3,
    ...     "kode_kegiatan": ["02.02.90.", "02.02.90.", "01.01.03"],
    ...     "nama_kegiatan": ["Pembangunan MCK posyandu", "Senam lansia", "Jaminan sosial perangkat"],
    ...     "kode_rekening": ["5.3.1", "5.2.1", "5.1.1"], "anggaran": [10.0, 5.0, 2.0]})
    >>> map_apbdes(lines)[["sektor", "kelompok", "status_pemetaan"]].values.tolist()
    [['AIR', 'layanan_dasar', 'dipetakan'], ['KES', 'layanan_dasar', 'ambigu'], [<NA>, 'operasional', 'dipetakan']]
    """
    require_columns(apbdes, ("kode_desa", "tahun", "kode_kegiatan", "kode_rekening", "anggaran"), "Tabel apbdes")
    m = validate_mapping(mapping) if mapping is not None else load_mapping()
    k = validate_keyword_rules(keywords) if keywords is not None else load_keyword_rules()
    kode_desa = apbdes["kode_desa"].astype("category")  # the kelurahan test runs once per distinct code
    kelurahan = kode_desa.cat.categories[is_kelurahan(pd.Series(kode_desa.cat.categories), wilayah).to_numpy()]
    keep = ~kode_desa.isin(kelurahan).to_numpy() & ~identical_copies(apbdes.assign(kode_desa=kode_desa)).to_numpy()
    lines = apbdes.assign(kode_desa=kode_desa.cat.remove_categories(kelurahan))
    lines = (lines if keep.all() else lines[keep]).reset_index(drop=True)  # filtering copies every text column

    # The mapping depends only on the code, the texts and the account: resolve each distinct combination once.
    texts = ["kode_kegiatan", "nama_kegiatan", "uraian", "kode_rekening"]
    keys = lines.reindex(columns=texts)
    combination = keys.groupby(texts, dropna=False, sort=False).ngroup()
    distinct = keys.loc[combination.drop_duplicates().index].reset_index(drop=True)  # in combination order
    kode = normalize_kode_kegiatan(distinct["kode_kegiatan"].astype("string"))
    rekening = distinct["kode_rekening"].astype("string")
    jenis = rekening_class(rekening).map({"pendapatan": "pendapatan", "belanja": "belanja",
                                         "penerimaan_pembiayaan": "pembiayaan", "pengeluaran_pembiayaan": "pembiayaan"})
    jenis = jenis.mask((rekening.str.strip().fillna("") == "") & kode.notna(), "belanja")
    m_rows, k_rows = m.to_dict("records"), k.to_dict("records")
    resolved = pd.DataFrame(
        [_resolve(c, r, n, u, m_rows, k_rows) if j == "belanja" else {} for c, r, n, u, j
         in zip(kode, distinct["kode_kegiatan"], distinct["nama_kegiatan"], distinct["uraian"], jenis)],
        columns=["kode_kegiatan", "jenis_baris", "sektor", "kelompok", "alasan_pemetaan", "status_pemetaan",
                 "penanda_dd"])
    penanda = sorted(set(m["penanda_dd"].dropna()) | set(k["penanda_dd"].dropna()))
    resolved = resolved.assign(kode_kegiatan=kode.array, jenis_baris=jenis.array).astype({
        "kode_kegiatan": "string", "jenis_baris": _categories(JENIS_BARIS), "sektor": _categories(SEKTOR),
        "kelompok": _categories(KELOMPOK),
        "alasan_pemetaan": _categories(sorted(resolved["alasan_pemetaan"].dropna().unique())),
        "status_pemetaan": _categories(STATUS_PEMETAAN), "penanda_dd": _categories(penanda)})
    same = ["kode_kegiatan"] if kode.equals(distinct["kode_kegiatan"]) else []  # already normal: kept as it is
    resolved = resolved.drop(columns=same).take(combination.to_numpy()).set_axis(lines.index)
    return lines.assign(**{c: resolved[c] for c in resolved.columns})


def _check_mapped(mapped: pd.DataFrame) -> None:
    if not isinstance(mapped, pd.DataFrame):
        raise DataError("Tabel APBDes terpetakan harus berupa DataFrame.")
    missing = [c for c in ("kode_desa", "tahun", "anggaran", "jenis_baris", "sektor", "kelompok", "status_pemetaan")
               if c not in mapped]
    if missing:
        raise DataError(f"Tabel APBDes belum dipetakan (kolom hilang: {', '.join(missing)}); "
                        "jalankan map_apbdes terlebih dahulu.")


def unmapped_lines(mapped: pd.DataFrame) -> pd.DataFrame:
    """Spending lines not cleanly mapped (``tidak_dipetakan`` first, then ``ambigu``), to fix the mapping or the data.

    Columns: the apbdes columns present plus ``status_pemetaan, alasan_pemetaan, sektor, kelompok``.
    """
    _check_mapped(mapped)
    keep = [c for c in ("kode_desa", "tahun", "kode_kegiatan", "nama_kegiatan", "kode_rekening", "uraian",
                        "sumber_dana", "anggaran", "realisasi") if c in mapped.columns]
    odd = mapped[(mapped["jenis_baris"] == "belanja") & mapped["status_pemetaan"].isin(["tidak_dipetakan", "ambigu"])]
    # Descending, tidak_dipetakan comes before ambigu (in the category order as in the alphabet).
    return (odd[keep + ["status_pemetaan", "alasan_pemetaan", "sektor", "kelompok"]]
            .sort_values(["status_pemetaan", *_KEY, "kode_kegiatan"], ascending=[False, True, True, True])
            .reset_index(drop=True))


# --- sums per desa-year ---------------------------------------------------------------------------
def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    """100 × num / den as Float64; ``<NA>`` where den is 0 or either is missing."""
    return 100 * num.astype("Float64") / den.astype("Float64").replace(0, pd.NA)


def _row_by_row(wide: pd.DataFrame) -> pd.Series:
    """The values of ``wide`` row after row (in a row, column after column) as Float64, on a fresh RangeIndex."""
    return pd.Series(wide.to_numpy(dtype=float, na_value=np.nan).ravel(), dtype="Float64")


#: The process's in-memory DuckDB, opened once: opening one costs ~15 ms of CPU, a third of summing a kabupaten.
_database = functools.cache(duckdb.connect)


def desa_year_sums(mapped: pd.DataFrame) -> pd.DataFrame:
    """One row per desa-year with belanja or Dana Desa revenue: the sums every spending table uses.

    Columns ``kode_desa, tahun``, Rp per component (:data:`KOMPONEN`; sector first, else the group; unmapped lines
    in ``lainnya``), ``total_belanja``, ``ada_belanja``, ``realisasi_ld``/``anggaran_ld`` (basic-service lines whose
    realisation is known), ``pagu_dd`` (revenue 4.2.1) and ``dd_<RULE>`` (Dana Desa belanja per earmark). The ~5
    million lines of a national run are summed by DuckDB in one query, which is the definition.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 3, "tahun": [2024] * 3,
    ...     "kode_kegiatan": ["02.01.01", "01.01.01", None], "kode_rekening": ["5.1.1", "5.1.1", "4.2.1"],
    ...     "sumber_dana": ["DDS", "ADD", "DDS"], "anggaran": [25.0, 75.0, 400.0]})
    >>> desa_year_sums(map_apbdes(lines))[["PEND", "personel", "total_belanja", "pagu_dd"]].values.tolist()
    [[25.0, 75.0, 100.0, 400.0]]
    """
    _check_mapped(mapped)
    accounts = pd.Series(mapped["kode_rekening"].dropna().unique(), dtype="string")
    dd_accounts = accounts[accounts.str.replace(" ", "").str.match(r"0?4\.0?2\.0?1(\.|$)").fillna(False)]
    has_dd = {"sumber_dana", "penanda_dd"} <= set(mapped.columns)
    lines = mapped.filter([*_KEY, "jenis_baris", "sektor", "kelompok", "anggaran", "realisasi"]).assign(
        pendapatan_dd=isin(mapped["kode_rekening"], dd_accounts),
        sumber_dds=(mapped["sumber_dana"] == "DDS").fillna(False) if has_dd else False,
        penanda_dd=mapped["penanda_dd"] if has_dd else pd.Series(pd.NA, index=mapped.index, dtype="string"))
    rules = sorted(lines.loc[lines["sumber_dds"].to_numpy(dtype=bool), "penanda_dd"].dropna().unique())
    columns = [
        *(f"coalesce(sum(anggaran) FILTER (belanja AND {where}), 0) AS \"{k}\"" for k, where in (
            *((k, f"sektor = '{k}'") for k in SEKTOR),
            *((k, f"sektor IS NULL AND kelompok = '{k}'") for k in KOMPONEN[len(SEKTOR):-1]),
            ("lainnya", "sektor IS NULL AND (kelompok IS NULL OR kelompok IN ('lainnya', 'layanan_dasar'))"))),
        "coalesce(sum(anggaran) FILTER (belanja), 0) AS total_belanja",
        "bool_or(belanja) AS ada_belanja",
        *(["sum(realisasi) FILTER (belanja AND realisasi_ld) AS realisasi_ld",
           "sum(anggaran) FILTER (belanja AND realisasi_ld) AS anggaran_ld"] if "realisasi" in lines else []),
        *(f"CASE WHEN bool_or(earmarked) THEN coalesce(sum(anggaran) FILTER (earmarked AND penanda_dd = '{r}'), 0) "
          f"END AS dd_{r}" for r in rules),
        "sum(anggaran) FILTER (pendapatan_dd) AS pagu_dd",
    ]
    query = f"""
        WITH line AS (
            SELECT *, coalesce(jenis_baris = 'belanja', false) AS belanja,
                   coalesce(jenis_baris = 'belanja' AND sumber_dds AND penanda_dd IS NOT NULL, false) AS earmarked
                   {", sektor IS NOT NULL AND realisasi IS NOT NULL AS realisasi_ld" if "realisasi" in lines else ""}
            FROM lines WHERE kode_desa IS NOT NULL AND tahun IS NOT NULL)
        SELECT kode_desa::VARCHAR AS kode_desa, tahun, {", ".join(columns)} FROM line
        GROUP BY kode_desa, tahun HAVING bool_or(belanja) OR bool_or(pendapatan_dd) ORDER BY kode_desa, tahun"""
    with _database().cursor() as con:  # a connection of its own on the process's database: safe across threads
        con.register("lines", lines)
        out = con.sql(query).df()
    amounts = {c: "Float64" for c in out.columns if c not in (*_KEY, "ada_belanja")}
    out = out.astype({"kode_desa": "string", "tahun": "Int64", "ada_belanja": bool} | amounts)
    out[[*KOMPONEN, "total_belanja"]] = out[[*KOMPONEN, "total_belanja"]].where(out["ada_belanja"])
    return out


# --- spending indicators ----------------------------------------------------------------------------
def _indicator_table(sums: pd.DataFrame, layanan: pd.DataFrame | None, rules: pd.DataFrame,
                     target_realisasi: float) -> pd.DataFrame:
    s = sums[sums["ada_belanja"]].set_index(_KEY)
    s = s.assign(layanan_dasar=s[list(SEKTOR)].sum(axis=1), penduduk=pd.Series(pd.NA, index=s.index, dtype="Float64"))
    if layanan is not None and len(layanan) and len(s):
        if not {"kode_desa", "tahun", "penduduk"} <= set(layanan.columns):
            raise DataError("Tabel layanan harus memuat kolom kode_desa, tahun dan penduduk.")
        people = (layanan[["kode_desa", "tahun", "penduduk"]]
                  .astype({"kode_desa": "string", "tahun": "Int64", "penduduk": "Float64"})
                  .drop_duplicates(_KEY).set_index(_KEY)["penduduk"])
        s["penduduk"] = people.reindex(s.index)
    declared = parameter_files.load_spending_indicators().rename(columns={"id": "indikator"})
    # One row per desa-year and indicator: desa-year by desa-year, the indicators in file order.
    long = (s.index.to_frame(index=False).merge(declared[["indikator", "satuan", "faktor"]], how="cross")
            .astype({"indikator": "string", "satuan": "string", "faktor": float}))
    # Each row's operands: the columns the indicator names (no realisasi: reindex leaves realisasi_ld/anggaran_ld NA).
    pembilang, penyebut = (_row_by_row(s.reindex(columns=declared[c])) for c in ("pembilang", "penyebut"))
    personnel = rules[rules["aturan"] == "PERSONEL"].set_index("tahun")
    is_bel07, is_bel09 = long["indikator"] == "BEL07", long["indikator"] == "BEL09"
    bel07 = {c: long["tahun"].map(personnel[c]).where(is_bel07) for c in ("batas_atas", "dasar_hukum", "tag")}
    return long.assign(
        pembilang=pembilang, penyebut=penyebut, nilai=pembilang * long["faktor"] / penyebut.where(penyebut != 0),
        target=bel07["batas_atas"].mask(is_bel09, target_realisasi).astype("Float64"),
        sumber_target=bel07["dasar_hukum"].mask(is_bel09, SUMBER_TARGET_REALISASI).astype("string"),
        tag_target=bel07["tag"].mask(is_bel09, "proposed").astype("string"))[SPENDING_COLUMNS]


def spending_indicators(mapped: pd.DataFrame, layanan: pd.DataFrame | None = None,
                        rules: pd.DataFrame | None = None, target_realisasi: float = TARGET_REALISASI) -> pd.DataFrame:
    """The spending indicators of ``parameters/indikator_belanja.csv`` per desa-year with belanja (DOMAIN.md §4).

    Columns :data:`SPENDING_COLUMNS`; ``penduduk`` comes from ``layanan``. BEL07's target is the year's ``PERSONEL``
    rule, BEL09's ``target_realisasi``.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "kode_kegiatan": ["02.01.01", "01.01.01"], "nama_kegiatan": ["PAUD", "Siltap"],
    ...     "kode_rekening": ["5.1.1", "5.1.1"], "anggaran": [25.0, 75.0], "realisasi": [None, 70.0]})
    >>> ind = spending_indicators(map_apbdes(lines)).set_index("indikator")
    >>> ind.loc[["BEL01", "BEL07", "BEL09"], ["nilai", "target"]].values.tolist()
    [[25.0, <NA>], [75.0, 30.0], [<NA>, 90.0]]
    """
    rules = validate_dana_desa_rules(rules) if rules is not None else load_dana_desa_rules()
    return _indicator_table(desa_year_sums(mapped), layanan, rules, target_realisasi)


def _composition_table(sums: pd.DataFrame) -> pd.DataFrame:
    s = sums[sums["ada_belanja"]]
    kind, label = ["sektor" if k in SEKTOR else "kelompok" for k in KOMPONEN], {**LABEL_SEKTOR, **LABEL_KELOMPOK}
    components = pd.DataFrame({"komponen": KOMPONEN, "jenis_komponen": kind, "label": [label[k] for k in KOMPONEN]},
                              dtype="string")
    # One row per desa-year and component, desa-year by desa-year.
    long, anggaran = s[[*_KEY, "total_belanja"]].merge(components, how="cross"), _row_by_row(s[list(KOMPONEN)])
    return long.assign(anggaran=anggaran, porsi=_share(anggaran, long["total_belanja"]))[
        [*_KEY, "komponen", "jenis_komponen", "label", "anggaran", "total_belanja", "porsi"]]


def spending_composition(mapped: pd.DataFrame) -> pd.DataFrame:
    """The spending mix per desa-year: every component of :data:`KOMPONEN` (0 when nothing was spent; ``lainnya``
    holds unmapped lines), shares adding up to 100 %.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "kode_kegiatan": ["02.02.01", "09.09.09"], "kode_rekening": ["5.1", "5.1"], "anggaran": [1.0, 3.0]})
    >>> c = spending_composition(map_apbdes(lines)).set_index("komponen")["porsi"]
    >>> float(c["KES"]), float(c["lainnya"]), float(c.sum())
    (25.0, 75.0, 100.0)
    """
    return _composition_table(desa_year_sums(mapped))


def budget_identity(apbdes: pd.DataFrame, kolom: str = "anggaran") -> pd.DataFrame:
    """Pendapatan − Belanja + Pembiayaan netto (6.1 − 6.2) = SiLPA per desa-year, of ``kolom`` (anggaran/realisasi).

    >>> t = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 4, "tahun": [2024] * 4,
    ...     "kode_kegiatan": [None, "02.01.01", None, None],
    ...     "kode_rekening": ["4.2.1.01", "5.1.1", "6.1.1.01", "6.2.1"], "anggaran": [100.0, 120.0, 30.0, 5.0]})
    >>> budget_identity(t)[["pembiayaan_netto", "silpa"]].values.tolist()
    [[25.0, 5.0]]
    """
    require_columns(apbdes, ("kode_desa", "tahun", "kode_kegiatan", "kode_rekening", "anggaran"), "Tabel apbdes")
    if kolom not in ("anggaran", "realisasi") or kolom not in apbdes.columns:
        raise ParameterError(f"Kolom '{kolom}' tidak tersedia; pilih 'anggaran' atau 'realisasi'.")
    classes = ["pendapatan", "belanja", "penerimaan_pembiayaan", "pengeluaran_pembiayaan"]
    accounts = apbdes["kode_rekening"].astype("category")  # a few thousand accounts over millions of lines
    per_class = accounts.map(dict(zip(accounts.cat.categories, rekening_class(pd.Series(accounts.cat.categories)))))
    s = (apbdes.assign(kelas=per_class.astype("string"), kode_desa=apbdes["kode_desa"].astype("string"))
         .pivot_table(index=_KEY, columns="kelas", values=kolom, aggfunc="sum", fill_value=0, observed=True)
         .reindex(columns=classes, fill_value=0).astype("Float64").reset_index())
    netto = s["penerimaan_pembiayaan"] - s["pengeluaran_pembiayaan"]
    return s.assign(pembiayaan_netto=netto, silpa=s["pendapatan"] - s["belanja"] + netto)[
        [*_KEY, *classes, "pembiayaan_netto", "silpa"]].rename_axis(columns=None)


# --- fiscal rules -----------------------------------------------------------------------------------
def bounds_text(lo: Any, hi: Any) -> str:
    """A rule's bounds as text: ``10,0%–25,0%``, ``≥ 8,0%``, ``≤ 30,0%`` or ``-``."""
    if pd.notna(lo) and pd.notna(hi):
        return f"{pct(lo)}–{pct(hi)}"
    return f"≥ {pct(lo)}" if pd.notna(lo) else f"≤ {pct(hi)}" if pd.notna(hi) else "-"


def within(share: Any, lo: Any, hi: Any) -> Any:
    """Whether ``share`` lies within the inclusive bounds (a missing bound does not bind); Series or numbers."""
    return (pd.isna(lo) | (share >= lo - _EPS)) & (pd.isna(hi) | (share <= hi + _EPS))


def _rule_message(r: Any) -> str:
    """The message of one row (nama_aturan, basis, tahun, the share as ``shown``, patuh, the bounds and their text)."""
    nama, dasar = r.nama_aturan, "pagu Dana Desa" if r.basis == "dana_desa" else "total belanja"
    if pd.isna(r.batas_bawah) and pd.isna(r.batas_atas):
        return f"{nama}: {TIDAK_ADA_ATURAN} ({r.tahun})."
    if pd.isna(r.shown):
        if r.basis != "dana_desa":
            return f"{nama}: tidak ada belanja; kepatuhan tidak dapat dinilai."
        return f"{nama}: pagu Dana Desa (pendapatan 4.2.1) tidak ditemukan atau nol; kepatuhan tidak dapat dinilai."
    kata = "memenuhi" if r.patuh else "TIDAK memenuhi"
    return f"{nama} {pct(r.shown)} dari {dasar}: {kata} batas {r.batas} tahun {r.tahun}."


def _compliance_table(sums: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Every desa-year against every rule id of the table; a year without that rule reads TIDAK_ADA_ATURAN."""
    names = rules.groupby("aturan", sort=False).agg(nama_aturan=("nama_aturan", "first"), basis=("basis", "first"))
    names["nama_aturan"] = names["nama_aturan"].fillna(names.index.to_series())
    # One row per desa-year and rule (desa-year by desa-year, rules in order) with the year's bounds.
    bounds = rules[["aturan", "tahun", "batas_bawah", "batas_atas", "dasar_hukum", "tag"]]
    bounds = bounds.assign(batas=[bounds_text(lo, hi) for lo, hi in zip(bounds["batas_bawah"], bounds["batas_atas"])])
    out = sums[_KEY].merge(names.reset_index(), how="cross").merge(bounds, on=["aturan", "tahun"], how="left")
    # jumlah/penyebut: personel/total belanja (<NA> without belanja), or the Dana Desa earmark (Rp 0 if none)/ceiling
    earmarks = [f"dd_{a}" for a in names.index]
    s = sums.reindex(columns=list(dict.fromkeys([*sums.columns, *earmarks]))).fillna(dict.fromkeys(earmarks, 0))
    total = names["basis"].eq("total_belanja").to_numpy()
    jumlah = _row_by_row(s[np.where(total, "personel", earmarks)])
    penyebut = _row_by_row(s[np.where(total, "total_belanja", "pagu_dd")])
    nilai, lo, hi = _share(jumlah, penyebut), out["batas_bawah"], out["batas_atas"]
    out = out.assign(jumlah=jumlah, penyebut=penyebut, nilai=nilai,
                     patuh=within(nilai, lo, hi).where(lo.notna() | hi.notna()).astype("boolean"),
                     shown=nilai.round(1))
    # One message per rule, year, verdict and share as shown (to 0.1 point).
    message = out.groupby(["aturan", "tahun", "patuh", "shown"], dropna=False, sort=False).ngroup()
    distinct = out.loc[message.drop_duplicates().index,
                       ["nama_aturan", "basis", "tahun", "shown", "patuh", "batas_bawah", "batas_atas", "batas"]]
    pesan = pd.array([_rule_message(r) for r in distinct.itertuples(index=False)], dtype="string")
    return (out.assign(pesan=pesan.take(message.to_numpy()))
            .astype({c: "string" for c in ("aturan", "nama_aturan", "basis", "dasar_hukum", "tag")})
            [COMPLIANCE_COLUMNS])


def dana_desa_compliance(mapped: pd.DataFrame, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every desa-year against each rule id of the rules table (earmarks, 30 % cap): :data:`COMPLIANCE_COLUMNS`.

    ``dana_desa`` rules: ``jumlah`` = Σ belanja funded by Dana Desa (``sumber_dana`` DDS) with the rule's
    ``penanda_dd``, ``penyebut`` = the Dana Desa ceiling (Σ revenue 4.2.1). ``PERSONEL``: group ``personel`` over
    total belanja. ``nilai`` in %, bounds inclusive; ``patuh`` is ``<NA>`` when the year has no such rule or the
    ceiling is unknown.
    """
    rules = validate_dana_desa_rules(rules) if rules is not None else load_dana_desa_rules()
    return _compliance_table(desa_year_sums(mapped), rules)


def spending_tables(mapped: pd.DataFrame, layanan: pd.DataFrame | None = None, rules: pd.DataFrame | None = None,
                    target_realisasi: float = TARGET_REALISASI) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`spending_indicators`, :func:`spending_composition` and :func:`dana_desa_compliance` from one sum.

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "kode_kegiatan": ["02.01.01", "01.01.01"], "kode_rekening": ["5.1.1", "5.1.1"], "anggaran": [25.0, 75.0]})
    >>> ind, comp, rules = spending_tables(map_apbdes(lines))
    >>> len(ind), len(comp), sorted(set(rules["aturan"]))
    (10, 12, ['BLT', 'KETAHANAN_PANGAN', 'OPERASIONAL', 'PERSONEL'])
    """
    return spending_tables_with_summary(mapped, layanan, rules, target_realisasi)[:3]


def spending_tables_with_summary(
    mapped: pd.DataFrame, layanan: pd.DataFrame | None = None, rules: pd.DataFrame | None = None,
    target_realisasi: float = TARGET_REALISASI,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`spending_tables` plus the input of :func:`p3pd_lib.classify.spending_quality_class`.

    One row per desa-year with a spending value: ``kode_desa, tahun, bel01, bel07, aturan_dd_patuh`` (every Dana
    Desa earmark of the year met; ``<NA>`` when none could be judged).

    >>> lines = pd.DataFrame({"kode_desa": ["33.07.01.2001"] * 2, "tahun": [2024] * 2,
    ...     "kode_kegiatan": ["02.01.01", "01.01.01"], "kode_rekening": ["5.1.1", "5.1.1"], "anggaran": [25.0, 75.0]})
    >>> spending_tables_with_summary(map_apbdes(lines))[3][["bel01", "bel07", "aturan_dd_patuh"]].values.tolist()
    [[25.0, 75.0, <NA>]]
    """
    r = validate_dana_desa_rules(rules) if rules is not None else load_dana_desa_rules()
    sums = desa_year_sums(mapped)
    ind, compliance = _indicator_table(sums, layanan, r, target_realisasi), _compliance_table(sums, r)
    judged = compliance[(compliance["basis"] == "dana_desa") & compliance["patuh"].notna()]
    values = ind.pivot(index=_KEY, columns="indikator", values="nilai")
    met = judged.groupby(_KEY)["patuh"].all().astype("boolean")  # every judged earmark met
    summary = (values.reindex(columns=["BEL01", "BEL07"]).set_axis(["bel01", "bel07"], axis=1).astype("Float64")
               .join(met.rename("aturan_dd_patuh"))[values.notna().any(axis=1)].reset_index())
    return ind, _composition_table(sums), compliance, summary

