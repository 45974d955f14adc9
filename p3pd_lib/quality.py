"""Data-quality checks (DOMAIN.md §6) returning findings: duplicates, codes, ``kualitas.yaml`` rules, APBDes lines,
:func:`run_checks`; ``layanan`` checks in :mod:`.quality_layanan`, shared parts in :mod:`.quality_base`."""

from __future__ import annotations

import re
from typing import Any, Iterable

import numpy as np
import pandas as pd

from . import parameter_files
from .belanja import identical_copies, is_kelurahan, rekening_class
from .errors import ParameterError
from .frames import isin, require_columns
from .quality_base import (  # noqa: F401  (the checks and their parameters are used through this module)
    FINDING_COLUMNS, RULES, TINGKAT, Params, QualityParams, as_params, as_tables, catalogue_frame, desa_codes,
    empty_findings, findings, labels, load_params, region_table, years)
from .numbers import parse_numbers, plain, rp, year_text
from .quality_layanan import (  # noqa: F401
    ServiceTable, check_completeness, check_counts, check_missing_values, check_numerator_exceeds, check_outliers,
    check_yoy_jumps, completeness_table)
from .schemas import KODE_DESA_PATTERN
from .wilayah import desa_names

#: Kinds of declared totals accepted by :func:`check_budget_totals` (classes of ``kode_rekening``).
TOTAL_KINDS: tuple[str, ...] = ("pendapatan", "belanja", "penerimaan_pembiayaan", "pengeluaran_pembiayaan")


