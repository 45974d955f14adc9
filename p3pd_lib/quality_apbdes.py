"""Data-quality checks of the APBDes lines (DOMAIN.md §6).

The checks read the lines through :func:`apbdes_lines` (read once by ``quality.run_checks`` for all of them).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from .belanja import is_kelurahan, rekening_class
from .errors import ParameterError
from .quality_base import (
    QualityParams, as_params, desa_codes, empty_findings, findings, labels, parse_numbers, plain, region_table,
    require, rp, year_text, years,
)

#: Kinds of declared totals accepted by :func:`check_budget_totals`.
TOTAL_KINDS: tuple[str, ...] = ("pendapatan", "belanja", "penerimaan_pembiayaan", "pengeluaran_pembiayaan")


def apbdes_lines(apbdes: pd.DataFrame) -> pd.DataFrame:
    """``kode_desa`` (stripped, categorical), ``tahun`` (float), ``kelas`` of ``kode_rekening`` (categorical) and
    valid ``anggaran``/``realisasi`` (NaN when missing, not a number or negative) per line, on ``apbdes``'s index."""
    require(apbdes, ("kode_desa", "tahun", "kode_rekening", "anggaran"), "apbdes")
    accounts = apbdes["kode_rekening"].astype("category")  # each distinct account classified once
    kinds = pd.Categorical(rekening_class(pd.Series(accounts.cat.categories, dtype="string")),
                           categories=[*TOTAL_KINDS, "lainnya"])
    amounts = {c: parse_numbers(apbdes[c])["nilai"] if c in apbdes.columns else pd.Series(np.nan, index=apbdes.index)
               for c in ("anggaran", "realisasi")}
    return pd.DataFrame({
        "kode_desa": desa_codes(apbdes["kode_desa"], category=True),
        "tahun": years(apbdes),
        "kelas": kinds.take(accounts.cat.codes.to_numpy(), allow_fill=True, fill_value="lainnya"),
        **{c: v.where(v >= 0) for c, v in amounts.items()},
    }, index=apbdes.index)


def budget_sums(lines: pd.DataFrame) -> pd.DataFrame:
    """Σ ``anggaran``, Σ ``realisasi`` and number of lines (``n``) per desa, year and class of :func:`apbdes_lines`
    (indexed by ``kode_desa, tahun, kelas``)."""
    return (lines.assign(n=1).groupby(["kode_desa", "tahun", "kelas"], observed=True)[["anggaran", "realisasi", "n"]]
            .sum())


def _tolerance(p: QualityParams, reference: Any) -> Any:
    return np.maximum(p.anggaran_toleransi_rupiah, p.anggaran_toleransi_relatif * np.abs(reference))


