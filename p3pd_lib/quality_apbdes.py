"""Data-quality checks of the APBDes lines (DOMAIN.md §6), in plain pandas.

Every check reads the lines through :func:`apbdes_lines`: code, year, class of ``kode_rekening`` and valid amounts
(missing, non-numeric or negative ones are NaN; ``check_amounts`` reports them).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from .belanja import is_kelurahan, rekening_class
from .errors import ParameterError
from .quality_base import (
    Labels, QualityParams, as_params, desa_codes, empty_findings, findings, labels,
    parse_numbers, plain, region_table, require, rp, year_text, years,
)

#: Kinds of declared totals accepted by :func:`check_budget_totals`.
TOTAL_KINDS: tuple[str, ...] = ("pendapatan", "belanja", "penerimaan_pembiayaan", "pengeluaran_pembiayaan")


def apbdes_lines(apbdes: pd.DataFrame) -> pd.DataFrame:
    """``kode_desa`` (stripped, categorical), ``tahun`` (float), ``kelas`` and valid ``anggaran``/``realisasi`` per
    line (same index as ``apbdes``). Codes and accounts are classified once per distinct value."""
    require(apbdes, ("kode_desa", "tahun", "kode_rekening", "anggaran"), "apbdes")
    codes = apbdes["kode_desa"].astype("category")
    accounts = apbdes["kode_rekening"].astype("category")
    # the class of each distinct account, then of each line (categorical: cheap to group on millions of lines)
    kinds = pd.Categorical(rekening_class(pd.Series(accounts.cat.categories, dtype="string")),
                           categories=[*TOTAL_KINDS, "lainnya"])
    amounts = {c: parse_numbers(apbdes[c])["nilai"] if c in apbdes.columns else pd.Series(np.nan, index=apbdes.index)
               for c in ("anggaran", "realisasi")}
    return pd.DataFrame({
        "kode_desa": codes.map({c: str(c).strip() or pd.NA for c in codes.cat.categories}),
        "tahun": years(apbdes),
        "kelas": kinds.take(accounts.cat.codes.to_numpy(), allow_fill=True, fill_value="lainnya"),
        **{c: v.where(v >= 0) for c, v in amounts.items()},
    }, index=apbdes.index)


def _per_desa_year(lines: pd.DataFrame) -> pd.DataFrame:
    """Σ anggaran and number of lines per desa-year and class (wide: ``pendapatan``, ``n_pendapatan``, …)."""
    ok = lines.dropna(subset=["kode_desa", "tahun"])
    sums = (ok.groupby(["kode_desa", "tahun", "kelas"], observed=True)["anggaran"].agg(["sum", "size"])
            .unstack("kelas", fill_value=0))
    kinds = [*TOTAL_KINDS, "lainnya"]
    total = sums["sum"].reindex(columns=kinds, fill_value=0)
    count = sums["size"].reindex(columns=kinds, fill_value=0).add_prefix("n_")
    return total.join(count).reset_index().astype({"kode_desa": "string"})


def check_amounts(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rupiah amounts of APBDes lines (``anggaran``, ``realisasi``) that are not numbers or are negative."""
    require(apbdes, ("kode_desa",), "apbdes")
    names, rows = labels(wilayah), []
    for col in (c for c in ("anggaran", "realisasi") if c in apbdes.columns):
        p = parse_numbers(apbdes[col])
        negative = p["nilai"] < 0
        picked = np.flatnonzero((p["bukan_angka"] | negative).to_numpy())
        sub = apbdes.iloc[picked].reindex(columns=["kode_desa", "tahun", "kode_rekening", col])
        codes, yrs = desa_codes(sub["kode_desa"]), years(sub)
        for j, (i, line) in enumerate(zip(picked, sub.to_dict("records"))):
            code, year, rek = codes.iloc[j], yrs.iloc[j], line["kode_rekening"]
            where = f" pada rekening {rek}" if isinstance(rek, str) and rek else ""
            who = f"{names.desa(code)}, {year_text(year)}"
            if negative.iloc[i]:
                x = p["nilai"].iloc[i]
                rows.append((code, year, "apbdes", col, plain(x), "nilai_negatif", "galat",
                             f"{who}: {col} bernilai negatif ({rp(x)}){where}."))
            else:
                text = str(line[col]).strip()
                rows.append((code, year, "apbdes", col, text, "bukan_angka", "galat",
                             f"{who}: {col} berisi '{text}'{where}, bukan angka rupiah."))
    return findings(rows)


def _kelurahan(codes: pd.Series, wilayah: "pd.DataFrame | Labels | None") -> pd.Series:
    """:func:`p3pd_lib.belanja.is_kelurahan`: the kelurahan whose lines the spending tables leave out."""
    w = region_table(wilayah)
    return is_kelurahan(codes, w if w is not None and {"kode_desa", "jenis"} <= set(w.columns) else None)


