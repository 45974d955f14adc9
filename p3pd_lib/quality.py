"""Data-quality checks (DOMAIN.md §6): one tidy table of findings.

Every check is a pure function: tables in, findings out. A finding names the village (for ``kelengkapan`` the
kecamatan), year, table, field (``kolom``), offending value as plain text (``nilai``), rule (``aturan``, see
:data:`RULES`), level (``tingkat``: galat, peringatan, info) and an Indonesian message. Text that is not a number is
reported once (``bukan_angka``), then read as missing. Service-table checks: :mod:`p3pd_lib.quality_layanan`; APBDes
checks: :mod:`p3pd_lib.quality_apbdes`; here: duplicates, official codes, declared checks, :func:`run_checks`.

>>> layanan = pd.DataFrame({"kode_desa": ["11.01.01.2001"], "tahun": [2024],
...                         "balita_stunting": [57], "balita_diukur": [40]})
>>> cat = pd.DataFrame({"id": ["KES01"], "sektor": ["KES"],
...                     "pembilang": ["balita_stunting"], "penyebut": ["balita_diukur"]})
>>> check_numerator_exceeds(layanan, cat).loc[0, "aturan"]
'pembilang_melebihi_penyebut'
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from typing import Any, Iterable, Mapping

import pandas as pd

from .belanja import identical_copies
from .errors import ParameterError
from .frames import isin
from .quality_apbdes import (  # noqa: F401  (the quality checks are used through this module)
    TOTAL_KINDS, apbdes_lines, check_amounts, check_apbdes_identity, check_budget_totals, check_kelurahan_apbdes,
    check_realisation,
)
from .quality_base import (  # noqa: F401
    FINDING_COLUMNS, RULES, TINGKAT, QualityParams, as_params, as_tables, catalogue_frame, desa_codes,
    empty_findings, findings, labels, load_params, plain, require, year_text, years,
)
from .quality_layanan import (  # noqa: F401
    ServiceTable, check_completeness, check_counts, check_missing_values, check_numerator_exceeds, check_outliers,
    check_yoy_jumps, completeness_table,
)
from .schemas import KODE_DESA_PATTERN


# --------------------------------------------------------------------------- duplicates


def check_duplicates(tables: Any, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Duplicated rows (``baris_ganda``, galat), one finding per desa-year.

    ``layanan``/``status_desa``: the same ``kode_desa`` + ``tahun`` more than once (``nilai`` = rows; the message
    names the columns that differ). ``apbdes``/``usulan``: identical lines (``nilai`` = surplus lines; the spending
    and proposal tables count them once). ``tables``: a Dataset or a mapping of table name → DataFrame.
    """
    t = as_tables(tables)
    names = labels(wilayah if wilayah is not None else t.get("wilayah"))
    rows: list[tuple] = []
    for table in ("layanan", "status_desa"):
        df = t.get(table)
        if df is None or len(df) < 2 or "tahun" not in df.columns:
            continue
        dup = df[df.duplicated(["kode_desa", "tahun"], keep=False).to_numpy()]
        by = dup.groupby(["kode_desa", "tahun"], sort=True, dropna=False)
        distinct = by.nunique(dropna=False)
        for (code, year), size, differ in zip(distinct.index, by.size(), distinct.to_numpy()):
            columns = [c for c, k in zip(distinct.columns, differ) if k > 1]
            what = (f"nilai berbeda pada: {', '.join(columns[:6])}{' …' if len(columns) > 6 else ''}"
                    if columns else "isinya identik")
            rows.append((code, year, table, "kode_desa", str(size), "baris_ganda", "galat",
                         f"{names.desa(code)}, {year_text(year)}: tercatat {size} kali di tabel {table} (kode desa + "
                         f"tahun harus unik; {what}). Sisakan satu baris yang benar."))
    for table in ("apbdes", "usulan"):
        df = t.get(table)
        if df is None or len(df) < 2:
            continue
        copies = df[identical_copies(df, keep=False).to_numpy()]
        key = ["kode_desa", "tahun"] if "tahun" in df.columns else ["kode_desa"]
        for k, grp in copies.groupby(key, sort=True, dropna=False):
            code, year = k[0], (k[1] if len(key) == 2 else None)
            surplus = len(grp) - len(grp.drop_duplicates())
            examples = ([str(u) for u in grp["uraian"].dropna().drop_duplicates().head(3)]
                        if "uraian" in grp.columns else [])
            ex = f" (mis. {'; '.join(repr(e) for e in examples)})" if examples else ""
            what = "baris APBDes" if table == "apbdes" else "usulan"
            rows.append((code, year, table, "(seluruh kolom)", str(surplus), "baris_ganda", "galat",
                         f"{names.desa(code)}, {year_text(year)}: {surplus} {what} tercatat ganda dengan isi "
                         f"identik{ex}; jumlahnya terhitung dua kali."))
    return findings(rows)


