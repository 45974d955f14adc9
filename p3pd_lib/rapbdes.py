"""Spending against needs: budget responsiveness and the evaluasi RAPBDes of one village.

Built on :mod:`p3pd_lib.belanja` (mapping, sums per desa-year, fiscal rules). Shares are percentages (0–100);
amounts are Rupiah.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .belanja import (FINDING_COLUMNS, INDIKATOR_SEKTOR, LABEL_SEKTOR, SEKTOR, bounds_text, budget_identity,
                      desa_year_sums, is_kelurahan, load_dana_desa_rules, map_apbdes, unmapped_lines,
                      validate_dana_desa_rules, within)
from .errors import DataError, ParameterError
from .frames import require_columns
from .numbers import pct, rp

RESPONSIVENESS_COLUMNS = ["kode_desa", "tahun", "sektor", "merah", "porsi", "tahun_berikut", "porsi_berikut",
                          "perubahan", "naik", "responsif", "keterangan"]
_EPS = 1e-9


# --- responsiveness -------------------------------------------------------------------------------
def _red_by_sector(lights: pd.DataFrame) -> pd.DataFrame:
    """``kode_desa, tahun, sektor, merah`` from a per-sector table or from per-indicator traffic lights."""
    key, types = ["kode_desa", "tahun", "sektor"], {"kode_desa": "string", "tahun": "Int64", "sektor": "string"}
    if {*key, "merah"} <= set(lights.columns):
        return lights[[*key, "merah"]].astype(types | {"merah": "boolean"})
    if not {*key, "kelas"} <= set(lights.columns):
        raise DataError("Tabel lampu lalu lintas harus memuat kolom kode_desa, tahun, sektor dan merah (atau kelas).")
    kelas = lights["kelas"].astype("string")
    agg = (lights[key].astype(types).assign(merah=kelas.eq("merah"), dinilai=kelas.isin(["hijau", "kuning", "merah"]))
           .groupby(key, as_index=False)[["merah", "dinilai"]].any())
    # A sector whose indicators are all grey (no data) is unknown, not "not red".
    return agg.assign(merah=agg["merah"].astype("boolean").where(agg["dinilai"])).drop(columns="dinilai")


def _sector_shares(shares: pd.DataFrame) -> pd.DataFrame:
    """``kode_desa, tahun, sektor, porsi`` from spending indicators, a composition or a plain table."""
    s, cols = shares, set(shares.columns)
    if {"indikator", "nilai"} <= cols:
        s = shares[shares["indikator"].isin(list(INDIKATOR_SEKTOR))]
        s = s.assign(sektor=s["indikator"].map(INDIKATOR_SEKTOR), porsi=s["nilai"])
    elif {"komponen", "porsi"} <= cols:
        s = shares[shares["komponen"].isin(list(SEKTOR))].rename(columns={"komponen": "sektor"})
    elif not {"sektor", "porsi"} <= cols:
        raise DataError("Tabel porsi belanja harus memuat kolom (indikator, nilai), (komponen, porsi) atau "
                        "(sektor, porsi).")
    require_columns(s, ("kode_desa", "tahun"), "Tabel porsi belanja")
    return (s[["kode_desa", "tahun", "sektor", "porsi"]]
            .astype({"kode_desa": "string", "tahun": "Int64", "sektor": "string", "porsi": "Float64"})
            .drop_duplicates(["kode_desa", "tahun", "sektor"]))


def budget_responsiveness(traffic_lights_by_sector: pd.DataFrame, spending_shares: pd.DataFrame) -> pd.DataFrame:
    """Does a sector that was red in year t get a larger budget share in year t+1?

    ``traffic_lights_by_sector``: ``kode_desa, tahun, sektor, merah`` (bool) or per-indicator traffic lights with
    ``kelas``. ``spending_shares``: BEL02–BEL06 from :func:`~p3pd_lib.belanja.spending_indicators`, a composition,
    or any ``kode_desa, tahun, sektor, porsi`` table. Columns: ``kode_desa, tahun, sektor, merah, porsi,
    tahun_berikut, porsi_berikut, perubahan (points), naik, responsif (= naik for red sectors), keterangan``.

    >>> lights = pd.DataFrame({"kode_desa": ["a", "a"], "tahun": [2023, 2023], "sektor": ["KES", "AIR"],
    ...     "merah": [True, False]})
    >>> shares = pd.DataFrame({"kode_desa": ["a"] * 4, "tahun": [2023, 2024, 2023, 2024],
    ...     "sektor": ["KES", "KES", "AIR", "AIR"], "porsi": [5.0, 8.0, 3.0, 2.0]})
    >>> budget_responsiveness(lights, shares)[["sektor", "perubahan", "responsif"]].values.tolist()
    [['KES', 3.0, True], ['AIR', -1.0, <NA>]]
    """
    key = ["kode_desa", "tahun", "sektor"]
    sh = _sector_shares(spending_shares)
    nxt = sh.assign(tahun=sh["tahun"] - 1).rename(columns={"porsi": "porsi_berikut"})
    out = _red_by_sector(traffic_lights_by_sector).merge(sh, on=key, how="left").merge(nxt, on=key, how="left")
    change = (out["porsi_berikut"] - out["porsi"]).astype("Float64")
    naik = (change > _EPS).astype("boolean")
    red = out["merah"].fillna(False).astype(bool)
    ket = np.select([out["merah"].isna(), ~red, change.isna(), naik.fillna(False).astype(bool)],
                    ["Status sektor tidak diketahui (tidak ada data).", "Sektor tidak merah.",
                     "Porsi belanja tahun ini atau tahun berikutnya tidak diketahui.",
                     "Sektor merah dan porsi belanjanya naik tahun berikutnya (responsif)."],
                    "Sektor merah tetapi porsi belanjanya tidak naik tahun berikutnya.")
    return out.assign(
        tahun_berikut=(out["tahun"] + 1).astype("Int64"), perubahan=change, naik=naik,
        responsif=naik.where(red, pd.NA).astype("boolean"), keterangan=pd.array(ket, dtype="string"),
    )[RESPONSIVENESS_COLUMNS].reset_index(drop=True)


def summarise_responsiveness(detail: pd.DataFrame, wilayah: pd.DataFrame | None = None) -> pd.DataFrame:
    """Responsiveness per kecamatan, year and sector (plus ``sektor = SEMUA``).

    Columns ``kode_kecamatan, tahun, sektor, n_merah, n_dinilai (red with both shares known), n_responsif,
    persen_responsif`` (Σ/Σ, %), plus ``nama_kecamatan`` when ``wilayah`` is given.
    """
    if not {"kode_desa", "tahun", "sektor", "merah", "responsif"} <= set(detail.columns):
        raise DataError("Tabel responsivitas harus keluaran budget_responsiveness.")
    red, responsif = detail["merah"].fillna(False).astype(bool), detail["responsif"]
    d = detail.assign(kode_kecamatan=detail["kode_desa"].astype("string").str.slice(0, 8), n_merah=red,
                      n_dinilai=responsif.notna() & red, n_responsif=responsif.fillna(False).astype(bool))
    counts = ["n_merah", "n_dinilai", "n_responsif"]
    agg = (pd.concat([d, d.assign(sektor="SEMUA")], ignore_index=True)
           .groupby(["kode_kecamatan", "tahun", "sektor"], as_index=False)[counts].sum()
           .astype({"kode_kecamatan": "string", "tahun": "Int64", "sektor": "string"} | dict.fromkeys(counts, "Int64")))
    agg["persen_responsif"] = 100 * agg["n_responsif"] / agg["n_dinilai"].where(agg["n_dinilai"] > 0)
    if wilayah is not None and {"kode_kecamatan", "nama_kecamatan"} <= set(wilayah.columns):
        names = wilayah[["kode_kecamatan", "nama_kecamatan"]].drop_duplicates("kode_kecamatan").astype("string")
        agg = agg.merge(names, on="kode_kecamatan", how="left")
    return agg


# --- evaluasi RAPBDes -----------------------------------------------------------------------------
def _rule_findings(r_year: pd.DataFrame, sums: dict, total: float, ceiling: float) -> list[tuple]:
    """One finding per rule of the year: the 30 % cap over total belanja, each Dana Desa rule over the ceiling."""
    rows = []
    for rule in r_year.to_dict("records"):
        nama, personnel = rule["nama_aturan"], rule["basis"] == "total_belanja"
        label = f"{nama} ({rule['dasar_hukum']})"
        lo, hi = (np.nan if pd.isna(rule[b]) else float(rule[b]) for b in ("batas_bawah", "batas_atas"))
        base = total if personnel else ceiling
        if not base > 0:  # no belanja (the cap is then left out) or an unknown Dana Desa ceiling
            if not personnel:
                rows.append((f"Pagu Dana Desa tidak diketahui: {nama} tidak dapat dinilai.", label, None,
                             bounds_text(lo, hi), "catatan",
                             "Cantumkan pendapatan Dana Desa (kode rekening 4.2.1) atau isi pagu Dana Desa."))
            continue
        key = "personel" if personnel else f"dd_{rule['aturan']}"
        amount = 0.0 if pd.isna(sums.get(key)) else float(sums[key])
        share = 100 * amount / base
        ok = within(share, lo, hi)
        if ok:
            saran = "Tidak perlu perubahan."
        elif personnel:
            saran = ("Kurangi belanja siltap/tunjangan atau alihkan sumbernya (mis. hasil tanah bengkok, di luar "
                     "perhitungan) hingga paling banyak batas yang berlaku.")
        elif pd.notna(lo) and share < lo - _EPS:
            saran = (f"Tambah alokasi {nama} dari Dana Desa minimal {rp(lo / 100 * ceiling - amount)} agar mencapai "
                     f"{pct(lo)} pagu Dana Desa.")
        else:
            saran = (f"Kurangi alokasi {nama} dari Dana Desa sebesar {rp(amount - hi / 100 * ceiling)} agar paling "
                     f"banyak {pct(hi)} pagu Dana Desa.")
        temuan = (f"Siltap dan tunjangan kepala desa, perangkat dan BPD {pct(share)} dari total belanja "
                  f"({rp(amount)} dari {rp(total)})." if personnel else
                  f"{nama} dari Dana Desa {rp(amount)} = {pct(share)} dari pagu Dana Desa {rp(ceiling)}.")
        rows.append((temuan, label, share, bounds_text(lo, hi), "sesuai" if ok else "perlu perbaikan", saran))
    return rows


def _gap_findings(gaps: pd.DataFrame, kode_desa: str, sums: dict, total: float) -> list[tuple]:
    """One finding per sector with red or yellow indicators of the desa, against its budget share."""
    if not {"sektor", "kelas"} <= set(gaps.columns):
        raise DataError("Tabel kesenjangan layanan harus memuat kolom sektor dan kelas (merah/kuning).")
    gp = gaps if "kode_desa" not in gaps.columns else gaps[gaps["kode_desa"].astype("string") == kode_desa]
    gp = gp[gp["kelas"].isin(["merah", "kuning"])]
    rows = []
    for sektor in [s for s in SEKTOR if s in set(gp["sektor"])]:
        sub = gp[gp["sektor"] == sektor]
        n_red, n_yel = int((sub["kelas"] == "merah").sum()), int((sub["kelas"] == "kuning").sum())
        names = ", ".join(sorted(sub["indikator"].astype(str).unique())) if "indikator" in sub.columns else "-"
        share = 100 * float(sums[sektor]) / total if total > 0 else np.nan
        what = " dan ".join(f"{n} indikator {kelas}" for n, kelas in ((n_red, "merah"), (n_yel, "kuning")) if n)
        temuan = (f"Sektor {sektor} ({LABEL_SEKTOR[sektor]}) memiliki {what} ({names}); porsi belanja "
                  f"{pct(share) if not np.isnan(share) else 'tidak diketahui'}.")
        if n_red and not share > _EPS:
            status, saran = "perlu perbaikan", (
                f"Sektor {sektor} merah tetapi tidak dianggarkan: usulkan kegiatan yang menjawab indikator "
                f"{names} (bersama penanggung jawab sektor) atau jelaskan pendanaan dari pihak lain.")
        elif not share > _EPS:
            status, saran = "catatan", f"Pertimbangkan kegiatan sektor {sektor} agar indikator mencapai target."
        else:
            status, saran = "catatan", f"Pastikan kegiatan sektor {sektor} menyasar indikator {names}."
        rows.append((temuan, "Kesesuaian belanja dengan kesenjangan layanan dasar", share, "> 0%", status, saran))
    return rows


def evaluasi_rapbdes(draft_lines: pd.DataFrame, kode_desa: str, tahun: int, gaps: pd.DataFrame | None = None,
                     rules: pd.DataFrame | None = None, mapping: pd.DataFrame | None = None,
                     keywords: pd.DataFrame | None = None, pagu_dana_desa: float | None = None) -> pd.DataFrame:
    """Check ONE village's draft budget (RAPBDes) before the camat signs it off.

    ``draft_lines``: apbdes-shaped lines of the draft. ``gaps``: the desa's red/yellow indicators (``sektor,
    indikator, kelas``). ``pagu_dana_desa`` overrides the Dana Desa ceiling read from revenue lines 4.2.1.

    Findings, in order: the 30 % cap and each Dana Desa rule of the year, each sector with red (or yellow)
    indicators against its budget share, the basic-service share, unmapped lines, and the budget balance when
    revenue lines are present. Columns ``no, temuan, aturan, nilai, batas, status (sesuai / perlu perbaikan /
    catatan), saran`` — Indonesian text.
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
    mapped = map_apbdes(draft_lines.assign(kode_desa=kode_desa, tahun=tahun), None, mapping=mapping, keywords=keywords)
    r = validate_dana_desa_rules(rules) if rules is not None else load_dana_desa_rules()
    # The 30 % cap (basis total_belanja) first, then the Dana Desa rules in file order.
    r_year = r[r["tahun"] == tahun].sort_values("basis", ascending=False, kind="stable")
    sums = next(iter(desa_year_sums(mapped).to_dict("records")), {})
    total = 0.0 if pd.isna(sums.get("total_belanja")) else float(sums["total_belanja"])
    ceiling = float(pagu_dana_desa) if pagu_dana_desa is not None else (
        np.nan if pd.isna(sums.get("pagu_dd")) else float(sums["pagu_dd"]))
    rows = []
    if total <= 0:
        rows.append(("Rancangan tidak memuat baris belanja (kode rekening 5).", "Kelengkapan RAPBDes", None, "-",
                     "perlu perbaikan", "Lengkapi baris belanja sebelum dievaluasi."))
    rows += _rule_findings(r_year, sums, total, ceiling)
    if gaps is not None and not gaps.empty:
        rows += _gap_findings(gaps, kode_desa, sums, total)
    if total > 0:
        basic = 100 * sum(float(sums[s]) for s in SEKTOR) / total
        rows.append((f"Porsi belanja layanan dasar {pct(basic)} dari total belanja.",
                     "Porsi belanja layanan dasar (BEL01)", basic, "-", "catatan",
                     "Bandingkan dengan median desa lain di kecamatan."))
    odd = unmapped_lines(mapped)
    if len(odd):
        rows.append((f"{len(odd)} baris belanja ({rp(float(odd['anggaran'].fillna(0).sum()))}) tidak dapat dipetakan "
                     "dengan pasti ke sektor.", "Pemetaan kode kegiatan (Permendagri 20/2018)", float(len(odd)),
                     "0 baris", "catatan",
                     "Periksa kode dan nama kegiatan baris tersebut (lihat daftar baris tidak terpetakan)."))
    ident = budget_identity(mapped)
    if len(ident) and float(ident["pendapatan"].iloc[0]) > 0:
        silpa = float(ident["silpa"].iloc[0])
        ok = silpa >= -_EPS
        rows.append((
            f"Pendapatan − belanja + pembiayaan netto = {rp(silpa)}.", "Keseimbangan APBDes (Permendagri 20/2018)",
            silpa, "≥ Rp 0", "sesuai" if ok else "perlu perbaikan", "Tidak perlu perubahan." if ok else
            "Belanja melebihi pendapatan dan pembiayaan netto: kurangi belanja atau tambah sumber pembiayaan."))
    out = pd.DataFrame(rows, columns=FINDING_COLUMNS[1:])
    out.insert(0, "no", pd.array(np.arange(1, len(out) + 1), dtype="Int64"))
    return out.astype({c: "string" for c in FINDING_COLUMNS[1:]} | {"nilai": "Float64"})