def check_amounts(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rupiah amounts of APBDes lines (``anggaran``, ``realisasi``) that are not numbers or are negative."""
    require(apbdes, ("kode_desa",), "apbdes")
    names, rows = labels(wilayah), []
    for col in (c for c in ("anggaran", "realisasi") if c in apbdes.columns):
        parsed = parse_numbers(apbdes[col])
        picked = (parsed["bukan_angka"] | (parsed["nilai"] < 0)).to_numpy()
        bad = apbdes[picked].reindex(columns=["kode_desa", "tahun", "kode_rekening", col])
        for code, year, rek, written, x in zip(desa_codes(bad["kode_desa"]), years(bad), bad["kode_rekening"],
                                               bad[col], parsed["nilai"][picked]):
            where = f" pada rekening {rek}" if isinstance(rek, str) and rek else ""
            who = f"{names.desa(code)}, {year_text(year)}"
            if x < 0:
                rows.append((code, year, "apbdes", col, plain(x), "nilai_negatif", "galat",
                             f"{who}: {col} bernilai negatif ({rp(x)}){where}."))
            else:
                text = str(written).strip()
                rows.append((code, year, "apbdes", col, text, "bukan_angka", "galat",
                             f"{who}: {col} berisi '{text}'{where}, bukan angka rupiah."))
    return findings(rows)


def _kelurahan(codes: pd.Series, wilayah: Any) -> pd.Series:
    """:func:`p3pd_lib.belanja.is_kelurahan`: the kelurahan whose lines the spending tables leave out."""
    w = region_table(wilayah)
    return is_kelurahan(codes, w if w is not None and {"kode_desa", "jenis"} <= set(w.columns) else None)


def check_kelurahan_apbdes(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None,
                           lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """APBDes lines of a kelurahan (``kelurahan_ber_apbdes``, galat): only desa have an APBDes.

    One finding per kelurahan and year; ``nilai`` = number of lines.
    """
    lines = apbdes_lines(apbdes) if lines is None else lines
    codes = pd.Series(lines["kode_desa"].cat.categories, dtype="string")
    kelurahan = lines[lines["kode_desa"].isin(codes[_kelurahan(codes, wilayah).to_numpy()])]
    per_year = (kelurahan.groupby(["kode_desa", "tahun"], observed=True)
                .agg(n=("kelas", "size"), total=("anggaran", "sum")).reset_index())
    names = labels(wilayah)
    return findings([
        (code, year, "apbdes", "kode_desa", str(n), "kelurahan_ber_apbdes", "galat",
         f"{names.desa(code)}, {int(year)}: ada {n} baris APBDes (anggaran {rp(total)}), padahal kelurahan tidak "
         "memiliki APBDes maupun Dana Desa; baris ini tidak dipakai dalam indikator belanja.")
        for code, year, n, total in per_year.itertuples(index=False)])


def check_realisation(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None,
                      params: QualityParams | Mapping[str, Any] | None = None,
                      lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """Spending lines whose realisation exceeds the budget (``realisasi_melebihi_anggaran``, galat).

    Only spending (``5.*``) and financing outlays (``6.2.*``) are checked: revenue above its estimate is normal.
    Differences within the tolerance of ``kualitas.yaml`` (rounding) are ignored. One finding per line.
    """
    p, names = as_params(params), labels(wilayah)
    lines = apbdes_lines(apbdes) if lines is None else lines
    over = lines["realisasi"] - lines["anggaran"]
    bad = (lines["kelas"].isin(["belanja", "pengeluaran_pembiayaan"]) & (over > p.anggaran_toleransi_rupiah)
           & (over > _tolerance(p, lines["anggaran"])))
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
                        params: QualityParams | Mapping[str, Any] | None = None) -> pd.DataFrame:
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
    p, names = as_params(params), labels(wilayah)
    declared = pd.DataFrame({
        "kode_desa": desa_codes(totals["kode_desa"]), "tahun": years(totals),
        "kelas": totals["jenis"].astype("string").str.strip().str.lower(),
        "kolom": (totals["kolom"].astype("string").fillna("anggaran").str.strip().str.lower()
                  if "kolom" in totals.columns else "anggaran"),
        "total": parse_numbers(totals["total"])["nilai"]})
    unknown = sorted(set(declared["kelas"].dropna()) - set(TOTAL_KINDS))
    if unknown:
        raise ParameterError(f"Jenis total tidak dikenal: {', '.join(unknown)}. Pilihan: {', '.join(TOTAL_KINDS)}.")
    if not declared["kolom"].isin(["anggaran", "realisasi"]).all():
        raise ParameterError("Isian 'kolom' pada total anggaran harus 'anggaran' atau 'realisasi'.")
    declared = declared[(declared["total"] >= 0) & declared["tahun"].notna() & declared["kode_desa"].notna()]
    sums = budget_sums(apbdes_lines(apbdes)).reset_index().astype({"kode_desa": "string", "kelas": "string"})
    checked = declared.merge(sums, on=["kode_desa", "tahun", "kelas"], how="left")
    checked["jumlah"] = checked["anggaran"].where(checked["kolom"] == "anggaran", checked["realisasi"]).fillna(0.0)
    rows = []
    for code, year, kind, col, d, summed in checked[[*declared.columns, "jumlah"]].itertuples(index=False):
        if abs(d - summed) > _tolerance(p, d):
            rows.append((code, year, "apbdes", col, plain(d), "total_tidak_sesuai", "galat",
                         f"{names.desa(code)}, {int(year)}: total {kind.replace('_', ' ')} ({col}) tertulis {rp(d)}, "
                         f"sedangkan jumlah rinciannya {rp(summed)} (selisih {rp(d - summed)})."))
    return findings(rows)


def check_apbdes_identity(apbdes: pd.DataFrame, *, wilayah: pd.DataFrame | None = None,
                          params: QualityParams | Mapping[str, Any] | None = None,
                          lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """Unbalanced budgets (``identitas_apbdes``) and one-sided budgets (``apbdes_tidak_lengkap``), peringatan.

    DOMAIN §3: Pendapatan − Belanja + Pembiayaan netto = SiLPA, with netto = penerimaan (6.1) − pengeluaran (6.2).
    An APBDes is adopted balanced (a deficit is covered by financing receipts such as last year's SiLPA), so on the
    budget the check is ``|P − B + (6.1 − 6.2)| ≤ tolerance``; the realised SiLPA is legitimately non-zero and not
    checked. Desa-years with spending but no revenue lines (or the reverse) are ``apbdes_tidak_lengkap``; kelurahan
    are skipped (already ``kelurahan_ber_apbdes``).
    """
    p, names = as_params(params), labels(wilayah)
    sums = budget_sums(apbdes_lines(apbdes) if lines is None else lines)
    if sums.empty:
        return empty_findings()
    wide = sums.unstack("kelas")
    wide = wide[~_kelurahan(wide.index.get_level_values("kode_desa").to_series(), wilayah).to_numpy()]
    n = wide["n"].reindex(columns=list(TOTAL_KINDS)).fillna(0)
    s = wide["anggaran"].reindex(columns=list(TOTAL_KINDS)).fillna(0.0).assign(
        has_p=n["pendapatan"] > 0, has_b=n["belanja"] > 0).reset_index()
    s["saldo"] = s["pendapatan"] - s["belanja"] + s["penerimaan_pembiayaan"] - s["pengeluaran_pembiayaan"]
    one_sided = s["has_p"] ^ s["has_b"]
    tolerance = _tolerance(p, np.maximum(s["pendapatan"], s["belanja"]))
    rows = []
    for r in s[one_sided | (s["has_p"] & s["has_b"] & (s["saldo"].abs() > tolerance))].itertuples(index=False):
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