# --------------------------------------------------------------------------- region codes


@lru_cache(maxsize=1)
def _national_list() -> pd.DataFrame:
    from .wilayah import wilayah_table

    return wilayah_table()[["kode_desa", "nama_desa"]].astype("string")


def _suggestion(code: Any, official: list[str], names: dict) -> str:
    """What to write instead of an unofficial ``code``: its dotted form, or the nearest code of its kecamatan.

    ``official``: the official codes, sorted; ``names``: official code → desa name."""
    if pd.isna(code) or code == "":
        return "Isi kode desa Kemendagri (PP.KK.CC.DDDD)."

    def label(c: str) -> str:
        return f"{c} ({names[c]})" if isinstance(names.get(c), str) else c

    digits = re.sub(r"\D", "", code)
    dotted = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}" if len(digits) == 10 else None
    if dotted and dotted != code and official[bisect_left(official, dotted):][:1] == [dotted]:
        return f"Mungkin maksudnya {label(dotted)}; tulis kode dengan titik: PP.KK.CC.DDDD."
    if not re.match(KODE_DESA_PATTERN, code):
        return "Format kode harus PP.KK.CC.DDDD, mis. 11.01.01.2001."
    prefix = code[:8] + "."
    same_kec = official[bisect_left(official, prefix):bisect_left(official, prefix + "\U0010ffff")]
    if not same_kec:
        return f"Kecamatan {code[:8]} juga tidak ada dalam daftar resmi; periksa kode kabupaten/kecamatan."
    nearest = min(same_kec, key=lambda c: (abs(int(c[9:]) - int(code[9:])), c))
    return (f"Kode resmi terdekat di kecamatan yang sama: {label(nearest)}. Desa bisa saja baru dimekarkan atau "
            "berganti kode; sesuaikan dengan Kepmendagri 300.2.2-2138/2025.")