def check_kelurahan_apbdes(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None,
                           lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """APBDes lines of a kelurahan (``kelurahan_ber_apbdes``, galat): only desa have an APBDes.

    One finding per kelurahan and year; ``nilai`` = number of lines.
    """
    lines = apbdes_lines(apbdes) if lines is None else lines
    codes = pd.Series(lines["kode_desa"].dropna().unique(), dtype="string")
    kel = codes[_kelurahan(codes, wilayah).to_numpy()]
    if kel.empty:
        return empty_findings()
    sub = lines[lines["kode_desa"].isin(kel).to_numpy() & lines["tahun"].notna().to_numpy()]
    per_year = sub.groupby([sub["kode_desa"].astype("string"), "tahun"]).agg(
        n=("kelas", "size"), total=("anggaran", "sum")).reset_index()
    names = labels(wilayah)
    return findings([
        (code, year, "apbdes", "kode_desa", str(n), "kelurahan_ber_apbdes", "galat",
         f"{names.desa(code)}, {int(year)}: ada {n} baris APBDes (anggaran {rp(total)}), padahal kelurahan tidak "
         "memiliki APBDes maupun Dana Desa; baris ini tidak dipakai dalam indikator belanja.")
        for code, year, n, total in per_year.itertuples(index=False)])


def _tolerance(p: QualityParams, reference: Any) -> Any:
    return np.maximum(p.anggaran_toleransi_rupiah, p.anggaran_toleransi_relatif * np.abs(reference))


def check_realisation(
    apbdes: pd.DataFrame,
    *,
    wilayah: pd.DataFrame | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
    lines: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Spending lines whose realisation exceeds the budget (``realisasi_melebihi_anggaran``, galat).

    Only spending (``5.*``) and financing outlays (``6.2.*``) are checked: revenue above its estimate is normal.
    Differences within the tolerance of ``kualitas.yaml`` (rounding) are ignored. One finding per line.
    """
    p, names = as_params(params), labels(wilayah)
    lines = apbdes_lines(apbdes) if lines is None else lines
    over = lines["realisasi"] - lines["anggaran"]
    bad = (lines["kelas"].isin(["belanja", "pengeluaran_pembiayaan"]).to_numpy()
           & (over > p.anggaran_toleransi_rupiah).to_numpy() & (over > _tolerance(p, lines["anggaran"])).to_numpy())
    rows = []
    picked = np.flatnonzero(bad)  # one selection of the few lines found, not one per line
    described = apbdes.iloc[picked].reindex(columns=["kode_rekening", "uraian", "kode_kegiatan"])
    for line, src in zip(lines.iloc[picked].to_dict("records"), described.to_dict("records")):
        text = {c: str(v) if pd.notna(v) else "" for c, v in src.items()}
        what = (f"rekening {text['kode_rekening']}" + (f" '{text['uraian']}'" if text["uraian"] else "")
                + (f" (kegiatan {text['kode_kegiatan']})" if text["kode_kegiatan"] else ""))
        code = line["kode_desa"] if pd.notna(line["kode_desa"]) else None
        rows.append((code, line["tahun"], "apbdes", "realisasi", plain(line["realisasi"]),
                     "realisasi_melebihi_anggaran", "galat",
                     f"{names.desa(code)}, {year_text(line['tahun'])}: realisasi {rp(line['realisasi'])} melebihi "
                     f"anggaran {rp(line['anggaran'])} pada {what}."))
    return findings(rows)


def check_budget_totals(
    apbdes: pd.DataFrame,
    totals: pd.DataFrame,
    *,
    wilayah: pd.DataFrame | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Declared totals that differ from the sum of the lines (``total_tidak_sesuai``, galat).

    ``totals``: ``kode_desa, tahun, jenis, total`` (``jenis`` one of :data:`TOTAL_KINDS`) and optionally ``kolom`` =
    ``anggaran`` (default) or ``realisasi``, e.g. the summary page of a Perdes APBDes. Differences within the
    tolerance of ``kualitas.yaml`` are ignored.

    >>> lines = pd.DataFrame({"kode_desa": ["11.01.01.2001"] * 2, "tahun": [2024, 2024],
    ...                       "kode_rekening": ["5.1.1.01", "5.2.1.01"], "anggaran": [100e6, 50e6]})
    >>> tot = pd.DataFrame({"kode_desa": ["11.01.01.2001"], "tahun": [2024], "jenis": ["belanja"],
    ...                     "total": [160e6]})
    >>> check_budget_totals(lines, tot, params=QualityParams())["nilai"].tolist()
    ['160000000']
    """
    require(totals, ("kode_desa", "tahun", "jenis", "total"), "total anggaran")
    p = as_params(params)
    jenis = totals["jenis"].astype("string").str.strip().str.lower()
    bad = sorted(set(jenis.dropna()) - set(TOTAL_KINDS))
    if bad:
        raise ParameterError(f"Jenis total tidak dikenal: {', '.join(bad)}. Pilihan: {', '.join(TOTAL_KINDS)}.")
    kolom = (totals["kolom"].astype("string").fillna("anggaran").str.strip().str.lower()
             if "kolom" in totals.columns else pd.Series("anggaran", index=totals.index, dtype="string"))
    if not kolom.isin(["anggaran", "realisasi"]).all():
        raise ParameterError("Isian 'kolom' pada total anggaran harus 'anggaran' atau 'realisasi'.")
    lines = apbdes_lines(apbdes).dropna(subset=["kode_desa", "tahun"])
    sums = pd.concat({col: lines.groupby(["kode_desa", "tahun", "kelas"], observed=True)[col].sum()
                      for col in ("anggaran", "realisasi")}).to_dict()
    declared = parse_numbers(totals["total"])["nilai"]
    declared = declared.where(declared >= 0)
    codes, yrs, names = desa_codes(totals["kode_desa"]), years(totals), labels(wilayah)
    rows = []
    for i in range(len(totals)):
        d, code, year, kind, col = declared.iloc[i], codes.iloc[i], yrs.iloc[i], jenis.iloc[i], kolom.iloc[i]
        if np.isnan(d) or np.isnan(year) or pd.isna(code):
            continue
        summed = float(sums.get((col, code, year, kind), 0.0))
        if abs(d - summed) > _tolerance(p, d):
            rows.append((code, year, "apbdes", col, plain(d), "total_tidak_sesuai", "galat",
                         f"{names.desa(code)}, {int(year)}: total {kind.replace('_', ' ')} ({col}) tertulis {rp(d)}, "
                         f"sedangkan jumlah rinciannya {rp(summed)} (selisih {rp(d - summed)})."))
    return findings(rows)


def check_apbdes_identity(
    apbdes: pd.DataFrame,
    *,
    wilayah: pd.DataFrame | None = None,
    params: QualityParams | Mapping[str, Any] | None = None,
    lines: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Unbalanced budgets (``identitas_apbdes``) and one-sided budgets (``apbdes_tidak_lengkap``), peringatan.

    DOMAIN §3: Pendapatan − Belanja + Pembiayaan netto = SiLPA, with netto = penerimaan (6.1) − pengeluaran (6.2).
    An APBDes is adopted balanced (a deficit is covered by financing receipts such as last year's SiLPA), so on the
    budget the check is ``|P − B + (6.1 − 6.2)| ≤ tolerance``; the realised SiLPA is legitimately non-zero and not
    checked. Desa-years with spending but no revenue lines (or the reverse) are ``apbdes_tidak_lengkap``; kelurahan
    are skipped (already ``kelurahan_ber_apbdes``).
    """
    p, names = as_params(params), labels(wilayah)
    lines = apbdes_lines(apbdes) if lines is None else lines
    s = _per_desa_year(lines)
    if s.empty:
        return empty_findings()
    s = s[~_kelurahan(s["kode_desa"], wilayah).to_numpy()]
    balance = s["pendapatan"] - s["belanja"] + s["penerimaan_pembiayaan"] - s["pengeluaran_pembiayaan"]
    has_p, has_b = s["n_pendapatan"] > 0, s["n_belanja"] > 0
    one_sided = has_p ^ has_b
    unbalanced = has_p & has_b & (balance.abs() > _tolerance(p, np.maximum(s["pendapatan"], s["belanja"])))
    rows = []
    for i in s.index[one_sided | unbalanced]:
        r, year = s.loc[i], int(s.at[i, "tahun"])
        who = f"{names.desa(r['kode_desa'])}, {year}"
        if one_sided[i]:
            missing = "pendapatan (4.x)" if not has_p[i] else "belanja (5.x)"
            rows.append((r["kode_desa"], year, "apbdes", "kode_rekening", "", "apbdes_tidak_lengkap", "peringatan",
                         f"{who}: APBDes tidak memiliki baris {missing}; identitas anggaran tidak dapat diperiksa."))
        else:
            netto = r["penerimaan_pembiayaan"] - r["pengeluaran_pembiayaan"]
            rows.append((r["kode_desa"], year, "apbdes", "anggaran", plain(round(balance[i])), "identitas_apbdes",
                         "peringatan",
                         f"{who}: APBDes tidak seimbang: pendapatan {rp(r['pendapatan'])} − "
                         f"belanja {rp(r['belanja'])} + pembiayaan netto {rp(netto)} = {rp(balance[i])}; pada anggaran seharusnya 0 (defisit "
                         "ditutup penerimaan pembiayaan, surplus dialokasikan ke pengeluaran pembiayaan). Periksa "
                         "baris yang hilang, mis. SiLPA (6.1.1)."))
    return findings(rows)
