"""One kabupaten's tables with the planted data-quality problems and their manifest rows."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .apbdes import apbdes_kab
from .catalogue import CATALOGUE, IS_SPENDING, KEL_LINES
from .parameters import (
    COL_POS, COUNT_COLS, DemoParameters, INDIKATOR_LAYANAN, IND_IDS, PEMBILANG_PLANT, PENCILAN_PLANT,
)
from .proposals import usulan_kab
from .services import KabOut, S_MASALAH, layanan_kab, r1000, status_kab, stream_rng


def _fake_code(kec: str, official: set[str], rng: np.random.Generator) -> str:
    """A desa code under a real kecamatan that is not in the official list (e.g. after a split)."""
    used = [int(c[-4:]) for c in official if c.startswith(kec + ".") and c[-4] == "2"]
    start = (max(used) if used else 2000) + 1 + int(rng.integers(0, 5))
    for num in range(start, 3000):
        code = f"{kec}.{num:04d}"
        if code not in official:
            return code
    raise RuntimeError(f"Tidak ada kode fiktif yang tersisa di kecamatan {kec}.")  # pragma: no cover


def _masalah_row(aturan: str, tabel: str, kode: str, tahun: int | None, kolom: str | None, nilai: object,
                 keterangan: str) -> dict[str, object]:
    return {"aturan": aturan, "tabel": tabel, "kode_desa": kode, "tahun": tahun, "kolom": kolom,
            "nilai": None if nilai is None else str(nilai), "keterangan": keterangan}


def _rp(x: float) -> str:
    return f"Rp {int(round(x)):,}".replace(",", ".")


def generate_kab(kab: str, wk: pd.DataFrame, years: Sequence[int], prm: DemoParameters, seed: int,
                  official: set[str]) -> KabOut:
    prov = kab[:2]
    codes = wk["kode_desa"].to_numpy(dtype=object)
    n = len(wk)
    ny = len(years)
    counts, pops = layanan_kab(kab, prov, wk, years, prm, seed)
    st = status_kab(kab, prov, wk.loc[wk["jenis"] == "desa"].reset_index(drop=True), years, prm, seed)
    st["v"] = np.flatnonzero((wk["jenis"] == "desa").to_numpy(dtype=bool))[st["v"]] if len(st["v"]) else st["v"]
    apb, mats = apbdes_kab(kab, prov, wk, years, prm, seed)
    us = usulan_kab(kab, wk, years, mats, prm, seed)

    # --- planted problems -------------------------------------------------------------
    r = stream_rng(seed, kab, S_MASALAH)
    Mp = prm.masalah_simulasi
    k_each = max(Mp.minimum_per_kabupaten, int(round(Mp.per_desa * n)))
    is_kel = (wk["jenis"] == "kelurahan").to_numpy(dtype=bool)
    order = r.permutation(n)
    used = np.zeros(n, dtype=bool)
    year_arr = np.asarray(years)

    def pick(k: int, eligible: np.ndarray) -> np.ndarray:
        cand = [v for v in order if eligible[v] and not used[v]][:k]
        used[cand] = True
        return np.asarray(cand, dtype=np.int64)

    na = np.zeros_like(counts, dtype=bool)
    masalah: list[dict[str, object]] = []
    clean = counts.copy()
    every = np.ones(n, dtype=bool)

    for v in pick(k_each, every):  # numerator above its denominator
        yi = int(r.integers(0, ny))
        ind = PEMBILANG_PLANT[int(r.integers(0, len(PEMBILANG_PLANT)))]
        _, num, den, _ = INDIKATOR_LAYANAN[IND_IDS.index(ind)]
        d = int(counts[v, yi, COL_POS[den]])
        val = d + max(1, int(round(d * r.uniform(0.01, 0.08))))
        counts[v, yi, COL_POS[num]] = val
        masalah.append(_masalah_row("pembilang_melebihi_penyebut", "layanan", codes[v], years[yi], num, val,
                                    f"{num} ({val}) melebihi penyebutnya {den} ({d})."))
    for v in pick(k_each, every):  # a missing count
        yi = int(r.integers(0, ny))
        colname = COUNT_COLS[int(r.integers(0, len(COUNT_COLS)))]
        na[v, yi, COL_POS[colname]] = True
        masalah.append(_masalah_row("nilai_hilang", "layanan", codes[v], years[yi], colname, None,
                                    f"Kolom {colname} kosong (tidak dilaporkan)."))
    for v in pick(k_each, every):  # an extreme outlier of a denominator
        # In the last year, so the only year-on-year jump it causes is in the same year.
        yi = ny - 1
        colname = PENCILAN_PLANT[int(r.integers(0, len(PENCILAN_PLANT)))]
        med = float(np.median(clean[:, yi, COL_POS[colname]]))
        val = int(round(max(med, 1.0) * r.uniform(20.0, 40.0)))
        old = int(counts[v, yi, COL_POS[colname]])
        counts[v, yi, COL_POS[colname]] = val
        masalah.append(_masalah_row("pencilan", "layanan", codes[v], years[yi], colname, val,
                                    f"{colname} = {val}, sekitar {val / max(med, 1.0):.0f} kali median kabupaten "
                                    f"({med:.0f}); nilai wajar ≈ {old}. Karena ekstrem, nilai ini juga tampak "
                                    "sebagai lonjakan dari tahun sebelumnya."))
    if ny >= 2 and years[-1] - 1 in years:
        # An implausible fall of a large village in the last year (e.g. only one dusun
        # reported): every count is divided by the same factor, so rates and per-capita
        # figures stay plausible and the new values stay inside the kabupaten's range
        # (a jump, not a cross-sectional outlier). The last year gives exactly one jump.
        large = pops[:, -1] >= np.quantile(pops[:, -1], 0.6)
        for v in pick(k_each, large):
            yi = ny - 1
            prev = int(counts[v, yi - 1, COL_POS["penduduk"]])
            factor = r.uniform(3.5, 4.5)
            counts[v, yi] = np.floor(counts[v, yi] / factor).astype(np.int64)
            val = int(counts[v, yi, COL_POS["penduduk"]])
            masalah.append(_masalah_row("lonjakan_tahunan", "layanan", codes[v], years[yi], "penduduk", val,
                                        f"Penduduk turun tajam dari {prev} ({years[yi - 1]}) menjadi {val} "
                                        f"({years[yi]}); semua jumlah lain desa ini ikut turun sekitar "
                                        f"{factor:.1f} kali (mis. hanya satu dusun yang melapor)."))

    lay_codes = np.repeat(codes, ny)
    lay_year = np.tile(year_arr, n)
    lay_counts = counts.reshape(n * ny, -1)
    lay_na = na.reshape(n * ny, -1)
    extra_codes: list[str] = []
    extra_year: list[int] = []
    extra_rows: list[np.ndarray] = []
    extra_na: list[np.ndarray] = []
    for v in pick(k_each, every):  # duplicated service row (identical values)
        yi = int(r.integers(0, ny))
        extra_codes.append(codes[v])
        extra_year.append(years[yi])
        extra_rows.append(counts[v, yi].copy())
        extra_na.append(na[v, yi].copy())
        masalah.append(_masalah_row("baris_ganda", "layanan", codes[v], years[yi], None, None,
                                    "Baris layanan desa dan tahun ini tercatat dua kali."))
    for v in pick(k_each, every):  # a code not in the official list, under a real kecamatan
        yi = int(r.integers(0, ny))
        kec = wk["kode_kecamatan"].iat[v]
        fake = _fake_code(kec, official, r)
        official = official | {fake}
        extra_codes.append(fake)
        extra_year.append(years[yi])
        extra_rows.append(clean[v, yi].copy())
        extra_na.append(np.zeros(len(COUNT_COLS), dtype=bool))
        masalah.append(_masalah_row("kode_tidak_resmi", "layanan", fake, years[yi], "kode_desa", fake,
                                    f"Kode {fake} tidak ada dalam daftar resmi Kemendagri (kecamatan {kec} ada)."))
    if extra_codes:
        lay_codes = np.concatenate([lay_codes, np.asarray(extra_codes, dtype=object)])
        lay_year = np.concatenate([lay_year, np.asarray(extra_year)])
        lay_counts = np.vstack([lay_counts, np.vstack(extra_rows)])
        lay_na = np.vstack([lay_na, np.vstack(extra_na)])
    lay_order = np.lexsort((lay_year, lay_codes.astype(str)))

    # Budget plants: realisation above budget (desa), APBDes lines for a kelurahan.
    spend_rows = np.flatnonzero(IS_SPENDING[apb["line"]]) if len(apb["line"]) else np.zeros(0, dtype=np.int64)
    for v in pick(k_each, ~is_kel):
        rows = spend_rows[apb["v"][spend_rows] == v]
        if len(rows) == 0:
            continue
        row = int(rows[int(r.integers(0, len(rows)))])
        budget = float(apb["anggaran"][row])
        val = float(r1000(budget * r.uniform(1.1, 1.5)))
        apb["realisasi"][row] = val
        ln = CATALOGUE[int(apb["line"][row])]
        masalah.append(_masalah_row("realisasi_melebihi_anggaran", "apbdes", codes[v], int(apb["tahun"][row]),
                                    "realisasi", int(val),
                                    f"Kegiatan {ln.keg} rekening {ln.rek} ({ln.uraian}): realisasi {_rp(val)} "
                                    f"melebihi anggaran {_rp(budget)}."))
    kel_v = pick(k_each, is_kel)
    if len(kel_v):
        add: dict[str, list[np.ndarray]] = {k: [] for k in ("v", "tahun", "line", "anggaran", "realisasi")}
        for v in kel_v:
            t = years[int(r.integers(0, ny))]
            total = float(r1000(r.uniform(300, 900) * 1e6))
            jalan = float(r1000(total * r.uniform(0.6, 0.8)))
            amounts = np.array([total, jalan, total - jalan])
            add["v"].append(np.full(3, v))
            add["tahun"].append(np.full(3, t))
            add["line"].append(KEL_LINES)
            add["anggaran"].append(amounts)
            add["realisasi"].append(np.floor(amounts * r.uniform(0.7, 0.95) / 1000.0) * 1000.0)
            masalah.append(_masalah_row("kelurahan_ber_apbdes", "apbdes", codes[v], t, None, 3,
                                        f"Kelurahan memiliki 3 baris APBDes (Dana Kelurahan {_rp(total)}); "
                                        "kelurahan tidak memiliki APBDes."))
        for k in add:
            apb[k] = np.concatenate([apb[k], *add[k]]).astype(np.int64 if k in ("v", "tahun", "line") else float)
        apb_order = np.lexsort((apb["line"], apb["tahun"], apb["v"]))
        apb = {k: v[apb_order] for k, v in apb.items()}
    return KabOut(
        lay_codes=lay_codes[lay_order], lay_year=lay_year[lay_order], lay_counts=lay_counts[lay_order],
        lay_na=lay_na[lay_order], st=st, apb=apb, us=us, masalah=masalah,
    )