def check_duplicates(tables: Any, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Duplicated rows (``baris_ganda``), one finding per desa-year: a ``layanan``/``status_desa`` key repeated
    (``nilai`` = rows, the message names the columns that differ) or identical ``apbdes``/``usulan`` lines (``nilai``
    = surplus lines, which the spending and proposal tables count once)."""
    t = as_tables(tables)
    names = labels(wilayah if wilayah is not None else t.get("wilayah"))
    rows: list[tuple] = []
    for table in ("layanan", "status_desa"):
        df = t.get(table)
        if df is None or len(df) < 2 or "tahun" not in df.columns:
            continue
        repeated = df[df.duplicated(["kode_desa", "tahun"], keep=False).to_numpy()]
        if repeated.empty:  # the usual case; the groupby below costs ~0.2 ms per column even on no rows
            continue
        by = repeated.groupby(["kode_desa", "tahun"], sort=True, dropna=False)
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
            examples = grp["uraian"].dropna().drop_duplicates().head(3) if "uraian" in grp.columns else []
            ex = f" (mis. {'; '.join(repr(str(e)) for e in examples)})" if len(examples) else ""
            what = "baris APBDes" if table == "apbdes" else "usulan"
            rows.append((code, year, table, "(seluruh kolom)", str(surplus), "baris_ganda", "galat",
                         f"{names.desa(code)}, {year_text(year)}: {surplus} {what} tercatat ganda dengan isi "
                         f"identik{ex}; jumlahnya terhitung dua kali."))
    return findings(rows)


def _suggestion(code: Any, nearby: dict[str, str]) -> str:
    """What to write instead of an unofficial ``code`` (``nearby``: official code in its kecamatan → its label)."""
    if pd.isna(code) or code == "":
        return "Isi kode desa Kemendagri (PP.KK.CC.DDDD)."
    digits = re.sub(r"\D", "", code)
    dotted = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}" if len(digits) == 10 else None
    if dotted and dotted != code and dotted in nearby:
        return f"Mungkin maksudnya {nearby[dotted]}; tulis kode dengan titik: PP.KK.CC.DDDD."
    if not re.match(KODE_DESA_PATTERN, code):
        return "Format kode harus PP.KK.CC.DDDD, mis. 11.01.01.2001."
    same_kecamatan = [c for c in nearby if c.startswith(code[:8] + ".")]
    if not same_kecamatan:
        return f"Kecamatan {code[:8]} juga tidak ada dalam daftar resmi; periksa kode kabupaten/kecamatan."
    nearest = min(same_kecamatan, key=lambda c: (abs(int(c[9:]) - int(code[9:])), c))
    return (f"Kode resmi terdekat di kecamatan yang sama: {nearby[nearest]}. Desa bisa saja baru dimekarkan atau "
            "berganti kode; sesuaikan dengan Kepmendagri 300.2.2-2138/2025.")


def check_official_codes(tables: Any, official_codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Codes missing from the official region list (``kode_tidak_resmi``, galat), one finding per table, code and
    year, with a suggestion. ``official_codes`` defaults to the national list (Kepmendagri 300.2.2-2138/2025)."""
    t = as_tables(tables)
    tables = {name: t[name] for name in ("wilayah", "layanan", "apbdes", "status_desa", "usulan")
              if t.get(name) is not None and len(t[name])}
    if not tables:
        return empty_findings()
    codes = {name: desa_codes(df["kode_desa"], category=True) for name, df in tables.items()}
    seen = pd.concat([pd.Series(c.cat.categories, dtype="string") for c in codes.values()]).drop_duplicates()
    # Official code → desa name: the national list looked up for the codes seen (and their kecamatan below), or
    # the given codes (no names).
    if official_codes is None:
        official = desa_names(seen)
    else:
        given = official_codes["kode_desa"] if isinstance(official_codes, pd.DataFrame) else list(official_codes)
        official = dict.fromkeys(pd.Series(given, dtype="string").str.strip().dropna())
    known = seen[isin(seen, official)]
    unofficial = {table: ~c.isin(known) | c.isna() for table, c in codes.items()}
    bad_rows = {table: pd.DataFrame({"kode": codes[table][u].astype("string"), "tahun": years(tables[table])[u]})
                for table, u in unofficial.items() if u.any()}
    if not bad_rows:
        return empty_findings()
    # The suggestions look inside the kecamatan of the codes found (as written, or once dotted).
    bad_codes = pd.concat([b["kode"] for b in bad_rows.values()]).dropna().drop_duplicates()
    dotted = bad_codes.str.replace(r"\D", "", regex=True)
    dotted = dotted.str.slice(0, 2) + "." + dotted.str.slice(2, 4) + "." + dotted.str.slice(4, 6)
    kecamatan = set(bad_codes.str.slice(0, 8).dropna()) | set(dotted.dropna())
    nearby = (desa_names(kecamatan=kecamatan) if official_codes is None
              else {c: None for c in official if c[:8] in kecamatan})
    nearby = {c: f"{c} ({name})" if isinstance(name, str) else c for c, name in nearby.items()}  # code (name)
    rows: list[tuple] = []
    for table, bad in bad_rows.items():
        for (code, year), n in bad.groupby(["kode", "tahun"], dropna=False, sort=True).size().items():
            code, year = (None if pd.isna(v) else v for v in (code, year))
            label = f"Kode {code}" if code else "Baris tanpa kode desa"
            when = f", {year_text(year)}" if year is not None else ""
            where = f"{n} baris di tabel {table}" if table != "wilayah" else "tabel wilayah"
            rows.append((code, year, table, "kode_desa", code or "", "kode_tidak_resmi", "galat",
                         f"{label}{when} ({where}): tidak ada dalam daftar wilayah resmi; baris ini tidak dapat "
                         f"dikaitkan dengan desa mana pun. {_suggestion(code, nearby)}"))
    return findings(rows)


def check_declared_rules(tables: Any, rules: Any = None, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Checks declared in ``kualitas.yaml`` (``pemeriksaan_tambahan``; worked example in docs/panduan_analis.md):
    every row of the rule's table where its condition (a pandas query) holds is a finding."""
    t = as_tables(tables)
    rules = parameter_files.load_quality().pemeriksaan_tambahan if rules is None else rules
    names = labels(wilayah if wilayah is not None else t.get("wilayah"))
    rows: list[tuple] = []
    for rule in rules:
        df = t.get(rule.tabel)
        if df is None or not len(df):
            continue
        where = f"kualitas.yaml, pemeriksaan '{rule.aturan}'"
        if rule.kolom not in df.columns:
            raise ParameterError(f"{where}: kolom '{rule.kolom}' tidak ada di tabel {rule.tabel}.")
        try:
            hits = df.query(rule.syarat)
        except Exception as exc:  # a mistyped condition in the parameter file
            raise ParameterError(f"{where}: syarat '{rule.syarat}' tidak dapat dibaca ({exc}).") from None
        for r in hits.to_dict("records"):
            code, year, value = r.get("kode_desa"), r.get("tahun"), plain(r[rule.kolom])
            rows.append((code, year, rule.tabel, rule.kolom, value, rule.aturan, rule.tingkat,
                         f"{names.desa(code)}, {year_text(year)}: {rule.pesan} ({rule.kolom} = {value})."))
    return findings(rows)


def apbdes_lines(apbdes: pd.DataFrame) -> pd.DataFrame:
    """``kode_desa`` (stripped, categorical), ``tahun`` (float), ``kelas`` of ``kode_rekening`` (categorical) and
    valid ``anggaran``/``realisasi`` (NaN when missing, not a number or negative) per line, on ``apbdes``'s index."""
    require_columns(apbdes, ("kode_desa", "tahun", "kode_rekening", "anggaran"), "Tabel 'apbdes'", ParameterError)
    accounts = apbdes["kode_rekening"].astype("category")  # each distinct account classified once
    kinds = pd.Categorical(rekening_class(pd.Series(accounts.cat.categories, dtype="string")),
                           categories=[*TOTAL_KINDS, "lainnya"])
    amounts = {c: parse_numbers(apbdes[c])["nilai"] if c in apbdes.columns else pd.Series(np.nan, index=apbdes.index)
               for c in ("anggaran", "realisasi")}
    return pd.DataFrame({
        "kode_desa": desa_codes(apbdes["kode_desa"], category=True), "tahun": years(apbdes),
        "kelas": kinds.take(accounts.cat.codes.to_numpy(), allow_fill=True, fill_value="lainnya"),
        **{c: v.where(v >= 0) for c, v in amounts.items()},
    }, index=apbdes.index, copy=False)  # fresh columns: not copied again into one block (~0.3 s on 5 million lines)


def budget_sums(lines: pd.DataFrame) -> pd.DataFrame:
    """Σ ``anggaran``, Σ ``realisasi`` and number of lines ``n`` per ``kode_desa, tahun, kelas`` (the index)."""
    return (lines.assign(n=1).groupby(["kode_desa", "tahun", "kelas"], observed=True, sort=False)  # the sums sorted
            [["anggaran", "realisasi", "n"]].sum().sort_index())  # after: ~40 % less than groupby's own sorting


def _tolerance(p: QualityParams, reference: Any) -> Any:
    return np.maximum(p.anggaran_toleransi_rupiah, p.anggaran_toleransi_relatif * np.abs(reference))


def check_amounts(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rupiah amounts of APBDes lines (``anggaran``, ``realisasi``) that are not numbers or are negative."""
    require_columns(apbdes, ("kode_desa",), "Tabel 'apbdes'", ParameterError)
    names, rows = labels(wilayah), []
    for col in (c for c in ("anggaran", "realisasi") if c in apbdes.columns):
        parsed = parse_numbers(apbdes[col])
        picked = (parsed["bukan_angka"] | (parsed["nilai"] < 0)).to_numpy()
        bad = apbdes[picked].reindex(columns=["kode_desa", "tahun", "kode_rekening", col])
        for code, year, rek, written, x in zip(desa_codes(bad["kode_desa"]), years(bad), bad["kode_rekening"],
                                               bad[col], parsed["nilai"][picked]):
            where = f" pada rekening {rek}" if isinstance(rek, str) and rek else ""
            if x < 0:
                rule, value, text = "nilai_negatif", plain(x), f"bernilai negatif ({rp(x)}){where}"
            else:
                value = str(written).strip()
                rule, text = "bukan_angka", f"berisi '{value}'{where}, bukan angka rupiah"
            rows.append((code, year, "apbdes", col, value, rule, "galat",
                         f"{names.desa(code)}, {year_text(year)}: {col} {text}."))
    return findings(rows)


def check_kelurahan_apbdes(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None,
                           lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """APBDes lines of a kelurahan (``kelurahan_ber_apbdes``, galat), one finding per kelurahan and year."""
    lines = apbdes_lines(apbdes) if lines is None else lines
    codes = pd.Series(lines["kode_desa"].cat.categories, dtype="string")
    kelurahan = lines[lines["kode_desa"].isin(codes[is_kelurahan(codes, region_table(wilayah)).to_numpy()])]
    per_year = kelurahan.groupby(["kode_desa", "tahun"], observed=True)["anggaran"].agg(n="size", total="sum")
    names = labels(wilayah)
    return findings([
        (code, year, "apbdes", "kode_desa", str(n), "kelurahan_ber_apbdes", "galat", f"{names.desa(code)}, "
         f"{int(year)}: ada {n} baris APBDes (anggaran {rp(total)}), padahal kelurahan tidak memiliki APBDes "
         "maupun Dana Desa; baris ini tidak dipakai dalam indikator belanja.")
        for (code, year), n, total in per_year.itertuples()])


def check_realisation(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None, params: Params = None,
                      lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """Spending (``5.*``) and financing-outlay (``6.2.*``) lines whose realisation exceeds the budget by more than
    the tolerance (``realisasi_melebihi_anggaran``, galat), one finding per line."""
    p, names = as_params(params), labels(wilayah)
    lines = apbdes_lines(apbdes) if lines is None else lines
    over = lines["realisasi"] - lines["anggaran"]
    bad = lines["kelas"].isin(["belanja", "pengeluaran_pembiayaan"]) & (over > _tolerance(p, lines["anggaran"]))
    described = apbdes[bad.to_numpy()].reindex(columns=["kode_rekening", "uraian", "kode_kegiatan"])
    rows = []
    for line, text in zip(lines[bad].to_dict("records"), described.astype("string").fillna("").to_dict("records")):
        what = (f"rekening {text['kode_rekening']}" + (f" '{text['uraian']}'" if text["uraian"] else "")
                + (f" (kegiatan {text['kode_kegiatan']})" if text["kode_kegiatan"] else ""))
        code = line["kode_desa"] if pd.notna(line["kode_desa"]) else None
        rows.append((code, line["tahun"], "apbdes", "realisasi", plain(line["realisasi"]),
                     "realisasi_melebihi_anggaran", "galat",
                     f"{names.desa(code)}, {year_text(line['tahun'])}: realisasi {rp(line['realisasi'])} melebihi "
                     f"anggaran {rp(line['anggaran'])} pada {what}."))
    return findings(rows)


def check_budget_totals(apbdes: pd.DataFrame, totals: pd.DataFrame, *, wilayah: pd.DataFrame | None = None,
                        params: Params = None) -> pd.DataFrame:
    """Declared totals that differ from the sum of the lines by more than the tolerance (``total_tidak_sesuai``).
    ``totals``: ``kode_desa, tahun, jenis`` (one of :data:`TOTAL_KINDS`), ``total`` and optionally ``kolom``
    (``anggaran``, the default, or ``realisasi``), e.g. the summary page of a Perdes APBDes."""
    require_columns(totals, ("kode_desa", "tahun", "jenis", "total"), "Tabel 'total anggaran'", ParameterError)
    p, names = as_params(params), labels(wilayah)
    declared = pd.DataFrame({
        "kode_desa": desa_codes(totals["kode_desa"]), "tahun": years(totals),
        "kelas": totals["jenis"].astype("string").str.strip().str.lower(),
        "kolom": (totals["kolom"].astype("string").fillna("anggaran").str.strip().str.lower()
                  if "kolom" in totals.columns else "anggaran"),
        "total": parse_numbers(totals["total"])["nilai"]})
    if unknown := sorted(set(declared["kelas"].dropna()) - set(TOTAL_KINDS)):
        raise ParameterError(f"Jenis total tidak dikenal: {', '.join(unknown)}. Pilihan: {', '.join(TOTAL_KINDS)}.")
    if not declared["kolom"].isin(["anggaran", "realisasi"]).all():
        raise ParameterError("Isian 'kolom' pada total anggaran harus 'anggaran' atau 'realisasi'.")
    declared = declared[(declared["total"] >= 0) & declared["tahun"].notna() & declared["kode_desa"].notna()]
    sums = budget_sums(apbdes_lines(apbdes)).reset_index().astype({"kode_desa": "string", "kelas": "string"})
    checked = declared.merge(sums, on=["kode_desa", "tahun", "kelas"], how="left")
    checked["jumlah"] = checked["anggaran"].where(checked["kolom"] == "anggaran", checked["realisasi"]).fillna(0.0)
    checked = checked[(checked["total"] - checked["jumlah"]).abs() > _tolerance(p, checked["total"])]
    return findings([
        (code, year, "apbdes", col, plain(d), "total_tidak_sesuai", "galat",
         f"{names.desa(code)}, {int(year)}: total {kind.replace('_', ' ')} ({col}) tertulis {rp(d)}, sedangkan jumlah "
         f"rinciannya {rp(summed)} (selisih {rp(d - summed)}).")
        for code, year, kind, col, d, summed in checked[[*declared.columns, "jumlah"]].itertuples(index=False)])


def check_apbdes_identity(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None, params: Params = None,
                          lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """Unbalanced budgets (``identitas_apbdes``) and one-sided budgets (``apbdes_tidak_lengkap``), peringatan: an
    APBDes is adopted balanced (DOMAIN §3), ``|pendapatan − belanja + (6.1 − 6.2)| ≤ tolerance`` on the budget
    (the realised SiLPA is legitimately non-zero); a desa-year with spending but no revenue lines (or the reverse)
    is one-sided. Kelurahan are skipped (already ``kelurahan_ber_apbdes``)."""
    p, names = as_params(params), labels(wilayah)
    sums = budget_sums(apbdes_lines(apbdes) if lines is None else lines)
    if sums.empty:
        return empty_findings()
    wide = sums.unstack("kelas")
    wide = wide[~is_kelurahan(wide.index.get_level_values("kode_desa").to_series(), region_table(wilayah)).to_numpy()]
    n = wide["n"].reindex(columns=list(TOTAL_KINDS)).fillna(0)
    s = wide["anggaran"].reindex(columns=list(TOTAL_KINDS)).fillna(0.0).assign(
        has_p=n["pendapatan"] > 0, has_b=n["belanja"] > 0).reset_index()
    s["saldo"] = s["pendapatan"] - s["belanja"] + s["penerimaan_pembiayaan"] - s["pengeluaran_pembiayaan"]
    unbalanced = s["has_p"] & s["has_b"] & (s["saldo"].abs() > _tolerance(p, np.maximum(s["pendapatan"], s["belanja"])))
    rows = []
    for r in s[(s["has_p"] ^ s["has_b"]) | unbalanced].itertuples(index=False):
        who = f"{names.desa(r.kode_desa)}, {int(r.tahun)}"
        if r.has_p != r.has_b:
            missing = "pendapatan (4.x)" if not r.has_p else "belanja (5.x)"
            rows.append((r.kode_desa, r.tahun, "apbdes", "kode_rekening", "", "apbdes_tidak_lengkap", "peringatan",
                         f"{who}: APBDes tidak memiliki baris {missing}; identitas anggaran tidak dapat diperiksa."))
        else:
            netto = r.penerimaan_pembiayaan - r.pengeluaran_pembiayaan
            rows.append((r.kode_desa, r.tahun, "apbdes", "anggaran", plain(round(r.saldo)), "identitas_apbdes",
                         "peringatan", f"{who}: APBDes tidak seimbang: pendapatan {rp(r.pendapatan)} − belanja "
                         f"{rp(r.belanja)} + pembiayaan netto {rp(netto)} = {rp(r.saldo)}; pada anggaran seharusnya 0 "
                         "(defisit ditutup penerimaan pembiayaan, surplus dialokasikan ke pengeluaran pembiayaan). "
                         "Periksa baris yang hilang, mis. SiLPA (6.1.1)."))
    return findings(rows)


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings sorted: galat first, then by rule, village, year, table and field."""
    rank = {"tingkat": {t: i for i, t in enumerate(TINGKAT)}, "aturan": {r: i for i, r in enumerate(RULES)}}
    return findings.sort_values(["tingkat", "aturan", "kode_desa", "tahun", "tabel", "kolom"],
                                key=lambda s: s.map(rank[s.name]) if s.name in rank else s).reset_index(drop=True)


def run_checks(dataset_or_tables: Any, catalogue: Any = None, official_codes: Iterable[str] | None = None,
               params: Params = None, *, totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every check on a :class:`~p3pd_lib.store.Dataset` or a mapping of table name → DataFrame (absent tables are
    skipped), as one findings table sorted by :func:`sort_findings`. ``catalogue`` defaults to the indicator file,
    ``official_codes`` to the national list, ``params`` to ``kualitas.yaml`` (a mapping overrides parts of it);
    ``totals``: declared budget totals for :func:`check_budget_totals`."""
    t, p, cat = as_tables(dataset_or_tables), as_params(params), catalogue_frame(catalogue)
    w = labels(t.get("wilayah"))  # one label table for every check
    layanan, apbdes = t.get("layanan"), t.get("apbdes")
    lines = apbdes_lines(apbdes) if apbdes is not None and len(apbdes) else None  # read once for all their checks
    found = [check_duplicates(t, wilayah=w), check_official_codes({**t, "apbdes": lines}, official_codes),
             check_declared_rules(t, wilayah=w)]
    if layanan is not None and len(layanan):
        lay = ServiceTable(layanan)  # read once for every check of the service table
        found += [check_counts(lay, wilayah=w), check_numerator_exceeds(lay, cat, wilayah=w),
                  check_completeness(lay, cat, wilayah=w, params=p), check_outliers(lay, cat, wilayah=w, params=p),
                  check_missing_values(lay, cat, wilayah=w, params=p), check_yoy_jumps(lay, wilayah=w, params=p)]
    if lines is not None:
        found += [check_amounts(apbdes, wilayah=w), check_kelurahan_apbdes(apbdes, wilayah=w, lines=lines),
                  check_realisation(apbdes, wilayah=w, params=p, lines=lines),
                  check_apbdes_identity(apbdes, wilayah=w, params=p, lines=lines)]
        if totals is not None:
            found.append(check_budget_totals(apbdes, totals, wilayah=w, params=p))
    parts = [x for x in found if len(x)]
    return sort_findings(pd.concat(parts, ignore_index=True)) if parts else empty_findings()


def rules_table() -> pd.DataFrame:
    """The rules as a table (``aturan, tingkat, judul``) for documentation and reports."""
    return pd.DataFrame([(r, *v) for r, v in RULES.items()], columns=["aturan", "tingkat", "judul"]).astype("string")


def summarize(findings: pd.DataFrame) -> pd.DataFrame:
    """Counts per rule and level: ``aturan, judul, tingkat, jumlah, n_desa``, most serious first.

    >>> f = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002"], "tahun": [2024] * 2,
    ...     "tabel": ["layanan"] * 2, "kolom": ["x"] * 2, "nilai": ["1"] * 2, "aturan": ["nilai_negatif"] * 2,
    ...     "tingkat": ["galat"] * 2, "pesan": ["…"] * 2})
    >>> summarize(f)[["aturan", "jumlah", "n_desa"]].values.tolist()
    [['nilai_negatif', 2, 2]]
    """
    require_columns(findings, FINDING_COLUMNS, "Tabel 'temuan'", ParameterError)
    out = (findings.groupby(["aturan", "tingkat"], sort=False)
           .agg(jumlah=("kode_desa", "size"), n_desa=("kode_desa", "nunique")).reset_index())
    out = out.assign(judul=out["aturan"].map(lambda r: RULES.get(r, (None, r))[1]),
                     _k=out["tingkat"].map({t: i for i, t in enumerate(TINGKAT)}))
    out = out.sort_values(["_k", "jumlah"], ascending=[True, False], kind="stable")
    return out[["aturan", "judul", "tingkat", "jumlah", "n_desa"]].reset_index(drop=True).astype(
        {"aturan": "string", "judul": "string", "tingkat": "string", "jumlah": "Int64", "n_desa": "Int64"})