def check_official_codes(tables: Any, official_codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Codes that are not in the official region list (``kode_tidak_resmi``, galat).

    ``official_codes`` defaults to the national list (Kepmendagri 300.2.2-2138/2025, via :mod:`p3pd_lib.wilayah`).
    One finding per table, code and year; ``nilai`` is the code. The message suggests the dotted form of an undotted
    code, else the nearest official code of the same kecamatan. Rows with such codes stay in the data: this is a
    finding, never an error.
    """
    t = as_tables(tables)
    if official_codes is None:
        official = _national_list()
    else:
        given = official_codes["kode_desa"] if isinstance(official_codes, pd.DataFrame) else list(official_codes)
        official = pd.DataFrame({"kode_desa": pd.Series(given, dtype="string").str.strip().dropna().drop_duplicates()})
    bad_rows = {}
    for table in ("wilayah", "layanan", "apbdes", "status_desa", "usulan"):
        df = t.get(table)
        if df is None or not len(df):
            continue
        codes = desa_codes(df["kode_desa"], category=True)
        distinct = pd.Series(codes.cat.categories, dtype="string")  # each distinct code looked up once
        unofficial = ~codes.isin(distinct[isin(distinct, official["kode_desa"])]) | codes.isna()
        if unofficial.any():
            bad_rows[table] = pd.DataFrame({"kode": codes[unofficial].astype("string"), "tahun": years(df)[unofficial]})
    if not bad_rows:
        return empty_findings()
    # The suggestions only look inside the kecamatan of the codes found (as written, or once dotted).
    bad_codes = pd.concat([b["kode"] for b in bad_rows.values()]).dropna().drop_duplicates()
    dotted = bad_codes.str.replace(r"\D", "", regex=True)
    dotted = dotted.str.slice(0, 2) + "." + dotted.str.slice(2, 4) + "." + dotted.str.slice(4, 6)
    kecamatan = set(bad_codes.str.slice(0, 8).dropna()) | set(dotted.dropna())
    nearby = official[isin(official["kode_desa"].str.slice(0, 8), kecamatan)].dropna(subset=["kode_desa"])
    ordered = sorted(nearby["kode_desa"])
    names = dict(zip(nearby["kode_desa"].tolist(), nearby["nama_desa"].tolist())) if "nama_desa" in nearby else {}
    rows: list[tuple] = []
    for table, bad in bad_rows.items():
        for (code, year), n in bad.groupby(["kode", "tahun"], dropna=False, sort=True).size().items():
            code = None if pd.isna(code) else code
            year = None if pd.isna(year) else year
            label = f"Kode {code}" if code else "Baris tanpa kode desa"
            when = f", {year_text(year)}" if year is not None else ""
            where = f"{n} baris di tabel {table}" if table != "wilayah" else "tabel wilayah"
            rows.append((code, year, table, "kode_desa", code or "", "kode_tidak_resmi", "galat",
                         f"{label}{when} ({where}): tidak ada dalam daftar wilayah resmi; baris ini tidak dapat "
                         f"dikaitkan dengan desa mana pun. {_suggestion(code, ordered, names)}"))
    return findings(rows)


# --------------------------------------------------------------------------- checks declared as data


def check_declared_rules(tables: Any, rules: Any = None, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Checks declared as data in ``parameters/kualitas.yaml`` (``pemeriksaan_tambahan``): no Python needed.

    Each rule names a table, a column, a condition (a pandas query over the table's columns, e.g. ``penduduk < 50``)
    and a level; every row where the condition holds becomes a finding ``aturan`` with the rule's message.
    ``rules``: a list of :class:`p3pd_lib.parameter_files.ExtraCheck` (default: the file's).

    >>> from p3pd_lib.parameter_files import ExtraCheck
    >>> rule = ExtraCheck(aturan="penduduk_kecil", tabel="layanan", kolom="penduduk", syarat="penduduk < 50",
    ...                   pesan="penduduk kurang dari 50 jiwa")
    >>> lay = pd.DataFrame({"kode_desa": ["33.07.01.2001", "33.07.01.2002"], "tahun": [2024, 2024],
    ...                     "penduduk": [30, 900]})
    >>> check_declared_rules({"layanan": lay}, [rule])[["kode_desa", "aturan", "nilai"]].values.tolist()
    [['33.07.01.2001', 'penduduk_kecil', '30']]
    """
    from . import parameter_files

    t = as_tables(tables)
    rules = parameter_files.load_quality().pemeriksaan_tambahan if rules is None else rules
    names = labels(wilayah if wilayah is not None else t.get("wilayah"))
    rows: list[tuple] = []
    for rule in rules:
        df = t.get(rule.tabel)
        if df is None or not len(df):
            continue
        if rule.kolom not in df.columns:
            raise ParameterError(f"kualitas.yaml, pemeriksaan '{rule.aturan}': kolom '{rule.kolom}' tidak ada di "
                                 f"tabel {rule.tabel}.")
        try:
            hits = df.query(rule.syarat)
        except Exception as exc:  # a mistyped condition in the parameter file
            raise ParameterError(f"kualitas.yaml, pemeriksaan '{rule.aturan}': syarat '{rule.syarat}' tidak dapat "
                                 f"dibaca ({exc}).") from None
        for r in hits.to_dict("records"):
            code, year = r.get("kode_desa"), r.get("tahun")
            rows.append((code, year, rule.tabel, rule.kolom, plain(r[rule.kolom]), rule.aturan, rule.tingkat,
                         f"{names.desa(code)}, {year_text(year)}: {rule.pesan} ({rule.kolom} = "
                         f"{plain(r[rule.kolom])})."))
    return findings(rows)


# --------------------------------------------------------------------------- all checks


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings sorted: galat first, then by rule, village, year, table and field."""
    rank = findings["tingkat"].map({t: i for i, t in enumerate(TINGKAT)}).astype("Int64")
    rule = findings["aturan"].map({r: i for i, r in enumerate(RULES)}).astype("Int64")
    out = findings.assign(_t=rank, _r=rule).sort_values(
        ["_t", "_r", "kode_desa", "tahun", "tabel", "kolom"], kind="stable", na_position="last")
    return out.drop(columns=["_t", "_r"]).reset_index(drop=True)


def run_checks(dataset_or_tables: Any, catalogue: Any = None, official_codes: Iterable[str] | None = None,
               params: QualityParams | Mapping[str, Any] | None = None, *,
               totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Run every check and return one findings table, galat first.

    ``dataset_or_tables``: a :class:`~p3pd_lib.store.Dataset` or a mapping of table name → DataFrame (missing tables
    are skipped). ``catalogue``: indicator catalogue (default ``indicators.load_catalogue()``). ``official_codes``:
    the official desa codes (default: the national list). ``params``: :class:`QualityParams`, a nested mapping
    overriding ``kualitas.yaml``, or ``None`` for the file. ``totals``: declared budget totals for
    :func:`check_budget_totals`.
    """
    t, p, cat = as_tables(dataset_or_tables), as_params(params), catalogue_frame(catalogue)
    w = labels(t.get("wilayah"))  # one label table for every check
    layanan, apbdes = t.get("layanan"), t.get("apbdes")
    lines = apbdes_lines(apbdes) if apbdes is not None and len(apbdes) else None  # read once for all their checks
    found = [check_duplicates(t, wilayah=w), check_official_codes({**t, "apbdes": lines}, official_codes),
             check_declared_rules(t, wilayah=w)]
    if layanan is not None and len(layanan):
        lay = ServiceTable(layanan)  # read once for every check of the service table
        found += [check_counts(lay, wilayah=w), check_numerator_exceeds(lay, cat, wilayah=w),
                  check_completeness(lay, cat, wilayah=w, params=p),
                  check_missing_values(lay, cat, wilayah=w, params=p),
                  check_outliers(lay, cat, wilayah=w, params=p), check_yoy_jumps(lay, wilayah=w, params=p)]
    if lines is not None:
        found += [check_amounts(apbdes, wilayah=w), check_kelurahan_apbdes(apbdes, wilayah=w, lines=lines),
                  check_realisation(apbdes, wilayah=w, params=p, lines=lines),
                  check_apbdes_identity(apbdes, wilayah=w, params=p, lines=lines)]
        if totals is not None:
            found.append(check_budget_totals(apbdes, totals, wilayah=w, params=p))
    parts = [x for x in found if len(x)]
    return sort_findings(pd.concat(parts, ignore_index=True)) if parts else empty_findings()


# --------------------------------------------------------------------------- summaries


def rules_table() -> pd.DataFrame:
    """The rules as a table (``aturan, tingkat, judul``) for documentation and reports."""
    return pd.DataFrame([(r, lvl, title) for r, (lvl, title) in RULES.items()],
                        columns=["aturan", "tingkat", "judul"]).astype("string")


def summarize(findings: pd.DataFrame) -> pd.DataFrame:
    """Counts per rule and level: ``aturan, judul, tingkat, jumlah, n_desa``, most serious first.

    >>> f = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002"], "tahun": [2024] * 2,
    ...     "tabel": ["layanan"] * 2, "kolom": ["x"] * 2, "nilai": ["1"] * 2, "aturan": ["nilai_negatif"] * 2,
    ...     "tingkat": ["galat"] * 2, "pesan": ["…"] * 2})
    >>> summarize(f)[["aturan", "jumlah", "n_desa"]].values.tolist()
    [['nilai_negatif', 2, 2]]
    """
    require(findings, FINDING_COLUMNS, "temuan")
    out = (findings.groupby(["aturan", "tingkat"], sort=False)
           .agg(jumlah=("kode_desa", "size"), n_desa=("kode_desa", "nunique")).reset_index())
    out = out.assign(judul=out["aturan"].map(lambda r: RULES.get(r, (None, r))[1]),
                     _k=out["tingkat"].map({t: i for i, t in enumerate(TINGKAT)}))
    out = out.sort_values(["_k", "jumlah"], ascending=[True, False], kind="stable")
    return out[["aturan", "judul", "tingkat", "jumlah", "n_desa"]].astype(
        {"aturan": "string", "judul": "string", "tingkat": "string", "jumlah": "Int64", "n_desa": "Int64"}
    ).reset_index(drop=True)
